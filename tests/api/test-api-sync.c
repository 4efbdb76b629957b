/* What several host terminals and a retrying client need, over HTTP against
 * a real maitred (tests/common harness; store from MAITRE_TEST_STORE_URL or
 * SQLite, so the same binary runs on both stores): undo of a finished party,
 * list ETags with If-None-Match -> 304, and Idempotency-Key on creates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <pthread.h>

#include "harness.h"

#define HOOK_SECRET "sync-test-hook-secret-0123456789"

/* The server and two restaurants' owner tokens, shared by the tests of this file. */
struct api {
	struct test_server srv;   /* running maitred */
	char *token;              /* "Bearer ..." of restaurant A's owner */
	char *token_b;            /* "Bearer ..." of restaurant B's owner */
};

/* Starts maitred and registers two restaurants. */
static int api_setup(void **state)
{
	struct api *a = calloc(1, sizeof *a);

	/* a delivery that failed under load (busy store) is retried after 1 s:
	 * a failed message is hidden for the retry backoff (base 10 s, then 20 s:
	 * longer than the test waits), a crashed batch for the visibility (60 s) */
	static const char *const env[] = { "MAITRE_SMS_HOOK_SECRET=" HOOK_SECRET, "MAITRE_QUEUE_VISIBILITY_SECONDS=1",
					   "MAITRE_RETRY_BASE_SECONDS=1",
					   /* sending limits are not what these tests check (tests/api/test-api-limits.c does) */
					   "MAITRE_SMS_NEW_RESTAURANT_DAY=0", "MAITRE_SMS_PER_NUMBER_HOUR=0",
					   "MAITRE_SMS_PER_PARTY_HOUR=0", "MAITRE_SMS_RESTAURANT_DAY=0", NULL };
	struct test_server_opts o = { .env = env };

	if (a == NULL || test_server_start(&a->srv, &o) != 0)
		return -1;
	if (test_register_and_login(&a->srv, NULL, NULL, "Owner A", &a->token, NULL) != 0 ||
	    test_register_and_login(&a->srv, NULL, NULL, "Owner B", &a->token_b, NULL) != 0)
		return -1;
	*state = a;
	return 0;
}

/* Stops maitred and removes its directory. */
static int api_teardown(void **state)
{
	struct api *a = *state;

	free(a->token);
	free(a->token_b);
	test_server_free(&a->srv);
	free(a);
	return 0;
}

/* A response with its JSON body parsed. */
struct hr {
	struct test_resp r;   /* raw response */
	cJSON *j;             /* parsed body or NULL */
};

/* Sends a request as `token` with optional extra headers; fails the test on transport errors. */
static struct hr http_as(struct api *a, const char *token, const char *method, const char *path, const char *body,
			 const char *const *headers)
{
	struct hr h;

	memset(&h, 0, sizeof h);
	if (test_http(&a->srv, method, path, token, body, headers, &h.r) != 0)
		fail_msg("%s %s: no answer", method, path);
	h.j = test_resp_json(&h.r);
	return h;
}

