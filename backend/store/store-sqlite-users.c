/* Accounts and login guards in the SQLite store: their SQL and operations. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "core/id.h"
#include "store/store-sqlite-private.h"

/* Statements of this file, by enum store_sqlite_sq (store_sqlite_sql_of). */
const struct store_sqlite_sql store_sqlite_sql_users[SQ__COUNT] = {
	[SQ_USER_INSERT] = {"user_create",
		"INSERT INTO users (" SQ_USER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?11, ?12, ?13)"},
	[SQ_USER_GET] = {"user_get", "SELECT " SQ_USER_COLS " FROM users WHERE id = ?1"},
	[SQ_USER_GET_EMAIL] = {"user_get_by_email", "SELECT " SQ_USER_COLS " FROM users WHERE email = ?1"},
	[SQ_USER_UPDATE] = {"user_update",
		"UPDATE users SET name = ?2, role = ?3, password_hash = ?4, failed_logins = ?5,"
		" fail_window_start = ?6, disabled = ?8, must_change_password = ?9, revoked_before = ?10,"
		" updated_at = ?11, version = version + 1 WHERE id = ?1 AND version = ?7"},
	[SQ_USER_LIST] = {"user_list",
		"SELECT " SQ_USER_COLS " FROM users WHERE tenant_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"},
	[SQ_USER_VERSION] = {"user_version", "SELECT version FROM users WHERE id = ?1"},
	[SQ_GUARD_GET] = {"guard_get",
		"SELECT failed_logins, fail_window_start, version FROM login_guards WHERE key = ?1"},
	[SQ_GUARD_INSERT] = {"guard_put",
		"INSERT INTO login_guards (key, failed_logins, fail_window_start, version, expires_at)"
		" VALUES (?1, ?2, ?3, 1, ?4)"},
	[SQ_GUARD_UPDATE] = {"guard_update",
		"UPDATE login_guards SET failed_logins = ?2, fail_window_start = ?3, version = version + 1,"
		" expires_at = ?4 WHERE key = ?1 AND version = ?5"},
};

/* Reads a users row (SQ_USER_COLS). */
static void store_sqlite_read_user(sqlite3_stmt *st, struct mt_user *u)
{
	memset(u, 0, sizeof *u);
	COL_FIELD(st, 0, u->id);
	COL_FIELD(st, 1, u->tenant_id);
	COL_FIELD(st, 2, u->email);
	COL_FIELD(st, 3, u->name);
	COL_FIELD(st, 4, u->role);
	COL_FIELD(st, 5, u->password_hash);
	u->created_at = sqlite3_column_int64(st, 6);
	u->failed_logins = sqlite3_column_int(st, 7);
	u->fail_window_start = sqlite3_column_int64(st, 8);
	u->version = sqlite3_column_int64(st, 9);
	u->disabled = sqlite3_column_int(st, 10);
	u->must_change_password = sqlite3_column_int(st, 11);
	u->revoked_before = sqlite3_column_int64(st, 12);
	u->updated_at = sqlite3_column_int64(st, 13);
}

static void store_sqlite_read_user_cb(sqlite3_stmt *st, void *out) { store_sqlite_read_user(st, out); }

/* Job of store_sqlite_user_create: runs inside a (possibly shared) write transaction. */
static int store_sqlite_user_create_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	struct mt_user *u = a->rec;
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = store_sqlite_stmt(c, SQ_USER_INSERT, &st)) < 0)
		return r;
	BIND_FIELD(st, 1, u->id);
	BIND_FIELD(st, 2, u->tenant_id);
	BIND_FIELD(st, 3, u->email);
	BIND_FIELD(st, 4, u->name);
	BIND_FIELD(st, 5, u->role);
	BIND_FIELD(st, 6, u->password_hash);
	sqlite3_bind_int64(st, 7, u->created_at);
	sqlite3_bind_int(st, 8, u->failed_logins);
	sqlite3_bind_int64(st, 9, u->fail_window_start);
	sqlite3_bind_int(st, 10, u->disabled);
	sqlite3_bind_int(st, 11, u->must_change_password);
	sqlite3_bind_int64(st, 12, u->revoked_before);
	sqlite3_bind_int64(st, 13, u->updated_at);
	r = store_sqlite_write(s, c, st, NULL);
	return r;
}

/* Creates an account; MT_ECONFLICT when the e-mail (or id) exists. Sets version 1. */
int store_sqlite_user_create(struct store *base, struct mt_user *u)
{
	struct store_sqlite_wargs a = {u, NULL, NULL, 0};
	int r;

	r = store_sqlite_submit(base, store_sqlite_user_create_job, &a);
	if (r == 0)
		u->version = 1;
	return r;
}

/* Gets an account by id. */
int store_sqlite_user_get(struct store *base, const char *user_id, struct mt_user *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (user_id == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_USER_GET, &st)) < 0)
		return r;
	BIND_STR(st, 1, user_id);
	return store_sqlite_get_row(s, c, st, store_sqlite_read_user_cb, out);
}

