/* libmaitre-client when the network misbehaves: maitred stopped mid-run and
 * started again, a server that accepts and never answers, API Gateway's 401
 * and 403 answers (a small stand-in that answers like the gateway and checks
 * what it receives), and the non-blocking interface driving 100 requests at
 * once from the caller's own poll() loop. */
#define _GNU_SOURCE 1   /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static struct test_server srv;   /* maitred under test */

/* Starts maitred. */
static int setup(void **state)
{
	(void)state;
	if (mtc_global_init() != MTC_OK)
		return -1;
	return tc_start(&srv, NULL);
}

/* Stops it. */
static int teardown(void **state)
{
	(void)state;
	test_server_free(&srv);
	mtc_global_cleanup();
	return 0;
}

/* maitred stopped mid-run: a network error with curl's reason; back when it is back. */
static void test_server_stopped(void **state)
{
	(void)state;
	struct test_server own;
	assert_int_equal(tc_start(&own, NULL), 0);
	struct mtc_client *c = tc_owner(&own, NULL, 0);
	struct mtc_status st;
	struct mtc_waitlist wl = { 0 };
	tc_waitlist(c, "Dining room", &wl);
	assert_int_equal(test_server_stop(&own, 0), 0);
	int64_t t0 = (int64_t)time(NULL);
	assert_int_equal(mtc_get_waitlist(c, wl.id, NULL, &st), MTC_ERR_NETWORK);
	assert_int_equal(st.http_status, 0);
	assert_true(strlen(st.message) > 0);
	assert_true((int64_t)time(NULL) - t0 < 5);
	/* a create while down fails too, and the session survives */
	struct mtc_waitee_input in = { .set = MTC_SET_NAME, .name = "Lee" };
	assert_int_equal(mtc_create_waitee(c, wl.id, &in, NULL, NULL, &st), MTC_ERR_NETWORK);
	assert_int_equal(mtc_client_has_session(c), 1);
	assert_int_equal(test_server_restart(&own), 0);
	struct mtc_waitlist g = { 0 };
	assert_int_equal(mtc_get_waitlist(c, wl.id, &g, &st), MTC_OK);
	assert_string_equal(g.name, "Dining room");
	mtc_waitlist_clear(&g);
	mtc_waitlist_clear(&wl);
	mtc_client_free(c);
	test_server_free(&own);
}

/* A server that accepts and never answers: timed out after the total timeout. */
static void test_stalling_server(void **state)
{
	(void)state;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s, 16), 0);
	socklen_t al = sizeof a;
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
	struct mtc_client *c = NULL;
	struct mtc_status st;
	assert_int_equal(mtc_client_new(url, &c, &st), MTC_OK);
	assert_int_equal(mtc_client_set_timeouts(c, 1000, 700), MTC_OK);
	int64_t t0 = mtc_timeout_ms(c); /* nothing in flight: no limit */
	assert_int_equal(t0, -1);
	struct timespec b, e;
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(mtc_healthz(c, &st), MTC_ERR_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &e);
	double secs = (double)(e.tv_sec - b.tv_sec) + (double)(e.tv_nsec - b.tv_nsec) / 1e9;
	assert_true(secs >= 0.6);
	assert_true(secs < 3.0);     /* no retry of a timeout, no hang */
	assert_int_equal(st.http_status, 0);
	/* the same through the non-blocking interface: the caller's loop keeps running */
	struct mtc_request req = { .op = MTC_OP_HEALTHZ };
	uint64_t id = 0;
	assert_int_equal(mtc_start(c, &req, NULL, NULL, &id), MTC_OK);
	assert_true(id != 0);
	assert_int_equal(mtc_pending(c), 1);
	int loops = 0;
	while (mtc_pending(c) > 0 && loops < 1000) {
		struct pollfd fds[8];
		size_t n = mtc_pollfds(c, fds, 8);
		int t = mtc_timeout_ms(c);
		assert_true(t >= 0 && t <= 60000);
		poll(fds, n, t > 50 ? 50 : t); /* a 50 ms "UI tick" */
		assert_int_equal(mtc_process(c, fds, n), MTC_OK);
		loops++;
	}
	assert_int_equal(mtc_pending(c), 0);
	assert_true(loops >= 10);        /* the loop ticked while the server stalled */
	mtc_client_free(c);
	close(s);
}

