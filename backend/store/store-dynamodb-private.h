/* Private header of the DynamoDB store (store-dynamodb*.c only): the store
 * struct, limits and the helpers the files share. The public extras are in
 * store-dynamodb.h; the item layout is at the top of store-dynamodb.c. */
#ifndef MT_STORE_DYNAMODB_PRIVATE_H
#define MT_STORE_DYNAMODB_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "aws/aws.h"
#include "core/model.h"
#include "store/store.h"
#include "store/store-dynamodb.h"

#define DDB_PREFIX "DynamoDB_20120810."
#define DDB_SHARDS_DEFAULT 4
#define DDB_SHARDS_MAX 64
#define DDB_CURSOR_MAX 512

/* A DynamoDB store. */
struct store_ddb {
	struct store base;          /* must be first: ops */
	struct aws_client *aws;     /* signed requests, counters */
	char table[256];            /* table name */
	int shards;                 /* due-index shards */
};

/* One item consumer for store_ddb_query_page (0 = go on, else stop with
 * that code), and for store_ddb_query_gsi1 and struct ddb_walk (1 took it,
 * 0 passed it over, MT_E*, or for a walk DDB_WALK_STOP). */
typedef int (*ddb_item_fn)(const cJSON *item, void *ud);

/* Returned by a walk's item callback: end the walk here, the item not taken. */
#define DDB_WALK_STOP 2

/* One whole Query response for a walk's page callback: 0 go on, or MT_E*. */
typedef int (*ddb_page_fn)(const cJSON *resp, void *ud);

/* A paged Query (store_ddb_query_walk): what to ask, whom to hand items to. */
struct ddb_walk {
	cJSON *start;        /* ExclusiveStartKey of the first page (owned, consumed), or NULL */
	int limit;           /* items to take at most (0: no limit, no Limit sent) */
	int extra;           /* each page asks Limit = limit - took + extra */
	ddb_item_fn item;    /* per item, or NULL: 1 took, 0 passed over, DDB_WALK_STOP, MT_E* */
	ddb_page_fn page;    /* per response after its items when the walk goes on, or NULL */
	void *ud;            /* handed to item and page */
	int took;            /* out: items item took */
};

/* A growable array of records for page collection. */
struct ddb_vec {
	void *items;       /* elements */
	size_t n;          /* used */
	size_t cap;        /* allocated */
	size_t elem;       /* element size */
};

/* The operations table (store-dynamodb.c). */
extern const struct store_ops store_ddb_ops;

/* ---- store-dynamodb-call.c */
/* Our store from the generic handle. */
struct store_ddb *store_ddb_of(struct store *s);
/* Logs a back-end failure (never credentials: causes come from aws.c). */
void store_ddb_log(const char *what, const char *cause);
/* Epoch seconds now (for TTL filtering). */
int64_t store_ddb_now_s(struct store_ddb *s);
/* Adds {"S": v} under name (skipped when v is empty and skip_empty). */
void store_ddb_put_s(cJSON *item, const char *name, const char *v);
/* Adds {"N": "v"} under name. */
void store_ddb_put_n(cJSON *item, const char *name, int64_t v);
/* The string value of attribute name, or NULL. */
const char *store_ddb_get_sp(const cJSON *item, const char *name);
/* Copies attribute name (S) into dst ("" when absent). */
void store_ddb_get_s(const cJSON *item, const char *name, char *dst, size_t size);
/* The numeric value of attribute name (N), 0 when absent or malformed. */
int64_t store_ddb_get_n(const cJSON *item, const char *name);
/* Adds ":name" -> {"S": v} to an ExpressionAttributeValues object. */
void store_ddb_val_s(cJSON *vals, const char *name, const char *v);
/* Makes a request object {"TableName": table}. */
cJSON *store_ddb_req(struct store_ddb *s);
/* Adds {"Key": {"PK": pk, "SK": sk}} to a request. */
void store_ddb_key(cJSON *req, const char *pk, const char *sk);
/* Formats into a fixed buffer. */
void store_ddb_fmt(char *dst, size_t size, const char *a, const char *b);
/* ddb_call_ex without the failed item. */
int store_ddb_call(struct store_ddb *s, const char *op, cJSON *req, cJSON **resp, char *etype);
/* Sends a write whose condition may fail, asking for the current item with
 * the failure (*old, caller deletes, NULL when not given). */
