/* E-mail over SMTP with libcurl: an RFC 5322 message (Date, Message-ID,
 * From, To, Subject; non-ASCII headers as RFC 2047 encoded-words; body
 * quoted-printable UTF-8, CRLF lines, a leading dot encoded so the message
 * is dot-safe). smtps:// is implicit TLS; STARTTLS is required with
 * starttls=1 (CURLUSESSL_ALL). The Message-ID is derived from the message
 * key, so a retried delivery carries the same id. */
#include <curl/curl.h>
#include <sodium.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/buf.h"
#include "core/error.h"
#include "core/validate.h"
#include "notify/channel.h"
#include "notify/channel-util.h"

#define SMTP_MSG_MAX (64 * 1024)   /* cap on a rendered message */

/* An SMTP channel. */
struct channel_smtp {
	struct channel base;   /* must be first */
	pthread_mutex_t lock;  /* one send at a time (the curl handle is not shared) */
	CURL *h;               /* reused handle */
	char *url;             /* smtp:// or smtps:// URL without our query */
	char *from_addr;       /* envelope and header address */
	char *from_name;       /* display name, or NULL */
	char *user;            /* login, or NULL */
	char *password;        /* password, never logged, or NULL */
	int starttls;          /* 1: require STARTTLS */
	char *ca_file;         /* CA bundle, or NULL for the system's */
	long timeout_ms;       /* total timeout per message */
};

/* Upload state for the read callback. */
struct smtp_upload {
	const char *data;      /* message */
	size_t len;            /* bytes in data */
	size_t pos;            /* bytes handed to curl */
};

/* Hands the next part of the message to curl. */
static size_t smtp_read(char *p, size_t size, size_t n, void *userdata)
{
	struct smtp_upload *u = userdata;
	size_t room = size * n, left = u->len - u->pos;
	size_t k = left < room ? left : room;

	memcpy(p, u->data + u->pos, k);
	u->pos += k;
	return k;
}

/* Returns 1 when s is printable ASCII without quotes or backslashes. */
static int smtp_plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7F)
			return 0;
	return 1;
}

/* Appends s as RFC 2047 "B" encoded-words of 64 characters at most (39
 * bytes each, so "Subject: " and a word fit in 78), folded with CRLF SP,
 * never splitting a UTF-8 sequence. */
static int smtp_put_encoded(struct mt_buf *b, const char *s)
{
	size_t len = strlen(s), pos = 0;
	int r, first = 1;

	while (pos < len) {
		size_t k = len - pos < 39 ? len - pos : 39;

		while (k > 0 && pos + k < len && ((unsigned char)s[pos + k] & 0xC0) == 0x80)
			k--;
		if (k == 0)
			k = len - pos < 39 ? len - pos : 39;
		{
			char out[sodium_base64_ENCODED_LEN(39, sodium_base64_VARIANT_ORIGINAL)];
			sodium_bin2base64(out, sizeof(out), (const unsigned char *)s + pos, k,
					  sodium_base64_VARIANT_ORIGINAL);
			r = mt_buf_printf(b, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", out);
		}
		if (r < 0)
			return r;
		first = 0;
		pos += k;
	}
	return 0;
}

/* Appends a phrase (display name or subject text): as-is when short plain
 * ASCII (quoted when quote=1), else encoded-words. Controls never pass. */
static int smtp_put_phrase(struct mt_buf *b, const char *s, int quote)
{
	int r = 0;

	if (smtp_plain_ascii(s) && strlen(s) <= 60) {
		if (!quote)
			return mt_buf_adds(b, s);
		r = mt_buf_adds(b, "\"");
		for (; r == 0 && *s; s++)
			r = (*s == '"' || *s == '\\') ? mt_buf_printf(b, "\\%c", *s) : mt_buf_add(b, s, 1);
		return r < 0 ? r : mt_buf_adds(b, "\"");
	}
	{
		/* Replace controls before encoding (no header injection). */
		char *clean = channel_clean_text(s, strlen(s) + 1);
		if (clean == NULL)
			return MT_ENOMEM;
		r = smtp_put_encoded(b, clean);
		free(clean);
	}
	return r;
}

/* Appends a mailbox: "Name <addr>" or "addr". */
static int smtp_put_mailbox(struct mt_buf *b, const char *name, const char *addr)
{
	int r;

	if (name == NULL || name[0] == '\0')
		return mt_buf_adds(b, addr);
	if ((r = smtp_put_phrase(b, name, 1)) < 0)
		return r;
	/* Fold before the address when the name was long or encoded. */
	if (!smtp_plain_ascii(name) || strlen(name) > 40)
		return mt_buf_printf(b, "\r\n <%s>", addr);
	return mt_buf_printf(b, " <%s>", addr);
}

/* Appends text as quoted-printable with CRLF line ends; a line-leading dot
 * is encoded (=2E) so no line of the body starts with '.'. */
static int smtp_put_qp(struct mt_buf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)text;
	size_t col = 0;
	int r = 0;

	for (; *s && r == 0; s++) {
		unsigned char c = *s;
		char enc[4];
		size_t n;
		int last = s[1] == '\0' || s[1] == '\n' || (s[1] == '\r' && s[2] == '\n');

		if (c == '\r' && s[1] == '\n')
			continue;
		if (c == '\n') {
			r = mt_buf_adds(b, "\r\n");
			col = 0;
			continue;
		}
		if ((c >= 33 && c <= 126 && c != '=' && !(c == '.' && col == 0)) ||
		    ((c == ' ' || c == '\t') && !last)) {
			enc[0] = (char)c;
			n = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			n = 3;
		}
		if (col + n > 75) {
			r = mt_buf_adds(b, "=\r\n");
			col = 0;
			if (r == 0 && c == '.' && n == 1) {
				enc[0] = '=';
				enc[1] = '2';
				enc[2] = 'E';
				n = 3;
			}
		}
		if (r == 0)
			r = mt_buf_add(b, enc, n);
		col += n;
	}
	if (r == 0 && col > 0)
		r = mt_buf_adds(b, "\r\n");
	return r;
}