/* Sends a request as restaurant A's owner. */
static struct hr http(struct api *a, const char *method, const char *path, const char *body,
		      const char *const *headers)
{
	return http_as(a, a->token, method, path, body, headers);
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

/* Asserts a JSON error answer {error, message, field?} and frees it. */
static void want_error(struct hr *h, long status, const char *code, const char *field)
{
	want_status(h, status);
	assert_non_null(h->j);
	assert_string_equal(test_json_str(h->j, "error"), code);
	assert_non_null(test_json_str(h->j, "message"));
	if (field != NULL)
		assert_string_equal(test_json_str(h->j, "field"), field);
	hr_free(h);
}

/* 1 when member k of o is JSON null. */
static int jnull(const cJSON *o, const char *k)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* Creates a waitlist as `token`; its id goes to out. */
static void new_list_as(struct api *a, const char *token, const char *name, char out[32])
{
	char *body = test_strf("{\"name\":\"%s\"}", name);
	struct hr h = http_as(a, token, "POST", "/waitlists", body, NULL);

	free(body);
	want_status(&h, 201);
	snprintf(out, 32, "%s", test_json_str(h.j, "id"));
	hr_free(&h);
}

/* Adds a waitee; its id goes to out. */
static void new_waitee(struct api *a, const char *wl, const char *body, char out[32])
{
	char *path = test_strf("/waitlists/%s/waitees", wl);
	struct hr h = http(a, "POST", path, body, NULL);

	free(path);
	want_status(&h, 201);
	snprintf(out, 32, "%s", test_json_str(h.j, "id"));
	hr_free(&h);
}

/* PUTs body on a waitee and returns the answer. */
static struct hr put_waitee(struct api *a, const char *wl, const char *id, const char *body)
{
	char *path = test_strf("/waitlists/%s/waitees/%s", wl, id);
	struct hr h = http(a, "PUT", path, body, NULL);

	free(path);
	return h;
}

/* Seat, cancel, no-show and undo each within the window; the undone party
 * is back in its place; moves an undo would not make are refused. */
static void test_api_undo(void **state)
{
	struct api *a = *state;
	char wl[32], p1[32], p2[32], p3[32];
	struct hr h;

	new_list_as(a, a->token, "Undo", wl);
	new_waitee(a, wl, "{\"name\":\"First\",\"partySize\":2}", p1);
	new_waitee(a, wl, "{\"name\":\"Second\",\"partySize\":4}", p2);
	new_waitee(a, wl, "{\"name\":\"Third\"}", p3);

	h = put_waitee(a, wl, p1, "{\"status\":\"waiting\"}");   /* active: no undo record */
	want_status(&h, 200);
	assert_true(jnull(h.j, "finishedAt"));
	assert_true(jnull(h.j, "previousStatus"));
	hr_free(&h);

	h = put_waitee(a, wl, p1, "{\"status\":\"seated\"}");
	want_status(&h, 200);
	assert_string_equal(test_json_str(h.j, "previousStatus"), "waiting");
	assert_true(test_json_num(h.j, "finishedAt", 0) > 0);
	assert_true(test_json_num(h.j, "seatedAt", 0) > 0);
	hr_free(&h);
	h = put_waitee(a, wl, p1, "{\"status\":\"confirmed\"}");   /* not what it was */
	want_error(&h, 409, "invalid_transition", "status");
	h = put_waitee(a, wl, p1, "{\"status\":\"waiting\"}");
	want_status(&h, 200);
	assert_string_equal(test_json_str(h.j, "status"), "waiting");
	assert_int_equal((int)test_json_num(h.j, "position", -1), 1);   /* back in first place */
	assert_true(jnull(h.j, "seatedAt"));
	assert_true(jnull(h.j, "timeToLive"));
	assert_true(jnull(h.j, "finishedAt"));
	assert_true(jnull(h.j, "previousStatus"));
	hr_free(&h);

	/* confirmed, then cancelled: the undo restores confirmed */
	h = put_waitee(a, wl, p2, "{\"status\":\"confirmed\"}");
	want_status(&h, 200);
	hr_free(&h);
	h = put_waitee(a, wl, p2, "{\"status\":\"cancelled\"}");
	want_status(&h, 200);
	assert_string_equal(test_json_str(h.j, "previousStatus"), "confirmed");
	hr_free(&h);
	h = put_waitee(a, wl, p2, "{\"status\":\"confirmed\"}");
	want_status(&h, 200);
	assert_string_equal(test_json_str(h.j, "status"), "confirmed");
	assert_int_equal((int)test_json_num(h.j, "position", -1), 2);
	hr_free(&h);

	/* no_show: undo with If-Match, a stale one is 412 */
	h = put_waitee(a, wl, p3, "{\"status\":\"no_show\"}");
	want_status(&h, 200);
	{
		char *path = test_strf("/waitlists/%s/waitees/%s", wl, p3);
		const char *stale[] = { "If-Match: \"1\"", NULL };
		char ifm[64];
		const char *cur[] = { ifm, NULL };
		struct hr u;

		snprintf(ifm, sizeof ifm, "If-Match: %s", test_resp_header(&h.r, "etag"));
		u = http(a, "PUT", path, "{\"status\":\"waiting\"}", stale);
		want_error(&u, 412, "version_mismatch", NULL);
		u = http(a, "PUT", path, "{\"status\":\"waiting\"}", cur);
		want_status(&u, 200);
		assert_string_equal(test_json_str(u.j, "status"), "waiting");
		assert_int_equal((int)test_json_num(u.j, "position", -1), 3);
		hr_free(&u);
		free(path);
	}
	hr_free(&h);
	/* the record is the server's */
	h = put_waitee(a, wl, p3, "{\"previousStatus\":\"seated\"}");
	want_error(&h, 400, "read_only", "previousStatus");
}

/* Sleeps ms milliseconds. */
static void sleep_ms(long ms)
{
	usleep((useconds_t)ms * 1000);
}

/* GETs path with If-None-Match: tag (NULL = none) as token. */
static struct hr get_inm(struct api *a, const char *token, const char *path, const char *tag)
{
	char hdr[128];
	const char *headers[] = { hdr, NULL };

	snprintf(hdr, sizeof hdr, "If-None-Match: %s", tag ? tag : "");
	return http_as(a, token, "GET", path, NULL, tag ? headers : NULL);
}

/* Asserts a list answer's strong tag ("<32 hex>") and copies it to out. */
static void want_tag(const struct hr *h, char out[64])
{
	const char *t = test_resp_header(&h->r, "etag");
	size_t i;

	if (t == NULL)
		fail_msg("no ETag on %ld %s", h->r.status, h->r.body);
	assert_int_equal(strlen(t), 34);
	assert_int_equal(t[0], '"');
	assert_int_equal(t[33], '"');
	for (i = 1; i < 33; i++)
		assert_non_null(strchr("0123456789abcdef", t[i]));
	snprintf(out, 64, "%s", t);
}

/* Prints the tail of maitred's log and fails the test with msg. */
static void fail_with_log(struct api *a, const char *msg)
{
	char *log = test_server_log(&a->srv);
	size_t n = log ? strlen(log) : 0;

	/* every line but the request lines (the notifier's and the queue's story), then the tail */
	for (const char *l = log; l != NULL && *l; ) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);

		char *line = strndup(l, len);

		if (line != NULL && strstr(line, "\"msg\":\"request\"") == NULL)
			fprintf(stderr, "%s\n", line);
		free(line);
		l = e ? e + 1 : NULL;
	}
	fail_msg("%s; maitred log tail:\n%s", msg, log ? log + (n > 3000 ? n - 3000 : 0) : "(none)");
}

