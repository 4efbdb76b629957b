/* Phone numbers typed the local way -> E.164, and back for display. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "phone.h"

#define DIGITS_MAX 15  /* E.164: at most 15 digits with the country code */
#define DIGITS_MIN 7   /* the backend's floor: country code + 6 */
#define TYPED_MAX 64   /* longest typed number we look at */

/* The countries hosts are most likely in. Trunk prefixes are what a local
 * caller dials before the area code and what E.164 drops; national lengths
 * are of the number after the trunk prefix (ITU-T E.164 national plans). */
static const struct tk_country countries[] = {
	{ "US", "United States", "1", "1", "011", 10, 10 },
	{ "CA", "Canada", "1", "1", "011", 10, 10 },
	{ "MX", "Mexico", "52", "", "00", 10, 10 },
	{ "GB", "United Kingdom", "44", "0", "00", 9, 10 },
	{ "IE", "Ireland", "353", "0", "00", 7, 9 },
	{ "DE", "Germany", "49", "0", "00", 6, 13 },
	{ "AT", "Austria", "43", "0", "00", 5, 13 },
	{ "CH", "Switzerland", "41", "0", "00", 9, 9 },
	{ "FR", "France", "33", "0", "00", 9, 9 },
	{ "BE", "Belgium", "32", "0", "00", 8, 9 },
	{ "NL", "Netherlands", "31", "0", "00", 9, 9 },
	{ "LU", "Luxembourg", "352", "", "00", 6, 11 },
	{ "IT", "Italy", "39", "", "00", 6, 11 },
	{ "ES", "Spain", "34", "", "00", 9, 9 },
	{ "PT", "Portugal", "351", "", "00", 9, 9 },
	{ "DK", "Denmark", "45", "", "00", 8, 8 },
	{ "NO", "Norway", "47", "", "00", 8, 8 },
	{ "SE", "Sweden", "46", "0", "00", 7, 9 },
	{ "FI", "Finland", "358", "0", "00", 5, 12 },
	{ "PL", "Poland", "48", "", "00", 9, 9 },
	{ "CZ", "Czechia", "420", "", "00", 9, 9 },
	{ "HU", "Hungary", "36", "06", "00", 8, 9 },
	{ "RO", "Romania", "40", "0", "00", 9, 9 },
	{ "GR", "Greece", "30", "", "00", 10, 10 },
	{ "TR", "Turkey", "90", "0", "00", 10, 10 },
	{ "RU", "Russia", "7", "8", "810", 10, 10 },
	{ "UA", "Ukraine", "380", "0", "00", 9, 9 },
	{ "IL", "Israel", "972", "0", "00", 8, 9 },
	{ "AE", "United Arab Emirates", "971", "0", "00", 8, 9 },
	{ "ZA", "South Africa", "27", "0", "00", 9, 9 },
	{ "IN", "India", "91", "0", "00", 10, 10 },
	{ "CN", "China", "86", "0", "00", 9, 11 },
	{ "JP", "Japan", "81", "0", "010", 9, 10 },
	{ "KR", "South Korea", "82", "0", "001", 8, 10 },
	{ "SG", "Singapore", "65", "", "000", 8, 8 },
	{ "HK", "Hong Kong", "852", "", "001", 8, 8 },
	{ "AU", "Australia", "61", "0", "0011", 9, 9 },
	{ "NZ", "New Zealand", "64", "0", "00", 8, 10 },
	{ "BR", "Brazil", "55", "0", "00", 10, 11 },
	{ "AR", "Argentina", "54", "0", "00", 10, 11 },
	{ "CL", "Chile", "56", "", "00", 9, 9 },
	{ "CO", "Colombia", "57", "", "00", 10, 10 },
};

#define NCOUNTRIES (sizeof countries / sizeof countries[0])

