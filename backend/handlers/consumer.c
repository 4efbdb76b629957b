/* The consumer (SQS event -> partial batch response): tells guests.
 *
 * For each record: parse the body {"waiteeId","waitlistId","kind","seq"}
 * (malformed: that item fails, the others go on; after 5 receives the
 * queue dead-letters it); load the waitee and its waitlist (the tenant
 * comes from the waitee record); skip with success when there is nothing
 * to do: the waitee is gone or finished, the message is superseded by a
 * newer request (seq < notify_seq) or already delivered (sent_seq >= seq;
 * the key "waiteeId:seq" makes a repeat a no-op; a joined message, seq 0,
 * is skipped once anything was delivered). Otherwise send through
 * mt_deliver and record the outcome with a conditional write (retried on a
 * lost race): sent -> notified_at, status waiting -> notified (kind ready),
 * sent_seq, notify_count + 1, last_result "sent"; temporary failure ->
 * last_result "failed" with the reason, the item is reported failed and
 * hidden for a backoff that doubles per receive; permanent failure (no
 * contact, gateway refused) -> "failed" with the reason, not retried.
 * A text (the waitee has a phone) is sent only within the sending limits
 * (handlers/sms-limit.h): over one, nothing is sent, last_result is
 * "failed" with the limit as the reason, and the item is not retried.
 * Answers {"batchItemFailures":[{"itemIdentifier": messageId}, ...]}.
 *
 * An outcome is written with its activity entry in one write group
 * (store.h; one commit on SQLite, where they were two). A delivery that
 * reached someone (a text, an e-mail, a webhook call) is written at once,
 * before the next send, so a crash repeats at most that one message. Other
 * outcomes (failures, and deliveries to the log channel alone, which tell
 * no guest) are kept (consumer_defer) until the records of the batch end,
 * CONSUMER_FLUSH_MS have passed since the oldest was kept, a delivery is
 * written, or a record for the same party comes (its checks must see the
 * earlier outcome); then all kept ones go in one write group. A crash
 * before that repeats them: failures are retried anyway, and a repeated
 * log line tells nobody.
 *
 * Within one event each list (and its restaurant's name) is read once
 * (consumer_list_of), the party itself every time. */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "handlers/activity-log.h"
#include "core/guestlink.h"
#include "core/log.h"
#include "core/status.h"
#include "handlers/handler.h"
#include "handlers/restaurant.h"
#include "handlers/sms-limit.h"
#include "notify/deliver.h"
#include "notify/notify.h"
#include "queue/queue.h"
#include "store/store.h"

#define CONSUMER_WRITE_TRIES 5
#define CONSUMER_FLUSH_MS 50   /* an outcome waits at most this long (plus one send) for the others of its batch */
#define CONSUMER_KEEP_MAX 100  /* outcomes kept for one write at most (a whole embedded-queue batch) */
#define CONSUMER_LISTS 4       /* lists (with their restaurant's name) remembered within one event */

/* What became of one record. */
enum consumer_result {
	CONSUMER_DONE = 0,   /* handled (sent, skipped, or failed for good): delete it */
	CONSUMER_RETRY,      /* failed: report it, the queue delivers it again */
};

/* Writes one JSON log line to stderr: level, msg, messageId, waiteeId, detail (those given). */
static void consumer_log(const char *level, const char *msg, const char *message_id,
			 const char *waitee_id, const char *detail)
{
	const struct mt_log_field f[] = {
		{ "messageId", message_id, 0, 0 }, { "waiteeId", waitee_id, 0, 0 }, { "detail", detail, 0, 0 },
	};

	mt_log_fields(level, msg, f, sizeof f / sizeof f[0]);
}

