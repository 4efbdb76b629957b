/* The SQLite back end of struct store_ops (store.h): one WAL file, one
 * connection per thread with its own cached prepared statements and its own
 * cache of waitee lists (validated by a trigger-kept revision), durable
 * writes group-committed in BEGIN IMMEDIATE transactions (one savepoint per
 * write), schema migrations keyed by PRAGMA user_version. docs/store.md has
 * the schema, the concurrency model and the cursor format. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "core/base64.h"
#include "store/store.h"
#include "store/store-sqlite.h"

/* Busy timeout for locks held by other connections (another process, the
 * embedded queue's connection). */
#define STORE_SQLITE_BUSY_MS 10000
/* Largest page a listing may ask for (store.h: 1..500). */
#define STORE_SQLITE_PAGE_MAX 500
/* Largest batch waitee_list_due returns at once. */
#define STORE_SQLITE_DUE_MAX 1000

/* ---------------------------------------------------------------------------
 * Schema migrations. Migration i (1-based) brings user_version from i-1 to i.
 * Append new migrations at the end; never edit a released one. */

static const char *const store_sqlite_migrations[] = {
	/* 1: everything. */
	"CREATE TABLE users ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" tenant_id TEXT NOT NULL,"
	" email TEXT NOT NULL COLLATE NOCASE UNIQUE,"
	" name TEXT NOT NULL,"
	" role TEXT NOT NULL,"
	" password_hash TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" failed_logins INTEGER NOT NULL DEFAULT 0,"
	" fail_window_start INTEGER NOT NULL DEFAULT 0,"
	" version INTEGER NOT NULL DEFAULT 1"
	") WITHOUT ROWID;"
	"CREATE INDEX users_tenant ON users(tenant_id, id);"
	"CREATE TABLE refresh_families ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" user_id TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE TABLE refresh_tokens ("
	" token_hash TEXT PRIMARY KEY NOT NULL,"
	" family_id TEXT NOT NULL REFERENCES refresh_families(id) ON DELETE CASCADE,"
	" user_id TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" used INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);"
	"CREATE TABLE waitlists ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" tenant_id TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" tpl_joined TEXT NOT NULL DEFAULT '',"
	" tpl_ready TEXT NOT NULL DEFAULT '',"
	" tpl_reminder TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" version INTEGER NOT NULL DEFAULT 1"
	") WITHOUT ROWID;"
	"CREATE INDEX waitlists_tenant ON waitlists(tenant_id, id);"
	/* Clustered by (list, id): a page of a list is one range of the table. */
	"CREATE TABLE waitees ("
	" waitlist_id TEXT NOT NULL REFERENCES waitlists(id) ON DELETE CASCADE,"
	" id TEXT NOT NULL,"
	" tenant_id TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" phone TEXT NOT NULL DEFAULT '',"
	" email TEXT NOT NULL DEFAULT '',"
	" notes TEXT NOT NULL DEFAULT '',"
	" party_size INTEGER NOT NULL,"
	" quoted_minutes INTEGER NOT NULL DEFAULT 0,"
	" status INTEGER NOT NULL DEFAULT 0,"
	" joined_at INTEGER NOT NULL,"
	" notify_at INTEGER NOT NULL DEFAULT 0,"
	" notified_at INTEGER NOT NULL DEFAULT 0,"
	" seated_at INTEGER NOT NULL DEFAULT 0,"
	" updated_at INTEGER NOT NULL DEFAULT 0,"
	" expires_at INTEGER NOT NULL DEFAULT 0,"
	" version INTEGER NOT NULL DEFAULT 1,"
	" due_at INTEGER NOT NULL DEFAULT 0,"
	" notify_kind TEXT NOT NULL DEFAULT '',"
	" notify_seq INTEGER NOT NULL DEFAULT 0,"
	" queued_seq INTEGER NOT NULL DEFAULT 0,"
	" sent_seq INTEGER NOT NULL DEFAULT 0,"
	" notify_count INTEGER NOT NULL DEFAULT 0,"
	" last_result TEXT NOT NULL DEFAULT '',"
	" last_reason TEXT NOT NULL DEFAULT '',"
	" reply TEXT NOT NULL DEFAULT '',"
	" reply_at INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (waitlist_id, id)"
	") WITHOUT ROWID;"
	/* The due index holds only waitees with a pending notification. */
	"CREATE INDEX waitees_due ON waitees(due_at, id) WHERE due_at > 0;"
	/* Active parties (waiting, notified, confirmed): positions and counts. */
	"CREATE INDEX waitees_active ON waitees(waitlist_id, id, expires_at, status) WHERE status IN (0, 1, 2);"
	/* Guest replies: the active party with this phone. */
	"CREATE INDEX waitees_phone ON waitees(phone, id) WHERE status IN (0, 1, 2) AND phone <> '';",
	/* 2: a revision of each list's waitees, bumped by triggers on every
	 * change (whoever makes it), so readers can validate cached lists. */
	"ALTER TABLE waitlists ADD COLUMN waitee_rev INTEGER NOT NULL DEFAULT 0;"
	"CREATE TRIGGER waitees_rev_insert AFTER INSERT ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1 WHERE id = NEW.waitlist_id; END;"
	"CREATE TRIGGER waitees_rev_update AFTER UPDATE ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1 WHERE id IN (OLD.waitlist_id, NEW.waitlist_id); END;"
	"CREATE TRIGGER waitees_rev_delete AFTER DELETE ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1 WHERE id = OLD.waitlist_id; END;",
	/* 3: what purge_expired deletes, found without a scan. */
	"CREATE INDEX waitees_expiry ON waitees(expires_at) WHERE expires_at > 0;"
	"CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);",
	/* 4: failed logins of e-mails without an account (keyed hash, never the e-mail). */
	"CREATE TABLE login_guards ("
	" key TEXT PRIMARY KEY NOT NULL,"
	" failed_logins INTEGER NOT NULL,"
	" fail_window_start INTEGER NOT NULL,"
	" version INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX login_guards_expiry ON login_guards(expires_at);",
};

#define STORE_SQLITE_NMIGRATIONS ((int)(sizeof store_sqlite_migrations / sizeof store_sqlite_migrations[0]))

/* ---------------------------------------------------------------------------
 * Prepared statements, one set per connection, prepared on first use. */

#define SQ_USER_COLS "id, tenant_id, email, name, role, password_hash, created_at, failed_logins, fail_window_start, version"
#define SQ_WL_COLS "id, tenant_id, name, description, tpl_joined, tpl_ready, tpl_reminder, created_at, updated_at, version"
#define SQ_WE_COLS "id, waitlist_id, tenant_id, name, phone, email, notes, party_size, quoted_minutes, status," \
	" joined_at, notify_at, notified_at, seated_at, updated_at, expires_at, version, due_at, notify_kind," \
	" notify_seq, queued_seq, sent_seq, notify_count, last_result, last_reason, reply, reply_at"
/* Not expired: expires_at is in epoch seconds, 0 = never. */
#define SQ_LIVE(p) "(expires_at = 0 OR expires_at > " p ")"

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
	SQ_GUARD_GET,
	SQ_GUARD_INSERT,
	SQ_GUARD_UPDATE,
	SQ__COUNT
};

/* One statement: the operation name (for query plans) and its SQL. */
struct store_sqlite_sql {
	const char *op;   /* store_ops member it serves, or a helper name */
	const char *sql;  /* statement text */
};