/* snprintf into err when there is one. */
static void set_err(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* Returns the country table and its length. */
const struct tk_country *tk_country_table(size_t *n)
{
	if (n)
		*n = NCOUNTRIES;
	return countries;
}

/* Looks a country up by ISO code. */
const struct tk_country *tk_country_find(const char *iso)
{
	size_t i;

	if (iso == NULL)
		return NULL;
	for (i = 0; i < NCOUNTRIES; i++)
		if (strcasecmp(iso, countries[i].iso) == 0)
			return &countries[i];
	return NULL;
}

/* Looks the main country of a calling code up. */
const struct tk_country *tk_country_by_calling(const char *calling)
{
	size_t i;

	if (calling == NULL)
		return NULL;
	for (i = 0; i < NCOUNTRIES; i++)
		if (strcmp(calling, countries[i].calling) == 0)
			return &countries[i];
	return NULL;
}

/* Finds the table country whose calling code starts `digits`; NULL when none. */
static const struct tk_country *country_of_digits(const char *digits)
{
	char cc[4];
	size_t len;

	for (len = 1; len <= 3 && digits[len - 1] != '\0'; len++) {
		const struct tk_country *c;

		memcpy(cc, digits, len);
		cc[len] = '\0';
		c = tk_country_by_calling(cc);
		if (c != NULL)
			return c;
	}
	return NULL;
}

/* Describes a length range: "10" or "9 to 10". */
static void range_text(const struct tk_country *c, char *out, size_t outsz)
{
	if (c->nsn_min == c->nsn_max)
		snprintf(out, outsz, "%d", c->nsn_min);
	else
		snprintf(out, outsz, "%d to %d", c->nsn_min, c->nsn_max);
}

/* Checks a national significant number against country c. */
static int check_nsn(const struct tk_country *c, const char *nsn, char *err, size_t errsz)
{
	int n = (int)strlen(nsn);
	char range[16];

	range_text(c, range, sizeof range);
	/* where the trunk prefix is 0, no national number starts with 0 */
	if (strcmp(c->trunk, "0") == 0 && nsn[0] == '0') {
		set_err(err, errsz, "too many leading zeros for a %s number", c->iso);
		return -1;
	}
	if (n < c->nsn_min) {
		set_err(err, errsz, "too short for a %s number: %d digit%s, %s needed", c->iso, n,
				n == 1 ? "" : "s", range);
		return -1;
	}
	if (n > c->nsn_max) {
		set_err(err, errsz, "too long for a %s number: %d digits, %s needed", c->iso, n, range);
		return -1;
	}
	if (strcmp(c->calling, "1") == 0 && (nsn[0] < '2' || nsn[3] < '2')) {
		set_err(err, errsz, "not a %s number: the area code and the next 3 digits start with 2-9",
				c->iso);
		return -1;
	}
	return 0;
}

/* Returns the byte length of a Unicode space or dash at p (no-break and
 * thin spaces, hyphens, en/em dashes, minus sign), 0 for anything else. */
static size_t unicode_separator(const char *p)
{
	static const char *const seps[] = {
		"\xc2\xa0",                                   /* U+00A0 no-break space */
		"\xe2\x80\x80", "\xe2\x80\x81", "\xe2\x80\x82", "\xe2\x80\x83",
		"\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86", "\xe2\x80\x87",
		"\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a",     /* U+2000-200A spaces */
		"\xe2\x80\xaf",                               /* U+202F narrow no-break space */
		"\xe2\x80\x90", "\xe2\x80\x91", "\xe2\x80\x92", "\xe2\x80\x93",
		"\xe2\x80\x94",                               /* U+2010-2014 hyphens, dashes */
		"\xe2\x88\x92",                               /* U+2212 minus sign */
		"\xe3\x80\x80",                               /* U+3000 ideographic space */
	};
	size_t i;

	for (i = 0; i < sizeof seps / sizeof seps[0]; i++)
		if (strncmp(p, seps[i], strlen(seps[i])) == 0)
			return strlen(seps[i]);
	return 0;
}

/* Collects the digits of a typed number into digits (DIGITS_MAX + 8 bytes):
 * separators skipped, "(0)" dropped (and *paren0 set), a leading '+' noted.
 * Returns 0 or -1 with err set. */
static int collect(const char *typed, char *digits, size_t digsz, int *plus, int *paren0,
		char *err, size_t errsz)
{
	const char *p = typed;
	size_t n = 0;

	*plus = 0;
	*paren0 = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '+') {
		*plus = 1;
		p++;
	}
	for (; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (isdigit(ch)) {
			if (n + 1 >= digsz) {
				set_err(err, errsz, "too long: at most %d digits with the country code", DIGITS_MAX);
				return -1;
			}
			digits[n++] = (char)ch;
		} else if (ch == '(' && p[1] == '0' && p[2] == ')') {
			*paren0 = 1; /* "+44 (0)20 ...": the trunk 0 shown for local callers */
			p += 2;
		} else if (ch == ' ' || ch == '\t' || ch == '-' || ch == '.' || ch == '/' || ch == '(' ||
				ch == ')') {
			continue;
		} else if (ch == '+') {
			set_err(err, errsz, "'+' goes only at the start");
			return -1;
		} else if (tolower(ch) == 'x' || strncasecmp(p, "ext", 3) == 0) {
			set_err(err, errsz, "extensions cannot be texted; leave them out");
			return -1;
		} else if (isalpha(ch)) {
			set_err(err, errsz, "letters are not allowed in a phone number");
			return -1;
		} else if (ch >= 0x80) {
			size_t k = unicode_separator(p);

			if (k == 0) {
				set_err(err, errsz, "only digits, spaces, '-', '.', '/', '(' and ')' are allowed");
				return -1;
			}
			p += k - 1; /* a no-break space or a dash pasted from a web page */
		} else {
			set_err(err, errsz, "'%c' is not allowed in a phone number", ch);
			return -1;
		}
	}
	digits[n] = '\0';
	if (n == 0) {
		set_err(err, errsz, "no digits");
		return -1;
	}
	return 0;
}

