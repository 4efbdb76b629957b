/* SMS through an HTTP gateway with the Twilio Messages API shape:
 * POST {base}/2010-04-01/Accounts/{account}/Messages.json, form-encoded
 * To, From, Body, HTTP basic auth account:token, idempotency headers. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/error.h"
#include "notify/channel.h"
#include "notify/channel-util.h"
#include "core/template.h"

/* An SMS gateway channel. */
struct channel_sms {
	struct channel base;   /* must be first */
	pthread_mutex_t lock;  /* one send at a time (the curl handle is not shared) */
	CURL *h;               /* reused handle (keeps the connection) */
	char *url;             /* full Messages.json URL */
	char *account;         /* basic-auth user */
	char *token;           /* basic-auth password, never logged */
	char *from;            /* sender */
	long timeout_ms;       /* total timeout per request */
};

/* Appends "name=value" (URL-encoded, '&' before all but the first). */
static int channel_sms_field(CURL *h, struct mt_buf *b, const char *name, const char *value)
{
	char *e = curl_easy_escape(h, value, 0);
	int r;

	if (e == NULL)
		return MT_ENOMEM;
	r = mt_buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, e);
	curl_free(e);
	return r;
}

/* Extracts a useful message from a gateway error body (Twilio: {"code",
 * "message"}) into a malloc'd string. */
static char *channel_sms_error_text(const struct mt_buf *resp)
{
	cJSON *j = resp->data ? cJSON_ParseWithLength(resp->data, resp->len) : NULL;
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
	char *out;

	if (cJSON_IsString(msg)) {
		char *clean = channel_clean_text(msg->valuestring, 150);
		if (clean && cJSON_IsNumber(code))
			out = mt_strf("%s (code %d)", clean, code->valueint);
		else
			out = clean ? strdup(clean) : NULL;
		free(clean);
	} else {
		out = channel_clean_text(resp->data ? resp->data : "", 150);
	}
	cJSON_Delete(j);
	return out;
}

