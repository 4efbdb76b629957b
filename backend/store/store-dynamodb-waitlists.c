/* Waitlists (TENANT#<tid> / WAITLIST#<id>) in the DynamoDB store, and the
 * batched delete of a list's waitees. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/error.h"
#include "store/store-dynamodb-private.h"
/* Builds the item of a waitlist. */
static cJSON *ddb_waitlist_item(const struct mt_waitlist *w)
{
	cJSON *it = cJSON_CreateObject();
	char pk[MT_ID_SIZE + 8], sk[MT_ID_SIZE + 10];

	if (it == NULL)
		return NULL;
	store_ddb_fmt(pk, sizeof pk, "TENANT#", w->tenant_id);
	store_ddb_fmt(sk, sizeof sk, "WAITLIST#", w->id);
	store_ddb_put_s(it, "PK", pk);
	store_ddb_put_s(it, "SK", sk);
	store_ddb_put_s(it, "type", "waitlist");
	store_ddb_put_s(it, "id", w->id);
	store_ddb_put_s(it, "tenantId", w->tenant_id);
	store_ddb_put_s(it, "name", w->name);
	store_ddb_put_s(it, "description", w->description);
	store_ddb_put_s(it, "tplJoined", w->tpl_joined);
	store_ddb_put_s(it, "tplReady", w->tpl_ready);
	store_ddb_put_s(it, "tplReminder", w->tpl_reminder);
	store_ddb_put_n(it, "createdAt", w->created_at);
	store_ddb_put_n(it, "updatedAt", w->updated_at);
	store_ddb_put_n(it, "version", w->version);
	store_ddb_put_n(it, "defaultQuote", w->default_quote);
	return it;
}

/* Reads a waitlist from its item. */
static void ddb_waitlist_read(const cJSON *it, struct mt_waitlist *w)
{
	memset(w, 0, sizeof *w);
	store_ddb_get_s(it, "id", w->id, sizeof w->id);
	store_ddb_get_s(it, "tenantId", w->tenant_id, sizeof w->tenant_id);
	store_ddb_get_s(it, "name", w->name, sizeof w->name);
	store_ddb_get_s(it, "description", w->description, sizeof w->description);
	store_ddb_get_s(it, "tplJoined", w->tpl_joined, sizeof w->tpl_joined);
	store_ddb_get_s(it, "tplReady", w->tpl_ready, sizeof w->tpl_ready);
	store_ddb_get_s(it, "tplReminder", w->tpl_reminder, sizeof w->tpl_reminder);
	w->created_at = store_ddb_get_n(it, "createdAt");
	w->updated_at = store_ddb_get_n(it, "updatedAt");
	w->version = store_ddb_get_n(it, "version");
	w->default_quote = (int)store_ddb_get_n(it, "defaultQuote");
}

/* Creates a waitlist (MT_ECONFLICT when the id exists). */
int store_ddb_waitlist_create(struct store *st, struct mt_waitlist *w)
{
	int64_t v = w->version;
	int rc;

	if (w->id[0] == '\0' || w->tenant_id[0] == '\0')
		return MT_EINVAL;
	w->version = v > 0 ? v : 1;
	rc = store_ddb_put_item(store_ddb_of(st), ddb_waitlist_item(w), -1, NULL);
	if (rc != 0)
		w->version = v;
	return rc;
}

/* Reads a waitlist of a tenant. */
int store_ddb_waitlist_get(struct store *st, const char *tenant_id, const char *id,
			    struct mt_waitlist *out)
{
	char pk[MT_ID_SIZE + 8], sk[MT_ID_SIZE + 10];
	cJSON *it;
	int rc;

	if (strlen(tenant_id) > MT_ID_LEN || strlen(id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	store_ddb_fmt(pk, sizeof pk, "TENANT#", tenant_id);
	store_ddb_fmt(sk, sizeof sk, "WAITLIST#", id);
	rc = store_ddb_get_item(store_ddb_of(st), pk, sk, &it);
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
	struct mt_waitlist *w = store_ddb_vec_push(ud);

	if (w == NULL)
		return MT_ENOMEM;
	ddb_waitlist_read(item, w);
	return 0;
}

/* Lists a tenant's waitlists in creation order. */
int store_ddb_waitlist_list(struct store *st, const char *tenant_id, const struct store_page *page,
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
	store_ddb_fmt(pk, sizeof pk, "TENANT#", tenant_id);
	rc = store_ddb_query_page(store_ddb_of(st), pk, "WAITLIST#", NULL, page, ddb_waitlist_collect, &v, next_cursor);
	if (rc != 0) {
		free(v.items);
		return rc;
	}
	*items = v.items;
	*n = v.n;
	return 0;
}

/* Updates a waitlist, conditional on its version. */
int store_ddb_waitlist_update(struct store *st, struct mt_waitlist *w, int64_t expected_version)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 8], sk[MT_ID_SIZE + 10];
	int64_t old = w->version;
	cJSON *req, *names, *vals, *cur;
	int rc;

