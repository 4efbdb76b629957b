/* The purge, on a schedule (EventBridge, every 15 minutes on AWS): deletes
 * what has expired (store.h purge_expired), above all a finished party's
 * guest data once the restaurant's retention period has passed (issue 10
 * part 7). On DynamoDB this is what erases on time: the table's TTL may lag
 * by days. maitred runs the same store call from its own scheduler
 * (daemon/jobs.c). Answers {"removed": N}. */
#include "core/error.h"
#include "core/log.h"
#include "handlers/handler.h"
#include "store/store.h"

#define PURGE_BATCH 100      /* records of each kind per store call */
#define PURGE_ROUNDS 50      /* store calls per invocation at most */

/* Handles one scheduled event. */
cJSON *handler_purge(struct mt_ctx *ctx, const cJSON *event)
{
	int removed = 0, total = 0, rounds = 0, r = 0;
	cJSON *out;

	(void)event;
	if (ctx == NULL || ctx->store == NULL || ctx->store->ops->purge_expired == NULL)
		return NULL;
	do {
		r = ctx->store->ops->purge_expired(ctx->store, mt_now(ctx) / 1000, PURGE_BATCH, &removed);
		if (r == 0)
			total += removed;
	} while (r == 0 && removed > 0 && ++rounds < PURGE_ROUNDS);
	if (r < 0)
		mt_log("warn", "purge: store failed", "error", mt_strerror(r), NULL);
	out = cJSON_CreateObject();
	if (out != NULL && cJSON_AddNumberToObject(out, "removed", total) == NULL) {
		cJSON_Delete(out);
		out = NULL;
	}
	return out;
}
