/* Templates: placeholders, validation, defaults that fit one SMS, SMS
 * length counting. Table-driven (after curl's unit tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/error.h"
#include "core/template.h"

/* One rendering case. */
struct render_case {
	const char *tpl;        /* template */
	const char *name;       /* {name} */
	const char *rest;       /* {restaurant} */
	int position;           /* {position} */
	int minutes;            /* {minutes} */
	const char *want;       /* expected text */
};

static const struct render_case render_cases[] = {
	{ "Hi {name}", "Ana", "Chez", 1, 5, "Hi Ana" },
	{ "{name} at {restaurant}: #{position}, {minutes} min", "Bo", "Luigi's", 3, 25,
	  "Bo at Luigi's: #3, 25 min" },
	{ "{position}{position}", "x", "y", 12, 0, "1212" },
	{ "no placeholders", "x", "y", 1, 1, "no placeholders" },
	{ "{{name}} is literal, {name} is not", "Zoë", "y", 1, 1, "{name} is literal, Zoë is not" },
	{ "a }} b {{ c", "x", "y", 1, 1, "a } b { c" },
	{ "#{position}", "x", "y", 0, 0, "#?" },            /* unknown position */
	{ "{minutes} min", "x", "y", 1, -7, "0 min" },      /* never negative */
	{ "{name}", "{restaurant}", "R", 1, 1, "{restaurant}" }, /* values are not expanded again */
	{ "山田 {name}\nline two", "太郎", "y", 1, 1, "山田 太郎\nline two" },
	{ "", "x", "y", 1, 1, "" },
};

/* Every rendering case gives its expected text. */
static void test_render_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(render_cases) / sizeof(render_cases[0]); i++) {
		const struct render_case *c = &render_cases[i];
		struct mt_template_vars v = { c->name, c->rest, c->position, c->minutes, NULL };
		char *out = NULL;

		assert_int_equal(mt_template_validate(c->tpl, NULL), 0);
		assert_int_equal(mt_template_render(c->tpl, &v, &out), 0);
		assert_non_null(out);
		if (strcmp(out, c->want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, out, c->want);
		free(out);
	}
}

/* One invalid template and a word its reason must contain. */
struct invalid_case {
	const char *tpl;        /* template */
	const char *why_has;    /* substring of the reason */
};

static const struct invalid_case invalid_cases[] = {
	{ "Hi {nmae}", "unknown placeholder" },
	{ "Hi {Name}", "unknown placeholder" },      /* case matters */
	{ "Hi { name }", "unknown placeholder" },
	{ "Hi {}", "unknown placeholder" },
	{ "Hi {name", "without '}'" },
	{ "Hi name}", "without '{'" },
	{ "{table} is ready", "unknown placeholder" },
	{ "bad \x01 control", "control" },
	{ "bad \xC3\x28 utf8", "UTF-8" },
};

/* Invalid templates are refused with a reason, and never rendered. */
static void test_invalid_table(void **state)
{
	struct mt_template_vars v = { "Ana", "Chez", 1, 1, NULL };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
		const char *why = NULL;
		char *out = (char *)"sentinel";

		assert_int_equal(mt_template_validate(invalid_cases[i].tpl, &why), MT_EINVAL);
		assert_non_null(why);
		if (strstr(why, invalid_cases[i].why_has) == NULL)
			fail_msg("case %zu: reason \"%s\" lacks \"%s\"", i, why, invalid_cases[i].why_has);
		assert_int_equal(mt_template_render(invalid_cases[i].tpl, &v, &out), MT_EINVAL);
		assert_null(out);
	}
}

/* Length limit: MT_TEMPLATE_MAX bytes pass, one more fails. */
static void test_template_length(void **state)
{
	char tpl[MT_TEMPLATE_MAX + 2];
	const char *why = NULL;

	(void)state;
	memset(tpl, 'a', MT_TEMPLATE_MAX);
	tpl[MT_TEMPLATE_MAX] = '\0';
	assert_int_equal(mt_template_validate(tpl, &why), 0);
	tpl[MT_TEMPLATE_MAX] = 'a';
	tpl[MT_TEMPLATE_MAX + 1] = '\0';
	assert_int_equal(mt_template_validate(tpl, &why), MT_EINVAL);
	assert_int_equal(mt_template_validate(NULL, &why), MT_EINVAL);
}

