/* Cost is a feature: every API operation, run through its real handler on a
 * DynamoDB store (dynalite started here), makes exactly the DynamoDB
 * requests docs/dynamodb.md lists, counted per X-Amz-Target by the aws
 * layer, and never a Scan. A handler or store change that adds a request
 * fails here; update the doc and this table together. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "auth/auth.h"
#include "aws/aws.h"
#include "core/config.h"
#include "core/error.h"
#include "handlers/handler.h"
#include "notify/channel.h"
#include "queue/queue.h"
#include "apigw/apigw.h"
#include "store/store.h"
#include "store/store-dynamodb.h"
#include "../tools/dynalite.h"

/* The dynalite of this run. */
static struct test_proc dyn;

/* One test's world. */
struct fx {
	struct mt_ctx ctx;       /* handler context on the DynamoDB store */
	struct aws_client *aws;  /* the store's client (counters) */
	int64_t now;             /* fake clock, epoch ms */
	char qdir[64];           /* directory of the SQLite queue for the producer */
};

/* The fake clock. */
static int64_t fx_clock(void *data)
{
	return *(int64_t *)data;
}

/* Builds a v2 event. path_params: name, value pairs, NULL-terminated. */
static cJSON *ev(const char *route, const char *path, const char *body, const char *bearer,
		 const char *tenant, const char *wl, const char *we)
{
	cJSON *e = cJSON_CreateObject(), *h, *rc, *http, *pp, *lam;
	char method[8] = "";
	const char *sp = strchr(route, ' ');

	assert_non_null(e);
	memcpy(method, route, (size_t)(sp - route));
	cJSON_AddStringToObject(e, "version", "2.0");
	cJSON_AddStringToObject(e, "routeKey", route);
	cJSON_AddStringToObject(e, "rawPath", path);
	cJSON_AddStringToObject(e, "rawQueryString", "");
	h = cJSON_AddObjectToObject(e, "headers");
	cJSON_AddStringToObject(h, "content-type", "application/json");
	if (bearer)
		cJSON_AddStringToObject(h, "authorization", bearer);
	pp = cJSON_AddObjectToObject(e, "pathParameters");
	if (wl)
		cJSON_AddStringToObject(pp, "waitlistId", wl);
	if (we)
		cJSON_AddStringToObject(pp, "waiteeId", we);
	rc = cJSON_AddObjectToObject(e, "requestContext");
	http = cJSON_AddObjectToObject(rc, "http");
	cJSON_AddStringToObject(http, "method", method);
	cJSON_AddStringToObject(http, "path", path);
	cJSON_AddStringToObject(http, "sourceIp", "127.0.0.1");
	cJSON_AddStringToObject(rc, "requestId", "count");
	if (tenant) {
		lam = cJSON_AddObjectToObject(cJSON_AddObjectToObject(rc, "authorizer"), "lambda");
		cJSON_AddStringToObject(lam, "tenantId", tenant);
		cJSON_AddStringToObject(lam, "sub", "01HSUBSUBSUBSUBSUBSUBSUBSU");
		cJSON_AddStringToObject(lam, "role", "owner");
	}
	if (body)
		cJSON_AddStringToObject(e, "body", body);
	cJSON_AddBoolToObject(e, "isBase64Encoded", 0);
	return e;
}

/* Expected requests of one API operation: "PutItem:2 GetItem:1" ("" = none). */
static void expect_requests(struct fx *f, const char *what, const char *spec)
{
	struct aws_target_count got[32];
	size_t n = aws_client_counts(f->aws, got, 32), i;
	uint64_t total = 0, want_total = 0;
	char buf[256], target[96], *tok, *save = NULL, *colon;
	long want;
	int bad = 0;

	for (i = 0; i < n; i++)
		total += got[i].calls;
	snprintf(buf, sizeof buf, "%s", spec);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		colon = strchr(tok, ':');
		assert_non_null(colon);
		*colon = '\0';
		want = strtol(colon + 1, NULL, 10);
		snprintf(target, sizeof target, "DynamoDB_20120810.%s", tok);
		if (aws_client_calls(f->aws, target) != (uint64_t)want)
			bad = 1;
		want_total += (uint64_t)want;
	}
	if (total != want_total)
		bad = 1;
	fprintf(stderr, "%-44s", what);
	for (i = 0; i < n; i++)
		if (got[i].calls)
			fprintf(stderr, " %s:%llu", got[i].target + strlen("DynamoDB_20120810."),
				(unsigned long long)got[i].calls);
	fprintf(stderr, "%s\n", bad ? "   <-- want " : "");
	/* MAITRE_COUNTS_PRINT=1 only prints (to regenerate docs/dynamodb.md) */
	if (bad && getenv("MAITRE_COUNTS_PRINT") == NULL)
		fail_msg("%s: want '%s'", what, spec);
	assert_int_equal(aws_client_calls(f->aws, "DynamoDB_20120810.Scan"), 0);
	aws_client_counts_reset(f->aws);
}

