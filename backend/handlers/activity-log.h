/* Recording the activity log (issue 10 part 3): every change to a waitlist,
 * a waitee or a staff account appends one entry (struct mt_activity) with
 * who made it, what, the fields changed and non-personal values before and
 * after. Entries never hold guest data (model.h). Appending happens after
 * the change is stored and does not undo it when it fails (it is logged):
 * DynamoDB offers no transaction over both records (dynalite has no
 * TransactWriteItems). A new party's entry and the notifier's entries are
 * appended inside the change's write group (store.h write_group): on
 * SQLite the same commit, in its own savepoint, so its failure still
 * undoes only itself. */
#ifndef MT_ACTIVITY_LOG_H
#define MT_ACTIVITY_LOG_H

#include <cjson/cJSON.h>
#include "core/ctx.h"
#include "core/model.h"

/* Who made a change. */
struct activity_actor {
	const char *kind;   /* "staff", "guest", "notifier", "system" */
	const char *id;     /* the staff account's id, NULL otherwise */
};

/* The staff member behind a request (the authorizer's `sub`). */
struct activity_actor activity_staff(const cJSON *event);
/* Actors without an account. */
extern const struct activity_actor activity_guest, activity_notifier, activity_system;

/* Appends one entry (the general form: staff accounts and anything else).
 * waitlist_id NULL or "" = restaurant-wide; other strings NULL = "". 0 or MT_E*. */
int activity_append(struct mt_ctx *ctx, const char *tenant_id, const char *waitlist_id,
		    const struct activity_actor *who, const char *action, const char *subject_id, int party_size,
		    const char *fields, const char *before, const char *after, const char *detail);

/* Records a change of a party: before NULL = it was created; after NULL =
 * deleted. The action is worked out (created, edited, status, undone,
 * deleted) unless given; detail is a short non-personal text or NULL. */
void activity_waitee(struct mt_ctx *ctx, const struct activity_actor *who, const char *action,
		     const struct mt_waitee *before, const struct mt_waitee *after, const char *detail);

/* Records a change of a list: list_created, list_edited (fields changed), list_deleted. */
void activity_waitlist(struct mt_ctx *ctx, const struct activity_actor *who, const char *action,
		       const struct mt_waitlist *before, const struct mt_waitlist *after);

#endif
