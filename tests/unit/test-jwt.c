/* Unit tests for access tokens (auth/jwt.c): issue + verify round trip, and
 * every kind of forged or unacceptable token, each built here by hand
 * (base64url + HMAC from libsodium, not libjwt) and refused by mt_jwt_verify. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/config.h"
#include "core/error.h"
#include "core/id.h"

#define NOW_MS 1764330000000LL        /* a fixed "now" (2025-11-28) */
#define NOW_S (NOW_MS / 1000)

/* What every test needs: a config with a key, and an account. */
struct jwt_fixture {
	struct mt_config cfg;   /* issuer, audience, key */
	struct mt_user user;    /* account the tokens are for */
};

/* Makes a config with a random 64-byte key and an owner account. */
static int jwt_setup(void **state)
{
	struct jwt_fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_int_equal(mt_sodium_init(), 0);
	mt_config_defaults(&f->cfg);
	randombytes_buf(f->cfg.jwt_secret, 64);
	f->cfg.jwt_secret_len = 64;
	mt_id_new(f->user.id, NOW_MS);
	mt_id_new(f->user.tenant_id, NOW_MS);
	snprintf(f->user.role, sizeof f->user.role, "owner");
	snprintf(f->user.email, sizeof f->user.email, "ana@example.com");
	*state = f;
	return 0;
}

/* Frees the fixture. */
static int jwt_teardown(void **state)
{
	free(*state);
	return 0;
}

/* base64url (no padding) of n bytes; malloc'd. */
static char *b64url(const void *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(cap);

	assert_non_null(out);
	sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* Signature algorithms the forger knows. */
enum forge_alg { FORGE_HS256, FORGE_HS512, FORGE_NONE_EMPTY, FORGE_NONE_JUNK };

/* Builds "b64(header).b64(payload).sig" by hand: HS256/HS512 over the first
 * two parts with key, or an empty/junk signature. malloc'd. */
static char *forge(const char *header, const char *payload, enum forge_alg alg,
		   const unsigned char *key, size_t keylen)
{
	char *h = b64url(header, strlen(header)), *p = b64url(payload, strlen(payload)), *s = NULL, *out;
	size_t n = strlen(h) + strlen(p) + 2, total;
	char *signing = malloc(n);

	assert_non_null(signing);
	snprintf(signing, n, "%s.%s", h, p);
	if (alg == FORGE_HS256) {
		unsigned char mac[crypto_auth_hmacsha256_BYTES];
		crypto_auth_hmacsha256_state st;

		crypto_auth_hmacsha256_init(&st, key, keylen);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)signing, strlen(signing));
		crypto_auth_hmacsha256_final(&st, mac);
		s = b64url(mac, sizeof mac);
	} else if (alg == FORGE_HS512) {
		unsigned char mac[crypto_auth_hmacsha512_BYTES];
		crypto_auth_hmacsha512_state st;

		crypto_auth_hmacsha512_init(&st, key, keylen);
		crypto_auth_hmacsha512_update(&st, (const unsigned char *)signing, strlen(signing));
		crypto_auth_hmacsha512_final(&st, mac);
		s = b64url(mac, sizeof mac);
	} else {
		s = strdup(alg == FORGE_NONE_EMPTY ? "" : "c2lnbmF0dXJl");
		assert_non_null(s);
	}
	total = strlen(signing) + strlen(s) + 2;
	out = malloc(total);
	assert_non_null(out);
	snprintf(out, total, "%s.%s", signing, s);
	free(h);
	free(p);
	free(s);
	free(signing);
	return out;
}

/* A claims payload with each field overridable; NULL fields are left out. */
struct claims_spec {
	const char *iss, *aud, *sub, *tid, *role, *jti;  /* strings, NULL = omitted */
	const char *exp, *nbf, *iat;                     /* JSON literals, NULL = omitted */
	const char *extra;                               /* raw JSON members appended, or NULL */
};

