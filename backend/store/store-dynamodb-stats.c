/* Stats counters (core/stats.h) in the DynamoDB store: one item per bucket,
 * PK "STAT#<waitlistId>", SK "H<hour, 10 digits>#S<party size, 2 digits>",
 * each counter a number attribute named as core/stats.c names it ("seated",
 * "w12", ...). A party's finish is one UpdateItem with ADD (atomic, no
 * read); a range of hours is one Query of the list's partition (paged by
 * the service), the estimate's hours one BatchGetItem. No guest data.
 *
 * An ADD is not idempotent: an attempt that landed but whose answer was
 * lost (a 5xx, a reset or an empty reply; a timeout, with a client whose
 * retry budget outlasts its attempt timeout) and that the aws layer (or
 * libcurl, on a dead kept-alive connection) sent again would count twice.
 * So each add carries a random token (16 hex digits), ADDed to a string set
 * of the bucket under the condition that no set holds it yet: the repeat of
 * an add that landed is the same request, fails that condition, which can
 * only mean "already counted", and answers 0.
 *
 * The tokens are only needed for the seconds a repeat can take, so the
 * sets turn over without a read: three generations adds0..adds2, the add
 * of minute m (store clock) goes into adds<m % 3> and removes
 * adds<(m + 1) % 3> in the same write. A token stays until the first add
 * two minutes after its own (so at least a minute); a bucket written every
 * minute holds only its last two minutes' tokens, and none ever holds more
 * than the adds made to it (a bucket is one list, one UTC hour joined, one
 * party size; an add is one party's finish or undo). docs/dynamodb.md has
 * the sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/error.h"
#include "store/store-dynamodb-private.h"

#define DDB_STAT_PK_SIZE (MT_ID_SIZE + 8)   /* "STAT#" + list id */
#define DDB_STAT_SK_SIZE 32                 /* "H" + 10 digits + "#S" + 2 digits */
#define DDB_STAT_BATCH 100                  /* keys per BatchGetItem (the service's limit) */
#define DDB_STAT_TOKEN_EPOCH_MS 60000       /* one generation of add tokens (adds0..adds2) */

/* The bucket's sort key. */
static void ddb_stat_sk(char *sk, size_t size, int64_t hour, int party_size)
{
	snprintf(sk, size, "H%010lld#S%02d", (long long)hour, party_size);
}

/* Adds a party's amounts to its bucket: one UpdateItem with ADD, counted
 * once even when it was sent twice (the token sets adds0..adds2). */
