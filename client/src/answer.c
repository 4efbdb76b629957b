/* HTTP answers -> error kinds (the error model of docs/client.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* The version inside an ETag ("3", W/"3", 3), -1 when it is not one. */
int64_t mtc_etag_version(const char *etag)
{
	if (etag == NULL)
		return -1;
	const char *p = etag;
	if (strncmp(p, "W/", 2) == 0)
		p += 2;
	if (*p == '"')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	char *end;
	long long v = strtoll(p, &end, 10);
	if (*end == '"')
		end++;
	return *end == '\0' ? (int64_t)v : -1;
}

/* 1 when the answer says "this token is refused": any 401, or API Gateway's
 * 403 {"message":"Forbidden"} from a refusing Lambda authorizer (our handlers'
 * 403 always carries "error":"forbidden", which is a role denial). */
int mtc_answer_token_refused(long http, const char *body, size_t len)
{
	if (http == 401)
		return 1;
	if (http != 403)
		return 0;
	cJSON *o = body != NULL ? cJSON_ParseWithLength(body, len) : NULL;
	int refused = 1;
	if (cJSON_IsObject(o) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "error")))
		refused = 0;
	cJSON_Delete(o);
	return refused;
}

/* The kind of an HTTP error status. */
static enum mtc_error kind_of(long http)
{
	switch (http) {
	case 400: case 413: case 415: case 422: return MTC_ERR_VALIDATION;
	case 401: return MTC_ERR_UNAUTHORIZED;
	case 403: return MTC_ERR_FORBIDDEN;
	case 404: return MTC_ERR_NOT_FOUND;
	case 409: return MTC_ERR_CONFLICT;
	case 412: return MTC_ERR_PRECONDITION;
	case 429: return MTC_ERR_RATE_LIMITED;
	default: return http >= 500 ? MTC_ERR_SERVER : MTC_ERR_BAD_ANSWER;
	}
}

/* Fills st from a non-2xx answer (body, headers kept in call) and returns its kind. */
enum mtc_error mtc_answer_status(struct mtc_call *call, long http, struct mtc_status *st)
{
	enum mtc_error k = kind_of(http);
	if (http == 403 && mtc_answer_token_refused(http, call->resp.data, call->resp.len))
		k = MTC_ERR_UNAUTHORIZED;
	st->code = k;
	st->http_status = http;
	st->retry_after = call->retry_after;
	snprintf(st->request_id, sizeof st->request_id, "%s", call->request_id);
	if (http == 412)
		st->current_version = mtc_etag_version(call->etag);
	cJSON *o = call->resp.data != NULL ? cJSON_ParseWithLength(call->resp.data, call->resp.len) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "message");
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "field");
	if (cJSON_IsString(e))
		snprintf(st->error, sizeof st->error, "%s", e->valuestring);
	if (cJSON_IsString(f))
		snprintf(st->field, sizeof st->field, "%s", f->valuestring);
	if (cJSON_IsString(m))
		snprintf(st->message, sizeof st->message, "%s", m->valuestring);
	else
		snprintf(st->message, sizeof st->message, "HTTP %ld without an error body", http);
	if (o == NULL && k != MTC_ERR_SERVER && http != 401 && http != 403 && http != 429 && call->resp.len > 0)
		k = st->code = MTC_ERR_BAD_ANSWER;
	cJSON_Delete(o);
	return k;
}
