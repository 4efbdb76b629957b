/* bench-store: store operations per second (create, get, list, update, due
 * lookup) on SQLite and on DynamoDB (dynalite, started here on loopback) in
 * one run, and back-end requests per API operation through the real
 * handlers on both. Prints one table per section with the ratio.
 *
 * Usage: bench-store [-n OPS] [-t THREADS]   (defaults: 2000 ops, 4 threads) */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "auth/auth.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/id.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"
#include "store/store.h"
#include "../tests/tools/dynalite.h"

#define BENCH_OPS 5                /* create, get, list, update, due */

static const char *const bench_op_names[BENCH_OPS] = { "create", "get", "list(50)", "update", "due lookup" };

/* One back end under test. */
struct bench_backend {
	const char *name;              /* "sqlite", "dynamodb" */
	struct store *s;               /* the store */
	double ops_per_s[BENCH_OPS];   /* results */
	double req_per_op[BENCH_OPS];  /* back-end requests per operation */
};

/* Shared state of one timed phase. */
struct bench_phase {
	struct store *s;               /* store */
	int op;                        /* which operation */
	int per_thread;                /* operations per thread */
	struct mt_waitlist *wl;        /* lists, one per thread */
	struct mt_waitee *ws;          /* waitees, per_thread per thread */
	int failures;                  /* failed operations (all threads) */
	pthread_mutex_t lock;          /* guards failures */
};

/* One worker's slice. */
struct bench_worker {
	struct bench_phase *ph;        /* phase */
	int idx;                       /* thread index */
};

/* Monotonic seconds. */
static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Requests counted by the store so far. */
static uint64_t bench_requests(struct store *s)
{
	struct store_stats st = { 0, 0 };

	if (s->ops->stats)
		s->ops->stats(s, &st);
	return st.requests;
}

/* Runs per_thread operations of one kind on this thread's list. */
static void *bench_work(void *arg)
{
	struct bench_worker *wk = arg;
	struct bench_phase *ph = wk->ph;
	struct store *s = ph->s;
	struct mt_waitlist *wl = &ph->wl[wk->idx];
	struct mt_waitee *ws = ph->ws + (size_t)wk->idx * (size_t)ph->per_thread, got, *items;
	struct store_page page = { NULL, 50 };
	int64_t now = mt_clock_system_now(NULL);
	char *cursor;
	size_t n;
	int i, r = 0, fails = 0;

	for (i = 0; i < ph->per_thread; i++) {
		struct mt_waitee *w = &ws[i];

		switch (ph->op) {
		case 0:
			memset(w, 0, sizeof *w);
			mt_id_new(w->id, now + i);
			memcpy(w->waitlist_id, wl->id, MT_ID_SIZE);
			memcpy(w->tenant_id, wl->tenant_id, MT_ID_SIZE);
			snprintf(w->name, sizeof w->name, "Party %d-%d", wk->idx, i);
			snprintf(w->phone, sizeof w->phone, "+1555%03d%04d", wk->idx % 1000, i % 10000);
			w->party_size = 2 + i % 4;
			w->joined_at = w->updated_at = now;
			w->due_at = i % 50 == 0 ? now - 1000 : 0;   /* 2% due */
			r = s->ops->waitee_create(s, w);
			break;
		case 1:
			r = s->ops->waitee_get(s, wl->id, w->id, &got);
			break;
		case 2:
			items = NULL;
			cursor = NULL;
			r = s->ops->waitee_list(s, wl->id, &page, &items, &n, &cursor);
			free(items);
			free(cursor);
			break;
		case 3:
			w->quoted_minutes += 5;
			r = s->ops->waitee_update(s, w, w->version);
			break;
		case 4:
			items = NULL;
			r = s->ops->waitee_list_due(s, now, 100, &items, &n);
			free(items);
			break;
		}
		if (r != 0)
			fails++;
	}
	pthread_mutex_lock(&ph->lock);
	ph->failures += fails;
	pthread_mutex_unlock(&ph->lock);
	return NULL;
}

