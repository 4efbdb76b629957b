/* maitred's background jobs (the same events as on AWS, so a bug found
 * locally is the bug in AWS). Two threads:
 *
 * - the scheduler builds the EventBridge scheduled event and runs
 *   handler_producer once at start (to catch up after downtime) and then
 *   every tick_seconds;
 * - the worker receives up to the queue's receive_max messages from
 *   ctx->queue (10 on SQS, 100 on the embedded queue; 1 s waits so a
 *   stop is prompt), builds the SQS event Lambda would get, runs
 *   handler_consumer, deletes the messages that succeeded and leaves the
 *   reported failures to come back (the consumer sets their backoff).
 *
 * jobs_stop sets a flag, signals a condition variable the scheduler
 * sleeps on, and joins both: the batch in hand is finished first.
 * The scheduler also runs the store's expiry purge at start and every 15 minutes
 * (finished parties' guest data once the restaurant's retention period
 * has passed, refresh tokens a day past expiry), also without a queue; on
 * DynamoDB the TTL deletes the rest, days late, and the purge erases guest
 * data on time through the erasure index (store-dynamodb-activity.c).
 *
 * MAITRE_QUEUE_VISIBILITY_SECONDS (default 60) is how long a received
 * batch stays hidden: after a crash, its messages come back after that. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/error.h"
#include "core/log.h"
#include "daemon/jobs.h"
#include "queue/queue.h"
#include "store/store.h"

#define JOBS_RECEIVE_WAIT_MS 1000
#define JOBS_VISIBILITY_DEFAULT 60
#define JOBS_PURGE_PERIOD_S 900       /* expired guests' data is erased every 15 minutes (as on AWS) */
#define JOBS_PURGE_BATCH 500          /* records per kind per transaction */
#define JOBS_PURGE_ROUNDS 200         /* at most this many transactions per purge */

/* The running jobs. */
struct jobs {
	struct mt_ctx *ctx;          /* shared context (store, queue, channels, clock) */
	int tick_seconds;            /* producer period */
	int visibility_s;            /* visibility of a received batch */
	pthread_mutex_t lock;        /* guards stop */
	pthread_cond_t wake;         /* signalled by jobs_stop */
	int stop;                    /* 1 once a stop was asked */
	pthread_t scheduler;         /* scheduler thread */
	pthread_t worker;            /* queue worker thread */
	int scheduler_started;       /* 1 when the thread runs */
	int worker_started;          /* 1 when the thread runs */
};

/* Logs a producer tick that did something: its counts and error, if any. */
static void jobs_log_tick(const cJSON *ans)
{
	static const char *const counts[] = { "queued", "skipped", "failed", "due" };
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(ans, "error");
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(ans, "failed");
	struct mt_log_field fs[5];
	size_t i;

	for (i = 0; i < 4; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(ans, counts[i]);

		fs[i].key = counts[i];
		fs[i].str = NULL;
		fs[i].num = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
		fs[i].is_num = cJSON_IsNumber(v);
	}
	fs[4].key = "error";
	fs[4].str = cJSON_IsString(e) ? e->valuestring : NULL;
	fs[4].num = 0;
	fs[4].is_num = 0;
	mt_log_fields(e || (cJSON_IsNumber(f) && f->valuedouble > 0) ? "warn" : "info", "producer tick", fs, 5);
}

/* Returns 1 once a stop was asked. */
static int jobs_stopping(struct jobs *j)
{
	int stop;

	pthread_mutex_lock(&j->lock);
	stop = j->stop;
	pthread_mutex_unlock(&j->lock);
	return stop;
}

/* Sleeps up to ms or until a stop; returns 1 when stopping. */
static int jobs_sleep(struct jobs *j, long ms)
{
	struct timespec until;
	int stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->lock);
	while (!j->stop) {
		if (pthread_cond_timedwait(&j->wake, &j->lock, &until) == ETIMEDOUT)
			break;
	}
	stop = j->stop;
	pthread_mutex_unlock(&j->lock);
	return stop;
}

