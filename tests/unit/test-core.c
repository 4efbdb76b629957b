/* Unit tests for core helpers: ids, the capped buffer, API Gateway v2 event
 * access, body caps and response building. Table-driven where it fits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include <pthread.h>

#include "core/base64.h"
#include "core/url.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/id.h"
#include "apigw/apigw.h"
#include "apigw/json-strict.h"

/* Ids are 26 chars, valid, unique, and sort by creation time. */
static void test_id_sorts_by_time(void **state)
{
	char a[MT_ID_SIZE], b[MT_ID_SIZE], c[MT_ID_SIZE];

	(void)state;
	mt_id_new(a, 1700000000000LL);
	mt_id_new(b, 1700000000001LL);
	mt_id_new(c, 1700000000001LL);
	assert_int_equal(strlen(a), MT_ID_LEN);
	assert_true(mt_id_valid(a));
	assert_true(strcmp(a, b) < 0);
	assert_string_not_equal(b, c);
	assert_false(mt_id_valid("short"));
	assert_false(mt_id_valid("01HZZZZZZZZZZZZZZZZZZZZZZU")); /* U is not Crockford */
	assert_false(mt_id_valid(NULL));
}

/* Unordered ids (request ids): valid, carry the time, unique within a
 * thread (10,000 in one ms) and across threads (each starts at random). */
#define ID_N 10000
static char id_thread_out[ID_N][MT_ID_SIZE];

static void *id_thread(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < ID_N; i++)
		mt_id_new_unordered(id_thread_out[i], 1700000000000LL);
	return NULL;
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_id_unordered(void **state)
{
	static char mine[ID_N * 2][MT_ID_SIZE];
	char ordered[MT_ID_SIZE];
	pthread_t t;
	int i;

	(void)state;
	for (i = 0; i < ID_N; i++) {
		mt_id_new_unordered(mine[i], 1700000000000LL);
		assert_true(mt_id_valid(mine[i]));
	}
	mt_id_new(ordered, 1700000000000LL);
	assert_memory_equal(mine[0], ordered, 10);   /* the same time prefix */
	assert_int_equal(pthread_create(&t, NULL, id_thread, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	memcpy(mine[ID_N], id_thread_out, sizeof id_thread_out);
	qsort(mine, ID_N * 2, MT_ID_SIZE, id_cmp);
	for (i = 1; i < ID_N * 2; i++)
		assert_string_not_equal(mine[i - 1], mine[i]);
}

/* Lent bodies (apigw/apigw.h): the response references the bytes, the
 * runtime claims the lease once, and an unclaimed lease is given back by the
 * thread's next lent response or claim; a lent response still serialises
 * like any other (the Lambda path). */
static int lent_released;

static void lent_release(void *arg)
{
	lent_released += *(int *)arg;
}

static void test_resp_lent(void **state)
{
	static const char page[] = "[{\"id\":1}]";
	int one = 1, ten = 10;
	struct mt_lease l;
	cJSON *r, *r2;
	char *text;

	(void)state;
	lent_released = 0;
	r = mt_resp_lent(200, page, sizeof page - 1, lent_release, &one);
	assert_non_null(r);
	assert_true(cJSON_GetObjectItemCaseSensitive(r, "body")->type & cJSON_IsReference);
	text = cJSON_PrintUnformatted(r);
	assert_non_null(strstr(text, "\"body\":\"[{\\\"id\\\":1}]\""));
	free(text);
	assert_int_equal(mt_resp_lease_take(r, &l), 1);
	assert_ptr_equal(l.body, page);
	assert_int_equal(l.len, sizeof page - 1);
	assert_int_equal(lent_released, 0);          /* the claimer releases */
	{
		struct mt_lease again;

		assert_int_equal(mt_resp_lease_take(r, &again), 0);   /* only once */
		assert_null(again.release);
	}
	l.release(l.arg);
	assert_int_equal(lent_released, 1);
	cJSON_Delete(r);                             /* never frees the bytes */

	/* not claimed: the next lent response gives it back */
	r = mt_resp_lent(200, page, sizeof page - 1, lent_release, &ten);
	cJSON_Delete(r);
	r2 = mt_resp_lent(200, page, sizeof page - 1, lent_release, &one);
	assert_int_equal(lent_released, 11);
	/* a claim for another response gives it back too */
	r = mt_resp(200, NULL);
	assert_int_equal(mt_resp_lease_take(r, &l), 0);
	assert_int_equal(lent_released, 12);
	assert_int_equal(mt_resp_lease_take(r2, &l), 0);   /* already given back */
	cJSON_Delete(r);
	cJSON_Delete(r2);
}

/* The buffer grows, formats, refuses past its cap and hands memory on. */
static void test_buf_cap(void **state)
{
	struct mt_buf b;
	char *s;

	(void)state;
	mt_buf_init(&b, 10);
	assert_int_equal(mt_buf_adds(&b, "hello"), 0);
	assert_int_equal(mt_buf_printf(&b, "%d", 1234), 0);
	assert_int_equal(b.len, 9);
	assert_int_equal(mt_buf_adds(&b, "xy"), MT_ETOOBIG);
	assert_int_equal(b.len, 9); /* unchanged on error */
	assert_string_equal(b.data, "hello1234");
	s = mt_buf_take(&b);
	assert_string_equal(s, "hello1234");
	assert_null(b.data);
	free(s);
	s = mt_buf_take(&b);
	assert_string_equal(s, "");
	free(s);
}

/* Builds an event with the given body text. */
static cJSON *event_with_body(const char *body, int b64)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "routeKey", "POST /x");
	if (body)
		cJSON_AddStringToObject(e, "body", body);
	cJSON_AddBoolToObject(e, "isBase64Encoded", b64);
	return e;
}

