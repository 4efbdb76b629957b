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
 * Answers {"batchItemFailures":[{"itemIdentifier": messageId}, ...]}. */
#include <errno.h>
#include <stdio.h>
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

/* Handles one message body; receipt/receive_count drive retries. */
static enum consumer_result consumer_one(struct mt_ctx *ctx, const char *message_id, const char *body,
					 int receive_count)
{
	struct mt_notify_msg m;
	struct mt_waitlist wl, shown;
	struct mt_waitee w;
	const char *why = NULL;
	char *reason = NULL;
	char text[MT_REASON_MAX + 1];
	int err, active = 0;
	int64_t now;

	if (mt_notify_msg_parse(body, &m, &why) != 0) {
		consumer_log("error", "consumer: malformed message", message_id, NULL, why);
		return CONSUMER_RETRY;
	}
	err = ctx->store->ops->waitee_get(ctx->store, m.waitlist_id, m.waitee_id, &w);
	if (err == MT_ENOTFOUND)
		return CONSUMER_DONE;  /* deleted or expired: nobody to tell */
	if (err != 0) {
		consumer_log("error", "consumer: cannot load the waitee", message_id, m.waitee_id, mt_strerror(err));
		return CONSUMER_RETRY;
	}
	if (consumer_nothing_to_do(&w, &m))
		return CONSUMER_DONE;
	err = ctx->store->ops->waitlist_get(ctx->store, w.tenant_id, w.waitlist_id, &wl);
	if (err == MT_ENOTFOUND)
		return CONSUMER_DONE;
	if (err != 0) {
		consumer_log("error", "consumer: cannot load the waitlist", message_id, m.waitee_id, mt_strerror(err));
		return CONSUMER_RETRY;
	}
	if (mt_status_is_active(w.status) &&
	    ctx->store->ops->waitee_count_active(ctx->store, w.waitlist_id, w.id, &active) == 0)
		w.position = active + 1;
	else
		w.position = 0;
	if (ctx->cfg.public_url[0] != '\0')   /* {link}: only an absolute URL is worth sending */
		mt_guest_url(&ctx->cfg, &w, w.guest_url, sizeof w.guest_url);
	/* {restaurant} in the text: the restaurant's name (the list's when it has none) */
	shown = wl;
	if (restaurant_show_name(ctx, &shown) < 0)
		shown = wl;   /* the store is troubled: the list's name still reads well */
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
				if (consumer_record(ctx, &w, &m, 0, text) != 0)
					consumer_log("error", "consumer: could not record the failure", message_id,
						     m.waitee_id, NULL);
				return CONSUMER_DONE;   /* not retried: the host sees why on the row */
			}
			if (err != 0) {
				consumer_log("error", "consumer: cannot read the sending limits", message_id, m.waitee_id,
					     mt_strerror(err));
				return CONSUMER_RETRY;
			}
			limited = 1;
		}
		err = mt_deliver(ctx->channels, &shown, &w, m.kind, m.seq, now, &reason);
		if (err != 0 && limited)
			sms_limit_give_back(ctx, &w);   /* nothing went out */
	}
	if (err == 0) {
		err = consumer_record(ctx, &w, &m, 1, reason);
		free(reason);
		if (err != 0) {
			/* The guest was told; a retry would tell them again. Log, don't retry. */
			consumer_log("error", "consumer: sent but could not record it", message_id, m.waitee_id,
				     mt_strerror(err));
		}
		return CONSUMER_DONE;
	}
	if (err == MT_EBUSY && receive_count < QUEUE_MAX_RECEIVES)
		snprintf(text, sizeof text, "failed to send (attempt %d of %d, will retry): %s", receive_count,
			 QUEUE_MAX_RECEIVES, reason ? reason : mt_strerror(err));
	else
		snprintf(text, sizeof text, "failed to send: %s", reason ? reason : mt_strerror(err));
	free(reason);
	consumer_log("warn", "consumer: delivery failed", message_id, m.waitee_id, text);
	if (consumer_record(ctx, &w, &m, 0, text) != 0)
		consumer_log("error", "consumer: could not record the failure", message_id, m.waitee_id, NULL);
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
	cJSON *out = cJSON_CreateObject(), *failures;

	if (out == NULL)
		return NULL;
	failures = cJSON_AddArrayToObject(out, "batchItemFailures");
	if (failures == NULL) {
		cJSON_Delete(out);
		return NULL;
	}
	if (!cJSON_IsArray(records)) {
		consumer_log("error", "consumer: event has no Records array", NULL, NULL, NULL);
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
		if (consumer_one(ctx, id->valuestring, cJSON_IsString(body) ? body->valuestring : NULL,
				 count) == CONSUMER_DONE)
			continue;
		item = cJSON_CreateObject();
		if (item == NULL || !cJSON_AddStringToObject(item, "itemIdentifier", id->valuestring) ||
		    !cJSON_AddItemToArray(failures, item)) {
			cJSON_Delete(item);
			cJSON_Delete(out);
			return NULL;
		}
		/* Back off: hide it longer after each failed receive; after the last
		 * one, show it at once so the queue dead-letters it without delay. */
		if (ctx->queue != NULL && cJSON_IsString(receipt))
			ctx->queue->ops->change_visibility(ctx->queue, receipt->valuestring,
							   count >= QUEUE_MAX_RECEIVES ? 0 :
							   queue_backoff_seconds(ctx->queue, count), NULL);
	}
	return out;
}
