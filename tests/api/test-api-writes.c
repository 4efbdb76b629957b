/* Writes under load through maitred's write pool (issue 13, write
 * throughput): 16 clients add parties as fast as they can; maitred is
 * killed with SIGKILL (or stopped with SIGTERM) in the middle; after a
 * restart on the same data directory every party that was answered 201 is
 * in the list, with the id and position it was answered with. Run with the
 * write pool (default) and without it (--write-threads 0). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

#define W_CLIENTS 16          /* concurrent clients */
#define W_MAX 4000            /* answers kept per client */

/* One client: adds parties until the server stops answering. */
struct w_client {
	const struct test_server *srv;  /* the server */
	const char *token;              /* bearer token */
	const char *list;               /* waitlist id */
	int num;                        /* client number */
	int n;                          /* parties answered 201 */
	char (*ids)[32];                /* their ids */
	int other;                      /* answers neither 201 nor a transport failure (must stay 0) */
	volatile int *stop;             /* set by the test when done */
};

/* Client thread: POSTs new parties; records each 201's id. */
static void *w_client_main(void *arg)
{
	struct w_client *c = arg;
	char path[96], body[256];
	int seq = 0;

	snprintf(path, sizeof path, "/waitlists/%s/waitees", c->list);
	while (!*c->stop && c->n < W_MAX) {
		struct test_resp r;
		cJSON *j;
		const char *id;

		seq++;
		snprintf(body, sizeof body,
			 "{\"name\":\"Client %d party %d\",\"partySize\":%d,\"phoneNumber\":\"+1415%03d%04d\",\"notifyIn\":45}",
			 c->num, seq, seq % 6 + 1, 200 + c->num, seq % 10000);
		if (test_http(c->srv, "POST", path, c->token, body, NULL, &r) != 0 || r.status == 0) {
			test_resp_free(&r);
			break;   /* the server is gone */
		}
		if (r.status != 201) {
			c->other++;
			fprintf(stderr, "client %d: %ld %s\n", c->num, r.status, r.body);
			test_resp_free(&r);
			break;
		}
		j = test_resp_json(&r);
		id = j ? test_json_str(j, "id") : NULL;
		if (id != NULL && strlen(id) < sizeof c->ids[0])
			snprintf(c->ids[c->n++], sizeof c->ids[0], "%s", id);
		else
			c->other++;
		cJSON_Delete(j);
		test_resp_free(&r);
	}
	return NULL;
}

/* Every id of the list (following X-Next-Cursor); *n gets the count. */
static char (*w_list_all(const struct test_server *srv, const char *token, const char *list, int *n))[32]
{
	char (*ids)[32] = calloc(W_CLIENTS * W_MAX + 16, sizeof *ids);
	char path[512];
	char cursor[256] = "";

	assert_non_null(ids);
	*n = 0;
	for (;;) {
		struct test_resp r;
		cJSON *arr, *it;
		const char *next;

		snprintf(path, sizeof path, "/waitlists/%s/waitees?limit=500%s%s", list, cursor[0] ? "&cursor=" : "",
			 cursor);
		assert_int_equal(test_http(srv, "GET", path, token, NULL, NULL, &r), 0);
		assert_int_equal(r.status, 200);
		arr = test_resp_json(&r);
		assert_non_null(arr);
		cJSON_ArrayForEach(it, arr) {
			const char *id = test_json_str(it, "id");

			assert_non_null(id);
			assert_true(*n < W_CLIENTS * W_MAX + 16);
			snprintf(ids[(*n)++], sizeof ids[0], "%s", id);
		}
		cJSON_Delete(arr);
		next = test_resp_header(&r, "x-next-cursor");
		if (next == NULL || *next == '\0') {
			test_resp_free(&r);
			break;
		}
		assert_true(strlen(next) < sizeof cursor);
		snprintf(cursor, sizeof cursor, "%s", next);
		test_resp_free(&r);
	}
	return ids;
}

/* Compares ids for qsort/bsearch. */
static int w_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Adds under load, stops maitred with sig after ~1.5 s, restarts it and
 * checks every acknowledged party is stored. */
