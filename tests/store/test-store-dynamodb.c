/* The store contract suite on DynamoDB (dynalite started here on a free
 * loopback port, a fresh table per test, stopped by PID at the end), plus
 * DynamoDB-only tests: exact request counts per store operation (no Scan),
 * URL parsing, schema idempotence, big cascades, foreign cursors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "aws/aws.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "core/stats.h"
#include "store/store.h"
#include "store/store-dynamodb.h"
#include "store/store-dynamodb-private.h"   /* white-box: store_ddb_query_walk */
#include "contract.h"
#include "../tools/dynalite.h"

/* The dynalite of this run. */
static struct test_proc dyn;

/* Opens a store on a new, empty table (schema ready). */
static int test_open_fresh(struct store **out, void *arg)
{
	char url[512], *table = test_unique_name("mt"), *cause = NULL;
	int r;

	(void)arg;
	if (table == NULL)
		return MT_ENOMEM;
	snprintf(url, sizeof url, "dynamodb://%s?region=us-east-1&endpoint=%s", table, dyn.url);
	free(table);
	r = store_open(url, out, &cause);
	if (r != 0) {
		fprintf(stderr, "open %s: %s\n", url, cause ? cause : mt_strerror(r));
		free(cause);
		return r;
	}
	r = (*out)->ops->init_schema(*out);
	if (r != 0) {
		store_close(*out);
		*out = NULL;
	}
	return r;
}

/* Opens a fresh store or fails the test. */
static struct store *test_store(void)
{
	struct store *s = NULL;

	assert_int_equal(test_open_fresh(&s, NULL), 0);
	assert_non_null(s);
	return s;
}

/* ---- request counting ---- */

/* Expected calls of one operation: DynamoDB targets and how many of each. */
struct expect {
	const char *op;      /* short target ("GetItem") or NULL */
	uint64_t n;          /* calls */
};

/* Asserts the calls since the last reset are exactly `want` (and no Scan). */
static void counts_check(struct store *s, const char *what, const struct expect *want)
{
	struct aws_client *c = store_dynamodb_client(s);
	struct aws_target_count got[32];
	size_t n = aws_client_counts(c, got, 32), i, j;
	uint64_t total = 0, expected = 0;
	char target[96];

	for (i = 0; i < n; i++) {
		total += got[i].calls;
		fprintf(stderr, "  %-28s %s x%llu\n", what, got[i].target, (unsigned long long)got[i].calls);
	}
	for (j = 0; want[j].op; j++) {
		snprintf(target, sizeof target, "DynamoDB_20120810.%s", want[j].op);
		if (aws_client_calls(c, target) != want[j].n)
			fprintf(stderr, "%s: %s: want %llu, got %llu\n", what, want[j].op,
				(unsigned long long)want[j].n, (unsigned long long)aws_client_calls(c, target));
		assert_int_equal(aws_client_calls(c, target), want[j].n);
		expected += want[j].n;
	}
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.Scan"), 0);
	assert_int_equal(total, expected);
	aws_client_counts_reset(c);
}

