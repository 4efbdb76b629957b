/* The board's model: status names, visibility, order and load figures. */
#include "party.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[PARTY_STATUS_COUNT] = {
	"waiting", "notified", "confirmed", "seated", "cancelled", "no_show",
};

/* Name of a status as the API spells it. */
const char *party_status_api_name(enum party_status s)
{
	return (unsigned)s < PARTY_STATUS_COUNT ? status_names[s] : "?";
}

/* Parses an API status name; -1 when unknown. */
int party_status_parse(const char *s)
{
	for (int i = 0; s && i < PARTY_STATUS_COUNT; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

/* 1 for the active statuses. */
int party_status_active(enum party_status s)
{
	return s == PARTY_WAITING || s == PARTY_NOTIFIED || s == PARTY_CONFIRMED;
}

/* Name of a view for the header. */
const char *party_view_name(enum party_view v)
{
	switch (v) {
	case VIEW_WAITING: return "waiting";
	case VIEW_FINISHED: return "finished today";
	case VIEW_ALL: return "all";
	default: return "?";
	}
}

/* Case-insensitive (ASCII) substring test; UTF-8 bytes compare as is. */
static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return 1;
	for (const char *h = hay; *h; h++) {
		size_t i = 0;
		while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

/* 1 when search is all digits and the phone's digits end with them. */
static int phone_tail_matches(const char *phone, const char *search)
{
	size_t ns = strlen(search);
	if (ns == 0)
		return 0;
	for (size_t i = 0; i < ns; i++)
		if (!isdigit((unsigned char)search[i]))
			return 0;
	char digits[40];
	size_t nd = 0;
	for (const char *p = phone; *p && nd + 1 < sizeof digits; p++)
		if (isdigit((unsigned char)*p))
			digits[nd++] = *p;
	digits[nd] = '\0';
	return nd >= ns && memcmp(digits + nd - ns, search, ns) == 0;
}

/* 1 when p belongs in the view, passes the size filter and the search. */
int party_visible(const struct party *p, enum party_view v, int size_filter,
		  const char *search, int64_t now_ms)
{
	int active = party_status_active(p->status);
	if (v == VIEW_WAITING && !active)
		return 0;
	if (v == VIEW_FINISHED) {
		if (active)
			return 0;
		int64_t when = p->updated_ms ? p->updated_ms : p->joined_ms;
		if (now_ms - when > 24LL * 3600 * 1000)
			return 0;
	}
	if (size_filter > 0 && size_filter < 8 && p->size != size_filter)
		return 0;
	if (size_filter >= 8 && p->size < 8)
		return 0;
	if (search && *search && !contains_nocase(p->name, search) && !phone_tail_matches(p->phone, search))
		return 0;
	return 1;
}

/* qsort order: active by join time (then id), finished most recent first. */
static int party_cmp(const void *a, const void *b)
{
	const struct party *x = a, *y = b;
	int ax = party_status_active(x->status), ay = party_status_active(y->status);
	if (ax != ay)
		return ax ? -1 : 1;
	if (ax) {
		if (x->joined_ms != y->joined_ms)
			return x->joined_ms < y->joined_ms ? -1 : 1;
		return strcmp(x->id, y->id);
	}
	if (x->updated_ms != y->updated_ms)
		return x->updated_ms > y->updated_ms ? -1 : 1;
	return strcmp(y->id, x->id);
}

/* Sorts parties for the board. */
void party_sort(struct party *rows, size_t n)
{
	if (n > 1)
		qsort(rows, n, sizeof *rows, party_cmp);
}

/* Milliseconds left of the quote (negative = over); INT64_MIN without a quote. */
int64_t party_quote_left_ms(const struct party *p, int64_t now_ms)
{
	if (p->quote <= 0)
		return INT64_MIN;
	return p->joined_ms + (int64_t)p->quote * 60000 - now_ms;
}

/* Computes the header's load figures. */
void party_load_compute(const struct party *rows, size_t n, int64_t now_ms, struct party_load *out)
{
	memset(out, 0, sizeof *out);
	int64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		const struct party *p = &rows[i];
		if (!party_status_active(p->status))
			continue;
		int64_t waited = now_ms - p->joined_ms;
		if (waited < 0)
			waited = 0;
		out->parties++;
		out->covers += p->size;
		total += waited;
		if (waited > out->longest_ms)
			out->longest_ms = waited;
		int64_t left = party_quote_left_ms(p, now_ms);
		if (left != INT64_MIN && left < 0)
			out->over++;
	}
	if (out->parties)
		out->average_ms = total / out->parties;
}

/* qsort order for int64_t. */
static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Median recent wait of seated parties, in minutes; -1 when too few. */
int party_suggest_quote(const struct party *rows, size_t n, int64_t now_ms)
{
	int64_t waits[256];
	size_t k = 0;
	for (size_t i = 0; i < n && k < sizeof waits / sizeof waits[0]; i++) {
		const struct party *p = &rows[i];
		if (p->status != PARTY_SEATED || !p->seated_ms || p->seated_ms < p->joined_ms)
			continue;
		if (now_ms - p->seated_ms > 3LL * 3600 * 1000)
			continue;
		waits[k++] = p->seated_ms - p->joined_ms;
	}
	if (k < 3)
		return -1;
	qsort(waits, k, sizeof waits[0], cmp_i64);
	int64_t med = waits[k / 2];
	return (int)((med + 59999) / 60000);
}
