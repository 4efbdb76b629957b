/* POST /register {email, password, name, restaurantName?, timezone?,
 * phoneCountry?}: creates a restaurant (tenant) and its owner account. With
 * any of the last three the restaurant's record is stored first (its name
 * in messages, on the guest page, in the app; the zone of its clocks and
 * stats; the country of phone numbers typed without +), and deleted again
 * when the account is refused (e-mail taken, a store failure); without,
 * the restaurant has the defaults until the owner PUTs /restaurant. 201
 * with the account (and "restaurant": {name,
 * timezone}), 409 email_taken, 400 naming the field for bad input. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"
#include "core/id.h"
#include "core/log.h"
#include "core/validate.h"
#include "handlers/field.h"
#include "handlers/handler.h"
#include "handlers/limit.h"
#include "handlers/restaurant.h"
#include "apigw/apigw.h"
#include "store/store.h"

/* Fields a client may not set on an account. */
static const char *const register_server_owned[] = {
	"id", "tenantId", "role", "version", "createdAt", "passwordHash", NULL
};

/* Counts the characters (code points) of valid UTF-8 s; -1 when not UTF-8. */
static long register_utf8_chars(const char *s)
{
	size_t len = strlen(s), i;
	long n = 0;

	if (!mt_valid_utf8(s, len))
		return -1;
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/* Builds the 201 answer for a new account of restaurant rest. */
static cJSON *register_created(const struct mt_user *u, const struct mt_restaurant *rest)
{
	cJSON *b = cJSON_CreateObject(), *ro;

	if (b == NULL)
		return NULL;
	if (cJSON_AddStringToObject(b, "id", u->id) == NULL ||
	    cJSON_AddStringToObject(b, "email", u->email) == NULL ||
	    cJSON_AddStringToObject(b, "name", u->name) == NULL ||
	    cJSON_AddStringToObject(b, "tenantId", u->tenant_id) == NULL ||
	    cJSON_AddStringToObject(b, "role", u->role) == NULL ||
	    cJSON_AddNumberToObject(b, "createdAt", (double)u->created_at) == NULL ||
	    (ro = cJSON_AddObjectToObject(b, "restaurant")) == NULL || restaurant_to_json(rest, 0, ro) < 0) {
		cJSON_Delete(b);
		return NULL;
	}
	return mt_resp(201, b);
}

/* Deletes the restaurant record written for an account the store then
 * refused (e-mail taken, or a failure): no record is left for a tenant id
 * nobody holds. Only the version we wrote; a failure is logged (the record
 * is unreachable, so it harms nothing but room). */
static void register_undo_restaurant(struct mt_ctx *ctx, const struct mt_restaurant *rest)
{
	int r;

	if (ctx->store->ops->restaurant_delete == NULL)
		return;
	r = ctx->store->ops->restaurant_delete(ctx->store, rest->id, rest->version);
	if (r < 0 && r != MT_ENOTFOUND)
		mt_log("warn", "register: the refused account's restaurant record stays", "tenant", rest->id,
		       "error", mt_strerror(r), (const char *)NULL);
}

/* Handles POST /register. */
cJSON *handler_register(struct mt_ctx *ctx, const cJSON *event)
{
	cJSON *err = NULL, *body, *resp;
	const char *email, *password, *name, *why = NULL, *ip;
	const char *const *f;
	const cJSON *rn, *tz, *pc;
	struct mt_restaurant rest;
	struct mt_user u;
	long pwlen;
	int64_t now;
	int r;

	memset(&u, 0, sizeof u);
	body = mt_event_json_body(event, &err);
	if (body == NULL)
		return err;
	for (f = register_server_owned; *f != NULL; f++) {
		if (cJSON_GetObjectItemCaseSensitive(body, *f) != NULL) {
			resp = mt_resp_error(400, "read_only_field", *f, "'%s' is set by the server", *f);
			goto done;
		}
	}
	if ((email = field_required_str(body, "email", &err)) == NULL ||
	    (password = field_required_str(body, "password", &err)) == NULL ||
	    (name = field_required_str(body, "name", &err)) == NULL) {
		resp = err;
		goto done;
	}
	if (mt_valid_email(email, u.email, sizeof u.email, &why) < 0) {
		resp = mt_resp_error(400, "invalid_field", "email", "'email' is not a valid e-mail address");
		goto done;
	}
	pwlen = register_utf8_chars(password);
	if (pwlen < 0) {
		resp = mt_resp_error(400, "invalid_field", "password", "'password' is not valid UTF-8");
		goto done;
	}
	if (pwlen < MT_PW_MIN || pwlen > MT_PW_MAX) {
		resp = mt_resp_error(400, "invalid_field", "password",
				     "'password' must be %d to %d characters long", MT_PW_MIN, MT_PW_MAX);
		goto done;
	}
	if (mt_valid_text(name, 1, MT_NAME_MAX, 0, &why) < 0) {
		resp = mt_resp_error(400, "invalid_field", "name", "'name' %s (1 to %d bytes of text)",
				     why ? why : "is invalid", MT_NAME_MAX);
		goto done;
	}
	rn = cJSON_GetObjectItemCaseSensitive(body, "restaurantName");
	if (rn != NULL && !cJSON_IsNull(rn) &&
	    (!cJSON_IsString(rn) || mt_valid_text(rn->valuestring, 1, MT_NAME_MAX, 0, &why) < 0)) {
		resp = mt_resp_error(400, "invalid_field", "restaurantName", "'restaurantName' %s (1 to %d bytes of text)",
				     why ? why : "must be a string", MT_NAME_MAX);
		goto done;
	}
	tz = cJSON_GetObjectItemCaseSensitive(body, "timezone");
	if (tz != NULL && !cJSON_IsNull(tz) && (!cJSON_IsString(tz) || !restaurant_tz_valid(tz->valuestring))) {
		resp = mt_resp_error(400, "invalid_field", "timezone", RESTAURANT_TZ_RULE);
		goto done;
	}
	pc = cJSON_GetObjectItemCaseSensitive(body, "phoneCountry");
	if (pc != NULL && !cJSON_IsNull(pc) && (!cJSON_IsString(pc) || !restaurant_country_valid(pc->valuestring))) {
		resp = mt_resp_error(400, "invalid_field", "phoneCountry", RESTAURANT_COUNTRY_RULE);
		goto done;
	}
	if (ctx->store == NULL) {
		resp = mt_resp_error(500, "internal", NULL, "no store configured");
		goto done;
	}
	now = mt_now(ctx);
	/* Per client address, counted before the e-mail is looked at: an
	 * existing e-mail still answers 409 (the owner must learn to log in
	 * instead), so enumeration is held to this rate (issue 13, finding 9). */
	ip = mt_event_source_ip(event);
	if (ip != NULL && *ip != '\0' && ctx->cfg.register_per_addr_hour > 0) {
		int64_t wait = 0;

		r = limit_take(ctx, "register-addr", ip, ctx->cfg.register_per_addr_hour, 3600 * 1000, now, &wait, NULL);
		if (r == MT_EBUSY) {
			char v[24];

			snprintf(v, sizeof v, "%lld", (long long)wait);
			resp = mt_resp_error(429, "too_many_registrations", NULL,
					     "at most %d registrations per hour from one address; retry in %lld seconds",
					     ctx->cfg.register_per_addr_hour, (long long)wait);
			if (resp != NULL && mt_resp_header(resp, "retry-after", v) < 0) {
				cJSON_Delete(resp);
				resp = NULL;
			}
			goto done;
		}
		if (r < 0) {
			resp = mt_resp_from_err(r, "account");
			goto done;
		}
	}
	mt_id_new(u.id, now);
	mt_id_new(u.tenant_id, now);
	memcpy(u.name, name, strlen(name) + 1);
	memcpy(u.role, "owner", sizeof "owner");
	u.created_at = now;
	r = mt_password_hash(password, u.password_hash);
	if (r < 0) {
		resp = mt_resp_error(500, "internal", NULL, "cannot hash the password (%s)", mt_strerror(r));
		goto done;
	}
	restaurant_defaults(u.tenant_id, &rest);
	if (cJSON_IsString(rn) || cJSON_IsString(tz) || cJSON_IsString(pc)) {
		/* before the account: an account is never left without the name it
		 * asked for (a refused account's record is deleted again below:
		 * register_undo_restaurant) */
		if (cJSON_IsString(rn))
			snprintf(rest.name, sizeof rest.name, "%s", rn->valuestring);
		if (cJSON_IsString(tz))
			snprintf(rest.timezone, sizeof rest.timezone, "%s", tz->valuestring);
		if (cJSON_IsString(pc))
			snprintf(rest.phone_country, sizeof rest.phone_country, "%s", pc->valuestring);
		rest.created_at = rest.updated_at = now;
		r = ctx->store->ops->restaurant_put(ctx->store, &rest, 0);
		if (r < 0) {
			resp = mt_resp_from_err(r, "restaurant");
			goto done;
		}
	}
	r = ctx->store->ops->user_create(ctx->store, &u);
	if (r < 0 && rest.version > 0)
		register_undo_restaurant(ctx, &rest);
	if (r == MT_ECONFLICT)
		resp = mt_resp_error(409, "email_taken", "email", "an account with this e-mail exists already");
	else if (r < 0)
		resp = mt_resp_from_err(r, "account");
	else
		resp = register_created(&u, &rest);
done:
	sodium_memzero(u.password_hash, sizeof u.password_hash);
	cJSON_Delete(body);
	return resp;
}
