/* Staff accounts of the caller's restaurant (docs/staff.md):
 *   GET  /staff                        the accounts, in creation order, paged
 *   POST /staff                        {email, name, role, password}: a new account
 *                                      that must change its password at first login
 *   GET  /staff/{staffId}              one account
 *   PUT  /staff/{staffId}              {name, role, disabled}: partial, conditional on
 *                                      If-Match or a body `version`
 *   POST /staff/{staffId}/password     {password}: reset; the account must change it again
 * The permission table (handlers/access.c) lets the owner and managers in;
 * here a manager is held to accounts of role host (and may read its own),
 * and nobody may demote or disable the owner. Another restaurant's id
 * answers 404. Disabling an account, changing its role or resetting its
 * password revokes its sessions at once (revoked_before: refresh tokens are
 * refused now, access tokens once the authorizer's cache has let go). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"
#include "core/id.h"
#include "core/validate.h"
#include "handlers/access.h"
#include "handlers/activity-log.h"
#include "handlers/crud.h"
#include "handlers/field.h"
#include "handlers/handler.h"
#include "apigw/apigw.h"
#include "store/store.h"

/* Who is asking. */
struct staff_caller {
	const char *tenant;   /* restaurant (authorizer context) */
	const char *sub;      /* account id */
	const char *role;     /* "owner", "manager" or "host" */
};

/* Adds an account's public fields (never the hash or login counters) to obj. */
static int staff_to_json(const struct mt_user *u, cJSON *o)
{
	if (cJSON_AddStringToObject(o, "id", u->id) == NULL ||
	    cJSON_AddStringToObject(o, "email", u->email) == NULL ||
	    cJSON_AddStringToObject(o, "name", u->name) == NULL ||
	    cJSON_AddStringToObject(o, "role", u->role) == NULL ||
	    cJSON_AddBoolToObject(o, "disabled", u->disabled) == NULL ||
	    cJSON_AddBoolToObject(o, "mustChangePassword", u->must_change_password) == NULL ||
	    cJSON_AddNumberToObject(o, "createdAt", (double)u->created_at) == NULL ||
	    cJSON_AddNumberToObject(o, "updatedAt", (double)u->updated_at) == NULL ||
	    cJSON_AddNumberToObject(o, "version", (double)u->version) == NULL)
		return MT_ENOMEM;
	return 0;
}

/* The answer with one account, its ETag and optionally Location. */
static cJSON *staff_one(int status, const struct mt_user *u, int location)
{
	cJSON *b = cJSON_CreateObject(), *resp;
	char etag[32], loc[64];

	if (b == NULL || staff_to_json(u, b) < 0) {
		cJSON_Delete(b);
		return NULL;
	}
	resp = mt_resp(status, b);
	snprintf(etag, sizeof etag, "\"%lld\"", (long long)u->version);
	snprintf(loc, sizeof loc, "/staff/%s", u->id);
	if (resp != NULL && (mt_resp_header(resp, "etag", etag) < 0 ||
			     (location && mt_resp_header(resp, "location", loc) < 0))) {
		cJSON_Delete(resp);
		return NULL;
	}
	return resp;
}

/* 1 when the caller may manage account u (a manager: hosts only). */
static int staff_may_manage(const struct staff_caller *c, const struct mt_user *u)
{
	if (strcmp(c->role, "owner") == 0)
		return 1;
	return strcmp(c->role, "manager") == 0 && strcmp(u->role, "host") == 0;
}

/* 403 for an account the caller's role may not manage. */
static cJSON *staff_refused(const struct staff_caller *c)
{
	return mt_resp_error(403, "forbidden", NULL, "a %s may manage only accounts of role host", c->role);
}

