/* Waitees (WAITLIST#<id> / WAITEE#<id>) in the DynamoDB store, with the
 * sparse due index (GSI1) and phone index (GSI2) they carry. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/error.h"
#include "store/store-dynamodb-private.h"
static const char *const ddb_status_names[MT_STATUS_COUNT] = {
	"waiting", "notified", "confirmed", "seated", "cancelled", "no_show",
};

/* Status from its stored name (waiting when unknown). */
static enum mt_status ddb_status_parse(const char *s)
{
	int i;

	for (i = 0; s && i < MT_STATUS_COUNT; i++)
		if (strcmp(s, ddb_status_names[i]) == 0)
			return (enum mt_status)i;
	return MT_WAITING;
}

/* 1 for waiting, notified, confirmed. */
static int ddb_status_active(enum mt_status st)
{
	return st == MT_WAITING || st == MT_NOTIFIED || st == MT_CONFIRMED;
}

/* Builds the item of a waitee, with the sparse index keys it qualifies for. */
static cJSON *ddb_waitee_item(const struct store_ddb *s, const struct mt_waitee *w)
{
	cJSON *it = cJSON_CreateObject();
	char pk[MT_ID_SIZE + 10], sk[MT_ID_SIZE + 8], g[64];
	int st = (int)w->status;

	if (it == NULL)
		return NULL;
	if (st < 0 || st >= MT_STATUS_COUNT)
		st = MT_WAITING;
	store_ddb_fmt(pk, sizeof pk, "WAITLIST#", w->waitlist_id);
	store_ddb_fmt(sk, sizeof sk, "WAITEE#", w->id);
	store_ddb_put_s(it, "PK", pk);
	store_ddb_put_s(it, "SK", sk);
	store_ddb_put_s(it, "type", "waitee");
	store_ddb_put_s(it, "id", w->id);
	store_ddb_put_s(it, "waitlistId", w->waitlist_id);
	store_ddb_put_s(it, "tenantId", w->tenant_id);
	store_ddb_put_s(it, "name", w->name);
	store_ddb_put_s(it, "phone", w->phone);
	store_ddb_put_s(it, "email", w->email);
	store_ddb_put_s(it, "notes", w->notes);
	store_ddb_put_n(it, "partySize", w->party_size);
	store_ddb_put_n(it, "quotedMinutes", w->quoted_minutes);
	store_ddb_put_s(it, "status", ddb_status_names[st]);
	store_ddb_put_n(it, "joinedAt", w->joined_at);
	store_ddb_put_n(it, "notifyAt", w->notify_at);
	store_ddb_put_n(it, "notifiedAt", w->notified_at);
	store_ddb_put_n(it, "seatedAt", w->seated_at);
	store_ddb_put_n(it, "updatedAt", w->updated_at);
	store_ddb_put_n(it, "version", w->version);
	store_ddb_put_n(it, "dueAt", w->due_at);
	store_ddb_put_s(it, "notifyKind", w->notify_kind);
	store_ddb_put_n(it, "notifySeq", w->notify_seq);
	store_ddb_put_n(it, "queuedSeq", w->queued_seq);
	store_ddb_put_n(it, "sentSeq", w->sent_seq);
	store_ddb_put_n(it, "notifyCount", w->notify_count);
	store_ddb_put_s(it, "lastResult", w->last_result);
	store_ddb_put_s(it, "lastReason", w->last_reason);
	store_ddb_put_s(it, "reply", w->reply);
	store_ddb_put_n(it, "replyAt", w->reply_at);
	if (w->finished_at > 0 && (int)w->previous_status >= 0 && w->previous_status < MT_STATUS_COUNT) {
		store_ddb_put_n(it, "finishedAt", w->finished_at);
		store_ddb_put_s(it, "previousStatus", ddb_status_names[w->previous_status]);
	}
	if (w->source[0])
		store_ddb_put_s(it, "source", w->source);
	if (w->guest_nonce[0])
		store_ddb_put_s(it, "guestNonce", w->guest_nonce);
	if (w->expires_at > 0)
		store_ddb_put_n(it, "ttl", w->expires_at);
	if (w->due_at > 0) {
		snprintf(g, sizeof g, "DUE#%d", store_ddb_shard(s, w->id));
		store_ddb_put_s(it, "GSI1PK", g);
		snprintf(g, sizeof g, "%016lld#%s", (long long)w->due_at, w->id);
		store_ddb_put_s(it, "GSI1SK", g);
	} else if (w->expires_at > 0) {
		/* a finished party: erased on time at expires_at (guest data) */
		store_ddb_put_erase_key(s, it, w->expires_at, sk);
	}
	if (w->phone[0] && ddb_status_active((enum mt_status)st)) {
		snprintf(g, sizeof g, "PHONE#%s", w->phone);
		store_ddb_put_s(it, "GSI2PK", g);
		store_ddb_put_s(it, "GSI2SK", w->id);
	}
	return it;
}

