/* tui/kit/layout.c: the column planner (generic rules and the board's
 * HOST-STAND.md rules at 120, 100, 80, 60 and under 60 cells, with wide
 * names) and the board's time formats; table-driven. */
#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kit/layout.h"
#include "kit/text.h"

/* Widest content per column of the sketch's board (HOST-STAND.md):
 * "#" 2, NAME 20, SIZE 4, WAITED 6, QUOTE "30  8m over" 11, STATUS
 * "failed: not a mobile number" 28 -> 28, NOTES "high chair" 10. */
static const struct tk_board_content sketch = { { 2, 20, 4, 6, 11, 28, 10 } };

/* One board case: the terminal width and what must come out. */
struct board_case {
	int total;                    /* cells for the row */
	int used;                     /* tk_cols_plan's answer */
	int width[TK_BCOL_COUNT];     /* widths, 0 = hidden */
	int form[TK_BCOL_COUNT];      /* forms of the shown columns */
};

static const struct board_case board_cases[] = {
	/* everything, NOTES takes the spare cells */
	{ 120, 120, { 2, 20, 4, 6, 11, 28, 37 }, { 0, 0, 0, 0, 0, 0, 0 } },
	{ 93, 93, { 2, 20, 4, 6, 11, 28, 10 }, { 0, 0, 0, 0, 0, 0, 0 } },
	/* one cell short: NOTES goes */
	{ 92, 81, { 2, 20, 4, 6, 11, 28, 0 }, { 0, 0, 0, 0, 0, 0, 0 } },
	/* 80: NOTES dropped, STATUS short; then NOTES fits again and grows */
	{ 80, 80, { 2, 20, 4, 6, 11, 10, 15 }, { 0, 0, 0, 0, 0, 1, 0 } },
	{ 70, 63, { 2, 20, 4, 6, 11, 10, 0 }, { 0, 0, 0, 0, 0, 1, 0 } },
	/* then NAME is truncated, only as far as needed */
	{ 62, 62, { 2, 19, 4, 6, 11, 10, 0 }, { 0, 0, 0, 0, 0, 1, 0 } },
	{ 60, 60, { 2, 17, 4, 6, 11, 10, 0 }, { 0, 0, 0, 0, 0, 1, 0 } },
	/* under 60: #, NAME, SIZE, WAITED, one-letter STATUS */
	{ 59, 41, { 2, 20, 4, 6, 0, 1, 0 }, { 0, 0, 0, 0, 0, 2, 0 } },
	{ 40, 40, { 2, 19, 4, 6, 0, 1, 0 }, { 0, 0, 0, 0, 0, 2, 0 } },
	{ 29, 29, { 2, 8, 4, 6, 0, 1, 0 }, { 0, 0, 0, 0, 0, 2, 0 } },
	/* too narrow for anything: -1, fully reduced */
	{ 20, -1, { 2, 8, 4, 6, 0, 1, 0 }, { 0, 0, 0, 0, 0, 2, 0 } },
};

/* The board's columns follow HOST-STAND.md at every width. */
static void test_board_widths(void **state)
{
	struct tk_col cols[TK_BCOL_COUNT];
	struct tk_col_plan plan[TK_BCOL_COUNT];
	size_t i, c;

	(void)state;
	for (i = 0; i < sizeof board_cases / sizeof board_cases[0]; i++) {
		const struct board_case *b = &board_cases[i];
		int used;

		tk_board_cols(cols, &sketch, b->total);
		used = tk_cols_plan(cols, TK_BCOL_COUNT, b->total, 2, plan);
		if (used != b->used)
			fail_msg("width %d: used %d, want %d", b->total, used, b->used);
		for (c = 0; c < TK_BCOL_COUNT; c++) {
			if (plan[c].width != b->width[c] || plan[c].shown != (b->width[c] > 0) ||
					(plan[c].shown && plan[c].form != b->form[c]))
				fail_msg("width %d, column %s: shown %d form %d width %d; want width %d form %d",
						b->total, tk_board_col_title((enum tk_board_col)c), plan[c].shown,
						plan[c].form, plan[c].width, b->width[c], b->form[c]);
		}
	}
}

/* Shown columns sit one after the other with the gap between them. */
static void test_board_positions(void **state)
{
	struct tk_col cols[TK_BCOL_COUNT];
	struct tk_col_plan plan[TK_BCOL_COUNT];
	static const int want_x[TK_BCOL_COUNT] = { 0, 4, 26, 32, 40, 53, 65 };
	size_t c;

	(void)state;
	tk_board_cols(cols, &sketch, 80);
	assert_int_equal(tk_cols_plan(cols, TK_BCOL_COUNT, 80, 2, plan), 80);
	for (c = 0; c < TK_BCOL_COUNT; c++)
		assert_int_equal(plan[c].x, want_x[c]);
	assert_int_equal(plan[TK_BCOL_NOTES].x + plan[TK_BCOL_NOTES].width, 80);
}

