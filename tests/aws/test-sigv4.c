/* The AWS request layer against an independent SigV4 verifier and a scripted
 * server (tests/aws/fake-aws.py, started here on loopback, stopped by PID). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "aws/aws.h"
#include "core/error.h"
#include "../tools/dynalite.h"

#define AK "AKIDEXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "FQoGZXIvYXdzEXAMPLE//token+with/odd=chars"

/* Starts fake-aws.py with extra arguments (NULL-terminated). */
static void fake_start(struct test_proc *p, ...)
{
	char script[1024];
	char *argv[16];
	va_list ap;
	int n = 0;
	char *a;

	snprintf(script, sizeof script, "%s/aws/fake-aws.py", test_tests_dir());
	argv[n++] = "/usr/bin/python3";
	argv[n++] = script;
	va_start(ap, p);
	while ((a = va_arg(ap, char *)) != NULL && n < 15)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(test_proc_spawn_port(argv, p), 0);
}

/* Number of POSTs the fake server received (GET /stats). */
static long fake_posts(const struct test_proc *p)
{
	char url[128], buf[256];
	FILE *f;
	CURL *h = curl_easy_init();
	long n = -1;
	const char *q;

	assert_non_null(h);
	snprintf(url, sizeof url, "%s/stats", p->url);
	f = fmemopen(buf, sizeof buf, "w");
	assert_non_null(f);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	fclose(f);
	curl_easy_cleanup(h);
	q = strstr(buf, "\"posts\": ");
	if (q)
		n = strtol(q + 9, NULL, 10);
	return n;
}

/* Makes a client for the fake server. */
static struct aws_client *client_for(const struct test_proc *p, const char *secret, const char *token,
				     int max_tries, int max_total_ms)
{
	struct aws_client_config cfg;
	struct aws_client *c = NULL;
	char *cause = NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.region = "us-east-1";
	cfg.endpoint = p ? p->url : "http://127.0.0.1:1";
	cfg.access_key = AK;
	cfg.secret_key = secret;
	cfg.session_token = token;
	cfg.max_tries = max_tries;
	cfg.max_total_ms = max_total_ms;
	cfg.base_delay_ms = 5;
	cfg.max_delay_ms = 40;
	cfg.attempt_timeout_ms = 2000;
	assert_int_equal(aws_client_new(&cfg, &c, &cause), 0);
	assert_null(cause);
	return c;
}

/* Appends s to buf (size bytes) without overflowing. */
static void strcat_safe(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf), k = strlen(s);

	assert_true(n + k < size);
	memcpy(buf + n, s, k + 1);
}

/* Monotonic ms. */
static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A correctly signed request (no session token) is accepted by the verifier. */
static void test_sigv4_accepted(void **state)
{
	struct test_proc p;
	struct aws_client *c;
	struct aws_response r;
	const char *body = "{\"TableName\":\"t\",\"Key\":{\"PK\":{\"S\":\"USER#zo\\u00eb@example.com\"}},\"X\":\"a  b\"}";

	(void)state;
	fake_start(&p, "--mode", "verify", "--secret", SK, "--access-key", AK, NULL);
	c = client_for(&p, SK, NULL, 0, 0);
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.GetItem", body, &r), 0);
	assert_int_equal(r.http_status, 200);
	assert_non_null(strstr(r.body, "\"verified\": true"));
	assert_non_null(strstr(r.body, "x-amz-target"));
	assert_non_null(strstr(r.body, "content-type"));
	assert_null(strstr(r.body, "x-amz-security-token"));
	assert_int_equal(r.tries, 1);
	aws_response_free(&r);
	/* an empty JSON body and a second call on the pooled handle */
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.ListTables", "{}", &r), 0);
	assert_non_null(strstr(r.body, "DynamoDB_20120810.ListTables"));
	aws_response_free(&r);
	aws_client_free(c);
	test_proc_stop(&p);
}

/* With a session token, the token is sent, signed, and accepted. */
static void test_sigv4_session_token(void **state)
{
	struct test_proc p;
	struct aws_client *c;
	struct aws_response r;

	(void)state;
	fake_start(&p, "--mode", "verify", "--secret", SK, "--token", TOKEN, NULL);
	c = client_for(&p, SK, TOKEN, 0, 0);
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.Query", "{\"Limit\":1}", &r), 0);
	assert_non_null(strstr(r.body, "x-amz-security-token"));
	aws_response_free(&r);
	aws_client_free(c);

	/* the same server refuses a request without the token */
	c = client_for(&p, SK, NULL, 0, 0);
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.Query", "{}", &r), MT_EIO);
	assert_string_equal(r.error_type, "UnrecognizedClientException");
	aws_response_free(&r);
	aws_client_free(c);
	test_proc_stop(&p);
}

