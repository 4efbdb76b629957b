/* POST /hooks/sms with API Gateway v2 events on a real SQLite store:
 * 1 -> confirmed, cancel -> cancelled, free text kept, unknown number
 * answered the same, secrets and signatures, malformed forms, and the
 * retry after a lost race with a host's edit. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include <sodium.h>
#include <cmocka.h>
#include "core/base64.h"
#include "chan-util.h"
#include "core/error.h"
#include "core/id.h"
#include "core/model.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"
#include "store/store.h"

#define SECRET "hook-secret-for-tests-0123"

/* Test state: a store in a temporary directory, a context with a fixed clock. */
struct hook_env {
	char dir[256];               /* temporary root */
	struct store *store;         /* SQLite store */
	struct mt_ctx ctx;           /* handler context */
	int64_t now;                 /* the fake clock's time */
	struct mt_waitlist wl;       /* one waitlist */
};

/* The fake clock. */
static int64_t fake_now(void *data)
{
	return *(int64_t *)data;
}

/* Opens a fresh store and a context. */
static int setup(void **state)
{
	struct hook_env *e = calloc(1, sizeof(*e));
	char path[400], *cause = NULL;
	struct timespec ts;

	if (e == NULL || cu_tmpdir(e->dir, sizeof(e->dir)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/maitre.db", e->dir);
	if (store_sqlite_open(path, &e->store, &cause) < 0 || e->store->ops->init_schema(e->store) < 0) {
		fprintf(stderr, "store: %s\n", cause ? cause : "?");
		free(cause);
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	e->now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	e->ctx.store = e->store;
	e->ctx.clock.now_ms = fake_now;
	e->ctx.clock.data = &e->now;
	snprintf(e->ctx.cfg.sms_hook_secret, sizeof(e->ctx.cfg.sms_hook_secret), "%s", SECRET);
	mt_id_new(e->wl.id, e->now);
	mt_id_new(e->wl.tenant_id, e->now);
	snprintf(e->wl.name, sizeof(e->wl.name), "Chez Luigi");
	e->wl.created_at = e->wl.updated_at = e->now;
	if (e->store->ops->waitlist_create(e->store, &e->wl) < 0)
		return -1;
	*state = e;
	return 0;
}

/* Closes the store and removes the directory. */
static int teardown(void **state)
{
	struct hook_env *e = *state;

	store_close(e->store);
	cu_rmtree(e->dir);
	free(e);
	return 0;
}

/* Creates a waitee with a phone and status. */
static void add_waitee(struct hook_env *e, struct mt_waitee *w, const char *phone, enum mt_status st)
{
	static int64_t bump;

	memset(w, 0, sizeof(*w));
	mt_id_new(w->id, e->now + ++bump);
	memcpy(w->waitlist_id, e->wl.id, sizeof(w->waitlist_id));
	memcpy(w->tenant_id, e->wl.tenant_id, sizeof(w->tenant_id));
	snprintf(w->name, sizeof(w->name), "Guest %s", phone);
	snprintf(w->phone, sizeof(w->phone), "%s", phone);
	w->party_size = 2;
	w->status = st;
	w->joined_at = w->updated_at = e->now;
	w->notify_at = w->due_at = e->now + 600000; /* a pending notification */
	snprintf(w->notify_kind, sizeof(w->notify_kind), "ready");
	assert_int_equal(e->store->ops->waitee_create(e->store, w), 0);
}

/* Reads a waitee back. */
static void get_waitee(struct hook_env *e, const struct mt_waitee *w, struct mt_waitee *out)
{
	assert_int_equal(e->store->ops->waitee_get(e->store, w->waitlist_id, w->id, out), 0);
}

/* Builds a v2 event: body (raw, or base64 when b64), headers as name/value
 * pairs (NULL-terminated), query "secret" when given. */
static cJSON *mk_event(const char *body, int b64, const char *query_secret, const char *const *headers)
{
	cJSON *ev = cJSON_CreateObject(), *h, *rc, *http;
	size_t i;

	cJSON_AddStringToObject(ev, "version", "2.0");
	cJSON_AddStringToObject(ev, "routeKey", "POST /hooks/sms");
	cJSON_AddStringToObject(ev, "rawPath", "/hooks/sms");
	h = cJSON_AddObjectToObject(ev, "headers");
	for (i = 0; headers && headers[i]; i += 2)
		cJSON_AddStringToObject(h, headers[i], headers[i + 1]);
	if (query_secret) {
		cJSON *q = cJSON_AddObjectToObject(ev, "queryStringParameters");
		char *raw = cu_strf("secret=%s", query_secret);
		cJSON_AddStringToObject(q, "secret", query_secret);
		cJSON_AddStringToObject(ev, "rawQueryString", raw);
		free(raw);
	}
	rc = cJSON_AddObjectToObject(ev, "requestContext");
	http = cJSON_AddObjectToObject(rc, "http");
	cJSON_AddStringToObject(http, "method", "POST");
	cJSON_AddStringToObject(http, "path", "/hooks/sms");
	if (b64) {
		char *enc = mt_base64_encode(body, strlen(body), 0);
		cJSON_AddStringToObject(ev, "body", enc);
		free(enc);
	} else {
		cJSON_AddStringToObject(ev, "body", body);
	}
	cJSON_AddBoolToObject(ev, "isBase64Encoded", b64);
	return ev;
}

static const char *const FORM_HDRS[] = {
	"content-type", "application/x-www-form-urlencoded", "x-maitre-hook-secret", SECRET, NULL
};

/* Calls the handler with a form body and the secret header; returns the response. */
static cJSON *post_form(struct hook_env *e, const char *body)
{
	cJSON *ev = mk_event(body, 0, NULL, FORM_HDRS), *resp;

	resp = handler_sms_hook(&e->ctx, ev);
	cJSON_Delete(ev);
	assert_non_null(resp);
	return resp;
}

/* Asserts the empty TwiML answer. */
static void assert_twiml(const cJSON *resp)
{
	assert_int_equal(mt_resp_status(resp), 200);
	assert_string_equal(mt_resp_body(resp), "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
	assert_non_null(strstr(mt_resp_get_header(resp, "content-type"), "text/xml"));
}

/* "1" confirms a waiting guest; a repeat is a no-op; the store moved. */
static void test_confirm(void **state)
{
	struct hook_env *e = *state;
	struct mt_waitee w, got;
	cJSON *resp;

	add_waitee(e, &w, "+15551230001", MT_WAITING);
	resp = post_form(e, "ToCountry=US&From=%2B15551230001&To=%2B15550001111&Body=1&NumMedia=0");
	assert_twiml(resp);
	cJSON_Delete(resp);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_CONFIRMED);
	assert_int_equal(got.version, w.version + 1);
	assert_int_equal(got.updated_at, e->now);
	assert_string_equal(got.reply, "");
	assert_int_equal(got.due_at, w.due_at); /* the "ready" text still comes */

	resp = post_form(e, "From=%2B15551230001&Body=+YES%21+");
	assert_twiml(resp);
	cJSON_Delete(resp);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_CONFIRMED);
	assert_int_equal(got.version, w.version + 1); /* no second write */
}

/* "yes", "Y." confirm a notified guest. */
static void test_confirm_words(void **state)
{
	struct hook_env *e = *state;
	static const char *const bodies[] = { "yes", "Y.", "%20Yes%20" };
	size_t i;

	for (i = 0; i < 3; i++) {
		struct mt_waitee w, got;
		char phone[32], *form;
		cJSON *resp;

		snprintf(phone, sizeof(phone), "+1555123010%zu", i);
		add_waitee(e, &w, phone, MT_NOTIFIED);
		form = cu_strf("From=%%2B1555123010%zu&Body=%s", i, bodies[i]);
		resp = post_form(e, form);
		assert_twiml(resp);
		cJSON_Delete(resp);
		free(form);
		get_waitee(e, &w, &got);
		if (got.status != MT_CONFIRMED)
			fail_msg("body '%s' did not confirm", bodies[i]);
	}
}

/* "cancel" and "9" cancel: TTL set, pending notification dropped. */
static void test_cancel(void **state)
{
	struct hook_env *e = *state;
	static const char *const bodies[] = { "cancel", "9", "No" };
	size_t i;

	for (i = 0; i < 3; i++) {
		struct mt_waitee w, got;
		char phone[32], *form;
		cJSON *resp;

		snprintf(phone, sizeof(phone), "+1555123020%zu", i);
		add_waitee(e, &w, phone, i == 1 ? MT_CONFIRMED : MT_WAITING);
		form = cu_strf("Body=%s&From=%%2B1555123020%zu", bodies[i], i);
		resp = post_form(e, form);
		assert_twiml(resp);
		cJSON_Delete(resp);
		free(form);
		/* Finished waitees are still readable until their TTL passes. */
		get_waitee(e, &w, &got);
		if (got.status != MT_CANCELLED)
			fail_msg("body '%s' did not cancel", bodies[i]);
		assert_int_equal(got.expires_at, e->now / 1000 + 24 * 3600);
		assert_int_equal(got.due_at, 0);
		/* recorded for a host's undo */
		assert_int_equal(got.finished_at, e->now);
		assert_int_equal(got.previous_status, i == 1 ? MT_CONFIRMED : MT_WAITING);
	}
}

/* Free text is kept for the host with its time; status unchanged. */
static void test_free_text(void **state)
{
	struct hook_env *e = *state;
	struct mt_waitee w, got;
	char *form, *longtext;
	cJSON *resp;

	add_waitee(e, &w, "+15551230301", MT_NOTIFIED);
	resp = post_form(e, "From=%2B15551230301&Body=Running+5+min+late%2C+sorry%21+%C3%A7a+va%3F");
	assert_twiml(resp);
	cJSON_Delete(resp);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_NOTIFIED);
	assert_string_equal(got.reply, "Running 5 min late, sorry! ça va?");
	assert_int_equal(got.reply_at, e->now);

	/* Longer than MT_REPLY_MAX: cut on a character boundary. */
	longtext = calloc(1, 2000);
	assert_non_null(longtext);
	for (size_t off = 0; off < 1500; off += 6)
		memcpy(longtext + off, "%C3%A9", 6); /* 250 x "é" */
	form = cu_strf("From=%%2B15551230301&Body=%s", longtext);
	e->now += 1000;
	resp = post_form(e, form);
	assert_twiml(resp);
	cJSON_Delete(resp);
	get_waitee(e, &w, &got);
	assert_true(strlen(got.reply) <= MT_REPLY_MAX);
	assert_true(strlen(got.reply) >= MT_REPLY_MAX - 1);
	assert_int_equal(strlen(got.reply) % 2, 0); /* whole "é"s only */
	assert_int_equal(got.reply_at, e->now);
	free(form);
	free(longtext);
}

/* An unknown or non-E.164 number gets exactly the same answer, and
 * nothing changes; base64 bodies work; JSON clients get {}. */
static void test_unknown_same_answer(void **state)
{
	struct hook_env *e = *state;
	static const char *const json_hdrs[] = {
		"content-type", "application/x-www-form-urlencoded; charset=utf-8",
		"x-maitre-hook-secret", SECRET, "accept", "application/json", NULL
	};
	struct mt_waitee w, got;
	cJSON *known, *unknown, *odd, *ev, *resp;
	char *a, *b, *c;

	add_waitee(e, &w, "+15551230401", MT_WAITING);
	known = post_form(e, "From=%2B15551230401&Body=hello");
	unknown = post_form(e, "From=%2B19998887777&Body=1");
	odd = post_form(e, "From=12345&Body=9");
	a = cJSON_PrintUnformatted(known);
	b = cJSON_PrintUnformatted(unknown);
	c = cJSON_PrintUnformatted(odd);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	free(a);
	free(b);
	free(c);
	cJSON_Delete(known);
	cJSON_Delete(unknown);
	cJSON_Delete(odd);

	ev = mk_event("From=%2B15551230401&Body=1", 1, NULL, json_hdrs);
	resp = handler_sms_hook(&e->ctx, ev);
	assert_int_equal(mt_resp_status(resp), 200);
	assert_string_equal(mt_resp_body(resp), "{}");
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_CONFIRMED);
	assert_string_equal(got.reply, "hello");
}