/* Waits (up to 30 s: retries under the sanitizers on a busy machine) until a
 * party's latest notification was delivered (lastResult "sent"). */
static void wait_sent(struct api *a, const char *wl, const char *id)
{
	char *path = test_strf("/waitlists/%s/waitees/%s", wl, id);
	int i, sent = 0;

	for (i = 0; i < 600 && !sent; i++) {
		struct hr h = http(a, "GET", path, NULL, NULL);
		const char *r = test_json_str(h.j, "lastResult");

		sent = r != NULL && strcmp(r, "sent") == 0;
		hr_free(&h);
		if (!sent)
			sleep_ms(50);
	}
	free(path);
	if (!sent)
		fail_with_log(a, "the notification was not delivered within 30 s");
}

/* 1 when maitred has its embedded queue (the SQLite store; DynamoDB runs
 * here without SQS, so notifications are off). */
static int has_queue(struct api *a)
{
	struct hr h = http_as(a, NULL, "GET", "/healthz", NULL, NULL);
	int sqlite;

	want_status(&h, 200);
	sqlite = strcmp(test_json_str(h.j, "store"), "sqlite") == 0;
	hr_free(&h);
	return sqlite;
}

/* Asserts a 304: no body, the same tag. */
static void want_304(struct hr *h, const char *tag)
{
	want_status(h, 304);
	assert_int_equal(h->r.body_len, 0);
	assert_string_equal(test_resp_header(&h->r, "etag"), tag);
	hr_free(h);
}

