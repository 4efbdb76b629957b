/* tui/kit/phone.c: numbers typed the local way in several countries ->
 * E.164, clear refusals, the display format and the form's preview; every
 * accepted number also passes the backend's own E.164 rule (+, 7-15 digits,
 * no leading 0); table-driven. */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kit/phone.h"

/* One accepted number. */
struct ok_case {
	const char *typed;  /* as the host typed it */
	const char *iso;    /* default country of the config */
	const char *e164;   /* expected E.164 */
	const char *shown;  /* expected tk_phone_format of it */
};

static const struct ok_case ok_cases[] = {
	{ "415 555 0101", "US", "+14155550101", "+1 415-555-0101" },
	{ "(415) 555-0101", "US", "+14155550101", "+1 415-555-0101" },
	{ "415.555.0101", "us", "+14155550101", "+1 415-555-0101" },
	{ "1-415-555-0101", "US", "+14155550101", "+1 415-555-0101" },
	{ "  +1 (212) 555-0100 ", "US", "+12125550100", "+1 212-555-0100" },
	{ "416 555 0199", "CA", "+14165550199", "+1 416-555-0199" },
	{ "011 33 6 12 34 56 78", "US", "+33612345678", "+33 612 345 678" },
	{ "0151 2345 6789", "DE", "+4915123456789", "+49 151 2345 6789" },
	{ "030/1234567", "DE", "+49301234567", "+49 301 234 567" },
	{ "+49 (0)151 2345 6789", "DE", "+4915123456789", "+49 151 2345 6789" },
	{ "+44 20 7946 0958", "US", "+442079460958", "+44 20 7946 0958" },
	{ "+44 (0)20 7946 0958", NULL, "+442079460958", "+44 20 7946 0958" },
	{ "+44 020 7946 0958", "GB", "+442079460958", "+44 20 7946 0958" },
	{ "020 7946 0958", "GB", "+442079460958", "+44 20 7946 0958" },
	{ "07700 900123", "GB", "+447700900123", "+44 7700 900123" },
	{ "00 33 6 12 34 56 78", "DE", "+33612345678", "+33 612 345 678" },
	{ "00 33 6 12 34 56 78", "US", "+33612345678", "+33 612 345 678" },
	{ "06 12 34 56 78", "FR", "+33612345678", "+33 612 345 678" },
	{ "06 1234 5678", "IT", "+390612345678", "+39 061 234 5678" },
	{ "+39 061 234 5678", NULL, "+390612345678", "+39 061 234 5678" },
	{ "612 345 678", "ES", "+34612345678", "+34 612 345 678" },
	{ "06 30 123 4567", "HU", "+36301234567", "+36 301 234 567" },
	{ "8 912 345-67-89", "RU", "+79123456789", "+7 912 345 6789" },
	{ "0011 44 20 7946 0958", "AU", "+442079460958", "+44 20 7946 0958" },
	{ "0412 345 678", "AU", "+61412345678", "+61 412 345 678" },
	{ "090-1234-5678", "JP", "+819012345678", "+81 901 234 5678" },
	{ "010 81 90 1234 5678", "JP", "+819012345678", "+81 901 234 5678" },
	{ "9123 4567", "SG", "+6591234567", "+65 9123 4567" },
	/* pasted from a web page: no-break spaces, non-breaking hyphens, en dash */
	{ "415\xc2\xa0" "555\xe2\x80\x91" "0101", "US", "+14155550101", "+1 415-555-0101" },
	{ "+44\xe2\x80\xaf" "20\xe2\x80\x93" "7946\xe3\x80\x80" "0958", NULL, "+442079460958", "+44 20 7946 0958" },
	{ "+999 1234 5678", NULL, "+99912345678", "+99912345678" }, /* unknown code: E.164 limits only */
};

/* Returns 1 when e164 passes the backend's rule (core/validate.c). */
static int backend_accepts(const char *e164)
{
	size_t n = strlen(e164), i;

	if (e164[0] != '+' || e164[1] == '0' || n < 8 || n > 16)
		return 0;
	for (i = 1; i < n; i++)
		if (!isdigit((unsigned char)e164[i]))
			return 0;
	return 1;
}

/* Local and international spellings become the same E.164 number. */
static void test_accepted(void **state)
{
	char out[TK_E164_MAX], shown[TK_PHONE_FMT_MAX], err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
		const struct ok_case *c = &ok_cases[i];

		err[0] = '\0';
		if (tk_phone_normalise(c->typed, c->iso, out, sizeof out, err, sizeof err) != 0)
			fail_msg("'%s' (%s) refused: %s", c->typed, c->iso ? c->iso : "-", err);
		if (strcmp(out, c->e164) != 0)
			fail_msg("'%s' (%s) -> %s, want %s", c->typed, c->iso ? c->iso : "-", out, c->e164);
		assert_true(backend_accepts(out));
		assert_int_equal(tk_phone_format(out, shown, sizeof shown), 0);
		if (strcmp(shown, c->shown) != 0)
			fail_msg("format %s: '%s', want '%s'", out, shown, c->shown);
	}
}

/* One refused number. */
struct bad_case {
	const char *typed;  /* as typed */
	const char *iso;    /* default country */
	const char *want;   /* the start of the reason */
};

