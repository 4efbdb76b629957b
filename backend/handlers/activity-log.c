/* Recording the activity log (see activity-log.h). */
#include <stdio.h>
#include <string.h>
#include "apigw/apigw.h"
#include "core/error.h"
#include "core/id.h"
#include "core/log.h"
#include "core/status.h"
#include "handlers/activity-log.h"
#include "handlers/retention.h"
#include "store/store.h"

const struct activity_actor activity_guest = { "guest", NULL };
const struct activity_actor activity_notifier = { "notifier", NULL };
const struct activity_actor activity_system = { "system", NULL };

/* The staff member behind a request (the authorizer's `sub`). */
struct activity_actor activity_staff(const cJSON *event)
{
	struct activity_actor a = { "staff", mt_event_auth(event, "sub") };

	return a;
}

/* Copies src (NULL = "") into a fixed field. */
static void activity_set(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Appends one entry. */
int activity_append(struct mt_ctx *ctx, const char *tenant_id, const char *waitlist_id,
		    const struct activity_actor *who, const char *action, const char *subject_id, int party_size,
		    const char *fields, const char *before, const char *after, const char *detail)
{
	struct mt_activity a;
	int r;

	if (ctx == NULL || ctx->store == NULL || ctx->store->ops->activity_append == NULL)
		return MT_EINVAL;
	if (tenant_id == NULL || strlen(tenant_id) > MT_ID_LEN || who == NULL || action == NULL)
		return MT_EINVAL;
	memset(&a, 0, sizeof a);
	a.at = mt_now(ctx);
	mt_id_new(a.id, a.at);
	activity_set(a.tenant_id, sizeof a.tenant_id, tenant_id);
	activity_set(a.waitlist_id, sizeof a.waitlist_id, waitlist_id);
	activity_set(a.actor_kind, sizeof a.actor_kind, who->kind);
	activity_set(a.actor_id, sizeof a.actor_id, who->id);
	activity_set(a.action, sizeof a.action, action);
	activity_set(a.subject_id, sizeof a.subject_id, subject_id);
	a.party_size = party_size;
	activity_set(a.fields, sizeof a.fields, fields);
	activity_set(a.before, sizeof a.before, before);
	activity_set(a.after, sizeof a.after, after);
	activity_set(a.detail, sizeof a.detail, detail);
	a.expires_at = a.at / 1000 + retention_seconds(ctx, tenant_id);
	r = ctx->store->ops->activity_append(ctx->store, &a);
	if (r < 0)
		mt_log("warn", "activity: could not append an entry", "action", action, "error", mt_strerror(r), NULL);
	return r;
}

/* Appends name to a comma-separated list. */
static void activity_add_field(char *list, size_t size, const char *name)
{
	size_t l = strlen(list);

	snprintf(list + l, size - l, "%s%s", l ? "," : "", name);
}

/* Writes {"status":..,"partySize":..,"quotedMinutes":..} with only the members in mask. */
static void activity_values(char *out, size_t size, const struct mt_waitee *w, unsigned mask)
{
	size_t l;

	snprintf(out, size, "{");
	if (mask & 1) {
		l = strlen(out);
		snprintf(out + l, size - l, "\"status\":\"%s\"", mt_status_name(w->status));
	}
	if (mask & 2) {
		l = strlen(out);
		snprintf(out + l, size - l, "%s\"partySize\":%d", l > 1 ? "," : "", w->party_size);
	}
	if (mask & 4) {
		l = strlen(out);
		snprintf(out + l, size - l, "%s\"quotedMinutes\":%d", l > 1 ? "," : "", w->quoted_minutes);
	}
	l = strlen(out);
	snprintf(out + l, size - l, "}");
}

/* Records a change of a party. */
void activity_waitee(struct mt_ctx *ctx, const struct activity_actor *who, const char *action,
		     const struct mt_waitee *before, const struct mt_waitee *after, const char *detail)
{
	const struct mt_waitee *w = after ? after : before;
	char fields[128] = "", b[192] = "", a[192] = "";
	unsigned mask = 0;

	if (w == NULL)
		return;
	if (before != NULL && after != NULL) {
		/* personal fields are named, never their values */
		if (strcmp(before->name, after->name) != 0)
			activity_add_field(fields, sizeof fields, "name");
		if (strcmp(before->phone, after->phone) != 0)
			activity_add_field(fields, sizeof fields, "phoneNumber");
		if (strcmp(before->email, after->email) != 0)
			activity_add_field(fields, sizeof fields, "email");
		if (strcmp(before->notes, after->notes) != 0)
			activity_add_field(fields, sizeof fields, "notes");
		if (before->status != after->status) {
			activity_add_field(fields, sizeof fields, "status");
			mask |= 1;
		}
		if (before->party_size != after->party_size) {
			activity_add_field(fields, sizeof fields, "partySize");
			mask |= 2;
		}
		if (before->quoted_minutes != after->quoted_minutes) {
			activity_add_field(fields, sizeof fields, "quotedMinutes");
			mask |= 4;
		}
		if (strcmp(before->reply, after->reply) != 0 || before->reply_at != after->reply_at)
			activity_add_field(fields, sizeof fields, "reply");
		if (mask) {
			activity_values(b, sizeof b, before, mask);
			activity_values(a, sizeof a, after, mask);
		}
		if (action == NULL && fields[0] == '\0') {
			action = "notify_requested";   /* only the notification plan changed (notifyIn) */
		} else if (action == NULL) {
			if (mask & 1)
				action = mt_status_is_finished(before->status) && !mt_status_is_finished(after->status)
						 ? "undone"
						 : "status";
			else
				action = "edited";
		}
	} else if (after != NULL) {
		activity_values(a, sizeof a, after, 7);
		if (action == NULL)
			action = "created";
	} else {
		activity_values(b, sizeof b, before, 1);
		if (action == NULL)
			action = "deleted";
	}
	(void)activity_append(ctx, w->tenant_id, w->waitlist_id, who, action, w->id, w->party_size, fields, b, a,
			      detail);
}

/* Records a change of a list. */
void activity_waitlist(struct mt_ctx *ctx, const struct activity_actor *who, const char *action,
		       const struct mt_waitlist *before, const struct mt_waitlist *after)
{
	const struct mt_waitlist *w = after ? after : before;
	char fields[128] = "";

	if (w == NULL)
		return;
	if (before != NULL && after != NULL) {
		if (strcmp(before->name, after->name) != 0)
			activity_add_field(fields, sizeof fields, "name");
		if (strcmp(before->description, after->description) != 0)
			activity_add_field(fields, sizeof fields, "description");
		if (strcmp(before->tpl_joined, after->tpl_joined) != 0 || strcmp(before->tpl_ready, after->tpl_ready) != 0 ||
		    strcmp(before->tpl_reminder, after->tpl_reminder) != 0)
			activity_add_field(fields, sizeof fields, "templates");
		if (before->self_checkin != after->self_checkin)
			activity_add_field(fields, sizeof fields, "selfCheckIn");
	}
	(void)activity_append(ctx, w->tenant_id, w->id, who, action, NULL, 0, fields, NULL, NULL, NULL);
}
