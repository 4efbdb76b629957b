/* The stats overlay (`S`): the list's served parties, covers, waits, quote
 * accuracy, no-show and cancel rates over today, the last 7 or 28 days,
 * and a bar chart of the parties served by hour of the day or by party
 * size, drawn with block characters (ASCII '#' without UTF-8). The figures
 * come from sync-stats.c; keys only change state. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "util.h"

/* Opens the overlay (last 7 days, by hour) and asks for the figures. */
void stats_open(struct app *a)
{
	struct stats_view *v = &a->stats;
	if (v->days == 0)
		v->days = 7;
	v->loaded = 0;
	v->wanted = 1;
	str_fmt(v->message, sizeof v->message, "loading…");
	a->overlay = OVERLAY_STATS;
	a->dirty |= DIRTY_OVERLAY;
}

/* Keys of the overlay: 1 / 7 / 4 the period, b the chart, r reload, Esc q S close. */
int stats_key(struct app *a, int is_key, long ch)
{
	struct stats_view *v = &a->stats;
	int days = 0;
	a->dirty |= DIRTY_OVERLAY;
	if (is_key)
		return KEY_HANDLED;
	switch (ch) {
	case '1': days = 1; break;
	case '7': days = 7; break;
	case '4': days = 28; break;
	case 'b':
		v->chart_by_size = !v->chart_by_size;
		break;
	case 'r':
		days = v->days;
		break;
	case 27: case 'q': case 'S':
		a->overlay = OVERLAY_NONE;
		a->dirty = DIRTY_ALL;
		break;
	default: break;
	}
	if (days) {
		v->days = days;
		v->loaded = 0;
		v->wanted = 1;
		str_fmt(v->message, sizeof v->message, "loading…");
	}
	return KEY_HANDLED;
}

/* Writes "12.5%" or "-" into buf. */
static void rate(char *buf, size_t n, double r)
{
	if (r < 0)
		str_fmt(buf, n, "-");
	else
		str_fmt(buf, n, "%.1f%%", r * 100.0);
}

/* Writes a bar of value/max over width cells into buf: full blocks and one
 * eighth-block for the rest (or '#' in ASCII). */