/* Appends an RFC 5322 date for epoch ms t (always English, UTC). */
static int smtp_put_date(struct mt_buf *b, int64_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t secs = (time_t)(t / 1000);
	struct tm tm;

	if (gmtime_r(&secs, &tm) == NULL)
		return MT_EINVAL;
	return mt_buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
			     tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
			     tm.tm_sec);
}

/* Appends the Message-ID: <key with ':' as '.'.maitre@from-domain>; keys
 * are ids and digits, anything else becomes '-'. */
static int smtp_put_message_id(struct mt_buf *b, const struct channel_smtp *s, const char *key,
			       int64_t t)
{
	const char *dom = strchr(s->from_addr, '@');
	char local[96];
	size_t i;
	int r;

	if (key && key[0])
		snprintf(local, sizeof(local), "%s", key);
	else
		snprintf(local, sizeof(local), "t%lld", (long long)t);
	for (i = 0; local[i]; i++) {
		char c = local[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			local[i] = c == ':' ? '.' : '-';
	}
	r = mt_buf_printf(b, "Message-ID: <%s.maitre@%s>\r\n", local, dom ? dom + 1 : "maitre.invalid");
	return r;
}

/* Builds the whole message for m into b. */
static int smtp_build(const struct channel_smtp *s, const struct mt_message *m, const char *to,
		      struct mt_buf *b)
{
	int64_t t = channel_now_ms(m->now_ms);
	int r;

	if ((r = smtp_put_date(b, t)) < 0 ||
	    (r = mt_buf_adds(b, "From: ")) < 0 ||
	    (r = smtp_put_mailbox(b, s->from_name, s->from_addr)) < 0 ||
	    (r = mt_buf_adds(b, "\r\nTo: ")) < 0 ||
	    (r = smtp_put_mailbox(b, m->to_name, to)) < 0 ||
	    (r = mt_buf_adds(b, "\r\nSubject: ")) < 0 ||
	    (r = smtp_put_phrase(b, m->subject && m->subject[0] ? m->subject : "Your table", 0)) < 0 ||
	    (r = mt_buf_adds(b, "\r\n")) < 0 ||
	    (r = smtp_put_message_id(b, s, m->key, t)) < 0 ||
	    (r = mt_buf_adds(b, "MIME-Version: 1.0\r\n"
			       "Content-Type: text/plain; charset=UTF-8\r\n"
			       "Content-Transfer-Encoding: quoted-printable\r\n"
			       "Auto-Submitted: auto-generated\r\n")) < 0)
		return r;
	if (m->key && m->key[0] && smtp_plain_ascii(m->key) &&
	    (r = mt_buf_printf(b, "X-Maitre-Message-Key: %s\r\n", m->key)) < 0)
		return r;
	if ((r = mt_buf_adds(b, "\r\n")) < 0)
		return r;
	return smtp_put_qp(b, m->text ? m->text : "");
}

/* Sends m->text to m->to_email. */
static int channel_smtp_send_locked(struct channel *c, const struct mt_message *m, char **reason)
{
	struct channel_smtp *s = (struct channel_smtp *)c;
	char to[MT_EMAIL_MAX + 1], rcpt[MT_EMAIL_MAX + 3], from[MT_EMAIL_MAX + 3];
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *rcpts = NULL;
	struct smtp_upload up;
	struct mt_buf msg;
	long code = 0;
	CURLcode rc;
	int r;

	if (m->to_email == NULL || mt_valid_email(m->to_email, to, sizeof(to), NULL) < 0)
		return channel_fail(reason, MT_EINVAL, "no valid e-mail address to write to");
	mt_buf_init(&msg, SMTP_MSG_MAX);
	r = smtp_build(s, m, to, &msg);
	if (r < 0) {
		mt_buf_free(&msg);
		return channel_fail(reason, r, "could not build the e-mail: %s", r == MT_ETOOBIG ? "too big" : "out of memory");
	}
	snprintf(rcpt, sizeof(rcpt), "<%s>", to);
	snprintf(from, sizeof(from), "<%s>", s->from_addr);
	rcpts = curl_slist_append(NULL, rcpt);
	if (rcpts == NULL) {
		mt_buf_free(&msg);
		return channel_fail(reason, MT_ENOMEM, "out of memory");
	}
	up.data = msg.data;
	up.len = msg.len;
	up.pos = 0;
	curl_easy_reset(s->h);
	channel_curl_common(s->h, s->timeout_ms, "smtp,smtps", errbuf);
	curl_easy_setopt(s->h, CURLOPT_URL, s->url);
	curl_easy_setopt(s->h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(s->h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->h, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(s->h, CURLOPT_READDATA, &up);
	if (s->starttls)
		curl_easy_setopt(s->h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (s->ca_file)
		curl_easy_setopt(s->h, CURLOPT_CAINFO, s->ca_file);
	if (s->user) {
		curl_easy_setopt(s->h, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(s->h, CURLOPT_PASSWORD, s->password ? s->password : "");
	}
	rc = curl_easy_perform(s->h);
	if (rc == CURLE_OK) {
		r = 0;
	} else {
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 500 && code < 600)
			r = MT_EIO;          /* the server refused for good */
		else if (code >= 400 && code < 500)
			r = MT_EBUSY;        /* the server asked to try later */
		else if (rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED)
			r = MT_EIO;
		else
			r = channel_curl_err(rc);
		channel_fail(reason, r, "SMTP %s: %s", r == MT_EBUSY ? "temporarily failed" : "failed",
			     errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	mt_buf_free(&msg);
	return r;
}

/* Sends under the channel's lock, so several threads may share it. */
static int channel_smtp_send(struct channel *c, const struct mt_message *m, char **reason)
{
	struct channel_smtp *x = (struct channel_smtp *)c;
	int r;

	pthread_mutex_lock(&x->lock);
	r = channel_smtp_send_locked(c, m, reason);
	pthread_mutex_unlock(&x->lock);
	return r;
}

/* Frees the channel; the password is wiped first. */
static void channel_smtp_close(struct channel *c)
{
	struct channel_smtp *s = (struct channel_smtp *)c;

	if (s->h)
		curl_easy_cleanup(s->h);
	if (s->password) {
		sodium_memzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->url);
	free(s->from_addr);
	free(s->from_name);
	free(s->user);
	free(s->ca_file);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct channel_ops channel_smtp_ops = {
	.name = "email",
	.send = channel_smtp_send,
	.close = channel_smtp_close,
};

/* Splits "Name <addr>" or "addr" into a checked address and a name. */
static int smtp_parse_from(const char *from, char **addr, char **name)
{
	char buf[MT_EMAIL_MAX + 1];
	const char *lt = strrchr(from, '<'), *gt;
	size_t n;

	*addr = *name = NULL;
	if (lt == NULL) {
		if (mt_valid_email(from, buf, sizeof(buf), NULL) < 0)
			return MT_EINVAL;
		*addr = strdup(buf);
		return *addr ? 0 : MT_ENOMEM;
	}
	gt = strchr(lt, '>');
	if (gt == NULL || gt[1] != '\0' || (size_t)(gt - lt - 1) > MT_EMAIL_MAX)
		return MT_EINVAL;
	memcpy(buf, lt + 1, (size_t)(gt - lt - 1));
	buf[gt - lt - 1] = '\0';
	{
		char low[MT_EMAIL_MAX + 1];
		if (mt_valid_email(buf, low, sizeof(low), NULL) < 0)
			return MT_EINVAL;
		*addr = strdup(low);
	}
	n = (size_t)(lt - from);
	while (n > 0 && from[n - 1] == ' ')
		n--;
	if (n >= 2 && from[0] == '"' && from[n - 1] == '"') {
		from++;
		n -= 2;
	}
	*name = malloc(n + 1);
	if (*addr == NULL || *name == NULL) {
		free(*addr);
		free(*name);
		*addr = *name = NULL;
		return MT_ENOMEM;
	}
	memcpy(*name, from, n);
	(*name)[n] = '\0';
	if (mt_valid_text(*name, 0, MT_NAME_MAX, 0, NULL) < 0) {
		free(*addr);
		free(*name);
		*addr = *name = NULL;
		return MT_EINVAL;
	}
	return 0;
}

/* Makes an SMTP channel. */
int channel_smtp_new(const struct channel_smtp_config *cfg, struct channel **out, char **cause)
{
	struct channel_smtp *s;
	const char *q;
	int r;

	*out = NULL;
	if (cfg->url == NULL ||
	    (strncmp(cfg->url, "smtp://", 7) != 0 && strncmp(cfg->url, "smtps://", 8) != 0)) {
		if (cause)
			*cause = strdup("MAITRE_SMTP_URL must start with smtp:// or smtps://");
		return MT_EINVAL;
	}
	if (sodium_init() < 0) {
		if (cause)
			*cause = strdup("libsodium failed to initialise");
		return MT_EIO;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto nomem;
	s->base.ops = &channel_smtp_ops;
	pthread_mutex_init(&s->lock, NULL);
	s->timeout_ms = cfg->timeout_ms;
	s->starttls = cfg->starttls;
	q = strchr(cfg->url, '?');
	if (q != NULL) {
		if (strcmp(q, "?starttls=1") == 0 || strcmp(q, "?starttls=true") == 0)
			s->starttls = 1;
		else if (strcmp(q, "?starttls=0") != 0) {
			channel_smtp_close(&s->base);
			if (cause)
				*cause = strdup("MAITRE_SMTP_URL: the only query understood is ?starttls=1");
			return MT_EINVAL;
		}
		s->url = mt_strf("%.*s", (int)(q - cfg->url), cfg->url);
	} else {
		s->url = strdup(cfg->url);
	}
	s->h = curl_easy_init();
	if (s->url == NULL || s->h == NULL)
		goto nomem;
	r = smtp_parse_from(cfg->from ? cfg->from : "", &s->from_addr, &s->from_name);
	if (r == MT_ENOMEM)
		goto nomem;
	if (r < 0) {
		channel_smtp_close(&s->base);
		if (cause)
			*cause = strdup("MAITRE_SMTP_FROM must be an address or \"Name <address>\"");
		return MT_EINVAL;
	}
	if ((cfg->user && (s->user = strdup(cfg->user)) == NULL) ||
	    (cfg->ca_file && (s->ca_file = strdup(cfg->ca_file)) == NULL) ||
	    (cfg->password && (s->password = strdup(cfg->password)) == NULL))
		goto nomem;
	*out = &s->base;
	return 0;
nomem:
	if (s)
		channel_smtp_close(&s->base);
	if (cause)
		*cause = strdup("out of memory");
	return MT_ENOMEM;
}