static const struct store_sqlite_sql store_sqlite_sql[SQ__COUNT] = {
	[SQ_BEGIN] = {"begin", "BEGIN IMMEDIATE"},
	[SQ_COMMIT] = {"commit", "COMMIT"},
	[SQ_ROLLBACK] = {"rollback", "ROLLBACK"},
	[SQ_USER_INSERT] = {"user_create",
		"INSERT INTO users (" SQ_USER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)"},
	[SQ_USER_GET] = {"user_get", "SELECT " SQ_USER_COLS " FROM users WHERE id = ?1"},
	[SQ_USER_GET_EMAIL] = {"user_get_by_email", "SELECT " SQ_USER_COLS " FROM users WHERE email = ?1"},
	[SQ_USER_UPDATE] = {"user_update",
		"UPDATE users SET name = ?2, role = ?3, password_hash = ?4, failed_logins = ?5,"
		" fail_window_start = ?6, version = version + 1 WHERE id = ?1 AND version = ?7"},
	[SQ_USER_VERSION] = {"user_version", "SELECT version FROM users WHERE id = ?1"},
	[SQ_FAMILY_INSERT] = {"refresh_family_create",
		"INSERT INTO refresh_families (id, user_id, created_at, revoked) VALUES (?1, ?2, ?3, 0)"
		" ON CONFLICT (id) DO NOTHING"},
	[SQ_REFRESH_INSERT] = {"refresh_create",
		"INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at, used)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
	[SQ_REFRESH_GET] = {"refresh_get",
		"SELECT t.token_hash, t.family_id, t.user_id, t.created_at, t.expires_at, t.used, f.revoked"
		" FROM refresh_tokens AS t JOIN refresh_families AS f ON f.id = t.family_id"
		" WHERE t.token_hash = ?1 AND t.family_id = ?2"},
	[SQ_REFRESH_MARK] = {"refresh_mark_used",
		"UPDATE refresh_tokens SET used = 1 WHERE token_hash = ?1 AND family_id = ?2 AND used = 0"},
	[SQ_REFRESH_EXISTS] = {"refresh_exists",
		"SELECT used FROM refresh_tokens WHERE token_hash = ?1 AND family_id = ?2"},
	[SQ_FAMILY_REVOKE] = {"refresh_revoke_family",
		"UPDATE refresh_families SET revoked = 1 WHERE id = ?1"},
	/* waitee_rev starts at a random value: a list deleted and created
	 * again under the same id never matches a cached copy of the old one. */
	[SQ_WL_INSERT] = {"waitlist_create",
		"INSERT INTO waitlists (" SQ_WL_COLS ", waitee_rev)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, random() >> 2)"},
	[SQ_WL_GET] = {"waitlist_get",
		"SELECT " SQ_WL_COLS ", waitee_rev FROM waitlists WHERE id = ?1 AND tenant_id = ?2"},
	[SQ_WL_LIST] = {"waitlist_list",
		"SELECT " SQ_WL_COLS " FROM waitlists WHERE tenant_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"},
	[SQ_WL_UPDATE] = {"waitlist_update",
		"UPDATE waitlists SET name = ?3, description = ?4, tpl_joined = ?5, tpl_ready = ?6,"
		" tpl_reminder = ?7, updated_at = ?8, version = version + 1"
		" WHERE id = ?1 AND tenant_id = ?2 AND version = ?9"},
	[SQ_WL_VERSION] = {"waitlist_version",
		"SELECT version FROM waitlists WHERE id = ?1 AND tenant_id = ?2"},
	[SQ_WL_DELETE] = {"waitlist_delete", "DELETE FROM waitlists WHERE id = ?1 AND tenant_id = ?2"},
	[SQ_WL_DELETE_WAITEES] = {"waitlist_delete_waitees", "DELETE FROM waitees WHERE waitlist_id = ?1"},
	/* Inserted only when the list exists and belongs to the waitee's tenant. */
	[SQ_WE_INSERT] = {"waitee_create",
		"INSERT INTO waitees (" SQ_WE_COLS ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		" ?11, ?12, ?13, ?14, ?15, ?16, 1, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26"
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
		" last_reason = ?24, reply = ?25, reply_at = ?26, version = version + 1"
		" WHERE waitlist_id = ?1 AND id = ?2 AND version = ?3 AND " SQ_LIVE("?27")},
	[SQ_WE_VERSION] = {"waitee_version",
		"SELECT version FROM waitees WHERE waitlist_id = ?1 AND id = ?2 AND " SQ_LIVE("?3")},
	[SQ_WE_DELETE] = {"waitee_delete", "DELETE FROM waitees WHERE waitlist_id = ?1 AND id = ?2"},
	[SQ_WE_COUNT] = {"waitee_count_active",
		/* The planner prefers the clustered key without statistics; the
		 * partial index reads only active parties. */
		"SELECT count(*) FROM waitees INDEXED BY waitees_active WHERE waitlist_id = ?1 AND status IN (0, 1, 2)"
		" AND id < ?2 AND " SQ_LIVE("?3")},
	[SQ_WE_DUE] = {"waitee_list_due",
		"SELECT " SQ_WE_COLS " FROM waitees WHERE due_at > 0 AND due_at <= ?1 AND " SQ_LIVE("?3")
		" ORDER BY due_at, id LIMIT ?2"},
	[SQ_WE_PHONE] = {"waitee_find_by_phone",
		"SELECT " SQ_WE_COLS " FROM waitees WHERE phone = ?1 AND phone <> '' AND status IN (0, 1, 2)"
		" AND " SQ_LIVE("?2") " ORDER BY id DESC LIMIT 1"},
	[SQ_BEGIN_READ] = {"begin_read", "BEGIN"},
	[SQ_WL_REV] = {"waitee_list_rev", "SELECT waitee_rev FROM waitlists WHERE id = ?1"},
	[SQ_WE_ALL] = {"waitee_list_fill",
		"SELECT " SQ_WE_COLS " FROM waitees WHERE waitlist_id = ?1 AND " SQ_LIVE("?2")
		" ORDER BY id LIMIT ?3"},
	[SQ_SAVEPOINT] = {"savepoint", "SAVEPOINT job"},
	[SQ_RELEASE] = {"release", "RELEASE job"},
	[SQ_ROLLBACK_TO] = {"rollback_to", "ROLLBACK TO job"},
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
	[SQ_GUARD_GET] = {"guard_get",
		"SELECT failed_logins, fail_window_start, version FROM login_guards WHERE key = ?1"},
	[SQ_GUARD_INSERT] = {"guard_put",
		"INSERT INTO login_guards (key, failed_logins, fail_window_start, version, expires_at)"
		" VALUES (?1, ?2, ?3, 1, ?4)"},
	[SQ_GUARD_UPDATE] = {"guard_update",
		"UPDATE login_guards SET failed_logins = ?2, fail_window_start = ?3, version = version + 1,"
		" expires_at = ?4 WHERE key = ?1 AND version = ?5"},
};

/* ---------------------------------------------------------------------------
 * The store and its per-thread connections. */

struct store_sqlite;

/* One thread's connection with its statement cache. */
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

/* Bumped after every write transaction of any SQLite store in this process
 * ends: a waitlist_peek copy read at an older value is not used. */
static atomic_uint_least64_t store_sqlite_epoch;

/* The SQLite store. */
struct store_sqlite {
	struct store base;                    /* must be first: ops */
	char *path;                           /* database file */
	pthread_key_t key;                    /* this thread's struct store_sqlite_conn */
	pthread_mutex_t write_lock;           /* held while a write transaction is open */
	pthread_mutex_t gc_lock;              /* guards the group-commit queue below */
	pthread_cond_t gc_cond;               /* broadcast when a batch is done */
	struct store_sqlite_job *gc_head;     /* queued write jobs, oldest first */
	struct store_sqlite_job **gc_tail;    /* where the next job is linked */
	int gc_leader;                        /* 1 while a thread commits batches */
	atomic_uint_least64_t commits;        /* write transactions committed */
	atomic_uint_least64_t jobs;           /* write operations run */
	atomic_uint_least64_t requests;       /* statements run since open */
	atomic_uint_least64_t scans;          /* statements that stepped through a full table scan */
};

/* A write operation queued for group commit. The submitting thread blocks
 * until `done`; the leader runs the job on its own connection. */
struct store_sqlite_job {
	int (*fn)(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg); /* the work */
	void *arg;                            /* its input (on the submitter's stack) */
	int result;                           /* outcome, valid once done */
	int done;                             /* set (under gc_lock) when committed or failed */
	struct store_sqlite_job *next;        /* queue / batch link */
};

/* Input of a write job: a record and/or keys, and an expected version. */
struct store_sqlite_wargs {
	void *rec;                            /* record written (the caller's struct) */
	const char *k1;                       /* first key: family, tenant or list id */
	const char *k2;                       /* second key: token hash or record id */
	int64_t expected;                     /* expected version of a conditional update */
};

/* Registry of every live connection of every store, so that store_close and
 * thread exit never both close one. Taken only when a thread opens its
 * connection, when it exits, and at close: never on a request path. */
static pthread_mutex_t store_sqlite_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct store_sqlite_conn *store_sqlite_reg_head;

static const struct store_ops store_sqlite_ops;

/* Sets *cause (when asked for) to a formatted message. */
#define store_sqlite_cause(cause, ...) do { if (cause) *(cause) = mt_strf(__VA_ARGS__); } while (0)

/* Maps an SQLite result code to an MT_E* code; logs unexpected failures. */
static int store_sqlite_err(struct store_sqlite_conn *c, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return MT_EBUSY;
	case SQLITE_NOMEM:
		return MT_ENOMEM;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return MT_ENOTFOUND;
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return MT_ECONFLICT;
		return MT_EINVAL;
	case SQLITE_TOOBIG:
		return MT_ETOOBIG;
	default:
		fprintf(stderr, "{\"level\":\"error\",\"module\":\"store-sqlite\",\"code\":%d,\"msg\":\"%s\"}\n",
			rc, c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		return MT_EIO;
	}
}

/* Finalizes a connection's statements and closes it. */
static void store_sqlite_conn_free(struct store_sqlite_conn *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < SQ__COUNT; i++)
		sqlite3_finalize(c->stmts[i]);
	for (i = 0; i < STORE_SQLITE_CACHE_LISTS; i++)
		free(c->cache[i].rows);
	sqlite3_close_v2(c->db);
	free(c);
}

