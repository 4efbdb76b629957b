/* Issue 14 at the handler level: handler_guest, handler_checkin and the
 * guest parts of handler_waitlists / handler_waitees, called with API
 * Gateway v2 events built here, on SQLite (argv[1] = "sqlite") or on
 * DynamoDB through dynalite ("dynamodb"), with a fake clock. Covers tokens,
 * escaping, security headers and size, CSRF, both buttons, expiry,
 * cross-restaurant isolation, self check-in (off by default, owner only,
 * honeypot, validation, per-IP and per-list limits) and {link}. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "apigw/apigw.h"
#include "core/error.h"
#include "core/guestlink.h"
#include "core/template.h"
#include "handlers/handler.h"
#include "handlers/page.h"
#include "store/store.h"
#include "../tools/dynalite.h"

#define TENANT_A "01HAAAAAAAAAAAAAAAAAAAAAAA"
#define TENANT_B "01HBBBBBBBBBBBBBBBBBBBBBBB"

static struct test_store_env env;      /* SQLite or DynamoDB (dynalite) this run */

/* One test's world. */
struct fx {
	char dir[64];          /* temp directory (SQLite) */
	struct store *store;   /* the store */
	struct mt_ctx ctx;     /* handler context */
	int64_t now;           /* fake clock, epoch ms */
};

/* The fake clock. */
static int64_t fx_now(void *data)
{
	return ((struct fx *)data)->now;
}

/* Opens a fresh store with the fake clock. */
static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char url[512], *cause = NULL;

	assert_non_null(f);
	assert_int_equal(test_store_url(&env, "guest", f->dir, sizeof f->dir, url, sizeof url), 0);
	if (store_open(url, &f->store, &cause) != 0)
		fail_msg("store_open: %s", cause ? cause : "?");
	f->now = (int64_t)time(NULL) * 1000;
	f->ctx.store = f->store;
	f->ctx.clock.now_ms = fx_now;
	f->ctx.clock.data = f;
	store_set_clock(f->store, &f->ctx.clock);
	assert_int_equal(f->store->ops->init_schema(f->store), 0);
	memcpy(f->ctx.cfg.jwt_secret, "0123456789abcdef0123456789abcdef", 32);
	f->ctx.cfg.jwt_secret_len = 32;
	page_limit_configure(1000, 1000, 600000);
	*state = f;
	return 0;
}

/* Closes the store and removes the directory. */
static int fx_teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->store);
	assert_int_equal(test_store_dir_remove(f->dir), 0);
	free(f);
	return 0;
}

/* A request. */
struct req {
	const char *route;     /* routeKey */
	const char *tenant;    /* authorizer tenant, NULL = public */
	const char *role;      /* authorizer role ("owner" when NULL) */
	const char *p1, *v1;   /* a path parameter */
	const char *p2, *v2;   /* another */
	const char *body;      /* body */
	const char *ctype;     /* content type (JSON when NULL) */
	const char *ip;        /* source IP (127.0.0.1 when NULL) */
};

/* Builds the event and calls the handler; returns the response. */
static cJSON *call(struct fx *f, cJSON *(*h)(struct mt_ctx *, const cJSON *), const struct req *r)
{
	cJSON *e = cJSON_CreateObject(), *rc, *http, *hd, *pp, *resp;

	cJSON_AddStringToObject(e, "version", "2.0");
	cJSON_AddStringToObject(e, "routeKey", r->route);
	hd = cJSON_AddObjectToObject(e, "headers");
	cJSON_AddStringToObject(hd, "content-type", r->ctype ? r->ctype : "application/json");
	pp = cJSON_AddObjectToObject(e, "pathParameters");
	if (r->p1)
		cJSON_AddStringToObject(pp, r->p1, r->v1);
	if (r->p2)
		cJSON_AddStringToObject(pp, r->p2, r->v2);
	rc = cJSON_AddObjectToObject(e, "requestContext");
	http = cJSON_AddObjectToObject(rc, "http");
	cJSON_AddStringToObject(http, "sourceIp", r->ip ? r->ip : "127.0.0.1");
	if (r->tenant) {
		cJSON *lam = cJSON_AddObjectToObject(cJSON_AddObjectToObject(rc, "authorizer"), "lambda");

		cJSON_AddStringToObject(lam, "sub", "01HUUUUUUUUUUUUUUUUUUUUUUU");
		cJSON_AddStringToObject(lam, "tenantId", r->tenant);
		cJSON_AddStringToObject(lam, "role", r->role ? r->role : "owner");
	}
	if (r->body)
		cJSON_AddStringToObject(e, "body", r->body);
	cJSON_AddBoolToObject(e, "isBase64Encoded", 0);
	resp = h(&f->ctx, e);
	cJSON_Delete(e);
	assert_non_null(resp);
	return resp;
}

