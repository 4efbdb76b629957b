/* Notification wiring used outside notify/: set-up of queue and channels
 * for a context, and the hook the waitees handler calls after a change. */
#ifndef MT_NOTIFY_H
#define MT_NOTIFY_H

#include "core/model.h"
#include "handlers/handler.h"

/* Opens ctx->queue (embedded in the SQLite store for "sqlite:PATH", SQS
 * when MAITRE_SQS_QUEUE_URL is set) and ctx->channels from the environment
 * (MAITRE_SMS_*, MAITRE_SMTP_*, MAITRE_WEBHOOK_*). *cause malloc'd on error. */
int mt_notify_setup(struct mt_ctx *ctx, const char *store_url, char **cause);
/* Frees what mt_notify_setup made. */
void mt_notify_teardown(struct mt_ctx *ctx);

/* Called by the waitees handler after it stored a created (created=1) or
 * updated waitee: enqueues at once what is due now (notify now, joined
 * message). Never fails the request: on error the producer's next tick
 * picks the waitee up from the due index. */
void mt_notify_after_change(struct mt_ctx *ctx, struct mt_waitee *w, int created);

#endif
