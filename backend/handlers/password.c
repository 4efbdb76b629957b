/* POST /auth/password {currentPassword, newPassword}: any account changes
 * its own password. The current one is checked (a wrong one counts as a
 * failed login: 429 + Retry-After once the account is throttled); the new
 * one must differ. Then every other session of the account is revoked
 * (revoked_before = now), a pending change (after a reset or a new staff
 * account) is cleared, and the answer is a new session, as a login's: the
 * old access token may still be in the authorizer's cache with the pending
 * change, the new one is not. Allowed while a change is pending (the
 * permission table), which is the point. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"
#include "core/id.h"
#include "handlers/access.h"
#include "handlers/activity-log.h"
#include "handlers/field.h"
#include "handlers/handler.h"
#include "handlers/session.h"
#include "apigw/apigw.h"
#include "store/store.h"

/* The 429 answer for a throttled account. */
static cJSON *password_throttled(int64_t retry_s)
{
	char v[24];
	cJSON *r;

	snprintf(v, sizeof v, "%lld", (long long)retry_s);
	r = mt_resp_error(429, "too_many_attempts", NULL, "too many wrong passwords; retry in %lld seconds",
			  (long long)retry_s);
	if (r != NULL && mt_resp_header(r, "retry-after", v) < 0) {
		cJSON_Delete(r);
		return NULL;
	}
	return r;
}

/* Handles POST /auth/password. */
cJSON *handler_password(struct mt_ctx *ctx, const cJSON *event)
{
	const char *sub = mt_event_auth(event, "sub"), *cur, *pw;
	cJSON *body = NULL, *resp = NULL, *err = NULL;
	char family[MT_ID_SIZE];
	struct mt_user u;
	int64_t now = 0, wait;
	int r = MT_EPRECOND, tries;

	memset(&u, 0, sizeof u);
	if (sub == NULL || !mt_id_valid(sub))
		return mt_resp_error(401, "unauthorized", NULL, "a valid access token is required");
	if (ctx == NULL || ctx->store == NULL)
		return mt_resp_error(500, "internal", NULL, "no store configured");
	if ((resp = mt_access_check(event)) != NULL)
		return resp;
	body = mt_event_json_body(event, &resp);
	if (body == NULL)
		return resp;
	if ((cur = field_required_str(body, "currentPassword", &err)) == NULL ||
	    (pw = field_password(body, "newPassword", &err)) == NULL) {
		resp = err;
		goto done;
	}
	/* a login may bump the version meanwhile (its counters): retry on that */
	for (tries = 0; tries < 3 && r == MT_EPRECOND; tries++) {
		r = ctx->store->ops->user_get(ctx->store, sub, &u);
		if (r < 0) {
			resp = r == MT_ENOTFOUND ? mt_resp_error(401, "unauthorized", NULL, "no such account")
						 : mt_resp_from_err(r, "account");
			goto done;
		}
		now = mt_now(ctx);
		wait = mt_throttle_retry_after(&u, now);
		if (wait > 0) {
			resp = password_throttled(wait);
			goto done;
		}
		if (mt_password_verify(u.password_hash, cur) != 0) {
			mt_throttle_fail(&u, now);
			r = ctx->store->ops->user_update(ctx->store, &u, u.version);
			if (r == MT_EPRECOND)
				continue;
			resp = r < 0 ? mt_resp_from_err(r, "account")
				     : mt_resp_error(403, "wrong_password", "currentPassword",
						     "'currentPassword' is not this account's password");
			goto done;
		}
		if (strcmp(cur, pw) == 0) {
			resp = mt_resp_error(400, "invalid_field", "newPassword",
					     "'newPassword' must differ from the current one");
			goto done;
		}
		r = mt_password_hash(pw, u.password_hash);
		if (r < 0) {
			resp = mt_resp_error(500, "internal", NULL, "cannot hash the password (%s)", mt_strerror(r));
			goto done;
		}
		mt_throttle_reset(&u);
		u.must_change_password = 0;
		u.updated_at = now;
		u.revoked_before = now;   /* the new session below is made at now: it stays */
		r = ctx->store->ops->user_update(ctx->store, &u, u.version);
	}
	if (r < 0) {
		resp = r == MT_EPRECOND ? mt_resp_error(409, "conflict", NULL, "the account keeps changing; retry")
					: mt_resp_from_err(r, "account");
		goto done;
	}
	mt_id_new(family, now);
	resp = session_response(ctx, &u, family);
	{
		struct activity_actor who = activity_staff(event);

		(void)activity_append(ctx, u.tenant_id, NULL, &who, "password_changed", u.id, 0, NULL, NULL, NULL, NULL);
	}
done:
	sodium_memzero(u.password_hash, sizeof u.password_hash);
	cJSON_Delete(body);
	return resp;
}