/* The response body parsed as JSON (caller deletes). */
static cJSON *json_of(const cJSON *resp)
{
	cJSON *j = cJSON_Parse(mt_resp_body(resp));

	assert_non_null(j);
	return j;
}

/* Creates a list for tenant; its id into id. */
static void mk_list(struct fx *f, const char *tenant, const char *name, char id[MT_ID_SIZE])
{
	char body[256];
	cJSON *resp, *j;

	snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
	resp = call(f, handler_waitlists, &(struct req){ .route = "POST /waitlists", .tenant = tenant, .body = body });
	assert_int_equal(mt_resp_status(resp), 201);
	j = json_of(resp);
	snprintf(id, MT_ID_SIZE, "%s", cJSON_GetObjectItem(j, "id")->valuestring);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(j, "selfCheckIn")));
	cJSON_Delete(j);
	cJSON_Delete(resp);
}

/* Adds a party (JSON body) to a list; its token and id out. */
static void mk_party(struct fx *f, const char *tenant, const char *wl, const char *body, char tok[64],
		     char id[MT_ID_SIZE])
{
	cJSON *resp, *j;
	const char *url;

	resp = call(f, handler_waitees, &(struct req){ .route = "POST /waitlists/{waitlistId}/waitees",
		.tenant = tenant, .p1 = "waitlistId", .v1 = wl, .body = body });
	assert_int_equal(mt_resp_status(resp), 201);
	j = json_of(resp);
	url = cJSON_GetObjectItem(j, "guestUrl")->valuestring;
	assert_non_null(url);
	assert_int_equal(strncmp(url, "/g/", 3), 0);   /* relative: no public URL configured */
	assert_int_equal(strlen(url + 3), MT_GUEST_TOKEN_LEN);
	snprintf(tok, 64, "%s", url + 3);
	snprintf(id, MT_ID_SIZE, "%s", cJSON_GetObjectItem(j, "id")->valuestring);
	assert_string_equal(cJSON_GetObjectItem(j, "source")->valuestring, "host");
	cJSON_Delete(j);
	cJSON_Delete(resp);
}

/* GET /g/{token}. */
static cJSON *get_page(struct fx *f, const char *tok)
{
	return call(f, handler_guest, &(struct req){ .route = "GET /g/{token}", .p1 = "token", .v1 = tok });
}

/* The status of a party through the API. */
static char *api_status(struct fx *f, const char *tenant, const char *wl, const char *id)
{
	cJSON *resp = call(f, handler_waitees, &(struct req){ .route = "GET /waitlists/{waitlistId}/waitees/{waiteeId}",
		.tenant = tenant, .p1 = "waitlistId", .v1 = wl, .p2 = "waiteeId", .v2 = id });
	cJSON *j;
	char *s;

	assert_int_equal(mt_resp_status(resp), 200);
	j = json_of(resp);
	s = strdup(cJSON_GetObjectItem(j, "status")->valuestring);
	cJSON_Delete(j);
	cJSON_Delete(resp);
	return s;
}

/* Copies the value of the first hidden csrf input of an HTML body. */
static void csrf_of(const char *html, char out[64])
{
	const char *p = strstr(html, "name=\"csrf\" value=\"");

	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	assert_non_null(strchr(p, '"'));
	snprintf(out, 64, "%.*s", (int)(strchr(p, '"') - p), p);
	assert_int_equal(strlen(out), MT_CSRF_LEN);
}

/* Checks the page answer's headers, type and size. */
static void check_page(const cJSON *resp)
{
	const char *csp = mt_resp_get_header(resp, "content-security-policy");

	assert_string_equal(mt_resp_get_header(resp, "content-type"), "text/html; charset=utf-8");
	assert_non_null(csp);
	assert_non_null(strstr(csp, "default-src 'none'"));
	assert_non_null(strstr(csp, "style-src 'sha256-"));
	assert_null(strstr(csp, "unsafe-inline"));
	assert_string_equal(mt_resp_get_header(resp, "x-content-type-options"), "nosniff");
	assert_string_equal(mt_resp_get_header(resp, "referrer-policy"), "no-referrer");
	assert_string_equal(mt_resp_get_header(resp, "cache-control"), "no-store");
	assert_true(strlen(mt_resp_body(resp)) < PAGE_MAX);
	assert_non_null(strstr(mt_resp_body(resp), "<html lang=\"en\">"));
}

