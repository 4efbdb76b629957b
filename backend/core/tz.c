/* Time zones from TZif files and civil dates (see tz.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "core/tz.h"

#define TZ_FILE_MAX (512 * 1024)   /* a zone file is a few KiB; refuse anything huge */
#define TZ_TRANS_MAX 4096          /* transitions kept at most */

/* 1 when name looks like an IANA zone name. */
int mt_tz_name_ok(const char *name)
{
	size_t i, n;

	if (name == NULL || (n = strlen(name)) == 0 || n >= MT_TZ_NAME_MAX || name[0] == '/' || name[0] == '.')
		return 0;
	if (strstr(name, "..") != NULL || strstr(name, "//") != NULL)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
		      c == '_' || c == '+' || c == '-'))
			return 0;
	}
	return 1;
}

/* Big-endian 32-bit signed integer at p. */
static int32_t tz_be32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

/* Big-endian 64-bit signed integer at p. */
static int64_t tz_be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)(uint32_t)tz_be32(p) << 32 | (uint64_t)(uint32_t)tz_be32(p + 4));
}

/* Counts of a TZif header. */
struct tz_counts {
	int32_t isut, isstd, leap, time, type, chars;   /* as in RFC 8536 section 3.1 */
};

/* Reads a TZif header at p (44 bytes available); 0 or MT_EINVAL. */
static int tz_header(const unsigned char *p, size_t avail, struct tz_counts *c, char *version)
{
	if (avail < 44 || memcmp(p, "TZif", 4) != 0)
		return MT_EINVAL;
	*version = (char)p[4];
	c->isut = tz_be32(p + 20);
	c->isstd = tz_be32(p + 24);
	c->leap = tz_be32(p + 28);
	c->time = tz_be32(p + 32);
	c->type = tz_be32(p + 36);
	c->chars = tz_be32(p + 40);
	if (c->isut < 0 || c->isstd < 0 || c->leap < 0 || c->time < 0 || c->time > TZ_TRANS_MAX ||
	    c->type < 1 || c->type > 256 || c->chars < 0)
		return MT_EINVAL;
	return 0;
}

/* Size of a data block with these counts and time size tsz (4 or 8). */
static size_t tz_block_size(const struct tz_counts *c, size_t tsz)
{
	return (size_t)c->time * tsz + (size_t)c->time + (size_t)c->type * 6 + (size_t)c->chars +
	       (size_t)c->leap * (tsz + 4) + (size_t)c->isstd + (size_t)c->isut;
}

/* Parses the TZif bytes into tz; 0 or MT_EINVAL / MT_ENOMEM. */
static int tz_parse(const unsigned char *p, size_t len, struct mt_tz *tz)
{
	struct tz_counts c;
	const unsigned char *d, *types, *info;
	size_t tsz = 4, need;
	char version;
	int32_t i, first_std = -1;

	if (tz_header(p, len, &c, &version) < 0)
		return MT_EINVAL;
	need = 44 + tz_block_size(&c, 4);
	if (need > len)
		return MT_EINVAL;
	if (version >= '2') {
		/* the version 2+ block (64-bit times) follows the version 1 one */
		p += need;
		len -= need;
		if (tz_header(p, len, &c, &version) < 0)
			return MT_EINVAL;
		tsz = 8;
		if (44 + tz_block_size(&c, 8) > len)
			return MT_EINVAL;
	}
	d = p + 44;
	types = d + (size_t)c.time * tsz;
	info = types + c.time;
	for (i = 0; i < c.type; i++)
		if (info[i * 6 + 4] == 0) {
			first_std = i;
			break;
		}
	tz->off0 = tz_be32(info + (first_std >= 0 ? first_std : 0) * 6);
	tz->n = 0;
	if (c.time == 0)
		return 0;
	tz->at = malloc((size_t)c.time * sizeof *tz->at);
	tz->off = malloc((size_t)c.time * sizeof *tz->off);
	if (tz->at == NULL || tz->off == NULL)
		return MT_ENOMEM;
	for (i = 0; i < c.time; i++) {
		int64_t at = tsz == 8 ? tz_be64(d + (size_t)i * 8) : tz_be32(d + (size_t)i * 4);

		if (types[i] >= c.type || (tz->n > 0 && at <= tz->at[tz->n - 1]))
			return MT_EINVAL;
		tz->at[tz->n] = at;
		tz->off[tz->n] = tz_be32(info + types[i] * 6);
		tz->n++;
	}
	return 0;
}

