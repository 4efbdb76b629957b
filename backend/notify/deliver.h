/* One call for the consumer: tell a guest about a notification.
 *
 * Channel choice: a waitee with a phone gets an SMS; with no phone (or no
 * SMS gateway configured) but an e-mail and SMTP configured, an e-mail.
 * Development mode: when neither an SMS gateway nor SMTP is configured, the
 * message goes to the log channel (one JSON line on stderr) and counts as
 * sent, so maitred on a laptop "sends" to its log. When a real channel is
 * configured but not the one this guest needs (phone only, no gateway),
 * the delivery fails permanently with a reason the host can read.
 *
 * Webhook: when MAITRE_WEBHOOK_URL is set, every delivery that succeeded on
 * the guest's channel is copied to the webhook (same key, so a receiver can
 * drop repeats). A failed webhook copy does not fail the delivery (the
 * guest was told; retrying would text them twice): it is noted in *reason.
 * A waitee with neither phone nor e-mail is delivered to the webhook alone
 * when one is configured (its result is the delivery's result).
 *
 * Text: the waitlist's template for the kind, or the default when it is ""
 * or does not validate (then *reason says so). {position} comes from
 * w->position (the caller fills it: store waitee_count_active + 1);
 * {minutes} is what is left of the quote at now_ms (joined_at +
 * quoted_minutes), never negative; 0 when there is no quote. */
#ifndef MT_DELIVER_H
#define MT_DELIVER_H

#include <stdint.h>
#include "core/model.h"
#include "notify/channel.h"

/* Sends notification `kind` number `seq` for waitee w of waitlist wl.
 * Returns 0 when sent (*reason may be set to a note such as the channel
 * used), MT_EBUSY for a temporary failure (retry later), MT_EIO / MT_EINVAL
 * for a permanent one (no phone and no e-mail, no channel for it, gateway
 * refused). *reason is malloc'd (caller frees) or NULL; at most
 * MT_REASON_MAX bytes so it fits mt_waitee.last_reason. */
int mt_deliver(struct channel_set *set, const struct mt_waitlist *wl, const struct mt_waitee *w,
	       const char *kind, int seq, int64_t now_ms, char **reason);

/* Like mt_deliver, also telling which channel was used ("sms", "email",
 * "webhook", "log"; static string, or NULL when none was tried). */
int mt_deliver_ex(struct channel_set *set, const struct mt_waitlist *wl, const struct mt_waitee *w,
		  const char *kind, int seq, int64_t now_ms, const char **channel, char **reason);

#endif
