/* The store contract suite (contract.h): every op of struct store_ops and
 * every error code it may return, run on a fresh store per test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "core/model.h"
#include "store/store.h"
#include "contract.h"

/* The factory of the run in progress (runs are sequential). */
struct contract_env {
	store_contract_open_fn open_fresh;  /* gives an empty store */
	void *arg;                          /* passed to open_fresh */
};

static struct contract_env contract_env;

/* Current time, epoch ms. */
static int64_t contract_now(void)
{
	return mt_clock_system_now(NULL);
}

/* Per-test setup: a fresh, empty store in *state. */
static int contract_setup(void **state)
{
	struct store *s = NULL;
	int r = contract_env.open_fresh(&s, contract_env.arg);

	if (r != 0 || s == NULL) {
		fprintf(stderr, "contract: open_fresh failed: %s\n", mt_strerror(r));
		return -1;
	}
	*state = s;
	return 0;
}

/* Per-test teardown: no full scans happened (when counted), then close. */
static int contract_teardown(void **state)
{
	struct store *s = *state;
	int r = 0;

	if (s == NULL)
		return 0;
	if (s->ops->stats) {
		struct store_stats st = {0, 0};

		s->ops->stats(s, &st);
		if (st.scans != 0 || st.requests == 0) {
			fprintf(stderr, "contract: stats requests=%llu scans=%llu (want >0 and 0)\n",
				(unsigned long long)st.requests, (unsigned long long)st.scans);
			r = -1;
		}
	}
	store_close(s);
	*state = NULL;
	return r;
}

/* Fills a user with a fresh id and the given e-mail. */
static void contract_user(struct mt_user *u, const char *tenant, const char *email, const char *name)
{
	memset(u, 0, sizeof *u);
	mt_id_new(u->id, contract_now());
	snprintf(u->tenant_id, sizeof u->tenant_id, "%s", tenant);
	snprintf(u->email, sizeof u->email, "%s", email);
	snprintf(u->name, sizeof u->name, "%s", name);
	snprintf(u->role, sizeof u->role, "owner");
	snprintf(u->password_hash, sizeof u->password_hash, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA");
	u->created_at = contract_now();
	u->version = 0;
}

/* Creates a waitlist of tenant with id time t_ms; fails the test on error. */
static void contract_waitlist(struct store *s, struct mt_waitlist *w, const char *tenant, const char *name,
			      int64_t t_ms)
{
	memset(w, 0, sizeof *w);
	mt_id_new(w->id, t_ms);
	snprintf(w->tenant_id, sizeof w->tenant_id, "%s", tenant);
	snprintf(w->name, sizeof w->name, "%s", name);
	snprintf(w->description, sizeof w->description, "patio and bar");
	w->created_at = w->updated_at = t_ms;
	assert_int_equal(s->ops->waitlist_create(s, w), 0);
	assert_int_equal(w->version, 1);
}

/* Fills a waitee of list wl with id time t_ms (not stored). */
static void contract_waitee_fill(struct mt_waitee *w, const struct mt_waitlist *wl, const char *name,
				 const char *phone, int64_t t_ms)
{
	memset(w, 0, sizeof *w);
	mt_id_new(w->id, t_ms);
	memcpy(w->waitlist_id, wl->id, sizeof w->waitlist_id);
	memcpy(w->tenant_id, wl->tenant_id, sizeof w->tenant_id);
	snprintf(w->name, sizeof w->name, "%s", name);
	snprintf(w->phone, sizeof w->phone, "%s", phone ? phone : "");
	w->party_size = 2;
	w->status = MT_WAITING;
	w->joined_at = w->updated_at = t_ms;
}

/* Creates a waitee (see contract_waitee_fill); fails the test on error. */
static void contract_waitee(struct store *s, struct mt_waitee *w, const struct mt_waitlist *wl, const char *name,
			    const char *phone, int64_t t_ms)
{
	contract_waitee_fill(w, wl, name, phone, t_ms);
	assert_int_equal(s->ops->waitee_create(s, w), 0);
	assert_int_equal(w->version, 1);
}

/* Creates a finished waitee (status) whose record expires at expires_s. */
static void contract_finished(struct store *s, struct mt_waitee *w, const struct mt_waitlist *wl, const char *name,
			      enum mt_status status, int64_t expires_s, int64_t t_ms)
{
	contract_waitee_fill(w, wl, name, "", t_ms);
	w->status = status;
	w->expires_at = expires_s;
	assert_int_equal(s->ops->waitee_create(s, w), 0);
}

/* Asserts every stored waitee field matches (position is not stored). */
static void contract_waitee_equal(const struct mt_waitee *a, const struct mt_waitee *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->waitlist_id, b->waitlist_id);
	assert_string_equal(a->tenant_id, b->tenant_id);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->phone, b->phone);
	assert_string_equal(a->email, b->email);
	assert_string_equal(a->notes, b->notes);
	assert_int_equal(a->party_size, b->party_size);
	assert_int_equal(a->quoted_minutes, b->quoted_minutes);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->joined_at, b->joined_at);
	assert_int_equal(a->notify_at, b->notify_at);
	assert_int_equal(a->notified_at, b->notified_at);
	assert_int_equal(a->seated_at, b->seated_at);
	assert_int_equal(a->updated_at, b->updated_at);
	assert_int_equal(a->expires_at, b->expires_at);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->due_at, b->due_at);
	assert_string_equal(a->notify_kind, b->notify_kind);
	assert_int_equal(a->notify_seq, b->notify_seq);
	assert_int_equal(a->queued_seq, b->queued_seq);
	assert_int_equal(a->sent_seq, b->sent_seq);
	assert_int_equal(a->notify_count, b->notify_count);
	assert_string_equal(a->last_result, b->last_result);
	assert_string_equal(a->last_reason, b->last_reason);
	assert_string_equal(a->reply, b->reply);
	assert_int_equal(a->reply_at, b->reply_at);
	assert_int_equal(a->finished_at, b->finished_at);
	if (a->finished_at > 0)
		assert_int_equal(a->previous_status, b->previous_status);
}

/* qsort comparator for id strings. */
static int contract_cmp_id(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Asserts a cursor is URL-safe and at most 512 bytes. */
static void contract_cursor_ok(const char *cursor)
{
	size_t i, n = strlen(cursor);

	assert_true(n > 0 && n <= 512);
	for (i = 0; i < n; i++) {
		char ch = cursor[i];

		assert_true((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			    ch == '-' || ch == '_' || ch == '.' || ch == '~');
	}
}

/* ---- schema ---- */

/* init_schema on a ready store is a no-op that keeps the data. */
static void contract_init_schema_idempotent(void **state)
{
	struct store *s = *state;
	struct mt_user u, got;
	char tenant[MT_ID_SIZE];

	mt_id_new(tenant, contract_now());
	contract_user(&u, tenant, "schema@example.com", "Schema");
	assert_int_equal(s->ops->user_create(s, &u), 0);
	assert_int_equal(s->ops->init_schema(s), 0);
	assert_int_equal(s->ops->init_schema(s), 0);
	assert_int_equal(s->ops->user_get_by_email(s, "schema@example.com", &got), 0);
	assert_string_equal(got.id, u.id);
}

/* ---- accounts ---- */

/* Create, get by id and by e-mail, conditional update, not-found cases. */
static void contract_user_crud(void **state)
{
	struct store *s = *state;
	struct mt_user u, got, other;
	char tenant[MT_ID_SIZE], missing[MT_ID_SIZE];

	mt_id_new(tenant, contract_now());
	contract_user(&u, tenant, "ana@example.com", "Ana");
	u.failed_logins = 2;
	u.fail_window_start = 1700000000000;
	assert_int_equal(s->ops->user_create(s, &u), 0);
	assert_int_equal(u.version, 1);

	assert_int_equal(s->ops->user_get(s, u.id, &got), 0);
	assert_string_equal(got.id, u.id);
	assert_string_equal(got.tenant_id, tenant);
	assert_string_equal(got.email, "ana@example.com");
	assert_string_equal(got.name, "Ana");
	assert_string_equal(got.role, "owner");
	assert_string_equal(got.password_hash, u.password_hash);
	assert_int_equal(got.created_at, u.created_at);
	assert_int_equal(got.failed_logins, 2);
	assert_int_equal(got.fail_window_start, 1700000000000);
	assert_int_equal(got.version, 1);

	memset(&got, 0, sizeof got);
	assert_int_equal(s->ops->user_get_by_email(s, "ana@example.com", &got), 0);
	assert_string_equal(got.id, u.id);

	/* Conditional update: the right version wins and bumps it. */
	snprintf(got.name, sizeof got.name, "Ana María");
	snprintf(got.role, sizeof got.role, "host");
	snprintf(got.password_hash, sizeof got.password_hash, "$argon2id$new");
	got.failed_logins = 0;
	got.fail_window_start = 0;
	assert_int_equal(s->ops->user_update(s, &got, 1), 0);
	assert_int_equal(got.version, 2);
	memset(&other, 0, sizeof other);
	assert_int_equal(s->ops->user_get(s, u.id, &other), 0);
	assert_string_equal(other.name, "Ana María");
	assert_string_equal(other.role, "host");
	assert_string_equal(other.password_hash, "$argon2id$new");
	assert_int_equal(other.failed_logins, 0);
	assert_int_equal(other.fail_window_start, 0);
	assert_int_equal(other.version, 2);
	assert_string_equal(other.email, "ana@example.com");

	/* A stale version loses and changes nothing. */
	snprintf(u.name, sizeof u.name, "stale");
	assert_int_equal(s->ops->user_update(s, &u, 1), MT_EPRECOND);
	assert_int_equal(u.version, 1);
	assert_int_equal(s->ops->user_get(s, u.id, &other), 0);
	assert_string_equal(other.name, "Ana María");
	assert_int_equal(other.version, 2);

	/* Absent records. */
	mt_id_new(missing, contract_now());
	assert_int_equal(s->ops->user_get(s, missing, &other), MT_ENOTFOUND);
	assert_int_equal(s->ops->user_get_by_email(s, "nobody@example.com", &other), MT_ENOTFOUND);
	contract_user(&other, tenant, "ghost@example.com", "Ghost");
	assert_int_equal(s->ops->user_update(s, &other, 1), MT_ENOTFOUND);
}

/* A second account with an existing e-mail is refused; the first is intact. */
static void contract_user_duplicate_email(void **state)
{
	struct store *s = *state;
	struct mt_user a, b, got;
	char tenant[MT_ID_SIZE];

	mt_id_new(tenant, contract_now());
	contract_user(&a, tenant, "dup@example.com", "First");
	assert_int_equal(s->ops->user_create(s, &a), 0);
	contract_user(&b, tenant, "dup@example.com", "Second");
	assert_int_equal(s->ops->user_create(s, &b), MT_ECONFLICT);
	assert_int_equal(s->ops->user_get_by_email(s, "dup@example.com", &got), 0);
	assert_string_equal(got.id, a.id);
	assert_string_equal(got.name, "First");
	assert_int_equal(s->ops->user_get(s, b.id, &got), MT_ENOTFOUND);
	/* Another e-mail is fine. */
	contract_user(&b, tenant, "dup2@example.com", "Second");
	assert_int_equal(s->ops->user_create(s, &b), 0);
}

/* Staff fields (issue 10) round-trip through create and update; user_list
 * gives a tenant's accounts in creation order, paged, and no other tenant's. */
static void contract_user_staff(void **state)
{
	struct store *s = *state;
	struct mt_user u[5], got, *items = NULL, other;
	char tenant[MT_ID_SIZE], tenant2[MT_ID_SIZE], email[64], *next = NULL, *next2 = NULL;
	struct store_page page = { NULL, 2 };
	size_t n = 0, n2 = 0, i;

	mt_id_new(tenant, contract_now());
	mt_id_new(tenant2, contract_now());
	for (i = 0; i < 5; i++) {
		snprintf(email, sizeof email, "staff%zu@example.com", i);
		contract_user(&u[i], tenant, email, i == 0 ? "Owner" : "Staff");
		if (i > 0)
			snprintf(u[i].role, sizeof u[i].role, "%s", i % 2 ? "host" : "manager");
		u[i].must_change_password = i > 0;
		u[i].updated_at = 1700000000123;
		assert_int_equal(s->ops->user_create(s, &u[i]), 0);
	}
	contract_user(&other, tenant2, "elsewhere@example.com", "Elsewhere");
	assert_int_equal(s->ops->user_create(s, &other), 0);

	assert_int_equal(s->ops->user_get(s, u[1].id, &got), 0);
	assert_string_equal(got.role, "host");
	assert_int_equal(got.must_change_password, 1);
	assert_int_equal(got.disabled, 0);
	assert_int_equal(got.revoked_before, 0);
	assert_int_equal(got.updated_at, 1700000000123);
	got.disabled = 1;
	got.must_change_password = 0;
	got.revoked_before = 1700000000999;
	got.updated_at = 1700000001000;
	snprintf(got.role, sizeof got.role, "manager");
	assert_int_equal(s->ops->user_update(s, &got, 1), 0);
	memset(&got, 0, sizeof got);
	assert_int_equal(s->ops->user_get_by_email(s, "staff1@example.com", &got), 0);
	assert_int_equal(got.disabled, 1);
	assert_int_equal(got.must_change_password, 0);
	assert_int_equal(got.revoked_before, 1700000000999);
	assert_int_equal(got.updated_at, 1700000001000);
	assert_string_equal(got.role, "manager");
	assert_int_equal(got.version, 2);

	/* Pages of 2: 2 + 2 + 1, in id order, only this tenant's. */
	assert_int_equal(s->ops->user_list(s, tenant, &page, &items, &n, &next), 0);
	assert_int_equal(n, 2);
	assert_non_null(next);
	assert_string_equal(items[0].id, u[0].id);
	assert_string_equal(items[1].id, u[1].id);
	assert_int_equal(items[1].disabled, 1);
	free(items);
	page.cursor = next;
	assert_int_equal(s->ops->user_list(s, tenant, &page, &items, &n, &next2), 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].id, u[2].id);
	assert_string_equal(items[1].id, u[3].id);
	free(items);
	free(next);
	page.cursor = next2;
	assert_int_equal(s->ops->user_list(s, tenant, &page, &items, &n, &next), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].id, u[4].id);
	assert_string_equal(items[0].email, "staff4@example.com");
	assert_null(next);
	free(items);
	free(next2);
	page.cursor = NULL;
	page.limit = 100;
	assert_int_equal(s->ops->user_list(s, tenant2, &page, &items, &n2, &next), 0);
	assert_int_equal(n2, 1);
	assert_string_equal(items[0].email, "elsewhere@example.com");
	free(items);
	mt_id_new(tenant2, contract_now());
	assert_int_equal(s->ops->user_list(s, tenant2, &page, &items, &n2, &next), 0);
	assert_int_equal(n2, 0);
	free(items);
}

