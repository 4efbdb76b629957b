/* tui/kit/palette.c: colour mode choice (NO_COLOR, 8/16/256, none), colour
 * reduction, resolution (monochrome fallback, bright -> bold, contrast,
 * shared pairs, running out of pairs), and installation into a real
 * ncurses screen (newterm on /dev/null) for 256 and 8 colours. */
#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kit/palette.h"
#include "kit/theme.h"

/* One mode case. */
struct mode_case {
	int has;                   /* has_colors() */
	int colours;               /* COLORS */
	const char *no_color;      /* NO_COLOR value */
	enum tk_colour_mode want;  /* expected mode */
};

static const struct mode_case mode_cases[] = {
	{ 1, 256, NULL, TK_COLOURS_256 }, { 1, 16777216, NULL, TK_COLOURS_256 },
	{ 1, 88, NULL, TK_COLOURS_16 }, { 1, 16, NULL, TK_COLOURS_16 }, { 1, 8, NULL, TK_COLOURS_8 },
	{ 1, 256, "1", TK_COLOURS_NONE }, { 1, 256, "yes", TK_COLOURS_NONE },
	{ 1, 256, "", TK_COLOURS_256 },  /* NO_COLOR set but empty: ignored (no-color.org) */
	{ 0, 256, NULL, TK_COLOURS_NONE }, { 1, 2, NULL, TK_COLOURS_NONE },
};

/* The mode follows the terminal and NO_COLOR. */
static void test_mode(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof mode_cases / sizeof mode_cases[0]; i++) {
		const struct mode_case *c = &mode_cases[i];

		if (tk_colour_mode_pick(c->has, c->colours, c->no_color) != c->want)
			fail_msg("mode case %zu: %d", i, tk_colour_mode_pick(c->has, c->colours, c->no_color));
	}
	assert_string_equal(tk_colour_mode_name(TK_COLOURS_NONE), "no colour");
	assert_string_equal(tk_colour_mode_name(TK_COLOURS_256), "256 colours");
}

/* One reduction case. */
struct reduce_case {
	int in;       /* 0-255 or default */
	int want16;   /* in 16 colours */
	int want8;    /* in 8 colours */
};

static const struct reduce_case reduce_cases[] = {
	{ TK_COLOUR_DEFAULT, TK_COLOUR_DEFAULT, TK_COLOUR_DEFAULT },
	{ 1, 1, 1 }, { 9, 9, 1 }, { 13, 13, 5 }, { 15, 15, 7 },
	{ 196, 9, 1 },   /* red */
	{ 160, 1, 1 },   /* dark red */
	{ 19, 4, 4 },    /* dark blue: blue, not cyan */
	{ 220, 11, 3 },  /* gold: yellow */
	{ 214, 3, 3 },   /* orange: (dark) yellow rather than red */
	{ 46, 10, 2 },   /* green */
	{ 51, 14, 6 },   /* cyan */
	{ 201, 13, 5 },  /* magenta */
	{ 16, 0, 0 }, { 231, 15, 7 },
	{ 236, 0, 0 },   /* dark grey: black */
	{ 244, 8, 7 },   /* mid grey: white in 8 */
	{ 252, 7, 7 },
};

/* Colours reduce to the nearest the terminal has. */
static void test_reduce(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof reduce_cases / sizeof reduce_cases[0]; i++) {
		const struct reduce_case *c = &reduce_cases[i];
		int r16 = tk_colour_reduce(c->in, TK_COLOURS_16), r8 = tk_colour_reduce(c->in, TK_COLOURS_8);

		if (r16 != c->want16 || r8 != c->want8)
			fail_msg("colour %d: 16 -> %d (want %d), 8 -> %d (want %d)", c->in, r16, c->want16,
					r8, c->want8);
		assert_int_equal(tk_colour_reduce(c->in, TK_COLOURS_256), c->in);
		assert_int_equal(tk_colour_reduce(c->in, TK_COLOURS_NONE), TK_COLOUR_DEFAULT);
	}
}

