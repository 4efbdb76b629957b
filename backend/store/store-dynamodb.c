/* The store over DynamoDB's JSON protocol (DynamoDB_20120810.*), one table.
 *
 * Items (docs/dynamodb.md has the full picture):
 *   USER#<email>      / PROFILE          account (unique e-mail: attribute_not_exists)
 *   USERID#<id>       / USERID           pointer id -> e-mail (for user_get)
 *   FAMILY#<fid>      / TOKEN#<hash>     refresh token;   / META  family state
 *   TENANT#<tid>      / WAITLIST#<id>    waitlist
 *   WAITLIST#<id>     / WAITEE#<id>      waitee (ids sort by time = queue order)
 * GSI1 (sparse due index): GSI1PK = DUE#<shard>, GSI1SK = <due_at:016>#<id>,
 *   only while due_at > 0. GSI2 (sparse phone index): GSI2PK = PHONE#<e164>,
 *   GSI2SK = <waitee id>, only on active waitees with a phone.
 * Every update is a conditional PutItem on `version`; a failed condition is
 * told apart (not found / version mismatch) by one consistent GetItem.
 * No Scan and no TransactWriteItems anywhere. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "aws/aws.h"
#include "core/base64.h"
#include "core/error.h"
#include "store/store.h"
#include "store/store-dynamodb.h"

#define DDB_PREFIX "DynamoDB_20120810."
#define DDB_SHARDS_DEFAULT 4
#define DDB_SHARDS_MAX 64
#define DDB_CURSOR_MAX 512

/* A DynamoDB store. */
struct store_ddb {
	struct store base;          /* must be first: ops */
	struct aws_client *aws;     /* signed requests, counters */
	char table[256];            /* table name */
	int shards;                 /* due-index shards */
};

static const struct store_ops store_ddb_ops;

/* Our store from the generic handle. */
static struct store_ddb *ddb_of(struct store *s)
{
	return (struct store_ddb *)s;
}

/* Logs a back-end failure (never credentials: causes come from aws.c). */
static void ddb_log(const char *what, const char *cause)
{
	fprintf(stderr, "store-dynamodb: %s: %s\n", what, cause ? cause : "failed");
}

/* Epoch seconds now (for TTL filtering). */
static int64_t ddb_now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- attribute helpers ---- */

/* Adds {"S": v} under name (skipped when v is empty and skip_empty). */
static void ddb_put_s(cJSON *item, const char *name, const char *v)
{
	cJSON *a;

	if (v == NULL || v[0] == '\0')
		return;
	a = cJSON_AddObjectToObject(item, name);
	if (a)
		cJSON_AddStringToObject(a, "S", v);
}

/* Adds {"N": "v"} under name. */
static void ddb_put_n(cJSON *item, const char *name, int64_t v)
{
	char buf[32];
	cJSON *a;

	snprintf(buf, sizeof buf, "%lld", (long long)v);
	a = cJSON_AddObjectToObject(item, name);
	if (a)
		cJSON_AddStringToObject(a, "N", buf);
}

/* The string value of attribute name, or NULL. */
static const char *ddb_get_sp(const cJSON *item, const char *name)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(item, name);
	const cJSON *s = a ? cJSON_GetObjectItemCaseSensitive(a, "S") : NULL;

	return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* Copies attribute name (S) into dst ("" when absent). */
static void ddb_get_s(const cJSON *item, const char *name, char *dst, size_t size)
{
	const char *v = ddb_get_sp(item, name);
	size_t n = v ? strlen(v) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, v, n);
	dst[n] = '\0';
}

/* The numeric value of attribute name (N), 0 when absent or malformed. */
static int64_t ddb_get_n(const cJSON *item, const char *name)
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
static void ddb_val_s(cJSON *vals, const char *name, const char *v)
{
	cJSON *a = cJSON_AddObjectToObject(vals, name);

	if (a)
		cJSON_AddStringToObject(a, "S", v);
}

/* Makes a request object {"TableName": table}. */
static cJSON *ddb_req(struct store_ddb *s)
{
	cJSON *r = cJSON_CreateObject();

	if (r)
		cJSON_AddStringToObject(r, "TableName", s->table);
	return r;
}

/* Adds {"Key": {"PK": pk, "SK": sk}} to a request. */
static void ddb_key(cJSON *req, const char *pk, const char *sk)
{
	cJSON *k = cJSON_AddObjectToObject(req, "Key");

	if (k) {
		ddb_put_s(k, "PK", pk);
		ddb_put_s(k, "SK", sk);
	}
}

/* Formats into a fixed buffer. */
static void ddb_fmt(char *dst, size_t size, const char *a, const char *b)
{
	snprintf(dst, size, "%s%s", a, b);
}

/* ---- calls ---- */

/* Sends req (consumed) as operation op; on success *resp is the parsed
 * answer (caller deletes; may be NULL if resp is NULL). Returns 0, or
 * MT_ECONFLICT for ConditionalCheckFailedException, or MT_EIO / MT_EBUSY /
 * MT_ENOMEM. etype (optional, 128 bytes) gets the AWS error type; a caller
 * that asks for it reports failures itself (nothing is logged here).
 * old (optional) gets the "Item" a ConditionalCheckFailedException carries
 * when the request asked for ReturnValuesOnConditionCheckFailure = ALL_OLD
 * (NULL when absent: dynalite does not send it). */
static int ddb_call_ex(struct store_ddb *s, const char *op, cJSON *req, cJSON **resp, char *etype,
		       cJSON **old)
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
	if (etype)
		snprintf(etype, 128, "%s", r.error_type);
	if (rc == 0) {
		if (resp) {
			*resp = cJSON_ParseWithLength(r.body, r.body_len);
			if (*resp == NULL) {
				ddb_log(op, "answer is not JSON");
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
		ddb_log(op, r.cause);
	}
	if (rc != 0 && etype && etype[0] == '\0')
		snprintf(etype, 128, "%s", "transport");
	aws_response_free(&r);
	return rc;
}

/* ddb_call_ex without the failed item. */
static int ddb_call(struct store_ddb *s, const char *op, cJSON *req, cJSON **resp, char *etype)
{
	return ddb_call_ex(s, op, req, resp, etype, NULL);
}

/* Sends a write whose condition may fail, asking for the current item with
 * the failure (*old, caller deletes, NULL when not given). */
static int ddb_call_cond(struct store_ddb *s, const char *op, cJSON *req, cJSON **old)
{
	if (req)
		cJSON_AddStringToObject(req, "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
	return ddb_call_ex(s, op, req, NULL, NULL, old);
}

/* GetItem (consistent) of pk/sk; *item is the Item (detached, caller
 * deletes) or NULL when absent. */
static int ddb_get_item(struct store_ddb *s, const char *pk, const char *sk, cJSON **item)
{
	cJSON *req = ddb_req(s), *resp = NULL;
	int rc;

	*item = NULL;
	if (req) {
		ddb_key(req, pk, sk);
		cJSON_AddTrueToObject(req, "ConsistentRead");
	}
	rc = ddb_call(s, "GetItem", req, &resp, NULL);
	if (rc != 0)
		return rc;
	*item = cJSON_DetachItemFromObjectCaseSensitive(resp, "Item");
	cJSON_Delete(resp);
	return 0;
}

/* PutItem of item (consumed) with an optional condition. expected_version
 * >= 0 adds "attribute_exists(PK) AND #v = :v" (and *old gets the current
 * item when the condition fails and the service returns it); -1 adds
 * "attribute_not_exists(PK)"; -2 no condition. */
static int ddb_put_item(struct store_ddb *s, cJSON *item, int64_t expected_version, cJSON **old)
{
	cJSON *req = ddb_req(s), *names, *vals;

	if (req == NULL || item == NULL) {
		cJSON_Delete(req);
		cJSON_Delete(item);
		return MT_ENOMEM;
	}
	cJSON_AddItemToObject(req, "Item", item);
	if (expected_version == -1) {
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_not_exists(PK)");
	} else if (expected_version >= 0) {
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK) AND #v = :v");
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		if (names)
			cJSON_AddStringToObject(names, "#v", "version");
		if (vals)
			ddb_put_n(vals, ":v", expected_version);
	}
	if (old)
		return ddb_call_cond(s, "PutItem", req, old);
	return ddb_call(s, "PutItem", req, NULL, NULL);
}

/* After a failed versioned write: MT_ENOTFOUND when the item is gone (or
 * expired), MT_EPRECOND when its version differs, else MT_ECONFLICT. Uses
 * old (the item returned with the failure, consumed) when given, else one
 * consistent GetItem. */
static int ddb_tell_failure(struct store_ddb *s, const char *pk, const char *sk,
			    int64_t expected_version, cJSON *old)
{
	cJSON *item = old;
	int64_t ttl;
	int rc = 0;

	if (item == NULL)
		rc = ddb_get_item(s, pk, sk, &item);
	if (rc != 0)
		return rc;
	if (item == NULL)
		return MT_ENOTFOUND;
	ttl = ddb_get_n(item, "ttl");
	if (ttl > 0 && ttl <= ddb_now_s())
		rc = MT_ENOTFOUND;
	else if (ddb_get_n(item, "version") != expected_version)
		rc = MT_EPRECOND;
	else
		rc = MT_ECONFLICT;
	cJSON_Delete(item);
	return rc;
}

/* ---- cursors: base64url (core/base64.h) of the last key ---- */

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
		ddb_put_s(k, names[i], ddb_get_sp(item, names[i]));
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
	kpk = ddb_get_sp(k, "PK");
	ksk = ddb_get_sp(k, "SK");
	if (!cJSON_IsObject(k) || cJSON_GetArraySize(k) != 2 || kpk == NULL || ksk == NULL ||
	    strcmp(kpk, pk) != 0 || strncmp(ksk, prefix, strlen(prefix)) != 0) {
		cJSON_Delete(k);
		return NULL;
	}
	*bad = 0;
	return k;
}