int store_ddb_call_cond(struct store_ddb *s, const char *op, cJSON *req, cJSON **old);
/* A conditional "SET ..." UpdateItem of pk/sk that recognises its own
 * earlier send (writeToken), as store_ddb_put_item. */
int store_ddb_update_own(struct store_ddb *s, cJSON *req, const char *pk, const char *sk, cJSON **old);
/* GetItem (consistent) of pk/sk; *item is the Item (detached, caller
 * deletes) or NULL when absent. */
int store_ddb_get_item(struct store_ddb *s, const char *pk, const char *sk, cJSON **item);
/* PutItem of item (consumed) with an optional condition. expected_version
 * >= 0 adds "attribute_exists(PK) AND #v = :v" (and *old gets the current
 * item when the condition fails and the service returns it); -1 adds
 * "attribute_not_exists(PK)"; -2 no condition. */
int store_ddb_put_item(struct store_ddb *s, cJSON *item, int64_t expected_version, cJSON **old);
/* After a failed versioned write: MT_ENOTFOUND when the item is gone (or
 * expired), MT_EPRECOND when its version differs, else MT_ECONFLICT. Uses
 * old (the item returned with the failure, consumed) when given, else one
 * consistent GetItem. */
int store_ddb_tell_failure(struct store_ddb *s, const char *pk, const char *sk,
			    int64_t expected_version, cJSON *old);
/* Queries partition pk (SK begins with prefix) in key order, applying
 * filter (optional; values :now are bound), and hands at most limit
 * items to fn. Sets *next to a cursor when more items exist. */
int store_ddb_query_page(struct store_ddb *s, const char *pk, const char *prefix,
			  const char *filter, const struct store_page *page, ddb_item_fn fn,
			  void *ud, char **next);
/* Appends room for one element; returns it zeroed or NULL. */
void *store_ddb_vec_push(struct ddb_vec *v);
/* Shard (0 .. s->shards - 1) of a key in the sharded GSI1 partitions
 * (DUE#<shard> for a waitee id, EXP#<shard> for an erasure key). */
int store_ddb_shard(const struct store_ddb *s, const char *key);
/* Queries GSI1 partition pk for GSI1SK <= hi in index order (following
 * LastEvaluatedKey) and hands each item to fn, which returns 1 when it took
 * the item, 0 when it passed it over, or MT_E* to stop with that error;
 * stops once limit items were taken. *took: how many were. 0 or MT_E*. */
int store_ddb_query_gsi1(struct store_ddb *s, const char *pk, const char *hi, int limit, ddb_item_fn fn, void *ud,
			 int *took);

/* ---- store-dynamodb-query.c */
/* Sends req (a Query, consumed, without Limit or ExclusiveStartKey) page
 * after page, following LastEvaluatedKey, and hands each item to w->item
 * and each page to w->page, until the partition ends, w->limit items were
 * taken, or a callback stops the walk. w->took says how many were taken.
 * 0 or MT_E*. */
int store_ddb_query_walk(struct store_ddb *s, cJSON *req, struct ddb_walk *w);

/* ---- store-dynamodb-guest.c */
/* Creates or replaces a public link (LINK#<key> / LINK). */
int store_ddb_link_put(struct store *st, const struct mt_link *l);
/* Gets a live public link by key. */
int store_ddb_link_get(struct store *st, const char *key, struct mt_link *out);

/* ---- store-dynamodb-stats.c: stats counters (STAT#<list> / H<hour>#S<size>; store.h stat_*) */
int store_ddb_stat_add(struct store *st, const char *waitlist_id, const struct mt_stat_delta *d);
int store_ddb_stat_range(struct store *st, const char *waitlist_id, int64_t from_hour, int64_t to_hour,
			 int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud);
