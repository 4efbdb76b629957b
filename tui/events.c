/* Events for the activity strip and desktop notifications. */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "util.h"
#include "kit/desknotify.h"
#include "kit/theme.h"

/* Finds a party by id in rows (linear: lists change every few seconds at most). */
static const struct party *find(const struct party *rows, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].id, id) == 0)
			return &rows[i];
	return NULL;
}

/* 1 when one of our queued actions is about this party (then the change is ours). */
static int ours(const struct app *a, const char *id)
{
	for (size_t i = 0; i < a->outbox.n; i++)
		if (strcmp(a->outbox.items[i].waitee, id) == 0)
			return 1;
	return 0;
}

/* Sends a desktop notification once per key (NULL key = always). */
static void desktop(struct app *a, const char *key, const char *summary, const char *body, enum tk_urgency u)
{
	if (!a->notifier)
		return;
	if (key && a->notified_once && tk_once_first(a->notified_once, key) != 1)
		return;
	tk_notifier_show(a->notifier, summary, body, u);
}

/* Compares two lists and reports what others changed. */
void events_compare(struct app *a, const struct party *old, size_t n_old,
		    struct party *rows, size_t n)
{
	if (!old)
		return;
	char key[128], body[400];
	for (size_t i = 0; i < n; i++) {
		struct party *p = &rows[i];
		const struct party *o = find(old, n_old, p->id);
		if (o && o->status == p->status)
			p->by_guest = o->by_guest;
		if (!o) {
			if (!ours(a, p->id) && party_status_active(p->status))
				app_activity(a, TK_SLOT_ACTIVITY, "%s (%d) added on another terminal", p->name, p->size);
			continue;
		}
		if (o->status != p->status && !ours(a, p->id)) {
			/* this app never confirms; a party confirmed or cancelled while it was
			 * active and not by us is (almost always) the guest answering the text */
			int guest = party_status_active(o->status) &&
				    (p->status == PARTY_CONFIRMED || p->status == PARTY_CANCELLED);
			if (guest) {
				p->by_guest = 1;
				const char *what = p->status == PARTY_CONFIRMED ? "confirmed" : "cancelled";
				app_activity(a, p->status == PARTY_CONFIRMED ? TK_SLOT_CONFIRMED : TK_SLOT_CANCELLED,
					     "%s %s", p->name, p->status == PARTY_CONFIRMED ? "confirmed \xe2\x9c\x93" : "cancelled");
				str_fmt(key, sizeof key, "reply:%s:%lld", p->id, (long long)p->version);
				str_fmt(body, sizeof body, "%s (party of %d) %s", p->name, p->size, what);
				desktop(a, key, p->status == PARTY_CONFIRMED ? "Guest confirmed" : "Guest cancelled",
					body, TK_URGENCY_NORMAL);
			} else if (p->status == PARTY_NOTIFIED) {
				app_activity(a, TK_SLOT_NOTIFIED, "%s was texted", p->name);
			} else {
				app_activity(a, TK_SLOT_ACTIVITY, "%s is now %s (another terminal)", p->name,
					     p->status == PARTY_NO_SHOW ? "a no-show" : party_status_api_name(p->status));
			}
		}
		if (p->reply_ms && p->reply_ms != o->reply_ms) {
			app_activity(a, TK_SLOT_CONFIRMED, "%s replied: \"%s\"", p->name, p->reply);
			str_fmt(key, sizeof key, "text:%s:%lld", p->id, (long long)p->reply_ms);
			str_fmt(body, sizeof body, "%s: %s", p->name, p->reply);
			desktop(a, key, "A guest replied", body, TK_URGENCY_NORMAL);
		}
		if (strcmp(p->last_result, "failed") == 0 && strcmp(o->last_result, "failed") != 0) {
			app_activity(a, TK_SLOT_FAILED, "text to %s failed: %s", p->name,
				     p->last_reason[0] ? p->last_reason : "no reason given");
			str_fmt(key, sizeof key, "failed:%s:%lld", p->id, (long long)p->version);
			str_fmt(body, sizeof body, "%s: %s", p->name, p->last_reason[0] ? p->last_reason : "no reason given");
			desktop(a, key, "A text failed to send", body, TK_URGENCY_CRITICAL);
		}
	}
	for (size_t i = 0; i < n_old; i++)
		if (!find(rows, n, old[i].id) && !ours(a, old[i].id))
			app_activity(a, TK_SLOT_ACTIVITY, "%s removed on another terminal", old[i].name);
}

/* Reports parties that passed their quote (once per party). */
void events_tick(struct app *a)
{
	char key[128], body[400];
	for (size_t i = 0; i < a->n_rows; i++) {
		const struct party *p = &a->rows[i];
		if (!party_status_active(p->status) || p->quote <= 0)
			continue;
		int64_t left = party_quote_left_ms(p, a->now_ms);
		if (left >= 0 || left < -60000)
			continue; /* only in the minute it passes: a restart does not re-announce old ones */
		str_fmt(key, sizeof key, "over:%s", p->id);
		if (a->notified_once && tk_once_first(a->notified_once, key) != 1)
			continue;
		app_activity(a, TK_SLOT_OVER_QUOTE, "%s passed the %d min quote", p->name, p->quote);
		if (a->notifier) {
			str_fmt(body, sizeof body, "%s (party of %d) has waited past the %d min quote", p->name, p->size, p->quote);
			tk_notifier_show(a->notifier, "Past the quote", body, TK_URGENCY_NORMAL);
		}
	}
}

/* Reports a connection lost for more than 30 s. */
void events_connection_lost(struct app *a)
{
	app_activity(a, TK_SLOT_ERROR, "offline for more than 30 s: actions are kept and sent later");
	desktop(a, NULL, "Maitre is offline",
		"The server has not answered for 30 s. Actions are kept and sent when it is back.",
		TK_URGENCY_CRITICAL);
}
