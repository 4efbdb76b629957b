/* The embedded queue: two tables in the SQLite database file maitred
 * already uses.
 *
 *   mtq_messages(id, body, sent_at, visible_at, receive_count)
 *   mtq_dead(id, body, sent_at, dead_at, receive_count)
 *
 * receive picks visible messages (visible_at <= now) oldest first through
 * the index on visible_at, raises receive_count and hides them until
 * now + visibility, all in one write transaction, so two receivers
 * (threads or processes) never get the same receive. A visible message
 * already received QUEUE_MAX_RECEIVES times is moved to mtq_dead instead.
 * The receipt handle is "ID.N" with N the receive count, so a handle from
 * an earlier receive no longer matches once the message was received
 * again. Waits poll every 100 ms (other processes may send) and wake at
 * once on a send from this process.
 *
 * Writes run in one of two ways:
 * - own connection (default): BEGIN IMMEDIATE ... COMMIT on the queue's own
 *   connection to the file, serialised by a mutex;
 * - shared writer (queue_sqlite_use_store): inside the SQLite store's
 *   group-committed write transaction (store_sqlite_write_txn), so queue
 *   writes share the store's fsyncs and never wait in SQLite's busy
 *   handler against the store's writer. Statements are then prepared on
 *   the connection the store hands over (its one writer connection) and
 *   kept for the next job while it hands over the same one: the store's
 *   write transaction serialises their use.
 * Reads (depth) always use the own connection. */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/error.h"
#include "core/id.h"
#include "queue/queue.h"
#include "store/store-sqlite.h"

#define QUEUE_SQLITE_POLL_MS 100

/* The statements a write job may use, each prepared on first use. */
enum queue_sqlite_which {
	QS_INSERT = 0,  /* INSERT a message */
	QS_NEXT,        /* visible messages, oldest first */
	QS_TAKE,        /* raise receive_count, hide */
	QS_DEAD_INS,    /* copy a message to the DLQ */
	QS_DEL,         /* delete a message by id and receive count */
	QS_VIS,         /* change visibility by id and receive count */
	QS__COUNT
};

static const char *const queue_sqlite_sql[QS__COUNT] = {
	[QS_INSERT] = "INSERT INTO mtq_messages(id, body, sent_at, visible_at, receive_count)"
		      " VALUES (?1, ?2, ?3, ?4, 0)",
	[QS_NEXT] = "SELECT id, body, sent_at, receive_count FROM mtq_messages"
		    " WHERE visible_at <= ?1 ORDER BY visible_at, id LIMIT ?2",
	[QS_TAKE] = "UPDATE mtq_messages SET receive_count = receive_count + 1, visible_at = ?1 WHERE id = ?2",
	[QS_DEAD_INS] = "INSERT OR REPLACE INTO mtq_dead(id, body, sent_at, dead_at, receive_count)"
			" SELECT id, body, sent_at, ?1, receive_count FROM mtq_messages WHERE id = ?2",
	[QS_DEL] = "DELETE FROM mtq_messages WHERE id = ?1 AND receive_count = ?2",
	[QS_VIS] = "UPDATE mtq_messages SET visible_at = ?1 WHERE id = ?2 AND receive_count = ?3",
};

/* A connection and its statements for one write job. */
struct queue_sqlite_stmts {
	sqlite3 *db;                    /* connection the job runs on */
	sqlite3_stmt *st[QS__COUNT];    /* prepared statements (NULL until used) */
	int persistent;                 /* 1: kept across jobs (own connection) */
};

/* The embedded queue. */
struct queue_sqlite {
	struct queue base;              /* ops and retry policy; first member */
	sqlite3 *db;                    /* own connection */
	struct queue_sqlite_stmts own;  /* statements on the own connection */
	struct store *store;            /* shared writer, or NULL (own connection) */
	struct queue_sqlite_stmts shared; /* statements on the store's writer connection (used inside its transaction) */
	pthread_mutex_t lock;           /* serialises the own connection; guards gen */
	pthread_cond_t sent;            /* signalled after a send from this process */
	uint64_t gen;                   /* bumped by every send (and visibility 0) */
	struct mt_clock clock;          /* time for visibility and delays */
	sqlite3_stmt *st_count_vis;     /* count visible (own connection) */
	sqlite3_stmt *st_count_fl;      /* count in flight */
	sqlite3_stmt *st_count_dead;    /* count dead */
	sqlite3_stmt *st_peek;          /* is anything visible? (read, own connection) */
};

