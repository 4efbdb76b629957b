/* The help overlay (`?`): every key of the board, the colours' meanings. */
#include <curses.h>
#include <stdio.h>

#include "app.h"
#include "util.h"
#include "draw.h"

static const char *const help_keys[][2] = {
	{ "a", "add a party (walk-in: name, Tab, size, Enter)" },
	{ "e", "edit the selected party" },
	{ "n", "text \"table ready\" now" },
	{ "s", "seat" },
	{ "c", "cancel" },
	{ "x", "no-show" },
	{ "d", "delete (asks first)" },
	{ "u", "undo the last seat / cancel / no-show (2 min)" },
	{ "/", "find by name or last digits of the phone" },
	{ "f", "filter by party size (0 = all)" },
	{ "v", "view: waiting / finished today / all" },
	{ "t", "next theme" },
	{ "r", "refresh now (also retries when offline)" },
	{ "l", "switch waitlist" },
	{ "S", "stats: served, waits, quotes, no-shows; bar charts" },
	{ "T", "team: staff accounts (owner, managers): add, disable, reset a password" },
	{ "h", "shift handover: the note and the floor (a acknowledges)" },
	{ "H", "write the handover note for the next shift" },
	{ "A", "activity: who did what on this list" },
	{ "j k ↑ ↓", "move; PgUp PgDn Home End g G; click a row" },
	{ "Esc", "clear search and filter" },
	{ "?", "this help" },
	{ "q", "quit" },
};

/* Keys of the help overlay: any key closes it. */
int help_key(struct app *a, int is_key, long ch)
{
	(void)is_key;
	(void)ch;
	a->overlay = OVERLAY_NONE;
	a->dirty = DIRTY_ALL;
	return KEY_HANDLED;
}

/* Draws the help overlay. */
void help_draw(struct app *a)
{
	int n = (int)(sizeof help_keys / sizeof help_keys[0]);
	int w = COLS - 4 < 66 ? COLS - 4 : 66;
	int h = n + 5;
	if (h > LINES)
		h = LINES;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	draw_box(a, y, x, h, w, "Keys of the board");
	for (int i = 0; i < n && i < h - 4; i++) {
		draw_text(a, y + 1 + i, x + 2, 9, help_keys[i][0], TK_SLOT_KEY_HINT, TK_ALIGN_LEFT);
		draw_text(a, y + 1 + i, x + 11, w - 13, help_keys[i][1], TK_SLOT_DIALOG, TK_ALIGN_LEFT);
	}
	/* colours and markers, drawn in their own slots */
	static const struct { enum tk_slot slot; const char *text; } legend[] = {
		{ TK_SLOT_NEAR_QUOTE, "near quote" }, { TK_SLOT_OVER_QUOTE, "over" }, { TK_SLOT_NOTIFIED, "texted" },
		{ TK_SLOT_CONFIRMED, "confirmed" }, { TK_SLOT_FAILED, "failed" }, { TK_SLOT_PENDING, "pending" },
	};
	int lx = x + 2;
	for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
		char t[64];
		str_fmt(t, sizeof t, "%s%s", draw_marker(a, legend[i].slot), legend[i].text);
		int tw = tk_text_width(t);
		if (lx + tw >= x + w - 2)
			break;
		draw_text(a, y + h - 3, lx, tw, t, legend[i].slot, TK_ALIGN_LEFT);
		lx += tw + 2;
	}
	draw_text(a, y + h - 2, x + 2, w - 4, "any key closes", TK_SLOT_DIM, TK_ALIGN_LEFT);
}
