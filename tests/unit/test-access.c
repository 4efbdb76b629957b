/* The permission table (handlers/access.c): every protected route of
 * daemon/routes.c has exactly one row and every row names a protected
 * route; role names map to bits; mt_access_check answers 403 forbidden or
 * 403 password_change_required from an event's routeKey and authorizer
 * context. The matrix over HTTP, on both stores: tests/api/test-api-roles.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "apigw/apigw.h"
#include "daemon/maitred.h"
#include "handlers/access.h"

/* Every protected route has one row; no row for an open route or none at all. */
static void test_access_table_matches_routes(void **state)
{
	const struct mt_access_rule *a, *b;
	const struct route *r;
	int rows = 0, protected_routes = 0;

	(void)state;
	for (r = maitred_routes; r->method != NULL; r++) {
		if (!r->protected) {
			assert_null(mt_access_find(r->route_key));
			continue;
		}
		protected_routes++;
		if (mt_access_find(r->route_key) == NULL)
			fail_msg("protected route '%s' has no row in handlers/access.c", r->route_key);
	}
	for (a = mt_access_rules; a->route_key != NULL; a++) {
		int found = 0;

		rows++;
		assert_true(a->roles != 0);
		assert_true((a->roles & MT_ACCESS_OWNER) != 0);   /* the owner may do everything */
		for (b = a + 1; b->route_key != NULL; b++)
			assert_string_not_equal(a->route_key, b->route_key);
		for (r = maitred_routes; r->method != NULL; r++)
			if (r->protected && strcmp(r->route_key, a->route_key) == 0)
				found = 1;
		if (!found)
			fail_msg("row '%s' of handlers/access.c names no protected route", a->route_key);
	}
	assert_int_equal(rows, protected_routes);
}

/* Role names to bits; anything else is no role. */
static void test_access_roles(void **state)
{
	(void)state;
	assert_int_equal(mt_access_role_bit("owner"), MT_ACCESS_OWNER);
	assert_int_equal(mt_access_role_bit("manager"), MT_ACCESS_MANAGER);
	assert_int_equal(mt_access_role_bit("host"), MT_ACCESS_HOST);
	assert_int_equal(mt_access_role_bit("Owner"), 0);
	assert_int_equal(mt_access_role_bit(""), 0);
	assert_int_equal(mt_access_role_bit(NULL), 0);
	assert_true(mt_access_allowed("POST /waitlists", "owner"));
	assert_true(mt_access_allowed("POST /waitlists", "manager"));
	assert_false(mt_access_allowed("POST /waitlists", "host"));
	assert_true(mt_access_allowed("GET /waitlists", "host"));
	assert_true(mt_access_allowed("POST /waitlists/{waitlistId}/waitees/{waiteeId}/notify", "host"));
	assert_false(mt_access_allowed("GET /nowhere", "owner"));
	assert_false(mt_access_allowed("GET /waitlists", "admin"));
}

/* A route event with an authorizer context (NULL values left out). */
static cJSON *access_event(const char *route, const char *role, const char *pwc)
{
	cJSON *e = cJSON_CreateObject(), *rc, *au, *lam;

	cJSON_AddStringToObject(e, "routeKey", route);
	rc = cJSON_AddObjectToObject(e, "requestContext");
	au = cJSON_AddObjectToObject(rc, "authorizer");
	lam = cJSON_AddObjectToObject(au, "lambda");
	cJSON_AddStringToObject(lam, "tenantId", "01HZZZZZZZZZZZZZZZZZZZZZZZ");
	if (role != NULL)
		cJSON_AddStringToObject(lam, "role", role);
	if (pwc != NULL)
		cJSON_AddStringToObject(lam, MT_ACCESS_PW_CHANGE_KEY, pwc);
	return e;
}

/* Checks one event: expected status (0 = allowed) and error code. */
static void access_expect(const char *route, const char *role, const char *pwc, int status, const char *code)
{
	cJSON *e = access_event(route, role, pwc);
	cJSON *resp = mt_access_check(e), *body;

	if (status == 0) {
		if (resp != NULL)
			fail_msg("%s as %s: refused, expected allowed", route, role ? role : "(none)");
	} else {
		assert_non_null(resp);
		assert_int_equal(mt_resp_status(resp), status);
		body = cJSON_Parse(mt_resp_body(resp));
		assert_non_null(body);
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(body, "error")->valuestring, code);
		cJSON_Delete(body);
	}
	cJSON_Delete(resp);
	cJSON_Delete(e);
}

/* The check: roles, missing role, a route without a row (404), password change pending. */
static void test_access_check(void **state)
{
	(void)state;
	access_expect("POST /waitlists", "owner", NULL, 0, NULL);
	access_expect("POST /waitlists", "manager", NULL, 0, NULL);
	access_expect("POST /waitlists", "host", NULL, 403, "forbidden");
	access_expect("DELETE /waitlists/{waitlistId}", "host", NULL, 403, "forbidden");
	access_expect("GET /waitlists/{waitlistId}", "host", NULL, 0, NULL);
	access_expect("PUT /waitlists/{waitlistId}/waitees/{waiteeId}", "host", NULL, 0, NULL);
	access_expect("GET /waitlists", NULL, NULL, 403, "forbidden");
	access_expect("GET /waitlists", "root", NULL, 403, "forbidden");
	access_expect("GET /nowhere", "owner", NULL, 404, "no_route");
	access_expect("GET /waitlists", "owner", "0", 0, NULL);
	access_expect("GET /waitlists", "host", "1", 403, "password_change_required");
	access_expect("GET /waitlists", "owner", "1", 403, "password_change_required");
	/* a pending change wins over the role refusal: the account learns what to do */
	access_expect("POST /waitlists", "host", "1", 403, "password_change_required");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_table_matches_routes),
		cmocka_unit_test(test_access_roles),
		cmocka_unit_test(test_access_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
