/* API Gateway HTTP API payload 2.0: reading request events and building
 * responses. Shared by every route handler, by maitred (which builds the
 * events) and by the Lambda runtime.
 *
 * Event shape used (subset of AWS's):
 *   {"version":"2.0","routeKey":"GET /waitlists/{waitlistId}",
 *    "rawPath":"/waitlists/01H...","rawQueryString":"limit=10",
 *    "headers":{"authorization":"Bearer ...","if-match":"3"},   (lower-case names)
 *    "queryStringParameters":{"limit":"10"},
 *    "pathParameters":{"waitlistId":"01H..."},
 *    "requestContext":{"http":{"method":"GET","path":"/...","sourceIp":"127.0.0.1"},
 *                      "requestId":"...","timeEpoch":1700000000000,
 *                      "authorizer":{"lambda":{"sub":..,"tenantId":..,"role":..}}},
 *    "body":"{...}","isBase64Encoded":false}
 * Response: {"statusCode":200,"headers":{"content-type":"application/json"},
 *            "body":"...","isBase64Encoded":false}
 */
#ifndef MT_APIGW_H
#define MT_APIGW_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define MT_BODY_MAX (64 * 1024)   /* larger request bodies answer 413 */
#define MT_JSON_DEPTH_MAX 32      /* deeper JSON answers 400 */

/* Accessors: return NULL when absent. Strings are borrowed from the event. */
const char *mt_event_route(const cJSON *event);            /* routeKey */
const char *mt_event_method(const cJSON *event);           /* requestContext.http.method */
const char *mt_event_header(const cJSON *event, const char *lname);  /* lower-case name */
const char *mt_event_query(const cJSON *event, const char *name);
const char *mt_event_path_param(const cJSON *event, const char *name);
const char *mt_event_auth(const cJSON *event, const char *key); /* requestContext.authorizer.lambda.KEY */
const char *mt_event_source_ip(const cJSON *event);

/* Gets the raw body (base64-decoded when isBase64Encoded). *out is malloc'd
 * (caller frees, NUL-terminated), *len its length; an absent body gives "".
 * Returns 0, MT_ETOOBIG over MT_BODY_MAX, MT_EINVAL on bad base64, MT_ENOMEM. */
int mt_event_body(const cJSON *event, char **out, size_t *len);

/* Parses the body as a JSON object with the caps above. On success returns
 * the object (caller frees with cJSON_Delete) and *err_resp is NULL; on
 * failure returns NULL and *err_resp is the ready error response
 * (413 too_large, 400 invalid_json / too_deep / not_object). */
cJSON *mt_event_json_body(const cJSON *event, cJSON **err_resp);

/* Returns 1 if the JSON text nests deeper than max_depth (strings honoured). */
int mt_json_too_deep(const char *text, size_t len, int max_depth);

/* Builds a response; body (may be NULL for no body) is stolen and serialised.
 * Returns NULL only when out of memory. */
cJSON *mt_resp(int status, cJSON *body);

/* Bodies lent by reference. A handler that answers with bytes it keeps
 * elsewhere (a cache of rendered pages) builds the response with
 * mt_resp_lent: "body" is a cJSON string *reference* to those bytes, and
 * the calling thread holds the lease: release(arg) must run once the bytes
 * are no longer needed. The runtime claims it with mt_resp_lease_take right
 * after the handler returns: maitred hands the bytes to libmicrohttpd and
 * releases when the answer has been sent; a runtime that serialises the
 * response releases right after serialising. A lease nobody claimed is
 * released by the thread's next mt_resp_lent or mt_resp_lease_take. */
struct mt_lease {
	const char *body;             /* the lent bytes (NUL-terminated) */
	size_t len;                   /* their length */
	void (*release)(void *arg);   /* gives them back */
	void *arg;                    /* its argument */
};

/* Builds a response whose body is `len` bytes at `body`, lent until
 * release(arg). On failure (NULL) release(arg) has been called. */
cJSON *mt_resp_lent(int status, const char *body, size_t len, void (*release)(void *), void *arg);

/* When resp's body is the thread's pending lease, moves it to *out and
 * returns 1; else 0 (and a stale pending lease is released). */
int mt_resp_lease_take(const cJSON *resp, struct mt_lease *out);
/* Builds {"error": code, "message": text, "field": field?} with status. */
cJSON *mt_resp_error(int status, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Maps a store/core MT_E* code to an error response (404, 409, 412, 503, 500...). */
cJSON *mt_resp_from_err(int err, const char *what);
/* Adds or replaces a response header (lower-case name). Returns 0 or MT_ENOMEM. */
int mt_resp_header(cJSON *resp, const char *name, const char *value);

/* Reads an HTTP response object back: status, header, body string. */
int mt_resp_status(const cJSON *resp);
const char *mt_resp_body(const cJSON *resp);
const char *mt_resp_get_header(const cJSON *resp, const char *lname);

#endif
