/* The handler contract (README "Map of the code"; docs/contributing.md).
 *
 * A handler takes the event JSON that AWS would give the function and returns
 * the JSON AWS expects back: API Gateway HTTP API payload 2.0 for routes,
 * the simple authorizer response, the scheduled event for the producer, the
 * SQS event with batchItemFailures for the consumer. The event is borrowed;
 * the returned object is owned by the caller (NULL only when out of memory:
 * the host answers 500). Dependencies come from the context, never globals. */
#ifndef MT_HANDLER_H
#define MT_HANDLER_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include "core/ctx.h"

typedef cJSON *(*mt_handler_fn)(struct mt_ctx *ctx, const cJSON *event);

/* A named handler: the Lambda `_HANDLER` name and the function. */
struct mt_handler {
	const char *name;   /* e.g. "register", "waitlists" */
	mt_handler_fn fn;   /* entry point */
};

/* The handler table (handlers/handlers.c), terminated by {NULL, NULL}. */
extern const struct mt_handler mt_handlers[];

/* Looks up a handler by name; NULL when unknown. */
const struct mt_handler *mt_handler_find(const char *name);

/* One declaration per handler file. */
cJSON *handler_healthz(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_register(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_token(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_refresh(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_logout(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_authorizer(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_waitlists(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_waitees(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_producer(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_consumer(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_sms_hook(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_guest(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_checkin(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_staff(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_password(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_restaurant(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_stats(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_activity(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_handover(struct mt_ctx *ctx, const cJSON *event);
cJSON *handler_purge(struct mt_ctx *ctx, const cJSON *event);

#endif
