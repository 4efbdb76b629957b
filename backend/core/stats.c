/* Stats counters and wait estimates (see stats.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "core/stats.h"

/* Names of the scalar counters, by enum mt_stat_counter. */
static const char *const stats_names[MT_SC_SCALARS] = {
	[MT_SC_SEATED] = "seated",
	[MT_SC_COVERS] = "covers",
	[MT_SC_CANCELLED] = "cancelled",
	[MT_SC_NO_SHOW] = "noShow",
	[MT_SC_WAIT_SUM] = "waitSum",
	[MT_SC_QUOTED] = "quoted",
	[MT_SC_ACC_SUM] = "accSum",
	[MT_SC_ACC_SQ] = "accSq",
};

/* Name of counter i into out. */
int mt_stat_counter_name(int i, char *out, int size)
{
	if (i < 0 || i >= MT_STAT_N || size < 8)
		return MT_EINVAL;
	if (i < MT_SC_SCALARS)
		snprintf(out, (size_t)size, "%s", stats_names[i]);
	else
		snprintf(out, (size_t)size, "w%d", i - MT_STAT_HIST0);
	return 0;
}

/* Index of a counter name, or -1. */
int mt_stat_counter_index(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	if (name[0] == 'w' && name[1] >= '0' && name[1] <= '9') {
		char *end;
		long m = strtol(name + 1, &end, 10);

		if (*end != '\0' || m < 0 || m > MT_STAT_HIST_MAX || (name[1] == '0' && name[2] != '\0'))
			return -1;
		return MT_STAT_HIST0 + (int)m;
	}
	for (i = 0; i < MT_SC_SCALARS; i++)
		if (strcmp(name, stats_names[i]) == 0)
			return i;
	return -1;
}

/* Appends counter idx += v to d. */
static void stats_put(struct mt_stat_delta *d, int idx, int64_t v)
{
	if (d->n < MT_STAT_DELTA_MAX) {
		d->idx[d->n] = idx;
		d->v[d->n] = v;
		d->n++;
	}
}

/* What w contributes: only finished parties do. */
int mt_stat_contribution(const struct mt_waitee *w, struct mt_stat_delta *d)
{
	int64_t wait_s, wait_m, acc_s;

	memset(d, 0, sizeof *d);
	if (w == NULL || w->joined_at <= 0 || w->party_size < MT_PARTY_MIN || w->party_size > MT_PARTY_MAX)
		return 0;
	d->hour = w->joined_at / 3600000;
	d->party_size = w->party_size;
	switch (w->status) {
	case MT_CANCELLED:
		stats_put(d, MT_SC_CANCELLED, 1);
		return 1;
	case MT_NO_SHOW:
		stats_put(d, MT_SC_NO_SHOW, 1);
		return 1;
	case MT_SEATED:
		break;
	default:
		return 0;
	}
	wait_s = w->seated_at > w->joined_at ? (w->seated_at - w->joined_at) / 1000 : 0;
	wait_m = wait_s / 60;
	stats_put(d, MT_SC_SEATED, 1);
	stats_put(d, MT_SC_COVERS, w->party_size);
	stats_put(d, MT_SC_WAIT_SUM, wait_s);
	stats_put(d, MT_STAT_HIST0 + (int)(wait_m < MT_STAT_HIST_MAX ? wait_m : MT_STAT_HIST_MAX), 1);
	if (w->quoted_minutes > 0) {
		acc_s = wait_s - (int64_t)w->quoted_minutes * 60;
		stats_put(d, MT_SC_QUOTED, 1);
		stats_put(d, MT_SC_ACC_SUM, acc_s);
		stats_put(d, MT_SC_ACC_SQ, acc_s * acc_s);
	}
	return 1;
}

/* 1 when two contributions are the same. */
static int stats_same(const struct mt_stat_delta *a, const struct mt_stat_delta *b)
{
	int i;

	if (a->hour != b->hour || a->party_size != b->party_size || a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->idx[i] != b->idx[i] || a->v[i] != b->v[i])
			return 0;
	return 1;
}

/* The deltas that turn before's contribution into after's. */
void mt_stat_changes(const struct mt_waitee *before, const struct mt_waitee *after,
		     struct mt_stat_delta out[2], int *n)
{
	struct mt_stat_delta a, b;
	int has_a = mt_stat_contribution(before, &a), has_b = mt_stat_contribution(after, &b), i;

