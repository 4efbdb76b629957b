/* The main loop. */
#include "loop.h"

#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "util.h"
#include "events.h"
#include "sync.h"
#include "term.h"

#define MAX_FDS 64 /* terminal + signal pipe + client sockets */

/* Asks before quitting when a form holds typed text; else quits. */
static void quit_or_ask(struct app *a)
{
	if (a->overlay == OVERLAY_FORM && a->form.touched) {
		a->confirm = CONFIRM_QUIT;
		str_fmt(a->confirm_text, sizeof a->confirm_text, "The form holds typed text. Quit anyway?");
		a->overlay = OVERLAY_CONFIRM;
		a->dirty |= DIRTY_OVERLAY;
		return;
	}
	a->quit = 1;
}

/* Handles one key. */
void loop_key(struct app *a, int is_key, long ch)
{
	int r = KEY_IGNORED;
	if (is_key && ch == KEY_RESIZE) {
		a->dirty = DIRTY_ALL;
		return;
	}
	if (is_key && ch == KEY_MOUSE) {
		MEVENT ev;
		if (getmouse(&ev) == OK && a->screen == SCREEN_BOARD) {
			if (ev.bstate & BUTTON4_PRESSED)
				app_select_move(a, -3);
			else if (ev.bstate & BUTTON5_PRESSED)
				app_select_move(a, 3);
			else
				board_click(a, ev.y, ev.x);
		}
		return;
	}
	/* Ctrl-C, Ctrl-Q and F10 quit from anywhere (asking when a form holds text) */
	if ((!is_key && (ch == 3 || ch == 17)) || (is_key && ch == KEY_F(10))) {
		quit_or_ask(a);
		return;
	}
	if (a->screen == SCREEN_BOARD && a->overlay != OVERLAY_NONE) {
		switch (a->overlay) {
		case OVERLAY_FORM: r = form_key(a, is_key, ch); break;
		case OVERLAY_HELP: r = help_key(a, is_key, ch); break;
		case OVERLAY_CONFIRM: r = confirm_key(a, is_key, ch); break;
		case OVERLAY_STATS: r = stats_key(a, is_key, ch); break;
		case OVERLAY_TEAM: r = team_key(a, is_key, ch); break;
		case OVERLAY_HANDOVER: r = handover_key(a, is_key, ch); break;
		case OVERLAY_NOTE: r = note_key(a, is_key, ch); break;
		case OVERLAY_ACTIVITY: r = activity_key(a, is_key, ch); break;
		default: break;
		}
	} else {
		switch (a->screen) {
		case SCREEN_LOGIN: r = login_key(a, is_key, ch); break;
		case SCREEN_PICKER: r = picker_key(a, is_key, ch); break;
		case SCREEN_BOARD: r = board_key(a, is_key, ch); break;
		case SCREEN_PASSWORD: r = password_key(a, is_key, ch); break;
		}
	}
	if (r & KEY_QUIT)
		quit_or_ask(a);
}

/* Drops the rest of an escape sequence curses did not recognise, its ESC
 * and introducer already read: CSI (ESC [ ... final byte) or SS3 (ESC O x). */
static void skip_sequence(wint_t first)
{
	wint_t wc;
	if (first == 'O') {
		(void)get_wch(&wc);
		return;
	}
	/* parameter and intermediate bytes (0x20-0x3f), then one final byte (0x40-0x7e) */
	for (int i = 0; i < 32; i++) {
		if (get_wch(&wc) != OK || wc < 0x20 || wc > 0x3f)
			return;
	}
}

/* Reads every key waiting on the terminal. */
static void read_keys(struct app *a)
{
	for (int i = 0; i < 512; i++) {
		wint_t wc;
		int rc = get_wch(&wc);
		if (rc == ERR)
			break;
		if (rc == OK && wc == 27) {
			/* curses hands over a lone ESC when a key's sequence is not in this
			 * terminal's terminfo (End under the wrong TERM, say): if a CSI or
			 * SS3 introducer came with it, it was such a key, not Esc, and must
			 * not quit a form; anything else after it is a key of its own */
			wint_t next;
			int nrc = get_wch(&next);
			if (nrc == OK && (next == '[' || next == 'O')) {
				skip_sequence(next);
				continue;
			}
			if (nrc == KEY_CODE_YES)
				ungetch((int)next);
			else if (nrc == OK)
				unget_wch(next);
		}
		loop_key(a, rc == KEY_CODE_YES, (long)wc);
		if (a->quit)
			break;
	}
}

/* Reads the signal pipe. */
static void read_signals(struct app *a, int sigfd)
{
	char buf[32];
	ssize_t n;
	while ((n = read(sigfd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == TERM_EV_QUIT)
				a->quit = 1;
			else if (buf[i] == TERM_EV_RESIZE) {
				term_resize();
				a->dirty = DIRTY_ALL;
			}
		}
	}
}

/* Runs the loop. */
int loop_run(struct app *a, int sigfd)
{
	int64_t last_second = 0;
	struct pollfd fds[MAX_FDS];
	while (!a->quit) {
		a->now_ms = app_wall_ms();
		a->mono_ms = app_mono_ms();
		if (a->now_ms / 1000 != last_second) {
			last_second = a->now_ms / 1000;
			/* waited times, "synced Ns ago", the clock and the banner's countdown move */
			if (a->screen == SCREEN_BOARD) {
				a->dirty |= DIRTY_ROWS | DIRTY_HEADER | DIRTY_FOOTER | DIRTY_BANNER;
				events_tick(a);
			}
		}
		sync_tick(a->sync);
		app_draw(a);

		fds[0].fd = STDIN_FILENO;
		fds[0].events = POLLIN;
		fds[1].fd = sigfd;
		fds[1].events = POLLIN;
		size_t nc = sync_pollfds(a->sync, fds + 2, MAX_FDS - 2);
		int timeout = (int)(1000 - app_wall_ms() % 1000) + 1;
		int st = sync_timeout_ms(a->sync);
		if (st >= 0 && st < timeout)
			timeout = st;
		for (size_t i = 0; i < 2 + nc; i++)
			fds[i].revents = 0;
		int rc = poll(fds, 2 + nc, timeout);
		if (rc < 0 && errno != EINTR)
			break;
		a->now_ms = app_wall_ms();
		a->mono_ms = app_mono_ms();
		if (rc > 0 && (fds[1].revents & POLLIN))
			read_signals(a, sigfd);
		if (rc > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
			read_keys(a);
		if (rc > 0 && (fds[0].revents & (POLLHUP | POLLERR)))
			a->quit = 1; /* the terminal went away */
		sync_process(a->sync, fds + 2, rc > 0 ? nc : 0);
	}
	return 0;
}