/* ---- API Gateway stand-in ---- */

/* What the stand-in saw and answers. */
struct gateway {
	int listen_fd;           /* listening socket */
	int port;                /* its port */
	int stop;                /* 1: leave the loop */
	char seen[32][160];      /* "METHOD PATH AUTH [refresh=TOKEN]" per request */
	int n_seen;              /* number recorded */
};

/* Reads one HTTP request (headers + Content-Length body) from fd into buf. Length or -1. */
static ssize_t read_request(int fd, char *buf, size_t size)
{
	size_t len = 0;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (end == NULL)
			continue;
		const char *cl = strcasestr(buf, "\r\nContent-Length:");
		size_t want = cl != NULL ? (size_t)strtol(cl + 17, NULL, 10) : 0;
		if (len >= (size_t)(end + 4 - buf) + want)
			return (ssize_t)len;
	}
	return -1;
}

/* Answers like API Gateway with a Lambda authorizer: refused tokens get
 * 403 {"message":"Forbidden"}, "Bearer gw401" gets 401 {"message":"Unauthorized"},
 * "Bearer new" passes; POST /waitlists is denied by the handler (403 forbidden). */
static void *gateway_main(void *arg)
{
	struct gateway *g = arg;
	char req[8192];
	while (!g->stop) {
		int fd = accept(g->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		ssize_t n = read_request(fd, req, sizeof req);
		if (n < 0) {
			close(fd);
			continue;
		}
		char method[16] = "", path[128] = "", auth[64] = "-", rt[64] = "";
		sscanf(req, "%15s %127s", method, path);
		const char *a = strcasestr(req, "\r\nAuthorization: ");
		if (a != NULL)
			sscanf(a + 17, "%*s %63[^\r\n]", auth);
		const char *r = strstr(req, "\"refreshToken\":\"");
		if (r != NULL)
			sscanf(r + 16, "%63[^\"]", rt);
		if (g->n_seen < 32)
			snprintf(g->seen[g->n_seen++], sizeof g->seen[0], "%s %s %s%s%s", method, path, auth,
				 rt[0] ? " refresh=" : "", rt);
		int code;
		const char *body;
		if (strcmp(path, "/auth/refresh") == 0 && strcmp(rt, "refresh-1") == 0) {
			code = 200;
			body = "{\"accessToken\":\"Bearer new\",\"expiresIn\":900,\"refreshToken\":\"refresh-2\"}";
		} else if (strcmp(path, "/auth/refresh") == 0) {
			code = 401;
			body = "{\"error\":\"invalid_refresh_token\",\"message\":\"refresh token not valid\",\"field\":\"refreshToken\"}";
		} else if (strcmp(auth, "gw401") == 0) {
			code = 401;
			body = "{\"message\":\"Unauthorized\"}";
		} else if (strcmp(auth, "new") != 0) {
			code = 403;
			body = "{\"message\":\"Forbidden\"}";
		} else if (strcmp(method, "POST") == 0) {
			code = 403;
			body = "{\"error\":\"forbidden\",\"message\":\"only owners change waitlists\"}";
		} else if (strcmp(path, "/waitlists/01A/waitees/01B") == 0) {
			code = 200;   /* a server with self check-in (branch guest) */
			body = "{\"id\":\"01B\",\"waitlistId\":\"01A\",\"name\":\"Ana\",\"partySize\":2,\"status\":\"waiting\","
			       "\"version\":1,\"source\":\"self\",\"guestUrl\":\"https://m.example/g/abc\"}";
		} else if (strcmp(path, "/waitlists/01A/waitees/01C") == 0) {
			code = 200;   /* an unknown, longer source is not an error */
			body = "{\"id\":\"01C\",\"waitlistId\":\"01A\",\"name\":\"Bo\",\"partySize\":2,\"status\":\"waiting\","
			       "\"version\":1,\"source\":\"kiosk-terminal\",\"guestUrl\":null}";
		} else {
			code = 200;
			body = "[]";
		}
		char out[1024];
		int len = snprintf(out, sizeof out,
				   "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
				   "Connection: close\r\n\r\n%s", code, strlen(body), body);
		if (write(fd, out, (size_t)len) != len)
			fprintf(stderr, "gateway: short write\n");
		close(fd);
	}
	return NULL;
}

/* Gateway answers: 403 Forbidden and 401 are "token refused" (refresh + retry once);
 * our handlers' 403 forbidden is a role denial (no refresh). */
static void test_gateway_answers(void **state)
{
	(void)state;
	struct gateway g = { 0 };
	g.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(g.listen_fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(g.listen_fd, 16), 0);
	socklen_t al = sizeof a;
	assert_int_equal(getsockname(g.listen_fd, (struct sockaddr *)&a, &al), 0);
	g.port = ntohs(a.sin_port);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, gateway_main, &g), 0);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d", g.port);
	struct mtc_client *c = NULL;
	struct mtc_status st;
	assert_int_equal(mtc_client_new(url, &c, &st), MTC_OK);
	/* refused by the authorizer (403 {"message":"Forbidden"}): refresh, retry, success */
	assert_int_equal(mtc_client_set_tokens(c, "Bearer old", 900, "refresh-1"), MTC_OK);
	struct mtc_waitlist_list *l = NULL;
	assert_int_equal(mtc_list_waitlists(c, MTC_LIST_NO_CACHE, &l, NULL, &st), MTC_OK);
	assert_int_equal(l->n, 0);
	mtc_waitlist_list_unref(l);
	assert_int_equal(g.n_seen, 3);
	assert_string_equal(g.seen[0], "GET /waitlists old");
	assert_string_equal(g.seen[1], "POST /auth/refresh - refresh=refresh-1");
	assert_string_equal(g.seen[2], "GET /waitlists new");
	/* a role denial from the handler: FORBIDDEN, no refresh */
	struct mtc_waitlist_input in = { .set = MTC_SET_NAME, .name = "X" };
	assert_int_equal(mtc_create_waitlist(c, &in, NULL, NULL, &st), MTC_ERR_FORBIDDEN);
	assert_string_equal(st.error, "forbidden");
	assert_int_equal(g.n_seen, 4);
	assert_int_equal(mtc_client_has_session(c), 1);
	/* Waitee fields of newer servers: source and guestUrl */
	struct mtc_waitee w = { 0 };
	assert_int_equal(mtc_get_waitee(c, "01A", "01B", &w, &st), MTC_OK);
	assert_string_equal(w.source, "self");
	assert_string_equal(w.guest_url, "https://m.example/g/abc");
	char *js = mtc_waitee_to_json(&w);
	assert_non_null(strstr(js, "\"source\":\"self\""));
	free(js);
	mtc_waitee_clear(&w);
	assert_int_equal(mtc_get_waitee(c, "01A", "01C", &w, &st), MTC_OK);
	assert_string_equal(w.source, "");
	assert_null(w.guest_url);
	mtc_waitee_clear(&w);
	g.n_seen = 4;
	/* the gateway's 401 with a refresh token the server refuses: unauthorised, session over */
	assert_int_equal(mtc_client_set_tokens(c, "Bearer gw401", 900, "refresh-x"), MTC_OK);
	assert_int_equal(mtc_list_waitlists(c, MTC_LIST_NO_CACHE, NULL, NULL, &st), MTC_ERR_UNAUTHORIZED);
	assert_int_equal(g.n_seen, 6);
	assert_string_equal(g.seen[4], "GET /waitlists gw401");
	assert_string_equal(g.seen[5], "POST /auth/refresh - refresh=refresh-x");
	assert_int_equal(mtc_client_has_session(c), 0);
	mtc_client_free(c);
	g.stop = 1;
	int wake = socket(AF_INET, SOCK_STREAM, 0);
	connect(wake, (struct sockaddr *)&a, sizeof a);
	close(wake);
	pthread_join(th, NULL);
	close(g.listen_fd);
}

