/* Staff accounts, passwords and the restaurant over HTTP against a real
 * maitred (SQLite here; the same binary runs on DynamoDB under dynalite-run).
 * What each test shows is in its comment; the role matrix itself is
 * tests/api/test-api-roles.c. The server runs with the authorizer cache off
 * except in test_cache_bound, which measures the documented bound. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

/* The server, its owner and the owner's restaurant. */
struct sf {
	struct test_server srv;   /* running maitred, authorizer cache off */
	char owner_email[128];    /* the owner's e-mail */
	char *owner;              /* the owner's "Bearer ..." */
	char owner_id[32];        /* its account id */
};

/* Sends one request; returns the status and *json (when asked). */
static long call(struct test_server *srv, const char *tok, const char *method, const char *path,
		 const char *body, cJSON **json)
{
	struct test_resp r;
	long st;

	if (test_http(srv, method, path, tok, body, NULL, &r) != 0)
		fail_msg("%s %s: no answer", method, path);
	st = r.status;
	if (json != NULL)
		*json = test_resp_json(&r);
	test_resp_free(&r);
	return st;
}

/* The error code of an answer ("" when none). */
static const char *code(const cJSON *j)
{
	const char *c = test_json_str(j, "error");

	return c ? c : "";
}

/* Logs in: status; *json the answer (caller deletes). */
static long login(struct test_server *srv, const char *email, const char *pw, cJSON **json)
{
	char *body = test_strf("{\"email\":\"%s\",\"password\":\"%s\"}", email, pw);
	long st = call(srv, NULL, "POST", "/auth/get-token", body, json);

	free(body);
	return st;
}

/* A string field copied out of a JSON answer (malloc'd, "" when absent). */
static char *take(const cJSON *j, const char *k)
{
	const char *v = test_json_str(j, k);
	char *s = strdup(v ? v : "");

	assert_non_null(s);
	return s;
}

/* Creates a staff account as tok: its id in id (32 bytes); the status. */
static long add_staff(struct sf *f, const char *tok, const char *email, const char *role, const char *pw, char *id)
{
	char *body = test_strf("{\"email\":\"%s\",\"name\":\"Staff %s\",\"role\":\"%s\",\"password\":\"%s\"}",
			       email, role, role, pw);
	cJSON *j = NULL;
	long st = call(&f->srv, tok, "POST", "/staff", body, &j);

	if (id != NULL)
		snprintf(id, 32, "%s", st == 201 ? test_json_str(j, "id") : "");
	cJSON_Delete(j);
	free(body);
	return st;
}

/* Registers the owner with a restaurant name and logs in. */
static int sf_start(struct sf *f, const char *cache_s)
{
	const char *args[] = { "--auth-cache-seconds", cache_s, NULL };
	struct test_server_opts o = { .args = args };
	cJSON *j = NULL;
	char *body;
	long st;

	memset(f, 0, sizeof *f);
	if (test_server_start(&f->srv, &o) != 0)
		return -1;
	test_unique_email(f->owner_email, sizeof f->owner_email, "owner");
	body = test_strf("{\"email\":\"%s\",\"password\":\"owner password\",\"name\":\"Ana\","
			 "\"restaurantName\":\"Chez Zoë\"}", f->owner_email);
	st = call(&f->srv, NULL, "POST", "/register", body, &j);
	free(body);
	if (st != 201 || strcmp(test_json_str(cJSON_GetObjectItemCaseSensitive(j, "restaurant"), "name"), "Chez Zoë") != 0)
		return -1;
	snprintf(f->owner_id, sizeof f->owner_id, "%s", test_json_str(j, "id"));
	cJSON_Delete(j);
	if (login(&f->srv, f->owner_email, "owner password", &j) != 200)
		return -1;
	f->owner = take(j, "accessToken");
	cJSON_Delete(j);
	return 0;
}

/* Setup: a server with the authorizer cache off. */
static int sf_setup(void **state)
{
	struct sf *f = calloc(1, sizeof *f);

	if (f == NULL || sf_start(f, "0") != 0)
		return -1;
	*state = f;
	return 0;
}

/* Teardown. */
static int sf_teardown(void **state)
{
	struct sf *f = *state;

	free(f->owner);
	test_server_free(&f->srv);
	free(f);
	return 0;
}

