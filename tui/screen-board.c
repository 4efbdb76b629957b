/* The board: header, banner, the parties in width-aware columns, the
 * activity strip and the footer; and its keys. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "util.h"
#include "draw.h"
#include "kit/desknotify.h"
#include "kit/layout.h"
#include "kit/palette.h"
#include "sync.h"

#define ROWS_TOP 3 /* first screen line of the party rows */
#define GUTTER 3   /* "▶! " before the columns */

/* Lines the board's rows take on this screen. */
static int rows_height(void)
{
	int h = LINES - ROWS_TOP - 3;
	return h > 0 ? h : 0;
}

/* Keeps the selection on screen. */
static void scroll_to_selection(struct app *a)
{
	int h = rows_height();
	if (h <= 0)
		return;
	if (a->sel < a->top)
		a->top = a->sel;
	if (a->sel >= a->top + (size_t)h)
		a->top = a->sel - (size_t)h + 1;
	if (a->top + (size_t)h > a->n_visible)
		a->top = a->n_visible > (size_t)h ? a->n_visible - (size_t)h : 0;
}

/* The slot a row is drawn in (meaning first, then urgency). */
static enum tk_slot row_slot(const struct app *a, const struct party *p)
{
	if (p->pending)
		return TK_SLOT_PENDING;
	if (strcmp(p->last_result, "failed") == 0 && party_status_active(p->status))
		return TK_SLOT_FAILED;
	switch (p->status) {
	case PARTY_CONFIRMED: return TK_SLOT_CONFIRMED;
	case PARTY_NOTIFIED: return TK_SLOT_NOTIFIED;
	case PARTY_CANCELLED: return TK_SLOT_CANCELLED;
	case PARTY_SEATED:
	case PARTY_NO_SHOW: return TK_SLOT_FINISHED;
	default: break;
	}
	long waited = (long)((a->now_ms - p->joined_ms) / 1000);
	switch (tk_quote_state(waited, p->quote, TK_NEAR_QUOTE_S)) {
	case TK_QUOTE_OVER: return TK_SLOT_OVER_QUOTE;
	case TK_QUOTE_NEAR: return TK_SLOT_NEAR_QUOTE;
	default: return TK_SLOT_WAITING;
	}
}

static void status_base(const struct app *a, const struct party *p, int form, char *out, size_t n);

/* The STATUS column's text in a form: 0 full, 1 short, 2 one letter; the
 * full form says when the guest checked in by themselves. */
static void status_text(const struct app *a, const struct party *p, int form, char *out, size_t n)
{
	status_base(a, p, form, out, n);
	if (form == 0 && p->self_checkin && party_status_active(p->status)) {
		size_t l = strlen(out);
		if (l < n)
			str_fmt(out + l, n - l, " · self check-in");
	}
}

/* The STATUS text without the self check-in note. */
static void status_base(const struct app *a, const struct party *p, int form, char *out, size_t n)
{
	char ago[32] = "";
	if (p->pending) {
		if (form == 2)
			str_fmt(out, n, "…");
		else
			str_fmt(out, n, "%s…", p->pending_what);
		return;
	}
	if (strcmp(p->last_result, "failed") == 0 && party_status_active(p->status)) {
		if (form == 0)
			str_fmt(out, n, "failed: %s", p->last_reason[0] ? p->last_reason : "not sent");
		else
			str_fmt(out, n, form == 1 ? "FAILED" : "F");
		return;
	}
	switch (p->status) {
	case PARTY_WAITING:
		if (strcmp(p->last_result, "queued") == 0)
			str_fmt(out, n, form == 0 ? "waiting · text queued" : form == 1 ? "queued" : "W");
		else
			str_fmt(out, n, form == 0 ? "waiting" : form == 1 ? "wait" : "W");
		return;
	case PARTY_NOTIFIED:
		tk_fmt_ago((long)((a->now_ms - p->notified_ms) / 1000), form != 0, ago, sizeof ago);
		if (form == 0)
			str_fmt(out, n, "notified %s", p->notified_ms ? ago : "");
		else if (form == 1)
			str_fmt(out, n, "notif %s", p->notified_ms ? ago : "");
		else
			str_fmt(out, n, "N");
		return;
	case PARTY_CONFIRMED:
		str_fmt(out, n, form == 0 ? (p->by_guest ? "confirmed by guest \xe2\x9c\x93" : "confirmed \xe2\x9c\x93")
				: form == 1 ? "conf \xe2\x9c\x93" : "C");
		return;
	case PARTY_SEATED: {
		char clock[8];
		draw_clock(p->seated_ms ? p->seated_ms : p->updated_ms, clock, sizeof clock);
		if (form == 2)
			str_fmt(out, n, "S");
		else
			str_fmt(out, n, "seated %s", clock);
		return;
	}
	case PARTY_CANCELLED:
		if (form == 0)
			str_fmt(out, n, p->by_guest ? "cancelled by guest" : "cancelled");
		else
			str_fmt(out, n, form == 1 ? "cancel" : "X");
		return;
	case PARTY_NO_SHOW:
		str_fmt(out, n, form == 2 ? "-" : "no-show");
		return;
	default:
		str_fmt(out, n, "?");
	}
}

