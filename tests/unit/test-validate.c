/* Input validation, table-driven: e-mails, E.164 phones (normalisation and
 * rejects), UTF-8 (overlongs, surrogates, truncation), text limits; plus the
 * codec's small parsers (If-Match, notifyIn time, body checks). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/error.h"
#include "core/validate.h"

/* One e-mail case: input, expected (lower-cased) output or NULL for a reject. */
struct email_case {
	const char *in;    /* input */
	const char *want;  /* normalised, NULL = must be refused */
};

static const struct email_case email_cases[] = {
	{ "ann@example.com", "ann@example.com" },
	{ "Ann.Lee@Example.COM", "ann.lee@example.com" },
	{ "a+tag@mail.example.co.uk", "a+tag@mail.example.co.uk" },
	{ "x@y.io", "x@y.io" },
	{ "o'neil@example.ie", "o'neil@example.ie" },
	{ "first_last-1@sub-domain.example.org", "first_last-1@sub-domain.example.org" },
	{ "", NULL },
	{ "plain", NULL },
	{ "@example.com", NULL },
	{ "ann@", NULL },
	{ "ann@example", NULL },
	{ "ann@@example.com", NULL },
	{ "ann@exa@mple.com", NULL },
	{ "ann@.example.com", NULL },
	{ "ann@example.com.", NULL },
	{ "ann@example..com", NULL },
	{ "ann..lee@example.com", NULL },
	{ ".ann@example.com", NULL },
	{ "ann.@example.com", NULL },
	{ "ann@-example.com", NULL },
	{ "ann@example-.com", NULL },
	{ "ann lee@example.com", NULL },
	{ "ann@exa mple.com", NULL },
	{ "ann@exam_ple.com", NULL },
	{ "<ann@example.com>", NULL },
	{ "ann,lee@example.com", NULL },
	{ "ann@example.c\xc3\xb6m", NULL },
	{ "\xc3\xa4nn@example.com", NULL },
	{ "ann\t@example.com", NULL },
};

/* Each e-mail is accepted and lower-cased, or refused with a reason. */
static void test_email_table(void **state)
{
	char out[MT_EMAIL_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof email_cases / sizeof email_cases[0]; i++) {
		const struct email_case *c = &email_cases[i];
		const char *why = NULL;
		int r = mt_valid_email(c->in, out, sizeof out, &why);

		if (c->want != NULL) {
			if (r != 0)
				fail_msg("e-mail '%s' refused: %s", c->in, why ? why : "?");
			assert_string_equal(out, c->want);
			assert_null(why);
		} else {
			if (r != MT_EINVAL)
				fail_msg("e-mail '%s' accepted", c->in);
			assert_non_null(why);
		}
	}
}

/* Length limits: local part 64, whole address 254, output buffer honoured. */
static void test_email_lengths(void **state)
{
	char in[400], out[MT_EMAIL_MAX + 1], small[8];
	const char *why;

	(void)state;
	memset(in, 'a', 64);
	memcpy(in + 64, "@example.com", 13);
	assert_int_equal(mt_valid_email(in, out, sizeof out, &why), 0);
	memset(in, 'a', 65);
	memcpy(in + 65, "@example.com", 13);
	assert_int_equal(mt_valid_email(in, out, sizeof out, &why), MT_EINVAL);
	/* 254 total is fine, 255 is not */
	memcpy(in, "a@", 2);
	memset(in + 2, 'b', 248);
	memcpy(in + 250, ".com", 5);
	assert_int_equal(strlen(in), 254);
	assert_int_equal(mt_valid_email(in, out, sizeof out, &why), 0);
	memcpy(in + 250, "x.com", 6);
	assert_int_equal(mt_valid_email(in, out, sizeof out, &why), MT_EINVAL);
	assert_int_equal(mt_valid_email("ann@example.com", small, sizeof small, &why), MT_EINVAL);
	assert_int_equal(mt_valid_email(NULL, out, sizeof out, &why), MT_EINVAL);
}

/* One phone case: input, expected E.164 or NULL for a reject. */
struct phone_case {
	const char *in;    /* input */
	const char *want;  /* E.164, NULL = must be refused */
};