/* Builds the EventBridge scheduled event for time now_ms. */
static cJSON *jobs_scheduled_event(int64_t now_ms)
{
	cJSON *ev = cJSON_CreateObject(), *res;
	char when[32], id[48];
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;

	if (ev == NULL)
		return NULL;
	gmtime_r(&secs, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(id, sizeof id, "maitred-tick-%lld", (long long)now_ms);
	cJSON_AddStringToObject(ev, "version", "0");
	cJSON_AddStringToObject(ev, "id", id);
	cJSON_AddStringToObject(ev, "detail-type", "Scheduled Event");
	cJSON_AddStringToObject(ev, "source", "aws.events");
	cJSON_AddStringToObject(ev, "account", "000000000000");
	cJSON_AddStringToObject(ev, "time", when);
	cJSON_AddStringToObject(ev, "region", "local");
	res = cJSON_AddArrayToObject(ev, "resources");
	if (res)
		cJSON_AddItemToArray(res, cJSON_CreateString("maitred:scheduler"));
	cJSON_AddObjectToObject(ev, "detail");
	return ev;
}

/* Deletes what has expired (store.h purge_expired), JOBS_PURGE_BATCH records
 * per transaction so writers never wait long, and logs how many went. */
static void jobs_purge(struct jobs *j)
{
	int64_t now_s = mt_now(j->ctx) / 1000;
	int removed = 0, total = 0, r = 0, rounds = 0;

	if (j->ctx->store == NULL || j->ctx->store->ops->purge_expired == NULL)
		return;
	do {
		r = j->ctx->store->ops->purge_expired(j->ctx->store, now_s, JOBS_PURGE_BATCH, &removed);
		if (r == 0)
			total += removed;
	} while (r == 0 && removed > 0 && ++rounds < JOBS_PURGE_ROUNDS && !jobs_stopping(j));
	if (r == 0 && total == 0)
		return;
	{
		const struct mt_log_field f[] = {
			{ "removed", NULL, total, 1 }, { "error", r < 0 ? mt_strerror(r) : NULL, 0, 0 },
		};

		mt_log_fields(r == 0 ? "info" : "warn", "purged expired records", f, sizeof f / sizeof f[0]);
	}
}

/* Scheduler thread: the producer at start and every tick; the expiry purge
 * at start and then every JOBS_PURGE_PERIOD_S. */
static void *jobs_scheduler_main(void *arg)
{
	struct jobs *j = arg;
	int64_t last_purge = INT64_MIN;

	do {
		if (last_purge == INT64_MIN || mt_now(j->ctx) - last_purge >= JOBS_PURGE_PERIOD_S * 1000LL) {
			last_purge = mt_now(j->ctx);
			jobs_purge(j);
		}
		if (j->ctx->queue == NULL)
			continue;   /* no notifications: only the purge */
		cJSON *ev = jobs_scheduled_event(mt_now(j->ctx));
		cJSON *ans = ev ? handler_producer(j->ctx, ev) : NULL;
		const cJSON *q = cJSON_GetObjectItemCaseSensitive(ans, "queued");
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(ans, "failed");
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(ans, "error");

		if (ans && ((cJSON_IsNumber(q) && q->valuedouble > 0) ||
			    (cJSON_IsNumber(f) && f->valuedouble > 0) || e))
			jobs_log_tick(ans);
		cJSON_Delete(ans);
		cJSON_Delete(ev);
	} while (!jobs_sleep(j, (long)j->tick_seconds * 1000));
	return NULL;
}

/* Builds the SQS event Lambda would give the consumer for these messages. */
static cJSON *jobs_sqs_event(const struct queue_msg *msgs, size_t n)
{
	cJSON *ev = cJSON_CreateObject(), *recs;
	char num[32];
	size_t i;

	if (ev == NULL)
		return NULL;
	recs = cJSON_AddArrayToObject(ev, "Records");
	if (recs == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateObject(), *attrs;

		if (r == NULL || !cJSON_AddItemToArray(recs, r))
			goto fail;
		if (!cJSON_AddStringToObject(r, "messageId", msgs[i].id) ||
		    !cJSON_AddStringToObject(r, "receiptHandle", msgs[i].receipt) ||
		    !cJSON_AddStringToObject(r, "body", msgs[i].body))
			goto fail;
		attrs = cJSON_AddObjectToObject(r, "attributes");
		if (attrs == NULL)
			goto fail;
		snprintf(num, sizeof num, "%d", msgs[i].receive_count);
		cJSON_AddStringToObject(attrs, "ApproximateReceiveCount", num);
		snprintf(num, sizeof num, "%lld", (long long)msgs[i].sent_at);
		cJSON_AddStringToObject(attrs, "SentTimestamp", num);
		cJSON_AddObjectToObject(r, "messageAttributes");
		cJSON_AddStringToObject(r, "eventSource", "aws:sqs");
		cJSON_AddStringToObject(r, "eventSourceARN", "arn:maitred:queue:notify");
		cJSON_AddStringToObject(r, "awsRegion", "local");
	}
	return ev;
fail:
	cJSON_Delete(ev);
	return NULL;
}

/* Returns 1 when id is listed in the answer's batchItemFailures. */
static int jobs_failed(const cJSON *ans, const char *id)
{
	const cJSON *f, *item;

	f = cJSON_GetObjectItemCaseSensitive(ans, "batchItemFailures");
	cJSON_ArrayForEach(item, f) {
		const cJSON *ii = cJSON_GetObjectItemCaseSensitive(item, "itemIdentifier");

		if (cJSON_IsString(ii) && strcmp(ii->valuestring, id) == 0)
			return 1;
	}
	return 0;
}

/* The messages of one batch to delete (those the consumer did not report failed). */
struct jobs_deletes {
	struct queue *q;               /* the queue */
	const struct queue_msg *msgs;  /* the batch */
	size_t n;                      /* its size */
	const cJSON *ans;              /* the consumer's answer */
};

/* Deletes what succeeded; when the queue joins the store (embedded queue),
 * run as one write group: one commit for the batch instead of one each. */
static int jobs_delete_unit(struct store *s, void *arg)
{
	struct jobs_deletes *d = arg;
	char *cause;
	size_t i;
	int err;

	(void)s;
	for (i = 0; i < d->n; i++) {
		if (jobs_failed(d->ans, d->msgs[i].id))
			continue;
		cause = NULL;
		err = d->q->ops->delete(d->q, d->msgs[i].receipt, &cause);
		if (err != 0 && err != MT_ENOTFOUND) {
			mt_log("warn", "queue worker: delete failed", "messageId", d->msgs[i].id,
			       "error", cause ? cause : mt_strerror(err), (const char *)NULL);
		}
		free(cause);
	}
	return 0;
}

/* Worker thread: receive, consume, delete what succeeded. */
static void *jobs_worker_main(void *arg)
{
	struct jobs *j = arg;
	struct queue *q = j->ctx->queue;

	while (!jobs_stopping(j)) {
		struct queue_msg *msgs = NULL;
		cJSON *ev, *ans;
		char *cause = NULL;
		size_t n = 0;
		int err;

		err = q->ops->receive(q, q->ops->receive_max > 0 ? q->ops->receive_max : QUEUE_BATCH_MAX,
				      JOBS_RECEIVE_WAIT_MS, j->visibility_s, &msgs, &n, &cause);
		if (err != 0) {
			mt_log("warn", "queue worker: receive failed", "error", cause ? cause : mt_strerror(err),
			       (const char *)NULL);
			free(cause);
			jobs_sleep(j, 1000);
			continue;
		}
		free(cause);
		if (n == 0)
			continue;
		ev = jobs_sqs_event(msgs, n);
		ans = ev ? handler_consumer(j->ctx, ev) : NULL;
		/* No answer (out of memory): leave them all to come back. */
		if (ans != NULL) {
			struct jobs_deletes d = { q, msgs, n, ans };

			if (queue_joins_store(q, j->ctx->store))
				err = store_write_group(j->ctx->store, jobs_delete_unit, &d);
			else
				err = jobs_delete_unit(j->ctx->store, &d);
			if (err != 0)   /* they come back after the visibility timeout: the consumer skips them */
				mt_log("warn", "queue worker: deletes not stored", "error", mt_strerror(err),
				       (const char *)NULL);
		}
		cJSON_Delete(ans);
		cJSON_Delete(ev);
		queue_msgs_free(msgs, n);
	}
	return NULL;
}

/* Reads MAITRE_QUEUE_VISIBILITY_SECONDS (1..43200) or the default. */
static int jobs_visibility_from_env(void)
{
	const char *s = getenv("MAITRE_QUEUE_VISIBILITY_SECONDS");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return JOBS_VISIBILITY_DEFAULT;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 43200)
		return JOBS_VISIBILITY_DEFAULT;
	return (int)v;
}

