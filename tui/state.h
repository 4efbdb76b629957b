/* What the app remembers between runs, in $XDG_STATE_HOME/maitre/ (0700):
 * - app-state: the server, e-mail and the last waitlist used (id, name and
 *   the restaurant it belongs to), so a restart opens the board directly
 *   (also offline), and a login to another restaurant never shows it;
 * - board-<list>.json: the last list the server sent, so a restart while the
 *   server is unreachable still shows the board (marked as of its time);
 * - outbox-<list>.json: queued actions (outbox.h).
 * The session (refresh token) is the client library's file beside them. */
#ifndef MAITRE_TUI_STATE_H
#define MAITRE_TUI_STATE_H

struct app;

/* Fills a->state_dir from $XDG_STATE_HOME or $HOME (-1 when neither is set). */
int state_dir_init(struct app *a);
/* Makes the state directory and its parents (0700). 0 or -1. */
int state_dir_make(const struct app *a);
/* Reads app-state (server, email, list); missing file = nothing. */
void state_load_last(struct app *a);
/* Writes app-state. */
void state_save_last(struct app *a);
/* Opens a waitlist on the board: outbox, snapshot, remembered as last. */
void state_open_list(struct app *a, const char *id, const char *name);
/* Leaves the current list (another restaurant logged in, or the list is
 * gone): nothing of it is shown or sent, the activity strip (its guests'
 * names) is cleared; its snapshot and outbox stay on disk for its own. */
void state_forget_list(struct app *a);
/* Writes the snapshot of the current server rows. */
void state_save_snapshot(struct app *a);

#endif
