/* The shift handover and activity views' model (see handover.h). */
#include "handover.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kit/theme.h"
#include "util.h"

/* A string member or "". */
static const char *jstr(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return s ? s : "";
}

/* A number member or 0. */
static double jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Local "20:14" of epoch ms. */
static void hhmm(double ms, char *out, size_t n)
{
	time_t t = (time_t)num_i64(ms / 1000);
	struct tm tm;
	if (localtime_r(&t, &tm) == NULL)
		str_fmt(out, n, "--:--");
	else
		str_fmt(out, n, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

/* Appends a line to the summary (dropped when full). */
static void add_line(struct handover_view *v, int slot, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_line(struct handover_view *v, int slot, const char *fmt, ...)
{
	va_list ap;
	if (v->n_lines == HANDOVER_LINES_MAX)
		return;
	struct view_line *l = &v->lines[v->n_lines++];
	l->slot = slot;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof l->text, fmt, ap);
	va_end(ap);
}

/* "Zoë (4)" of a party object; "a party of 4" when its name is gone. */
static void party_label(const cJSON *o, const char *name_key, char *out, size_t n)
{
	const char *name = jstr(o, name_key);
	int size = num_int(jnum(o, "partySize"));
	if (name[0])
		str_fmt(out, n, "%s (%d)", name, size);
	else
		str_fmt(out, n, "a party of %d", size);
}

/* Fills v from the summary's JSON. */
int handover_from_json(struct handover_view *v, const char *json)
{
	cJSON *s = json ? cJSON_Parse(json) : NULL;
	const cJSON *note, *w, *lw, *x, *nt;
	char t[16], p[300];
	if (!cJSON_IsObject(s)) {
		cJSON_Delete(s);
		return -1;
	}
	note = cJSON_GetObjectItemCaseSensitive(s, "note");
	v->has_note = cJSON_IsObject(note);
	v->note_id[0] = v->note[0] = v->author[0] = v->acked_by[0] = '\0';
	v->created_ms = v->acked_ms = 0;
	v->acked = 0;
	if (v->has_note) {
		str_copy(v->note_id, sizeof v->note_id, jstr(note, "id"));
		str_copy(v->note, sizeof v->note, jstr(note, "note"));
		str_copy(v->author, sizeof v->author, jstr(cJSON_GetObjectItemCaseSensitive(note, "author"), "name"));
		v->created_ms = (int64_t)num_i64(jnum(note, "createdAt"));
		v->acked = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(note, "acknowledged"));
		str_copy(v->acked_by, sizeof v->acked_by,
			 jstr(cJSON_GetObjectItemCaseSensitive(note, "acknowledgedBy"), "name"));
		v->acked_ms = (int64_t)num_i64(jnum(note, "acknowledgedAt"));
	}
	v->n_lines = 0;
	w = cJSON_GetObjectItemCaseSensitive(s, "waiting");
	add_line(v, TK_SLOT_DIALOG, "Waiting: %d %s, %d %s", num_int(jnum(w, "parties")),
		 num_int(jnum(w, "parties")) == 1 ? "party" : "parties", num_int(jnum(w, "covers")),
		 num_int(jnum(w, "covers")) == 1 ? "cover" : "covers");
	lw = cJSON_GetObjectItemCaseSensitive(s, "longestWait");
	if (cJSON_IsObject(lw)) {
		party_label(lw, "name", p, sizeof p);
		add_line(v, TK_SLOT_DIALOG, "Longest wait: %s, %d min", p, num_int(jnum(lw, "minutes")));
	}
	x = cJSON_GetObjectItemCaseSensitive(s, "overQuote");
	add_line(v, cJSON_GetArraySize(x) ? TK_SLOT_OVER_QUOTE : TK_SLOT_DIALOG, "Over their quote: %d",
		 cJSON_GetArraySize(x));
	cJSON_ArrayForEach(w, x) {
		party_label(w, "name", p, sizeof p);
		add_line(v, TK_SLOT_OVER_QUOTE, "  %s waited %d min, quoted %d", p, num_int(jnum(w, "waitedMinutes")),
			 num_int(jnum(w, "quotedMinutes")));
	}
	nt = cJSON_GetObjectItemCaseSensitive(s, "notifications");
	add_line(v, jnum(nt, "failed") > 0 ? TK_SLOT_FAILED : TK_SLOT_DIALOG, "Texts: %d pending, %d failed",
		 num_int(jnum(nt, "pending")), num_int(jnum(nt, "failed")));
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(nt, "failedParties")) {
		party_label(w, "name", p, sizeof p);
		add_line(v, TK_SLOT_FAILED, "  failed: %s", p);
	}
	x = cJSON_GetObjectItemCaseSensitive(s, "guestReplies");
	add_line(v, TK_SLOT_DIALOG, "Guest replies %s: %d", jnum(s, "repliesSince") > 0 ? "since the note" : "kept",
		 cJSON_GetArraySize(x));
	cJSON_ArrayForEach(w, x) {
		const char *r = jstr(w, "reply");
		party_label(w, "name", p, sizeof p);
		hhmm(jnum(w, "at"), t, sizeof t);
		add_line(v, strcmp(r, "cancel") == 0 ? TK_SLOT_CANCELLED : TK_SLOT_CONFIRMED, "  %s %s %s", t, p,
			 strcmp(r, "confirm") == 0 ? "confirmed" : strcmp(r, "cancel") == 0 ? "cancelled" : "sent a text");
	}
	x = cJSON_GetObjectItemCaseSensitive(s, "partyNotes");
	add_line(v, TK_SLOT_DIALOG, "Notes on parties: %d", cJSON_GetArraySize(x));
	cJSON_ArrayForEach(w, x) {
		party_label(w, "name", p, sizeof p);
		add_line(v, TK_SLOT_DIALOG, "  %s: %s", p, jstr(w, "notes"));
	}
	v->loaded = 1;
	if (v->top >= v->n_lines)
		v->top = 0;
	cJSON_Delete(s);
	return 0;
}