/* 256 colours: styles as written, one pair per distinct fg/bg, shared. */
static void test_resolve_256(void **state)
{
	struct tk_theme t;
	struct tk_palette p;
	int i, j;

	(void)state;
	tk_theme_default(&t);
	assert_int_equal(tk_palette_resolve(&t, TK_COLOURS_256, 256, &p), 0);
	assert_int_equal(p.mode, TK_COLOURS_256);
	assert_int_equal(p.slot[TK_SLOT_OVER_QUOTE].fg, 196);
	assert_int_equal(p.slot[TK_SLOT_OVER_QUOTE].attrs, TK_A_BOLD);
	assert_int_equal(p.slot[TK_SLOT_NORMAL].pair, 0);
	assert_int_equal(p.slot[TK_SLOT_SELECTED].pair, 0);
	assert_string_equal(tk_palette_marker(&p, TK_SLOT_CONFIRMED), "\xe2\x9c\x93");
	assert_true(p.uses_default);
	/* header and key-hint are both 231 on 19: one pair */
	assert_int_equal(p.slot[TK_SLOT_HEADER].pair, p.slot[TK_SLOT_KEY_HINT].pair);
	for (i = 0; i < TK_SLOT_COUNT; i++) {
		const struct tk_resolved *a = &p.slot[i];

		if (a->fg == TK_COLOUR_DEFAULT && a->bg == TK_COLOUR_DEFAULT) {
			assert_int_equal(a->pair, 0);
			continue;
		}
		assert_true(a->pair >= 1 && a->pair <= p.npairs);
		for (j = 0; j < i; j++) {
			const struct tk_resolved *b = &p.slot[j];

			assert_int_equal(a->pair == b->pair, a->fg == b->fg && a->bg == b->bg);
		}
	}
}

/* No colour: a colour theme gives way to the monochrome styles; a theme
 * without colours is used as written. */
static void test_resolve_none(void **state)
{
	struct tk_theme t, mono;
	struct tk_palette p;
	char err[128];
	int i;

	(void)state;
	tk_theme_default(&t);
	tk_theme_mono(&mono);
	assert_int_equal(tk_palette_resolve(&t, TK_COLOURS_NONE, 256, &p), 0);
	assert_int_equal(p.npairs, 0);
	for (i = 0; i < TK_SLOT_COUNT; i++) {
		assert_int_equal(p.slot[i].pair, 0);
		assert_int_equal(p.slot[i].attrs, mono.slot[i].attrs);
		assert_string_equal(p.marker[i], mono.slot[i].marker);
	}
	assert_string_equal(tk_palette_marker(&p, TK_SLOT_NEAR_QUOTE), "~");
	/* a colourless custom theme keeps its own attributes */
	assert_int_equal(tk_theme_parse("over-quote = underline marker \"#\"\n", 34, "u.theme", "u", &t,
			err, sizeof err), 0);
	for (i = 0; i < TK_SLOT_COUNT; i++)
		t.slot[i].fg = t.slot[i].bg = TK_COLOUR_DEFAULT;
	assert_int_equal(tk_palette_resolve(&t, TK_COLOURS_NONE, 256, &p), 0);
	assert_int_equal(p.slot[TK_SLOT_OVER_QUOTE].attrs, TK_A_UNDERLINE);
	assert_string_equal(p.marker[TK_SLOT_OVER_QUOTE], "#");
}

/* 8 colours: bright foregrounds become bold; a fg that collapses onto its
 * bg is replaced by black or white. */
static void test_resolve_8(void **state)
{
	static const char text[] =
		"over-quote = bright-red\n"
		"failed = 52 on 88\n"      /* two dark reds: both red */
		"search = 229 on 228\n"    /* two light yellows: both yellow */
		"field = 231 on 19\n";
	struct tk_theme t;
	struct tk_palette p;
	char err[128];

	(void)state;
	assert_int_equal(tk_theme_parse(text, sizeof text - 1, "8.theme", "8", &t, err, sizeof err), 0);
	assert_int_equal(tk_palette_resolve(&t, TK_COLOURS_8, 64, &p), 0);
	assert_int_equal(p.slot[TK_SLOT_OVER_QUOTE].fg, 1);
	assert_true(p.slot[TK_SLOT_OVER_QUOTE].attrs & TK_A_BOLD);
	assert_int_equal(p.slot[TK_SLOT_FAILED].bg, 1);
	assert_int_equal(p.slot[TK_SLOT_FAILED].fg, 7);
	assert_int_equal(p.slot[TK_SLOT_SEARCH].bg, 3);
	assert_int_equal(p.slot[TK_SLOT_SEARCH].fg, 0);
	assert_int_equal(p.slot[TK_SLOT_FIELD].fg, 7);
	assert_int_equal(p.slot[TK_SLOT_FIELD].bg, 4);
	/* the same theme in 256 colours keeps them as written */
	assert_int_equal(tk_palette_resolve(&t, TK_COLOURS_256, 64, &p), 0);
	assert_int_equal(p.slot[TK_SLOT_FAILED].fg, 52);
	assert_int_equal(p.slot[TK_SLOT_OVER_QUOTE].attrs, 0);
}