	if (strlen(w->tenant_id) == 0 || strlen(w->id) == 0)
		return MT_ENOTFOUND;
	store_ddb_fmt(pk, sizeof pk, "TENANT#", w->tenant_id);
	store_ddb_fmt(sk, sizeof sk, "WAITLIST#", w->id);
	req = store_ddb_req(s);
	if (req) {
		store_ddb_key(req, pk, sk);
		/* id, tenant and createdAt are immutable: only these change */
		cJSON_AddStringToObject(req, "UpdateExpression",
					"SET #n = :n, description = :d, tplJoined = :tj, tplReady = :tr, "
					"tplReminder = :tm, updatedAt = :u, defaultQuote = :dq, #v = :nv");
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK) AND #v = :v");
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		cJSON_AddStringToObject(names, "#n", "name");
		cJSON_AddStringToObject(names, "#v", "version");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_val_s(vals, ":n", w->name);
		store_ddb_val_s(vals, ":d", w->description);
		store_ddb_val_s(vals, ":tj", w->tpl_joined);
		store_ddb_val_s(vals, ":tr", w->tpl_ready);
		store_ddb_val_s(vals, ":tm", w->tpl_reminder);
		store_ddb_put_n(vals, ":u", w->updated_at);
		store_ddb_put_n(vals, ":dq", w->default_quote);
		store_ddb_put_n(vals, ":nv", expected_version + 1);
		store_ddb_put_n(vals, ":v", expected_version);
	}
	rc = store_ddb_update_own(s, req, pk, sk, &cur);
	if (rc == MT_ECONFLICT)
		rc = store_ddb_tell_failure(s, pk, sk, expected_version, cur);
	w->version = rc == 0 ? expected_version + 1 : old;
	return rc;
}

/* Deletes keys (a cJSON array of {PK, SK}) with BatchWriteItem in chunks
 * of 25, retrying UnprocessedItems with backoff. */
static int ddb_batch_delete(struct store_ddb *s, const cJSON *keys)
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
				store_ddb_log("BatchWriteItem", "UnprocessedItems did not clear after 10 rounds");
				return MT_EBUSY;
			}
			if (round > 0) {
				ts.tv_sec = 0;
				ts.tv_nsec = (long)(20 << round) * 1000000L;
				if (ts.tv_nsec >= 1000000000L)
					ts.tv_nsec = 999000000L;
				nanosleep(&ts, NULL);
			}
			rc = store_ddb_call(s, "BatchWriteItem", req, &resp, NULL);
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

/* Deletes the waitees of one Query page of keys (a walk's page callback). */
static int ddb_purge_page(const cJSON *resp, void *ud)
{
	return ddb_batch_delete(ud, cJSON_GetObjectItemCaseSensitive(resp, "Items"));
}

/* Deletes all waitees of a list: Query keys page by page + BatchWriteItem. */
static int ddb_waitees_purge(struct store_ddb *s, const char *waitlist_id)
{
	struct ddb_walk w = { .page = ddb_purge_page, .ud = s };
	char pk[MT_ID_SIZE + 10];
	cJSON *req = store_ddb_req(s), *vals;

	store_ddb_fmt(pk, sizeof pk, "WAITLIST#", waitlist_id);
	if (req) {
		cJSON_AddStringToObject(req, "KeyConditionExpression", "PK = :pk");
		cJSON_AddStringToObject(req, "ProjectionExpression", "PK, SK");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_val_s(vals, ":pk", pk);
		cJSON_AddTrueToObject(req, "ConsistentRead");
	}
	return store_ddb_query_walk(s, req, &w);
}

/* Deletes a waitlist of a tenant and all its waitees: proves the list is
 * the tenant's (GetItem), deletes the waitees, then the list. A crash in
 * between leaves the list with fewer waitees, and a retry finishes. */
int store_ddb_waitlist_delete(struct store *st, const char *tenant_id, const char *id)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 8], sk[MT_ID_SIZE + 10];
	cJSON *req, *it;
	int rc;

	if (strlen(tenant_id) > MT_ID_LEN || strlen(id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	store_ddb_fmt(pk, sizeof pk, "TENANT#", tenant_id);
	store_ddb_fmt(sk, sizeof sk, "WAITLIST#", id);
	rc = store_ddb_get_item(s, pk, sk, &it);
	if (rc != 0)
		return rc;
	if (it == NULL)
		return MT_ENOTFOUND;
	cJSON_Delete(it);
	rc = ddb_waitees_purge(s, id);
	if (rc != 0)
		return rc;
	req = store_ddb_req(s);
	if (req) {
		store_ddb_key(req, pk, sk);
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK)");
	}
	rc = store_ddb_call(s, "DeleteItem", req, NULL, NULL);
	return rc == MT_ECONFLICT ? MT_ENOTFOUND : rc;   /* a racing delete won */
}