/* Reads a waitee from its item. */
static void ddb_waitee_read(const cJSON *it, struct mt_waitee *w)
{
	char st[16];

	memset(w, 0, sizeof *w);
	store_ddb_get_s(it, "id", w->id, sizeof w->id);
	store_ddb_get_s(it, "waitlistId", w->waitlist_id, sizeof w->waitlist_id);
	store_ddb_get_s(it, "tenantId", w->tenant_id, sizeof w->tenant_id);
	store_ddb_get_s(it, "name", w->name, sizeof w->name);
	store_ddb_get_s(it, "phone", w->phone, sizeof w->phone);
	store_ddb_get_s(it, "email", w->email, sizeof w->email);
	store_ddb_get_s(it, "notes", w->notes, sizeof w->notes);
	w->party_size = (int)store_ddb_get_n(it, "partySize");
	w->quoted_minutes = (int)store_ddb_get_n(it, "quotedMinutes");
	store_ddb_get_s(it, "status", st, sizeof st);
	w->status = ddb_status_parse(st);
	w->joined_at = store_ddb_get_n(it, "joinedAt");
	w->notify_at = store_ddb_get_n(it, "notifyAt");
	w->notified_at = store_ddb_get_n(it, "notifiedAt");
	w->seated_at = store_ddb_get_n(it, "seatedAt");
	w->updated_at = store_ddb_get_n(it, "updatedAt");
	w->expires_at = store_ddb_get_n(it, "ttl");
	w->version = store_ddb_get_n(it, "version");
	w->due_at = store_ddb_get_n(it, "dueAt");
	store_ddb_get_s(it, "notifyKind", w->notify_kind, sizeof w->notify_kind);
	w->notify_seq = (int32_t)store_ddb_get_n(it, "notifySeq");
	w->queued_seq = (int32_t)store_ddb_get_n(it, "queuedSeq");
	w->sent_seq = (int32_t)store_ddb_get_n(it, "sentSeq");
	w->notify_count = (int32_t)store_ddb_get_n(it, "notifyCount");
	store_ddb_get_s(it, "lastResult", w->last_result, sizeof w->last_result);
	store_ddb_get_s(it, "lastReason", w->last_reason, sizeof w->last_reason);
	store_ddb_get_s(it, "reply", w->reply, sizeof w->reply);
	w->reply_at = store_ddb_get_n(it, "replyAt");
	w->finished_at = store_ddb_get_n(it, "finishedAt");
	if (w->finished_at > 0) {
		store_ddb_get_s(it, "previousStatus", st, sizeof st);
		w->previous_status = ddb_status_parse(st);
	}
	store_ddb_get_s(it, "source", w->source, sizeof w->source);
	store_ddb_get_s(it, "guestNonce", w->guest_nonce, sizeof w->guest_nonce);
	w->position = 0;
}

/* 1 when the item carries a TTL that has passed. */
static int ddb_expired(struct store_ddb *s, const cJSON *it)
{
	int64_t ttl = store_ddb_get_n(it, "ttl");

	return ttl > 0 && ttl <= store_ddb_now_s(s);
}

