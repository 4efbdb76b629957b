/* handler_waitlists and handler_waitees called directly with API Gateway v2
 * events built here (authorizer context filled in), on a real SQLite store
 * in a temporary directory, with a fake clock. Covers every route's happy
 * path and error paths, If-Match, paging with positions, cross-tenant 404s,
 * notifyIn math and lost races. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/id.h"
#include "core/status.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"
#include "store/store.h"

#define TENANT_A "01HAAAAAAAAAAAAAAAAAAAAAAA"
#define TENANT_B "01HBBBBBBBBBBBBBBBBBBBBBBB"
#define MISSING_ID "01HZZZZZZZZZZZZZZZZZZZZZZZ"

/* One test's world: a store in a temp dir, a context, a fake clock. */
struct fx {
	char dir[64];          /* mkdtemp directory */
	char db[128];          /* database path */
	struct store *store;   /* SQLite store */
	struct mt_ctx ctx;     /* handler context */
	int64_t now;           /* fake clock, epoch ms */
};

/* The fake clock reads fx->now. */
static int64_t fx_now(void *data)
{
	return ((struct fx *)data)->now;
}

/* Opens a fresh store; the clock starts 12.345 s into the current real minute
 * (the store's TTL filter uses the real clock, so stay near it). */
static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char *cause = NULL;
	int r;

	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/maitre-crud-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/maitre.db", f->dir);
	r = store_sqlite_open(f->db, &f->store, &cause);
	if (r != 0)
		fail_msg("store_sqlite_open: %s", cause ? cause : "?");
	assert_int_equal(f->store->ops->init_schema(f->store), 0);
	f->now = (int64_t)time(NULL) * 1000;
	f->now = f->now - f->now % 60000 + 12345;
	f->ctx.store = f->store;
	f->ctx.clock.now_ms = fx_now;
	f->ctx.clock.data = f;
	*state = f;
	return 0;
}

/* Closes the store and removes the directory. */
static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char path[200];

	store_close(f->store);
	snprintf(path, sizeof path, "%s/maitre.db", f->dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/maitre.db-wal", f->dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/maitre.db-shm", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A request to build. */
struct req {
	const char *route;          /* routeKey, e.g. "PUT /waitlists/{waitlistId}" */
	const char *tenant;         /* authorizer tenantId, NULL = none */
	const char *role;           /* authorizer role, NULL = "owner" */
	const char *wl;             /* waitlistId path parameter */
	const char *we;             /* waiteeId path parameter */
	const char *body;           /* raw body or NULL */
	const char *if_match;       /* If-Match header or NULL */
	const char *idem_key;       /* Idempotency-Key header or NULL */
	const char *query[6];       /* name, value pairs, NULL-terminated */
};

/* Builds the v2 event for r. */
static cJSON *mk_event(const struct req *r)
{
	cJSON *e = cJSON_CreateObject(), *rc, *http, *h, *pp, *q, *lam;
	const char *sp = strchr(r->route, ' ');
	char method[8] = "";
	char path[200];
	int i;

	assert_non_null(e);
	assert_non_null(sp);
	memcpy(method, r->route, (size_t)(sp - r->route));
	snprintf(path, sizeof path, "/waitlists%s%s%s%s%s%s", r->wl ? "/" : "", r->wl ? r->wl : "",
		 strstr(r->route, "/waitees") ? "/waitees" : "", r->we ? "/" : "", r->we ? r->we : "",
		 strstr(r->route, "/notify") ? "/notify" : "");
	cJSON_AddStringToObject(e, "version", "2.0");
	cJSON_AddStringToObject(e, "routeKey", r->route);
	cJSON_AddStringToObject(e, "rawPath", path);
	h = cJSON_AddObjectToObject(e, "headers");
	cJSON_AddStringToObject(h, "content-type", "application/json");
	if (r->if_match)
		cJSON_AddStringToObject(h, "if-match", r->if_match);
	if (r->idem_key)
		cJSON_AddStringToObject(h, "idempotency-key", r->idem_key);
	pp = cJSON_AddObjectToObject(e, "pathParameters");
	if (r->wl)
		cJSON_AddStringToObject(pp, "waitlistId", r->wl);
	if (r->we)
		cJSON_AddStringToObject(pp, "waiteeId", r->we);
	if (r->query[0]) {
		q = cJSON_AddObjectToObject(e, "queryStringParameters");
		for (i = 0; r->query[i] && r->query[i + 1]; i += 2)
			cJSON_AddStringToObject(q, r->query[i], r->query[i + 1]);
	}
	rc = cJSON_AddObjectToObject(e, "requestContext");
	http = cJSON_AddObjectToObject(rc, "http");
	cJSON_AddStringToObject(http, "method", method);
	cJSON_AddStringToObject(http, "path", path);
	cJSON_AddStringToObject(http, "sourceIp", "127.0.0.1");
	if (r->tenant) {
		lam = cJSON_AddObjectToObject(cJSON_AddObjectToObject(rc, "authorizer"), "lambda");
		cJSON_AddStringToObject(lam, "tenantId", r->tenant);
		cJSON_AddStringToObject(lam, "sub", "01HSUBSUBSUBSUBSUBSUBSUBSU");
		cJSON_AddStringToObject(lam, "role", r->role ? r->role : "owner");
	}
	if (r->body)
		cJSON_AddStringToObject(e, "body", r->body);
	cJSON_AddBoolToObject(e, "isBase64Encoded", 0);
	return e;
}

/* A parsed response. */
struct res {
	int status;          /* statusCode */
	cJSON *resp;         /* whole response object */
	cJSON *json;         /* parsed body, NULL when empty */
};

/* Runs the right handler for r and parses the answer. */
static struct res call(struct fx *f, const struct req *r)
{
	cJSON *e = mk_event(r);
	struct res out;
	const char *b;

	out.resp = strstr(r->route, "/waitees") ? handler_waitees(&f->ctx, e) : handler_waitlists(&f->ctx, e);
	cJSON_Delete(e);
	assert_non_null(out.resp);
	out.status = mt_resp_status(out.resp);
	b = mt_resp_body(out.resp);
	out.json = b[0] ? cJSON_Parse(b) : NULL;
	if (b[0])
		assert_non_null(out.json);
	return out;
}

/* Frees a response. */
static void res_free(struct res *r)
{
	cJSON_Delete(r->resp);
	cJSON_Delete(r->json);
}

/* String member or NULL. */
static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Number member; fails the test when absent. */
static int64_t jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v))
		fail_msg("member %s is not a number", k);
	return (int64_t)v->valuedouble;
}

/* 1 when member k is JSON null. */
static int jnull(const cJSON *o, const char *k)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* Asserts an error answer: status, code and (if not NULL) field. */
static void expect_error(struct res *r, int status, const char *code, const char *field)
{
	if (r->status != status)
		fail_msg("want %d %s, got %d %s", status, code, r->status, mt_resp_body(r->resp));
	assert_non_null(r->json);
	assert_string_equal(jstr(r->json, "error"), code);
	assert_non_null(jstr(r->json, "message"));
	if (field)
		assert_string_equal(jstr(r->json, "field"), field);
	res_free(r);
}

/* Creates a waitlist for tenant; returns its id in out. */
static void make_list(struct fx *f, const char *tenant, const char *name, char out[MT_ID_SIZE])
{
	char body[256];
	struct req q = { .route = "POST /waitlists", .tenant = tenant, .body = body };
	struct res r;

	snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
	r = call(f, &q);
	assert_int_equal(r.status, 201);
	snprintf(out, MT_ID_SIZE, "%s", jstr(r.json, "id"));
	res_free(&r);
	f->now += 1;
}

/* Adds a waitee to a list; returns its id in out. */
static void make_waitee(struct fx *f, const char *tenant, const char *wl, const char *body, char out[MT_ID_SIZE])
{
	struct req q = { .route = "POST /waitlists/{waitlistId}/waitees", .tenant = tenant, .wl = wl, .body = body };
	struct res r = call(f, &q);

	if (r.status != 201)
		fail_msg("create waitee: %d %s", r.status, mt_resp_body(r.resp));
	snprintf(out, MT_ID_SIZE, "%s", jstr(r.json, "id"));
	res_free(&r);
	f->now += 1;
}

/* Reads a waitee straight from the store (server-side fields included). */
static void store_waitee(struct fx *f, const char *wl, const char *id, struct mt_waitee *w)
{
	assert_int_equal(f->store->ops->waitee_get(f->store, wl, id, w), 0);
}