/* ---- paged queries ---- */

/* One item consumer for ddb_query_page. */
typedef int (*ddb_item_fn)(const cJSON *item, void *ud);

/* Queries partition pk (SK begins with prefix) in key order, applying
 * filter (optional; values :now are bound), and hands at most limit
 * items to fn. Sets *next to a cursor when more items exist. */
static int ddb_query_page(struct store_ddb *s, const char *pk, const char *prefix,
			  const char *filter, const struct store_page *page, ddb_item_fn fn,
			  void *ud, char **next)
{
	cJSON *start = NULL, *req, *resp, *vals, *names, *items, *it, *lek;
	const cJSON *last = NULL;
	int limit, got = 0, rc = 0, bad, want, i, cnt;
	char *last_cur = NULL;

	*next = NULL;
	limit = page ? page->limit : 50;
	if (limit < 1 || limit > 500)
		return MT_EINVAL;
	if (page && page->cursor && page->cursor[0]) {
		start = ddb_cursor_parse(page->cursor, pk, prefix, &bad);
		if (start == NULL)
			return bad ? MT_EINVAL : MT_ENOMEM;
	}
	for (;;) {
		want = limit - got;
		req = ddb_req(s);
		if (req == NULL) {
			rc = MT_ENOMEM;
			break;
		}
		cJSON_AddStringToObject(req, "KeyConditionExpression", "PK = :pk AND begins_with(SK, :pfx)");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		ddb_val_s(vals, ":pk", pk);
		ddb_val_s(vals, ":pfx", prefix);
		if (filter) {
			cJSON_AddStringToObject(req, "FilterExpression", filter);
			names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
			cJSON_AddStringToObject(names, "#t", "ttl");
			ddb_put_n(vals, ":now", ddb_now_s());
		}
		cJSON_AddTrueToObject(req, "ConsistentRead");
		cJSON_AddNumberToObject(req, "Limit", want + 1);
		if (start) {
			cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
			start = NULL;
		}
		rc = ddb_call(s, "Query", req, &resp, NULL);
		if (rc != 0)
			break;
		items = cJSON_GetObjectItemCaseSensitive(resp, "Items");
		cnt = cJSON_GetArraySize(items);
		for (i = 0; i < cnt; i++) {
			it = cJSON_GetArrayItem(items, i);
			if (got == limit) {
				/* one more exists: the cursor is the last item handed out */
				*next = last_cur;
				last_cur = NULL;
				cJSON_Delete(resp);
				goto done;
			}
			rc = fn(it, ud);
			if (rc != 0)
				break;
			got++;
			last = it;
			free(last_cur);
			last_cur = ddb_cursor_make(last, NULL);
			if (last_cur == NULL) {
				rc = MT_ENOMEM;
				break;
			}
		}
		lek = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
		cJSON_Delete(resp);
		if (rc != 0 || lek == NULL) {
			cJSON_Delete(lek);
			break;
		}
		start = lek;
	}
done:
	cJSON_Delete(start);
	free(last_cur);
	if (rc != 0) {
		free(*next);
		*next = NULL;
	}
	return rc;
}

/* A growable array of records for page collection. */
struct ddb_vec {
	void *items;       /* elements */
	size_t n;          /* used */
	size_t cap;        /* allocated */
	size_t elem;       /* element size */
};

/* Appends room for one element; returns it zeroed or NULL. */
static void *ddb_vec_push(struct ddb_vec *v)
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

/* ---- users ---- */

/* Builds the profile item of an account. */
static cJSON *ddb_user_item(const struct mt_user *u)
{
	cJSON *it = cJSON_CreateObject();
	char pk[MT_EMAIL_MAX + 8];

	if (it == NULL)
		return NULL;
	ddb_fmt(pk, sizeof pk, "USER#", u->email);
	ddb_put_s(it, "PK", pk);
	ddb_put_s(it, "SK", "PROFILE");
	ddb_put_s(it, "type", "user");
	ddb_put_s(it, "id", u->id);
	ddb_put_s(it, "tenantId", u->tenant_id);
	ddb_put_s(it, "email", u->email);
	ddb_put_s(it, "name", u->name);
	ddb_put_s(it, "role", u->role);
	ddb_put_s(it, "passwordHash", u->password_hash);
	ddb_put_n(it, "createdAt", u->created_at);
	ddb_put_n(it, "failedLogins", u->failed_logins);
	ddb_put_n(it, "failWindowStart", u->fail_window_start);
	ddb_put_n(it, "version", u->version);
	return it;
}

/* Reads an account from its profile item. */
static void ddb_user_read(const cJSON *it, struct mt_user *u)
{
	memset(u, 0, sizeof *u);
	ddb_get_s(it, "id", u->id, sizeof u->id);
	ddb_get_s(it, "tenantId", u->tenant_id, sizeof u->tenant_id);
	ddb_get_s(it, "email", u->email, sizeof u->email);
	ddb_get_s(it, "name", u->name, sizeof u->name);
	ddb_get_s(it, "role", u->role, sizeof u->role);
	ddb_get_s(it, "passwordHash", u->password_hash, sizeof u->password_hash);
	u->created_at = ddb_get_n(it, "createdAt");
	u->failed_logins = (int32_t)ddb_get_n(it, "failedLogins");
	u->fail_window_start = ddb_get_n(it, "failWindowStart");
	u->version = ddb_get_n(it, "version");
}

/* Creates an account: two items, written without a transaction (dynalite
 * has none). The id pointer goes first, so a crash between the two writes
 * leaves only an unused pointer: user_get checks that the profile it leads
 * to has the same id, and the e-mail stays free. When the e-mail is taken
 * the pointer is deleted again (best effort; a leftover is as harmless). */
static int ddb_user_create(struct store *st, struct mt_user *u)
{
	struct store_ddb *s = ddb_of(st);
	char ipk[MT_ID_SIZE + 8];
	cJSON *ptr, *req, *vals;
	int64_t v = u->version;
	int rc;

	if (u->email[0] == '\0' || u->id[0] == '\0')
		return MT_EINVAL;
	ddb_fmt(ipk, sizeof ipk, "USERID#", u->id);
	ptr = cJSON_CreateObject();
	if (ptr) {
		ddb_put_s(ptr, "PK", ipk);
		ddb_put_s(ptr, "SK", "USERID");
		ddb_put_s(ptr, "email", u->email);
	}
	rc = ddb_put_item(s, ptr, -1, NULL);
	if (rc != 0)
		return rc;   /* MT_ECONFLICT: the id exists */
	u->version = v > 0 ? v : 1;
	rc = ddb_put_item(s, ddb_user_item(u), -1, NULL);
	if (rc != 0) {
		req = ddb_req(s);
		if (req) {
			ddb_key(req, ipk, "USERID");
			cJSON_AddStringToObject(req, "ConditionExpression", "email = :e");
			vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
			ddb_val_s(vals, ":e", u->email);
		}
		ddb_call(s, "DeleteItem", req, NULL, NULL);
		u->version = v;
		return rc;   /* MT_ECONFLICT: the e-mail exists */
	}
	return 0;
}

/* Looks an account up by e-mail. */
static int ddb_user_get_by_email(struct store *st, const char *email, struct mt_user *out)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_EMAIL_MAX + 8];
	cJSON *it;
	int rc;

	if (email == NULL || strlen(email) > MT_EMAIL_MAX)
		return MT_ENOTFOUND;
	ddb_fmt(pk, sizeof pk, "USER#", email);
	rc = ddb_get_item(s, pk, "PROFILE", &it);
	if (rc != 0)
		return rc;
	if (it == NULL)
		return MT_ENOTFOUND;
	ddb_user_read(it, out);
	cJSON_Delete(it);
	return 0;
}

