/* Private header of the SQLite store (store-sqlite*.c only): the store and
 * connection structs, the statement ids and tables, and the helpers the
 * files share. The public extras are in store-sqlite.h. */
#ifndef MT_STORE_SQLITE_PRIVATE_H
#define MT_STORE_SQLITE_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sqlite3.h>
#include "core/model.h"
#include "store/store.h"
#include "store/store-sqlite.h"

/* Busy timeout for locks held by other connections (another process, the
 * embedded queue's connection). */
#define STORE_SQLITE_BUSY_MS 10000
/* Largest page a listing may ask for (store.h: 1..500). */
#define STORE_SQLITE_PAGE_MAX 500
/* Largest batch waitee_list_due returns at once. */
#define STORE_SQLITE_DUE_MAX 1000

/* Columns of each table in the order the store_sqlite_read_* functions read them. */
#define SQ_USER_COLS "id, tenant_id, email, name, role, password_hash, created_at, failed_logins, fail_window_start," \
	" version, disabled, must_change_password, revoked_before, updated_at"
#define SQ_REST_COLS "id, name, timezone, phone_country, retention_s, sms_per_day, created_at, updated_at, version"
#define SQ_WL_COLS "id, tenant_id, name, description, tpl_joined, tpl_ready, tpl_reminder, created_at, updated_at, version," \
	" default_quote"
#define SQ_WE_COLS "id, waitlist_id, tenant_id, name, phone, email, notes, party_size, quoted_minutes, status," \
	" joined_at, notify_at, notified_at, seated_at, updated_at, expires_at, version, due_at, notify_kind," \
	" notify_seq, queued_seq, sent_seq, notify_count, last_result, last_reason, reply, reply_at," \
	" finished_at, previous_status, source, guest_nonce"
/* Not expired: expires_at is in epoch seconds, 0 = never. */
#define SQ_LIVE(p) "(expires_at = 0 OR expires_at > " p ")"

/* Statement ids: the index of a statement in a connection's cache and in
 * the per-file tables (store_sqlite_sql_of). */
enum store_sqlite_sq {
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_USER_INSERT,
	SQ_USER_GET,
	SQ_USER_GET_EMAIL,
	SQ_USER_UPDATE,
	SQ_USER_VERSION,
	SQ_FAMILY_INSERT,
	SQ_REFRESH_INSERT,
	SQ_REFRESH_GET,
	SQ_REFRESH_MARK,
	SQ_REFRESH_EXISTS,
	SQ_FAMILY_REVOKE,
	SQ_WL_INSERT,
	SQ_WL_GET,
	SQ_WL_LIST,
	SQ_WL_UPDATE,
	SQ_WL_VERSION,
	SQ_WL_DELETE,
	SQ_WL_DELETE_WAITEES,
	SQ_WE_INSERT,
	SQ_WE_GET,
	SQ_WE_LIST,
	SQ_WE_UPDATE,
	SQ_WE_VERSION,
	SQ_WE_DELETE,
	SQ_WE_COUNT,
	SQ_WE_COUNT_FAST,
	SQ_WE_DUE,
	SQ_WE_PHONE,
	SQ_BEGIN_READ,
	SQ_WL_REV,
	SQ_WE_ALL,
	SQ_SAVEPOINT,
	SQ_RELEASE,
	SQ_ROLLBACK_TO,
	SQ_PURGE_WAITEES,
	SQ_PURGE_FAMILIES,
	SQ_PURGE_TOKENS,
	SQ_PURGE_GUARDS,
	SQ_PURGE_IDEM,
	SQ_GUARD_GET,
	SQ_GUARD_INSERT,
	SQ_GUARD_UPDATE,
	SQ_LINK_PUT,
	SQ_LINK_GET,
	SQ_PURGE_LINKS,
	SQ_USER_LIST,
	SQ_REST_GET,
	SQ_REST_INSERT,
	SQ_REST_UPDATE,
	SQ_REST_DELETE,
	SQ_STAT_ADD,
	SQ_STAT_RANGE,
	SQ_STAT_HOUR,
	SQ_ACT_INSERT,
	SQ_ACT_LIST,
	SQ_HAND_INSERT,
	SQ_HAND_LIST,
	SQ_HAND_UPDATE,
	SQ_HAND_VERSION,
	SQ_PURGE_ACT,
	SQ_PURGE_HAND,
	SQ__COUNT
};

