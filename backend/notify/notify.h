/* Notifications used outside notify/: the message format, the producer
 * step, and the hook the waitees handler calls after a change. */
#ifndef MT_NOTIFY_H
#define MT_NOTIFY_H

#include "core/model.h"
#include "core/ctx.h"

/* Called by the waitees handler after it stored a created (created=1) or
 * updated waitee: enqueues at once what is due now (notify now, joined
 * message). Never fails the request: on error the producer's next tick
 * picks the waitee up from the due index. */
void mt_notify_after_change(struct mt_ctx *ctx, struct mt_waitee *w, int created);

/* --- Producer side, shared by handler_producer and mt_notify_after_change
 * (notify/notify.c; docs/notifications.md). --- */

#define MT_NOTIFY_LEASE_MS 30000   /* a marked waitee comes back to the due index after this if never confirmed queued */

/* A queue message body: {"waiteeId","waitlistId","kind","seq"}. Its key is
 * "waiteeId:seq"; seq 0 is a "joined" message (no due slot). */
struct mt_notify_msg {
	char waitee_id[MT_ID_SIZE];    /* waitee to tell */
	char waitlist_id[MT_ID_SIZE];  /* its list */
	char kind[16];                 /* "joined", "ready", "reminder" */
	int32_t seq;                   /* notify_seq it was queued for (0 = joined) */
	int32_t position;              /* joined: the place in line when the party was added (1..); 0 = not given */
};

/* Encodes a message body (malloc'd, caller frees; NULL when out of memory). */
char *mt_notify_msg_encode(const struct mt_notify_msg *m);
/* Parses and validates a message body: 0 or MT_EINVAL with *why a static reason. */
int mt_notify_msg_parse(const char *body, struct mt_notify_msg *out, const char **why);

/* Counts of what mt_notify_enqueue_due did. */
struct mt_notify_counts {
	int queued;    /* messages sent to the queue for waitees this call marked */
	int skipped;   /* not ours (another producer won), finished, or already sent */
	int failed;    /* enqueue failed: due_at restored, the next tick retries */
};

/* Marks and enqueues up to n (1..10) due waitees: for each, a conditional
 * write (version) sets due_at = now + MT_NOTIFY_LEASE_MS, queued_seq =
 * notify_seq, last_result "queued"; only the winners are sent in one
 * send_batch; then due_at is cleared (0), or restored when the send
 * failed. ws[i] is updated to the stored record. Adds to *counts.
 * Returns 0 or an MT_E* code for a failure of the whole batch. */
int mt_notify_enqueue_due(struct mt_ctx *ctx, struct mt_waitee *ws, size_t n,
			  struct mt_notify_counts *counts, char **cause);

#endif
