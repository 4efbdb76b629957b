/* Schema of the SQLite store: the migrations (keyed by PRAGMA user_version),
 * running them, and the query plans of the statements (for tests). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "store/store-sqlite-private.h"

static const char *const store_sqlite_migrations[] = {
	/* 1: everything. */
	"CREATE TABLE users ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" tenant_id TEXT NOT NULL,"
	" email TEXT NOT NULL COLLATE NOCASE UNIQUE,"
	" name TEXT NOT NULL,"
	" role TEXT NOT NULL,"
	" password_hash TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" failed_logins INTEGER NOT NULL DEFAULT 0,"
	" fail_window_start INTEGER NOT NULL DEFAULT 0,"
	" version INTEGER NOT NULL DEFAULT 1"
	") WITHOUT ROWID;"
	"CREATE INDEX users_tenant ON users(tenant_id, id);"
	"CREATE TABLE refresh_families ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" user_id TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE TABLE refresh_tokens ("
	" token_hash TEXT PRIMARY KEY NOT NULL,"
	" family_id TEXT NOT NULL REFERENCES refresh_families(id) ON DELETE CASCADE,"
	" user_id TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" used INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);"
	"CREATE TABLE waitlists ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" tenant_id TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" tpl_joined TEXT NOT NULL DEFAULT '',"
	" tpl_ready TEXT NOT NULL DEFAULT '',"
	" tpl_reminder TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" version INTEGER NOT NULL DEFAULT 1"
	") WITHOUT ROWID;"
	"CREATE INDEX waitlists_tenant ON waitlists(tenant_id, id);"
	/* Clustered by (list, id): a page of a list is one range of the table. */
	"CREATE TABLE waitees ("
	" waitlist_id TEXT NOT NULL REFERENCES waitlists(id) ON DELETE CASCADE,"
	" id TEXT NOT NULL,"
	" tenant_id TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" phone TEXT NOT NULL DEFAULT '',"
	" email TEXT NOT NULL DEFAULT '',"
	" notes TEXT NOT NULL DEFAULT '',"
	" party_size INTEGER NOT NULL,"
	" quoted_minutes INTEGER NOT NULL DEFAULT 0,"
	" status INTEGER NOT NULL DEFAULT 0,"
	" joined_at INTEGER NOT NULL,"
	" notify_at INTEGER NOT NULL DEFAULT 0,"
	" notified_at INTEGER NOT NULL DEFAULT 0,"
	" seated_at INTEGER NOT NULL DEFAULT 0,"
	" updated_at INTEGER NOT NULL DEFAULT 0,"
	" expires_at INTEGER NOT NULL DEFAULT 0,"
	" version INTEGER NOT NULL DEFAULT 1,"
	" due_at INTEGER NOT NULL DEFAULT 0,"
	" notify_kind TEXT NOT NULL DEFAULT '',"
	" notify_seq INTEGER NOT NULL DEFAULT 0,"
	" queued_seq INTEGER NOT NULL DEFAULT 0,"
	" sent_seq INTEGER NOT NULL DEFAULT 0,"
	" notify_count INTEGER NOT NULL DEFAULT 0,"
	" last_result TEXT NOT NULL DEFAULT '',"
	" last_reason TEXT NOT NULL DEFAULT '',"
	" reply TEXT NOT NULL DEFAULT '',"
	" reply_at INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (waitlist_id, id)"
	") WITHOUT ROWID;"
	/* The due index holds only waitees with a pending notification. */
	"CREATE INDEX waitees_due ON waitees(due_at, id) WHERE due_at > 0;"
	/* Active parties (waiting, notified, confirmed): positions and counts. */
	"CREATE INDEX waitees_active ON waitees(waitlist_id, id, expires_at, status) WHERE status IN (0, 1, 2);"
	/* Guest replies: the active party with this phone. */
	"CREATE INDEX waitees_phone ON waitees(phone, id) WHERE status IN (0, 1, 2) AND phone <> '';",
	/* 2: a revision of each list's waitees, bumped by triggers on every
	 * change (whoever makes it), so readers can validate cached lists. */
	"ALTER TABLE waitlists ADD COLUMN waitee_rev INTEGER NOT NULL DEFAULT 0;"
	"CREATE TRIGGER waitees_rev_insert AFTER INSERT ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1 WHERE id = NEW.waitlist_id; END;"
	"CREATE TRIGGER waitees_rev_update AFTER UPDATE ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1 WHERE id IN (OLD.waitlist_id, NEW.waitlist_id); END;"
	"CREATE TRIGGER waitees_rev_delete AFTER DELETE ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1 WHERE id = OLD.waitlist_id; END;",
	/* 3: what purge_expired deletes, found without a scan. */
	"CREATE INDEX waitees_expiry ON waitees(expires_at) WHERE expires_at > 0;"
	"CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);",
	/* 4: failed logins of e-mails without an account (keyed hash, never the e-mail). */
	"CREATE TABLE login_guards ("
	" key TEXT PRIMARY KEY NOT NULL,"
	" failed_logins INTEGER NOT NULL,"
	" fail_window_start INTEGER NOT NULL,"
	" version INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX login_guards_expiry ON login_guards(expires_at);",
	/* 5: undo of a finished party: when it finished and the status it had before. */
	"ALTER TABLE waitees ADD COLUMN finished_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE waitees ADD COLUMN previous_status INTEGER NOT NULL DEFAULT 0;",
	/* 6: Idempotency-Key records (store-sqlite-idempotency.c), per tenant and key. */
	"CREATE TABLE idempotency ("
	" tenant_id TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL,"
	" res_id TEXT NOT NULL,"
	" done INTEGER NOT NULL DEFAULT 0,"
	" status INTEGER NOT NULL DEFAULT 0,"
	" body TEXT NOT NULL DEFAULT '',"
	" location TEXT NOT NULL DEFAULT '',"
	" etag TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" PRIMARY KEY (tenant_id, key)"
	") WITHOUT ROWID;"
	"CREATE INDEX idempotency_expiry ON idempotency(expires_at);",
	/* 7: guests' status pages and self check-in (issue 14): who added a
	 * party, the nonce its link derives from, and the public links. */
	"ALTER TABLE waitees ADD COLUMN source TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE waitees ADD COLUMN guest_nonce TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE links ("
	" key TEXT PRIMARY KEY NOT NULL,"
	" kind TEXT NOT NULL,"
	" tenant_id TEXT NOT NULL,"
	" waitlist_id TEXT NOT NULL,"
	" waitee_id TEXT NOT NULL DEFAULT '',"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE INDEX links_expiry ON links(expires_at) WHERE expires_at > 0;",
	/* 8: staff accounts (issue 10, docs/staff.md): disabled, a pending
	 * password change, sessions revoked before a time; the restaurant. */
	"ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN revoked_before INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE restaurants ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" name TEXT NOT NULL DEFAULT '',"
	" timezone TEXT NOT NULL DEFAULT 'UTC',"
	" phone_country TEXT NOT NULL DEFAULT '',"
	" retention_s INTEGER NOT NULL DEFAULT 86400,"
	" sms_per_day INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" version INTEGER NOT NULL"
	") WITHOUT ROWID;",
	/* 9: each list's count of active parties without an expiry, kept by
	 * the revision triggers, so a party's place in line is the count minus
	 * the few that joined after it (store-sqlite-waitees.c
	 * waitee_count_active), not a count over the whole line; active
	 * parties with an expiry (none today) are counted from their own
	 * small index. */
	"ALTER TABLE waitlists ADD COLUMN active_n INTEGER NOT NULL DEFAULT 0;"
	"UPDATE waitlists SET active_n = (SELECT count(*) FROM waitees w WHERE w.waitlist_id = waitlists.id"
	" AND w.status IN (0, 1, 2) AND w.expires_at = 0);"
	"CREATE INDEX waitees_active_ttl ON waitees(waitlist_id, id, expires_at)"
	" WHERE status IN (0, 1, 2) AND expires_at > 0;"
	"DROP TRIGGER waitees_rev_insert;"
	"DROP TRIGGER waitees_rev_update;"
	"DROP TRIGGER waitees_rev_delete;"
	"CREATE TRIGGER waitees_rev_insert AFTER INSERT ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1,"
	" active_n = active_n + (NEW.status IN (0, 1, 2) AND NEW.expires_at = 0)"
	" WHERE id = NEW.waitlist_id; END;"
	"CREATE TRIGGER waitees_rev_update AFTER UPDATE ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1,"
	" active_n = active_n - (id = OLD.waitlist_id AND OLD.status IN (0, 1, 2) AND OLD.expires_at = 0)"
	" + (id = NEW.waitlist_id AND NEW.status IN (0, 1, 2) AND NEW.expires_at = 0)"
	" WHERE id IN (OLD.waitlist_id, NEW.waitlist_id); END;"
	"CREATE TRIGGER waitees_rev_delete AFTER DELETE ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1,"
	" active_n = active_n - (OLD.status IN (0, 1, 2) AND OLD.expires_at = 0)"
	" WHERE id = OLD.waitlist_id; END;",
	/* 10: stats counters (issue 10 part 5, store-sqlite-stats.c): per list,
	 * UTC hour joined, party size and counter; no guest data. And a
	 * list's default quote for wait estimates (part 6). */
	"CREATE TABLE stat_counters ("
	" waitlist_id TEXT NOT NULL,"
	" hour INTEGER NOT NULL,"
	" party_size INTEGER NOT NULL,"
	" counter TEXT NOT NULL,"
	" value INTEGER NOT NULL,"
	" PRIMARY KEY (waitlist_id, hour, party_size, counter)"
	") WITHOUT ROWID;"
	"ALTER TABLE waitlists ADD COLUMN default_quote INTEGER NOT NULL DEFAULT 0;",
	/* 11: the activity log and shift handover notes (issue 10; store-sqlite-activity.c).
	 * Neither holds guest data (model.h); both expire with the retention period. */
	"CREATE TABLE activity ("
	" tenant_id TEXT NOT NULL,"
	" waitlist_id TEXT NOT NULL,"
	" id TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" actor_kind TEXT NOT NULL,"
	" actor_id TEXT NOT NULL DEFAULT '',"
	" action TEXT NOT NULL,"
	" subject_id TEXT NOT NULL DEFAULT '',"
	" party_size INTEGER NOT NULL DEFAULT 0,"
	" fields TEXT NOT NULL DEFAULT '',"
	" before TEXT NOT NULL DEFAULT '',"
	" after TEXT NOT NULL DEFAULT '',"
	" detail TEXT NOT NULL DEFAULT '',"
	" expires_at INTEGER NOT NULL,"
	" PRIMARY KEY (tenant_id, waitlist_id, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX activity_expiry ON activity(expires_at);"
	"CREATE TABLE handovers ("
	" tenant_id TEXT NOT NULL,"
	" waitlist_id TEXT NOT NULL,"
	" id TEXT NOT NULL,"
	" note TEXT NOT NULL,"
	" author_id TEXT NOT NULL,"
	" author_name TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" acked_by TEXT NOT NULL DEFAULT '',"
	" acked_name TEXT NOT NULL DEFAULT '',"
	" acked_at INTEGER NOT NULL DEFAULT 0,"
	" version INTEGER NOT NULL DEFAULT 1,"
	" expires_at INTEGER NOT NULL,"
	" PRIMARY KEY (tenant_id, waitlist_id, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX handovers_expiry ON handovers(expires_at);",
	/* 12: `status < 3` (waiting, notified, confirmed: enum mt_status is
	 * 0..5) instead of `status IN (0, 1, 2)` in the partial indexes and the
	 * revision triggers. SQLite (3.40) builds an ephemeral table for an IN
	 * list of three or more constants each time it evaluates one, and it
	 * evaluated them for three indexes and the trigger on every insert and
	 * update of a party, inside the write transaction; a comparison costs
	 * nothing. The statements that use these indexes say `status < 3` too
	 * (a partial index serves a query only when the query has its terms). */
	"DROP INDEX waitees_active;"
	"CREATE INDEX waitees_active ON waitees(waitlist_id, id, expires_at, status) WHERE status < 3;"
	"DROP INDEX waitees_phone;"
	"CREATE INDEX waitees_phone ON waitees(phone, id) WHERE status < 3 AND phone <> '';"
	"DROP INDEX waitees_active_ttl;"
	"CREATE INDEX waitees_active_ttl ON waitees(waitlist_id, id, expires_at) WHERE status < 3 AND expires_at > 0;"
	"DROP TRIGGER waitees_rev_insert;"
	"DROP TRIGGER waitees_rev_update;"
	"DROP TRIGGER waitees_rev_delete;"
	"CREATE TRIGGER waitees_rev_insert AFTER INSERT ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1,"
	" active_n = active_n + (NEW.status < 3 AND NEW.expires_at = 0)"
	" WHERE id = NEW.waitlist_id; END;"
	"CREATE TRIGGER waitees_rev_update AFTER UPDATE ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1,"
	" active_n = active_n - (id = OLD.waitlist_id AND OLD.status < 3 AND OLD.expires_at = 0)"
	" + (id = NEW.waitlist_id AND NEW.status < 3 AND NEW.expires_at = 0)"
	" WHERE id IN (OLD.waitlist_id, NEW.waitlist_id); END;"
	"CREATE TRIGGER waitees_rev_delete AFTER DELETE ON waitees BEGIN"
	" UPDATE waitlists SET waitee_rev = waitee_rev + 1,"
	" active_n = active_n - (OLD.status < 3 AND OLD.expires_at = 0)"
	" WHERE id = OLD.waitlist_id; END;",
};