/* Runs a handler and returns its status; *json gets the parsed body (or NULL). */
static int run(struct fx *f, mt_handler_fn fn, cJSON *event, cJSON **json)
{
	cJSON *resp;
	const char *b;
	int st;

	aws_client_counts_reset(f->aws);
	resp = fn(&f->ctx, event);
	cJSON_Delete(event);
	assert_non_null(resp);
	st = mt_resp_status(resp);
	b = mt_resp_body(resp);
	if (json)
		*json = b && b[0] ? cJSON_Parse(b) : NULL;
	cJSON_Delete(resp);
	return st;
}

/* String member of a JSON object (or ""). */
static const char *js(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* An event of ev() with the account sub (instead of a made-up one) and staffId. */
static cJSON *ev_as(const char *route, const char *path, const char *body, const char *tenant, const char *sub,
		    const char *staff_id)
{
	cJSON *e = ev(route, path, body, NULL, tenant, NULL, NULL);
	cJSON *lam = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(e, "requestContext"), "authorizer"), "lambda");

	cJSON_ReplaceItemInObjectCaseSensitive(lam, "sub", cJSON_CreateString(sub));
	if (staff_id)
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(e, "pathParameters"), "staffId", staff_id);
	return e;
}

/* The restaurant, staff and password routes (docs/staff.md), as the owner. */
static void staff_requests(struct fx *f, const char *tenant, const char *owner)
{
	char sid[MT_ID_SIZE], path[64];
	cJSON *j = NULL;

	assert_int_equal(run(f, handler_restaurant, ev_as("GET /restaurant", "/restaurant", NULL, tenant, owner, NULL),
			     &j), 200);
	cJSON_Delete(j);
	expect_requests(f, "GET /restaurant", "GetItem:1");
	assert_int_equal(run(f, handler_restaurant, ev_as("PUT /restaurant", "/restaurant",
		"{\"name\":\"Chez Count\",\"timezone\":\"Europe/Paris\"}", tenant, owner, NULL), &j), 200);
	cJSON_Delete(j);
	expect_requests(f, "PUT /restaurant", "GetItem:1 PutItem:1");
	assert_int_equal(run(f, handler_staff, ev_as("POST /staff", "/staff",
		"{\"email\":\"host@example.com\",\"name\":\"Host\",\"role\":\"host\",\"password\":\"first password\"}",
		tenant, owner, NULL), &j), 201);
	snprintf(sid, sizeof sid, "%s", js(j, "id"));
	cJSON_Delete(j);
	expect_requests(f, "POST /staff", "PutItem:4 GetItem:1");   /* + the activity entry (and the retention it reads) */
	assert_int_equal(run(f, handler_staff, ev_as("GET /staff", "/staff", NULL, tenant, owner, NULL), &j), 200);
	assert_int_equal(cJSON_GetArraySize(j), 2);
	cJSON_Delete(j);
	expect_requests(f, "GET /staff (2 accounts)", "Query:1 GetItem:2");   /* + 1 GetItem per account */
	snprintf(path, sizeof path, "/staff/%s", sid);
	assert_int_equal(run(f, handler_staff, ev_as("GET /staff/{staffId}", path, NULL, tenant, owner, sid), &j), 200);
	cJSON_Delete(j);
	expect_requests(f, "GET /staff/{id}", "GetItem:2");
	assert_int_equal(run(f, handler_staff, ev_as("PUT /staff/{staffId}", path, "{\"role\":\"manager\"}", tenant,
		owner, sid), &j), 200);
	cJSON_Delete(j);
	expect_requests(f, "PUT /staff/{id}", "GetItem:2 UpdateItem:1 PutItem:1");
	snprintf(path, sizeof path, "/staff/%s/password", sid);
	assert_int_equal(run(f, handler_staff, ev_as("POST /staff/{staffId}/password", path,
		"{\"password\":\"second password\"}", tenant, owner, sid), &j), 200);
	cJSON_Delete(j);
	expect_requests(f, "POST /staff/{id}/password", "GetItem:2 UpdateItem:1 PutItem:1");
	assert_int_equal(run(f, handler_password, ev_as("POST /auth/password", "/auth/password",
		"{\"currentPassword\":\"correct horse battery\",\"newPassword\":\"a new horse battery\"}",
		tenant, owner, NULL), &j), 200);
	cJSON_Delete(j);
	/* the account, its update, then a new session: the restaurant, a refresh token */
	expect_requests(f, "POST /auth/password", "GetItem:3 UpdateItem:1 PutItem:2");
}