/* Completion state of the 100-request test. */
struct hundred {
	int done;              /* callbacks run */
	int ok;                /* of which succeeded */
	uint64_t ids[100];     /* ids seen */
};

/* Counts one completion. */
static void hundred_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct hundred *h = ud;
	if (h->done < 100)
		h->ids[h->done] = r->id;
	h->done++;
	if (r->status.code == MTC_OK && r->waitee != NULL && r->waitee->party_size >= 1)
		h->ok++;
	else
		fprintf(stderr, "request %llu: %s\n", (unsigned long long)r->id, r->status.message);
}

/* 100 creates at once from the caller's poll() loop, with its own fd beside the client's. */
static void test_hundred_at_once(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct mtc_waitlist wl = { 0 };
	tc_waitlist(c, "Busy night", &wl);
	struct hundred h = { 0 };
	char name[32];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "Guest %03d", i);
		struct mtc_waitee_input in = { .set = MTC_SET_NAME | MTC_SET_PARTY_SIZE, .name = name,
					       .party_size = 1 + i % 8 };
		struct mtc_request req = { .op = MTC_OP_CREATE_WAITEE, .waitlist_id = wl.id, .waitee = &in };
		assert_int_equal(mtc_start(c, &req, hundred_done, &h, NULL), MTC_OK);
	}
	assert_int_equal(mtc_pending(c), 100);
	int p[2];
	assert_int_equal(pipe(p), 0);   /* stands for the terminal */
	int max_fds = 0, loops = 0;
	struct timespec b, e;
	clock_gettime(CLOCK_MONOTONIC, &b);
	while (mtc_pending(c) > 0 && loops < 100000) {
		struct pollfd fds[256];
		size_t n = mtc_pollfds(c, fds, 255);
		assert_true(n <= 255);
		if ((int)n > max_fds)
			max_fds = (int)n;
		fds[n] = (struct pollfd){ .fd = p[0], .events = POLLIN };
		int t = mtc_timeout_ms(c);
		int r = poll(fds, n + 1, t < 0 || t > 1000 ? 1000 : t);
		assert_true(r >= 0 || errno == EINTR);
		assert_int_equal(fds[n].revents, 0);   /* nothing typed */
		assert_int_equal(mtc_process(c, fds, n), MTC_OK);
		loops++;
	}
	clock_gettime(CLOCK_MONOTONIC, &e);
	close(p[0]);
	close(p[1]);
	assert_int_equal(h.done, 100);
	assert_int_equal(h.ok, 100);
	assert_true(max_fds > 1);   /* several connections at once */
	for (int i = 0; i < 100; i++)
		for (int j = i + 1; j < 100; j++)
			assert_true(h.ids[i] != h.ids[j]);
	struct mtc_waitee_list *l = NULL;
	struct mtc_status st;
	assert_int_equal(mtc_list_waitees(c, wl.id, NULL, MTC_LIST_ALL, &l, NULL, &st), MTC_OK);
	assert_int_equal(l->n, 100);
	mtc_waitee_list_unref(l);
	fprintf(stderr, "100 creates in %.3f s over up to %d sockets\n",
		(double)(e.tv_sec - b.tv_sec) + (double)(e.tv_nsec - b.tv_nsec) / 1e9, max_fds);
	mtc_waitlist_clear(&wl);
	mtc_client_free(c);
}

