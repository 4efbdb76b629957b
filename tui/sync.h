/* The network glue: the only part of the app that talks to the client
 * library (libmaitre-client's public header), always through non-blocking
 * calls whose sockets the loop polls. It
 * - logs in / registers / resumes the stored session;
 * - loads the waitlists for the picker and creates one;
 * - polls the current list with If-None-Match every poll interval (304s
 *   cost nothing) and hands the rows to the board;
 * - sends the outbox, oldest first, one action at a time, and decides per
 *   answer: done (remove), refused (remove, roll back, say why), lost race
 *   (remove, reload, say so) or unreachable (keep, go offline, retry with
 *   backoff 1, 2, 4 ... 30 s). */
#ifndef MAITRE_TUI_SYNC_H
#define MAITRE_TUI_SYNC_H

#include <poll.h>
#include <stddef.h>

struct app;
struct sync;

/* Makes the glue for app->server; loads the stored session for that server
 * (session_path NULL = the default file). NULL with a message in err. */
struct sync *sync_new(struct app *a, const char *session_path, char *err, size_t errlen);
/* Cancels what is in flight and frees. NULL-safe. */
void sync_free(struct sync *s);
/* Points the glue at another server (login screen's server field). 0 or -1. */
int sync_set_server(struct sync *s, const char *server, char *err, size_t errlen);
/* 1 when a stored (or fresh) session exists. */
int sync_has_session(const struct sync *s);

/* Starts a login (registering the owner first when a->login.registering). */
void sync_login(struct sync *s);
/* Starts loading the waitlists for the picker. */
void sync_load_lists(struct sync *s);
/* Starts creating a waitlist named name (the picker's first-run path). */
void sync_create_list(struct sync *s, const char *name);
/* Forgets the session (locally and on the server when reachable). */
void sync_logout(struct sync *s);
/* Shift handover and activity (issue 10): load the summary (show: open the
 * handover screen when it holds a note not acknowledged yet: the check made
 * once per list after login), acknowledge the current note, save a new
 * one, load a page of the activity log. */
void sync_load_handover(struct sync *s, int show);
void sync_ack_handover(struct sync *s);
void sync_put_handover(struct sync *s, const char *note);
void sync_load_activity(struct sync *s);

/* Asks for the list now (the `r` key), skipping any backoff. */
void sync_refresh_now(struct sync *s);

/* Starts what is due: the list poll, the next outbox action, a retry. Call once per loop turn. */
void sync_tick(struct sync *s);
/* The client's sockets for poll(); returns how many were written (at most cap). */
size_t sync_pollfds(struct sync *s, struct pollfd *fds, size_t cap);
/* Longest the loop may sleep for the network (ms, -1 = no limit). */
int sync_timeout_ms(struct sync *s);
/* After poll(): lets the client work and run callbacks. */
void sync_process(struct sync *s, const struct pollfd *fds, size_t n);
/* sync-stats.c: starts what the stats overlay and the add form's suggested
 * quote ask for (stats_view.wanted, form.est_wanted) on the client c.
 * Called by sync_tick on the board. */
struct mtc_client;
void sync_stats_tick(struct app *a, struct mtc_client *c);

/* sync-staff.c: the account details of the last session answer into the
 * app (restaurant name, role; a pending password change opens the password
 * screen), and what the password screen and the team overlay ask for
 * (pw.wanted, team.want), on the client c. Called by sync_tick on every screen. */
void sync_staff_tick(struct app *a, struct mtc_client *c);
/* After a login: 1 when the account must change its password (the screen is opened). */
int sync_staff_after_login(struct app *a, struct mtc_client *c);

/* Number of calls in flight. */
size_t sync_in_flight(const struct sync *s);

#endif
