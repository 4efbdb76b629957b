/* core/jsonesc: the shared JSON string escaper and integer writer.
 * Table-driven cases for each policy (control bytes, quotes, backslash,
 * DEL, UTF-8 and invalid UTF-8 passthrough, runs across the 8-byte word
 * boundaries), then every byte value at every position of a 1..40-byte
 * string and random strings against a byte-at-a-time reference, and the
 * integer writer against snprintf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/jsonesc.h"

#define SHORT MT_JSONESC_SHORT
#define DEL MT_JSONESC_DEL

/* One case: input (n bytes), flags, expected output. */
struct esc_case {
	const char *in;        /* input bytes */
	size_t n;              /* input length (may include NULs) */
	unsigned flags;        /* policy */
	const char *want;      /* expected escaped text */
};

/* Input given as a string literal (length without the final NUL). */
#define CASE(in, flags, want) { in, sizeof(in) - 1, flags, want }

static const struct esc_case esc_cases[] = {
	CASE("", SHORT, ""),
	CASE("plain", SHORT, "plain"),
	CASE("exactly8", SHORT, "exactly8"),
	CASE("sixteen bytes ok", SHORT, "sixteen bytes ok"),
	CASE("\"", SHORT, "\\\""),
	CASE("\\", SHORT, "\\\\"),
	CASE("a\"b\\c", SHORT, "a\\\"b\\\\c"),
	CASE("\b\f\n\r\t", SHORT, "\\b\\f\\n\\r\\t"),
	CASE("\b\f\n\r\t", 0, "\\u0008\\u000c\\u000a\\u000d\\u0009"),
	CASE("\b\f\n\r\t", DEL, "\\u0008\\u000c\\u000a\\u000d\\u0009"),
	CASE("\x01\x1f\x0b", SHORT, "\\u0001\\u001f\\u000b"),
	CASE("x\0y", SHORT, "x\\u0000y"),
	CASE(" ", SHORT, " "),
	CASE("/", SHORT, "/"),                  /* '/' is never escaped */
	CASE("\x7f", SHORT, "\x7f"),            /* DEL passes unless asked */
	CASE("\x7f", DEL, "\\u007f"),
	CASE("a\x7f" "b\x7f", DEL | SHORT, "a\\u007fb\\u007f"),
	CASE("Zo\xc3\xab \xe5\xb1\xb1 \xf0\x9f\x8d\xbd", SHORT, "Zo\xc3\xab \xe5\xb1\xb1 \xf0\x9f\x8d\xbd"),
	CASE("\xff\xfe\x80\xc3", SHORT, "\xff\xfe\x80\xc3"),   /* invalid UTF-8: passed as is */
	CASE("\xff\xfe\x80\xc3", DEL, "\xff\xfe\x80\xc3"),
	/* escapes at each position of the first and second word */
	CASE("\"1234567", SHORT, "\\\"1234567"),
	CASE("1234567\"", SHORT, "1234567\\\""),
	CASE("12345678\"", SHORT, "12345678\\\""),
	CASE("1234567\n89abcdef", SHORT, "1234567\\n89abcdef"),
	CASE("12345678\n9abcdefg", SHORT, "12345678\\n9abcdefg"),
	CASE("\n\n\n\n\n\n\n\n\n", SHORT, "\\n\\n\\n\\n\\n\\n\\n\\n\\n"),
	CASE("\x1f\x20\x21\x22\x5b\x5c\x5d\x7e\x7f\x80", SHORT, "\\u001f !\\\"[\\\\]~\x7f\x80"),
	CASE("\x1f\x20\x21\x22\x5b\x5c\x5d\x7e\x7f\x80", DEL, "\\u001f !\\\"[\\\\]~\\u007f\x80"),
	/* high bytes next to the bytes the word test looks for */
	CASE("\xa2\xdc\xa0\x9f\xff\x22\x5c\x01", SHORT, "\xa2\xdc\xa0\x9f\xff\\\"\\\\\\u0001"),
};

