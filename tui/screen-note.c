/* Writing the handover note (`H`): a multi-line text box for the next
 * shift. Enter starts a new line, Ctrl-S (or Ctrl-D) saves, Esc leaves
 * (what was typed is kept until saved, so nothing is lost by a slip). */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "sync.h"
#include "util.h"

/* Opens the editor (with whatever was typed before and not saved). */
void note_open(struct app *a)
{
	a->overlay = OVERLAY_NOTE;
	a->note.message[0] = '\0';
	a->dirty |= DIRTY_ALL;
}

/* Keys of the editor. */
int note_key(struct app *a, int is_key, long ch)
{
	struct note_editor *e = &a->note;
	a->dirty |= DIRTY_OVERLAY;
	if (is_key) {
		if (ch == KEY_BACKSPACE)
			note_backspace(e);
		else if (ch == KEY_ENTER)
			(void)note_insert(e, '\n');
		return KEY_HANDLED;
	}
	if (ch == 27) {
		a->overlay = OVERLAY_NONE;
		a->dirty = DIRTY_ALL;
		return KEY_HANDLED;
	}
	if (ch == 19 || ch == 4) {   /* Ctrl-S, Ctrl-D */
		if (e->busy)
			return KEY_HANDLED;
		if (e->len == 0 || strspn(e->text, " \n\t") == e->len) {
			str_fmt(e->message, sizeof e->message, "the note is empty");
			return KEY_HANDLED;
		}
		sync_put_handover(a->sync, e->text);
		return KEY_HANDLED;
	}
	if (ch == 127 || ch == 8) {
		note_backspace(e);
		return KEY_HANDLED;
	}
	if (note_insert(e, ch) != 0)
		str_fmt(e->message, sizeof e->message, "the note is full (%d bytes)", HANDOVER_NOTE_MAX);
	else if (e->message[0] && !e->busy)
		e->message[0] = '\0';
	return KEY_HANDLED;
}

/* Draws the editor. */
void note_draw(struct app *a)
{
	struct note_editor *e = &a->note;
	int w = COLS - 4 < 80 ? COLS - 4 : 80;
	int h = LINES - 4 < 16 ? LINES - 4 : 16;
	int y = (LINES - h) / 2, x = (COLS - w) / 2, cy = -1, cx = -1;
	int room = h - 5, total, skip;
	char hint[160];

	if (h < 6 || w < 20)
		return;
	draw_box(a, y, x, h, w, "Handover note for the next shift");
	draw_text(a, y + 1, x + 2, w - 4, "What should the next host know? (tables, parties, staff, stock)", TK_SLOT_DIM,
		  TK_ALIGN_LEFT);
	/* the end of the text stays in view */
	total = draw_wrapped(a, y + 2, x + 2, w - 4, 0, 0, e->text, TK_SLOT_FIELD_FOCUS, NULL, NULL);
	skip = total > room ? total - room : 0;
	for (int i = 0; i < room; i++)
		draw_text(a, y + 2 + i, x + 2, w - 4, "", TK_SLOT_FIELD_FOCUS, TK_ALIGN_LEFT);
	draw_wrapped(a, y + 2, x + 2, w - 4, skip, room, e->text, TK_SLOT_FIELD_FOCUS, &cy, &cx);
	if (cy >= 0 && cx >= x + w - 2) {   /* the last line is full: the cursor goes to the next one */
		cy++;
		cx = x + 2;
	}
	if (cy >= 0 && cy < y + 2 + room)
		draw_cursor(cy, cx);
	if (e->message[0])
		draw_text(a, y + h - 2, x + 2, w - 4, e->message, e->busy ? TK_SLOT_PENDING : TK_SLOT_ERROR,
			  TK_ALIGN_LEFT);
	else {
		str_fmt(hint, sizeof hint, "Enter new line · Ctrl-S save · Esc close (kept) · %zu/%d", e->len,
			HANDOVER_NOTE_MAX);
		draw_text(a, y + h - 2, x + 2, w - 4, hint, TK_SLOT_KEY_HINT, TK_ALIGN_LEFT);
	}
}
