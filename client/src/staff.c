/* Staff accounts, passwords and the restaurant (docs/staff.md): their
 * records, request bodies, the session's account details, and the blocking
 * shorthands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Copies string member k of o into buf ("" when absent or not a string). */
static void fixed(const cJSON *o, const char *k, char *buf, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	snprintf(buf, size, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* Number member k of o (0 when absent or not a number). */
static int64_t num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	/* in range before the cast: casting a huge double is undefined */
	return cJSON_IsNumber(v) && v->valuedouble >= -9e15 && v->valuedouble <= 9e15 ? (int64_t)v->valuedouble : 0;
}

/* Parses a Staff object. */
enum mtc_error mtc_parse_staff(const cJSON *o, struct mtc_staff *s)
{
	memset(s, 0, sizeof *s);
	if (!cJSON_IsObject(o) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "id")))
		return MTC_ERR_BAD_ANSWER;
	fixed(o, "id", s->id, sizeof s->id);
	fixed(o, "email", s->email, sizeof s->email);
	fixed(o, "name", s->name, sizeof s->name);
	fixed(o, "role", s->role, sizeof s->role);
	s->disabled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "disabled"));
	s->must_change_password = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "mustChangePassword"));
	s->created_at = num(o, "createdAt");
	s->updated_at = num(o, "updatedAt");
	s->version = num(o, "version");
	return MTC_OK;
}

/* Parses a Restaurant object. */
enum mtc_error mtc_parse_restaurant(const cJSON *o, struct mtc_restaurant *r)
{
	memset(r, 0, sizeof *r);
	if (!cJSON_IsObject(o) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "timezone")))
		return MTC_ERR_BAD_ANSWER;
	fixed(o, "id", r->id, sizeof r->id);
	fixed(o, "name", r->name, sizeof r->name);
	fixed(o, "timezone", r->timezone, sizeof r->timezone);
	fixed(o, "phoneCountry", r->phone_country, sizeof r->phone_country);
	r->retention_s = num(o, "retentionSeconds");
	r->sms_per_day = (int)num(o, "smsPerDay");
	r->version = num(o, "version");
	return MTC_OK;
}

/* Prints o unformatted and deletes it; NULL when failed or out of memory. */
static char *print_and_delete(cJSON *o, int failed)
{
	char *s = failed ? NULL : cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	return s;
}

/* A StaffCreate / StaffUpdate body. */
char *mtc_body_staff(const struct mtc_staff_input *in, int create)
{
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL;

	if (!f && create && in->email != NULL)
		f |= cJSON_AddStringToObject(o, "email", in->email) == NULL;
	if (!f && in->name != NULL)
		f |= cJSON_AddStringToObject(o, "name", in->name) == NULL;
	if (!f && in->role != NULL)
		f |= cJSON_AddStringToObject(o, "role", in->role) == NULL;
	if (!f && create && in->password != NULL)
		f |= cJSON_AddStringToObject(o, "password", in->password) == NULL;
	if (!f && !create && in->set_disabled)
		f |= cJSON_AddBoolToObject(o, "disabled", in->disabled) == NULL;
	return print_and_delete(o, f);
}

/* A RestaurantUpdate body. */
char *mtc_body_restaurant(const struct mtc_restaurant_input *in)
{
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL;

	if (!f && in->name != NULL)
		f |= cJSON_AddStringToObject(o, "name", in->name) == NULL;
	if (!f && in->timezone != NULL)
		f |= cJSON_AddStringToObject(o, "timezone", in->timezone) == NULL;
	if (!f && in->phone_country != NULL)
		f |= cJSON_AddStringToObject(o, "phoneCountry", in->phone_country) == NULL;
	if (!f && in->retention_s > 0)
		f |= cJSON_AddNumberToObject(o, "retentionSeconds", (double)in->retention_s) == NULL;
	if (!f && in->set_sms_per_day)
		f |= cJSON_AddNumberToObject(o, "smsPerDay", in->sms_per_day) == NULL;
	return print_and_delete(o, f);
}

