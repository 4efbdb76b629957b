/* Waitees in the SQLite store: their SQL and operations (the listing,
 * served from a per-connection cache, is in store-sqlite-cache.c). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "store/store-sqlite-private.h"

/* Statements of this file, by enum store_sqlite_sq (store_sqlite_sql_of). */
const struct store_sqlite_sql store_sqlite_sql_waitees[SQ__COUNT] = {
	/* Inserted only when the list exists and belongs to the waitee's tenant. */
	[SQ_WE_INSERT] = {"waitee_create",
		"INSERT INTO waitees (" SQ_WE_COLS ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		" ?11, ?12, ?13, ?14, ?15, ?16, 1, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30"
		" FROM waitlists WHERE id = ?2 AND tenant_id = ?3"},
	[SQ_WE_GET] = {"waitee_get",
		"SELECT " SQ_WE_COLS " FROM waitees WHERE waitlist_id = ?1 AND id = ?2 AND " SQ_LIVE("?3")},
	[SQ_WE_LIST] = {"waitee_list",
		"SELECT " SQ_WE_COLS " FROM waitees WHERE waitlist_id = ?1 AND id > ?2 AND " SQ_LIVE("?4")
		" ORDER BY id LIMIT ?3"},
	[SQ_WE_UPDATE] = {"waitee_update",
		"UPDATE waitees SET name = ?4, phone = ?5, email = ?6, notes = ?7, party_size = ?8,"
		" quoted_minutes = ?9, status = ?10, joined_at = ?11, notify_at = ?12, notified_at = ?13,"
		" seated_at = ?14, updated_at = ?15, expires_at = ?16, due_at = ?17, notify_kind = ?18,"
		" notify_seq = ?19, queued_seq = ?20, sent_seq = ?21, notify_count = ?22, last_result = ?23,"
		" last_reason = ?24, reply = ?25, reply_at = ?26, finished_at = ?28, previous_status = ?29,"
		" version = version + 1"
		" WHERE waitlist_id = ?1 AND id = ?2 AND version = ?3 AND " SQ_LIVE("?27")},
	[SQ_WE_VERSION] = {"waitee_version",
		"SELECT version FROM waitees WHERE waitlist_id = ?1 AND id = ?2 AND " SQ_LIVE("?3")},
	[SQ_WE_DELETE] = {"waitee_delete", "DELETE FROM waitees WHERE waitlist_id = ?1 AND id = ?2"},
	[SQ_WE_COUNT] = {"waitee_count_active",
		/* The planner prefers the clustered key without statistics; the
		 * partial index reads only active parties. */
		"SELECT count(*) FROM waitees INDEXED BY waitees_active WHERE waitlist_id = ?1 AND status < 3"
		" AND id < ?2 AND " SQ_LIVE("?3")},
	/* The same count from the list's active_n (migration 9): those
	 * without an expiry, less the ones at or after ?2 (at most
	 * STORE_SQLITE_TAIL_MAX are stepped: a new party has none after it),
	 * plus live ones with an expiry before ?2. Column 2 = the tail count. */
	[SQ_WE_COUNT_FAST] = {"waitee_count_active_fast",
		"SELECT coalesce((SELECT active_n FROM waitlists WHERE id = ?1), 0),"
		" (SELECT count(*) FROM (SELECT 1 FROM waitees INDEXED BY waitees_active WHERE waitlist_id = ?1"
		" AND status < 3 AND id >= ?2 AND expires_at = 0 LIMIT ?4)),"
		" (SELECT count(*) FROM waitees INDEXED BY waitees_active_ttl WHERE waitlist_id = ?1"
		" AND status < 3 AND expires_at > 0 AND id < ?2 AND expires_at > ?3)"},
	[SQ_WE_DUE] = {"waitee_list_due",
		"SELECT " SQ_WE_COLS " FROM waitees WHERE due_at > 0 AND due_at <= ?1 AND " SQ_LIVE("?3")
		" ORDER BY due_at, id LIMIT ?2"},
	[SQ_WE_PHONE] = {"waitee_find_by_phone",
		/* the last column: another restaurant also waits on this number */
		"SELECT " SQ_WE_COLS ", EXISTS (SELECT 1 FROM waitees o WHERE o.phone = ?1 AND o.phone <> ''"
		" AND o.status < 3 AND o.tenant_id <> waitees.tenant_id AND " SQ_LIVE("?2") ")"
		" FROM waitees WHERE phone = ?1 AND phone <> '' AND status < 3"
		" AND " SQ_LIVE("?2") " ORDER BY id DESC LIMIT 1"},
};

