/* One invocation: event JSON in, the handler under the guard (guard.c),
 * the answer posted to .../response, or .../error when there is no answer,
 * and one JSON log line on stdout:
 *   {"time","level","msg":"invocation","requestId","handler","cold",
 *    "outcome":"response"|"error","errorType"?,"statusCode"?,"bytes",
 *    "durationMs"}
 * never the event, the answer or any header value but the request id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "apigw/apigw.h"
#include "core/clock.h"
#include "core/error.h"
#include "lambda/lambda.h"

/* The _X_AMZN_TRACE_ID environment entry. putenv keeps this buffer as the
 * entry, so each invocation rewrites it in place: setenv would leak the
 * previous value at every invocation (glibc never frees a replaced value). */
static char invoke_trace_env[sizeof "_X_AMZN_TRACE_ID=" + sizeof ((struct lambda_invocation *)0)->trace_id];

/* Sets _X_AMZN_TRACE_ID to the invocation's trace id, or removes it. */
static void invoke_set_trace(const char *trace_id)
{
	if (trace_id[0] == '\0') {
		unsetenv("_X_AMZN_TRACE_ID");
		return;
	}
	snprintf(invoke_trace_env, sizeof invoke_trace_env, "_X_AMZN_TRACE_ID=%s", trace_id);
	putenv(invoke_trace_env);
}

/* What one invocation came to, for its log line. */
struct invoke_outcome {
	const char *error_type;   /* NULL when a response was posted */
	int status;               /* statusCode of an API Gateway answer, 0 = none */
	size_t bytes;             /* bytes posted */
	int posted;               /* 1 when the Runtime API took the response or error */
};

/* Writes the invocation's log line to stdout in one write. */
static void invoke_log(const struct lambda_invocation *inv, const char *handler, int cold,
		       const struct invoke_outcome *o, int64_t start_us)
{
	char line[1024], when[32], extra[160] = "";
	struct timespec now, mono;
	struct tm tm;
	int64_t us;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	us = (int64_t)mono.tv_sec * 1000000 + mono.tv_nsec / 1000 - start_us;
	gmtime_r(&now.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	if (o->error_type != NULL)
		snprintf(extra, sizeof extra, ",\"errorType\":\"%s\"", o->error_type);
	else if (o->status > 0)
		snprintf(extra, sizeof extra, ",\"statusCode\":%d", o->status);
	n = snprintf(line, sizeof line,
		     "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"invocation\",\"requestId\":\"%s\","
		     "\"handler\":\"%s\",\"cold\":%s,\"outcome\":\"%s\"%s,\"bytes\":%zu,\"durationMs\":%lld.%03lld%s}\n",
		     when, (long)(now.tv_nsec / 1000000), o->error_type ? "error" : "info", inv->request_id, handler,
		     cold ? "true" : "false", o->error_type ? "error" : "response", extra, o->bytes,
		     (long long)(us / 1000), (long long)(us % 1000), o->posted ? "" : ",\"posted\":false");
	if (n > 0 && (size_t)n < sizeof line) {
		ssize_t w = write(STDOUT_FILENO, line, (size_t)n);

		(void)w;
	}
}

/* Posts an error for the invocation and records it in o. */
static int invoke_fail(struct lambda_rt *rt, const struct lambda_invocation *inv, struct invoke_outcome *o,
		       const char *type, const char *message)
{
	char *cause = NULL;
	int r;

	o->error_type = type;
	r = lambda_rt_error(rt, inv->request_id, type, message, &cause);
	o->posted = r == 0;
	if (r != 0) {
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"cannot post the error\",\"requestId\":\"%s\"}\n",
			inv->request_id);
		free(cause);
	}
	return r;
}

/* Serialises resp (claiming a lent body) and posts it. */
static int invoke_respond(struct lambda_rt *rt, const struct lambda_invocation *inv, const cJSON *resp,
			  struct invoke_outcome *o)
{
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(resp, "statusCode");
	struct mt_lease lease;
	int leased = mt_resp_lease_take(resp, &lease);
	char *text = cJSON_PrintUnformatted(resp), *cause = NULL;   /* copies the lent bytes */
	int r;

	if (leased)   /* serialised: the lent bytes may go back now */
		lease.release(lease.arg);
	if (text == NULL)
		return invoke_fail(rt, inv, o, "Runtime.OutOfMemory", "the answer could not be serialised");
	if (cJSON_IsNumber(sc))
		o->status = sc->valueint;
	o->bytes = strlen(text);
	r = lambda_rt_respond(rt, inv->request_id, text, o->bytes, &cause);
	free(text);
	if (r == MT_ETOOBIG) {
		free(cause);
		return invoke_fail(rt, inv, o, "Runtime.ResponseTooLarge",
				   "the answer is larger than the Runtime API accepts");
	}
	o->posted = r == 0;
	if (r != 0) {
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"cannot post the response\",\"requestId\":\"%s\"}\n",
			inv->request_id);
		free(cause);
	}
	return r;
}

/* Runs one invocation. */
int lambda_invoke(struct lambda_rt *rt, struct mt_ctx *ctx, const struct mt_handler *h,
		  struct lambda_invocation *inv, int cold)
{
	struct invoke_outcome o = { NULL, 0, 0, 0 };
	struct timespec t0;
	int64_t start_us;
	cJSON *event, *resp;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	start_us = (int64_t)t0.tv_sec * 1000000 + t0.tv_nsec / 1000;
	invoke_set_trace(inv->trace_id);
	event = cJSON_ParseWithLength(inv->event, inv->event_len);
	if (event == NULL) {
		r = invoke_fail(rt, inv, &o, "Runtime.InvalidEvent", "the event is not JSON");
	} else if (lambda_guard_arm(inv->request_id, h->name, inv->deadline_ms, mt_clock_system_now(NULL)) != 0) {
		r = invoke_fail(rt, inv, &o, "Runtime.Timeout", "the deadline had passed before the handler could start");
	} else {
		resp = h->fn(ctx, event);
		lambda_guard_disarm();
		if (resp == NULL)
			r = invoke_fail(rt, inv, &o, "Runtime.HandlerFailed", "the handler returned no answer (out of memory)");
		else
			r = invoke_respond(rt, inv, resp, &o);
		cJSON_Delete(resp);
	}
	cJSON_Delete(event);
	invoke_log(inv, h->name, cold, &o, start_us);
	return r == MT_EIO ? MT_EIO : 0;
}
