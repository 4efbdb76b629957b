/* Stats counters and wait estimates (issue 10, parts 5 and 6): pure
 * arithmetic, no storage (docs/stats.md).
 *
 * Counters are kept per bucket = (waitlist, UTC hour the party JOINED in,
 * party size) as parties finish: a finished party contributes to its bucket
 * (served, covers, wait sum and a per-minute wait histogram, quote accuracy
 * sums; or a cancel / no-show), and any later change to it (an undo, an
 * edit of its size) takes the old contribution away and adds the new one.
 * Stats and estimates then read only the buckets of the asked range. */
#ifndef MT_STATS_H
#define MT_STATS_H

#include <stdint.h>
#include "core/model.h"

/* Scalar counters of a bucket (indexes into mt_stat_bucket.v). */
enum mt_stat_counter {
	MT_SC_SEATED = 0,     /* parties seated (served) */
	MT_SC_COVERS,         /* guests seated (sum of party sizes) */
	MT_SC_CANCELLED,      /* parties cancelled */
	MT_SC_NO_SHOW,        /* parties marked no-show */
	MT_SC_WAIT_SUM,       /* seated: sum of waits, seconds */
	MT_SC_QUOTED,         /* seated parties that had a quote */
	MT_SC_ACC_SUM,        /* those: sum of (wait - quote), seconds */
	MT_SC_ACC_SQ,         /* those: sum of (wait - quote)^2, seconds^2 */
	MT_SC_SCALARS
};

#define MT_STAT_HIST_MAX 240                          /* histogram: minutes 0..239, and 240 = "240 or more" */
#define MT_STAT_HIST0 MT_SC_SCALARS                   /* index of the 0-minute bin */
#define MT_STAT_N (MT_SC_SCALARS + MT_STAT_HIST_MAX + 1)   /* counters per bucket */

/* One bucket's counters. */
struct mt_stat_bucket {
	int64_t hour;                 /* hours since the epoch (UTC) the parties joined in */
	int party_size;               /* 1..MT_PARTY_MAX */
	int64_t v[MT_STAT_N];         /* counters by index (enum mt_stat_counter, then histogram bins) */
};

#define MT_STAT_DELTA_MAX 8           /* counters one party touches at most */

/* What one party adds to (or takes from) its bucket. */
struct mt_stat_delta {
	int64_t hour;                 /* bucket: UTC hour joined */
	int party_size;               /* bucket: party size */
	int n;                        /* entries used in idx[]/v[] */
	int idx[MT_STAT_DELTA_MAX];   /* counter indexes */
	int64_t v[MT_STAT_DELTA_MAX]; /* amounts (negative to take away) */
};

/* Name of counter i ("seated", ..., "w0".."w240") into out; 0 or MT_EINVAL. */
int mt_stat_counter_name(int i, char *out, int size);
/* Index of a counter name, or -1. */
int mt_stat_counter_index(const char *name);

/* What w contributes (only finished parties do): 1 and *d filled, or 0. */
int mt_stat_contribution(const struct mt_waitee *w, struct mt_stat_delta *d);
/* The deltas that turn before's contribution into after's (either may be
 * NULL: a new or a deleted party). Fills out[0..*n-1], *n 0..2. */
void mt_stat_changes(const struct mt_waitee *before, const struct mt_waitee *after,
		     struct mt_stat_delta out[2], int *n);

/* Adds b's counters to acc's. */
void mt_stat_add(int64_t acc[MT_STAT_N], const int64_t b[MT_STAT_N]);

/* A summary of some counters. Means and percentiles are -1 when nothing to average. */
struct mt_stat_summary {
	int64_t parties;              /* finished parties: served + cancelled + no-show */
	int64_t served;               /* seated */
	int64_t covers;               /* guests seated */
	int64_t cancelled;            /* cancelled */
	int64_t no_show;              /* no-shows */
	double wait_mean;             /* served: mean wait, minutes */
	int wait_p50;                 /* served: median wait, minutes (nearest rank on the histogram) */
	int wait_p90;                 /* served: 90th percentile wait, minutes */
	int64_t quoted;               /* served with a quote */
	double accuracy_mean;         /* those: mean (wait - quote), minutes; positive = waited longer */
	double accuracy_spread;       /* those: standard deviation of (wait - quote), minutes */
	double no_show_rate;          /* no_show / parties, -1 when no parties */
	double cancel_rate;           /* cancelled / parties, -1 when no parties */
};

/* The p-th percentile (0 < p <= 100, nearest rank) of the histogram in v, minutes; -1 when empty. */
int mt_stat_percentile(const int64_t v[MT_STAT_N], int p);
/* Summarizes counters v. */
void mt_stat_summarize(const int64_t v[MT_STAT_N], struct mt_stat_summary *s);

/* Parties needed before history is trusted over the list's default quote. */
#define MT_ESTIMATE_MIN_PARTIES 5
/* History looked at: this many days back, same local hour, same party size. */
#define MT_ESTIMATE_DAYS 28

/* A suggested quote. */
struct mt_estimate {
	int minutes;                  /* suggested quote, minutes (0 = none) */
	const char *source;           /* "history", "default" (the list's default) or "none" */
	const char *confidence;       /* "high", "medium", "low" (history) or "none" */
	int64_t parties;              /* seated parties behind it */
	int p25, p50, p75;            /* their waits' quartiles, minutes (-1 when no history) */
};

/* Suggests a quote from the summed histogram v of the matching buckets:
 * with at least MT_ESTIMATE_MIN_PARTIES seated parties, the median wait
 * rounded up to 5 minutes (at least 5); confidence high from 20 parties,
 * medium from 10, else low, one step lower when the quartiles are further
 * apart than max(10 min, the median). Otherwise default_minutes (the
 * list's default; 0 = none). */
void mt_stat_estimate(const int64_t v[MT_STAT_N], int default_minutes, struct mt_estimate *e);

#endif
