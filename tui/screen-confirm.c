/* The yes/no dialog: deleting a party, quitting with typed text in a form. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "util.h"
#include "draw.h"

/* Keys of the dialog: y / Enter = yes, n / Esc = no. */
int confirm_key(struct app *a, int is_key, long ch)
{
	if (is_key)
		return KEY_HANDLED;
	int yes = ch == 'y' || ch == 'Y' || ch == '\r' || ch == '\n';
	int no = ch == 'n' || ch == 'N' || ch == 27 || ch == 'q';
	if (!yes && !no)
		return KEY_HANDLED;
	a->overlay = OVERLAY_NONE;
	a->dirty = DIRTY_ALL;
	if (!yes) {
		if (a->confirm == CONFIRM_QUIT && a->form.touched)
			a->overlay = OVERLAY_FORM; /* back to the typed text */
		return KEY_HANDLED;
	}
	if (a->confirm == CONFIRM_QUIT)
		return KEY_QUIT;
	for (size_t i = 0; i < a->n_rows; i++) {
		const struct party *p = &a->rows[i];
		if (strcmp(p->id, a->confirm_id) != 0)
			continue;
		struct action act;
		memset(&act, 0, sizeof act);
		act.kind = ACT_DELETE;
		str_fmt(act.waitee, sizeof act.waitee, "%s", p->id);
		tk_text_fit(p->name, 40, act.label, sizeof act.label);
		act.version = p->version;
		app_queue_action(a, &act);
		break;
	}
	return KEY_HANDLED;
}

/* Draws the dialog. */
void confirm_draw(struct app *a)
{
	int w = COLS - 4 < 60 ? COLS - 4 : 60;
	int h = 5;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	draw_box(a, y, x, h, w, a->confirm == CONFIRM_QUIT ? "Quit?" : "Delete?");
	draw_text(a, y + 1, x + 2, w - 4, a->confirm_text, TK_SLOT_DIALOG, TK_ALIGN_LEFT);
	draw_text(a, y + 3, x + 2, w - 4, "y / Enter yes · n / Esc no", TK_SLOT_KEY_HINT, TK_ALIGN_LEFT);
}
