/* Group commit and write groups of the SQLite store (issue 13, write
 * throughput): a refused commit fails every write of its batch and stores
 * none of them; no writer is answered before its batch's commit is done
 * (its row is then visible from another connection); a write group (link,
 * party, queue message) is stored whole or not at all; the fast count of a
 * party's place in line equals a count over the line. Commit failures and
 * delays are injected through SQLite's commit hook
 * (store_sqlite_test_commits). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "core/error.h"
#include "core/id.h"
#include "core/model.h"
#include "queue/queue.h"
#include "store/store.h"
#include "store/store-sqlite.h"

#define GC_WRITERS 8   /* concurrent writers in the batch tests */

/* The temp directory of this run and a counter for fresh file names. */
static char gc_dir[256];
static int gc_seq;

/* Monotonic milliseconds. */
static int64_t gc_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps ms milliseconds. */
static void gc_sleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A fresh store with one waitlist of tenant "T"; *path gets the file. */
static struct store *gc_open(char *path, size_t n, struct mt_waitlist *wl)
{
	struct store *s = NULL;
	char *cause = NULL;
	int r;

	snprintf(path, n, "%s/gc-%d.db", gc_dir, ++gc_seq);
	r = store_sqlite_open(path, &s, &cause);
	if (r != 0)
		fprintf(stderr, "open %s: %s\n", path, cause ? cause : "?");
	free(cause);
	assert_int_equal(r, 0);
	memset(wl, 0, sizeof *wl);
	mt_id_new(wl->id, 1000);
	snprintf(wl->tenant_id, sizeof wl->tenant_id, "%s", "T0000000000000000000000000");
	snprintf(wl->name, sizeof wl->name, "%s", "Dining room");
	wl->created_at = wl->updated_at = 1000;
	assert_int_equal(s->ops->waitlist_create(s, wl), 0);
	return s;
}

/* A waiting party of wl named name (new id). */
static void gc_party(struct mt_waitee *w, const struct mt_waitlist *wl, const char *name)
{
	memset(w, 0, sizeof *w);
	mt_id_new(w->id, gc_ms());
	memcpy(w->waitlist_id, wl->id, sizeof w->waitlist_id);
	memcpy(w->tenant_id, wl->tenant_id, sizeof w->tenant_id);
	snprintf(w->name, sizeof w->name, "%s", name);
	w->party_size = 2;
	w->status = MT_WAITING;
	w->joined_at = w->updated_at = gc_ms();
}

/* Runs a one-value query (binding id as ?1 when given) on a connection of
 * its own; the value, or -2 when the query could not run (callers assert,
 * in the test's thread: cmocka's asserts must not run in other threads). */
static int gc_raw_count(const char *path, const char *sql, const char *id)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -2;
	}
	sqlite3_busy_timeout(db, 10000);   /* a reader may meet the writer's checkpoint */
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -2;
	}
	if (id != NULL)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	else
		n = -2;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* One writer thread of the batch tests. */
struct gc_writer {
	struct store *s;           /* the store */
	const char *path;          /* its file (checked from another connection) */
	struct mt_waitee w;        /* the party it creates */
	int result;                /* waitee_create's result */
	int64_t submitted_ms;      /* when it called */
	int64_t returned_ms;       /* when it was answered */
	int visible_at_return;     /* rows with its id seen from another connection right after */
	int *ready;                /* counts writers about to submit (under ready_mu) */
	pthread_mutex_t *ready_mu; /* guards *ready */
};

/* Writer thread: one durable create, timed, then checked from outside. */
static void *gc_writer_main(void *arg)
{
	struct gc_writer *g = arg;

	pthread_mutex_lock(g->ready_mu);
	(*g->ready)++;
	pthread_mutex_unlock(g->ready_mu);
	g->submitted_ms = gc_ms();
	g->result = g->s->ops->waitee_create(g->s, &g->w);
	g->returned_ms = gc_ms();
	g->visible_at_return = gc_raw_count(g->path, "SELECT count(*) FROM waitees WHERE id = ?1", g->w.id);
	return NULL;
}

/* What the leading group of the batch tests does while the writers queue. */
struct gc_lead {
	struct store *s;           /* the store */
	struct mt_waitee w;        /* the leader's own party */
	int *ready;                /* writers about to submit */
	pthread_mutex_t *ready_mu; /* guards *ready */
	int result;                /* the group's result */
};

/* Write group body: waits (holding the write transaction) until every
 * writer is about to submit, and a little longer, then writes its party. */