/* The cases in the table. */
static void test_jsonesc_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof esc_cases / sizeof esc_cases[0]; i++) {
		const struct esc_case *c = &esc_cases[i];
		char out[256];
		size_t n;

		memset(out, '#', sizeof out);
		n = mt_jsonesc(out, c->in, c->n, c->flags);
		if (n != strlen(c->want) || memcmp(out, c->want, n) != 0)
			fail_msg("case %zu: got \"%.*s\" (%zu bytes), want \"%s\"", i, (int)n, out, n, c->want);
		assert_true(n <= MT_JSONESC_MAX(c->n));
	}
}

/* Byte-at-a-time reference: the escaping maitre used before the shared one. */
static size_t ref_esc(char *o, const unsigned char *s, size_t n, unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			o[k++] = '\\';
			o[k++] = (char)c;
		} else if ((flags & SHORT) && (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')) {
			o[k++] = '\\';
			o[k++] = c == '\b' ? 'b' : c == '\f' ? 'f' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || (c == 0x7f && (flags & DEL))) {
			o[k++] = '\\';
			o[k++] = 'u';
			o[k++] = '0';
			o[k++] = '0';
			o[k++] = hex[c >> 4];
			o[k++] = hex[c & 15];
		} else {
			o[k++] = (char)c;
		}
	}
	return k;
}

/* Escapes in (n bytes) both ways under flags and compares; the output
 * buffer is exactly MT_JSONESC_MAX(n) long (ASan catches writes past it). */
static void esc_compare(const unsigned char *in, size_t n, unsigned flags)
{
	char *got = malloc(MT_JSONESC_MAX(n) + 1);
	char want[6 * 64];
	size_t gn, wn;

	assert_non_null(got);
	assert_true(n <= 64);
	gn = mt_jsonesc(got, (const char *)in, n, flags);
	wn = ref_esc(want, in, n, flags);
	if (gn != wn || memcmp(got, want, wn) != 0)
		fail_msg("n=%zu flags=%u: got %zu bytes, want %zu", n, flags, gn, wn);
	free(got);
}

/* Every byte value at every position of strings of 1..40 plain bytes,
 * under every policy: exercises the word test's borrows and positions. */
static void test_jsonesc_every_byte(void **state)
{
	unsigned char in[40];
	size_t n, pos;
	unsigned c, flags;

	(void)state;
	for (flags = 0; flags < 4; flags++)
		for (n = 1; n <= sizeof in; n++)
			for (pos = 0; pos < n; pos++)
				for (c = 0; c < 256; c++) {
					unsigned char *in_heap;

					memset(in, 'a' + (int)(pos % 26), n);
					in[pos] = (unsigned char)c;
					/* exact-size heap copy: any read past n is an ASan error */
					in_heap = malloc(n);
					assert_non_null(in_heap);
					memcpy(in_heap, in, n);
					esc_compare(in_heap, n, flags);
					free(in_heap);
				}
}

/* Random strings from a byte set rich in the interesting values. */
static void test_jsonesc_random(void **state)
{
	static const unsigned char pick[] = { 0x00, 0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, 0x20, 0x21,
					      0x22, 0x23, 0x2f, 0x5b, 0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0xa2,
					      0xbf, 0xc3, 0xdc, 0xe5, 0xf0, 0xff, 'a', 'b', 'Z', '0' };
	unsigned seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 200000; round++) {
		unsigned char in[64];
		size_t n, i;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 65;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly plain letters, so long runs and sparse escapes both occur */
			in[i] = (seed >> 16) % 4 == 0 ? pick[(seed >> 18) % sizeof pick] : (unsigned char)('a' + (seed >> 20) % 26);
		}
		esc_compare(in, n, (unsigned)round & 3u);
	}
}

/* mt_jsonesc_field: text in a char array of cap bytes, NUL anywhere (or
 * none), any bytes after the NUL; the array is an exact-size heap block, so
 * a read past it is an ASan error. Must equal escaping the text up to the
 * NUL (or all cap bytes). */
