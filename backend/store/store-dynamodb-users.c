/* Accounts (USER#<email> / PROFILE, USERID#<id> / USERID, and the
 * tenant's list of them TENANT#<tenantId> / STAFF#<id>) and login guards
 * in the DynamoDB store. Profiles written since the STAFF# pointers carry
 * staffPointer = 1; an older one gets its pointer at its first read. */
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
	store_ddb_put_n(it, "disabled", u->disabled ? 1 : 0);
	store_ddb_put_n(it, "mustChangePassword", u->must_change_password ? 1 : 0);
	store_ddb_put_n(it, "revokedBefore", u->revoked_before);
	store_ddb_put_n(it, "updatedAt", u->updated_at);
	store_ddb_put_n(it, "staffPointer", 1);
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
	u->disabled = store_ddb_get_n(it, "disabled") != 0;
	u->must_change_password = store_ddb_get_n(it, "mustChangePassword") != 0;
	u->revoked_before = store_ddb_get_n(it, "revokedBefore");
	u->updated_at = store_ddb_get_n(it, "updatedAt");
}

/* Builds a pointer item pk/sk -> the account's e-mail (and id). */
static cJSON *ddb_user_pointer(const char *pk, const char *sk, const struct mt_user *u)
{
	cJSON *ptr = cJSON_CreateObject();

	if (ptr) {
		store_ddb_put_s(ptr, "PK", pk);
		store_ddb_put_s(ptr, "SK", sk);
		store_ddb_put_s(ptr, "email", u->email);
		store_ddb_put_s(ptr, "id", u->id);
	}
	return ptr;
}

/* Deletes the pointer pk/sk if it still leads to u's e-mail (best effort). */
static void ddb_user_pointer_drop(struct store_ddb *s, const char *pk, const char *sk, const struct mt_user *u)
{
	cJSON *req = store_ddb_req(s), *vals;

	if (req) {
		store_ddb_key(req, pk, sk);
		cJSON_AddStringToObject(req, "ConditionExpression", "email = :e");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_val_s(vals, ":e", u->email);
	}
	store_ddb_call(s, "DeleteItem", req, NULL, NULL);
}

/* Creates an account: three items, written without a transaction (dynalite
 * has none). The id pointer and the tenant's pointer go first, so a crash
 * between the writes leaves only unused pointers: user_get and user_list
 * check that the profile they lead to has the same id, and the e-mail stays
 * free. When the e-mail is taken the pointers are deleted again (best
 * effort; a leftover is as harmless). */
int store_ddb_user_create(struct store *st, struct mt_user *u)
{
	struct store_ddb *s = store_ddb_of(st);
	char ipk[MT_ID_SIZE + 8], tpk[MT_ID_SIZE + 8], tsk[MT_ID_SIZE + 8];
	int64_t v = u->version;
	int rc;

	if (u->email[0] == '\0' || u->id[0] == '\0' || u->tenant_id[0] == '\0')
		return MT_EINVAL;
	store_ddb_fmt(ipk, sizeof ipk, "USERID#", u->id);
	store_ddb_fmt(tpk, sizeof tpk, "TENANT#", u->tenant_id);
	store_ddb_fmt(tsk, sizeof tsk, "STAFF#", u->id);
	rc = store_ddb_put_item(s, ddb_user_pointer(ipk, "USERID", u), -1, NULL);
	if (rc != 0)
		return rc;   /* MT_ECONFLICT: the id exists */
	rc = store_ddb_put_item(s, ddb_user_pointer(tpk, tsk, u), -2, NULL);
	if (rc != 0) {
		ddb_user_pointer_drop(s, ipk, "USERID", u);
		return rc;
	}
	u->version = v > 0 ? v : 1;
	rc = store_ddb_put_item(s, ddb_user_item(u), -1, NULL);
	if (rc != 0) {
		ddb_user_pointer_drop(s, ipk, "USERID", u);
		ddb_user_pointer_drop(s, tpk, tsk, u);
		u->version = v;
		return rc;   /* MT_ECONFLICT: the e-mail exists */
	}
	return 0;
}

/* What user_list's query hands on: the account ids and e-mails of a page. */
struct ddb_user_ptr {
	char id[MT_ID_SIZE];                  /* account id */
	char email[MT_EMAIL_MAX + 1];         /* its e-mail: the profile's key */
};

/* Collects one STAFF# pointer of a user_list page. */
static int ddb_user_ptr_collect(const cJSON *item, void *ud)
{
	struct ddb_user_ptr *p = store_ddb_vec_push(ud);

	if (p == NULL)
		return MT_ENOMEM;
	store_ddb_get_s(item, "id", p->id, sizeof p->id);
	store_ddb_get_s(item, "email", p->email, sizeof p->email);
	return 0;
}

