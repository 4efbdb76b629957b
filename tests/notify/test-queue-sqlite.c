/* The embedded queue (backend/queue/queue-sqlite.c): the queue contract
 * suite, plus what only the embedded back end promises: it survives a
 * reopen, two connections to one file share it, the dead-letter table
 * keeps the message, the receive uses its index, and visibility follows
 * the clock it is given. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include <cmocka.h>
#include "core/error.h"
#include "queue-contract.h"
#include "store/store.h"

static char test_dir[] = "/tmp/maitre-queue-XXXXXX";
static int test_counter;

/* Makes a path for a new database file in the test directory. */
static void test_db_path(char *out, size_t size)
{
	snprintf(out, size, "%s/q%d.db", test_dir, ++test_counter);
}

/* The contract's test clock: epoch ms, read by the queues' threads. */
static _Atomic int64_t contract_now = 1800000000000LL;

/* Reads the contract's test clock. */
static int64_t contract_clock_now(void *arg)
{
	return *(_Atomic int64_t *)arg;
}

/* Moves the contract's test clock forward. */
static void contract_clock_advance(void *arg, long ms)
{
	*(_Atomic int64_t *)arg += ms;
}

/* The clock the contract's queues read, and the suite's handle on it. */
static const struct mt_clock contract_mt_clock = { contract_clock_now, &contract_now };
static const struct queue_contract_clock contract_clock = {
	contract_clock_now, contract_clock_advance, &contract_now,
};

/* Contract factory: a fresh queue in a new file (arg: its clock, NULL = system). */
static int test_open_fresh(struct queue **out, void *arg)
{
	char path[256];
	char *cause = NULL;
	int err;

	test_db_path(path, sizeof path);
	err = queue_sqlite_open(path, arg, out, &cause);
	if (err)
		fprintf(stderr, "queue_sqlite_open: %s\n", cause ? cause : "?");
	free(cause);
	return err;
}

#define TEST_STORES_MAX 32
static struct store *test_stores[TEST_STORES_MAX];  /* stores behind shared-writer queues */
static int test_nstores;

/* Contract factory, shared-writer mode: a fresh queue whose writes run in
 * the SQLite store's group-committed transaction (as in maitred). */
static int test_open_fresh_shared(struct queue **out, void *arg)
{
	char path[256];
	char *cause = NULL;
	struct store *s = NULL;
	int err;

	if (test_nstores == TEST_STORES_MAX)
		return MT_ENOMEM;
	test_db_path(path, sizeof path);
	err = store_sqlite_open(path, &s, &cause);
	if (err == 0)
		err = s->ops->init_schema(s);
	if (err == 0)
		err = queue_sqlite_open(path, arg, out, &cause);
	if (err == 0)
		err = queue_sqlite_use_store(*out, s);
	if (err)
		fprintf(stderr, "shared queue: %s\n", cause ? cause : mt_strerror(err));
	free(cause);
	if (s)
		test_stores[test_nstores++] = s;
	return err;
}

/* A fake clock the tests move by hand. */
struct test_clock {
	int64_t now;   /* current fake time, epoch ms */
};

/* Reads the fake clock. */
static int64_t test_clock_now(void *data)
{
	return ((struct test_clock *)data)->now;
}

/* Sends one message. */
static void test_send(struct queue *q, const char *body)
{
	struct queue_entry e = { body, 0 };
	int result = -99;

	assert_int_equal(q->ops->send_batch(q, &e, 1, &result, NULL), 0);
	assert_int_equal(result, 0);
}

/* Messages, in-flight state and dead letters survive closing and reopening. */
static void test_survives_reopen(void **state)
{
	char path[256];
	struct queue *q = NULL;
	struct queue_msg *m = NULL;
	struct queue_depth d;
	size_t n = 0;

	(void)state;
	test_db_path(path, sizeof path);
	assert_int_equal(queue_sqlite_open(path, NULL, &q, NULL), 0);
	test_send(q, "kept");
	test_send(q, "in flight");
	assert_int_equal(q->ops->receive(q, 1, 0, 60, &m, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].body, "kept");
	assert_int_equal(q->ops->change_visibility(q, m[0].receipt, 0, NULL), 0);
	queue_msgs_free(m, n);
	assert_int_equal(q->ops->receive(q, 2, 0, 60, &m, &n, NULL), 0);
	assert_int_equal(n, 2);
	/* "kept" (count 2) and "in flight" (count 1) both hidden for 60 s; give "kept" back. */
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].body, "kept") == 0)
			assert_int_equal(q->ops->change_visibility(q, m[i].receipt, 0, NULL), 0);
	queue_msgs_free(m, n);
	queue_close(q);

	q = NULL;
	assert_int_equal(queue_sqlite_open(path, NULL, &q, NULL), 0);
	assert_int_equal(q->ops->depth(q, &d, NULL), 0);
	assert_int_equal(d.visible, 1);
	assert_int_equal(d.in_flight, 1);
	assert_int_equal(q->ops->receive(q, 10, 0, 60, &m, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].body, "kept");
	assert_int_equal(m[0].receive_count, 3);
	assert_int_equal(q->ops->delete(q, m[0].receipt, NULL), 0);
	queue_msgs_free(m, n);
	queue_close(q);
}