/* Gets an account by (lower-cased) e-mail. */
int store_sqlite_user_get_by_email(struct store *base, const char *email, struct mt_user *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (email == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_USER_GET_EMAIL, &st)) < 0)
		return r;
	BIND_STR(st, 1, email);
	return store_sqlite_get_row(s, c, st, store_sqlite_read_user_cb, out);
}

/* Job of store_sqlite_user_update: runs inside a (possibly shared) write transaction. */
static int store_sqlite_user_update_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	struct mt_user *u = a->rec;
	int64_t expected_version = a->expected;
	sqlite3_stmt *st = NULL, *vst = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_USER_UPDATE, &st)) < 0 ||
	    (r = store_sqlite_stmt(c, SQ_USER_VERSION, &vst)) < 0)
		return r;
	BIND_FIELD(st, 1, u->id);
	BIND_FIELD(st, 2, u->name);
	BIND_FIELD(st, 3, u->role);
	BIND_FIELD(st, 4, u->password_hash);
	sqlite3_bind_int(st, 5, u->failed_logins);
	sqlite3_bind_int64(st, 6, u->fail_window_start);
	sqlite3_bind_int64(st, 7, expected_version);
	sqlite3_bind_int(st, 8, u->disabled);
	sqlite3_bind_int(st, 9, u->must_change_password);
	sqlite3_bind_int64(st, 10, u->revoked_before);
	sqlite3_bind_int64(st, 11, u->updated_at);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0) {
		BIND_FIELD(vst, 1, u->id);
		r = store_sqlite_why_unchanged(s, c, vst);
	}
	return r;
}

/* Updates every mutable field of an account, conditional on version. */
int store_sqlite_user_update(struct store *base, struct mt_user *u, int64_t expected_version)
{
	struct store_sqlite_wargs a = {u, NULL, NULL, expected_version};
	int r;

	r = store_sqlite_submit(base, store_sqlite_user_update_job, &a);
	if (r == 0)
		u->version = expected_version + 1;
	return r;
}

/* Lists a tenant's accounts in creation (id) order, one page at a time. */
int store_sqlite_user_list(struct store *base, const char *tenant_id, const struct store_page *page,
			   struct mt_user **items, size_t *n, char **next_cursor)
{
	void *arr = NULL;
	int r = store_sqlite_tenant_list(base, SQ_USER_LIST, tenant_id, page, sizeof(struct mt_user),
					 store_sqlite_read_user_cb, offsetof(struct mt_user, id), &arr, n, next_cursor);

	*items = arr;
	return r;
}

/* Reads a login guard's row (SQ_GUARD_GET). */
static void store_sqlite_read_guard_cb(sqlite3_stmt *st, void *out)
{
	struct mt_login_guard *g = out;

	g->failed_logins = sqlite3_column_int(st, 0);
	g->fail_window_start = sqlite3_column_int64(st, 1);
	g->version = sqlite3_column_int64(st, 2);
}

/* Gets a login guard; MT_ENOTFOUND when none. */
int store_sqlite_guard_get(struct store *base, const char *key, struct mt_login_guard *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (key == NULL || strlen(key) >= sizeof out->key)
		return MT_EINVAL;
	memset(out, 0, sizeof *out);
	snprintf(out->key, sizeof out->key, "%s", key);
	if ((r = store_sqlite_stmt(c, SQ_GUARD_GET, &st)) < 0)
		return r;
	BIND_STR(st, 1, key);
	return store_sqlite_get_row(s, c, st, store_sqlite_read_guard_cb, out);
}

/* Job of store_sqlite_guard_put: insert (expected 0) or conditional update. */
static int store_sqlite_guard_put_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const struct mt_login_guard *g = a->rec;
	int64_t expires = g->fail_window_start / 1000 + STORE_GUARD_KEEP_S;
	sqlite3_stmt *st = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, a->expected == 0 ? SQ_GUARD_INSERT : SQ_GUARD_UPDATE, &st)) < 0)
		return r;
	BIND_STR(st, 1, g->key);
	sqlite3_bind_int(st, 2, g->failed_logins);
	sqlite3_bind_int64(st, 3, g->fail_window_start);
	sqlite3_bind_int64(st, 4, expires);
	if (a->expected != 0)
		sqlite3_bind_int64(st, 5, a->expected);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0)
		r = MT_EPRECOND;   /* another version, or gone: the caller reloads */
	return r;
}

/* Stores a login guard (see store.h). */
int store_sqlite_guard_put(struct store *base, struct mt_login_guard *g, int64_t expected_version)
{
	struct store_sqlite_wargs a = {g, NULL, NULL, expected_version};
	int r;

	if (g == NULL || g->key[0] == '\0' || expected_version < 0)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_guard_put_job, &a);
	if (r == 0)
		g->version = expected_version + 1;
	return r;
}