/* Returns 1 when there is nothing to send for this message. */
static int consumer_nothing_to_do(const struct mt_waitee *w, const struct mt_notify_msg *m)
{
	if (mt_status_is_finished(w->status))
		return 1;
	if (m->seq == 0)  /* joined: only before anything else was delivered */
		return w->notify_count > 0 || w->sent_seq > 0 || w->status != MT_WAITING;
	return w->sent_seq >= m->seq || m->seq < w->notify_seq;
}

/* Applies a successful delivery to a copy of w (note: the channel's
 * remark, e.g. "logged only", or NULL). */
static void consumer_apply_sent(struct mt_waitee *c, const struct mt_notify_msg *m, int64_t now,
				const char *note)
{
	c->notified_at = now;
	c->updated_at = now;
	if (strcmp(m->kind, "ready") == 0 && c->status == MT_WAITING)
		c->status = MT_NOTIFIED;
	if (m->seq > c->sent_seq)
		c->sent_seq = m->seq;
	c->notify_count++;
	snprintf(c->last_reason, sizeof c->last_reason, "%s", note ? note : "");
	snprintf(c->last_result, sizeof c->last_result, "sent");
	/* The request is fulfilled: free the due slot unless a newer one waits. */
	if (m->seq > 0 && m->seq == c->notify_seq && c->due_at > 0 && c->queued_seq >= m->seq)
		c->due_at = 0;
}

/* Records the outcome with a conditional write, re-reading on a lost race.
 * sent=1: a delivery (reason: the channel's note or NULL); sent=0: a
 * failure with reason. */
static int consumer_record(struct mt_ctx *ctx, struct mt_waitee *w, const struct mt_notify_msg *m,
			   int sent, const char *reason)
{
	struct mt_waitee c;
	int64_t now = mt_now(ctx);
	int tries, err = 0;

	for (tries = 0; tries < CONSUMER_WRITE_TRIES; tries++) {
		c = *w;
		if (sent) {
			consumer_apply_sent(&c, m, now, reason);
		} else {
			/* A later success (or newer request) wins over this failure. */
			if (m->seq > 0 && (w->sent_seq >= m->seq || m->seq < w->notify_seq))
				return 0;
			snprintf(c.last_result, sizeof c.last_result, "failed");
			snprintf(c.last_reason, sizeof c.last_reason, "%s", reason);
			c.updated_at = now;
		}
		err = ctx->store->ops->waitee_update(ctx->store, &c, w->version);
		if (err == 0) {
			/* the kind of message only: a failure's reason may echo the address */
			activity_waitee(ctx, &activity_notifier, sent ? "notified" : "message_failed", w, &c, m->kind);
			*w = c;
			return 0;
		}
		if (err != MT_EPRECOND && err != MT_ECONFLICT)
			return err;
		err = ctx->store->ops->waitee_get(ctx->store, w->waitlist_id, w->id, w);
		if (err != 0)
			return err;
		if (sent && m->seq > 0 && w->sent_seq >= m->seq)
			return 0;  /* a twin delivery recorded it already */
	}
	return err;
}

/* One outcome kept for the next write (consumer_flush). */
struct consumer_pending {
	struct mt_waitee w;            /* the party as read before the send */
	struct mt_notify_msg m;        /* the message */
	int sent;                      /* 1 delivered, 0 failed */
	char *reason;                  /* the channel's note (sent) or the failure text, or NULL; owned */
	char message_id[MT_ID_SIZE + 16]; /* for the log (cut) */
	int err;                       /* consumer_record's result */
};

/* A list read once per event, named as its texts name it (the restaurant's name). */
struct consumer_list {
	struct mt_waitlist shown;      /* the list; shown.id[0] == 0: free slot */
};

/* The outcomes of one event not yet written. */
struct consumer_batch {
	struct mt_ctx *ctx;                               /* handler context */
	struct consumer_list lists[CONSUMER_LISTS];       /* lists read in this event */
	size_t lists_next;                                /* slot the next new list takes */
	struct consumer_pending p[CONSUMER_KEEP_MAX];     /* kept outcomes, in the order of the sends */
	size_t n;                                         /* how many */
	int64_t first_us;                                 /* monotonic time the oldest was kept */
};

