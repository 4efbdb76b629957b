/* The store contract suite on SQLite (a fresh file per test in a mkdtemp
 * directory), plus SQLite-only tests: query plans, durability, migrations,
 * file mode, WAL, bad files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>
#include <sqlite3.h>
#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "store/store.h"
#include "store/store-sqlite.h"
#include "contract.h"

/* The temp directory of this run and a counter for fresh file names. */
static char test_dir[256];
static int test_seq;

/* Writes a new database path in the temp dir into buf. */
static void test_path(char *buf, size_t size, const char *stem)
{
	snprintf(buf, size, "%s/%s-%d.db", test_dir, stem, ++test_seq);
}

/* Contract factory: a new, empty SQLite file. */
static int test_open_fresh(struct store **out, void *arg)
{
	char path[512], *cause = NULL;
	int r;

	(void)arg;
	test_path(path, sizeof path, "contract");
	r = store_sqlite_open(path, out, &cause);
	if (r < 0)
		fprintf(stderr, "open %s: %s\n", path, cause ? cause : mt_strerror(r));
	free(cause);
	return r;
}

/* Opens a store at path, failing the test on error. */
static struct store *test_open(const char *path)
{
	struct store *s = NULL;
	char *cause = NULL;
	int r = store_sqlite_open(path, &s, &cause);

	if (r != 0)
		fprintf(stderr, "open %s: %s\n", path, cause ? cause : "?");
	free(cause);
	assert_int_equal(r, 0);
	assert_non_null(s);
	return s;
}

/* Runs a one-value query on a raw connection (outside the store). */
static sqlite3_int64 test_raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	sqlite3_int64 v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Creates a list with one waitee; fills both. */
static void test_seed(struct store *s, struct mt_waitlist *wl, struct mt_waitee *w)
{
	int64_t now = mt_clock_system_now(NULL);

	memset(wl, 0, sizeof *wl);
	mt_id_new(wl->id, now);
	mt_id_new(wl->tenant_id, now);
	snprintf(wl->name, sizeof wl->name, "Seeded");
	wl->created_at = wl->updated_at = now;
	assert_int_equal(s->ops->waitlist_create(s, wl), 0);
	memset(w, 0, sizeof *w);
	mt_id_new(w->id, now);
	memcpy(w->waitlist_id, wl->id, MT_ID_SIZE);
	memcpy(w->tenant_id, wl->tenant_id, MT_ID_SIZE);
	snprintf(w->name, sizeof w->name, "Durable Party");
	snprintf(w->phone, sizeof w->phone, "+15557654321");
	w->party_size = 3;
	w->joined_at = now;
	assert_int_equal(s->ops->waitee_create(s, w), 0);
}

/* The due lookup and the other hot lookups use indexes, never a table scan. */
static void test_query_plans(void **state)
{
	static const struct {
		const char *op;       /* store operation */
		const char *must;     /* text the plan must contain */
	} plans[] = {
		{"waitee_list_due", "USING INDEX waitees_due"},
		{"waitee_find_by_phone", "USING INDEX waitees_phone"},
		{"waitee_count_active", "USING COVERING INDEX waitees_active"},
		{"waitee_list", "USING PRIMARY KEY"},
		{"waitee_get", "USING PRIMARY KEY"},
		{"waitee_update", "USING PRIMARY KEY"},
		{"waitlist_list", "USING INDEX waitlists_tenant"},
		{"waitlist_get", "USING PRIMARY KEY"},
		{"user_get_by_email", "USING INDEX"},
		{"refresh_get", "USING PRIMARY KEY"},
		{"purge_expired", "INDEX waitees_expiry"},
		{"purge_expired_families", "INDEX refresh_tokens_expiry"},
		{"purge_expired_tokens", "INDEX refresh_tokens_expiry"},
		{"purge_expired_guards", "INDEX login_guards_expiry"},
		{"guard_get", "USING PRIMARY KEY"},
		{"guard_update", "USING PRIMARY KEY"},
	};
	char path[512], *plan = NULL;
	struct store *s;
	size_t i;

	(void)state;
	test_path(path, sizeof path, "plan");
	s = test_open(path);
	for (i = 0; i < sizeof plans / sizeof plans[0]; i++) {
		assert_int_equal(store_sqlite_query_plan(s, plans[i].op, &plan), 0);
		fprintf(stderr, "plan %s: %s\n", plans[i].op, plan);
		assert_non_null(strstr(plan, plans[i].must));
		assert_null(strstr(plan, "SCAN waitees"));
		assert_null(strstr(plan, "SCAN waitlists"));
		assert_null(strstr(plan, "SCAN users"));
		assert_null(strstr(plan, "SCAN refresh_tokens"));
		assert_null(strstr(plan, "SCAN refresh_families"));
		free(plan);
	}
	assert_int_equal(store_sqlite_query_plan(s, "no_such_op", &plan), MT_EINVAL);
	store_close(s);
}

