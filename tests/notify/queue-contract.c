/* The queue contract suite: see queue-contract.h. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "core/error.h"
#include "queue-contract.h"

/* What the suite was started with. */
static struct {
	queue_contract_open_fn open_fresh;  /* factory */
	void *arg;                          /* its argument */
	int flags;                          /* QUEUE_CONTRACT_* */
	const struct queue_contract_clock *clock; /* test clock, or NULL: real time */
} contract;

/* Makes the suite drive c instead of sleeping. */
void queue_contract_use_clock(const struct queue_contract_clock *c)
{
	contract.clock = c;
}

/* Monotonic milliseconds. */
static long long contract_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps ms milliseconds of real time. */
static void contract_real_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The suite's time in ms: the test clock's, else monotonic. */
static long long contract_ms(void)
{
	return contract.clock ? (long long)contract.clock->now_ms(contract.clock->arg) : contract_real_ms();
}

/* Lets ms pass: advances the test clock, else sleeps. */
static void contract_sleep(long ms)
{
	if (contract.clock)
		contract.clock->advance(contract.clock->arg, ms);
	else
		contract_real_sleep(ms);
}

/* cmocka setup: a fresh queue per test. */
static int contract_setup(void **state)
{
	struct queue *q = NULL;
	int err = contract.open_fresh(&q, contract.arg);

	if (err != 0 || q == NULL) {
		fprintf(stderr, "queue contract: open_fresh failed: %s\n", mt_strerror(err));
		return -1;
	}
	*state = q;
	return 0;
}

/* cmocka teardown. */
static int contract_teardown(void **state)
{
	queue_close(*state);
	return 0;
}

/* Sends the given bodies in one batch and checks every entry was accepted. */
static void contract_send(struct queue *q, const char **bodies, size_t n)
{
	struct queue_entry e[QUEUE_BATCH_MAX];
	int results[QUEUE_BATCH_MAX];
	char *cause = NULL;
	size_t i;
	int err;

	assert_true(n >= 1 && n <= QUEUE_BATCH_MAX);
	for (i = 0; i < n; i++) {
		e[i].body = bodies[i];
		e[i].delay_s = 0;
		results[i] = -99;
	}
	err = q->ops->send_batch(q, e, n, results, &cause);
	if (err)
		fprintf(stderr, "send_batch: %s\n", cause ? cause : mt_strerror(err));
	free(cause);
	assert_int_equal(err, 0);
	for (i = 0; i < n; i++)
		assert_int_equal(results[i], 0);
}

/* Sends one body. */
static void contract_send1(struct queue *q, const char *body)
{
	contract_send(q, &body, 1);
}

/* Receives once, waiting up to wait_ms of real time; returns the number of messages. */
static size_t contract_recv_real(struct queue *q, int max, int wait_ms, int vis, struct queue_msg **msgs)
{
	char *cause = NULL;
	size_t n = 0;
	int err = q->ops->receive(q, max, wait_ms, vis, msgs, &n, &cause);

	if (err)
		fprintf(stderr, "receive: %s\n", cause ? cause : mt_strerror(err));
	free(cause);
	assert_int_equal(err, 0);
	if (n == 0)
		assert_null(*msgs);
	return n;
}

/* Receives once, waiting up to wait_ms of the suite's time (on a test
 * clock: a receive, wait_ms of test time, and a receive again). */
static size_t contract_recv(struct queue *q, int max, int wait_ms, int vis, struct queue_msg **msgs)
{
	size_t n;

	if (contract.clock == NULL || wait_ms == 0)
		return contract_recv_real(q, max, wait_ms, vis, msgs);
	n = contract_recv_real(q, max, 0, vis, msgs);
	if (n > 0)
		return n;
	contract_sleep(wait_ms);
	return contract_recv_real(q, max, 0, vis, msgs);
}

/* Deletes by receipt, expecting err. */
static void contract_delete(struct queue *q, const char *receipt, int expect)
{
	char *cause = NULL;
	int err = q->ops->delete(q, receipt, &cause);

	if (err != expect)
		fprintf(stderr, "delete: %s\n", cause ? cause : mt_strerror(err));
	free(cause);
	assert_int_equal(err, expect);
}

