/* maitred as a process: routing (404/405), body cap (413), the authorizer
 * gate (401 on every protected route), the request log, clean shutdown
 * with nothing lost, flags and environment. Plus direct checks of the route
 * table and of the HTTP <-> API Gateway v2 event conversion. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "core/base64.h"
#include "harness.h"
#include "core/log.h"
#include "daemon/maitred.h"
#include "apigw/apigw.h"
#include "core/json-print.h"
#include "core/validate.h"

static struct test_server shared;   /* one server for the read-only tests */

/* Sleeps ms milliseconds. */
static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Makes a temporary directory (path malloc'd). */
static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/maitre-daemon-XXXXXX";

	if (mkdtemp(tmpl) == NULL)
		fail_msg("mkdtemp: %s", strerror(errno));
	return test_strf("%s", tmpl);
}

/* Removes a directory tree made by make_tmpdir (best effort). */
static void rm_tree(const char *dir)
{
	char *cmd = test_strf("rm -rf '%s'", dir);
	int r = system(cmd);

	(void)r;
	free(cmd);
}

/* Opens a TCP connection to 127.0.0.1:port with a 5 s receive timeout. */
static int connect_port(int port)
{
	struct sockaddr_in a;
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* Sends all of s. */
static void send_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		assert_true(w > 0);
		s += w;
		n -= (size_t)w;
	}
}

/* Reads until the peer closes or the response is complete (Content-Length). */
static char *recv_response(int fd)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (;;) {
		ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
		char *hend, *cl;

		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		hend = strstr(buf, "\r\n\r\n");
		cl = strcasestr(buf, "content-length:");
		if (hend && cl && cl < hend && len >= (size_t)(hend + 4 - buf) + strtoul(cl + 15, NULL, 10))
			break;
		if (len + 1 >= cap)
			break;
	}
	buf[len] = '\0';
	return buf;
}

/* Group setup: one maitred for the tests that don't restart it. */
static int group_setup(void **state)
{
	(void)state;
	return test_server_start(&shared, NULL) == 0 ? 0 : -1;
}

/* Group teardown: stop it; a clean stop must exit 0. */
static int group_teardown(void **state)
{
	int code;

	(void)state;
	code = test_server_stop(&shared, 10000);
	test_server_free(&shared);
	return code == 0 ? 0 : -1;
}

/* ---- direct checks of routes.c and event.c ---- */

/* The route table resolves, matches with parameters, 404s and 405s. */
static void test_route_table(void **state)
{
	static const struct { const char *method, *path; enum route_result want; const char *key; } cases[] = {
		{ "GET", "/healthz", ROUTE_FOUND, "GET /healthz" },
		{ "POST", "/register", ROUTE_FOUND, "POST /register" },
		{ "POST", "/auth/get-token", ROUTE_FOUND, "POST /auth/get-token" },
		{ "POST", "/hooks/sms", ROUTE_FOUND, "POST /hooks/sms" },
		{ "GET", "/waitlists", ROUTE_FOUND, "GET /waitlists" },
		{ "DELETE", "/waitlists/W1", ROUTE_FOUND, "DELETE /waitlists/{waitlistId}" },
		{ "PUT", "/waitlists/W1/waitees/E1", ROUTE_FOUND, "PUT /waitlists/{waitlistId}/waitees/{waiteeId}" },
		{ "POST", "/waitlists/W1/waitees/E1/notify", ROUTE_FOUND,
		  "POST /waitlists/{waitlistId}/waitees/{waiteeId}/notify" },
		{ "GET", "/waitlists/", ROUTE_NOT_FOUND, NULL },
		{ "GET", "/waitlists//waitees", ROUTE_NOT_FOUND, NULL },
		{ "GET", "/nope", ROUTE_NOT_FOUND, NULL },
		{ "GET", "/healthz/x", ROUTE_NOT_FOUND, NULL },
		{ "GET", "", ROUTE_NOT_FOUND, NULL },
		{ "PATCH", "/waitlists", ROUTE_BAD_METHOD, NULL },
		{ "GET", "/waitlists/W1/waitees/E1/notify", ROUTE_BAD_METHOD, NULL },
	};
	struct route_match m;
	char *cause = NULL;
	size_t i;

	(void)state;
	assert_int_equal(routes_check(&cause), 0);
	assert_null(cause);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum route_result r = routes_match(cases[i].method, cases[i].path, &m);

		if (r != cases[i].want)
			fail_msg("%s %s: got %d want %d", cases[i].method, cases[i].path, r, cases[i].want);
		if (cases[i].key)
			assert_string_equal(m.route->route_key, cases[i].key);
	}
	assert_int_equal(routes_match("PUT", "/waitlists/a%20b/waitees/E%2F1", &m), ROUTE_FOUND);
	assert_int_equal(m.n_params, 2);
	assert_int_equal(m.params[0].name_len, strlen("waitlistId"));
	assert_memory_equal(m.params[0].name, "waitlistId", m.params[0].name_len);
	assert_string_equal(m.params[0].value, "a b");
	assert_memory_equal(m.params[1].name, "waiteeId", m.params[1].name_len);
	assert_string_equal(m.params[1].value, "E/1");
	assert_int_equal(m.route->protected, 1);
	assert_int_equal(routes_match("GET", "/healthz", &m), ROUTE_FOUND);
	assert_int_equal(m.route->protected, 0);
	assert_int_equal(routes_match("PATCH", "/waitlists/W1", &m), ROUTE_BAD_METHOD);
	assert_string_equal(m.allow, "GET, PUT, DELETE");
	assert_int_equal(routes_match("GET", "/waitlists/W1/waitees/E1/notify", &m), ROUTE_BAD_METHOD);
	assert_string_equal(m.allow, "POST");
	/* a NUL smuggled in a parameter is refused */
	assert_int_equal(routes_match("GET", "/waitlists/a%00b", &m), ROUTE_NOT_FOUND);
}