/* Looks an account up by id (pointer, then profile). */
static int ddb_user_get(struct store *st, const char *user_id, struct mt_user *out)
{
	struct store_ddb *s = ddb_of(st);
	char ipk[MT_ID_SIZE + 8], email[MT_EMAIL_MAX + 1];
	struct mt_user u;
	cJSON *it;
	int rc;

	if (user_id == NULL || strlen(user_id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	ddb_fmt(ipk, sizeof ipk, "USERID#", user_id);
	rc = ddb_get_item(s, ipk, "USERID", &it);
	if (rc != 0)
		return rc;
	if (it == NULL)
		return MT_ENOTFOUND;
	ddb_get_s(it, "email", email, sizeof email);
	cJSON_Delete(it);
	rc = ddb_user_get_by_email(st, email, &u);
	if (rc != 0)
		return rc;
	if (strcmp(u.id, user_id) != 0)
		return MT_ENOTFOUND;
	*out = u;
	return 0;
}

/* Updates an account, conditional on its version (the e-mail is the key
 * and cannot change here). */
static int ddb_user_update(struct store *st, struct mt_user *u, int64_t expected_version)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_EMAIL_MAX + 8];
	int64_t old = u->version;
	cJSON *req, *names, *vals, *cur;
	int rc;

	if (strlen(u->email) == 0)
		return MT_ENOTFOUND;
	ddb_fmt(pk, sizeof pk, "USER#", u->email);
	req = ddb_req(s);
	if (req) {
		ddb_key(req, pk, "PROFILE");
		cJSON_AddStringToObject(req, "UpdateExpression",
					"SET #n = :n, #r = :r, passwordHash = :p, failedLogins = :f, "
					"failWindowStart = :w, #v = :nv");
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK) AND #v = :v");
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		cJSON_AddStringToObject(names, "#n", "name");
		cJSON_AddStringToObject(names, "#r", "role");
		cJSON_AddStringToObject(names, "#v", "version");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		ddb_val_s(vals, ":n", u->name);
		ddb_val_s(vals, ":r", u->role);
		ddb_val_s(vals, ":p", u->password_hash);
		ddb_put_n(vals, ":f", u->failed_logins);
		ddb_put_n(vals, ":w", u->fail_window_start);
		ddb_put_n(vals, ":nv", expected_version + 1);
		ddb_put_n(vals, ":v", expected_version);
	}
	rc = ddb_call_cond(s, "UpdateItem", req, &cur);
	if (rc == MT_ECONFLICT)
		rc = ddb_tell_failure(s, pk, "PROFILE", expected_version, cur);
	if (rc == 0)
		u->version = expected_version + 1;
	if (rc != 0)
		u->version = old;
	return rc;
}

/* ---- refresh tokens ---- */

/* Stores a new refresh token (MT_ECONFLICT when the hash exists). */
static int ddb_refresh_create(struct store *st, const struct mt_refresh *r)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_ID_SIZE + 8], sk[80];
	cJSON *it = cJSON_CreateObject();

	if (it == NULL)
		return MT_ENOMEM;
	ddb_fmt(pk, sizeof pk, "FAMILY#", r->family_id);
	ddb_fmt(sk, sizeof sk, "TOKEN#", r->token_hash);
	ddb_put_s(it, "PK", pk);
	ddb_put_s(it, "SK", sk);
	ddb_put_s(it, "tokenHash", r->token_hash);
	ddb_put_s(it, "familyId", r->family_id);
	ddb_put_s(it, "userId", r->user_id);
	ddb_put_n(it, "createdAt", r->created_at);
	ddb_put_n(it, "expiresAt", r->expires_at);
	ddb_put_n(it, "used", r->used ? 1 : 0);
	if (r->expires_at > 0)
		ddb_put_n(it, "ttl", r->expires_at / 1000 + STORE_REFRESH_KEEP_S);
	return ddb_put_item(s, it, -1, NULL);
}

/* Reads a token and its family state in one BatchGetItem. */
static int ddb_refresh_get(struct store *st, const char *family_id, const char *token_hash,
			   struct mt_refresh *out)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_ID_SIZE + 8], sk[80];
	cJSON *req, *ri, *t, *keys, *k, *resp = NULL, *arr, *it, *unp;
	const char *isk;
	int rc, found = 0, revoked = 0, round, i;

	if (strlen(family_id) > MT_ID_LEN || strlen(token_hash) > 64)
		return MT_ENOTFOUND;
	ddb_fmt(pk, sizeof pk, "FAMILY#", family_id);
	ddb_fmt(sk, sizeof sk, "TOKEN#", token_hash);
	req = cJSON_CreateObject();
	ri = req ? cJSON_AddObjectToObject(req, "RequestItems") : NULL;
	t = ri ? cJSON_AddObjectToObject(ri, s->table) : NULL;
	keys = t ? cJSON_AddArrayToObject(t, "Keys") : NULL;
	if (keys == NULL) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	cJSON_AddTrueToObject(t, "ConsistentRead");
	k = cJSON_CreateObject();
	ddb_put_s(k, "PK", pk);
	ddb_put_s(k, "SK", sk);
	cJSON_AddItemToArray(keys, k);
	k = cJSON_CreateObject();
	ddb_put_s(k, "PK", pk);
	ddb_put_s(k, "SK", "META");
	cJSON_AddItemToArray(keys, k);
	memset(out, 0, sizeof *out);
	for (round = 0; round < 8 && req; round++) {
		rc = ddb_call(s, "BatchGetItem", req, &resp, NULL);
		req = NULL;
		if (rc != 0)
			return rc;
		arr = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "Responses"),
						       s->table);
		for (i = 0; i < cJSON_GetArraySize(arr); i++) {
			it = cJSON_GetArrayItem(arr, i);
			isk = ddb_get_sp(it, "SK");
			if (isk && strcmp(isk, "META") == 0) {
				revoked = ddb_get_n(it, "revoked") != 0;
			} else if (isk && strcmp(isk, sk) == 0) {
				found = 1;
				ddb_get_s(it, "tokenHash", out->token_hash, sizeof out->token_hash);
				ddb_get_s(it, "familyId", out->family_id, sizeof out->family_id);
				ddb_get_s(it, "userId", out->user_id, sizeof out->user_id);
				out->created_at = ddb_get_n(it, "createdAt");
				out->expires_at = ddb_get_n(it, "expiresAt");
				out->used = ddb_get_n(it, "used") != 0;
			}
		}
		unp = cJSON_GetObjectItemCaseSensitive(resp, "UnprocessedKeys");
		if (cJSON_GetArraySize(unp) > 0) {
			req = cJSON_CreateObject();
			if (req)
				cJSON_AddItemToObject(req, "RequestItems",
						      cJSON_DetachItemFromObjectCaseSensitive(resp, "UnprocessedKeys"));
		}
		cJSON_Delete(resp);
		resp = NULL;
	}
	cJSON_Delete(req);
	if (!found)
		return MT_ENOTFOUND;
	out->family_revoked = revoked;
	return 0;
}

/* Marks a token used, once (MT_ECONFLICT on reuse). */
static int ddb_refresh_mark_used(struct store *st, const char *family_id, const char *token_hash)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_ID_SIZE + 8], sk[80];
	cJSON *req = ddb_req(s), *vals, *names, *it;
	int rc;

	if (strlen(family_id) > MT_ID_LEN || strlen(token_hash) > 64) {
		cJSON_Delete(req);
		return MT_ENOTFOUND;
	}
	ddb_fmt(pk, sizeof pk, "FAMILY#", family_id);
	ddb_fmt(sk, sizeof sk, "TOKEN#", token_hash);
	if (req) {
		ddb_key(req, pk, sk);
		cJSON_AddStringToObject(req, "UpdateExpression", "SET #u = :one");
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK) AND #u = :zero");
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		cJSON_AddStringToObject(names, "#u", "used");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		ddb_put_n(vals, ":one", 1);
		ddb_put_n(vals, ":zero", 0);
	}
	rc = ddb_call_cond(s, "UpdateItem", req, &it);
	if (rc != MT_ECONFLICT)
		return rc;
	if (it) {   /* the service sent the token with the failure: it exists */
		cJSON_Delete(it);
		return MT_ECONFLICT;
	}
	rc = ddb_get_item(s, pk, sk, &it);
	if (rc != 0)
		return rc;
	rc = it ? MT_ECONFLICT : MT_ENOTFOUND;
	cJSON_Delete(it);
	return rc;
}

