/* Small helpers: strings, clocks, status, ids, URL escaping, error names. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "internal.h"

/* strdup that accepts NULL (returns NULL). */
char *mtc_strdup(const char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* Wall-clock time in epoch ms. */
int64_t mtc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic time in ms. */
int64_t mtc_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Resets st to "OK, nothing happened". */
void mtc_status_reset(struct mtc_status *st)
{
	if (st == NULL)
		return;
	memset(st, 0, sizeof *st);
	st->code = MTC_OK;
	st->current_version = -1;
	st->retry_after = -1;
}

/* Sets st's kind and message (st may be NULL); keeps the other members. */
void mtc_status_set(struct mtc_status *st, enum mtc_error code, const char *fmt, ...)
{
	if (st == NULL)
		return;
	st->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->message, sizeof st->message, fmt, ap);
	va_end(ap);
}

/* Copies src into dst when dst is not NULL. */
void mtc_status_copy(struct mtc_status *dst, const struct mtc_status *src)
{
	if (dst != NULL && dst != src)
		*dst = *src;
}

/* 1 when id is a plausible record id (1..63 chars of [0-9A-Za-z_-]): safe in a URL path. */
int mtc_id_ok(const char *id)
{
	if (id == NULL || id[0] == '\0')
		return 0;
	size_t n = 0;
	for (const char *p = id; *p; p++, n++) {
		char ch = *p;
		int ok = (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			 ch == '_' || ch == '-';
		if (!ok || n >= MTC_ID_MAX - 1)
			return 0;
	}
	return 1;
}

/* Percent-encodes s for a query string (malloc'd), NULL on no memory. */
char *mtc_url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(n * 3 + 1);
	if (out == NULL)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~' || ch == ',') {
			out[j++] = (char)ch;
		} else {
			out[j++] = '%';
			out[j++] = hex[ch >> 4];
			out[j++] = hex[ch & 15];
		}
	}
	out[j] = '\0';
	return out;
}

/* Short English name of an error kind. */
const char *mtc_strerror(enum mtc_error e)
{
	switch (e) {
	case MTC_OK: return "ok";
	case MTC_ERR_NETWORK: return "network error";
	case MTC_ERR_TIMEOUT: return "timed out";
	case MTC_ERR_UNAUTHORIZED: return "not logged in";
	case MTC_ERR_FORBIDDEN: return "forbidden";
	case MTC_ERR_NOT_FOUND: return "not found";
	case MTC_ERR_VALIDATION: return "invalid input";
	case MTC_ERR_CONFLICT: return "conflict";
	case MTC_ERR_PRECONDITION: return "precondition failed";
	case MTC_ERR_RATE_LIMITED: return "rate limited";
	case MTC_ERR_SERVER: return "server error";
	case MTC_ERR_BAD_ANSWER: return "bad answer from server";
	case MTC_ERR_NOMEM: return "out of memory";
	case MTC_ERR_INVALID_ARG: return "invalid argument";
	case MTC_ERR_IO: return "file error";
	case MTC_ERR_CANCELLED: return "cancelled";
	}
	return "unknown error";
}

/* The op's name. */
const char *mtc_op_name(enum mtc_op op)
{
	static const char *const names[] = {
		[MTC_OP_NONE] = "none", [MTC_OP_HEALTHZ] = "healthz", [MTC_OP_REGISTER] = "register",
		[MTC_OP_LOGIN] = "login", [MTC_OP_REFRESH] = "refresh", [MTC_OP_LOGOUT] = "logout",
		[MTC_OP_LIST_WAITLISTS] = "list_waitlists", [MTC_OP_GET_WAITLIST] = "get_waitlist",
		[MTC_OP_CREATE_WAITLIST] = "create_waitlist", [MTC_OP_UPDATE_WAITLIST] = "update_waitlist",
		[MTC_OP_DELETE_WAITLIST] = "delete_waitlist", [MTC_OP_LIST_WAITEES] = "list_waitees",
		[MTC_OP_GET_WAITEE] = "get_waitee", [MTC_OP_CREATE_WAITEE] = "create_waitee",
		[MTC_OP_UPDATE_WAITEE] = "update_waitee", [MTC_OP_DELETE_WAITEE] = "delete_waitee",
		[MTC_OP_NOTIFY_WAITEE] = "notify_waitee", [MTC_OP_SMS_REPLY] = "sms_reply",
		[MTC_OP_GET_STATS] = "get_stats", [MTC_OP_GET_ESTIMATE] = "get_estimate",
		[MTC_OP_CHANGE_PASSWORD] = "change_password", [MTC_OP_LIST_STAFF] = "list_staff",
		[MTC_OP_CREATE_STAFF] = "create_staff", [MTC_OP_UPDATE_STAFF] = "update_staff",
		[MTC_OP_RESET_STAFF_PASSWORD] = "reset_staff_password", [MTC_OP_GET_RESTAURANT] = "get_restaurant",
		[MTC_OP_UPDATE_RESTAURANT] = "update_restaurant",
		[MTC_OP_LIST_ACTIVITY] = "list_activity", [MTC_OP_GET_HANDOVER] = "get_handover",
		[MTC_OP_PUT_HANDOVER] = "put_handover", [MTC_OP_ACK_HANDOVER] = "ack_handover",
		[MTC_OP_HANDOVER_SUMMARY] = "handover_summary",
	};
	if ((unsigned)op < sizeof names / sizeof names[0] && names[op] != NULL)
		return names[op];
	return "unknown";
}

/* Status names, indexed by enum mtc_party_status. */
static const char *const party_names[] = {
	"unknown", "waiting", "notified", "confirmed", "seated", "cancelled", "no_show",
};

/* API name of a status. */
const char *mtc_party_status_name(enum mtc_party_status s)
{
	if ((unsigned)s < sizeof party_names / sizeof party_names[0])
		return party_names[s];
	return "unknown";
}

/* Parses an API status name (also "no-show"). */
enum mtc_party_status mtc_party_status_parse(const char *name)
{
	if (name == NULL)
		return MTC_PARTY_UNKNOWN;
	if (strcmp(name, "no-show") == 0)
		return MTC_PARTY_NO_SHOW;
	for (size_t i = 1; i < sizeof party_names / sizeof party_names[0]; i++)
		if (strcmp(name, party_names[i]) == 0)
			return (enum mtc_party_status)i;
	return MTC_PARTY_UNKNOWN;
}

/* 1 for the active statuses. */
int mtc_party_status_active(enum mtc_party_status s)
{
	return s == MTC_PARTY_WAITING || s == MTC_PARTY_NOTIFIED || s == MTC_PARTY_CONFIRMED;
}