/* Every API operation, in the order a restaurant uses them. */
static void test_requests_per_api_operation(void **state)
{
	struct fx f;
	char url[512], *table = test_unique_name("mt-api"), *cause = NULL, qpath[128];
	char bearer[1024], refresh[200], tenant[MT_ID_SIZE], wl[MT_ID_SIZE], we[MT_ID_SIZE], owner[MT_ID_SIZE];
	char body[400], path[256];
	cJSON *j = NULL, *sched;
	struct mt_waitee w;
	int i;

	(void)state;
	memset(&f, 0, sizeof f);
	assert_int_equal(mt_sodium_init(), 0);
	snprintf(url, sizeof url, "dynamodb://%s?region=us-east-1&endpoint=%s", table, dyn.url);
	free(table);
	assert_int_equal(store_open(url, &f.ctx.store, &cause), 0);
	assert_int_equal(f.ctx.store->ops->init_schema(f.ctx.store), 0);
	f.aws = store_dynamodb_client(f.ctx.store);
	f.now = (int64_t)time(NULL) * 1000;
	f.ctx.clock.now_ms = fx_clock;
	f.ctx.clock.data = &f.now;
	mt_config_defaults(&f.ctx.cfg);
	randombytes_buf(f.ctx.cfg.jwt_secret, 64);
	f.ctx.cfg.jwt_secret_len = 64;
	snprintf(f.qdir, sizeof f.qdir, "/tmp/maitre-apireq-XXXXXX");
	assert_non_null(mkdtemp(f.qdir));
	snprintf(qpath, sizeof qpath, "%s/queue.db", f.qdir);
	assert_int_equal(queue_sqlite_open(qpath, &f.ctx.clock, &f.ctx.queue, &cause), 0);

	/* accounts */
	assert_int_equal(run(&f, handler_register, ev("POST /register", "/register",
		"{\"email\":\"Owner@Example.com\",\"password\":\"correct horse battery\",\"name\":\"Owner\"}",
		NULL, NULL, NULL, NULL), &j), 201);
	snprintf(owner, sizeof owner, "%s", js(j, "id"));
	cJSON_Delete(j);
	expect_requests(&f, "POST /register", "GetItem:1 PutItem:4");
	assert_int_equal(run(&f, handler_register, ev("POST /register", "/register",
		"{\"email\":\"owner@example.com\",\"password\":\"another password\",\"name\":\"Again\"}",
		NULL, NULL, NULL, NULL), &j), 409);
	cJSON_Delete(j);
	expect_requests(&f, "POST /register (e-mail taken)", "GetItem:1 PutItem:4 DeleteItem:2");

	assert_int_equal(run(&f, handler_token, ev("POST /auth/get-token", "/auth/get-token",
		"{\"email\":\"owner@example.com\",\"password\":\"correct horse battery\"}",
		NULL, NULL, NULL, NULL), &j), 200);
	snprintf(bearer, sizeof bearer, "%s", js(j, "accessToken"));
	snprintf(refresh, sizeof refresh, "%s", js(j, "refreshToken"));
	cJSON_Delete(j);
	assert_true(strncmp(bearer, "Bearer ", 7) == 0);
	expect_requests(&f, "POST /auth/get-token", "GetItem:6 PutItem:4 UpdateItem:2");
	assert_int_equal(run(&f, handler_token, ev("POST /auth/get-token", "/auth/get-token",
		"{\"email\":\"owner@example.com\",\"password\":\"wrong password!!\"}",
		NULL, NULL, NULL, NULL), &j), 401);
	cJSON_Delete(j);
	expect_requests(&f, "POST /auth/get-token (wrong password)", "GetItem:4 PutItem:2");
	assert_int_equal(run(&f, handler_token, ev("POST /auth/get-token", "/auth/get-token",
		"{\"email\":\"nobody@example.com\",\"password\":\"wrong password!!\"}",
		NULL, NULL, NULL, NULL), &j), 401);
	cJSON_Delete(j);
	expect_requests(&f, "POST /auth/get-token (unknown e-mail)", "GetItem:3 PutItem:2");

	{
		cJSON *resp, *e = ev("GET /waitlists", "/waitlists", NULL, bearer, NULL, NULL, NULL), *ctxo;

		aws_client_counts_reset(f.aws);
		resp = handler_authorizer(&f.ctx, e);
		cJSON_Delete(e);
		assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp, "isAuthorized")));
		ctxo = cJSON_GetObjectItemCaseSensitive(resp, "context");
		snprintf(tenant, sizeof tenant, "%s", js(ctxo, "tenantId"));
		cJSON_Delete(resp);
		expect_requests(&f, "authorizer (every protected route)", "GetItem:2");
	}

	if (refresh[0]) {
		snprintf(body, sizeof body, "{\"refreshToken\":\"%s\"}", refresh);
		assert_int_equal(run(&f, handler_refresh, ev("POST /auth/refresh", "/auth/refresh", body,
			NULL, NULL, NULL, NULL), &j), 200);
		snprintf(refresh, sizeof refresh, "%s", js(j, "refreshToken"));
		cJSON_Delete(j);
		expect_requests(&f, "POST /auth/refresh", "BatchGetItem:1 UpdateItem:1 GetItem:3 PutItem:1");
	}

	/* waitlists */
	assert_int_equal(run(&f, handler_waitlists, ev("POST /waitlists", "/waitlists",
		"{\"name\":\"Dinner\",\"description\":\"main room\"}", NULL, tenant, NULL, NULL), &j), 201);
	snprintf(wl, sizeof wl, "%s", js(j, "id"));
	cJSON_Delete(j);
	/* + its activity entry, whose expiry needs the restaurant's retention
	 * period: read once (1 GetItem), then kept 60 s per process (handlers/retention.h) */
	expect_requests(&f, "POST /waitlists", "PutItem:2 GetItem:1");
	assert_int_equal(run(&f, handler_waitlists, ev("GET /waitlists", "/waitlists", NULL, NULL, tenant,
		NULL, NULL), &j), 200);
	assert_int_equal(cJSON_GetArraySize(j), 1);
	cJSON_Delete(j);
	expect_requests(&f, "GET /waitlists", "Query:1 GetItem:1");   /* + 1 GetItem per list: its check-in link */
	snprintf(path, sizeof path, "/waitlists/%s", wl);
	assert_int_equal(run(&f, handler_waitlists, ev("PUT /waitlists/{waitlistId}", path,
		"{\"name\":\"Dinner (patio)\"}", NULL, tenant, wl, NULL), &j), 200);
	cJSON_Delete(j);
	expect_requests(&f, "PUT /waitlists/{id}", "GetItem:2 UpdateItem:1 PutItem:1");   /* the list, its check-in link; activity */

	/* waitees */
	snprintf(path, sizeof path, "/waitlists/%s/waitees", wl);
	for (i = 0; i < 3; i++) {
		f.now += 1000;
		snprintf(body, sizeof body, "{\"name\":\"Party %d\",\"phoneNumber\":\"+1555000%04d\",\"notifyIn\":%d}",
			 i, i, i == 0 ? 0 : 30);
		assert_int_equal(run(&f, handler_waitees, ev("POST /waitlists/{waitlistId}/waitees", path, body,
			NULL, tenant, wl, NULL), &j), 201);
		snprintf(we, sizeof we, "%s", js(j, "id"));
		cJSON_Delete(j);
		if (i == 0)   /* notifyIn 0: queued at once (claim + clear of the due slot) */
			expect_requests(&f, "POST /waitlists/{id}/waitees (notify now)", "GetItem:2 PutItem:5 Query:1 BatchGetItem:1");
		else   /* + the guest link, activity; the estimate (the restaurant's zone and 28 counter
			* buckets, docs/stats.md) was read by the first add and is cached (handlers/estcache.h) */
			expect_requests(&f, "POST /waitlists/{id}/waitees", "GetItem:1 PutItem:3 Query:1");
	}
	assert_int_equal(run(&f, handler_waitees, ev("GET /waitlists/{waitlistId}/waitees", path, NULL,
		NULL, tenant, wl, NULL), &j), 200);
	assert_int_equal(cJSON_GetArraySize(j), 3);
	cJSON_Delete(j);
	expect_requests(&f, "GET /waitlists/{id}/waitees", "GetItem:1 Query:1");
	snprintf(path, sizeof path, "/waitlists/%s/waitees/%s", wl, we);
	assert_int_equal(run(&f, handler_waitees, ev("PUT /waitlists/{waitlistId}/waitees/{waiteeId}", path,
		"{\"notifyIn\":5}", NULL, tenant, wl, we), &j), 200);
	cJSON_Delete(j);
	expect_requests(&f, "PUT /waitlists/{id}/waitees/{id}", "GetItem:2 PutItem:2 Query:1");

	/* the producer tick: one Query per due-index shard, one write per due waitee */
	f.now += 6 * 60000;   /* past the 5 minutes of the PUT above */
	sched = cJSON_Parse("{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\",\"detail\":{}}");
	assert_int_equal(f.ctx.store->ops->waitee_get(f.ctx.store, wl, we, &w), 0);
	aws_client_counts_reset(f.aws);
	{
		cJSON *resp = handler_producer(&f.ctx, sched);

		cJSON_Delete(sched);
		assert_non_null(resp);
		cJSON_Delete(resp);
	}
	expect_requests(&f, "producer tick (1 due of 3)", "Query:4 PutItem:2");

	/* the consumer, one SQS-shaped record at a time: each message queued
	 * above (notify-now on create, the producer's) is delivered once */
	assert_int_equal(mt_channels_from_env(&f.ctx.channels, &cause), 0);
	{
		struct queue_msg *msgs = NULL;
		size_t nm = 0, k;

		assert_int_equal(f.ctx.queue->ops->receive(f.ctx.queue, 10, 0, 60, &msgs, &nm, &cause), 0);
		/* notify-now "ready" (first party), "joined" for the other two, the producer's "ready" */
		assert_int_equal(nm, 4);
		for (k = 0; k < nm; k++) {
			cJSON *e = cJSON_CreateObject(), *recs = cJSON_AddArrayToObject(e, "Records");
			cJSON *rec = cJSON_CreateObject(), *resp;

			cJSON_AddStringToObject(rec, "messageId", msgs[k].id);
			cJSON_AddStringToObject(rec, "receiptHandle", msgs[k].receipt);
			cJSON_AddStringToObject(rec, "body", msgs[k].body);
			cJSON_AddStringToObject(cJSON_AddObjectToObject(rec, "attributes"), "ApproximateReceiveCount", "1");
			cJSON_AddStringToObject(rec, "eventSource", "aws:sqs");
			cJSON_AddItemToArray(recs, rec);
			aws_client_counts_reset(f.aws);
			resp = handler_consumer(&f.ctx, e);
			cJSON_Delete(e);
			assert_non_null(resp);
			assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(resp, "batchItemFailures")), 0);
			cJSON_Delete(resp);
			/* a joined message carries the place in line counted when the
			 * party was added (no Query); a ready one counts it now */
			if (strstr(msgs[k].body, "\"kind\":\"joined\"") != NULL) {
				assert_non_null(strstr(msgs[k].body, "\"position\":"));
				expect_requests(&f, "consumer (one joined message, sent)", "GetItem:7 PutItem:5");
			} else {
				expect_requests(&f, "consumer (one message, sent)", "GetItem:7 Query:1 PutItem:5");
			}
		}
		/* a repeat delivery of a sent message is a no-op: one read */
		{
			cJSON *e = cJSON_CreateObject(), *recs = cJSON_AddArrayToObject(e, "Records");
			cJSON *rec = cJSON_CreateObject(), *resp;

			cJSON_AddStringToObject(rec, "messageId", msgs[0].id);
			cJSON_AddStringToObject(rec, "receiptHandle", msgs[0].receipt);
			cJSON_AddStringToObject(rec, "body", msgs[0].body);
			cJSON_AddStringToObject(cJSON_AddObjectToObject(rec, "attributes"), "ApproximateReceiveCount", "2");
			cJSON_AddItemToArray(recs, rec);
			aws_client_counts_reset(f.aws);
			resp = handler_consumer(&f.ctx, e);
			cJSON_Delete(e);
			assert_non_null(resp);
			cJSON_Delete(resp);
			expect_requests(&f, "consumer (repeat delivery)", "GetItem:1");
		}
		queue_msgs_free(msgs, nm);
	}

	/* stats (docs/stats.md): a seat adds to its counter bucket with one UpdateItem (and the activity entry, PutItem) */
	assert_int_equal(run(&f, handler_waitees, ev("PUT /waitlists/{waitlistId}/waitees/{waiteeId}", path,
		"{\"status\":\"seated\"}", NULL, tenant, wl, we), &j), 200);
	cJSON_Delete(j);
	expect_requests(&f, "PUT /waitlists/{id}/waitees/{id} (seated)", "GetItem:2 PutItem:2 UpdateItem:1");
	{
		char spath[128];
		cJSON *e;

		snprintf(spath, sizeof spath, "/waitlists/%s/stats", wl);
		e = ev("GET /waitlists/{waitlistId}/stats", spath, NULL, NULL, tenant, wl, NULL);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "queryStringParameters"), "from", "2020-01-01");
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(e, "queryStringParameters"), "to", "2020-12-31");
		assert_int_equal(run(&f, handler_stats, e, &j), 200);
		cJSON_Delete(j);
		expect_requests(&f, "GET /waitlists/{id}/stats (a year)", "GetItem:2 Query:1");
		snprintf(spath, sizeof spath, "/waitlists/%s/stats", wl);
		e = ev("GET /waitlists/{waitlistId}/stats", spath, NULL, NULL, tenant, wl, NULL);
		assert_int_equal(run(&f, handler_stats, e, &j), 200);
		assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "total"),
								       "served")->valuedouble, 1);
		cJSON_Delete(j);
		expect_requests(&f, "GET /waitlists/{id}/stats (this week)", "GetItem:2 Query:1");
		snprintf(spath, sizeof spath, "/waitlists/%s/estimate", wl);
		e = ev("GET /waitlists/{waitlistId}/estimate", spath, NULL, NULL, tenant, wl, NULL);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "queryStringParameters"), "partySize", "2");
		assert_int_equal(run(&f, handler_stats, e, &j), 200);
		cJSON_Delete(j);
		expect_requests(&f, "GET /waitlists/{id}/estimate", "GetItem:2 BatchGetItem:1");
	}
	/* issue 10: the activity log and the shift handover */
	snprintf(path, sizeof path, "/waitlists/%s/activity", wl);
	assert_int_equal(run(&f, handler_activity, ev("GET /waitlists/{waitlistId}/activity", path, NULL, NULL,
		tenant, wl, NULL), &j), 200);
	assert_true(cJSON_GetArraySize(j) >= 6);
	cJSON_Delete(j);
	/* the list; the page; each party's name (3). An actor's name is one
	 * GetItem per account on the page: none here, this test's `sub` is not
	 * a well-formed id (no account), so it is not looked up. */
	expect_requests(&f, "GET /waitlists/{id}/activity", "GetItem:4 Query:1");
	snprintf(path, sizeof path, "/waitlists/%s/handover", wl);
	assert_int_equal(run(&f, handler_handover, ev("PUT /waitlists/{waitlistId}/handover", path,
		"{\"note\":\"Table 4 wobbles\"}", NULL, tenant, wl, NULL), &j), 201);
	cJSON_Delete(j);
	/* the list (+1 GetItem for the author's name with a real account); note, activity */
	expect_requests(&f, "PUT /waitlists/{id}/handover", "GetItem:1 PutItem:2");
	assert_int_equal(run(&f, handler_handover, ev("GET /waitlists/{waitlistId}/handover", path, NULL, NULL,
		tenant, wl, NULL), &j), 200);
	cJSON_Delete(j);
	expect_requests(&f, "GET /waitlists/{id}/handover", "GetItem:1 Query:1");
	snprintf(path, sizeof path, "/waitlists/%s/handover/ack", wl);
	assert_int_equal(run(&f, handler_handover, ev("POST /waitlists/{waitlistId}/handover/ack", path, NULL, NULL,
		tenant, wl, NULL), &j), 200);
	cJSON_Delete(j);
	/* the list (+1 GetItem for the name with a real account); the current note; note, activity */
	expect_requests(&f, "POST /waitlists/{id}/handover/ack", "GetItem:1 Query:1 PutItem:2");
	snprintf(path, sizeof path, "/waitlists/%s/handover/summary", wl);
	assert_int_equal(run(&f, handler_handover, ev("GET /waitlists/{waitlistId}/handover/summary", path, NULL,
		NULL, tenant, wl, NULL), &j), 200);
	cJSON_Delete(j);
	/* the list; the note; the parties (one page); the replies since the note */
	expect_requests(&f, "GET /waitlists/{id}/handover/summary", "GetItem:1 Query:3");
	{
		cJSON *e = cJSON_Parse("{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\",\"detail\":{}}");
		cJSON *resp;

		aws_client_counts_reset(f.aws);
		resp = handler_purge(&f.ctx, e);
		cJSON_Delete(e);
		assert_non_null(resp);
		cJSON_Delete(resp);
		/* nothing past its deadline: one Query per erasure-index shard */
		expect_requests(&f, "purge (nothing due)", "Query:4");
	}
	snprintf(path, sizeof path, "/waitlists/%s/waitees/%s", wl, we);

	assert_int_equal(run(&f, handler_waitees, ev("DELETE /waitlists/{waitlistId}/waitees/{waiteeId}", path,
		NULL, NULL, tenant, wl, we), &j), 204);
	cJSON_Delete(j);
	expect_requests(&f, "DELETE /waitlists/{id}/waitees/{id}", "GetItem:2 DeleteItem:1 PutItem:1");   /* + the party (its size), activity */
	snprintf(path, sizeof path, "/waitlists/%s", wl);
	assert_int_equal(run(&f, handler_waitlists, ev("DELETE /waitlists/{waitlistId}", path, NULL, NULL, tenant,
		wl, NULL), &j), 204);
	cJSON_Delete(j);
	expect_requests(&f, "DELETE /waitlists/{id} (2 waitees)", "GetItem:1 Query:1 BatchWriteItem:1 DeleteItem:1 PutItem:1");
	assert_int_equal(run(&f, handler_activity, ev("GET /activity", "/activity", NULL, NULL, tenant, NULL, NULL), &j),
			 200);
	assert_int_equal(cJSON_GetArraySize(j), 1);   /* the list deleted */
	cJSON_Delete(j);
	expect_requests(&f, "GET /activity (restaurant-wide)", "Query:1");   /* + 2 GetItem per account named */

	if (refresh[0]) {
		snprintf(body, sizeof body, "{\"refreshToken\":\"%s\"}", refresh);
		assert_int_equal(run(&f, handler_logout, ev("POST /auth/logout", "/auth/logout", body,
			NULL, NULL, NULL, NULL), &j), 204);
		cJSON_Delete(j);
		expect_requests(&f, "POST /auth/logout", "BatchGetItem:1 Query:1 UpdateItem:1");
	}

	staff_requests(&f, tenant, owner);

	mt_channels_free(f.ctx.channels);
	f.ctx.queue->ops->close(f.ctx.queue);
	store_close(f.ctx.store);
	snprintf(path, sizeof path, "rm -rf '%s'", f.qdir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_per_api_operation),
	};
	int rc, failed;

	rc = dynalite_start(&dyn);
	if (rc == 77)
		return 77;
	if (rc != 0)
		return 1;
	setenv("AWS_ACCESS_KEY_ID", "AKIDLOCALTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "local-test-secret", 1);
	unsetenv("AWS_SESSION_TOKEN");
	failed = cmocka_run_group_tests_name("api-requests-dynamodb", tests, NULL, NULL);
	test_proc_stop(&dyn);
	return failed ? 1 : 0;
}
