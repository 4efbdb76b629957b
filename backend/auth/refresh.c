/* Refresh tokens: opaque "<familyId>.<32 random bytes, base64url>" strings.
 * Only the SHA-256 (hex) of a token is ever stored. */
#include <string.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"
#include "core/id.h"

/* base64url (no padding) length of MT_REFRESH_SECRET_BYTES bytes: 43. */
#define REFRESH_B64_LEN ((MT_REFRESH_SECRET_BYTES * 4 + 2) / 3)

_Static_assert(MT_ID_LEN + 1 + REFRESH_B64_LEN < MT_REFRESH_TOKEN_SIZE, "MT_REFRESH_TOKEN_SIZE too small");

/* Writes the hex SHA-256 of s into hash_hex. */
static void refresh_hash(const char *s, char hash_hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(hash_hex, 65, h, sizeof h);
}

/* Makes a new refresh token of family_id and its hash. */
int mt_refresh_new(const char *family_id, char token[MT_REFRESH_TOKEN_SIZE], char hash_hex[65])
{
	unsigned char rnd[MT_REFRESH_SECRET_BYTES];

	token[0] = '\0';
	hash_hex[0] = '\0';
	if (family_id == NULL || !mt_id_valid(family_id))
		return MT_EINVAL;
	if (mt_sodium_init() < 0)
		return MT_EIO;
	randombytes_buf(rnd, sizeof rnd);
	memcpy(token, family_id, MT_ID_LEN);
	token[MT_ID_LEN] = '.';
	sodium_bin2base64(token + MT_ID_LEN + 1, MT_REFRESH_TOKEN_SIZE - MT_ID_LEN - 1, rnd, sizeof rnd,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(rnd, sizeof rnd);
	refresh_hash(token, hash_hex);
	return 0;
}

/* Checks the shape of a refresh token and splits it. */
int mt_refresh_parse(const char *token, char family_id[MT_ID_SIZE], char hash_hex[65])
{
	size_t n, i;

	family_id[0] = '\0';
	hash_hex[0] = '\0';
	if (token == NULL)
		return MT_EINVAL;
	n = strnlen(token, MT_REFRESH_TOKEN_SIZE);
	if (n != MT_ID_LEN + 1 + REFRESH_B64_LEN || token[MT_ID_LEN] != '.')
		return MT_EINVAL;
	for (i = MT_ID_LEN + 1; i < n; i++) {
		char c = token[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return MT_EINVAL;
	}
	memcpy(family_id, token, MT_ID_LEN);
	family_id[MT_ID_LEN] = '\0';
	if (!mt_id_valid(family_id)) {
		family_id[0] = '\0';
		return MT_EINVAL;
	}
	if (mt_sodium_init() < 0)
		return MT_EIO;
	refresh_hash(token, hash_hex);
	return 0;
}