static int gc_lead_unit(struct store *s, void *arg)
{
	struct gc_lead *l = arg;
	int i, n = 0;

	for (i = 0; i < 2000 && n < GC_WRITERS; i++) {
		pthread_mutex_lock(l->ready_mu);
		n = *l->ready;
		pthread_mutex_unlock(l->ready_mu);
		gc_sleep(1);
	}
	gc_sleep(300);   /* let every writer reach the queue */
	return s->ops->waitee_create(s, &l->w);
}

/* The leading thread: runs gc_lead_unit as a write group. */
static void *gc_lead_main(void *arg)
{
	struct gc_lead *l = arg;

	l->result = store_write_group(l->s, gc_lead_unit, l);
	return NULL;
}

/* Runs a leader holding the writer while GC_WRITERS writers queue behind it,
 * so they form one batch; fills w[] and lead. */
static void gc_run_batch(struct store *s, const char *path, const struct mt_waitlist *wl,
			 struct gc_writer *w, struct gc_lead *lead)
{
	pthread_t lt, wt[GC_WRITERS];
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	int ready = 0, i;
	char name[32];

	memset(lead, 0, sizeof *lead);
	gc_party(&lead->w, wl, "Leader");
	lead->ready = &ready;
	lead->ready_mu = &mu;
	lead->s = s;
	assert_int_equal(pthread_create(&lt, NULL, gc_lead_main, lead), 0);
	gc_sleep(50);   /* the leader holds the write transaction */
	for (i = 0; i < GC_WRITERS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].s = s;
		w[i].path = path;
		snprintf(name, sizeof name, "Writer %d", i);
		gc_party(&w[i].w, wl, name);
		w[i].ready = &ready;
		w[i].ready_mu = &mu;
		assert_int_equal(pthread_create(&wt[i], NULL, gc_writer_main, &w[i]), 0);
	}
	for (i = 0; i < GC_WRITERS; i++)
		pthread_join(wt[i], NULL);
	pthread_join(lt, NULL);
	pthread_mutex_destroy(&mu);
}

/* A refused commit fails every write of its batch, stores none of them, and
 * the store works again right after. */
static void test_failed_commit_fails_batch(void **state)
{
	struct gc_lead lead;
	struct gc_writer w[GC_WRITERS];
	struct mt_waitlist wl;
	struct mt_waitee after, got;
	uint64_t c0, j0, c1, j1;
	char path[512];
	struct store *s;
	int i;

	(void)state;
	s = gc_open(path, sizeof path, &wl);
	assert_int_equal(store_sqlite_write_stats(s, &c0, &j0), 0);
	/* the leader's commit goes through, the writers' batch is refused */
	assert_int_equal(store_sqlite_test_commits(s, 1, 1, 0), 0);
	gc_run_batch(s, path, &wl, w, &lead);
	assert_int_equal(lead.result, 0);
	assert_int_equal(s->ops->waitee_get(s, wl.id, lead.w.id, &got), 0);
	for (i = 0; i < GC_WRITERS; i++) {
		assert_int_equal(w[i].result, MT_EIO);
		assert_int_equal(w[i].visible_at_return, 0);
		assert_int_equal(s->ops->waitee_get(s, wl.id, w[i].w.id, &got), MT_ENOTFOUND);
	}
	assert_int_equal(store_sqlite_write_stats(s, &c1, &j1), 0);
	/* one commit (the leader's): the writers' GC_WRITERS jobs shared the refused one */
	assert_int_equal((int)(c1 - c0), 1);
	assert_int_equal((int)(j1 - j0), 2 + GC_WRITERS);   /* the group and its nested create, the writers */
	/* the fault is gone: the next write is stored */
	gc_party(&after, &wl, "After");
	assert_int_equal(s->ops->waitee_create(s, &after), 0);
	assert_int_equal(gc_raw_count(path, "SELECT count(*) FROM waitees WHERE id = ?1", after.id), 1);
	assert_int_equal(gc_raw_count(path, "SELECT count(*) FROM waitees", NULL), 2);
	assert_int_equal(gc_raw_count(path, "PRAGMA integrity_check", NULL), 0);   /* "ok" reads as 0 */
	store_close(s);
}

/* No writer is answered before the commit of its batch is done: with every
 * commit held 300 ms inside SQLite's commit (before the WAL is written and
 * synced), each writer waits at least that long, and its row is visible
 * from another connection the moment it is answered. */
