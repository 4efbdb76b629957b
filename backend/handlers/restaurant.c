/* GET|PUT /restaurant: the caller's restaurant, its name and settings
 * (docs/staff.md). The owner reads and writes it, a manager reads it (the
 * permission table, handlers/access.c). A tenant without a stored record
 * reads as the defaults (version 0); the first PUT creates it. PUT is a
 * partial update conditional on If-Match or a body `version`, like the
 * other records; unknown and server-owned fields are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "core/validate.h"
#include "handlers/access.h"
#include "handlers/crud.h"
#include "handlers/handler.h"
#include "handlers/estcache.h"
#include "handlers/restaurant.h"
#include "handlers/retention.h"
#include "apigw/apigw.h"
#include "store/store.h"

#define RESTAURANT_SMS_MAX 1000000   /* largest smsPerDay accepted */

/* Fills r with the defaults of tenant's restaurant. */
void restaurant_defaults(const char *tenant_id, struct mt_restaurant *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", tenant_id ? tenant_id : "");
	snprintf(r->timezone, sizeof r->timezone, "UTC");
	r->retention_s = MT_RETENTION_DEFAULT_S;
}

/* Loads tenant's restaurant, or its defaults when it has none yet. */
int restaurant_load(const struct mt_ctx *ctx, const char *tenant_id, struct mt_restaurant *out)
{
	int r;

	if (ctx == NULL || ctx->store == NULL || ctx->store->ops->restaurant_get == NULL)
		return MT_EINVAL;
	r = ctx->store->ops->restaurant_get(ctx->store, tenant_id, out);
	if (r == MT_ENOTFOUND) {
		restaurant_defaults(tenant_id, out);
		return 0;
	}
	return r;
}

/* Puts the name guests see into wl->name (a copy: shown, never stored). */
int restaurant_show_name(struct mt_ctx *ctx, struct mt_waitlist *wl)
{
	struct mt_restaurant rest;
	int r = restaurant_load(ctx, wl->tenant_id, &rest);

	if (r == 0 && rest.name[0] != '\0')
		snprintf(wl->name, sizeof wl->name, "%s", rest.name);
	return r;
}

/* 1 for "UTC" or "Area/Location[/More]" with parts of [A-Za-z0-9_+-]. */
int restaurant_tz_valid(const char *tz)
{
	static const char *const areas[] = { "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic",
					     "Australia", "Europe", "Indian", "Pacific", "Etc", NULL };
	const char *slash, *p;
	size_t part = 0, i;
	int parts = 1;

	if (tz == NULL || strlen(tz) > MT_TZ_MAX)
		return 0;
	if (strcmp(tz, "UTC") == 0)
		return 1;
	slash = strchr(tz, '/');
	if (slash == NULL)
		return 0;
	for (i = 0; areas[i] != NULL; i++)
		if (strlen(areas[i]) == (size_t)(slash - tz) && strncmp(tz, areas[i], (size_t)(slash - tz)) == 0)
			break;
	if (areas[i] == NULL)
		return 0;
	for (p = slash + 1; *p; p++) {
		if (*p == '/') {
			if (part == 0)
				return 0;
			part = 0;
			parts++;
			continue;
		}
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '+' || *p == '-'))
			return 0;
		part++;
	}
	return part > 0 && parts <= 3;
}

/* 1 when c is "" or two capital letters (an ISO 3166-1 alpha-2 code). */
int restaurant_country_valid(const char *c)
{
	return c[0] == '\0' || (strlen(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z');
}

/* Adds r's fields to obj. */
int restaurant_to_json(const struct mt_restaurant *r, int full, cJSON *obj)
{
	if (cJSON_AddStringToObject(obj, "name", r->name) == NULL ||
	    cJSON_AddStringToObject(obj, "timezone", r->timezone) == NULL ||
	    cJSON_AddStringToObject(obj, "phoneCountry", r->phone_country) == NULL)
		return MT_ENOMEM;
	if (!full)
		return 0;
	if (cJSON_AddStringToObject(obj, "id", r->id) == NULL ||
	    cJSON_AddNumberToObject(obj, "retentionSeconds", (double)r->retention_s) == NULL ||
	    cJSON_AddNumberToObject(obj, "smsPerDay", r->sms_per_day) == NULL ||
	    cJSON_AddNumberToObject(obj, "createdAt", (double)r->created_at) == NULL ||
	    cJSON_AddNumberToObject(obj, "updatedAt", (double)r->updated_at) == NULL ||
	    cJSON_AddNumberToObject(obj, "version", (double)r->version) == NULL)
		return MT_ENOMEM;
	return 0;
}

/* The 200 answer with r and its ETag. */
static cJSON *restaurant_resp(const struct mt_restaurant *r)
{
	cJSON *b = cJSON_CreateObject(), *resp;
	char etag[32];

	if (b == NULL || restaurant_to_json(r, 1, b) < 0) {
		cJSON_Delete(b);
		return NULL;
	}
	resp = mt_resp(200, b);
	snprintf(etag, sizeof etag, "\"%lld\"", (long long)r->version);
	if (resp != NULL && mt_resp_header(resp, "etag", etag) < 0) {
		cJSON_Delete(resp);
		return NULL;
	}
	return resp;
}

/* Reads a whole number field within [min, max] into *out; NULL or a 400. */
static cJSON *restaurant_int(const cJSON *v, const char *name, int64_t min, int64_t max, int64_t *out)
{
	/* the range first: casting a huge double to an integer is undefined */
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)min && v->valuedouble <= (double)max) ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return mt_resp_error(400, "invalid_field", name, "'%s' must be a whole number from %lld to %lld",
				     name, (long long)min, (long long)max);
	*out = (int64_t)v->valuedouble;
	return NULL;
}

