/* The SQLite back end of struct store_ops (store.h): the operations table,
 * page cursors, counters, expiry and the extras of store-sqlite.h. The rest
 * is split by seam behind store-sqlite-private.h: schema and migrations
 * (-schema.c), connections and group commit (-conn.c), the cached waitee
 * lists (-cache.c), and the records, one file per type with its SQL
 * (-users.c, -refresh.c, -waitlists.c, -waitees.c). docs/store.md has the
 * schema, the concurrency model and the cursor format. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/base64.h"
#include "core/error.h"
#include "core/id.h"
#include "store/store-sqlite-private.h"

/* Statements of this file, by enum store_sqlite_sq (store_sqlite_sql_of). */
const struct store_sqlite_sql store_sqlite_sql_main[SQ__COUNT] = {
	/* ?1 now (s) for waitees, the refresh cut-off (ms) for tokens; ?2 the batch. */
	[SQ_PURGE_WAITEES] = {"purge_expired",
		"DELETE FROM waitees WHERE (waitlist_id, id) IN (SELECT waitlist_id, id FROM waitees"
		" WHERE expires_at > 0 AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"},
	/* families whose every token is past the cut-off (their tokens go by cascade) */
	[SQ_PURGE_FAMILIES] = {"purge_expired_families",
		"DELETE FROM refresh_families WHERE id IN (SELECT family_id FROM refresh_tokens"
		" WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2) AND NOT EXISTS (SELECT 1 FROM"
		" refresh_tokens t WHERE t.family_id = refresh_families.id AND t.expires_at > ?1)"},
	[SQ_PURGE_TOKENS] = {"purge_expired_tokens",
		"DELETE FROM refresh_tokens WHERE token_hash IN (SELECT token_hash FROM refresh_tokens"
		" WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"},
	[SQ_PURGE_GUARDS] = {"purge_expired_guards",
		"DELETE FROM login_guards WHERE key IN (SELECT key FROM login_guards"
		" WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"},
	[SQ_PURGE_IDEM] = {"purge_expired_idempotency",
		"DELETE FROM idempotency WHERE (tenant_id, key) IN (SELECT tenant_id, key FROM idempotency"
		" WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"},
};

/* The store clock's time in epoch seconds, for TTL checks. */
sqlite3_int64 store_sqlite_now_s(struct store_sqlite *s)
{
	return (sqlite3_int64)(store_now_ms(&s->base) / 1000);
}

/* Decodes a cursor (base64url of the last id) into after[MT_ID_SIZE];
 * NULL or "" starts from the beginning (""). MT_EINVAL when malformed. */
static int store_sqlite_cursor_decode(const char *cursor, char after[MT_ID_SIZE])
{
	unsigned char *raw = NULL;
	size_t len = 0, n;
	int r;

	after[0] = '\0';
	if (cursor == NULL || cursor[0] == '\0')
		return 0;
	n = strnlen(cursor, 513);
	if (n > 512)
		return MT_EINVAL;
	r = mt_base64_decode(cursor, n, 1, &raw, &len);
	if (r < 0)
		return r == MT_ENOMEM ? MT_ENOMEM : MT_EINVAL;
	if (len != MT_ID_LEN) {
		free(raw);
		return MT_EINVAL;
	}
	memcpy(after, raw, MT_ID_LEN);
	after[MT_ID_LEN] = '\0';
	free(raw);
	return mt_id_valid(after) ? 0 : MT_EINVAL;
}

/* Encodes the cursor after id (malloc'd; NULL when out of memory). */
char *store_sqlite_cursor_encode(const char *id)
{
	return mt_base64_encode(id, strnlen(id, MT_ID_LEN), 1);
}

/* Checks a page request; fills the id to start after. */
int store_sqlite_page(const struct store_page *page, char after[MT_ID_SIZE], int *limit)
{
	if (page == NULL || page->limit < 1 || page->limit > STORE_SQLITE_PAGE_MAX)
		return MT_EINVAL;
	*limit = page->limit;
	return store_sqlite_cursor_decode(page->cursor, after);
}

