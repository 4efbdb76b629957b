/* Counters for rate limits, kept in the store's login-guard records (both
 * back ends write them conditionally on a version, so a count is taken
 * atomically: two requests never both take the last unit). A counter is a
 * fixed window: `count` takes since `start`; a take after start + window
 * begins a new window. Keys are hex keyed BLAKE2b-128 of (kind, subject),
 * keyed with the JWT secret, so the store never holds an address, an e-mail
 * or a phone number. Internal to handlers/. */
#ifndef MT_HANDLERS_LIMIT_H
#define MT_HANDLERS_LIMIT_H

#include <stdint.h>

struct mt_ctx;

/* The store key of (kind, subject): 32 hex characters and a NUL. */
void limit_key(const struct mt_ctx *ctx, const char *kind, const char *subject, char out[65]);

/* Takes one unit of the counter (kind, subject): at most max in window_ms.
 * 0 when taken (*count, if not NULL, gets the count including this take);
 * MT_EBUSY when the window is full, *retry_s = seconds until it ends
 * (rounded up, at least 1); another MT_E* when the store failed. */
int limit_take(struct mt_ctx *ctx, const char *kind, const char *subject, int32_t max, int64_t window_ms,
	       int64_t now, int64_t *retry_s, int32_t *count);

/* Gives one unit back (after a take that turned out not to count, e.g. a
 * successful login); never below 0. 0 or MT_E*. */
int limit_give_back(struct mt_ctx *ctx, const char *kind, const char *subject);

/* Reads the counter: *count in the current window (0 when none or over) and
 * *start (ms, 0 when none). 0, or MT_E* when the store failed. */
int limit_peek(struct mt_ctx *ctx, const char *kind, const char *subject, int64_t window_ms, int64_t now,
	       int32_t *count, int64_t *start);

/* Sets the counter to (count, start) whatever it held (last writer wins
 * after up to 16 tries). 0 or MT_E*. */
int limit_set(struct mt_ctx *ctx, const char *kind, const char *subject, int32_t count, int64_t start);

/* Records (kind, subject) once: 0 the first time, MT_ECONFLICT when it was
 * already recorded (and not yet purged: the store keeps it a day after
 * `at`, ms; limit_set to count 0 forgets it); another MT_E* when the store
 * failed. Two callers at once: one gets 0, the other MT_ECONFLICT. */
int limit_once(struct mt_ctx *ctx, const char *kind, const char *subject, int64_t at);

/* Takes one step of a counter whose rule is a function: wait(count, last,
 * now) gives the seconds still to wait (0 = go) for a counter at `count`
 * whose last step was at `last` (ms). 0 when taken (count + 1, last = now);
 * MT_EBUSY with *retry_s when it must wait; another MT_E* when the store
 * failed. */
int limit_step(struct mt_ctx *ctx, const char *kind, const char *subject,
	       int64_t (*wait)(int32_t count, int64_t last, int64_t now), int64_t now, int64_t *retry_s);

/* Marks (kind, subject) until `until` (ms; at most a day plus the time the
 * store keeps a guard). 0 or MT_E*. */
int limit_mark(struct mt_ctx *ctx, const char *kind, const char *subject, int64_t until);

/* 1 when (kind, subject) is marked at now, 0 when not, or MT_E*. */
int limit_marked(struct mt_ctx *ctx, const char *kind, const char *subject, int64_t now);

#endif