/* Times every operation kind on one back end. */
static int bench_store_ops(struct bench_backend *b, int ops, int threads)
{
	struct bench_phase ph;
	struct bench_worker wk[64];
	pthread_t th[64];
	int64_t now = mt_clock_system_now(NULL);
	char tenant[MT_ID_SIZE];
	uint64_t r0;
	double t0, dt;
	int op, i, total;

	memset(&ph, 0, sizeof ph);
	ph.s = b->s;
	ph.per_thread = ops / threads;
	total = ph.per_thread * threads;
	ph.wl = calloc((size_t)threads, sizeof *ph.wl);
	ph.ws = calloc((size_t)total, sizeof *ph.ws);
	if (ph.wl == NULL || ph.ws == NULL)
		return MT_ENOMEM;
	pthread_mutex_init(&ph.lock, NULL);
	mt_id_new(tenant, now);
	for (i = 0; i < threads; i++) {
		mt_id_new(ph.wl[i].id, now + i);
		memcpy(ph.wl[i].tenant_id, tenant, MT_ID_SIZE);
		snprintf(ph.wl[i].name, sizeof ph.wl[i].name, "bench %d", i);
		if (b->s->ops->waitlist_create(b->s, &ph.wl[i]) != 0)
			return MT_EIO;
	}
	for (op = 0; op < BENCH_OPS; op++) {
		ph.op = op;
		ph.failures = 0;
		r0 = bench_requests(b->s);
		t0 = bench_now();
		for (i = 0; i < threads; i++) {
			wk[i].ph = &ph;
			wk[i].idx = i;
			pthread_create(&th[i], NULL, bench_work, &wk[i]);
		}
		for (i = 0; i < threads; i++)
			pthread_join(th[i], NULL);
		dt = bench_now() - t0;
		b->ops_per_s[op] = total / dt;
		b->req_per_op[op] = (double)(bench_requests(b->s) - r0) / total;
		if (ph.failures)
			fprintf(stderr, "%s %s: %d of %d failed\n", b->name, bench_op_names[op], ph.failures, total);
	}
	pthread_mutex_destroy(&ph.lock);
	free(ph.wl);
	free(ph.ws);
	return 0;
}

/* ---- API operations through the handlers ---- */

#define BENCH_API 7

static const char *const bench_api_names[BENCH_API] = {
	"POST /waitlists", "GET /waitlists", "POST .../waitees", "GET .../waitees",
	"PUT .../waitees/{id}", "DELETE .../waitees/{id}", "DELETE /waitlists/{id}",
};

/* The fake clock reads an int64. */
static int64_t bench_clock(void *data)
{
	return *(int64_t *)data;
}

/* Builds an API Gateway v2 event with the authorizer context filled in. */
static cJSON *bench_event(const char *route, const char *path, const char *body, const char *tenant,
			  const char *wl, const char *we)
{
	cJSON *e = cJSON_CreateObject(), *rc, *http, *pp, *lam, *h;
	char method[8] = "";
	const char *sp = strchr(route, ' ');

	memcpy(method, route, (size_t)(sp - route));
	cJSON_AddStringToObject(e, "version", "2.0");
	cJSON_AddStringToObject(e, "routeKey", route);
	cJSON_AddStringToObject(e, "rawPath", path);
	h = cJSON_AddObjectToObject(e, "headers");
	cJSON_AddStringToObject(h, "content-type", "application/json");
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
	lam = cJSON_AddObjectToObject(cJSON_AddObjectToObject(rc, "authorizer"), "lambda");
	cJSON_AddStringToObject(lam, "tenantId", tenant);
	cJSON_AddStringToObject(lam, "sub", "01HSUBSUBSUBSUBSUBSUBSUBSU");
	cJSON_AddStringToObject(lam, "role", "owner");
	if (body)
		cJSON_AddStringToObject(e, "body", body);
	return e;
}

/* Calls a handler; returns the status and copies body member "id" into id. */
static int bench_call(struct mt_ctx *ctx, mt_handler_fn fn, cJSON *e, char *id)
{
	cJSON *resp = fn(ctx, e), *j, *v;
	int st;

	cJSON_Delete(e);
	if (resp == NULL)
		return 500;
	st = mt_resp_status(resp);
	if (id) {
		j = cJSON_Parse(mt_resp_body(resp));
		v = cJSON_GetObjectItemCaseSensitive(j, "id");
		if (cJSON_IsString(v))
			snprintf(id, MT_ID_SIZE, "%s", v->valuestring);
		cJSON_Delete(j);
	}
	cJSON_Delete(resp);
	return st;
}

