/* Notification channels behind one interface (after redis ConnectionType):
 * SMS over an HTTP gateway (Twilio Messages API shape), e-mail over SMTP
 * (libcurl), a webhook (JSON POST, HMAC-SHA256 signed) and a log channel.
 *
 * send() returns 0 when the provider accepted the message, MT_EBUSY for a
 * temporary failure worth retrying (5xx, 429, timeout, connection refused),
 * and MT_EIO / MT_EINVAL for a permanent one; *reason (malloc'd, caller
 * frees, may be NULL on success) says what happened. Reasons and logs never
 * contain tokens, passwords or secrets. Channels may be shared by threads:
 * each one serialises its own sends (one reused connection per channel;
 * make a set per thread for parallel sends). Every network call has a
 * connect timeout (5 s at most) and a total timeout
 * (MAITRE_NOTIFY_TIMEOUT_MS, default 10000). */
#ifndef MT_CHANNEL_H
#define MT_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "core/model.h"

/* A rendered message ready to send. */
struct mt_message {
	const char *kind;        /* "joined", "ready", "reminder" */
	const char *key;         /* idempotency key "waiteeId:seq" */
	const char *to_phone;    /* E.164 or NULL */
	const char *to_email;    /* address or NULL */
	const char *to_name;     /* guest name for the e-mail To: display name, or NULL */
	const char *subject;     /* e-mail subject */
	const char *text;        /* body, fits one SMS by default */
	const char *waitee_id;   /* for webhooks and logs */
	const char *waitlist_id; /* for webhooks and logs */
	const char *via;         /* webhook copies: the channel that told the guest, or NULL */
	int64_t now_ms;          /* send time (Date header, webhook timestamp); 0 = system clock */
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

/* SMS gateway settings (Twilio Messages API shape). Strings are copied. */
struct channel_sms_config {
	const char *base_url;    /* e.g. "https://api.twilio.com" or "http://127.0.0.1:PORT" */
	const char *account;     /* account SID: path part and basic-auth user */
	const char *token;       /* basic-auth password (never logged) */
	const char *from;        /* sender number (E.164) or messaging service id */
	long timeout_ms;         /* total timeout per request; 0 = default 10000 */
};

/* SMTP settings. Strings are copied. */
struct channel_smtp_config {
	const char *url;         /* "smtp://host:port" or "smtps://host:port"; "?starttls=1" allowed */
	const char *from;        /* "addr@example.com" or "Name <addr@example.com>" */
	const char *user;        /* optional login, or NULL */
	const char *password;    /* optional password (never logged), or NULL */
	int starttls;            /* 1: require STARTTLS (CURLUSESSL_ALL) */
	const char *ca_file;     /* PEM bundle to verify the server with, or NULL for the system's */
	long timeout_ms;         /* total timeout per message; 0 = default 10000 */
};

/* Webhook settings. Strings are copied. */
struct channel_webhook_config {
	const char *url;         /* http(s) URL that receives the JSON POST */
	const char *secret;      /* HMAC-SHA256 key (never logged), at least 16 bytes */
	long timeout_ms;         /* total timeout per request; 0 = default 10000 */
};

/* Constructors. Return 0 or MT_EINVAL (bad settings) / MT_ENOMEM with *cause. */
int channel_sms_new(const struct channel_sms_config *cfg, struct channel **out, char **cause);
int channel_smtp_new(const struct channel_smtp_config *cfg, struct channel **out, char **cause);
int channel_webhook_new(const struct channel_webhook_config *cfg, struct channel **out, char **cause);
/* The log channel writes one JSON line per message to `to` (stderr when NULL). */
int channel_log_new(FILE *to, struct channel **out, char **cause);

/* Builds the channel set from the environment: MAITRE_SMS_URL, _ACCOUNT,
 * _TOKEN, _FROM (all four or none); MAITRE_SMTP_URL, MAITRE_SMTP_FROM
 * (both or none), MAITRE_SMTP_USER, MAITRE_SMTP_PASSWORD,
 * MAITRE_SMTP_STARTTLS=1, MAITRE_SMTP_CA_FILE; MAITRE_WEBHOOK_URL with MAITRE_WEBHOOK_SECRET;
 * MAITRE_NOTIFY_TIMEOUT_MS. The log channel is always there. A partial
 * configuration is an error (MT_EINVAL, *cause names the missing variable). */
int mt_channels_from_env(struct channel_set **out, char **cause);
/* Frees a set and its channels (NULL is fine). */
void mt_channels_free(struct channel_set *set);

/* Copies MAITRE_SMS_HOOK_SECRET into out (outsz bytes; "" when unset, which
 * disables POST /hooks/sms). Returns 0, or MT_EINVAL when too long. For
 * maitred / bootstrap to fill ctx->cfg.sms_hook_secret. */
int mt_sms_hook_secret_from_env(char *out, size_t outsz);

/* Writes a phone number with its middle digits masked ("+1555***4567"). */
void mt_mask_phone(const char *phone, char *out, size_t outsz);
/* Writes an e-mail with the local part masked ("j***@example.com"). */
void mt_mask_email(const char *email, char *out, size_t outsz);

/* Thin wrappers. */
static inline int channel_send(struct channel *c, const struct mt_message *m, char **reason)
{
	return c->ops->send(c, m, reason);
}
static inline void channel_close(struct channel *c) { if (c) c->ops->close(c); }

#endif
