/* The per-thread cache of rendered waitee-list pages (backend/handlers/listcache.c):
 * hits give back exactly what was put; any change of list, revision, limit,
 * cursor, status filter or store misses; entries end at their valid_until and
 * never live past LISTCACHE_TTL_MS; revision 0 and oversized pages are never
 * kept; the least recently used entry goes first; threads do not share. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "handlers/listcache.h"

static const int store_a = 1, store_b = 2;   /* two "stores" (only their addresses matter) */
#define T0 1700000000000LL                    /* a wall clock time, ms */

/* A key for list `id` at revision rev, default page. */
static struct listcache_key key(const char *id, int64_t rev)
{
	struct listcache_key k = { &store_a, id, rev, 100, NULL, NULL };
	return k;
}

/* Asserts a hit at now with this body and next cursor. */
static void want_hit(const struct listcache_key *k, int64_t now, const char *body, const char *next)
{
	struct listcache_body *b = NULL;
	char *n = NULL;

	assert_int_equal(listcache_get(k, now, &b, &n), 1);
	assert_non_null(b);
	assert_int_equal(b->len, strlen(body));
	assert_memory_equal(b->data, body, b->len + 1);
	if (next == NULL)
		assert_null(n);
	else
		assert_string_equal(n, next);
	listcache_release(b);
	free(n);
}

/* Asserts a miss at now (and that nothing is handed out). */
static void want_miss(const struct listcache_key *k, int64_t now)
{
	struct listcache_body *b = (struct listcache_body *)1;
	char *n = (char *)1;

	assert_int_equal(listcache_get(k, now, &b, &n), 0);
	assert_null(b);
	assert_null(n);
}

static void test_hit_and_keys(void **state)
{
	struct listcache_key k = key("01LISTA", 5), o;
	const char *body = "[{\"id\":\"x\",\"name\":\"caf\xc3\xa9\"}]";

	(void)state;
	listcache_clear();
	want_miss(&k, T0);
	listcache_put(&k, T0, INT64_MAX, body, strlen(body), "CURSOR1", "\"t1\"");
	want_hit(&k, T0, body, "CURSOR1");
	{
		struct listcache_body *b;
		char *next;

		assert_int_equal(listcache_get(&k, T0, &b, &next), 1);
		assert_string_equal(b->etag, "\"t1\"");   /* the tag is kept with the page */
		listcache_release(b);
		free(next);
	}
	want_hit(&k, T0 + 999, body, "CURSOR1");

	o = k; o.list_id = "01LISTB";
	want_miss(&o, T0);
	o = k; o.limit = 3;
	want_miss(&o, T0);
	o = k; o.cursor = "CURSOR1";
	want_miss(&o, T0);
	o = k; o.status = "waiting";
	want_miss(&o, T0);
	o = k; o.scope = &store_b;
	want_miss(&o, T0);
	/* "" and NULL query values are the same page */
	o = k; o.cursor = ""; o.status = "";
	want_hit(&o, T0, body, "CURSOR1");
	/* the cursor/status separator cannot be forged by moving text between them */
	{
		struct listcache_key p = k, q = k;

		p.cursor = "ab"; p.status = "c";
		q.cursor = "a"; q.status = "bc";
		listcache_put(&p, T0, INT64_MAX, "[1]", 3, NULL, NULL);
		want_miss(&q, T0);
		want_hit(&p, T0, "[1]", NULL);
		/* nor by a newline inside a value: such pages are not kept */
		p.cursor = "a\nb"; p.status = "c";
		q.cursor = "a"; q.status = "b\nc";
		listcache_put(&p, T0, INT64_MAX, "[2]", 3, NULL, NULL);
		want_miss(&p, T0);
		want_miss(&q, T0);
	}
	want_hit(&k, T0, body, "CURSOR1");
}

static void test_revision_change_drops(void **state)
{
	struct listcache_key k = key("01LISTA", 5), k6 = key("01LISTA", 6);

	(void)state;
	listcache_clear();
	listcache_put(&k, T0, INT64_MAX, "[\"old\"]", 7, NULL, NULL);
	want_miss(&k6, T0);
	/* the stale entry was dropped, not kept beside the new revision */
	want_miss(&k, T0);
	listcache_put(&k6, T0, INT64_MAX, "[\"new\"]", 7, NULL, NULL);
	want_hit(&k6, T0, "[\"new\"]", NULL);
	want_miss(&k, T0);
}

static void test_lifetimes(void **state)
{
	struct listcache_key k = key("01LISTA", 9);

	(void)state;
	listcache_clear();
	/* never past LISTCACHE_TTL_MS */
	listcache_put(&k, T0, INT64_MAX, "[]", 2, NULL, NULL);
	want_hit(&k, T0 + LISTCACHE_TTL_MS - 1, "[]", NULL);
	want_miss(&k, T0 + LISTCACHE_TTL_MS);
	/* ends when its first row expires */
	listcache_put(&k, T0, T0 + 250, "[]", 2, NULL, NULL);
	want_hit(&k, T0 + 249, "[]", NULL);
	want_miss(&k, T0 + 250);
	/* already over: not kept */
	listcache_put(&k, T0, T0, "[]", 2, NULL, NULL);
	want_miss(&k, T0);
}

