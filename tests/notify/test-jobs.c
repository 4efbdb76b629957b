/* maitred's jobs (backend/daemon/jobs.c) on a real SQLite store and
 * embedded queue: the scheduler runs the producer at start (catch-up) and
 * every tick, the worker consumes and deletes, failed messages come back,
 * and stop is prompt and finishes the batch in hand. The guest's channel is
 * a recording channel behind the channel interface. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "core/error.h"
#include "core/id.h"
#include "daemon/jobs.h"
#include "handlers/handler.h"
#include "notify/channel.h"
#include "queue/queue.h"
#include "store/store.h"

/* A recording channel. */
struct rec {
	struct channel base;     /* ops */
	pthread_mutex_t lock;    /* guards the rest */
	int sent;                /* accepted messages */
	int fail;                /* 1: answer MT_EBUSY */
	long delay_ms;           /* time each send takes */
};

/* Sleeps ms milliseconds. */
static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Monotonic ms. */
static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Records a message (or fails). */
static int rec_send(struct channel *c, const struct mt_message *m, char **reason)
{
	struct rec *r = (struct rec *)c;
	int fail;

	(void)m;
	if (r->delay_ms)
		sleep_ms(r->delay_ms);
	pthread_mutex_lock(&r->lock);
	fail = r->fail;
	if (!fail)
		r->sent++;
	pthread_mutex_unlock(&r->lock);
	if (fail && reason)
		*reason = strdup("gateway answered 503");
	return fail ? MT_EBUSY : 0;
}

/* Nothing to free. */
static void rec_close(struct channel *c)
{
	(void)c;
}

static const struct channel_ops rec_ops = { "sms", rec_send, rec_close };