/* Thread-exit destructor: closes the thread's connection unless store_close
 * already did (it is then no longer in the registry). */
static void store_sqlite_conn_destroy(void *p)
{
	struct store_sqlite_conn **pp, *found = NULL;

	pthread_mutex_lock(&store_sqlite_reg_lock);
	for (pp = &store_sqlite_reg_head; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			found = *pp;
			*pp = found->next;
			break;
		}
	}
	pthread_mutex_unlock(&store_sqlite_reg_lock);
	store_sqlite_conn_free(found);
}

/* Runs one PRAGMA or other statement that returns at most a single value. */
static int store_sqlite_exec1(sqlite3 *db, const char *sql, sqlite3_int64 *value)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (value)
			*value = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Busy handler: while another connection (the embedded queue, another
 * process) holds the write lock, retry after short sleeps, 50 us growing to
 * 1 ms, for about STORE_SQLITE_BUSY_MS in all. SQLite's own busy_timeout
 * sleeps up to 100 ms at a time and leaves a freed lock idle meanwhile. */
static int store_sqlite_busy(void *arg, int count)
{
	struct timespec ts = {0, 0};
	long us = count < 20 ? 50L * (count + 1) : 1000L;

	(void)arg;
	if (count >= 20 + STORE_SQLITE_BUSY_MS)
		return 0;
	ts.tv_nsec = us * 1000L;
	nanosleep(&ts, NULL);
	return 1;
}

