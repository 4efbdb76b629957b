/* GET|POST /j/{slug}: self check-in for walk-ins (issue 14). Public route,
 * open only while the list's owner has it on (PUT /waitlists/{id}
 * {"selfCheckIn": true}; off by default): the slug's link record
 * (core/guestlink.h) is the switch and names the tenant and list, so a slug
 * can only ever add to its own list.
 *
 * GET shows the form (name, party size, phone) with the wait: how many
 * parties are ahead and the latest quote a host gave on the list. POST
 * checks, in order: the CSRF token, the per-IP and per-list rate limits
 * (429 with Retry-After), the honeypot field `website` (must stay empty;
 * filled = a bot: nobody is added), then the fields through the API's own
 * validation (core/codec.h); a refused field re-renders the form with the
 * reason (400) and keeps what was typed. A good form adds the party with
 * source "self" and that quote, and answers 303 to its status page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apigw/apigw.h"
#include "core/codec.h"
#include "core/error.h"
#include "handlers/activity-log.h"
#include "core/guestlink.h"
#include "core/model.h"
#include "core/status.h"
#include "handlers/crud.h"
#include "handlers/handler.h"
#include "handlers/page.h"
#include "handlers/restaurant.h"
#include "store/store.h"

#define CHECKIN_SLUG_MAX 64   /* longer slugs are not ours */

/* What a slug resolves to, and the wait on its list. */
struct checkin_ctx {
	char slug[MT_SLUG_LEN + 1];   /* the slug */
	char self[MT_SLUG_LEN + 8];   /* "/j/" + slug */
	struct mt_waitlist wl;        /* the list; name = the name guests see (restaurant_show_name) */
	int waiting;                  /* active parties on it */
	int quote;                    /* latest quote given on it (minutes), 0 = none */
};

/* The typed values, kept to re-render the form. */
struct checkin_form {
	char name[MT_NAME_MAX + 1];   /* name as typed */
	char party[8];                /* party size as typed */
	char phone[32];               /* phone as typed */
};

/* Resolves the slug. 0, MT_ENOTFOUND (unknown, off, or list gone) or a store error. */
static int checkin_resolve(struct mt_ctx *ctx, const cJSON *event, struct checkin_ctx *c)
{
	const char *slug = mt_event_path_param(event, "slug");
	char key[MT_LINK_KEY_SIZE];
	struct mt_link l;
	int r;

	memset(c, 0, sizeof *c);
	if (slug == NULL || strnlen(slug, CHECKIN_SLUG_MAX) != MT_SLUG_LEN)
		return MT_ENOTFOUND;
	mt_checkin_key(slug, key);
	r = ctx->store->ops->link_get(ctx->store, key, &l);
	if (r < 0)
		return r;
	if (strcmp(l.kind, "checkin") != 0 || !l.enabled)
		return MT_ENOTFOUND;
	memcpy(c->slug, slug, MT_SLUG_LEN + 1);
	snprintf(c->self, sizeof c->self, "/j/%s", c->slug);
	r = ctx->store->ops->waitlist_get(ctx->store, l.tenant_id, l.waitlist_id, &c->wl);
	return r == 0 ? restaurant_show_name(ctx, &c->wl) : r;
}

/* Reads the wait: the active parties (counted by the store) and the latest
 * quote among the first page of them. */
static int checkin_wait(struct mt_ctx *ctx, struct checkin_ctx *c)
{
	struct store_page page = { NULL, 500 };
	struct mt_waitee *items = NULL;
	char *next = NULL;
	size_t n = 0, i;
	int r;

	r = ctx->store->ops->waitee_count_active(ctx->store, c->wl.id, NULL, &c->waiting);
	if (r == 0)
		r = ctx->store->ops->waitee_list(ctx->store, c->wl.id, &page, &items, &n, &next);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++)
		if (mt_status_is_active(items[i].status) && items[i].quoted_minutes > 0)
			c->quote = items[i].quoted_minutes;   /* in join order: the last one wins */
	free(items);
	free(next);
	return 0;
}