/* A write job: runs inside a write transaction on st. */
typedef int (*queue_sqlite_job)(struct queue_sqlite_stmts *st, void *arg);

static const char queue_sqlite_schema[] =
	"CREATE TABLE IF NOT EXISTS mtq_messages ("
	" id TEXT PRIMARY KEY,"
	" body TEXT NOT NULL,"
	" sent_at INTEGER NOT NULL,"
	" visible_at INTEGER NOT NULL,"
	" receive_count INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS mtq_messages_visible ON mtq_messages(visible_at, id);"
	"CREATE TABLE IF NOT EXISTS mtq_dead ("
	" id TEXT PRIMARY KEY,"
	" body TEXT NOT NULL,"
	" sent_at INTEGER NOT NULL,"
	" dead_at INTEGER NOT NULL,"
	" receive_count INTEGER NOT NULL"
	") WITHOUT ROWID;";

/* Maps an SQLite result code to an MT_E* code. */
static int queue_sqlite_err(int rc)
{
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return MT_EBUSY;
	if (rc == SQLITE_NOMEM)
		return MT_ENOMEM;
	return MT_EIO;
}

/* Current time of the queue's clock. */
static int64_t queue_sqlite_now(struct queue_sqlite *q)
{
	return q->clock.now_ms(q->clock.data);
}

/* Runs SQL text without results on db. */
static int queue_sqlite_exec(sqlite3 *db, const char *sql, char **cause)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		mt_set_cause(cause, "queue: %s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return queue_sqlite_err(rc);
	}
	return 0;
}

/* The statement `w` of a job, prepared on first use. NULL on error (*err set). */
static sqlite3_stmt *queue_sqlite_stmt(struct queue_sqlite_stmts *s, enum queue_sqlite_which w, int *err,
				       char **cause)
{
	int rc;

	if (s->st[w] != NULL)
		return s->st[w];
	rc = sqlite3_prepare_v3(s->db, queue_sqlite_sql[w], -1, s->persistent ? SQLITE_PREPARE_PERSISTENT : 0,
				&s->st[w], NULL);
	if (rc != SQLITE_OK) {
		mt_set_cause(cause, "queue: prepare: %s", sqlite3_errmsg(s->db));
		*err = queue_sqlite_err(rc);
		s->st[w] = NULL;
		return NULL;
	}
	return s->st[w];
}

/* Finalizes a statement set. */
static void queue_sqlite_stmts_free(struct queue_sqlite_stmts *s)
{
	int i;

	for (i = 0; i < QS__COUNT; i++) {
		sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
}

/* Runs a prepared statement that returns no rows; resets it. */
static int queue_sqlite_step_done(sqlite3 *db, sqlite3_stmt *st, char **cause)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		mt_set_cause(cause, "queue: %s", sqlite3_errmsg(db));
		return queue_sqlite_err(rc);
	}
	return 0;
}

/* What queue_sqlite_store_job hands to the store's writer. */
struct queue_sqlite_ext {
	struct queue_sqlite *q; /* the queue (its statements on the writer connection) */
	queue_sqlite_job job;   /* the write job */
	void *arg;              /* its argument */
};

/* Runs a job on the connection the store's writer hands over, with the
 * statements prepared on it by earlier jobs (a job prepared on another
 * connection: they are finalized first). Only one store transaction runs
 * at a time, so q->shared needs no lock of its own. */
static int queue_sqlite_store_job(sqlite3 *db, void *arg)
{
	struct queue_sqlite_ext *e = arg;
	struct queue_sqlite_stmts *s = &e->q->shared;

	if (s->db != db) {
		queue_sqlite_stmts_free(s);
		s->db = db;
		s->persistent = 1;
	}
	return e->job(s, e->arg);
}

