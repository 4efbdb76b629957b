/* The producer and consumer handlers and mt_notify_after_change, on a real
 * SQLite store and the real embedded queue (same file), with a fake clock.
 * The guest's channel is a recording channel behind the real channel
 * interface (notify/channel.h), so every text "sent" is counted by its key
 * and a failing gateway can be played. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/error.h"
#include "core/id.h"
#include "handlers/handler.h"
#include "notify/channel.h"
#include "notify/notify.h"
#include "queue/queue.h"
#include "apigw/apigw.h"
#include "store/store.h"
#include "store/store-sqlite.h"

#define T0 1800000000000LL   /* fake "now" at the start of each test */
#define MAX_SENT 4096

/* A recording channel. */
struct rec_channel {
	struct channel base;          /* ops */
	pthread_mutex_t lock;         /* guards the rest */
	int result;                   /* what send returns */
	int calls;                    /* send calls */
	int sent;                     /* accepted messages */
	char keys[MAX_SENT][48];      /* key of each accepted message */
	char kinds[MAX_SENT][16];     /* kind of each accepted message */
	char last_text[1700];         /* text of the last accepted one */
	char last_to[32];             /* phone of the last accepted one */
};

/* Records (or refuses) a message. */
static int rec_send(struct channel *c, const struct mt_message *m, char **reason)
{
	struct rec_channel *r = (struct rec_channel *)c;
	int result;

	pthread_mutex_lock(&r->lock);
	r->calls++;
	result = r->result;
	if (result == 0 && r->sent < MAX_SENT) {
		snprintf(r->keys[r->sent], sizeof r->keys[0], "%s", m->key);
		snprintf(r->kinds[r->sent], sizeof r->kinds[0], "%s", m->kind);
		snprintf(r->last_text, sizeof r->last_text, "%s", m->text);
		snprintf(r->last_to, sizeof r->last_to, "%s", m->to_phone ? m->to_phone : "");
		r->sent++;
	}
	pthread_mutex_unlock(&r->lock);
	if (result != 0 && reason)
		*reason = strdup(result == MT_EBUSY ? "gateway answered 503" : "gateway refused: bad number");
	return result;
}

/* Nothing to free: the channel lives in the fixture. */
static void rec_close(struct channel *c)
{
	(void)c;
}

static const struct channel_ops rec_ops = { "sms", rec_send, rec_close };

/* Sends nowhere (the log channel of the set). */
static int quiet_send(struct channel *c, const struct mt_message *m, char **reason)
{
	(void)c;
	(void)m;
	(void)reason;
	return 0;
}

static const struct channel_ops quiet_ops = { "log", quiet_send, rec_close };

/* Everything a test needs. */
struct fixture {
	char dir[64];                /* temp directory */
	char db[128];                /* database path */
	int64_t now;                 /* fake clock */
	struct store *store;         /* real SQLite store */
	struct queue *queue;         /* real embedded queue on the same file */
	struct rec_channel sms;      /* the guest's channel */
	struct channel quiet;        /* log channel */
	struct channel_set set;      /* channels */
	struct mt_ctx ctx;           /* handler context */
	struct mt_waitlist wl;       /* one waitlist */
};

/* Reads the fixture's fake clock. */
static int64_t fx_now(void *data)
{
	return ((struct fixture *)data)->now;
}

/* cmocka setup: store, queue, channels, one waitlist. */
static int fx_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char *cause = NULL;
	struct mt_clock clock;

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/maitre-notify-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof f->db, "%s/maitre.db", f->dir);
	f->now = T0;
	clock.now_ms = fx_now;
	clock.data = f;
	if (store_sqlite_open(f->db, &f->store, &cause) != 0 || f->store->ops->init_schema(f->store) != 0) {
		fprintf(stderr, "store: %s\n", cause ? cause : "?");
		return -1;
	}
	if (queue_sqlite_open(f->db, &clock, &f->queue, &cause) != 0) {
		fprintf(stderr, "queue: %s\n", cause ? cause : "?");
		return -1;
	}
	/* As maitred does: queue writes share the store's group commit. */
	if (queue_sqlite_use_store(f->queue, f->store) != 0)
		return -1;
	f->queue->retry.base_s = 10;
	f->queue->retry.max_s = 900;
	f->sms.base.ops = &rec_ops;
	pthread_mutex_init(&f->sms.lock, NULL);
	f->quiet.ops = &quiet_ops;
	f->set.sms = &f->sms.base;
	f->set.log = &f->quiet;
	f->ctx.store = f->store;
	f->ctx.queue = f->queue;
	f->ctx.channels = &f->set;
	f->ctx.clock = clock;
	mt_id_new(f->wl.id, f->now);
	mt_id_new(f->wl.tenant_id, f->now);
	snprintf(f->wl.name, sizeof f->wl.name, "Chez Test");
	f->wl.created_at = f->wl.updated_at = f->now;
	if (f->store->ops->waitlist_create(f->store, &f->wl) != 0)
		return -1;
	*state = f;
	return 0;
}

/* cmocka teardown. */
static int fx_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	queue_close(f->queue);
	store_close(f->store);
	pthread_mutex_destroy(&f->sms.lock);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* Creates a waiting waitee with a phone; due_at > 0 plans a "ready" (seq 1). */
static void fx_waitee(struct fixture *f, struct mt_waitee *w, const char *name, int64_t due_at)
{
	memset(w, 0, sizeof *w);
	mt_id_new(w->id, f->now);
	memcpy(w->waitlist_id, f->wl.id, MT_ID_SIZE);
	memcpy(w->tenant_id, f->wl.tenant_id, MT_ID_SIZE);
	snprintf(w->name, sizeof w->name, "%s", name);
	snprintf(w->phone, sizeof w->phone, "+15555550123");
	w->party_size = 2;
	w->quoted_minutes = 20;
	w->status = MT_WAITING;
	w->joined_at = w->updated_at = f->now;
	if (due_at > 0) {
		w->notify_at = due_at;
		w->due_at = due_at;
		w->notify_seq = 1;
		snprintf(w->notify_kind, sizeof w->notify_kind, "ready");
	}
	assert_int_equal(f->store->ops->waitee_create(f->store, w), 0);
}

/* Reloads a waitee from the store. */
static void fx_get(struct fixture *f, struct mt_waitee *w)
{
	struct mt_waitee fresh;

	assert_int_equal(f->store->ops->waitee_get(f->store, w->waitlist_id, w->id, &fresh), 0);
	*w = fresh;
}

