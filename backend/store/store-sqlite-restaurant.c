/* Restaurants (the tenant's own record: name, time zone, settings) in the
 * SQLite store: the `restaurants` table (migration 8), its SQL and operations. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "core/error.h"
#include "store/store-sqlite-private.h"

/* Statements of this file, by enum store_sqlite_sq (store_sqlite_sql_of). */
const struct store_sqlite_sql store_sqlite_sql_restaurant[SQ__COUNT] = {
	[SQ_REST_GET] = {"restaurant_get", "SELECT " SQ_REST_COLS " FROM restaurants WHERE id = ?1"},
	[SQ_REST_INSERT] = {"restaurant_put",
		"INSERT INTO restaurants (" SQ_REST_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)"},
	[SQ_REST_UPDATE] = {"restaurant_update",
		"UPDATE restaurants SET name = ?2, timezone = ?3, phone_country = ?4, retention_s = ?5,"
		" sms_per_day = ?6, updated_at = ?8, version = version + 1 WHERE id = ?1 AND version = ?9"},
	[SQ_REST_DELETE] = {"restaurant_delete", "DELETE FROM restaurants WHERE id = ?1 AND version = ?2"},
};

/* Reads a restaurants row (SQ_REST_COLS). */
static void store_sqlite_read_restaurant_cb(sqlite3_stmt *st, void *p)
{
	struct mt_restaurant *r = p;

	memset(r, 0, sizeof *r);
	COL_FIELD(st, 0, r->id);
	COL_FIELD(st, 1, r->name);
	COL_FIELD(st, 2, r->timezone);
	COL_FIELD(st, 3, r->phone_country);
	r->retention_s = sqlite3_column_int64(st, 4);
	r->sms_per_day = sqlite3_column_int(st, 5);
	r->created_at = sqlite3_column_int64(st, 6);
	r->updated_at = sqlite3_column_int64(st, 7);
	r->version = sqlite3_column_int64(st, 8);
}

/* Gets a tenant's restaurant record; MT_ENOTFOUND when none. */
int store_sqlite_restaurant_get(struct store *base, const char *tenant_id, struct mt_restaurant *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (tenant_id == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_REST_GET, &st)) < 0)
		return r;
	BIND_STR(st, 1, tenant_id);
	return store_sqlite_get_row(s, c, st, store_sqlite_read_restaurant_cb, out);
}

/* Job of store_sqlite_restaurant_put: insert (expected 0) or conditional update. */
static int store_sqlite_restaurant_put_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const struct mt_restaurant *rs = a->rec;
	sqlite3_stmt *st = NULL, *vst = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, a->expected == 0 ? SQ_REST_INSERT : SQ_REST_UPDATE, &st)) < 0)
		return r;
	BIND_FIELD(st, 1, rs->id);
	BIND_FIELD(st, 2, rs->name);
	BIND_FIELD(st, 3, rs->timezone);
	BIND_FIELD(st, 4, rs->phone_country);
	sqlite3_bind_int64(st, 5, rs->retention_s);
	sqlite3_bind_int(st, 6, rs->sms_per_day);
	if (a->expected == 0)
		sqlite3_bind_int64(st, 7, rs->created_at);
	sqlite3_bind_int64(st, 8, rs->updated_at);
	if (a->expected != 0)
		sqlite3_bind_int64(st, 9, a->expected);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0 && a->expected != 0) {
		struct mt_restaurant cur;

		if ((r = store_sqlite_stmt(c, SQ_REST_GET, &vst)) < 0)
			return r;
		BIND_FIELD(vst, 1, rs->id);
		r = store_sqlite_get_row(s, c, vst, store_sqlite_read_restaurant_cb, &cur);
		if (r == 0)
			r = MT_EPRECOND;
	}
	return r;
}

/* Creates (expected 0) or updates (conditional on version) a restaurant record. */
int store_sqlite_restaurant_put(struct store *base, struct mt_restaurant *rs, int64_t expected_version)
{
	struct store_sqlite_wargs a = {rs, NULL, NULL, expected_version};
	int r;

	if (rs == NULL || rs->id[0] == '\0' || expected_version < 0)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_restaurant_put_job, &a);
	if (r == 0)
		rs->version = expected_version + 1;
	return r;
}

/* Job of store_sqlite_restaurant_delete (k1 the tenant): the delete, then why nothing was deleted. */
static int store_sqlite_restaurant_delete_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	const struct store_sqlite_wargs *a = arg;
	struct mt_restaurant cur;
	sqlite3_stmt *st = NULL, *vst = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_REST_DELETE, &st)) < 0)
		return r;
	BIND_STR(st, 1, a->k1);
	sqlite3_bind_int64(st, 2, a->expected);
	r = store_sqlite_write(s, c, st, &changes);
	if (r != 0 || changes > 0)
		return r;
	if ((r = store_sqlite_stmt(c, SQ_REST_GET, &vst)) < 0)
		return r;
	BIND_STR(vst, 1, a->k1);
	r = store_sqlite_get_row(s, c, vst, store_sqlite_read_restaurant_cb, &cur);
	return r == 0 ? MT_EPRECOND : r;
}

/* Deletes a restaurant record of this version. */
int store_sqlite_restaurant_delete(struct store *base, const char *tenant_id, int64_t expected_version)
{
	struct store_sqlite_wargs a = {NULL, tenant_id, NULL, expected_version};

	if (tenant_id == NULL || tenant_id[0] == '\0' || expected_version < 1)
		return MT_EINVAL;
	return store_sqlite_submit(base, store_sqlite_restaurant_delete_job, &a);
}