/* Authentication: none/wrong -> 401 and nothing changes; query secret and
 * signature work; no secret configured -> 404. */
static void test_auth(void **state)
{
	struct hook_env *e = *state;
	static const char *const no_secret[] = { "content-type", "application/x-www-form-urlencoded", NULL };
	static const char *const wrong[] = {
		"content-type", "application/x-www-form-urlencoded", "x-maitre-hook-secret", SECRET "x", NULL
	};
	const char *body = "From=%2B15551230501&Body=9";
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	char ts[32], sig[80], badts[32];
	const char *sig_hdrs[] = { "content-type", "application/x-www-form-urlencoded",
				   "x-maitre-timestamp", ts, "x-maitre-signature", sig, NULL };
	struct mt_waitee w, got;
	cJSON *ev, *resp;

	add_waitee(e, &w, "+15551230501", MT_WAITING);
	ev = mk_event(body, 0, NULL, no_secret);
	resp = handler_sms_hook(&e->ctx, ev);
	assert_int_equal(mt_resp_status(resp), 401);
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	ev = mk_event(body, 0, NULL, wrong);
	resp = handler_sms_hook(&e->ctx, ev);
	assert_int_equal(mt_resp_status(resp), 401);
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	ev = mk_event(body, 0, "wrong", no_secret);
	resp = handler_sms_hook(&e->ctx, ev);
	assert_int_equal(mt_resp_status(resp), 401);
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_WAITING);

	/* Signature: stale timestamp refused, fresh one accepted. */
	assert_true(sodium_init() >= 0);
	snprintf(badts, sizeof(badts), "%lld", (long long)(e->now / 1000 - 3600));
	snprintf(ts, sizeof(ts), "%s", badts);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)SECRET, strlen(SECRET));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(sig, "sha256=", 7);
	sodium_bin2hex(sig + 7, sizeof(sig) - 7, mac, sizeof(mac));
	ev = mk_event(body, 0, NULL, sig_hdrs);
	resp = handler_sms_hook(&e->ctx, ev);
	assert_int_equal(mt_resp_status(resp), 401);
	cJSON_Delete(resp);
	cJSON_Delete(ev);

	snprintf(ts, sizeof(ts), "%lld", (long long)(e->now / 1000));
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)SECRET, strlen(SECRET));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(sig + 7, sizeof(sig) - 7, mac, sizeof(mac));
	sig[7] ^= 1; /* tampered */
	ev = mk_event(body, 0, NULL, sig_hdrs);
	resp = handler_sms_hook(&e->ctx, ev);
	assert_int_equal(mt_resp_status(resp), 401);
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	sig[7] ^= 1;
	ev = mk_event(body, 0, NULL, sig_hdrs);
	resp = handler_sms_hook(&e->ctx, ev);
	assert_twiml(resp);
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_CANCELLED);

	/* Query secret. */
	add_waitee(e, &w, "+15551230502", MT_WAITING);
	ev = mk_event("From=%2B15551230502&Body=1", 0, SECRET, no_secret);
	resp = handler_sms_hook(&e->ctx, ev);
	assert_twiml(resp);
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_CONFIRMED);

	/* Hook disabled. */
	e->ctx.cfg.sms_hook_secret[0] = '\0';
	ev = mk_event(body, 0, NULL, FORM_HDRS);
	resp = handler_sms_hook(&e->ctx, ev);
	assert_int_equal(mt_resp_status(resp), 404);
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	snprintf(e->ctx.cfg.sms_hook_secret, sizeof(e->ctx.cfg.sms_hook_secret), "%s", SECRET);
}

