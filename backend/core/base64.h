/* Base64 over libsodium: the standard alphabet with padding, or base64url
 * without padding (urlsafe_nopad = 1; cursors, JWT parts). */
#ifndef MT_BASE64_H
#define MT_BASE64_H

#include <stddef.h>

/* Encodes len bytes; result malloc'd and NUL-terminated (NULL when out of memory). */
char *mt_base64_encode(const void *data, size_t len, int urlsafe_nopad);
/* Decodes len characters ("\r\n" ignored) into *out (malloc'd,
 * NUL-terminated, caller frees), *outlen bytes. 0, MT_EINVAL (not base64
 * of that variant, or trailing characters) or MT_ENOMEM. */
int mt_base64_decode(const char *text, size_t len, int urlsafe_nopad, unsigned char **out, size_t *outlen);

#endif
