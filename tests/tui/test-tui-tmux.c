/* The host-stand app end to end: a real maitred (tests/common harness) and
 * the real `maitre` in tmux, driven by keys and read from the screen, as a
 * host would use it (issue 9, point 9). One case per run:
 *     test-tui-tmux CASE
 * so meson runs them in parallel with their own timeouts. */
#include <locale.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <maitre/client.h>

#include "world.h"

/* Starts maitred and makes the app's home. */
static struct tui_world *world_new(void)
{
	return tui_world_new(NULL);
}

/* Registers the owner over HTTP and creates the list "Dining room". */
static void owner_with_list(struct tui_world *w)
{
	tui_world_owner(w, "host", NULL);
	tui_world_list(w, NULL);
}

/* Adds a party over HTTP (the "second terminal"); returns its id in id. */
static void http_add(struct tui_world *w, const char *json, char *id, size_t n)
{
	char path[200];
	snprintf(path, sizeof path, "/waitlists/%s/waitees", w->list_id);
	struct test_resp r;
	assert_int_equal(test_http(&w->srv, "POST", path, w->token, json, NULL, &r), 0);
	assert_int_equal(r.status, 201);
	cJSON *j = test_resp_json(&r);
	if (id)
		snprintf(id, n, "%s", test_json_str(j, "id"));
	cJSON_Delete(j);
	test_resp_free(&r);
}

/* The parties on the list as the server has them (caller frees). */
static cJSON *http_parties(struct tui_world *w)
{
	char path[200];
	snprintf(path, sizeof path, "/waitlists/%s/waitees?limit=500", w->list_id);
	struct test_resp r;
	assert_int_equal(test_http(&w->srv, "GET", path, w->token, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	cJSON *j = test_resp_json(&r);
	test_resp_free(&r);
	assert_true(cJSON_IsArray(j));
	return j;
}

/* How many parties are named name; *out gets a copy of the last one (may be NULL). */
static int count_named(struct tui_world *w, const char *name, cJSON **out)
{
	cJSON *all = http_parties(w);
	int n = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, all)
	{
		const char *nm = test_json_str(p, "name");
		if (nm && strcmp(nm, name) == 0) {
			n++;
			if (out) {
				cJSON_Delete(*out);
				*out = cJSON_Duplicate(p, 1);
			}
		}
	}
	cJSON_Delete(all);
	return n;
}

/* Polls the server until the party named name has status want (or timeout); returns 0 when it did. */
static int wait_status(struct tui_world *w, const char *name, const char *want, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 100) {
		cJSON *p = NULL;
		count_named(w, name, &p);
		const char *st = p ? test_json_str(p, "status") : NULL;
		int ok = st && strcmp(st, want) == 0;
		cJSON_Delete(p);
		if (ok)
			return 0;
		usleep(100000);
	}
	fprintf(stderr, "party %s never reached status %s\n", name, want);
	return -1;
}

/* Writes a config file for the app. */
static void write_config(struct tui_world *w, const char *text)
{
	char path[400];
	snprintf(path, sizeof path, "%s/maitre/config", w->t.config_home);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Starts the app at w x h against the test server. */
static void app_start(struct tui_world *w, int width, int height, const char *extra_arg, const char *extra_val)
{
	const char *args[] = { extra_arg, extra_val, NULL };
	tui_world_start(w, width, height, args, NULL);
}

/* Logs in by keys from the login screen and waits for the board. */
static void login_by_keys(struct tui_world *w)
{
	tui_world_type_login(w, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "Dining room · waiting", TUI_WAIT) >= 0);
}

/* An owner with a list, the app started and logged in by keys. */
static struct tui_world *logged_in(int width, int height, const char *config)
{
	struct tui_world *w = world_new();
	owner_with_list(w);
	if (config)
		write_config(w, config);
	app_start(w, width, height, NULL, NULL);
	login_by_keys(w);
	return w;
}

/* First run on an empty server: create the restaurant and its first list
 * from the login screen; the session is kept (0600, no password) and a
 * restart opens the board without asking. */
