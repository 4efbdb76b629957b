/* The host-stand kit's share of a board redraw, 1,000 parties: measuring
 * the content widths of all rows and planning the columns (tk_board_cols +
 * tk_cols_plan), then drawing the visible rows (time formats, tk_text_pad
 * of each cell, attributes from the palette) on a 256-colour newterm
 * writing to /dev/null with a forced full repaint: the kit's part of the
 * app's full redraw, against issue 9's 5 ms goal. Also every row of the
 * 1,000 into a pad (what a board drawn once and scrolled would cost).
 * Prints medians. Usage: bench-tuikit [ROUNDS] (default 200). */
#include <curses.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kit/layout.h"
#include "kit/palette.h"
#include "kit/text.h"
#include "kit/theme.h"

#define PARTIES 1000
#define GOAL_MS 5.0

/* One party of the synthetic board. */
struct party {
	char name[64];        /* UTF-8 name */
	int size;             /* covers */
	long waited_s;        /* seconds waited */
	int quote;            /* quote, minutes */
	char status[48];      /* full status text */
	char status_short[16];/* short form */
	char letter[2];       /* one-letter form */
	char notes[48];       /* notes */
	enum tk_slot slot;    /* row slot */
};

static const char *const firsts[] = {
	"Zo\xc3\xab", "Ana Luc\xc3\xad" "a", "\xe5\xb1\xb1\xe7\x94\xb0", "Kowalski", "Lee", "Okafor",
	"Bj\xc3\xb6rk", "\xe9\x88\xb4\xe6\x9c\xa8", "Nguy\xe1\xbb\x85n", "\xf0\x9f\x8d\x95 club", "Fran\xc3\xa7ois",
	"O'Brien",
};
static const char *const last[] = {
	"Salda\xc3\xb1" "a", "\xe5\xa4\xaa\xe9\x83\x8e", "party", "Smith-Jones", "M\xc3\xbcller",
	"\xe3\x81\x95\xe3\x81\x8f\xe3\x82\x89", "", "van der Berg",
};
static const char *const notes[] = { "", "booth", "high chair", "window please", "birthday \xf0\x9f\x8e\x82", "" };

