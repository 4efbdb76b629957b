/* Stats and wait estimates over HTTP against a real maitred (tests/common
 * harness; store from MAITRE_TEST_STORE_URL or SQLite, so the same binary
 * runs on both stores). maitred reads its time from a clock file
 * (MAITRE_TEST_CLOCK_FILE) this test moves, so histories are generated at
 * known hours of past days with known waits, and the answers are worked
 * out by hand: counts, covers, mean and p90 wait, quote accuracy, rates, by
 * hour and party size, in UTC and another zone; undo and edits of finished
 * parties; the suggested quote from 4 weeks of the same hour and size, the
 * list's default when history is thin. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <cmocka.h>

#include "harness.h"

#define PASSWORD "correct horse battery"
#define MIN_MS 60000LL
#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL
/* Seats happen this much after the whole minutes of a wait: the requests'
 * own delays (a login at every clock move) never cut a minute short. */
#define SLACK_MS 20000LL

/* The server, its clock file and the owner's login. */
struct api {
	struct test_server srv;   /* running maitred */
	char clock[300];          /* the clock file maitred reads its offset from */
	char dir[64];             /* temporary directory holding it */
	char email[128];          /* owner's e-mail */
	char *token;              /* "Bearer ..." of the owner, renewed at every clock move */
	int64_t today;            /* real UTC midnight of today, epoch ms */
};

/* Real time, epoch ms. */
static int64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Moves maitred's clock to epoch ms `at` and logs in again (a token from another time is refused). */
static void at(struct api *a, int64_t when)
{
	int64_t off = when - real_ms();
	int fd = open(a->clock, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &off, sizeof off, 0), (ssize_t)sizeof off);
	close(fd);
	free(a->token);
	a->token = NULL;
	assert_int_equal(test_login(&a->srv, a->email, PASSWORD, &a->token, NULL), 200);
}

/* Starts maitred with a clock file and registers the owner. */
static int api_setup(void **state)
{
	struct api *a = calloc(1, sizeof *a);
	static char clock_env[400];
	static const char *env[] = { clock_env, NULL };
	struct test_server_opts o = { .env = env };
	int64_t zero = 0;
	FILE *f;

	if (a == NULL)
		return -1;
	snprintf(a->dir, sizeof a->dir, "/tmp/maitre-stats-XXXXXX");
	if (mkdtemp(a->dir) == NULL)
		return -1;
	snprintf(a->clock, sizeof a->clock, "%s/clock", a->dir);
	f = fopen(a->clock, "wb");
	if (f == NULL || fwrite(&zero, sizeof zero, 1, f) != 1)
		return -1;
	fclose(f);
	snprintf(clock_env, sizeof clock_env, "MAITRE_TEST_CLOCK_FILE=%s", a->clock);
	if (test_server_start(&a->srv, &o) != 0)
		return -1;
	test_unique_email(a->email, sizeof a->email, "stats");
	if (test_register_and_login(&a->srv, a->email, PASSWORD, "Stats Owner", &a->token, NULL) != 0)
		return -1;
	a->today = real_ms() / DAY_MS * DAY_MS;
	*state = a;
	return 0;
}

/* Stops maitred and removes its files. */
static int api_teardown(void **state)
{
	struct api *a = *state;

	free(a->token);
	test_server_free(&a->srv);
	unlink(a->clock);
	rmdir(a->dir);
	free(a);
	return 0;
}

/* A response with its JSON body parsed. */
struct hr {
	struct test_resp r;   /* raw response */
	cJSON *j;             /* parsed body or NULL */
};

/* Sends a request as the owner; fails the test on transport errors. */
static struct hr http(struct api *a, const char *method, const char *path, const char *body)
{
	struct hr h;

	memset(&h, 0, sizeof h);
	if (test_http(&a->srv, method, path, a->token, body, NULL, &h.r) != 0)
		fail_msg("%s %s: no answer", method, path);
	h.j = test_resp_json(&h.r);
	return h;
}