/* Revokes every token of a family (marks the family META item). */
static int ddb_refresh_revoke_family(struct store *st, const char *family_id)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_ID_SIZE + 8];
	cJSON *req = ddb_req(s), *vals, *q, *qv, *resp;
	int rc, found;

	if (strlen(family_id) > MT_ID_LEN) {
		cJSON_Delete(req);
		return MT_ENOTFOUND;
	}
	ddb_fmt(pk, sizeof pk, "FAMILY#", family_id);
	/* the family exists when it has a token: one key-only Query */
	q = ddb_req(s);
	if (q == NULL) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	cJSON_AddStringToObject(q, "KeyConditionExpression", "PK = :pk AND begins_with(SK, :t)");
	cJSON_AddStringToObject(q, "ProjectionExpression", "PK");
	qv = cJSON_AddObjectToObject(q, "ExpressionAttributeValues");
	ddb_val_s(qv, ":pk", pk);
	ddb_val_s(qv, ":t", "TOKEN#");
	cJSON_AddNumberToObject(q, "Limit", 1);
	cJSON_AddTrueToObject(q, "ConsistentRead");
	rc = ddb_call(s, "Query", q, &resp, NULL);
	if (rc != 0) {
		cJSON_Delete(req);
		return rc;
	}
	found = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(resp, "Items")) > 0;
	cJSON_Delete(resp);
	if (!found) {
		cJSON_Delete(req);
		return MT_ENOTFOUND;
	}
	if (req) {
		ddb_key(req, pk, "META");
		cJSON_AddStringToObject(req, "UpdateExpression", "SET revoked = :one");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		ddb_put_n(vals, ":one", 1);
	}
	return ddb_call(s, "UpdateItem", req, NULL, NULL);
}

/* ---- waitlists ---- */

/* Builds the item of a waitlist. */
static cJSON *ddb_waitlist_item(const struct mt_waitlist *w)
{
	cJSON *it = cJSON_CreateObject();
	char pk[MT_ID_SIZE + 8], sk[MT_ID_SIZE + 10];

	if (it == NULL)
		return NULL;
	ddb_fmt(pk, sizeof pk, "TENANT#", w->tenant_id);
	ddb_fmt(sk, sizeof sk, "WAITLIST#", w->id);
	ddb_put_s(it, "PK", pk);
	ddb_put_s(it, "SK", sk);
	ddb_put_s(it, "type", "waitlist");
	ddb_put_s(it, "id", w->id);
	ddb_put_s(it, "tenantId", w->tenant_id);
	ddb_put_s(it, "name", w->name);
	ddb_put_s(it, "description", w->description);
	ddb_put_s(it, "tplJoined", w->tpl_joined);
	ddb_put_s(it, "tplReady", w->tpl_ready);
	ddb_put_s(it, "tplReminder", w->tpl_reminder);
	ddb_put_n(it, "createdAt", w->created_at);
	ddb_put_n(it, "updatedAt", w->updated_at);
	ddb_put_n(it, "version", w->version);
	return it;
}

/* Reads a waitlist from its item. */
static void ddb_waitlist_read(const cJSON *it, struct mt_waitlist *w)
{
	memset(w, 0, sizeof *w);
	ddb_get_s(it, "id", w->id, sizeof w->id);
	ddb_get_s(it, "tenantId", w->tenant_id, sizeof w->tenant_id);
	ddb_get_s(it, "name", w->name, sizeof w->name);
	ddb_get_s(it, "description", w->description, sizeof w->description);
	ddb_get_s(it, "tplJoined", w->tpl_joined, sizeof w->tpl_joined);
	ddb_get_s(it, "tplReady", w->tpl_ready, sizeof w->tpl_ready);
	ddb_get_s(it, "tplReminder", w->tpl_reminder, sizeof w->tpl_reminder);
	w->created_at = ddb_get_n(it, "createdAt");
	w->updated_at = ddb_get_n(it, "updatedAt");
	w->version = ddb_get_n(it, "version");
}

/* Creates a waitlist (MT_ECONFLICT when the id exists). */
static int ddb_waitlist_create(struct store *st, struct mt_waitlist *w)
{
	int64_t v = w->version;
	int rc;

	if (w->id[0] == '\0' || w->tenant_id[0] == '\0')
		return MT_EINVAL;
	w->version = v > 0 ? v : 1;
	rc = ddb_put_item(ddb_of(st), ddb_waitlist_item(w), -1, NULL);
	if (rc != 0)
		w->version = v;
	return rc;
}

/* Reads a waitlist of a tenant. */
static int ddb_waitlist_get(struct store *st, const char *tenant_id, const char *id,
			    struct mt_waitlist *out)
{
	char pk[MT_ID_SIZE + 8], sk[MT_ID_SIZE + 10];
	cJSON *it;
	int rc;

	if (strlen(tenant_id) > MT_ID_LEN || strlen(id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	ddb_fmt(pk, sizeof pk, "TENANT#", tenant_id);
	ddb_fmt(sk, sizeof sk, "WAITLIST#", id);
	rc = ddb_get_item(ddb_of(st), pk, sk, &it);
	if (rc != 0)
		return rc;
	if (it == NULL)
		return MT_ENOTFOUND;
	ddb_waitlist_read(it, out);
	cJSON_Delete(it);
	return 0;
}

/* Page consumer: appends a waitlist. */
static int ddb_waitlist_collect(const cJSON *item, void *ud)
{
	struct mt_waitlist *w = ddb_vec_push(ud);

	if (w == NULL)
		return MT_ENOMEM;
	ddb_waitlist_read(item, w);
	return 0;
}

/* Lists a tenant's waitlists in creation order. */
static int ddb_waitlist_list(struct store *st, const char *tenant_id, const struct store_page *page,
			     struct mt_waitlist **items, size_t *n, char **next_cursor)
{
	struct ddb_vec v = { NULL, 0, 0, sizeof(struct mt_waitlist) };
	char pk[MT_ID_SIZE + 8];
	int rc;

	*items = NULL;
	*n = 0;
	*next_cursor = NULL;
	if (strlen(tenant_id) > MT_ID_LEN)
		return MT_EINVAL;
	ddb_fmt(pk, sizeof pk, "TENANT#", tenant_id);
	rc = ddb_query_page(ddb_of(st), pk, "WAITLIST#", NULL, page, ddb_waitlist_collect, &v, next_cursor);
	if (rc != 0) {
		free(v.items);
		return rc;
	}
	*items = v.items;
	*n = v.n;
	return 0;
}

/* Updates a waitlist, conditional on its version. */
static int ddb_waitlist_update(struct store *st, struct mt_waitlist *w, int64_t expected_version)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_ID_SIZE + 8], sk[MT_ID_SIZE + 10];
	int64_t old = w->version;
	cJSON *req, *names, *vals, *cur;
	int rc;

	if (strlen(w->tenant_id) == 0 || strlen(w->id) == 0)
		return MT_ENOTFOUND;
	ddb_fmt(pk, sizeof pk, "TENANT#", w->tenant_id);
	ddb_fmt(sk, sizeof sk, "WAITLIST#", w->id);
	req = ddb_req(s);
	if (req) {
		ddb_key(req, pk, sk);
		/* id, tenant and createdAt are immutable: only these change */
		cJSON_AddStringToObject(req, "UpdateExpression",
					"SET #n = :n, description = :d, tplJoined = :tj, tplReady = :tr, "
					"tplReminder = :tm, updatedAt = :u, #v = :nv");
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK) AND #v = :v");
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		cJSON_AddStringToObject(names, "#n", "name");
		cJSON_AddStringToObject(names, "#v", "version");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		ddb_val_s(vals, ":n", w->name);
		ddb_val_s(vals, ":d", w->description);
		ddb_val_s(vals, ":tj", w->tpl_joined);
		ddb_val_s(vals, ":tr", w->tpl_ready);
		ddb_val_s(vals, ":tm", w->tpl_reminder);
		ddb_put_n(vals, ":u", w->updated_at);
		ddb_put_n(vals, ":nv", expected_version + 1);
		ddb_put_n(vals, ":v", expected_version);
	}
	rc = ddb_call_cond(s, "UpdateItem", req, &cur);
	if (rc == MT_ECONFLICT)
		rc = ddb_tell_failure(s, pk, sk, expected_version, cur);
	w->version = rc == 0 ? expected_version + 1 : old;
	return rc;
}

/* Deletes keys (a cJSON array of {PK, SK}) with BatchWriteItem in chunks
 * of 25, retrying UnprocessedItems with backoff. */
