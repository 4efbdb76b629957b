/* The permission table of every protected route and its check
 * (handlers/access.h). To add a route: add its row here, next to its
 * neighbours, with the roles that may call it. */
#include <string.h>
#include "handlers/access.h"
#include "apigw/apigw.h"

#define OWN MT_ACCESS_OWNER
#define LEADS MT_ACCESS_LEADS
#define ALL MT_ACCESS_ALL

const struct mt_access_rule mt_access_rules[] = {
	/* waitlists: everyone reads, owner and managers write */
	{ "GET /waitlists", ALL, 0 },
	{ "POST /waitlists", LEADS, 0 },
	{ "GET /waitlists/{waitlistId}", ALL, 0 },
	{ "PUT /waitlists/{waitlistId}", LEADS, 0 },
	{ "DELETE /waitlists/{waitlistId}", LEADS, 0 },

	/* waitees: every role, all methods */
	{ "GET /waitlists/{waitlistId}/waitees", ALL, 0 },
	{ "POST /waitlists/{waitlistId}/waitees", ALL, 0 },
	{ "GET /waitlists/{waitlistId}/waitees/{waiteeId}", ALL, 0 },
	{ "PUT /waitlists/{waitlistId}/waitees/{waiteeId}", ALL, 0 },
	{ "DELETE /waitlists/{waitlistId}/waitees/{waiteeId}", ALL, 0 },
	{ "POST /waitlists/{waitlistId}/waitees/{waiteeId}/notify", ALL, 0 },

	/* one's own password: everyone, and the one route open while a change is pending */
	{ "POST /auth/password", ALL, MT_ACCESS_DURING_PW_CHANGE },

	/* staff: owner and managers (staff.c holds a manager to accounts of role host) */
	{ "GET /staff", LEADS, 0 },
	{ "POST /staff", LEADS, 0 },
	{ "GET /staff/{staffId}", LEADS, 0 },
	{ "PUT /staff/{staffId}", LEADS, 0 },
	{ "POST /staff/{staffId}/password", LEADS, 0 },

	/* the restaurant: the owner writes, managers read */
	{ "GET /restaurant", LEADS, 0 },
	{ "PUT /restaurant", OWN, 0 },

	/* stats (docs/stats.md): owner and managers; the estimate comes with the add, so every role */
	{ "GET /waitlists/{waitlistId}/stats", LEADS, 0 },
	{ "GET /waitlists/{waitlistId}/estimate", ALL, 0 },
	/* the activity log and the shift handover: every role (hosts hand over to hosts) */
	{ "GET /waitlists/{waitlistId}/activity", ALL, 0 },
	{ "GET /activity", LEADS, 0 },   /* restaurant-wide: staff accounts, lists deleted */
	{ "GET /waitlists/{waitlistId}/handover", ALL, 0 },
	{ "PUT /waitlists/{waitlistId}/handover", ALL, 0 },
	{ "GET /waitlists/{waitlistId}/handover/summary", ALL, 0 },
	{ "POST /waitlists/{waitlistId}/handover/ack", ALL, 0 },
	{ NULL, 0, 0 },
};

/* The MT_ACCESS_* bit of a role name; 0 for NULL or an unknown role. */
unsigned mt_access_role_bit(const char *role)
{
	if (role == NULL)
		return 0;
	if (strcmp(role, "owner") == 0)
		return MT_ACCESS_OWNER;
	if (strcmp(role, "manager") == 0)
		return MT_ACCESS_MANAGER;
	if (strcmp(role, "host") == 0)
		return MT_ACCESS_HOST;
	return 0;
}

/* The row of a route key; NULL when the table has none. */
const struct mt_access_rule *mt_access_find(const char *route_key)
{
	const struct mt_access_rule *r;

	if (route_key == NULL)
		return NULL;
	for (r = mt_access_rules; r->route_key != NULL; r++)
		if (strcmp(r->route_key, route_key) == 0)
			return r;
	return NULL;
}

/* 1 when role may call route_key (pw change not considered), else 0. */
int mt_access_allowed(const char *route_key, const char *role)
{
	const struct mt_access_rule *r = mt_access_find(route_key);

	return r != NULL && (r->roles & mt_access_role_bit(role)) != 0;
}

/* Checks the caller of a route event: NULL when allowed, else the 403 (404 for a route without a row). */
cJSON *mt_access_check(const cJSON *event)
{
	const char *route = mt_event_route(event);
	const char *role = mt_event_auth(event, "role");
	const char *pwc = mt_event_auth(event, MT_ACCESS_PW_CHANGE_KEY);
	const struct mt_access_rule *r = mt_access_find(route);

	if (r == NULL)
		return mt_resp_error(404, "no_route", NULL, "no such route");   /* fail closed */
	if (pwc != NULL && strcmp(pwc, "1") == 0 && r->pw_change_ok != MT_ACCESS_DURING_PW_CHANGE)
		return mt_resp_error(403, "password_change_required", NULL,
				     "change your password first (POST /auth/password)");
	if ((r->roles & mt_access_role_bit(role)) == 0)
		return mt_resp_error(403, "forbidden", NULL, "your role (%s) may not do this",
				     role != NULL && mt_access_role_bit(role) != 0 ? role : "none");
	return NULL;
}