#define STORE_SQLITE_NMIGRATIONS ((int)(sizeof store_sqlite_migrations / sizeof store_sqlite_migrations[0]))

/* Runs every pending migration, each in its own BEGIN IMMEDIATE transaction.
 * A schema already current costs one read of PRAGMA user_version and no
 * write lock (every open and every cold start of a Lambda function on a
 * sqlite: store passes here). */
int store_sqlite_migrate(struct store_sqlite *s, struct store_sqlite_conn *c, char **cause)
{
	sqlite3_int64 current = 0;
	int r = 0;

	/* Versions only go up: a committed current one needs no transaction. */
	if (store_sqlite_exec1(c->db, "PRAGMA user_version", &current) == SQLITE_OK &&
	    current == STORE_SQLITE_NMIGRATIONS)
		return 0;
	for (;;) {
		sqlite3_int64 v = 0;
		char pragma[64];
		int rc;

		if ((r = store_sqlite_begin(s, c)) < 0) {
			store_sqlite_cause(cause, "%s: cannot start the migration: %s", s->path, sqlite3_errmsg(c->db));
			return r;
		}
		rc = store_sqlite_exec1(c->db, "PRAGMA user_version", &v);
		if (rc != SQLITE_OK) {
			store_sqlite_cause(cause, "%s: %s", s->path, sqlite3_errmsg(c->db));
			store_sqlite_rollback(s, c);
			return store_sqlite_err(c, rc);
		}
		if (v > STORE_SQLITE_NMIGRATIONS) {
			store_sqlite_cause(cause, "%s: schema version %lld is newer than this program's (%d)",
					   s->path, (long long)v, STORE_SQLITE_NMIGRATIONS);
			store_sqlite_rollback(s, c);
			return MT_EINVAL;
		}
		if (v == STORE_SQLITE_NMIGRATIONS) {
			store_sqlite_rollback(s, c);
			return 0;
		}
		rc = sqlite3_exec(c->db, store_sqlite_migrations[v], NULL, NULL, NULL);
		if (rc == SQLITE_OK) {
			snprintf(pragma, sizeof pragma, "PRAGMA user_version = %lld", (long long)v + 1);
			rc = sqlite3_exec(c->db, pragma, NULL, NULL, NULL);
		}
		if (rc != SQLITE_OK) {
			store_sqlite_cause(cause, "%s: migration %lld failed: %s", s->path, (long long)v + 1,
					   sqlite3_errmsg(c->db));
			store_sqlite_rollback(s, c);
			return store_sqlite_err(c, rc);
		}
		if ((r = store_sqlite_commit(s, c)) < 0) {
			store_sqlite_cause(cause, "%s: migration %lld did not commit", s->path, (long long)v + 1);
			return r;
		}
	}
}