/* The QUOTE column: "30  8m over". */
static void quote_text(const struct app *a, const struct party *p, char *out, size_t n)
{
	if (p->quote <= 0) {
		out[0] = '\0';
		return;
	}
	char left[32] = "";
	if (party_status_active(p->status))
		tk_fmt_quote((long)((a->now_ms - p->joined_ms) / 1000), p->quote, left, sizeof left);
	str_fmt(out, n, "%3d %s", p->quote, left);
}

/* Measures the widest content of each column over the visible rows. */
static void measure(const struct app *a, struct tk_board_content *c)
{
	memset(c, 0, sizeof *c);
	c->width[TK_BCOL_POS] = a->n_visible >= 100 ? 4 : 3;
	c->width[TK_BCOL_SIZE] = 4;
	c->width[TK_BCOL_WAITED] = 6;
	c->width[TK_BCOL_QUOTE] = 14;
	for (size_t i = 0; i < a->n_visible; i++) {
		const struct party *p = &a->rows[a->visible[i]];
		int w = tk_text_width(p->name);
		if (w > c->width[TK_BCOL_NAME])
			c->width[TK_BCOL_NAME] = w;
		w = tk_text_width(p->notes);
		if (w > c->width[TK_BCOL_NOTES])
			c->width[TK_BCOL_NOTES] = w;
	}
	c->width[TK_BCOL_STATUS] = 22;
	for (size_t i = 0; i < a->n_visible && i < 2000; i++) {
		char st[200];
		status_text(a, &a->rows[a->visible[i]], 0, st, sizeof st);
		int w = tk_text_width(st);
		if (w > c->width[TK_BCOL_STATUS])
			c->width[TK_BCOL_STATUS] = w > 40 ? 40 : w;
	}
	if (c->width[TK_BCOL_NAME] < 12)
		c->width[TK_BCOL_NAME] = 12;
	if (c->width[TK_BCOL_NAME] > 30)
		c->width[TK_BCOL_NAME] = 30;
}

/* A duration for the header: "0m", "42m", "1h05". */
static void fmt_minutes(int64_t ms, char *out, size_t n)
{
	if (ms < 60000)
		str_fmt(out, n, "0m");
	else
		tk_fmt_ago((long)(ms / 1000), 1, out, n);
}