/* Monotonic microseconds. */
static int64_t consumer_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Write group: records every kept outcome (each with its activity entry). */
static int consumer_flush_unit(struct store *s, void *arg)
{
	struct consumer_batch *b = arg;
	size_t i;

	(void)s;
	for (i = 0; i < b->n; i++) {
		struct consumer_pending *p = &b->p[i];

		p->err = consumer_record(b->ctx, &p->w, &p->m, p->sent, p->sent || p->reason ? p->reason : "");
	}
	return 0;
}

/* Writes the kept outcomes (one write group) and logs what could not be recorded. */
static void consumer_flush(struct consumer_batch *b)
{
	size_t i;
	int r;

	if (b->n == 0)
		return;
	r = store_write_group(b->ctx->store, consumer_flush_unit, b);
	for (i = 0; i < b->n; i++) {
		struct consumer_pending *p = &b->p[i];

		if (r < 0 || p->err != 0) {
			/* sent: the guest was told; a retry would tell them again. Log, don't retry. */
			consumer_log("error", p->sent ? "consumer: sent but could not record it"
						     : "consumer: could not record the failure",
				     p->message_id, p->w.id, mt_strerror(r < 0 ? r : p->err));
		}
		free(p->reason);
		p->reason = NULL;
	}
	b->n = 0;
}

/* Keeps an outcome for the next write (takes reason); writes first when
 * the batch is full. */
static void consumer_defer(struct consumer_batch *b, const char *message_id, const struct mt_waitee *w,
			   const struct mt_notify_msg *m, int sent, char *reason)
{
	struct consumer_pending *p;

	if (b->n == CONSUMER_KEEP_MAX)
		consumer_flush(b);
	if (b->n == 0)
		b->first_us = consumer_mono_us();
	p = &b->p[b->n++];
	p->w = *w;
	p->m = *m;
	p->sent = sent;
	p->reason = reason;
	p->err = 0;
	snprintf(p->message_id, sizeof p->message_id, "%s", message_id ? message_id : "");
}

/* Writes the kept outcomes when the oldest has waited CONSUMER_FLUSH_MS or
 * one of them is for the party of the message about to be handled. */
static void consumer_flush_due(struct consumer_batch *b, const char *waitee_id)
{
	size_t i;

	if (b->n == 0)
		return;
	if (consumer_mono_us() - b->first_us >= CONSUMER_FLUSH_MS * 1000LL) {
		consumer_flush(b);
		return;
	}
	for (i = 0; waitee_id != NULL && i < b->n; i++) {
		if (strcmp(b->p[i].w.id, waitee_id) == 0) {
			consumer_flush(b);
			return;
		}
	}
}

/* The list of w and its shown name (restaurant_show_name), read once per
 * event: a batch of up to 100 messages mostly comes from a few lists, and
 * a rename or a new template within one batch's run is told a moment later.
 * 0, or the store's error for the list. */
static int consumer_list_of(struct consumer_batch *b, const struct mt_waitee *w, struct mt_waitlist *shown)
{
	struct mt_waitlist wl;
	struct consumer_list *l;
	size_t i;
	int err;

	for (i = 0; i < CONSUMER_LISTS; i++) {
		l = &b->lists[i];
		if (l->shown.id[0] != '\0' && strcmp(l->shown.id, w->waitlist_id) == 0 &&
		    strcmp(l->shown.tenant_id, w->tenant_id) == 0) {
			*shown = l->shown;
			return 0;
		}
	}
	err = b->ctx->store->ops->waitlist_get(b->ctx->store, w->tenant_id, w->waitlist_id, &wl);
	if (err != 0)
		return err;
	*shown = wl;
	if (restaurant_show_name(b->ctx, shown) < 0) {
		*shown = wl;   /* the store is troubled: the list's name still reads well; not kept */
		return 0;
	}
	l = &b->lists[b->lists_next];
	b->lists_next = (b->lists_next + 1) % CONSUMER_LISTS;
	l->shown = *shown;
	return 0;
}