/* Sends m->text to m->to_phone. */
static int channel_sms_send_locked(struct channel *c, const struct mt_message *m, char **reason)
{
	struct channel_sms *s = (struct channel_sms *)c;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL, *t;
	struct mt_buf body, resp;
	char *hkey = NULL, *hkey2 = NULL, *why;
	long status = 0;
	CURLcode rc;
	int r;

	if (m->to_phone == NULL || m->to_phone[0] != '+')
		return channel_fail(reason, MT_EINVAL, "no phone number to text");
	if (m->text == NULL || m->text[0] == '\0' || strlen(m->text) > MT_TEXT_MAX)
		return channel_fail(reason, MT_EINVAL, "message text is empty or too long");

	mt_buf_init(&body, 16 * 1024);
	mt_buf_init(&resp, CHANNEL_RESP_MAX);
	if (channel_sms_field(s->h, &body, "To", m->to_phone) < 0 ||
	    channel_sms_field(s->h, &body, "From", s->from) < 0 ||
	    channel_sms_field(s->h, &body, "Body", m->text) < 0) {
		r = channel_fail(reason, MT_ENOMEM, "out of memory");
		goto done;
	}
	if (m->key && m->key[0]) {
		hkey = mt_strf("I-Twilio-Idempotency-Token: %s", m->key);
		hkey2 = mt_strf("X-Maitre-Message-Key: %s", m->key);
		if (hkey == NULL || hkey2 == NULL) {
			r = channel_fail(reason, MT_ENOMEM, "out of memory");
			goto done;
		}
	}
	t = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
	hdrs = t;
	if (t) t = curl_slist_append(hdrs, "Accept: application/json");
	if (t && hkey) t = curl_slist_append(hdrs, hkey);
	if (t && hkey2) t = curl_slist_append(hdrs, hkey2);
	if (t == NULL) {
		r = channel_fail(reason, MT_ENOMEM, "out of memory");
		goto done;
	}

	curl_easy_reset(s->h);
	channel_curl_common(s->h, s->timeout_ms, "http,https", errbuf);
	curl_easy_setopt(s->h, CURLOPT_URL, s->url);
	curl_easy_setopt(s->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(s->h, CURLOPT_USERNAME, s->account);
	curl_easy_setopt(s->h, CURLOPT_PASSWORD, s->token);
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, body.data);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE, (long)body.len);
	curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, channel_curl_collect);
	curl_easy_setopt(s->h, CURLOPT_WRITEDATA, &resp);
	rc = curl_easy_perform(s->h);
	if (rc != CURLE_OK) {
		r = channel_curl_err(rc);
		channel_fail(reason, r, "SMS gateway %s: %s",
			     r == MT_EBUSY ? "unreachable" : "request failed",
			     errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	r = channel_http_err(status);
	if (r < 0) {
		why = channel_sms_error_text(&resp);
		channel_fail(reason, r, "SMS gateway %s (HTTP %ld): %s",
			     r == MT_EBUSY ? "temporarily failed" : "refused the message",
			     status, why && why[0] ? why : "no details");
		free(why);
	}
done:
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	free(hkey);
	free(hkey2);
	mt_buf_free(&body);
	mt_buf_free(&resp);
	return r;
}

/* Sends under the channel's lock, so several threads may share it. */
static int channel_sms_send(struct channel *c, const struct mt_message *m, char **reason)
{
	struct channel_sms *x = (struct channel_sms *)c;
	int r;

	pthread_mutex_lock(&x->lock);
	r = channel_sms_send_locked(c, m, reason);
	pthread_mutex_unlock(&x->lock);
	return r;
}

/* Frees the channel; the token is wiped first. */
static void channel_sms_close(struct channel *c)
{
	struct channel_sms *s = (struct channel_sms *)c;

	if (s == NULL)
		return;
	if (s->h)
		curl_easy_cleanup(s->h);
	if (s->token) {
		volatile char *p = s->token;
		while (*p)
			*p++ = '\0';
	}
	free(s->url);
	free(s->account);
	free(s->token);
	free(s->from);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct channel_ops channel_sms_ops = {
	.name = "sms",
	.send = channel_sms_send,
	.close = channel_sms_close,
};

/* Makes an SMS gateway channel. */
int channel_sms_new(const struct channel_sms_config *cfg, struct channel **out, char **cause)
{
	struct channel_sms *s;
	char *acct;
	size_t blen;

	*out = NULL;
	if (cfg->base_url == NULL || cfg->account == NULL || cfg->token == NULL || cfg->from == NULL ||
	    !cfg->account[0] || !cfg->token[0] || !cfg->from[0]) {
		if (cause)
			*cause = strdup("SMS gateway needs a URL, an account, a token and a sender");
		return MT_EINVAL;
	}
	if (strncmp(cfg->base_url, "http://", 7) != 0 && strncmp(cfg->base_url, "https://", 8) != 0) {
		if (cause)
			*cause = strdup("MAITRE_SMS_URL must start with http:// or https://");
		return MT_EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto nomem;
	s->base.ops = &channel_sms_ops;
	pthread_mutex_init(&s->lock, NULL);
	s->timeout_ms = cfg->timeout_ms;
	s->h = curl_easy_init();
	if (s->h == NULL)
		goto nomem;
	acct = curl_easy_escape(s->h, cfg->account, 0);
	if (acct == NULL)
		goto nomem;
	blen = strlen(cfg->base_url);
	while (blen > 0 && cfg->base_url[blen - 1] == '/')
		blen--;
	s->url = mt_strf("%.*s/2010-04-01/Accounts/%s/Messages.json", (int)blen, cfg->base_url, acct);
	curl_free(acct);
	s->account = strdup(cfg->account);
	s->token = strdup(cfg->token);
	s->from = strdup(cfg->from);
	if (s->url == NULL || s->account == NULL || s->token == NULL || s->from == NULL)
		goto nomem;
	*out = &s->base;
	return 0;
nomem:
	if (s)
		channel_sms_close(&s->base);
	if (cause)
		*cause = strdup("out of memory");
	return MT_ENOMEM;
}
