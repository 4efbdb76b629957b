/* Issue 13, the attack findings, driven from outside against a real maitred:
 * each test here failed before its fix. One server per test where the test
 * changes limits or state that others would see. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"

/* Monotonic seconds. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Makes a string of n copies of s (malloc'd). */
static char *repeat(const char *s, size_t n)
{
	size_t l = strlen(s), i;
	char *out = malloc(l * n + 1);

	assert_non_null(out);
	for (i = 0; i < n; i++)
		memcpy(out + i * l, s, l);
	out[l * n] = '\0';
	return out;
}

/* Finding 1: hundreds of query parameters get an answer, leak nothing, and
 * the server still stops at once (no request state left waiting). */
static void test_many_query_params(void **state)
{
	struct test_server srv;
	const char *pieces[] = { "&", "a=1&", "x&" };
	size_t counts[] = { 300, 600, 1000, 2000 };
	size_t i, j;
	double t0;

	(void)state;
	assert_int_equal(test_server_start(&srv, NULL), 0);
	for (i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		for (j = 0; j < sizeof counts / sizeof counts[0]; j++) {
			char *q = repeat(pieces[i], counts[j]);
			char *path = test_strf("/healthz?%s", q);
			struct test_resp r;

			assert_int_equal(test_http(&srv, "GET", path, NULL, NULL, NULL, &r), 0);
			assert_int_equal(r.status, 200);
			assert_true(r.total_s < 2.0);
			test_resp_free(&r);
			free(path);
			free(q);
		}
	}
	{
		/* a protected route still parses its own query: limit=1 holds */
		char *token = NULL, *q = repeat("&", 800), *path;
		struct test_resp r;
		cJSON *list;

		assert_int_equal(test_register_and_login(&srv, NULL, NULL, NULL, &token, NULL), 0);
		path = test_strf("/waitlists?%slimit=1%s", q, q);
		assert_int_equal(test_http(&srv, "GET", path, token, NULL, NULL, &r), 0);
		assert_int_equal(r.status, 200);
		list = test_resp_json(&r);
		assert_true(cJSON_IsArray(list));
		cJSON_Delete(list);
		test_resp_free(&r);
		free(path);
		free(q);
		free(token);
	}
	t0 = now_s();
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	assert_true(now_s() - t0 < 2.5);   /* the drain waits 5 s when a request state leaked */
	test_server_free(&srv);
}

/* Sends method path with body and token; asserts the status, returns the parsed body (may be NULL). */
static cJSON *call(const struct test_server *srv, const char *method, const char *path, const char *token,
		   const char *body, long want)
{
	struct test_resp r;
	cJSON *j;

	assert_int_equal(test_http(srv, method, path, token, body, NULL, &r), 0);
	if (r.status != want)
		fail_msg("%s %s %s: got %ld, want %ld: %s", method, path, body ? body : "", r.status, want, r.body);
	j = test_resp_json(&r);
	test_resp_free(&r);
	return j;
}

/* Asserts a 400 invalid_field naming field (NULL: any). */
static void want_invalid_field(const struct test_server *srv, const char *method, const char *path,
			       const char *token, const char *body, const char *field)
{
	cJSON *j = call(srv, method, path, token, body, 400);

	assert_non_null(j);
	assert_string_equal(test_json_str(j, "error"), "invalid_field");
	if (field != NULL) {
		assert_non_null(test_json_str(j, "field"));
		assert_string_equal(test_json_str(j, "field"), field);
	}
	cJSON_Delete(j);
}

/* Finding 5: NUL and control characters in any string are refused with 400
 * invalid_field naming the field, and nothing after them is silently lost. */
