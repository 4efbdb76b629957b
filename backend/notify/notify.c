/* Notifications: the queue message format and the mark-and-enqueue step
 * shared by the producer (every tick) and the waitees handler ("notify now", joined messages).
 *
 * Why mark first, with a lease: the store and the queue are two systems
 * with no transaction across them. The producer first claims a due waitee
 * with a conditional write (version) that moves due_at to now + lease
 * (MT_NOTIFY_LEASE_MS) and records queued_seq; only the winner of that
 * write enqueues, so two producers at once queue each waitee once. After
 * the send it clears due_at (0), or restores it when the send failed so
 * the next tick retries. A crash between the claim and the clear leaves
 * due_at = now + lease: the waitee comes back to the due index when the
 * lease runs out and is queued again with the same seq; the consumer's
 * idempotency check (sent_seq >= seq, key "waiteeId:seq") makes that
 * repeat harmless. So nothing due is lost and nothing is sent twice. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "core/error.h"
#include "core/id.h"
#include "core/log.h"
#include "core/status.h"
#include "notify/channel.h"
#include "notify/notify.h"
#include "queue/queue.h"
#include "store/store.h"

#define NOTIFY_MSG_MAX 4096      /* longest message body we accept */
#define NOTIFY_WRITE_TRIES 4     /* conditional re-tries of the clear/restore writes */
#define NOTIFY_POSITION_MAX 1000000 /* largest place in line a message may carry */

/* Writes one JSON log line to stderr: {"level":..,"msg":..,"waiteeId":..,"error":..}. */
static void notify_log(const char *level, const char *msg, const char *waitee_id, const char *error)
{
	const struct mt_log_field f[] = { { "waiteeId", waitee_id, 0, 0 }, { "error", error, 0, 0 } };

	mt_log_fields(level, msg, f, sizeof f / sizeof f[0]);
}

/* Returns 1 for a kind a message may carry. */
static int notify_kind_ok(const char *kind)
{
	return strcmp(kind, "joined") == 0 || strcmp(kind, "ready") == 0 || strcmp(kind, "reminder") == 0;
}

/* Encodes a message body. */
char *mt_notify_msg_encode(const struct mt_notify_msg *m)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;

	if (o == NULL)
		return NULL;
	if (cJSON_AddStringToObject(o, "waiteeId", m->waitee_id) &&
	    cJSON_AddStringToObject(o, "waitlistId", m->waitlist_id) &&
	    cJSON_AddStringToObject(o, "kind", m->kind) &&
	    cJSON_AddNumberToObject(o, "seq", m->seq) &&
	    (m->position <= 0 || cJSON_AddNumberToObject(o, "position", m->position)))
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Parses and validates a message body. */
int mt_notify_msg_parse(const char *body, struct mt_notify_msg *out, const char **why)
{
	const cJSON *wid, *lid, *kind, *seq, *pos;
	cJSON *o;
	size_t len;
	int err = MT_EINVAL;

	memset(out, 0, sizeof *out);
	*why = "body is missing";
	if (body == NULL)
		return MT_EINVAL;
	len = strlen(body);
	*why = "body is too long";
	if (len > NOTIFY_MSG_MAX)
		return MT_EINVAL;
	o = cJSON_ParseWithLength(body, len);
	*why = "body is not a JSON object";
	if (o == NULL || !cJSON_IsObject(o))
		goto done;
	wid = cJSON_GetObjectItemCaseSensitive(o, "waiteeId");
	lid = cJSON_GetObjectItemCaseSensitive(o, "waitlistId");
	kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
	seq = cJSON_GetObjectItemCaseSensitive(o, "seq");
	pos = cJSON_GetObjectItemCaseSensitive(o, "position");
	*why = "waiteeId is not an id";
	if (!cJSON_IsString(wid) || !mt_id_valid(wid->valuestring))
		goto done;
	*why = "waitlistId is not an id";
	if (!cJSON_IsString(lid) || !mt_id_valid(lid->valuestring))
		goto done;
	*why = "kind is not joined, ready or reminder";
	if (!cJSON_IsString(kind) || !notify_kind_ok(kind->valuestring))
		goto done;
	*why = "seq is not an integer in range";
	if (!cJSON_IsNumber(seq) || seq->valuedouble < 0 || seq->valuedouble > 2147483647.0 ||
	    seq->valuedouble != (double)(int32_t)seq->valuedouble)
		goto done;
	*why = "seq must be 0 for joined and at least 1 otherwise";
	if ((strcmp(kind->valuestring, "joined") == 0) != (seq->valuedouble == 0))
		goto done;
	*why = "position is not an integer from 1 to 1000000";
	if (pos != NULL && (!cJSON_IsNumber(pos) || pos->valuedouble < 1 || pos->valuedouble > NOTIFY_POSITION_MAX ||
			    pos->valuedouble != (double)(int32_t)pos->valuedouble))
		goto done;
	memcpy(out->waitee_id, wid->valuestring, MT_ID_SIZE);
	memcpy(out->waitlist_id, lid->valuestring, MT_ID_SIZE);
	snprintf(out->kind, sizeof out->kind, "%s", kind->valuestring);
	out->seq = (int32_t)seq->valuedouble;
	out->position = pos != NULL ? (int32_t)pos->valuedouble : 0;
	*why = NULL;
	err = 0;
done:
	cJSON_Delete(o);
	return err;
}

