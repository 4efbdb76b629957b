/* Waitlists of the caller's tenant: GET/POST /waitlists and
 * GET/PUT/DELETE /waitlists/{waitlistId}. Every lookup goes through the
 * tenant from the authorizer context, so another tenant's id answers 404
 * exactly like a missing one. Who may call which route is in the one
 * permission table (handlers/access.c): writing lists is for the owner and
 * managers, a `host` gets 403. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/codec.h"
#include "core/error.h"
#include "core/guestlink.h"
#include "core/id.h"
#include "handlers/access.h"
#include "handlers/activity-log.h"
#include "handlers/crud.h"
#include "handlers/etag.h"
#include "handlers/idempotency.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"
#include "store/store.h"

/* Fills the computed self check-in fields of w from its link (public, off
 * when there is none). 0 or a store error. */
static int waitlists_fill(struct mt_ctx *ctx, struct mt_waitlist *w)
{
	char slug[MT_SLUG_LEN + 1], key[MT_LINK_KEY_SIZE];
	struct mt_link l;
	int r;

	w->self_checkin = 0;
	w->checkin_url[0] = '\0';
	if (!mt_guest_links_on(&ctx->cfg))
		return 0;
	mt_checkin_slug(&ctx->cfg, w->id, slug);
	mt_checkin_key(slug, key);
	r = ctx->store->ops->link_get(ctx->store, key, &l);
	if (r == MT_ENOTFOUND)
		return 0;
	if (r < 0)
		return r;
	if (l.enabled && strcmp(l.kind, "checkin") == 0 && strcmp(l.tenant_id, w->tenant_id) == 0 &&
	    strcmp(l.waitlist_id, w->id) == 0) {
		w->self_checkin = 1;
		mt_checkin_url(&ctx->cfg, w->id, w->checkin_url, sizeof w->checkin_url);
	}
	return 0;
}

/* Turns the list's self check-in on or off as the patch asks (the link
 * record is the switch: handlers/checkin.c reads it), and fills w's
 * computed fields. 0 or a store error. */
static int waitlists_set_checkin(struct mt_ctx *ctx, const struct mt_waitlist_patch *p, struct mt_waitlist *w)
{
	char slug[MT_SLUG_LEN + 1];
	struct mt_link l;
	int r;

	if (!p->has_self_checkin)
		return waitlists_fill(ctx, w);
	if (!mt_guest_links_on(&ctx->cfg))
		return MT_EINVAL;   /* no secret to key the slug: the callers refuse earlier */
	memset(&l, 0, sizeof l);
	mt_checkin_slug(&ctx->cfg, w->id, slug);
	mt_checkin_key(slug, l.key);
	snprintf(l.kind, sizeof l.kind, "%s", "checkin");
	memcpy(l.tenant_id, w->tenant_id, sizeof l.tenant_id);
	memcpy(l.waitlist_id, w->id, sizeof l.waitlist_id);
	l.enabled = p->self_checkin;
	l.created_at = mt_now(ctx);
	r = ctx->store->ops->link_put(ctx->store, &l);
	if (r < 0)
		return r;
	w->self_checkin = p->self_checkin;
	w->checkin_url[0] = '\0';
	if (w->self_checkin)
		mt_checkin_url(&ctx->cfg, w->id, w->checkin_url, sizeof w->checkin_url);
	return 0;
}

/* 400 for selfCheckIn on a server without the secret guest links need. */
static cJSON *waitlists_no_checkin(void)
{
	return mt_resp_error(400, "invalid_field", "selfCheckIn",
			     "self check-in needs the server's JWT secret to key its link, and this server has none");
}

/* Builds a response with one waitlist, its ETag and optionally Location. */
static cJSON *waitlists_one(int status, const struct mt_waitlist *w, int location)
{
	struct mt_buf b;
	char loc[64];

	mt_buf_init(&b, MT_CODEC_RECORD_MAX);
	if (mt_codec_waitlist_write(&b, w) < 0) {
		mt_buf_free(&b);
		return NULL;
	}
	if (location)
		snprintf(loc, sizeof loc, "/waitlists/%s", w->id);
	return crud_record_resp(status, &b, w->version, location ? loc : NULL);
}