static int ddb_batch_delete(struct store_ddb *s, cJSON *keys)
{
	cJSON *req, *ri, *arr, *dr, *resp, *unp;
	int total = cJSON_GetArraySize(keys), i, j, rc, round;
	struct timespec ts;

	for (i = 0; i < total; i += 25) {
		req = cJSON_CreateObject();
		ri = req ? cJSON_AddObjectToObject(req, "RequestItems") : NULL;
		arr = ri ? cJSON_AddArrayToObject(ri, s->table) : NULL;
		if (arr == NULL) {
			cJSON_Delete(req);
			return MT_ENOMEM;
		}
		for (j = i; j < total && j < i + 25; j++) {
			dr = cJSON_CreateObject();
			if (dr == NULL) {
				cJSON_Delete(req);
				return MT_ENOMEM;
			}
			cJSON_AddItemToObject(cJSON_AddObjectToObject(dr, "DeleteRequest"), "Key",
					      cJSON_Duplicate(cJSON_GetArrayItem(keys, j), 1));
			cJSON_AddItemToArray(arr, dr);
		}
		for (round = 0; req; round++) {
			if (round >= 10) {
				cJSON_Delete(req);
				ddb_log("BatchWriteItem", "UnprocessedItems did not clear after 10 rounds");
				return MT_EBUSY;
			}
			if (round > 0) {
				ts.tv_sec = 0;
				ts.tv_nsec = (long)(20 << round) * 1000000L;
				if (ts.tv_nsec >= 1000000000L)
					ts.tv_nsec = 999000000L;
				nanosleep(&ts, NULL);
			}
			rc = ddb_call(s, "BatchWriteItem", req, &resp, NULL);
			req = NULL;
			if (rc != 0)
				return rc;
			unp = cJSON_GetObjectItemCaseSensitive(resp, "UnprocessedItems");
			if (cJSON_GetArraySize(unp) > 0) {
				req = cJSON_CreateObject();
				if (req)
					cJSON_AddItemToObject(req, "RequestItems",
							      cJSON_DetachItemFromObjectCaseSensitive(resp, "UnprocessedItems"));
			}
			cJSON_Delete(resp);
		}
	}
	return 0;
}

/* Deletes all waitees of a list: Query keys page by page + BatchWriteItem. */
static int ddb_waitees_purge(struct store_ddb *s, const char *waitlist_id)
{
	char pk[MT_ID_SIZE + 10];
	cJSON *start = NULL, *req, *vals, *resp, *items, *keys, *lek;
	int rc = 0;

	ddb_fmt(pk, sizeof pk, "WAITLIST#", waitlist_id);
	for (;;) {
		req = ddb_req(s);
		if (req == NULL) {
			rc = MT_ENOMEM;
			break;
		}
		cJSON_AddStringToObject(req, "KeyConditionExpression", "PK = :pk");
		cJSON_AddStringToObject(req, "ProjectionExpression", "PK, SK");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		ddb_val_s(vals, ":pk", pk);
		cJSON_AddTrueToObject(req, "ConsistentRead");
		if (start) {
			cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
			start = NULL;
		}
		rc = ddb_call(s, "Query", req, &resp, NULL);
		if (rc != 0)
			break;
		items = cJSON_GetObjectItemCaseSensitive(resp, "Items");
		keys = items;
		rc = ddb_batch_delete(s, keys);
		lek = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
		cJSON_Delete(resp);
		if (rc != 0 || lek == NULL) {
			cJSON_Delete(lek);
			break;
		}
		start = lek;
	}
	return rc;
}

/* Deletes a waitlist of a tenant and all its waitees: proves the list is
 * the tenant's (GetItem), deletes the waitees, then the list. A crash in
 * between leaves the list with fewer waitees, and a retry finishes. */
static int ddb_waitlist_delete(struct store *st, const char *tenant_id, const char *id)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_ID_SIZE + 8], sk[MT_ID_SIZE + 10];
	cJSON *req, *it;
	int rc;

	if (strlen(tenant_id) > MT_ID_LEN || strlen(id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	ddb_fmt(pk, sizeof pk, "TENANT#", tenant_id);
	ddb_fmt(sk, sizeof sk, "WAITLIST#", id);
	rc = ddb_get_item(s, pk, sk, &it);
	if (rc != 0)
		return rc;
	if (it == NULL)
		return MT_ENOTFOUND;
	cJSON_Delete(it);
	rc = ddb_waitees_purge(s, id);
	if (rc != 0)
		return rc;
	req = ddb_req(s);
	if (req) {
		ddb_key(req, pk, sk);
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK)");
	}
	rc = ddb_call(s, "DeleteItem", req, NULL, NULL);
	return rc == MT_ECONFLICT ? MT_ENOTFOUND : rc;   /* a racing delete won */
}

/* ---- waitees ---- */

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

/* Due-index shard of a waitee id (FNV-1a). */
static int ddb_shard(const struct store_ddb *s, const char *id)
{
	uint32_t h = 2166136261u;

	while (*id) {
		h ^= (unsigned char)*id++;
		h *= 16777619u;
	}
	return (int)(h % (uint32_t)s->shards);
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
	ddb_fmt(pk, sizeof pk, "WAITLIST#", w->waitlist_id);
	ddb_fmt(sk, sizeof sk, "WAITEE#", w->id);
	ddb_put_s(it, "PK", pk);
	ddb_put_s(it, "SK", sk);
	ddb_put_s(it, "type", "waitee");
	ddb_put_s(it, "id", w->id);
	ddb_put_s(it, "waitlistId", w->waitlist_id);
	ddb_put_s(it, "tenantId", w->tenant_id);
	ddb_put_s(it, "name", w->name);
	ddb_put_s(it, "phone", w->phone);
	ddb_put_s(it, "email", w->email);
	ddb_put_s(it, "notes", w->notes);
	ddb_put_n(it, "partySize", w->party_size);
	ddb_put_n(it, "quotedMinutes", w->quoted_minutes);
	ddb_put_s(it, "status", ddb_status_names[st]);
	ddb_put_n(it, "joinedAt", w->joined_at);
	ddb_put_n(it, "notifyAt", w->notify_at);
	ddb_put_n(it, "notifiedAt", w->notified_at);
	ddb_put_n(it, "seatedAt", w->seated_at);
	ddb_put_n(it, "updatedAt", w->updated_at);
	ddb_put_n(it, "version", w->version);
	ddb_put_n(it, "dueAt", w->due_at);
	ddb_put_s(it, "notifyKind", w->notify_kind);
	ddb_put_n(it, "notifySeq", w->notify_seq);
	ddb_put_n(it, "queuedSeq", w->queued_seq);
	ddb_put_n(it, "sentSeq", w->sent_seq);
	ddb_put_n(it, "notifyCount", w->notify_count);
	ddb_put_s(it, "lastResult", w->last_result);
	ddb_put_s(it, "lastReason", w->last_reason);
	ddb_put_s(it, "reply", w->reply);
	ddb_put_n(it, "replyAt", w->reply_at);
	if (w->expires_at > 0)
		ddb_put_n(it, "ttl", w->expires_at);
	if (w->due_at > 0) {
		snprintf(g, sizeof g, "DUE#%d", ddb_shard(s, w->id));
		ddb_put_s(it, "GSI1PK", g);
		snprintf(g, sizeof g, "%016lld#%s", (long long)w->due_at, w->id);
		ddb_put_s(it, "GSI1SK", g);
	}
	if (w->phone[0] && ddb_status_active((enum mt_status)st)) {
		snprintf(g, sizeof g, "PHONE#%s", w->phone);
		ddb_put_s(it, "GSI2PK", g);
		ddb_put_s(it, "GSI2SK", w->id);
	}
	return it;
}

/* Reads a waitee from its item. */
static void ddb_waitee_read(const cJSON *it, struct mt_waitee *w)
{
	char st[16];

	memset(w, 0, sizeof *w);
	ddb_get_s(it, "id", w->id, sizeof w->id);
	ddb_get_s(it, "waitlistId", w->waitlist_id, sizeof w->waitlist_id);
	ddb_get_s(it, "tenantId", w->tenant_id, sizeof w->tenant_id);
	ddb_get_s(it, "name", w->name, sizeof w->name);
	ddb_get_s(it, "phone", w->phone, sizeof w->phone);
	ddb_get_s(it, "email", w->email, sizeof w->email);
	ddb_get_s(it, "notes", w->notes, sizeof w->notes);
	w->party_size = (int)ddb_get_n(it, "partySize");
	w->quoted_minutes = (int)ddb_get_n(it, "quotedMinutes");
	ddb_get_s(it, "status", st, sizeof st);
	w->status = ddb_status_parse(st);
	w->joined_at = ddb_get_n(it, "joinedAt");
	w->notify_at = ddb_get_n(it, "notifyAt");
	w->notified_at = ddb_get_n(it, "notifiedAt");
	w->seated_at = ddb_get_n(it, "seatedAt");
	w->updated_at = ddb_get_n(it, "updatedAt");
	w->expires_at = ddb_get_n(it, "ttl");
	w->version = ddb_get_n(it, "version");
	w->due_at = ddb_get_n(it, "dueAt");
	ddb_get_s(it, "notifyKind", w->notify_kind, sizeof w->notify_kind);
	w->notify_seq = (int32_t)ddb_get_n(it, "notifySeq");
	w->queued_seq = (int32_t)ddb_get_n(it, "queuedSeq");
	w->sent_seq = (int32_t)ddb_get_n(it, "sentSeq");
	w->notify_count = (int32_t)ddb_get_n(it, "notifyCount");
	ddb_get_s(it, "lastResult", w->last_result, sizeof w->last_result);
	ddb_get_s(it, "lastReason", w->last_reason, sizeof w->last_reason);
	ddb_get_s(it, "reply", w->reply, sizeof w->reply);
	w->reply_at = ddb_get_n(it, "replyAt");
	w->position = 0;
}

