/* The clock handlers read time from; tests hand in a fake one. */
#ifndef MT_CLOCK_H
#define MT_CLOCK_H

#include <stdint.h>

struct mt_clock {
	int64_t (*now_ms)(void *data);  /* current time, epoch milliseconds */
	void *data;                     /* passed to now_ms */
};

/* The real clock (CLOCK_REALTIME). */
extern const struct mt_clock mt_clock_system;

/* Epoch milliseconds from the system clock. */
int64_t mt_clock_system_now(void *data);

/* Milliseconds of CLOCK_MONOTONIC (for intervals and deadlines). */
int64_t mt_clock_mono_ms(void);

/* A clock for tests that drive a whole process (maitred): the system clock
 * plus an offset in ms read from the file at path, 8 bytes, a native int64
 * (missing or short file: created as 0). The file is mapped, so a test moves
 * the process's time with one pwrite and the change is seen at once. 0, or
 * MT_EIO with *cause malloc'd. */
int mt_clock_offset_file(const char *path, struct mt_clock *out, char **cause);

#endif