/* A batch of 10 is received completely, bodies intact, each once. */
static void contract_send_receive_batch(void **state)
{
	struct queue *q = *state;
	const char *bodies[10] = { "m0", "m1", "{\"waiteeId\":\"x\",\"seq\":2}", "m3", "caf\xc3\xa9",
				   "m5", "m6", "m7", "m8", "m9" };
	int seen[10] = { 0 };
	size_t total = 0, n, i, j;
	struct queue_msg *msgs;
	long long t0 = contract_ms();

	contract_send(q, bodies, 10);
	while (total < 10 && contract_ms() - t0 < 10000) {
		n = contract_recv(q, 10, 1000, 30, &msgs);
		for (i = 0; i < n; i++) {
			assert_non_null(msgs[i].id);
			assert_non_null(msgs[i].receipt);
			assert_int_equal(msgs[i].receive_count, 1);
			for (j = 0; j < 10; j++)
				if (strcmp(msgs[i].body, bodies[j]) == 0)
					break;
			assert_true(j < 10);
			seen[j]++;
			contract_delete(q, msgs[i].receipt, 0);
		}
		total += n;
		queue_msgs_free(msgs, n);
	}
	assert_int_equal(total, 10);
	for (j = 0; j < 10; j++)
		assert_int_equal(seen[j], 1);
	/* Deleted: nothing comes back. */
	n = contract_recv(q, 10, 1500, 30, &msgs);
	assert_int_equal(n, 0);
}

/* Bad arguments are refused. */
static void contract_bad_args(void **state)
{
	struct queue *q = *state;
	struct queue_entry e[11];
	int results[11];
	struct queue_msg *msgs = NULL;
	size_t n = 0, i;
	char *cause = NULL;

	for (i = 0; i < 11; i++) {
		e[i].body = "x";
		e[i].delay_s = 0;
	}
	assert_int_equal(q->ops->send_batch(q, e, 0, results, &cause), MT_EINVAL);
	free(cause);
	cause = NULL;
	assert_int_equal(q->ops->send_batch(q, e, 11, results, &cause), MT_EINVAL);
	free(cause);
	cause = NULL;
	assert_int_equal(q->ops->receive(q, 0, 0, 30, &msgs, &n, &cause), MT_EINVAL);
	free(cause);
	cause = NULL;
	assert_int_equal(q->ops->receive(q, q->ops->receive_max + 1, 0, 30, &msgs, &n, &cause), MT_EINVAL);
	free(cause);
}

/* A receive takes up to the back end's receive_max (10 on SQS, more on the
 * embedded queue) in one go; every message comes once, none is lost. */
static void contract_receive_max(void **state)
{
	struct queue *q = *state;
	const int max = q->ops->receive_max;
	const char *bodies[QUEUE_BATCH_MAX];
	char (*text)[16];
	int *seen, got = 0, most = 0, rounds = 0, i;

	assert_true(max >= QUEUE_BATCH_MAX && max <= QUEUE_RECEIVE_MAX);
	text = calloc((size_t)max, sizeof *text);
	seen = calloc((size_t)max, sizeof *seen);
	assert_non_null(text);
	assert_non_null(seen);
	for (i = 0; i < max; i++) {
		snprintf(text[i], sizeof text[i], "m%d", i);
		bodies[i % QUEUE_BATCH_MAX] = text[i];
		if (i % QUEUE_BATCH_MAX == QUEUE_BATCH_MAX - 1 || i == max - 1)
			contract_send(q, bodies, (size_t)(i % QUEUE_BATCH_MAX) + 1);
	}
	while (got < max && rounds++ < 4 * max) {
		struct queue_msg *msgs = NULL;
		size_t n = contract_recv(q, max, 1000, 60, &msgs), k;

		assert_true(n <= (size_t)max);
		if ((int)n > most)
			most = (int)n;
		for (k = 0; k < n; k++) {
			int which = atoi(msgs[k].body + 1);

			assert_true(msgs[k].body[0] == 'm' && which >= 0 && which < max);
			assert_int_equal(seen[which], 0);
			seen[which] = 1;
			got++;
		}
		queue_msgs_free(msgs, n);
	}
	assert_int_equal(got, max);
	if (max > QUEUE_BATCH_MAX)   /* a back end that says more must give more */
		assert_true(most > QUEUE_BATCH_MAX);
	free(text);
	free(seen);
}

/* A received message is hidden for the visibility timeout, then comes back
 * with its receive count raised and a new receipt. */
static void contract_visibility(void **state)
{
	struct queue *q = *state;
	struct queue_msg *m1 = NULL, *m2 = NULL, *m3 = NULL;
	char *first_id, *first_receipt;
	long long t0;
	size_t n;

	contract_send1(q, "vis");
	n = contract_recv(q, 1, 2000, 1, &m1);
	assert_int_equal(n, 1);
	assert_int_equal(m1[0].receive_count, 1);
	first_id = m1[0].id;
	first_receipt = m1[0].receipt;
	/* Hidden now. */
	t0 = contract_ms();
	n = contract_recv(q, 1, 0, 1, &m2);
	if (n == 1 && contract_ms() - t0 < 900)
		fail_msg("message visible again before its visibility timeout");
	queue_msgs_free(m2, n);
	/* Visible again after the timeout, with count 2. */
	contract_sleep(1100);
	n = contract_recv(q, 1, 3000, 1, &m3);
	assert_int_equal(n, 1);
	assert_string_equal(m3[0].id, first_id);
	assert_string_equal(m3[0].body, "vis");
	assert_int_equal(m3[0].receive_count, 2);
	assert_string_not_equal(m3[0].receipt, first_receipt);
	if (contract.flags & QUEUE_CONTRACT_STALE_RECEIPT_FAILS)
		contract_delete(q, first_receipt, MT_ENOTFOUND);
	contract_delete(q, m3[0].receipt, 0);
	queue_msgs_free(m1, 1);
	queue_msgs_free(m3, 1);
	/* Deleted for good: not back after its 1 s visibility either. */
	n = contract_recv(q, 1, 1800, 1, &m2);
	assert_int_equal(n, 0);
}

