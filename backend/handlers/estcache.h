/* A small per-thread cache of wait estimates (handlers/stats.h): the
 * suggested quote for a party size on a list, with the local hour and the
 * time zone it was computed in.
 *
 * Why: every add without a quote answers with an estimate, which costs a
 * read of the restaurant (its time zone) and of 28 days of counter buckets;
 * at a Friday rush, or a burst of adds, that was a tenth of maitred's CPU
 * per add (docs/benchmarks.md), for an answer that changes only when a
 * party finishes, the restaurant changes, or the hour turns.
 *
 * So an entry is keyed by the store, the list and its version (a changed
 * default quote misses), the party size and the UTC quarter hour of "now"
 * (every zone's offset is a multiple of 15 minutes, so the local hour and
 * day cannot turn inside one). It ends:
 * - at once in this process when estcache_invalidate is called, which the
 *   handlers do whenever a party's stats contribution changes (a seat, a
 *   cancel, an undo, an edit of a finished party) and when the restaurant
 *   changes (its time zone);
 * - after ESTCACHE_TTL_MS at the latest, for such changes made by another
 *   process (a second maitred on the same file, another Lambda container).
 *
 * Entries live in thread-specific storage (no lock); the generation that
 * invalidates them is one process-wide atomic counter. Internal to handlers/. */
#ifndef MT_HANDLERS_ESTCACHE_H
#define MT_HANDLERS_ESTCACHE_H

#include <stdint.h>
#include "core/stats.h"
#include "core/tz.h"

#define ESTCACHE_TTL_MS 2000     /* longest life of an entry */
#define ESTCACHE_ENTRIES 16      /* estimates kept per thread */
#define ESTCACHE_QUARTER_S 900   /* "now" is keyed by UTC quarter hour */

/* What identifies one estimate. */
struct estcache_key {
	const void *scope;       /* the store (two stores never share entries) */
	const char *list_id;     /* waitlist id */
	int64_t list_version;    /* the list's version (its default quote) */
	int party_size;          /* 1..MT_PARTY_MAX */
	int64_t now_s;           /* the time it is for, seconds (UTC) */
};

/* An estimate and where it was made. */
struct estcache_val {
	struct mt_estimate e;            /* the estimate (source, confidence: static strings) */
	int hour;                        /* local hour it is for */
	char tz[MT_TZ_NAME_MAX];         /* the zone's name */
};

/* The current generation: read it BEFORE the reads that compute an
 * estimate and give it to estcache_put, so a change that lands meanwhile
 * is never hidden behind the entry. */
uint64_t estcache_generation(void);
/* Looks k up at mono_ms (monotonic clock, ms): 1 and *out on a hit, else 0. */
int estcache_get(const struct estcache_key *k, int64_t mono_ms, struct estcache_val *out);
/* Keeps v for k from mono_ms, for ESTCACHE_TTL_MS (the least recently used
 * goes), unless generation gen has ended meanwhile. */
void estcache_put(const struct estcache_key *k, uint64_t gen, int64_t mono_ms, const struct estcache_val *v);
/* Ends every thread's entries (a party's stats or a restaurant changed);
 * call it after the change is stored. */
void estcache_invalidate(void);

#endif
