/* Board layout: the column planner (which columns fit the terminal and how
 * wide each is) and the board's time formats.
 *
 * The planner starts with every column in its full form at its `max` width
 * and, while the row is wider than the terminal, applies reduction steps in
 * rank order (lowest rank first; equal ranks in column order):
 *   - shrink: the full form gives up width from max down to min (content is
 *     then truncated with "…", tk_text_fit); only as much as needed;
 *   - form: switch to compact form 1, later form 2 (e.g. STATUS
 *     "notified 3m ago" -> "notif 3m" -> "N"), each with a fixed width;
 *   - drop: hide the column.
 * A rank of 0 means the step never happens. Once the row fits, steps are
 * taken back, the last applied first, wherever the row still fits (a column
 * dropped early comes back when a later step freed enough; a shrink gets
 * back what it gave beyond the need). Spare width then goes to the first
 * shown column with `grow` set. Give a column's form ranks in ascending
 * order. HOST-STAND.md's rules are tk_board_cols(): as the row narrows,
 * NOTES is dropped, then STATUS shortened, then NAME truncated (NOTES comes
 * back when the short STATUS left room for it); below 60 cells: #, NAME,
 * SIZE, WAITED and a one-letter status. */
#ifndef TK_LAYOUT_H
#define TK_LAYOUT_H

#include <stddef.h>

#include "text.h"

#define TK_COL_FORMS 3 /* full form + two compact forms */

/* One column as the caller describes it. */
struct tk_col {
	const char *key;        /* identifier for the caller ("name"); not drawn */
	int min;                /* narrowest width of the full form (>= 1) */
	int max;                /* width of the full form when nothing needs to give (>= min) */
	int form_width[2];      /* width of compact forms 1 and 2; 0 = the form does not exist */
	int shrink_rank;        /* rank of the step max -> min; 0 = never */
	int form_rank[2];       /* ranks of the steps to form 1 and to form 2; 0 = never */
	int drop_rank;          /* rank of the step hiding the column; 0 = never */
	int grow;               /* takes spare width when the terminal is wider than needed */
	int hide;               /* 1 = hidden whatever the width (the planner skips it) */
	int start_form;         /* form to start from: 0 = full, 1 or 2 = that compact form */
	enum tk_align align;    /* how the caller should pad it (the planner does not use it) */
};

/* The planner's decision for one column. */
struct tk_col_plan {
	int shown;  /* 1 when the column is drawn */
	int form;   /* 0 = full, 1 or 2 = compact form */
	int width;  /* cells (0 when hidden) */
	int x;      /* first cell, counted from the left edge of the row (0 when hidden) */
};

/* Plans n columns for a row of `total` cells with `gap` cells between shown
 * columns. Fills out[n]. Returns the cells used (<= total), or -1 when even
 * after every step the row is wider than total (out then holds the fully
 * reduced plan, which the caller may clip). */
int tk_cols_plan(const struct tk_col *cols, size_t n, int total, int gap, struct tk_col_plan *out);

/* The board's columns, in drawing order. */
enum tk_board_col {
	TK_BCOL_POS,     /* "#": position in the queue */
	TK_BCOL_NAME,    /* party name */
	TK_BCOL_SIZE,    /* party size */
	TK_BCOL_WAITED,  /* time waited, m:ss / XhMM */
	TK_BCOL_QUOTE,   /* quote minutes and "8m over" / "2m left" */
	TK_BCOL_STATUS,  /* status: full, short ("notif 3m"), one letter */
	TK_BCOL_NOTES,   /* notes */
	TK_BCOL_COUNT    /* number of board columns */
};

/* Widest content seen in each board column (display cells), for max widths;
 * zero entries take the column title's width. */
struct tk_board_content {
	int width[TK_BCOL_COUNT]; /* cells, indexed by enum tk_board_col */
};

#define TK_BOARD_NARROW 60 /* below this many cells: the narrow board */

/* Fills cols[TK_BCOL_COUNT] with the board's column rules (HOST-STAND.md)
 * for a row of `total` cells: NOTES dropped first, then STATUS short, then
 * NAME truncated (down to 8), then QUOTE dropped and STATUS one letter; #,
 * NAME, SIZE and WAITED stay. Below TK_BOARD_NARROW cells the narrow board:
 * QUOTE and NOTES hidden, STATUS one letter from the start. */
void tk_board_cols(struct tk_col cols[TK_BCOL_COUNT], const struct tk_board_content *content,
		int total);

/* Returns the board column title ("#", "NAME", ...) for a column. */
const char *tk_board_col_title(enum tk_board_col col);

/* Where a waiting party stands against its quote. */
enum tk_quote_state {
	TK_QUOTE_NONE,  /* no quote given */
	TK_QUOTE_OK,    /* more than near_s seconds left */
	TK_QUOTE_NEAR,  /* near_s seconds or less left */
	TK_QUOTE_OVER,  /* past the quote */
};

#define TK_NEAR_QUOTE_S 300 /* "near the quote": 5 minutes or less left */

/* Classifies waited seconds against a quote in minutes (quote_min <= 0 = none). */
enum tk_quote_state tk_quote_state(long waited_s, int quote_min, long near_s);

/* Formats a waited time: "0:40", "38:12" (m:ss) below an hour, then
 * "1h05" (hours and minutes; see docs/tui-kit.md for why not "1:05").
 * Negative values count as 0. Returns the length written, or -1 when out is
 * too small (8 bytes always suffice up to 9999 hours). */
int tk_fmt_waited(long seconds, char *out, size_t outsz);

/* Formats time left or over a quote: "2m left" (minutes rounded up),
 * "8m over" (rounded down), "<1m over" in the first minute, "1h05 over";
 * "" when quote_min <= 0. Returns the length, or -1 when out is too small. */
int tk_fmt_quote(long waited_s, int quote_min, char *out, size_t outsz);

/* Formats an age: "<1m ago" (< 60 s: not "just now" for a whole minute), "3m ago",
 * "1h05 ago"; negative = "<1m ago". With compact set: "<1m", "3m", "1h05".
 * Returns the length, or -1. */
int tk_fmt_ago(long seconds, int compact, char *out, size_t outsz);

#endif
