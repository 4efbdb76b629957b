/* POST /register with a restaurantName leaves no restaurant record behind
 * when the account is refused, on SQLite and on DynamoDB (dynalite):
 * test-register-orphan sqlite|dynamodb. The handler writes the record
 * first (under a new tenant id) and the account second; a spy on the
 * store's operations notes the tenant id the record was written under, so
 * the test can look for it afterwards (nothing else names that id).
 * - taken_email: the e-mail exists (in another case): 409, no record for
 *   the refused tenant; the first owner's record is untouched;
 * - store_failure: the account's write fails (MT_EIO): an error answer, no
 *   record; the same registration then succeeds (nothing was lost);
 * - no_name: without restaurantName nothing is written before the account. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/config.h"
#include "core/error.h"
#include "core/id.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"
#include "store/store.h"
#include "../tools/dynalite.h"

#define T0 1764330000000LL   /* fake clock start, ms */

static struct test_store_env env;   /* SQLite or DynamoDB (dynalite) this run */

/* One test's world. */
struct fx {
	char dir[64];                      /* temporary directory (SQLite) */
	struct mt_ctx ctx;                 /* handler context */
	int64_t now;                       /* fake clock, epoch ms */
	const struct store_ops *real;      /* the store's own operations */
	struct store_ops spy;              /* the same, with the two spies below */
	char put_tenant[MT_ID_SIZE];       /* tenant of the last restaurant_put ("" = none) */
	int puts;                          /* restaurant_put calls */
	int fail_user_create;              /* 1: user_create answers MT_EIO without writing */
};

static struct fx *cur;   /* the running test's world, for the spies */

/* The fake clock's reader. */
static int64_t fx_now(void *data)
{
	return *(int64_t *)data;
}

/* Spy: notes the tenant, then the real restaurant_put. */
static int spy_restaurant_put(struct store *s, struct mt_restaurant *r, int64_t expected_version)
{
	snprintf(cur->put_tenant, sizeof cur->put_tenant, "%s", r->id);
	cur->puts++;
	return cur->real->restaurant_put(s, r, expected_version);
}

/* Spy: fails when asked to, else the real user_create. */
static int spy_user_create(struct store *s, struct mt_user *u)
{
	if (cur->fail_user_create)
		return MT_EIO;
	return cur->real->user_create(s, u);
}

/* Opens a fresh store behind the spies. */
static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char url[512], *cause = NULL;

	assert_non_null(f);
	assert_int_equal(mt_sodium_init(), 0);
	assert_int_equal(test_store_url(&env, "register", f->dir, sizeof f->dir, url, sizeof url), 0);
	if (store_open(url, &f->ctx.store, &cause) != 0)
		fail_msg("store_open %s: %s", url, cause ? cause : "?");
	f->now = T0;
	f->ctx.clock.now_ms = fx_now;
	f->ctx.clock.data = &f->now;
	store_set_clock(f->ctx.store, &f->ctx.clock);
	assert_int_equal(f->ctx.store->ops->init_schema(f->ctx.store), 0);
	mt_config_defaults(&f->ctx.cfg);
	randombytes_buf(f->ctx.cfg.jwt_secret, 64);
	f->ctx.cfg.jwt_secret_len = 64;
	f->real = f->ctx.store->ops;
	f->spy = *f->real;
	f->spy.restaurant_put = spy_restaurant_put;
	f->spy.user_create = spy_user_create;
	f->ctx.store->ops = &f->spy;
	cur = f;
	*state = f;
	return 0;
}

