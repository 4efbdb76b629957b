/* tui/kit/desknotify.c against a real session bus:
 *   on          under dbus-run-session with notify-server.py owning
 *               org.freedesktop.Notifications: what arrives (app name,
 *               summary, body, urgency, order), that show() never waits for
 *               a slow server, the queue limit;
 *   no-server   under dbus-run-session with nobody owning the name: off;
 *   no-session  without any session bus: off at once, no thread.
 * The mode is argv[1]; the server's log file is $TK_NOTIFY_LOG. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "kit/desknotify.h"

static const char *mode = "";

/* Monotonic milliseconds. */
static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to ms for the notifier to leave STARTING; returns its state. */
static enum tk_notifier_state settle(struct tk_notifier *n, long ms)
{
	long end = now_ms() + ms;
	struct timespec pause = { 0, 10 * 1000000L };

	while (tk_notifier_state(n) == TK_NOTIFY_STARTING && now_ms() < end)
		nanosleep(&pause, NULL);
	return tk_notifier_state(n);
}

/* One line of the server's log, split. */
struct logline {
	char app[64];      /* app name */
	char summary[256]; /* summary */
	char body[256];    /* body */
	int urgency;       /* urgency hint */
	char category[64]; /* category hint */
};

/* Reads the server's log into lines (at most max); returns the count. */
static size_t read_log(struct logline *lines, size_t max)
{
	const char *path = getenv("TK_NOTIFY_LOG");
	char buf[1024];
	size_t n = 0;
	FILE *f;

	assert_non_null(path);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(buf, sizeof buf, f) != NULL && n < max) {
		char *field[6], *save = NULL, *p;
		int k = 0;

		buf[strcspn(buf, "\n")] = '\0';
		for (p = strtok_r(buf, "\t", &save); p != NULL && k < 6; p = strtok_r(NULL, "\t", &save))
			field[k++] = p;
		/* an empty body gives 5 fields: the body is missing between tabs */
		memset(&lines[n], 0, sizeof lines[n]);
		if (k == 6) {
			snprintf(lines[n].app, sizeof lines[n].app, "%s", field[0]);
			snprintf(lines[n].summary, sizeof lines[n].summary, "%s", field[1]);
			snprintf(lines[n].body, sizeof lines[n].body, "%s", field[2]);
			lines[n].urgency = (int)strtol(field[3], NULL, 10);
			snprintf(lines[n].category, sizeof lines[n].category, "%s", field[4]);
		} else if (k == 5) {
			snprintf(lines[n].app, sizeof lines[n].app, "%s", field[0]);
			snprintf(lines[n].summary, sizeof lines[n].summary, "%s", field[1]);
			lines[n].urgency = (int)strtol(field[2], NULL, 10);
			snprintf(lines[n].category, sizeof lines[n].category, "%s", field[3]);
		} else {
			fail_msg("log line with %d fields", k);
		}
		n++;
	}
	fclose(f);
	return n;
}

/* One notification the test sends and must find in the log. */
struct sent_case {
	const char *summary;      /* summary */
	const char *body;         /* body or NULL */
	enum tk_urgency urgency;  /* urgency */
};

static const struct sent_case sent_cases[] = {
	{ "Zo\xc3\xab Salda\xc3\xb1" "a (4) replied", "confirmed \xe2\x80\x94 on the way", TK_URGENCY_NORMAL },
	{ "Text failed: Lee (8)", "not a mobile number", TK_URGENCY_CRITICAL },
	{ "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e (2) passed the quote", NULL, TK_URGENCY_LOW },
};

/* Notifications arrive at the server as sent, in order, with the app name
 * and the urgency hint. */
static void test_delivery(void **state)
{
	struct tk_notifier *n = tk_notifier_new("maitre-test", 1);
	struct logline lines[8];
	size_t i, got;

	(void)state;
	assert_non_null(n);
#ifndef TK_HAVE_LIBNOTIFY
	assert_int_equal(tk_notifier_state(n), TK_NOTIFY_OFF);
	assert_string_equal(tk_notifier_status(n), "notifications off (not built with libnotify)");
	assert_int_equal(tk_notifier_show(n, "x", NULL, TK_URGENCY_LOW), -1);
	tk_notifier_free(n);
	skip();
#endif
	assert_int_equal(settle(n, 5000), TK_NOTIFY_ON);
	assert_string_equal(tk_notifier_status(n), "notifications on");
	for (i = 0; i < sizeof sent_cases / sizeof sent_cases[0]; i++)
		assert_int_equal(tk_notifier_show(n, sent_cases[i].summary, sent_cases[i].body,
				sent_cases[i].urgency), 0);
	assert_int_equal(tk_notifier_flush(n, 5000), 0);
	assert_int_equal(tk_notifier_sent(n), 3);
	got = read_log(lines, 8);
	assert_int_equal(got, 3);
	for (i = 0; i < got; i++) {
		assert_string_equal(lines[i].app, "maitre-test");
		assert_string_equal(lines[i].summary, sent_cases[i].summary);
		assert_string_equal(lines[i].body, sent_cases[i].body ? sent_cases[i].body : "");
		assert_int_equal(lines[i].urgency, (int)sent_cases[i].urgency);
		assert_string_equal(lines[i].category, "im.received");
	}
	tk_notifier_free(n);
}

