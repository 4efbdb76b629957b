/* GET /healthz: liveness and store reachability. */
#include "handlers/handler.h"
#include "apigw/apigw.h"
#include "store/store.h"

/* Answers 200 {"status":"ok","store":NAME}. */
cJSON *handler_healthz(struct mt_ctx *ctx, const cJSON *event)
{
	cJSON *body = cJSON_CreateObject();

	(void)event;
	if (body == NULL)
		return NULL;
	cJSON_AddStringToObject(body, "status", "ok");
	cJSON_AddStringToObject(body, "store", ctx->store ? ctx->store->ops->name : "none");
	return mt_resp(200, body);
}