static void test_no_ack_before_commit(void **state)
{
	struct gc_lead lead;
	struct gc_writer w[GC_WRITERS];
	struct mt_waitlist wl;
	char path[512];
	struct store *s;
	int i;

	(void)state;
	s = gc_open(path, sizeof path, &wl);
	assert_int_equal(store_sqlite_test_commits(s, 0, 0, 300), 0);
	gc_run_batch(s, path, &wl, w, &lead);
	assert_int_equal(lead.result, 0);
	for (i = 0; i < GC_WRITERS; i++) {
		assert_int_equal(w[i].result, 0);
		assert_int_equal(w[i].visible_at_return, 1);
		/* queued behind the leader's commit, then its own batch's: >= one held commit */
		assert_true(w[i].returned_ms - w[i].submitted_ms >= 300);
	}
	assert_int_equal(store_sqlite_test_commits(s, 0, 0, 0), 0);
	store_close(s);
}

/* What the write-group unit tests do inside the group. */
struct gc_unit {
	struct mt_link link;       /* a guest link */
	struct mt_waitee w;        /* a party */
	struct mt_waitee dup;      /* a party whose create fails (its id exists) */
	struct queue *q;           /* queue sharing the store's writer, or NULL */
	int fail_with;             /* the unit's result after its writes (0 = keep) */
	int dup_result;            /* what the failing create answered */
	int read_back;             /* waitee_get of the party inside the group */
	char read_name[sizeof(((struct mt_waitee *)0)->name)]; /* the name it read */
};

/* Write group body: link, party, an existing party (fails alone), a message. */
static int gc_unit_fn(struct store *s, void *arg)
{
	struct gc_unit *u = arg;
	int r, res = 0;

	if ((r = s->ops->link_put(s, &u->link)) < 0 || (r = s->ops->waitee_create(s, &u->w)) < 0)
		return r;
	{
		/* a read inside the group sees the group's own writes (it runs on
		 * the writer connection, in the open transaction) */
		struct mt_waitee got;

		u->read_back = s->ops->waitee_get(s, u->w.waitlist_id, u->w.id, &got);
		snprintf(u->read_name, sizeof u->read_name, "%s", u->read_back == 0 ? got.name : "");
	}
	if (u->dup.id[0] != '\0')
		u->dup_result = s->ops->waitee_create(s, &u->dup);
	if (u->q != NULL) {
		struct queue_entry e = { "{\"probe\":1}", 0 };

		if ((r = u->q->ops->send_batch(u->q, &e, 1, &res, NULL)) < 0 || res < 0)
			return r < 0 ? r : res;
	}
	return u->fail_with;
}

/* Fills a unit with a new link and party for wl. */
static void gc_unit_new(struct gc_unit *u, const struct mt_waitlist *wl, const char *name)
{
	memset(u, 0, sizeof *u);
	gc_party(&u->w, wl, name);
	snprintf(u->link.key, sizeof u->link.key, "key-%s", u->w.id);
	snprintf(u->link.kind, sizeof u->link.kind, "%s", "guest");
	memcpy(u->link.tenant_id, wl->tenant_id, sizeof u->link.tenant_id);
	memcpy(u->link.waitlist_id, wl->id, sizeof u->link.waitlist_id);
	memcpy(u->link.waitee_id, u->w.id, sizeof u->link.waitee_id);
	u->link.enabled = 1;
	u->link.created_at = 1000;
}

/* Counts the unit's link, party and queued messages from another connection. */
static void gc_unit_seen(const char *path, const struct gc_unit *u, int *links, int *parties, int *msgs)
{
	*links = gc_raw_count(path, "SELECT count(*) FROM links WHERE key = ?1", u->link.key);
	*parties = gc_raw_count(path, "SELECT count(*) FROM waitees WHERE id = ?1", u->w.id);
	*msgs = gc_raw_count(path, "SELECT count(*) FROM mtq_messages", NULL);
}

/* A write group is one unit: all of it (link, party, queue message) or none;
 * a write failing inside undoes only itself; a refused commit stores nothing. */
