/* AWS JSON 1.0 requests over libcurl with SigV4, retries and counters. */
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <time.h>
#include "aws/aws.h"
#include "aws/creds.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"

#define AWS_BODY_MAX (16u * 1024u * 1024u)  /* largest answer we accept */
#define AWS_POOL_MAX 64                     /* idle easy handles kept */
#define AWS_TARGETS_MAX 64                  /* distinct targets counted */

struct aws_client {
	char *region;                /* signing region */
	char *base_url;              /* endpoint with a trailing '/', or NULL = per service default */
	char *access_key;            /* key id (secret material: never logged) */
	char *secret_key;            /* secret key (never logged) */
	char *token_header;          /* "X-Amz-Security-Token: ..." or NULL */
	enum aws_creds_source src;   /* where the three above come from (the chain's are refreshed) */
	int64_t expires_ms;          /* when they expire (epoch ms), 0 = never */
	pthread_mutex_t creds_lock;  /* guards the credentials and their refresh */
	int max_tries;               /* attempts per request */
	int max_total_ms;            /* retry budget */
	int base_delay_ms;           /* first backoff ceiling */
	int max_delay_ms;            /* backoff ceiling cap */
	int attempt_timeout_ms;      /* one attempt's timeout */
	pthread_mutex_t lock;        /* guards pool and counters */
	CURL *pool[AWS_POOL_MAX];    /* idle easy handles (keep their connections) */
	size_t npool;                /* handles in pool */
	struct aws_target_count counts[AWS_TARGETS_MAX]; /* per-target counters */
	size_t ncounts;              /* entries used in counts */
};

static pthread_once_t aws_once = PTHREAD_ONCE_INIT;

static int aws_client_from_chain(const struct aws_client_config *cfg, struct aws_client **out, char **cause);
static int aws_global_rc;        /* curl_global_init result */