/* Loads account id of the caller's restaurant; NULL (u filled) or the answer. */
static cJSON *staff_load(struct mt_ctx *ctx, const struct staff_caller *c, const char *id, struct mt_user *u)
{
	int r;

	if (id == NULL || !mt_id_valid(id))
		return mt_resp_from_err(MT_ENOTFOUND, "staff account");
	r = ctx->store->ops->user_get(ctx->store, id, u);
	if (r == 0 && strcmp(u->tenant_id, c->tenant) != 0)
		r = MT_ENOTFOUND;   /* another restaurant's: exactly as a missing one */
	if (r < 0)
		return mt_resp_from_err(r, "staff account");
	return NULL;
}

/* Records a change of account `after` in the restaurant-wide activity log
 * (before NULL = created): the fields changed, role and disabled before
 * and after; never a password or its hash. */
static void staff_activity(struct mt_ctx *ctx, const cJSON *event, const char *action, const struct mt_user *before,
			   const struct mt_user *after)
{
	struct activity_actor who = activity_staff(event);
	char fields[64] = "", b[96], a[96];

	if (before != NULL) {
		snprintf(fields, sizeof fields, "%s%s%s%s%s", strcmp(before->name, after->name) ? "name" : "",
			 strcmp(before->name, after->name) && strcmp(before->role, after->role) ? "," : "",
			 strcmp(before->role, after->role) ? "role" : "",
			 (strcmp(before->name, after->name) || strcmp(before->role, after->role)) &&
					 before->disabled != after->disabled ? "," : "",
			 before->disabled != after->disabled ? "disabled" : "");
		snprintf(b, sizeof b, "{\"role\":\"%s\",\"disabled\":%s}", before->role, before->disabled ? "true" : "false");
	}
	snprintf(a, sizeof a, "{\"role\":\"%s\",\"disabled\":%s}", after->role, after->disabled ? "true" : "false");
	(void)activity_append(ctx, after->tenant_id, NULL, &who, action, after->id, 0, fields, before ? b : NULL, a, NULL);
}

/* GET /staff: the restaurant's accounts (a manager sees the hosts and itself). */
static cJSON *staff_list(struct mt_ctx *ctx, const cJSON *event, const struct staff_caller *c)
{
	struct store_page page;
	struct mt_user *items = NULL;
	size_t n = 0, i;
	char *next = NULL;
	cJSON *resp, *arr;
	int r;

	resp = crud_page_args(event, &page);
	if (resp != NULL)
		return resp;
	r = ctx->store->ops->user_list(ctx->store, c->tenant, &page, &items, &n, &next);
	if (r == MT_EINVAL)
		return mt_resp_error(400, "invalid_cursor", "cursor", "cursor is not one this server gave");
	if (r < 0)
		return mt_resp_from_err(r, "staff list");
	arr = cJSON_CreateArray();
	for (i = 0; arr != NULL && i < n; i++) {
		cJSON *o;

		if (!staff_may_manage(c, &items[i]) && strcmp(items[i].id, c->sub) != 0)
			continue;
		o = cJSON_CreateObject();
		if (o == NULL || staff_to_json(&items[i], o) < 0 || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			arr = NULL;
		}
	}
	sodium_memzero(items, n * sizeof *items);
	free(items);
	resp = arr != NULL ? mt_resp(200, arr) : NULL;
	if (resp != NULL && next != NULL && crud_next_headers(resp, "/staff", page.limit, NULL, next) < 0) {
		cJSON_Delete(resp);
		resp = NULL;
	}
	free(next);
	return resp;
}

/* Reads the `role` field for an account the caller sets; NULL or a 400/403. */
static cJSON *staff_role_arg(const cJSON *v, const struct staff_caller *c, char role[16])
{
	if (!cJSON_IsString(v) || (strcmp(v->valuestring, "host") != 0 && strcmp(v->valuestring, "manager") != 0))
		return mt_resp_error(400, "invalid_field", "role", "'role' must be \"host\" or \"manager\"");
	if (strcmp(v->valuestring, "host") != 0 && strcmp(c->role, "owner") != 0)
		return mt_resp_error(403, "forbidden", "role", "only the owner can make managers");
	snprintf(role, 16, "%s", v->valuestring);
	return NULL;
}

