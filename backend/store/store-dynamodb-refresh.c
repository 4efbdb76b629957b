/* Refresh tokens (FAMILY#<fid> / TOKEN#<hash>) and family state
 * (FAMILY#<fid> / META) in the DynamoDB store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/error.h"
#include "store/store-dynamodb-private.h"
/* Stores a new refresh token (MT_ECONFLICT when the hash exists). */
int store_ddb_refresh_create(struct store *st, const struct mt_refresh *r)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 8], sk[80];
	cJSON *it = cJSON_CreateObject();

	if (it == NULL)
		return MT_ENOMEM;
	store_ddb_fmt(pk, sizeof pk, "FAMILY#", r->family_id);
	store_ddb_fmt(sk, sizeof sk, "TOKEN#", r->token_hash);
	store_ddb_put_s(it, "PK", pk);
	store_ddb_put_s(it, "SK", sk);
	store_ddb_put_s(it, "tokenHash", r->token_hash);
	store_ddb_put_s(it, "familyId", r->family_id);
	store_ddb_put_s(it, "userId", r->user_id);
	store_ddb_put_n(it, "createdAt", r->created_at);
	store_ddb_put_n(it, "expiresAt", r->expires_at);
	store_ddb_put_n(it, "used", r->used ? 1 : 0);
	if (r->expires_at > 0)
		store_ddb_put_n(it, "ttl", r->expires_at / 1000 + STORE_REFRESH_KEEP_S);
	return store_ddb_put_item(s, it, -1, NULL);
}

#define REFRESH_BATCH_ROUNDS 6   /* BatchGetItem calls before unprocessed keys count as unreadable */