/* Creates a waitee (MT_ECONFLICT when the id exists). */
int store_ddb_waitee_create(struct store *st, struct mt_waitee *w)
{
	struct store_ddb *s = store_ddb_of(st);
	int64_t v = w->version;
	int rc;

	if (w->id[0] == '\0' || w->waitlist_id[0] == '\0')
		return MT_EINVAL;
	w->version = v > 0 ? v : 1;
	rc = store_ddb_put_item(s, ddb_waitee_item(s, w), -1, NULL);
	if (rc != 0)
		w->version = v;
	w->position = 0;
	return rc;
}

/* Reads a waitee of a list (expired ones are not found). */
int store_ddb_waitee_get(struct store *st, const char *waitlist_id, const char *id,
			  struct mt_waitee *out)
{
	char pk[MT_ID_SIZE + 10], sk[MT_ID_SIZE + 8];
	cJSON *it;
	int rc;

	if (strlen(waitlist_id) > MT_ID_LEN || strlen(id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	store_ddb_fmt(pk, sizeof pk, "WAITLIST#", waitlist_id);
	store_ddb_fmt(sk, sizeof sk, "WAITEE#", id);
	rc = store_ddb_get_item(store_ddb_of(st), pk, sk, &it);
	if (rc != 0)
		return rc;
	if (it == NULL || ddb_expired(store_ddb_of(st), it)) {
		cJSON_Delete(it);
		return MT_ENOTFOUND;
	}
	ddb_waitee_read(it, out);
	cJSON_Delete(it);
	return 0;
}

/* Page consumer: appends a waitee. */
static int ddb_waitee_collect(const cJSON *item, void *ud)
{
	struct mt_waitee *w = store_ddb_vec_push(ud);

	if (w == NULL)
		return MT_ENOMEM;
	ddb_waitee_read(item, w);
	return 0;
}

/* Lists a list's waitees in queue order, skipping expired ones. */
int store_ddb_waitee_list(struct store *st, const char *waitlist_id, const struct store_page *page,
			   struct mt_waitee **items, size_t *n, char **next_cursor)
{
	struct ddb_vec v = { NULL, 0, 0, sizeof(struct mt_waitee) };
	char pk[MT_ID_SIZE + 10];
	int rc;

	*items = NULL;
	*n = 0;
	*next_cursor = NULL;
	if (strlen(waitlist_id) > MT_ID_LEN)
		return MT_EINVAL;
	store_ddb_fmt(pk, sizeof pk, "WAITLIST#", waitlist_id);
	rc = store_ddb_query_page(store_ddb_of(st), pk, "WAITEE#", "attribute_not_exists(#t) OR #t > :now", page,
			    ddb_waitee_collect, &v, next_cursor);
	if (rc != 0) {
		free(v.items);
		return rc;
	}
	*items = v.items;
	*n = v.n;
	return 0;
}

/* Updates a waitee (whole item, index keys recomputed), conditional on version. */
int store_ddb_waitee_update(struct store *st, struct mt_waitee *w, int64_t expected_version)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 10], sk[MT_ID_SIZE + 8];
	int64_t old = w->version;
	cJSON *cur;
	int rc;

	if (w->waitlist_id[0] == '\0' || w->id[0] == '\0')
		return MT_ENOTFOUND;
	w->version = expected_version + 1;
	rc = store_ddb_put_item(s, ddb_waitee_item(s, w), expected_version, &cur);
	if (rc == MT_ECONFLICT) {
		store_ddb_fmt(pk, sizeof pk, "WAITLIST#", w->waitlist_id);
		store_ddb_fmt(sk, sizeof sk, "WAITEE#", w->id);
		rc = store_ddb_tell_failure(s, pk, sk, expected_version, cur);
	}
	if (rc != 0)
		w->version = old;
	return rc;
}