/* Opens a new connection to the store's file with the per-connection settings. */
static int store_sqlite_conn_open(struct store_sqlite *s, struct store_sqlite_conn **out, char **cause)
{
	struct store_sqlite_conn *c = calloc(1, sizeof *c);
	int rc;

	*out = NULL;
	if (c == NULL)
		return MT_ENOMEM;
	c->owner = s;
	rc = sqlite3_open_v2(s->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		store_sqlite_cause(cause, "%s: %s", s->path, c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		store_sqlite_conn_free(c);
		return rc == SQLITE_NOMEM ? MT_ENOMEM : MT_EIO;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_handler(c->db, store_sqlite_busy, NULL);
	if ((rc = store_sqlite_exec1(c->db, "PRAGMA foreign_keys = ON", NULL)) != SQLITE_OK ||
	    (rc = store_sqlite_exec1(c->db, "PRAGMA synchronous = FULL", NULL)) != SQLITE_OK ||
	    (rc = store_sqlite_exec1(c->db, "PRAGMA temp_store = MEMORY", NULL)) != SQLITE_OK ||
	    /* Deleted guests' data is overwritten with zeros, not left in free
	     * space (Debian's build has it on; we do not rely on that). */
	    (rc = store_sqlite_exec1(c->db, "PRAGMA secure_delete = ON", NULL)) != SQLITE_OK ||
	    /* After a checkpoint, cut the WAL file back to at most 16 MiB. */
	    (rc = store_sqlite_exec1(c->db, "PRAGMA journal_size_limit = 16777216", NULL)) != SQLITE_OK ||
	    /* Reading the schema here turns "not a database" into an open error. */
	    (rc = store_sqlite_exec1(c->db, "PRAGMA user_version", NULL)) != SQLITE_OK) {
		store_sqlite_cause(cause, "%s: %s", s->path, sqlite3_errmsg(c->db));
		store_sqlite_conn_free(c);
		return rc == SQLITE_NOMEM ? MT_ENOMEM : (rc & 0xff) == SQLITE_BUSY ? MT_EBUSY : MT_EIO;
	}
	*out = c;
	return 0;
}

/* Returns this thread's connection, opening and registering it on first use. */
static int store_sqlite_conn(struct store_sqlite *s, struct store_sqlite_conn **out)
{
	struct store_sqlite_conn *c = pthread_getspecific(s->key);
	char *cause = NULL;
	int r;

	if (c != NULL) {
		*out = c;
		return 0;
	}
	r = store_sqlite_conn_open(s, &c, &cause);
	if (r < 0) {
		fprintf(stderr, "{\"level\":\"error\",\"module\":\"store-sqlite\",\"msg\":\"%s\"}\n",
			cause ? cause : "cannot open a connection");
		free(cause);
		return r;
	}
	if (pthread_setspecific(s->key, c) != 0) {
		store_sqlite_conn_free(c);
		return MT_ENOMEM;
	}
	pthread_mutex_lock(&store_sqlite_reg_lock);
	c->next = store_sqlite_reg_head;
	store_sqlite_reg_head = c;
	pthread_mutex_unlock(&store_sqlite_reg_lock);
	*out = c;
	return 0;
}

/* Returns the cached statement `which` of connection c, preparing it on first use. */
static int store_sqlite_stmt(struct store_sqlite_conn *c, enum store_sqlite_sq which, sqlite3_stmt **out)
{
	int rc;

	if (c->stmts[which] == NULL) {
		rc = sqlite3_prepare_v3(c->db, store_sqlite_sql[which].sql, -1, SQLITE_PREPARE_PERSISTENT,
					&c->stmts[which], NULL);
		if (rc != SQLITE_OK)
			return store_sqlite_err(c, rc);
	}
	*out = c->stmts[which];
	return 0;
}

/* Ends one run of a statement: counts it (and any full scan), resets it. */
static void store_sqlite_done(struct store_sqlite *s, sqlite3_stmt *st)
{
	atomic_fetch_add_explicit(&s->requests, 1, memory_order_relaxed);
	/* A full table scan, or a transient index built by scanning a table. */
	if ((sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1) |
	     sqlite3_stmt_status(st, SQLITE_STMTSTATUS_AUTOINDEX, 1)) > 0)
		atomic_fetch_add_explicit(&s->scans, 1, memory_order_relaxed);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Runs a cached statement that takes no parameters and returns no rows. */
static int store_sqlite_run(struct store_sqlite *s, struct store_sqlite_conn *c, enum store_sqlite_sq which)
{
	sqlite3_stmt *st = NULL;
	int r = store_sqlite_stmt(c, which, &st), rc;

	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	store_sqlite_done(s, st);
	return rc == SQLITE_DONE ? 0 : store_sqlite_err(c, rc);
}

/* Starts a write transaction: takes the writer mutex, then BEGIN IMMEDIATE. */
static int store_sqlite_begin(struct store_sqlite *s, struct store_sqlite_conn *c)
{
	int r;

	pthread_mutex_lock(&s->write_lock);
	r = store_sqlite_run(s, c, SQ_BEGIN);
	if (r < 0)
		pthread_mutex_unlock(&s->write_lock);
	return r;
}

/* Rolls back the write transaction (if still open) and releases the mutex. */
static void store_sqlite_rollback(struct store_sqlite *s, struct store_sqlite_conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		(void)store_sqlite_run(s, c, SQ_ROLLBACK);
	pthread_mutex_unlock(&s->write_lock);
}

/* Commits (durably: synchronous=FULL) and releases the mutex; rolls back on failure. */
static int store_sqlite_commit(struct store_sqlite *s, struct store_sqlite_conn *c)
{
	int r = store_sqlite_run(s, c, SQ_COMMIT);

	atomic_fetch_add_explicit(&store_sqlite_epoch, 1, memory_order_release);

	if (r < 0) {
		store_sqlite_rollback(s, c);
		return r;
	}
	pthread_mutex_unlock(&s->write_lock);
	return 0;
}


/* Common start of every operation: the store and this thread's connection. */
#define STORE_SQLITE_ENTER(base, s, c) \
	struct store_sqlite *s = (struct store_sqlite *)(base); \
	struct store_sqlite_conn *c; \
	do { int enter_r_ = store_sqlite_conn(s, &c); if (enter_r_ < 0) return enter_r_; } while (0)

/* Runs a batch of write jobs in one BEGIN IMMEDIATE ... COMMIT (one fsync),
 * each job inside its own savepoint so a failing job undoes only itself. */
static void store_sqlite_run_batch(struct store_sqlite *s, struct store_sqlite_conn *c,
				   struct store_sqlite_job *batch)
{
	struct store_sqlite_job *j, *k;
	int r, ok = 0, single = batch->next == NULL;

	/* On failure store_sqlite_begin has already released write_lock. */
	if ((r = store_sqlite_begin(s, c)) < 0) {
		for (j = batch; j; j = j->next)
			j->result = r;
		return;
	}
	for (j = batch; j; j = j->next) {
		int sp = 0;

		if (r < 0) {
			j->result = r;
			continue;
		}
		atomic_fetch_add_explicit(&s->jobs, 1, memory_order_relaxed);
		if (!single && (sp = store_sqlite_run(s, c, SQ_SAVEPOINT)) < 0) {
			j->result = sp;
			continue;
		}
		j->result = j->fn(s, c, j->arg);
		if (sqlite3_get_autocommit(c->db)) {
			/* SQLite rolled the whole transaction back (I/O error, full
			 * disk): nothing of this batch is stored. */
			r = j->result < 0 ? j->result : MT_EIO;
			for (k = batch; k != j->next; k = k->next)
				if (k->result == 0 || k == j)
					k->result = r;
			continue;
		}
		if (!single) {
			if (j->result < 0)
				(void)store_sqlite_run(s, c, SQ_ROLLBACK_TO);
			(void)store_sqlite_run(s, c, SQ_RELEASE);
		}
		ok += j->result == 0;
	}
	if (r < 0 || ok == 0) {
		/* Aborted by SQLite, or nothing to keep: release (rolling back
		 * whatever is still open). */
		store_sqlite_rollback(s, c);
		return;
	}
	r = store_sqlite_commit(s, c);
	if (r == 0)
		atomic_fetch_add_explicit(&s->commits, 1, memory_order_relaxed);
	else
		for (j = batch; j; j = j->next)
			if (j->result == 0)
				j->result = r;
}

/* Runs a write job durably and returns its result. Writers that arrive while
 * another thread is committing queue up; when it is done, one of them
 * becomes the leader and commits everything queued in one transaction
 * (group commit), so N concurrent writers share one fsync instead of taking
 * N in turn. */
static int store_sqlite_submit(struct store *base,
			       int (*fn)(struct store_sqlite *, struct store_sqlite_conn *, void *), void *arg)
{
	STORE_SQLITE_ENTER(base, s, c);
	struct store_sqlite_job job = {fn, arg, 0, 0, NULL}, *batch, *j, *next;

	pthread_mutex_lock(&s->gc_lock);
	*s->gc_tail = &job;
	s->gc_tail = &job.next;
	while (!job.done) {
		if (s->gc_leader) {
			pthread_cond_wait(&s->gc_cond, &s->gc_lock);
			continue;
		}
		/* Lead one batch (it holds our job: only a leader takes jobs and
		 * marks them done before giving up the lead), then hand over so no
		 * thread waits on other threads' writes for long. */
		s->gc_leader = 1;
		batch = s->gc_head;
		s->gc_head = NULL;
		s->gc_tail = &s->gc_head;
		pthread_mutex_unlock(&s->gc_lock);
		store_sqlite_run_batch(s, c, batch);
		pthread_mutex_lock(&s->gc_lock);
		for (j = batch; j; j = next) {
			next = j->next;
			j->done = 1;
		}
		s->gc_leader = 0;
		pthread_cond_broadcast(&s->gc_cond);
	}
	pthread_mutex_unlock(&s->gc_lock);
	return job.result;
}

/* ---------------------------------------------------------------------------
 * Binding and reading columns. */

/* Binds a fixed-size char array field (never reads past its end). */
#define BIND_FIELD(st, i, f) sqlite3_bind_text((st), (i), (f), (int)strnlen((f), sizeof(f)), SQLITE_STATIC)
/* Binds a C string. */
#define BIND_STR(st, i, str) sqlite3_bind_text((st), (i), (str), -1, SQLITE_STATIC)

/* Copies a text column into a fixed-size field, NUL-terminated. */
static void store_sqlite_col(sqlite3_stmt *st, int col, char *dst, size_t size)
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

/* Reads a users row (SQ_USER_COLS). */
static void store_sqlite_read_user(sqlite3_stmt *st, struct mt_user *u)
{
	memset(u, 0, sizeof *u);
	COL_FIELD(st, 0, u->id);
	COL_FIELD(st, 1, u->tenant_id);
	COL_FIELD(st, 2, u->email);
	COL_FIELD(st, 3, u->name);
	COL_FIELD(st, 4, u->role);
	COL_FIELD(st, 5, u->password_hash);
	u->created_at = sqlite3_column_int64(st, 6);
	u->failed_logins = sqlite3_column_int(st, 7);
	u->fail_window_start = sqlite3_column_int64(st, 8);
	u->version = sqlite3_column_int64(st, 9);
}

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
}

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
	w->position = 0;
}

