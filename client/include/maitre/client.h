/* libmaitre-client: the Maitre API in C (libcurl + cJSON).
 *
 * The one header that maitrectl and the host-stand app use; nothing else of
 * the library is public. Build against it with
 *     cc prog.c $(pkg-config --cflags --libs maitre-client)
 *
 * Conventions (see docs/client.md):
 * - Every public symbol starts with `mtc_` / `MTC_`; handles are opaque.
 * - Errors are values: calls return `enum mtc_error` (MTC_OK = 0) and fill an
 *   optional `struct mtc_status *` (may be NULL) with the details. The
 *   library never aborts, never exits and never prints except the
 *   MAITRE_DEBUG=1 trace (tokens, passwords and phone numbers masked).
 * - Ownership: records handed out are owned by the caller and freed with
 *   the matching `*_clear` / `*_free`; list objects are reference-counted
 *   (`*_ref` / `*_unref`) so the list cache can hand out the same list
 *   again on 304. Strings the caller passes in are copied; the caller may
 *   free them as soon as the call returns (also for non-blocking calls).
 * - Times are epoch milliseconds (int64_t); 0 means "none" (the API's
 *   null), except `time_to_live` which is epoch seconds (as the API).
 * - One client handle is used from one thread at a time. Different handles
 *   are independent; call mtc_global_init() once before threads start.
 *
 * Stability: after the first release of this header, it only grows (new
 * functions, new enum values at the end, new ops). Structs that the caller
 * allocates (inputs, requests) are zero-initialised by the caller, so new
 * members added at their end default to "not given".
 */
#ifndef MAITRE_CLIENT_H
#define MAITRE_CLIENT_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define MTC_API __attribute__((visibility("default")))
#else
#define MTC_API
#endif

#define MTC_VERSION_MAJOR 0
#define MTC_VERSION_MINOR 1
#define MTC_VERSION_PATCH 0

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

/* What went wrong, by kind (details in struct mtc_status). Never reorder. */
enum mtc_error {
	MTC_OK = 0,             /* success (a 304 is success too: see not_modified) */
	MTC_ERR_NETWORK,        /* no connection / reset / DNS / TLS: message has curl's reason */
	MTC_ERR_TIMEOUT,        /* connect or total timeout passed */
	MTC_ERR_UNAUTHORIZED,   /* token refused and refresh failed (401, gateway 403 {"message":"Forbidden"},
	                         * a revoked or expired refresh token, wrong password, or no session): log in again */
	MTC_ERR_FORBIDDEN,      /* 403 `forbidden` from our handlers: the role may not do this (a host
	                         * changing a waitlist); logging in again does not help */
	MTC_ERR_NOT_FOUND,      /* 404: no such record (or another restaurant's) */
	MTC_ERR_VALIDATION,     /* 400/413/422: the server refused the input; `field` and `message` say why */
	MTC_ERR_CONFLICT,       /* 409: conflict (lost race), invalid_transition, invalid_state, email_taken,
	                         * undo_expired, idempotency_in_progress (`error` has the code) */
	MTC_ERR_PRECONDITION,   /* 412: If-Match / version is stale; `current_version` has the server's */
	MTC_ERR_RATE_LIMITED,   /* 429: `retry_after` seconds to wait */
	MTC_ERR_SERVER,         /* 5xx (503 `unavailable` carries retry_after) or an unexpected status */
	MTC_ERR_BAD_ANSWER,     /* the server answered something that is not the API's JSON */
	MTC_ERR_NOMEM,          /* out of memory */
	MTC_ERR_INVALID_ARG,    /* the caller passed something unusable (NULL, a bad id, no server) */
	MTC_ERR_IO,             /* a local file (config, session) could not be read or written */
	MTC_ERR_CANCELLED,      /* a non-blocking call was cancelled (mtc_cancel, mtc_client_free) */
};

/* The details of the last outcome of a call. Fixed-size: never allocated. */
struct mtc_status {
	enum mtc_error code;       /* the kind, same as the return value */
	long http_status;          /* HTTP status of the final answer, 0 when none came */
	char error[64];            /* the server's `error` code ("version_mismatch"), "" when none */
	char field[128];           /* the server's `field` ("phoneNumber", "If-Match"), "" when none */
	char message[512];         /* human-readable reason (server's message, curl's reason, or ours) */
	int64_t current_version;   /* 412: the record's current version from ETag; -1 unknown */
	int retry_after;           /* 429 / 503: seconds from Retry-After; -1 when absent */
	char request_id[64];       /* the server's X-Request-Id, "" when none (quote it in bug reports) */
};

/* Short English name of an error kind ("network", "precondition failed", ...). Static string. */
MTC_API const char *mtc_strerror(enum mtc_error e);
/* Resets st to "OK, nothing happened" (current_version -1, retry_after -1). */
MTC_API void mtc_status_reset(struct mtc_status *st);

/* ------------------------------------------------------------------ */
/* Records                                                              */
/* ------------------------------------------------------------------ */

#define MTC_ID_MAX 64    /* ids are 26 chars today; room to grow */

/* A party's status (API `status`). */
enum mtc_party_status {
	MTC_PARTY_UNKNOWN = 0,  /* absent, or a status this library does not know yet */
	MTC_PARTY_WAITING,      /* "waiting" */
	MTC_PARTY_NOTIFIED,     /* "notified" (server-set) */
	MTC_PARTY_CONFIRMED,    /* "confirmed" */
	MTC_PARTY_SEATED,       /* "seated" */
	MTC_PARTY_CANCELLED,    /* "cancelled" */
	MTC_PARTY_NO_SHOW,      /* "no_show" */
};
/* API name of a status ("no_show"); "unknown" for MTC_PARTY_UNKNOWN. */
MTC_API const char *mtc_party_status_name(enum mtc_party_status s);
/* Parses an API status name (also "no-show"); MTC_PARTY_UNKNOWN when not one. */
MTC_API enum mtc_party_status mtc_party_status_parse(const char *name);
/* 1 for waiting, notified, confirmed (the API's "active"), else 0. */
MTC_API int mtc_party_status_active(enum mtc_party_status s);

/* Outcome of a party's latest notification (API `lastResult`). */
enum mtc_send_result {
	MTC_SEND_NONE = 0,      /* null: nothing planned or sent yet */
	MTC_SEND_QUEUED,        /* "queued" */
	MTC_SEND_SENT,          /* "sent" */
	MTC_SEND_FAILED,        /* "failed" (last_reason says why) */
};