/* GET /waitlists and .../waitees: tag, 304 on a match (from the cache too),
 * a new tag after each kind of change (a field, a position, a new party, the
 * notifier's move), per query; 404 before 304 for another restaurant. */
static void test_api_etag(void **state)
{
	struct api *a = *state;
	char wl[32], other[32], p1[32], p2[32], t0[64], t1[64], t2[64], ta[64], tp[64];
	char *coll, *item;
	struct hr h;
	int i, notified = 0, seen_changes = 0, queue;

	/* GET /waitlists */
	new_list_as(a, a->token, "Tags", wl);
	h = get_inm(a, a->token, "/waitlists", NULL);
	want_status(&h, 200);
	want_tag(&h, t0);
	hr_free(&h);
	h = get_inm(a, a->token, "/waitlists", t0);
	want_304(&h, t0);
	h = get_inm(a, a->token, "/waitlists", "\"nope\", W/\"x\"");
	want_status(&h, 200);
	hr_free(&h);
	{
		char weak[80];

		snprintf(weak, sizeof weak, "\"x\", W/%s", t0);   /* weak comparison, in a list */
		h = get_inm(a, a->token, "/waitlists", weak);
		want_304(&h, t0);
	}
	h = http(a, "PUT", (item = test_strf("/waitlists/%s", wl)), "{\"description\":\"patio\"}", NULL);
	want_status(&h, 200);
	hr_free(&h);
	free(item);
	h = get_inm(a, a->token, "/waitlists", t0);
	want_status(&h, 200);
	want_tag(&h, t1);
	assert_string_not_equal(t0, t1);
	hr_free(&h);
	h = get_inm(a, a->token, "/waitlists?limit=1", t1);   /* another query, another answer */
	want_status(&h, 200);
	hr_free(&h);
	/* restaurant B's lists are another answer; A's tag never gives B a 304 */
	new_list_as(a, a->token_b, "B's", other);
	h = get_inm(a, a->token_b, "/waitlists", t1);
	want_status(&h, 200);
	hr_free(&h);

	/* GET .../waitees */
	coll = test_strf("/waitlists/%s/waitees", wl);
	new_waitee(a, wl, "{\"name\":\"One\",\"phoneNumber\":\"+15551230001\"}", p1);
	new_waitee(a, wl, "{\"name\":\"Two\"}", p2);
	queue = has_queue(a);
	if (queue)
		wait_sent(a, wl, p1);   /* the "joined" text changes One in the background: let it land */
	h = get_inm(a, a->token, coll, NULL);
	want_status(&h, 200);
	want_tag(&h, t0);
	hr_free(&h);
	for (i = 0; i < 6; i++) {   /* repeated polls: rendered once, then from the list cache */
		h = get_inm(a, a->token, coll, t0);
		want_304(&h, t0);
	}
	/* another restaurant, same list id and tag: 404, never 304; no token: 401 */
	h = get_inm(a, a->token_b, coll, t0);
	want_error(&h, 404, "not_found", NULL);
	{
		struct test_resp r;
		const char *hd[] = { "If-None-Match: *", NULL };

		assert_int_equal(test_http(&a->srv, "GET", coll, NULL, NULL, hd, &r), 0);
		assert_int_equal(r.status, 401);
		test_resp_free(&r);
	}
	/* a field of one party */
	h = put_waitee(a, wl, p2, "{\"notes\":\"window\"}");
	want_status(&h, 200);
	hr_free(&h);
	h = get_inm(a, a->token, coll, t0);
	want_status(&h, 200);
	want_tag(&h, t1);
	assert_string_not_equal(t0, t1);
	hr_free(&h);
	/* the tag is the content's: ?status=active holds the same two parties
	 * (same bytes, same tag), ?status=seated none (another tag) */
	item = test_strf("%s?status=seated", coll);
	h = get_inm(a, a->token, item, t1);
	want_status(&h, 200);
	want_tag(&h, ta);
	assert_string_not_equal(ta, t1);
	hr_free(&h);
	free(item);
	item = test_strf("%s?status=active", coll);
	h = get_inm(a, a->token, item, t1);
	want_304(&h, t1);
	snprintf(ta, sizeof ta, "%s", t1);
	/* only positions change: Two moves up when One is seated */
	h = put_waitee(a, wl, p1, "{\"status\":\"seated\"}");
	want_status(&h, 200);
	hr_free(&h);
	h = get_inm(a, a->token, item, ta);
	want_status(&h, 200);
	want_tag(&h, tp);
	assert_string_not_equal(tp, ta);
	assert_int_equal((int)test_json_num(cJSON_GetArrayItem(h.j, 0), "position", -1), 1);
	hr_free(&h);
	h = get_inm(a, a->token, item, tp);
	want_304(&h, tp);
	free(item);
	/* undo: One is back, a new answer (its version and updatedAt moved on) */
	h = put_waitee(a, wl, p1, "{\"status\":\"waiting\"}");
	want_status(&h, 200);
	hr_free(&h);
	h = get_inm(a, a->token, coll, t1);
	want_status(&h, 200);
	want_tag(&h, t2);
	assert_string_not_equal(t2, t1);
	assert_string_not_equal(t2, tp);
	hr_free(&h);

	/* a guest's reply ("1" = confirm) changes Two in the background */
	h = put_waitee(a, wl, p2, "{\"phoneNumber\":\"+15551230002\"}");
	want_status(&h, 200);
	hr_free(&h);
	h = get_inm(a, a->token, coll, NULL);
	want_status(&h, 200);
	want_tag(&h, t0);
	hr_free(&h);
	{
		struct test_resp r;
		static const char *const form_hdr[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
		static const char form[] = "Body=1&From=%2B15551230002";

		assert_int_equal(test_http_raw(a->srv.base_url, "POST", "/hooks/sms?secret=" HOOK_SECRET, NULL, form,
					       strlen(form), form_hdr, &r), 0);
		assert_int_equal(r.status, 200);
		test_resp_free(&r);
	}
	h = get_inm(a, a->token, coll, t0);
	want_status(&h, 200);
	want_tag(&h, t1);
	assert_string_not_equal(t0, t1);
	assert_string_equal(test_json_str(cJSON_GetArrayItem(h.j, 1), "status"), "confirmed");
	hr_free(&h);
	h = get_inm(a, a->token, coll, t1);
	want_304(&h, t1);
	if (!queue) {
		/* DynamoDB without SQS here: maitred runs without a queue, so no notifier */
		free(coll);
		return;
	}

	/* the notifier moves One to notified in the background ("notify now"):
	 * every answer that differs carries a new tag, and the move shows up.
	 * The reference answer is taken before the POST: the worker may move One
	 * before the first GET after it, which then already says "notified", and
	 * polling that tag saw only 304s (the flake of test_api_etag) */
	h = get_inm(a, a->token, coll, NULL);
	want_status(&h, 200);
	want_tag(&h, t0);
	assert_string_equal(test_json_str(cJSON_GetArrayItem(h.j, 0), "status"), "waiting");
	{
		char *last = strdup(h.r.body);

		hr_free(&h);
		item = test_strf("/waitlists/%s/waitees/%s/notify", wl, p1);
		h = http(a, "POST", item, NULL, NULL);
		want_status(&h, 202);
		hr_free(&h);
		free(item);
		for (i = 0; i < 1200 && !notified; i++) {   /* 60 s: retries under load */
			h = get_inm(a, a->token, coll, t0);
			if (h.r.status == 304) {
				want_304(&h, t0);
				sleep_ms(50);
				continue;
			}
			want_status(&h, 200);
			want_tag(&h, t1);
			assert_string_not_equal(t1, t0);
			assert_string_not_equal(h.r.body, last);   /* a new tag only for a new answer */
			seen_changes++;
			notified = strcmp(test_json_str(cJSON_GetArrayItem(h.j, 0), "status"), "notified") == 0;
			snprintf(t0, sizeof t0, "%s", t1);
			free(last);
			last = strdup(h.r.body);
			hr_free(&h);
		}
		free(last);
	}
	if (!notified)
		fail_with_log(a, "the notifier did not move One within 60 s");
	assert_true(seen_changes >= 1);
	h = get_inm(a, a->token, coll, t0);
	want_304(&h, t0);
	free(coll);
}

/* POSTs body to path as token with Idempotency-Key: key (sent empty when key is ""). */
static struct hr post_key(struct api *a, const char *token, const char *path, const char *body, const char *key)
{
	char hdr[320];
	const char *headers[] = { hdr, NULL };

	if (key[0] == '\0')
		snprintf(hdr, sizeof hdr, "Idempotency-Key;");   /* curl's way to send an empty header */
	else
		snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key);
	return http_as(a, token, "POST", path, body, headers);
}

