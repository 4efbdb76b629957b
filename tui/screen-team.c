/* The team overlay (`T`, owner and managers): the restaurant's staff
 * accounts, one per line (name, e-mail, role, state); `a` adds one (e-mail,
 * name, initial password; F2 makes it a manager, owner only), `d`
 * disables or enables the selected one, `p` gives it a new password.
 * What it asks goes through team.want (sync-staff.c); it never draws from
 * a key. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "keys.h"
#include "util.h"

/* Opens the overlay and asks for the accounts (a host is told it is not for it). */
void team_open(struct app *a)
{
	struct team_view *t = &a->team;

	if (strcmp(a->role, "host") == 0) {
		app_activity(a, TK_SLOT_ERROR, "the team is managed by the owner and managers");
		a->dirty |= DIRTY_STRIP;
		return;
	}
	t->adding = t->resetting = 0;
	t->message[0] = '\0';
	t->want = TEAM_LOAD;
	a->overlay = OVERLAY_TEAM;
	a->dirty |= DIRTY_ALL;
}

/* Keys of the "new account" form. */
static int team_add_key(struct app *a, int is_key, long ch)
{
	struct team_view *t = &a->team;

	if (!is_key && ch == 27) {
		t->adding = 0;
		return KEY_HANDLED;
	}
	if ((!is_key && ch == '\t') || (is_key && ch == KEY_DOWN)) {
		t->focus = (t->focus + 1) % TF_COUNT;
		return KEY_HANDLED;
	}
	if (is_key && (ch == KEY_BTAB || ch == KEY_UP)) {
		t->focus = (t->focus + TF_COUNT - 1) % TF_COUNT;
		return KEY_HANDLED;
	}
	if (is_key && ch == KEY_F(2)) {
		if (strcmp(a->role, "owner") == 0)
			t->manager = !t->manager;
		else
			str_fmt(t->message, sizeof t->message, "only the owner makes managers");
		return KEY_HANDLED;
	}
	if (!is_key && (ch == '\r' || ch == '\n')) {
		if (t->focus != TF_PASSWORD) {
			t->focus++;
		} else if (!strchr(t->f[TF_EMAIL].text, '@') || t->f[TF_NAME].len == 0 || t->f[TF_PASSWORD].len < 8) {
			str_fmt(t->message, sizeof t->message, "an e-mail, a name and a password of 8+ characters are needed");
		} else {
			t->want = TEAM_ADD;
			str_fmt(t->message, sizeof t->message, "adding…");
		}
		return KEY_HANDLED;
	}
	long k = keys_edit(is_key, ch);
	if (k)
		field_key(&t->f[t->focus], k);
	return KEY_HANDLED;
}

/* Keys of the overlay. */
int team_key(struct app *a, int is_key, long ch)
{
	struct team_view *t = &a->team;

	a->dirty |= DIRTY_OVERLAY;
	if (t->adding)
		return team_add_key(a, is_key, ch);
	if (t->resetting) {
		if (!is_key && ch == 27) {
			t->resetting = 0;
		} else if (!is_key && (ch == '\r' || ch == '\n')) {
			if (t->reset.len < 8)
				str_fmt(t->message, sizeof t->message, "a password of at least 8 characters");
			else
				t->want = TEAM_RESET;
		} else {
			long k = keys_edit(is_key, ch);
			if (k)
				field_key(&t->reset, k);
		}
		return KEY_HANDLED;
	}
	if (is_key && ch == KEY_UP && t->sel > 0)
		t->sel--;
	else if (is_key && ch == KEY_DOWN && t->sel + 1 < t->n)
		t->sel++;
	else if (is_key)
		return KEY_HANDLED;
	switch (ch) {
	case 'k': if (t->sel > 0) t->sel--; break;
	case 'j': if (t->sel + 1 < t->n) t->sel++; break;
	case 'a':
		t->adding = 1;
		t->focus = TF_EMAIL;
		t->manager = 0;
		field_init(&t->f[TF_EMAIL], 254, 0, 0);
		field_init(&t->f[TF_NAME], 200, 0, 0);
		field_init(&t->f[TF_PASSWORD], 256, 0, 1);
		t->message[0] = '\0';
		break;
	case 'd':
		if (t->sel < t->n && strcmp(t->rows[t->sel].role, "owner") != 0)
			t->want = TEAM_TOGGLE;
		else
			str_fmt(t->message, sizeof t->message, "the owner cannot be disabled");
		break;
	case 'p':
		if (t->sel < t->n && strcmp(t->rows[t->sel].role, "owner") != 0) {
			t->resetting = 1;
			field_init(&t->reset, 256, 0, 1);
			t->message[0] = '\0';
		}
		break;
	case 'r': t->want = TEAM_LOAD; break;
	case 27:
	case 'q':
	case 'T':
		a->overlay = OVERLAY_NONE;
		a->dirty |= DIRTY_ALL;
		break;
	default: break;
	}
	return KEY_HANDLED;
}