/* One statement: the operation name (for query plans) and its SQL. */
struct store_sqlite_sql {
	const char *op;   /* store_ops member it serves, or a helper name */
	const char *sql;  /* statement text */
};

struct store_sqlite;

/* Waitee lists kept per connection (so no lock): at most this many lists,
 * this many rows per list, this many bytes in all. */
#define STORE_SQLITE_CACHE_LISTS 16
#define STORE_SQLITE_CACHE_ROWS 512
#define STORE_SQLITE_CACHE_BYTES (4u << 20)

/* A cached waitee list: every live waitee of the list at revision `rev`. */
struct store_sqlite_cached {
	char waitlist_id[MT_ID_SIZE];         /* list id, "" = free slot */
	int64_t rev;                          /* waitlists.waitee_rev the rows belong to */
	struct mt_waitee *rows;               /* in id order (NULL when too_big or empty) */
	size_t n;                             /* rows */
	int too_big;                          /* over STORE_SQLITE_CACHE_ROWS: read from SQL */
	uint64_t used;                        /* LRU tick of the last use */
};

/* Waitlists kept per connection for waitlist_peek. */
#define STORE_SQLITE_PEEK_LISTS 16

/* A waitlist as read at write epoch `epoch` (see store_sqlite_epoch). */
struct store_sqlite_peeked {
	struct mt_waitlist wl;                /* the record ("" id = free slot) */
	uint64_t epoch;                       /* store_sqlite_epoch before it was read */
	int64_t at_ms;                        /* monotonic time it was read */
};

/* One thread's connection with its statement cache and list cache. */
struct store_sqlite_conn {
	sqlite3 *db;                          /* the connection (multi-thread mode, one user) */
	sqlite3_stmt *stmts[SQ__COUNT];       /* prepared on first use, finalized on close */
	struct store_sqlite *owner;           /* store this connection belongs to */
	struct store_sqlite_conn *next;       /* next in the process-wide registry */
	struct store_sqlite_cached cache[STORE_SQLITE_CACHE_LISTS]; /* waitee lists */
	size_t cache_bytes;                   /* bytes held by cache[].rows */
	uint64_t tick;                        /* LRU clock */
	struct store_sqlite_peeked peek[STORE_SQLITE_PEEK_LISTS]; /* waitlist_peek copies */
	unsigned peek_next;                   /* slot the next new copy takes (round robin) */
};

/* The SQLite store. */
struct store_sqlite {
	struct store base;                    /* must be first: ops */
	char *path;                           /* database file */
	pthread_key_t key;                    /* this thread's struct store_sqlite_conn */
	pthread_mutex_t write_lock;           /* held while a write transaction is open */
	pthread_mutex_t gc_lock;              /* guards the group-commit queue below */
	struct store_sqlite_job *gc_head;     /* queued write jobs, oldest first */
	struct store_sqlite_job **gc_tail;    /* where the next job is linked */
	int gc_leader;                        /* 1 while a thread commits batches */
	struct store_sqlite_conn *writer;     /* the connection batches run on (first leader opens it; leaders only) */
	atomic_uint_least64_t commits;        /* write transactions committed */
	atomic_uint_least64_t jobs;           /* write operations run */
	atomic_uint_least64_t requests;       /* statements run since open */
	atomic_uint_least64_t scans;          /* statements that stepped through a full table scan */
	atomic_int test_skip;                 /* tests: commits still to let through before failing */
	atomic_int test_fail;                 /* tests: commits to turn into rollbacks after that */
	atomic_int test_delay_ms;             /* tests: wait inside every commit */
};

/* A write operation queued for group commit. The submitting thread blocks
 * until `done`; the leader runs the job on the store's writer connection. */