/* Current time in epoch seconds, for TTL checks. */
static sqlite3_int64 store_sqlite_now_s(void)
{
	return (sqlite3_int64)time(NULL);
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
static char *store_sqlite_cursor_encode(const char *id)
{
	return mt_base64_encode(id, strnlen(id, MT_ID_LEN), 1);
}

/* Checks a page request; fills the id to start after. */
static int store_sqlite_page(const struct store_page *page, char after[MT_ID_SIZE], int *limit)
{
	if (page == NULL || page->limit < 1 || page->limit > STORE_SQLITE_PAGE_MAX)
		return MT_EINVAL;
	*limit = page->limit;
	return store_sqlite_cursor_decode(page->cursor, after);
}

/* ---------------------------------------------------------------------------
 * Lifecycle. */

/* Runs every pending migration, each in its own BEGIN IMMEDIATE transaction. */
static int store_sqlite_migrate(struct store_sqlite *s, struct store_sqlite_conn *c, char **cause)
{
	int r = 0;

	for (;;) {
		sqlite3_int64 v = 0;
		char pragma[64];
		int rc;

		if ((r = store_sqlite_begin(s, c)) < 0) {
			store_sqlite_cause(cause, "%s: cannot start the migration: %s", s->path, sqlite3_errmsg(c->db));
			return r;
		}
		rc = store_sqlite_exec1(c->db, "PRAGMA user_version", &v);
		if (rc != SQLITE_OK) {
			store_sqlite_cause(cause, "%s: %s", s->path, sqlite3_errmsg(c->db));
			store_sqlite_rollback(s, c);
			return store_sqlite_err(c, rc);
		}
		if (v > STORE_SQLITE_NMIGRATIONS) {
			store_sqlite_cause(cause, "%s: schema version %lld is newer than this program's (%d)",
					   s->path, (long long)v, STORE_SQLITE_NMIGRATIONS);
			store_sqlite_rollback(s, c);
			return MT_EINVAL;
		}
		if (v == STORE_SQLITE_NMIGRATIONS) {
			store_sqlite_rollback(s, c);
			return 0;
		}
		rc = sqlite3_exec(c->db, store_sqlite_migrations[v], NULL, NULL, NULL);
		if (rc == SQLITE_OK) {
			snprintf(pragma, sizeof pragma, "PRAGMA user_version = %lld", (long long)v + 1);
			rc = sqlite3_exec(c->db, pragma, NULL, NULL, NULL);
		}
		if (rc != SQLITE_OK) {
			store_sqlite_cause(cause, "%s: migration %lld failed: %s", s->path, (long long)v + 1,
					   sqlite3_errmsg(c->db));
			store_sqlite_rollback(s, c);
			return store_sqlite_err(c, rc);
		}
		if ((r = store_sqlite_commit(s, c)) < 0) {
			store_sqlite_cause(cause, "%s: migration %lld did not commit", s->path, (long long)v + 1);
			return r;
		}
	}
}

/* Destroys the store's mutexes and condition variable. */
static void store_sqlite_free_sync(struct store_sqlite *s)
{
	pthread_cond_destroy(&s->gc_cond);
	pthread_mutex_destroy(&s->gc_lock);
	pthread_mutex_destroy(&s->write_lock);
}

/* Frees the store: closes every thread's connection (all users must have stopped). */
static void store_sqlite_close(struct store *base)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	struct store_sqlite_conn **pp, *mine = NULL, *c;

	pthread_mutex_lock(&store_sqlite_reg_lock);
	pp = &store_sqlite_reg_head;
	while (*pp) {
		c = *pp;
		if (c->owner == s) {
			*pp = c->next;
			c->next = mine;
			mine = c;
		} else {
			pp = &c->next;
		}
	}
	pthread_mutex_unlock(&store_sqlite_reg_lock);
	pthread_setspecific(s->key, NULL);
	pthread_key_delete(s->key);
	while (mine) {
		c = mine;
		mine = c->next;
		store_sqlite_conn_free(c);
	}
	store_sqlite_free_sync(s);
	free(s->path);
	free(s);
}

/* Creates tables and indexes if missing (runs pending migrations). */
static int store_sqlite_init_schema(struct store *base)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	struct store_sqlite_conn *c;
	char *cause = NULL;
	int r = store_sqlite_conn(s, &c);

	if (r < 0)
		return r;
	r = store_sqlite_migrate(s, c, &cause);
	if (r < 0 && cause)
		fprintf(stderr, "{\"level\":\"error\",\"module\":\"store-sqlite\",\"msg\":\"%s\"}\n", cause);
	free(cause);
	return r;
}

/* Opens (creating with mode 0600 if missing) the database at path, switches
 * it to WAL and migrates it to the current schema. */
int store_sqlite_open(const char *path, struct store **out, char **cause)
{
	struct store_sqlite *s;
	struct store_sqlite_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	int fd, r, rc;

	*out = NULL;
	if (cause)
		*cause = NULL;
	if (path == NULL || path[0] == '\0' || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0) {
		store_sqlite_cause(cause, "the SQLite store needs a file path (got '%s')", path ? path : "");
		return MT_EINVAL;
	}
	/* Guest personal data: a new file is readable by its owner only. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		store_sqlite_cause(cause, "%s: %s", path, strerror(errno));
		return MT_EIO;
	}
	close(fd);

	s = calloc(1, sizeof *s);
	if (s == NULL)
		return MT_ENOMEM;
	s->base.ops = &store_sqlite_ops;
	s->path = strdup(path);
	if (s->path == NULL) {
		free(s);
		return MT_ENOMEM;
	}
	atomic_init(&s->requests, 0);
	atomic_init(&s->scans, 0);
	atomic_init(&s->commits, 0);
	atomic_init(&s->jobs, 0);
	s->gc_tail = &s->gc_head;
	if (pthread_mutex_init(&s->write_lock, NULL) != 0) {
		free(s->path);
		free(s);
		return MT_ENOMEM;
	}
	if (pthread_mutex_init(&s->gc_lock, NULL) != 0) {
		pthread_mutex_destroy(&s->write_lock);
		free(s->path);
		free(s);
		return MT_ENOMEM;
	}
	if (pthread_cond_init(&s->gc_cond, NULL) != 0) {
		pthread_mutex_destroy(&s->gc_lock);
		pthread_mutex_destroy(&s->write_lock);
		free(s->path);
		free(s);
		return MT_ENOMEM;
	}
	if (pthread_key_create(&s->key, store_sqlite_conn_destroy) != 0) {
		store_sqlite_cause(cause, "%s: out of thread-specific keys", path);
		store_sqlite_free_sync(s);
		free(s->path);
		free(s);
		return MT_ENOMEM;
	}

	r = store_sqlite_conn_open(s, &c, cause);
	if (r < 0) {
		pthread_key_delete(s->key);
		store_sqlite_free_sync(s);
		free(s->path);
		free(s);
		return r;
	}
	/* WAL is a property of the file: set once, kept by every later open. */
	rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
		store_sqlite_cause(cause, "%s: cannot switch to WAL mode: %s", path, sqlite3_errmsg(c->db));
		sqlite3_finalize(st);
		store_sqlite_conn_free(c);
		pthread_key_delete(s->key);
		store_sqlite_free_sync(s);
		free(s->path);
		free(s);
		return MT_EIO;
	}
	sqlite3_finalize(st);
	if (pthread_setspecific(s->key, c) != 0) {
		store_sqlite_conn_free(c);
		pthread_key_delete(s->key);
		store_sqlite_free_sync(s);
		free(s->path);
		free(s);
		return MT_ENOMEM;
	}
	pthread_mutex_lock(&store_sqlite_reg_lock);
	c->next = store_sqlite_reg_head;
	store_sqlite_reg_head = c;
	pthread_mutex_unlock(&store_sqlite_reg_lock);

	r = store_sqlite_migrate(s, c, cause);
	if (r < 0) {
		store_sqlite_close(&s->base);
		return r;
	}
	*out = &s->base;
	return 0;
}

/* Counters since open. */
static void store_sqlite_stats(struct store *base, struct store_stats *out)
{
	struct store_sqlite *s = (struct store_sqlite *)base;

	out->requests = atomic_load_explicit(&s->requests, memory_order_relaxed);
	out->scans = atomic_load_explicit(&s->scans, memory_order_relaxed);
}

