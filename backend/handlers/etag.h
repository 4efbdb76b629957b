/* Whole-list ETags and If-None-Match for the list routes (GET /waitlists,
 * GET /waitlists/{id}/waitees).
 *
 * The tag is strong: "\"" + 32 hex digits of BLAKE2b-128 + "\"" over exactly
 * the body bytes and the next-page cursor of the answer, so it changes when
 * anything the answer holds changes and only then, on every back end (no
 * revision needed). A page kept by the list cache keeps its tag, so a hit
 * costs no hashing. Internal to handlers/. */
#ifndef MT_HANDLERS_ETAG_H
#define MT_HANDLERS_ETAG_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define ETAG_SIZE 35   /* '"' + 32 hex + '"' + NUL */

/* Writes the tag of an answer (body, len bytes; next cursor or NULL) to out.
 * 0, or MT_EIO when the hash could not start. */
int etag_of(const char *body, size_t len, const char *next, char out[ETAG_SIZE]);

/* 1 when the request's If-None-Match holds tag (weak comparison, RFC 9110
 * 13.1.2: a W/ prefix is ignored; "*" matches), else 0 (also when absent). */
int etag_none_match(const cJSON *event, const char *tag);

/* The 304 answer: no body, the tag in ETag. NULL when out of memory. */
cJSON *etag_not_modified(const char *tag);

/* Sets the ETag header of resp (freed on failure). Returns resp or NULL. */
cJSON *etag_set(cJSON *resp, const char *tag);

#endif