/* A waitlist's message templates; NULL = the built-in default. */
struct mtc_templates {
	char *joined;           /* sent when a party joins */
	char *ready;            /* sent on notify ("table ready") */
	char *reminder;         /* sent ahead of the quote */
};

/* A waitlist (API `Waitlist`). Strings are malloc'd, never NULL except templates. */
struct mtc_waitlist {
	char id[MTC_ID_MAX];            /* id */
	char *name;                     /* name, shown to guests as {restaurant} */
	char *description;              /* description, "" when none */
	int64_t created_at;             /* createdAt (ms) */
	int64_t updated_at;             /* updatedAt (ms) */
	int64_t version;                /* version (1 on create, +1 per change) */
	struct mtc_templates templates; /* templates */
};

/* A party (API `Waitee`). Strings are malloc'd; nullable ones are NULL when null. */
struct mtc_waitee {
	char id[MTC_ID_MAX];            /* id (sorts in join order) */
	char waitlist_id[MTC_ID_MAX];   /* waitlistId */
	char *name;                     /* name (never NULL) */
	char *phone;                    /* phoneNumber, E.164, NULL when none */
	char *email;                    /* email, NULL when none */
	int party_size;                 /* partySize */
	char *notes;                    /* notes ("" when none, never NULL) */
	int quoted_minutes;             /* quotedMinutes, 0 = none */
	enum mtc_party_status status;   /* status */
	int position;                   /* position: 1-based among active parties, 0 when finished */
	int64_t joined_at;              /* joinedAt (ms) */
	int64_t notify_at;              /* notifyAt (ms), 0 = never planned */
	int64_t notified_at;            /* notifiedAt (ms), 0 = never delivered */
	int64_t seated_at;              /* seatedAt (ms), 0 = not seated */
	int64_t updated_at;             /* updatedAt (ms) */
	int64_t time_to_live;           /* timeToLive (epoch SECONDS), 0 while active */
	int64_t version;                /* version */
	int notify_count;               /* notifyCount: notifications delivered */
	enum mtc_send_result last_result; /* lastResult */
	char *last_reason;              /* lastReason (why the latest send failed), NULL when none */
	char *reply;                    /* reply: last free-text SMS reply, NULL when none */
	int64_t reply_at;               /* replyAt (ms), 0 = none */
	enum mtc_party_status previous_status; /* previousStatus: what an undo restores, UNKNOWN when none
	                                         * (servers before the undo feature never send it) */
	int64_t finished_at;            /* finishedAt (ms): when it was seated/cancelled/no-show, 0 = none */
	char source[8];                 /* source: "host" (added by staff) or "self" (the guest's self
	                                 * check-in); "" when the server does not send it */
	char *guest_url;                /* guestUrl: the guest's status page (staff only), NULL when absent */
};

/* An account (API `Account`, from /register). Strings malloc'd, "" when absent. */
struct mtc_account {
	char id[MTC_ID_MAX];            /* id */
	char *email;                    /* email (lower-cased) */
	char *name;                     /* name */
	char tenant_id[MTC_ID_MAX];     /* tenantId: the restaurant */
	char role[16];                  /* "owner" or "host" */
	int64_t created_at;             /* createdAt (ms) */
};

/* A staff account of the restaurant (API `Staff`, docs/staff.md). Fixed-size: nothing to free. */
struct mtc_staff {
	char id[MTC_ID_MAX];            /* id */
	char email[256];                /* email (lower-cased) */
	char name[256];                 /* name */
	char role[16];                  /* "owner", "manager" or "host" */
	int disabled;                   /* 1 when disabled */
	int must_change_password;       /* 1 while its first (or reset) password is unchanged */
	int64_t created_at;             /* createdAt (ms) */
	int64_t updated_at;             /* updatedAt (ms), 0 = never */
	int64_t version;                /* version (If-Match) */
};

/* The restaurant (API `Restaurant`). Fixed-size: nothing to free. */
struct mtc_restaurant {
	char id[MTC_ID_MAX];            /* id (the tenant) */
	char name[256];                 /* name, "" when none yet */
	char timezone[72];              /* IANA time zone ("UTC") */
	char phone_country[4];          /* ISO 3166 alpha-2, "" = none */
	int64_t retention_s;            /* retentionSeconds */
	int sms_per_day;                /* smsPerDay, 0 = the server's limit */
	int64_t version;                /* version, 0 = never stored */
};

/* Fields of a staff account to send: create needs email, name, role and
 * password; an update sends what is not NULL (and disabled when
 * set_disabled). */
struct mtc_staff_input {
	const char *email;              /* create only */
	const char *name;               /* NULL = unchanged */
	const char *role;               /* "host" / "manager"; NULL = unchanged */
	const char *password;           /* create: the initial password */
	int set_disabled;               /* 1: send `disabled` */
	int disabled;                   /* its value */
};

/* Fields of the restaurant to send: what is not NULL / set. */
struct mtc_restaurant_input {
	const char *name;               /* NULL = unchanged */
	const char *timezone;           /* NULL = unchanged */
	const char *phone_country;      /* NULL = unchanged ("" clears) */
	int64_t retention_s;            /* 0 = unchanged */
	int set_sms_per_day;            /* 1: send smsPerDay */
	int sms_per_day;                /* its value (0 = the server's limit) */
};

/* What the last session answer (login, refresh, password change) said
 * about the account and its restaurant. */
struct mtc_session_info {
	int known;                      /* 0 until a session answer came (a resumed session: after the first refresh) */
	char role[16];                  /* role */
	char name[256];                 /* the account's name */
	int must_change_password;       /* 1: every call but mtc_change_password answers 403 password_change_required */
	char restaurant_name[256];      /* the restaurant's name, "" when none */
	char timezone[72];              /* its IANA time zone */
	char phone_country[4];          /* its default country for phone numbers (ISO 3166 alpha-2), "" = none */
};

/* Who the current access token says we are (read from its claims, not verified). */
struct mtc_identity {
	char account_id[MTC_ID_MAX];    /* sub */
	char tenant_id[MTC_ID_MAX];     /* tenantId */
	char role[16];                  /* role */
	int64_t expires_at;             /* exp, in ms; 0 unknown */
};

/* Frees what a record holds and zeroes it (safe on a zeroed record). */
MTC_API void mtc_waitlist_clear(struct mtc_waitlist *w);
MTC_API void mtc_waitee_clear(struct mtc_waitee *w);
MTC_API void mtc_account_clear(struct mtc_account *a);
/* Deep copies src into dst (dst is overwritten, not cleared first). MTC_OK or MTC_ERR_NOMEM (dst zeroed). */
MTC_API enum mtc_error mtc_waitlist_copy(struct mtc_waitlist *dst, const struct mtc_waitlist *src);
MTC_API enum mtc_error mtc_waitee_copy(struct mtc_waitee *dst, const struct mtc_waitee *src);