/* Malformed forms answer 400 (after authentication), other types 415. */
static void test_malformed(void **state)
{
	struct hook_env *e = *state;
	static const char *const bad[] = {
		"From=%2B15551230601&Body=%ZZ",          /* bad escape */
		"From=%2B15551230601&Body=%4",           /* cut escape */
		"From=%2B15551230601&Body=%FF%FE",       /* not UTF-8 */
		"From=%2B15551230601&Body=a%00b",        /* NUL */
		"Body=1",                                /* no From */
		"From=%2B15551230601&From=%2B1&Body=1",  /* From twice */
		"From=%2B15551230601&Body",              /* no '=' */
	};
	static const char *const json_ct[] = {
		"content-type", "application/json", "x-maitre-hook-secret", SECRET, NULL
	};
	struct mt_waitee w, got;
	size_t i;
	cJSON *ev, *resp;

	add_waitee(e, &w, "+15551230601", MT_WAITING);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		resp = post_form(e, bad[i]);
		if (mt_resp_status(resp) != 400)
			fail_msg("'%s' answered %d", bad[i], mt_resp_status(resp));
		cJSON_Delete(resp);
	}
	ev = mk_event("{\"From\":\"+15551230601\",\"Body\":\"1\"}", 0, NULL, json_ct);
	resp = handler_sms_hook(&e->ctx, ev);
	assert_int_equal(mt_resp_status(resp), 415);
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_WAITING);
	assert_int_equal(got.version, w.version);
}

