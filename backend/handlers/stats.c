/* Stats and wait estimates of a waitlist (issue 10 parts 5 and 6; docs/stats.md):
 *   GET /waitlists/{waitlistId}/stats?from=&to=&days=&tz=
 *   GET /waitlists/{waitlistId}/estimate?partySize=&tz=
 * and stats_keep (stats.h), which the handlers that move a party call. Both
 * routes read only the list's counter buckets of the asked hours
 * (core/stats.h), never the parties. The time zone is the `tz` parameter,
 * else the restaurant's, else UTC. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apigw/apigw.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "core/log.h"
#include "core/stats.h"
#include "core/tz.h"
#include "handlers/access.h"
#include "handlers/handler.h"
#include "handlers/restaurant.h"
#include "handlers/stats.h"
#include "store/store.h"

#define STATS_RANGE_DAYS_MAX 366      /* longest from..to */
#define STATS_DEFAULT_DAYS 7          /* from..to when neither is given: the last week, today included */

/* Moves the party's contribution (see stats.h). */
void stats_keep(struct mt_ctx *ctx, const struct mt_waitee *before, const struct mt_waitee *after)
{
	struct mt_stat_delta d[2];
	const struct mt_waitee *w = after ? after : before;
	int n, i, r;

	if (ctx == NULL || ctx->store == NULL || ctx->store->ops->stat_add == NULL || w == NULL)
		return;
	mt_stat_changes(before, after, d, &n);
	for (i = 0; i < n; i++) {
		r = ctx->store->ops->stat_add(ctx->store, w->waitlist_id, &d[i]);
		if (r < 0)
			mt_log("error", "stats counters not updated", "waitlistId", w->waitlist_id, "waiteeId", w->id,
			       "error", mt_strerror(r), NULL);
	}
	if (n > 0)
		estcache_invalidate();   /* estimates read these counters */
}

/* Loads the zone for the tenant's answers (see stats.h). */
int stats_tz(struct mt_ctx *ctx, const char *tenant_id, const char *param, struct mt_tz *tz)
{
	struct mt_restaurant rest;
	int r;

	if (param != NULL && *param != '\0')
		return mt_tz_load(param, tz);
	/* the restaurant's zone (UTC by default); UTC when this host has no such zone file */
	if (ctx->store->ops->restaurant_get != NULL && tenant_id != NULL &&
	    restaurant_load(ctx, tenant_id, &rest) == 0 && rest.timezone[0] != '\0') {
		r = mt_tz_load(rest.timezone, tz);
		if (r == 0 || r == MT_ENOMEM)
			return r;
		mt_log("warn", "restaurant time zone unknown here (no zone file; TZDIR): stats in UTC", "tenantId",
		       tenant_id, "timezone", rest.timezone, NULL);
	}
	return mt_tz_load("UTC", tz);
}

/* Loads the zone: ?tz=, else the restaurant's, else UTC. NULL or a 400. */
static cJSON *stats_zone(struct mt_ctx *ctx, const cJSON *event, const char *tenant, struct mt_tz *tz)
{
	int r = stats_tz(ctx, tenant, mt_event_query(event, "tz"), tz);

	if (r == MT_ENOMEM)
		return mt_resp_error(500, "internal", NULL, "out of memory");
	if (r < 0)
		return mt_resp_error(400, "invalid_parameter", "tz", "tz must be an IANA time zone this server knows, "
				     "e.g. Europe/Paris or UTC");
	return NULL;
}

/* Adds a number rounded to `places` decimals, or null when v < 0 and nullable. */
static void stats_num(cJSON *o, const char *k, double v, int places, int nullable)
{
	double f = places == 3 ? 1000.0 : places == 1 ? 10.0 : 1.0;

	if (nullable && v < 0)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, round(v * f) / f);
}

