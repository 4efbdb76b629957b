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

#endif
