/* POST /auth/get-token {email, password}: logs in. 200 with an access and a
 * refresh token; the same 401 body, after the same hashing work, for an
 * unknown e-mail and a wrong password; 429 + Retry-After while the account
 * is throttled (MT_LOGIN_MAX_FAILURES failures in MT_LOGIN_WINDOW_MS).
 * An e-mail without an account is throttled the same way (its failures are
 * kept in a login guard under a keyed hash of the e-mail), so neither the
 * 401s nor the 429 tell whether an account exists. A disabled account
 * answers 403 account_disabled, only after its right password. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"
#include "core/id.h"
#include "core/validate.h"
#include "handlers/field.h"
#include "handlers/handler.h"
#include "handlers/limit.h"
#include "handlers/session.h"
#include "apigw/apigw.h"
#include "store/store.h"

#define TOKEN_UPDATE_TRIES 16  /* conditional-update attempts on the user record */

/* The one answer for every kind of bad credentials. */
static cJSON *token_invalid(void)
{
	return mt_resp_error(401, "invalid_credentials", NULL, "the e-mail or the password is wrong");
}

/* The 429 answer for a throttled account. */
static cJSON *token_throttled(int64_t retry_s)
{
	char v[24];
	cJSON *r;

	snprintf(v, sizeof v, "%lld", (long long)retry_s);
	r = mt_resp_error(429, "too_many_attempts", NULL,
			  "too many failed logins for this account; retry in %lld seconds", (long long)retry_s);
	if (r != NULL && mt_resp_header(r, "retry-after", v) < 0) {
		cJSON_Delete(r);
		return NULL;
	}
	return r;
}

/* Counts an attempt on the account before its password is checked: a
 * conditional update of the failure count (reloading on a lost race), so
 * that of many parallel attempts at most MT_LOGIN_MAX_FAILURES get a check.
 * NULL when counted (u updated), or the answer to give instead (429 when
 * the account is throttled). */
static cJSON *token_reserve(struct mt_ctx *ctx, struct mt_user *u, int64_t now)
{
	int tries, r;

	for (tries = 0; tries < TOKEN_UPDATE_TRIES; tries++) {
		int64_t version = u->version, retry = mt_throttle_retry_after(u, now);

		if (retry > 0)
			return token_throttled(retry);
		mt_throttle_fail(u, now);
		r = ctx->store->ops->user_update(ctx->store, u, version);
		if (r == 0) {
			u->version = version + 1;
			return NULL;
		}
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return mt_resp_from_err(r, "account");
		r = ctx->store->ops->user_get(ctx->store, u->id, u);
		if (r < 0)
			return r == MT_ENOTFOUND ? token_invalid() : mt_resp_from_err(r, "account");
	}
	return token_throttled(1);   /* too much contention: refuse rather than check unthrottled */
}

/* After a right password: clears the account's failure count (conditional,
 * reloading on a lost race). NULL when done, or the answer to give instead. */
static cJSON *token_clear(struct mt_ctx *ctx, struct mt_user *u)
{
	int tries, r;

	for (tries = 0; tries < TOKEN_UPDATE_TRIES; tries++) {
		int64_t version = u->version;

		if (!mt_throttle_reset(u))
			return NULL;
		r = ctx->store->ops->user_update(ctx->store, u, version);
		if (r == 0) {
			u->version = version + 1;
			return NULL;
		}
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return mt_resp_from_err(r, "account");
		r = ctx->store->ops->user_get(ctx->store, u->id, u);
		if (r < 0)
			return r == MT_ENOTFOUND ? token_invalid() : mt_resp_from_err(r, "account");
	}
	return mt_resp_from_err(MT_EBUSY, "account");
}

/* The login guard key of an e-mail: hex keyed BLAKE2b-128, the key being
 * the JWT secret (so the store never holds a guessable hash of it). */
