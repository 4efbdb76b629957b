/* Records <-> JSON for the API (see codec.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/codec.h"
#include "core/template.h"
#include "core/error.h"
#include "core/jsonesc.h"
#include "core/status.h"
#include "core/validate.h"

/* Template keys, in the order of mt_waitlist_patch.tpl. */
static const char *const codec_tpl_keys[3] = { "joined", "ready", "reminder" };

static int codec_in(const char *key, const char *const *list);

/* Server-owned waitlist fields: refused in bodies. */
static const char *const codec_waitlist_ro[] = { "id", "tenantId", "createdAt", "updatedAt", "checkInUrl", NULL };

/* Server-owned waitee fields: refused in bodies. */
static const char *const codec_waitee_ro[] = {
	"id", "waitlistId", "tenantId", "joinedAt", "notifyAt", "notifiedAt", "seatedAt", "updatedAt",
	"position", "notifyCount", "lastResult", "lastReason", "reply", "replyAt", "timeToLive",
	"expiresAt", "finishedAt", "previousStatus", "source", "guestUrl", NULL
};

/* Fills *err and returns MT_EINVAL. */
static int codec_fail(struct mt_codec_err *err, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int codec_fail(struct mt_codec_err *err, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	snprintf(err->field, sizeof err->field, "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return MT_EINVAL;
}

/* Returns 1 when key is in the NULL-terminated list. */
static int codec_in(const char *key, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(key, *list) == 0)
			return 1;
	return 0;
}

/* Reads an integer in [min, max] from a JSON number with no fraction. */
static int codec_int(const cJSON *v, const char *field, double min, double max, int64_t *out,
		     struct mt_codec_err *err)
{
	double d;

	if (!cJSON_IsNumber(v))
		return codec_fail(err, "invalid_type", field, "%s must be an integer", field);
	d = v->valuedouble;
	if (!isfinite(d) || floor(d) != d)
		return codec_fail(err, "invalid_type", field, "%s must be an integer", field);
	if (d < min || d > max)
		return codec_fail(err, "invalid_field", field, "%s must be between %.0f and %.0f", field, min, max);
	*out = (int64_t)d;
	return 0;
}

/* Reads a text field (null allowed when nullable: gives "") into out. */
static int codec_text(const cJSON *v, const char *field, size_t min, size_t max, int newlines,
		      int nullable, char *out, size_t outsz, struct mt_codec_err *err)
{
	const char *why = NULL;
	size_t n;

	if (nullable && cJSON_IsNull(v)) {
		out[0] = '\0';
		return 0;
	}
	if (!cJSON_IsString(v))
		return codec_fail(err, "invalid_type", field, "%s must be a string", field);
	if (mt_valid_text(v->valuestring, min, max, newlines, &why) < 0) {
		if (why != NULL && strcmp(why, "is too long") == 0)
			return codec_fail(err, "invalid_field", field, "%s is too long (at most %zu bytes)", field, max);
		return codec_fail(err, "invalid_field", field, "%s %s", field, why ? why : "is invalid");
	}
	n = strlen(v->valuestring);
	if (n + 1 > outsz)
		return codec_fail(err, "invalid_field", field, "%s is too long", field);
	memcpy(out, v->valuestring, n + 1);
	return 0;
}

/* Reads the `version` precondition from a body. */
static int codec_version(const cJSON *v, int create, int *has, int64_t *out, struct mt_codec_err *err)
{
	if (create)
		return codec_fail(err, "read_only", "version", "version is set by the server");
	*has = 1;
	return codec_int(v, "version", 0, 9007199254740991.0, out, err);
}

/* Parses a waitlist body into a patch. */
int mt_codec_waitlist_parse(const cJSON *body, int create, struct mt_waitlist_patch *p,
			    struct mt_codec_err *err)
{
	const cJSON *it;
	int r = 0;

	memset(p, 0, sizeof *p);
	memset(err, 0, sizeof *err);
	if (!cJSON_IsObject(body))
		return codec_fail(err, "not_object", "", "request body must be a JSON object");
	cJSON_ArrayForEach(it, body) {
		const char *k = it->string;

		if (k == NULL)
			continue;
		if (strcmp(k, "name") == 0) {
			p->has_name = 1;
			r = codec_text(it, "name", 1, MT_NAME_MAX, 0, 0, p->name, sizeof p->name, err);
		} else if (strcmp(k, "description") == 0) {
			p->has_description = 1;
			r = codec_text(it, "description", 0, MT_DESC_MAX, 1, 1, p->description,
				       sizeof p->description, err);
		} else if (strcmp(k, "templates") == 0) {
			const cJSON *t;

			if (!cJSON_IsObject(it))
				return codec_fail(err, "invalid_type", "templates", "templates must be an object");
			cJSON_ArrayForEach(t, it) {
				char field[64];
				int i, found = -1;

				for (i = 0; i < 3; i++)
					if (t->string && strcmp(t->string, codec_tpl_keys[i]) == 0)
						found = i;
				snprintf(field, sizeof field, "templates.%.40s", t->string ? t->string : "");
				if (found < 0)
					return codec_fail(err, "unknown_field", field,
							  "unknown template %s (joined, ready, reminder)", field);
				p->has_tpl[found] = 1;
				r = codec_text(t, field, 0, MT_TEMPLATE_MAX, 1, 1, p->tpl[found],
					       sizeof p->tpl[found], err);
				if (r < 0)
					return r;
				if (mt_template_validate(p->tpl[found], NULL) != 0)
					return codec_fail(err, "invalid_field", field,
							  "%s has an unknown placeholder or unbalanced braces "
							  "(use {name}, {restaurant}, {position}, {minutes}, {link}; {{ and }} for braces)",
							  field);
			}
		} else if (strcmp(k, "defaultQuoteMinutes") == 0) {
			int64_t q = 0;

			r = codec_int(it, "defaultQuoteMinutes", 1, MT_QUOTE_MAX, &q, err);
			p->has_default_quote = 1;
			p->default_quote = (int)q;
		} else if (strcmp(k, "selfCheckIn") == 0) {
			if (!cJSON_IsBool(it))
				return codec_fail(err, "invalid_type", "selfCheckIn", "selfCheckIn must be true or false");
			p->has_self_checkin = 1;
			p->self_checkin = cJSON_IsTrue(it) ? 1 : 0;
		} else if (strcmp(k, "version") == 0) {
			r = codec_version(it, create, &p->has_version, &p->version, err);
		} else if (codec_in(k, codec_waitlist_ro)) {
			return codec_fail(err, "read_only", k, "%s is set by the server", k);
		} else {
			char field[64];

			snprintf(field, sizeof field, "%.60s", k);
			return codec_fail(err, "unknown_field", field, "unknown field %s", field);
		}
		if (r < 0)
			return r;
	}
	if (create && !p->has_name)
		return codec_fail(err, "missing_field", "name", "name is required");
	return 0;
}

/* Applies a parsed waitlist patch to a record. */
void mt_codec_waitlist_apply(const struct mt_waitlist_patch *p, struct mt_waitlist *w)
{
	char *tpl[3] = { w->tpl_joined, w->tpl_ready, w->tpl_reminder };
	int i;

	if (p->has_name)
		memcpy(w->name, p->name, sizeof w->name);
	if (p->has_description)
		memcpy(w->description, p->description, sizeof w->description);
	for (i = 0; i < 3; i++)
		if (p->has_tpl[i])
			memcpy(tpl[i], p->tpl[i], MT_TEMPLATE_MAX + 1);
	if (p->has_default_quote)
		w->default_quote = p->default_quote;
}

/* Parses the phoneNumber field (null or "" clears). */
static int codec_phone(const cJSON *v, struct mt_waitee_patch *p, struct mt_codec_err *err)
{
	const char *why = NULL;

	p->has_phone = 1;
	if (cJSON_IsNull(v) || (cJSON_IsString(v) && v->valuestring[0] == '\0')) {
		p->phone[0] = '\0';
		return 0;
	}
	if (!cJSON_IsString(v))
		return codec_fail(err, "invalid_type", "phoneNumber", "phoneNumber must be a string");
	if (strlen(v->valuestring) > 64 || mt_valid_phone(v->valuestring, p->phone, sizeof p->phone, &why) < 0)
		return codec_fail(err, "invalid_field", "phoneNumber", "phoneNumber %s",
				  why ? why : "must be an international number like +15551234567");
	return 0;
}

/* Parses the email field (null or "" clears). */
static int codec_email(const cJSON *v, struct mt_waitee_patch *p, struct mt_codec_err *err)
{
	const char *why = NULL;

	p->has_email = 1;
	if (cJSON_IsNull(v) || (cJSON_IsString(v) && v->valuestring[0] == '\0')) {
		p->email[0] = '\0';
		return 0;
	}
	if (!cJSON_IsString(v))
		return codec_fail(err, "invalid_type", "email", "email must be a string");
	if (mt_valid_email(v->valuestring, p->email, sizeof p->email, &why) < 0)
		return codec_fail(err, "invalid_field", "email", "email %s", why ? why : "is not a valid e-mail address");
	return 0;
}

/* Parses a waitee body into a patch. */
int mt_codec_waitee_parse(const cJSON *body, int create, struct mt_waitee_patch *p,
			  struct mt_codec_err *err)
{
	const cJSON *it;
	int64_t n;
	int r = 0;

	memset(p, 0, sizeof *p);
	memset(err, 0, sizeof *err);
	if (!cJSON_IsObject(body))
		return codec_fail(err, "not_object", "", "request body must be a JSON object");
	cJSON_ArrayForEach(it, body) {
		const char *k = it->string;

		if (k == NULL)
			continue;
		if (strcmp(k, "name") == 0) {
			p->has_name = 1;
			r = codec_text(it, "name", 1, MT_NAME_MAX, 0, 0, p->name, sizeof p->name, err);
		} else if (strcmp(k, "phoneNumber") == 0) {
			r = codec_phone(it, p, err);
		} else if (strcmp(k, "email") == 0) {
			r = codec_email(it, p, err);
		} else if (strcmp(k, "partySize") == 0) {
			p->has_party_size = 1;
			n = 0;
			r = codec_int(it, "partySize", MT_PARTY_MIN, MT_PARTY_MAX, &n, err);
			p->party_size = (int)n;
		} else if (strcmp(k, "notes") == 0) {
			p->has_notes = 1;
			r = codec_text(it, "notes", 0, MT_NOTES_MAX, 1, 1, p->notes, sizeof p->notes, err);
		} else if (strcmp(k, "quotedMinutes") == 0) {
			p->has_quoted = 1;
			n = 0;
			if (!cJSON_IsNull(it))
				r = codec_int(it, "quotedMinutes", 0, MT_QUOTE_MAX, &n, err);
			p->quoted_minutes = (int)n;
		} else if (strcmp(k, "notifyIn") == 0) {
			p->has_notify_in = 1;
			n = 0;
			r = codec_int(it, "notifyIn", 0, MT_NOTIFY_IN_MAX, &n, err);
			p->notify_in = (int)n;
		} else if (strcmp(k, "status") == 0) {
			if (create)
				return codec_fail(err, "read_only", "status", "a new party is always waiting");
			if (!cJSON_IsString(it))
				return codec_fail(err, "invalid_type", "status", "status must be a string");
			if (mt_status_parse(it->valuestring, &p->status) < 0)
				return codec_fail(err, "invalid_field", "status",
						  "status must be one of waiting, notified, confirmed, seated, cancelled, no_show");
			p->has_status = 1;
		} else if (strcmp(k, "version") == 0) {
			r = codec_version(it, create, &p->has_version, &p->version, err);
		} else if (codec_in(k, codec_waitee_ro)) {
			return codec_fail(err, "read_only", k, "%s is set by the server", k);
		} else {
			char field[64];

			snprintf(field, sizeof field, "%.60s", k);
			return codec_fail(err, "unknown_field", field, "unknown field %s", field);
		}
		if (r < 0)
			return r;
	}
	if (create && !p->has_name)
		return codec_fail(err, "missing_field", "name", "name is required");
	if (create && !p->has_party_size) {
		p->has_party_size = 1;
		p->party_size = MT_PARTY_DEFAULT;
	}
	return 0;
}

/* Parses an If-Match value. */
int mt_codec_parse_if_match(const char *text, int64_t *v)
{
	const char *p = text, *end;
	char *stop;
	long long n;

	if (text == NULL)
		return MT_EINVAL;
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end - p == 1 && *p == '*') {
		*v = -1;
		return 0;
	}
	if (end - p >= 2 && p[0] == 'W' && p[1] == '/')
		p += 2;
	if (end - p >= 2 && *p == '"' && end[-1] == '"') {
		p++;
		end--;
	}
	if (p == end || *p < '0' || *p > '9' || end - p > 18)
		return MT_EINVAL;
	n = strtoll(p, &stop, 10);
	if (stop != end || n < 0)
		return MT_EINVAL;
	*v = n;
	return 0;
}