/* Counters since open. */
static void store_sqlite_stats(struct store *base, struct store_stats *out)
{
	struct store_sqlite *s = (struct store_sqlite *)base;

	out->requests = atomic_load_explicit(&s->requests, memory_order_relaxed);
	out->scans = atomic_load_explicit(&s->scans, memory_order_relaxed);
}

/* The database file path, or NULL for another back end. */
const char *store_sqlite_path(struct store *base)
{
	if (base == NULL || base->ops != &store_sqlite_ops)
		return NULL;
	return ((struct store_sqlite *)base)->path;
}

/* A foreign write (store_sqlite_write_txn): the caller's function and argument. */
struct store_sqlite_ext {
	int (*fn)(struct sqlite3 *db, void *arg); /* runs inside the transaction */
	void *arg;                                 /* passed to fn */
};

/* Job of store_sqlite_write_txn: hands the executing connection to the caller's function. */
static int store_sqlite_ext_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_ext *e = arg;

	(void)s;
	return e->fn(c->db, e->arg);
}

/* Runs fn in the store's group-committed write transaction. */
int store_sqlite_write_txn(struct store *base, int (*fn)(struct sqlite3 *db, void *arg), void *arg)
{
	struct store_sqlite_ext e = {fn, arg};

	if (base == NULL || base->ops != &store_sqlite_ops || fn == NULL)
		return MT_EINVAL;
	return store_sqlite_submit(base, store_sqlite_ext_job, &e);
}

/* A write group (store_sqlite_write_group): the caller's function and argument. */
struct store_sqlite_group {
	int (*fn)(struct store *s, void *arg);     /* makes the group's writes through the store */
	void *arg;                                 /* passed to fn */
};

/* Job of store_sqlite_write_group: fn's writes through the store run nested in this job. */
static int store_sqlite_group_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_group *g = arg;

	(void)c;
	return g->fn(&s->base, g->arg);
}

/* Runs fn as one job of the group commit: its writes are one atomic unit (store.h write_group). */
static int store_sqlite_write_group(struct store *base, int (*fn)(struct store *s, void *arg), void *arg)
{
	struct store_sqlite_group g = {fn, arg};

	if (base == NULL || fn == NULL)
		return MT_EINVAL;
	return store_sqlite_submit(base, store_sqlite_group_job, &g);
}

/* Write transactions committed and write operations run since open. */
int store_sqlite_write_stats(struct store *base, uint64_t *commits, uint64_t *writes)
{
	struct store_sqlite *s = (struct store_sqlite *)base;

	if (base == NULL || base->ops != &store_sqlite_ops)
		return MT_EINVAL;
	*commits = atomic_load_explicit(&s->commits, memory_order_relaxed);
	*writes = atomic_load_explicit(&s->jobs, memory_order_relaxed);
	return 0;
}

/* After a purge: copies the WAL into the database and truncates it, so the
 * old page images of erased rows (guest data) do not linger in the WAL
 * file; secure_delete has zeroed them in the new ones. Best effort: a
 * reader still holding an old snapshot makes it a partial checkpoint, and
 * the next purge tries again. */
static void store_sqlite_truncate_wal(struct store *base)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	struct store_sqlite_conn *c;

	if (store_sqlite_conn(s, &c) < 0)
		return;
	pthread_mutex_lock(&s->write_lock);
	(void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	pthread_mutex_unlock(&s->write_lock);
}

/* What store_sqlite_purge_job is asked and answers. */
struct store_sqlite_purge {
	int64_t now_s;   /* now, epoch seconds */
	int limit;       /* batch per kind */
	int removed;     /* records deleted */
};

