/* Rate-limit counters on the store's login-guard records (see limit.h). */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "core/ctx.h"
#include "core/error.h"
#include "handlers/limit.h"
#include "store/store.h"

#define LIMIT_TRIES 16   /* conditional-write attempts before giving up (MT_EBUSY) */

void limit_key(const struct mt_ctx *ctx, const char *kind, const char *subject, char out[65])
{
	crypto_generichash_state st;
	unsigned char h[16];
	size_t klen = ctx->cfg.jwt_secret_len;
	const unsigned char sep = 0;

	if (klen > crypto_generichash_KEYBYTES_MAX)
		klen = crypto_generichash_KEYBYTES_MAX;
	crypto_generichash_init(&st, klen >= crypto_generichash_KEYBYTES_MIN ? ctx->cfg.jwt_secret : NULL,
				klen >= crypto_generichash_KEYBYTES_MIN ? klen : 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)"maitre-limit", 12);
	crypto_generichash_update(&st, &sep, 1);
	crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind));
	crypto_generichash_update(&st, &sep, 1);
	crypto_generichash_update(&st, (const unsigned char *)subject, strlen(subject));
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* Loads the guard of key into g (a fresh one when none). 0 or MT_E*. */
static int limit_load(struct mt_ctx *ctx, const char *key, struct mt_login_guard *g)
{
	int r = ctx->store->ops->guard_get(ctx->store, key, g);

	if (r == MT_ENOTFOUND) {
		memset(g, 0, sizeof *g);
		snprintf(g->key, sizeof g->key, "%s", key);
		return 0;
	}
	return r;
}

int limit_take(struct mt_ctx *ctx, const char *kind, const char *subject, int32_t max, int64_t window_ms,
	       int64_t now, int64_t *retry_s, int32_t *count)
{
	struct mt_login_guard g;
	char key[65];
	int tries, r;

	*retry_s = 0;
	limit_key(ctx, kind, subject, key);
	for (tries = 0; tries < LIMIT_TRIES; tries++) {
		int64_t expected;

		if ((r = limit_load(ctx, key, &g)) < 0)
			return r;
		expected = g.version;
		if (g.fail_window_start <= 0 || now >= g.fail_window_start + window_ms ||
		    g.fail_window_start > now + window_ms) {   /* none, over, or the clock went back */
			g.fail_window_start = now;
			g.failed_logins = 0;
		}
		if (g.failed_logins >= max) {
			int64_t left = g.fail_window_start + window_ms - now;

			*retry_s = left <= 0 ? 1 : (left + 999) / 1000;
			return MT_EBUSY;
		}
		g.failed_logins++;
		r = ctx->store->ops->guard_put(ctx->store, &g, expected);
		if (r == 0) {
			if (count != NULL)
				*count = g.failed_logins;
			return 0;
		}
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return r;
	}
	*retry_s = 1;
	return MT_EBUSY;
}

int limit_give_back(struct mt_ctx *ctx, const char *kind, const char *subject)
{
	struct mt_login_guard g;
	char key[65];
	int tries, r;

	limit_key(ctx, kind, subject, key);
	for (tries = 0; tries < LIMIT_TRIES; tries++) {
		if ((r = limit_load(ctx, key, &g)) < 0)
			return r;
		if (g.version == 0 || g.failed_logins <= 0)
			return 0;
		g.failed_logins--;
		r = ctx->store->ops->guard_put(ctx->store, &g, g.version);
		if (r == 0)
			return 0;
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return r;
	}
	return MT_EBUSY;
}

int limit_peek(struct mt_ctx *ctx, const char *kind, const char *subject, int64_t window_ms, int64_t now,
	       int32_t *count, int64_t *start)
{
	struct mt_login_guard g;
	char key[65];
	int r;

	*count = 0;
	*start = 0;
	limit_key(ctx, kind, subject, key);
	if ((r = limit_load(ctx, key, &g)) < 0)
		return r;
	*start = g.fail_window_start;
	if (g.fail_window_start > 0 && now < g.fail_window_start + window_ms)
		*count = g.failed_logins;
	return 0;
}

int limit_set(struct mt_ctx *ctx, const char *kind, const char *subject, int32_t count, int64_t start)
{
	struct mt_login_guard g;
	char key[65];
	int tries, r;

	limit_key(ctx, kind, subject, key);
	for (tries = 0; tries < LIMIT_TRIES; tries++) {
		int64_t expected;

		if ((r = limit_load(ctx, key, &g)) < 0)
			return r;
		if (g.version != 0 && g.failed_logins == count && g.fail_window_start == start)
			return 0;
		expected = g.version;
		g.failed_logins = count;
		g.fail_window_start = start;
		r = ctx->store->ops->guard_put(ctx->store, &g, expected);
		if (r == 0)
			return 0;
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return r;
	}
	return MT_EBUSY;
}

int limit_once(struct mt_ctx *ctx, const char *kind, const char *subject, int64_t at)
{
	struct mt_login_guard g;
	char key[65];
	int tries, r;

	limit_key(ctx, kind, subject, key);
	for (tries = 0; tries < LIMIT_TRIES; tries++) {
		int64_t expected;

		if ((r = limit_load(ctx, key, &g)) < 0)
			return r;
		if (g.version != 0 && g.failed_logins > 0)
			return MT_ECONFLICT;   /* recorded before (0 = given back by limit_set) */
		expected = g.version;
		g.failed_logins = 1;
		g.fail_window_start = at;
		r = ctx->store->ops->guard_put(ctx->store, &g, expected);
		if (r == 0)
			return 0;
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return r;
	}
	return MT_EBUSY;
}

/* A mark is a guard with count 1 whose window "starts" STORE_GUARD_KEEP_S
 * before `until`, so the store purges it at `until`. */
int limit_mark(struct mt_ctx *ctx, const char *kind, const char *subject, int64_t until)
{
	return limit_set(ctx, kind, subject, 1, until - (int64_t)STORE_GUARD_KEEP_S * 1000);
}

int limit_marked(struct mt_ctx *ctx, const char *kind, const char *subject, int64_t now)
{
	struct mt_login_guard g;
	char key[65];
	int r;

	limit_key(ctx, kind, subject, key);
	if ((r = limit_load(ctx, key, &g)) < 0)
		return r;
	return g.version != 0 && g.failed_logins > 0 &&
	       now < g.fail_window_start + (int64_t)STORE_GUARD_KEEP_S * 1000;
}

int limit_step(struct mt_ctx *ctx, const char *kind, const char *subject,
	       int64_t (*wait)(int32_t count, int64_t last, int64_t now), int64_t now, int64_t *retry_s)
{
	struct mt_login_guard g;
	char key[65];
	int tries, r;

	*retry_s = 0;
	limit_key(ctx, kind, subject, key);
	for (tries = 0; tries < LIMIT_TRIES; tries++) {
		int64_t expected, w;

		if ((r = limit_load(ctx, key, &g)) < 0)
			return r;
		w = wait(g.failed_logins, g.fail_window_start, now);
		if (w > 0) {
			*retry_s = w;
			return MT_EBUSY;
		}
		expected = g.version;
		if (g.failed_logins < INT32_MAX)
			g.failed_logins++;
		g.fail_window_start = now;
		r = ctx->store->ops->guard_put(ctx->store, &g, expected);
		if (r == 0)
			return 0;
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return r;
	}
	*retry_s = 1;
	return MT_EBUSY;
}
