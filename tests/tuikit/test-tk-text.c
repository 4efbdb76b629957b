/* tui/kit/text.c: display widths (ASCII, accents, combining marks, CJK,
 * emoji, invalid UTF-8, controls), fitting with "…" that never cuts a wide
 * character, padding; table-driven. */
#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kit/text.h"

/* One width case. */
struct width_case {
	const char *in;  /* UTF-8 text */
	int want;        /* display cells */
};

static const struct width_case width_cases[] = {
	{ "", 0 },
	{ "Lee", 3 },
	{ "Zo\xc3\xab", 3 },                                   /* Zoë, precomposed */
	{ "Zoe\xcc\x88", 3 },                                  /* Zoë, e + U+0308 */
	{ "Ana Luc\xc3\xad" "a", 9 },                          /* Ana Lucía */
	{ "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", 8 }, /* 山田太郎 */
	{ "\xf0\x9f\x8d\x95", 2 },                             /* 🍕 */
	{ "Pizza \xf0\x9f\x8d\x95 party", 14 },
	{ "\xea\xb9\x80\xeb\xaf\xbc\xec\xa4\x80", 6 },         /* 김민준 */
	{ "\xef\xbc\xa1", 2 },                                 /* fullwidth A */
	{ "a\xe2\x80\x8d" "b", 2 },                            /* zero-width joiner */
	{ "\xe2\x9d\xa4\xef\xb8\x8f", 1 },                     /* ❤ + VS16: as wcwidth says */
	{ "\xe2\x80\xa6", 1 },                                 /* … */
	{ "a\xff" "b", 3 },                                    /* invalid byte: one cell */
	{ "\xc0\xaf", 2 },                                     /* overlong '/': two bad bytes */
	{ "\xed\xa0\x80", 3 },                                 /* surrogate: three bad bytes */
	{ "\xe5\xb1", 2 },                                     /* truncated sequence */
	{ "a\tb", 3 },                                         /* control: drawn as '?' */
};

/* Display widths match the table. */
static void test_width(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof width_cases / sizeof width_cases[0]; i++) {
		int w = tk_text_width(width_cases[i].in);

		if (w != width_cases[i].want)
			fail_msg("width of case %zu ('%s') = %d, want %d", i, width_cases[i].in, w,
					width_cases[i].want);
	}
	assert_int_equal(tk_text_width(NULL), 0);
	assert_int_equal(tk_text_width_n("\xe5\xb1\xb1\xe7\x94\xb0", 3), 2);
}

/* One decode case. */
struct decode_case {
	const char *in;   /* bytes */
	size_t len;       /* bytes given */
	size_t used;      /* bytes consumed */
	uint32_t cp;      /* code point */
};

static const struct decode_case decode_cases[] = {
	{ "A", 1, 1, 0x41 },
	{ "\xc3\xab", 2, 2, 0xeb },
	{ "\xe5\xb1\xb1", 3, 3, 0x5c71 },
	{ "\xf0\x9f\x8d\x95", 4, 4, 0x1f355 },
	{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
	{ "\xf4\x90\x80\x80", 4, 1, 0xfffd },  /* above U+10FFFF */
	{ "\xe0\x80\xaf", 3, 1, 0xfffd },      /* overlong */
	{ "\xc1\xbf", 2, 1, 0xfffd },          /* overlong 2-byte lead */
	{ "\xed\xbf\xbf", 3, 1, 0xfffd },      /* surrogate */
	{ "\xe5\xb1\xb1", 2, 1, 0xfffd },      /* cut short by len */
	{ "\x80", 1, 1, 0xfffd },              /* stray continuation */
	{ "\xc3" "A", 2, 1, 0xfffd },          /* lead without continuation */
};

/* UTF-8 decoding accepts what is valid and flags the rest byte by byte. */
static void test_decode(void **state)
{
	size_t i;
	uint32_t cp = 0;

	(void)state;
	for (i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++) {
		const struct decode_case *c = &decode_cases[i];
		size_t used = tk_utf8_decode(c->in, c->len, &cp);

		if (used != c->used || cp != c->cp)
			fail_msg("decode case %zu: used %zu cp %04x, want %zu %04x", i, used, cp,
					c->used, c->cp);
	}
	assert_int_equal(tk_utf8_decode("", 0, &cp), 0);
}

/* One fit case. */
struct fit_case {
	const char *in;    /* text */
	int width;         /* cells available */
	const char *want;  /* result */
	int want_w;        /* its width */
};

static const struct fit_case fit_cases[] = {
	{ "Lee", 10, "Lee", 3 },
	{ "Lee", 3, "Lee", 3 },
	{ "Kowalski", 5, "Kowa\xe2\x80\xa6", 5 },
	{ "Kowalski", 1, "\xe2\x80\xa6", 1 },
	{ "Kowalski", 0, "", 0 },
	{ "Zo\xc3\xab Salda\xc3\xb1" "a", 6, "Zo\xc3\xab S\xe2\x80\xa6", 6 },
	/* 山田太郎 in 5: 山田 + … ; in 4: 山 + … (田 would straddle) */
	{ "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", 5, "\xe5\xb1\xb1\xe7\x94\xb0\xe2\x80\xa6", 5 },
	{ "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", 4, "\xe5\xb1\xb1\xe2\x80\xa6", 3 },
	{ "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", 8, "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", 8 },
	{ "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", 2, "\xe2\x80\xa6", 1 },
	/* the combining diaeresis stays with its e */
	{ "Zoe\xcc\x88rin", 5, "Zoe\xcc\x88r\xe2\x80\xa6", 5 },
	{ "Zoe\xcc\x88rin", 4, "Zoe\xcc\x88\xe2\x80\xa6", 4 },
	{ "\xf0\x9f\x8d\x95\xf0\x9f\x8d\x95\xf0\x9f\x8d\x95", 4, "\xf0\x9f\x8d\x95\xe2\x80\xa6", 3 },
	/* unsafe input is made safe */
	{ "a\xff" "b", 5, "a\xef\xbf\xbd" "b", 3 },
	{ "a\nb\x1b[2J", 10, "a?b?[2J", 7 },
	{ "", 4, "", 0 },
};

/* Fitting cuts with "…" at the width, never inside a wide character. */
static void test_fit(void **state)
{
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof fit_cases / sizeof fit_cases[0]; i++) {
		const struct fit_case *c = &fit_cases[i];
		int w = tk_text_fit(c->in, c->width, out, sizeof out);

		if (w != c->want_w || strcmp(out, c->want) != 0)
			fail_msg("fit case %zu: '%s' (%d), want '%s' (%d)", i, out, w, c->want, c->want_w);
		assert_int_equal(tk_text_width(out), w);
		assert_true(w <= c->width);
	}
	/* too small an output buffer: -1 and an empty string */
	assert_int_equal(tk_text_fit("Kowalski", 8, out, 5), -1);
	assert_string_equal(out, "");
	assert_int_equal(tk_text_fit("abc", 8, out, 4), 3);
	assert_int_equal(tk_text_fit(NULL, 8, out, sizeof out), 0);
}