/* Frees a response. */
static void hr_free(struct hr *h)
{
	cJSON_Delete(h->j);
	test_resp_free(&h->r);
}

/* Asserts the status, printing the body and the caller's line when it differs. */
static void want_status_at(const struct hr *h, long status, int line)
{
	if (h->r.status != status)
		fail_msg("line %d: want HTTP %ld, got %ld: %s", line, status, h->r.status, h->r.body);
}
#define want_status(h, status) want_status_at((h), (status), __LINE__)

/* GETs path and asserts a 400 naming field. */
static void want_400(struct api *a, const char *path, const char *field)
{
	struct hr h = http(a, "GET", path, NULL);

	want_status(&h, 400);
	assert_string_equal(test_json_str(h.j, "field"), field);
	hr_free(&h);
}

/* Creates a list (body given); its id goes to out. */
static void new_list(struct api *a, const char *body, char out[32])
{
	struct hr h = http(a, "POST", "/waitlists", body);

	want_status(&h, 201);
	snprintf(out, 32, "%s", test_json_str(h.j, "id"));
	hr_free(&h);
}

/* Adds a party of `size` (quote q minutes, 0 = none) at `when`; its id goes to out. */
static void join(struct api *a, const char *wl, int64_t when, int size, int q, char out[32])
{
	char *path = test_strf("/waitlists/%s/waitees", wl), *body;
	struct hr h;

	if (q > 0)
		body = test_strf("{\"name\":\"Guest\",\"partySize\":%d,\"quotedMinutes\":%d}", size, q);
	else
		body = test_strf("{\"name\":\"Guest\",\"partySize\":%d}", size);
	at(a, when);
	h = http(a, "POST", path, body);
	want_status(&h, 201);
	snprintf(out, 32, "%s", test_json_str(h.j, "id"));
	hr_free(&h);
	free(body);
	free(path);
}

/* Moves party id to `status` at `when` (0 = now, no clock move). */
static void move(struct api *a, const char *wl, const char *id, int64_t when, const char *status)
{
	char *path = test_strf("/waitlists/%s/waitees/%s", wl, id), *body = test_strf("{\"status\":\"%s\"}", status);
	struct hr h;

	if (when > 0)
		at(a, when);
	h = http(a, "PUT", path, body);
	want_status(&h, 200);
	hr_free(&h);
	free(body);
	free(path);
}

/* A party that joins at `when` and is seated `wait` minutes later. */
static void served(struct api *a, const char *wl, int64_t when, int size, int q, int wait)
{
	char id[32];

	join(a, wl, when, size, q, id);
	move(a, wl, id, when + wait * MIN_MS + SLACK_MS, "seated");
}

/* GET the list's stats with a query string; the parsed body (caller deletes). */
static cJSON *stats(struct api *a, const char *wl, const char *query)
{
	char *path = test_strf("/waitlists/%s/stats?%s", wl, query);
	struct hr h = http(a, "GET", path, NULL);
	cJSON *j;

	want_status(&h, 200);
	j = h.j;
	h.j = NULL;
	hr_free(&h);
	free(path);
	return j;
}

/* Member k of o as a number (fails when absent or not a number). */
static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v))
		fail_msg("%s is not a number", k);
	return v->valuedouble;
}

/* Element i of array member k of o. */
static const cJSON *elem(const cJSON *o, const char *k, int i)
{
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, k), i);

	assert_non_null(e);
	return e;
}

/* The byPartySize entry for size, or NULL. */
static const cJSON *by_size(const cJSON *o, int size)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "byPartySize"))
		if ((int)num(e, "partySize") == size)
			return e;
	return NULL;
}

/* Equality of doubles to 1e-6. */
#define assert_num(v, want) assert_true(((v) - (want)) < 1e-6 && ((want) - (v)) < 1e-6)

/* Six parties on one day: every figure of the answer worked out by hand,
 * by hour and size, in UTC and in New York; then an undo and an edit. */
