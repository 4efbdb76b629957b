/* Notifications through maitred with the SQS back end (the AWS mode's
 * queue): local-aws-sqs started here (queue + DLQ with redrive, max 5
 * receives), maitred with MAITRE_SQS_QUEUE_URL / MAITRE_SQS_ENDPOINT, the
 * SMS sink as gateway. On a SQLite store: a guest told "now" gets exactly
 * one text; a poison message sent to SQS ends in the DLQ by the redrive
 * policy while guests keep being told. On a DynamoDB store (dynalite):
 * the whole AWS mode, including the producer's due lookup on the GSI.
 * Skipped (77) without node; a failure under CI=true (tests/common/skip.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cjson/cJSON.h>
#include <cmocka.h>
#include "aws/aws.h"
#include "chan-util.h"
#include "../common/skip.h"
#include "dynalite.h"
#include "harness.h"
#include "queue/queue.h"

#define ACCOUNT "ACe2esqs0000000000000"
#define TOKEN "e2e-sqs-sink-token"
#define AKID "AKIDE2ESQS"
#define SECRET "e2e-sqs-secret-not-real"

static char dir[256];            /* temp dir */
static pid_t sqs_pid, sink_pid;  /* helpers */
static char sqs_endpoint[64];    /* http://127.0.0.1:PORT */
static char sink_url[64];        /* http://127.0.0.1:PORT */
static char queue_url[256];      /* the notification queue */
static int skipped;              /* a case skipped itself (dynalite cannot run) */

/* Sleeps ms milliseconds. */
static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* CreateQueue through the AWS layer; writes the URL. 0 or -1. */
static int create_queue(struct aws_client *c, const char *name, const char *dlq, char *url, size_t n)
{
	char *body = dlq ? cu_strf("{\"QueueName\":\"%s\",\"Attributes\":{\"RedrivePolicy\":"
				   "\"{\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:us-east-1:123456789012:%s\\\","
				   "\\\"maxReceiveCount\\\":\\\"5\\\"}\"}}", name, dlq)
			 : cu_strf("{\"QueueName\":\"%s\"}", name);
	struct aws_response r;
	cJSON *j;
	int ok = -1;

	memset(&r, 0, sizeof r);
	if (aws_request(c, "sqs", "AmazonSQS.CreateQueue", body, &r) == 0) {
		j = cJSON_ParseWithLength(r.body, r.body_len);
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "QueueUrl"))) {
			snprintf(url, n, "%s", cJSON_GetObjectItemCaseSensitive(j, "QueueUrl")->valuestring);
			ok = 0;
		}
		cJSON_Delete(j);
	} else {
		fprintf(stderr, "CreateQueue: %s\n", r.cause ? r.cause : "?");
	}
	aws_response_free(&r);
	free(body);
	return ok;
}