struct store_sqlite_job {
	int (*fn)(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg); /* the work */
	void *arg;                            /* its input (on the submitter's stack) */
	int result;                           /* outcome, valid once state is JOB_DONE */
	atomic_int state;                     /* JOB_WAIT, JOB_DONE or JOB_LEAD; written under gc_lock, slept on (futex) */
	struct store_sqlite_job *next;        /* queue / batch link */
};

/* store_sqlite_job.state: queued; committed or failed (result is valid);
 * the lead passed to this job (it takes it if still free). */
enum { JOB_WAIT = 0, JOB_DONE = 1, JOB_LEAD = 2 };

/* Input of a write job: a record and/or keys, and an expected version. */
struct store_sqlite_wargs {
	void *rec;                            /* record written (the caller's struct) */
	const char *k1;                       /* first key: family, tenant or list id */
	const char *k2;                       /* second key: token hash or record id */
	int64_t expected;                     /* expected version of a conditional update */
};

/* Sets *cause (when asked for) to a formatted message. */
#define store_sqlite_cause(cause, ...) do { if (cause) *(cause) = mt_strf(__VA_ARGS__); } while (0)

/* Common start of every operation: the store and this thread's connection. */
#define STORE_SQLITE_ENTER(base, s, c) \
	struct store_sqlite *s = (struct store_sqlite *)(base); \
	struct store_sqlite_conn *c; \
	do { int enter_r_ = store_sqlite_conn(s, &c); if (enter_r_ < 0) return enter_r_; } while (0)

/* Binds a fixed-size char array field (never reads past its end). */
#define BIND_FIELD(st, i, f) sqlite3_bind_text((st), (i), (f), (int)strnlen((f), sizeof(f)), SQLITE_STATIC)
/* Binds a C string. */
#define BIND_STR(st, i, str) sqlite3_bind_text((st), (i), (str), -1, SQLITE_STATIC)

/* Copies a text column into a fixed-size field, NUL-terminated. */
static inline void store_sqlite_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

#define COL_FIELD(st, i, f) store_sqlite_col((st), (i), (f), sizeof(f))

/* The operations table (store-sqlite.c). */
extern const struct store_ops store_sqlite_ops;
/* Bumped after every write transaction of any SQLite store in this process
 * ends (store-sqlite-conn.c): a waitlist_peek copy read at an older value is not used. */
extern atomic_uint_least64_t store_sqlite_epoch;

/* Statement tables, one per file that owns statements, each indexed by enum
 * store_sqlite_sq with only that file's entries set. */
extern const struct store_sqlite_sql store_sqlite_sql_conn[SQ__COUNT];
extern const struct store_sqlite_sql store_sqlite_sql_users[SQ__COUNT];
extern const struct store_sqlite_sql store_sqlite_sql_refresh[SQ__COUNT];
extern const struct store_sqlite_sql store_sqlite_sql_waitlists[SQ__COUNT];
extern const struct store_sqlite_sql store_sqlite_sql_waitees[SQ__COUNT];
extern const struct store_sqlite_sql store_sqlite_sql_cache[SQ__COUNT];
extern const struct store_sqlite_sql store_sqlite_sql_main[SQ__COUNT];
extern const struct store_sqlite_sql store_sqlite_sql_guest[SQ__COUNT];
extern const struct store_sqlite_sql store_sqlite_sql_restaurant[SQ__COUNT];
extern const struct store_sqlite_sql store_sqlite_sql_stats[SQ__COUNT];
extern const struct store_sqlite_sql store_sqlite_sql_activity[SQ__COUNT];
/* The statement `which` (operation name and SQL); NULL if no file has it. */
const struct store_sqlite_sql *store_sqlite_sql_of(int which);