static const struct phone_case phone_cases[] = {
	{ "+15551234567", "+15551234567" },
	{ "+1 (555) 123-4567", "+15551234567" },
	{ "+44 20 7946 0958", "+442079460958" },
	{ "0044 20 7946 0958", "+442079460958" },
	{ "+49.30.123456", "+4930123456" },
	{ "  +33 1 23 45 67 89", "+33123456789" },
	{ "+1-555-123-4567", "+15551234567" },
	{ "+123456789012345", "+123456789012345" },   /* 15 digits: the E.164 maximum */
	{ "+1234567", "+1234567" },                   /* 7 digits: the shortest accepted */
	{ "+1234567890123456", NULL },                /* 16 digits */
	{ "+123456", NULL },                          /* too short */
	{ "5551234567", NULL },                       /* no country code */
	{ "(555) 123-4567", NULL },
	{ "0555 1234567", NULL },                     /* national trunk prefix */
	{ "+0123456789", NULL },                      /* country codes never start with 0 */
	{ "+1 555 CALL NOW", NULL },
	{ "+1555123456x7", NULL },
	{ "++15551234567", NULL },
	{ "+1/555/1234567", NULL },
	{ "+", NULL },
	{ "", NULL },
	{ "+1555\xef\xbc\x91" "234567", NULL },          /* full-width digit one */
};

/* Each phone is normalised to E.164 or refused with a reason. */
static void test_phone_table(void **state)
{
	char out[MT_PHONE_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof phone_cases / sizeof phone_cases[0]; i++) {
		const struct phone_case *c = &phone_cases[i];
		const char *why = NULL;
		int r = mt_valid_phone(c->in, out, sizeof out, &why);

		if (c->want != NULL) {
			if (r != 0)
				fail_msg("phone '%s' refused: %s", c->in, why ? why : "?");
			assert_string_equal(out, c->want);
		} else {
			if (r != MT_EINVAL)
				fail_msg("phone '%s' accepted as '%s'", c->in, out);
			assert_non_null(why);
		}
	}
	assert_int_equal(mt_valid_phone(NULL, out, sizeof out, NULL), MT_EINVAL);
	assert_int_equal(mt_valid_phone("+15551234567", out, 8, NULL), MT_EINVAL);
}

/* One UTF-8 case: bytes, length, expected validity. */
struct utf8_case {
	const char *s;     /* bytes */
	size_t len;        /* length */
	int ok;            /* 1 = well-formed */
	const char *what;  /* description for failures */
};

#define U(s, ok, what) { s, sizeof(s) - 1, ok, what }
static const struct utf8_case utf8_cases[] = {
	U("", 1, "empty"),
	U("plain ascii", 1, "ascii"),
	U("Zo\xc3\xab", 1, "2-byte"),
	U("\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", 1, "3-byte CJK"),
	U("\xf0\x9f\x8d\xb7", 1, "4-byte emoji"),
	U("\xed\x9f\xbf", 1, "U+D7FF, last before surrogates"),
	U("\xee\x80\x80", 1, "U+E000, first after surrogates"),
	U("\xf4\x8f\xbf\xbf", 1, "U+10FFFF, the last code point"),
	U("\xc0\xaf", 0, "overlong '/' in 2 bytes"),
	U("\xc1\xbf", 0, "overlong in 2 bytes"),
	U("\xe0\x80\xaf", 0, "overlong '/' in 3 bytes"),
	U("\xe0\x9f\xbf", 0, "overlong U+07FF in 3 bytes"),
	U("\xf0\x80\x80\xaf", 0, "overlong '/' in 4 bytes"),
	U("\xf0\x8f\xbf\xbf", 0, "overlong U+FFFF in 4 bytes"),
	U("\xed\xa0\x80", 0, "surrogate U+D800"),
	U("\xed\xbf\xbf", 0, "surrogate U+DFFF"),
	U("\xf4\x90\x80\x80", 0, "above U+10FFFF"),
	U("\xf5\x80\x80\x80", 0, "lead byte F5"),
	U("\xff", 0, "byte FF"),
	U("\x80", 0, "lone continuation"),
	U("a\xc3", 0, "truncated 2-byte"),
	U("\xe5\xb1", 0, "truncated 3-byte"),
	U("\xf0\x9f\x8d", 0, "truncated 4-byte"),
	U("\xc3\x28", 0, "bad continuation"),
};