/* Reads the recorder's count. */
static int rec_sent(struct rec *r)
{
	int n;

	pthread_mutex_lock(&r->lock);
	n = r->sent;
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* The fixture. */
struct fx {
	char dir[64];             /* temp dir */
	struct store *store;      /* SQLite store */
	struct queue *queue;      /* embedded queue */
	struct rec sms;           /* guest channel */
	struct channel_set set;   /* channels */
	struct mt_ctx ctx;        /* context (system clock) */
	struct mt_waitlist wl;    /* a list */
};

/* Setup: store, queue, channel, list. */
static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char db[128];

	snprintf(f->dir, sizeof f->dir, "/tmp/maitre-jobs-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(db, sizeof db, "%s/maitre.db", f->dir);
	if (store_sqlite_open(db, &f->store, NULL) != 0 || f->store->ops->init_schema(f->store) != 0 ||
	    queue_sqlite_open(db, NULL, &f->queue, NULL) != 0)
		return -1;
	f->queue->retry.base_s = 1;
	f->sms.base.ops = &rec_ops;
	pthread_mutex_init(&f->sms.lock, NULL);
	f->set.sms = &f->sms.base;
	f->set.log = &f->sms.base;
	f->ctx.store = f->store;
	f->ctx.queue = f->queue;
	f->ctx.channels = &f->set;
	f->ctx.clock = mt_clock_system;
	mt_id_new(f->wl.id, mt_now(&f->ctx));
	mt_id_new(f->wl.tenant_id, mt_now(&f->ctx));
	snprintf(f->wl.name, sizeof f->wl.name, "Jobs Inn");
	if (f->store->ops->waitlist_create(f->store, &f->wl) != 0)
		return -1;
	*state = f;
	return 0;
}

/* Teardown. */
static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	queue_close(f->queue);
	store_close(f->store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* A waitee due at due_at (0: nothing planned). */
static void fx_waitee(struct fx *f, struct mt_waitee *w, int64_t due_at)
{
	memset(w, 0, sizeof *w);
	mt_id_new(w->id, mt_now(&f->ctx));
	memcpy(w->waitlist_id, f->wl.id, MT_ID_SIZE);
	memcpy(w->tenant_id, f->wl.tenant_id, MT_ID_SIZE);
	snprintf(w->name, sizeof w->name, "Guest");
	snprintf(w->phone, sizeof w->phone, "+15555550199");
	w->party_size = 2;
	w->status = MT_WAITING;
	w->joined_at = w->updated_at = mt_now(&f->ctx);
	if (due_at) {
		w->notify_at = w->due_at = due_at;
		w->notify_seq = 1;
		snprintf(w->notify_kind, sizeof w->notify_kind, "ready");
	}
	assert_int_equal(f->store->ops->waitee_create(f->store, w), 0);
}

/* Waits until the recorder has n messages (or timeout). */
static int wait_sent(struct fx *f, int n, long timeout_ms)
{
	long long end = mono_ms() + timeout_ms;

	while (rec_sent(&f->sms) < n && mono_ms() < end)
		sleep_ms(20);
	return rec_sent(&f->sms);
}

/* Overdue waitees are told right after start (the tick is an hour). */
static void test_catch_up_at_start(void **state)
{
	struct fx *f = *state;
	struct jobs *jobs = NULL;
	struct mt_waitee a, b;
	struct queue_depth d;
	long long t0;
	char *cause = NULL;

	fx_waitee(f, &a, mt_now(&f->ctx) - 3600000);
	fx_waitee(f, &b, mt_now(&f->ctx) - 5000);
	t0 = mono_ms();
	assert_int_equal(jobs_start(&f->ctx, 3600, &jobs, &cause), 0);
	assert_int_equal(wait_sent(f, 2, 5000), 2);
	assert_true(mono_ms() - t0 < 3000);
	/* Deleted after success. */
	sleep_ms(200);
	assert_int_equal(f->queue->ops->depth(f->queue, &d, NULL), 0);
	assert_int_equal(d.visible + d.in_flight, 0);
	t0 = mono_ms();
	jobs_stop(jobs);
	assert_true(mono_ms() - t0 < 2000);
	assert_int_equal(wait_sent(f, 3, 300), 2);
}

/* Counts waitees rows with this id in the fixture's database file (a raw
 * connection: the store hides expired rows, this sees whether they exist). */
static int raw_waitee_rows(struct fx *f, const char *id)
{
	char db[128];
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;

	snprintf(db, sizeof db, "%s/maitre.db", f->dir);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM waitees WHERE id = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* A party whose record expired (finished a day ago) is deleted from the
 * file right after start; one that has not expired stays. */
static void test_purge_at_start(void **state)
{
	struct fx *f = *state;
	struct jobs *jobs = NULL;
	struct mt_waitee old, recent;
	char *cause = NULL;
	int i;

	fx_waitee(f, &old, 0);
	old.status = MT_SEATED;
	old.expires_at = mt_now(&f->ctx) / 1000 - 5;
	assert_int_equal(f->store->ops->waitee_update(f->store, &old, 1), 0);
	fx_waitee(f, &recent, 0);
	recent.status = MT_CANCELLED;
	recent.expires_at = mt_now(&f->ctx) / 1000 + 3600;
	assert_int_equal(f->store->ops->waitee_update(f->store, &recent, 1), 0);
	assert_int_equal(raw_waitee_rows(f, old.id), 1);
	assert_int_equal(jobs_start(&f->ctx, 3600, &jobs, &cause), 0);
	for (i = 0; i < 250 && raw_waitee_rows(f, old.id) != 0; i++)
		sleep_ms(20);
	assert_int_equal(raw_waitee_rows(f, old.id), 0);
	assert_int_equal(raw_waitee_rows(f, recent.id), 1);
	jobs_stop(jobs);
}

/* Each tick picks up what became due since. */
static void test_ticks(void **state)
{
	struct fx *f = *state;
	struct jobs *jobs = NULL;
	struct mt_waitee w;

	assert_int_equal(jobs_start(&f->ctx, 1, &jobs, NULL), 0);
	sleep_ms(300);
	fx_waitee(f, &w, mt_now(&f->ctx) + 1500);
	assert_int_equal(wait_sent(f, 1, 1000), 0);   /* not before it is due */
	assert_int_equal(wait_sent(f, 1, 4000), 1);   /* at the first tick after */
	sleep_ms(2500);
	assert_int_equal(rec_sent(&f->sms), 1);       /* and only once */
	jobs_stop(jobs);
}

/* A failed delivery comes back (backoff 1 s) and succeeds once the gateway does. */
static void test_failure_comes_back(void **state)
{
	struct fx *f = *state;
	struct jobs *jobs = NULL;
	struct mt_waitee w;

	f->sms.fail = 1;
	fx_waitee(f, &w, mt_now(&f->ctx) - 1000);
	assert_int_equal(jobs_start(&f->ctx, 3600, &jobs, NULL), 0);
	sleep_ms(600);
	pthread_mutex_lock(&f->sms.lock);
	f->sms.fail = 0;
	pthread_mutex_unlock(&f->sms.lock);
	assert_int_equal(wait_sent(f, 1, 5000), 1);
	jobs_stop(jobs);
	assert_int_equal(f->store->ops->waitee_get(f->store, w.waitlist_id, w.id, &w), 0);
	assert_string_equal(w.last_result, "sent");
	assert_int_equal(w.status, MT_NOTIFIED);
}

/* Stop finishes the batch in hand: nothing received is left half done. */
static void test_stop_finishes_batch(void **state)
{
	struct fx *f = *state;
	struct jobs *jobs = NULL;
	struct mt_waitee w;
	struct queue_depth d;
	int i, sent;

	f->sms.delay_ms = 100;
	for (i = 0; i < 10; i++)
		fx_waitee(f, &w, mt_now(&f->ctx) - 1000);
	assert_int_equal(jobs_start(&f->ctx, 3600, &jobs, NULL), 0);
	assert_true(wait_sent(f, 1, 3000) >= 1);
	jobs_stop(jobs);   /* in the middle of the batch of 10 */
	sent = rec_sent(&f->sms);
	assert_int_equal(sent, 10);
	assert_int_equal(f->queue->ops->depth(f->queue, &d, NULL), 0);
	assert_int_equal(d.visible + d.in_flight, 0);
}

/* No queue configured: start succeeds, nothing runs, stop is clean. */
static void test_no_queue(void **state)
{
	struct fx *f = *state;
	struct jobs *jobs = NULL;
	char *cause = NULL;

	f->ctx.queue = NULL;
	assert_int_equal(jobs_start(&f->ctx, 60, &jobs, &cause), 0);
	assert_non_null(jobs);
	jobs_stop(jobs);
	assert_int_equal(jobs_start(&f->ctx, 0, &jobs, &cause), MT_EINVAL);
	assert_non_null(cause);
	free(cause);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_catch_up_at_start, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ticks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_failure_comes_back, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stop_finishes_batch, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_queue, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_purge_at_start, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("jobs", tests, NULL, NULL);
}
