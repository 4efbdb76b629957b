/* Handler tests for register, token, refresh, logout and the authorizer:
 * API Gateway v2 events built here, a real SQLite store in a temporary
 * directory, and a fake clock the tests move forward. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/config.h"
#include "core/error.h"
#include "core/id.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"
#include "store/store.h"

#define T0 1764330000000LL   /* fake clock start, ms */

/* Everything a test needs: a store, a context and a fake clock. */
struct hfix {
	char dir[64];            /* temporary directory holding the database */
	struct mt_ctx ctx;       /* handler context */
	int64_t now;             /* fake clock, epoch ms */
};

/* The fake clock's reader. */
static int64_t fake_now(void *data)
{
	return *(int64_t *)data;
}

/* Opens a SQLite store in a fresh directory and builds the context. */
static int hsetup(void **state)
{
	struct hfix *f = calloc(1, sizeof *f);
	char path[128], *cause = NULL;
	int r;

	assert_non_null(f);
	assert_int_equal(mt_sodium_init(), 0);
	snprintf(f->dir, sizeof f->dir, "/tmp/maitre-authh-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof path, "%s/maitre.db", f->dir);
	r = store_sqlite_open(path, &f->ctx.store, &cause);
	if (r != 0)
		fail_msg("store_sqlite_open: %s", cause ? cause : mt_strerror(r));
	assert_int_equal(f->ctx.store->ops->init_schema(f->ctx.store), 0);
	f->now = T0;
	f->ctx.clock.now_ms = fake_now;
	f->ctx.clock.data = &f->now;
	mt_config_defaults(&f->ctx.cfg);
	randombytes_buf(f->ctx.cfg.jwt_secret, 64);
	f->ctx.cfg.jwt_secret_len = 64;
	*state = f;
	return 0;
}

/* Closes the store and removes the directory. */
static int hteardown(void **state)
{
	struct hfix *f = *state;
	char cmd[128];

	store_close(f->ctx.store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* Builds a v2 event: method, path, raw body (NULL = none), Authorization (NULL = none). */
static cJSON *event(const char *method, const char *path, const char *body, const char *authz)
{
	cJSON *ev = cJSON_CreateObject(), *h, *rc, *http;
	char route[128];

	assert_non_null(ev);
	snprintf(route, sizeof route, "%s %s", method, path);
	cJSON_AddStringToObject(ev, "version", "2.0");
	cJSON_AddStringToObject(ev, "routeKey", route);
	cJSON_AddStringToObject(ev, "rawPath", path);
	cJSON_AddStringToObject(ev, "rawQueryString", "");
	h = cJSON_AddObjectToObject(ev, "headers");
	cJSON_AddStringToObject(h, "content-type", "application/json");
	if (authz)
		cJSON_AddStringToObject(h, "authorization", authz);
	rc = cJSON_AddObjectToObject(ev, "requestContext");
	http = cJSON_AddObjectToObject(rc, "http");
	cJSON_AddStringToObject(http, "method", method);
	cJSON_AddStringToObject(http, "path", path);
	cJSON_AddStringToObject(http, "sourceIp", "127.0.0.1");
	cJSON_AddStringToObject(rc, "requestId", "test");
	if (body)
		cJSON_AddStringToObject(ev, "body", body);
	cJSON_AddBoolToObject(ev, "isBase64Encoded", 0);
	return ev;
}

/* A handler's answer: status, body text and parsed body. */
struct answer {
	int status;              /* statusCode */
	char body[4096];         /* body text */
	char retry_after[32];    /* retry-after header or "" */
	cJSON *json;             /* parsed body, NULL when empty */
};

/* Calls fn with a POST of body to path; fills a. */
static void post(struct hfix *f, mt_handler_fn fn, const char *path, const char *body, struct answer *a)
{
	cJSON *ev = event("POST", path, body, NULL), *resp;
	const char *ra;

	resp = fn(&f->ctx, ev);
	assert_non_null(resp);
	memset(a, 0, sizeof *a);
	a->status = mt_resp_status(resp);
	snprintf(a->body, sizeof a->body, "%s", mt_resp_body(resp));
	ra = mt_resp_get_header(resp, "retry-after");
	if (ra)
		snprintf(a->retry_after, sizeof a->retry_after, "%s", ra);
	a->json = a->body[0] ? cJSON_Parse(a->body) : NULL;
	cJSON_Delete(resp);
	cJSON_Delete(ev);
}

/* Frees a parsed answer. */
static void answer_free(struct answer *a)
{
	cJSON_Delete(a->json);
	a->json = NULL;
}

/* String field of an answer's body, or NULL. */
static const char *jstr(const struct answer *a, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a->json, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Registers an account, asserting 201; copies the id and tenant out (may be NULL). */
static void do_register(struct hfix *f, const char *email, const char *pw, char *id, char *tenant)
{
	struct answer a;
	char body[512];

	snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\",\"name\":\"Ana\"}", email, pw);
	post(f, handler_register, "/register", body, &a);
	if (a.status != 201)
		fail_msg("register %s: %d %s", email, a.status, a.body);
	if (id)
		snprintf(id, MT_ID_SIZE, "%s", jstr(&a, "id"));
	if (tenant)
		snprintf(tenant, MT_ID_SIZE, "%s", jstr(&a, "tenantId"));
	answer_free(&a);
}

/* Logs in; returns the status and, on 200, copies the tokens out. */
static int do_login(struct hfix *f, const char *email, const char *pw, char *access, size_t accsz,
		    char *refresh, struct answer *out)
{
	struct answer a;
	char body[512];
	int st;

	snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", email, pw);
	post(f, handler_token, "/auth/get-token", body, &a);
	st = a.status;
	if (st == 200) {
		if (access)
			snprintf(access, accsz, "%s", jstr(&a, "accessToken"));
		if (refresh)
			snprintf(refresh, MT_REFRESH_TOKEN_SIZE, "%s", jstr(&a, "refreshToken"));
	}
	if (out)
		*out = a;
	else
		answer_free(&a);
	return st;
}

/* Posts {"refreshToken": tok} to the refresh or logout handler. */
static int do_refresh(struct hfix *f, mt_handler_fn fn, const char *tok, char *new_refresh, char *access,
		      size_t accsz)
{
	struct answer a;
	char body[512];
	int st;

	snprintf(body, sizeof body, "{\"refreshToken\":\"%s\"}", tok);
	post(f, fn, fn == handler_logout ? "/auth/logout" : "/auth/refresh", body, &a);
	st = a.status;
	if (st == 200 && new_refresh)
		snprintf(new_refresh, MT_REFRESH_TOKEN_SIZE, "%s", jstr(&a, "refreshToken"));
	if (st == 200 && access)
		snprintf(access, accsz, "%s", jstr(&a, "accessToken"));
	if (st == 401)
		assert_string_equal(jstr(&a, "error"), "invalid_refresh_token");
	answer_free(&a);
	return st;
}

/* POST /register: 201 with the account; a new tenant; owner role; hash stored, not the password. */
static void test_register_ok(void **state)
{
	struct hfix *f = *state;
	struct answer a;
	struct mt_user u;

	post(f, handler_register, "/register",
	     "{\"email\":\"Ana.Lopez@Example.COM\",\"password\":\"s3cret-pass\",\"name\":\"Ana López\"}", &a);
	assert_int_equal(a.status, 201);
	assert_true(mt_id_valid(jstr(&a, "id")));
	assert_true(mt_id_valid(jstr(&a, "tenantId")));
	assert_string_not_equal(jstr(&a, "id"), jstr(&a, "tenantId"));
	assert_string_equal(jstr(&a, "email"), "ana.lopez@example.com");
	assert_string_equal(jstr(&a, "name"), "Ana López");
	assert_string_equal(jstr(&a, "role"), "owner");
	assert_null(strstr(a.body, "s3cret-pass"));
	assert_null(strstr(a.body, "argon2"));
	assert_int_equal(f->ctx.store->ops->user_get_by_email(f->ctx.store, "ana.lopez@example.com", &u), 0);
	assert_string_equal(u.id, jstr(&a, "id"));
	assert_string_equal(u.tenant_id, jstr(&a, "tenantId"));
	assert_string_equal(u.role, "owner");
	assert_int_equal(u.created_at, T0);
	assert_memory_equal(u.password_hash, "$argon2id$", 10);
	assert_int_equal(mt_password_verify(u.password_hash, "s3cret-pass"), 0);
	answer_free(&a);
	/* A second owner gets another tenant. */
	{
		char t2[MT_ID_SIZE];

		do_register(f, "bo@example.com", "another-pass", NULL, t2);
		assert_string_not_equal(t2, u.tenant_id);
	}
}

/* POST /register with an existing e-mail (any case): 409 email_taken. */
static void test_register_conflict(void **state)
{
	struct hfix *f = *state;
	struct answer a;

	do_register(f, "dup@example.com", "password1", NULL, NULL);
	post(f, handler_register, "/register",
	     "{\"email\":\"DUP@example.com\",\"password\":\"password2\",\"name\":\"Other\"}", &a);
	assert_int_equal(a.status, 409);
	assert_string_equal(jstr(&a, "error"), "email_taken");
	answer_free(&a);
	/* The first account's password still works, the second's doesn't. */
	assert_int_equal(do_login(f, "dup@example.com", "password1", NULL, 0, NULL, NULL), 200);
	assert_int_equal(do_login(f, "dup@example.com", "password2", NULL, 0, NULL, NULL), 401);
}

/* One bad /register body and the field the 400 must name. */
struct bad_register {
	const char *body;   /* raw request body */
	const char *field;  /* expected "field" (NULL: none expected) */
};

/* POST /register with bad input: 400 naming the field. */
static void test_register_bad(void **state)
{
	struct hfix *f = *state;
	char long_pw[400], long_name[300], body[1024];
	static const struct bad_register cases[] = {
		{ "{\"email\":\"not-an-email\",\"password\":\"password1\",\"name\":\"A\"}", "email" },
		{ "{\"email\":\"a@b\",\"password\":\"password1\",\"name\":\"A\"}", "email" },
		{ "{\"email\":\"\",\"password\":\"password1\",\"name\":\"A\"}", "email" },
		{ "{\"email\":\"a b@example.com\",\"password\":\"password1\",\"name\":\"A\"}", "email" },
		{ "{\"password\":\"password1\",\"name\":\"A\"}", "email" },
		{ "{\"email\":42,\"password\":\"password1\",\"name\":\"A\"}", "email" },
		{ "{\"email\":\"x@example.com\",\"password\":\"short7c\",\"name\":\"A\"}", "password" },
		{ "{\"email\":\"x@example.com\",\"password\":\"\",\"name\":\"A\"}", "password" },
		{ "{\"email\":\"x@example.com\",\"password\":\"ééééééé\",\"name\":\"A\"}", "password" },
		{ "{\"email\":\"x@example.com\",\"password\":12345678,\"name\":\"A\"}", "password" },
		{ "{\"email\":\"x@example.com\",\"name\":\"A\"}", "password" },
		{ "{\"email\":\"x@example.com\",\"password\":\"password1\"}", "name" },
		{ "{\"email\":\"x@example.com\",\"password\":\"password1\",\"name\":\"\"}", "name" },
		{ "{\"email\":\"x@example.com\",\"password\":\"password1\",\"name\":null}", "name" },
		{ "{\"email\":\"x@example.com\",\"password\":\"password1\",\"name\":[\"A\"]}", "name" },
		{ "{\"email\":\"x@example.com\",\"password\":\"password1\",\"name\":\"A\\u0001\"}", "name" },
		{ "{\"email\":\"x@example.com\",\"password\":\"password1\",\"name\":\"A\",\"role\":\"admin\"}", "role" },
		{ "{\"email\":\"x@example.com\",\"password\":\"password1\",\"name\":\"A\",\"tenantId\":\"01JDXYZ0000000000000000000\"}", "tenantId" },
		{ "{\"email\":\"x@example.com\",\"password\":\"password1\",\"name\":\"A\",\"id\":\"x\"}", "id" },
		{ "not json", NULL },
		{ "[1,2,3]", NULL },
		{ "", NULL },
	};
	struct answer a;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		post(f, handler_register, "/register", cases[i].body, &a);
		if (a.status != 400)
			fail_msg("case %zu (%s): status %d %s", i, cases[i].body, a.status, a.body);
		assert_non_null(jstr(&a, "error"));
		assert_non_null(jstr(&a, "message"));
		if (cases[i].field) {
			if (jstr(&a, "field") == NULL || strcmp(jstr(&a, "field"), cases[i].field) != 0)
				fail_msg("case %zu: field %s, want %s (%s)", i, jstr(&a, "field"), cases[i].field, a.body);
		}
		answer_free(&a);
	}
	/* Length limits: 257 characters refused, 256 accepted; 8 two-byte characters accepted. */
	memset(long_pw, 'p', 257);
	long_pw[257] = '\0';
	snprintf(body, sizeof body, "{\"email\":\"lim@example.com\",\"password\":\"%s\",\"name\":\"A\"}", long_pw);
	post(f, handler_register, "/register", body, &a);
	assert_int_equal(a.status, 400);
	assert_string_equal(jstr(&a, "field"), "password");
	answer_free(&a);
	memset(long_name, 'n', 201);
	long_name[201] = '\0';
	snprintf(body, sizeof body, "{\"email\":\"lim@example.com\",\"password\":\"password1\",\"name\":\"%s\"}",
		 long_name);
	post(f, handler_register, "/register", body, &a);
	assert_int_equal(a.status, 400);
	assert_string_equal(jstr(&a, "field"), "name");
	answer_free(&a);
	/* Nothing was created by any of the above. */
	{
		struct mt_user u;

		assert_int_equal(f->ctx.store->ops->user_get_by_email(f->ctx.store, "x@example.com", &u),
				 MT_ENOTFOUND);
		assert_int_equal(f->ctx.store->ops->user_get_by_email(f->ctx.store, "lim@example.com", &u),
				 MT_ENOTFOUND);
	}
	long_pw[256] = '\0';
	do_register(f, "lim@example.com", long_pw, NULL, NULL);
	do_register(f, "utf8@example.com", "éééééééé", NULL, NULL);
	assert_int_equal(do_login(f, "utf8@example.com", "éééééééé", NULL, 0, NULL, NULL), 200);
}

/* POST /auth/get-token: 200 with a Bearer JWT whose claims name the account,
 * expiresIn, and a refresh token of the documented shape. */
static void test_login_ok(void **state)
{
	struct hfix *f = *state;
	char id[MT_ID_SIZE], tenant[MT_ID_SIZE], fam[MT_ID_SIZE], hash[65];
	char access[MT_JWT_MAX + 16], refresh[MT_REFRESH_TOKEN_SIZE];
	struct mt_claims c;
	struct mt_refresh rt;
	struct answer a;
	const char *cause;

	do_register(f, "login@example.com", "correct-pass", id, tenant);
	f->now += 60000;
	assert_int_equal(do_login(f, "LOGIN@example.com", "correct-pass", access, sizeof access, refresh, &a), 200);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(a.json, "expiresIn")));
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(a.json, "expiresIn")->valueint, 900);
	answer_free(&a);
	assert_memory_equal(access, "Bearer ", 7);
	assert_int_equal(mt_jwt_verify(&f->ctx.cfg, access + 7, f->now, &c, &cause), 0);
	assert_string_equal(c.sub, id);
	assert_string_equal(c.tenant_id, tenant);
	assert_string_equal(c.role, "owner");
	assert_int_equal(c.iat, f->now / 1000);
	assert_int_equal(c.exp, f->now / 1000 + 900);
	/* The refresh token is stored by hash only, for this user, for 30 days. */
	assert_int_equal(mt_refresh_parse(refresh, fam, hash), 0);
	assert_int_equal(f->ctx.store->ops->refresh_get(f->ctx.store, fam, hash, &rt), 0);
	assert_string_equal(rt.user_id, id);
	assert_int_equal(rt.used, 0);
	assert_int_equal(rt.expires_at, f->now + 30LL * 86400 * 1000);
	assert_string_not_equal(rt.token_hash, refresh);
}