/* The due lookup among thousands of non-due waitees makes no scan and one statement. */
static void test_due_cost(void **state)
{
	char path[512];
	struct store *s;
	struct mt_waitlist wl;
	struct mt_waitee w, *items = NULL;
	struct store_stats before, after;
	int64_t now = mt_clock_system_now(NULL);
	size_t n;
	int i;

	(void)state;
	test_path(path, sizeof path, "due");
	s = test_open(path);
	test_seed(s, &wl, &w);
	for (i = 0; i < 2000; i++) {
		w.due_at = i % 500 == 0 ? now - i : 0;
		mt_id_new(w.id, now + i);
		assert_int_equal(s->ops->waitee_create(s, &w), 0);
	}
	s->ops->stats(s, &before);
	assert_int_equal(s->ops->waitee_list_due(s, now, 100, &items, &n), 0);
	s->ops->stats(s, &after);
	assert_int_equal(n, 4);
	free(items);
	assert_int_equal(after.requests - before.requests, 1);
	assert_int_equal(after.scans, 0);
	store_close(s);
}

/* Data written before close is there after reopening; versions too. */
static void test_reopen_keeps_data(void **state)
{
	char path[512];
	struct store *s;
	struct mt_waitlist wl, gotl;
	struct mt_waitee w, got;

	(void)state;
	test_path(path, sizeof path, "reopen");
	s = test_open(path);
	test_seed(s, &wl, &w);
	w.status = MT_NOTIFIED;
	assert_int_equal(s->ops->waitee_update(s, &w, 1), 0);
	store_close(s);

	s = test_open(path);
	assert_int_equal(s->ops->waitlist_get(s, wl.tenant_id, wl.id, &gotl), 0);
	assert_string_equal(gotl.name, "Seeded");
	assert_int_equal(s->ops->waitee_get(s, wl.id, w.id, &got), 0);
	assert_string_equal(got.name, "Durable Party");
	assert_int_equal(got.status, MT_NOTIFIED);
	assert_int_equal(got.version, 2);
	store_close(s);
}

/* An acknowledged write survives the process dying right after it (no close). */
static void test_acked_write_survives_crash(void **state)
{
	char path[512];
	struct store *s;
	struct mt_waitlist wl;
	struct mt_waitee got;
	int fds[2], status;
	pid_t pid;
	ssize_t got_n;

	(void)state;
	test_path(path, sizeof path, "crash");
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *cs = NULL;
		struct mt_waitlist cwl;
		struct mt_waitee cw;
		char *cause = NULL;

		close(fds[0]);
		if (store_sqlite_open(path, &cs, &cause) != 0)
			_exit(2);
		test_seed(cs, &cwl, &cw);
		/* Tell the parent the ids, then die without closing anything. */
		if (write(fds[1], &cwl, sizeof cwl) != (ssize_t)sizeof cwl ||
		    write(fds[1], &cw, sizeof cw) != (ssize_t)sizeof cw)
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	got_n = read(fds[0], &wl, sizeof wl);
	assert_int_equal(got_n, sizeof wl);
	got_n = read(fds[0], &got, sizeof got);
	assert_int_equal(got_n, sizeof got);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	s = test_open(path);
	assert_int_equal(s->ops->waitee_get(s, wl.id, got.id, &got), 0);
	assert_string_equal(got.name, "Durable Party");
	store_close(s);
}

/* An empty file is migrated to the current user_version; reopen is a no-op. */
static void test_migration_from_empty(void **state)
{
	char path[512];
	struct store *s;
	struct stat sb;
	int fd;

	(void)state;
	test_path(path, sizeof path, "empty");
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(test_raw_int(path, "PRAGMA user_version"), 0);

	s = test_open(path);
	assert_int_equal(test_raw_int(path, "PRAGMA user_version"), store_sqlite_schema_version());
	assert_true(store_sqlite_schema_version() >= 1);
	assert_int_equal(test_raw_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
				      " AND name IN ('users', 'refresh_families', 'refresh_tokens', 'waitlists', 'waitees')"), 5);
	assert_int_equal(test_raw_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
				      " AND name IN ('waitees_due', 'waitees_active', 'waitees_phone')"), 3);
	assert_string_equal(store_sqlite_path(s), path);
	assert_int_equal(s->ops->init_schema(s), 0);
	store_close(s);

	/* Reopen: nothing to migrate, same version, still WAL. */
	s = test_open(path);
	assert_int_equal(test_raw_int(path, "PRAGMA user_version"), store_sqlite_schema_version());
	store_close(s);
	assert_int_equal(stat(path, &sb), 0);
}