static void bar(const struct app *a, char *buf, size_t n, long value, long max, int width)
{
	static const char *const eighths[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	size_t len = 0;
	buf[0] = '\0';
	if (max <= 0 || value <= 0 || width <= 0)
		return;
	long cells8 = value * width * 8 / max;
	if (cells8 < 1)
		cells8 = 1;   /* a bar that is there is seen */
	for (long i = 0; i < cells8 / 8 && len + 4 < n; i++) {
		const char *b = a->ascii_mode ? "#" : "█";
		size_t bl = strlen(b);
		memcpy(buf + len, b, bl);
		len += bl;
	}
	if (cells8 % 8 && len + 4 < n) {
		const char *b = a->ascii_mode ? "#" : eighths[cells8 % 8];
		size_t bl = strlen(b);
		memcpy(buf + len, b, bl);
		len += bl;
	}
	buf[len] = '\0';
}

/* Draws one chart row: label, bar of served, the figures. */
static void chart_row(const struct app *a, int y, int x, int w, const char *label, const struct stats_fig *f,
		      long max)
{
	char b[256], nums[96], mean[16], p90[16];
	int bar_w = w - 8 - 34 > 0 ? w - 8 - 34 : 0, nums_w = w - 8 - bar_w < 34 ? w - 8 - bar_w : 34;
	if (f->wait_mean < 0)
		str_fmt(mean, sizeof mean, "-");
	else
		str_fmt(mean, sizeof mean, "%.1f", f->wait_mean);
	if (f->wait_p90 < 0)
		str_fmt(p90, sizeof p90, "-");
	else
		str_fmt(p90, sizeof p90, "%.0f", f->wait_p90);
	draw_text(a, y, x, 7, label, TK_SLOT_DIALOG, TK_ALIGN_LEFT);
	bar(a, b, sizeof b, f->served, max, bar_w);
	if (bar_w > 0)
		draw_text(a, y, x + 7, bar_w + 1, b, TK_SLOT_SUCCESS, TK_ALIGN_LEFT);
	str_fmt(nums, sizeof nums, "%5ld %6ld %7s %5s %6ld", f->served, f->covers, mean, p90, f->no_show + f->cancelled);
	if (nums_w > 0)   /* a narrow terminal cuts the figures, never draws outside the box */
		draw_text(a, y, x + 8 + bar_w, nums_w, nums, TK_SLOT_DIALOG, TK_ALIGN_LEFT);
}

/* Draws the overlay over the board. */
void stats_draw(struct app *a)
{
	const struct stats_view *v = &a->stats;
	int w = COLS - 2, h = LINES - 2;
	if (w < 40 || h < 10)
		w = COLS, h = LINES;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	char title[320], line[320], ns[16], cs[16];
	str_fmt(title, sizeof title, "Stats · %s", a->list_name);
	draw_box(a, y, x, h, w, title);
	int cy = y + 1, cx = x + 2, cw = w - 4;
	const char *period = v->days == 1 ? "Today" : v->days == 28 ? "Last 4 weeks" : "Last 7 days";
	if (v->loaded)
		str_fmt(line, sizeof line, "%s · %s to %s (%s)", period, v->from, v->to, v->tz);
	else
		str_fmt(line, sizeof line, "%s", period);
	draw_text(a, cy++, cx, cw, line, TK_SLOT_DIALOG_TITLE, TK_ALIGN_LEFT);
	if (!v->loaded || v->message[0]) {
		draw_text(a, cy + 1, cx, cw, v->message, v->loaded ? TK_SLOT_ERROR : TK_SLOT_DIM, TK_ALIGN_LEFT);
		if (!v->loaded) {
			draw_text(a, y + h - 2, cx, cw, "1 today · 7 last 7 days · 4 last 4 weeks · r reload · Esc close",
				  TK_SLOT_DIM, TK_ALIGN_LEFT);
			return;
		}
	}
	const struct stats_fig *t = &v->total;
	rate(ns, sizeof ns, t->no_show_rate);
	rate(cs, sizeof cs, t->cancel_rate);
	str_fmt(line, sizeof line, "%ld served · %ld covers · %ld %s finished · no-show %s · cancelled %s", t->served,
		t->covers, t->parties, t->parties == 1 ? "party" : "parties", ns, cs);
	draw_text(a, cy++, cx, cw, line, TK_SLOT_DIALOG, TK_ALIGN_LEFT);
	if (t->served > 0)
		/* the 90th percentile is a whole-minute bucket [k, k+1): "under k+1", never "within 0 min" */
		str_fmt(line, sizeof line, "wait: mean %.1f min · 90%% under %.0f min", t->wait_mean, t->wait_p90 + 1);
	else
		str_fmt(line, sizeof line, "wait: nobody served yet");
	if (t->quoted > 0) {
		size_t l = strlen(line);
		str_fmt(line + l, sizeof line - l, " · vs quote %+.1f ± %.1f min (%ld quoted)", t->acc_mean,
			t->acc_spread, t->quoted);
	}
	draw_text(a, cy++, cx, cw, line, TK_SLOT_DIALOG, TK_ALIGN_LEFT);
	cy++;

	/* the chart: rows from the first to the last hour with parties, or every size present */
	int first = 0, last = -1;
	long max = 0;
	if (!v->chart_by_size) {
		for (int i = 0; i < 24; i++)
			if (v->by_hour[i].parties > 0) {
				if (last < 0)
					first = i;
				last = i;
				if (v->by_hour[i].served > max)
					max = v->by_hour[i].served;
			}
	} else {
		for (int i = 0; i < v->n_sizes; i++)
			if (v->by_size[i].served > max)
				max = v->by_size[i].served;
		first = 0;
		last = v->n_sizes - 1;
	}
	int bar_w = cw - 8 - 34 > 0 ? cw - 8 - 34 : 0, nums_w = cw - 8 - bar_w < 34 ? cw - 8 - bar_w : 34;
	str_fmt(line, sizeof line, "%s", v->chart_by_size ? "Served by party size" : "Served by hour of the day");
	draw_text(a, cy, cx, 8 + bar_w, line, TK_SLOT_COLUMN_HEAD, TK_ALIGN_LEFT);
	if (nums_w > 0)
		draw_text(a, cy, cx + 8 + bar_w, nums_w, "SERVED COVERS    WAIT   P90 LOST", TK_SLOT_COLUMN_HEAD,
			  TK_ALIGN_LEFT);
	cy++;
	if (last < 0) {
		draw_text(a, cy, cx, cw, "no party finished in this period", TK_SLOT_DIM, TK_ALIGN_LEFT);
	}
	for (int i = first; i <= last && cy < y + h - 2; i++) {
		char label[16];
		if (v->chart_by_size) {
			str_fmt(label, sizeof label, "%2d", v->sizes[i]);
			chart_row(a, cy++, cx, cw, label, &v->by_size[i], max);
		} else {
			str_fmt(label, sizeof label, "%02d:00", i);
			chart_row(a, cy++, cx, cw, label, &v->by_hour[i], max);
		}
	}
	draw_text(a, y + h - 2, cx, cw,
		  /* short enough for 80 columns: the header names the period shown */
		  v->chart_by_size ? "b by hour · 1 today · 7 week · 4 four weeks · r reload · Esc close"
			     : "b by size · 1 today · 7 week · 4 four weeks · r reload · Esc close",
		  TK_SLOT_DIM, TK_ALIGN_LEFT);
}