/* Runs a write job in a durable transaction (shared writer or own connection). */
static int queue_sqlite_run(struct queue_sqlite *q, queue_sqlite_job job, void *arg, char **cause)
{
	struct queue_sqlite_ext e = { q, job, arg };
	int err;

	if (q->store != NULL) {
		err = store_sqlite_write_txn(q->store, queue_sqlite_store_job, &e);
		if (err != 0 && cause != NULL && *cause == NULL)
			mt_set_cause(cause, "queue: write failed: %s", mt_strerror(err));
		return err;
	}
	pthread_mutex_lock(&q->lock);
	err = queue_sqlite_exec(q->db, "BEGIN IMMEDIATE", cause);
	if (err == 0) {
		err = job(&q->own, arg);
		if (err == 0)
			err = queue_sqlite_exec(q->db, "COMMIT", cause);
		if (err != 0)
			sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

/* Wakes receivers of this process waiting for a message. */
static void queue_sqlite_wake(struct queue_sqlite *q)
{
	pthread_mutex_lock(&q->lock);
	q->gen++;
	pthread_cond_broadcast(&q->sent);
	pthread_mutex_unlock(&q->lock);
}

/* Splits a receipt "ID.N" into id and receive count. */
static int queue_sqlite_parse_receipt(const char *receipt, char id[MT_ID_SIZE], int *count)
{
	const char *dot;
	char *end;
	long n;

	if (receipt == NULL)
		return MT_EINVAL;
	dot = strchr(receipt, '.');
	if (dot == NULL || dot - receipt != MT_ID_LEN)
		return MT_EINVAL;
	memcpy(id, receipt, MT_ID_LEN);
	id[MT_ID_LEN] = '\0';
	if (!mt_id_valid(id))
		return MT_EINVAL;
	errno = 0;
	n = strtol(dot + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == dot + 1 || n < 1 || n > 1000000)
		return MT_EINVAL;
	*count = (int)n;
	return 0;
}

/* Arguments of the send job. */
struct queue_sqlite_send_arg {
	const struct queue_entry *entries;  /* messages */
	size_t n;                           /* how many */
	int64_t now;                        /* send time */
	char **cause;                       /* error message out */
};

/* Job: inserts the messages. */
static int queue_sqlite_send_job(struct queue_sqlite_stmts *s, void *arg)
{
	struct queue_sqlite_send_arg *a = arg;
	char id[MT_ID_SIZE];
	sqlite3_stmt *st;
	size_t i;
	int err = 0;

	st = queue_sqlite_stmt(s, QS_INSERT, &err, a->cause);
	for (i = 0; st != NULL && i < a->n && err == 0; i++) {
		mt_id_new(id, a->now);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, a->entries[i].body, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, a->now);
		sqlite3_bind_int64(st, 4, a->now + (int64_t)a->entries[i].delay_s * 1000);
		err = queue_sqlite_step_done(s->db, st, a->cause);
	}
	return err;
}

/* Sends n messages in one transaction: all are accepted or none. */
static int queue_sqlite_send_batch(struct queue *base, const struct queue_entry *entries, size_t n,
				   int *results, char **cause)
{
	struct queue_sqlite *q = (struct queue_sqlite *)base;
	struct queue_sqlite_send_arg a;
	size_t i;
	int err = 0;

	if (n == 0 || n > QUEUE_BATCH_MAX || entries == NULL || results == NULL)
		return MT_EINVAL;
	for (i = 0; i < n; i++) {
		if (entries[i].body == NULL || strlen(entries[i].body) > QUEUE_BODY_MAX ||
		    entries[i].delay_s < 0 || entries[i].delay_s > 900) {
			mt_set_cause(cause, "queue: entry %zu: bad body or delay", i);
			err = MT_EINVAL;
			goto done;
		}
	}
	a.entries = entries;
	a.n = n;
	a.now = queue_sqlite_now(q);
	a.cause = cause;
	err = queue_sqlite_run(q, queue_sqlite_send_job, &a, cause);
	if (err == 0)
		queue_sqlite_wake(q);
done:
	for (i = 0; i < n; i++)
		results[i] = err;
	return err;
}

/* Copies a column as a malloc'd string. */
static char *queue_sqlite_col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int len = sqlite3_column_bytes(st, col);
	char *s;

	if (t == NULL)
		t = (const unsigned char *)"";
	s = malloc((size_t)len + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, t, (size_t)len);
	s[len] = '\0';
	return s;
}

