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

/* A change of one guard: looks at g (as stored, or fresh with version 0)
 * and changes it; returns 1 to write it, 0 to stop with nothing to write,
 * or MT_E* to stop with that. Called again after a lost race. */
typedef int (*limit_change_fn)(struct mt_login_guard *g, void *arg);

/* The retry loop of every counter: loads the guard of (kind, subject),
 * applies change and writes it conditionally on the version it read, up
 * to LIMIT_TRIES times. 0, change's answer, MT_EBUSY after LIMIT_TRIES
 * lost races, or another MT_E* from the store. */
static int limit_update(struct mt_ctx *ctx, const char *kind, const char *subject, limit_change_fn change,
			void *arg)
{
	struct mt_login_guard g;
	char key[65];
	int tries, r;

	limit_key(ctx, kind, subject, key);
	for (tries = 0; tries < LIMIT_TRIES; tries++) {
		int64_t expected;

		if ((r = limit_load(ctx, key, &g)) < 0)
			return r;
		expected = g.version;
		if ((r = change(&g, arg)) <= 0)
			return r;
		r = ctx->store->ops->guard_put(ctx->store, &g, expected);
		if (r != MT_EPRECOND && r != MT_ECONFLICT)
			return r;
	}
	return MT_EBUSY;
}

/* What limit_take's change needs and gives. */
struct limit_take_arg {
	int32_t max;         /* takes per window */
	int64_t window_ms;   /* the window */
	int64_t now;         /* now, ms */
	int64_t retry_s;     /* out: seconds until the full window ends */
	int32_t count;       /* out: the count with this take */
};

/* limit_take's change: a new window when the last is over, one more take when there is room. */
static int limit_take_change(struct mt_login_guard *g, void *arg)
{
	struct limit_take_arg *a = arg;

	if (g->fail_window_start <= 0 || a->now >= g->fail_window_start + a->window_ms ||
	    g->fail_window_start > a->now + a->window_ms) {   /* none, over, or the clock went back */
		g->fail_window_start = a->now;
		g->failed_logins = 0;
	}
	if (g->failed_logins >= a->max) {
		int64_t left = g->fail_window_start + a->window_ms - a->now;

		a->retry_s = left <= 0 ? 1 : (left + 999) / 1000;
		return MT_EBUSY;
	}
	g->failed_logins++;
	a->count = g->failed_logins;
	return 1;
}

int limit_take(struct mt_ctx *ctx, const char *kind, const char *subject, int32_t max, int64_t window_ms,
	       int64_t now, int64_t *retry_s, int32_t *count)
{
	struct limit_take_arg a = { max, window_ms, now, 0, 0 };
	int r = limit_update(ctx, kind, subject, limit_take_change, &a);

	*retry_s = r == MT_EBUSY ? (a.retry_s > 0 ? a.retry_s : 1) : 0;
	if (r == 0 && count != NULL)
		*count = a.count;
	return r;
}

/* limit_give_back's change: one less, never below 0. */
static int limit_give_back_change(struct mt_login_guard *g, void *arg)
{
	(void)arg;
	if (g->version == 0 || g->failed_logins <= 0)
		return 0;
	g->failed_logins--;
	return 1;
}

int limit_give_back(struct mt_ctx *ctx, const char *kind, const char *subject)
{
	return limit_update(ctx, kind, subject, limit_give_back_change, NULL);
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

/* What limit_set and limit_once write. */
struct limit_set_arg {
	int32_t count;   /* the count */
	int64_t start;   /* the window's start, ms */
};

/* limit_set's change: (count, start), unless the guard holds it already. */
static int limit_set_change(struct mt_login_guard *g, void *arg)
{
	const struct limit_set_arg *a = arg;

	if (g->version != 0 && g->failed_logins == a->count && g->fail_window_start == a->start)
		return 0;
	g->failed_logins = a->count;
	g->fail_window_start = a->start;
	return 1;
}

int limit_set(struct mt_ctx *ctx, const char *kind, const char *subject, int32_t count, int64_t start)
{
	struct limit_set_arg a = { count, start };

	return limit_update(ctx, kind, subject, limit_set_change, &a);
}

/* limit_once's change: count 1 from start, unless recorded before. */
static int limit_once_change(struct mt_login_guard *g, void *arg)
{
	const struct limit_set_arg *a = arg;

	if (g->version != 0 && g->failed_logins > 0)
		return MT_ECONFLICT;   /* recorded before (0 = given back by limit_set) */
	g->failed_logins = 1;
	g->fail_window_start = a->start;
	return 1;
}

int limit_once(struct mt_ctx *ctx, const char *kind, const char *subject, int64_t at)
{
	struct limit_set_arg a = { 1, at };

	return limit_update(ctx, kind, subject, limit_once_change, &a);
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

/* What limit_step's change needs and gives. */
struct limit_step_arg {
	int64_t (*wait)(int32_t count, int64_t last, int64_t now);   /* the rule */
	int64_t now;       /* now, ms */
	int64_t retry_s;   /* out: seconds still to wait */
};

/* limit_step's change: one step at now, unless the rule says wait. */
static int limit_step_change(struct mt_login_guard *g, void *arg)
{
	struct limit_step_arg *a = arg;
	int64_t w = a->wait(g->failed_logins, g->fail_window_start, a->now);

	if (w > 0) {
		a->retry_s = w;
		return MT_EBUSY;
	}
	if (g->failed_logins < INT32_MAX)
		g->failed_logins++;
	g->fail_window_start = a->now;
	return 1;
}

int limit_step(struct mt_ctx *ctx, const char *kind, const char *subject,
	       int64_t (*wait)(int32_t count, int64_t last, int64_t now), int64_t now, int64_t *retry_s)
{
	struct limit_step_arg a = { wait, now, 0 };
	int r = limit_update(ctx, kind, subject, limit_step_change, &a);

	*retry_s = r == MT_EBUSY ? (a.retry_s > 0 ? a.retry_s : 1) : 0;
	return r;
}
