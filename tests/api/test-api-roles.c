/* The role matrix (issue 10): every protected route x method x role, from
 * one table, against a real maitred (SQLite here; the same binary runs on
 * DynamoDB under dynalite-run, suite api+dynamodb).
 *
 * Actors: the owner, a manager, a host (each has changed its first
 * password), a host whose password change is pending, and the owner of
 * another restaurant. For each row of `matrix`:
 *   - a role the row allows gets the row's success status (2xx, or the 400
 *     of a deliberately bad body where success would end the actor's
 *     session), never 403;
 *   - a role it does not allow gets 403 {"error":"forbidden"} and nothing
 *     changes;
 *   - the pending host gets 403 {"error":"password_change_required"} on
 *     every route but POST /auth/password;
 *   - the other restaurant's owner gets 404 on every route that names a
 *     record of this restaurant.
 * The table is the test's own (not handlers/access.c's): the two must agree,
 * and every protected route of maitred's route table must have a row
 * (checked first). Handover/stats rows are appended by their helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"
#include "daemon/maitred.h"

#define O 1   /* owner */
#define M 2   /* manager */
#define H 4   /* host */

enum actor { A_OWNER, A_MANAGER, A_HOST, A_PENDING, A_OTHER, A__COUNT };

static const char *const actor_name[A__COUNT] = { "owner", "manager", "host", "pending host", "other owner" };

/* One row: a route, how to call it, who may. Placeholders in path and
 * body: {wl} a list, {we} a party on it, {st} a host account (targets),
 * {u} a unique number. */
struct row {
	const char *route;    /* route key as in daemon/routes.c */
	const char *path;     /* request path with placeholders */
	const char *body;     /* request body with placeholders, or NULL */
	unsigned roles;       /* O|M|H: who may */
	int ok;               /* status an allowed role gets */
	int fresh;            /* 1: the call destroys its target: new fixtures for each call */
	int foreign;          /* 1: names a record of the restaurant (the other owner gets 404) */
};

static const struct row matrix[] = {
	{ "GET /waitlists", "/waitlists", NULL, O | M | H, 200, 0, 0 },
	{ "POST /waitlists", "/waitlists", "{\"name\":\"Matrix {u}\"}", O | M, 201, 0, 0 },
	{ "GET /waitlists/{waitlistId}", "/waitlists/{wl}", NULL, O | M | H, 200, 0, 1 },
	{ "PUT /waitlists/{waitlistId}", "/waitlists/{wl}", "{\"description\":\"edited {u}\"}", O | M, 200, 0, 1 },
	{ "DELETE /waitlists/{waitlistId}", "/waitlists/{wl}", NULL, O | M, 204, 1, 1 },
	{ "GET /waitlists/{waitlistId}/waitees", "/waitlists/{wl}/waitees", NULL, O | M | H, 200, 0, 1 },
	{ "POST /waitlists/{waitlistId}/waitees", "/waitlists/{wl}/waitees", "{\"name\":\"Guest {u}\",\"partySize\":2}",
	  O | M | H, 201, 0, 1 },
	{ "GET /waitlists/{waitlistId}/waitees/{waiteeId}", "/waitlists/{wl}/waitees/{we}", NULL, O | M | H, 200, 0, 1 },
	{ "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", "/waitlists/{wl}/waitees/{we}", "{\"notes\":\"n{u}\"}",
	  O | M | H, 200, 0, 1 },
	{ "DELETE /waitlists/{waitlistId}/waitees/{waiteeId}", "/waitlists/{wl}/waitees/{we}", NULL, O | M | H, 204, 1, 1 },
	{ "POST /waitlists/{waitlistId}/waitees/{waiteeId}/notify", "/waitlists/{wl}/waitees/{we}/notify", NULL,
	  O | M | H, 202, 1, 1 },
	/* a successful change would end the actor's session: a too short new
	 * password shows the route is open to it (400, not 403) */
	{ "POST /auth/password", "/auth/password", "{\"currentPassword\":\"x\",\"newPassword\":\"short\"}",
	  O | M | H, 400, 0, 0 },
	{ "GET /staff", "/staff", NULL, O | M, 200, 0, 0 },
	{ "POST /staff", "/staff",
	  "{\"email\":\"matrix-{u}@example.com\",\"name\":\"New {u}\",\"role\":\"host\",\"password\":\"first password\"}",
	  O | M, 201, 0, 0 },
	{ "GET /staff/{staffId}", "/staff/{st}", NULL, O | M, 200, 0, 1 },
	{ "PUT /staff/{staffId}", "/staff/{st}", "{\"name\":\"Renamed {u}\"}", O | M, 200, 0, 1 },
	{ "POST /staff/{staffId}/password", "/staff/{st}/password", "{\"password\":\"reset password {u}\"}",
	  O | M, 200, 0, 1 },
	/* stats (docs/stats.md): rows added by the staff helper when stats reached main */
	{ "GET /waitlists/{waitlistId}/stats", "/waitlists/{wl}/stats", NULL, O | M, 200, 0, 1 },
	{ "GET /waitlists/{waitlistId}/estimate", "/waitlists/{wl}/estimate?partySize=2", NULL, O | M | H, 200, 0, 1 },
	{ "GET /restaurant", "/restaurant", NULL, O | M, 200, 0, 0 },
	{ "PUT /restaurant", "/restaurant", "{\"timezone\":\"Europe/Paris\"}", O, 200, 0, 0 },
	/* the activity log and the shift handover (docs/staff.md): every role; the
	 * restaurant-wide log, owner and managers. The PUT row comes before the
	 * ack row, so a note exists to acknowledge (the first ack stays: 200 again). */
	{ "GET /waitlists/{waitlistId}/activity", "/waitlists/{wl}/activity", NULL, O | M | H, 200, 0, 1 },
	{ "GET /activity", "/activity", NULL, O | M, 200, 0, 0 },
	{ "GET /waitlists/{waitlistId}/handover", "/waitlists/{wl}/handover", NULL, O | M | H, 200, 0, 1 },
	{ "PUT /waitlists/{waitlistId}/handover", "/waitlists/{wl}/handover", "{\"note\":\"note {u}\"}",
	  O | M | H, 201, 0, 1 },
	{ "GET /waitlists/{waitlistId}/handover/summary", "/waitlists/{wl}/handover/summary", NULL, O | M | H, 200, 0, 1 },
	{ "POST /waitlists/{waitlistId}/handover/ack", "/waitlists/{wl}/handover/ack", NULL, O | M | H, 200, 0, 1 },
};