/* Runs the producer; returns its "queued" count. */
static int fx_produce(struct fixture *f)
{
	cJSON *ev = cJSON_Parse("{\"version\":\"0\",\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\","
				"\"time\":\"2027-01-15T08:00:00Z\",\"detail\":{}}");
	cJSON *ans = handler_producer(&f->ctx, ev);
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(ans, "queued");
	int queued;

	assert_non_null(ans);
	assert_true(cJSON_IsNumber(q));
	assert_null(cJSON_GetObjectItemCaseSensitive(ans, "error"));
	queued = (int)q->valuedouble;
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	return queued;
}

/* Queue depth. */
static struct queue_depth fx_depth(struct fixture *f)
{
	struct queue_depth d;

	assert_int_equal(f->queue->ops->depth(f->queue, &d, NULL), 0);
	return d;
}

/* Builds an SQS event from received messages (as maitred's worker does). */
static cJSON *fx_sqs_event(const struct queue_msg *m, size_t n)
{
	cJSON *ev = cJSON_CreateObject(), *recs = cJSON_AddArrayToObject(ev, "Records");
	char num[16];
	size_t i;

	for (i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateObject(), *a;

		cJSON_AddItemToArray(recs, r);
		cJSON_AddStringToObject(r, "messageId", m[i].id);
		cJSON_AddStringToObject(r, "receiptHandle", m[i].receipt);
		cJSON_AddStringToObject(r, "body", m[i].body);
		a = cJSON_AddObjectToObject(r, "attributes");
		snprintf(num, sizeof num, "%d", m[i].receive_count);
		cJSON_AddStringToObject(a, "ApproximateReceiveCount", num);
		cJSON_AddStringToObject(r, "eventSource", "aws:sqs");
	}
	return ev;
}

/* Counts the failures in a consumer answer and checks they name given ids. */
static int fx_failures(const cJSON *ans)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(ans, "batchItemFailures");

	assert_true(cJSON_IsArray(f));
	return cJSON_GetArraySize(f);
}

/* One worker pass: receive what is visible, consume, delete the successes.
 * Returns the number of failures reported. */
static int fx_consume(struct fixture *f, size_t *received)
{
	struct queue_msg *m = NULL;
	size_t n = 0, i;
	cJSON *ev, *ans;
	int failures;

	assert_int_equal(f->queue->ops->receive(f->queue, 10, 0, 60, &m, &n, NULL), 0);
	if (received)
		*received = n;
	if (n == 0)
		return 0;
	ev = fx_sqs_event(m, n);
	ans = handler_consumer(&f->ctx, ev);
	assert_non_null(ans);
	failures = fx_failures(ans);
	for (i = 0; i < n; i++) {
		const cJSON *it;
		int failed = 0;

		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(ans, "batchItemFailures"))
			if (strcmp(cJSON_GetObjectItemCaseSensitive(it, "itemIdentifier")->valuestring, m[i].id) == 0)
				failed = 1;
		if (!failed)
			assert_int_equal(f->queue->ops->delete(f->queue, m[i].receipt, NULL), 0);
	}
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	queue_msgs_free(m, n);
	return failures;
}

/* Drains the queue completely (successes only expected). */
static void fx_drain(struct fixture *f)
{
	size_t n;

	do {
		assert_int_equal(fx_consume(f, &n), 0);
	} while (n > 0);
}

/* Number of accepted messages with this key. */
static int fx_sent_with_key(struct fixture *f, const char *waitee_id, int seq)
{
	char key[48];
	int i, c = 0;

	snprintf(key, sizeof key, "%s:%d", waitee_id, seq);
	for (i = 0; i < f->sms.sent; i++)
		if (strcmp(f->sms.keys[i], key) == 0)
			c++;
	return c;
}

/* Due waitees (due_at <= now, also long past) are queued once; future ones wait. */
static void test_producer_queues_due_once(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee past, now, later, idle;

	fx_waitee(f, &past, "Past", T0 - 3 * 3600 * 1000LL);
	fx_waitee(f, &now, "Now", T0);
	fx_waitee(f, &later, "Later", T0 + 60000);
	fx_waitee(f, &idle, "Idle", 0);
	assert_int_equal(fx_produce(f), 2);
	assert_int_equal(fx_depth(f).visible, 2);
	fx_get(f, &past);
	fx_get(f, &now);
	fx_get(f, &later);
	assert_int_equal(past.due_at, 0);
	assert_int_equal(past.queued_seq, 1);
	assert_string_equal(past.last_result, "queued");
	assert_int_equal(now.due_at, 0);
	assert_int_equal(later.due_at, T0 + 60000);
	assert_int_equal(later.queued_seq, 0);
	/* Same minute again: nothing more. */
	assert_int_equal(fx_produce(f), 0);
	assert_int_equal(fx_depth(f).visible, 2);
	/* The later one once its time has come (the tick may be late). */
	f->now = T0 + 95000;
	assert_int_equal(fx_produce(f), 1);
	assert_int_equal(fx_depth(f).visible, 3);
	fx_drain(f);
	assert_int_equal(f->sms.sent, 3);
	assert_int_equal(fx_sent_with_key(f, past.id, 1), 1);
	assert_int_equal(fx_sent_with_key(f, now.id, 1), 1);
	assert_int_equal(fx_sent_with_key(f, later.id, 1), 1);
	assert_int_equal(fx_sent_with_key(f, idle.id, 1), 0);
}

/* More than a page and many batches of 10: all queued, each once. */
static void test_producer_many(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee w;
	int i;

	for (i = 0; i < 235; i++)
		fx_waitee(f, &w, "Many", T0 - i * 1000LL);
	assert_int_equal(fx_produce(f), 235);
	assert_int_equal(fx_depth(f).visible, 235);
	assert_int_equal(fx_produce(f), 0);
	fx_drain(f);
	assert_int_equal(f->sms.sent, 235);
}

/* Producer thread body. */
static void *producer_thread(void *p)
{
	struct fixture *f = p;
	cJSON *ev = cJSON_Parse("{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\"}");
	cJSON *ans = handler_producer(&f->ctx, ev);
	long *queued = malloc(sizeof *queued);

	*queued = (long)cJSON_GetObjectItemCaseSensitive(ans, "queued")->valuedouble;
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	return queued;
}

/* Two producers at once (same minute) queue each waitee once. */
static void test_two_producers(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee *ws = calloc(200, sizeof *ws);
	struct queue_msg *m;
	pthread_t t[2];
	void *r[2];
	int *seen = calloc(200, sizeof *seen);
	size_t n, i;
	int k, total = 0;

	for (k = 0; k < 200; k++)
		fx_waitee(f, &ws[k], "Race", T0 - 1000);
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&t[k], NULL, producer_thread, f), 0);
	for (k = 0; k < 2; k++) {
		pthread_join(t[k], &r[k]);
		total += (int)*(long *)r[k];
		free(r[k]);
	}
	assert_int_equal(total, 200);
	assert_int_equal(fx_depth(f).visible, 200);
	/* Every waitee has exactly one message. */
	for (;;) {
		m = NULL;
		assert_int_equal(f->queue->ops->receive(f->queue, 10, 0, 600, &m, &n, NULL), 0);
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			struct mt_notify_msg msg;
			const char *why;

			assert_int_equal(mt_notify_msg_parse(m[i].body, &msg, &why), 0);
			for (k = 0; k < 200; k++)
				if (strcmp(ws[k].id, msg.waitee_id) == 0)
					seen[k]++;
		}
		queue_msgs_free(m, n);
	}
	for (k = 0; k < 200; k++)
		assert_int_equal(seen[k], 1);
	free(seen);
	free(ws);
}