int store_ddb_stat_add(struct store *st, const char *waitlist_id, const struct mt_stat_delta *d)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[DDB_STAT_PK_SIZE], sk[DDB_STAT_SK_SIZE], expr[512], name[16], ph[16], tok[17];
	unsigned char raw[8];
	cJSON *req, *names, *vals, *set;
	int64_t gen;
	size_t len;
	int i, rc;

	if (waitlist_id == NULL || d == NULL || d->n < 0 || d->n > MT_STAT_DELTA_MAX || d->hour < 0 ||
	    d->party_size < MT_PARTY_MIN || d->party_size > MT_PARTY_MAX)
		return MT_EINVAL;
	if (d->n == 0)
		return 0;
	store_ddb_fmt(pk, sizeof pk, "STAT#", waitlist_id);
	ddb_stat_sk(sk, sizeof sk, d->hour, d->party_size);
	if ((req = store_ddb_req(s)) == NULL)
		return MT_ENOMEM;
	store_ddb_key(req, pk, sk);
	names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
	vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
	if (names == NULL || vals == NULL) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	len = (size_t)snprintf(expr, sizeof expr, "SET #type = :type, #hour = :hour, #size = :size ADD ");
	cJSON_AddStringToObject(names, "#type", "type");
	cJSON_AddStringToObject(names, "#hour", "hour");
	cJSON_AddStringToObject(names, "#size", "partySize");
	store_ddb_val_s(vals, ":type", "stat");
	store_ddb_put_n(vals, ":hour", d->hour);
	store_ddb_put_n(vals, ":size", d->party_size);
	for (i = 0; i < d->n; i++) {
		if (mt_stat_counter_name(d->idx[i], name, sizeof name) < 0) {
			cJSON_Delete(req);
			return MT_EINVAL;
		}
		snprintf(ph, sizeof ph, "#c%d", i);
		cJSON_AddStringToObject(names, ph, name);
		snprintf(ph, sizeof ph, ":c%d", i);
		store_ddb_put_n(vals, ph, d->v[i]);
		len += (size_t)snprintf(expr + len, sizeof expr - len, "%s#c%d :c%d", i ? ", " : "", i, i);
	}
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(tok, sizeof tok, raw, sizeof raw);
	gen = store_now_ms(st) / DDB_STAT_TOKEN_EPOCH_MS;
	if (gen < 0)
		gen = 0;
	snprintf(expr + len, sizeof expr - len, ", #g%d :tokset REMOVE #g%d", (int)(gen % 3), (int)((gen + 1) % 3));
	cJSON_AddStringToObject(names, "#g0", "adds0");
	cJSON_AddStringToObject(names, "#g1", "adds1");
	cJSON_AddStringToObject(names, "#g2", "adds2");
	store_ddb_val_s(vals, ":tok", tok);
	set = cJSON_AddObjectToObject(vals, ":tokset");
	if (set == NULL || cJSON_AddItemToObject(set, "SS", cJSON_CreateStringArray((const char *[]){ tok }, 1)) == 0) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	cJSON_AddStringToObject(req, "UpdateExpression", expr);
	cJSON_AddStringToObject(req, "ConditionExpression",
				"NOT contains(#g0, :tok) AND NOT contains(#g1, :tok) AND NOT contains(#g2, :tok)");
	rc = store_ddb_call(s, "UpdateItem", req, NULL, NULL);
	/* the token is random and new: only an earlier attempt of this very
	 * add can have put it there, so the add is in, once */
	return rc == MT_ECONFLICT ? 0 : rc;
}

/* Reads a bucket item into b; 0, or 1 when it is not a bucket (skipped). */
static int ddb_stat_read(const cJSON *it, struct mt_stat_bucket *b)
{
	const cJSON *a;

	memset(b, 0, sizeof *b);
	b->hour = store_ddb_get_n(it, "hour");
	b->party_size = (int)store_ddb_get_n(it, "partySize");
	if (b->party_size < MT_PARTY_MIN || b->party_size > MT_PARTY_MAX)
		return 1;
	cJSON_ArrayForEach(a, it) {
		int idx = mt_stat_counter_index(a->string);

		if (idx >= 0)
			b->v[idx] = store_ddb_get_n(it, a->string);
	}
	return 0;
}

/* Hands fn each bucket item of an Items array; fn's non-zero return stops. */
static int ddb_stat_items(const cJSON *items, struct mt_stat_bucket *b,
			  int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud)
{
	const cJSON *it;
	int r;

	cJSON_ArrayForEach(it, items) {
		if (ddb_stat_read(it, b) != 0)
			continue;
		if ((r = fn(b, ud)) != 0)
			return r;
	}
	return 0;
}

/* A bucket consumer and its buffer, for ddb_stat_page. */
struct ddb_stat_walk {
	struct mt_stat_bucket *b;                             /* the bucket read */
	int (*fn)(const struct mt_stat_bucket *b, void *ud);  /* the caller's consumer */
	void *ud;                                             /* handed to fn */
};

/* Hands the buckets of one Query page to fn (a walk's page callback). */
static int ddb_stat_page(const cJSON *resp, void *ud)
{
	struct ddb_stat_walk *sw = ud;

	return ddb_stat_items(cJSON_GetObjectItemCaseSensitive(resp, "Items"), sw->b, sw->fn, sw->ud);
}