/* Draws the header line: place, load, clock. */
static void draw_header(struct app *a)
{
	struct party_load load;
	party_load_compute(a->rows, a->n_rows, a->now_ms, &load);
	char left[400], right[200], lw[16], aw[16], clock[8];
	fmt_minutes(load.longest_ms, lw, sizeof lw);
	fmt_minutes(load.average_ms, aw, sizeof aw);
	draw_clock(a->now_ms, clock, sizeof clock);
	char filt[32] = "";
	if (a->size_filter)
		str_fmt(filt, sizeof filt, " · size %d%s", a->size_filter, a->size_filter >= 8 ? "+" : "");
	str_fmt(left, sizeof left, " %s%s%s · %s%s", a->restaurant_name, a->restaurant_name[0] ? " · " : "",
		 a->list_name[0] ? a->list_name : "Waitlist", party_view_name(a->view), filt);
	char over[32] = "";
	if (load.over)
		str_fmt(over, sizeof over, COLS >= 100 ? " · %d over quote" : " · %d over", load.over);
	if (COLS >= 100)
		str_fmt(right, sizeof right, "%d parties · %d covers · longest %s · avg %s%s   %s ", load.parties,
			load.covers, load.parties ? lw : "-", load.parties ? aw : "-", over, clock);
	else
		str_fmt(right, sizeof right, "%dp %dc · max %s · avg %s%s  %s ", load.parties, load.covers,
			load.parties ? lw : "-", load.parties ? aw : "-", over, clock);
	draw_clear_line(a, 0, TK_SLOT_HEADER);
	int rw = tk_text_width(right);
	if (rw > COLS)
		rw = COLS;
	draw_text(a, 0, 0, COLS - rw, left, TK_SLOT_HEADER, TK_ALIGN_LEFT);
	draw_text(a, 0, COLS - rw, rw, right, TK_SLOT_HEADER, TK_ALIGN_RIGHT);
}

/* Draws the banner line: offline, back online, or a rule. */
static void draw_banner(struct app *a)
{
	char text[400], clock[8], since[8];
	if (a->conn == CONN_OFFLINE) {
		draw_clock(a->offline_since_ms ? a->offline_since_ms : a->now_ms, since, sizeof since);
		long retry = (long)((a->retry_at_ms - a->mono_ms + 999) / 1000);
		char synced[64] = "no list loaded yet";
		if (a->last_sync_ms) {
			draw_clock(a->last_sync_ms, clock, sizeof clock);
			str_fmt(synced, sizeof synced, "list as of %s", clock);
		}
		str_fmt(text, sizeof text, " %s OFFLINE since %s \xe2\x80\x94 %s · %zu action%s waiting to send · ",
			 draw_marker(a, TK_SLOT_OFFLINE)[0] ? draw_marker(a, TK_SLOT_OFFLINE) : "\xe2\x9a\xa0", since,
			 synced, a->outbox.n, a->outbox.n == 1 ? "" : "s");
		char tail[64];
		if (retry > 0)
			str_fmt(tail, sizeof tail, "retrying in %ld s (r: now)", retry);
		else
			str_fmt(tail, sizeof tail, "retrying now");
		size_t l = strlen(text);
		str_fmt(text + l, sizeof text - l, "%s", tail);
		draw_clear_line(a, 1, TK_SLOT_OFFLINE);
		draw_text(a, 1, 0, COLS, text, TK_SLOT_OFFLINE, TK_ALIGN_LEFT);
		return;
	}
	if (a->back_online_until_ms > a->mono_ms) {
		str_fmt(text, sizeof text, " \xe2\x9c\x93 back online%s%s", a->outbox.n ? " · sending " : " · everything sent",
			 a->outbox.n ? "queued actions…" : "");
		draw_clear_line(a, 1, TK_SLOT_ONLINE);
		draw_text(a, 1, 0, COLS, text, TK_SLOT_ONLINE, TK_ALIGN_LEFT);
		return;
	}
	draw_rule(a, 1);
}

