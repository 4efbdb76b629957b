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

	if (a == NULL || test_server_start(&a->srv, NULL) != 0)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_undo),
	};

	return cmocka_run_group_tests_name("api-sync", tests, api_setup, api_teardown);
}