/* Reads a waitees row (SQ_WE_COLS). */
static void store_sqlite_read_waitee(sqlite3_stmt *st, struct mt_waitee *w)
{
	int status;

	memset(w, 0, sizeof *w);
	COL_FIELD(st, 0, w->id);
	COL_FIELD(st, 1, w->waitlist_id);
	COL_FIELD(st, 2, w->tenant_id);
	COL_FIELD(st, 3, w->name);
	COL_FIELD(st, 4, w->phone);
	COL_FIELD(st, 5, w->email);
	COL_FIELD(st, 6, w->notes);
	w->party_size = sqlite3_column_int(st, 7);
	w->quoted_minutes = sqlite3_column_int(st, 8);
	status = sqlite3_column_int(st, 9);
	w->status = status >= 0 && status < MT_STATUS_COUNT ? (enum mt_status)status : MT_WAITING;
	w->joined_at = sqlite3_column_int64(st, 10);
	w->notify_at = sqlite3_column_int64(st, 11);
	w->notified_at = sqlite3_column_int64(st, 12);
	w->seated_at = sqlite3_column_int64(st, 13);
	w->updated_at = sqlite3_column_int64(st, 14);
	w->expires_at = sqlite3_column_int64(st, 15);
	w->version = sqlite3_column_int64(st, 16);
	w->due_at = sqlite3_column_int64(st, 17);
	COL_FIELD(st, 18, w->notify_kind);
	w->notify_seq = sqlite3_column_int(st, 19);
	w->queued_seq = sqlite3_column_int(st, 20);
	w->sent_seq = sqlite3_column_int(st, 21);
	w->notify_count = sqlite3_column_int(st, 22);
	COL_FIELD(st, 23, w->last_result);
	COL_FIELD(st, 24, w->last_reason);
	COL_FIELD(st, 25, w->reply);
	w->reply_at = sqlite3_column_int64(st, 26);
	w->finished_at = sqlite3_column_int64(st, 27);
	status = sqlite3_column_int(st, 28);
	w->previous_status = status >= 0 && status < MT_STATUS_COUNT ? (enum mt_status)status : MT_WAITING;
	COL_FIELD(st, 29, w->source);
	COL_FIELD(st, 30, w->guest_nonce);
	w->position = 0;
}

void store_sqlite_read_waitee_cb(sqlite3_stmt *st, void *out) { store_sqlite_read_waitee(st, out); }

/* Binds the mutable waitee fields at parameters first.. (in SQ_WE_UPDATE order). */
static void store_sqlite_bind_waitee_body(sqlite3_stmt *st, int first, const struct mt_waitee *w)
{
	int i = first;

	BIND_FIELD(st, i++, w->name);
	BIND_FIELD(st, i++, w->phone);
	BIND_FIELD(st, i++, w->email);
	BIND_FIELD(st, i++, w->notes);
	sqlite3_bind_int(st, i++, w->party_size);
	sqlite3_bind_int(st, i++, w->quoted_minutes);
	sqlite3_bind_int(st, i++, (int)w->status);
	sqlite3_bind_int64(st, i++, w->joined_at);
	sqlite3_bind_int64(st, i++, w->notify_at);
	sqlite3_bind_int64(st, i++, w->notified_at);
	sqlite3_bind_int64(st, i++, w->seated_at);
	sqlite3_bind_int64(st, i++, w->updated_at);
	sqlite3_bind_int64(st, i++, w->expires_at);
	sqlite3_bind_int64(st, i++, w->due_at);
	BIND_FIELD(st, i++, w->notify_kind);
	sqlite3_bind_int(st, i++, w->notify_seq);
	sqlite3_bind_int(st, i++, w->queued_seq);
	sqlite3_bind_int(st, i++, w->sent_seq);
	sqlite3_bind_int(st, i++, w->notify_count);
	BIND_FIELD(st, i++, w->last_result);
	BIND_FIELD(st, i++, w->last_reason);
	BIND_FIELD(st, i++, w->reply);
	sqlite3_bind_int64(st, i, w->reply_at);
}