/* A store wrapper that lets a "host" edit the waitee between the hook's
 * read and its write, once: the hook's first write loses the race. */
struct race_store {
	struct store base;          /* must be first */
	struct store *inner;        /* the real store */
	int armed;                  /* 1: make the next waitee_update lose */
	int updates;                /* waitee_update calls seen */
};

/* Forwards find_by_phone. */
static int race_find(struct store *s, const char *phone, struct mt_waitee *out)
{
	struct race_store *r = (struct race_store *)s;
	return r->inner->ops->waitee_find_by_phone(r->inner, phone, out);
}

/* Forwards waitee_get. */
static int race_get(struct store *s, const char *wl, const char *id, struct mt_waitee *out)
{
	struct race_store *r = (struct race_store *)s;
	return r->inner->ops->waitee_get(r->inner, wl, id, out);
}

/* Before the first update, a host changes the notes (a real write). */
static int race_update(struct store *s, struct mt_waitee *w, int64_t expected)
{
	struct race_store *r = (struct race_store *)s;

	r->updates++;
	if (r->armed) {
		struct mt_waitee host;
		r->armed = 0;
		assert_int_equal(r->inner->ops->waitee_get(r->inner, w->waitlist_id, w->id, &host), 0);
		snprintf(host.notes, sizeof(host.notes), "window seat");
		assert_int_equal(r->inner->ops->waitee_update(r->inner, &host, host.version), 0);
	}
	return r->inner->ops->waitee_update(r->inner, w, expected);
}

