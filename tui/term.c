/* The terminal: ncurses set-up, signals, and restoring on every exit. */
#include "term.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

static int sig_pipe[2] = { -1, -1 };    /* signal handlers -> loop */
static struct termios saved_modes;      /* terminal modes before ncurses */
static int have_saved_modes;            /* 1 when saved_modes is valid */
static volatile sig_atomic_t curses_on; /* 1 while ncurses owns the screen */
static char restore_seq[256];           /* leave alternate screen, show cursor, reset attributes */
static size_t restore_len;              /* bytes in restore_seq */

/* Writes one event byte to the pipe (async-signal-safe). */
static void on_signal(int sig)
{
	int saved = errno;
	char c = sig == SIGWINCH ? TERM_EV_RESIZE : TERM_EV_QUIT;
	if (sig_pipe[1] >= 0) {
		ssize_t r = write(sig_pipe[1], &c, 1);
		(void)r;
	}
	errno = saved;
}

/* Restores the terminal from a crash signal, then dies of it. */
static void on_crash(int sig)
{
	if (curses_on) {
		ssize_t r = write(STDOUT_FILENO, restore_seq, restore_len);
		(void)r;
		if (have_saved_modes)
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_modes);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Appends a terminfo capability to restore_seq when it exists. */
static void add_cap(const char *name)
{
	char *s = tigetstr(name);
	if (!s || s == (char *)-1)
		return;
	size_t n = strlen(s);
	if (restore_len + n < sizeof restore_seq) {
		memcpy(restore_seq + restore_len, s, n);
		restore_len += n;
	}
}

/* Starts ncurses and the signal handling. */
int term_open(char *err, size_t errlen)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "needs a terminal on stdin and stdout");
		return -1;
	}
	setlocale(LC_ALL, "");
	if (tcgetattr(STDIN_FILENO, &saved_modes) == 0)
		have_saved_modes = 1;
	if (pipe(sig_pipe) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	/* ESC alone cancels a form: do not wait a second for an escape sequence */
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	if (!initscr()) {
		snprintf(err, errlen, "cannot start the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	curses_on = 1;
	add_cap("rmcup");
	add_cap("cnorm");
	add_cap("sgr0");
	cbreak();
	noecho();
	nonl();
	raw(); /* Ctrl-C, Ctrl-Z arrive as keys; quitting is `q` */
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return sig_pipe[0];
}

/* Tells ncurses the terminal's new size. */
void term_resize(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	/* the terminal rewrapped or cleared what was on it: repaint every cell, not a diff */
	clearok(curscr, TRUE);
}

/* Restores the terminal. */
void term_close(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
	if (have_saved_modes)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_modes);
	for (int i = 0; i < 2; i++) {
		if (sig_pipe[i] >= 0)
			close(sig_pipe[i]);
		sig_pipe[i] = -1;
	}
}