/* A new host: created by the owner, logs in with the initial password,
 * must change it first (403 password_change_required elsewhere), a wrong
 * current password is refused, the change answers a new session without
 * the pending flag, and the old refresh token is revoked. */
static void test_first_login(void **state)
{
	struct sf *f = *state;
	char email[128], id[32], *tok, *refresh, *tok2, *body;
	cJSON *j = NULL;

	test_unique_email(email, sizeof email, "host");
	assert_int_equal(add_staff(f, f->owner, email, "host", "initial password", id), 201);
	assert_int_equal(login(&f->srv, email, "initial password", &j), 200);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "mustChangePassword")));
	assert_string_equal(test_json_str(j, "role"), "host");
	assert_string_equal(test_json_str(cJSON_GetObjectItemCaseSensitive(j, "restaurant"), "name"), "Chez Zoë");
	assert_string_equal(test_json_str(cJSON_GetObjectItemCaseSensitive(j, "restaurant"), "timezone"), "UTC");
	tok = take(j, "accessToken");
	refresh = take(j, "refreshToken");
	cJSON_Delete(j);

	assert_int_equal(call(&f->srv, tok, "GET", "/waitlists", NULL, &j), 403);
	assert_string_equal(code(j), "password_change_required");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, tok, "POST", "/auth/password",
			      "{\"currentPassword\":\"not it at all\",\"newPassword\":\"my own password\"}", &j), 403);
	assert_string_equal(code(j), "wrong_password");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, tok, "POST", "/auth/password",
			      "{\"currentPassword\":\"initial password\",\"newPassword\":\"initial password\"}", &j), 400);
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, tok, "POST", "/auth/password",
			      "{\"currentPassword\":\"initial password\",\"newPassword\":\"my own password\"}", &j), 200);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "mustChangePassword")));
	tok2 = take(j, "accessToken");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, tok2, "GET", "/waitlists", NULL, NULL), 200);
	/* the session from before the change is over: its refresh and access tokens */
	body = test_strf("{\"refreshToken\":\"%s\"}", refresh);
	assert_int_equal(call(&f->srv, NULL, "POST", "/auth/refresh", body, NULL), 401);
	free(body);
	assert_int_equal(call(&f->srv, tok, "GET", "/waitlists", NULL, NULL), 401);
	/* the old password no longer logs in; the new one does, with nothing pending */
	assert_int_equal(login(&f->srv, email, "initial password", NULL), 401);
	assert_int_equal(login(&f->srv, email, "my own password", &j), 200);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "mustChangePassword")));
	cJSON_Delete(j);
	free(tok);
	free(tok2);
	free(refresh);
}

/* Disabling an account: its refresh token is refused at once, its access
 * token too (cache off), the right password answers 403 account_disabled
 * (a wrong one the usual 401); enabling it again lets it log in. */
static void test_disable(void **state)
{
	struct sf *f = *state;
	char email[128], id[32], path[64], *tok, *refresh, *body;
	cJSON *j = NULL;

	test_unique_email(email, sizeof email, "disable");
	assert_int_equal(add_staff(f, f->owner, email, "manager", "initial password", id), 201);
	assert_int_equal(login(&f->srv, email, "initial password", &j), 200);
	tok = take(j, "accessToken");
	refresh = take(j, "refreshToken");
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/staff/%s", id);
	assert_int_equal(call(&f->srv, f->owner, "PUT", path, "{\"disabled\":true}", &j), 200);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "disabled")));
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, tok, "POST", "/auth/password",
			      "{\"currentPassword\":\"initial password\",\"newPassword\":\"whatever password\"}", NULL), 401);
	body = test_strf("{\"refreshToken\":\"%s\"}", refresh);
	assert_int_equal(call(&f->srv, NULL, "POST", "/auth/refresh", body, NULL), 401);
	free(body);
	assert_int_equal(login(&f->srv, email, "initial password", &j), 403);
	assert_string_equal(code(j), "account_disabled");
	cJSON_Delete(j);
	assert_int_equal(login(&f->srv, email, "wrong password!", &j), 401);
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, f->owner, "PUT", path, "{\"disabled\":false}", &j), 200);
	cJSON_Delete(j);
	assert_int_equal(login(&f->srv, email, "initial password", &j), 200);
	cJSON_Delete(j);
	/* the restaurant-wide activity has the account's creation and both changes, by the owner */
	{
		int created = 0, disabled = 0, enabled = 0;
		const cJSON *it;

		assert_int_equal(call(&f->srv, f->owner, "GET", "/activity?limit=100", NULL, &j), 200);
		cJSON_ArrayForEach(it, j) {
			const char *subject = test_json_str(it, "subjectId"), *action = test_json_str(it, "action");
			const cJSON *after = cJSON_GetObjectItemCaseSensitive(it, "after");
			const cJSON *dis = cJSON_GetObjectItemCaseSensitive(after, "disabled");

			if (subject == NULL || strcmp(subject, id) != 0 || action == NULL)
				continue;
			assert_string_equal(test_json_str(cJSON_GetObjectItemCaseSensitive(it, "actor"), "id"), f->owner_id);
			created |= strcmp(action, "staff_created") == 0;
			if (strcmp(action, "staff_edited") == 0) {
				disabled |= cJSON_IsTrue(dis);
				enabled |= cJSON_IsFalse(dis);
			}
		}
		if (!created || !disabled || !enabled) {
			char *text = cJSON_PrintUnformatted(j);

			fail_msg("activity lacks the staff changes: %s", text ? text : "?");
		}
		cJSON_Delete(j);
	}
	free(tok);
	free(refresh);
}

