/* Records: JSON -> structs, clear, copy, reference-counted lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Member lookup that expects the server's order: the member after the last one
 * found is tried first (one strcmp per field instead of a scan per field). */
struct jcur {
	const cJSON *o;      /* the object */
	const cJSON *next;   /* the member after the last one found */
};

/* The member key of the cursor's object, or NULL. */
static const cJSON *jget(struct jcur *c, const char *key)
{
	const cJSON *v = c->next;
	if (v == NULL || v->string == NULL || strcmp(v->string, key) != 0)
		v = cJSON_GetObjectItemCaseSensitive(c->o, key);
	if (v != NULL)
		c->next = v->next;
	return v;
}

/* A string member copied (NULL when absent or null); *bad set when it has another type. */
static char *json_str(struct jcur *o, const char *key, int *bad, int *nomem)
{
	const cJSON *v = jget(o, key);
	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v)) {
		*bad = 1;
		return NULL;
	}
	char *s = mtc_strdup(v->valuestring);
	if (s == NULL)
		*nomem = 1;
	return s;
}

/* A required string member copied; "" when absent or null. */
static char *json_str0(struct jcur *o, const char *key, int *bad, int *nomem)
{
	char *s = json_str(o, key, bad, nomem);
	if (s == NULL && !*nomem) {
		s = mtc_strdup("");
		if (s == NULL)
			*nomem = 1;
	}
	return s;
}

/* A number member as int64 (0 when absent or null). */
static int64_t json_i64(struct jcur *o, const char *key, int *bad)
{
	const cJSON *v = jget(o, key);
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	/* past +-9e15 a double is no longer an exact integer, and past int64 the
	 * cast is undefined: such an answer is malformed, not a huge number */
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= -9e15 && v->valuedouble <= 9e15)) {
		*bad = 1;
		return 0;
	}
	return (int64_t)v->valuedouble;
}

/* A string member into a fixed buffer ("" when absent). */
static void json_fixed(struct jcur *o, const char *key, char *buf, size_t size, int *bad)
{
	const cJSON *v = jget(o, key);
	buf[0] = '\0';
	if (v == NULL || cJSON_IsNull(v))
		return;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= size) {
		*bad = 1;
		return;
	}
	snprintf(buf, size, "%s", v->valuestring);
}

/* Fills w from a Waitlist object. */
enum mtc_error mtc_parse_waitlist(const cJSON *obj, struct mtc_waitlist *w)
{
	struct jcur cur = { obj, obj != NULL ? obj->child : NULL }, *o = &cur;
	int bad = 0, nomem = 0;
	memset(w, 0, sizeof *w);
	if (!cJSON_IsObject(obj))
		return MTC_ERR_BAD_ANSWER;
	json_fixed(o, "id", w->id, sizeof w->id, &bad);
	w->name = json_str0(o, "name", &bad, &nomem);
	w->description = json_str0(o, "description", &bad, &nomem);
	w->created_at = json_i64(o, "createdAt", &bad);
	w->updated_at = json_i64(o, "updatedAt", &bad);
	w->version = json_i64(o, "version", &bad);
	const cJSON *t = jget(o, "templates");
	if (cJSON_IsObject(t)) {
		struct jcur tc = { t, t->child };
		w->templates.joined = json_str(&tc, "joined", &bad, &nomem);
		w->templates.ready = json_str(&tc, "ready", &bad, &nomem);
		w->templates.reminder = json_str(&tc, "reminder", &bad, &nomem);
	}
	if (nomem || bad || w->id[0] == '\0') {
		mtc_waitlist_clear(w);
		return nomem ? MTC_ERR_NOMEM : MTC_ERR_BAD_ANSWER;
	}
	return MTC_OK;
}

/* Maps lastResult. */
static enum mtc_send_result send_result_parse(const char *s)
{
	if (s == NULL)
		return MTC_SEND_NONE;
	if (strcmp(s, "queued") == 0)
		return MTC_SEND_QUEUED;
	if (strcmp(s, "sent") == 0)
		return MTC_SEND_SENT;
	if (strcmp(s, "failed") == 0)
		return MTC_SEND_FAILED;
	return MTC_SEND_NONE;
}