static void test_nul_and_controls(void **state)
{
	struct test_server srv;
	char email[128], *body, *token = NULL, *path, *wl_id;
	cJSON *j;

	(void)state;
	assert_int_equal(test_server_start(&srv, NULL), 0);
	test_unique_email(email, sizeof email, "nul");
	/* a 40-character password with a NUL at 9 must not become its first 8 */
	body = test_strf("{\"email\":\"%s\",\"password\":\"abcdefgh\\u0000ijklmnopqrstuvwxyz0123456789AB\",\"name\":\"N\"}", email);
	want_invalid_field(&srv, "POST", "/register", NULL, body, "password");
	free(body);
	assert_int_equal(test_login(&srv, email, "abcdefgh", &token, NULL), 401);
	assert_null(token);
	body = test_strf("{\"email\":\"%s\",\"password\":\"long enough pw\",\"name\":\"Ann\\u0000ie\"}", email);
	want_invalid_field(&srv, "POST", "/register", NULL, body, "name");
	free(body);
	want_invalid_field(&srv, "POST", "/register", NULL,
			   "{\"email\":\"x\\u0000@example.com\",\"password\":\"long enough pw\",\"name\":\"A\"}", "email");
	/* raw (unescaped) control bytes are refused the same way */
	want_invalid_field(&srv, "POST", "/register", NULL,
			   "{\"email\":\"y@example.com\",\"password\":\"long enough\x01pw\",\"name\":\"A\"}", "password");
	want_invalid_field(&srv, "POST", "/auth/get-token", NULL,
			   "{\"email\":\"y@example.com\",\"password\":\"long\\u0000enough\"}", "password");

	assert_int_equal(test_register_and_login(&srv, NULL, NULL, NULL, &token, NULL), 0);
	want_invalid_field(&srv, "POST", "/waitlists", token, "{\"name\":\"Patio\\u0000Bar\"}", "name");
	want_invalid_field(&srv, "POST", "/waitlists", token,
			   "{\"name\":\"Patio\",\"description\":\"\\u001b[2Jwiped\"}", "description");
	want_invalid_field(&srv, "POST", "/waitlists", token, "{\"name\":\"C1 \\u009b control\"}", "name");
	want_invalid_field(&srv, "POST", "/waitlists", token, "{\"name\":\"raw C1 \xc2\x85 control\"}", "name");
	/* an escaped backslash before u0000 is plain text, kept whole */
	j = call(&srv, "POST", "/waitlists", token, "{\"name\":\"a\\\\u0000b\"}", 201);
	assert_non_null(j);
	assert_string_equal(test_json_str(j, "name"), "a\\u0000b");
	wl_id = test_strf("%s", test_json_str(j, "id"));
	cJSON_Delete(j);
	path = test_strf("/waitlists/%s/waitees", wl_id);
	want_invalid_field(&srv, "POST", path, token,
			   "{\"name\":\"Kim\",\"partySize\":2,\"notifyIn\":10,\"notes\":\"window\\u0000 seat\"}", "notes");
	want_invalid_field(&srv, "POST", path, token,
			   "{\"name\":\"K\\u0000im\",\"partySize\":2,\"notifyIn\":10}", "name");
	/* newlines and tabs stay allowed in notes */
	j = call(&srv, "POST", path, token,
		 "{\"name\":\"Kim\",\"partySize\":2,\"notifyIn\":10,\"notes\":\"high chair\\n\\tnear window\"}", 201);
	assert_string_equal(test_json_str(j, "notes"), "high chair\n\tnear window");
	cJSON_Delete(j);
	/* UTF-8 whose continuation bytes lie in 0x80-0x9F (田 = e7 94 b0, Ł = c5 81) is text, not C1 controls */
	j = call(&srv, "POST", path, token, "{\"name\":\"山田太郎 Łukasz\",\"partySize\":2}", 201);
	assert_non_null(j);
	assert_string_equal(test_json_str(j, "name"), "山田太郎 Łukasz");
	cJSON_Delete(j);
	free(path);
	/* a %00 in the query is not silently dropped: the cursor is refused */
	j = call(&srv, "GET", "/waitlists?cursor=abc%00def", token, NULL, 400);
	assert_string_equal(test_json_str(j, "field"), "cursor");
	cJSON_Delete(j);
	free(wl_id);
	free(token);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
}