/* Visibility, receive counts and dead-lettering follow the given clock;
 * the dead letter keeps its body and count. */
static void test_fake_clock_dead_letter(void **state)
{
	char path[256];
	struct test_clock tc = { 1800000000000LL };
	struct mt_clock clock = { test_clock_now, &tc };
	struct queue *q = NULL;
	struct queue_msg *m = NULL;
	struct queue_depth d;
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t n = 0;
	int i;

	(void)state;
	test_db_path(path, sizeof path);
	assert_int_equal(queue_sqlite_open(path, &clock, &q, NULL), 0);
	test_send(q, "{\"poison\":true}");
	for (i = 1; i <= QUEUE_MAX_RECEIVES; i++) {
		assert_int_equal(q->ops->receive(q, 10, 0, 30, &m, &n, NULL), 0);
		assert_int_equal(n, 1);
		assert_int_equal(m[0].receive_count, i);
		queue_msgs_free(m, n);
		/* Hidden until the clock passes 30 s. */
		tc.now += 29999;
		assert_int_equal(q->ops->receive(q, 10, 0, 30, &m, &n, NULL), 0);
		assert_int_equal(n, 0);
		tc.now += 1;
	}
	assert_int_equal(q->ops->receive(q, 10, 0, 30, &m, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_int_equal(q->ops->depth(q, &d, NULL), 0);
	assert_int_equal(d.visible, 0);
	assert_int_equal(d.in_flight, 0);
	assert_int_equal(d.dead, 1);
	queue_close(q);

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT body, receive_count, dead_at FROM mtq_dead", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "{\"poison\":true}");
	assert_int_equal(sqlite3_column_int(st, 1), QUEUE_MAX_RECEIVES);
	assert_true(sqlite3_column_int64(st, 2) == tc.now);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* The receive lookup uses the visible_at index, never a table scan. */
static void test_query_plan(void **state)
{
	char path[256];
	struct queue *q = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;
	int uses_index = 0, scans = 0;

	(void)state;
	test_db_path(path, sizeof path);
	assert_int_equal(queue_sqlite_open(path, NULL, &q, NULL), 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
		"EXPLAIN QUERY PLAN SELECT id, body, sent_at, receive_count FROM mtq_messages"
		" WHERE visible_at <= ?1 ORDER BY visible_at, id LIMIT ?2", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);

		if (strstr(detail, "USING INDEX mtq_messages_visible") ||
		    strstr(detail, "USING COVERING INDEX mtq_messages_visible"))
			uses_index = 1;
		if (strncmp(detail, "SCAN mtq_messages", 17) == 0 && strstr(detail, "INDEX") == NULL)
			scans = 1;
		if (strstr(detail, "TEMP B-TREE"))
			scans = 1;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	queue_close(q);
	assert_true(uses_index);
	assert_false(scans);
}

/* Two connections to one file (as two processes would have) share the
 * queue and never hand out the same receive twice. */
struct test_conn_receiver {
	struct queue *q;   /* this thread's own connection */
	int got[100];      /* receives per message number */
	int errors;        /* failed calls */
};

/* Thread body: drains the queue through its own connection. */
static void *test_conn_receiver_main(void *p)
{
	struct test_conn_receiver *r = p;
	struct queue_msg *m;
	size_t n, i;
	int idle = 0;

	while (idle < 3) {
		m = NULL;
		if (r->q->ops->receive(r->q, 3, 200, 60, &m, &n, NULL) != 0) {
			r->errors++;
			return NULL;
		}
		idle = n ? 0 : idle + 1;
		for (i = 0; i < n; i++) {
			long k = strtol(m[i].body, NULL, 10);

			if (k >= 0 && k < 100)
				r->got[k]++;
			if (r->q->ops->delete(r->q, m[i].receipt, NULL) != 0)
				r->errors++;
		}
		queue_msgs_free(m, n);
		nanosleep(&(struct timespec){ 0, 5000000L }, NULL);  /* "work" so both take turns */
	}
	return NULL;
}

/* Two connections drain 100 messages between them, each exactly once. */
static void test_two_connections(void **state)
{
	char path[256], body[8];
	struct test_conn_receiver r[2];
	pthread_t t[2];
	struct queue *sender = NULL;
	int i;

	(void)state;
	memset(r, 0, sizeof r);
	test_db_path(path, sizeof path);
	assert_int_equal(queue_sqlite_open(path, NULL, &sender, NULL), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(queue_sqlite_open(path, NULL, &r[i].q, NULL), 0);
	for (i = 0; i < 100; i++) {
		snprintf(body, sizeof body, "%d", i);
		test_send(sender, body);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, test_conn_receiver_main, &r[i]), 0);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].errors, 0);
	}
	for (i = 0; i < 100; i++)
		if (r[0].got[i] + r[1].got[i] != 1)
			fail_msg("message %d received %d times", i, r[0].got[i] + r[1].got[i]);
	/* (Which connection got how many is up to SQLite's busy handler, which
	 * is not fair: only exactly-once is promised.) */
	for (i = 0; i < 2; i++)
		queue_close(r[i].q);
	queue_close(sender);
}

