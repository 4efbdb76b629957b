/* Start-up wiring: which store, queue and channels a context gets from the
 * configuration (store URL, environment). The one place that chooses back
 * ends; maitred (daemon/) calls it, and the Lambda bootstrap (lambda/) is
 * to call it the same way. Errors: 0 or an MT_E* code with *cause malloc'd
 * (caller frees) when there is something to say. */
#ifndef MT_WIRING_H
#define MT_WIRING_H

#include "core/ctx.h"

/* What mt_wiring_open builds. */
enum mt_wiring_parts {
	MT_WIRING_STORE = 1,    /* open the store of the URL and create its schema */
	MT_WIRING_NOTIFY = 2,   /* queue and channels (needs the store for an embedded queue) */
	MT_WIRING_NO_SCHEMA = 4,/* with STORE: open it without creating its schema (Lambda: the table
	                         * comes from the template, and a cold start makes no DescribeTable) */
};

/* Fills cfg with defaults, data_dir and what comes from the environment
 * rather than flags (MAITRE_SMS_HOOK_SECRET). No JWT secret: see
 * mt_jwt_secret_load (auth/auth.h). */
void mt_wiring_config(struct mt_config *cfg, const char *data_dir);

/* Sets ctx->clock: the system clock, or for tests that drive a whole
 * process's time, the system clock plus the offset in the file named by
 * MAITRE_TEST_CLOCK_FILE (core/clock.h mt_clock_offset_file). Call it
 * before mt_wiring_open: the store gets the same clock. */
int mt_wiring_clock(struct mt_ctx *ctx, char **cause);

/* Builds the parts of ctx named by `parts` (enum mt_wiring_parts):
 * the store of store_url ("sqlite:PATH" or "dynamodb://TABLE?...") with its
 * schema; the queue (SQS when MAITRE_SQS_QUEUE_URL is set, else the embedded
 * queue in the same SQLite file as a sqlite: store, else none: notifications
 * off, with a warning) and the channels from the environment (MAITRE_SMS_*,
 * MAITRE_SMTP_*, MAITRE_WEBHOOK_*). On failure what was built stays in ctx:
 * mt_wiring_close frees it. */
int mt_wiring_open(struct mt_ctx *ctx, const char *store_url, unsigned parts, char **cause);

/* Frees channels, queue and store of ctx (each may be NULL) and clears them. */
void mt_wiring_close(struct mt_ctx *ctx);

#endif