/* A schema newer than this build is refused with a clear message. */
static void test_newer_schema_refused(void **state)
{
	char path[512], *cause = NULL;
	struct store *s = NULL;
	sqlite3 *db;

	(void)state;
	test_path(path, sizeof path, "newer");
	s = test_open(path);
	store_close(s);
	s = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_sqlite_open(path, &s, &cause), MT_EINVAL);
	assert_null(s);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "newer"));
	free(cause);
}

/* A file that is not a database: an error with a cause, not a crash. */
static void test_not_a_database(void **state)
{
	char path[512], *cause = NULL, junk[4096];
	struct store *s = (struct store *)1;
	FILE *f;
	size_t i;

	(void)state;
	test_path(path, sizeof path, "junk");
	for (i = 0; i < sizeof junk; i++)
		junk[i] = (char)('a' + i % 26);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
	fclose(f);
	assert_int_equal(store_sqlite_open(path, &s, &cause), MT_EIO);
	assert_null(s);
	assert_non_null(cause);
	fprintf(stderr, "not a database: %s\n", cause);
	assert_non_null(strstr(cause, "not a database"));
	assert_non_null(strstr(cause, path));
	free(cause);

	/* A directory that does not exist, and an in-memory path. */
	cause = NULL;
	snprintf(path, sizeof path, "%s/no/such/dir/x.db", test_dir);
	assert_int_equal(store_sqlite_open(path, &s, &cause), MT_EIO);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "No such file"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_sqlite_open(":memory:", &s, &cause), MT_EINVAL);
	assert_non_null(cause);
	free(cause);
}

/* A new database file is 0600 (guest data) and in WAL mode. */
static void test_file_mode_and_wal(void **state)
{
	char path[512], wal[600];
	struct store *s;
	struct mt_waitlist wl;
	struct mt_waitee w;
	struct stat sb;
	mode_t old = umask(022);

	(void)state;
	test_path(path, sizeof path, "mode");
	s = test_open(path);
	umask(old);
	test_seed(s, &wl, &w);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(wal, sizeof wal, "%s-wal", path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(s);
	assert_int_equal(test_raw_int(path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
}

/* store_open("sqlite:PATH") reaches this back end. */
static void test_store_open_url(void **state)
{
	char path[512], url[600], *cause = NULL;
	struct store *s = NULL;

	(void)state;
	test_path(path, sizeof path, "url");
	snprintf(url, sizeof url, "sqlite:%s", path);
	assert_int_equal(store_open(url, &s, &cause), 0);
	assert_non_null(s);
	assert_string_equal(s->ops->name, "sqlite");
	assert_string_equal(store_sqlite_path(s), path);
	store_close(s);
}

/* A waitee can only be created on an existing list of its own tenant. */
static void test_waitee_create_checks_list(void **state)
{
	char path[512];
	struct store *s;
	struct mt_waitlist wl;
	struct mt_waitee w, got;

	(void)state;
	test_path(path, sizeof path, "owner");
	s = test_open(path);
	test_seed(s, &wl, &w);
	mt_id_new(w.id, mt_clock_system_now(NULL) + 1);
	mt_id_new(w.tenant_id, mt_clock_system_now(NULL));  /* another tenant */
	assert_int_equal(s->ops->waitee_create(s, &w), MT_ENOTFOUND);
	memcpy(w.tenant_id, wl.tenant_id, MT_ID_SIZE);
	mt_id_new(w.waitlist_id, mt_clock_system_now(NULL));  /* no such list */
	assert_int_equal(s->ops->waitee_create(s, &w), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitee_get(s, w.waitlist_id, w.id, &got), MT_ENOTFOUND);
	store_close(s);
}

/* Two stores on one file (as maitred plus a second process) see each other's writes. */
static void test_two_handles_one_file(void **state)
{
	char path[512];
	struct store *a, *b;
	struct mt_waitlist wl;
	struct mt_waitee w, got;

	(void)state;
	test_path(path, sizeof path, "shared");
	a = test_open(path);
	b = test_open(path);
	test_seed(a, &wl, &w);
	assert_int_equal(b->ops->waitee_get(b, wl.id, w.id, &got), 0);
	got.party_size = 5;
	assert_int_equal(b->ops->waitee_update(b, &got, 1), 0);
	assert_int_equal(a->ops->waitee_update(a, &w, 1), MT_EPRECOND);
	assert_int_equal(a->ops->waitee_get(a, wl.id, w.id, &got), 0);
	assert_int_equal(got.party_size, 5);
	store_close(a);
	store_close(b);
}

/* Runs SQL on a raw connection (as another program would), failing the test on error. */
static void test_raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;
	int rc;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "raw exec: %s\n", err ? err : "?");
	sqlite3_free(err);
	sqlite3_close(db);
	assert_int_equal(rc, SQLITE_OK);
}

/* Lists up to 500 waitees of a list (one page); caller frees. */
static size_t test_list(struct store *s, const char *waitlist_id, struct mt_waitee **items)
{
	struct store_page page = {NULL, 500};
	char *cursor = NULL;
	size_t n = 0;

	assert_int_equal(s->ops->waitee_list(s, waitlist_id, &page, items, &n, &cursor), 0);
	free(cursor);
	return n;
}

/* Listings see writes made by another connection (another program) at once. */
static void test_list_sees_outside_writes(void **state)
{
	char path[512], sql[1024], id2[MT_ID_SIZE];
	struct store *s;
	struct mt_waitlist wl;
	struct mt_waitee w, *items = NULL;
	size_t n;

	(void)state;
	test_path(path, sizeof path, "outside");
	s = test_open(path);
	test_seed(s, &wl, &w);
	assert_int_equal(test_list(s, wl.id, &items), 1);
	assert_string_equal(items[0].name, "Durable Party");
	free(items);

	snprintf(sql, sizeof sql, "UPDATE waitees SET name = 'edited by hand', version = version + 1 WHERE id = '%s'", w.id);
	test_raw_exec(path, sql);
	assert_int_equal(test_list(s, wl.id, &items), 1);
	assert_string_equal(items[0].name, "edited by hand");
	assert_int_equal(items[0].version, 2);
	free(items);

	mt_id_new(id2, mt_clock_system_now(NULL) + 5);
	snprintf(sql, sizeof sql,
		 "INSERT INTO waitees (waitlist_id, id, tenant_id, name, party_size, joined_at)"
		 " VALUES ('%s', '%s', '%s', 'walked in', 2, 1)", wl.id, id2, wl.tenant_id);
	test_raw_exec(path, sql);
	n = test_list(s, wl.id, &items);
	assert_int_equal(n, 2);
	assert_string_equal(items[1].id, id2);
	assert_string_equal(items[1].name, "walked in");
	free(items);

	snprintf(sql, sizeof sql, "DELETE FROM waitees WHERE id = '%s'", w.id);
	test_raw_exec(path, sql);
	n = test_list(s, wl.id, &items);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].id, id2);
	free(items);
	store_close(s);
}