/* Number of parties named name on list wl. */
static int count_named(struct api *a, const char *wl, const char *name)
{
	char *path = test_strf("/waitlists/%s/waitees?limit=500", wl);
	struct hr h = http(a, "GET", path, NULL, NULL);
	int i, n = 0;

	want_status(&h, 200);
	for (i = 0; i < cJSON_GetArraySize(h.j); i++)
		n += strcmp(test_json_str(cJSON_GetArrayItem(h.j, i), "name"), name) == 0;
	hr_free(&h);
	free(path);
	return n;
}

/* Number of waitlists of token's restaurant named name. */
static int count_lists(struct api *a, const char *token, const char *name)
{
	struct hr h = http_as(a, token, "GET", "/waitlists?limit=500", NULL, NULL);
	int i, n = 0;

	want_status(&h, 200);
	for (i = 0; i < cJSON_GetArraySize(h.j); i++)
		n += strcmp(test_json_str(cJSON_GetArrayItem(h.j, i), "name"), name) == 0;
	hr_free(&h);
	return n;
}

/* Replays, other bodies, other restaurants, bad keys, and a replay across a restart. */
static void test_api_idempotency(void **state)
{
	struct api *a = *state;
	static const char list_body[] = "{\"name\":\"Idem room\",\"description\":\"x\"}";
	char first_id[32], wl[32], party[32], key[300], *coll, *first_body;
	struct hr h;

	/* POST /waitlists: the lost answer comes back, nothing created twice */
	h = post_key(a, a->token, "/waitlists", list_body, "list-key-1");
	want_status(&h, 201);
	assert_null(test_resp_header(&h.r, "idempotent-replayed"));
	snprintf(first_id, sizeof first_id, "%s", test_json_str(h.j, "id"));
	first_body = strdup(h.r.body);
	hr_free(&h);
	h = post_key(a, a->token, "/waitlists", list_body, "list-key-1");
	want_status(&h, 201);
	assert_string_equal(h.r.body, first_body);
	assert_string_equal(test_resp_header(&h.r, "idempotent-replayed"), "true");
	assert_non_null(strstr(test_resp_header(&h.r, "location"), first_id));
	assert_string_equal(test_resp_header(&h.r, "etag"), "\"1\"");
	hr_free(&h);
	free(first_body);
	assert_int_equal(count_lists(a, a->token, "Idem room"), 1);
	/* same key, other body or other route: 422, nothing created */
	h = post_key(a, a->token, "/waitlists", "{\"name\":\"Idem room\",\"description\":\"y\"}", "list-key-1");
	want_error(&h, 422, "idempotency_key_reused", "Idempotency-Key");
	coll = test_strf("/waitlists/%s/waitees", first_id);
	h = post_key(a, a->token, coll, "{\"name\":\"Guest\"}", "list-key-1");
	want_error(&h, 422, "idempotency_key_reused", "Idempotency-Key");
	assert_int_equal(count_named(a, first_id, "Guest"), 0);
	assert_int_equal(count_lists(a, a->token, "Idem room"), 1);
	/* another restaurant's same key is its own */
	h = post_key(a, a->token_b, "/waitlists", list_body, "list-key-1");
	want_status(&h, 201);
	assert_null(test_resp_header(&h.r, "idempotent-replayed"));
	assert_string_not_equal(test_json_str(h.j, "id"), first_id);
	hr_free(&h);
	assert_int_equal(count_lists(a, a->token_b, "Idem room"), 1);

	/* bad keys: 400 naming the header, nothing created */
	h = post_key(a, a->token, coll, "{\"name\":\"Bad key\"}", "");
	want_error(&h, 400, "invalid_header", "Idempotency-Key");
	memset(key, 'k', 256);
	key[256] = '\0';
	h = post_key(a, a->token, coll, "{\"name\":\"Bad key\"}", key);
	want_error(&h, 400, "invalid_header", "Idempotency-Key");
	h = post_key(a, a->token, coll, "{\"name\":\"Bad key\"}", "tab\there");
	want_error(&h, 400, "invalid_header", "Idempotency-Key");
	h = post_key(a, a->token, coll, "{\"name\":\"Bad key\"}", "two words");
	want_error(&h, 400, "invalid_header", "Idempotency-Key");
	h = post_key(a, a->token, coll, "{\"name\":\"Bad key\"}", "caf\xc3\xa9");
	want_error(&h, 400, "invalid_header", "Idempotency-Key");
	assert_int_equal(count_named(a, first_id, "Bad key"), 0);
	key[255] = '\0';   /* 255 bytes: the longest key */
	h = post_key(a, a->token, coll, "{\"name\":\"Long key\"}", key);
	want_status(&h, 201);
	hr_free(&h);
	h = post_key(a, a->token, coll, "{\"name\":\"Long key\"}", key);
	want_status(&h, 201);
	assert_string_equal(test_resp_header(&h.r, "idempotent-replayed"), "true");
	hr_free(&h);
	assert_int_equal(count_named(a, first_id, "Long key"), 1);
	/* a refused body never takes the key: the corrected request with it goes through */
	h = post_key(a, a->token, coll, "{\"name\":\"\",\"partySize\":2}", "fix-me");
	want_error(&h, 400, "invalid_field", "name");
	h = post_key(a, a->token, coll, "{\"name\":\"Fixed\",\"partySize\":2}", "fix-me");
	want_status(&h, 201);
	assert_null(test_resp_header(&h.r, "idempotent-replayed"));
	hr_free(&h);

	/* POST .../waitees: answer lost, maitred restarted, the retry gets the same party */
	snprintf(wl, sizeof wl, "%s", first_id);
	h = post_key(a, a->token, coll, "{\"name\":\"Lost answer\",\"partySize\":3}",
		     "4f1d2c3b-0a9e-4b8c-9d7e-6f5a4b3c2d1e");
	want_status(&h, 201);
	snprintf(party, sizeof party, "%s", test_json_str(h.j, "id"));
	hr_free(&h);
	assert_int_equal(test_server_restart(&a->srv), 0);
	h = post_key(a, a->token, coll, "{\"name\":\"Lost answer\",\"partySize\":3}",
		     "4f1d2c3b-0a9e-4b8c-9d7e-6f5a4b3c2d1e");
	want_status(&h, 201);
	assert_string_equal(test_json_str(h.j, "id"), party);
	assert_string_equal(test_resp_header(&h.r, "idempotent-replayed"), "true");
	hr_free(&h);
	assert_int_equal(count_named(a, wl, "Lost answer"), 1);
	free(coll);
}