/* Reads a display name; NULL or a 400. */
static cJSON *staff_name_arg(const cJSON *v, char name[MT_NAME_MAX + 1])
{
	const char *why = NULL;

	if (!cJSON_IsString(v) || mt_valid_text(v->valuestring, 1, MT_NAME_MAX, 0, &why) < 0)
		return mt_resp_error(400, "invalid_field", "name", "'name' %s (1 to %d bytes of text)",
				     why ? why : "must be a string", MT_NAME_MAX);
	snprintf(name, MT_NAME_MAX + 1, "%s", v->valuestring);
	return NULL;
}

/* POST /staff: a new account of the restaurant. */
static cJSON *staff_create(struct mt_ctx *ctx, const cJSON *event, const struct staff_caller *c)
{
	cJSON *body, *resp = NULL, *err = NULL;
	const char *email, *pw, *why = NULL;
	const cJSON *f;
	struct mt_user u;
	int r;

	memset(&u, 0, sizeof u);
	body = mt_event_json_body(event, &resp);
	if (body == NULL)
		return resp;
	cJSON_ArrayForEach(f, body) {
		if (strcmp(f->string, "email") != 0 && strcmp(f->string, "name") != 0 &&
		    strcmp(f->string, "role") != 0 && strcmp(f->string, "password") != 0) {
			resp = mt_resp_error(400, "unknown_field", f->string,
					     "'%s' cannot be set on a new account (email, name, role, password)", f->string);
			goto done;
		}
	}
	if ((email = field_required_str(body, "email", &err)) == NULL) {
		resp = err;
		goto done;
	}
	if (mt_valid_email(email, u.email, sizeof u.email, &why) < 0) {
		resp = mt_resp_error(400, "invalid_field", "email", "'email' is not a valid e-mail address");
		goto done;
	}
	if ((f = cJSON_GetObjectItemCaseSensitive(body, "name")) == NULL) {
		resp = mt_resp_error(400, "missing_field", "name", "'name' is required");
		goto done;
	}
	if ((resp = staff_name_arg(f, u.name)) != NULL)
		goto done;
	if ((f = cJSON_GetObjectItemCaseSensitive(body, "role")) == NULL) {
		resp = mt_resp_error(400, "missing_field", "role", "'role' is required (\"host\" or \"manager\")");
		goto done;
	}
	if ((resp = staff_role_arg(f, c, u.role)) != NULL)
		goto done;
	if ((pw = field_password(body, "password", &err)) == NULL) {
		resp = err;
		goto done;
	}
	u.created_at = u.updated_at = mt_now(ctx);
	mt_id_new(u.id, u.created_at);
	snprintf(u.tenant_id, sizeof u.tenant_id, "%s", c->tenant);
	u.must_change_password = 1;
	r = mt_password_hash(pw, u.password_hash);
	if (r < 0) {
		resp = mt_resp_error(500, "internal", NULL, "cannot hash the password (%s)", mt_strerror(r));
		goto done;
	}
	r = ctx->store->ops->user_create(ctx->store, &u);
	if (r == MT_ECONFLICT)
		resp = mt_resp_error(409, "email_taken", "email", "an account with this e-mail exists already");
	else if (r < 0)
		resp = mt_resp_from_err(r, "staff account");
	else {
		resp = staff_one(201, &u, 1);
		staff_activity(ctx, event, "staff_created", NULL, &u);
	}
done:
	sodium_memzero(u.password_hash, sizeof u.password_hash);
	cJSON_Delete(body);
	return resp;
}