/* ---- store-sqlite-conn.c */
/* Maps an SQLite result code to an MT_E* code; logs unexpected failures. */
int store_sqlite_err(struct store_sqlite_conn *c, int rc);
/* Runs one PRAGMA or other statement that returns at most a single value. */
int store_sqlite_exec1(sqlite3 *db, const char *sql, sqlite3_int64 *value);
/* Returns this thread's connection, opening and registering it on first use. */
int store_sqlite_conn(struct store_sqlite *s, struct store_sqlite_conn **out);
/* Returns the cached statement `which` of connection c, preparing it on first use. */
int store_sqlite_stmt(struct store_sqlite_conn *c, enum store_sqlite_sq which, sqlite3_stmt **out);
/* Ends one run of a statement: counts it (and any full scan), resets it. */
void store_sqlite_done(struct store_sqlite *s, sqlite3_stmt *st);
/* Runs a cached statement that takes no parameters and returns no rows. */
int store_sqlite_run(struct store_sqlite *s, struct store_sqlite_conn *c, enum store_sqlite_sq which);
/* Starts a write transaction: takes the writer mutex, then BEGIN IMMEDIATE. */
int store_sqlite_begin(struct store_sqlite *s, struct store_sqlite_conn *c);
/* Rolls back the write transaction (if still open) and releases the mutex. */
void store_sqlite_rollback(struct store_sqlite *s, struct store_sqlite_conn *c);
/* Commits (durably: synchronous=FULL) and releases the mutex; rolls back on failure. */
int store_sqlite_commit(struct store_sqlite *s, struct store_sqlite_conn *c);
/* Runs a write job durably and returns its result. Writers that arrive while
 * another thread is committing queue up; when it is done, one of them
 * becomes the leader and commits everything queued in one transaction
 * (group commit), so N concurrent writers share one fsync instead of taking
 * N in turn. */
int store_sqlite_submit(struct store *base,
			       int (*fn)(struct store_sqlite *, struct store_sqlite_conn *, void *), void *arg);
/* store_sqlite_submit for a job whose only change is one INSERT, UPDATE or
 * DELETE statement (its triggers included; reads may follow): nested in a
 * running job it needs no savepoint of its own, as SQLite undoes a failing
 * statement by itself. */
int store_sqlite_submit1(struct store *base,
			 int (*fn)(struct store_sqlite *, struct store_sqlite_conn *, void *), void *arg);
/* Frees the store: closes every thread's connection (all users must have stopped). */
void store_sqlite_close(struct store *base);
/* Creates tables and indexes if missing (runs pending migrations). */
int store_sqlite_init_schema(struct store *base);
/* Runs a prepared single-row SELECT; calls read on the row. 0, MT_ENOTFOUND or an error. */
int store_sqlite_get_row(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st,
				void (*read)(sqlite3_stmt *, void *), void *out);
/* Runs a write statement (inside a transaction); *changes gets the rows changed. */
int store_sqlite_write(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st, int *changes);
/* After a conditional update changed nothing: MT_ENOTFOUND when the row is
 * absent (per the bound lookup statement), MT_EPRECOND when it exists. */
int store_sqlite_why_unchanged(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st);

/* ---- store-sqlite-guest.c */
/* Creates or replaces a public link. */
int store_sqlite_link_put(struct store *base, const struct mt_link *l);
/* Gets a live public link by key. */
int store_sqlite_link_get(struct store *base, const char *key, struct mt_link *out);

/* ---- store-sqlite-stats.c: stats counters (store.h stat_*). */
int store_sqlite_stat_add(struct store *base, const char *waitlist_id, const struct mt_stat_delta *d);
int store_sqlite_stat_range(struct store *base, const char *waitlist_id, int64_t from_hour, int64_t to_hour,
			    int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud);
int store_sqlite_stat_hours(struct store *base, const char *waitlist_id, int party_size, const int64_t *hours,
			    size_t nh, int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud);
/* ---- store-sqlite-activity.c (contract in store.h) */
/* Appends an activity entry. */
int store_sqlite_activity_append(struct store *base, const struct mt_activity *a);
/* Pages through a list's (or the restaurant's) entries, newest first. */
int store_sqlite_activity_list(struct store *base, const char *tenant_id, const char *waitlist_id,
			       int64_t since_ms, const struct store_page *page, struct mt_activity **items,
			       size_t *n, char **next_cursor);
/* Stores a new handover note (version 1). */
int store_sqlite_handover_create(struct store *base, struct mt_handover *h);
/* Pages through a list's handover notes, newest first. */
int store_sqlite_handover_list(struct store *base, const char *tenant_id, const char *waitlist_id,
			       const struct store_page *page, struct mt_handover **items, size_t *n,
			       char **next_cursor);
