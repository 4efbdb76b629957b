/* The per-thread cache of wait estimates (backend/handlers/estcache.c):
 * a hit gives back what was put; another store, list, list version, party
 * size or UTC quarter hour misses; entries end after ESTCACHE_TTL_MS, on
 * estcache_invalidate, and are never kept when the generation read before
 * the reads has ended; the least recently used goes first; threads do not
 * share. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "handlers/estcache.h"

static const int store_a = 1, store_b = 2;   /* two "stores" (only their addresses matter) */
#define NOW_S 1700000200LL                    /* a UTC time, 100 s into a quarter hour */
#define MONO 5000000LL                        /* a monotonic time, ms */

/* A key for list id, version 3, size 4, at NOW_S. */
static struct estcache_key key(const char *id)
{
	struct estcache_key k = { &store_a, id, 3, 4, NOW_S };
	return k;
}

/* A value saying `minutes`. */
static struct estcache_val val(int minutes)
{
	struct estcache_val v;

	memset(&v, 0, sizeof v);
	v.e.minutes = minutes;
	v.e.source = "history";
	v.e.confidence = "high";
	v.e.parties = 21;
	v.hour = 19;
	snprintf(v.tz, sizeof v.tz, "%s", "Europe/Paris");
	return v;
}

/* Asserts a hit saying minutes (and the rest of val(minutes)). */
static void want_hit(const struct estcache_key *k, int64_t mono, int minutes)
{
	struct estcache_val got;

	assert_int_equal(estcache_get(k, mono, &got), 1);
	assert_int_equal(got.e.minutes, minutes);
	assert_string_equal(got.e.source, "history");
	assert_string_equal(got.e.confidence, "high");
	assert_int_equal(got.e.parties, 21);
	assert_int_equal(got.hour, 19);
	assert_string_equal(got.tz, "Europe/Paris");
}

static void want_miss(const struct estcache_key *k, int64_t mono)
{
	struct estcache_val got;

	assert_int_equal(estcache_get(k, mono, &got), 0);
}

static void test_hit_and_key(void **state)
{
	struct estcache_key k = key("L1"), o;
	struct estcache_val v = val(20);

	(void)state;
	estcache_invalidate();
	want_miss(&k, MONO);
	estcache_put(&k, estcache_generation(), MONO, &v);
	want_hit(&k, MONO, 20);
	/* the same quarter hour, later: still the same estimate */
	o = k;
	o.now_s = NOW_S + 700;
	want_hit(&o, MONO + 10, 20);
	/* each part of the key misses */
	o = k; o.scope = &store_b; want_miss(&o, MONO);
	o = k; o.list_id = "L2"; want_miss(&o, MONO);
	o = k; o.list_version = 4; want_miss(&o, MONO);
	o = k; o.party_size = 5; want_miss(&o, MONO);
	o = k; o.now_s = NOW_S + 800; want_miss(&o, MONO);   /* the next quarter hour */
	o = k; o.now_s = NOW_S - 101; want_miss(&o, MONO);   /* the one before */
	/* a put for the same key replaces */
	v = val(35);
	estcache_put(&k, estcache_generation(), MONO, &v);
	want_hit(&k, MONO, 35);
	/* no store or an oversized id: never kept */
	o = k; o.scope = NULL;
	estcache_put(&o, estcache_generation(), MONO, &v);
	want_miss(&o, MONO);
	o = k; o.list_id = "0123456789012345678901234567890123456789012345678901234567890123456789";
	estcache_put(&o, estcache_generation(), MONO, &v);
	want_miss(&o, MONO);
}

static void test_ttl(void **state)
{
	struct estcache_key k = key("L1");
	struct estcache_val v = val(20);

	(void)state;
	estcache_put(&k, estcache_generation(), MONO, &v);
	want_hit(&k, MONO + ESTCACHE_TTL_MS - 1, 20);
	want_miss(&k, MONO + ESTCACHE_TTL_MS);
	want_miss(&k, MONO);   /* a miss dropped it */
	/* a clock that went back does not stretch a life */
	estcache_put(&k, estcache_generation(), MONO, &v);
	want_miss(&k, MONO - ESTCACHE_TTL_MS - 1);
}

static void test_generation(void **state)
{
	struct estcache_key k = key("L1");
	struct estcache_val v = val(20);
	uint64_t gen;

	(void)state;
	estcache_put(&k, estcache_generation(), MONO, &v);
	want_hit(&k, MONO, 20);
	estcache_invalidate();
	want_miss(&k, MONO);
	/* computed from reads that began before a change: not kept */
	gen = estcache_generation();
	estcache_invalidate();
	estcache_put(&k, gen, MONO, &v);
	want_miss(&k, MONO);
	estcache_put(&k, estcache_generation(), MONO, &v);
	want_hit(&k, MONO, 20);
}

static void test_lru(void **state)
{
	struct estcache_key k[ESTCACHE_ENTRIES + 1];
	char ids[ESTCACHE_ENTRIES + 1][8];
	struct estcache_val v = val(20);
	int i;

	(void)state;
	estcache_invalidate();
	for (i = 0; i <= ESTCACHE_ENTRIES; i++) {
		snprintf(ids[i], sizeof ids[i], "L%d", i);
		k[i] = key(ids[i]);
	}
	for (i = 0; i < ESTCACHE_ENTRIES; i++)
		estcache_put(&k[i], estcache_generation(), MONO, &v);
	want_hit(&k[0], MONO, 20);               /* 0 used last: 1 is now the oldest */
	estcache_put(&k[ESTCACHE_ENTRIES], estcache_generation(), MONO, &v);
	want_miss(&k[1], MONO);
	want_hit(&k[0], MONO, 20);
	for (i = 2; i <= ESTCACHE_ENTRIES; i++)
		want_hit(&k[i], MONO, 20);
}

/* Another thread sees none of this thread's entries. */
static void *other_thread(void *arg)
{
	struct estcache_key k = key("L1");
	struct estcache_val got;

	*(int *)arg = estcache_get(&k, MONO, &got);
	return NULL;
}

static void test_threads(void **state)
{
	struct estcache_key k = key("L1");
	struct estcache_val v = val(20);
	pthread_t t;
	int got = -1;

	(void)state;
	estcache_put(&k, estcache_generation(), MONO, &v);
	want_hit(&k, MONO, 20);
	assert_int_equal(pthread_create(&t, NULL, other_thread, &got), 0);
	pthread_join(t, NULL);
	assert_int_equal(got, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_and_key),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_lru),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
