/* Small string helpers of the app. */
#ifndef MAITRE_TUI_UTIL_H
#define MAITRE_TUI_UTIL_H

#include <stddef.h>

/* Copies src (NULL = "") into dst of cap bytes, cut at a UTF-8 character
 * boundary when too long; always NUL-terminated. */
void str_copy(char *dst, size_t cap, const char *src);



/* printf into dst of cap bytes; output that does not fit is cut at a UTF-8
 * character boundary (messages and labels: cutting is fine, overflowing never). */
void str_fmt(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A JSON number as an int / int64, held within their range (a file or an
 * answer with 1e300 in it must not make the cast undefined). */
static inline int num_int(double d)
{
	return d != d ? 0 : d < -2147483647.0 ? -2147483647 : d > 2147483647.0 ? 2147483647 : (int)d;
}
static inline long long num_i64(double d)
{
	return d != d ? 0 : d < -9e15 ? (long long)-9e15 : d > 9e15 ? (long long)9e15 : (long long)d;
}
#endif
