/* libFuzzer target: the authorizer (handlers/authorizer.c, auth/jwt.c) with
 * arbitrary Authorization values. Built by tests/fuzz/meson.build with
 * -Dfuzz=true and clang; test.sh runs it.
 *
 * The first byte picks the form of the rest:
 *   0: the rest is the header value as sent ("Bearer ..." or anything);
 *   1: "HEADER\nPAYLOAD": two JSON texts made into a token signed with the
 *      server's key (so the claim checks behind the signature are reached);
 *   2: the same signed with another key;
 *   3: the same with an empty signature (alg "none" style).
 * Checks: forms 2 and 3 are never authorized; an authorized
 * answer carries sub and tenantId that are valid ids and a role of owner or
 * host, and its token's header says alg HS256 (when the header has no
 * repeated member, which the JWT library and cJSON may read differently). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <cjson/cJSON.h>
#include "core/base64.h"
#include "core/config.h"
#include "core/id.h"
#include "handlers/handler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a message. */
static void fuzz_authz_die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-authorizer: %s: %s\n", what, detail ? detail : "");
	abort();
}

/* Fixed clock. */
static int64_t fuzz_authz_now(void *d)
{
	(void)d;
	return 1795000000000LL;
}

/* "Bearer H.P.S" for header and payload texts, signed with key (NULL: no signature). */
static char *fuzz_authz_token(const char *hdr, size_t hl, const char *pl, size_t pll, const unsigned char *key,
			      size_t kl)
{
	char *h = mt_base64_encode(hdr, hl, 1), *p = mt_base64_encode(pl, pll, 1), *s = NULL, *out = NULL;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	size_t n;

	if (h == NULL || p == NULL)
		goto done;
	n = strlen(h) + strlen(p) + 2;
	out = malloc(n + 7 + 64);
	if (out == NULL)
		goto done;
	snprintf(out, n + 7, "Bearer %s.%s", h, p);
	if (key != NULL) {
		crypto_auth_hmacsha256_state st;

		crypto_auth_hmacsha256_init(&st, key, kl);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)out + 7, strlen(out + 7));
		crypto_auth_hmacsha256_final(&st, mac);
		s = mt_base64_encode(mac, sizeof mac, 1);
		if (s == NULL) {
			free(out);
			out = NULL;
			goto done;
		}
	}
	snprintf(out + strlen(out), 64 + 2, ".%s", s ? s : "");
done:
	free(h);
	free(p);
	free(s);
	return out;
}

/* 1 when the JSON object o has a member name twice. */
static int fuzz_authz_repeats(const cJSON *o)
{
	const cJSON *a, *b;

	cJSON_ArrayForEach(a, o)
		for (b = a->next; b != NULL; b = b->next)
			if (a->string && b->string && strcmp(a->string, b->string) == 0)
				return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mt_ctx ctx;
	static const unsigned char other[32] = "another key, not the server's!!";
	const char *rest = (const char *)data + 1, *nl;
	char *authz = NULL;
	int form;
	cJSON *ev, *h, *resp, *c;

	if (size < 1 || size > 8192)
		return 0;
	if (ctx.cfg.jwt_secret_len == 0) {
		if (sodium_init() < 0)
			fuzz_authz_die("sodium_init", NULL);
		mt_config_defaults(&ctx.cfg);
		memset(ctx.cfg.jwt_secret, 'k', 32);
		ctx.cfg.jwt_secret_len = 32;
		ctx.clock.now_ms = fuzz_authz_now;
	}
	form = data[0] % 4;
	if (form == 0) {
		authz = malloc(size);
		if (authz == NULL)
			return 0;
		memcpy(authz, rest, size - 1);
		authz[size - 1] = '\0';
	} else {
		nl = memchr(rest, '\n', size - 1);
		if (nl == NULL)
			return 0;
		authz = fuzz_authz_token(rest, (size_t)(nl - rest), nl + 1, size - 1 - (size_t)(nl - rest) - 1,
					 form == 1 ? ctx.cfg.jwt_secret : form == 2 ? other : NULL,
					 form == 1 ? ctx.cfg.jwt_secret_len : sizeof other);
		if (authz == NULL)
			return 0;
	}
	ev = cJSON_CreateObject();
	h = cJSON_AddObjectToObject(ev, "headers");
	cJSON_AddStringToObject(h, "authorization", authz);
	resp = handler_authorizer(&ctx, ev);
	if (resp == NULL)
		fuzz_authz_die("no answer", authz);
	if (!cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(resp, "isAuthorized")))
		fuzz_authz_die("no isAuthorized", authz);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp, "isAuthorized"))) {
		const cJSON *sub, *tid, *role;
		cJSON *hdr;

		if (form >= 2)
			fuzz_authz_die("authorized without the server's key", authz);
		c = cJSON_GetObjectItemCaseSensitive(resp, "context");
		sub = cJSON_GetObjectItemCaseSensitive(c, "sub");
		tid = cJSON_GetObjectItemCaseSensitive(c, "tenantId");
		role = cJSON_GetObjectItemCaseSensitive(c, "role");
		if (!cJSON_IsString(sub) || !mt_id_valid(sub->valuestring) || !cJSON_IsString(tid) ||
		    !mt_id_valid(tid->valuestring) || !cJSON_IsString(role) ||
		    (strcmp(role->valuestring, "owner") != 0 && strcmp(role->valuestring, "host") != 0))
			fuzz_authz_die("authorized with a bad context", authz);
		nl = form == 1 ? memchr(rest, '\n', size - 1) : NULL;
		hdr = nl != NULL ? cJSON_ParseWithLength(rest, (size_t)(nl - rest)) : NULL;
		if (hdr != NULL && !fuzz_authz_repeats(hdr)) {
			const cJSON *alg = cJSON_GetObjectItemCaseSensitive(hdr, "alg");

			if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "HS256") != 0)
				fuzz_authz_die("authorized with an alg other than HS256", authz);
		}
		cJSON_Delete(hdr);
	}
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	free(authz);
	return 0;
}
