/* The API Gateway HTTP API Lambda authorizer (simple responses): verifies the
 * "Authorization: Bearer <jwt>" header of a request event, then the account
 * it names (one user_get): it must exist in the token's tenant with the
 * token's role, not be disabled, and not have revoked the sessions the
 * token belongs to (revoked_before, against the issue time in its jti).
 * Answers {"isAuthorized": true, "context": {"sub", "tenantId", "role",
 * "name", "pwChange"}} or {"isAuthorized": false}; NULL when the store
 * failed (maitred answers 503; on AWS a failing authorizer is a 500).
 * maitred runs it before every protected route and copies the context into
 * requestContext.authorizer.lambda. Results are cached (maitred's
 * --auth-cache-seconds, API Gateway's authorizer TTL): a disabled account's
 * or a changed role's token is refused within that time (docs/staff.md). */
#include <string.h>
#include <strings.h>
#include "auth/auth.h"
#include "core/error.h"
#include "handlers/access.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"
#include "store/store.h"

/* Finds the Authorization value: headers.authorization, else identitySource[0]. */
static const char *authorizer_header(const cJSON *event)
{
	const char *h = mt_event_header(event, "authorization");
	const cJSON *src;

	if (h != NULL)
		return h;
	src = cJSON_GetObjectItemCaseSensitive(event, "identitySource");
	if (cJSON_IsArray(src) && cJSON_IsString(cJSON_GetArrayItem(src, 0)))
		return cJSON_GetArrayItem(src, 0)->valuestring;
	return NULL;
}

/* Builds the simple response; claims NULL for a refusal. u: the account. */
static cJSON *authorizer_answer(const struct mt_claims *claims, const struct mt_user *u)
{
	cJSON *r = cJSON_CreateObject(), *c;

	if (r == NULL)
		return NULL;
	if (cJSON_AddBoolToObject(r, "isAuthorized", claims != NULL) == NULL)
		goto fail;
	if (claims == NULL)
		return r;
	c = cJSON_AddObjectToObject(r, "context");
	if (c == NULL || cJSON_AddStringToObject(c, "sub", claims->sub) == NULL ||
	    cJSON_AddStringToObject(c, "tenantId", claims->tenant_id) == NULL ||
	    cJSON_AddStringToObject(c, "role", claims->role) == NULL ||
	    cJSON_AddStringToObject(c, "name", u->name) == NULL ||
	    cJSON_AddStringToObject(c, MT_ACCESS_PW_CHANGE_KEY, u->must_change_password ? "1" : "0") == NULL)
		goto fail;
	return r;
fail:
	cJSON_Delete(r);
	return NULL;
}

/* Handles an authorizer invocation. */
cJSON *handler_authorizer(struct mt_ctx *ctx, const cJSON *event)
{
	const char *h = authorizer_header(event), *why = NULL;
	struct mt_claims claims;
	struct mt_user u;
	int r;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return authorizer_answer(NULL, NULL);
	h += 7;
	while (*h == ' ')
		h++;
	if (mt_jwt_verify(&ctx->cfg, h, mt_now(ctx), &claims, &why) != 0)
		return authorizer_answer(NULL, NULL);
	if (ctx->store == NULL)
		return authorizer_answer(NULL, NULL);   /* cannot check the account: fail closed */
	r = ctx->store->ops->user_get(ctx->store, claims.sub, &u);
	if (r == MT_ENOTFOUND)
		return authorizer_answer(NULL, NULL);
	if (r < 0)
		return NULL;
	memset(u.password_hash, 0, sizeof u.password_hash);
	if (u.disabled || strcmp(u.tenant_id, claims.tenant_id) != 0 || strcmp(u.role, claims.role) != 0 ||
	    claims.issued_ms < u.revoked_before)
		return authorizer_answer(NULL, NULL);
	return authorizer_answer(&claims, &u);
}
