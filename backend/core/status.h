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
 * `notified` is server-owned: only the notifier (the consumer, after a
 * delivered notification) moves a party there. A move to the same status is
 * not a transition and is always allowed (a no-op). */
#ifndef MT_STATUS_H
#define MT_STATUS_H

#include "core/model.h"

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

#endif
