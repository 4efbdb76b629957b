/* The answer to a successful login or refresh: a new access token and a new
 * refresh token of the session's family, the latter stored by hash only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"
#include "apigw/apigw.h"
#include "handlers/restaurant.h"
#include "handlers/session.h"
#include "store/store.h"

/* Builds the 200 login/refresh response for u with a refresh token of family_id. */
cJSON *session_response(struct mt_ctx *ctx, const struct mt_user *u, const char *family_id)
{
	int64_t now = mt_now(ctx);
	struct mt_refresh rt;
	struct mt_restaurant rest;
	char token[MT_REFRESH_TOKEN_SIZE];
	cJSON *ro;
	char *jwt = NULL, *bearer = NULL;
	cJSON *body = NULL, *resp = NULL;
	size_t n;
	int r;

	memset(&rt, 0, sizeof rt);
	r = restaurant_load(ctx, u->tenant_id, &rest);
	if (r < 0)
		return mt_resp_from_err(r, "restaurant");
	r = mt_jwt_issue(&ctx->cfg, u, now, &jwt);
	if (r < 0)
		return mt_resp_error(500, "internal", NULL, "cannot issue an access token (%s)", mt_strerror(r));
	r = mt_refresh_new(family_id, token, rt.token_hash);
	if (r < 0) {
		free(jwt);
		return mt_resp_error(500, "internal", NULL, "cannot make a refresh token (%s)", mt_strerror(r));
	}
	memcpy(rt.family_id, family_id, MT_ID_SIZE);
	memcpy(rt.user_id, u->id, MT_ID_SIZE);
	rt.created_at = now;
	rt.expires_at = now + (int64_t)ctx->cfg.refresh_ttl_s * 1000;
	r = ctx->store->ops->refresh_create(ctx->store, &rt);
	if (r < 0) {
		free(jwt);
		sodium_memzero(token, sizeof token);
		return mt_resp_from_err(r, "refresh token");
	}
	n = strlen(jwt) + sizeof "Bearer ";
	bearer = malloc(n);
	body = cJSON_CreateObject();
	if (bearer == NULL || body == NULL)
		goto done;
	snprintf(bearer, n, "Bearer %s", jwt);
	if (cJSON_AddStringToObject(body, "accessToken", bearer) == NULL ||
	    cJSON_AddNumberToObject(body, "expiresIn", ctx->cfg.access_ttl_s) == NULL ||
	    cJSON_AddStringToObject(body, "refreshToken", token) == NULL ||
	    cJSON_AddNumberToObject(body, "refreshExpiresIn", ctx->cfg.refresh_ttl_s) == NULL ||
	    cJSON_AddStringToObject(body, "role", u->role) == NULL ||
	    cJSON_AddStringToObject(body, "name", u->name) == NULL ||
	    cJSON_AddBoolToObject(body, "mustChangePassword", u->must_change_password) == NULL ||
	    (ro = cJSON_AddObjectToObject(body, "restaurant")) == NULL || restaurant_to_json(&rest, 0, ro) < 0)
		goto done;
	resp = mt_resp(200, body);
	body = NULL;
	if (resp != NULL && mt_resp_header(resp, "cache-control", "no-store") < 0) {
		cJSON_Delete(resp);
		resp = NULL;
	}
done:
	cJSON_Delete(body);
	free(bearer);
	free(jwt);
	sodium_memzero(token, sizeof token);
	return resp;
}