/* Lists a tenant's accounts in creation order: one Query of the tenant's
 * STAFF# pointers, then one GetItem per account (pointers whose profile is
 * gone or belongs to another id, left by a crashed create, are skipped). */
int store_ddb_user_list(struct store *st, const char *tenant_id, const struct store_page *page,
			struct mt_user **items, size_t *n, char **next_cursor)
{
	struct ddb_vec v = { NULL, 0, 0, sizeof(struct ddb_user_ptr) };
	struct ddb_user_ptr *ptrs;
	struct mt_user *out;
	char pk[MT_ID_SIZE + 8];
	size_t i, k = 0;
	int rc;

	*items = NULL;
	*n = 0;
	*next_cursor = NULL;
	if (tenant_id == NULL || strlen(tenant_id) > MT_ID_LEN)
		return MT_EINVAL;
	store_ddb_fmt(pk, sizeof pk, "TENANT#", tenant_id);
	rc = store_ddb_query_page(store_ddb_of(st), pk, "STAFF#", NULL, page, ddb_user_ptr_collect, &v, next_cursor);
	if (rc != 0) {
		free(v.items);
		return rc;
	}
	ptrs = v.items;
	out = calloc(v.n ? v.n : 1, sizeof *out);
	if (out == NULL) {
		free(ptrs);
		free(*next_cursor);
		*next_cursor = NULL;
		return MT_ENOMEM;
	}
	for (i = 0; i < v.n; i++) {
		rc = store_ddb_user_get_by_email(st, ptrs[i].email, &out[k]);
		if (rc == MT_ENOTFOUND || (rc == 0 && (strcmp(out[k].id, ptrs[i].id) != 0 ||
							 strcmp(out[k].tenant_id, tenant_id) != 0)))
			continue;
		if (rc != 0) {
			free(ptrs);
			free(out);
			free(*next_cursor);
			*next_cursor = NULL;
			return rc;
		}
		k++;
	}
	free(ptrs);
	*items = out;
	*n = k;
	return 0;
}

/* Gives an account stored before the tenants' STAFF# pointers existed
 * (its profile has no staffPointer mark) its pointer, then the mark, so
 * user_list (GET /staff) finds it from now on. Done at the account's first
 * read, which its next login or token check makes; both writes are
 * idempotent (two readers at once write the same). Best effort: a failure
 * is logged, and the next read tries again. */
static void ddb_user_backfill(struct store_ddb *s, const struct mt_user *u)
{
	char tpk[MT_ID_SIZE + 8], tsk[MT_ID_SIZE + 8], pk[MT_EMAIL_MAX + 8];
	cJSON *req, *names, *vals;
	int rc;

	store_ddb_fmt(tpk, sizeof tpk, "TENANT#", u->tenant_id);
	store_ddb_fmt(tsk, sizeof tsk, "STAFF#", u->id);
	rc = store_ddb_put_item(s, ddb_user_pointer(tpk, tsk, u), -2, NULL);
	if (rc == 0) {
		store_ddb_fmt(pk, sizeof pk, "USER#", u->email);
		if ((req = store_ddb_req(s)) == NULL)
			return;
		store_ddb_key(req, pk, "PROFILE");
		cJSON_AddStringToObject(req, "UpdateExpression", "SET staffPointer = :one");
		/* the same account still (not one registered again meanwhile) */
		cJSON_AddStringToObject(req, "ConditionExpression", "attribute_exists(PK) AND #id = :id");
		names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		cJSON_AddStringToObject(names, "#id", "id");
		store_ddb_val_s(vals, ":id", u->id);
		store_ddb_put_n(vals, ":one", 1);
		rc = store_ddb_call(s, "UpdateItem", req, NULL, NULL);
		if (rc == MT_ECONFLICT)
			rc = 0;   /* gone or another account: nothing to mark (user_list skips its pointer) */
	}
	if (rc != 0)
		store_ddb_log("back-fill of an account's STAFF# pointer failed; tried again at its next read",
			      mt_strerror(rc));
}

/* Looks an account up by e-mail (an account older than the STAFF# pointers
 * gets its pointer here: ddb_user_backfill). */
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
	if (store_ddb_get_n(it, "staffPointer") == 0 && out->id[0] && out->tenant_id[0] &&
	    strlen(out->id) <= MT_ID_LEN && strlen(out->tenant_id) <= MT_ID_LEN)
		ddb_user_backfill(s, out);
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
					"failWindowStart = :w, disabled = :d, mustChangePassword = :m, "
					"revokedBefore = :rb, updatedAt = :u, #v = :nv");
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
		store_ddb_put_n(vals, ":d", u->disabled ? 1 : 0);
		store_ddb_put_n(vals, ":m", u->must_change_password ? 1 : 0);
		store_ddb_put_n(vals, ":rb", u->revoked_before);
		store_ddb_put_n(vals, ":u", u->updated_at);
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
