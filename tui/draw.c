/* The one place that draws (app_draw) and the helpers the screens use. */
#include "draw.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kit/palette.h"
#include "util.h"

/* Curses attributes of a slot. */
attr_t draw_attr(const struct app *a, enum tk_slot slot)
{
	return tk_palette_attr(a->palette, slot);
}

/* The slot's marker. */
const char *draw_marker(const struct app *a, enum tk_slot slot)
{
	return tk_palette_marker(a->palette, slot);
}

/* Draws fitted, padded text in a slot's style. */
void draw_text(const struct app *a, int y, int x, int width, const char *text, enum tk_slot slot,
	       enum tk_align align)
{
	draw_text_attr(y, x, width, text, draw_attr(a, slot), align);
}

/* Draws fitted, padded text with explicit curses attributes. */
void draw_text_attr(int y, int x, int width, const char *text, attr_t attr, enum tk_align align)
{
	if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + width > COLS)
		width = COLS - x;
	char buf[4096];
	if (tk_text_pad(text ? text : "", width, align, buf, sizeof buf) < 0)
		return;
	attrset(attr);
	mvaddstr(y, x, buf);
	attrset(A_NORMAL);
}

/* Fills a line with spaces in a slot's style. */
void draw_clear_line(const struct app *a, int y, enum tk_slot slot)
{
	draw_clear_line_attr(y, draw_attr(a, slot));
}

/* Fills a line with spaces with explicit attributes. */
void draw_clear_line_attr(int y, attr_t attr)
{
	if (y < 0 || y >= LINES)
		return;
	attrset(attr);
	mvhline(y, 0, ' ', COLS);
	attrset(A_NORMAL);
}

/* Box-drawing pieces: Unicode lines, or ASCII when the locale is not UTF-8. */
struct box_chars {
	const char *h;  /* horizontal line */
	const char *v;  /* vertical line */
	const char *tl; /* top-left corner */
	const char *tr; /* top-right corner */
	const char *bl; /* bottom-left corner */
	const char *br; /* bottom-right corner */
};

/* The box pieces for this terminal. */
static const struct box_chars *box_chars(const struct app *a)
{
	static const struct box_chars uni = { "\xe2\x94\x80", "\xe2\x94\x82", "\xe2\x94\x8c",
					      "\xe2\x94\x90", "\xe2\x94\x94", "\xe2\x94\x98" };
	static const struct box_chars ascii = { "-", "|", "+", "+", "+", "+" };
	return a->ascii_mode ? &ascii : &uni;
}

/* Draws n copies of a piece from (y, x) to the right. */
static void draw_pieces(int y, int x, const char *piece, int n)
{
	move(y, x);
	for (int i = 0; i < n; i++)
		addstr(piece);
}

/* Draws a horizontal rule. */
void draw_rule(const struct app *a, int y)
{
	if (y < 0 || y >= LINES)
		return;
	attrset(draw_attr(a, TK_SLOT_RULE));
	draw_pieces(y, 0, box_chars(a)->h, COLS);
	attrset(A_NORMAL);
}

/* Draws a titled box and clears its inside. */
void draw_box(const struct app *a, int y, int x, int h, int w, const char *title)
{
	if (h < 2 || w < 4)
		return;
	const struct box_chars *b = box_chars(a);
	attr_t at = draw_attr(a, TK_SLOT_DIALOG);
	attrset(at);
	for (int i = 1; i < h - 1; i++) {
		mvhline(y + i, x, ' ', w);
		mvaddstr(y + i, x, b->v);
		mvaddstr(y + i, x + w - 1, b->v);
	}
	mvaddstr(y, x, b->tl);
	draw_pieces(y, x + 1, b->h, w - 2);
	addstr(b->tr);
	mvaddstr(y + h - 1, x, b->bl);
	draw_pieces(y + h - 1, x + 1, b->h, w - 2);
	addstr(b->br);
	attrset(A_NORMAL);
	if (title && *title) {
		char t[200];
		str_fmt(t, sizeof t, " %s ", title);
		int tw = tk_text_width(t);
		if (tw > w - 4)
			tw = w - 4;
		draw_text(a, y, x + 2, tw, t, TK_SLOT_DIALOG_TITLE, TK_ALIGN_LEFT);
	}
}