/* Runs `rounds` of each API operation; fills requests per op and ops/s. */
static int bench_api(struct store *s, int rounds, double *req, double *rate)
{
	struct mt_ctx ctx;
	int64_t clock = mt_clock_system_now(NULL);
	char tenant[MT_ID_SIZE], wl[MT_ID_SIZE], path[256], body[160];
	char (*ids)[MT_ID_SIZE] = calloc((size_t)rounds, MT_ID_SIZE);
	char (*lists)[MT_ID_SIZE] = calloc((size_t)rounds, MT_ID_SIZE);
	uint64_t r0;
	double t0;
	int op, i, bad = 0, st = 0;

	if (ids == NULL || lists == NULL)
		return MT_ENOMEM;
	memset(&ctx, 0, sizeof ctx);
	ctx.store = s;
	ctx.clock.now_ms = bench_clock;
	ctx.clock.data = &clock;
	mt_config_defaults(&ctx.cfg);
	mt_id_new(tenant, clock);
	for (op = 0; op < BENCH_API; op++) {
		r0 = bench_requests(s);
		t0 = bench_now();
		for (i = 0; i < rounds; i++) {
			clock++;
			switch (op) {
			case 0:
				snprintf(body, sizeof body, "{\"name\":\"List %d\"}", i);
				st = bench_call(&ctx, handler_waitlists,
						bench_event("POST /waitlists", "/waitlists", body, tenant, NULL, NULL),
						lists[i]);
				if (i == 0)
					memcpy(wl, lists[0], MT_ID_SIZE);
				st = st == 201 ? 0 : st;
				break;
			case 1:
				st = bench_call(&ctx, handler_waitlists,
						bench_event("GET /waitlists", "/waitlists", NULL, tenant, NULL, NULL), NULL);
				st = st == 200 ? 0 : st;
				break;
			case 2:
				snprintf(path, sizeof path, "/waitlists/%s/waitees", wl);
				snprintf(body, sizeof body, "{\"name\":\"Guest %d\",\"phoneNumber\":\"+1555%07d\",\"notifyIn\":30}",
					 i, i % 10000000);
				st = bench_call(&ctx, handler_waitees,
						bench_event("POST /waitlists/{waitlistId}/waitees", path, body, tenant, wl, NULL),
						ids[i]);
				st = st == 201 ? 0 : st;
				break;
			case 3:
				snprintf(path, sizeof path, "/waitlists/%s/waitees", wl);
				st = bench_call(&ctx, handler_waitees,
						bench_event("GET /waitlists/{waitlistId}/waitees", path, NULL, tenant, wl, NULL),
						NULL);
				st = st == 200 ? 0 : st;
				break;
			case 4:
				snprintf(path, sizeof path, "/waitlists/%s/waitees/%s", wl, ids[i]);
				st = bench_call(&ctx, handler_waitees,
						bench_event("PUT /waitlists/{waitlistId}/waitees/{waiteeId}", path,
							    "{\"notifyIn\":20}", tenant, wl, ids[i]), NULL);
				st = st == 200 ? 0 : st;
				break;
			case 5:
				snprintf(path, sizeof path, "/waitlists/%s/waitees/%s", wl, ids[i]);
				st = bench_call(&ctx, handler_waitees,
						bench_event("DELETE /waitlists/{waitlistId}/waitees/{waiteeId}", path, NULL,
							    tenant, wl, ids[i]), NULL);
				st = st == 204 ? 0 : st;
				break;
			case 6:
				snprintf(path, sizeof path, "/waitlists/%s", lists[i]);
				st = bench_call(&ctx, handler_waitlists,
						bench_event("DELETE /waitlists/{waitlistId}", path, NULL, tenant, lists[i], NULL),
						NULL);
				st = st == 204 ? 0 : st;
				break;
			}
			if (st != 0 && bad++ < 3)
				fprintf(stderr, "%s: HTTP %d\n", bench_api_names[op], st);
		}
		rate[op] = rounds / (bench_now() - t0);
		req[op] = (double)(bench_requests(s) - r0) / rounds;
	}
	free(ids);
	free(lists);
	return bad ? MT_EIO : 0;
}