#define NROWS (sizeof matrix / sizeof matrix[0])

/* The server and its actors. */
struct mx {
	struct test_server srv;        /* running maitred */
	char *tok[A__COUNT];           /* each actor's "Bearer ..." */
	char wl[32], we[32], st[32];   /* shared fixtures (owner's restaurant) */
	int uniq;                      /* counter for {u} */
};

/* Sends one request; returns the status, *json the body when asked. */
static long call(struct mx *x, const char *tok, const char *method, const char *path, const char *body,
		 cJSON **json)
{
	struct test_resp r;
	long st;

	if (test_http(&x->srv, method, path, tok, body, NULL, &r) != 0)
		fail_msg("%s %s: no answer", method, path);
	st = r.status;
	if (json != NULL)
		*json = test_resp_json(&r);
	test_resp_free(&r);
	return st;
}

/* POSTs as tok, expects 201 and copies the new record's id into out. */
static void make(struct mx *x, const char *tok, const char *path, const char *body, char out[32])
{
	cJSON *j = NULL;
	long st = call(x, tok, "POST", path, body, &j);

	if (st != 201)
		fail_msg("POST %s: %ld", path, st);
	snprintf(out, 32, "%s", test_json_str(j, "id"));
	cJSON_Delete(j);
}

/* A host account of the owner's restaurant (a target for staff routes). */
static void make_host(struct mx *x, const char *email, const char *password, char out[32])
{
	char *body = test_strf("{\"email\":\"%s\",\"name\":\"Target\",\"role\":\"host\",\"password\":\"%s\"}",
			       email, password);

	make(x, x->tok[A_OWNER], "/staff", body, out);
	free(body);
}

/* Logs in; returns the access token (malloc'd). */
static char *login(struct mx *x, const char *email, const char *password)
{
	char *tok = NULL;

	if (test_login(&x->srv, email, password, &tok, NULL) != 200)
		fail_msg("login %s failed", email);
	return tok;
}

