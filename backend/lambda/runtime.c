/* The Lambda Runtime API client: one curl easy handle, so the connection to
 * the Runtime API is opened once and kept across invocations. The `next`
 * call has no timeout (the function may be frozen between invocations);
 * posts give up after LAMBDA_POST_TIMEOUT_MS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include "core/buf.h"
#include "core/error.h"
#include "lambda/lambda.h"

#define LAMBDA_POST_TIMEOUT_MS 30000   /* a post the Runtime API does not answer in 30 s failed */
#define LAMBDA_ANSWER_MAX 65536        /* what we keep of a post's answer (an error text) */

/* The client. */
struct lambda_rt {
	CURL *h;                  /* the one handle: its connection is reused */
	char api[256];            /* AWS_LAMBDA_RUNTIME_API, "host:port" */
	char base[320];           /* "http://host:port/2018-06-01/runtime" */
	struct curl_slist *json;  /* Content-Type: application/json, no Expect */
};

/* What the header callback fills for `next`. */
struct lambda_hdrs {
	struct lambda_invocation *inv;   /* where the Lambda-Runtime-* values go */
};

/* Makes the client for api ("host:port"). */
int lambda_rt_open(const char *api, struct lambda_rt **out, char **cause)
{
	struct lambda_rt *rt;
	struct curl_slist *tmp;

	*out = NULL;
	if (api == NULL || api[0] == '\0') {
		mt_set_cause(cause, "AWS_LAMBDA_RUNTIME_API is not set: bootstrap runs only under Lambda "
				    "(or a Runtime API emulator)");
		return MT_EINVAL;
	}
	if (strlen(api) >= sizeof rt->api || strpbrk(api, "/ \r\n?#@") != NULL) {
		mt_set_cause(cause, "AWS_LAMBDA_RUNTIME_API is not a host:port");
		return MT_EINVAL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		mt_set_cause(cause, "libcurl failed to initialise");
		return MT_EIO;
	}
	rt = calloc(1, sizeof *rt);
	if (rt == NULL) {
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	snprintf(rt->api, sizeof rt->api, "%s", api);
	snprintf(rt->base, sizeof rt->base, "http://%s/%s/runtime", api, LAMBDA_API_VERSION);
	rt->h = curl_easy_init();
	rt->json = curl_slist_append(NULL, "Content-Type: application/json");
	tmp = rt->json ? curl_slist_append(rt->json, "Expect:") : NULL;
	if (rt->h == NULL || tmp == NULL) {
		lambda_rt_close(rt);
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	curl_easy_setopt(rt->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(rt->h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(rt->h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(rt->h, CURLOPT_PROXY, "");   /* never through an HTTP proxy of the environment */
	*out = rt;
	return 0;
}

/* Frees the client. */
void lambda_rt_close(struct lambda_rt *rt)
{
	if (rt == NULL)
		return;
	if (rt->h)
		curl_easy_cleanup(rt->h);
	curl_slist_free_all(rt->json);
	free(rt);
}

/* The Runtime API address. */
const char *lambda_rt_api(const struct lambda_rt *rt)
{
	return rt->api;
}

/* curl write callback: appends to an mt_buf, failing past its cap. */
static size_t lambda_rt_on_body(char *p, size_t size, size_t n, void *ud)
{
	return mt_buf_add(ud, p, size * n) == 0 ? size * n : 0;
}

/* Copies a header value (trimmed) into dst when name matches. 1 when it did. */
static int lambda_rt_header(const char *line, size_t len, const char *name, char *dst, size_t dsz)
{
	size_t nl = strlen(name), vl;
	const char *v;

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return 0;
	v = line + nl + 1;
	vl = len - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= dsz)
		vl = dsz - 1;   /* cut; the request id check below refuses a cut id */
	memcpy(dst, v, vl);
	dst[vl] = '\0';
	return 1;
}

/* curl header callback for `next`: keeps the Lambda-Runtime-* values. */
static size_t lambda_rt_on_header(char *p, size_t size, size_t n, void *ud)
{
	struct lambda_hdrs *hd = ud;
	struct lambda_invocation *inv = hd->inv;
	size_t len = size * n;
	char num[32];

	if (lambda_rt_header(p, len, "Lambda-Runtime-Aws-Request-Id", inv->request_id, sizeof inv->request_id) ||
	    lambda_rt_header(p, len, "Lambda-Runtime-Trace-Id", inv->trace_id, sizeof inv->trace_id) ||
	    lambda_rt_header(p, len, "Lambda-Runtime-Invoked-Function-Arn", inv->function_arn,
			     sizeof inv->function_arn))
		return len;
	if (lambda_rt_header(p, len, "Lambda-Runtime-Deadline-Ms", num, sizeof num)) {
		char *end = NULL;
		long long v = strtoll(num, &end, 10);

		inv->deadline_ms = (end != num && *end == '\0' && v > 0) ? (int64_t)v : 0;
	}
	return len;
}

/* 1 when a request id is safe to put in a URL path. */
static int lambda_rt_id_ok(const char *id)
{
	size_t i;

	if (id[0] == '\0' || strlen(id) >= 127)
		return 0;
	for (i = 0; id[i]; i++) {
		char c = id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
		      c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

/* Waits for the next invocation. */
int lambda_rt_next(struct lambda_rt *rt, struct lambda_invocation *inv, char **cause)
{
	struct lambda_hdrs hd = { inv };
	struct mt_buf body;
	char url[400];
	long status = 0;
	CURLcode rc;

	memset(inv, 0, sizeof *inv);
	mt_buf_init(&body, LAMBDA_EVENT_MAX);
	snprintf(url, sizeof url, "%s/invocation/next", rt->base);
	curl_easy_setopt(rt->h, CURLOPT_URL, url);
	curl_easy_setopt(rt->h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(rt->h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(rt->h, CURLOPT_TIMEOUT_MS, 0L);   /* no timeout: frozen between invocations */
	curl_easy_setopt(rt->h, CURLOPT_WRITEFUNCTION, lambda_rt_on_body);
	curl_easy_setopt(rt->h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(rt->h, CURLOPT_HEADERFUNCTION, lambda_rt_on_header);
	curl_easy_setopt(rt->h, CURLOPT_HEADERDATA, &hd);
	rc = curl_easy_perform(rt->h);
	curl_easy_setopt(rt->h, CURLOPT_HEADERFUNCTION, NULL);
	curl_easy_setopt(rt->h, CURLOPT_HEADERDATA, NULL);
	if (rc != CURLE_OK) {
		mt_set_cause(cause, "runtime API next: %s", rc == CURLE_WRITE_ERROR ? "event too large or out of memory"
									 : curl_easy_strerror(rc));
		mt_buf_free(&body);
		return MT_EIO;
	}
	curl_easy_getinfo(rt->h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 || !lambda_rt_id_ok(inv->request_id)) {
		mt_set_cause(cause, "runtime API next: HTTP %ld%s", status,
			     status == 200 ? " without a usable Lambda-Runtime-Aws-Request-Id" : "");
		mt_buf_free(&body);
		return MT_EIO;
	}
	inv->event_len = body.len;
	inv->event = mt_buf_take(&body);
	if (inv->event == NULL) {
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	return 0;
}

/* POSTs body to url; the HTTP status goes to *status. */
static int lambda_rt_post(struct lambda_rt *rt, const char *url, const char *body, size_t len,
			  struct curl_slist *hdrs, long *status, char **cause)
{
	struct mt_buf answer;
	CURLcode rc;

	*status = 0;
	mt_buf_init(&answer, LAMBDA_ANSWER_MAX);
	curl_easy_setopt(rt->h, CURLOPT_URL, url);
	curl_easy_setopt(rt->h, CURLOPT_POST, 1L);
	curl_easy_setopt(rt->h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(rt->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(rt->h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(rt->h, CURLOPT_TIMEOUT_MS, (long)LAMBDA_POST_TIMEOUT_MS);
	curl_easy_setopt(rt->h, CURLOPT_WRITEFUNCTION, lambda_rt_on_body);
	curl_easy_setopt(rt->h, CURLOPT_WRITEDATA, &answer);
	rc = curl_easy_perform(rt->h);
	curl_easy_setopt(rt->h, CURLOPT_POSTFIELDS, NULL);
	if (rc != CURLE_OK && rc != CURLE_WRITE_ERROR) {
		mt_set_cause(cause, "runtime API post: %s", curl_easy_strerror(rc));
		mt_buf_free(&answer);
		return MT_EIO;
	}
	curl_easy_getinfo(rt->h, CURLINFO_RESPONSE_CODE, status);
	if (*status != 202) {
		mt_set_cause(cause, "runtime API post: HTTP %ld%s%.200s", *status, answer.len ? ": " : "",
			     answer.len ? answer.data : "");
		mt_buf_free(&answer);
		return *status == 413 ? MT_ETOOBIG : MT_EIO;
	}
	mt_buf_free(&answer);
	return 0;
}

/* Posts an invocation's response. */
int lambda_rt_respond(struct lambda_rt *rt, const char *request_id, const char *body, size_t len,
		      char **cause)
{
	char url[500];
	long status;

	if (!lambda_rt_id_ok(request_id)) {
		mt_set_cause(cause, "bad request id");
		return MT_EINVAL;
	}
	snprintf(url, sizeof url, "%s/invocation/%s/response", rt->base, request_id);
	return lambda_rt_post(rt, url, body, len, rt->json, &status, cause);
}

/* Builds the Runtime API error body. */
char *lambda_error_body(const char *type, const char *message)
{
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;

	if (o != NULL && cJSON_AddStringToObject(o, "errorType", type) &&
	    cJSON_AddStringToObject(o, "errorMessage", message) && cJSON_AddArrayToObject(o, "stackTrace"))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Posts an invocation error, or an init error when request_id is NULL. */
int lambda_rt_error(struct lambda_rt *rt, const char *request_id, const char *type, const char *message,
		    char **cause)
{
	struct curl_slist *hdrs = NULL, *tmp;
	char url[500], th[200];
	char *body;
	long status;
	int r;

	if (request_id != NULL && !lambda_rt_id_ok(request_id)) {
		mt_set_cause(cause, "bad request id");
		return MT_EINVAL;
	}
	if (request_id != NULL)
		snprintf(url, sizeof url, "%s/invocation/%s/error", rt->base, request_id);
	else
		snprintf(url, sizeof url, "%s/init/error", rt->base);
	snprintf(th, sizeof th, "Lambda-Runtime-Function-Error-Type: %.150s", type);
	body = lambda_error_body(type, message);
	hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	tmp = hdrs ? curl_slist_append(hdrs, "Expect:") : NULL;
	tmp = tmp ? curl_slist_append(hdrs, th) : NULL;
	if (body == NULL || tmp == NULL) {
		free(body);
		curl_slist_free_all(hdrs);
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	r = lambda_rt_post(rt, url, body, strlen(body), hdrs, &status, cause);
	curl_easy_setopt(rt->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	free(body);
	return r;
}

/* Frees an invocation's event. */
void lambda_invocation_clear(struct lambda_invocation *inv)
{
	free(inv->event);
	memset(inv, 0, sizeof *inv);
}
