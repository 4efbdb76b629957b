/* Reading required fields of a request's JSON body, with the API's 400
 * answers. Internal to handlers/. */
#ifndef MT_HANDLERS_FIELD_H
#define MT_HANDLERS_FIELD_H

#include <cjson/cJSON.h>

/* Gets the required string field `name` of body (borrowed from it). NULL and
 * *err set to a 400 (missing_field when absent or null, invalid_type when
 * not a string; *err NULL only when out of memory) otherwise. */
const char *field_required_str(const cJSON *body, const char *name, cJSON **err);

/* Gets the required new-password field `name` of body: valid UTF-8 of
 * MT_PW_MIN..MT_PW_MAX characters (auth/auth.h). NULL and *err set to a
 * 400 otherwise. */
const char *field_password(const cJSON *body, const char *name, cJSON **err);

struct mt_ctx;

/* The start of POST /auth/refresh and /auth/logout: parses the event's JSON
 * body into *body (the caller deletes it) and returns its required string
 * `refreshToken` (borrowed from *body). NULL with *resp set to the answer
 * (400/413, or 500 when no store is configured) and *body NULL otherwise. */
const char *field_refresh_token(const struct mt_ctx *ctx, const cJSON *event, cJSON **body, cJSON **resp);

#endif