/* Changing a role: the old token (old role) is refused, a new login has the
 * new role and its rights. */
static void test_role_change(void **state)
{
	struct sf *f = *state;
	char email[128], id[32], path[64], *tok;
	cJSON *j = NULL;

	test_unique_email(email, sizeof email, "promote");
	assert_int_equal(add_staff(f, f->owner, email, "host", "initial password", id), 201);
	assert_int_equal(login(&f->srv, email, "initial password", &j), 200);
	tok = take(j, "accessToken");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, tok, "POST", "/auth/password",
			      "{\"currentPassword\":\"initial password\",\"newPassword\":\"second password\"}", &j), 200);
	free(tok);
	tok = take(j, "accessToken");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, tok, "POST", "/waitlists", "{\"name\":\"Not yet\"}", NULL), 403);
	snprintf(path, sizeof path, "/staff/%s", id);
	assert_int_equal(call(&f->srv, f->owner, "PUT", path, "{\"role\":\"manager\"}", &j), 200);
	assert_string_equal(test_json_str(j, "role"), "manager");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, tok, "GET", "/waitlists", NULL, NULL), 401);
	free(tok);
	assert_int_equal(login(&f->srv, email, "second password", &j), 200);
	assert_string_equal(test_json_str(j, "role"), "manager");
	tok = take(j, "accessToken");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, tok, "POST", "/waitlists", "{\"name\":\"Now yes\"}", NULL), 201);
	free(tok);
}

/* What a manager may do with staff: hosts only (create, list, edit, reset),
 * never managers or the owner, never make a manager. A reset makes the host
 * change its password again. */
