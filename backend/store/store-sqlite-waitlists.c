/* Waitlists in the SQLite store: their SQL, operations, the per-connection
 * copies behind waitlist_peek, and the paged listing shared with waitees. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "store/store-sqlite-private.h"

/* Statements of this file, by enum store_sqlite_sq (store_sqlite_sql_of). */
const struct store_sqlite_sql store_sqlite_sql_waitlists[SQ__COUNT] = {
	/* waitee_rev starts at a random value: a list deleted and created
	 * again under the same id never matches a cached copy of the old one. */
	[SQ_WL_INSERT] = {"waitlist_create",
		"INSERT INTO waitlists (" SQ_WL_COLS ", waitee_rev)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, random() >> 2)"},
	[SQ_WL_GET] = {"waitlist_get",
		"SELECT " SQ_WL_COLS ", waitee_rev FROM waitlists WHERE id = ?1 AND tenant_id = ?2"},
	[SQ_WL_LIST] = {"waitlist_list",
		"SELECT " SQ_WL_COLS " FROM waitlists WHERE tenant_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"},
	[SQ_WL_UPDATE] = {"waitlist_update",
		"UPDATE waitlists SET name = ?3, description = ?4, tpl_joined = ?5, tpl_ready = ?6,"
		" tpl_reminder = ?7, updated_at = ?8, default_quote = ?10, version = version + 1"
		" WHERE id = ?1 AND tenant_id = ?2 AND version = ?9"},
	[SQ_WL_VERSION] = {"waitlist_version",
		"SELECT version FROM waitlists WHERE id = ?1 AND tenant_id = ?2"},
	[SQ_WL_DELETE] = {"waitlist_delete", "DELETE FROM waitlists WHERE id = ?1 AND tenant_id = ?2"},
	[SQ_WL_DELETE_WAITEES] = {"waitlist_delete_waitees", "DELETE FROM waitees WHERE waitlist_id = ?1"},
};

/* Reads a waitlists row (SQ_WL_COLS). */
static void store_sqlite_read_waitlist(sqlite3_stmt *st, struct mt_waitlist *w)
{
	memset(w, 0, sizeof *w);
	COL_FIELD(st, 0, w->id);
	COL_FIELD(st, 1, w->tenant_id);
	COL_FIELD(st, 2, w->name);
	COL_FIELD(st, 3, w->description);
	COL_FIELD(st, 4, w->tpl_joined);
	COL_FIELD(st, 5, w->tpl_ready);
	COL_FIELD(st, 6, w->tpl_reminder);
	w->created_at = sqlite3_column_int64(st, 7);
	w->updated_at = sqlite3_column_int64(st, 8);
	w->version = sqlite3_column_int64(st, 9);
	w->default_quote = sqlite3_column_int(st, 10);
}

static void store_sqlite_read_waitlist_cb(sqlite3_stmt *st, void *out) { store_sqlite_read_waitlist(st, out); }

/* Reads SQ_WL_COLS plus waitee_rev (column 11). */
static void store_sqlite_read_waitlist_rev_cb(sqlite3_stmt *st, void *out)
{
	struct mt_waitlist *w = out;

	store_sqlite_read_waitlist(st, w);
	w->waitee_rev = sqlite3_column_int64(st, 11);
}

/* Job of store_sqlite_waitlist_create: runs inside a (possibly shared) write transaction. */
static int store_sqlite_waitlist_create_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	struct mt_waitlist *w = a->rec;
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = store_sqlite_stmt(c, SQ_WL_INSERT, &st)) < 0)
		return r;
	BIND_FIELD(st, 1, w->id);
	BIND_FIELD(st, 2, w->tenant_id);
	BIND_FIELD(st, 3, w->name);
	BIND_FIELD(st, 4, w->description);
	BIND_FIELD(st, 5, w->tpl_joined);
	BIND_FIELD(st, 6, w->tpl_ready);
	BIND_FIELD(st, 7, w->tpl_reminder);
	sqlite3_bind_int64(st, 8, w->created_at);
	sqlite3_bind_int64(st, 9, w->updated_at);
	sqlite3_bind_int(st, 10, w->default_quote);
	r = store_sqlite_write(s, c, st, NULL);
	return r;
}

