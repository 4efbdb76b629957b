/* tui/kit/desknotify.c's once-per-key set: first time 1, then 0; forget
 * makes it 1 again; growth past the first buckets keeps every key; long keys
 * refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kit/desknotify.h"

/* One step: a call and its expected answer. */
struct once_step {
	char op;          /* 'f' = first, 'x' = forget */
	const char *key;  /* key */
	int want;         /* tk_once_first's answer (for 'f') */
	size_t count;     /* count afterwards */
};

static const struct once_step steps[] = {
	{ 'f', "01J9ZK:over-quote", 1, 1 },
	{ 'f', "01J9ZK:over-quote", 0, 1 },
	{ 'f', "01J9ZM:over-quote", 1, 2 },
	{ 'f', "01J9ZK:failed", 1, 3 },
	{ 'x', "01J9ZK:over-quote", 0, 2 },
	{ 'x', "never-seen", 0, 2 },
	{ 'f', "01J9ZK:over-quote", 1, 3 },
	{ 'f', "", 1, 4 },
	{ 'f', "", 0, 4 },
};

/* The table of calls gives the expected answers. */
static void test_steps(void **state)
{
	struct tk_once *o = tk_once_new();
	size_t i;

	(void)state;
	assert_non_null(o);
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		const struct once_step *s = &steps[i];

		if (s->op == 'f') {
			if (tk_once_first(o, s->key) != s->want)
				fail_msg("step %zu: first('%s') != %d", i, s->key, s->want);
		} else {
			tk_once_forget(o, s->key);
		}
		assert_int_equal(tk_once_count(o), s->count);
	}
	tk_once_free(o);
}

/* 5,000 keys: all remembered across growth, each answered once. */
static void test_many(void **state)
{
	struct tk_once *o = tk_once_new();
	char key[32];
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "party-%d:over", i);
		assert_int_equal(tk_once_first(o, key), 1);
	}
	assert_int_equal(tk_once_count(o), 5000);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "party-%d:over", i);
		assert_int_equal(tk_once_first(o, key), 0);
	}
	for (i = 0; i < 5000; i += 2) {
		snprintf(key, sizeof key, "party-%d:over", i);
		tk_once_forget(o, key);
	}
	assert_int_equal(tk_once_count(o), 2500);
	snprintf(key, sizeof key, "party-%d:over", 4998);
	assert_int_equal(tk_once_first(o, key), 1);
	snprintf(key, sizeof key, "party-%d:over", 4999);
	assert_int_equal(tk_once_first(o, key), 0);
	tk_once_free(o);
}

/* Long keys and NULLs are refused; NULL sets are harmless. */
static void test_limits(void **state)
{
	struct tk_once *o = tk_once_new();
	char key[200];

	(void)state;
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	assert_int_equal(tk_once_first(o, key), -1);
	key[127] = '\0';
	assert_int_equal(tk_once_first(o, key), 1);
	assert_int_equal(tk_once_first(o, NULL), -1);
	assert_int_equal(tk_once_first(NULL, "a"), -1);
	tk_once_forget(NULL, "a");
	assert_int_equal(tk_once_count(NULL), 0);
	tk_once_free(NULL);
	tk_once_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
