/* The per-connection cache of waitee lists in the SQLite store: every live
 * waitee of a list at the list's revision (waitlists.waitee_rev, kept by
 * triggers), so pages of a busy list are served without a query. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/clock.h"
#include "core/error.h"
#include "store/store-sqlite-private.h"

/* Statements of this file, by enum store_sqlite_sq (store_sqlite_sql_of). */
const struct store_sqlite_sql store_sqlite_sql_cache[SQ__COUNT] = {
	[SQ_WL_REV] = {"waitee_list_rev", "SELECT waitee_rev FROM waitlists WHERE id = ?1"},
	[SQ_WE_ALL] = {"waitee_list_fill",
		"SELECT " SQ_WE_COLS " FROM waitees WHERE waitlist_id = ?1 AND " SQ_LIVE("?2")
		" ORDER BY id LIMIT ?3"},
};

/* Reads the revision of a list's waitees; MT_ENOTFOUND when there is no such list. */
static int store_sqlite_list_rev(struct store_sqlite *s, struct store_sqlite_conn *c, const char *waitlist_id,
				 int64_t *rev)
{
	sqlite3_stmt *st = NULL;
	int r = store_sqlite_stmt(c, SQ_WL_REV, &st), rc;

	if (r < 0)
		return r;
	BIND_STR(st, 1, waitlist_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*rev = sqlite3_column_int64(st, 0);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? MT_ENOTFOUND : store_sqlite_err(c, rc);
	}
	store_sqlite_done(s, st);
	return r;
}

/* Frees a cache slot's rows and marks it free. */
static void store_sqlite_cache_drop(struct store_sqlite_conn *c, struct store_sqlite_cached *e)
{
	c->cache_bytes -= e->n * sizeof(struct mt_waitee);
	free(e->rows);
	memset(e, 0, sizeof *e);
}

/* Loads every live waitee of a list and the list's revision, in one read
 * transaction, into a cache slot (reusing the list's slot, a free one or the
 * least recently used); evicts older lists past the byte budget. */
static int store_sqlite_cache_fill(struct store_sqlite *s, struct store_sqlite_conn *c, const char *waitlist_id,
				   struct store_sqlite_cached **out)
{
	struct store_sqlite_cached *e = NULL;
	sqlite3_stmt *st = NULL;
	void *rows = NULL;
	char *more = NULL;
	size_t n = 0, bytes;
	int64_t rev = 0;
	int r, i;

	if ((r = store_sqlite_stmt(c, SQ_WE_ALL, &st)) < 0 || (r = store_sqlite_run(s, c, SQ_BEGIN_READ)) < 0)
		return r;
	r = store_sqlite_list_rev(s, c, waitlist_id, &rev);
	if (r == 0) {
		BIND_STR(st, 1, waitlist_id);
		sqlite3_bind_int64(st, 2, store_sqlite_now_s(s));
		sqlite3_bind_int(st, 3, STORE_SQLITE_CACHE_ROWS + 1);
		r = store_sqlite_list(s, c, st, STORE_SQLITE_CACHE_ROWS, sizeof(struct mt_waitee),
				      store_sqlite_read_waitee_cb, offsetof(struct mt_waitee, id), &rows, &n, &more);
	}
	if (!sqlite3_get_autocommit(c->db)) {
		int end = store_sqlite_run(s, c, r == 0 ? SQ_COMMIT : SQ_ROLLBACK);

		if (r == 0)
			r = end;
	}
	if (r < 0) {
		free(rows);
		free(more);
		return r;
	}
	if (more || n * sizeof(struct mt_waitee) > STORE_SQLITE_CACHE_BYTES) {
		/* Too big to cache: remember that, read pages from SQL. */
		free(rows);
		rows = NULL;
		n = 0;
	} else if (n > 0) {
		void *fit = realloc(rows, n * sizeof(struct mt_waitee));

		if (fit)
			rows = fit;
	}
	for (i = 0; i < STORE_SQLITE_CACHE_LISTS; i++)
		if (strcmp(c->cache[i].waitlist_id, waitlist_id) == 0)
			e = &c->cache[i];
	for (i = 0; e == NULL && i < STORE_SQLITE_CACHE_LISTS; i++)
		if (c->cache[i].waitlist_id[0] == '\0')
			e = &c->cache[i];
	if (e == NULL) {
		e = &c->cache[0];
		for (i = 1; i < STORE_SQLITE_CACHE_LISTS; i++)
			if (c->cache[i].used < e->used)
				e = &c->cache[i];
	}
	store_sqlite_cache_drop(c, e);
	/* Keep within the byte budget: drop the least recently used others. */
	bytes = n * sizeof(struct mt_waitee);
	while (c->cache_bytes + bytes > STORE_SQLITE_CACHE_BYTES) {
		struct store_sqlite_cached *lru = NULL;

		for (i = 0; i < STORE_SQLITE_CACHE_LISTS; i++)
			if (&c->cache[i] != e && c->cache[i].n > 0 && (lru == NULL || c->cache[i].used < lru->used))
				lru = &c->cache[i];
		if (lru == NULL)
			break;
		store_sqlite_cache_drop(c, lru);
	}
	snprintf(e->waitlist_id, sizeof e->waitlist_id, "%s", waitlist_id);
	e->rev = rev;
	e->rows = rows;
	e->n = n;
	e->too_big = more != NULL;
	c->cache_bytes += bytes;
	free(more);
	*out = e;
	return 0;
}

