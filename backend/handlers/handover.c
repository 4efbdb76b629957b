/* Shift handover of a waitlist (issue 10 part 4):
 *   PUT  /waitlists/{waitlistId}/handover          {"note": TEXT}: a new note (the history keeps the old ones)
 *   GET  /waitlists/{waitlistId}/handover          {"current": NOTE|null, "history": [older NOTEs]}
 *   POST /waitlists/{waitlistId}/handover/ack      {"id"?}: the incoming host acknowledges the current note
 *   GET  /waitlists/{waitlistId}/handover/summary  the state of the floor for the next shift
 * Any role of the restaurant may use them (hosts hand over to hosts;
 * handlers/access.c); another
 * restaurant's list answers 404. Notes are staff text, kept for the
 * restaurant's retention period (handlers/retention.h) like the activity log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apigw/apigw.h"
#include "core/error.h"
#include "core/id.h"
#include "core/status.h"
#include "core/validate.h"
#include "handlers/access.h"
#include "handlers/activity-log.h"
#include "handlers/activity-view.h"
#include "handlers/crud.h"
#include "handlers/handler.h"
#include "handlers/retention.h"
#include "store/store.h"

#define HANDOVER_HISTORY_DEFAULT 10   /* older notes GET returns without ?limit= */
#define HANDOVER_WAITEES_MAX 5000     /* parties the summary reads at most */
#define HANDOVER_REPLIES_MAX 100      /* guest replies the summary lists at most */

/* The API object of a note. */
static cJSON *handover_json(const struct mt_handover *h)
{
	cJSON *o = cJSON_CreateObject(), *a;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", h->id);
	cJSON_AddStringToObject(o, "waitlistId", h->waitlist_id);
	cJSON_AddStringToObject(o, "note", h->note);
	a = cJSON_AddObjectToObject(o, "author");
	if (a != NULL) {
		cJSON_AddStringToObject(a, "id", h->author_id);
		cJSON_AddStringToObject(a, "name", h->author_name);
	}
	cJSON_AddNumberToObject(o, "createdAt", (double)h->created_at);
	cJSON_AddBoolToObject(o, "acknowledged", h->acked_at > 0);
	if (h->acked_at > 0) {
		a = cJSON_AddObjectToObject(o, "acknowledgedBy");
		if (a != NULL) {
			cJSON_AddStringToObject(a, "id", h->acked_by);
			cJSON_AddStringToObject(a, "name", h->acked_name);
		}
		cJSON_AddNumberToObject(o, "acknowledgedAt", (double)h->acked_at);
	}
	cJSON_AddNumberToObject(o, "version", (double)h->version);
	return o;
}

/* The list's current (newest) note: 0, MT_ENOTFOUND when none, or an error. */
static int handover_current(struct mt_ctx *ctx, const struct mt_waitlist *wl, struct mt_handover *out)
{
	struct store_page page = { NULL, 1 };
	struct mt_handover *items = NULL;
	size_t n = 0;
	int r;

	r = ctx->store->ops->handover_list(ctx->store, wl->tenant_id, wl->id, &page, &items, &n, NULL);
	if (r == 0 && n == 0)
		r = MT_ENOTFOUND;
	if (r == 0)
		*out = items[0];
	free(items);
	return r;
}

/* Copies the name of account id into name ("" when unknown). */
static void handover_user_name(struct mt_ctx *ctx, const char *id, char *name, size_t size)
{
	struct mt_user u;

	if (id != NULL && mt_id_valid(id) && ctx->store->ops->user_get(ctx->store, id, &u) == 0)
		snprintf(name, size, "%s", u.name);
	else if (size > 0)
		name[0] = '\0';
}

/* 400 unknown_field for a member of body other than allowed (NULL-terminated); NULL when none. */
static cJSON *handover_unknown(const cJSON *body, const char *const *allowed)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, body) {
		const char *const *a;

		for (a = allowed; *a != NULL && strcmp(*a, m->string) != 0; a++)
			;
		if (*a == NULL)
			return mt_resp_error(400, "unknown_field", m->string, "unknown field '%.64s'", m->string);
	}
	return NULL;
}