/* Arguments of the take job. */
struct queue_sqlite_take_arg {
	int max;                 /* at most this many */
	int visibility_s;        /* hide them this long */
	int64_t now;             /* receive time */
	struct queue_msg *out;   /* room for max messages */
	size_t n;                /* out: messages taken */
	char **cause;            /* error message out */
};

/* Frees the strings of out[0..n). */
static void queue_sqlite_free_taken(struct queue_msg *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(out[i].id);
		free(out[i].body);
		free(out[i].receipt);
		memset(&out[i], 0, sizeof out[i]);
	}
}

/* Job: claims up to max visible messages, dead-lettering exhausted ones.
 * On failure frees what it took (a->n = 0). */
static int queue_sqlite_take_job(struct queue_sqlite_stmts *s, void *arg)
{
	struct queue_sqlite_take_arg *a = arg;
	sqlite3_stmt *next, *take, *dead_ins, *del;
	struct queue_msg *m;
	int err = 0, rc, count, more = 1;
	size_t got = 0, i;
	char receipt[MT_ID_SIZE + 16];

	a->n = 0;
	next = queue_sqlite_stmt(s, QS_NEXT, &err, a->cause);
	take = next ? queue_sqlite_stmt(s, QS_TAKE, &err, a->cause) : NULL;
	dead_ins = take ? queue_sqlite_stmt(s, QS_DEAD_INS, &err, a->cause) : NULL;
	del = dead_ins ? queue_sqlite_stmt(s, QS_DEL, &err, a->cause) : NULL;
	if (del == NULL)
		return err ? err : MT_EIO;
	while (more && got < (size_t)a->max && err == 0) {
		/* Look at up to max candidates; dead ones are moved and we look again. */
		int dead = 0;
		size_t first = got;

		sqlite3_bind_int64(next, 1, a->now);
		sqlite3_bind_int(next, 2, a->max - (int)got);
		more = 0;
		while ((rc = sqlite3_step(next)) == SQLITE_ROW) {
			m = &a->out[got];
			memset(m, 0, sizeof *m);
			count = sqlite3_column_int(next, 3);
			m->id = queue_sqlite_col_dup(next, 0);
			got++;
			if (count >= QUEUE_MAX_RECEIVES) {
				/* Remember it: moved below, after the cursor is done. */
				m->receive_count = -1 - count;
				dead++;
				if (m->id == NULL) {
					err = MT_ENOMEM;
					break;
				}
				continue;
			}
			m->body = queue_sqlite_col_dup(next, 1);
			m->sent_at = sqlite3_column_int64(next, 2);
			m->receive_count = count + 1;
			if (m->id == NULL || m->body == NULL) {
				err = MT_ENOMEM;
				break;
			}
		}
		if (err == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE) {
			mt_set_cause(a->cause, "queue: receive: %s", sqlite3_errmsg(s->db));
			err = queue_sqlite_err(rc);
		}
		sqlite3_reset(next);
		sqlite3_clear_bindings(next);
		/* Apply: dead-letter or claim each candidate of this round. */
		for (i = first; i < got && err == 0; i++) {
			m = &a->out[i];
			if (m->receive_count < 0) {
				sqlite3_bind_int64(dead_ins, 1, a->now);
				sqlite3_bind_text(dead_ins, 2, m->id, -1, SQLITE_STATIC);
				err = queue_sqlite_step_done(s->db, dead_ins, a->cause);
				if (err == 0) {
					sqlite3_bind_text(del, 1, m->id, -1, SQLITE_STATIC);
					sqlite3_bind_int(del, 2, -1 - m->receive_count);
					err = queue_sqlite_step_done(s->db, del, a->cause);
				}
				continue;
			}
			sqlite3_bind_int64(take, 1, a->now + (int64_t)a->visibility_s * 1000);
			sqlite3_bind_text(take, 2, m->id, -1, SQLITE_STATIC);
			err = queue_sqlite_step_done(s->db, take, a->cause);
			if (err == 0) {
				snprintf(receipt, sizeof receipt, "%s.%d", m->id, m->receive_count);
				m->receipt = strdup(receipt);
				if (m->receipt == NULL)
					err = MT_ENOMEM;
			}
		}
		/* Compact: drop the dead ones from out. */
		if (dead > 0 && err == 0) {
			size_t w = first;

			for (i = first; i < got; i++) {
				if (a->out[i].receive_count < 0) {
					free(a->out[i].id);
					continue;
				}
				a->out[w++] = a->out[i];
			}
			got = w;
			more = 1;  /* the dead ones freed room: look again */
		}
	}
	if (err != 0) {
		queue_sqlite_free_taken(a->out, got);
		return err;
	}
	a->n = got;
	return 0;
}

