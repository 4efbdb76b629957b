/* The activity log, shift handover notes and the guest-data erasure index
 * in the DynamoDB store (issue 10):
 *   ACT#<tenant>#<list or ->  / <entry id>   activity entry (`ttl`)
 *   HAND#<tenant>#<list>      / <note id>    handover note (`ttl`, version)
 * Both page newest first (ScanIndexForward false); the cursor is the last id
 * handed out, base64url, as the SQLite store's.
 *
 * Erasure: the table's TTL may delete an item up to days late (and dynalite
 * never does), which is too late for a guest's name and phone. So items that
 * hold guest data and have a deadline (finished waitees, idempotency records
 * with their stored answer) carry the sparse GSI1 keys EXP#<shard> /
 * <expires_at:016>#<sk>, and purge_expired queries those partitions (O(due),
 * never a Scan) and deletes what is past its deadline. Activity entries and
 * handover notes hold no guest data and are left to the TTL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/base64.h"
#include "core/error.h"
#include "core/id.h"
#include "store/store-dynamodb-private.h"

#define DDB_ACT_PK_SIZE (2 * MT_ID_SIZE + 8)
/* Above every id (Crockford base32 has no '~'). */
#define DDB_ID_TOP "~"

void store_ddb_put_erase_key(const struct store_ddb *s, cJSON *item, int64_t expires_at, const char *key)
{
	char g[600];

	if (expires_at <= 0 || key == NULL)
		return;
	snprintf(g, sizeof g, "EXP#%d", store_ddb_shard(s, key));
	store_ddb_put_s(item, "GSI1PK", g);
	snprintf(g, sizeof g, "%016lld#%.500s", (long long)expires_at, key);
	store_ddb_put_s(item, "GSI1SK", g);
}

/* What ddb_erase_one needs besides the item. */
struct ddb_erase {
	struct store_ddb *s;   /* the store */
	int64_t now_s;         /* now, epoch seconds */
};

/* Deletes one item found in the erasure index when it is still past its
 * deadline (an undo may have given it a new life meanwhile). 1 deleted, 0 not, or MT_E*. */
static int ddb_erase_one(const cJSON *it, void *ud)
{
	const struct ddb_erase *e = ud;
	cJSON *req = store_ddb_req(e->s), *names, *vals;
	const char *pk = store_ddb_get_sp(it, "PK"), *sk = store_ddb_get_sp(it, "SK");
	int rc;

	if (req == NULL)
		return MT_ENOMEM;
	if (pk == NULL || sk == NULL) {
		cJSON_Delete(req);
		return 0;
	}
	store_ddb_key(req, pk, sk);
	cJSON_AddStringToObject(req, "ConditionExpression", "#t <= :now");
	names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
	vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
	cJSON_AddStringToObject(names, "#t", "ttl");
	store_ddb_put_n(vals, ":now", e->now_s);
	rc = store_ddb_call(e->s, "DeleteItem", req, NULL, NULL);
	if (rc == MT_ECONFLICT)
		return 0;
	return rc == 0 ? 1 : rc;
}

int store_ddb_erase_expired(struct store_ddb *s, int64_t now_s, int limit, int *removed)
{
	struct ddb_erase e = { s, now_s };
	char pk[32], hi[40];
	int shard, rc = 0, took;

	*removed = 0;
	snprintf(hi, sizeof hi, "%016lld#~", (long long)now_s);
	for (shard = 0; shard < s->shards && rc == 0 && *removed < limit; shard++) {
		snprintf(pk, sizeof pk, "EXP#%d", shard);
		rc = store_ddb_query_gsi1(s, pk, hi, limit - *removed, ddb_erase_one, &e, &took);
		*removed += took;
	}
	return rc;
}

/* The partition of a (tenant, list) log: "ACT#t#l" ("-" for restaurant-wide). */
static int ddb_act_pk(char *pk, size_t size, const char *prefix, const char *tenant_id, const char *waitlist_id)
{
	if (strlen(tenant_id) > MT_ID_LEN || strlen(waitlist_id) > MT_ID_LEN)
		return MT_EINVAL;
	snprintf(pk, size, "%s%s#%s", prefix, tenant_id, waitlist_id[0] ? waitlist_id : "-");
	return 0;
}