/* Well-formedness of each byte string. */
static void test_utf8_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof utf8_cases / sizeof utf8_cases[0]; i++)
		if (mt_valid_utf8(utf8_cases[i].s, utf8_cases[i].len) != utf8_cases[i].ok)
			fail_msg("utf-8 case '%s': want %d", utf8_cases[i].what, utf8_cases[i].ok);
}

/* One text case. */
struct text_case {
	const char *s;     /* input */
	size_t min, max;   /* byte limits */
	int newlines;      /* allow \n and \t */
	int ok;            /* 1 = valid */
};

static const struct text_case text_cases[] = {
	{ "Table for two", 1, 200, 0, 1 },
	{ "", 1, 200, 0, 0 },
	{ "", 0, 200, 0, 1 },
	{ "abc", 1, 3, 0, 1 },
	{ "abcd", 1, 3, 0, 0 },
	{ "Zo\xc3\xab", 1, 4, 0, 1 },          /* 4 bytes: limits count bytes */
	{ "Zo\xc3\xab", 1, 3, 0, 0 },
	{ "line\nbreak", 0, 100, 1, 1 },
	{ "line\nbreak", 0, 100, 0, 0 },
	{ "tab\there", 0, 100, 1, 1 },
	{ "cr\rhere", 0, 100, 1, 0 },
	{ "bell\x07", 0, 100, 1, 0 },
	{ "del\x7f", 0, 100, 1, 0 },
	{ "esc\x1b[31m", 0, 100, 1, 0 },
	{ "bad \xc0\xaf", 0, 100, 1, 0 },
};

/* Text checks: UTF-8, control characters, byte limits. */
static void test_text_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof text_cases / sizeof text_cases[0]; i++) {
		const struct text_case *c = &text_cases[i];
		const char *why = NULL;
		int r = mt_valid_text(c->s, c->min, c->max, c->newlines, &why);

		if ((r == 0) != c->ok)
			fail_msg("text case %zu ('%s'): got %d", i, c->s, r);
		if (!c->ok)
			assert_non_null(why);
	}
	assert_int_equal(mt_valid_text(NULL, 0, 10, 0, NULL), MT_EINVAL);
}

