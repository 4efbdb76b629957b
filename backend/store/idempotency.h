/* The idempotency-key operations of each back end (struct store_ops
 * idem_begin / idem_finish / idem_release; contract in store.h), kept in
 * their own files: sqlite-idempotency.c, dynamodb-idempotency.c. Internal
 * to store/. */
#ifndef MT_STORE_IDEMPOTENCY_H
#define MT_STORE_IDEMPOTENCY_H

#include <stdint.h>
#include "store/store.h"

int store_sqlite_idem_begin(struct store *s, struct store_idem *rec, int64_t now_ms);
int store_sqlite_idem_finish(struct store *s, const struct store_idem *rec);
int store_sqlite_idem_release(struct store *s, const struct store_idem *rec);

int store_ddb_idem_begin(struct store *s, struct store_idem *rec, int64_t now_ms);
int store_ddb_idem_finish(struct store *s, const struct store_idem *rec);
int store_ddb_idem_release(struct store *s, const struct store_idem *rec);

#endif
