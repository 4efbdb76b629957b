/* Request bodies: inputs -> JSON text (malloc'd, NULL on no memory). */
#include <stdlib.h>
#include "internal.h"

/* Adds key: string, or null when s is NULL. 0 or -1. */
static int add_str_or_null(cJSON *o, const char *key, const char *s)
{
	if (s == NULL)
		return cJSON_AddNullToObject(o, key) == NULL ? -1 : 0;
	return cJSON_AddStringToObject(o, key, s) == NULL ? -1 : 0;
}

/* Prints o unformatted and deletes it. */
static char *print_and_delete(cJSON *o, int failed)
{
	char *s = failed ? NULL : cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* A WaiteeCreate / WaiteeUpdate body from in. */
char *mtc_body_waitee(const struct mtc_waitee_input *in, int create)
{
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL;
	if (!f && (in->set & MTC_SET_NAME))
		f |= add_str_or_null(o, "name", in->name);
	if (!f && (in->set & MTC_SET_PHONE))
		f |= add_str_or_null(o, "phoneNumber", in->phone);
	if (!f && (in->set & MTC_SET_EMAIL))
		f |= add_str_or_null(o, "email", in->email);
	if (!f && (in->set & MTC_SET_PARTY_SIZE))
		f |= cJSON_AddNumberToObject(o, "partySize", in->party_size) == NULL;
	if (!f && (in->set & MTC_SET_NOTES))
		f |= add_str_or_null(o, "notes", in->notes);
	if (!f && (in->set & MTC_SET_QUOTE))
		f |= cJSON_AddNumberToObject(o, "quotedMinutes", in->quoted_minutes) == NULL;
	if (!f && (in->set & MTC_SET_NOTIFY_IN))
		f |= cJSON_AddNumberToObject(o, "notifyIn", in->notify_in) == NULL;
	if (!f && !create && (in->set & MTC_SET_STATUS))
		f |= cJSON_AddStringToObject(o, "status", mtc_party_status_name(in->status)) == NULL;
	return print_and_delete(o, f);
}

/* A WaitlistCreate / WaitlistUpdate body from in. */
char *mtc_body_waitlist(const struct mtc_waitlist_input *in, int create)
{
	(void)create;
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL;
	if (!f && (in->set & MTC_SET_NAME))
		f |= add_str_or_null(o, "name", in->name);
	if (!f && (in->set & MTC_SET_DESCRIPTION))
		f |= add_str_or_null(o, "description", in->description);
	if (!f && (in->set & MTC_SET_TEMPLATES)) {
		cJSON *t = cJSON_AddObjectToObject(o, "templates");
		f |= t == NULL;
		if (!f)
			f |= add_str_or_null(t, "joined", in->tpl_joined) | add_str_or_null(t, "ready", in->tpl_ready) |
			     add_str_or_null(t, "reminder", in->tpl_reminder);
	}
	return print_and_delete(o, f);
}

/* {email, password[, name]}. */
char *mtc_body_credentials(const char *email, const char *password, const char *name, const char *restaurant,
			   const char *timezone, const char *country)
{
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL;
	if (!f)
		f |= cJSON_AddStringToObject(o, "email", email) == NULL ||
		     cJSON_AddStringToObject(o, "password", password) == NULL;
	if (!f && name != NULL)
		f |= cJSON_AddStringToObject(o, "name", name) == NULL;
	if (!f && restaurant != NULL && restaurant[0] != '\0')
		f |= cJSON_AddStringToObject(o, "restaurantName", restaurant) == NULL;
	if (!f && timezone != NULL && timezone[0] != '\0')
		f |= cJSON_AddStringToObject(o, "timezone", timezone) == NULL;
	if (!f && country != NULL && country[0] != '\0')
		f |= cJSON_AddStringToObject(o, "phoneCountry", country) == NULL;
	return print_and_delete(o, f);
}

/* {refreshToken}. */
char *mtc_body_refresh(const char *refresh_token)
{
	cJSON *o = cJSON_CreateObject();
	int f = o == NULL || cJSON_AddStringToObject(o, "refreshToken", refresh_token) == NULL;
	return print_and_delete(o, f);
}

/* From=...&Body=... (form-encoded, for /hooks/sms). */
char *mtc_body_sms(const char *from, const char *body)
{
	char *f = mtc_url_escape(from);
	char *b = mtc_url_escape(body != NULL ? body : "");
	struct mtc_buf out;
	mtc_buf_init(&out, 1u << 20);
	char *res = NULL;
	if (f != NULL && b != NULL && mtc_buf_printf(&out, "From=%s&Body=%s", f, b) == 0)
		res = mtc_buf_take(&out);
	mtc_buf_free(&out);
	free(f);
	free(b);
	return res;
}

/* {"key": value}. */
char *mtc_body_string(const char *key, const char *value)
{
	cJSON *o = cJSON_CreateObject();
	return print_and_delete(o, o == NULL || cJSON_AddStringToObject(o, key, value) == NULL);
}
