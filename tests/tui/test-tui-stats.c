/* The host-stand app's stats overlay (`S`) and the add form's suggested
 * quote, end to end: the real app in tmux against a real maitred (its
 * own per test), parties made and finished over HTTP, the screen read back
 * with capture-pane. One test per process: argv[1] names it. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#include <unistd.h>
#include <cmocka.h>

#include "world.h"

/* Starts maitred, registers the owner and creates "Dining room" (body extra members in list_extra). */
static struct tui_world *world_new(const char *list_extra)
{
	struct tui_world *w = tui_world_new(NULL);

	tui_world_owner(w, "stats", NULL);
	tui_world_list(w, list_extra);
	return w;
}

/* Adds a party over HTTP and moves it to status (NULL = leave it waiting). */
static void party(struct tui_world *w, const char *json, const char *status)
{
	char path[200], id[64];
	snprintf(path, sizeof path, "/waitlists/%s/waitees", w->list_id);
	struct test_resp r;
	assert_int_equal(test_http(&w->srv, "POST", path, w->token, json, NULL, &r), 0);
	assert_int_equal(r.status, 201);
	cJSON *j = test_resp_json(&r);
	snprintf(id, sizeof id, "%s", test_json_str(j, "id"));
	cJSON_Delete(j);
	test_resp_free(&r);
	if (status == NULL)
		return;
	char *body = test_strf("{\"status\":\"%s\"}", status);
	snprintf(path, sizeof path, "/waitlists/%s/waitees/%s", w->list_id, id);
	assert_int_equal(test_http(&w->srv, "PUT", path, w->token, body, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	test_resp_free(&r);
	free(body);
}

/* Starts the app and logs in by keys; waits for the board. */
static void app_login(struct tui_world *w)
{
	tui_world_start(w, 120, 40, NULL, NULL);
	tui_world_type_login(w, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "Dining room · waiting", TUI_WAIT) >= 0);
}

/* The quoted minutes of the party named name, from the server (-1 when absent). */
static int quote_of(struct tui_world *w, const char *name)
{
	char path[200];
	snprintf(path, sizeof path, "/waitlists/%s/waitees?limit=500", w->list_id);
	struct test_resp r;
	assert_int_equal(test_http(&w->srv, "GET", path, w->token, NULL, NULL, &r), 0);
	cJSON *all = test_resp_json(&r), *p;
	int q = -1;
	cJSON_ArrayForEach(p, all)
		if (strcmp(test_json_str(p, "name"), name) == 0)
			q = (int)test_json_num(p, "quotedMinutes", 0);
	cJSON_Delete(all);
	test_resp_free(&r);
	return q;
}

/* S opens the stats of the list: the figures of two seated parties and a
 * cancel, a bar in the hour they joined; b charts by party size, 1 shows
 * today, Esc closes. */
static void test_stats_screen(void **state)
{
	(void)state;
	struct tui_world *w = world_new(NULL);
	party(w, "{\"name\":\"Adams\",\"partySize\":2}", "seated");
	party(w, "{\"name\":\"Baker\",\"partySize\":4,\"quotedMinutes\":10}", "seated");
	party(w, "{\"name\":\"Chen\",\"partySize\":3}", "cancelled");
	party(w, "{\"name\":\"Diaz\",\"partySize\":5}", NULL);
	app_login(w);
	assert_true(tmux_wait_text(&w->t, "Diaz", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "S", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "Stats · Dining room", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "2 served · 6 covers · 3 parties finished · no-show 0.0% · cancelled 33.3%", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Last 7 days", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "(1 quoted)", TUI_WAIT) >= 0);
	/* seated within a minute: the 90th percentile's bucket is [0, 1) */
	assert_true(tmux_wait_text(&w->t, "90% under 1 min", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Served by hour of the day", TUI_WAIT) >= 0);
	/* one hour row, with the longest bar (full blocks) and its figures */
	char line[1024];
	assert_int_equal(tmux_line_with(&w->t, "█", line, sizeof line), 0);
	assert_non_null(strstr(line, ":00"));
	assert_non_null(strstr(line, "██████████"));
	/* by party size: rows 2, 3 and 4; the seated ones have bars, the cancelled one none */
	assert_int_equal(tmux_keys(&w->t, "b", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "Served by party size", TUI_WAIT) >= 0);
	char *scr = tmux_capture(&w->t, 0);
	assert_non_null(scr);
	int bars = 0;
	for (char *p = scr; p != NULL && *p; ) {
		char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *b = strstr(p, "██");
		if (b != NULL && (size_t)(b - p) < len)
			bars++;
		p = eol ? eol + 1 : NULL;
	}
	free(scr);
	assert_int_equal(bars, 2);
	/* today: the same parties, said so */
	assert_int_equal(tmux_keys(&w->t, "1", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "Today · ", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "2 served · 6 covers", TUI_WAIT) >= 0);
	/* a narrow terminal: the overlay is redrawn to fit, the app lives on */
	assert_int_equal(tmux_resize(&w->t, 50, 16), 0);
	assert_true(tmux_wait_text(&w->t, "Stats · Dining", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "2 served", TUI_WAIT) >= 0);
	int status = -1;
	assert_false(tmux_app_exited(&w->t, &status));
	/* at 80 columns its keys line is whole (Esc close was cut) */
	assert_int_equal(tmux_resize(&w->t, 80, 24), 0);
	assert_true(tmux_wait_text(&w->t, "r reload · Esc close", TUI_WAIT) >= 0);
	assert_int_equal(tmux_resize(&w->t, 120, 40), 0);
	assert_true(tmux_wait_text(&w->t, "Served by party size", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "Escape", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "Stats · Dining room", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Diaz", TUI_WAIT) >= 0);
	tui_world_free(w);
}

/* The add form asks the server for a quote: the list's default for a size
 * without history (25), the history's for a size with 5 parties seated at
 * this hour (5 minutes, low confidence); Enter saves the suggestion; a
 * quote the host types wins. */
static void test_form_estimate(void **state)
{
	(void)state;
	struct tui_world *w = world_new(",\"defaultQuoteMinutes\":25");
	for (int i = 0; i < 5; i++)
		party(w, "{\"name\":\"Earlier\",\"partySize\":4}", "seated");
	app_login(w);
	assert_int_equal(tmux_keys(&w->t, "a", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "suggested 25 min · list default", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "L:Walk-in", "Tab", "L:4", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "suggested 5 min · low confidence · 5 parties", TUI_WAIT) >= 0);
	char line[1024];
	assert_int_equal(tmux_line_with(&w->t, "Quote", line, sizeof line), 0);
	assert_non_null(strstr(line, "Quote   5 "));   /* label, then the field */
	assert_int_equal(tmux_keys(&w->t, "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "Walk-in", TUI_WAIT) >= 0);
	for (int i = 0; i < 100 && quote_of(w, "Walk-in") < 0; i++)
		usleep(100000);
	assert_int_equal(quote_of(w, "Walk-in"), 5);

	/* the host's own quote: typed over the suggestion, kept when the size changes */
	assert_int_equal(tmux_keys(&w->t, "a", "L:Typed", "Tab", "L:4", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "low confidence", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "Tab", "Tab", "Tab", "L:30", "BTab", "BTab", "BTab", "BSpace", "L:2", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "list default", TUI_WAIT) >= 0);
	assert_int_equal(tmux_line_with(&w->t, "Quote", line, sizeof line), 0);
	assert_non_null(strstr(line, "Quote   30 "));
	assert_int_equal(tmux_keys(&w->t, "Enter", NULL), 0);
	for (int i = 0; i < 100 && quote_of(w, "Typed") < 0; i++)
		usleep(100000);
	assert_int_equal(quote_of(w, "Typed"), 30);
	tui_world_free(w);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_stats_screen, tui_world_teardown),
		cmocka_unit_test_teardown(test_form_estimate, tui_world_teardown),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