/* If-Match: bare, quoted, weak and "*" forms; junk refused. */
static void test_if_match(void **state)
{
	static const struct { const char *in; int64_t want; int ok; } cases[] = {
		{ "3", 3, 1 }, { "\"3\"", 3, 1 }, { "W/\"12\"", 12, 1 }, { " 7 ", 7, 1 }, { "*", -1, 1 },
		{ "0", 0, 1 }, { "", 0, 0 }, { "\"\"", 0, 0 }, { "-1", 0, 0 }, { "3a", 0, 0 }, { "abc", 0, 0 },
		{ "\"3", 0, 0 }, { "1 2", 0, 0 }, { "99999999999999999999", 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t v = 42;
		int r = mt_codec_parse_if_match(cases[i].in, &v);

		if ((r == 0) != cases[i].ok)
			fail_msg("If-Match '%s': got %d", cases[i].in, r);
		if (cases[i].ok)
			assert_int_equal(v, cases[i].want);
	}
}

/* notifyIn: 0 = now exactly; otherwise now + minutes, cut to the minute. */
static void test_notify_at(void **state)
{
	const int64_t now = 1700000012345LL; /* 12.345 s past a minute boundary? computed below */
	int64_t minute_start = now - now % 60000;

	(void)state;
	assert_int_equal(mt_codec_notify_at(now, 0), now);
	assert_int_equal(mt_codec_notify_at(now, 1), minute_start + 60000);
	assert_int_equal(mt_codec_notify_at(now, 15), minute_start + 15 * 60000);
	assert_int_equal(mt_codec_notify_at(now, 1440), minute_start + 1440LL * 60000);
	assert_int_equal(mt_codec_notify_at(now, 15) % 60000, 0);
	/* exactly on a boundary stays there */
	assert_int_equal(mt_codec_notify_at(minute_start, 5), minute_start + 5 * 60000);
}

/* Parses text as a body and runs the waitee codec; returns r and fills err. */
static int parse_waitee(const char *text, int create, struct mt_waitee_patch *p, struct mt_codec_err *err)
{
	cJSON *j = cJSON_Parse(text);
	int r;

	assert_non_null(j);
	r = mt_codec_waitee_parse(j, create, p, err);
	cJSON_Delete(j);
	return r;
}

/* Waitee bodies: defaults, normalisation, and each refusal names its field and code. */
static void test_waitee_bodies(void **state)
{
	static const struct { const char *body; int create; const char *code, *field; } bad[] = {
		{ "{}", 1, "missing_field", "name" },
		{ "{\"name\":\"\"}", 1, "invalid_field", "name" },
		{ "{\"name\":7}", 1, "invalid_type", "name" },
		{ "{\"name\":\"A\",\"partySize\":0}", 1, "invalid_field", "partySize" },
		{ "{\"name\":\"A\",\"partySize\":51}", 1, "invalid_field", "partySize" },
		{ "{\"name\":\"A\",\"partySize\":2.5}", 1, "invalid_type", "partySize" },
		{ "{\"name\":\"A\",\"partySize\":\"2\"}", 1, "invalid_type", "partySize" },
		{ "{\"name\":\"A\",\"phoneNumber\":\"555-1234\"}", 1, "invalid_field", "phoneNumber" },
		{ "{\"name\":\"A\",\"phoneNumber\":5551234}", 1, "invalid_type", "phoneNumber" },
		{ "{\"name\":\"A\",\"email\":\"nope\"}", 1, "invalid_field", "email" },
		{ "{\"name\":\"A\",\"notifyIn\":-1}", 1, "invalid_field", "notifyIn" },
		{ "{\"name\":\"A\",\"notifyIn\":1441}", 1, "invalid_field", "notifyIn" },
		{ "{\"name\":\"A\",\"notifyIn\":true}", 1, "invalid_type", "notifyIn" },
		{ "{\"name\":\"A\",\"quotedMinutes\":1441}", 1, "invalid_field", "quotedMinutes" },
		{ "{\"name\":\"A\",\"status\":\"seated\"}", 1, "read_only", "status" },
		{ "{\"name\":\"A\",\"version\":1}", 1, "read_only", "version" },
		{ "{\"name\":\"A\",\"id\":\"x\"}", 1, "read_only", "id" },
		{ "{\"notifiedAt\":1}", 0, "read_only", "notifiedAt" },
		{ "{\"position\":1}", 0, "read_only", "position" },
		{ "{\"waitlistId\":\"x\"}", 0, "read_only", "waitlistId" },
		{ "{\"notifyCount\":0}", 0, "read_only", "notifyCount" },
		{ "{\"colour\":\"red\"}", 0, "unknown_field", "colour" },
		{ "{\"status\":\"gone\"}", 0, "invalid_field", "status" },
		{ "{\"status\":1}", 0, "invalid_type", "status" },
		{ "{\"version\":\"3\"}", 0, "invalid_type", "version" },
		{ "{\"name\":null}", 0, "invalid_type", "name" },
	};
	struct mt_waitee_patch p;
	struct mt_codec_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse_waitee(bad[i].body, bad[i].create, &p, &err) != MT_EINVAL)
			fail_msg("body %s accepted", bad[i].body);
		assert_string_equal(err.code, bad[i].code);
		assert_string_equal(err.field, bad[i].field);
		assert_true(strlen(err.message) > 0);
	}
	/* original client body: partySize defaults, phone normalised */
	assert_int_equal(parse_waitee("{\"name\":\"Ann\",\"phoneNumber\":\"+1 (555) 123-4567\",\"notifyIn\":15}",
				      1, &p, &err), 0);
	assert_int_equal(p.party_size, MT_PARTY_DEFAULT);
	assert_string_equal(p.phone, "+15551234567");
	assert_true(p.has_notify_in);
	assert_int_equal(p.notify_in, 15);
	/* update: null clears optional fields, status and version are taken */
	assert_int_equal(parse_waitee("{\"email\":null,\"phoneNumber\":\"\",\"notes\":null,\"status\":\"no_show\","
				      "\"version\":4}", 0, &p, &err), 0);
	assert_true(p.has_email && p.has_phone && p.has_notes && p.has_status && p.has_version);
	assert_string_equal(p.email, "");
	assert_string_equal(p.phone, "");
	assert_int_equal(p.status, MT_NO_SHOW);
	assert_int_equal(p.version, 4);
	assert_false(p.has_name || p.has_party_size);
}