/* Draws the column heads and the rows. */
static void draw_rows(struct app *a)
{
	scroll_to_selection(a);
	struct tk_board_content content;
	measure(a, &content);
	struct tk_col cols[TK_BCOL_COUNT];
	struct tk_col_plan plan[TK_BCOL_COUNT];
	int total = COLS - GUTTER;
	tk_board_cols(cols, &content, total);
	tk_cols_plan(cols, TK_BCOL_COUNT, total, 2, plan);

	draw_clear_line(a, 2, TK_SLOT_COLUMN_HEAD);
	for (int c = 0; c < TK_BCOL_COUNT; c++)
		if (plan[c].shown)
			draw_text(a, 2, GUTTER + plan[c].x, plan[c].width, c == TK_BCOL_STATUS && plan[c].form == 2 ? "S" : tk_board_col_title((enum tk_board_col)c),
				  TK_SLOT_COLUMN_HEAD, cols[c].align);

	int h = rows_height();
	for (int i = 0; i < h; i++) {
		int y = ROWS_TOP + i;
		size_t vi = a->top + (size_t)i;
		if (vi >= a->n_visible) {
			draw_clear_line(a, y, TK_SLOT_NORMAL);
			if (a->n_visible == 0 && i == 1) {
				const char *msg = a->search.len || a->size_filter ? "   No party matches (Esc clears the search, f 0 the filter)"
					: a->view == VIEW_WAITING ? (a->server_rows || a->outbox.n ? "   Nobody waiting. Press a to add a party."
								     : "   Loading the list…")
					: "   Nothing here yet.";
				draw_text(a, y, 0, COLS, msg, TK_SLOT_DIM, TK_ALIGN_LEFT);
			}
			continue;
		}
		const struct party *p = &a->rows[a->visible[vi]];
		int selected = vi == a->sel;
		enum tk_slot slot = row_slot(a, p);
		/* the selected row keeps its meaning's colour, with the selection on top */
		attr_t at = selected ? tk_palette_attr_with(a->palette, slot, TK_SLOT_SELECTED) : draw_attr(a, slot);
		draw_clear_line_attr(y, at);
		char gutter[32];
		/* the gutter marker: the row's meaning, or "over the quote" when that is all it says */
		const char *mark = draw_marker(a, slot);
		int64_t left = party_quote_left_ms(p, a->now_ms);
		if (!mark[0] && party_status_active(p->status) && left != INT64_MIN && left < 0)
			mark = draw_marker(a, TK_SLOT_OVER_QUOTE);
		char m1[8] = " ";
		if (mark[0])
			tk_text_fit(mark, 1, m1, sizeof m1);
		str_fmt(gutter, sizeof gutter, "%s%s ", selected ? "\xe2\x96\xb6" : " ", m1);
		draw_text_attr(y, 0, GUTTER, gutter, at, TK_ALIGN_LEFT);
		char cell[1100];
		for (int c = 0; c < TK_BCOL_COUNT; c++) {
			if (!plan[c].shown)
				continue;
			switch (c) {
			case TK_BCOL_POS:
				if (p->position > 0)
					str_fmt(cell, sizeof cell, "%d", p->position);
				else if (party_status_active(p->status))
					str_fmt(cell, sizeof cell, "%zu", vi + 1);
				else
					str_fmt(cell, sizeof cell, "-");
				break;
			case TK_BCOL_NAME: snprintf(cell, sizeof cell, "%s", p->name); break;
			case TK_BCOL_SIZE: snprintf(cell, sizeof cell, "%d", p->size); break;
			case TK_BCOL_WAITED: {
				int64_t end = party_status_active(p->status) ? a->now_ms
					: (p->seated_ms ? p->seated_ms : p->updated_ms);
				tk_fmt_waited((long)((end - p->joined_ms) / 1000), cell, sizeof cell);
				break;
			}
			case TK_BCOL_QUOTE: quote_text(a, p, cell, sizeof cell); break;
			case TK_BCOL_STATUS: status_text(a, p, plan[c].form, cell, sizeof cell); break;
			case TK_BCOL_NOTES: {
				/* one line: newlines in notes become spaces */
				str_fmt(cell, sizeof cell, "%s", p->notes);
				for (char *q = cell; *q; q++)
					if (*q == '\n' || *q == '\r' || *q == '\t')
						*q = ' ';
				break;
			}
			default: cell[0] = '\0';
			}
			draw_text_attr(y, GUTTER + plan[c].x, plan[c].width, cell, at, cols[c].align);
		}
	}
}