/* A record or a list as the API's JSON (the field names, types and nulls of
 * docs/api.yaml; lists as a bare array), one line, malloc'd (caller frees);
 * NULL on no memory. For scripts (maitrectl --json) and for storing records. */
MTC_API char *mtc_waitlist_to_json(const struct mtc_waitlist *w);
MTC_API char *mtc_waitee_to_json(const struct mtc_waitee *w);
MTC_API char *mtc_account_to_json(const struct mtc_account *a);

/* A list of waitlists. Reference-counted: the client's list cache may hold
 * one reference and hand out the same object again when the server says 304. */
struct mtc_waitlist_list {
	struct mtc_waitlist *items;     /* items[0..n) in the server's order */
	size_t n;                       /* number of items */
	char next_cursor[600];          /* cursor of the next page ("" = this was the last page, or all pages) */
	char etag[128];                 /* the list's ETag as the server sent it, "" when none */
	unsigned refs_;                 /* private: reference count */
};

/* A list of parties (same rules as mtc_waitlist_list). */
struct mtc_waitee_list {
	struct mtc_waitee *items;       /* items[0..n) in queue (join) order */
	size_t n;                       /* number of items */
	char next_cursor[600];          /* cursor of the next page ("" = last page, or all pages) */
	char etag[128];                 /* the ETag ("" when none, or when several pages were joined) */
	char waitlist_id[MTC_ID_MAX];   /* the waitlist these parties are on */
	unsigned refs_;                 /* private: reference count */
};

/* Takes one more reference (returns l); drops one and frees on the last. NULL-safe. */
MTC_API struct mtc_waitlist_list *mtc_waitlist_list_ref(struct mtc_waitlist_list *l);
MTC_API void mtc_waitlist_list_unref(struct mtc_waitlist_list *l);
MTC_API struct mtc_waitee_list *mtc_waitee_list_ref(struct mtc_waitee_list *l);
MTC_API void mtc_waitee_list_unref(struct mtc_waitee_list *l);

/* A whole list as the API's JSON array (see mtc_waitee_to_json). */
MTC_API char *mtc_waitlist_list_to_json(const struct mtc_waitlist_list *l);
MTC_API char *mtc_waitee_list_to_json(const struct mtc_waitee_list *l);

/* ------------------------------------------------------------------ */
/* Inputs                                                               */
/* ------------------------------------------------------------------ */

/* Which members of an input are given (a bitmask in `set`). A member not in
 * `set` is not sent: on create the server default applies, on update it
 * stays as it is. A string member in `set` but NULL is sent as JSON null
 * (for phone/email/notes/description: "remove"). */
enum mtc_field {
	MTC_SET_NAME        = 1u << 0,  /* name */
	MTC_SET_PHONE       = 1u << 1,  /* phoneNumber (waitee) */
	MTC_SET_EMAIL       = 1u << 2,  /* email (waitee) */
	MTC_SET_PARTY_SIZE  = 1u << 3,  /* partySize (waitee) */
	MTC_SET_NOTES       = 1u << 4,  /* notes (waitee) */
	MTC_SET_QUOTE       = 1u << 5,  /* quotedMinutes (waitee) */
	MTC_SET_NOTIFY_IN   = 1u << 6,  /* notifyIn (waitee): plan a "ready" text in N minutes, 0 = now */
	MTC_SET_STATUS      = 1u << 7,  /* status (waitee update only) */
	MTC_SET_DESCRIPTION = 1u << 8,  /* description (waitlist) */
	MTC_SET_TEMPLATES   = 1u << 9,  /* templates (waitlist): all three members, NULL = default */
};

/* A party to create or the changes to make to one. Zero-initialise. */
struct mtc_waitee_input {
	unsigned set;                   /* MTC_SET_* bits of the members given */
	const char *name;               /* name (required on create) */
	const char *phone;              /* phone: international ("+1 415 555 0101"); the server makes it E.164 */
	const char *email;              /* e-mail */
	int party_size;                 /* 1..50 */
	const char *notes;              /* notes */
	int quoted_minutes;             /* 0..1440 */
	int notify_in;                  /* 0..1440 */
	enum mtc_party_status status;   /* new status (update only) */
};

/* A waitlist to create or the changes to make to one. Zero-initialise. */
struct mtc_waitlist_input {
	unsigned set;                   /* MTC_SET_NAME / MTC_SET_DESCRIPTION / MTC_SET_TEMPLATES */
	const char *name;               /* name (required on create) */
	const char *description;        /* description */
	const char *tpl_joined;         /* templates.joined (with MTC_SET_TEMPLATES; NULL = default) */
	const char *tpl_ready;          /* templates.ready */
	const char *tpl_reminder;       /* templates.reminder */
};

/* ------------------------------------------------------------------ */
/* Stats and wait estimates (docs/stats.md)                             */
/* ------------------------------------------------------------------ */

/* Figures of some finished parties (API `StatsSummary`). Figures the server
 * sent as null (nothing to average) are -1. */
struct mtc_stat_summary {
	long parties;                   /* parties: served + cancelled + no-show */
	long served;                    /* served (seated) */
	long covers;                    /* covers (guests seated) */
	long cancelled;                 /* cancelled */
	long no_show;                   /* noShow */
	double no_show_rate;            /* noShowRate, 0..1 (-1: no parties) */
	double cancel_rate;             /* cancelRate, 0..1 (-1: no parties) */
	double wait_mean;               /* waitMeanMinutes (-1: none served) */
	double wait_p50;                /* waitP50Minutes */
	double wait_p90;                /* waitP90Minutes */
	long quoted;                    /* quoteAccuracy.parties: served with a quote */
	double accuracy_mean;           /* quoteAccuracy.meanMinutes: waited minus quoted (-1 can be a real value
	                                 * here: check quoted > 0) */
	double accuracy_spread;         /* quoteAccuracy.spreadMinutes: standard deviation */
};

#define MTC_STATS_SIZES 50          /* party sizes 1..50 */

