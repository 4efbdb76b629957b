/* The login screen: server, e-mail, password; F2 switches to "create the
 * restaurant" (register the owner: the restaurant's name, its time zone and
 * phone country, offered as this machine's, the owner's name, e-mail,
 * password). */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "util.h"
#include "draw.h"
#include "keys.h"
#include "sync.h"
#include "zone.h"

/* 1 when field i is asked only when creating the restaurant. */
static int register_only(int i)
{
	return i == LF_NAME || i == LF_RESTAURANT || i == LF_TIMEZONE || i == LF_COUNTRY;
}

/* 1 when field i is on the screen in the current mode. */
static int shown(const struct app *a, int i)
{
	return !register_only(i) || a->login.registering;
}

/* Moves the focus to the next (dir 1) or previous (dir -1) shown field. */
static void focus_step(struct app *a, int dir)
{
	int f = a->login.focus;
	do
		f = (f + dir + LF_COUNT) % LF_COUNT;
	while (!shown(a, f));
	a->login.focus = f;
}

/* 1 when the country field is empty or two letters (made capitals here). */
static int country_ok(struct field *f)
{
	if (f->len == 0)
		return 1;
	char cc[3];
	if (f->len != 2)
		return 0;
	for (int i = 0; i < 2; i++) {
		char c = f->text[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return 0;
		cc[i] = c;
	}
	cc[2] = '\0';
	field_set(f, cc);
	return 1;
}

/* Checks the fields before sending; returns 0 when they can be sent. */
static int check(struct app *a)
{
	struct login *l = &a->login;
	const char *msg = NULL;
	int focus = -1;
	if (l->f[LF_SERVER].len == 0)
		msg = "the server's address is needed (http://host:8080)", focus = LF_SERVER;
	else if (l->registering && l->f[LF_NAME].len == 0)
		msg = "your name is needed", focus = LF_NAME;
	else if (l->registering && l->f[LF_TIMEZONE].len > 0 && !zone_known(l->f[LF_TIMEZONE].text))
		msg = "unknown time zone: a name like Europe/Paris, or empty for UTC", focus = LF_TIMEZONE;
	else if (l->registering && !country_ok(&l->f[LF_COUNTRY]))
		msg = "the country is two letters (FR, US, JP...), or empty", focus = LF_COUNTRY;
	else if (!strchr(l->f[LF_EMAIL].text, '@'))
		msg = "an e-mail address is needed", focus = LF_EMAIL;
	else if (l->f[LF_PASSWORD].len == 0)
		msg = "the password is needed", focus = LF_PASSWORD;
	else if (l->registering && l->f[LF_PASSWORD].len < 8)
		msg = "choose a password of at least 8 characters", focus = LF_PASSWORD;
	if (!msg)
		return 0;
	str_fmt(l->message, sizeof l->message, "%s", msg);
	l->focus = focus;
	return -1;
}

/* Keys of the login screen. */
int login_key(struct app *a, int is_key, long ch)
{
	struct login *l = &a->login;
	a->dirty |= DIRTY_ALL;
	if (is_key && ch == KEY_F(2)) {
		l->registering = !l->registering;
		l->message[0] = '\0';
		/* the server field keeps the cursor; otherwise start at the first field of the mode */
		if (l->focus != LF_SERVER)
			l->focus = l->registering ? LF_RESTAURANT : LF_EMAIL;
		return KEY_HANDLED;
	}
	if (!is_key && ch == 27)
		return KEY_QUIT;
	if (l->busy)
		return KEY_HANDLED;
	if (!is_key && ch == '\t') {
		focus_step(a, 1);
		return KEY_HANDLED;
	}
	if (is_key && (ch == KEY_BTAB || ch == KEY_UP)) {
		focus_step(a, -1);
		return KEY_HANDLED;
	}
	if (is_key && ch == KEY_DOWN) {
		focus_step(a, 1);
		return KEY_HANDLED;
	}
	if (!is_key && (ch == '\r' || ch == '\n')) {
		if (l->focus != LF_PASSWORD) {
			focus_step(a, 1);
			return KEY_HANDLED;
		}
		if (check(a) == 0)
			sync_login(a->sync);
		return KEY_HANDLED;
	}
	long k = keys_edit(is_key, ch);
	if (k)
		field_key(&l->f[l->focus], k);
	return KEY_HANDLED;
}

/* Draws the login screen. */
void login_draw(struct app *a)
{
	struct login *l = &a->login;
	erase();
	draw_activity(a, LINES - 1); /* config warnings, session messages */
	int w = COLS - 4 < 70 ? COLS - 4 : 70;
	int h = l->registering ? 14 : 12;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	if (y < 0)
		y = 0;
	if (x < 0)
		x = 0;
	draw_box(a, y, x, h, w, l->registering ? "Maitre · create the restaurant" : "Maitre · log in");
	static const char *const labels[LF_COUNT] = { "Server", "Restaurant", "Time zone", "Country", "Your name",
						      "E-mail", "Password" };
	int row = y + 2, cy = -1, cx = -1;
	for (int i = 0; i < LF_COUNT; i++) {
		if (!shown(a, i))
			continue;
		/* the zone and the country leave room for what they are for */
		int fw = i == LF_TIMEZONE ? 32 : i == LF_COUNTRY ? 4 : w - 15;
		if (fw > w - 15)
			fw = w - 15;
		int c = draw_field(a, row, x + 2, labels[i], 11, &l->f[i], fw, i == l->focus);
		if (c >= 0)
			cy = row, cx = c;
		int hx = x + 2 + 11 + fw + 2, hw = x + w - 2 - hx;
		if (hw > 0 && i == LF_TIMEZONE)
			draw_text(a, row, hx, hw, "for clocks and stats", TK_SLOT_DIM, TK_ALIGN_LEFT);
		else if (hw > 0 && i == LF_COUNTRY)
			draw_text(a, row, hx, hw, "for phone numbers typed without +", TK_SLOT_DIM, TK_ALIGN_LEFT);
		row++;
	}
	if (l->message[0])
		draw_text(a, y + h - 4, x + 2, w - 4, l->message, l->busy ? TK_SLOT_DIM : TK_SLOT_FIELD_ERROR, TK_ALIGN_LEFT);
	else if (!l->registering)
		draw_text(a, y + h - 4, x + 2, w - 4, "First time on this server? F2 creates the restaurant.", TK_SLOT_DIM,
			  TK_ALIGN_LEFT);
	draw_text(a, y + h - 3, x + 2, w - 4,
		  l->registering ? "First run: this makes you the owner. Enter in Password creates it."
				 : "Tab/Enter next field · Enter in Password logs in",
		  TK_SLOT_DIM, TK_ALIGN_LEFT);
	draw_text(a, y + h - 2, x + 2, w - 4,
		  l->registering ? "F2 back to log in · Esc quit" : "F2 create the restaurant (new server) · Esc quit",
		  TK_SLOT_KEY_HINT, TK_ALIGN_LEFT);
	if (cy >= 0 && !l->busy) {
		draw_cursor(cy, cx);
	}
}
