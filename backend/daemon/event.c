/* HTTP request -> API Gateway HTTP API payload 2.0 event, and a handler's
 * response JSON -> HTTP status, headers and body (shape in runtime/apigw.h). */
#include <stdlib.h>
#include <string.h>
#include "core/validate.h"
#include "daemon/maitred.h"
#include "runtime/apigw.h"

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

		if (ok && kl > 0 && routes_url_decode(p, kl, k, kl + 1, 1) > 0) {
			if (!eq)
				v[0] = '\0';
			if (eq && routes_url_decode(eq + 1, vl, v, vl + 1, 1) < 0)
				v[0] = '\0';
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

/* Builds the API Gateway v2 event for req and the matched route. */
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
	if (req->headers == NULL || !cJSON_AddItemToObject(ev, "headers", req->headers)) {
		cJSON_Delete(req->headers);
		goto fail;
	}
	if (!cJSON_AddStringToObject(ev, "version", "2.0") ||
	    !cJSON_AddStringToObject(ev, "routeKey", route_key) ||
	    !cJSON_AddStringToObject(ev, "rawPath", req->raw_path) ||
	    !cJSON_AddStringToObject(ev, "rawQueryString", req->raw_query ? req->raw_query : ""))
		goto fail;
	if (event_add_query(ev, req->raw_query) < 0)
		goto fail;
	if (m && m->n_params > 0) {
		pp = cJSON_AddObjectToObject(ev, "pathParameters");
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
	rc = cJSON_AddObjectToObject(ev, "requestContext");
	if (rc == NULL ||
	    !cJSON_AddStringToObject(rc, "accountId", "local") ||
	    !cJSON_AddStringToObject(rc, "apiId", "maitred") ||
	    !cJSON_AddStringToObject(rc, "requestId", req->request_id) ||
	    !cJSON_AddStringToObject(rc, "routeKey", route_key) ||
	    !cJSON_AddStringToObject(rc, "stage", "$default") ||
	    !cJSON_AddNumberToObject(rc, "timeEpoch", (double)req->time_ms))
		goto fail;
	http = cJSON_AddObjectToObject(rc, "http");
	if (http == NULL ||
	    !cJSON_AddStringToObject(http, "method", req->method) ||
	    !cJSON_AddStringToObject(http, "path", req->raw_path) ||
	    !cJSON_AddStringToObject(http, "protocol", "HTTP/1.1") ||
	    !cJSON_AddStringToObject(http, "sourceIp", req->source_ip ? req->source_ip : "") ||
	    !cJSON_AddStringToObject(http, "userAgent", cJSON_IsString(ua) ? ua->valuestring : ""))
		goto fail;
	if (req->body != NULL && req->body_len > 0) {
		if (memchr(req->body, '\0', req->body_len) == NULL && mt_valid_utf8(req->body, req->body_len)) {
			if (!cJSON_AddStringToObject(ev, "body", req->body) ||
			    !cJSON_AddBoolToObject(ev, "isBase64Encoded", 0))
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
			if (!cJSON_AddBoolToObject(ev, "isBase64Encoded", 1))
				goto fail;
		}
	} else if (!cJSON_AddBoolToObject(ev, "isBase64Encoded", 0)) {
		goto fail;
	}
	return ev;
fail:
	cJSON_Delete(ev);
	return NULL;
}

/* Puts the authorizer's context into requestContext.authorizer.lambda. */
int event_set_authorizer(cJSON *event, const cJSON *context)
{
	cJSON *rc = cJSON_GetObjectItemCaseSensitive(event, "requestContext");
	cJSON *auth, *lambda;

	if (rc == NULL)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(rc, "authorizer");
	auth = cJSON_AddObjectToObject(rc, "authorizer");
	if (auth == NULL)
		return -1;
	lambda = context ? cJSON_Duplicate(context, 1) : cJSON_CreateObject();
	if (lambda == NULL)
		return -1;
	if (!cJSON_AddItemToObject(auth, "lambda", lambda)) {
		cJSON_Delete(lambda);
		return -1;
	}
	return 0;
}

/* Reads a handler response into an HTTP response. */
int event_response_take(cJSON *resp, struct event_response *out)
{
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(resp, "statusCode");
	cJSON *body;
	const cJSON *b64;

	memset(out, 0, sizeof *out);
	if (!cJSON_IsObject(resp) || !cJSON_IsNumber(sc)) {
		/* API Gateway: a response without statusCode is a 200 JSON body */
		out->status = 200;
		out->body = cJSON_PrintUnformatted(resp);
		if (out->body == NULL)
			return -1;
		out->body_len = strlen(out->body);
		return 0;
	}
	out->status = sc->valueint >= 100 && sc->valueint <= 599 ? sc->valueint : 500;
	out->headers = cJSON_GetObjectItemCaseSensitive(resp, "headers");
	if (!cJSON_IsObject(out->headers))
		out->headers = NULL;
	out->cookies = cJSON_GetObjectItemCaseSensitive(resp, "cookies");
	if (!cJSON_IsArray(out->cookies))
		out->cookies = NULL;
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
	/* take the string: it becomes the HTTP body without a copy */
	out->body = body->valuestring;
	out->body_len = strlen(out->body);
	body->valuestring = NULL;
	return 0;
}
