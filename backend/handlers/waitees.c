/* Waitees (parties) of a waitlist:
 *   GET|POST /waitlists/{waitlistId}/waitees
 *   GET|PUT|DELETE /waitlists/{waitlistId}/waitees/{waiteeId}
 *   POST /waitlists/{waitlistId}/waitees/{waiteeId}/notify
 * The waitlist is looked up through the caller's tenant first, the waitee
 * through that list, so another tenant's ids answer 404 like missing ones.
 * Status moves follow core/status.c; notifyIn plans a "ready" notification
 * (the due index picks it up; mt_notify_after_change sends what is due now). */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/error.h"
#include "core/guestlink.h"
#include "core/id.h"
#include "core/status.h"
#include "handlers/access.h"
#include "handlers/activity-log.h"
#include "handlers/crud.h"
#include "handlers/retention.h"
#include "handlers/etag.h"
#include "handlers/idempotency.h"
#include "handlers/handler.h"
#include "handlers/listcache.h"
#include "handlers/sms-limit.h"
#include "handlers/stats.h"
#include "notify/notify.h"
#include "queue/queue.h"
#include "apigw/apigw.h"
#include "store/store.h"

#define WAITEES_LINK_TTL_S (3 * 86400) /* a guest link lives this long after joining (the party's record may go sooner) */
#define WAITEES_RETRIES 3             /* attempts when a write loses only to the notifier */
#define WAITEES_REMIND_LEAD 10        /* a reminder goes this many minutes before the quote ends */
#define WAITEES_REMIND_MIN_QUOTE 20   /* quotes shorter than this get no reminder */

/* Reads ?status= (comma-separated names, or "active") into a bit set; NULL or a 400. */
static cJSON *waitees_status_filter(const cJSON *event, unsigned *mask)
{
	const char *q = mt_event_query(event, "status");
	char word[32];

	*mask = 0;
	if (q == NULL || *q == '\0')
		return NULL;
	while (*q) {
		const char *comma = strchr(q, ',');
		size_t n = comma ? (size_t)(comma - q) : strlen(q);
		enum mt_status s;

		if (n == 0 || n >= sizeof word)
			goto bad;
		memcpy(word, q, n);
		word[n] = '\0';
		if (strcmp(word, "active") == 0)
			*mask |= 1u << MT_WAITING | 1u << MT_NOTIFIED | 1u << MT_CONFIRMED;
		else if (mt_status_parse(word, &s) == 0)
			*mask |= 1u << s;
		else
			goto bad;
		q += n;
		if (*q == ',')
			q++;
	}
	return NULL;
bad:
	return mt_resp_error(400, "invalid_parameter", "status",
			     "status must be active or a comma-separated list of waiting, notified, confirmed, "
			     "seated, cancelled, no_show");
}

/* Fills w->position: 1-based rank among active waitees of its list, 0 when finished. */
static int waitees_position(struct mt_ctx *ctx, struct mt_waitee *w)
{
	int before = 0, r;

	w->position = 0;
	if (!mt_status_is_active(w->status))
		return 0;
	r = ctx->store->ops->waitee_count_active(ctx->store, w->waitlist_id, w->id, &before);
	if (r < 0)
		return r;
	w->position = before + 1;
	return 0;
}

/* Fills w->guest_url (staff see the guest's link; core/guestlink.h). */
void waitees_guest_url(const struct mt_ctx *ctx, struct mt_waitee *w)
{
	mt_guest_url(&ctx->cfg, w, w->guest_url, sizeof w->guest_url);
}

/* Builds a response with one waitee, its ETag and optionally Location. */
static cJSON *waitees_one(const struct mt_ctx *ctx, int status, struct mt_waitee *w, int location)
{
	struct mt_buf b;
	char loc[96];

	waitees_guest_url(ctx, w);
	mt_buf_init(&b, MT_CODEC_RECORD_MAX);
	if (mt_codec_waitee_write(&b, w) < 0) {
		mt_buf_free(&b);
		return NULL;
	}
	if (location)
		snprintf(loc, sizeof loc, "/waitlists/%s/waitees/%s", w->waitlist_id, w->id);
	return crud_record_resp(status, &b, w->version, location ? loc : NULL);
}