/* Hands fn the list's buckets with from_hour <= hour < to_hour: one Query, paged. */
int store_ddb_stat_range(struct store *st, const char *waitlist_id, int64_t from_hour, int64_t to_hour,
			 int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[DDB_STAT_PK_SIZE], lo[DDB_STAT_SK_SIZE], hi[DDB_STAT_SK_SIZE];
	struct ddb_stat_walk sw = { .fn = fn, .ud = ud };
	struct ddb_walk w = { .page = ddb_stat_page, .ud = &sw };
	cJSON *req, *vals;
	int r;

	if (waitlist_id == NULL || fn == NULL)
		return MT_EINVAL;
	if (from_hour < 0)
		from_hour = 0;
	if (to_hour <= from_hour)
		return 0;
	if ((sw.b = malloc(sizeof *sw.b)) == NULL)
		return MT_ENOMEM;
	store_ddb_fmt(pk, sizeof pk, "STAT#", waitlist_id);
	ddb_stat_sk(lo, sizeof lo, from_hour, 0);
	ddb_stat_sk(hi, sizeof hi, to_hour - 1, 99);
	if ((req = store_ddb_req(s)) != NULL) {
		cJSON_AddStringToObject(req, "KeyConditionExpression", "PK = :pk AND SK BETWEEN :lo AND :hi");
		vals = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		store_ddb_val_s(vals, ":pk", pk);
		store_ddb_val_s(vals, ":lo", lo);
		store_ddb_val_s(vals, ":hi", hi);
		cJSON_AddTrueToObject(req, "ConsistentRead");
	}
	r = store_ddb_query_walk(s, req, &w);
	free(sw.b);
	return r;
}

/* Hands fn the list's buckets of one size at the given hours: BatchGetItem
 * of up to DDB_STAT_BATCH keys, again with whatever the service left unprocessed. */
int store_ddb_stat_hours(struct store *st, const char *waitlist_id, int party_size, const int64_t *hours,
			 size_t nh, int (*fn)(const struct mt_stat_bucket *b, void *ud), void *ud)
{
	struct store_ddb *s = store_ddb_of(st);
	char pk[DDB_STAT_PK_SIZE], sk[DDB_STAT_SK_SIZE];
	struct mt_stat_bucket *b;
	cJSON *req, *ri, *tab, *keys, *k, *resp, *unproc;
	size_t i, done = 0;
	int r = 0, rounds;

	if (waitlist_id == NULL || fn == NULL || (nh > 0 && hours == NULL))
		return MT_EINVAL;
	if ((b = malloc(sizeof *b)) == NULL)
		return MT_ENOMEM;
	store_ddb_fmt(pk, sizeof pk, "STAT#", waitlist_id);
	while (r == 0 && done < nh) {
		size_t n = nh - done < DDB_STAT_BATCH ? nh - done : DDB_STAT_BATCH;

		req = cJSON_CreateObject();
		ri = req ? cJSON_AddObjectToObject(req, "RequestItems") : NULL;
		tab = ri ? cJSON_AddObjectToObject(ri, s->table) : NULL;
		keys = tab ? cJSON_AddArrayToObject(tab, "Keys") : NULL;
		if (keys == NULL) {
			cJSON_Delete(req);
			r = MT_ENOMEM;
			break;
		}
		cJSON_AddTrueToObject(tab, "ConsistentRead");
		for (i = 0; i < n; i++) {
			if ((k = cJSON_CreateObject()) == NULL)
				break;
			ddb_stat_sk(sk, sizeof sk, hours[done + i], party_size);
			store_ddb_put_s(k, "PK", pk);
			store_ddb_put_s(k, "SK", sk);
			cJSON_AddItemToArray(keys, k);
		}
		done += n;
		/* unprocessed keys (throttling) are asked again, a bounded number of times */
		for (rounds = 0; req != NULL && rounds < 8; rounds++) {
			if ((r = store_ddb_call(s, "BatchGetItem", req, &resp, NULL)) != 0)
				break;
			req = NULL;
			r = ddb_stat_items(cJSON_GetObjectItemCaseSensitive(
						   cJSON_GetObjectItemCaseSensitive(resp, "Responses"), s->table),
					   b, fn, ud);
			unproc = cJSON_GetObjectItemCaseSensitive(resp, "UnprocessedKeys");
			if (r == 0 && unproc != NULL && cJSON_GetArraySize(unproc) > 0) {
				req = cJSON_CreateObject();
				if (req == NULL)
					r = MT_ENOMEM;
				else
					cJSON_AddItemToObject(req, "RequestItems",
							      cJSON_DetachItemFromObjectCaseSensitive(resp, "UnprocessedKeys"));
			}
			cJSON_Delete(resp);
			if (r != 0)
				break;
		}
		if (req != NULL) {
			cJSON_Delete(req);
			if (r == 0)
				r = MT_EBUSY;
		}
	}
	free(b);
	return r;
}