/* Tokens, slugs, CSRF tokens and the public URL. */
static void test_links(void **state)
{
	struct fx *f = *state;
	struct mt_config other = f->ctx.cfg;
	char t1[64], t2[64], t3[64], k[MT_LINK_KEY_SIZE], s1[32], s2[32], c[64], out[256];
	const char *why;

	assert_int_equal(mt_guest_token(&f->ctx.cfg, "01HAAAAAAAAAAAAAAAAAAAAAAA", "00112233445566778899aabbccddeeff", t1), 0);
	assert_int_equal(mt_guest_token(&f->ctx.cfg, "01HAAAAAAAAAAAAAAAAAAAAAAA", "00112233445566778899aabbccddeef0", t2), 0);
	other.jwt_secret[0] ^= 1;
	assert_int_equal(mt_guest_token(&other, "01HAAAAAAAAAAAAAAAAAAAAAAA", "00112233445566778899aabbccddeeff", t3), 0);
	assert_int_equal(strlen(t1), MT_GUEST_TOKEN_LEN);
	assert_string_not_equal(t1, t2);   /* the nonce matters */
	assert_string_not_equal(t1, t3);   /* the server key matters */
	assert_int_equal(mt_guest_token(&f->ctx.cfg, "01HAAAAAAAAAAAAAAAAAAAAAAA", "", t3), MT_EINVAL);
	assert_int_equal(strspn(t1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), MT_GUEST_TOKEN_LEN);
	mt_guest_token_key(t1, strlen(t1), k);
	assert_int_equal(strlen(k), 64);
	assert_null(strstr(k, t1));
	mt_checkin_slug(&f->ctx.cfg, "01HAAAAAAAAAAAAAAAAAAAAAAA", s1);
	mt_checkin_slug(&f->ctx.cfg, "01HAAAAAAAAAAAAAAAAAAAAAAB", s2);
	assert_int_equal(strlen(s1), MT_SLUG_LEN);
	assert_string_not_equal(s1, s2);
	mt_guest_csrf(&f->ctx.cfg, t1, f->now, c);
	assert_true(mt_guest_csrf_ok(&f->ctx.cfg, t1, c, f->now));
	assert_true(mt_guest_csrf_ok(&f->ctx.cfg, t1, c, f->now + 3600000));    /* the next hour still */
	assert_false(mt_guest_csrf_ok(&f->ctx.cfg, t1, c, f->now + 2 * 3600000 + 1));
	assert_false(mt_guest_csrf_ok(&f->ctx.cfg, t2, c, f->now));              /* another page's */
	assert_false(mt_guest_csrf_ok(&f->ctx.cfg, t1, "", f->now));
	assert_int_equal(mt_public_url_parse("https://wait.example.com/", out, sizeof out, &why), 0);
	assert_string_equal(out, "https://wait.example.com");
	assert_int_equal(mt_public_url_parse("ftp://x", out, sizeof out, &why), MT_EINVAL);
	assert_int_equal(mt_public_url_parse("https://", out, sizeof out, &why), MT_EINVAL);
	assert_int_equal(mt_public_url_parse("https://a\"b", out, sizeof out, &why), MT_EINVAL);
	assert_int_equal(mt_public_url_parse("https://a b", out, sizeof out, &why), MT_EINVAL);
}

/* Templates: escaping, unknown names, {link} in messages. */
static void test_render(void **state)
{
	const struct page_var v[] = { {"message", "<script>alert(1)</script> Zoë \"Z\" O'Neil & co"} };
	const struct page_var bad[] = { {"nope", "x"} };
	struct mt_template_vars tv = { "Ana", "Chez", 2, 5, "https://w.example/g/abc" };
	char *out = NULL;

	(void)state;
	assert_int_equal(page_render("error", v, 1, &out), 0);
	assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt; Zoë &quot;Z&quot; O&#39;Neil &amp; co"));
	assert_null(strstr(out, "<script>"));
	free(out);
	assert_int_equal(page_render("error", bad, 1, &out), MT_EINVAL);
	assert_int_equal(page_render("no-such-template", v, 1, &out), MT_EINVAL);
	assert_int_equal(mt_template_validate("{name}: {link}", NULL), 0);
	assert_int_equal(mt_template_render("{name}: {link}", &tv, &out), 0);
	assert_string_equal(out, "Ana: https://w.example/g/abc");
	free(out);
	assert_int_equal(mt_template_render_default("ready", &tv, 0, &out), 0);
	assert_non_null(strstr(out, "\nhttps://w.example/g/abc"));
	free(out);
	tv.link = NULL;
	assert_int_equal(mt_template_render_default("ready", &tv, 0, &out), 0);
	assert_null(strstr(out, "http"));
	free(out);
}

