/* HTTP request -> API Gateway HTTP API payload 2.0 event, and a handler's
 * response JSON -> HTTP status, headers and body (shape in apigw/apigw.h). */
#include <stdlib.h>
#include <string.h>
#include "core/base64.h"
#include "core/validate.h"
#include "core/url.h"
#include "daemon/maitred.h"
#include "apigw/apigw.h"

/* Adds or appends (comma-joined, as API Gateway does) a string member. */
static int event_add_joined(cJSON *obj, const char *key, const char *val)
{
	cJSON *old = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (old != NULL && cJSON_IsString(old)) {
		size_t a = strlen(old->valuestring), b = strlen(val);
		char *s = malloc(a + b + 2);
		cJSON *n;

		if (s == NULL)
			return -1;
		memcpy(s, old->valuestring, a);
		s[a] = ',';
		memcpy(s + a + 1, val, b + 1);
		n = cJSON_CreateString(s);
		free(s);
		if (n == NULL)
			return -1;
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, n);
		return 0;
	}
	return cJSON_AddStringToObject(obj, key, val) ? 0 : -1;
}

/* Parses a raw query string into an object of decoded values (NULL if empty). */
static int event_add_query(cJSON *ev, const char *q)
{
	cJSON *qs = NULL;
	const char *p = q;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t kl = eq ? (size_t)(eq - p) : len;
		size_t vl = eq ? len - kl - 1 : 0;
		char *k = malloc(kl + 1), *v = malloc(vl + 1);
		int ok = k && v;

		/* a part that does not decode (%00: a NUL) stays as sent, so
		 * the handler refuses it (400) instead of seeing it cut or empty */
		if (ok && kl > 0 && mt_url_decode(p, kl, k, kl + 1, MT_URL_PLUS_SPACE) < 0) {
			memcpy(k, p, kl);
			k[kl] = '\0';
		}
		if (ok && kl > 0) {
			if (!eq)
				v[0] = '\0';
			if (eq && mt_url_decode(eq + 1, vl, v, vl + 1, MT_URL_PLUS_SPACE) < 0) {
				memcpy(v, eq + 1, vl);
				v[vl] = '\0';
			}
			if (qs == NULL)
				qs = cJSON_AddObjectToObject(ev, "queryStringParameters");
			ok = qs != NULL && event_add_joined(qs, k, v) == 0;
		}
		free(k);
		free(v);
		if (!ok)
			return -1;
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* Adds item under a constant (literal) key: the key is not copied. NULL
 * (item freed) when item is NULL or out of memory. */
static cJSON *event_put(cJSON *obj, const char *const_key, cJSON *item)
{
	if (item == NULL)
		return NULL;
	if (!cJSON_AddItemToObjectCS(obj, const_key, item)) {
		cJSON_Delete(item);
		return NULL;
	}
	return item;
}

/* Adds a string that outlives the event, without copying it. */
static int event_ref(cJSON *obj, const char *const_key, const char *val)
{
	return event_put(obj, const_key, cJSON_CreateStringReference(val)) ? 0 : -1;
}

/* Builds the API Gateway v2 event for req and the matched route. Keys are
 * literals and most values are req's strings or literals, referenced and
 * not copied (cJSON_Delete leaves both alone): a GET builds about 20 nodes
 * and no string copies. */
cJSON *event_build(const struct event_request *req, const struct route_match *m)
{
	cJSON *ev = cJSON_CreateObject(), *rc, *http, *pp;
	const char *route_key = m && m->route ? m->route->route_key : "$default";
	const cJSON *ua = cJSON_GetObjectItemCaseSensitive(req->headers, "user-agent");
	size_t i;

	if (ev == NULL) {
		cJSON_Delete(req->headers);
		return NULL;
	}
	if (req->headers == NULL || !cJSON_AddItemToObjectCS(ev, "headers", req->headers)) {
		cJSON_Delete(req->headers);
		goto fail;
	}
	if (event_ref(ev, "version", "2.0") < 0 ||
	    event_ref(ev, "routeKey", route_key) < 0 ||
	    event_ref(ev, "rawPath", req->raw_path) < 0 ||
	    event_ref(ev, "rawQueryString", req->raw_query ? req->raw_query : "") < 0)
		goto fail;
	if (event_add_query(ev, req->raw_query) < 0)
		goto fail;
	if (m && m->n_params > 0) {
		pp = event_put(ev, "pathParameters", cJSON_CreateObject());
		if (pp == NULL)
			goto fail;
		for (i = 0; i < m->n_params; i++) {
			char name[64];
			size_t nl = m->params[i].name_len < sizeof name - 1 ? m->params[i].name_len : sizeof name - 1;

			memcpy(name, m->params[i].name, nl);
			name[nl] = '\0';
			if (!cJSON_AddStringToObject(pp, name, m->params[i].value))
				goto fail;
		}
	}
	rc = event_put(ev, "requestContext", cJSON_CreateObject());
	if (rc == NULL ||
	    event_ref(rc, "accountId", "local") < 0 ||
	    event_ref(rc, "apiId", "maitred") < 0 ||
	    event_ref(rc, "requestId", req->request_id) < 0 ||
	    event_ref(rc, "routeKey", route_key) < 0 ||
	    event_ref(rc, "stage", "$default") < 0 ||
	    event_put(rc, "timeEpoch", cJSON_CreateNumber((double)req->time_ms)) == NULL)
		goto fail;
	http = event_put(rc, "http", cJSON_CreateObject());
	if (http == NULL ||
	    event_ref(http, "method", req->method) < 0 ||
	    event_ref(http, "path", req->raw_path) < 0 ||
	    event_ref(http, "protocol", "HTTP/1.1") < 0 ||
	    event_ref(http, "sourceIp", req->source_ip ? req->source_ip : "") < 0 ||
	    event_ref(http, "userAgent", cJSON_IsString(ua) ? ua->valuestring : "") < 0)
		goto fail;
	if (req->body != NULL && req->body_len > 0) {
		if (memchr(req->body, '\0', req->body_len) == NULL && mt_valid_utf8(req->body, req->body_len)) {
			if (!cJSON_AddStringToObject(ev, "body", req->body) ||
			    event_put(ev, "isBase64Encoded", cJSON_CreateFalse()) == NULL)
				goto fail;
		} else {
			char *b64 = mt_base64_encode(req->body, req->body_len, 0);

			if (b64 == NULL)
				goto fail;
			if (!cJSON_AddStringToObject(ev, "body", b64)) {
				free(b64);
				goto fail;
			}
			free(b64);
			if (event_put(ev, "isBase64Encoded", cJSON_CreateTrue()) == NULL)
				goto fail;
		}
	} else if (event_put(ev, "isBase64Encoded", cJSON_CreateFalse()) == NULL) {
		goto fail;
	}
	return ev;
fail:
	cJSON_Delete(ev);
	return NULL;
}

/* Puts context (stolen) into requestContext.authorizer.lambda. */
int event_put_authorizer(cJSON *event, cJSON *context)
{
	cJSON *rc = cJSON_GetObjectItemCaseSensitive(event, "requestContext");
	cJSON *auth;

	if (rc == NULL || context == NULL) {
		cJSON_Delete(context);
		return -1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(rc, "authorizer");
	auth = event_put(rc, "authorizer", cJSON_CreateObject());
	if (auth == NULL || event_put(auth, "lambda", context) == NULL) {
		if (auth == NULL)
			cJSON_Delete(context);
		return -1;
	}
	return 0;
}

/* Puts a copy of the authorizer's context into requestContext.authorizer.lambda. */
int event_set_authorizer(cJSON *event, const cJSON *context)
{
	return event_put_authorizer(event, context ? cJSON_Duplicate(context, 1) : cJSON_CreateObject());
}

/* Status (500 unless 100-599), headers and cookies of a response with a statusCode. */
static void event_response_meta(const cJSON *resp, const cJSON *sc, struct event_response *out)
{
	out->status = cJSON_IsNumber(sc) && sc->valueint >= 100 && sc->valueint <= 599 ? sc->valueint : 500;
	out->headers = cJSON_GetObjectItemCaseSensitive(resp, "headers");
	if (!cJSON_IsObject(out->headers))
		out->headers = NULL;
	out->cookies = cJSON_GetObjectItemCaseSensitive(resp, "cookies");
	if (!cJSON_IsArray(out->cookies))
		out->cookies = NULL;
}

/* Reads a handler response into an HTTP response. */
int event_response_take(cJSON *resp, struct event_response *out)
{
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(resp, "statusCode");
	cJSON *body;
	const cJSON *b64;

	memset(out, 0, sizeof *out);
	if (mt_resp_lease_take(resp, &out->lease)) {
		/* a lent body: sent from where it is, released when sent */
		event_response_meta(resp, sc, out);
		out->body = (char *)out->lease.body;
		out->body_len = out->lease.len;
		return 0;
	}
	if (!cJSON_IsObject(resp) || !cJSON_IsNumber(sc)) {
		/* API Gateway: a response without statusCode is a 200 JSON body */
		out->status = 200;
		out->body = cJSON_PrintUnformatted(resp);
		if (out->body == NULL)
			return -1;
		out->body_len = strlen(out->body);
		return 0;
	}
	event_response_meta(resp, sc, out);
	body = cJSON_GetObjectItemCaseSensitive(resp, "body");
	b64 = cJSON_GetObjectItemCaseSensitive(resp, "isBase64Encoded");
	if (!cJSON_IsString(body) || body->valuestring[0] == '\0')
		return 0;
	if (cJSON_IsTrue(b64)) {
		unsigned char *raw;
		size_t rawlen;

		if (mt_base64_decode(body->valuestring, strlen(body->valuestring), 0, &raw, &rawlen) < 0)
			return -1;
		out->body = (char *)raw;
		out->body_len = rawlen;
		return 0;
	}
	if (body->type & cJSON_IsReference) {
		/* someone else's string: copy it */
		out->body = strdup(body->valuestring);
		if (out->body == NULL)
			return -1;
		out->body_len = strlen(out->body);
		return 0;
	}
	/* take the string: it becomes the HTTP body without a copy */
	out->body = body->valuestring;
	out->body_len = strlen(out->body);
	body->valuestring = NULL;
	return 0;
}

void event_ipv4(char *buf, const unsigned char b[4])
{
	size_t at = 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (b[i] >= 100)
			buf[at++] = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			buf[at++] = (char)('0' + b[i] / 10 % 10);
		buf[at++] = (char)('0' + b[i] % 10);
		buf[at++] = i < 3 ? '.' : '\0';
	}
}
