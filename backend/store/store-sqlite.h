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

struct sqlite3;

/* Runs fn inside the store's durable, group-committed write transaction, so
 * another module writing its own tables in the same file (the embedded
 * queue) shares the store's writer and its fsyncs instead of contending for
 * the file's write lock from a second connection. fn gets the connection of
 * whichever thread commits the batch: it must use only that handle, must
 * not BEGIN/COMMIT/SAVEPOINT itself, and must finalize every statement it
 * prepares before returning (connections close when their thread exits);
 * store operations it calls run nested in the same transaction;
 * it returns 0 or a negative MT_E* code, and a failure undoes fn's changes
 * only. Returns fn's result, or the commit's error (then nothing of fn is
 * stored); 0 means durable. MT_EINVAL when s is not a SQLite store. */
int store_sqlite_write_txn(struct store *s, int (*fn)(struct sqlite3 *db, void *arg), void *arg);

/* Group-commit counters since open: write transactions committed and write
 * operations run (writes / commits = average batch). MT_EINVAL when s is
 * not a SQLite store. */
int store_sqlite_write_stats(struct store *s, uint64_t *commits, uint64_t *writes);

/* Tests only (fault injection through SQLite's commit hook): after `skip`
 * more commits succeed, the next `fail` commits are turned into rollbacks
 * (every write of those batches then fails with MT_EIO and nothing of them
 * is stored), and every commit first waits delay_ms inside the commit,
 * before SQLite writes and syncs it. All 0 disarms. MT_EINVAL when s is
 * not a SQLite store. */
int store_sqlite_test_commits(struct store *s, int skip, int fail, int delay_ms);

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