static void test_stats_day(void **state)
{
	struct api *a = *state;
	int64_t day = a->today - 3 * DAY_MS, noon = day + 12 * HOUR_MS + 10 * MIN_MS, eve = day + 19 * HOUR_MS + 10 * MIN_MS;
	char wl[32], other[32], id[32], date[16], *q;
	const cJSON *t, *acc, *h12, *s2;
	time_t secs = (time_t)(day / 1000);
	struct tm tm;
	cJSON *j;

	gmtime_r(&secs, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	new_list(a, "{\"name\":\"Stats day\"}", wl);
	new_list(a, "{\"name\":\"Untouched\"}", other);
	served(a, wl, noon, 2, 20, 10);
	served(a, wl, noon + MIN_MS, 2, 20, 30);
	served(a, wl, noon + 2 * MIN_MS, 4, 15, 20);
	join(a, wl, noon + 3 * MIN_MS, 4, 0, id);
	move(a, wl, id, noon + 10 * MIN_MS, "cancelled");
	join(a, wl, noon + 4 * MIN_MS, 3, 0, id);
	move(a, wl, id, noon + 30 * MIN_MS, "no_show");
	served(a, wl, eve, 2, 10, 40);
	/* a party still waiting counts nowhere */
	join(a, wl, eve + MIN_MS, 6, 0, id);

	q = test_strf("from=%s&to=%s", date, date);
	j = stats(a, wl, q);
	assert_string_equal(test_json_str(j, "timezone"), "UTC");
	assert_string_equal(test_json_str(j, "from"), date);
	t = cJSON_GetObjectItemCaseSensitive(j, "total");
	assert_num(num(t, "parties"), 6);
	assert_num(num(t, "served"), 4);
	assert_num(num(t, "covers"), 10);
	assert_num(num(t, "cancelled"), 1);
	assert_num(num(t, "noShow"), 1);
	assert_num(num(t, "noShowRate"), 0.167);
	assert_num(num(t, "cancelRate"), 0.167);
	assert_num(num(t, "waitMeanMinutes"), 25.3);   /* (10 + 30 + 20 + 40) / 4, and 20 s */
	assert_num(num(t, "waitP50Minutes"), 20);
	assert_num(num(t, "waitP90Minutes"), 40);      /* nearest rank: the 4th of 4 */
	acc = cJSON_GetObjectItemCaseSensitive(t, "quoteAccuracy");
	assert_num(num(acc, "parties"), 4);
	assert_num(num(acc, "meanMinutes"), 9.1);       /* -10, +10, +5, +30, and 20 s */
	assert_num(num(acc, "spreadMinutes"), 14.3);    /* sqrt(281.25 - 8.75^2) */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "byHour")), 24);
	h12 = elem(j, "byHour", 12);
	assert_num(num(h12, "hour"), 12);
	assert_num(num(h12, "parties"), 5);
	assert_num(num(h12, "served"), 3);
	assert_num(num(elem(j, "byHour", 19), "served"), 1);
	assert_num(num(elem(j, "byHour", 19), "waitMeanMinutes"), 40.3);
	assert_num(num(elem(j, "byHour", 13), "parties"), 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(elem(j, "byHour", 13), "waitMeanMinutes")));
	s2 = by_size(j, 2);
	assert_non_null(s2);
	assert_num(num(s2, "served"), 3);
	assert_num(num(s2, "covers"), 6);
	assert_num(num(s2, "waitP90Minutes"), 40);
	assert_num(num(by_size(j, 3), "noShow"), 1);
	assert_num(num(by_size(j, 4), "cancelled"), 1);
	assert_null(by_size(j, 6));
	cJSON_Delete(j);

	/* the same day in New York (UTC-5 in winter, UTC-4 in summer): the hours move, the totals do not */
	free(q);
	q = test_strf("from=%s&to=%s&tz=America/New_York", date, date);
	j = stats(a, wl, q);
	assert_string_equal(test_json_str(j, "timezone"), "America/New_York");
	assert_num(num(cJSON_GetObjectItemCaseSensitive(j, "total"), "parties"), 6);
	assert_true(num(elem(j, "byHour", 7), "parties") + num(elem(j, "byHour", 8), "parties") == 5);
	assert_num(num(elem(j, "byHour", 12), "parties"), 0);
	cJSON_Delete(j);

	/* days=N: the N days ending with to */
	{
		char d2[16];
		time_t later = (time_t)((day + 2 * DAY_MS) / 1000);

		gmtime_r(&later, &tm);
		strftime(d2, sizeof d2, "%Y-%m-%d", &tm);
		free(q);
		q = test_strf("to=%s&days=3", d2);
		j = stats(a, wl, q);
		assert_string_equal(test_json_str(j, "from"), date);
		assert_num(num(cJSON_GetObjectItemCaseSensitive(j, "total"), "parties"), 6);
		cJSON_Delete(j);
		free(q);
		q = test_strf("to=%s&days=2", d2);
		j = stats(a, wl, q);
		assert_num(num(cJSON_GetObjectItemCaseSensitive(j, "total"), "parties"), 0);
		cJSON_Delete(j);
	}

	/* without ?tz= the restaurant's zone */
	{
		struct hr h = http(a, "PUT", "/restaurant", "{\"timezone\":\"America/New_York\"}");

		want_status(&h, 200);
		hr_free(&h);
		free(q);
		q = test_strf("from=%s&to=%s", date, date);
		j = stats(a, wl, q);
		assert_string_equal(test_json_str(j, "timezone"), "America/New_York");
		assert_num(num(elem(j, "byHour", 12), "parties"), 0);
		cJSON_Delete(j);
		h = http(a, "PUT", "/restaurant", "{\"timezone\":\"UTC\"}");
		want_status(&h, 200);
		hr_free(&h);
	}

	/* another list's counters are its own; a day without parties is all zeros and nulls */
	free(q);
	q = test_strf("from=%s&to=%s", date, date);
	j = stats(a, other, q);
	t = cJSON_GetObjectItemCaseSensitive(j, "total");
	assert_num(num(t, "parties"), 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(t, "waitP90Minutes")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(t, "noShowRate")));
	cJSON_Delete(j);

	/* seated then undone within the window: counted, then not */
	join(a, wl, eve + 2 * MIN_MS, 5, 0, id);
	move(a, wl, id, eve + 7 * MIN_MS + SLACK_MS, "seated");
	j = stats(a, wl, q);
	assert_num(num(cJSON_GetObjectItemCaseSensitive(j, "total"), "served"), 5);
	assert_num(num(by_size(j, 5), "covers"), 5);
	cJSON_Delete(j);
	move(a, wl, id, 0, "waiting");
	j = stats(a, wl, q);
	t = cJSON_GetObjectItemCaseSensitive(j, "total");
	assert_num(num(t, "served"), 4);
	assert_num(num(t, "covers"), 10);
	assert_num(num(t, "waitMeanMinutes"), 25.3);
	assert_null(by_size(j, 5));
	cJSON_Delete(j);
	/* a no-show undone (back to waiting) and seated later counts once, as served */
	move(a, wl, id, eve + 8 * MIN_MS, "no_show");
	move(a, wl, id, 0, "waiting");
	move(a, wl, id, eve + 12 * MIN_MS + SLACK_MS, "seated");
	/* the size of a finished party corrected: its counts move to the new size */
	{
		char *path = test_strf("/waitlists/%s/waitees/%s", wl, id);
		struct hr h = http(a, "PUT", path, "{\"partySize\":7}");

		want_status(&h, 200);
		hr_free(&h);
		free(path);
	}
	j = stats(a, wl, q);
	t = cJSON_GetObjectItemCaseSensitive(j, "total");
	assert_num(num(t, "parties"), 7);
	assert_num(num(t, "served"), 5);
	assert_num(num(t, "noShow"), 1);
	assert_num(num(t, "covers"), 17);
	assert_null(by_size(j, 5));
	assert_num(num(by_size(j, 7), "served"), 1);
	assert_num(num(by_size(j, 7), "waitMeanMinutes"), 10.3);
	cJSON_Delete(j);
	free(q);
}

