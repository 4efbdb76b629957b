/* Who may call what: the one permission table of the protected routes
 * (handlers/access.c) and the check every protected handler makes first.
 *
 * Roles (docs/staff.md has the matrix as a table):
 *   owner    everything in its restaurant;
 *   manager  what a host can do, plus lists and their settings, staff of
 *            role host, stats, reading the restaurant;
 *   host     the waitees of the restaurant's lists, reading lists, the
 *            handover, the activity, its own password.
 * Another restaurant's record still answers 404 (the handlers look every
 * record up through the caller's tenant); a role the table does not allow
 * answers 403 {"error":"forbidden"}; an account that must change its
 * password answers 403 {"error":"password_change_required"} on every route
 * but those marked MT_ACCESS_DURING_PW_CHANGE. A route missing from the
 * table answers 404 no_route, as if it did not exist (fail closed;
 * tests/unit/test-access.c checks that every protected route of
 * daemon/routes.c has a row). */
#ifndef MT_HANDLERS_ACCESS_H
#define MT_HANDLERS_ACCESS_H

#include <cjson/cJSON.h>

#define MT_ACCESS_OWNER   0x1u   /* role "owner" */
#define MT_ACCESS_MANAGER 0x2u   /* role "manager" */
#define MT_ACCESS_HOST    0x4u   /* role "host" */
#define MT_ACCESS_LEADS   (MT_ACCESS_OWNER | MT_ACCESS_MANAGER)
#define MT_ACCESS_ALL     (MT_ACCESS_OWNER | MT_ACCESS_MANAGER | MT_ACCESS_HOST)

#define MT_ACCESS_DURING_PW_CHANGE 1   /* allowed while the account must change its password */

/* The authorizer context key that is "1" while the account must change its
 * password (handlers/authorizer.c sets it). */
#define MT_ACCESS_PW_CHANGE_KEY "pwChange"

/* One row of the table. */
struct mt_access_rule {
	const char *route_key;   /* API Gateway route key, "METHOD /path/{param}", as in daemon/routes.c */
	unsigned roles;          /* MT_ACCESS_* bits of the roles allowed */
	int pw_change_ok;        /* MT_ACCESS_DURING_PW_CHANGE or 0 */
};

/* The table, terminated by a row whose route_key is NULL. */
extern const struct mt_access_rule mt_access_rules[];

/* The MT_ACCESS_* bit of a role name; 0 for NULL or an unknown role. */
unsigned mt_access_role_bit(const char *role);

/* The row of a route key; NULL when the table has none. */
const struct mt_access_rule *mt_access_find(const char *route_key);

/* 1 when role may call route_key (pw change not considered), else 0. */
int mt_access_allowed(const char *route_key, const char *role);

/* Checks the caller of a route event (its routeKey and the authorizer
 * context's role and pwChange). NULL when allowed; else the response to
 * give: 403 password_change_required, 403 forbidden, or 404 no_route when
 * the route has no row. */
cJSON *mt_access_check(const cJSON *event);

#endif
