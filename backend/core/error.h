/* Error codes shared by every backend layer.
 *
 * Convention: functions return int, 0 on success or one of the negative
 * MT_E* codes below; a human-readable cause, when there is one, goes through
 * a `char **cause` out-parameter that the caller frees. */
#ifndef MT_ERROR_H
#define MT_ERROR_H

#include <stdarg.h>

enum mt_err {
	MT_OK = 0,
	MT_ENOTFOUND = -1,  /* no such record (or not the caller's) */
	MT_ECONFLICT = -2,  /* unique key exists, or a conditional write lost a race */
	MT_EPRECOND = -3,   /* expected version does not match (If-Match) */
	MT_EINVAL = -4,     /* bad argument or malformed input */
	MT_ENOMEM = -5,     /* allocation failed */
	MT_EIO = -6,        /* back end failed (disk, network, protocol) */
	MT_EBUSY = -7,      /* throttled or temporarily unavailable: retry later */
	MT_ETOOBIG = -8,    /* input over its size cap */
	MT_ENOSPC = -9,     /* storage full (disk full): nothing was written; retry once space is freed */
};

/* Returns a static English name for an MT_E* code. */
const char *mt_strerror(int err);

#define MT_CAUSE_MAX 512  /* mt_set_cause keeps at most this many bytes, NUL included */

/* Returns a malloc'd printf-formatted string of any length (NULL when out of memory). */
char *mt_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* When cause is not NULL, frees *cause and sets it to a malloc'd formatted
 * message cut to MT_CAUSE_MAX - 1 bytes (NULL when out of memory). */
void mt_set_cause(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* mt_set_cause with a va_list. */
void mt_vset_cause(char **cause, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
