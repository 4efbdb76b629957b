/* The notification queue: a struct of function pointers with two back ends,
 * queue-sqlite.c (embedded in the SQLite database file) and queue-sqs.c
 * (Amazon SQS over the AWS JSON 1.0 protocol).
 *
 * Contract, the same on both back ends (tests/notify/test-queue-*.c):
 * - Delivery is at least once. A received message stays hidden for the
 *   visibility timeout; when it is not deleted in that time it comes back
 *   with its receive count raised by one.
 * - A message received max_receives times (5) that comes back once more is
 *   moved to the dead-letter queue instead of being delivered again (SQS:
 *   the redrive policy on the queue does it; embedded: the DLQ table).
 * - Every function returns 0 or a negative MT_E* code (core/error.h):
 *   MT_EINVAL bad argument, MT_ENOTFOUND unknown or stale receipt handle
 *   (embedded back end only; SQS accepts stale handles), MT_EIO the back end
 *   failed, MT_EBUSY throttled. *cause, when given and set, is malloc'd and
 *   the caller frees it.
 * - An acknowledged send is durable.
 * - All functions are safe to call from several threads at once.
 */
#ifndef MT_QUEUE_H
#define MT_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include "core/clock.h"

#define QUEUE_BATCH_MAX 10          /* at most this many entries per send_batch (and receive on SQS) */
#define QUEUE_RECEIVE_MAX 100       /* at most this many per receive on any back end (queue_ops.receive_max) */
#define QUEUE_BODY_MAX (256 * 1024) /* SQS message size limit */
#define QUEUE_MAX_RECEIVES 5        /* receives before a message is dead-lettered */

struct queue;

/* One message to send. */
struct queue_entry {
	const char *body;     /* message text (UTF-8, at most QUEUE_BODY_MAX bytes) */
	int delay_s;          /* seconds before it becomes visible (0..900) */
};

/* One received message; free an array of them with queue_msgs_free. */
struct queue_msg {
	char *id;             /* message id, stable across receives */
	char *receipt;        /* receipt handle of this receive (for delete / change_visibility) */
	char *body;           /* message text */
	int receive_count;    /* how many times it has been received, this one included */
	int64_t sent_at;      /* when it was sent, epoch ms (0 when unknown) */
};

/* Counts of messages (approximate on SQS). */
struct queue_depth {
	long visible;         /* waiting to be received */
	long in_flight;       /* received, not deleted, still hidden */
	long dead;            /* in the dead-letter queue */
};

struct queue_ops {
	const char *name;     /* "sqlite", "sqs" */

	/* Sends n (1..QUEUE_BATCH_MAX) messages. results[i] is set to 0 for
	 * each entry that was accepted and to a negative MT_E* code for each
	 * that was not (after the back end's own retries of retryable entry
	 * failures). Returns 0 when the call reached the queue (some entries
	 * may still have failed: check results), or a negative MT_E* code
	 * when the whole batch failed (then every results[i] is that code). */
	int (*send_batch)(struct queue *q, const struct queue_entry *entries, size_t n,
			  int *results, char **cause);
	/* Most messages one receive returns (1..QUEUE_RECEIVE_MAX): SQS's
	 * ReceiveMessage stops at 10; the embedded queue takes up to 100 in
	 * one transaction, so a busy consumer reads, records and deletes
	 * more messages per commit (as a Lambda event source mapping's
	 * batch size and window would gather them on AWS). */
	int receive_max;
	/* Receives up to max (1..receive_max) messages, waiting up to
	 * wait_ms (0..20000) for the first one; each received message is
	 * hidden for visibility_s seconds. *msgs is malloc'd (NULL when
	 * *n == 0); free it with queue_msgs_free. */
	int (*receive)(struct queue *q, int max, int wait_ms, int visibility_s,
		       struct queue_msg **msgs, size_t *n, char **cause);
	/* Deletes a received message by its receipt handle. */
	int (*delete)(struct queue *q, const char *receipt, char **cause);
	/* Hides a received message for visibility_s seconds from now
	 * (0 makes it visible at once). */
	int (*change_visibility)(struct queue *q, const char *receipt, int visibility_s, char **cause);
	/* Counts messages (may be approximate). */
	int (*depth)(struct queue *q, struct queue_depth *out, char **cause);
	/* Frees the queue and everything it holds. */
	void (*close)(struct queue *q);
};

/* Retry policy the consumer applies to failed messages (see
 * queue_backoff_seconds). */
struct queue_retry {
	int base_s;           /* visibility after the first failed receive (default 10) */
	int max_s;            /* cap on the visibility (default 900) */
};

struct queue {
	const struct queue_ops *ops;  /* back end */
	struct queue_retry retry;     /* backoff for failed messages */
};

/* Opens the embedded queue in the SQLite database at path (created if
 * missing, WAL mode, own connection; tables created if missing). clock may
 * be NULL for the system clock; visibility and delays are measured on it,
 * waits in receive are real time. */
int queue_sqlite_open(const char *path, const struct mt_clock *clock, struct queue **out, char **cause);

struct store;

/* Makes the embedded queue's writes run inside the SQLite store's
 * group-committed write transaction (store_sqlite_write_txn) instead of its
 * own connection: queue writes then share the store's fsyncs and never
 * contend with it for the file's write lock. s must be a SQLite store on
 * the same file and outlive q. Call before the queue is used. 0, or
 * MT_EINVAL when q is not the embedded queue or s not a SQLite store. */
int queue_sqlite_use_store(struct queue *q, struct store *s);

/* 1 when q's sends run inside s's write transaction (the embedded queue
 * after queue_sqlite_use_store(q, s)): a send made inside a write group of
 * s (store_write_group) is then part of that group, stored with it or not
 * at all; 0 otherwise (SQS, or the embedded queue on its own connection). */
int queue_joins_store(const struct queue *q, const struct store *s);

/* Opens an SQS queue. queue_url is the queue's URL; region e.g.
 * "us-east-1"; endpoint the service endpoint ("http://127.0.0.1:9324"),
 * or NULL for https://sqs.REGION.amazonaws.com. Credentials come from
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. */
int queue_sqs_open(const char *queue_url, const char *region, const char *endpoint,
		   struct queue **out, char **cause);

/* Frees an array of n received messages. */
void queue_msgs_free(struct queue_msg *msgs, size_t n);

/* Visibility (seconds) to give a message that failed on its
 * receive_count-th receive: base * 2^(receive_count-1), capped. */
int queue_backoff_seconds(const struct queue *q, int receive_count);

/* Sets q->retry from the environment (MAITRE_RETRY_BASE_SECONDS,
 * MAITRE_RETRY_MAX_SECONDS) or the defaults. */
void queue_retry_from_env(struct queue_retry *r);

/* Thin wrappers. */
static inline void queue_close(struct queue *q) { if (q) q->ops->close(q); }

#endif
