/* Idempotency-Key on creates (POST /waitlists, POST /waitlists/{id}/waitees):
 * the same key and the same request from the same restaurant within 24 h
 * get the first answer again and create nothing; the same key with another
 * request answers 422; a request while the first with its key is still
 * running answers 409 idempotency_in_progress (Retry-After: 1). Records
 * live in the store (store.h idem_*). Internal to handlers/.
 *
 * Use: validate the body first (a 400 never touches the key), choose the
 * new record's id, then idem_start; create the record with the id it leaves
 * in res_id (the same one again when a retry takes over a claim whose
 * request died); answer through idem_end. */
#ifndef MT_HANDLERS_IDEMPOTENCY_H
#define MT_HANDLERS_IDEMPOTENCY_H

#include <cjson/cJSON.h>
#include "core/model.h"
#include "handlers/handler.h"
#include "store/store.h"

/* One create's key and its claim. */
struct idem_req {
	int active;               /* 1 when the request carries a key and holds its claim */
	struct store_idem rec;    /* the claim (taken_over says the record may exist already) */
};

/* Reads Idempotency-Key and claims it for this request (tenant; the route,
 * path ids and raw body make the fingerprint). res_id: in, the id the
 * handler will create; out, the stored one on a take-over. NULL: go on
 * (req->active says whether a key is in play). Else the answer to send:
 * 400 invalid_header, the first answer again, 409 idempotency_in_progress,
 * 422 idempotency_key_reused, 503. */
cJSON *idem_start(struct mt_ctx *ctx, const cJSON *event, const char *tenant, char res_id[MT_ID_SIZE],
		  struct idem_req *req);

/* Ends a create: a 2xx answer is stored for replays; otherwise the key is
 * freed when nothing was created (created 0), or left claimed so that a
 * retry after the lease takes it over and finds the record. Returns resp. */
cJSON *idem_end(struct mt_ctx *ctx, struct idem_req *req, cJSON *resp, int created);

#endif