static void test_not_kept(void **state)
{
	struct listcache_key k0 = key("01LISTA", 0), k = key("01LISTA", 1), longq = k;
	size_t big = LISTCACHE_BODY_MAX + 1;
	char *body = malloc(big), *cur = malloc(LISTCACHE_QUERY_MAX + 2);

	(void)state;
	assert_non_null(body);
	assert_non_null(cur);
	listcache_clear();
	listcache_put(&k0, T0, INT64_MAX, "[]", 2, NULL, NULL);
	want_miss(&k0, T0);
	memset(body, 'x', big);
	listcache_put(&k, T0, INT64_MAX, body, big, NULL, NULL);
	want_miss(&k, T0);
	/* exactly the limit is kept, byte for byte */
	body[LISTCACHE_BODY_MAX - 1] = '\0';
	listcache_put(&k, T0, INT64_MAX, body, LISTCACHE_BODY_MAX - 1, NULL, NULL);
	want_hit(&k, T0, body, NULL);
	memset(cur, 'c', LISTCACHE_QUERY_MAX + 1);
	cur[LISTCACHE_QUERY_MAX + 1] = '\0';
	longq.cursor = cur;
	listcache_put(&longq, T0, INT64_MAX, "[]", 2, NULL, NULL);
	want_miss(&longq, T0);
	free(body);
	free(cur);
}

static void test_lru(void **state)
{
	char ids[LISTCACHE_ENTRIES + 1][16];
	struct listcache_key k[LISTCACHE_ENTRIES + 1];
	int i;

	(void)state;
	listcache_clear();
	for (i = 0; i <= LISTCACHE_ENTRIES; i++) {
		snprintf(ids[i], sizeof ids[i], "01LIST%02d", i);
		k[i] = key(ids[i], 10 + i);
	}
	for (i = 0; i < LISTCACHE_ENTRIES; i++)
		listcache_put(&k[i], T0, INT64_MAX, ids[i], strlen(ids[i]), NULL, NULL);
	/* use entry 0 again: entry 1 becomes the least recently used */
	want_hit(&k[0], T0, ids[0], NULL);
	listcache_put(&k[LISTCACHE_ENTRIES], T0, INT64_MAX, ids[LISTCACHE_ENTRIES],
		      strlen(ids[LISTCACHE_ENTRIES]), NULL, NULL);
	want_miss(&k[1], T0);
	want_hit(&k[0], T0, ids[0], NULL);
	for (i = 2; i <= LISTCACHE_ENTRIES; i++)
		want_hit(&k[i], T0, ids[i], NULL);
	listcache_clear();
	for (i = 0; i <= LISTCACHE_ENTRIES; i++)
		want_miss(&k[i], T0);
}

/* Another thread: what the main thread put is not there; its own entry is. */
static void *other_thread(void *arg)
{
	struct listcache_key k = key("01LISTA", 77);
	int *ok = arg;
	struct listcache_body *b = NULL;
	char *n = NULL;

	*ok = listcache_get(&k, T0, &b, &n) == 0;
	listcache_put(&k, T0, INT64_MAX, "[\"thread\"]", 10, NULL, NULL);
	*ok = *ok && listcache_get(&k, T0, &b, &n) == 1 && strcmp(b->data, "[\"thread\"]") == 0;
	listcache_release(b);
	free(n);
	return NULL;   /* the thread's entries are freed by the key destructor (ASan checks) */
}

static void test_threads(void **state)
{
	struct listcache_key k = key("01LISTA", 77);
	pthread_t t;
	int ok = 0;

	(void)state;
	listcache_clear();
	listcache_put(&k, T0, INT64_MAX, "[\"main\"]", 8, NULL, NULL);
	assert_int_equal(pthread_create(&t, NULL, other_thread, &ok), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(ok);
	want_hit(&k, T0, "[\"main\"]", NULL);
	listcache_clear();
}

/* A page lent to an answer outlives its entry: replaced (new revision),
 * evicted or cleared, the bytes stay until the last lease is given back
 * (ASan sees a use after free or a leak). */
static void test_lent_outlives_entry(void **state)
{
	struct listcache_key k = key("01LISTA", 5), k6 = key("01LISTA", 6);
	struct listcache_body *a = NULL, *b = NULL;
	char *n = NULL;

	(void)state;
	listcache_clear();
	listcache_put(&k, T0, INT64_MAX, "[\"first\"]", 9, "C1", NULL);
	assert_int_equal(listcache_get(&k, T0, &a, &n), 1);
	free(n);
	assert_int_equal(listcache_get(&k, T0, &b, &n), 1);
	free(n);
	assert_ptr_equal(a, b);                       /* one copy, two leases */
	want_miss(&k6, T0);                           /* new revision: the entry goes */
	listcache_put(&k6, T0, INT64_MAX, "[\"second\"]", 10, NULL, NULL);
	listcache_clear();
	assert_string_equal(a->data, "[\"first\"]");   /* still readable */
	listcache_release(a);
	assert_string_equal(b->data, "[\"first\"]");
	listcache_release(b);                         /* the last one frees it */
	listcache_release(NULL);                      /* NULL-safe */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_and_keys),
		cmocka_unit_test(test_revision_change_drops),
		cmocka_unit_test(test_lifetimes),
		cmocka_unit_test(test_not_kept),
		cmocka_unit_test(test_lru),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_lent_outlives_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
