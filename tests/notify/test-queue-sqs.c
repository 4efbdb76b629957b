/* The SQS back end (backend/queue/queue-sqs.c) against local-aws-sqs (npm,
 * SQS JSON 1.0 protocol with redrive), started here on a free loopback
 * port and stopped by PID: the queue contract suite on a fresh queue pair
 * (queue + dead-letter queue, maxReceiveCount 5) per test, then SQS-only
 * cases: partial batch failures retried (against a scripted fake SQS in
 * python, since local-aws-sqs never fails an entry), unknown queue,
 * empty receive.
 *
 * Needs node (skipped, exit 77, when there is none; a failure under
 * CI=true) and tests/node_modules/local-aws-sqs (installed by test.sh; a
 * failure when missing). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "aws/aws.h"
#include "core/error.h"
#include "../common/skip.h"
#include "queue-contract.h"

#ifndef NOTIFY_SRCDIR
#define NOTIFY_SRCDIR "tests/notify"
#endif

static char test_dir[] = "/tmp/maitre-sqs-XXXXXX";
static pid_t sqs_pid = -1;             /* local-aws-sqs */
static char sqs_endpoint[64];          /* http://127.0.0.1:PORT */
static struct aws_client *sqs_admin;   /* for CreateQueue */
static int queue_counter;