/* Plans a "ready" notification `minutes` from now (0 = now). */
static void waitees_plan_notify(struct mt_waitee *w, int64_t now, int minutes)
{
	w->notify_at = mt_codec_notify_at(now, minutes);
	w->due_at = w->notify_at;
	w->notify_seq += 1;
	snprintf(w->notify_kind, sizeof w->notify_kind, "%s", "ready");
}

/* Plans (or withdraws) the "reminder" ahead of the quote: WAITEES_REMIND_LEAD
 * minutes before joinedAt + quotedMinutes, cut to the minute, for a waiting
 * party with a quote of at least WAITEES_REMIND_MIN_QUOTE minutes. A pending
 * "ready" is never replaced; a reminder whose moment is past the quote's end
 * is not sent. A withdrawn or re-planned reminder gets a new seq, so a copy
 * already queued is dropped by the consumer as superseded. */
static void waitees_plan_reminder(struct mt_waitee *w, int64_t now)
{
	int64_t at, end;
	int pending_ready = w->due_at > 0 && strcmp(w->notify_kind, "ready") == 0;
	int pending_reminder = w->due_at > 0 && strcmp(w->notify_kind, "reminder") == 0;

	if (pending_ready)
		return;
	end = w->joined_at + (int64_t)w->quoted_minutes * 60000;
	at = mt_codec_notify_at(w->joined_at, w->quoted_minutes - WAITEES_REMIND_LEAD);
	if (w->status != MT_WAITING || w->quoted_minutes < WAITEES_REMIND_MIN_QUOTE || end <= now) {
		if (pending_reminder) {
			w->due_at = 0;
			w->notify_at = 0;
			w->notify_seq += 1;
		}
		return;
	}
	w->notify_at = at;
	w->due_at = at > now ? at : now;
	w->notify_seq += 1;
	snprintf(w->notify_kind, sizeof w->notify_kind, "%s", "reminder");
}

/* Applies a client's status move (already allowed) and its side effects.
 * Leaving a finished status (undo, re-queue) plans nothing and supersedes any
 * notification still in the queue (new seq), so the guest is not texted again. */
static void waitees_move(struct mt_waitee *w, enum mt_status to, int64_t now, int64_t ttl_s)
{
	enum mt_status from = w->status;

	mt_status_note_move(w, to, now);
	w->status = to;
	if (to == MT_SEATED)
		w->seated_at = now;
	if (mt_status_is_finished(to)) {
		w->expires_at = now / 1000 + ttl_s;
		w->due_at = 0;
	} else if (mt_status_is_finished(from)) {
		w->expires_at = 0;
		w->seated_at = 0;
		w->notify_seq += 1;
	}
}

/* 409 for a refused move out of a finished status (undo_expired or
 * invalid_transition naming what an undo would restore); NULL when allowed. */
static cJSON *waitees_check_undo(const struct mt_waitee *w, enum mt_status to, int64_t now)
{
	switch (mt_status_undo_check(w, to, now)) {
	case MT_UNDO_NONE:
	case MT_UNDO_OK:
	case MT_UNDO_REQUEUE:
		return NULL;
	case MT_UNDO_EXPIRED:
		return mt_resp_error(409, "undo_expired", "status",
				     "cannot undo: the party became %s more than %d s ago",
				     mt_status_name(w->status), MT_UNDO_WINDOW_MS / 1000);
	default:
		break;
	}
	if (w->finished_at > 0)
		return mt_resp_error(409, "invalid_transition", "status",
				     "cannot move a party from %s to %s (an undo restores %s)",
				     mt_status_name(w->status), mt_status_name(to),
				     mt_status_name(w->previous_status));
	return mt_resp_error(409, "invalid_transition", "status", "cannot move a party from %s to %s",
			     mt_status_name(w->status), mt_status_name(to));
}

/* Sets the next-page headers on a list answer; frees next. NULL when out of memory. */
static cJSON *waitees_list_headers(cJSON *resp, const cJSON *event, const char *wl_id, int limit, char *next)
{
	char path[MT_ID_SIZE + 32];

	snprintf(path, sizeof path, "/waitlists/%s/waitees", wl_id);
	if (resp != NULL && next != NULL &&
	    crud_next_headers(resp, path, limit, mt_event_query(event, "status"), next) < 0) {
		cJSON_Delete(resp);
		resp = NULL;
	}
	free(next);
	return resp;
}

/* GET /waitlists/{waitlistId}/waitees: queue order, paged, with positions.
 * A page rendered at the list's current waitee revision comes from the
 * thread's list cache (handlers/listcache.h) without reading the waitees. */
