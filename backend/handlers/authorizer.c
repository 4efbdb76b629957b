/* The API Gateway HTTP API Lambda authorizer (simple responses): verifies the
 * "Authorization: Bearer <jwt>" header of a request event and answers
 * {"isAuthorized": true, "context": {"sub", "tenantId", "role"}} or
 * {"isAuthorized": false}. maitred runs it before every protected route and
 * copies the context into requestContext.authorizer.lambda. */
#include <string.h>
#include <strings.h>
#include "auth/auth.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"

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

/* Builds the simple response; claims NULL for a refusal. */
static cJSON *authorizer_answer(const struct mt_claims *claims)
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
	    cJSON_AddStringToObject(c, "role", claims->role) == NULL)
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

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return authorizer_answer(NULL);
	h += 7;
	while (*h == ' ')
		h++;
	if (mt_jwt_verify(&ctx->cfg, h, mt_now(ctx), &claims, &why) != 0)
		return authorizer_answer(NULL);
	return authorizer_answer(&claims);
}
