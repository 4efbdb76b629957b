/* Domain types: accounts, refresh tokens, waitlists, waitees.
 *
 * Records are plain structs with fixed-size, NUL-terminated string fields so
 * they can be copied by value and need no freeing. Lengths are in bytes of
 * UTF-8; validation (core/validate.h) enforces the limits before a record
 * reaches a store. Times are epoch milliseconds unless a name says otherwise;
 * 0 means "never / none". */
#ifndef MT_MODEL_H
#define MT_MODEL_H

#include <stdint.h>
#include <stddef.h>

#define MT_ID_LEN 26                 /* ULID-style, Crockford base32 */
#define MT_ID_SIZE (MT_ID_LEN + 1)
#define MT_EMAIL_MAX 254
#define MT_NAME_MAX 200              /* person, list and guest names */
#define MT_DESC_MAX 1000             /* waitlist description */
#define MT_NOTES_MAX 1000            /* waitee notes */
#define MT_PHONE_MAX 16              /* E.164: '+' and up to 15 digits */
#define MT_TEMPLATE_MAX 480          /* message templates */
#define MT_PWHASH_SIZE 128           /* crypto_pwhash_STRBYTES */
#define MT_REASON_MAX 200
#define MT_REPLY_MAX 320
#define MT_PARTY_MIN 1
#define MT_PARTY_MAX 50
#define MT_QUOTE_MAX 1440            /* minutes */
#define MT_QUOTE_DEFAULT 15          /* a list's default quote for wait estimates, minutes, until its owner sets one */
#define MT_URL_MAX 320               /* guest page and check-in URLs (public base + path) */
#define MT_NONCE_HEX 33              /* 16 random bytes in hex, NUL-terminated */

/* An account: the owner (who registered) or a staff member (manager or
 * host) of the same tenant (docs/staff.md). */
struct mt_user {
	char id[MT_ID_SIZE];                 /* account id, the JWT `sub` */
	char tenant_id[MT_ID_SIZE];          /* restaurant the account belongs to */
	char email[MT_EMAIL_MAX + 1];        /* lower-cased; unique across all tenants */
	char name[MT_NAME_MAX + 1];          /* display name */
	char role[16];                       /* "owner", "manager" or "host" */
	char password_hash[MT_PWHASH_SIZE];  /* Argon2id string from crypto_pwhash_str */
	int64_t created_at;                  /* creation time */
	int32_t failed_logins;               /* failed logins in the current window */
	int64_t fail_window_start;           /* start of the throttling window, 0 = none */
	int64_t version;                     /* bumped by every update */
	int disabled;                        /* 1: may not log in, its tokens are refused */
	int must_change_password;            /* 1: every route but POST /auth/password answers 403 until changed */
	int64_t revoked_before;              /* sessions (refresh families, access tokens) made before
					      * this time (ms, from their ids) are refused; 0 = none */
	int64_t updated_at;                  /* last change by a person (not login counters), 0 = never */
};

/* Defaults of a restaurant's settings. */
#define MT_RETENTION_DEFAULT_S 86400      /* guest data kept this long after a party ends */
#define MT_RETENTION_MIN_S 3600
#define MT_RETENTION_MAX_S (90 * 86400)
#define MT_TZ_MAX 64                      /* IANA time zone name */

/* A restaurant (the tenant itself): its name and settings. Absent for a
 * tenant until its owner registers with a name or PUTs /restaurant; the
 * handlers then use mt_restaurant_defaults (core/restaurant.h). */
struct mt_restaurant {
	char id[MT_ID_SIZE];                 /* = the tenant id */
	char name[MT_NAME_MAX + 1];          /* shown in messages, on the guest page, in the app; "" = none yet */
	char timezone[MT_TZ_MAX + 1];        /* IANA name ("Europe/Paris"), "UTC" by default */
	char phone_country[3];               /* ISO 3166-1 alpha-2 for numbers typed without +, "" = none */
	int64_t retention_s;                 /* guest data kept this long after a party ends (s) */
	int32_t sms_per_day;                 /* texts per day for the restaurant, 0 = the server's limit;
					      * never above it (docs/notifications.md) */
	int64_t created_at;                  /* creation time */
	int64_t updated_at;                  /* last change */
	int64_t version;                     /* bumped by every update; 0 = not stored */
};

