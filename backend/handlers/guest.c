/* GET|POST /g/{token}: a guest's status page (issue 14). Public route: the
 * unguessable token in the path is the credential (core/guestlink.h).
 *
 * The token is hashed (SHA-256) and the hash looked up as a link: the same
 * work whatever the token, so a bad token answers 404 in constant time and
 * timing says nothing about how close it was. The link names the tenant,
 * list and party; the party is read through its list and the token is
 * checked against the party's nonce once more, so a link can only ever
 * show its own party. A party that finished (seated, cancelled, no-show)
 * or whose record expired shows "this visit has ended" and nothing else.
 *
 * POST (a form: csrf, action=confirm|cancel, confirm=yes): "On my way" moves
 * the party to confirmed (as SMS reply 1), "Leave the line" asks once more
 * and then cancels (as reply 9); both as the guest actor of core/status.h,
 * conditional on the version (retried once), then 303 back to the page. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apigw/apigw.h"
#include "core/error.h"
#include "handlers/activity-log.h"
#include "handlers/retention.h"
#include "core/guestlink.h"
#include "core/status.h"
#include "handlers/handler.h"
#include "handlers/stats.h"
#include "handlers/page.h"
#include "handlers/restaurant.h"
#include "store/store.h"

#define GUEST_TOKEN_MAX 256       /* longer path parameters are hashed only up to here */

/* What a token resolves to. */
struct guest_ctx {
	char token[MT_GUEST_TOKEN_LEN + 1];   /* the token (when it is one) */
	char self[MT_GUEST_TOKEN_LEN + 8];    /* "/g/" + token: the page's path */
	struct mt_waitlist wl;                /* the party's list; name = the name guests see (restaurant_show_name) */
	struct mt_waitee w;                   /* the party */
	int ended;                            /* 1 when the link is real but the visit is over */
};

/* Resolves the event's token. 0 (g filled; g->ended may be set),
 * MT_ENOTFOUND (no such link) or a store error. */
static int guest_resolve(struct mt_ctx *ctx, const cJSON *event, struct guest_ctx *g)
{
	const char *tok = mt_event_path_param(event, "token");
	char key[MT_LINK_KEY_SIZE], want[MT_GUEST_TOKEN_LEN + 1];
	size_t len = tok ? strnlen(tok, GUEST_TOKEN_MAX) : 0;
	struct mt_link l;
	int r;

	memset(g, 0, sizeof *g);
	mt_guest_token_key(tok ? tok : "", len, key);
	r = ctx->store->ops->link_get(ctx->store, key, &l);
	if (r < 0)
		return r;
	if (strcmp(l.kind, "guest") != 0 || len != MT_GUEST_TOKEN_LEN)
		return MT_ENOTFOUND;
	memcpy(g->token, tok, MT_GUEST_TOKEN_LEN + 1);
	snprintf(g->self, sizeof g->self, "/g/%s", g->token);
	r = ctx->store->ops->waitlist_get(ctx->store, l.tenant_id, l.waitlist_id, &g->wl);
	if (r == 0)
		r = restaurant_show_name(ctx, &g->wl);
	if (r == 0)
		r = ctx->store->ops->waitee_get(ctx->store, l.waitlist_id, l.waitee_id, &g->w);
	if (r == MT_ENOTFOUND) {
		g->ended = 1;
		return 0;
	}
	if (r < 0)
		return r;
	/* the link must be this party's own (its nonce, its tenant) */
	if (mt_guest_token(&ctx->cfg, g->w.id, g->w.guest_nonce, want) < 0 ||
	    sodium_memcmp(want, g->token, MT_GUEST_TOKEN_LEN) != 0 || strcmp(g->w.tenant_id, l.tenant_id) != 0)
		return MT_ENOTFOUND;
	g->ended = mt_status_is_finished(g->w.status);
	return 0;
}

/* The answer for a resolve failure. */
static cJSON *guest_fail(int r)
{
	if (r == MT_ENOTFOUND)
		return page_message(404, "This link is not valid",
				    "Check the link in your text message, or ask the host stand.");
	return page_message(r == MT_EBUSY ? 503 : r == MT_ENOSPC ? 507 : 500, "Please try again",
			    "We could not load your place in line just now. Please reload in a moment.");
}

