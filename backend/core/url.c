/* Percent-decoding (core/url.h). */
#include "core/url.h"

/* Value of a hex digit, or -1. */
static int url_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes src[0..len) into dst. */
long mt_url_decode(const char *src, size_t len, char *dst, size_t dsz, unsigned flags)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = src[i];

		if (c == '%' && i + 2 < len && url_hex(src[i + 1]) >= 0 && url_hex(src[i + 2]) >= 0) {
			c = (char)(url_hex(src[i + 1]) * 16 + url_hex(src[i + 2]));
			i += 2;
		} else if (c == '%' && (flags & MT_URL_STRICT)) {
			return -1;
		} else if (c == '+' && (flags & MT_URL_PLUS_SPACE)) {
			c = ' ';
		}
		if (c == '\0' || o + 1 >= dsz)
			return -1;
		dst[o++] = c;
	}
	if (dsz == 0)
		return -1;
	dst[o] = '\0';
	return (long)o;
}
