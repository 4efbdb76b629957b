/* Webhook: a JSON POST of each notification, signed with HMAC-SHA256.
 *
 * Body: {"event":"notification","kind","key","waiteeId","waitlistId",
 * "text","via","timestamp"} (timestamp: wall-clock epoch seconds). Headers:
 * X-Maitre-Timestamp: <timestamp>, X-Maitre-Signature: sha256=<hex of
 * HMAC-SHA256(secret, "<timestamp>.<body>")>, X-Maitre-Message-Key: key. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sodium.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/error.h"
#include "notify/channel.h"
#include "notify/channel-util.h"

/* A webhook channel. */
struct channel_webhook {
	struct channel base;   /* must be first */
	pthread_mutex_t lock;  /* one send at a time (the curl handle is not shared) */
	CURL *h;               /* reused handle */
	char *url;             /* receiver */
	unsigned char *secret; /* HMAC key, never logged */
	size_t secret_len;     /* bytes in secret */
	long timeout_ms;       /* total timeout per request */
};

/* Builds the JSON body of a message (malloc'd, NULL when out of memory). */
static char *channel_webhook_body(const struct mt_message *m, long long ts)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	int ok = o != NULL;

	ok = ok && cJSON_AddStringToObject(o, "event", "notification") != NULL;
	ok = ok && cJSON_AddStringToObject(o, "kind", m->kind ? m->kind : "") != NULL;
	ok = ok && cJSON_AddStringToObject(o, "key", m->key ? m->key : "") != NULL;
	ok = ok && cJSON_AddStringToObject(o, "waiteeId", m->waitee_id ? m->waitee_id : "") != NULL;
	ok = ok && cJSON_AddStringToObject(o, "waitlistId", m->waitlist_id ? m->waitlist_id : "") != NULL;
	ok = ok && cJSON_AddStringToObject(o, "text", m->text ? m->text : "") != NULL;
	ok = ok && (m->via ? cJSON_AddStringToObject(o, "via", m->via) : cJSON_AddNullToObject(o, "via")) != NULL;
	ok = ok && cJSON_AddNumberToObject(o, "timestamp", (double)ts) != NULL;
	if (ok)
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Writes "sha256=<hex HMAC-SHA256(secret, ts.body)>" into out (8+64+1 bytes). */
static void channel_webhook_sign(const struct channel_webhook *w, const char *ts, const char *body,
				 char out[80])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, w->secret, w->secret_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, 80 - 7, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}