/* The restaurant record: absent, created once, conditional updates, conditional delete. */
static void contract_restaurant(void **state)
{
	struct store *s = *state;
	struct mt_restaurant r, got, dup;
	char tenant[MT_ID_SIZE];

	mt_id_new(tenant, contract_now());
	assert_int_equal(s->ops->restaurant_get(s, tenant, &got), MT_ENOTFOUND);
	memset(&r, 0, sizeof r);
	snprintf(r.id, sizeof r.id, "%s", tenant);
	snprintf(r.name, sizeof r.name, "Chez Zoë");
	snprintf(r.timezone, sizeof r.timezone, "Europe/Paris");
	snprintf(r.phone_country, sizeof r.phone_country, "FR");
	r.retention_s = 7200;
	r.sms_per_day = 40;
	r.created_at = r.updated_at = 1700000000000;
	assert_int_equal(s->ops->restaurant_put(s, &r, 0), 0);
	assert_int_equal(r.version, 1);
	dup = r;
	assert_int_equal(s->ops->restaurant_put(s, &dup, 0), MT_ECONFLICT);
	assert_int_equal(s->ops->restaurant_get(s, tenant, &got), 0);
	assert_string_equal(got.id, tenant);
	assert_string_equal(got.name, "Chez Zoë");
	assert_string_equal(got.timezone, "Europe/Paris");
	assert_string_equal(got.phone_country, "FR");
	assert_int_equal(got.retention_s, 7200);
	assert_int_equal(got.sms_per_day, 40);
	assert_int_equal(got.created_at, 1700000000000);
	assert_int_equal(got.version, 1);
	snprintf(got.name, sizeof got.name, "Chez Zoë et fils");
	got.updated_at = 1700000005000;
	assert_int_equal(s->ops->restaurant_put(s, &got, 1), 0);
	assert_int_equal(got.version, 2);
	assert_int_equal(s->ops->restaurant_put(s, &r, 1), MT_EPRECOND);   /* stale */
	assert_int_equal(s->ops->restaurant_get(s, tenant, &got), 0);
	assert_string_equal(got.name, "Chez Zoë et fils");
	assert_int_equal(got.updated_at, 1700000005000);
	assert_int_equal(got.created_at, 1700000000000);
	assert_int_equal(got.version, 2);
	mt_id_new(r.id, contract_now());
	assert_int_equal(s->ops->restaurant_put(s, &r, 3), MT_ENOTFOUND);

	/* delete: only the version asked for; then gone, and a second delete finds nothing */
	assert_int_equal(s->ops->restaurant_delete(s, tenant, 1), MT_EPRECOND);
	assert_int_equal(s->ops->restaurant_get(s, tenant, &got), 0);
	assert_int_equal(got.version, 2);
	assert_int_equal(s->ops->restaurant_delete(s, tenant, 2), 0);
	assert_int_equal(s->ops->restaurant_get(s, tenant, &got), MT_ENOTFOUND);
	assert_int_equal(s->ops->restaurant_delete(s, tenant, 2), MT_ENOTFOUND);
	assert_int_equal(s->ops->restaurant_delete(s, tenant, 0), MT_EINVAL);
	/* created again after the delete: version 1 */
	snprintf(r.id, sizeof r.id, "%s", tenant);
	assert_int_equal(s->ops->restaurant_put(s, &r, 0), 0);
	assert_int_equal(r.version, 1);
}

/* ---- refresh tokens ---- */

/* Fills a refresh token record. */
static void contract_refresh_fill(struct mt_refresh *r, const char *family, const char *user, char hexchar)
{
	memset(r, 0, sizeof *r);
	memset(r->token_hash, hexchar, 64);
	r->token_hash[64] = '\0';
	snprintf(r->family_id, sizeof r->family_id, "%s", family);
	snprintf(r->user_id, sizeof r->user_id, "%s", user);
	r->created_at = contract_now();
	r->expires_at = r->created_at + 30LL * 86400 * 1000;
}

/* Create, get, mark used (twice: conflict), revoke the family. */
static void contract_refresh_family(void **state)
{
	struct store *s = *state;
	struct mt_refresh r1, r2, got;
	char family[MT_ID_SIZE], other_family[MT_ID_SIZE], user[MT_ID_SIZE];

	mt_id_new(family, contract_now());
	mt_id_new(other_family, contract_now() + 1);
	mt_id_new(user, contract_now());
	contract_refresh_fill(&r1, family, user, 'a');
	assert_int_equal(s->ops->refresh_create(s, &r1), 0);

	assert_int_equal(s->ops->refresh_get(s, family, r1.token_hash, &got), 0);
	assert_string_equal(got.token_hash, r1.token_hash);
	assert_string_equal(got.family_id, family);
	assert_string_equal(got.user_id, user);
	assert_int_equal(got.created_at, r1.created_at);
	assert_int_equal(got.expires_at, r1.expires_at);
	assert_int_equal(got.used, 0);
	assert_int_equal(got.family_revoked, 0);
	/* The token is looked up through its family. */
	assert_int_equal(s->ops->refresh_get(s, other_family, r1.token_hash, &got), MT_ENOTFOUND);

	/* Rotation: mark used once; a second use is a reuse. */
	assert_int_equal(s->ops->refresh_mark_used(s, family, r1.token_hash), 0);
	assert_int_equal(s->ops->refresh_get(s, family, r1.token_hash, &got), 0);
	assert_int_equal(got.used, 1);
	assert_int_equal(s->ops->refresh_mark_used(s, family, r1.token_hash), MT_ECONFLICT);

	/* The successor in the same family. */
	contract_refresh_fill(&r2, family, user, 'b');
	assert_int_equal(s->ops->refresh_create(s, &r2), 0);
	assert_int_equal(s->ops->refresh_get(s, family, r2.token_hash, &got), 0);
	assert_int_equal(got.used, 0);
	assert_int_equal(got.family_revoked, 0);
	/* The same hash twice is a conflict. */
	assert_int_equal(s->ops->refresh_create(s, &r2), MT_ECONFLICT);

	/* Revoking the family shows on every token of it; twice is fine. */
	assert_int_equal(s->ops->refresh_revoke_family(s, family), 0);
	assert_int_equal(s->ops->refresh_get(s, family, r1.token_hash, &got), 0);
	assert_int_equal(got.family_revoked, 1);
	assert_int_equal(s->ops->refresh_get(s, family, r2.token_hash, &got), 0);
	assert_int_equal(got.family_revoked, 1);
	assert_int_equal(got.used, 0);
	assert_int_equal(s->ops->refresh_revoke_family(s, family), 0);

	/* Unknown tokens and families. */
	contract_refresh_fill(&got, family, user, 'c');
	assert_int_equal(s->ops->refresh_get(s, family, got.token_hash, &r1), MT_ENOTFOUND);
	assert_int_equal(s->ops->refresh_mark_used(s, family, got.token_hash), MT_ENOTFOUND);
	assert_int_equal(s->ops->refresh_revoke_family(s, other_family), MT_ENOTFOUND);
}

