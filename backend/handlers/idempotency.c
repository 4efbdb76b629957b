/* Idempotency-Key on creates (see idempotency.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"
#include "handlers/retention.h"
#include "handlers/crud.h"
#include "handlers/idempotency.h"
#include "apigw/apigw.h"

/* 1 when key is 1..STORE_IDEM_KEY_MAX bytes of printable ASCII without spaces. */
static int idem_key_ok(const char *key)
{
	size_t i, n = strlen(key);

	if (n == 0 || n > STORE_IDEM_KEY_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)key[i] < 0x21 || (unsigned char)key[i] > 0x7e)
			return 0;
	return 1;
}

/* Hex SHA-256 of the route, the waitlist id of the path and the raw body. */
static int idem_fingerprint(const cJSON *event, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	const char *route = mt_event_route(event), *wl = mt_event_path_param(event, "waitlistId");
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	char *body = NULL;
	size_t len = 0, i;
	int r;

	if ((r = mt_event_body(event, &body, &len)) < 0)
		return r;
	if (mt_sodium_init() < 0) {
		free(body);
		return MT_EIO;
	}
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)(route ? route : ""), strlen(route ? route : ""));
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)(wl ? wl : ""), strlen(wl ? wl : ""));
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)body, len);
	crypto_hash_sha256_final(&st, h);
	free(body);
	for (i = 0; i < sizeof h; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

/* The stored first answer, marked Idempotent-Replayed. NULL when out of memory. */
static cJSON *idem_replay(const struct store_idem *rec)
{
	char *text = strdup(rec->body ? rec->body : "");
	cJSON *resp;

	if (text == NULL)
		return NULL;
	resp = crud_resp_take(rec->status, text);
	if (resp != NULL && (mt_resp_header(resp, "idempotent-replayed", "true") < 0 ||
			     (rec->location[0] && mt_resp_header(resp, "location", rec->location) < 0) ||
			     (rec->etag[0] && mt_resp_header(resp, "etag", rec->etag) < 0))) {
		cJSON_Delete(resp);
		resp = NULL;
	}
	return resp;
}

/* The answer for a key another request holds or held (*rec is its record,
 * fingerprint the one of this request). NULL when out of memory. */
static cJSON *idem_taken(const struct store_idem *rec, const char *fingerprint)
{
	cJSON *resp;

	if (strcmp(rec->fingerprint, fingerprint) != 0)
		return mt_resp_error(422, "idempotency_key_reused", "Idempotency-Key",
				     "this Idempotency-Key was used for another request in the last 24 hours");
	if (rec->done)
		return idem_replay(rec);
	resp = mt_resp_error(409, "idempotency_in_progress", "Idempotency-Key",
			     "a request with this Idempotency-Key is still running; retry it");
	if (resp != NULL && mt_resp_header(resp, "retry-after", "1") < 0) {
		cJSON_Delete(resp);
		resp = NULL;
	}
	return resp;
}

/* Claims the request's key, or answers for it. */
cJSON *idem_start(struct mt_ctx *ctx, const cJSON *event, const char *tenant, char res_id[MT_ID_SIZE],
		  struct idem_req *req)
{
	const char *key = mt_event_header(event, "idempotency-key");
	struct store_idem *rec = &req->rec;
	char fingerprint[65];
	int64_t now;
	cJSON *resp;
	int r;

	memset(req, 0, sizeof *req);
	if (key == NULL)
		return NULL;
	if (!idem_key_ok(key))
		return mt_resp_error(400, "invalid_header", "Idempotency-Key",
				     "Idempotency-Key must be 1 to %d printable ASCII characters without spaces",
				     STORE_IDEM_KEY_MAX);
	if (strlen(tenant) >= sizeof rec->tenant_id)
		return mt_resp_error(401, "unauthorized", NULL, "a valid access token is required");
	r = idem_fingerprint(event, fingerprint);
	if (r < 0)
		return r == MT_ENOMEM ? NULL : mt_resp_from_err(r, "idempotency key");
	memcpy(rec->tenant_id, tenant, strlen(tenant) + 1);
	memcpy(rec->key, key, strlen(key) + 1);
	memcpy(rec->fingerprint, fingerprint, sizeof rec->fingerprint);
	memcpy(rec->res_id, res_id, sizeof rec->res_id);
	now = mt_now(ctx);
	rec->created_at = now;
	/* the stored answer holds guest data: never kept past the retention period */
	rec->expires_at = now / 1000 + STORE_IDEM_TTL_S;
	if (retention_seconds(ctx, tenant) < STORE_IDEM_TTL_S)
		rec->expires_at = now / 1000 + retention_seconds(ctx, tenant);
	r = ctx->store->ops->idem_begin(ctx->store, rec, now);
	if (r == 0) {
		memcpy(res_id, rec->res_id, MT_ID_SIZE);
		req->active = 1;
		return NULL;
	}
	resp = r == MT_ECONFLICT ? idem_taken(rec, fingerprint) : mt_resp_from_err(r, "idempotency key");
	free(rec->body);
	rec->body = NULL;
	return resp;
}

/* Stores a 2xx answer, or frees (or keeps) the claim. */
cJSON *idem_end(struct mt_ctx *ctx, struct idem_req *req, cJSON *resp, int created)
{
	struct store_idem *rec = &req->rec;
	int status = resp != NULL ? mt_resp_status(resp) : 500;

	if (!req->active)
		return resp;
	req->active = 0;
	if (status >= 200 && status < 300) {
		const char *loc = mt_resp_get_header(resp, "location"), *etag = mt_resp_get_header(resp, "etag");

		rec->done = 1;
		rec->status = status;
		rec->body = (char *)mt_resp_body(resp);   /* borrowed: idem_finish only reads it */
		snprintf(rec->location, sizeof rec->location, "%s", loc ? loc : "");
		snprintf(rec->etag, sizeof rec->etag, "%s", etag ? etag : "");
		/* On failure the claim stays: a retry after the lease takes it over
		 * and finds the record by its id. */
		(void)ctx->store->ops->idem_finish(ctx->store, rec);
		rec->body = NULL;
	} else if (!created) {
		(void)ctx->store->ops->idem_release(ctx->store, rec);
	}
	return resp;
}