/* The status page: escaping, place in line, headers, size; bad tokens 404. */
static void test_status_page(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], id1[MT_ID_SIZE], id2[MT_ID_SIZE], t1[64], t2[64], bad[64];
	const char *html;
	cJSON *resp;

	mk_list(f, TENANT_A, "Chez <b>Panisse</b>", wl);
	mk_party(f, TENANT_A, wl, "{\"name\":\"<script>alert(1)</script>\",\"partySize\":3,\"quotedMinutes\":25}", t1, id1);
	mk_party(f, TENANT_A, wl, "{\"name\":\"Zoë \\\"Z\\\" O'Neil\",\"partySize\":2}", t2, id2);
	f->now += 7 * 60000;
	resp = get_page(f, t2);
	assert_int_equal(mt_resp_status(resp), 200);
	check_page(resp);
	html = mt_resp_body(resp);
	assert_non_null(strstr(html, "Zoë &quot;Z&quot; O&#39;Neil, party of 2"));
	assert_non_null(strstr(html, "Chez &lt;b&gt;Panisse&lt;/b&gt;"));
	assert_non_null(strstr(html, "#2"));
	assert_non_null(strstr(html, "<dt>Parties ahead</dt><dd>1</dd>"));
	assert_non_null(strstr(html, "<dt>Waiting for</dt><dd>7 min</dd>"));
	assert_non_null(strstr(html, "http-equiv=\"refresh\""));
	assert_non_null(strstr(html, "On my way"));
	assert_non_null(strstr(html, "Leave the line"));
	assert_null(strstr(html, "alert(1)"));   /* never another guest's data */
	cJSON_Delete(resp);
	resp = get_page(f, t1);
	html = mt_resp_body(resp);
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;, party of 3"));
	assert_null(strstr(html, "<script>"));
	assert_non_null(strstr(html, "about 25 min"));
	assert_non_null(strstr(html, "#1"));
	cJSON_Delete(resp);
	/* unknown, truncated, altered tokens: 404 with nothing about anybody */
	snprintf(bad, sizeof bad, "%s", t1);
	bad[5] = bad[5] == 'A' ? 'B' : 'A';
	const char *bads[] = { bad, "short", "", "../../etc/passwd", "%00" };
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		resp = get_page(f, bads[i]);
		assert_int_equal(mt_resp_status(resp), 404);
		check_page(resp);
		assert_null(strstr(mt_resp_body(resp), "Panisse"));
		assert_null(strstr(mt_resp_body(resp), "Neil"));
		cJSON_Delete(resp);
	}
	t1[MT_GUEST_TOKEN_LEN - 1] = '\0';
	resp = get_page(f, t1);
	assert_int_equal(mt_resp_status(resp), 404);
	cJSON_Delete(resp);
}

/* POSTs a form to /g/{token}. */
static cJSON *post_page(struct fx *f, const char *tok, const char *body)
{
	return call(f, handler_guest, &(struct req){ .route = "POST /g/{token}", .p1 = "token", .v1 = tok,
		.body = body, .ctype = "application/x-www-form-urlencoded" });
}