/* PUT .../handover: stores a new note by the caller. */
static cJSON *handover_put(struct mt_ctx *ctx, const cJSON *event, const struct mt_waitlist *wl)
{
	struct activity_actor who = activity_staff(event);
	const char *sub = mt_event_auth(event, "sub"), *why = NULL;
	struct mt_handover h;
	const cJSON *note;
	cJSON *body, *resp;
	int r;

	static const char *const fields[] = { "note", NULL };

	body = mt_event_json_body(event, &resp);
	if (body == NULL)
		return resp;
	if ((resp = handover_unknown(body, fields)) != NULL) {
		cJSON_Delete(body);
		return resp;
	}
	note = cJSON_GetObjectItemCaseSensitive(body, "note");
	if (!cJSON_IsString(note)) {
		cJSON_Delete(body);
		return mt_resp_error(400, "invalid_field", "note", "note must be a string");
	}
	if (mt_valid_text(note->valuestring, 1, MT_HANDOVER_MAX, 1, &why) != 0) {
		resp = mt_resp_error(400, "invalid_field", "note", "note: %s (1 to %d bytes of text)",
				     why ? why : "not valid", MT_HANDOVER_MAX);
		cJSON_Delete(body);
		return resp;
	}
	memset(&h, 0, sizeof h);
	h.created_at = mt_now(ctx);
	mt_id_new(h.id, h.created_at);
	memcpy(h.tenant_id, wl->tenant_id, sizeof h.tenant_id);
	memcpy(h.waitlist_id, wl->id, sizeof h.waitlist_id);
	snprintf(h.note, sizeof h.note, "%s", note->valuestring);
	cJSON_Delete(body);
	snprintf(h.author_id, sizeof h.author_id, "%s", sub && strlen(sub) <= MT_ID_LEN ? sub : "");
	handover_user_name(ctx, h.author_id, h.author_name, sizeof h.author_name);
	h.expires_at = h.created_at / 1000 + retention_seconds(ctx, wl->tenant_id);
	r = ctx->store->ops->handover_create(ctx->store, &h);
	if (r < 0)
		return mt_resp_from_err(r, "handover");
	(void)activity_append(ctx, wl->tenant_id, wl->id, &who, "handover_written", h.id, 0, NULL, NULL, NULL, NULL);
	return mt_resp(201, handover_json(&h));
}

/* GET .../handover: the current note and older ones (paged by ?limit=&cursor=). */
static cJSON *handover_get(struct mt_ctx *ctx, const cJSON *event, const struct mt_waitlist *wl)
{
	struct mt_handover *items = NULL;
	struct store_page page;
	char *next = NULL, path[MT_ID_SIZE + 32];
	size_t n = 0, i;
	cJSON *o, *hist, *resp;
	int r, first_page;

	if ((resp = crud_page_args(event, &page)) != NULL)
		return resp;
	if (mt_event_query(event, "limit") == NULL)
		page.limit = HANDOVER_HISTORY_DEFAULT;
	first_page = page.cursor == NULL || page.cursor[0] == '\0';
	if (first_page && page.limit < CRUD_LIMIT_MAX)
		page.limit++;   /* the current note and `limit` older ones (one fewer at the largest limit) */
	r = ctx->store->ops->handover_list(ctx->store, wl->tenant_id, wl->id, &page, &items, &n, &next);
	if (r == MT_EINVAL)
		return mt_resp_error(400, "invalid_cursor", "cursor", "cursor is not one this server gave");
	if (r < 0)
		return mt_resp_from_err(r, "handover");
	o = cJSON_CreateObject();
	if (o != NULL) {
		if (!first_page)
			cJSON_AddNullToObject(o, "current");
		else if (n > 0)
			cJSON_AddItemToObject(o, "current", handover_json(&items[0]));
		else
			cJSON_AddNullToObject(o, "current");
		hist = cJSON_AddArrayToObject(o, "history");
		for (i = first_page ? 1 : 0; hist != NULL && i < n; i++)
			cJSON_AddItemToArray(hist, handover_json(&items[i]));
	}
	free(items);
	resp = o ? mt_resp(200, o) : NULL;
	snprintf(path, sizeof path, "/waitlists/%s/handover", wl->id);
	if (resp != NULL && next != NULL && crud_next_headers(resp, path, page.limit, NULL, next) < 0) {
		cJSON_Delete(resp);
		resp = NULL;
	}
	free(next);
	return resp;
}