/* notify_at for "notify in `minutes`" at now_ms. */
int64_t mt_codec_notify_at(int64_t now_ms, int minutes)
{
	int64_t t;

	if (minutes <= 0)
		return now_ms;
	t = now_ms + (int64_t)minutes * 60000;
	return t - t % 60000;
}

/* A bounded output cursor for one record (written on the stack, then
 * appended to the caller's buffer in one go). */
struct codec_w {
	char *p;        /* next byte to write */
	char *end;      /* one past the last usable byte */
	int overflow;   /* 1 once a write did not fit (the record is refused) */
};

/* Largest text of one record: every string byte escaped as \u00XX (6 bytes)
 * plus keys, numbers and punctuation. */
#define CODEC_W_MAX (6 * (2 * MT_ID_SIZE + MT_NAME_MAX + MT_PHONE_MAX + MT_EMAIL_MAX + MT_NOTES_MAX + 16 + \
			  16 + MT_REASON_MAX + MT_REPLY_MAX + MT_DESC_MAX + 3 * MT_TEMPLATE_MAX + MT_URL_MAX) + 1024)
_Static_assert(CODEC_W_MAX <= MT_CODEC_RECORD_MAX, "MT_CODEC_RECORD_MAX too small for one record");

/* Appends n bytes. */
static inline void codec_w_raw(struct codec_w *w, const char *s, size_t n)
{
	if ((size_t)(w->end - w->p) < n) {
		w->overflow = 1;
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

/* Appends s as a JSON string (quoted, escaped; UTF-8 passes through). */
static void codec_w_str(struct codec_w *w, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(w->end - w->p) < MT_JSONESC_MAX(n) + 2) {
		w->overflow = 1;
		return;
	}
	*w->p++ = '"';
	w->p += mt_jsonesc(w->p, s, n, MT_JSONESC_SHORT);
	*w->p++ = '"';
}

/* Appends the text of a char array of cap bytes as a JSON string (no strlen:
 * the escaper stops at the NUL and never reads past the array). */
static void codec_w_field(struct codec_w *w, const char *s, size_t cap)
{
	if ((size_t)(w->end - w->p) < MT_JSONESC_MAX(cap) + 2) {
		w->overflow = 1;
		return;
	}
	*w->p++ = '"';
	w->p += mt_jsonesc_field(w->p, s, cap, MT_JSONESC_SHORT);
	*w->p++ = '"';
}

/* codec_w_field for a record member that is a char array. */
#define CODEC_W_FIELD(w, arr) codec_w_field((w), (arr), sizeof(arr))

/* Appends a decimal integer. */
static void codec_w_int(struct codec_w *w, int64_t v)
{
	if ((size_t)(w->end - w->p) < MT_JSON_INT_MAX) {
		w->overflow = 1;
		return;
	}
	w->p += mt_json_int(w->p, v);
}

/* Appends ,"key": or {"key": when first (a literal key: no escaping needed). */
#define CODEC_W_KEY(w, key, first) codec_w_raw((w), (first) ? "{\"" key "\":" : ",\"" key "\":", \
					       sizeof(key) + 3)

