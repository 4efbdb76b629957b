/* Access tokens: HS256 JWTs issued and verified with libjwt 1.10, which
 * checks only the signature. The algorithm is pinned here and every claim
 * (exp, nbf, iat, iss, aud, sub, tenantId, role, jti) is checked by our code
 * from the payload parsed strictly with cJSON. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jwt.h>
#include <cjson/cJSON.h>
#include "auth/auth.h"
#include "core/error.h"
#include "core/id.h"

/* 1 when role is one an account may have. */
int mt_role_valid(const char *role)
{
	return role != NULL && (strcmp(role, "owner") == 0 || strcmp(role, "manager") == 0 ||
				strcmp(role, "host") == 0);
}

/* Issues an HS256 access token for u, valid cfg->access_ttl_s from now_ms. */
int mt_jwt_issue(const struct mt_config *cfg, const struct mt_user *u, int64_t now_ms, char **token)
{
	jwt_t *jwt = NULL;
	char jti[MT_ID_SIZE];
	long now_s = (long)(now_ms / 1000);
	int r = MT_ENOMEM;

	*token = NULL;
	if (cfg->jwt_secret_len < 32 || cfg->jwt_secret_len > sizeof cfg->jwt_secret ||
	    cfg->access_ttl_s <= 0 || !mt_id_valid(u->id) || !mt_id_valid(u->tenant_id) ||
	    !mt_role_valid(u->role))
		return MT_EINVAL;
	mt_id_new(jti, now_ms);
	if (jwt_new(&jwt) != 0)
		return MT_ENOMEM;
	if (jwt_set_alg(jwt, JWT_ALG_HS256, cfg->jwt_secret, (int)cfg->jwt_secret_len) != 0 ||
	    jwt_add_grant(jwt, "iss", cfg->jwt_issuer) != 0 ||
	    jwt_add_grant(jwt, "aud", cfg->jwt_audience) != 0 ||
	    jwt_add_grant(jwt, "sub", u->id) != 0 ||
	    jwt_add_grant(jwt, "tenantId", u->tenant_id) != 0 ||
	    jwt_add_grant(jwt, "role", u->role) != 0 ||
	    jwt_add_grant(jwt, "jti", jti) != 0 ||
	    jwt_add_grant_int(jwt, "iat", now_s) != 0 ||
	    jwt_add_grant_int(jwt, "nbf", now_s) != 0 ||
	    jwt_add_grant_int(jwt, "exp", now_s + cfg->access_ttl_s) != 0)
		goto done;
	*token = jwt_encode_str(jwt);
	r = *token ? 0 : MT_ENOMEM;
done:
	jwt_free(jwt);
	return r;
}

/* Reads a whole-number claim in seconds; 0 or MT_EINVAL. */
static int jwt_claim_int(const cJSON *claims, const char *name, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(claims, name);
	double d;

	if (!cJSON_IsNumber(v))
		return MT_EINVAL;
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < 0 || d > 1e13)
		return MT_EINVAL;
	*out = (int64_t)d;
	return 0;
}

