/* The terminal: ncurses set-up and, above all, putting the terminal back
 * the way it was on every exit: a normal quit, SIGTERM/SIGHUP/SIGINT
 * (turned into events for the loop through a self-pipe) and crash signals
 * (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT: restored from the handler with
 * async-signal-safe calls only, then the signal is raised again). */
#ifndef MAITRE_TUI_TERM_H
#define MAITRE_TUI_TERM_H

#include <stddef.h>

/* What a byte read from the signal pipe means. */
enum term_event {
	TERM_EV_QUIT = 'q',   /* SIGTERM, SIGHUP or SIGINT: leave cleanly */
	TERM_EV_RESIZE = 'r', /* SIGWINCH: the terminal changed size */
};

/* Saves the terminal modes, installs the signal handlers, starts ncurses
 * (wide characters, cbreak, no echo, keypad, mouse clicks). Returns the
 * read end of the signal pipe for poll(), or -1 (message in err). */
int term_open(char *err, size_t errlen);
/* Reads the terminal's size after a TERM_EV_RESIZE and tells ncurses. */
void term_resize(void);
/* Restores the terminal (idempotent). */
void term_close(void);

#endif
