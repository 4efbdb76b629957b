/* Connections and commits of the SQLite store: one connection per thread
 * with its cached prepared statements, the registry that closes them, open
 * and close of the store, and durable writes group-committed in BEGIN
 * IMMEDIATE transactions (one savepoint per write). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include "core/error.h"
#include "core/log.h"
#include "store/store-sqlite-private.h"

/* Writers a leader wakes after releasing gc_lock (more are woken under it). */
#define STORE_SQLITE_WAKE_BATCH 64

/* Statements of this file, by enum store_sqlite_sq (store_sqlite_sql_of). */
const struct store_sqlite_sql store_sqlite_sql_conn[SQ__COUNT] = {
	[SQ_BEGIN] = {"begin", "BEGIN IMMEDIATE"},
	[SQ_COMMIT] = {"commit", "COMMIT"},
	[SQ_ROLLBACK] = {"rollback", "ROLLBACK"},
	[SQ_BEGIN_READ] = {"begin_read", "BEGIN"},
	[SQ_SAVEPOINT] = {"savepoint", "SAVEPOINT job"},
	[SQ_RELEASE] = {"release", "RELEASE job"},
	[SQ_ROLLBACK_TO] = {"rollback_to", "ROLLBACK TO job"},
};

/* The statement tables of the store's files, each indexed by enum store_sqlite_sq. */
static const struct store_sqlite_sql *const store_sqlite_sql_tables[] = {
	store_sqlite_sql_conn, store_sqlite_sql_users, store_sqlite_sql_refresh, store_sqlite_sql_waitlists,
	store_sqlite_sql_waitees, store_sqlite_sql_cache, store_sqlite_sql_main, store_sqlite_sql_guest,
	store_sqlite_sql_restaurant,
	store_sqlite_sql_stats,
	store_sqlite_sql_activity,
};

/* The statement `which` (operation name and SQL), from whichever file owns it; NULL if none. */
const struct store_sqlite_sql *store_sqlite_sql_of(int which)
{
	size_t i;

	if (which < 0 || which >= SQ__COUNT)
		return NULL;
	for (i = 0; i < sizeof store_sqlite_sql_tables / sizeof store_sqlite_sql_tables[0]; i++)
		if (store_sqlite_sql_tables[i][which].sql != NULL)
			return &store_sqlite_sql_tables[i][which];
	return NULL;
}

/* Bumped after every write transaction of any SQLite store in this process
 * ends: a waitlist_peek copy read at an older value is not used. */
atomic_uint_least64_t store_sqlite_epoch;

/* Registry of every live connection of every store, so that store_close and
 * thread exit never both close one. Taken only when a thread opens its
 * connection, when it exits, and at close: never on a request path. */
static pthread_mutex_t store_sqlite_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct store_sqlite_conn *store_sqlite_reg_head;

/* Logs an unexpected SQLite failure: its message (escaped by the logger) and code. */
static void store_sqlite_log_failure(struct store_sqlite_conn *c, int rc)
{
	const struct mt_log_field f[] = { { "module", "store-sqlite", 0, 0 }, { "code", NULL, rc, 1 } };

	mt_log_fields("error", c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc), f, sizeof f / sizeof f[0]);
}

/* Maps an SQLite result code to an MT_E* code; logs unexpected failures. */
int store_sqlite_err(struct store_sqlite_conn *c, int rc)
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
	case SQLITE_FULL:   /* the disk (or the file system's quota) is full: the transaction was rolled back */
		store_sqlite_log_failure(c, rc);
		return MT_ENOSPC;
	default:
		store_sqlite_log_failure(c, rc);
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
int store_sqlite_exec1(sqlite3 *db, const char *sql, sqlite3_int64 *value)
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

