/* The restaurant (the tenant's own record, struct mt_restaurant): loading it
 * with its defaults, checking a name, and the JSON shape shared by
 * GET|PUT /restaurant and the login answer. Internal to handlers/. */
#ifndef MT_HANDLERS_RESTAURANT_H
#define MT_HANDLERS_RESTAURANT_H

#include <cjson/cJSON.h>
#include "core/model.h"

struct mt_ctx;

/* Fills r with the defaults of tenant's restaurant: no name, "UTC", no
 * phone country, MT_RETENTION_DEFAULT_S, the server's sending limit,
 * version 0 (not stored). */
void restaurant_defaults(const char *tenant_id, struct mt_restaurant *r);

/* Loads tenant's restaurant: the stored record, or the defaults when it has
 * none yet. 0 or a negative MT_E* code (the store failed). */
int restaurant_load(const struct mt_ctx *ctx, const char *tenant_id, struct mt_restaurant *out);

/* Puts the name guests see into wl->name (for a copy that is shown, never
 * stored): the restaurant's, or the list's own when the restaurant has
 * none. 0 or a store error. */
int restaurant_show_name(struct mt_ctx *ctx, struct mt_waitlist *wl);

/* 1 when tz is a plausible IANA time zone name ("UTC", "Etc/GMT+5",
 * "America/Argentina/Buenos_Aires"): checked by shape, not against a
 * zone database (Lambda's image has none). */
int restaurant_tz_valid(const char *tz);

/* 1 when c is "" or two capital letters (an ISO 3166-1 alpha-2 code). */
int restaurant_country_valid(const char *c);

/* The 400 messages for a bad time zone and a bad phone country. */
#define RESTAURANT_TZ_RULE "'timezone' must be an IANA time zone name such as \"Europe/Paris\" or \"UTC\""
#define RESTAURANT_COUNTRY_RULE "'phoneCountry' must be an ISO 3166 two-letter code such as \"FR\", or \"\""

/* Adds r's public fields to obj (id, name, timezone, phoneCountry,
 * retentionSeconds, smsPerDay, createdAt, updatedAt, version); full = 0
 * adds only name and timezone (the login answer). 0 or MT_ENOMEM. */
int restaurant_to_json(const struct mt_restaurant *r, int full, cJSON *obj);

#endif