/* Finished or already-delivered waitees are not queued; their due slot is freed. */
static void test_producer_skips_finished(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee seated, done;

	fx_waitee(f, &seated, "Seated", T0 - 1000);
	seated.status = MT_SEATED;
	assert_int_equal(f->store->ops->waitee_update(f->store, &seated, seated.version), 0);
	fx_waitee(f, &done, "Done", T0 - 1000);
	done.sent_seq = 1;
	assert_int_equal(f->store->ops->waitee_update(f->store, &done, done.version), 0);
	assert_int_equal(fx_produce(f), 0);
	assert_int_equal(fx_depth(f).visible, 0);
	fx_get(f, &seated);
	fx_get(f, &done);
	assert_int_equal(seated.due_at, 0);
	assert_int_equal(done.due_at, 0);
}

/* A queue whose sends fail (a broken SQS, say), wrapping the real one. */
struct broken_queue {
	struct queue base;     /* ops */
	struct queue *real;    /* the real queue for everything else */
};

/* Fails every send. */
static int broken_send(struct queue *q, const struct queue_entry *e, size_t n, int *results, char **cause)
{
	size_t i;

	(void)q;
	(void)e;
	for (i = 0; i < n; i++)
		results[i] = MT_EIO;
	if (cause)
		*cause = strdup("queue unreachable");
	return MT_EIO;
}

/* Passes depth to the real queue. */
static int broken_depth(struct queue *q, struct queue_depth *d, char **cause)
{
	struct queue *real = ((struct broken_queue *)q)->real;

	return real->ops->depth(real, d, cause);
}

static const struct queue_ops broken_ops = {
	.name = "broken", .send_batch = broken_send, .depth = broken_depth,
};

/* A failed enqueue restores due_at: the next tick queues the waitee. */
static void test_producer_enqueue_failure_retried(void **state)
{
	struct fixture *f = *state;
	struct broken_queue bq = { { &broken_ops, { 10, 900 } }, f->queue };
	struct mt_waitee w;
	cJSON *ev = cJSON_CreateObject(), *ans;

	fx_waitee(f, &w, "Unlucky", T0 - 5000);
	f->ctx.queue = &bq.base;
	ans = handler_producer(&f->ctx, ev);
	assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(ans, "queued")->valuedouble, 0);
	assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(ans, "failed")->valuedouble, 1);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(ans, "error"));
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	fx_get(f, &w);
	assert_int_equal(w.due_at, T0 - 5000);
	assert_int_equal(w.queued_seq, 0);
	assert_string_equal(w.last_result, "");
	f->ctx.queue = f->queue;
	f->now += 60000;
	assert_int_equal(fx_produce(f), 1);
	fx_drain(f);
	assert_int_equal(fx_sent_with_key(f, w.id, 1), 1);
}

/* A due index that lags: it keeps listing what it listed first (copies as
 * they were), as a DynamoDB GSI may for a moment after the claims. */
static struct mt_waitee lag_snapshot[400];   /* the index as it lags */
static size_t lag_n;                         /* entries in it */
static int lag_calls;                        /* waitee_list_due calls */

/* The store the producer sees: the real one but for the lagging index. */
struct lag_store {
	struct store base;     /* ops: lag_ops */
	struct store *real;    /* the real store */
};

/* Reads a waitee from the real store. */
static int lag_get(struct store *s, const char *wl, const char *id, struct mt_waitee *out)
{
	struct store *real = ((struct lag_store *)s)->real;

	return real->ops->waitee_get(real, wl, id, out);
}

/* Writes a waitee to the real store. */
static int lag_update(struct store *s, struct mt_waitee *w, int64_t expected)
{
	struct store *real = ((struct lag_store *)s)->real;

	return real->ops->waitee_update(real, w, expected);
}

/* Lists the lagging snapshot, oldest first, at most limit. */
static int lag_list_due(struct store *s, int64_t now_ms, int limit, struct mt_waitee **items, size_t *n)
{
	size_t k = lag_n < (size_t)limit ? lag_n : (size_t)limit;

	(void)s;
	(void)now_ms;
	lag_calls++;
	*items = malloc((k ? k : 1) * sizeof **items);
	if (*items == NULL)
		return MT_ENOMEM;
	memcpy(*items, lag_snapshot, k * sizeof **items);
	*n = k;
	return 0;
}

/* A lagging index makes the producer look past stale entries a bounded
 * number of times, not re-read full pages up to 1,000 times, and every
 * due guest is still queued once. */
static void test_producer_lagging_index(void **state)
{
	struct fixture *f = *state;
	const struct store_ops *real = f->store->ops;
	struct store_ops lag_ops = { .name = "lagging" };
	struct lag_store lagging = { { &lag_ops, { NULL, NULL } }, f->store };
	struct mt_waitee *items = NULL, w;
	size_t n = 0;
	int i;
	cJSON *ev = cJSON_CreateObject(), *ans;

	for (i = 0; i < 150; i++) {
		char name[16];

		snprintf(name, sizeof name, "Guest %d", i);
		fx_waitee(f, &w, name, T0 - 60000 + i);
	}
	assert_int_equal(real->waitee_list_due(f->store, f->now, 400, &items, &n), 0);
	assert_int_equal((int)n, 150);
	memcpy(lag_snapshot, items, n * sizeof *items);
	lag_n = n;
	free(items);
	lag_calls = 0;
	lag_ops.waitee_list_due = lag_list_due;
	lag_ops.waitee_get = lag_get;
	lag_ops.waitee_update = lag_update;
	lagging.base.clock = f->store->clock;
	f->ctx.store = &lagging.base;
	ans = handler_producer(&f->ctx, ev);
	f->ctx.store = f->store;
	assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(ans, "queued")->valuedouble, 150);
	assert_null(cJSON_GetObjectItemCaseSensitive(ans, "error"));
	/* 100 queued, the same 100 again (all stale) then 400 (50 new): 3 reads */
	assert_int_equal(lag_calls, 3);
	cJSON_Delete(ans);

	/* the index still lags on the next tick: everything is stale, 3 reads, nothing queued twice */
	lag_calls = 0;
	f->ctx.store = &lagging.base;
	ans = handler_producer(&f->ctx, ev);
	f->ctx.store = f->store;
	assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(ans, "queued")->valuedouble, 0);
	assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(ans, "skipped")->valuedouble, 250);
	assert_int_equal(lag_calls, 2);   /* 100 all stale, then 400 -> 150 all stale: done */
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	assert_int_equal(fx_depth(f).visible, 150);
}