/* 1 when a message may be visible at now (errors say 1: let the take
 * job find out). Called locked; reads on the own connection. */
static int queue_sqlite_peek(struct queue_sqlite *q, int64_t now)
{
	int rc;

	sqlite3_bind_int64(q->st_peek, 1, now);
	rc = sqlite3_step(q->st_peek);
	sqlite3_reset(q->st_peek);
	sqlite3_clear_bindings(q->st_peek);
	return rc != SQLITE_DONE;
}

/* Receives up to max messages, waiting up to wait_ms for the first. */
static int queue_sqlite_receive(struct queue *base, int max, int wait_ms, int visibility_s,
				struct queue_msg **msgs, size_t *n, char **cause)
{
	struct queue_sqlite *q = (struct queue_sqlite *)base;
	struct queue_sqlite_take_arg a;
	struct timespec deadline, now, until;
	uint64_t gen;
	int err;

	*msgs = NULL;
	*n = 0;
	if (max < 1 || max > QUEUE_RECEIVE_MAX || wait_ms < 0 || wait_ms > 20000 ||
	    visibility_s < 0 || visibility_s > 43200)
		return MT_EINVAL;
	memset(&a, 0, sizeof a);
	a.out = calloc((size_t)max, sizeof *a.out);
	if (a.out == NULL)
		return MT_ENOMEM;
	a.max = max;
	a.visibility_s = visibility_s;
	a.cause = cause;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		int visible;

		pthread_mutex_lock(&q->lock);
		gen = q->gen;
		a.now = queue_sqlite_now(q);
		/* A read first: an idle poll takes no write lock. */
		visible = queue_sqlite_peek(q, a.now);
		pthread_mutex_unlock(&q->lock);
		if (visible)
			err = queue_sqlite_run(q, queue_sqlite_take_job, &a, cause);
		else
			err = 0;
		if (err != 0) {
			/* The job may have succeeded and the commit failed. */
			queue_sqlite_free_taken(a.out, a.n);
			a.n = 0;
			break;
		}
		if (a.n > 0)
			break;
		clock_gettime(CLOCK_REALTIME, &now);
		if (now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))
			break;
		until = now;
		until.tv_nsec += QUEUE_SQLITE_POLL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (until.tv_sec > deadline.tv_sec ||
		    (until.tv_sec == deadline.tv_sec && until.tv_nsec > deadline.tv_nsec))
			until = deadline;
		pthread_mutex_lock(&q->lock);
		if (q->gen == gen)
			pthread_cond_timedwait(&q->sent, &q->lock, &until);
		pthread_mutex_unlock(&q->lock);
	}
	if (err != 0 || a.n == 0) {
		free(a.out);
		return err;
	}
	*msgs = a.out;
	*n = a.n;
	return 0;
}

/* Arguments of the delete and visibility jobs. */
struct queue_sqlite_one_arg {
	char id[MT_ID_SIZE];     /* message id */
	int count;               /* receive count of the receipt */
	int64_t visible_at;      /* visibility job: new visible_at */
	int changes;             /* out: rows changed */
	char **cause;            /* error message out */
};

/* Job: deletes one message by id and receive count. */
static int queue_sqlite_delete_job(struct queue_sqlite_stmts *s, void *arg)
{
	struct queue_sqlite_one_arg *a = arg;
	sqlite3_stmt *st;
	int err = 0;

	st = queue_sqlite_stmt(s, QS_DEL, &err, a->cause);
	if (st == NULL)
		return err;
	sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, a->count);
	err = queue_sqlite_step_done(s->db, st, a->cause);
	a->changes = err == 0 ? sqlite3_changes(s->db) : 0;
	return err;
}

