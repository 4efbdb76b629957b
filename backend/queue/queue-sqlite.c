/* The embedded queue: two tables in the SQLite database file maitred
 * already uses (its own connection to the same WAL file).
 *
 *   mtq_messages(id, body, sent_at, visible_at, receive_count)
 *   mtq_dead(id, body, sent_at, dead_at, receive_count)
 *
 * receive picks visible messages (visible_at <= now) oldest first through
 * the index on visible_at, raises receive_count and hides them until
 * now + visibility, all in one BEGIN IMMEDIATE transaction, so two
 * receivers (threads or processes) never get the same receive. A visible
 * message already received QUEUE_MAX_RECEIVES times is moved to mtq_dead
 * instead. The receipt handle is "ID.N" with N the receive count, so a
 * handle from an earlier receive no longer matches once the message was
 * received again. Waits poll every 100 ms (other processes may send) and
 * wake at once on a send from this process. */
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

#define QUEUE_SQLITE_POLL_MS 100

/* The embedded queue. */
struct queue_sqlite {
	struct queue base;          /* ops and retry policy; first member */
	sqlite3 *db;                /* own connection */
	pthread_mutex_t lock;       /* serialises use of db and the statements */
	pthread_cond_t sent;        /* signalled after a send from this process */
	struct mt_clock clock;      /* time for visibility and delays */
	sqlite3_stmt *st_insert;    /* INSERT a message */
	sqlite3_stmt *st_next;      /* visible messages, oldest first */
	sqlite3_stmt *st_take;      /* raise receive_count, hide */
	sqlite3_stmt *st_dead_ins;  /* copy a message to the DLQ */
	sqlite3_stmt *st_del;       /* delete a message by id and receive count */
	sqlite3_stmt *st_vis;       /* change visibility by id and receive count */
	sqlite3_stmt *st_count_vis; /* count visible */
	sqlite3_stmt *st_count_fl;  /* count in flight */
	sqlite3_stmt *st_count_dead;/* count dead */
};

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