/* Job of store_sqlite_waitee_create: runs inside a (possibly shared) write transaction. */
static int store_sqlite_waitee_create_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	struct mt_waitee *w = a->rec;
	sqlite3_stmt *st = NULL;
	int r, changes = 0, i = 1;

	if ((r = store_sqlite_stmt(c, SQ_WE_INSERT, &st)) < 0)
		return r;
	BIND_FIELD(st, i++, w->id);
	BIND_FIELD(st, i++, w->waitlist_id);
	BIND_FIELD(st, i++, w->tenant_id);
	BIND_FIELD(st, i++, w->name);
	BIND_FIELD(st, i++, w->phone);
	BIND_FIELD(st, i++, w->email);
	BIND_FIELD(st, i++, w->notes);
	sqlite3_bind_int(st, i++, w->party_size);
	sqlite3_bind_int(st, i++, w->quoted_minutes);
	sqlite3_bind_int(st, i++, (int)w->status);
	sqlite3_bind_int64(st, i++, w->joined_at);
	sqlite3_bind_int64(st, i++, w->notify_at);
	sqlite3_bind_int64(st, i++, w->notified_at);
	sqlite3_bind_int64(st, i++, w->seated_at);
	sqlite3_bind_int64(st, i++, w->updated_at);
	sqlite3_bind_int64(st, i++, w->expires_at);
	sqlite3_bind_int64(st, i++, w->due_at);
	BIND_FIELD(st, i++, w->notify_kind);
	sqlite3_bind_int(st, i++, w->notify_seq);
	sqlite3_bind_int(st, i++, w->queued_seq);
	sqlite3_bind_int(st, i++, w->sent_seq);
	sqlite3_bind_int(st, i++, w->notify_count);
	BIND_FIELD(st, i++, w->last_result);
	BIND_FIELD(st, i++, w->last_reason);
	BIND_FIELD(st, i++, w->reply);
	sqlite3_bind_int64(st, i++, w->reply_at);
	sqlite3_bind_int64(st, i++, w->finished_at);
	sqlite3_bind_int(st, i++, (int)w->previous_status);
	BIND_FIELD(st, i++, w->source);
	BIND_FIELD(st, i, w->guest_nonce);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0)
		r = MT_ENOTFOUND;
	return r;
}

/* Creates a waitee (version 1) on a list of its tenant: MT_ENOTFOUND when the
 * list is not the tenant's, MT_ECONFLICT when the id exists on the list. */
int store_sqlite_waitee_create(struct store *base, struct mt_waitee *w)
{
	struct store_sqlite_wargs a = {w, NULL, NULL, 0};
	int r;

	r = store_sqlite_submit1(base, store_sqlite_waitee_create_job, &a);
	if (r == 0)
		w->version = 1;
	return r;
}

/* Gets a waitee through its list (expired ones are absent). */
int store_sqlite_waitee_get(struct store *base, const char *waitlist_id, const char *id,
				   struct mt_waitee *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (waitlist_id == NULL || id == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_WE_GET, &st)) < 0)
		return r;
	BIND_STR(st, 1, waitlist_id);
	BIND_STR(st, 2, id);
	sqlite3_bind_int64(st, 3, store_sqlite_now_s(s));
	return store_sqlite_get_row(s, c, st, store_sqlite_read_waitee_cb, out);
}

/* Job of store_sqlite_waitee_update: runs inside a (possibly shared) write transaction. */
static int store_sqlite_waitee_update_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	struct mt_waitee *w = a->rec;
	int64_t expected_version = a->expected;
	sqlite3_stmt *st = NULL, *vst = NULL;
	sqlite3_int64 now_s = store_sqlite_now_s(s);
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_WE_UPDATE, &st)) < 0 ||
	    (r = store_sqlite_stmt(c, SQ_WE_VERSION, &vst)) < 0)
		return r;
	BIND_FIELD(st, 1, w->waitlist_id);
	BIND_FIELD(st, 2, w->id);
	sqlite3_bind_int64(st, 3, expected_version);
	store_sqlite_bind_waitee_body(st, 4, w);
	sqlite3_bind_int64(st, 27, now_s);
	sqlite3_bind_int64(st, 28, w->finished_at);
	sqlite3_bind_int(st, 29, (int)w->previous_status);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0) {
		BIND_FIELD(vst, 1, w->waitlist_id);
		BIND_FIELD(vst, 2, w->id);
		sqlite3_bind_int64(vst, 3, now_s);
		r = store_sqlite_why_unchanged(s, c, vst);
	}
	return r;
}

/* Updates every mutable waitee field, conditional on version (through its list). */
int store_sqlite_waitee_update(struct store *base, struct mt_waitee *w, int64_t expected_version)
{
	struct store_sqlite_wargs a = {w, NULL, NULL, expected_version};
	int r;

	r = store_sqlite_submit1(base, store_sqlite_waitee_update_job, &a);
	if (r == 0)
		w->version = expected_version + 1;
	return r;
}

/* Job of store_sqlite_waitee_delete: runs inside a (possibly shared) write transaction. */
static int store_sqlite_waitee_delete_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const char *waitlist_id = a->k1;
	const char *id = a->k2;
	sqlite3_stmt *st = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_WE_DELETE, &st)) < 0)
		return r;
	BIND_STR(st, 1, waitlist_id);
	BIND_STR(st, 2, id);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0)
		r = MT_ENOTFOUND;
	return r;
}

/* Deletes a waitee of a list; MT_ENOTFOUND when absent. */
int store_sqlite_waitee_delete(struct store *base, const char *waitlist_id, const char *id)
{
	struct store_sqlite_wargs a = {NULL, waitlist_id, id, 0};
	int r;

	if (waitlist_id == NULL || id == NULL)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_waitee_delete_job, &a);
	return r;
}