/* Waitlist bodies: templates validated, over-long text refused. */
static void test_waitlist_bodies(void **state)
{
	static const struct { const char *body; int create; const char *code, *field; } bad[] = {
		{ "{\"description\":\"x\"}", 1, "missing_field", "name" },
		{ "{\"name\":\"A\",\"templates\":\"x\"}", 1, "invalid_type", "templates" },
		{ "{\"name\":\"A\",\"templates\":{\"bye\":\"x\"}}", 1, "unknown_field", "templates.bye" },
		{ "{\"name\":\"A\",\"templates\":{\"ready\":\"Hi {nmae}\"}}", 1, "invalid_field", "templates.ready" },
		{ "{\"name\":\"A\",\"templates\":{\"ready\":\"Hi {name\"}}", 1, "invalid_field", "templates.ready" },
		{ "{\"name\":\"A\",\"templates\":{\"joined\":\"a } b\"}}", 1, "invalid_field", "templates.joined" },
		{ "{\"name\":\"A\",\"createdAt\":1}", 1, "read_only", "createdAt" },
		{ "{\"name\":\"A\",\"owner\":\"me\"}", 1, "unknown_field", "owner" },
		{ "{\"name\":\"bad\\u0001name\"}", 0, "invalid_field", "name" },
		{ "{\"version\":-1}", 0, "invalid_field", "version" },
	};
	struct mt_waitlist_patch p;
	struct mt_codec_err err;
	struct mt_waitlist w;
	char *big;
	cJSON *j;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = cJSON_Parse(bad[i].body);
		assert_non_null(j);
		if (mt_codec_waitlist_parse(j, bad[i].create, &p, &err) != MT_EINVAL)
			fail_msg("body %s accepted", bad[i].body);
		cJSON_Delete(j);
		assert_string_equal(err.code, bad[i].code);
		assert_string_equal(err.field, bad[i].field);
	}
	/* name of 201 bytes: too_long */
	big = malloc(300);
	assert_non_null(big);
	memset(big, 'n', 201);
	big[201] = '\0';
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", big);
	assert_int_equal(mt_codec_waitlist_parse(j, 1, &p, &err), MT_EINVAL);
	assert_string_equal(err.code, "invalid_field");
	assert_string_equal(err.field, "name");
	cJSON_Delete(j);
	free(big);
	/* a good one applies */
	j = cJSON_Parse("{\"name\":\"Main room\",\"templates\":{\"ready\":\"{name}, your table at {restaurant} "
			"is ready {{now}}\",\"joined\":null}}");
	assert_non_null(j);
	assert_int_equal(mt_codec_waitlist_parse(j, 1, &p, &err), 0);
	cJSON_Delete(j);
	memset(&w, 0, sizeof w);
	snprintf(w.tpl_joined, sizeof w.tpl_joined, "old");
	mt_codec_waitlist_apply(&p, &w);
	assert_string_equal(w.name, "Main room");
	assert_string_equal(w.tpl_joined, "");
	assert_string_equal(w.tpl_ready, "{name}, your table at {restaurant} is ready {{now}}");
	j = mt_codec_waitlist_to_json(&w);
	assert_non_null(j);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "templates"), "joined")));
	cJSON_Delete(j);
}

/* The JSON writers escape what JSON needs, keep UTF-8, print int64 times
 * exactly, and write null for absent values; the text parses back to the
 * same strings. */