/* HTTP -> event: routeKey, paths, decoded query, params, headers, body. */
static void test_event_build(void **state)
{
	struct event_request req;
	struct route_match m;
	cJSON *ev, *h;
	const cJSON *qs;
	char *body;
	size_t blen;
	static const unsigned char bin[] = { 0x00, 0xff, 0x10, 'a' };

	(void)state;
	assert_int_equal(routes_match("GET", "/waitlists/W%201/waitees", &m), ROUTE_FOUND);
	h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "authorization", "Bearer x");
	cJSON_AddStringToObject(h, "user-agent", "ua/1");
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.raw_path = "/waitlists/W%201/waitees";
	req.raw_query = "limit=10&b=x%20y&a=1&a=2&c=&plus=a+b&&=v&flag";
	req.headers = h;
	req.body = "{\"k\":\"é\"}";
	req.body_len = strlen(req.body);
	req.source_ip = "127.0.0.1";
	req.request_id = "01TESTREQUEST0000000000000";
	req.time_ms = 1700000000123;
	ev = event_build(&req, &m);
	assert_non_null(ev);
	assert_string_equal(test_json_str(ev, "version"), "2.0");
	assert_string_equal(mt_event_route(ev), "GET /waitlists/{waitlistId}/waitees");
	assert_string_equal(test_json_str(ev, "rawPath"), "/waitlists/W%201/waitees");
	assert_string_equal(test_json_str(ev, "rawQueryString"), req.raw_query);
	assert_string_equal(mt_event_method(ev), "GET");
	assert_string_equal(mt_event_source_ip(ev), "127.0.0.1");
	assert_string_equal(mt_event_header(ev, "authorization"), "Bearer x");
	assert_string_equal(mt_event_path_param(ev, "waitlistId"), "W 1");
	assert_string_equal(mt_event_query(ev, "limit"), "10");
	assert_string_equal(mt_event_query(ev, "b"), "x y");
	assert_string_equal(mt_event_query(ev, "a"), "1,2");
	assert_string_equal(mt_event_query(ev, "c"), "");
	assert_string_equal(mt_event_query(ev, "plus"), "a b");
	assert_string_equal(mt_event_query(ev, "flag"), "");
	qs = cJSON_GetObjectItemCaseSensitive(ev, "queryStringParameters");
	assert_int_equal(cJSON_GetArraySize(qs), 6);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "requestContext"),
							     "requestId")->valuestring, req.request_id);
	assert_true(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "requestContext"),
						     "timeEpoch")->valuedouble == 1700000000123.0);
	assert_int_equal(mt_event_body(ev, &body, &blen), 0);
	assert_int_equal(blen, strlen(req.body));
	assert_string_equal(body, req.body);
	free(body);
	assert_null(mt_event_auth(ev, "sub"));
	h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "sub", "U1");
	cJSON_AddStringToObject(h, "tenantId", "T1");
	assert_int_equal(event_set_authorizer(ev, h), 0);
	cJSON_Delete(h);
	assert_string_equal(mt_event_auth(ev, "sub"), "U1");
	assert_string_equal(mt_event_auth(ev, "tenantId"), "T1");
	cJSON_Delete(ev);

	/* a binary body travels base64-encoded and decodes back */
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.raw_path = "/hooks/sms";
	req.raw_query = "";
	req.headers = cJSON_CreateObject();
	req.body = (const char *)bin;
	req.body_len = sizeof bin;
	req.request_id = "R";
	assert_int_equal(routes_match("POST", "/hooks/sms", &m), ROUTE_FOUND);
	ev = event_build(&req, &m);
	assert_non_null(ev);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "isBase64Encoded")));
	assert_null(cJSON_GetObjectItemCaseSensitive(ev, "queryStringParameters"));
	assert_null(cJSON_GetObjectItemCaseSensitive(ev, "pathParameters"));
	assert_int_equal(mt_event_body(ev, &body, &blen), 0);
	assert_int_equal(blen, sizeof bin);
	assert_memory_equal(body, bin, sizeof bin);
	free(body);
	cJSON_Delete(ev);
}

/* Handler response -> HTTP: status, headers, body, base64, bare JSON. */
static void test_event_response(void **state)
{
	struct event_response er;
	cJSON *resp;

	(void)state;
	resp = cJSON_Parse("{\"statusCode\":201,\"headers\":{\"etag\":\"3\",\"x-n\":5},"
			   "\"cookies\":[\"a=b\"],\"body\":\"{\\\"id\\\":1}\",\"isBase64Encoded\":false}");
	assert_int_equal(event_response_take(resp, &er), 0);
	assert_int_equal(er.status, 201);
	assert_int_equal(er.body_len, 8);
	assert_memory_equal(er.body, "{\"id\":1}", 8);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(er.headers, "etag")->valuestring, "3");
	assert_int_equal(cJSON_GetArraySize(er.cookies), 1);
	free(er.body);
	cJSON_Delete(resp);

	resp = cJSON_Parse("{\"statusCode\":200,\"body\":\"AP8Q\",\"isBase64Encoded\":true}");
	assert_int_equal(event_response_take(resp, &er), 0);
	assert_int_equal(er.body_len, 3);
	assert_memory_equal(er.body, "\x00\xff\x10", 3);
	free(er.body);
	cJSON_Delete(resp);

	resp = cJSON_Parse("{\"statusCode\":999}");
	assert_int_equal(event_response_take(resp, &er), 0);
	assert_int_equal(er.status, 500);
	assert_null(er.body);
	cJSON_Delete(resp);

	/* no statusCode: API Gateway sends the object itself as a 200 JSON body */
	resp = cJSON_Parse("[1,2]");
	assert_int_equal(event_response_take(resp, &er), 0);
	assert_int_equal(er.status, 200);
	assert_string_equal(er.body, "[1,2]");
	free(er.body);
	cJSON_Delete(resp);
}

/* mt_json_print (used by mt_resp for every body) gives the same JSON value
 * as cJSON_PrintUnformatted, for every kind of value and escape. */
static void test_json_print(void **state)
{
	static const char *const docs[] = {
		"[]", "{}", "null", "true", "false", "0", "-0", "1", "-1", "2147483647", "2147483648",
		"1700000000123", "-1700000000123", "9007199254740991", "9007199254740993", "1e300", "-1e-300",
		"0.1", "3.141592653589793", "1.5e-7", "123456789012345678901234567890",
		"\"\"", "\"plain\"", "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0001\\u001f \\u00e9 Zo\u00eb \\u5c71\"",
		"[1,[2,[3,{\"a\":[]}]],{\"\":0,\"k\\\"\":\"v\"}]",
		"{\"id\":\"01H\",\"notifyAt\":1700000040000,\"notifiedAt\":null,\"partySize\":4,\"x\":-2.5}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		cJSON *a = cJSON_Parse(docs[i]), *b, *c;
		char *mine, *theirs;

		if (a == NULL)
			fail_msg("test doc %zu does not parse: %s", i, docs[i]);
		mine = mt_json_print(a);
		theirs = cJSON_PrintUnformatted(a);
		assert_non_null(mine);
		assert_non_null(theirs);
		b = cJSON_Parse(mine);
		c = cJSON_Parse(theirs);
		if (b == NULL || !cJSON_Compare(b, c, 1))
			fail_msg("doc %zu: mt_json_print gave %s, cJSON %s", i, mine, theirs);
		/* integers print as integers, byte for byte like cJSON where cJSON does */
		if (strchr(theirs, 'e') == NULL && strchr(theirs, '.') == NULL)
			assert_string_equal(mine, theirs);
		free(mine);
		free(theirs);
		cJSON_Delete(a);
		cJSON_Delete(b);
		cJSON_Delete(c);
	}
	{
		cJSON *raw = cJSON_CreateRaw("{\"r\":1}");
		char *out = mt_json_print(raw);

		assert_string_equal(out, "{\"r\":1}");
		free(out);
		cJSON_Delete(raw);
	}
}