static void test_manager_limits(void **state)
{
	struct sf *f = *state;
	char email[128], hemail[128], mid[32], hid[32], other[32], path[96], *mtok;
	cJSON *j = NULL, *it;
	int saw_host = 0, saw_owner = 0, saw_other = 0;

	test_unique_email(email, sizeof email, "mgr");
	assert_int_equal(add_staff(f, f->owner, email, "manager", "initial password", mid), 201);
	assert_int_equal(login(&f->srv, email, "initial password", &j), 200);
	mtok = take(j, "accessToken");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, mtok, "POST", "/auth/password",
			      "{\"currentPassword\":\"initial password\",\"newPassword\":\"second password\"}", &j), 200);
	free(mtok);
	mtok = take(j, "accessToken");
	cJSON_Delete(j);

	test_unique_email(hemail, sizeof hemail, "mgr-host");
	assert_int_equal(add_staff(f, mtok, hemail, "host", "initial password", hid), 201);
	test_unique_email(email, sizeof email, "mgr-mgr");
	assert_int_equal(add_staff(f, mtok, email, "manager", "initial password", NULL), 403);
	test_unique_email(email, sizeof email, "other-mgr");
	assert_int_equal(add_staff(f, f->owner, email, "manager", "initial password", other), 201);

	assert_int_equal(call(&f->srv, mtok, "GET", "/staff", NULL, &j), 200);
	cJSON_ArrayForEach(it, j) {
		const char *id = test_json_str(it, "id");

		assert_null(cJSON_GetObjectItemCaseSensitive(it, "passwordHash"));
		saw_host |= strcmp(id, hid) == 0;
		saw_owner |= strcmp(id, f->owner_id) == 0;
		saw_other |= strcmp(id, other) == 0;
		if (strcmp(id, mid) != 0)
			assert_string_equal(test_json_str(it, "role"), "host");
	}
	cJSON_Delete(j);
	assert_true(saw_host);
	assert_false(saw_owner);
	assert_false(saw_other);

	snprintf(path, sizeof path, "/staff/%s", other);
	assert_int_equal(call(&f->srv, mtok, "GET", path, NULL, NULL), 403);
	assert_int_equal(call(&f->srv, mtok, "PUT", path, "{\"name\":\"x\"}", NULL), 403);
	snprintf(path, sizeof path, "/staff/%s/password", other);
	assert_int_equal(call(&f->srv, mtok, "POST", path, "{\"password\":\"reset password\"}", NULL), 403);
	snprintf(path, sizeof path, "/staff/%s/password", f->owner_id);
	assert_int_equal(call(&f->srv, mtok, "POST", path, "{\"password\":\"reset password\"}", NULL), 403);
	snprintf(path, sizeof path, "/staff/%s", hid);
	assert_int_equal(call(&f->srv, mtok, "PUT", path, "{\"role\":\"manager\"}", &j), 403);
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, mtok, "PUT", path, "{\"name\":\"Renamed host\"}", &j), 200);
	assert_string_equal(test_json_str(j, "name"), "Renamed host");
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/staff/%s/password", hid);
	assert_int_equal(call(&f->srv, mtok, "POST", path, "{\"password\":\"reset by manager\"}", &j), 200);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "mustChangePassword")));
	cJSON_Delete(j);
	assert_int_equal(login(&f->srv, hemail, "initial password", NULL), 401);
	assert_int_equal(login(&f->srv, hemail, "reset by manager", &j), 200);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "mustChangePassword")));
	cJSON_Delete(j);
	free(mtok);
}

/* The owner cannot be demoted, disabled, or reset through /staff; bad input
 * gets a 400 naming the field; a taken e-mail 409; another restaurant's
 * account is 404; a stale If-Match 412. */
static void test_rules_and_input(void **state)
{
	struct sf *f = *state;
	char email[128], id[32], path[96], *other = NULL;
	cJSON *j = NULL;

	snprintf(path, sizeof path, "/staff/%s", f->owner_id);
	assert_int_equal(call(&f->srv, f->owner, "PUT", path, "{\"role\":\"host\"}", &j), 400);
	assert_string_equal(test_json_str(j, "field"), "role");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, f->owner, "PUT", path, "{\"disabled\":true}", &j), 400);
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, f->owner, "PUT", path, "{\"name\":\"Ana María\"}", &j), 200);
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/staff/%s/password", f->owner_id);
	assert_int_equal(call(&f->srv, f->owner, "POST", path, "{\"password\":\"new owner pass\"}", NULL), 400);

	assert_int_equal(add_staff(f, f->owner, "not-an-email", "host", "initial password", NULL), 400);
	test_unique_email(email, sizeof email, "input");
	assert_int_equal(add_staff(f, f->owner, email, "host", "short", NULL), 400);
	assert_int_equal(add_staff(f, f->owner, email, "owner", "initial password", NULL), 400);
	assert_int_equal(add_staff(f, f->owner, email, "chef", "initial password", NULL), 400);
	assert_int_equal(add_staff(f, f->owner, f->owner_email, "host", "initial password", NULL), 409);
	assert_int_equal(call(&f->srv, f->owner, "POST", "/staff",
			      "{\"email\":\"x@example.com\",\"name\":\"X\",\"role\":\"host\",\"password\":\"initial password\","
			      "\"disabled\":false}", &j), 400);
	assert_string_equal(test_json_str(j, "field"), "disabled");
	cJSON_Delete(j);
	assert_int_equal(add_staff(f, f->owner, email, "host", "initial password", id), 201);
	snprintf(path, sizeof path, "/staff/%s", id);
	assert_int_equal(call(&f->srv, f->owner, "PUT", path, "{\"email\":\"new@example.com\"}", NULL), 400);
	assert_int_equal(call(&f->srv, f->owner, "PUT", path, "{\"shoeSize\":42}", NULL), 400);
	assert_int_equal(call(&f->srv, f->owner, "PUT", path, "{\"version\":99,\"name\":\"Stale\"}", NULL), 412);
	assert_int_equal(call(&f->srv, f->owner, "GET", path, NULL, &j), 200);
	assert_string_equal(test_json_str(j, "name"), "Staff host");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, f->owner, "GET", "/staff/01HZZZZZZZZZZZZZZZZZZZZZZZ", NULL, NULL), 404);
	assert_int_equal(call(&f->srv, f->owner, "GET", "/staff/nonsense", NULL, NULL), 404);

	/* another restaurant sees none of it */
	assert_int_equal(test_register_and_login(&f->srv, NULL, NULL, "Other", &other, NULL), 0);
	assert_int_equal(call(&f->srv, other, "GET", path, NULL, NULL), 404);
	assert_int_equal(call(&f->srv, other, "PUT", path, "{\"disabled\":true}", NULL), 404);
	snprintf(path, sizeof path, "/staff/%s/password", id);
	assert_int_equal(call(&f->srv, other, "POST", path, "{\"password\":\"taken over!\"}", NULL), 404);
	assert_int_equal(call(&f->srv, other, "GET", "/staff", NULL, &j), 200);
	assert_int_equal(cJSON_GetArraySize(j), 1);   /* its own owner only */
	cJSON_Delete(j);
	free(other);
}

