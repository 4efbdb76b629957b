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
	{ "T", "team: staff accounts: add, disable, reset a password" },
	{ "h", "shift handover: the note and the floor (a acknowledges)" },
	{ "H", "write the handover note for the next shift" },
	{ "A", "activity: who did what on this list" },
	{ "j k ↑ ↓", "move; PgUp PgDn Home End g G; click a row" },
	{ "Esc", "clear search and filter" },
	{ "?", "this help" },
	{ "q", "quit" },
};

#define HELP_N ((int)(sizeof help_keys / sizeof help_keys[0]))

/* How many key lines fit on this screen. */
static int help_rows(void)
{
	int h = HELP_N + 5 > LINES ? LINES : HELP_N + 5;
	return h - 4 < 1 ? 1 : h - 4;
}

/* Keys of the help overlay: on a screen too short for every line, j/k,
 * arrows, PgUp/PgDn and Home/End (g/G) scroll it, as on the board; any
 * other key closes it. */
int help_key(struct app *a, int is_key, long ch)
{
	int rows = help_rows(), max = HELP_N - rows > 0 ? HELP_N - rows : 0, delta = 0;
	if ((!is_key && ch == 'j') || (is_key && ch == KEY_DOWN))
		delta = 1;
	else if ((!is_key && ch == 'k') || (is_key && ch == KEY_UP))
		delta = -1;
	else if ((!is_key && ch == ' ') || (is_key && ch == KEY_NPAGE))
		delta = rows;
	else if (is_key && ch == KEY_PPAGE)
		delta = -rows;
	else if ((!is_key && ch == 'g') || (is_key && ch == KEY_HOME))
		delta = -HELP_N;
	else if ((!is_key && ch == 'G') || (is_key && (ch == KEY_END || ch == KEY_LL)))
		delta = HELP_N;
	if (max > 0 && delta != 0) {
		int top = a->help_top + delta;
		a->help_top = top < 0 ? 0 : top > max ? max : top;
		a->dirty |= DIRTY_OVERLAY;
		return KEY_HANDLED;
	}
	a->overlay = OVERLAY_NONE;
	a->dirty = DIRTY_ALL;
	return KEY_HANDLED;
}

/* Draws the help overlay: as wide as its longest line (within the screen). */
void help_draw(struct app *a)
{
	int n = HELP_N, longest = 0;
	for (int i = 0; i < n; i++) {
		int tw = tk_text_width(help_keys[i][1]);
		if (tw > longest)
			longest = tw;
	}
	int w = longest + 13 < 66 ? 66 : longest + 13;
	if (w > COLS - 4)
		w = COLS - 4;
	int rows = help_rows(), h = rows + 4;
	int top = a->help_top > n - rows ? n - rows : a->help_top;
	if (top < 0)
		top = 0;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	draw_box(a, y, x, h, w, "Keys of the board");
	for (int i = 0; i < rows && top + i < n; i++) {
		draw_text(a, y + 1 + i, x + 2, 9, help_keys[top + i][0], TK_SLOT_KEY_HINT, TK_ALIGN_LEFT);
		draw_text(a, y + 1 + i, x + 11, w - 13, help_keys[top + i][1], TK_SLOT_DIALOG, TK_ALIGN_LEFT);
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
	char foot[96];
	if (rows < n)
		str_fmt(foot, sizeof foot, "lines %d-%d of %d · j/k PgUp/PgDn End scroll · other keys close", top + 1,
			top + rows, n);
	else
		str_fmt(foot, sizeof foot, "any key closes");
	draw_text(a, y + h - 2, x + 2, w - 4, foot, TK_SLOT_DIM, TK_ALIGN_LEFT);
}