static void test_jsonesc_field(void **state)
{
	unsigned seed = 777;
	size_t cap, nul;
	unsigned flags;

	(void)state;
	for (flags = 0; flags < 4; flags++)
		for (cap = 1; cap <= 40; cap++)
			for (nul = 0; nul <= cap; nul++) {   /* nul == cap: no NUL at all */
				unsigned char *a = malloc(cap);
				char *got = malloc(MT_JSONESC_MAX(cap) + 1);
				char want[6 * 40];
				size_t i, gn, wn, len = nul < cap ? nul : cap;

				assert_non_null(a);
				assert_non_null(got);
				for (i = 0; i < cap; i++) {
					seed = seed * 1103515245u + 12345u;
					a[i] = (unsigned char)(seed >> 16);
					if (i < len && a[i] == 0)
						a[i] = (unsigned char)('"' + (i & 1) * ('\\' - '"'));   /* no early NUL */
				}
				if (nul < cap)
					a[nul] = 0;
				gn = mt_jsonesc_field(got, (const char *)a, cap, flags);
				wn = ref_esc(want, a, len, flags);
				if (gn != wn || memcmp(got, want, wn) != 0)
					fail_msg("cap=%zu nul=%zu flags=%u: got %zu bytes, want %zu", cap, nul, flags, gn, wn);
				free(got);
				free(a);
			}
	/* the table's cases as fields (NUL right after the text) */
	{
		char f[32] = "a\"b\\c\n\x7f\xc3\xab end";
		char got[6 * 32];
		size_t n = mt_jsonesc_field(got, f, sizeof f, SHORT);

		assert_int_equal(n, strlen("a\\\"b\\\\c\\n\x7f\xc3\xab end"));
		assert_memory_equal(got, "a\\\"b\\\\c\\n\x7f\xc3\xab end", n);
	}
}

/* mt_json_int against snprintf for edge and random values. */
static void test_json_int(void **state)
{
	static const int64_t edge[] = { 0, 1, -1, 9, 10, -10, 99, 100, 101, -99, -100, 999, 1000,
					1795875260453LL, -1795875260453LL, 9007199254740991LL,
					INT64_MAX, INT64_MIN, INT64_MIN + 1, INT32_MAX, INT32_MIN };
	uint64_t x = 88172645463325252ULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof edge / sizeof edge[0] + 200000; i++) {
		int64_t v;
		char got[MT_JSON_INT_MAX + 1], want[32];
		size_t n;

		if (i < sizeof edge / sizeof edge[0]) {
			v = edge[i];
		} else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v = (int64_t)(x >> (1 + x % 63));   /* all magnitudes below 2^63 */
			if (x & 1)
				v = -v;
		}
		n = mt_json_int(got, v);
		got[n] = '\0';
		snprintf(want, sizeof want, "%lld", (long long)v);
		if (strcmp(got, want) != 0)
			fail_msg("mt_json_int(%s) gave %s", want, got);
	}
	/* every digit count: 10^k - 1, 10^k, 10^k + 1 and their negatives */
	{
		int64_t p = 1;
		int k, d, sign;

		for (k = 0; k <= 18; k++, p = k <= 18 ? p * 10 : p)
			for (d = -1; d <= 1; d++)
				for (sign = -1; sign <= 1; sign += 2) {
					int64_t v = sign * (p + d);
					char got[MT_JSON_INT_MAX + 1], want[32];
					size_t n = mt_json_int(got, v);

					got[n] = '\0';
					snprintf(want, sizeof want, "%lld", (long long)v);
					if (strcmp(got, want) != 0)
						fail_msg("mt_json_int(%s) gave %s", want, got);
				}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonesc_table),
		cmocka_unit_test(test_jsonesc_every_byte),
		cmocka_unit_test(test_jsonesc_random),
		cmocka_unit_test(test_jsonesc_field),
		cmocka_unit_test(test_json_int),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