/* POST, GET, list, PUT, DELETE of a waitlist. */
static void test_waitlist_crud(void **state)
{
	struct fx *f = *state;
	struct req q = { .route = "POST /waitlists", .tenant = TENANT_A,
			 .body = "{\"name\":\"Main room\",\"description\":\"Ground floor\","
				 "\"templates\":{\"ready\":\"{name}, come in!\"}}" };
	struct res r;
	char id[MT_ID_SIZE], loc[80];
	int64_t created;

	r = call(f, &q);
	assert_int_equal(r.status, 201);
	snprintf(id, sizeof id, "%s", jstr(r.json, "id"));
	assert_true(mt_id_valid(id));
	snprintf(loc, sizeof loc, "/waitlists/%s", id);
	assert_string_equal(mt_resp_get_header(r.resp, "location"), loc);
	assert_string_equal(mt_resp_get_header(r.resp, "etag"), "\"1\"");
	assert_string_equal(jstr(r.json, "name"), "Main room");
	assert_string_equal(jstr(r.json, "description"), "Ground floor");
	assert_int_equal(jnum(r.json, "version"), 1);
	created = jnum(r.json, "createdAt");
	assert_int_equal(created, f->now);
	assert_int_equal(jnum(r.json, "updatedAt"), f->now);
	assert_string_equal(jstr(cJSON_GetObjectItem(r.json, "templates"), "ready"), "{name}, come in!");
	assert_true(jnull(cJSON_GetObjectItem(r.json, "templates"), "joined"));
	assert_null(cJSON_GetObjectItem(r.json, "tenantId"));
	res_free(&r);

	q = (struct req){ .route = "GET /waitlists/{waitlistId}", .tenant = TENANT_A, .wl = id };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "id"), id);
	assert_string_equal(jstr(r.json, "name"), "Main room");
	res_free(&r);

	q = (struct req){ .route = "GET /waitlists", .tenant = TENANT_A };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_true(cJSON_IsArray(r.json));
	assert_int_equal(cJSON_GetArraySize(r.json), 1);
	assert_string_equal(jstr(cJSON_GetArrayItem(r.json, 0), "id"), id);
	assert_null(mt_resp_get_header(r.resp, "x-next-cursor"));
	res_free(&r);

	f->now += 5000;
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}", .tenant = TENANT_A, .wl = id,
			  .body = "{\"name\":\"Patio\",\"description\":null,\"templates\":{\"ready\":\"\"}}" };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "name"), "Patio");
	assert_string_equal(jstr(r.json, "description"), "");
	assert_true(jnull(cJSON_GetObjectItem(r.json, "templates"), "ready"));
	assert_int_equal(jnum(r.json, "version"), 2);
	assert_int_equal(jnum(r.json, "updatedAt"), f->now);
	assert_int_equal(jnum(r.json, "createdAt"), created);
	assert_string_equal(mt_resp_get_header(r.resp, "etag"), "\"2\"");
	res_free(&r);

	/* an empty update changes nothing */
	q.body = "{}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(jnum(r.json, "version"), 2);
	res_free(&r);

	q = (struct req){ .route = "DELETE /waitlists/{waitlistId}", .tenant = TENANT_A, .wl = id };
	r = call(f, &q);
	assert_int_equal(r.status, 204);
	assert_null(r.json);
	res_free(&r);
	r = call(f, &q);
	expect_error(&r, 404, "not_found", NULL);
	q.route = "GET /waitlists/{waitlistId}";
	r = call(f, &q);
	expect_error(&r, 404, "not_found", NULL);
}

/* If-Match (bare, quoted, weak, *) and body `version` on PUT and DELETE. */
static void test_waitlist_if_match(void **state)
{
	struct fx *f = *state;
	char id[MT_ID_SIZE];
	struct req q;
	struct res r;

	make_list(f, TENANT_A, "L", id);
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}", .tenant = TENANT_A, .wl = id,
			  .body = "{\"name\":\"L2\"}", .if_match = "\"1\"" };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(jnum(r.json, "version"), 2);
	res_free(&r);
	/* stale now */
	r = call(f, &q);
	assert_string_equal(mt_resp_get_header(r.resp, "etag"), "\"2\"");
	expect_error(&r, 412, "version_mismatch", "version");
	q.if_match = "2";
	q.body = "{\"name\":\"L3\"}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);
	q.if_match = "W/\"3\"";
	q.body = "{\"name\":\"L4\"}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);
	q.if_match = "*";
	q.body = "{\"description\":\"any\"}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(jnum(r.json, "version"), 5);
	res_free(&r);
	q.if_match = "five";
	r = call(f, &q);
	expect_error(&r, 400, "invalid_header", "If-Match");
	/* body version as the precondition */
	q.if_match = NULL;
	q.body = "{\"name\":\"X\",\"version\":4}";
	r = call(f, &q);
	expect_error(&r, 412, "version_mismatch", "version");
	q.body = "{\"name\":\"X\",\"version\":5}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "name"), "X");
	res_free(&r);
	/* header and body must both match */
	q.if_match = "6";
	q.body = "{\"name\":\"Y\",\"version\":5}";
	r = call(f, &q);
	expect_error(&r, 412, "version_mismatch", "version");
	/* DELETE with a stale If-Match keeps the list */
	q = (struct req){ .route = "DELETE /waitlists/{waitlistId}", .tenant = TENANT_A, .wl = id, .if_match = "1" };
	r = call(f, &q);
	expect_error(&r, 412, "version_mismatch", "version");
	q.route = "GET /waitlists/{waitlistId}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "name"), "X");
	res_free(&r);
	q = (struct req){ .route = "DELETE /waitlists/{waitlistId}", .tenant = TENANT_A, .wl = id, .if_match = "6" };
	r = call(f, &q);
	assert_int_equal(r.status, 204);
	res_free(&r);
}

