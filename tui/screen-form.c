/* The add / edit form: name, size, phone, e-mail, quote, notes. Validates
 * as the host types; Enter saves from any field; Esc cancels; a refusal by
 * the server reopens it with everything typed and the reason beside the
 * field. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "keys.h"
#include "util.h"
#include "kit/phone.h"

static const char *const labels[FF_COUNT] = { "Name", "Size", "Phone", "E-mail", "Quote", "Notes" };

/* Parses a digits-only field; dflt when empty, -1 when out of range. */
static int field_int(const struct field *f, int dflt, int min, int max)
{
	if (f->len == 0)
		return dflt;
	char *end;
	long v = strtol(f->text, &end, 10);
	if (*end || v < min || v > max)
		return -1;
	return (int)v;
}

/* Opens the add form (p NULL) or the edit form for p. */
void form_open(struct app *a, const struct party *p)
{
	struct form *f = &a->form;
	memset(f, 0, sizeof *f);
	field_init(&f->f[FF_NAME], 200, 0, 0);
	field_init(&f->f[FF_SIZE], 2, 1, 0);
	field_init(&f->f[FF_PHONE], 30, 0, 0);
	field_init(&f->f[FF_EMAIL], 254, 0, 0);
	field_init(&f->f[FF_QUOTE], 4, 1, 0);
	field_init(&f->f[FF_NOTES], 1000, 0, 0);
	if (p) {
		f->editing = 1;
		str_fmt(f->edit_id, sizeof f->edit_id, "%s", p->id);
		f->edit_version = p->version;
		char num[16];
		field_set(&f->f[FF_NAME], p->name);
		str_fmt(num, sizeof num, "%d", p->size);
		field_set(&f->f[FF_SIZE], num);
		field_set(&f->f[FF_PHONE], p->phone);
		field_set(&f->f[FF_EMAIL], p->email);
		if (p->quote > 0) {
			str_fmt(num, sizeof num, "%d", p->quote);
			field_set(&f->f[FF_QUOTE], num);
		}
		field_set(&f->f[FF_NOTES], p->notes);
	}
	f->focus = FF_NAME;
	if (!p)
		f->est_wanted = 2;   /* the server's suggested quote for the default size (sync-stats.c) */
	a->overlay = OVERLAY_FORM;
	form_validate(a);
	a->dirty |= DIRTY_OVERLAY;
}

/* Validates every field as typed; returns the number of errors. */
int form_validate(struct app *a)
{
	struct form *f = &a->form;
	int errors = 0;
	for (int i = 0; i < FF_COUNT; i++)
		f->err[i][0] = '\0';
	if (f->f[FF_NAME].len == 0 && f->touched) {
		str_fmt(f->err[FF_NAME], sizeof f->err[FF_NAME], "a name is needed");
		errors++;
	}
	if (field_int(&f->f[FF_SIZE], 2, 1, PARTY_SIZE_MAX) < 0) {
		str_fmt(f->err[FF_SIZE], sizeof f->err[FF_SIZE], "1 to %d", PARTY_SIZE_MAX);
		errors++;
	}
	if (field_int(&f->f[FF_QUOTE], 0, 0, 1440) < 0) {
		str_fmt(f->err[FF_QUOTE], sizeof f->err[FF_QUOTE], "0 to 1440 minutes");
		errors++;
	}
	f->preview[0] = '\0';
	char prev[96];
	int pr = tk_phone_preview(f->f[FF_PHONE].text, a->country, prev, sizeof prev);
	if (pr == 0) {
		memcpy(f->preview, "\xe2\x86\x92 ", 4);
		str_copy(f->preview + 4, sizeof f->preview - 4, prev);
	} else if (pr < 0) {
		str_copy(f->err[FF_PHONE], sizeof f->err[FF_PHONE], prev);
		errors++;
	}
	const char *e = f->f[FF_EMAIL].text;
	if (*e) {
		const char *at = strchr(e, '@');
		if (!at || at == e || !strchr(at, '.') || strchr(e, ' ') || at[1] == '.' || e[strlen(e) - 1] == '.') {
			str_fmt(f->err[FF_EMAIL], sizeof f->err[FF_EMAIL], "not an e-mail address");
			errors++;
		}
	}
	return errors;
}