/* The store clock of test_list_expiry_while_cached, epoch ms. */
static int64_t expiry_now_ms;

/* Reads expiry_now_ms. */
static int64_t expiry_clock_now(void *data)
{
	(void)data;
	return expiry_now_ms;
}

/* A waitee that expires while its list is cached disappears from the next
 * listing, which costs one statement (the revision check) when nothing
 * changed. The store runs on a test clock: expiry is a step of that clock,
 * not a second of real time (which a loaded machine could overrun). */
static void test_list_expiry_while_cached(void **state)
{
	const struct mt_clock fake = { expiry_clock_now, NULL };
	char path[512];
	struct store *s;
	struct mt_waitlist wl;
	struct mt_waitee w, soon, *items = NULL;
	struct store_stats before, after;
	int64_t expires;

	(void)state;
	test_path(path, sizeof path, "expiry");
	s = test_open(path);
	expiry_now_ms = mt_clock_system_now(NULL);
	store_set_clock(s, &fake);
	test_seed(s, &wl, &w);
	memcpy(&soon, &w, sizeof soon);
	mt_id_new(soon.id, mt_clock_system_now(NULL) + 1);
	soon.status = MT_SEATED;
	expires = expiry_now_ms / 1000 + 1;
	soon.expires_at = expires;
	assert_int_equal(s->ops->waitee_create(s, &soon), 0);
	assert_int_equal(test_list(s, wl.id, &items), 2);
	free(items);

	s->ops->stats(s, &before);
	assert_int_equal(test_list(s, wl.id, &items), 2);
	free(items);
	s->ops->stats(s, &after);
	assert_int_equal(after.requests - before.requests, 1);

	expiry_now_ms = expires * 1000;   /* the moment it expires */
	assert_int_equal(test_list(s, wl.id, &items), 1);
	assert_string_equal(items[0].id, w.id);
	free(items);
	assert_int_equal(s->ops->waitee_get(s, wl.id, soon.id, &w), MT_ENOTFOUND);
	store_close(s);
}

