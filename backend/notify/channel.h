/* Notification channels behind one interface (after redis ConnectionType):
 * SMS over an HTTP gateway (Twilio Messages API shape), e-mail over SMTP
 * (libcurl), a webhook (JSON POST, HMAC-SHA256 signed) and a log channel.
 *
 * send() returns 0 when the provider accepted the message, MT_EBUSY for a
 * temporary failure worth retrying (5xx, timeout, connection refused), and
 * MT_EIO / MT_EINVAL for a permanent one; *reason (malloc'd, caller frees)
 * says what happened. Channels are safe to use from one thread at a time. */
#ifndef MT_CHANNEL_H
#define MT_CHANNEL_H

#include <stddef.h>
#include "core/model.h"

/* A rendered message ready to send. */
struct mt_message {
	const char *kind;        /* "joined", "ready", "reminder" */
	const char *key;         /* idempotency key "waiteeId:seq" */
	const char *to_phone;    /* E.164 or NULL */
	const char *to_email;    /* address or NULL */
	const char *subject;     /* e-mail subject */
	const char *text;        /* body, fits one SMS by default */
	const char *waitee_id;   /* for webhooks and logs */
	const char *waitlist_id; /* for webhooks and logs */
};

struct channel;

struct channel_ops {
	const char *name;                                   /* "sms", "email", "webhook", "log" */
	int (*send)(struct channel *c, const struct mt_message *m, char **reason);
	void (*close)(struct channel *c);
};

struct channel {
	const struct channel_ops *ops;  /* back end */
};

/* The channels configured for a process. NULL members are not configured. */
struct channel_set {
	struct channel *sms;      /* MAITRE_SMS_URL, _ACCOUNT, _TOKEN, _FROM */
	struct channel *email;    /* MAITRE_SMTP_URL, MAITRE_SMTP_FROM */
	struct channel *webhook;  /* MAITRE_WEBHOOK_URL, MAITRE_WEBHOOK_SECRET */
	struct channel *log;      /* always present: writes to stderr */
};

#endif
