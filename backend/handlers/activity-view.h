/* Activity entries as the API shows them (activity.c, handover.c): the
 * entry's JSON with the actor's current name and the party's name joined
 * from the live records, looked up once per page. Internal to handlers/. */
#ifndef MT_ACTIVITY_VIEW_H
#define MT_ACTIVITY_VIEW_H

#include <cjson/cJSON.h>
#include "core/ctx.h"
#include "core/model.h"

#define ACTIVITY_NAMES_MAX 64    /* names remembered per page */

/* One looked-up name: an account's or a party's ("" when gone). */
struct activity_name {
	char id[MT_ID_SIZE];          /* account or waitee id */
	char name[MT_NAME_MAX + 1];   /* its name, "" = not found */
};

/* Names looked up while rendering one page. */
struct activity_names {
	struct activity_name items[ACTIVITY_NAMES_MAX]; /* remembered names */
	size_t n;                                       /* used */
};

/* Empties the cache. */
void activity_names_init(struct activity_names *c);
/* The current name of account id ("" when unknown), cached in c. */
const char *activity_user_name(struct mt_ctx *ctx, struct activity_names *c, const char *id);
/* The current name of a party of list wl_id ("" when gone or erased), cached in c. */
const char *activity_party_name(struct mt_ctx *ctx, struct activity_names *c, const char *wl_id, const char *id);
/* The API object of one entry; NULL when out of memory. */
cJSON *activity_entry_json(struct mt_ctx *ctx, struct activity_names *c, const struct mt_activity *a);

#endif
