/* Board layout: the column planner and the board's time formats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

/* Kinds of reduction step, in the order they apply at equal rank. */
enum step_kind {
	STEP_SHRINK, /* full form: max -> min, as far as needed */
	STEP_FORM1,  /* to compact form 1 */
	STEP_FORM2,  /* to compact form 2 */
	STEP_DROP,   /* hide */
};

/* One reduction step of one column. */
struct step {
	int rank;             /* when it applies (lower first) */
	size_t col;           /* column index */
	enum step_kind kind;  /* what it does */
};

/* Orders steps by rank, then column, then kind (qsort). */
static int step_cmp(const void *a, const void *b)
{
	const struct step *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/* Returns the cells the shown columns take, gaps included. */
static int row_width(const struct tk_col_plan *p, size_t n, int gap)
{
	int w = 0, shown = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!p[i].shown)
			continue;
		w += p[i].width;
		shown++;
	}
	return shown > 0 ? w + gap * (shown - 1) : 0;
}

/* Returns the width of column c in form f (0 = full at max). */
static int form_width(const struct tk_col *c, int f)
{
	if (f <= 0)
		return c->max;
	return c->form_width[f - 1];
}

/* Applies one step if it makes the row narrower; `excess` is how many
 * cells too wide. Returns 1 when the column changed. */
static int apply_step(const struct tk_col *c, struct tk_col_plan *p, enum step_kind kind, int excess)
{
	int f, w;

	if (!p->shown)
		return 0;
	switch (kind) {
	case STEP_SHRINK:
		if (p->form != 0 || p->width <= c->min)
			return 0;
		w = p->width - excess;
		p->width = w < c->min ? c->min : w;
		return 1;
	case STEP_FORM1:
	case STEP_FORM2:
		f = kind == STEP_FORM1 ? 1 : 2;
		w = form_width(c, f);
		if (p->form >= f || w <= 0 || w >= p->width)
			return 0;
		p->form = f;
		p->width = w;
		return 1;
	case STEP_DROP:
		p->shown = 0;
		p->width = 0;
		return 1;
	}
	return 0;
}

/* A step that was applied, with the column before and after it. */
struct applied {
	size_t col;                 /* column index */
	enum step_kind kind;        /* what the step did */
	struct tk_col_plan before;  /* the column before the step */
	struct tk_col_plan after;   /* the column right after the step */
};

/* Returns 1 when two plans of a column are the same. */
static int same_plan(const struct tk_col_plan *a, const struct tk_col_plan *b)
{
	return a->shown == b->shown && a->form == b->form && a->width == b->width;
}

/* Takes back applied steps, the last (most important column) first, while
 * the row still fits: a drop or form change whole, a shrink as far as the
 * spare width goes. Only a column still as the step left it is touched. */
static void restore(size_t n, int total, int gap, struct tk_col_plan *out, const struct applied *done,
		size_t ndone)
{
	size_t i;

	for (i = ndone; i-- > 0;) {
		const struct applied *a = &done[i];
		struct tk_col_plan *p = &out[a->col];
		struct tk_col_plan saved = *p;
		int spare;

		if (!same_plan(p, &a->after))
			continue;
		spare = total - row_width(out, n, gap);
		if (a->kind == STEP_SHRINK) {
			int give = a->before.width - p->width;

			p->width += give < spare ? give : spare;
			continue;
		}
		*p = a->before;
		if (row_width(out, n, gap) > total)
			*p = saved;
	}
}