/* Applies the PUT body to r (which holds the current record); NULL or a 400.
 * *version gets the body's `version` (-1 when absent). */
static cJSON *restaurant_apply(const cJSON *body, struct mt_restaurant *r, int64_t *version)
{
	const cJSON *f;
	const char *why = NULL;
	int64_t n = 0;   /* set by restaurant_int before any use */
	cJSON *err;

	*version = -1;
	cJSON_ArrayForEach(f, body) {
		const char *k = f->string;

		if (strcmp(k, "name") == 0) {
			if (!cJSON_IsString(f) || mt_valid_text(f->valuestring, 1, MT_NAME_MAX, 0, &why) < 0)
				return mt_resp_error(400, "invalid_field", "name", "'name' %s (1 to %d bytes of text)",
						     why ? why : "must be a string", MT_NAME_MAX);
			snprintf(r->name, sizeof r->name, "%s", f->valuestring);
		} else if (strcmp(k, "timezone") == 0) {
			if (!cJSON_IsString(f) || !restaurant_tz_valid(f->valuestring))
				return mt_resp_error(400, "invalid_field", "timezone", RESTAURANT_TZ_RULE);
			snprintf(r->timezone, sizeof r->timezone, "%s", f->valuestring);
		} else if (strcmp(k, "phoneCountry") == 0) {
			const char *c = cJSON_IsString(f) ? f->valuestring : NULL;

			if (c == NULL || !restaurant_country_valid(c))
				return mt_resp_error(400, "invalid_field", "phoneCountry", RESTAURANT_COUNTRY_RULE);
			snprintf(r->phone_country, sizeof r->phone_country, "%s", c);
		} else if (strcmp(k, "retentionSeconds") == 0) {
			if ((err = restaurant_int(f, k, MT_RETENTION_MIN_S, MT_RETENTION_MAX_S, &n)) != NULL)
				return err;
			r->retention_s = n;
		} else if (strcmp(k, "smsPerDay") == 0) {
			if ((err = restaurant_int(f, k, 0, RESTAURANT_SMS_MAX, &n)) != NULL)
				return err;
			r->sms_per_day = (int32_t)n;
		} else if (strcmp(k, "version") == 0) {
			if ((err = restaurant_int(f, k, 0, INT64_C(1) << 52, &n)) != NULL)
				return err;
			*version = n;
		} else if (strcmp(k, "id") == 0 || strcmp(k, "createdAt") == 0 || strcmp(k, "updatedAt") == 0) {
			return mt_resp_error(400, "read_only_field", k, "'%s' is set by the server", k);
		} else {
			return mt_resp_error(400, "unknown_field", k, "'%s' is not a field of the restaurant", k);
		}
	}
	return NULL;
}

/* PUT /restaurant. */
static cJSON *restaurant_put(struct mt_ctx *ctx, const cJSON *event, const char *tenant)
{
	struct crud_pre pre = { 0 };
	struct mt_restaurant r;
	int64_t bv, read_version;
	cJSON *body, *resp;
	int rc;

	resp = crud_if_match(event, &pre);
	if (resp != NULL)
		return resp;
	body = mt_event_json_body(event, &resp);
	if (body == NULL)
		return resp;
	rc = restaurant_load(ctx, tenant, &r);
	if (rc < 0) {
		cJSON_Delete(body);
		return mt_resp_from_err(rc, "restaurant");
	}
	resp = restaurant_apply(body, &r, &bv);
	cJSON_Delete(body);
	if (resp != NULL)
		return resp;
	pre.has_body = bv >= 0;
	pre.body = bv;
	resp = crud_check_pre(&pre, r.version, "restaurant");
	if (resp != NULL)
		return resp;
	read_version = r.version;
	r.updated_at = mt_now(ctx);
	if (read_version == 0)
		r.created_at = r.updated_at;
	rc = ctx->store->ops->restaurant_put(ctx->store, &r, read_version);
	if (rc == 0) {
		retention_forget(tenant);   /* the new retention period applies at once here */
		estcache_invalidate();      /* and a new time zone to estimates */
	}
	if (rc == MT_EPRECOND || rc == MT_ECONFLICT || (rc == MT_ENOTFOUND && read_version > 0))
		return crud_lost_race(&pre, "restaurant");
	if (rc < 0)
		return mt_resp_from_err(rc, "restaurant");
	return restaurant_resp(&r);
}

/* Dispatches GET|PUT /restaurant after checking the caller. */
cJSON *handler_restaurant(struct mt_ctx *ctx, const cJSON *event)
{
	const char *route = mt_event_route(event);
	const char *tenant = mt_event_auth(event, "tenantId");
	struct mt_restaurant r;
	cJSON *refused;
	int rc;

	if (tenant == NULL || tenant[0] == '\0' || strlen(tenant) >= MT_ID_SIZE)
		return mt_resp_error(401, "unauthorized", NULL, "a valid access token is required");
	if (ctx == NULL || ctx->store == NULL)
		return mt_resp_error(500, "internal", NULL, "no store configured");
	refused = mt_access_check(event);
	if (refused != NULL)
		return refused;
	if (strcmp(route, "GET /restaurant") == 0) {
		rc = restaurant_load(ctx, tenant, &r);
		if (rc < 0)
			return mt_resp_from_err(rc, "restaurant");
		return restaurant_resp(&r);
	}
	if (strcmp(route, "PUT /restaurant") == 0)
		return restaurant_put(ctx, event, tenant);
	return mt_resp_error(404, "no_route", NULL, "no such route");
}
