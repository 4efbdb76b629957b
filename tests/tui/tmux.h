/* Driving the host-stand app through tmux, as a person would: a private
 * tmux server (its own socket, no user config) runs `maitre` in a pane of a
 * given size with a private HOME / XDG dirs; keys go in with send-keys,
 * the screen comes back with capture-pane.
 *
 * Errors: functions return 0 / -1 and print the reason (and the last
 * screen) to stderr, so tests can assert_int_equal(..., 0). */
#ifndef MAITRE_TEST_TMUX_H
#define MAITRE_TEST_TMUX_H

#include <stddef.h>

/* One app under tmux. */
struct tmux {
	char sock[64];       /* tmux -L socket name, unique per test */
	char root[256];      /* temporary root: home/, conf */
	char home[300];      /* HOME of the app */
	char config_home[320]; /* XDG_CONFIG_HOME */
	char state_home[320];  /* XDG_STATE_HOME */
	int width;           /* pane width */
	int height;          /* pane height */
	int running;         /* 1 while the tmux server is up */
};

/* Makes the temporary home (call once per test). 0 or -1. */
int tmux_init(struct tmux *t);
/* Starts maitre (args NULL-terminated, without argv[0]) in a w x h pane;
 * extra env "NAME=VALUE" strings (NULL-terminated, may be NULL). A second
 * call after tmux_stop starts it again with the same home. */
int tmux_start(struct tmux *t, int w, int h, const char *const *args, const char *const *env);
/* Sends keys: each argument is a tmux key name ("Enter", "Tab", "F2",
 * "C-c") or, with the prefix "L:", literal text. NULL-terminated. */
int tmux_keys(struct tmux *t, ...) __attribute__((sentinel));
/* The screen as text (escapes = 1 keeps colours/attributes). malloc'd. */
char *tmux_capture(struct tmux *t, int escapes);
/* Waits until the screen contains text; returns the ms it took, -1 on timeout. */
long tmux_wait_text(struct tmux *t, const char *text, int timeout_ms);
/* Waits until the screen no longer contains text; ms or -1. */
long tmux_wait_gone(struct tmux *t, const char *text, int timeout_ms);
/* Resizes the window. */
int tmux_resize(struct tmux *t, int w, int h);
/* PID of the app in the pane, or -1. */
long tmux_app_pid(struct tmux *t);
/* 1 when the app has exited (pane dead); *status gets its exit status. */
int tmux_app_exited(struct tmux *t, int *status);
/* The terminal modes right after the app exited (`stty -a` run by the pane's
 * shell), malloc'd, or NULL before the app exited. */
char *tmux_stty_after(struct tmux *t);
/* Stops the tmux server (the app gets SIGHUP). */
void tmux_stop(struct tmux *t);
/* Stops and removes the temporary home. */
void tmux_free(struct tmux *t);
/* The line of the screen that contains text (copied into out), 0 or -1. */
int tmux_line_with(struct tmux *t, const char *text, char *out, size_t n);
/* Display column (0-based) where needle starts in a UTF-8 line, or -1. */
int tmux_display_col(const char *line, const char *needle);

#endif