/* Cancelling a call runs its callback with CANCELLED; freeing the client cancels the rest. */
static int cancelled;   /* callbacks seen with MTC_ERR_CANCELLED */

/* Counts cancellations. */
static void on_cancel(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	(void)ud;
	cancelled += r->status.code == MTC_ERR_CANCELLED;
}

static void test_cancel(void **state)
{
	(void)state;
	struct mtc_client *c = tc_owner(&srv, NULL, 0);
	struct mtc_request req = { .op = MTC_OP_LIST_WAITLISTS };
	uint64_t a = 0, b = 0;
	cancelled = 0;
	assert_int_equal(mtc_start(c, &req, on_cancel, NULL, &a), MTC_OK);
	assert_int_equal(mtc_start(c, &req, on_cancel, NULL, &b), MTC_OK);
	assert_int_equal(mtc_cancel(c, a), MTC_OK);
	assert_int_equal(cancelled, 1);
	assert_int_equal(mtc_cancel(c, a), MTC_ERR_INVALID_ARG);
	assert_int_equal(mtc_pending(c), 1);
	mtc_client_free(c);
	assert_int_equal(cancelled, 2);
	/* bad requests are refused at once */
	c = tc_client(&srv);
	struct mtc_request bad = { .op = MTC_OP_GET_WAITEE, .waitlist_id = "x" };
	assert_int_equal(mtc_start(c, &bad, on_cancel, NULL, NULL), MTC_ERR_INVALID_ARG);
	struct mtc_request nokey = { .op = MTC_OP_CREATE_WAITLIST, .idempotency_key = "has space" };
	struct mtc_waitlist_input in = { .set = MTC_SET_NAME, .name = "x" };
	nokey.waitlist = &in;
	assert_int_equal(mtc_start(c, &nokey, on_cancel, NULL, NULL), MTC_ERR_INVALID_ARG);
	/* no session: unauthorised without a request */
	struct mtc_status st;
	assert_int_equal(mtc_list_waitlists(c, 0, NULL, NULL, &st), MTC_ERR_UNAUTHORIZED);
	assert_int_equal(st.http_status, 0);
	mtc_client_free(c);
}