/* Serves one page from a cached list: rows after `after`, skipping any that
 * expired since the list was loaded. */
static int store_sqlite_cache_page(struct store_sqlite *s, const struct store_sqlite_cached *e, const char *after,
				   int limit, struct mt_waitee **items, size_t *n, char **next_cursor)
{
	int64_t now_s = store_sqlite_now_s(s);
	size_t lo = 0, hi = e->n, i, count = 0, room;
	struct mt_waitee *out = NULL;
	int more = 0;

	/* First row whose id sorts after the cursor. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(e->rows[mid].id, after) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	room = e->n - lo < (size_t)limit ? e->n - lo : (size_t)limit;
	if (room > 0 && (out = malloc(room * sizeof *out)) == NULL)
		return MT_ENOMEM;
	for (i = lo; i < e->n; i++) {
		const struct mt_waitee *w = &e->rows[i];

		if (w->expires_at > 0 && w->expires_at <= now_s)
			continue;
		if (count == (size_t)limit) {
			more = 1;
			break;
		}
		memcpy(&out[count++], w, sizeof *w);
	}
	if (more && next_cursor) {
		*next_cursor = store_sqlite_cursor_encode(out[count - 1].id);
		if (*next_cursor == NULL) {
			free(out);
			return MT_ENOMEM;
		}
	}
	if (count == 0) {
		free(out);
		out = NULL;
	}
	*items = out;
	*n = count;
	return 0;
}

/* Lists a list's waitees in join (id) order, one page at a time. Pages come
 * from this connection's cache of the list, checked against the list's
 * revision on every call (one primary-key read); lists over the cache
 * limits are read page by page from SQL. */
int store_sqlite_waitee_list(struct store *base, const char *waitlist_id, const struct store_page *page,
				    struct mt_waitee **items, size_t *n, char **next_cursor)
{
	STORE_SQLITE_ENTER(base, s, c);
	struct store_sqlite_cached *e = NULL;
	char after[MT_ID_SIZE];
	sqlite3_stmt *st = NULL;
	void *arr = NULL;
	int64_t rev = 0;
	int limit, r, i;

	*items = NULL;
	*n = 0;
	if (next_cursor)
		*next_cursor = NULL;
	if (waitlist_id == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_page(page, after, &limit)) < 0)
		return r;
	r = store_sqlite_list_rev(s, c, waitlist_id, &rev);
	if (r == MT_ENOTFOUND)
		return 0;  /* no such list: no waitees */
	if (r < 0)
		return r;
	for (i = 0; i < STORE_SQLITE_CACHE_LISTS; i++)
		if (c->cache[i].waitlist_id[0] && strcmp(c->cache[i].waitlist_id, waitlist_id) == 0)
			e = &c->cache[i];
	if (e == NULL || e->rev != rev) {
		r = store_sqlite_cache_fill(s, c, waitlist_id, &e);
		if (r == MT_ENOTFOUND)
			return 0;  /* deleted meanwhile */
		if (r < 0)
			return r;
	}
	e->used = ++c->tick;
	if (!e->too_big)
		return store_sqlite_cache_page(s, e, after, limit, items, n, next_cursor);

	if ((r = store_sqlite_stmt(c, SQ_WE_LIST, &st)) < 0)
		return r;
	BIND_STR(st, 1, waitlist_id);
	BIND_STR(st, 2, after);
	sqlite3_bind_int(st, 3, limit + 1);
	sqlite3_bind_int64(st, 4, store_sqlite_now_s(s));
	r = store_sqlite_list(s, c, st, limit, sizeof(struct mt_waitee), store_sqlite_read_waitee_cb,
			      offsetof(struct mt_waitee, id), &arr, n, next_cursor);
	*items = arr;
	return r;
}
