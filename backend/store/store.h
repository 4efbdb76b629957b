/* The storage interface: a domain-level store behind a struct of function
 * pointers (after redis' ConnectionType). Back ends: store-sqlite.c (the
 * embedded default) and store-dynamodb.c.
 *
 * Contract, the same on every back end (tests/store/contract.c checks it):
 * - Every function returns 0 or a negative MT_E* code (core/error.h):
 *   MT_ENOTFOUND  no such record (lookups are always through the owner:
 *                 a waitlist through its tenant, a waitee through its list);
 *   MT_ECONFLICT  a unique key exists (e-mail) or a conditional write lost;
 *   MT_EPRECOND   the expected version does not match the stored one;
 *   MT_EIO        the back end failed; MT_EBUSY throttled, retry later.
 * - Records are passed in and out by value in caller-owned structs. Arrays
 *   that a call returns are malloc'd and freed by the caller with free();
 *   cursors returned are malloc'd strings (or NULL at the end), freed by the
 *   caller. Cursors are opaque, URL-safe, at most 512 bytes.
 * - Creates fail with MT_ECONFLICT if the key exists. Updates are
 *   conditional on `expected_version`; on success the stored version becomes
 *   expected_version + 1 and the caller's struct is updated to match.
 * - An acknowledged write is durable.
 * - All functions are safe to call from several threads at once.
 */
#ifndef MT_STORE_H
#define MT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "core/clock.h"
#include "core/model.h"
#include "core/stats.h"

struct store;

/* A refresh token is kept this long past its expiry (s), so presenting a
 * used one is still recognised as a reuse; then purge_expired (SQLite) or
 * the table's TTL (DynamoDB) deletes it. */
#define STORE_REFRESH_KEEP_S 86400

/* A login guard is kept this long after its window started (s); then
 * purge_expired (SQLite) or the table's TTL (DynamoDB) deletes it. */
#define STORE_GUARD_KEEP_S 86400

/* Idempotency keys: longest key (bytes), life of a record (s) and how long
 * a claim whose request never finished (a crashed process) blocks others
 * before a retry with the same fingerprint may take it over (ms). */
#define STORE_IDEM_KEY_MAX 255
#define STORE_IDEM_TTL_S 86400
#define STORE_IDEM_LEASE_MS 60000

/* Longest time waitlist_peek may lag a write made by another process (ms). */
#define STORE_PEEK_MS 100

/* One page of a listing. */
struct store_page {
	const char *cursor;   /* in: where to start (NULL = from the beginning) */
	int limit;            /* in: at most this many items (1..500) */
};

/* The first answer to a create sent with an Idempotency-Key, per tenant and key. */
struct store_idem {
	char tenant_id[MT_ID_SIZE];          /* restaurant the key belongs to */
	char key[STORE_IDEM_KEY_MAX + 1];    /* the client's key */
	char fingerprint[65];                /* hex SHA-256 of route, path ids and body */
	char res_id[MT_ID_SIZE];             /* id of the record the request creates (chosen before it runs) */
	int done;                            /* 0 = claimed, request running; 1 = answer stored */
	int status;                          /* HTTP status of the answer (done) */
	char *body;                          /* answer body (done): borrowed on input; malloc'd on output
					      * by idem_begin, caller frees; NULL = none */
	char location[128];                  /* Location header of the answer, "" = none */
	char etag[40];                       /* ETag header of the answer, "" = none */
	int64_t created_at;                  /* when the current claim was made (ms): identifies it */
	int64_t expires_at;                  /* epoch SECONDS after which the record is gone */
	int taken_over;                      /* out of idem_begin: 1 when a stale claim was taken over */
};

/* Per-operation request counters (for cost tests and benchmarks). */
struct store_stats {
	uint64_t requests;    /* back-end requests made (SQL statements or DynamoDB calls) */
	uint64_t scans;       /* full scans made (must stay 0 on request paths) */
};

struct store_ops {
	const char *name;     /* "sqlite", "dynamodb" */

	/* Frees the store and everything it holds. */
	void (*close)(struct store *s);
	/* Creates tables/indexes if missing (idempotent). */
	int (*init_schema)(struct store *s);

