/* The handler table: every function the backend exposes, by name. maitred's
 * route table (daemon/routes.c) and the Lambda bootstrap (_HANDLER) both
 * resolve names here. */
#include <string.h>
#include "handlers/handler.h"

const struct mt_handler mt_handlers[] = {
	{ "healthz", handler_healthz },
	{ "register", handler_register },
	{ "token", handler_token },
	{ "refresh", handler_refresh },
	{ "logout", handler_logout },
	{ "authorizer", handler_authorizer },
	{ "waitlists", handler_waitlists },
	{ "waitees", handler_waitees },
	{ "producer", handler_producer },
	{ "consumer", handler_consumer },
	{ "sms-hook", handler_sms_hook },
	{ "guest", handler_guest },
	{ "checkin", handler_checkin },
	{ "staff", handler_staff },
	{ "password", handler_password },
	{ "restaurant", handler_restaurant },
	{ "stats", handler_stats },
	{ "activity", handler_activity },
	{ "handover", handler_handover },
	{ "purge", handler_purge },
	{ NULL, NULL },
};

/* Looks up a handler by name; NULL when unknown. */
const struct mt_handler *mt_handler_find(const char *name)
{
	const struct mt_handler *h;

	for (h = mt_handlers; h->name != NULL; h++)
		if (strcmp(h->name, name) == 0)
			return h;
	return NULL;
}