static const struct {
	const char *body;   /* request body */
	int status;         /* expected error status, 0 = parses */
	const char *code;   /* expected error code */
} body_cases[] = {
	{ "{\"a\":1}", 0, NULL },
	{ "", 400, "invalid_json" },
	{ "{", 400, "invalid_json" },
	{ "[1,2]", 400, "not_object" },
	{ "\"str\"", 400, "not_object" },
	{ "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", 0, NULL }, /* brackets in strings don't count */
};

/* Body parsing: valid, invalid, non-object; brackets inside strings. */
static void test_json_body_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof body_cases / sizeof body_cases[0]; i++) {
		cJSON *e = event_with_body(body_cases[i].body, 0), *err = NULL;
		cJSON *root = mt_event_json_body(e, &err);

		if (body_cases[i].status == 0) {
			assert_non_null(root);
			assert_null(err);
		} else {
			cJSON *b;
			assert_null(root);
			assert_non_null(err);
			assert_int_equal(mt_resp_status(err), body_cases[i].status);
			b = cJSON_Parse(mt_resp_body(err));
			assert_string_equal(cJSON_GetObjectItem(b, "error")->valuestring, body_cases[i].code);
			cJSON_Delete(b);
		}
		cJSON_Delete(root);
		cJSON_Delete(err);
		cJSON_Delete(e);
	}
}

/* Nesting over 32 answers 400 too_deep; exactly 32 parses. */
static void test_json_depth(void **state)
{
	char deep[200];
	int i, n;
	cJSON *e, *err, *root;

	(void)state;
	for (n = 32; n <= 33; n++) {
		size_t p = 0;
		deep[p++] = '{';
		deep[p++] = '"'; deep[p++] = 'a'; deep[p++] = '"'; deep[p++] = ':';
		for (i = 1; i < n; i++)
			deep[p++] = '[';
		for (i = 1; i < n; i++)
			deep[p++] = ']';
		deep[p++] = '}';
		deep[p] = '\0';
		e = event_with_body(deep, 0);
		root = mt_event_json_body(e, &err);
		if (n == 32) {
			assert_non_null(root);
		} else {
			assert_null(root);
			assert_int_equal(mt_resp_status(err), 400);
			assert_non_null(strstr(mt_resp_body(err), "too_deep"));
		}
		cJSON_Delete(root);
		cJSON_Delete(err);
		cJSON_Delete(e);
	}
}