/* One of the concurrent replays. */
struct race_arg {
	struct api *a;               /* server and token */
	const char *path;            /* where to POST */
	pthread_barrier_t *go;       /* all start together */
	long status;                 /* answer */
	char id[32];                 /* created id (201) */
	char error[64];              /* error code (409) */
};

/* Thread body: waits for the others, then POSTs the same key and body. */
static void *race_post(void *p)
{
	struct race_arg *r = p;
	const char *headers[] = { "Idempotency-Key: race-1", NULL };
	struct test_resp resp;
	cJSON *j;

	pthread_barrier_wait(r->go);
	if (test_http(&r->a->srv, "POST", r->path, r->a->token, "{\"name\":\"Racer\",\"partySize\":2}", headers,
		      &resp) != 0)
		return NULL;
	r->status = resp.status;
	j = test_resp_json(&resp);
	snprintf(r->id, sizeof r->id, "%s", test_json_str(j, "id") ? test_json_str(j, "id") : "");
	snprintf(r->error, sizeof r->error, "%s", test_json_str(j, "error") ? test_json_str(j, "error") : "");
	cJSON_Delete(j);
	test_resp_free(&resp);
	return NULL;
}

/* Eight clients replay one create at the same moment: one party; every
 * answer is the party (201) or 409 idempotency_in_progress; a later replay
 * gets the party. */