/* Handles one message body; receipt/receive_count drive retries. Outcomes
 * to record go to b (written by the caller, consumer_flush). */
static enum consumer_result consumer_one(struct mt_ctx *ctx, struct consumer_batch *b, const char *message_id,
					 const char *body, int receive_count)
{
	struct mt_notify_msg m;
	struct mt_waitlist shown;
	struct mt_waitee w;
	const char *why = NULL;
	char *reason = NULL;
	char text[MT_REASON_MAX + 1];
	const char *via = NULL;
	int err, active = 0;
	int64_t now;

	if (mt_notify_msg_parse(body, &m, &why) != 0) {
		consumer_log("error", "consumer: malformed message", message_id, NULL, why);
		return CONSUMER_RETRY;
	}
	consumer_flush_due(b, m.waitee_id);
	err = ctx->store->ops->waitee_get(ctx->store, m.waitlist_id, m.waitee_id, &w);
	if (err == MT_ENOTFOUND)
		return CONSUMER_DONE;  /* deleted or expired: nobody to tell */
	if (err != 0) {
		consumer_log("error", "consumer: cannot load the waitee", message_id, m.waitee_id, mt_strerror(err));
		return CONSUMER_RETRY;
	}
	if (consumer_nothing_to_do(&w, &m))
		return CONSUMER_DONE;
	err = consumer_list_of(b, &w, &shown);
	if (err == MT_ENOTFOUND)
		return CONSUMER_DONE;
	if (err != 0) {
		consumer_log("error", "consumer: cannot load the waitlist", message_id, m.waitee_id, mt_strerror(err));
		return CONSUMER_RETRY;
	}
	/* a joined message carries the place in line counted when the party was
	 * added (notify.h); others are counted now */
	if (m.seq == 0 && m.position > 0)
		w.position = m.position;
	else if (mt_status_is_active(w.status) &&
		 ctx->store->ops->waitee_count_active(ctx->store, w.waitlist_id, w.id, &active) == 0)
		w.position = active + 1;
	else
		w.position = 0;
	if (ctx->cfg.public_url[0] != '\0')   /* {link}: only an absolute URL is worth sending */
		mt_guest_url(&ctx->cfg, &w, w.guest_url, sizeof w.guest_url);
	/* {restaurant} in the text: the restaurant's name (the list's when it
	 * has none), in shown by consumer_list_of */
	if (ctx->channels == NULL) {
		err = MT_EINVAL;
		reason = strdup("no notification channels configured");
	} else {
		int64_t retry_s = 0;
		int limited = 0;

		now = mt_now(ctx);
		if (w.phone[0] != '\0') {   /* a text: within the sending limits (issue 13, finding 8) */
			err = sms_limit_take(ctx, &w, now, text, sizeof text, &retry_s);
			if (err == MT_EBUSY) {
				consumer_log("warn", "consumer: not sent", message_id, m.waitee_id, text);
				consumer_defer(b, message_id, &w, &m, 0, strdup(text));
				return CONSUMER_DONE;   /* not retried: the host sees why on the row */
			}
			if (err != 0) {
				consumer_log("error", "consumer: cannot read the sending limits", message_id, m.waitee_id,
					     mt_strerror(err));
				return CONSUMER_RETRY;
			}
			limited = 1;
		}
		err = mt_deliver_ex(ctx->channels, &shown, &w, m.kind, m.seq, now, &via, &reason);
		if (err != 0 && limited)
			sms_limit_give_back(ctx, &w);   /* nothing went out */
	}
	if (err == 0) {
		consumer_defer(b, message_id, &w, &m, 1, reason);
		if (via == NULL || strcmp(via, "log") != 0 || ctx->channels->webhook != NULL)
			consumer_flush(b);   /* someone was told: written before the next send */
		return CONSUMER_DONE;
	}
	if (err == MT_EBUSY && receive_count < QUEUE_MAX_RECEIVES)
		snprintf(text, sizeof text, "failed to send (attempt %d of %d, will retry): %s", receive_count,
			 QUEUE_MAX_RECEIVES, reason ? reason : mt_strerror(err));
	else
		snprintf(text, sizeof text, "failed to send: %s", reason ? reason : mt_strerror(err));
	free(reason);
	consumer_log("warn", "consumer: delivery failed", message_id, m.waitee_id, text);
	consumer_defer(b, message_id, &w, &m, 0, strdup(text));
	/* Temporary failures are retried by the queue; permanent ones would fail again. */
	return err == MT_EBUSY ? CONSUMER_RETRY : CONSUMER_DONE;
}