/* Draws the overlay. */
void team_draw(struct app *a)
{
	struct team_view *t = &a->team;
	int w = COLS - 4 < 100 ? COLS - 4 : 100, h = LINES - 4 < 22 ? LINES - 4 : 22;
	int y = (LINES - h) / 2, x = (COLS - w) / 2, cy = -1, cx = -1;
	char title[300];

	if (y < 0)
		y = 0;
	if (x < 0)
		x = 0;
	str_fmt(title, sizeof title, "Team%s%s", a->restaurant_name[0] ? " · " : "", a->restaurant_name);
	draw_box(a, y, x, h, w, title);
	if (t->adding) {
		static const char *const labels[TF_COUNT] = { "E-mail", "Name", "Password" };
		for (int i = 0; i < TF_COUNT; i++) {
			int c = draw_field(a, y + 2 + i, x + 2, labels[i], 10, &t->f[i], w - 14, i == t->focus);
			if (c >= 0)
				cy = y + 2 + i, cx = c;
		}
		draw_text(a, y + 2 + TF_COUNT, x + 2, w - 4, t->manager ? "Role      manager (F2: host)"
									: "Role      host (F2: manager)",
			  TK_SLOT_DIALOG, TK_ALIGN_LEFT);
	} else {
		int rows = h - 6;
		size_t first = t->sel >= (size_t)rows ? t->sel - (size_t)rows + 1 : 0;
		char line[800], head[300], email_h[200];
		/* the e-mail column takes what the others leave (up to 40): at 80
		 * columns the state ("must change password") stays whole */
		int ew = w - 4 - (2 + 18 + 2 + 2 + 8 + 2 + 20);
		ew = ew < 12 ? 12 : ew > 40 ? 40 : ew;
		tk_text_pad("E-MAIL", ew, TK_ALIGN_LEFT, email_h, sizeof email_h);
		str_fmt(head, sizeof head, "  NAME                %s  ROLE      STATE", email_h);
		draw_text(a, y + 1, x + 2, w - 4, head, TK_SLOT_DIM, TK_ALIGN_LEFT);
		if (!t->loaded)
			draw_text(a, y + 2, x + 2, w - 4, "loading…", TK_SLOT_DIM, TK_ALIGN_LEFT);
		for (int i = 0; i < rows && first + (size_t)i < t->n; i++) {
			const struct team_row *r = &t->rows[first + (size_t)i];
			char name[100], email[200];
			size_t k = first + (size_t)i;

			tk_text_pad(r->name, 18, TK_ALIGN_LEFT, name, sizeof name);
			tk_text_pad(r->email, ew, TK_ALIGN_LEFT, email, sizeof email);
			str_fmt(line, sizeof line, "%s %s  %s  %-8s  %s", k == t->sel ? "\xe2\x96\xb6" : " ", name, email,
				r->role, r->disabled ? "disabled" : r->must_change ? "must change password" : "active");
			draw_text(a, y + 2 + i, x + 2, w - 4, line,
				  k == t->sel ? TK_SLOT_SELECTED : r->disabled ? TK_SLOT_DIM : TK_SLOT_DIALOG, TK_ALIGN_LEFT);
		}
		if (t->resetting) {
			int c = draw_field(a, y + h - 4, x + 2, "New password", 14, &t->reset, w - 18, 1);
			cy = y + h - 4, cx = c;
		}
	}
	draw_text(a, y + h - 3, x + 2, w - 4, t->message, TK_SLOT_DIM, TK_ALIGN_LEFT);
	draw_text(a, y + h - 2, x + 2, w - 4,
		  t->adding ? "Tab next · Enter in Password adds · Esc back"
		  : t->resetting ? "Enter sets it (to be changed at the next login) · Esc back"
				 : "a add · d disable/enable · p new password · r reload · Esc close",
		  TK_SLOT_KEY_HINT, TK_ALIGN_LEFT);
	if (cy >= 0)
		draw_cursor(cy, cx);
}
