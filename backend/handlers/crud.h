/* Pieces the CRUD handlers (waitlists.c, waitees.c) share: paging arguments
 * and Link headers, If-Match / body-version preconditions, codec refusals
 * and JSON record responses. Internal to handlers/. */
#ifndef MT_HANDLERS_CRUD_H
#define MT_HANDLERS_CRUD_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/codec.h"
#include "store/store.h"

#define CRUD_LIMIT_DEFAULT 100   /* page size when ?limit= is absent */
#define CRUD_LIMIT_MAX 500       /* largest ?limit= */
#define CRUD_CURSOR_MAX 512      /* longest cursor accepted */

/* A request's version preconditions (If-Match header and body `version`). */
struct crud_pre {
	int has_hdr;      /* If-Match given (not "*") */
	int64_t hdr;      /* its version */
	int has_body;     /* body `version` given */
	int64_t body;     /* its version */
};

/* Answers the codec's refusal as a 400. */
cJSON *crud_codec_resp(const struct mt_codec_err *err);

/* Reads ?limit= and ?cursor= into page (cursor borrowed from the event); NULL or a 400 response. */
cJSON *crud_page_args(const cJSON *event, struct store_page *page);

/* Sets X-Next-Cursor and Link: <path?limit=N[&status=S]&cursor=C>; rel="next"
 * (status left out when NULL or ""). 0 or a negative MT_E* code. */
int crud_next_headers(cJSON *resp, const char *path, int limit, const char *status, const char *next);

/* Reads the If-Match header into pre; NULL or a 400 response. */
cJSON *crud_if_match(const cJSON *event, struct crud_pre *pre);

/* 412 (with the stored ETag) when a precondition names another version than
 * stored; else NULL. `what` names the record in the message ("waitee"). */
cJSON *crud_check_pre(const struct crud_pre *pre, int64_t stored, const char *what);

/* The answer to a write that lost a race: 412 when the client named a version, else 409. */
cJSON *crud_lost_race(const struct crud_pre *pre, const char *what);

/* Builds a 'status' JSON response whose body is the text in b (freed either
 * way), with ETag "version" and, when location is not NULL, Location. NULL
 * when out of memory. */
cJSON *crud_record_resp(int status, struct mt_buf *b, int64_t version, const char *location);

/* Builds a JSON response whose body is text (malloc'd, taken either way,
 * becomes the body without a copy); NULL when out of memory. */
cJSON *crud_resp_take(int status, char *text);

/* Builds a JSON response whose body is the text in b (freed either way); NULL when out of memory. */
cJSON *crud_resp_buf(int status, struct mt_buf *b);

struct mt_ctx;
struct activity_actor;

/* Adds a party to wl from a validated create patch (waitees.c): a new id
 * and guest link (core/guestlink.h), status waiting, source "host" (staff)
 * or "self" (check-in page), the joined/reminder plan, the notification
 * sent when due. id: the new party's id (NULL = a new one; an
 * Idempotency-Key retry passes its stored one: MT_ECONFLICT when it exists).
 * who (NULL = none): the activity entry "created" (with detail, or NULL)
 * is appended in the same write group as the party (one commit on SQLite).
 * On success *out is the stored party with its position and
 * guestUrl. 0 or a negative MT_E* code. */
int waitees_add(struct mt_ctx *ctx, const struct mt_waitlist *wl, const struct mt_waitee_patch *p,
		const char *source, const char *id, const struct activity_actor *who, const char *detail,
		struct mt_waitee *out);

/* Fills w->guest_url from its nonce and the configuration (waitees.c). */
void waitees_guest_url(const struct mt_ctx *ctx, struct mt_waitee *w);

#endif