/* Serialises a claims_spec into JSON (buf of n bytes). */
static void claims_json(const struct claims_spec *c, char *buf, size_t n)
{
	size_t off = 0;

	off += (size_t)snprintf(buf + off, n - off, "{");
#define STR(k, v) if (v) off += (size_t)snprintf(buf + off, n - off, "%s\"%s\":\"%s\"", off > 1 ? "," : "", k, v)
#define LIT(k, v) if (v) off += (size_t)snprintf(buf + off, n - off, "%s\"%s\":%s", off > 1 ? "," : "", k, v)
	STR("iss", c->iss);
	STR("aud", c->aud);
	STR("sub", c->sub);
	STR("tenantId", c->tid);
	STR("role", c->role);
	STR("jti", c->jti);
	LIT("exp", c->exp);
	LIT("nbf", c->nbf);
	LIT("iat", c->iat);
	if (c->extra)
		off += (size_t)snprintf(buf + off, n - off, "%s%s", off > 1 ? "," : "", c->extra);
#undef STR
#undef LIT
	snprintf(buf + off, n - off, "}");
}

/* The claims our issuer would write, as a spec with storage for numbers. */
struct good_claims {
	struct claims_spec spec;       /* points into the buffers below */
	char exp[24], nbf[24], iat[24]; /* number literals */
};

/* Fills g with valid claims for the fixture's user at NOW. */
static void good_claims(const struct jwt_fixture *f, struct good_claims *g)
{
	snprintf(g->exp, sizeof g->exp, "%lld", (long long)(NOW_S + 900));
	snprintf(g->nbf, sizeof g->nbf, "%lld", (long long)NOW_S);
	snprintf(g->iat, sizeof g->iat, "%lld", (long long)NOW_S);
	g->spec = (struct claims_spec){
		.iss = f->cfg.jwt_issuer, .aud = f->cfg.jwt_audience, .sub = f->user.id,
		.tid = f->user.tenant_id, .role = "owner", .jti = "01JDXYZ0000000000000000000",
		.exp = g->exp, .nbf = g->nbf, .iat = g->iat,
	};
}

/* Issue, then verify: the claims come back. */
static void test_roundtrip(void **state)
{
	struct jwt_fixture *f = *state;
	struct mt_claims c;
	const char *why = NULL;
	char *tok = NULL;

	assert_int_equal(mt_jwt_issue(&f->cfg, &f->user, NOW_MS, &tok), 0);
	assert_non_null(tok);
	assert_true(strlen(tok) < MT_JWT_MAX);
	assert_int_equal(mt_jwt_verify(&f->cfg, tok, NOW_MS, &c, &why), 0);
	assert_string_equal(c.sub, f->user.id);
	assert_string_equal(c.tenant_id, f->user.tenant_id);
	assert_string_equal(c.role, "owner");
	assert_int_equal(c.iat, NOW_S);
	assert_int_equal(c.exp, NOW_S + f->cfg.access_ttl_s);
	/* Still valid one second before expiry, refused at expiry. */
	assert_int_equal(mt_jwt_verify(&f->cfg, tok, (NOW_S + f->cfg.access_ttl_s - 1) * 1000, &c, &why), 0);
	assert_int_equal(mt_jwt_verify(&f->cfg, tok, (NOW_S + f->cfg.access_ttl_s) * 1000, &c, &why), MT_EINVAL);
	assert_string_equal(why, "token expired");
	free(tok);
}