/* Loads zone name (see tz.h). */
int mt_tz_load(const char *name, struct mt_tz *tz)
{
	const char *dir = getenv("TZDIR");
	unsigned char *buf = NULL;
	char path[1024];
	size_t len = 0;
	FILE *f;
	int r;

	memset(tz, 0, sizeof *tz);
	if (!mt_tz_name_ok(name))
		return MT_EINVAL;
	snprintf(tz->name, sizeof tz->name, "%s", name);
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
		return 0;
	f = NULL;
	if (dir != NULL && *dir != '\0') {
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
			return MT_EINVAL;
		f = fopen(path, "rb");
	} else {
		/* the system's files, else a zoneinfo/ carried in a Lambda function's zip */
		const char *task = getenv("LAMBDA_TASK_ROOT");

		snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
		f = fopen(path, "rb");
		if (f == NULL && task != NULL && *task != '\0' &&
		    (size_t)snprintf(path, sizeof path, "%s/zoneinfo/%s", task, name) < sizeof path)
			f = fopen(path, "rb");
	}
	if (f == NULL)
		return MT_ENOTFOUND;
	buf = malloc(TZ_FILE_MAX);
	if (buf == NULL) {
		fclose(f);
		return MT_ENOMEM;
	}
	len = fread(buf, 1, TZ_FILE_MAX, f);
	fclose(f);
	r = tz_parse(buf, len, tz);
	free(buf);
	if (r < 0) {
		mt_tz_free(tz);
		return r == MT_ENOMEM ? r : MT_ENOTFOUND;   /* a directory or not a zone file: no such zone */
	}
	return 0;
}

/* Frees what mt_tz_load allocated. */
void mt_tz_free(struct mt_tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->at);
	free(tz->off);
	tz->at = NULL;
	tz->off = NULL;
	tz->n = 0;
}

/* UTC offset in force at t: the last transition at or before t. */
int32_t mt_tz_offset(const struct mt_tz *tz, int64_t t)
{
	int lo = 0, hi = tz->n;

	if (tz->n == 0 || t < tz->at[0])
		return tz->off0;
	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2;

		if (tz->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return tz->off[lo];
}

/* The epoch second at which the wall clock reads local_s. */
int64_t mt_tz_to_utc(const struct mt_tz *tz, int64_t local_s)
{
	int64_t guess = local_s - mt_tz_offset(tz, local_s);

	return local_s - mt_tz_offset(tz, guess);
}

/* Floor division for possibly negative a. */
static int64_t tz_floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Local hour of the day at t. */
int mt_tz_hour(const struct mt_tz *tz, int64_t t)
{
	int64_t local = t + mt_tz_offset(tz, t);

	return (int)((local - tz_floordiv(local, 86400) * 86400) / 3600);
}

/* Local date at t. */
int64_t mt_tz_day(const struct mt_tz *tz, int64_t t)
{
	return tz_floordiv(t + mt_tz_offset(tz, t), 86400);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = tz_floordiv(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Parses "YYYY-MM-DD". */
int mt_date_parse(const char *s, int64_t *days)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return MT_EINVAL;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return MT_EINVAL;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return MT_EINVAL;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return MT_EINVAL;
	*days = tz_days_from_civil(y, m, d);
	return 0;
}

/* Writes days since 1970-01-01 as "YYYY-MM-DD" (H. Hinnant's civil_from_days). */
void mt_date_format(int64_t days, char *out, int size)
{
	int64_t z = days + 719468, era = tz_floordiv(z, 146097), doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int64_t y = yoe + era * 400 + (m <= 2);

	snprintf(out, (size_t)size, "%04lld-%02d-%02d", (long long)y, m, d);
}