/* Returns a string of n copies of unit (malloc'd). */
static char *repeat(const char *unit, size_t n)
{
	size_t ul = strlen(unit), i;
	char *s = malloc(ul * n + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return s;
}

/* Defaults: every kind, short and very long names, with and without a
 * quote: at most 160 SMS characters, one segment when GSM-7, reply hint
 * present, names present in full when short. */
static void test_defaults_fit(void **state)
{
	static const char *const kinds[] = { "joined", "ready", "reminder" };
	char *long_name = repeat("Bartholomew ", 16);          /* 192 bytes */
	char *long_rest = repeat("Ristorante ", 18);           /* 198 bytes */
	char *wide_name = repeat("山田", 33);                   /* 198 bytes, non-GSM */
	struct { const char *name, *rest; int cut; } names[] = {
		{ "Ana", "Chez Luigi", 0 },
		{ "Zoë", "Café Zoë", 0 },
		{ long_name, "Chez Luigi", 1 },
		{ "Ana", long_rest, 1 },
		{ long_name, long_rest, 1 },
		{ wide_name, long_rest, 1 },
	};
	size_t k, n;
	int minutes;

	(void)state;
	for (k = 0; k < 3; k++) {
		for (n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
			for (minutes = 0; minutes <= 1440; minutes += 1440) {
				struct mt_template_vars v = { names[n].name, names[n].rest, 49, minutes, NULL };
				char *out = NULL;
				int gsm;
				size_t len;

				assert_int_equal(mt_template_render_default(kinds[k], &v, 0, &out), 0);
				len = mt_sms_length(out, &gsm);
				if (len > MT_SMS_CHARS)
					fail_msg("%s/%zu: %zu chars: %s", kinds[k], n, len, out);
				if (gsm)
					assert_int_equal(mt_sms_segments(out), 1);
				assert_non_null(strstr(out, "Reply 1 to confirm, 9 to cancel"));
				if (!names[n].cut) {
					assert_non_null(strstr(out, names[n].name));
					assert_non_null(strstr(out, names[n].rest));
				} else {
					/* Cut, but the start of each name is there. */
					char head[4];
					memcpy(head, names[n].name, 3);
					head[3] = '\0';
					assert_non_null(strstr(out, head));
				}
				if (strcmp(kinds[k], "joined") == 0)
					assert_non_null(strstr(out, "#49"));
				if (strcmp(kinds[k], "ready") != 0 && minutes > 0)
					assert_non_null(strstr(out, "1440 min"));
				assert_null(strchr(out, '{'));
				free(out);

				/* E-mail variant: never cut, no reply hint. */
				assert_int_equal(mt_template_render_default(kinds[k], &v, 1, &out), 0);
				assert_non_null(strstr(out, names[n].name));
				assert_null(strstr(out, "Reply 1"));
				free(out);
				assert_int_equal(mt_template_subject(kinds[k], &v, &out), 0);
				assert_non_null(strstr(out, names[n].rest));
				free(out);
			}
		}
	}
	free(long_name);
	free(long_rest);
	free(wide_name);
	{
		struct mt_template_vars v = { "a", "b", 1, 1, NULL };
		char *out = (char *)"x";
		assert_int_equal(mt_template_render_default("birthday", &v, 0, &out), MT_EINVAL);
		assert_null(out);
	}
}

/* A UTF-8 name is cut on a character boundary, never inside one. */
static void test_cut_utf8(void **state)
{
	char *name = repeat("é", 150);   /* é is GSM-7, 2 bytes in UTF-8 */
	struct mt_template_vars v = { name, "X", 1, 0, NULL };
	char *out = NULL;
	int gsm;

	(void)state;
	assert_int_equal(mt_template_render_default("ready", &v, 0, &out), 0);
	assert_true(mt_sms_length(out, &gsm) <= MT_SMS_CHARS);
	assert_true(gsm);
	assert_null(strstr(out, "\xC3,")); /* no half character before the comma */
	assert_non_null(strstr(out, "é, your table at X is ready"));
	free(out);
	free(name);
}

/* One SMS length case. */
struct len_case {
	const char *text;   /* UTF-8 */
	size_t len;         /* SMS characters */
	int gsm;            /* 1 GSM-7, 0 UCS-2 */
	int segments;       /* parts */
};

static const struct len_case len_cases[] = {
	{ "", 0, 1, 1 },
	{ "Hello", 5, 1, 1 },
	{ "price 5€", 9, 1, 1 },          /* euro is an extension character: 2 */
	{ "[ok]", 6, 1, 1 },
	{ "Zoë", 3, 0, 1 },               /* ë is not GSM-7 */
	{ "café à", 6, 1, 1 },            /* é and à are */
	{ "hi 😀", 5, 0, 1 },             /* surrogate pair: 2 units */
	{ "`", 1, 0, 1 },
};

/* SMS length and segment counting. */
static void test_sms_length(void **state)
{
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
		int gsm = -1;
		size_t n = mt_sms_length(len_cases[i].text, &gsm);
		if (n != len_cases[i].len || gsm != len_cases[i].gsm)
			fail_msg("case %zu: len %zu gsm %d", i, n, gsm);
		assert_int_equal(mt_sms_segments(len_cases[i].text), len_cases[i].segments);
	}
	s = repeat("a", 160);
	assert_int_equal(mt_sms_segments(s), 1);
	free(s);
	s = repeat("a", 161);
	assert_int_equal(mt_sms_segments(s), 2);
	free(s);
	s = repeat("a", 307);
	assert_int_equal(mt_sms_segments(s), 3);
	free(s);
	s = repeat("ë", 71);
	assert_int_equal(mt_sms_segments(s), 2);
	free(s);
}

/* Kinds and per-list template lookup. */
static void test_kinds(void **state)
{
	struct mt_waitlist wl;

	(void)state;
	memset(&wl, 0, sizeof(wl));
	assert_true(mt_template_kind_valid("joined"));
	assert_true(mt_template_kind_valid("ready"));
	assert_true(mt_template_kind_valid("reminder"));
	assert_false(mt_template_kind_valid("Ready"));
	assert_false(mt_template_kind_valid(NULL));
	snprintf(wl.tpl_ready, sizeof(wl.tpl_ready), "R {name}");
	assert_string_equal(mt_template_of(&wl, "ready"), "R {name}");
	assert_string_equal(mt_template_of(&wl, "joined"), "");
	assert_string_equal(mt_template_of(&wl, "nope"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_table),
		cmocka_unit_test(test_invalid_table),
		cmocka_unit_test(test_template_length),
		cmocka_unit_test(test_defaults_fit),
		cmocka_unit_test(test_cut_utf8),
		cmocka_unit_test(test_sms_length),
		cmocka_unit_test(test_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