/* A body of one or two password fields (field_current NULL = only the new one). */
char *mtc_body_password(const char *field_current, const char *current, const char *field_new, const char *next)
{
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL;

	if (!f && field_current != NULL)
		f |= cJSON_AddStringToObject(o, field_current, current) == NULL;
	if (!f)
		f |= cJSON_AddStringToObject(o, field_new, next) == NULL;
	return print_and_delete(o, f);
}

/* Reads the account details of a session answer into c->info. */
void mtc_session_info_read(struct mtc_client *c, const cJSON *o)
{
	const cJSON *rest = cJSON_GetObjectItemCaseSensitive(o, "restaurant");
	struct mtc_session_info *i = &c->info;

	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "role")))
		return;   /* an older server: nothing to say */
	memset(i, 0, sizeof *i);
	i->known = 1;
	fixed(o, "role", i->role, sizeof i->role);
	fixed(o, "name", i->name, sizeof i->name);
	i->must_change_password = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "mustChangePassword"));
	fixed(rest, "name", i->restaurant_name, sizeof i->restaurant_name);
	fixed(rest, "timezone", i->timezone, sizeof i->timezone);
	fixed(rest, "phoneCountry", i->phone_country, sizeof i->phone_country);
}

/* Fills out from the last session answer. */
void mtc_client_session_info(const struct mtc_client *c, struct mtc_session_info *out)
{
	if (c == NULL) {
		memset(out, 0, sizeof *out);
		return;
	}
	*out = c->info;
}

/* Parses the body of a staff or restaurant op into the call's result. */
enum mtc_error mtc_staff_take(struct mtc_call *call, const cJSON *o)
{
	struct mtc_result *r = &call->result;
	enum mtc_error e = MTC_OK;

	if (call->req.op == MTC_OP_GET_RESTAURANT || call->req.op == MTC_OP_UPDATE_RESTAURANT) {
		r->restaurant = calloc(1, sizeof *r->restaurant);
		if (r->restaurant == NULL)
			return MTC_ERR_NOMEM;
		e = mtc_parse_restaurant(o, r->restaurant);
	} else if (call->req.op == MTC_OP_LIST_STAFF) {
		int n = cJSON_IsArray(o) ? cJSON_GetArraySize(o) : -1;
		const cJSON *it;
		size_t i = 0;

		if (n < 0)
			return MTC_ERR_BAD_ANSWER;
		r->staff = calloc(n > 0 ? (size_t)n : 1, sizeof *r->staff);
		if (r->staff == NULL)
			return MTC_ERR_NOMEM;
		cJSON_ArrayForEach(it, o) {
			if ((e = mtc_parse_staff(it, &r->staff[i])) != MTC_OK)
				break;
			i++;
		}
		r->n_staff = i;
	} else {
		r->staff = calloc(1, sizeof *r->staff);
		if (r->staff == NULL)
			return MTC_ERR_NOMEM;
		e = mtc_parse_staff(o, r->staff);
		r->n_staff = e == MTC_OK;
	}
	if (e != MTC_OK) {
		free(r->staff);
		free(r->restaurant);
		r->staff = NULL;
		r->restaurant = NULL;
		r->n_staff = 0;
	}
	return e;
}

/* Runs req and copies one staff record out. */
static enum mtc_error staff_one(struct mtc_client *c, const struct mtc_request *req, struct mtc_staff *out,
				struct mtc_status *st)
{
	struct mtc_result r;
	enum mtc_error e = mtc_call(c, req, &r);

	if (e == MTC_OK && out != NULL && r.staff != NULL)
		*out = r.staff[0];
	if (st != NULL)
		*st = r.status;
	mtc_result_clear(&r);
	return e;
}

/* Runs req and copies the restaurant out. */
static enum mtc_error restaurant_one(struct mtc_client *c, const struct mtc_request *req,
				     struct mtc_restaurant *out, struct mtc_status *st)
{
	struct mtc_result r;
	enum mtc_error e = mtc_call(c, req, &r);

	if (e == MTC_OK && out != NULL && r.restaurant != NULL)
		*out = *r.restaurant;
	if (st != NULL)
		*st = r.status;
	mtc_result_clear(&r);
	return e;
}

