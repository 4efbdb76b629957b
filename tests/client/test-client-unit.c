/* libmaitre-client without a server: the config file parser (table-driven),
 * session files, idempotency keys, status names, JSON of records, errors
 * for bad arguments. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <maitre/client.h>

static char dir[] = "/tmp/mtc-unit-XXXXXX";   /* scratch directory */

/* Writes text to dir/name and returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Every known key, comments, quotes, sections, unknown keys kept. */
static void test_config_good(void **state)
{
	(void)state;
	struct mtc_config cfg;
	struct mtc_status st;
	const char *p = write_file("good", "# comment\n; other comment\n\nserver = http://127.0.0.1:8080/\n"
					   "email=host@example.com\ntheme = \"high contrast\"\npoll_interval = 5 # s\n"
					   "country = gb\nnotifications = off\nlast_waitlist = 01ABC\n"
					   "[tui]\nfilter = 4\n[maitre]\ntheme = light\n");
	assert_int_equal(mtc_config_load(p, &cfg, &st), MTC_OK);
	assert_string_equal(cfg.path, p);
	assert_string_equal(cfg.server, "http://127.0.0.1:8080/");
	assert_string_equal(cfg.email, "host@example.com");
	assert_string_equal(cfg.theme, "light");   /* [maitre] is the same as top level; last wins */
	assert_int_equal(cfg.poll_interval_s, 5);
	assert_string_equal(cfg.country, "GB");
	assert_int_equal(cfg.notifications, 0);
	assert_int_equal(cfg.n_warnings, 0);
	assert_int_equal(cfg.n_extra, 2);
	assert_string_equal(mtc_config_get(&cfg, "", "last_waitlist"), "01ABC");
	assert_string_equal(mtc_config_get(&cfg, "tui", "filter"), "4");
	assert_int_equal(cfg.extra[1].line, 12);
	assert_null(mtc_config_get(&cfg, "", "filter"));
	mtc_config_free(&cfg);
}

/* A table of bad lines: each one named by file:line, ignored, never fatal. */
static void test_config_bad_lines(void **state)
{
	(void)state;
	static const struct { const char *line; const char *message; } cases[] = {
		{ "just words", "expected key = value" },
		{ "= value", "empty key" },
		{ "[unclosed", "expected [section]" },
		{ "server = ftp://x", "server" },
		{ "email = nobody", "email" },
		{ "poll_interval = 0", "poll_interval" },
		{ "poll_interval = 3x", "poll_interval" },
		{ "poll_interval = 99999", "poll_interval" },
		{ "country = USA", "country" },
		{ "notifications = maybe", "notifications" },
		{ "theme = ", "theme" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "server = http://a.example\n%s\npoll_interval = 7\n", cases[i].line);
		const char *p = write_file("bad", text);
		struct mtc_config cfg;
		struct mtc_status st;
		assert_int_equal(mtc_config_load(p, &cfg, &st), MTC_OK);
		if (cfg.n_warnings != 1)
			fail_msg("case %zu (%s): %zu warnings", i, cases[i].line, cfg.n_warnings);
		assert_int_equal(cfg.warnings[0].line, 2);
		assert_string_equal(cfg.warnings[0].file, p);
		assert_non_null(strstr(cfg.warnings[0].message, cases[i].message));
		assert_string_equal(cfg.server, "http://a.example");   /* the good lines still count */
		assert_int_equal(cfg.poll_interval_s, 7);
		mtc_config_free(&cfg);
	}
	/* a missing file is an empty config; a directory is an error */
	struct mtc_config cfg;
	struct mtc_status st;
	char missing[300];
	snprintf(missing, sizeof missing, "%s/nope", dir);
	assert_int_equal(mtc_config_load(missing, &cfg, &st), MTC_OK);
	assert_null(cfg.path);
	assert_int_equal(cfg.notifications, -1);
	mtc_config_free(&cfg);
	assert_int_not_equal(mtc_config_load(dir, &cfg, &st), MTC_OK);
	mtc_config_free(&cfg);
}