	*n = 0;
	if (has_a && has_b && stats_same(&a, &b))
		return;
	if (has_a) {
		for (i = 0; i < a.n; i++)
			a.v[i] = -a.v[i];
		out[(*n)++] = a;
	}
	if (has_b)
		out[(*n)++] = b;
}

/* Adds b's counters to acc's. */
void mt_stat_add(int64_t acc[MT_STAT_N], const int64_t b[MT_STAT_N])
{
	int i;

	for (i = 0; i < MT_STAT_N; i++)
		acc[i] += b[i];
}

/* The p-th percentile of the histogram, nearest rank. */
int mt_stat_percentile(const int64_t v[MT_STAT_N], int p)
{
	int64_t total = 0, rank, seen = 0;
	int m;

	for (m = 0; m <= MT_STAT_HIST_MAX; m++)
		total += v[MT_STAT_HIST0 + m] > 0 ? v[MT_STAT_HIST0 + m] : 0;
	if (total <= 0 || p <= 0 || p > 100)
		return -1;
	rank = (total * p + 99) / 100;   /* ceil(p/100 * total) */
	if (rank < 1)
		rank = 1;
	for (m = 0; m <= MT_STAT_HIST_MAX; m++) {
		seen += v[MT_STAT_HIST0 + m] > 0 ? v[MT_STAT_HIST0 + m] : 0;
		if (seen >= rank)
			return m;
	}
	return MT_STAT_HIST_MAX;
}

/* Summarizes counters v. */
void mt_stat_summarize(const int64_t v[MT_STAT_N], struct mt_stat_summary *s)
{
	memset(s, 0, sizeof *s);
	s->served = v[MT_SC_SEATED];
	s->covers = v[MT_SC_COVERS];
	s->cancelled = v[MT_SC_CANCELLED];
	s->no_show = v[MT_SC_NO_SHOW];
	s->parties = s->served + s->cancelled + s->no_show;
	s->quoted = v[MT_SC_QUOTED];
	s->wait_mean = s->served > 0 ? (double)v[MT_SC_WAIT_SUM] / 60.0 / (double)s->served : -1;
	s->wait_p50 = s->served > 0 ? mt_stat_percentile(v, 50) : -1;
	s->wait_p90 = s->served > 0 ? mt_stat_percentile(v, 90) : -1;
	s->accuracy_mean = -1;
	s->accuracy_spread = -1;
	if (s->quoted > 0) {
		double mean_s = (double)v[MT_SC_ACC_SUM] / (double)s->quoted;
		double var = (double)v[MT_SC_ACC_SQ] / (double)s->quoted - mean_s * mean_s;

		s->accuracy_mean = mean_s / 60.0;
		s->accuracy_spread = var > 0 ? sqrt(var) / 60.0 : 0;
	}
	s->no_show_rate = s->parties > 0 ? (double)s->no_show / (double)s->parties : -1;
	s->cancel_rate = s->parties > 0 ? (double)s->cancelled / (double)s->parties : -1;
}

/* Suggests a quote from history or the list's default. */
void mt_stat_estimate(const int64_t v[MT_STAT_N], int default_minutes, struct mt_estimate *e)
{
	int64_t n = v[MT_SC_SEATED];
	int level, spread_max;

	memset(e, 0, sizeof *e);
	e->parties = n > 0 ? n : 0;
	e->p25 = e->p50 = e->p75 = -1;
	if (n > 0) {
		e->p25 = mt_stat_percentile(v, 25);
		e->p50 = mt_stat_percentile(v, 50);
		e->p75 = mt_stat_percentile(v, 75);
	}
	if (n < MT_ESTIMATE_MIN_PARTIES || e->p50 < 0) {
		e->minutes = default_minutes > 0 ? default_minutes : 0;
		e->source = default_minutes > 0 ? "default" : "none";
		e->confidence = "none";
		return;
	}
	e->minutes = (e->p50 + 4) / 5 * 5;
	if (e->minutes < 5)
		e->minutes = 5;
	if (e->minutes > MT_QUOTE_MAX)
		e->minutes = MT_QUOTE_MAX;
	e->source = "history";
	level = n >= 20 ? 2 : n >= 10 ? 1 : 0;
	spread_max = e->p50 > 10 ? e->p50 : 10;
	if (e->p75 - e->p25 > spread_max && level > 0)
		level--;
	e->confidence = level == 2 ? "high" : level == 1 ? "medium" : "low";
}