/* One's own password. */
enum mtc_error mtc_change_password(struct mtc_client *c, const char *current, const char *new_password,
				   struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_CHANGE_PASSWORD, .password = current, .new_password = new_password };
	struct mtc_result r;
	enum mtc_error e = mtc_call(c, &req, &r);

	if (st != NULL)
		*st = r.status;
	mtc_result_clear(&r);
	return e;
}

/* The restaurant's accounts (one page). */
enum mtc_error mtc_list_staff(struct mtc_client *c, struct mtc_staff **out, size_t *n, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_LIST_STAFF };
	struct mtc_result r;
	enum mtc_error e = mtc_call(c, &req, &r);

	*out = NULL;
	*n = 0;
	if (e == MTC_OK) {
		*out = r.staff;
		*n = r.n_staff;
		r.staff = NULL;
	}
	if (st != NULL)
		*st = r.status;
	mtc_result_clear(&r);
	return e;
}

/* A new staff account. */
enum mtc_error mtc_create_staff(struct mtc_client *c, const struct mtc_staff_input *in, struct mtc_staff *out,
				struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_CREATE_STAFF, .staff = in };

	return staff_one(c, &req, out, st);
}

/* Renames, changes the role of, disables or enables an account. */
enum mtc_error mtc_update_staff(struct mtc_client *c, const char *staff_id, const struct mtc_staff_input *in,
				int64_t if_match, struct mtc_staff *out, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_UPDATE_STAFF, .staff_id = staff_id, .staff = in, .if_match = if_match };

	return staff_one(c, &req, out, st);
}

/* Resets an account's password. */
enum mtc_error mtc_reset_staff_password(struct mtc_client *c, const char *staff_id, const char *password,
					struct mtc_staff *out, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_RESET_STAFF_PASSWORD, .staff_id = staff_id, .new_password = password };

	return staff_one(c, &req, out, st);
}

/* The restaurant. */
enum mtc_error mtc_get_restaurant(struct mtc_client *c, struct mtc_restaurant *out, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_GET_RESTAURANT };

	return restaurant_one(c, &req, out, st);
}

/* Changes the restaurant. */
enum mtc_error mtc_update_restaurant(struct mtc_client *c, const struct mtc_restaurant_input *in, int64_t if_match,
				     struct mtc_restaurant *out, struct mtc_status *st)
{
	struct mtc_request req = { .op = MTC_OP_UPDATE_RESTAURANT, .restaurant = in, .if_match = if_match };

	return restaurant_one(c, &req, out, st);
}

/* A staff record as the API's JSON. */
char *mtc_staff_to_json(const struct mtc_staff *s)
{
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL;

	f = f || cJSON_AddStringToObject(o, "id", s->id) == NULL || cJSON_AddStringToObject(o, "email", s->email) == NULL ||
	    cJSON_AddStringToObject(o, "name", s->name) == NULL || cJSON_AddStringToObject(o, "role", s->role) == NULL ||
	    cJSON_AddBoolToObject(o, "disabled", s->disabled) == NULL ||
	    cJSON_AddBoolToObject(o, "mustChangePassword", s->must_change_password) == NULL ||
	    cJSON_AddNumberToObject(o, "createdAt", (double)s->created_at) == NULL ||
	    cJSON_AddNumberToObject(o, "updatedAt", (double)s->updated_at) == NULL ||
	    cJSON_AddNumberToObject(o, "version", (double)s->version) == NULL;
	return print_and_delete(o, f);
}

/* The restaurant as the API's JSON. */
char *mtc_restaurant_to_json(const struct mtc_restaurant *r)
{
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL;

	f = f || cJSON_AddStringToObject(o, "id", r->id) == NULL || cJSON_AddStringToObject(o, "name", r->name) == NULL ||
	    cJSON_AddStringToObject(o, "timezone", r->timezone) == NULL ||
	    cJSON_AddStringToObject(o, "phoneCountry", r->phone_country) == NULL ||
	    cJSON_AddNumberToObject(o, "retentionSeconds", (double)r->retention_s) == NULL ||
	    cJSON_AddNumberToObject(o, "smsPerDay", r->sms_per_day) == NULL ||
	    cJSON_AddNumberToObject(o, "version", (double)r->version) == NULL;
	return print_and_delete(o, f);
}
