/* Activity entries as the API shows them (see activity-view.h). */
#include <stdio.h>
#include <string.h>
#include "core/id.h"
#include "handlers/activity-view.h"
#include "store/store.h"

/* Empties the cache. */
void activity_names_init(struct activity_names *c)
{
	c->n = 0;
}

/* The cached slot of id, or NULL. */
static struct activity_name *activity_names_find(struct activity_names *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->items[i].id, id) == 0)
			return &c->items[i];
	return NULL;
}

/* Remembers a name and returns the remembered copy. */
static const char *activity_names_put(struct activity_names *c, const char *id, const char *name)
{
	struct activity_name *slot;

	if (c->n == ACTIVITY_NAMES_MAX)
		c->n = 0;   /* full: start over (a page names few people) */
	slot = &c->items[c->n++];
	snprintf(slot->id, sizeof slot->id, "%s", id);
	snprintf(slot->name, sizeof slot->name, "%s", name);
	return slot->name;
}

/* The current name of account id. */
const char *activity_user_name(struct mt_ctx *ctx, struct activity_names *c, const char *id)
{
	struct activity_name *hit;
	struct mt_user u;

	if (id == NULL || !mt_id_valid(id))
		return "";
	if ((hit = activity_names_find(c, id)) != NULL)
		return hit->name;
	if (ctx->store->ops->user_get(ctx->store, id, &u) != 0)
		u.name[0] = '\0';
	return activity_names_put(c, id, u.name);
}

/* The current name of a party. */
const char *activity_party_name(struct mt_ctx *ctx, struct activity_names *c, const char *wl_id, const char *id)
{
	struct activity_name *hit;
	struct mt_waitee w;

	if (id == NULL || !mt_id_valid(id) || wl_id == NULL || !mt_id_valid(wl_id))
		return "";
	if ((hit = activity_names_find(c, id)) != NULL)
		return hit->name;
	if (ctx->store->ops->waitee_get(ctx->store, wl_id, id, &w) != 0)
		w.name[0] = '\0';
	return activity_names_put(c, id, w.name);
}

/* Adds a JSON text member parsed from text (skipped when empty or malformed). */
static void activity_add_raw(cJSON *o, const char *name, const char *text)
{
	cJSON *v;

	if (text == NULL || text[0] == '\0')
		return;
	v = cJSON_Parse(text);
	if (v != NULL && !cJSON_AddItemToObject(o, name, v))
		cJSON_Delete(v);
}

/* The API object of one entry. */
cJSON *activity_entry_json(struct mt_ctx *ctx, struct activity_names *c, const struct mt_activity *a)
{
	cJSON *o = cJSON_CreateObject(), *actor, *fields;
	const char *p;
	int party = a->waitlist_id[0] != '\0' && a->subject_id[0] != '\0' && a->party_size > 0;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", a->id);
	cJSON_AddNumberToObject(o, "at", (double)a->at);
	cJSON_AddStringToObject(o, "action", a->action);
	actor = cJSON_AddObjectToObject(o, "actor");
	if (actor != NULL) {
		cJSON_AddStringToObject(actor, "kind", a->actor_kind);
		if (a->actor_id[0]) {
			cJSON_AddStringToObject(actor, "id", a->actor_id);
			cJSON_AddStringToObject(actor, "name", activity_user_name(ctx, c, a->actor_id));
		}
	}
	if (party) {
		const char *name = activity_party_name(ctx, c, a->waitlist_id, a->subject_id);

		cJSON_AddStringToObject(o, "waiteeId", a->subject_id);
		cJSON_AddNumberToObject(o, "partySize", a->party_size);
		if (name[0])
			cJSON_AddStringToObject(o, "guestName", name);
	} else if (a->subject_id[0]) {
		cJSON_AddStringToObject(o, "subjectId", a->subject_id);
	}
	fields = cJSON_AddArrayToObject(o, "fields");
	for (p = a->fields; fields != NULL && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char f[64];

		snprintf(f, sizeof f, "%.*s", (int)(len < sizeof f ? len : sizeof f - 1), p);
		cJSON_AddItemToArray(fields, cJSON_CreateString(f));
		p += len + (comma ? 1 : 0);
	}
	activity_add_raw(o, "before", a->before);
	activity_add_raw(o, "after", a->after);
	if (a->detail[0])
		cJSON_AddStringToObject(o, "detail", a->detail);
	return o;
}