/* A crash between the claim and the send: the waitee comes back when the
 * lease ends and is told once; a crash after the send (message queued,
 * due slot not cleared) gives a second message that the consumer drops. */
static void test_producer_crash_window(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee lost, twice;
	struct mt_notify_msg msg;
	struct queue_entry e;
	int result;

	/* State a producer leaves when it dies right after claiming. */
	fx_waitee(f, &lost, "Lost", T0 - 1000);
	lost.due_at = T0 + MT_NOTIFY_LEASE_MS;
	lost.queued_seq = 1;
	snprintf(lost.last_result, sizeof lost.last_result, "queued");
	assert_int_equal(f->store->ops->waitee_update(f->store, &lost, lost.version), 0);
	/* ... and when it dies after sending, before clearing. */
	fx_waitee(f, &twice, "Twice", T0 - 1000);
	twice.due_at = T0 + MT_NOTIFY_LEASE_MS;
	twice.queued_seq = 1;
	assert_int_equal(f->store->ops->waitee_update(f->store, &twice, twice.version), 0);
	memcpy(msg.waitee_id, twice.id, MT_ID_SIZE);
	memcpy(msg.waitlist_id, twice.waitlist_id, MT_ID_SIZE);
	snprintf(msg.kind, sizeof msg.kind, "ready");
	msg.seq = 1;
	e.body = mt_notify_msg_encode(&msg);
	e.delay_s = 0;
	assert_int_equal(f->queue->ops->send_batch(f->queue, &e, 1, &result, NULL), 0);
	free((char *)e.body);

	assert_int_equal(fx_produce(f), 0);  /* lease still running */
	f->now = T0 + MT_NOTIFY_LEASE_MS;
	assert_int_equal(fx_produce(f), 2);  /* both come back */
	fx_drain(f);
	assert_int_equal(fx_sent_with_key(f, lost.id, 1), 1);
	assert_int_equal(fx_sent_with_key(f, twice.id, 1), 1);
	assert_int_equal(f->sms.sent, 2);
	fx_get(f, &twice);
	assert_int_equal(twice.notify_count, 1);
	assert_int_equal(twice.due_at, 0);
}

/* A delivered "ready" is recorded: notified, notifiedAt, seq, count, result. */
static void test_consumer_records_sent(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee w;

	fx_waitee(f, &w, "Ada", T0);
	assert_int_equal(fx_produce(f), 1);
	f->now += 1500;
	fx_drain(f);
	assert_int_equal(f->sms.sent, 1);
	assert_string_equal(f->sms.kinds[0], "ready");
	assert_string_equal(f->sms.last_to, "+15555550123");
	assert_non_null(strstr(f->sms.last_text, "Ada"));
	fx_get(f, &w);
	assert_int_equal(w.status, MT_NOTIFIED);
	assert_true(w.notified_at == T0 + 1500);
	assert_int_equal(w.sent_seq, 1);
	assert_int_equal(w.notify_count, 1);
	assert_string_equal(w.last_result, "sent");
	assert_int_equal(w.due_at, 0);
}

/* Receives the ten messages the producer queued for w[0..9] and consumes
 * them in one event; *commits gets the commits that took. */
static void fx_consume_ten(struct fixture *f, struct mt_waitee *w, const char *prefix, int *commits)
{
	struct queue_msg *m = NULL;
	uint64_t c0, j0, c1, j1;
	size_t n = 0, i;
	char name[32];
	cJSON *ev, *ans;

	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "%s %zu", prefix, i);
		fx_waitee(f, &w[i], name, f->now);
	}
	assert_int_equal(fx_produce(f), 10);
	assert_int_equal(f->queue->ops->receive(f->queue, 10, 0, 60, &m, &n, NULL), 0);
	assert_int_equal(n, 10);
	f->now += 1000;
	assert_int_equal(store_sqlite_write_stats(f->store, &c0, &j0), 0);
	ev = fx_sqs_event(m, n);
	ans = handler_consumer(&f->ctx, ev);
	assert_int_equal(fx_failures(ans), 0);
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	assert_int_equal(store_sqlite_write_stats(f->store, &c1, &j1), 0);
	/* each outcome with its activity entry, each in its own savepoint */
	assert_true(j1 - j0 >= 20);
	*commits = (int)(c1 - c0);
	for (i = 0; i < 10; i++) {
		fx_get(f, &w[i]);
		assert_int_equal(w[i].status, MT_NOTIFIED);
		assert_int_equal(w[i].notify_count, 1);
		assert_int_equal(w[i].sent_seq, 1);
		assert_true(w[i].notified_at == f->now);
		assert_string_equal(w[i].last_result, "sent");
	}
	queue_msgs_free(m, n);
}

/* Outcomes and their activity entries are written together: a text's at
 * once (one commit each, where there were two, so a crash repeats at most
 * one text), a batch of log-only deliveries (nobody told) in one commit.
 * Nothing is lost; two messages of one party in a batch text it once (the
 * first outcome is written before the second is judged). */
static void test_consumer_batch_commits(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee w[10];
	struct queue_msg *m = NULL, twins[3];
	struct store_page page = { NULL, 100 };
	struct mt_activity *acts = NULL;
	size_t n = 0, na = 0, i;
	char *next = NULL;
	cJSON *ev, *ans;
	int commits = 0, notified = 0;

	fx_consume_ten(f, w, "Texted", &commits);
	assert_int_equal(f->sms.sent, 10);
	assert_int_equal(commits, 10);
	assert_int_equal(f->store->ops->activity_list(f->store, f->wl.tenant_id, f->wl.id, 0, &page, &acts, &na, &next),
			 0);
	for (i = 0; i < na; i++)
		if (strcmp(acts[i].action, "notified") == 0 && strcmp(acts[i].actor_kind, "notifier") == 0)
			notified++;
	assert_int_equal(notified, 10);
	free(acts);
	free(next);

	/* no SMS gateway: the log channel tells nobody; one commit for the batch */
	f->set.sms = NULL;
	fx_consume_ten(f, w, "Logged", &commits);
	assert_int_equal(f->sms.sent, 10);
	assert_int_equal(commits, 1);
	f->set.sms = &f->sms.base;

	/* the same message twice and another party's in one batch: one text each */
	fx_waitee(f, &w[0], "Twice", f->now);
	fx_waitee(f, &w[1], "Once", f->now);
	assert_int_equal(fx_produce(f), 2);
	assert_int_equal(f->queue->ops->receive(f->queue, 10, 0, 60, &m, &n, NULL), 0);
	assert_int_equal(n, 2);
	twins[0] = m[0];
	twins[1] = m[1];
	twins[2] = m[0];
	ev = fx_sqs_event(twins, 3);
	ans = handler_consumer(&f->ctx, ev);
	assert_int_equal(fx_failures(ans), 0);
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	assert_int_equal(fx_sent_with_key(f, w[0].id, 1), 1);
	assert_int_equal(fx_sent_with_key(f, w[1].id, 1), 1);
	fx_get(f, &w[0]);
	assert_int_equal(w[0].notify_count, 1);
	queue_msgs_free(m, n);
}

