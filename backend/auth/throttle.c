/* Per-account login throttling: MT_LOGIN_MAX_FAILURES failed logins within
 * MT_LOGIN_WINDOW_MS (counted from the first failure of the window) lock the
 * account until the window is over. The state lives on the user record
 * (failed_logins, fail_window_start) so every process sees it; for an
 * e-mail without an account, on its login guard (handlers/token.c). */
#include "auth/auth.h"

/* Seconds to wait at now_ms for a state of `failed` failures in the window
 * starting at `start` (> 0 when locked), else 0. */
int64_t mt_throttle_wait(int32_t failed, int64_t start, int64_t now_ms)
{
	int64_t end;

	if (failed < MT_LOGIN_MAX_FAILURES || start <= 0)
		return 0;
	end = start + MT_LOGIN_WINDOW_MS;
	if (now_ms >= end)
		return 0;
	if (end - now_ms > MT_LOGIN_WINDOW_MS)  /* the clock went back: wait one window at most */
		return MT_LOGIN_WINDOW_MS / 1000;
	return (end - now_ms + 999) / 1000;  /* round up: never tell a client to come back too early */
}

/* Counts a failure in (*failed, *start), starting a new window if the last is over. */
void mt_throttle_count(int32_t *failed, int64_t *start, int64_t now_ms)
{
	if (*start <= 0 || now_ms >= *start + MT_LOGIN_WINDOW_MS) {
		*start = now_ms;
		*failed = 1;
		return;
	}
	if (*failed < INT32_MAX)
		(*failed)++;
}

/* Seconds the account must wait at now_ms (> 0 when locked), else 0. */
int64_t mt_throttle_retry_after(const struct mt_user *u, int64_t now_ms)
{
	return mt_throttle_wait(u->failed_logins, u->fail_window_start, now_ms);
}

/* Counts a failed login in u, starting a new window if the last is over. */
void mt_throttle_fail(struct mt_user *u, int64_t now_ms)
{
	mt_throttle_count(&u->failed_logins, &u->fail_window_start, now_ms);
}

/* Clears the failure count in u; returns 1 if anything changed. */
int mt_throttle_reset(struct mt_user *u)
{
	if (u->failed_logins == 0 && u->fail_window_start == 0)
		return 0;
	u->failed_logins = 0;
	u->fail_window_start = 0;
	return 1;
}