/* 1 when the item carries a TTL that has passed. */
static int ddb_expired(const cJSON *it)
{
	int64_t ttl = ddb_get_n(it, "ttl");

	return ttl > 0 && ttl <= ddb_now_s();
}

/* Creates a waitee (MT_ECONFLICT when the id exists). */
static int ddb_waitee_create(struct store *st, struct mt_waitee *w)
{
	struct store_ddb *s = ddb_of(st);
	int64_t v = w->version;
	int rc;

	if (w->id[0] == '\0' || w->waitlist_id[0] == '\0')
		return MT_EINVAL;
	w->version = v > 0 ? v : 1;
	rc = ddb_put_item(s, ddb_waitee_item(s, w), -1, NULL);
	if (rc != 0)
		w->version = v;
	w->position = 0;
	return rc;
}

/* Reads a waitee of a list (expired ones are not found). */
static int ddb_waitee_get(struct store *st, const char *waitlist_id, const char *id,
			  struct mt_waitee *out)
{
	char pk[MT_ID_SIZE + 10], sk[MT_ID_SIZE + 8];
	cJSON *it;
	int rc;

	if (strlen(waitlist_id) > MT_ID_LEN || strlen(id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	ddb_fmt(pk, sizeof pk, "WAITLIST#", waitlist_id);
	ddb_fmt(sk, sizeof sk, "WAITEE#", id);
	rc = ddb_get_item(ddb_of(st), pk, sk, &it);
	if (rc != 0)
		return rc;
	if (it == NULL || ddb_expired(it)) {
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
	struct mt_waitee *w = ddb_vec_push(ud);

	if (w == NULL)
		return MT_ENOMEM;
	ddb_waitee_read(item, w);
	return 0;
}

/* Lists a list's waitees in queue order, skipping expired ones. */
static int ddb_waitee_list(struct store *st, const char *waitlist_id, const struct store_page *page,
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
	ddb_fmt(pk, sizeof pk, "WAITLIST#", waitlist_id);
	rc = ddb_query_page(ddb_of(st), pk, "WAITEE#", "attribute_not_exists(#t) OR #t > :now", page,
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
static int ddb_waitee_update(struct store *st, struct mt_waitee *w, int64_t expected_version)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_ID_SIZE + 10], sk[MT_ID_SIZE + 8];
	int64_t old = w->version;
	cJSON *cur;
	int rc;

	if (w->waitlist_id[0] == '\0' || w->id[0] == '\0')
		return MT_ENOTFOUND;
	w->version = expected_version + 1;
	rc = ddb_put_item(s, ddb_waitee_item(s, w), expected_version, &cur);
	if (rc == MT_ECONFLICT) {
		ddb_fmt(pk, sizeof pk, "WAITLIST#", w->waitlist_id);
		ddb_fmt(sk, sizeof sk, "WAITEE#", w->id);
		rc = ddb_tell_failure(s, pk, sk, expected_version, cur);
	}
	if (rc != 0)
		w->version = old;
	return rc;
}

/* Deletes a waitee (MT_ENOTFOUND when absent). */
static int ddb_waitee_delete(struct store *st, const char *waitlist_id, const char *id)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_ID_SIZE + 10], sk[MT_ID_SIZE + 8];
	cJSON *req;
	int rc;

	if (strlen(waitlist_id) > MT_ID_LEN || strlen(id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	ddb_fmt(pk, sizeof pk, "WAITLIST#", waitlist_id);
	ddb_fmt(sk, sizeof sk, "WAITEE#", id);
	req = ddb_req(s);
	if (req) {
		ddb_key(req, pk, sk);
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK)");
	}
	rc = ddb_call(s, "DeleteItem", req, NULL, NULL);
	return rc == MT_ECONFLICT ? MT_ENOTFOUND : rc;
}

/* Counts active waitees of a list before an id (Select COUNT, paged). */
static int ddb_waitee_count_active(struct store *st, const char *waitlist_id, const char *before_id,
				   int *count)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_ID_SIZE + 10], hi[MT_ID_SIZE + 8];
	cJSON *start = NULL, *req, *vals, *names, *resp, *lek;
	int rc = 0, total = 0;

	*count = 0;
	if (strlen(waitlist_id) > MT_ID_LEN || (before_id && strlen(before_id) > MT_ID_LEN))
		return MT_EINVAL;
	ddb_fmt(pk, sizeof pk, "WAITLIST#", waitlist_id);
	if (before_id)
		ddb_fmt(hi, sizeof hi, "WAITEE#", before_id);
	for (;;) {
		req = ddb_req(s);
		if (req == NULL) {
			rc = MT_ENOMEM;
			break;
		}
		/* the WAITLIST#<id> partition holds only WAITEE# items */
		cJSON_AddStringToObject(req, "KeyConditionExpression",
					before_id ? "PK = :pk AND SK < :hi" : "PK = :pk");
		cJSON_AddStringToObject(req, "FilterExpression",
					"#s IN (:a, :b, :c) AND (attribute_not_exists(#t) OR #t > :now)");
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		cJSON_AddStringToObject(names, "#s", "status");
		cJSON_AddStringToObject(names, "#t", "ttl");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		ddb_val_s(vals, ":pk", pk);
		if (before_id)
			ddb_val_s(vals, ":hi", hi);
		ddb_val_s(vals, ":a", "waiting");
		ddb_val_s(vals, ":b", "notified");
		ddb_val_s(vals, ":c", "confirmed");
		ddb_put_n(vals, ":now", ddb_now_s());
		cJSON_AddStringToObject(req, "Select", "COUNT");
		cJSON_AddTrueToObject(req, "ConsistentRead");
		if (start) {
			cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
			start = NULL;
		}
		rc = ddb_call(s, "Query", req, &resp, NULL);
		if (rc != 0)
			break;
		total += (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(resp, "Count"));
		lek = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
		cJSON_Delete(resp);
		if (lek == NULL)
			break;
		start = lek;
	}
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

/* Waitees with 0 < due_at <= now_ms, oldest first: one Query per shard of
 * the sparse GSI1 (O(due)), merged. */
static int ddb_waitee_list_due(struct store *st, int64_t now_ms, int limit,
			       struct mt_waitee **items, size_t *n)
{
	struct store_ddb *s = ddb_of(st);
	struct ddb_vec v = { NULL, 0, 0, sizeof(struct mt_waitee) };
	char pk[32], hi[64];
	cJSON *start, *req, *vals, *resp, *arr, *it, *lek;
	struct mt_waitee *w;
	int shard, got, rc = 0, i;