/* Deletes a waitee (MT_ENOTFOUND when absent). */
int store_ddb_waitee_delete(struct store *st, const char *waitlist_id, const char *id)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 10], sk[MT_ID_SIZE + 8];
	cJSON *req;
	int rc;

	if (strlen(waitlist_id) > MT_ID_LEN || strlen(id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	store_ddb_fmt(pk, sizeof pk, "WAITLIST#", waitlist_id);
	store_ddb_fmt(sk, sizeof sk, "WAITEE#", id);
	req = store_ddb_req(s);
	if (req) {
		store_ddb_key(req, pk, sk);
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK)");
	}
	rc = store_ddb_call(s, "DeleteItem", req, NULL, NULL);
	return rc == MT_ECONFLICT ? MT_ENOTFOUND : rc;
}

/* Adds a Select COUNT page's Count to the total at ud (a walk's page callback). */
static int ddb_count_page(const cJSON *resp, void *ud)
{
	*(int *)ud += (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(resp, "Count"));
	return 0;
}

/* Counts active waitees of a list before an id (Select COUNT, paged). */
int store_ddb_waitee_count_active(struct store *st, const char *waitlist_id, const char *before_id,
				   int *count)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 10], hi[MT_ID_SIZE + 8];
	int rc, total = 0;
	struct ddb_walk w = { .page = ddb_count_page, .ud = &total };
	cJSON *req, *vals, *names;

	*count = 0;
	if (strlen(waitlist_id) > MT_ID_LEN || (before_id && strlen(before_id) > MT_ID_LEN))
		return MT_EINVAL;
	store_ddb_fmt(pk, sizeof pk, "WAITLIST#", waitlist_id);
	if (before_id)
		store_ddb_fmt(hi, sizeof hi, "WAITEE#", before_id);
	req = store_ddb_req(s);
	if (req) {
		/* the WAITLIST#<id> partition holds only WAITEE# items */
		cJSON_AddStringToObject(req, "KeyConditionExpression",
					before_id ? "PK = :pk AND SK < :hi" : "PK = :pk");
		cJSON_AddStringToObject(req, "FilterExpression",
					"#s IN (:a, :b, :c) AND (attribute_not_exists(#t) OR #t > :now)");
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		cJSON_AddStringToObject(names, "#s", "status");
		cJSON_AddStringToObject(names, "#t", "ttl");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_val_s(vals, ":pk", pk);
		if (before_id)
			store_ddb_val_s(vals, ":hi", hi);
		store_ddb_val_s(vals, ":a", "waiting");
		store_ddb_val_s(vals, ":b", "notified");
		store_ddb_val_s(vals, ":c", "confirmed");
		store_ddb_put_n(vals, ":now", store_ddb_now_s(s));
		cJSON_AddStringToObject(req, "Select", "COUNT");
		cJSON_AddTrueToObject(req, "ConsistentRead");
	}
	rc = store_ddb_query_walk(s, req, &w);
	if (rc == 0)
		*count = total;
	return rc;
}

