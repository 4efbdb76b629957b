/* Notifications benchmark (issue 4 item 9): N waitees (default 100,000) of
 * which D (default 1,000) are due, on the real SQLite store and embedded
 * queue in a temp dir. Prints:
 * - the EXPLAIN QUERY PLAN of the due lookup (must use the partial index
 *   waitees_due, never scan the table);
 * - the producer's time to queue the D due waitees, and its time for a pass
 *   with nothing due (what every tick costs: O(due), not O(table));
 * - the consumer's deliveries per second to the local SMS sink
 *   (tests/notify/sms-sink.py, real HTTP, every request checked), checked
 *   against the sink's own count.
 * Usage: bench-notify [WAITEES [DUE]] */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/error.h"
#include "core/id.h"
#include "handlers/handler.h"
#include "notify/channel.h"
#include "notify/notify.h"
#include "queue/queue.h"
#include "store/store.h"
#include "store/store-sqlite.h"

#ifndef MT_TESTS_DIR
#define MT_TESTS_DIR "tests"
#endif

#define BENCH_T0 1800000000000LL
#define BENCH_THREADS 8

/* Shared state of the creating threads. */
struct bench_fill {
	struct store *store;          /* store */
	const struct mt_waitlist *wl; /* list */
	long total;                   /* waitees to create */
	long due;                     /* how many of them are due */
	long next;                    /* next index to create (under lock) */
	pthread_mutex_t lock;         /* guards next, errors */
	long errors;                  /* failed creates */
};

/* Monotonic seconds. */
static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The fixed benchmark clock. */
static int64_t bench_clock(void *data)
{
	(void)data;
	return BENCH_T0;
}

/* Thread body: creates waitees until the count is reached. Index i < due
 * is due (in the past), every 10th of the rest is planned an hour ahead. */
static void *bench_fill_main(void *p)
{
	struct bench_fill *f = p;
	struct mt_waitee w;
	long i;

	for (;;) {
		pthread_mutex_lock(&f->lock);
		i = f->next++;
		pthread_mutex_unlock(&f->lock);
		if (i >= f->total)
			return NULL;
		memset(&w, 0, sizeof w);
		mt_id_new(w.id, BENCH_T0 - 3600000 + i);
		memcpy(w.waitlist_id, f->wl->id, MT_ID_SIZE);
		memcpy(w.tenant_id, f->wl->tenant_id, MT_ID_SIZE);
		snprintf(w.name, sizeof w.name, "Guest %ld", i);
		snprintf(w.phone, sizeof w.phone, "+1555%07ld", i % 10000000);
		w.party_size = 2;
		w.quoted_minutes = 30;
		w.status = MT_WAITING;
		w.joined_at = w.updated_at = BENCH_T0 - 3600000;
		if (i < f->due || i % 10 == 0) {
			w.notify_seq = 1;
			w.notify_at = w.due_at = i < f->due ? BENCH_T0 - 60000 - i : BENCH_T0 + 3600000;
			snprintf(w.notify_kind, sizeof w.notify_kind, "ready");
		}
		if (f->store->ops->waitee_create(f->store, &w) != 0) {
			pthread_mutex_lock(&f->lock);
			f->errors++;
			pthread_mutex_unlock(&f->lock);
		}
	}
}