static cJSON *waitees_list(struct mt_ctx *ctx, const cJSON *event, const struct mt_waitlist *wl)
{
	struct store_page page;
	struct listcache_key key;
	struct mt_waitee *items = NULL;
	struct listcache_body *cached;
	size_t n = 0, i;
	char *next = NULL;
	unsigned mask;
	int active = 0, r;
	int64_t now_ms, valid_until;
	struct mt_buf b;
	char tag[ETAG_SIZE];
	cJSON *resp;

	resp = crud_page_args(event, &page);
	if (resp == NULL)
		resp = waitees_status_filter(event, &mask);
	if (resp != NULL)
		return resp;
	key.scope = ctx->store;
	key.list_id = wl->id;
	key.rev = wl->waitee_rev;
	key.limit = page.limit;
	key.cursor = page.cursor;
	key.status = mt_event_query(event, "status");
	now_ms = mt_now(ctx);   /* the clock the store judges expiry by (wiring shares it) */
	r = listcache_get(&key, now_ms, &cached, &next);
	if (r < 0)
		return NULL;
	if (r == 1) {
		/* the page's tag was computed when it was rendered: no hashing here */
		if (cached->etag[0] != '\0' && etag_none_match(event, cached->etag)) {
			resp = etag_not_modified(cached->etag);
			listcache_release(cached);
			free(next);
			return resp;
		}
		/* the cached bytes are lent to the answer: no copy */
		resp = mt_resp_lent(200, cached->data, cached->len, listcache_release, cached);
		if (resp != NULL && (mt_resp_header(resp, "content-type", "application/json") < 0 ||
				     (cached->etag[0] != '\0' && mt_resp_header(resp, "etag", cached->etag) < 0))) {
			cJSON_Delete(resp);
			resp = NULL;
		}
		return waitees_list_headers(resp, event, wl->id, page.limit, next);
	}

	r = ctx->store->ops->waitee_list(ctx->store, wl->id, &page, &items, &n, &next);
	if (r == MT_EINVAL)
		return mt_resp_error(400, "invalid_cursor", "cursor", "cursor is not one this server gave");
	if (r < 0)
		return mt_resp_from_err(r, "waitee");
	/* Positions continue across pages: count the active parties before this page. */
	if (page.cursor != NULL && n > 0) {
		r = ctx->store->ops->waitee_count_active(ctx->store, wl->id, items[0].id, &active);
		if (r < 0) {
			free(items);
			free(next);
			return mt_resp_from_err(r, "waitee");
		}
	}
	/* The body is written straight into one buffer: no cJSON tree per record.
	 * The page stays valid until its first row expires (TTL, in seconds). */
	valid_until = INT64_MAX;
	mt_buf_init(&b, (size_t)CRUD_LIMIT_MAX * MT_CODEC_RECORD_MAX);
	r = mt_buf_add(&b, "[", 1);
	for (i = 0; r == 0 && i < n; i++) {
		if (items[i].expires_at > 0 && items[i].expires_at * 1000 < valid_until)
			valid_until = items[i].expires_at * 1000;
		items[i].position = mt_status_is_active(items[i].status) ? ++active : 0;
		if (mask != 0 && !(mask & 1u << items[i].status))
			continue;
		if (b.len > 1)
			r = mt_buf_add(&b, ",", 1);
		if (r == 0) {
			waitees_guest_url(ctx, &items[i]);
			r = mt_codec_waitee_write(&b, &items[i]);
		}
	}
	if (r == 0)
		r = mt_buf_add(&b, "]", 1);
	free(items);
	if (r < 0) {
		mt_buf_free(&b);
		free(next);
		return r == MT_ENOMEM ? NULL : mt_resp_from_err(r, "waitee list");
	}
	if (etag_of(b.data, b.len, next, tag) < 0)
		tag[0] = '\0';
	listcache_put(&key, now_ms, valid_until, b.data, b.len, next, tag[0] ? tag : NULL);
	if (tag[0] != '\0' && etag_none_match(event, tag)) {
		mt_buf_free(&b);
		free(next);
		return etag_not_modified(tag);
	}
	resp = crud_resp_buf(200, &b);
	if (tag[0] != '\0')
		resp = etag_set(resp, tag);
	return waitees_list_headers(resp, event, wl->id, page.limit, next);
}