/* Malformed receipts are refused, not crashed on. */
static void test_bad_receipts(void **state)
{
	struct queue *q = NULL;
	const char *bad[] = { "", "x", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "01ARZ3NDEKTSV4RRFFQ69G5FAV.",
			      "01ARZ3NDEKTSV4RRFFQ69G5FAV.0", "01ARZ3NDEKTSV4RRFFQ69G5FAV.1x",
			      "short.1", "01ARZ3NDEKTSV4RRFFQ69G5FA!.1" };
	size_t i;
	char *cause = NULL;

	(void)state;
	assert_int_equal(test_open_fresh(&q, NULL), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(q->ops->delete(q, bad[i], &cause), MT_EINVAL);
		free(cause);
		cause = NULL;
		assert_int_equal(q->ops->change_visibility(q, bad[i], 0, &cause), MT_EINVAL);
		free(cause);
		cause = NULL;
	}
	/* Well-formed but unknown. */
	assert_int_equal(q->ops->delete(q, "01ARZ3NDEKTSV4RRFFQ69G5FAV.1", &cause), MT_ENOTFOUND);
	free(cause);
	assert_int_equal(q->ops->delete(q, NULL, NULL), MT_EINVAL);
	queue_close(q);
}

/* Backoff doubles per receive and stops at the cap. */
static void test_backoff(void **state)
{
	struct queue *q = NULL;

	(void)state;
	assert_int_equal(test_open_fresh(&q, NULL), 0);
	q->retry.base_s = 10;
	q->retry.max_s = 900;
	assert_int_equal(queue_backoff_seconds(q, 1), 10);
	assert_int_equal(queue_backoff_seconds(q, 2), 20);
	assert_int_equal(queue_backoff_seconds(q, 4), 80);
	assert_int_equal(queue_backoff_seconds(q, 7), 640);
	assert_int_equal(queue_backoff_seconds(q, 8), 900);
	assert_int_equal(queue_backoff_seconds(q, 1000), 900);
	q->retry.base_s = 1;
	assert_int_equal(queue_backoff_seconds(q, 3), 4);
	queue_close(q);
}

/* An unopenable path is a clear error, not a crash. */
static void test_open_errors(void **state)
{
	struct queue *q = (struct queue *)1;
	char *cause = NULL;

	(void)state;
	assert_int_equal(queue_sqlite_open("", NULL, &q, &cause), MT_EINVAL);
	assert_null(q);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	assert_true(queue_sqlite_open("/nonexistent-dir/x/q.db", NULL, &q, &cause) < 0);
	assert_null(q);
	assert_non_null(cause);
	free(cause);
}

/* Removes the test directory. */
static void test_cleanup(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", test_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_survives_reopen),
		cmocka_unit_test(test_fake_clock_dead_letter),
		cmocka_unit_test(test_query_plan),
		cmocka_unit_test(test_two_connections),
		cmocka_unit_test(test_bad_receipts),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_open_errors),
	};
	int failed;

	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	/* Visibility, delays and backoff follow the queue's clock: the suite
	 * moves a test clock instead of waiting (the SQS run is in real time). */
	queue_contract_use_clock(&contract_clock);
	failed = queue_contract_run("queue contract: sqlite", test_open_fresh, (void *)&contract_mt_clock,
				    QUEUE_CONTRACT_STALE_RECEIPT_FAILS | QUEUE_CONTRACT_EXACT_DEPTH);
	failed += queue_contract_run("queue contract: sqlite, shared store writer", test_open_fresh_shared,
				     (void *)&contract_mt_clock,
				     QUEUE_CONTRACT_STALE_RECEIPT_FAILS | QUEUE_CONTRACT_EXACT_DEPTH);
	queue_contract_use_clock(NULL);
	while (test_nstores > 0)
		store_close(test_stores[--test_nstores]);
	failed += cmocka_run_group_tests_name("queue-sqlite", tests, NULL, NULL);
	test_cleanup();
	return failed ? 1 : 0;
}