/* Closes the store (its own operations again) and removes the directory. */
static int fx_teardown(void **state)
{
	struct fx *f = *state;

	f->ctx.store->ops = f->real;
	store_close(f->ctx.store);
	if (test_store_dir_remove(f->dir) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	cur = NULL;
	free(f);
	return 0;
}

/* POST /register with body; returns the status, the tenant of a 201 in tenant (when given). */
static int do_register(struct fx *f, const char *body, char tenant[MT_ID_SIZE])
{
	cJSON *ev = cJSON_CreateObject(), *h, *rc, *http, *resp, *j;
	int st;

	assert_non_null(ev);
	cJSON_AddStringToObject(ev, "version", "2.0");
	cJSON_AddStringToObject(ev, "routeKey", "POST /register");
	cJSON_AddStringToObject(ev, "rawPath", "/register");
	cJSON_AddStringToObject(ev, "rawQueryString", "");
	h = cJSON_AddObjectToObject(ev, "headers");
	cJSON_AddStringToObject(h, "content-type", "application/json");
	rc = cJSON_AddObjectToObject(ev, "requestContext");
	http = cJSON_AddObjectToObject(rc, "http");
	cJSON_AddStringToObject(http, "method", "POST");
	cJSON_AddStringToObject(http, "path", "/register");
	cJSON_AddStringToObject(http, "sourceIp", "127.0.0.1");
	cJSON_AddStringToObject(rc, "requestId", "test");
	cJSON_AddStringToObject(ev, "body", body);
	cJSON_AddBoolToObject(ev, "isBase64Encoded", 0);
	f->put_tenant[0] = '\0';
	resp = handler_register(&f->ctx, ev);
	cJSON_Delete(ev);
	assert_non_null(resp);
	st = mt_resp_status(resp);
	if (tenant != NULL) {
		tenant[0] = '\0';
		j = cJSON_Parse(mt_resp_body(resp));
		if (st == 201 && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "tenantId")))
			snprintf(tenant, MT_ID_SIZE, "%s", cJSON_GetObjectItemCaseSensitive(j, "tenantId")->valuestring);
		cJSON_Delete(j);
	}
	cJSON_Delete(resp);
	return st;
}

/* The e-mail exists: 409, and the refused registration's record is gone. */
static void test_taken_email(void **state)
{
	struct fx *f = *state;
	struct store *s = f->ctx.store;
	char first[MT_ID_SIZE], refused[MT_ID_SIZE];
	struct mt_restaurant r;

	assert_int_equal(do_register(f, "{\"email\":\"zoe@example.com\",\"password\":\"first passphrase\","
				     "\"name\":\"Zoë\",\"restaurantName\":\"Chez Zoë\"}", first), 201);
	assert_string_equal(f->put_tenant, first);
	assert_int_equal(s->ops->restaurant_get(s, first, &r), 0);
	assert_string_equal(r.name, "Chez Zoë");

	f->now += 1000;
	assert_int_equal(do_register(f, "{\"email\":\"ZOE@example.com\",\"password\":\"other passphrase\","
				     "\"name\":\"Mallory\",\"restaurantName\":\"Not Chez Zoë\"}", NULL), 409);
	assert_int_equal(f->puts, 2);   /* the record was written before the account was refused ... */
	snprintf(refused, sizeof refused, "%s", f->put_tenant);
	assert_true(refused[0] != '\0');
	assert_string_not_equal(refused, first);
	assert_int_equal(s->ops->restaurant_get(s, refused, &r), MT_ENOTFOUND);   /* ... and is gone */
	assert_int_equal(s->ops->restaurant_get(s, first, &r), 0);
	assert_string_equal(r.name, "Chez Zoë");
	assert_int_equal(r.version, 1);
}

/* The account's write fails: an error, no record; then the same registration succeeds. */
static void test_store_failure(void **state)
{
	struct fx *f = *state;
	struct store *s = f->ctx.store;
	const char *body = "{\"email\":\"ana@example.com\",\"password\":\"a passphrase\","
			   "\"name\":\"Ana\",\"restaurantName\":\"Casa Ana\"}";
	char refused[MT_ID_SIZE], tenant[MT_ID_SIZE];
	struct mt_restaurant r;
	int st;

	f->fail_user_create = 1;
	st = do_register(f, body, NULL);
	assert_true(st >= 500);
	snprintf(refused, sizeof refused, "%s", f->put_tenant);
	assert_true(refused[0] != '\0');
	assert_int_equal(s->ops->restaurant_get(s, refused, &r), MT_ENOTFOUND);

	f->fail_user_create = 0;
	f->now += 1000;
	assert_int_equal(do_register(f, body, tenant), 201);
	assert_int_equal(s->ops->restaurant_get(s, tenant, &r), 0);
	assert_string_equal(r.name, "Casa Ana");
}

/* Without restaurantName nothing is written before the account. */
static void test_no_name(void **state)
{
	struct fx *f = *state;

	assert_int_equal(do_register(f, "{\"email\":\"lee@example.com\",\"password\":\"a passphrase\","
				     "\"name\":\"Lee\"}", NULL), 201);
	assert_int_equal(do_register(f, "{\"email\":\"lee@example.com\",\"password\":\"a passphrase\","
				     "\"name\":\"Lee\"}", NULL), 409);
	assert_int_equal(f->puts, 0);
}

/* Runs the tests as cmocka group `group`. */
static int run_group(const char *group)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_taken_email, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_failure, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_name, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name(group, tests, NULL, NULL);
}

int main(int argc, char **argv)
{
	return test_store_main(argc, argv, &env, "register-orphan", run_group);
}