/* Initialises libcurl once per process. */
static void aws_global_init(void)
{
	aws_global_rc = (int)curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* strdup that reports failure through the return value only. */
static char *aws_strdup(const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

/* Picks v when positive, else the default. */
static int aws_or(int v, int def)
{
	return v > 0 ? v : def;
}

/* Makes a client from an explicit configuration. */
int aws_client_new(const struct aws_client_config *cfg, struct aws_client **out, char **cause)
{
	struct aws_client *c;
	size_t n;

	*out = NULL;
	if (cause)
		*cause = NULL;
	if (cfg == NULL || cfg->region == NULL || cfg->region[0] == '\0') {
		mt_set_cause(cause, "no AWS region (set AWS_REGION or region=)");
		return MT_EINVAL;
	}
	if (cfg->access_key == NULL || cfg->access_key[0] == '\0' || cfg->secret_key == NULL ||
	    cfg->secret_key[0] == '\0') {
		if (cfg->use_chain)
			return aws_client_from_chain(cfg, out, cause);
		mt_set_cause(cause, "no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
		return MT_EINVAL;
	}
	if (strchr(cfg->region, ':') || strchr(cfg->access_key, ':')) {
		mt_set_cause(cause, "AWS region or access key contains ':'");
		return MT_EINVAL;
	}
	pthread_once(&aws_once, aws_global_init);
	if (aws_global_rc != 0) {
		mt_set_cause(cause, "curl_global_init failed");
		return MT_EIO;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return MT_ENOMEM;
	c->region = aws_strdup(cfg->region);
	c->access_key = aws_strdup(cfg->access_key);
	c->secret_key = aws_strdup(cfg->secret_key);
	if (cfg->endpoint && cfg->endpoint[0]) {
		n = strlen(cfg->endpoint);
		while (n > 0 && cfg->endpoint[n - 1] == '/')
			n--;
		c->base_url = malloc(n + 2);
		if (c->base_url) {
			memcpy(c->base_url, cfg->endpoint, n);
			c->base_url[n] = '/';
			c->base_url[n + 1] = '\0';
		}
	}
	if (cfg->session_token && cfg->session_token[0]) {
		n = strlen(cfg->session_token) + sizeof "X-Amz-Security-Token: ";
		c->token_header = malloc(n);
		if (c->token_header)
			snprintf(c->token_header, n, "X-Amz-Security-Token: %s", cfg->session_token);
	}
	if (c->region == NULL || c->access_key == NULL || c->secret_key == NULL ||
	    (cfg->endpoint && cfg->endpoint[0] && c->base_url == NULL) ||
	    (cfg->session_token && cfg->session_token[0] && c->token_header == NULL)) {
		aws_client_free(c);
		return MT_ENOMEM;
	}
	c->max_tries = aws_or(cfg->max_tries, 5);
	c->max_total_ms = aws_or(cfg->max_total_ms, 2000);
	c->base_delay_ms = aws_or(cfg->base_delay_ms, 25);
	c->max_delay_ms = aws_or(cfg->max_delay_ms, 500);
	c->attempt_timeout_ms = aws_or(cfg->attempt_timeout_ms, 5000);
	if (pthread_mutex_init(&c->creds_lock, NULL) != 0) {
		free(c->region);
		free(c->access_key);
		free(c->secret_key);
		free(c->base_url);
		free(c->token_header);
		free(c);
		return MT_ENOMEM;
	}
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		pthread_mutex_destroy(&c->creds_lock);
		free(c->region);
		free(c->access_key);
		free(c->secret_key);
		free(c->base_url);
		free(c->token_header);
		free(c);
		return MT_ENOMEM;
	}
	*out = c;
	return 0;
}

/* 1 when url is a loopback endpoint (a local emulator: no instance metadata). */
static int aws_loopback(const char *url)
{
	return url != NULL && (strstr(url, "://127.") != NULL || strstr(url, "://localhost") != NULL ||
			       strstr(url, "://[::1]") != NULL);
}

/* Replaces the client's credentials with fresh ones (caller holds creds_lock). */
static int aws_creds_set(struct aws_client *c, const struct aws_creds *k)
{
	size_t n = strlen(k->token) + sizeof "X-Amz-Security-Token: ";
	char *a = aws_strdup(k->access_key), *sk = aws_strdup(k->secret_key), *t = NULL;

	if (k->token[0] && (t = malloc(n)) != NULL)
		snprintf(t, n, "X-Amz-Security-Token: %s", k->token);
	if (a == NULL || sk == NULL || (k->token[0] && t == NULL)) {
		free(a);
		free(sk);
		free(t);
		return MT_ENOMEM;
	}
	if (c->secret_key)
		memset(c->secret_key, 0, strlen(c->secret_key));
	if (c->token_header)
		memset(c->token_header, 0, strlen(c->token_header));
	free(c->access_key);
	free(c->secret_key);
	free(c->token_header);
	c->access_key = a;
	c->secret_key = sk;
	c->token_header = t;
	c->expires_ms = k->expires_ms;
	return 0;
}

/* Makes a client whose credentials come from the chain (aws/creds.h). */
static int aws_client_from_chain(const struct aws_client_config *cfg, struct aws_client **out, char **cause)
{
	struct aws_client_config c2 = *cfg;
	enum aws_creds_source src = AWS_CREDS_STATIC;
	struct aws_creds k;
	int r;

	/* a local emulator off EC2: do not wait on the link-local metadata address */
	r = aws_creds_chain(aws_loopback(cfg->endpoint) && getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT") == NULL, &src,
			    &k, cause);
	if (r != 0)
		return r;
	c2.access_key = k.access_key;
	c2.secret_key = k.secret_key;
	c2.session_token = k.token[0] ? k.token : NULL;
	c2.use_chain = 0;
	r = aws_client_new(&c2, out, cause);
	if (r == 0) {
		(*out)->src = src;
		(*out)->expires_ms = k.expires_ms;
	}
	aws_creds_clear(&k);
	return r;
}

/* Copies the credentials for one request into akid / secret / *tokhdr
 * (malloc'd or NULL), fetching them again first when they come from the
 * chain and expire within AWS_CREDS_REFRESH_MS. Expired ones that cannot be
 * renewed fail the request (MT_EIO, *why set); still valid ones are used
 * while a refresh fails. */
static int aws_creds_current(struct aws_client *c, char *akid, size_t an, char *secret, size_t sn,
			     char **tokhdr, char **why)
{
	int64_t now;
	int r = 0;

	*tokhdr = NULL;
	pthread_mutex_lock(&c->creds_lock);
	if (c->src != AWS_CREDS_STATIC && c->expires_ms > 0) {
		now = mt_clock_system_now(NULL);
		if (now + AWS_CREDS_REFRESH_MS >= c->expires_ms) {
			struct aws_creds k;

			if (aws_creds_fetch(c->src, &k, why) == 0) {
				r = aws_creds_set(c, &k);
			} else if (now >= c->expires_ms) {
				r = MT_EIO;
			} else {   /* still valid: use them, try again at the next request */
				free(*why);
				*why = NULL;
			}
			aws_creds_clear(&k);
		}
	}
	if (r == 0) {
		snprintf(akid, an, "%s", c->access_key);
		snprintf(secret, sn, "%s", c->secret_key);
		if (c->token_header && (*tokhdr = aws_strdup(c->token_header)) == NULL)
			r = MT_ENOMEM;
	}
	pthread_mutex_unlock(&c->creds_lock);
	return r;
}

/* Makes a client from the standard AWS environment variables. */
int aws_client_from_env(const char *region, const char *endpoint, struct aws_client **out,
			char **cause)
{
	struct aws_client_config cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.region = region && region[0] ? region : getenv("AWS_REGION");
	if (cfg.region == NULL || cfg.region[0] == '\0')
		cfg.region = getenv("AWS_DEFAULT_REGION");
	cfg.endpoint = endpoint;
	cfg.access_key = getenv("AWS_ACCESS_KEY_ID");
	cfg.secret_key = getenv("AWS_SECRET_ACCESS_KEY");
	cfg.session_token = getenv("AWS_SESSION_TOKEN");
	cfg.use_chain = 1;
	return aws_client_new(&cfg, out, cause);
}

/* Frees the client, its pooled handles and its copies of the credentials. */
void aws_client_free(struct aws_client *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->npool; i++)
		curl_easy_cleanup(c->pool[i]);
	if (c->secret_key)
		memset(c->secret_key, 0, strlen(c->secret_key));
	if (c->token_header)
		memset(c->token_header, 0, strlen(c->token_header));
	free(c->region);
	free(c->base_url);
	free(c->access_key);
	free(c->secret_key);
	free(c->token_header);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->creds_lock);
	free(c);
}

/* The client's region. */
const char *aws_client_region(const struct aws_client *c)
{
	return c->region;
}

static pthread_once_t aws_ca_once = PTHREAD_ONCE_INIT;
static const char *aws_ca_path;   /* chosen once by aws_ca_pick */

/* Picks the CA bundle (see aws_ca_bundle). */
static void aws_ca_pick(void)
{
	static const char *const usual[] = {
		"/etc/ssl/certs/ca-certificates.crt",   /* Debian, Ubuntu */
		"/etc/pki/tls/certs/ca-bundle.crt",     /* Amazon Linux (Lambda provided.al2023), Fedora */
		"/etc/ssl/cert.pem",                    /* Alpine, macOS */
		NULL,
	};
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	const char *env = getenv("SSL_CERT_FILE");
	size_t i;

	if (env != NULL && env[0] != '\0') {
		aws_ca_path = env;
		return;
	}
	if (v != NULL && v->cainfo != NULL && access(v->cainfo, R_OK) == 0)
		return;   /* libcurl's own default is there: leave it */
	for (i = 0; usual[i] != NULL; i++) {
		if (access(usual[i], R_OK) == 0) {
			aws_ca_path = usual[i];
			return;
		}
	}
}

/* The CA bundle for TLS, or NULL to keep libcurl's built-in one. */
const char *aws_ca_bundle(void)
{
	pthread_once(&aws_ca_once, aws_ca_pick);
	return aws_ca_path;
}

/* Takes an idle easy handle from the pool or makes one. */
static CURL *aws_handle_get(struct aws_client *c)
{
	CURL *h = NULL;

	pthread_mutex_lock(&c->lock);
	if (c->npool > 0)
		h = c->pool[--c->npool];
	pthread_mutex_unlock(&c->lock);
	if (h == NULL)
		h = curl_easy_init();
	return h;
}

/* Returns a handle to the pool (or frees it when the pool is full). */
static void aws_handle_put(struct aws_client *c, CURL *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->npool < AWS_POOL_MAX) {
		c->pool[c->npool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	if (h)
		curl_easy_cleanup(h);
}

/* Adds one call's outcome to the target's counters. */
static void aws_count(struct aws_client *c, const char *target, int attempts, int failed)
{
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->ncounts; i++)
		if (strcmp(c->counts[i].target, target) == 0)
			break;
	if (i == c->ncounts && c->ncounts < AWS_TARGETS_MAX) {
		snprintf(c->counts[i].target, sizeof c->counts[i].target, "%s", target);
		c->ncounts++;
	}
	if (i < c->ncounts) {
		c->counts[i].calls++;
		c->counts[i].attempts += (uint64_t)attempts;
		if (failed)
			c->counts[i].errors++;
	}
	pthread_mutex_unlock(&c->lock);
}

/* Calls made for one target. */
uint64_t aws_client_calls(struct aws_client *c, const char *target)
{
	uint64_t n = 0;
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->ncounts; i++)
		if (strcmp(c->counts[i].target, target) == 0)
			n = c->counts[i].calls;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* Copies the per-target counters. */
size_t aws_client_counts(struct aws_client *c, struct aws_target_count *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->ncounts;
	if (out)
		memcpy(out, c->counts, (n < max ? n : max) * sizeof *out);
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* Sums calls and attempts over every target. */
void aws_client_totals(struct aws_client *c, uint64_t *calls, uint64_t *attempts)
{
	uint64_t a = 0, b = 0;
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->ncounts; i++) {
		a += c->counts[i].calls;
		b += c->counts[i].attempts;
	}
	pthread_mutex_unlock(&c->lock);
	if (calls)
		*calls = a;
	if (attempts)
		*attempts = b;
}

/* Zeroes every counter. */
void aws_client_counts_reset(struct aws_client *c)
{
	pthread_mutex_lock(&c->lock);
	c->ncounts = 0;
	memset(c->counts, 0, sizeof c->counts);
	pthread_mutex_unlock(&c->lock);
}

/* Frees what a response holds. */
void aws_response_free(struct aws_response *r)
{
	if (r == NULL)
		return;
	free(r->body);
	free(r->cause);
	memset(r, 0, sizeof *r);
}

/* 1 when the response carries this error type. */
int aws_error_is(const struct aws_response *r, const char *type)
{
	return r && type && strcmp(r->error_type, type) == 0;
}

/* A per-thread xorshift64* generator for jitter. */
static uint64_t aws_rand(void)
{
	static _Thread_local uint64_t state;
	struct timespec ts;

	if (state == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&ts;
		if (state == 0)
			state = 0x9e3779b97f4a7c15ull;
	}
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dull;
}

/* Sleeps ms milliseconds. */
static void aws_sleep_ms(int ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* The "full jitter" delay before retry number `retry` (1-based). */
static int aws_backoff_ms(const struct aws_client *c, int retry)
{
	int64_t ceil = c->base_delay_ms;
	int i;

	for (i = 1; i < retry && ceil < c->max_delay_ms; i++)
		ceil *= 2;
	if (ceil > c->max_delay_ms)
		ceil = c->max_delay_ms;
	return (int)(aws_rand() % (uint64_t)(ceil + 1));
}

/* libcurl write callback: appends to an mt_buf. */
static size_t aws_on_body(char *p, size_t size, size_t n, void *ud)
{
	struct mt_buf *b = ud;

	if (mt_buf_add(b, p, size * n) != 0)
		return 0;
	return size * n;
}

/* What we keep from the answer's headers. */
struct aws_hdrs {
	char error_type[128];   /* from x-amzn-ErrorType, "" = absent */
};

/* libcurl header callback: picks x-amzn-ErrorType. */
static size_t aws_on_header(char *p, size_t size, size_t n, void *ud)
{
	struct aws_hdrs *h = ud;
	size_t len = size * n, k = sizeof "x-amzn-ErrorType:" - 1, i, j = 0;

	if (len > k && strncasecmp(p, "x-amzn-ErrorType:", k) == 0) {
		i = k;
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		while (i < len && p[i] != ':' && p[i] != '\r' && p[i] != '\n' && j + 1 < sizeof h->error_type)
			h->error_type[j++] = p[i++];
		h->error_type[j] = '\0';
	}
	return len;
}

/* Fills r->error_type and a message from an AWS JSON error body. */
static void aws_parse_error(struct aws_response *r, const struct aws_hdrs *h, char *msg, size_t msgsz)
{
	cJSON *doc = NULL, *t, *m;
	const char *type = NULL, *hash;

	msg[0] = '\0';
	if (r->body)
		doc = cJSON_ParseWithLength(r->body, r->body_len);
	t = doc ? cJSON_GetObjectItemCaseSensitive(doc, "__type") : NULL;
	if (cJSON_IsString(t))
		type = t->valuestring;
	else if (h->error_type[0])
		type = h->error_type;
	if (type) {
		hash = strrchr(type, '#');
		snprintf(r->error_type, sizeof r->error_type, "%s", hash ? hash + 1 : type);
	}
	m = doc ? cJSON_GetObjectItemCaseSensitive(doc, "message") : NULL;
	if (!cJSON_IsString(m))
		m = doc ? cJSON_GetObjectItemCaseSensitive(doc, "Message") : NULL;
	if (cJSON_IsString(m))
		snprintf(msg, msgsz, "%s", m->valuestring);
	cJSON_Delete(doc);
}

/* 1 when this error type is throttling. */
static int aws_is_throttle(const char *type)
{
	static const char *const names[] = {
		"ThrottlingException", "ProvisionedThroughputExceededException",
		"RequestLimitExceeded", "Throttling", "ThrottledException",
		"RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
		"SlowDown", NULL,
	};
	int i;

	for (i = 0; names[i]; i++)
		if (strcmp(type, names[i]) == 0)
			return 1;
	return 0;
}

/* 1 when a curl failure is a transport problem worth retrying. */
static int aws_curl_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* Outcome class of one attempt. */
enum aws_outcome {
	AWS_OK,          /* 2xx */
	AWS_FATAL,       /* not retried */
	AWS_RETRY_IO,    /* transport or 5xx: retry, MT_EIO at the end */
	AWS_RETRY_BUSY,  /* throttled: retry, MT_EBUSY at the end */
};

/* Makes one HTTP attempt; fills r and msg; returns its outcome. */
static enum aws_outcome aws_attempt(struct aws_client *c, CURL *h, const char *url,
				    const char *sigv4, const char *akid, const char *secret,
				    struct curl_slist *hdrs, const char *body,
				    struct aws_response *r, char *msg, size_t msgsz)
{
	struct mt_buf b;
	struct aws_hdrs ah;
	CURLcode rc;
	char errbuf[CURL_ERROR_SIZE];

	mt_buf_init(&b, AWS_BODY_MAX);
	memset(&ah, 0, sizeof ah);
	errbuf[0] = '\0';
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
	r->error_type[0] = '\0';
	r->http_status = 0;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(h, CURLOPT_USERNAME, akid);
	curl_easy_setopt(h, CURLOPT_PASSWORD, secret);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, aws_on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, aws_on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &ah);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->attempt_timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->attempt_timeout_ms < 2000 ? c->attempt_timeout_ms : 2000));
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (aws_ca_bundle() != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, aws_ca_bundle());

	rc = curl_easy_perform(h);
	/* Unhook our stack buffers from the pooled handle. */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK) {
		mt_buf_free(&b);
		snprintf(msg, msgsz, "transport: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return aws_curl_retryable(rc) ? AWS_RETRY_IO : AWS_FATAL;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->http_status);
	r->body_len = b.len;
	r->body = mt_buf_take(&b);
	if (r->body == NULL) {
		snprintf(msg, msgsz, "out of memory");
		return AWS_FATAL;
	}
	if (r->http_status >= 200 && r->http_status < 300)
		return AWS_OK;
	aws_parse_error(r, &ah, msg, msgsz);
	if (aws_is_throttle(r->error_type))
		return AWS_RETRY_BUSY;
	if (r->http_status == 429)
		return AWS_RETRY_BUSY;
	if (r->http_status >= 500 || strcmp(r->error_type, "InternalServerError") == 0 ||
	    strcmp(r->error_type, "ServiceUnavailable") == 0)
		return AWS_RETRY_IO;
	return AWS_FATAL;
}

/* Zeroes and frees a request's copies of the secret and the token header. */
static void aws_secret_free(char *tokhdr, char *secret, size_t sn)
{
	volatile char *p = secret;
	size_t i;

	for (i = 0; i < sn; i++)
		p[i] = 0;
	if (tokhdr != NULL) {
		memset(tokhdr, 0, strlen(tokhdr));
		free(tokhdr);
	}
}

/* The "X-Amzn-Trace-Id: ..." header line for the running Lambda invocation
 * into line (size bytes), or 0 when there is none. As the AWS SDKs do on
 * Lambda: the invocation's X-Ray trace (_X_AMZN_TRACE_ID, set by the
 * bootstrap per invocation, lambda/invoke.c) goes on every AWS call it
 * makes, so the calls show in its trace; only under Lambda
 * (AWS_LAMBDA_FUNCTION_NAME set), never for a value that could break the
 * header. */
static int aws_trace_header(char *line, size_t size)
{
	const char *fn = getenv("AWS_LAMBDA_FUNCTION_NAME"), *t = getenv("_X_AMZN_TRACE_ID");
	size_t i;
	int n;

	if (fn == NULL || fn[0] == '\0' || t == NULL || t[0] == '\0')
		return 0;
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return 0;
	n = snprintf(line, size, "X-Amzn-Trace-Id: %s", t);
	return n > 0 && (size_t)n < size;
}

/* POSTs a signed AWS JSON request (content_type: its Content-Type header line) with retries. */
static int aws_request_as(struct aws_client *c, const char *service, const char *target,
			  const char *content_type, const char *json_body, struct aws_response *out)
{
	struct curl_slist *hdrs = NULL, *tmp;
	char url[1024], sigv4[256], thdr[256], msg[512], akid[128], secret[128], trace[600];
	char *tokhdr = NULL, *why = NULL;
	enum aws_outcome oc = AWS_FATAL;
	int64_t start;
	int tries = 0, rc, delay;
	CURL *h;

	memset(out, 0, sizeof *out);
	if (c == NULL || service == NULL || target == NULL || json_body == NULL ||
	    strchr(service, ':') || strpbrk(target, "\r\n")) {
		out->cause = aws_strdup("aws_request: bad arguments");
		return MT_EINVAL;
	}
	if (c->base_url)
		snprintf(url, sizeof url, "%s", c->base_url);
	else
		snprintf(url, sizeof url, "https://%s.%s.amazonaws.com/", service, c->region);
	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:%s", c->region, service);
	snprintf(thdr, sizeof thdr, "X-Amz-Target: %s", target);

	if (aws_creds_current(c, akid, sizeof akid, secret, sizeof secret, &tokhdr, &why) != 0) {
		snprintf(msg, sizeof msg, "%s %s: credentials expired and could not be renewed: %s", service, target,
			 why ? why : "out of memory");
		free(why);
		out->cause = aws_strdup(msg);
		return MT_EIO;
	}
	hdrs = curl_slist_append(NULL, content_type);
	tmp = hdrs ? curl_slist_append(hdrs, thdr) : NULL;
	if (tmp && tokhdr)
		tmp = curl_slist_append(hdrs, tokhdr);
	if (tmp && aws_trace_header(trace, sizeof trace))
		tmp = curl_slist_append(hdrs, trace);
	h = tmp ? aws_handle_get(c) : NULL;
	if (h == NULL) {
		curl_slist_free_all(hdrs);
		aws_secret_free(tokhdr, secret, sizeof secret);
		out->cause = aws_strdup("out of memory");
		return MT_ENOMEM;
	}

	start = mt_clock_mono_ms();
	msg[0] = '\0';
	for (;;) {
		tries++;
		oc = aws_attempt(c, h, url, sigv4, akid, secret, hdrs, json_body, out, msg, sizeof msg);
		if (oc == AWS_OK || oc == AWS_FATAL || tries >= c->max_tries)
			break;
		delay = aws_backoff_ms(c, tries);
		if (mt_clock_mono_ms() - start + delay >= c->max_total_ms)
			break;
		aws_sleep_ms(delay);
	}
	aws_handle_put(c, h);
	curl_slist_free_all(hdrs);
	aws_secret_free(tokhdr, secret, sizeof secret);
	out->tries = tries;

	switch (oc) {
	case AWS_OK:
		rc = 0;
		break;
	case AWS_RETRY_BUSY:
		rc = MT_EBUSY;
		break;
	default:
		rc = MT_EIO;
		break;
	}
	if (rc != 0) {
		char full[768];

		if (out->error_type[0])
			snprintf(full, sizeof full, "%s %s: %s%s%s (HTTP %ld, %d %s)", service, target,
				 out->error_type, msg[0] ? ": " : "", msg, out->http_status, tries,
				 tries == 1 ? "try" : "tries");
		else if (out->http_status)
			snprintf(full, sizeof full, "%s %s: HTTP %ld%s%s (%d %s)", service, target,
				 out->http_status, msg[0] ? ": " : "", msg, tries, tries == 1 ? "try" : "tries");
		else
			snprintf(full, sizeof full, "%s %s: %s (%d %s)", service, target, msg, tries,
				 tries == 1 ? "try" : "tries");
		out->cause = aws_strdup(full);
	}
	aws_count(c, target, tries, rc != 0);
	return rc;
}

/* POSTs a signed AWS JSON 1.0 request (DynamoDB, SQS) with retries. */
int aws_request(struct aws_client *c, const char *service, const char *target,
		const char *json_body, struct aws_response *out)
{
	return aws_request_as(c, service, target, "Content-Type: application/x-amz-json-1.0", json_body, out);
}

/* POSTs a signed AWS JSON 1.1 request (SSM, Secrets Manager) with retries. */
int aws_request_json11(struct aws_client *c, const char *service, const char *target,
		       const char *json_body, struct aws_response *out)
{
	return aws_request_as(c, service, target, "Content-Type: application/x-amz-json-1.1", json_body, out);
}