/* Runs a prepared single-row SELECT; calls read on the row. 0, MT_ENOTFOUND or an error. */
static int store_sqlite_get_row(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st,
				void (*read)(sqlite3_stmt *, void *), void *out)
{
	int rc = sqlite3_step(st), r;

	if (rc == SQLITE_ROW) {
		read(st, out);
		r = 0;
	} else if (rc == SQLITE_DONE) {
		r = MT_ENOTFOUND;
	} else {
		r = store_sqlite_err(c, rc);
	}
	store_sqlite_done(s, st);
	return r;
}

/* Adapters from typed readers to store_sqlite_get_row's callback. */
static void store_sqlite_read_user_cb(sqlite3_stmt *st, void *out) { store_sqlite_read_user(st, out); }
static void store_sqlite_read_waitlist_cb(sqlite3_stmt *st, void *out) { store_sqlite_read_waitlist(st, out); }
static void store_sqlite_read_waitee_cb(sqlite3_stmt *st, void *out) { store_sqlite_read_waitee(st, out); }

/* Reads SQ_WL_COLS plus waitee_rev (column 10). */
static void store_sqlite_read_waitlist_rev_cb(sqlite3_stmt *st, void *out)
{
	struct mt_waitlist *w = out;

	store_sqlite_read_waitlist(st, w);
	w->waitee_rev = sqlite3_column_int64(st, 10);
}

/* Runs a write statement (inside a transaction); *changes gets the rows changed. */
static int store_sqlite_write(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st, int *changes)
{
	int rc = sqlite3_step(st);

	store_sqlite_done(s, st);
	if (rc != SQLITE_DONE)
		return store_sqlite_err(c, rc);
	if (changes)
		*changes = sqlite3_changes(c->db);
	return 0;
}

/* After a conditional update changed nothing: MT_ENOTFOUND when the row is
 * absent (per the bound lookup statement), MT_EPRECOND when it exists. */
static int store_sqlite_why_unchanged(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st), r;

	r = rc == SQLITE_ROW ? MT_EPRECOND : rc == SQLITE_DONE ? MT_ENOTFOUND : store_sqlite_err(c, rc);
	store_sqlite_done(s, st);
	return r;
}

/* ---------------------------------------------------------------------------
 * Accounts. */

/* Job of store_sqlite_user_create: runs inside a (possibly shared) write transaction. */
static int store_sqlite_user_create_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	struct mt_user *u = a->rec;
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = store_sqlite_stmt(c, SQ_USER_INSERT, &st)) < 0)
		return r;
	BIND_FIELD(st, 1, u->id);
	BIND_FIELD(st, 2, u->tenant_id);
	BIND_FIELD(st, 3, u->email);
	BIND_FIELD(st, 4, u->name);
	BIND_FIELD(st, 5, u->role);
	BIND_FIELD(st, 6, u->password_hash);
	sqlite3_bind_int64(st, 7, u->created_at);
	sqlite3_bind_int(st, 8, u->failed_logins);
	sqlite3_bind_int64(st, 9, u->fail_window_start);
	r = store_sqlite_write(s, c, st, NULL);
	return r;
}

/* Creates an account; MT_ECONFLICT when the e-mail (or id) exists. Sets version 1. */
static int store_sqlite_user_create(struct store *base, struct mt_user *u)
{
	struct store_sqlite_wargs a = {u, NULL, NULL, 0};
	int r;

	r = store_sqlite_submit(base, store_sqlite_user_create_job, &a);
	if (r == 0)
		u->version = 1;
	return r;
}

/* Gets an account by id. */
static int store_sqlite_user_get(struct store *base, const char *user_id, struct mt_user *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (user_id == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_USER_GET, &st)) < 0)
		return r;
	BIND_STR(st, 1, user_id);
	return store_sqlite_get_row(s, c, st, store_sqlite_read_user_cb, out);
}

/* Gets an account by (lower-cased) e-mail. */
static int store_sqlite_user_get_by_email(struct store *base, const char *email, struct mt_user *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (email == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_USER_GET_EMAIL, &st)) < 0)
		return r;
	BIND_STR(st, 1, email);
	return store_sqlite_get_row(s, c, st, store_sqlite_read_user_cb, out);
}

/* Job of store_sqlite_user_update: runs inside a (possibly shared) write transaction. */
static int store_sqlite_user_update_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	struct mt_user *u = a->rec;
	int64_t expected_version = a->expected;
	sqlite3_stmt *st = NULL, *vst = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_USER_UPDATE, &st)) < 0 ||
	    (r = store_sqlite_stmt(c, SQ_USER_VERSION, &vst)) < 0)
		return r;
	BIND_FIELD(st, 1, u->id);
	BIND_FIELD(st, 2, u->name);
	BIND_FIELD(st, 3, u->role);
	BIND_FIELD(st, 4, u->password_hash);
	sqlite3_bind_int(st, 5, u->failed_logins);
	sqlite3_bind_int64(st, 6, u->fail_window_start);
	sqlite3_bind_int64(st, 7, expected_version);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0) {
		BIND_FIELD(vst, 1, u->id);
		r = store_sqlite_why_unchanged(s, c, vst);
	}
	return r;
}

/* Updates name, role, password hash and login throttling fields, conditional on version. */
static int store_sqlite_user_update(struct store *base, struct mt_user *u, int64_t expected_version)
{
	struct store_sqlite_wargs a = {u, NULL, NULL, expected_version};
	int r;

	r = store_sqlite_submit(base, store_sqlite_user_update_job, &a);
	if (r == 0)
		u->version = expected_version + 1;
	return r;
}

/* ---------------------------------------------------------------------------
 * Refresh tokens. */

/* Job of store_sqlite_refresh_create: runs inside a (possibly shared) write transaction. */
static int store_sqlite_refresh_create_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const struct mt_refresh *rt = a->rec;
	sqlite3_stmt *fst = NULL, *st = NULL;
	int r;

	if ((r = store_sqlite_stmt(c, SQ_FAMILY_INSERT, &fst)) < 0 ||
	    (r = store_sqlite_stmt(c, SQ_REFRESH_INSERT, &st)) < 0)
		return r;
	BIND_FIELD(fst, 1, rt->family_id);
	BIND_FIELD(fst, 2, rt->user_id);
	sqlite3_bind_int64(fst, 3, rt->created_at);
	r = store_sqlite_write(s, c, fst, NULL);
	if (r == 0) {
		BIND_FIELD(st, 1, rt->token_hash);
		BIND_FIELD(st, 2, rt->family_id);
		BIND_FIELD(st, 3, rt->user_id);
		sqlite3_bind_int64(st, 4, rt->created_at);
		sqlite3_bind_int64(st, 5, rt->expires_at);
		sqlite3_bind_int(st, 6, rt->used ? 1 : 0);
		r = store_sqlite_write(s, c, st, NULL);
	}
	return r;
}

/* Stores a refresh token, creating its family on first use. MT_ECONFLICT when the hash exists. */
static int store_sqlite_refresh_create(struct store *base, const struct mt_refresh *rt)
{
	struct store_sqlite_wargs a = {(void *)rt, NULL, NULL, 0};
	int r;

	r = store_sqlite_submit(base, store_sqlite_refresh_create_job, &a);
	return r;
}

/* Reads a refresh token row joined with its family. */
static void store_sqlite_read_refresh_cb(sqlite3_stmt *st, void *p)
{
	struct mt_refresh *out = p;

	memset(out, 0, sizeof *out);
	COL_FIELD(st, 0, out->token_hash);
	COL_FIELD(st, 1, out->family_id);
	COL_FIELD(st, 2, out->user_id);
	out->created_at = sqlite3_column_int64(st, 3);
	out->expires_at = sqlite3_column_int64(st, 4);
	out->used = sqlite3_column_int(st, 5) != 0;
	out->family_revoked = sqlite3_column_int(st, 6) != 0;
}