/* Fills w from a Waitee object. */
enum mtc_error mtc_parse_waitee(const cJSON *obj, struct mtc_waitee *w)
{
	struct jcur cur = { obj, obj != NULL ? obj->child : NULL }, *o = &cur;
	int bad = 0, nomem = 0;
	char tmp[32];
	memset(w, 0, sizeof *w);
	if (!cJSON_IsObject(obj))
		return MTC_ERR_BAD_ANSWER;
	json_fixed(o, "id", w->id, sizeof w->id, &bad);
	json_fixed(o, "waitlistId", w->waitlist_id, sizeof w->waitlist_id, &bad);
	w->name = json_str0(o, "name", &bad, &nomem);
	w->phone = json_str(o, "phoneNumber", &bad, &nomem);
	w->email = json_str(o, "email", &bad, &nomem);
	w->party_size = (int)json_i64(o, "partySize", &bad);
	w->notes = json_str0(o, "notes", &bad, &nomem);
	w->quoted_minutes = (int)json_i64(o, "quotedMinutes", &bad);
	json_fixed(o, "status", tmp, sizeof tmp, &bad);
	w->status = mtc_party_status_parse(tmp);
	w->position = (int)json_i64(o, "position", &bad);
	w->joined_at = json_i64(o, "joinedAt", &bad);
	w->notify_at = json_i64(o, "notifyAt", &bad);
	w->notified_at = json_i64(o, "notifiedAt", &bad);
	w->seated_at = json_i64(o, "seatedAt", &bad);
	w->updated_at = json_i64(o, "updatedAt", &bad);
	w->time_to_live = json_i64(o, "timeToLive", &bad);
	w->version = json_i64(o, "version", &bad);
	w->notify_count = (int)json_i64(o, "notifyCount", &bad);
	json_fixed(o, "lastResult", tmp, sizeof tmp, &bad);
	w->last_result = send_result_parse(tmp[0] ? tmp : NULL);
	w->last_reason = json_str(o, "lastReason", &bad, &nomem);
	w->reply = json_str(o, "reply", &bad, &nomem);
	w->reply_at = json_i64(o, "replyAt", &bad);
	json_fixed(o, "previousStatus", tmp, sizeof tmp, &bad);
	w->previous_status = mtc_party_status_parse(tmp[0] ? tmp : NULL);
	w->finished_at = json_i64(o, "finishedAt", &bad);
	const cJSON *src = jget(o, "source");
	if (cJSON_IsString(src) && strlen(src->valuestring) < sizeof w->source)   /* unknown longer values: "" */
		snprintf(w->source, sizeof w->source, "%s", src->valuestring);
	w->guest_url = json_str(o, "guestUrl", &bad, &nomem);
	if (nomem || bad || w->id[0] == '\0') {
		mtc_waitee_clear(w);
		return nomem ? MTC_ERR_NOMEM : MTC_ERR_BAD_ANSWER;
	}
	return MTC_OK;
}

/* Fills a from an Account object. */
enum mtc_error mtc_parse_account(const cJSON *obj, struct mtc_account *a)
{
	struct jcur cur = { obj, obj != NULL ? obj->child : NULL }, *o = &cur;
	int bad = 0, nomem = 0;
	memset(a, 0, sizeof *a);
	if (!cJSON_IsObject(obj))
		return MTC_ERR_BAD_ANSWER;
	json_fixed(o, "id", a->id, sizeof a->id, &bad);
	a->email = json_str0(o, "email", &bad, &nomem);
	a->name = json_str0(o, "name", &bad, &nomem);
	json_fixed(o, "tenantId", a->tenant_id, sizeof a->tenant_id, &bad);
	json_fixed(o, "role", a->role, sizeof a->role, &bad);
	a->created_at = json_i64(o, "createdAt", &bad);
	if (nomem || bad) {
		mtc_account_clear(a);
		return nomem ? MTC_ERR_NOMEM : MTC_ERR_BAD_ANSWER;
	}
	return MTC_OK;
}

/* Frees what a waitlist holds and zeroes it. */
void mtc_waitlist_clear(struct mtc_waitlist *w)
{
	if (w == NULL)
		return;
	free(w->name);
	free(w->description);
	free(w->templates.joined);
	free(w->templates.ready);
	free(w->templates.reminder);
	memset(w, 0, sizeof *w);
}

/* Frees what a waitee holds and zeroes it. */
void mtc_waitee_clear(struct mtc_waitee *w)
{
	if (w == NULL)
		return;
	free(w->name);
	free(w->phone);
	free(w->email);
	free(w->notes);
	free(w->last_reason);
	free(w->reply);
	free(w->guest_url);
	memset(w, 0, sizeof *w);
}

/* Frees what an account holds and zeroes it. */
void mtc_account_clear(struct mtc_account *a)
{
	if (a == NULL)
		return;
	free(a->email);
	free(a->name);
	memset(a, 0, sizeof *a);
}

/* Copies one optional string: 0, or -1 on no memory. */
static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = mtc_strdup(src);
	return *dst == NULL ? -1 : 0;
}

/* Deep copies a waitlist. */
enum mtc_error mtc_waitlist_copy(struct mtc_waitlist *dst, const struct mtc_waitlist *src)
{
	*dst = *src;
	if (dup_opt(&dst->name, src->name) | dup_opt(&dst->description, src->description) |
	    dup_opt(&dst->templates.joined, src->templates.joined) |
	    dup_opt(&dst->templates.ready, src->templates.ready) |
	    dup_opt(&dst->templates.reminder, src->templates.reminder)) {
		mtc_waitlist_clear(dst);
		return MTC_ERR_NOMEM;
	}
	return MTC_OK;
}