/* A body over 64 KiB answers 413, plain or base64-encoded. */
static void test_body_too_large(void **state)
{
	size_t n = MT_BODY_MAX + 1;
	char *big = malloc(n + 1);
	char *b64;
	cJSON *e, *err, *root;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	e = event_with_body(big, 0);
	root = mt_event_json_body(e, &err);
	assert_null(root);
	assert_int_equal(mt_resp_status(err), 413);
	cJSON_Delete(err);
	cJSON_Delete(e);

	b64 = mt_base64_encode(big, n, 0);
	e = event_with_body(b64, 1);
	root = mt_event_json_body(e, &err);
	assert_null(root);
	assert_int_equal(mt_resp_status(err), 413);
	cJSON_Delete(err);
	cJSON_Delete(e);
	free(b64);
	free(big);
}

/* Base64 bodies are decoded; bad base64 is a 400. */
static void test_body_base64(void **state)
{
	cJSON *e = event_with_body("eyJhIjoxfQ==", 1), *err = NULL; /* {"a":1} */
	cJSON *root = mt_event_json_body(e, &err);

	(void)state;
	assert_non_null(root);
	assert_int_equal(cJSON_GetObjectItem(root, "a")->valueint, 1);
	cJSON_Delete(root);
	cJSON_Delete(e);
	e = event_with_body("***", 1);
	root = mt_event_json_body(e, &err);
	assert_null(root);
	assert_int_equal(mt_resp_status(err), 400);
	cJSON_Delete(err);
	cJSON_Delete(e);
}

/* Accessors read headers, params, query, authorizer context. */
static void test_event_accessors(void **state)
{
	const char *text =
		"{\"routeKey\":\"GET /waitlists/{waitlistId}\",\"headers\":{\"if-match\":\"3\"},"
		"\"queryStringParameters\":{\"limit\":\"10\"},\"pathParameters\":{\"waitlistId\":\"W1\"},"
		"\"requestContext\":{\"http\":{\"method\":\"GET\",\"sourceIp\":\"127.0.0.1\"},"
		"\"authorizer\":{\"lambda\":{\"tenantId\":\"T1\"}}}}";
	cJSON *e = cJSON_Parse(text);

	(void)state;
	assert_string_equal(mt_event_route(e), "GET /waitlists/{waitlistId}");
	assert_string_equal(mt_event_method(e), "GET");
	assert_string_equal(mt_event_header(e, "if-match"), "3");
	assert_null(mt_event_header(e, "authorization"));
	assert_string_equal(mt_event_query(e, "limit"), "10");
	assert_string_equal(mt_event_path_param(e, "waitlistId"), "W1");
	assert_string_equal(mt_event_auth(e, "tenantId"), "T1");
	assert_null(mt_event_auth(e, "sub"));
	assert_string_equal(mt_event_source_ip(e), "127.0.0.1");
	cJSON_Delete(e);
}

/* Error responses carry code, message, field; store errors map to statuses. */
static void test_responses(void **state)
{
	static const struct { int err; int status; } map[] = {
		{ MT_ENOTFOUND, 404 }, { MT_ECONFLICT, 409 }, { MT_EPRECOND, 412 },
		{ MT_EINVAL, 400 }, { MT_ETOOBIG, 413 }, { MT_EBUSY, 503 }, { MT_EIO, 500 },
	};
	cJSON *r = mt_resp_error(400, "invalid", "name", "name %s", "is too long");
	cJSON *b = cJSON_Parse(mt_resp_body(r));
	size_t i;

	(void)state;
	assert_int_equal(mt_resp_status(r), 400);
	assert_string_equal(mt_resp_get_header(r, "content-type"), "application/json");
	assert_string_equal(cJSON_GetObjectItem(b, "error")->valuestring, "invalid");
	assert_string_equal(cJSON_GetObjectItem(b, "field")->valuestring, "name");
	assert_string_equal(cJSON_GetObjectItem(b, "message")->valuestring, "name is too long");
	assert_int_equal(mt_resp_header(r, "etag", "\"1\""), 0);
	assert_int_equal(mt_resp_header(r, "etag", "\"2\""), 0);
	assert_string_equal(mt_resp_get_header(r, "etag"), "\"2\"");
	cJSON_Delete(b);
	cJSON_Delete(r);
	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		r = mt_resp_from_err(map[i].err, "waitee");
		assert_int_equal(mt_resp_status(r), map[i].status);
		cJSON_Delete(r);
	}
	r = mt_resp(204, NULL);
	assert_string_equal(mt_resp_body(r), "");
	assert_null(mt_resp_get_header(r, "content-type"));
	cJSON_Delete(r);
}

