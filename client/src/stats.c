/* Stats and estimate answers (API `Stats`, `Estimate`; docs/stats.md) into records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* A number member, or dflt when absent or null; held within +-2e9 so the
 * int casts of its callers are always defined (no stat is near that). */
static double num_or(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v))
		return dflt;
	return v->valuedouble < -2e9 ? -2e9 : v->valuedouble > 2e9 ? 2e9 : v->valuedouble;
}

/* Copies a string member into dst ("" when absent). */
static void str_into(const cJSON *o, const char *k, char *dst, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* Reads a StatsSummary object; MTC_ERR_BAD_ANSWER when it is not one. */
static enum mtc_error parse_summary(const cJSON *o, struct mtc_stat_summary *s)
{
	if (!cJSON_IsObject(o) || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "parties")))
		return MTC_ERR_BAD_ANSWER;
	const cJSON *acc = cJSON_GetObjectItemCaseSensitive(o, "quoteAccuracy");
	s->parties = (long)num_or(o, "parties", 0);
	s->served = (long)num_or(o, "served", 0);
	s->covers = (long)num_or(o, "covers", 0);
	s->cancelled = (long)num_or(o, "cancelled", 0);
	s->no_show = (long)num_or(o, "noShow", 0);
	s->no_show_rate = num_or(o, "noShowRate", -1);
	s->cancel_rate = num_or(o, "cancelRate", -1);
	s->wait_mean = num_or(o, "waitMeanMinutes", -1);
	s->wait_p50 = num_or(o, "waitP50Minutes", -1);
	s->wait_p90 = num_or(o, "waitP90Minutes", -1);
	s->quoted = (long)num_or(acc, "parties", 0);
	s->accuracy_mean = num_or(acc, "meanMinutes", 0);
	s->accuracy_spread = num_or(acc, "spreadMinutes", 0);
	return MTC_OK;
}

/* Reads a Stats answer (text kept in s->json). */
enum mtc_error mtc_parse_stats(const char *text, size_t len, struct mtc_stats *s)
{
	memset(s, 0, sizeof *s);
	cJSON *o = cJSON_ParseWithLength(text, len);
	enum mtc_error e = parse_summary(cJSON_GetObjectItemCaseSensitive(o, "total"), &s->total);
	const cJSON *it;
	if (e == MTC_OK) {
		str_into(o, "waitlistId", s->waitlist_id, sizeof s->waitlist_id);
		str_into(o, "timezone", s->timezone, sizeof s->timezone);
		str_into(o, "from", s->from, sizeof s->from);
		str_into(o, "to", s->to, sizeof s->to);
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "byHour")) {
			int h = (int)num_or(it, "hour", -1);
			if (h >= 0 && h < 24 && parse_summary(it, &s->by_hour[h]) != MTC_OK)
				e = MTC_ERR_BAD_ANSWER;
		}
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "byPartySize")) {
			int size = (int)num_or(it, "partySize", 0);
			if (size < 1 || size > MTC_STATS_SIZES || s->n_sizes == MTC_STATS_SIZES)
				continue;
			if (parse_summary(it, &s->by_size[s->n_sizes]) != MTC_OK)
				e = MTC_ERR_BAD_ANSWER;
			s->sizes[s->n_sizes++] = size;
		}
	}
	cJSON_Delete(o);
	if (e == MTC_OK) {
		s->json = malloc(len + 1);
		if (s->json == NULL)
			return MTC_ERR_NOMEM;
		memcpy(s->json, text, len);
		s->json[len] = '\0';
	}
	return e;
}

/* Reads an Estimate object. */
enum mtc_error mtc_parse_estimate(const cJSON *o, struct mtc_estimate *e)
{
	memset(e, 0, sizeof *e);
	if (!cJSON_IsObject(o) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "source")))
		return MTC_ERR_BAD_ANSWER;
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "waitMinutes");
	e->party_size = (int)num_or(o, "partySize", 0);
	e->hour = (int)num_or(o, "hour", 0);
	str_into(o, "timezone", e->timezone, sizeof e->timezone);
	e->quoted_minutes = (int)num_or(o, "quotedMinutes", 0);
	str_into(o, "source", e->source, sizeof e->source);
	str_into(o, "confidence", e->confidence, sizeof e->confidence);
	e->parties = (long)num_or(o, "parties", 0);
	e->p25 = (int)num_or(w, "p25", -1);
	e->median = (int)num_or(w, "median", -1);
	e->p75 = (int)num_or(w, "p75", -1);
	return MTC_OK;
}

/* Frees what a stats record holds and zeroes it. */
void mtc_stats_clear(struct mtc_stats *s)
{
	if (s == NULL)
		return;
	free(s->json);
	memset(s, 0, sizeof *s);
}
