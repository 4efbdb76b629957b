/* Helpers shared by the client suite: a maitred with a known JWT secret,
 * logged-in clients, a trace recorder, token forging (libsodium HMAC, not
 * our auth code). Header-only: each test file includes it once. */
#ifndef TEST_CLIENT_COMMON_H
#define TEST_CLIENT_COMMON_H

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
#include <maitre/client.h>

#include "harness.h"

#define TC_SECRET "client-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
#define TC_PASSWORD "correct horse battery"

/* Trace lines seen by a client (for counting refreshes and checking masking). */
struct tc_trace {
	char lines[512][512];   /* the lines, oldest first (stops recording when full) */
	size_t n;               /* number recorded */
};

/* Records one trace line. */
static inline void tc_trace_fn(void *ud, const char *line)
{
	struct tc_trace *t = ud;
	if (t->n < sizeof t->lines / sizeof t->lines[0])
		snprintf(t->lines[t->n++], sizeof t->lines[0], "%s", line);
}

/* Number of recorded lines containing needle. */
static inline size_t tc_trace_count(const struct tc_trace *t, const char *needle)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += strstr(t->lines[i], needle) != NULL;
	return n;
}

/* Starts maitred with the known secret (extra args may be NULL). */
static inline int tc_start(struct test_server *srv, const char *const *args)
{
	static const char *const env[] = { "MAITRE_JWT_SECRET=" TC_SECRET, "MAITRE_SMS_HOOK_SECRET=hook-secret-1",
					   NULL };
	struct test_server_opts o = { .env = env, .args = args };
	if (sodium_init() < 0)
		return -1;
	return test_server_start(srv, &o);
}

/* A new client on srv (asserts). */
static inline struct mtc_client *tc_client(const struct test_server *srv)
{
	struct mtc_client *c = NULL;
	struct mtc_status st;
	assert_int_equal(mtc_client_new(srv->base_url, &c, &st), MTC_OK);
	assert_non_null(c);
	return c;
}

/* A new client on srv with a freshly registered restaurant (owner logged in); email gets the address. */
static inline struct mtc_client *tc_owner(const struct test_server *srv, char *email, size_t n)
{
	struct mtc_client *c = tc_client(srv);
	struct mtc_status st;
	struct mtc_account acc = { 0 };
	char buf[128];
	test_unique_email(buf, sizeof buf, "client");
	if (email != NULL)
		snprintf(email, n, "%s", buf);
	assert_int_equal(mtc_register(c, buf, TC_PASSWORD, "Owner Zoë", &acc, &st), MTC_OK);
	assert_string_equal(acc.role, "owner");
	assert_string_equal(acc.email, buf);
	mtc_account_clear(&acc);
	return c;
}

/* base64url without padding (malloc'd). */
static inline char *tc_b64url(const void *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(len);
	assert_non_null(out);
	sodium_bin2base64(out, len, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* An HS256 token signed with TC_SECRET for these claims ("Bearer ...", malloc'd). */
static inline char *tc_forge(const char *sub, const char *tenant, const char *role, long long iat, long long exp)
{
	const char *header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char *payload = test_strf("{\"iss\":\"maitre\",\"aud\":\"maitre-api\",\"sub\":\"%s\",\"tenantId\":\"%s\","
				  "\"role\":\"%s\",\"jti\":\"j%u\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld}",
				  sub, tenant, role, (unsigned)randombytes_uniform(1000000), iat, iat, exp);
	char *h = tc_b64url(header, strlen(header)), *p = tc_b64url(payload, strlen(payload));
	char *input = test_strf("%s.%s", h, p);
	unsigned char mac[32];
	crypto_auth_hmacsha256_state s;
	crypto_auth_hmacsha256_init(&s, (const unsigned char *)TC_SECRET, strlen(TC_SECRET));
	crypto_auth_hmacsha256_update(&s, (const unsigned char *)input, strlen(input));
	crypto_auth_hmacsha256_final(&s, mac);
	char *sig = tc_b64url(mac, sizeof mac);
	char *tok = test_strf("Bearer %s.%s", input, sig);
	free(payload);
	free(h);
	free(p);
	free(input);
	free(sig);
	return tok;
}

/* Creates a waitlist named name on c (asserts); out gets it. */
static inline void tc_waitlist(struct mtc_client *c, const char *name, struct mtc_waitlist *out)
{
	struct mtc_waitlist_input in = { .set = MTC_SET_NAME, .name = name };
	struct mtc_status st;
	assert_int_equal(mtc_create_waitlist(c, &in, NULL, out, &st), MTC_OK);
	assert_string_equal(out->name, name);
}

/* Adds a party (asserts); out may be NULL. */
static inline void tc_party(struct mtc_client *c, const char *list, const char *name, int size, struct mtc_waitee *out)
{
	struct mtc_waitee_input in = { .set = MTC_SET_NAME | MTC_SET_PARTY_SIZE, .name = name, .party_size = size };
	struct mtc_waitee w = { 0 };
	struct mtc_status st;
	enum mtc_error e = mtc_create_waitee(c, list, &in, NULL, &w, &st);
	if (e != MTC_OK)
		fprintf(stderr, "create_waitee: %s (%s)\n", st.message, st.error);
	assert_int_equal(e, MTC_OK);
	if (out != NULL)
		*out = w;
	else
		mtc_waitee_clear(&w);
}

#endif