/* Builds and queues the action of the form; 0 when queued. */
static int form_save(struct app *a)
{
	struct form *f = &a->form;
	f->touched = 1;
	if (form_validate(a) > 0 || f->f[FF_NAME].len == 0) {
		if (f->f[FF_NAME].len == 0)
			str_fmt(f->err[FF_NAME], sizeof f->err[FF_NAME], "a name is needed");
		for (int i = 0; i < FF_COUNT; i++)
			if (f->err[i][0]) {
				f->focus = i;
				break;
			}
		return -1;
	}
	struct action act;
	memset(&act, 0, sizeof act);
	act.kind = f->editing ? ACT_EDIT : ACT_ADD;
	char e164[TK_E164_MAX] = "", err[128];
	if (f->f[FF_PHONE].len && tk_phone_normalise(f->f[FF_PHONE].text, a->country, e164, sizeof e164, err, sizeof err) != 0) {
		str_copy(f->err[FF_PHONE], sizeof f->err[FF_PHONE], err);
		f->focus = FF_PHONE;
		return -1;
	}
	const struct party *old = NULL;
	if (f->editing) {
		for (size_t i = 0; i < a->n_rows; i++)
			if (strcmp(a->rows[i].id, f->edit_id) == 0)
				old = &a->rows[i];
		if (!old) {
			app_activity(a, TK_SLOT_ERROR, "that party is gone (deleted on another terminal?)");
			a->overlay = OVERLAY_NONE;
			a->dirty = DIRTY_ALL;
			return -1;
		}
		str_copy(act.waitee, sizeof act.waitee, f->edit_id);
		act.version = f->edit_version;
	}
	int size = field_int(&f->f[FF_SIZE], 2, 1, PARTY_SIZE_MAX);
	int quote = field_int(&f->f[FF_QUOTE], 0, 0, 1440);
	/* an edit sends only what changed; an add sends what was typed */
	if (!old || strcmp(old->name, f->f[FF_NAME].text) != 0) {
		act.fields |= AF_NAME;
		str_copy(act.name, sizeof act.name, f->f[FF_NAME].text);
	}
	if (!old || old->size != size) {
		act.fields |= AF_SIZE;
		act.size = size;
	}
	if ((!old && e164[0]) || (old && strcmp(old->phone, e164) != 0)) {
		act.fields |= AF_PHONE;
		str_copy(act.phone, sizeof act.phone, e164);
	}
	if ((!old && f->f[FF_EMAIL].len) || (old && strcmp(old->email, f->f[FF_EMAIL].text) != 0)) {
		act.fields |= AF_EMAIL;
		str_copy(act.email, sizeof act.email, f->f[FF_EMAIL].text);
	}
	if ((!old && quote > 0) || (old && old->quote != quote)) {
		act.fields |= AF_QUOTE;
		act.quote = quote;
	}
	if ((!old && f->f[FF_NOTES].len) || (old && strcmp(old->notes, f->f[FF_NOTES].text) != 0)) {
		act.fields |= AF_NOTES;
		str_copy(act.notes, sizeof act.notes, f->f[FF_NOTES].text);
	}
	tk_text_fit(f->f[FF_NAME].text, 40, act.label, sizeof act.label);
	if (old && act.fields == 0) {
		a->overlay = OVERLAY_NONE;
		a->dirty = DIRTY_ALL;
		return 0;
	}
	if (app_queue_action(a, &act) != 0)
		return -1; /* the form stays open with what was typed */
	if (!f->editing) {
		/* select the new party so the next key acts on it */
		str_fmt(a->sel_id, sizeof a->sel_id, "local:%s", act.key);
		app_rebuild(a);
	}
	str_fmt(f->pending_key, sizeof f->pending_key, "%s", act.key);
	a->overlay = OVERLAY_NONE;
	a->dirty = DIRTY_ALL;
	return 0;
}