/* Draws the activity strip and the rule above it. */
static void draw_strip(struct app *a)
{
	draw_activity(a, LINES - 2);
	draw_rule(a, LINES - 3);
}

/* Draws the footer: key hints (or the search / filter prompt) and the connection. */
static void draw_footer(struct app *a)
{
	static const char *const hints[][2] = {
		{ "a", "add" }, { "n", "notify" }, { "s", "seat" }, { "c", "cancel" }, { "x", "no-show" },
		{ "u", "undo" }, { "e", "edit" }, { "/", "find" }, { "v", "view" }, { "?", "help" }, { "q", "quit" },
	};
	enum { N_HINTS = sizeof hints / sizeof hints[0], HELP = 9, CORE = 4 /* a n s c */ };
	int y = LINES - 1;
	/* the right-hand status, from the longest variant to the shortest */
	char right[4][200], clock[8];
	int nv = 0;
	if (a->conn == CONN_LIVE) {
		const char *notif = a->notifier ? tk_notifier_status(a->notifier) : "notifications off";
		long ago = a->last_sync_ms ? (long)((a->now_ms - a->last_sync_ms) / 1000) : 0;
		if (ago < 0)
			ago = 0;
		enum tk_notifier_state ns = a->notifier ? tk_notifier_state(a->notifier) : TK_NOTIFY_OFF;
		const char *n_short = ns == TK_NOTIFY_OFF ? " · notif off" : ns == TK_NOTIFY_ON ? " · notif on" : "";
		str_fmt(right[nv++], sizeof right[0], " \xe2\x97\x8f live · synced %lds ago · %s ", ago, notif);
		str_fmt(right[nv++], sizeof right[0], " \xe2\x97\x8f live · synced %lds ago%s ", ago, n_short);
		str_fmt(right[nv++], sizeof right[0], " \xe2\x97\x8f live%s ", n_short);
		str_fmt(right[nv++], sizeof right[0], " \xe2\x97\x8f live ");
	} else if (a->conn == CONN_OFFLINE) {
		draw_clock(a->last_sync_ms, clock, sizeof clock);
		str_fmt(right[nv++], sizeof right[0], " \xe2\x97\x8b offline · last sync %s ",
			a->last_sync_ms ? clock : "never");
		str_fmt(right[nv++], sizeof right[0], " \xe2\x97\x8b offline ");
	} else {
		str_fmt(right[nv++], sizeof right[0], " \xe2\x97\x8c connecting… ");
	}
	/* widths the key hints need: all of them, and the actions plus "? help" */
	int hw[N_HINTS], all = 1, core = 1;
	for (int i = 0; i < N_HINTS; i++) {
		hw[i] = tk_text_width(hints[i][0]) + 1 + tk_text_width(hints[i][1]) + 2;
		all += hw[i];
		if (i < CORE || i == HELP)
			core += hw[i];
	}
	int busy = a->searching || a->filter_prompt;
	/* the longest status that leaves room for every hint, else for the core ones, else the shortest */
	int pick = nv - 1;
	for (int want = 0; want < 2 && pick == nv - 1; want++) {
		for (int v = 0; v < nv; v++) {
			if (busy || COLS - tk_text_width(right[v]) >= (want == 0 ? all : core)) {
				pick = v;
				break;
			}
		}
	}
	draw_clear_line(a, y, TK_SLOT_STATUS);
	int rw = tk_text_width(right[pick]);
	if (rw > COLS / 2)
		rw = COLS / 2;
	draw_text(a, y, COLS - rw, rw, right[pick], a->conn == CONN_OFFLINE ? TK_SLOT_OFFLINE : TK_SLOT_STATUS,
		  TK_ALIGN_RIGHT);
	int lw = COLS - rw;
	if (a->searching) {
		char s[1100];
		str_fmt(s, sizeof s, " / %s", a->search.text);
		draw_text(a, y, 0, lw, s, TK_SLOT_SEARCH, TK_ALIGN_LEFT);
		char hint[80];
		str_fmt(hint, sizeof hint, "  %zu match%s · Enter keep · Esc clear", a->n_visible, a->n_visible == 1 ? "" : "es");
		int sx = 3 + tk_text_width(a->search.text);
		if (sx < lw)
			draw_text(a, y, sx, lw - sx, hint, TK_SLOT_DIM, TK_ALIGN_LEFT);
		return;
	}
	if (a->filter_prompt) {
		draw_text(a, y, 0, lw, " filter by party size: 1-7, 8 = 8 or more, 0 = all, Esc cancels",
			  TK_SLOT_SEARCH, TK_ALIGN_LEFT);
		return;
	}
	/* hints in order while they fit, always keeping room for "? help" */
	int x = 1;
	for (int i = 0; i < N_HINTS; i++) {
		int reserve = i < HELP ? hw[HELP] : 0;
		if (i != HELP && x + hw[i] + reserve > lw) {
			if (i < HELP)
				i = HELP - 1; /* the first that does not fit ends the actions: "? help" next */
			continue;
		}
		if (i == HELP && x + hw[i] > lw)
			break;
		int kw = tk_text_width(hints[i][0]), tw = tk_text_width(hints[i][1]);
		draw_text(a, y, x, kw, hints[i][0], TK_SLOT_KEY_HINT, TK_ALIGN_LEFT);
		draw_text(a, y, x + kw + 1, tw, hints[i][1], TK_SLOT_STATUS, TK_ALIGN_LEFT);
		x += hw[i];
	}
}

