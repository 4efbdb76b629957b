/* The host-stand app's shift handover and activity screens (issue 10) end
 * to end: a real maitred and the real `maitre` in tmux, keys in, screen
 * out. One case per run (test-tui-handover CASE):
 * - handover_after_login: a note nobody acknowledged is shown by itself
 *   after login; `a` acknowledges it (the server records who); the next
 *   start goes straight to the board;
 * - write_note: `H`, a two-line note, Ctrl-S: the server has it as typed;
 *   `h` shows it with the summary; a refused save keeps the text;
 * - activity_view: `A` lists who did what, newest first, guests' replies
 *   and the notifier as their own actors. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "world.h"

/* maitred, the app's home, an owner "Hana" with the list "Dining room". */
static struct tui_world *world_new(void)
{
	static const char *const env[] = { "MAITRE_SMS_HOOK_SECRET=handover-hook-secret-0123456789", NULL };
	struct test_server_opts opts = { .env = env };
	struct tui_world *w = tui_world_new(&opts);

	tui_world_owner(w, "handover", NULL);
	tui_world_list(w, NULL);
	return w;
}

/* A request to the list's sub-path as the owner; returns the body as JSON (caller frees). */
static cJSON *http(struct tui_world *w, const char *method, const char *sub, const char *body, long want)
{
	char path[256];
	struct test_resp r;
	cJSON *j;

	snprintf(path, sizeof path, "/waitlists/%s%s", w->list_id, sub);
	assert_int_equal(test_http(&w->srv, method, path, w->token, body, NULL, &r), 0);
	if (r.status != want)
		fprintf(stderr, "%s %s: %ld %s\n", method, path, r.status, r.body);
	assert_int_equal(r.status, want);
	j = test_resp_json(&r);
	test_resp_free(&r);
	return j;
}

/* Starts the app and logs in by keys; waits for the board's header. */
static void start_and_login(struct tui_world *w)
{
	tui_world_start(w, 120, 40, NULL, NULL);
	tui_world_type_login(w, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "Dining room", TUI_WAIT) >= 0);
}

/* Prints the screen (for a failing wait). */
static void show_screen(struct tui_world *w)
{
	char *s = tmux_capture(&w->t, 0);
	fprintf(stderr, "screen:\n%s\n", s ? s : "");
	free(s);
}

/* Waits for text on the screen, printing it when it never comes. */
static void expect_text(struct tui_world *w, const char *text)
{
	if (tmux_wait_text(&w->t, text, TUI_WAIT) < 0) {
		fprintf(stderr, "never saw \"%s\"\n", text);
		show_screen(w);
		fail();
	}
}

/* A note nobody acknowledged shows by itself after login; `a` acknowledges it. */
static void test_handover_after_login(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	cJSON *j, *c;

	cJSON_Delete(http(w, "POST", "/waitees", "{\"name\":\"Kowalski\",\"partySize\":6,\"quotedMinutes\":30,"
				 "\"notes\":\"wants the big table\"}", 201));
	cJSON_Delete(http(w, "PUT", "/handover", "{\"note\":\"Table 12 wobbles: keep it free.\\n"
				 "Kowalski waits for the big table.\"}", 201));
	start_and_login(w);
	expect_text(w, "Shift handover · Dining room");
	expect_text(w, "Note from Hana at");
	expect_text(w, "not acknowledged yet");
	expect_text(w, "Table 12 wobbles: keep it free.");
	expect_text(w, "Kowalski waits for the big table.");
	expect_text(w, "Waiting: 1 party, 6 covers");
	expect_text(w, "Kowalski (6): wants the big table");
	assert_int_equal(tmux_keys(&w->t, "a", NULL), 0);
	expect_text(w, "acknowledged by Hana at");
	/* the server has it, with who */
	j = http(w, "GET", "/handover", NULL, 200);
	c = cJSON_GetObjectItem(j, "current");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c, "acknowledged")));
	assert_string_equal(test_json_str(cJSON_GetObjectItem(c, "acknowledgedBy"), "name"), "Hana");
	cJSON_Delete(j);
	/* Esc: back to the board */
	assert_int_equal(tmux_keys(&w->t, "Escape", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "Shift handover", TUI_WAIT) >= 0);
	expect_text(w, "Kowalski");

	/* the next start goes to the board: nothing left to acknowledge */
	assert_int_equal(tmux_keys(&w->t, "q", NULL), 0);
	tmux_stop(&w->t);
	tui_world_start(w, 120, 40, NULL, NULL);
	expect_text(w, "Dining room · waiting");
	sleep(2);
	{
		char *s = tmux_capture(&w->t, 0);
		assert_non_null(s);
		assert_null(strstr(s, "Shift handover"));
		free(s);
	}
	tui_world_free(w);
}