/* Clears a waitee's due slot when nothing is to be sent for it (finished,
 * or already delivered). Best effort: a lost race leaves it for the next tick. */
static void notify_drop_due(struct mt_ctx *ctx, struct mt_waitee *w)
{
	struct mt_waitee c = *w;

	c.due_at = 0;
	if (ctx->store->ops->waitee_update(ctx->store, &c, w->version) == 0)
		*w = c;
}

/* One waitee this call claimed. */
struct notify_claim {
	struct mt_waitee *w;     /* caller's record, kept current */
	int64_t lease_at;        /* due_at written by the claim */
	int64_t orig_due_at;     /* due_at before the claim (restored on failure) */
	int32_t orig_queued_seq; /* queued_seq before the claim */
	char orig_result[16];    /* last_result before the claim */
	char *body;              /* message body sent */
};

/* Re-reads w from the store; 0 or MT_E*. */
static int notify_reload(struct mt_ctx *ctx, struct mt_waitee *w)
{
	struct mt_waitee fresh;
	int err = ctx->store->ops->waitee_get(ctx->store, w->waitlist_id, w->id, &fresh);

	if (err == 0)
		*w = fresh;
	return err;
}

/* After a successful send: due_at back to 0, unless the record moved on
 * (consumer already cleared it, host asked for a newer notification). */
static void notify_finish_claim(struct mt_ctx *ctx, struct notify_claim *cl, int sent)
{
	struct mt_waitee *w = cl->w;
	struct mt_waitee c;
	int32_t seq = w->queued_seq;
	int tries, err;

	for (tries = 0; tries < NOTIFY_WRITE_TRIES; tries++) {
		if (w->due_at != cl->lease_at || w->queued_seq != seq)
			return;  /* someone else moved it on */
		c = *w;
		if (sent) {
			c.due_at = 0;
		} else {
			c.due_at = cl->orig_due_at;
			c.queued_seq = cl->orig_queued_seq;
			snprintf(c.last_result, sizeof c.last_result, "%s", cl->orig_result);
		}
		err = ctx->store->ops->waitee_update(ctx->store, &c, w->version);
		if (err == 0) {
			*w = c;
			return;
		}
		if (err != MT_EPRECOND && err != MT_ECONFLICT)
			break;
		if (notify_reload(ctx, w) != 0)
			break;
	}
	/* Left with due_at = lease: the lease runs out and the next tick re-queues
	 * (sent) or queues (not sent) it; the consumer's dedup covers a repeat. */
	notify_log("warn", sent ? "notify: could not clear the due slot after queueing"
			   : "notify: could not restore the due slot after a failed enqueue", w->id, NULL);
}

/* Marks and enqueues up to n due waitees. */
int mt_notify_enqueue_due(struct mt_ctx *ctx, struct mt_waitee *ws, size_t n,
			  struct mt_notify_counts *counts, char **cause)
{
	struct notify_claim claims[QUEUE_BATCH_MAX];
	struct queue_entry entries[QUEUE_BATCH_MAX];
	int results[QUEUE_BATCH_MAX];
	struct mt_notify_msg msg;
	size_t i, m = 0;
	int64_t now;
	int err = 0;

