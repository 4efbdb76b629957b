/* List ETags (handlers/etag.c): the tag against an independent BLAKE2b
 * (Python hashlib, digest_size=16, over body + NUL + cursor), what changes
 * it, and If-None-Match parsing (lists, W/, "*", malformed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/error.h"
#include "handlers/etag.h"
#include "apigw/apigw.h"

/* Known answers computed with hashlib.blake2b(..., digest_size=16). */
static void test_etag_known_answers(void **state)
{
	char t[ETAG_SIZE];

	(void)state;
	assert_int_equal(etag_of("[{\"id\":1}]", 10, "NEXT", t), 0);
	assert_string_equal(t, "\"735000ab1bcedb8bb38c2709680c8f15\"");
	assert_int_equal(etag_of("[]", 2, NULL, t), 0);
	assert_string_equal(t, "\"d20cde4ea16b8e700f217904ccc77a34\"");
	assert_int_equal(strlen(t), ETAG_SIZE - 1);
}

/* One byte of body or cursor changes the tag; body/cursor boundary counts. */
static void test_etag_changes(void **state)
{
	char a[ETAG_SIZE], b[ETAG_SIZE];

	(void)state;
	assert_int_equal(etag_of("[{\"position\":1}]", 16, NULL, a), 0);
	assert_int_equal(etag_of("[{\"position\":2}]", 16, NULL, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(etag_of("[]", 2, "c1", a), 0);
	assert_int_equal(etag_of("[]", 2, "c2", b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(etag_of("[]", 2, NULL, a), 0);
	assert_int_equal(etag_of("[]", 2, "", b), 0);   /* "" cursor: same bytes as none */
	assert_string_equal(a, b);
	assert_int_equal(etag_of("[]x", 3, NULL, a), 0);
	assert_int_equal(etag_of("[]", 2, "x", b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(etag_of("[]", 2, "x", a), 0);   /* deterministic */
	assert_string_equal(a, b);
}

/* An event with an If-None-Match header (NULL = none). */
static cJSON *event_inm(const char *v)
{
	cJSON *e = cJSON_CreateObject(), *h = cJSON_AddObjectToObject(e, "headers");

	if (v != NULL)
		cJSON_AddStringToObject(h, "if-none-match", v);
	return e;
}

/* If-None-Match: weak comparison, lists, "*", malformed values. */
static void test_etag_none_match(void **state)
{
	static const struct { const char *hdr; int want; } cases[] = {
		{ NULL, 0 },
		{ "", 0 },
		{ "\"abc\"", 1 },
		{ "W/\"abc\"", 1 },
		{ "\"x\", \"abc\"", 1 },
		{ "\"x\",W/\"abc\" , \"y\"", 1 },
		{ "*", 1 },
		{ "\"abcd\"", 0 },
		{ "\"ab\"", 0 },
		{ "abc", 0 },          /* unquoted: not the tag */
		{ "\"abc", 0 },        /* unterminated */
		{ "\"x\", \"ab", 0 },
		{ "w/\"abc\"", 0 },    /* the prefix is case-sensitive */
		{ "\"ABC\"", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *e = event_inm(cases[i].hdr);

		if (etag_none_match(e, "\"abc\"") != cases[i].want)
			fail_msg("If-None-Match %s: want %d", cases[i].hdr ? cases[i].hdr : "(none)", cases[i].want);
		cJSON_Delete(e);
	}
}

/* The 304 answer: status, tag, empty body, no content type. */
static void test_etag_not_modified(void **state)
{
	cJSON *r = etag_not_modified("\"abc\"");

	(void)state;
	assert_non_null(r);
	assert_int_equal(mt_resp_status(r), 304);
	assert_string_equal(mt_resp_get_header(r, "etag"), "\"abc\"");
	assert_string_equal(mt_resp_body(r), "");
	assert_null(mt_resp_get_header(r, "content-type"));
	cJSON_Delete(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_etag_known_answers),
		cmocka_unit_test(test_etag_changes),
		cmocka_unit_test(test_etag_none_match),
		cmocka_unit_test(test_etag_not_modified),
	};

	return cmocka_run_group_tests_name("etag", tests, NULL, NULL);
}