	*items = NULL;
	*n = 0;
	if (limit < 1)
		return MT_EINVAL;
	if (limit > 1000)
		limit = 1000;
	snprintf(hi, sizeof hi, "%016lld#~", (long long)now_ms);
	for (shard = 0; shard < s->shards && rc == 0; shard++) {
		snprintf(pk, sizeof pk, "DUE#%d", shard);
		start = NULL;
		got = 0;
		for (;;) {
			req = ddb_req(s);
			if (req == NULL) {
				rc = MT_ENOMEM;
				break;
			}
			cJSON_AddStringToObject(req, "IndexName", "GSI1");
			cJSON_AddStringToObject(req, "KeyConditionExpression", "GSI1PK = :pk AND GSI1SK <= :hi");
			vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
			ddb_val_s(vals, ":pk", pk);
			ddb_val_s(vals, ":hi", hi);
			cJSON_AddNumberToObject(req, "Limit", limit - got);
			if (start) {
				cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
				start = NULL;
			}
			rc = ddb_call(s, "Query", req, &resp, NULL);
			if (rc != 0)
				break;
			arr = cJSON_GetObjectItemCaseSensitive(resp, "Items");
			for (i = 0; i < cJSON_GetArraySize(arr); i++) {
				it = cJSON_GetArrayItem(arr, i);
				if (ddb_expired(it))
					continue;
				w = ddb_vec_push(&v);
				if (w == NULL) {
					rc = MT_ENOMEM;
					break;
				}
				ddb_waitee_read(it, w);
				/* the index may lag a write: trust only the item's own due_at */
				if (w->due_at <= 0 || w->due_at > now_ms) {
					v.n--;
					continue;
				}
				got++;
			}
			lek = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
			cJSON_Delete(resp);
			if (rc != 0 || lek == NULL || got >= limit) {
				cJSON_Delete(lek);
				break;
			}
			start = lek;
		}
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

/* The most recently joined active waitee with this phone (sparse GSI2). */
static int ddb_waitee_find_by_phone(struct store *st, const char *phone, struct mt_waitee *out)
{
	struct store_ddb *s = ddb_of(st);
	char pk[MT_PHONE_MAX + 16];
	cJSON *start = NULL, *req, *vals, *resp, *arr, *it, *lek;
	struct mt_waitee w;
	int rc = 0, i, found = 0;

	if (phone == NULL || phone[0] == '\0')
		return MT_EINVAL;
	if (strlen(phone) > MT_PHONE_MAX)
		return MT_ENOTFOUND;
	snprintf(pk, sizeof pk, "PHONE#%s", phone);
	while (!found) {
		req = ddb_req(s);
		if (req == NULL)
			return MT_ENOMEM;
		cJSON_AddStringToObject(req, "IndexName", "GSI2");
		cJSON_AddStringToObject(req, "KeyConditionExpression", "GSI2PK = :pk");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		ddb_val_s(vals, ":pk", pk);
		cJSON_AddFalseToObject(req, "ScanIndexForward");
		cJSON_AddNumberToObject(req, "Limit", 10);
		if (start) {
			cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
			start = NULL;
		}
		rc = ddb_call(s, "Query", req, &resp, NULL);
		if (rc != 0)
			return rc;
		arr = cJSON_GetObjectItemCaseSensitive(resp, "Items");
		for (i = 0; i < cJSON_GetArraySize(arr) && !found; i++) {
			it = cJSON_GetArrayItem(arr, i);
			if (ddb_expired(it))
				continue;
			ddb_waitee_read(it, &w);
			if (!ddb_status_active(w.status) || strcmp(w.phone, phone) != 0)
				continue;
			*out = w;
			found = 1;
		}
		lek = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
		cJSON_Delete(resp);
		if (lek == NULL)
			break;
		if (found)
			cJSON_Delete(lek);
		else
			start = lek;
	}
	return found ? 0 : MT_ENOTFOUND;
}

/* ---- schema, stats, lifecycle ---- */

/* Adds {"AttributeName": n, "KeyType": t} to a key schema array. */
static void ddb_keyschema(cJSON *arr, const char *n, const char *t)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return;
	cJSON_AddStringToObject(o, "AttributeName", n);
	cJSON_AddStringToObject(o, "KeyType", t);
	cJSON_AddItemToArray(arr, o);
}

/* Adds a GSI definition (projection ALL) to an array. */
static void ddb_gsi(cJSON *arr, const char *name, const char *pk, const char *sk)
{
	cJSON *o = cJSON_CreateObject(), *ks, *pr;

	if (o == NULL)
		return;
	cJSON_AddStringToObject(o, "IndexName", name);
	ks = cJSON_AddArrayToObject(o, "KeySchema");
	ddb_keyschema(ks, pk, "HASH");
	ddb_keyschema(ks, sk, "RANGE");
	pr = cJSON_AddObjectToObject(o, "Projection");
	cJSON_AddStringToObject(pr, "ProjectionType", "ALL");
	cJSON_AddItemToArray(arr, o);
}

/* Table state from DescribeTable: 1 = ACTIVE with every index ACTIVE,
 * 0 = still being made; *indexes counts GSI1 and GSI2 present. */
static int ddb_table_active(const cJSON *resp, int *indexes)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(resp, "Table");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(t, "TableStatus");
	const cJSON *g, *gs, *gn;
	int active = cJSON_IsString(st) && strcmp(st->valuestring, "ACTIVE") == 0;

	*indexes = 0;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(t, "GlobalSecondaryIndexes")) {
		gs = cJSON_GetObjectItemCaseSensitive(g, "IndexStatus");
		gn = cJSON_GetObjectItemCaseSensitive(g, "IndexName");
		if (cJSON_IsString(gs) && strcmp(gs->valuestring, "ACTIVE") != 0)
			active = 0;
		if (cJSON_IsString(gn) && (strcmp(gn->valuestring, "GSI1") == 0 || strcmp(gn->valuestring, "GSI2") == 0))
			(*indexes)++;
	}
	return active;
}

/* Sends CreateTable for the table and its two sparse indexes. */
static int ddb_create_table(struct store_ddb *s, char *etype)
{
	static const char *const attrs[] = { "PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", NULL };
	cJSON *req = ddb_req(s), *ad, *ks, *gs, *o;
	int i;

	if (req == NULL)
		return MT_ENOMEM;
	ad = cJSON_AddArrayToObject(req, "AttributeDefinitions");
	for (i = 0; attrs[i]; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "AttributeName", attrs[i]);
		cJSON_AddStringToObject(o, "AttributeType", "S");
		cJSON_AddItemToArray(ad, o);
	}
	ks = cJSON_AddArrayToObject(req, "KeySchema");
	ddb_keyschema(ks, "PK", "HASH");
	ddb_keyschema(ks, "SK", "RANGE");
	gs = cJSON_AddArrayToObject(req, "GlobalSecondaryIndexes");
	ddb_gsi(gs, "GSI1", "GSI1PK", "GSI1SK");
	ddb_gsi(gs, "GSI2", "GSI2PK", "GSI2SK");
	cJSON_AddStringToObject(req, "BillingMode", "PAY_PER_REQUEST");
	return ddb_call(s, "CreateTable", req, NULL, etype);
}

/* Makes sure the table exists with its indexes, idempotently: one
 * DescribeTable when it is there already (the usual start of maitred or a
 * Lambda), else CreateTable (ResourceInUse from a racing creator is fine),
 * wait until ACTIVE, and turn TTL on (where the service supports it). */
static int ddb_init_schema(struct store *st)
{
	struct store_ddb *s = ddb_of(st);
	cJSON *req, *resp, *spec;
	char etype[128];
	struct timespec ts = { 0, 100000000L };
	int rc, i, created = 0, active = 0, indexes = 0;

	for (i = 0; i < 1800; i++) {   /* up to 3 minutes on real DynamoDB */
		rc = ddb_call(s, "DescribeTable", ddb_req(s), &resp, etype);
		if (rc != 0 && strcmp(etype, "ResourceNotFoundException") == 0 && !created) {
			rc = ddb_create_table(s, etype);
			if (rc != 0 && strcmp(etype, "ResourceInUseException") != 0) {
				ddb_log("CreateTable", etype);
				return rc;
			}
			created = 1;
			continue;
		}
		if (rc != 0) {
			ddb_log("DescribeTable", etype);
			return rc;
		}
		active = ddb_table_active(resp, &indexes);
		cJSON_Delete(resp);
		if (active)
			break;
		nanosleep(&ts, NULL);
	}
	if (!active) {
		ddb_log("init_schema", "table did not become ACTIVE in time");
		return MT_EBUSY;
	}
	if (indexes != 2) {
		ddb_log("init_schema", "the table exists but lacks index GSI1 or GSI2 (see deploy/table.yaml)");
		return MT_EIO;
	}
	if (!created)
		return 0;
	req = ddb_req(s);
	spec = req ? cJSON_AddObjectToObject(req, "TimeToLiveSpecification") : NULL;
	if (spec) {
		cJSON_AddTrueToObject(spec, "Enabled");
		cJSON_AddStringToObject(spec, "AttributeName", "ttl");
	}
	rc = ddb_call(s, "UpdateTimeToLive", req, NULL, etype);
	/* dynalite lacks UpdateTimeToLive; real DynamoDB says ValidationException
	 * when TTL is already on. Neither keeps the store from working (reads
	 * filter expired items); anything else is worth a line in the log. */
	if (rc != 0 && strcmp(etype, "UnknownOperationException") != 0 &&
	    strcmp(etype, "ValidationException") != 0)
		ddb_log("UpdateTimeToLive (TTL stays off)", etype);
	return 0;
}

/* Counters since open: DynamoDB calls, and Scans (always 0). */
static void ddb_stats(struct store *st, struct store_stats *out)
{
	struct store_ddb *s = ddb_of(st);

	aws_client_totals(s->aws, &out->requests, NULL);
	out->scans = aws_client_calls(s->aws, DDB_PREFIX "Scan");
}

/* Frees the store. */
static void ddb_close(struct store *st)
{
	struct store_ddb *s = ddb_of(st);

	aws_client_free(s->aws);
	free(s);
}

/* The store's AWS client (for counters). */
struct aws_client *store_dynamodb_client(struct store *s)
{
	return s && s->ops == &store_ddb_ops ? ddb_of(s)->aws : NULL;
}

/* The store's table. */
const char *store_dynamodb_table(struct store *s)
{
	return s && s->ops == &store_ddb_ops ? ddb_of(s)->table : NULL;
}

/* Deletes the store's table. */
int store_dynamodb_drop_table(struct store *st)
{
	if (st == NULL || st->ops != &store_ddb_ops)
		return MT_EINVAL;
	return ddb_call(ddb_of(st), "DeleteTable", ddb_req(ddb_of(st)), NULL, NULL);
}

/* Decodes %XX escapes of a URL query value into dst. */
static int ddb_url_decode(const char *p, size_t n, char *dst, size_t size)
{
	size_t i, o = 0;
	char hex[3];
	char *end;

	for (i = 0; i < n; i++) {
		if (o + 1 >= size)
			return -1;
		if (p[i] == '%') {
			if (i + 2 >= n)
				return -1;
			hex[0] = p[i + 1];
			hex[1] = p[i + 2];
			hex[2] = '\0';
			dst[o++] = (char)strtol(hex, &end, 16);
			if (*end != '\0')
				return -1;
			i += 2;
		} else {
			dst[o++] = p[i] == '+' ? ' ' : p[i];
		}
	}
	dst[o] = '\0';
	return 0;
}

