/* Required fields of a request's JSON body (see field.h). */
#include <string.h>
#include "auth/auth.h"
#include "core/validate.h"
#include "handlers/field.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"

/* Gets a required string field; NULL and *err set to a 400 when missing or not a string. */
const char *field_required_str(const cJSON *body, const char *name, cJSON **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);

	if (v == NULL || cJSON_IsNull(v)) {
		*err = mt_resp_error(400, "missing_field", name, "'%s' is required", name);
		return NULL;
	}
	if (!cJSON_IsString(v)) {
		*err = mt_resp_error(400, "invalid_type", name, "'%s' must be a string", name);
		return NULL;
	}
	return v->valuestring;
}

const char *field_refresh_token(const struct mt_ctx *ctx, const cJSON *event, cJSON **body, cJSON **resp)
{
	const char *tok;

	*resp = NULL;
	*body = mt_event_json_body(event, resp);
	if (*body == NULL)
		return NULL;
	tok = field_required_str(*body, "refreshToken", resp);
	if (tok != NULL && ctx->store == NULL) {
		*resp = mt_resp_error(500, "internal", NULL, "no store configured");
		tok = NULL;
	}
	if (tok == NULL) {
		cJSON_Delete(*body);
		*body = NULL;
	}
	return tok;
}

/* Gets a required new password: valid UTF-8 of MT_PW_MIN..MT_PW_MAX characters. */
const char *field_password(const cJSON *body, const char *name, cJSON **err)
{
	const char *pw = field_required_str(body, name, err);
	size_t len, i;
	long chars = 0;

	if (pw == NULL)
		return NULL;
	len = strlen(pw);
	if (!mt_valid_utf8(pw, len)) {
		*err = mt_resp_error(400, "invalid_field", name, "'%s' is not valid UTF-8", name);
		return NULL;
	}
	for (i = 0; i < len; i++)
		if (((unsigned char)pw[i] & 0xC0) != 0x80)
			chars++;
	if (chars < MT_PW_MIN || chars > MT_PW_MAX) {
		*err = mt_resp_error(400, "invalid_field", name, "'%s' must be %d to %d characters long", name,
				     MT_PW_MIN, MT_PW_MAX);
		return NULL;
	}
	return pw;
}
