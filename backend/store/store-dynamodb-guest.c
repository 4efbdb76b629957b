/* Public links (LINK#<key> / LINK) in the DynamoDB store: guests' status
 * pages (key = hex SHA-256 of the token) and self check-in doors
 * (key = "j:" + slug). One item each, read with a consistent GetItem; an
 * expiring link carries `ttl` (epoch seconds) and is ignored once past it. */
#include <stdio.h>
#include <string.h>
#include "core/error.h"
#include "store/store-dynamodb-private.h"

#define DDB_LINK_PK_SIZE (sizeof(((struct mt_link *)0)->key) + 8)   /* "LINK#" + key */

/* Creates or replaces a public link. */
int store_ddb_link_put(struct store *st, const struct mt_link *l)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[DDB_LINK_PK_SIZE];
	cJSON *it;

	if (l == NULL || l->key[0] == '\0' || strnlen(l->key, sizeof l->key) >= sizeof l->key)
		return MT_EINVAL;
	if ((it = cJSON_CreateObject()) == NULL)
		return MT_ENOMEM;
	store_ddb_fmt(pk, sizeof pk, "LINK#", l->key);
	store_ddb_put_s(it, "PK", pk);
	store_ddb_put_s(it, "SK", "LINK");
	store_ddb_put_s(it, "type", "link");
	store_ddb_put_s(it, "kind", l->kind);
	store_ddb_put_s(it, "tenantId", l->tenant_id);
	store_ddb_put_s(it, "waitlistId", l->waitlist_id);
	store_ddb_put_s(it, "waiteeId", l->waitee_id);
	store_ddb_put_n(it, "enabled", l->enabled ? 1 : 0);
	store_ddb_put_n(it, "createdAt", l->created_at);
	if (l->expires_at > 0)
		store_ddb_put_n(it, "ttl", l->expires_at);
	return store_ddb_put_item(s, it, -2, NULL);
}

/* Gets a live public link by key. */
int store_ddb_link_get(struct store *st, const char *key, struct mt_link *out)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[DDB_LINK_PK_SIZE];
	cJSON *it = NULL;
	int rc;

	if (key == NULL)
		return MT_EINVAL;
	if (strlen(key) >= sizeof out->key)
		return MT_ENOTFOUND;
	store_ddb_fmt(pk, sizeof pk, "LINK#", key);
	rc = store_ddb_get_item(s, pk, "LINK", &it);
	if (rc != 0)
		return rc;
	if (it == NULL)
		return MT_ENOTFOUND;
	memset(out, 0, sizeof *out);
	snprintf(out->key, sizeof out->key, "%s", key);
	store_ddb_get_s(it, "kind", out->kind, sizeof out->kind);
	store_ddb_get_s(it, "tenantId", out->tenant_id, sizeof out->tenant_id);
	store_ddb_get_s(it, "waitlistId", out->waitlist_id, sizeof out->waitlist_id);
	store_ddb_get_s(it, "waiteeId", out->waitee_id, sizeof out->waitee_id);
	out->enabled = store_ddb_get_n(it, "enabled") != 0;
	out->created_at = store_ddb_get_n(it, "createdAt");
	out->expires_at = store_ddb_get_n(it, "ttl");
	cJSON_Delete(it);
	if (out->expires_at > 0 && out->expires_at <= store_ddb_now_s(s))
		return MT_ENOTFOUND;   /* TTL deletion lags: an expired link is gone already */
	return 0;
}
