/* The board's model: parties as the app shows them, independent of the
 * network and of ncurses, so the board logic (order, filters, search,
 * load figures) is unit-testable and the bench can fill 1,000 rows
 * without a server. sync.c converts the client library's records into
 * these. */
#ifndef MAITRE_TUI_PARTY_H
#define MAITRE_TUI_PARTY_H

#include <stddef.h>
#include <stdint.h>

/* Status of a party, in the order of the API's Status enum. */
enum party_status {
	PARTY_WAITING,   /* in the queue */
	PARTY_NOTIFIED,  /* told the table is ready (server-set) */
	PARTY_CONFIRMED, /* guest or host confirmed */
	PARTY_SEATED,    /* finished: seated */
	PARTY_CANCELLED, /* finished: cancelled (by host or guest) */
	PARTY_NO_SHOW,   /* finished: did not come */
	PARTY_STATUS_COUNT
};

/* One party (a waitee). Strings are NUL-terminated and always fit. */
struct party {
	char id[64];            /* server id, or "local:<key>" for an add not yet acknowledged */
	char name[256];         /* UTF-8 name (server max 200 bytes) */
	char phone[40];         /* E.164 or "" */
	char email[256];        /* e-mail or "" */
	char notes[1024];       /* host notes, "" when none */
	char last_result[16];   /* "queued", "sent", "failed" or "" */
	char last_reason[160];  /* why the latest notification failed, or "" */
	char reply[160];        /* last free-text SMS reply, or "" */
	int size;               /* party size, 1..50 */
	int quote;              /* quoted minutes, 0 = none */
	int position;           /* 1-based rank among active parties, 0 when finished */
	enum party_status status; /* current status */
	int64_t joined_ms;      /* epoch ms the party joined */
	int64_t notified_ms;    /* last delivered notification, 0 = never */
	int64_t seated_ms;      /* when seated, 0 = not */
	int64_t updated_ms;     /* last change */
	int64_t reply_ms;       /* when the guest replied, 0 = never */
	int64_t version;        /* record version (precondition of changes) */
	int self_checkin;       /* 1 when the guest joined through the self check-in page (API source "self") */
	int by_guest;           /* 1 when the guest made the last status move (confirm/cancel by SMS), as seen by this app */
	int pending;            /* 1 while an action on it is not yet confirmed by the server */
	char pending_what[24];  /* what is pending ("seat", "add", ...), for the STATUS column */
};

/* Which parties the board shows. */
enum party_view {
	VIEW_WAITING,  /* active: waiting, notified, confirmed */
	VIEW_FINISHED, /* finished today: seated, cancelled, no-show */
	VIEW_ALL,      /* everything */
	VIEW_COUNT
};

/* Load figures for the header, over active parties. */
struct party_load {
	int parties;          /* active parties */
	int covers;           /* sum of their sizes */
	int64_t longest_ms;   /* longest wait so far */
	int64_t average_ms;   /* average wait so far */
	int over;             /* how many are past their quote */
};

/* Name of a status as the API spells it ("no_show"). */
const char *party_status_api_name(enum party_status s);
/* Parses an API status name; -1 when unknown. */
int party_status_parse(const char *s);
/* 1 for waiting, notified, confirmed. */
int party_status_active(enum party_status s);
/* Name of a view for the header ("waiting", "finished today", "all"). */
const char *party_view_name(enum party_view v);

/* 1 when p belongs in view v, passes the size filter (0 = any, 1..7 exact,
 * 8 = 8 or more) and matches the search text (case-insensitive substring of
 * the name, or the trailing digits of the phone; "" matches all). now_ms is
 * used for "finished today" (the last 24 h). */
int party_visible(const struct party *p, enum party_view v, int size_filter,
		  const char *search, int64_t now_ms);
/* Sorts parties for the board: active ones by join time (queue order), then
 * finished ones, most recent first. */
void party_sort(struct party *rows, size_t n);
/* Computes the header's load figures at now_ms. */
void party_load_compute(const struct party *rows, size_t n, int64_t now_ms, struct party_load *out);
/* A quote to suggest: the median actual wait (joined -> seated), in whole
 * minutes rounded up, of the parties seated in the 3 hours before now_ms;
 * -1 with fewer than 3 of them. */
int party_suggest_quote(const struct party *rows, size_t n, int64_t now_ms);
/* Milliseconds left of the quote at now_ms (negative = over); INT64_MIN when no quote. */
int64_t party_quote_left_ms(const struct party *p, int64_t now_ms);

#endif
