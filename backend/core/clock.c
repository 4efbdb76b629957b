/* Clocks: the system clock, the monotonic one for intervals, and a clock
 * offset by a mapped file for tests that drive another process's time. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/clock.h"
#include "core/error.h"

/* Epoch milliseconds from the system clock. */
int64_t mt_clock_system_now(void *data)
{
	struct timespec ts;

	(void)data;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t mt_clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const struct mt_clock mt_clock_system = { mt_clock_system_now, NULL };

/* The system clock plus the offset in the mapped file (data). */
static int64_t clock_offset_now(void *data)
{
	return mt_clock_system_now(NULL) + __atomic_load_n((const int64_t *)data, __ATOMIC_RELAXED);
}

/* Maps the offset file at path (created as 0 when missing) into a clock. */
int mt_clock_offset_file(const char *path, struct mt_clock *out, char **cause)
{
	static const int64_t zero;
	struct stat st;
	void *map;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		*cause = mt_strf("clock offset file %s: %s", path, strerror(errno));
		return MT_EIO;
	}
	if (fstat(fd, &st) != 0 || (st.st_size < (off_t)sizeof zero &&
				    pwrite(fd, &zero, sizeof zero, 0) != (ssize_t)sizeof zero)) {
		*cause = mt_strf("clock offset file %s: %s", path, strerror(errno));
		close(fd);
		return MT_EIO;
	}
	map = mmap(NULL, sizeof zero, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		*cause = mt_strf("clock offset file %s: %s", path, strerror(errno));
		return MT_EIO;
	}
	out->now_ms = clock_offset_now;
	out->data = map;   /* mapped for the life of the process */
	return 0;
}