/* POSTs the signed event for m. */
static int channel_webhook_send_locked(struct channel *c, const struct mt_message *m, char **reason)
{
	struct channel_webhook *w = (struct channel_webhook *)c;
	char errbuf[CURL_ERROR_SIZE], ts[32], sig[80], h_ts[64], h_sig[112];
	struct curl_slist *hdrs = NULL, *t;
	struct mt_buf resp;
	char *body, *hkey = NULL, *why;
	/* The wall clock, not m->now_ms: receivers check it against theirs. */
	long long now_s = (long long)(channel_now_ms(0) / 1000);
	long status = 0;
	CURLcode rc;
	int r;

	body = channel_webhook_body(m, now_s);
	if (body == NULL)
		return channel_fail(reason, MT_ENOMEM, "out of memory");
	snprintf(ts, sizeof(ts), "%lld", now_s);
	channel_webhook_sign(w, ts, body, sig);
	snprintf(h_ts, sizeof(h_ts), "X-Maitre-Timestamp: %s", ts);
	snprintf(h_sig, sizeof(h_sig), "X-Maitre-Signature: %s", sig);
	mt_buf_init(&resp, CHANNEL_RESP_MAX);
	if (m->key && m->key[0] && (hkey = mt_strf("X-Maitre-Message-Key: %s", m->key)) == NULL) {
		r = channel_fail(reason, MT_ENOMEM, "out of memory");
		goto done;
	}
	t = hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (t) t = curl_slist_append(hdrs, h_ts);
	if (t) t = curl_slist_append(hdrs, h_sig);
	if (t && hkey) t = curl_slist_append(hdrs, hkey);
	if (t == NULL) {
		r = channel_fail(reason, MT_ENOMEM, "out of memory");
		goto done;
	}
	curl_easy_reset(w->h);
	channel_curl_common(w->h, w->timeout_ms, "http,https", errbuf);
	curl_easy_setopt(w->h, CURLOPT_URL, w->url);
	curl_easy_setopt(w->h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(w->h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(w->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(w->h, CURLOPT_WRITEFUNCTION, channel_curl_collect);
	curl_easy_setopt(w->h, CURLOPT_WRITEDATA, &resp);
	rc = curl_easy_perform(w->h);
	if (rc != CURLE_OK) {
		r = channel_curl_err(rc);
		channel_fail(reason, r, "webhook %s: %s", r == MT_EBUSY ? "unreachable" : "request failed",
			     errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
	r = channel_http_err(status);
	if (r < 0) {
		why = channel_clean_text(resp.data ? resp.data : "", 120);
		channel_fail(reason, r, "webhook answered HTTP %ld%s%s", status,
			     why && why[0] ? ": " : "", why ? why : "");
		free(why);
	}
done:
	curl_easy_setopt(w->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	free(hkey);
	free(body);
	mt_buf_free(&resp);
	return r;
}

/* Sends under the channel's lock, so several threads may share it. */
static int channel_webhook_send(struct channel *c, const struct mt_message *m, char **reason)
{
	struct channel_webhook *x = (struct channel_webhook *)c;
	int r;

	pthread_mutex_lock(&x->lock);
	r = channel_webhook_send_locked(c, m, reason);
	pthread_mutex_unlock(&x->lock);
	return r;
}

/* Frees the channel; the secret is wiped first. */
static void channel_webhook_close(struct channel *c)
{
	struct channel_webhook *w = (struct channel_webhook *)c;

	if (w->h)
		curl_easy_cleanup(w->h);
	if (w->secret) {
		sodium_memzero(w->secret, w->secret_len);
		free(w->secret);
	}
	free(w->url);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

static const struct channel_ops channel_webhook_ops = {
	.name = "webhook",
	.send = channel_webhook_send,
	.close = channel_webhook_close,
};

/* Makes a webhook channel. */
int channel_webhook_new(const struct channel_webhook_config *cfg, struct channel **out, char **cause)
{
	struct channel_webhook *w;

	*out = NULL;
	if (cfg->url == NULL ||
	    (strncmp(cfg->url, "http://", 7) != 0 && strncmp(cfg->url, "https://", 8) != 0)) {
		if (cause)
			*cause = strdup("MAITRE_WEBHOOK_URL must start with http:// or https://");
		return MT_EINVAL;
	}
	if (cfg->secret == NULL || strlen(cfg->secret) < 16) {
		if (cause)
			*cause = strdup("MAITRE_WEBHOOK_SECRET must be at least 16 characters");
		return MT_EINVAL;
	}
	if (sodium_init() < 0) {
		if (cause)
			*cause = strdup("libsodium failed to initialise");
		return MT_EIO;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto nomem;
	w->base.ops = &channel_webhook_ops;
	pthread_mutex_init(&w->lock, NULL);
	w->timeout_ms = cfg->timeout_ms;
	w->secret_len = strlen(cfg->secret);
	w->secret = malloc(w->secret_len);
	w->url = strdup(cfg->url);
	w->h = curl_easy_init();
	if (w->secret == NULL || w->url == NULL || w->h == NULL)
		goto nomem;
	memcpy(w->secret, cfg->secret, w->secret_len);
	*out = &w->base;
	return 0;
nomem:
	if (w)
		channel_webhook_close(&w->base);
	if (cause)
		*cause = strdup("out of memory");
	return MT_ENOMEM;
}
