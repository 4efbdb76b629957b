/* Notifications end to end through real maitred processes (tests/common
 * harness), the embedded queue, and the SMS sink (tests/notify/sms-sink.py,
 * the gateway protocol with every request checked), with --tick-seconds 1:
 *
 * - due guests get exactly one text: the daemon is down for 5 ticks across
 *   their due time and every one is told at the next start, by two maitreds
 *   on one database starting at once (two producers): each waitee queued
 *   once (the producers' logged counts add up), one text each;
 * - a poison message reaches the dead-letter queue after 5 receives while
 *   other guests are told at once;
 * - a failing gateway (HTTP 500) shows as failed on the waitee, retried
 *   with backoff until dead-lettered;
 * - maitred killed with SIGKILL 20 times during 500 deliveries: every
 *   guest is told, duplicates at the sink no more than the kills (the
 *   kills are paced by the sink's count of deliveries, not by sleeps).
 *
 * Time: the maitreds run on a test clock (MAITRE_TEST_CLOCK_FILE, an
 * offset in ms the test moves), so waiting for the next minute, for a
 * downtime of 5 ticks or for retry backoffs is a jump of the clock, not a
 * sleep. Ticks and polls stay real (1 s). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <cmocka.h>
#include "chan-util.h"
#include "harness.h"
#include "queue/queue.h"

#define ACCOUNT "ACe2equeue00000000000"
#define TOKEN "e2e-queue-sink-token"

static char clock_env[128];   /* MAITRE_TEST_CLOCK_FILE=... for the maitreds */

/* A running SMS sink. */
struct sink {
	char dir[256];      /* temp dir for its files */
	char url[64];       /* http://127.0.0.1:PORT */
	char env_url[96];   /* MAITRE_SMS_URL=... */
	pid_t pid;          /* child PID */
};

/* Sleeps ms milliseconds. */
static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The test clock, epoch ms (chan-util: the wall clock plus the offset). */
static int64_t now_ms(void)
{
	return cu_clock_now_ms();
}

/* Moves the maitreds' clock (and ours) forward by ms. */
static void clock_advance(int64_t ms)
{
	assert_int_equal(cu_clock_advance(ms), 0);
}

/* Fills the MAITRE_TEST_CLOCK_FILE setting the maitreds get. */
static void clock_setup(void)
{
	const char *e = cu_clock_env();

	assert_non_null(e);
	snprintf(clock_env, sizeof clock_env, "%s", e);
}

/* Starts the sink (extra: more argv, NULL-terminated, may be NULL). */
static void sink_start(struct sink *s, const char *const *extra)
{
	char pf[300], log[300], out[300];
	char *script = cu_strf("%s/sms-sink.py", cu_srcdir());
	char *argv[16];
	int i = 0, port;

	assert_int_equal(cu_tmpdir(s->dir, sizeof s->dir), 0);
	snprintf(pf, sizeof pf, "%s/sink.port", s->dir);
	snprintf(log, sizeof log, "%s/sms.jsonl", s->dir);
	snprintf(out, sizeof out, "%s/sink.out", s->dir);
	argv[i++] = (char *)CU_PYTHON;
	argv[i++] = script;
	argv[i++] = (char *)"--port-file";
	argv[i++] = pf;
	argv[i++] = (char *)"--account";
	argv[i++] = (char *)ACCOUNT;
	argv[i++] = (char *)"--token";
	argv[i++] = (char *)TOKEN;
	argv[i++] = (char *)"--log";
	argv[i++] = log;
	while (extra && *extra && i < 15)
		argv[i++] = (char *)*extra++;
	argv[i] = NULL;
	assert_int_equal(cu_spawn(argv, out, &s->pid), 0);
	port = cu_wait_port_file(pf, s->pid, 10000);
	assert_true(port > 0);
	snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", port);
	snprintf(s->env_url, sizeof s->env_url, "MAITRE_SMS_URL=%s", s->url);
	free(script);
}

/* Stops the sink and removes its files. */
static void sink_stop(struct sink *s)
{
	cu_stop(s->pid);
	cu_rmtree(s->dir);
}

/* The sink's /stats (caller frees). */
static cJSON *sink_stats(const struct sink *s)
{
	char *url = cu_strf("%s/stats", s->url), *body = NULL;
	cJSON *j;

	assert_int_equal(cu_http("GET", url, NULL, NULL, &body), 200);
	j = cJSON_Parse(body);
	assert_non_null(j);
	free(body);
	free(url);
	return j;
}