/* A waitlist's stats over local dates (API `Stats`). */
struct mtc_stats {
	char waitlist_id[MTC_ID_MAX];   /* waitlistId */
	char timezone[64];              /* timezone the dates and hours are in */
	char from[16];                  /* from, YYYY-MM-DD */
	char to[16];                    /* to, YYYY-MM-DD (included) */
	struct mtc_stat_summary total;  /* total */
	struct mtc_stat_summary by_hour[24];      /* byHour[h]: parties that joined in local hour h */
	int n_sizes;                    /* entries used in sizes/by_size */
	int sizes[MTC_STATS_SIZES];     /* byPartySize[i].partySize, ascending */
	struct mtc_stat_summary by_size[MTC_STATS_SIZES]; /* byPartySize[i] */
	char *json;                     /* the server's answer as it came (malloc'd), for --json output */
};

/* A suggested quote (API `Estimate`). */
struct mtc_estimate {
	int party_size;                 /* partySize */
	int hour;                       /* hour: local hour of day it is for */
	char timezone[64];              /* timezone */
	int quoted_minutes;             /* quotedMinutes, 0 = no suggestion */
	char source[16];                /* "history", "default" or "none" */
	char confidence[16];            /* "high", "medium", "low" or "none" */
	long parties;                   /* parties behind it */
	int p25, median, p75;           /* waitMinutes of those parties, -1 = none */
};

/* Frees what a stats record holds and zeroes it. */
MTC_API void mtc_stats_clear(struct mtc_stats *s);

/* ------------------------------------------------------------------ */
/* Idempotency keys                                                     */
/* ------------------------------------------------------------------ */

#define MTC_IDEMPOTENCY_KEY_SIZE 40  /* buffer size for a generated key (36 chars + NUL, rounded) */

/* Writes a new random key ("mtc-" + 32 hex digits) into buf (at least
 * MTC_IDEMPOTENCY_KEY_SIZE bytes). Keep it with a queued action and pass it
 * again on every resend, also after a restart: the server then creates the
 * record once. MTC_OK, or MTC_ERR_IO when no randomness was available. */
MTC_API enum mtc_error mtc_idempotency_key_new(char *buf, size_t size);
/* 1 when key is acceptable to the server (1..255 bytes, printable ASCII, no spaces), else 0. */
MTC_API int mtc_idempotency_key_valid(const char *key);

/* ------------------------------------------------------------------ */
/* The client                                                           */
/* ------------------------------------------------------------------ */

struct mtc_client;

/* Call once per process before any other call (and before threads start);
 * wraps curl_global_init. MTC_OK or MTC_ERR_NOMEM. mtc_global_cleanup() at the end. */
MTC_API enum mtc_error mtc_global_init(void);
MTC_API void mtc_global_cleanup(void);

/* Makes a client for the server at base URL `server` ("http://127.0.0.1:8080",
 * "https://abc.execute-api.eu-west-1.amazonaws.com/prod"; a trailing '/' is
 * dropped). Defaults: connect timeout 5 s, total timeout 15 s, TLS
 * verification on with the system CAs, proxies from the environment (as
 * libcurl does), tracing on stderr when MAITRE_DEBUG=1. *out gets the
 * handle (free with mtc_client_free). */
MTC_API enum mtc_error mtc_client_new(const char *server, struct mtc_client **out, struct mtc_status *st);
/* Cancels what is in flight (callbacks run with MTC_ERR_CANCELLED), forgets
 * the tokens (without logging out) and frees the client. NULL-safe. */
MTC_API void mtc_client_free(struct mtc_client *c);
/* The server's base URL as given (without a trailing '/'). Borrowed. */
MTC_API const char *mtc_client_server(const struct mtc_client *c);

/* Timeouts for each request: connect and total, in ms (0 = keep the current value). */
MTC_API enum mtc_error mtc_client_set_timeouts(struct mtc_client *c, long connect_ms, long total_ms);
/* Trusts the CA certificates in this PEM file (a private CA) instead of the
 * system store; NULL = back to the system store. Verification itself is never
 * turned off. */
MTC_API enum mtc_error mtc_client_set_ca_file(struct mtc_client *c, const char *pem_path);
/* How many times a request that failed on the network (or 503) is sent again
 * before giving up: GETs, PUT/DELETE with If-Match and creates (which always
 * carry an Idempotency-Key) only. Default 1; 0 = never. */
MTC_API enum mtc_error mtc_client_set_retries(struct mtc_client *c, int retries);
/* Replaces the User-Agent ("maitre-client/0.1.0"). */
MTC_API enum mtc_error mtc_client_set_user_agent(struct mtc_client *c, const char *ua);

/* A trace sink: one line per request and answer, already masked (no token,
 * password, refresh token or phone number). */
typedef void (*mtc_trace_fn)(void *userdata, const char *line);
/* Sends trace lines to fn (NULL = off). MAITRE_DEBUG=1 at mtc_client_new
 * sets a sink writing to stderr; an ncurses app should set its own. */
MTC_API void mtc_client_set_trace(struct mtc_client *c, mtc_trace_fn fn, void *userdata);

/* ------------------------------------------------------------------ */
/* Session                                                              */
/* ------------------------------------------------------------------ */

/* Called whenever the refresh token changes (login, every refresh: tokens
 * rotate; NULL after logout or when the server revoked it), so the caller
 * can store it. mtc_client_set_session_file() does that for you. */
typedef void (*mtc_session_fn)(void *userdata, const char *server, const char *refresh_token);
MTC_API void mtc_client_set_session_callback(struct mtc_client *c, mtc_session_fn fn, void *userdata);

/* Keeps the session in a file (see mtc_session_save): the refresh token is
 * written after every rotation, and before refreshing the client re-reads
 * the file under a lock and adopts a newer token another process (maitrectl
 * beside the app) wrote, so two programs sharing one session do not spend
 * the same refresh token twice (which the server treats as theft and
 * revokes). path NULL = mtc_session_default_path(). Loads the file now if it
 * holds a session for this server. MTC_OK also when there is no file yet. */
MTC_API enum mtc_error mtc_client_set_session_file(struct mtc_client *c, const char *path, struct mtc_status *st);

/* Starts a session from a stored refresh token (no request yet: the first
 * call refreshes). NULL forgets the session. */
MTC_API enum mtc_error mtc_client_set_refresh_token(struct mtc_client *c, const char *refresh_token);
/* Sets the tokens directly (tests, or handing a session over): accessToken as
 * the server gave it ("Bearer ..." or bare), its lifetime in seconds from now,
 * and the refresh token (may be NULL). */
MTC_API enum mtc_error mtc_client_set_tokens(struct mtc_client *c, const char *access_token,
					     long expires_in_s, const char *refresh_token);