/* The restaurant: read with defaults, PUT partial and conditional, bad
 * fields refused; the new name reaches the login answer and the guest's
 * text message (log channel) and status page. */
static void test_restaurant(void **state)
{
	struct sf *f = *state;
	char *guest = NULL, *log = NULL, *path;
	cJSON *j = NULL;
	int i, found = 0;

	assert_int_equal(call(&f->srv, f->owner, "GET", "/restaurant", NULL, &j), 200);
	assert_string_equal(test_json_str(j, "name"), "Chez Zoë");
	assert_string_equal(test_json_str(j, "timezone"), "UTC");
	assert_int_equal((int)test_json_num(j, "retentionSeconds", 0), 86400);
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, f->owner, "PUT", "/restaurant", "{\"timezone\":\"Mars/Olympus\"}", &j), 400);
	assert_string_equal(test_json_str(j, "field"), "timezone");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, f->owner, "PUT", "/restaurant", "{\"phoneCountry\":\"fr\"}", NULL), 400);
	assert_int_equal(call(&f->srv, f->owner, "PUT", "/restaurant", "{\"retentionSeconds\":5}", NULL), 400);
	assert_int_equal(call(&f->srv, f->owner, "PUT", "/restaurant", "{\"name\":\"\"}", NULL), 400);
	assert_int_equal(call(&f->srv, f->owner, "PUT", "/restaurant", "{\"id\":\"x\"}", NULL), 400);
	assert_int_equal(call(&f->srv, f->owner, "PUT", "/restaurant", "{\"colour\":\"red\"}", NULL), 400);
	assert_int_equal(call(&f->srv, f->owner, "PUT", "/restaurant",
			      "{\"name\":\"Le Petit Zinc\",\"timezone\":\"America/Argentina/Buenos_Aires\","
			      "\"phoneCountry\":\"AR\",\"retentionSeconds\":7200,\"smsPerDay\":50}", &j), 200);
	assert_string_equal(test_json_str(j, "timezone"), "America/Argentina/Buenos_Aires");
	assert_int_equal((int)test_json_num(j, "version", 0), 2);
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, f->owner, "PUT", "/restaurant", "{\"version\":1,\"name\":\"Stale\"}", NULL), 412);
	assert_int_equal(call(&f->srv, f->owner, "GET", "/restaurant", NULL, &j), 200);
	assert_string_equal(test_json_str(j, "name"), "Le Petit Zinc");
	assert_string_equal(test_json_str(j, "phoneCountry"), "AR");
	assert_int_equal((int)test_json_num(j, "smsPerDay", 0), 50);
	cJSON_Delete(j);
	assert_int_equal(login(&f->srv, f->owner_email, "owner password", &j), 200);
	assert_string_equal(test_json_str(cJSON_GetObjectItemCaseSensitive(j, "restaurant"), "name"), "Le Petit Zinc");
	cJSON_Delete(j);

	/* a party texted now: the message names the restaurant, not the list */
	assert_int_equal(call(&f->srv, f->owner, "POST", "/waitlists", "{\"name\":\"Dinner\"}", &j), 201);
	path = test_strf("/waitlists/%s/waitees", test_json_str(j, "id"));
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, f->owner, "POST", path,
			      "{\"name\":\"Zoë\",\"partySize\":2,\"phoneNumber\":\"+15557654321\",\"notifyIn\":0}", &j), 201);
	if (test_json_str(j, "guestUrl") != NULL)
		guest = take(j, "guestUrl");
	cJSON_Delete(j);
	free(path);
	log = test_server_log(&f->srv);
	assert_non_null(log);
	/* maitred on DynamoDB without SQS has no queue: no texts to look at */
	found = strstr(log, "notifications are off") != NULL;
	for (i = 0; i < 100 && !found; i++) {
		free(log);
		log = test_server_log(&f->srv);
		found = log != NULL && strstr(log, "Le Petit Zinc") != NULL;
		if (!found)
			usleep(100 * 1000);
	}
	if (!found)
		fail_msg("no message naming the restaurant in maitred's log");
	free(log);
	if (guest != NULL && guest[0] == '/') {
		struct test_resp r;

		assert_int_equal(test_http(&f->srv, "GET", guest, NULL, NULL, NULL, &r), 0);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(r.body, "Le Petit Zinc"));
		test_resp_free(&r);
	}
	free(guest);
}

