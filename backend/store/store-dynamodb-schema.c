/* The DynamoDB table of the store: key schema, the sparse due and phone
 * indexes, creating the table and waiting until it is active. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/error.h"
#include "store/store-dynamodb-private.h"
/* Adds {"AttributeName": n, "KeyType": t} to a key schema array. */
static void ddb_keyschema(cJSON *arr, const char *n, const char *t)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return;
	cJSON_AddStringToObject(o, "AttributeName", n);
	cJSON_AddStringToObject(o, "KeyType", t);
	cJSON_AddItemToArray(arr, o);
}

/* Adds a GSI definition (projection ALL) to an array. */
static void ddb_gsi(cJSON *arr, const char *name, const char *pk, const char *sk)
{
	cJSON *o = cJSON_CreateObject(), *ks, *pr;

	if (o == NULL)
		return;
	cJSON_AddStringToObject(o, "IndexName", name);
	ks = cJSON_AddArrayToObject(o, "KeySchema");
	ddb_keyschema(ks, pk, "HASH");
	ddb_keyschema(ks, sk, "RANGE");
	pr = cJSON_AddObjectToObject(o, "Projection");
	cJSON_AddStringToObject(pr, "ProjectionType", "ALL");
	cJSON_AddItemToArray(arr, o);
}

/* Table state from DescribeTable: 1 = ACTIVE with every index ACTIVE,
 * 0 = still being made; *indexes counts GSI1 and GSI2 present. */
static int ddb_table_active(const cJSON *resp, int *indexes)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(resp, "Table");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(t, "TableStatus");
	const cJSON *g, *gs, *gn;
	int active = cJSON_IsString(st) && strcmp(st->valuestring, "ACTIVE") == 0;

	*indexes = 0;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(t, "GlobalSecondaryIndexes")) {
		gs = cJSON_GetObjectItemCaseSensitive(g, "IndexStatus");
		gn = cJSON_GetObjectItemCaseSensitive(g, "IndexName");
		if (cJSON_IsString(gs) && strcmp(gs->valuestring, "ACTIVE") != 0)
			active = 0;
		if (cJSON_IsString(gn) && (strcmp(gn->valuestring, "GSI1") == 0 || strcmp(gn->valuestring, "GSI2") == 0))
			(*indexes)++;
	}
	return active;
}

/* Sends CreateTable for the table and its two sparse indexes. */
static int ddb_create_table(struct store_ddb *s, char *etype)
{
	static const char *const attrs[] = { "PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", NULL };
	cJSON *req = store_ddb_req(s), *ad, *ks, *gs, *o;
	int i;

	if (req == NULL)
		return MT_ENOMEM;
	ad = cJSON_AddArrayToObject(req, "AttributeDefinitions");
	for (i = 0; attrs[i]; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "AttributeName", attrs[i]);
		cJSON_AddStringToObject(o, "AttributeType", "S");
		cJSON_AddItemToArray(ad, o);
	}
	ks = cJSON_AddArrayToObject(req, "KeySchema");
	ddb_keyschema(ks, "PK", "HASH");
	ddb_keyschema(ks, "SK", "RANGE");
	gs = cJSON_AddArrayToObject(req, "GlobalSecondaryIndexes");
	ddb_gsi(gs, "GSI1", "GSI1PK", "GSI1SK");
	ddb_gsi(gs, "GSI2", "GSI2PK", "GSI2SK");
	cJSON_AddStringToObject(req, "BillingMode", "PAY_PER_REQUEST");
	return store_ddb_call(s, "CreateTable", req, NULL, etype);
}

/* Makes sure the table exists with its indexes, idempotently: one
 * DescribeTable when it is there already (the usual start of maitred or a
 * Lambda), else CreateTable (ResourceInUse from a racing creator is fine),
 * wait until ACTIVE, and turn TTL on (where the service supports it). */
int store_ddb_init_schema(struct store *st)
{
	struct store_ddb *s = store_ddb_of(st);
	cJSON *req, *resp, *spec;
	char etype[128];
	struct timespec ts = { 0, 100000000L };
	int rc, i, created = 0, active = 0, indexes = 0;

	for (i = 0; i < 1800; i++) {   /* up to 3 minutes on real DynamoDB */
		rc = store_ddb_call(s, "DescribeTable", store_ddb_req(s), &resp, etype);
		if (rc != 0 && strcmp(etype, "ResourceNotFoundException") == 0 && !created) {
			rc = ddb_create_table(s, etype);
			if (rc != 0 && strcmp(etype, "ResourceInUseException") != 0) {
				store_ddb_log("CreateTable", etype);
				return rc;
			}
			created = 1;
			continue;
		}
		if (rc != 0) {
			store_ddb_log("DescribeTable", etype);
			return rc;
		}
		active = ddb_table_active(resp, &indexes);
		cJSON_Delete(resp);
		if (active)
			break;
		nanosleep(&ts, NULL);
	}
	if (!active) {
		store_ddb_log("init_schema", "table did not become ACTIVE in time");
		return MT_EBUSY;
	}
	if (indexes != 2) {
		store_ddb_log("init_schema", "the table exists but lacks index GSI1 or GSI2 (see deploy/table.yaml)");
		return MT_EIO;
	}
	if (!created)
		return 0;
	req = store_ddb_req(s);
	spec = req ? cJSON_AddObjectToObject(req, "TimeToLiveSpecification") : NULL;
	if (spec) {
		cJSON_AddTrueToObject(spec, "Enabled");
		cJSON_AddStringToObject(spec, "AttributeName", "ttl");
	}
	rc = store_ddb_call(s, "UpdateTimeToLive", req, NULL, etype);
	/* dynalite lacks UpdateTimeToLive; real DynamoDB says ValidationException
	 * when TTL is already on. Neither keeps the store from working (reads
	 * filter expired items); anything else is worth a line in the log. */
	if (rc != 0 && strcmp(etype, "UnknownOperationException") != 0 &&
	    strcmp(etype, "ValidationException") != 0)
		store_ddb_log("UpdateTimeToLive (TTL stays off)", etype);
	return 0;
}
