/* The authorizer result cache, as API Gateway's (authorizerResultTtlInSeconds):
 * an allowed Authorization header maps to the authorizer's context for a
 * short time, so a busy host screen does not pay for a JWT decode, HMAC and
 * the account's lookup on every request. Only allowed results are kept,
 * never past the token's own `exp`. The authorizer also reads the account
 * (disabled, role, revoked sessions: docs/staff.md), so a hit may answer
 * what the authorizer said up to the cache time ago: that time is the bound
 * on how long a disabled account's token still passes.
 *
 * Direct-mapped table of `slots` entries indexed by a keyed SipHash of the
 * header (random key: no hash flooding), full-value comparison on lookup
 * (constant time), striped reader-writer locks (every screen of a restaurant
 * shares one token, so hits on the same slot must not wait for each other). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/base64.h"
#include "daemon/maitred.h"
#include "apigw/apigw.h"

#define AUTHCACHE_STRIPES 16

/* One cached result. */
struct authcache_entry {
	char *key;            /* the Authorization header value, NULL when empty */
	size_t key_len;       /* its length */
	cJSON *context;       /* the authorizer's context (owned) */
	int64_t expires_ms;   /* not used at or after this time */
};

/* The cache. */
struct authcache {
	struct authcache_entry *slots;                /* the table */
	size_t n_slots;                               /* its size */
	int64_t ttl_ms;                               /* longest life of an entry */
	unsigned char hash_key[crypto_shorthash_KEYBYTES]; /* SipHash key */
	pthread_rwlock_t locks[AUTHCACHE_STRIPES];    /* lock of slot i is locks[i % STRIPES] */
};

/* Makes a cache of slots entries keeping results at most ttl_s seconds. */
struct authcache *authcache_new(size_t slots, int ttl_s)
{
	struct authcache *c;
	size_t i;

	if (ttl_s <= 0 || slots == 0)
		return NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->slots = calloc(slots, sizeof *c->slots);
	if (c->slots == NULL) {
		free(c);
		return NULL;
	}
	c->n_slots = slots;
	c->ttl_ms = (int64_t)ttl_s * 1000;
	randombytes_buf(c->hash_key, sizeof c->hash_key);
	for (i = 0; i < AUTHCACHE_STRIPES; i++)
		pthread_rwlock_init(&c->locks[i], NULL);
	return c;
}

/* Empties one entry. */
static void authcache_clear(struct authcache_entry *e)
{
	free(e->key);
	cJSON_Delete(e->context);
	memset(e, 0, sizeof *e);
}

/* Frees the cache. NULL-safe. */
void authcache_free(struct authcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_slots; i++)
		authcache_clear(&c->slots[i]);
	for (i = 0; i < AUTHCACHE_STRIPES; i++)
		pthread_rwlock_destroy(&c->locks[i]);
	free(c->slots);
	free(c);
}

/* Slot index of a header value. */
static size_t authcache_slot(const struct authcache *c, const char *authz, size_t len)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	size_t i;

	crypto_shorthash(h, (const unsigned char *)authz, len, c->hash_key);
	for (i = 0; i < sizeof h; i++)
		v = v << 8 | h[i];
	return (size_t)(v % c->n_slots);
}

/* 1 when the n bytes at a and b are equal, in time that depends on n only
 * (a cached token must not leak through timing); 8 bytes per step. */
static int authcache_equal(const char *a, const char *b, size_t n)
{
	uint64_t d = 0, x, y;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	for (; i < n; i++)
		d |= (uint64_t)((unsigned char)a[i] ^ (unsigned char)b[i]);
	return d == 0;
}

/* Returns a copy of the cached context for authz, or NULL. */
cJSON *authcache_get(struct authcache *c, const char *authz, int64_t now_ms)
{
	size_t len, i;
	struct authcache_entry *e;
	cJSON *out = NULL;
	int expired = 0;

	if (c == NULL || authz == NULL)
		return NULL;
	len = strlen(authz);
	i = authcache_slot(c, authz, len);
	e = &c->slots[i];
	pthread_rwlock_rdlock(&c->locks[i % AUTHCACHE_STRIPES]);
	if (e->key != NULL && e->key_len == len && authcache_equal(e->key, authz, len)) {
		if (now_ms < e->expires_ms)
			out = cJSON_Duplicate(e->context, 1);
		else
			expired = 1;
	}
	pthread_rwlock_unlock(&c->locks[i % AUTHCACHE_STRIPES]);
	if (expired) {
		/* drop it (if nobody replaced it meanwhile) */
		pthread_rwlock_wrlock(&c->locks[i % AUTHCACHE_STRIPES]);
		if (e->key != NULL && e->key_len == len && authcache_equal(e->key, authz, len) &&
		    now_ms >= e->expires_ms)
			authcache_clear(e);
		pthread_rwlock_unlock(&c->locks[i % AUTHCACHE_STRIPES]);
	}
	return out;
}

/* The `exp` claim (epoch seconds) of "Bearer <jwt>", or -1. Only called for
 * a header the authorizer accepted, so the payload is the signed one. */
static int64_t authcache_token_exp(const char *authz)
{
	const char *p = strchr(authz, '.'), *q;
	unsigned char *raw = NULL;
	size_t rawlen;
	cJSON *claims;
	const cJSON *exp;
	int64_t v = -1;

	if (p == NULL || (q = strchr(p + 1, '.')) == NULL)
		return -1;
	if (mt_base64_decode(p + 1, (size_t)(q - p - 1), 1, &raw, &rawlen) < 0)
		return -1;
	claims = cJSON_ParseWithLength((const char *)raw, rawlen);
	free(raw);
	exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
	if (cJSON_IsNumber(exp) && exp->valuedouble > 0 && exp->valuedouble < 1e12)
		v = (int64_t)exp->valuedouble;
	cJSON_Delete(claims);
	return v;
}

/* Remembers an allowed result until min(now + ttl, the token's exp). */
void authcache_put(struct authcache *c, const char *authz, const cJSON *context, int64_t now_ms)
{
	struct authcache_entry fresh;
	int64_t exp_s;
	size_t len, i;

	if (c == NULL || authz == NULL || context == NULL)
		return;
	exp_s = authcache_token_exp(authz);
	if (exp_s < 0)
		return;
	memset(&fresh, 0, sizeof fresh);
	fresh.expires_ms = now_ms + c->ttl_ms;
	if (exp_s * 1000 < fresh.expires_ms)
		fresh.expires_ms = exp_s * 1000;
	if (fresh.expires_ms <= now_ms)
		return;
	len = strlen(authz);
	fresh.key = malloc(len + 1);
	fresh.context = cJSON_Duplicate(context, 1);
	if (fresh.key == NULL || fresh.context == NULL) {
		authcache_clear(&fresh);
		return;
	}
	memcpy(fresh.key, authz, len + 1);
	fresh.key_len = len;
	i = authcache_slot(c, authz, len);
	pthread_rwlock_wrlock(&c->locks[i % AUTHCACHE_STRIPES]);
	authcache_clear(&c->slots[i]);
	c->slots[i] = fresh;
	pthread_rwlock_unlock(&c->locks[i % AUTHCACHE_STRIPES]);
}