/* Bad parameters are refused with the field named; another restaurant's list is 404. */
static void test_stats_refusals(void **state)
{
	struct api *a = *state;
	char wl[32], *p;
	char *other = NULL;
	struct test_resp r;

	at(a, real_ms());
	new_list(a, "{\"name\":\"Refusals\"}", wl);
	p = test_strf("/waitlists/%s/stats?tz=Mars/Olympus", wl);
	want_400(a, p, "tz");
	free(p);
	p = test_strf("/waitlists/%s/stats?tz=../../etc/passwd", wl);
	want_400(a, p, "tz");
	free(p);
	p = test_strf("/waitlists/%s/stats?from=2026-02-30", wl);
	want_400(a, p, "from");
	free(p);
	p = test_strf("/waitlists/%s/stats?from=2026-03-02&to=2026-03-01", wl);
	want_400(a, p, "from");
	free(p);
	p = test_strf("/waitlists/%s/stats?from=2020-01-01&to=2026-03-01", wl);
	want_400(a, p, "from");
	free(p);
	p = test_strf("/waitlists/%s/stats?days=0", wl);
	want_400(a, p, "days");
	free(p);
	p = test_strf("/waitlists/%s/stats?days=7&from=2026-01-01", wl);
	want_400(a, p, "days");
	free(p);
	p = test_strf("/waitlists/%s/stats?to=tomorrow", wl);
	want_400(a, p, "to");
	free(p);
	p = test_strf("/waitlists/%s/estimate?partySize=0", wl);
	want_400(a, p, "partySize");
	free(p);
	p = test_strf("/waitlists/%s/estimate?partySize=4x", wl);
	want_400(a, p, "partySize");
	free(p);
	p = test_strf("/waitlists/%s/estimate", wl);
	want_400(a, p, "partySize");
	free(p);
	{
		struct hr h = http(a, "POST", "/waitlists", "{\"name\":\"Bad default\",\"defaultQuoteMinutes\":0}");

		want_status(&h, 400);
		assert_string_equal(test_json_str(h.j, "field"), "defaultQuoteMinutes");
		hr_free(&h);
	}
	/* another restaurant sees 404, without a token 401 */
	assert_int_equal(test_register_and_login(&a->srv, NULL, NULL, "Other Owner", &other, NULL), 0);
	p = test_strf("/waitlists/%s/stats", wl);
	assert_int_equal(test_http(&a->srv, "GET", p, other, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 404);
	test_resp_free(&r);
	assert_int_equal(test_http(&a->srv, "GET", p, NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 401);
	test_resp_free(&r);
	free(p);
	p = test_strf("/waitlists/%s/estimate?partySize=2", wl);
	assert_int_equal(test_http(&a->srv, "GET", p, other, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 404);
	test_resp_free(&r);
	free(p);
	free(other);
}

/* GET the estimate for size (and an optional "&tz=..."); the parsed body. */
static cJSON *estimate(struct api *a, const char *wl, int size, const char *extra)
{
	char *path = test_strf("/waitlists/%s/estimate?partySize=%d%s", wl, size, extra ? extra : "");
	struct hr h = http(a, "GET", path, NULL);
	cJSON *j;

	want_status(&h, 200);
	j = h.j;
	h.j = NULL;
	hr_free(&h);
	free(path);
	return j;
}

/* A generated history with a known answer: 12 parties of 4 seated at 19:xx
 * on 12 of the last 27 days, waits 10, 12, ..., 32 minutes. The estimate for
 * a 4 at 19:30 today is their median, 20 (quartiles 14 and 26, medium
 * confidence); what lies outside (30 days ago, another hour, cancelled
 * parties, other sizes) changes nothing; thin history gets the list's default. */
static void test_estimate_history(void **state)
{
	struct api *a = *state;
	int64_t now = a->today + 19 * HOUR_MS + 30 * MIN_MS;
	const cJSON *w;
	char wl[32], id[32];
	cJSON *j;
	int i;

	at(a, real_ms());
	new_list(a, "{\"name\":\"Estimates\",\"defaultQuoteMinutes\":25}", wl);
	for (i = 0; i < 12; i++)
		served(a, wl, a->today - (2 * i + 3) * DAY_MS + 19 * HOUR_MS + 5 * MIN_MS, 4, 0, 10 + 2 * i);
	/* outside: 30 days back, the hour after, cancelled, and a size 2 */
	for (i = 0; i < 3; i++)
		served(a, wl, a->today - 30 * DAY_MS + 19 * HOUR_MS + i * MIN_MS, 4, 0, 90);
	for (i = 0; i < 3; i++)
		served(a, wl, a->today - (i + 1) * DAY_MS + 20 * HOUR_MS + 5 * MIN_MS, 4, 0, 60);
	for (i = 0; i < 3; i++) {
		join(a, wl, a->today - (i + 1) * DAY_MS + 19 * HOUR_MS + 20 * MIN_MS, 4, 0, id);
		move(a, wl, id, a->today - (i + 1) * DAY_MS + 19 * HOUR_MS + 50 * MIN_MS, "cancelled");
	}
	served(a, wl, a->today - DAY_MS + 19 * HOUR_MS + 40 * MIN_MS, 2, 0, 45);

	at(a, now);
	j = estimate(a, wl, 4, NULL);
	assert_num(num(j, "quotedMinutes"), 20);
	assert_string_equal(test_json_str(j, "source"), "history");
	assert_string_equal(test_json_str(j, "confidence"), "medium");
	assert_num(num(j, "parties"), 12);
	assert_num(num(j, "hour"), 19);
	w = cJSON_GetObjectItemCaseSensitive(j, "waitMinutes");
	assert_num(num(w, "p25"), 14);
	assert_num(num(w, "median"), 20);
	assert_num(num(w, "p75"), 26);
	cJSON_Delete(j);

	/* one party of 2 is too few: the list's default, no confidence */
	j = estimate(a, wl, 2, NULL);
	assert_num(num(j, "quotedMinutes"), 25);
	assert_string_equal(test_json_str(j, "source"), "default");
	assert_string_equal(test_json_str(j, "confidence"), "none");
	assert_num(num(j, "parties"), 1);
	cJSON_Delete(j);

	/* at 20:30 only the three 60-minute waits: still too few */
	at(a, now + HOUR_MS);
	j = estimate(a, wl, 4, NULL);
	assert_string_equal(test_json_str(j, "source"), "default");
	assert_num(num(j, "parties"), 3);
	cJSON_Delete(j);
	/* in Tokyo (UTC+9) it is 05:30: the hour is said in local time, the
	 * history is the same instants of the past days */
	j = estimate(a, wl, 4, "&tz=Asia/Tokyo");
	assert_string_equal(test_json_str(j, "timezone"), "Asia/Tokyo");
	assert_num(num(j, "hour"), 5);
	assert_num(num(j, "parties"), 3);
	cJSON_Delete(j);

	/* the owner changes the default: it shows on the list and in the estimate */
	{
		char *path = test_strf("/waitlists/%s", wl);
		struct hr h = http(a, "PUT", path, "{\"defaultQuoteMinutes\":35}");

		want_status(&h, 200);
		assert_num(num(h.j, "defaultQuoteMinutes"), 35);
		hr_free(&h);
		h = http(a, "GET", path, NULL);
		want_status(&h, 200);
		assert_num(num(h.j, "defaultQuoteMinutes"), 35);
		hr_free(&h);
		free(path);
	}
	j = estimate(a, wl, 2, NULL);
	assert_num(num(j, "quotedMinutes"), 35);
	cJSON_Delete(j);
	/* a list without its own default says the built-in 15 */
	{
		struct hr h = http(a, "POST", "/waitlists", "{\"name\":\"Plain\"}");

		want_status(&h, 201);
		assert_num(num(h.j, "defaultQuoteMinutes"), 15);
		hr_free(&h);
	}

	/* the add answers with the suggestion for the party it added */
	at(a, now);
	{
		char *path = test_strf("/waitlists/%s/waitees", wl);
		struct hr h = http(a, "POST", path, "{\"name\":\"Walk-in\",\"partySize\":4}");
		const cJSON *e;

		want_status(&h, 201);
		e = cJSON_GetObjectItemCaseSensitive(h.j, "estimate");
		assert_non_null(e);
		assert_num(num(e, "quotedMinutes"), 20);
		assert_string_equal(test_json_str(e, "confidence"), "medium");
		assert_string_equal(test_json_str(h.j, "name"), "Walk-in");
		hr_free(&h);
		/* a party quoted by the host: no suggestion asked for */
		h = http(a, "POST", path, "{\"name\":\"Quoted\",\"partySize\":4,\"quotedMinutes\":30}");
		want_status(&h, 201);
		assert_null(cJSON_GetObjectItemCaseSensitive(h.j, "estimate"));
		assert_num(num(h.j, "quotedMinutes"), 30);
		hr_free(&h);
		free(path);
	}
}

/* Asks the estimate for size n times (so every maitred thread that answers
 * has it cached, handlers/estcache.h) and asserts each says source, parties
 * and zone. */
static void estimate_says(struct api *a, const char *wl, int size, const char *source, int parties,
			  const char *zone, int hour)
{
	int i;

	for (i = 0; i < 12; i++) {
		cJSON *j = estimate(a, wl, size, NULL);

		assert_string_equal(test_json_str(j, "source"), source);
		assert_num(num(j, "parties"), parties);
		assert_string_equal(test_json_str(j, "timezone"), zone);
		assert_num(num(j, "hour"), hour);
		cJSON_Delete(j);
	}
}

/* Estimates are cached per thread, yet a seat and a restaurant's new time
 * zone show in the very next answer (this process invalidates its cache on
 * both): five parties of 3 seated turn the default into history, and a
 * move to Tokyo (UTC+9) turns 19:30 UTC into 04:30. An add's suggestion is
 * the same cached estimate. */
static void test_estimate_follows_changes(void **state)
{
	struct api *a = *state;
	int64_t now = a->today + 19 * HOUR_MS + 30 * MIN_MS;
	struct hr h;
	char wl[32], *path;
	int i;

	at(a, real_ms());
	new_list(a, "{\"name\":\"Cached\",\"defaultQuoteMinutes\":25}", wl);
	at(a, now);
	estimate_says(a, wl, 3, "default", 0, "UTC", 19);
	for (i = 0; i < 5; i++)
		served(a, wl, a->today + 19 * HOUR_MS + i * MIN_MS, 3, 0, 10 + i);
	at(a, now);
	estimate_says(a, wl, 3, "history", 5, "UTC", 19);

	h = http(a, "PUT", "/restaurant", "{\"timezone\":\"Asia/Tokyo\"}");
	want_status(&h, 200);
	hr_free(&h);
	/* 04:30 in Tokyo: the seats above were at 04:xx there too, same instants */
	estimate_says(a, wl, 3, "history", 5, "Asia/Tokyo", 4);
	path = test_strf("/waitlists/%s/waitees", wl);
	h = http(a, "POST", path, "{\"name\":\"Walk-in\",\"partySize\":3}");
	want_status(&h, 201);
	assert_string_equal(test_json_str(cJSON_GetObjectItemCaseSensitive(h.j, "estimate"), "timezone"), "Asia/Tokyo");
	assert_num(num(cJSON_GetObjectItemCaseSensitive(h.j, "estimate"), "parties"), 5);
	hr_free(&h);
	free(path);
	h = http(a, "PUT", "/restaurant", "{\"timezone\":\"UTC\"}");
	want_status(&h, 200);
	hr_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_day),
		cmocka_unit_test(test_stats_refusals),
		cmocka_unit_test(test_estimate_history),
		cmocka_unit_test(test_estimate_follows_changes),
	};

	return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