/* Sets *cause to a malloc'd copy of msg. */
static void ddb_cause(char **cause, const char *msg)
{
	if (cause) {
		free(*cause);
		*cause = strdup(msg);
	}
}

/* 1 when the endpoint URL points at this machine. */
static int ddb_loopback(const char *url)
{
	return strncmp(url, "http://127.0.0.1", 16) == 0 || strncmp(url, "http://localhost", 16) == 0 ||
	       strncmp(url, "http://[::1]", 12) == 0;
}

/* Opens "dynamodb://TABLE?region=R&endpoint=URL&shards=N". */
int store_dynamodb_open(const char *url, struct store **out, char **cause)
{
	struct store_ddb *s;
	struct aws_client_config cfg;
	char region[64] = "", endpoint[512] = "", val[512], msg[256];
	const char *p, *q, *amp, *eq;
	size_t tlen, i;
	long shards = DDB_SHARDS_DEFAULT;
	char *end;
	int rc;

	*out = NULL;
	if (cause)
		*cause = NULL;
	if (url == NULL || strncmp(url, "dynamodb://", 11) != 0) {
		ddb_cause(cause, "DynamoDB store URL must start with dynamodb://");
		return MT_EINVAL;
	}
	p = url + 11;
	q = strchr(p, '?');
	tlen = q ? (size_t)(q - p) : strlen(p);
	if (tlen < 3 || tlen > 255) {
		ddb_cause(cause, "DynamoDB table name must be 3..255 characters");
		return MT_EINVAL;
	}
	for (i = 0; i < tlen; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.')) {
			ddb_cause(cause, "DynamoDB table name may hold only A-Z a-z 0-9 _ - .");
			return MT_EINVAL;
		}
	}
	for (p = q ? q + 1 : NULL; p && *p; p = amp ? amp + 1 : NULL) {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp ? (size_t)(amp - p) : strlen(p));
		if (eq == NULL ||
		    ddb_url_decode(eq + 1, amp ? (size_t)(amp - eq - 1) : strlen(eq + 1), val, sizeof val) != 0) {
			ddb_cause(cause, "malformed DynamoDB store URL query");
			return MT_EINVAL;
		}
		if ((size_t)(eq - p) == 6 && strncmp(p, "region", 6) == 0) {
			snprintf(region, sizeof region, "%.63s", val);
		} else if ((size_t)(eq - p) == 8 && strncmp(p, "endpoint", 8) == 0) {
			if (strncmp(val, "http://", 7) != 0 && strncmp(val, "https://", 8) != 0) {
				ddb_cause(cause, "DynamoDB endpoint must be an http:// or https:// URL");
				return MT_EINVAL;
			}
			snprintf(endpoint, sizeof endpoint, "%s", val);
		} else if ((size_t)(eq - p) == 6 && strncmp(p, "shards", 6) == 0) {
			errno = 0;
			shards = strtol(val, &end, 10);
			if (errno || *end || shards < 1 || shards > DDB_SHARDS_MAX) {
				ddb_cause(cause, "DynamoDB shards must be 1..64");
				return MT_EINVAL;
			}
		} else {
			snprintf(msg, sizeof msg, "unknown DynamoDB store URL parameter '%.*s'",
				 (int)(eq - p > 40 ? 40 : eq - p), p);
			ddb_cause(cause, msg);
			return MT_EINVAL;
		}
	}
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return MT_ENOMEM;
	s->base.ops = &store_ddb_ops;
	memcpy(s->table, url + 11, tlen);
	s->table[tlen] = '\0';
	s->shards = (int)shards;
	rc = aws_client_from_env(region[0] ? region : NULL, endpoint[0] ? endpoint : NULL, &s->aws, cause);
	if (rc == MT_EINVAL && endpoint[0] && ddb_loopback(endpoint) && getenv("AWS_ACCESS_KEY_ID") == NULL) {
		/* a local emulator (dynalite) accepts any signature: allow no keys */
		if (cause) {
			free(*cause);
			*cause = NULL;
		}
		memset(&cfg, 0, sizeof cfg);
		cfg.region = region[0] ? region : getenv("AWS_REGION");
		if (cfg.region == NULL || cfg.region[0] == '\0')
			cfg.region = "us-east-1";
		cfg.endpoint = endpoint;
		cfg.access_key = "local";
		cfg.secret_key = "local";
		rc = aws_client_new(&cfg, &s->aws, cause);
	}
	if (rc != 0) {
		free(s);
		return rc;
	}
	*out = &s->base;
	return 0;
}

/* Gets a login guard (item GUARD#<key> / GUARD); MT_ENOTFOUND when none. */
static int ddb_guard_get(struct store *st, const char *key, struct mt_login_guard *out)
{
	struct store_ddb *s = ddb_of(st);
	char pk[80];
	cJSON *it = NULL;
	int rc;

	if (key == NULL || strlen(key) >= sizeof out->key)
		return MT_EINVAL;
	memset(out, 0, sizeof *out);
	snprintf(out->key, sizeof out->key, "%s", key);
	ddb_fmt(pk, sizeof pk, "GUARD#", key);
	rc = ddb_get_item(s, pk, "GUARD", &it);
	if (rc != 0)
		return rc;
	if (it == NULL)
		return MT_ENOTFOUND;
	out->failed_logins = (int32_t)ddb_get_n(it, "failedLogins");
	out->fail_window_start = ddb_get_n(it, "failWindowStart");
	out->version = ddb_get_n(it, "version");
	cJSON_Delete(it);
	return 0;
}

/* Stores a login guard: created when expected_version is 0, else conditional on it. */
static int ddb_guard_put(struct store *st, struct mt_login_guard *g, int64_t expected_version)
{
	struct store_ddb *s = ddb_of(st);
	char pk[80];
	cJSON *it;
	int rc;

	if (g == NULL || g->key[0] == '\0' || expected_version < 0)
		return MT_EINVAL;
	ddb_fmt(pk, sizeof pk, "GUARD#", g->key);
	it = cJSON_CreateObject();
	if (it) {
		ddb_put_s(it, "PK", pk);
		ddb_put_s(it, "SK", "GUARD");
		ddb_put_n(it, "failedLogins", g->failed_logins);
		ddb_put_n(it, "failWindowStart", g->fail_window_start);
		ddb_put_n(it, "version", expected_version + 1);
		ddb_put_n(it, "ttl", g->fail_window_start / 1000 + STORE_GUARD_KEEP_S);
	}
	rc = ddb_put_item(s, it, expected_version == 0 ? -1 : expected_version, NULL);
	if (rc == MT_ECONFLICT && expected_version != 0)
		rc = MT_EPRECOND;   /* another version, or gone: the caller reloads */
	if (rc == 0)
		g->version = expected_version + 1;
	return rc;
}

/* Expired items are deleted by the table's TTL ("ttl", turned on by
 * init_schema where the service supports it): nothing to do here. */
static int ddb_purge_expired(struct store *st, int64_t now_s, int limit, int *removed)
{
	(void)st;
	(void)now_s;
	*removed = 0;
	return limit < 1 ? MT_EINVAL : 0;
}

static const struct store_ops store_ddb_ops = {
	.name = "dynamodb",
	.close = ddb_close,
	.init_schema = ddb_init_schema,
	.user_create = ddb_user_create,
	.user_get = ddb_user_get,
	.user_get_by_email = ddb_user_get_by_email,
	.user_update = ddb_user_update,
	.refresh_create = ddb_refresh_create,
	.refresh_get = ddb_refresh_get,
	.refresh_mark_used = ddb_refresh_mark_used,
	.refresh_revoke_family = ddb_refresh_revoke_family,
	.waitlist_create = ddb_waitlist_create,
	.waitlist_get = ddb_waitlist_get,
	.waitlist_peek = ddb_waitlist_get,
	.waitlist_list = ddb_waitlist_list,
	.waitlist_update = ddb_waitlist_update,
	.waitlist_delete = ddb_waitlist_delete,
	.waitee_create = ddb_waitee_create,
	.waitee_get = ddb_waitee_get,
	.waitee_list = ddb_waitee_list,
	.waitee_update = ddb_waitee_update,
	.waitee_delete = ddb_waitee_delete,
	.waitee_count_active = ddb_waitee_count_active,
	.waitee_list_due = ddb_waitee_list_due,
	.waitee_find_by_phone = ddb_waitee_find_by_phone,
	.purge_expired = ddb_purge_expired,
	.guard_get = ddb_guard_get,
	.guard_put = ddb_guard_put,
	.stats = ddb_stats,
};
