/* Requests of the DynamoDB store: attribute helpers, calls with their error
 * mapping, conditional writes told apart, cursors and paged queries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "core/base64.h"
#include "core/error.h"
#include "core/log.h"
#include "store/store-dynamodb-private.h"
/* Our store from the generic handle. */
struct store_ddb *store_ddb_of(struct store *s)
{
	return (struct store_ddb *)s;
}

/* Logs a back-end failure (never credentials: causes come from aws.c). */
void store_ddb_log(const char *what, const char *cause)
{
	mt_log("error", what, "module", "store-dynamodb", "error", cause ? cause : "failed", (const char *)NULL);
}

/* Epoch seconds now (for TTL filtering). */
int64_t store_ddb_now_s(struct store_ddb *s)
{
	return store_now_ms(&s->base) / 1000;
}

/* Adds {"S": v} under name (skipped when v is empty and skip_empty). */
void store_ddb_put_s(cJSON *item, const char *name, const char *v)
{
	cJSON *a;

	if (v == NULL || v[0] == '\0')
		return;
	a = cJSON_AddObjectToObject(item, name);
	if (a)
		cJSON_AddStringToObject(a, "S", v);
}

/* Adds {"N": "v"} under name. */
void store_ddb_put_n(cJSON *item, const char *name, int64_t v)
{
	char buf[32];
	cJSON *a;

	snprintf(buf, sizeof buf, "%lld", (long long)v);
	a = cJSON_AddObjectToObject(item, name);
	if (a)
		cJSON_AddStringToObject(a, "N", buf);
}

/* The string value of attribute name, or NULL. */
const char *store_ddb_get_sp(const cJSON *item, const char *name)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(item, name);
	const cJSON *s = a ? cJSON_GetObjectItemCaseSensitive(a, "S") : NULL;

	return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* Copies attribute name (S) into dst ("" when absent). */
void store_ddb_get_s(const cJSON *item, const char *name, char *dst, size_t size)
{
	const char *v = store_ddb_get_sp(item, name);
	size_t n = v ? strlen(v) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, v, n);
	dst[n] = '\0';
}

/* The numeric value of attribute name (N), 0 when absent or malformed. */
int64_t store_ddb_get_n(const cJSON *item, const char *name)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(item, name);
	const cJSON *n = a ? cJSON_GetObjectItemCaseSensitive(a, "N") : NULL;
	long long v;
	char *end;

	if (!cJSON_IsString(n))
		return 0;
	errno = 0;
	v = strtoll(n->valuestring, &end, 10);
	if (errno || *end != '\0')
		return 0;
	return (int64_t)v;
}

/* Adds ":name" -> {"S": v} to an ExpressionAttributeValues object. */
void store_ddb_val_s(cJSON *vals, const char *name, const char *v)
{
	cJSON *a = cJSON_AddObjectToObject(vals, name);

	if (a)
		cJSON_AddStringToObject(a, "S", v);
}

/* Makes a request object {"TableName": table}. */
cJSON *store_ddb_req(struct store_ddb *s)
{
	cJSON *r = cJSON_CreateObject();

	if (r)
		cJSON_AddStringToObject(r, "TableName", s->table);
	return r;
}

/* Adds {"Key": {"PK": pk, "SK": sk}} to a request. */
void store_ddb_key(cJSON *req, const char *pk, const char *sk)
{
	cJSON *k = cJSON_AddObjectToObject(req, "Key");

	if (k) {
		store_ddb_put_s(k, "PK", pk);
		store_ddb_put_s(k, "SK", sk);
	}
}

/* Formats into a fixed buffer. */
void store_ddb_fmt(char *dst, size_t size, const char *a, const char *b)
{
	snprintf(dst, size, "%s%s", a, b);
}

/* Sends req (consumed) as operation op; on success *resp is the parsed
 * answer (caller deletes; may be NULL if resp is NULL). Returns 0, or
 * MT_ECONFLICT for ConditionalCheckFailedException, or MT_EIO / MT_EBUSY /
 * MT_ENOMEM. etype (optional, 128 bytes) gets the AWS error type; a caller
 * that asks for it reports failures itself (nothing is logged here).
 * old (optional) gets the "Item" a ConditionalCheckFailedException carries
 * when the request asked for ReturnValuesOnConditionCheckFailure = ALL_OLD
 * (NULL when absent: dynalite does not send it). */