/* What waitees_add_unit writes and reads in one unit. */
struct waitees_add_arg {
	struct mt_ctx *ctx;          /* handler context */
	struct mt_waitee *w;         /* the party (version and position filled in) */
	const struct mt_link *link;  /* its guest link, or NULL */
	int notify_inside;           /* 1: queue its messages inside the unit (the queue joins the store) */
	const struct activity_actor *who; /* the activity entry's actor, or NULL: no entry */
	const char *detail;          /* the entry's detail, or NULL */
};

/* The store work of an add, run as one write group (store.h): the guest
 * link, the party, its activity entry, its joined or due message when the
 * queue shares the store's transaction, then its place in line; on SQLite
 * one commit (the entry failing undoes only itself: it is logged). */
static int waitees_add_unit(struct store *s, void *arg)
{
	struct waitees_add_arg *a = arg;
	int r;

	if (a->link != NULL && (r = s->ops->link_put(s, a->link)) < 0)
		return r;
	if ((r = s->ops->waitee_create(s, a->w)) < 0)
		return r;
	if (a->who != NULL)
		activity_waitee(a->ctx, a->who, NULL, NULL, a->w, a->detail);
	if (!a->notify_inside)
		return 0;
	/* the place in line first: the joined message carries it */
	if ((r = waitees_position(a->ctx, a->w)) < 0)
		return r;
	mt_notify_after_change(a->ctx, a->w, 1);
	return 0;
}

/* Adds a party to wl (see crud.h). */
int waitees_add(struct mt_ctx *ctx, const struct mt_waitlist *wl, const struct mt_waitee_patch *p,
		const char *source, const char *id, const struct activity_actor *who, const char *detail,
		struct mt_waitee *out)
{
	char tok[MT_GUEST_TOKEN_LEN + 1];
	struct waitees_add_arg unit = { NULL, NULL, NULL, 0, NULL, NULL };
	struct mt_waitee w;
	struct mt_link l;
	int64_t now;
	int r;

	now = mt_now(ctx);
	memset(&w, 0, sizeof w);
	if (id != NULL)
		snprintf(w.id, sizeof w.id, "%s", id);
	else
		mt_id_new(w.id, now);
	memcpy(w.waitlist_id, wl->id, sizeof w.waitlist_id);
	memcpy(w.tenant_id, wl->tenant_id, sizeof w.tenant_id);
	memcpy(w.name, p->name, sizeof w.name);
	memcpy(w.phone, p->phone, sizeof w.phone);
	memcpy(w.email, p->email, sizeof w.email);
	memcpy(w.notes, p->notes, sizeof w.notes);
	w.party_size = p->party_size;
	w.quoted_minutes = p->quoted_minutes;
	w.status = MT_WAITING;
	w.joined_at = w.updated_at = now;
	w.version = 1;
	snprintf(w.source, sizeof w.source, "%s", source);
	if (p->has_notify_in)
		waitees_plan_notify(&w, now, p->notify_in);
	else
		waitees_plan_reminder(&w, now);
	/* The guest's link first: a link whose party was never stored just
	 * says "ended" until it expires; a party without its link could not
	 * be reached from its messages. */
	if (mt_guest_links_on(&ctx->cfg)) {   /* else no link (core/guestlink.h) */
		mt_guest_nonce_new(w.guest_nonce);
		memset(&l, 0, sizeof l);
		if (mt_guest_token(&ctx->cfg, w.id, w.guest_nonce, tok) < 0)
			return MT_EINVAL;
		mt_guest_token_key(tok, strlen(tok), l.key);
		sodium_memzero(tok, sizeof tok);
		snprintf(l.kind, sizeof l.kind, "%s", "guest");
		memcpy(l.tenant_id, w.tenant_id, sizeof l.tenant_id);
		memcpy(l.waitlist_id, w.waitlist_id, sizeof l.waitlist_id);
		memcpy(l.waitee_id, w.id, sizeof l.waitee_id);
		l.enabled = 1;
		l.created_at = now;
		l.expires_at = now / 1000 + WAITEES_LINK_TTL_S;
		unit.link = &l;
	}
	unit.ctx = ctx;
	unit.w = &w;
	unit.who = who;
	unit.detail = detail;
	unit.notify_inside = queue_joins_store(ctx->queue, ctx->store);
	r = store_write_group(ctx->store, waitees_add_unit, &unit);
	if (r < 0)
		return r;
	if (!unit.notify_inside) {
		/* SQS (or a queue on its own connection): its place in line,
		 * then its messages, queued after the party is stored */
		if ((r = waitees_position(ctx, &w)) < 0)
			return r;
		mt_notify_after_change(ctx, &w, 1);
	}
	waitees_guest_url(ctx, &w);
	*out = w;
	return 0;
}