/* Deep copies a waitee. */
enum mtc_error mtc_waitee_copy(struct mtc_waitee *dst, const struct mtc_waitee *src)
{
	*dst = *src;
	if (dup_opt(&dst->name, src->name) | dup_opt(&dst->phone, src->phone) |
	    dup_opt(&dst->email, src->email) | dup_opt(&dst->notes, src->notes) |
	    dup_opt(&dst->last_reason, src->last_reason) | dup_opt(&dst->reply, src->reply) |
	    dup_opt(&dst->guest_url, src->guest_url)) {
		mtc_waitee_clear(dst);
		return MTC_ERR_NOMEM;
	}
	return MTC_OK;
}

/* A new empty waitlist list with one reference. */
struct mtc_waitlist_list *mtc_waitlist_list_new(void)
{
	struct mtc_waitlist_list *l = calloc(1, sizeof *l);
	if (l != NULL)
		l->refs_ = 1;
	return l;
}

/* A new empty waitee list with one reference. */
struct mtc_waitee_list *mtc_waitee_list_new(void)
{
	struct mtc_waitee_list *l = calloc(1, sizeof *l);
	if (l != NULL)
		l->refs_ = 1;
	return l;
}

/* Appends n waitlists (moved, or deep-copied when copy). */
enum mtc_error mtc_waitlist_list_append(struct mtc_waitlist_list *l, const struct mtc_waitlist *items, size_t n,
					int copy)
{
	if (n == 0)
		return MTC_OK;
	struct mtc_waitlist *p = realloc(l->items, (l->n + n) * sizeof *p);
	if (p == NULL)
		return MTC_ERR_NOMEM;
	l->items = p;
	for (size_t i = 0; i < n; i++) {
		if (!copy)
			p[l->n] = items[i];
		else if (mtc_waitlist_copy(&p[l->n], &items[i]) != MTC_OK)
			return MTC_ERR_NOMEM;
		l->n++;
	}
	return MTC_OK;
}

/* Appends n waitees (moved, or deep-copied when copy). */
enum mtc_error mtc_waitee_list_append(struct mtc_waitee_list *l, const struct mtc_waitee *items, size_t n, int copy)
{
	if (n == 0)
		return MTC_OK;
	struct mtc_waitee *p = realloc(l->items, (l->n + n) * sizeof *p);
	if (p == NULL)
		return MTC_ERR_NOMEM;
	l->items = p;
	for (size_t i = 0; i < n; i++) {
		if (!copy)
			p[l->n] = items[i];
		else if (mtc_waitee_copy(&p[l->n], &items[i]) != MTC_OK)
			return MTC_ERR_NOMEM;
		l->n++;
	}
	return MTC_OK;
}

/* Takes one more reference. */
struct mtc_waitlist_list *mtc_waitlist_list_ref(struct mtc_waitlist_list *l)
{
	if (l != NULL)
		l->refs_++;
	return l;
}

/* Drops one reference; frees on the last. */
void mtc_waitlist_list_unref(struct mtc_waitlist_list *l)
{
	if (l == NULL || --l->refs_ > 0)
		return;
	for (size_t i = 0; i < l->n; i++)
		mtc_waitlist_clear(&l->items[i]);
	free(l->items);
	free(l);
}

/* Takes one more reference. */
struct mtc_waitee_list *mtc_waitee_list_ref(struct mtc_waitee_list *l)
{
	if (l != NULL)
		l->refs_++;
	return l;
}

/* Drops one reference; frees on the last. */
void mtc_waitee_list_unref(struct mtc_waitee_list *l)
{
	if (l == NULL || --l->refs_ > 0)
		return;
	for (size_t i = 0; i < l->n; i++)
		mtc_waitee_clear(&l->items[i]);
	free(l->items);
	free(l);
}

/* Frees what a result holds and zeroes it. */
void mtc_result_clear(struct mtc_result *r)
{
	if (r == NULL)
		return;
	if (r->waitlist != NULL) {
		mtc_waitlist_clear(r->waitlist);
		free(r->waitlist);
	}
	if (r->waitee != NULL) {
		mtc_waitee_clear(r->waitee);
		free(r->waitee);
	}
	if (r->account != NULL) {
		mtc_account_clear(r->account);
		free(r->account);
	}
	if (r->stats != NULL) {
		mtc_stats_clear(r->stats);
		free(r->stats);
	}
	free(r->estimate);
	mtc_waitlist_list_unref(r->waitlists);
	mtc_waitee_list_unref(r->waitees);
	free(r->staff);
	free(r->restaurant);
	free(r->json);
	memset(r, 0, sizeof *r);
	mtc_status_reset(&r->status);
}