/* Sets *cause to a formatted message when cause is not NULL. */
static void queue_sqlite_cause(char **cause, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void queue_sqlite_cause(char **cause, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	free(*cause);
	*cause = strdup(buf);
}

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

/* Runs a statement-less SQL text. */
static int queue_sqlite_exec(struct queue_sqlite *q, const char *sql, char **cause)
{
	char *msg = NULL;
	int rc = sqlite3_exec(q->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		queue_sqlite_cause(cause, "queue: %s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return queue_sqlite_err(rc);
	}
	return 0;
}

/* Rolls back after a failure, ignoring errors. */
static void queue_sqlite_rollback(struct queue_sqlite *q)
{
	sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs a prepared statement that returns no rows; resets it. */
static int queue_sqlite_step_done(struct queue_sqlite *q, sqlite3_stmt *st, char **cause)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		queue_sqlite_cause(cause, "queue: %s", sqlite3_errmsg(q->db));
		return queue_sqlite_err(rc);
	}
	return 0;
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

/* Sends n messages in one transaction: all are accepted or none. */
static int queue_sqlite_send_batch(struct queue *base, const struct queue_entry *entries, size_t n,
				   int *results, char **cause)
{
	struct queue_sqlite *q = (struct queue_sqlite *)base;
	char id[MT_ID_SIZE];
	int64_t now;
	size_t i;
	int err = 0;

	if (n == 0 || n > QUEUE_BATCH_MAX || entries == NULL || results == NULL)
		return MT_EINVAL;
	for (i = 0; i < n; i++) {
		if (entries[i].body == NULL || strlen(entries[i].body) > QUEUE_BODY_MAX ||
		    entries[i].delay_s < 0 || entries[i].delay_s > 900) {
			queue_sqlite_cause(cause, "queue: entry %zu: bad body or delay", i);
			err = MT_EINVAL;
			goto done;
		}
	}
	pthread_mutex_lock(&q->lock);
	err = queue_sqlite_exec(q, "BEGIN IMMEDIATE", cause);
	if (err == 0) {
		now = queue_sqlite_now(q);
		for (i = 0; i < n && err == 0; i++) {
			mt_id_new(id, now);
			sqlite3_bind_text(q->st_insert, 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(q->st_insert, 2, entries[i].body, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q->st_insert, 3, now);
			sqlite3_bind_int64(q->st_insert, 4, now + (int64_t)entries[i].delay_s * 1000);
			err = queue_sqlite_step_done(q, q->st_insert, cause);
		}
		if (err == 0)
			err = queue_sqlite_exec(q, "COMMIT", cause);
		if (err != 0)
			queue_sqlite_rollback(q);
		else
			pthread_cond_broadcast(&q->sent);
	}
	pthread_mutex_unlock(&q->lock);
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

/* Moves the message id to the DLQ. Called inside a transaction. */
static int queue_sqlite_kill(struct queue_sqlite *q, const char *id, int count, int64_t now, char **cause)
{
	int err;

	sqlite3_bind_int64(q->st_dead_ins, 1, now);
	sqlite3_bind_text(q->st_dead_ins, 2, id, -1, SQLITE_TRANSIENT);
	err = queue_sqlite_step_done(q, q->st_dead_ins, cause);
	if (err)
		return err;
	sqlite3_bind_text(q->st_del, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q->st_del, 2, count);
	return queue_sqlite_step_done(q, q->st_del, cause);
}

/* One receive attempt without waiting: claims up to max visible messages
 * (dead-lettering exhausted ones) in one transaction. Called locked. */
static int queue_sqlite_take(struct queue_sqlite *q, int max, int visibility_s,
			     struct queue_msg *out, size_t *n, char **cause)
{
	struct queue_msg *m;
	int64_t now;
	int err, rc, count, more = 1;
	size_t got = 0, i;
	char receipt[MT_ID_SIZE + 16];

	*n = 0;
	err = queue_sqlite_exec(q, "BEGIN IMMEDIATE", cause);
	if (err)
		return err;
	now = queue_sqlite_now(q);
	while (more && got < (size_t)max && err == 0) {
		/* Look at up to max candidates; dead ones are moved and we look again. */
		int dead = 0;
		size_t first = got;

		sqlite3_bind_int64(q->st_next, 1, now);
		sqlite3_bind_int(q->st_next, 2, max - (int)got);
		more = 0;
		while ((rc = sqlite3_step(q->st_next)) == SQLITE_ROW) {
			count = sqlite3_column_int(q->st_next, 3);
			if (count >= QUEUE_MAX_RECEIVES) {
				/* Remember it: moved below, after the cursor is done. */
				m = &out[got];
				m->id = queue_sqlite_col_dup(q->st_next, 0);
				m->receive_count = -1 - count;
				m->body = NULL;
				m->receipt = NULL;
				if (m->id == NULL) {
					err = MT_ENOMEM;
					break;
				}
				got++;
				dead++;
				continue;
			}
			m = &out[got];
			memset(m, 0, sizeof *m);
			m->id = queue_sqlite_col_dup(q->st_next, 0);
			m->body = queue_sqlite_col_dup(q->st_next, 1);
			m->sent_at = sqlite3_column_int64(q->st_next, 2);
			m->receive_count = count + 1;
			got++;
			if (m->id == NULL || m->body == NULL) {
				err = MT_ENOMEM;
				break;
			}
		}
		if (err == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE) {
			queue_sqlite_cause(cause, "queue: receive: %s", sqlite3_errmsg(q->db));
			err = queue_sqlite_err(rc);
		}
		sqlite3_reset(q->st_next);
		sqlite3_clear_bindings(q->st_next);
		/* Apply: dead-letter or claim each candidate of this round. */
		for (i = first; i < got && err == 0; i++) {
			m = &out[i];
			if (m->receive_count < 0) {
				err = queue_sqlite_kill(q, m->id, -1 - m->receive_count, now, cause);
				continue;
			}
			sqlite3_bind_int64(q->st_take, 1, now + (int64_t)visibility_s * 1000);
			sqlite3_bind_text(q->st_take, 2, m->id, -1, SQLITE_STATIC);
			err = queue_sqlite_step_done(q, q->st_take, cause);
			if (err == 0) {
				snprintf(receipt, sizeof receipt, "%s.%d", m->id, m->receive_count);
				m->receipt = strdup(receipt);
				if (m->receipt == NULL)
					err = MT_ENOMEM;
			}
		}
		/* Compact: drop the dead ones from out. */
		if (dead > 0) {
			size_t w = first;

			for (i = first; i < got; i++) {
				if (out[i].receive_count < 0) {
					free(out[i].id);
					continue;
				}
				out[w++] = out[i];
			}
			got = w;
			more = 1;  /* the dead ones freed room: look again */
		}
	}
	if (err == 0)
		err = queue_sqlite_exec(q, "COMMIT", cause);
	if (err != 0) {
		queue_sqlite_rollback(q);
		for (i = 0; i < got; i++) {
			free(out[i].id);
			free(out[i].body);
			free(out[i].receipt);
		}
		return err;
	}
	*n = got;
	return 0;
}

/* Receives up to max messages, waiting up to wait_ms for the first. */
static int queue_sqlite_receive(struct queue *base, int max, int wait_ms, int visibility_s,
				struct queue_msg **msgs, size_t *n, char **cause)
{
	struct queue_sqlite *q = (struct queue_sqlite *)base;
	struct queue_msg *out;
	struct timespec deadline, now, until;
	int err;

	*msgs = NULL;
	*n = 0;
	if (max < 1 || max > QUEUE_BATCH_MAX || wait_ms < 0 || wait_ms > 20000 ||
	    visibility_s < 0 || visibility_s > 43200)
		return MT_EINVAL;
	out = calloc((size_t)max, sizeof *out);
	if (out == NULL)
		return MT_ENOMEM;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->lock);
	for (;;) {
		err = queue_sqlite_take(q, max, visibility_s, out, n, cause);
		if (err != 0 || *n > 0)
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
		pthread_cond_timedwait(&q->sent, &q->lock, &until);
	}
	pthread_mutex_unlock(&q->lock);
	if (err != 0 || *n == 0) {
		free(out);
		*n = 0;
		return err;
	}
	*msgs = out;
	return 0;
}

/* Deletes a received message by its receipt handle. */
static int queue_sqlite_delete(struct queue *base, const char *receipt, char **cause)
{
	struct queue_sqlite *q = (struct queue_sqlite *)base;
	char id[MT_ID_SIZE];
	int count, err;

	err = queue_sqlite_parse_receipt(receipt, id, &count);
	if (err) {
		queue_sqlite_cause(cause, "queue: malformed receipt handle");
		return err;
	}
	pthread_mutex_lock(&q->lock);
	sqlite3_bind_text(q->st_del, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q->st_del, 2, count);
	err = queue_sqlite_step_done(q, q->st_del, cause);
	if (err == 0 && sqlite3_changes(q->db) == 0) {
		queue_sqlite_cause(cause, "queue: no message for this receipt (deleted or received again)");
		err = MT_ENOTFOUND;
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

/* Hides a received message for visibility_s seconds from now. */
static int queue_sqlite_change_visibility(struct queue *base, const char *receipt, int visibility_s,
					  char **cause)
{
	struct queue_sqlite *q = (struct queue_sqlite *)base;
	char id[MT_ID_SIZE];
	int count, err;

	if (visibility_s < 0 || visibility_s > 43200)
		return MT_EINVAL;
	err = queue_sqlite_parse_receipt(receipt, id, &count);
	if (err) {
		queue_sqlite_cause(cause, "queue: malformed receipt handle");
		return err;
	}
	pthread_mutex_lock(&q->lock);
	sqlite3_bind_int64(q->st_vis, 1, queue_sqlite_now(q) + (int64_t)visibility_s * 1000);
	sqlite3_bind_text(q->st_vis, 2, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q->st_vis, 3, count);
	err = queue_sqlite_step_done(q, q->st_vis, cause);
	if (err == 0 && sqlite3_changes(q->db) == 0) {
		queue_sqlite_cause(cause, "queue: no message for this receipt (deleted or received again)");
		err = MT_ENOTFOUND;
	}
	if (err == 0 && visibility_s == 0)
		pthread_cond_broadcast(&q->sent);
	pthread_mutex_unlock(&q->lock);
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
		queue_sqlite_cause(cause, "queue: count: %s", sqlite3_errmsg(q->db));
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
	sqlite3_finalize(q->st_insert);
	sqlite3_finalize(q->st_next);
	sqlite3_finalize(q->st_take);
	sqlite3_finalize(q->st_dead_ins);
	sqlite3_finalize(q->st_del);
	sqlite3_finalize(q->st_vis);
	sqlite3_finalize(q->st_count_vis);
	sqlite3_finalize(q->st_count_fl);
	sqlite3_finalize(q->st_count_dead);
	sqlite3_close(q->db);
	pthread_cond_destroy(&q->sent);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

static const struct queue_ops queue_sqlite_ops = {
	.name = "sqlite",
	.send_batch = queue_sqlite_send_batch,
	.receive = queue_sqlite_receive,
	.delete = queue_sqlite_delete,
	.change_visibility = queue_sqlite_change_visibility,
	.depth = queue_sqlite_depth,
	.close = queue_sqlite_close,
};

/* Prepares one statement. */
static int queue_sqlite_prepare(struct queue_sqlite *q, const char *sql, sqlite3_stmt **st, char **cause)
{
	int rc = sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);

	if (rc != SQLITE_OK) {
		queue_sqlite_cause(cause, "queue: prepare: %s", sqlite3_errmsg(q->db));
		return queue_sqlite_err(rc);
	}
	return 0;
}

/* Opens the embedded queue in the SQLite database at path. */
int queue_sqlite_open(const char *path, const struct mt_clock *clock, struct queue **out, char **cause)
{
	struct queue_sqlite *q;
	int rc, err;

	*out = NULL;
	if (cause)
		*cause = NULL;
	if (path == NULL || *path == '\0') {
		queue_sqlite_cause(cause, "queue: no database path");
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
		queue_sqlite_cause(cause, "queue: cannot open %s: %s", path,
				   q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
		err = MT_EIO;
		goto fail;
	}
	sqlite3_busy_timeout(q->db, 10000);
	err = queue_sqlite_exec(q, "PRAGMA journal_mode=WAL", cause);
	if (err == 0)
		err = queue_sqlite_exec(q, "PRAGMA synchronous=FULL", cause);
	if (err == 0)
		err = queue_sqlite_exec(q, queue_sqlite_schema, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "INSERT INTO mtq_messages(id, body, sent_at, visible_at, receive_count)"
					   " VALUES (?1, ?2, ?3, ?4, 0)", &q->st_insert, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "SELECT id, body, sent_at, receive_count FROM mtq_messages"
					   " WHERE visible_at <= ?1 ORDER BY visible_at, id LIMIT ?2",
					   &q->st_next, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "UPDATE mtq_messages SET receive_count = receive_count + 1,"
					   " visible_at = ?1 WHERE id = ?2", &q->st_take, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "INSERT OR REPLACE INTO mtq_dead(id, body, sent_at, dead_at, receive_count)"
					   " SELECT id, body, sent_at, ?1, receive_count FROM mtq_messages WHERE id = ?2",
					   &q->st_dead_ins, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "DELETE FROM mtq_messages WHERE id = ?1 AND receive_count = ?2",
					   &q->st_del, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "UPDATE mtq_messages SET visible_at = ?1"
					   " WHERE id = ?2 AND receive_count = ?3", &q->st_vis, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "SELECT count(*) FROM mtq_messages WHERE visible_at <= ?1",
					   &q->st_count_vis, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "SELECT count(*) FROM mtq_messages WHERE visible_at > ?1",
					   &q->st_count_fl, cause);
	if (err == 0)
		err = queue_sqlite_prepare(q, "SELECT count(*) FROM mtq_dead", &q->st_count_dead, cause);
	if (err != 0)
		goto fail;
	*out = &q->base;
	return 0;
fail:
	queue_sqlite_close(&q->base);
	return err;
}