/* Sends a POST with an explicit Content-Type (NULL: none at all); returns the status. */
static long post_ct(const struct test_server *srv, const char *path, const char *token, const char *body,
		    const char *ct, char **error)
{
	struct test_resp r;
	char *h = ct ? test_strf("Content-Type: %s", ct) : test_strf("Content-Type:");
	const char *hdrs[] = { h, NULL };
	long st;
	cJSON *j;

	assert_int_equal(test_http(srv, "POST", path, token, body, hdrs, &r), 0);
	st = r.status;
	j = test_resp_json(&r);
	if (error != NULL)
		*error = test_strf("%s", j && test_json_str(j, "error") ? test_json_str(j, "error") : "");
	cJSON_Delete(j);
	test_resp_free(&r);
	free(h);
	return st;
}

/* Finding 10: two JSON values, or a value and junk, are 400 invalid_json;
 * a Content-Type other than JSON on a JSON route is 415. */
static void test_strict_json(void **state)
{
	struct test_server srv;
	char email[128], *b, *err = NULL, *token = NULL;
	const char *bad_tails[] = { "{\"x\":1}", " junk", "]", " 1", ",{}", "\"s\"" };
	const char *bad_types[] = { "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
				    "application/jsonx", "text/json", "application/xml" };
	size_t i;

	(void)state;
	assert_int_equal(test_server_start(&srv, NULL), 0);
	test_unique_email(email, sizeof email, "strict");
	for (i = 0; i < sizeof bad_tails / sizeof bad_tails[0]; i++) {
		b = test_strf("{\"email\":\"%s\",\"password\":\"long enough pw\",\"name\":\"A\"}%s", email, bad_tails[i]);
		assert_int_equal(post_ct(&srv, "/register", NULL, b, "application/json", &err), 400);
		assert_string_equal(err, "invalid_json");
		free(err);
		free(b);
	}
	for (i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++) {
		b = test_strf("{\"email\":\"%s\",\"password\":\"long enough pw\",\"name\":\"A\"}", email);
		assert_int_equal(post_ct(&srv, "/register", NULL, b, bad_types[i], &err), 415);
		assert_string_equal(err, "unsupported_media_type");
		free(err);
		free(b);
	}
	/* nothing was created by the refused bodies: the first good one is 201 */
	b = test_strf("{\"email\":\"%s\",\"password\":\"long enough pw\",\"name\":\"A\"} \r\n\t", email);
	assert_int_equal(post_ct(&srv, "/register", NULL, b, "application/json; charset=utf-8", NULL), 201);
	free(b);
	b = test_strf("{\"email\":\"%s\",\"password\":\"long enough pw\"}", email);
	assert_int_equal(post_ct(&srv, "/auth/get-token", NULL, b, "text/plain", &err), 415);
	free(err);
	assert_int_equal(post_ct(&srv, "/auth/get-token", NULL, b, "APPLICATION/JSON", NULL), 200);
	free(b);
	assert_int_equal(test_login(&srv, email, "long enough pw", &token, NULL), 200);
	assert_int_equal(post_ct(&srv, "/waitlists", token, "{\"name\":\"A\"}{\"name\":\"B\"}", "application/json", &err), 400);
	assert_string_equal(err, "invalid_json");
	free(err);
	assert_int_equal(post_ct(&srv, "/waitlists", token, "{\"name\":\"A\"}", "text/plain", &err), 415);
	free(err);
	assert_int_equal(post_ct(&srv, "/waitlists", token, "{\"name\":\"A\"}", "application/vnd.maitre+json", NULL), 201);
	free(token);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
}

#define SLOW_CONNS 2000   /* slow connections from 127.0.0.1 */