/* Starts local-aws-sqs and the sink, creates the queues. */
static int setup(void **state)
{
	char pf[300], dlq_url[256];
	char *js = cu_strf("%s/sqs-server.js", cu_srcdir()), *sink = cu_strf("%s/sms-sink.py", cu_srcdir());
	char *log = NULL, *out1 = NULL, *out2 = NULL;
	struct aws_client_config cfg;
	struct aws_client *c = NULL;
	int port;

	(void)state;
	if (cu_tmpdir(dir, sizeof dir) != 0)
		return -1;
	snprintf(pf, sizeof pf, "%s/sqs.port", dir);
	out1 = cu_strf("%s/sqs.out", dir);
	{
		char *argv[] = { (char *)"/usr/bin/node", js, pf, NULL };

		if (cu_spawn(argv, out1, &sqs_pid) != 0)
			return -1;
	}
	port = cu_wait_port_file(pf, sqs_pid, 15000);
	if (port <= 0)
		return -1;
	snprintf(sqs_endpoint, sizeof sqs_endpoint, "http://127.0.0.1:%d", port);
	snprintf(pf, sizeof pf, "%s/sink.port", dir);
	log = cu_strf("%s/sms.jsonl", dir);
	out2 = cu_strf("%s/sink.out", dir);
	{
		char *argv[] = { (char *)CU_PYTHON, sink, (char *)"--port-file", pf, (char *)"--account",
				 (char *)ACCOUNT, (char *)"--token", (char *)TOKEN, (char *)"--log", log, NULL };

		if (cu_spawn(argv, out2, &sink_pid) != 0)
			return -1;
	}
	port = cu_wait_port_file(pf, sink_pid, 10000);
	if (port <= 0)
		return -1;
	snprintf(sink_url, sizeof sink_url, "http://127.0.0.1:%d", port);
	memset(&cfg, 0, sizeof cfg);
	cfg.region = "us-east-1";
	cfg.endpoint = sqs_endpoint;
	cfg.access_key = AKID;
	cfg.secret_key = SECRET;
	if (aws_client_new(&cfg, &c, NULL) != 0 ||
	    create_queue(c, "maitre-notify-dlq", NULL, dlq_url, sizeof dlq_url) != 0 ||
	    create_queue(c, "maitre-notify", "maitre-notify-dlq", queue_url, sizeof queue_url) != 0)
		return -1;
	aws_client_free(c);
	setenv("AWS_ACCESS_KEY_ID", AKID, 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	free(js);
	free(sink);
	free(log);
	free(out1);
	free(out2);
	return 0;
}

/* Stops the helpers. */
static int teardown(void **state)
{
	(void)state;
	cu_stop(sink_pid);
	cu_stop(sqs_pid);
	cu_rmtree(dir);
	return 0;
}

/* Deliveries the sink accepted with this key. */
static int sink_count(const char *waitee_id, int seq)
{
	char *url = cu_strf("%s/stats", sink_url), *body = NULL, key[64];
	const cJSON *n;
	cJSON *j;
	int c = -1;

	snprintf(key, sizeof key, "%s:%d", waitee_id, seq);
	if (cu_http("GET", url, NULL, NULL, &body) == 200) {
		j = cJSON_Parse(body);
		n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "byKey"), key);
		c = cJSON_IsNumber(n) ? (int)n->valuedouble : 0;
		cJSON_Delete(j);
	}
	free(body);
	free(url);
	return c;
}

/* Creates a waitee told now; returns its id (malloc'd). */
static char *told_now(const struct test_server *srv, const char *tok, const char *wl, int n)
{
	char *path = cu_strf("/waitlists/%s/waitees", wl);
	char *body = cu_strf("{\"name\":\"Sqs %d\",\"phoneNumber\":\"+1555300%04d\",\"notifyIn\":0}", n, n);
	struct test_resp r;
	cJSON *j;
	char *id;

	assert_int_equal(test_http(srv, "POST", path, tok, body, NULL, &r), 0);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	id = strdup(test_json_str(j, "id"));
	cJSON_Delete(j);
	test_resp_free(&r);
	free(body);
	free(path);
	return id;
}

/* Waits until the key was delivered at least once; returns the count. */
static int wait_told(const char *id, long timeout_ms)
{
	long waited;
	int c = 0;

	for (waited = 0; waited < timeout_ms; waited += 100) {
		c = sink_count(id, 1);
		if (c > 0)
			break;
		sleep_ms(100);
	}
	return c;
}