/* Decodes a cursor (base64url of the last id handed out) into below; "" = from the top. */
static int ddb_id_cursor(const struct store_page *page, char below[MT_ID_SIZE])
{
	unsigned char *raw = NULL;
	size_t len = 0;

	snprintf(below, MT_ID_SIZE, "%s", DDB_ID_TOP);
	if (page == NULL || page->limit < 1 || page->limit > 500)
		return MT_EINVAL;
	if (page->cursor == NULL || page->cursor[0] == '\0')
		return 0;
	if (strlen(page->cursor) > DDB_CURSOR_MAX ||
	    mt_base64_decode(page->cursor, strlen(page->cursor), 1, &raw, &len) < 0)
		return MT_EINVAL;
	if (len != MT_ID_LEN) {
		free(raw);
		return MT_EINVAL;
	}
	memcpy(below, raw, MT_ID_LEN);
	below[MT_ID_LEN] = '\0';
	free(raw);
	return mt_id_valid(below) ? 0 : MT_EINVAL;
}

/* What ddb_desc_item needs across a newest-first walk. */
struct ddb_desc {
	const char *below;      /* the cursor's id (its item is passed over) */
	int64_t now_s;          /* items whose ttl is at or before this are expired */
	int limit;              /* items to hand to fn */
	ddb_item_fn fn;         /* the caller's consumer (0 go on, else MT_E*) */
	void *ud;               /* handed to fn */
	int got;                /* items handed to fn */
	int more;               /* a further live item exists */
	char last[MT_ID_SIZE];  /* id of the last item handed to fn */
};

/* Hands one item of a newest-first walk to fn, passing over the cursor's
 * own item (BETWEEN is inclusive) and expired ones; stops at the first
 * live item beyond the limit. */
static int ddb_desc_item(const cJSON *it, void *ud)
{
	struct ddb_desc *d = ud;
	const char *sk = store_ddb_get_sp(it, "SK");
	int64_t ttl = store_ddb_get_n(it, "ttl");
	int rc;

	if (sk == NULL || strcmp(sk, d->below) == 0 || (ttl > 0 && ttl <= d->now_s))
		return 0;
	if (d->got == d->limit) {
		d->more = 1;
		return DDB_WALK_STOP;
	}
	if ((rc = d->fn(it, d->ud)) != 0)
		return rc;
	d->got++;
	snprintf(d->last, sizeof d->last, "%.26s", sk);
	return 1;
}

/* Queries partition pk newest first for ids in [lo, below), skipping
 * expired items; hands at most page->limit items to fn and sets *next. */
static int ddb_query_desc(struct store_ddb *s, const char *pk, const char *lo, const struct store_page *page,
			  ddb_item_fn fn, void *ud, char **next)
{
	char below[MT_ID_SIZE];
	struct ddb_desc d = { .below = below, .now_s = store_ddb_now_s(s), .fn = fn, .ud = ud };
	/* Limit = page->limit - got + 2: room for the cursor's item and the one telling "more" */
	struct ddb_walk w = { .item = ddb_desc_item, .ud = &d, .extra = 1 };
	cJSON *req, *vals;
	int rc;

	*next = NULL;
	if ((rc = ddb_id_cursor(page, below)) < 0)
		return rc;
	d.limit = page->limit;
	w.limit = page->limit + 1;
	req = store_ddb_req(s);
	if (req) {
		cJSON_AddStringToObject(req, "KeyConditionExpression", "PK = :pk AND SK BETWEEN :lo AND :hi");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_val_s(vals, ":pk", pk);
		store_ddb_val_s(vals, ":lo", lo);
		store_ddb_val_s(vals, ":hi", below);
		cJSON_AddFalseToObject(req, "ScanIndexForward");
		cJSON_AddTrueToObject(req, "ConsistentRead");
	}
	rc = store_ddb_query_walk(s, req, &w);
	if (rc == 0 && d.more && d.last[0]) {
		*next = mt_base64_encode(d.last, strlen(d.last), 1);
		if (*next == NULL)
			rc = MT_ENOMEM;
	}
	return rc;
}

/* One page of the log prefix<tenant>#<list> newest first, ids from lo on,
 * read by fn into v (v->items NULL on failure); *n and *next_cursor as
 * the store's list contract says. */
