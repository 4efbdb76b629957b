/* The queue contract suite (backend/queue/queue.h), written once and run on
 * every back end: test-queue-sqlite.c (embedded) and test-queue-sqs.c
 * (local-aws-sqs). Times are real (visibility timeouts of 1 s) unless the
 * back end runs on a test clock the suite can move (queue_contract_use_clock):
 * then waits for time to pass advance that clock instead of sleeping, and a
 * long poll of W ms is a receive, W ms of test time, and a receive again.
 * The long-poll and concurrent-receiver cases always run in real time.
 *
 * queue_contract_run runs every case, each on a fresh, empty queue made
 * by open_fresh(arg); close_fresh (may be NULL) is called after each case
 * with the queue (before it is closed) so the factory can clean up. */
#ifndef QUEUE_CONTRACT_H
#define QUEUE_CONTRACT_H

#include <stdint.h>
#include "queue/queue.h"

/* What a back end can do beyond the common contract. */
enum queue_contract_flags {
	QUEUE_CONTRACT_STALE_RECEIPT_FAILS = 1,  /* delete with an old receipt answers MT_ENOTFOUND */
	QUEUE_CONTRACT_EXACT_DEPTH = 2,          /* depth() is exact, not approximate */
	QUEUE_CONTRACT_CV_BUMPS_COUNT = 4,       /* emulator quirk (local-aws-sqs 2.0.2): ChangeMessageVisibility
						  * raises ApproximateReceiveCount; counts are then only
						  * checked to grow, not for exact values */
};

/* Makes a fresh empty queue; 0 or MT_E*. */
typedef int (*queue_contract_open_fn)(struct queue **out, void *arg);

/* A test clock the back end under test reads (NULL to wait in real time). */
struct queue_contract_clock {
	int64_t (*now_ms)(void *arg);          /* the clock's time, ms */
	void (*advance)(void *arg, long ms);   /* moves it forward */
	void *arg;                             /* passed to both */
};

/* Makes the suite drive c instead of sleeping (NULL: real time). */
void queue_contract_use_clock(const struct queue_contract_clock *c);

/* Runs the suite; returns the number of failed tests (cmocka). */
int queue_contract_run(const char *suite_name, queue_contract_open_fn open_fresh, void *arg, int flags);

#endif
