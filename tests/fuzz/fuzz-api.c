/* libFuzzer target: requests through maitred's route table, the authorizer
 * and every route handler, on a SQLite store in a temporary directory seeded
 * with an owner, a waitlist (self check-in on) and a party. Built by
 * tests/fuzz/meson.build with -Dfuzz=true and clang; test.sh runs it.
 *
 * The seeded store is tests/fuzz/seed.h's. Input, one of two shapes:
 *   an HTTP request as text: "METHOD PATH[?QUERY]\n", header lines
 *     "name: value\n", an empty line, then the body;
 *   an API Gateway v2 event (JSON starting with '{'), as Lambda gets it:
 *     its routeKey picks the handler, and for a protected route the
 *     authorizer's own answer replaces requestContext.authorizer (as API
 *     Gateway does).
 * In both, these words are replaced by the seeded values so the fuzzer gets
 * past authentication and lookups: $TOKEN ("Bearer <jwt>" of the owner),
 * $WL (waitlist id), $WE (party id), $GUEST (the party's guest page path),
 * $CHECKIN (the list's check-in path), $REFRESH (a refresh token), $STAFF
 * (a staff account's id), $GCSRF
 * and $CCSRF (the guest and check-in forms' csrf values). A store changed
 * for good (a 2xx DELETE or /auth/ call) is copied back from the seed before
 * the next run, so one input's delete does not hide the rest.
 * Checks: every answer is a status from 200 to 599 and never 500 (the store
 * is healthy, so a 500 is a handler bug); a JSON answer's body parses; the
 * answer converts to an HTTP response as maitred sends it.
 * MAITRE_FUZZ_VERBOSE=1 prints each answer's status and body start. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "daemon/maitred.h"
#include "seed.h"

#define FUZZ_API_RESET 500    /* runs between two copies of the seeded store */
#define FUZZ_API_IN_MAX 16384 /* longer inputs are skipped (the body cap is tested elsewhere) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_seed F;   /* the seeded store and context */

/* Checks an answer: a status from 200 to 599, never 500, JSON bodies parse,
 * and it converts to an HTTP answer; frees it. */
static void fuzz_api_check(cJSON *resp)
{
	struct event_response er;
	int status;
	const char *ct;

	if (resp == NULL)
		fuzz_seed_die("no answer", NULL);
	status = mt_resp_status(resp);
	ct = mt_resp_get_header(resp, "content-type");
	if (getenv("MAITRE_FUZZ_VERBOSE") != NULL)   /* to check a corpus reaches the handlers */
		fprintf(stderr, "fuzz-api: %d %.200s\n", status, mt_resp_body(resp) ? mt_resp_body(resp) : "");
	if (status < 200 || status > 599 || status == 500)
		fuzz_seed_die("bad status", mt_resp_body(resp));
	if (ct != NULL && strncmp(ct, "application/json", 16) == 0 && mt_resp_body(resp) != NULL &&
	    mt_resp_body(resp)[0] != '\0') {
		cJSON *b = cJSON_Parse(mt_resp_body(resp));

		if (b == NULL)
			fuzz_seed_die("the JSON answer does not parse", mt_resp_body(resp));
		cJSON_Delete(b);
	}
	if (event_response_take(resp, &er) < 0)
		fuzz_seed_die("the answer does not convert", NULL);
	if (er.status != status)
		fuzz_seed_die("the converted status differs", NULL);
	if (er.lease.release != NULL)
		er.lease.release(er.lease.arg);
	else
		free(er.body);
	cJSON_Delete(resp);
}

/* An HTTP request as text: request line, headers, empty line, body. */
static void fuzz_api_text(char *s, size_t len)
{
	char *end = s + len, *nl = memchr(s, '\n', len), *sp, *q, *line;
	cJSON *h = cJSON_CreateObject(), *resp;
	const char *query = "";

	if (nl == NULL || h == NULL) {
		cJSON_Delete(h);
		return;
	}
	*nl = '\0';
	sp = strchr(s, ' ');
	if (sp == NULL || sp[1] != '/') {
		cJSON_Delete(h);
		return;
	}
	*sp = '\0';
	if ((q = strchr(sp + 1, '?')) != NULL) {
		*q = '\0';
		query = q + 1;
	}
	line = nl + 1;
	while (line < end) {
		char *le = memchr(line, '\n', (size_t)(end - line)), *colon, *v;

		if (le == NULL)
			le = end;
		*le = '\0';
		if (line == le) {   /* the empty line: the body follows */
			line = le + 1;
			break;
		}
		colon = strchr(line, ':');
		if (colon != NULL) {
			*colon = '\0';
			for (char *c = line; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c - 'A' + 'a');
			for (v = colon + 1; *v == ' '; v++)
				;
			/* repeated headers are joined by maitred; keep the first here */
			if (cJSON_GetObjectItemCaseSensitive(h, line) == NULL)
				cJSON_AddStringToObject(h, line, v);
		}
		line = le + 1;
	}
	if (line > end)
		line = end;
	resp = fuzz_seed_request(&F, s, sp + 1, query, h, line, (size_t)(end - line));
	if (mt_resp_status(resp) < 300 && (strcmp(s, "DELETE") == 0 || strncmp(sp + 1, "/auth/", 6) == 0))
		fuzz_seed_dirty(&F);
	fuzz_api_check(resp);
}

/* An API Gateway v2 event, as the Lambda runtime hands it to a handler. */
static void fuzz_api_event(const char *s, size_t len)
{
	cJSON *ev = cJSON_ParseWithLength(s, len), *rc, *resp;
	const char *rk;
	const struct route *r;
	const struct mt_handler *h;

	if (!cJSON_IsObject(ev)) {
		cJSON_Delete(ev);
		return;
	}
	rk = mt_event_route(ev);
	for (r = maitred_routes; rk != NULL && r->method != NULL; r++)
		if (strcmp(r->route_key, rk) == 0)
			break;
	if (rk == NULL || r->method == NULL) {
		cJSON_Delete(ev);
		return;
	}
	rc = cJSON_GetObjectItemCaseSensitive(ev, "requestContext");
	if (cJSON_IsObject(rc))
		cJSON_DeleteItemFromObjectCaseSensitive(rc, "authorizer");
	if (r->protected) {
		cJSON *ar = handler_authorizer(&F.ctx, ev), *ctxo;

		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ar, "isAuthorized"))) {
			cJSON_Delete(ar);
			cJSON_Delete(ev);
			return;   /* API Gateway answers 401 itself */
		}
		ctxo = cJSON_DetachItemFromObjectCaseSensitive(ar, "context");
		cJSON_Delete(ar);
		if (ctxo == NULL || event_put_authorizer(ev, ctxo) < 0) {
			cJSON_Delete(ev);
			return;
		}
	}
	h = mt_handler_find(r->handler);
	resp = h->fn(&F.ctx, ev);
	if (mt_resp_status(resp) < 300 && (strcmp(r->method, "DELETE") == 0 || strncmp(r->pattern, "/auth/", 6) == 0))
		fuzz_seed_dirty(&F);
	cJSON_Delete(ev);
	fuzz_api_check(resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t len;

	if (F.dir[0] == '\0')
		fuzz_seed_init(&F, FUZZ_API_RESET);
	if (size == 0 || size > FUZZ_API_IN_MAX)
		return 0;
	fuzz_seed_next(&F);
	s = fuzz_seed_expand(&F, (const char *)data, size, &len);
	if (s == NULL)
		return 0;
	if (s[0] == '{')
		fuzz_api_event(s, len);
	else
		fuzz_api_text(s, len);
	free(s);
	return 0;
}