/* Job: changes the visibility of one message by id and receive count. */
static int queue_sqlite_vis_job(struct queue_sqlite_stmts *s, void *arg)
{
	struct queue_sqlite_one_arg *a = arg;
	sqlite3_stmt *st;
	int err = 0;

	st = queue_sqlite_stmt(s, QS_VIS, &err, a->cause);
	if (st == NULL)
		return err;
	sqlite3_bind_int64(st, 1, a->visible_at);
	sqlite3_bind_text(st, 2, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, a->count);
	err = queue_sqlite_step_done(s->db, st, a->cause);
	a->changes = err == 0 ? sqlite3_changes(s->db) : 0;
	return err;
}

/* Deletes a received message by its receipt handle. */
static int queue_sqlite_delete(struct queue *base, const char *receipt, char **cause)
{
	struct queue_sqlite *q = (struct queue_sqlite *)base;
	struct queue_sqlite_one_arg a;
	int err;

	memset(&a, 0, sizeof a);
	err = queue_sqlite_parse_receipt(receipt, a.id, &a.count);
	if (err) {
		mt_set_cause(cause, "queue: malformed receipt handle");
		return err;
	}
	a.cause = cause;
	err = queue_sqlite_run(q, queue_sqlite_delete_job, &a, cause);
	if (err == 0 && a.changes == 0) {
		mt_set_cause(cause, "queue: no message for this receipt (deleted or received again)");
		err = MT_ENOTFOUND;
	}
	return err;
}

/* Hides a received message for visibility_s seconds from now. */
static int queue_sqlite_change_visibility(struct queue *base, const char *receipt, int visibility_s,
					  char **cause)
{
	struct queue_sqlite *q = (struct queue_sqlite *)base;
	struct queue_sqlite_one_arg a;
	int err;

	if (visibility_s < 0 || visibility_s > 43200)
		return MT_EINVAL;
	memset(&a, 0, sizeof a);
	err = queue_sqlite_parse_receipt(receipt, a.id, &a.count);
	if (err) {
		mt_set_cause(cause, "queue: malformed receipt handle");
		return err;
	}
	a.visible_at = queue_sqlite_now(q) + (int64_t)visibility_s * 1000;
	a.cause = cause;
	err = queue_sqlite_run(q, queue_sqlite_vis_job, &a, cause);
	if (err == 0 && a.changes == 0) {
		mt_set_cause(cause, "queue: no message for this receipt (deleted or received again)");
		err = MT_ENOTFOUND;
	}
	if (err == 0 && visibility_s == 0)
		queue_sqlite_wake(q);
	return err;
}

/* Runs a one-number query with an optional time parameter. Called locked. */
static int queue_sqlite_count(struct queue_sqlite *q, sqlite3_stmt *st, int64_t now, long *out,
			      char **cause)
{
	int rc;

	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW) {
		mt_set_cause(cause, "queue: count: %s", sqlite3_errmsg(q->db));
		return queue_sqlite_err(rc);
	}
	return 0;
}

/* Counts visible, in-flight and dead messages. */
static int queue_sqlite_depth(struct queue *base, struct queue_depth *out, char **cause)
{
	struct queue_sqlite *q = (struct queue_sqlite *)base;
	int64_t now;
	int err;

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&q->lock);
	now = queue_sqlite_now(q);
	err = queue_sqlite_count(q, q->st_count_vis, now, &out->visible, cause);
	if (err == 0)
		err = queue_sqlite_count(q, q->st_count_fl, now, &out->in_flight, cause);
	if (err == 0)
		err = queue_sqlite_count(q, q->st_count_dead, now, &out->dead, cause);
	pthread_mutex_unlock(&q->lock);
	return err;
}

