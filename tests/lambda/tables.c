/* Prints maitred's route table and the handler table as JSON, for the
 * template test (test-template.py): {"routes":[{"method","path","handler",
 * "protected"}...],"handlers":[...],"accessTtl":N}. */
#include <stdio.h>
#include <cjson/cJSON.h>
#include "core/config.h"
#include "daemon/maitred.h"
#include "handlers/handler.h"

int main(void)
{
	cJSON *o = cJSON_CreateObject(), *routes, *handlers;
	const struct route *r;
	const struct mt_handler *h;
	char *s;

	if (o == NULL)
		return 1;
	routes = cJSON_AddArrayToObject(o, "routes");
	handlers = cJSON_AddArrayToObject(o, "handlers");
	for (r = maitred_routes; r->method != NULL; r++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "method", r->method);
		cJSON_AddStringToObject(e, "path", r->pattern);
		cJSON_AddStringToObject(e, "handler", r->handler);
		cJSON_AddBoolToObject(e, "protected", r->protected != 0);
		cJSON_AddItemToArray(routes, e);
	}
	for (h = mt_handlers; h->name != NULL; h++)
		cJSON_AddItemToArray(handlers, cJSON_CreateString(h->name));
	cJSON_AddNumberToObject(o, "accessTtl", MT_ACCESS_TTL_DEFAULT);
	s = cJSON_PrintUnformatted(o);
	if (s == NULL)
		return 1;
	puts(s);
	cJSON_free(s);
	cJSON_Delete(o);
	return 0;
}
