/* The one Query pager of the DynamoDB store: sends a Query page after page
 * (ExclusiveStartKey from the last LastEvaluatedKey) and hands each item,
 * then each whole page, to the caller, until the partition ends, a limit is
 * reached, or a callback stops the walk. */
#include <stddef.h>
#include "core/error.h"
#include "store/store-dynamodb-private.h"

/* Hands the items of one page to w->item; sets *stop when the walk ends
 * here (limit reached or DDB_WALK_STOP). 0 or MT_E*. */
static int ddb_walk_items(struct ddb_walk *w, const cJSON *resp, int *stop)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(resp, "Items");
	int i, n = cJSON_GetArraySize(arr), r;

	for (i = 0; i < n && w->item; i++) {
		if (w->limit > 0 && w->took >= w->limit)
			break;
		r = w->item(cJSON_GetArrayItem(arr, i), w->ud);
		if (r < 0)
			return r;
		if (r == DDB_WALK_STOP) {
			*stop = 1;
			return 0;
		}
		w->took += r;
	}
	if (w->limit > 0 && w->took >= w->limit)
		*stop = 1;
	return 0;
}

/* Sends req (consumed; a Query without Limit or ExclusiveStartKey) page
 * after page as struct ddb_walk says. 0 or MT_E*. */
int store_ddb_query_walk(struct store_ddb *s, cJSON *req, struct ddb_walk *w)
{
	cJSON *page, *resp, *lek;
	int rc = 0, stop = 0;

	w->took = 0;
	if (req == NULL) {
		cJSON_Delete(w->start);
		w->start = NULL;
		return MT_ENOMEM;
	}
	for (;;) {
		page = cJSON_Duplicate(req, 1);
		if (page == NULL) {
			rc = MT_ENOMEM;
			break;
		}
		if (w->limit > 0)
			cJSON_AddNumberToObject(page, "Limit", w->limit - w->took + w->extra);
		if (w->start) {
			cJSON_AddItemToObject(page, "ExclusiveStartKey", w->start);
			w->start = NULL;
		}
		rc = store_ddb_call(s, "Query", page, &resp, NULL);
		if (rc != 0)
			break;
		rc = ddb_walk_items(w, resp, &stop);
		if (rc == 0 && !stop && w->page)
			rc = w->page(resp, w->ud);
		lek = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
		cJSON_Delete(resp);
		if (rc != 0 || stop || lek == NULL) {
			cJSON_Delete(lek);
			break;
		}
		w->start = lek;
	}
	cJSON_Delete(w->start);
	w->start = NULL;
	cJSON_Delete(req);
	return rc;
}
