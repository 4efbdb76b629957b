/* Issue 13, the findings about limits (login, register, SMS), driven over
 * HTTP against a real maitred. Built twice: on SQLite (api suite) and on
 * DynamoDB through dynalite (tests/aws, MAITRE_TEST_STORE_URL), so every
 * limit is proven on both stores. Each test failed before its fix. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <cmocka.h>
#include "harness.h"

#define BURST 60   /* parallel attempts in a burst */

/* One login attempt of a burst. */
struct burst_arg {
	const struct test_server *srv;   /* server */
	const char *body;                /* login body */
	pthread_barrier_t *go;           /* all threads start together */
	long status;                     /* answer status, 0 on transport failure */
};

/* Thread: waits for the others, then logs in once. */
static void *burst_one(void *p)
{
	struct burst_arg *a = p;
	struct test_resp r;

	pthread_barrier_wait(a->go);
	if (test_http(a->srv, "POST", "/auth/get-token", NULL, a->body, NULL, &r) == 0)
		a->status = r.status;
	test_resp_free(&r);
	return NULL;
}

/* Sends BURST logins with body at once; counts answers with status want.
 * *other counts answers that are neither want nor 429: a 200 or another 4xx
 * fails the test at once; a 503 (store busy) or no answer (the client's
 * 30 s timeout, seen under the sanitizer build on a loaded machine) only
 * counts, as neither is a password check. */
static int burst(const struct test_server *srv, const char *body, long want, int *other)
{
	pthread_t th[BURST];
	struct burst_arg a[BURST];
	pthread_barrier_t go;
	int i, n = 0;

	*other = 0;
	pthread_barrier_init(&go, NULL, BURST);
	for (i = 0; i < BURST; i++) {
		a[i] = (struct burst_arg){ srv, body, &go, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, burst_one, &a[i]), 0);
	}
	for (i = 0; i < BURST; i++) {
		pthread_join(th[i], NULL);
		if (a[i].status == want)
			n++;
		else if (a[i].status != 429) {
			fprintf(stderr, "burst: an answer with status %ld\n", a[i].status);
			assert_true(a[i].status == 0 || a[i].status == 503);
			(*other)++;
		}
	}
	pthread_barrier_destroy(&go);
	return n;
}

/* Finding 3: a burst of 60 wrong passwords at once gets at most 5 real
 * checks (401s), the rest 429, for an account and for an unknown e-mail. */
static void test_login_burst(void **state)
{
	struct test_server srv;
	char email[128], *body, *token = NULL;
	int n401, other;

	(void)state;
	assert_int_equal(test_server_start(&srv, NULL), 0);
	test_unique_email(email, sizeof email, "burst");
	/* registered, never logged in: this address is a stranger's to the
	 * account (an address that logged in before gets a progressive delay
	 * instead, test_targeted_lockout) */
	body = test_strf("{\"email\":\"%s\",\"password\":\"the right password\",\"name\":\"Burst\"}", email);
	{
		struct test_resp r;

		assert_int_equal(test_http(&srv, "POST", "/register", NULL, body, NULL, &r), 0);
		assert_int_equal(r.status, 201);
		test_resp_free(&r);
	}
	free(body);
	body = test_strf("{\"email\":\"%s\",\"password\":\"a wrong password\"}", email);
	n401 = burst(&srv, body, 401, &other);
	fprintf(stderr, "account: %d of %d answered 401 (checked), %d neither 401 nor 429\n", n401, BURST, other);
	assert_true(n401 >= 1);
	assert_true(n401 <= 5);
	assert_true(other <= BURST / 10);
	free(body);
	/* the account is now throttled for this address: the right password gets 429 */
	assert_int_equal(test_login(&srv, email, "the right password", &token, NULL), 429);

	test_unique_email(email, sizeof email, "burst-unknown");
	body = test_strf("{\"email\":\"%s\",\"password\":\"a wrong password\"}", email);
	n401 = burst(&srv, body, 401, &other);
	fprintf(stderr, "unknown e-mail: %d of %d answered 401, %d neither 401 nor 429\n", n401, BURST, other);
	assert_true(n401 >= 1);
	assert_true(n401 <= 5);
	assert_true(other <= BURST / 10);
	free(body);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
}

#define HOOK_SECRET "hook-secret-for-api-tests-0123456"

/* Creates a waitlist (returns its id, malloc'd). */
static char *make_list(const struct test_server *srv, const char *token)
{
	struct test_resp r;
	cJSON *j;
	char *id;

	assert_int_equal(test_http(srv, "POST", "/waitlists", token, "{\"name\":\"Main\"}", NULL, &r), 0);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	id = test_strf("%s", test_json_str(j, "id"));
	cJSON_Delete(j);
	test_resp_free(&r);
	return id;
}