static void test_writer_round_trip(void **state)
{
	static const char *const names[] = {
		"plain", "Zo\xc3\xab \xe5\xb1\xb1\xe7\x94\xb0 \xf0\x9f\x8d\xb7", "quote \" backslash \\ slash /",
		"ctl \x01\x1f\x7f", "nl\ntab\tcr\rbs\bff\f", "</script>",
	};
	struct mt_waitee w;
	struct mt_waitlist l;
	struct mt_buf b;
	cJSON *j;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		memset(&w, 0, sizeof w);
		snprintf(w.id, sizeof w.id, "01HAAAAAAAAAAAAAAAAAAAAAAA");
		snprintf(w.name, sizeof w.name, "%s", names[i]);
		snprintf(w.notes, sizeof w.notes, "%s|%s", names[i], names[i]);
		snprintf(w.reply, sizeof w.reply, "%s", names[i]);
		w.party_size = 50;
		w.status = MT_NO_SHOW;
		w.joined_at = 9007199254740991LL; /* 2^53 - 1: exact */
		w.expires_at = 1700000000;
		w.version = 123456789012LL;
		w.position = 0;
		j = mt_codec_waitee_to_json(&w);
		if (j == NULL)
			fail_msg("waitee with name '%s' did not give valid JSON", names[i]);
		assert_string_equal(cJSON_GetObjectItem(j, "name")->valuestring, w.name);
		assert_string_equal(cJSON_GetObjectItem(j, "notes")->valuestring, w.notes);
		assert_string_equal(cJSON_GetObjectItem(j, "reply")->valuestring, w.reply);
		assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring, "no_show");
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "phoneNumber")));
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "notifyAt")));
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "lastResult")));
		assert_int_equal((int64_t)cJSON_GetObjectItem(j, "joinedAt")->valuedouble, w.joined_at);
		assert_int_equal((int64_t)cJSON_GetObjectItem(j, "timeToLive")->valuedouble, 1700000000);
		assert_int_equal((int64_t)cJSON_GetObjectItem(j, "version")->valuedouble, 123456789012LL);
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "finishedAt")));   /* no undo record */
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "previousStatus")));
		assert_string_equal(cJSON_GetObjectItem(j, "source")->valuestring, "host");
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "guestUrl")));
		assert_int_equal(cJSON_GetArraySize(j), 26);
		cJSON_Delete(j);
	}
	/* the raw text: exact bytes for escapes, and the exact key order */
	mt_buf_init(&b, MT_CODEC_RECORD_MAX);
	memset(&l, 0, sizeof l);
	snprintf(l.id, sizeof l.id, "01HAAAAAAAAAAAAAAAAAAAAAAA");
	snprintf(l.name, sizeof l.name, "a\"b\\c\x01");
	snprintf(l.tpl_ready, sizeof l.tpl_ready, "{name}\n");
	l.created_at = 1;
	l.updated_at = 2;
	l.version = 3;
	assert_int_equal(mt_codec_waitlist_write(&b, &l), 0);
	assert_string_equal(b.data, "{\"id\":\"01HAAAAAAAAAAAAAAAAAAAAAAA\",\"name\":\"a\\\"b\\\\c\\u0001\","
			    "\"description\":\"\",\"createdAt\":1,\"updatedAt\":2,\"version\":3,"
			    "\"templates\":{\"joined\":null,\"ready\":\"{name}\\n\",\"reminder\":null},"
			    "\"selfCheckIn\":false,\"checkInUrl\":null,\"defaultQuoteMinutes\":15}");
	mt_buf_free(&b);
	/* every field at its limit, all escaped six-fold, still fits one record */
	memset(&w, 0, sizeof w);
	memset(w.name, 1, MT_NAME_MAX);
	memset(w.notes, 1, MT_NOTES_MAX);
	memset(w.email, 1, MT_EMAIL_MAX);
	memset(w.reply, 1, MT_REPLY_MAX);
	memset(w.last_reason, 1, MT_REASON_MAX);
	mt_buf_init(&b, MT_CODEC_RECORD_MAX);
	assert_int_equal(mt_codec_waitee_write(&b, &w), 0);
	assert_true(b.len > 6 * (MT_NAME_MAX + MT_NOTES_MAX));
	mt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email_table),
		cmocka_unit_test(test_email_lengths),
		cmocka_unit_test(test_phone_table),
		cmocka_unit_test(test_utf8_table),
		cmocka_unit_test(test_text_table),
		cmocka_unit_test(test_if_match),
		cmocka_unit_test(test_notify_at),
		cmocka_unit_test(test_waitee_bodies),
		cmocka_unit_test(test_waitlist_bodies),
		cmocka_unit_test(test_writer_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