/* Opens a non-blocking TCP connection from `from` (NULL: any) to 127.0.0.1:port; fd or -1. */
static int open_from(const char *from, int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (from != NULL) {
		memset(&a, 0, sizeof a);
		a.sin_family = AF_INET;
		inet_pton(AF_INET, from, &a.sin_addr);
		if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
			close(fd);
			return -1;
		}
	}
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Waits until fd is writable (connected), at most ms. 1 when it is. */
static int wait_out(int fd, int ms)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	int err = 0;
	socklen_t l = sizeof err;

	if (poll(&p, 1, ms) != 1)
		return 0;
	return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err == 0;
}

/* Sends a whole GET /healthz from `from` and reads the answer for at most
 * 3 s: returns the HTTP status (0 when the server closed or said nothing),
 * *secs the time taken. */
static int healthz_from(const char *from, int port, double *secs)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	double t0 = now_s();
	char buf[512];
	size_t len = 0;
	int fd = open_from(from, port), status = 0;

	assert_true(fd >= 0);
	if (wait_out(fd, 3000) && send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof req - 1)) {
		while (len < sizeof buf - 1 && now_s() - t0 < 3.0) {
			struct pollfd p = { fd, POLLIN, 0 };
			ssize_t n;

			if (poll(&p, 1, 100) != 1)
				continue;
			n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
			if (n <= 0)
				break;
			len += (size_t)n;
			buf[len] = '\0';
			if (strstr(buf, "\r\n\r\n") != NULL)
				break;
		}
	}
	buf[len] = '\0';
	if (strncmp(buf, "HTTP/1.1 ", 9) == 0)
		status = atoi(buf + 9);
	*secs = now_s() - t0;
	close(fd);
	return status;
}

/* Finding 2: with 2,000 slow connections open from 127.0.0.1 (a request
 * line and one header, then nothing), a client on 127.0.0.2 is answered
 * within 1 s, and more connections from 127.0.0.1 are closed at once
 * instead of hanging. */
static void test_slowloris(void **state)
{
	static const char part[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n";
	static const char *const args[] = { "--max-connections-per-address", "64", NULL };
	struct test_server_opts o = { .args = args };
	struct test_server srv;
	struct rlimit rl;
	int *fds = calloc(SLOW_CONNS, sizeof(int)), i, opened = 0;
	double secs;

	(void)state;
	assert_non_null(fds);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < SLOW_CONNS + 200 && rl.rlim_max >= SLOW_CONNS + 200) {
		rl.rlim_cur = rl.rlim_max;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	assert_true(rl.rlim_cur >= SLOW_CONNS + 200);
	assert_int_equal(test_server_start(&srv, &o), 0);
	for (i = 0; i < SLOW_CONNS; i++) {
		fds[i] = open_from(NULL, srv.port);
		assert_true(fds[i] >= 0);
	}
	for (i = 0; i < SLOW_CONNS; i++)
		if (wait_out(fds[i], 200) && send(fds[i], part, sizeof part - 1, MSG_NOSIGNAL) > 0)
			opened++;
	fprintf(stderr, "%d of %d slow connections sent their first header line\n", opened, SLOW_CONNS);
	assert_true(opened >= SLOW_CONNS / 2);
	usleep(300 * 1000);   /* let the server see them all */
	for (i = 0; i < 3; i++) {
		assert_int_equal(healthz_from("127.0.0.2", srv.port, &secs), 200);
		fprintf(stderr, "127.0.0.2 answered in %.3f s\n", secs);
		assert_true(secs < 1.0);
	}
	/* the same address over its limit: closed at once, not left hanging */
	assert_int_equal(healthz_from("127.0.0.1", srv.port, &secs), 0);
	fprintf(stderr, "127.0.0.1 over its limit: closed after %.3f s\n", secs);
	assert_true(secs < 1.0);
	for (i = 0; i < SLOW_CONNS; i++)
		close(fds[i]);
	free(fds);
	usleep(200 * 1000);
	assert_int_equal(healthz_from("127.0.0.1", srv.port, &secs), 200);   /* its slots are back */
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
}

/* Finding 2: a request whose headers stall is closed after the request
 * timeout (not the 60 s idle time); an idle keep-alive one is not. */
static void test_header_timeout(void **state)
{
	static const char part[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n";
	static const char *const args[] = { "--request-timeout-seconds", "1", NULL };
	struct test_server_opts o = { .args = args };
	struct test_server srv;
	char buf[64];
	double t0;
	int fd;
	ssize_t n;

	(void)state;
	assert_int_equal(test_server_start(&srv, &o), 0);
	fd = open_from(NULL, srv.port);
	assert_true(wait_out(fd, 2000));
	assert_int_equal(send(fd, part, sizeof part - 1, MSG_NOSIGNAL), (ssize_t)(sizeof part - 1));
	t0 = now_s();
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };

		assert_true(now_s() - t0 < 5.0);
		if (poll(&p, 1, 100) != 1)
			continue;
		n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			break;
	}
	fprintf(stderr, "stalled request closed after %.3f s\n", now_s() - t0);
	assert_true(now_s() - t0 < 3.0);
	close(fd);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
}