/* Frees the queue. */
static void queue_sqlite_close(struct queue *base)
{
	struct queue_sqlite *q = (struct queue_sqlite *)base;

	if (q == NULL)
		return;
	queue_sqlite_stmts_free(&q->own);
	queue_sqlite_stmts_free(&q->shared);
	sqlite3_finalize(q->st_count_vis);
	sqlite3_finalize(q->st_count_fl);
	sqlite3_finalize(q->st_count_dead);
	sqlite3_finalize(q->st_peek);
	sqlite3_close(q->db);
	pthread_cond_destroy(&q->sent);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

static const struct queue_ops queue_sqlite_ops = {
	.name = "sqlite",
	.receive_max = QUEUE_RECEIVE_MAX,
	.send_batch = queue_sqlite_send_batch,
	.receive = queue_sqlite_receive,
	.delete = queue_sqlite_delete,
	.change_visibility = queue_sqlite_change_visibility,
	.depth = queue_sqlite_depth,
	.close = queue_sqlite_close,
};

/* Prepares one statement on the own connection. */
static int queue_sqlite_prepare(struct queue_sqlite *q, const char *sql, sqlite3_stmt **st, char **cause)
{
	int rc = sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);

	if (rc != SQLITE_OK) {
		mt_set_cause(cause, "queue: prepare: %s", sqlite3_errmsg(q->db));
		return queue_sqlite_err(rc);
	}
	return 0;
}

/* Makes queue writes go through the SQLite store's group-committed writer. */
int queue_sqlite_use_store(struct queue *base, struct store *s)
{
	struct queue_sqlite *q = (struct queue_sqlite *)base;

	if (base == NULL || base->ops != &queue_sqlite_ops || s == NULL || store_sqlite_path(s) == NULL)
		return MT_EINVAL;
	q->store = s;
	return 0;
}

/* 1 when q's writes run inside s's write transaction (queue_sqlite_use_store). */
int queue_joins_store(const struct queue *base, const struct store *s)
{
	return base != NULL && s != NULL && base->ops == &queue_sqlite_ops &&
	       ((const struct queue_sqlite *)base)->store == s;
}

/* Opens the embedded queue in the SQLite database at path. */
int queue_sqlite_open(const char *path, const struct mt_clock *clock, struct queue **out, char **cause)
{
	struct queue_sqlite *q;
	int rc, err, i;

	*out = NULL;
	if (cause)
		*cause = NULL;
	if (path == NULL || *path == '\0') {
		mt_set_cause(cause, "queue: no database path");
		return MT_EINVAL;
	}
	q = calloc(1, sizeof *q);
	if (q == NULL)
		return MT_ENOMEM;
	q->base.ops = &queue_sqlite_ops;
	queue_retry_from_env(&q->base.retry);
	q->clock = clock ? *clock : mt_clock_system;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->sent, NULL);
	rc = sqlite3_open_v2(path, &q->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		mt_set_cause(cause, "queue: cannot open %s: %s", path,
				   q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
		err = MT_EIO;
		goto fail;
	}
	q->own.db = q->db;
	q->own.persistent = 1;
	sqlite3_busy_timeout(q->db, 10000);
	err = queue_sqlite_exec(q->db, "PRAGMA journal_mode=WAL", cause);
	if (err == 0)
		err = queue_sqlite_exec(q->db, "PRAGMA synchronous=FULL", cause);
	if (err == 0)
		err = queue_sqlite_exec(q->db, queue_sqlite_schema, cause);
	for (i = 0; err == 0 && i < QS__COUNT; i++)
		if (queue_sqlite_stmt(&q->own, (enum queue_sqlite_which)i, &err, cause) == NULL && err == 0)
			err = MT_EIO;
	if (err == 0)
		err = queue_sqlite_prepare(q, "SELECT count(*) FROM mtq_messages WHERE visible_at <= ?1",
					   &q->st_count_vis, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "SELECT count(*) FROM mtq_messages WHERE visible_at > ?1",
					   &q->st_count_fl, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "SELECT count(*) FROM mtq_dead", &q->st_count_dead, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "SELECT 1 FROM mtq_messages WHERE visible_at <= ?1 LIMIT 1",
					   &q->st_peek, cause);
	if (err != 0)
		goto fail;
	*out = &q->base;
	return 0;
fail:
	queue_sqlite_close(&q->base);
	return err;
}