/* Draws the dirty parts of the board. */
void board_draw(struct app *a)
{
	if (LINES < 8 || COLS < 20) {
		erase();
		mvaddstr(0, 0, "Terminal too small");
		return;
	}
	if (a->dirty & DIRTY_HEADER)
		draw_header(a);
	if (a->dirty & (DIRTY_BANNER | DIRTY_HEADER))
		draw_banner(a);
	if (a->dirty & DIRTY_ROWS)
		draw_rows(a);
	if (a->dirty & DIRTY_STRIP)
		draw_strip(a);
	if (a->dirty & (DIRTY_FOOTER | DIRTY_ROWS))
		draw_footer(a);
	if (a->searching && a->overlay == OVERLAY_NONE)
		draw_cursor(LINES - 1, 3 + field_cursor_col(&a->search));
}

/* ---- keys ---- */

/* Queues a status move for the selected party (seat, cancel, no-show). */
static void move_status(struct app *a, enum party_status to)
{
	struct party *p = app_selected(a);
	if (!p)
		return;
	if (p->status == to)
		return;
	if (!party_status_active(p->status)) {
		app_activity(a, TK_SLOT_ERROR, "%s is already %s (u undoes the last move)", p->name,
			     p->status == PARTY_NO_SHOW ? "a no-show" : party_status_api_name(p->status));
		return;
	}
	struct action act;
	memset(&act, 0, sizeof act);
	act.kind = ACT_STATUS;
	str_fmt(act.waitee, sizeof act.waitee, "%s", p->id);
	tk_text_fit(p->name, 40, act.label, sizeof act.label);
	act.status = to;
	act.prev_status = p->status;
	act.version = p->version;
	char id[64], name[64];
	str_fmt(id, sizeof id, "%s", p->id);
	str_fmt(name, sizeof name, "%s", act.label);
	int prev = p->status;
	if (app_queue_action(a, &act) == 0) {
		str_fmt(a->undo_id, sizeof a->undo_id, "%s", id);
		str_fmt(a->undo_name, sizeof a->undo_name, "%s", name);
		a->undo_prev = prev;
		a->undo_status = to;
		a->undo_until_ms = a->now_ms + 2 * 60 * 1000;
	}
}