/* The answer to an add: the party, and, when it has no quote, as "estimate"
 * the quote the server suggests for a party like it joining now
 * (handlers/stats.h), so a client can show or apply it; without an estimate
 * (a quote given, or the store failed) the party alone. */
static cJSON *waitees_added(struct mt_ctx *ctx, const struct mt_waitlist *wl, struct mt_waitee *w)
{
	struct estcache_val est;
	struct mt_buf b;
	cJSON *o = NULL;
	char *text = NULL, loc[96];

	waitees_guest_url(ctx, w);
	mt_buf_init(&b, MT_CODEC_RECORD_MAX + 1024);
	if (mt_codec_waitee_write(&b, w) < 0) {
		mt_buf_free(&b);
		return NULL;
	}
	/* only for a party without a quote: a client that quoted already chose */
	if (w->quoted_minutes == 0 && stats_estimate_now(ctx, wl, w->party_size, w->joined_at / 1000, &est) == 0 &&
	    (o = cJSON_CreateObject()) != NULL) {
		stats_estimate_json(o, &est.e, w->party_size, est.hour, est.tz);
		text = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
	}
	/* the record ends in '}': the estimate goes in as its last member */
	if (text != NULL && b.len > 0 && b.data[b.len - 1] == '}') {
		b.len--;
		if (mt_buf_adds(&b, ",\"estimate\":") < 0 || mt_buf_adds(&b, text) < 0 || mt_buf_add(&b, "}", 1) < 0) {
			free(text);
			mt_buf_free(&b);
			return NULL;
		}
	}
	free(text);
	snprintf(loc, sizeof loc, "/waitlists/%s/waitees/%s", w->waitlist_id, w->id);
	return crud_record_resp(201, &b, w->version, loc);
}

/* POST /waitlists/{waitlistId}/waitees: adds a party (status waiting).
 * With an Idempotency-Key, a retry gets the first answer (handlers/idempotency.h). */
static cJSON *waitees_create(struct mt_ctx *ctx, const cJSON *event, const struct mt_waitlist *wl)
{
	struct mt_waitee_patch p;
	struct mt_codec_err err;
	struct mt_waitee w;
	struct idem_req idem;
	struct activity_actor who = activity_staff(event);
	char id[MT_ID_SIZE];
	cJSON *body, *resp;
	int r;

	body = mt_event_json_body(event, &resp);
	if (body == NULL)
		return resp;
	r = mt_codec_waitee_parse(body, 1, &p, &err);
	cJSON_Delete(body);
	if (r < 0)
		return crud_codec_resp(&err);
	mt_id_new(id, mt_now(ctx));
	resp = idem_start(ctx, event, wl->tenant_id, id, &idem);
	if (resp != NULL)
		return resp;
	r = waitees_add(ctx, wl, &p, "host", id, &who, NULL, &w);
	if (r == MT_ECONFLICT && idem.rec.taken_over) {
		/* the request that claimed the key first created it, then died */
		r = ctx->store->ops->waitee_get(ctx->store, wl->id, id, &w);
		if (r == 0)
			r = waitees_position(ctx, &w);
		if (r < 0)
			return idem_end(ctx, &idem, mt_resp_from_err(r, "waitee"), 1);
	} else if (r < 0) {
		return idem_end(ctx, &idem, mt_resp_from_err(r, "waitee"), 0);
	}
	return idem_end(ctx, &idem, waitees_added(ctx, wl, &w), 1);
}

/* GET /waitlists/{waitlistId}/waitees/{waiteeId}. */
static cJSON *waitees_get(struct mt_ctx *ctx, const char *wl_id, const char *id)
{
	struct mt_waitee w;
	int r = ctx->store->ops->waitee_get(ctx->store, wl_id, id, &w);

	if (r == 0)
		r = waitees_position(ctx, &w);
	if (r < 0)
		return mt_resp_from_err(r, "waitee");
	return waitees_one(ctx, 200, &w, 0);
}

