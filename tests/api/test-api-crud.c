/* Waitlists and waitees over HTTP against a real maitred (tests/common
 * harness: free loopback port, fresh data directory, store from
 * MAITRE_TEST_STORE_URL or SQLite). Tokens come from the real /register
 * and /auth/get-token routes. Every CRUD route's happy path and error
 * paths: 400s naming fields, 401, 404, 409, 412, 413, paging headers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <pthread.h>

#include "harness.h"

/* The server and an owner's token, shared by the tests of this file. */
struct api {
	struct test_server srv;   /* running maitred */
	char *token;              /* "Bearer ..." of the owner */
};

/* Starts maitred and registers an owner. */
static int api_setup(void **state)
{
	struct api *a = calloc(1, sizeof *a);

	if (a == NULL || test_server_start(&a->srv, NULL) != 0)
		return -1;
	if (test_register_and_login(&a->srv, NULL, NULL, "Owner A", &a->token, NULL) != 0)
		return -1;
	*state = a;
	return 0;
}

/* Stops maitred and removes its directory. */
static int api_teardown(void **state)
{
	struct api *a = *state;

	free(a->token);
	test_server_free(&a->srv);
	free(a);
	return 0;
}

/* A response with its JSON body parsed. */
struct hr {
	struct test_resp r;   /* raw response */
	cJSON *j;             /* parsed body or NULL */
};