/* Rewrites a handover note conditional on its version. */
int store_sqlite_handover_update(struct store *base, struct mt_handover *h, int64_t expected_version);

/* ---- store-sqlite-schema.c */
/* Runs every pending migration, each in its own BEGIN IMMEDIATE transaction. */
int store_sqlite_migrate(struct store_sqlite *s, struct store_sqlite_conn *c, char **cause);

/* ---- store-sqlite.c */
/* The store clock's time in epoch seconds, for TTL checks. */
sqlite3_int64 store_sqlite_now_s(struct store_sqlite *s);
/* Encodes the cursor after id (malloc'd; NULL when out of memory). */
char *store_sqlite_cursor_encode(const char *id);
/* Checks a page request; fills the id to start after. */
int store_sqlite_page(const struct store_page *page, char after[MT_ID_SIZE], int *limit);

/* ---- store-sqlite-users.c */
/* Creates an account; MT_ECONFLICT when the e-mail (or id) exists. Sets version 1. */
int store_sqlite_user_create(struct store *base, struct mt_user *u);
/* Gets an account by id. */
int store_sqlite_user_get(struct store *base, const char *user_id, struct mt_user *out);
/* Gets an account by (lower-cased) e-mail. */
int store_sqlite_user_get_by_email(struct store *base, const char *email, struct mt_user *out);
/* Updates every mutable field of an account, conditional on version. */
int store_sqlite_user_update(struct store *base, struct mt_user *u, int64_t expected_version);
/* Lists a tenant's accounts in creation (id) order, one page at a time. */
int store_sqlite_user_list(struct store *base, const char *tenant_id, const struct store_page *page,
			   struct mt_user **items, size_t *n, char **next_cursor);

/* ---- store-sqlite-restaurant.c */
/* Gets a tenant's restaurant record; MT_ENOTFOUND when none. */
int store_sqlite_restaurant_get(struct store *base, const char *tenant_id, struct mt_restaurant *out);
/* Creates (expected 0) or updates (conditional on version) a restaurant record. */
int store_sqlite_restaurant_put(struct store *base, struct mt_restaurant *r, int64_t expected_version);
/* Deletes a restaurant record of this version (see store.h). */
int store_sqlite_restaurant_delete(struct store *base, const char *tenant_id, int64_t expected_version);
/* Gets a login guard; MT_ENOTFOUND when none. */
int store_sqlite_guard_get(struct store *base, const char *key, struct mt_login_guard *out);
/* Stores a login guard (see store.h). */
int store_sqlite_guard_put(struct store *base, struct mt_login_guard *g, int64_t expected_version);

/* ---- store-sqlite-refresh.c */
/* Stores a refresh token, creating its family on first use. MT_ECONFLICT when the hash exists. */
int store_sqlite_refresh_create(struct store *base, const struct mt_refresh *rt);
/* Gets a refresh token of a family, with the family's revoked flag. */
int store_sqlite_refresh_get(struct store *base, const char *family_id, const char *token_hash,
				    struct mt_refresh *out);
/* Marks a token spent: MT_ECONFLICT when it already was, MT_ENOTFOUND when absent. */
int store_sqlite_refresh_mark_used(struct store *base, const char *family_id, const char *token_hash);
/* Revokes a whole family (idempotent); MT_ENOTFOUND when there is no such family. */
int store_sqlite_refresh_revoke_family(struct store *base, const char *family_id);

/* ---- store-sqlite-waitlists.c */
/* Creates a waitlist (version 1); MT_ECONFLICT when the id exists. */
int store_sqlite_waitlist_create(struct store *base, struct mt_waitlist *w);
/* Gets a waitlist through its tenant. */
int store_sqlite_waitlist_get(struct store *base, const char *tenant_id, const char *id,
				     struct mt_waitlist *out);
/* waitlist_get through this thread's copies: a copy serves while no write
 * transaction of this process has ended since it was read and it is younger
 * than STORE_PEEK_MS (writes by other processes). Not-found is not kept. */