	/* Accounts. user_create: MT_ECONFLICT when the e-mail exists. The e-mail
	 * must already be lower-cased. user_update is conditional on version. */
	int (*user_create)(struct store *s, struct mt_user *u);
	int (*user_get)(struct store *s, const char *user_id, struct mt_user *out);
	int (*user_get_by_email)(struct store *s, const char *email, struct mt_user *out);
	int (*user_update)(struct store *s, struct mt_user *u, int64_t expected_version);
	/* The accounts of a tenant (owner and staff) in creation order, paged.
	 * user_update writes every mutable field (name, role, hash, throttling,
	 * disabled, must_change_password, revoked_before, updated_at). */
	int (*user_list)(struct store *s, const char *tenant_id, const struct store_page *page,
			 struct mt_user **items, size_t *n, char **next_cursor);

	/* Refresh tokens. refresh_get fills family_revoked from the family state.
	 * refresh_mark_used: MT_ECONFLICT when already used (a reuse). */
	int (*refresh_create)(struct store *s, const struct mt_refresh *r);
	int (*refresh_get)(struct store *s, const char *family_id, const char *token_hash,
			   struct mt_refresh *out);
	int (*refresh_mark_used)(struct store *s, const char *family_id, const char *token_hash);
	int (*refresh_revoke_family)(struct store *s, const char *family_id);

	/* Login guards (failed logins of e-mails without an account). get:
	 * MT_ENOTFOUND when none (one whose window is long over may still be
	 * returned until purged: the throttle ignores a window that ended).
	 * put: creates when expected_version is 0
	 * (MT_ECONFLICT when it exists), else conditional on the version;
	 * on success g->version is the new version. */
	int (*guard_get)(struct store *s, const char *key, struct mt_login_guard *out);
	int (*guard_put)(struct store *s, struct mt_login_guard *g, int64_t expected_version);

	/* Waitlists of a tenant. list: in creation order. delete removes the
	 * list and all its waitees; MT_ENOTFOUND when not the tenant's. */
	int (*waitlist_create)(struct store *s, struct mt_waitlist *w);
	int (*waitlist_get)(struct store *s, const char *tenant_id, const char *id,
			    struct mt_waitlist *out);
	/* waitlist_get for read-only routes, which may answer from a short-lived
	 * per-thread copy: it reflects every write made through any store of
	 * this process at once, and a write by another process (another
	 * maitred, the sqlite3 shell on the same file) within STORE_PEEK_MS.
	 * Back ends without such a copy point it at waitlist_get. */
	int (*waitlist_peek)(struct store *s, const char *tenant_id, const char *id,
			     struct mt_waitlist *out);
	int (*waitlist_list)(struct store *s, const char *tenant_id, const struct store_page *page,
			     struct mt_waitlist **items, size_t *n, char **next_cursor);
	int (*waitlist_update)(struct store *s, struct mt_waitlist *w, int64_t expected_version);
	int (*waitlist_delete)(struct store *s, const char *tenant_id, const char *id);

	/* Waitees of a list. list: queue order (by id = join order), all statuses;
	 * `position` is left 0 (handlers compute it). delete: MT_ENOTFOUND when
	 * absent. Expired waitees (expires_at <= now, in seconds) are not
	 * returned by get/list (TTL deletion may lag). */
	int (*waitee_create)(struct store *s, struct mt_waitee *w);
	int (*waitee_get)(struct store *s, const char *waitlist_id, const char *id,
			  struct mt_waitee *out);
	int (*waitee_list)(struct store *s, const char *waitlist_id, const struct store_page *page,
			   struct mt_waitee **items, size_t *n, char **next_cursor);
	int (*waitee_update)(struct store *s, struct mt_waitee *w, int64_t expected_version);
	int (*waitee_delete)(struct store *s, const char *waitlist_id, const char *id);
	/* Number of active (waiting, notified, confirmed) waitees of the list
	 * whose id sorts before `before_id` (NULL = all active). */
	int (*waitee_count_active)(struct store *s, const char *waitlist_id, const char *before_id,
				   int *count);

