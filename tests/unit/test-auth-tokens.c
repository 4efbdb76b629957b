/* Unit tests for refresh-token strings (auth/refresh.c) and the login
 * throttling rules (auth/throttle.c), without a store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"
#include "core/id.h"

#define T0 1764330000000LL   /* fixed start time, ms */

/* A new token has the documented shape and its hash is SHA-256 of the whole string. */
static void test_refresh_new(void **state)
{
	char fam[MT_ID_SIZE], tok[MT_REFRESH_TOKEN_SIZE], hash[65], fam2[MT_ID_SIZE], hash2[65];
	unsigned char raw[64], h[crypto_hash_sha256_BYTES];
	char hex[65];
	size_t rawlen;

	(void)state;
	assert_int_equal(mt_sodium_init(), 0);
	mt_id_new(fam, T0);
	assert_int_equal(mt_refresh_new(fam, tok, hash), 0);
	assert_int_equal(strlen(tok), MT_ID_LEN + 1 + 43);
	assert_memory_equal(tok, fam, MT_ID_LEN);
	assert_int_equal(tok[MT_ID_LEN], '.');
	assert_int_equal(sodium_base642bin(raw, sizeof raw, tok + MT_ID_LEN + 1, 43, NULL, &rawlen, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	assert_int_equal(rawlen, 32);
	crypto_hash_sha256(h, (const unsigned char *)tok, strlen(tok));
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	assert_string_equal(hash, hex);
	/* parse gives the same family and hash back. */
	assert_int_equal(mt_refresh_parse(tok, fam2, hash2), 0);
	assert_string_equal(fam2, fam);
	assert_string_equal(hash2, hash);
	/* Two tokens of one family differ. */
	{
		char tok2[MT_REFRESH_TOKEN_SIZE], h3[65];

		assert_int_equal(mt_refresh_new(fam, tok2, h3), 0);
		assert_string_not_equal(tok, tok2);
		assert_string_not_equal(hash, h3);
	}
	assert_int_equal(mt_refresh_new("not-an-id", tok, hash), MT_EINVAL);
}

/* Malformed tokens are refused by parse. */
static void test_refresh_parse_bad(void **state)
{
	char fam[MT_ID_SIZE], tok[MT_REFRESH_TOKEN_SIZE], hash[65], bad[200];
	char f2[MT_ID_SIZE], h2[65];
	size_t i;

	(void)state;
	mt_id_new(fam, T0);
	assert_int_equal(mt_refresh_new(fam, tok, hash), 0);
	static const char *const fixed[] = { "", ".", "abc", "01JDXYZ0000000000000000000.", "x.y" };
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		assert_int_equal(mt_refresh_parse(fixed[i], f2, h2), MT_EINVAL);
	assert_int_equal(mt_refresh_parse(NULL, f2, h2), MT_EINVAL);
	/* One character too many or too few. */
	snprintf(bad, sizeof bad, "%sA", tok);
	assert_int_equal(mt_refresh_parse(bad, f2, h2), MT_EINVAL);
	snprintf(bad, sizeof bad, "%.*s", (int)strlen(tok) - 1, tok);
	assert_int_equal(mt_refresh_parse(bad, f2, h2), MT_EINVAL);
	/* Wrong separator, bad family, bad alphabet. */
	snprintf(bad, sizeof bad, "%s", tok);
	bad[MT_ID_LEN] = ':';
	assert_int_equal(mt_refresh_parse(bad, f2, h2), MT_EINVAL);
	snprintf(bad, sizeof bad, "%s", tok);
	bad[3] = 'u';  /* 'u' is not Crockford base32 */
	assert_int_equal(mt_refresh_parse(bad, f2, h2), MT_EINVAL);
	snprintf(bad, sizeof bad, "%s", tok);
	bad[MT_ID_LEN + 5] = '+';
	assert_int_equal(mt_refresh_parse(bad, f2, h2), MT_EINVAL);
}

/* One step of a throttling scenario. */
struct throttle_step {
	int64_t at_ms;          /* time of the attempt, from T0 */
	int fail;               /* 1: a failed login is recorded (only if not locked) */
	int64_t want_retry_s;   /* expected mt_throttle_retry_after before the attempt */
};

/* Runs a scenario: check the lock, then record a failure if asked. */
static void run_steps(const struct throttle_step *s, size_t n)
{
	struct mt_user u;
	size_t i;

	memset(&u, 0, sizeof u);
	for (i = 0; i < n; i++) {
		int64_t now = T0 + s[i].at_ms, got = mt_throttle_retry_after(&u, now);

		if (got != s[i].want_retry_s)
			fail_msg("step %zu: retry_after %lld, want %lld", i, (long long)got,
				 (long long)s[i].want_retry_s);
		if (s[i].fail && got == 0)
			mt_throttle_fail(&u, now);
	}
}

/* Five failures in the window lock until the window (from the first failure) ends. */
static void test_throttle_lock(void **state)
{
	static const struct throttle_step steps[] = {
		{ 0, 1, 0 }, { 1000, 1, 0 }, { 2000, 1, 0 }, { 3000, 1, 0 },
		{ 4000, 1, 0 },                 /* 5th failure */
		{ 5000, 0, 895 },               /* locked: 900 - 5 s */
		{ 899000, 0, 1 },               /* 1 s left */
		{ 899001, 0, 1 },               /* rounds up */
		{ 900000, 0, 0 },               /* window over */
		{ 900000, 1, 0 },               /* a failure starts a new window with count 1 */
		{ 900001, 0, 0 },
	};

	(void)state;
	run_steps(steps, sizeof steps / sizeof steps[0]);
}

/* Failures spread over more than the window never lock. */
static void test_throttle_spread(void **state)
{
	static const struct throttle_step steps[] = {
		{ 0, 1, 0 }, { 300000, 1, 0 }, { 600000, 1, 0 }, { 899999, 1, 0 },
		{ 900000, 1, 0 },   /* first window over: new window, count 1 */
		{ 900001, 1, 0 }, { 900002, 1, 0 }, { 900003, 1, 0 },
		{ 900004, 1, 0 },   /* 5th of the new window */
		{ 900005, 0, 900 }, /* locked until 900000 + 900000 */
	};

	(void)state;
	run_steps(steps, sizeof steps / sizeof steps[0]);
}

/* reset clears, and reports whether it changed anything; a clock that went
 * back never makes the wait longer than one window. */
static void test_throttle_reset(void **state)
{
	struct mt_user u;
	int i;

	(void)state;
	memset(&u, 0, sizeof u);
	assert_int_equal(mt_throttle_reset(&u), 0);
	for (i = 0; i < 5; i++)
		mt_throttle_fail(&u, T0);
	assert_int_equal(u.failed_logins, 5);
	assert_int_equal(u.fail_window_start, T0);
	assert_int_equal(mt_throttle_retry_after(&u, T0 - 3600 * 1000), 900);
	assert_int_equal(mt_throttle_reset(&u), 1);
	assert_int_equal(u.failed_logins, 0);
	assert_int_equal(u.fail_window_start, 0);
	assert_int_equal(mt_throttle_retry_after(&u, T0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refresh_new),
		cmocka_unit_test(test_refresh_parse_bad),
		cmocka_unit_test(test_throttle_lock),
		cmocka_unit_test(test_throttle_spread),
		cmocka_unit_test(test_throttle_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