static const struct store_ops race_ops = {
	.name = "race",
	.waitee_get = race_get,
	.waitee_update = race_update,
	.waitee_find_by_phone = race_find,
};

/* The hook's write loses to a host's edit, reads again, and both changes stay. */
static void test_lost_race_retried(void **state)
{
	struct hook_env *e = *state;
	struct race_store rs = { { &race_ops, { NULL, NULL } }, e->store, 1, 0 };
	struct mt_waitee w, got;
	cJSON *resp;

	add_waitee(e, &w, "+15551230701", MT_WAITING);
	e->ctx.store = &rs.base;
	resp = post_form(e, "From=%2B15551230701&Body=1");
	e->ctx.store = e->store;
	assert_twiml(resp);
	cJSON_Delete(resp);
	assert_int_equal(rs.updates, 2);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_CONFIRMED);
	assert_string_equal(got.notes, "window seat");
	assert_int_equal(got.version, w.version + 2);
}

/* Issue 13, finding 6: restaurant B adds a party with A's guest's number;
 * the guest's "9" reaches neither (never guessed), the answer asks the
 * guest to contact the restaurant, and once B's party is gone the replies
 * reach A's party again. */
static void test_reply_not_crossing(void **state)
{
	struct hook_env *e = *state;
	struct mt_waitlist wl_b;
	struct mt_waitee a, b, got;
	const char *phone = "+15551230777";
	cJSON *resp;

	add_waitee(e, &a, phone, MT_NOTIFIED);
	memset(&wl_b, 0, sizeof wl_b);
	mt_id_new(wl_b.id, e->now + 1);
	mt_id_new(wl_b.tenant_id, e->now + 2);
	snprintf(wl_b.name, sizeof wl_b.name, "Other Place");
	wl_b.created_at = wl_b.updated_at = e->now;
	assert_int_equal(e->store->ops->waitlist_create(e->store, &wl_b), 0);
	memset(&b, 0, sizeof b);
	mt_id_new(b.id, e->now + 3);
	memcpy(b.waitlist_id, wl_b.id, sizeof b.waitlist_id);
	memcpy(b.tenant_id, wl_b.tenant_id, sizeof b.tenant_id);
	snprintf(b.name, sizeof b.name, "Copycat");
	snprintf(b.phone, sizeof b.phone, "%s", phone);
	b.party_size = 2;
	b.status = MT_WAITING;
	b.joined_at = b.updated_at = e->now;
	assert_int_equal(e->store->ops->waitee_create(e->store, &b), 0);

	resp = post_form(e, "Body=9&From=%2B15551230777");
	assert_int_equal(mt_resp_status(resp), 200);
	assert_non_null(strstr(mt_resp_body(resp), "<Message>"));
	assert_non_null(strstr(mt_resp_body(resp), "contact the restaurant"));
	cJSON_Delete(resp);
	resp = post_form(e, "Body=running+late&From=%2B15551230777");
	cJSON_Delete(resp);
	get_waitee(e, &a, &got);
	assert_int_equal(got.status, MT_NOTIFIED);
	assert_string_equal(got.reply, "");
	assert_int_equal(e->store->ops->waitee_get(e->store, b.waitlist_id, b.id, &got), 0);
	assert_int_equal(got.status, MT_WAITING);
	assert_string_equal(got.reply, "");

	/* B's party leaves: the guest's cancel reaches A's party */
	got.status = MT_CANCELLED;
	assert_int_equal(e->store->ops->waitee_update(e->store, &got, got.version), 0);
	resp = post_form(e, "Body=9&From=%2B15551230777");
	assert_twiml(resp);
	cJSON_Delete(resp);
	get_waitee(e, &a, &got);
	assert_int_equal(got.status, MT_CANCELLED);
}