/* Unknown e-mail and wrong password: the same 401 body, after the same work. */
static void test_login_401_same(void **state)
{
	struct hfix *f = *state;
	struct answer unknown, wrong, malformed;
	struct timespec t0, t1, t2;
	double d_unknown, d_wrong;
	int i;

	do_register(f, "who@example.com", "right-password", NULL, NULL);
	/* Warm up (the first dummy verify also makes the dummy hash). */
	assert_int_equal(do_login(f, "nobody@example.com", "x-password", NULL, 0, NULL, NULL), 401);
	d_unknown = d_wrong = 0;
	for (i = 0; i < 3; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(do_login(f, "nobody@example.com", "right-password", NULL, 0, NULL, &unknown), 401);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_int_equal(do_login(f, "who@example.com", "wrong-password", NULL, 0, NULL, &wrong), 401);
		clock_gettime(CLOCK_MONOTONIC, &t2);
		d_unknown += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		d_wrong += (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
		assert_string_equal(unknown.body, wrong.body);
		assert_string_equal(jstr(&wrong, "error"), "invalid_credentials");
		answer_free(&unknown);
		answer_free(&wrong);
	}
	print_message("3 logins: unknown e-mail %.3f s, wrong password %.3f s\n", d_unknown, d_wrong);
	assert_true(d_unknown > 0.015);   /* hashing work was done */
	assert_true(d_unknown / d_wrong > 0.5 && d_unknown / d_wrong < 2.0);
	/* A malformed e-mail answers the same. */
	assert_int_equal(do_login(f, "no-at-sign", "whatever-pw", NULL, 0, NULL, &malformed), 401);
	assert_string_equal(jstr(&malformed, "error"), "invalid_credentials");
	answer_free(&malformed);
	/* Missing fields are a 400 naming the field. */
	{
		struct answer a;

		post(f, handler_token, "/auth/get-token", "{\"email\":\"who@example.com\"}", &a);
		assert_int_equal(a.status, 400);
		assert_string_equal(jstr(&a, "field"), "password");
		answer_free(&a);
		post(f, handler_token, "/auth/get-token", "{\"email\":1,\"password\":\"x\"}", &a);
		assert_int_equal(a.status, 400);
		assert_string_equal(jstr(&a, "field"), "email");
		answer_free(&a);
	}
}

/* Five failures in 15 minutes: 429 with Retry-After, even for the right
 * password, until the window passes; then login works and the count resets. */
static void test_login_throttle(void **state)
{
	struct hfix *f = *state;
	struct answer a;
	struct mt_user u;
	int i;

	do_register(f, "t@example.com", "right-password", NULL, NULL);
	for (i = 0; i < 5; i++) {
		f->now += 1000;
		assert_int_equal(do_login(f, "t@example.com", "wrong-password", NULL, 0, NULL, NULL), 401);
	}
	assert_int_equal(f->ctx.store->ops->user_get_by_email(f->ctx.store, "t@example.com", &u), 0);
	assert_int_equal(u.failed_logins, 5);
	assert_int_equal(u.fail_window_start, T0 + 1000);
	/* Locked: right password too. Window started at T0+1 s, now T0+5 s: 896 s left. */
	assert_int_equal(do_login(f, "t@example.com", "right-password", NULL, 0, NULL, &a), 429);
	assert_string_equal(a.retry_after, "896");
	assert_string_equal(jstr(&a, "error"), "too_many_attempts");
	answer_free(&a);
	assert_int_equal(do_login(f, "t@example.com", "wrong-password", NULL, 0, NULL, NULL), 429);
	/* 14 minutes later: still locked, about a minute to go. */
	f->now = T0 + 1000 + 14 * 60 * 1000;
	assert_int_equal(do_login(f, "t@example.com", "right-password", NULL, 0, NULL, &a), 429);
	assert_string_equal(a.retry_after, "60");
	answer_free(&a);
	/* The other accounts are not affected. */
	do_register(f, "other@example.com", "other-password", NULL, NULL);
	assert_int_equal(do_login(f, "other@example.com", "other-password", NULL, 0, NULL, NULL), 200);
	/* Window over: the right password works and resets the count. */
	f->now = T0 + 1000 + 15 * 60 * 1000;
	assert_int_equal(do_login(f, "t@example.com", "right-password", NULL, 0, NULL, NULL), 200);
	assert_int_equal(f->ctx.store->ops->user_get_by_email(f->ctx.store, "t@example.com", &u), 0);
	assert_int_equal(u.failed_logins, 0);
	assert_int_equal(u.fail_window_start, 0);
	/* Four failures then a success: no lock afterwards (the success reset it). */
	for (i = 0; i < 4; i++)
		assert_int_equal(do_login(f, "t@example.com", "wrong-password", NULL, 0, NULL, NULL), 401);
	assert_int_equal(do_login(f, "t@example.com", "right-password", NULL, 0, NULL, NULL), 200);
	for (i = 0; i < 4; i++)
		assert_int_equal(do_login(f, "t@example.com", "wrong-password", NULL, 0, NULL, NULL), 401);
	assert_int_equal(do_login(f, "t@example.com", "right-password", NULL, 0, NULL, NULL), 200);
}

/* An e-mail without an account is throttled exactly like an account: the
 * same 401s, then the same 429 with the same Retry-After, the same end of
 * the window; and the store keeps a keyed hash, not the e-mail. */
static void test_login_throttle_unknown(void **state)
{
	struct hfix *f = *state;
	struct answer real, ghost;
	sqlite3 *db;
	sqlite3_stmt *st;
	char path[160];
	int i;

	do_register(f, "real@example.com", "right-password", NULL, NULL);
	for (i = 0; i < 5; i++) {
		f->now += 1000;
		assert_int_equal(do_login(f, "real@example.com", "wrong-password", NULL, 0, NULL, &real), 401);
		assert_int_equal(do_login(f, "Ghost@Example.com", "wrong-password", NULL, 0, NULL, &ghost), 401);
		assert_string_equal(real.body, ghost.body);
		answer_free(&real);
		answer_free(&ghost);
	}
	f->now += 1000;
	assert_int_equal(do_login(f, "real@example.com", "wrong-password", NULL, 0, NULL, &real), 429);
	assert_int_equal(do_login(f, "ghost@example.com", "any-password", NULL, 0, NULL, &ghost), 429);
	assert_string_equal(real.body, ghost.body);
	assert_string_equal(real.retry_after, "895");
	assert_string_equal(ghost.retry_after, real.retry_after);
	answer_free(&real);
	answer_free(&ghost);
	/* another unknown e-mail is not affected */
	assert_int_equal(do_login(f, "ghost2@example.com", "wrong-password", NULL, 0, NULL, NULL), 401);
	/* window over: 401 again, like the account (wrong password) */
	f->now = T0 + 1000 + 15 * 60 * 1000;
	assert_int_equal(do_login(f, "real@example.com", "wrong-password", NULL, 0, NULL, NULL), 401);
	assert_int_equal(do_login(f, "ghost@example.com", "wrong-password", NULL, 0, NULL, NULL), 401);
	/* two e-mail guards and the client address's login and registration
	 * counters (issue 13, findings 4 and 9), none holding the e-mail */
	snprintf(path, sizeof path, "%s/maitre.db", f->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), sum(key LIKE '%ghost%'), min(length(key))"
					    " FROM login_guards", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 4);
	assert_int_equal(sqlite3_column_int(st, 1), 0);
	assert_int_equal(sqlite3_column_int(st, 2), 32);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Refresh rotates within the family; reusing a spent token revokes the family. */
static void test_refresh_rotation_reuse(void **state)
{
	struct hfix *f = *state;
	char r1[MT_REFRESH_TOKEN_SIZE], r2[MT_REFRESH_TOKEN_SIZE], r3[MT_REFRESH_TOKEN_SIZE];
	char s1[MT_REFRESH_TOKEN_SIZE], s2[MT_REFRESH_TOKEN_SIZE];
	char access[MT_JWT_MAX + 16], id[MT_ID_SIZE];
	char fam[MT_ID_SIZE], hash[65];
	struct mt_refresh rt;
	struct mt_claims c;
	const char *cause;

	do_register(f, "r@example.com", "right-password", id, NULL);
	assert_int_equal(do_login(f, "r@example.com", "right-password", NULL, 0, r1, NULL), 200);
	assert_int_equal(do_login(f, "r@example.com", "right-password", NULL, 0, s1, NULL), 200);  /* 2nd session */
	assert_memory_not_equal(r1, s1, MT_ID_LEN);   /* another family */
	f->now += 20 * 60 * 1000;   /* the first access token has expired meanwhile */
	assert_int_equal(do_refresh(f, handler_refresh, r1, r2, access, sizeof access), 200);
	assert_memory_equal(r2, r1, MT_ID_LEN);       /* same family */
	assert_string_not_equal(r2, r1);
	assert_int_equal(mt_jwt_verify(&f->ctx.cfg, access + 7, f->now, &c, &cause), 0);
	assert_string_equal(c.sub, id);
	assert_int_equal(c.iat, f->now / 1000);
	/* r1 is now marked used in the store. */
	assert_int_equal(mt_refresh_parse(r1, fam, hash), 0);
	assert_int_equal(f->ctx.store->ops->refresh_get(f->ctx.store, fam, hash, &rt), 0);
	assert_int_equal(rt.used, 1);
	assert_int_equal(do_refresh(f, handler_refresh, r2, r3, NULL, 0), 200);
	/* Reuse of r1 (spent): 401, and the whole family is revoked... */
	assert_int_equal(do_refresh(f, handler_refresh, r1, NULL, NULL, 0), 401);
	assert_int_equal(f->ctx.store->ops->refresh_get(f->ctx.store, fam, hash, &rt), 0);
	assert_int_equal(rt.family_revoked, 1);
	/* ...so the newest token r3 no longer works either. */
	assert_int_equal(do_refresh(f, handler_refresh, r3, NULL, NULL, 0), 401);
	/* The other session's family is untouched. */
	assert_int_equal(do_refresh(f, handler_refresh, s1, s2, NULL, 0), 200);
	assert_int_equal(do_refresh(f, handler_refresh, s2, NULL, NULL, 0), 200);
}

/* Expired, unknown and malformed refresh tokens: 401; missing: 400. */
static void test_refresh_refused(void **state)
{
	struct hfix *f = *state;
	char r1[MT_REFRESH_TOKEN_SIZE], fake[MT_REFRESH_TOKEN_SIZE], hash[65], fam[MT_ID_SIZE];
	struct answer a;

	do_register(f, "x@example.com", "right-password", NULL, NULL);
	assert_int_equal(do_login(f, "x@example.com", "right-password", NULL, 0, r1, NULL), 200);
	/* A well-formed token never issued (same family, other random part). */
	assert_int_equal(mt_refresh_parse(r1, fam, hash), 0);
	assert_int_equal(mt_refresh_new(fam, fake, hash), 0);
	assert_int_equal(do_refresh(f, handler_refresh, fake, NULL, NULL, 0), 401);
	assert_int_equal(do_refresh(f, handler_refresh, "garbage", NULL, NULL, 0), 401);
	assert_int_equal(do_refresh(f, handler_refresh, "", NULL, NULL, 0), 401);
	post(f, handler_refresh, "/auth/refresh", "{}", &a);
	assert_int_equal(a.status, 400);
	assert_string_equal(jstr(&a, "field"), "refreshToken");
	answer_free(&a);
	post(f, handler_refresh, "/auth/refresh", "{\"refreshToken\":7}", &a);
	assert_int_equal(a.status, 400);
	answer_free(&a);
	/* Expiry: refused once 30 days have passed. */
	f->now += 30LL * 86400 * 1000;
	assert_int_equal(do_refresh(f, handler_refresh, r1, NULL, NULL, 0), 401);
	/* An unknown or forged token did not revoke the family of r1 by accident:
	 * a fresh login works. */
	assert_int_equal(do_login(f, "x@example.com", "right-password", NULL, 0, r1, NULL), 200);
	f->now += 30LL * 86400 * 1000 - 1000;
	assert_int_equal(do_refresh(f, handler_refresh, r1, NULL, NULL, 0), 200);
}

/* Logout revokes the family (204); unknown tokens also answer 204. */
static void test_logout(void **state)
{
	struct hfix *f = *state;
	char r1[MT_REFRESH_TOKEN_SIZE], r2[MT_REFRESH_TOKEN_SIZE], s1[MT_REFRESH_TOKEN_SIZE];
	char fam[MT_ID_SIZE], hash[65], fake[MT_REFRESH_TOKEN_SIZE];
	struct answer a;

	do_register(f, "l@example.com", "right-password", NULL, NULL);
	assert_int_equal(do_login(f, "l@example.com", "right-password", NULL, 0, r1, NULL), 200);
	assert_int_equal(do_login(f, "l@example.com", "right-password", NULL, 0, s1, NULL), 200);
	assert_int_equal(do_refresh(f, handler_refresh, r1, r2, NULL, 0), 200);
	/* Logout with the current token: the family is revoked. */
	post(f, handler_logout, "/auth/logout", "{\"refreshToken\":\"x\"}", &a);
	assert_int_equal(a.status, 204);
	assert_string_equal(a.body, "");
	answer_free(&a);
	assert_int_equal(do_refresh(f, handler_logout, r2, NULL, NULL, 0), 204);
	assert_int_equal(do_refresh(f, handler_refresh, r2, NULL, NULL, 0), 401);
	/* Logging out again, or with an unknown well-formed token: still 204. */
	assert_int_equal(do_refresh(f, handler_logout, r2, NULL, NULL, 0), 204);
	assert_int_equal(mt_refresh_parse(s1, fam, hash), 0);
	assert_int_equal(mt_refresh_new(fam, fake, hash), 0);
	assert_int_equal(do_refresh(f, handler_logout, fake, NULL, NULL, 0), 204);
	/* ...and that forged token (right family id, wrong secret) did not revoke s1's family. */
	assert_int_equal(do_refresh(f, handler_refresh, s1, NULL, NULL, 0), 200);
	/* Missing field: 400. */
	post(f, handler_logout, "/auth/logout", "{}", &a);
	assert_int_equal(a.status, 400);
	assert_string_equal(jstr(&a, "field"), "refreshToken");
	answer_free(&a);
}

/* Calls the authorizer with an Authorization header (NULL = none). */
static cJSON *authorize(struct hfix *f, const char *authz)
{
	cJSON *ev = event("GET", "/waitlists", NULL, authz), *out;

	out = handler_authorizer(&f->ctx, ev);
	cJSON_Delete(ev);
	assert_non_null(out);
	return out;
}

/* Returns 1 if out says isAuthorized true (and then has the context), 0 if
 * false (and has no context). */
static int authorized(const cJSON *out)
{
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(out, "isAuthorized");

	assert_true(cJSON_IsBool(ok));
	if (cJSON_IsFalse(ok)) {
		assert_null(cJSON_GetObjectItemCaseSensitive(out, "context"));
		return 0;
	}
	return 1;
}

/* The authorizer: true with sub/tenantId/role for a valid token; false otherwise. */
static void test_authorizer(void **state)
{
	struct hfix *f = *state;
	char access[MT_JWT_MAX + 16], id[MT_ID_SIZE], tenant[MT_ID_SIZE], lower[MT_JWT_MAX + 16];
	const cJSON *ctxo;
	cJSON *out;

	do_register(f, "az@example.com", "right-password", id, tenant);
	assert_int_equal(do_login(f, "az@example.com", "right-password", access, sizeof access, NULL, NULL), 200);
	out = authorize(f, access);
	assert_int_equal(authorized(out), 1);
	ctxo = cJSON_GetObjectItemCaseSensitive(out, "context");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(ctxo, "sub")->valuestring, id);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(ctxo, "tenantId")->valuestring, tenant);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(ctxo, "role")->valuestring, "owner");
	cJSON_Delete(out);
	/* The scheme is case-insensitive. */
	snprintf(lower, sizeof lower, "bearer %s", access + 7);
	out = authorize(f, lower);
	assert_int_equal(authorized(out), 1);
	cJSON_Delete(out);
	/* identitySource is used when there is no header. */
	{
		cJSON *ev = event("GET", "/waitlists", NULL, NULL), *src = cJSON_AddArrayToObject(ev, "identitySource");

		cJSON_AddItemToArray(src, cJSON_CreateString(access));
		out = handler_authorizer(&f->ctx, ev);
		cJSON_Delete(ev);
		assert_int_equal(authorized(out), 1);
		cJSON_Delete(out);
	}
	/* Refusals. */
	{
		char tampered[MT_JWT_MAX + 16];
		static const char *const bad[] = { "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer x.y.z" };
		size_t i;

		out = authorize(f, NULL);
		assert_int_equal(authorized(out), 0);
		cJSON_Delete(out);
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			out = authorize(f, bad[i]);
			assert_int_equal(authorized(out), 0);
			cJSON_Delete(out);
		}
		/* Token without the scheme. */
		out = authorize(f, access + 7);
		assert_int_equal(authorized(out), 0);
		cJSON_Delete(out);
		snprintf(tampered, sizeof tampered, "%s", access);
		tampered[strlen(tampered) - 2] = tampered[strlen(tampered) - 2] == 'A' ? 'B' : 'A';
		out = authorize(f, tampered);
		assert_int_equal(authorized(out), 0);
		cJSON_Delete(out);
	}
	/* Another key (another deployment): refused. */
	{
		struct mt_config saved = f->ctx.cfg;

		randombytes_buf(f->ctx.cfg.jwt_secret, 64);
		out = authorize(f, access);
		assert_int_equal(authorized(out), 0);
		cJSON_Delete(out);
		f->ctx.cfg = saved;
	}
	/* After 15 minutes the access token has expired. */
	f->now += 15 * 60 * 1000;
	out = authorize(f, access);
	assert_int_equal(authorized(out), 0);
	cJSON_Delete(out);
}

