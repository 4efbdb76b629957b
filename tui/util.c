/* Small string helpers of the app. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Copies src into dst, cut at a UTF-8 boundary. */
void str_copy(char *dst, size_t cap, const char *src)
{
	if (cap == 0)
		return;
	size_t n = src ? strlen(src) : 0;
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* printf into a fixed buffer, cut at a UTF-8 boundary. */
void str_fmt(char *dst, size_t cap, const char *fmt, ...)
{
	if (cap == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
	if (n < 0) {
		dst[0] = '\0';
		return;
	}
	if ((size_t)n >= cap) {
		size_t k = cap - 1;
		while (k > 0 && ((unsigned char)dst[k] & 0xC0) == 0x80)
			k--;
		dst[k] = '\0';
	}
}