/* Reads attributes.ApproximateReceiveCount (1 when absent or bad). */
static int consumer_receive_count(const cJSON *record)
{
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(record, "attributes");
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(attrs, "ApproximateReceiveCount");
	char *end;
	long v;

	if (cJSON_IsNumber(rc))
		return rc->valuedouble >= 1 && rc->valuedouble < 1e6 ? (int)rc->valuedouble : 1;
	if (!cJSON_IsString(rc))
		return 1;
	errno = 0;
	v = strtol(rc->valuestring, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 1000000)
		return 1;
	return (int)v;
}

/* Processes an SQS event; answers the partial batch response. */
cJSON *handler_consumer(struct mt_ctx *ctx, const cJSON *event)
{
	const cJSON *records = cJSON_GetObjectItemCaseSensitive(event, "Records");
	const cJSON *rec;
	struct consumer_batch *b;
	cJSON *out = cJSON_CreateObject(), *failures;

	if (out == NULL)
		return NULL;
	b = calloc(1, sizeof *b);
	if (b == NULL) {
		cJSON_Delete(out);
		return NULL;
	}
	b->ctx = ctx;
	failures = cJSON_AddArrayToObject(out, "batchItemFailures");
	if (failures == NULL) {
		cJSON_Delete(out);
		free(b);
		return NULL;
	}
	if (!cJSON_IsArray(records)) {
		consumer_log("error", "consumer: event has no Records array", NULL, NULL, NULL);
		free(b);
		return out;
	}
	cJSON_ArrayForEach(rec, records) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "messageId");
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(rec, "body");
		const cJSON *receipt = cJSON_GetObjectItemCaseSensitive(rec, "receiptHandle");
		int count = consumer_receive_count(rec);
		cJSON *item;

		if (!cJSON_IsString(id)) {
			consumer_log("error", "consumer: record without messageId", NULL, NULL, NULL);
			continue;
		}
		if (consumer_one(ctx, b, id->valuestring, cJSON_IsString(body) ? body->valuestring : NULL,
				 count) == CONSUMER_DONE)
			continue;
		item = cJSON_CreateObject();
		if (item == NULL || !cJSON_AddStringToObject(item, "itemIdentifier", id->valuestring) ||
		    !cJSON_AddItemToArray(failures, item)) {
			cJSON_Delete(item);
			cJSON_Delete(out);
			consumer_flush(b);   /* what was sent is recorded all the same */
			free(b);
			return NULL;
		}
		/* Back off: hide it longer after each failed receive; after the last
		 * one, show it at once so the queue dead-letters it without delay. */
		if (ctx->queue != NULL && cJSON_IsString(receipt))
			ctx->queue->ops->change_visibility(ctx->queue, receipt->valuestring,
							   count >= QUEUE_MAX_RECEIVES ? 0 :
							   queue_backoff_seconds(ctx->queue, count), NULL);
	}
	consumer_flush(b);
	free(b);
	return out;
}