/* 1 when the client holds a refresh or access token, else 0. */
MTC_API int mtc_client_has_session(const struct mtc_client *c);
/* Fills id from the current access token's claims. MTC_ERR_UNAUTHORIZED when none. */
MTC_API enum mtc_error mtc_client_identity(const struct mtc_client *c, struct mtc_identity *id);
/* Fills out from the last session answer (out->known 0 when none yet). */
MTC_API void mtc_client_session_info(const struct mtc_client *c, struct mtc_session_info *out);

/* ------------------------------------------------------------------ */
/* Requests: one description for blocking and non-blocking calls         */
/* ------------------------------------------------------------------ */

/* Every call the API offers (one per route of docs/api.yaml). */
enum mtc_op {
	MTC_OP_NONE = 0,
	MTC_OP_HEALTHZ,           /* GET /healthz */
	MTC_OP_REGISTER,          /* POST /register {email,password,name} -> account; then logs in */
	MTC_OP_LOGIN,             /* POST /auth/get-token {email,password} */
	MTC_OP_REFRESH,           /* POST /auth/refresh (also done silently by every authorised call) */
	MTC_OP_LOGOUT,            /* POST /auth/logout, then forgets the tokens */
	MTC_OP_LIST_WAITLISTS,    /* GET /waitlists (cached, If-None-Match) -> waitlists */
	MTC_OP_GET_WAITLIST,      /* GET /waitlists/{waitlist_id} -> waitlist */
	MTC_OP_CREATE_WAITLIST,   /* POST /waitlists (Idempotency-Key) -> waitlist */
	MTC_OP_UPDATE_WAITLIST,   /* PUT /waitlists/{waitlist_id} (If-Match) -> waitlist */
	MTC_OP_DELETE_WAITLIST,   /* DELETE /waitlists/{waitlist_id} (If-Match) */
	MTC_OP_LIST_WAITEES,      /* GET /waitlists/{waitlist_id}/waitees (cached, If-None-Match) -> waitees */
	MTC_OP_GET_WAITEE,        /* GET /waitlists/{waitlist_id}/waitees/{waitee_id} -> waitee */
	MTC_OP_CREATE_WAITEE,     /* POST /waitlists/{waitlist_id}/waitees (Idempotency-Key) -> waitee */
	MTC_OP_UPDATE_WAITEE,     /* PUT .../waitees/{waitee_id} (If-Match) -> waitee; status moves and undo too */
	MTC_OP_DELETE_WAITEE,     /* DELETE .../waitees/{waitee_id} (If-Match) */
	MTC_OP_NOTIFY_WAITEE,     /* POST .../waitees/{waitee_id}/notify (If-Match) -> waitee */
	MTC_OP_SMS_REPLY,         /* POST /hooks/sms (what the SMS gateway sends; for tests and demos) */
	MTC_OP_GET_STATS,         /* GET /waitlists/{waitlist_id}/stats?from=&to=&tz= -> stats */
	MTC_OP_GET_ESTIMATE,      /* GET /waitlists/{waitlist_id}/estimate?partySize=&tz= -> estimate */
	MTC_OP_CHANGE_PASSWORD,   /* POST /auth/password {password -> currentPassword, new_password}: a new session */
	MTC_OP_LIST_STAFF,        /* GET /staff (one page, limit) -> staff[n_staff] */
	MTC_OP_CREATE_STAFF,      /* POST /staff {staff} -> staff */
	MTC_OP_UPDATE_STAFF,      /* PUT /staff/{staff_id} {staff} (If-Match) -> staff */
	MTC_OP_RESET_STAFF_PASSWORD, /* POST /staff/{staff_id}/password {new_password} -> staff */
	MTC_OP_GET_RESTAURANT,    /* GET /restaurant -> restaurant */
	MTC_OP_UPDATE_RESTAURANT, /* PUT /restaurant {restaurant} (If-Match) -> restaurant */
	/* issue 10: these answer the server's JSON as text in mtc_result.json (docs/api.yaml) */
	MTC_OP_LIST_ACTIVITY,     /* GET /waitlists/{waitlist_id}/activity?since=&limit=&cursor= -> json (an array) */
	MTC_OP_GET_HANDOVER,      /* GET /waitlists/{waitlist_id}/handover -> json {current, history} */
	MTC_OP_PUT_HANDOVER,      /* PUT /waitlists/{waitlist_id}/handover {note} -> json (the note) */
	MTC_OP_ACK_HANDOVER,      /* POST /waitlists/{waitlist_id}/handover/ack {id?} -> json (the note) */
	MTC_OP_HANDOVER_SUMMARY,  /* GET /waitlists/{waitlist_id}/handover/summary -> json */
};
/* The op's name ("create_waitee"). Static string. */
MTC_API const char *mtc_op_name(enum mtc_op op);

/* Flags of a list request. */
enum mtc_list_flags {
	MTC_LIST_ALL      = 1u << 0,  /* follow the cursor to the last page and join the pages */
	MTC_LIST_NO_CACHE = 1u << 1,  /* neither send If-None-Match nor keep the answer in the cache */
};

/* One request. Zero-initialise and fill what the op needs; everything is
 * copied when the call starts. */
struct mtc_request {
	enum mtc_op op;                          /* what to do */
	const char *waitlist_id;                 /* the waitlist (ops on a waitlist or its parties) */
	const char *waitee_id;                   /* the party (ops on one party) */
	int64_t if_match;                        /* version precondition (If-Match); 0 = none */
	const char *idempotency_key;             /* creates: the key to send; NULL = the library makes one
	                                          * (reported in mtc_result.idempotency_key) */
	const struct mtc_waitlist_input *waitlist; /* CREATE/UPDATE_WAITLIST: the fields */
	const struct mtc_waitee_input *waitee;   /* CREATE/UPDATE_WAITEE: the fields */
	const char *status_filter;               /* LIST_WAITEES: "active" or "waiting,notified"; NULL = all */
	int limit;                               /* lists: page size 1..500; 0 = server default (100) */
	const char *cursor;                      /* lists: start at this cursor; NULL = first page */
	unsigned flags;                          /* lists: MTC_LIST_* */
	const char *email;                       /* LOGIN/REGISTER */
	const char *password;                    /* LOGIN/REGISTER (never traced) */
	const char *name;                        /* REGISTER: the owner's name */
	const char *hook_secret;                 /* SMS_REPLY: the server's MAITRE_SMS_HOOK_SECRET */
	const char *sms_from;                    /* SMS_REPLY: the guest's number (E.164) */
	const char *sms_body;                    /* SMS_REPLY: the text */
	const char *from;                        /* GET_STATS: first local date YYYY-MM-DD; NULL = a week before to */
	const char *to;                          /* GET_STATS: last local date; NULL = today */
	int days;                                /* GET_STATS: instead of from, the days ending with to; 0 = not sent */
	const char *tz;                          /* GET_STATS/GET_ESTIMATE: IANA zone; NULL = the restaurant's */
	int party_size;                          /* GET_ESTIMATE: 1..50 */
	const char *staff_id;                    /* UPDATE_STAFF, RESET_STAFF_PASSWORD: the account */
	const struct mtc_staff_input *staff;     /* CREATE/UPDATE_STAFF: the fields */
	const struct mtc_restaurant_input *restaurant; /* UPDATE_RESTAURANT: the fields */
	const char *new_password;                /* CHANGE_PASSWORD, RESET_STAFF_PASSWORD (never traced) */
	const char *note;                        /* PUT_HANDOVER: the note's text */
	const char *note_id;                     /* ACK_HANDOVER: the note the caller read (NULL = the current one) */
	int64_t since;                           /* LIST_ACTIVITY: entries at or after this time (epoch ms), 0 = all */
	const char *restaurant_name;             /* REGISTER: the restaurant's name; NULL or "" = not sent */
	const char *restaurant_timezone;         /* REGISTER: its IANA time zone; NULL or "" = not sent (UTC) */
	const char *restaurant_country;          /* REGISTER: its phone country (ISO 3166 alpha-2); NULL or "" = not sent */
};