/* One percent-decoder (core/url.h): a table of inputs, flags and results. */
static void test_url_decode(void **state)
{
	static const struct {
		const char *in;        /* encoded */
		unsigned flags;        /* MT_URL_* */
		long len;              /* expected result: length, or -1 */
		const char *out;       /* expected text when len >= 0 */
	} cases[] = {
		{ "a%20b+c", 0, 5, "a b+c" },
		{ "a%20b+c", MT_URL_PLUS_SPACE, 5, "a b c" },
		{ "%41%6a%4A", 0, 3, "AjJ" },
		{ "100%", 0, 4, "100%" },                      /* lenient: kept as is */
		{ "100%", MT_URL_STRICT, -1, NULL },
		{ "%zz", 0, 3, "%zz" },
		{ "%zz", MT_URL_STRICT, -1, NULL },
		{ "%+1", MT_URL_STRICT, -1, NULL },            /* not two hex digits */
		{ "a%00b", 0, -1, NULL },                      /* a decoded NUL */
		{ "a%00b", MT_URL_STRICT | MT_URL_PLUS_SPACE, -1, NULL },
		{ "", MT_URL_STRICT, 0, "" },
		{ "%e5%b1%b1", MT_URL_STRICT, 3, "\xe5\xb1\xb1" },
	};
	char out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		long n = mt_url_decode(cases[i].in, strlen(cases[i].in), out, sizeof out, cases[i].flags);

		assert_int_equal(n, cases[i].len);
		if (n >= 0)
			assert_string_equal(out, cases[i].out);
	}
	/* a raw NUL inside the length, and a destination too small */
	assert_int_equal(mt_url_decode("a\0b", 3, out, sizeof out, 0), -1);
	assert_int_equal(mt_url_decode("abcdef", 6, out, 6, 0), -1);
	assert_int_equal(mt_url_decode("abcde", 5, out, 6, 0), 5);
}

/* Control characters are found by code point, never by UTF-8 byte: CJK, accents and emoji pass. */
static void test_json_find_control(void **state)
{
	(void)state;
	static const struct { const char *json; int bad; const char *field; } cases[] = {
		{ "{\"name\":\"\u5c71\u7530\"}", 0, "" },
		{ "{\"name\":\"山田太郎\"}", 0, "" },            /* bytes 0x80-0x9f inside */
		{ "{\"name\":\"Zoë Saldaña 🍝\"}", 0, "" },
		{ "{\"name\":\"ĀĂĄ\"}", 0, "" },                 /* U+0100.. : 0xc4 0x80.. */
		{ "{\"notes\":\"line\\nnext\\ttab\"}", 0, "" },
		{ "{\"name\":\"a\\u0000b\"}", 1, "name" },
		{ "{\"name\":\"a\\u007fb\"}", 1, "name" },
		{ "{\"name\":\"a\\u0085b\"}", 1, "name" },
		{ "{\"name\":\"a\xc2\x85" "b\"}", 1, "name" },     /* raw U+0085 */
		{ "{\"name\":\"a\x7f\"}", 1, "name" },
		{ "{\"name\":\"a\x01\"}", 1, "name" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char field[32];
		int bad = mt_json_find_control(cases[i].json, strlen(cases[i].json), field, sizeof field);
		if (bad != cases[i].bad)
			fprintf(stderr, "case %zu (%s): %d\n", i, cases[i].json, bad);
		assert_int_equal(bad, cases[i].bad);
		if (bad)
			assert_string_equal(field, cases[i].field);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_sorts_by_time),
		cmocka_unit_test(test_id_unordered),
		cmocka_unit_test(test_resp_lent),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_json_body_cases),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_body_too_large),
		cmocka_unit_test(test_body_base64),
		cmocka_unit_test(test_event_accessors),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_json_find_control),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