/* Starts the scheduler and the worker. */
int jobs_start(struct mt_ctx *ctx, int tick_seconds, struct jobs **out, char **cause)
{
	struct jobs *j;
	pthread_condattr_t ca;
	char buf[128];
	int rc;

	*out = NULL;
	if (cause)
		*cause = NULL;
	if (ctx == NULL || tick_seconds < 1 || tick_seconds > 86400) {
		if (cause)
			*cause = strdup("jobs: tick seconds must be 1..86400");
		return MT_EINVAL;
	}
	j = calloc(1, sizeof *j);
	if (j == NULL)
		return MT_ENOMEM;
	j->ctx = ctx;
	j->tick_seconds = tick_seconds;
	j->visibility_s = jobs_visibility_from_env();
	pthread_mutex_init(&j->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->wake, &ca);
	pthread_condattr_destroy(&ca);
	/* Without a queue there is nothing to produce into or consume from (no
	 * notifications), but the purge still runs: guest data must go on time. */
	rc = pthread_create(&j->scheduler, NULL, jobs_scheduler_main, j);
	if (rc == 0)
		j->scheduler_started = 1;
	if (rc == 0 && ctx->queue != NULL) {
		rc = pthread_create(&j->worker, NULL, jobs_worker_main, j);
		if (rc == 0)
			j->worker_started = 1;
	}
	if (rc != 0) {
		snprintf(buf, sizeof buf, "jobs: cannot start a thread: %s", strerror(rc));
		if (cause)
			*cause = strdup(buf);
		jobs_stop(j);
		return MT_EIO;
	}
	*out = j;
	return 0;
}

/* Stops both threads (finishing the batch in hand) and frees jobs. */
void jobs_stop(struct jobs *jobs)
{
	if (jobs == NULL)
		return;
	pthread_mutex_lock(&jobs->lock);
	jobs->stop = 1;
	pthread_cond_broadcast(&jobs->wake);
	pthread_mutex_unlock(&jobs->lock);
	if (jobs->scheduler_started)
		pthread_join(jobs->scheduler, NULL);
	if (jobs->worker_started)
		pthread_join(jobs->worker, NULL);
	pthread_cond_destroy(&jobs->wake);
	pthread_mutex_destroy(&jobs->lock);
	free(jobs);
}