/* POST /register with the restaurant's time zone and phone country (what
 * the app's first-run form sends): stored with the name, in the login
 * answer's restaurant; bad ones refused with 400 naming the field, and no
 * account made by the refused requests. */
static void test_register_zone_country(void **state)
{
	struct sf *f = *state;
	char email[128], *body, *tok;
	cJSON *j = NULL;

	static const char *const bad[][2] = {
		{ "\"restaurantName\":\"Tasca\",\"timezone\":\"Mars/Olympus\"", "timezone" },
		{ "\"timezone\":\"Europe/Lisbon\",\"phoneCountry\":\"pt\"", "phoneCountry" },
	};

	test_unique_email(email, sizeof email, "zone");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		body = test_strf("{\"email\":\"%s\",\"password\":\"owner password\",\"name\":\"Rui\",%s}", email,
				 bad[i][0]);
		assert_int_equal(call(&f->srv, NULL, "POST", "/register", body, &j), 400);
		assert_string_equal(test_json_str(j, "field"), bad[i][1]);
		cJSON_Delete(j);
		free(body);
	}
	assert_int_equal(login(&f->srv, email, "owner password", NULL), 401);

	body = test_strf("{\"email\":\"%s\",\"password\":\"owner password\",\"name\":\"Rui\","
			 "\"restaurantName\":\"Tasca\",\"timezone\":\"Europe/Lisbon\",\"phoneCountry\":\"PT\"}",
			 email);
	assert_int_equal(call(&f->srv, NULL, "POST", "/register", body, &j), 201);
	assert_string_equal(test_json_str(cJSON_GetObjectItemCaseSensitive(j, "restaurant"), "timezone"),
			    "Europe/Lisbon");
	cJSON_Delete(j);
	free(body);
	assert_int_equal(login(&f->srv, email, "owner password", &j), 200);
	assert_string_equal(test_json_str(cJSON_GetObjectItemCaseSensitive(j, "restaurant"), "timezone"),
			    "Europe/Lisbon");
	tok = take(j, "accessToken");
	cJSON_Delete(j);
	assert_int_equal(call(&f->srv, tok, "GET", "/restaurant", NULL, &j), 200);
	assert_string_equal(test_json_str(j, "name"), "Tasca");
	assert_string_equal(test_json_str(j, "timezone"), "Europe/Lisbon");
	assert_string_equal(test_json_str(j, "phoneCountry"), "PT");
	cJSON_Delete(j);
	free(tok);
}

/* The restaurant's own day limit for texts (smsPerDay) lowers the
 * server's: with 1, once one text went (the party's "joined" text, or a
 * "table ready"), "table ready" answers 429 naming the restaurant's limit;
 * back to 0 (the server's limit), it goes. Without a queue (DynamoDB
 * without SQS) no text is ever sent: only the setting is checked there. */
