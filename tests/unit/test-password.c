/* Unit tests for password hashing (auth/password.c): Argon2id at OWASP cost,
 * verify, salts, and a dummy verify that costs as much as a real one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "auth/auth.h"
#include "core/error.h"

/* Monotonic seconds. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The hash is an Argon2id string with m >= 19 MiB and t >= 2. */
static void test_hash_format(void **state)
{
	char h[MT_PWHASH_SIZE];
	long m = 0, t = 0, p = 0;
	const char *params;

	(void)state;
	assert_int_equal(mt_password_hash("correct horse battery", h), 0);
	assert_memory_equal(h, "$argon2id$v=19$", 15);
	params = h + 15;
	assert_int_equal(sscanf(params, "m=%ld,t=%ld,p=%ld", &m, &t, &p), 3);
	assert_true(m >= 19 * 1024);   /* KiB */
	assert_true(t >= 2);
	assert_int_equal(p, 1);
	print_message("hash: m=%ld KiB t=%ld p=%ld\n", m, t, p);
}

/* Table: passwords that must verify against their own hash and not others. */
static void test_verify_table(void **state)
{
	static const char *const pws[] = {
		"password", "Password", "password ", "ünïcødé-пароль-密码", "a much longer passphrase with spaces in it",
	};
	enum { N = sizeof pws / sizeof pws[0] };
	char h[N][MT_PWHASH_SIZE];
	size_t i, j;

	(void)state;
	for (i = 0; i < N; i++)
		assert_int_equal(mt_password_hash(pws[i], h[i]), 0);
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++)
			assert_int_equal(mt_password_verify(h[i], pws[j]), i == j ? 0 : MT_EINVAL);
}

/* Same password, two hashes: different salts, both verify. */
static void test_salted(void **state)
{
	char a[MT_PWHASH_SIZE], b[MT_PWHASH_SIZE];

	(void)state;
	assert_int_equal(mt_password_hash("same password", a), 0);
	assert_int_equal(mt_password_hash("same password", b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(mt_password_verify(a, "same password"), 0);
	assert_int_equal(mt_password_verify(b, "same password"), 0);
}

/* Garbage, empty, NULL and non-Argon2id hashes never verify. */
static void test_bad_hashes(void **state)
{
	static const char *const bad[] = {
		"", "x", "$argon2id$", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA", "plaintext-password",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(mt_password_verify(bad[i], bad[i]), MT_EINVAL);
	assert_int_equal(mt_password_verify(NULL, "x"), MT_EINVAL);
	assert_int_equal(mt_password_verify("$argon2id$", NULL), MT_EINVAL);
}

/* The dummy verify costs about as much as a real verify (so an unknown
 * e-mail cannot be told from a wrong password by timing). */
static void test_dummy_equal_work(void **state)
{
	char h[MT_PWHASH_SIZE];
	double t0, real = 0, dummy = 0;
	int i;

	(void)state;
	assert_int_equal(mt_password_hash("some password", h), 0);
	mt_password_dummy_verify("warm-up");  /* first call also makes the dummy hash */
	for (i = 0; i < 5; i++) {
		t0 = now_s();
		assert_int_equal(mt_password_verify(h, "wrong password"), MT_EINVAL);
		real += now_s() - t0;
		t0 = now_s();
		mt_password_dummy_verify("wrong password");
		dummy += now_s() - t0;
	}
	print_message("5 verifies: real %.3f s, dummy %.3f s (ratio %.2f)\n", real, dummy, dummy / real);
	/* Argon2id at 19 MiB, t=2 takes milliseconds, not microseconds. */
	assert_true(real / 5 > 0.005);
	assert_true(dummy / real > 0.5 && dummy / real < 2.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_format),
		cmocka_unit_test(test_verify_table),
		cmocka_unit_test(test_salted),
		cmocka_unit_test(test_bad_hashes),
		cmocka_unit_test(test_dummy_equal_work),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
