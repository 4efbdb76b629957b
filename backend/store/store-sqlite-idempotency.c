/* Idempotency keys on SQLite (store.h idem_*): table `idempotency`
 * (migration 6 in store-sqlite-schema.c), one row per (tenant, key). Every
 * operation runs inside the store's group-committed write transaction
 * (store_sqlite_write_txn), so "read, then claim" is atomic against every
 * other writer of the file, other processes included. */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "core/error.h"
#include "store/store-sqlite.h"
#include "store/store-sqlite-private.h"

/* What a begin job is asked and answers. */
struct idem_sqlite_begin {
	struct store_idem *rec;   /* in: the claim; out: the stored record on MT_ECONFLICT */
	int64_t now_ms;           /* now */
};

/* Maps a SQLite result code to MT_E*. */
static int idem_sqlite_err(int rc)
{
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return MT_EBUSY;
	if (rc == SQLITE_NOMEM)
		return MT_ENOMEM;
	if ((rc & 0xff) == SQLITE_FULL)
		return MT_ENOSPC;
	return MT_EIO;
}

/* Copies column col (text) into dst of size bytes ("" when NULL). */
static void idem_sqlite_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

/* Binds a NUL-terminated string (transient copy). */
static void idem_sqlite_text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* Writes a fresh claim (replacing an expired or stale row). */
static int idem_sqlite_insert(sqlite3 *db, const struct store_idem *r)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO idempotency (tenant_id, key, fingerprint, res_id, done, status, body,"
		" location, etag, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, 0, 0, '', '', '', ?5, ?6)";
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		idem_sqlite_text(st, 1, r->tenant_id);
		idem_sqlite_text(st, 2, r->key);
		idem_sqlite_text(st, 3, r->fingerprint);
		idem_sqlite_text(st, 4, r->res_id);
		sqlite3_bind_int64(st, 5, r->created_at);
		sqlite3_bind_int64(st, 6, r->expires_at);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : idem_sqlite_err(rc);
}

/* Job of idem_begin: reads the row, then claims, takes over, or reports it. */
static int idem_sqlite_begin_job(sqlite3 *db, void *arg)
{
	static const char sql[] =
		"SELECT fingerprint, res_id, done, status, body, location, etag, created_at, expires_at"
		" FROM idempotency WHERE tenant_id = ?1 AND key = ?2";
	struct idem_sqlite_begin *a = arg;
	struct store_idem *r = a->rec, cur;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL), found;

	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		return idem_sqlite_err(rc);
	}
	idem_sqlite_text(st, 1, r->tenant_id);
	idem_sqlite_text(st, 2, r->key);
	rc = sqlite3_step(st);
	found = rc == SQLITE_ROW;
	if (found) {
		memset(&cur, 0, sizeof cur);
		memcpy(cur.tenant_id, r->tenant_id, sizeof cur.tenant_id);
		memcpy(cur.key, r->key, sizeof cur.key);
		idem_sqlite_col(st, 0, cur.fingerprint, sizeof cur.fingerprint);
		idem_sqlite_col(st, 1, cur.res_id, sizeof cur.res_id);
		cur.done = sqlite3_column_int(st, 2);
		cur.status = sqlite3_column_int(st, 3);
		idem_sqlite_col(st, 5, cur.location, sizeof cur.location);
		idem_sqlite_col(st, 6, cur.etag, sizeof cur.etag);
		cur.created_at = sqlite3_column_int64(st, 7);
		cur.expires_at = sqlite3_column_int64(st, 8);
		if (cur.done && cur.expires_at > a->now_ms / 1000) {
			const unsigned char *t = sqlite3_column_text(st, 4);
			size_t n = t ? (size_t)sqlite3_column_bytes(st, 4) : 0;

			cur.body = malloc(n + 1);
			if (cur.body == NULL) {
				sqlite3_finalize(st);
				return MT_ENOMEM;
			}
			if (n)
				memcpy(cur.body, t, n);
			cur.body[n] = '\0';
		}
	} else if (rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		return idem_sqlite_err(rc);
	}
	sqlite3_finalize(st);
	if (!found || cur.expires_at <= a->now_ms / 1000)
		return idem_sqlite_insert(db, r);
	if (!cur.done && strcmp(cur.fingerprint, r->fingerprint) == 0 &&
	    cur.created_at + STORE_IDEM_LEASE_MS <= a->now_ms) {
		/* the first request never finished: the retry creates the same record */
		memcpy(r->res_id, cur.res_id, sizeof r->res_id);
		r->taken_over = 1;
		return idem_sqlite_insert(db, r);
	}
	*r = cur;
	return MT_ECONFLICT;
}

/* Claims rec's key (see store.h). */
int store_sqlite_idem_begin(struct store *s, struct store_idem *rec, int64_t now_ms)
{
	struct idem_sqlite_begin a = { rec, now_ms };

	rec->taken_over = 0;
	rec->done = 0;
	rec->body = NULL;
	return store_sqlite_write_txn(s, idem_sqlite_begin_job, &a);
}

/* Job of idem_finish: stores the answer of the claim made at created_at. */
static int idem_sqlite_finish_job(sqlite3 *db, void *arg)
{
	static const char sql[] =
		"UPDATE idempotency SET done = 1, status = ?4, body = ?5, location = ?6, etag = ?7"
		" WHERE tenant_id = ?1 AND key = ?2 AND created_at = ?3 AND done = 0";
	const struct store_idem *r = arg;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		idem_sqlite_text(st, 1, r->tenant_id);
		idem_sqlite_text(st, 2, r->key);
		sqlite3_bind_int64(st, 3, r->created_at);
		sqlite3_bind_int(st, 4, r->status);
		idem_sqlite_text(st, 5, r->body ? r->body : "");
		idem_sqlite_text(st, 6, r->location);
		idem_sqlite_text(st, 7, r->etag);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return idem_sqlite_err(rc);
	return sqlite3_changes(db) == 1 ? 0 : MT_ENOTFOUND;
}

/* Stores the answer of a claimed key. */
int store_sqlite_idem_finish(struct store *s, const struct store_idem *rec)
{
	return store_sqlite_write_txn(s, idem_sqlite_finish_job, (void *)rec);
}

/* Job of idem_release: deletes the unfinished claim made at created_at. */
static int idem_sqlite_release_job(sqlite3 *db, void *arg)
{
	static const char sql[] =
		"DELETE FROM idempotency WHERE tenant_id = ?1 AND key = ?2 AND created_at = ?3 AND done = 0";
	const struct store_idem *r = arg;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		idem_sqlite_text(st, 1, r->tenant_id);
		idem_sqlite_text(st, 2, r->key);
		sqlite3_bind_int64(st, 3, r->created_at);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return idem_sqlite_err(rc);
	return sqlite3_changes(db) == 1 ? 0 : MT_ENOTFOUND;
}

/* Frees a claimed key whose request failed. */
int store_sqlite_idem_release(struct store *s, const struct store_idem *rec)
{
	return store_sqlite_write_txn(s, idem_sqlite_release_job, (void *)rec);
}
