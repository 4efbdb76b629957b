/* The route table: every HTTP route maitred answers, in one place. Route
 * keys are the API Gateway ones, so the same handler sees the same event
 * locally and on Lambda. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/url.h"
#include "daemon/maitred.h"

/* R: answered on the HTTP threads; W: on the write pool (writers.c): a
 * request that is cheap in CPU and waits on a durable commit. Logins and
 * registration stay on the HTTP threads: their password hash is CPU (and
 * 19 MiB of memory) per request, so the few HTTP threads bound them. */
#define R(m, p, h, prot) { m, p, m " " p, h, prot, 0 }
#define W(m, p, h, prot) { m, p, m " " p, h, prot, 1 }

const struct route maitred_routes[] = {
	R("GET", "/healthz", "healthz", 0),
	R("POST", "/register", "register", 0),
	R("POST", "/auth/get-token", "token", 0),
	W("POST", "/auth/refresh", "refresh", 0),
	W("POST", "/auth/logout", "logout", 0),
	W("POST", "/hooks/sms", "sms-hook", 0),   /* the handler checks its own secret */
	R("GET", "/g/{token}", "guest", 0),        /* guest pages: the token in the path is the credential */
	W("POST", "/g/{token}", "guest", 0),
	R("GET", "/j/{slug}", "checkin", 0),       /* self check-in: open only when the owner turned it on */
	W("POST", "/j/{slug}", "checkin", 0),

	R("GET", "/waitlists", "waitlists", 1),
	W("POST", "/waitlists", "waitlists", 1),
	R("GET", "/waitlists/{waitlistId}", "waitlists", 1),
	W("PUT", "/waitlists/{waitlistId}", "waitlists", 1),
	W("DELETE", "/waitlists/{waitlistId}", "waitlists", 1),

	R("GET", "/waitlists/{waitlistId}/waitees", "waitees", 1),
	W("POST", "/waitlists/{waitlistId}/waitees", "waitees", 1),
	R("GET", "/waitlists/{waitlistId}/waitees/{waiteeId}", "waitees", 1),
	W("PUT", "/waitlists/{waitlistId}/waitees/{waiteeId}", "waitees", 1),
	W("DELETE", "/waitlists/{waitlistId}/waitees/{waiteeId}", "waitees", 1),
	W("POST", "/waitlists/{waitlistId}/waitees/{waiteeId}/notify", "waitees", 1),

	R("POST", "/auth/password", "password", 1),   /* also while a password change is pending */
	R("GET", "/staff", "staff", 1),
	R("POST", "/staff", "staff", 1),
	R("GET", "/staff/{staffId}", "staff", 1),
	R("PUT", "/staff/{staffId}", "staff", 1),
	R("POST", "/staff/{staffId}/password", "staff", 1),
	R("GET", "/restaurant", "restaurant", 1),
	W("PUT", "/restaurant", "restaurant", 1),
	R("GET", "/waitlists/{waitlistId}/stats", "stats", 1),
	R("GET", "/waitlists/{waitlistId}/estimate", "stats", 1),
	R("GET", "/waitlists/{waitlistId}/activity", "activity", 1),
	R("GET", "/activity", "activity", 1),
	R("GET", "/waitlists/{waitlistId}/handover", "handover", 1),
	W("PUT", "/waitlists/{waitlistId}/handover", "handover", 1),
	R("GET", "/waitlists/{waitlistId}/handover/summary", "handover", 1),
	W("POST", "/waitlists/{waitlistId}/handover/ack", "handover", 1),
	{ NULL, NULL, NULL, NULL, 0, 0 },
};

/* Checks that every route names a known handler. */
int routes_check(char **cause)
{
	const struct route *r;

	*cause = NULL;
	if (mt_handler_find("authorizer") == NULL) {
		*cause = strdup("the handler table has no 'authorizer'");
		return -1;
	}
	for (r = maitred_routes; r->method != NULL; r++) {
		if (mt_handler_find(r->handler) == NULL) {
			size_t n = strlen(r->handler) + strlen(r->route_key) + 64;

			*cause = malloc(n);
			if (*cause)
				snprintf(*cause, n, "route '%s' names unknown handler '%s'", r->route_key, r->handler);
			return -1;
		}
	}
	return 0;
}

/* Matches path against pattern; fills params into m when fill. 1 on match. */
static int routes_match_one(const char *pattern, const char *path, struct route_match *m, int fill)
{
	const char *p = pattern, *q = path;
	size_t used = 0, np = 0;

	while (*p == '/' && *q == '/') {
		const char *pe, *qe;
		size_t pl, ql;

		p++;
		q++;
		pe = strchr(p, '/');
		qe = strchr(q, '/');
		pl = pe ? (size_t)(pe - p) : strlen(p);
		ql = qe ? (size_t)(qe - q) : strlen(q);
		if (pl > 1 && p[0] == '{' && p[pl - 1] == '}') {
			long dl;

			if (ql == 0 || np >= ROUTE_PARAMS_MAX)
				return 0;
			if (fill) {
				dl = mt_url_decode(q, ql, m->buf + used, sizeof m->buf - used, 0);
				if (dl <= 0)
					return 0;
				m->params[np].name = p + 1;
				m->params[np].name_len = pl - 2;
				m->params[np].value = m->buf + used;
				used += (size_t)dl + 1;
			}
			np++;
		} else if (pl != ql || memcmp(p, q, pl) != 0) {
			return 0;
		}
		p += pl;
		q += ql;
	}
	if (*p != '\0' || *q != '\0')
		return 0;
	if (fill)
		m->n_params = np;
	return 1;
}

/* Matches method + raw path and says whether the route runs on the write pool. */
int routes_pooled(const char *method, const char *path)
{
	struct route_match m;

	/* reads never wait on a commit */
	if (method[0] == 'G' || method[0] == 'H')
		return 0;
	return routes_match(method, path, &m) == ROUTE_FOUND && m.route->pooled;
}

/* Matches method + path. */
enum route_result routes_match(const char *method, const char *path, struct route_match *m)
{
	const struct route *r;
	int path_known = 0;

	m->route = NULL;
	m->n_params = 0;
	m->allow[0] = '\0';
	for (r = maitred_routes; r->method != NULL; r++) {
		if (!routes_match_one(r->pattern, path, m, 0))
			continue;
		path_known = 1;
		if (strcmp(r->method, method) == 0) {
			if (!routes_match_one(r->pattern, path, m, 1))
				return ROUTE_NOT_FOUND;   /* a parameter did not decode */
			m->route = r;
			return ROUTE_FOUND;
		}
	}
	if (!path_known)
		return ROUTE_NOT_FOUND;
	for (r = maitred_routes; r->method != NULL; r++) {
		size_t l = strlen(m->allow);

		if (routes_match_one(r->pattern, path, m, 0) && strstr(m->allow, r->method) == NULL)
			snprintf(m->allow + l, sizeof m->allow - l, "%s%s", l ? ", " : "", r->method);
	}
	return ROUTE_BAD_METHOD;
}