/* Formats "20:14". */
void draw_clock(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!localtime_r(&t, &tm)) {
		str_fmt(out, n, "--:--");
		return;
	}
	str_fmt(out, n, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

/* Draws a labelled field; returns the cursor column when focused. */
int draw_field(const struct app *a, int y, int x, const char *label, int label_w,
	       const struct field *f, int width, int focused)
{
	draw_text(a, y, x, label_w, label, TK_SLOT_DIALOG, TK_ALIGN_LEFT);
	int fx = x + label_w;
	char shown[1024];
	const char *text = f->text;
	if (f->secret) {
		size_t k = 0;
		for (size_t i = 0; i < f->len && k + 4 < sizeof shown; i++)
			if (((unsigned char)f->text[i] & 0xC0) != 0x80) {
				memcpy(shown + k, "\xe2\x80\xa2", 3); /* • */
				k += 3;
			}
		shown[k] = '\0';
		text = shown;
	}
	/* keep the cursor visible in a long value: show its tail */
	int col = field_cursor_col(f);
	const char *start = text;
	int skip = 0;
	while (col - skip >= width - 1 && *start) {
		uint32_t cp;
		size_t l = tk_utf8_decode(start, strlen(start), &cp);
		skip += tk_cp_width(cp);
		start += l;
	}
	draw_text(a, y, fx, width, start, focused ? TK_SLOT_FIELD_FOCUS : TK_SLOT_FIELD, TK_ALIGN_LEFT);
	return focused ? fx + col - skip : -1;
}

/* Draws the activity strip at line y: newest first on one line. */
void draw_activity(struct app *a, int y)
{
	draw_clear_line(a, y, TK_SLOT_ACTIVITY);
	int x = 1;
	for (size_t k = 0; k < a->activity_n && x < COLS - 4; k++) {
		const struct activity *e = &a->activity[(a->activity_head + ACTIVITY_MAX - 1 - k) % ACTIVITY_MAX];
		char clock[8], text[200];
		draw_clock(e->at_ms, clock, sizeof clock);
		str_fmt(text, sizeof text, "%s%s %s", k ? " · " : "", clock, e->text);
		int w = tk_text_width(text);
		if (w > COLS - 1 - x)
			w = COLS - 1 - x;
		/* the newest line in its own colour, older ones in the strip's */
		draw_text(a, y, x, w, text, k == 0 ? (enum tk_slot)e->slot : TK_SLOT_ACTIVITY, TK_ALIGN_LEFT);
		x += w;
	}
}

static int cursor_shown;   /* 1 while the terminal's cursor is visible */
static int cursor_want;    /* 1 when this frame asked for the cursor */
static int cursor_y;       /* where it asked for it: line */
static int cursor_x;       /* and column */

/* Asks for the text cursor at (y, x) in this frame (a field with focus). */
void draw_cursor(int y, int x)
{
	cursor_want = 1;
	cursor_y = y;
	cursor_x = x;
}

/* Draws whatever is dirty: the screen, then the overlay on top. */
void app_draw(struct app *a)
{
	if (!a->dirty)
		return;
	/* an overlay covers part of the board: a change under it repaints both */
	if (a->overlay != OVERLAY_NONE && (a->dirty & ~DIRTY_OVERLAY))
		a->dirty |= DIRTY_OVERLAY;
	cursor_want = 0;
	switch (a->screen) {
	case SCREEN_LOGIN: login_draw(a); break;
	case SCREEN_PICKER: picker_draw(a); break;
	case SCREEN_BOARD: board_draw(a); break;
	case SCREEN_PASSWORD: password_draw(a); break;
	}
	if (a->screen == SCREEN_BOARD && (a->dirty & DIRTY_OVERLAY)) {
		switch (a->overlay) {
		case OVERLAY_FORM: form_draw(a); break;
		case OVERLAY_HELP: help_draw(a); break;
		case OVERLAY_CONFIRM: confirm_draw(a); break;
		case OVERLAY_STATS: stats_draw(a); break;
		case OVERLAY_TEAM: team_draw(a); break;
		case OVERLAY_HANDOVER: handover_draw(a); break;
		case OVERLAY_NOTE: note_draw(a); break;
		case OVERLAY_ACTIVITY: activity_draw(a); break;
		default: break;
		}
	}
	a->dirty = 0;
	/* the cursor last, where the focused field wants it; shown or hidden
	 * only when that changes (curs_set writes to the terminal at once) */
	if (cursor_want && cursor_y >= 0 && cursor_y < LINES && cursor_x >= 0 && cursor_x < COLS)
		move(cursor_y, cursor_x);
	else
		cursor_want = 0;
	if (cursor_want != cursor_shown) {
		curs_set(cursor_want);
		cursor_shown = cursor_want;
	}
	/* one update of the physical screen per loop turn: no flicker */
	wnoutrefresh(stdscr);
	doupdate();
}

/* Draws wrapped text (see draw.h). */
int draw_wrapped(const struct app *a, int y, int x, int width, int skip, int max_lines, const char *text,
		 enum tk_slot slot, int *end_y, int *end_x)
{
	const char *p = text;
	int line = 0, used = 0;
	char buf[1024];

	if (end_y)
		*end_y = -1;
	if (end_x)
		*end_x = -1;
	if (width < 1)
		return 0;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		size_t take;

		/* one wrapped piece of this paragraph (an empty paragraph is one empty line) */
		take = tk_text_prefix(p, width, &used);
		if (take > len)
			take = len;
		if (take < len) {
			size_t sp = take;
			while (sp > 0 && p[sp] != ' ')
				sp--;
			if (sp > 0)
				take = sp;
			else if (take == 0)
				take = len;   /* a character wider than the box: cut by the fit below */
		}
		used = tk_text_width_n(p, take);
		if (line >= skip && line - skip < max_lines) {
			str_fmt(buf, sizeof buf, "%.*s", (int)take, p);
			draw_text(a, y + line - skip, x, width, buf, slot, TK_ALIGN_LEFT);
		}
		p += take;
		if (take < len) {
			while (*p == ' ')
				p++;
			line++;
			continue;
		}
		if (nl == NULL) {
			if (line >= skip && line - skip < max_lines) {
				if (end_y)
					*end_y = y + line - skip;
				if (end_x)
					*end_x = x + used;
			}
			return line + 1;
		}
		p = nl + 1;
		line++;
	}
}