/* One pad case. */
struct pad_case {
	const char *in;        /* text */
	int width;             /* cells */
	enum tk_align align;   /* placement */
	const char *want;      /* result */
};

static const struct pad_case pad_cases[] = {
	{ "Lee", 6, TK_ALIGN_LEFT, "Lee   " },
	{ "Lee", 6, TK_ALIGN_RIGHT, "   Lee" },
	{ "ab", 5, TK_ALIGN_CENTRE, " ab  " },
	{ "\xe5\xb1\xb1\xe7\x94\xb0", 6, TK_ALIGN_LEFT, "\xe5\xb1\xb1\xe7\x94\xb0  " },
	{ "\xe5\xb1\xb1\xe7\x94\xb0", 6, TK_ALIGN_RIGHT, "  \xe5\xb1\xb1\xe7\x94\xb0" },
	/* 山田太郎 in 4: 山… is 3 cells, one space makes 4 */
	{ "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", 4, TK_ALIGN_LEFT, "\xe5\xb1\xb1\xe2\x80\xa6 " },
	{ "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", 4, TK_ALIGN_RIGHT, " \xe5\xb1\xb1\xe2\x80\xa6" },
	{ "Kowalski", 4, TK_ALIGN_RIGHT, "Kow\xe2\x80\xa6" },
	{ "", 3, TK_ALIGN_LEFT, "   " },
	{ "x", 0, TK_ALIGN_LEFT, "" },
};

/* Padding gives exactly the width asked for. */
static void test_pad(void **state)
{
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof pad_cases / sizeof pad_cases[0]; i++) {
		const struct pad_case *c = &pad_cases[i];
		int w = tk_text_pad(c->in, c->width, c->align, out, sizeof out);

		if (w != c->width || strcmp(out, c->want) != 0)
			fail_msg("pad case %zu: '%s' (%d), want '%s'", i, out, w, c->want);
		assert_int_equal(tk_text_width(out), c->width);
	}
	assert_int_equal(tk_text_pad("Lee", 10, TK_ALIGN_RIGHT, out, 8), -1);
	assert_string_equal(out, "");
}

/* A prefix never ends inside a character and reports its width. */
static void test_prefix(void **state)
{
	int used = -1;

	(void)state;
	assert_int_equal(tk_text_prefix("\xe5\xb1\xb1\xe7\x94\xb0", 3, &used), 3);
	assert_int_equal(used, 2);
	assert_int_equal(tk_text_prefix("abc", 10, &used), 3);
	assert_int_equal(used, 3);
	assert_int_equal(tk_text_prefix("abc", -1, &used), 0);
	assert_int_equal(used, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_pad),
		cmocka_unit_test(test_prefix),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "no C.UTF-8 locale\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