static void test_write_group_atomic(void **state)
{
	struct mt_waitlist wl;
	struct gc_unit u;
	struct queue *q = NULL;
	struct mt_waitee first;
	uint64_t c0, j0, c1, j1;
	char path[512], *cause = NULL;
	struct store *s;
	int links, parties, msgs;

	(void)state;
	s = gc_open(path, sizeof path, &wl);
	assert_int_equal(queue_sqlite_open(path, NULL, &q, &cause), 0);
	free(cause);
	assert_int_equal(queue_sqlite_use_store(q, s), 0);
	assert_int_equal(queue_joins_store(q, s), 1);

	/* the unit fails after its writes: nothing of it is stored */
	gc_unit_new(&u, &wl, "Undone");
	u.q = q;
	u.fail_with = MT_EINVAL;
	assert_int_equal(store_write_group(s, gc_unit_fn, &u), MT_EINVAL);
	assert_int_equal(u.read_back, 0);
	assert_string_equal(u.read_name, "Undone");
	gc_unit_seen(path, &u, &links, &parties, &msgs);
	assert_int_equal(links, 0);
	assert_int_equal(parties, 0);
	assert_int_equal(msgs, 0);

	/* a create failing inside (the id exists) undoes itself only; one commit for all */
	gc_party(&first, &wl, "First");
	assert_int_equal(s->ops->waitee_create(s, &first), 0);
	gc_unit_new(&u, &wl, "Kept");
	u.q = q;
	u.dup = first;
	snprintf(u.dup.name, sizeof u.dup.name, "%s", "Impostor");
	assert_int_equal(store_sqlite_write_stats(s, &c0, &j0), 0);
	assert_int_equal(store_write_group(s, gc_unit_fn, &u), 0);
	assert_int_equal(store_sqlite_write_stats(s, &c1, &j1), 0);
	assert_int_equal(u.dup_result, MT_ECONFLICT);
	assert_int_equal(u.read_back, 0);
	assert_string_equal(u.read_name, "Kept");
	assert_int_equal((int)(c1 - c0), 1);
	assert_int_equal((int)(j1 - j0), 5);   /* the group, link, party, failed create, message */
	gc_unit_seen(path, &u, &links, &parties, &msgs);
	assert_int_equal(links, 1);
	assert_int_equal(parties, 1);
	assert_int_equal(msgs, 1);
	assert_int_equal(gc_raw_count(path, "SELECT count(*) FROM waitees WHERE name = 'Impostor'", NULL), 0);
	assert_int_equal(gc_raw_count(path, "SELECT count(*) FROM waitees WHERE name = 'First'", NULL), 1);
	/* the list's revision trigger ran inside the group as well */
	assert_int_equal(gc_raw_count(path, "SELECT active_n FROM waitlists", NULL), 2);

	/* the unit's commit is refused: link, party and message are all absent */
	gc_unit_new(&u, &wl, "Refused");
	u.q = q;
	assert_int_equal(store_sqlite_test_commits(s, 0, 1, 0), 0);
	assert_int_equal(store_write_group(s, gc_unit_fn, &u), MT_EIO);
	gc_unit_seen(path, &u, &links, &parties, &msgs);
	assert_int_equal(links, 0);
	assert_int_equal(parties, 0);
	assert_int_equal(msgs, 1);   /* only the earlier unit's */
	assert_int_equal(gc_raw_count(path, "SELECT active_n FROM waitlists", NULL), 2);

	queue_close(q);
	store_close(s);
}

/* One party of the count model. */
struct gc_model {
	struct mt_waitee w;        /* as stored */
	int deleted;               /* 1 once deleted */
};

/* Active parties of the model before id (NULL = all), live at now_s. */
static int gc_model_count(const struct gc_model *m, int n, const char *before, int64_t now_s)
{
	int i, c = 0;

	for (i = 0; i < n; i++) {
		const struct mt_waitee *w = &m[i].w;

		if (m[i].deleted || (before != NULL && strcmp(w->id, before) >= 0))
			continue;
		if ((w->status == MT_WAITING || w->status == MT_NOTIFIED || w->status == MT_CONFIRMED) &&
		    (w->expires_at == 0 || w->expires_at > now_s))
			c++;
	}
	return c;
}

/* What gc_fill_fn creates: n parties of a list in one unit. */
struct gc_fill {
	struct gc_model *m;        /* the parties */
	int n;                     /* how many */
};

/* Write group body: creates every party of the fill. */
static int gc_fill_fn(struct store *s, void *arg)
{
	struct gc_fill *f = arg;
	int i, r;

	for (i = 0; i < f->n; i++)
		if ((r = s->ops->waitee_create(s, &f->m[i].w)) < 0)
			return r;
	return 0;
}

/* The place in line from the list's active count (fast path, back of the
 * line) and from the front (long tails) equals a count over the model,
 * through status changes, expiry and deletes. */