/* The two buttons, with and without a good CSRF token; the visit ends. */
static void test_buttons(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], id[MT_ID_SIZE], tok[64], csrf[64], body[256], *st;
	cJSON *resp;

	mk_list(f, TENANT_A, "Bistro", wl);
	mk_party(f, TENANT_A, wl, "{\"name\":\"Ana\",\"partySize\":2}", tok, id);
	resp = get_page(f, tok);
	csrf_of(mt_resp_body(resp), csrf);
	cJSON_Delete(resp);
	/* no token, a wrong one, another page's: 403, nothing changes */
	const char *forged[] = { "action=confirm", "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&action=confirm" };
	for (size_t i = 0; i < 2; i++) {
		resp = post_page(f, tok, forged[i]);
		assert_int_equal(mt_resp_status(resp), 403);
		cJSON_Delete(resp);
	}
	st = api_status(f, TENANT_A, wl, id);
	assert_string_equal(st, "waiting");
	free(st);
	/* On my way */
	snprintf(body, sizeof body, "csrf=%s&action=confirm", csrf);
	resp = post_page(f, tok, body);
	assert_int_equal(mt_resp_status(resp), 303);
	assert_string_equal(mt_resp_get_header(resp, "location"), (snprintf(body, sizeof body, "/g/%s", tok), body));
	cJSON_Delete(resp);
	st = api_status(f, TENANT_A, wl, id);
	assert_string_equal(st, "confirmed");
	free(st);
	resp = get_page(f, tok);
	assert_non_null(strstr(mt_resp_body(resp), "On your way"));
	assert_null(strstr(mt_resp_body(resp), "id=\"onmyway\""));
	cJSON_Delete(resp);
	/* an unknown action is refused */
	snprintf(body, sizeof body, "csrf=%s&action=seat", csrf);
	resp = post_page(f, tok, body);
	assert_int_equal(mt_resp_status(resp), 400);
	cJSON_Delete(resp);
	/* Leave the line: asks first */
	snprintf(body, sizeof body, "csrf=%s&action=cancel", csrf);
	resp = post_page(f, tok, body);
	assert_int_equal(mt_resp_status(resp), 200);
	assert_non_null(strstr(mt_resp_body(resp), "Leave the line?"));
	cJSON_Delete(resp);
	st = api_status(f, TENANT_A, wl, id);
	assert_string_equal(st, "confirmed");
	free(st);
	snprintf(body, sizeof body, "csrf=%s&action=cancel&confirm=yes", csrf);
	resp = post_page(f, tok, body);
	assert_int_equal(mt_resp_status(resp), 303);
	cJSON_Delete(resp);
	st = api_status(f, TENANT_A, wl, id);
	assert_string_equal(st, "cancelled");
	free(st);
	resp = get_page(f, tok);
	assert_int_equal(mt_resp_status(resp), 200);
	assert_non_null(strstr(mt_resp_body(resp), "This visit has ended"));
	assert_null(strstr(mt_resp_body(resp), "Ana"));
	assert_null(strstr(mt_resp_body(resp), "name=\"csrf\""));
	cJSON_Delete(resp);
	/* a button on an ended visit changes nothing */
	snprintf(body, sizeof body, "csrf=%s&action=confirm", csrf);
	resp = post_page(f, tok, body);
	assert_int_equal(mt_resp_status(resp), 303);
	cJSON_Delete(resp);
	st = api_status(f, TENANT_A, wl, id);
	assert_string_equal(st, "cancelled");
	free(st);
	/* the CSRF token of this hour expires after the next */
	mk_party(f, TENANT_A, wl, "{\"name\":\"Bo\"}", tok, id);
	resp = get_page(f, tok);
	csrf_of(mt_resp_body(resp), csrf);
	cJSON_Delete(resp);
	f->now += 2 * 3600000 + 1000;
	snprintf(body, sizeof body, "csrf=%s&action=confirm", csrf);
	resp = post_page(f, tok, body);
	assert_int_equal(mt_resp_status(resp), 403);
	cJSON_Delete(resp);
}

/* A finished party's record expires (24 h) and its link (3 days). */
static void test_expiry(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], id[MT_ID_SIZE], tok[64];
	cJSON *resp;

	mk_list(f, TENANT_A, "Bistro", wl);
	mk_party(f, TENANT_A, wl, "{\"name\":\"Cy\"}", tok, id);
	resp = call(f, handler_waitees, &(struct req){ .route = "PUT /waitlists/{waitlistId}/waitees/{waiteeId}",
		.tenant = TENANT_A, .p1 = "waitlistId", .v1 = wl, .p2 = "waiteeId", .v2 = id, .body = "{\"status\":\"seated\"}" });
	assert_int_equal(mt_resp_status(resp), 200);
	cJSON_Delete(resp);
	resp = get_page(f, tok);
	assert_non_null(strstr(mt_resp_body(resp), "Enjoy your meal"));
	cJSON_Delete(resp);
	f->now += 25 * 3600 * 1000LL;   /* the record is gone */
	resp = get_page(f, tok);
	assert_int_equal(mt_resp_status(resp), 200);
	assert_non_null(strstr(mt_resp_body(resp), "This visit has ended"));
	assert_null(strstr(mt_resp_body(resp), "Cy"));
	cJSON_Delete(resp);
	f->now += 3 * 86400 * 1000LL;   /* and so is the link */
	resp = get_page(f, tok);
	assert_int_equal(mt_resp_status(resp), 404);
	cJSON_Delete(resp);
}