/* A refresh token. Only the SHA-256 of the token is stored. Tokens of one
 * login form a family; reuse of a rotated token revokes the family. */
struct mt_refresh {
	char token_hash[65];                 /* hex SHA-256 of the opaque token */
	char family_id[MT_ID_SIZE];          /* login this token descends from */
	char user_id[MT_ID_SIZE];            /* account */
	int64_t created_at;                  /* issue time */
	int64_t expires_at;                  /* after this the token is refused */
	int used;                            /* 1 once rotated (spent) */
	int family_revoked;                  /* 1 when the whole family was revoked (read-only) */
};

/* Failed logins for an e-mail that has no account, kept like an account's
 * (failed_logins, fail_window_start) so that throttling answers the same
 * whether the account exists or not. The key is a keyed hash of the
 * e-mail, never the e-mail itself. */
struct mt_login_guard {
	char key[65];                        /* hex keyed BLAKE2b of the lower-cased e-mail */
	int32_t failed_logins;               /* failures in the current window */
	int64_t fail_window_start;           /* start of that window (ms), 0 = none */
	int64_t version;                     /* 0 = not stored yet */
};

/* A waitlist of a tenant, with optional per-list message templates. */
struct mt_waitlist {
	char id[MT_ID_SIZE];                 /* waitlist id */
	char tenant_id[MT_ID_SIZE];          /* owning restaurant */
	char name[MT_NAME_MAX + 1];          /* shown to guests as {restaurant} */
	char description[MT_DESC_MAX + 1];   /* free text */
	char tpl_joined[MT_TEMPLATE_MAX + 1];   /* "" = default template */
	char tpl_ready[MT_TEMPLATE_MAX + 1];    /* "" = default template */
	char tpl_reminder[MT_TEMPLATE_MAX + 1]; /* "" = default template */
	int64_t created_at;                  /* creation time */
	int64_t updated_at;                  /* last change */
	int64_t version;                     /* bumped by every update */
	int default_quote;                   /* minutes an estimate suggests without enough history; 0 = MT_QUOTE_DEFAULT */
	int64_t waitee_rev;                  /* read only, from waitlist_get: changes with every
					      * write to the list's waitees; 0 = not tracked */
	int self_checkin;                    /* computed, not stored here: 1 when the check-in link is on */
	char checkin_url[MT_URL_MAX + 1];    /* computed: the check-in page's URL when on, else "" */
};

/* Waitee states; see core/status.h for the allowed moves. */
enum mt_status {
	MT_WAITING = 0,
	MT_NOTIFIED,
	MT_CONFIRMED,
	MT_SEATED,
	MT_CANCELLED,
	MT_NO_SHOW,
	MT_STATUS_COUNT
};

/* A party on a waitlist. */
struct mt_waitee {
	char id[MT_ID_SIZE];                 /* waitee id; ids sort in join order */
	char waitlist_id[MT_ID_SIZE];        /* list it is on */
	char tenant_id[MT_ID_SIZE];          /* owning restaurant (copied from the list) */
	char name[MT_NAME_MAX + 1];          /* guest name */
	char phone[MT_PHONE_MAX + 1];        /* E.164 or "" */
	char email[MT_EMAIL_MAX + 1];        /* or "" */
	char notes[MT_NOTES_MAX + 1];        /* host notes, tags */
	int party_size;                      /* 1..50 */
	int quoted_minutes;                  /* quote given to the guest, 0 = none */
	enum mt_status status;               /* state machine position */
	int64_t joined_at;                   /* time added */
	int64_t notify_at;                   /* when the guest should be told, 0 = not planned */
	int64_t notified_at;                 /* last successful notification, 0 = never */
	int64_t seated_at;                   /* time seated, 0 = not seated */
	int64_t updated_at;                  /* last change */
	int64_t expires_at;                  /* TTL in epoch SECONDS once finished, 0 = none */
	int64_t version;                     /* bumped by every update */