/* Reads a string claim; NULL when absent or not a string. */
static const char *jwt_claim_str(const cJSON *claims, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(claims, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Returns 1 when s looks like a compact JWS: three base64url parts. */
static int jwt_shape_ok(const char *s)
{
	int dots = 0;
	size_t part = 0;

	for (; *s; s++) {
		if (*s == '.') {
			if (part == 0)
				return 0;
			dots++;
			part = 0;
			continue;
		}
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
		part++;
	}
	return dots == 2 && part > 0;
}

/* Checks the claims of a token whose signature is good. */
static int jwt_check_claims(const struct mt_config *cfg, const cJSON *claims, int64_t now_ms,
			    struct mt_claims *out, const char **why)
{
	const char *iss = jwt_claim_str(claims, "iss");
	const char *aud = jwt_claim_str(claims, "aud");
	const char *sub = jwt_claim_str(claims, "sub");
	const char *tid = jwt_claim_str(claims, "tenantId");
	const char *role = jwt_claim_str(claims, "role");
	const char *jti = jwt_claim_str(claims, "jti");
	int64_t now_s = now_ms / 1000, iat, exp, nbf;

	memset(out, 0, sizeof *out);
	if (jwt_claim_int(claims, "exp", &exp) < 0) {
		*why = "token has no valid exp claim";
		return MT_EINVAL;
	}
	if (jwt_claim_int(claims, "nbf", &nbf) < 0) {
		*why = "token has no valid nbf claim";
		return MT_EINVAL;
	}
	if (jwt_claim_int(claims, "iat", &iat) < 0) {
		*why = "token has no valid iat claim";
		return MT_EINVAL;
	}
	if (exp <= now_s) {
		*why = "token expired";
		return MT_EINVAL;
	}
	if (nbf > now_s + MT_JWT_LEEWAY_S) {
		*why = "token not valid yet (nbf)";
		return MT_EINVAL;
	}
	if (iat > now_s + MT_JWT_LEEWAY_S) {
		*why = "token issued in the future (iat)";
		return MT_EINVAL;
	}
	if (exp <= iat) {
		*why = "token expires before it was issued";
		return MT_EINVAL;
	}
	if (iss == NULL || strcmp(iss, cfg->jwt_issuer) != 0) {
		*why = "wrong or missing issuer (iss)";
		return MT_EINVAL;
	}
	if (aud == NULL || strcmp(aud, cfg->jwt_audience) != 0) {
		*why = "wrong or missing audience (aud)";
		return MT_EINVAL;
	}
	if (sub == NULL || !mt_id_valid(sub)) {
		*why = "missing or malformed subject (sub)";
		return MT_EINVAL;
	}
	if (tid == NULL || !mt_id_valid(tid)) {
		*why = "missing or malformed tenantId";
		return MT_EINVAL;
	}
	if (role == NULL || !mt_role_valid(role)) {
		*why = "missing or unknown role";
		return MT_EINVAL;
	}
	if (jti == NULL || jti[0] == '\0') {
		*why = "missing token id (jti)";
		return MT_EINVAL;
	}
	/* our jti is an id made at issue time: its milliseconds say which
	 * tokens a revocation (revoked_before) covers; a token without one
	 * counts as issued at the start of its iat second */
	out->issued_ms = mt_id_time(jti);
	if (out->issued_ms < 0)
		out->issued_ms = iat * 1000;
	memcpy(out->sub, sub, MT_ID_SIZE);
	memcpy(out->tenant_id, tid, MT_ID_SIZE);
	memcpy(out->role, role, strlen(role) + 1);
	out->iat = iat;
	out->exp = exp;
	return 0;
}

/* Verifies a token (without "Bearer "): alg pinned to HS256, signature,
 * exp, nbf, iat, iss, aud checked by our code. */
int mt_jwt_verify(const struct mt_config *cfg, const char *token, int64_t now_ms,
		  struct mt_claims *out, const char **why)
{
	jwt_t *jwt = NULL;
	char *grants = NULL;
	const char *alg;
	cJSON *claims = NULL;
	int r = MT_EINVAL;

	*why = NULL;
	if (token == NULL || token[0] == '\0') {
		*why = "no token";
		return MT_EINVAL;
	}
	if (strnlen(token, MT_JWT_MAX + 1) > MT_JWT_MAX) {
		*why = "token too large";
		return MT_EINVAL;
	}
	if (cfg->jwt_secret_len < 32 || cfg->jwt_secret_len > sizeof cfg->jwt_secret) {
		*why = "no signing key configured";
		return MT_EINVAL;
	}
	if (!jwt_shape_ok(token)) {
		*why = "malformed token";
		return MT_EINVAL;
	}
	/* Never a NULL key: libjwt would then skip the signature check. */
	if (jwt_decode(&jwt, token, cfg->jwt_secret, (int)cfg->jwt_secret_len) != 0 || jwt == NULL) {
		*why = "bad signature or malformed token";
		return MT_EINVAL;
	}
	/* libjwt matches the header's alg without regard to case ("hs256"
	 * passes as HS256); JWS names are case-sensitive (RFC 7515 4.1.1), so
	 * the header's own string must be exactly "HS256" too. */
	alg = jwt_get_header(jwt, "alg");
	if (jwt_get_alg(jwt) != JWT_ALG_HS256 || alg == NULL || strcmp(alg, "HS256") != 0) {
		*why = "algorithm not allowed (only HS256)";
		goto done;
	}
	errno = 0;
	grants = jwt_get_grants_json(jwt, NULL);
	if (grants == NULL) {
		*why = "token has no claims";
		goto done;
	}
	claims = cJSON_Parse(grants);
	if (!cJSON_IsObject(claims)) {
		*why = "token claims are not a JSON object";
		goto done;
	}
	r = jwt_check_claims(cfg, claims, now_ms, out, why);
done:
	cJSON_Delete(claims);
	free(grants);
	jwt_free(jwt);
	return r;
}