/* One concurrent caller: a handler, a body, and the status it got. */
struct racer {
	struct hfix *f;          /* shared fixture */
	mt_handler_fn fn;        /* handler to call */
	const char *body;        /* request body */
	pthread_barrier_t *go;   /* start line */
	int status;              /* answer */
	char refresh[MT_REFRESH_TOKEN_SIZE];  /* refreshToken of a 200, else "" */
};

/* Thread body: waits at the barrier, then calls the handler once. */
static void *racer_run(void *arg)
{
	struct racer *r = arg;
	struct answer a;

	pthread_barrier_wait(r->go);
	post(r->f, r->fn, "/race", r->body, &a);
	r->status = a.status;
	if (a.status == 200)
		snprintf(r->refresh, sizeof r->refresh, "%s", jstr(&a, "refreshToken"));
	answer_free(&a);
	return NULL;
}

/* Runs n racers at once with the same handler and body. */
static void race(struct hfix *f, mt_handler_fn fn, const char *body, struct racer *rs, int n)
{
	pthread_barrier_t go;
	pthread_t th[16];
	int i;

	assert_true(n <= 16);
	assert_int_equal(pthread_barrier_init(&go, NULL, (unsigned)n), 0);
	for (i = 0; i < n; i++) {
		rs[i] = (struct racer){ .f = f, .fn = fn, .body = body, .go = &go };
		assert_int_equal(pthread_create(&th[i], NULL, racer_run, &rs[i]), 0);
	}
	for (i = 0; i < n; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&go);
}