/* A wide name measured with tk_text_width sets NAME's width, and fitting
 * the name into the planned width keeps every row the same width. */
static void test_board_wide_names(void **state)
{
	static const char *const names[] = {
		"Zo\xc3\xab Salda\xc3\xb1" "a",
		"\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e",           /* 山田太郎 */
		"\xf0\x9f\x8d\x95 Pizza Club \xf0\x9f\x8d\x95",                /* 🍕 Pizza Club 🍕 */
		"\xe9\x88\xb4\xe6\x9c\xa8\xe3\x81\x95\xe3\x81\x8f\xe3\x82\x89\xe5\xad\x90\xe5\xb1\xb1\xe7\x94\xb0", /* 鈴木さくら子山田 */
	};
	struct tk_board_content content = sketch;
	struct tk_col cols[TK_BCOL_COUNT];
	struct tk_col_plan plan[TK_BCOL_COUNT];
	size_t i;
	int widest = 0, total;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		int w = tk_text_width(names[i]);

		widest = w > widest ? w : widest;
	}
	assert_int_equal(widest, 16);
	content.width[TK_BCOL_NAME] = widest;
	for (total = 59; total <= 120; total += 61) {
		tk_board_cols(cols, &content, total);
		assert_true(tk_cols_plan(cols, TK_BCOL_COUNT, total, 2, plan) > 0);
		assert_int_equal(plan[TK_BCOL_NAME].width, 16);
	}
	/* at 45 cells the narrow board truncates NAME; every padded name is
	 * exactly that wide, even when a wide character would straddle */
	tk_board_cols(cols, &content, 32);
	assert_int_equal(tk_cols_plan(cols, TK_BCOL_COUNT, 32, 2, plan), 32);
	assert_int_equal(plan[TK_BCOL_NAME].width, 11);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		char cell[128];

		assert_int_equal(tk_text_pad(names[i], plan[TK_BCOL_NAME].width, TK_ALIGN_LEFT, cell,
				sizeof cell), 11);
		assert_int_equal(tk_text_width(cell), 11);
	}
}

/* One generic planner case: three columns, a width, the expected widths. */
struct plan_case {
	const char *what;          /* description */
	struct tk_col cols[3];     /* the columns */
	int total;                 /* cells */
	int gap;                   /* cells between columns */
	int used;                  /* answer */
	int width[3];              /* planned widths, 0 = hidden */
};

static const struct plan_case plan_cases[] = {
	{ "equal ranks: the first column goes first",
		{ { .key = "x", .min = 10, .max = 10, .drop_rank = 1 },
		  { .key = "y", .min = 10, .max = 10, .drop_rank = 1 },
		  { .key = "z", .min = 0, .max = 0 } },
		15, 0, 10, { 0, 10, 0 } },
	{ "a shrink gives only what is needed",
		{ { .key = "a", .min = 3, .max = 12, .shrink_rank = 1 },
		  { .key = "b", .min = 5, .max = 5 },
		  { .key = "c", .min = 5, .max = 5 } },
		20, 1, 20, { 8, 5, 5 } },
	{ "the gap counts only between shown columns",
		{ { .key = "a", .min = 4, .max = 4 },
		  { .key = "b", .min = 4, .max = 4, .hide = 1 },
		  { .key = "c", .min = 4, .max = 4 } },
		9, 1, 9, { 4, 0, 4 } },
	{ "start in form 1; form 2 only when needed",
		{ { .key = "s", .min = 20, .max = 20, .form_width = { 8, 1 }, .form_rank = { 1, 2 },
		    .start_form = 1 },
		  { .key = "n", .min = 10, .max = 10 },
		  { .key = "g", .min = 1, .max = 1, .grow = 1 } },
		21, 1, 21, { 8, 10, 1 } },
	{ "form 2 when form 1 is not enough",
		{ { .key = "s", .min = 20, .max = 20, .form_width = { 8, 1 }, .form_rank = { 1, 2 } },
		  { .key = "n", .min = 10, .max = 10 },
		  { .key = "g", .min = 1, .max = 1 } },
		14, 1, 14, { 1, 10, 1 } },
	{ "a compact form wider than the shrunk width is not taken",
		{ { .key = "s", .min = 4, .max = 20, .form_width = { 12, 0 }, .shrink_rank = 1,
		    .form_rank = { 2, 0 } },
		  { .key = "n", .min = 10, .max = 10 },
		  { .key = "g", .min = 0, .max = 0 } },
		15, 0, 15, { 5, 10, 0 } },
	{ "spare cells go to the grower",
		{ { .key = "a", .min = 3, .max = 3 },
		  { .key = "b", .min = 3, .max = 3, .grow = 1 },
		  { .key = "c", .min = 3, .max = 3, .grow = 1 } },
		20, 1, 20, { 3, 12, 3 } },
	{ "never-reduced columns wider than the row: -1",
		{ { .key = "a", .min = 30, .max = 30 },
		  { .key = "b", .min = 3, .max = 3, .drop_rank = 1 },
		  { .key = "c", .min = 0, .max = 0, .hide = 1 } },
		20, 1, -1, { 30, 0, 0 } },
};