/* Creates account `role` and gives its token after the first password change. */
static char *staff_actor(struct mx *x, const char *role, int change)
{
	char email[128], id[32], *tok, *body, *newtok;
	cJSON *j = NULL;

	test_unique_email(email, sizeof email, role);
	body = test_strf("{\"email\":\"%s\",\"name\":\"%s\",\"role\":\"%s\",\"password\":\"first password\"}",
			 email, role, role);
	make(x, x->tok[A_OWNER], "/staff", body, id);
	free(body);
	tok = login(x, email, "first password");
	if (!change)
		return tok;
	if (call(x, tok, "POST", "/auth/password",
		 "{\"currentPassword\":\"first password\",\"newPassword\":\"second password\"}", &j) != 200)
		fail_msg("first password change of a %s failed", role);
	newtok = strdup(test_json_str(j, "accessToken"));
	assert_non_null(newtok);
	cJSON_Delete(j);
	free(tok);
	return newtok;
}

/* Starts maitred (authorizer cache off: every request sees the account as it is). */
static int mx_setup(void **state)
{
	static const char *const args[] = { "--auth-cache-seconds", "0", NULL };
	/* sending limits are not what this tests: off */
	static const char *const env[] = { "MAITRE_SMS_PER_PARTY_HOUR=0", "MAITRE_SMS_PER_NUMBER_HOUR=0",
					   "MAITRE_SMS_NEW_RESTAURANT_DAY=0", "MAITRE_SMS_RESTAURANT_DAY=0", NULL };
	struct test_server_opts o = { .args = args, .env = env };
	struct mx *x = calloc(1, sizeof *x);
	char email[128];
	char *p;

	if (x == NULL || test_server_start(&x->srv, &o) != 0)
		return -1;
	if (test_register_and_login(&x->srv, NULL, NULL, "Owner", &x->tok[A_OWNER], NULL) != 0 ||
	    test_register_and_login(&x->srv, NULL, NULL, "Other", &x->tok[A_OTHER], NULL) != 0)
		return -1;
	x->tok[A_MANAGER] = staff_actor(x, "manager", 1);
	x->tok[A_HOST] = staff_actor(x, "host", 1);
	x->tok[A_PENDING] = staff_actor(x, "host", 0);
	make(x, x->tok[A_OWNER], "/waitlists", "{\"name\":\"Matrix room\"}", x->wl);
	p = test_strf("/waitlists/%s/waitees", x->wl);
	make(x, x->tok[A_OWNER], p, "{\"name\":\"Fixture\",\"partySize\":3,\"phoneNumber\":\"+15551230000\"}", x->we);
	free(p);
	test_unique_email(email, sizeof email, "target");
	make_host(x, email, "target password", x->st);
	*state = x;
	return 0;
}

/* Stops maitred. */
static int mx_teardown(void **state)
{
	struct mx *x = *state;
	int i;

	for (i = 0; i < A__COUNT; i++)
		free(x->tok[i]);
	test_server_free(&x->srv);
	free(x);
	return 0;
}

/* Replaces the placeholders of t with the fixtures' ids (malloc'd). */
static char *fill(struct mx *x, const char *t, const char *wl, const char *we, const char *st)
{
	char out[1024], num[16];
	size_t n = 0;

	snprintf(num, sizeof num, "%d", ++x->uniq);
	while (*t && n < sizeof out - 40) {
		const char *v = NULL;
		size_t skip = 0;

		if (strncmp(t, "{wl}", 4) == 0)
			v = wl, skip = 4;
		else if (strncmp(t, "{we}", 4) == 0)
			v = we, skip = 4;
		else if (strncmp(t, "{st}", 4) == 0)
			v = st, skip = 4;
		else if (strncmp(t, "{u}", 3) == 0)
			v = num, skip = 3;
		if (v != NULL) {
			n += (size_t)snprintf(out + n, sizeof out - n, "%s", v);
			t += skip;
		} else {
			out[n++] = *t++;
		}
	}
	out[n] = '\0';
	return strdup(out);
}

/* The error code of a JSON error body ("" when none). */
static const char *err_code(const cJSON *j)
{
	const char *c = test_json_str(j, "error");

	return c ? c : "";
}

/* Every protected route of maitred has a row here, and every row a route. */
static void test_matrix_covers_routes(void **state)
{
	const struct route *r;
	size_t i;

	(void)state;
	for (r = maitred_routes; r->method != NULL; r++) {
		int found = 0;

		if (!r->protected)
			continue;
		for (i = 0; i < NROWS; i++)
			if (strcmp(matrix[i].route, r->route_key) == 0)
				found++;
		if (found != 1)
			fail_msg("route %s has %d rows in the role matrix (want 1)", r->route_key, found);
	}
	for (i = 0; i < NROWS; i++) {
		int found = 0;

		for (r = maitred_routes; r->method != NULL; r++)
			if (r->protected && strcmp(matrix[i].route, r->route_key) == 0)
				found = 1;
		if (!found)
			fail_msg("matrix row %s is not a protected route", matrix[i].route);
	}
}

