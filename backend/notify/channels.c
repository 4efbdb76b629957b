/* The channel set from the environment, and helpers the back ends share. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "aws/aws.h"
#include "core/error.h"
#include "notify/channel.h"
#include "notify/channel-util.h"

/* Sets *reason to a formatted string and returns err. */
int channel_fail(char **reason, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mt_vset_cause(reason, fmt, ap);
	va_end(ap);
	return err;
}

/* Sets the options every request has. */
void channel_curl_common(CURL *h, long timeout_ms, const char *protocols, char *errbuf)
{
	long t = timeout_ms > 0 ? timeout_ms : CHANNEL_TIMEOUT_DEFAULT_MS;

	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, t);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, t < CHANNEL_CONNECT_TIMEOUT_MS ? t : CHANNEL_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
	if (aws_ca_bundle() != NULL)   /* Lambda's Amazon Linux keeps it elsewhere than Debian */
		curl_easy_setopt(h, CURLOPT_CAINFO, aws_ca_bundle());
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
}

/* Write callback collecting a response into a struct mt_buf. */
size_t channel_curl_collect(char *p, size_t size, size_t n, void *userdata)
{
	struct mt_buf *b = userdata;
	size_t len = size * n, room = b->max > b->len ? b->max - b->len : 0;

	if (mt_buf_add(b, p, len < room ? len : room) == MT_ENOMEM)
		return 0;
	return len;
}

/* Maps a failed transfer to temporary or permanent. */
int channel_curl_err(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_AGAIN:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return MT_EBUSY;
	default:
		return MT_EIO;
	}
}

/* Maps an HTTP status to 0, MT_EBUSY or MT_EIO. */
int channel_http_err(long status)
{
	if (status >= 200 && status < 300)
		return 0;
	if (status == 408 || status == 429 || status >= 500)
		return MT_EBUSY;
	return MT_EIO;
}

/* Epoch ms of a message. */
int64_t channel_now_ms(int64_t now_ms)
{
	return now_ms > 0 ? now_ms : mt_clock_system_now(NULL);
}

/* Copies at most n bytes of s with control characters replaced. */
char *channel_clean_text(const char *s, size_t n)
{
	size_t len = strnlen(s, n), i;
	char *out = malloc(len + 1);

	if (out == NULL)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	/* Do not end inside a UTF-8 sequence. */
	if (len == n) {
		size_t k = len;
		while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)out[k - 1] & 0x80))
			out[k - 1] = '\0';
	}
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7F)
			out[i] = ' ';
	return out;
}

/* Writes a phone number with its middle digits masked. */
void mt_mask_phone(const char *phone, char *out, size_t outsz)
{
	size_t len, head, tail;

	if (outsz == 0)
		return;
	if (phone == NULL || phone[0] == '\0') {
		out[0] = '\0';
		return;
	}
	len = strlen(phone);
	head = len >= 10 ? 5 : 3;
	tail = len >= 10 ? 4 : 2;
	if (len <= head + tail) {
		snprintf(out, outsz, "%.*s***", (int)(len > 3 ? 3 : len), phone);
		return;
	}
	snprintf(out, outsz, "%.*s***%s", (int)head, phone, phone + len - tail);
}

/* Writes an e-mail with the local part masked. */
void mt_mask_email(const char *email, char *out, size_t outsz)
{
	const char *at;

	if (outsz == 0)
		return;
	if (email == NULL || (at = strchr(email, '@')) == NULL || at == email) {
		snprintf(out, outsz, "%s", email && email[0] ? "***" : "");
		return;
	}
	snprintf(out, outsz, "%c***%s", email[0], at);
}

/* Returns the value of an environment variable, NULL when unset or empty. */
static const char *channels_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Reads MAITRE_NOTIFY_TIMEOUT_MS (100..120000) into *out (0 when unset). */
static int channels_timeout(long *out, char **cause)
{
	const char *v = channels_env("MAITRE_NOTIFY_TIMEOUT_MS");
	char *end;
	long t;

	*out = 0;
	if (v == NULL)
		return 0;
	errno = 0;
	t = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || t < 100 || t > 120000) {
		if (cause)
			*cause = strdup("MAITRE_NOTIFY_TIMEOUT_MS must be a number of milliseconds in 100..120000");
		return MT_EINVAL;
	}
	*out = t;
	return 0;
}

/* Sets *cause to "VAR is set but OTHER is not" and returns MT_EINVAL. */
static int channels_missing(char **cause, const char *set, const char *missing)
{
	if (cause)
		*cause = mt_strf("%s is set but %s is not", set, missing);
	return MT_EINVAL;
}