/* Appends the text of a char array of cap bytes, or null when empty. */
static void codec_w_opt(struct codec_w *w, const char *v, size_t cap)
{
	if (v[0] == '\0')
		codec_w_raw(w, "null", 4);
	else
		codec_w_field(w, v, cap);
}

/* codec_w_opt for a record member that is a char array. */
#define CODEC_W_OPT(w, arr) codec_w_opt((w), (arr), sizeof(arr))

/* Appends a time, or null when 0 (never). */
static void codec_w_time(struct codec_w *w, int64_t v)
{
	if (v == 0)
		codec_w_raw(w, "null", 4);
	else
		codec_w_int(w, v);
}

/* Appends one record written by body to b: straight into b's spare room
 * when b may grow by CODEC_W_MAX (no copy), otherwise through a stack
 * buffer and mt_buf_add (a record that fits b's cap is never refused). */
static int codec_w_record(struct mt_buf *b, void (*body)(struct codec_w *, const void *), const void *rec)
{
	struct codec_w w;
	int r = mt_buf_reserve(b, CODEC_W_MAX);

	if (r == MT_ENOMEM)
		return r;
	if (r == 0) {
		w.p = b->data + b->len;
		w.end = b->data + b->cap - 1;   /* keep the NUL's byte */
		w.overflow = 0;
		body(&w, rec);
		if (w.overflow)
			return MT_ETOOBIG;
		b->len = (size_t)(w.p - b->data);
		b->data[b->len] = '\0';
		return 0;
	} else {
		char out[CODEC_W_MAX];

		w.p = out;
		w.end = out + sizeof out;
		w.overflow = 0;
		body(&w, rec);
		if (w.overflow)
			return MT_ETOOBIG;
		return mt_buf_add(b, out, (size_t)(w.p - out));
	}
}