int store_sqlite_waitlist_peek(struct store *base, const char *tenant_id, const char *id,
				      struct mt_waitlist *out);
/* Runs a bound listing statement (LIMIT = limit + 1 already bound) into a
 * malloc'd array of `size`-byte records; sets the next cursor from the last
 * returned record's id (read at id_offset) when there are more. */
int store_sqlite_list(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st,
			     int limit, size_t size, void (*read)(sqlite3_stmt *, void *), size_t id_offset,
			     void **items, size_t *n, char **next_cursor);
/* Runs the per-tenant listing statement `which` (tenant, after-id, limit)
 * for one page into a malloc'd array (store_sqlite_list's rules). */
int store_sqlite_tenant_list(struct store *base, enum store_sqlite_sq which, const char *tenant_id,
			     const struct store_page *page, size_t size, void (*read)(sqlite3_stmt *, void *),
			     size_t id_offset, void **items, size_t *n, char **next_cursor);
/* Lists a tenant's waitlists in creation (id) order, one page at a time. */
int store_sqlite_waitlist_list(struct store *base, const char *tenant_id, const struct store_page *page,
				      struct mt_waitlist **items, size_t *n, char **next_cursor);
/* Updates a waitlist's editable fields, conditional on version and tenant. */
int store_sqlite_waitlist_update(struct store *base, struct mt_waitlist *w, int64_t expected_version);
/* Deletes a tenant's waitlist and all its waitees in one transaction. */
int store_sqlite_waitlist_delete(struct store *base, const char *tenant_id, const char *id);

/* ---- store-sqlite-waitees.c */
void store_sqlite_read_waitee_cb(sqlite3_stmt *st, void *out);
/* Creates a waitee (version 1) on a list of its tenant: MT_ENOTFOUND when the
 * list is not the tenant's, MT_ECONFLICT when the id exists on the list. */
int store_sqlite_waitee_create(struct store *base, struct mt_waitee *w);
/* Gets a waitee through its list (expired ones are absent). */
int store_sqlite_waitee_get(struct store *base, const char *waitlist_id, const char *id,
				   struct mt_waitee *out);
/* Updates every mutable waitee field, conditional on version (through its list). */
int store_sqlite_waitee_update(struct store *base, struct mt_waitee *w, int64_t expected_version);
/* Deletes a waitee of a list; MT_ENOTFOUND when absent. */
int store_sqlite_waitee_delete(struct store *base, const char *waitlist_id, const char *id);
/* Counts active waitees of a list that sort before before_id (NULL = all). */
int store_sqlite_waitee_count_active(struct store *base, const char *waitlist_id, const char *before_id,
					    int *count);
/* Due waitees (0 < due_at <= now_ms), oldest first, at most limit, from the partial index. */
int store_sqlite_waitee_list_due(struct store *base, int64_t now_ms, int limit,
					struct mt_waitee **items, size_t *n);
/* The most recently joined active waitee with this phone, any tenant. */
int store_sqlite_waitee_find_by_phone(struct store *base, const char *phone, struct mt_waitee *out);

/* ---- store-sqlite-cache.c */
/* Lists a list's waitees in join (id) order, one page at a time. Pages come
 * from this connection's cache of the list, checked against the list's
 * revision on every call (one primary-key read); lists over the cache
 * limits are read page by page from SQL. */
int store_sqlite_waitee_list(struct store *base, const char *waitlist_id, const struct store_page *page,
				    struct mt_waitee **items, size_t *n, char **next_cursor);

/* ---- store-sqlite-idempotency.c (contract in store.h) */
/* Claims a key inside the group-committed write transaction (read, then insert/take over). */
int store_sqlite_idem_begin(struct store *s, struct store_idem *rec, int64_t now_ms);
/* Stores the claim's answer (conditional on created_at, pending). */
int store_sqlite_idem_finish(struct store *s, const struct store_idem *rec);
/* Deletes an unfinished claim (conditional on created_at). */
int store_sqlite_idem_release(struct store *s, const struct store_idem *rec);

#endif