int store_ddb_stat_hours(struct store *st, const char *waitlist_id, int party_size, const int64_t *hours,
			 size_t nh, int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud);
/* ---- store-dynamodb-activity.c (contract in store.h) */
/* Adds the erasure-index keys (GSI1 EXP#<shard> / <expires_at>#<key>) to an
 * item that holds guest data and must be gone at expires_at (s); nothing when 0. */
void store_ddb_put_erase_key(const struct store_ddb *s, cJSON *item, int64_t expires_at, const char *key);
/* Deletes items of the erasure index past their deadline, at most limit
 * per call: one Query per shard (until limit), one conditional DeleteItem per item. */
int store_ddb_erase_expired(struct store_ddb *s, int64_t now_s, int limit, int *removed);
/* Appends an activity entry (ACT#<tenant>#<list> / <id>). */
int store_ddb_activity_append(struct store *st, const struct mt_activity *a);
/* Pages through a list's (or the restaurant's) entries, newest first. */
int store_ddb_activity_list(struct store *st, const char *tenant_id, const char *waitlist_id, int64_t since_ms,
			    const struct store_page *page, struct mt_activity **items, size_t *n,
			    char **next_cursor);
/* Stores a new handover note (HAND#<tenant>#<list> / <id>), version 1. */
int store_ddb_handover_create(struct store *st, struct mt_handover *h);
/* Pages through a list's handover notes, newest first. */
int store_ddb_handover_list(struct store *st, const char *tenant_id, const char *waitlist_id,
			    const struct store_page *page, struct mt_handover **items, size_t *n, char **next_cursor);
/* Rewrites a handover note conditional on its version. */
int store_ddb_handover_update(struct store *st, struct mt_handover *h, int64_t expected_version);

/* ---- store-dynamodb-schema.c */
/* Makes sure the table exists with its indexes, idempotently: one
 * DescribeTable when it is there already (the usual start of maitred or a
 * Lambda), else CreateTable (ResourceInUse from a racing creator is fine),
 * wait until ACTIVE, and turn TTL on (where the service supports it). */
int store_ddb_init_schema(struct store *st);

/* ---- store-dynamodb-users.c */
/* Creates an account: two items, written without a transaction (dynalite
 * has none). The id pointer goes first, so a crash between the two writes
 * leaves only an unused pointer: user_get checks that the profile it leads
 * to has the same id, and the e-mail stays free. When the e-mail is taken
 * the pointer is deleted again (best effort; a leftover is as harmless). */
int store_ddb_user_create(struct store *st, struct mt_user *u);
/* Looks an account up by e-mail. */
int store_ddb_user_get_by_email(struct store *st, const char *email, struct mt_user *out);
/* Looks an account up by id (pointer, then profile). */
int store_ddb_user_get(struct store *st, const char *user_id, struct mt_user *out);
/* Updates an account, conditional on its version (the e-mail is the key
 * and cannot change here). */
int store_ddb_user_update(struct store *st, struct mt_user *u, int64_t expected_version);
/* Lists a tenant's accounts in creation order (TENANT#<t> / STAFF#<id> pointers). */
int store_ddb_user_list(struct store *st, const char *tenant_id, const struct store_page *page,
			struct mt_user **items, size_t *n, char **next_cursor);

/* ---- store-dynamodb-restaurant.c */
/* Gets a tenant's restaurant record (REST#<tenantId> / REST); MT_ENOTFOUND when none. */
int store_ddb_restaurant_get(struct store *st, const char *tenant_id, struct mt_restaurant *out);
/* Creates (expected 0) or updates (conditional on version) a restaurant record. */
int store_ddb_restaurant_put(struct store *st, struct mt_restaurant *r, int64_t expected_version);
/* Deletes a restaurant record of this version (see store.h). */
int store_ddb_restaurant_delete(struct store *st, const char *tenant_id, int64_t expected_version);
/* Gets a login guard (item GUARD#<key> / GUARD); MT_ENOTFOUND when none. */
int store_ddb_guard_get(struct store *st, const char *key, struct mt_login_guard *out);
/* Stores a login guard: created when expected_version is 0, else conditional on it. */
int store_ddb_guard_put(struct store *st, struct mt_login_guard *g, int64_t expected_version);

