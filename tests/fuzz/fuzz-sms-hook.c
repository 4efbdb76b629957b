/* libFuzzer target: POST /hooks/sms with arbitrary form bodies and
 * credentials, on an in-memory store with one guest. Built by
 * tests/fuzz/meson.build with -Dfuzz=true and clang; test.sh runs it.
 * Input: first byte picks the auth form, the rest is the body. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "core/error.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mt_waitee fuzz_guest;   /* the one guest the store knows */

/* Finds the guest by phone. */
static int fuzz_find(struct store *s, const char *phone, struct mt_waitee *out)
{
	(void)s;
	if (strcmp(phone, fuzz_guest.phone) != 0)
		return MT_ENOTFOUND;
	*out = fuzz_guest;
	return 0;
}

/* Returns the guest. */
static int fuzz_get(struct store *s, const char *wl, const char *id, struct mt_waitee *out)
{
	(void)s;
	(void)wl;
	(void)id;
	*out = fuzz_guest;
	return 0;
}

/* Accepts every other update (to exercise the retry). */
static int fuzz_update(struct store *s, struct mt_waitee *w, int64_t v)
{
	static int n;
	(void)s;
	(void)v;
	if (n++ % 2)
		return MT_EPRECOND;
	w->version++;
	return 0;
}

#define FUZZ_GUARDS 64
static struct mt_login_guard fuzz_guards[FUZZ_GUARDS];   /* counters and once-markers, in memory */
static unsigned fuzz_guard_next;                          /* next slot to reuse when full */

/* Finds a guard record by key; MT_ENOTFOUND when there is none. */
static int fuzz_guard_get(struct store *s, const char *key, struct mt_login_guard *out)
{
	(void)s;
	for (unsigned i = 0; i < FUZZ_GUARDS; i++)
		if (fuzz_guards[i].version != 0 && strcmp(fuzz_guards[i].key, key) == 0) {
			*out = fuzz_guards[i];
			return 0;
		}
	return MT_ENOTFOUND;
}

/* Stores a guard record as store.h says: created when expected_version is 0
 * (MT_ECONFLICT when it exists), else only if its version is still that. */
static int fuzz_guard_put(struct store *s, struct mt_login_guard *g, int64_t expected_version)
{
	struct mt_login_guard cur;
	unsigned i;

	if (fuzz_guard_get(s, g->key, &cur) == 0) {
		if (expected_version == 0)
			return MT_ECONFLICT;   /* create, but it exists */
		if (cur.version != expected_version)
			return MT_EPRECOND;
		for (i = 0; strcmp(fuzz_guards[i].key, g->key) != 0 || fuzz_guards[i].version == 0; i++)
			;
	} else {
		if (expected_version != 0)
			return MT_EPRECOND;
		i = fuzz_guard_next++ % FUZZ_GUARDS;
	}
	g->version = expected_version + 1;
	fuzz_guards[i] = *g;
	return 0;
}

/* Fixed clock. */
static int64_t fuzz_now(void *d)
{
	(void)d;
	return 1795000000000LL;
}

static const struct store_ops fuzz_ops = {
	.name = "fuzz", .waitee_get = fuzz_get, .waitee_update = fuzz_update,
	.waitee_find_by_phone = fuzz_find, .guard_get = fuzz_guard_get, .guard_put = fuzz_guard_put,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct store st = { &fuzz_ops, { fuzz_now, NULL } };
	struct mt_ctx ctx;
	cJSON *ev, *h, *resp;
	char *body;

	if (size == 0)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.store = &st;
	ctx.clock.now_ms = fuzz_now;
	memcpy(ctx.cfg.sms_hook_secret, "s3cret", 7);
	memset(&fuzz_guest, 0, sizeof(fuzz_guest));
	memcpy(fuzz_guest.phone, "+15551234567", 13);
	fuzz_guest.status = (enum mt_status)(data[0] % MT_STATUS_COUNT);
	body = malloc(size);
	if (body == NULL)
		return 0;
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	ev = cJSON_CreateObject();
	h = cJSON_AddObjectToObject(ev, "headers");
	cJSON_AddStringToObject(h, "content-type", "application/x-www-form-urlencoded");
	if (data[0] & 0x80) {
		cJSON_AddStringToObject(h, "x-maitre-timestamp", "1795000000");
		cJSON_AddStringToObject(h, "x-maitre-signature", "sha256=00");
	} else {
		cJSON_AddStringToObject(h, "x-maitre-hook-secret", "s3cret");
	}
	cJSON_AddStringToObject(ev, "body", body);
	resp = handler_sms_hook(&ctx, ev);
	if (resp != NULL) {
		int code = mt_resp_status(resp);
		/* 409: a MessageSid or signature seen before (replay refused) */
		if (code != 200 && code != 400 && code != 401 && code != 409 && code != 503)
			abort();
	}
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	free(body);
	return 0;
}