/* Writes "+" cc nsn into out; checks E.164's limits. */
static int put_e164(const char *cc, const char *nsn, char *out, size_t outsz, char *err, size_t errsz)
{
	size_t total = strlen(cc) + strlen(nsn);
	int n;

	if (total > DIGITS_MAX) {
		set_err(err, errsz, "too long: at most %d digits with the country code", DIGITS_MAX);
		return -1;
	}
	if (total < DIGITS_MIN) {
		set_err(err, errsz, "too short: at least %d digits with the country code", DIGITS_MIN);
		return -1;
	}
	n = snprintf(out, outsz, "+%s%s", cc, nsn);
	if (n < 0 || (size_t)n >= outsz) {
		set_err(err, errsz, "output buffer too small");
		return -1;
	}
	return 0;
}

/* Normalises the digits of an international number (after + or 00). */
static int international(const char *digits, char *out, size_t outsz, char *err, size_t errsz)
{
	const struct tk_country *c;
	const char *nsn;
	char cc[4];

	if (digits[0] == '0') {
		set_err(err, errsz, "a country code cannot start with 0");
		return -1;
	}
	c = country_of_digits(digits);
	if (c == NULL) {
		/* not in our table: only E.164's own limits apply; the country
		 * code is 1 to 3 digits, so put it all after the '+' */
		size_t n = strlen(digits);

		if (n > DIGITS_MAX || n < DIGITS_MIN) {
			set_err(err, errsz, n > DIGITS_MAX ? "too long: at most %d digits with the country code"
					: "too short: at least %d digits with the country code",
					n > DIGITS_MAX ? DIGITS_MAX : DIGITS_MIN);
			return -1;
		}
		return put_e164(digits, "", out, outsz, err, errsz);
	}
	memcpy(cc, c->calling, strlen(c->calling) + 1);
	nsn = digits + strlen(cc);
	/* "+44 020 ..." is a common slip: the trunk 0 does not belong after
	 * the country code where national numbers never start with it */
	if (strcmp(c->trunk, "0") == 0 && nsn[0] == '0')
		nsn++;
	if (strcmp(c->trunk, "0") == 0 && nsn[0] == '0') {
		set_err(err, errsz, "a %s number does not start with 0 after +%s", c->iso, c->calling);
		return -1;
	}
	if (check_nsn(c, nsn, err, errsz) != 0)
		return -1;
	return put_e164(cc, nsn, out, outsz, err, errsz);
}

/* Normalises a typed number to E.164 with a default country. */
int tk_phone_normalise(const char *typed, const char *default_iso, char *out, size_t outsz,
		char *err, size_t errsz)
{
	char digits[TYPED_MAX];
	const struct tk_country *c = NULL;
	const char *nsn;
	int plus, paren0;

	if (out == NULL || outsz < TK_E164_MAX) {
		set_err(err, errsz, "output buffer too small");
		return -1;
	}
	out[0] = '\0';
	if (typed == NULL || strlen(typed) >= TYPED_MAX) {
		set_err(err, errsz, typed ? "too long: at most %d digits with the country code" : "no digits",
				DIGITS_MAX);
		return -1;
	}
	if (collect(typed, digits, sizeof digits, &plus, &paren0, err, errsz) != 0)
		return -1;
	if (default_iso != NULL && default_iso[0] != '\0')
		c = tk_country_find(default_iso);
	if (plus)
		return international(digits, out, outsz, err, errsz);
	if (c != NULL && strcmp(c->intl, "00") != 0 &&
			strncmp(digits, c->intl, strlen(c->intl)) == 0)
		return international(digits + strlen(c->intl), out, outsz, err, errsz);
	if (strncmp(digits, "00", 2) == 0)
		return international(digits + 2, out, outsz, err, errsz);
	if (c == NULL) {
		if (default_iso != NULL && default_iso[0] != '\0')
			set_err(err, errsz, "country '%s' is not known here; type the number with +country code",
					default_iso);
		else
			set_err(err, errsz, "start with + and the country code (no default country is set)");
		return -1;
	}
	nsn = digits;
	if (!paren0 && c->trunk[0] != '\0' && strncmp(nsn, c->trunk, strlen(c->trunk)) == 0) {
		/* NANP's trunk "1" is only a trunk in front of a full 10 digits */
		if (strcmp(c->calling, "1") != 0 || strlen(nsn) == 11)
			nsn += strlen(c->trunk);
	}
	if (check_nsn(c, nsn, err, errsz) != 0)
		return -1;
	return put_e164(c->calling, nsn, out, outsz, err, errsz);
}