/* A list longer than the cache holds is paged from SQL, in order, and stays fresh. */
static void test_list_too_big_for_cache(void **state)
{
	char path[512], *sql, *cursor = NULL, last[MT_ID_SIZE] = "";
	struct store *s;
	struct mt_waitlist wl;
	struct mt_waitee w, *items = NULL;
	struct store_page page = {NULL, 100};
	size_t n, total = 0, cap = 700 * 256 + 64, len = 0, i;
	int pages = 0;
	int64_t now = mt_clock_system_now(NULL);

	(void)state;
	test_path(path, sizeof path, "big");
	s = test_open(path);
	test_seed(s, &wl, &w);
	now = mt_clock_system_now(NULL) + 1;  /* every inserted id sorts after the seeded one */
	sql = malloc(cap);
	assert_non_null(sql);
	len = (size_t)snprintf(sql, cap, "BEGIN;");
	for (i = 0; i < 699; i++) {
		char id[MT_ID_SIZE];

		mt_id_new(id, now + 1 + (int64_t)i);
		len += (size_t)snprintf(sql + len, cap - len,
					"INSERT INTO waitees (waitlist_id, id, tenant_id, name, party_size, joined_at)"
					" VALUES ('%s', '%s', '%s', 'p', 2, 1);", wl.id, id, wl.tenant_id);
		assert_true(len < cap);
	}
	snprintf(sql + len, cap - len, "COMMIT;");
	test_raw_exec(path, sql);
	free(sql);

	do {
		assert_int_equal(s->ops->waitee_list(s, wl.id, &page, &items, &n, &cursor), 0);
		for (i = 0; i < n; i++) {
			assert_true(strcmp(items[i].id, last) > 0);
			memcpy(last, items[i].id, MT_ID_SIZE);
		}
		total += n;
		pages++;
		free(items);
		free((char *)page.cursor);
		page.cursor = cursor;
	} while (cursor != NULL && pages < 20);
	assert_int_equal(total, 700);
	assert_int_equal(pages, 7);

	snprintf(w.name, sizeof w.name, "first, renamed");
	assert_int_equal(s->ops->waitee_update(s, &w, 1), 0);
	page.cursor = NULL;
	page.limit = 1;
	assert_int_equal(s->ops->waitee_list(s, wl.id, &page, &items, &n, &cursor), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].name, "first, renamed");
	free(items);
	free(cursor);
	store_close(s);
}

/* A version-1 database (as the first release left it) upgrades to the current schema with its data. */
static void test_migration_upgrade(void **state)
{
	char path[512], sql[1024], lid[MT_ID_SIZE], tid[MT_ID_SIZE], wid[MT_ID_SIZE];
	struct store *s;
	struct mt_waitee *items = NULL, got;
	struct mt_waitlist wl;
	int64_t now = mt_clock_system_now(NULL);

	(void)state;
	assert_true(store_sqlite_schema_version() >= 2);   /* there is an upgrade to test */
	test_path(path, sizeof path, "upgrade");
	assert_null(store_sqlite_migration_sql(0));
	assert_null(store_sqlite_migration_sql(store_sqlite_schema_version() + 1));
	test_raw_exec(path, store_sqlite_migration_sql(1));
	test_raw_exec(path, "PRAGMA user_version = 1");
	mt_id_new(lid, now);
	mt_id_new(tid, now);
	mt_id_new(wid, now);
	snprintf(sql, sizeof sql,
		 "INSERT INTO waitlists (id, tenant_id, name, created_at, updated_at) VALUES ('%s', '%s', 'Old', 1, 1);"
		 "INSERT INTO waitees (waitlist_id, id, tenant_id, name, party_size, joined_at)"
		 " VALUES ('%s', '%s', '%s', 'from v1', 3, 1);", lid, tid, lid, wid, tid);
	test_raw_exec(path, sql);

	s = test_open(path);
	assert_int_equal(test_raw_int(path, "PRAGMA user_version"), store_sqlite_schema_version());
	assert_int_equal(s->ops->waitlist_get(s, tid, lid, &wl), 0);
	assert_string_equal(wl.name, "Old");
	assert_int_equal(test_list(s, lid, &items), 1);
	assert_string_equal(items[0].name, "from v1");
	got = items[0];
	free(items);
	got.party_size = 4;
	assert_int_equal(s->ops->waitee_update(s, &got, 1), 0);
	assert_int_equal(test_list(s, lid, &items), 1);
	assert_int_equal(items[0].party_size, 4);
	free(items);
	store_close(s);
}

#define TEST_GC_THREADS 8
#define TEST_GC_WRITES 40