/* Finding 8 over HTTP: with one text per party per hour, the party's
 * "joined" text uses it; "notify now" then answers 429 sending_limit with
 * the limit in the message and a Retry-After, and sends nothing. */
static void test_sms_sending_limit(void **state)
{
	static const char *const env[] = { "MAITRE_SMS_PER_PARTY_HOUR=1", NULL };
	static const char *const args[] = { "--tick-seconds", "1", NULL };
	struct test_server_opts o = { .env = env, .args = args };
	struct test_server srv;
	char *token = NULL, *path, *wl, *id, *wpath;
	struct test_resp r;
	cJSON *j;
	int i, count = 0;

	(void)state;
	assert_int_equal(test_server_start(&srv, &o), 0);
	assert_int_equal(test_register_and_login(&srv, NULL, NULL, NULL, &token, NULL), 0);
	j = call(&srv, "POST", "/waitlists", token, "{\"name\":\"Main\"}", 201);
	wl = test_strf("%s", test_json_str(j, "id"));
	cJSON_Delete(j);
	path = test_strf("/waitlists/%s/waitees", wl);
	j = call(&srv, "POST", path, token,
		 "{\"name\":\"Kim\",\"partySize\":2,\"notifyIn\":30,\"phoneNumber\":\"+15551230042\"}", 201);
	id = test_strf("%s", test_json_str(j, "id"));
	cJSON_Delete(j);
	wpath = test_strf("%s/%s", path, id);
	for (i = 0; i < 100 && count == 0; i++) {   /* the joined text goes out */
		j = call(&srv, "GET", wpath, token, NULL, 200);
		count = (int)test_json_num(j, "notifyCount", 0);
		cJSON_Delete(j);
		if (count == 0)
			usleep(50 * 1000);
	}
	assert_int_equal(count, 1);
	free(wpath);
	wpath = test_strf("%s/%s/notify", path, id);
	assert_int_equal(test_http(&srv, "POST", wpath, token, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 429);
	assert_non_null(strstr(r.body, "sending_limit"));
	assert_non_null(strstr(r.body, "at most 1 texts per party per hour"));
	assert_non_null(test_resp_header(&r, "retry-after"));
	assert_true(atol(test_resp_header(&r, "retry-after")) > 3000);
	test_resp_free(&r);
	free(wpath);
	wpath = test_strf("%s/%s", path, id);
	usleep(300 * 1000);
	j = call(&srv, "GET", wpath, token, NULL, 200);
	assert_int_equal((int)test_json_num(j, "notifyCount", 0), 1);
	cJSON_Delete(j);
	free(wpath);
	free(id);
	free(path);
	free(wl);
	free(token);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_query_params),
		cmocka_unit_test(test_nul_and_controls),
		cmocka_unit_test(test_strict_json),
		cmocka_unit_test(test_slowloris),
		cmocka_unit_test(test_header_timeout),
		cmocka_unit_test(test_sms_sending_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