/* Bad input on waitlist routes: each answer names the problem; nothing is written. */
static void test_waitlist_bad_input(void **state)
{
	struct fx *f = *state;
	char id[MT_ID_SIZE], *big, *deep;
	struct req q;
	struct res r;
	size_t i;

	q = (struct req){ .route = "POST /waitlists", .tenant = TENANT_A, .body = "{\"description\":\"x\"}" };
	r = call(f, &q);
	expect_error(&r, 400, "missing_field", "name");
	q.body = "{\"name\":42}";
	r = call(f, &q);
	expect_error(&r, 400, "invalid_type", "name");
	q.body = "{\"name\":\"A\",\"owner\":\"someone\"}";
	r = call(f, &q);
	expect_error(&r, 400, "unknown_field", "owner");
	q.body = "{\"name\":\"A\",\"id\":\"01HAAAAAAAAAAAAAAAAAAAAAAA\"}";
	r = call(f, &q);
	expect_error(&r, 400, "read_only", "id");
	q.body = "{\"name\":\"A\",\"tenantId\":\"" TENANT_B "\"}";
	r = call(f, &q);
	expect_error(&r, 400, "read_only", "tenantId");
	q.body = "{\"name\":\"A\",\"version\":7}";
	r = call(f, &q);
	expect_error(&r, 400, "read_only", "version");
	q.body = "{\"name\":\"A\",\"templates\":{\"ready\":\"{tabel} ready\"}}";
	r = call(f, &q);
	expect_error(&r, 400, "invalid_field", "templates.ready");
	q.body = "{\"name\":";
	r = call(f, &q);
	expect_error(&r, 400, "invalid_json", NULL);
	q.body = "[1,2]";
	r = call(f, &q);
	expect_error(&r, 400, "not_object", NULL);
	q.body = NULL;
	r = call(f, &q);
	expect_error(&r, 400, "invalid_json", NULL);
	/* 201 bytes of name */
	big = malloc(MT_BODY_MAX + 100);
	if (big == NULL)
		abort(); /* (not assert_non_null: gcc's -Warray-bounds can't see it never returns) */
	memcpy(big, "{\"name\":\"", 9);
	memset(big + 9, 'a', 201);
	memcpy(big + 210, "\"}", 3);
	q.body = big;
	r = call(f, &q);
	expect_error(&r, 400, "invalid_field", "name");
	/* over 64 KiB: 413 */
	memcpy(big, "{\"description\":\"", 16);
	memset(big + 16, 'a', MT_BODY_MAX + 10);
	memcpy(big + 16 + MT_BODY_MAX + 10, "\"}", 3);
	r = call(f, &q);
	expect_error(&r, 413, "too_large", NULL);
	free(big);
	/* nesting 33 deep: 400 */
	deep = malloc(200);
	assert_non_null(deep);
	memcpy(deep, "{\"name\":\"A\",\"templates\":", 24);
	for (i = 0; i < 32; i++)
		deep[24 + i] = '[';
	for (i = 0; i < 32; i++)
		deep[56 + i] = ']';
	memcpy(deep + 88, "}", 2);
	q.body = deep;
	r = call(f, &q);
	expect_error(&r, 400, "too_deep", NULL);
	free(deep);
	/* nothing was created by any of that */
	q = (struct req){ .route = "GET /waitlists", .tenant = TENANT_A };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(cJSON_GetArraySize(r.json), 0);
	res_free(&r);

	/* no authorizer context: 401 */
	q = (struct req){ .route = "GET /waitlists" };
	r = call(f, &q);
	expect_error(&r, 401, "unauthorized", NULL);
	/* no store: 500, not a crash */
	f->ctx.store = NULL;
	q = (struct req){ .route = "GET /waitlists", .tenant = TENANT_A };
	r = call(f, &q);
	expect_error(&r, 500, "internal", NULL);
	q = (struct req){ .route = "GET /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = MISSING_ID };
	r = call(f, &q);
	expect_error(&r, 500, "internal", NULL);
	f->ctx.store = f->store;
	/* hosts may read but not write waitlists */
	make_list(f, TENANT_A, "Bar", id);
	q = (struct req){ .route = "POST /waitlists", .tenant = TENANT_A, .role = "host", .body = "{\"name\":\"H\"}" };
	r = call(f, &q);
	expect_error(&r, 403, "forbidden", NULL);
	q = (struct req){ .route = "DELETE /waitlists/{waitlistId}", .tenant = TENANT_A, .role = "host", .wl = id };
	r = call(f, &q);
	expect_error(&r, 403, "forbidden", NULL);
	q = (struct req){ .route = "GET /waitlists/{waitlistId}", .tenant = TENANT_A, .role = "host", .wl = id };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);
	/* PUT with a bad body does not change the list */
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}", .tenant = TENANT_A, .wl = id,
			  .body = "{\"name\":\"ok\",\"createdAt\":5}" };
	r = call(f, &q);
	expect_error(&r, 400, "read_only", "createdAt");
	q = (struct req){ .route = "GET /waitlists/{waitlistId}", .tenant = TENANT_A, .wl = id };
	r = call(f, &q);
	assert_string_equal(jstr(r.json, "name"), "Bar");
	assert_int_equal(jnum(r.json, "version"), 1);
	res_free(&r);
	/* malformed ids are just missing */
	q.wl = "not-an-id";
	r = call(f, &q);
	expect_error(&r, 404, "not_found", NULL);
	/* unknown routes */
	q = (struct req){ .route = "PATCH /waitlists/{waitlistId}", .tenant = TENANT_A, .wl = id };
	r = call(f, &q);
	expect_error(&r, 404, "no_route", NULL);
}

/* Waitlist paging: limit, X-Next-Cursor, Link, bad limit and cursor. */
static void test_waitlist_paging(void **state)
{
	struct fx *f = *state;
	char ids[5][MT_ID_SIZE], cursor[600], name[8];
	struct req q;
	struct res r;
	int i, seen = 0, pages = 0;

	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "L%d", i);
		make_list(f, TENANT_A, name, ids[i]);
	}
	make_list(f, TENANT_B, "other", cursor); /* another tenant's list never shows */
	cursor[0] = '\0';
	do {
		const char *next, *link;

		q = (struct req){ .route = "GET /waitlists", .tenant = TENANT_A,
				  .query = { "limit", "2", cursor[0] ? "cursor" : NULL, cursor } };
		r = call(f, &q);
		assert_int_equal(r.status, 200);
		assert_true(cJSON_GetArraySize(r.json) <= 2);
		for (i = 0; i < cJSON_GetArraySize(r.json); i++)
			assert_string_equal(jstr(cJSON_GetArrayItem(r.json, i), "id"), ids[seen++]);
		next = mt_resp_get_header(r.resp, "x-next-cursor");
		link = mt_resp_get_header(r.resp, "link");
		if (next != NULL) {
			assert_non_null(link);
			assert_non_null(strstr(link, "</waitlists?limit=2&cursor="));
			assert_non_null(strstr(link, ">; rel=\"next\""));
			snprintf(cursor, sizeof cursor, "%s", next);
		} else {
			assert_null(link);
			cursor[0] = '\0';
		}
		res_free(&r);
		pages++;
	} while (cursor[0] && pages < 10);
	assert_int_equal(seen, 5);
	assert_true(pages == 3 || pages == 4);

	q = (struct req){ .route = "GET /waitlists", .tenant = TENANT_A, .query = { "limit", "0" } };
	r = call(f, &q);
	expect_error(&r, 400, "invalid_parameter", "limit");
	q.query[1] = "501";
	r = call(f, &q);
	expect_error(&r, 400, "invalid_parameter", "limit");
	q.query[1] = "ten";
	r = call(f, &q);
	expect_error(&r, 400, "invalid_parameter", "limit");
	q = (struct req){ .route = "GET /waitlists", .tenant = TENANT_A, .query = { "cursor", "!!bogus!!" } };
	r = call(f, &q);
	expect_error(&r, 400, "invalid_cursor", "cursor");
	q.query[1] = "500";
	q.query[0] = "limit";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(cJSON_GetArraySize(r.json), 5);
	res_free(&r);
}