/* One writer of test_group_commit. */
struct test_writer {
	struct store *s;                       /* shared store */
	const struct mt_waitlist *wl;          /* list to write to */
	pthread_barrier_t *start;              /* start together */
	char ids[TEST_GC_WRITES][MT_ID_SIZE];  /* waitees created */
	int created;                           /* creates acknowledged */
	int conflicts;                         /* duplicate creates refused (MT_ECONFLICT) */
	int other;                             /* any other outcome */
	int fd;                                /* >= 0: write each acknowledged id here */
};

/* Creates TEST_GC_WRITES waitees, each followed by a duplicate create that must fail. */
static void *test_writer_thread(void *p)
{
	struct test_writer *wr = p;
	int i;

	pthread_barrier_wait(wr->start);
	for (i = 0; i < TEST_GC_WRITES; i++) {
		struct mt_waitee w;
		int r;

		memset(&w, 0, sizeof w);
		mt_id_new(w.id, mt_clock_system_now(NULL));
		memcpy(w.waitlist_id, wr->wl->id, MT_ID_SIZE);
		memcpy(w.tenant_id, wr->wl->tenant_id, MT_ID_SIZE);
		snprintf(w.name, sizeof w.name, "writer %d", i);
		w.party_size = 2;
		w.joined_at = mt_clock_system_now(NULL);
		r = wr->s->ops->waitee_create(wr->s, &w);
		if (r == 0 && w.version == 1) {
			memcpy(wr->ids[wr->created++], w.id, MT_ID_SIZE);
			if (wr->fd >= 0 && write(wr->fd, w.id, MT_ID_LEN) != MT_ID_LEN)
				wr->other++;
		} else {
			wr->other++;
		}
		/* The same id again: refused, and it must not spoil the others' batch. */
		w.version = 0;
		r = wr->s->ops->waitee_create(wr->s, &w);
		if (r == MT_ECONFLICT && w.version == 0)
			wr->conflicts++;
		else
			wr->other++;
	}
	return NULL;
}

/* Runs TEST_GC_THREADS writers against s; fills wr[]. */
static void test_run_writers(struct store *s, const struct mt_waitlist *wl, struct test_writer *wr, int fd)
{
	pthread_t th[TEST_GC_THREADS];
	pthread_barrier_t start;
	int i;

	pthread_barrier_init(&start, NULL, TEST_GC_THREADS);
	for (i = 0; i < TEST_GC_THREADS; i++) {
		memset(&wr[i], 0, sizeof wr[i]);
		wr[i].s = s;
		wr[i].wl = wl;
		wr[i].start = &start;
		wr[i].fd = fd;
		pthread_create(&th[i], NULL, test_writer_thread, &wr[i]);
	}
	for (i = 0; i < TEST_GC_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
}

/* Concurrent writers share commits (group commit); a failing write in a
 * shared transaction undoes only itself; every acknowledged write is there. */
static void test_group_commit(void **state)
{
	char path[512];
	struct store *s;
	struct mt_waitlist wl;
	struct mt_waitee w, got, *items = NULL;
	struct test_writer *wr;
	uint64_t commits0, writes0, commits, writes;
	int i, k, created = 0;
	size_t n;

	(void)state;
	test_path(path, sizeof path, "group");
	s = test_open(path);
	test_seed(s, &wl, &w);
	assert_int_equal(store_sqlite_write_stats(s, &commits0, &writes0), 0);
	wr = calloc(TEST_GC_THREADS, sizeof *wr);
	assert_non_null(wr);
	test_run_writers(s, &wl, wr, -1);
	assert_int_equal(store_sqlite_write_stats(s, &commits, &writes), 0);
	for (i = 0; i < TEST_GC_THREADS; i++) {
		assert_int_equal(wr[i].other, 0);
		assert_int_equal(wr[i].created, TEST_GC_WRITES);
		assert_int_equal(wr[i].conflicts, TEST_GC_WRITES);
		for (k = 0; k < wr[i].created; k++) {
			assert_int_equal(s->ops->waitee_get(s, wl.id, wr[i].ids[k], &got), 0);
			assert_int_equal(got.version, 1);
		}
		created += wr[i].created;
	}
	n = test_list(s, wl.id, &items);
	free(items);
	assert_int_equal(n, 1 + created);
	fprintf(stderr, "group commit: %llu writes in %llu commits\n",
		(unsigned long long)(writes - writes0), (unsigned long long)(commits - commits0));
	assert_int_equal(writes - writes0, 2 * TEST_GC_THREADS * TEST_GC_WRITES);
	/* Only the successful creates commit; concurrent ones shared commits. */
	assert_true(commits - commits0 < (uint64_t)created);
	free(wr);
	store_close(s);
}

/* Writes acknowledged by concurrent writers survive the process being killed right after. */
static void test_group_commit_durable(void **state)
{
	char path[512], id[MT_ID_SIZE];
	struct store *s;
	struct mt_waitlist wl;
	struct mt_waitee got;
	int fds[2], status, seen = 0;
	pid_t pid;

	(void)state;
	test_path(path, sizeof path, "groupcrash");
	s = test_open(path);
	test_seed(s, &wl, &got);
	store_close(s);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *cs = NULL;
		struct test_writer *wr = calloc(TEST_GC_THREADS, sizeof *wr);
		char *cause = NULL;

		close(fds[0]);
		if (wr == NULL || store_sqlite_open(path, &cs, &cause) != 0)
			_exit(2);
		test_run_writers(cs, &wl, wr, fds[1]);
		kill(getpid(), SIGKILL);  /* no close, no exit handlers */
		_exit(3);
	}
	close(fds[1]);
	/* The ids fit in the pipe buffer: read them only once the child is dead. */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	s = test_open(path);
	id[MT_ID_LEN] = '\0';
	while (read(fds[0], id, MT_ID_LEN) == MT_ID_LEN) {
		assert_int_equal(s->ops->waitee_get(s, wl.id, id, &got), 0);
		seen++;
	}
	close(fds[0]);
	assert_int_equal(seen, TEST_GC_THREADS * TEST_GC_WRITES);
	store_close(s);
}