/* 1 when another writer changed the fields only clients edit (so re-applying
 * a patch would overwrite a host's edit). Status is not compared: a
 * re-applied status move is checked again against the fresh status, so a
 * move the other writer made impossible (a guest cancelled) answers 409
 * invalid_transition, and one still allowed (notified -> seated) goes on. */
static int waitees_client_changed(const struct mt_waitee *a, const struct mt_waitee *b)
{
	return strcmp(a->name, b->name) != 0 || strcmp(a->phone, b->phone) != 0 ||
	       strcmp(a->email, b->email) != 0 || strcmp(a->notes, b->notes) != 0 ||
	       a->party_size != b->party_size || a->quoted_minutes != b->quoted_minutes;
}

/* Applies a validated patch to w at now: refuses (409) an invalid status move
 * or a notification for a finished party. Returns NULL and sets *changed and
 * *plan_changed, or an error response. */
static cJSON *waitees_apply(const struct mt_waitee_patch *p, struct mt_waitee *w, int64_t now, int64_t ttl_s,
			    int *changed, int *plan_changed)
{
	enum mt_status to = p->has_status ? p->status : w->status;
	int64_t due_before = w->due_at;
	cJSON *resp;

	if (mt_status_is_finished(w->status) && to != w->status) {
		if ((resp = waitees_check_undo(w, to, now)) != NULL)
			return resp;
	} else if (to != w->status && !mt_status_can_move(MT_ACTOR_CLIENT, w->status, to))
		return mt_resp_error(409, "invalid_transition", "status", "cannot move a party from %s to %s%s",
				     mt_status_name(w->status), mt_status_name(to),
				     to == MT_NOTIFIED ? " (notified is set by the server: use POST .../notify)" : "");
	if (p->has_notify_in && mt_status_is_finished(to))
		return mt_resp_error(409, "invalid_state", "notifyIn", "cannot notify a party that is %s",
				     mt_status_name(to));
	*changed = p->has_name || p->has_phone || p->has_email || p->has_party_size || p->has_notes ||
		   p->has_quoted || p->has_notify_in || to != w->status;
	if (p->has_name)
		memcpy(w->name, p->name, sizeof w->name);
	if (p->has_phone)
		memcpy(w->phone, p->phone, sizeof w->phone);
	if (p->has_email)
		memcpy(w->email, p->email, sizeof w->email);
	if (p->has_notes)
		memcpy(w->notes, p->notes, sizeof w->notes);
	if (p->has_party_size)
		w->party_size = p->party_size;
	if (p->has_quoted)
		w->quoted_minutes = p->quoted_minutes;
	if (to != w->status)
		waitees_move(w, to, now, ttl_s);
	if (p->has_notify_in)
		waitees_plan_notify(w, now, p->notify_in);
	else if (p->has_quoted)
		waitees_plan_reminder(w, now);
	*plan_changed = p->has_notify_in || w->due_at != due_before;
	if (*changed)
		w->updated_at = now;
	return NULL;
}

/* PUT /waitlists/{waitlistId}/waitees/{waiteeId}: partial update, conditional
 * on the version. Without a precondition, a write that lost only to the
 * notifier (or a guest reply) is re-applied to the fresh record, up to
 * WAITEES_RETRIES times; a lost race against another client's edit is 409. */