/* A request signed with the wrong secret is rejected, not retried, and the
 * cause names the error but not the secret. */
static void test_sigv4_wrong_secret(void **state)
{
	struct test_proc p;
	struct aws_client *c;
	struct aws_response r;

	(void)state;
	fake_start(&p, "--mode", "verify", "--secret", SK, NULL);
	c = client_for(&p, "not-the-secret-key", NULL, 0, 0);
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.PutItem", "{\"a\":1}", &r), MT_EIO);
	assert_int_equal(r.http_status, 403);
	assert_string_equal(r.error_type, "InvalidSignatureException");
	assert_int_equal(r.tries, 1);
	assert_non_null(r.cause);
	assert_non_null(strstr(r.cause, "InvalidSignatureException"));
	assert_null(strstr(r.cause, "not-the-secret-key"));
	aws_response_free(&r);
	aws_client_free(c);
	/* signing for another service is refused too (scope check) */
	c = client_for(&p, SK, NULL, 0, 0);
	assert_int_equal(aws_request(c, "sqs", "AmazonSQS.SendMessage", "{}", &r), MT_EIO);
	assert_string_equal(r.error_type, "InvalidSignatureException");
	aws_response_free(&r);
	aws_client_free(c);
	assert_int_equal(fake_posts(&p), 2);
	test_proc_stop(&p);
}

/* The verifier itself reproduces the AWS documented example signature. */
static void test_verifier_documented_vector(void **state)
{
	char cmd[1200];
	FILE *f;
	char line[64] = "";

	(void)state;
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/aws/fake-aws.py --self-test", test_tests_dir());
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	assert_int_equal(pclose(f), 0);
	assert_string_equal(line, "SELFTEST OK\n");
}

/* Throttling and 5xx are retried until a 200. */
static void test_retry_then_success(void **state)
{
	struct test_proc p;
	struct aws_client *c;
	struct aws_response r;

	(void)state;
	fake_start(&p, "--mode", "script", "--sequence",
		   "400:ThrottlingException,400:ProvisionedThroughputExceededException,500,503,200", NULL);
	c = client_for(&p, SK, NULL, 6, 5000);
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.Query", "{}", &r), 0);
	assert_int_equal(r.tries, 5);
	assert_non_null(strstr(r.body, "\"step\": 4"));
	aws_response_free(&r);
	assert_int_equal(fake_posts(&p), 5);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.Query"), 1);
	aws_client_free(c);
	test_proc_stop(&p);
}

/* Throttling that does not clear ends in MT_EBUSY after max_tries; 5xx in MT_EIO. */
static void test_retry_exhausted(void **state)
{
	struct test_proc p;
	struct aws_client *c;
	struct aws_response r;

	(void)state;
	fake_start(&p, "--mode", "script", "--sequence",
		   "400:RequestLimitExceeded,400:ThrottlingException,400:ThrottlingException,"
		   "500:InternalServerError,500,503,503,503,200", NULL);
	c = client_for(&p, SK, NULL, 3, 5000);
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.PutItem", "{}", &r), MT_EBUSY);
	assert_int_equal(r.tries, 3);
	assert_string_equal(r.error_type, "ThrottlingException");
	assert_non_null(strstr(r.cause, "3 tries"));
	aws_response_free(&r);
	assert_int_equal(fake_posts(&p), 3);
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.PutItem", "{}", &r), MT_EIO);
	assert_int_equal(r.tries, 3);
	assert_int_equal(r.http_status, 503);
	aws_response_free(&r);
	assert_int_equal(fake_posts(&p), 6);
	aws_client_free(c);
	test_proc_stop(&p);
}

/* ConditionalCheckFailed and ValidationException are never retried. */
static void test_no_retry_on_client_errors(void **state)
{
	struct test_proc p;
	struct aws_client *c;
	struct aws_response r;

	(void)state;
	fake_start(&p, "--mode", "script", "--sequence",
		   "400:ConditionalCheckFailedException,400:ValidationException,200", NULL);
	c = client_for(&p, SK, NULL, 5, 5000);
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.PutItem", "{}", &r), MT_EIO);
	assert_int_equal(r.tries, 1);
	assert_true(aws_error_is(&r, "ConditionalCheckFailedException"));
	assert_non_null(strstr(r.cause, "scripted ConditionalCheckFailedException"));
	aws_response_free(&r);
	assert_int_equal(fake_posts(&p), 1);
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.PutItem", "{}", &r), MT_EIO);
	assert_int_equal(r.tries, 1);
	assert_true(aws_error_is(&r, "ValidationException"));
	aws_response_free(&r);
	assert_int_equal(fake_posts(&p), 2);
	aws_client_free(c);
	test_proc_stop(&p);
}