/* The issued token carries every claim the design asks for, and alg HS256. */
static void test_issued_claims(void **state)
{
	struct jwt_fixture *f = *state;
	char *tok = NULL, *dot1, *dot2;
	unsigned char buf[2048];
	size_t n;

	assert_int_equal(mt_jwt_issue(&f->cfg, &f->user, NOW_MS, &tok), 0);
	dot1 = strchr(tok, '.');
	assert_non_null(dot1);
	dot2 = strchr(dot1 + 1, '.');
	assert_non_null(dot2);
	assert_int_equal(sodium_base642bin(buf, sizeof buf - 1, tok, (size_t)(dot1 - tok), NULL, &n, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	buf[n] = '\0';
	assert_non_null(strstr((char *)buf, "\"HS256\""));
	assert_int_equal(sodium_base642bin(buf, sizeof buf - 1, dot1 + 1, (size_t)(dot2 - dot1 - 1), NULL, &n,
					   NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	buf[n] = '\0';
	{
		static const char *const keys[] = { "\"sub\"", "\"tenantId\"", "\"role\"", "\"iat\"", "\"exp\"",
						    "\"nbf\"", "\"iss\"", "\"aud\"", "\"jti\"" };
		size_t i;

		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			assert_non_null(strstr((char *)buf, keys[i]));
	}
	assert_non_null(strstr((char *)buf, f->user.id));
	free(tok);
}

/* A token the forger builds with the right key and claims is accepted:
 * proves the forger is faithful, so the refusals below are for the reason named. */
static void test_forger_control(void **state)
{
	struct jwt_fixture *f = *state;
	struct good_claims g;
	struct mt_claims c;
	const char *why = NULL;
	char payload[2048], *tok;

	good_claims(f, &g);
	claims_json(&g.spec, payload, sizeof payload);
	tok = forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, FORGE_HS256, f->cfg.jwt_secret,
		    f->cfg.jwt_secret_len);
	assert_int_equal(mt_jwt_verify(&f->cfg, tok, NOW_MS, &c, &why), 0);
	assert_string_equal(c.sub, f->user.id);
	free(tok);
}

/* One forged-token case: how to change the good claims, header and signing. */
struct forge_case {
	const char *name;         /* what is wrong */
	const char *header;       /* JOSE header JSON */
	enum forge_alg alg;       /* how to sign */
	int wrong_key;            /* 1: sign with another random key */
	void (*mutate)(struct good_claims *g);  /* change the claims (NULL = keep) */
};

static void m_expired(struct good_claims *g) { snprintf(g->exp, sizeof g->exp, "%lld", (long long)(NOW_S - 1)); snprintf(g->iat, sizeof g->iat, "%lld", (long long)(NOW_S - 901)); snprintf(g->nbf, sizeof g->nbf, "%lld", (long long)(NOW_S - 901)); }
static void m_exp_now(struct good_claims *g) { snprintf(g->exp, sizeof g->exp, "%lld", (long long)NOW_S); snprintf(g->iat, sizeof g->iat, "%lld", (long long)(NOW_S - 900)); }
static void m_nbf_future(struct good_claims *g) { snprintf(g->nbf, sizeof g->nbf, "%lld", (long long)(NOW_S + 3600)); snprintf(g->exp, sizeof g->exp, "%lld", (long long)(NOW_S + 7200)); }
static void m_iat_future(struct good_claims *g) { snprintf(g->iat, sizeof g->iat, "%lld", (long long)(NOW_S + 3600)); snprintf(g->exp, sizeof g->exp, "%lld", (long long)(NOW_S + 7200)); }
static void m_wrong_iss(struct good_claims *g) { g->spec.iss = "evil-issuer"; }
static void m_wrong_aud(struct good_claims *g) { g->spec.aud = "another-api"; }
static void m_no_sub(struct good_claims *g) { g->spec.sub = NULL; }
static void m_bad_sub(struct good_claims *g) { g->spec.sub = "admin"; }
static void m_no_tid(struct good_claims *g) { g->spec.tid = NULL; }
static void m_no_role(struct good_claims *g) { g->spec.role = NULL; }
static void m_bad_role(struct good_claims *g) { g->spec.role = "admin"; }
static void m_no_exp(struct good_claims *g) { g->spec.exp = NULL; }
static void m_no_nbf(struct good_claims *g) { g->spec.nbf = NULL; }
static void m_no_iat(struct good_claims *g) { g->spec.iat = NULL; }
static void m_no_iss(struct good_claims *g) { g->spec.iss = NULL; }
static void m_no_aud(struct good_claims *g) { g->spec.aud = NULL; }
static void m_no_jti(struct good_claims *g) { g->spec.jti = NULL; }
static void m_exp_string(struct good_claims *g) { g->spec.exp = "\"99999999999\""; }
static void m_exp_fraction(struct good_claims *g) { snprintf(g->exp, sizeof g->exp, "%lld.5", (long long)(NOW_S + 900)); }
static void m_aud_array(struct good_claims *g) { g->spec.aud = NULL; g->spec.extra = "\"aud\":[\"maitre-api\"]"; }
static void m_sub_number(struct good_claims *g) { g->spec.sub = NULL; g->spec.extra = "\"sub\":12345"; }

static const struct forge_case forge_cases[] = {
	{ "alg none, empty signature", "{\"alg\":\"none\",\"typ\":\"JWT\"}", FORGE_NONE_EMPTY, 0, NULL },
	{ "alg none, junk signature", "{\"alg\":\"none\",\"typ\":\"JWT\"}", FORGE_NONE_JUNK, 0, NULL },
	{ "alg None", "{\"alg\":\"None\"}", FORGE_NONE_JUNK, 0, NULL },
	{ "HS256 with another key", "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", FORGE_HS256, 1, NULL },
	{ "HS512 with the right key", "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", FORGE_HS512, 0, NULL },
	{ "RS256 header, HS256 signature", "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", FORGE_HS256, 0, NULL },
	{ "no alg", "{\"typ\":\"JWT\"}", FORGE_HS256, 0, NULL },
	/* found by fuzz-authorizer: libjwt reads alg without regard to case, but
	 * JWS algorithm names are case-sensitive (RFC 7515 4.1.1) */
	{ "alg Hs256", "{\"alg\":\"Hs256\",\"typ\":\"JWT\"}", FORGE_HS256, 0, NULL },
	{ "alg hs256", "{\"alg\":\"hs256\"}", FORGE_HS256, 0, NULL },
	{ "alg HS256 twice, last hs256", "{\"alg\":\"HS256\",\"alg\":\"hs256\"}", FORGE_HS256, 0, NULL },
	{ "expired", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_expired },
	{ "exp == now", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_exp_now },
	{ "nbf in the future", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_nbf_future },
	{ "iat in the future", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_iat_future },
	{ "wrong iss", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_wrong_iss },
	{ "wrong aud", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_wrong_aud },
	{ "aud as an array", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_aud_array },
	{ "no sub", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_no_sub },
	{ "malformed sub", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_bad_sub },
	{ "no tenantId", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_no_tid },
	{ "no role", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_no_role },
	{ "unknown role", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_bad_role },
	{ "no exp", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_no_exp },
	{ "no nbf", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_no_nbf },
	{ "no iat", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_no_iat },
	{ "no iss", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_no_iss },
	{ "no aud", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_no_aud },
	{ "no jti", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_no_jti },
	{ "exp as a string", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_exp_string },
	{ "sub as a number", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_sub_number },
	{ "exp with a fraction", "{\"alg\":\"HS256\"}", FORGE_HS256, 0, m_exp_fraction },
};

/* Each forged case is refused. */
static void test_forged_refused(void **state)
{
	struct jwt_fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof forge_cases / sizeof forge_cases[0]; i++) {
		const struct forge_case *fc = &forge_cases[i];
		unsigned char other[64];
		struct good_claims g;
		struct mt_claims c;
		const char *why = NULL;
		char payload[2048], *tok;

		randombytes_buf(other, sizeof other);
		good_claims(f, &g);
		if (fc->mutate)
			fc->mutate(&g);
		claims_json(&g.spec, payload, sizeof payload);
		tok = forge(fc->header, payload, fc->alg, fc->wrong_key ? other : f->cfg.jwt_secret,
			    fc->wrong_key ? sizeof other : f->cfg.jwt_secret_len);
		if (mt_jwt_verify(&f->cfg, tok, NOW_MS, &c, &why) != MT_EINVAL)
			fail_msg("forged token accepted: %s (%s)", fc->name, tok);
		assert_non_null(why);
		print_message("refused %-32s: %s\n", fc->name, why);
		free(tok);
	}
}

/* A real token with its payload changed (signature kept) is refused. */
static void test_tampered_payload(void **state)
{
	struct jwt_fixture *f = *state;
	struct mt_user other = f->user;
	struct mt_claims c;
	const char *why = NULL;
	char *good = NULL, *evil = NULL, *spliced;
	char *g1, *g2, *e1, *e2;
	size_t n;

	snprintf(other.role, sizeof other.role, "host");
	mt_id_new(other.tenant_id, NOW_MS);
	assert_int_equal(mt_jwt_issue(&f->cfg, &f->user, NOW_MS, &good), 0);
	/* The payload of a token for another tenant, signed with another key. */
	{
		struct mt_config cfg2 = f->cfg;

		randombytes_buf(cfg2.jwt_secret, 64);
		assert_int_equal(mt_jwt_issue(&cfg2, &other, NOW_MS, &evil), 0);
	}
	g1 = strchr(good, '.');
	g2 = strrchr(good, '.');
	e1 = strchr(evil, '.');
	e2 = strrchr(evil, '.');
	n = strlen(good) + strlen(evil) + 1;
	spliced = malloc(n);
	assert_non_null(spliced);
	/* good header . evil payload . good signature */
	snprintf(spliced, n, "%.*s.%.*s%s", (int)(g1 - good), good, (int)(e2 - e1 - 1), e1 + 1, g2);
	assert_int_equal(mt_jwt_verify(&f->cfg, spliced, NOW_MS, &c, &why), MT_EINVAL);
	/* And one flipped character in the payload. */
	snprintf(spliced, n, "%s", good);
	spliced[(g1 - good) + 5] = spliced[(g1 - good) + 5] == 'A' ? 'B' : 'A';
	assert_int_equal(mt_jwt_verify(&f->cfg, spliced, NOW_MS, &c, &why), MT_EINVAL);
	/* Flipped signature character. */
	snprintf(spliced, n, "%s", good);
	spliced[strlen(spliced) - 3] = spliced[strlen(spliced) - 3] == 'A' ? 'B' : 'A';
	assert_int_equal(mt_jwt_verify(&f->cfg, spliced, NOW_MS, &c, &why), MT_EINVAL);
	/* The untouched one still passes (control). */
	assert_int_equal(mt_jwt_verify(&f->cfg, good, NOW_MS, &c, &why), 0);
	free(spliced);
	free(good);
	free(evil);
}

/* Garbage, empty and oversized inputs are refused. */
static void test_garbage(void **state)
{
	struct jwt_fixture *f = *state;
	static const char *const bad[] = {
		"", ".", "..", "a.b", "a.b.c", "a.b.c.d", "not a token", "Bearer x.y.z",
		"eyJhbGciOiJIUzI1NiJ9..sig", "eyJhbGciOiJIUzI1NiJ9.e30.", "====.====.====",
		"eyJhbGciOiJIUzI1NiJ9.e30.AAAA", "\xff\xfe.\x01.\x02",
	};
	struct mt_claims c;
	const char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (mt_jwt_verify(&f->cfg, bad[i], NOW_MS, &c, &why) != MT_EINVAL)
			fail_msg("garbage accepted: '%s'", bad[i]);
		assert_non_null(why);
	}
	assert_int_equal(mt_jwt_verify(&f->cfg, NULL, NOW_MS, &c, &why), MT_EINVAL);
}

/* A correctly signed token over 4 KiB is refused for its size. */
static void test_oversized(void **state)
{
	struct jwt_fixture *f = *state;
	struct good_claims g;
	struct mt_claims c;
	const char *why = NULL;
	char payload[8192], jti[4000], *tok;

	memset(jti, 'J', sizeof jti - 1);
	jti[sizeof jti - 1] = '\0';
	good_claims(f, &g);
	g.spec.jti = jti;
	claims_json(&g.spec, payload, sizeof payload);
	tok = forge("{\"alg\":\"HS256\"}", payload, FORGE_HS256, f->cfg.jwt_secret, f->cfg.jwt_secret_len);
	assert_true(strlen(tok) > MT_JWT_MAX);
	assert_int_equal(mt_jwt_verify(&f->cfg, tok, NOW_MS, &c, &why), MT_EINVAL);
	assert_string_equal(why, "token too large");
	free(tok);
}

/* Without a key nothing is issued or accepted (no NULL-key verification). */
static void test_no_key(void **state)
{
	struct jwt_fixture *f = *state;
	struct mt_config nokey = f->cfg;
	struct mt_claims c;
	const char *why = NULL;
	char *tok = NULL;

	assert_int_equal(mt_jwt_issue(&f->cfg, &f->user, NOW_MS, &tok), 0);
	nokey.jwt_secret_len = 0;
	assert_int_equal(mt_jwt_verify(&nokey, tok, NOW_MS, &c, &why), MT_EINVAL);
	free(tok);
	tok = NULL;
	assert_int_equal(mt_jwt_issue(&nokey, &f->user, NOW_MS, &tok), MT_EINVAL);
	assert_null(tok);
	nokey.jwt_secret_len = 16;  /* too short */
	assert_int_equal(mt_jwt_issue(&nokey, &f->user, NOW_MS, &tok), MT_EINVAL);
}

/* A different issuer/audience configuration refuses our tokens. */
static void test_config_mismatch(void **state)
{
	struct jwt_fixture *f = *state;
	struct mt_config cfg2 = f->cfg;
	struct mt_claims c;
	const char *why = NULL;
	char *tok = NULL;

	assert_int_equal(mt_jwt_issue(&f->cfg, &f->user, NOW_MS, &tok), 0);
	snprintf(cfg2.jwt_audience, sizeof cfg2.jwt_audience, "other-aud");
	assert_int_equal(mt_jwt_verify(&cfg2, tok, NOW_MS, &c, &why), MT_EINVAL);
	cfg2 = f->cfg;
	snprintf(cfg2.jwt_issuer, sizeof cfg2.jwt_issuer, "other-iss");
	assert_int_equal(mt_jwt_verify(&cfg2, tok, NOW_MS, &c, &why), MT_EINVAL);
	free(tok);
}

/* 20000 random one-character changes of a valid token: none is accepted,
 * except a change of the last signature character that keeps the same
 * decoded bits (base64url has 2 spare bits there: same signature, same claims). */
static void test_random_mutations(void **state)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
	struct jwt_fixture *f = *state;
	struct mt_claims c;
	const char *why = NULL;
	char *tok = NULL, *m;
	size_t n, i, accepted = 0;

	assert_int_equal(mt_jwt_issue(&f->cfg, &f->user, NOW_MS, &tok), 0);
	n = strlen(tok);
	m = malloc(n + 1);
	assert_non_null(m);
	for (i = 0; i < 20000; i++) {
		size_t pos = randombytes_uniform((uint32_t)n);
		char ch = alpha[randombytes_uniform(sizeof alpha - 1)];

		if (tok[pos] == ch)
			continue;
		memcpy(m, tok, n + 1);
		m[pos] = ch;
		if (mt_jwt_verify(&f->cfg, m, NOW_MS, &c, &why) == 0) {
			if (pos != n - 1)
				fail_msg("mutated token accepted (position %zu): %s", pos, m);
			assert_string_equal(c.sub, f->user.id);
			accepted++;
		}
	}
	print_message("20000 mutations: %zu accepted, all in the last signature character's spare bits\n", accepted);
	free(m);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, jwt_setup, jwt_teardown),
		cmocka_unit_test_setup_teardown(test_issued_claims, jwt_setup, jwt_teardown),
		cmocka_unit_test_setup_teardown(test_forger_control, jwt_setup, jwt_teardown),
		cmocka_unit_test_setup_teardown(test_forged_refused, jwt_setup, jwt_teardown),
		cmocka_unit_test_setup_teardown(test_tampered_payload, jwt_setup, jwt_teardown),
		cmocka_unit_test_setup_teardown(test_garbage, jwt_setup, jwt_teardown),
		cmocka_unit_test_setup_teardown(test_oversized, jwt_setup, jwt_teardown),
		cmocka_unit_test_setup_teardown(test_no_key, jwt_setup, jwt_teardown),
		cmocka_unit_test_setup_teardown(test_config_mismatch, jwt_setup, jwt_teardown),
		cmocka_unit_test_setup_teardown(test_random_mutations, jwt_setup, jwt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