/* Splits a national number of len digits into groups for display (common
 * international style: "151 2345 6789", "612 345 678", UK "20 7946 0958"
 * and "7700 900123"); returns the number of groups written to groups[8]. */
static size_t group_digits(const struct tk_country *c, const char *nsn, size_t len, int *groups)
{
	static const int by_len[12][4] = {
		[5] = { 2, 3 }, [6] = { 3, 3 }, [7] = { 3, 4 }, [8] = { 4, 4 }, [9] = { 3, 3, 3 },
		[10] = { 3, 3, 4 }, [11] = { 3, 4, 4 },
	};
	size_t n = 0, k, left = len;

	if (strcmp(c->calling, "44") == 0 && len == 10) {
		groups[0] = nsn[0] == '2' ? 2 : 4;
		groups[1] = nsn[0] == '2' ? 4 : 6;
		if (nsn[0] == '2')
			groups[2] = 4;
		return nsn[0] == '2' ? 3 : 2;
	}
	if (len < 12 && by_len[len][0] != 0) {
		for (k = 0; k < 4 && by_len[len][k] != 0; k++)
			groups[n++] = by_len[len][k];
		return n;
	}
	if (len <= 4) {
		groups[0] = (int)len;
		return 1;
	}
	/* 12 and more: groups of 4 from the right, the first takes the rest */
	if (left % 4 != 0) {
		groups[n++] = (int)(left % 4);
		left -= left % 4;
	}
	while (left > 0 && n < 8) {
		groups[n++] = 4;
		left -= 4;
	}
	return n;
}

/* Formats an E.164 number for people. */
int tk_phone_format(const char *e164, char *out, size_t outsz)
{
	const struct tk_country *c;
	const char *nsn;
	size_t n, i, pos = 0, len;
	int w;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if (e164 == NULL || e164[0] != '+')
		return -1;
	n = strlen(e164 + 1);
	if (n < DIGITS_MIN || n > DIGITS_MAX || e164[1] == '0')
		return -1;
	for (i = 1; i <= n; i++)
		if (!isdigit((unsigned char)e164[i]))
			return -1;
	c = country_of_digits(e164 + 1);
	if (c == NULL) {
		w = snprintf(out, outsz, "%s", e164);
		return w > 0 && (size_t)w < outsz ? 0 : (out[0] = '\0', -1);
	}
	nsn = e164 + 1 + strlen(c->calling);
	len = strlen(nsn);
	if (strcmp(c->calling, "1") == 0 && len == 10) {
		w = snprintf(out, outsz, "+1 %.3s-%.3s-%.4s", nsn, nsn + 3, nsn + 6);
		return w > 0 && (size_t)w < outsz ? 0 : (out[0] = '\0', -1);
	}
	w = snprintf(out, outsz, "+%s", c->calling);
	if (w < 0 || (size_t)w >= outsz) {
		out[0] = '\0';
		return -1;
	}
	pos = (size_t)w;
	{
		int groups[8];
		size_t ng = group_digits(c, nsn, len, groups), k;

		for (k = 0, i = 0; k < ng; k++) {
			size_t g = (size_t)groups[k];

			if (pos + g + 2 > outsz) {
				out[0] = '\0';
				return -1;
			}
			out[pos++] = ' ';
			memcpy(out + pos, nsn + i, g);
			pos += g;
			i += g;
		}
	}
	out[pos] = '\0';
	return 0;
}

/* Normalises and formats for the add form, or gives the reason. */
int tk_phone_preview(const char *typed, const char *default_iso, char *out, size_t outsz)
{
	char e164[TK_E164_MAX];
	const char *p = typed;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	while (p != NULL && (*p == ' ' || *p == '\t'))
		p++;
	if (p == NULL || *p == '\0')
		return 1;
	if (tk_phone_normalise(typed, default_iso, e164, sizeof e164, out, outsz) != 0)
		return -1;
	if (tk_phone_format(e164, out, outsz) != 0) {
		snprintf(out, outsz, "%s", e164);
		return 0;
	}
	return 0;
}