/* Restaurant A's links never show B's data, and a link record that points
 * at another party than its token was made for shows nothing. */
static void test_isolation(void **state)
{
	struct fx *f = *state;
	char wa[MT_ID_SIZE], wb[MT_ID_SIZE], ia[MT_ID_SIZE], ib[MT_ID_SIZE], ta[64], tb[64];
	const char *forged = "ffffffffffffffffffffffffffffffffffffffffff_";
	struct mt_link l;
	cJSON *resp;

	mk_list(f, TENANT_A, "Alpha", wa);
	mk_list(f, TENANT_B, "Bravo", wb);
	mk_party(f, TENANT_A, wa, "{\"name\":\"Alice\"}", ta, ia);
	mk_party(f, TENANT_B, wb, "{\"name\":\"Bob\"}", tb, ib);
	resp = get_page(f, ta);
	assert_non_null(strstr(mt_resp_body(resp), "Alice"));
	assert_null(strstr(mt_resp_body(resp), "Bob"));
	assert_null(strstr(mt_resp_body(resp), "Bravo"));
	cJSON_Delete(resp);
	resp = get_page(f, tb);
	assert_non_null(strstr(mt_resp_body(resp), "Bob"));
	assert_null(strstr(mt_resp_body(resp), "Alpha"));
	cJSON_Delete(resp);
	/* B's party through A's tenant in the API: 404 as always */
	resp = call(f, handler_waitees, &(struct req){ .route = "GET /waitlists/{waitlistId}/waitees/{waiteeId}",
		.tenant = TENANT_A, .p1 = "waitlistId", .v1 = wb, .p2 = "waiteeId", .v2 = ib });
	assert_int_equal(mt_resp_status(resp), 404);
	cJSON_Delete(resp);
	/* a link planted for B's party under a token not made for it */
	memset(&l, 0, sizeof l);
	mt_guest_token_key(forged, strlen(forged), l.key);
	snprintf(l.kind, sizeof l.kind, "guest");
	snprintf(l.tenant_id, sizeof l.tenant_id, TENANT_B);
	snprintf(l.waitlist_id, sizeof l.waitlist_id, "%s", wb);
	snprintf(l.waitee_id, sizeof l.waitee_id, "%s", ib);
	l.enabled = 1;
	assert_int_equal(f->store->ops->link_put(f->store, &l), 0);
	resp = get_page(f, forged);
	assert_int_equal(mt_resp_status(resp), 404);
	assert_null(strstr(mt_resp_body(resp), "Bob"));
	cJSON_Delete(resp);
	/* B's slug adds to B's list only */
	resp = call(f, handler_waitlists, &(struct req){ .route = "PUT /waitlists/{waitlistId}", .tenant = TENANT_A,
		.p1 = "waitlistId", .v1 = wb, .body = "{\"selfCheckIn\":true}" });
	assert_int_equal(mt_resp_status(resp), 404);   /* A cannot open B's door */
	cJSON_Delete(resp);
}

/* GET /j/{slug} and POST with a body; ip may be NULL. */
static cJSON *checkin(struct fx *f, const char *slug, const char *body, const char *ip)
{
	return call(f, handler_checkin, &(struct req){ .route = body ? "POST /j/{slug}" : "GET /j/{slug}",
		.p1 = "slug", .v1 = slug, .body = body, .ctype = "application/x-www-form-urlencoded", .ip = ip });
}

