/* Guest links: tokens, slugs and CSRF tokens (core/guestlink.h). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "core/error.h"
#include "core/guestlink.h"

#define GUESTLINK_HOUR_MS 3600000LL

/* Derives the link key K from the JWT secret. */
static void guestlink_key(const struct mt_config *cfg, unsigned char k[32])
{
	static const char label[] = "maitre guest links v1";
	size_t klen = cfg->jwt_secret_len;

	if (klen > crypto_generichash_KEYBYTES_MAX)
		klen = crypto_generichash_KEYBYTES_MAX;
	crypto_generichash(k, 32, (const unsigned char *)label, sizeof label - 1,
			   klen ? cfg->jwt_secret : NULL, klen);
}

/* HMAC-SHA256(K, a ":" b ":" c) into mac. */
static void guestlink_mac(const struct mt_config *cfg, const char *a, const char *b, const char *c,
			  unsigned char mac[32])
{
	crypto_auth_hmacsha256_state st;
	unsigned char k[32];

	guestlink_key(cfg, k);
	crypto_auth_hmacsha256_init(&st, k, sizeof k);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)a, strlen(a));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)":", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)b, strlen(b));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)":", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)c, strlen(c));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(k, sizeof k);
}

/* 1 when the JWT secret is there to key guest links. */
int mt_guest_links_on(const struct mt_config *cfg)
{
	return cfg->jwt_secret_len >= MT_GUEST_SECRET_MIN;
}

/* Fills out with 16 random bytes in hex. */
void mt_guest_nonce_new(char out[MT_NONCE_HEX])
{
	unsigned char n[16];

	randombytes_buf(n, sizeof n);
	sodium_bin2hex(out, MT_NONCE_HEX, n, sizeof n);
}

/* The token of a waitee. */
int mt_guest_token(const struct mt_config *cfg, const char *waitee_id, const char *nonce,
		   char out[MT_GUEST_TOKEN_LEN + 1])
{
	unsigned char mac[32];

	out[0] = '\0';
	if (nonce == NULL || nonce[0] == '\0' || waitee_id == NULL || !mt_guest_links_on(cfg))
		return MT_EINVAL;
	guestlink_mac(cfg, "g1", waitee_id, nonce, mac);
	sodium_bin2base64(out, MT_GUEST_TOKEN_LEN + 1, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

/* Hex SHA-256 of the given text. */
void mt_guest_token_key(const char *token, size_t len, char out[MT_LINK_KEY_SIZE])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)token, len);
	sodium_bin2hex(out, MT_LINK_KEY_SIZE, h, sizeof h);
}

/* Base URL and path joined into out; 0 or MT_ETOOBIG. */
static int guestlink_join(const struct mt_config *cfg, const char *path, const char *tail, char *out,
			  size_t size)
{
	int n = snprintf(out, size, "%s%s%s", cfg->public_url, path, tail);

	if (n < 0 || (size_t)n >= size) {
		if (size)
			out[0] = '\0';
		return MT_ETOOBIG;
	}
	return 0;
}

/* The status page URL of w. */
int mt_guest_url(const struct mt_config *cfg, const struct mt_waitee *w, char *out, size_t size)
{
	char tok[MT_GUEST_TOKEN_LEN + 1];

	if (size)
		out[0] = '\0';
	if (mt_guest_token(cfg, w->id, w->guest_nonce, tok) < 0)
		return 0;
	return guestlink_join(cfg, "/g/", tok, out, size);
}

/* The check-in slug of a list: base32 (Crockford, lower case) of 80 MAC bits. */
void mt_checkin_slug(const struct mt_config *cfg, const char *waitlist_id, char out[MT_SLUG_LEN + 1])
{
	static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
	unsigned char mac[32];
	unsigned bits = 0, acc = 0;
	int i, o = 0;

	guestlink_mac(cfg, "j1", waitlist_id, "", mac);
	for (i = 0; o < MT_SLUG_LEN; ) {
		if (bits < 5) {
			acc = acc << 8 | mac[i++];
			bits += 8;
		}
		out[o++] = alphabet[(acc >> (bits - 5)) & 31];
		bits -= 5;
	}
	out[MT_SLUG_LEN] = '\0';
}

/* "j:" + slug. */
void mt_checkin_key(const char *slug, char out[MT_LINK_KEY_SIZE])
{
	snprintf(out, MT_LINK_KEY_SIZE, "j:%.*s", MT_LINK_KEY_SIZE - 3, slug);
}

/* The check-in page URL of a list. */
int mt_checkin_url(const struct mt_config *cfg, const char *waitlist_id, char *out, size_t size)
{
	char slug[MT_SLUG_LEN + 1];

	mt_checkin_slug(cfg, waitlist_id, slug);
	return guestlink_join(cfg, "/j/", slug, out, size);
}

/* The CSRF token of scope for one hour bucket. */
static void guestlink_csrf_at(const struct mt_config *cfg, const char *scope, int64_t bucket,
			      char out[MT_CSRF_LEN + 1])
{
	unsigned char mac[32];
	char b[24];

	snprintf(b, sizeof b, "%lld", (long long)bucket);
	guestlink_mac(cfg, "c1", scope, b, mac);
	sodium_bin2base64(out, MT_CSRF_LEN + 1, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The CSRF token of scope at now_ms. */
void mt_guest_csrf(const struct mt_config *cfg, const char *scope, int64_t now_ms, char out[MT_CSRF_LEN + 1])
{
	guestlink_csrf_at(cfg, scope, now_ms / GUESTLINK_HOUR_MS, out);
}

/* 1 when given matches this hour's or the previous hour's token. */
int mt_guest_csrf_ok(const struct mt_config *cfg, const char *scope, const char *given, int64_t now_ms)
{
	char want[MT_CSRF_LEN + 1];
	int64_t b = now_ms / GUESTLINK_HOUR_MS, i;

	if (given == NULL || strlen(given) != MT_CSRF_LEN)
		return 0;
	for (i = 0; i < 2; i++) {
		guestlink_csrf_at(cfg, scope, b - i, want);
		if (sodium_memcmp(want, given, MT_CSRF_LEN) == 0)
			return 1;
	}
	return 0;
}

/* Checks and normalises MAITRE_PUBLIC_URL. */
int mt_public_url_parse(const char *in, char *out, size_t size, const char **why)
{
	size_t n, i;

	if (in == NULL || (strncmp(in, "https://", 8) != 0 && strncmp(in, "http://", 7) != 0)) {
		*why = "must start with https:// or http://";
		return MT_EINVAL;
	}
	n = strlen(in);
	while (n > 0 && in[n - 1] == '/')
		n--;
	if (n > 200 || n + 1 > size) {
		*why = "is longer than 200 bytes";
		return MT_EINVAL;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' ||
		    c == '?' || c == '#') {
			*why = "may hold only printable ASCII without spaces, quotes, '<>', '\\', '?' or '#'";
			return MT_EINVAL;
		}
	}
	if ((size_t)(strstr(in, "://") + 3 - in) >= n) {
		*why = "has no host";
		return MT_EINVAL;
	}
	memcpy(out, in, n);
	out[n] = '\0';
	return 0;
}