/* Writes a waitlist as API JSON to w (rec: struct mt_waitlist). */
static void codec_waitlist_body(struct codec_w *wp, const void *rec)
{
	const struct mt_waitlist *wl = rec;
	struct codec_w w = *wp;

	CODEC_W_KEY(&w, "id", 1);
	CODEC_W_FIELD(&w, wl->id);
	CODEC_W_KEY(&w, "name", 0);
	CODEC_W_FIELD(&w, wl->name);
	CODEC_W_KEY(&w, "description", 0);
	CODEC_W_FIELD(&w, wl->description);
	CODEC_W_KEY(&w, "createdAt", 0);
	codec_w_int(&w, wl->created_at);
	CODEC_W_KEY(&w, "updatedAt", 0);
	codec_w_int(&w, wl->updated_at);
	CODEC_W_KEY(&w, "version", 0);
	codec_w_int(&w, wl->version);
	CODEC_W_KEY(&w, "templates", 0);
	CODEC_W_KEY(&w, "joined", 1);
	CODEC_W_OPT(&w, wl->tpl_joined);
	CODEC_W_KEY(&w, "ready", 0);
	CODEC_W_OPT(&w, wl->tpl_ready);
	CODEC_W_KEY(&w, "reminder", 0);
	CODEC_W_OPT(&w, wl->tpl_reminder);
	codec_w_raw(&w, "}", 1);
	CODEC_W_KEY(&w, "selfCheckIn", 0);
	codec_w_raw(&w, wl->self_checkin ? "true" : "false", wl->self_checkin ? 4 : 5);
	CODEC_W_KEY(&w, "checkInUrl", 0);
	CODEC_W_OPT(&w, wl->checkin_url);
	CODEC_W_KEY(&w, "defaultQuoteMinutes", 0);
	codec_w_int(&w, wl->default_quote > 0 ? wl->default_quote : MT_QUOTE_DEFAULT);
	codec_w_raw(&w, "}", 1);
	*wp = w;
}