/* The schema version this build migrates to. */
int store_sqlite_schema_version(void)
{
	return STORE_SQLITE_NMIGRATIONS;
}

/* The SQL of one migration, or NULL. */
const char *store_sqlite_migration_sql(int version)
{
	if (version < 1 || version > STORE_SQLITE_NMIGRATIONS)
		return NULL;
	return store_sqlite_migrations[version - 1];
}

/* EXPLAIN QUERY PLAN of an operation's statement, detail lines joined by '\n'. */
int store_sqlite_query_plan(struct store *base, const char *op, char **plan)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	const struct store_sqlite_sql *q = NULL;
	struct store_sqlite_conn *c;
	sqlite3_stmt *st = NULL;
	char *sql, *text = NULL;
	size_t len = 0;
	int i, r, rc;

	*plan = NULL;
	if (base == NULL || base->ops != &store_sqlite_ops || op == NULL)
		return MT_EINVAL;
	for (i = 0; i < SQ__COUNT; i++)
		if ((q = store_sqlite_sql_of(i)) != NULL && strcmp(q->op, op) == 0)
			break;
	if (i == SQ__COUNT)
		return MT_EINVAL;
	if ((r = store_sqlite_conn(s, &c)) < 0)
		return r;
	sql = mt_strf("EXPLAIN QUERY PLAN %s", q->sql);
	if (sql == NULL)
		return MT_ENOMEM;
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return store_sqlite_err(c, rc);
	r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		size_t dlen = detail ? strlen(detail) : 0;
		char *grown = realloc(text, len + dlen + 2);

		if (grown == NULL) {
			r = MT_ENOMEM;
			break;
		}
		text = grown;
		if (len)
			text[len++] = '\n';
		if (dlen)
			memcpy(text + len, detail, dlen);
		len += dlen;
		text[len] = '\0';
	}
	if (r == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_sqlite_err(c, rc);
	sqlite3_finalize(st);
	if (r == 0 && text == NULL && (text = calloc(1, 1)) == NULL)
		r = MT_ENOMEM;
	if (r < 0) {
		free(text);
		return r;
	}
	*plan = text;
	return 0;
}
