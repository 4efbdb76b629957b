/* The activity log and shift handover notes in the SQLite store (issue 10):
 * tables `activity` and `handovers` (migration 8), their SQL and operations.
 * Both page newest first: the cursor is the last id handed out (the same
 * base64url encoding as every other cursor), the next page reads ids below it. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "core/id.h"
#include "store/store-sqlite-private.h"

#define SQ_ACT_COLS "tenant_id, waitlist_id, id, at, actor_kind, actor_id, action, subject_id, party_size," \
	" fields, before, after, detail, expires_at"
#define SQ_HAND_COLS "tenant_id, waitlist_id, id, note, author_id, author_name, created_at, acked_by," \
	" acked_name, acked_at, version, expires_at"
/* Above every id (Crockford base32 has no '~'): "no upper bound". */
#define SQ_ID_TOP "~"

/* Statements of this file, by enum store_sqlite_sq (store_sqlite_sql_of). */
const struct store_sqlite_sql store_sqlite_sql_activity[SQ__COUNT] = {
	[SQ_ACT_INSERT] = {"activity_append",
		"INSERT INTO activity (" SQ_ACT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
		" ?12, ?13, ?14)"},
	/* ?3 below this id, ?4 from this id on, ?5 now (s), ?6 limit */
	[SQ_ACT_LIST] = {"activity_list",
		"SELECT " SQ_ACT_COLS " FROM activity WHERE tenant_id = ?1 AND waitlist_id = ?2"
		" AND id < ?3 AND id >= ?4 AND expires_at > ?5 ORDER BY id DESC LIMIT ?6"},
	[SQ_HAND_INSERT] = {"handover_create",
		"INSERT INTO handovers (" SQ_HAND_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11)"},
	[SQ_HAND_LIST] = {"handover_list",
		"SELECT " SQ_HAND_COLS " FROM handovers WHERE tenant_id = ?1 AND waitlist_id = ?2"
		" AND id < ?3 AND expires_at > ?4 ORDER BY id DESC LIMIT ?5"},
	[SQ_HAND_UPDATE] = {"handover_update",
		"UPDATE handovers SET note = ?4, acked_by = ?5, acked_name = ?6, acked_at = ?7,"
		" version = version + 1 WHERE tenant_id = ?1 AND waitlist_id = ?2 AND id = ?3 AND version = ?8"},
	[SQ_HAND_VERSION] = {"handover_version",
		"SELECT version FROM handovers WHERE tenant_id = ?1 AND waitlist_id = ?2 AND id = ?3"},
	[SQ_PURGE_ACT] = {"purge_expired_activity",
		"DELETE FROM activity WHERE (tenant_id, waitlist_id, id) IN (SELECT tenant_id, waitlist_id, id"
		" FROM activity WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"},
	[SQ_PURGE_HAND] = {"purge_expired_handovers",
		"DELETE FROM handovers WHERE (tenant_id, waitlist_id, id) IN (SELECT tenant_id, waitlist_id, id"
		" FROM handovers WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"},
};

/* Job of store_sqlite_activity_append: runs inside a (possibly shared) write transaction. */
static int store_sqlite_activity_append_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *w = arg;
	const struct mt_activity *a = w->rec;
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = store_sqlite_stmt(c, SQ_ACT_INSERT, &st)) < 0)
		return r;
	BIND_FIELD(st, 1, a->tenant_id);
	BIND_FIELD(st, 2, a->waitlist_id);
	BIND_FIELD(st, 3, a->id);
	sqlite3_bind_int64(st, 4, a->at);
	BIND_FIELD(st, 5, a->actor_kind);
	BIND_FIELD(st, 6, a->actor_id);
	BIND_FIELD(st, 7, a->action);
	BIND_FIELD(st, 8, a->subject_id);
	sqlite3_bind_int(st, 9, a->party_size);
	BIND_FIELD(st, 10, a->fields);
	BIND_FIELD(st, 11, a->before);
	BIND_FIELD(st, 12, a->after);
	BIND_FIELD(st, 13, a->detail);
	sqlite3_bind_int64(st, 14, a->expires_at);
	return store_sqlite_write(s, c, st, NULL);
}