static void w_run(const char *const *args, int sig)
{
	struct test_server srv;
	struct test_server_opts o;
	static const char *const env[] = { "MAITRE_SMS_PER_PARTY_HOUR=0", "MAITRE_SMS_PER_NUMBER_HOUR=0",
					   "MAITRE_SMS_NEW_RESTAURANT_DAY=0", "MAITRE_SMS_RESTAURANT_DAY=0", NULL };
	struct w_client c[W_CLIENTS];
	pthread_t t[W_CLIENTS];
	volatile int stop = 0;
	struct test_resp r;
	char *token = NULL, (*all)[32];
	const char *list_id;
	char list[64];
	cJSON *j;
	int i, k, acked = 0, n_all, other = 0, status;

	memset(&o, 0, sizeof o);
	o.args = args;
	o.env = env;
	assert_int_equal(test_server_start(&srv, &o), 0);
	assert_int_equal(test_register_and_login(&srv, NULL, NULL, NULL, &token, NULL), 0);
	assert_int_equal(test_http(&srv, "POST", "/waitlists", token, "{\"name\":\"Patio\"}", NULL, &r), 0);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	list_id = j ? test_json_str(j, "id") : NULL;
	assert_non_null(list_id);
	snprintf(list, sizeof list, "%s", list_id);
	cJSON_Delete(j);
	test_resp_free(&r);

	for (i = 0; i < W_CLIENTS; i++) {
		c[i] = (struct w_client){ &srv, token, list, i, 0, calloc(W_MAX, 32), 0, &stop };
		assert_non_null(c[i].ids);
		assert_int_equal(pthread_create(&t[i], NULL, w_client_main, &c[i]), 0);
	}
	usleep(1500 * 1000);
	assert_int_equal(test_server_signal(&srv, sig), 0);
	status = test_server_wait_exit(&srv, 15000);
	stop = 1;
	for (i = 0; i < W_CLIENTS; i++)
		pthread_join(t[i], NULL);
	if (sig == SIGTERM)
		assert_int_equal(status, 0);   /* writes in flight finished, clean exit */
	else
		assert_int_equal(status, 128 + SIGKILL);
	for (i = 0; i < W_CLIENTS; i++) {
		acked += c[i].n;
		other += c[i].other;
	}
	fprintf(stderr, "%s, %s: %d parties acknowledged by %d clients before the signal\n",
		args ? "write pool off" : "write pool", sig == SIGKILL ? "SIGKILL" : "SIGTERM", acked, W_CLIENTS);
	assert_int_equal(other, 0);
	assert_true(acked >= W_CLIENTS);   /* the load ran */

	assert_int_equal(test_server_restart(&srv), 0);
	all = w_list_all(&srv, token, list, &n_all);
	assert_true(n_all >= acked);
	qsort(all, (size_t)n_all, sizeof all[0], w_cmp);
	for (i = 1; i < n_all; i++)
		assert_true(strcmp(all[i - 1], all[i]) != 0);   /* no party twice */
	for (i = 0; i < W_CLIENTS; i++) {
		for (k = 0; k < c[i].n; k++)
			if (bsearch(c[i].ids[k], all, (size_t)n_all, sizeof all[0], w_cmp) == NULL)
				fail_msg("acknowledged party %s (client %d, #%d) is missing after the restart",
					 c[i].ids[k], i, k);
		free(c[i].ids);
	}
	free(all);
	free(token);
	test_server_free(&srv);
}

/* SIGKILL under load with the write pool: no acknowledged add is lost. */
static void test_kill9_pool(void **state)
{
	(void)state;
	w_run(NULL, SIGKILL);
}

/* The same with writes on the HTTP threads (--write-threads 0). */
static void test_kill9_no_pool(void **state)
{
	static const char *const args[] = { "--write-threads", "0", NULL };

	(void)state;
	w_run(args, SIGKILL);
}

/* SIGTERM under load: the pool finishes what it holds, exit 0, nothing lost. */
static void test_sigterm_pool(void **state)
{
	(void)state;
	w_run(NULL, SIGTERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9_pool),
		cmocka_unit_test(test_kill9_no_pool),
		cmocka_unit_test(test_sigterm_pool),
	};

	return cmocka_run_group_tests_name("api-writes", tests, NULL, NULL);
}
