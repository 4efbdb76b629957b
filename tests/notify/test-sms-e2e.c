/* End to end through maitred: a guest is texted through the SMS sink (real
 * gateway protocol), replies through POST /hooks/sms as the gateway would
 * (form body, secret in the query), and the host sees the result in the
 * API; the hook's secret is never written to maitred's log. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include <cmocka.h>
#include "chan-util.h"
#include "harness.h"

#define ACCOUNT "ACe2e0000000000000000"
#define TOKEN "e2e-sink-token"
#define HOOK "e2e-hook-secret-value"

/* Sleeps ms milliseconds. */
static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Reads one waitee through the API (caller frees). */
static cJSON *get_waitee(const struct test_server *srv, const char *tok, const char *wl, const char *id)
{
	char *path = test_strf("/waitlists/%s/waitees", wl);
	struct test_resp r;
	cJSON *arr, *it, *out = NULL;

	assert_int_equal(test_http(srv, "GET", path, tok, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	arr = test_resp_json(&r);
	cJSON_ArrayForEach(it, arr) {
		if (strcmp(test_json_str(it, "id"), id) == 0)
			out = cJSON_Duplicate(it, 1);
	}
	cJSON_Delete(arr);
	test_resp_free(&r);
	free(path);
	assert_non_null(out);
	return out;
}

/* Posts a reply form as the gateway would. Returns the HTTP status. */
static long hook_post(const struct test_server *srv, const char *query, const char *form, char **body)
{
	static const char *const hdrs[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	char *path = test_strf("/hooks/sms%s", query);
	struct test_resp r;
	long st;

	assert_int_equal(test_http_raw(srv->base_url, "POST", path, NULL, form, strlen(form), hdrs, &r), 0);
	st = r.status;
	if (body)
		*body = strdup(r.body);
	test_resp_free(&r);
	free(path);
	return st;
}

/* Text, reply 1, reply free text, wrong secret, unknown number. */
static void test_text_and_reply(void **state)
{
	char dir[256], pf[300], log[300], helpers[300], base[64];
	char env_url[128], *sink = test_strf("%s/sms-sink.py", cu_srcdir());
	const char *env[] = { env_url, "MAITRE_SMS_ACCOUNT=" ACCOUNT, "MAITRE_SMS_TOKEN=" TOKEN,
			      "MAITRE_SMS_FROM=+15550001111", "MAITRE_SMS_HOOK_SECRET=" HOOK, NULL };
	const char *args[] = { "--tick-seconds", "1", NULL };
	struct test_server_opts opts = { .args = args, .env = env };
	struct test_server srv;
	struct test_resp r;
	char *tok = NULL, *path, *key, *known = NULL, *unknown = NULL, *mlog;
	const char *wl, *id;
	cJSON *j, *w, *wlj, *sent = NULL;
	pid_t pid;
	int port, i;

	(void)state;
	assert_int_equal(cu_tmpdir(dir, sizeof(dir)), 0);
	snprintf(pf, sizeof(pf), "%s/sink.port", dir);
	snprintf(log, sizeof(log), "%s/sms.jsonl", dir);
	snprintf(helpers, sizeof(helpers), "%s/sink.log", dir);
	{
		char *argv[] = { (char *)CU_PYTHON, sink, (char *)"--port-file", pf, (char *)"--account",
				 (char *)ACCOUNT, (char *)"--token", (char *)TOKEN, (char *)"--log", log, NULL };
		assert_int_equal(cu_spawn(argv, helpers, &pid), 0);
	}
	port = cu_wait_port_file(pf, pid, 10000);
	assert_true(port > 0);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	snprintf(env_url, sizeof(env_url), "MAITRE_SMS_URL=%s", base);

	assert_int_equal(test_server_start(&srv, &opts), 0);
	assert_int_equal(test_register_and_login(&srv, NULL, NULL, NULL, &tok, NULL), 0);
	assert_int_equal(test_http(&srv, "POST", "/waitlists", tok, "{\"name\":\"Chez Luigi\",\"description\":\"\"}",
				   NULL, &r), 0);
	assert_int_equal(r.status, 201);
	wlj = test_resp_json(&r);
	test_resp_free(&r);
	wl = test_json_str(wlj, "id");
	path = test_strf("/waitlists/%s/waitees", wl);
	assert_int_equal(test_http(&srv, "POST", path, tok,
				   "{\"name\":\"Ana\",\"phoneNumber\":\"+15551234567\",\"notifyIn\":0}", NULL, &r), 0);
	assert_int_equal(r.status, 201);
	j = test_resp_json(&r);
	test_resp_free(&r);
	id = test_json_str(j, "id");

	/* The text reaches the gateway with the default ready text. */
	key = test_strf("%s:1", id);
	for (i = 0; i < 100 && sent == NULL; i++) {
		sleep_ms(100);
		sent = cu_log_find(log, "key", key);
	}
	assert_non_null(sent);
	assert_string_equal(test_json_str(sent, "to"), "+15551234567");
	assert_string_equal(test_json_str(sent, "body"),
			    "Ana, your table at Chez Luigi is ready! Please come to the host stand now. "
			    "Reply 1 to confirm, 9 to cancel.");
	cJSON_Delete(sent);

	/* Wrong secret: 401, nothing changes. */
	assert_int_equal(hook_post(&srv, "?secret=wrong", "From=%2B15551234567&Body=9", NULL), 401);
	/* "1": confirmed. */
	assert_int_equal(hook_post(&srv, "?secret=" HOOK, "From=%2B15551234567&Body=1", &known), 200);
	w = get_waitee(&srv, tok, wl, id);
	assert_string_equal(test_json_str(w, "status"), "confirmed");
	cJSON_Delete(w);
	/* Free text: visible to the host. */
	assert_int_equal(hook_post(&srv, "?secret=" HOOK, "From=%2B15551234567&Body=Parking%2C+2+min+%C3%A7a+va", NULL),
			 200);
	w = get_waitee(&srv, tok, wl, id);
	assert_string_equal(test_json_str(w, "reply"), "Parking, 2 min ça va");
	assert_string_equal(test_json_str(w, "status"), "confirmed");
	cJSON_Delete(w);
	/* Unknown number: the same answer. */
	assert_int_equal(hook_post(&srv, "?secret=" HOOK, "From=%2B19998887777&Body=1", &unknown), 200);
	assert_string_equal(known, unknown);

	/* Secrets never reach the log. */
	mlog = test_server_log(&srv);
	assert_non_null(mlog);
	assert_null(strstr(mlog, HOOK));
	assert_null(strstr(mlog, TOKEN));
	free(mlog);

	assert_int_equal(test_server_stop(&srv, 0), 0);
	test_server_free(&srv);
	cu_stop(pid);
	cu_rmtree(dir);
	free(known);
	free(unknown);
	free(key);
	free(path);
	free(sink);
	free(tok);
	cJSON_Delete(j);
	cJSON_Delete(wlj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