/* Two families are independent: revoking one leaves the other valid. */
static void contract_refresh_families_independent(void **state)
{
	struct store *s = *state;
	struct mt_refresh a, b, got;
	char fa[MT_ID_SIZE], fb[MT_ID_SIZE], user[MT_ID_SIZE];

	mt_id_new(fa, contract_now());
	mt_id_new(fb, contract_now() + 1);
	mt_id_new(user, contract_now());
	contract_refresh_fill(&a, fa, user, '1');
	contract_refresh_fill(&b, fb, user, '2');
	assert_int_equal(s->ops->refresh_create(s, &a), 0);
	assert_int_equal(s->ops->refresh_create(s, &b), 0);
	assert_int_equal(s->ops->refresh_revoke_family(s, fa), 0);
	assert_int_equal(s->ops->refresh_get(s, fb, b.token_hash, &got), 0);
	assert_int_equal(got.family_revoked, 0);
	assert_int_equal(s->ops->refresh_get(s, fa, a.token_hash, &got), 0);
	assert_int_equal(got.family_revoked, 1);
}

/* ---- waitlists ---- */

/* Create, get, conditional update, delete. */
static void contract_waitlist_crud(void **state)
{
	struct store *s = *state;
	struct mt_waitlist w, got, stale;
	char tenant[MT_ID_SIZE];
	int64_t now = contract_now();

	mt_id_new(tenant, now);
	contract_waitlist(s, &w, tenant, "Dinner", now);
	snprintf(w.tpl_ready, sizeof w.tpl_ready, "Your table at {restaurant} is ready");

	assert_int_equal(s->ops->waitlist_get(s, tenant, w.id, &got), 0);
	assert_string_equal(got.id, w.id);
	assert_string_equal(got.tenant_id, tenant);
	assert_string_equal(got.name, "Dinner");
	assert_string_equal(got.description, "patio and bar");
	assert_string_equal(got.tpl_joined, "");
	assert_string_equal(got.tpl_ready, "");
	assert_int_equal(got.created_at, now);
	assert_int_equal(got.updated_at, now);
	assert_int_equal(got.version, 1);

	stale = got;
	snprintf(got.name, sizeof got.name, "Dinner (main room)");
	snprintf(got.description, sizeof got.description, "%s", "");
	snprintf(got.tpl_joined, sizeof got.tpl_joined, "Hi {name}");
	snprintf(got.tpl_ready, sizeof got.tpl_ready, "Ready, {name}");
	snprintf(got.tpl_reminder, sizeof got.tpl_reminder, "Still coming?");
	got.updated_at = now + 5;
	assert_int_equal(s->ops->waitlist_update(s, &got, 1), 0);
	assert_int_equal(got.version, 2);
	memset(&w, 0, sizeof w);
	assert_int_equal(s->ops->waitlist_get(s, tenant, got.id, &w), 0);
	assert_string_equal(w.name, "Dinner (main room)");
	assert_string_equal(w.description, "");
	assert_string_equal(w.tpl_joined, "Hi {name}");
	assert_string_equal(w.tpl_ready, "Ready, {name}");
	assert_string_equal(w.tpl_reminder, "Still coming?");
	assert_int_equal(w.updated_at, now + 5);
	assert_int_equal(w.created_at, now);
	assert_int_equal(w.version, 2);

	/* Stale version: MT_EPRECOND, nothing written. */
	snprintf(stale.name, sizeof stale.name, "lost");
	assert_int_equal(s->ops->waitlist_update(s, &stale, 1), MT_EPRECOND);
	assert_int_equal(s->ops->waitlist_update(s, &stale, 3), MT_EPRECOND);
	assert_int_equal(s->ops->waitlist_get(s, tenant, got.id, &w), 0);
	assert_string_equal(w.name, "Dinner (main room)");
	assert_int_equal(w.version, 2);

	/* Delete; then everything about it is not found. */
	assert_int_equal(s->ops->waitlist_delete(s, tenant, got.id), 0);
	assert_int_equal(s->ops->waitlist_get(s, tenant, got.id, &w), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitlist_delete(s, tenant, got.id), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitlist_update(s, &got, 2), MT_ENOTFOUND);
}

/* Tenant B cannot get, update or delete tenant A's list, nor list it. */
static void contract_waitlist_isolation(void **state)
{
	struct store *s = *state;
	struct mt_waitlist a, forged, got;
	struct mt_waitlist *items = NULL;
	struct store_page page = {NULL, 50};
	char ta[MT_ID_SIZE], tb[MT_ID_SIZE], *cursor = NULL;
	size_t n = 99;

	mt_id_new(ta, contract_now());
	mt_id_new(tb, contract_now() + 1);
	contract_waitlist(s, &a, ta, "A's list", contract_now());

	assert_int_equal(s->ops->waitlist_get(s, tb, a.id, &got), MT_ENOTFOUND);
	forged = a;
	memcpy(forged.tenant_id, tb, sizeof forged.tenant_id);
	snprintf(forged.name, sizeof forged.name, "hijacked");
	assert_int_equal(s->ops->waitlist_update(s, &forged, 1), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitlist_delete(s, tb, a.id), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitlist_list(s, tb, &page, &items, &n, &cursor), 0);
	assert_int_equal(n, 0);
	assert_null(cursor);
	free(items);

	/* A's list is untouched. */
	assert_int_equal(s->ops->waitlist_get(s, ta, a.id, &got), 0);
	assert_string_equal(got.name, "A's list");
	assert_int_equal(got.version, 1);
}

/* Pages through 25 lists by 10: each seen once, in id order; bad cursors. */
static void contract_waitlist_paging(void **state)
{
	struct store *s = *state;
	char ta[MT_ID_SIZE], tb[MT_ID_SIZE];
	char want[25][MT_ID_SIZE], seen[25][MT_ID_SIZE];
	struct mt_waitlist w, *items;
	struct store_page page = {NULL, 10};
	char *cursor = NULL, *prev = NULL, last[MT_ID_SIZE] = "";
	size_t n, total = 0, i;
	int pages = 0;
	int64_t now = contract_now();

	mt_id_new(ta, now);
	mt_id_new(tb, now + 1);
	for (i = 0; i < 25; i++) {
		char name[32];

		snprintf(name, sizeof name, "list %zu", i);
		contract_waitlist(s, &w, ta, name, now + (int64_t)(i % 7));
		memcpy(want[i], w.id, MT_ID_SIZE);
		if (i < 3)
			contract_waitlist(s, &w, tb, "other tenant", now);
	}
	qsort(want, 25, MT_ID_SIZE, contract_cmp_id);

	do {
		items = NULL;
		assert_int_equal(s->ops->waitlist_list(s, ta, &page, &items, &n, &cursor), 0);
		pages++;
		assert_true(n <= 10);
		for (i = 0; i < n; i++) {
			assert_string_equal(items[i].tenant_id, ta);
			assert_true(strcmp(items[i].id, last) > 0);
			memcpy(last, items[i].id, MT_ID_SIZE);
			assert_true(total < 25);
			memcpy(seen[total++], items[i].id, MT_ID_SIZE);
		}
		free(items);
		if (cursor)
			contract_cursor_ok(cursor);
		free(prev);
		prev = cursor;
		page.cursor = cursor;
	} while (cursor != NULL && pages < 10);
	free(prev);
	assert_int_equal(pages, 3);
	assert_int_equal(total, 25);
	for (i = 0; i < 25; i++)
		assert_string_equal(seen[i], want[i]);

	/* Malformed cursors and limits. */
	items = NULL;
	page.cursor = "!!not a cursor!!";
	assert_int_equal(s->ops->waitlist_list(s, ta, &page, &items, &n, &cursor), MT_EINVAL);
	page.cursor = "aGVsbG8";  /* base64url("hello"): decodes, but is no id */
	assert_int_equal(s->ops->waitlist_list(s, ta, &page, &items, &n, &cursor), MT_EINVAL);
	page.cursor = NULL;
	page.limit = 0;
	assert_int_equal(s->ops->waitlist_list(s, ta, &page, &items, &n, &cursor), MT_EINVAL);
	page.limit = 501;
	assert_int_equal(s->ops->waitlist_list(s, ta, &page, &items, &n, &cursor), MT_EINVAL);

	/* One page big enough for everything: no cursor. */
	page.limit = 500;
	assert_int_equal(s->ops->waitlist_list(s, ta, &page, &items, &n, &cursor), 0);
	assert_int_equal(n, 25);
	assert_null(cursor);
	free(items);
	/* Exactly the page size: the end is reported with a NULL cursor. */
	page.limit = 25;
	assert_int_equal(s->ops->waitlist_list(s, ta, &page, &items, &n, &cursor), 0);
	assert_int_equal(n, 25);
	free(items);
	if (cursor) {
		/* A back end may hand out one more cursor whose page is empty. */
		page.cursor = cursor;
		assert_int_equal(s->ops->waitlist_list(s, ta, &page, &items, &n, &prev), 0);
		assert_int_equal(n, 0);
		assert_null(prev);
		free(items);
		free(cursor);
	}
}