/* The verb of a status name. */
static const char *status_verb(const char *st)
{
	if (strcmp(st, "seated") == 0)
		return "seated";
	if (strcmp(st, "cancelled") == 0)
		return "cancelled";
	if (strcmp(st, "no_show") == 0)
		return "marked no-show";
	if (strcmp(st, "confirmed") == 0)
		return "confirmed";
	if (strcmp(st, "notified") == 0)
		return "marked notified";
	return "moved back to waiting";
}

/* The sentence of one entry. */
void activity_sentence(const void *entry, char *out, size_t n, int *slot)
{
	const cJSON *e = entry, *actor = cJSON_GetObjectItemCaseSensitive(e, "actor");
	const char *action = jstr(e, "action"), *kind = jstr(actor, "kind"), *detail = jstr(e, "detail");
	const char *after_st = jstr(cJSON_GetObjectItemCaseSensitive(e, "after"), "status");
	char who[256], what[300], fields[160] = "";
	const cJSON *f;

	*slot = TK_SLOT_DIALOG;
	if (strcmp(kind, "staff") == 0)
		str_copy(who, sizeof who, jstr(actor, "name")[0] ? jstr(actor, "name") : "a host");
	else if (strcmp(kind, "guest") == 0)
		str_copy(who, sizeof who, "The guest");
	else if (strcmp(kind, "notifier") == 0)
		str_copy(who, sizeof who, "Maitre");
	else
		str_copy(who, sizeof who, "The system");
	party_label(e, "guestName", what, sizeof what);
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(e, "fields")) {
		size_t l = strlen(fields);
		if (cJSON_IsString(f))
			str_fmt(fields + l, sizeof fields - l, "%s%s", l ? ", " : "", f->valuestring);
	}
	if (strcmp(action, "created") == 0)
		str_fmt(out, n, "%s added %s", who, what);
	else if (strcmp(action, "edited") == 0)
		str_fmt(out, n, "%s edited %s: %s", who, what, fields);
	else if (strcmp(action, "status") == 0) {
		str_fmt(out, n, "%s %s %s", who, status_verb(after_st), what);
		if (strcmp(after_st, "cancelled") == 0 || strcmp(after_st, "no_show") == 0)
			*slot = TK_SLOT_CANCELLED;
		else if (strcmp(after_st, "seated") == 0)
			*slot = TK_SLOT_SUCCESS;
	} else if (strcmp(action, "undone") == 0)
		str_fmt(out, n, "%s undid: %s back to %s", who, what, after_st);
	else if (strcmp(action, "notify_requested") == 0)
		str_fmt(out, n, "%s asked to text %s", who, what);
	else if (strcmp(action, "notified") == 0) {
		str_fmt(out, n, "%s texted %s (%s)", who, what, detail);
		*slot = TK_SLOT_NOTIFIED;
	} else if (strcmp(action, "message_failed") == 0) {
		str_fmt(out, n, "%s could not text %s (%s)", who, what, detail);
		*slot = TK_SLOT_FAILED;
	} else if (strcmp(action, "replied") == 0) {
		str_fmt(out, n, "%s replied: %s %s", what, detail,
			strcmp(detail, "confirm") == 0 ? "(on the way)" : strcmp(detail, "cancel") == 0 ? "(not coming)" : "");
		*slot = strcmp(detail, "cancel") == 0 ? TK_SLOT_CANCELLED : TK_SLOT_CONFIRMED;
	} else if (strcmp(action, "deleted") == 0)
		str_fmt(out, n, "%s deleted %s", who, what);
	else if (strcmp(action, "list_created") == 0)
		str_fmt(out, n, "%s created the list", who);
	else if (strcmp(action, "list_edited") == 0)
		str_fmt(out, n, "%s edited the list: %s", who, fields);
	else if (strcmp(action, "handover_written") == 0)
		str_fmt(out, n, "%s wrote the handover note", who);
	else if (strcmp(action, "handover_acknowledged") == 0)
		str_fmt(out, n, "%s acknowledged the handover", who);
	else
		str_fmt(out, n, "%s: %s %s", who, action, what);
}