/* Builds "Bearer <hdr>.<payload>.<sig>" with the given payload JSON (malloc'd). */
static char *fake_bearer(const char *payload)
{
	char *p64 = mt_base64_encode(payload, strlen(payload), 1);
	char *out;

	assert_non_null(p64);
	out = test_strf("Bearer eyJhbGciOiJIUzI1NiJ9.%s.c2ln", p64);
	free(p64);
	return out;
}

/* Worker for the concurrency check: puts and gets on a shared small cache. */
static void *authcache_worker(void *arg)
{
	struct authcache *c = arg;
	cJSON *ctx = cJSON_Parse("{\"sub\":\"U\",\"tenantId\":\"T\",\"role\":\"owner\"}");
	int i;

	for (i = 0; i < 2000; i++) {
		char pl[64];
		char *h;
		cJSON *got;

		snprintf(pl, sizeof pl, "{\"exp\":%d,\"n\":%d}", 2000000000, i % 37);
		h = fake_bearer(pl);
		authcache_put(c, h, ctx, 1000);
		got = authcache_get(c, h, 1001);
		if (got != NULL && strcmp(test_json_str(got, "sub"), "U") != 0)
			abort();
		cJSON_Delete(got);
		free(h);
	}
	cJSON_Delete(ctx);
	return NULL;
}

/* The authorizer cache: hits only the exact header, never past TTL or the
 * token's exp, only tokens with an exp, replaced on collision, thread-safe. */
static void test_authcache(void **state)
{
	int64_t now = 1700000000000;   /* ms */
	cJSON *ctx = cJSON_Parse("{\"sub\":\"U1\",\"tenantId\":\"T1\",\"role\":\"owner\"}");
	char *far = fake_bearer("{\"sub\":\"U1\",\"exp\":1700000900}");     /* +900 s */
	char *soon = fake_bearer("{\"sub\":\"U1\",\"exp\":1700000005}");    /* +5 s */
	char *noexp = fake_bearer("{\"sub\":\"U1\"}");
	char *other = fake_bearer("{\"sub\":\"U1\",\"exp\":1700000901}");
	struct authcache *c, *one;
	pthread_t th[4];
	cJSON *got;
	int i;

	(void)state;
	assert_null(authcache_new(16, 0));             /* 0 s = caching off */
	assert_null(authcache_get(NULL, far, now));
	authcache_put(NULL, far, ctx, now);             /* NULL-safe */
	c = authcache_new(64, 60);
	assert_non_null(c);
	assert_null(authcache_get(c, far, now));
	authcache_put(c, far, ctx, now);
	got = authcache_get(c, far, now + 1000);
	assert_non_null(got);
	assert_true(cJSON_Compare(got, ctx, 1));
	cJSON_Delete(got);
	assert_null(authcache_get(c, other, now));      /* another token: miss */
	{
		char *prefix = test_strf("%.*s", (int)strlen(far) - 1, far);

		assert_null(authcache_get(c, prefix, now));   /* a cut or tampered value: miss */
		free(prefix);
	}
	assert_non_null(got = authcache_get(c, far, now + 59999));
	cJSON_Delete(got);
	assert_null(authcache_get(c, far, now + 60000));   /* TTL over */
	assert_null(authcache_get(c, far, now + 1000));     /* and the entry is gone */

	authcache_put(c, soon, ctx, now);                  /* exp sooner than the TTL */
	assert_non_null(got = authcache_get(c, soon, now + 4999));
	cJSON_Delete(got);
	assert_null(authcache_get(c, soon, now + 5000));
	authcache_put(c, soon, ctx, now + 6000);           /* already expired: not kept */
	assert_null(authcache_get(c, soon, now + 6000));
	authcache_put(c, noexp, ctx, now);                 /* no exp: never cached */
	assert_null(authcache_get(c, noexp, now));
	authcache_free(c);

	one = authcache_new(1, 60);                        /* every key collides */
	authcache_put(one, far, ctx, now);
	authcache_put(one, other, ctx, now);
	assert_null(authcache_get(one, far, now));
	assert_non_null(got = authcache_get(one, other, now));
	cJSON_Delete(got);
	authcache_free(one);

	c = authcache_new(8, 60);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, authcache_worker, c), 0);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	authcache_free(c);
	free(far);
	free(soon);
	free(noexp);
	free(other);
	cJSON_Delete(ctx);
}

/* log_request writes one valid JSON line even for hostile paths: quotes,
 * backslashes, control bytes escaped; long values cut on a UTF-8 boundary. */
static void test_log_line_escaping(void **state)
{
	char tmpl[] = "/tmp/maitre-log-XXXXXX";
	char path[1400];
	int fd = mkstemp(tmpl), saved;
	size_t i, n = 0;
	char *text;
	cJSON *j;
	FILE *f;
	long len;
	struct mt_log_request r;

	(void)state;
	assert_true(fd >= 0);
	memcpy(path, "/a\"b\\c\x01" "d\x7f", 9);
	n = 9;
	for (i = 0; i < 300; i++) {          /* 600 bytes of two-byte characters */
		path[n++] = (char)0xc3;
		path[n++] = (char)0xa9;
	}
	path[n] = '\0';
	memset(&r, 0, sizeof r);
	r.method = "GET";
	r.path = path;
	r.status = 404;
	r.duration_us = 12;
	r.request_id = "RID";
	r.bytes_out = 7;
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	mt_log_request(&r);
	dup2(saved, 2);
	close(saved);
	close(fd);
	f = fopen(tmpl, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(tmpl);
	assert_int_equal(text[len - 1], '\n');
	assert_null(memchr(text, '\n', (size_t)len - 1));   /* exactly one line */
	j = cJSON_Parse(text);
	assert_non_null(j);
	assert_int_equal(strncmp(test_json_str(j, "path"), "/a\"b\\c\x01" "d\x7f", 9), 0);
	assert_true(strlen(test_json_str(j, "path")) <= 520);
	assert_true(strlen(test_json_str(j, "path")) >= 500);
	assert_true(mt_valid_utf8(test_json_str(j, "path"), strlen(test_json_str(j, "path"))));
	assert_int_equal((int)test_json_num(j, "status", 0), 404);
	assert_int_equal((int)test_json_num(j, "duration_us", 0), 12);
	assert_int_equal((int)test_json_num(j, "bytes", 0), 7);
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "route"));
	cJSON_Delete(j);
	free(text);
}

