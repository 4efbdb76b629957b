/* POST /auth/logout {refreshToken}: revokes the token's whole family (every
 * refresh token of that login). 204 whether or not the token was known, so
 * the answer reveals nothing about it. */
#include "auth/auth.h"
#include "core/error.h"
#include "handlers/field.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"
#include "store/store.h"

/* Handles POST /auth/logout. */
cJSON *handler_logout(struct mt_ctx *ctx, const cJSON *event)
{
	cJSON *body, *resp;
	const char *tok;
	char family[MT_ID_SIZE], hash[65];
	struct mt_refresh rt;
	int r;

	tok = field_refresh_token(ctx, event, &body, &resp);
	if (tok == NULL)
		return resp;
	/* Only the holder of a real token of the family can revoke it. */
	if (mt_refresh_parse(tok, family, hash) == 0) {
		r = ctx->store->ops->refresh_get(ctx->store, family, hash, &rt);
		if (r == 0 && !rt.family_revoked)
			r = ctx->store->ops->refresh_revoke_family(ctx->store, family);
		if (r < 0 && r != MT_ENOTFOUND)
			resp = mt_resp_from_err(r, "refresh token");
	}
	if (resp == NULL)
		resp = mt_resp(204, NULL);
	cJSON_Delete(body);
	return resp;
}