/* PUT /staff/{staffId}: name, role, disabled. */
static cJSON *staff_update(struct mt_ctx *ctx, const cJSON *event, const struct staff_caller *c, const char *id)
{
	struct crud_pre pre = { 0 };
	struct mt_user u, before;
	cJSON *body, *resp = NULL;
	const cJSON *f;
	int64_t read_version;
	int r;

	memset(&u, 0, sizeof u);
	memset(&before, 0, sizeof before);
	resp = crud_if_match(event, &pre);
	if (resp != NULL)
		return resp;
	body = mt_event_json_body(event, &resp);
	if (body == NULL)
		return resp;
	if ((resp = staff_load(ctx, c, id, &u)) != NULL)
		goto done;
	if (!staff_may_manage(c, &u)) {
		resp = staff_refused(c);
		goto done;
	}
	before = u;
	cJSON_ArrayForEach(f, body) {
		const char *k = f->string;

		if (strcmp(k, "name") == 0) {
			resp = staff_name_arg(f, u.name);
		} else if (strcmp(k, "role") == 0) {
			if (strcmp(before.role, "owner") == 0)
				resp = mt_resp_error(400, "invalid_field", "role", "the owner's role cannot change");
			else
				resp = staff_role_arg(f, c, u.role);
		} else if (strcmp(k, "disabled") == 0) {
			if (!cJSON_IsBool(f))
				resp = mt_resp_error(400, "invalid_field", "disabled", "'disabled' must be true or false");
			else if (strcmp(before.role, "owner") == 0 && cJSON_IsTrue(f))
				resp = mt_resp_error(400, "invalid_field", "disabled", "the owner cannot be disabled");
			else if (strcmp(before.id, c->sub) == 0 && cJSON_IsTrue(f))
				resp = mt_resp_error(400, "invalid_field", "disabled", "you cannot disable yourself");
			else
				u.disabled = cJSON_IsTrue(f);
		} else if (strcmp(k, "version") == 0) {
			/* the range first: casting a huge double to an integer is undefined */
			if (!cJSON_IsNumber(f) || !(f->valuedouble >= 0 && f->valuedouble <= 9007199254740992.0) ||
			    f->valuedouble != (double)(int64_t)f->valuedouble) {
				resp = mt_resp_error(400, "invalid_field", "version", "'version' must be a whole number");
			} else {
				pre.has_body = 1;
				pre.body = (int64_t)f->valuedouble;
			}
		} else if (strcmp(k, "email") == 0 || strcmp(k, "password") == 0) {
			resp = mt_resp_error(400, "read_only_field", k, strcmp(k, "email") == 0 ?
					     "the e-mail of an account cannot change" :
					     "set a password with POST /staff/{staffId}/password");
		} else if (strcmp(k, "id") == 0 || strcmp(k, "createdAt") == 0 || strcmp(k, "updatedAt") == 0 ||
			   strcmp(k, "mustChangePassword") == 0) {
			resp = mt_resp_error(400, "read_only_field", k, "'%s' is set by the server", k);
		} else {
			resp = mt_resp_error(400, "unknown_field", k, "'%s' is not a field of a staff account", k);
		}
		if (resp != NULL)
			goto done;
	}
	if ((resp = crud_check_pre(&pre, u.version, "staff account")) != NULL)
		goto done;
	read_version = u.version;
	u.updated_at = mt_now(ctx);
	if (strcmp(u.role, before.role) != 0 || (u.disabled && !before.disabled))
		u.revoked_before = u.updated_at + 1;   /* every session it has now is over */
	r = ctx->store->ops->user_update(ctx->store, &u, read_version);
	if (r == MT_EPRECOND || r == MT_ECONFLICT)
		resp = crud_lost_race(&pre, "staff account");
	else if (r < 0)
		resp = mt_resp_from_err(r, "staff account");
	else {
		resp = staff_one(200, &u, 0);
		staff_activity(ctx, event, "staff_edited", &before, &u);
	}
done:
	sodium_memzero(u.password_hash, sizeof u.password_hash);
	sodium_memzero(before.password_hash, sizeof before.password_hash);
	cJSON_Delete(body);
	return resp;
}

