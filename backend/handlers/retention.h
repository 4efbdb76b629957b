/* Guest data retention (issue 10 part 7): how long a restaurant keeps a
 * party's personal data (name, phone, e-mail, notes, replies) after the
 * party ends, and the activity log and handover notes after they are
 * written. When it passes, purge_expired (store.h) erases them everywhere:
 * the waitee record, idempotency answers, and (SQLite) the WAL. */
#ifndef MT_RETENTION_H
#define MT_RETENTION_H

#include <stdint.h>
#include "core/ctx.h"

#define RETENTION_DEFAULT_S 86400    /* 24 h, as the original's TTL */
#define RETENTION_MIN_S 3600         /* shortest allowed: the undo window and a shift fit in it */

/* The restaurant's retention period in seconds (RETENTION_DEFAULT_S until
 * the restaurant record carries one). Never fails: a store error gives the default. */
int64_t retention_seconds(struct mt_ctx *ctx, const char *tenant_id);

#endif