/* Writes a summary of counters v into o. */
static void stats_summary_json(cJSON *o, const int64_t v[MT_STAT_N])
{
	struct mt_stat_summary s;
	cJSON *acc;

	mt_stat_summarize(v, &s);
	cJSON_AddNumberToObject(o, "parties", (double)s.parties);
	cJSON_AddNumberToObject(o, "served", (double)s.served);
	cJSON_AddNumberToObject(o, "covers", (double)s.covers);
	cJSON_AddNumberToObject(o, "cancelled", (double)s.cancelled);
	cJSON_AddNumberToObject(o, "noShow", (double)s.no_show);
	stats_num(o, "noShowRate", s.no_show_rate, 3, 1);
	stats_num(o, "cancelRate", s.cancel_rate, 3, 1);
	stats_num(o, "waitMeanMinutes", s.wait_mean, 1, 1);
	stats_num(o, "waitP50Minutes", s.wait_p50, 0, 1);
	stats_num(o, "waitP90Minutes", s.wait_p90, 0, 1);
	acc = cJSON_AddObjectToObject(o, "quoteAccuracy");
	if (acc != NULL) {
		cJSON_AddNumberToObject(acc, "parties", (double)s.quoted);
		if (s.quoted > 0) {
			stats_num(acc, "meanMinutes", s.accuracy_mean, 1, 0);
			stats_num(acc, "spreadMinutes", s.accuracy_spread, 1, 0);
		} else {
			cJSON_AddNullToObject(acc, "meanMinutes");
			cJSON_AddNullToObject(acc, "spreadMinutes");
		}
	}
}

/* Totals of a stats answer, by local hour and by party size. */
struct stats_acc {
	const struct mt_tz *tz;                          /* zone of the hours */
	int64_t total[MT_STAT_N];                        /* every bucket */
	int64_t by_hour[24][MT_STAT_N];                  /* by local hour joined */
	int64_t by_size[MT_PARTY_MAX + 1][MT_STAT_N];    /* by party size */
	int64_t buckets;                                 /* buckets read */
};

/* stat_range callback: adds a bucket to the totals. */
static int stats_collect(const struct mt_stat_bucket *b, void *ud)
{
	struct stats_acc *a = ud;
	int h = mt_tz_hour(a->tz, b->hour * 3600);

	mt_stat_add(a->total, b->v);
	mt_stat_add(a->by_hour[h], b->v);
	if (b->party_size >= MT_PARTY_MIN && b->party_size <= MT_PARTY_MAX)
		mt_stat_add(a->by_size[b->party_size], b->v);
	a->buckets++;
	return 0;
}

/* Reads ?from= / ?to= (local dates) or ?days= (ending with to) into days; NULL or a 400. */
static cJSON *stats_dates(const cJSON *event, const struct mt_tz *tz, int64_t now_s, int64_t *from, int64_t *to)
{
	const char *f = mt_event_query(event, "from"), *t = mt_event_query(event, "to");
	const char *d = mt_event_query(event, "days");

	*to = mt_tz_day(tz, now_s);
	if (t != NULL && *t != '\0' && mt_date_parse(t, to) < 0)
		return mt_resp_error(400, "invalid_parameter", "to", "to must be a date YYYY-MM-DD");
	*from = *to - (STATS_DEFAULT_DAYS - 1);
	if (d != NULL && *d != '\0') {
		char *end;
		long n = strtol(d, &end, 10);

		if (*end != '\0' || n < 1 || n > STATS_RANGE_DAYS_MAX)
			return mt_resp_error(400, "invalid_parameter", "days", "days must be an integer from 1 to %d",
					     STATS_RANGE_DAYS_MAX);
		if (f != NULL && *f != '\0')
			return mt_resp_error(400, "invalid_parameter", "days", "give from or days, not both");
		*from = *to - (n - 1);
	}
	if (f != NULL && *f != '\0' && mt_date_parse(f, from) < 0)
		return mt_resp_error(400, "invalid_parameter", "from", "from must be a date YYYY-MM-DD");
	if (*from > *to)
		return mt_resp_error(400, "invalid_parameter", "from", "from must not be after to");
	if (*to - *from + 1 > STATS_RANGE_DAYS_MAX)
		return mt_resp_error(400, "invalid_parameter", "from", "at most %d days at once", STATS_RANGE_DAYS_MAX);
	return NULL;
}