/* Minutes as "N min" / "1 h 5 min" into out. */
static void guest_minutes(char *out, size_t size, int64_t minutes)
{
	if (minutes < 0)
		minutes = 0;
	if (minutes < 60)
		snprintf(out, size, "%lld min", (long long)minutes);
	else
		snprintf(out, size, "%lld h %lld min", (long long)(minutes / 60), (long long)(minutes % 60));
}

/* "This visit has ended" (nothing about the party but how it ended). */
static cJSON *guest_ended(const struct guest_ctx *g)
{
	const char *msg = "Thank you for visiting.";
	char *main_html = NULL;
	cJSON *resp;

	if (g->w.id[0] != '\0' && g->w.status == MT_SEATED)
		msg = "You have been seated. Enjoy your meal!";
	else if (g->w.id[0] != '\0' && g->w.status == MT_CANCELLED)
		msg = "You have left the line. You are welcome to join again at the host stand.";
	else if (g->w.id[0] != '\0')
		msg = "Your place in line was released. Please see the host stand if you are still here.";
	{
		const struct page_var v[] = { {"message", msg} };

		if (page_render("ended", v, 1, &main_html) < 0)
			return NULL;
	}
	resp = page_respond(200, "Visit ended", g->wl.name[0] ? g->wl.name : "Maitre", main_html, 0);
	free(main_html);
	return resp;
}

/* The status page of an active party. */
static cJSON *guest_status_page(struct mt_ctx *ctx, struct guest_ctx *g)
{
	char csrf[MT_CSRF_LEN + 1], pos[16], ahead[16], party[16], quote[48], waited[32];
	char *place = NULL, *confirm = NULL, *actions = NULL, *main_html = NULL;
	const char *status, *headline;
	int64_t now = mt_now(ctx);
	int before = 0, r;
	cJSON *resp = NULL;

	r = ctx->store->ops->waitee_count_active(ctx->store, g->w.waitlist_id, g->w.id, &before);
	if (r < 0)
		return guest_fail(r);
	snprintf(pos, sizeof pos, "%d", before + 1);
	snprintf(ahead, sizeof ahead, "%d", before);
	snprintf(party, sizeof party, "%d", g->w.party_size);
	if (g->w.quoted_minutes > 0) {
		char m[24];

		guest_minutes(m, sizeof m, g->w.quoted_minutes);
		snprintf(quote, sizeof quote, "about %s", m);
	} else {
		snprintf(quote, sizeof quote, "%s", "not given yet");
	}
	guest_minutes(waited, sizeof waited, (now - g->w.joined_at) / 60000);
	switch (g->w.status) {
	case MT_NOTIFIED:
		status = "Table ready";
		headline = "Your table is ready! Please come to the host stand now.";
		break;
	case MT_CONFIRMED:
		status = "On your way";
		headline = "Thanks, we know you are on your way. We will hold your place.";
		break;
	default:
		status = "Waiting";
		headline = "You are on the list. We will text you when your table is ready.";
		break;
	}
	mt_guest_csrf(&ctx->cfg, g->token, now, csrf);
	{
		const struct page_var pv[] = { {"position", pos} };
		const struct page_var cv[] = { {"self", g->self}, {"csrf", csrf} };

		r = page_render("place", pv, 1, &place);
		if (r == 0 && g->w.status != MT_CONFIRMED)
			r = page_render("confirm-button", cv, 2, &confirm);
	}
	if (r == 0) {
		const struct page_var av[] = { {"self", g->self}, {"csrf", csrf}, {"confirm", confirm} };

		r = page_render("actions", av, 3, &actions);
	}
	if (r == 0) {
		const struct page_var sv[] = {
			{"name", g->w.name}, {"party", party}, {"status", status}, {"headline", headline},
			{"place", place}, {"ahead", ahead}, {"quote", quote}, {"waited", waited},
			{"actions", actions},
		};

		r = page_render("status", sv, sizeof sv / sizeof sv[0], &main_html);
	}
	if (r == 0)
		resp = page_respond(200, "Your place in line", g->wl.name, main_html, 1);
	free(place);
	free(confirm);
	free(actions);
	free(main_html);
	return resp;
}

/* Applies the guest's move to w at now. 1 when w changed. */
static int guest_apply(struct mt_waitee *w, enum mt_status to, int64_t now, int64_t ttl_s)
{
	if (w->status == to || !mt_status_can_move(MT_ACTOR_GUEST, w->status, to))
		return 0;
	w->status = to;
	if (to == MT_CANCELLED) {
		w->expires_at = now / 1000 + ttl_s;
		w->due_at = 0;
	}
	w->updated_at = now;
	return 1;
}