static void token_guard_key(const struct mt_ctx *ctx, const char *lemail, char out[65])
{
	unsigned char h[16];
	size_t klen = ctx->cfg.jwt_secret_len;

	if (klen > crypto_generichash_KEYBYTES_MAX)
		klen = crypto_generichash_KEYBYTES_MAX;
	crypto_generichash(h, sizeof h, (const unsigned char *)lemail, strlen(lemail),
			   klen >= crypto_generichash_KEYBYTES_MIN ? ctx->cfg.jwt_secret : NULL,
			   klen >= crypto_generichash_KEYBYTES_MIN ? klen : 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* A login for an e-mail without an account: the same steps as a wrong
 * password (throttle check, hashing work, a recorded failure, 401), the
 * failures counted in the e-mail's login guard. */
static cJSON *token_unknown(struct mt_ctx *ctx, const char *lemail, const char *password, int64_t now)
{
	struct mt_login_guard g;
	char key[65];
	int64_t retry;
	int tries, r;

	token_guard_key(ctx, lemail, key);
	r = ctx->store->ops->guard_get(ctx->store, key, &g);
	for (tries = 0; tries < TOKEN_UPDATE_TRIES; tries++) {
		if (r == MT_ENOTFOUND) {
			memset(&g, 0, sizeof g);
			snprintf(g.key, sizeof g.key, "%s", key);
		} else if (r < 0) {
			return mt_resp_from_err(r, "account");
		}
		retry = mt_throttle_wait(g.failed_logins, g.fail_window_start, now);
		if (retry > 0)
			return token_throttled(retry);
		/* counted before the (dummy) check, as for an account */
		mt_throttle_count(&g.failed_logins, &g.fail_window_start, now);
		r = ctx->store->ops->guard_put(ctx->store, &g, g.version);
		if (r == 0) {
			mt_password_dummy_verify(password);
			return token_invalid();
		}
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return mt_resp_from_err(r, "account");
		r = ctx->store->ops->guard_get(ctx->store, key, &g);   /* lost a race: reload */
	}
	return token_throttled(1);   /* as token_reserve under contention */
}

/* The 429 answer for a client address with too many failed logins. */
static cJSON *token_addr_throttled(int64_t retry_s)
{
	char v[24];
	cJSON *r;

	snprintf(v, sizeof v, "%lld", (long long)retry_s);
	r = mt_resp_error(429, "too_many_attempts", NULL,
			  "too many failed logins from this address; retry in %lld seconds", (long long)retry_s);
	if (r != NULL && mt_resp_header(r, "retry-after", v) < 0) {
		cJSON_Delete(r);
		return NULL;
	}
	return r;
}

/* Seconds a trusted address must wait after n failures whose last was at
 * last: none for the first MT_LOGIN_MAX_FAILURES, then 1 s doubling up to
 * MT_LOGIN_DELAY_MAX_S (progressive delay, never a lock). */
static int64_t token_trusted_wait(int32_t n, int64_t last, int64_t now)
{
	int64_t delay_ms, end;

	if (n < MT_LOGIN_MAX_FAILURES || last <= 0)
		return 0;
	delay_ms = n - MT_LOGIN_MAX_FAILURES >= 10 ? MT_LOGIN_DELAY_MAX_S * 1000LL
						     : 1000LL << (n - MT_LOGIN_MAX_FAILURES);
	if (delay_ms > MT_LOGIN_DELAY_MAX_S * 1000LL)
		delay_ms = MT_LOGIN_DELAY_MAX_S * 1000LL;
	end = last + delay_ms;
	if (last > now + delay_ms)   /* the clock went back */
		return (delay_ms + 999) / 1000;
	return now >= end ? 0 : (end - now + 999) / 1000;
}

/* Counts an attempt from an address this account logged in from before,
 * in its own (account, address) counter instead of the account's: after
 * MT_LOGIN_MAX_FAILURES failures each try waits a growing delay, but an
 * attacker's failures elsewhere never lock this address out. NULL when
 * counted, or the 429 (or error) to give instead. */
static cJSON *token_reserve_trusted(struct mt_ctx *ctx, const char *subject, int64_t now)
{
	int64_t wait = 0;
	int r = limit_step(ctx, "login-trusted-fail", subject, token_trusted_wait, now, &wait);

	if (r == MT_EBUSY)
		return token_throttled(wait);
	return r < 0 ? mt_resp_from_err(r, "account") : NULL;
}

/* Handles POST /auth/get-token. */
cJSON *handler_token(struct mt_ctx *ctx, const cJSON *event)
{
	cJSON *err = NULL, *body, *resp;
	const char *email, *password, *why = NULL;
	char lemail[MT_EMAIL_MAX + 1], family[MT_ID_SIZE];
	char trust[MT_ID_SIZE + 64];
	const char *ip;
	struct mt_user u;
	int64_t now;
	int r, ok, trusted = 0;

	memset(&u, 0, sizeof u);
	body = mt_event_json_body(event, &err);
	if (body == NULL)
		return err;
	if ((email = field_required_str(body, "email", &err)) == NULL ||
	    (password = field_required_str(body, "password", &err)) == NULL) {
		resp = err;
		goto done;
	}
	if (ctx->store == NULL) {
		resp = mt_resp_error(500, "internal", NULL, "no store configured");
		goto done;
	}
	now = mt_now(ctx);
	/* Per client address, whatever the account: counted before any check,
	 * given back after a right password (issue 13, finding 4). */
	ip = mt_event_source_ip(event);
	if (ip != NULL && *ip != '\0') {
		int64_t wait = 0;

		r = limit_take(ctx, "login-addr", ip, MT_LOGIN_ADDR_MAX, MT_LOGIN_WINDOW_MS, now, &wait, NULL);
		if (r == MT_EBUSY) {
			resp = token_addr_throttled(wait);
			goto done;
		}
		if (r < 0) {
			resp = mt_resp_from_err(r, "account");
			goto done;
		}
	} else {
		ip = NULL;
	}
	/* A malformed e-mail or an absurd password cannot belong to an account:
	 * answer exactly as for an unknown e-mail. */
	if (mt_valid_email(email, lemail, sizeof lemail, &why) < 0 || strlen(password) > 4 * MT_PW_MAX) {
		mt_password_dummy_verify(password);
		resp = token_invalid();
		goto done;
	}
	r = ctx->store->ops->user_get_by_email(ctx->store, lemail, &u);
	if (r == MT_ENOTFOUND) {
		resp = token_unknown(ctx, lemail, password, now);
		if (ip != NULL && mt_resp_status(resp) == 429)
			limit_give_back(ctx, "login-addr", ip);   /* refused unchecked: not the address's failure */
		goto done;
	}
	if (r < 0) {
		resp = mt_resp_from_err(r, "account");
		goto done;
	}
	if (ip != NULL) {
		snprintf(trust, sizeof trust, "%s|%s", u.id, ip);
		r = limit_marked(ctx, "login-trusted", trust, now);
		if (r < 0) {
			resp = mt_resp_from_err(r, "account");
			goto done;
		}
		trusted = r == 1;
	}
	resp = trusted ? token_reserve_trusted(ctx, trust, now) : token_reserve(ctx, &u, now);
	if (resp != NULL) {
		if (ip != NULL && mt_resp_status(resp) == 429)
			limit_give_back(ctx, "login-addr", ip);   /* refused unchecked: not the address's failure */
		goto done;
	}
	ok = mt_password_verify(u.password_hash, password) == 0;
	if (!ok) {
		resp = token_invalid();
		goto done;
	}
	if ((resp = token_clear(ctx, &u)) != NULL)
		goto done;
	if (u.disabled) {
		/* only after the right password: the state of an account is
		 * nobody else's business */
		resp = mt_resp_error(403, "account_disabled", NULL,
				     "this account is disabled; ask the restaurant's owner or manager");
		goto done;
	}
	if (ip != NULL) {
		/* best effort: a failure here costs a count, never the login */
		limit_give_back(ctx, "login-addr", ip);
		if (trusted)
			limit_set(ctx, "login-trusted-fail", trust, 0, 0);
		limit_mark(ctx, "login-trusted", trust, now + MT_LOGIN_TRUST_MS);
	}
	mt_id_new(family, now);
	resp = session_response(ctx, &u, family);
done:
	sodium_memzero(u.password_hash, sizeof u.password_hash);
	cJSON_Delete(body);
	return resp;
}