/* Appends a waitlist as API JSON. */
int mt_codec_waitlist_write(struct mt_buf *b, const struct mt_waitlist *wl)
{
	return codec_w_record(b, codec_waitlist_body, wl);
}

/* Writes a waitee as API JSON to w (rec: struct mt_waitee). */
static void codec_waitee_body(struct codec_w *wp, const void *rec)
{
	const struct mt_waitee *we = rec;
	struct codec_w w = *wp;

	CODEC_W_KEY(&w, "id", 1);
	CODEC_W_FIELD(&w, we->id);
	CODEC_W_KEY(&w, "waitlistId", 0);
	CODEC_W_FIELD(&w, we->waitlist_id);
	CODEC_W_KEY(&w, "name", 0);
	CODEC_W_FIELD(&w, we->name);
	CODEC_W_KEY(&w, "phoneNumber", 0);
	CODEC_W_OPT(&w, we->phone);
	CODEC_W_KEY(&w, "email", 0);
	CODEC_W_OPT(&w, we->email);
	CODEC_W_KEY(&w, "partySize", 0);
	codec_w_int(&w, we->party_size);
	CODEC_W_KEY(&w, "notes", 0);
	CODEC_W_FIELD(&w, we->notes);
	CODEC_W_KEY(&w, "quotedMinutes", 0);
	codec_w_int(&w, we->quoted_minutes);
	CODEC_W_KEY(&w, "status", 0);
	codec_w_str(&w, mt_status_name(we->status));
	CODEC_W_KEY(&w, "position", 0);
	codec_w_int(&w, we->position);
	CODEC_W_KEY(&w, "joinedAt", 0);
	codec_w_int(&w, we->joined_at);
	CODEC_W_KEY(&w, "notifyAt", 0);
	codec_w_time(&w, we->notify_at);
	CODEC_W_KEY(&w, "notifiedAt", 0);
	codec_w_time(&w, we->notified_at);
	CODEC_W_KEY(&w, "seatedAt", 0);
	codec_w_time(&w, we->seated_at);
	CODEC_W_KEY(&w, "updatedAt", 0);
	codec_w_int(&w, we->updated_at);
	CODEC_W_KEY(&w, "timeToLive", 0);
	codec_w_time(&w, we->expires_at);
	CODEC_W_KEY(&w, "version", 0);
	codec_w_int(&w, we->version);
	CODEC_W_KEY(&w, "notifyCount", 0);
	codec_w_int(&w, we->notify_count);
	CODEC_W_KEY(&w, "lastResult", 0);
	CODEC_W_OPT(&w, we->last_result);
	CODEC_W_KEY(&w, "lastReason", 0);
	CODEC_W_OPT(&w, we->last_reason);
	CODEC_W_KEY(&w, "reply", 0);
	CODEC_W_OPT(&w, we->reply);
	CODEC_W_KEY(&w, "replyAt", 0);
	codec_w_time(&w, we->reply_at);
	CODEC_W_KEY(&w, "finishedAt", 0);
	codec_w_time(&w, we->finished_at);
	CODEC_W_KEY(&w, "previousStatus", 0);
	if (we->finished_at > 0)
		codec_w_str(&w, mt_status_name(we->previous_status));
	else
		codec_w_raw(&w, "null", 4);
	CODEC_W_KEY(&w, "source", 0);
	codec_w_str(&w, strcmp(we->source, "self") == 0 ? "self" : "host");
	CODEC_W_KEY(&w, "guestUrl", 0);
	CODEC_W_OPT(&w, we->guest_url);
	codec_w_raw(&w, "}", 1);
	*wp = w;
}

/* Appends a waitee as API JSON. */
int mt_codec_waitee_write(struct mt_buf *b, const struct mt_waitee *we)
{
	return codec_w_record(b, codec_waitee_body, we);
}

/* Parses what a writer produced into a cJSON tree (one encoder for both forms). */
static cJSON *codec_parse_buf(struct mt_buf *b, int r)
{
	cJSON *o = r == 0 ? cJSON_ParseWithLength(b->data, b->len) : NULL;

	mt_buf_free(b);
	return o;
}

/* Waitlist as API JSON. */
cJSON *mt_codec_waitlist_to_json(const struct mt_waitlist *w)
{
	struct mt_buf b;

	mt_buf_init(&b, MT_CODEC_RECORD_MAX);
	return codec_parse_buf(&b, mt_codec_waitlist_write(&b, w));
}

/* Waitee as API JSON. */
cJSON *mt_codec_waitee_to_json(const struct mt_waitee *w)
{
	struct mt_buf b;

	mt_buf_init(&b, MT_CODEC_RECORD_MAX);
	return codec_parse_buf(&b, mt_codec_waitee_write(&b, w));
}