/* ---- store-dynamodb-refresh.c */
/* Stores a new refresh token (MT_ECONFLICT when the hash exists). */
int store_ddb_refresh_create(struct store *st, const struct mt_refresh *r);
/* Reads a token and its family state in one BatchGetItem. */
int store_ddb_refresh_get(struct store *st, const char *family_id, const char *token_hash,
			   struct mt_refresh *out);
/* Marks a token used, once (MT_ECONFLICT on reuse). */
int store_ddb_refresh_mark_used(struct store *st, const char *family_id, const char *token_hash);
/* Revokes every token of a family (marks the family META item). */
int store_ddb_refresh_revoke_family(struct store *st, const char *family_id);

/* ---- store-dynamodb-waitlists.c */
/* Creates a waitlist (MT_ECONFLICT when the id exists). */
int store_ddb_waitlist_create(struct store *st, struct mt_waitlist *w);
/* Reads a waitlist of a tenant. */
int store_ddb_waitlist_get(struct store *st, const char *tenant_id, const char *id,
			    struct mt_waitlist *out);
/* Lists a tenant's waitlists in creation order. */
int store_ddb_waitlist_list(struct store *st, const char *tenant_id, const struct store_page *page,
			     struct mt_waitlist **items, size_t *n, char **next_cursor);
/* Updates a waitlist, conditional on its version. */
int store_ddb_waitlist_update(struct store *st, struct mt_waitlist *w, int64_t expected_version);
/* Deletes a waitlist of a tenant and all its waitees: proves the list is
 * the tenant's (GetItem), deletes the waitees, then the list. A crash in
 * between leaves the list with fewer waitees, and a retry finishes. */
int store_ddb_waitlist_delete(struct store *st, const char *tenant_id, const char *id);

/* ---- store-dynamodb-waitees.c */
/* Creates a waitee (MT_ECONFLICT when the id exists). */
int store_ddb_waitee_create(struct store *st, struct mt_waitee *w);
/* Reads a waitee of a list (expired ones are not found). */
int store_ddb_waitee_get(struct store *st, const char *waitlist_id, const char *id,
			  struct mt_waitee *out);
/* Lists a list's waitees in queue order, skipping expired ones. */
int store_ddb_waitee_list(struct store *st, const char *waitlist_id, const struct store_page *page,
			   struct mt_waitee **items, size_t *n, char **next_cursor);
/* Updates a waitee (whole item, index keys recomputed), conditional on version. */
int store_ddb_waitee_update(struct store *st, struct mt_waitee *w, int64_t expected_version);
/* Deletes a waitee (MT_ENOTFOUND when absent). */
int store_ddb_waitee_delete(struct store *st, const char *waitlist_id, const char *id);
/* Counts active waitees of a list before an id (Select COUNT, paged). */
int store_ddb_waitee_count_active(struct store *st, const char *waitlist_id, const char *before_id,
				   int *count);
/* Waitees with 0 < due_at <= now_ms, oldest first: one Query per shard of
 * the sparse GSI1 (O(due)), merged. */
int store_ddb_waitee_list_due(struct store *st, int64_t now_ms, int limit,
			       struct mt_waitee **items, size_t *n);
/* The most recently joined active waitee with this phone (sparse GSI2). */
int store_ddb_waitee_find_by_phone(struct store *st, const char *phone, struct mt_waitee *out);

/* ---- store-dynamodb-idempotency.c (contract in store.h) */
/* Claims a key: GetItem, then one conditional PutItem (again when another writer won). */
int store_ddb_idem_begin(struct store *st, struct store_idem *rec, int64_t now_ms);
/* Stores the claim's answer (PutItem on createdAt and done = 0). */
int store_ddb_idem_finish(struct store *st, const struct store_idem *rec);
/* Deletes an unfinished claim (DeleteItem on createdAt and done = 0). */
int store_ddb_idem_release(struct store *st, const struct store_idem *rec);

#endif
