/* Idempotency keys: random, printable, kept by the caller across resends. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include "internal.h"

/* Writes a new random key ("mtc-" + 32 hex digits). */
enum mtc_error mtc_idempotency_key_new(char *buf, size_t size)
{
	unsigned char r[16];
	size_t got = 0;
	if (buf == NULL || size < 37)
		return MTC_ERR_INVALID_ARG;
	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MTC_ERR_IO;
		got += (size_t)n;
	}
	memcpy(buf, "mtc-", 4);
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(buf + 4 + i * 2, 3, "%02x", r[i]);
	return MTC_OK;
}

/* 1 when key is 1..255 bytes of printable ASCII without spaces. */
int mtc_idempotency_key_valid(const char *key)
{
	if (key == NULL)
		return 0;
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++, n++)
		if (*p < 0x21 || *p > 0x7e || n >= 255)
			return 0;
	return n > 0;
}
