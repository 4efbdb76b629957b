/* SQLite back end extras (beyond struct store_ops), for tests and for the
 * embedded queue, which opens its own connection to the same WAL file.
 * See docs/store.md for the schema, migrations and concurrency model. */
#ifndef MT_STORE_SQLITE_H
#define MT_STORE_SQLITE_H

#include <stdint.h>
#include "store/store.h"

/* The database file path the store was opened with (borrowed; valid until
 * store_close). NULL when s is not a SQLite store. */
const char *store_sqlite_path(struct store *s);

/* Group-commit counters since open: write transactions committed and write
 * operations run (writes / commits = average batch). MT_EINVAL when s is
 * not a SQLite store. */
int store_sqlite_write_stats(struct store *s, uint64_t *commits, uint64_t *writes);

/* The schema version (PRAGMA user_version) this build migrates to. */
int store_sqlite_schema_version(void);

/* The SQL of migration `version` (1..store_sqlite_schema_version()), which
 * brings user_version from version-1 to version; NULL when out of range.
 * For upgrade tests. */
const char *store_sqlite_migration_sql(int version);

/* EXPLAIN QUERY PLAN of the prepared statement behind operation `op`
 * ("waitee_list_due", "waitee_find_by_phone", "waitee_count_active",
 * "waitee_list", "waitee_get", "waitlist_list", "user_get_by_email", ...),
 * as the plan's detail lines joined with '\n'. *plan is malloc'd (caller
 * frees). Returns 0, MT_EINVAL for an unknown op or store, MT_EIO, MT_ENOMEM. */
int store_sqlite_query_plan(struct store *s, const char *op, char **plan);

#endif