/* What a call produced. Members not produced by the op are NULL / 0. */
struct mtc_result {
	enum mtc_op op;                          /* the request's op */
	uint64_t id;                             /* the call's id (non-blocking), 0 for blocking calls */
	struct mtc_status status;                /* outcome; status.code == return value */
	int not_modified;                        /* lists: 1 when the server answered 304 and the list is
	                                          * the cached one (the same object as last time) */
	struct mtc_waitlist *waitlist;           /* GET/CREATE/UPDATE_WAITLIST (malloc'd) */
	struct mtc_waitee *waitee;               /* GET/CREATE/UPDATE/NOTIFY_WAITEE (malloc'd) */
	struct mtc_waitlist_list *waitlists;     /* LIST_WAITLISTS: one reference owned by the result */
	struct mtc_waitee_list *waitees;         /* LIST_WAITEES: one reference owned by the result */
	struct mtc_account *account;             /* REGISTER (malloc'd) */
	char store[32];                          /* HEALTHZ: the server's store name ("sqlite") */
	char idempotency_key[256];               /* creates: the key that was sent */
	int replayed;                            /* creates: 1 when the server said this answer is a replay
	                                          * (Idempotent-Replayed: true), else 0 */
	struct mtc_stats *stats;                 /* GET_STATS (malloc'd) */
	struct mtc_estimate *estimate;           /* GET_ESTIMATE; CREATE_WAITEE when the server suggested a
	                                          * quote for the party (malloc'd) */
	struct mtc_staff *staff;                 /* staff ops: the account(s) (malloc'd array) */
	size_t n_staff;                          /* how many (LIST_STAFF: the page; others: 1) */
	struct mtc_restaurant *restaurant;       /* GET/UPDATE_RESTAURANT (malloc'd) */
	char *json;                              /* issue 10 ops: the answer's JSON text (malloc'd) */
	char next_cursor[600];                   /* LIST_ACTIVITY: the next page's cursor, "" = last page */
};

/* Frees what a result holds (records, one list reference) and zeroes it.
 * To keep a record, set the member to NULL first and free it yourself later
 * (mtc_waitee_clear + free); to keep a list, take a reference. */
MTC_API void mtc_result_clear(struct mtc_result *r);

/* ------------------------------------------------------------------ */
/* Blocking calls                                                       */
/* ------------------------------------------------------------------ */

/* Runs one request to the end and fills *out (zeroed first; clear it with
 * mtc_result_clear, also on error). An authorised call refreshes the access
 * token first when it expires within 30 s, and on a refused token (401, or
 * API Gateway's 403 {"message":"Forbidden"}) refreshes once and retries once.
 * Returns out->status.code. Must not be called from a completion callback. */
MTC_API enum mtc_error mtc_call(struct mtc_client *c, const struct mtc_request *req, struct mtc_result *out);

/* Typed shorthands over mtc_call (st may be NULL). Records out-params are
 * overwritten (not cleared first) on success and untouched on failure;
 * lists come back as a reference the caller unrefs. */
MTC_API enum mtc_error mtc_healthz(struct mtc_client *c, struct mtc_status *st);
MTC_API enum mtc_error mtc_register(struct mtc_client *c, const char *email, const char *password,
				    const char *name, struct mtc_account *out, struct mtc_status *st);
MTC_API enum mtc_error mtc_login(struct mtc_client *c, const char *email, const char *password,
				 struct mtc_status *st);
MTC_API enum mtc_error mtc_refresh(struct mtc_client *c, struct mtc_status *st);
/* Revokes the session on the server and forgets it locally (also when the
 * server cannot be reached: then MTC_ERR_NETWORK, but the tokens are gone). */
MTC_API enum mtc_error mtc_logout(struct mtc_client *c, struct mtc_status *st);

MTC_API enum mtc_error mtc_list_waitlists(struct mtc_client *c, unsigned flags,
					  struct mtc_waitlist_list **out, int *not_modified,
					  struct mtc_status *st);
MTC_API enum mtc_error mtc_get_waitlist(struct mtc_client *c, const char *waitlist_id,
					struct mtc_waitlist *out, struct mtc_status *st);
MTC_API enum mtc_error mtc_create_waitlist(struct mtc_client *c, const struct mtc_waitlist_input *in,
					   const char *idempotency_key, struct mtc_waitlist *out,
					   struct mtc_status *st);
MTC_API enum mtc_error mtc_update_waitlist(struct mtc_client *c, const char *waitlist_id,
					   const struct mtc_waitlist_input *in, int64_t if_match,
					   struct mtc_waitlist *out, struct mtc_status *st);
MTC_API enum mtc_error mtc_delete_waitlist(struct mtc_client *c, const char *waitlist_id,
					   int64_t if_match, struct mtc_status *st);

/* status_filter NULL = every status; flags MTC_LIST_*. */
MTC_API enum mtc_error mtc_list_waitees(struct mtc_client *c, const char *waitlist_id,
					const char *status_filter, unsigned flags,
					struct mtc_waitee_list **out, int *not_modified,
					struct mtc_status *st);
MTC_API enum mtc_error mtc_get_waitee(struct mtc_client *c, const char *waitlist_id, const char *waitee_id,
				      struct mtc_waitee *out, struct mtc_status *st);