/* Input of test_ext_insert: the value and whether to fail after inserting. */
struct test_ext {
	int value;   /* row to insert into ext */
	int fail;    /* 1: insert, then return MT_ECONFLICT */
};

/* A foreign write: inserts a row into the test's own table. */
static int test_ext_insert(struct sqlite3 *db, void *arg)
{
	struct test_ext *e = arg;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT INTO ext (v) VALUES (?1)", -1, &st, NULL) != SQLITE_OK)
		return MT_EIO;
	sqlite3_bind_int(st, 1, e->value);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return MT_EIO;
	return e->fail ? MT_ECONFLICT : 0;
}

/* One thread of test_write_txn: 20 foreign writes, every fourth failing. */
static void *test_ext_thread(void *p)
{
	struct store *s = ((void **)p)[0];
	int base = *(int *)((void **)p)[1], i, *bad = ((void **)p)[2];

	for (i = 0; i < 20; i++) {
		struct test_ext e = {base + i, i % 4 == 3};
		int r = store_sqlite_write_txn(s, test_ext_insert, &e);

		if (r != (e.fail ? MT_ECONFLICT : 0))
			(*bad)++;
	}
	return NULL;
}

/* Another module's writes run in the store's group commit; a failing one is undone alone. */
static void test_write_txn(void **state)
{
	char path[512];
	struct store *s;
	pthread_t th[4];
	void *args[4][3];
	int bases[4], bad[4] = {0, 0, 0, 0}, i;
	struct test_ext e = {-1, 0};

	(void)state;
	test_path(path, sizeof path, "ext");
	s = test_open(path);
	test_raw_exec(path, "CREATE TABLE ext (v INTEGER PRIMARY KEY)");
	assert_int_equal(store_sqlite_write_txn(s, test_ext_insert, &e), 0);
	assert_int_equal(store_sqlite_write_txn(s, test_ext_insert, &e), MT_EIO);  /* duplicate key */
	for (i = 0; i < 4; i++) {
		bases[i] = 100 * (i + 1);
		args[i][0] = s;
		args[i][1] = &bases[i];
		args[i][2] = &bad[i];
		pthread_create(&th[i], NULL, test_ext_thread, args[i]);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 4; i++)
		assert_int_equal(bad[i], 0);
	/* 1 + 4 threads x 15 kept; the failing ones left nothing. */
	assert_int_equal(test_raw_int(path, "SELECT count(*) FROM ext"), 1 + 4 * 15);
	assert_int_equal(test_raw_int(path, "SELECT count(*) FROM ext WHERE v % 100 % 4 = 3"), 0);
	assert_int_equal(store_sqlite_write_txn(NULL, test_ext_insert, &e), MT_EINVAL);
	store_close(s);
}

/* A list deleted and created again under the same id does not show the old list's waitees. */
static void test_list_recreated_same_id(void **state)
{
	char path[512];
	struct store *s;
	struct mt_waitlist wl, again;
	struct mt_waitee w, fresh, *items = NULL;

	(void)state;
	test_path(path, sizeof path, "recreate");
	s = test_open(path);
	test_seed(s, &wl, &w);
	assert_int_equal(test_list(s, wl.id, &items), 1);   /* cached: the old waitee */
	free(items);
	assert_int_equal(s->ops->waitlist_delete(s, wl.tenant_id, wl.id), 0);
	again = wl;
	assert_int_equal(s->ops->waitlist_create(s, &again), 0);
	fresh = w;
	mt_id_new(fresh.id, mt_clock_system_now(NULL) + 1);
	snprintf(fresh.name, sizeof fresh.name, "new party");
	assert_int_equal(s->ops->waitee_create(s, &fresh), 0);
	assert_int_equal(test_list(s, wl.id, &items), 1);
	assert_string_equal(items[0].id, fresh.id);
	assert_string_equal(items[0].name, "new party");
	free(items);
	store_close(s);
}