/* Default paths follow XDG, then HOME. */
static void test_default_paths(void **state)
{
	(void)state;
	setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
	setenv("XDG_STATE_HOME", "/x/state", 1);
	char *c = mtc_config_default_path(), *s = mtc_session_default_path();
	assert_string_equal(c, "/x/cfg/maitre/config");
	assert_string_equal(s, "/x/state/maitre/session");
	free(c);
	free(s);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/h", 1);
	c = mtc_config_default_path();
	s = mtc_session_default_path();
	assert_string_equal(c, "/home/h/.config/maitre/config");
	assert_string_equal(s, "/home/h/.local/state/maitre/session");
	free(c);
	free(s);
}

/* Session files: 0600, directories made, atomic, forget, malformed. */
static void test_session_file(void **state)
{
	(void)state;
	char path[300];
	snprintf(path, sizeof path, "%s/state/maitre/session", dir);
	struct mtc_session s = { .server = "http://127.0.0.1:8080", .refresh_token = "rt-123" }, t;
	struct mtc_status st;
	assert_int_equal(mtc_session_load(path, &t, &st), MTC_ERR_UNAUTHORIZED);
	assert_int_equal(mtc_session_save(path, &s, &st), MTC_OK);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	char d[300];
	snprintf(d, sizeof d, "%s/state/maitre", dir);
	assert_int_equal(stat(d, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(mtc_session_load(path, &t, &st), MTC_OK);
	assert_string_equal(t.server, s.server);
	assert_string_equal(t.refresh_token, "rt-123");
	mtc_session_clear(&t);
	struct mtc_session bad = { .server = "http://x", .refresh_token = "a\nb" };
	assert_int_equal(mtc_session_save(path, &bad, &st), MTC_ERR_INVALID_ARG);
	assert_int_equal(mtc_session_forget(path, &st), MTC_OK);
	assert_int_equal(mtc_session_forget(path, &st), MTC_OK);
	assert_int_equal(mtc_session_load(write_file("junk", "hello\n"), &t, &st), MTC_ERR_IO);
}

/* Idempotency keys: random, valid, distinct; validation of caller keys. */
static void test_idempotency_keys(void **state)
{
	(void)state;
	char a[MTC_IDEMPOTENCY_KEY_SIZE], b[MTC_IDEMPOTENCY_KEY_SIZE];
	assert_int_equal(mtc_idempotency_key_new(a, sizeof a), MTC_OK);
	assert_int_equal(mtc_idempotency_key_new(b, sizeof b), MTC_OK);
	assert_int_equal(strlen(a), 36);
	assert_true(strcmp(a, b) != 0);
	assert_int_equal(mtc_idempotency_key_valid(a), 1);
	assert_int_equal(mtc_idempotency_key_new(a, 10), MTC_ERR_INVALID_ARG);
	char long_key[300];
	memset(long_key, 'k', 256);
	long_key[256] = '\0';
	assert_int_equal(mtc_idempotency_key_valid(long_key), 0);
	long_key[255] = '\0';
	assert_int_equal(mtc_idempotency_key_valid(long_key), 1);
	assert_int_equal(mtc_idempotency_key_valid(""), 0);
	assert_int_equal(mtc_idempotency_key_valid("a b"), 0);
	assert_int_equal(mtc_idempotency_key_valid("ключ"), 0);
	assert_int_equal(mtc_idempotency_key_valid(NULL), 0);
}

/* Status names both ways, and the API's JSON of a record. */
static void test_names_and_json(void **state)
{
	(void)state;
	assert_int_equal(mtc_party_status_parse("no_show"), MTC_PARTY_NO_SHOW);
	assert_int_equal(mtc_party_status_parse("no-show"), MTC_PARTY_NO_SHOW);
	assert_int_equal(mtc_party_status_parse("eaten"), MTC_PARTY_UNKNOWN);
	for (int s = MTC_PARTY_WAITING; s <= MTC_PARTY_NO_SHOW; s++)
		assert_int_equal(mtc_party_status_parse(mtc_party_status_name((enum mtc_party_status)s)), s);
	assert_int_equal(mtc_party_status_active(MTC_PARTY_CONFIRMED), 1);
	assert_int_equal(mtc_party_status_active(MTC_PARTY_SEATED), 0);
	assert_string_equal(mtc_strerror(MTC_ERR_PRECONDITION), "precondition failed");
	assert_string_equal(mtc_op_name(MTC_OP_CREATE_WAITEE), "create_waitee");
	struct mtc_waitee w = { .id = "01A", .waitlist_id = "01B", .name = "Zoë", .party_size = 4, .notes = "",
				.status = MTC_PARTY_SEATED, .joined_at = 1000, .seated_at = 2000, .version = 3,
				.previous_status = MTC_PARTY_NOTIFIED, .last_result = MTC_SEND_FAILED,
				.last_reason = "no phone" };
	char *js = mtc_waitee_to_json(&w);
	cJSON *o = cJSON_Parse(js);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "name")->valuestring, "Zoë");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "phoneNumber")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "notifiedAt")));
	assert_int_equal(cJSON_GetObjectItem(o, "seatedAt")->valuedouble, 2000);
	assert_string_equal(cJSON_GetObjectItem(o, "status")->valuestring, "seated");
	assert_string_equal(cJSON_GetObjectItem(o, "previousStatus")->valuestring, "notified");
	assert_string_equal(cJSON_GetObjectItem(o, "lastResult")->valuestring, "failed");
	cJSON_Delete(o);
	free(js);
	/* copy is deep */
	struct mtc_waitee c;
	w.name = strdup("Zoë");
	w.notes = strdup("");
	w.last_reason = strdup("no phone");
	assert_int_equal(mtc_waitee_copy(&c, &w), MTC_OK);
	assert_ptr_not_equal(c.name, w.name);
	assert_string_equal(c.name, "Zoë");
	mtc_waitee_clear(&w);
	assert_string_equal(c.last_reason, "no phone");
	mtc_waitee_clear(&c);
	assert_null(c.name);
}