/* Waitee create (original body), GET, PUT, DELETE. */
static void test_waitee_crud(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], id[MT_ID_SIZE], loc[120];
	struct req q;
	struct res r;
	struct mt_waitee w;

	make_list(f, TENANT_A, "Main", wl);
	q = (struct req){ .route = "POST /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl,
			  .body = "{\"name\":\"Zo\\u00eb\",\"phoneNumber\":\"+1 (555) 123-4567\"}" };
	r = call(f, &q);
	assert_int_equal(r.status, 201);
	snprintf(id, sizeof id, "%s", jstr(r.json, "id"));
	snprintf(loc, sizeof loc, "/waitlists/%s/waitees/%s", wl, id);
	assert_string_equal(mt_resp_get_header(r.resp, "location"), loc);
	assert_string_equal(jstr(r.json, "waitlistId"), wl);
	assert_string_equal(jstr(r.json, "name"), "Zo\xc3\xab");
	assert_string_equal(jstr(r.json, "phoneNumber"), "+15551234567");
	assert_true(jnull(r.json, "email"));
	assert_int_equal(jnum(r.json, "partySize"), 2);
	assert_string_equal(jstr(r.json, "status"), "waiting");
	assert_int_equal(jnum(r.json, "position"), 1);
	assert_int_equal(jnum(r.json, "joinedAt"), f->now);
	assert_true(jnull(r.json, "notifyAt"));
	assert_true(jnull(r.json, "notifiedAt"));
	assert_true(jnull(r.json, "seatedAt"));
	assert_true(jnull(r.json, "timeToLive"));
	assert_int_equal(jnum(r.json, "version"), 1);
	assert_int_equal(jnum(r.json, "notifyCount"), 0);
	assert_int_equal(jnum(r.json, "quotedMinutes"), 0);
	res_free(&r);
	store_waitee(f, wl, id, &w);
	assert_string_equal(w.tenant_id, TENANT_A);
	assert_int_equal(w.due_at, 0);
	assert_int_equal(w.notify_seq, 0);

	f->now += 1000;
	q = (struct req){ .route = "POST /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl,
			  .body = "{\"name\":\"Ann\",\"email\":\"Ann@Example.COM\",\"partySize\":6,\"notes\":\"high chair\\nbirthday\","
				  "\"quotedMinutes\":25}" };
	r = call(f, &q);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "email"), "ann@example.com");
	assert_true(jnull(r.json, "phoneNumber"));
	assert_int_equal(jnum(r.json, "partySize"), 6);
	assert_string_equal(jstr(r.json, "notes"), "high chair\nbirthday");
	assert_int_equal(jnum(r.json, "quotedMinutes"), 25);
	assert_int_equal(jnum(r.json, "position"), 2);
	res_free(&r);

	q = (struct req){ .route = "GET /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = id };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "id"), id);
	assert_int_equal(jnum(r.json, "position"), 1);
	assert_string_equal(mt_resp_get_header(r.resp, "etag"), "\"1\"");
	res_free(&r);

	f->now += 1000;
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = id,
			  .body = "{\"partySize\":4,\"notes\":\"window\",\"phoneNumber\":null,\"email\":\"z@example.org\","
				  "\"quotedMinutes\":30}" };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(jnum(r.json, "partySize"), 4);
	assert_string_equal(jstr(r.json, "notes"), "window");
	assert_true(jnull(r.json, "phoneNumber"));
	assert_string_equal(jstr(r.json, "email"), "z@example.org");
	assert_int_equal(jnum(r.json, "quotedMinutes"), 30);
	assert_int_equal(jnum(r.json, "version"), 2);
	assert_int_equal(jnum(r.json, "updatedAt"), f->now);
	assert_string_equal(jstr(r.json, "name"), "Zo\xc3\xab");
	res_free(&r);
	store_waitee(f, wl, id, &w);
	assert_int_equal(w.party_size, 4);
	assert_string_equal(w.phone, "");
	assert_int_equal(w.version, 2);

	q = (struct req){ .route = "GET /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(cJSON_GetArraySize(r.json), 2);
	assert_string_equal(jstr(cJSON_GetArrayItem(r.json, 0), "id"), id);
	res_free(&r);

	q = (struct req){ .route = "DELETE /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = id };
	r = call(f, &q);
	assert_int_equal(r.status, 204);
	res_free(&r);
	r = call(f, &q);
	expect_error(&r, 404, "not_found", NULL);
	q.route = "GET /waitlists/{waitlistId}/waitees/{waiteeId}";
	r = call(f, &q);
	expect_error(&r, 404, "not_found", NULL);
	/* the other one moved up */
	q = (struct req){ .route = "GET /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl };
	r = call(f, &q);
	assert_int_equal(cJSON_GetArraySize(r.json), 1);
	assert_int_equal(jnum(cJSON_GetArrayItem(r.json, 0), "position"), 1);
	res_free(&r);

	/* deleting the list deletes its waitees */
	q = (struct req){ .route = "DELETE /waitlists/{waitlistId}", .tenant = TENANT_A, .wl = wl };
	r = call(f, &q);
	assert_int_equal(r.status, 204);
	res_free(&r);
	{
		struct mt_waitee *items = NULL;
		size_t n = 99;
		char *next = NULL;
		struct store_page page = { NULL, 10 };

		assert_int_equal(f->store->ops->waitee_list(f->store, wl, &page, &items, &n, &next), 0);
		assert_int_equal(n, 0);
		free(items);
		free(next);
	}
}

/* notifyIn: cut to the minute, 0 = now; plans due_at, seq, kind; POST notify. */
static void test_waitee_notify_math(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], id[MT_ID_SIZE], id2[MT_ID_SIZE];
	int64_t minute;
	struct req q;
	struct res r;
	struct mt_waitee w;

	make_list(f, TENANT_A, "Main", wl);
	minute = f->now - f->now % 60000;
	assert_int_equal(f->now - minute, 12346); /* 12.345 s in, plus make_list's 1 ms */
	q = (struct req){ .route = "POST /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl,
			  .body = "{\"name\":\"Bo\",\"phoneNumber\":\"+4930123456\",\"notifyIn\":15}" };
	r = call(f, &q);
	assert_int_equal(r.status, 201);
	snprintf(id, sizeof id, "%s", jstr(r.json, "id"));
	assert_int_equal(jnum(r.json, "notifyAt"), minute + 15 * 60000);
	res_free(&r);
	store_waitee(f, wl, id, &w);
	assert_int_equal(w.notify_at, minute + 15 * 60000);
	assert_int_equal(w.due_at, w.notify_at);
	assert_int_equal(w.notify_seq, 1);
	assert_string_equal(w.notify_kind, "ready");

	/* notifyIn 0 = now, not cut */
	f->now += 7777;
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = id,
			  .body = "{\"notifyIn\":0}" };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(jnum(r.json, "notifyAt"), f->now);
	res_free(&r);
	store_waitee(f, wl, id, &w);
	assert_int_equal(w.due_at, f->now);
	assert_int_equal(w.notify_seq, 2);

	/* notifyIn 1440 at the limit */
	q.body = "{\"notifyIn\":1440}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(jnum(r.json, "notifyAt"), (f->now + 1440LL * 60000) - (f->now + 1440LL * 60000) % 60000);
	res_free(&r);
	q.body = "{\"notifyIn\":1441}";
	r = call(f, &q);
	expect_error(&r, 400, "invalid_field", "notifyIn");
	q.body = "{\"notifyIn\":\"5\"}";
	r = call(f, &q);
	expect_error(&r, 400, "invalid_type", "notifyIn");

	/* POST .../notify = notify now: 202 with the waitee */
	f->now += 60001;
	q = (struct req){ .route = "POST /waitlists/{waitlistId}/waitees/{waiteeId}/notify", .tenant = TENANT_A,
			  .wl = wl, .we = id };
	r = call(f, &q);
	assert_int_equal(r.status, 202);
	assert_string_equal(jstr(r.json, "id"), id);
	assert_int_equal(jnum(r.json, "notifyAt"), f->now);
	assert_int_equal(jnum(r.json, "version"), 4);
	res_free(&r);
	store_waitee(f, wl, id, &w);
	assert_int_equal(w.due_at, f->now);
	assert_int_equal(w.notify_seq, 4);
	assert_string_equal(w.notify_kind, "ready");
	/* If-Match honoured on notify */
	q.if_match = "1";
	r = call(f, &q);
	expect_error(&r, 412, "version_mismatch", "version");

	/* a party with no plan has none in the store either */
	make_waitee(f, TENANT_A, wl, "{\"name\":\"Cy\"}", id2);
	store_waitee(f, wl, id2, &w);
	assert_int_equal(w.notify_at, 0);
	assert_int_equal(w.due_at, 0);
}

/* quotedMinutes plans a "reminder" 10 minutes before the quote ends (cut to
 * the minute) for quotes of 20+ minutes; notifyIn (ready) wins over it; a
 * shorter quote withdraws it with a new seq. */
static void test_waitee_reminder_plan(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], id[MT_ID_SIZE], id2[MT_ID_SIZE], id3[MT_ID_SIZE];
	int64_t joined;
	struct req q;
	struct res r;
	struct mt_waitee w;

	make_list(f, TENANT_A, "Main", wl);
	joined = f->now;
	make_waitee(f, TENANT_A, wl, "{\"name\":\"Di\",\"phoneNumber\":\"+4930123456\",\"quotedMinutes\":30}", id);
	store_waitee(f, wl, id, &w);
	assert_string_equal(w.notify_kind, "reminder");
	assert_int_equal(w.notify_at, (joined + 20 * 60000) - (joined + 20 * 60000) % 60000);
	assert_int_equal(w.due_at, w.notify_at);
	assert_int_equal(w.notify_seq, 1);
	assert_int_equal(w.status, MT_WAITING);

	/* a short quote gets no reminder */
	make_waitee(f, TENANT_A, wl, "{\"name\":\"Ed\",\"quotedMinutes\":15}", id2);
	store_waitee(f, wl, id2, &w);
	assert_int_equal(w.due_at, 0);
	assert_int_equal(w.notify_seq, 0);

	/* notifyIn plans "ready", and the quote does not replace it */
	make_waitee(f, TENANT_A, wl, "{\"name\":\"Flo\",\"quotedMinutes\":45,\"notifyIn\":40}", id3);
	store_waitee(f, wl, id3, &w);
	assert_string_equal(w.notify_kind, "ready");
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl,
			  .we = id3, .body = "{\"quotedMinutes\":60}" };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);
	store_waitee(f, wl, id3, &w);
	assert_string_equal(w.notify_kind, "ready");
	assert_int_equal(w.notify_seq, 1);

	/* a longer quote moves the reminder; a short one withdraws it (new seq) */
	q.we = id;
	q.body = "{\"quotedMinutes\":50}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);
	store_waitee(f, wl, id, &w);
	assert_int_equal(w.notify_at, (joined + 40 * 60000) - (joined + 40 * 60000) % 60000);
	assert_int_equal(w.notify_seq, 2);
	q.body = "{\"quotedMinutes\":10}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);
	store_waitee(f, wl, id, &w);
	assert_int_equal(w.due_at, 0);
	assert_int_equal(w.notify_seq, 3);

	/* a reminder whose moment has passed but whose quote has not is due now */
	f->now = joined + 25 * 60000;
	q.body = "{\"quotedMinutes\":30}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);
	store_waitee(f, wl, id, &w);
	assert_string_equal(w.notify_kind, "reminder");
	assert_int_equal(w.due_at, f->now);
	/* once the quote is over, no reminder */
	f->now = joined + 31 * 60000;
	q.body = "{\"quotedMinutes\":25}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);
	store_waitee(f, wl, id, &w);
	assert_int_equal(w.due_at, 0);
}