static const struct bad_case bad_cases[] = {
	{ "415 555 010", "US", "too short for a US number: 9 digits, 10 needed" },
	{ "555 0101", "US", "too short for a US number: 7 digits, 10 needed" },
	{ "415 555 01011", "US", "too long for a US number: 11 digits, 10 needed" },
	{ "115 555 0101", "US", "not a US number: the area code" },
	{ "415 055 0101", "US", "not a US number: the area code" },
	{ "020 7946", "GB", "too short for a GB number: 6 digits, 9 to 10 needed" },
	{ "+44 20 7946 0958 44 44", NULL, "too long for a GB number" },
	{ "(415) 555-0101 x23", "US", "extensions cannot be texted" },
	{ "415 555 0101 ext. 9", "US", "extensions cannot be texted" },
	{ "415 CALL NOW", "US", "letters are not allowed" },
	{ "415*555*0101", "US", "'*' is not allowed in a phone number" },
	{ "415 555 0101 #", "US", "'#' is not allowed" },
	{ "++1 415 555 0101", "US", "'+' goes only at the start" },
	{ "1+415", "US", "'+' goes only at the start" },
	{ "\xef\xbc\x94\xef\xbc\x91\xef\xbc\x95", "US", "only digits, spaces" },  /* fullwidth digits */
	{ "", "US", "no digits" },
	{ " - ( ) ", "US", "no digits" },
	{ "+44 00 2373 0958", NULL, "a GB number does not start with 0 after +44" },
	{ "(0)0151 2345 6789", "DE", "too many leading zeros for a DE number" },
	{ "+0 123 4567", NULL, "a country code cannot start with 0" },
	{ "+999 123", NULL, "too short: at least 7 digits" },
	{ "+999 1234 5678 9012 3", NULL, "too long: at most 15 digits" },
	{ "415 555 0101", NULL, "start with + and the country code" },
	{ "415 555 0101", "", "start with + and the country code" },
	{ "415 555 0101", "XX", "country 'XX' is not known here" },
	{ "12345678901234567890123456789012345678901234567890123456789012345", "US", "too long" },
	{ "123456789012345678901234567890", "US", "too long for a US number" },
};

/* Bad numbers are refused with a reason a host understands. */
static void test_refused(void **state)
{
	char out[TK_E164_MAX], err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];

		err[0] = '\0';
		memcpy(out, "junk", 5);
		if (tk_phone_normalise(c->typed, c->iso, out, sizeof out, err, sizeof err) != -1)
			fail_msg("'%s' (%s) accepted as %s", c->typed, c->iso ? c->iso : "-", out);
		if (strncmp(err, c->want, strlen(c->want)) != 0)
			fail_msg("'%s': '%s', want '%s...'", c->typed, err, c->want);
		assert_string_equal(out, "");
	}
	/* too small an output buffer, NULL input */
	assert_int_equal(tk_phone_normalise("415 555 0101", "US", out, 8, err, sizeof err), -1);
	assert_int_equal(tk_phone_normalise(NULL, "US", out, sizeof out, err, sizeof err), -1);
	assert_string_equal(err, "no digits");
	assert_int_equal(tk_phone_normalise("415 555 0101", "US", out, sizeof out, NULL, 0), 0);
}

/* The form's preview: formatted number, the reason, or 1 for an empty field. */
static void test_preview(void **state)
{
	char out[96];

	(void)state;
	assert_int_equal(tk_phone_preview("415 555 0104", "US", out, sizeof out), 0);
	assert_string_equal(out, "+1 415-555-0104");
	assert_int_equal(tk_phone_preview("415 555 01", "US", out, sizeof out), -1);
	assert_string_equal(out, "too short for a US number: 8 digits, 10 needed");
	assert_int_equal(tk_phone_preview("   ", "US", out, sizeof out), 1);
	assert_string_equal(out, "");
	assert_int_equal(tk_phone_preview(NULL, "US", out, sizeof out), 1);
	assert_int_equal(tk_phone_preview("0151 2345 6789", "DE", out, sizeof out), 0);
	assert_string_equal(out, "+49 151 2345 6789");
	/* the output too small for the formatted number: -1, never a cut number */
	assert_int_equal(tk_phone_format("+14155550104", out, 10), -1);
	assert_string_equal(out, "");
}

/* The format refuses what is not E.164. */
static void test_format_refuses(void **state)
{
	static const char *const bad[] = {
		"14155550101", "+", "+123456", "+0123456789", "+1415555010a", "+1234567890123456", "",
	};
	char out[TK_PHONE_FMT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (tk_phone_format(bad[i], out, sizeof out) != -1)
			fail_msg("format accepted '%s' as '%s'", bad[i], out);
	assert_int_equal(tk_phone_format(NULL, out, sizeof out), -1);
}

/* The country table: lookups both ways, codes well-formed, sane lengths. */
static void test_table(void **state)
{
	const struct tk_country *t;
	size_t n, i, j;

	(void)state;
	t = tk_country_table(&n);
	assert_true(n >= 30);
	for (i = 0; i < n; i++) {
		size_t k;

		assert_int_equal(strlen(t[i].iso), 2);
		assert_true(isupper((unsigned char)t[i].iso[0]) && isupper((unsigned char)t[i].iso[1]));
		assert_true(strlen(t[i].calling) >= 1 && strlen(t[i].calling) <= 3);
		assert_true(t[i].calling[0] != '0');
		for (k = 0; t[i].calling[k]; k++)
			assert_true(isdigit((unsigned char)t[i].calling[k]));
		assert_true(t[i].nsn_min >= 4 && t[i].nsn_min <= t[i].nsn_max);
		assert_true(strlen(t[i].calling) + (size_t)t[i].nsn_max <= 15);
		assert_ptr_equal(tk_country_find(t[i].iso), &t[i]);
		for (j = 0; j < i; j++)
			assert_string_not_equal(t[i].iso, t[j].iso);
	}
	assert_string_equal(tk_country_find("de")->calling, "49");
	assert_string_equal(tk_country_by_calling("1")->iso, "US");
	assert_string_equal(tk_country_by_calling("44")->iso, "GB");
	assert_null(tk_country_find("XX"));
	assert_null(tk_country_find(NULL));
	assert_null(tk_country_by_calling("999"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_preview),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
