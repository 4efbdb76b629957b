/* Stats arithmetic and time zones (core/stats.h, core/tz.h): counters a
 * party contributes and their reversal, percentiles on the histogram,
 * summaries and estimates worked out by hand, and zone offsets read from
 * the system's zone files checked against known dates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/stats.h"
#include "core/tz.h"

/* A seated party of size `size` that joined at `joined` (ms) and waited `wait_s` seconds, quoted q minutes. */
static struct mt_waitee seated(int size, int64_t joined, int64_t wait_s, int q)
{
	struct mt_waitee w;

	memset(&w, 0, sizeof w);
	snprintf(w.waitlist_id, sizeof w.waitlist_id, "%s", "L");
	w.party_size = size;
	w.joined_at = joined;
	w.seated_at = joined + wait_s * 1000;
	w.quoted_minutes = q;
	w.status = MT_SEATED;
	return w;
}

/* Applies deltas to a bucket vector (as a store would). */
static void apply(int64_t v[MT_STAT_N], const struct mt_stat_delta *d, int n)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < d[i].n; j++)
			v[d[i].idx[j]] += d[i].v[j];
}

/* Counter names round-trip, and unknown names are refused. */
static void test_names(void **state)
{
	char name[16];
	int i;

	(void)state;
	for (i = 0; i < MT_STAT_N; i++) {
		assert_int_equal(mt_stat_counter_name(i, name, sizeof name), 0);
		assert_int_equal(mt_stat_counter_index(name), i);
	}
	assert_string_equal((mt_stat_counter_name(MT_STAT_HIST0 + 17, name, sizeof name), name), "w17");
	assert_int_equal(mt_stat_counter_index("w241"), -1);
	assert_int_equal(mt_stat_counter_index("w07"), -1);
	assert_int_equal(mt_stat_counter_index("bogus"), -1);
	assert_int_equal(mt_stat_counter_name(MT_STAT_N, name, sizeof name), MT_EINVAL);
}

/* A finish adds, an undo takes the same away, an edit of a finished party moves it. */
static void test_changes(void **state)
{
	int64_t v[MT_STAT_N] = { 0 }, zero[MT_STAT_N] = { 0 };
	struct mt_stat_delta d[2];
	struct mt_waitee active, done, edited;
	int n;

	(void)state;
	done = seated(4, 3600000LL * 500000 + 600000, 25 * 60 + 10, 20);
	active = done;
	active.status = MT_WAITING;
	active.seated_at = 0;
	mt_stat_changes(&active, &done, d, &n);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].hour, 500000);
	assert_int_equal(d[0].party_size, 4);
	apply(v, d, n);
	assert_int_equal(v[MT_SC_SEATED], 1);
	assert_int_equal(v[MT_SC_COVERS], 4);
	assert_int_equal(v[MT_SC_WAIT_SUM], 25 * 60 + 10);
	assert_int_equal(v[MT_STAT_HIST0 + 25], 1);
	assert_int_equal(v[MT_SC_QUOTED], 1);
	assert_int_equal(v[MT_SC_ACC_SUM], 5 * 60 + 10);
	assert_int_equal(v[MT_SC_ACC_SQ], 310 * 310);
	/* nothing counted twice for a write that changed no counted field */
	edited = done;
	snprintf(edited.notes, sizeof edited.notes, "%s", "window");
	mt_stat_changes(&done, &edited, d, &n);
	assert_int_equal(n, 0);
	/* the size edited after seating: out of one bucket, into another */
	edited.party_size = 6;
	mt_stat_changes(&done, &edited, d, &n);
	assert_int_equal(n, 2);
	assert_int_equal(d[0].party_size, 4);
	assert_int_equal(d[1].party_size, 6);
	/* undo: back to where we were */
	mt_stat_changes(&done, &active, d, &n);
	assert_int_equal(n, 1);
	apply(v, d, n);
	assert_memory_equal(v, zero, sizeof v);
	/* cancelled and no-show count themselves only */
	done.status = MT_NO_SHOW;
	mt_stat_changes(NULL, &done, d, &n);
	apply(v, d, n);
	assert_int_equal(v[MT_SC_NO_SHOW], 1);
	assert_int_equal(v[MT_SC_SEATED], 0);
	/* a wait over the histogram's end lands in its last bin */
	done = seated(2, 3600000, 1000 * 60, 0);
	mt_stat_changes(NULL, &done, d, &n);
	apply(v, d, n);
	assert_int_equal(v[MT_STAT_HIST0 + MT_STAT_HIST_MAX], 1);
	assert_int_equal(v[MT_SC_QUOTED], 0);
}

