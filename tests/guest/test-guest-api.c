/* Issue 14 over HTTP: the real maitred (tests/common harness) with
 * MAITRE_PUBLIC_URL set. Checks what only the host adds or can break: the
 * absolute guestUrl and checkInUrl, the page's headers as sent on the wire,
 * the form POST and 303 as a browser sends and follows them, the per-IP
 * limit with maitred's own client address, tokens and slugs never in the
 * request log, and a bad MAITRE_PUBLIC_URL refused at start. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define PUBLIC "https://wait.example.com"

/* The value of the first hidden csrf input of an HTML body (malloc'd). */
static char *csrf_of(const char *html)
{
	const char *p = strstr(html, "name=\"csrf\" value=\"");
	const char *e;

	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	e = strchr(p, '"');
	assert_non_null(e);
	return test_strf("%.*s", (int)(e - p), p);
}

/* The whole flow through maitred. */
static void test_over_http(void **state)
{
	static const char *const env[] = { "MAITRE_PUBLIC_URL=" PUBLIC "/", NULL };
	static const char *const form[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	struct test_server_opts opts = { .env = env };
	struct test_server srv;
	struct test_resp r;
	char *tok = NULL, *path, *body, *csrf, *log, *slug_path;
	const char *url, *token;
	cJSON *j;
	int i;

	(void)state;
	assert_int_equal(test_server_start(&srv, &opts), 0);
	assert_int_equal(test_register_and_login(&srv, NULL, NULL, NULL, &tok, NULL), 0);
	assert_int_equal(test_http(&srv, "POST", "/waitlists", tok, "{\"name\":\"Over HTTP\",\"selfCheckIn\":true}",
				   NULL, &r), 0);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	char *wl = test_strf("%s", test_json_str(j, "id"));
	url = test_json_str(j, "checkInUrl");
	assert_non_null(url);
	assert_int_equal(strncmp(url, PUBLIC "/j/", strlen(PUBLIC) + 3), 0);   /* trailing '/' dropped */
	slug_path = test_strf("%s", url + strlen(PUBLIC));
	cJSON_Delete(j);
	test_resp_free(&r);

	path = test_strf("/waitlists/%s/waitees", wl);
	assert_int_equal(test_http(&srv, "POST", path, tok, "{\"name\":\"Web Guest\",\"partySize\":2}", NULL, &r), 0);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	url = test_json_str(j, "guestUrl");
	assert_non_null(url);
	assert_int_equal(strncmp(url, PUBLIC "/g/", strlen(PUBLIC) + 3), 0);
	char *page = test_strf("%s", url + strlen(PUBLIC));
	char *we = test_strf("/waitlists/%s/waitees/%s", wl, test_json_str(j, "id"));
	token = page + 3;
	cJSON_Delete(j);
	test_resp_free(&r);

	/* the page as sent on the wire: public, no token needed */
	assert_int_equal(test_http(&srv, "GET", page, NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(test_resp_header(&r, "content-type"), "text/html; charset=utf-8");
	assert_non_null(strstr(test_resp_header(&r, "content-security-policy"), "default-src 'none'"));
	assert_string_equal(test_resp_header(&r, "referrer-policy"), "no-referrer");
	assert_string_equal(test_resp_header(&r, "x-content-type-options"), "nosniff");
	assert_string_equal(test_resp_header(&r, "cache-control"), "no-store");
	assert_non_null(test_resp_header(&r, "x-request-id"));
	assert_true(r.body_len < 15 * 1024);
	assert_non_null(strstr(r.body, "Web Guest, party of 2"));
	csrf = csrf_of(r.body);
	test_resp_free(&r);

	/* "On my way" as a browser posts it */
	body = test_strf("csrf=%s&action=confirm", csrf);
	assert_int_equal(test_http(&srv, "POST", page, NULL, body, form, &r), 0);
	assert_int_equal(r.status, 303);
	assert_string_equal(test_resp_header(&r, "location"), page);
	test_resp_free(&r);
	free(body);
	assert_int_equal(test_http(&srv, "GET", we, tok, NULL, NULL, &r), 0);
	j = test_resp_json(&r);
	assert_string_equal(test_json_str(j, "status"), "confirmed");
	cJSON_Delete(j);
	test_resp_free(&r);
	/* a forged form is refused and changes nothing */
	assert_int_equal(test_http(&srv, "POST", page, NULL, "action=cancel&confirm=yes", form, &r), 0);
	assert_int_equal(r.status, 403);
	test_resp_free(&r);
	/* an unknown token: 404, and another method: 405 */
	assert_int_equal(test_http(&srv, "GET", "/g/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(test_resp_header(&r, "content-type"), "text/html; charset=utf-8");
	test_resp_free(&r);
	assert_int_equal(test_http(&srv, "DELETE", page, NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 405);
	test_resp_free(&r);

	/* self check-in: 5 joins per client address per 10 minutes */
	assert_int_equal(test_http(&srv, "GET", slug_path, NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	free(csrf);
	csrf = csrf_of(r.body);
	test_resp_free(&r);
	for (i = 0; i < 6; i++) {
		body = test_strf("csrf=%s&name=Walk+in+%d&party=2&phone=&website=", csrf, i);
		assert_int_equal(test_http(&srv, "POST", slug_path, NULL, body, form, &r), 0);
		free(body);
		if (i < 5) {
			assert_int_equal(r.status, 303);
			assert_int_equal(strncmp(test_resp_header(&r, "location"), "/g/", 3), 0);
		} else {
			assert_int_equal(r.status, 429);
			assert_non_null(test_resp_header(&r, "retry-after"));
		}
		test_resp_free(&r);
	}

	/* a party with a phone gets its "joined" text at once; with no SMS
	 * gateway configured it goes to the log channel, link cut */
	assert_int_equal(test_http(&srv, "POST", path, tok,
				   "{\"name\":\"Texted\",\"phoneNumber\":\"+14155550123\",\"quotedMinutes\":30}", NULL, &r), 0);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	char *texted = test_strf("%s", test_json_str(j, "guestUrl") + strlen(PUBLIC) + 3);
	cJSON_Delete(j);
	test_resp_free(&r);
	/* (on DynamoDB without SQS maitred has no queue: no message to look for) */
	const char *store_env = getenv("MAITRE_TEST_STORE_URL");
	int has_queue = store_env == NULL || strncmp(store_env, "dynamodb:", 9) != 0;

	for (i = 0; has_queue && i < 200; i++) {
		log = test_server_log(&srv);
		if (log != NULL && strstr(log, "log channel") != NULL)
			break;
		free(log);
		log = NULL;
		usleep(50000);
	}
	if (has_queue) {
		assert_non_null(log);
		assert_non_null(strstr(log, PUBLIC "/g/-"));   /* the text had the link ({link} default) */
		free(log);
	}

	/* nothing secret in the log */
	assert_int_equal(test_server_stop(&srv, 0), 0);
	log = test_server_log(&srv);
	assert_non_null(log);
	assert_null(strstr(log, token));
	assert_null(strstr(log, texted));
	assert_null(strstr(log, "4155550123"));
	assert_null(strstr(log, slug_path + 3));
	assert_null(strstr(log, csrf));
	assert_non_null(strstr(log, "\"path\":\"/g/-\""));
	assert_non_null(strstr(log, "\"path\":\"/j/-\""));
	free(log);
	free(csrf);
	free(page);
	free(we);
	free(path);
	free(wl);
	free(slug_path);
	free(tok);
	free(texted);
	test_server_free(&srv);
}

/* A bad MAITRE_PUBLIC_URL stops maitred at start with a clear message. */
static void test_bad_public_url(void **state)
{
	static const char *const args[] = { "--listen", "127.0.0.1:1", "--data-dir", "/tmp/maitre-guest-bad-url", NULL };
	static const char *const env[] = { "MAITRE_PUBLIC_URL=javascript:alert(1)", NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(test_run_maitred(args, env, 10000, &out), 1);
	assert_non_null(out);
	assert_non_null(strstr(out, "MAITRE_PUBLIC_URL must start with https:// or http://"));
	free(out);
	assert_int_equal(system("rm -rf /tmp/maitre-guest-bad-url"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_over_http),
		cmocka_unit_test(test_bad_public_url),
	};

	return cmocka_run_group_tests_name("guest-api", tests, NULL, NULL);
}
