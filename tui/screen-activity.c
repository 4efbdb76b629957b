/* The activity log (`A`): who did what on this list, newest first (the
 * last 100 entries): hosts by name, guests' replies and the notifier as
 * their own actors. j/k and PgUp/PgDn scroll, r reloads, Esc closes. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "sync.h"
#include "util.h"

/* Opens the view and loads the newest page. */
void activity_open(struct app *a)
{
	a->overlay = OVERLAY_ACTIVITY;
	a->act.top = 0;
	a->act.message[0] = '\0';
	sync_load_activity(a->sync);
	a->dirty |= DIRTY_ALL;
}

/* Lines of entries the box shows. */
static int activity_room(void)
{
	return LINES - 2 - 4;
}

/* Moves the first shown line by delta (clamped). */
static void activity_scroll(struct activity_view *v, long delta)
{
	long top = (long)v->top + delta, max = (long)v->n - activity_room();
	if (max < 0)
		max = 0;
	if (top > max)
		top = max;
	if (top < 0)
		top = 0;
	v->top = (size_t)top;
}

/* Keys of the view. */
int activity_key(struct app *a, int is_key, long ch)
{
	struct activity_view *v = &a->act;
	a->dirty |= DIRTY_OVERLAY;
	if (is_key) {
		switch (ch) {
		case KEY_DOWN: activity_scroll(v, 1); break;
		case KEY_UP: activity_scroll(v, -1); break;
		case KEY_NPAGE: activity_scroll(v, activity_room()); break;
		case KEY_PPAGE: activity_scroll(v, -activity_room()); break;
		default: break;
		}
		return KEY_HANDLED;
	}
	switch (ch) {
	case 'j': activity_scroll(v, 1); break;
	case 'k': activity_scroll(v, -1); break;
	case 'r': sync_load_activity(a->sync); break;
	case 27:
	case 'q':
	case 'A':
		a->overlay = OVERLAY_NONE;
		a->dirty = DIRTY_ALL;
		break;
	default: break;
	}
	return KEY_HANDLED;
}

/* Draws the view. */
void activity_draw(struct app *a)
{
	struct activity_view *v = &a->act;
	int w = COLS - 4 < 100 ? COLS - 4 : 100, h = LINES - 2, y = 1, x = (COLS - w) / 2;
	char title[320];

	if (h < 6 || w < 20)
		return;
	str_fmt(title, sizeof title, "Activity · %s", a->list_name);
	draw_box(a, y, x, h, w, title);
	if (!v->loaded)
		draw_text(a, y + 1, x + 2, w - 4, v->busy ? "loading…" : "nothing loaded (r loads)", TK_SLOT_DIM,
			  TK_ALIGN_LEFT);
	else if (v->n == 0)
		draw_text(a, y + 1, x + 2, w - 4, "Nothing happened on this list yet.", TK_SLOT_DIM, TK_ALIGN_LEFT);
	for (int i = 0; i < activity_room() && v->top + (size_t)i < v->n; i++) {
		const struct view_line *l = &v->lines[v->top + (size_t)i];
		draw_text(a, y + 1 + i, x + 2, w - 4, l->text, (enum tk_slot)l->slot, TK_ALIGN_LEFT);
	}
	draw_text(a, y + h - 2, x + 2, w - 4, v->message[0] ? v->message : "j k PgUp PgDn scroll · r reload · Esc close",
		  v->message[0] ? TK_SLOT_ERROR : TK_SLOT_KEY_HINT, TK_ALIGN_LEFT);
}