static int ddb_call_ex(struct store_ddb *s, const char *op, cJSON *req, cJSON **resp, char *etype,
		       cJSON **old, int *tries)
{
	struct aws_response r;
	char target[96], *body;
	cJSON *err;
	int rc;

	if (resp)
		*resp = NULL;
	if (old)
		*old = NULL;
	if (etype)
		etype[0] = '\0';
	if (req == NULL)
		return MT_ENOMEM;
	body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (body == NULL)
		return MT_ENOMEM;
	snprintf(target, sizeof target, DDB_PREFIX "%s", op);
	rc = aws_request(s->aws, "dynamodb", target, body, &r);
	free(body);
	if (tries)
		*tries = r.tries;
	if (etype)
		snprintf(etype, 128, "%s", r.error_type);
	if (rc == 0) {
		if (resp) {
			*resp = cJSON_ParseWithLength(r.body, r.body_len);
			if (*resp == NULL) {
				store_ddb_log(op, "answer is not JSON");
				rc = MT_EIO;
			}
		}
	} else if (aws_error_is(&r, "ConditionalCheckFailedException")) {
		rc = MT_ECONFLICT;
		if (old && r.body) {
			err = cJSON_ParseWithLength(r.body, r.body_len);
			*old = cJSON_DetachItemFromObjectCaseSensitive(err, "Item");
			cJSON_Delete(err);
			if (*old && !cJSON_IsObject(*old)) {
				cJSON_Delete(*old);
				*old = NULL;
			}
		}
	} else if (rc != MT_ENOMEM && etype == NULL) {
		store_ddb_log(op, r.cause);
	}
	if (rc != 0 && etype && etype[0] == '\0')
		snprintf(etype, 128, "%s", "transport");
	aws_response_free(&r);
	return rc;
}

/* ddb_call_ex without the failed item. */
int store_ddb_call(struct store_ddb *s, const char *op, cJSON *req, cJSON **resp, char *etype)
{
	return ddb_call_ex(s, op, req, resp, etype, NULL, NULL);
}

/* Sends a write whose condition may fail, asking for the current item with
 * the failure (*old, caller deletes, NULL when not given). */