/* Sends a control command to the sink. */
static void sink_control(const struct sink *s, const char *json)
{
	char *url = cu_strf("%s/control", s->url);

	assert_int_equal(cu_http("POST", url, json, "application/json", NULL), 200);
	free(url);
}

/* Deliveries the sink accepted with this key. */
static int sink_count(const cJSON *stats, const char *waitee_id, int seq)
{
	char key[64];
	const cJSON *n;

	snprintf(key, sizeof key, "%s:%d", waitee_id, seq);
	n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(stats, "byKey"), key);
	return cJSON_IsNumber(n) ? (int)n->valuedouble : 0;
}

/* Creates a waitlist; returns its id (malloc'd). */
static char *api_waitlist(const struct test_server *srv, const char *tok, const char *name)
{
	char *body = cu_strf("{\"name\":\"%s\",\"description\":\"e2e\"}", name), *id;
	struct test_resp r;
	cJSON *j;

	assert_int_equal(test_http(srv, "POST", "/waitlists", tok, body, NULL, &r), 0);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	assert_non_null(j);
	id = strdup(test_json_str(j, "id"));
	cJSON_Delete(j);
	test_resp_free(&r);
	free(body);
	return id;
}

/* Creates a waitee with a phone; returns the created JSON (caller frees). */
static cJSON *api_waitee(const struct test_server *srv, const char *tok, const char *wl, int n, int notify_in)
{
	char *path = cu_strf("/waitlists/%s/waitees", wl);
	char *body = cu_strf("{\"name\":\"Guest %d\",\"phoneNumber\":\"+1555%07d\",\"partySize\":2,\"notifyIn\":%d}",
			     n, 1000000 + n, notify_in);
	struct test_resp r;
	cJSON *j;

	assert_int_equal(test_http(srv, "POST", path, tok, body, NULL, &r), 0);
	if (r.status != 201)
		fprintf(stderr, "POST waitee: %ld %s\n", r.status, r.body);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	assert_non_null(j);
	test_resp_free(&r);
	free(body);
	free(path);
	return j;
}