static cJSON *waitees_update(struct mt_ctx *ctx, const cJSON *event, const char *wl_id, const char *id)
{
	struct crud_pre pre = { 0 };
	struct mt_waitee_patch p;
	struct mt_codec_err err;
	struct mt_waitee w, first, before;
	struct activity_actor who = activity_staff(event);
	int64_t ttl_s = retention_seconds(ctx, mt_event_auth(event, "tenantId"));
	cJSON *body, *resp;
	int r, attempt, changed = 0, plan_changed = 0;

	resp = crud_if_match(event, &pre);
	if (resp != NULL)
		return resp;
	body = mt_event_json_body(event, &resp);
	if (body == NULL)
		return resp;
	r = mt_codec_waitee_parse(body, 0, &p, &err);
	cJSON_Delete(body);
	if (r < 0)
		return crud_codec_resp(&err);
	pre.has_body = p.has_version;
	pre.body = p.version;
	for (attempt = 0;; attempt++) {
		int64_t read_version;

		r = ctx->store->ops->waitee_get(ctx->store, wl_id, id, &w);
		if (r < 0)
			return mt_resp_from_err(r, "waitee");
		if (attempt == 0) {
			first = w;
			resp = crud_check_pre(&pre, w.version, "waitee");
		} else if (waitees_client_changed(&first, &w)) {
			resp = crud_lost_race(&pre, "waitee");
		}
		if (resp != NULL)
			return resp;
		read_version = w.version;
		before = w;
		resp = waitees_apply(&p, &w, mt_now(ctx), ttl_s, &changed, &plan_changed);
		if (resp != NULL)
			return resp;
		if (!changed)
			break;
		r = ctx->store->ops->waitee_update(ctx->store, &w, read_version);
		if (r == MT_EPRECOND || r == MT_ECONFLICT) {
			if (pre.has_hdr || pre.has_body || attempt + 1 >= WAITEES_RETRIES)
				return crud_lost_race(&pre, "waitee");
			continue;
		}
		if (r < 0)
			return mt_resp_from_err(r, "waitee");
		break;
	}
	if (changed)
		stats_keep(ctx, &before, &w);   /* a finish, an undo or an edit of a finished party */
	if (changed)
		activity_waitee(ctx, &who, NULL, &before, &w, NULL);
	if (changed && plan_changed)
		mt_notify_after_change(ctx, &w, 0);
	r = waitees_position(ctx, &w);
	if (r < 0)
		return mt_resp_from_err(r, "waitee");
	return waitees_one(ctx, 200, &w, 0);
}

/* The 429 for a text that would be over a sending limit, or NULL when none
 * is (or the limits cannot be read: the consumer checks again). */
static cJSON *waitees_sms_limited(struct mt_ctx *ctx, const struct mt_waitee *w)
{
	char why[160], v[24];
	int64_t retry = 0;
	cJSON *resp;

	if (sms_limit_check(ctx, w, mt_now(ctx), why, sizeof why, &retry) != MT_EBUSY)
		return NULL;
	snprintf(v, sizeof v, "%lld", (long long)retry);
	resp = mt_resp_error(429, "sending_limit", NULL, "%s; retry in %lld seconds", why, (long long)retry);
	if (resp != NULL && mt_resp_header(resp, "retry-after", v) < 0) {
		cJSON_Delete(resp);
		return NULL;
	}
	return resp;
}

/* POST .../waitees/{waiteeId}/notify: notify now (as PUT notifyIn 0); 202.
 * Retried like PUT when it loses to the notifier and no precondition was given. */
static cJSON *waitees_notify(struct mt_ctx *ctx, const cJSON *event, const char *wl_id, const char *id)
{
	struct crud_pre pre = { 0 };
	struct mt_waitee w, prev;
	struct activity_actor who = activity_staff(event);
	int64_t read_version;
	cJSON *resp;
	int r, attempt;

	resp = crud_if_match(event, &pre);
	if (resp != NULL)
		return resp;
	for (attempt = 0;; attempt++) {
		r = ctx->store->ops->waitee_get(ctx->store, wl_id, id, &w);
		if (r < 0)
			return mt_resp_from_err(r, "waitee");
		if (attempt == 0 && (resp = crud_check_pre(&pre, w.version, "waitee")) != NULL)
			return resp;
		if (mt_status_is_finished(w.status))
			return mt_resp_error(409, "invalid_state", "status", "cannot notify a party that is %s",
					     mt_status_name(w.status));
		if (attempt == 0 && w.phone[0] != '\0' && (resp = waitees_sms_limited(ctx, &w)) != NULL)
			return resp;
		read_version = w.version;
		prev = w;
		w.updated_at = mt_now(ctx);
		waitees_plan_notify(&w, w.updated_at, 0);
		r = ctx->store->ops->waitee_update(ctx->store, &w, read_version);
		if (r == MT_EPRECOND || r == MT_ECONFLICT) {
			if (pre.has_hdr || attempt + 1 >= WAITEES_RETRIES)
				return crud_lost_race(&pre, "waitee");
			continue;
		}
		if (r < 0)
			return mt_resp_from_err(r, "waitee");
		break;
	}
	activity_waitee(ctx, &who, "notify_requested", &prev, &w, NULL);
	mt_notify_after_change(ctx, &w, 0);
	r = waitees_position(ctx, &w);
	if (r < 0)
		return mt_resp_from_err(r, "waitee");
	return waitees_one(ctx, 202, &w, 0);
}