/* Deleting a list deletes its waitees and nothing else. */
static void contract_waitlist_delete_cascades(void **state)
{
	struct store *s = *state;
	struct mt_waitlist doomed, kept;
	struct mt_waitee ws[5], keep[2], got, *items = NULL;
	struct store_page page = {NULL, 100};
	char tenant[MT_ID_SIZE], *cursor = NULL;
	size_t n, i;
	int count = -1;
	int64_t now = contract_now();

	mt_id_new(tenant, now);
	contract_waitlist(s, &doomed, tenant, "closing", now);
	contract_waitlist(s, &kept, tenant, "open", now + 1);
	for (i = 0; i < 5; i++) {
		contract_waitee_fill(&ws[i], &doomed, "gone", "+15550001000", now + (int64_t)i);
		ws[i].due_at = now - 1000;
		assert_int_equal(s->ops->waitee_create(s, &ws[i]), 0);
	}
	for (i = 0; i < 2; i++)
		contract_waitee(s, &keep[i], &kept, "stays", "+15550002000", now + (int64_t)i);

	assert_int_equal(s->ops->waitlist_delete(s, tenant, doomed.id), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(s->ops->waitee_get(s, doomed.id, ws[i].id, &got), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitee_list(s, doomed.id, &page, &items, &n, &cursor), 0);
	assert_int_equal(n, 0);
	free(items);
	assert_int_equal(s->ops->waitee_count_active(s, doomed.id, NULL, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(s->ops->waitee_list_due(s, now, 100, &items, &n), 0);
	assert_int_equal(n, 0);
	free(items);
	assert_int_equal(s->ops->waitee_find_by_phone(s, "+15550001000", &got), MT_ENOTFOUND);

	/* The other list is intact. */
	assert_int_equal(s->ops->waitee_list(s, kept.id, &page, &items, &n, &cursor), 0);
	assert_int_equal(n, 2);
	free(items);
	assert_int_equal(s->ops->waitee_get(s, kept.id, keep[1].id, &got), 0);
	assert_int_equal(s->ops->waitee_find_by_phone(s, "+15550002000", &got), 0);
}

/* ---- waitees ---- */

/* Create with every field, get it back, conditional update, delete. */
static void contract_waitee_crud(void **state)
{
	struct store *s = *state;
	struct mt_waitlist wl;
	struct mt_waitee w, got, stale;
	char tenant[MT_ID_SIZE];
	int64_t now = contract_now();

	mt_id_new(tenant, now);
	contract_waitlist(s, &wl, tenant, "Lunch", now);
	contract_waitee_fill(&w, &wl, "Zoë 山田", "+447700900123", now);
	snprintf(w.email, sizeof w.email, "zoe@example.org");
	snprintf(w.notes, sizeof w.notes, "high chair; window");
	w.party_size = 4;
	w.quoted_minutes = 25;
	w.notify_at = now + 25 * 60000;
	w.due_at = now + 10 * 60000;
	snprintf(w.notify_kind, sizeof w.notify_kind, "joined");
	w.notify_seq = 1;
	w.expires_at = 0;
	assert_int_equal(s->ops->waitee_create(s, &w), 0);
	assert_int_equal(w.version, 1);

	assert_int_equal(s->ops->waitee_get(s, wl.id, w.id, &got), 0);
	contract_waitee_equal(&got, &w);
	assert_int_equal(got.position, 0);

	/* Same id again on the list: conflict. */
	stale = w;
	assert_int_equal(s->ops->waitee_create(s, &stale), MT_ECONFLICT);

	/* Update every mutable field. */
	stale = got;
	snprintf(got.name, sizeof got.name, "Zoe Yamada");
	snprintf(got.phone, sizeof got.phone, "+447700900999");
	snprintf(got.email, sizeof got.email, "%s", "");
	snprintf(got.notes, sizeof got.notes, "birthday");
	got.party_size = 6;
	got.quoted_minutes = 40;
	got.status = MT_NOTIFIED;
	got.notify_at = now + 1;
	got.notified_at = now + 2;
	got.seated_at = 0;
	got.updated_at = now + 3;
	got.expires_at = 0;
	got.due_at = 0;
	snprintf(got.notify_kind, sizeof got.notify_kind, "ready");
	got.notify_seq = 2;
	got.queued_seq = 2;
	got.sent_seq = 1;
	got.notify_count = 1;
	snprintf(got.last_result, sizeof got.last_result, "failed");
	snprintf(got.last_reason, sizeof got.last_reason, "gateway said 503");
	snprintf(got.reply, sizeof got.reply, "running 5 min late");
	got.reply_at = now + 4;
	assert_int_equal(s->ops->waitee_update(s, &got, 1), 0);
	assert_int_equal(got.version, 2);
	assert_int_equal(s->ops->waitee_get(s, wl.id, w.id, &w), 0);
	contract_waitee_equal(&w, &got);

	/* Stale version: MT_EPRECOND, nothing written. */
	snprintf(stale.name, sizeof stale.name, "lost update");
	assert_int_equal(s->ops->waitee_update(s, &stale, 1), MT_EPRECOND);
	assert_int_equal(stale.version, 1);
	assert_int_equal(s->ops->waitee_get(s, wl.id, w.id, &w), 0);
	assert_string_equal(w.name, "Zoe Yamada");
	assert_int_equal(w.version, 2);

	/* The undo record of a finished party round-trips (every previous
	 * status), and clearing it (an undo) is stored too. */
	{
		static const enum mt_status prev[] = { MT_NOTIFIED, MT_CONFIRMED, MT_WAITING };
		size_t k;

		for (k = 0; k < sizeof prev / sizeof prev[0]; k++) {
			got = w;
			got.status = MT_SEATED;
			got.seated_at = now + 10 + (int64_t)k;
			got.finished_at = now + 10 + (int64_t)k;
			got.previous_status = prev[k];
			got.expires_at = (now + 10) / 1000 + 86400;
			assert_int_equal(s->ops->waitee_update(s, &got, w.version), 0);
			assert_int_equal(s->ops->waitee_get(s, wl.id, w.id, &w), 0);
			contract_waitee_equal(&w, &got);
			assert_int_equal(w.previous_status, prev[k]);
		}
		got = w;
		got.status = MT_CONFIRMED;
		got.seated_at = 0;
		got.finished_at = 0;
		got.previous_status = MT_WAITING;
		got.expires_at = 0;
		assert_int_equal(s->ops->waitee_update(s, &got, w.version), 0);
		assert_int_equal(s->ops->waitee_get(s, wl.id, w.id, &w), 0);
		contract_waitee_equal(&w, &got);
		assert_int_equal(w.finished_at, 0);
	}

	/* Delete; then not found for every op. */
	assert_int_equal(s->ops->waitee_delete(s, wl.id, w.id), 0);
	assert_int_equal(s->ops->waitee_get(s, wl.id, w.id, &got), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitee_delete(s, wl.id, w.id), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitee_update(s, &w, w.version), MT_ENOTFOUND);
}

/* A waitee is reachable only through its own list. */
static void contract_waitee_isolation(void **state)
{
	struct store *s = *state;
	struct mt_waitlist a, a2, b;
	struct mt_waitee w, got, forged;
	char ta[MT_ID_SIZE], tb[MT_ID_SIZE];
	int64_t now = contract_now();

	mt_id_new(ta, now);
	mt_id_new(tb, now + 1);
	contract_waitlist(s, &a, ta, "A", now);
	contract_waitlist(s, &a2, ta, "A second list", now + 1);
	contract_waitlist(s, &b, tb, "B", now + 2);
	contract_waitee(s, &w, &a, "Guest", "+15551234567", now);

	/* Through another list of the same tenant, or another tenant's list. */
	assert_int_equal(s->ops->waitee_get(s, a2.id, w.id, &got), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitee_get(s, b.id, w.id, &got), MT_ENOTFOUND);
	forged = w;
	memcpy(forged.waitlist_id, b.id, sizeof forged.waitlist_id);
	memcpy(forged.tenant_id, tb, sizeof forged.tenant_id);
	snprintf(forged.name, sizeof forged.name, "hijacked");
	assert_int_equal(s->ops->waitee_update(s, &forged, 1), MT_ENOTFOUND);
	memcpy(forged.waitlist_id, a2.id, sizeof forged.waitlist_id);
	memcpy(forged.tenant_id, ta, sizeof forged.tenant_id);
	assert_int_equal(s->ops->waitee_update(s, &forged, 1), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitee_delete(s, b.id, w.id), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitee_delete(s, a2.id, w.id), MT_ENOTFOUND);

	assert_int_equal(s->ops->waitee_get(s, a.id, w.id, &got), 0);
	assert_string_equal(got.name, "Guest");
	assert_int_equal(got.version, 1);
}

/* Pages through 25 waitees by 10: each seen once, in id order. */
static void contract_waitee_paging(void **state)
{
	struct store *s = *state;
	struct mt_waitlist wl, other;
	struct mt_waitee w, *items;
	char tenant[MT_ID_SIZE], want[25][MT_ID_SIZE], last[MT_ID_SIZE] = "";
	struct store_page page = {NULL, 10};
	char *cursor = NULL, *prev = NULL;
	size_t n, total = 0, i;
	int pages = 0, sizes[3] = {0, 0, 0};
	int64_t now = contract_now();

	mt_id_new(tenant, now);
	contract_waitlist(s, &wl, tenant, "Brunch", now);
	contract_waitlist(s, &other, tenant, "Other", now);
	for (i = 0; i < 25; i++) {
		contract_waitee(s, &w, &wl, "party", "", now + (int64_t)(i / 3));
		memcpy(want[i], w.id, MT_ID_SIZE);
		if (i % 5 == 0)
			contract_waitee(s, &w, &other, "elsewhere", "", now);
	}
	qsort(want, 25, MT_ID_SIZE, contract_cmp_id);

	do {
		items = NULL;
		assert_int_equal(s->ops->waitee_list(s, wl.id, &page, &items, &n, &cursor), 0);
		assert_true(pages < 3);
		sizes[pages++] = (int)n;
		for (i = 0; i < n; i++) {
			assert_string_equal(items[i].waitlist_id, wl.id);
			assert_true(strcmp(items[i].id, last) > 0);
			memcpy(last, items[i].id, MT_ID_SIZE);
			assert_true(total < 25);
			assert_string_equal(items[i].id, want[total]);
			assert_int_equal(items[i].position, 0);
			total++;
		}
		free(items);
		if (cursor)
			contract_cursor_ok(cursor);
		free(prev);
		prev = cursor;
		page.cursor = cursor;
	} while (cursor != NULL);
	free(prev);
	assert_int_equal(pages, 3);
	assert_int_equal(sizes[0], 10);
	assert_int_equal(sizes[1], 10);
	assert_int_equal(sizes[2], 5);
	assert_int_equal(total, 25);

	page.cursor = "%%%";
	assert_int_equal(s->ops->waitee_list(s, wl.id, &page, &items, &n, &cursor), MT_EINVAL);
	page.cursor = NULL;
	page.limit = -1;
	assert_int_equal(s->ops->waitee_list(s, wl.id, &page, &items, &n, &cursor), MT_EINVAL);
}

/* The due index: only 0 < due_at <= now, oldest first, limit honoured. */
static void contract_waitee_due(void **state)
{
	struct store *s = *state;
	struct mt_waitlist wl;
	struct mt_waitee w[6], *items = NULL;
	char tenant[MT_ID_SIZE];
	static const int64_t offsets[6] = {0, -3000, -1000, -2000, 60000, -2000};
	size_t n, i;
	int64_t now = contract_now();

	mt_id_new(tenant, now);
	contract_waitlist(s, &wl, tenant, "Due", now);
	for (i = 0; i < 6; i++) {
		contract_waitee_fill(&w[i], &wl, "party", "", now + (int64_t)i);
		w[i].due_at = offsets[i] == 0 ? 0 : now + offsets[i];
		assert_int_equal(s->ops->waitee_create(s, &w[i]), 0);
	}
	/* Due: w1 (-3000), then w3 and w5 (-2000, id order), then w2 (-1000). */
	assert_int_equal(s->ops->waitee_list_due(s, now, 10, &items, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(items[0].id, w[1].id);
	assert_true(items[1].due_at == now - 2000 && items[2].due_at == now - 2000);
	assert_true((strcmp(items[1].id, w[3].id) == 0 && strcmp(items[2].id, w[5].id) == 0) ||
		    (strcmp(items[1].id, w[5].id) == 0 && strcmp(items[2].id, w[3].id) == 0));
	assert_string_equal(items[3].id, w[2].id);
	for (i = 0; i < n; i++) {
		assert_true(items[i].due_at > 0 && items[i].due_at <= now);
		assert_string_equal(items[i].waitlist_id, wl.id);
	}
	free(items);

	/* Limit honoured: the oldest come first. */
	assert_int_equal(s->ops->waitee_list_due(s, now, 2, &items, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].id, w[1].id);
	assert_int_equal(items[1].due_at, now - 2000);
	free(items);

	/* Earlier now: only what was due by then. */
	assert_int_equal(s->ops->waitee_list_due(s, now - 2500, 10, &items, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].id, w[1].id);
	free(items);

	/* Queued (due_at = 0): leaves the index. */
	w[1].due_at = 0;
	assert_int_equal(s->ops->waitee_update(s, &w[1], 1), 0);
	assert_int_equal(s->ops->waitee_list_due(s, now, 10, &items, &n), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		assert_string_not_equal(items[i].id, w[1].id);
	free(items);

	/* Later: the future one becomes due too. */
	assert_int_equal(s->ops->waitee_list_due(s, now + 60000, 10, &items, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(items[3].id, w[4].id);
	free(items);

	items = NULL;
	assert_int_equal(s->ops->waitee_list_due(s, now, 0, &items, &n), MT_EINVAL);
	assert_null(items);
}

/* Guest replies: the most recently joined active waitee with the phone,
 * and MT_ECONFLICT while active waitees of two tenants have it. */
static void contract_waitee_find_by_phone(void **state)
{
	struct store *s = *state;
	struct mt_waitlist a, b;
	struct mt_waitee w1, w2, w3, other, got;
	char ta[MT_ID_SIZE], tb[MT_ID_SIZE];
	const char *phone = "+14155550123";
	int64_t now = contract_now();

	mt_id_new(ta, now);
	mt_id_new(tb, now);
	contract_waitlist(s, &a, ta, "A", now);
	contract_waitlist(s, &b, tb, "B", now);
	contract_waitee(s, &w1, &a, "first", phone, now);
	contract_waitee_fill(&w2, &b, "second", phone, now + 10);
	w2.status = MT_NOTIFIED;
	assert_int_equal(s->ops->waitee_create(s, &w2), 0);
	contract_waitee_fill(&w3, &a, "third, cancelled", phone, now + 20);
	w3.status = MT_CANCELLED;
	assert_int_equal(s->ops->waitee_create(s, &w3), 0);
	contract_waitee(s, &other, &a, "other phone", "+14155550999", now + 30);

	/* Two restaurants wait on the number: a reply cannot be routed
	 * (issue 13, finding 6), whoever added the party last. The finished
	 * w3 does not count. */
	assert_int_equal(s->ops->waitee_find_by_phone(s, phone, &got), MT_ECONFLICT);

	/* Seat w2: one restaurant left, w1 is the one. */
	w2.status = MT_SEATED;
	w2.seated_at = now + 40;
	assert_int_equal(s->ops->waitee_update(s, &w2, 1), 0);
	assert_int_equal(s->ops->waitee_find_by_phone(s, phone, &got), 0);
	assert_string_equal(got.id, w1.id);
	assert_string_equal(got.tenant_id, ta);

	/* Confirmed is active too. */
	w3.status = MT_CONFIRMED;
	assert_int_equal(s->ops->waitee_update(s, &w3, 1), 0);
	assert_int_equal(s->ops->waitee_find_by_phone(s, phone, &got), 0);
	assert_string_equal(got.id, w3.id);

	/* None active with that phone. */
	assert_int_equal(s->ops->waitee_find_by_phone(s, "+14155550000", &got), MT_ENOTFOUND);
	other.status = MT_NO_SHOW;
	assert_int_equal(s->ops->waitee_update(s, &other, 1), 0);
	assert_int_equal(s->ops->waitee_find_by_phone(s, "+14155550999", &got), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitee_find_by_phone(s, "", &got), MT_EINVAL);
}

/* Active (waiting, notified, confirmed) counts, overall and before an id. */
static void contract_waitee_count_active(void **state)
{
	struct store *s = *state;
	struct mt_waitlist wl, other;
	struct mt_waitee w[8], x;
	static const enum mt_status st[8] = {MT_WAITING, MT_SEATED, MT_NOTIFIED, MT_CANCELLED,
					     MT_CONFIRMED, MT_NO_SHOW, MT_WAITING, MT_WAITING};
	char tenant[MT_ID_SIZE];
	int count = -1, i, want;
	int64_t now = contract_now();

	mt_id_new(tenant, now);
	contract_waitlist(s, &wl, tenant, "Count", now);
	contract_waitlist(s, &other, tenant, "Other", now);
	for (i = 0; i < 8; i++) {
		contract_waitee_fill(&w[i], &wl, "party", "", now + i);
		w[i].status = st[i];
		assert_int_equal(s->ops->waitee_create(s, &w[i]), 0);
	}
	contract_waitee(s, &x, &other, "elsewhere", "", now);

	assert_int_equal(s->ops->waitee_count_active(s, wl.id, NULL, &count), 0);
	assert_int_equal(count, 5);
	for (i = 0; i < 8; i++) {
		int j;

		want = 0;
		for (j = 0; j < i; j++)
			want += st[j] <= MT_CONFIRMED;
		assert_int_equal(s->ops->waitee_count_active(s, wl.id, w[i].id, &count), 0);
		assert_int_equal(count, want);
	}
	/* A status change moves the count. */
	w[0].status = MT_SEATED;
	assert_int_equal(s->ops->waitee_update(s, &w[0], 1), 0);
	assert_int_equal(s->ops->waitee_count_active(s, wl.id, NULL, &count), 0);
	assert_int_equal(count, 4);
	assert_int_equal(s->ops->waitee_count_active(s, wl.id, w[7].id, &count), 0);
	assert_int_equal(count, 3);
	assert_int_equal(s->ops->waitee_count_active(s, other.id, NULL, &count), 0);
	assert_int_equal(count, 1);
}

/* Expired waitees (expires_at <= now, seconds) are hidden from get and list. */
static void contract_waitee_expired(void **state)
{
	struct store *s = *state;
	struct mt_waitlist wl;
	struct mt_waitee gone, later, plain, got, *items = NULL;
	struct store_page page = {NULL, 50};
	char tenant[MT_ID_SIZE], *cursor = NULL;
	size_t n;
	int64_t now = contract_now(), now_s = (int64_t)time(NULL);

	mt_id_new(tenant, now);
	contract_waitlist(s, &wl, tenant, "TTL", now);
	contract_finished(s, &gone, &wl, "finished yesterday", MT_SEATED, now_s - 10, now);
	contract_finished(s, &later, &wl, "finished just now", MT_SEATED, now_s + 86400, now + 1);
	contract_waitee(s, &plain, &wl, "waiting", "", now + 2);

	assert_int_equal(s->ops->waitee_get(s, wl.id, gone.id, &got), MT_ENOTFOUND);
	assert_int_equal(s->ops->waitee_get(s, wl.id, later.id, &got), 0);
	assert_int_equal(got.expires_at, now_s + 86400);
	assert_int_equal(s->ops->waitee_list(s, wl.id, &page, &items, &n, &cursor), 0);
	assert_int_equal(n, 2);
	assert_string_not_equal(items[0].id, gone.id);
	assert_string_not_equal(items[1].id, gone.id);
	assert_null(cursor);
	free(items);
}

/* Lists one page of a list's waitees into items (caller frees); fails the test on error. */
static size_t contract_list_all(struct store *s, const char *waitlist_id, struct mt_waitee **items)
{
	struct store_page page = {NULL, 100};
	char *cursor = NULL;
	size_t n = 0;

	*items = NULL;
	assert_int_equal(s->ops->waitee_list(s, waitlist_id, &page, items, &n, &cursor), 0);
	assert_null(cursor);
	return n;
}

/* A listing reflects every create, update and delete made before it. */
static void contract_waitee_list_fresh(void **state)
{
	struct store *s = *state;
	struct mt_waitlist wl;
	struct mt_waitee w[4], *items = NULL;
	struct store_page page = {NULL, 2};
	char tenant[MT_ID_SIZE], *cursor = NULL, *cursor2 = NULL;
	size_t n;
	int i;
	int64_t now = contract_now();

	mt_id_new(tenant, now);
	contract_waitlist(s, &wl, tenant, "Fresh", now);
	for (i = 0; i < 3; i++)
		contract_waitee(s, &w[i], &wl, "party", "", now + i);
	assert_int_equal(contract_list_all(s, wl.id, &items), 3);
	free(items);

	/* Update: the next listing shows it. */
	snprintf(w[1].name, sizeof w[1].name, "renamed");
	w[1].party_size = 7;
	assert_int_equal(s->ops->waitee_update(s, &w[1], 1), 0);
	assert_int_equal(contract_list_all(s, wl.id, &items), 3);
	assert_string_equal(items[1].id, w[1].id);
	assert_string_equal(items[1].name, "renamed");
	assert_int_equal(items[1].party_size, 7);
	assert_int_equal(items[1].version, 2);
	free(items);

	/* Create and delete. */
	contract_waitee(s, &w[3], &wl, "late", "", now + 10);
	assert_int_equal(s->ops->waitee_delete(s, wl.id, w[0].id), 0);
	n = contract_list_all(s, wl.id, &items);
	assert_int_equal(n, 3);
	assert_string_equal(items[0].id, w[1].id);
	assert_string_equal(items[1].id, w[2].id);
	assert_string_equal(items[2].id, w[3].id);
	free(items);

	/* A change between two pages shows on the second page. */
	assert_int_equal(s->ops->waitee_list(s, wl.id, &page, &items, &n, &cursor), 0);
	assert_int_equal(n, 2);
	assert_non_null(cursor);
	free(items);
	snprintf(w[3].name, sizeof w[3].name, "changed between pages");
	assert_int_equal(s->ops->waitee_update(s, &w[3], 1), 0);
	page.cursor = cursor;
	assert_int_equal(s->ops->waitee_list(s, wl.id, &page, &items, &n, &cursor2), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].name, "changed between pages");
	assert_null(cursor2);
	free(items);
	free(cursor);
}

/* Reads the list's waitee_rev through waitlist_get. */
static int64_t contract_rev(struct store *s, const struct mt_waitlist *wl)
{
	struct mt_waitlist got;

	assert_int_equal(s->ops->waitlist_get(s, wl->tenant_id, wl->id, &got), 0);
	return got.waitee_rev;
}

/* waitlist_get's waitee_rev (what list caches key on): a back end that
 * tracks it (non-zero) changes it on every waitee create, update and delete,
 * and only on the list written to; an edit of the list itself keeps it. A
 * back end that does not track it always says 0. */
static void contract_waitee_rev(void **state)
{
	struct store *s = *state;
	struct mt_waitlist wl, other;
	struct mt_waitee w;
	char tenant[MT_ID_SIZE];
	int64_t now = contract_now(), r0, r1, r2, r3, o0;

	mt_id_new(tenant, now);
	contract_waitlist(s, &wl, tenant, "Rev", now);
	contract_waitlist(s, &other, tenant, "Other", now + 1);
	r0 = contract_rev(s, &wl);
	o0 = contract_rev(s, &other);
	contract_waitee(s, &w, &wl, "party", "", now + 2);
	r1 = contract_rev(s, &wl);
	snprintf(w.name, sizeof w.name, "renamed");
	assert_int_equal(s->ops->waitee_update(s, &w, 1), 0);
	r2 = contract_rev(s, &wl);
	assert_int_equal(s->ops->waitee_delete(s, wl.id, w.id), 0);
	r3 = contract_rev(s, &wl);
	if (r0 == 0 && r1 == 0 && r2 == 0 && r3 == 0) {
		assert_int_equal(o0, 0);   /* not tracked at all */
		return;
	}
	assert_true(r0 != r1);
	assert_true(r1 != r2);
	assert_true(r2 != r3);
	assert_true(r0 != r2 && r0 != r3 && r1 != r3);
	assert_int_equal(contract_rev(s, &other), o0);
	/* the list's own fields are not its waitees */
	wl.version = 1;
	snprintf(wl.name, sizeof wl.name, "Rev renamed");
	assert_int_equal(s->ops->waitlist_update(s, &wl, 1), 0);
	assert_int_equal(contract_rev(s, &wl), r3);
}

/* Asserts every field of two waitlists matches. */
static void contract_waitlist_equal(const struct mt_waitlist *a, const struct mt_waitlist *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->tenant_id, b->tenant_id);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->description, b->description);
	assert_string_equal(a->tpl_joined, b->tpl_joined);
	assert_string_equal(a->tpl_ready, b->tpl_ready);
	assert_string_equal(a->tpl_reminder, b->tpl_reminder);
	assert_int_equal(a->created_at, b->created_at);
	assert_int_equal(a->updated_at, b->updated_at);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->waitee_rev, b->waitee_rev);
}

/* What contract_peek_thread saw. */
struct contract_peeker {
	struct store *s;
	const struct mt_waitlist *wl;
	pthread_barrier_t *step;
	int64_t rev[2];
	char name[2][MT_NAME_MAX + 1];
	int rc[2];
};

/* Peeks (filling this thread's copy), waits for the main thread's write, peeks again. */
static void *contract_peek_thread(void *p)
{
	struct contract_peeker *k = p;
	struct mt_waitlist got;
	int i;

	for (i = 0; i < 2; i++) {
		memset(&got, 0, sizeof got);
		k->rc[i] = k->s->ops->waitlist_peek(k->s, k->wl->tenant_id, k->wl->id, &got);
		k->rev[i] = got.waitee_rev;
		snprintf(k->name[i], sizeof k->name[i], "%s", got.name);
		if (i == 0) {
			pthread_barrier_wait(k->step);   /* main thread writes */
			pthread_barrier_wait(k->step);
		}
	}
	return NULL;
}

/* waitlist_peek answers as waitlist_get does (through the tenant), and a
 * write made in this process, from any thread, shows in the very next peek
 * of every thread: a waitee write (waitee_rev), a list edit, a delete. */
static void contract_waitlist_peek(void **state)
{
	struct store *s = *state;
	struct mt_waitlist wl, got, want;
	struct mt_waitee w;
	struct contract_peeker k;
	pthread_barrier_t step;
	pthread_t t;
	char tenant[MT_ID_SIZE], other[MT_ID_SIZE];
	int64_t now = contract_now();

	mt_id_new(tenant, now);
	mt_id_new(other, now + 1);
	contract_waitlist(s, &wl, tenant, "Peek", now);
	assert_int_equal(s->ops->waitlist_get(s, tenant, wl.id, &want), 0);
	assert_int_equal(s->ops->waitlist_peek(s, tenant, wl.id, &got), 0);
	contract_waitlist_equal(&got, &want);
	assert_int_equal(s->ops->waitlist_peek(s, tenant, wl.id, &got), 0);   /* again: from a copy */
	contract_waitlist_equal(&got, &want);
	assert_int_equal(s->ops->waitlist_peek(s, other, wl.id, &got), MT_ENOTFOUND);

	/* another thread's copy sees this thread's waitee write at once */
	assert_int_equal(pthread_barrier_init(&step, NULL, 2), 0);
	memset(&k, 0, sizeof k);
	k.s = s;
	k.wl = &wl;
	k.step = &step;
	assert_int_equal(pthread_create(&t, NULL, contract_peek_thread, &k), 0);
	pthread_barrier_wait(&step);
	contract_waitee(s, &w, &wl, "party", "", now + 2);
	pthread_barrier_wait(&step);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_barrier_destroy(&step);
	assert_int_equal(k.rc[0], 0);
	assert_int_equal(k.rc[1], 0);
	assert_int_equal(s->ops->waitlist_get(s, tenant, wl.id, &want), 0);
	assert_int_equal(k.rev[1], want.waitee_rev);
	if (want.waitee_rev != 0)
		assert_true(k.rev[0] != k.rev[1]);

	/* this thread: an edit, then a delete */
	assert_int_equal(s->ops->waitlist_peek(s, tenant, wl.id, &got), 0);
	snprintf(got.name, sizeof got.name, "Peek renamed");
	assert_int_equal(s->ops->waitlist_update(s, &got, got.version), 0);
	assert_int_equal(s->ops->waitlist_peek(s, tenant, wl.id, &got), 0);
	assert_string_equal(got.name, "Peek renamed");
	assert_int_equal(s->ops->waitlist_delete(s, tenant, wl.id), 0);
	assert_int_equal(s->ops->waitlist_peek(s, tenant, wl.id, &got), MT_ENOTFOUND);
}

/* purge_expired: expired waitees and refresh tokens a day past expiry go,
 * everything else stays; families left without tokens go with their last
 * one; batches are bounded. DynamoDB erases expired waitees (guest data)
 * itself and leaves the rest to the table's TTL. */
static void contract_purge_expired(void **state)
{
	struct store *s = *state;
	struct mt_waitlist wl;
	struct mt_waitee gone, later, active, batch[5], got;
	struct mt_refresh f1_old, f2_old, f2_live, f3_recent, rgot;
	char tenant[MT_ID_SIZE], f1[MT_ID_SIZE], f2[MT_ID_SIZE], f3[MT_ID_SIZE], user[MT_ID_SIZE];
	int64_t now = contract_now(), now_s = now / 1000;
	int removed = -1, total, i, rounds;

	mt_id_new(tenant, now);
	mt_id_new(user, now);
	mt_id_new(f1, now);
	mt_id_new(f2, now + 1);
	mt_id_new(f3, now + 2);
	contract_waitlist(s, &wl, tenant, "Purge", now);
	contract_finished(s, &gone, &wl, "gone", MT_SEATED, now_s - 10, now + 1);
	contract_finished(s, &later, &wl, "later", MT_CANCELLED, now_s + 3600, now + 2);
	contract_waitee(s, &active, &wl, "active", "", now + 3);

	/* f1: only a token long expired; f2: one long expired, one live; f3: expired an hour ago */
	contract_refresh_fill(&f1_old, f1, user, 'a');
	f1_old.expires_at = (now_s - 2 * STORE_REFRESH_KEEP_S) * 1000;
	contract_refresh_fill(&f2_old, f2, user, 'b');
	f2_old.expires_at = (now_s - STORE_REFRESH_KEEP_S - 60) * 1000;
	contract_refresh_fill(&f2_live, f2, user, 'c');
	contract_refresh_fill(&f3_recent, f3, user, 'd');
	f3_recent.expires_at = (now_s - 3600) * 1000;
	assert_int_equal(s->ops->refresh_create(s, &f1_old), 0);
	assert_int_equal(s->ops->refresh_create(s, &f2_old), 0);
	assert_int_equal(s->ops->refresh_create(s, &f2_live), 0);
	assert_int_equal(s->ops->refresh_create(s, &f3_recent), 0);

	assert_int_equal(s->ops->purge_expired(s, now_s, 100, &removed), 0);
	/* what must stay, on every back end */
	assert_int_equal(s->ops->waitee_get(s, wl.id, later.id, &got), 0);
	assert_int_equal(s->ops->waitee_get(s, wl.id, active.id, &got), 0);
	assert_int_equal(s->ops->refresh_get(s, f2, f2_live.token_hash, &rgot), 0);
	assert_int_equal(s->ops->refresh_get(s, f3, f3_recent.token_hash, &rgot), 0);
	assert_int_equal(s->ops->waitee_get(s, wl.id, gone.id, &got), MT_ENOTFOUND);   /* hidden either way */
	if (strcmp(s->ops->name, "dynamodb") == 0) {
		/* guest data is erased on time (the erasure index, issue 10);
		 * refresh tokens are left to the table's TTL */
		assert_int_equal(removed, 1);
	} else {
		/* the seated party, family f1 (its token by cascade), f2's old token */
		assert_int_equal(removed, 3);
		assert_int_equal(s->ops->refresh_get(s, f1, f1_old.token_hash, &rgot), MT_ENOTFOUND);
		assert_int_equal(s->ops->refresh_get(s, f2, f2_old.token_hash, &rgot), MT_ENOTFOUND);
	}
	assert_int_equal(s->ops->purge_expired(s, now_s, 100, &removed), 0);
	assert_int_equal(removed, 0);   /* nothing left to do */

	/* batches: 5 expired parties, 2 per call */
	for (i = 0; i < 5; i++)
		contract_finished(s, &batch[i], &wl, "batch", MT_NO_SHOW, now_s - 1 - i, now + 10 + i);
	total = 0;
	rounds = 0;
	do {
		assert_int_equal(s->ops->purge_expired(s, now_s, 2, &removed), 0);
		assert_true(removed <= 2);
		total += removed;
		rounds++;
	} while (removed > 0 && rounds < 10);
	assert_int_equal(total, 5);
	assert_int_equal(rounds, 4);   /* 2 + 2 + 1, then 0 */
	assert_int_equal(s->ops->purge_expired(s, now_s, 0, &removed), MT_EINVAL);
	assert_int_equal(s->ops->waitee_get(s, wl.id, later.id, &got), 0);
}

/* Activity log and handover notes (issue 10): newest first, since, pages
 * without gaps or repeats, per (tenant, list), expired entries skipped and
 * purged; notes updated on their version only. */
static void contract_activity_handover(void **state)
{
	struct store *s = *state;
	struct store_page page = { NULL, 3 };
	struct mt_activity a, *items = NULL;
	struct mt_handover h, h2, *notes = NULL;
	char tenant[MT_ID_SIZE], other[MT_ID_SIZE], wl[MT_ID_SIZE], ids[8][MT_ID_SIZE], *next = NULL, *cur = NULL;
	int64_t now = contract_now();
	size_t n = 0, seen = 0, k;
	int i, removed = 0;

	mt_id_new(tenant, now);
	mt_id_new(other, now);
	mt_id_new(wl, now);
	for (i = 0; i < 8; i++) {
		memset(&a, 0, sizeof a);
		a.at = now + i * 1000;
		mt_id_new(a.id, a.at);
		snprintf(ids[i], sizeof ids[i], "%s", a.id);
		snprintf(a.tenant_id, sizeof a.tenant_id, "%s", tenant);
		snprintf(a.waitlist_id, sizeof a.waitlist_id, "%s", wl);
		snprintf(a.actor_kind, sizeof a.actor_kind, "staff");
		snprintf(a.action, sizeof a.action, "edited");
		snprintf(a.fields, sizeof a.fields, "name,partySize");
		snprintf(a.before, sizeof a.before, "{\"partySize\":%d}", i);
		a.party_size = i + 1;
		/* the first one expired already */
		a.expires_at = i == 0 ? now / 1000 - 5 : now / 1000 + 3600;
		assert_int_equal(s->ops->activity_append(s, &a), 0);
	}
	assert_int_equal(s->ops->activity_append(s, &a), MT_ECONFLICT);   /* append-only: an id once */
	/* pages of 3, newest first, the expired one left out */
	do {
		page.cursor = cur;
		assert_int_equal(s->ops->activity_list(s, tenant, wl, 0, &page, &items, &n, &next), 0);
		for (k = 0; k < n; k++) {
			assert_string_equal(items[k].id, ids[7 - seen]);
			assert_int_equal(items[k].party_size, 8 - (int)seen);
			assert_string_equal(items[k].fields, "name,partySize");
			seen++;
		}
		free(items);
		free(cur);
		cur = next;
	} while (cur != NULL);
	assert_int_equal(seen, 7);
	/* since: from the 6th on */
	page.cursor = NULL;
	page.limit = 100;
	assert_int_equal(s->ops->activity_list(s, tenant, wl, now + 5000, &page, &items, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[2].id, ids[5]);
	free(items);
	/* another tenant, another list: nothing */
	assert_int_equal(s->ops->activity_list(s, other, wl, 0, &page, &items, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(items);
	assert_int_equal(s->ops->activity_list(s, tenant, "", 0, &page, &items, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(items);
	page.cursor = "not-a-cursor";
	assert_int_equal(s->ops->activity_list(s, tenant, wl, 0, &page, &items, &n, NULL), MT_EINVAL);
	page.cursor = NULL;

	/* handover notes: newest first, update on the version */
	memset(&h, 0, sizeof h);
	h.created_at = now;
	mt_id_new(h.id, now);
	snprintf(h.tenant_id, sizeof h.tenant_id, "%s", tenant);
	snprintf(h.waitlist_id, sizeof h.waitlist_id, "%s", wl);
	snprintf(h.note, sizeof h.note, "Table 4 wobbles.\nZo\xc3\xab's party is late.");
	snprintf(h.author_name, sizeof h.author_name, "Ana");
	h.expires_at = now / 1000 + 3600;
	assert_int_equal(s->ops->handover_create(s, &h), 0);
	assert_int_equal(h.version, 1);
	h2 = h;
	h2.created_at = now + 1000;
	mt_id_new(h2.id, now + 1000);
	snprintf(h2.note, sizeof h2.note, "Second");
	assert_int_equal(s->ops->handover_create(s, &h2), 0);
	assert_int_equal(s->ops->handover_list(s, tenant, wl, &page, &notes, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(notes[0].note, "Second");
	assert_string_equal(notes[1].note, h.note);
	assert_string_equal(notes[1].author_name, "Ana");
	free(notes);
	snprintf(h2.acked_name, sizeof h2.acked_name, "Ben");
	h2.acked_at = now + 2000;
	assert_int_equal(s->ops->handover_update(s, &h2, 1), 0);
	assert_int_equal(h2.version, 2);
	assert_int_equal(s->ops->handover_update(s, &h2, 1), MT_EPRECOND);
	mt_id_new(h.id, now + 5000);
	assert_int_equal(s->ops->handover_update(s, &h, 1), MT_ENOTFOUND);
	assert_int_equal(s->ops->handover_list(s, tenant, wl, &page, &notes, &n, NULL), 0);
	assert_int_equal(notes[0].acked_at, now + 2000);
	assert_string_equal(notes[0].acked_name, "Ben");
	assert_int_equal(notes[0].version, 2);
	free(notes);

	/* the expired entry goes with the purge (SQLite) or stays hidden (DynamoDB: the TTL) */
	assert_int_equal(s->ops->purge_expired(s, now / 1000, 100, &removed), 0);
	page.limit = 100;
	assert_int_equal(s->ops->activity_list(s, tenant, wl, 0, &page, &items, &n, NULL), 0);
	assert_int_equal(n, 7);
	free(items);
}

/* A claim of key for tenant at now (ms) with fingerprint fp ('a'.. fill) and a fresh res_id. */
static void contract_idem(struct store_idem *r, const char *tenant, const char *key, char fp, int64_t now)
{
	memset(r, 0, sizeof *r);
	snprintf(r->tenant_id, sizeof r->tenant_id, "%s", tenant);
	snprintf(r->key, sizeof r->key, "%s", key);
	memset(r->fingerprint, fp, 64);
	mt_id_new(r->res_id, now);
	r->created_at = now;
	r->expires_at = now / 1000 + STORE_IDEM_TTL_S;
}

/* Idempotency keys: one claim per (tenant, key), the stored answer comes
 * back, keys are per tenant, release frees, a stale claim is taken over
 * only with the same fingerprint, expired records are replaced and purged. */
static void contract_idempotency(void **state)
{
	struct store *s = *state;
	struct store_idem a, b, got, t, old;
	char ta[MT_ID_SIZE], tb[MT_ID_SIZE], key[STORE_IDEM_KEY_MAX + 1];
	int64_t now = contract_now();
	int removed = -1;

	mt_id_new(ta, now);
	mt_id_new(tb, now + 1);
	memset(key, 'k', STORE_IDEM_KEY_MAX);   /* the longest key */
	key[STORE_IDEM_KEY_MAX] = '\0';
	key[0] = '~';

	/* first claim wins; a second sees it in flight */
	contract_idem(&a, ta, key, 'a', now);
	assert_int_equal(s->ops->idem_begin(s, &a, now), 0);
	assert_int_equal(a.taken_over, 0);
	contract_idem(&got, ta, key, 'a', now + 5);
	assert_int_equal(s->ops->idem_begin(s, &got, now + 5), MT_ECONFLICT);
	assert_int_equal(got.done, 0);
	assert_null(got.body);
	assert_string_equal(got.fingerprint, a.fingerprint);
	assert_string_equal(got.res_id, a.res_id);
	assert_string_equal(got.key, key);
	assert_int_equal(got.created_at, now);

	/* the answer is stored and comes back (body malloc'd) */
	a.status = 201;
	a.body = "{\"id\":\"x\",\"name\":\"Zo\u00eb \\\" \u5c71\"}";
	snprintf(a.location, sizeof a.location, "/waitlists/%s", a.res_id);
	snprintf(a.etag, sizeof a.etag, "\"1\"");
	assert_int_equal(s->ops->idem_finish(s, &a), 0);
	assert_int_equal(s->ops->idem_finish(s, &a), MT_ENOTFOUND);   /* done: no second answer */
	contract_idem(&got, ta, key, 'z', now + 6);
	assert_int_equal(s->ops->idem_begin(s, &got, now + 6), MT_ECONFLICT);
	assert_int_equal(got.done, 1);
	assert_int_equal(got.status, 201);
	assert_non_null(got.body);
	assert_string_equal(got.body, a.body);
	assert_string_equal(got.location, a.location);
	assert_string_equal(got.etag, a.etag);
	assert_string_equal(got.fingerprint, a.fingerprint);   /* the caller compares: 'z' != 'a' */
	free(got.body);
	/* a done record is never taken over, however old */
	contract_idem(&got, ta, key, 'a', now + STORE_IDEM_LEASE_MS + 1);
	assert_int_equal(s->ops->idem_begin(s, &got, now + STORE_IDEM_LEASE_MS + 1), MT_ECONFLICT);
	assert_int_equal(got.done, 1);
	free(got.body);

	/* keys are per tenant */
	contract_idem(&b, tb, key, 'a', now + 7);
	assert_int_equal(s->ops->idem_begin(s, &b, now + 7), 0);

	/* release frees the key; only the claim that holds it can release it */
	old = b;
	old.created_at = now + 1;
	assert_int_equal(s->ops->idem_release(s, &old), MT_ENOTFOUND);
	assert_int_equal(s->ops->idem_release(s, &b), 0);
	assert_int_equal(s->ops->idem_release(s, &b), MT_ENOTFOUND);
	contract_idem(&b, tb, key, 'b', now + 8);
	assert_int_equal(s->ops->idem_begin(s, &b, now + 8), 0);

	/* a stale claim: taken over only after the lease and with the same fingerprint */
	contract_idem(&t, ta, "stale-key", 'c', now);
	assert_int_equal(s->ops->idem_begin(s, &t, now), 0);
	contract_idem(&got, ta, "stale-key", 'c', now + STORE_IDEM_LEASE_MS - 1);
	assert_int_equal(s->ops->idem_begin(s, &got, now + STORE_IDEM_LEASE_MS - 1), MT_ECONFLICT);
	contract_idem(&got, ta, "stale-key", 'd', now + STORE_IDEM_LEASE_MS);
	assert_int_equal(s->ops->idem_begin(s, &got, now + STORE_IDEM_LEASE_MS), MT_ECONFLICT);
	assert_int_equal(got.done, 0);
	contract_idem(&got, ta, "stale-key", 'c', now + STORE_IDEM_LEASE_MS);
	assert_int_equal(s->ops->idem_begin(s, &got, now + STORE_IDEM_LEASE_MS), 0);
	assert_int_equal(got.taken_over, 1);
	assert_string_equal(got.res_id, t.res_id);           /* the retry creates the same record */
	assert_int_equal(s->ops->idem_finish(s, &t), MT_ENOTFOUND);   /* the old claim lost it */
	assert_int_equal(s->ops->idem_release(s, &t), MT_ENOTFOUND);
	got.status = 201;
	got.body = "{}";
	assert_int_equal(s->ops->idem_finish(s, &got), 0);

	/* an expired record is replaced by a new claim */
	contract_idem(&t, ta, "short", 'e', now);
	t.expires_at = now / 1000 + 2;
	assert_int_equal(s->ops->idem_begin(s, &t, now), 0);
	t.status = 201;
	t.body = "[]";
	assert_int_equal(s->ops->idem_finish(s, &t), 0);
	contract_idem(&got, ta, "short", 'f', now + 2000);
	assert_int_equal(s->ops->idem_begin(s, &got, now + 2000), 0);
	assert_int_equal(got.taken_over, 0);
	assert_string_not_equal(got.res_id, t.res_id);

	/* purge: records past their expiry go (SQLite); TTL does it on DynamoDB */
	contract_idem(&t, tb, "purge-me", 'g', now);
	t.expires_at = now / 1000 - 10;
	t.created_at = now - 20000;
	assert_int_equal(s->ops->idem_begin(s, &t, now - 20000), 0);
	assert_int_equal(s->ops->purge_expired(s, now / 1000, 100, &removed), 0);
	if (removed > 0) {
		assert_int_equal(removed, 1);
		assert_int_equal(s->ops->idem_release(s, &t), MT_ENOTFOUND);   /* gone */
	}
	contract_idem(&got, tb, "purge-me", 'h', now);
	assert_int_equal(s->ops->idem_begin(s, &got, now), 0);
	/* the live records are still there */
	contract_idem(&got, tb, key, 'b', now + 9);
	assert_int_equal(s->ops->idem_begin(s, &got, now + 9), MT_ECONFLICT);
	assert_int_equal(got.created_at, b.created_at);
}

/* Concurrent claims of one key: exactly one wins. */
struct contract_idem_race {
	struct store *s;            /* store under test */
	const char *tenant;         /* tenant id */
	int64_t now;                /* claim time */
	int result;                 /* idem_begin's answer */
};

/* Thread body: one claim of "race-key". */
static void *contract_idem_racer(void *p)
{
	struct contract_idem_race *r = p;
	struct store_idem c;

	contract_idem(&c, r->tenant, "race-key", 'r', r->now);
	r->result = r->s->ops->idem_begin(r->s, &c, r->now);
	free(c.body);
	return NULL;
}

/* Eight threads claim the same key at once: one 0, seven MT_ECONFLICT. */
static void contract_idempotency_race(void **state)
{
	struct contract_idem_race r[8];
	pthread_t th[8];
	char tenant[MT_ID_SIZE];
	int64_t now = contract_now();
	int i, won = 0, lost = 0;

	mt_id_new(tenant, now);
	for (i = 0; i < 8; i++) {
		r[i] = (struct contract_idem_race){ *state, tenant, now + i, -999 };
		assert_int_equal(pthread_create(&th[i], NULL, contract_idem_racer, &r[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		won += r[i].result == 0;
		lost += r[i].result == MT_ECONFLICT;
	}
	assert_int_equal(won, 1);
	assert_int_equal(lost, 7);
}

/* Login guards: create once, conditional updates, expiry, purge. */
static void contract_login_guard(void **state)
{
	struct store *s = *state;
	struct mt_login_guard g, got, stale, old;
	int64_t now = contract_now(), now_s = now / 1000;
	int removed = -1;

	memset(&g, 0, sizeof g);
	memset(g.key, 'e', 32);
	assert_int_equal(s->ops->guard_get(s, g.key, &got), MT_ENOTFOUND);
	g.failed_logins = 1;
	g.fail_window_start = now;
	assert_int_equal(s->ops->guard_put(s, &g, 0), 0);
	assert_int_equal(g.version, 1);
	stale = g;
	assert_int_equal(s->ops->guard_put(s, &stale, 0), MT_ECONFLICT);   /* exists */
	assert_int_equal(s->ops->guard_get(s, g.key, &got), 0);
	assert_string_equal(got.key, g.key);
	assert_int_equal(got.failed_logins, 1);
	assert_int_equal(got.fail_window_start, now);
	assert_int_equal(got.version, 1);
	got.failed_logins = 2;
	assert_int_equal(s->ops->guard_put(s, &got, 1), 0);
	assert_int_equal(got.version, 2);
	stale = g;
	stale.failed_logins = 9;
	assert_int_equal(s->ops->guard_put(s, &stale, 1), MT_EPRECOND);   /* lost to the update above */
	assert_int_equal(s->ops->guard_get(s, g.key, &got), 0);
	assert_int_equal(got.failed_logins, 2);
	assert_int_equal(got.version, 2);

	/* a guard whose window started over STORE_GUARD_KEEP_S ago is purged */
	memset(&old, 0, sizeof old);
	memset(old.key, 'f', 32);
	old.failed_logins = 5;
	old.fail_window_start = (now_s - STORE_GUARD_KEEP_S - 100) * 1000;
	assert_int_equal(s->ops->guard_put(s, &old, 0), 0);
	assert_int_equal(s->ops->purge_expired(s, now_s, 100, &removed), 0);
	assert_true(removed == 0 || removed == 1);   /* 0: the service's TTL deletes it */
	if (removed == 1)
		assert_int_equal(s->ops->guard_get(s, old.key, &got), MT_ENOTFOUND);
	assert_int_equal(s->ops->guard_get(s, g.key, &got), 0);   /* the live one stays */
	assert_int_equal(s->ops->guard_put(s, &g, 0), MT_ECONFLICT);
}

/* What the reader thread of contract_cross_thread saw. */
struct contract_reader {
	struct store *s;            /* shared store */
	const char *waitlist_id;    /* list to read */
	pthread_barrier_t *step;    /* alternates with the main thread */
	char names[2][MT_NAME_MAX + 1]; /* name of the first waitee, before and after */
	int rc[2];                  /* list results */
};

/* Lists, waits for the main thread to write, lists again. */
static void *contract_reader_thread(void *p)
{
	struct contract_reader *rd = p;
	struct store_page page = {NULL, 50};
	int k;

	for (k = 0; k < 2; k++) {
		struct mt_waitee *items = NULL;
		char *cursor = NULL;
		size_t n = 0;

		if (k == 1)
			pthread_barrier_wait(rd->step);
		rd->rc[k] = rd->s->ops->waitee_list(rd->s, rd->waitlist_id, &page, &items, &n, &cursor);
		if (rd->rc[k] == 0 && n > 0)
			snprintf(rd->names[k], sizeof rd->names[k], "%s", items[0].name);
		free(items);
		free(cursor);
		if (k == 0)
			pthread_barrier_wait(rd->step);
	}
	return NULL;
}

/* A write made in one thread is seen by the next read in another thread. */
static void contract_cross_thread(void **state)
{
	struct store *s = *state;
	struct mt_waitlist wl;
	struct mt_waitee w;
	struct contract_reader rd;
	pthread_barrier_t step;
	pthread_t th;
	char tenant[MT_ID_SIZE];
	int64_t now = contract_now();

	mt_id_new(tenant, now);
	contract_waitlist(s, &wl, tenant, "Threads", now);
	contract_waitee(s, &w, &wl, "before", "", now);
	memset(&rd, 0, sizeof rd);
	rd.s = s;
	rd.waitlist_id = wl.id;
	rd.step = &step;
	assert_int_equal(pthread_barrier_init(&step, NULL, 2), 0);
	assert_int_equal(pthread_create(&th, NULL, contract_reader_thread, &rd), 0);
	pthread_barrier_wait(&step);      /* the reader has listed once */
	snprintf(w.name, sizeof w.name, "after");
	assert_int_equal(s->ops->waitee_update(s, &w, 1), 0);
	pthread_barrier_wait(&step);      /* let it list again */
	pthread_join(th, NULL);
	pthread_barrier_destroy(&step);
	assert_int_equal(rd.rc[0], 0);
	assert_int_equal(rd.rc[1], 0);
	assert_string_equal(rd.names[0], "before");
	assert_string_equal(rd.names[1], "after");
}

/* ---- the race ---- */

#define CONTRACT_RACE_THREADS 8
#define CONTRACT_RACE_ATTEMPTS 125

/* One racer's inputs and results. */
struct contract_racer {
	struct store *s;                             /* shared store */
	const char *waitlist_id;                     /* list of the raced waitee */
	const char *waitee_id;                       /* the raced waitee */
	pthread_barrier_t *start;                    /* everyone starts together */
	int64_t won[CONTRACT_RACE_ATTEMPTS];         /* versions this thread won with */
	int nwon;                                    /* entries in won */
	int nlost;                                   /* MT_EPRECOND/MT_ECONFLICT outcomes */
	int nerr;                                    /* any other outcome */
	int last_err;                                /* the last unexpected code */
};

/* Reads the waitee, bumps notify_count, writes it back conditional on the version read. */
static void *contract_race_thread(void *p)
{
	struct contract_racer *rc = p;
	int i;

	pthread_barrier_wait(rc->start);
	for (i = 0; i < CONTRACT_RACE_ATTEMPTS; i++) {
		struct mt_waitee w;
		int64_t v;
		int r = rc->s->ops->waitee_get(rc->s, rc->waitlist_id, rc->waitee_id, &w);

		if (r != 0) {
			rc->nerr++;
			rc->last_err = r;
			continue;
		}
		v = w.version;
		w.notify_count++;
		r = rc->s->ops->waitee_update(rc->s, &w, v);
		if (r == 0 && w.version == v + 1) {
			rc->won[rc->nwon++] = v;
		} else if (r == MT_EPRECOND || r == MT_ECONFLICT) {
			rc->nlost++;
		} else {
			rc->nerr++;
			rc->last_err = r == 0 ? MT_EINVAL : r;
		}
	}
	return NULL;
}

/* Compares int64 values for qsort. */
static int contract_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* 8 threads x 125 read-then-conditional-update attempts on one waitee:
 * exactly one winner per version, no lost update. */
static void contract_race(void **state)
{
	struct store *s = *state;
	struct mt_waitlist wl;
	struct mt_waitee w, got;
	struct contract_racer *racers;
	pthread_t th[CONTRACT_RACE_THREADS];
	pthread_barrier_t start;
	int64_t *all;
	char tenant[MT_ID_SIZE];
	int i, j, winners = 0, losers = 0, errors = 0;
	int64_t now = contract_now();

	mt_id_new(tenant, now);
	contract_waitlist(s, &wl, tenant, "Race", now);
	contract_waitee(s, &w, &wl, "contested", "", now);

	racers = calloc(CONTRACT_RACE_THREADS, sizeof *racers);
	assert_non_null(racers);
	assert_int_equal(pthread_barrier_init(&start, NULL, CONTRACT_RACE_THREADS), 0);
	for (i = 0; i < CONTRACT_RACE_THREADS; i++) {
		racers[i].s = s;
		racers[i].waitlist_id = wl.id;
		racers[i].waitee_id = w.id;
		racers[i].start = &start;
		assert_int_equal(pthread_create(&th[i], NULL, contract_race_thread, &racers[i]), 0);
	}
	for (i = 0; i < CONTRACT_RACE_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);

	all = calloc(CONTRACT_RACE_THREADS * CONTRACT_RACE_ATTEMPTS, sizeof *all);
	assert_non_null(all);
	for (i = 0; i < CONTRACT_RACE_THREADS; i++) {
		for (j = 0; j < racers[i].nwon; j++)
			all[winners++] = racers[i].won[j];
		losers += racers[i].nlost;
		errors += racers[i].nerr;
		if (racers[i].nerr)
			fprintf(stderr, "race: thread %d: %d errors, last %s\n", i, racers[i].nerr,
				mt_strerror(racers[i].last_err));
	}
	fprintf(stderr, "race: %d winners, %d losers, %d errors of %d attempts\n", winners, losers, errors,
		CONTRACT_RACE_THREADS * CONTRACT_RACE_ATTEMPTS);
	assert_int_equal(errors, 0);
	assert_int_equal(winners + losers, CONTRACT_RACE_THREADS * CONTRACT_RACE_ATTEMPTS);
	assert_true(winners >= 1);
	/* Exactly one winner per version: the won versions are 1, 2, ..., winners. */
	qsort(all, (size_t)winners, sizeof *all, contract_cmp_i64);
	for (i = 0; i < winners; i++)
		assert_int_equal(all[i], i + 1);
	/* No lost update: every win incremented the counter once. */
	assert_int_equal(s->ops->waitee_get(s, wl.id, w.id, &got), 0);
	assert_int_equal(got.version, 1 + winners);
	assert_int_equal(got.notify_count, winners);
	free(all);
	free(racers);
}

/* Runs the whole contract suite under the cmocka group name suite_name. */
int store_contract_run(const char *suite_name, store_contract_open_fn open_fresh, void *arg)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(contract_init_schema_idempotent, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_user_crud, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_user_duplicate_email, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_user_staff, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_restaurant, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_refresh_family, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_refresh_families_independent, contract_setup,
						contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitlist_crud, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitlist_isolation, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitlist_paging, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitlist_delete_cascades, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitee_crud, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitee_isolation, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitee_paging, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitee_due, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitee_find_by_phone, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitee_count_active, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitee_expired, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitee_list_fresh, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitee_rev, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_waitlist_peek, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_purge_expired, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_activity_handover, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_login_guard, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_idempotency, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_idempotency_race, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_cross_thread, contract_setup, contract_teardown),
		cmocka_unit_test_setup_teardown(contract_race, contract_setup, contract_teardown),
	};

	contract_env.open_fresh = open_fresh;
	contract_env.arg = arg;
	return cmocka_run_group_tests_name(suite_name, tests, NULL, NULL);
}
