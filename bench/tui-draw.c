/* bench-tui-draw: the host-stand app's full redraw of a board of 1,000
 * parties, in process, with the app's own code (libmaitre-app): rebuild
 * (server rows + queued actions, sort, filter, selection) and app_draw()
 * with every region dirty, into a real ncurses screen (newterm, TERM
 * xterm-256color) whose output goes to /dev/null, so the terminal-output
 * work of ncurses is counted. Two screens: 120x40 (what a host sees: the
 * column plan still measures all 1,000 rows) and 200x1010 (every row
 * drawn). Every redraw changes what is on screen (the selection moves),
 * else ncurses would send nothing. Prints median and p95 per case and the
 * process's peak RSS.
 *
 * Usage: bench-tui-draw [ROUNDS]   (default 200) */
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "app.h"
#include "kit/palette.h"
#include "kit/theme.h"

/* Monotonic time in microseconds. */
static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* qsort order for doubles. */
static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* 1,000 parties of mixed names (ASCII, accented, CJK, emoji), sizes, statuses, quotes. */
static void fill(struct app *a, size_t n)
{
	static const char *const names[] = { "Zoë Saldaña", "山田太郎", "Kowalski", "Ana Lucía", "Lee", "Okafor 🎉",
					     "Nakamura", "Fitzgerald-Montgomery", "Ødegård", "Smith" };
	static const char *const notes[] = { "", "booth", "high chair", "birthday 🎂", "window, quiet please" };
	a->server_rows = calloc(n, sizeof *a->server_rows);
	if (!a->server_rows)
		exit(1);
	a->n_server = n;
	for (size_t i = 0; i < n; i++) {
		struct party *p = &a->server_rows[i];
		snprintf(p->id, sizeof p->id, "01BENCH%06zu", i);
		snprintf(p->name, sizeof p->name, "%s %zu", names[i % 10], i);
		snprintf(p->notes, sizeof p->notes, "%s", notes[i % 5]);
		p->size = 1 + (int)(i % 8);
		p->quote = (int)(i % 4) * 15;
		p->status = (enum party_status)(i % 7 == 3 ? PARTY_NOTIFIED : i % 11 == 5 ? PARTY_CONFIRMED : PARTY_WAITING);
		p->joined_ms = a->now_ms - (int64_t)(n - i) * 7000;
		p->notified_ms = p->status == PARTY_NOTIFIED ? a->now_ms - 120000 : 0;
		p->updated_ms = p->joined_ms;
		p->position = (int)i + 1;
		p->version = 1;
		if (i % 37 == 0)
			snprintf(p->last_result, sizeof p->last_result, "failed");
	}
}

/* Times `rounds` full redraws at lines x cols; prints median and p95 in ms. */
static void run_case(struct app *a, int lines, int cols, int rounds)
{
	resize_term(lines, cols);
	double *t = calloc((size_t)rounds, sizeof *t);
	if (!t)
		exit(1);
	for (int r = 0; r < rounds; r++) {
		double t0 = now_us();
		a->now_ms += 1000; /* the clock ticks: waited times change */
		app_rebuild(a);
		app_select_move(a, r % 2 ? -1 : 1);
		a->dirty = DIRTY_ALL;
		app_draw(a);
		t[r] = (now_us() - t0) / 1000.0;
	}
	qsort(t, (size_t)rounds, sizeof *t, cmp_d);
	printf("full redraw, %zu parties, %dx%d: median %.3f ms, p95 %.3f ms, max %.3f ms (%d rounds)\n",
	       a->n_server, cols, lines, t[rounds / 2], t[rounds * 95 / 100], t[rounds - 1], rounds);
	free(t);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 200;
	if (rounds < 10)
		rounds = 10;
	setlocale(LC_ALL, "C.UTF-8");
	setenv("TERM", "xterm-256color", 1);
	FILE *out = fopen("/dev/null", "w");
	FILE *in = fopen("/dev/null", "r");
	if (!out || !in)
		return 1;
	SCREEN *scr = newterm("xterm-256color", out, in);
	if (!scr) {
		fprintf(stderr, "bench-tui-draw: newterm failed\n");
		return 1;
	}
	set_term(scr);
	start_color();
	use_default_colors();

	static struct app app;
	struct app *a = &app;
	struct tk_theme theme;
	struct tk_palette pal;
	a->theme = &theme;
	a->palette = &pal;
	a->now_ms = app_wall_ms();
	a->mono_ms = app_mono_ms();
	a->screen = SCREEN_BOARD;
	a->conn = CONN_LIVE;
	a->last_sync_ms = a->now_ms;
	snprintf(a->list_name, sizeof a->list_name, "Dining room");
	field_init(&a->search, 100, 0, 0);
	app_theme_load(a, "dark");
	fill(a, 1000);
	for (int i = 0; i < 6; i++)
		app_activity(a, 0, "activity line %d", i);

	run_case(a, 40, 120, rounds);
	run_case(a, 24, 80, rounds);
	run_case(a, 1010, 200, rounds / 4);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS of this process (1,000 parties, ncurses screen of 200x1010): %ld KiB\n", ru.ru_maxrss);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	return 0;
}
