/* The waitee state machine: which status moves are allowed, and for whom.
 *
 *   waiting ──(notifier)──> notified
 *   waiting, notified ──(client)──> confirmed, seated, cancelled, no_show
 *   notified ──(client)──> waiting            (put back in the queue)
 *   confirmed ──(client)──> seated, cancelled, no_show
 *   cancelled, no_show ──(client)──> waiting  (undo)
 *   seated: terminal
 *   waiting, notified ──(guest reply)──> confirmed, cancelled
 *   confirmed ──(guest reply)──> cancelled
 *
 * Undo: a finished party may go back to the active status it had
 * (previous_status) within MT_UNDO_WINDOW_MS of finished_at, by a client;
 * cancelled/no_show -> waiting stays allowed at any time (the older re-queue).
 *
 * `notified` is server-owned: only the notifier (the consumer, after a
 * delivered notification) moves a party there. A move to the same status is
 * not a transition and is always allowed (a no-op). */
#ifndef MT_STATUS_H
#define MT_STATUS_H

#include "core/model.h"

/* How long after finishing a party may be undone (ms). */
#define MT_UNDO_WINDOW_MS 120000

/* Who asks for a move. */
enum mt_actor {
	MT_ACTOR_CLIENT = 0,  /* a host or owner through the API */
	MT_ACTOR_NOTIFIER,    /* the consumer, after delivering a notification */
	MT_ACTOR_GUEST,       /* the guest, replying to a text (1 = confirm, 9 = cancel) */
	MT_ACTOR_COUNT
};

/* Returns the JSON name of a status ("waiting", ..., "no_show"); "unknown" when out of range. */
const char *mt_status_name(enum mt_status s);
/* Parses a JSON status name into *out; 0 or MT_EINVAL. */
int mt_status_parse(const char *name, enum mt_status *out);
/* Returns 1 when actor may move a waitee from `from` to `to`, else 0. */
int mt_status_can_move(enum mt_actor actor, enum mt_status from, enum mt_status to);
/* Returns 1 for waiting, notified, confirmed (in the queue, has a position). */
int mt_status_is_active(enum mt_status s);
/* Returns 1 for seated, cancelled, no_show (finished: TTL set, nothing pending). */
int mt_status_is_finished(enum mt_status s);

/* What a client's move out of a finished status is. */
enum mt_undo {
	MT_UNDO_NONE = 0,     /* not a move out of a finished status */
	MT_UNDO_OK,           /* back to previous_status within the window */
	MT_UNDO_REQUEUE,      /* cancelled/no_show -> waiting outside an undo (always allowed) */
	MT_UNDO_EXPIRED,      /* back to previous_status, but the window has passed */
	MT_UNDO_REFUSED       /* any other move out of a finished status */
};

/* Judges a client's move of w (now finished or not) to `to` at now (ms). */
enum mt_undo mt_status_undo_check(const struct mt_waitee *w, enum mt_status to, int64_t now);
/* Records on w, about to move to `to` at now, what an undo needs: when it
 * finishes, finished_at and previous_status; when it leaves a finished
 * status, clears both. Call before changing w->status. */
void mt_status_note_move(struct mt_waitee *w, enum mt_status to, int64_t now);

#endif