int store_ddb_call_cond(struct store_ddb *s, const char *op, cJSON *req, cJSON **old)
{
	if (req)
		cJSON_AddStringToObject(req, "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
	return ddb_call_ex(s, op, req, NULL, NULL, old, NULL);
}

/* Makes a random write token (32 hex digits). */
static void ddb_write_token(char tok[33])
{
	unsigned char raw[16];
	size_t i;

	randombytes_buf(raw, sizeof raw);
	for (i = 0; i < sizeof raw; i++)
		snprintf(tok + 2 * i, 3, "%02x", raw[i]);
}

/* 1 when item (may be NULL) carries write token tok. */
static int ddb_has_token(const cJSON *item, const char *tok)
{
	char have[40];

	if (item == NULL)
		return 0;
	store_ddb_get_s(item, "writeToken", have, sizeof have);
	return strcmp(have, tok) == 0;
}

/* 1 when a conditional write with token tok that failed its condition was
 * in fact applied by an earlier send of the same request. *cur is the item
 * the service sent with the failure: checked whenever present (libcurl may
 * re-send a request whose answer was lost on a reused connection inside one
 * attempt, so tries can be 1). Without it (dynalite) the item is read only
 * when the aws layer tried more than once; *cur then holds what was read. */
static int ddb_own_write(struct store_ddb *s, const char *pk, const char *sk, const char *tok, int tries,
			 cJSON **cur)
{
	if (*cur == NULL && tries > 1 && store_ddb_get_item(s, pk, sk, cur) != 0)
		*cur = NULL;
	return ddb_has_token(*cur, tok);
}

/* GetItem (consistent) of pk/sk; *item is the Item (detached, caller
 * deletes) or NULL when absent. */
int store_ddb_get_item(struct store_ddb *s, const char *pk, const char *sk, cJSON **item)
{
	cJSON *req = store_ddb_req(s), *resp = NULL;
	int rc;

	*item = NULL;
	if (req) {
		store_ddb_key(req, pk, sk);
		cJSON_AddTrueToObject(req, "ConsistentRead");
	}
	rc = store_ddb_call(s, "GetItem", req, &resp, NULL);
	if (rc != 0)
		return rc;
	*item = cJSON_DetachItemFromObjectCaseSensitive(resp, "Item");
	cJSON_Delete(resp);
	return 0;
}

/* PutItem of item (consumed) with an optional condition. expected_version
 * >= 0 adds "attribute_exists(PK) AND #v = :v" (and *old gets the current
 * item when the condition fails and the service returns it); -1 adds
 * "attribute_not_exists(PK)"; -2 no condition.
 *
 * A conditional write carries a fresh random `writeToken`. When it fails
 * its condition on an item carrying that token, the failure is our own
 * earlier send (a retry after a timeout or 5xx, or libcurl's re-send after
 * an answer lost on a reused connection), and the write succeeded (0), not
 * a conflict: see ddb_own_write for when the item is checked. */
int store_ddb_put_item(struct store_ddb *s, cJSON *item, int64_t expected_version, cJSON **old)
{
	cJSON *req = store_ddb_req(s), *names, *vals, *cur = NULL;
	char tok[33], pk[600] = "", sk[600] = "";
	int rc, tries = 0;

	if (old)
		*old = NULL;
	if (req == NULL || item == NULL) {
		cJSON_Delete(req);
		cJSON_Delete(item);
		return MT_ENOMEM;
	}
	if (expected_version == -2) {   /* unconditional: nothing to tell apart */
		cJSON_AddItemToObject(req, "Item", item);
		return store_ddb_call(s, "PutItem", req, NULL, NULL);
	}
	ddb_write_token(tok);
	store_ddb_put_s(item, "writeToken", tok);
	store_ddb_get_s(item, "PK", pk, sizeof pk);
	store_ddb_get_s(item, "SK", sk, sizeof sk);
	cJSON_AddItemToObject(req, "Item", item);
	if (expected_version == -1) {
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_not_exists(PK)");
	} else {
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK) AND #v = :v");
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		if (names)
			cJSON_AddStringToObject(names, "#v", "version");
		if (vals)
			store_ddb_put_n(vals, ":v", expected_version);
	}
	cJSON_AddStringToObject(req, "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
	rc = ddb_call_ex(s, "PutItem", req, NULL, NULL, &cur, &tries);
	if (rc == MT_ECONFLICT && ddb_own_write(s, pk, sk, tok, tries, &cur)) {
		cJSON_Delete(cur);
		return 0;
	}
	if (old)
		*old = cur;
	else
		cJSON_Delete(cur);
	return rc;
}

/* A conditional UpdateItem (req consumed: Key, a "SET ..." UpdateExpression,
 * its condition) that also sets a fresh writeToken; as store_ddb_put_item,
 * a condition failure on an item carrying our token is our own earlier
 * send: 0. Otherwise as store_ddb_call_cond (*old: the
 * current item when the service sent it). */
int store_ddb_update_own(struct store_ddb *s, cJSON *req, const char *pk, const char *sk, cJSON **old)
{
	cJSON *expr = cJSON_GetObjectItemCaseSensitive(req, "UpdateExpression"), *names, *vals, *cur = NULL;
	char tok[33], *e;
	int rc, tries = 0;

	*old = NULL;
	if (req == NULL || !cJSON_IsString(expr) || strncmp(expr->valuestring, "SET ", 4) != 0) {
		cJSON_Delete(req);
		return req == NULL ? MT_ENOMEM : MT_EINVAL;
	}
	ddb_write_token(tok);
	e = mt_strf("%s, #wt = :wt", expr->valuestring);
	names = cJSON_GetObjectItemCaseSensitive(req, "ExpressionAttributeNames");
	vals = cJSON_GetObjectItemCaseSensitive(req, "ExpressionAttributeValues");
	if (names == NULL)
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
	if (vals == NULL)
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
	if (e == NULL || names == NULL || vals == NULL ||
	    !cJSON_ReplaceItemInObjectCaseSensitive(req, "UpdateExpression", cJSON_CreateString(e))) {
		free(e);
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	free(e);
	cJSON_AddStringToObject(names, "#wt", "writeToken");
	store_ddb_val_s(vals, ":wt", tok);
	cJSON_AddStringToObject(req, "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
	rc = ddb_call_ex(s, "UpdateItem", req, NULL, NULL, &cur, &tries);
	if (rc == MT_ECONFLICT && ddb_own_write(s, pk, sk, tok, tries, &cur)) {
		cJSON_Delete(cur);
		return 0;
	}
	*old = cur;
	return rc;
}

/* After a failed versioned write: MT_ENOTFOUND when the item is gone (or
 * expired), MT_EPRECOND when its version differs, else MT_ECONFLICT. Uses
 * old (the item returned with the failure, consumed) when given, else one
 * consistent GetItem. */
int store_ddb_tell_failure(struct store_ddb *s, const char *pk, const char *sk,
			    int64_t expected_version, cJSON *old)
{
	cJSON *item = old;
	int64_t ttl;
	int rc = 0;

	if (item == NULL)
		rc = store_ddb_get_item(s, pk, sk, &item);
	if (rc != 0)
		return rc;
	if (item == NULL)
		return MT_ENOTFOUND;
	ttl = store_ddb_get_n(item, "ttl");
	if (ttl > 0 && ttl <= store_ddb_now_s(s))
		rc = MT_ENOTFOUND;
	else if (store_ddb_get_n(item, "version") != expected_version)
		rc = MT_EPRECOND;
	else
		rc = MT_ECONFLICT;
	cJSON_Delete(item);
	return rc;
}

/* Makes a cursor from an item's key (PK, SK, and GSI keys when index != NULL). */
static char *ddb_cursor_make(const cJSON *item, const char *index)
{
	cJSON *k = cJSON_CreateObject();
	char *json, *cur;
	static const char *const base[] = { "PK", "SK", NULL };
	static const char *const g1[] = { "PK", "SK", "GSI1PK", "GSI1SK", NULL };
	const char *const *names = index ? g1 : base;
	int i;

	if (k == NULL)
		return NULL;
	for (i = 0; names[i]; i++)
		store_ddb_put_s(k, names[i], store_ddb_get_sp(item, names[i]));
	json = cJSON_PrintUnformatted(k);
	cJSON_Delete(k);
	if (json == NULL)
		return NULL;
	cur = mt_base64_encode(json, strlen(json), 1);
	free(json);
	if (cur && strlen(cur) > DDB_CURSOR_MAX) {
		free(cur);
		cur = NULL;
	}
	return cur;
}

/* Parses a cursor into an ExclusiveStartKey for partition pk whose SK starts
 * with prefix; NULL (and *bad = 1) when the cursor is not one of ours. */
static cJSON *ddb_cursor_parse(const char *cursor, const char *pk, const char *prefix, int *bad)
{
	unsigned char *buf = NULL;
	size_t len = strlen(cursor), n = 0;
	cJSON *k;
	const char *kpk, *ksk;

	*bad = 1;
	if (len > DDB_CURSOR_MAX || mt_base64_decode(cursor, len, 1, &buf, &n) < 0)
		return NULL;
	k = n > 0 ? cJSON_ParseWithLength((const char *)buf, n) : NULL;
	free(buf);
	if (k == NULL)
		return NULL;
	kpk = store_ddb_get_sp(k, "PK");
	ksk = store_ddb_get_sp(k, "SK");
	if (!cJSON_IsObject(k) || cJSON_GetArraySize(k) != 2 || kpk == NULL || ksk == NULL ||
	    strcmp(kpk, pk) != 0 || strncmp(ksk, prefix, strlen(prefix)) != 0) {
		cJSON_Delete(k);
		return NULL;
	}
	*bad = 0;
	return k;
}

/* What ddb_page_item needs across a key-order walk of one page. */
struct ddb_page_walk {
	int limit;          /* items to hand to fn */
	ddb_item_fn fn;     /* the caller's consumer (0 go on, else stop with that code) */
	void *ud;           /* handed to fn */
	int got;            /* items handed to fn */
	int rc;             /* fn's code when it stopped the walk */
	char *last_cur;     /* cursor of the last item handed to fn (owned) */
	char *next;         /* the page's next cursor once one more item was seen (owned) */
};

/* Hands one item of a key-order walk to fn; the first item beyond the limit
 * only tells that more exist (the cursor is the last item handed out). */
static int ddb_page_item(const cJSON *it, void *ud)
{
	struct ddb_page_walk *p = ud;

	if (p->got == p->limit) {
		p->next = p->last_cur;
		p->last_cur = NULL;
		return DDB_WALK_STOP;
	}
	if ((p->rc = p->fn(it, p->ud)) != 0)
		return DDB_WALK_STOP;
	p->got++;
	free(p->last_cur);
	p->last_cur = ddb_cursor_make(it, NULL);
	return p->last_cur ? 1 : MT_ENOMEM;
}

/* Queries partition pk (SK begins with prefix) in key order, applying
 * filter (optional; values :now are bound), and hands at most limit
 * items to fn. Sets *next to a cursor when more items exist. */
int store_ddb_query_page(struct store_ddb *s, const char *pk, const char *prefix,
			  const char *filter, const struct store_page *page, ddb_item_fn fn,
			  void *ud, char **next)
{
	struct ddb_page_walk p = { .fn = fn, .ud = ud };
	struct ddb_walk w = { .item = ddb_page_item, .ud = &p };
	cJSON *req, *vals, *names;
	int rc, bad;

	*next = NULL;
	p.limit = page ? page->limit : 50;
	if (p.limit < 1 || p.limit > 500)
		return MT_EINVAL;
	w.limit = p.limit + 1;   /* Limit = what is left + 1: the one telling "more" */
	if (page && page->cursor && page->cursor[0]) {
		w.start = ddb_cursor_parse(page->cursor, pk, prefix, &bad);
		if (w.start == NULL)
			return bad ? MT_EINVAL : MT_ENOMEM;
	}
	req = store_ddb_req(s);
	if (req) {
		cJSON_AddStringToObject(req, "KeyConditionExpression", "PK = :pk AND begins_with(SK, :pfx)");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_val_s(vals, ":pk", pk);
		store_ddb_val_s(vals, ":pfx", prefix);
		if (filter) {
			cJSON_AddStringToObject(req, "FilterExpression", filter);
			names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
			cJSON_AddStringToObject(names, "#t", "ttl");
			store_ddb_put_n(vals, ":now", store_ddb_now_s(s));
		}
		cJSON_AddTrueToObject(req, "ConsistentRead");
	}
	rc = store_ddb_query_walk(s, req, &w);
	if (rc == 0)
		rc = p.rc;
	free(p.last_cur);
	if (rc == 0)
		*next = p.next;
	else
		free(p.next);
	return rc;
}

/* Appends room for one element; returns it zeroed or NULL. */
void *store_ddb_vec_push(struct ddb_vec *v)
{
	void *p;
	size_t cap;

	if (v->n == v->cap) {
		cap = v->cap ? v->cap * 2 : 16;
		p = realloc(v->items, cap * v->elem);
		if (p == NULL)
			return NULL;
		v->items = p;
		v->cap = cap;
	}
	p = (char *)v->items + v->n * v->elem;
	memset(p, 0, v->elem);
	v->n++;
	return p;
}

/* Shard of a key in the sharded GSI1 partitions (FNV-1a). */
int store_ddb_shard(const struct store_ddb *s, const char *key)
{
	uint32_t h = 2166136261u;

	while (*key) {
		h ^= (unsigned char)*key++;
		h *= 16777619u;
	}
	return (int)(h % (uint32_t)s->shards);
}

/* Queries GSI1 partition pk for GSI1SK <= hi in index order, page after
 * page, until fn took limit items or the partition ends. */
int store_ddb_query_gsi1(struct store_ddb *s, const char *pk, const char *hi, int limit, ddb_item_fn fn, void *ud,
			 int *took)
{
	struct ddb_walk w = { .limit = limit, .item = fn, .ud = ud };
	cJSON *req = store_ddb_req(s), *vals;
	int rc;

	if (req) {
		cJSON_AddStringToObject(req, "IndexName", "GSI1");
		cJSON_AddStringToObject(req, "KeyConditionExpression", "GSI1PK = :pk AND GSI1SK <= :hi");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_val_s(vals, ":pk", pk);
		store_ddb_val_s(vals, ":hi", hi);
	}
	rc = store_ddb_query_walk(s, req, &w);
	*took = w.took;
	return rc;
}