/* `H`: a two-line note saved with Ctrl-S reaches the server as typed; `h` shows it. */
static void test_write_note(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	cJSON *j;

	start_and_login(w);
	expect_text(w, "Dining room · waiting");
	/* an empty note is not sent */
	assert_int_equal(tmux_keys(&w->t, "H", NULL), 0);
	expect_text(w, "Handover note for the next shift");
	assert_int_equal(tmux_keys(&w->t, "C-s", NULL), 0);
	expect_text(w, "the note is empty");
	assert_int_equal(tmux_keys(&w->t, "L:Zoë's party of 4 paid already.", "Enter", "L:Fridge 2 is warm", NULL), 0);
	expect_text(w, "Fridge 2 is warm");
	/* Esc keeps the text: H brings it back */
	assert_int_equal(tmux_keys(&w->t, "Escape", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "Handover note for the next shift", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "H", NULL), 0);
	expect_text(w, "Fridge 2 is warm");
	assert_int_equal(tmux_keys(&w->t, "BSpace", "BSpace", "BSpace", "BSpace", "L:cold", "C-s", NULL), 0);
	expect_text(w, "handover note saved");
	j = http(w, "GET", "/handover", NULL, 200);
	assert_string_equal(test_json_str(cJSON_GetObjectItem(j, "current"), "note"),
			    "Zoë's party of 4 paid already.\nFridge 2 is cold");
	assert_string_equal(test_json_str(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "current"), "author"), "name"),
			    "Hana");
	cJSON_Delete(j);
	/* h: the note and the summary */
	assert_int_equal(tmux_keys(&w->t, "h", NULL), 0);
	expect_text(w, "Shift handover · Dining room");
	expect_text(w, "Fridge 2 is cold");
	expect_text(w, "Waiting: 0 parties, 0 covers");
	assert_int_equal(tmux_keys(&w->t, "Escape", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "Shift handover", TUI_WAIT) >= 0);
	tui_world_free(w);
}

/* `A`: the log, newest first, with hosts, guests and the notifier as actors. */
static void test_activity_view(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	cJSON *j;
	char id[64], sub[128];
	struct test_resp r;
	static const char *const hook_hdr[] = { "Content-Type: application/x-www-form-urlencoded",
						"X-Maitre-Hook-Secret: handover-hook-secret-0123456789", NULL };

	j = http(w, "POST", "/waitees", "{\"name\":\"Zoë Saldaña\",\"partySize\":4,\"phoneNumber\":\"+14155550142\"}", 201);
	snprintf(id, sizeof id, "%s", test_json_str(j, "id"));
	cJSON_Delete(j);
	cJSON_Delete(http(w, "POST", "/waitees", "{\"name\":\"Lee\",\"partySize\":8}", 201));
	/* the "joined" text goes out through the queue first (a guest who already
	 * replied would not get it): wait for the notifier's entry */
	for (int i = 0; i < 150; i++) {
		char *text;

		j = http(w, "GET", "/activity", NULL, 200);
		text = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		int sent = text != NULL && strstr(text, "\"notified\"") != NULL;
		free(text);
		if (sent)
			break;
		usleep(100000);
	}
	/* the guest answers "1" (on my way) to the text */
	assert_int_equal(test_http(&w->srv, "POST", "/hooks/sms", NULL, "From=%2B14155550142&Body=1", hook_hdr, &r), 0);
	assert_true(r.status == 200 || r.status == 204);
	test_resp_free(&r);
	snprintf(sub, sizeof sub, "/waitees/%s", id);
	cJSON_Delete(http(w, "PUT", sub, "{\"status\":\"seated\"}", 200));
	start_and_login(w);
	expect_text(w, "Dining room · waiting");
	assert_int_equal(tmux_keys(&w->t, "A", NULL), 0);
	expect_text(w, "Activity · Dining room");
	expect_text(w, "Hana seated Zoë Saldaña (4)");
	expect_text(w, "Zoë Saldaña (4) replied: confirm");
	expect_text(w, "Hana added Lee (8)");
	expect_text(w, "Hana created the list");
	expect_text(w, "Maitre texted Zoë Saldaña (4) (joined)");
	/* newest first: the seat above the add */
	{
		char *s = tmux_capture(&w->t, 0);
		assert_non_null(s);
		assert_true(strstr(s, "Hana seated Zoë") < strstr(s, "Hana added Lee"));
		assert_true(strstr(s, "Hana added Lee") < strstr(s, "Hana created the list"));
		free(s);
	}
	assert_int_equal(tmux_keys(&w->t, "Escape", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "Activity · Dining room", TUI_WAIT) >= 0);
	tui_world_free(w);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest all[] = {
		cmocka_unit_test_teardown(test_handover_after_login, tui_world_teardown),
		cmocka_unit_test_teardown(test_write_note, tui_world_teardown),
		cmocka_unit_test_teardown(test_activity_view, tui_world_teardown),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(all, NULL, NULL);
}