/* The answer for a resolve failure. */
static cJSON *checkin_fail(int r)
{
	if (r == MT_ENOTFOUND)
		return page_message(404, "Check-in is not open",
				    "This restaurant is not taking walk-ins online right now. Please see the host stand.");
	return page_message(r == MT_EBUSY ? 503 : r == MT_ENOSPC ? 507 : 500, "Please try again",
			    "We could not load the waitlist just now. Please reload in a moment.");
}

/* The form page, with an error message when error != NULL. */
static cJSON *checkin_form_page(struct mt_ctx *ctx, struct checkin_ctx *c, int status, const char *error,
				const struct checkin_form *f)
{
	char csrf[MT_CSRF_LEN + 1], quote[160];
	char *err_html = NULL, *main_html = NULL;
	cJSON *resp = NULL;
	int r = 0;

	mt_guest_csrf(&ctx->cfg, c->slug, mt_now(ctx), csrf);
	if (c->waiting == 0)
		snprintf(quote, sizeof quote, "%s", "Nobody is waiting right now.");
	else if (c->quote > 0)
		snprintf(quote, sizeof quote, "%d %s ahead of you. The wait is about %d min.", c->waiting,
			 c->waiting == 1 ? "party is" : "parties are", c->quote);
	else
		snprintf(quote, sizeof quote, "%d %s ahead of you.", c->waiting,
			 c->waiting == 1 ? "party is" : "parties are");
	if (error != NULL) {
		const struct page_var ev[] = { {"message", error} };

		r = page_render("error", ev, 1, &err_html);
	}
	if (r == 0) {
		const struct page_var v[] = {
			{"quote", quote}, {"error", err_html}, {"self", c->self}, {"csrf", csrf},
			{"name", f ? f->name : ""}, {"party", f ? f->party : "2"}, {"phone", f ? f->phone : ""},
		};

		r = page_render("checkin", v, sizeof v / sizeof v[0], &main_html);
	}
	if (r == 0)
		resp = page_respond(status, "Join the waitlist", c->wl.name, main_html, 0);
	free(err_html);
	free(main_html);
	return resp;
}

/* Reads one form field into out ("" when absent); MT_EINVAL when malformed. */
static int checkin_field(const char *body, size_t len, const char *name, char *out, size_t size)
{
	int r = page_form_get(body, len, name, out, size);

	if (r == MT_ENOTFOUND) {
		out[0] = '\0';
		return 0;
	}
	return r;
}

/* Validates the typed values like the API (POST .../waitees) does. 0 with
 * *p filled, or MT_EINVAL with *why a message for the guest. */
static int checkin_validate(const struct checkin_form *f, int quote, struct mt_waitee_patch *p, const char **why)
{
	struct mt_codec_err err;
	cJSON *body = cJSON_CreateObject();
	char *end = NULL;
	long party;
	int r;

	if (body == NULL)
		return MT_ENOMEM;
	party = strtol(f->party, &end, 10);
	if (f->party[0] == '\0' || end == NULL || *end != '\0' || party < MT_PARTY_MIN || party > MT_PARTY_MAX) {
		cJSON_Delete(body);
		*why = "Party size must be a number from 1 to 50.";
		return MT_EINVAL;
	}
	if (cJSON_AddStringToObject(body, "name", f->name) == NULL ||
	    cJSON_AddNumberToObject(body, "partySize", (double)party) == NULL ||
	    (f->phone[0] && cJSON_AddStringToObject(body, "phoneNumber", f->phone) == NULL) ||
	    (quote > 0 && cJSON_AddNumberToObject(body, "quotedMinutes", quote) == NULL)) {
		cJSON_Delete(body);
		return MT_ENOMEM;
	}
	r = mt_codec_waitee_parse(body, 1, p, &err);
	cJSON_Delete(body);
	if (r < 0) {
		if (strcmp(err.field, "name") == 0)
			*why = "Please enter your name (up to 200 characters).";
		else if (strcmp(err.field, "phoneNumber") == 0)
			*why = "That phone number does not look right. Use the country code, e.g. +1 415 555 0100.";
		else
			*why = "Please check the form.";
	}
	return r;
}

