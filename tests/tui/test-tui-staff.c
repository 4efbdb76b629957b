/* The host-stand app and staff accounts (issue 10), end to end: the real
 * app in tmux against a real maitred (its own per test), read back with
 * capture-pane. One test per process: argv[1] names it.
 * - staff_first_login: a host made by the owner logs in with its initial
 *   password, gets the password screen first (the server refuses the rest
 *   meanwhile), chooses its own, and reaches the board with the
 *   restaurant's name in the header; the server has the new password.
 * - team: the owner opens `T`, sees the accounts, adds a host by keys,
 *   disables it (`d`); the server has both; a host pressing `T` is told
 *   the team is not its to manage.
 * - restaurant_clock: the header's clock is the restaurant's time zone, and
 *   a local phone number is read with the restaurant's country. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <locale.h>
#include <unistd.h>
#include <cmocka.h>

#include "world.h"

/* Sends a request as the owner; returns the status, *json the answer when asked. */
static long owner_http(struct tui_world *w, const char *method, const char *path, const char *body, cJSON **json)
{
	struct test_resp r;
	long st;

	assert_int_equal(test_http(&w->srv, method, path, w->token, body, NULL, &r), 0);
	st = r.status;
	if (json)
		*json = test_resp_json(&r);
	test_resp_free(&r);
	return st;
}

/* Starts maitred, registers the owner of "Chez Zoë" with the list "Dining room". */
static struct tui_world *world_new(void)
{
	struct tui_world *w = tui_world_new(NULL);

	tui_world_owner(w, "owner", "Chez Zoë");
	tui_world_list(w, NULL);
	return w;
}

/* Starts the app and types e-mail and password on the login screen. */
static void app_login(struct tui_world *w, const char *email, const char *password)
{
	tui_world_start(w, 120, 40, NULL, NULL);
	tui_world_type_login(w, email, password);
}

/* The host's first login: the password screen, then the board. */
static void test_staff_first_login(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	char host[128];
	char *body, *tok = NULL;

	test_unique_email(host, sizeof host, "host");
	body = test_strf("{\"email\":\"%s\",\"name\":\"Ana\",\"role\":\"host\",\"password\":\"given password\"}", host);
	assert_int_equal(owner_http(w, "POST", "/staff", body, NULL), 201);
	free(body);
	app_login(w, host, "given password");
	assert_true(tmux_wait_text(&w->t, "Choose your own password", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Chez Zoë", TUI_WAIT) >= 0);
	/* the two new ones differ: said, nothing sent */
	assert_int_equal(tmux_keys(&w->t, "L:my own password", "Tab", "L:my own passw0rd", "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "the two new passwords differ", TUI_WAIT) >= 0);
	assert_int_equal(test_login(&w->srv, host, "given password", &tok, NULL), 200);
	free(tok);
	tok = NULL;
	assert_int_equal(tmux_keys(&w->t, "C-u", "L:my own password", "Enter", NULL), 0);
	/* one list: straight to the board, the restaurant's name in the header */
	assert_true(tmux_wait_text(&w->t, "Chez Zoë · Dining room · waiting", TUI_WAIT) >= 0);
	assert_int_equal(test_login(&w->srv, host, "given password", &tok, NULL), 401);
	assert_int_equal(test_login(&w->srv, host, "my own password", &tok, NULL), 200);
	free(tok);
	/* a host's T: not for it */
	assert_int_equal(tmux_keys(&w->t, "T", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "managed by the owner and managers", TUI_WAIT) >= 0);
	tui_world_free(w);
}

/* "HH:MM" of the wall clock plus off_s, in UTC terms (the zone's offset added by hand). */
static void clock_at(time_t t, long off_s, char *out, size_t n)
{
	struct tm tm;

	t += off_s;
	gmtime_r(&t, &tm);
	snprintf(out, n, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

/* The app's clocks show the restaurant's time zone (Asia/Kathmandu, UTC+5:45,
 * no summer time), not the machine's (UTC here: TZ=UTC for the app). */
static void test_restaurant_clock(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	const char *env[] = { "TZ=UTC", NULL };
	char line[1024], want[2][8];
	int ok = 0;

	assert_int_equal(owner_http(w, "PUT", "/restaurant", "{\"timezone\":\"Asia/Kathmandu\",\"phoneCountry\":\"GB\"}",
				    NULL), 200);
	tui_world_start(w, 120, 40, NULL, env);
	tui_world_type_login(w, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "Chez Zoë · Dining room · waiting", TUI_WAIT) >= 0);
	for (int i = 0; i < 50 && !ok; i++) {
		time_t now = time(NULL);
		clock_at(now, 5 * 3600 + 45 * 60, want[0], sizeof want[0]);
		clock_at(now - 60, 5 * 3600 + 45 * 60, want[1], sizeof want[1]);   /* a minute turned meanwhile */
		assert_int_equal(tmux_line_with(&w->t, "Dining room · waiting", line, sizeof line), 0);
		ok = strstr(line, want[0]) != NULL || strstr(line, want[1]) != NULL;
		if (!ok)
			usleep(100000);
	}
	if (!ok)
		fprintf(stderr, "header without the Kathmandu time %s: %s\n", want[0], line);
	assert_true(ok);
	/* no country in the config: a local number is read as the restaurant's (GB), not the US default */
	assert_int_equal(tmux_keys(&w->t, "a", "L:Priya", "Tab", "L:2", "Tab", "L:07700 900123", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "+44 7700 900123", TUI_WAIT) >= 0);
	tui_world_free(w);
}

/* The owner's team overlay. */
static void test_team(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	char host[128], em[160];
	cJSON *all = NULL, *it;
	int found = 0, disabled = 0;

	app_login(w, w->email, TUI_PASSWORD);
	assert_true(tmux_wait_text(&w->t, "Chez Zoë · Dining room · waiting", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "T", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "Team · Chez Zoë", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, w->email, TUI_WAIT) >= 0);   /* the owner's line */
	test_unique_email(host, sizeof host, "newhost");
	snprintf(em, sizeof em, "L:%s", host);
	assert_int_equal(tmux_keys(&w->t, "a", em, "Tab", "L:Bruno Díaz", "Tab", "L:initial pass", "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "added Bruno Díaz (host)", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "must change password", TUI_WAIT) >= 0);
	/* the new account is the second line: select it and disable it */
	assert_int_equal(tmux_keys(&w->t, "j", "d", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "Bruno Díaz is disabled", TUI_WAIT) >= 0);
	/* at 80 columns the e-mails give way and every state is still shown */
	assert_int_equal(tmux_resize(&w->t, 80, 24), 0);
	assert_true(tmux_wait_text(&w->t, "host      disabled", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "owner     active", TUI_WAIT) >= 0);
	assert_int_equal(owner_http(w, "GET", "/staff", NULL, &all), 200);
	cJSON_ArrayForEach(it, all) {
		if (strcmp(test_json_str(it, "email"), host) == 0) {
			found = 1;
			disabled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "disabled"));
			assert_string_equal(test_json_str(it, "role"), "host");
		}
	}
	cJSON_Delete(all);
	assert_true(found);
	assert_true(disabled);
	assert_int_equal(tmux_keys(&w->t, "Escape", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "Team · Chez Zoë", TUI_WAIT) >= 0);
	tui_world_free(w);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_staff_first_login, tui_world_teardown),
		cmocka_unit_test_teardown(test_team, tui_world_teardown),
		cmocka_unit_test_teardown(test_restaurant_clock, tui_world_teardown),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