/* Starts the SMS sink; returns its PID and port, or -1. */
static pid_t bench_sink(const char *dir, int *port)
{
	char pf[512], log[512], script[512];
	pid_t pid;
	int i;

	snprintf(pf, sizeof pf, "%s/sink.port", dir);
	snprintf(log, sizeof log, "%s/sms.jsonl", dir);
	snprintf(script, sizeof script, "%s/notify/sms-sink.py", MT_TESTS_DIR);
	pid = fork();
	if (pid == 0) {
		execl("/usr/bin/python3", "python3", script, "--port-file", pf, "--account", "ACbench",
		      "--token", "bench-token", "--log", log, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200 && pid > 0; i++) {
		FILE *f = fopen(pf, "r");

		if (f) {
			int ok = fscanf(f, "%d", port) == 1;

			fclose(f);
			if (ok)
				return pid;
		}
		usleep(50000);
	}
	return -1;
}

/* Counts lines of a file. */
static long bench_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int c;

	if (f == NULL)
		return -1;
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

/* One consumer pass like maitred's worker; returns messages handled. */
static size_t bench_consume(struct mt_ctx *ctx, long *failures)
{
	struct queue *q = ctx->queue;
	struct queue_msg *m = NULL;
	size_t n = 0, i;
	cJSON *ev, *recs, *ans, *f;
	char num[16];

	if (q->ops->receive(q, QUEUE_BATCH_MAX, 0, 60, &m, &n, NULL) != 0 || n == 0)
		return 0;
	ev = cJSON_CreateObject();
	recs = cJSON_AddArrayToObject(ev, "Records");
	for (i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateObject(), *a;

		cJSON_AddItemToArray(recs, r);
		cJSON_AddStringToObject(r, "messageId", m[i].id);
		cJSON_AddStringToObject(r, "receiptHandle", m[i].receipt);
		cJSON_AddStringToObject(r, "body", m[i].body);
		a = cJSON_AddObjectToObject(r, "attributes");
		snprintf(num, sizeof num, "%d", m[i].receive_count);
		cJSON_AddStringToObject(a, "ApproximateReceiveCount", num);
	}
	ans = handler_consumer(ctx, ev);
	f = cJSON_GetObjectItemCaseSensitive(ans, "batchItemFailures");
	*failures += cJSON_GetArraySize(f);
	for (i = 0; i < n; i++)
		q->ops->delete(q, m[i].receipt, NULL);
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	queue_msgs_free(m, n);
	return n;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/maitre-bench-notify-XXXXXX";
	char db[256], url[128], port_s[16], log[512], cmd[600];
	struct bench_fill fill;
	struct mt_waitlist wl;
	struct mt_ctx ctx;
	struct queue_depth d;
	pthread_t t[BENCH_THREADS];
	char *cause = NULL, *plan = NULL;
	cJSON *ev, *ans;
	double t0, t_fill, t_prod, t_idle, t_cons;
	long total = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	long due = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
	long handled = 0, failures = 0, sent, later = 0;
	int i, port = 0, queued, ok = 1;
	pid_t sink;

	if (total < 1 || due < 0 || due > total) {
		fprintf(stderr, "usage: bench-notify [WAITEES [DUE]]\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db, sizeof db, "%s/maitre.db", dir);
	memset(&ctx, 0, sizeof ctx);
	ctx.clock.now_ms = bench_clock;
	if (store_sqlite_open(db, &ctx.store, &cause) != 0 || ctx.store->ops->init_schema(ctx.store) != 0 ||
	    queue_sqlite_open(db, &ctx.clock, &ctx.queue, &cause) != 0) {
		fprintf(stderr, "open: %s\n", cause ? cause : "?");
		return 1;
	}
	/* As maitred: queue writes share the store's group-committed writer. */
	if (queue_sqlite_use_store(ctx.queue, ctx.store) != 0)
		return 1;
	memset(&wl, 0, sizeof wl);
	mt_id_new(wl.id, BENCH_T0);
	mt_id_new(wl.tenant_id, BENCH_T0);
	snprintf(wl.name, sizeof wl.name, "Bench Brasserie");
	if (ctx.store->ops->waitlist_create(ctx.store, &wl) != 0)
		return 1;

	/* Fill. */
	memset(&fill, 0, sizeof fill);
	fill.store = ctx.store;
	fill.wl = &wl;
	fill.total = total;
	fill.due = due;
	pthread_mutex_init(&fill.lock, NULL);
	t0 = bench_now();
	for (i = 0; i < BENCH_THREADS; i++)
		pthread_create(&t[i], NULL, bench_fill_main, &fill);
	for (i = 0; i < BENCH_THREADS; i++)
		pthread_join(t[i], NULL);
	t_fill = bench_now() - t0;
	for (long k = due; k < total; k++)
		later += k % 10 == 0;
	printf("waitees: %ld (%ld due now, %ld planned later), created in %.1f s (%.0f/s, %d threads), errors %ld\n",
	       total, due, later, t_fill, (double)total / t_fill, BENCH_THREADS, fill.errors);

	/* The due lookup's plan. */
	if (store_sqlite_query_plan(ctx.store, "waitee_list_due", &plan) == 0) {
		int uses = strstr(plan, "USING INDEX waitees_due") || strstr(plan, "USING COVERING INDEX waitees_due");
		int scans = strstr(plan, "SCAN waitees") != NULL && !uses;

		printf("due lookup plan: %s -> %s\n", plan, uses && !scans ? "uses the index (OK)" : "TABLE SCAN (FAIL)");
		ok &= uses && !scans;
		free(plan);
	}

	/* Producer: the due ones, then an idle pass. */
	ev = cJSON_Parse("{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\"}");
	t0 = bench_now();
	ans = handler_producer(&ctx, ev);
	t_prod = bench_now() - t0;
	queued = (int)cJSON_GetObjectItemCaseSensitive(ans, "queued")->valuedouble;
	cJSON_Delete(ans);
	t0 = bench_now();
	ans = handler_producer(&ctx, ev);
	t_idle = bench_now() - t0;
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	ctx.queue->ops->depth(ctx.queue, &d, NULL);
	printf("producer: queued %d of %ld due in %.3f s (%.0f waitees/s, %.2f ms per batch of 10); "
	       "idle pass over %ld waitees: %.0f us; queue depth %ld\n",
	       queued, due, t_prod, queued / t_prod, t_prod * 1000 / ((queued + 9) / 10 ? (queued + 9) / 10 : 1),
	       total, t_idle * 1e6, d.visible);
	ok &= queued == due && d.visible == due;

	/* Consumer to the SMS sink. */
	sink = bench_sink(dir, &port);
	if (sink < 0) {
		fprintf(stderr, "the SMS sink did not start\n");
		return 1;
	}
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	snprintf(port_s, sizeof port_s, "%d", port);
	setenv("MAITRE_SMS_URL", url, 1);
	setenv("MAITRE_SMS_ACCOUNT", "ACbench", 1);
	setenv("MAITRE_SMS_TOKEN", "bench-token", 1);
	setenv("MAITRE_SMS_FROM", "+15550001111", 1);
	if (mt_channels_from_env(&ctx.channels, &cause) != 0) {
		fprintf(stderr, "channels: %s\n", cause ? cause : "?");
		return 1;
	}
	t0 = bench_now();
	for (;;) {
		size_t n = bench_consume(&ctx, &failures);

		if (n == 0)
			break;
		handled += (long)n;
	}
	t_cons = bench_now() - t0;
	snprintf(log, sizeof log, "%s/sms.jsonl", dir);
	sent = bench_lines(log);
	printf("consumer: %ld messages in %.2f s = %.0f deliveries/s to the SMS sink (sink counted %ld, failures %ld)\n",
	       handled, t_cons, handled / t_cons, sent, failures);
	ok &= sent == due && failures == 0;

	mt_channels_free(ctx.channels);
	kill(sink, SIGTERM);
	waitpid(sink, NULL, 0);
	queue_close(ctx.queue);
	store_close(ctx.store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	printf("%s\n", ok ? "OK" : "FAIL");
	return ok ? 0 : 1;
}