/* A store in front of the fixture's that counts reads of lists and
 * restaurants and forwards what the consumer uses (no write groups: each
 * write on its own, which this count does not mind). */
static struct store *inner;
static int list_reads, restaurant_reads;

static int px_waitlist_get(struct store *s, const char *tenant_id, const char *id, struct mt_waitlist *out)
{
	(void)s;
	list_reads++;
	return inner->ops->waitlist_get(inner, tenant_id, id, out);
}

static int px_restaurant_get(struct store *s, const char *tenant_id, struct mt_restaurant *out)
{
	(void)s;
	restaurant_reads++;
	return inner->ops->restaurant_get(inner, tenant_id, out);
}

static int px_waitee_get(struct store *s, const char *waitlist_id, const char *id, struct mt_waitee *out)
{
	(void)s;
	return inner->ops->waitee_get(inner, waitlist_id, id, out);
}

static int px_waitee_update(struct store *s, struct mt_waitee *w, int64_t expected_version)
{
	(void)s;
	return inner->ops->waitee_update(inner, w, expected_version);
}

static int px_count_active(struct store *s, const char *waitlist_id, const char *before_id, int *count)
{
	(void)s;
	return inner->ops->waitee_count_active(inner, waitlist_id, before_id, count);
}

static int px_activity_append(struct store *s, const struct mt_activity *a)
{
	(void)s;
	return inner->ops->activity_append(inner, a);
}

static const struct store_ops px_ops = {
	.name = "counting",
	.waitlist_get = px_waitlist_get, .restaurant_get = px_restaurant_get, .waitee_get = px_waitee_get,
	.waitee_update = px_waitee_update, .waitee_count_active = px_count_active,
	.activity_append = px_activity_append,
};

/* One event of ten parties of one list reads the list and the restaurant's
 * name once (consumer_list_of, where it was once per message), and every
 * party is still told, with the list's name. */
static void test_consumer_reads_list_once(void **state)
{
	struct fixture *f = *state;
	struct store px = { &px_ops, f->store->clock };
	struct mt_ctx ctx = f->ctx;
	struct queue_msg *m = NULL;
	struct mt_waitee w[10];
	size_t n = 0, i;
	char name[32];
	cJSON *ev, *ans;

	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "Read %zu", i);
		fx_waitee(f, &w[i], name, f->now);
	}
	assert_int_equal(fx_produce(f), 10);
	assert_int_equal(f->queue->ops->receive(f->queue, 10, 0, 60, &m, &n, NULL), 0);
	assert_int_equal(n, 10);
	inner = f->store;
	ctx.store = &px;
	list_reads = restaurant_reads = 0;
	ev = fx_sqs_event(m, n);
	ans = handler_consumer(&ctx, ev);
	assert_int_equal(fx_failures(ans), 0);
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	assert_int_equal(f->sms.sent, 10);
	assert_int_equal(list_reads, 1);
	/* the name once (it was once per text); the sending limits still read
	 * the restaurant's own day limit per text (sms-limit.c), and the
	 * retention period may be read once (retention.c caches it) */
	assert_true(restaurant_reads >= 11 && restaurant_reads <= 12);
	assert_non_null(strstr(f->sms.last_text, f->wl.name));
	for (i = 0; i < 10; i++) {
		fx_get(f, &w[i]);
		assert_int_equal(w[i].notify_count, 1);
	}
	queue_msgs_free(m, n);
}

/* Adds a party through the waitees handler (as a host would); returns its id (caller frees). */
static char *fx_add(struct fixture *f, const char *name)
{
	char evtext[768];
	cJSON *ev, *ans, *body;
	const cJSON *idj;
	char *id;

	snprintf(evtext, sizeof evtext,
		 "{\"version\":\"2.0\",\"routeKey\":\"POST /waitlists/{waitlistId}/waitees\","
		 "\"pathParameters\":{\"waitlistId\":\"%s\"},"
		 "\"requestContext\":{\"http\":{\"method\":\"POST\"},\"authorizer\":{\"lambda\":"
		 "{\"sub\":\"%s\",\"tenantId\":\"%s\",\"role\":\"owner\"}}},"
		 "\"body\":\"{\\\"name\\\":\\\"%s\\\",\\\"phoneNumber\\\":\\\"+15555550123\\\","
		 "\\\"quotedMinutes\\\":15}\",\"isBase64Encoded\":false}",
		 f->wl.id, f->wl.tenant_id, f->wl.tenant_id, name);
	ev = cJSON_Parse(evtext);
	assert_non_null(ev);
	ans = handler_waitees(&f->ctx, ev);
	assert_int_equal(mt_resp_status(ans), 201);
	body = cJSON_Parse(mt_resp_body(ans));
	idj = cJSON_GetObjectItemCaseSensitive(body, "id");
	assert_true(cJSON_IsString(idj));
	id = strdup(idj->valuestring);
	cJSON_Delete(body);
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	return id;
}

/* The joined text names the place in line counted when the party was added
 * (carried in the message, not counted again when it is sent): Bea joined
 * second and hears #2 even though the party ahead was seated before the
 * texts went out. */