/* Reads one waitee through the API (caller frees). */
static cJSON *api_get_waitee(const struct test_server *srv, const char *tok, const char *wl, const char *id)
{
	char *path = cu_strf("/waitlists/%s/waitees/%s", wl, id);
	struct test_resp r;
	cJSON *j;

	assert_int_equal(test_http(srv, "GET", path, tok, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	j = test_resp_json(&r);
	assert_non_null(j);
	test_resp_free(&r);
	free(path);
	return j;
}

/* Sums "queued" over the producer tick lines of a maitred log. */
static int log_queued(const struct test_server *srv)
{
	char *log = test_server_log(srv), *line, *nl;
	int sum = 0;

	assert_non_null(log);
	for (line = log; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		cJSON *j;

		*nl = '\0';
		if (strstr(line, "producer tick") == NULL)
			continue;
		j = cJSON_Parse(line);
		sum += (int)test_json_num(j, "queued", 0);
		cJSON_Delete(j);
	}
	free(log);
	return sum;
}

/* Counts lines of a maitred log containing text. */
static int log_count(const struct test_server *srv, const char *text)
{
	char *log = test_server_log(srv), *p;
	int n = 0;

	assert_non_null(log);
	for (p = log; (p = strstr(p, text)) != NULL; p += strlen(text))
		n++;
	free(log);
	return n;
}

/* Path of the SQLite file behind a server's "sqlite:PATH" store URL. */
static const char *store_path(const struct test_server *srv)
{
	assert_true(strncmp(srv->store_url, "sqlite:", 7) == 0);
	return srv->store_url + 7;
}

#define GUESTS 10

/* Down for 5 ticks across the due time; two maitreds on one database start
 * at once; every due guest is queued once and texted once. */
static void test_downtime_and_two_producers(void **state)
{
	struct sink s;
	const char *env[] = { s.env_url, "MAITRE_SMS_ACCOUNT=" ACCOUNT, "MAITRE_SMS_TOKEN=" TOKEN,
			      "MAITRE_SMS_FROM=+15550001111", "MAITRE_QUEUE_VISIBILITY_SECONDS=5", clock_env,
			      /* about downtime, not sending limits: 11 guests' joined and ready texts pass a new restaurant's day */
			      "MAITRE_SMS_NEW_RESTAURANT_DAY=0", "MAITRE_SMS_PER_NUMBER_HOUR=0", "MAITRE_SMS_PER_PARTY_HOUR=0", NULL };
	const char *args[] = { "--tick-seconds", "1", NULL };
	struct test_server_opts xo = { .args = args, .env = env }, yo = xo;
	struct test_server x, y;
	cJSON *guests[GUESTS], *now_guest, *st = NULL;
	char *tok = NULL, *wl;
	int64_t due, t;
	int i, all;

	(void)state;
	clock_setup();
	sink_start(&s, NULL);
	assert_int_equal(test_server_start(&x, &xo), 0);
	yo.store_url = x.store_url;
	assert_int_equal(test_server_start(&y, &yo), 0);
	assert_int_equal(test_register_and_login(&x, NULL, NULL, NULL, &tok, NULL), 0);
	wl = api_waitlist(&x, tok, "Downtime Bistro");

	/* notifyIn 1 is due at the next minute: keep 12 s of room before it. */
	t = now_ms();
	if (60000 - t % 60000 < 12000)
		clock_advance(60000 - t % 60000 + 200);

	/* "Notify now" does not wait for a tick. */
	now_guest = api_waitee(&x, tok, wl, 0, 0);
	for (i = 0; i < 50; i++) {
		cJSON_Delete(st);
		st = sink_stats(&s);
		if (sink_count(st, test_json_str(now_guest, "id"), 1) > 0)
			break;
		sleep_ms(100);
	}
	assert_int_equal(sink_count(st, test_json_str(now_guest, "id"), 1), 1);

	for (i = 0; i < GUESTS; i++)
		guests[i] = api_waitee(&x, tok, wl, i + 1, 1);
	due = (int64_t)test_json_num(guests[0], "notifyAt", 0);
	assert_true(due > now_ms());
	for (i = 1; i < GUESTS; i++)
		assert_true((int64_t)test_json_num(guests[i], "notifyAt", 0) == due);

	/* Down across the due time, for 5 ticks after it. */
	assert_int_equal(test_server_stop(&x, 0), 0);
	assert_int_equal(test_server_stop(&y, 0), 0);
	cJSON_Delete(st);
	st = sink_stats(&s);
	for (i = 0; i < GUESTS; i++)
		assert_int_equal(sink_count(st, test_json_str(guests[i], "id"), 1), 0);
	t = now_ms();
	if (due + 5500 > t)
		clock_advance(due + 5500 - t);

	/* Both start at once: two producers race over the same due waitees. */
	assert_int_equal(test_server_restart(&x), 0);
	assert_int_equal(test_server_restart(&y), 0);
	for (i = 0; i < 450; i++) {   /* up to 45 s: a sanitizer build on a busy machine is slow */
		int k;

		cJSON_Delete(st);
		st = sink_stats(&s);
		for (all = 1, k = 0; k < GUESTS; k++)
			if (sink_count(st, test_json_str(guests[k], "id"), 1) == 0)
				all = 0;
		if (all)
			break;
		sleep_ms(100);
	}
	assert_true(all);
	sleep_ms(3000);  /* three more ticks: nothing more may come */
	cJSON_Delete(st);
	st = sink_stats(&s);
	for (i = 0; i < GUESTS; i++) {
		const char *id = test_json_str(guests[i], "id");
		cJSON *w = api_get_waitee(&x, tok, wl, id);

		assert_int_equal(sink_count(st, id, 1), 1);   /* ready: exactly once */
		assert_int_equal(sink_count(st, id, 0), 1);   /* joined: once, at creation */
		assert_string_equal(test_json_str(w, "status"), "notified");
		assert_string_equal(test_json_str(w, "lastResult"), "sent");
		assert_true(test_json_num(w, "notifiedAt", 0) >= (double)due);
		cJSON_Delete(w);
	}
	assert_int_equal(sink_count(st, test_json_str(now_guest, "id"), 1), 1);
	assert_int_equal((int)test_json_num(st, "rejected", -1), 0);
	assert_int_equal((int)test_json_num(st, "duplicates", -1), 0);
	/* Queued once each: the two producers' counts add up to the guests. */
	assert_int_equal(log_queued(&x) + log_queued(&y), GUESTS);

	for (i = 0; i < GUESTS; i++)
		cJSON_Delete(guests[i]);
	cJSON_Delete(now_guest);
	cJSON_Delete(st);
	assert_int_equal(test_server_stop(&y, 0), 0);
	assert_int_equal(test_server_stop(&x, 0), 0);
	test_server_free(&y);
	test_server_free(&x);
	sink_stop(&s);
	free(wl);
	free(tok);
}

/* Waits until the embedded queue's dead-letter table holds `dead` messages,
 * moving the test clock 2 s per 250 ms so retry backoffs pass quickly (the
 * worker polls every second of real time). */
static int wait_dead(struct queue *q, long dead, int timeout_ms)
{
	struct queue_depth d;
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 250) {
		if (q->ops->depth(q, &d, NULL) == 0 && d.dead >= dead)
			return 0;
		sleep_ms(250);
		clock_advance(2000);
	}
	return -1;
}

/* A poison message is dead-lettered after 5 receives; others flow meanwhile. */
static void test_poison_message(void **state)
{
	struct sink s;
	const char *env[] = { s.env_url, "MAITRE_SMS_ACCOUNT=" ACCOUNT, "MAITRE_SMS_TOKEN=" TOKEN,
			      "MAITRE_SMS_FROM=+15550001111", "MAITRE_RETRY_BASE_SECONDS=1", clock_env, NULL };
	const char *args[] = { "--tick-seconds", "1", NULL };
	struct test_server_opts o = { .args = args, .env = env };
	struct test_server x;
	struct queue *q = NULL;
	struct queue_entry poison = { "{\"waiteeId\":42,\"kind\":\"ready\"}", 0 };
	struct queue_depth d;
	cJSON *g[5], *st = NULL;
	char *tok = NULL, *wl;
	int result, i, k, all = 0;
	int64_t t0;

	(void)state;
	clock_setup();
	sink_start(&s, NULL);
	assert_int_equal(test_server_start(&x, &o), 0);
	assert_int_equal(test_register_and_login(&x, NULL, NULL, NULL, &tok, NULL), 0);
	wl = api_waitlist(&x, tok, "Poison Diner");
	assert_int_equal(queue_sqlite_open(store_path(&x), NULL, &q, NULL), 0);
	assert_int_equal(q->ops->send_batch(q, &poison, 1, &result, NULL), 0);
	assert_int_equal(result, 0);

	/* Five guests told at once while the poison message keeps failing. */
	t0 = now_ms();
	for (i = 0; i < 5; i++)
		g[i] = api_waitee(&x, tok, wl, 100 + i, 0);
	for (i = 0; i < 100 && !all; i++) {
		cJSON_Delete(st);
		st = sink_stats(&s);
		for (all = 1, k = 0; k < 5; k++)
			if (sink_count(st, test_json_str(g[k], "id"), 1) != 1)
				all = 0;
		if (!all)
			sleep_ms(100);
	}
	assert_true(all);
	assert_true(now_ms() - t0 < 8000);

	/* 5 receives with backoff 1, 2, 4, 8 s, then the dead-letter queue. */
	assert_int_equal(wait_dead(q, 1, 45000), 0);
	assert_int_equal(q->ops->depth(q, &d, NULL), 0);
	assert_int_equal(d.dead, 1);
	assert_int_equal(d.visible + d.in_flight, 0);
	assert_int_equal(log_count(&x, "consumer: malformed message"), QUEUE_MAX_RECEIVES);

	queue_close(q);
	for (i = 0; i < 5; i++)
		cJSON_Delete(g[i]);
	cJSON_Delete(st);
	assert_int_equal(test_server_stop(&x, 0), 0);
	test_server_free(&x);
	sink_stop(&s);
	free(wl);
	free(tok);
}

/* A gateway answering 500 shows as failed on the waitee; after 5 tries
 * the message is dead-lettered and the reason says "failed to send". */
static void test_failing_gateway(void **state)
{
	struct sink s;
	const char *env[] = { s.env_url, "MAITRE_SMS_ACCOUNT=" ACCOUNT, "MAITRE_SMS_TOKEN=" TOKEN,
			      "MAITRE_SMS_FROM=+15550001111", "MAITRE_RETRY_BASE_SECONDS=1", clock_env, NULL };
	const char *args[] = { "--tick-seconds", "1", NULL };
	const char *fail[] = { "--fail-status", "500", NULL };
	struct test_server_opts o = { .args = args, .env = env };
	struct test_server x;
	struct queue *q = NULL;
	cJSON *g, *w = NULL, *st, *ok;
	char *tok = NULL, *wl;
	int i;

	(void)state;
	clock_setup();
	sink_start(&s, fail);
	assert_int_equal(test_server_start(&x, &o), 0);
	assert_int_equal(test_register_and_login(&x, NULL, NULL, NULL, &tok, NULL), 0);
	wl = api_waitlist(&x, tok, "Failing Grill");
	g = api_waitee(&x, tok, wl, 7, 0);
	for (i = 0; i < 50; i++) {
		cJSON_Delete(w);
		w = api_get_waitee(&x, tok, wl, test_json_str(g, "id"));
		if (strcmp(test_json_str(w, "lastResult"), "failed") == 0)
			break;
		sleep_ms(100);
	}
	assert_string_equal(test_json_str(w, "lastResult"), "failed");
	assert_non_null(strstr(test_json_str(w, "lastReason"), "failed to send"));
	assert_string_equal(test_json_str(w, "status"), "waiting");

	assert_int_equal(queue_sqlite_open(store_path(&x), NULL, &q, NULL), 0);
	assert_int_equal(wait_dead(q, 1, 45000), 0);
	cJSON_Delete(w);
	w = api_get_waitee(&x, tok, wl, test_json_str(g, "id"));
	assert_string_equal(test_json_str(w, "lastResult"), "failed");
	assert_non_null(strstr(test_json_str(w, "lastReason"), "failed to send"));
	assert_null(strstr(test_json_str(w, "lastReason"), "will retry"));
	assert_int_equal((int)test_json_num(w, "notifyCount", -1), 0);
	st = sink_stats(&s);
	assert_int_equal((int)test_json_num(st, "failed", -1), QUEUE_MAX_RECEIVES);
	assert_int_equal((int)test_json_num(st, "accepted", -1), 0);
	cJSON_Delete(st);

	/* The gateway recovers: the next guest is told. */
	sink_control(&s, "{\"fail\":0}");
	ok = api_waitee(&x, tok, wl, 8, 0);
	for (i = 0; i < 50; i++) {
		st = sink_stats(&s);
		if (sink_count(st, test_json_str(ok, "id"), 1) == 1) {
			cJSON_Delete(st);
			break;
		}
		cJSON_Delete(st);
		sleep_ms(100);
	}
	assert_true(i < 50);

	queue_close(q);
	cJSON_Delete(ok);
	cJSON_Delete(w);
	cJSON_Delete(g);
	assert_int_equal(test_server_stop(&x, 0), 0);
	test_server_free(&x);
	sink_stop(&s);
	free(wl);
	free(tok);
}

#define KILL_GUESTS 500
#define KILLS 20

/* The sink's accepted count. */
static int sink_accepted(const struct sink *s)
{
	cJSON *st = sink_stats(s);
	int n = (int)test_json_num(st, "accepted", -1);

	cJSON_Delete(st);
	return n;
}

/* Waits (up to timeout_ms) until the sink accepted at least n texts; returns the count. */
static int wait_accepted(const struct sink *s, int n, int timeout_ms)
{
	int waited, got = sink_accepted(s);

	for (waited = 0; got < n && waited < timeout_ms; waited += 10) {
		sleep_ms(10);
		got = sink_accepted(s);
	}
	return got;
}

/* Waits (up to timeout_ms) until the embedded queue holds nothing visible or
 * in flight: every message was deleted, so nothing more can be delivered. */
static int wait_queue_empty(struct queue *q, int timeout_ms)
{
	struct queue_depth d;
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 100) {
		if (q->ops->depth(q, &d, NULL) == 0 && d.visible + d.in_flight == 0)
			return 0;
		sleep_ms(100);
	}
	return -1;
}