/* Appends an activity entry. */
int store_sqlite_activity_append(struct store *base, const struct mt_activity *a)
{
	struct store_sqlite_wargs w = {(void *)a, NULL, NULL, 0};

	if (a == NULL || !mt_id_valid(a->id) || a->tenant_id[0] == '\0')
		return MT_EINVAL;
	return store_sqlite_submit1(base, store_sqlite_activity_append_job, &w);
}

/* Reads an activity row (SQ_ACT_COLS). */
static void store_sqlite_read_activity_cb(sqlite3_stmt *st, void *p)
{
	struct mt_activity *a = p;

	memset(a, 0, sizeof *a);
	COL_FIELD(st, 0, a->tenant_id);
	COL_FIELD(st, 1, a->waitlist_id);
	COL_FIELD(st, 2, a->id);
	a->at = sqlite3_column_int64(st, 3);
	COL_FIELD(st, 4, a->actor_kind);
	COL_FIELD(st, 5, a->actor_id);
	COL_FIELD(st, 6, a->action);
	COL_FIELD(st, 7, a->subject_id);
	a->party_size = sqlite3_column_int(st, 8);
	COL_FIELD(st, 9, a->fields);
	COL_FIELD(st, 10, a->before);
	COL_FIELD(st, 11, a->after);
	COL_FIELD(st, 12, a->detail);
	a->expires_at = sqlite3_column_int64(st, 13);
}

/* The start both pages of this file share: clears *n and *next_cursor,
 * checks the ids, reads the page (below: its cursor, or above every id),
 * prepares statement sq and binds ?1 tenant, ?2 list, ?3 below. */
static int store_sqlite_page_begin(struct store_sqlite_conn *c, enum store_sqlite_sq sq, const char *tenant_id,
				   const char *waitlist_id, const struct store_page *page, size_t *n, char **next_cursor,
				   char below[MT_ID_SIZE], int *limit, sqlite3_stmt **st)
{
	int r;

	*n = 0;
	if (next_cursor)
		*next_cursor = NULL;
	if (tenant_id == NULL || waitlist_id == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_page(page, below, limit)) < 0 || (r = store_sqlite_stmt(c, sq, st)) < 0)
		return r;
	if (below[0] == '\0')
		snprintf(below, MT_ID_SIZE, "%s", SQ_ID_TOP);
	BIND_STR(*st, 1, tenant_id);
	BIND_STR(*st, 2, waitlist_id);
	BIND_STR(*st, 3, below);
	return 0;
}

/* Pages through a list's (or the restaurant's) entries, newest first. */
int store_sqlite_activity_list(struct store *base, const char *tenant_id, const char *waitlist_id,
			       int64_t since_ms, const struct store_page *page, struct mt_activity **items,
			       size_t *n, char **next_cursor)
{
	STORE_SQLITE_ENTER(base, s, c);
	char below[MT_ID_SIZE], from[MT_ID_SIZE];
	sqlite3_stmt *st = NULL;
	void *arr = NULL;
	int limit, r;

	*items = NULL;
	r = store_sqlite_page_begin(c, SQ_ACT_LIST, tenant_id, waitlist_id, page, n, next_cursor, below, &limit, &st);
	if (r < 0)
		return r;
	mt_id_floor(from, since_ms > 0 ? since_ms : 0);
	BIND_STR(st, 4, from);
	sqlite3_bind_int64(st, 5, store_sqlite_now_s(s));
	sqlite3_bind_int(st, 6, limit + 1);
	r = store_sqlite_list(s, c, st, limit, sizeof(struct mt_activity), store_sqlite_read_activity_cb,
			      offsetof(struct mt_activity, id), &arr, n, next_cursor);
	*items = arr;
	return r;
}

/* Job of store_sqlite_handover_create: runs inside a (possibly shared) write transaction. */
static int store_sqlite_handover_create_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *w = arg;
	const struct mt_handover *h = w->rec;
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = store_sqlite_stmt(c, SQ_HAND_INSERT, &st)) < 0)
		return r;
	BIND_FIELD(st, 1, h->tenant_id);
	BIND_FIELD(st, 2, h->waitlist_id);
	BIND_FIELD(st, 3, h->id);
	BIND_FIELD(st, 4, h->note);
	BIND_FIELD(st, 5, h->author_id);
	BIND_FIELD(st, 6, h->author_name);
	sqlite3_bind_int64(st, 7, h->created_at);
	BIND_FIELD(st, 8, h->acked_by);
	BIND_FIELD(st, 9, h->acked_name);
	sqlite3_bind_int64(st, 10, h->acked_at);
	sqlite3_bind_int64(st, 11, h->expires_at);
	return store_sqlite_write(s, c, st, NULL);
}