/* Too few pairs: -1, the remaining slots without colour, never a pair
 * number at or beyond the limit. */
static void test_out_of_pairs(void **state)
{
	struct tk_theme t;
	struct tk_palette p;
	int i, zero = 0;

	(void)state;
	tk_theme_default(&t);
	assert_int_equal(tk_palette_resolve(&t, TK_COLOURS_256, 4, &p), -1);
	assert_int_equal(p.npairs, 3);
	for (i = 0; i < TK_SLOT_COUNT; i++) {
		assert_true(p.slot[i].pair < 4);
		zero += p.slot[i].pair == 0 && p.slot[i].fg != TK_COLOUR_DEFAULT;
	}
	assert_true(zero > 0);
}

/* Opens a curses screen for term on /dev/null. */
static SCREEN *open_screen(const char *term, FILE **out, FILE **in)
{
	SCREEN *s;

	*out = fopen("/dev/null", "w");
	*in = fopen("/dev/null", "r");
	assert_non_null(*out);
	assert_non_null(*in);
	s = newterm(term, *out, *in);
	if (s == NULL)
		fail_msg("no terminfo entry for %s", term);
	set_term(s);
	return s;
}

/* Closes what open_screen opened. */
static void close_screen(SCREEN *s, FILE *out, FILE *in)
{
	endwin();
	delscreen(s);
	fclose(out);
	fclose(in);
}

/* Installed into a 256-colour terminal: every pair holds the slot's colours
 * and attributes carry A_* and COLOR_PAIR; "selected" over a row keeps the
 * row's colour and adds reverse. */
static void test_install_256(void **state)
{
	FILE *out, *in;
	SCREEN *s = open_screen("xterm-256color", &out, &in);
	struct tk_theme t;
	struct tk_palette p;
	int i;

	(void)state;
	assert_true(has_colors());
	assert_int_equal(start_color(), OK);
	assert_int_equal(tk_colour_mode_pick(has_colors(), COLORS, NULL), TK_COLOURS_256);
	tk_theme_default(&t);
	assert_int_equal(tk_palette_resolve(&t, TK_COLOURS_256, COLOR_PAIRS, &p), 0);
	assert_int_equal(tk_palette_install(&p), 0);
	for (i = 0; i < TK_SLOT_COUNT; i++) {
		short f = -9, b = -9;

		if (p.slot[i].pair == 0)
			continue;
		assert_int_equal(pair_content(p.slot[i].pair, &f, &b), OK);
		assert_int_equal(f, p.slot[i].fg);
		assert_int_equal(b, p.slot[i].bg);
		assert_int_equal(PAIR_NUMBER(tk_palette_attr(&p, (enum tk_slot)i)), p.slot[i].pair);
	}
	assert_true(tk_palette_attr(&p, TK_SLOT_OVER_QUOTE) & A_BOLD);
	assert_true(tk_palette_attr(&p, TK_SLOT_SELECTED) & A_REVERSE);
	assert_true(tk_palette_attr(&p, TK_SLOT_PENDING) & A_ITALIC);
	assert_int_equal(PAIR_NUMBER(tk_palette_attr_with(&p, TK_SLOT_OVER_QUOTE, TK_SLOT_SELECTED)),
			p.slot[TK_SLOT_OVER_QUOTE].pair);
	assert_true(tk_palette_attr_with(&p, TK_SLOT_OVER_QUOTE, TK_SLOT_SELECTED) & A_REVERSE);
	assert_true(tk_palette_attr_with(&p, TK_SLOT_OVER_QUOTE, TK_SLOT_SELECTED) & A_BOLD);
	/* an over slot with colours of its own brings them */
	assert_int_equal(tk_palette_pair_with(&p, TK_SLOT_NORMAL, TK_SLOT_FAILED),
			p.slot[TK_SLOT_FAILED].pair);
	assert_int_equal(PAIR_NUMBER(tk_palette_attr_with(&p, TK_SLOT_NOTIFIED, TK_SLOT_FAILED)),
			p.slot[TK_SLOT_FAILED].pair);
	close_screen(s, out, in);
}

