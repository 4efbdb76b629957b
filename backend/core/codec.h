/* Records <-> JSON for the API: waitlists and waitees to JSON, and the
 * parsing and validation of create/update bodies into patches.
 *
 * Parsing never touches a record: it fills a patch (what the body asks to
 * change, every value already validated and normalised), so a handler can
 * refuse a request before anything is read or written. Errors come back in
 * a struct mt_codec_err: the API error code ("invalid_field", "read_only",
 * "unknown_field", "invalid_type", "missing_field"), the field's JSON name and a
 * message. */
#ifndef MT_CODEC_H
#define MT_CODEC_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/model.h"

#define MT_NOTIFY_IN_MAX 1440   /* notifyIn: minutes from now, 0..1440 */
#define MT_PARTY_DEFAULT 2      /* partySize when a create body has none (original clients) */

/* Why a body was refused. */
struct mt_codec_err {
	const char *code;     /* API error code: static string */
	char field[64];       /* JSON name of the offending field ("templates.ready") */
	char message[256];    /* human-readable reason */
};

/* What a waitlist body asks for; has_* says which members were given. */
struct mt_waitlist_patch {
	int has_name;                            /* name given */
	char name[MT_NAME_MAX + 1];              /* new name */
	int has_description;                     /* description given (null clears) */
	char description[MT_DESC_MAX + 1];       /* new description */
	int has_tpl[3];                          /* joined, ready, reminder given (null or "" = default) */
	char tpl[3][MT_TEMPLATE_MAX + 1];        /* new templates, same order */
	int has_default_quote;                   /* defaultQuoteMinutes given */
	int default_quote;                       /* minutes an estimate falls back to (1..MT_QUOTE_MAX) */
	int has_self_checkin;                    /* selfCheckIn given */
	int self_checkin;                        /* 1 = the check-in page is on */
	int has_version;                         /* body `version` given (update precondition) */
	int64_t version;                         /* expected version */
};

/* What a waitee body asks for; has_* says which members were given. */
struct mt_waitee_patch {
	int has_name;                            /* name given */
	char name[MT_NAME_MAX + 1];              /* new name */
	int has_phone;                           /* phoneNumber given (null or "" clears) */
	char phone[MT_PHONE_MAX + 1];            /* normalised E.164 or "" */
	int has_email;                           /* email given (null or "" clears) */
	char email[MT_EMAIL_MAX + 1];            /* lower-cased or "" */
	int has_party_size;                      /* partySize given */
	int party_size;                          /* 1..50 */
	int has_notes;                           /* notes given (null clears) */
	char notes[MT_NOTES_MAX + 1];            /* new notes */
	int has_quoted;                          /* quotedMinutes given (null = 0) */
	int quoted_minutes;                      /* 0..1440 */
	int has_notify_in;                       /* notifyIn given */
	int notify_in;                           /* minutes from now, 0 = now */
	int has_status;                          /* status given (update only) */
	enum mt_status status;                   /* requested status */
	int has_version;                         /* body `version` given (update precondition) */
	int64_t version;                         /* expected version */
};

/* Largest JSON text of one record (all fields at their limits, fully escaped). */
#define MT_CODEC_RECORD_MAX (32 * 1024)

/* Appends a waitlist as API JSON text (id, name, description, createdAt,
 * updatedAt, version, templates) to b: 0, MT_ENOMEM or MT_ETOOBIG. The
 * handlers write responses with these, without building cJSON trees. */
int mt_codec_waitlist_write(struct mt_buf *b, const struct mt_waitlist *w);
/* Appends a waitee as API JSON text (see docs/api.yaml Waitee) to b. */
int mt_codec_waitee_write(struct mt_buf *b, const struct mt_waitee *w);
/* The same as cJSON trees (parsed from the writers' text, so both forms are
 * always equal); NULL when out of memory. */
cJSON *mt_codec_waitlist_to_json(const struct mt_waitlist *w);
cJSON *mt_codec_waitee_to_json(const struct mt_waitee *w);

/* Parses a waitlist body. create=1: POST (name required, version refused);
 * create=0: PUT (all optional). 0 or MT_EINVAL with *err filled. */
int mt_codec_waitlist_parse(const cJSON *body, int create, struct mt_waitlist_patch *p,
			    struct mt_codec_err *err);
/* Applies a parsed waitlist patch to a record (no validation needed). */
void mt_codec_waitlist_apply(const struct mt_waitlist_patch *p, struct mt_waitlist *w);

/* Parses a waitee body. create=1: POST (name required, partySize defaults to
 * MT_PARTY_DEFAULT, status and version refused); create=0: PUT. */
int mt_codec_waitee_parse(const cJSON *body, int create, struct mt_waitee_patch *p,
			  struct mt_codec_err *err);

/* Parses an If-Match value: "3", "\"3\"", "W/\"3\"" or "*" (any: *v = -1).
 * 0 or MT_EINVAL. */
int mt_codec_parse_if_match(const char *text, int64_t *v);

/* notify_at for "notify in `minutes`" at now_ms: now when 0, otherwise
 * now + minutes, cut down to the whole minute (the original semantics). */
int64_t mt_codec_notify_at(int64_t now_ms, int minutes);

#endif