/* Keys of the form. */
int form_key(struct app *a, int is_key, long ch)
{
	struct form *f = &a->form;
	a->dirty |= DIRTY_OVERLAY;
	if (!is_key && ch == 27) {
		a->overlay = OVERLAY_NONE;
		a->dirty = DIRTY_ALL;
		return KEY_HANDLED;
	}
	if (!is_key && (ch == '\r' || ch == '\n')) {
		form_save(a);
		return KEY_HANDLED;
	}
	if ((!is_key && ch == '\t') || (is_key && ch == KEY_DOWN)) {
		f->focus = (f->focus + 1) % FF_COUNT;
		return KEY_HANDLED;
	}
	if (is_key && (ch == KEY_BTAB || ch == KEY_UP)) {
		f->focus = (f->focus + FF_COUNT - 1) % FF_COUNT;
		return KEY_HANDLED;
	}
	long k = keys_edit(is_key, ch);
	/* the first digit typed over the suggested quote replaces it, as a selection would */
	if (k >= '0' && k <= '9' && f->focus == FF_QUOTE && !f->quote_typed && !f->editing)
		field_set(&f->f[FF_QUOTE], "");
	if (k && field_key(&f->f[f->focus], k)) {
		f->touched = 1;
		form_validate(a);
		if (f->focus == FF_QUOTE)
			f->quote_typed = 1;   /* the host's own quote: no suggestion replaces it */
		if (f->focus == FF_SIZE && !f->editing) {
			int size = field_int(&f->f[FF_SIZE], 2, 1, PARTY_SIZE_MAX);
			if (size > 0 && size != f->est_size)
				f->est_wanted = size;   /* asked at the next tick */
		}
	}
	return KEY_HANDLED;
}