/* Eight wrong logins at once: every 401 is counted on the record (no lost
 * update), so the account ends up locked. */
static void test_throttle_concurrent(void **state)
{
	struct hfix *f = *state;
	struct racer rs[8];
	struct mt_user u;
	int i, n401 = 0, n429 = 0;

	do_register(f, "race@example.com", "right-password", NULL, NULL);
	race(f, handler_token, "{\"email\":\"race@example.com\",\"password\":\"wrong-password\"}", rs, 8);
	for (i = 0; i < 8; i++) {
		if (rs[i].status == 401)
			n401++;
		else if (rs[i].status == 429)
			n429++;
		else
			fail_msg("racer %d: status %d", i, rs[i].status);
	}
	assert_int_equal(f->ctx.store->ops->user_get_by_email(f->ctx.store, "race@example.com", &u), 0);
	print_message("8 concurrent wrong logins: %d x 401, %d x 429, failed_logins %d\n", n401, n429,
		      (int)u.failed_logins);
	assert_true(n401 >= 5);
	assert_int_equal(u.failed_logins, n401);
	assert_int_equal(do_login(f, "race@example.com", "right-password", NULL, 0, NULL, NULL), 429);
}

/* The same refresh token presented twice at once: at most one rotation
 * succeeds, and the family ends up revoked, so the winner's new token is dead too. */
