/* Base64 encoding and decoding over libsodium (core/base64.h). */
#include <stdlib.h>
#include <sodium.h>
#include "core/base64.h"
#include "core/error.h"

/* Base64 encode; result malloc'd. */
char *mt_base64_encode(const void *data, size_t len, int urlsafe_nopad)
{
	int variant = urlsafe_nopad ? sodium_base64_VARIANT_URLSAFE_NO_PADDING : sodium_base64_VARIANT_ORIGINAL;
	size_t n = sodium_base64_ENCODED_LEN(len, variant);
	char *out = malloc(n);

	if (out == NULL)
		return NULL;
	sodium_bin2base64(out, n, data, len, variant);
	return out;
}

/* Base64 decode; *out malloc'd and NUL-terminated. */
int mt_base64_decode(const char *text, size_t len, int urlsafe_nopad, unsigned char **out, size_t *outlen)
{
	int variant = urlsafe_nopad ? sodium_base64_VARIANT_URLSAFE_NO_PADDING : sodium_base64_VARIANT_ORIGINAL;
	size_t cap = len / 4 * 3 + 3;
	unsigned char *buf = malloc(cap + 1);
	const char *end;

	if (buf == NULL)
		return MT_ENOMEM;
	if (sodium_base642bin(buf, cap, text, len, "\r\n", outlen, &end, variant) != 0 ||
	    end != text + len) {
		free(buf);
		return MT_EINVAL;
	}
	buf[*outlen] = '\0';
	*out = buf;
	return 0;
}
