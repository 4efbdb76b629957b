/* Accounts (USER#<email> / PROFILE, USERID#<id> / USERID) and login guards
 * in the DynamoDB store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/error.h"
#include "store/store-dynamodb-private.h"
/* Builds the profile item of an account. */
static cJSON *ddb_user_item(const struct mt_user *u)
{
	cJSON *it = cJSON_CreateObject();
	char pk[MT_EMAIL_MAX + 8];

	if (it == NULL)
		return NULL;
	store_ddb_fmt(pk, sizeof pk, "USER#", u->email);
	store_ddb_put_s(it, "PK", pk);
	store_ddb_put_s(it, "SK", "PROFILE");
	store_ddb_put_s(it, "type", "user");
	store_ddb_put_s(it, "id", u->id);
	store_ddb_put_s(it, "tenantId", u->tenant_id);
	store_ddb_put_s(it, "email", u->email);
	store_ddb_put_s(it, "name", u->name);
	store_ddb_put_s(it, "role", u->role);
	store_ddb_put_s(it, "passwordHash", u->password_hash);
	store_ddb_put_n(it, "createdAt", u->created_at);
	store_ddb_put_n(it, "failedLogins", u->failed_logins);
	store_ddb_put_n(it, "failWindowStart", u->fail_window_start);
	store_ddb_put_n(it, "version", u->version);
	return it;
}

/* Reads an account from its profile item. */
static void ddb_user_read(const cJSON *it, struct mt_user *u)
{
	memset(u, 0, sizeof *u);
	store_ddb_get_s(it, "id", u->id, sizeof u->id);
	store_ddb_get_s(it, "tenantId", u->tenant_id, sizeof u->tenant_id);
	store_ddb_get_s(it, "email", u->email, sizeof u->email);
	store_ddb_get_s(it, "name", u->name, sizeof u->name);
	store_ddb_get_s(it, "role", u->role, sizeof u->role);
	store_ddb_get_s(it, "passwordHash", u->password_hash, sizeof u->password_hash);
	u->created_at = store_ddb_get_n(it, "createdAt");
	u->failed_logins = (int32_t)store_ddb_get_n(it, "failedLogins");
	u->fail_window_start = store_ddb_get_n(it, "failWindowStart");
	u->version = store_ddb_get_n(it, "version");
}

/* Creates an account: two items, written without a transaction (dynalite
 * has none). The id pointer goes first, so a crash between the two writes
 * leaves only an unused pointer: user_get checks that the profile it leads
 * to has the same id, and the e-mail stays free. When the e-mail is taken
 * the pointer is deleted again (best effort; a leftover is as harmless). */
int store_ddb_user_create(struct store *st, struct mt_user *u)
{
	struct store_ddb *s = store_ddb_of(st);
	char ipk[MT_ID_SIZE + 8];
	cJSON *ptr, *req, *vals;
	int64_t v = u->version;
	int rc;

	if (u->email[0] == '\0' || u->id[0] == '\0')
		return MT_EINVAL;
	store_ddb_fmt(ipk, sizeof ipk, "USERID#", u->id);
	ptr = cJSON_CreateObject();
	if (ptr) {
		store_ddb_put_s(ptr, "PK", ipk);
		store_ddb_put_s(ptr, "SK", "USERID");
		store_ddb_put_s(ptr, "email", u->email);
	}
	rc = store_ddb_put_item(s, ptr, -1, NULL);
	if (rc != 0)
		return rc;   /* MT_ECONFLICT: the id exists */
	u->version = v > 0 ? v : 1;
	rc = store_ddb_put_item(s, ddb_user_item(u), -1, NULL);
	if (rc != 0) {
		req = store_ddb_req(s);
		if (req) {
			store_ddb_key(req, ipk, "USERID");
			cJSON_AddStringToObject(req, "ConditionExpression", "email = :e");
			vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
			store_ddb_val_s(vals, ":e", u->email);
		}
		store_ddb_call(s, "DeleteItem", req, NULL, NULL);
		u->version = v;
		return rc;   /* MT_ECONFLICT: the e-mail exists */
	}
	return 0;
}

/* Looks an account up by e-mail. */
int store_ddb_user_get_by_email(struct store *st, const char *email, struct mt_user *out)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_EMAIL_MAX + 8];
	cJSON *it;
	int rc;

	if (email == NULL || strlen(email) > MT_EMAIL_MAX)
		return MT_ENOTFOUND;
	store_ddb_fmt(pk, sizeof pk, "USER#", email);
	rc = store_ddb_get_item(s, pk, "PROFILE", &it);
	if (rc != 0)
		return rc;
	if (it == NULL)
		return MT_ENOTFOUND;
	ddb_user_read(it, out);
	cJSON_Delete(it);
	return 0;
}

