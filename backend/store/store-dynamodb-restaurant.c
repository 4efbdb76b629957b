/* Restaurants (REST#<tenantId> / REST) in the DynamoDB store: one item per
 * tenant, read with a consistent GetItem, created with
 * attribute_not_exists(PK) and updated with a whole-item PutItem
 * conditional on its version (every field is the owner's to set). */
#include <stdio.h>
#include <string.h>
#include "core/error.h"
#include "store/store-dynamodb-private.h"

/* Builds the item of a restaurant at version `version`. */
static cJSON *ddb_restaurant_item(const struct mt_restaurant *r, const char *pk, int64_t version)
{
	cJSON *it = cJSON_CreateObject();

	if (it == NULL)
		return NULL;
	store_ddb_put_s(it, "PK", pk);
	store_ddb_put_s(it, "SK", "REST");
	store_ddb_put_s(it, "type", "restaurant");
	store_ddb_put_s(it, "id", r->id);
	store_ddb_put_s(it, "name", r->name);
	store_ddb_put_s(it, "timezone", r->timezone);
	store_ddb_put_s(it, "phoneCountry", r->phone_country);
	store_ddb_put_n(it, "retentionSeconds", r->retention_s);
	store_ddb_put_n(it, "smsPerDay", r->sms_per_day);
	store_ddb_put_n(it, "createdAt", r->created_at);
	store_ddb_put_n(it, "updatedAt", r->updated_at);
	store_ddb_put_n(it, "version", version);
	return it;
}

/* Gets a tenant's restaurant record; MT_ENOTFOUND when none. */
int store_ddb_restaurant_get(struct store *st, const char *tenant_id, struct mt_restaurant *out)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 8];
	cJSON *it = NULL;
	int rc;

	if (tenant_id == NULL)
		return MT_EINVAL;
	if (strlen(tenant_id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	store_ddb_fmt(pk, sizeof pk, "REST#", tenant_id);
	rc = store_ddb_get_item(s, pk, "REST", &it);
	if (rc != 0)
		return rc;
	if (it == NULL)
		return MT_ENOTFOUND;
	memset(out, 0, sizeof *out);
	store_ddb_get_s(it, "id", out->id, sizeof out->id);
	store_ddb_get_s(it, "name", out->name, sizeof out->name);
	store_ddb_get_s(it, "timezone", out->timezone, sizeof out->timezone);
	store_ddb_get_s(it, "phoneCountry", out->phone_country, sizeof out->phone_country);
	out->retention_s = store_ddb_get_n(it, "retentionSeconds");
	out->sms_per_day = (int32_t)store_ddb_get_n(it, "smsPerDay");
	out->created_at = store_ddb_get_n(it, "createdAt");
	out->updated_at = store_ddb_get_n(it, "updatedAt");
	out->version = store_ddb_get_n(it, "version");
	cJSON_Delete(it);
	return 0;
}

/* Creates (expected 0) or updates (conditional on version) a restaurant record. */
int store_ddb_restaurant_put(struct store *st, struct mt_restaurant *r, int64_t expected_version)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 8];
	cJSON *cur = NULL;
	int rc;

	if (r == NULL || r->id[0] == '\0' || strlen(r->id) > MT_ID_LEN || expected_version < 0)
		return MT_EINVAL;
	store_ddb_fmt(pk, sizeof pk, "REST#", r->id);
	rc = store_ddb_put_item(s, ddb_restaurant_item(r, pk, expected_version + 1),
				expected_version == 0 ? -1 : expected_version, &cur);
	if (rc == MT_ECONFLICT && expected_version != 0)
		rc = store_ddb_tell_failure(s, pk, "REST", expected_version, cur);
	else
		cJSON_Delete(cur);
	if (rc == 0)
		r->version = expected_version + 1;
	return rc;
}

/* Deletes a restaurant record of this version: one DeleteItem conditional
 * on it (a retried attempt that had landed finds nothing: MT_ENOTFOUND). */
int store_ddb_restaurant_delete(struct store *st, const char *tenant_id, int64_t expected_version)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_ID_SIZE + 8];
	cJSON *req, *names, *vals, *cur = NULL;
	int rc;

	if (tenant_id == NULL || tenant_id[0] == '\0' || expected_version < 1)
		return MT_EINVAL;
	if (strlen(tenant_id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	store_ddb_fmt(pk, sizeof pk, "REST#", tenant_id);
	if ((req = store_ddb_req(s)) == NULL)
		return MT_ENOMEM;
	store_ddb_key(req, pk, "REST");
	cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK) AND #v = :v");
	names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
	vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
	if (names == NULL || vals == NULL) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	cJSON_AddStringToObject(names, "#v", "version");
	store_ddb_put_n(vals, ":v", expected_version);
	rc = store_ddb_call_cond(s, "DeleteItem", req, &cur);
	if (rc == MT_ECONFLICT)
		return store_ddb_tell_failure(s, pk, "REST", expected_version, cur);
	cJSON_Delete(cur);
	return rc;
}