/* Builds the SMS channel when MAITRE_SMS_URL is set. */
static int channels_sms(struct channel_set *set, long timeout, char **cause)
{
	struct channel_sms_config c = {
		.base_url = channels_env("MAITRE_SMS_URL"),
		.account = channels_env("MAITRE_SMS_ACCOUNT"),
		.token = channels_env("MAITRE_SMS_TOKEN"),
		.from = channels_env("MAITRE_SMS_FROM"),
		.timeout_ms = timeout,
	};

	if (c.base_url == NULL) {
		if (c.account || c.token || c.from)
			return channels_missing(cause, c.account ? "MAITRE_SMS_ACCOUNT" :
						c.token ? "MAITRE_SMS_TOKEN" : "MAITRE_SMS_FROM",
						"MAITRE_SMS_URL");
		return 0;
	}
	if (c.account == NULL)
		return channels_missing(cause, "MAITRE_SMS_URL", "MAITRE_SMS_ACCOUNT");
	if (c.token == NULL)
		return channels_missing(cause, "MAITRE_SMS_URL", "MAITRE_SMS_TOKEN");
	if (c.from == NULL)
		return channels_missing(cause, "MAITRE_SMS_URL", "MAITRE_SMS_FROM");
	return channel_sms_new(&c, &set->sms, cause);
}

/* Returns 1 when an env flag is "1", "true" or "yes". */
static int channels_flag(const char *name)
{
	const char *v = channels_env(name);

	return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0);
}

/* Builds the SMTP channel when MAITRE_SMTP_URL is set. */
static int channels_smtp(struct channel_set *set, long timeout, char **cause)
{
	struct channel_smtp_config c = {
		.url = channels_env("MAITRE_SMTP_URL"),
		.from = channels_env("MAITRE_SMTP_FROM"),
		.user = channels_env("MAITRE_SMTP_USER"),
		.password = channels_env("MAITRE_SMTP_PASSWORD"),
		.starttls = channels_flag("MAITRE_SMTP_STARTTLS"),
		.ca_file = channels_env("MAITRE_SMTP_CA_FILE"),
		.timeout_ms = timeout,
	};

	if (c.url == NULL) {
		if (c.from)
			return channels_missing(cause, "MAITRE_SMTP_FROM", "MAITRE_SMTP_URL");
		return 0;
	}
	if (c.from == NULL)
		return channels_missing(cause, "MAITRE_SMTP_URL", "MAITRE_SMTP_FROM");
	if (c.password && c.user == NULL)
		return channels_missing(cause, "MAITRE_SMTP_PASSWORD", "MAITRE_SMTP_USER");
	return channel_smtp_new(&c, &set->email, cause);
}

/* Builds the webhook channel when MAITRE_WEBHOOK_URL is set. */
static int channels_webhook(struct channel_set *set, long timeout, char **cause)
{
	struct channel_webhook_config c = {
		.url = channels_env("MAITRE_WEBHOOK_URL"),
		.secret = channels_env("MAITRE_WEBHOOK_SECRET"),
		.timeout_ms = timeout,
	};

	if (c.url == NULL) {
		if (c.secret)
			return channels_missing(cause, "MAITRE_WEBHOOK_SECRET", "MAITRE_WEBHOOK_URL");
		return 0;
	}
	if (c.secret == NULL)
		return channels_missing(cause, "MAITRE_WEBHOOK_URL", "MAITRE_WEBHOOK_SECRET");
	return channel_webhook_new(&c, &set->webhook, cause);
}

/* Builds the channel set from the environment. */
int mt_channels_from_env(struct channel_set **out, char **cause)
{
	struct channel_set *set;
	long timeout;
	int r;

	*out = NULL;
	if (cause)
		*cause = NULL;
	set = calloc(1, sizeof(*set));
	if (set == NULL)
		return MT_ENOMEM;
	if ((r = channels_timeout(&timeout, cause)) < 0 ||
	    (r = channels_sms(set, timeout, cause)) < 0 ||
	    (r = channels_smtp(set, timeout, cause)) < 0 ||
	    (r = channels_webhook(set, timeout, cause)) < 0 ||
	    (r = channel_log_new(NULL, &set->log, cause)) < 0) {
		mt_channels_free(set);
		return r;
	}
	*out = set;
	return 0;
}

/* Frees a set and its channels. */
void mt_channels_free(struct channel_set *set)
{
	if (set == NULL)
		return;
	channel_close(set->sms);
	channel_close(set->email);
	channel_close(set->webhook);
	channel_close(set->log);
	free(set);
}

/* Copies MAITRE_SMS_HOOK_SECRET into out. */
int mt_sms_hook_secret_from_env(char *out, size_t outsz)
{
	const char *v = channels_env("MAITRE_SMS_HOOK_SECRET");

	if (outsz == 0)
		return MT_EINVAL;
	out[0] = '\0';
	if (v == NULL)
		return 0;
	if (strlen(v) >= outsz)
		return MT_EINVAL;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}