static void test_joined_carries_position(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee first;
	char *a = fx_add(f, "Abe"), *b = fx_add(f, "Bea");

	memset(&first, 0, sizeof first);
	memcpy(first.waitlist_id, f->wl.id, MT_ID_SIZE);
	snprintf(first.id, sizeof first.id, "%s", a);
	fx_get(f, &first);
	first.status = MT_SEATED;
	first.seated_at = f->now;
	assert_int_equal(f->store->ops->waitee_update(f->store, &first, first.version), 0);
	fx_drain(f);
	assert_int_equal(fx_sent_with_key(f, a, 0), 0);   /* seated: its joined text is dropped */
	assert_int_equal(fx_sent_with_key(f, b, 0), 1);
	assert_non_null(strstr(f->sms.last_text, "Bea"));
	assert_non_null(strstr(f->sms.last_text, "#2 "));
	free(a);
	free(b);

	/* a joined message without it (queued by an older maitred): counted
	 * when sent, as before: Cy is behind Bea only */
	{
		struct mt_notify_msg m;
		struct queue_entry e;
		struct mt_waitee cy;
		int res = 0;

		fx_waitee(f, &cy, "Cy", 0);
		memset(&m, 0, sizeof m);
		memcpy(m.waitee_id, cy.id, MT_ID_SIZE);
		memcpy(m.waitlist_id, cy.waitlist_id, MT_ID_SIZE);
		snprintf(m.kind, sizeof m.kind, "joined");
		e.body = mt_notify_msg_encode(&m);
		e.delay_s = 0;
		assert_non_null(e.body);
		assert_null(strstr(e.body, "position"));
		assert_int_equal(f->queue->ops->send_batch(f->queue, &e, 1, &res, NULL), 0);
		free((char *)e.body);
		fx_drain(f);
		assert_int_equal(fx_sent_with_key(f, cy.id, 0), 1);
		assert_non_null(strstr(f->sms.last_text, "Cy"));
		assert_non_null(strstr(f->sms.last_text, "#2 "));
	}
}

/* A quote of 30 minutes: the waitees handler plans a reminder at +20 min; the
 * producer ignores it before then, sends it after; the guest stays waiting
 * and hears how many minutes are left; a later "notify now" still texts. */
static void test_reminder_ahead_of_quote(void **state)
{
	struct fixture *f = *state;
	cJSON *ev, *ans, *body;
	const cJSON *idj;
	struct mt_waitee w;
	char evtext[512];
	int64_t joined = f->now;

	snprintf(evtext, sizeof evtext,
		 "{\"version\":\"2.0\",\"routeKey\":\"POST /waitlists/{waitlistId}/waitees\","
		 "\"pathParameters\":{\"waitlistId\":\"%s\"},"
		 "\"requestContext\":{\"http\":{\"method\":\"POST\"},\"authorizer\":{\"lambda\":"
		 "{\"sub\":\"%s\",\"tenantId\":\"%s\",\"role\":\"owner\"}}},"
		 "\"body\":\"{\\\"name\\\":\\\"Rita\\\",\\\"phoneNumber\\\":\\\"+15555550123\\\","
		 "\\\"quotedMinutes\\\":30}\",\"isBase64Encoded\":false}",
		 f->wl.id, f->wl.tenant_id, f->wl.tenant_id);
	ev = cJSON_Parse(evtext);
	assert_non_null(ev);
	ans = handler_waitees(&f->ctx, ev);
	assert_int_equal(mt_resp_status(ans), 201);
	body = cJSON_Parse(mt_resp_body(ans));
	idj = cJSON_GetObjectItemCaseSensitive(body, "id");
	assert_true(cJSON_IsString(idj));
	memset(&w, 0, sizeof w);
	memcpy(w.waitlist_id, f->wl.id, MT_ID_SIZE);
	snprintf(w.id, sizeof w.id, "%s", idj->valuestring);
	cJSON_Delete(body);
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	fx_drain(f);                           /* the joined message (seq 0) */
	assert_int_equal(fx_sent_with_key(f, w.id, 0), 1);

	f->now = joined + 19 * 60000;          /* before the reminder: nothing */
	assert_int_equal(fx_produce(f), 0);
	f->now = joined + 20 * 60000 + 5000;   /* after it: one reminder */
	assert_int_equal(fx_produce(f), 1);
	assert_int_equal(fx_produce(f), 0);
	fx_drain(f);
	assert_int_equal(fx_sent_with_key(f, w.id, 1), 1);
	assert_string_equal(f->sms.kinds[f->sms.sent - 1], "reminder");
	assert_non_null(strstr(f->sms.last_text, "Rita"));
	assert_non_null(strstr(f->sms.last_text, "10 min"));
	fx_get(f, &w);
	assert_int_equal(w.status, MT_WAITING);
	assert_int_equal(w.notify_count, 2);
	assert_int_equal(w.due_at, 0);
}

/* The same message twice (at-least-once delivery) texts the guest once. */
static void test_consumer_duplicate_is_noop(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee w;
	struct queue_msg *m = NULL, twin[2];
	size_t n;
	cJSON *ev, *ans;

	fx_waitee(f, &w, "Dup", T0);
	assert_int_equal(fx_produce(f), 1);
	assert_int_equal(f->queue->ops->receive(f->queue, 10, 0, 60, &m, &n, NULL), 0);
	assert_int_equal(n, 1);
	twin[0] = m[0];
	twin[1] = m[0];
	ev = fx_sqs_event(twin, 2);
	ans = handler_consumer(&f->ctx, ev);
	assert_int_equal(fx_failures(ans), 0);
	cJSON_Delete(ans);
	ans = handler_consumer(&f->ctx, ev);  /* and once more, later */
	assert_int_equal(fx_failures(ans), 0);
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	queue_msgs_free(m, n);
	assert_int_equal(f->sms.calls, 1);
	fx_get(f, &w);
	assert_int_equal(w.notify_count, 1);
}

/* Malformed bodies fail alone; the good message in the same batch is sent. */
static void test_consumer_malformed_isolated(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee w;
	char good[256];
	const char *bodies[] = { "not json", good, "{\"waiteeId\":\"x\",\"waitlistId\":\"y\",\"kind\":\"ready\",\"seq\":1}",
				 "[1,2]", "{\"waiteeId\":null}" };
	cJSON *ev = cJSON_CreateObject(), *recs = cJSON_AddArrayToObject(ev, "Records"), *ans;
	const cJSON *it;
	int i, bad = 0;

	fx_waitee(f, &w, "Good", T0);
	snprintf(good, sizeof good, "{\"waiteeId\":\"%s\",\"waitlistId\":\"%s\",\"kind\":\"ready\",\"seq\":1}",
		 w.id, w.waitlist_id);
	for (i = 0; i < 5; i++) {
		cJSON *r = cJSON_CreateObject();
		char id[8];

		snprintf(id, sizeof id, "m%d", i);
		cJSON_AddItemToArray(recs, r);
		cJSON_AddStringToObject(r, "messageId", id);
		cJSON_AddStringToObject(r, "body", bodies[i]);
	}
	/* A record with no body at all, and one that is not even an object. */
	cJSON_AddItemToArray(recs, cJSON_CreateString("junk"));
	{
		cJSON *r = cJSON_CreateObject();

		cJSON_AddItemToArray(recs, r);
		cJSON_AddStringToObject(r, "messageId", "m9");
	}
	ans = handler_consumer(&f->ctx, ev);
	assert_non_null(ans);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(ans, "batchItemFailures")) {
		const char *id = cJSON_GetObjectItemCaseSensitive(it, "itemIdentifier")->valuestring;

		assert_string_not_equal(id, "m1");
		bad++;
	}
	assert_int_equal(bad, 5);  /* m0, m2, m3, m4, m9 */
	assert_int_equal(fx_sent_with_key(f, w.id, 1), 1);
	cJSON_Delete(ans);
	cJSON_Delete(ev);
	/* An event without Records: an empty answer, not a crash. */
	ev = cJSON_Parse("{\"foo\":1}");
	ans = handler_consumer(&f->ctx, ev);
	assert_int_equal(fx_failures(ans), 0);
	cJSON_Delete(ans);
	cJSON_Delete(ev);
}

