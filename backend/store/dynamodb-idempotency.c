/* Idempotency keys on DynamoDB (store.h idem_*): one item per tenant and
 * key, PK "IDEM#<tenant>", SK "KEY#<key>", `ttl` (epoch seconds) so the
 * table's TTL deletes it after 24 h. Claims are single conditional writes:
 * a new claim on attribute_not_exists(PK); replacing an expired record or
 * taking over a stale claim on "createdAt = the value read" (so of two
 * racing retries exactly one wins); finish/release on "createdAt = the
 * claim's AND done = 0". No transactions (dynalite has none). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aws/aws.h"
#include "core/error.h"
#include "store/idempotency.h"
#include "store/store-dynamodb.h"

#define IDEM_DDB_TARGET "DynamoDB_20120810."
#define IDEM_DDB_TRIES 3   /* rounds of read + conditional write when others race */

/* Adds {"S": v} under name (nothing for an empty v: DynamoDB attributes are never ""). */
static void idem_ddb_s(cJSON *o, const char *name, const char *v)
{
	cJSON *a;

	if (v == NULL || v[0] == '\0')
		return;
	a = cJSON_AddObjectToObject(o, name);
	if (a)
		cJSON_AddStringToObject(a, "S", v);
}

/* Adds {"N": "v"} under name. */
static void idem_ddb_n(cJSON *o, const char *name, int64_t v)
{
	char buf[32];
	cJSON *a = cJSON_AddObjectToObject(o, name);

	snprintf(buf, sizeof buf, "%lld", (long long)v);
	if (a)
		cJSON_AddStringToObject(a, "N", buf);
}

/* The S value of attribute name, or "". */
static const char *idem_ddb_get_s(const cJSON *it, const char *name)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, name);
	const cJSON *v = a ? cJSON_GetObjectItemCaseSensitive(a, "S") : NULL;

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The N value of attribute name, 0 when absent or malformed. */
static int64_t idem_ddb_get_n(const cJSON *it, const char *name)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, name);
	const cJSON *v = a ? cJSON_GetObjectItemCaseSensitive(a, "N") : NULL;
	long long n;
	char *end;

	if (!cJSON_IsString(v))
		return 0;
	errno = 0;
	n = strtoll(v->valuestring, &end, 10);
	return errno || *end != '\0' ? 0 : (int64_t)n;
}

/* Copies src into dst of size bytes, cut to fit. */
static void idem_ddb_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A request for the store's table with the record's key under "Key" (key_name
 * "Key") or as the PK/SK of a new "Item" (key_name "Item"); NULL when out of memory. */
static cJSON *idem_ddb_req(struct store *s, const struct store_idem *r, const char *key_name)
{
	cJSON *req = cJSON_CreateObject(), *k;
	char pk[8 + MT_ID_SIZE], sk[8 + STORE_IDEM_KEY_MAX + 1];

	if (req == NULL)
		return NULL;
	snprintf(pk, sizeof pk, "IDEM#%s", r->tenant_id);
	snprintf(sk, sizeof sk, "KEY#%s", r->key);
	cJSON_AddStringToObject(req, "TableName", store_dynamodb_table(s));
	k = cJSON_AddObjectToObject(req, key_name);
	if (k == NULL) {
		cJSON_Delete(req);
		return NULL;
	}
	idem_ddb_s(k, "PK", pk);
	idem_ddb_s(k, "SK", sk);
	return req;
}

/* Sends one DynamoDB call (req consumed). MT_ECONFLICT when a condition
 * failed; *resp (optional) gets the parsed answer. */
static int idem_ddb_call(struct store *s, const char *op, cJSON *req, cJSON **resp)
{
	struct aws_response r;
	char target[64], *body;
	int rc;

	if (resp)
		*resp = NULL;
	if (req == NULL)
		return MT_ENOMEM;
	body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (body == NULL)
		return MT_ENOMEM;
	snprintf(target, sizeof target, IDEM_DDB_TARGET "%s", op);
	rc = aws_request(store_dynamodb_client(s), "dynamodb", target, body, &r);
	free(body);
	if (rc != 0 && aws_error_is(&r, "ConditionalCheckFailedException"))
		rc = MT_ECONFLICT;
	if (rc == 0 && resp != NULL && (*resp = cJSON_ParseWithLength(r.body, r.body_len)) == NULL)
		rc = MT_EIO;
	aws_response_free(&r);
	return rc;
}

/* Reads the record (consistent). *item is the Item (caller deletes) or NULL when absent. */
static int idem_ddb_get(struct store *s, const struct store_idem *r, cJSON **item)
{
	cJSON *req = idem_ddb_req(s, r, "Key"), *resp = NULL;
	int rc;

	*item = NULL;
	if (req != NULL)
		cJSON_AddTrueToObject(req, "ConsistentRead");
	rc = idem_ddb_call(s, "GetItem", req, &resp);
	if (rc == 0)
		*item = cJSON_DetachItemFromObjectCaseSensitive(resp, "Item");
	cJSON_Delete(resp);
	return rc;
}

/* Adds the condition on the claim: "createdAt = :c" (and "done = 0" when pending_only);
 * created_at < 0: "attribute_not_exists(PK)". */