/* Orders waitees by (due_at, id). */
static int ddb_due_cmp(const void *a, const void *b)
{
	const struct mt_waitee *x = a, *y = b;

	if (x->due_at != y->due_at)
		return x->due_at < y->due_at ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* What ddb_due_take collects into. */
struct ddb_due {
	struct store_ddb *s;   /* the store */
	struct ddb_vec *v;     /* the waitees taken */
	int64_t now_ms;        /* due at or before this */
};

/* Takes a waitee from the due index when its own item says it is due. */
static int ddb_due_take(const cJSON *it, void *ud)
{
	struct ddb_due *d = ud;
	struct mt_waitee *w;

	if (ddb_expired(d->s, it))
		return 0;
	w = store_ddb_vec_push(d->v);
	if (w == NULL)
		return MT_ENOMEM;
	ddb_waitee_read(it, w);
	/* the index may lag a write: trust only the item's own due_at */
	if (w->due_at <= 0 || w->due_at > d->now_ms) {
		d->v->n--;
		return 0;
	}
	return 1;
}

/* Waitees with 0 < due_at <= now_ms, oldest first: one Query per shard of
 * the sparse GSI1 (O(due)), merged. */
int store_ddb_waitee_list_due(struct store *st, int64_t now_ms, int limit,
			       struct mt_waitee **items, size_t *n)
{
	struct store_ddb *s = store_ddb_of(st);
	struct ddb_vec v = { NULL, 0, 0, sizeof(struct mt_waitee) };
	struct ddb_due d = { s, &v, now_ms };
	char pk[32], hi[64];
	int shard, took, rc = 0;

	*items = NULL;
	*n = 0;
	if (limit < 1)
		return MT_EINVAL;
	if (limit > 1000)
		limit = 1000;
	snprintf(hi, sizeof hi, "%016lld#~", (long long)now_ms);
	for (shard = 0; shard < s->shards && rc == 0; shard++) {
		snprintf(pk, sizeof pk, "DUE#%d", shard);
		rc = store_ddb_query_gsi1(s, pk, hi, limit, ddb_due_take, &d, &took);
	}
	if (rc != 0) {
		free(v.items);
		return rc;
	}
	if (v.n > 1)
		qsort(v.items, v.n, sizeof(struct mt_waitee), ddb_due_cmp);
	if (v.n > (size_t)limit)
		v.n = (size_t)limit;
	*items = v.items;
	*n = v.n;
	return 0;
}

/* What ddb_phone_item needs across a walk of a phone's waitees. */
struct ddb_phone {
	struct store_ddb *s;      /* the store (expiry clock) */
	const char *phone;        /* the phone asked for */
	struct mt_waitee *out;    /* the newest active waitee with it */
	int found;                /* *out is set */
	int other;                /* another tenant's active waitee has it too */
};

/* Looks at one waitee of the phone, newest first: the first active one is
 * the answer; one of another tenant stops the walk (MT_ECONFLICT). */
static int ddb_phone_item(const cJSON *it, void *ud)
{
	struct ddb_phone *p = ud;
	struct mt_waitee w;

	if (ddb_expired(p->s, it))
		return 0;
	ddb_waitee_read(it, &w);
	if (!ddb_status_active(w.status) || strcmp(w.phone, p->phone) != 0)
		return 0;
	if (!p->found) {
		*p->out = w;
		p->found = 1;
	} else if (strcmp(w.tenant_id, p->out->tenant_id) != 0) {
		p->other = 1;
		return DDB_WALK_STOP;
	}
	return 0;
}

/* The most recently joined active waitee with this phone (sparse GSI2);
 * MT_ECONFLICT when active waitees of more than one tenant have it. */
int store_ddb_waitee_find_by_phone(struct store *st, const char *phone, struct mt_waitee *out)
{
	struct store_ddb *s = store_ddb_of(st);
	struct ddb_phone p = { s, phone, out, 0, 0 };
	struct ddb_walk w = { .item = ddb_phone_item, .ud = &p };
	char pk[MT_PHONE_MAX + 16];
	cJSON *req, *vals;
	int rc;

	if (phone == NULL || phone[0] == '\0')
		return MT_EINVAL;
	if (strlen(phone) > MT_PHONE_MAX)
		return MT_ENOTFOUND;
	snprintf(pk, sizeof pk, "PHONE#%s", phone);
	req = store_ddb_req(s);
	if (req) {
		/* past the newest, on to another tenant's (MT_ECONFLICT) or the end, 10 a page */
		cJSON_AddStringToObject(req, "IndexName", "GSI2");
		cJSON_AddStringToObject(req, "KeyConditionExpression", "GSI2PK = :pk");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_val_s(vals, ":pk", pk);
		cJSON_AddFalseToObject(req, "ScanIndexForward");
		cJSON_AddNumberToObject(req, "Limit", 10);
	}
	rc = store_ddb_query_walk(s, req, &w);
	if (rc != 0)
		return rc;
	return p.other ? MT_ECONFLICT : p.found ? 0 : MT_ENOTFOUND;
}