/* A small deterministic PRNG (xorshift). */
static uint32_t rnd(void)
{
	static uint32_t x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* Monotonic time in nanoseconds. */
static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Fills the synthetic board. */
static void make_board(struct party *p)
{
	static const char *const st[][3] = {
		{ "waiting", "waiting", "W" }, { "notified 3m ago", "notif 3m", "N" },
		{ "confirmed \xe2\x9c\x93", "conf \xe2\x9c\x93", "C" },
		{ "failed: not a mobile number", "FAILED", "F" }, { "cancelled by guest", "cancelled", "X" },
	};
	static const enum tk_slot slots[] = { TK_SLOT_WAITING, TK_SLOT_NOTIFIED, TK_SLOT_CONFIRMED,
		TK_SLOT_FAILED, TK_SLOT_CANCELLED };
	int i;

	for (i = 0; i < PARTIES; i++) {
		unsigned k = rnd() % 5;

		snprintf(p[i].name, sizeof p[i].name, "%s %s", firsts[rnd() % 12], last[rnd() % 8]);
		p[i].size = 1 + (int)(rnd() % 12);
		p[i].waited_s = (long)(rnd() % 5400);
		p[i].quote = 5 * (1 + (int)(rnd() % 12));
		snprintf(p[i].status, sizeof p[i].status, "%s", st[k][0]);
		snprintf(p[i].status_short, sizeof p[i].status_short, "%s", st[k][1]);
		snprintf(p[i].letter, sizeof p[i].letter, "%s", st[k][2]);
		snprintf(p[i].notes, sizeof p[i].notes, "%s", notes[rnd() % 6]);
		p[i].slot = slots[k];
		if (k == 0) {
			enum tk_quote_state q = tk_quote_state(p[i].waited_s, p[i].quote, TK_NEAR_QUOTE_S);

			p[i].slot = q == TK_QUOTE_OVER ? TK_SLOT_OVER_QUOTE :
				q == TK_QUOTE_NEAR ? TK_SLOT_NEAR_QUOTE : TK_SLOT_WAITING;
		}
	}
}

/* Measures content widths and plans the columns for `cells`. */
static void plan_board(const struct party *p, int cells, struct tk_col *cols, struct tk_col_plan *plan)
{
	struct tk_board_content c;
	char buf[32];
	int i;

	memset(&c, 0, sizeof c);
	c.width[TK_BCOL_POS] = 4;
	c.width[TK_BCOL_SIZE] = 4;
	c.width[TK_BCOL_WAITED] = 6;
	for (i = 0; i < PARTIES; i++) {
		int w = tk_text_width(p[i].name), q;

		c.width[TK_BCOL_NAME] = w > c.width[TK_BCOL_NAME] ? w : c.width[TK_BCOL_NAME];
		w = tk_text_width(p[i].status);
		c.width[TK_BCOL_STATUS] = w > c.width[TK_BCOL_STATUS] ? w : c.width[TK_BCOL_STATUS];
		w = tk_text_width(p[i].notes);
		c.width[TK_BCOL_NOTES] = w > c.width[TK_BCOL_NOTES] ? w : c.width[TK_BCOL_NOTES];
		q = tk_fmt_quote(p[i].waited_s, p[i].quote, buf, sizeof buf) + 4;
		c.width[TK_BCOL_QUOTE] = q > c.width[TK_BCOL_QUOTE] ? q : c.width[TK_BCOL_QUOTE];
	}
	tk_board_cols(cols, &c, cells);
	tk_cols_plan(cols, TK_BCOL_COUNT, cells, 2, plan);
}

/* Draws rows first..first+count-1 of the board into win from line y0. */
static void render(WINDOW *win, int y0, const struct party *p, int first, int count,
		const struct tk_col *cols, const struct tk_col_plan *plan, const struct tk_palette *pal,
		int selected)
{
	char text[8][96], cell[256];
	int i, c;

	for (i = first; i < first + count && i < PARTIES; i++) {
		int y = y0 + i - first;
		const char *marker = tk_palette_marker(pal, p[i].slot);
		char q[24];

		snprintf(text[TK_BCOL_POS], sizeof text[0], "%d", i + 1);
		snprintf(text[TK_BCOL_NAME], sizeof text[0], "%.63s", p[i].name);
		snprintf(text[TK_BCOL_SIZE], sizeof text[0], "%d", p[i].size);
		tk_fmt_waited(p[i].waited_s, text[TK_BCOL_WAITED], sizeof text[0]);
		tk_fmt_quote(p[i].waited_s, p[i].quote, q, sizeof q);
		snprintf(text[TK_BCOL_QUOTE], sizeof text[0], "%3d %s", p[i].quote, q);
		snprintf(text[TK_BCOL_NOTES], sizeof text[0], "%.47s", p[i].notes);
		wattrset(win, i == selected ? tk_palette_attr_with(pal, p[i].slot, TK_SLOT_SELECTED)
				: tk_palette_attr(pal, p[i].slot));
		tk_text_pad(marker, 2, TK_ALIGN_LEFT, cell, sizeof cell);
		mvwaddstr(win, y, 0, cell);
		for (c = 0; c < TK_BCOL_COUNT; c++) {
			const char *src = text[c];

			if (!plan[c].shown)
				continue;
			if (c == TK_BCOL_STATUS)
				src = plan[c].form == 0 ? p[i].status : plan[c].form == 1 ? p[i].status_short : p[i].letter;
			tk_text_pad(src, plan[c].width, cols[c].align, cell, sizeof cell);
			mvwaddstr(win, y, 2 + plan[c].x, cell);
		}
	}
}

/* Sorts doubles (qsort). */
static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Returns the median of n samples (sorts them). */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, dcmp);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	static struct party board[PARTIES];
	static const int widths[] = { 120, 80, 59 };
	int rounds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 200;
	struct tk_col cols[TK_BCOL_COUNT];
	struct tk_col_plan plan[TK_BCOL_COUNT];
	struct tk_theme theme;
	struct tk_palette pal;
	double *plan_us, *render_ms, *paint_ms;
	FILE *out, *in;
	SCREEN *scr;
	WINDOW *pad;
	size_t w;
	int r;

	if (rounds < 5 || rounds > 100000)
		rounds = 200;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "bench-tuikit: no C.UTF-8 locale\n");
		return 1;
	}
	plan_us = calloc((size_t)rounds, sizeof *plan_us);
	render_ms = calloc((size_t)rounds, sizeof *render_ms);
	paint_ms = calloc((size_t)rounds, sizeof *paint_ms);
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	if (!plan_us || !render_ms || !paint_ms || !out || !in) {
		fprintf(stderr, "bench-tuikit: out of memory or no /dev/null\n");
		return 1;
	}
	make_board(board);
	scr = newterm("xterm-256color", out, in);
	if (scr == NULL) {
		fprintf(stderr, "bench-tuikit: no xterm-256color terminfo\n");
		return 1;
	}
	set_term(scr);
	start_color();
	tk_theme_default(&theme);
	tk_palette_resolve(&theme, tk_colour_mode_pick(has_colors(), COLORS, NULL), COLOR_PAIRS, &pal);
	tk_palette_install(&pal);
	pad = newpad(PARTIES, 160);
	if (pad == NULL) {
		endwin();
		fprintf(stderr, "bench-tuikit: newpad failed\n");
		return 1;
	}
	printf("bench-tuikit: %d parties, %d rounds, %s (other work shared the 2 CPUs)\n", PARTIES,
			rounds, tk_colour_mode_name(pal.mode));
	for (w = 0; w < sizeof widths / sizeof widths[0]; w++) {
		int cells = widths[w] - 2, lines = widths[w] >= 120 ? 40 : widths[w] >= 80 ? 24 : 20;
		double pm, rm, vm;
		int shown = 0, c;

		resize_term(lines, widths[w]);
		for (r = 0; r < rounds; r++) {
			int64_t t0 = now_ns(), t1, t2, t3;
			int top = r % (PARTIES - lines);

			/* the app's full redraw: plan over all rows, draw the visible
			 * ones, repaint the whole screen (not only what changed) */
			plan_board(board, cells, cols, plan);
			t1 = now_ns();
			werase(stdscr);
			render(stdscr, 2, board, top, lines - 5, cols, plan, &pal, top + 3);
			wnoutrefresh(stdscr);
			clearok(curscr, TRUE);
			doupdate();
			t2 = now_ns();
			/* every row into a pad (scrolling needs no more drawing) */
			werase(pad);
			render(pad, 0, board, 0, PARTIES, cols, plan, &pal, top + 3);
			pnoutrefresh(pad, top, 0, 0, 0, lines - 1, widths[w] - 1);
			doupdate();
			t3 = now_ns();
			plan_us[r] = (double)(t1 - t0) / 1e3;
			paint_ms[r] = (double)(t2 - t1) / 1e6;
			render_ms[r] = (double)(t3 - t2) / 1e6;
		}
		for (c = 0; c < TK_BCOL_COUNT; c++)
			shown += plan[c].shown;
		pm = median(plan_us, rounds);
		vm = median(paint_ms, rounds);
		rm = median(render_ms, rounds);
		printf("%3d x %-2d  %d columns  plan %6.3f ms + draw %2d rows and repaint %6.3f ms = "
				"full redraw %6.3f ms (%.2f of the 5 ms goal)  |  all 1,000 rows into a pad %6.3f ms\n",
				widths[w], lines, shown, pm / 1e3, lines - 5, vm, pm / 1e3 + vm,
				(pm / 1e3 + vm) / GOAL_MS, rm);
	}
	delwin(pad);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	free(plan_us);
	free(render_ms);
	free(paint_ms);
	return 0;
}
