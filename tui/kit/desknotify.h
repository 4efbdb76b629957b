/* Desktop notifications on the host-stand machine (libnotify over D-Bus),
 * and the bookkeeping that sends each one once.
 *
 * Never blocks the caller: libnotify's calls are synchronous D-Bus calls (a
 * stalled notification server would freeze the board for the D-Bus timeout),
 * so a notifier owns one worker thread that does every libnotify call;
 * tk_notifier_show only queues. Without a session bus
 * (DBUS_SESSION_BUS_ADDRESS unset and no $XDG_RUNTIME_DIR/bus), when no
 * server owns org.freedesktop.Notifications, when the config says off, or
 * when built without libnotify (-Dlibnotify=disabled), the notifier is "off":
 * show() drops the message and returns -1, and tk_notifier_status() says why
 * for the status line. Bodies never carry phone numbers or e-mails; pass
 * names and statuses only. */
#ifndef TK_DESKNOTIFY_H
#define TK_DESKNOTIFY_H

#include <stddef.h>

/* Urgency hint of a notification (freedesktop spec: 0, 1, 2). */
enum tk_urgency {
	TK_URGENCY_LOW,       /* 0: informational */
	TK_URGENCY_NORMAL,    /* 1: a guest replied */
	TK_URGENCY_CRITICAL,  /* 2: failed to send, connection lost */
};

/* What the notifier can do now. */
enum tk_notifier_state {
	TK_NOTIFY_STARTING,  /* the worker is still asking the server (first ~100 ms) */
	TK_NOTIFY_ON,        /* notifications are delivered */
	TK_NOTIFY_OFF,       /* off; tk_notifier_status says why */
};

struct tk_notifier; /* opaque: worker thread, queue, state */

/* Starts a notifier named app_name ("maitre"). enabled = 0 (config
 * "notifications = off") gives an "off (config)" notifier without a thread.
 * Returns NULL only when out of memory. */
struct tk_notifier *tk_notifier_new(const char *app_name, int enabled);

/* Returns the current state (thread-safe). */
enum tk_notifier_state tk_notifier_state(struct tk_notifier *n);

/* Returns a short status for the status line: "notifications on",
 * "notifications off (no D-Bus session)", "... (config)",
 * "... (no notification server)", "... (not built with libnotify)". The
 * string is static. */
const char *tk_notifier_status(struct tk_notifier *n);

/* Queues one notification (summary and body are copied; body may be NULL).
 * Returns 0 when queued, -1 when the notifier is off or the queue (64) is
 * full. */
int tk_notifier_show(struct tk_notifier *n, const char *summary, const char *body,
		enum tk_urgency urgency);

/* Waits at most timeout_ms for the queue to be delivered (tests, and quit);
 * returns 0 when empty, -1 on timeout. */
int tk_notifier_flush(struct tk_notifier *n, int timeout_ms);

/* Returns how many notifications the server accepted so far. */
unsigned long tk_notifier_sent(struct tk_notifier *n);

/* Stops the worker (delivering what is queued for at most 500 ms) and frees. */
void tk_notifier_free(struct tk_notifier *n);

/* Once-per-key bookkeeping ("party 01J..: over quote" notified once). A set
 * of strings; keys up to 127 bytes (longer keys are refused). */
struct tk_once; /* opaque */

/* Makes an empty set; NULL when out of memory. */
struct tk_once *tk_once_new(void);

/* Returns 1 the first time a key is seen (and remembers it), 0 afterwards,
 * -1 when out of memory or the key is too long. */
int tk_once_first(struct tk_once *o, const char *key);

/* Forgets a key (the party left the board, or it came back under its quote),
 * so the next tk_once_first says 1 again. */
void tk_once_forget(struct tk_once *o, const char *key);

/* Returns how many keys are remembered. */
size_t tk_once_count(const struct tk_once *o);

/* Frees the set (NULL is fine). */
void tk_once_free(struct tk_once *o);

#endif