/* GET /waitlists: the tenant's lists in creation order, paged. */
static cJSON *waitlists_list(struct mt_ctx *ctx, const cJSON *event, const char *tenant)
{
	struct store_page page;
	struct mt_waitlist *items = NULL;
	size_t n = 0, i;
	char *next = NULL;
	char tag[ETAG_SIZE];
	struct mt_buf b;
	cJSON *resp;
	int r;

	resp = crud_page_args(event, &page);
	if (resp != NULL)
		return resp;
	r = ctx->store->ops->waitlist_list(ctx->store, tenant, &page, &items, &n, &next);
	if (r == MT_EINVAL)
		return mt_resp_error(400, "invalid_cursor", "cursor", "cursor is not one this server gave");
	if (r < 0)
		return mt_resp_from_err(r, "waitlist");
	mt_buf_init(&b, (size_t)CRUD_LIMIT_MAX * MT_CODEC_RECORD_MAX);
	r = mt_buf_add(&b, "[", 1);
	for (i = 0; r == 0 && i < n; i++) {
		if (i > 0)
			r = mt_buf_add(&b, ",", 1);
		if (r == 0)
			r = waitlists_fill(ctx, &items[i]);
		if (r == 0)
			r = mt_codec_waitlist_write(&b, &items[i]);
	}
	if (r == 0)
		r = mt_buf_add(&b, "]", 1);
	free(items);
	if (r < 0) {
		mt_buf_free(&b);
		free(next);
		return r == MT_ENOMEM ? NULL : mt_resp_from_err(r, "waitlist list");
	}
	if (etag_of(b.data, b.len, next, tag) < 0)
		tag[0] = '\0';
	if (tag[0] != '\0' && etag_none_match(event, tag)) {
		mt_buf_free(&b);
		free(next);
		return etag_not_modified(tag);
	}
	resp = crud_resp_buf(200, &b);
	if (tag[0] != '\0')
		resp = etag_set(resp, tag);
	if (resp != NULL && next != NULL && crud_next_headers(resp, "/waitlists", page.limit, NULL, next) < 0) {
		cJSON_Delete(resp);
		resp = NULL;
	}
	free(next);
	return resp;
}

/* POST /waitlists: creates a list for the tenant. With an Idempotency-Key,
 * a retry gets the first answer (handlers/idempotency.h). */
static cJSON *waitlists_create(struct mt_ctx *ctx, const cJSON *event, const char *tenant)
{
	struct mt_waitlist_patch p;
	struct mt_codec_err err;
	struct mt_waitlist w;
	struct idem_req idem;
	cJSON *body, *resp;
	int r;

	body = mt_event_json_body(event, &resp);
	if (body == NULL)
		return resp;
	r = mt_codec_waitlist_parse(body, 1, &p, &err);
	cJSON_Delete(body);
	if (r < 0)
		return crud_codec_resp(&err);
	if (p.has_self_checkin && p.self_checkin && !mt_guest_links_on(&ctx->cfg))
		return waitlists_no_checkin();
	memset(&w, 0, sizeof w);
	w.created_at = w.updated_at = mt_now(ctx);
	mt_id_new(w.id, w.created_at);
	resp = idem_start(ctx, event, tenant, w.id, &idem);
	if (resp != NULL)
		return resp;
	snprintf(w.tenant_id, sizeof w.tenant_id, "%s", tenant);
	w.version = 1;
	mt_codec_waitlist_apply(&p, &w);
	r = ctx->store->ops->waitlist_create(ctx->store, &w);
	if (r == MT_ECONFLICT && idem.rec.taken_over) {
		/* the request that claimed the key first created it, then died */
		r = ctx->store->ops->waitlist_get(ctx->store, tenant, w.id, &w);
		if (r < 0)
			return idem_end(ctx, &idem, mt_resp_from_err(r, "waitlist"), 1);
	} else if (r < 0) {
		return idem_end(ctx, &idem, mt_resp_from_err(r, "waitlist"), 0);
	}
	/* a new list has no check-in link: only a request that asks writes one */
	r = p.has_self_checkin ? waitlists_set_checkin(ctx, &p, &w) : 0;
	if (r < 0)
		return idem_end(ctx, &idem, mt_resp_from_err(r, "waitlist"), 1);
	if (!idem.rec.taken_over) {
		struct activity_actor who = activity_staff(event);

		activity_waitlist(ctx, &who, "list_created", NULL, &w);
	}
	return idem_end(ctx, &idem, waitlists_one(201, &w, 1), 1);
}

/* GET /waitlists/{waitlistId}. */
static cJSON *waitlists_get(struct mt_ctx *ctx, const char *tenant, const char *id)
{
	struct mt_waitlist w;
	int r = ctx->store->ops->waitlist_get(ctx->store, tenant, id, &w);

	if (r == 0)
		r = waitlists_fill(ctx, &w);
	if (r < 0)
		return mt_resp_from_err(r, "waitlist");
	return waitlists_one(200, &w, 0);
}