static void test_restaurant_sms_limit(void **state)
{
	struct sf g;
	char *path, *npath, *log;
	cJSON *j = NULL;
	long st = 0;
	int i, queue;

	(void)state;
	assert_int_equal(sf_start(&g, "0"), 0);
	assert_int_equal(call(&g.srv, g.owner, "PUT", "/restaurant", "{\"smsPerDay\":1}", &j), 200);
	assert_int_equal((int)test_json_num(j, "smsPerDay", 0), 1);
	cJSON_Delete(j);
	log = test_server_log(&g.srv);
	assert_non_null(log);
	queue = strstr(log, "notifications are off") == NULL;
	free(log);
	assert_int_equal(call(&g.srv, g.owner, "POST", "/waitlists", "{\"name\":\"Texts\"}", &j), 201);
	path = test_strf("/waitlists/%s/waitees", test_json_str(j, "id"));
	cJSON_Delete(j);
	assert_int_equal(call(&g.srv, g.owner, "POST", path, "{\"name\":\"P\",\"partySize\":2,"
			      "\"phoneNumber\":\"+15557650001\"}", &j), 201);
	npath = test_strf("%s/%s/notify", path, test_json_str(j, "id"));
	cJSON_Delete(j);
	for (i = 0; queue && i < 50; i++) {
		st = call(&g.srv, g.owner, "POST", npath, NULL, &j);
		if (st == 429)
			break;
		cJSON_Delete(j);
		j = NULL;
		usleep(100 * 1000);
	}
	if (queue) {
		assert_int_equal(st, 429);
		assert_non_null(strstr(test_json_str(j, "message"), "restaurant's own limit"));
		cJSON_Delete(j);
		assert_int_equal(call(&g.srv, g.owner, "PUT", "/restaurant", "{\"smsPerDay\":0}", NULL), 200);
		assert_int_equal(call(&g.srv, g.owner, "POST", npath, NULL, NULL), 202);
	}
	free(npath);
	free(path);
	free(g.owner);
	test_server_free(&g.srv);
}

/* The bound: with --auth-cache-seconds 2, a disabled account's access
 * token may still pass for up to 2 s (the cached authorizer answer), never
 * longer; its refresh token is refused at once. */
static void test_cache_bound(void **state)
{
	struct sf g;
	char email[128], id[32], path[64], *tok, *refresh, *body;
	struct timespec t0, t1;
	cJSON *j = NULL;
	long st;
	double waited;

	(void)state;
	assert_int_equal(sf_start(&g, "2"), 0);
	test_unique_email(email, sizeof email, "cached");
	assert_int_equal(add_staff(&g, g.owner, email, "manager", "initial password", id), 201);
	assert_int_equal(login(&g.srv, email, "initial password", &j), 200);
	tok = take(j, "accessToken");
	refresh = take(j, "refreshToken");
	cJSON_Delete(j);
	/* the token's answer gets cached (the pending change: 403, after the authorizer said yes) */
	assert_int_equal(call(&g.srv, tok, "GET", "/staff", NULL, NULL), 403);
	snprintf(path, sizeof path, "/staff/%s", id);
	assert_int_equal(call(&g.srv, g.owner, "PUT", path, "{\"disabled\":true}", NULL), 200);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	body = test_strf("{\"refreshToken\":\"%s\"}", refresh);
	assert_int_equal(call(&g.srv, NULL, "POST", "/auth/refresh", body, NULL), 401);
	free(body);
	do {
		st = call(&g.srv, tok, "GET", "/staff", NULL, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (st != 401)
			usleep(100 * 1000);
	} while (st != 401 && waited < 5);
	assert_int_equal(st, 401);
	assert_true(waited <= 2.5);
	free(tok);
	free(refresh);
	free(g.owner);
	test_server_free(&g.srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_login),
		cmocka_unit_test(test_disable),
		cmocka_unit_test(test_role_change),
		cmocka_unit_test(test_manager_limits),
		cmocka_unit_test(test_rules_and_input),
		cmocka_unit_test(test_restaurant),
		cmocka_unit_test(test_restaurant_sms_limit),
		cmocka_unit_test(test_register_zone_country),
		cmocka_unit_test(test_cache_bound),
	};

	return cmocka_run_group_tests_name("api-staff", tests, sf_setup, sf_teardown);
}