/* Gets a refresh token of a family, with the family's revoked flag. */
static int store_sqlite_refresh_get(struct store *base, const char *family_id, const char *token_hash,
				    struct mt_refresh *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (family_id == NULL || token_hash == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_REFRESH_GET, &st)) < 0)
		return r;
	BIND_STR(st, 1, token_hash);
	BIND_STR(st, 2, family_id);
	return store_sqlite_get_row(s, c, st, store_sqlite_read_refresh_cb, out);
}

/* Job of store_sqlite_refresh_mark_used: runs inside a (possibly shared) write transaction. */
static int store_sqlite_refresh_mark_used_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const char *family_id = a->k1;
	const char *token_hash = a->k2;
	sqlite3_stmt *st = NULL, *est = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_REFRESH_MARK, &st)) < 0 ||
	    (r = store_sqlite_stmt(c, SQ_REFRESH_EXISTS, &est)) < 0)
		return r;
	BIND_STR(st, 1, token_hash);
	BIND_STR(st, 2, family_id);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0) {
		BIND_STR(est, 1, token_hash);
		BIND_STR(est, 2, family_id);
		r = store_sqlite_why_unchanged(s, c, est);
		if (r == MT_EPRECOND)
			r = MT_ECONFLICT;
	}
	return r;
}

/* Marks a token spent: MT_ECONFLICT when it already was, MT_ENOTFOUND when absent. */
static int store_sqlite_refresh_mark_used(struct store *base, const char *family_id, const char *token_hash)
{
	struct store_sqlite_wargs a = {NULL, family_id, token_hash, 0};
	int r;

	if (family_id == NULL || token_hash == NULL)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_refresh_mark_used_job, &a);
	return r;
}

/* Job of store_sqlite_refresh_revoke_family: runs inside a (possibly shared) write transaction. */
static int store_sqlite_refresh_revoke_family_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const char *family_id = a->k1;
	sqlite3_stmt *st = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_FAMILY_REVOKE, &st)) < 0)
		return r;
	BIND_STR(st, 1, family_id);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0)
		r = MT_ENOTFOUND;
	return r;
}

/* Revokes a whole family (idempotent); MT_ENOTFOUND when there is no such family. */
static int store_sqlite_refresh_revoke_family(struct store *base, const char *family_id)
{
	struct store_sqlite_wargs a = {NULL, family_id, NULL, 0};
	int r;

	if (family_id == NULL)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_refresh_revoke_family_job, &a);
	return r;
}

/* ---------------------------------------------------------------------------
 * Waitlists. */

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
	r = store_sqlite_write(s, c, st, NULL);
	return r;
}

/* Creates a waitlist (version 1); MT_ECONFLICT when the id exists. */
static int store_sqlite_waitlist_create(struct store *base, struct mt_waitlist *w)
{
	struct store_sqlite_wargs a = {w, NULL, NULL, 0};
	int r;

	r = store_sqlite_submit(base, store_sqlite_waitlist_create_job, &a);
	if (r == 0)
		w->version = 1;
	return r;
}

/* Gets a waitlist through its tenant. */
static int store_sqlite_waitlist_get(struct store *base, const char *tenant_id, const char *id,
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
static int store_sqlite_waitlist_peek(struct store *base, const char *tenant_id, const char *id,
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
static int store_sqlite_list(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st,
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

/* Lists a tenant's waitlists in creation (id) order, one page at a time. */
static int store_sqlite_waitlist_list(struct store *base, const char *tenant_id, const struct store_page *page,
				      struct mt_waitlist **items, size_t *n, char **next_cursor)
{
	STORE_SQLITE_ENTER(base, s, c);
	char after[MT_ID_SIZE];
	sqlite3_stmt *st = NULL;
	void *arr = NULL;
	int limit, r;

	*items = NULL;
	*n = 0;
	if (next_cursor)
		*next_cursor = NULL;
	if (tenant_id == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_page(page, after, &limit)) < 0 || (r = store_sqlite_stmt(c, SQ_WL_LIST, &st)) < 0)
		return r;
	BIND_STR(st, 1, tenant_id);
	BIND_STR(st, 2, after);
	sqlite3_bind_int(st, 3, limit + 1);
	r = store_sqlite_list(s, c, st, limit, sizeof(struct mt_waitlist), store_sqlite_read_waitlist_cb,
			      offsetof(struct mt_waitlist, id), &arr, n, next_cursor);
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
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0) {
		BIND_FIELD(vst, 1, w->id);
		BIND_FIELD(vst, 2, w->tenant_id);
		r = store_sqlite_why_unchanged(s, c, vst);
	}
	return r;
}

/* Updates a waitlist's editable fields, conditional on version and tenant. */
static int store_sqlite_waitlist_update(struct store *base, struct mt_waitlist *w, int64_t expected_version)
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
static int store_sqlite_waitlist_delete(struct store *base, const char *tenant_id, const char *id)
{
	struct store_sqlite_wargs a = {NULL, tenant_id, id, 0};
	int r;

	if (tenant_id == NULL || id == NULL)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_waitlist_delete_job, &a);
	return r;
}

/* ---------------------------------------------------------------------------
 * Waitees. */

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
	sqlite3_bind_int64(st, i, w->reply_at);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0)
		r = MT_ENOTFOUND;
	return r;
}

/* Creates a waitee (version 1) on a list of its tenant: MT_ENOTFOUND when the
 * list is not the tenant's, MT_ECONFLICT when the id exists on the list. */
static int store_sqlite_waitee_create(struct store *base, struct mt_waitee *w)
{
	struct store_sqlite_wargs a = {w, NULL, NULL, 0};
	int r;

	r = store_sqlite_submit(base, store_sqlite_waitee_create_job, &a);
	if (r == 0)
		w->version = 1;
	return r;
}

/* Gets a waitee through its list (expired ones are absent). */
static int store_sqlite_waitee_get(struct store *base, const char *waitlist_id, const char *id,
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
	sqlite3_bind_int64(st, 3, store_sqlite_now_s());
	return store_sqlite_get_row(s, c, st, store_sqlite_read_waitee_cb, out);
}

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
		sqlite3_bind_int64(st, 2, store_sqlite_now_s());
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
static int store_sqlite_cache_page(const struct store_sqlite_cached *e, const char *after, int limit,
				   struct mt_waitee **items, size_t *n, char **next_cursor)
{
	int64_t now_s = store_sqlite_now_s();
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
static int store_sqlite_waitee_list(struct store *base, const char *waitlist_id, const struct store_page *page,
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
		return store_sqlite_cache_page(e, after, limit, items, n, next_cursor);

	if ((r = store_sqlite_stmt(c, SQ_WE_LIST, &st)) < 0)
		return r;
	BIND_STR(st, 1, waitlist_id);
	BIND_STR(st, 2, after);
	sqlite3_bind_int(st, 3, limit + 1);
	sqlite3_bind_int64(st, 4, store_sqlite_now_s());
	r = store_sqlite_list(s, c, st, limit, sizeof(struct mt_waitee), store_sqlite_read_waitee_cb,
			      offsetof(struct mt_waitee, id), &arr, n, next_cursor);
	*items = arr;
	return r;
}

/* Job of store_sqlite_waitee_update: runs inside a (possibly shared) write transaction. */
static int store_sqlite_waitee_update_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	struct mt_waitee *w = a->rec;
	int64_t expected_version = a->expected;
	sqlite3_stmt *st = NULL, *vst = NULL;
	sqlite3_int64 now_s = store_sqlite_now_s();
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, SQ_WE_UPDATE, &st)) < 0 ||
	    (r = store_sqlite_stmt(c, SQ_WE_VERSION, &vst)) < 0)
		return r;
	BIND_FIELD(st, 1, w->waitlist_id);
	BIND_FIELD(st, 2, w->id);
	sqlite3_bind_int64(st, 3, expected_version);
	store_sqlite_bind_waitee_body(st, 4, w);
	sqlite3_bind_int64(st, 27, now_s);
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
static int store_sqlite_waitee_update(struct store *base, struct mt_waitee *w, int64_t expected_version)
{
	struct store_sqlite_wargs a = {w, NULL, NULL, expected_version};
	int r;

	r = store_sqlite_submit(base, store_sqlite_waitee_update_job, &a);
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
static int store_sqlite_waitee_delete(struct store *base, const char *waitlist_id, const char *id)
{
	struct store_sqlite_wargs a = {NULL, waitlist_id, id, 0};
	int r;

	if (waitlist_id == NULL || id == NULL)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_waitee_delete_job, &a);
	return r;
}