/* An 8-colour terminal and a terminal without colour, through the same
 * calls the app makes. */
static void test_install_8_and_none(void **state)
{
	FILE *out, *in;
	SCREEN *s = open_screen("xterm", &out, &in);
	struct tk_theme t;
	struct tk_palette p;
	short f, b;

	(void)state;
	assert_int_equal(start_color(), OK);
	assert_int_equal(tk_colour_mode_pick(has_colors(), COLORS, NULL), TK_COLOURS_8);
	tk_theme_default(&t);
	assert_int_equal(tk_palette_resolve(&t, TK_COLOURS_8, COLOR_PAIRS, &p), 0);
	assert_int_equal(tk_palette_install(&p), 0);
	assert_int_equal(pair_content(p.slot[TK_SLOT_HEADER].pair, &f, &b), OK);
	assert_int_equal(f, COLOR_WHITE);
	assert_int_equal(b, COLOR_BLUE);
	close_screen(s, out, in);

	s = open_screen("vt100", &out, &in);
	assert_false(has_colors());
	assert_int_equal(tk_colour_mode_pick(has_colors(), COLORS, NULL), TK_COLOURS_NONE);
	assert_int_equal(tk_palette_resolve(&t, TK_COLOURS_NONE, COLOR_PAIRS, &p), 0);
	assert_int_equal(tk_palette_install(&p), 0);
	assert_int_equal(PAIR_NUMBER(tk_palette_attr(&p, TK_SLOT_FAILED)), 0);
	assert_true(tk_palette_attr(&p, TK_SLOT_FAILED) & A_UNDERLINE);
	close_screen(s, out, in);
}

/* Outside a UTF-8 locale every marker becomes ASCII, meanings kept apart. */
static void test_ascii_markers(void **state)
{
	struct tk_theme t;
	struct tk_palette p;
	char err[128];
	int i;

	(void)state;
	tk_theme_mono(&t);
	assert_int_equal(tk_palette_resolve(&t, TK_COLOURS_NONE, 64, &p), 0);
	tk_palette_ascii_markers(&p);
	for (i = 0; i < TK_SLOT_COUNT; i++) {
		size_t k;

		for (k = 0; p.marker[i][k] != '\0'; k++)
			assert_true((unsigned char)p.marker[i][k] < 0x80);
	}
	assert_string_equal(p.marker[TK_SLOT_CONFIRMED], "v");
	assert_string_equal(p.marker[TK_SLOT_FAILED], "x");
	assert_string_equal(p.marker[TK_SLOT_OVER_QUOTE], "!");
	assert_string_equal(p.marker[TK_SLOT_NEAR_QUOTE], "~");
	assert_string_equal(p.marker[TK_SLOT_NOTIFIED], ">");
	assert_string_equal(p.marker[TK_SLOT_PENDING], ".");
	assert_string_equal(p.marker[TK_SLOT_WAITING], "");
	/* an unknown non-ASCII marker becomes "*" */
	assert_int_equal(tk_theme_parse("dim = marker \"\xe5\xb1\xb1\"\n", 19, "m.theme", "m", &t, err,
			sizeof err), 0);
	assert_int_equal(tk_palette_resolve(&t, TK_COLOURS_256, 64, &p), 0);
	tk_palette_ascii_markers(&p);
	assert_string_equal(p.marker[TK_SLOT_DIM], "*");
}

/* NO_COLOR from the environment wins over a colour terminal. */
static void test_no_color_env(void **state)
{
	(void)state;
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(tk_colour_mode_pick(1, 256, getenv("NO_COLOR")), TK_COLOURS_NONE);
	unsetenv("NO_COLOR");
	assert_int_equal(tk_colour_mode_pick(1, 256, getenv("NO_COLOR")), TK_COLOURS_256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_reduce),
		cmocka_unit_test(test_resolve_256),
		cmocka_unit_test(test_resolve_none),
		cmocka_unit_test(test_resolve_8),
		cmocka_unit_test(test_out_of_pairs),
		cmocka_unit_test(test_install_256),
		cmocka_unit_test(test_install_8_and_none),
		cmocka_unit_test(test_ascii_markers),
		cmocka_unit_test(test_no_color_env),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "no C.UTF-8 locale\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