/* Plans which columns show and how wide; the cells used, or -1 when nothing fits. */
int tk_cols_plan(const struct tk_col *cols, size_t n, int total, int gap, struct tk_col_plan *out)
{
	struct step *steps;
	struct applied *done;
	size_t i, nsteps = 0, ndone = 0;
	int used, spare, x, rc = 0;

	if (gap < 0)
		gap = 0;
	for (i = 0; i < n; i++) {
		const struct tk_col *c = &cols[i];
		int f = c->start_form;

		if (f < 0 || f > 2 || (f > 0 && c->form_width[f - 1] <= 0))
			f = 0;
		out[i].shown = !c->hide;
		out[i].form = f;
		out[i].width = c->hide ? 0 : form_width(c, f);
		if (out[i].width < 0)
			out[i].width = 0;
		out[i].x = 0;
	}
	steps = calloc(n * 4 + 1, sizeof *steps);
	done = calloc(n * 4 + 1, sizeof *done);
	if (steps == NULL || done == NULL) {
		free(steps);
		free(done);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct tk_col *c = &cols[i];

		if (c->hide)
			continue;
		if (c->shrink_rank > 0 && c->max > c->min)
			steps[nsteps++] = (struct step){ c->shrink_rank, i, STEP_SHRINK };
		if (c->form_rank[0] > 0 && c->form_width[0] > 0)
			steps[nsteps++] = (struct step){ c->form_rank[0], i, STEP_FORM1 };
		if (c->form_rank[1] > 0 && c->form_width[1] > 0)
			steps[nsteps++] = (struct step){ c->form_rank[1], i, STEP_FORM2 };
		if (c->drop_rank > 0)
			steps[nsteps++] = (struct step){ c->drop_rank, i, STEP_DROP };
	}
	qsort(steps, nsteps, sizeof *steps, step_cmp);
	for (i = 0; i < nsteps && (used = row_width(out, n, gap)) > total; i++) {
		struct tk_col_plan before = out[steps[i].col];

		if (apply_step(&cols[steps[i].col], &out[steps[i].col], steps[i].kind, used - total))
			done[ndone++] = (struct applied){ steps[i].col, steps[i].kind, before,
				out[steps[i].col] };
	}

	used = row_width(out, n, gap);
	if (used > total) {
		rc = -1;
	} else {
		restore(n, total, gap, out, done, ndone);
		spare = total - row_width(out, n, gap);
		for (i = 0; i < n && spare > 0; i++) {
			if (out[i].shown && cols[i].grow) {
				out[i].width += spare;
				spare = 0;
			}
		}
		used = row_width(out, n, gap);
	}
	free(steps);
	free(done);
	x = 0;
	for (i = 0; i < n; i++) {
		if (!out[i].shown)
			continue;
		out[i].x = x;
		x += out[i].width + gap;
	}
	return rc == 0 ? used : -1;
}

/* Column titles of the board, in enum tk_board_col order. */
static const char *const board_titles[TK_BCOL_COUNT] = {
	"#", "NAME", "SIZE", "WAITED", "QUOTE", "STATUS", "NOTES",
};

/* Returns a board column's title. */
const char *tk_board_col_title(enum tk_board_col col)
{
	if ((int)col < 0 || col >= TK_BCOL_COUNT)
		return "";
	return board_titles[col];
}

/* Returns the larger of a content width and the column title's width. */
static int content_or_title(const struct tk_board_content *content, enum tk_board_col col)
{
	int t = tk_text_width(board_titles[col]);
	int w = content ? content->width[col] : 0;

	return w > t ? w : t;
}