/* Self check-in: off by default, owner turns it on, validation, honeypot, limits. */
static void test_checkin(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], slug[MT_SLUG_LEN + 1], csrf[64], body[512], tok[64], id[MT_ID_SIZE];
	cJSON *resp, *j, *arr;
	int i;

	page_limit_configure(3, 5, 600000);
	mk_list(f, TENANT_A, "Trattoria", wl);
	mk_party(f, TENANT_A, wl, "{\"name\":\"Host-added\",\"quotedMinutes\":30}", tok, id);
	mt_checkin_slug(&f->ctx.cfg, wl, slug);
	resp = checkin(f, slug, NULL, NULL);
	assert_int_equal(mt_resp_status(resp), 404);   /* off by default */
	check_page(resp);
	cJSON_Delete(resp);
	resp = call(f, handler_waitlists, &(struct req){ .route = "PUT /waitlists/{waitlistId}", .tenant = TENANT_A,
		.role = "host", .p1 = "waitlistId", .v1 = wl, .body = "{\"selfCheckIn\":true}" });
	assert_int_equal(mt_resp_status(resp), 403);   /* owners only */
	cJSON_Delete(resp);
	resp = call(f, handler_waitlists, &(struct req){ .route = "PUT /waitlists/{waitlistId}", .tenant = TENANT_A,
		.p1 = "waitlistId", .v1 = wl, .body = "{\"selfCheckIn\":\"yes\"}" });
	assert_int_equal(mt_resp_status(resp), 400);
	cJSON_Delete(resp);
	resp = call(f, handler_waitlists, &(struct req){ .route = "PUT /waitlists/{waitlistId}", .tenant = TENANT_A,
		.p1 = "waitlistId", .v1 = wl, .body = "{\"selfCheckIn\":true}" });
	assert_int_equal(mt_resp_status(resp), 200);
	j = json_of(resp);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "selfCheckIn")));
	snprintf(body, sizeof body, "/j/%s", slug);
	assert_string_equal(cJSON_GetObjectItem(j, "checkInUrl")->valuestring, body);
	cJSON_Delete(j);
	cJSON_Delete(resp);
	resp = call(f, handler_waitlists, &(struct req){ .route = "GET /waitlists", .tenant = TENANT_A });
	j = json_of(resp);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "selfCheckIn")));
	cJSON_Delete(j);
	cJSON_Delete(resp);
	/* the form, with the wait */
	resp = checkin(f, slug, NULL, NULL);
	assert_int_equal(mt_resp_status(resp), 200);
	check_page(resp);
	assert_non_null(strstr(mt_resp_body(resp), "1 party is ahead of you. The wait is about 30 min."));
	assert_non_null(strstr(mt_resp_body(resp), "<label for=\"name\">"));
	csrf_of(mt_resp_body(resp), csrf);
	cJSON_Delete(resp);
	/* a good join lands on the status page, marked self, with the quote */
	snprintf(body, sizeof body, "csrf=%s&name=Zo%%C3%%AB+%%3Cb%%3E&party=4&phone=%%2B1+415+555+0100&website=", csrf);
	resp = checkin(f, slug, body, "10.0.0.1");
	assert_int_equal(mt_resp_status(resp), 303);
	snprintf(tok, sizeof tok, "%s", mt_resp_get_header(resp, "location") + 3);
	cJSON_Delete(resp);
	resp = get_page(f, tok);
	assert_int_equal(mt_resp_status(resp), 200);
	assert_non_null(strstr(mt_resp_body(resp), "Zoë &lt;b&gt;, party of 4"));
	assert_non_null(strstr(mt_resp_body(resp), "#2"));
	cJSON_Delete(resp);
	resp = call(f, handler_waitees, &(struct req){ .route = "GET /waitlists/{waitlistId}/waitees",
		.tenant = TENANT_A, .p1 = "waitlistId", .v1 = wl });
	arr = json_of(resp);
	assert_int_equal(cJSON_GetArraySize(arr), 2);
	j = cJSON_GetArrayItem(arr, 1);
	assert_string_equal(cJSON_GetObjectItem(j, "source")->valuestring, "self");
	assert_string_equal(cJSON_GetObjectItem(j, "phoneNumber")->valuestring, "+14155550100");
	assert_int_equal(cJSON_GetObjectItem(j, "quotedMinutes")->valueint, 30);
	cJSON_Delete(arr);
	cJSON_Delete(resp);
	/* honeypot filled: nobody added */
	snprintf(body, sizeof body, "csrf=%s&name=Bot&party=2&phone=&website=http%%3A%%2F%%2Fspam", csrf);
	resp = checkin(f, slug, body, "10.0.0.2");
	assert_int_equal(mt_resp_status(resp), 400);
	cJSON_Delete(resp);
	/* bad fields: the form again, with the reason and what was typed (escaped) */
	snprintf(body, sizeof body, "csrf=%s&name=%%22Q%%22&party=99&phone=", csrf);
	resp = checkin(f, slug, body, "10.0.0.2");
	assert_int_equal(mt_resp_status(resp), 400);
	assert_non_null(strstr(mt_resp_body(resp), "Party size must be a number from 1 to 50."));
	assert_non_null(strstr(mt_resp_body(resp), "value=\"&quot;Q&quot;\""));
	cJSON_Delete(resp);
	snprintf(body, sizeof body, "csrf=%s&name=Al&party=2&phone=12", csrf);
	resp = checkin(f, slug, body, "10.0.0.2");
	assert_int_equal(mt_resp_status(resp), 400);
	assert_non_null(strstr(mt_resp_body(resp), "phone number"));
	cJSON_Delete(resp);
	snprintf(body, sizeof body, "csrf=%s&name=&party=2", csrf);
	resp = checkin(f, slug, body, "10.0.0.3");
	assert_int_equal(mt_resp_status(resp), 400);
	assert_non_null(strstr(mt_resp_body(resp), "Please enter your name"));
	cJSON_Delete(resp);
	/* no CSRF token: 403 */
	resp = checkin(f, slug, "name=X&party=2", "10.0.0.4");
	assert_int_equal(mt_resp_status(resp), 403);
	cJSON_Delete(resp);
	/* per IP: 10.0.0.2 has used 3 */
	snprintf(body, sizeof body, "csrf=%s&name=Dee&party=2", csrf);
	resp = checkin(f, slug, body, "10.0.0.2");
	assert_int_equal(mt_resp_status(resp), 429);
	assert_string_equal(mt_resp_get_header(resp, "retry-after"), "600");
	cJSON_Delete(resp);
	/* per list: 5 in all (1 + 3 + 1 used so far), the next from a new IP is refused */
	resp = checkin(f, slug, body, "10.0.0.5");
	assert_int_equal(mt_resp_status(resp), 429);
	cJSON_Delete(resp);
	f->now += 600000;   /* a new window */
	resp = checkin(f, slug, body, "10.0.0.2");
	assert_int_equal(mt_resp_status(resp), 303);
	cJSON_Delete(resp);
	/* turned off: 404 again */
	resp = call(f, handler_waitlists, &(struct req){ .route = "PUT /waitlists/{waitlistId}", .tenant = TENANT_A,
		.p1 = "waitlistId", .v1 = wl, .body = "{\"selfCheckIn\":false}" });
	j = json_of(resp);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(j, "selfCheckIn")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "checkInUrl")));
	cJSON_Delete(j);
	cJSON_Delete(resp);
	for (i = 0; i < 2; i++) {
		resp = checkin(f, slug, i ? body : NULL, "10.0.0.9");
		assert_int_equal(mt_resp_status(resp), 404);
		cJSON_Delete(resp);
	}
	resp = checkin(f, "0000000000000000", NULL, NULL);
	assert_int_equal(mt_resp_status(resp), 404);
	cJSON_Delete(resp);
}