/* Percentiles, means, accuracy and rates on a small history done by hand. */
static void test_summary(void **state)
{
	static const int waits[] = { 10, 30, 20, 40 }, quotes[] = { 20, 20, 15, 10 };
	int64_t v[MT_STAT_N] = { 0 };
	struct mt_stat_summary s;
	struct mt_stat_delta d[2];
	struct mt_waitee w;
	int i, n;

	(void)state;
	mt_stat_summarize(v, &s);
	assert_true(s.wait_mean < 0 && s.wait_p90 == -1 && s.no_show_rate < 0 && s.accuracy_mean < 0);
	for (i = 0; i < 4; i++) {
		w = seated(2, 3600000, waits[i] * 60, quotes[i]);
		mt_stat_changes(NULL, &w, d, &n);
		apply(v, d, n);
	}
	w.status = MT_CANCELLED;
	mt_stat_changes(NULL, &w, d, &n);
	apply(v, d, n);
	mt_stat_summarize(v, &s);
	assert_int_equal(s.parties, 5);
	assert_int_equal(s.served, 4);
	assert_int_equal(s.covers, 8);
	assert_true(s.wait_mean > 24.99 && s.wait_mean < 25.01);
	assert_int_equal(s.wait_p50, 20);
	assert_int_equal(s.wait_p90, 40);
	assert_int_equal(mt_stat_percentile(v, 25), 10);
	/* differences -10, +10, +5, +30: mean 8.75, sd sqrt(281.25 - 76.5625) */
	assert_true(s.accuracy_mean > 8.749 && s.accuracy_mean < 8.751);
	assert_true(s.accuracy_spread > 14.30 && s.accuracy_spread < 14.31);
	assert_true(s.cancel_rate > 0.199 && s.cancel_rate < 0.201);
	assert_true(s.no_show_rate == 0);
}

/* Estimates: the default below 5 parties, the median rounded up to 5 minutes, confidence by count and spread. */
static void test_estimate(void **state)
{
	int64_t v[MT_STAT_N] = { 0 };
	struct mt_estimate e;
	int i;

	(void)state;
	mt_stat_estimate(v, 25, &e);
	assert_int_equal(e.minutes, 25);
	assert_string_equal(e.source, "default");
	assert_string_equal(e.confidence, "none");
	mt_stat_estimate(v, 0, &e);
	assert_int_equal(e.minutes, 0);
	assert_string_equal(e.source, "none");
	for (i = 0; i < 4; i++) {
		v[MT_SC_SEATED]++;
		v[MT_STAT_HIST0 + 18]++;
	}
	mt_stat_estimate(v, 25, &e);
	assert_string_equal(e.source, "default");
	assert_int_equal(e.parties, 4);
	v[MT_SC_SEATED]++;
	v[MT_STAT_HIST0 + 18]++;
	mt_stat_estimate(v, 25, &e);
	assert_string_equal(e.source, "history");
	assert_int_equal(e.minutes, 20);
	assert_string_equal(e.confidence, "low");
	/* 12 parties, 10..32 by 2: median 20, quartiles 14 and 26 */
	memset(v, 0, sizeof v);
	for (i = 0; i < 12; i++) {
		v[MT_SC_SEATED]++;
		v[MT_STAT_HIST0 + 10 + 2 * i]++;
	}
	mt_stat_estimate(v, 25, &e);
	assert_int_equal(e.minutes, 20);
	assert_int_equal(e.p25, 14);
	assert_int_equal(e.p50, 20);
	assert_int_equal(e.p75, 26);
	assert_string_equal(e.confidence, "medium");
	/* 20 parties close together: high; spread wider than the median: one step lower */
	memset(v, 0, sizeof v);
	v[MT_SC_SEATED] = 20;
	v[MT_STAT_HIST0 + 31] = 20;
	mt_stat_estimate(v, 25, &e);
	assert_int_equal(e.minutes, 35);
	assert_string_equal(e.confidence, "high");
	memset(v, 0, sizeof v);
	v[MT_SC_SEATED] = 20;
	v[MT_STAT_HIST0 + 2] = 10;
	v[MT_STAT_HIST0 + 60] = 10;
	mt_stat_estimate(v, 25, &e);
	assert_int_equal(e.minutes, 5);
	assert_string_equal(e.confidence, "medium");
}