/* Status moves: allowed ones stamp and clean up, refused ones answer 409. */
static void test_waitee_status(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], a[MT_ID_SIZE], b[MT_ID_SIZE];
	struct req q;
	struct res r;
	struct mt_waitee w;

	make_list(f, TENANT_A, "Main", wl);
	make_waitee(f, TENANT_A, wl, "{\"name\":\"A\",\"notifyIn\":10}", a);
	make_waitee(f, TENANT_A, wl, "{\"name\":\"B\"}", b);
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = a,
			  .body = "{\"status\":\"notified\"}" };
	r = call(f, &q);
	expect_error(&r, 409, "invalid_transition", "status");
	q.body = "{\"status\":\"waiting\"}"; /* same status: a no-op */
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(jnum(r.json, "version"), 1);
	res_free(&r);
	q.body = "{\"status\":\"confirmed\"}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "status"), "confirmed");
	assert_int_equal(jnum(r.json, "position"), 1);
	res_free(&r);
	q.body = "{\"status\":\"waiting\"}"; /* confirmed -> waiting is not a client move */
	r = call(f, &q);
	expect_error(&r, 409, "invalid_transition", "status");

	f->now += 90000;
	q.body = "{\"status\":\"seated\"}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "status"), "seated");
	assert_int_equal(jnum(r.json, "seatedAt"), f->now);
	assert_int_equal(jnum(r.json, "timeToLive"), f->now / 1000 + 86400);
	assert_int_equal(jnum(r.json, "position"), 0);
	res_free(&r);
	store_waitee(f, wl, a, &w);
	assert_int_equal(w.due_at, 0);
	assert_int_equal(w.expires_at, f->now / 1000 + 86400);
	/* B moved up to first */
	q = (struct req){ .route = "GET /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = b };
	r = call(f, &q);
	assert_int_equal(jnum(r.json, "position"), 1);
	res_free(&r);
	/* seated is terminal */
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = a,
			  .body = "{\"status\":\"waiting\"}" };
	r = call(f, &q);
	expect_error(&r, 409, "invalid_transition", "status");
	q.body = "{\"notifyIn\":0}";
	r = call(f, &q);
	expect_error(&r, 409, "invalid_state", "notifyIn");
	q = (struct req){ .route = "POST /waitlists/{waitlistId}/waitees/{waiteeId}/notify", .tenant = TENANT_A,
			  .wl = wl, .we = a };
	r = call(f, &q);
	expect_error(&r, 409, "invalid_state", "status");

	/* cancel and undo */
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = b,
			  .body = "{\"status\":\"cancelled\"}" };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_true(jnull(r.json, "seatedAt"));
	assert_false(jnull(r.json, "timeToLive"));
	res_free(&r);
	q.body = "{\"status\":\"waiting\",\"notifyIn\":0}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "status"), "waiting");
	assert_true(jnull(r.json, "timeToLive"));
	assert_int_equal(jnum(r.json, "position"), 1);
	res_free(&r);
	store_waitee(f, wl, b, &w);
	assert_int_equal(w.expires_at, 0);
	assert_int_equal(w.due_at, f->now);
	/* cancelling with a notification in the same body is refused as a whole */
	q.body = "{\"status\":\"no_show\",\"notifyIn\":5,\"notes\":\"x\"}";
	r = call(f, &q);
	expect_error(&r, 409, "invalid_state", "notifyIn");
	store_waitee(f, wl, b, &w);
	assert_int_equal(w.status, MT_WAITING);
	assert_string_equal(w.notes, "");
	q.body = "{\"status\":\"no_show\"}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "status"), "no_show");
	res_free(&r);
	store_waitee(f, wl, b, &w);
	assert_int_equal(w.due_at, 0);
	q.body = "{\"status\":\"bogus\"}";
	r = call(f, &q);
	expect_error(&r, 400, "invalid_field", "status");
}

/* Undo of a finished party: back to previousStatus within 120 s (fake
 * clock), undo_expired after, the older re-queue to waiting kept, no
 * notification planned or re-sent by an undo. */
static void test_waitee_undo(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], a[MT_ID_SIZE], b[MT_ID_SIZE], c[MT_ID_SIZE];
	struct req q;
	struct res r;
	struct mt_waitee w;
	int64_t seated_at;
	int32_t seq;

	make_list(f, TENANT_A, "Main", wl);
	make_waitee(f, TENANT_A, wl, "{\"name\":\"A\",\"notifyIn\":10}", a);
	make_waitee(f, TENANT_A, wl, "{\"name\":\"B\"}", b);
	make_waitee(f, TENANT_A, wl, "{\"name\":\"C\"}", c);
	store_waitee(f, wl, a, &w);
	assert_true(w.due_at > 0);
	seq = w.notify_seq;

	/* an active party has no undo record */
	q = (struct req){ .route = "GET /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = a };
	r = call(f, &q);
	assert_true(jnull(r.json, "finishedAt"));
	assert_true(jnull(r.json, "previousStatus"));
	res_free(&r);

	/* seat A: recorded; the pending "ready" is dropped */
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = a,
			  .body = "{\"status\":\"seated\"}" };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(jnum(r.json, "finishedAt"), f->now);
	assert_string_equal(jstr(r.json, "previousStatus"), "waiting");
	res_free(&r);
	seated_at = f->now;
	store_waitee(f, wl, a, &w);
	assert_int_equal(w.due_at, 0);

	/* 120 s later exactly: still undoable, back in first place */
	f->now = seated_at + 120000;
	q.body = "{\"status\":\"waiting\"}";
	r = call(f, &q);
	if (r.status != 200)
		fail_msg("undo: %d %s", r.status, mt_resp_body(r.resp));
	assert_string_equal(jstr(r.json, "status"), "waiting");
	assert_int_equal(jnum(r.json, "position"), 1);
	assert_true(jnull(r.json, "seatedAt"));
	assert_true(jnull(r.json, "timeToLive"));
	assert_true(jnull(r.json, "finishedAt"));
	assert_true(jnull(r.json, "previousStatus"));
	assert_int_equal(jnum(r.json, "version"), 3);
	res_free(&r);
	store_waitee(f, wl, a, &w);
	assert_int_equal(w.due_at, 0);              /* nothing re-planned: no surprise text */
	assert_true(w.notify_seq > seq);            /* a queued copy is superseded */
	assert_int_equal(w.expires_at, 0);

	/* a notified party, seated, comes back as notified with its notifiedAt */
	w.status = MT_NOTIFIED;
	w.notified_at = f->now;
	w.notify_count = 1;
	assert_int_equal(f->store->ops->waitee_update(f->store, &w, w.version), 0);
	r = call(f, &(struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A,
				   .wl = wl, .we = a, .body = "{\"status\":\"seated\"}" });
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "previousStatus"), "notified");
	res_free(&r);
	f->now += 5000;
	q.body = "{\"status\":\"waiting\"}";       /* not what it was */
	r = call(f, &q);
	expect_error(&r, 409, "invalid_transition", "status");
	q.body = "{\"status\":\"notified\"}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "status"), "notified");
	assert_int_equal(jnum(r.json, "notifiedAt"), f->now - 5000);
	assert_int_equal(jnum(r.json, "notifyCount"), 1);
	res_free(&r);
	store_waitee(f, wl, a, &w);
	assert_int_equal(w.due_at, 0);

	/* B: confirmed, cancelled; 120.001 s later the undo has expired and changes nothing */
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = b,
			  .body = "{\"status\":\"confirmed\"}" };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);
	q.body = "{\"status\":\"cancelled\"}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "previousStatus"), "confirmed");
	res_free(&r);
	f->now += 120001;
	q.body = "{\"status\":\"confirmed\"}";
	r = call(f, &q);
	expect_error(&r, 409, "undo_expired", "status");
	store_waitee(f, wl, b, &w);
	assert_int_equal(w.status, MT_CANCELLED);
	assert_true(w.finished_at > 0);
	/* ...but the older re-queue to waiting still works, at any time */
	q.body = "{\"status\":\"waiting\"}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "status"), "waiting");
	assert_true(jnull(r.json, "finishedAt"));
	res_free(&r);

	/* C: no_show from waiting; only waiting restores it */
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = c,
			  .body = "{\"status\":\"no_show\"}" };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);
	q.body = "{\"status\":\"confirmed\"}";
	r = call(f, &q);
	expect_error(&r, 409, "invalid_transition", "status");
	q.body = "{\"status\":\"seated\"}";
	r = call(f, &q);
	expect_error(&r, 409, "invalid_transition", "status");
	/* the undo record is server-owned */
	q.body = "{\"finishedAt\":1}";
	r = call(f, &q);
	expect_error(&r, 400, "read_only", "finishedAt");
	q.body = "{\"previousStatus\":\"waiting\"}";
	r = call(f, &q);
	expect_error(&r, 400, "read_only", "previousStatus");
}