/* PUT /waitlists/{waitlistId}: partial update, conditional on the version. */
static cJSON *waitlists_update(struct mt_ctx *ctx, const cJSON *event, const char *tenant, const char *id)
{
	struct crud_pre pre = { 0 };
	struct mt_waitlist_patch p;
	struct mt_codec_err err;
	struct mt_waitlist w, prev;
	struct activity_actor who = activity_staff(event);
	cJSON *body, *resp;
	int64_t read_version;
	int r;

	resp = crud_if_match(event, &pre);
	if (resp != NULL)
		return resp;
	body = mt_event_json_body(event, &resp);
	if (body == NULL)
		return resp;
	r = mt_codec_waitlist_parse(body, 0, &p, &err);
	cJSON_Delete(body);
	if (r < 0)
		return crud_codec_resp(&err);
	if (p.has_self_checkin && p.self_checkin && !mt_guest_links_on(&ctx->cfg))
		return waitlists_no_checkin();
	pre.has_body = p.has_version;
	pre.body = p.version;
	r = ctx->store->ops->waitlist_get(ctx->store, tenant, id, &w);
	if (r < 0)
		return mt_resp_from_err(r, "waitlist");
	resp = crud_check_pre(&pre, w.version, "waitlist");
	if (resp != NULL)
		return resp;
	if (!p.has_name && !p.has_description && !p.has_tpl[0] && !p.has_tpl[1] && !p.has_tpl[2] &&
	    !p.has_default_quote) {
		/* nothing of the list's own changes (selfCheckIn lives in its link) */
		r = waitlists_set_checkin(ctx, &p, &w);
		if (r < 0)
			return mt_resp_from_err(r, "waitlist");
		if (p.has_self_checkin)
			(void)activity_append(ctx, tenant, w.id, &who, "list_edited", NULL, 0, "selfCheckIn", NULL,
					      NULL, NULL);
		return waitlists_one(200, &w, 0);
	}
	prev = w;
	read_version = w.version;
	mt_codec_waitlist_apply(&p, &w);
	w.updated_at = mt_now(ctx);
	r = ctx->store->ops->waitlist_update(ctx->store, &w, read_version);
	if (r == MT_EPRECOND || r == MT_ECONFLICT)
		return crud_lost_race(&pre, "waitlist");
	if (r == 0)
		r = waitlists_set_checkin(ctx, &p, &w);
	if (r < 0)
		return mt_resp_from_err(r, "waitlist");
	activity_waitlist(ctx, &who, "list_edited", &prev, &w);
	return waitlists_one(200, &w, 0);
}

/* DELETE /waitlists/{waitlistId}: removes the list and its waitees. */
static cJSON *waitlists_delete(struct mt_ctx *ctx, const cJSON *event, const char *tenant, const char *id)
{
	struct crud_pre pre = { 0 };
	cJSON *resp;
	int r;

	resp = crud_if_match(event, &pre);
	if (resp != NULL)
		return resp;
	if (pre.has_hdr) {
		struct mt_waitlist w;

		r = ctx->store->ops->waitlist_get(ctx->store, tenant, id, &w);
		if (r < 0)
			return mt_resp_from_err(r, "waitlist");
		resp = crud_check_pre(&pre, w.version, "waitlist");
		if (resp != NULL)
			return resp;
	}
	r = ctx->store->ops->waitlist_delete(ctx->store, tenant, id);
	if (r < 0)
		return mt_resp_from_err(r, "waitlist");
	{
		struct activity_actor who = activity_staff(event);

		/* restaurant-wide: the list's own log goes with it */
		(void)activity_append(ctx, tenant, NULL, &who, "list_deleted", id, 0, NULL, NULL, NULL, NULL);
	}
	return mt_resp(204, NULL);
}

/* Dispatches on routeKey after checking the caller. */
cJSON *handler_waitlists(struct mt_ctx *ctx, const cJSON *event)
{
	const char *route = mt_event_route(event);
	const char *tenant = mt_event_auth(event, "tenantId");
	const char *id = mt_event_path_param(event, "waitlistId");
	cJSON *refused;

	if (tenant == NULL || tenant[0] == '\0' || strlen(tenant) >= MT_ID_SIZE)
		return mt_resp_error(401, "unauthorized", NULL, "a valid access token is required");
	if (ctx == NULL || ctx->store == NULL)
		return mt_resp_error(500, "internal", NULL, "no store configured");
	if (route == NULL)
		return mt_resp_error(404, "no_route", NULL, "no such route");
	refused = mt_access_check(event);
	if (refused != NULL)
		return refused;
	if (strcmp(route, "GET /waitlists") == 0)
		return waitlists_list(ctx, event, tenant);
	if (strcmp(route, "POST /waitlists") == 0)
		return waitlists_create(ctx, event, tenant);
	if (strncmp(route, "GET ", 4) != 0 && strncmp(route, "PUT ", 4) != 0 && strncmp(route, "DELETE ", 7) != 0)
		return mt_resp_error(404, "no_route", NULL, "no such route");
	if (strcmp(route + (route[0] == 'D' ? 7 : 4), "/waitlists/{waitlistId}") != 0)
		return mt_resp_error(404, "no_route", NULL, "no such route");
	if (id == NULL || !mt_id_valid(id))
		return mt_resp_from_err(MT_ENOTFOUND, "waitlist");
	if (route[0] == 'G')
		return waitlists_get(ctx, tenant, id);
	if (route[0] == 'P')
		return waitlists_update(ctx, event, tenant, id);
	return waitlists_delete(ctx, event, tenant, id);
}
