/* Authentication: Argon2id password hashing, HS256 JWT issue/verify with
 * our own claim checks, and the JWT secret. Errors: 0 or MT_E* codes. */
#ifndef MT_AUTH_H
#define MT_AUTH_H

#include <stdint.h>
#include "core/model.h"
#include "core/ctx.h"

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
	char role[16];               /* "owner", "manager" or "host" */
	int64_t iat;                 /* issued at, epoch seconds */
	int64_t issued_ms;           /* issued at, epoch ms (from the jti id; iat * 1000 without one) */
	int64_t exp;                 /* expires, epoch seconds */
};

/* 1 when role is one an account may have: "owner", "manager", "host". */
int mt_role_valid(const char *role);

/* Issues an HS256 access token for u, valid cfg->access_ttl_s from now_ms.
 * *token is malloc'd (caller frees), without the "Bearer " prefix. */
int mt_jwt_issue(const struct mt_config *cfg, const struct mt_user *u, int64_t now_ms, char **token);
/* Verifies a token (without "Bearer "): alg pinned to HS256, signature,
 * exp, nbf, iat, iss, aud checked by our code. MT_EINVAL when refused, with
 * *why (a static string) saying why. */
int mt_jwt_verify(const struct mt_config *cfg, const char *token, int64_t now_ms,
		  struct mt_claims *out, const char **why);

/* Loads the signing secret into cfg: MAITRE_JWT_SECRET (>= 32 bytes, else
 * refused) or DATA_DIR/jwt.key, created with 64 random bytes and mode 0600
 * at first start. *cause malloc'd on failure. */
int mt_jwt_secret_load(struct mt_config *cfg, const char *data_dir, char **cause);

/* ---- Additions (auth helper): limits, sodium, refresh tokens, throttling. */

#define MT_JWT_MAX 4096                        /* longer tokens are refused unread */
#define MT_JWT_LEEWAY_S 30                     /* clock skew allowed for nbf and iat */
#define MT_PW_MIN 8                            /* password length, in characters */
#define MT_PW_MAX 256
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MT_PWHASH_OPSLIMIT 2                   /* Argon2id t (OWASP: >= 2 with 19 MiB) */
#define MT_PWHASH_MEMLIMIT (19u * 1024 * 1024) /* Argon2id m, bytes */
#else
/* libFuzzer builds only (-Dfuzz=true defines this, as OSS-Fuzz does): the
 * least Argon2id cost libsodium allows, so the fuzzers get past password
 * checks at thousands of inputs a second. Never in a build that ships. */
#define MT_PWHASH_OPSLIMIT 1
#define MT_PWHASH_MEMLIMIT 8192u
#endif
#define MT_REFRESH_SECRET_BYTES 32             /* random bytes in a refresh token */
#define MT_REFRESH_TOKEN_SIZE 96               /* "<familyId>.<43 base64url>" + NUL fits */
#define MT_LOGIN_MAX_FAILURES 5                /* failures allowed per window */
#define MT_LOGIN_WINDOW_MS (15 * 60 * 1000)    /* throttling window */
#define MT_LOGIN_ADDR_MAX 20                   /* failed logins per client address per window */
#define MT_LOGIN_TRUST_MS (30LL * 86400 * 1000) /* an address that logged in is trusted this long */
#define MT_LOGIN_DELAY_MAX_S 900               /* longest progressive delay for a trusted address */

/* Initialises libsodium once (thread-safe). 0 or MT_EIO. */
int mt_sodium_init(void);

/* Makes a new refresh token "<family_id>.<32 random bytes, base64url>" into
 * token (MT_REFRESH_TOKEN_SIZE bytes) and the hex SHA-256 of the whole token
 * into hash_hex. 0 or MT_EIO. */
int mt_refresh_new(const char *family_id, char token[MT_REFRESH_TOKEN_SIZE], char hash_hex[65]);
/* Checks the shape of a refresh token and splits it: family id and hex
 * SHA-256 of the whole token. MT_EINVAL when malformed. */
int mt_refresh_parse(const char *token, char family_id[MT_ID_SIZE], char hash_hex[65]);

/* The throttling rules on the two state fields (an account's, or a login
 * guard's for an e-mail without an account): seconds to wait at now_ms
 * (> 0 when locked), and counting one more failure. */
int64_t mt_throttle_wait(int32_t failed, int64_t start, int64_t now_ms);
void mt_throttle_count(int32_t *failed, int64_t *start, int64_t now_ms);

/* Seconds the account must wait before the next login attempt at now_ms
 * (> 0 when locked: MT_LOGIN_MAX_FAILURES in the current window), else 0. */
int64_t mt_throttle_retry_after(const struct mt_user *u, int64_t now_ms);
/* Counts a failed login in u, starting a new window if the last is over. */
void mt_throttle_fail(struct mt_user *u, int64_t now_ms);
/* Clears the failure count in u; returns 1 if anything changed. */
int mt_throttle_reset(struct mt_user *u);

#endif