/* POST .../handover/ack: the caller acknowledges the current note (the
 * first acknowledgement stays; body {"id"} refuses a note newer than the
 * one the caller read with 409 stale_handover). */
static cJSON *handover_ack(struct mt_ctx *ctx, const cJSON *event, const struct mt_waitlist *wl)
{
	struct activity_actor who = activity_staff(event);
	const char *sub = mt_event_auth(event, "sub");
	char want[MT_ID_SIZE] = "";
	struct mt_handover h;
	cJSON *body, *resp = NULL;
	const cJSON *id;
	char *raw = NULL;
	size_t raw_len = 0;
	int r, attempt;

	body = NULL;
	if (mt_event_body(event, &raw, &raw_len) == 0 && raw_len > 0 && (body = mt_event_json_body(event, &resp)) == NULL) {
		free(raw);
		return resp;   /* a body must be JSON; none at all acknowledges whatever is current */
	}
	free(raw);
	if (body != NULL) {
		static const char *const fields[] = { "id", NULL };

		if ((resp = handover_unknown(body, fields)) != NULL) {
			cJSON_Delete(body);
			return resp;
		}
		id = cJSON_GetObjectItemCaseSensitive(body, "id");
		if (id != NULL && (!cJSON_IsString(id) || !mt_id_valid(id->valuestring))) {
			cJSON_Delete(body);
			return mt_resp_error(400, "invalid_field", "id", "id must be a handover note id");
		}
		if (id != NULL)
			snprintf(want, sizeof want, "%s", id->valuestring);
		cJSON_Delete(body);
	}
	for (attempt = 0; attempt < 3; attempt++) {
		int64_t v;

		r = handover_current(ctx, wl, &h);
		if (r == MT_ENOTFOUND)
			return mt_resp_error(409, "no_handover", NULL, "there is no handover note to acknowledge");
		if (r < 0)
			return mt_resp_from_err(r, "handover");
		if (want[0] && strcmp(want, h.id) != 0)
			return mt_resp_error(409, "stale_handover", "id",
					     "a newer handover note was written: read it first");
		if (h.acked_at > 0)
			return mt_resp(200, handover_json(&h));
		v = h.version;
		snprintf(h.acked_by, sizeof h.acked_by, "%s", sub && strlen(sub) <= MT_ID_LEN ? sub : "");
		handover_user_name(ctx, h.acked_by, h.acked_name, sizeof h.acked_name);
		h.acked_at = mt_now(ctx);
		r = ctx->store->ops->handover_update(ctx->store, &h, v);
		if (r == 0) {
			(void)activity_append(ctx, wl->tenant_id, wl->id, &who, "handover_acknowledged", h.id, 0, NULL,
					      NULL, NULL, NULL);
			return mt_resp(200, handover_json(&h));
		}
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return mt_resp_from_err(r, "handover");
	}
	return mt_resp_error(409, "conflict", NULL, "the handover note kept changing; try again");
}

