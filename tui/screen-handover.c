/* The shift handover (`h`, and by itself after login when the note is not
 * acknowledged yet): the note for the next shift with who wrote it and
 * when, and the floor as the server sums it up (parties and covers
 * waiting, the longest wait, parties over their quote, texts pending and
 * failed, guest replies, notes on parties). `a` acknowledges the note,
 * `H` writes a new one, j/k scroll, Esc closes. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "sync.h"
#include "util.h"

/* The box: nearly the whole screen. */
static void handover_box(int *y, int *x, int *h, int *w)
{
	*w = COLS - 4 < 90 ? COLS - 4 : 90;
	*h = LINES - 2;
	*y = 1;
	*x = (COLS - *w) / 2;
}

/* Opens the screen and asks for a fresh summary. */
void handover_open(struct app *a)
{
	a->overlay = OVERLAY_HANDOVER;
	a->handover.top = 0;
	a->handover.message[0] = '\0';
	sync_load_handover(a->sync, 0);
	a->dirty |= DIRTY_ALL;
}

/* Keys of the screen. */
int handover_key(struct app *a, int is_key, long ch)
{
	struct handover_view *v = &a->handover;
	if (is_key) {
		if (ch == KEY_DOWN && v->top + 1 < v->n_lines + 8)
			v->top++;
		else if (ch == KEY_UP && v->top > 0)
			v->top--;
		a->dirty |= DIRTY_OVERLAY;
		return KEY_HANDLED;
	}
	switch (ch) {
	case 'a':
	case '\r':
	case '\n':
		if (v->has_note && !v->acked)
			sync_ack_handover(a->sync);
		break;
	case 'H':
		note_open(a);
		return KEY_HANDLED;
	case 'r':
		sync_load_handover(a->sync, 0);
		break;
	case 'j':
		if (v->top + 1 < v->n_lines + 8)
			v->top++;
		break;
	case 'k':
		if (v->top > 0)
			v->top--;
		break;
	case 27:
	case 'q':
	case 'h':
		a->overlay = OVERLAY_NONE;
		a->dirty = DIRTY_ALL;
		return KEY_HANDLED;
	default:
		break;
	}
	a->dirty |= DIRTY_OVERLAY;
	return KEY_HANDLED;
}

/* Draws the screen. */
void handover_draw(struct app *a)
{
	struct handover_view *v = &a->handover;
	int y, x, h, w, row, bottom, skip = (int)v->top;
	char title[320], t1[16], t2[16], line[400];

	handover_box(&y, &x, &h, &w);
	if (h < 6 || w < 20)
		return;
	str_fmt(title, sizeof title, "Shift handover · %s", a->list_name);
	draw_box(a, y, x, h, w, title);
	row = y + 1;
	bottom = y + h - 3;   /* the last line for content */
	if (!v->loaded) {
		draw_text(a, row, x + 2, w - 4, v->busy ? "loading…" : "no summary yet (r loads it)", TK_SLOT_DIM,
			  TK_ALIGN_LEFT);
	} else {
		/* the note: header, then its text wrapped */
		if (!v->has_note) {
			if (skip == 0)
				draw_text(a, row++, x + 2, w - 4, "No note was written for this shift (H writes one).",
					  TK_SLOT_DIM, TK_ALIGN_LEFT);
			else
				skip--;
		} else {
			draw_clock(v->created_ms, t1, sizeof t1);
			if (v->acked) {
				draw_clock(v->acked_ms, t2, sizeof t2);
				str_fmt(line, sizeof line, "Note from %s at %s · acknowledged by %s at %s",
					v->author[0] ? v->author : "?", t1, v->acked_by[0] ? v->acked_by : "?", t2);
			} else {
				str_fmt(line, sizeof line, "Note from %s at %s · not acknowledged yet",
					v->author[0] ? v->author : "?", t1);
			}
			if (skip == 0)
				draw_text(a, row++, x + 2, w - 4, line, v->acked ? TK_SLOT_DIM : TK_SLOT_DIALOG_TITLE,
					  TK_ALIGN_LEFT);
			else
				skip--;
			int total = draw_wrapped(a, row, x + 4, w - 6, skip, bottom - row + 1, v->note, TK_SLOT_DIALOG,
						 NULL, NULL);
			int shown = total - skip;
			if (shown < 0) {
				skip = -shown;
				shown = 0;
			} else {
				skip = 0;
			}
			if (shown > bottom - row + 1)
				shown = bottom - row + 1;
			row += shown;
		}
		/* a blank line, then the summary */
		if (row <= bottom) {
			if (skip == 0)
				row++;
			else
				skip--;
		}
		for (size_t i = (size_t)skip; i < v->n_lines && row <= bottom; i++)
			draw_text(a, row++, x + 2, w - 4, v->lines[i].text, (enum tk_slot)v->lines[i].slot, TK_ALIGN_LEFT);
	}
	if (v->message[0])
		draw_text(a, y + h - 2, x + 2, w - 4, v->message, TK_SLOT_ERROR, TK_ALIGN_LEFT);
	else
		draw_text(a, y + h - 2, x + 2, w - 4,
			  v->has_note && !v->acked ? "a / Enter acknowledge · H write a note · j k scroll · Esc close"
						   : "H write a note · r reload · j k scroll · Esc close",
			  TK_SLOT_KEY_HINT, TK_ALIGN_LEFT);
}
