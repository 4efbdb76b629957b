/* Tenancy over HTTP against a real maitred: owner B (another restaurant)
 * gets 404 for each of owner A's waitlists and waitees, for every method
 * (GET/PUT/DELETE list, GET/POST waitees, GET/PUT/DELETE waitee, POST
 * notify), with exactly the body a missing id gets; afterwards A's records
 * are unchanged and B's listings hold nothing of A's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"

#define MISSING_ID "01HZZZZZZZZZZZZZZZZZZZZZZZ"

/* Two owners of two restaurants on one server. */
struct ten {
	struct test_server srv;   /* running maitred */
	char *tok_a;              /* owner A's "Bearer ..." */
	char *tok_b;              /* owner B's "Bearer ..." */
	char wl_a[32];            /* A's waitlist */
	char we_a[32];            /* a waitee on it */
	char wl_b[32];            /* B's own waitlist */
};

/* Sends one request as tok; returns status, *body (malloc'd) when wanted. */
static long req(struct ten *t, const char *tok, const char *method, const char *path, const char *body,
		char **out)
{
	struct test_resp r;
	long status;

	if (test_http(&t->srv, method, path, tok, body, NULL, &r) != 0)
		fail_msg("%s %s: no answer", method, path);
	status = r.status;
	if (out != NULL) {
		*out = strdup(r.body);
		assert_non_null(*out);
	}
	test_resp_free(&r);
	return status;
}

/* Creates something as tok, returning its id in out. */
static void create(struct ten *t, const char *tok, const char *path, const char *body, char out[32])
{
	struct test_resp r;
	cJSON *j;

	assert_int_equal(test_http(&t->srv, "POST", path, tok, body, NULL, &r), 0);
	if (r.status != 201)
		fail_msg("POST %s: %ld %s", path, r.status, r.body);
	j = test_resp_json(&r);
	assert_non_null(j);
	snprintf(out, 32, "%s", test_json_str(j, "id"));
	cJSON_Delete(j);
	test_resp_free(&r);
}

/* Starts maitred, registers two owners, gives A a list with a waitee. */
static int ten_setup(void **state)
{
	struct ten *t = calloc(1, sizeof *t);
	char *p;

	if (t == NULL || test_server_start(&t->srv, NULL) != 0)
		return -1;
	if (test_register_and_login(&t->srv, NULL, NULL, "Owner A", &t->tok_a, NULL) != 0 ||
	    test_register_and_login(&t->srv, NULL, NULL, "Owner B", &t->tok_b, NULL) != 0)
		return -1;
	create(t, t->tok_a, "/waitlists", "{\"name\":\"A's dining room\"}", t->wl_a);
	p = test_strf("/waitlists/%s/waitees", t->wl_a);
	create(t, t->tok_a, p, "{\"name\":\"A's guest\",\"phoneNumber\":\"+15551234567\",\"partySize\":3}", t->we_a);
	free(p);
	create(t, t->tok_b, "/waitlists", "{\"name\":\"B's bar\"}", t->wl_b);
	*state = t;
	return 0;
}

/* Stops maitred. */
static int ten_teardown(void **state)
{
	struct ten *t = *state;

	free(t->tok_a);
	free(t->tok_b);
	test_server_free(&t->srv);
	free(t);
	return 0;
}

/* One probe: method, path template (%1$s list, %2$s waitee) and body. */
struct probe {
	const char *method;   /* HTTP method */
	const char *suffix;   /* after /waitlists/LIST: "", "/waitees", "/waitees/ID", "/waitees/ID/notify" */
	const char *body;     /* request body or NULL */
};

static const struct probe probes[] = {
	{ "GET", "", NULL },
	{ "PUT", "", "{\"name\":\"hijacked\"}" },
	{ "DELETE", "", NULL },
	{ "GET", "/waitees", NULL },
	{ "POST", "/waitees", "{\"name\":\"intruder\"}" },
	{ "GET", "/waitees/%s", NULL },
	{ "PUT", "/waitees/%s", "{\"name\":\"hijacked\",\"status\":\"cancelled\"}" },
	{ "DELETE", "/waitees/%s", NULL },
	{ "POST", "/waitees/%s/notify", NULL },
};