/* Adds {"id","name","partySize"} of w to arr; returns the object. */
static cJSON *handover_party(cJSON *arr, const struct mt_waitee *w)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", w->id);
	cJSON_AddStringToObject(o, "name", w->name);
	cJSON_AddNumberToObject(o, "partySize", w->party_size);
	if (!cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Reads every party of the list (up to HANDOVER_WAITEES_MAX) into *items. */
static int handover_all_waitees(struct mt_ctx *ctx, const struct mt_waitlist *wl, struct mt_waitee **items,
				size_t *n)
{
	struct mt_waitee *all = NULL, *page_items, *grown;
	struct store_page page = { NULL, 500 };
	char *cursor = NULL, *next = NULL;
	size_t count = 0, got;
	int r = 0;

	do {
		page.cursor = cursor;
		page_items = NULL;
		got = 0;
		r = ctx->store->ops->waitee_list(ctx->store, wl->id, &page, &page_items, &got, &next);
		free(cursor);
		cursor = next;
		next = NULL;
		if (r < 0)
			break;
		if (got > 0) {
			grown = realloc(all, (count + got) * sizeof *all);
			if (grown == NULL) {
				free(page_items);
				r = MT_ENOMEM;
				break;
			}
			all = grown;
			memcpy(all + count, page_items, got * sizeof *all);
			count += got;
		}
		free(page_items);
	} while (cursor != NULL && count < HANDOVER_WAITEES_MAX);
	free(cursor);
	if (r < 0) {
		free(all);
		return r;
	}
	*items = all;
	*n = count;
	return 0;
}

/* The guest replies since `since` (ms) from the activity log, newest first. */
static cJSON *handover_replies(struct mt_ctx *ctx, const struct mt_waitlist *wl, int64_t since)
{
	struct store_page page = { NULL, HANDOVER_REPLIES_MAX };
	struct mt_activity *items = NULL;
	struct activity_names names;
	cJSON *arr = cJSON_CreateArray();
	size_t n = 0, i;

	if (arr == NULL)
		return NULL;
	if (ctx->store->ops->activity_list(ctx->store, wl->tenant_id, wl->id, since, &page, &items, &n, NULL) != 0)
		return arr;   /* the summary still helps without them */
	activity_names_init(&names);
	for (i = 0; i < n; i++) {
		cJSON *o;
		const char *name;

		if (strcmp(items[i].action, "replied") != 0)
			continue;
		if ((o = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddStringToObject(o, "waiteeId", items[i].subject_id);
		name = activity_party_name(ctx, &names, wl->id, items[i].subject_id);
		if (name[0])
			cJSON_AddStringToObject(o, "name", name);
		cJSON_AddNumberToObject(o, "partySize", items[i].party_size);
		cJSON_AddStringToObject(o, "reply", items[i].detail);
		cJSON_AddNumberToObject(o, "at", (double)items[i].at);
		cJSON_AddItemToArray(arr, o);
	}
	free(items);
	return arr;
}

/* GET .../handover/summary: parties and covers waiting, the longest wait,
 * parties over their quote, notifications pending and failed, guest replies
 * since the current note was written (all, when there is none), notes on
 * parties, and the note. Waits are in whole minutes at the server's clock. */
static cJSON *handover_summary(struct mt_ctx *ctx, const struct mt_waitlist *wl)
{
	struct mt_waitee *items = NULL;
	struct mt_handover h;
	size_t n = 0, i;
	int64_t now = mt_now(ctx), longest = -1;
	int parties = 0, covers = 0, pending = 0, failed = 0, has_note, r;
	const struct mt_waitee *lw = NULL;
	cJSON *o, *over, *notes, *failed_arr, *x;

	r = handover_current(ctx, wl, &h);
	if (r < 0 && r != MT_ENOTFOUND)
		return mt_resp_from_err(r, "handover");
	has_note = r == 0;
	if ((r = handover_all_waitees(ctx, wl, &items, &n)) < 0)
		return mt_resp_from_err(r, "waitee");
	o = cJSON_CreateObject();
	over = cJSON_CreateArray();
	notes = cJSON_CreateArray();
	failed_arr = cJSON_CreateArray();
	if (o == NULL || over == NULL || notes == NULL || failed_arr == NULL) {
		cJSON_Delete(o);
		cJSON_Delete(over);
		cJSON_Delete(notes);
		cJSON_Delete(failed_arr);
		free(items);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		const struct mt_waitee *w = &items[i];
		int64_t waited = now - w->joined_at;

		if (!mt_status_is_active(w->status))
			continue;
		parties++;
		covers += w->party_size;
		if (waited > longest) {
			longest = waited;
			lw = w;
		}
		if (w->quoted_minutes > 0 && waited > (int64_t)w->quoted_minutes * 60000) {
			x = handover_party(over, w);
			if (x != NULL) {
				cJSON_AddNumberToObject(x, "waitedMinutes", (double)(waited / 60000));
				cJSON_AddNumberToObject(x, "quotedMinutes", w->quoted_minutes);
			}
		}
		if (w->due_at > 0 || strcmp(w->last_result, "queued") == 0)
			pending++;
		if (strcmp(w->last_result, "failed") == 0) {
			failed++;
			handover_party(failed_arr, w);
		}
		if (w->notes[0] != '\0') {
			x = handover_party(notes, w);
			if (x != NULL)
				cJSON_AddStringToObject(x, "notes", w->notes);
		}
	}
	cJSON_AddStringToObject(o, "waitlistId", wl->id);
	cJSON_AddStringToObject(o, "waitlistName", wl->name);
	cJSON_AddNumberToObject(o, "generatedAt", (double)now);
	x = cJSON_AddObjectToObject(o, "waiting");
	if (x != NULL) {
		cJSON_AddNumberToObject(x, "parties", parties);
		cJSON_AddNumberToObject(x, "covers", covers);
	}
	if (lw != NULL) {
		x = cJSON_AddObjectToObject(o, "longestWait");
		if (x != NULL) {
			cJSON_AddStringToObject(x, "id", lw->id);
			cJSON_AddStringToObject(x, "name", lw->name);
			cJSON_AddNumberToObject(x, "partySize", lw->party_size);
			cJSON_AddNumberToObject(x, "minutes", (double)(longest / 60000));
		}
	} else {
		cJSON_AddNullToObject(o, "longestWait");
	}
	cJSON_AddItemToObject(o, "overQuote", over);
	x = cJSON_AddObjectToObject(o, "notifications");
	if (x != NULL) {
		cJSON_AddNumberToObject(x, "pending", pending);
		cJSON_AddNumberToObject(x, "failed", failed);
		cJSON_AddItemToObject(x, "failedParties", failed_arr);
	} else {
		cJSON_Delete(failed_arr);
	}
	cJSON_AddNumberToObject(o, "repliesSince", (double)(has_note ? h.created_at : 0));
	cJSON_AddItemToObject(o, "guestReplies", handover_replies(ctx, wl, has_note ? h.created_at : 0));
	cJSON_AddItemToObject(o, "partyNotes", notes);
	if (has_note)
		cJSON_AddItemToObject(o, "note", handover_json(&h));
	else
		cJSON_AddNullToObject(o, "note");
	free(items);
	return mt_resp(200, o);
}

/* Dispatches on routeKey after finding the caller's waitlist. */
cJSON *handler_handover(struct mt_ctx *ctx, const cJSON *event)
{
	const char *route = mt_event_route(event);
	const char *tenant = mt_event_auth(event, "tenantId");
	const char *wl_id = mt_event_path_param(event, "waitlistId");
	struct mt_waitlist wl;
	cJSON *refused;
	int r;

	if (tenant == NULL || tenant[0] == '\0' || strlen(tenant) >= MT_ID_SIZE)
		return mt_resp_error(401, "unauthorized", NULL, "a valid access token is required");
	if (ctx == NULL || ctx->store == NULL)
		return mt_resp_error(500, "internal", NULL, "no store configured");
	if (route == NULL)
		return mt_resp_error(404, "no_route", NULL, "no such route");
	if ((refused = mt_access_check(event)) != NULL)
		return refused;
	if (wl_id == NULL || !mt_id_valid(wl_id))
		return mt_resp_from_err(MT_ENOTFOUND, "waitlist");
	r = ctx->store->ops->waitlist_get(ctx->store, tenant, wl_id, &wl);
	if (r < 0)
		return mt_resp_from_err(r, "waitlist");
	if (strcmp(route, "PUT /waitlists/{waitlistId}/handover") == 0)
		return handover_put(ctx, event, &wl);
	if (strcmp(route, "GET /waitlists/{waitlistId}/handover") == 0)
		return handover_get(ctx, event, &wl);
	if (strcmp(route, "POST /waitlists/{waitlistId}/handover/ack") == 0)
		return handover_ack(ctx, event, &wl);
	if (strcmp(route, "GET /waitlists/{waitlistId}/handover/summary") == 0)
		return handover_summary(ctx, &wl);
	return mt_resp_error(404, "no_route", NULL, "no such route");
}