static void test_refresh_concurrent_reuse(void **state)
{
	struct hfix *f = *state;
	char r1[MT_REFRESH_TOKEN_SIZE], body[256];
	struct racer rs[4];
	int i, n200 = 0;

	do_register(f, "rr@example.com", "right-password", NULL, NULL);
	assert_int_equal(do_login(f, "rr@example.com", "right-password", NULL, 0, r1, NULL), 200);
	snprintf(body, sizeof body, "{\"refreshToken\":\"%s\"}", r1);
	race(f, handler_refresh, body, rs, 4);
	for (i = 0; i < 4; i++) {
		if (rs[i].status == 200)
			n200++;
		else
			assert_int_equal(rs[i].status, 401);
	}
	assert_true(n200 <= 1);
	for (i = 0; i < 4; i++)
		if (rs[i].status == 200)
			assert_int_equal(do_refresh(f, handler_refresh, rs[i].refresh, NULL, NULL, 0), 401);
	assert_int_equal(do_refresh(f, handler_refresh, r1, NULL, NULL, 0), 401);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, hsetup, hteardown)
	const struct CMUnitTest tests[] = {
		T(test_register_ok),
		T(test_register_conflict),
		T(test_register_bad),
		T(test_login_ok),
		T(test_login_401_same),
		T(test_login_throttle),
		T(test_login_throttle_unknown),
		T(test_refresh_rotation_reuse),
		T(test_refresh_refused),
		T(test_logout),
		T(test_authorizer),
		T(test_throttle_concurrent),
		T(test_refresh_concurrent_reuse),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
