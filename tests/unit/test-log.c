/* The one logger (core/log.h): every event line is one valid JSON object
 * whatever the strings hold (quotes from an SQLite message, newlines,
 * invalid UTF-8), fields without a value are left out, integers are
 * numbers. stderr is sent to a temporary file and read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "core/log.h"

/* Runs fn with stderr going to a temporary file; returns what it wrote (malloc'd). */
static char *capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *text;
	long n;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	n = (long)lseek(fileno(tmp), 0, SEEK_END);
	assert_true(n > 0);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(pread(fileno(tmp), text, (size_t)n, 0), n);
	fclose(tmp);
	return text;
}

/* Parses the only line of text as a JSON object. */
static cJSON *one_line(const char *text)
{
	const char *nl = strchr(text, '\n');
	cJSON *j;

	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
	j = cJSON_ParseWithLength(text, (size_t)(nl - text));
	assert_non_null(j);
	assert_true(cJSON_IsObject(j));
	return j;
}

/* Returns member k of o as a string (fails the test when it is not one). */
static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static void log_hostile(void)
{
	mt_log("error", "near \"x\": syntax error\n\tat \\line 1", "module", "store-sqlite",
	       "bad", "\xff\xfe ok", (const char *)NULL);
}

/* A message with quotes, a newline, a tab and a backslash stays one JSON line. */
static void test_escaping(void **state)
{
	char *text = capture(log_hostile);
	cJSON *j = one_line(text);

	(void)state;
	assert_string_equal(str(j, "level"), "error");
	assert_string_equal(str(j, "msg"), "near \"x\": syntax error\n\tat \\line 1");
	assert_string_equal(str(j, "module"), "store-sqlite");
	assert_non_null(strstr(str(j, "bad"), " ok"));
	assert_true(strlen(str(j, "time")) == 24);
	cJSON_Delete(j);
	free(text);
}

static void log_fields(void)
{
	const struct mt_log_field f[] = {
		{ "waiteeId", "01HX", 0, 0 }, { "skipped", NULL, 0, 0 }, { "removed", NULL, -42, 1 },
		{ "error", "a \"quoted\" cause", 0, 0 },
	};

	mt_log_fields("warn", "purged", f, sizeof f / sizeof f[0]);
}

/* Fields in order; one without a value left out; integers are JSON numbers. */
static void test_fields(void **state)
{
	char *text = capture(log_fields);
	cJSON *j = one_line(text);
	const cJSON *removed = cJSON_GetObjectItemCaseSensitive(j, "removed");

	(void)state;
	assert_string_equal(str(j, "msg"), "purged");
	assert_string_equal(str(j, "waiteeId"), "01HX");
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "skipped"));
	assert_true(cJSON_IsNumber(removed));
	assert_int_equal((int)removed->valuedouble, -42);
	assert_string_equal(str(j, "error"), "a \"quoted\" cause");
	assert_true(strstr(text, "\"waiteeId\"") < strstr(text, "\"removed\""));
	cJSON_Delete(j);
	free(text);
}

static void log_long(void)
{
	char big[3000];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	mt_log("info", big, "k", big, (const char *)NULL);
}

/* Long values are cut (512 bytes), the line stays valid JSON. */
static void test_long_values(void **state)
{
	char *text = capture(log_long);
	cJSON *j = one_line(text);

	(void)state;
	assert_int_equal(strlen(str(j, "msg")), 512);
	assert_int_equal(strlen(str(j, "k")), 512);
	cJSON_Delete(j);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_long_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