	if (ctx->queue == NULL) {
		mt_set_cause(cause, "no notification queue configured");
		return MT_EINVAL;
	}
	if (n == 0)
		return 0;
	if (n > QUEUE_BATCH_MAX)
		return MT_EINVAL;
	now = mt_now(ctx);
	for (i = 0; i < n; i++) {
		struct mt_waitee *w = &ws[i];
		struct mt_waitee c;
		struct notify_claim *cl;

		if (w->due_at <= 0 || w->due_at > now) {
			counts->skipped++;
			continue;
		}
		if (mt_status_is_finished(w->status) || w->notify_seq <= 0 || w->sent_seq >= w->notify_seq) {
			notify_drop_due(ctx, w);
			counts->skipped++;
			continue;
		}
		c = *w;
		c.due_at = now + MT_NOTIFY_LEASE_MS;
		c.queued_seq = w->notify_seq;
		snprintf(c.last_result, sizeof c.last_result, "queued");
		c.last_reason[0] = '\0';
		if (c.notify_kind[0] == '\0' || !notify_kind_ok(c.notify_kind) ||
		    strcmp(c.notify_kind, "joined") == 0)
			snprintf(c.notify_kind, sizeof c.notify_kind, "ready");
		err = ctx->store->ops->waitee_update(ctx->store, &c, w->version);
		if (err != 0) {
			/* Lost the race (another producer, a host edit) or gone: not ours. */
			if (err == MT_EPRECOND || err == MT_ECONFLICT || err == MT_ENOTFOUND) {
				counts->skipped++;
			} else {
				counts->failed++;
				notify_log("error", "notify: claim failed", w->id, mt_strerror(err));
			}
			err = 0;
			continue;
		}
		cl = &claims[m];
		cl->w = w;
		cl->lease_at = c.due_at;
		cl->orig_due_at = w->due_at;
		cl->orig_queued_seq = w->queued_seq;
		memcpy(cl->orig_result, w->last_result, sizeof cl->orig_result);
		*w = c;
		memcpy(msg.waitee_id, w->id, MT_ID_SIZE);
		memcpy(msg.waitlist_id, w->waitlist_id, MT_ID_SIZE);
		snprintf(msg.kind, sizeof msg.kind, "%s", w->notify_kind);
		msg.seq = w->queued_seq;
		msg.position = 0;   /* ready, reminder: counted when sent */
		cl->body = mt_notify_msg_encode(&msg);
		if (cl->body == NULL) {
			notify_finish_claim(ctx, cl, 0);
			counts->failed++;
			continue;
		}
		entries[m].body = cl->body;
		entries[m].delay_s = 0;
		m++;
	}
	if (m == 0)
		return 0;
	for (i = 0; i < m; i++)
		results[i] = MT_EIO;
	err = ctx->queue->ops->send_batch(ctx->queue, entries, m, results, cause);
	for (i = 0; i < m; i++) {
		/* Per entry: a batch that failed late may still have sent some. */
		if (results[i] == 0) {
			counts->queued++;
			notify_finish_claim(ctx, &claims[i], 1);
		} else {
			counts->failed++;
			notify_finish_claim(ctx, &claims[i], 0);
		}
		free(claims[i].body);
	}
	return err;
}

/* Enqueues a "joined" message (seq 0) for a new waitee. */
static void notify_enqueue_joined(struct mt_ctx *ctx, const struct mt_waitee *w)
{
	struct mt_notify_msg msg;
	struct queue_entry e;
	char *cause = NULL;
	int result = 0, err;

	memcpy(msg.waitee_id, w->id, MT_ID_SIZE);
	memcpy(msg.waitlist_id, w->waitlist_id, MT_ID_SIZE);
	snprintf(msg.kind, sizeof msg.kind, "joined");
	msg.seq = 0;
	/* the place in line counted when it was added (0 = not counted): the
	 * consumer need not count it again, which costs O(place) once more
	 * than 256 parties joined after it */
	msg.position = w->position > 0 && w->position <= NOTIFY_POSITION_MAX ? w->position : 0;
	e.body = mt_notify_msg_encode(&msg);
	e.delay_s = 0;
	if (e.body == NULL)
		return;
	err = ctx->queue->ops->send_batch(ctx->queue, &e, 1, &result, &cause);
	if (err == 0)
		err = result;
	if (err != 0)
		notify_log("warn", "notify: could not queue the joined message", w->id,
			   cause ? cause : mt_strerror(err));
	free(cause);
	free((char *)e.body);
}

/* After a waitee was stored: enqueue at once what is due now. */
void mt_notify_after_change(struct mt_ctx *ctx, struct mt_waitee *w, int created)
{
	struct mt_notify_counts counts = { 0, 0, 0 };
	char *cause = NULL;
	int64_t now;
	int err;

	if (ctx == NULL || ctx->queue == NULL || ctx->store == NULL || w == NULL)
		return;
	now = mt_now(ctx);
	if (w->due_at > 0 && w->due_at <= now && !mt_status_is_finished(w->status)) {
		err = mt_notify_enqueue_due(ctx, w, 1, &counts, &cause);
		if (err != 0 || counts.failed > 0)
			notify_log("warn", "notify: could not queue now; the next tick retries", w->id,
				   cause ? cause : mt_strerror(err));
		free(cause);
		return;
	}
	if (created && w->status == MT_WAITING && (w->phone[0] != '\0' || w->email[0] != '\0'))
		notify_enqueue_joined(ctx, w);
}