	/* The due index: waitees with 0 < due_at <= now_ms, oldest first, at
	 * most limit. Costs O(due), never a scan. */
	int (*waitee_list_due)(struct store *s, int64_t now_ms, int limit,
			       struct mt_waitee **items, size_t *n);
	/* The most recently joined active waitee with this E.164 phone (any
	 * tenant): for guest replies. MT_ENOTFOUND when none; MT_ECONFLICT
	 * when active waitees of more than one tenant have the number (a reply
	 * cannot be routed to one restaurant; out then holds the newest). */
	int (*waitee_find_by_phone)(struct store *s, const char *phone, struct mt_waitee *out);

	/* Deletes what has expired at now_s (epoch seconds): waitees whose
	 * expires_at has passed (finished parties: a guest's name and number
	 * are not kept longer than that), refresh tokens STORE_REFRESH_KEEP_S
	 * past their expiry, families left without tokens, and login guards
	 * STORE_GUARD_KEEP_S after their window started, idempotency records
	 * past their expires_at. At most about
	 * `limit` records of each kind per call, each call one short write;
	 * *removed gets how many records it deleted. A back end whose service
	 * deletes by TTL attribute (DynamoDB) deletes nothing and says 0. */
	int (*purge_expired)(struct store *s, int64_t now_s, int limit, int *removed);

	/* Idempotency keys. idem_begin claims rec's (tenant, key) for a request
	 * starting at now_ms (rec->created_at = now_ms, expires_at, fingerprint
	 * and res_id set by the caller; rec->body NULL) with one conditional
	 * write. 0: claimed: no record existed, the old one had expired, or a
	 * claim with the same fingerprint older than STORE_IDEM_LEASE_MS was
	 * taken over (then rec->taken_over is 1 and rec->res_id is the stored
	 * one, so the retry creates the same record). MT_ECONFLICT: a live
	 * record exists and *rec is overwritten with it (body malloc'd when
	 * done). idem_finish stores the answer (done = 1) of the claim made at
	 * rec->created_at; idem_release deletes that claim (the request failed,
	 * the key is free again). Both: MT_ENOTFOUND when that claim is gone
	 * (taken over, or expired). Expired records are purged by purge_expired
	 * (SQLite) or the table's TTL (DynamoDB). */
	int (*idem_begin)(struct store *s, struct store_idem *rec, int64_t now_ms);
	int (*idem_finish)(struct store *s, const struct store_idem *rec);
	int (*idem_release)(struct store *s, const struct store_idem *rec);

	/* Public links (struct mt_link; handlers/guest.c, handlers/checkin.c).
	 * link_put creates or replaces the link with l->key. link_get:
	 * MT_ENOTFOUND when absent or expired (expires_at <= now, seconds);
	 * purge_expired (SQLite) or the TTL (DynamoDB) deletes expired ones. */
	int (*link_put)(struct store *s, const struct mt_link *l);
	int (*link_get)(struct store *s, const char *key, struct mt_link *out);

	/* The restaurant record of a tenant (struct mt_restaurant; id = tenant
	 * id). get: MT_ENOTFOUND when the tenant has none yet (handlers use
	 * handlers/restaurant.h restaurant_load, which gives the defaults).
	 * put: creates when expected_version is 0 (MT_ECONFLICT when it
	 * exists), else conditional on the version (MT_EPRECOND when another,
	 * MT_ENOTFOUND when gone); on success r->version is the new version. */
	int (*restaurant_get)(struct store *s, const char *tenant_id, struct mt_restaurant *out);
	int (*restaurant_put)(struct store *s, struct mt_restaurant *r, int64_t expected_version);
	/* Deletes the restaurant record when its version is expected_version
	 * (the undo of a registration whose account was refused after the
	 * record was written): 0, MT_ENOTFOUND when there is none, MT_EPRECOND
	 * when another version is stored (it is kept). */
	int (*restaurant_delete)(struct store *s, const char *tenant_id, int64_t expected_version);
	/* Stats counters (core/stats.h), per bucket (list, UTC hour joined,
	 * party size). stat_add adds d's amounts to d's bucket of the list
	 * (creating it) with one atomic write. stat_range hands fn each of the
	 * list's buckets with from_hour <= hour < to_hour, in (hour, size)
	 * order; it costs the buckets in the range, never a scan. stat_hours
	 * hands fn the list's buckets of one party size at the nh given hours
	 * (missing ones left out). A non-zero return of fn stops the walk and
	 * is returned. Back ends without stats (test doubles) leave all NULL. */
	int (*stat_add)(struct store *s, const char *waitlist_id, const struct mt_stat_delta *d);
	int (*stat_range)(struct store *s, const char *waitlist_id, int64_t from_hour, int64_t to_hour,
			  int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud);
	int (*stat_hours)(struct store *s, const char *waitlist_id, int party_size, const int64_t *hours,
			  size_t nh, int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud);