/* A server that takes 1.5 s to answer never holds up show(); the queue
 * takes 64 while the worker waits, refuses the 65th, and everything queued
 * arrives afterwards. */
static void test_never_blocks(void **state)
{
	struct tk_notifier *n = tk_notifier_new("maitre-test", 1);
	struct logline lines[80];
	char summary[64];
	long t0, took;
	int i, queued = 0;
	size_t got, before;

	(void)state;
#ifndef TK_HAVE_LIBNOTIFY
	tk_notifier_free(n);
	skip();
#endif
	assert_int_equal(settle(n, 5000), TK_NOTIFY_ON);
	before = read_log(lines, 80);
	t0 = now_ms();
	assert_int_equal(tk_notifier_show(n, "slow: party of 12", "the server sleeps", TK_URGENCY_NORMAL), 0);
	/* let the worker take the slow one off the queue */
	while (read_log(lines, 80) == before && now_ms() - t0 < 1000)
		;
	t0 = now_ms();
	for (i = 0; i < 70; i++) {
		snprintf(summary, sizeof summary, "queued %d", i);
		if (tk_notifier_show(n, summary, NULL, TK_URGENCY_LOW) == 0)
			queued++;
	}
	took = now_ms() - t0;
	if (took > 100)
		fail_msg("70 show() calls took %ld ms while the server stalled", took);
	assert_int_equal(queued, 64);
	assert_int_equal(tk_notifier_flush(n, 100), -1); /* still waiting for the slow answer */
	assert_int_equal(tk_notifier_flush(n, 10000), 0);
	assert_int_equal(tk_notifier_sent(n), 65);
	got = read_log(lines, 80);
	assert_int_equal(got, before + 65);
	assert_string_equal(lines[before].summary, "slow: party of 12");
	for (i = 0; i < 64; i++) {
		snprintf(summary, sizeof summary, "queued %d", i);
		assert_string_equal(lines[before + 1 + (size_t)i].summary, summary);
	}
	tk_notifier_free(n);
}

/* Off by configuration: no thread, nothing sent, says why. */
static void test_config_off(void **state)
{
	struct tk_notifier *n = tk_notifier_new("maitre-test", 0);

	(void)state;
	assert_int_equal(tk_notifier_state(n), TK_NOTIFY_OFF);
	assert_string_equal(tk_notifier_status(n), "notifications off (config)");
	assert_int_equal(tk_notifier_show(n, "x", "y", TK_URGENCY_NORMAL), -1);
	assert_int_equal(tk_notifier_flush(n, 10), 0);
	tk_notifier_free(n);
}

/* A session bus without a notification server: off, quickly. */
static void test_no_server(void **state)
{
	struct tk_notifier *n = tk_notifier_new("maitre-test", 1);
	long t0 = now_ms();

	(void)state;
#ifndef TK_HAVE_LIBNOTIFY
	tk_notifier_free(n);
	skip();
#endif
	assert_int_equal(settle(n, 5000), TK_NOTIFY_OFF);
	assert_true(now_ms() - t0 < 5000);
	assert_string_equal(tk_notifier_status(n), "notifications off (no notification server)");
	assert_int_equal(tk_notifier_show(n, "x", NULL, TK_URGENCY_NORMAL), -1);
	assert_int_equal(tk_notifier_sent(n), 0);
	tk_notifier_free(n);
}

/* No session bus at all: off at once (no thread, no autolaunch). */
static void test_no_session(void **state)
{
	long t0 = now_ms();
	struct tk_notifier *n = tk_notifier_new("maitre-test", 1);

	(void)state;
	assert_int_equal(tk_notifier_state(n), TK_NOTIFY_OFF);
#ifdef TK_HAVE_LIBNOTIFY
	assert_string_equal(tk_notifier_status(n), "notifications off (no D-Bus session)");
#endif
	assert_int_equal(tk_notifier_show(n, "x", NULL, TK_URGENCY_CRITICAL), -1);
	tk_notifier_free(n);
	assert_true(now_ms() - t0 < 100);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest on[] = {
		cmocka_unit_test(test_delivery),
		cmocka_unit_test(test_never_blocks),
		cmocka_unit_test(test_config_off),
	};
	const struct CMUnitTest no_server[] = {
		cmocka_unit_test(test_no_server),
		cmocka_unit_test(test_config_off),
	};
	const struct CMUnitTest no_session[] = {
		cmocka_unit_test(test_no_session),
		cmocka_unit_test(test_config_off),
	};

	mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "on") == 0)
		return cmocka_run_group_tests(on, NULL, NULL);
	if (strcmp(mode, "no-server") == 0)
		return cmocka_run_group_tests(no_server, NULL, NULL);
	if (strcmp(mode, "no-session") == 0) {
		if (getenv("DBUS_SESSION_BUS_ADDRESS") && *getenv("DBUS_SESSION_BUS_ADDRESS")) {
			fprintf(stderr, "no-session mode needs DBUS_SESSION_BUS_ADDRESS unset\n");
			return 1;
		}
		return cmocka_run_group_tests(no_session, NULL, NULL);
	}
	fprintf(stderr, "usage: %s on|no-server|no-session\n", argv[0]);
	return 2;
}
