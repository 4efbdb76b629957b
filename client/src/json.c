/* Records -> the API's JSON (for --json output and for storing records). */
#include <stdlib.h>
#include "internal.h"

/* Adds a string or null. 0 or -1. */
static int str_or_null(cJSON *o, const char *k, const char *v)
{
	return (v != NULL ? cJSON_AddStringToObject(o, k, v) : cJSON_AddNullToObject(o, k)) == NULL ? -1 : 0;
}

/* Adds a number, or null when v is 0 and nullable. 0 or -1. */
static int num(cJSON *o, const char *k, int64_t v, int nullable)
{
	if (nullable && v == 0)
		return cJSON_AddNullToObject(o, k) == NULL ? -1 : 0;
	return cJSON_AddNumberToObject(o, k, (double)v) == NULL ? -1 : 0;
}

/* A Waitlist object (NULL on no memory). */
static cJSON *waitlist_obj(const struct mtc_waitlist *w)
{
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL;
	if (!f) {
		f |= str_or_null(o, "id", w->id) | str_or_null(o, "name", w->name ? w->name : "") |
		     str_or_null(o, "description", w->description ? w->description : "") |
		     num(o, "createdAt", w->created_at, 0) | num(o, "updatedAt", w->updated_at, 0) |
		     num(o, "version", w->version, 0);
		cJSON *t = cJSON_AddObjectToObject(o, "templates");
		f |= t == NULL;
		if (!f)
			f |= str_or_null(t, "joined", w->templates.joined) | str_or_null(t, "ready", w->templates.ready) |
			     str_or_null(t, "reminder", w->templates.reminder);
	}
	if (f) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* A Waitee object (NULL on no memory). */
static cJSON *waitee_obj(const struct mtc_waitee *w)
{
	static const char *const results[] = { NULL, "queued", "sent", "failed" };
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL;
	if (!f)
		f |= str_or_null(o, "id", w->id) | str_or_null(o, "waitlistId", w->waitlist_id) |
		     str_or_null(o, "name", w->name ? w->name : "") | str_or_null(o, "phoneNumber", w->phone) |
		     str_or_null(o, "email", w->email) | num(o, "partySize", w->party_size, 0) |
		     str_or_null(o, "notes", w->notes ? w->notes : "") | num(o, "quotedMinutes", w->quoted_minutes, 0) |
		     str_or_null(o, "status", mtc_party_status_name(w->status)) | num(o, "position", w->position, 0) |
		     num(o, "joinedAt", w->joined_at, 0) | num(o, "notifyAt", w->notify_at, 1) |
		     num(o, "notifiedAt", w->notified_at, 1) | num(o, "seatedAt", w->seated_at, 1) |
		     num(o, "updatedAt", w->updated_at, 0) | num(o, "timeToLive", w->time_to_live, 1) |
		     num(o, "version", w->version, 0) | num(o, "notifyCount", w->notify_count, 0) |
		     str_or_null(o, "lastResult", (unsigned)w->last_result < 4 ? results[w->last_result] : NULL) |
		     str_or_null(o, "lastReason", w->last_reason) | str_or_null(o, "reply", w->reply) |
		     num(o, "replyAt", w->reply_at, 1) |
		     str_or_null(o, "previousStatus", w->previous_status != MTC_PARTY_UNKNOWN
							      ? mtc_party_status_name(w->previous_status) : NULL) |
		     num(o, "finishedAt", w->finished_at, 1);
	if (!f && w->source[0] != '\0')   /* only servers that know self check-in send these */
		f |= str_or_null(o, "source", w->source) | str_or_null(o, "guestUrl", w->guest_url);
	if (f) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Prints and deletes o. */
static char *print(cJSON *o)
{
	char *s = o != NULL ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return s;
}

/* A waitlist as JSON. */
char *mtc_waitlist_to_json(const struct mtc_waitlist *w)
{
	return w != NULL ? print(waitlist_obj(w)) : NULL;
}

/* A waitee as JSON. */
char *mtc_waitee_to_json(const struct mtc_waitee *w)
{
	return w != NULL ? print(waitee_obj(w)) : NULL;
}

/* An account as JSON. */
char *mtc_account_to_json(const struct mtc_account *a)
{
	if (a == NULL)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL;
	if (!f)
		f |= str_or_null(o, "id", a->id) | str_or_null(o, "email", a->email ? a->email : "") |
		     str_or_null(o, "name", a->name ? a->name : "") | str_or_null(o, "tenantId", a->tenant_id) |
		     str_or_null(o, "role", a->role) | num(o, "createdAt", a->created_at, 0);
	if (f) {
		cJSON_Delete(o);
		return NULL;
	}
	return print(o);
}

/* The waitlists as a JSON array. */
char *mtc_waitlist_list_to_json(const struct mtc_waitlist_list *l)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a != NULL && l != NULL && i < l->n; i++) {
		cJSON *o = waitlist_obj(&l->items[i]);
		if (o == NULL || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
	}
	return print(a);
}

/* The waitees as a JSON array. */
char *mtc_waitee_list_to_json(const struct mtc_waitee_list *l)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a != NULL && l != NULL && i < l->n; i++) {
		cJSON *o = waitee_obj(&l->items[i]);
		if (o == NULL || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
	}
	return print(a);
}