/* Fills v from the activity page's JSON. */
int activity_from_json(struct activity_view *v, const char *json)
{
	cJSON *arr = json ? cJSON_Parse(json) : NULL;
	const cJSON *e;
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(arr);
		return -1;
	}
	v->n = 0;
	cJSON_ArrayForEach(e, arr) {
		char t[16], s[220];
		int slot;
		if (v->n == ACTIVITY_VIEW_MAX)
			break;
		hhmm(jnum(e, "at"), t, sizeof t);
		activity_sentence(e, s, sizeof s, &slot);
		v->lines[v->n].slot = slot;
		str_fmt(v->lines[v->n].text, sizeof v->lines[v->n].text, "%s  %s", t, s);
		v->n++;
	}
	v->loaded = 1;
	if (v->top >= v->n)
		v->top = 0;
	cJSON_Delete(arr);
	return 0;
}

/* Appends a code point (Enter = a newline). */
int note_insert(struct note_editor *e, long cp)
{
	char b[4];
	size_t k;
	if (cp == '\r' || cp == '\n')
		cp = '\n';
	else if (cp < 0x20 || cp == 0x7f || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;   /* other control characters are not text */
	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (e->len + k > HANDOVER_NOTE_MAX)
		return -1;
	memcpy(e->text + e->len, b, k);
	e->len += k;
	e->text[e->len] = '\0';
	return 0;
}

/* Removes the last code point. */
void note_backspace(struct note_editor *e)
{
	while (e->len > 0) {
		unsigned char c = (unsigned char)e->text[--e->len];
		if ((c & 0xc0) != 0x80)
			break;
	}
	e->text[e->len] = '\0';
}