/* Without the server's secret there are no guest links: no guestUrl, no
 * self check-in, every page 404 (never a link keyed by a guessable key). */
static void test_no_secret(void **state)
{
	struct fx *f = *state;
	char wl[MT_ID_SIZE], slug[MT_SLUG_LEN + 1];
	cJSON *resp, *j;

	mk_list(f, TENANT_A, "Keyless", wl);
	mt_checkin_slug(&f->ctx.cfg, wl, slug);
	f->ctx.cfg.jwt_secret_len = 0;
	resp = call(f, handler_waitees, &(struct req){ .route = "POST /waitlists/{waitlistId}/waitees",
		.tenant = TENANT_A, .p1 = "waitlistId", .v1 = wl, .body = "{\"name\":\"Nolink\"}" });
	assert_int_equal(mt_resp_status(resp), 201);
	j = json_of(resp);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "guestUrl")));
	cJSON_Delete(j);
	cJSON_Delete(resp);
	resp = call(f, handler_waitlists, &(struct req){ .route = "PUT /waitlists/{waitlistId}", .tenant = TENANT_A,
		.p1 = "waitlistId", .v1 = wl, .body = "{\"selfCheckIn\":true}" });
	assert_int_equal(mt_resp_status(resp), 400);
	assert_non_null(strstr(mt_resp_body(resp), "selfCheckIn"));
	cJSON_Delete(resp);
	resp = checkin(f, slug, NULL, NULL);
	assert_int_equal(mt_resp_status(resp), 404);
	cJSON_Delete(resp);
}

/* Runs the tests as cmocka group `group`. */
static int run_group(const char *group)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_links, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_render, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_status_page, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_buttons, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_expiry, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_isolation, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_checkin, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_secret, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name(group, tests, NULL, NULL);
}

int main(int argc, char **argv)
{
	return test_store_main(argc, argv, &env, "guest-handlers", run_group);
}
