/* Refresh tokens and their families in the SQLite store: SQL and operations. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "core/id.h"
#include "store/store-sqlite-private.h"

/* Statements of this file, by enum store_sqlite_sq (store_sqlite_sql_of). */
const struct store_sqlite_sql store_sqlite_sql_refresh[SQ__COUNT] = {
	[SQ_FAMILY_INSERT] = {"refresh_family_create",
		"INSERT INTO refresh_families (id, user_id, created_at, revoked) VALUES (?1, ?2, ?3, 0)"
		" ON CONFLICT (id) DO NOTHING"},
	[SQ_REFRESH_INSERT] = {"refresh_create",
		"INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at, used)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
	[SQ_REFRESH_GET] = {"refresh_get",
		"SELECT t.token_hash, t.family_id, t.user_id, t.created_at, t.expires_at, t.used, f.revoked"
		" FROM refresh_tokens AS t JOIN refresh_families AS f ON f.id = t.family_id"
		" WHERE t.token_hash = ?1 AND t.family_id = ?2"},
	[SQ_REFRESH_MARK] = {"refresh_mark_used",
		"UPDATE refresh_tokens SET used = 1 WHERE token_hash = ?1 AND family_id = ?2 AND used = 0"},
	[SQ_REFRESH_EXISTS] = {"refresh_exists",
		"SELECT used FROM refresh_tokens WHERE token_hash = ?1 AND family_id = ?2"},
	[SQ_FAMILY_REVOKE] = {"refresh_revoke_family",
		"UPDATE refresh_families SET revoked = 1 WHERE id = ?1"},
};

/* Job of store_sqlite_refresh_create: runs inside a (possibly shared) write transaction. */
static int store_sqlite_refresh_create_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const struct mt_refresh *rt = a->rec;
	sqlite3_stmt *fst = NULL, *st = NULL;
	int r;

	if ((r = store_sqlite_stmt(c, SQ_FAMILY_INSERT, &fst)) < 0 ||
	    (r = store_sqlite_stmt(c, SQ_REFRESH_INSERT, &st)) < 0)
		return r;
	BIND_FIELD(fst, 1, rt->family_id);
	BIND_FIELD(fst, 2, rt->user_id);
	sqlite3_bind_int64(fst, 3, rt->created_at);
	r = store_sqlite_write(s, c, fst, NULL);
	if (r == 0) {
		BIND_FIELD(st, 1, rt->token_hash);
		BIND_FIELD(st, 2, rt->family_id);
		BIND_FIELD(st, 3, rt->user_id);
		sqlite3_bind_int64(st, 4, rt->created_at);
		sqlite3_bind_int64(st, 5, rt->expires_at);
		sqlite3_bind_int(st, 6, rt->used ? 1 : 0);
		r = store_sqlite_write(s, c, st, NULL);
	}
	return r;
}

/* Stores a refresh token, creating its family on first use. MT_ECONFLICT when the hash exists. */
int store_sqlite_refresh_create(struct store *base, const struct mt_refresh *rt)
{
	struct store_sqlite_wargs a = {(void *)rt, NULL, NULL, 0};
	int r;

	r = store_sqlite_submit(base, store_sqlite_refresh_create_job, &a);
	return r;
}

/* Reads a refresh token row joined with its family. */
static void store_sqlite_read_refresh_cb(sqlite3_stmt *st, void *p)
{
	struct mt_refresh *out = p;

	memset(out, 0, sizeof *out);
	COL_FIELD(st, 0, out->token_hash);
	COL_FIELD(st, 1, out->family_id);
	COL_FIELD(st, 2, out->user_id);
	out->created_at = sqlite3_column_int64(st, 3);
	out->expires_at = sqlite3_column_int64(st, 4);
	out->used = sqlite3_column_int(st, 5) != 0;
	out->family_revoked = sqlite3_column_int(st, 6) != 0;
}

/* Gets a refresh token of a family, with the family's revoked flag. */
int store_sqlite_refresh_get(struct store *base, const char *family_id, const char *token_hash,
				    struct mt_refresh *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (family_id == NULL || token_hash == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_REFRESH_GET, &st)) < 0)
		return r;
	BIND_STR(st, 1, token_hash);
	BIND_STR(st, 2, family_id);
	return store_sqlite_get_row(s, c, st, store_sqlite_read_refresh_cb, out);
}

/* Job of store_sqlite_refresh_mark_used: runs inside a (possibly shared) write transaction. */
static int store_sqlite_refresh_mark_used_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const char *family_id = a->k1;
	const char *token_hash = a->k2;
	sqlite3_stmt *st = NULL, *est = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_REFRESH_MARK, &st)) < 0 ||
	    (r = store_sqlite_stmt(c, SQ_REFRESH_EXISTS, &est)) < 0)
		return r;
	BIND_STR(st, 1, token_hash);
	BIND_STR(st, 2, family_id);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0) {
		BIND_STR(est, 1, token_hash);
		BIND_STR(est, 2, family_id);
		r = store_sqlite_why_unchanged(s, c, est);
		if (r == MT_EPRECOND)
			r = MT_ECONFLICT;
	}
	return r;
}

/* Marks a token spent: MT_ECONFLICT when it already was, MT_ENOTFOUND when absent. */
int store_sqlite_refresh_mark_used(struct store *base, const char *family_id, const char *token_hash)
{
	struct store_sqlite_wargs a = {NULL, family_id, token_hash, 0};
	int r;

	if (family_id == NULL || token_hash == NULL)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_refresh_mark_used_job, &a);
	return r;
}

/* Job of store_sqlite_refresh_revoke_family: runs inside a (possibly shared) write transaction. */
static int store_sqlite_refresh_revoke_family_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const char *family_id = a->k1;
	sqlite3_stmt *st = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_FAMILY_REVOKE, &st)) < 0)
		return r;
	BIND_STR(st, 1, family_id);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0)
		r = MT_ENOTFOUND;
	return r;
}

/* Revokes a whole family (idempotent); MT_ENOTFOUND when there is no such family. */
int store_sqlite_refresh_revoke_family(struct store *base, const char *family_id)
{
	struct store_sqlite_wargs a = {NULL, family_id, NULL, 0};
	int r;

	if (family_id == NULL)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_refresh_revoke_family_job, &a);
	return r;
}