/* Builds /waitlists/LIST + suffix with the waitee id filled in. */
static char *probe_path(const struct probe *p, const char *wl, const char *we)
{
	char suffix[128];

	if (strstr(p->suffix, "%s") != NULL) {
		const char *pct = strstr(p->suffix, "%s");

		snprintf(suffix, sizeof suffix, "%.*s%s%s", (int)(pct - p->suffix), p->suffix, we, pct + 2);
	} else {
		snprintf(suffix, sizeof suffix, "%s", p->suffix);
	}
	return test_strf("/waitlists/%s%s", wl, suffix);
}

/* B's probe p on list wl / waitee we answers 404 with the same body as on
 * miss_wl / miss_we (where nothing exists); fails the test otherwise. */
static void probe_like_missing(struct ten *t, const struct probe *p, const char *wl, const char *we,
			       const char *miss_wl, const char *miss_we)
{
	char *path = probe_path(p, wl, we);
	char *miss = probe_path(p, miss_wl, miss_we);
	char *body = NULL, *want = NULL;
	long st_miss = req(t, t->tok_b, p->method, miss, p->body, &want);
	long st = req(t, t->tok_b, p->method, path, p->body, &body);

	assert_int_equal(st_miss, 404);
	if (st != 404 || strcmp(body, want) != 0)
		fail_msg("B %s %s: %ld %s (a missing id gives %s)", p->method, path, st, body, want);
	free(body);
	free(want);
	free(path);
	free(miss);
}

/* B gets 404 for A's list and waitee on every route, with a missing id's body. */
static void test_tenancy_every_method(void **state)
{
	struct ten *t = *state;
	size_t i;

	for (i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		const struct probe *p = &probes[i];

		probe_like_missing(t, p, t->wl_a, t->we_a, MISSING_ID, MISSING_ID);
		/* A's waitee id through B's own list */
		if (strstr(p->suffix, "%s") != NULL)
			probe_like_missing(t, p, t->wl_b, t->we_a, t->wl_b, MISSING_ID);
	}
}

/* After all of B's attempts, A's records are as they were and B sees none of them. */
static void test_tenancy_nothing_changed(void **state)
{
	struct ten *t = *state;
	char *path, *body;
	cJSON *j;
	int i;

	path = test_strf("/waitlists/%s", t->wl_a);
	assert_int_equal(req(t, t->tok_a, "GET", path, NULL, &body), 200);
	j = cJSON_Parse(body);
	assert_non_null(j);
	assert_string_equal(test_json_str(j, "name"), "A's dining room");
	assert_int_equal((int)test_json_num(j, "version", -1), 1);
	cJSON_Delete(j);
	free(body);
	free(path);

	path = test_strf("/waitlists/%s/waitees", t->wl_a);
	assert_int_equal(req(t, t->tok_a, "GET", path, NULL, &body), 200);
	j = cJSON_Parse(body);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(j), 1); /* B's POST added nothing */
	assert_string_equal(test_json_str(cJSON_GetArrayItem(j, 0), "id"), t->we_a);
	assert_string_equal(test_json_str(cJSON_GetArrayItem(j, 0), "name"), "A's guest");
	assert_string_equal(test_json_str(cJSON_GetArrayItem(j, 0), "status"), "waiting");
	assert_int_equal((int)test_json_num(cJSON_GetArrayItem(j, 0), "partySize", -1), 3);
	assert_string_equal(test_json_str(cJSON_GetArrayItem(j, 0), "phoneNumber"), "+15551234567");
	/* (its version may have moved: the joined notification is server bookkeeping) */
	cJSON_Delete(j);
	free(body);
	free(path);

	assert_int_equal(req(t, t->tok_b, "GET", "/waitlists", NULL, &body), 200);
	j = cJSON_Parse(body);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(j), 1);
	assert_string_equal(test_json_str(cJSON_GetArrayItem(j, 0), "id"), t->wl_b);
	cJSON_Delete(j);
	free(body);
	assert_int_equal(req(t, t->tok_a, "GET", "/waitlists", NULL, &body), 200);
	j = cJSON_Parse(body);
	assert_non_null(j);
	for (i = 0; i < cJSON_GetArraySize(j); i++)
		assert_string_not_equal(test_json_str(cJSON_GetArrayItem(j, i), "id"), t->wl_b);
	cJSON_Delete(j);
	free(body);
	path = test_strf("/waitlists/%s/waitees", t->wl_b);
	assert_int_equal(req(t, t->tok_b, "GET", path, NULL, &body), 200);
	assert_string_equal(body, "[]");
	free(body);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenancy_every_method),
		cmocka_unit_test(test_tenancy_nothing_changed),
	};
	return cmocka_run_group_tests(tests, ten_setup, ten_teardown);
}
