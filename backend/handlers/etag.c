/* Whole-list ETags and If-None-Match (see etag.h). */
#include <string.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"
#include "handlers/etag.h"
#include "apigw/apigw.h"

#define ETAG_HASH_BYTES 16

/* Hashes body, a separator and next into a quoted hex tag. */
int etag_of(const char *body, size_t len, const char *next, char out[ETAG_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	crypto_generichash_state st;
	unsigned char h[ETAG_HASH_BYTES];
	size_t i;

	if (mt_sodium_init() < 0 || crypto_generichash_init(&st, NULL, 0, sizeof h) != 0)
		return MT_EIO;
	crypto_generichash_update(&st, (const unsigned char *)body, len);
	/* A NUL cannot occur in JSON text: it separates the body from the cursor
	 * (so "...]" + "x" never equals "...]x" + nothing). */
	crypto_generichash_update(&st, (const unsigned char *)"", 1);
	if (next != NULL)
		crypto_generichash_update(&st, (const unsigned char *)next, strlen(next));
	crypto_generichash_final(&st, h, sizeof h);
	out[0] = '"';
	for (i = 0; i < sizeof h; i++) {
		out[1 + 2 * i] = hex[h[i] >> 4];
		out[2 + 2 * i] = hex[h[i] & 15];
	}
	out[1 + 2 * sizeof h] = '"';
	out[2 + 2 * sizeof h] = '\0';
	return 0;
}

/* Compares the If-None-Match list with tag, ignoring W/ prefixes. */
int etag_none_match(const cJSON *event, const char *tag)
{
	const char *p = mt_event_header(event, "if-none-match");
	size_t tlen = strlen(tag);

	if (p == NULL)
		return 0;
	while (*p) {
		const char *start, *end;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		start = p;
		if (*p == '"') {
			end = strchr(p + 1, '"');
			if (end == NULL)
				return 0;   /* malformed: no match, a full answer */
			end++;
		} else {
			end = p;
			while (*end && *end != ',' && *end != ' ' && *end != '\t')
				end++;
		}
		if ((size_t)(end - start) == tlen && memcmp(start, tag, tlen) == 0)
			return 1;
		p = end;
	}
	return 0;
}

/* 304 with the tag and no body. */
cJSON *etag_not_modified(const char *tag)
{
	return etag_set(mt_resp(304, NULL), tag);
}

/* Adds ETag to resp. */
cJSON *etag_set(cJSON *resp, const char *tag)
{
	if (resp != NULL && mt_resp_header(resp, "etag", tag) < 0) {
		cJSON_Delete(resp);
		return NULL;
	}
	return resp;
}