/* Bad arguments are refused without a request; a bad server URL is refused. */
static void test_bad_arguments(void **state)
{
	(void)state;
	struct mtc_client *c = NULL;
	struct mtc_status st;
	assert_int_equal(mtc_client_new("ftp://x", &c, &st), MTC_ERR_INVALID_ARG);
	assert_null(c);
	assert_int_equal(mtc_client_new("http://a b", &c, &st), MTC_ERR_INVALID_ARG);
	assert_int_equal(mtc_client_new("http://127.0.0.1:9/", &c, &st), MTC_OK);
	assert_string_equal(mtc_client_server(c), "http://127.0.0.1:9");
	assert_int_equal(mtc_client_set_timeouts(c, -1, 0), MTC_ERR_INVALID_ARG);
	assert_int_equal(mtc_client_set_retries(c, 11), MTC_ERR_INVALID_ARG);
	struct mtc_waitee_input in = { .set = MTC_SET_NAME, .name = "x" };
	assert_int_equal(mtc_create_waitee(c, "01A/../x", &in, NULL, NULL, &st), MTC_ERR_INVALID_ARG);
	assert_int_equal(mtc_create_waitee(c, "01A", NULL, NULL, NULL, &st), MTC_ERR_INVALID_ARG);
	assert_int_equal(mtc_set_waitee_status(c, "01A", "01B", MTC_PARTY_UNKNOWN, 0, NULL, &st), MTC_ERR_INVALID_ARG);
	struct mtc_identity id;
	assert_int_equal(mtc_client_identity(c, &id), MTC_ERR_UNAUTHORIZED);
	assert_null(mtc_cache_waitlists(c));
	mtc_client_free(c);
	mtc_client_free(NULL);
}

/* Creates the scratch directory. */
static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL && mtc_global_init() == MTC_OK ? 0 : -1;
}

/* Removes it. */
static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	mtc_global_cleanup();
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_good),
		cmocka_unit_test(test_config_bad_lines),
		cmocka_unit_test(test_default_paths),
		cmocka_unit_test(test_session_file),
		cmocka_unit_test(test_idempotency_keys),
		cmocka_unit_test(test_names_and_json),
		cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