/* 1 when the file at path contains needle (0 also when there is no file). */
static int test_file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t n = strlen(needle), got, i, cap = 1 << 20, len = 0;
	char *buf;
	int found = 0;

	if (f == NULL)
		return 0;
	buf = malloc(cap);
	assert_non_null(buf);
	while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			char *more = realloc(buf, cap * 2);

			assert_non_null(more);
			buf = more;
			cap *= 2;
		}
	}
	fclose(f);
	for (i = 0; !found && i + n <= len; i++)
		found = memcmp(buf + i, needle, n) == 0;
	free(buf);
	return found;
}

/* A purged guest's name and number are gone from the files on disk, not
 * just from answers: secure_delete zeroes the freed cells, and after a
 * checkpoint the WAL no longer holds the old pages. */
static void test_purge_leaves_no_trace(void **state)
{
	char path[512], wal[530];
	struct store *s;
	struct mt_waitlist wl;
	struct mt_waitee w, keep;
	int64_t now_s = (int64_t)time(NULL);
	int removed = 0;

	(void)state;
	test_path(path, sizeof path, "purge");
	snprintf(wal, sizeof wal, "%s-wal", path);
	s = test_open(path);
	test_seed(s, &wl, &keep);
	w = keep;
	mt_id_new(w.id, mt_clock_system_now(NULL) + 1);
	snprintf(w.name, sizeof w.name, "Zebulon Quartermaine");
	snprintf(w.phone, sizeof w.phone, "+15559876543");
	w.status = MT_SEATED;
	w.expires_at = now_s - 1;
	assert_int_equal(s->ops->waitee_create(s, &w), 0);
	test_raw_exec(path, "PRAGMA wal_checkpoint(TRUNCATE)");
	assert_true(test_file_has(path, "Zebulon Quartermaine"));   /* the check can see it */
	assert_int_equal(s->ops->purge_expired(s, now_s, 100, &removed), 0);
	assert_int_equal(removed, 1);
	test_raw_exec(path, "PRAGMA wal_checkpoint(TRUNCATE)");
	assert_false(test_file_has(path, "Zebulon Quartermaine"));
	assert_false(test_file_has(path, "+15559876543"));
	assert_false(test_file_has(wal, "Zebulon Quartermaine"));
	assert_true(test_file_has(path, "Durable Party"));   /* the other guest stays */
	store_close(s);
}

/* Removes the (flat) temp directory and every file in it. */
static void test_rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[1024];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		remove(p);
	}
	closedir(d);
	rmdir(dir);
}

/* Runs the contract suite, then the SQLite-only tests, in a fresh temp dir. */
int main(void)
{
	const struct CMUnitTest sqlite_only[] = {
		cmocka_unit_test(test_query_plans),
		cmocka_unit_test(test_due_cost),
		cmocka_unit_test(test_reopen_keeps_data),
		cmocka_unit_test(test_acked_write_survives_crash),
		cmocka_unit_test(test_migration_from_empty),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_file_mode_and_wal),
		cmocka_unit_test(test_store_open_url),
		cmocka_unit_test(test_waitee_create_checks_list),
		cmocka_unit_test(test_two_handles_one_file),
		cmocka_unit_test(test_list_sees_outside_writes),
		cmocka_unit_test(test_list_expiry_while_cached),
		cmocka_unit_test(test_list_too_big_for_cache),
		cmocka_unit_test(test_migration_upgrade),
		cmocka_unit_test(test_group_commit),
		cmocka_unit_test(test_group_commit_durable),
		cmocka_unit_test(test_write_txn),
		cmocka_unit_test(test_list_recreated_same_id),
		cmocka_unit_test(test_purge_leaves_no_trace),
	};
	const char *tmp = getenv("TMPDIR");
	int failed;

	snprintf(test_dir, sizeof test_dir, "%s/maitre-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	failed = store_contract_run("store-contract-sqlite", test_open_fresh, NULL);
	failed += cmocka_run_group_tests_name("store-sqlite", sqlite_only, NULL, NULL);
	test_rm_dir(test_dir);
	return failed ? 1 : 0;
}