/* `u`: moves the last seated/cancelled/no-show party back, within 2 minutes. */
static void undo_last(struct app *a)
{
	if (!a->undo_until_ms || a->now_ms > a->undo_until_ms) {
		app_activity(a, TK_SLOT_ERROR, a->undo_until_ms ? "too late to undo (2 minutes)" : "nothing to undo");
		a->undo_until_ms = 0;
		return;
	}
	struct party *p = NULL;
	for (size_t i = 0; i < a->n_rows; i++)
		if (strcmp(a->rows[i].id, a->undo_id) == 0)
			p = &a->rows[i];
	if (!p) {
		app_activity(a, TK_SLOT_ERROR, "nothing to undo: %s is gone", a->undo_name);
		a->undo_until_ms = 0;
		return;
	}
	struct action act;
	memset(&act, 0, sizeof act);
	act.kind = ACT_STATUS;
	str_fmt(act.waitee, sizeof act.waitee, "%s", p->id);
	str_fmt(act.label, sizeof act.label, "%s", a->undo_name);
	act.status = a->undo_prev;
	act.prev_status = p->status;
	act.version = p->version;
	a->undo_until_ms = 0;
	str_copy(a->sel_id, sizeof a->sel_id, p->id); /* the restored party gets the selection */
	app_queue_action(a, &act); /* the row shows "undoing…" until the server answers */
}

/* `n`: the "table ready" text now. */
static void notify_now(struct app *a)
{
	struct party *p = app_selected(a);
	if (!p)
		return;
	if (!party_status_active(p->status)) {
		app_activity(a, TK_SLOT_ERROR, "%s is not waiting: no text sent", p->name);
		return;
	}
	if (!p->phone[0] && !p->email[0] && strncmp(p->id, "local:", 6) != 0) {
		app_activity(a, TK_SLOT_ERROR, "%s has no phone or e-mail (e adds one)", p->name);
		return;
	}
	struct action act;
	memset(&act, 0, sizeof act);
	act.kind = ACT_NOTIFY;
	str_fmt(act.waitee, sizeof act.waitee, "%s", p->id);
	tk_text_fit(p->name, 40, act.label, sizeof act.label);
	act.version = p->version;
	app_queue_action(a, &act);
}

/* `d`: asks before deleting. */
static void ask_delete(struct app *a)
{
	struct party *p = app_selected(a);
	if (!p)
		return;
	a->confirm = CONFIRM_DELETE;
	str_fmt(a->confirm_id, sizeof a->confirm_id, "%s", p->id);
	char name[100];
	tk_text_fit(p->name, 40, name, sizeof name);
	str_fmt(a->confirm_text, sizeof a->confirm_text, "Delete %s (party of %d) for good?", name, p->size);
	a->overlay = OVERLAY_CONFIRM;
	a->dirty |= DIRTY_OVERLAY;
}

/* Keys while the search line is open. */
static int search_key(struct app *a, int is_key, long ch)
{
	long fk = 0;
	if (!is_key && (ch == 27)) {
		field_set(&a->search, "");
		a->searching = 0;
		app_rebuild(a);
		a->dirty |= DIRTY_ALL;
		return KEY_HANDLED;
	}
	if (!is_key && (ch == '\r' || ch == '\n')) {
		a->searching = 0;
		a->dirty |= DIRTY_ALL;
		return KEY_HANDLED;
	}
	if (is_key) {
		switch (ch) {
		case KEY_BACKSPACE: fk = FK_BACKSPACE; break;
		case KEY_LEFT: fk = FK_LEFT; break;
		case KEY_RIGHT: fk = FK_RIGHT; break;
		case KEY_UP: app_select_move(a, -1); return KEY_HANDLED;
		case KEY_DOWN: app_select_move(a, 1); return KEY_HANDLED;
		default: return KEY_HANDLED;
		}
	} else if (ch == 127 || ch == 8) {
		fk = FK_BACKSPACE;
	} else if (ch == 21) {
		fk = FK_KILL;
	} else {
		fk = ch;
	}
	if (field_key(&a->search, fk)) {
		a->sel = 0;
		a->sel_id[0] = '\0';
		app_rebuild(a);
	}
	a->dirty |= DIRTY_ROWS | DIRTY_FOOTER;
	return KEY_HANDLED;
}