/* Adds a party with phone to list; returns the HTTP status. */
static long add_party(const struct test_server *srv, const char *token, const char *list, const char *phone)
{
	struct test_resp r;
	char *path = test_strf("/waitlists/%s/waitees", list);
	char *body = test_strf("{\"name\":\"Guest\",\"partySize\":2,\"notifyIn\":30,\"phoneNumber\":\"%s\"}", phone);
	long st;

	assert_int_equal(test_http(srv, "POST", path, token, body, NULL, &r), 0);
	st = r.status;
	test_resp_free(&r);
	free(body);
	free(path);
	return st;
}

/* Posts a form to the SMS hook with the shared secret; returns the status. */
static long post_hook(const struct test_server *srv, const char *form)
{
	static const char *const hdrs[] = { "Content-Type: application/x-www-form-urlencoded",
					    "X-Maitre-Hook-Secret: " HOOK_SECRET, NULL };
	struct test_resp r;
	long st;

	assert_int_equal(test_http(srv, "POST", "/hooks/sms", NULL, form, hdrs, &r), 0);
	st = r.status;
	test_resp_free(&r);
	return st;
}

/* Finding 7 end to end (both stores): a MessageSid seen before is 409. */
static void test_hook_replay(void **state)
{
	static const char *const env[] = { "MAITRE_SMS_HOOK_SECRET=" HOOK_SECRET, NULL };
	struct test_server_opts o = { .env = env };
	struct test_server srv;
	char *token = NULL, *list;

	(void)state;
	assert_int_equal(test_server_start(&srv, &o), 0);
	assert_int_equal(test_register_and_login(&srv, NULL, NULL, NULL, &token, NULL), 0);
	list = make_list(&srv, token);
	assert_int_equal(add_party(&srv, token, list, "+15551239901"), 201);
	assert_int_equal(post_hook(&srv, "MessageSid=SMaaaa0001&From=%2B15551239901&Body=running+late"), 200);
	assert_int_equal(post_hook(&srv, "MessageSid=SMaaaa0001&From=%2B15551239901&Body=running+late"), 409);
	assert_int_equal(post_hook(&srv, "MessageSid=SMaaaa0002&From=%2B15551239901&Body=1"), 200);
	free(list);
	free(token);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
}

/* POSTs a JSON body to path over a plain socket bound to address `from`
 * (another loopback address than curl's); returns the status, and the
 * Retry-After header's value in *retry (-1 when none). */
static int post_from(const struct test_server *srv, const char *from, const char *path, const char *body,
		     long *retry)
{
	struct sockaddr_in a;
	struct timeval tv = { 10, 0 };
	char *req = test_strf("POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
			      "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", path, strlen(body), body);
	char buf[4096], *ra;
	size_t len = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;

	assert_true(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, from, &a.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	a.sin_port = htons((uint16_t)srv->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);

		if (n <= 0)
			break;
		len += (size_t)n;
		if (len >= sizeof buf - 1)
			break;
	}
	buf[len] = '\0';
	close(fd);
	free(req);
	if (strncmp(buf, "HTTP/1.1 ", 9) == 0)
		status = (int)strtol(buf + 9, NULL, 10);
	*retry = -1;
	ra = strcasestr(buf, "\r\nretry-after:");
	if (ra != NULL)
		*retry = strtol(ra + 15, NULL, 10);
	return status;
}

/* Logs in from `from`; returns the status (retry as post_from). */
static int login_from(const struct test_server *srv, const char *from, const char *email, const char *pw, long *retry)
{
	char *body = test_strf("{\"email\":\"%s\",\"password\":\"%s\"}", email, pw);
	int st = post_from(srv, from, "/auth/get-token", body, retry);

	free(body);
	return st;
}

/* Finding 4: five wrong passwords from a stranger's address no longer lock
 * the owner out: the owner's address (it logged in before) still gets in;
 * there, failures slow down (1 s, 2 s, ...) instead of locking; the
 * stranger's address is locked for the account, and after 20 failures for
 * every account. */
