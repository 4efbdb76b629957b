/* Aligned tables measured in display columns (UTF-8, wide characters count 2). */
#define _XOPEN_SOURCE 700   /* wcwidth */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "ctl.h"

/* A table. */
struct ctl_table {
	size_t ncols;              /* columns */
	char **cells;              /* rows * ncols cells; row 0 is the header */
	enum ctl_color *colors;    /* per row */
	size_t rows;               /* rows including the header */
	size_t cap;                /* rows allocated */
	unsigned right;            /* bit i: right-align column i */
	int drop[32];              /* per column: >0 may be dropped when too wide, higher first */
};

/* Display width of a UTF-8 string. */
size_t ctl_display_width(const char *s)
{
	mbstate_t ms;
	memset(&ms, 0, sizeof ms);
	size_t w = 0, n = strlen(s);
	while (n > 0) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, n, &ms);
		if (k == (size_t)-1 || k == (size_t)-2) {
			memset(&ms, 0, sizeof ms);
			w++;          /* a broken byte shows as one column */
			s++;
			n--;
			continue;
		}
		if (k == 0)
			break;
		int cw = wcwidth(wc);
		w += cw > 0 ? (size_t)cw : 0;
		s += k;
		n -= k;
	}
	return w;
}

/* Writes s cut to at most cols display columns (with "…" when cut) into f; returns columns written. */
static size_t put_cut(FILE *f, const char *s, size_t cols)
{
	if (ctl_display_width(s) <= cols) {
		fputs(s, f);
		return ctl_display_width(s);
	}
	if (cols == 0)
		return 0;
	mbstate_t ms;
	memset(&ms, 0, sizeof ms);
	size_t w = 0, n = strlen(s);
	while (n > 0) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, n, &ms);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
			break;
		int cw = wcwidth(wc);
		size_t c = cw > 0 ? (size_t)cw : 0;
		if (w + c > cols - 1)   /* keep one column for the ellipsis; never half a wide char */
			break;
		fwrite(s, 1, k, f);
		w += c;
		s += k;
		n -= k;
	}
	fputs("…", f);
	return w + 1;
}

/* A new table. */
struct ctl_table *ctl_table_new(size_t ncols, const char *const *headers)
{
	struct ctl_table *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	if (ctl_table_add(t, headers, CTL_C_BOLD) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* Right-aligns a column. */
void ctl_table_align_right(struct ctl_table *t, size_t col)
{
	if (col < 32)
		t->right |= 1u << col;
}

/* Lets column col be dropped when the table is too wide (higher prio first). */
void ctl_table_droppable(struct ctl_table *t, size_t col, int prio)
{
	if (col < 32)
		t->drop[col] = prio;
}

/* Adds a row. */
int ctl_table_add(struct ctl_table *t, const char *const *cells, enum ctl_color color)
{
	if (t->rows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, cap * t->ncols * sizeof *c);
		if (c == NULL)
			return -1;
		t->cells = c;
		enum ctl_color *k = realloc(t->colors, cap * sizeof *k);
		if (k == NULL)
			return -1;
		t->colors = k;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		const char *v = cells[i] != NULL ? cells[i] : "";
		size_t n = strlen(v) + 1;
		char *p = malloc(n);
		if (p == NULL) {
			while (i-- > 0)
				free(t->cells[t->rows * t->ncols + i]);
			return -1;
		}
		memcpy(p, v, n);
		for (char *q = p; *q; q++)   /* a table cell is one line */
			if (*q == '\n' || *q == '\t' || *q == '\r')
				*q = ' ';
		t->cells[t->rows * t->ncols + i] = p;
	}
	t->colors[t->rows++] = color;
	return 0;
}

/* The escape sequence of a colour. */
static const char *sgr(enum ctl_color c)
{
	switch (c) {
	case CTL_C_DIM: return "\033[2m";
	case CTL_C_RED: return "\033[31;1m";
	case CTL_C_GREEN: return "\033[32m";
	case CTL_C_YELLOW: return "\033[33m";
	case CTL_C_CYAN: return "\033[36m";
	case CTL_C_BOLD: return "\033[1m";
	default: return "";
	}
}

/* Prints the table. */
void ctl_table_print(struct ctl *ctl, struct ctl_table *t, FILE *f)
{
	size_t w[32] = { 0 };
	size_t nc = t->ncols < 32 ? t->ncols : 32;
	size_t first = ctl->no_header ? 1 : 0;
	for (size_t r = first; r < t->rows; r++)
		for (size_t c = 0; c < nc; c++) {
			size_t dw = ctl_display_width(t->cells[r * t->ncols + c]);
			if (dw > w[c])
				w[c] = dw;
		}
	/* too wide for the terminal: drop low-priority columns, then cut the widest
	 * column (never below 6 columns; a cut cell ends with "…") */
	int shown[32];
	for (size_t c = 0; c < nc; c++)
		shown[c] = 1;
	if (ctl->width > 0) {
		for (;;) {
			size_t total = 0, last = 0;
			for (size_t c = 0; c < nc; c++)
				if (shown[c])
					total += w[c] + 2, last = c;
			total -= total >= 2 ? 2 : 0;
			(void)last;
			if (total <= (size_t)ctl->width)
				break;
			size_t victim = nc;
			for (size_t c = 0; c < nc; c++)
				if (shown[c] && t->drop[c] > 0 && (victim == nc || t->drop[c] > t->drop[victim]))
					victim = c;
			if (victim < nc) {
				shown[victim] = 0;
				continue;
			}
			victim = nc;
			for (size_t c = 0; c < nc; c++)
				if (shown[c] && w[c] > 6 && (victim == nc || w[c] > w[victim]))
					victim = c;
			if (victim == nc)
				break;
			size_t over = total - (size_t)ctl->width;
			w[victim] -= w[victim] - 6 < over ? w[victim] - 6 : over;
		}
	}
	for (size_t r = first; r < t->rows; r++) {
		const char *on = ctl->color ? sgr(t->colors[r]) : "";
		fputs(on, f);
		size_t lastc = 0;
		for (size_t c = 0; c < nc; c++)
			if (shown[c])
				lastc = c;
		for (size_t c = 0; c < nc; c++) {
			if (!shown[c])
				continue;
			const char *s = t->cells[r * t->ncols + c];
			size_t dw = ctl_display_width(s);
			size_t pad = dw < w[c] ? w[c] - dw : 0;
			int last = c == lastc;
			if ((t->right >> c) & 1u) {
				fprintf(f, "%*s", (int)pad, "");
				put_cut(f, s, w[c]);
			} else {
				size_t put = put_cut(f, s, w[c]);
				if (!last && put < w[c])
					fprintf(f, "%*s", (int)(w[c] - put), "");
			}
			if (!last)
				fputs("  ", f);
		}
		if (on[0])
			fputs("\033[0m", f);
		fputc('\n', f);
	}
}

/* Frees a table. */
void ctl_table_free(struct ctl_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->rows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->colors);
	free(t);
}