/* Through SQS: told once; a poison message is dead-lettered by the redrive. */
static void test_sqs_mode(void **state)
{
	char env_q[320], env_e[96], env_s[96];
	const char *env[] = { env_q, env_e, env_s, "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=" AKID,
			      "AWS_SECRET_ACCESS_KEY=" SECRET, "MAITRE_SMS_ACCOUNT=" ACCOUNT,
			      "MAITRE_SMS_TOKEN=" TOKEN, "MAITRE_SMS_FROM=+15550001111",
			      "MAITRE_RETRY_BASE_SECONDS=1", NULL };
	const char *args[] = { "--tick-seconds", "1", NULL };
	struct test_server_opts o = { .args = args, .env = env };
	struct test_server x;
	struct queue *q = NULL;
	struct queue_entry poison = { "{\"kind\":\"ready\",\"seq\":\"x\"}", 0 };
	struct queue_depth d;
	char *tok = NULL, *wl, *a, *b, *cause = NULL;
	struct test_resp r;
	cJSON *j;
	int result, i;

	(void)state;
	snprintf(env_q, sizeof env_q, "MAITRE_SQS_QUEUE_URL=%s", queue_url);
	snprintf(env_e, sizeof env_e, "MAITRE_SQS_ENDPOINT=%s", sqs_endpoint);
	snprintf(env_s, sizeof env_s, "MAITRE_SMS_URL=%s", sink_url);
	assert_int_equal(test_server_start(&x, &o), 0);
	assert_int_equal(test_register_and_login(&x, NULL, NULL, NULL, &tok, NULL), 0);
	assert_int_equal(test_http(&x, "POST", "/waitlists", tok, "{\"name\":\"SQS Steakhouse\"}", NULL, &r), 0);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	wl = strdup(test_json_str(j, "id"));
	cJSON_Delete(j);
	test_resp_free(&r);

	a = told_now(&x, tok, wl, 1);
	assert_int_equal(wait_told(a, 10000), 1);

	/* Poison in the queue; the next guest is still told. */
	assert_int_equal(queue_sqs_open(queue_url, "us-east-1", sqs_endpoint, &q, &cause), 0);
	assert_int_equal(q->ops->send_batch(q, &poison, 1, &result, &cause), 0);
	assert_int_equal(result, 0);
	b = told_now(&x, tok, wl, 2);
	assert_int_equal(wait_told(b, 10000), 1);
	for (i = 0; i < 300; i++) {
		assert_int_equal(q->ops->depth(q, &d, &cause), 0);
		if (d.dead == 1 && d.visible + d.in_flight == 0)
			break;
		sleep_ms(100);
	}
	assert_int_equal(d.dead, 1);
	assert_int_equal(d.visible + d.in_flight, 0);
	sleep_ms(2000);
	assert_int_equal(sink_count(a, 1), 1);
	assert_int_equal(sink_count(b, 1), 1);

	queue_close(q);
	free(cause);
	assert_int_equal(test_server_stop(&x, 0), 0);
	test_server_free(&x);
	free(a);
	free(b);
	free(wl);
	free(tok);
}


/* The AWS mode end to end: DynamoDB store (dynalite, sparse due GSI) and
 * SQS queue. "Notify now" is told at once; a guest planned for the next
 * minute is found by the scheduler's producer through the due index and
 * told exactly once. maitred runs on a test clock (chan-util cu_clock_*):
 * the wait for the next minute is a jump of that clock. */