/* Every store operation makes exactly the documented requests (docs/dynamodb.md). */
static void test_request_counts(void **state)
{
	struct store *s = test_store();
	struct aws_client *c = store_dynamodb_client(s);
	struct mt_user u, got;
	struct mt_refresh r, rg;
	struct mt_waitlist wl, wg, *wls = NULL;
	struct mt_waitee w, w2, we, *ws = NULL;
	struct store_page page = {NULL, 50};
	struct store_stats st;
	char tenant[MT_ID_SIZE], *cursor = NULL;
	int64_t now = mt_clock_system_now(NULL);
	size_t n;
	int count, i;

	(void)state;
	assert_non_null(c);
	aws_client_counts_reset(c);
	mt_id_new(tenant, now);

	memset(&u, 0, sizeof u);
	mt_id_new(u.id, now);
	memcpy(u.tenant_id, tenant, MT_ID_SIZE);
	snprintf(u.email, sizeof u.email, "count@example.com");
	snprintf(u.name, sizeof u.name, "Count");
	snprintf(u.role, sizeof u.role, "owner");
	assert_int_equal(s->ops->user_create(s, &u), 0);
	counts_check(s, "user_create", (struct expect[]){{"PutItem", 3}, {NULL, 0}});
	assert_int_equal(s->ops->user_create(s, &u), MT_ECONFLICT);
	/* the same account again: its id pointer exists, nothing more is tried */
	counts_check(s, "user_create (taken)", (struct expect[]){{"PutItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->user_get_by_email(s, u.email, &got), 0);
	counts_check(s, "user_get_by_email", (struct expect[]){{"GetItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->user_get(s, u.id, &got), 0);
	counts_check(s, "user_get", (struct expect[]){{"GetItem", 2}, {NULL, 0}});
	assert_int_equal(s->ops->user_update(s, &got, 1), 0);
	counts_check(s, "user_update", (struct expect[]){{"UpdateItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->user_update(s, &u, 1), MT_EPRECOND);
	counts_check(s, "user_update (stale)", (struct expect[]){{"UpdateItem", 1}, {"GetItem", 1}, {NULL, 0}});
	{
		struct mt_user *us = NULL;
		struct mt_restaurant rs;

		assert_int_equal(s->ops->user_list(s, tenant, &page, &us, &n, &cursor), 0);
		assert_int_equal(n, 1);
		free(us);
		/* one Query of the tenant's pointers, one GetItem per account */
		counts_check(s, "user_list", (struct expect[]){{"Query", 1}, {"GetItem", 1}, {NULL, 0}});
		memset(&rs, 0, sizeof rs);
		memcpy(rs.id, tenant, MT_ID_SIZE);
		snprintf(rs.timezone, sizeof rs.timezone, "UTC");
		assert_int_equal(s->ops->restaurant_put(s, &rs, 0), 0);
		counts_check(s, "restaurant_put (create)", (struct expect[]){{"PutItem", 1}, {NULL, 0}});
		assert_int_equal(s->ops->restaurant_get(s, tenant, &rs), 0);
		counts_check(s, "restaurant_get", (struct expect[]){{"GetItem", 1}, {NULL, 0}});
		assert_int_equal(s->ops->restaurant_put(s, &rs, 1), 0);
		counts_check(s, "restaurant_put (update)", (struct expect[]){{"PutItem", 1}, {NULL, 0}});
	}

	memset(&r, 0, sizeof r);
	memset(r.token_hash, 'f', 64);
	mt_id_new(r.family_id, now);
	memcpy(r.user_id, u.id, MT_ID_SIZE);
	r.created_at = now;
	r.expires_at = now + 86400000;
	assert_int_equal(s->ops->refresh_create(s, &r), 0);
	counts_check(s, "refresh_create", (struct expect[]){{"PutItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->refresh_get(s, r.family_id, r.token_hash, &rg), 0);
	counts_check(s, "refresh_get", (struct expect[]){{"BatchGetItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->refresh_mark_used(s, r.family_id, r.token_hash), 0);
	counts_check(s, "refresh_mark_used", (struct expect[]){{"UpdateItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->refresh_mark_used(s, r.family_id, r.token_hash), MT_ECONFLICT);
	counts_check(s, "refresh_mark_used (reuse)", (struct expect[]){{"UpdateItem", 1}, {"GetItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->refresh_revoke_family(s, r.family_id), 0);
	counts_check(s, "refresh_revoke_family", (struct expect[]){{"Query", 1}, {"UpdateItem", 1}, {NULL, 0}});

	memset(&wl, 0, sizeof wl);
	mt_id_new(wl.id, now);
	memcpy(wl.tenant_id, tenant, MT_ID_SIZE);
	snprintf(wl.name, sizeof wl.name, "Counted");
	assert_int_equal(s->ops->waitlist_create(s, &wl), 0);
	counts_check(s, "waitlist_create", (struct expect[]){{"PutItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->waitlist_get(s, tenant, wl.id, &wg), 0);
	counts_check(s, "waitlist_get", (struct expect[]){{"GetItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->waitlist_list(s, tenant, &page, &wls, &n, &cursor), 0);
	assert_int_equal(n, 1);
	free(wls);
	counts_check(s, "waitlist_list", (struct expect[]){{"Query", 1}, {NULL, 0}});
	assert_int_equal(s->ops->waitlist_update(s, &wg, 1), 0);
	counts_check(s, "waitlist_update", (struct expect[]){{"UpdateItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->waitlist_update(s, &wl, 1), MT_EPRECOND);
	counts_check(s, "waitlist_update (stale)", (struct expect[]){{"UpdateItem", 1}, {"GetItem", 1}, {NULL, 0}});

	memset(&w, 0, sizeof w);
	mt_id_new(w.id, now);
	memcpy(w.waitlist_id, wl.id, MT_ID_SIZE);
	memcpy(w.tenant_id, tenant, MT_ID_SIZE);
	snprintf(w.name, sizeof w.name, "Guest");
	snprintf(w.phone, sizeof w.phone, "+15550009999");
	w.party_size = 2;
	w.due_at = now - 1;
	assert_int_equal(s->ops->waitee_create(s, &w), 0);
	counts_check(s, "waitee_create", (struct expect[]){{"PutItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->waitee_get(s, wl.id, w.id, &we), 0);
	counts_check(s, "waitee_get", (struct expect[]){{"GetItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->waitee_list(s, wl.id, &page, &ws, &n, &cursor), 0);
	assert_int_equal(n, 1);
	free(ws);
	counts_check(s, "waitee_list", (struct expect[]){{"Query", 1}, {NULL, 0}});
	assert_int_equal(s->ops->waitee_count_active(s, wl.id, w.id, &count), 0);
	counts_check(s, "waitee_count_active", (struct expect[]){{"Query", 1}, {NULL, 0}});
	assert_int_equal(s->ops->waitee_list_due(s, now, 10, &ws, &n), 0);
	assert_int_equal(n, 1);
	free(ws);
	counts_check(s, "waitee_list_due (4 shards)", (struct expect[]){{"Query", 4}, {NULL, 0}});
	assert_int_equal(s->ops->waitee_find_by_phone(s, w.phone, &we), 0);
	counts_check(s, "waitee_find_by_phone", (struct expect[]){{"Query", 1}, {NULL, 0}});
	assert_int_equal(s->ops->waitee_update(s, &we, 1), 0);
	counts_check(s, "waitee_update", (struct expect[]){{"PutItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->waitee_update(s, &w, 1), MT_EPRECOND);
	counts_check(s, "waitee_update (stale)", (struct expect[]){{"PutItem", 1}, {"GetItem", 1}, {NULL, 0}});
	assert_int_equal(s->ops->waitee_delete(s, wl.id, w.id), 0);
	counts_check(s, "waitee_delete", (struct expect[]){{"DeleteItem", 1}, {NULL, 0}});

	/* waitlist_delete with 30 waitees: 1 GetItem, 1 Query, 2 BatchWriteItem, 1 DeleteItem */
	for (i = 0; i < 30; i++) {
		w2 = w;
		mt_id_new(w2.id, now + i);
		assert_int_equal(s->ops->waitee_create(s, &w2), 0);
	}
	aws_client_counts_reset(c);
	assert_int_equal(s->ops->waitlist_delete(s, tenant, wl.id), 0);
	counts_check(s, "waitlist_delete (30 waitees)",
		     (struct expect[]){{"GetItem", 1}, {"DeleteItem", 1}, {"Query", 1}, {"BatchWriteItem", 2}, {NULL, 0}});
	assert_int_equal(s->ops->waitee_list(s, wl.id, &page, &ws, &n, &cursor), 0);
	assert_int_equal(n, 0);
	free(ws);
	aws_client_counts_reset(c);

	/* stats: requests counted, scans 0 */
	assert_int_equal(s->ops->waitee_get(s, wl.id, w.id, &we), MT_ENOTFOUND);
	s->ops->stats(s, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.scans, 0);
	store_close(s);
}

/* Creates a fresh waitlist (new tenant) in s and fills w as a waitee template
 * of that list: name "x", party of 1, everything else zero. */
static void make_list_and_template(struct store *s, int64_t now, struct mt_waitlist *wl, struct mt_waitee *w)
{
	memset(wl, 0, sizeof *wl);
	mt_id_new(wl->id, now);
	mt_id_new(wl->tenant_id, now);
	assert_int_equal(s->ops->waitlist_create(s, wl), 0);
	memset(w, 0, sizeof *w);
	memcpy(w->waitlist_id, wl->id, MT_ID_SIZE);
	memcpy(w->tenant_id, wl->tenant_id, MT_ID_SIZE);
	snprintf(w->name, sizeof w->name, "x");
	w->party_size = 1;
}

/* ---- the Query pager (store_ddb_query_walk) ---- */

/* What the walk test's callbacks saw and how they answer. */
struct walk_seen {
	char sk[16][64];     /* SK of each item handed to walk_item, in order */
	int items;           /* items handed to walk_item */
	int pages;           /* pages handed to walk_page */
	int skip_odd;        /* pass over every second item handed (answer 0) */
	int stop_at;         /* answer DDB_WALK_STOP at this item (1-based), 0 never */
	int fail_at;         /* answer MT_EIO at this item (1-based), 0 never */
};

/* The walk test's item callback: records the SK, answers as walk_seen says. */
static int walk_item(const cJSON *it, void *ud)
{
	struct walk_seen *w = ud;
	const char *sk = store_ddb_get_sp(it, "SK");
	int k;

	assert_non_null(sk);
	assert_true(w->items < 16);
	snprintf(w->sk[w->items], sizeof w->sk[0], "%s", sk);
	k = ++w->items;
	if (w->fail_at == k)
		return MT_EIO;
	if (w->stop_at == k)
		return DDB_WALK_STOP;
	return w->skip_odd && k % 2 == 0 ? 0 : 1;
}

/* The walk test's page callback: counts the pages it is handed. */
static int walk_page(const cJSON *resp, void *ud)
{
	struct walk_seen *w = ud;

	assert_non_null(cJSON_GetObjectItemCaseSensitive(resp, "Items"));
	w->pages++;
	return 0;
}

/* A Query of the waitees of list id, Limit page (0: none). */
static cJSON *walk_req(struct store *s, const char *id, int page)
{
	cJSON *req = store_ddb_req(store_ddb_of(s)), *vals;
	char pk[64];

	assert_non_null(req);
	snprintf(pk, sizeof pk, "WAITLIST#%s", id);
	cJSON_AddStringToObject(req, "KeyConditionExpression", "PK = :pk");
	vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
	store_ddb_val_s(vals, ":pk", pk);
	cJSON_AddTrueToObject(req, "ConsistentRead");
	if (page > 0)
		cJSON_AddNumberToObject(req, "Limit", page);
	return req;
}

/* One walk of test_query_walk and what it must give. */
struct walk_case {
	const char *what;    /* label */
	int page_size;       /* the request's own Limit (0: none) */
	int limit;           /* ddb_walk.limit */
	int skip_odd;        /* walk_seen.skip_odd */
	int stop_at;         /* walk_seen.stop_at */
	int fail_at;         /* walk_seen.fail_at */
	int rc;              /* the walk's result */
	int took;            /* items taken */
	int items;           /* items handed to walk_item */
	int pages;           /* pages handed to walk_page */
	uint64_t queries;    /* Query requests */
};

/* The walks over 12 waitees: pages of 5 without a limit (3 pages, all
 * handed on); limit 7 (one Query, the stopping page not handed on);
 * limit 4 passing every second over (Limit 4, 2, 1); DDB_WALK_STOP at the
 * 6th over pages of 4; MT_EIO at the 3rd. */
static const struct walk_case cases[] = {
	{ "walk, pages of 5", 5, 0, 0, 0, 0, 0, 12, 12, 3, 3 },
	{ "walk, limit 7", 0, 7, 0, 0, 0, 0, 7, 7, 0, 1 },
	{ "walk, limit 4 over skips", 0, 4, 1, 0, 0, 0, 4, 7, 2, 3 },
	{ "walk, stop at 6", 4, 0, 0, 6, 0, 0, 5, 6, 1, 2 },
	{ "walk, error at 3", 0, 0, 0, 0, 3, MT_EIO, 2, 3, 0, 1 },
};

/* The pager follows LastEvaluatedKey in order, asks Limit = limit - took +
 * extra, stops at the limit, at DDB_WALK_STOP and at an error, and starts
 * after a given key. */
static void test_query_walk(void **state)
{
	struct store *s = test_store();
	struct aws_client *c = store_dynamodb_client(s);
	struct mt_waitlist wl;
	struct mt_waitee w;
	struct walk_seen seen;
	struct ddb_walk walk;
	int64_t now = mt_clock_system_now(NULL);
	char ids[12][MT_ID_SIZE], pk[64], fifth[64];
	int i;
	size_t t;

	(void)state;
	make_list_and_template(s, now, &wl, &w);
	for (i = 0; i < 12; i++) {
		mt_id_new(w.id, now + i);
		memcpy(ids[i], w.id, MT_ID_SIZE);
		assert_int_equal(s->ops->waitee_create(s, &w), 0);
	}
	aws_client_counts_reset(c);

	for (t = 0; t < sizeof cases / sizeof cases[0]; t++) {
		const struct walk_case *k = &cases[t];

		memset(&seen, 0, sizeof seen);
		seen.skip_odd = k->skip_odd;
		seen.stop_at = k->stop_at;
		seen.fail_at = k->fail_at;
		walk = (struct ddb_walk){ .limit = k->limit, .item = walk_item, .page = walk_page, .ud = &seen };
		assert_int_equal(store_ddb_query_walk(store_ddb_of(s), walk_req(s, wl.id, k->page_size), &walk), k->rc);
		assert_int_equal(walk.took, k->took);
		assert_int_equal(seen.items, k->items);
		assert_int_equal(seen.pages, k->pages);
		counts_check(s, k->what, (struct expect[]){{"Query", k->queries}, {NULL, 0}});
		if (t == 0) {   /* every item, in key order */
			for (i = 0; i < 12; i++)
				assert_non_null(strstr(seen.sk[i], ids[i]));
			snprintf(fifth, sizeof fifth, "%s", seen.sk[4]);
		}
	}

	/* a start key: the walk begins after the 5th item */
	memset(&seen, 0, sizeof seen);
	walk = (struct ddb_walk){ .item = walk_item, .ud = &seen };
	walk.start = cJSON_CreateObject();
	assert_non_null(walk.start);
	snprintf(pk, sizeof pk, "WAITLIST#%s", wl.id);
	store_ddb_put_s(walk.start, "PK", pk);
	store_ddb_put_s(walk.start, "SK", fifth);
	assert_int_equal(store_ddb_query_walk(store_ddb_of(s), walk_req(s, wl.id, 0), &walk), 0);
	assert_int_equal(walk.took, 7);
	assert_non_null(strstr(seen.sk[0], ids[5]));
	assert_non_null(strstr(seen.sk[6], ids[11]));
	store_close(s);
}

/* A due lookup among many non-due waitees costs one Query per shard. */
static void test_due_cost(void **state)
{
	struct store *s = test_store();
	struct mt_waitlist wl;
	struct mt_waitee w, *items = NULL;
	int64_t now = mt_clock_system_now(NULL);
	size_t n;
	int i;

	(void)state;
	make_list_and_template(s, now, &wl, &w);
	for (i = 0; i < 300; i++) {
		mt_id_new(w.id, now + i);
		w.due_at = i % 100 == 0 ? now - i : 0;
		assert_int_equal(s->ops->waitee_create(s, &w), 0);
	}
	aws_client_counts_reset(store_dynamodb_client(s));
	assert_int_equal(s->ops->waitee_list_due(s, now, 100, &items, &n), 0);
	assert_int_equal(n, 3);
	assert_true(items[0].due_at <= items[1].due_at && items[1].due_at <= items[2].due_at);
	free(items);
	counts_check(s, "waitee_list_due (300 waitees, 3 due)", (struct expect[]){{"Query", 4}, {NULL, 0}});
	store_close(s);
}

/* Deleting a list with 60 waitees removes them all (several batches). */
static void test_big_cascade_and_foreign_cursor(void **state)
{
	struct store *s = test_store();
	struct mt_waitlist a, b;
	struct mt_waitee w, *items = NULL;
	struct store_page page = {NULL, 5};
	int64_t now = mt_clock_system_now(NULL);
	char *cursor = NULL, *other = NULL;
	size_t n;
	int i, count = -1;

	(void)state;
	memset(&a, 0, sizeof a);
	mt_id_new(a.id, now);
	mt_id_new(a.tenant_id, now);
	assert_int_equal(s->ops->waitlist_create(s, &a), 0);
	b = a;
	mt_id_new(b.id, now + 1);
	assert_int_equal(s->ops->waitlist_create(s, &b), 0);
	memset(&w, 0, sizeof w);
	memcpy(w.tenant_id, a.tenant_id, MT_ID_SIZE);
	snprintf(w.name, sizeof w.name, "x");
	w.party_size = 1;
	for (i = 0; i < 60; i++) {
		memcpy(w.waitlist_id, i < 54 ? a.id : b.id, MT_ID_SIZE);
		mt_id_new(w.id, now + i);
		assert_int_equal(s->ops->waitee_create(s, &w), 0);
	}
	/* a cursor of list a is refused on list b, and a waitlist cursor on waitees */
	assert_int_equal(s->ops->waitee_list(s, a.id, &page, &items, &n, &cursor), 0);
	assert_int_equal(n, 5);
	assert_non_null(cursor);
	free(items);
	page.cursor = cursor;
	assert_int_equal(s->ops->waitee_list(s, b.id, &page, &items, &n, &other), MT_EINVAL);
	assert_int_equal(s->ops->waitlist_list(s, a.tenant_id, &page, (struct mt_waitlist **)&items, &n, &other),
			 MT_EINVAL);
	free(cursor);

	assert_int_equal(s->ops->waitlist_delete(s, a.tenant_id, a.id), 0);
	assert_int_equal(s->ops->waitee_count_active(s, a.id, NULL, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(s->ops->waitee_count_active(s, b.id, NULL, &count), 0);
	assert_int_equal(count, 6);
	store_close(s);
}

/* Pages stay full when expired waitees are filtered out between live ones
 * (a FilterExpression makes short DynamoDB pages; the store keeps reading). */
static void test_paging_over_expired(void **state)
{
	struct store *s = test_store();
	struct mt_waitlist wl;
	struct mt_waitee w, *items = NULL;
	struct store_page page = {NULL, 4};
	int64_t now = mt_clock_system_now(NULL), now_s = (int64_t)time(NULL);
	char *cursor = NULL, *prev = NULL, live[10][MT_ID_SIZE];
	size_t n, seen = 0, i;
	int k, pages = 0, count = -1;

	(void)state;
	make_list_and_template(s, now, &wl, &w);
	/* 30 waitees; every third is live, the rest finished and expired */
	for (k = 0; k < 30; k++) {
		mt_id_new(w.id, now + k);
		w.status = k % 3 == 0 ? MT_WAITING : MT_SEATED;
		w.expires_at = k % 3 == 0 ? 0 : now_s - 60;
		assert_int_equal(s->ops->waitee_create(s, &w), 0);
		if (k % 3 == 0)
			memcpy(live[k / 3], w.id, MT_ID_SIZE);
	}
	do {
		assert_int_equal(s->ops->waitee_list(s, wl.id, &page, &items, &n, &cursor), 0);
		pages++;
		/* full pages until the last: 4, 4, 2 */
		assert_int_equal(n, pages < 3 ? 4 : 2);
		for (i = 0; i < n; i++)
			assert_string_equal(items[i].id, live[seen++]);
		free(items);
		free(prev);
		prev = cursor;
		page.cursor = cursor;
	} while (cursor && pages < 5);
	free(prev);
	assert_int_equal(pages, 3);
	assert_int_equal(seen, 10);
	assert_int_equal(s->ops->waitee_count_active(s, wl.id, NULL, &count), 0);
	assert_int_equal(count, 10);
	store_close(s);
}

/* init_schema twice is fine; URLs are parsed and checked. */
static void test_open_and_schema(void **state)
{
	struct store *s = test_store(), *t = NULL;
	char url[512], *cause = NULL;

	(void)state;
	assert_string_equal(s->ops->name, "dynamodb");
	/* the table exists: init_schema is one DescribeTable */
	aws_client_counts_reset(store_dynamodb_client(s));
	assert_int_equal(s->ops->init_schema(s), 0);
	counts_check(s, "init_schema (table exists)", (struct expect[]){{"DescribeTable", 1}, {NULL, 0}});
	assert_non_null(store_dynamodb_table(s));
	assert_int_equal(store_dynamodb_drop_table(s), 0);
	/* gone: init_schema makes it again (Describe, Create, Describe, TTL) */
	aws_client_counts_reset(store_dynamodb_client(s));
	assert_int_equal(s->ops->init_schema(s), 0);
	assert_int_equal(aws_client_calls(store_dynamodb_client(s), "DynamoDB_20120810.CreateTable"), 1);
	assert_int_equal(aws_client_calls(store_dynamodb_client(s), "DynamoDB_20120810.UpdateTimeToLive"), 1);
	/* one before the create, then until ACTIVE (dynalite may report CREATING once) */
	assert_true(aws_client_calls(store_dynamodb_client(s), "DynamoDB_20120810.DescribeTable") >= 2);
	{
		struct aws_response r;
		char body[512];

		/* a table made by hand without the indexes is refused */
		snprintf(body, sizeof body, "{\"TableName\":\"%s-bare\",\"AttributeDefinitions\":["
			 "{\"AttributeName\":\"PK\",\"AttributeType\":\"S\"},{\"AttributeName\":\"SK\",\"AttributeType\":\"S\"}],"
			 "\"KeySchema\":[{\"AttributeName\":\"PK\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"SK\",\"KeyType\":\"RANGE\"}],"
			 "\"BillingMode\":\"PAY_PER_REQUEST\"}", store_dynamodb_table(s));
		assert_int_equal(aws_request(store_dynamodb_client(s), "dynamodb", "DynamoDB_20120810.CreateTable",
					     body, &r), 0);
		aws_response_free(&r);
		snprintf(url, sizeof url, "dynamodb://%s-bare?endpoint=%s", store_dynamodb_table(s), dyn.url);
		assert_int_equal(store_open(url, &t, &cause), 0);
		assert_int_equal(t->ops->init_schema(t), MT_EIO);
		store_close(t);
	}
	store_close(s);

	assert_int_equal(store_open("dynamodb://x?region=us-east-1", &t, &cause), MT_EINVAL);
	assert_non_null(strstr(cause, "3..255"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_open("dynamodb://bad/name", &t, &cause), MT_EINVAL);
	free(cause);
	cause = NULL;
	assert_int_equal(store_open("dynamodb://table?colour=blue", &t, &cause), MT_EINVAL);
	assert_non_null(strstr(cause, "colour"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_open("dynamodb://table?endpoint=ftp://x", &t, &cause), MT_EINVAL);
	free(cause);
	cause = NULL;
	assert_int_equal(store_open("dynamodb://table?shards=0", &t, &cause), MT_EINVAL);
	free(cause);
	cause = NULL;
	/* percent-encoded endpoint, one shard */
	snprintf(url, sizeof url, "dynamodb://enc-table?endpoint=http%%3A%%2F%%2F127.0.0.1%%3A%d&region=eu-west-1&shards=1",
		 dyn.port);
	assert_int_equal(store_open(url, &t, &cause), 0);
	assert_int_equal(t->ops->init_schema(t), 0);
	assert_string_equal(aws_client_region(store_dynamodb_client(t)), "eu-west-1");
	store_close(t);
	/* a table that does not exist: MT_EIO, not a crash */
	snprintf(url, sizeof url, "dynamodb://no-such-table?endpoint=%s", dyn.url);
	assert_int_equal(store_open(url, &t, &cause), 0);
	{
		struct mt_user u;

		assert_int_equal(t->ops->user_get_by_email(t, "a@b.c", &u), MT_EIO);
	}
	store_close(t);
}

/* Starts tests/aws/fake-aws.py in script mode with this sequence. */
static void fake_script(struct test_proc *p, const char *seq)
{
	char script[1024];
	char *argv[] = { "/usr/bin/python3", script, "--mode", "script", "--sequence", (char *)seq, NULL };

	snprintf(script, sizeof script, "%s/aws/fake-aws.py", test_tests_dir());
	assert_int_equal(test_proc_spawn_port(argv, p), 0);
}

/* Opens a store on a scripted fake endpoint (no schema call). */
static struct store *fake_store(const struct test_proc *p)
{
	struct store *s = NULL;
	char url[256], *cause = NULL;

	snprintf(url, sizeof url, "dynamodb://fake-table?region=us-east-1&endpoint=%s&shards=1", p->url);
	assert_int_equal(store_open(url, &s, &cause), 0);
	return s;
}

/* Throttling that does not clear is MT_EBUSY, 5xx is MT_EIO, a lost
 * create is MT_ECONFLICT - at the store level, after the layer's retries. */
static void test_failure_mapping(void **state)
{
	struct test_proc p;
	struct store *s;
	struct mt_user u;
	struct mt_waitlist wl;

	(void)state;
	fake_script(&p, "400:ThrottlingException,400:ThrottlingException,400:ProvisionedThroughputExceededException,"
		    "400:ThrottlingException,400:ThrottlingException,"
		    "500,503,500,500,500,"
		    "400:ConditionalCheckFailedException,"
		    "400:ValidationException");
	s = fake_store(&p);
	assert_int_equal(s->ops->user_get_by_email(s, "a@example.com", &u), MT_EBUSY);
	assert_int_equal(aws_client_calls(store_dynamodb_client(s), "DynamoDB_20120810.GetItem"), 1);
	assert_int_equal(s->ops->user_get_by_email(s, "a@example.com", &u), MT_EIO);
	memset(&wl, 0, sizeof wl);
	snprintf(wl.id, sizeof wl.id, "01HAAAAAAAAAAAAAAAAAAAAAAA");
	snprintf(wl.tenant_id, sizeof wl.tenant_id, "01HBBBBBBBBBBBBBBBBBBBBBBB");
	assert_int_equal(s->ops->waitlist_create(s, &wl), MT_ECONFLICT);
	assert_int_equal(wl.version, 0);
	assert_int_equal(s->ops->waitlist_create(s, &wl), MT_EIO);
	store_close(s);
	test_proc_stop(&p);
}

/* When the service returns the current item with a failed condition
 * (real DynamoDB, ReturnValuesOnConditionCheckFailure), the loser needs no
 * extra GetItem; without it (dynalite), one GetItem tells the cases apart. */
static void test_condition_failure_item(void **state)
{
	struct test_proc p;
	struct store *s;
	struct aws_client *c;
	struct mt_waitee w;

	(void)state;
	fake_script(&p, "400:ccf-item,400:ccf-item,400:ConditionalCheckFailedException,200:item");
	s = fake_store(&p);
	c = store_dynamodb_client(s);
	memset(&w, 0, sizeof w);
	snprintf(w.id, sizeof w.id, "01HAAAAAAAAAAAAAAAAAAAAAAA");
	snprintf(w.waitlist_id, sizeof w.waitlist_id, "01HBBBBBBBBBBBBBBBBBBBBBBB");
	w.version = 3;
	/* stored version 7 != 3: precondition failed, no GetItem */
	assert_int_equal(s->ops->waitee_update(s, &w, 3), MT_EPRECOND);
	assert_int_equal(w.version, 3);
	/* stored version 7 == 7 (the write lost to a racing identical version) */
	assert_int_equal(s->ops->waitee_update(s, &w, 7), MT_ECONFLICT);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.GetItem"), 0);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.PutItem"), 2);
	/* no item with the failure: one GetItem (canned version 1 != 3) */
	assert_int_equal(s->ops->waitee_update(s, &w, 3), MT_EPRECOND);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.GetItem"), 1);
	store_close(s);
	test_proc_stop(&p);
}

/* Registration writes the id pointer, then the profile. What a crash
 * between the two leaves (a pointer alone, written here by hand) is
 * harmless: that id reads as not found, and the e-mail can be registered. A
 * registration that loses on the e-mail takes its pointer back. */
static void test_user_create_halfway(void **state)
{
	struct store *s = test_store();
	struct aws_client *c = store_dynamodb_client(s);
	struct aws_response resp;
	struct mt_user u, dup, got;
	char orphan[MT_ID_SIZE], *body;
	int64_t now = mt_clock_system_now(NULL);

	(void)state;
	mt_id_new(orphan, now);
	body = mt_strf("{\"TableName\":\"%s\",\"Item\":{\"PK\":{\"S\":\"USERID#%s\"},"
		       "\"SK\":{\"S\":\"USERID\"},\"email\":{\"S\":\"half@example.com\"}}}",
		       store_dynamodb_table(s), orphan);
	assert_non_null(body);
	memset(&resp, 0, sizeof resp);
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.PutItem", body, &resp), 0);
	aws_response_free(&resp);
	free(body);
	assert_int_equal(s->ops->user_get(s, orphan, &got), MT_ENOTFOUND);
	assert_int_equal(s->ops->user_get_by_email(s, "half@example.com", &got), MT_ENOTFOUND);

	memset(&u, 0, sizeof u);
	mt_id_new(u.id, now + 1);
	mt_id_new(u.tenant_id, now + 1);
	snprintf(u.email, sizeof u.email, "half@example.com");
	snprintf(u.name, sizeof u.name, "Half");
	snprintf(u.role, sizeof u.role, "owner");
	assert_int_equal(s->ops->user_create(s, &u), 0);
	assert_int_equal(s->ops->user_get(s, u.id, &got), 0);
	assert_string_equal(got.email, "half@example.com");
	assert_int_equal(s->ops->user_get(s, orphan, &got), MT_ENOTFOUND);   /* still not an account */

	/* the same e-mail again under a new id: refused, and that id is not left behind */
	dup = u;
	mt_id_new(dup.id, now + 2);
	assert_int_equal(s->ops->user_create(s, &dup), MT_ECONFLICT);
	assert_int_equal(s->ops->user_get(s, dup.id, &got), MT_ENOTFOUND);
	body = mt_strf("{\"TableName\":\"%s\",\"Key\":{\"PK\":{\"S\":\"USERID#%s\"},"
		       "\"SK\":{\"S\":\"USERID\"}},\"ConsistentRead\":true}", store_dynamodb_table(s), dup.id);
	memset(&resp, 0, sizeof resp);
	assert_int_equal(aws_request(c, "dynamodb", "DynamoDB_20120810.GetItem", body, &resp), 0);
	assert_null(strstr(resp.body, "USERID#"));   /* no Item: the pointer was taken back */
	aws_response_free(&resp);
	free(body);
	store_close(s);
}

/* BatchWriteItem's UnprocessedItems are sent again until none are left. */
static void test_unprocessed_items_retried(void **state)
{
	struct test_proc p;
	struct store *s;
	struct aws_client *c;

	(void)state;
	/* GetItem hit, Query with 2 keys, BatchWriteItem hands both back twice,
	 * then takes them, then the DeleteItem of the list */
	fake_script(&p, "200:item,200:keys2,200:echo-unprocessed,200:echo-unprocessed,200,200");
	s = fake_store(&p);
	c = store_dynamodb_client(s);
	assert_int_equal(s->ops->waitlist_delete(s, "01HBBBBBBBBBBBBBBBBBBBBBBB", "01HAAAAAAAAAAAAAAAAAAAAAAA"), 0);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.GetItem"), 1);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.Query"), 1);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.BatchWriteItem"), 3);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.DeleteItem"), 1);
	store_close(s);
	test_proc_stop(&p);

	/* never cleared: MT_EBUSY after 10 rounds, and the list is not deleted */
	fake_script(&p, "200:item,200:keys2,200:echo-unprocessed,200:echo-unprocessed,200:echo-unprocessed,"
		    "200:echo-unprocessed,200:echo-unprocessed,200:echo-unprocessed,200:echo-unprocessed,"
		    "200:echo-unprocessed,200:echo-unprocessed,200:echo-unprocessed,200:echo-unprocessed");
	s = fake_store(&p);
	c = store_dynamodb_client(s);
	assert_int_equal(s->ops->waitlist_delete(s, "01HBBBBBBBBBBBBBBBBBBBBBBB", "01HAAAAAAAAAAAAAAAAAAAAAAA"),
			 MT_EBUSY);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.BatchWriteItem"), 10);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.DeleteItem"), 0);
	store_close(s);
	test_proc_stop(&p);
}

/* BatchGetItem's UnprocessedKeys are asked again; a family state that never
 * comes back refuses the token (MT_EBUSY), never reads as "not revoked". */
static void test_unprocessed_keys_fail_closed(void **state)
{
	const char *fam = "01HFAMILY00000000000000000", *hash = "ab12";
	struct mt_refresh r;
	struct test_proc p;
	struct store *s;
	struct aws_client *c;

	(void)state;
	/* META handed back once, then read: not revoked, 2 calls */
	fake_script(&p, "200:batch-meta-unprocessed,200:batch-found");
	s = fake_store(&p);
	c = store_dynamodb_client(s);
	assert_int_equal(s->ops->refresh_get(s, fam, hash, &r), 0);
	assert_string_equal(r.family_id, fam);
	assert_int_equal(r.family_revoked, 0);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.BatchGetItem"), 2);
	store_close(s);
	test_proc_stop(&p);

	/* META handed back once, then read as revoked: the revocation is seen */
	fake_script(&p, "200:batch-meta-unprocessed,200:batch-meta-revoked");
	s = fake_store(&p);
	assert_int_equal(s->ops->refresh_get(s, fam, hash, &r), 0);
	assert_int_equal(r.family_revoked, 1);
	store_close(s);
	test_proc_stop(&p);

	/* META never comes back: refused after 6 calls, nothing half-filled */
	fake_script(&p, "200:batch-meta-unprocessed,200:batch-meta-unprocessed,200:batch-meta-unprocessed,"
		    "200:batch-meta-unprocessed,200:batch-meta-unprocessed,200:batch-meta-unprocessed,"
		    "200:batch-found");
	s = fake_store(&p);
	c = store_dynamodb_client(s);
	assert_int_equal(s->ops->refresh_get(s, fam, hash, &r), MT_EBUSY);
	assert_string_equal(r.family_id, "");
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.BatchGetItem"), 6);
	store_close(s);
	test_proc_stop(&p);
}

/* A conditional write retried after a 5xx whose first attempt had landed:
 * the condition then fails on our own item (same writeToken): success, not
 * a conflict. Someone else's write after a retry is still a conflict. On a
 * single attempt the item the service sends with the failure is checked
 * too (libcurl's own re-send); without one, it is read only after a retry. */
static void test_own_earlier_write(void **state)
{
	struct test_proc p;
	struct store *s;
	struct mt_waitee w;
	struct mt_user u;

	(void)state;
	memset(&w, 0, sizeof w);
	snprintf(w.id, sizeof w.id, "01HWAITEE00000000000000000");
	snprintf(w.waitlist_id, sizeof w.waitlist_id, "01HLIST0000000000000000000");
	snprintf(w.name, sizeof w.name, "Retried");
	w.status = MT_WAITING;
	fake_script(&p, "500,400:ccf-echo");
	s = fake_store(&p);
	assert_int_equal(s->ops->waitee_update(s, &w, 3), 0);
	assert_int_equal(w.version, 4);
	assert_int_equal(aws_client_calls(store_dynamodb_client(s), "DynamoDB_20120810.PutItem"), 1);
	store_close(s);
	test_proc_stop(&p);

	fake_script(&p, "500,400:ccf-item");   /* version 7, no token of ours: another writer */
	s = fake_store(&p);
	assert_int_equal(s->ops->waitee_update(s, &w, 4), MT_EPRECOND);
	assert_int_equal(w.version, 4);
	store_close(s);
	test_proc_stop(&p);

	/* one attempt, but the item sent back with the failure carries our
	 * token (libcurl re-sent the request after an answer lost on a reused
	 * connection): ours, with no GetItem */
	fake_script(&p, "400:ccf-echo");
	s = fake_store(&p);
	assert_int_equal(s->ops->waitee_update(s, &w, 4), 0);
	assert_int_equal(w.version, 5);
	assert_int_equal(aws_client_calls(store_dynamodb_client(s), "DynamoDB_20120810.GetItem"), 0);
	store_close(s);
	test_proc_stop(&p);

	/* a registration retried after a 5xx: the id pointer and the profile are
	 * ours, not "e-mail taken" (between them, the tenant's unconditional pointer) */
	memset(&u, 0, sizeof u);
	snprintf(u.id, sizeof u.id, "01HUSER0000000000000000000");
	snprintf(u.tenant_id, sizeof u.tenant_id, "01HTENANT00000000000000000");
	snprintf(u.email, sizeof u.email, "retry@example.com");
	snprintf(u.role, sizeof u.role, "owner");
	fake_script(&p, "500,400:ccf-echo,200,503,400:ccf-echo");
	s = fake_store(&p);
	assert_int_equal(s->ops->user_create(s, &u), 0);
	store_close(s);
	test_proc_stop(&p);

	/* a refresh token marked used by an attempt that landed: not a reuse */
	fake_script(&p, "500,400:ccf-update-echo");
	s = fake_store(&p);
	assert_int_equal(s->ops->refresh_mark_used(s, "01HFAMILY00000000000000000", "ab12"), 0);
	store_close(s);
	test_proc_stop(&p);
	/* the same in one attempt (libcurl's re-send), the item sent back */
	fake_script(&p, "400:ccf-update-echo");
	s = fake_store(&p);
	assert_int_equal(s->ops->refresh_mark_used(s, "01HFAMILY00000000000000000", "ab12"), 0);
	assert_int_equal(aws_client_calls(store_dynamodb_client(s), "DynamoDB_20120810.GetItem"), 0);
	store_close(s);
	test_proc_stop(&p);
	/* ... but used by someone else (no token of ours on the item): a reuse */
	fake_script(&p, "500,400:ConditionalCheckFailedException,200:item");
	s = fake_store(&p);
	assert_int_equal(s->ops->refresh_mark_used(s, "01HFAMILY00000000000000000", "ab12"), MT_ECONFLICT);
	assert_int_equal(aws_client_calls(store_dynamodb_client(s), "DynamoDB_20120810.GetItem"), 1);
	store_close(s);
	test_proc_stop(&p);
}

/* Writes item (the JSON of an Item) into the store's table as it is. */
static void raw_put(struct store *s, const char *item)
{
	struct aws_response resp;
	char *body = mt_strf("{\"TableName\":\"%s\",\"Item\":%s}", store_dynamodb_table(s), item);

	assert_non_null(body);
	memset(&resp, 0, sizeof resp);
	assert_int_equal(aws_request(store_dynamodb_client(s), "dynamodb", "DynamoDB_20120810.PutItem", body, &resp), 0);
	aws_response_free(&resp);
	free(body);
}

/* An account as the version before the STAFF# pointers stored it (profile
 * and id pointer, no tenant pointer, no staffPointer mark): logs in as
 * before, was missing from user_list (GET /staff); its first read (the next
 * login, or the authorizer's user_get) writes its pointer and the mark, and
 * from then on it is listed and read with no further write. */
static void test_old_account_backfill(void **state)
{
	struct store *s = test_store();
	struct aws_client *c = store_dynamodb_client(s);
	char id[MT_ID_SIZE], tenant[MT_ID_SIZE], *item;
	struct mt_user got, *items = NULL;
	struct store_page page = { NULL, 50 };
	char *next = NULL;
	size_t n = 0;
	int64_t now = mt_clock_system_now(NULL);

	(void)state;
	mt_id_new(id, now);
	mt_id_new(tenant, now);
	item = mt_strf("{\"PK\":{\"S\":\"USER#old@example.com\"},\"SK\":{\"S\":\"PROFILE\"},"
		       "\"type\":{\"S\":\"user\"},\"id\":{\"S\":\"%s\"},\"tenantId\":{\"S\":\"%s\"},"
		       "\"email\":{\"S\":\"old@example.com\"},\"name\":{\"S\":\"Old Owner\"},"
		       "\"role\":{\"S\":\"owner\"},\"passwordHash\":{\"S\":\"$argon2id$v=19$m=19456,t=2,p=1$x$y\"},"
		       "\"createdAt\":{\"N\":\"1700000000000\"},\"failedLogins\":{\"N\":\"0\"},"
		       "\"failWindowStart\":{\"N\":\"0\"},\"version\":{\"N\":\"3\"}}", id, tenant);
	raw_put(s, item);
	free(item);
	item = mt_strf("{\"PK\":{\"S\":\"USERID#%s\"},\"SK\":{\"S\":\"USERID\"},"
		       "\"email\":{\"S\":\"old@example.com\"},\"id\":{\"S\":\"%s\"}}", id, id);
	raw_put(s, item);
	free(item);

	/* the defect: not listed */
	assert_int_equal(s->ops->user_list(s, tenant, &page, &items, &n, &next), 0);
	assert_int_equal(n, 0);
	free(items);
	free(next);
	items = NULL;
	next = NULL;

	/* the first read (the authorizer's path: id pointer, profile) back-fills */
	aws_client_counts_reset(c);
	assert_int_equal(s->ops->user_get(s, id, &got), 0);
	assert_string_equal(got.email, "old@example.com");
	assert_string_equal(got.tenant_id, tenant);
	assert_int_equal(got.version, 3);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.PutItem"), 1);     /* the STAFF# pointer */
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.UpdateItem"), 1);  /* the mark */
	assert_int_equal(s->ops->user_list(s, tenant, &page, &items, &n, &next), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].id, id);
	assert_string_equal(items[0].name, "Old Owner");
	assert_int_equal(items[0].version, 3);   /* the mark is not a change of the account */
	free(items);
	free(next);

	/* later reads (a login) write nothing */
	aws_client_counts_reset(c);
	assert_int_equal(s->ops->user_get_by_email(s, "old@example.com", &got), 0);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.PutItem"), 0);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.UpdateItem"), 0);
	/* an update keeps the mark, and the account stays listed once */
	snprintf(got.name, sizeof got.name, "Renamed");
	assert_int_equal(s->ops->user_update(s, &got, 3), 0);
	aws_client_counts_reset(c);
	assert_int_equal(s->ops->user_get_by_email(s, "old@example.com", &got), 0);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.PutItem"), 0);
	items = NULL;
	next = NULL;
	assert_int_equal(s->ops->user_list(s, tenant, &page, &items, &n, &next), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].name, "Renamed");
	free(items);
	free(next);
	store_close(s);
}

/* stat_range consumer: adds the bucket's seated and covers to sum[0], sum[1]. */
static int stat_sum(const struct mt_stat_bucket *b, void *ud)
{
	int64_t *sum = ud;

	sum[0] += b->v[MT_SC_SEATED];
	sum[1] += b->v[MT_SC_COVERS];
	return 0;
}

/* Reads the proxy's stats file into buf (size bytes, NUL-terminated). */
static void proxy_stats(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t got;

	assert_non_null(f);
	got = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[got] = '\0';
}

/* Starts tests/store/ddb-proxy.py in front of this run's dynalite with the
 * extra arguments (NULL-ended, at most 8) and its stats into stats, then
 * opens a store on a new table (schema ready) through it; *px is the proxy. */
static struct store *proxied_store(struct test_proc *px, const char *stats, const char *const *extra)
{
	char script[1024], up[80], url[512], stats_arg[64], extra_args[8][32], *table, *cause = NULL;
	char *argv[16] = { "/usr/bin/python3", script, "--upstream", up, "--stats-file", stats_arg };
	struct store *s = NULL;
	int i;

	snprintf(script, sizeof script, "%s/store/ddb-proxy.py", test_tests_dir());
	snprintf(up, sizeof up, "%s", dyn.url);
	snprintf(stats_arg, sizeof stats_arg, "%s", stats);
	for (i = 0; extra[i]; i++) {
		assert_true(i < 8);
		snprintf(extra_args[i], sizeof extra_args[i], "%s", extra[i]);
		argv[6 + i] = extra_args[i];
	}
	argv[6 + i] = NULL;
	assert_int_equal(test_proc_spawn_port(argv, px), 0);
	table = test_unique_name("mt");
	assert_non_null(table);
	snprintf(url, sizeof url, "dynamodb://%s?region=us-east-1&endpoint=%s", table, px->url);
	free(table);
	if (store_open(url, &s, &cause) != 0)
		fprintf(stderr, "open %s: %s\n", url, cause ? cause : "?");
	free(cause);
	assert_non_null(s);
	assert_int_equal(s->ops->init_schema(s), 0);
	return s;
}

/* A stats ADD whose first attempt reached dynalite but whose answer was
 * lost (tests/store/ddb-proxy.py forwards it, then closes the connection
 * without a word; the aws layer tries again at once, as after a 5xx or a
 * reset) is counted once, not twice; the next party's add still counts.
 * (A timed-out attempt is not retried with the default client: its 5 s
 * attempt timeout is past the 2 s retry budget, aws.h.) */
static void test_stat_add_answer_lost(void **state)
{
	const char *list = "01HSTATLIST000000000000000";
	const char *const extra[] = { "--lose", "UpdateItem:1", NULL };
	char stats[64], seen[256];
	struct test_proc px;
	struct store *s;
	struct aws_client *c;
	struct mt_stat_delta d;
	int64_t sum[2] = { 0, 0 };
	uint64_t calls = 0, attempts = 0;

	(void)state;
	snprintf(stats, sizeof stats, "/tmp/maitre-ddb-proxy-%d.json", (int)getpid());
	s = proxied_store(&px, stats, extra);
	c = store_dynamodb_client(s);

	memset(&d, 0, sizeof d);
	d.hour = 493000;
	d.party_size = 4;
	d.n = 2;
	d.idx[0] = MT_SC_SEATED;
	d.v[0] = 1;
	d.idx[1] = MT_SC_COVERS;
	d.v[1] = 4;
	aws_client_counts_reset(c);
	assert_int_equal(s->ops->stat_add(s, list, &d), 0);
	aws_client_totals(c, &calls, &attempts);
	assert_int_equal(calls, 1);
	/* the add reached dynalite twice: the attempt whose answer was lost,
	 * then its repeat (libcurl's own re-send on a fresh connection when a
	 * reused one dies without an answer, or the aws layer's retry) */
	proxy_stats(stats, seen, sizeof seen);
	if (strstr(seen, "\"lost\": 1") == NULL || strstr(seen, "\"UpdateItem\": 2") == NULL)
		fail_msg("the proxy did not lose one answer of two UpdateItem: %s (attempts %llu)", seen,
			 (unsigned long long)attempts);
	assert_int_equal(s->ops->stat_range(s, list, d.hour, d.hour + 1, stat_sum, sum), 0);
	assert_int_equal(sum[0], 1);
	assert_int_equal(sum[1], 4);

	/* the next party of the same bucket: counted */
	assert_int_equal(s->ops->stat_add(s, list, &d), 0);
	sum[0] = sum[1] = 0;
	assert_int_equal(s->ops->stat_range(s, list, d.hour, d.hour + 1, stat_sum, sum), 0);
	assert_int_equal(sum[0], 2);
	assert_int_equal(sum[1], 8);
	store_close(s);
	test_proc_stop(&px);
	unlink(stats);
}

/* A registration whose profile PutItem (attribute_not_exists) reached
 * dynalite but whose answer was lost on a reused keep-alive connection:
 * libcurl itself sends it again on a fresh connection inside the same
 * attempt (the aws layer sees one try), and that repeat fails its condition
 * on the item our first send wrote. The proxy answers that failure as real
 * DynamoDB does (--ccf-item: the current item, with our writeToken), so the
 * store sees its own write: the account is created (not 409 email_taken)
 * and all three items are there, at no extra request. Then a plain
 * conflict (another writer's item, another token) is still a conflict, and
 * a stale versioned write is told apart from the returned item alone. */
static void test_own_write_resent(void **state)
{
	const char *const extra[] = { "--lose", "PutItem:3", "--ccf-item", NULL };
	char stats[64], seen[256];
	struct store_page page = { NULL, 10 };
	struct test_proc px;
	struct store *s;
	struct aws_client *c;
	struct mt_user u, dup, got, *list = NULL;
	struct mt_waitee w;
	uint64_t calls = 0, attempts = 0;
	int64_t now = mt_clock_system_now(NULL);
	size_t n = 0;
	char *next = NULL;

	(void)state;
	snprintf(stats, sizeof stats, "/tmp/maitre-ddb-proxy-own-%d.json", (int)getpid());
	s = proxied_store(&px, stats, extra);
	c = store_dynamodb_client(s);

	/* PutItem 1: id pointer, 2: tenant pointer, 3: the profile (answer lost) */
	memset(&u, 0, sizeof u);
	mt_id_new(u.id, now);
	mt_id_new(u.tenant_id, now);
	snprintf(u.email, sizeof u.email, "resent@example.com");
	snprintf(u.name, sizeof u.name, "Resent");
	snprintf(u.role, sizeof u.role, "owner");
	aws_client_counts_reset(c);
	assert_int_equal(s->ops->user_create(s, &u), 0);
	aws_client_totals(c, &calls, &attempts);
	proxy_stats(stats, seen, sizeof seen);
	if (strstr(seen, "\"lost\": 1") == NULL || strstr(seen, "\"PutItem\": 4") == NULL)
		fail_msg("the proxy did not lose one answer of four PutItem: %s", seen);
	/* libcurl's own re-send: the aws layer made one attempt per call, and
	 * no GetItem was needed to recognise the write */
	assert_int_equal(calls, 3);
	assert_int_equal(attempts, 3);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.GetItem"), 0);
	assert_int_equal(u.version, 1);
	/* the account works: profile, id pointer, tenant pointer */
	assert_int_equal(s->ops->user_get_by_email(s, "resent@example.com", &got), 0);
	assert_string_equal(got.id, u.id);
	assert_string_equal(got.tenant_id, u.tenant_id);
	assert_int_equal(s->ops->user_get(s, u.id, &got), 0);
	assert_string_equal(got.email, "resent@example.com");
	assert_int_equal(s->ops->user_list(s, u.tenant_id, &page, &list, &n, &next), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].id, u.id);
	free(list);
	free(next);

	/* the same e-mail under a new id: the item comes back with the
	 * failure, but with another write's token: still a conflict */
	dup = u;
	mt_id_new(dup.id, now + 1);
	assert_int_equal(s->ops->user_create(s, &dup), MT_ECONFLICT);
	assert_int_equal(s->ops->user_get(s, dup.id, &got), MT_ENOTFOUND);
	assert_int_equal(s->ops->user_get_by_email(s, "resent@example.com", &got), 0);
	assert_string_equal(got.id, u.id);

	/* a versioned write on a stale version: the returned item (version 1)
	 * says "precondition failed" without a GetItem */
	memset(&w, 0, sizeof w);
	snprintf(w.id, sizeof w.id, "01HWAITEE00000000000000000");
	snprintf(w.waitlist_id, sizeof w.waitlist_id, "01HLIST0000000000000000000");
	snprintf(w.name, sizeof w.name, "Stale");
	w.status = MT_WAITING;
	assert_int_equal(s->ops->waitee_create(s, &w), 0);
	aws_client_counts_reset(c);
	assert_int_equal(s->ops->waitee_update(s, &w, 5), MT_EPRECOND);
	assert_int_equal(w.version, 1);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.GetItem"), 0);
	assert_int_equal(aws_client_calls(c, "DynamoDB_20120810.PutItem"), 1);
	store_close(s);
	test_proc_stop(&px);
	unlink(stats);
}

/* A test clock: the int64_t epoch ms data points at. */
static int64_t test_clock_now(void *data)
{
	return *(int64_t *)data;
}

/* How many tokens the bucket item holds in set name (adds0..adds2), -1 when it has no such set. */
static int stat_tokens(struct store *s, const char *list, const char *sk, const char *name)
{
	struct aws_response resp;
	char *body = mt_strf("{\"TableName\":\"%s\",\"Key\":{\"PK\":{\"S\":\"STAT#%s\"},\"SK\":{\"S\":\"%s\"}},"
			     "\"ConsistentRead\":true}", store_dynamodb_table(s), list, sk);
	cJSON *j, *set;
	int n;

	assert_non_null(body);
	memset(&resp, 0, sizeof resp);
	assert_int_equal(aws_request(store_dynamodb_client(s), "dynamodb", "DynamoDB_20120810.GetItem", body, &resp), 0);
	free(body);
	j = cJSON_Parse(resp.body);
	aws_response_free(&resp);
	assert_non_null(j);
	set = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "Item"),
									       name), "SS");
	n = cJSON_IsArray(set) ? cJSON_GetArraySize(set) : -1;
	cJSON_Delete(j);
	return n;
}

/* The add tokens stay few: the adds of one minute go into one of three
 * sets and the set of two minutes before is removed by the next minute's
 * first add, so 40 adds leave at most the last two minutes' tokens on the
 * bucket; every add is counted all the same. */
static void test_stat_tokens_bounded(void **state)
{
	const char *list = "01HSTATLIST000000000000001", *sk = "H0000493000#S02";
	struct store *s = test_store();
	int64_t now = 1764330000000LL - 1764330000000LL % 180000;   /* minute 0 of 3 */
	struct mt_clock clk = { test_clock_now, &now };
	struct mt_stat_delta d;
	int64_t sum[2] = { 0, 0 };
	int i;

	(void)state;
	store_set_clock(s, &clk);
	memset(&d, 0, sizeof d);
	d.hour = 493000;
	d.party_size = 2;
	d.n = 1;
	d.idx[0] = MT_SC_SEATED;
	d.v[0] = 1;
	for (i = 0; i < 40; i++)   /* a busy minute */
		assert_int_equal(s->ops->stat_add(s, list, &d), 0);
	assert_int_equal(stat_tokens(s, list, sk, "adds0"), 40);
	now += 60000;              /* the next minute: its own set, the last one's kept */
	assert_int_equal(s->ops->stat_add(s, list, &d), 0);
	assert_int_equal(stat_tokens(s, list, sk, "adds0"), 40);
	assert_int_equal(stat_tokens(s, list, sk, "adds1"), 1);
	now += 60000;              /* two minutes on: minute 0's tokens go */
	assert_int_equal(s->ops->stat_add(s, list, &d), 0);
	assert_int_equal(stat_tokens(s, list, sk, "adds0"), -1);
	assert_int_equal(stat_tokens(s, list, sk, "adds1"), 1);
	assert_int_equal(stat_tokens(s, list, sk, "adds2"), 1);
	now += 60000;              /* and round again: adds0 anew, adds1 removed */
	assert_int_equal(s->ops->stat_add(s, list, &d), 0);
	assert_int_equal(stat_tokens(s, list, sk, "adds0"), 1);
	assert_int_equal(stat_tokens(s, list, sk, "adds1"), -1);
	assert_int_equal(stat_tokens(s, list, sk, "adds2"), 1);
	assert_int_equal(s->ops->stat_range(s, list, d.hour, d.hour + 1, stat_sum, sum), 0);
	assert_int_equal(sum[0], 43);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest ddb_only[] = {
		cmocka_unit_test(test_request_counts),
		cmocka_unit_test(test_due_cost),
		cmocka_unit_test(test_query_walk),
		cmocka_unit_test(test_big_cascade_and_foreign_cursor),
		cmocka_unit_test(test_paging_over_expired),
		cmocka_unit_test(test_open_and_schema),
		cmocka_unit_test(test_failure_mapping),
		cmocka_unit_test(test_unprocessed_items_retried),
		cmocka_unit_test(test_unprocessed_keys_fail_closed),
		cmocka_unit_test(test_own_earlier_write),
		cmocka_unit_test(test_condition_failure_item),
		cmocka_unit_test(test_user_create_halfway),
		cmocka_unit_test(test_stat_add_answer_lost),
		cmocka_unit_test(test_own_write_resent),
		cmocka_unit_test(test_stat_tokens_bounded),
		cmocka_unit_test(test_old_account_backfill),
	};
	int failed, rc;

	rc = dynalite_start(&dyn);
	if (rc == 77)
		return 77;
	if (rc != 0)
		return 1;
	setenv("AWS_ACCESS_KEY_ID", "AKIDLOCALTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "local-test-secret", 1);
	setenv("AWS_REGION", "us-east-1", 1);
	unsetenv("AWS_SESSION_TOKEN");
	failed = store_contract_run("store-contract-dynamodb", test_open_fresh, NULL);
	failed += cmocka_run_group_tests_name("store-dynamodb", ddb_only, NULL, NULL);
	test_proc_stop(&dyn);
	return failed ? 1 : 0;
}