/* Makes a self-signed certificate for san in dir (name.pem, name.key): 0 or -1. */
static int make_cert(const char *dir, const char *name, const char *san)
{
	char *cmd = test_strf("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
			      "-subj /CN=maitre-test -addext subjectAltName=%s -keyout %s/%s.key -out %s/%s.pem "
			      ">/dev/null 2>&1", san, dir, name, dir, name);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

/* TLS: verification is on by default; a private CA file makes it pass; the name is checked. */
static void test_tls(void **state)
{
	(void)state;
	if (system("command -v openssl >/dev/null 2>&1") != 0)
		fail_msg("openssl is needed to make the test certificates (test.sh installs it)");
	char dir[300];
	snprintf(dir, sizeof dir, "%s/tls", srv.root);
	mkdir(dir, 0700);
	assert_int_equal(make_cert(dir, "good", "IP:127.0.0.1"), 0);
	assert_int_equal(make_cert(dir, "other", "IP:127.0.0.1"), 0);
	/* the server with the good certificate */
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		char *script = test_strf("%s/tests/client/tls-server.py", test_source_root());
		char *cert = test_strf("%s/good.pem", dir), *key = test_strf("%s/good.key", dir);
		execl("/usr/bin/python3", "python3", script, cert, key, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char line[64] = "";
	FILE *f = fdopen(p[0], "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	int port = 0;
	assert_int_equal(sscanf(line, "PORT %d", &port), 1);
	char url[64];
	snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
	struct mtc_client *c = NULL;
	struct mtc_status st;
	struct mtc_request req = { .op = MTC_OP_HEALTHZ };
	struct mtc_result r;
	assert_int_equal(mtc_client_new(url, &c, &st), MTC_OK);
	/* the system store does not know our CA: refused */
	assert_int_equal(mtc_healthz(c, &st), MTC_ERR_NETWORK);
	assert_non_null(strstr(st.message, "certificate"));
	/* another CA: refused */
	char *other = test_strf("%s/other.pem", dir), *good = test_strf("%s/good.pem", dir);
	assert_int_equal(mtc_client_set_ca_file(c, other), MTC_OK);
	assert_int_equal(mtc_healthz(c, &st), MTC_ERR_NETWORK);
	/* the private CA: accepted */
	assert_int_equal(mtc_client_set_ca_file(c, good), MTC_OK);
	assert_int_equal(mtc_call(c, &req, &r), MTC_OK);
	assert_string_equal(r.store, "tls-test");
	mtc_result_clear(&r);
	mtc_client_free(c);
	/* the right CA but another name than the certificate's: refused */
	snprintf(url, sizeof url, "https://localhost:%d", port);
	assert_int_equal(mtc_client_new(url, &c, &st), MTC_OK);
	assert_int_equal(mtc_client_set_ca_file(c, good), MTC_OK);
	assert_int_equal(mtc_healthz(c, &st), MTC_ERR_NETWORK);
	mtc_client_free(c);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	fclose(f);
	free(other);
	free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_stopped),
		cmocka_unit_test(test_stalling_server),
		cmocka_unit_test(test_gateway_answers),
		cmocka_unit_test(test_hundred_at_once),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_tls),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