/* The generic rules: ranks, ties, partial shrinks, forms, hiding, growing. */
static void test_plan_rules(void **state)
{
	struct tk_col_plan plan[3];
	size_t i, c;

	(void)state;
	for (i = 0; i < sizeof plan_cases / sizeof plan_cases[0]; i++) {
		const struct plan_case *p = &plan_cases[i];
		int used = tk_cols_plan(p->cols, 3, p->total, p->gap, plan);

		if (used != p->used)
			fail_msg("%s: used %d, want %d", p->what, used, p->used);
		for (c = 0; c < 3; c++)
			if (plan[c].width != p->width[c])
				fail_msg("%s: column %zu width %d, want %d", p->what, c, plan[c].width,
						p->width[c]);
	}
}

/* One time-format case. */
struct fmt_case {
	long seconds;       /* waited seconds */
	int quote;          /* quote minutes */
	const char *waited; /* tk_fmt_waited */
	const char *quoted; /* tk_fmt_quote */
	enum tk_quote_state st; /* tk_quote_state with 5 minutes */
};

static const struct fmt_case fmt_cases[] = {
	{ 0, 15, "0:00", "15m left", TK_QUOTE_OK },
	{ 40, 45, "0:40", "45m left", TK_QUOTE_OK },
	{ 599, 15, "9:59", "6m left", TK_QUOTE_OK },
	{ 600, 15, "10:00", "5m left", TK_QUOTE_NEAR },
	{ 1360, 25, "22:40", "3m left", TK_QUOTE_NEAR },
	{ 1499, 25, "24:59", "1m left", TK_QUOTE_NEAR },
	{ 1500, 25, "25:00", "<1m over", TK_QUOTE_OVER },
	{ 1559, 25, "25:59", "<1m over", TK_QUOTE_OVER },
	{ 2292, 30, "38:12", "8m over", TK_QUOTE_OVER },
	{ 3599, 0, "59:59", "", TK_QUOTE_NONE },
	{ 3600, 30, "1h00", "30m over", TK_QUOTE_OVER },
	{ 3959, 45, "1h05", "20m over", TK_QUOTE_OVER },
	{ 9000, 20, "2h30", "2h10 over", TK_QUOTE_OVER },
	{ 7200, 180, "2h00", "1h00 left", TK_QUOTE_OK },
	{ -5, 10, "0:00", "10m left", TK_QUOTE_OK },
	{ 100, -1, "1:40", "", TK_QUOTE_NONE },
};

/* Waited and quote formats, and the urgency class, per table. */
static void test_time_formats(void **state)
{
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof fmt_cases / sizeof fmt_cases[0]; i++) {
		const struct fmt_case *f = &fmt_cases[i];

		assert_int_equal(tk_fmt_waited(f->seconds, out, sizeof out), (int)strlen(f->waited));
		if (strcmp(out, f->waited) != 0)
			fail_msg("waited %ld: '%s', want '%s'", f->seconds, out, f->waited);
		assert_int_equal(tk_fmt_quote(f->seconds, f->quote, out, sizeof out), (int)strlen(f->quoted));
		if (strcmp(out, f->quoted) != 0)
			fail_msg("quote %ld/%d: '%s', want '%s'", f->seconds, f->quote, out, f->quoted);
		if (tk_quote_state(f->seconds, f->quote, TK_NEAR_QUOTE_S) != f->st)
			fail_msg("state %ld/%d: %d, want %d", f->seconds, f->quote,
					tk_quote_state(f->seconds, f->quote, TK_NEAR_QUOTE_S), f->st);
	}
	/* too small a buffer: -1 and an empty string */
	assert_int_equal(tk_fmt_waited(2292, out, 5), -1);
	assert_string_equal(out, "");
	assert_int_equal(tk_fmt_quote(2292, 30, out, 7), -1);
}

/* Ages: full and compact. */
static void test_ago(void **state)
{
	static const struct { long s; int compact; const char *want; } cases[] = {
		{ -3, 0, "<1m ago" }, { 0, 0, "<1m ago" }, { 59, 0, "<1m ago" }, { 59, 1, "<1m" }, { 60, 0, "1m ago" },
		{ 180, 0, "3m ago" }, { 239, 1, "3m" }, { 3900, 0, "1h05 ago" }, { 3900, 1, "1h05" },
	};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_true(tk_fmt_ago(cases[i].s, cases[i].compact, out, sizeof out) > 0);
		assert_string_equal(out, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_board_widths),
		cmocka_unit_test(test_board_positions),
		cmocka_unit_test(test_board_wide_names),
		cmocka_unit_test(test_plan_rules),
		cmocka_unit_test(test_time_formats),
		cmocka_unit_test(test_ago),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "no C.UTF-8 locale\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