/* ---- the running server ---- */

/* GET /healthz answers 200 JSON with a request id; the data dir is 0700. */
static void test_healthz(void **state)
{
	struct test_resp r;
	cJSON *j;
	struct stat st;

	(void)state;
	assert_int_equal(test_http(&shared, "GET", "/healthz", NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	j = test_resp_json(&r);
	assert_non_null(j);
	assert_string_equal(test_json_str(j, "status"), "ok");
	assert_non_null(test_json_str(j, "store"));
	assert_non_null(test_resp_header(&r, "x-request-id"));
	assert_int_equal(strlen(test_resp_header(&r, "x-request-id")), 26);
	assert_non_null(strstr(test_resp_header(&r, "content-type"), "application/json"));
	cJSON_Delete(j);
	test_resp_free(&r);
	assert_int_equal(stat(shared.data_dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

/* Unknown paths 404 and known paths with a wrong method 405 + Allow, as JSON. */
static void test_not_found_and_method(void **state)
{
	static const struct { const char *method, *path; long status; const char *allow; } cases[] = {
		{ "GET", "/nope", 404, NULL },
		{ "GET", "/waitlists/a/b/c/d/e", 404, NULL },
		{ "POST", "/", 404, NULL },
		{ "DELETE", "/healthz", 405, "GET" },
		{ "GET", "/register", 405, "POST" },
		{ "PATCH", "/waitlists", 405, "GET, POST" },
		{ "POST", "/waitlists/W1", 405, "GET, PUT, DELETE" },
		{ "DELETE", "/waitlists/W1/waitees", 405, "GET, POST" },
		{ "GET", "/waitlists/W1/waitees/E1/notify", 405, "POST" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct test_resp r;
		cJSON *j;

		assert_int_equal(test_http(&shared, cases[i].method, cases[i].path, NULL, NULL, NULL, &r), 0);
		if (r.status != cases[i].status)
			fail_msg("%s %s: status %ld, want %ld", cases[i].method, cases[i].path, r.status, cases[i].status);
		j = test_resp_json(&r);
		assert_non_null(j);
		assert_string_equal(test_json_str(j, "error"), cases[i].status == 404 ? "not_found" : "method_not_allowed");
		assert_non_null(test_json_str(j, "message"));
		if (cases[i].allow) {
			assert_non_null(test_resp_header(&r, "allow"));
			assert_string_equal(test_resp_header(&r, "allow"), cases[i].allow);
		}
		cJSON_Delete(j);
		test_resp_free(&r);
	}
}

/* Bodies over 64 KiB answer 413 (also one announced far larger, unread);
 * a body just under the cap is read and passed on. */
static void test_body_cap(void **state)
{
	size_t big = 65 * 1024, i;
	char *body = malloc(big + 1);
	struct test_resp r;
	cJSON *j;
	char *req, *resp;
	int fd;

	(void)state;
	assert_non_null(body);
	body[0] = '{';
	body[1] = '"';
	for (i = 2; i < big - 3; i++)
		body[i] = 'x';
	memcpy(body + big - 3, "\":1", 3);
	body[big] = '\0';
	/* not valid JSON ({"xxx":1 without '}'), but the size is what counts */
	assert_int_equal(test_http_raw(shared.base_url, "POST", "/register", NULL, body, big, NULL, &r), 0);
	assert_int_equal(r.status, 413);
	j = test_resp_json(&r);
	assert_non_null(j);
	assert_string_equal(test_json_str(j, "error"), "too_large");
	cJSON_Delete(j);
	test_resp_free(&r);

	/* the same size on a protected route: 413 before anything else */
	assert_int_equal(test_http_raw(shared.base_url, "POST", "/waitlists", NULL, body, big, NULL, &r), 0);
	assert_int_equal(r.status, 413);
	test_resp_free(&r);

	/* exactly 64 KiB is allowed through to the handler (which judges it) */
	assert_int_equal(test_http_raw(shared.base_url, "POST", "/register", NULL, body, 64 * 1024, NULL, &r), 0);
	assert_true(r.status != 413 && r.status != 0);
	test_resp_free(&r);
	free(body);

	/* a huge Content-Length is refused at once without reading the body */
	fd = connect_port(shared.port);
	req = test_strf("POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			"Content-Length: 50000000\r\n\r\n{\"a\":");
	send_all(fd, req, strlen(req));
	free(req);
	resp = recv_response(fd);
	close(fd);
	assert_true(strncmp(resp, "HTTP/1.1 413", 12) == 0);
	assert_non_null(strstr(resp, "too_large"));
	free(resp);

	/* the server is still fine */
	assert_int_equal(test_http(&shared, "GET", "/healthz", NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	test_resp_free(&r);
}

/* Every protected route answers 401 + WWW-Authenticate without a token and
 * with bad ones, before its handler runs. */
static void test_protected_401(void **state)
{
	static const struct { const char *method, *path; } routes[] = {
		{ "GET", "/waitlists" },
		{ "POST", "/waitlists" },
		{ "GET", "/waitlists/01HZZZZZZZZZZZZZZZZZZZZZZZ" },
		{ "PUT", "/waitlists/01HZZZZZZZZZZZZZZZZZZZZZZZ" },
		{ "DELETE", "/waitlists/01HZZZZZZZZZZZZZZZZZZZZZZZ" },
		{ "GET", "/waitlists/01HZZZZZZZZZZZZZZZZZZZZZZZ/waitees" },
		{ "POST", "/waitlists/01HZZZZZZZZZZZZZZZZZZZZZZZ/waitees" },
		{ "GET", "/waitlists/01HZZZZZZZZZZZZZZZZZZZZZZZ/waitees/01HYYYYYYYYYYYYYYYYYYYYYYY" },
		{ "PUT", "/waitlists/01HZZZZZZZZZZZZZZZZZZZZZZZ/waitees/01HYYYYYYYYYYYYYYYYYYYYYYY" },
		{ "DELETE", "/waitlists/01HZZZZZZZZZZZZZZZZZZZZZZZ/waitees/01HYYYYYYYYYYYYYYYYYYYYYYY" },
		{ "POST", "/waitlists/01HZZZZZZZZZZZZZZZZZZZZZZZ/waitees/01HYYYYYYYYYYYYYYYYYYYYYYY/notify" },
	};
	static const char *const tokens[] = {
		NULL,
		"Bearer not-a-jwt",
		"Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.",
		"Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
	};
	size_t i, t;

	(void)state;
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		for (t = 0; t < sizeof tokens / sizeof tokens[0]; t++) {
			struct test_resp r;
			const char *body = strcmp(routes[i].method, "GET") && strcmp(routes[i].method, "DELETE")
						   ? "{\"name\":\"x\"}" : NULL;
			const char *hdrs[] = { tokens[t] ? test_strf("Authorization: %s", tokens[t]) : NULL, NULL };
			const char *wa;
			cJSON *j;

			assert_int_equal(test_http(&shared, routes[i].method, routes[i].path, NULL, body,
						   hdrs[0] ? hdrs : NULL, &r), 0);
			if (r.status != 401)
				fail_msg("%s %s token %zu: status %ld body %s", routes[i].method, routes[i].path, t,
					 r.status, r.body);
			wa = test_resp_header(&r, "www-authenticate");
			assert_non_null(wa);
			assert_true(strncmp(wa, "Bearer", 6) == 0);
			if (t > 0)
				assert_non_null(strstr(wa, "invalid_token"));
			j = test_resp_json(&r);
			assert_non_null(j);
			assert_string_equal(test_json_str(j, "error"), "unauthorized");
			cJSON_Delete(j);
			test_resp_free(&r);
			free((char *)hdrs[0]);
		}
	}
}

/* Finds the log line whose request_id is id (parsed; NULL if none) and counts them. */
static cJSON *find_log_line(const char *log, const char *id, int *count)
{
	const char *p = log;
	cJSON *found = NULL;

	*count = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		cJSON *j = cJSON_ParseWithLength(p, n);

		if (n > 0 && j == NULL)
			fail_msg("log line is not JSON: %.*s", (int)n, p);
		if (j && test_json_str(j, "request_id") && strcmp(test_json_str(j, "request_id"), id) == 0) {
			(*count)++;
			if (found == NULL)
				found = j;
			else
				cJSON_Delete(j);
		} else {
			cJSON_Delete(j);
		}
		p = nl ? nl + 1 : p + n;
	}
	return found;
}

/* A log's lines parsed once (the concurrent test looks up hundreds of ids:
 * parsing the whole log per id took half a minute under ASan). */
struct log_index {
	cJSON **lines;   /* each line parsed */
	size_t n;        /* number of lines */
};

/* Parses every line of log into ix (fails the test on a line that is not JSON). */
static void log_index_build(const char *log, struct log_index *ix)
{
	const char *p = log;
	size_t cap = 0;

	ix->lines = NULL;
	ix->n = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		cJSON *j = n > 0 ? cJSON_ParseWithLength(p, n) : NULL;

		if (n > 0 && j == NULL)
			fail_msg("log line is not JSON: %.*s", (int)n, p);
		if (j != NULL) {
			if (ix->n == cap) {
				cap = cap ? cap * 2 : 256;
				ix->lines = realloc(ix->lines, cap * sizeof *ix->lines);
				assert_non_null(ix->lines);
			}
			ix->lines[ix->n++] = j;
		}
		p = nl ? nl + 1 : p + n;
	}
}

/* The first line of ix whose request_id is id (borrowed; NULL if none); counts them. */
static const cJSON *log_index_find(const struct log_index *ix, const char *id, int *count)
{
	const cJSON *found = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < ix->n; i++) {
		const char *rid = test_json_str(ix->lines[i], "request_id");

		if (rid != NULL && strcmp(rid, id) == 0) {
			(*count)++;
			if (found == NULL)
				found = ix->lines[i];
		}
	}
	return found;
}

/* Frees the parsed lines. */
static void log_index_free(struct log_index *ix)
{
	size_t i;

	for (i = 0; i < ix->n; i++)
		cJSON_Delete(ix->lines[i]);
	free(ix->lines);
	ix->lines = NULL;
	ix->n = 0;
}

/* One JSON line per request with time, method, path, status, duration,
 * request id and bytes; never the query, the body or the token. */
static void test_request_log(void **state)
{
	static const struct { const char *method, *path, *logged_path, *body, *token; long status; } reqs[] = {
		{ "GET", "/healthz?secret=QUERYMARKER789", "/healthz", NULL, NULL, 200 },
		{ "POST", "/nope", "/nope", "{\"pw\":\"BODYMARKER123\"}", NULL, 404 },
		{ "GET", "/waitlists", "/waitlists", NULL, "Bearer TOKENMARKER456", 401 },
		{ "PATCH", "/waitlists", "/waitlists", NULL, NULL, 405 },
	};
	char ids[4][32];
	size_t sizes[4], i;
	char *log = NULL;
	int tries;

	(void)state;
	for (i = 0; i < 4; i++) {
		struct test_resp r;

		assert_int_equal(test_http(&shared, reqs[i].method, reqs[i].path, reqs[i].token, reqs[i].body, NULL, &r), 0);
		assert_int_equal(r.status, reqs[i].status);
		assert_non_null(test_resp_header(&r, "x-request-id"));
		snprintf(ids[i], sizeof ids[i], "%s", test_resp_header(&r, "x-request-id"));
		sizes[i] = r.body_len;
		test_resp_free(&r);
	}
	/* lines are written when a response is complete: allow a moment */
	for (tries = 0; tries < 200; tries++) {
		int c;
		cJSON *j;

		free(log);
		log = test_server_log(&shared);
		j = find_log_line(log, ids[3], &c);
		cJSON_Delete(j);
		if (c > 0)
			break;
		sleep_ms(10);
	}
	for (i = 0; i < 4; i++) {
		int count;
		cJSON *j = find_log_line(log, ids[i], &count);
		const char *t;

		assert_non_null(j);
		assert_int_equal(count, 1);
		assert_string_equal(test_json_str(j, "method"), reqs[i].method);
		assert_string_equal(test_json_str(j, "path"), reqs[i].logged_path);
		assert_int_equal((long)test_json_num(j, "status", -1), reqs[i].status);
		assert_true(test_json_num(j, "duration_us", -1) >= 0);
		assert_true(test_json_num(j, "duration_us", -1) < 10e6);
		assert_int_equal((size_t)test_json_num(j, "bytes", -1), sizes[i]);
		assert_int_equal((size_t)test_json_num(j, "bytes_in", -1), reqs[i].body ? strlen(reqs[i].body) : 0);
		t = test_json_str(j, "time");
		assert_non_null(t);
		assert_int_equal(strlen(t), 24);   /* 2026-01-02T03:04:05.678Z */
		assert_int_equal(t[10], 'T');
		assert_int_equal(t[23], 'Z');
		cJSON_Delete(j);
	}
	assert_null(strstr(log, "QUERYMARKER789"));
	assert_null(strstr(log, "BODYMARKER123"));
	assert_null(strstr(log, "TOKENMARKER456"));
	free(log);
}

/* The client address as maitred writes it: inet_ntop's text for every
 * byte value in every position. */
static void test_event_ipv4(void **state)
{
	unsigned char b[4];
	char mine[16], want[INET_ADDRSTRLEN];
	int pos, v;

	(void)state;
	for (pos = 0; pos < 4; pos++)
		for (v = 0; v < 256; v++) {
			b[0] = 127; b[1] = 10; b[2] = 200; b[3] = 1;
			b[pos] = (unsigned char)v;
			memset(mine, 'x', sizeof mine);
			event_ipv4(mine, b);
			assert_non_null(inet_ntop(AF_INET, b, want, sizeof want));
			assert_string_equal(mine, want);
		}
	b[0] = b[1] = b[2] = b[3] = 255;
	event_ipv4(mine, b);
	assert_string_equal(mine, "255.255.255.255");
}

/* Counts the JSON lines of log (failing on a line that is not JSON) and
 * how many carry each of ids[0..n) (want exactly one each). */
static int log_lines_once(const char *log, char ids[][32], int n)
{
	int i, c, lines = 0;
	const char *p;

	for (p = log; *p; p++)
		lines += *p == '\n';
	for (i = 0; i < n; i++) {
		cJSON *j = find_log_line(log, ids[i], &c);

		cJSON_Delete(j);
		if (c != 1)
			return -1;
	}
	return lines;
}

/* Buffered request lines (--log-flush-ms): with a 10 s interval, lines of
 * finished requests wait in the worker threads' buffers; SIGTERM writes
 * every one of them, whole, exactly once. With 0, each line is written when
 * its request completes. */
static void test_log_buffered(void **state)
{
	static const char *const slow[] = { "--log-flush-ms", "10000", "--threads", "2", NULL };
	static const char *const now[] = { "--log-flush-ms", "0", NULL };
	struct test_server_opts o;
	struct test_server srv;
	char ids[40][32];
	char *log;
	int i, tries;

	(void)state;
	memset(&o, 0, sizeof o);
	o.args = slow;
	assert_int_equal(test_server_start(&srv, &o), 0);
	for (i = 0; i < 40; i++) {
		struct test_resp r;

		assert_int_equal(test_http(&srv, "GET", i % 2 ? "/healthz" : "/nope", NULL, NULL, NULL, &r), 0);
		snprintf(ids[i], sizeof ids[i], "%s", test_resp_header(&r, "x-request-id"));
		test_resp_free(&r);
	}
	sleep_ms(300);
	log = test_server_log(&srv);
	assert_non_null(log);
	/* the last line went into its thread's buffer after any earlier
	 * buffer-full write: it is not written yet, so buffering is on */
	{
		int c;
		cJSON *j = find_log_line(log, ids[39], &c);

		cJSON_Delete(j);
		assert_int_equal(c, 0);
	}
	free(log);
	assert_int_equal(test_server_stop(&srv, 0), 0);
	assert_int_equal(srv.exit_status, 0);
	log = test_server_log(&srv);
	if (log_lines_once(log, ids, 40) < 40)
		fail_msg("after SIGTERM not every request has exactly one whole line:\n%s", log);
	assert_non_null(strstr(log, "\"msg\":\"stopped\""));
	assert_true(strstr(log, ids[39]) < strstr(log, "\"msg\":\"stopped\""));
	free(log);
	test_server_free(&srv);

	o.args = now;
	assert_int_equal(test_server_start(&srv, &o), 0);
	for (i = 0; i < 5; i++) {
		struct test_resp r;

		assert_int_equal(test_http(&srv, "GET", "/healthz", NULL, NULL, NULL, &r), 0);
		snprintf(ids[i], sizeof ids[i], "%s", test_resp_header(&r, "x-request-id"));
		test_resp_free(&r);
	}
	for (tries = 0; tries < 200; tries++) {
		log = test_server_log(&srv);
		i = log_lines_once(log, ids, 5);
		free(log);
		if (i >= 5)
			break;
		sleep_ms(10);
	}
	assert_true(i >= 5);
	test_server_free(&srv);
}

/* Keep-alive: several requests reuse one connection (no forced close). */
static void test_keep_alive(void **state)
{
	int fd = connect_port(shared.port), i;

	(void)state;
	for (i = 0; i < 3; i++) {
		static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
		char *resp;

		send_all(fd, req, sizeof req - 1);
		resp = recv_response(fd);
		assert_true(strncmp(resp, "HTTP/1.1 200", 12) == 0);
		assert_null(strcasestr(resp, "connection: close"));
		free(resp);
	}
	close(fd);
}

#define CONC_THREADS 8
#define CONC_REQS 60

/* One client thread: CONC_REQS requests, remembering each X-Request-Id. */
struct conc_arg {
	char ids[CONC_REQS][32];   /* request ids seen */
	int ok;                    /* requests answered as expected */
};

/* Client thread body: alternates healthz (200) and an unauthorised list (401). */
static void *conc_client(void *p)
{
	struct conc_arg *a = p;
	int i;

	for (i = 0; i < CONC_REQS; i++) {
		struct test_resp r;
		int even = i % 2 == 0;

		if (test_http(&shared, "GET", even ? "/healthz" : "/waitlists", even ? NULL : "Bearer x.y.z",
			      NULL, NULL, &r) == 0 && r.status == (even ? 200 : 401) &&
		    test_resp_header(&r, "x-request-id") != NULL) {
			snprintf(a->ids[i], sizeof a->ids[i], "%s", test_resp_header(&r, "x-request-id"));
			a->ok++;
		}
		test_resp_free(&r);
	}
	return NULL;
}

/* Concurrent clients: every request answered, every request id unique and
 * logged on exactly one whole JSON line. */
static void test_concurrent_log(void **state)
{
	static struct conc_arg args[CONC_THREADS];
	pthread_t th[CONC_THREADS];
	struct log_index ix = { NULL, 0 };
	char *log = NULL;
	int t, i, tries;

	(void)state;
	memset(args, 0, sizeof args);
	for (t = 0; t < CONC_THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, conc_client, &args[t]), 0);
	for (t = 0; t < CONC_THREADS; t++)
		pthread_join(th[t], NULL);
	for (t = 0; t < CONC_THREADS; t++)
		assert_int_equal(args[t].ok, CONC_REQS);
	/* A line is written when libmicrohttpd reports the request complete,
	 * which may be just after the client got its answer: wait (up to 5 s)
	 * until every request has a line, then check each has exactly one. */
	for (tries = 0; tries < 500; tries++) {
		int all = 1;

		log_index_free(&ix);
		free(log);
		log = test_server_log(&shared);
		assert_non_null(log);
		log_index_build(log, &ix);
		for (t = 0; t < CONC_THREADS && all; t++) {
			for (i = 0; i < CONC_REQS && all; i++) {
				int c;

				log_index_find(&ix, args[t].ids[i], &c);
				all = c > 0;
			}
		}
		if (all)
			break;
		sleep_ms(10);
	}
	for (t = 0; t < CONC_THREADS; t++) {
		for (i = 0; i < CONC_REQS; i++) {
			int count;
			const cJSON *j = log_index_find(&ix, args[t].ids[i], &count);

			if (count != 1)
				fail_msg("request id %s logged %d times", args[t].ids[i], count);
			assert_int_equal((int)test_json_num(j, "status", 0), i % 2 == 0 ? 200 : 401);
		}
	}
	log_index_free(&ix);
	free(log);
}

/* ---- whole-process behaviour ---- */

/* Registers, logs in and creates a waitlist; returns the token and list id. */
static void make_data(struct test_server *srv, const char *email, char **token, char **list_id)
{
	struct test_resp r;
	cJSON *j;

	assert_int_equal(test_register_and_login(srv, email, NULL, NULL, token, NULL), 0);
	assert_int_equal(test_http(srv, "POST", "/waitlists", *token,
				   "{\"name\":\"Patio\",\"description\":\"before the restart\"}", NULL, &r), 0);
	if (r.status != 201)
		fail_msg("POST /waitlists: %ld %s", r.status, r.body);
	j = test_resp_json(&r);
	assert_non_null(j);
	assert_non_null(test_json_str(j, "id"));
	*list_id = strdup(test_json_str(j, "id"));
	cJSON_Delete(j);
	test_resp_free(&r);
}

/* SIGTERM: a request in flight is finished, maitred exits 0 within a few
 * seconds, and everything written before is there after a restart. */
static void test_sigterm_clean_and_durable(void **state)
{
	struct test_server srv;
	struct test_resp r;
	char email[128], email2[128], *token, *list_id, *req, *resp, *path, *login;
	const char *body2 = NULL;
	int fd, code, t0;
	struct timespec a, b;
	cJSON *j;

	(void)state;
	assert_int_equal(test_server_start(&srv, NULL), 0);
	test_unique_email(email, sizeof email, "durable");
	make_data(&srv, email, &token, &list_id);

	/* start a register and stop half-way through its body */
	test_unique_email(email2, sizeof email2, "inflight");
	body2 = test_strf("{\"email\":\"%s\",\"password\":\"correct horse battery\",\"name\":\"In Flight\"}", email2);
	fd = connect_port(srv.port);
	{
		/* a first request on this connection proves maitred accepted it */
		static const char hz[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

		send_all(fd, hz, sizeof hz - 1);
		resp = recv_response(fd);
		assert_true(strncmp(resp, "HTTP/1.1 200", 12) == 0);
		free(resp);
	}
	req = test_strf("POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			"Content-Length: %zu\r\n\r\n", strlen(body2));
	send_all(fd, req, strlen(req));
	send_all(fd, body2, 10);
	free(req);
	sleep_ms(300);   /* headers parsed: the request is in flight */
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(test_server_signal(&srv, SIGTERM), 0);
	sleep_ms(200);
	assert_int_equal(test_server_wait_exit(&srv, 0), -2);   /* still finishing it */
	send_all(fd, body2 + 10, strlen(body2) - 10);
	resp = recv_response(fd);
	close(fd);
	if (strncmp(resp, "HTTP/1.1 201", 12) != 0)
		fail_msg("in-flight register answered: %s", resp);
	free(resp);
	code = test_server_wait_exit(&srv, 5000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(code, 0);
	t0 = (int)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000);
	assert_true(t0 < 5000);
	{
		char *log = test_server_log(&srv);

		assert_non_null(strstr(log, "\"msg\":\"stopped\""));
		free(log);
	}

	assert_int_equal(test_server_restart(&srv), 0);
	/* the list made before the stop is there, with the old token (same key) */
	path = test_strf("/waitlists/%s", list_id);
	assert_int_equal(test_http(&srv, "GET", path, token, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	j = test_resp_json(&r);
	assert_non_null(j);
	assert_string_equal(test_json_str(j, "name"), "Patio");
	cJSON_Delete(j);
	test_resp_free(&r);
	free(path);
	/* both accounts can log in: the in-flight one was stored too */
	free(token);
	assert_int_equal(test_login(&srv, email, NULL, &token, NULL), 200);
	free(token);
	assert_int_equal(test_login(&srv, email2, NULL, &login, NULL), 200);
	free(login);
	free(list_id);
	free((char *)body2);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
}

/* A valid token passes the authorizer and reaches the handler, which sees
 * the caller (its list is the caller's, bare JSON array). */
static void test_authorized_passes(void **state)
{
	struct test_resp r;
	char *token;
	cJSON *j;

	(void)state;
	assert_int_equal(test_register_and_login(&shared, NULL, NULL, NULL, &token, NULL), 0);
	assert_int_equal(test_http(&shared, "GET", "/waitlists", token, NULL, NULL, &r), 0);
	if (r.status != 200)
		fail_msg("GET /waitlists with a valid token: %ld %s", r.status, r.body);
	j = test_resp_json(&r);
	assert_true(cJSON_IsArray(j));
	assert_int_equal(cJSON_GetArraySize(j), 0);
	cJSON_Delete(j);
	test_resp_free(&r);
	/* again (answered from the authorizer cache), then the same token with
	 * its signature changed: the cache must not let it through */
	assert_int_equal(test_http(&shared, "GET", "/waitlists", token, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	test_resp_free(&r);
	{
		char *bad = strdup(token);
		size_t n = strlen(bad);

		bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A';
		assert_int_equal(test_http(&shared, "GET", "/waitlists", bad, NULL, NULL, &r), 0);
		assert_int_equal(r.status, 401);
		test_resp_free(&r);
		bad[n - 2] = '\0';   /* cut */
		assert_int_equal(test_http(&shared, "GET", "/waitlists", bad, NULL, NULL, &r), 0);
		assert_int_equal(r.status, 401);
		test_resp_free(&r);
		free(bad);
	}
	free(token);
}

/* Bad flags and bad set-ups exit 1 with a message; --help/--version exit 0. */
static void test_flags(void **state)
{
	char *dir = make_tmpdir();
	char *data = test_strf("%s/data", dir);
	char *out = NULL;
	const char *short_secret[] = { "MAITRE_JWT_SECRET=too-short", NULL };
	const char *bad_tick_env[] = { "MAITRE_TICK_SECONDS=abc", NULL };
	struct {
		const char *args[8];
		const char *const *env;
		int code;
		const char *says;
	} cases[] = {
		{ { "--bogus", NULL }, NULL, 1, "unknown option" },
		{ { "--listen", "nonsense", NULL }, NULL, 1, "listen" },
		{ { "--listen", "127.0.0.1:99999", NULL }, NULL, 1, "listen" },
		{ { "--tick-seconds", "0", NULL }, NULL, 1, "tick" },
		{ { "--threads", "x", NULL }, NULL, 1, "thread" },
		{ { "--auth-cache-seconds", "3601", NULL }, NULL, 1, "auth cache" },
		{ { "--log-flush-ms", "-1", NULL }, NULL, 1, "log flush" },
		{ { "--log-flush-ms", "10001", NULL }, NULL, 1, "log flush" },
		{ { "--store", NULL }, NULL, 1, "needs a value" },
		{ { "stray", NULL }, NULL, 1, "unexpected argument" },
		{ { "--data-dir", data, NULL }, bad_tick_env, 1, "MAITRE_TICK_SECONDS" },
		{ { "--data-dir", data, "--store", "nosuch:x", NULL }, NULL, 1, "store" },
		{ { "--data-dir", data, "--store", "sqlite:/proc/no/such/dir/x.db", NULL }, NULL, 1, "/proc/no/such/dir/x.db" },
		{ { "--data-dir", "/proc/maitre-cannot", NULL }, NULL, 1, "data directory" },
		{ { "--data-dir", data, "--listen", "127.0.0.1:0", NULL }, short_secret, 1, "maitred: MAITRE_JWT_SECRET" },
		{ { "--help", NULL }, NULL, 0, "Usage" },
		{ { "--version", NULL }, NULL, 0, "maitred 0." },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int code = test_run_maitred(cases[i].args, cases[i].env, 10000, &out);

		if (code != cases[i].code || out == NULL || strstr(out, cases[i].says) == NULL)
			fail_msg("case %zu (%s %s): exit %d, output: %s", i, cases[i].args[0],
				 cases[i].args[1] ? cases[i].args[1] : "", code, out ? out : "(none)");
		free(out);
	}
	free(data);
	rm_tree(dir);
	free(dir);
}

/* --init-store creates the schema and exits 0 without serving. */
static void test_init_store(void **state)
{
	char *dir = make_tmpdir();
	char *data = test_strf("%s/d/e", dir);
	char *db = test_strf("%s/maitre.db", data);
	const char *args[] = { "--init-store", "--data-dir", data, NULL };
	char *out = NULL;
	struct stat st;

	(void)state;
	assert_int_equal(test_run_maitred(args, NULL, 20000, &out), 0);
	assert_int_equal(stat(db, &st), 0);
	assert_true(st.st_size > 0);
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* and again: idempotent */
	free(out);
	assert_int_equal(test_run_maitred(args, NULL, 20000, &out), 0);
	free(out);
	free(db);
	free(data);
	rm_tree(dir);
	free(dir);
}

/* MAITRE_LISTEN / MAITRE_STORE / MAITRE_DATA_DIR instead of flags. */
static void test_env_honoured(void **state)
{
	char *dir = make_tmpdir();
	char *url = test_strf("sqlite:%s/custom-%%s.db", dir);
	struct test_server_opts o = { .use_env = 1, .store_url = url };
	struct test_server srv;
	struct stat st;
	struct test_resp r;

	(void)state;
	assert_int_equal(test_server_start(&srv, &o), 0);   /* waited on MAITRE_LISTEN's port */
	assert_non_null(strstr(srv.store_url, dir));
	assert_int_equal(stat(srv.store_url + 7, &st), 0);   /* the store file named by MAITRE_STORE */
	assert_int_equal(stat(srv.data_dir, &st), 0);        /* the data dir named by MAITRE_DATA_DIR */
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(test_http(&srv, "GET", "/healthz", NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	test_resp_free(&r);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
	free(url);
	rm_tree(dir);
	free(dir);
}

/* A port already taken: exit 1 saying so. */
static void test_port_in_use(void **state)
{
	char *dir = make_tmpdir();
	char *listen_arg = test_strf("127.0.0.1:%d", shared.port);
	const char *args[] = { "--data-dir", dir, "--listen", listen_arg, NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(test_run_maitred(args, NULL, 10000, &out), 1);
	assert_non_null(out);
	assert_non_null(strstr(out, "in use"));
	free(out);
	free(listen_arg);
	rm_tree(dir);
	free(dir);
}

/* Milliseconds between two monotonic times. */
static long elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (long)((b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000);
}

/* SIGTERM with clients that never finish: idle keep-alive connections do
 * not hold maitred up at all; a request stuck half-way holds it at most the
 * drain time (5 s), then maitred still exits 0. */
static void test_sigterm_stuck_clients(void **state)
{
	struct test_server srv;
	struct timespec a, b;
	int idle, stuck, code;
	static const char half[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n";   /* no blank line */
	static const char hz[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	char *resp;

	(void)state;
	/* idle keep-alive connection only */
	assert_int_equal(test_server_start(&srv, NULL), 0);
	idle = connect_port(srv.port);
	send_all(idle, hz, sizeof hz - 1);
	resp = recv_response(idle);
	assert_true(strncmp(resp, "HTTP/1.1 200", 12) == 0);
	free(resp);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(test_server_signal(&srv, SIGTERM), 0);
	code = test_server_wait_exit(&srv, 10000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	close(idle);
	assert_int_equal(code, 0);
	assert_true(elapsed_ms(&a, &b) < 2000);

	/* a request whose headers never end */
	assert_int_equal(test_server_restart(&srv), 0);
	stuck = connect_port(srv.port);
	send_all(stuck, hz, sizeof hz - 1);
	resp = recv_response(stuck);
	free(resp);
	send_all(stuck, half, sizeof half - 1);
	sleep_ms(200);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(test_server_signal(&srv, SIGTERM), 0);
	code = test_server_wait_exit(&srv, 15000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	close(stuck);
	assert_int_equal(code, 0);
	assert_true(elapsed_ms(&a, &b) >= 4500);   /* it did wait for the request */
	assert_true(elapsed_ms(&a, &b) < 8000);    /* and not for ever */
	test_server_free(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_table),
		cmocka_unit_test(test_event_build),
		cmocka_unit_test(test_event_response),
		cmocka_unit_test(test_json_print),
		cmocka_unit_test(test_authcache),
		cmocka_unit_test(test_log_line_escaping),
		cmocka_unit_test(test_healthz),
		cmocka_unit_test(test_not_found_and_method),
		cmocka_unit_test(test_body_cap),
		cmocka_unit_test(test_protected_401),
		cmocka_unit_test(test_request_log),
		cmocka_unit_test(test_event_ipv4),
		cmocka_unit_test(test_log_buffered),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_concurrent_log),
		cmocka_unit_test(test_port_in_use),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_init_store),
		cmocka_unit_test(test_env_honoured),
		cmocka_unit_test(test_authorized_passes),
		cmocka_unit_test(test_sigterm_clean_and_durable),
		cmocka_unit_test(test_sigterm_stuck_clients),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