/* Sleeps ms milliseconds. */
static void test_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Starts a helper (argv) that writes its port to portfile; waits for it. */
static pid_t test_spawn(char *const argv[], const char *portfile, int *port)
{
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	for (i = 0; i < 200; i++) {
		FILE *f = fopen(portfile, "r");
		int status;

		if (f) {
			int ok = fscanf(f, "%d", port) == 1;

			fclose(f);
			if (ok && *port > 0)
				return pid;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		test_sleep(50);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* Stops a helper by PID: SIGTERM, then SIGKILL after 3 s. */
static void test_stop(pid_t pid)
{
	int i, status;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 60; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		test_sleep(50);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* CreateQueue; *url malloc'd. */
static int sqs_create_queue(const char *name, const char *redrive_dlq, char **url)
{
	struct aws_response r;
	cJSON *req = cJSON_CreateObject(), *ans;
	char *text, policy[256];
	int err;

	cJSON_AddStringToObject(req, "QueueName", name);
	if (redrive_dlq) {
		cJSON *attrs = cJSON_AddObjectToObject(req, "Attributes");

		snprintf(policy, sizeof policy,
			 "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:123456789012:%s\",\"maxReceiveCount\":\"%d\"}",
			 redrive_dlq, QUEUE_MAX_RECEIVES);
		cJSON_AddStringToObject(attrs, "RedrivePolicy", policy);
	}
	text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	memset(&r, 0, sizeof r);
	err = aws_request(sqs_admin, "sqs", "AmazonSQS.CreateQueue", text, &r);
	free(text);
	if (err) {
		fprintf(stderr, "CreateQueue %s: %s\n", name, r.cause ? r.cause : "?");
		aws_response_free(&r);
		return err;
	}
	ans = cJSON_ParseWithLength(r.body, r.body_len);
	aws_response_free(&r);
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ans, "QueueUrl"))) {
		cJSON_Delete(ans);
		return MT_EIO;
	}
	*url = strdup(cJSON_GetObjectItemCaseSensitive(ans, "QueueUrl")->valuestring);
	cJSON_Delete(ans);
	return 0;
}

/* Contract factory: a fresh queue with its own dead-letter queue. */
static int test_open_fresh(struct queue **out, void *arg)
{
	char qname[32], dname[32];
	char *url = NULL, *dlq = NULL, *cause = NULL;
	int err;

	(void)arg;
	queue_counter++;
	snprintf(qname, sizeof qname, "notify-%d", queue_counter);
	snprintf(dname, sizeof dname, "notify-%d-dlq", queue_counter);
	err = sqs_create_queue(dname, NULL, &dlq);
	if (err == 0)
		err = sqs_create_queue(qname, dname, &url);
	if (err == 0) {
		err = queue_sqs_open(url, "us-east-1", sqs_endpoint, out, &cause);
		if (err)
			fprintf(stderr, "queue_sqs_open: %s\n", cause ? cause : "?");
	}
	free(cause);
	free(url);
	free(dlq);
	return err;
}

/* An unknown queue answers MT_ENOTFOUND, with a cause. */
static void test_unknown_queue(void **state)
{
	struct queue *q = NULL;
	struct queue_entry e = { "x", 0 };
	struct queue_msg *m = NULL;
	char url[160], *cause = NULL;
	int result = 0;
	size_t n = 0;

	(void)state;
	snprintf(url, sizeof url, "%s/123456789012/no-such-queue", sqs_endpoint);
	assert_int_equal(queue_sqs_open(url, "us-east-1", sqs_endpoint, &q, &cause), 0);
	assert_int_equal(q->ops->send_batch(q, &e, 1, &result, &cause), MT_ENOTFOUND);
	assert_int_equal(result, MT_ENOTFOUND);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	assert_int_equal(q->ops->receive(q, 1, 0, 30, &m, &n, &cause), MT_ENOTFOUND);
	free(cause);
	queue_close(q);
	/* Not a URL at all. */
	cause = NULL;
	assert_int_equal(queue_sqs_open("queue", "us-east-1", sqs_endpoint, &q, &cause), MT_EINVAL);
	free(cause);
}

/* An empty receive (empty answer body) is zero messages, not an error. */
static void test_empty_receive(void **state)
{
	struct queue *q = NULL;
	struct queue_msg *m = NULL;
	size_t n = 99;

	(void)state;
	assert_int_equal(test_open_fresh(&q, NULL), 0);
	assert_int_equal(q->ops->receive(q, 10, 0, 30, &m, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_null(m);
	queue_close(q);
}

/* Partial batch failures: entries the service fails on its side are sent
 * again; entries it blames on the sender fail at once. The fake SQS
 * (sqs-flaky.py) fails e1 (server fault) once and e2 (sender fault). */
static void test_partial_failure_retried(void **state)
{
	char portfile[256], logfile[256], endpoint[64], url[128], line[4096];
	char script[] = NOTIFY_SRCDIR "/sqs-flaky.py";
	char *argv[5];
	struct queue *q = NULL;
	struct queue_entry e[3] = { { "zero", 0 }, { "one", 0 }, { "two", 0 } };
	int results[3] = { -99, -99, -99 }, port = 0, calls = 0, ones = 0;
	char *cause = NULL;
	pid_t pid;
	FILE *f;

	(void)state;
	snprintf(portfile, sizeof portfile, "%s/flaky.port", test_dir);
	snprintf(logfile, sizeof logfile, "%s/flaky.log", test_dir);
	argv[0] = "/usr/bin/python3";
	argv[1] = script;
	argv[2] = portfile;
	argv[3] = logfile;
	argv[4] = NULL;
	pid = test_spawn(argv, portfile, &port);
	assert_true(pid > 0);
	snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", port);
	snprintf(url, sizeof url, "%s/123456789012/flaky", endpoint);
	assert_int_equal(queue_sqs_open(url, "us-east-1", endpoint, &q, &cause), 0);
	assert_int_equal(q->ops->send_batch(q, e, 3, results, &cause), 0);
	assert_int_equal(results[0], 0);
	assert_int_equal(results[1], 0);
	assert_int_equal(results[2], MT_EINVAL);
	free(cause);
	queue_close(q);
	test_stop(pid);
	/* Two SendMessageBatch calls: the second carried only "one". */
	f = fopen(logfile, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		cJSON *req = cJSON_Parse(line), *ent;

		calls++;
		cJSON_ArrayForEach(ent, cJSON_GetObjectItemCaseSensitive(req, "Entries"))
			if (strcmp(cJSON_GetObjectItemCaseSensitive(ent, "MessageBody")->valuestring, "one") == 0)
				ones++;
		if (calls == 2)
			assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(req, "Entries")), 1);
		cJSON_Delete(req);
	}
	fclose(f);
	assert_int_equal(calls, 2);
	assert_int_equal(ones, 2);
}

/* Removes the temp directory. */
static void test_cleanup(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", test_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_queue),
		cmocka_unit_test(test_empty_receive),
		cmocka_unit_test(test_partial_failure_retried),
	};
	struct aws_client_config cfg;
	char script[] = NOTIFY_SRCDIR "/sqs-server.js";
	char module[] = NOTIFY_SRCDIR "/../node_modules/local-aws-sqs/package.json";
	char portfile[256], *cause = NULL;
	char *argv[4];
	struct stat st;
	int port = 0, failed;

	if (system("node --version >/dev/null 2>&1") != 0)
		return test_skip_status("node is not installed; the SQS tests need local-aws-sqs");
	if (stat(module, &st) != 0) {
		fprintf(stderr, "FAIL: %s is missing: run ./test.sh, or `npm ci` in tests/\n", module);
		return 1;
	}
	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(portfile, sizeof portfile, "%s/sqs.port", test_dir);
	argv[0] = "node";
	argv[1] = script;
	argv[2] = portfile;
	argv[3] = NULL;
	sqs_pid = test_spawn(argv, portfile, &port);
	if (sqs_pid <= 0) {
		fprintf(stderr, "FAIL: local-aws-sqs did not start\n");
		test_cleanup();
		return 1;
	}
	snprintf(sqs_endpoint, sizeof sqs_endpoint, "http://127.0.0.1:%d", port);
	setenv("AWS_ACCESS_KEY_ID", "AKIDTESTNOTIFY", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "test-secret-not-real", 1);
	unsetenv("AWS_SESSION_TOKEN");
	memset(&cfg, 0, sizeof cfg);
	cfg.region = "us-east-1";
	cfg.endpoint = sqs_endpoint;
	cfg.access_key = "AKIDTESTNOTIFY";
	cfg.secret_key = "test-secret-not-real";
	if (aws_client_new(&cfg, &sqs_admin, &cause) != 0) {
		fprintf(stderr, "aws_client_new: %s\n", cause ? cause : "?");
		test_stop(sqs_pid);
		test_cleanup();
		return 1;
	}
	failed = queue_contract_run("queue contract: sqs (local-aws-sqs)", test_open_fresh, NULL,
				    QUEUE_CONTRACT_CV_BUMPS_COUNT);
	failed += cmocka_run_group_tests_name("queue-sqs", tests, NULL, NULL);
	aws_client_free(sqs_admin);
	test_stop(sqs_pid);
	test_cleanup();
	return failed ? 1 : 0;
}
