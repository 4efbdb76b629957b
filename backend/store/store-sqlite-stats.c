/* Stats counters (core/stats.h) in the SQLite store: the `stat_counters`
 * table (one row per list, UTC hour joined, party size and counter name),
 * its SQL and operations. A party's finish is one upsert per counter it
 * touches, all in one transaction; reads are ranges of the primary key. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "store/store-sqlite-private.h"

#define STATS_SQLITE_HOURS 28   /* hours one SQ_STAT_HOUR statement asks for (the estimate's 28 days) */

/* Statements of this file, by enum store_sqlite_sq (store_sqlite_sql_of). */
const struct store_sqlite_sql store_sqlite_sql_stats[SQ__COUNT] = {
	[SQ_STAT_ADD] = {"stat_add",
		"INSERT INTO stat_counters (waitlist_id, hour, party_size, counter, value) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (waitlist_id, hour, party_size, counter) DO UPDATE SET value = value + excluded.value"},
	[SQ_STAT_RANGE] = {"stat_range",
		"SELECT hour, party_size, counter, value FROM stat_counters"
		" WHERE waitlist_id = ?1 AND hour >= ?2 AND hour < ?3 ORDER BY hour, party_size"},
	/* STATS_SQLITE_HOURS hours at once (unused places bound to -1) */
	[SQ_STAT_HOUR] = {"stat_hours",
		"SELECT hour, party_size, counter, value FROM stat_counters"
		" WHERE waitlist_id = ?1 AND party_size = ?2 AND hour IN (?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)"},
};

/* Input of the stat_add job. */
struct stats_add_args {
	const char *waitlist_id;          /* list */
	const struct mt_stat_delta *d;    /* amounts */
};

/* Job of store_sqlite_stat_add: one upsert per counter, in the job's transaction. */
static int store_sqlite_stat_add_job(struct store_sqlite *s, struct store_sqlite_conn *c, void *arg)
{
	struct stats_add_args *a = arg;
	sqlite3_stmt *st = NULL;
	char name[16];
	int i, r;

	for (i = 0; i < a->d->n; i++) {
		if (mt_stat_counter_name(a->d->idx[i], name, sizeof name) < 0)
			return MT_EINVAL;
		if ((r = store_sqlite_stmt(c, SQ_STAT_ADD, &st)) < 0)
			return r;
		BIND_STR(st, 1, a->waitlist_id);
		sqlite3_bind_int64(st, 2, a->d->hour);
		sqlite3_bind_int(st, 3, a->d->party_size);
		BIND_STR(st, 4, name);
		sqlite3_bind_int64(st, 5, a->d->v[i]);
		if ((r = store_sqlite_write(s, c, st, NULL)) < 0)
			return r;
	}
	return 0;
}

/* Adds a party's amounts to its bucket. */
int store_sqlite_stat_add(struct store *base, const char *waitlist_id, const struct mt_stat_delta *d)
{
	struct stats_add_args a = { waitlist_id, d };

	if (waitlist_id == NULL || d == NULL || d->n < 0 || d->n > MT_STAT_DELTA_MAX)
		return MT_EINVAL;
	if (d->n == 0)
		return 0;
	return store_sqlite_submit(base, store_sqlite_stat_add_job, &a);
}

/* Steps st (bound) and hands fn each bucket its rows make up. Rows come in
 * primary-key order; were a bucket's rows ever apart, fn would get it in
 * parts, which the callers (they add buckets up) take the same. */
static int store_sqlite_stat_walk(struct store_sqlite *s, struct store_sqlite_conn *c, sqlite3_stmt *st,
				  int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud)
{
	struct mt_stat_bucket *b = calloc(1, sizeof *b);
	int rc, r = 0, have = 0;

	if (b == NULL) {
		store_sqlite_done(s, st);
		return MT_ENOMEM;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t hour = sqlite3_column_int64(st, 0);
		int size = sqlite3_column_int(st, 1), idx;

		if (have && (hour != b->hour || size != b->party_size)) {
			if ((r = fn(b, ud)) != 0)
				break;
			have = 0;
		}
		if (!have) {
			memset(b, 0, sizeof *b);
			b->hour = hour;
			b->party_size = size;
			have = 1;
		}
		idx = mt_stat_counter_index((const char *)sqlite3_column_text(st, 2));
		if (idx >= 0)   /* a counter a newer version added: not ours to read */
			b->v[idx] = sqlite3_column_int64(st, 3);
	}
	if (r == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_sqlite_err(c, rc);
	store_sqlite_done(s, st);
	if (r == 0 && have)
		r = fn(b, ud);
	free(b);
	return r;
}

/* Hands fn the list's buckets with from_hour <= hour < to_hour. */
int store_sqlite_stat_range(struct store *base, const char *waitlist_id, int64_t from_hour, int64_t to_hour,
			    int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	int r;

	if (waitlist_id == NULL || fn == NULL)
		return MT_EINVAL;
	if ((r = store_sqlite_stmt(c, SQ_STAT_RANGE, &st)) < 0)
		return r;
	BIND_STR(st, 1, waitlist_id);
	sqlite3_bind_int64(st, 2, from_hour);
	sqlite3_bind_int64(st, 3, to_hour);
	return store_sqlite_stat_walk(s, c, st, fn, ud);
}

/* Hands fn the list's buckets of one party size at the given hours: one statement per 28 hours. */
int store_sqlite_stat_hours(struct store *base, const char *waitlist_id, int party_size, const int64_t *hours,
			    size_t nh, int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud)
{
	STORE_SQLITE_ENTER(base, s, c);
	sqlite3_stmt *st = NULL;
	size_t i;
	int r;

	if (waitlist_id == NULL || fn == NULL || (nh > 0 && hours == NULL))
		return MT_EINVAL;
	for (i = 0; i < nh; i += STATS_SQLITE_HOURS) {
		size_t k;

		if ((r = store_sqlite_stmt(c, SQ_STAT_HOUR, &st)) < 0)
			return r;
		BIND_STR(st, 1, waitlist_id);
		sqlite3_bind_int(st, 2, party_size);
		for (k = 0; k < STATS_SQLITE_HOURS; k++)
			sqlite3_bind_int64(st, (int)k + 3, i + k < nh ? hours[i + k] : -1);
		if ((r = store_sqlite_stat_walk(s, c, st, fn, ud)) != 0)
			return r;
	}
	return 0;
}