/* Sends a request with optional extra headers; fails the test on transport errors. */
static struct hr http(struct api *a, const char *method, const char *path, const char *body,
		      const char *const *headers)
{
	struct hr h;

	memset(&h, 0, sizeof h);
	if (test_http(&a->srv, method, path, a->token, body, headers, &h.r) != 0)
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

/* Asserts the status, printing the body when it differs. */
static void want_status(const struct hr *h, long status)
{
	if (h->r.status != status)
		fail_msg("want HTTP %ld, got %ld: %s", status, h->r.status, h->r.body);
}

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

/* Creates a waitlist; its id goes to out. */
static void new_list(struct api *a, const char *name, char out[32])
{
	char *body = test_strf("{\"name\":\"%s\"}", name);
	struct hr h = http(a, "POST", "/waitlists", body, NULL);

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

/* The waitlist routes: create, get, list, update with If-Match, delete. */
static void test_api_waitlists(void **state)
{
	struct api *a = *state;
	const char *const if1[] = { "If-Match: \"1\"", NULL };
	char id[32], *path, *loc;
	struct hr h;

	h = http(a, "POST", "/waitlists", "{\"name\":\"Main room\",\"description\":\"Ground floor\"}", NULL);
	want_status(&h, 201);
	snprintf(id, sizeof id, "%s", test_json_str(h.j, "id"));
	loc = test_strf("/waitlists/%s", id);
	assert_string_equal(test_resp_header(&h.r, "location"), loc);
	assert_string_equal(test_resp_header(&h.r, "etag"), "\"1\"");
	assert_string_equal(test_json_str(h.j, "name"), "Main room");
	assert_int_equal((int)test_json_num(h.j, "version", -1), 1);
	assert_true(cJSON_IsObject(cJSON_GetObjectItem(h.j, "templates")));
	hr_free(&h);
	path = loc;

	h = http(a, "GET", path, NULL, NULL);
	want_status(&h, 200);
	assert_string_equal(test_json_str(h.j, "description"), "Ground floor");
	hr_free(&h);

	h = http(a, "GET", "/waitlists", NULL, NULL);
	want_status(&h, 200);
	assert_true(cJSON_IsArray(h.j)); /* a bare array, like the original API */
	assert_true(cJSON_GetArraySize(h.j) >= 1);
	hr_free(&h);

	h = http(a, "PUT", path, "{\"name\":\"Patio\"}", if1);
	want_status(&h, 200);
	assert_string_equal(test_json_str(h.j, "name"), "Patio");
	assert_int_equal((int)test_json_num(h.j, "version", -1), 2);
	hr_free(&h);
	h = http(a, "PUT", path, "{\"name\":\"Lost update\"}", if1);
	want_error(&h, 412, "version_mismatch", "version");
	h = http(a, "PUT", path, "{\"name\":\"X\",\"version\":1}", NULL);
	want_error(&h, 412, "version_mismatch", "version");
	h = http(a, "GET", path, NULL, NULL);
	assert_string_equal(test_json_str(h.j, "name"), "Patio");
	hr_free(&h);

	h = http(a, "DELETE", path, NULL, NULL);
	want_status(&h, 204);
	assert_int_equal(h.r.body_len, 0);
	hr_free(&h);
	h = http(a, "GET", path, NULL, NULL);
	want_error(&h, 404, "not_found", NULL);
	h = http(a, "PUT", path, "{\"name\":\"gone\"}", NULL);
	want_error(&h, 404, "not_found", NULL);
	h = http(a, "DELETE", path, NULL, NULL);
	want_error(&h, 404, "not_found", NULL);
	free(path);
}

/* Bad input on the wire: 400s name the field, 413 over 64 KiB, 401 without a token. */
static void test_api_bad_input(void **state)
{
	struct api *a = *state;
	char wl[32], *big, *deep, *path;
	struct test_resp raw;
	struct hr h;
	size_t i;

	h = http(a, "POST", "/waitlists", "{\"description\":\"no name\"}", NULL);
	want_error(&h, 400, "missing_field", "name");
	h = http(a, "POST", "/waitlists", "{\"name\":[\"x\"]}", NULL);
	want_error(&h, 400, "invalid_type", "name");
	h = http(a, "POST", "/waitlists", "{\"name\":\"A\",\"id\":\"01HAAAAAAAAAAAAAAAAAAAAAAA\"}", NULL);
	want_error(&h, 400, "read_only", "id");
	h = http(a, "POST", "/waitlists", "{\"name\":\"A\",\"plan\":\"gold\"}", NULL);
	want_error(&h, 400, "unknown_field", "plan");
	h = http(a, "POST", "/waitlists", "{\"name\": \"A\"", NULL);
	want_error(&h, 400, "invalid_json", NULL);
	/* over 64 KiB */
	big = malloc(70 * 1024);
	assert_non_null(big);
	memcpy(big, "{\"name\":\"", 9);
	memset(big + 9, 'a', 66 * 1024);
	memcpy(big + 9 + 66 * 1024, "\"}", 3);
	h = http(a, "POST", "/waitlists", big, NULL);
	want_status(&h, 413);
	assert_non_null(h.j);
	assert_non_null(test_json_str(h.j, "error"));
	hr_free(&h);
	free(big);
	/* 40 levels deep */
	deep = malloc(128);
	assert_non_null(deep);
	memcpy(deep, "{\"name\":", 8);
	for (i = 0; i < 40; i++)
		deep[8 + i] = '[';
	for (i = 0; i < 40; i++)
		deep[48 + i] = ']';
	memcpy(deep + 88, "}", 2);
	h = http(a, "POST", "/waitlists", deep, NULL);
	want_error(&h, 400, "too_deep", NULL);
	free(deep);
	/* no token, and a garbage one */
	assert_int_equal(test_http(&a->srv, "GET", "/waitlists", NULL, NULL, NULL, &raw), 0);
	assert_int_equal(raw.status, 401);
	test_resp_free(&raw);
	assert_int_equal(test_http(&a->srv, "POST", "/waitlists", "Bearer not.a.jwt", "{\"name\":\"A\"}", NULL, &raw), 0);
	assert_int_equal(raw.status, 401);
	test_resp_free(&raw);

	/* waitee bodies */
	new_list(a, "Bad input", wl);
	path = test_strf("/waitlists/%s/waitees", wl);
	h = http(a, "POST", path, "{\"name\":\"A\",\"phoneNumber\":\"555-1234\"}", NULL);
	want_error(&h, 400, "invalid_field", "phoneNumber");
	h = http(a, "POST", path, "{\"name\":\"A\",\"partySize\":51}", NULL);
	want_error(&h, 400, "invalid_field", "partySize");
	h = http(a, "POST", path, "{\"name\":\"A\",\"partySize\":\"4\"}", NULL);
	want_error(&h, 400, "invalid_type", "partySize");
	h = http(a, "POST", path, "{\"name\":\"A\",\"email\":\"not-an-address\"}", NULL);
	want_error(&h, 400, "invalid_field", "email");
	h = http(a, "POST", path, "{\"name\":\"A\",\"notifyIn\":-5}", NULL);
	want_error(&h, 400, "invalid_field", "notifyIn");
	h = http(a, "POST", path, "{\"name\":\"A\",\"status\":\"seated\"}", NULL);
	want_error(&h, 400, "read_only", "status");
	h = http(a, "POST", path, "{\"name\":\"A\",\"notifiedAt\":1}", NULL);
	want_error(&h, 400, "read_only", "notifiedAt");
	h = http(a, "POST", path, "{\"name\":\"\\u0000\"}", NULL);
	assert_int_equal(h.r.status, 400);
	hr_free(&h);
	/* none of it was written */
	h = http(a, "GET", path, NULL, NULL);
	want_status(&h, 200);
	assert_int_equal(cJSON_GetArraySize(h.j), 0);
	hr_free(&h);
	free(path);
	/* query parameters */
	h = http(a, "GET", "/waitlists?limit=0", NULL, NULL);
	want_error(&h, 400, "invalid_parameter", "limit");
	h = http(a, "GET", "/waitlists?cursor=nonsense!", NULL, NULL);
	want_error(&h, 400, "invalid_cursor", "cursor");
}

/* The waitee routes: original-style create, get, update, status moves, notify, delete. */
static void test_api_waitees(void **state)
{
	struct api *a = *state;
	char wl[32], id[32], id2[32], *coll, *item, *notify;
	const char *const if_stale[] = { "If-Match: 1", NULL };
	int version;
	struct hr h;

	new_list(a, "Waitees", wl);
	coll = test_strf("/waitlists/%s/waitees", wl);
	/* the original client's body: name, phoneNumber, notifyIn */
	h = http(a, "POST", coll, "{\"name\":\"Zo\\u00eb\",\"phoneNumber\":\"+44 20 7946 0958\",\"notifyIn\":15}", NULL);
	want_status(&h, 201);
	snprintf(id, sizeof id, "%s", test_json_str(h.j, "id"));
	assert_string_equal(test_json_str(h.j, "phoneNumber"), "+442079460958");
	assert_string_equal(test_json_str(h.j, "status"), "waiting");
	assert_int_equal((int)test_json_num(h.j, "partySize", -1), 2);
	assert_int_equal((int)test_json_num(h.j, "position", -1), 1);
	{
		double notify_at = test_json_num(h.j, "notifyAt", -1), joined = test_json_num(h.j, "joinedAt", -1);
		long long n = (long long)notify_at;

		assert_int_equal(n % 60000, 0); /* cut to the minute */
		assert_true(notify_at > joined + 14 * 60000.0 && notify_at <= joined + 15 * 60000.0);
	}
	item = test_strf("/waitlists/%s/waitees/%s", wl, id);
	assert_string_equal(test_resp_header(&h.r, "location"), item);
	hr_free(&h);
	new_waitee(a, wl, "{\"name\":\"Ann\",\"partySize\":4,\"email\":\"ann@example.com\",\"quotedMinutes\":20}", id2);

	h = http(a, "GET", item, NULL, NULL);
	want_status(&h, 200);
	assert_string_equal(test_json_str(h.j, "name"), "Zo\xc3\xab");
	{
		/* the ETag is the version (which the notifier may already have moved past 1) */
		char *etag = test_strf("\"%d\"", (int)test_json_num(h.j, "version", -1));

		assert_string_equal(test_resp_header(&h.r, "etag"), etag);
		version = (int)test_json_num(h.j, "version", -1);
		free(etag);
	}
	hr_free(&h);

	/* without If-Match the edit wins over background notification bookkeeping */
	h = http(a, "PUT", item, "{\"partySize\":3,\"notes\":\"booth\"}", NULL);
	want_status(&h, 200);
	assert_int_equal((int)test_json_num(h.j, "partySize", -1), 3);
	assert_string_equal(test_json_str(h.j, "notes"), "booth");
	assert_true((int)test_json_num(h.j, "version", -1) > version);
	hr_free(&h);
	h = http(a, "PUT", item, "{\"partySize\":5}", if_stale);
	want_error(&h, 412, "version_mismatch", "version");
	h = http(a, "PUT", item, "{\"status\":\"notified\"}", NULL);
	want_error(&h, 409, "invalid_transition", "status");
	h = http(a, "PUT", item, "{\"waitlistId\":\"01HAAAAAAAAAAAAAAAAAAAAAAA\"}", NULL);
	want_error(&h, 400, "read_only", "waitlistId");

	/* notify now: 202 with the waitee */
	notify = test_strf("%s/notify", item);
	h = http(a, "POST", notify, NULL, NULL);
	want_status(&h, 202);
	assert_string_equal(test_json_str(h.j, "id"), id);
	assert_true(test_json_num(h.j, "notifyAt", 0) > 0);
	hr_free(&h);

	/* seat the first party: the second moves up */
	h = http(a, "PUT", item, "{\"status\":\"seated\"}", NULL);
	want_status(&h, 200);
	assert_string_equal(test_json_str(h.j, "status"), "seated");
	assert_true(test_json_num(h.j, "seatedAt", 0) > 0);
	assert_true(test_json_num(h.j, "timeToLive", 0) > 0);
	assert_int_equal((int)test_json_num(h.j, "position", -1), 0);
	hr_free(&h);
	h = http(a, "POST", notify, NULL, NULL);
	want_error(&h, 409, "invalid_state", "status");
	h = http(a, "GET", coll, NULL, NULL);
	want_status(&h, 200);
	assert_int_equal(cJSON_GetArraySize(h.j), 2);
	assert_string_equal(test_json_str(cJSON_GetArrayItem(h.j, 0), "id"), id);
	assert_int_equal((int)test_json_num(cJSON_GetArrayItem(h.j, 1), "position", -1), 1);
	hr_free(&h);
	h = http(a, "GET", "/waitlists?limit=500", NULL, NULL);
	want_status(&h, 200);
	hr_free(&h);
	free(coll);
	coll = test_strf("/waitlists/%s/waitees?status=active", wl);
	h = http(a, "GET", coll, NULL, NULL);
	want_status(&h, 200);
	assert_int_equal(cJSON_GetArraySize(h.j), 1);
	assert_string_equal(test_json_str(cJSON_GetArrayItem(h.j, 0), "id"), id2);
	hr_free(&h);

	h = http(a, "DELETE", item, NULL, NULL);
	want_status(&h, 204);
	hr_free(&h);
	h = http(a, "GET", item, NULL, NULL);
	want_error(&h, 404, "not_found", NULL);
	h = http(a, "POST", notify, NULL, NULL);
	want_error(&h, 404, "not_found", NULL);

	/* deleting the list takes its waitees */
	free(item);
	item = test_strf("/waitlists/%s", wl);
	h = http(a, "DELETE", item, NULL, NULL);
	want_status(&h, 204);
	hr_free(&h);
	free(item);
	item = test_strf("/waitlists/%s/waitees/%s", wl, id2);
	h = http(a, "GET", item, NULL, NULL);
	want_error(&h, 404, "not_found", NULL);
	free(item);
	free(coll);
	free(notify);
}

/* Paging over HTTP: follow X-Next-Cursor; the Link header carries the same cursor; positions continue. */
static void test_api_paging(void **state)
{
	struct api *a = *state;
	char wl[32], ids[7][32], *path = NULL, *next = NULL;
	int seen = 0, pages = 0, i;
	struct hr h;

	new_list(a, "Paging", wl);
	for (i = 0; i < 7; i++) {
		char *body = test_strf("{\"name\":\"Party %d\",\"partySize\":%d}", i, i + 1);

		new_waitee(a, wl, body, ids[i]);
		free(body);
	}
	{
		char *p = test_strf("/waitlists/%s/waitees/%s", wl, ids[0]);

		h = http(a, "PUT", p, "{\"status\":\"cancelled\"}", NULL);
		want_status(&h, 200);
		hr_free(&h);
		free(p);
	}
	do {
		const char *nc, *link;

		path = next ? test_strf("/waitlists/%s/waitees?limit=3&cursor=%s", wl, next)
			    : test_strf("/waitlists/%s/waitees?limit=3", wl);
		h = http(a, "GET", path, NULL, NULL);
		want_status(&h, 200);
		for (i = 0; i < cJSON_GetArraySize(h.j); i++) {
			const cJSON *it = cJSON_GetArrayItem(h.j, i);

			assert_string_equal(test_json_str(it, "id"), ids[seen]);
			assert_int_equal((int)test_json_num(it, "position", -1), seen == 0 ? 0 : seen);
			seen++;
		}
		free(next);
		next = NULL;
		nc = test_resp_header(&h.r, "x-next-cursor");
		link = test_resp_header(&h.r, "link");
		if (nc != NULL) {
			assert_non_null(link);
			assert_non_null(strstr(link, "rel=\"next\""));
			assert_non_null(strstr(link, "limit=3"));
			next = strdup(nc);
		}
		hr_free(&h);
		free(path);
		pages++;
	} while (next != NULL && pages < 10);
	assert_int_equal(seen, 7);
	assert_true(pages >= 3);
}

/* GETs path `times` times (new connection each time, so every worker thread
 * of maitred answers some) and asserts each answer's body is `want`. */
static void want_same_list(struct api *a, const char *path, const char *want, int times)
{
	int i;

	for (i = 0; i < times; i++) {
		struct hr h = http(a, "GET", path, NULL, NULL);

		want_status(&h, 200);
		if (strcmp(h.r.body, want) != 0)
			fail_msg("GET %s #%d: answer changed without a write:\n%s\nwas\n%s", path, i, h.r.body, want);
		hr_free(&h);
	}
}

/* GETs path `times` times and asserts every answer names `name` for its first waitee. */
static void want_first_name(struct api *a, const char *path, const char *name, int times)
{
	int i;

	for (i = 0; i < times; i++) {
		struct hr h = http(a, "GET", path, NULL, NULL);

		want_status(&h, 200);
		assert_non_null(h.j);
		assert_true(cJSON_GetArraySize(h.j) > 0);
		if (strcmp(test_json_str(cJSON_GetArrayItem(h.j, 0), "name"), name) != 0)
			fail_msg("GET %s #%d: first waitee is %s, want %s (a stale list?)", path, i,
				 test_json_str(cJSON_GetArrayItem(h.j, 0), "name"), name);
		hr_free(&h);
	}
}

/* Lists are served from maitred's per-thread cache of rendered pages
 * (backend/handlers/listcache.h) between writes. Every kind of write must
 * show in the very next GET on every worker thread: through the API (PUT,
 * POST, DELETE), and on SQLite also a write by another process straight into
 * the database file (the revision is kept by triggers; maitred's copy of the
 * list record may lag such a write by STORE_PEEK_MS). */
static void test_api_list_cache(void **state)
{
	struct api *a = *state;
	char wl[32], ids[3][32], *path, *page2, *item, *first;
	struct hr h;
	int i;

	new_list(a, "Cache", wl);
	for (i = 0; i < 3; i++) {
		char *body = test_strf("{\"name\":\"Cached %d\",\"partySize\":2}", i);

		new_waitee(a, wl, body, ids[i]);
		free(body);
	}
	path = test_strf("/waitlists/%s/waitees", wl);
	item = test_strf("/waitlists/%s/waitees/%s", wl, ids[0]);
	h = http(a, "GET", path, NULL, NULL);
	want_status(&h, 200);
	first = strdup(h.r.body);
	hr_free(&h);
	want_same_list(a, path, first, 12);

	/* an edit through the API */
	h = http(a, "PUT", item, "{\"name\":\"Renamed once\"}", NULL);
	want_status(&h, 200);
	hr_free(&h);
	want_first_name(a, path, "Renamed once", 12);

	/* each page and each filter is its own entry, and each sees writes */
	page2 = test_strf("/waitlists/%s/waitees?status=waiting", wl);
	want_first_name(a, page2, "Renamed once", 8);
	free(page2);
	page2 = test_strf("/waitlists/%s/waitees?limit=1", wl);
	want_first_name(a, page2, "Renamed once", 8);
	h = http(a, "PUT", item, "{\"status\":\"seated\"}", NULL);
	want_status(&h, 200);
	hr_free(&h);
	h = http(a, "GET", page2, NULL, NULL);
	want_status(&h, 200);
	assert_string_equal(test_json_str(cJSON_GetArrayItem(h.j, 0), "status"), "seated");
	hr_free(&h);
	free(page2);
	page2 = test_strf("/waitlists/%s/waitees?status=waiting", wl);
	want_first_name(a, page2, "Cached 1", 8);
	free(page2);

	/* a delete and a create */
	h = http(a, "DELETE", item, NULL, NULL);
	want_status(&h, 204);
	hr_free(&h);
	want_first_name(a, path, "Cached 1", 12);
	free(item);
	item = test_strf("/waitlists/%s/waitees/%s", wl, ids[1]);
	h = http(a, "DELETE", item, NULL, NULL);
	want_status(&h, 204);
	hr_free(&h);
	want_first_name(a, path, "Cached 2", 12);

	/* another process writes the SQLite file directly */
	if (strncmp(a->srv.store_url, "sqlite:", 7) == 0) {
		sqlite3 *db = NULL;
		sqlite3_stmt *st = NULL;

		assert_int_equal(sqlite3_open_v2(a->srv.store_url + 7, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
		sqlite3_busy_timeout(db, 10000);
		assert_int_equal(sqlite3_prepare_v2(db, "UPDATE waitees SET name = 'Changed outside' WHERE id = ?1",
						    -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_text(st, 1, ids[2], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		assert_int_equal(sqlite3_changes(db), 1);
		sqlite3_finalize(st);
		sqlite3_close(db);
		/* maitred may serve its copy of the list's record for up to
		 * STORE_PEEK_MS (100 ms) after another process wrote; allow 2 s */
		for (i = 0; i < 200; i++) {
			h = http(a, "GET", path, NULL, NULL);
			want_status(&h, 200);
			if (strcmp(test_json_str(cJSON_GetArrayItem(h.j, 0), "name"), "Changed outside") == 0)
				i = 1000;
			hr_free(&h);
			if (i < 1000)
				usleep(10000);
		}
		if (i < 1000)
			fail_msg("a write by another process never showed in the list");
		usleep(150000);   /* every worker's copy is older than STORE_PEEK_MS now */
		want_first_name(a, path, "Changed outside", 12);
	}
	free(first);
	free(item);
	free(path);
}

/* One writer of test_api_list_cache_concurrent. */
struct rw_writer {
	struct api *a;
	const char *wl;
	char id[32];       /* its own waitee */
	int t;             /* thread number */
	int stale;         /* GETs after an acknowledged PUT that did not show it */
	int errors;        /* unexpected statuses or bodies */
	char why[512];     /* the first problem */
};

#define RW_WRITES 25
#define RW_WRITERS 4

/* Renames its own waitee RW_WRITES times; after each acknowledged PUT, a GET
 * of the list must show the new name (read your writes, whichever worker
 * thread answers and whatever the others are doing). */
static void *rw_writer_main(void *arg)
{
	struct rw_writer *w = arg;
	char *item = test_strf("/waitlists/%s/waitees/%s", w->wl, w->id);
	char *list = test_strf("/waitlists/%s/waitees", w->wl);
	int k, i;

	for (k = 0; k < RW_WRITES; k++) {
		char name[32], *body;
		struct test_resp r;
		cJSON *j;
		int seen = 0;

		snprintf(name, sizeof name, "w%d-%d", w->t, k);
		body = test_strf("{\"name\":\"%s\"}", name);
		if (test_http(&w->a->srv, "PUT", item, w->a->token, body, NULL, &r) != 0 || r.status != 200) {
			if (!w->errors++)
				snprintf(w->why, sizeof w->why, "PUT %s: %ld %s", name, r.status, r.body ? r.body : "");
			test_resp_free(&r);
			free(body);
			continue;
		}
		test_resp_free(&r);
		free(body);
		if (test_http(&w->a->srv, "GET", list, w->a->token, NULL, NULL, &r) != 0 || r.status != 200 ||
		    (j = test_resp_json(&r)) == NULL) {
			if (!w->errors++)
				snprintf(w->why, sizeof w->why, "GET list: %ld", r.status);
			test_resp_free(&r);
			continue;
		}
		for (i = 0; i < cJSON_GetArraySize(j); i++) {
			const cJSON *it = cJSON_GetArrayItem(j, i);

			if (strcmp(test_json_str(it, "id"), w->id) == 0)
				seen = strcmp(test_json_str(it, "name"), name) == 0;
		}
		if (!seen && !w->stale++)
			snprintf(w->why, sizeof w->why, "after PUT %s the list said: %.200s", name, r.body);
		cJSON_Delete(j);
		test_resp_free(&r);
	}
	free(item);
	free(list);
	return NULL;
}

/* Several clients edit their own party of one list at once while reading
 * the list back: every client sees its acknowledged write in its next GET
 * (the list cache and the store's waitlist copies never serve a page older
 * than a write that was already answered). */
static void test_api_list_cache_concurrent(void **state)
{
	struct api *a = *state;
	struct rw_writer w[RW_WRITERS];
	pthread_t th[RW_WRITERS];
	char wl[32];
	int i;

	new_list(a, "Concurrent", wl);
	memset(w, 0, sizeof w);
	for (i = 0; i < RW_WRITERS; i++) {
		char *body = test_strf("{\"name\":\"w%d-start\",\"partySize\":2}", i);

		w[i].a = a;
		w[i].wl = wl;
		w[i].t = i;
		new_waitee(a, wl, body, w[i].id);
		free(body);
	}
	for (i = 0; i < RW_WRITERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, rw_writer_main, &w[i]), 0);
	for (i = 0; i < RW_WRITERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < RW_WRITERS; i++)
		if (w[i].stale || w[i].errors)
			fail_msg("writer %d: %d stale lists, %d errors; first: %s", i, w[i].stale, w[i].errors, w[i].why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_waitlists),
		cmocka_unit_test(test_api_bad_input),
		cmocka_unit_test(test_api_waitees),
		cmocka_unit_test(test_api_paging),
		cmocka_unit_test(test_api_list_cache),
		cmocka_unit_test(test_api_list_cache_concurrent),
	};
	return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