/* Positions across pages, ?status filter, Link header. */
static void test_waitee_paging_positions(void **state)
{
	struct fx *f = *state;
	static const int want_pos[7] = { 1, 0, 2, 0, 3, 4, 5 };
	char wl[MT_ID_SIZE], ids[7][MT_ID_SIZE], cursor[600], name[8];
	struct req q;
	struct res r;
	int i, seen = 0, pages = 0;

	make_list(f, TENANT_A, "Main", wl);
	for (i = 0; i < 7; i++) {
		char body[64];

		snprintf(name, sizeof name, "P%d", i);
		snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
		make_waitee(f, TENANT_A, wl, body, ids[i]);
	}
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl,
			  .we = ids[1], .body = "{\"status\":\"cancelled\"}" };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);
	q.we = ids[3];
	q.body = "{\"status\":\"seated\"}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	res_free(&r);

	cursor[0] = '\0';
	do {
		const char *next, *link;

		q = (struct req){ .route = "GET /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl,
				  .query = { "limit", "3", cursor[0] ? "cursor" : NULL, cursor } };
		r = call(f, &q);
		assert_int_equal(r.status, 200);
		for (i = 0; i < cJSON_GetArraySize(r.json); i++) {
			const cJSON *it = cJSON_GetArrayItem(r.json, i);

			assert_string_equal(jstr(it, "id"), ids[seen]);
			if (jnum(it, "position") != want_pos[seen])
				fail_msg("waitee %d: position %lld, want %d", seen, (long long)jnum(it, "position"),
					 want_pos[seen]);
			seen++;
		}
		next = mt_resp_get_header(r.resp, "x-next-cursor");
		link = mt_resp_get_header(r.resp, "link");
		if (next) {
			char prefix[120];

			snprintf(prefix, sizeof prefix, "</waitlists/%s/waitees?limit=3&cursor=", wl);
			assert_non_null(link);
			assert_ptr_equal(strstr(link, prefix), link);
			snprintf(cursor, sizeof cursor, "%s", next);
		} else {
			cursor[0] = '\0';
		}
		res_free(&r);
		pages++;
	} while (cursor[0] && pages < 10);
	assert_int_equal(seen, 7);

	/* single GETs agree */
	for (i = 0; i < 7; i++) {
		q = (struct req){ .route = "GET /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A,
				  .wl = wl, .we = ids[i] };
		r = call(f, &q);
		assert_int_equal(jnum(r.json, "position"), want_pos[i]);
		res_free(&r);
	}

	/* ?status=active drops finished parties, positions unchanged */
	q = (struct req){ .route = "GET /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl,
			  .query = { "status", "active" } };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(cJSON_GetArraySize(r.json), 5);
	assert_int_equal(jnum(cJSON_GetArrayItem(r.json, 4), "position"), 5);
	res_free(&r);
	q.query[1] = "seated,cancelled";
	r = call(f, &q);
	assert_int_equal(cJSON_GetArraySize(r.json), 2);
	assert_string_equal(jstr(cJSON_GetArrayItem(r.json, 0), "status"), "cancelled");
	res_free(&r);
	q.query[1] = "gone";
	r = call(f, &q);
	expect_error(&r, 400, "invalid_parameter", "status");
	q = (struct req){ .route = "GET /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl,
			  .query = { "limit", "501" } };
	r = call(f, &q);
	expect_error(&r, 400, "invalid_parameter", "limit");
	q.query[0] = "cursor";
	q.query[1] = "%%%";
	r = call(f, &q);
	expect_error(&r, 400, "invalid_cursor", "cursor");
}

/* Waitee If-Match and body version; bad input never half-writes. */
static void test_waitee_preconditions_and_bad_input(void **state)
{
	struct fx *f = *state;
	static const struct { const char *body; int status; const char *code, *field; } bad[] = {
		{ "{\"id\":\"01HAAAAAAAAAAAAAAAAAAAAAAA\"}", 400, "read_only", "id" },
		{ "{\"waitlistId\":\"x\"}", 400, "read_only", "waitlistId" },
		{ "{\"joinedAt\":1}", 400, "read_only", "joinedAt" },
		{ "{\"notifiedAt\":1}", 400, "read_only", "notifiedAt" },
		{ "{\"notifyAt\":1}", 400, "read_only", "notifyAt" },
		{ "{\"position\":1}", 400, "read_only", "position" },
		{ "{\"notifyCount\":3}", 400, "read_only", "notifyCount" },
		{ "{\"lastResult\":\"sent\"}", 400, "read_only", "lastResult" },
		{ "{\"seatedAt\":1}", 400, "read_only", "seatedAt" },
		{ "{\"partySize\":51}", 400, "invalid_field", "partySize" },
		{ "{\"partySize\":0}", 400, "invalid_field", "partySize" },
		{ "{\"partySize\":true}", 400, "invalid_type", "partySize" },
		{ "{\"phoneNumber\":\"555 1234\"}", 400, "invalid_field", "phoneNumber" },
		{ "{\"email\":\"a@b\"}", 400, "invalid_field", "email" },
		{ "{\"name\":\"\"}", 400, "invalid_field", "name" },
		{ "{\"name\":\"tab\\tname\"}", 400, "invalid_field", "name" },
		{ "{\"favourite\":1}", 400, "unknown_field", "favourite" },
		{ "{\"partySize\":3,\"status\":\"notified\"}", 409, "invalid_transition", "status" },
	};
	char wl[MT_ID_SIZE], id[MT_ID_SIZE], *notes;
	struct req q;
	struct res r;
	struct mt_waitee w;
	size_t i;

	make_list(f, TENANT_A, "Main", wl);
	make_waitee(f, TENANT_A, wl, "{\"name\":\"A\",\"partySize\":2}", id);
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = id };
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		q.body = bad[i].body;
		r = call(f, &q);
		expect_error(&r, bad[i].status, bad[i].code, bad[i].field);
	}
	notes = malloc(1100);
	assert_non_null(notes);
	memcpy(notes, "{\"notes\":\"", 10);
	memset(notes + 10, 'n', 1001);
	memcpy(notes + 1011, "\"}", 3);
	q.body = notes;
	r = call(f, &q);
	expect_error(&r, 400, "invalid_field", "notes");
	free(notes);
	store_waitee(f, wl, id, &w);
	assert_int_equal(w.version, 1);
	assert_int_equal(w.party_size, 2);

	q.body = "{\"partySize\":3}";
	q.if_match = "\"2\"";
	r = call(f, &q);
	expect_error(&r, 412, "version_mismatch", "version");
	q.if_match = "\"1\"";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(jnum(r.json, "partySize"), 3);
	res_free(&r);
	q.if_match = NULL;
	q.body = "{\"partySize\":4,\"version\":1}";
	r = call(f, &q);
	expect_error(&r, 412, "version_mismatch", "version");
	q.body = "{\"partySize\":4,\"version\":2}";
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(jnum(r.json, "version"), 3);
	res_free(&r);
	/* DELETE with a stale If-Match keeps the waitee */
	q = (struct req){ .route = "DELETE /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl,
			  .we = id, .if_match = "2" };
	r = call(f, &q);
	expect_error(&r, 412, "version_mismatch", "version");
	store_waitee(f, wl, id, &w);
	/* create-time refusals */
	q = (struct req){ .route = "POST /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl,
			  .body = "{\"name\":\"B\",\"status\":\"seated\"}" };
	r = call(f, &q);
	expect_error(&r, 400, "read_only", "status");
	q.body = "{\"partySize\":2}";
	r = call(f, &q);
	expect_error(&r, 400, "missing_field", "name");
	q.body = "{\"name\":\"B\",\"version\":1}";
	r = call(f, &q);
	expect_error(&r, 400, "read_only", "version");
	q = (struct req){ .route = "GET /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl };
	r = call(f, &q);
	assert_int_equal(cJSON_GetArraySize(r.json), 1);
	res_free(&r);
}