/* POST: adds the walk-in. */
static cJSON *checkin_post(struct mt_ctx *ctx, const cJSON *event, struct checkin_ctx *c)
{
	const char *ip = mt_event_source_ip(event);
	struct checkin_form f;
	struct mt_waitee_patch p;
	struct mt_waitee w;
	char csrf[MT_CSRF_LEN + 2], honey[64];
	const char *why = NULL;
	char *body = NULL;
	size_t len = 0;
	cJSON *resp;
	int r;

	r = mt_event_body(event, &body, &len);
	if (r < 0)
		return page_message(r == MT_ETOOBIG ? 413 : 400, "Something went wrong", "The form could not be read.");
	if (page_form_get(body, len, "csrf", csrf, sizeof csrf) != 0 ||
	    !mt_guest_csrf_ok(&ctx->cfg, c->slug, csrf, mt_now(ctx))) {
		free(body);
		return page_message(403, "This page is out of date", "Please go back, reload the page and try again.");
	}
	if (!page_limit_hit(&page_limit_checkin_ip, ip ? ip : "-", mt_now(ctx)) ||
	    !page_limit_hit(&page_limit_checkin_list, c->wl.id, mt_now(ctx))) {
		free(body);
		resp = page_message(429, "Too many sign-ups",
				    "Too many parties joined from here just now. Please wait a few minutes or see the host stand.");
		if (resp != NULL && mt_resp_header(resp, "retry-after", "600") < 0) {
			cJSON_Delete(resp);
			resp = NULL;
		}
		return resp;
	}
	memset(&f, 0, sizeof f);
	r = checkin_field(body, len, "website", honey, sizeof honey);
	if (r == 0 && honey[0] != '\0') {
		free(body);
		return page_message(400, "Please see the host stand", "We could not add you to the list online.");
	}
	if (r == 0)
		r = checkin_field(body, len, "name", f.name, sizeof f.name);
	if (r == 0)
		r = checkin_field(body, len, "party", f.party, sizeof f.party);
	if (r == 0)
		r = checkin_field(body, len, "phone", f.phone, sizeof f.phone);
	free(body);
	if (r == MT_EINVAL) {
		memset(&f, 0, sizeof f);
		why = "The form could not be read (a field is too long or holds characters we do not accept).";
	} else if (r < 0) {
		return NULL;
	}
	if ((r = checkin_wait(ctx, c)) < 0)
		return checkin_fail(r);
	if (why == NULL && (r = checkin_validate(&f, c->quote, &p, &why)) == MT_ENOMEM)
		return NULL;
	if (why != NULL)
		return checkin_form_page(ctx, c, 400, why, &f);
	r = waitees_add(ctx, &c->wl, &p, "self", NULL, &activity_guest, "self check-in", &w);
	if (r < 0)
		return checkin_fail(r == MT_ENOTFOUND ? MT_EIO : r);
	{
		char loc[MT_URL_MAX + 1];
		const char *path = strstr(w.guest_url, "/g/");

		snprintf(loc, sizeof loc, "%s", path ? path : "/");
		return page_redirect(loc);
	}
}

/* Dispatches GET and POST /j/{slug}. */
cJSON *handler_checkin(struct mt_ctx *ctx, const cJSON *event)
{
	const char *route = mt_event_route(event);
	struct checkin_ctx c;
	int r;

	if (ctx == NULL || ctx->store == NULL)
		return page_message(500, "Please try again", "The service is not set up.");
	if (route == NULL || (strcmp(route, "GET /j/{slug}") != 0 && strcmp(route, "POST /j/{slug}") != 0))
		return page_message(404, "Not found", "There is no such page.");
	r = checkin_resolve(ctx, event, &c);
	if (r < 0)
		return checkin_fail(r);
	if (route[0] == 'P')
		return checkin_post(ctx, event, &c);
	r = checkin_wait(ctx, &c);
	if (r < 0)
		return checkin_fail(r);
	return checkin_form_page(ctx, &c, 200, NULL, NULL);
}
