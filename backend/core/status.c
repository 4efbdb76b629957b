/* The waitee state machine (see status.h for the diagram). */
#include <string.h>
#include "core/error.h"
#include "core/status.h"

/* JSON names, indexed by enum mt_status. */
static const char *const status_names[MT_STATUS_COUNT] = {
	[MT_WAITING] = "waiting",
	[MT_NOTIFIED] = "notified",
	[MT_CONFIRMED] = "confirmed",
	[MT_SEATED] = "seated",
	[MT_CANCELLED] = "cancelled",
	[MT_NO_SHOW] = "no_show",
};

#define B(s) (1u << (s))

/* Allowed targets per actor and source status, as bit sets of enum mt_status. */
static const unsigned status_moves[MT_ACTOR_COUNT][MT_STATUS_COUNT] = {
	[MT_ACTOR_CLIENT] = {
		[MT_WAITING] = B(MT_CONFIRMED) | B(MT_SEATED) | B(MT_CANCELLED) | B(MT_NO_SHOW),
		[MT_NOTIFIED] = B(MT_WAITING) | B(MT_CONFIRMED) | B(MT_SEATED) | B(MT_CANCELLED) | B(MT_NO_SHOW),
		[MT_CONFIRMED] = B(MT_SEATED) | B(MT_CANCELLED) | B(MT_NO_SHOW),
		[MT_SEATED] = 0,
		[MT_CANCELLED] = B(MT_WAITING),
		[MT_NO_SHOW] = B(MT_WAITING),
	},
	[MT_ACTOR_NOTIFIER] = {
		[MT_WAITING] = B(MT_NOTIFIED),
	},
	[MT_ACTOR_GUEST] = {
		[MT_WAITING] = B(MT_CONFIRMED) | B(MT_CANCELLED),
		[MT_NOTIFIED] = B(MT_CONFIRMED) | B(MT_CANCELLED),
		[MT_CONFIRMED] = B(MT_CANCELLED),
	},
};

/* Returns the JSON name of a status. */
const char *mt_status_name(enum mt_status s)
{
	if ((int)s < 0 || s >= MT_STATUS_COUNT)
		return "unknown";
	return status_names[s];
}

/* Parses a JSON status name. */
int mt_status_parse(const char *name, enum mt_status *out)
{
	int i;

	if (name == NULL)
		return MT_EINVAL;
	for (i = 0; i < MT_STATUS_COUNT; i++) {
		if (strcmp(name, status_names[i]) == 0) {
			*out = (enum mt_status)i;
			return 0;
		}
	}
	return MT_EINVAL;
}

/* Returns 1 when actor may move a waitee from `from` to `to`. */
int mt_status_can_move(enum mt_actor actor, enum mt_status from, enum mt_status to)
{
	if ((int)actor < 0 || actor >= MT_ACTOR_COUNT || (int)from < 0 || from >= MT_STATUS_COUNT ||
	    (int)to < 0 || to >= MT_STATUS_COUNT)
		return 0;
	if (from == to)
		return 1;
	return (status_moves[actor][from] & B(to)) != 0;
}

/* Returns 1 for the statuses that hold a place in the queue. */
int mt_status_is_active(enum mt_status s)
{
	return s == MT_WAITING || s == MT_NOTIFIED || s == MT_CONFIRMED;
}

/* Returns 1 for the finished statuses. */
int mt_status_is_finished(enum mt_status s)
{
	return s == MT_SEATED || s == MT_CANCELLED || s == MT_NO_SHOW;
}

/* Judges a client's move out of a finished status (undo, re-queue, expired, refused). */
enum mt_undo mt_status_undo_check(const struct mt_waitee *w, enum mt_status to, int64_t now)
{
	int back;

	if (!mt_status_is_finished(w->status) || to == w->status)
		return MT_UNDO_NONE;
	back = w->finished_at > 0 && mt_status_is_active(to) && to == w->previous_status;
	if (back && now - w->finished_at <= MT_UNDO_WINDOW_MS)
		return MT_UNDO_OK;
	if (to == MT_WAITING && (w->status == MT_CANCELLED || w->status == MT_NO_SHOW))
		return MT_UNDO_REQUEUE;
	return back ? MT_UNDO_EXPIRED : MT_UNDO_REFUSED;
}

/* Records finished_at/previous_status on a move into a finished status; clears them on the way out. */
void mt_status_note_move(struct mt_waitee *w, enum mt_status to, int64_t now)
{
	if (to == w->status)
		return;
	if (mt_status_is_finished(to) && mt_status_is_active(w->status)) {
		w->previous_status = w->status;
		w->finished_at = now;
	} else if (!mt_status_is_finished(to)) {
		w->previous_status = MT_WAITING;
		w->finished_at = 0;
	}
}