/* Body of a 404 for a truly missing id (the reference for cross-tenant answers). */
static char *missing_body(struct fx *f, const struct req *q0)
{
	struct res r = call(f, q0);
	char *b;

	assert_int_equal(r.status, 404);
	b = strdup(mt_resp_body(r.resp));
	res_free(&r);
	assert_non_null(b);
	return b;
}

/* Tenant B gets 404 for every method on tenant A's ids, with the body of a missing id. */
static void test_cross_tenant(void **state)
{
	struct fx *f = *state;
	char wl_a[MT_ID_SIZE], we_a[MT_ID_SIZE], wl_b[MT_ID_SIZE];
	static const char *const wl_routes[] = {
		"GET /waitlists/{waitlistId}", "PUT /waitlists/{waitlistId}", "DELETE /waitlists/{waitlistId}",
		"GET /waitlists/{waitlistId}/waitees", "POST /waitlists/{waitlistId}/waitees",
	};
	static const char *const we_routes[] = {
		"GET /waitlists/{waitlistId}/waitees/{waiteeId}", "PUT /waitlists/{waitlistId}/waitees/{waiteeId}",
		"DELETE /waitlists/{waitlistId}/waitees/{waiteeId}",
		"POST /waitlists/{waitlistId}/waitees/{waiteeId}/notify",
	};
	struct req q;
	struct res r;
	struct mt_waitee w;
	struct mt_waitlist l;
	size_t i;

	make_list(f, TENANT_A, "A's", wl_a);
	make_waitee(f, TENANT_A, wl_a, "{\"name\":\"Guest of A\"}", we_a);
	make_list(f, TENANT_B, "B's", wl_b);

	for (i = 0; i < sizeof wl_routes / sizeof wl_routes[0]; i++) {
		const char *body = strncmp(wl_routes[i], "P", 1) == 0 ? "{\"name\":\"hijack\"}" : NULL;
		struct req miss = { .route = wl_routes[i], .tenant = TENANT_B, .wl = MISSING_ID, .body = body };
		char *want = missing_body(f, &miss);

		q = (struct req){ .route = wl_routes[i], .tenant = TENANT_B, .wl = wl_a, .body = body };
		r = call(f, &q);
		if (r.status != 404 || strcmp(mt_resp_body(r.resp), want) != 0)
			fail_msg("%s on A's list: %d %s (missing id gives %s)", wl_routes[i], r.status,
				 mt_resp_body(r.resp), want);
		res_free(&r);
		free(want);
	}
	for (i = 0; i < sizeof we_routes / sizeof we_routes[0]; i++) {
		const char *body = strncmp(we_routes[i], "PUT", 3) == 0 ? "{\"name\":\"hijack\"}" : NULL;
		struct req miss = { .route = we_routes[i], .tenant = TENANT_B, .wl = MISSING_ID, .we = MISSING_ID, .body = body };
		struct req miss_we = { .route = we_routes[i], .tenant = TENANT_B, .wl = wl_b, .we = MISSING_ID, .body = body };
		char *want = missing_body(f, &miss), *want_we = missing_body(f, &miss_we);

		/* A's list and A's waitee */
		q = (struct req){ .route = we_routes[i], .tenant = TENANT_B, .wl = wl_a, .we = we_a, .body = body };
		r = call(f, &q);
		if (r.status != 404 || strcmp(mt_resp_body(r.resp), want) != 0)
			fail_msg("%s on A's waitee: %d %s", we_routes[i], r.status, mt_resp_body(r.resp));
		res_free(&r);
		/* B's own list with A's waitee id */
		q.wl = wl_b;
		r = call(f, &q);
		if (r.status != 404 || strcmp(mt_resp_body(r.resp), want_we) != 0)
			fail_msg("%s on A's waitee through B's list: %d %s", we_routes[i], r.status, mt_resp_body(r.resp));
		res_free(&r);
		free(want);
		free(want_we);
	}
	/* nothing of A's changed */
	assert_int_equal(f->store->ops->waitlist_get(f->store, TENANT_A, wl_a, &l), 0);
	assert_string_equal(l.name, "A's");
	assert_int_equal(l.version, 1);
	store_waitee(f, wl_a, we_a, &w);
	assert_string_equal(w.name, "Guest of A");
	assert_int_equal(w.version, 1);
	assert_int_equal(w.due_at, 0);
	/* and B's list holds nothing of A's */
	q = (struct req){ .route = "GET /waitlists", .tenant = TENANT_B };
	r = call(f, &q);
	assert_int_equal(cJSON_GetArraySize(r.json), 1);
	assert_string_equal(jstr(cJSON_GetArrayItem(r.json, 0), "id"), wl_b);
	res_free(&r);
}

/* The real store ops while a race is simulated. */
static const struct store_ops *race_orig;
/* Copy of the ops with the updates replaced. */
static struct store_ops race_ops;

/* What the racing writer changes: 0 = notes (another host), 1 = last_result,
 * 2 = status waiting -> notified (both the notifier). */
static int race_server_only;
/* Racing writes left before the racer stops (-1 = never stops). */
static int race_left = -1;

/* Lets another writer bump the waitee between the handler's read and write. */
static int race_waitee_update(struct store *s, struct mt_waitee *w, int64_t expected)
{
	struct mt_waitee other;

	if (race_left == 0)
		return race_orig->waitee_update(s, w, expected);
	if (race_left > 0)
		race_left--;
	assert_int_equal(race_orig->waitee_get(s, w->waitlist_id, w->id, &other), 0);
	if (race_server_only == 2)
		other.status = MT_NOTIFIED;
	else if (race_server_only)
		snprintf(other.last_result, sizeof other.last_result, "sent");
	else
		snprintf(other.notes, sizeof other.notes, "other terminal");
	assert_int_equal(race_orig->waitee_update(s, &other, other.version), 0);
	return race_orig->waitee_update(s, w, expected);
}

/* Same for waitlists. */
static int race_waitlist_update(struct store *s, struct mt_waitlist *w, int64_t expected)
{
	struct mt_waitlist other;

	assert_int_equal(race_orig->waitlist_get(s, w->tenant_id, w->id, &other), 0);
	snprintf(other.description, sizeof other.description, "other terminal");
	assert_int_equal(race_orig->waitlist_update(s, &other, other.version), 0);
	return race_orig->waitlist_update(s, w, expected);
}

/* Store results forced by the idempotency tests (0 = pass through). */
static int idem_fail_finish;
static int idem_fail_create;

/* The SQLite store's own calls check that s->ops is its table: the
 * wrappers below run them with the original table put back. */
#define IDEM_THROUGH(s, call) \
	do { int r_; (s)->ops = race_orig; r_ = (call); (s)->ops = &race_ops; return r_; } while (0)

/* idem_begin through the original table. */
static int idem_begin_through(struct store *s, struct store_idem *rec, int64_t now)
{
	IDEM_THROUGH(s, race_orig->idem_begin(s, rec, now));
}

/* idem_release through the original table. */
static int idem_release_through(struct store *s, const struct store_idem *rec)
{
	IDEM_THROUGH(s, race_orig->idem_release(s, rec));
}

/* idem_finish that fails as if the process died after creating the record. */
static int idem_finish_fails(struct store *s, const struct store_idem *rec)
{
	if (idem_fail_finish)
		return MT_EIO;
	IDEM_THROUGH(s, race_orig->idem_finish(s, rec));
}

/* waitee_create that fails (503) without creating anything. */
static int idem_create_fails(struct store *s, struct mt_waitee *w)
{
	return idem_fail_create ? MT_EBUSY : race_orig->waitee_create(s, w);
}

/* Number of waitees of list wl named name. */
static int count_waitees(struct fx *f, const char *wl, const char *name)
{
	struct store_page page = { NULL, 500 };
	struct mt_waitee *items = NULL;
	size_t n = 0, i;
	char *next = NULL;
	int c = 0;

	assert_int_equal(race_orig->waitee_list(f->store, wl, &page, &items, &n, &next), 0);
	for (i = 0; i < n; i++)
		c += strcmp(items[i].name, name) == 0;
	free(items);
	free(next);
	return c;
}

