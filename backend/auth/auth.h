/* Authentication: Argon2id password hashing, HS256 JWT issue/verify with
 * our own claim checks, and the JWT secret. Errors: 0 or MT_E* codes. */
#ifndef MT_AUTH_H
#define MT_AUTH_H

#include <stdint.h>
#include "core/model.h"
#include "handlers/handler.h"

/* Hashes pw with Argon2id (libsodium crypto_pwhash_str, >= 19 MiB, t >= 2). */
int mt_password_hash(const char *pw, char out[MT_PWHASH_SIZE]);
/* 0 when pw matches hash, MT_EINVAL when not. */
int mt_password_verify(const char *hash, const char *pw);
/* Does the same hashing work as a verify, for unknown e-mails. */
void mt_password_dummy_verify(const char *pw);

/* Claims of a verified access token. */
struct mt_claims {
	char sub[MT_ID_SIZE];        /* account id */
	char tenant_id[MT_ID_SIZE];  /* restaurant */
	char role[16];               /* "owner" or "host" */
	int64_t iat;                 /* issued at, epoch seconds */
	int64_t exp;                 /* expires, epoch seconds */
};

/* Issues an HS256 access token for u, valid cfg->access_ttl_s from now_ms.
 * *token is malloc'd (caller frees), without the "Bearer " prefix. */
int mt_jwt_issue(const struct mt_config *cfg, const struct mt_user *u, int64_t now_ms, char **token);
/* Verifies a token (without "Bearer "): alg pinned to HS256, signature,
 * exp, nbf, iat, iss, aud checked by our code. MT_EINVAL when refused, with
 * *cause (static string) saying why. */
int mt_jwt_verify(const struct mt_config *cfg, const char *token, int64_t now_ms,
		  struct mt_claims *out, const char **cause);

/* Loads the signing secret into cfg: MAITRE_JWT_SECRET (>= 32 bytes, else
 * refused) or DATA_DIR/jwt.key, created with 64 random bytes and mode 0600
 * at first start. *cause malloc'd on failure. */
int mt_jwt_secret_load(struct mt_config *cfg, const char *data_dir, char **cause);

#endif