/* Transport errors are retried, and the retry budget bounds the time. */
static void test_transport_bounded(void **state)
{
	struct test_proc p;
	struct aws_client *c;
	struct aws_response r;
	long t0, dt;
	char url[64], *seq;
	int i;

	(void)state;
	/* a port that was just free: nothing listens there */
	fake_start(&p, "--mode", "script", NULL);
	snprintf(url, sizeof url, "%s", p.url);
	test_proc_stop(&p);
	c = client_for(&p, SK, NULL, 4, 5000);
	t0 = mono_ms();
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.GetItem", "{}", &r), MT_EIO);
	assert_int_equal(r.tries, 4);
	assert_int_equal(r.http_status, 0);
	assert_non_null(strstr(r.cause, "transport"));
	aws_response_free(&r);
	aws_client_free(c);

	/* endless throttling (200 scripted) with a 1 s budget and many tries: stops in time */
	seq = malloc(200 * 24 + 1);
	assert_non_null(seq);
	seq[0] = '\0';
	for (i = 0; i < 200; i++)
		strcat_safe(seq, 200 * 24 + 1, i ? ",400:ThrottlingException" : "400:ThrottlingException");
	fake_start(&p, "--mode", "script", "--sequence", seq, NULL);
	free(seq);
	c = client_for(&p, SK, NULL, 1000, 1000);
	t0 = mono_ms();
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.GetItem", "{}", &r), MT_EBUSY);
	dt = mono_ms() - t0;
	/* the budget (1 s) plus at most one attempt (timeout 2 s) */
	assert_true(dt < 3000);
	assert_true(r.tries >= 2);
	assert_true(r.tries < 200);
	aws_response_free(&r);
	aws_client_free(c);
	test_proc_stop(&p);
}

/* Worker of the thread test: n verified requests. */
static void *thread_worker(void *arg)
{
	struct aws_client *c = arg;
	struct aws_response r;
	long ok = 0;
	int i;

	for (i = 0; i < 25; i++) {
		if (aws_request(c, "dynamodb", "DynamoDB_20120810.GetItem", "{\"i\":1}", &r) == 0 &&
		    strstr(r.body, "\"verified\": true"))
			ok++;
		else
			fprintf(stderr, "thread request failed: %s\n", r.cause ? r.cause : r.body);
		aws_response_free(&r);
	}
	return (void *)ok;
}

/* One client used from 8 threads: every request signed right, counters exact. */
static void test_threads_and_counters(void **state)
{
	struct test_proc p;
	struct aws_client *c;
	pthread_t th[8];
	struct aws_target_count counts[4];
	uint64_t calls, attempts;
	void *res;
	long total = 0;
	int i;

	(void)state;
	fake_start(&p, "--mode", "verify", "--secret", SK, "--token", TOKEN, NULL);
	c = client_for(&p, SK, TOKEN, 0, 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_worker, c), 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(th[i], &res), 0);
		total += (long)res;
	}
	assert_int_equal(total, 200);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.GetItem"), 200);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.Scan"), 0);
	assert_int_equal(aws_client_counts(c, counts, 4), 1);
	assert_string_equal(counts[0].target, "DynamoDB_20120810.GetItem");
	assert_int_equal(counts[0].errors, 0);
	aws_client_totals(c, &calls, &attempts);
	assert_int_equal(calls, 200);
	assert_int_equal(attempts, 200);
	aws_client_counts_reset(c);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.GetItem"), 0);
	assert_int_equal(fake_posts(&p), 200);
	aws_client_free(c);
	test_proc_stop(&p);
}

/* Missing credentials or region are refused with a clear cause. */
static void test_config_errors(void **state)
{
	struct aws_client_config cfg;
	struct aws_client *c = NULL;
	char *cause = NULL;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.region = "eu-west-1";
	cfg.access_key = AK;
	assert_int_equal(aws_client_new(&cfg, &c, &cause), MT_EINVAL);
	assert_null(c);
	assert_non_null(strstr(cause, "AWS_SECRET_ACCESS_KEY"));
	free(cause);
	cfg.secret_key = SK;
	cfg.region = NULL;
	assert_int_equal(aws_client_new(&cfg, &c, &cause), MT_EINVAL);
	assert_non_null(strstr(cause, "region"));
	free(cause);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verifier_documented_vector),
		cmocka_unit_test(test_sigv4_accepted),
		cmocka_unit_test(test_sigv4_session_token),
		cmocka_unit_test(test_sigv4_wrong_secret),
		cmocka_unit_test(test_retry_then_success),
		cmocka_unit_test(test_retry_exhausted),
		cmocka_unit_test(test_no_retry_on_client_errors),
		cmocka_unit_test(test_transport_bounded),
		cmocka_unit_test(test_threads_and_counters),
		cmocka_unit_test(test_config_errors),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
