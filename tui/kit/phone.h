/* Phone numbers typed the local way -> E.164, with a default country.
 *
 *   "415 555 0101", "(415) 555-0101", "1-415-555-0101" (country US) -> +14155550101
 *   "0151 2345 6789" (country DE)                                   -> +4915123456789
 *   "+44 (0)20 7946 0958", "+44 20 7946 0958"                        -> +442079460958
 *   "00 33 6 12 34 56 78", "011 33 6 12 34 56 78" (from US)          -> +33612345678
 *
 * Rules: spaces, '-', '.', '/' and parentheses are separators; a leading '+'
 * or the country's international prefix ("00", "011" in NANP, ...) starts
 * an international number; otherwise the default country's calling code is
 * put in front after removing its trunk prefix ("0" in most of Europe,
 * "1" in NANP, none in Italy or Spain). National lengths are checked for the
 * countries in the table; other calling codes only against E.164's 15
 * digits. Errors are one short sentence for the form ("too short for a US
 * number: 7 digits, 10 needed"). No number is ever logged. */
#ifndef TK_PHONE_H
#define TK_PHONE_H

#include <stddef.h>

#define TK_E164_MAX 17   /* "+" + 15 digits + NUL */
#define TK_PHONE_FMT_MAX 32 /* tk_phone_format output, NUL included */

/* One country of the table. */
struct tk_country {
	const char *iso;        /* ISO 3166-1 alpha-2, upper case ("US") */
	const char *name;       /* English name ("United States") */
	const char *calling;    /* calling code digits ("1", "44") */
	const char *trunk;      /* national trunk prefix to drop ("0", "1", "8"; "" = none) */
	const char *intl;       /* international call prefix ("00", "011") */
	int nsn_min;            /* shortest national significant number, digits */
	int nsn_max;            /* longest national significant number, digits */
};

/* Looks a country up by ISO code (any case); NULL when not in the table. */
const struct tk_country *tk_country_find(const char *iso);

/* Returns the table's country for a calling code ("1" -> US, "44" -> GB);
 * for shared codes the main country; NULL when none. */
const struct tk_country *tk_country_by_calling(const char *calling);

/* Returns the table and its length (for a picker or the man page). */
const struct tk_country *tk_country_table(size_t *n);

/* Normalises a typed number to E.164 into out (at least TK_E164_MAX bytes).
 * default_iso may be NULL or "" (then only international numbers are
 * accepted). Returns 0, or -1 with a one-line reason in err. */
int tk_phone_normalise(const char *typed, const char *default_iso, char *out, size_t outsz,
		char *err, size_t errsz);

/* Formats an E.164 number for people: "+1 415-555-0101" (NANP),
 * "+44 20 7946 0958", "+44 7700 900123", "+49 151 2345 6789",
 * "+33 612 345 678" (groups by length, not every country's own habit); a
 * calling code not in the table: the E.164 digits as they are.
 * Returns 0, or -1 when e164 is not "+" and 8-15 digits. */
int tk_phone_format(const char *e164, char *out, size_t outsz);

/* For the add form, as the host types: normalises then formats into out
 * ("+1 415-555-0101") and returns 0, or writes the reason into out and
 * returns -1. An empty or blank field gives "" and returns 1 (no phone). */
int tk_phone_preview(const char *typed, const char *default_iso, char *out, size_t outsz);

#endif
