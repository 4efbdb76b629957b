/* Keeping the stats counters as parties finish (handlers/stats.c; the
 * model is core/stats.h, the routes docs/stats.md). Internal to handlers/. */
#ifndef MT_HANDLERS_STATS_H
#define MT_HANDLERS_STATS_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include "core/model.h"
#include "core/stats.h"
#include "core/tz.h"
#include "handlers/estcache.h"

struct mt_ctx;

/* Moves the party's contribution to the stats counters from what `before`
 * counted to what `after` counts (a party finishing adds, an undo takes
 * away, an edit of a finished party moves it). Call after the write of
 * before -> after succeeded (before NULL: a new party). A failure is
 * logged, not returned: the party's change is stored already. */
void stats_keep(struct mt_ctx *ctx, const struct mt_waitee *before, const struct mt_waitee *after);

/* Loads the time zone of a tenant's stats: param (a `tz` query parameter)
 * when given, else the restaurant's, else UTC. 0, MT_EINVAL (not a zone
 * name), MT_ENOTFOUND (no such zone here) or MT_ENOMEM; mt_tz_free after 0. */
int stats_tz(struct mt_ctx *ctx, const char *tenant_id, const char *param, struct mt_tz *tz);

/* Fills *e for a party of `size` joining wl at epoch second now_s, from the
 * same local hour (in tz; *hour gets it) of the last MT_ESTIMATE_DAYS days.
 * 0 or a negative MT_E* code. */
int stats_estimate(struct mt_ctx *ctx, const struct mt_waitlist *wl, int size, const struct mt_tz *tz,
		   int64_t now_s, struct mt_estimate *e, int *hour);

/* The estimate for a party of `size` joining wl at now_s, in the
 * restaurant's own zone (stats_tz without a parameter), through this
 * thread's estimate cache (handlers/estcache.h: at most ESTCACHE_TTL_MS
 * behind a change made by another process). 0 or a negative MT_E* code. */
int stats_estimate_now(struct mt_ctx *ctx, const struct mt_waitlist *wl, int size, int64_t now_s,
		       struct estcache_val *out);

/* Writes an estimate as the API's JSON members into object o. */
void stats_estimate_json(cJSON *o, const struct mt_estimate *e, int size, int hour, const char *tz);

#endif