/* DELETE /waitlists/{waitlistId}/waitees/{waiteeId}. */
static cJSON *waitees_delete(struct mt_ctx *ctx, const cJSON *event, const char *wl_id, const char *id)
{
	struct crud_pre pre = { 0 };
	cJSON *resp;
	int r;

	struct mt_waitee w;
	struct activity_actor who = activity_staff(event);

	resp = crud_if_match(event, &pre);
	if (resp != NULL)
		return resp;
	/* read first: the log names the party's size (never its name) */
	r = ctx->store->ops->waitee_get(ctx->store, wl_id, id, &w);
	if (r < 0)
		return mt_resp_from_err(r, "waitee");
	if (pre.has_hdr) {
		resp = crud_check_pre(&pre, w.version, "waitee");
		if (resp != NULL)
			return resp;
	}
	r = ctx->store->ops->waitee_delete(ctx->store, wl_id, id);
	if (r < 0)
		return mt_resp_from_err(r, "waitee");
	activity_waitee(ctx, &who, NULL, &w, NULL, NULL);
	return mt_resp(204, NULL);
}

/* Dispatches on routeKey after finding the caller's waitlist. */
cJSON *handler_waitees(struct mt_ctx *ctx, const cJSON *event)
{
	static const char coll[] = "/waitlists/{waitlistId}/waitees";
	static const char item[] = "/waitlists/{waitlistId}/waitees/{waiteeId}";
	static const char notify[] = "/waitlists/{waitlistId}/waitees/{waiteeId}/notify";
	const char *route = mt_event_route(event);
	const char *tenant = mt_event_auth(event, "tenantId");
	const char *wl_id = mt_event_path_param(event, "waitlistId");
	const char *id = mt_event_path_param(event, "waiteeId");
	const char *path;
	enum { R_LIST, R_CREATE, R_GET, R_PUT, R_DELETE, R_NOTIFY } op;
	struct mt_waitlist wl;
	cJSON *refused;
	int r;

	if (tenant == NULL || tenant[0] == '\0' || strlen(tenant) >= MT_ID_SIZE)
		return mt_resp_error(401, "unauthorized", NULL, "a valid access token is required");
	if (ctx == NULL || ctx->store == NULL)
		return mt_resp_error(500, "internal", NULL, "no store configured");
	if (route == NULL || (path = strchr(route, ' ')) == NULL)
		return mt_resp_error(404, "no_route", NULL, "no such route");
	refused = mt_access_check(event);
	if (refused != NULL)
		return refused;
	path++;
	if (strncmp(route, "GET ", 4) == 0 && strcmp(path, coll) == 0)
		op = R_LIST;
	else if (strncmp(route, "POST ", 5) == 0 && strcmp(path, coll) == 0)
		op = R_CREATE;
	else if (strncmp(route, "GET ", 4) == 0 && strcmp(path, item) == 0)
		op = R_GET;
	else if (strncmp(route, "PUT ", 4) == 0 && strcmp(path, item) == 0)
		op = R_PUT;
	else if (strncmp(route, "DELETE ", 7) == 0 && strcmp(path, item) == 0)
		op = R_DELETE;
	else if (strncmp(route, "POST ", 5) == 0 && strcmp(path, notify) == 0)
		op = R_NOTIFY;
	else
		return mt_resp_error(404, "no_route", NULL, "no such route");
	if (wl_id == NULL || !mt_id_valid(wl_id))
		return mt_resp_from_err(MT_ENOTFOUND, "waitlist");
	/* The list route only reads: it may use the store's short-lived copy. */
	if (op == R_LIST)
		r = ctx->store->ops->waitlist_peek(ctx->store, tenant, wl_id, &wl);
	else
		r = ctx->store->ops->waitlist_get(ctx->store, tenant, wl_id, &wl);
	if (r < 0)
		return mt_resp_from_err(r, "waitlist");
	if (op == R_LIST)
		return waitees_list(ctx, event, &wl);
	if (op == R_CREATE)
		return waitees_create(ctx, event, &wl);
	if (id == NULL || !mt_id_valid(id))
		return mt_resp_from_err(MT_ENOTFOUND, "waitee");
	switch (op) {
	case R_GET:
		return waitees_get(ctx, wl.id, id);
	case R_PUT:
		return waitees_update(ctx, event, wl.id, id);
	case R_DELETE:
		return waitees_delete(ctx, event, wl.id, id);
	default:
		return waitees_notify(ctx, event, wl.id, id);
	}
}
