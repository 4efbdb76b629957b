/* Placeholder: answers 501 until this handler is written. */
#include "handlers/handler.h"
#include "runtime/apigw.h"

cJSON *handler_logout(struct mt_ctx *ctx, const cJSON *event)
{
	(void)ctx;
	(void)event;
	return mt_resp_error(501, "not_implemented", NULL, "handler 'logout' is not implemented yet");
}
