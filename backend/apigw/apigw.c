#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/base64.h"
#include "core/error.h"
#include "apigw/apigw.h"
#include "apigw/json-strict.h"
#include "core/json-print.h"

/* Follows a path of object keys; NULL when any step is missing. */
static const cJSON *get_path(const cJSON *o, const char *const *keys)
{
	for (; *keys != NULL && o != NULL; keys++)
		o = cJSON_GetObjectItemCaseSensitive(o, *keys);
	return o;
}

/* String value at a path, or NULL. */
static const char *get_str(const cJSON *o, const char *const *keys)
{
	const cJSON *v = get_path(o, keys);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *mt_event_route(const cJSON *event)
{
	static const char *const k[] = { "routeKey", NULL };
	return get_str(event, k);
}

const char *mt_event_method(const cJSON *event)
{
	static const char *const k[] = { "requestContext", "http", "method", NULL };
	return get_str(event, k);
}

const char *mt_event_source_ip(const cJSON *event)
{
	static const char *const k[] = { "requestContext", "http", "sourceIp", NULL };
	return get_str(event, k);
}

const char *mt_event_header(const cJSON *event, const char *lname)
{
	const char *k[] = { "headers", lname, NULL };
	return get_str(event, k);
}

const char *mt_event_query(const cJSON *event, const char *name)
{
	const char *k[] = { "queryStringParameters", name, NULL };
	return get_str(event, k);
}

const char *mt_event_path_param(const cJSON *event, const char *name)
{
	const char *k[] = { "pathParameters", name, NULL };
	return get_str(event, k);
}

const char *mt_event_auth(const cJSON *event, const char *key)
{
	const char *k[] = { "requestContext", "authorizer", "lambda", key, NULL };
	return get_str(event, k);
}

/* Gets the raw body (base64-decoded when isBase64Encoded). */
int mt_event_body(const cJSON *event, char **out, size_t *len)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(event, "body");
	const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(event, "isBase64Encoded");
	size_t n;

	*out = NULL;
	*len = 0;
	if (!cJSON_IsString(b)) {
		*out = calloc(1, 1);
		return *out ? 0 : MT_ENOMEM;
	}
	n = strlen(b->valuestring);
	if (cJSON_IsTrue(b64)) {
		unsigned char *raw;
		size_t rawlen;
		int r;

		if (n > (MT_BODY_MAX / 3 + 1) * 4)
			return MT_ETOOBIG;
		r = mt_base64_decode(b->valuestring, n, 0, &raw, &rawlen);
		if (r < 0)
			return r;
		if (rawlen > MT_BODY_MAX) {
			free(raw);
			return MT_ETOOBIG;
		}
		*out = (char *)raw;
		*len = rawlen;
		return 0;
	}
	if (n > MT_BODY_MAX)
		return MT_ETOOBIG;
	*out = malloc(n + 1);
	if (*out == NULL)
		return MT_ENOMEM;
	memcpy(*out, b->valuestring, n + 1);
	*len = n;
	return 0;
}

/* Returns 1 if the JSON text nests deeper than max_depth (strings honoured). */
int mt_json_too_deep(const char *text, size_t len, int max_depth)
{
	int depth = 0, in_str = 0, esc = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = text[i];

		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return 1;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return 0;
}

/* Parses the body as a JSON object with the caps above. */
cJSON *mt_event_json_body(const cJSON *event, cJSON **err_resp)
{
	const char *ct, *end = NULL;
	char *raw;
	size_t len;
	cJSON *root;
	int r;

	*err_resp = NULL;
	ct = mt_event_header(event, "content-type");
	if (ct != NULL && !mt_content_type_is_json(ct)) {
		*err_resp = mt_resp_error(415, "unsupported_media_type", NULL,
					  "the body must be JSON (Content-Type: application/json)");
		return NULL;
	}
	r = mt_event_body(event, &raw, &len);
	if (r == MT_ETOOBIG) {
		*err_resp = mt_resp_error(413, "too_large", NULL, "request body is over %d bytes", MT_BODY_MAX);
		return NULL;
	}
	if (r < 0) {
		*err_resp = mt_resp_error(400, "invalid_body", NULL, "request body could not be read");
		return NULL;
	}
	if (len == 0) {
		free(raw);
		*err_resp = mt_resp_error(400, "invalid_json", NULL, "a JSON object body is required");
		return NULL;
	}
	if (mt_json_too_deep(raw, len, MT_JSON_DEPTH_MAX)) {
		free(raw);
		*err_resp = mt_resp_error(400, "too_deep", NULL, "JSON nests deeper than %d levels", MT_JSON_DEPTH_MAX);
		return NULL;
	}
	{
		char field[64];

		if (mt_json_find_control(raw, len, field, sizeof field)) {
			free(raw);
			*err_resp = mt_resp_error(400, "invalid_field", field[0] ? field : NULL,
						  "%s%s%s holds a control character (such as U+0000) that no field may hold",
						  field[0] ? "'" : "a string", field, field[0] ? "'" : "");
			return NULL;
		}
	}
	/* one value and nothing after it but whitespace: "{}{}" or "{} x" is not a body */
	root = cJSON_ParseWithLengthOpts(raw, len, &end, 0);
	if (root != NULL && (end == NULL || end < raw || (size_t)(end - raw) > len ||
			     !mt_json_only_space(end, len - (size_t)(end - raw)))) {
		cJSON_Delete(root);
		root = NULL;
	}
	free(raw);
	if (root == NULL) {
		*err_resp = mt_resp_error(400, "invalid_json", NULL, "request body is not valid JSON");
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		*err_resp = mt_resp_error(400, "not_object", NULL, "request body must be a JSON object");
		return NULL;
	}
	return root;
}