/* One call of row w as actor a; checks the answer. */
static void matrix_one(struct mx *x, const struct row *w, enum actor a)
{
	char wl[32], we[32], method[8];
	char *path, *body, *p;
	cJSON *j = NULL;
	long st;
	unsigned bit = a == A_OWNER ? O : a == A_MANAGER ? M : a == A_HOST ? H : 0;

	snprintf(method, sizeof method, "%.*s", (int)strcspn(w->route, " "), w->route);
	snprintf(wl, sizeof wl, "%s", x->wl);
	snprintf(we, sizeof we, "%s", x->we);
	if (w->fresh) {   /* this call may destroy its target: give it its own */
		make(x, x->tok[A_OWNER], "/waitlists", "{\"name\":\"Fresh\"}", wl);
		p = test_strf("/waitlists/%s/waitees", wl);
		make(x, x->tok[A_OWNER], p, "{\"name\":\"Fresh guest\",\"partySize\":2,\"phoneNumber\":\"+15551239999\"}",
		     we);
		free(p);
	}
	path = fill(x, w->path, wl, we, x->st);
	body = w->body ? fill(x, w->body, wl, we, x->st) : NULL;
	st = call(x, x->tok[a], method, path, body, &j);
	if (a == A_PENDING) {
		int open = strcmp(w->route, "POST /auth/password") == 0;

		if (open ? st != w->ok : (st != 403 || strcmp(err_code(j), "password_change_required") != 0))
			fail_msg("%s as %s: %ld %s (want %s)", w->route, actor_name[a], st, err_code(j),
				 open ? "the route's answer" : "403 password_change_required");
	} else if (a == A_OTHER) {
		if (w->foreign && (w->roles & O) && st != 404)
			fail_msg("%s as %s: %ld (want 404: another restaurant's record)", w->route, actor_name[a], st);
		if (!(w->roles & O) && st != 403)
			fail_msg("%s as %s: %ld (want 403)", w->route, actor_name[a], st);
	} else if (w->roles & bit) {
		if (st != w->ok)
			fail_msg("%s as %s: %ld %s (want %d)", w->route, actor_name[a], st, err_code(j), w->ok);
	} else if (st != 403 || strcmp(err_code(j), "forbidden") != 0) {
		fail_msg("%s as %s: %ld %s (want 403 forbidden)", w->route, actor_name[a], st, err_code(j));
	}
	cJSON_Delete(j);
	free(path);
	free(body);
}

/* The matrix: every row as every actor. */
static void test_matrix(void **state)
{
	struct mx *x = *state;
	size_t i;
	int a;

	for (i = 0; i < NROWS; i++)
		for (a = 0; a < A__COUNT; a++)
			matrix_one(x, &matrix[i], (enum actor)a);
}

/* A refused write changed nothing: the host's PUT of the list left its name. */
static void test_refused_changes_nothing(void **state)
{
	struct mx *x = *state;
	char *path = test_strf("/waitlists/%s", x->wl);
	cJSON *j = NULL;

	assert_int_equal(call(x, x->tok[A_HOST], "PUT", path, "{\"name\":\"Hijacked\"}", &j), 403);
	cJSON_Delete(j);
	assert_int_equal(call(x, x->tok[A_HOST], "DELETE", path, NULL, NULL), 403);
	assert_int_equal(call(x, x->tok[A_OWNER], "GET", path, NULL, &j), 200);
	assert_string_equal(test_json_str(j, "name"), "Matrix room");
	cJSON_Delete(j);
	assert_int_equal(call(x, x->tok[A_HOST], "PUT", "/restaurant", "{\"name\":\"Hijacked\"}", &j), 403);
	cJSON_Delete(j);
	assert_int_equal(call(x, x->tok[A_MANAGER], "PUT", "/restaurant", "{\"name\":\"Hijacked\"}", &j), 403);
	cJSON_Delete(j);
	assert_int_equal(call(x, x->tok[A_OWNER], "GET", "/restaurant", NULL, &j), 200);
	assert_string_not_equal(test_json_str(j, "name"), "Hijacked");
	cJSON_Delete(j);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix_covers_routes),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_refused_changes_nothing),
	};

	return cmocka_run_group_tests_name("api-roles", tests, mx_setup, mx_teardown);
}
