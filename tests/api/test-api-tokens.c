/* Forged and broken access tokens over HTTP: maitred is started with a known
 * MAITRE_JWT_SECRET, the test signs its own tokens (HMAC via libsodium, not
 * our auth code) and every kind of forgery must answer 401 on a protected
 * route, while a correctly forged control token answers 200 (so the forger
 * is faithful and the 401s are for the reason tested). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <sodium.h>

#include "harness.h"

#define SECRET "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
#define OTHER_SECRET "another-secret-0123456789-abcdefghijklmnopqrstuvw"

static struct test_server srv;      /* maitred under test */
static char sub[64], tenant[64];    /* claims of a real account */

/* base64url without padding of n bytes (malloc'd). */
static char *b64url(const void *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(len);

	assert_non_null(out);
	sodium_bin2base64(out, len, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* Signs header.payload with HMAC-SHA256 (alg 256) or -SHA512 (alg 512)
 * under key, or leaves the signature empty (alg 0). Returns "Bearer ..." (malloc'd). */
static char *forge(const char *header, const char *payload, const char *key, int alg)
{
	char *h = b64url(header, strlen(header)), *p = b64url(payload, strlen(payload));
	char *input = test_strf("%s.%s", h, p), *sig, *tok;
	unsigned char mac[64];
	size_t maclen = 0;

	if (alg == 256) {
		crypto_auth_hmacsha256_state st;
		crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)input, strlen(input));
		crypto_auth_hmacsha256_final(&st, mac);
		maclen = 32;
	} else if (alg == 512) {
		crypto_auth_hmacsha512_state st;
		crypto_auth_hmacsha512_init(&st, (const unsigned char *)key, strlen(key));
		crypto_auth_hmacsha512_update(&st, (const unsigned char *)input, strlen(input));
		crypto_auth_hmacsha512_final(&st, mac);
		maclen = 64;
	}
	sig = maclen ? b64url(mac, maclen) : strdup("");
	tok = test_strf("Bearer %s.%s", input, sig);
	free(h);
	free(p);
	free(input);
	free(sig);
	return tok;
}

/* A payload with the real account's claims and the given overrides. */
static char *claims(const char *iss, const char *aud, long long iat, long long nbf, long long exp,
		    const char *tid)
{
	return test_strf("{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"%s\",\"tenantId\":\"%s\",\"role\":\"owner\","
			 "\"jti\":\"j%lld\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld}",
			 iss, aud, sub, tid ? tid : tenant, (long long)randombytes_uniform(1000000), iat, nbf, exp);
}

/* Status of GET /waitlists with this Authorization value. */
static long status_with(const char *auth)
{
	const char *hdrs[] = { NULL, NULL };
	struct test_resp r;
	long st;

	hdrs[0] = test_strf("Authorization: %s", auth);
	assert_int_equal(test_http(&srv, "GET", "/waitlists", NULL, NULL, hdrs, &r), 0);
	st = r.status;
	test_resp_free(&r);
	free((char *)hdrs[0]);
	return st;
}

/* Starts maitred with the known secret and reads a real token's claims. */
static int setup(void **state)
{
	static const char *const env[] = { "MAITRE_JWT_SECRET=" SECRET, NULL };
	struct test_server_opts o = { .env = env };
	char *token = NULL, *dot1, *dot2;
	unsigned char *raw;
	size_t rawlen;
	cJSON *p;

	(void)state;
	if (sodium_init() < 0 || test_server_start(&srv, &o) != 0)
		return -1;
	if (test_register_and_login(&srv, NULL, NULL, NULL, &token, NULL) != 0)
		return -1;
	dot1 = strchr(token, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL)
		return -1;
	raw = malloc((size_t)(dot2 - dot1) + 1);
	if (raw == NULL || sodium_base642bin(raw, (size_t)(dot2 - dot1), dot1 + 1, (size_t)(dot2 - dot1 - 1),
					     NULL, &rawlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	raw[rawlen] = '\0';
	p = cJSON_Parse((char *)raw);
	if (p == NULL || test_json_str(p, "sub") == NULL || test_json_str(p, "tenantId") == NULL)
		return -1;
	snprintf(sub, sizeof sub, "%s", test_json_str(p, "sub"));
	snprintf(tenant, sizeof tenant, "%s", test_json_str(p, "tenantId"));
	cJSON_Delete(p);
	free(raw);
	free(token);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_server_free(&srv);
	return 0;
}

/* A token we sign with the right key and claims is accepted (the control). */
static void test_control_accepted(void **state)
{
	long long now = (long long)time(NULL);
	char *pl = claims("maitre", "maitre-api", now, now, now + 300, NULL);
	char *tok = forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", pl, SECRET, 256);

	(void)state;
	assert_int_equal(status_with(tok), 200);
	free(tok);
	free(pl);
}

/* Every forgery answers 401. */
static void test_forgeries_refused(void **state)
{
	long long now = (long long)time(NULL);
	static const char *hs256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	struct {
		const char *what;
		const char *header;
		char *payload;
		const char *key;
		int alg;
	} cases[] = {
		{ "alg none", "{\"alg\":\"none\",\"typ\":\"JWT\"}",
		  claims("maitre", "maitre-api", now, now, now + 300, NULL), SECRET, 0 },
		{ "wrong key", hs256, claims("maitre", "maitre-api", now, now, now + 300, NULL), OTHER_SECRET, 256 },
		{ "HS512 with the right key", "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
		  claims("maitre", "maitre-api", now, now, now + 300, NULL), SECRET, 512 },
		{ "expired", hs256, claims("maitre", "maitre-api", now - 900, now - 900, now - 60, NULL), SECRET, 256 },
		{ "not yet valid", hs256, claims("maitre", "maitre-api", now, now + 3600, now + 7200, NULL), SECRET, 256 },
		{ "wrong iss", hs256, claims("evil", "maitre-api", now, now, now + 300, NULL), SECRET, 256 },
		{ "wrong aud", hs256, claims("maitre", "other-api", now, now, now + 300, NULL), SECRET, 256 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *tok = forge(cases[i].header, cases[i].payload, cases[i].key, cases[i].alg);
		long st = status_with(tok);

		if (st != 401)
			fail_msg("%s: status %ld, want 401", cases[i].what, st);
		free(tok);
		free(cases[i].payload);
	}
}

/* A valid token whose payload is swapped for another tenant's (signature
 * kept) answers 401. */
static void test_tampered_payload(void **state)
{
	long long now = (long long)time(NULL);
	char *pl = claims("maitre", "maitre-api", now, now, now + 300, NULL);
	char *good = forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", pl, SECRET, 256);
	char *pl2 = claims("maitre", "maitre-api", now, now, now + 300, "01HAAAAAAAAAAAAAAAAAAAAAAA");
	char *other = forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", pl2, SECRET, 256);
	char *sig = strrchr(good, '.'), *osig = strrchr(other, '.');
	char *tampered;

	(void)state;
	assert_int_equal(status_with(good), 200);
	*osig = '\0';
	tampered = test_strf("%s%s", other, sig);   /* other tenant's payload, good's signature */
	assert_int_equal(status_with(tampered), 401);
	free(tampered);
	free(other);
	free(good);
	free(pl2);
	free(pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_accepted),
		cmocka_unit_test(test_forgeries_refused),
		cmocka_unit_test(test_tampered_payload),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