/* Keys of the board. */
int board_key(struct app *a, int is_key, long ch)
{
	if (a->searching)
		return search_key(a, is_key, ch);
	if (a->filter_prompt) {
		a->filter_prompt = 0;
		if (!is_key && ch >= '0' && ch <= '9') {
			a->size_filter = ch >= '8' ? 8 : (int)(ch - '0');
			app_rebuild(a);
		}
		a->dirty |= DIRTY_ALL;
		return KEY_HANDLED;
	}
	int h = rows_height();
	if (is_key) {
		switch (ch) {
		case KEY_UP: app_select_move(a, -1); break;
		case KEY_DOWN: app_select_move(a, 1); break;
		case KEY_PPAGE: app_select_move(a, -(h > 1 ? h - 1 : 1)); break;
		case KEY_NPAGE: app_select_move(a, h > 1 ? h - 1 : 1); break;
		case KEY_HOME: app_select_move(a, -(long)a->n_visible); break;
		case KEY_END: app_select_move(a, (long)a->n_visible); break;
		case KEY_F(1): a->overlay = OVERLAY_HELP; a->help_top = 0; a->dirty |= DIRTY_OVERLAY; break;
		case KEY_F(5): sync_refresh_now(a->sync); break;
		default: return KEY_IGNORED;
		}
		return KEY_HANDLED;
	}
	switch (ch) {
	case 'j': app_select_move(a, 1); break;
	case 'k': app_select_move(a, -1); break;
	case 'g': app_select_move(a, -(long)a->n_visible); break;
	case 'G': app_select_move(a, (long)a->n_visible); break;
	case 'a': form_open(a, NULL); break;
	case 'e': {
		struct party *p = app_selected(a);
		if (p)
			form_open(a, p);
		break;
	}
	case 'n': notify_now(a); break;
	case 's': move_status(a, PARTY_SEATED); break;
	case 'c': move_status(a, PARTY_CANCELLED); break;
	case 'x': move_status(a, PARTY_NO_SHOW); break;
	case 'd': ask_delete(a); break;
	case 'u': undo_last(a); break;
	case '/':
		a->searching = 1;
		a->dirty |= DIRTY_FOOTER;
		break;
	case 27:
		if (a->search.len || a->size_filter) {
			field_set(&a->search, "");
			a->size_filter = 0;
			app_rebuild(a);
			a->dirty |= DIRTY_ALL;
		}
		break;
	case 'f':
		a->filter_prompt = 1;
		a->dirty |= DIRTY_FOOTER;
		break;
	case 'v':
		a->view = (enum party_view)((a->view + 1) % VIEW_COUNT);
		app_rebuild(a);
		a->dirty |= DIRTY_ALL;
		break;
	case 't': app_theme_next(a); break;
	case 'r':
		sync_refresh_now(a->sync);
		app_activity(a, TK_SLOT_ACTIVITY, "refreshing…");
		break;
	case 'l':
		app_set_screen(a, SCREEN_PICKER);
		sync_load_lists(a->sync);
		break;
	case '?': a->overlay = OVERLAY_HELP; a->help_top = 0; a->dirty |= DIRTY_OVERLAY; break;
	case 'S': stats_open(a); break;
	case 'T': team_open(a); break;
	case 'h': handover_open(a); break;
	case 'H': note_open(a); break;
	case 'A': activity_open(a); break;
	case 'q': return KEY_QUIT;
	case 12: /* Ctrl-L: repaint everything */
		clearok(curscr, TRUE);
		a->dirty |= DIRTY_ALL;
		break;
	default: return KEY_IGNORED;
	}
	return KEY_HANDLED;
}

/* A mouse click: selects the row under it. */
int board_click(struct app *a, int y, int x)
{
	(void)x;
	if (a->overlay != OVERLAY_NONE || y < ROWS_TOP || y >= ROWS_TOP + rows_height())
		return KEY_IGNORED;
	size_t vi = a->top + (size_t)(y - ROWS_TOP);
	if (vi >= a->n_visible)
		return KEY_IGNORED;
	app_select_move(a, (long)vi - (long)a->sel);
	return KEY_HANDLED;
}