/* Fills the board's column rules for a row of `total` cells. */
void tk_board_cols(struct tk_col cols[TK_BCOL_COUNT], const struct tk_board_content *content,
		int total)
{
	int narrow = total < TK_BOARD_NARROW;
	int name;
	size_t i;

	memset(cols, 0, sizeof *cols * TK_BCOL_COUNT);
	for (i = 0; i < TK_BCOL_COUNT; i++) {
		cols[i].key = board_titles[i];
		cols[i].max = content_or_title(content, (enum tk_board_col)i);
		cols[i].min = cols[i].max;
		cols[i].align = TK_ALIGN_LEFT;
	}
	cols[TK_BCOL_POS].align = TK_ALIGN_RIGHT;
	cols[TK_BCOL_SIZE].align = TK_ALIGN_RIGHT;
	cols[TK_BCOL_WAITED].align = TK_ALIGN_RIGHT;

	/* NAME: truncated (rank 3) down to 8 cells, or less in very narrow rows. */
	name = cols[TK_BCOL_NAME].max;
	cols[TK_BCOL_NAME].min = name < 8 ? name : 8;
	cols[TK_BCOL_NAME].shrink_rank = 3;
	/* NOTES: dropped first; grows into spare width. */
	cols[TK_BCOL_NOTES].min = cols[TK_BCOL_NOTES].max < 5 ? cols[TK_BCOL_NOTES].max : 5;
	cols[TK_BCOL_NOTES].drop_rank = 1;
	cols[TK_BCOL_NOTES].grow = 1;
	/* STATUS: short form ("notif 3m", rank 2), then one letter (rank 5). */
	cols[TK_BCOL_STATUS].form_width[0] = 10;
	cols[TK_BCOL_STATUS].form_width[1] = 1;
	cols[TK_BCOL_STATUS].form_rank[0] = 2;
	cols[TK_BCOL_STATUS].form_rank[1] = 5;
	/* QUOTE: dropped after NAME is as short as it goes. */
	cols[TK_BCOL_QUOTE].drop_rank = 4;
	if (narrow) {
		cols[TK_BCOL_QUOTE].hide = 1;
		cols[TK_BCOL_NOTES].hide = 1;
		cols[TK_BCOL_STATUS].start_form = 2;
	}
}

/* Classifies waited seconds against a quote. */
enum tk_quote_state tk_quote_state(long waited_s, int quote_min, long near_s)
{
	long left;

	if (quote_min <= 0)
		return TK_QUOTE_NONE;
	left = (long)quote_min * 60 - waited_s;
	if (left <= 0)
		return TK_QUOTE_OVER;
	return left <= near_s ? TK_QUOTE_NEAR : TK_QUOTE_OK;
}

/* snprintf that returns the length, or -1 when it did not fit. */
static int put(char *out, size_t outsz, int n)
{
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	return n;
}

/* Formats minutes as "8m" below an hour, else "1h05". */
static int fmt_minutes(long minutes, const char *suffix, char *out, size_t outsz)
{
	if (minutes < 60)
		return put(out, outsz, snprintf(out, outsz, "%ldm%s", minutes, suffix));
	return put(out, outsz, snprintf(out, outsz, "%ldh%02ld%s", minutes / 60, minutes % 60, suffix));
}

/* Formats a waited time: m:ss, then 1h05. */
int tk_fmt_waited(long seconds, char *out, size_t outsz)
{
	if (out == NULL || outsz == 0)
		return -1;
	if (seconds < 0)
		seconds = 0;
	if (seconds < 3600)
		return put(out, outsz, snprintf(out, outsz, "%ld:%02ld", seconds / 60, seconds % 60));
	return put(out, outsz, snprintf(out, outsz, "%ldh%02ld", seconds / 3600, seconds / 60 % 60));
}

/* Formats time left or over a quote ("2m left", "8m over"). */
int tk_fmt_quote(long waited_s, int quote_min, char *out, size_t outsz)
{
	long left;

	if (out == NULL || outsz == 0)
		return -1;
	if (quote_min <= 0) {
		out[0] = '\0';
		return 0;
	}
	if (waited_s < 0)
		waited_s = 0;
	left = (long)quote_min * 60 - waited_s;
	if (left > 0)
		return fmt_minutes((left + 59) / 60, " left", out, outsz);
	if (-left < 60)
		return put(out, outsz, snprintf(out, outsz, "<1m over"));
	return fmt_minutes(-left / 60, " over", out, outsz);
}

/* Formats an age ("just now", "3m ago"). */
int tk_fmt_ago(long seconds, int compact, char *out, size_t outsz)
{
	if (out == NULL || outsz == 0)
		return -1;
	if (seconds < 60)
		return put(out, outsz, snprintf(out, outsz, "%s", compact ? "now" : "just now"));
	return fmt_minutes(seconds / 60, compact ? "" : " ago", out, outsz);
}