/* Maps an API field name to the form's field. */
static int api_field(const char *name)
{
	static const char *const names[FF_COUNT] = { "name", "partySize", "phoneNumber", "email", "quotedMinutes", "notes" };
	for (int i = 0; name && i < FF_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* The server refused an add/edit: reopen the form with what was typed and the reason. */
void form_server_error(struct app *a, const struct action *act, const char *field, const char *message)
{
	if (a->screen != SCREEN_BOARD || (a->overlay == OVERLAY_FORM && a->form.touched) ||
	    a->overlay == OVERLAY_CONFIRM)
		return; /* the host is typing something else: the strip says it */
	struct form *f = &a->form;
	const struct party *p = NULL;
	for (size_t i = 0; act->kind == ACT_EDIT && i < a->n_server; i++)
		if (strcmp(a->server_rows[i].id, act->waitee) == 0)
			p = &a->server_rows[i];
	form_open(a, p);
	char num[16];
	if (act->fields & AF_NAME)
		field_set(&f->f[FF_NAME], act->name);
	if (act->fields & AF_SIZE) {
		str_fmt(num, sizeof num, "%d", act->size);
		field_set(&f->f[FF_SIZE], num);
	}
	if (act->fields & AF_PHONE)
		field_set(&f->f[FF_PHONE], act->phone);
	if (act->fields & AF_EMAIL)
		field_set(&f->f[FF_EMAIL], act->email);
	if (act->fields & AF_QUOTE) {
		str_fmt(num, sizeof num, "%d", act->quote);
		field_set(&f->f[FF_QUOTE], num);
	}
	if (act->fields & AF_NOTES)
		field_set(&f->f[FF_NOTES], act->notes);
	/* what the host typed comes back as it was: no suggested quote replaces it */
	f->est_wanted = 0;
	f->quote_typed = 1;
	f->touched = 1;
	form_validate(a);
	int i = api_field(field);
	if (i < 0)
		i = FF_NAME;
	str_fmt(f->err[i], sizeof f->err[i], "server: %s", message);
	f->focus = i;
	a->dirty |= DIRTY_ALL;
}

/* Draws the form over the board. */
void form_draw(struct app *a)
{
	struct form *f = &a->form;
	int w = COLS - 4 < 72 ? COLS - 4 : 72;
	int h = FF_COUNT + 4;
	if (w < 30 || LINES < h)
		w = COLS, h = LINES < h ? LINES : h;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	if (y < 0)
		y = 0;
	draw_box(a, y, x, h, w, f->editing ? "Edit the party" : "Add a party");
	int label_w = 8;
	int field_w = w - label_w - 4;
	int err_w = 0;
	if (field_w > 34) {
		err_w = field_w - 28;
		field_w = 26;
	}
	int cy = -1, cx = -1;
	const char *cut = NULL;   /* an error that did not fit beside its field: shown whole below */
	char quote_hint[80];
	int typical = party_suggest_quote(a->rows, a->n_rows, a->now_ms);
	if (!f->editing && f->est_size > 0 && strcmp(f->est_source, "history") == 0)
		str_fmt(quote_hint, sizeof quote_hint, "suggested %d min · %s confidence · %ld parties",
			f->est_minutes, f->est_confidence, f->est_parties);
	else if (!f->editing && f->est_size > 0 && f->est_minutes > 0 && strcmp(f->est_source, "memo") == 0)
		str_fmt(quote_hint, sizeof quote_hint, "offline: %d min, the last suggested", f->est_minutes);
	else if (!f->editing && f->est_size > 0 && f->est_minutes > 0)
		str_fmt(quote_hint, sizeof quote_hint, "suggested %d min · list default, little history",
			f->est_minutes);
	else if (typical >= 0)
		str_fmt(quote_hint, sizeof quote_hint, "minutes (seated lately after ~%d)", typical);
	else
		str_fmt(quote_hint, sizeof quote_hint, "minutes quoted (optional)");
	for (int i = 0; i < FF_COUNT; i++) {
		int fy = y + 1 + i;
		int fw = (i == FF_SIZE || i == FF_QUOTE) ? 5 : field_w;
		int c = draw_field(a, fy, x + 2, labels[i], label_w, &f->f[i], fw, i == f->focus);
		if (c >= 0) {
			cy = fy;
			cx = c;
		}
		int ex = x + 2 + label_w + fw + 2;
		int ew = x + w - 2 - ex;
		const char *hint = "";
		enum tk_slot slot = TK_SLOT_DIM;
		if (f->err[i][0]) {
			hint = f->err[i];
			slot = TK_SLOT_FIELD_ERROR;
		} else if (i == FF_PHONE) {
			hint = f->preview[0] ? f->preview : "local or +international";
		} else if (i == FF_SIZE) {
			hint = "guests (empty = 2)";
		} else if (i == FF_QUOTE) {
			hint = quote_hint;
		}
		(void)err_w;
		if (ew > 0)
			draw_text(a, fy, ex, ew, hint, slot, TK_ALIGN_LEFT);
		if (f->err[i][0] && tk_text_width(f->err[i]) > ew && (cut == NULL || i == f->focus))
			cut = f->err[i];
	}
	if (cut != NULL)
		draw_text(a, y + 1 + FF_COUNT, x + 2, w - 4, cut, TK_SLOT_FIELD_ERROR, TK_ALIGN_LEFT);
	draw_text(a, y + h - 2, x + 2, w - 4, "Enter save · Tab/Shift-Tab next field · Esc cancel", TK_SLOT_DIM, TK_ALIGN_LEFT);
	if (cy >= 0 && cx >= 0 && cx < COLS) {
		draw_cursor(cy, cx);
	}
}