static void test_targeted_lockout(void **state)
{
	struct test_server srv;
	char email[128], ghost[128];
	long retry;
	int i, st;

	(void)state;
	assert_int_equal(test_server_start(&srv, NULL), 0);
	test_unique_email(email, sizeof email, "owner");
	{
		char *token = NULL;

		assert_int_equal(test_register_and_login(&srv, email, "the right password", NULL, &token, NULL), 0);
		free(token);
	}
	/* the owner's device logged in from 127.0.0.4 once */
	assert_int_equal(login_from(&srv, "127.0.0.4", email, "the right password", &retry), 200);
	/* an attacker on 127.0.0.2: five wrong passwords, then locked there */
	for (i = 0; i < 5; i++)
		assert_int_equal(login_from(&srv, "127.0.0.2", email, "guess guess", &retry), 401);
	assert_int_equal(login_from(&srv, "127.0.0.2", email, "the right password", &retry), 429);
	assert_true(retry > 800 && retry <= 900);
	/* the owner is not locked out */
	assert_int_equal(login_from(&srv, "127.0.0.4", email, "the right password", &retry), 200);
	/* the attacker again: still locked (the owner's login did not reopen it for them) */
	for (i = 0; i < 5; i++) {
		st = login_from(&srv, "127.0.0.2", email, "guess guess", &retry);
		assert_true(st == 401 || st == 429);
	}
	assert_int_equal(login_from(&srv, "127.0.0.2", email, "guess guess", &retry), 429);

	/* the owner's address mistyping: five checks, then a short, growing delay */
	for (i = 0; i < 5; i++)
		assert_int_equal(login_from(&srv, "127.0.0.4", email, "typo typo", &retry), 401);
	assert_int_equal(login_from(&srv, "127.0.0.4", email, "the right password", &retry), 429);
	assert_true(retry >= 1 && retry <= 2);
	sleep((unsigned)retry);
	assert_int_equal(login_from(&srv, "127.0.0.4", email, "typo typo", &retry), 401);
	assert_int_equal(login_from(&srv, "127.0.0.4", email, "the right password", &retry), 429);
	assert_true(retry >= 1 && retry <= 2);   /* 2 s after the 6th failure */
	sleep((unsigned)retry);
	assert_int_equal(login_from(&srv, "127.0.0.4", email, "the right password", &retry), 200);
	/* success reset the delay */
	assert_int_equal(login_from(&srv, "127.0.0.4", email, "typo typo", &retry), 401);

	/* per address, across accounts: 20 failures from 127.0.0.3, then 429 for any e-mail */
	for (i = 0; i < 20; i++) {
		test_unique_email(ghost, sizeof ghost, "spray");
		assert_int_equal(login_from(&srv, "127.0.0.3", ghost, "guess guess", &retry), 401);
	}
	test_unique_email(ghost, sizeof ghost, "spray");
	assert_int_equal(login_from(&srv, "127.0.0.3", ghost, "guess guess", &retry), 429);
	assert_true(retry > 800 && retry <= 900);
	assert_int_equal(login_from(&srv, "127.0.0.3", email, "the right password", &retry), 429);
	/* another address is not affected */
	assert_int_equal(login_from(&srv, "127.0.0.5", ghost, "guess guess", &retry), 401);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
}

/* Registers email from `from`; returns the status (retry as post_from). */
static int register_from(const struct test_server *srv, const char *from, const char *email, long *retry)
{
	char *body = test_strf("{\"email\":\"%s\",\"password\":\"long enough pw\",\"name\":\"R\"}", email);
	int st = post_from(srv, from, "/register", body, retry);

	free(body);
	return st;
}

/* Finding 9: registrations are limited per address (configurable, here 3
 * an hour), an existing e-mail's 409 included, so /register cannot be used
 * to test e-mails in bulk; another address is unaffected and registering
 * stays usable. */
static void test_register_limit(void **state)
{
	static const char *const env[] = { "MAITRE_REGISTER_PER_ADDRESS_HOUR=3", NULL };
	struct test_server_opts o = { .env = env };
	struct test_server srv;
	char e1[128], e2[128], e3[128];
	long retry;

	(void)state;
	assert_int_equal(test_server_start(&srv, &o), 0);
	test_unique_email(e1, sizeof e1, "reg");
	test_unique_email(e2, sizeof e2, "reg");
	test_unique_email(e3, sizeof e3, "reg");
	assert_int_equal(register_from(&srv, "127.0.0.6", e1, &retry), 201);
	assert_int_equal(register_from(&srv, "127.0.0.6", e1, &retry), 409);   /* counts too */
	assert_int_equal(register_from(&srv, "127.0.0.6", e2, &retry), 201);
	assert_int_equal(register_from(&srv, "127.0.0.6", e3, &retry), 429);
	assert_true(retry > 3500 && retry <= 3600);
	assert_int_equal(register_from(&srv, "127.0.0.6", e1, &retry), 429);   /* no more probing */
	assert_int_equal(register_from(&srv, "127.0.0.7", e3, &retry), 201);
	assert_int_equal(login_from(&srv, "127.0.0.7", e3, "long enough pw", &retry), 200);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_burst),
		cmocka_unit_test(test_hook_replay),
		cmocka_unit_test(test_targeted_lockout),
		cmocka_unit_test(test_register_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