static void test_aws_mode(void **state)
{
	char env_q[320], env_e[96], env_s[96], store[256], url[256], dlq[256];
	const char *env[] = { env_q, env_e, env_s, "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=" AKID,
			      "AWS_SECRET_ACCESS_KEY=" SECRET, "MAITRE_SMS_ACCOUNT=" ACCOUNT,
			      "MAITRE_SMS_TOKEN=" TOKEN, "MAITRE_SMS_FROM=+15550001111", cu_clock_env(), NULL };
	const char *args[] = { "--tick-seconds", "1", NULL };
	struct test_server_opts o = { .args = args, .env = env, .store_url = store };
	struct aws_client_config cfg;
	struct aws_client *c = NULL;
	struct test_proc ddb;
	struct test_server x;
	struct test_resp r;
	char *tok = NULL, *wl, *now_id, *later_id, *path, *body;
	long long due;
	cJSON *j, *w;
	int rc;

	(void)state;
	rc = dynalite_start(&ddb);
	if (rc == 77) {
		skipped = 1;   /* main then exits 77: meson records a skip, not a pass */
		skip();
	}
	assert_int_equal(rc, 0);
	memset(&cfg, 0, sizeof cfg);
	cfg.region = "us-east-1";
	cfg.endpoint = sqs_endpoint;
	cfg.access_key = AKID;
	cfg.secret_key = SECRET;
	assert_int_equal(aws_client_new(&cfg, &c, NULL), 0);
	assert_int_equal(create_queue(c, "aws-mode-dlq", NULL, dlq, sizeof dlq), 0);
	assert_int_equal(create_queue(c, "aws-mode", "aws-mode-dlq", url, sizeof url), 0);
	aws_client_free(c);
	snprintf(store, sizeof store, "dynamodb://maitre-%%s?region=us-east-1&endpoint=%s", ddb.url);
	snprintf(env_q, sizeof env_q, "MAITRE_SQS_QUEUE_URL=%s", url);
	snprintf(env_e, sizeof env_e, "MAITRE_SQS_ENDPOINT=%s", sqs_endpoint);
	snprintf(env_s, sizeof env_s, "MAITRE_SMS_URL=%s", sink_url);
	assert_int_equal(test_server_start(&x, &o), 0);
	assert_non_null(strstr(x.store_url, "dynamodb://"));
	assert_int_equal(test_register_and_login(&x, NULL, NULL, NULL, &tok, NULL), 0);
	assert_int_equal(test_http(&x, "POST", "/waitlists", tok, "{\"name\":\"Cloud Kitchen\"}", NULL, &r), 0);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	wl = strdup(test_json_str(j, "id"));
	cJSON_Delete(j);
	test_resp_free(&r);

	now_id = told_now(&x, tok, wl, 11);
	assert_int_equal(wait_told(now_id, 10000), 1);

	path = cu_strf("/waitlists/%s/waitees", wl);
	body = cu_strf("{\"name\":\"Later\",\"phoneNumber\":\"+15553009999\",\"notifyIn\":1}");
	assert_int_equal(test_http(&x, "POST", path, tok, body, NULL, &r), 0);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	later_id = strdup(test_json_str(j, "id"));
	due = (long long)test_json_num(j, "notifyAt", 0);
	cJSON_Delete(j);
	test_resp_free(&r);
	assert_true(due > 0);
	if (due - cu_clock_now_ms() > 1500) {
		assert_int_equal(cu_clock_advance(due - cu_clock_now_ms() - 1500), 0);
		sleep_ms(1100);   /* a tick at 1.5 s - 1.1 s before the due time */
		assert_int_equal(sink_count(later_id, 1), 0);   /* not before it is due */
		assert_int_equal(cu_clock_advance(1500), 0);
	}
	assert_int_equal(wait_told(later_id, 15000), 1);
	sleep_ms(3000);
	assert_int_equal(sink_count(later_id, 1), 1);      /* exactly once */
	assert_int_equal(sink_count(now_id, 1), 1);
	free(path);
	path = cu_strf("/waitlists/%s/waitees/%s", wl, later_id);
	assert_int_equal(test_http(&x, "GET", path, tok, NULL, NULL, &r), 0);
	w = test_resp_json(&r);
	test_resp_free(&r);
	assert_string_equal(test_json_str(w, "status"), "notified");
	assert_string_equal(test_json_str(w, "lastResult"), "sent");
	cJSON_Delete(w);

	assert_int_equal(test_server_stop(&x, 0), 0);
	test_server_free(&x);
	test_proc_stop(&ddb);
	free(path);
	free(body);
	free(later_id);
	free(now_id);
	free(wl);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqs_mode),
		cmocka_unit_test(test_aws_mode),
	};
	char *module = cu_strf("%s/../node_modules/local-aws-sqs/package.json", cu_srcdir());
	struct stat st;
	int rc;

	if (system("node --version >/dev/null 2>&1") != 0)
		return test_skip_status("node is not installed; these tests need local-aws-sqs and dynalite");
	if (stat(module, &st) != 0) {
		fprintf(stderr, "FAIL: %s is missing: run ./test.sh, or `npm ci` in tests/\n", module);
		return 1;
	}
	free(module);
	rc = cmocka_run_group_tests_name("notify-e2e-sqs", tests, setup, teardown);
	cu_clock_cleanup();
	return rc == 0 && skipped ? 77 : rc;
}
