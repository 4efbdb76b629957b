/* Storage faults against a real maitred on SQLite: fsync failures, write
 * failures and a full disk, injected by the LD_PRELOAD shim faultfs.c
 * (switched on and off through its control file while maitred runs).
 * What must hold (docs/reliability.md, "Faults"):
 * - while the fault lasts, adding a party answers 5xx (a full disk: 507 or
 *   503, never a bare 500), and nothing answered 201 is ever lost;
 * - when the fault goes, the same maitred serves writes again without a
 *   restart;
 * - after a stop (SIGTERM, or SIGKILL in the middle of the fault) the
 *   database passes PRAGMA integrity_check, and after a restart every
 *   party that was acknowledged with 201 is there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"

#define FAULTS_MAX_ACKED 64   /* parties a scenario adds at most */

/* One scenario: which fault, what the answers may be, how maitred stops. */
struct fault_case {
	const char *ctl;          /* control file line (faultfs.c) */
	const int *allowed;       /* statuses allowed while the fault lasts, 0-terminated */
	int stop_signal;          /* SIGTERM or SIGKILL, sent while the fault is on */
};

/* A running scenario. */
struct fault_run {
	struct test_server srv;   /* maitred with the shim */
	char dir[256];            /* temporary directory of the control file */
	char ctl[320];            /* control file */
	char *token;              /* owner's "Bearer ..." */
	char list[64];            /* waitlist id */
	char acked[FAULTS_MAX_ACKED][64];   /* ids of the parties answered 201 */
	size_t n_acked;           /* how many */
	char seated[64];          /* a party whose seating was answered 200 during the fault, "" none */
	int n_refused;            /* adds answered 5xx during the fault */
};

/* Writes line into the control file ("" = no fault). */
static void fault_set(struct fault_run *r, const char *line)
{
	FILE *f = fopen(r->ctl, "w");

	assert_non_null(f);
	fputs(line, f);
	assert_int_equal(fclose(f), 0);
}

/* Number of failures the shim injected so far (CTL.hits). */
static long fault_hits(const struct fault_run *r)
{
	char path[400], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof path, "%s.hits", r->ctl);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof buf, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strtol(buf, NULL, 10);
}

/* Adds party number i; returns the HTTP status and records the id on 201. */
static long fault_add(struct fault_run *r, int i)
{
	struct test_resp resp;
	char *path = test_strf("/waitlists/%s/waitees", r->list);
	char *body = test_strf("{\"name\":\"Party %d\",\"partySize\":2}", i);
	long status;

	assert_int_equal(test_http(&r->srv, "POST", path, r->token, body, NULL, &resp), 0);
	status = resp.status;
	if (status == 201) {
		cJSON *o = test_resp_json(&resp);
		const char *id = test_json_str(o, "id");

		assert_non_null(id);
		assert_true(r->n_acked < FAULTS_MAX_ACKED);
		snprintf(r->acked[r->n_acked++], sizeof r->acked[0], "%s", id);
		cJSON_Delete(o);
	}
	test_resp_free(&resp);
	free(body);
	free(path);
	return status;
}

/* 1 when status is one of the 0-terminated list. */
static int fault_allowed(const int *allowed, long status)
{
	for (; *allowed; allowed++)
		if (*allowed == status)
			return 1;
	return 0;
}

