/* Guest data retention (issue 10 part 7): how long a restaurant keeps a
 * party's personal data (name, phone, e-mail, notes, replies) after the
 * party ends, and the activity log and handover notes after they are
 * written: the restaurant's `retentionSeconds` (GET|PUT /restaurant,
 * default 24 h). When it passes, purge_expired (store.h) erases them
 * everywhere: the waitee record, idempotency answers, and (SQLite) the WAL.
 *
 * Every write that stamps an expiry asks for the period, so it is kept per
 * tenant for RETENTION_CACHE_MS in each process (a change through PUT
 * /restaurant in the same process is seen at once; elsewhere, e.g. another
 * Lambda container, within that time). */
#ifndef MT_RETENTION_H
#define MT_RETENTION_H

#include <stdint.h>
#include "core/ctx.h"

#define RETENTION_CACHE_MS 60000     /* a looked-up period is used this long */
#define RETENTION_CACHE_SLOTS 64     /* tenants remembered per process */

/* The restaurant's retention period in seconds. Never fails: when the
 * restaurant cannot be read, MT_RETENTION_DEFAULT_S (logged). */
int64_t retention_seconds(struct mt_ctx *ctx, const char *tenant_id);

/* Forgets the remembered period of tenant_id (its restaurant was just changed). */
void retention_forget(const char *tenant_id);

#endif
