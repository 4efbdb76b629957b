/* The credential chain (aws/creds.h) against tests/aws/fake-metadata.py
 * (IMDSv2 and container endpoints) and the SigV4 verifier of
 * tests/aws/fake-aws.py, which accepts a request only when it was signed
 * with the key, secret and session token the metadata handed out:
 * IMDSv2 (token first, no IMDSv1), container credentials with their
 * Authorization header, renewal before expiry, the chain switched off. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aws/aws.h"
#include "core/error.h"
#include "../tools/dynalite.h"

#define AK "ASIAMETADATAEXAMPLE"
#define SK "metadata/secret+key/EXAMPLE"
#define TOKEN "IQoJb3JpZ2luX2VjEXAMPLE//session+token="
#define AUTH "container-auth-token-123"

/* Starts a python helper script of tests/aws with arguments (NULL-terminated). */
static void helper_start(struct test_proc *p, const char *script, ...)
{
	char path[1024];
	char *argv[20];
	va_list ap;
	int n = 0;
	char *a;

	snprintf(path, sizeof path, "%s/aws/%s", test_tests_dir(), script);
	argv[n++] = "/usr/bin/python3";
	argv[n++] = path;
	va_start(ap, script);
	while ((a = va_arg(ap, char *)) != NULL && n < 19)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(test_proc_spawn_port(argv, p), 0);
}

/* curl write callback into a fixed buffer. */
static size_t on_body(char *ptr, size_t size, size_t n, void *ud)
{
	char *buf = ud;
	size_t have = strlen(buf), add = size * n;

	if (have + add >= 1024)
		add = 1023 - have;
	memcpy(buf + have, ptr, add);
	buf[have + add] = '\0';
	return size * n;
}

/* One counter of the metadata stand-in's /stats. */
static long md_stat(const struct test_proc *p, const char *name)
{
	char url[128], buf[1024] = "", key[64];
	CURL *h = curl_easy_init();
	const char *q;

	assert_non_null(h);
	snprintf(url, sizeof url, "%s/stats", p->url);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, buf);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_cleanup(h);
	snprintf(key, sizeof key, "\"%s\": ", name);
	q = strstr(buf, key);
	assert_non_null(q);
	return strtol(q + strlen(key), NULL, 10);
}

/* Clears every credential variable of the environment. */
static void env_clear(void)
{
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	unsetenv("AWS_EC2_METADATA_DISABLED");
}

/* Sends one signed request to the verifier; returns aws_request's result. */
static int signed_call(struct aws_client *c)
{
	struct aws_response r;
	int rc = aws_request(c, "dynamodb", "DynamoDB_20120810.ListTables", "{}", &r);

	if (rc != 0)
		fprintf(stderr, "call: %s\n", r.cause ? r.cause : "?");
	aws_response_free(&r);
	return rc;
}

/* IMDSv2: a session token first, then the role and its credentials, which sign. */
static void test_imds(void **state)
{
	struct test_proc md, v;
	struct aws_client *c = NULL;
	char *cause = NULL;

	(void)state;
	env_clear();
	helper_start(&md, "fake-metadata.py", "--access-key", AK, "--secret", SK, "--token", TOKEN, NULL);
	helper_start(&v, "fake-aws.py", "--mode", "verify", "--access-key", AK, "--secret", SK, "--token", TOKEN, NULL);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", md.url, 1);
	assert_int_equal(aws_client_from_env("us-east-1", v.url, &c, &cause), 0);
	assert_int_equal(signed_call(c), 0);
	assert_int_equal(signed_call(c), 0);
	assert_int_equal(md_stat(&md, "imdsToken"), 1);
	assert_int_equal(md_stat(&md, "imdsCreds"), 1);    /* an hour left: not fetched again */
	assert_int_equal(md_stat(&md, "refused"), 0);
	aws_client_free(c);
	test_proc_stop(&md);
	test_proc_stop(&v);
	env_clear();
}

/* Credentials expiring within 5 minutes are renewed before the next request. */
static void test_refresh_before_expiry(void **state)
{
	struct test_proc md, v;
	struct aws_client *c = NULL;
	char *cause = NULL;

	(void)state;
	env_clear();
	helper_start(&md, "fake-metadata.py", "--access-key", AK, "--secret", SK, "--token", TOKEN,
		     "--expires-in", "240", NULL);
	helper_start(&v, "fake-aws.py", "--mode", "verify", "--access-key", AK, "--secret", SK, "--token", TOKEN, NULL);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", md.url, 1);
	assert_int_equal(aws_client_from_env("us-east-1", v.url, &c, &cause), 0);
	assert_int_equal(md_stat(&md, "imdsCreds"), 1);
	assert_int_equal(signed_call(c), 0);
	assert_int_equal(signed_call(c), 0);
	assert_int_equal(signed_call(c), 0);
	assert_int_equal(md_stat(&md, "imdsCreds"), 4);    /* renewed before each of the 3 */
	/* the metadata service goes away: still valid credentials keep working */
	test_proc_stop(&md);
	assert_int_equal(signed_call(c), 0);
	aws_client_free(c);
	test_proc_stop(&v);
	env_clear();
}

/* Container credentials with their Authorization header; a wrong header is refused. */
static void test_container(void **state)
{
	struct test_proc md, v;
	struct aws_client *c = NULL;
	char *cause = NULL, uri[128];

	(void)state;
	env_clear();
	helper_start(&md, "fake-metadata.py", "--access-key", AK, "--secret", SK, "--token", TOKEN,
		     "--auth", AUTH, NULL);
	helper_start(&v, "fake-aws.py", "--mode", "verify", "--access-key", AK, "--secret", SK, "--token", TOKEN, NULL);
	snprintf(uri, sizeof uri, "%s/creds", md.url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH, 1);
	assert_int_equal(aws_client_from_env("us-east-1", v.url, &c, &cause), 0);
	assert_int_equal(signed_call(c), 0);
	assert_int_equal(md_stat(&md, "container"), 1);
	assert_int_equal(md_stat(&md, "imdsToken"), 0);
	aws_client_free(c);
	c = NULL;

	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong", 1);
	assert_int_not_equal(aws_client_from_env("us-east-1", v.url, &c, &cause), 0);
	assert_null(c);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "403"));
	assert_null(strstr(cause, "wrong"));
	assert_null(strstr(cause, AUTH));
	free(cause);
	cause = NULL;
	assert_int_equal(md_stat(&md, "refused"), 1);
	test_proc_stop(&md);
	test_proc_stop(&v);
	env_clear();
}

/* No keys, no container, metadata switched off: a clear error at once. */
static void test_chain_off(void **state)
{
	struct aws_client *c = NULL;
	char *cause = NULL;

	(void)state;
	env_clear();
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	assert_int_equal(aws_client_from_env("us-east-1", NULL, &c, &cause), MT_EINVAL);
	assert_null(c);
	assert_non_null(strstr(cause, "no AWS credentials"));
	free(cause);
	cause = NULL;
	env_clear();
	/* a loopback endpoint without a metadata endpoint: the link-local address is not asked */
	assert_int_equal(aws_client_from_env("us-east-1", "http://127.0.0.1:9", &c, &cause), MT_EINVAL);
	free(cause);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imds),
		cmocka_unit_test(test_refresh_before_expiry),
		cmocka_unit_test(test_container),
		cmocka_unit_test(test_chain_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