/* Looks an account up by id (pointer, then profile). */
int store_ddb_user_get(struct store *st, const char *user_id, struct mt_user *out)
{
	struct store_ddb *s = store_ddb_of(st);
	char ipk[MT_ID_SIZE + 8], email[MT_EMAIL_MAX + 1];
	struct mt_user u;
	cJSON *it;
	int rc;

	if (user_id == NULL || strlen(user_id) > MT_ID_LEN)
		return MT_ENOTFOUND;
	store_ddb_fmt(ipk, sizeof ipk, "USERID#", user_id);
	rc = store_ddb_get_item(s, ipk, "USERID", &it);
	if (rc != 0)
		return rc;
	if (it == NULL)
		return MT_ENOTFOUND;
	store_ddb_get_s(it, "email", email, sizeof email);
	cJSON_Delete(it);
	rc = store_ddb_user_get_by_email(st, email, &u);
	if (rc != 0)
		return rc;
	if (strcmp(u.id, user_id) != 0)
		return MT_ENOTFOUND;
	*out = u;
	return 0;
}

/* Updates an account, conditional on its version (the e-mail is the key
 * and cannot change here). */
int store_ddb_user_update(struct store *st, struct mt_user *u, int64_t expected_version)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[MT_EMAIL_MAX + 8];
	int64_t old = u->version;
	cJSON *req, *names, *vals, *cur;
	int rc;

	if (strlen(u->email) == 0)
		return MT_ENOTFOUND;
	store_ddb_fmt(pk, sizeof pk, "USER#", u->email);
	req = store_ddb_req(s);
	if (req) {
		store_ddb_key(req, pk, "PROFILE");
		cJSON_AddStringToObject(req, "UpdateExpression",
					"SET #n = :n, #r = :r, passwordHash = :p, failedLogins = :f, "
					"failWindowStart = :w, #v = :nv");
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK) AND #v = :v");
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		cJSON_AddStringToObject(names, "#n", "name");
		cJSON_AddStringToObject(names, "#r", "role");
		cJSON_AddStringToObject(names, "#v", "version");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_val_s(vals, ":n", u->name);
		store_ddb_val_s(vals, ":r", u->role);
		store_ddb_val_s(vals, ":p", u->password_hash);
		store_ddb_put_n(vals, ":f", u->failed_logins);
		store_ddb_put_n(vals, ":w", u->fail_window_start);
		store_ddb_put_n(vals, ":nv", expected_version + 1);
		store_ddb_put_n(vals, ":v", expected_version);
	}
	rc = store_ddb_update_own(s, req, pk, "PROFILE", &cur);
	if (rc == MT_ECONFLICT)
		rc = store_ddb_tell_failure(s, pk, "PROFILE", expected_version, cur);
	if (rc == 0)
		u->version = expected_version + 1;
	if (rc != 0)
		u->version = old;
	return rc;
}

/* Gets a login guard (item GUARD#<key> / GUARD); MT_ENOTFOUND when none. */
int store_ddb_guard_get(struct store *st, const char *key, struct mt_login_guard *out)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[80];
	cJSON *it = NULL;
	int rc;

	if (key == NULL || strlen(key) >= sizeof out->key)
		return MT_EINVAL;
	memset(out, 0, sizeof *out);
	snprintf(out->key, sizeof out->key, "%s", key);
	store_ddb_fmt(pk, sizeof pk, "GUARD#", key);
	rc = store_ddb_get_item(s, pk, "GUARD", &it);
	if (rc != 0)
		return rc;
	if (it == NULL)
		return MT_ENOTFOUND;
	out->failed_logins = (int32_t)store_ddb_get_n(it, "failedLogins");
	out->fail_window_start = store_ddb_get_n(it, "failWindowStart");
	out->version = store_ddb_get_n(it, "version");
	cJSON_Delete(it);
	return 0;
}

/* Stores a login guard: created when expected_version is 0, else conditional on it. */
int store_ddb_guard_put(struct store *st, struct mt_login_guard *g, int64_t expected_version)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[80];
	cJSON *it;
	int rc;

	if (g == NULL || g->key[0] == '\0' || expected_version < 0)
		return MT_EINVAL;
	store_ddb_fmt(pk, sizeof pk, "GUARD#", g->key);
	it = cJSON_CreateObject();
	if (it) {
		store_ddb_put_s(it, "PK", pk);
		store_ddb_put_s(it, "SK", "GUARD");
		store_ddb_put_n(it, "failedLogins", g->failed_logins);
		store_ddb_put_n(it, "failWindowStart", g->fail_window_start);
		store_ddb_put_n(it, "version", expected_version + 1);
		store_ddb_put_n(it, "ttl", g->fail_window_start / 1000 + STORE_GUARD_KEEP_S);
	}
	rc = store_ddb_put_item(s, it, expected_version == 0 ? -1 : expected_version, NULL);
	if (rc == MT_ECONFLICT && expected_version != 0)
		rc = MT_EPRECOND;   /* another version, or gone: the caller reloads */
	if (rc == 0)
		g->version = expected_version + 1;
	return rc;
}
