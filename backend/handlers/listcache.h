/* A small per-thread cache of rendered waitee-list answers (the JSON body
 * and the next cursor of one page), keyed by the list, the list's waitee
 * revision (struct mt_waitlist.waitee_rev) and the page's query.
 *
 * Why: host stands poll their list every few seconds from several devices;
 * between two changes every poll renders the same bytes. The revision comes
 * from the same store read that checks the caller owns the list, and the
 * store bumps it on every waitee write (on SQLite by triggers, so writes by
 * other processes count too), so a hit is never stale by content. An entry
 * also ends when a row on its page expires (TTL) and after at most
 * LISTCACHE_TTL_MS, so nothing time-dependent outlives a second.
 *
 * Entries live in thread-specific storage (no lock), freed at thread exit.
 * A back end that does not track revisions reports waitee_rev 0: never cached.
 * Internal to handlers/. */
#ifndef MT_HANDLERS_LISTCACHE_H
#define MT_HANDLERS_LISTCACHE_H

#include <stddef.h>
#include <stdint.h>
#include "handlers/etag.h"

#define LISTCACHE_TTL_MS 1000            /* longest life of an entry */
#define LISTCACHE_ENTRIES 8              /* pages kept per thread */
#define LISTCACHE_BODY_MAX (256 * 1024)  /* larger answers are not kept */
#define LISTCACHE_QUERY_MAX 600          /* longer cursor + status are not kept */

/* What identifies one rendered page. */
struct listcache_key {
	const void *scope;     /* the store (two stores never share entries) */
	const char *list_id;   /* waitlist id */
	int64_t rev;           /* its waitee revision; 0 = not cacheable */
	int limit;             /* ?limit= */
	const char *cursor;    /* ?cursor= or NULL */
	const char *status;    /* ?status= or NULL */
};

/* A rendered page's bytes, shared by the cache and the answers being sent
 * (reference counted: the cache drops its reference when the entry goes). */
struct listcache_body {
	_Atomic int refs;   /* the cache's + one per lease */
	size_t len;         /* bytes of data, without the NUL */
	char etag[ETAG_SIZE]; /* the answer's ETag (handlers/etag.h), "" = none */
	char data[];        /* the JSON answer, NUL-terminated */
};

/* Looks the page up at now_ms (wall clock, ms). On a hit: 1, *body holds a
 * new reference (give it back with listcache_release, e.g. as the release
 * of mt_resp_lent) and *next is a malloc'd copy of the next cursor or NULL.
 * 0 on a miss, MT_ENOMEM when the copy of the cursor failed. */
int listcache_get(const struct listcache_key *k, int64_t now_ms, struct listcache_body **body, char **next);

/* Gives back a reference from listcache_get (arg: the struct listcache_body). */
void listcache_release(void *arg);

/* Keeps a copy of a rendered page and its ETag (NULL = none) until
 * valid_until_ms (capped at now_ms + LISTCACHE_TTL_MS). Silently keeps
 * nothing when the key is not cacheable, the page is too large, or memory
 * is short. */
void listcache_put(const struct listcache_key *k, int64_t now_ms, int64_t valid_until_ms, const char *body,
		   size_t len, const char *next, const char *etag);

/* Drops this thread's entries (tests; also run at thread exit). */
void listcache_clear(void);

#endif