static int ddb_list_desc(struct store_ddb *s, const char *prefix, const char *tenant_id, const char *waitlist_id,
			 const char *lo, const struct store_page *page, ddb_item_fn fn, struct ddb_vec *v, size_t *n,
			 char **next_cursor)
{
	char pk[DDB_ACT_PK_SIZE], *next = NULL;
	int rc;

	*n = 0;
	if (next_cursor)
		*next_cursor = NULL;
	if (tenant_id == NULL || waitlist_id == NULL || ddb_act_pk(pk, sizeof pk, prefix, tenant_id, waitlist_id) < 0)
		return MT_EINVAL;
	rc = ddb_query_desc(s, pk, lo, page, fn, v, &next);
	if (rc != 0) {
		free(v->items);
		v->items = NULL;
		return rc;
	}
	*n = v->n;
	if (next_cursor)
		*next_cursor = next;
	else
		free(next);
	return 0;
}

/* Appends an activity entry. */
int store_ddb_activity_append(struct store *st, const struct mt_activity *a)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[DDB_ACT_PK_SIZE];
	cJSON *it;

	if (a == NULL || !mt_id_valid(a->id) || a->tenant_id[0] == '\0' ||
	    ddb_act_pk(pk, sizeof pk, "ACT#", a->tenant_id, a->waitlist_id) < 0)
		return MT_EINVAL;
	if ((it = cJSON_CreateObject()) == NULL)
		return MT_ENOMEM;
	store_ddb_put_s(it, "PK", pk);
	store_ddb_put_s(it, "SK", a->id);
	store_ddb_put_s(it, "type", "activity");
	store_ddb_put_s(it, "tenantId", a->tenant_id);
	store_ddb_put_s(it, "waitlistId", a->waitlist_id);
	store_ddb_put_n(it, "at", a->at);
	store_ddb_put_s(it, "actorKind", a->actor_kind);
	store_ddb_put_s(it, "actorId", a->actor_id);
	store_ddb_put_s(it, "action", a->action);
	store_ddb_put_s(it, "subjectId", a->subject_id);
	store_ddb_put_n(it, "partySize", a->party_size);
	store_ddb_put_s(it, "fields", a->fields);
	store_ddb_put_s(it, "before", a->before);
	store_ddb_put_s(it, "after", a->after);
	store_ddb_put_s(it, "detail", a->detail);
	store_ddb_put_n(it, "ttl", a->expires_at);
	return store_ddb_put_item(s, it, -1, NULL);
}

/* Reads an activity item into the next slot of a struct ddb_vec. */
static int ddb_activity_read(const cJSON *it, void *ud)
{
	struct mt_activity *a = store_ddb_vec_push(ud);

	if (a == NULL)
		return MT_ENOMEM;
	store_ddb_get_s(it, "SK", a->id, sizeof a->id);
	store_ddb_get_s(it, "tenantId", a->tenant_id, sizeof a->tenant_id);
	store_ddb_get_s(it, "waitlistId", a->waitlist_id, sizeof a->waitlist_id);
	a->at = store_ddb_get_n(it, "at");
	store_ddb_get_s(it, "actorKind", a->actor_kind, sizeof a->actor_kind);
	store_ddb_get_s(it, "actorId", a->actor_id, sizeof a->actor_id);
	store_ddb_get_s(it, "action", a->action, sizeof a->action);
	store_ddb_get_s(it, "subjectId", a->subject_id, sizeof a->subject_id);
	a->party_size = (int)store_ddb_get_n(it, "partySize");
	store_ddb_get_s(it, "fields", a->fields, sizeof a->fields);
	store_ddb_get_s(it, "before", a->before, sizeof a->before);
	store_ddb_get_s(it, "after", a->after, sizeof a->after);
	store_ddb_get_s(it, "detail", a->detail, sizeof a->detail);
	a->expires_at = store_ddb_get_n(it, "ttl");
	return 0;
}

/* Pages through a list's (or the restaurant's) entries, newest first. */
int store_ddb_activity_list(struct store *st, const char *tenant_id, const char *waitlist_id, int64_t since_ms,
			    const struct store_page *page, struct mt_activity **items, size_t *n,
			    char **next_cursor)
{
	struct ddb_vec v = { NULL, 0, 0, sizeof(struct mt_activity) };
	char lo[MT_ID_SIZE];
	int rc;

	mt_id_floor(lo, since_ms > 0 ? since_ms : 0);
	rc = ddb_list_desc(store_ddb_of(st), "ACT#", tenant_id, waitlist_id, lo, page, ddb_activity_read, &v, n,
			   next_cursor);
	*items = v.items;
	return rc;
}