static void test_count_active_matches(void **state)
{
	enum { N = 700 };
	static struct gc_model m[N];
	struct mt_waitlist wl;
	struct gc_fill fill = { m, N };
	char path[512], name[32];
	struct store *s;
	int64_t now_s = time(NULL);
	int i, k, got;
	unsigned seed = 7;

	(void)state;
	s = gc_open(path, sizeof path, &wl);
	memset(m, 0, sizeof m);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof name, "Party %d", i);
		gc_party(&m[i].w, &wl, name);
		mt_id_new(m[i].w.id, 1000000 + i);   /* ordered: party i joined i-th */
	}
	assert_int_equal(store_write_group(s, gc_fill_fn, &fill), 0);
	for (k = 0; k < 6; k++) {
		/* a round of changes: seat, cancel, re-queue, expire, delete */
		for (i = 0; i < N; i++) {
			struct mt_waitee c;
			unsigned r;

			seed = seed * 1103515245u + 12345u;
			r = (seed >> 16) % 100;
			/* expired parties are gone for the store (updates answer not found) */
			if (m[i].deleted || r >= 12 || (m[i].w.expires_at != 0 && m[i].w.expires_at <= now_s))
				continue;
			if (r == 0) {
				assert_int_equal(s->ops->waitee_delete(s, wl.id, m[i].w.id), 0);
				m[i].deleted = 1;
				continue;
			}
			c = m[i].w;
			c.status = r < 4 ? MT_SEATED : r < 6 ? MT_CANCELLED : r < 8 ? MT_WAITING : r < 10 ? MT_NOTIFIED
											   : MT_CONFIRMED;
			/* a few active parties with an expiry, live or past */
			c.expires_at = r == 10 ? now_s + 3600 : r == 11 ? now_s - 10 : c.status >= MT_SEATED ? now_s + 86400 : 0;
			assert_int_equal(s->ops->waitee_update(s, &c, m[i].w.version), 0);
			m[i].w = c;
		}
		assert_int_equal(s->ops->waitee_count_active(s, wl.id, NULL, &got), 0);
		assert_int_equal(got, gc_model_count(m, N, NULL, now_s));
		for (i = 0; i < N; i += (i > N - 300 ? 1 : 37)) {
			assert_int_equal(s->ops->waitee_count_active(s, wl.id, m[i].w.id, &got), 0);
			if (got != gc_model_count(m, N, m[i].w.id, now_s))
				fail_msg("round %d party %d: store %d, model %d", k, i, got,
					 gc_model_count(m, N, m[i].w.id, now_s));
		}
	}
	/* the kept count equals a recount from scratch */
	assert_int_equal(gc_raw_count(path, "SELECT active_n = (SELECT count(*) FROM waitees WHERE status IN (0, 1, 2)"
					    " AND expires_at = 0) FROM waitlists", NULL), 1);
	store_close(s);
}

/* Creates the temp dir; removes it at the end. */
static int gc_setup(void **state)
{
	(void)state;
	snprintf(gc_dir, sizeof gc_dir, "%s", "/tmp/maitre-gc-XXXXXX");
	return mkdtemp(gc_dir) == NULL ? -1 : 0;
}

/* SQLite's memory statistics are off once a store is open (their global
 * mutex, taken on every SQLite allocation, was contended by the HTTP, pool
 * and notifier threads): after stores were opened and written to, SQLite
 * has counted no memory in use, which it does with the statistics on. */
static void test_no_memory_statistics(void **state)
{
	struct mt_waitlist wl;
	struct mt_waitee w;
	struct store *s;
	char path[300];

	(void)state;
	s = gc_open(path, sizeof path, &wl);
	gc_party(&w, &wl, "Counted");
	assert_int_equal(s->ops->waitee_create(s, &w), 0);
	assert_true(gc_raw_count(path, "SELECT count(*) FROM waitees", NULL) == 1);
	assert_true(sqlite3_memory_used() == 0);
	assert_true(sqlite3_memory_highwater(0) == 0);
	store_close(s);
}

/* Removes the temp dir. */
static int gc_teardown(void **state)
{
	char cmd[320];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", gc_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failed_commit_fails_batch),
		cmocka_unit_test(test_no_ack_before_commit),
		cmocka_unit_test(test_write_group_atomic),
		cmocka_unit_test(test_count_active_matches),
		cmocka_unit_test(test_no_memory_statistics),
	};

	return cmocka_run_group_tests_name("group-commit", tests, gc_setup, gc_teardown);
}