/* change_visibility 0 makes a message visible at once; a longer one keeps
 * it hidden past the original timeout. */
static void contract_change_visibility(void **state)
{
	struct queue *q = *state;
	struct queue_msg *m = NULL, *m2 = NULL;
	char *cause = NULL;
	size_t n;

	contract_send1(q, "cv");
	n = contract_recv(q, 1, 2000, 30, &m);
	assert_int_equal(n, 1);
	assert_int_equal(q->ops->change_visibility(q, m[0].receipt, 0, &cause), 0);
	n = contract_recv(q, 1, 2000, 1, &m2);
	assert_int_equal(n, 1);
	if (contract.flags & QUEUE_CONTRACT_CV_BUMPS_COUNT)
		assert_true(m2[0].receive_count >= 2);
	else
		assert_int_equal(m2[0].receive_count, 2);
	/* Hide it for 3 s: not back after its 1 s timeout. */
	assert_int_equal(q->ops->change_visibility(q, m2[0].receipt, 3, &cause), 0);
	queue_msgs_free(m, 1);
	m = NULL;
	n = contract_recv(q, 1, 1800, 30, &m);
	assert_int_equal(n, 0);
	n = contract_recv(q, 1, 4000, 30, &m);
	assert_int_equal(n, 1);
	if (contract.flags & QUEUE_CONTRACT_CV_BUMPS_COUNT)
		assert_true(m[0].receive_count > m2[0].receive_count);
	else
		assert_int_equal(m[0].receive_count, 3);
	contract_delete(q, m[0].receipt, 0);
	queue_msgs_free(m, 1);
	queue_msgs_free(m2, 1);
	free(cause);
}

/* A message received QUEUE_MAX_RECEIVES times and never deleted goes to the
 * dead-letter queue; other messages keep flowing meanwhile. */
static void contract_dead_letter(void **state)
{
	struct queue *q = *state;
	struct queue_msg *m = NULL;
	struct queue_depth d;
	char *cause = NULL;
	int seen = 0, good = 0;
	size_t n, i;
	long long t0 = contract_ms();

	contract_send1(q, "poison");
	/* Waits stay shorter than the visibility: local-aws-sqs keeps a long
	 * poll open until max messages or the wait ends, and would hand out
	 * the same message twice in one answer if it came back meanwhile. */
	while (contract_ms() - t0 < 25000) {
		n = contract_recv(q, 10, 1000, 2, &m);
		for (i = 0; i < n; i++) {
			if (strcmp(m[i].body, "poison") == 0) {
				seen++;
				assert_int_equal(m[i].receive_count, seen);
				/* Another message sent while the poison one retries. */
				contract_send1(q, "good");
			} else {
				assert_string_equal(m[i].body, "good");
				good++;
				contract_delete(q, m[i].receipt, 0);
			}
		}
		queue_msgs_free(m, n);
		m = NULL;
		if (seen == QUEUE_MAX_RECEIVES && good == seen && n == 0)
			break;
	}
	assert_int_equal(seen, QUEUE_MAX_RECEIVES);
	assert_int_equal(good, QUEUE_MAX_RECEIVES);
	/* Give the redrive time, then the poison one is gone for good. */
	contract_sleep(2200);
	n = contract_recv(q, 10, 1000, 2, &m);
	assert_int_equal(n, 0);
	assert_int_equal(q->ops->depth(q, &d, &cause), 0);
	assert_int_equal(d.dead, 1);
	assert_int_equal(d.visible, 0);
	free(cause);
}

/* A waiting receive wakes when a message arrives. */
struct contract_sender {
	struct queue *q;     /* queue to send on */
	long delay_ms;       /* wait before sending */
};

/* Thread body: sends "late" after a delay. */
static void *contract_sender_main(void *p)
{
	struct contract_sender *s = p;
	struct queue_entry e = { "late", 0 };
	int result;

	contract_real_sleep(s->delay_ms);
	s->q->ops->send_batch(s->q, &e, 1, &result, NULL);
	return NULL;
}