/* A request that died between creating and storing its answer: a retry
 * within the lease is 409 idempotency_in_progress, after it takes the claim
 * over and answers with the same record (created once); a request that
 * failed before creating frees its key. */
static void test_idempotency_takeover(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], id[MT_ID_SIZE], list_id[MT_ID_SIZE];
	struct req q;
	struct res r;

	make_list(f, TENANT_A, "Main", wl);
	race_orig = f->store->ops;
	race_ops = *race_orig;
	race_ops.idem_finish = idem_finish_fails;
	race_ops.idem_begin = idem_begin_through;
	race_ops.idem_release = idem_release_through;
	race_ops.waitee_create = idem_create_fails;
	f->store->ops = &race_ops;

	idem_fail_finish = 1;
	q = (struct req){ .route = "POST /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl,
			  .body = "{\"name\":\"Died\"}", .idem_key = "k-1" };
	r = call(f, &q);
	if (r.status != 201)
		fail_msg("first: %d %s", r.status, mt_resp_body(r.resp));   /* this answer is "lost" */
	snprintf(id, sizeof id, "%s", jstr(r.json, "id"));
	res_free(&r);
	idem_fail_finish = 0;
	f->now += STORE_IDEM_LEASE_MS - 1;
	r = call(f, &q);
	expect_error(&r, 409, "idempotency_in_progress", "Idempotency-Key");
	r = call(f, &q);
	assert_string_equal(mt_resp_get_header(r.resp, "retry-after"), "1");
	res_free(&r);
	f->now += 1;
	r = call(f, &q);
	if (r.status != 201)
		fail_msg("takeover: %d %s", r.status, mt_resp_body(r.resp));
	assert_string_equal(jstr(r.json, "id"), id);
	assert_int_equal(jnum(r.json, "position"), 1);
	res_free(&r);
	r = call(f, &q);   /* now stored: a plain replay */
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "id"), id);
	assert_string_equal(mt_resp_get_header(r.resp, "idempotent-replayed"), "true");
	res_free(&r);
	assert_int_equal(count_waitees(f, wl, "Died"), 1);

	/* the same for a waitlist */
	idem_fail_finish = 1;
	q = (struct req){ .route = "POST /waitlists", .tenant = TENANT_A, .body = "{\"name\":\"Died list\"}",
			  .idem_key = "k-2" };
	r = call(f, &q);
	assert_int_equal(r.status, 201);
	snprintf(list_id, sizeof list_id, "%s", jstr(r.json, "id"));
	res_free(&r);
	idem_fail_finish = 0;
	f->now += STORE_IDEM_LEASE_MS;
	r = call(f, &q);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "id"), list_id);
	res_free(&r);
	r = call(f, &(struct req){ .route = "GET /waitlists", .tenant = TENANT_A });
	assert_int_equal(r.status, 200);
	assert_int_equal(cJSON_GetArraySize(r.json), 2);   /* Main and Died list, once */
	res_free(&r);

	/* refused after the claim (503), nothing created: the key is free again */
	idem_fail_create = 1;
	q = (struct req){ .route = "POST /waitlists/{waitlistId}/waitees", .tenant = TENANT_A, .wl = wl,
			  .body = "{\"name\":\"Busy\"}", .idem_key = "k-3" };
	r = call(f, &q);
	expect_error(&r, 503, "unavailable", NULL);
	idem_fail_create = 0;
	r = call(f, &q);
	assert_int_equal(r.status, 201);
	assert_null(mt_resp_get_header(r.resp, "idempotent-replayed"));
	res_free(&r);
	assert_int_equal(count_waitees(f, wl, "Busy"), 1);
	f->store->ops = race_orig;
}

/* A lost race answers 409 without a precondition, 412 with one; the other write stays. */
static void test_lost_race(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], id[MT_ID_SIZE];
	struct req q;
	struct res r;
	struct mt_waitee w;
	struct mt_waitlist l;

	make_list(f, TENANT_A, "Main", wl);
	make_waitee(f, TENANT_A, wl, "{\"name\":\"A\"}", id);
	race_orig = f->store->ops;
	race_ops = *race_orig;
	race_ops.waitee_update = race_waitee_update;
	race_ops.waitlist_update = race_waitlist_update;
	f->store->ops = &race_ops;

	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = id,
			  .body = "{\"partySize\":5}" };
	r = call(f, &q);
	expect_error(&r, 409, "conflict", NULL);
	q.if_match = "2"; /* current when read; the racer makes it 3 */
	r = call(f, &q);
	expect_error(&r, 412, "version_mismatch", "version");
	q = (struct req){ .route = "POST /waitlists/{waitlistId}/waitees/{waiteeId}/notify", .tenant = TENANT_A,
			  .wl = wl, .we = id };
	r = call(f, &q);
	expect_error(&r, 409, "conflict", NULL);
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}", .tenant = TENANT_A, .wl = wl, .body = "{\"name\":\"N\"}" };
	r = call(f, &q);
	expect_error(&r, 409, "conflict", NULL);

	f->store->ops = race_orig;
	store_waitee(f, wl, id, &w);
	assert_int_equal(w.party_size, 2);
	assert_string_equal(w.notes, "other terminal");
	assert_int_equal(w.due_at, 0);
	assert_int_equal(f->store->ops->waitlist_get(f->store, TENANT_A, wl, &l), 0);
	assert_string_equal(l.name, "Main");
	assert_string_equal(l.description, "other terminal");
}

/* A write that lost only to the notifier's bookkeeping is re-applied (no 409),
 * keeping both changes; with If-Match it is still 412; a notifier that never
 * stops ends in 409 after the retries. */
static void test_race_with_notifier_merges(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], id[MT_ID_SIZE];
	struct req q;
	struct res r;
	struct mt_waitee w;

	make_list(f, TENANT_A, "Main", wl);
	make_waitee(f, TENANT_A, wl, "{\"name\":\"A\"}", id);
	race_orig = f->store->ops;
	race_ops = *race_orig;
	race_ops.waitee_update = race_waitee_update;
	f->store->ops = &race_ops;
	race_server_only = 1;
	race_left = 1;

	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = id,
			  .body = "{\"partySize\":5}" };
	r = call(f, &q);
	assert_int_equal(r.status, 200);
	assert_int_equal(jnum(r.json, "partySize"), 5);
	assert_string_equal(jstr(r.json, "lastResult"), "sent");
	assert_int_equal(jnum(r.json, "version"), 3);
	res_free(&r);
	race_left = 1;
	q = (struct req){ .route = "POST /waitlists/{waitlistId}/waitees/{waiteeId}/notify", .tenant = TENANT_A,
			  .wl = wl, .we = id };
	r = call(f, &q);
	assert_int_equal(r.status, 202);
	assert_int_equal(jnum(r.json, "version"), 5);
	res_free(&r);
	race_left = 1;
	q = (struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A, .wl = wl, .we = id,
			  .body = "{\"partySize\":6}", .if_match = "5" };
	r = call(f, &q);
	expect_error(&r, 412, "version_mismatch", "version");
	race_left = -1;
	q.if_match = NULL;
	r = call(f, &q);
	expect_error(&r, 409, "conflict", NULL);

	/* the notifier moves the party to notified while the host seats it: still seated */
	{
		char id2[MT_ID_SIZE];
		struct req q2 = { .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", .tenant = TENANT_A,
				  .wl = wl, .body = "{\"status\":\"seated\"}" };

		f->store->ops = race_orig;
		make_waitee(f, TENANT_A, wl, "{\"name\":\"B\"}", id2);
		f->store->ops = &race_ops;
		race_server_only = 2;
		race_left = 1;
		q2.we = id2;
		r = call(f, &q2);
		assert_int_equal(r.status, 200);
		assert_string_equal(jstr(r.json, "status"), "seated");
		res_free(&r);
	}

	f->store->ops = race_orig;
	race_server_only = 0;
	race_left = -1;
	store_waitee(f, wl, id, &w);
	assert_int_equal(w.party_size, 5);
	assert_int_equal(w.notify_seq, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_waitlist_crud, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_waitlist_if_match, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_waitlist_bad_input, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_waitlist_paging, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_waitee_crud, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_waitee_notify_math, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_waitee_reminder_plan, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_waitee_status, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_waitee_undo, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_waitee_paging_positions, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_waitee_preconditions_and_bad_input, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_cross_tenant, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lost_race, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_idempotency_takeover, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_race_with_notifier_merges, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