/* PRAGMA integrity_check on the store file; returns its first answer (static). */
static const char *fault_integrity(const char *db_path)
{
	static char result[256];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	snprintf(result, sizeof result, "cannot open");
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(result, sizeof result, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return result;
}

/* 1 when the party id is in the list's parties (all pages). */
static int fault_listed(struct fault_run *r, const char *id)
{
	struct test_resp resp;
	char *path = test_strf("/waitlists/%s/waitees/%s", r->list, id);
	long status;

	assert_int_equal(test_http(&r->srv, "GET", path, r->token, NULL, NULL, &resp), 0);
	status = resp.status;
	test_resp_free(&resp);
	free(path);
	return status == 200;
}

/* Other writes during the fault: seat a party, add a list, register an
 * account. Each answers 2xx or an allowed status; a seating answered 200
 * is remembered (checked after the restart). */
static void fault_other_writes(struct fault_run *r, const struct fault_case *fc)
{
	static const struct { const char *method, *path, *body; int ok; } w[] = {
		{ "PUT", "/waitlists/{id}/waitees/{id}", "{\"status\":\"seated\"}", 200 },
		{ "POST", "/waitlists", "{\"name\":\"During the fault\"}", 201 },
		{ "POST", "/register", NULL, 201 },
	};
	struct test_resp resp;
	size_t i;

	for (i = 0; i < sizeof w / sizeof w[0]; i++) {
		char *path = i == 0 ? test_strf("/waitlists/%s/waitees/%s", r->list, r->acked[0])
				    : test_strf("%s", w[i].path), *body, email[128];

		test_unique_email(email, sizeof email, "fault");
		body = w[i].body ? test_strf("%s", w[i].body)
				 : test_strf("{\"email\":\"%s\",\"password\":\"correct horse battery\",\"name\":\"F\"}",
					     email);
		assert_int_equal(test_http(&r->srv, w[i].method, path, r->token, body, NULL, &resp), 0);
		if (resp.status != w[i].ok && !fault_allowed(fc->allowed, resp.status))
			fail_msg("%s: %s %s answered %ld %s", fc->ctl, w[i].method, w[i].path, resp.status, resp.body);
		if (i == 0 && resp.status == 200)
			snprintf(r->seated, sizeof r->seated, "%s", r->acked[0]);
		print_message("%s: %s %s: %ld\n", fc->ctl, w[i].method, w[i].path, resp.status);
		test_resp_free(&resp);
		free(body);
		free(path);
	}
}

/* Runs one scenario. */
static void fault_scenario(const struct fault_case *fc)
{
	struct fault_run r;
	struct test_server_opts opts;
	struct test_resp resp;
	const char *asan = getenv("ASAN_OPTIONS"), *shim = getenv("MAITRE_TEST_FAULTFS");
	char *env_ctl, *env_pre, *env_asan, *db;
	const char *env[4];
	long st;
	int i, recovered = 0;
	cJSON *o;

	assert_non_null(shim);
	memset(&r, 0, sizeof r);
	snprintf(r.dir, sizeof r.dir, "%s/maitre-faults-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(r.dir));
	snprintf(r.ctl, sizeof r.ctl, "%s/fault.ctl", r.dir);
	fault_set(&r, "");
	env_ctl = test_strf("MAITRE_FAULT_CTL=%s", r.ctl);
	env_pre = test_strf("LD_PRELOAD=%s", shim);
	/* under ASan the runtime must come first; the shim after it is fine */
	env_asan = test_strf("ASAN_OPTIONS=%s%sverify_asan_link_order=0", asan ? asan : "", asan ? ":" : "");
	env[0] = env_ctl;
	env[1] = env_pre;
	env[2] = env_asan;
	env[3] = NULL;
	memset(&opts, 0, sizeof opts);
	opts.env = env;
	assert_int_equal(test_server_start(&r.srv, &opts), 0);
	assert_int_equal(test_register_and_login(&r.srv, NULL, NULL, NULL, &r.token, NULL), 0);
	assert_int_equal(test_http(&r.srv, "POST", "/waitlists", r.token, "{\"name\":\"Faults\"}", NULL, &resp), 0);
	assert_int_equal(resp.status, 201);
	o = test_resp_json(&resp);
	snprintf(r.list, sizeof r.list, "%s", test_json_str(o, "id"));
	cJSON_Delete(o);
	test_resp_free(&resp);

	/* before: a few parties, all acknowledged */
	for (i = 0; i < 3; i++)
		assert_int_equal(fault_add(&r, i), 201);

	/* the fault: 5xx (as allowed), never a 201 that is not kept */
	fault_set(&r, fc->ctl);
	for (i = 10; i < 16; i++) {
		st = fault_add(&r, i);
		if (st == 201)
			continue;   /* allowed (the write may not have touched the disk yet): checked after the restart */
		if (!fault_allowed(fc->allowed, st))
			fail_msg("%s: adding a party answered %ld", fc->ctl, st);
		r.n_refused++;
	}
	fault_other_writes(&r, fc);
	print_message("%s: %d of 6 adds refused, %ld failures injected\n", fc->ctl, r.n_refused, fault_hits(&r));
	assert_true(fault_hits(&r) > 0);
	assert_true(r.n_refused > 0);
	/* reads still answer (from the database or its cache) or fail cleanly */
	assert_int_equal(test_http(&r.srv, "GET", "/waitlists", r.token, NULL, NULL, &resp), 0);
	assert_true(resp.status == 200 || resp.status >= 500);
	test_resp_free(&resp);

	if (fc->stop_signal == SIGKILL) {
		/* killed in the middle of the fault: the file must still be sound */
		assert_int_equal(test_server_signal(&r.srv, SIGKILL), 0);
		assert_int_equal(test_server_wait_exit(&r.srv, 10000), 128 + SIGKILL);
		fault_set(&r, "");
	} else {
		/* the fault goes: the same process serves writes again */
		fault_set(&r, "");
		for (i = 20; i < 40 && !recovered; i++) {
			st = fault_add(&r, i);
			if (st == 201)
				recovered = 1;
			else
				usleep(250 * 1000);
		}
		assert_true(recovered);
		assert_int_equal(fault_add(&r, 41), 201);
		assert_int_equal(test_server_stop(&r.srv, 15000), 0);
	}

	/* never a corrupt database */
	db = test_strf("%s/maitre.db", r.srv.data_dir);
	assert_string_equal(fault_integrity(db), "ok");

	/* every 201 is there after a restart */
	assert_int_equal(test_server_restart(&r.srv), 0);
	for (size_t k = 0; k < r.n_acked; k++)
		if (!fault_listed(&r, r.acked[k]))
			fail_msg("%s: party %s was acknowledged with 201 and is gone after the restart", fc->ctl,
				 r.acked[k]);
	if (r.seated[0]) {
		char *path = test_strf("/waitlists/%s/waitees/%s", r.list, r.seated);
		cJSON *w;

		assert_int_equal(test_http(&r.srv, "GET", path, r.token, NULL, NULL, &resp), 0);
		w = test_resp_json(&resp);
		assert_string_equal(test_json_str(w, "status"), "seated");
		cJSON_Delete(w);
		test_resp_free(&resp);
		free(path);
	}
	assert_int_equal(fault_add(&r, 50), 201);
	assert_int_equal(test_server_stop(&r.srv, 15000), 0);
	assert_string_equal(fault_integrity(db), "ok");

	test_server_free(&r.srv);
	unlink(r.ctl);
	{
		char *hits = test_strf("%s.hits", r.ctl);

		unlink(hits);
		free(hits);
	}
	rmdir(r.dir);
	free(db);
	free(r.token);
	free(env_ctl);
	free(env_pre);
	free(env_asan);
}

static const int any_5xx[] = { 500, 503, 507, 0 };    /* an I/O error: any server error */
static const int disk_full[] = { 503, 507, 0 };        /* a full disk: said so, not a bare 500 */

/* fsync fails (EIO): 5xx, no false 201, recovery without a restart. */
static void test_fsync_eio(void **state)
{
	const struct fault_case fc = { "fsync EIO", any_5xx, SIGTERM };

	(void)state;
	fault_scenario(&fc);
}

/* write fails (EIO): the same. */
static void test_write_eio(void **state)
{
	const struct fault_case fc = { "write EIO", any_5xx, SIGTERM };

	(void)state;
	fault_scenario(&fc);
}

/* The disk is full (ENOSPC): 507 or 503, recovery once space is back. */
static void test_disk_full(void **state)
{
	const struct fault_case fc = { "write ENOSPC", disk_full, SIGTERM };

	(void)state;
	fault_scenario(&fc);
}

/* Killed (SIGKILL) while the disk is full: the database is sound, no 201 lost. */
static void test_disk_full_kill(void **state)
{
	const struct fault_case fc = { "write ENOSPC", disk_full, SIGKILL };

	(void)state;
	fault_scenario(&fc);
}

/* Killed while fsync fails: the same. */
static void test_fsync_eio_kill(void **state)
{
	const struct fault_case fc = { "fsync EIO", any_5xx, SIGKILL };

	(void)state;
	fault_scenario(&fc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fsync_eio),
		cmocka_unit_test(test_write_eio),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_disk_full_kill),
		cmocka_unit_test(test_fsync_eio_kill),
	};

	unsetenv("MAITRE_TEST_STORE_URL");   /* SQLite: the faults are the file system's */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