/* Long polling returns soon after a send, not at the end of the wait. */
static void contract_long_poll(void **state)
{
	struct queue *q = *state;
	struct contract_sender s = { q, 300 };
	struct queue_msg *m = NULL;
	pthread_t t;
	long long t0, took;
	size_t n;

	assert_int_equal(pthread_create(&t, NULL, contract_sender_main, &s), 0);
	t0 = contract_real_ms();
	n = contract_recv_real(q, 1, 8000, 30, &m);
	took = contract_real_ms() - t0;
	pthread_join(t, NULL);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].body, "late");
	assert_true(took >= 250);
	assert_true(took < 3000);
	contract_delete(q, m[0].receipt, 0);
	queue_msgs_free(m, 1);
}

/* A delayed message is not visible before its delay. */
static void contract_delay(void **state)
{
	struct queue *q = *state;
	struct queue_entry e = { "delayed", 2 };
	struct queue_msg *m = NULL;
	int result = -99;
	size_t n;
	long long t0 = contract_ms();

	assert_int_equal(q->ops->send_batch(q, &e, 1, &result, NULL), 0);
	assert_int_equal(result, 0);
	n = contract_recv(q, 1, 1000, 30, &m);
	assert_int_equal(n, 0);
	n = contract_recv(q, 1, 5000, 30, &m);
	assert_int_equal(n, 1);
	assert_true(contract_ms() - t0 >= 1900);
	contract_delete(q, m[0].receipt, 0);
	queue_msgs_free(m, 1);
}

#define CONTRACT_RACE_THREADS 4
#define CONTRACT_RACE_BATCHES 20

/* One racing receiver. */
struct contract_receiver {
	struct queue *q;     /* shared queue */
	int *counts;         /* receives per message number (shared, under lock) */
	pthread_mutex_t *lock; /* guards counts */
	int errors;          /* failed calls */
};

/* Thread body: receives and deletes until the queue stays empty. */
static void *contract_receiver_main(void *p)
{
	struct contract_receiver *r = p;
	struct queue_msg *m;
	size_t n, i;
	int idle = 0;

	while (idle < 3) {
		m = NULL;
		n = 0;
		if (r->q->ops->receive(r->q, 10, 500, 60, &m, &n, NULL) != 0) {
			r->errors++;
			break;
		}
		idle = n == 0 ? idle + 1 : 0;
		for (i = 0; i < n; i++) {
			long k = strtol(m[i].body, NULL, 10);

			pthread_mutex_lock(r->lock);
			if (k >= 0 && k < CONTRACT_RACE_BATCHES * 10)
				r->counts[k]++;
			pthread_mutex_unlock(r->lock);
			if (r->q->ops->delete(r->q, m[i].receipt, NULL) != 0)
				r->errors++;
		}
		queue_msgs_free(m, n);
	}
	return NULL;
}

/* Several receivers at once never get the same receive of a message. */
static void contract_concurrent_receivers(void **state)
{
	struct queue *q = *state;
	struct contract_receiver r[CONTRACT_RACE_THREADS];
	pthread_t t[CONTRACT_RACE_THREADS];
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int counts[CONTRACT_RACE_BATCHES * 10] = { 0 };
	char text[CONTRACT_RACE_BATCHES * 10][8];
	const char *bodies[10];
	int b, i;

	for (b = 0; b < CONTRACT_RACE_BATCHES; b++) {
		for (i = 0; i < 10; i++) {
			snprintf(text[b * 10 + i], sizeof text[0], "%d", b * 10 + i);
			bodies[i] = text[b * 10 + i];
		}
		contract_send(q, bodies, 10);
	}
	for (i = 0; i < CONTRACT_RACE_THREADS; i++) {
		r[i].q = q;
		r[i].counts = counts;
		r[i].lock = &lock;
		r[i].errors = 0;
		assert_int_equal(pthread_create(&t[i], NULL, contract_receiver_main, &r[i]), 0);
	}
	for (i = 0; i < CONTRACT_RACE_THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].errors, 0);
	}
	for (i = 0; i < CONTRACT_RACE_BATCHES * 10; i++)
		if (counts[i] != 1)
			fail_msg("message %d received %d times", i, counts[i]);
}

/* Runs the suite. */
int queue_contract_run(const char *suite_name, queue_contract_open_fn open_fresh, void *arg, int flags)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(contract_send_receive_batch, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_bad_args, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_receive_max, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_visibility, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_change_visibility, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_dead_letter, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_long_poll, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_delay, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_concurrent_receivers, contract_setup, contract_teardown),
	};

	contract.open_fresh = open_fresh;
	contract.arg = arg;
	contract.flags = flags;
	return _cmocka_run_group_tests(suite_name, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}
