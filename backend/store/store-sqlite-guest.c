/* Public links (guests' status pages, self check-in doors) in the SQLite
 * store: the `links` table (migration 5), its SQL and operations. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "core/error.h"
#include "store/store-sqlite-private.h"

#define SQ_LINK_COLS "key, kind, tenant_id, waitlist_id, waitee_id, enabled, created_at, expires_at"

/* Statements of this file, by enum store_sqlite_sq (store_sqlite_sql_of). */
const struct store_sqlite_sql store_sqlite_sql_guest[SQ__COUNT] = {
	[SQ_LINK_PUT] = {"link_put",
		"INSERT OR REPLACE INTO links (" SQ_LINK_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
	[SQ_LINK_GET] = {"link_get",
		"SELECT " SQ_LINK_COLS " FROM links WHERE key = ?1 AND " SQ_LIVE("?2")},
	[SQ_PURGE_LINKS] = {"purge_expired_links",
		"DELETE FROM links WHERE key IN (SELECT key FROM links"
		" WHERE expires_at > 0 AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"},
};

/* Job of store_sqlite_link_put: runs inside a (possibly shared) write transaction. */
static int store_sqlite_link_put_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const struct mt_link *l = a->rec;
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = store_sqlite_stmt(c, SQ_LINK_PUT, &st)) < 0)
		return r;
	BIND_FIELD(st, 1, l->key);
	BIND_FIELD(st, 2, l->kind);
	BIND_FIELD(st, 3, l->tenant_id);
	BIND_FIELD(st, 4, l->waitlist_id);
	BIND_FIELD(st, 5, l->waitee_id);
	sqlite3_bind_int(st, 6, l->enabled ? 1 : 0);
	sqlite3_bind_int64(st, 7, l->created_at);
	sqlite3_bind_int64(st, 8, l->expires_at);
	return store_sqlite_write(s, c, st, NULL);
}

/* Creates or replaces a public link. */
int store_sqlite_link_put(struct store *base, const struct mt_link *l)
{
	struct store_sqlite_wargs a = {(void *)l, NULL, NULL, 0};

	if (l == NULL || l->key[0] == '\0')
		return MT_EINVAL;
	return store_sqlite_submit1(base, store_sqlite_link_put_job, &a);
}

/* Reads a links row. */
static void store_sqlite_read_link_cb(sqlite3_stmt *st, void *p)
{
	struct mt_link *l = p;

	memset(l, 0, sizeof *l);
	COL_FIELD(st, 0, l->key);
	COL_FIELD(st, 1, l->kind);
	COL_FIELD(st, 2, l->tenant_id);
	COL_FIELD(st, 3, l->waitlist_id);
	COL_FIELD(st, 4, l->waitee_id);
	l->enabled = sqlite3_column_int(st, 5) != 0;
	l->created_at = sqlite3_column_int64(st, 6);
	l->expires_at = sqlite3_column_int64(st, 7);
}

/* Gets a live public link by key. */
int store_sqlite_link_get(struct store *base, const char *key, struct mt_link *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (key == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_LINK_GET, &st)) < 0)
		return r;
	BIND_STR(st, 1, key);
	sqlite3_bind_int64(st, 2, store_sqlite_now_s(s));
	return store_sqlite_get_row(s, c, st, store_sqlite_read_link_cb, out);
}
