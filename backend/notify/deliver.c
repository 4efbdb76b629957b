/* One call for the consumer: choose the guest's channel, render the kind's
 * text for the waitlist, send, copy to the webhook. See deliver.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/error.h"
#include "notify/channel.h"
#include "notify/channel-util.h"
#include "notify/deliver.h"
#include "core/template.h"

/* Appends a note ("; " between notes) to a reason buffer. */
static void deliver_note(struct mt_buf *notes, const char *text)
{
	if (text == NULL || text[0] == '\0')
		return;
	if (notes->len)
		mt_buf_adds(notes, "; ");
	mt_buf_adds(notes, text);
}

/* Turns the notes into *reason, cut to MT_REASON_MAX bytes on a UTF-8
 * boundary (NULL when there are none). */
static void deliver_reason(struct mt_buf *notes, char **reason)
{
	char *s;
	size_t n;

	if (reason == NULL) {
		mt_buf_free(notes);
		return;
	}
	*reason = NULL;
	if (notes->len == 0) {
		mt_buf_free(notes);
		return;
	}
	s = mt_buf_take(notes);
	if (s == NULL)
		return;
	n = strlen(s);
	if (n > MT_REASON_MAX) {
		n = MT_REASON_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		s[n] = '\0';
	}
	*reason = s;
}

/* Minutes left of the quote at now_ms, rounded up, never negative. */
static int deliver_minutes_left(const struct mt_waitee *w, int64_t now_ms)
{
	int64_t left;

	if (w->quoted_minutes <= 0)
		return 0;
	left = w->joined_at + (int64_t)w->quoted_minutes * 60000 - now_ms;
	if (left <= 0)
		return 0;
	return (int)((left + 59999) / 60000);
}

/* Renders the text for a channel: the waitlist's template, or the default
 * (SMS or e-mail variant) when it is "" or does not render. */
static int deliver_text(const struct mt_waitlist *wl, const char *kind,
			const struct mt_template_vars *v, int for_email, char **text,
			struct mt_buf *notes)
{
	const char *tpl = mt_template_of(wl, kind);
	char note[128];
	int r;

	if (tpl[0] != '\0') {
		r = mt_template_render(tpl, v, text);
		if (r == 0)
			return 0;
		if (r == MT_ENOMEM)
			return r;
		snprintf(note, sizeof(note), "the list's '%s' template %s; the default text was used", kind,
			 r == MT_ETOOBIG ? "renders too long" : "is invalid");
		deliver_note(notes, note);
	}
	return mt_template_render_default(kind, v, for_email, text);
}

/* Sends notification `kind` number `seq` for waitee w of waitlist wl. */
int mt_deliver_ex(struct channel_set *set, const struct mt_waitlist *wl, const struct mt_waitee *w,
		  const char *kind, int seq, int64_t now_ms, const char **channel, char **reason)
{
	struct mt_template_vars v = { 0 };
	struct mt_message m = { 0 };
	struct channel *ch = NULL;
	struct mt_buf notes;
	char key[MT_ID_SIZE + 16], note[256];
	char *text = NULL, *subject = NULL, *why = NULL;
	int has_phone = w->phone[0] != '\0', has_email = w->email[0] != '\0';
	int r, for_email;

	if (channel)
		*channel = NULL;
	if (reason)
		*reason = NULL;
	mt_buf_init(&notes, 4 * MT_REASON_MAX);
	if (!mt_template_kind_valid(kind)) {
		deliver_note(&notes, "unknown notification kind");
		r = MT_EINVAL;
		goto done;
	}
	if (set == NULL || set->log == NULL) {
		deliver_note(&notes, "no notification channels are set up");
		r = MT_EIO;
		goto done;
	}

	/* Choose the channel. */
	if (has_phone && set->sms) {
		ch = set->sms;
	} else if (has_email && set->email) {
		ch = set->email;
	} else if ((has_phone || has_email) && set->sms == NULL && set->email == NULL) {
		ch = set->log;
		deliver_note(&notes, "logged only: no SMS gateway or SMTP server is configured");
	} else if (!has_phone && !has_email && set->webhook) {
		ch = set->webhook;
	} else {
		deliver_note(&notes, !has_phone && !has_email ? "the guest has no phone number or e-mail address" :
			     has_phone ? "the guest has only a phone number and no SMS gateway is configured" :
			     "the guest has only an e-mail address and no SMTP server is configured");
		r = MT_EINVAL;
		goto done;
	}
	if (channel)
		*channel = ch->ops->name;

	/* Render. */
	v.name = w->name;
	v.restaurant = wl->name;
	v.position = w->position;
	v.minutes = deliver_minutes_left(w, now_ms);
	v.link = w->guest_url;   /* filled by the consumer when a public URL is configured */
	for_email = ch == set->email || (ch == set->log && !has_phone);
	r = deliver_text(wl, kind, &v, for_email, &text, &notes);
	if (r == 0)
		r = mt_template_subject(kind, &v, &subject);
	if (r < 0) {
		deliver_note(&notes, "could not render the message");
		goto done;
	}

	snprintf(key, sizeof(key), "%s:%d", w->id, seq);
	m.kind = kind;
	m.key = key;
	m.to_phone = has_phone ? w->phone : NULL;
	m.to_email = has_email ? w->email : NULL;
	m.to_name = w->name;
	m.subject = subject;
	m.text = text;
	m.waitee_id = w->id;
	m.waitlist_id = w->waitlist_id;
	m.now_ms = now_ms;
	r = channel_send(ch, &m, &why);
	if (r < 0) {
		deliver_note(&notes, why ? why : mt_strerror(r));
		goto done;
	}
	free(why);
	why = NULL;

	/* Copy to the webhook; its failure does not fail the delivery. */
	if (set->webhook && ch != set->webhook) {
		int wr;

		m.via = ch->ops->name;
		wr = channel_send(set->webhook, &m, &why);
		if (wr < 0) {
			snprintf(note, sizeof(note), "sent, but the webhook copy failed: %s",
				 why ? why : mt_strerror(wr));
			deliver_note(&notes, note);
		}
	}
	r = 0;
done:
	free(why);
	free(text);
	free(subject);
	deliver_reason(&notes, reason);
	return r;
}

/* Sends notification `kind` number `seq` for waitee w of waitlist wl. */
int mt_deliver(struct channel_set *set, const struct mt_waitlist *wl, const struct mt_waitee *w,
	       const char *kind, int seq, int64_t now_ms, char **reason)
{
	return mt_deliver_ex(set, wl, w, kind, seq, now_ms, NULL, reason);
}