/* The item of a handover note. */
static cJSON *ddb_handover_item(const struct mt_handover *h, int64_t version)
{
	char pk[DDB_ACT_PK_SIZE];
	cJSON *it;

	if (ddb_act_pk(pk, sizeof pk, "HAND#", h->tenant_id, h->waitlist_id) < 0 || (it = cJSON_CreateObject()) == NULL)
		return NULL;
	store_ddb_put_s(it, "PK", pk);
	store_ddb_put_s(it, "SK", h->id);
	store_ddb_put_s(it, "type", "handover");
	store_ddb_put_s(it, "tenantId", h->tenant_id);
	store_ddb_put_s(it, "waitlistId", h->waitlist_id);
	store_ddb_put_s(it, "note", h->note);
	store_ddb_put_s(it, "authorId", h->author_id);
	store_ddb_put_s(it, "authorName", h->author_name);
	store_ddb_put_n(it, "createdAt", h->created_at);
	store_ddb_put_s(it, "ackedBy", h->acked_by);
	store_ddb_put_s(it, "ackedName", h->acked_name);
	store_ddb_put_n(it, "ackedAt", h->acked_at);
	store_ddb_put_n(it, "version", version);
	store_ddb_put_n(it, "ttl", h->expires_at);
	return it;
}

/* Stores a new handover note (version 1). */
int store_ddb_handover_create(struct store *st, struct mt_handover *h)
{
	struct store_ddb *s = store_ddb_of(st);
	cJSON *it;
	int rc;

	if (h == NULL || !mt_id_valid(h->id) || h->tenant_id[0] == '\0' || h->waitlist_id[0] == '\0')
		return MT_EINVAL;
	if ((it = ddb_handover_item(h, 1)) == NULL)
		return MT_ENOMEM;
	rc = store_ddb_put_item(s, it, -1, NULL);
	if (rc == 0)
		h->version = 1;
	return rc;
}

/* Reads a handover item into the next slot of a struct ddb_vec. */
static int ddb_handover_read(const cJSON *it, void *ud)
{
	struct mt_handover *h = store_ddb_vec_push(ud);

	if (h == NULL)
		return MT_ENOMEM;
	store_ddb_get_s(it, "SK", h->id, sizeof h->id);
	store_ddb_get_s(it, "tenantId", h->tenant_id, sizeof h->tenant_id);
	store_ddb_get_s(it, "waitlistId", h->waitlist_id, sizeof h->waitlist_id);
	store_ddb_get_s(it, "note", h->note, sizeof h->note);
	store_ddb_get_s(it, "authorId", h->author_id, sizeof h->author_id);
	store_ddb_get_s(it, "authorName", h->author_name, sizeof h->author_name);
	h->created_at = store_ddb_get_n(it, "createdAt");
	store_ddb_get_s(it, "ackedBy", h->acked_by, sizeof h->acked_by);
	store_ddb_get_s(it, "ackedName", h->acked_name, sizeof h->acked_name);
	h->acked_at = store_ddb_get_n(it, "ackedAt");
	h->version = store_ddb_get_n(it, "version");
	h->expires_at = store_ddb_get_n(it, "ttl");
	return 0;
}

/* Pages through a list's handover notes, newest first. */
int store_ddb_handover_list(struct store *st, const char *tenant_id, const char *waitlist_id,
			    const struct store_page *page, struct mt_handover **items, size_t *n, char **next_cursor)
{
	struct ddb_vec v = { NULL, 0, 0, sizeof(struct mt_handover) };
	int rc;

	rc = ddb_list_desc(store_ddb_of(st), "HAND#", tenant_id, waitlist_id, "0", page, ddb_handover_read, &v, n,
			   next_cursor);
	*items = v.items;
	return rc;
}

/* Rewrites a handover note conditional on its version. */
int store_ddb_handover_update(struct store *st, struct mt_handover *h, int64_t expected_version)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[DDB_ACT_PK_SIZE];
	cJSON *it, *cur = NULL;
	int rc;

	if (h == NULL || ddb_act_pk(pk, sizeof pk, "HAND#", h->tenant_id, h->waitlist_id) < 0)
		return MT_EINVAL;
	if ((it = ddb_handover_item(h, expected_version + 1)) == NULL)
		return MT_ENOMEM;
	rc = store_ddb_put_item(s, it, expected_version, &cur);
	if (rc == MT_ECONFLICT)
		return store_ddb_tell_failure(s, pk, h->id, expected_version, cur);
	cJSON_Delete(cur);
	if (rc == 0)
		h->version = expected_version + 1;
	return rc;
}
