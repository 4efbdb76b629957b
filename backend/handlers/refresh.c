/* POST /auth/refresh {refreshToken}: rotates a refresh token. 200 with a new
 * access token and a new refresh token of the same family (the old one is
 * spent); a spent token presented again revokes the whole family (reuse
 * means it was stolen); unknown, expired or revoked tokens answer 401, and
 * so do those of a disabled account or of a session begun before the
 * account's revoked_before (docs/staff.md). */
#include <string.h>
#include "auth/auth.h"
#include "core/error.h"
#include "core/id.h"
#include "handlers/field.h"
#include "handlers/handler.h"
#include "handlers/session.h"
#include "apigw/apigw.h"
#include "store/store.h"

/* The one answer for every refused refresh token. */
static cJSON *refresh_invalid(void)
{
	return mt_resp_error(401, "invalid_refresh_token", "refreshToken",
			     "the refresh token is invalid, expired or revoked; log in again");
}

/* Revokes a family after a detected reuse and answers 401. */
static cJSON *refresh_reused(struct mt_ctx *ctx, const char *family)
{
	int r = ctx->store->ops->refresh_revoke_family(ctx->store, family);

	if (r < 0 && r != MT_ENOTFOUND)
		return mt_resp_from_err(r, "refresh token");
	return refresh_invalid();
}

/* Handles POST /auth/refresh. */
cJSON *handler_refresh(struct mt_ctx *ctx, const cJSON *event)
{
	cJSON *body, *resp;
	const char *tok;
	char family[MT_ID_SIZE], hash[65];
	struct mt_refresh rt;
	struct mt_user u;
	int r;

	tok = field_refresh_token(ctx, event, &body, &resp);
	if (tok == NULL)
		return resp;
	if (mt_refresh_parse(tok, family, hash) < 0) {
		resp = refresh_invalid();
		goto done;
	}
	r = ctx->store->ops->refresh_get(ctx->store, family, hash, &rt);
	if (r < 0) {
		resp = r == MT_ENOTFOUND ? refresh_invalid() : mt_resp_from_err(r, "refresh token");
		goto done;
	}
	if (rt.family_revoked || rt.expires_at <= mt_now(ctx)) {
		resp = refresh_invalid();
		goto done;
	}
	if (rt.used) {
		resp = refresh_reused(ctx, family);
		goto done;
	}
	r = ctx->store->ops->user_get(ctx->store, rt.user_id, &u);
	if (r == MT_ENOTFOUND) {
		resp = refresh_reused(ctx, family);  /* account gone: the family is worthless */
		goto done;
	}
	if (r < 0) {
		resp = mt_resp_from_err(r, "account");
		goto done;
	}
	/* A disabled account, or sessions revoked since this one began (role
	 * changed, password reset or changed): the family is worthless. */
	if (u.disabled || mt_id_time(family) < u.revoked_before) {
		resp = refresh_reused(ctx, family);
		goto done;
	}
	/* Spend the token; losing this race means it was presented twice. */
	r = ctx->store->ops->refresh_mark_used(ctx->store, family, hash);
	if (r == MT_ECONFLICT || r == MT_ENOTFOUND) {
		resp = refresh_reused(ctx, family);
		goto done;
	}
	if (r < 0) {
		resp = mt_resp_from_err(r, "refresh token");
		goto done;
	}
	resp = session_response(ctx, &u, family);
	memset(u.password_hash, 0, sizeof u.password_hash);
done:
	cJSON_Delete(body);
	return resp;
}