static void idem_ddb_cond(cJSON *req, int64_t created_at, int pending_only)
{
	cJSON *names, *vals;

	if (req == NULL)
		return;
	if (created_at < 0) {
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_not_exists(PK)");
		return;
	}
	cJSON_AddStringToObject(req, "ConditionExpression", pending_only ? "#c = :c AND #d = :zero" : "#c = :c");
	names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
	vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
	if (names == NULL || vals == NULL)
		return;
	cJSON_AddStringToObject(names, "#c", "createdAt");
	idem_ddb_n(vals, ":c", created_at);
	if (pending_only) {
		cJSON_AddStringToObject(names, "#d", "done");
		idem_ddb_n(vals, ":zero", 0);
	}
}

/* PutItem of the whole record r, conditional on the claim read (see idem_ddb_cond). */
static int idem_ddb_put(struct store *s, const struct store_idem *r, int64_t cond_created_at, int pending_only)
{
	cJSON *req = idem_ddb_req(s, r, "Item"), *it;

	if (req == NULL)
		return MT_ENOMEM;
	it = cJSON_GetObjectItemCaseSensitive(req, "Item");
	idem_ddb_s(it, "type", "idempotency");
	idem_ddb_s(it, "fingerprint", r->fingerprint);
	idem_ddb_s(it, "resId", r->res_id);
	idem_ddb_n(it, "done", r->done);
	idem_ddb_n(it, "status", r->status);
	idem_ddb_s(it, "body", r->body);
	idem_ddb_s(it, "location", r->location);
	idem_ddb_s(it, "etag", r->etag);
	idem_ddb_n(it, "createdAt", r->created_at);
	idem_ddb_n(it, "ttl", r->expires_at);
	idem_ddb_cond(req, cond_created_at, pending_only);
	return idem_ddb_call(s, "PutItem", req, NULL);
}

/* Fills out from an item (body malloc'd when done). 0 or MT_ENOMEM. */
static int idem_ddb_read(const cJSON *it, const struct store_idem *claim, struct store_idem *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->tenant_id, claim->tenant_id, sizeof out->tenant_id);
	memcpy(out->key, claim->key, sizeof out->key);
	idem_ddb_copy(out->fingerprint, sizeof out->fingerprint, idem_ddb_get_s(it, "fingerprint"));
	idem_ddb_copy(out->res_id, sizeof out->res_id, idem_ddb_get_s(it, "resId"));
	out->done = (int)idem_ddb_get_n(it, "done");
	out->status = (int)idem_ddb_get_n(it, "status");
	idem_ddb_copy(out->location, sizeof out->location, idem_ddb_get_s(it, "location"));
	idem_ddb_copy(out->etag, sizeof out->etag, idem_ddb_get_s(it, "etag"));
	out->created_at = idem_ddb_get_n(it, "createdAt");
	out->expires_at = idem_ddb_get_n(it, "ttl");
	if (out->done && (out->body = strdup(idem_ddb_get_s(it, "body"))) == NULL)
		return MT_ENOMEM;
	return 0;
}

/* Claims rec's key (see store.h): read, then one conditional write; again when another writer won meanwhile. */
int store_ddb_idem_begin(struct store *s, struct store_idem *rec, int64_t now_ms)
{
	struct store_idem cur;
	int attempt, rc;

	rec->taken_over = 0;
	rec->done = 0;
	rec->body = NULL;
	rec->location[0] = rec->etag[0] = '\0';
	rec->status = 0;
	if (store_dynamodb_table(s) == NULL)
		return MT_EINVAL;
	for (attempt = 0; attempt < IDEM_DDB_TRIES; attempt++) {
		cJSON *it = NULL;

		rc = idem_ddb_get(s, rec, &it);
		if (rc < 0)
			return rc;
		if (it == NULL) {
			rc = idem_ddb_put(s, rec, -1, 0);
		} else {
			rc = idem_ddb_read(it, rec, &cur);
			cJSON_Delete(it);
			if (rc < 0)
				return rc;
			if (cur.expires_at <= now_ms / 1000) {
				/* expired, TTL not run yet */
				rc = idem_ddb_put(s, rec, cur.created_at, 0);
			} else if (!cur.done && strcmp(cur.fingerprint, rec->fingerprint) == 0 &&
				   cur.created_at + STORE_IDEM_LEASE_MS <= now_ms) {
				/* the first request never finished: the retry creates the same record */
				memcpy(rec->res_id, cur.res_id, sizeof rec->res_id);
				rec->taken_over = 1;
				rc = idem_ddb_put(s, rec, cur.created_at, 1);
				if (rc == MT_ECONFLICT)
					rec->taken_over = 0;
			} else {
				*rec = cur;
				return MT_ECONFLICT;
			}
			free(cur.body);
		}
		if (rc != MT_ECONFLICT)
			return rc;
	}
	return MT_EBUSY;
}

/* Stores the answer of a claimed key (conditional on the claim, still pending). */
int store_ddb_idem_finish(struct store *s, const struct store_idem *rec)
{
	struct store_idem done = *rec;
	int rc;

	if (store_dynamodb_table(s) == NULL)
		return MT_EINVAL;
	done.done = 1;
	rc = idem_ddb_put(s, &done, rec->created_at, 1);
	return rc == MT_ECONFLICT ? MT_ENOTFOUND : rc;
}

/* Deletes an unfinished claim (conditional on it). */
int store_ddb_idem_release(struct store *s, const struct store_idem *rec)
{
	cJSON *req;
	int rc;

	if (store_dynamodb_table(s) == NULL)
		return MT_EINVAL;
	req = idem_ddb_req(s, rec, "Key");
	idem_ddb_cond(req, rec->created_at, 1);
	rc = idem_ddb_call(s, "DeleteItem", req, NULL);
	return rc == MT_ECONFLICT ? MT_ENOTFOUND : rc;
}