/* Counts active waitees of a list that sort before before_id (NULL = all). */
static int store_sqlite_waitee_count_active(struct store *base, const char *waitlist_id, const char *before_id,
					    int *count)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r, rc;

	*count = 0;
	if (waitlist_id == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_WE_COUNT, &st)) < 0)
		return r;
	BIND_STR(st, 1, waitlist_id);
	/* '~' sorts after every Crockford base32 character. */
	BIND_STR(st, 2, before_id ? before_id : "~");
	sqlite3_bind_int64(st, 3, store_sqlite_now_s());
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
static int store_sqlite_waitee_list_due(struct store *base, int64_t now_ms, int limit,
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
	sqlite3_bind_int64(st, 3, store_sqlite_now_s());
	r = store_sqlite_list(s, c, st, limit, sizeof(struct mt_waitee), store_sqlite_read_waitee_cb,
			      offsetof(struct mt_waitee, id), &arr, n, NULL);
	*items = arr;
	return r;
}

/* The most recently joined active waitee with this phone, any tenant. */
static int store_sqlite_waitee_find_by_phone(struct store *base, const char *phone, struct mt_waitee *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (phone == NULL || phone[0] == '\0')
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_WE_PHONE, &st)) < 0)
		return r;
	BIND_STR(st, 1, phone);
	sqlite3_bind_int64(st, 2, store_sqlite_now_s());
	return store_sqlite_get_row(s, c, st, store_sqlite_read_waitee_cb, out);
}

/* ---------------------------------------------------------------------------
 * Extras (store-sqlite.h). */

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

/* The schema version this build migrates to. */
int store_sqlite_schema_version(void)
{
	return STORE_SQLITE_NMIGRATIONS;
}

/* The SQL of one migration, or NULL. */
const char *store_sqlite_migration_sql(int version)
{
	if (version < 1 || version > STORE_SQLITE_NMIGRATIONS)
		return NULL;
	return store_sqlite_migrations[version - 1];
}

/* EXPLAIN QUERY PLAN of an operation's statement, detail lines joined by '\n'. */
int store_sqlite_query_plan(struct store *base, const char *op, char **plan)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	struct store_sqlite_conn *c;
	sqlite3_stmt *st = NULL;
	char *sql, *text = NULL;
	size_t len = 0;
	int i, r, rc;

	*plan = NULL;
	if (base == NULL || base->ops != &store_sqlite_ops || op == NULL)
		return MT_EINVAL;
	for (i = 0; i < SQ__COUNT; i++)
		if (strcmp(store_sqlite_sql[i].op, op) == 0)
			break;
	if (i == SQ__COUNT)
		return MT_EINVAL;
	if ((r = store_sqlite_conn(s, &c)) < 0)
		return r;
	sql = mt_strf("EXPLAIN QUERY PLAN %s", store_sqlite_sql[i].sql);
	if (sql == NULL)
		return MT_ENOMEM;
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return store_sqlite_err(c, rc);
	r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		size_t dlen = detail ? strlen(detail) : 0;
		char *grown = realloc(text, len + dlen + 2);

		if (grown == NULL) {
			r = MT_ENOMEM;
			break;
		}
		text = grown;
		if (len)
			text[len++] = '\n';
		if (dlen)
			memcpy(text + len, detail, dlen);
		len += dlen;
		text[len] = '\0';
	}
	if (r == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_sqlite_err(c, rc);
	sqlite3_finalize(st);
	if (r == 0 && text == NULL && (text = calloc(1, 1)) == NULL)
		r = MT_ENOMEM;
	if (r < 0) {
		free(text);
		return r;
	}
	*plan = text;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Login guards. */

/* Reads a login guard's row (SQ_GUARD_GET). */
static void store_sqlite_read_guard_cb(sqlite3_stmt *st, void *out)
{
	struct mt_login_guard *g = out;

	g->failed_logins = sqlite3_column_int(st, 0);
	g->fail_window_start = sqlite3_column_int64(st, 1);
	g->version = sqlite3_column_int64(st, 2);
}

/* Gets a login guard; MT_ENOTFOUND when none. */
static int store_sqlite_guard_get(struct store *base, const char *key, struct mt_login_guard *out)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (key == NULL || strlen(key) >= sizeof out->key)
		return MT_EINVAL;
	memset(out, 0, sizeof *out);
	snprintf(out->key, sizeof out->key, "%s", key);
	if ((r = store_sqlite_stmt(c, SQ_GUARD_GET, &st)) < 0)
		return r;
	BIND_STR(st, 1, key);
	return store_sqlite_get_row(s, c, st, store_sqlite_read_guard_cb, out);
}

/* Job of store_sqlite_guard_put: insert (expected 0) or conditional update. */
static int store_sqlite_guard_put_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct store_sqlite_wargs *a = arg;
	const struct mt_login_guard *g = a->rec;
	int64_t expires = g->fail_window_start / 1000 + STORE_GUARD_KEEP_S;
	sqlite3_stmt *st = NULL;
	int r, changes = 0;

	if ((r = store_sqlite_stmt(c, a->expected == 0 ? SQ_GUARD_INSERT : SQ_GUARD_UPDATE, &st)) < 0)
		return r;
	BIND_STR(st, 1, g->key);
	sqlite3_bind_int(st, 2, g->failed_logins);
	sqlite3_bind_int64(st, 3, g->fail_window_start);
	sqlite3_bind_int64(st, 4, expires);
	if (a->expected != 0)
		sqlite3_bind_int64(st, 5, a->expected);
	r = store_sqlite_write(s, c, st, &changes);
	if (r == 0 && changes == 0)
		r = MT_EPRECOND;   /* another version, or gone: the caller reloads */
	return r;
}

/* Stores a login guard (see store.h). */
static int store_sqlite_guard_put(struct store *base, struct mt_login_guard *g, int64_t expected_version)
{
	struct store_sqlite_wargs a = {g, NULL, NULL, expected_version};
	int r;

	if (g == NULL || g->key[0] == '\0' || expected_version < 0)
		return MT_EINVAL;
	r = store_sqlite_submit(base, store_sqlite_guard_put_job, &a);
	if (r == 0)
		g->version = expected_version + 1;
	return r;
}

/* ---------------------------------------------------------------------------
 * Expiry. */

/* What store_sqlite_purge_job is asked and answers. */
struct store_sqlite_purge {
	int64_t now_s;   /* now, epoch seconds */
	int limit;       /* batch per kind */
	int removed;     /* records deleted */
};

/* Job of store_sqlite_purge_expired: three bounded deletes in one transaction. */
static int store_sqlite_purge_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	static const int kinds[] = { SQ_PURGE_WAITEES, SQ_PURGE_FAMILIES, SQ_PURGE_TOKENS, SQ_PURGE_GUARDS };
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
	return r;
}

static const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.close = store_sqlite_close,
	.init_schema = store_sqlite_init_schema,
	.user_create = store_sqlite_user_create,
	.user_get = store_sqlite_user_get,
	.user_get_by_email = store_sqlite_user_get_by_email,
	.user_update = store_sqlite_user_update,
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
	.guard_get = store_sqlite_guard_get,
	.guard_put = store_sqlite_guard_put,
	.stats = store_sqlite_stats,
};