MTC_API enum mtc_error mtc_create_waitee(struct mtc_client *c, const char *waitlist_id,
					 const struct mtc_waitee_input *in, const char *idempotency_key,
					 struct mtc_waitee *out, struct mtc_status *st);
MTC_API enum mtc_error mtc_update_waitee(struct mtc_client *c, const char *waitlist_id, const char *waitee_id,
					 const struct mtc_waitee_input *in, int64_t if_match,
					 struct mtc_waitee *out, struct mtc_status *st);
/* Moves a party to status (seat, cancel, no-show, back to waiting...): an update with only `status`. */
MTC_API enum mtc_error mtc_set_waitee_status(struct mtc_client *c, const char *waitlist_id,
					     const char *waitee_id, enum mtc_party_status status,
					     int64_t if_match, struct mtc_waitee *out, struct mtc_status *st);
/* Undoes a seat/cancel/no-show: moves the party back to its previousStatus
 * (w->previous_status, WAITING when the server did not say), with If-Match
 * w->version. Late undos answer MTC_ERR_CONFLICT (error "undo_expired"). */
MTC_API enum mtc_error mtc_undo_waitee(struct mtc_client *c, const struct mtc_waitee *w,
				       struct mtc_waitee *out, struct mtc_status *st);
MTC_API enum mtc_error mtc_delete_waitee(struct mtc_client *c, const char *waitlist_id, const char *waitee_id,
					 int64_t if_match, struct mtc_status *st);
MTC_API enum mtc_error mtc_notify_waitee(struct mtc_client *c, const char *waitlist_id, const char *waitee_id,
					 int64_t if_match, struct mtc_waitee *out, struct mtc_status *st);

/* The list's stats over local dates from..to (NULL: the server's defaults,
 * the last 7 days) in zone tz (NULL: the restaurant's). *out is overwritten;
 * mtc_stats_clear it after. */
MTC_API enum mtc_error mtc_get_stats(struct mtc_client *c, const char *waitlist_id, const char *from,
				     const char *to, const char *tz, struct mtc_stats *out, struct mtc_status *st);
/* The quote the server suggests for a party of party_size joining now (tz NULL: the restaurant's). */
MTC_API enum mtc_error mtc_get_estimate(struct mtc_client *c, const char *waitlist_id, int party_size,
					const char *tz, struct mtc_estimate *out, struct mtc_status *st);
/* Staff and the restaurant (docs/staff.md). */
/* One's own password: the client goes on with the new session it answers. */
MTC_API enum mtc_error mtc_change_password(struct mtc_client *c, const char *current, const char *new_password,
					   struct mtc_status *st);
/* The restaurant's accounts (one page of at most 500): *out malloc'd (free()), *n their number. */
MTC_API enum mtc_error mtc_list_staff(struct mtc_client *c, struct mtc_staff **out, size_t *n,
				      struct mtc_status *st);
MTC_API enum mtc_error mtc_create_staff(struct mtc_client *c, const struct mtc_staff_input *in,
					struct mtc_staff *out, struct mtc_status *st);
MTC_API enum mtc_error mtc_update_staff(struct mtc_client *c, const char *staff_id,
					const struct mtc_staff_input *in, int64_t if_match,
					struct mtc_staff *out, struct mtc_status *st);
MTC_API enum mtc_error mtc_reset_staff_password(struct mtc_client *c, const char *staff_id,
						const char *password, struct mtc_staff *out,
						struct mtc_status *st);
MTC_API enum mtc_error mtc_get_restaurant(struct mtc_client *c, struct mtc_restaurant *out,
					  struct mtc_status *st);
MTC_API enum mtc_error mtc_update_restaurant(struct mtc_client *c, const struct mtc_restaurant_input *in,
					     int64_t if_match, struct mtc_restaurant *out, struct mtc_status *st);
/* A record as the API's JSON (one line, malloc'd; NULL on no memory). */
MTC_API char *mtc_staff_to_json(const struct mtc_staff *s);
MTC_API char *mtc_restaurant_to_json(const struct mtc_restaurant *r);
/* Issue 10: the activity log and the shift handover. *json gets the
 * server's answer as JSON text (malloc'd, the caller frees; untouched on
 * failure); its shape is in docs/api.yaml. */
/* One page of the list's activity, newest first (since 0 = all, limit 0 =
 * the server's default, cursor NULL = the first page); *next_cursor (may be
 * NULL) gets the next page's cursor, malloc'd, or NULL on the last page. */
MTC_API enum mtc_error mtc_list_activity(struct mtc_client *c, const char *waitlist_id, int64_t since, int limit,
					 const char *cursor, char **json, char **next_cursor, struct mtc_status *st);
MTC_API enum mtc_error mtc_get_handover(struct mtc_client *c, const char *waitlist_id, char **json,
					struct mtc_status *st);
MTC_API enum mtc_error mtc_put_handover(struct mtc_client *c, const char *waitlist_id, const char *note,
					char **json, struct mtc_status *st);
/* note_id: the note the caller read (a newer one answers MTC_ERR_CONFLICT,
 * error "stale_handover"); NULL acknowledges whatever is current. */
MTC_API enum mtc_error mtc_ack_handover(struct mtc_client *c, const char *waitlist_id, const char *note_id,
					char **json, struct mtc_status *st);
MTC_API enum mtc_error mtc_handover_summary(struct mtc_client *c, const char *waitlist_id, char **json,
					    struct mtc_status *st);

/* ------------------------------------------------------------------ */
/* Non-blocking calls (curl multi)                                      */
/* ------------------------------------------------------------------ */

/* Called once when a non-blocking call ends (success, error or cancel),
 * from inside mtc_process() / mtc_client_free(). r is the library's: it
 * is cleared after the callback returns, unless the callback takes members
 * (set them to NULL) or list references. The callback may start new calls
 * and may cancel others, but must not call mtc_call or free the client. */
typedef void (*mtc_done_fn)(struct mtc_client *c, struct mtc_result *r, void *userdata);

/* Starts req without waiting; *id (may be NULL) gets its id (never 0).
 * Silent refresh and the single retry happen inside, as in mtc_call. Errors
 * in req itself are returned at once (and cb is not called). */
MTC_API enum mtc_error mtc_start(struct mtc_client *c, const struct mtc_request *req,
				 mtc_done_fn cb, void *userdata, uint64_t *id);
/* Cancels a call that has not ended: its callback runs (from here) with
 * MTC_ERR_CANCELLED. MTC_ERR_INVALID_ARG when no such call is in flight. */
