/* Percent-decoding, one set of rules for every caller: query strings and
 * path parameters (daemon/), form bodies (the SMS hook), store URLs. */
#ifndef MT_URL_H
#define MT_URL_H

#include <stddef.h>

/* Flags of mt_url_decode. */
enum mt_url_flags {
	MT_URL_PLUS_SPACE = 1,   /* '+' decodes to a space (query strings, forms) */
	MT_URL_STRICT = 2,       /* a '%' without two hex digits after it is an error (else kept as is) */
};

/* Decodes src[0..len) into dst (dsz bytes, NUL-terminated): %XX escapes,
 * and '+' as a space with MT_URL_PLUS_SPACE. A NUL byte, raw or decoded,
 * is an error. Returns the decoded length, or -1 (malformed, or dst too
 * small). */
long mt_url_decode(const char *src, size_t len, char *dst, size_t dsz, unsigned flags);

#endif
