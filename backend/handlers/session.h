/* The answer shared by the token and refresh handlers: a new session. */
#ifndef MT_SESSION_H
#define MT_SESSION_H

#include <cjson/cJSON.h>
#include "core/ctx.h"
#include "core/model.h"

/* Builds the 200 login/refresh response for u: a new access token and a new
 * refresh token of family_id (stored via ctx->store), as
 * {"accessToken":"Bearer ...","expiresIn":N,"refreshToken":"...",
 * "refreshExpiresIn":N,"role":"...","name":"...","mustChangePassword":bool,
 * "restaurant":{"name":"...","timezone":"..."}} (the restaurant for the
 * app's header and clock: a host may not GET /restaurant). NULL only when
 * out of memory; store failures give an error response. */
cJSON *session_response(struct mt_ctx *ctx, const struct mt_user *u, const char *family_id);

#endif