/* Parties at or after the one asked about that the fast count steps at
 * most; past that the line is counted from its front (SQ_WE_COUNT). */
#define STORE_SQLITE_TAIL_MAX 256

/* The fast count (SQ_WE_COUNT_FAST): 1 with *count set, 0 when the tail
 * was too long to use it, or an error. */
static int store_sqlite_count_fast(struct store_sqlite *s, struct store_sqlite_conn *c, const char *waitlist_id,
				   const char *before_id, int *count)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = store_sqlite_stmt(c, SQ_WE_COUNT_FAST, &st)) < 0)
		return r;
	BIND_STR(st, 1, waitlist_id);
	/* '~' sorts after every Crockford base32 character. */
	BIND_STR(st, 2, before_id ? before_id : "~");
	sqlite3_bind_int64(st, 3, store_sqlite_now_s(s));
	sqlite3_bind_int(st, 4, STORE_SQLITE_TAIL_MAX);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int tail = sqlite3_column_int(st, 1);

		r = 0;
		if (tail < STORE_SQLITE_TAIL_MAX) {
			*count = sqlite3_column_int(st, 0) - tail + sqlite3_column_int(st, 2);
			r = 1;
		}
	} else {
		r = store_sqlite_err(c, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
	}
	store_sqlite_done(s, st);
	return r;
}

/* Counts active waitees of a list that sort before before_id (NULL = all):
 * in O(parties after it) from the list's active count when they are few
 * (a new party, the back of the line), else over the front of the line. */
int store_sqlite_waitee_count_active(struct store *base, const char *waitlist_id, const char *before_id,
					    int *count)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r, rc;

	*count = 0;
	if (waitlist_id == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_count_fast(s, c, waitlist_id, before_id, count)) != 0)
		return r < 0 ? r : 0;
	if ((r = store_sqlite_stmt(c, SQ_WE_COUNT, &st)) < 0)
		return r;
	BIND_STR(st, 1, waitlist_id);
	/* '~' sorts after every Crockford base32 character. */
	BIND_STR(st, 2, before_id ? before_id : "~");
	sqlite3_bind_int64(st, 3, store_sqlite_now_s(s));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int(st, 0);
		r = 0;
	} else {
		r = store_sqlite_err(c, rc == SQLITE_DONE ? SQLITE_ERROR : rc);
	}
	store_sqlite_done(s, st);
	return r;
}

/* Due waitees (0 < due_at <= now_ms), oldest first, at most limit, from the partial index. */
int store_sqlite_waitee_list_due(struct store *base, int64_t now_ms, int limit,
					struct mt_waitee **items, size_t *n)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	void *arr = NULL;
	int r;

	*items = NULL;
	*n = 0;
	if (limit < 1 || limit > STORE_SQLITE_DUE_MAX)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_WE_DUE, &st)) < 0)
		return r;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int(st, 2, limit);
	sqlite3_bind_int64(st, 3, store_sqlite_now_s(s));
	r = store_sqlite_list(s, c, st, limit, sizeof(struct mt_waitee), store_sqlite_read_waitee_cb,
			      offsetof(struct mt_waitee, id), &arr, n, NULL);
	*items = arr;
	return r;
}

/* What SQ_WE_PHONE reads: the waitee and whether another tenant waits on the number. */
struct store_sqlite_phone_row {
	struct mt_waitee *w;   /* the newest active waitee with the phone */
	int other_tenant;      /* 1 when another tenant has an active waitee with it */
};

/* Reads a SQ_WE_PHONE row. */
static void store_sqlite_read_phone_cb(sqlite3_stmt *st, void *out)
{
	struct store_sqlite_phone_row *p = out;

	store_sqlite_read_waitee(st, p->w);
	p->other_tenant = sqlite3_column_int(st, sqlite3_column_count(st) - 1) != 0;
}

/* The most recently joined active waitee with this phone; MT_ECONFLICT when
 * active waitees of more than one tenant have it (store.h). */
int store_sqlite_waitee_find_by_phone(struct store *base, const char *phone, struct mt_waitee *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	struct store_sqlite_phone_row row = { out, 0 };
	sqlite3_stmt *st = NULL;
	int r;

	if (phone == NULL || phone[0] == '\0')
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_WE_PHONE, &st)) < 0)
		return r;
	BIND_STR(st, 1, phone);
	sqlite3_bind_int64(st, 2, store_sqlite_now_s(s));
	r = store_sqlite_get_row(s, c, st, store_sqlite_read_phone_cb, &row);
	return r == 0 && row.other_tenant ? MT_ECONFLICT : r;
}