static void test_first_run(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	test_unique_email(w->email, sizeof w->email, "first");
	/* the machine is in Lisbon: the form offers its zone and country */
	const char *env[] = { "TZ=Europe/Lisbon", NULL };
	tui_world_start(w, 120, 40, NULL, env);
	assert_true(tmux_wait_text(&w->t, "log in", TUI_WAIT) >= 0);
	char em[140];
	snprintf(em, sizeof em, "L:%s", w->email);
	assert_int_equal(tmux_keys(&w->t, "F2", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "create the restaurant", TUI_WAIT) >= 0);
	/* the restaurant's name first: it goes to the server with the owner and is the header's */
	/* a key whose sequence this terminal's terminfo lacks (ESC [ 99 ~, ESC O Z) is
	 * dropped whole: not an Esc that quits the form, not text in the field */
	assert_int_equal(tmux_keys(&w->t, "L:Chez Zoë", "L:\033[99~", "L:\033OZ", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "Restaurant Chez Zoë ", TUI_WAIT) >= 0);
	char *form = tmux_capture(&w->t, 0);
	assert_non_null(form);
	assert_non_null(strstr(form, "create the restaurant"));
	assert_null(strstr(form, "99~"));
	assert_null(strstr(form, "ZoëZ"));
	free(form);
	assert_true(tmux_wait_text(&w->t, "Time zone  Europe/Lisbon", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Country    PT", TUI_WAIT) >= 0);
	/* at 80 columns the fields' hints are whole (the zone's was cut) */
	assert_int_equal(tmux_resize(&w->t, 80, 24), 0);
	assert_true(tmux_wait_text(&w->t, "for clocks and stats ", TUI_WAIT) >= 0);
	form = tmux_capture(&w->t, 0);
	assert_non_null(form);
	assert_null(strstr(form, "…"));
	free(form);
	assert_int_equal(tmux_resize(&w->t, 120, 40), 0);
	assert_true(tmux_wait_text(&w->t, "Country    PT", TUI_WAIT) >= 0);
	/* a zone this machine does not know is refused before anything is sent, with the field named */
	assert_int_equal(tmux_keys(&w->t, "Tab", "L:Mars/Olympus", "Tab", "Tab", "L:Hana Owner", "Tab", em, "Tab",
				   "L:" TUI_PASSWORD, "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "unknown time zone", TUI_WAIT) >= 0);
	/* the cursor is back on the zone: typing replaces it; the country is kept by Tab */
	assert_int_equal(tmux_keys(&w->t, "C-u", "L:Europe/Lisbon", "Tab", "Tab", "Tab", "Tab", "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "No waitlist yet", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "L:Dining room", "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "Chez Zoë · Dining room · waiting", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Nobody waiting", TUI_WAIT) >= 0);

	/* the server has the account and the list */
	assert_int_equal(test_login(&w->srv, w->email, TUI_PASSWORD, &w->token, NULL), 200);
	struct test_resp r;
	assert_int_equal(test_http(&w->srv, "GET", "/waitlists", w->token, NULL, NULL, &r), 0);
	assert_non_null(strstr(r.body, "\"Dining room\""));
	test_resp_free(&r);
	assert_int_equal(test_http(&w->srv, "GET", "/restaurant", w->token, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"name\":\"Chez Zo"));
	assert_non_null(strstr(r.body, "\"timezone\":\"Europe/Lisbon\""));
	assert_non_null(strstr(r.body, "\"phoneCountry\":\"PT\""));
	test_resp_free(&r);

	/* the session file: 0600, the refresh token, never the password */
	char path[400];
	snprintf(path, sizeof path, "%s/maitre/session", w->t.state_home);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[4096];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_null(strstr(buf, TUI_PASSWORD));

	/* quit and start again: straight to the board */
	assert_int_equal(tmux_keys(&w->t, "q", NULL), 0);
	int status = -1;
	for (int i = 0; i < 100 && !tmux_app_exited(&w->t, &status); i++)
		usleep(50000);
	if (status != 0) {
		char *scr = tmux_capture(&w->t, 0);
		fprintf(stderr, "the app did not exit 0 (%d) after q; screen:\n%s\n", status, scr ? scr : "");
		free(scr);

	}
	assert_int_equal(status, 0);
	tmux_stop(&w->t);
	app_start(w, 120, 40, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "Dining room · waiting", TUI_WAIT) >= 0);
	tui_world_free(w);
}

/* Log in by keys, add a walk-in with a UTF-8 name (name, Tab, size, Enter)
 * and a party with a local phone number; the server gets them as typed
 * (phone in E.164) and the columns line up under wide characters. */
static void test_add_utf8(void **state)
{
	(void)state;
	struct tui_world *w = logged_in(120, 40, "country = US\n");
	/* a number that cannot be a US one: refused in the form, the reason whole
	 * below the fields although it is wider than the room beside the field */
	assert_int_equal(tmux_keys(&w->t, "a", "L:Okafor", "Tab", "Tab", "L:0612345678", "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "not a US number: the area code and the next 3 digits start with 2-9", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "Escape", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "Add a party", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "a", "L:山田太郎", "Tab", "L:2", "Enter", NULL), 0);
	assert_int_equal(tmux_keys(&w->t, "a", "L:Zoë 🎉", "Tab", "L:4", "Tab", "L:(415) 555-0101", "Tab", "Tab",
				   "L:25", "Tab", "L:booth", "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "Zoë 🎉", TUI_WAIT) >= 0);
	assert_true(tmux_wait_gone(&w->t, "adding…", TUI_WAIT) >= 0);

	cJSON *p = NULL;
	assert_int_equal(count_named(w, "Zoë 🎉", &p), 1);
	assert_int_equal((int)test_json_num(p, "partySize", 0), 4);
	assert_string_equal(test_json_str(p, "phoneNumber"), "+14155550101");
	assert_int_equal((int)test_json_num(p, "quotedMinutes", 0), 25);
	assert_string_equal(test_json_str(p, "notes"), "booth");
	cJSON_Delete(p);
	p = NULL;
	assert_int_equal(count_named(w, "山田太郎", &p), 1);
	assert_int_equal((int)test_json_num(p, "partySize", 0), 2);
	cJSON_Delete(p);

	/* the SIZE digits end under the end of "SIZE" in every row, wide names or not */
	char head[1024], r1[1024], r2[1024];
	assert_int_equal(tmux_line_with(&w->t, "SIZE", head, sizeof head), 0);
	assert_int_equal(tmux_line_with(&w->t, "山田太郎", r1, sizeof r1), 0);
	assert_int_equal(tmux_line_with(&w->t, "Zoë 🎉", r2, sizeof r2), 0);
	int size_end = tmux_display_col(head, "SIZE") + 4;
	int name_col = tmux_display_col(head, "NAME");
	assert_int_equal(tmux_display_col(r1, "山田太郎"), name_col);
	assert_int_equal(tmux_display_col(r2, "Zoë"), name_col);
	assert_int_equal(tmux_display_col(r1, " 2 ") + 2, size_end);
	assert_int_equal(tmux_display_col(r2, " 4 ") + 2, size_end);
	tui_world_free(w);
}

/* n texts the selected party, s seats it, u puts it back where it was. */
static void test_notify_seat_undo(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	owner_with_list(w);
	http_add(w, "{\"name\":\"Kowalski\",\"partySize\":6,\"phoneNumber\":\"+14155550123\"}", NULL, 0);
	http_add(w, "{\"name\":\"Adams\",\"partySize\":2}", NULL, 0);
	app_start(w, 120, 40, NULL, NULL);
	login_by_keys(w);
	assert_true(tmux_wait_text(&w->t, "Kowalski", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "n", NULL), 0);
	/* maitred without channels delivers to its log: the party becomes notified */
	assert_int_equal(wait_status(w, "Kowalski", "notified", TUI_WAIT), 0);
	assert_true(tmux_wait_text(&w->t, "notified", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "s", NULL), 0);
	assert_int_equal(wait_status(w, "Kowalski", "seated", TUI_WAIT), 0);
	assert_true(tmux_wait_text(&w->t, "Kowalski seated", TUI_WAIT) >= 0);
	assert_true(tmux_wait_gone(&w->t, "seating", TUI_WAIT) >= 0);
	/* Kowalski left the waiting view: the selection moved to Adams */
	char line[1024];
	assert_int_equal(tmux_line_with(&w->t, "Adams", line, sizeof line), 0);
	assert_non_null(strstr(line, "\xe2\x96\xb6"));
	assert_int_equal(tmux_keys(&w->t, "u", NULL), 0);
	assert_int_equal(wait_status(w, "Kowalski", "notified", TUI_WAIT), 0);
	/* the strip says the status the server restored, not a fixed "waiting" */
	assert_true(tmux_wait_text(&w->t, "Kowalski undone: back to notified", TUI_WAIT) >= 0);
	assert_true(tmux_wait_gone(&w->t, "back to waiting", 1000) >= 0);
	/* the restored party is selected again (the ▶ marker is on its row, not on Adams) */
	assert_int_equal(tmux_line_with(&w->t, "Kowalski", line, sizeof line), 0);
	assert_non_null(strstr(line, "\xe2\x96\xb6"));
	assert_int_equal(tmux_line_with(&w->t, "Adams", line, sizeof line), 0);
	assert_null(strstr(line, "\xe2\x96\xb6"));
	tui_world_free(w);
}

/* The server refuses an add (an e-mail only the server's check catches):
 * the pending row goes away, the form comes back with everything typed and
 * the server's reason beside the field; fixing it and Enter adds it. */
static void test_server_refusal(void **state)
{
	(void)state;
	struct tui_world *w = logged_in(120, 40, NULL);
	assert_int_equal(tmux_keys(&w->t, "a", "L:Refused Rita", "Tab", "L:3", "Tab", "Tab", "L:rita..r@example.com",
				   "Tab", "L:20", "Tab", "L:corner table", "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "server: email is not a valid", TUI_WAIT) >= 0);
	char line[1024];
	assert_int_equal(tmux_line_with(&w->t, "E-mail", line, sizeof line), 0);
	assert_non_null(strstr(line, "rita..r@example.com"));
	assert_non_null(strstr(line, "server: email is not a valid"));
	assert_int_equal(tmux_line_with(&w->t, "Notes", line, sizeof line), 0);
	assert_non_null(strstr(line, "corner table"));
	assert_int_equal(tmux_line_with(&w->t, "Name", line, sizeof line), 0);
	assert_non_null(strstr(line, "Refused Rita"));
	assert_int_equal(count_named(w, "Refused Rita", NULL), 0);
	/* the cursor is in the e-mail field: clear it, type a good one, save */
	assert_int_equal(tmux_keys(&w->t, "C-u", "L:rita@example.com", "Enter", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "Add a party", TUI_WAIT) >= 0);
	assert_true(tmux_wait_gone(&w->t, "adding…", TUI_WAIT) >= 0);
	cJSON *p = NULL;
	assert_int_equal(count_named(w, "Refused Rita", &p), 1);
	assert_string_equal(test_json_str(p, "email"), "rita@example.com");
	assert_string_equal(test_json_str(p, "notes"), "corner table");
	assert_int_equal((int)test_json_num(p, "quotedMinutes", 0), 20);
	cJSON_Delete(p);
	tui_world_free(w);
}

/* A party added on another terminal shows within 3 s. */
static void test_second_terminal(void **state)
{
	(void)state;
	struct tui_world *w = logged_in(120, 40, NULL);
	http_add(w, "{\"name\":\"Okafor\",\"partySize\":3}", NULL, 0);
	long ms = tmux_wait_text(&w->t, "Okafor", TUI_WAIT);
	assert_true(ms >= 0);
	assert_true(ms < 3000);
	assert_true(tmux_wait_text(&w->t, "added on another terminal", TUI_WAIT) >= 0);
	tui_world_free(w);
}

/* A race lost: another terminal changes the party, then the host seats the
 * stale copy; the server refuses (412), the app reloads and says so, and
 * the party is not seated. */
static void test_race_lost(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	owner_with_list(w);
	char id[64];
	http_add(w, "{\"name\":\"Lee\",\"partySize\":8}", id, sizeof id);
	write_config(w, "poll_interval = 3600\n"); /* the board stays stale on purpose */
	app_start(w, 120, 40, NULL, NULL);
	login_by_keys(w);
	assert_true(tmux_wait_text(&w->t, "Lee", TUI_WAIT) >= 0);
	char path[200];
	snprintf(path, sizeof path, "/waitlists/%s/waitees/%s", w->list_id, id);
	struct test_resp r;
	assert_int_equal(test_http(&w->srv, "PUT", path, w->token, "{\"partySize\":5}", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	test_resp_free(&r);
	assert_int_equal(tmux_keys(&w->t, "s", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "changed on another terminal", TUI_WAIT) >= 0);
	cJSON *p = NULL;
	assert_int_equal(count_named(w, "Lee", &p), 1);
	assert_string_equal(test_json_str(p, "status"), "waiting");
	cJSON_Delete(p);
	/* reloaded: the other terminal's size shows */
	char row[1024];
	assert_true(tmux_wait_gone(&w->t, "seating", TUI_WAIT) >= 0);
	assert_int_equal(tmux_line_with(&w->t, "Lee", row, sizeof row), 0);
	assert_non_null(strstr(row, " 5 "));
	tui_world_free(w);
}

/* maitred stops: the banner, an add queued; maitred back: the add arrives once. */
static void test_offline_queue(void **state)
{
	(void)state;
	struct tui_world *w = logged_in(120, 40, NULL);
	/* online, the form suggests the list's quote for 3 */
	assert_int_equal(tmux_keys(&w->t, "a", "Tab", "L:3", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "suggested 15 min", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "Escape", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "Add a party", TUI_WAIT) >= 0);
	assert_int_equal(test_server_stop(&w->srv, 0), 0);
	assert_true(tmux_wait_text(&w->t, "OFFLINE since", TUI_WAIT) >= 0);
	/* offline, it offers the last suggestion, said so (the quote was empty) */
	assert_int_equal(tmux_keys(&w->t, "a", "L:Nakamura", "Tab", "L:3", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "offline: 15 min, the last suggested", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Quote   15 ", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "1 action waiting to send", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Nakamura", TUI_WAIT) >= 0); /* shown at once, pending */
	assert_true(tmux_wait_text(&w->t, "adding…", TUI_WAIT) >= 0);
	assert_int_equal(test_server_restart(&w->srv), 0);
	/* backoff is at most 30 s; r retries now, as a host would */
	assert_int_equal(tmux_keys(&w->t, "r", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "OFFLINE", 40000) >= 0);
	assert_true(tmux_wait_gone(&w->t, "adding…", TUI_WAIT) >= 0);
	assert_int_equal(count_named(w, "Nakamura", NULL), 1);
	/* it was added with that quote */
	char row[400];
	assert_int_equal(tmux_line_with(&w->t, "Nakamura", row, sizeof row), 0);
	assert_non_null(strstr(row, " 15 "));
	sleep(3); /* a few more polls: still once */
	assert_int_equal(count_named(w, "Nakamura", NULL), 1);
	tui_world_free(w);
}

/* Kills the app while offline with an add queued (SIGKILL: no clean exit),
 * optionally appends an action line to its outbox, brings maitred back and
 * starts the app again. */
static void kill_offline_restart(struct tui_world *w, const char *name, const char *extra_line)
{
	assert_int_equal(test_server_stop(&w->srv, 0), 0);
	assert_true(tmux_wait_text(&w->t, "OFFLINE since", TUI_WAIT) >= 0);
	char lit[100];
	snprintf(lit, sizeof lit, "L:%s", name);
	assert_int_equal(tmux_keys(&w->t, "a", lit, "Tab", "L:5", "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "1 action waiting to send", TUI_WAIT) >= 0);
	long pid = tmux_app_pid(&w->t);
	assert_true(pid > 0);
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	int status;
	for (int i = 0; i < 100 && !tmux_app_exited(&w->t, &status); i++)
		usleep(50000);
	tmux_stop(&w->t);

	char ob[600];
	snprintf(ob, sizeof ob, "%s/maitre/outbox-%s.json", w->t.state_home, w->list_id);
	FILE *f = fopen(ob, extra_line ? "a" : "r");
	assert_non_null(f); /* the queued add survived the kill */
	if (extra_line)
		fputs(extra_line, f);
	fclose(f);

	assert_int_equal(test_server_restart(&w->srv), 0);
	app_start(w, 120, 40, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, name, TUI_WAIT) >= 0);
	assert_true(tmux_wait_gone(&w->t, "adding…", 40000) >= 0);
}

/* Waits until the app in w exits (after q or a kill) and stops its tmux. */
static void app_gone(struct tui_world *w)
{
	int status;
	for (int i = 0; i < 100 && !tmux_app_exited(&w->t, &status); i++)
		usleep(50000);
	tmux_stop(&w->t);
}

/* Another restaurant logs in on the same terminal (here: a new one made
 * with F2 after the last session ended): it sees none of the last
 * restaurant's guests, from the board's snapshot or otherwise, and the
 * add the last one queued offline is not sent for it. When the first
 * restaurant's owner logs in again, the list is back and its queued add
 * goes out, once. */
static void test_other_restaurant(void **state)
{
	(void)state;
	struct tui_world *w = logged_in(120, 40, NULL);
	char id[64], path[600], other[160];
	http_add(w, "{\"name\":\"Dupont\",\"partySize\":4}", id, sizeof id);
	assert_true(tmux_wait_text(&w->t, "Dupont", TUI_WAIT) >= 0);
	/* offline, an add is queued; then the app goes and the session with it */
	assert_int_equal(test_server_stop(&w->srv, 0), 0);
	assert_true(tmux_wait_text(&w->t, "OFFLINE since", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "a", "L:Queued", "Tab", "L:2", "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "1 action waiting to send", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "q", NULL), 0);
	app_gone(w);
	snprintf(path, sizeof path, "%s/maitre/session", w->t.state_home);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(test_server_restart(&w->srv), 0);

	/* a new restaurant is made on this terminal */
	app_start(w, 120, 40, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "log in", TUI_WAIT) >= 0);
	test_unique_email(other, sizeof other, "other");
	char em[180];
	snprintf(em, sizeof em, "L:%s", other);
	assert_int_equal(tmux_keys(&w->t, "F2", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "create the restaurant", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "L:Chez Autre", "Tab", "Tab", "Tab", "L:Ines", "Tab", "C-u", em, "Tab",
				   "L:" TUI_PASSWORD, "Enter", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "No waitlist yet", TUI_WAIT) >= 0);
	sleep(1);
	char *scr = tmux_capture(&w->t, 0);
	assert_non_null(scr);
	assert_null(strstr(scr, "Dupont"));
	assert_null(strstr(scr, "Queued"));
	assert_null(strstr(scr, "Dining room ·"));   /* the header of the last list (the picker says "e.g. Dining room") */
	free(scr);
	assert_int_equal(count_named(w, "Queued", NULL), 0);
	/* the first restaurant's queued add is still on disk, for it */
	snprintf(path, sizeof path, "%s/maitre/outbox-%s.json", w->t.state_home, w->list_id);
	assert_int_equal(access(path, F_OK), 0);
	long pid = tmux_app_pid(&w->t);
	assert_true(pid > 0);
	assert_int_equal(kill((pid_t)pid, SIGTERM), 0);
	app_gone(w);

	/* the first restaurant's owner logs in again: the list and its queued add */
	snprintf(path, sizeof path, "%s/maitre/session", w->t.state_home);
	assert_int_equal(unlink(path), 0);
	app_start(w, 120, 40, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "log in", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "C-u", NULL), 0);
	tui_world_type_login(w, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "Dining room · waiting", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Dupont", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Queued", TUI_WAIT) >= 0);
	assert_true(tmux_wait_gone(&w->t, "adding…", 40000) >= 0);
	assert_int_equal(count_named(w, "Queued", NULL), 1);
	tui_world_free(w);
}

/* The list on the board is deleted from another terminal: the app says so
 * and offers the picker, instead of a board that can no longer refresh. */
static void test_list_deleted(void **state)
{
	(void)state;
	struct tui_world *w = logged_in(120, 40, NULL);
	char id[64], path[200];
	http_add(w, "{\"name\":\"Dupont\",\"partySize\":4}", id, sizeof id);
	assert_true(tmux_wait_text(&w->t, "Dupont", TUI_WAIT) >= 0);
	snprintf(path, sizeof path, "/waitlists/%s", w->list_id);
	struct test_resp r;
	assert_int_equal(test_http(&w->srv, "DELETE", path, w->token, NULL, NULL, &r), 0);
	assert_true(r.status == 204 || r.status == 200);
	test_resp_free(&r);
	assert_true(tmux_wait_text(&w->t, "not on the server", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "No waitlist yet", TUI_WAIT) >= 0);
	/* nothing of it is left on the screen, the activity strip included */
	assert_true(tmux_wait_gone(&w->t, "Dupont", TUI_WAIT) >= 0);
	tui_world_free(w);
}

/* The app is killed while offline with an add queued and started again
 * after maitred is back: the add arrives, once. */
static void test_offline_restart(void **state)
{
	(void)state;
	struct tui_world *w = logged_in(120, 40, NULL);
	kill_offline_restart(w, "Okonkwo", NULL);
	assert_int_equal(count_named(w, "Okonkwo", NULL), 1);
	sleep(3);
	assert_int_equal(count_named(w, "Okonkwo", NULL), 1);
	tui_world_free(w);
}

/* An add whose POST had reached the server before the app died (same
 * Idempotency-Key) is answered as a replay after the restart: not doubled. */
static void test_replay(void **state)
{
	(void)state;
	struct tui_world *w = logged_in(120, 40, NULL);
	const char *key = "0123456789abcdef0123456789abcdef";
	char hdr[100];
	snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key);
	const char *hdrs[] = { hdr, NULL };
	char path[200];
	snprintf(path, sizeof path, "/waitlists/%s/waitees", w->list_id);
	struct test_resp r;
	assert_int_equal(test_http(&w->srv, "POST", path, w->token, "{\"name\":\"Replayed\",\"partySize\":2}", hdrs, &r), 0);
	assert_int_equal(r.status, 201);
	test_resp_free(&r);
	char line[400];
	snprintf(line, sizeof line,
		 "{\"key\":\"%s\",\"kind\":\"add\",\"waitee\":\"\",\"label\":\"Replayed\",\"fields\":3,"
		 "\"name\":\"Replayed\",\"size\":2,\"status\":0,\"prevStatus\":0,\"version\":0,\"createdMs\":0,\"attempts\":1}\n",
		 key);
	kill_offline_restart(w, "Okonkwo", line);
	assert_true(tmux_wait_text(&w->t, "not doubled", TUI_WAIT) >= 0);
	assert_int_equal(count_named(w, "Okonkwo", NULL), 1);
	assert_int_equal(count_named(w, "Replayed", NULL), 1);
	tui_world_free(w);
}

/* Reads a whole file (malloc'd, "" when missing). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	if (f) {
		size_t n = fread(buf, 1, 65535, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

/* Counts the occurrences of needle in hay. */
static int count_in(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Desktop notifications end to end (run under dbus-run-session with
 * tests/tuikit/notify-server.py, which records each Notify call in
 * $TK_NOTIFY_LOG): a guest's "1" by SMS, a party passing its quote (once),
 * the connection lost for more than 30 s (once). No phone number in any
 * notification. */
static void test_desktop(void **state)
{
	(void)state;
	const char *log = getenv("TK_NOTIFY_LOG");
	if (!log || !*log) {
		fprintf(stderr, "SKIP: run me under dbus-run-session and tests/tuikit/notify-server.py\n");
		exit(77);
	}
	struct tui_world *w = tui_world_home();
	/* maitred's clock 90 s behind: a 1-minute quote is passed as soon as the app sees the party */
	char clock[400];
	snprintf(clock, sizeof clock, "%s/clock", w->t.root);
	FILE *f = fopen(clock, "w");
	assert_non_null(f);
	int64_t offset = -90000;
	assert_int_equal(fwrite(&offset, sizeof offset, 1, f), 1);
	fclose(f);
	char clock_env[450];
	snprintf(clock_env, sizeof clock_env, "MAITRE_TEST_CLOCK_FILE=%s", clock);
	const char *env[] = { clock_env, "MAITRE_SMS_HOOK_SECRET=hook-secret-for-tests", NULL };
	struct test_server_opts opts;
	memset(&opts, 0, sizeof opts);
	opts.env = env;
	assert_int_equal(test_server_start(&w->srv, &opts), 0);
	owner_with_list(w);
	http_add(w, "{\"name\":\"Late Larsen\",\"partySize\":2,\"quotedMinutes\":1}", NULL, 0);
	http_add(w, "{\"name\":\"Kind Kim\",\"partySize\":3,\"phoneNumber\":\"+14155550177\"}", NULL, 0);
	/* the app on its own test clock (real time until the test moves it) */
	char app_clock[400];
	snprintf(app_clock, sizeof app_clock, "%s/app-clock", w->t.root);
	f = fopen(app_clock, "w");
	assert_non_null(f);
	offset = 0;
	assert_int_equal(fwrite(&offset, sizeof offset, 1, f), 1);
	fclose(f);
	char app_clock_env[450];
	snprintf(app_clock_env, sizeof app_clock_env, "MAITRE_TEST_CLOCK_FILE=%s", app_clock);
	const char *app_env[] = { app_clock_env, NULL };
	tui_world_start(w, 120, 40, NULL, app_env);
	login_by_keys(w);
	/* at 120 columns the footer keeps every key and says it short */
	assert_true(tmux_wait_text(&w->t, "notif on", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Late Larsen passed the 1 min quote", TUI_WAIT) >= 0);

	/* the guest answers "1" to the text */
	struct test_resp r;
	const char *hdrs[] = { "Content-Type: application/x-www-form-urlencoded", "X-Maitre-Hook-Secret: hook-secret-for-tests", NULL };
	assert_int_equal(test_http(&w->srv, "POST", "/hooks/sms", NULL, "From=%2B14155550177&Body=1", hdrs, &r), 0);
	assert_int_equal(r.status, 200);
	test_resp_free(&r);
	assert_true(tmux_wait_text(&w->t, "Kind Kim confirmed", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "confirmed by guest", TUI_WAIT) >= 0); /* the row's STATUS */
	sleep(3); /* more polls and ticks: nothing is notified twice */

	/* the connection lost for more than 30 s: one notification (the app's
	 * clock moves 31 s instead of the test waiting for them) */
	assert_int_equal(test_server_stop(&w->srv, 0), 0);
	assert_true(tmux_wait_text(&w->t, "OFFLINE since", TUI_WAIT) >= 0);
	usleep(1500000);   /* a poll or two offline: not yet notified (not before the 30 s) */
	char *screen = tmux_capture(&w->t, 0);
	assert_non_null(screen);
	assert_null(strstr(screen, "offline for more than 30 s"));
	free(screen);
	f = fopen(app_clock, "r+");
	assert_non_null(f);
	offset = 31000;
	assert_int_equal(fwrite(&offset, sizeof offset, 1, f), 1);
	fclose(f);
	assert_true(tmux_wait_text(&w->t, "offline for more than 30 s", TUI_WAIT) >= 0);
	usleep(500000);

	char *text = slurp(log);
	fprintf(stderr, "notifications:\n%s", text);
	assert_int_equal(count_in(text, "Maitre is offline"), 1);
	assert_int_equal(count_in(text, "Past the quote"), 1);
	assert_non_null(strstr(text, "Late Larsen"));
	assert_int_equal(count_in(text, "Guest confirmed"), 1);
	assert_non_null(strstr(text, "Kind Kim (party of 3) confirmed"));
	assert_null(strstr(text, "5550177"));
	assert_non_null(strstr(text, "maitre\t"));
	free(text);
	tui_world_free(w);
}

/* t switches the theme: the strip names it and the colours change. */
static void test_theme_switch(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	owner_with_list(w);
	http_add(w, "{\"name\":\"Tanaka\",\"partySize\":2}", NULL, 0);
	app_start(w, 120, 40, NULL, NULL);
	login_by_keys(w);
	assert_true(tmux_wait_text(&w->t, "Tanaka", TUI_WAIT) >= 0);
	char *before = tmux_capture(&w->t, 1);
	assert_int_equal(tmux_keys(&w->t, "t", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "theme ", TUI_WAIT) >= 0);
	usleep(300000);
	char *after = tmux_capture(&w->t, 1);
	assert_non_null(before);
	assert_non_null(after);
	assert_string_not_equal(before, after);
	assert_non_null(strstr(before, "\033["));
	free(before);
	free(after);
	tui_world_free(w);
}

/* Resize from 120x40 to 80x24 and 60x20: still a usable board. */
static void test_resize(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	owner_with_list(w);
	http_add(w, "{\"name\":\"Zoë Saldaña\",\"partySize\":4,\"notes\":\"booth by the window\"}", NULL, 0);
	app_start(w, 120, 40, NULL, NULL);
	login_by_keys(w);
	assert_true(tmux_wait_text(&w->t, "NOTES", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "booth by the window", TUI_WAIT) >= 0);
	/* the footer keeps "? help": the right-hand status gets shorter first */
	char foot[1024];
	assert_true(tmux_wait_text(&w->t, "live", TUI_WAIT) >= 0);
	assert_int_equal(tmux_line_with(&w->t, "? help", foot, sizeof foot), 0);
	assert_non_null(strstr(foot, "u undo"));
	assert_non_null(strstr(foot, "live"));
	/* the help is as wide as its longest line, every line on a tall screen */
	assert_int_equal(tmux_keys(&w->t, "?", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "add, disable, reset a password", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "any key closes", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "quit", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "Escape", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "Keys of the board", TUI_WAIT) >= 0);

	assert_int_equal(tmux_resize(&w->t, 80, 24), 0);
	assert_true(tmux_wait_gone(&w->t, "NOTES", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "WAITED", TUI_WAIT) >= 0); /* repainted */
	usleep(200000);
	char *s = tmux_capture(&w->t, 0);
	assert_non_null(strstr(s, "Dining room"));
	assert_non_null(strstr(s, "NAME"));
	assert_non_null(strstr(s, "WAITED"));
	assert_non_null(strstr(s, "Zoë Saldaña"));
	assert_non_null(strstr(s, "a add"));
	free(s);
	assert_int_equal(tmux_line_with(&w->t, "? help", foot, sizeof foot), 0);
	assert_non_null(strstr(foot, "c cancel"));
	assert_non_null(strstr(foot, "live"));
	/* 24 lines cannot hold every key: the help scrolls (j, PgDn) to its last
	 * line, and a key that does not scroll closes it */
	assert_int_equal(tmux_keys(&w->t, "?", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "lines 1-20 of 23", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "j", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "lines 2-21 of 23", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "NPage", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "lines 4-23 of 23", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "│ q        quit", TUI_WAIT) >= 0);
	/* Home and End jump as they do on the board (End used to close it) */
	assert_int_equal(tmux_keys(&w->t, "Home", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "lines 1-20 of 23", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "End", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "lines 4-23 of 23", TUI_WAIT) >= 0);
	/* at 80 columns every key's line is whole */
	assert_true(tmux_wait_text(&w->t, "reset a password", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "x", NULL), 0);
	assert_true(tmux_wait_gone(&w->t, "Keys of the board", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "Zoë Saldaña", TUI_WAIT) >= 0);   /* x closed the help, did not mark a no-show */
	s = tmux_capture(&w->t, 0);
	assert_null(strstr(s, "no-show?"));
	free(s);

	assert_int_equal(tmux_resize(&w->t, 60, 20), 0);
	assert_true(tmux_wait_gone(&w->t, "QUOTE", TUI_WAIT) >= 0);
	assert_true(tmux_wait_text(&w->t, "WAITED", TUI_WAIT) >= 0);
	usleep(200000);
	s = tmux_capture(&w->t, 0);
	assert_non_null(strstr(s, "NAME"));
	assert_non_null(strstr(s, "SIZE"));
	assert_non_null(strstr(s, "Zoë"));
	free(s);
	assert_int_equal(tmux_line_with(&w->t, "? help", foot, sizeof foot), 0);
	assert_non_null(strstr(foot, "a add"));
	assert_non_null(strstr(foot, "live"));
	/* keys still work at 60x20 */
	assert_int_equal(tmux_keys(&w->t, "?", NULL), 0);
	assert_true(tmux_wait_text(&w->t, "Keys of the board", TUI_WAIT) >= 0);
	assert_int_equal(tmux_keys(&w->t, "Escape", NULL), 0);
	int status;
	assert_false(tmux_app_exited(&w->t, &status));
	tui_world_free(w);
}

/* A broken theme file: its name and line are shown and the default is used. */
static void test_broken_theme(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	owner_with_list(w);
	char path[400];
	snprintf(path, sizeof path, "%s/broken.theme", w->t.root);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("normal = white on black\nover-quote = purple-ish on\n", f);
	fclose(f);
	app_start(w, 120, 40, "--theme", path);
	login_by_keys(w);
	assert_true(tmux_wait_text(&w->t, "broken.theme:2", TUI_WAIT) >= 0);
	int status;
	assert_false(tmux_app_exited(&w->t, &status));
	tui_world_free(w);
}

/* 1 when an SGR escape in s sets a colour (30-37, 38, 40-47, 48, 90-97, 100-107). */
static int has_colour_sgr(const char *s)
{
	for (const char *p = strstr(s, "\033["); p; p = strstr(p + 1, "\033[")) {
		const char *q = p + 2;
		while (*q && *q != 'm' && (*q == ';' || (*q >= '0' && *q <= '9'))) {
			char *end;
			long v = strtol(q, &end, 10);
			if (end == q) {
				q++;
				continue;
			}
			if ((v >= 30 && v <= 38) || (v >= 40 && v <= 48) || (v >= 90 && v <= 97) || (v >= 100 && v <= 107))
				return 1;
			q = end;
			if (v == 38 || v == 48)
				break;
		}
	}
	return 0;
}

/* NO_COLOR: no colour at all, the meaning still there (markers, attributes). */
static void test_no_color(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	owner_with_list(w);
	http_add(w, "{\"name\":\"Over Olsen\",\"partySize\":2,\"quotedMinutes\":0}", NULL, 0);
	const char *env[] = { "NO_COLOR=1", NULL };
	tui_world_start(w, 120, 40, NULL, env);
	login_by_keys(w);
	assert_true(tmux_wait_text(&w->t, "Over Olsen", TUI_WAIT) >= 0);
	char *scr = tmux_capture(&w->t, 1);
	assert_non_null(scr);
	assert_false(has_colour_sgr(scr));
	assert_non_null(strstr(scr, "\033[")); /* attributes (bold, reverse) are still used */
	free(scr);
	/* the same board with colours has them */
	tmux_stop(&w->t);
	app_start(w, 120, 40, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "Over Olsen", TUI_WAIT) >= 0);
	scr = tmux_capture(&w->t, 1);
	assert_true(has_colour_sgr(scr));
	free(scr);
	tui_world_free(w);
}

/* A bad config line is named (file:line) and ignored; the app runs. */
static void test_bad_config(void **state)
{
	(void)state;
	struct tui_world *w = world_new();
	owner_with_list(w);
	write_config(w, "poll_interval = often\ncountry = US\n");
	app_start(w, 120, 40, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "config:1", TUI_WAIT) >= 0);
	login_by_keys(w);
	int status;
	assert_false(tmux_app_exited(&w->t, &status));
	tui_world_free(w);
}

/* Sends sig to the app and returns its exit status as the pane's shell saw it. */
static int signal_app(struct tui_world *w, int sig)
{
	long pid = tmux_app_pid(&w->t);
	assert_true(pid > 0);
	assert_int_equal(kill((pid_t)pid, sig), 0);
	int status = -1;
	for (int i = 0; i < 200 && !tmux_app_exited(&w->t, &status); i++)
		usleep(50000);
	return status;
}

/* 1 when the terminal modes after the app are a shell's again (echo and
 * canonical input on), not ncurses' raw mode. */
static int modes_restored(struct tui_world *w)
{
	char *m = tmux_stty_after(&w->t);
	int ok = m && strstr(m, " icanon") && !strstr(m, "-icanon") && strstr(m, " echo ") && !strstr(m, "-echo ");
	if (!ok)
		fprintf(stderr, "terminal modes after the app:\n%s\n", m ? m : "(none)");
	free(m);
	return ok;
}

/* SIGTERM and SIGHUP end the app cleanly (exit 0); a crash signal restores
 * the terminal before the app dies of it. Each time the terminal's modes
 * are back to what a shell expects (echo, canonical input). */
static void test_signals(void **state)
{
	(void)state;
	struct tui_world *w = logged_in(100, 30, NULL);
	assert_int_equal(signal_app(w, SIGTERM), 0);
	assert_true(modes_restored(w));
	tmux_stop(&w->t);

	app_start(w, 100, 30, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "Dining room · waiting", TUI_WAIT) >= 0);
	assert_int_equal(signal_app(w, SIGHUP), 0);
	assert_true(modes_restored(w));
	tmux_stop(&w->t);

	app_start(w, 100, 30, NULL, NULL);
	assert_true(tmux_wait_text(&w->t, "Dining room · waiting", TUI_WAIT) >= 0);
	int st = signal_app(w, SIGSEGV);
	assert_int_equal(st, 128 + SIGSEGV);
	assert_true(modes_restored(w));
	tui_world_free(w);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest all[] = {
		cmocka_unit_test_teardown(test_first_run, tui_world_teardown),
		cmocka_unit_test_teardown(test_add_utf8, tui_world_teardown),
		cmocka_unit_test_teardown(test_notify_seat_undo, tui_world_teardown),
		cmocka_unit_test_teardown(test_second_terminal, tui_world_teardown),
		cmocka_unit_test_teardown(test_server_refusal, tui_world_teardown),
		cmocka_unit_test_teardown(test_race_lost, tui_world_teardown),
		cmocka_unit_test_teardown(test_offline_queue, tui_world_teardown),
		cmocka_unit_test_teardown(test_offline_restart, tui_world_teardown),
		cmocka_unit_test_teardown(test_other_restaurant, tui_world_teardown),
		cmocka_unit_test_teardown(test_list_deleted, tui_world_teardown),
		cmocka_unit_test_teardown(test_replay, tui_world_teardown),
		cmocka_unit_test_teardown(test_theme_switch, tui_world_teardown),
		cmocka_unit_test_teardown(test_resize, tui_world_teardown),
		cmocka_unit_test_teardown(test_broken_theme, tui_world_teardown),
		cmocka_unit_test_teardown(test_signals, tui_world_teardown),
		cmocka_unit_test_teardown(test_desktop, tui_world_teardown),
		cmocka_unit_test_teardown(test_no_color, tui_world_teardown),
		cmocka_unit_test_teardown(test_bad_config, tui_world_teardown),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(all, NULL, NULL);
}
