#include <string.h>
#include <sodium.h>
#include "core/id.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Writes a new id for time now_ms into out (MT_ID_SIZE bytes). */
void mt_id_new(char out[MT_ID_SIZE], int64_t now_ms)
{
	unsigned char rnd[10];
	uint64_t t = (uint64_t)now_ms & 0xFFFFFFFFFFFFULL;
	int i;

	randombytes_buf(rnd, sizeof rnd);
	/* 10 chars of time (50 bits, top 2 zero), 16 chars of randomness. */
	for (i = 9; i >= 0; i--) {
		out[i] = crockford[t & 31];
		t >>= 5;
	}
	for (i = 0; i < 16; i++) {
		int bit = i * 5, byte = bit / 8, off = bit % 8;
		unsigned v = (unsigned)rnd[byte] << 8 | (byte + 1 < 10 ? rnd[byte + 1] : 0);
		out[10 + i] = crockford[(v >> (11 - off)) & 31];
	}
	out[MT_ID_LEN] = '\0';
}

/* Returns 1 when s is a well-formed id, 0 otherwise. */
int mt_id_valid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != MT_ID_LEN)
		return 0;
	for (i = 0; i < MT_ID_LEN; i++)
		if (strchr(crockford, s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}
