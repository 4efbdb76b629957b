/* The waitlist picker: shown when the restaurant has several lists (the
 * last one used is preselected), and on the first run to create one. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "util.h"
#include "draw.h"
#include "keys.h"
#include "state.h"
#include "sync.h"

/* Keys of the picker. */
int picker_key(struct app *a, int is_key, long ch)
{
	struct picker *p = &a->picker;
	a->dirty |= DIRTY_ALL;
	if (p->creating) {
		if (!is_key && ch == 27) {
			p->creating = 0;
			if (p->n == 0)
				return KEY_QUIT;
			return KEY_HANDLED;
		}
		if (!is_key && (ch == '\r' || ch == '\n')) {
			if (p->name.len == 0)
				str_fmt(p->message, sizeof p->message, "type a name first (e.g. Dining room)");
			else
				sync_create_list(a->sync, p->name.text);
			return KEY_HANDLED;
		}
		long k = keys_edit(is_key, ch);
		if (k)
			field_key(&p->name, k);
		return KEY_HANDLED;
	}
	if (is_key) {
		if (ch == KEY_UP && p->sel > 0)
			p->sel--;
		else if (ch == KEY_DOWN && p->sel + 1 < p->n)
			p->sel++;
		return KEY_HANDLED;
	}
	switch (ch) {
	case 'k': if (p->sel > 0) p->sel--; break;
	case 'j': if (p->sel + 1 < p->n) p->sel++; break;
	case '\r':
	case '\n':
		if (p->sel < p->n)
			state_open_list(a, p->items[p->sel].id, p->items[p->sel].name);
		break;
	case 'N':
	case '+':
		p->creating = 1;
		field_init(&p->name, 200, 0, 0);
		p->message[0] = '\0';
		break;
	case 'r': sync_load_lists(a->sync); break;
	case 27:
		if (a->list_id[0])
			app_set_screen(a, SCREEN_BOARD);
		break;
	case 'q': return KEY_QUIT;
	default: return KEY_IGNORED;
	}
	return KEY_HANDLED;
}

/* Draws the picker. */
void picker_draw(struct app *a)
{
	struct picker *p = &a->picker;
	erase();
	draw_activity(a, LINES - 1); /* config warnings, session messages */
	int w = COLS - 4 < 70 ? COLS - 4 : 70;
	int h = LINES - 4 < 20 ? LINES - 4 : 20;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	draw_box(a, y, x, h, w, "Which waitlist?");
	int cy = -1, cx = -1;
	if (p->creating) {
		draw_text(a, y + 2, x + 2, w - 4, "New waitlist:", TK_SLOT_DIALOG, TK_ALIGN_LEFT);
		int c = draw_field(a, y + 3, x + 2, "Name", 6, &p->name, w - 10, 1);
		cy = y + 3, cx = c;
	} else {
		int rows = h - 5;
		size_t first = p->sel >= (size_t)rows ? p->sel - (size_t)rows + 1 : 0;
		for (int i = 0; i < rows && first + (size_t)i < p->n; i++) {
			size_t k = first + (size_t)i;
			char line[300];
			str_fmt(line, sizeof line, " %s %s", k == p->sel ? "\xe2\x96\xb6" : " ", p->items[k].name);
			draw_text(a, y + 2 + i, x + 2, w - 4, line, k == p->sel ? TK_SLOT_SELECTED : TK_SLOT_DIALOG, TK_ALIGN_LEFT);
		}
	}
	draw_text(a, y + h - 3, x + 2, w - 4, p->message, TK_SLOT_DIM, TK_ALIGN_LEFT);
	draw_text(a, y + h - 2, x + 2, w - 4,
		  p->creating ? "Enter create · Esc back" : "Enter open · ↑↓ choose · N new list · r reload · q quit",
		  TK_SLOT_KEY_HINT, TK_ALIGN_LEFT);
	if (cy >= 0) {
		draw_cursor(cy, cx);
	}
}