	/* Runs fn(s, arg) as one atomic, durable unit of writes: every write fn
	 * makes through s (and through an embedded queue sharing the store's
	 * writer, queue->joins_store) is committed together, with one commit,
	 * or not at all. fn's reads see its own writes. A write that fails
	 * inside fn undoes only itself (fn decides what to do next); when fn
	 * returns < 0 nothing of the unit is stored and that is the result;
	 * otherwise the result is 0 once the unit is durable, or the commit's
	 * error (then nothing is stored). Until the unit returns, what its
	 * writes reported (versions) is provisional. May be NULL (DynamoDB):
	 * store_write_group then runs fn directly, each write on its own. */
	int (*write_group)(struct store *s, int (*fn)(struct store *s, void *arg), void *arg);
	/* Activity log (struct mt_activity). activity_append creates an entry
	 * (MT_ECONFLICT when the id exists). activity_list pages through the
	 * entries of (tenant, waitlist_id) newest first ("" = restaurant-wide),
	 * only those at or after since_ms (0 = all), skipping expired ones.
	 * purge_expired deletes expired entries (DynamoDB: the TTL). */
	int (*activity_append)(struct store *s, const struct mt_activity *a);
	int (*activity_list)(struct store *s, const char *tenant_id, const char *waitlist_id, int64_t since_ms,
			     const struct store_page *page, struct mt_activity **items, size_t *n,
			     char **next_cursor);

	/* Handover notes (struct mt_handover). handover_create stores a new note
	 * (version 1; MT_ECONFLICT when the id exists); handover_list pages
	 * through a list's notes newest first (expired ones skipped);
	 * handover_update rewrites a note (the acknowledgement) conditional on
	 * its version (MT_EPRECOND, MT_ENOTFOUND). */
	int (*handover_create)(struct store *s, struct mt_handover *h);
	int (*handover_list)(struct store *s, const char *tenant_id, const char *waitlist_id,
			     const struct store_page *page, struct mt_handover **items, size_t *n,
			     char **next_cursor);
	int (*handover_update)(struct store *s, struct mt_handover *h, int64_t expected_version);

	/* Counters since open (may be NULL: then no stats). */
	void (*stats)(struct store *s, struct store_stats *out);
};

struct store {
	const struct store_ops *ops;   /* back end */
	struct mt_clock clock;         /* time for expiry checks: the system clock unless store_set_clock */
};

/* Opens a store from a URL: "sqlite:PATH" or
 * "dynamodb://TABLE?region=REGION&endpoint=URL". On failure returns a
 * negative MT_E* code and sets *cause (caller frees). */
int store_open(const char *url, struct store **out, char **cause);

/* Back-end constructors, used by store_open and by tests. */
int store_sqlite_open(const char *path, struct store **out, char **cause);
int store_dynamodb_open(const char *url, struct store **out, char **cause);

/* Thin wrappers. */
static inline void store_close(struct store *s) { if (s) s->ops->close(s); }
/* Runs fn as one atomic unit of writes where the back end has one (see write_group). */
static inline int store_write_group(struct store *s, int (*fn)(struct store *s, void *arg), void *arg)
{
	return s->ops->write_group ? s->ops->write_group(s, fn, arg) : fn(s, arg);
}
/* Makes the store read time from c (the context's clock; tests: a fake one). */
static inline void store_set_clock(struct store *s, const struct mt_clock *c) { if (s && c) s->clock = *c; }
/* The store's current time, epoch milliseconds. */
static inline int64_t store_now_ms(const struct store *s) { return s->clock.now_ms(s->clock.data); }

#endif