/* Creates a waitlist (version 1); MT_ECONFLICT when the id exists. */
int store_sqlite_waitlist_create(struct store *base, struct mt_waitlist *w)
{
	struct store_sqlite_wargs a = {w, NULL, NULL, 0};
	int r;

	r = store_sqlite_submit(base, store_sqlite_waitlist_create_job, &a);
	if (r == 0)
		w->version = 1;
	return r;
}

/* Gets a waitlist through its tenant. */
int store_sqlite_waitlist_get(struct store *base, const char *tenant_id, const char *id,
				     struct mt_waitlist *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (tenant_id == NULL || id == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_WL_GET, &st)) < 0)
		return r;
	BIND_STR(st, 1, id);
	BIND_STR(st, 2, tenant_id);
	return store_sqlite_get_row(s, c, st, store_sqlite_read_waitlist_rev_cb, out);
}

/* waitlist_get through this thread's copies: a copy serves while no write
 * transaction of this process has ended since it was read and it is younger
 * than STORE_PEEK_MS (writes by other processes). Not-found is not kept. */
int store_sqlite_waitlist_peek(struct store *base, const char *tenant_id, const char *id,
				      struct mt_waitlist *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	uint64_t epoch = atomic_load_explicit(&store_sqlite_epoch, memory_order_acquire);
	int64_t now = mt_clock_mono_ms();
	struct store_sqlite_peeked *p = NULL;
	unsigned i;
	int r;

	if (tenant_id == NULL || id == NULL)
		return MT_EINVAL;
	for (i = 0; i < STORE_SQLITE_PEEK_LISTS; i++)
		if (strcmp(c->peek[i].wl.id, id) == 0 && strcmp(c->peek[i].wl.tenant_id, tenant_id) == 0) {
			p = &c->peek[i];
			break;
		}
	if (p != NULL && p->epoch == epoch && now - p->at_ms < STORE_PEEK_MS && now >= p->at_ms) {
		*out = p->wl;
		return 0;
	}
	r = store_sqlite_waitlist_get(base, tenant_id, id, out);
	if (p == NULL && r == 0) {
		p = &c->peek[c->peek_next];
		c->peek_next = (c->peek_next + 1) % STORE_SQLITE_PEEK_LISTS;
	}
	if (p == NULL)
		return r;
	if (r == 0) {
		p->wl = *out;
		p->epoch = epoch;
		p->at_ms = now;
	} else {
		memset(p, 0, sizeof *p);
	}
	return r;
}

/* Runs a bound listing statement (LIMIT = limit + 1 already bound) into a
 * malloc'd array of `size`-byte records; sets the next cursor from the last
 * returned record's id (read at id_offset) when there are more. */
int store_sqlite_list(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st,
			     int limit, size_t size, void (*read)(sqlite3_stmt *, void *), size_t id_offset,
			     void **items, size_t *n, char **next_cursor)
{
	unsigned char *arr = NULL;
	size_t count = 0, cap = 0;
	int more = 0, rc, r = 0;

	*items = NULL;
	*n = 0;
	if (next_cursor)
		*next_cursor = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == (size_t)limit) {
			more = 1;
			break;
		}
		if (count == cap) {
			/* Grow by doubling, never past the page size (at most 1,000). */
			size_t ncap = cap ? cap * 2 : 16;
			unsigned char *grown;

			if (ncap > (size_t)limit)
				ncap = (size_t)limit;
			grown = realloc(arr, size * ncap);
			if (grown == NULL) {
				r = MT_ENOMEM;
				break;
			}
			arr = grown;
			cap = ncap;
		}
		read(st, arr + count * size);
		count++;
	}
	if (r == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_sqlite_err(c, rc);
	store_sqlite_done(s, st);
	if (r == 0 && more && next_cursor) {
		*next_cursor = store_sqlite_cursor_encode((const char *)(arr + (count - 1) * size + id_offset));
		if (*next_cursor == NULL)
			r = MT_ENOMEM;
	}
	if (r < 0) {
		free(arr);
		return r;
	}
	*items = arr;
	*n = count;
	return 0;
}

/* Runs the per-tenant listing statement `which` (tenant, after-id, limit)
 * for one page into a malloc'd array (store_sqlite_list's rules). */