/* Stores a new handover note (version 1). */
int store_sqlite_handover_create(struct store *base, struct mt_handover *h)
{
	struct store_sqlite_wargs w = {h, NULL, NULL, 0};
	int r;

	if (h == NULL || !mt_id_valid(h->id) || h->tenant_id[0] == '\0' || h->waitlist_id[0] == '\0')
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_handover_create_job, &w);
	if (r == 0)
		h->version = 1;
	return r;
}

/* Reads a handovers row (SQ_HAND_COLS). */
static void store_sqlite_read_handover_cb(sqlite3_stmt *st, void *p)
{
	struct mt_handover *h = p;

	memset(h, 0, sizeof *h);
	COL_FIELD(st, 0, h->tenant_id);
	COL_FIELD(st, 1, h->waitlist_id);
	COL_FIELD(st, 2, h->id);
	COL_FIELD(st, 3, h->note);
	COL_FIELD(st, 4, h->author_id);
	COL_FIELD(st, 5, h->author_name);
	h->created_at = sqlite3_column_int64(st, 6);
	COL_FIELD(st, 7, h->acked_by);
	COL_FIELD(st, 8, h->acked_name);
	h->acked_at = sqlite3_column_int64(st, 9);
	h->version = sqlite3_column_int64(st, 10);
	h->expires_at = sqlite3_column_int64(st, 11);
}

/* Pages through a list's handover notes, newest first. */
int store_sqlite_handover_list(struct store *base, const char *tenant_id, const char *waitlist_id,
			       const struct store_page *page, struct mt_handover **items, size_t *n,
			       char **next_cursor)
{
	STORE_SQLITE_ENTER(base, s, c);
	char below[MT_ID_SIZE];
	sqlite3_stmt *st = NULL;
	void *arr = NULL;
	int limit, r;

	*items = NULL;
	r = store_sqlite_page_begin(c, SQ_HAND_LIST, tenant_id, waitlist_id, page, n, next_cursor, below, &limit, &st);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 4, store_sqlite_now_s(s));
	sqlite3_bind_int(st, 5, limit + 1);
	r = store_sqlite_list(s, c, st, limit, sizeof(struct mt_handover), store_sqlite_read_handover_cb,
			      offsetof(struct mt_handover, id), &arr, n, next_cursor);
	*items = arr;
	return r;
}

/* Job of store_sqlite_handover_update: runs inside a (possibly shared) write transaction. */
static int store_sqlite_handover_update_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *w = arg;
	const struct mt_handover *h = w->rec;
	sqlite3_stmt *st = NULL, *vst = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_HAND_UPDATE, &st)) < 0 ||
	    (r = store_sqlite_stmt(c, SQ_HAND_VERSION, &vst)) < 0)
		return r;
	BIND_FIELD(st, 1, h->tenant_id);
	BIND_FIELD(st, 2, h->waitlist_id);
	BIND_FIELD(st, 3, h->id);
	BIND_FIELD(st, 4, h->note);
	BIND_FIELD(st, 5, h->acked_by);
	BIND_FIELD(st, 6, h->acked_name);
	sqlite3_bind_int64(st, 7, h->acked_at);
	sqlite3_bind_int64(st, 8, w->expected);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0) {
		BIND_FIELD(vst, 1, h->tenant_id);
		BIND_FIELD(vst, 2, h->waitlist_id);
		BIND_FIELD(vst, 3, h->id);
		r = store_sqlite_why_unchanged(s, c, vst);
	}
	return r;
}

/* Rewrites a handover note conditional on its version. */
int store_sqlite_handover_update(struct store *base, struct mt_handover *h, int64_t expected_version)
{
	struct store_sqlite_wargs w = {h, NULL, NULL, expected_version};
	int r;

	if (h == NULL)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_handover_update_job, &w);
	if (r == 0)
		h->version = expected_version + 1;
	return r;
}