/* Builds a response; body (may be NULL) is stolen and serialised. */
cJSON *mt_resp(int status, cJSON *body)
{
	cJSON *r = cJSON_CreateObject();
	cJSON *h;
	char *text = NULL;

	if (r == NULL) {
		cJSON_Delete(body);
		return NULL;
	}
	if (body != NULL) {
		text = mt_json_print(body);
		cJSON_Delete(body);
		if (text == NULL) {
			cJSON_Delete(r);
			return NULL;
		}
	}
	h = cJSON_AddObjectToObject(r, "headers");
	if (cJSON_AddNumberToObject(r, "statusCode", status) == NULL || h == NULL ||
	    (text && cJSON_AddStringToObject(h, "content-type", "application/json") == NULL) ||
	    cJSON_AddStringToObject(r, "body", text ? text : "") == NULL ||
	    cJSON_AddBoolToObject(r, "isBase64Encoded", 0) == NULL) {
		free(text);
		cJSON_Delete(r);
		return NULL;
	}
	free(text);
	return r;
}

/* Builds {"error": code, "message": text, "field": field?} with status. */
cJSON *mt_resp_error(int status, const char *code, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	cJSON *b = cJSON_CreateObject();

	if (b == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(b, "error", code);
	cJSON_AddStringToObject(b, "message", msg);
	if (field != NULL)
		cJSON_AddStringToObject(b, "field", field);
	return mt_resp(status, b);
}

/* Maps a store/core MT_E* code to an error response. */
cJSON *mt_resp_from_err(int err, const char *what)
{
	if (what == NULL)
		what = "record";
	switch (err) {
	case MT_ENOTFOUND:
		return mt_resp_error(404, "not_found", NULL, "%s not found", what);
	case MT_ECONFLICT:
		return mt_resp_error(409, "conflict", NULL, "%s was changed or exists already; reload and retry", what);
	case MT_EPRECOND:
		return mt_resp_error(412, "version_mismatch", NULL, "%s has a newer version; reload and retry", what);
	case MT_EINVAL:
		return mt_resp_error(400, "invalid", NULL, "invalid %s", what);
	case MT_ETOOBIG:
		return mt_resp_error(413, "too_large", NULL, "%s is too large", what);
	case MT_EBUSY: {
		cJSON *r = mt_resp_error(503, "unavailable", NULL, "storage is busy; retry shortly");
		if (r)
			mt_resp_header(r, "retry-after", "1");
		return r;
	}
	case MT_ENOSPC: {   /* nothing was stored; the operator must free space */
		cJSON *r = mt_resp_error(507, "storage_full", NULL, "the server's storage is full; nothing was saved");
		if (r)
			mt_resp_header(r, "retry-after", "30");
		return r;
	}
	default:
		return mt_resp_error(500, "internal", NULL, "internal error (%s)", mt_strerror(err));
	}
}

/* Adds or replaces a response header (lower-case name). */
int mt_resp_header(cJSON *resp, const char *name, const char *value)
{
	cJSON *h = cJSON_GetObjectItemCaseSensitive(resp, "headers");

	if (h == NULL && (h = cJSON_AddObjectToObject(resp, "headers")) == NULL)
		return MT_ENOMEM;
	cJSON_DeleteItemFromObjectCaseSensitive(h, name);
	return cJSON_AddStringToObject(h, name, value) ? 0 : MT_ENOMEM;
}

int mt_resp_status(const cJSON *resp)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(resp, "statusCode");

	return cJSON_IsNumber(s) ? s->valueint : 500;
}

const char *mt_resp_body(const cJSON *resp)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(resp, "body");

	return cJSON_IsString(b) ? b->valuestring : "";
}

const char *mt_resp_get_header(const cJSON *resp, const char *lname)
{
	const char *k[] = { "headers", lname, NULL };
	return get_str(resp, k);
}

/* The lease of the last mt_resp_lent on this thread, until claimed. */
static _Thread_local struct {
	struct mt_lease lease;    /* release == NULL: none */
	const cJSON *item;        /* the response's body item it belongs to */
} resp_pending;

/* Releases the thread's pending lease, if any. */
static void resp_pending_drop(void)
{
	if (resp_pending.lease.release != NULL)
		resp_pending.lease.release(resp_pending.lease.arg);
	memset(&resp_pending, 0, sizeof resp_pending);
}

cJSON *mt_resp_lent(int status, const char *body, size_t len, void (*release)(void *), void *arg)
{
	cJSON *r, *b;

	resp_pending_drop();
	r = mt_resp(status, NULL);
	b = r != NULL ? cJSON_CreateStringReference(body) : NULL;
	if (b == NULL || !cJSON_ReplaceItemInObjectCaseSensitive(r, "body", b)) {
		cJSON_Delete(b);
		cJSON_Delete(r);
		release(arg);
		return NULL;
	}
	resp_pending.lease.body = body;
	resp_pending.lease.len = len;
	resp_pending.lease.release = release;
	resp_pending.lease.arg = arg;
	resp_pending.item = b;
	return r;
}

int mt_resp_lease_take(const cJSON *resp, struct mt_lease *out)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(resp, "body");

	memset(out, 0, sizeof *out);
	if (resp_pending.lease.release == NULL)
		return 0;
	/* the same item, still a reference to the same bytes: this response's lease */
	if (b != NULL && b == resp_pending.item && (b->type & cJSON_IsReference) &&
	    b->valuestring == resp_pending.lease.body) {
		*out = resp_pending.lease;
		memset(&resp_pending, 0, sizeof resp_pending);
		return 1;
	}
	resp_pending_drop();
	return 0;
}
