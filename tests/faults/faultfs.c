/* faultfs: an LD_PRELOAD shim that makes writes and syncs of chosen files
 * fail, for the fault tests (test-faults.c). Built by tests/faults/meson.build.
 *
 * MAITRE_FAULT_CTL names a control file, read again at every intercepted
 * call, so a test switches faults on and off while maitred runs. Its first
 * line is one of:
 *   (empty or absent)  no fault
 *   fsync EIO          fsync and fdatasync fail with EIO (after doing nothing)
 *   write EIO          write, pwrite, pwrite64, writev fail with EIO
 *   write ENOSPC       the same with ENOSPC: a full disk (also ftruncate growing a file)
 * Only descriptors whose path (/proc/self/fd/N) contains MAITRE_FAULT_MATCH
 * (default "maitre.db": the store, its -wal and -shm... files) are touched.
 * Every injected failure adds one to the number in the file CTL.hits, so a
 * test can tell that the fault really happened. */
#undef _FILE_OFFSET_BITS   /* else pwrite is renamed pwrite64 and both cannot be defined here */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* Which calls fail. */
enum faultfs_kind {
	FAULTFS_NONE = 0,   /* nothing */
	FAULTFS_SYNC,       /* fsync, fdatasync */
	FAULTFS_WRITE,      /* write, pwrite, pwrite64, writev, ftruncate */
};

static pthread_mutex_t faultfs_lock = PTHREAD_MUTEX_INITIALIZER;   /* serialises the hits file */
static unsigned long faultfs_hits;                                   /* failures injected so far */

ssize_t write(int fd, const void *buf, size_t n);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off);
ssize_t writev(int fd, const struct iovec *iov, int cnt);
int fsync(int fd);
int fdatasync(int fd);
int ftruncate(int fd, off_t len);

/* Stores the next definition of name (libc's) into the function pointer
 * at fn (copied as bytes: ISO C has no cast from void * to a function). */
static void faultfs_real(const char *name, void *fn)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (p == NULL)
		abort();
	memcpy(fn, &p, sizeof p);
}

/* Reads the control file: the kind of fault and its errno for fd. */
static enum faultfs_kind faultfs_mode(int fd, int *err)
{
	const char *ctl = getenv("MAITRE_FAULT_CTL"), *match = getenv("MAITRE_FAULT_MATCH");
	char link[64], path[1024], line[64];
	ssize_t n;
	int cfd;

	if (ctl == NULL || *ctl == '\0')
		return FAULTFS_NONE;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return FAULTFS_NONE;
	path[n] = '\0';
	if (strstr(path, match && *match ? match : "maitre.db") == NULL)
		return FAULTFS_NONE;
	cfd = open(ctl, O_RDONLY | O_CLOEXEC);
	if (cfd < 0)
		return FAULTFS_NONE;
	n = read(cfd, line, sizeof line - 1);
	close(cfd);
	if (n <= 0)
		return FAULTFS_NONE;
	line[n] = '\0';
	*err = strstr(line, "ENOSPC") ? ENOSPC : EIO;
	if (strncmp(line, "fsync", 5) == 0)
		return FAULTFS_SYNC;
	if (strncmp(line, "write", 5) == 0)
		return FAULTFS_WRITE;
	return FAULTFS_NONE;
}

/* Counts an injected failure in CTL.hits and sets errno; returns -1. */
static int faultfs_fail(int err)
{
	static ssize_t (*real_write)(int, const void *, size_t);
	const char *ctl = getenv("MAITRE_FAULT_CTL");
	char path[1100], num[32];
	int fd, len;

	if (real_write == NULL)
		faultfs_real("write", &real_write);
	pthread_mutex_lock(&faultfs_lock);
	faultfs_hits++;
	snprintf(path, sizeof path, "%s.hits", ctl);
	len = snprintf(num, sizeof num, "%lu\n", faultfs_hits);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (real_write(fd, num, (size_t)len) < 0) {
			/* the count is only a hint for the test */
		}
		close(fd);
	}
	pthread_mutex_unlock(&faultfs_lock);
	errno = err;
	return -1;
}

/* write(2), failing on demand. */
ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	int err;

	if (real == NULL)
		faultfs_real("write", &real);
	if (faultfs_mode(fd, &err) == FAULTFS_WRITE)
		return faultfs_fail(err);
	return real(fd, buf, n);
}

/* pwrite(2), failing on demand. */
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	int err;

	if (real == NULL)
		faultfs_real("pwrite", &real);
	if (faultfs_mode(fd, &err) == FAULTFS_WRITE)
		return faultfs_fail(err);
	return real(fd, buf, n, off);
}

/* pwrite64(2) (what SQLite calls), failing on demand. */
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	int err;

	if (real == NULL)
		faultfs_real("pwrite64", &real);
	if (faultfs_mode(fd, &err) == FAULTFS_WRITE)
		return faultfs_fail(err);
	return real(fd, buf, n, off);
}

/* writev(2), failing on demand. */
ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	static ssize_t (*real)(int, const struct iovec *, int);
	int err;

	if (real == NULL)
		faultfs_real("writev", &real);
	if (faultfs_mode(fd, &err) == FAULTFS_WRITE)
		return faultfs_fail(err);
	return real(fd, iov, cnt);
}

/* ftruncate(2): a full disk refuses to grow a file. */
int ftruncate(int fd, off_t len)
{
	static int (*real)(int, off_t);
	int err;

	if (real == NULL)
		faultfs_real("ftruncate", &real);
	if (faultfs_mode(fd, &err) == FAULTFS_WRITE && err == ENOSPC) {
		off_t cur = lseek(fd, 0, SEEK_END);

		if (cur >= 0 && len > cur)
			return faultfs_fail(err);
	}
	return real(fd, len);
}

/* fsync(2), failing on demand. */
int fsync(int fd)
{
	static int (*real)(int);
	int err;

	if (real == NULL)
		faultfs_real("fsync", &real);
	if (faultfs_mode(fd, &err) == FAULTFS_SYNC)
		return faultfs_fail(err);
	return real(fd);
}

/* fdatasync(2), failing on demand. */
int fdatasync(int fd)
{
	static int (*real)(int);
	int err;

	if (real == NULL)
		faultfs_real("fdatasync", &real);
	if (faultfs_mode(fd, &err) == FAULTFS_SYNC)
		return faultfs_fail(err);
	return real(fd);
}
