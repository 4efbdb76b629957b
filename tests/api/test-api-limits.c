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

/* Sends BURST logins with body at once; counts answers with status want. */
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
		else if (a[i].status != 429)
			(*other)++;
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
	assert_int_equal(test_register_and_login(&srv, email, "the right password", NULL, &token, NULL), 0);
	free(token);
	body = test_strf("{\"email\":\"%s\",\"password\":\"a wrong password\"}", email);
	n401 = burst(&srv, body, 401, &other);
	fprintf(stderr, "account: %d of %d answered 401 (checked), %d neither 401 nor 429\n", n401, BURST, other);
	assert_true(n401 >= 1);
	assert_true(n401 <= 5);
	assert_int_equal(other, 0);
	free(body);
	/* the account is now throttled for this address: the right password gets 429 */
	assert_int_equal(test_login(&srv, email, "the right password", &token, NULL), 429);

	test_unique_email(email, sizeof email, "burst-unknown");
	body = test_strf("{\"email\":\"%s\",\"password\":\"a wrong password\"}", email);
	n401 = burst(&srv, body, 401, &other);
	fprintf(stderr, "unknown e-mail: %d of %d answered 401, %d neither 401 nor 429\n", n401, BURST, other);
	assert_true(n401 >= 1);
	assert_true(n401 <= 5);
	assert_int_equal(other, 0);
	free(body);
	assert_int_equal(test_server_stop(&srv, 10000), 0);
	test_server_free(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