/* Job of store_sqlite_purge_expired: three bounded deletes in one transaction. */
static int store_sqlite_purge_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	static const int kinds[] = { SQ_PURGE_WAITEES, SQ_PURGE_FAMILIES, SQ_PURGE_TOKENS, SQ_PURGE_GUARDS,
				     SQ_PURGE_IDEM, SQ_PURGE_LINKS, SQ_PURGE_ACT, SQ_PURGE_HAND };
	struct store_sqlite_purge *a = arg;
	int64_t cutoff_ms = (a->now_s - STORE_REFRESH_KEEP_S) * 1000;
	size_t i;
	int r = 0;

	a->removed = 0;
	for (i = 0; r == 0 && i < sizeof kinds / sizeof kinds[0]; i++) {
		sqlite3_stmt *st = NULL;
		int changes = 0;

		if ((r = store_sqlite_stmt(c, kinds[i], &st)) < 0)
			break;
		sqlite3_bind_int64(st, 1, kinds[i] == SQ_PURGE_FAMILIES || kinds[i] == SQ_PURGE_TOKENS ? cutoff_ms
											       : a->now_s);
		sqlite3_bind_int(st, 2, a->limit);
		r = store_sqlite_write(s, c, st, &changes);
		a->removed += changes;
	}
	return r;
}

/* Deletes expired waitees and refresh tokens (see store.h), a batch at a time. */
static int store_sqlite_purge_expired(struct store *base, int64_t now_s, int limit, int *removed)
{
	struct store_sqlite_purge a = {now_s, limit, 0};
	int r;

	*removed = 0;
	if (limit < 1)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_purge_job, &a);
	if (r == 0)
		*removed = a.removed;
	if (r == 0 && a.removed > 0)
		store_sqlite_truncate_wal(base);
	return r;
}

/* The operations of the SQLite store. */
const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.close = store_sqlite_close,
	.init_schema = store_sqlite_init_schema,
	.user_create = store_sqlite_user_create,
	.user_get = store_sqlite_user_get,
	.user_get_by_email = store_sqlite_user_get_by_email,
	.user_update = store_sqlite_user_update,
	.user_list = store_sqlite_user_list,
	.refresh_create = store_sqlite_refresh_create,
	.refresh_get = store_sqlite_refresh_get,
	.refresh_mark_used = store_sqlite_refresh_mark_used,
	.refresh_revoke_family = store_sqlite_refresh_revoke_family,
	.waitlist_create = store_sqlite_waitlist_create,
	.waitlist_get = store_sqlite_waitlist_get,
	.waitlist_peek = store_sqlite_waitlist_peek,
	.waitlist_list = store_sqlite_waitlist_list,
	.waitlist_update = store_sqlite_waitlist_update,
	.waitlist_delete = store_sqlite_waitlist_delete,
	.waitee_create = store_sqlite_waitee_create,
	.waitee_get = store_sqlite_waitee_get,
	.waitee_list = store_sqlite_waitee_list,
	.waitee_update = store_sqlite_waitee_update,
	.waitee_delete = store_sqlite_waitee_delete,
	.waitee_count_active = store_sqlite_waitee_count_active,
	.waitee_list_due = store_sqlite_waitee_list_due,
	.waitee_find_by_phone = store_sqlite_waitee_find_by_phone,
	.purge_expired = store_sqlite_purge_expired,
	.link_put = store_sqlite_link_put,
	.write_group = store_sqlite_write_group,
	.link_get = store_sqlite_link_get,
	.restaurant_get = store_sqlite_restaurant_get,
	.restaurant_put = store_sqlite_restaurant_put,
	.restaurant_delete = store_sqlite_restaurant_delete,
	.guard_get = store_sqlite_guard_get,
	.guard_put = store_sqlite_guard_put,
	.stat_add = store_sqlite_stat_add,
	.stat_range = store_sqlite_stat_range,
	.stat_hours = store_sqlite_stat_hours,
	.stats = store_sqlite_stats,
	.idem_begin = store_sqlite_idem_begin,
	.idem_finish = store_sqlite_idem_finish,
	.idem_release = store_sqlite_idem_release,
	.activity_append = store_sqlite_activity_append,
	.activity_list = store_sqlite_activity_list,
	.handover_create = store_sqlite_handover_create,
	.handover_list = store_sqlite_handover_list,
	.handover_update = store_sqlite_handover_update,
};