MTC_API enum mtc_error mtc_cancel(struct mtc_client *c, uint64_t id);
/* Number of non-blocking calls in flight. */
MTC_API size_t mtc_pending(const struct mtc_client *c);

/* The sockets to wait on: writes up to cap entries into fds (fd + events
 * POLLIN/POLLOUT) and returns how many there are in total (may be more
 * than cap: then call again with a bigger array). The caller adds its own
 * fds (stdin, a timerfd) after them and calls poll(). */
MTC_API size_t mtc_pollfds(struct mtc_client *c, struct pollfd *fds, size_t cap);
/* How long the caller may wait before calling mtc_process() even if no fd
 * is ready, in ms: -1 = no limit (nothing in flight), 0 = now. */
MTC_API int mtc_timeout_ms(struct mtc_client *c);
/* Does the work after poll() returned: fds/n are the entries mtc_pollfds
 * filled (with revents set by poll; n may be 0 after a timeout). Runs the
 * callbacks of calls that ended. Never blocks. Returns MTC_OK or a fatal
 * library error (MTC_ERR_NOMEM). */
MTC_API enum mtc_error mtc_process(struct mtc_client *c, const struct pollfd *fds, size_t n);
/* Waits (blocking, at most timeout_ms; -1 = until done) until no call is in
 * flight, running callbacks: a simple loop for programs without their own. */
MTC_API enum mtc_error mtc_run(struct mtc_client *c, int timeout_ms);

/* ------------------------------------------------------------------ */
/* List cache                                                           */
/* ------------------------------------------------------------------ */

/* The cached list of waitlists / of a waitlist's parties (for one
 * status_filter), or NULL when none: a new reference (unref it). The cache
 * is filled by list calls without MTC_LIST_NO_CACHE; the next list call
 * sends its ETag as If-None-Match and a 304 returns this same object. */
MTC_API struct mtc_waitlist_list *mtc_cache_waitlists(struct mtc_client *c);
MTC_API struct mtc_waitee_list *mtc_cache_waitees(struct mtc_client *c, const char *waitlist_id,
						  const char *status_filter);
/* Drops every cached list (after a logout the cache is dropped anyway). */
MTC_API void mtc_cache_clear(struct mtc_client *c);

/* ------------------------------------------------------------------ */
/* Config file (shared by maitrectl and the app)                        */
/* ------------------------------------------------------------------ */

/* One line of the config file that was ignored, and why. */
struct mtc_config_warning {
	char *file;                     /* the file's path */
	int line;                       /* 1-based line number */
	char *message;                  /* what is wrong ("expected key = value", "poll_interval: not a number") */
};

/* A key the library does not know, kept for the app (e.g. "last_waitlist"). */
struct mtc_config_entry {
	char *section;                  /* the [section] it was under, "" before any */
	char *key;                      /* the key, as written (keys are matched case-insensitively) */
	char *value;                    /* the value, surrounding spaces and one pair of quotes removed */
	int line;                       /* 1-based line number */
};

/* The INI file $XDG_CONFIG_HOME/maitre/config (~/.config/maitre/config):
 *     # comment            ; comment
 *     server = http://127.0.0.1:8080
 *     email = host@example.com
 *     theme = dark
 *     poll_interval = 3            # seconds, 1..3600
 *     country = US                 # default country for local phone numbers (ISO 3166 alpha-2)
 *     notifications = on           # on/off/yes/no/true/false/1/0
 * Known keys are read outside any section or in [maitre]; everything else
 * is kept in `extra`. A bad line is reported in `warnings` and ignored. */
struct mtc_config {
	char *path;                     /* the file read (NULL when none was found) */
	char *server;                   /* server, NULL when not set */
	char *email;                    /* email, NULL when not set */
	char *theme;                    /* theme name, NULL when not set */
	int poll_interval_s;            /* poll_interval in seconds, 0 when not set */
	char country[3];                /* country ("US", upper-cased), "" when not set */
	int notifications;              /* -1 not set, 0 off, 1 on */
	struct mtc_config_entry *extra; /* unknown keys, in file order */
	size_t n_extra;                 /* number of extra entries */
	struct mtc_config_warning *warnings; /* ignored lines, in file order */
	size_t n_warnings;              /* number of warnings */
};

/* The default config path (malloc'd, caller frees): $XDG_CONFIG_HOME/maitre/config,
 * or $HOME/.config/maitre/config; NULL when neither variable is set or out of memory. */
MTC_API char *mtc_config_default_path(void);
/* Reads path (NULL = the default path) into *cfg (zeroed first; free with
 * mtc_config_free, also on error). A missing file is MTC_OK with an empty
 * config (cfg->path NULL); an unreadable one MTC_ERR_IO; bad lines are
 * warnings, never an error. */
MTC_API enum mtc_error mtc_config_load(const char *path, struct mtc_config *cfg, struct mtc_status *st);
/* Value of an extra key in section ("" = top level), or NULL. Borrowed. */
MTC_API const char *mtc_config_get(const struct mtc_config *cfg, const char *section, const char *key);
/* Frees what cfg holds and zeroes it. */
MTC_API void mtc_config_free(struct mtc_config *cfg);

/* ------------------------------------------------------------------ */
/* Session file                                                         */
/* ------------------------------------------------------------------ */

/* A stored session: the server and its refresh token, never a password or an access token. */
struct mtc_session {
	char *server;                   /* base URL the token belongs to */
	char *refresh_token;            /* the refresh token */
};

/* The default session path (malloc'd): $XDG_STATE_HOME/maitre/session, or
 * $HOME/.local/state/maitre/session; NULL when neither is set. */
MTC_API char *mtc_session_default_path(void);
/* Reads a session file (NULL = default). No file: MTC_ERR_UNAUTHORIZED
 * (nothing to resume) with s zeroed; a malformed file: MTC_ERR_IO. */
MTC_API enum mtc_error mtc_session_load(const char *path, struct mtc_session *s, struct mtc_status *st);
/* Writes it atomically (temporary file + rename) with mode 0600, making
 * the directory (0700) when missing. */
MTC_API enum mtc_error mtc_session_save(const char *path, const struct mtc_session *s, struct mtc_status *st);
/* Removes the file (MTC_OK when it did not exist). */
MTC_API enum mtc_error mtc_session_forget(const char *path, struct mtc_status *st);
/* Frees what s holds and zeroes it. */
MTC_API void mtc_session_clear(struct mtc_session *s);

#ifdef __cplusplus
}
#endif

#endif
