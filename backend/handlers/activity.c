/* The activity log of a waitlist (issue 10 part 3), and the restaurant-wide
 * one (staff accounts, lists deleted; owner and managers):
 *   GET /waitlists/{waitlistId}/activity?since=MS&limit=N&cursor=C
 *   GET /activity?since=MS&limit=N&cursor=C
 * Newest first, paged like every list (X-Next-Cursor, Link). An entry names
 * its actor (a staff account with its current name, or "guest" / "notifier")
 * and its party by id and size; the party's name is joined from its record
 * while that exists, so an erased or deleted party shows no name. Any role
 * of the restaurant may read it (handlers/access.c); another restaurant's
 * list answers 404. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apigw/apigw.h"
#include "core/error.h"
#include "core/id.h"
#include "handlers/access.h"
#include "handlers/activity-view.h"
#include "handlers/crud.h"
#include "handlers/handler.h"
#include "store/store.h"

/* Reads ?since= (epoch ms, >= 0) into *since; NULL or a 400. */
static cJSON *activity_since(const cJSON *event, int64_t *since)
{
	const char *q = mt_event_query(event, "since");
	char *end;
	long long v;

	*since = 0;
	if (q == NULL || *q == '\0')
		return NULL;
	errno = 0;
	v = strtoll(q, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return mt_resp_error(400, "invalid_parameter", "since", "since must be a time in epoch milliseconds");
	*since = (int64_t)v;
	return NULL;
}

/* GET /waitlists/{waitlistId}/activity and GET /activity. */
cJSON *handler_activity(struct mt_ctx *ctx, const cJSON *event)
{
	const char *tenant = mt_event_auth(event, "tenantId");
	const char *wl_id = mt_event_path_param(event, "waitlistId");
	const char *route = mt_event_route(event);
	struct mt_activity *items = NULL;
	int restaurant_wide;
	struct activity_names names;
	struct store_page page;
	struct mt_waitlist wl;
	char *next = NULL, path[MT_ID_SIZE + 32];
	int64_t since;
	size_t n = 0, i;
	cJSON *arr, *resp;
	int r;

	if (tenant == NULL || tenant[0] == '\0' || strlen(tenant) >= MT_ID_SIZE)
		return mt_resp_error(401, "unauthorized", NULL, "a valid access token is required");
	if (ctx == NULL || ctx->store == NULL)
		return mt_resp_error(500, "internal", NULL, "no store configured");
	if ((resp = mt_access_check(event)) != NULL)
		return resp;
	restaurant_wide = route != NULL && strcmp(route, "GET /activity") == 0;
	if (!restaurant_wide && (wl_id == NULL || !mt_id_valid(wl_id)))
		return mt_resp_from_err(MT_ENOTFOUND, "waitlist");
	if ((resp = crud_page_args(event, &page)) != NULL || (resp = activity_since(event, &since)) != NULL)
		return resp;
	memset(&wl, 0, sizeof wl);
	r = restaurant_wide ? 0 : ctx->store->ops->waitlist_peek(ctx->store, tenant, wl_id, &wl);
	if (r < 0)
		return mt_resp_from_err(r, "waitlist");
	r = ctx->store->ops->activity_list(ctx->store, tenant, wl.id, since, &page, &items, &n, &next);
	if (r == MT_EINVAL)
		return mt_resp_error(400, "invalid_cursor", "cursor", "cursor is not one this server gave");
	if (r < 0)
		return mt_resp_from_err(r, "activity");
	activity_names_init(&names);
	arr = cJSON_CreateArray();
	for (i = 0; arr != NULL && i < n; i++) {
		cJSON *o = activity_entry_json(ctx, &names, &items[i]);

		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			arr = NULL;
		}
	}
	free(items);
	if (arr == NULL) {
		free(next);
		return NULL;
	}
	resp = mt_resp(200, arr);
	if (restaurant_wide)
		snprintf(path, sizeof path, "/activity");
	else
		snprintf(path, sizeof path, "/waitlists/%s/activity", wl.id);
	if (resp != NULL && next != NULL && crud_next_headers(resp, path, page.limit, NULL, next) < 0) {
		cJSON_Delete(resp);
		resp = NULL;
	}
	free(next);
	return resp;
}