int main(int argc, char **argv)
{
	struct bench_backend b[2];
	struct test_proc dyn;
	char dir[64] = "/tmp/maitre-bench-XXXXXX", url[512], *cause = NULL;
	double api_req[2][BENCH_API], api_rate[2][BENCH_API];
	int ops = 2000, threads = 4, rounds = 200, opt, i, k;

	while ((opt = getopt(argc, argv, "n:t:r:")) != -1) {
		char *end;
		long v = strtol(optarg, &end, 10);

		if (*end || v < 1 || v > 1000000 || (opt == 't' && v > 64)) {
			fprintf(stderr, "usage: bench-store [-n OPS] [-t THREADS<=64] [-r API_ROUNDS]\n");
			return 2;
		}
		if (opt == 'n')
			ops = (int)v;
		else if (opt == 't')
			threads = (int)v;
		else if (opt == 'r')
			rounds = (int)v;
		else
			return 2;
	}
	if (mt_sodium_init() != 0 || mkdtemp(dir) == NULL)
		return 1;
	if (dynalite_start(&dyn) != 0) {
		fprintf(stderr, "bench-store: dynalite did not start (node and tests/node_modules needed)\n");
		return 1;
	}
	setenv("AWS_ACCESS_KEY_ID", "AKIDLOCALBENCH", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "local-bench-secret", 1);
	memset(b, 0, sizeof b);
	b[0].name = "sqlite";
	b[1].name = "dynamodb";
	snprintf(url, sizeof url, "sqlite:%s/bench.db", dir);
	if (store_open(url, &b[0].s, &cause) != 0 || b[0].s->ops->init_schema(b[0].s) != 0)
		goto fail;
	snprintf(url, sizeof url, "dynamodb://bench-store?region=us-east-1&endpoint=%s", dyn.url);
	if (store_open(url, &b[1].s, &cause) != 0 || b[1].s->ops->init_schema(b[1].s) != 0)
		goto fail;

	printf("bench-store: %d ops per kind, %d threads; dynalite 4 (node, in memory) vs SQLite (WAL file)\n\n",
	       ops - ops % threads, threads);
	for (k = 0; k < 2; k++)
		if (bench_store_ops(&b[k], ops, threads) != 0)
			goto fail;
	printf("%-12s %14s %14s %10s %12s %12s\n", "store op", "sqlite ops/s", "dynamodb ops/s", "ratio",
	       "sqlite req", "dynamo req");
	for (i = 0; i < BENCH_OPS; i++)
		printf("%-12s %14.0f %14.0f %9.1fx %12.2f %12.2f\n", bench_op_names[i], b[0].ops_per_s[i],
		       b[1].ops_per_s[i], b[0].ops_per_s[i] / b[1].ops_per_s[i], b[0].req_per_op[i],
		       b[1].req_per_op[i]);

	for (k = 0; k < 2; k++)
		if (bench_api(b[k].s, rounds, api_req[k], api_rate[k]) != 0)
			goto fail;
	printf("\n%-24s %12s %12s %12s %12s  (%d rounds, 1 thread, handlers called in-process)\n", "API operation",
	       "sqlite req", "dynamo req", "sqlite op/s", "dynamo op/s", rounds);
	for (i = 0; i < BENCH_API; i++)
		printf("%-24s %12.2f %12.2f %12.0f %12.0f\n", bench_api_names[i], api_req[0][i], api_req[1][i],
		       api_rate[0][i], api_rate[1][i]);
	printf("\n(req = back-end requests per operation: SQL statements for SQLite, DynamoDB calls for dynamodb;\n"
	       " GET lists hold %d items; DELETE /waitlists/{id} lists are empty)\n", rounds);
	store_close(b[0].s);
	store_close(b[1].s);
	test_proc_stop(&dyn);
	snprintf(url, sizeof url, "rm -rf '%s'", dir);
	return system(url) == 0 ? 0 : 1;
fail:
	fprintf(stderr, "bench-store: %s\n", cause ? cause : "a back end failed");
	free(cause);
	store_close(b[0].s);
	store_close(b[1].s);
	test_proc_stop(&dyn);
	return 1;
}