	/* Notification bookkeeping (owned by the server, never by clients). */
	int64_t due_at;                      /* >0 while a notification is pending and not queued: the due-index key */
	char notify_kind[16];                /* "joined", "ready", "reminder" for the pending/last queued one */
	int32_t notify_seq;                  /* sequence number of the latest requested notification */
	int32_t queued_seq;                  /* highest seq handed to the queue */
	int32_t sent_seq;                    /* highest seq delivered (idempotency: key waiteeId:seq) */
	int32_t notify_count;                /* notifications delivered */
	char last_result[16];                /* "", "queued", "sent", "failed" */
	char last_reason[MT_REASON_MAX + 1]; /* failure reason shown to the host */
	char reply[MT_REPLY_MAX + 1];        /* last free-text reply from the guest */
	int64_t reply_at;                    /* when it came */
	int64_t finished_at;                 /* when it last moved to seated/cancelled/no_show; 0 while active */
	enum mt_status previous_status;      /* active status it had then (the undo target); only when finished_at > 0 */

	char source[8];                      /* who added the party: "host" (staff, also "" on old rows) or "self" (check-in page) */
	char guest_nonce[MT_NONCE_HEX];      /* 16 random bytes (hex) the guest link is derived from; "" = no link */

	int position;                        /* computed, not stored: 1-based among active parties, 0 if finished */
	char guest_url[MT_URL_MAX + 1];      /* computed, not stored: the guest's status page (core/guestlink.h), "" = none */
};

/* A public link: a guest's status page (kind "guest", key = hex SHA-256 of
 * the token in the URL, never the token) or a list's self check-in door
 * (kind "checkin", key = "j:" + the slug in the URL). */
struct mt_link {
	char key[72];                        /* lookup key (see above) */
	char kind[8];                        /* "guest" or "checkin" */
	char tenant_id[MT_ID_SIZE];          /* restaurant */
	char waitlist_id[MT_ID_SIZE];        /* list */
	char waitee_id[MT_ID_SIZE];          /* party ("" for checkin) */
	int enabled;                         /* checkin: 1 while the owner has it on; guest: 1 */
	int64_t created_at;                  /* creation time (ms) */
	int64_t expires_at;                  /* epoch SECONDS after which the link is gone, 0 = never */
};

/* Activity log (issue 10 part 3): one append-only entry per change. Entries
 * never hold a guest's name, phone, e-mail, notes or reply text: a party is
 * named by its id and size, and its name is joined from the live record when
 * the log is read, so erasing the party erases it from the log too. */
#define MT_HANDOVER_MAX 4000         /* handover note, bytes */
struct mt_activity {
	char id[MT_ID_SIZE];                 /* entry id; ids sort by time */
	char tenant_id[MT_ID_SIZE];          /* restaurant */
	char waitlist_id[MT_ID_SIZE];        /* list, "" for restaurant-wide entries (staff accounts) */
	int64_t at;                          /* when (ms) */
	char actor_kind[12];                 /* "staff", "guest" (replies, guest page), "notifier", "system" */
	char actor_id[MT_ID_SIZE];           /* the staff account's id, else "" */
	char action[24];                     /* created, edited, status, notified, replied, message_failed,
					      * undone, deleted, list_created, list_edited, handover_written, ... */
	char subject_id[MT_ID_SIZE];         /* the party (or staff account) it is about, "" = the list */
	int party_size;                      /* party size at the time, 0 = not a party */
	char fields[128];                    /* names of the fields changed, comma-separated ("" = none) */
	char before[192];                    /* JSON object of non-personal values before ("" = none) */
	char after[192];                     /* JSON object of non-personal values after ("" = none) */
	char detail[MT_REASON_MAX + 1];      /* short text without guest data (failure kind, reply kind) */
	int64_t expires_at;                  /* epoch SECONDS after which the entry is deleted */
};

/* A shift handover note of a list; notes are kept as history, newest first. */
struct mt_handover {
	char id[MT_ID_SIZE];                 /* note id; ids sort by time */
	char tenant_id[MT_ID_SIZE];          /* restaurant */
	char waitlist_id[MT_ID_SIZE];        /* list */
	char note[MT_HANDOVER_MAX + 1];      /* the text, UTF-8 */
	char author_id[MT_ID_SIZE];          /* account that wrote it */
	char author_name[MT_NAME_MAX + 1];   /* its name then */
	int64_t created_at;                  /* when written (ms) */
	char acked_by[MT_ID_SIZE];           /* account that acknowledged it, "" = not yet */
	char acked_name[MT_NAME_MAX + 1];    /* its name then */
	int64_t acked_at;                    /* when (ms), 0 = not yet */
	int64_t version;                     /* bumped by every update */
	int64_t expires_at;                  /* epoch SECONDS after which the note is deleted */
};

#endif