/* SIGKILL 20 times during 500 deliveries: everyone told, duplicates <= kills.
 * The kills are paced by deliveries, not by the clock: the sink holds each
 * text 1 s while the guests are created (so a slow machine cannot deliver
 * them all before the first kill), then 5 ms; each kill comes once the
 * restarted maitred has delivered a few more texts (3 - 6, plus 0 - 45 ms), so
 * every kill lands in the middle of the deliveries however loaded the
 * machine is, and the 20 kills span about a quarter of them. */
static void test_sigkill_during_deliveries(void **state)
{
	struct sink s;
	const char *env[] = { s.env_url, "MAITRE_SMS_ACCOUNT=" ACCOUNT, "MAITRE_SMS_TOKEN=" TOKEN,
			      "MAITRE_SMS_FROM=+15550001111", "MAITRE_QUEUE_VISIBILITY_SECONDS=2",
			      "MAITRE_RETRY_BASE_SECONDS=1",
			      /* hundreds of texts from one new restaurant: the sending
			       * limits (issue 13, finding 8) are not what is tested here */
			      "MAITRE_SMS_NEW_RESTAURANT_DAY=0", "MAITRE_SMS_PER_NUMBER_HOUR=0",
			      "MAITRE_SMS_PER_PARTY_HOUR=0", NULL };
	const char *args[] = { "--tick-seconds", "1", NULL };
	const char *hold[] = { "--delay-ms", "1000", NULL };
	struct test_server_opts o = { .args = args, .env = env };
	struct test_server x;
	struct queue *q = NULL;
	char **ids = calloc(KILL_GUESTS, sizeof *ids);
	char *tok = NULL, *wl;
	cJSON *st = NULL;
	int i, k, told = 0, dups = 0, at_first_kill = -1, accepted;

	(void)state;
	sink_start(&s, hold);
	assert_int_equal(test_server_start(&x, &o), 0);
	assert_int_equal(test_register_and_login(&x, NULL, NULL, NULL, &tok, NULL), 0);
	wl = api_waitlist(&x, tok, "Crash Cafe");
	for (i = 0; i < KILL_GUESTS; i++) {
		cJSON *g = api_waitee(&x, tok, wl, 1000 + i, 0);

		ids[i] = strdup(test_json_str(g, "id"));
		cJSON_Delete(g);
	}
	sink_control(&s, "{\"delayMs\":5}");
	accepted = sink_accepted(&s);
	for (k = 0; k < KILLS; k++) {
		int got = wait_accepted(&s, accepted + 3 + k % 4, 30000);

		assert_true(got >= accepted + 3 + k % 4);   /* the restarted maitred delivers */
		sleep_ms((k * 37) % 46);
		if (k == 0)
			at_first_kill = got;
		assert_int_equal(test_server_signal(&x, SIGKILL), 0);
		assert_int_equal(test_server_wait_exit(&x, 5000), 128 + SIGKILL);
		assert_int_equal(test_server_restart(&x), 0);
		accepted = sink_accepted(&s);
	}
	/* The kills landed during the deliveries, not after them. */
	fprintf(stderr, "delivered before the first kill: %d; after the last: %d\n", at_first_kill, accepted);
	assert_true(at_first_kill < KILL_GUESTS);
	assert_true(accepted < KILL_GUESTS);
	for (i = 0; i < 1200 && told < KILL_GUESTS; i++) {
		cJSON_Delete(st);
		st = sink_stats(&s);
		for (told = 0, k = 0; k < KILL_GUESTS; k++)
			if (sink_count(st, ids[k], 1) > 0)
				told++;
		if (told < KILL_GUESTS)
			sleep_ms(100);
	}
	assert_int_equal(told, KILL_GUESTS);
	/* Every message deleted (the killed batches came back after their 2 s
	 * and were settled): no late duplicate can come after this. */
	assert_int_equal(queue_sqlite_open(store_path(&x), NULL, &q, NULL), 0);
	assert_int_equal(wait_queue_empty(q, 60000), 0);
	queue_close(q);
	cJSON_Delete(st);
	st = sink_stats(&s);
	for (k = 0; k < KILL_GUESTS; k++)
		dups += sink_count(st, ids[k], 1) - 1;
	fprintf(stderr, "%d guests told, %d duplicate texts, %d kills\n", told, dups, KILLS);
	assert_true(dups <= KILLS);
	assert_int_equal((int)test_json_num(st, "rejected", -1), 0);
	cJSON_Delete(st);

	assert_int_equal(test_server_stop(&x, 0), 0);
	test_server_free(&x);
	sink_stop(&s);
	for (i = 0; i < KILL_GUESTS; i++)
		free(ids[i]);
	free(ids);
	free(wl);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poison_message),
		cmocka_unit_test(test_failing_gateway),
		cmocka_unit_test(test_sigkill_during_deliveries),
		cmocka_unit_test(test_downtime_and_two_producers),
	};

	int failed = cmocka_run_group_tests_name("notify-e2e", tests, NULL, NULL);

	cu_clock_cleanup();
	return failed;
}
