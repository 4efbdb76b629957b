/* Time zones for stats and wait estimates: an IANA zone read from the
 * system's compiled zone files (TZif: $TZDIR when set, else
 * /usr/share/zoneinfo, else $LAMBDA_TASK_ROOT/zoneinfo), so
 * nothing depends on the process's TZ (which a threaded server must not
 * change), and calendar dates as days since 1970-01-01.
 *
 * Offsets come from the file's transition table; past its last transition
 * (2037 in Debian's "fat" files) the last offset holds. "UTC" needs no file. */
#ifndef MT_TZ_H
#define MT_TZ_H

#include <stdint.h>

#define MT_TZ_NAME_MAX 64     /* longest zone name accepted, NUL included */

/* A loaded zone. */
struct mt_tz {
	char name[MT_TZ_NAME_MAX];   /* IANA name, e.g. "Europe/Paris" */
	int n;                       /* transitions in at[]/off[] */
	int64_t *at;                 /* transition times, epoch seconds, ascending (malloc'd) */
	int32_t *off;                /* UTC offset (s) from at[i] on (malloc'd) */
	int32_t off0;                /* offset before the first transition (or always, when n is 0) */
};

/* 1 when name looks like an IANA zone name (letters, digits, '/', '_', '+',
 * '-', no "..", not absolute, shorter than MT_TZ_NAME_MAX). */
int mt_tz_name_ok(const char *name);
/* Loads zone name into tz (mt_tz_free after). 0, MT_EINVAL for a bad name,
 * MT_ENOTFOUND when no such zone file, MT_ENOMEM. */
int mt_tz_load(const char *name, struct mt_tz *tz);
/* Frees what mt_tz_load allocated. */
void mt_tz_free(struct mt_tz *tz);
/* UTC offset (seconds east) in force at epoch second t. */
int32_t mt_tz_offset(const struct mt_tz *tz, int64_t t);
/* The epoch second at which the local wall clock reads local_s (seconds
 * since 1970-01-01 00:00 local); in a gap or an overlap, one of the two. */
int64_t mt_tz_to_utc(const struct mt_tz *tz, int64_t local_s);
/* Local hour of the day (0..23) at epoch second t. */
int mt_tz_hour(const struct mt_tz *tz, int64_t t);
/* Local date (days since 1970-01-01) at epoch second t. */
int64_t mt_tz_day(const struct mt_tz *tz, int64_t t);

/* Parses "YYYY-MM-DD" into days since 1970-01-01. 0 or MT_EINVAL. */
int mt_date_parse(const char *s, int64_t *days);
/* Writes days since 1970-01-01 as "YYYY-MM-DD" into out (at least 16 bytes). */
void mt_date_format(int64_t days, char *out, int size);

#endif