/* Signs body at ts into sig ("sha256=<hex>"). */
static void sign_body(const char *ts, const char *body, char sig[80])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	assert_true(sodium_init() >= 0);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)SECRET, strlen(SECRET));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(sig, "sha256=", 7);
	sodium_bin2hex(sig + 7, 80 - 7, mac, sizeof mac);
}

/* Puts a waitee back to waiting, as a host would. */
static void back_to_waiting(struct hook_env *e, const struct mt_waitee *w)
{
	struct mt_waitee got;

	get_waitee(e, w, &got);
	got.status = MT_WAITING;
	assert_int_equal(e->store->ops->waitee_update(e->store, &got, got.version), 0);
}

/* Issue 13, finding 7: a captured signed request, or a MessageSid seen
 * before, is refused (409 replayed) within the signature's window and
 * changes nothing; a new MessageSid from the same guest still works. */
static void test_replay(void **state)
{
	struct hook_env *e = *state;
	const char *body = "From=%2B15551230601&Body=1";
	char ts[32], sig[80];
	const char *sig_hdrs[] = { "content-type", "application/x-www-form-urlencoded",
				   "x-maitre-timestamp", ts, "x-maitre-signature", sig, NULL };
	struct mt_waitee w, got;
	cJSON *ev, *resp;

	add_waitee(e, &w, "+15551230601", MT_WAITING);
	snprintf(ts, sizeof ts, "%lld", (long long)(e->now / 1000));
	sign_body(ts, body, sig);
	ev = mk_event(body, 0, NULL, sig_hdrs);
	resp = handler_sms_hook(&e->ctx, ev);
	assert_twiml(resp);
	cJSON_Delete(resp);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_CONFIRMED);
	back_to_waiting(e, &w);
	e->now += 60 * 1000;   /* still inside the 5-minute signature window */
	resp = handler_sms_hook(&e->ctx, ev);
	assert_int_equal(mt_resp_status(resp), 409);
	assert_non_null(strstr(mt_resp_body(resp), "replayed"));
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_WAITING);

	/* the same MessageSid twice (shared-secret mode) */
	resp = post_form(e, "MessageSid=SM0123456789abcdef&From=%2B15551230601&Body=1");
	assert_twiml(resp);
	cJSON_Delete(resp);
	back_to_waiting(e, &w);
	resp = post_form(e, "MessageSid=SM0123456789abcdef&From=%2B15551230601&Body=1");
	assert_int_equal(mt_resp_status(resp), 409);
	cJSON_Delete(resp);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_WAITING);
	resp = post_form(e, "MessageSid=SM0123456789abcdee&From=%2B15551230601&Body=1");
	assert_twiml(resp);
	cJSON_Delete(resp);
	get_waitee(e, &w, &got);
	assert_int_equal(got.status, MT_CONFIRMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_confirm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confirm_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_same_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_race_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_not_crossing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