/* Commit hook: fault injection for tests (store_sqlite_test_commits); 1 = roll back. */
static int store_sqlite_commit_hook(void *arg)
{
	struct store_sqlite *s = arg;
	int delay = atomic_load_explicit(&s->test_delay_ms, memory_order_relaxed), n;

	if (delay > 0) {
		struct timespec ts = { delay / 1000, (long)(delay % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (atomic_load_explicit(&s->test_fail, memory_order_relaxed) == 0)
		return 0;
	n = atomic_load(&s->test_skip);
	while (n > 0)
		if (atomic_compare_exchange_weak(&s->test_skip, &n, n - 1))
			return 0;
	n = atomic_load(&s->test_fail);
	while (n > 0)
		if (atomic_compare_exchange_weak(&s->test_fail, &n, n - 1))
			return 1;
	return 0;
}

/* Arms the commit fault injection (store-sqlite.h). */
int store_sqlite_test_commits(struct store *base, int skip, int fail, int delay_ms)
{
	struct store_sqlite *s = (struct store_sqlite *)base;

	if (base == NULL || base->ops != &store_sqlite_ops || skip < 0 || fail < 0 || delay_ms < 0)
		return MT_EINVAL;
	atomic_store(&s->test_fail, 0);
	atomic_store(&s->test_skip, skip);
	atomic_store(&s->test_delay_ms, delay_ms);
	atomic_store(&s->test_fail, fail);
	return 0;
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
	sqlite3_commit_hook(c->db, store_sqlite_commit_hook, s);
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

/* The store and connection whose write job this thread is running as the
 * group-commit leader: a write submitted from inside that job (a write
 * group, store_sqlite_write_group, or the embedded queue's writes during
 * it) runs at once in the same transaction instead of queueing behind it, and
 * every read inside it uses that connection too (it sees the job's writes). */
static _Thread_local struct store_sqlite *store_sqlite_cur_s;
static _Thread_local struct store_sqlite_conn *store_sqlite_cur_c;

/* Adds c to the process-wide registry (closed by store_close or thread exit). */
static void store_sqlite_register(struct store_sqlite_conn *c)
{
	pthread_mutex_lock(&store_sqlite_reg_lock);
	c->next = store_sqlite_reg_head;
	store_sqlite_reg_head = c;
	pthread_mutex_unlock(&store_sqlite_reg_lock);
}

/* Returns this thread's connection, opening and registering it on first
 * use; inside a running write job, the job's connection. */
int store_sqlite_conn(struct store_sqlite *s, struct store_sqlite_conn **out)
{
	struct store_sqlite_conn *c;
	char *cause = NULL;
	int r;

	if (store_sqlite_cur_s == s) {
		*out = store_sqlite_cur_c;
		return 0;
	}
	c = pthread_getspecific(s->key);
	if (c != NULL) {
		*out = c;
		return 0;
	}
	r = store_sqlite_conn_open(s, &c, &cause);
	if (r < 0) {
		mt_log("error", cause ? cause : "cannot open a connection", "module", "store-sqlite", (const char *)NULL);
		free(cause);
		return r;
	}
	if (pthread_setspecific(s->key, c) != 0) {
		store_sqlite_conn_free(c);
		return MT_ENOMEM;
	}
	store_sqlite_register(c);
	*out = c;
	return 0;
}

/* The store's writer connection, opened on first use: every batch of write
 * jobs runs on it, whichever thread leads. Called only by the leader (or a
 * thread holding write_lock before any writer exists). Why one connection:
 * SQLite drops a connection's page cache when another connection changed
 * the file since its last transaction, so with a batch on each leader's own
 * connection every batch re-read (pread) every B-tree page it touched, and
 * re-prepared what that connection had not prepared yet; the writer's cache
 * stays valid from one batch to the next. */
static int store_sqlite_writer(struct store_sqlite *s, struct store_sqlite_conn **out)
{
	char *cause = NULL;
	int r;

	if (s->writer == NULL) {
		r = store_sqlite_conn_open(s, &s->writer, &cause);
		if (r < 0) {
			mt_log("error", cause ? cause : "cannot open the writer connection", "module", "store-sqlite",
			       (const char *)NULL);
			free(cause);
			return r;
		}
		store_sqlite_register(s->writer);
	}
	*out = s->writer;
	return 0;
}

/* Returns the cached statement `which` of connection c, preparing it on first use. */
int store_sqlite_stmt(struct store_sqlite_conn *c, enum store_sqlite_sq which, sqlite3_stmt **out)
{
	int rc;

	if (c->stmts[which] == NULL) {
		const struct store_sqlite_sql *q = store_sqlite_sql_of(which);

		if (q == NULL)
			return MT_EINVAL;
		rc = sqlite3_prepare_v3(c->db, q->sql, -1, SQLITE_PREPARE_PERSISTENT,
					&c->stmts[which], NULL);
		if (rc != SQLITE_OK)
			return store_sqlite_err(c, rc);
	}
	*out = c->stmts[which];
	return 0;
}

/* Ends one run of a statement: counts it (and any full scan), resets it. */
void store_sqlite_done(struct store_sqlite *s, sqlite3_stmt *st)
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
int store_sqlite_run(struct store_sqlite *s, struct store_sqlite_conn *c, enum store_sqlite_sq which)
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
int store_sqlite_begin(struct store_sqlite *s, struct store_sqlite_conn *c)
{
	int r;

	pthread_mutex_lock(&s->write_lock);
	r = store_sqlite_run(s, c, SQ_BEGIN);
	if (r < 0)
		pthread_mutex_unlock(&s->write_lock);
	return r;
}

/* Rolls back the write transaction (if still open) and releases the mutex. */
void store_sqlite_rollback(struct store_sqlite *s, struct store_sqlite_conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		(void)store_sqlite_run(s, c, SQ_ROLLBACK);
	pthread_mutex_unlock(&s->write_lock);
}

/* Commits (durably: synchronous=FULL) and releases the mutex; rolls back on failure. */
int store_sqlite_commit(struct store_sqlite *s, struct store_sqlite_conn *c)
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

/* Runs one job on c, noting it as this thread's current job meanwhile. */
static int store_sqlite_run_job(struct store_sqlite *s, struct store_sqlite_conn *c,
				int (*fn)(struct store_sqlite *, struct store_sqlite_conn *, void *), void *arg)
{
	struct store_sqlite *outer_s = store_sqlite_cur_s;
	struct store_sqlite_conn *outer_c = store_sqlite_cur_c;
	int r;

	store_sqlite_cur_s = s;
	store_sqlite_cur_c = c;
	r = fn(s, c, arg);
	store_sqlite_cur_s = outer_s;
	store_sqlite_cur_c = outer_c;
	return r;
}

/* A write submitted from inside a running job: runs now, in that job's
 * transaction, inside its own savepoint (a failure undoes only itself).
 * A job of one change statement (one_stmt) needs no savepoint: SQLite
 * undoes a failing statement, with what its triggers did, by itself, and
 * the two statements of a savepoint cost about as much as the write.
 * Durable only when the enclosing transaction commits. */
static int store_sqlite_run_nested(struct store_sqlite *s, struct store_sqlite_conn *c,
				   int (*fn)(struct store_sqlite *, struct store_sqlite_conn *, void *), void *arg,
				   int one_stmt)
{
	int r = one_stmt ? 0 : store_sqlite_run(s, c, SQ_SAVEPOINT);

	if (r < 0)
		return r;
	atomic_fetch_add_explicit(&s->jobs, 1, memory_order_relaxed);
	r = store_sqlite_run_job(s, c, fn, arg);
	if (sqlite3_get_autocommit(c->db))
		return r < 0 ? r : MT_EIO;   /* SQLite rolled the whole transaction back */
	if (one_stmt)
		return r;
	if (r < 0)
		(void)store_sqlite_run(s, c, SQ_ROLLBACK_TO);
	(void)store_sqlite_run(s, c, SQ_RELEASE);
	return r;
}

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
		j->result = store_sqlite_run_job(s, c, j->fn, j->arg);
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
	if (r == 0) {
		atomic_fetch_add_explicit(&s->commits, 1, memory_order_relaxed);
		return;
	}
	/* Nothing of the batch is stored: every write in it fails, as a
	 * server-side failure (a refused commit is never the caller's fault):
	 * contention, memory and a full disk keep their codes (503, 507),
	 * anything else is MT_EIO. */
	if (r != MT_EBUSY && r != MT_ENOMEM && r != MT_ENOSPC)
		r = MT_EIO;
	for (j = batch; j; j = j->next)
		if (j->result == 0)
			j->result = r;
}

/* Sleeps while *word is `value` (or until a wake); returns at once when it is not. */
static void store_sqlite_sleep_on(atomic_int *word, int value)
{
	(void)syscall(SYS_futex, (int *)word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

/* Wakes the thread sleeping on word. Only the address is used: safe after
 * the word's owner has seen its new value and gone (a stray wake of
 * whoever sleeps there later is one more spurious wake-up, which every
 * sleeper here re-checks). */
static void store_sqlite_wake(atomic_int *word)
{
	(void)syscall(SYS_futex, (int *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Runs a write job durably and returns its result. Writers that arrive while
 * another thread is committing queue up; when it is done, one of them
 * becomes the leader and commits everything queued in one transaction
 * (group commit), so N concurrent writers share one fsync instead of taking
 * N in turn. Each waiting writer sleeps on its own job's state word (a
 * futex), not on a condition variable of gc_lock: the leader marks a batch
 * done under gc_lock and wakes its writers after releasing it, so a woken
 * writer returns without taking gc_lock at all (with condition variables
 * each woke only to wait for the leader's mutex: a second sleep per write,
 * perf's futex lock waits). */
static int store_sqlite_submit_ex(struct store *base,
				  int (*fn)(struct store_sqlite *, struct store_sqlite_conn *, void *), void *arg,
				  int one_stmt)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	struct store_sqlite_job job = {fn, arg, 0, JOB_WAIT, NULL}, *batch, *j, *next;
	atomic_int *woken[STORE_SQLITE_WAKE_BATCH];
	struct store_sqlite_conn *w;
	int r, nw, i;

	if (store_sqlite_cur_s == s)
		return store_sqlite_run_nested(s, store_sqlite_cur_c, fn, arg, one_stmt);
	pthread_mutex_lock(&s->gc_lock);
	*s->gc_tail = &job;
	s->gc_tail = &job.next;
	for (;;) {
		if (atomic_load_explicit(&job.state, memory_order_relaxed) == JOB_DONE)
			break;
		if (s->gc_leader) {
			atomic_store_explicit(&job.state, JOB_WAIT, memory_order_relaxed);
			pthread_mutex_unlock(&s->gc_lock);
			store_sqlite_sleep_on(&job.state, JOB_WAIT);
			if (atomic_load_explicit(&job.state, memory_order_acquire) == JOB_DONE)
				return job.result;   /* done: the leader no longer touches the job */
			pthread_mutex_lock(&s->gc_lock);
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
		if ((r = store_sqlite_writer(s, &w)) == 0) {
			store_sqlite_run_batch(s, w, batch);
		} else {
			for (j = batch; j; j = j->next)
				j->result = r;
		}
		pthread_mutex_lock(&s->gc_lock);
		nw = 0;
		for (j = batch; j; j = next) {
			next = j->next;   /* read first: once done, j may be gone */
			if (j != &job && nw == STORE_SQLITE_WAKE_BATCH) {
				/* more writers than the list holds: wake the rest now */
				atomic_store_explicit(&j->state, JOB_DONE, memory_order_release);
				store_sqlite_wake(&j->state);
				continue;
			}
			atomic_store_explicit(&j->state, JOB_DONE, memory_order_release);
			if (j != &job)
				woken[nw++] = &j->state;
		}
		s->gc_leader = 0;
		/* the oldest waiting writer leads the next batch (it is queued,
		 * so it stays until a leader marks it done under gc_lock) */
		if (s->gc_head != NULL) {
			atomic_store_explicit(&s->gc_head->state, JOB_LEAD, memory_order_relaxed);
			store_sqlite_wake(&s->gc_head->state);
		}
		pthread_mutex_unlock(&s->gc_lock);
		for (i = 0; i < nw; i++)
			store_sqlite_wake(woken[i]);
		return job.result;
	}
	pthread_mutex_unlock(&s->gc_lock);
	return job.result;
}

/* Runs a write job durably (store_sqlite_submit_ex, with a savepoint when nested). */
int store_sqlite_submit(struct store *base,
			int (*fn)(struct store_sqlite *, struct store_sqlite_conn *, void *), void *arg)
{
	return store_sqlite_submit_ex(base, fn, arg, 0);
}

/* Runs a write job that makes one change statement (private header). */
int store_sqlite_submit1(struct store *base,
			 int (*fn)(struct store_sqlite *, struct store_sqlite_conn *, void *), void *arg)
{
	return store_sqlite_submit_ex(base, fn, arg, 1);
}


/* Destroys the store's mutexes. */
static void store_sqlite_free_sync(struct store_sqlite *s)
{
	pthread_mutex_destroy(&s->gc_lock);
	pthread_mutex_destroy(&s->write_lock);
}

/* Frees the store: closes every thread's connection (all users must have stopped). */
void store_sqlite_close(struct store *base)
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
int store_sqlite_init_schema(struct store *base)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	struct store_sqlite_conn *c;
	char *cause = NULL;
	int r = store_sqlite_conn(s, &c);

	if (r < 0)
		return r;
	r = store_sqlite_migrate(s, c, &cause);
	if (r < 0 && cause)
		mt_log("error", cause, "module", "store-sqlite", (const char *)NULL);
	free(cause);
	return r;
}

/* Runs PRAGMA journal_mode = WAL on db, leaving the statement (its row, the
 * mode now) in *st; returns the last step's code. Processes that open a new
 * file at the same moment race for the switch, which takes the file's
 * exclusive lock and is not retried by the busy handler: the loser's
 * SQLITE_BUSY is retried here for up to STORE_SQLITE_BUSY_MS (once the
 * winner has switched, the file is in WAL mode and no lock is needed). */
static int store_sqlite_wal(sqlite3 *db, sqlite3_stmt **st)
{
	struct timespec ts = { 0, 2000000 }, t0, t;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		*st = NULL;
		rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(*st);
		if ((rc & 0xff) != SQLITE_BUSY)
			return rc;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= STORE_SQLITE_BUSY_MS)
			return rc;
		sqlite3_finalize(*st);
		nanosleep(&ts, NULL);
	}
}

/* Once per process, before SQLite's first use: no memory statistics. With
 * them on (the default), every SQLite allocation takes one process-wide
 * mutex, which the HTTP, write-pool and notifier threads then contend for;
 * nothing here reads the statistics. Too late (SQLite already initialised
 * by someone else) is harmless: the setting is then SQLite's default. */
static void store_sqlite_configure(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Opens (creating with mode 0600 if missing) the database at path, switches
 * it to WAL and migrates it to the current schema. */
int store_sqlite_open(const char *path, struct store **out, char **cause)
{
	struct store_sqlite *s;
	struct store_sqlite_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	int fd, r, rc;
	static pthread_once_t configured = PTHREAD_ONCE_INIT;

	*out = NULL;
	if (cause)
		*cause = NULL;
	(void)pthread_once(&configured, store_sqlite_configure);
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
	s->base.clock = mt_clock_system;
	s->path = strdup(path);
	if (s->path == NULL) {
		free(s);
		return MT_ENOMEM;
	}
	atomic_init(&s->requests, 0);
	atomic_init(&s->scans, 0);
	atomic_init(&s->commits, 0);
	atomic_init(&s->jobs, 0);
	atomic_init(&s->test_skip, 0);
	atomic_init(&s->test_fail, 0);
	atomic_init(&s->test_delay_ms, 0);
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
	rc = store_sqlite_wal(c->db, &st);
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
	store_sqlite_register(c);

	r = store_sqlite_migrate(s, c, cause);
	if (r < 0) {
		store_sqlite_close(&s->base);
		return r;
	}
	*out = &s->base;
	return 0;
}

/* Runs a prepared single-row SELECT; calls read on the row. 0, MT_ENOTFOUND or an error. */
int store_sqlite_get_row(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st,
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

/* Runs a write statement (inside a transaction); *changes gets the rows changed. */
int store_sqlite_write(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st, int *changes)
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
int store_sqlite_why_unchanged(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st), r;

	r = rc == SQLITE_ROW ? MT_EPRECOND : rc == SQLITE_DONE ? MT_ENOTFOUND : store_sqlite_err(c, rc);
	store_sqlite_done(s, st);
	return r;
}
