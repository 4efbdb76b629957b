/* The password screen: a new staff account (or one whose password was
 * reset) chooses its own password before anything else; the server refuses
 * every other call until it has. The current password is the one just
 * typed at login (asked when the session was resumed). */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "keys.h"
#include "util.h"

/* Opens the screen; current: the password typed at login, or NULL. */
void password_open(struct app *a, const char *current)
{
	struct pwform *p = &a->pw;

	for (int i = 0; i < PF_COUNT; i++)
		field_init(&p->f[i], 1024, 0, 1);
	if (current != NULL)
		field_set(&p->f[PF_CURRENT], current);
	p->focus = current != NULL && current[0] ? PF_NEW : PF_CURRENT;
	p->wanted = 0;
	str_fmt(p->message, sizeof p->message, "%s", "");
	a->overlay = OVERLAY_NONE;
	app_set_screen(a, SCREEN_PASSWORD);
}

/* Checks the fields; 0 when the change can be sent. */
static int check(struct pwform *p)
{
	const char *msg = NULL;
	int focus = -1;

	if (p->f[PF_CURRENT].len == 0)
		msg = "type your current password (the one you logged in with)", focus = PF_CURRENT;
	else if (tk_text_width(p->f[PF_NEW].text) < 8)
		msg = "choose a password of at least 8 characters", focus = PF_NEW;
	else if (strcmp(p->f[PF_NEW].text, p->f[PF_AGAIN].text) != 0)
		msg = "the two new passwords differ", focus = PF_AGAIN;
	else if (strcmp(p->f[PF_NEW].text, p->f[PF_CURRENT].text) == 0)
		msg = "the new password must differ from the current one", focus = PF_NEW;
	if (msg == NULL)
		return 0;
	str_fmt(p->message, sizeof p->message, "%s", msg);
	p->focus = focus;
	return -1;
}

/* Keys of the password screen. */
int password_key(struct app *a, int is_key, long ch)
{
	struct pwform *p = &a->pw;

	a->dirty |= DIRTY_ALL;
	if (!is_key && ch == 27)
		return KEY_QUIT;
	if (p->call)
		return KEY_HANDLED;
	if ((!is_key && ch == '\t') || (is_key && ch == KEY_DOWN)) {
		p->focus = (p->focus + 1) % PF_COUNT;
		return KEY_HANDLED;
	}
	if (is_key && (ch == KEY_BTAB || ch == KEY_UP)) {
		p->focus = (p->focus + PF_COUNT - 1) % PF_COUNT;
		return KEY_HANDLED;
	}
	if (!is_key && (ch == '\r' || ch == '\n')) {
		if (p->focus != PF_AGAIN)
			p->focus++;
		else if (check(p) == 0) {
			p->wanted = 1;
			str_fmt(p->message, sizeof p->message, "changing the password…");
		}
		return KEY_HANDLED;
	}
	long k = keys_edit(is_key, ch);
	if (k)
		field_key(&p->f[p->focus], k);
	return KEY_HANDLED;
}

/* Draws the password screen. */
void password_draw(struct app *a)
{
	static const char *const labels[PF_COUNT] = { "Current", "New", "New again" };
	struct pwform *p = &a->pw;
	int w = COLS - 4 < 70 ? COLS - 4 : 70, h = 11;
	int y = (LINES - h) / 2, x = (COLS - w) / 2, cy = -1, cx = -1;
	char title[300];

	erase();
	draw_activity(a, LINES - 1);
	if (y < 0)
		y = 0;
	if (x < 0)
		x = 0;
	str_fmt(title, sizeof title, "%s%sChoose your own password", a->restaurant_name,
		a->restaurant_name[0] ? " · " : "");
	draw_box(a, y, x, h, w, title);
	draw_text(a, y + 1, x + 2, w - 4, "Your account has a password someone gave you: choose your own.",
		  TK_SLOT_DIALOG, TK_ALIGN_LEFT);
	for (int i = 0; i < PF_COUNT; i++) {
		int c = draw_field(a, y + 3 + i, x + 2, labels[i], 12, &p->f[i], w - 16, i == p->focus);

		if (c >= 0)
			cy = y + 3 + i, cx = c;
	}
	draw_text(a, y + h - 4, x + 2, w - 4, p->message, p->call ? TK_SLOT_DIM : TK_SLOT_FIELD_ERROR, TK_ALIGN_LEFT);
	draw_text(a, y + h - 3, x + 2, w - 4, "At least 8 characters. Tab/Enter next field · Enter in the last changes it",
		  TK_SLOT_DIM, TK_ALIGN_LEFT);
	draw_text(a, y + h - 2, x + 2, w - 4, "Esc quit", TK_SLOT_KEY_HINT, TK_ALIGN_LEFT);
	if (cy >= 0 && !p->call)
		draw_cursor(cy, cx);
}
