/* Pieces the CRUD handlers share (see crud.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "handlers/crud.h"
#include "apigw/apigw.h"

/* Answers the codec's refusal as a 400. */
cJSON *crud_codec_resp(const struct mt_codec_err *err)
{
	return mt_resp_error(400, err->code ? err->code : "invalid_field", err->field[0] ? err->field : NULL,
			     "%s", err->message);
}

/* Reads ?limit= and ?cursor=; NULL or a 400 response. */
cJSON *crud_page_args(const cJSON *event, struct store_page *page)
{
	const char *l = mt_event_query(event, "limit");
	const char *c = mt_event_query(event, "cursor");

	page->limit = CRUD_LIMIT_DEFAULT;
	page->cursor = NULL;
	if (l != NULL) {
		char *end;
		long v = strtol(l, &end, 10);

		if (*l == '\0' || *end != '\0' || v < 1 || v > CRUD_LIMIT_MAX)
			return mt_resp_error(400, "invalid_parameter", "limit", "limit must be an integer from 1 to %d",
					     CRUD_LIMIT_MAX);
		page->limit = (int)v;
	}
	if (c != NULL && *c != '\0') {
		if (strlen(c) > CRUD_CURSOR_MAX)
			return mt_resp_error(400, "invalid_cursor", "cursor", "cursor is not one this server gave");
		page->cursor = c;
	}
	return NULL;
}

/* Appends s percent-encoded (everything but unreserved characters) to b. */
static int crud_urlenc(struct mt_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;

	for (; *s && r == 0; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			r = mt_buf_add(b, s, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			r = mt_buf_add(b, e, 3);
		}
	}
	return r;
}

/* Sets X-Next-Cursor and Link: <path?limit=N[&status=S]&cursor=C>; rel="next". */
int crud_next_headers(cJSON *resp, const char *path, int limit, const char *status, const char *next)
{
	struct mt_buf b;
	char *link;
	int r;

	mt_buf_init(&b, 4096);
	r = mt_resp_header(resp, "x-next-cursor", next);
	if (r == 0)
		r = mt_buf_printf(&b, "<%s?limit=%d", path, limit);
	if (r == 0 && status != NULL && *status != '\0') {
		r = mt_buf_adds(&b, "&status=");
		if (r == 0)
			r = crud_urlenc(&b, status);
	}
	if (r == 0)
		r = mt_buf_adds(&b, "&cursor=");
	if (r == 0)
		r = crud_urlenc(&b, next);
	if (r == 0)
		r = mt_buf_adds(&b, ">; rel=\"next\"");
	if (r < 0) {
		mt_buf_free(&b);
		return r;
	}
	link = mt_buf_take(&b);
	if (link == NULL)
		return MT_ENOMEM;
	r = mt_resp_header(resp, "link", link);
	free(link);
	return r;
}

/* Reads the If-Match header into pre; NULL or a 400 response. */
cJSON *crud_if_match(const cJSON *event, struct crud_pre *pre)
{
	const char *h = mt_event_header(event, "if-match");
	int64_t v;

	if (h == NULL)
		return NULL;
	if (mt_codec_parse_if_match(h, &v) < 0)
		return mt_resp_error(400, "invalid_header", "If-Match",
				     "If-Match must be the record's version, e.g. \"3\"");
	if (v >= 0) {
		pre->has_hdr = 1;
		pre->hdr = v;
	}
	return NULL;
}

/* 412 when a precondition names another version than the stored one; else NULL. */
cJSON *crud_check_pre(const struct crud_pre *pre, int64_t stored, const char *what)
{
	if ((pre->has_hdr && pre->hdr != stored) || (pre->has_body && pre->body != stored)) {
		cJSON *r = mt_resp_error(412, "version_mismatch", "version",
					 "the %s is at version %lld; reload and retry", what, (long long)stored);
		char etag[32];

		snprintf(etag, sizeof etag, "\"%lld\"", (long long)stored);
		if (r != NULL)
			mt_resp_header(r, "etag", etag);
		return r;
	}
	return NULL;
}

/* The answer to a write that lost a race: 412 when the client named a version, else 409. */
cJSON *crud_lost_race(const struct crud_pre *pre, const char *what)
{
	if (pre->has_hdr || pre->has_body)
		return mt_resp_error(412, "version_mismatch", "version",
				     "the %s was changed meanwhile; reload and retry", what);
	return mt_resp_error(409, "conflict", NULL, "the %s was changed meanwhile; reload and retry", what);
}

/* Builds a JSON response whose body is `text` (a malloc'd string, taken
 * either way): the string becomes the response's body without a copy. */
cJSON *crud_resp_take(int status, char *text)
{
	cJSON *resp = mt_resp(status, NULL), *body = NULL;

	if (resp != NULL && text != NULL && (body = cJSON_CreateString("")) != NULL) {
		/* cJSON frees with the same free() (no hooks are installed) */
		cJSON_free(body->valuestring);
		body->valuestring = text;
		text = NULL;
	}
	free(text);
	if (body == NULL || !cJSON_ReplaceItemInObjectCaseSensitive(resp, "body", body)) {
		cJSON_Delete(body);
		cJSON_Delete(resp);
		return NULL;
	}
	if (mt_resp_header(resp, "content-type", "application/json") < 0) {
		cJSON_Delete(resp);
		return NULL;
	}
	return resp;
}

/* Builds a JSON response whose body is the text in b (freed either way). */
cJSON *crud_resp_buf(int status, struct mt_buf *b)
{
	char *text = b->data != NULL ? mt_buf_take(b) : NULL;

	mt_buf_free(b);
	return crud_resp_take(status, text);
}

/* Builds a response with one record (the text in b), its ETag and optionally Location. */
cJSON *crud_record_resp(int status, struct mt_buf *b, int64_t version, const char *location)
{
	cJSON *resp = crud_resp_buf(status, b);
	char etag[32];

	if (resp == NULL)
		return NULL;
	snprintf(etag, sizeof etag, "\"%lld\"", (long long)version);
	if (mt_resp_header(resp, "etag", etag) < 0 ||
	    (location != NULL && mt_resp_header(resp, "location", location) < 0)) {
		cJSON_Delete(resp);
		return NULL;
	}
	return resp;
}