/* A temporary failure is reported, shown on the waitee, backed off, and
 * retried until the message is dead-lettered after 5 receives. */
static void test_consumer_failing_gateway(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee w;
	size_t n;
	int i;
	struct queue_depth d;

	fx_waitee(f, &w, "Unreachable", T0);
	assert_int_equal(fx_produce(f), 1);
	f->sms.result = MT_EBUSY;
	for (i = 1; i <= QUEUE_MAX_RECEIVES; i++) {
		assert_int_equal(fx_consume(f, &n), 1);
		assert_int_equal(n, 1);
		fx_get(f, &w);
		assert_string_equal(w.last_result, "failed");
		if (i < QUEUE_MAX_RECEIVES) {
			assert_non_null(strstr(w.last_reason, "will retry"));
			/* Hidden for the backoff: 10 s, 20 s, 40 s, ... */
			f->now += (int64_t)queue_backoff_seconds(f->queue, i) * 1000 - 1;
			assert_int_equal(fx_consume(f, &n), 0);
			assert_int_equal(n, 0);
			f->now += 1;
		}
	}
	assert_int_equal(f->sms.calls, QUEUE_MAX_RECEIVES);
	fx_get(f, &w);
	assert_string_equal(w.last_result, "failed");
	assert_non_null(strstr(w.last_reason, "failed to send"));
	assert_non_null(strstr(w.last_reason, "503"));
	assert_null(strstr(w.last_reason, "will retry"));
	assert_int_equal(w.status, MT_WAITING);
	/* The sixth receive dead-letters it. */
	assert_int_equal(fx_consume(f, &n), 0);
	assert_int_equal(n, 0);
	d = fx_depth(f);
	assert_int_equal(d.dead, 1);
	assert_int_equal(d.visible + d.in_flight, 0);
}

/* A permanent failure is shown and not retried. */
static void test_consumer_permanent_failure(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee w;
	size_t n;

	fx_waitee(f, &w, "Bad number", T0);
	assert_int_equal(fx_produce(f), 1);
	f->sms.result = MT_EIO;
	assert_int_equal(fx_consume(f, &n), 0);
	assert_int_equal(n, 1);
	fx_get(f, &w);
	assert_string_equal(w.last_result, "failed");
	assert_non_null(strstr(w.last_reason, "refused"));
	assert_int_equal(fx_depth(f).visible + fx_depth(f).in_flight, 0);
	assert_int_equal(f->sms.calls, 1);
}

/* Finished waitees, deleted waitees and superseded requests are skipped. */
static void test_consumer_skips(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee seated, gone, old;

	fx_waitee(f, &seated, "Seated", T0);
	fx_waitee(f, &gone, "Gone", T0);
	fx_waitee(f, &old, "Old", T0);
	assert_int_equal(fx_produce(f), 3);
	fx_get(f, &seated);
	seated.status = MT_SEATED;
	assert_int_equal(f->store->ops->waitee_update(f->store, &seated, seated.version), 0);
	assert_int_equal(f->store->ops->waitee_delete(f->store, gone.waitlist_id, gone.id), 0);
	/* The host re-planned: notify in 10 minutes (seq 2) replaces seq 1. */
	fx_get(f, &old);
	old.notify_seq = 2;
	old.due_at = old.notify_at = T0 + 600000;
	assert_int_equal(f->store->ops->waitee_update(f->store, &old, old.version), 0);
	fx_drain(f);
	assert_int_equal(f->sms.calls, 0);
	/* seq 2 when it is due. */
	f->now = T0 + 600000;
	assert_int_equal(fx_produce(f), 1);
	fx_drain(f);
	assert_int_equal(fx_sent_with_key(f, old.id, 2), 1);
	assert_int_equal(f->sms.calls, 1);
}

/* after_change: a new waitee gets "joined" at once; "notify now" is queued
 * at once (no tick) and the caller's record is updated. */
static void test_after_change(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee w, nocontact;
	int64_t v;

	fx_waitee(f, &w, "Joiner", 0);
	mt_notify_after_change(&f->ctx, &w, 1);
	assert_int_equal(fx_depth(f).visible, 1);
	fx_drain(f);
	assert_int_equal(fx_sent_with_key(f, w.id, 0), 1);
	assert_string_equal(f->sms.kinds[0], "joined");
	fx_get(f, &w);
	assert_int_equal(w.status, MT_WAITING);
	assert_int_equal(w.notify_count, 1);
	assert_string_equal(w.last_result, "sent");
	/* A twin joined message does nothing. */
	mt_notify_after_change(&f->ctx, &w, 1);
	fx_drain(f);
	assert_int_equal(f->sms.sent, 1);

	/* The host presses "notify now" (what the waitees handler stores). */
	w.notify_at = w.due_at = f->now;
	w.notify_seq++;
	snprintf(w.notify_kind, sizeof w.notify_kind, "ready");
	v = w.version;
	assert_int_equal(f->store->ops->waitee_update(f->store, &w, v), 0);
	mt_notify_after_change(&f->ctx, &w, 0);
	assert_int_equal(fx_depth(f).visible, 1);
	assert_int_equal(w.due_at, 0);
	assert_int_equal(w.queued_seq, 1);
	assert_true(w.version > v + 1);
	fx_drain(f);
	assert_int_equal(fx_sent_with_key(f, w.id, 1), 1);
	/* The tick finds nothing more to do. */
	assert_int_equal(fx_produce(f), 0);

	/* No phone, no e-mail: no joined message. */
	fx_waitee(f, &nocontact, "Walk-in", 0);
	nocontact.phone[0] = '\0';
	assert_int_equal(f->store->ops->waitee_update(f->store, &nocontact, nocontact.version), 0);
	mt_notify_after_change(&f->ctx, &nocontact, 1);
	assert_int_equal(fx_depth(f).visible, 0);
}

