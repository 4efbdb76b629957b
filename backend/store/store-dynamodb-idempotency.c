/* Idempotency keys on DynamoDB (store.h idem_*): one item per tenant and
 * key, PK "IDEM#<tenant>", SK "KEY#<key>", `ttl` (epoch seconds) so the
 * table's TTL deletes it after 24 h. Claims are single conditional writes:
 * a new claim on attribute_not_exists(PK); replacing an expired record or
 * taking over a stale claim on "createdAt = the value read" (so of two
 * racing retries exactly one wins); finish/release on "createdAt = the
 * claim's AND done = 0". No transactions (dynalite has none). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "store/store-dynamodb-private.h"

#define IDEM_DDB_TRIES 3   /* rounds of read + conditional write when others race */

/* The record's PK and SK. */
static void idem_ddb_keys(const struct store_idem *r, char pk[8 + MT_ID_SIZE], char sk[8 + STORE_IDEM_KEY_MAX + 1])
{
	snprintf(pk, 8 + MT_ID_SIZE, "IDEM#%s", r->tenant_id);
	snprintf(sk, 8 + STORE_IDEM_KEY_MAX + 1, "KEY#%s", r->key);
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
	store_ddb_put_n(vals, ":c", created_at);
	if (pending_only) {
		cJSON_AddStringToObject(names, "#d", "done");
		store_ddb_put_n(vals, ":zero", 0);
	}
}

/* PutItem of the whole record r, conditional on the claim read (see idem_ddb_cond). */
static int idem_ddb_put(struct store_ddb *s, const struct store_idem *r, int64_t cond_created_at, int pending_only)
{
	cJSON *req = store_ddb_req(s), *it;
	char pk[8 + MT_ID_SIZE], sk[8 + STORE_IDEM_KEY_MAX + 1];

	if (req == NULL || (it = cJSON_AddObjectToObject(req, "Item")) == NULL) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	idem_ddb_keys(r, pk, sk);
	store_ddb_put_s(it, "PK", pk);
	store_ddb_put_s(it, "SK", sk);
	store_ddb_put_s(it, "type", "idempotency");
	store_ddb_put_s(it, "fingerprint", r->fingerprint);
	store_ddb_put_s(it, "resId", r->res_id);
	store_ddb_put_n(it, "done", r->done);
	store_ddb_put_n(it, "status", r->status);
	store_ddb_put_s(it, "body", r->body);
	store_ddb_put_s(it, "location", r->location);
	store_ddb_put_s(it, "etag", r->etag);
	store_ddb_put_n(it, "createdAt", r->created_at);
	store_ddb_put_n(it, "ttl", r->expires_at);
	store_ddb_put_erase_key(s, it, r->expires_at, pk);   /* the answer holds guest data */
	idem_ddb_cond(req, cond_created_at, pending_only);
	return store_ddb_call(s, "PutItem", req, NULL, NULL);
}

/* Fills out from an item (body malloc'd when done). 0 or MT_ENOMEM. */
static int idem_ddb_read(const cJSON *it, const struct store_idem *claim, struct store_idem *out)
{
	const char *body;

	memset(out, 0, sizeof *out);
	memcpy(out->tenant_id, claim->tenant_id, sizeof out->tenant_id);
	memcpy(out->key, claim->key, sizeof out->key);
	store_ddb_get_s(it, "fingerprint", out->fingerprint, sizeof out->fingerprint);
	store_ddb_get_s(it, "resId", out->res_id, sizeof out->res_id);
	out->done = (int)store_ddb_get_n(it, "done");
	out->status = (int)store_ddb_get_n(it, "status");
	store_ddb_get_s(it, "location", out->location, sizeof out->location);
	store_ddb_get_s(it, "etag", out->etag, sizeof out->etag);
	out->created_at = store_ddb_get_n(it, "createdAt");
	out->expires_at = store_ddb_get_n(it, "ttl");
	body = store_ddb_get_sp(it, "body");
	if (out->done && (out->body = strdup(body ? body : "")) == NULL)
		return MT_ENOMEM;
	return 0;
}

/* Claims rec's key (see store.h): read, then one conditional write; again when another writer won meanwhile. */
int store_ddb_idem_begin(struct store *st, struct store_idem *rec, int64_t now_ms)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[8 + MT_ID_SIZE], sk[8 + STORE_IDEM_KEY_MAX + 1];
	struct store_idem cur;
	int attempt, rc;

	rec->taken_over = 0;
	rec->done = 0;
	rec->body = NULL;
	rec->location[0] = rec->etag[0] = '\0';
	rec->status = 0;
	idem_ddb_keys(rec, pk, sk);
	for (attempt = 0; attempt < IDEM_DDB_TRIES; attempt++) {
		cJSON *it = NULL;

		rc = store_ddb_get_item(s, pk, sk, &it);
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
int store_ddb_idem_finish(struct store *st, const struct store_idem *rec)
{
	struct store_idem done = *rec;
	int rc;

	done.done = 1;
	rc = idem_ddb_put(store_ddb_of(st), &done, rec->created_at, 1);
	return rc == MT_ECONFLICT ? MT_ENOTFOUND : rc;
}

/* Deletes an unfinished claim (conditional on it). */
int store_ddb_idem_release(struct store *st, const struct store_idem *rec)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[8 + MT_ID_SIZE], sk[8 + STORE_IDEM_KEY_MAX + 1];
	cJSON *req = store_ddb_req(s);
	int rc;

	idem_ddb_keys(rec, pk, sk);
	if (req != NULL)
		store_ddb_key(req, pk, sk);
	idem_ddb_cond(req, rec->created_at, 1);
	rc = store_ddb_call(s, "DeleteItem", req, NULL, NULL);
	return rc == MT_ECONFLICT ? MT_ENOTFOUND : rc;
}