static void test_api_idempotency_concurrent(void **state)
{
	struct api *a = *state;
	struct race_arg r[8];
	pthread_t th[8];
	pthread_barrier_t go;
	char wl[32], *coll, id[32] = "";
	int i, created = 0, busy = 0;
	struct hr h;

	new_list_as(a, a->token, "Race", wl);
	coll = test_strf("/waitlists/%s/waitees", wl);
	assert_int_equal(pthread_barrier_init(&go, NULL, 8), 0);
	for (i = 0; i < 8; i++) {
		memset(&r[i], 0, sizeof r[i]);
		r[i].a = a;
		r[i].path = coll;
		r[i].go = &go;
		assert_int_equal(pthread_create(&th[i], NULL, race_post, &r[i]), 0);
	}
	for (i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	for (i = 0; i < 8; i++) {
		if (r[i].status == 201) {
			if (id[0] == '\0')
				snprintf(id, sizeof id, "%s", r[i].id);
			assert_string_equal(r[i].id, id);
			created++;
		} else {
			if (r[i].status != 409 || strcmp(r[i].error, "idempotency_in_progress") != 0)
				fail_msg("racer %d: %ld %s", i, r[i].status, r[i].error);
			busy++;
		}
	}
	assert_true(created >= 1);
	assert_int_equal(created + busy, 8);
	assert_int_equal(count_named(a, wl, "Racer"), 1);
	{
		const char *headers[] = { "Idempotency-Key: race-1", NULL };

		h = http(a, "POST", coll, "{\"name\":\"Racer\",\"partySize\":2}", headers);
		want_status(&h, 201);
		assert_string_equal(test_json_str(h.j, "id"), id);
		hr_free(&h);
	}
	assert_int_equal(count_named(a, wl, "Racer"), 1);
	free(coll);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_undo),
		cmocka_unit_test(test_api_etag),
		cmocka_unit_test(test_api_idempotency),
		cmocka_unit_test(test_api_idempotency_concurrent),
	};

	return cmocka_run_group_tests_name("api-sync", tests, api_setup, api_teardown);
}