/* Message bodies: round trip and every reject. */
static void test_message_format(void **state)
{
	struct mt_notify_msg m, back;
	const char *why;
	char *text;
	static const char *bad[] = {
		NULL, "", "null", "[]", "{}", "{\"waiteeId\":1}",
		"{\"waiteeId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"waitlistId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"kind\":\"ready\"}",
		"{\"waiteeId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"waitlistId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"kind\":\"party\",\"seq\":1}",
		"{\"waiteeId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"waitlistId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"kind\":\"ready\",\"seq\":1.5}",
		"{\"waiteeId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"waitlistId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"kind\":\"ready\",\"seq\":-1}",
		"{\"waiteeId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"waitlistId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"kind\":\"ready\",\"seq\":0}",
		"{\"waiteeId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"waitlistId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"kind\":\"joined\",\"seq\":3}",
		"{\"waiteeId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"waitlistId\":\"../etc\",\"kind\":\"ready\",\"seq\":1}",
		"{\"waiteeId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"waitlistId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"kind\":\"ready\",\"seq\":\"1\"}",
		"{\"waiteeId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"waitlistId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"kind\":\"ready\",\"seq\":1e12}",
	};
	static const char *bad_pos[] = { "0", "-1", "1.5", "\"3\"", "2000000", "null" };
	size_t i;

	(void)state;
	memset(&m, 0, sizeof m);
	snprintf(m.waitee_id, sizeof m.waitee_id, "01ARZ3NDEKTSV4RRFFQ69G5FAV");
	snprintf(m.waitlist_id, sizeof m.waitlist_id, "01ARZ3NDEKTSV4RRFFQ69G5FAW");
	snprintf(m.kind, sizeof m.kind, "reminder");
	m.seq = 7;
	text = mt_notify_msg_encode(&m);
	assert_non_null(text);
	assert_int_equal(mt_notify_msg_parse(text, &back, &why), 0);
	assert_memory_equal(&m, &back, sizeof m);
	free(text);
	/* a joined message may carry the place in line (1..1000000) */
	memset(m.kind, 0, sizeof m.kind);
	snprintf(m.kind, sizeof m.kind, "joined");
	m.seq = 0;
	m.position = 42;
	text = mt_notify_msg_encode(&m);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"position\":42"));
	assert_int_equal(mt_notify_msg_parse(text, &back, &why), 0);
	assert_memory_equal(&m, &back, sizeof m);
	free(text);
	for (i = 0; i < sizeof bad_pos / sizeof bad_pos[0]; i++) {
		char body[256];

		snprintf(body, sizeof body, "{\"waiteeId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"waitlistId\":"
			 "\"01ARZ3NDEKTSV4RRFFQ69G5FAW\",\"kind\":\"joined\",\"seq\":0,\"position\":%s}", bad_pos[i]);
		why = NULL;
		if (mt_notify_msg_parse(body, &back, &why) != MT_EINVAL)
			fail_msg("accepted bad position %s", bad_pos[i]);
		assert_non_null(why);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		if (mt_notify_msg_parse(bad[i], &back, &why) != MT_EINVAL)
			fail_msg("accepted bad body %zu: %s", i, bad[i] ? bad[i] : "(null)");
		assert_non_null(why);
	}
}

/* The host presses "notify now" on w (what the waitees handler stores) and
 * the consumer runs. */
static void fx_notify_now(struct fixture *f, struct mt_waitee *w)
{
	fx_get(f, w);
	w->notify_at = w->due_at = f->now;
	w->notify_seq++;
	snprintf(w->notify_kind, sizeof w->notify_kind, "ready");
	assert_int_equal(f->store->ops->waitee_update(f->store, w, w->version), 0);
	mt_notify_after_change(&f->ctx, w, 0);
	fx_drain(f);
	fx_get(f, w);
}

/* Issue 13, finding 8: texts per party per hour, per number per hour and
 * per new restaurant per day are capped at the consumer; over a cap nothing
 * is sent, the row says which limit, and trust lifts the restaurant's cap. */
static void test_sms_limits(void **state)
{
	struct fixture *f = *state;
	struct mt_waitee a, b, c;

	f->ctx.cfg.sms_party_hour = 2;
	f->ctx.cfg.sms_number_hour = 3;
	f->ctx.cfg.sms_new_tenant_day = 4;
	f->ctx.cfg.sms_tenant_day = 1000;
	f->ctx.cfg.sms_trust_days = 14;
	fx_waitee(f, &a, "Ada", 0);
	fx_notify_now(f, &a);
	fx_notify_now(f, &a);
	assert_int_equal(f->sms.sent, 2);
	fx_notify_now(f, &a);   /* a third text to one party within the hour */
	assert_int_equal(f->sms.sent, 2);
	assert_string_equal(a.last_result, "failed");
	assert_non_null(strstr(a.last_reason, "at most 2 texts per party per hour"));

	/* another party with the same number: the number's cap (3) */
	fx_waitee(f, &b, "Bob", 0);
	fx_notify_now(f, &b);
	assert_int_equal(f->sms.sent, 3);
	fx_notify_now(f, &b);
	assert_int_equal(f->sms.sent, 3);
	assert_non_null(strstr(b.last_reason, "at most 3 texts per phone number per hour"));

	/* an hour later: the restaurant's daily quota of a new restaurant (4) */
	f->now += 3600 * 1000;
	fx_waitee(f, &c, "Cy", 0);
	snprintf(c.phone, sizeof c.phone, "+15555550999");
	assert_int_equal(f->store->ops->waitee_update(f->store, &c, c.version), 0);
	fx_notify_now(f, &c);
	assert_int_equal(f->sms.sent, 4);
	fx_notify_now(f, &a);
	assert_int_equal(f->sms.sent, 4);
	assert_non_null(strstr(a.last_reason, "per day for a new restaurant"));
	/* the operator trusts the restaurant: its full quota applies */
	snprintf(f->ctx.cfg.sms_trusted_tenants, sizeof f->ctx.cfg.sms_trusted_tenants, "XYZ,%s", f->wl.tenant_id);
	fx_notify_now(f, &a);
	assert_int_equal(f->sms.sent, 5);
	assert_string_equal(a.last_result, "sent");
	/* and so is one registered longer ago than sms_trust_days */
	f->ctx.cfg.sms_trusted_tenants[0] = '\0';
	f->now += 15LL * 86400 * 1000;
	fx_notify_now(f, &c);
	assert_int_equal(f->sms.sent, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_producer_queues_due_once, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_producer_many, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_two_producers, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_producer_skips_finished, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_producer_enqueue_failure_retried, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_producer_crash_window, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_producer_lagging_index, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_consumer_records_sent, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_consumer_batch_commits, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_consumer_reads_list_once, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_joined_carries_position, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reminder_ahead_of_quote, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_consumer_duplicate_is_noop, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_consumer_malformed_isolated, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_consumer_failing_gateway, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_consumer_permanent_failure, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_consumer_skips, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_after_change, fx_setup, fx_teardown),
		cmocka_unit_test(test_message_format),
		cmocka_unit_test_setup_teardown(test_sms_limits, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("notify-handlers", tests, NULL, NULL);
}