/* Writes the move, re-reading and retrying once on a lost race. 0 or an error. */
static int guest_move(struct mt_ctx *ctx, struct mt_waitee *w, enum mt_status to)
{
	int64_t now = mt_now(ctx);
	int r, attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		int64_t v = w->version;
		struct mt_waitee before = *w;

		if (!guest_apply(w, to, now, retention_seconds(ctx, w->tenant_id)))
			return 0;
		r = ctx->store->ops->waitee_update(ctx->store, w, v);
		if (r == 0)
			stats_keep(ctx, &before, w);   /* a guest's cancel counts */
		if (r == 0)
			activity_waitee(ctx, &activity_guest, NULL, &before, w, "guest page");
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return r;
		r = ctx->store->ops->waitee_get(ctx->store, w->waitlist_id, w->id, w);
		if (r < 0)
			return r;
	}
	return MT_ECONFLICT;
}

/* The "Leave the line?" question. */
static cJSON *guest_ask_cancel(struct mt_ctx *ctx, struct guest_ctx *g)
{
	char csrf[MT_CSRF_LEN + 1], party[16];
	char *main_html = NULL;
	cJSON *resp = NULL;

	mt_guest_csrf(&ctx->cfg, g->token, mt_now(ctx), csrf);
	snprintf(party, sizeof party, "%d", g->w.party_size);
	{
		const struct page_var v[] = {
			{"name", g->w.name}, {"party", party}, {"restaurant", g->wl.name},
			{"self", g->self}, {"csrf", csrf},
		};

		if (page_render("cancel-confirm", v, sizeof v / sizeof v[0], &main_html) == 0)
			resp = page_respond(200, "Leave the line?", g->wl.name, main_html, 0);
	}
	free(main_html);
	return resp;
}

/* POST: the two buttons. */
static cJSON *guest_post(struct mt_ctx *ctx, const cJSON *event, struct guest_ctx *g)
{
	char csrf[MT_CSRF_LEN + 2], action[16], confirm[8];
	char *body = NULL;
	size_t len = 0;
	int r;

	r = mt_event_body(event, &body, &len);
	if (r < 0)
		return page_message(r == MT_ETOOBIG ? 413 : 400, "Something went wrong", "The form could not be read.");
	if (page_form_get(body, len, "csrf", csrf, sizeof csrf) != 0 ||
	    !mt_guest_csrf_ok(&ctx->cfg, g->token, csrf, mt_now(ctx))) {
		free(body);
		return page_message(403, "This page is out of date",
				    "Please go back, reload the page and try again.");
	}
	r = page_form_get(body, len, "action", action, sizeof action);
	if (r == 0 && page_form_get(body, len, "confirm", confirm, sizeof confirm) != 0)
		confirm[0] = '\0';
	free(body);
	if (r != 0 || (strcmp(action, "confirm") != 0 && strcmp(action, "cancel") != 0))
		return page_message(400, "Something went wrong", "The form asked for something this page cannot do.");
	if (g->ended)
		return page_redirect(g->self);
	if (strcmp(action, "cancel") == 0 && strcmp(confirm, "yes") != 0)
		return guest_ask_cancel(ctx, g);
	r = guest_move(ctx, &g->w, strcmp(action, "confirm") == 0 ? MT_CONFIRMED : MT_CANCELLED);
	if (r == MT_ENOTFOUND)
		return page_redirect(g->self);
	if (r < 0)
		return guest_fail(r);
	return page_redirect(g->self);
}

/* Dispatches GET and POST /g/{token}. */
cJSON *handler_guest(struct mt_ctx *ctx, const cJSON *event)
{
	const char *route = mt_event_route(event);
	struct guest_ctx g;
	cJSON *resp;
	int r;

	if (ctx == NULL || ctx->store == NULL)
		return page_message(500, "Please try again", "The service is not set up.");
	if (route == NULL || (strcmp(route, "GET /g/{token}") != 0 && strcmp(route, "POST /g/{token}") != 0))
		return page_message(404, "Not found", "There is no such page.");
	r = guest_resolve(ctx, event, &g);
	if (r < 0)
		resp = guest_fail(r);
	else if (route[0] == 'P')
		resp = guest_post(ctx, event, &g);
	else if (g.ended)
		resp = guest_ended(&g);
	else
		resp = guest_status_page(ctx, &g);
	sodium_memzero(&g.token, sizeof g.token);
	return resp;
}
