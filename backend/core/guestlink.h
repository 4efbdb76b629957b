/* Guest links: the secrets in the public URLs of issue 14.
 *
 * A party's status page is /g/TOKEN. TOKEN is base64url(HMAC-SHA256(K,
 * "g1:" waitee id ":" nonce)), where nonce is 16 random bytes made when the
 * party joins and kept (hex) on the waitee, and K is a key derived from the
 * JWT secret (BLAKE2b keyed with it, personalised "maitre guest links").
 * So a token carries at least 128 random bits, cannot be made without both
 * the stored nonce and the server's secret, and is never stored itself: the
 * store keeps only its SHA-256 (struct mt_link, looked up by that hash), and
 * staff see it (guestUrl) because the server can recompute it.
 *
 * A list's self check-in door is /j/SLUG, SLUG = 16 base32 characters of
 * HMAC(K, "j1:" list id): stable for the list, unguessable from its id.
 *
 * Forms on the pages carry a CSRF token: HMAC(K, "c1:" scope ":" hour),
 * accepted for the current and the previous hour. */
#ifndef MT_GUESTLINK_H
#define MT_GUESTLINK_H

#include <stddef.h>
#include <stdint.h>
#include "core/ctx.h"
#include "core/model.h"

#define MT_GUEST_TOKEN_LEN 43   /* base64url (no padding) of 32 bytes */
#define MT_SLUG_LEN 16          /* base32 characters of a check-in slug */
#define MT_CSRF_LEN 43          /* base64url of 32 bytes */
#define MT_LINK_KEY_SIZE 72     /* struct mt_link key: 64 hex + NUL, or "j:" + slug */

#define MT_GUEST_SECRET_MIN 32   /* JWT secret bytes needed for guest links */

/* 1 when guest links can be made: the configuration has the JWT secret
 * (at least MT_GUEST_SECRET_MIN bytes). Without it parties get no link,
 * pages answer 404 and selfCheckIn cannot be turned on: never a link keyed
 * by a guessable key. */
int mt_guest_links_on(const struct mt_config *cfg);

/* Fills out with 16 fresh random bytes in hex (a new party's nonce). */
void mt_guest_nonce_new(char out[MT_NONCE_HEX]);

/* The token of waitee id with nonce (hex). 0, or MT_EINVAL when the nonce
 * is "" or links are off (mt_guest_links_on). */
int mt_guest_token(const struct mt_config *cfg, const char *waitee_id, const char *nonce,
		   char out[MT_GUEST_TOKEN_LEN + 1]);

/* The lookup key of a token (hex SHA-256 of whatever text was given: the
 * cost does not depend on whether it is a real token). */
void mt_guest_token_key(const char *token, size_t len, char out[MT_LINK_KEY_SIZE]);

/* Writes the status page URL of w (public_url + "/g/" + token; relative
 * when no public URL is configured) into out; "" when w has no nonce.
 * 0 or MT_ETOOBIG. */
int mt_guest_url(const struct mt_config *cfg, const struct mt_waitee *w, char *out, size_t size);

/* The check-in slug of a list. */
void mt_checkin_slug(const struct mt_config *cfg, const char *waitlist_id, char out[MT_SLUG_LEN + 1]);

/* The link key of a slug ("j:" + slug, cut to the key size). */
void mt_checkin_key(const char *slug, char out[MT_LINK_KEY_SIZE]);

/* Writes the check-in page URL of a list into out. 0 or MT_ETOOBIG. */
int mt_checkin_url(const struct mt_config *cfg, const char *waitlist_id, char *out, size_t size);

/* The CSRF token of a form for scope (the page's token or slug) at now_ms. */
void mt_guest_csrf(const struct mt_config *cfg, const char *scope, int64_t now_ms, char out[MT_CSRF_LEN + 1]);

/* 1 when given is scope's CSRF token of this hour or the previous one. */
int mt_guest_csrf_ok(const struct mt_config *cfg, const char *scope, const char *given, int64_t now_ms);

/* Normalises a public base URL (MAITRE_PUBLIC_URL): http:// or https://,
 * printable ASCII without quotes, spaces or '<>', at most 200 bytes;
 * trailing '/' removed. 0 (out filled) or MT_EINVAL with *why. */
int mt_public_url_parse(const char *in, char *out, size_t size, const char **why);

#endif