/* GET /waitlists/{waitlistId}/stats: the list's counters over local dates from..to. */
static cJSON *stats_get(struct mt_ctx *ctx, const cJSON *event, const struct mt_waitlist *wl)
{
	struct stats_acc *a;
	struct mt_tz tz;
	int64_t from, to, from_s, to_s;
	char d1[16], d2[16];
	cJSON *resp, *body, *arr, *o;
	int r, h, size;

	if ((resp = stats_zone(ctx, event, wl->tenant_id, &tz)) != NULL)
		return resp;
	if ((resp = stats_dates(event, &tz, mt_now(ctx) / 1000, &from, &to)) != NULL) {
		mt_tz_free(&tz);
		return resp;
	}
	if ((a = calloc(1, sizeof *a)) == NULL) {
		mt_tz_free(&tz);
		return NULL;
	}
	a->tz = &tz;
	from_s = mt_tz_to_utc(&tz, from * 86400);
	to_s = mt_tz_to_utc(&tz, (to + 1) * 86400);
	r = ctx->store->ops->stat_range == NULL ? 0
		: ctx->store->ops->stat_range(ctx->store, wl->id, from_s / 3600, (to_s + 3599) / 3600,
					      stats_collect, a);
	if (r < 0) {
		free(a);
		mt_tz_free(&tz);
		return mt_resp_from_err(r, "stats");
	}
	mt_date_format(from, d1, sizeof d1);
	mt_date_format(to, d2, sizeof d2);
	body = cJSON_CreateObject();
	if (body == NULL) {
		free(a);
		mt_tz_free(&tz);
		return NULL;
	}
	cJSON_AddStringToObject(body, "waitlistId", wl->id);
	cJSON_AddStringToObject(body, "timezone", tz.name);
	cJSON_AddStringToObject(body, "from", d1);
	cJSON_AddStringToObject(body, "to", d2);
	o = cJSON_AddObjectToObject(body, "total");
	if (o != NULL)
		stats_summary_json(o, a->total);
	arr = cJSON_AddArrayToObject(body, "byHour");
	for (h = 0; arr != NULL && h < 24; h++) {
		if ((o = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddNumberToObject(o, "hour", h);
		stats_summary_json(o, a->by_hour[h]);
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(body, "byPartySize");
	for (size = MT_PARTY_MIN; arr != NULL && size <= MT_PARTY_MAX; size++) {
		const int64_t *v = a->by_size[size];

		if (v[MT_SC_SEATED] + v[MT_SC_CANCELLED] + v[MT_SC_NO_SHOW] == 0)
			continue;
		if ((o = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddNumberToObject(o, "partySize", size);
		stats_summary_json(o, v);
		cJSON_AddItemToArray(arr, o);
	}
	free(a);
	mt_tz_free(&tz);
	return mt_resp(200, body);
}

/* stat_hours callback: sums the buckets. */
static int stats_sum(const struct mt_stat_bucket *b, void *ud)
{
	mt_stat_add(ud, b->v);
	return 0;
}

/* The list's default quote (minutes) for estimates without enough history. */
static int stats_default_quote(const struct mt_waitlist *wl)
{
	return wl->default_quote > 0 ? wl->default_quote : MT_QUOTE_DEFAULT;
}

/* Fills *e for parties of `size` joining wl at now_s (local hour in tz):
 * the same local hour of each of the last MT_ESTIMATE_DAYS days, today included. */
int stats_estimate(struct mt_ctx *ctx, const struct mt_waitlist *wl, int size, const struct mt_tz *tz,
		   int64_t now_s, struct mt_estimate *e, int *hour)
{
	int64_t hours[MT_ESTIMATE_DAYS], today = mt_tz_day(tz, now_s), *v;
	int h = mt_tz_hour(tz, now_s), d, r = 0;

	*hour = h;
	if ((v = calloc(MT_STAT_N, sizeof *v)) == NULL)
		return MT_ENOMEM;
	for (d = 0; d < MT_ESTIMATE_DAYS; d++)
		hours[d] = mt_tz_to_utc(tz, (today - d) * 86400 + (int64_t)h * 3600) / 3600;
	if (ctx->store->ops->stat_hours != NULL)
		r = ctx->store->ops->stat_hours(ctx->store, wl->id, size, hours, MT_ESTIMATE_DAYS, stats_sum, v);
	if (r == 0)
		mt_stat_estimate(v, stats_default_quote(wl), e);
	free(v);
	return r;
}

/* The estimate in the restaurant's zone, cached (see stats.h). */
int stats_estimate_now(struct mt_ctx *ctx, const struct mt_waitlist *wl, int size, int64_t now_s,
		       struct estcache_val *out)
{
	const struct estcache_key k = { ctx->store, wl->id, wl->version, size, now_s };
	uint64_t gen = estcache_generation();   /* before the reads (estcache.h) */
	int64_t mono = mt_clock_mono_ms();
	struct mt_tz tz;
	int r;

	if (estcache_get(&k, mono, out))
		return 0;
	if ((r = stats_tz(ctx, wl->tenant_id, NULL, &tz)) < 0)
		return r;
	memset(out, 0, sizeof *out);
	r = stats_estimate(ctx, wl, size, &tz, now_s, &out->e, &out->hour);
	snprintf(out->tz, sizeof out->tz, "%s", tz.name);
	mt_tz_free(&tz);
	if (r == 0)
		estcache_put(&k, gen, mono, out);
	return r;
}

/* Writes an estimate as JSON into o. */
void stats_estimate_json(cJSON *o, const struct mt_estimate *e, int size, int hour, const char *tz)
{
	cJSON *range;

	cJSON_AddNumberToObject(o, "partySize", size);
	cJSON_AddNumberToObject(o, "hour", hour);
	cJSON_AddStringToObject(o, "timezone", tz);
	if (e->minutes > 0)
		cJSON_AddNumberToObject(o, "quotedMinutes", e->minutes);
	else
		cJSON_AddNullToObject(o, "quotedMinutes");
	cJSON_AddStringToObject(o, "source", e->source);
	cJSON_AddStringToObject(o, "confidence", e->confidence);
	cJSON_AddNumberToObject(o, "parties", (double)e->parties);
	range = cJSON_AddObjectToObject(o, "waitMinutes");
	if (range != NULL) {
		stats_num(range, "p25", e->p25, 0, 1);
		stats_num(range, "median", e->p50, 0, 1);
		stats_num(range, "p75", e->p75, 0, 1);
	}
}

/* GET /waitlists/{waitlistId}/estimate?partySize=N: the suggested quote for a party joining now. */
static cJSON *stats_estimate_get(struct mt_ctx *ctx, const cJSON *event, const struct mt_waitlist *wl)
{
	const char *q = mt_event_query(event, "partySize"), *zone = mt_event_query(event, "tz");
	struct estcache_val est;
	struct mt_tz tz;
	cJSON *resp, *body;
	char *end = NULL;
	long size = q ? strtol(q, &end, 10) : 0;
	int r;

	if (q == NULL || *q == '\0' || *end != '\0' || size < MT_PARTY_MIN || size > MT_PARTY_MAX)
		return mt_resp_error(400, "invalid_parameter", "partySize", "partySize must be an integer from %d to %d",
				     MT_PARTY_MIN, MT_PARTY_MAX);
	if (zone != NULL && *zone != '\0') {   /* another zone than the restaurant's: not cached */
		if ((resp = stats_zone(ctx, event, wl->tenant_id, &tz)) != NULL)
			return resp;
		r = stats_estimate(ctx, wl, (int)size, &tz, mt_now(ctx) / 1000, &est.e, &est.hour);
		snprintf(est.tz, sizeof est.tz, "%s", tz.name);
		mt_tz_free(&tz);
	} else {
		r = stats_estimate_now(ctx, wl, (int)size, mt_now(ctx) / 1000, &est);
	}
	if (r < 0)
		return mt_resp_from_err(r, "estimate");
	body = cJSON_CreateObject();
	if (body != NULL)
		stats_estimate_json(body, &est.e, (int)size, est.hour, est.tz);
	return body ? mt_resp(200, body) : NULL;
}

/* Dispatches the stats and estimate routes after finding the caller's list. */
cJSON *handler_stats(struct mt_ctx *ctx, const cJSON *event)
{
	const char *route = mt_event_route(event);
	const char *tenant = mt_event_auth(event, "tenantId");
	const char *wl_id = mt_event_path_param(event, "waitlistId");
	struct mt_waitlist wl;
	cJSON *refused;
	int is_stats, r;

	if (tenant == NULL || tenant[0] == '\0' || strlen(tenant) >= MT_ID_SIZE)
		return mt_resp_error(401, "unauthorized", NULL, "a valid access token is required");
	if (ctx == NULL || ctx->store == NULL)
		return mt_resp_error(500, "internal", NULL, "no store configured");
	if (route == NULL)
		return mt_resp_error(404, "no_route", NULL, "no such route");
	if ((refused = mt_access_check(event)) != NULL)   /* hosts estimate, only owner and managers read stats */
		return refused;
	is_stats = strcmp(route, "GET /waitlists/{waitlistId}/stats") == 0;
	if (!is_stats && strcmp(route, "GET /waitlists/{waitlistId}/estimate") != 0)
		return mt_resp_error(404, "no_route", NULL, "no such route");
	if (wl_id == NULL || !mt_id_valid(wl_id))
		return mt_resp_from_err(MT_ENOTFOUND, "waitlist");
	r = ctx->store->ops->waitlist_peek(ctx->store, tenant, wl_id, &wl);
	if (r < 0)
		return mt_resp_from_err(r, "waitlist");
	return is_stats ? stats_get(ctx, event, &wl) : stats_estimate_get(ctx, event, &wl);
}