int store_sqlite_tenant_list(struct store *base, enum store_sqlite_sq which, const char *tenant_id,
			     const struct store_page *page, size_t size, void (*read)(sqlite3_stmt *, void *),
			     size_t id_offset, void **items, size_t *n, char **next_cursor)
{
	STORE_SQLITE_ENTER(base, s, c);
	char after[MT_ID_SIZE];
	sqlite3_stmt *st = NULL;
	int limit, r;

	*items = NULL;
	*n = 0;
	if (next_cursor)
		*next_cursor = NULL;
	if (tenant_id == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_page(page, after, &limit)) < 0 || (r = store_sqlite_stmt(c, which, &st)) < 0)
		return r;
	BIND_STR(st, 1, tenant_id);
	BIND_STR(st, 2, after);
	sqlite3_bind_int(st, 3, limit + 1);
	return store_sqlite_list(s, c, st, limit, size, read, id_offset, items, n, next_cursor);
}

/* Lists a tenant's waitlists in creation (id) order, one page at a time. */
int store_sqlite_waitlist_list(struct store *base, const char *tenant_id, const struct store_page *page,
				      struct mt_waitlist **items, size_t *n, char **next_cursor)
{
	void *arr = NULL;
	int r = store_sqlite_tenant_list(base, SQ_WL_LIST, tenant_id, page, sizeof(struct mt_waitlist),
					 store_sqlite_read_waitlist_cb, offsetof(struct mt_waitlist, id), &arr, n,
					 next_cursor);

	*items = arr;
	return r;
}

/* Job of store_sqlite_waitlist_update: runs inside a (possibly shared) write transaction. */
static int store_sqlite_waitlist_update_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	struct mt_waitlist *w = a->rec;
	int64_t expected_version = a->expected;
	sqlite3_stmt *st = NULL, *vst = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_WL_UPDATE, &st)) < 0 ||
	    (r = store_sqlite_stmt(c, SQ_WL_VERSION, &vst)) < 0)
		return r;
	BIND_FIELD(st, 1, w->id);
	BIND_FIELD(st, 2, w->tenant_id);
	BIND_FIELD(st, 3, w->name);
	BIND_FIELD(st, 4, w->description);
	BIND_FIELD(st, 5, w->tpl_joined);
	BIND_FIELD(st, 6, w->tpl_ready);
	BIND_FIELD(st, 7, w->tpl_reminder);
	sqlite3_bind_int64(st, 8, w->updated_at);
	sqlite3_bind_int64(st, 9, expected_version);
	sqlite3_bind_int(st, 10, w->default_quote);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0) {
		BIND_FIELD(vst, 1, w->id);
		BIND_FIELD(vst, 2, w->tenant_id);
		r = store_sqlite_why_unchanged(s, c, vst);
	}
	return r;
}

/* Updates a waitlist's editable fields, conditional on version and tenant. */
int store_sqlite_waitlist_update(struct store *base, struct mt_waitlist *w, int64_t expected_version)
{
	struct store_sqlite_wargs a = {w, NULL, NULL, expected_version};
	int r;

	r = store_sqlite_submit(base, store_sqlite_waitlist_update_job, &a);
	if (r == 0)
		w->version = expected_version + 1;
	return r;
}

/* Job of store_sqlite_waitlist_delete: runs inside a (possibly shared) write transaction. */
static int store_sqlite_waitlist_delete_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const char *tenant_id = a->k1;
	const char *id = a->k2;
	sqlite3_stmt *st = NULL, *wst = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_WL_DELETE, &st)) < 0 ||
	    (r = store_sqlite_stmt(c, SQ_WL_DELETE_WAITEES, &wst)) < 0)
		return r;
	BIND_STR(st, 1, id);
	BIND_STR(st, 2, tenant_id);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0)
		r = MT_ENOTFOUND;
	if (r == 0) {
		/* ON DELETE CASCADE already did this where foreign keys are on;
		 * kept explicit so a connection without them cannot orphan rows. */
		BIND_STR(wst, 1, id);
		r = store_sqlite_write(s, c, wst, NULL);
	}
	return r;
}

/* Deletes a tenant's waitlist and all its waitees in one transaction. */
int store_sqlite_waitlist_delete(struct store *base, const char *tenant_id, const char *id)
{
	struct store_sqlite_wargs a = {NULL, tenant_id, id, 0};
	int r;

	if (tenant_id == NULL || id == NULL)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_waitlist_delete_job, &a);
	return r;
}