/* POST /staff/{staffId}/password: sets a new password the account must change. */
static cJSON *staff_reset(struct mt_ctx *ctx, const cJSON *event, const struct staff_caller *c, const char *id)
{
	cJSON *body, *resp = NULL, *err = NULL;
	const cJSON *f;
	const char *pw;
	struct mt_user u;
	int tries, r = MT_EPRECOND;

	memset(&u, 0, sizeof u);
	body = mt_event_json_body(event, &resp);
	if (body == NULL)
		return resp;
	cJSON_ArrayForEach(f, body) {
		if (strcmp(f->string, "password") != 0) {
			resp = mt_resp_error(400, "unknown_field", f->string, "only 'password' is accepted here");
			goto done;
		}
	}
	if ((pw = field_password(body, "password", &err)) == NULL) {
		resp = err;
		goto done;
	}
	/* a login may bump the version meanwhile (its counters): retry on that */
	for (tries = 0; tries < 3 && r == MT_EPRECOND; tries++) {
		if ((resp = staff_load(ctx, c, id, &u)) != NULL)
			goto done;
		if (strcmp(u.id, c->sub) == 0) {
			resp = mt_resp_error(400, "invalid_field", NULL,
					     "change your own password with POST /auth/password");
			goto done;
		}
		if (!staff_may_manage(c, &u)) {
			resp = staff_refused(c);
			goto done;
		}
		r = mt_password_hash(pw, u.password_hash);
		if (r < 0) {
			resp = mt_resp_error(500, "internal", NULL, "cannot hash the password (%s)", mt_strerror(r));
			goto done;
		}
		u.must_change_password = 1;
		u.failed_logins = 0;
		u.fail_window_start = 0;
		u.updated_at = mt_now(ctx);
		u.revoked_before = u.updated_at + 1;
		r = ctx->store->ops->user_update(ctx->store, &u, u.version);
	}
	if (r < 0)
		resp = r == MT_EPRECOND ? mt_resp_error(409, "conflict", NULL, "the account keeps changing; retry")
					: mt_resp_from_err(r, "staff account");
	else {
		resp = staff_one(200, &u, 0);
		staff_activity(ctx, event, "staff_password_reset", NULL, &u);
	}
done:
	sodium_memzero(u.password_hash, sizeof u.password_hash);
	cJSON_Delete(body);
	return resp;
}

/* Dispatches on routeKey after checking the caller. */
cJSON *handler_staff(struct mt_ctx *ctx, const cJSON *event)
{
	const char *route = mt_event_route(event);
	const char *id = mt_event_path_param(event, "staffId");
	struct staff_caller c;
	struct mt_user u;
	cJSON *refused;

	c.tenant = mt_event_auth(event, "tenantId");
	c.sub = mt_event_auth(event, "sub");
	c.role = mt_event_auth(event, "role");
	if (c.tenant == NULL || c.tenant[0] == '\0' || strlen(c.tenant) >= MT_ID_SIZE || c.sub == NULL)
		return mt_resp_error(401, "unauthorized", NULL, "a valid access token is required");
	if (ctx == NULL || ctx->store == NULL)
		return mt_resp_error(500, "internal", NULL, "no store configured");
	refused = mt_access_check(event);
	if (refused != NULL)
		return refused;
	if (strcmp(route, "GET /staff") == 0)
		return staff_list(ctx, event, &c);
	if (strcmp(route, "POST /staff") == 0)
		return staff_create(ctx, event, &c);
	if (strcmp(route, "PUT /staff/{staffId}") == 0)
		return staff_update(ctx, event, &c, id);
	if (strcmp(route, "POST /staff/{staffId}/password") == 0)
		return staff_reset(ctx, event, &c, id);
	if (strcmp(route, "GET /staff/{staffId}") == 0) {
		cJSON *resp = staff_load(ctx, &c, id, &u);

		if (resp == NULL && !staff_may_manage(&c, &u) && strcmp(u.id, c.sub) != 0)
			resp = staff_refused(&c);
		if (resp == NULL)
			resp = staff_one(200, &u, 0);
		sodium_memzero(u.password_hash, sizeof u.password_hash);
		return resp;
	}
	return mt_resp_error(404, "no_route", NULL, "no such route");
}