/* Waits before BatchGetItem round `round` (1..): 10 ms doubling, at most 160 ms. */
static void refresh_backoff(int round)
{
	long ms = 10L << (round - 1 < 4 ? round - 1 : 4);
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Reads a token and its family state in one BatchGetItem. Keys DynamoDB
 * hands back unprocessed are asked again with backoff; when they never
 * clear, the answer is MT_EBUSY, never a token without its family state:
 * a family whose revocation cannot be read is treated as unusable (fails
 * closed), not as "not revoked". */
int store_ddb_refresh_get(struct store *st, const char *family_id, const char *token_hash,
			   struct mt_refresh *out)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 8], sk[80];
	cJSON *req, *ri, *t, *keys, *k, *resp = NULL, *arr, *it, *unp;
	const char *isk;
	int rc, found = 0, revoked = 0, round, i;

	if (strlen(family_id) > MT_ID_LEN || strlen(token_hash) > 64)
		return MT_ENOTFOUND;
	store_ddb_fmt(pk, sizeof pk, "FAMILY#", family_id);
	store_ddb_fmt(sk, sizeof sk, "TOKEN#", token_hash);
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
	store_ddb_put_s(k, "PK", pk);
	store_ddb_put_s(k, "SK", sk);
	cJSON_AddItemToArray(keys, k);
	k = cJSON_CreateObject();
	store_ddb_put_s(k, "PK", pk);
	store_ddb_put_s(k, "SK", "META");
	cJSON_AddItemToArray(keys, k);
	memset(out, 0, sizeof *out);
	for (round = 0; round < REFRESH_BATCH_ROUNDS && req; round++) {
		if (round > 0)
			refresh_backoff(round);
		rc = store_ddb_call(s, "BatchGetItem", req, &resp, NULL);
		req = NULL;
		if (rc != 0)
			return rc;
		arr = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "Responses"),
						       s->table);
		for (i = 0; i < cJSON_GetArraySize(arr); i++) {
			it = cJSON_GetArrayItem(arr, i);
			isk = store_ddb_get_sp(it, "SK");
			if (isk && strcmp(isk, "META") == 0) {
				revoked = store_ddb_get_n(it, "revoked") != 0;
			} else if (isk && strcmp(isk, sk) == 0) {
				found = 1;
				store_ddb_get_s(it, "tokenHash", out->token_hash, sizeof out->token_hash);
				store_ddb_get_s(it, "familyId", out->family_id, sizeof out->family_id);
				store_ddb_get_s(it, "userId", out->user_id, sizeof out->user_id);
				out->created_at = store_ddb_get_n(it, "createdAt");
				out->expires_at = store_ddb_get_n(it, "expiresAt");
				out->used = store_ddb_get_n(it, "used") != 0;
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
	if (req != NULL) {   /* still unprocessed: the token or its family state is unknown */
		cJSON_Delete(req);
		store_ddb_log("BatchGetItem", "UnprocessedKeys did not clear: refresh token refused (fails closed)");
		memset(out, 0, sizeof *out);
		return MT_EBUSY;
	}
	if (!found)
		return MT_ENOTFOUND;
	out->family_revoked = revoked;
	return 0;
}

/* Marks a token used, once (MT_ECONFLICT on reuse). */
int store_ddb_refresh_mark_used(struct store *st, const char *family_id, const char *token_hash)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 8], sk[80];
	cJSON *req = store_ddb_req(s), *vals, *names, *it;
	int rc;

	if (strlen(family_id) > MT_ID_LEN || strlen(token_hash) > 64) {
		cJSON_Delete(req);
		return MT_ENOTFOUND;
	}
	store_ddb_fmt(pk, sizeof pk, "FAMILY#", family_id);
	store_ddb_fmt(sk, sizeof sk, "TOKEN#", token_hash);
	if (req) {
		store_ddb_key(req, pk, sk);
		cJSON_AddStringToObject(req, "UpdateExpression", "SET #u = :one");
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK) AND #u = :zero");
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		cJSON_AddStringToObject(names, "#u", "used");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_put_n(vals, ":one", 1);
		store_ddb_put_n(vals, ":zero", 0);
	}
	rc = store_ddb_update_own(s, req, pk, sk, &it);
	if (rc != MT_ECONFLICT)
		return rc;
	if (it) {   /* the service sent the token with the failure: it exists */
		cJSON_Delete(it);
		return MT_ECONFLICT;
	}
	rc = store_ddb_get_item(s, pk, sk, &it);
	if (rc != 0)
		return rc;
	rc = it ? MT_ECONFLICT : MT_ENOTFOUND;
	cJSON_Delete(it);
	return rc;
}

/* Revokes every token of a family (marks the family META item). */
int store_ddb_refresh_revoke_family(struct store *st, const char *family_id)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 8];
	cJSON *req = store_ddb_req(s), *vals, *q, *qv, *resp;
	int rc, found;

	if (strlen(family_id) > MT_ID_LEN) {
		cJSON_Delete(req);
		return MT_ENOTFOUND;
	}
	store_ddb_fmt(pk, sizeof pk, "FAMILY#", family_id);
	/* the family exists when it has a token: one key-only Query */
	q = store_ddb_req(s);
	if (q == NULL) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	cJSON_AddStringToObject(q, "KeyConditionExpression", "PK = :pk AND begins_with(SK, :t)");
	cJSON_AddStringToObject(q, "ProjectionExpression", "PK");
	qv = cJSON_AddObjectToObject(q, "ExpressionAttributeValues");
	store_ddb_val_s(qv, ":pk", pk);
	store_ddb_val_s(qv, ":t", "TOKEN#");
	cJSON_AddNumberToObject(q, "Limit", 1);
	cJSON_AddTrueToObject(q, "ConsistentRead");
	rc = store_ddb_call(s, "Query", q, &resp, NULL);
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
		store_ddb_key(req, pk, "META");
		cJSON_AddStringToObject(req, "UpdateExpression", "SET revoked = :one");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_put_n(vals, ":one", 1);
	}
	return store_ddb_call(s, "UpdateItem", req, NULL, NULL);
}