/* Dates round-trip and bad ones are refused. */
static void test_dates(void **state)
{
	char out[16];
	int64_t d;

	(void)state;
	assert_int_equal(mt_date_parse("1970-01-01", &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(mt_date_parse("2026-12-03", &d), 0);
	assert_int_equal(d, 20790);   /* date -u -d 2026-12-03 +%s, divided by 86400 */
	mt_date_format(d, out, sizeof out);
	assert_string_equal(out, "2026-12-03");
	assert_int_equal(mt_date_parse("2024-02-29", &d), 0);
	mt_date_format(d + 1, out, sizeof out);
	assert_string_equal(out, "2024-03-01");
	assert_int_equal(mt_date_parse("2025-02-29", &d), MT_EINVAL);
	assert_int_equal(mt_date_parse("2025-13-01", &d), MT_EINVAL);
	assert_int_equal(mt_date_parse("2025-1-01", &d), MT_EINVAL);
	assert_int_equal(mt_date_parse("20x5-01-01", &d), MT_EINVAL);
}

/* Offsets of real zones on known dates, local hours, local midnight to UTC, bad names. */
static void test_zones(void **state)
{
	struct mt_tz tz;
	int64_t jan, jul, d;

	(void)state;
	assert_int_equal(mt_date_parse("2026-01-15", &jan), 0);
	assert_int_equal(mt_date_parse("2026-07-15", &jul), 0);
	assert_int_equal(mt_tz_load("UTC", &tz), 0);
	assert_int_equal(mt_tz_offset(&tz, jan * 86400), 0);
	mt_tz_free(&tz);
	assert_int_equal(mt_tz_load("Europe/Paris", &tz), 0);
	assert_int_equal(mt_tz_offset(&tz, jan * 86400 + 43200), 3600);
	assert_int_equal(mt_tz_offset(&tz, jul * 86400 + 43200), 7200);
	assert_int_equal(mt_tz_hour(&tz, jul * 86400 + 17 * 3600), 19);
	assert_int_equal(mt_tz_to_utc(&tz, jul * 86400), jul * 86400 - 7200);
	assert_int_equal(mt_tz_day(&tz, jul * 86400 - 3600), jul);
	/* 2026-03-29: clocks go 02:00 -> 03:00 at 01:00 UTC */
	assert_int_equal(mt_date_parse("2026-03-29", &d), 0);
	assert_int_equal(mt_tz_offset(&tz, d * 86400 + 3599), 3600);
	assert_int_equal(mt_tz_offset(&tz, d * 86400 + 3600), 7200);
	mt_tz_free(&tz);
	assert_int_equal(mt_tz_load("America/New_York", &tz), 0);
	assert_int_equal(mt_tz_offset(&tz, jan * 86400), -5 * 3600);
	assert_int_equal(mt_tz_hour(&tz, jan * 86400 + 3600), 20);
	assert_int_equal(mt_tz_day(&tz, jan * 86400 + 3600), jan - 1);
	mt_tz_free(&tz);
	assert_int_equal(mt_tz_load("Asia/Kolkata", &tz), 0);
	assert_int_equal(mt_tz_offset(&tz, jul * 86400), 19800);
	mt_tz_free(&tz);
	assert_int_equal(mt_tz_load("../etc/passwd", &tz), MT_EINVAL);
	assert_int_equal(mt_tz_load("/etc/passwd", &tz), MT_EINVAL);
	assert_int_equal(mt_tz_load("Mars/Olympus_Mons", &tz), MT_ENOTFOUND);
	assert_int_equal(mt_tz_load("Europe", &tz), MT_ENOTFOUND);   /* a directory */
	/* $TZDIR wins; a Lambda zip's zoneinfo/ is the last resort */
	setenv("TZDIR", "/nonexistent-zoneinfo", 1);
	assert_int_equal(mt_tz_load("Europe/Paris", &tz), MT_ENOTFOUND);
	setenv("TZDIR", "/usr/share/zoneinfo", 1);
	assert_int_equal(mt_tz_load("Europe/Paris", &tz), 0);
	assert_int_equal(mt_tz_offset(&tz, jul * 86400), 7200);
	mt_tz_free(&tz);
	unsetenv("TZDIR");
	{
		/* a zone only the "zip" has: $LAMBDA_TASK_ROOT/zoneinfo/Test/Zone, a copy of Paris */
		char root[] = "/tmp/maitre-tz-XXXXXX", path[128], buf[8192];
		FILE *in, *out;
		size_t n;

		assert_non_null(mkdtemp(root));
		snprintf(path, sizeof path, "%s/zoneinfo", root);
		assert_int_equal(mkdir(path, 0700), 0);
		snprintf(path, sizeof path, "%s/zoneinfo/Test", root);
		assert_int_equal(mkdir(path, 0700), 0);
		snprintf(path, sizeof path, "%s/zoneinfo/Test/Zone", root);
		in = fopen("/usr/share/zoneinfo/Europe/Paris", "rb");
		out = fopen(path, "wb");
		assert_non_null(in);
		assert_non_null(out);
		n = fread(buf, 1, sizeof buf, in);
		assert_int_equal(fwrite(buf, 1, n, out), n);
		fclose(in);
		fclose(out);
		assert_int_equal(mt_tz_load("Test/Zone", &tz), MT_ENOTFOUND);
		setenv("LAMBDA_TASK_ROOT", root, 1);
		assert_int_equal(mt_tz_load("Test/Zone", &tz), 0);
		assert_int_equal(mt_tz_offset(&tz, jul * 86400), 7200);
		mt_tz_free(&tz);
		unsetenv("LAMBDA_TASK_ROOT");
		unlink(path);
		snprintf(path, sizeof path, "%s/zoneinfo/Test", root);
		rmdir(path);
		snprintf(path, sizeof path, "%s/zoneinfo", root);
		rmdir(path);
		rmdir(root);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_zones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
