/* The log channel: one JSON line per message, for development. With no SMS
 * gateway and no SMTP configured, deliveries land here and count as sent. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "notify/channel.h"
#include "notify/channel-util.h"

/* A log channel. */
struct channel_log {
	struct channel base;   /* must be first */
	pthread_mutex_t lock;  /* one line at a time */
	FILE *to;              /* where lines go (stderr when not given) */
};

/* Copies text with every guest link's token ("/g/" and what follows of
 * [A-Za-z0-9_-]) cut to "/g/-": a log never holds a working guest link
 * (docs/guests.md). Returns a malloc'd string, NULL when out of memory. */
static char *channel_log_redact(const char *text)
{
	size_t n = strlen(text), i = 0, o = 0;
	char *out = malloc(n + n / 3 + 2);   /* each 3-byte "/g/" may become 4 bytes */

	if (out == NULL)
		return NULL;
	while (i < n) {
		if (strncmp(text + i, "/g/", 3) == 0) {
			memcpy(out + o, "/g/-", 4);
			o += 4;
			i += 3;
			while (i < n && (isalnum((unsigned char)text[i]) || text[i] == '_' || text[i] == '-'))
				i++;
		} else {
			out[o++] = text[i++];
		}
	}
	out[o] = '\0';
	return out;
}

/* Writes one JSON line describing m; phones and e-mails are masked, guest links cut. */
static int channel_log_send_locked(struct channel *c, const struct mt_message *m, char **reason)
{
	struct channel_log *l = (struct channel_log *)c;
	char phone[32], email[MT_EMAIL_MAX + 8];
	cJSON *o = cJSON_CreateObject();
	char *line, *text;
	int ok = o != NULL;

	mt_mask_phone(m->to_phone, phone, sizeof(phone));
	mt_mask_email(m->to_email, email, sizeof(email));
	ok = ok && cJSON_AddNumberToObject(o, "ts", (double)channel_now_ms(m->now_ms)) != NULL;
	ok = ok && cJSON_AddStringToObject(o, "msg", "notification (log channel: not sent to the guest)") != NULL;
	ok = ok && cJSON_AddStringToObject(o, "kind", m->kind ? m->kind : "") != NULL;
	ok = ok && cJSON_AddStringToObject(o, "key", m->key ? m->key : "") != NULL;
	ok = ok && cJSON_AddStringToObject(o, "waiteeId", m->waitee_id ? m->waitee_id : "") != NULL;
	ok = ok && cJSON_AddStringToObject(o, "waitlistId", m->waitlist_id ? m->waitlist_id : "") != NULL;
	if (phone[0])
		ok = ok && cJSON_AddStringToObject(o, "to", phone) != NULL;
	if (email[0])
		ok = ok && cJSON_AddStringToObject(o, "email", email) != NULL;
	text = channel_log_redact(m->text ? m->text : "");
	ok = ok && text != NULL && cJSON_AddStringToObject(o, "text", text) != NULL;
	free(text);
	line = ok ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (line == NULL)
		return channel_fail(reason, MT_ENOMEM, "out of memory");
	if (fprintf(l->to, "%s\n", line) < 0 || fflush(l->to) != 0) {
		free(line);
		return channel_fail(reason, MT_EIO, "could not write the log line");
	}
	free(line);
	return 0;
}

/* Sends under the channel's lock, so several threads may share it. */
static int channel_log_send(struct channel *c, const struct mt_message *m, char **reason)
{
	struct channel_log *x = (struct channel_log *)c;
	int r;

	pthread_mutex_lock(&x->lock);
	r = channel_log_send_locked(c, m, reason);
	pthread_mutex_unlock(&x->lock);
	return r;
}

/* Frees the channel (the stream stays open). */
static void channel_log_close(struct channel *c)
{
	struct channel_log *l = (struct channel_log *)c;

	pthread_mutex_destroy(&l->lock);
	free(l);
}

static const struct channel_ops channel_log_ops = {
	.name = "log",
	.send = channel_log_send,
	.close = channel_log_close,
};

/* Makes a log channel writing to `to` (stderr when NULL). */
int channel_log_new(FILE *to, struct channel **out, char **cause)
{
	struct channel_log *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (l == NULL) {
		if (cause)
			*cause = strdup("out of memory");
		return MT_ENOMEM;
	}
	l->base.ops = &channel_log_ops;
	pthread_mutex_init(&l->lock, NULL);
	l->to = to ? to : stderr;
	*out = &l->base;
	return 0;
}
