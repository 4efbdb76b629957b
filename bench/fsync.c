/* The durable-commit ceiling of a directory's file system, for bench/adds.sh:
 *   1. serial fdatasync: rewrite 4 KiB of a file and fdatasync it, in a loop;
 *   2. serial SQLite commits: one small INSERT per transaction on a WAL file
 *      with synchronous=FULL (what every unbatched write of the store pays).
 * Each runs for SECONDS (default 2) and prints "name per_second count".
 *
 *   bench-fsync DIR [SECONDS]
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

/* Monotonic seconds. */
static double fsync_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Serial 4 KiB write + fdatasync for `secs`; prints the rate. 0 or -1. */
static int fsync_raw(const char *dir, double secs)
{
	char path[4096], block[4096];
	double t0, t;
	long n = 0;
	int fd;

	snprintf(path, sizeof path, "%s/bench-fsync.raw", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "bench-fsync: %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(block, 'x', sizeof block);
	t0 = fsync_now();
	do {
		if (pwrite(fd, block, sizeof block, (off_t)(n % 16) * (off_t)sizeof block) != (ssize_t)sizeof block ||
		    fdatasync(fd) != 0) {
			fprintf(stderr, "bench-fsync: %s: %s\n", path, strerror(errno));
			close(fd);
			unlink(path);
			return -1;
		}
		n++;
		t = fsync_now();
	} while (t - t0 < secs);
	close(fd);
	unlink(path);
	printf("fdatasync %.0f %ld\n", (double)n / (t - t0), n);
	return 0;
}

/* Runs SQL or reports it; 0 or -1. */
static int fsync_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench-fsync: %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Serial one-row SQLite commits (WAL, synchronous=FULL) for `secs`; prints the rate. */
static int fsync_sqlite(const char *dir, double secs)
{
	char path[4096], wal[4200], shm[4200];
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	double t0, t;
	long n = 0;
	int r = -1;

	snprintf(path, sizeof path, "%s/bench-fsync.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(shm, sizeof shm, "%s-shm", path);
	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    fsync_exec(db, "PRAGMA journal_mode = WAL") < 0 || fsync_exec(db, "PRAGMA synchronous = FULL") < 0 ||
	    fsync_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)") < 0 ||
	    sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES ('a party of four, table by the window')", -1, &ins,
			       NULL) != SQLITE_OK)
		goto done;
	t0 = fsync_now();
	do {
		if (fsync_exec(db, "BEGIN IMMEDIATE") < 0)
			goto done;
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "bench-fsync: insert: %s\n", sqlite3_errmsg(db));
			goto done;
		}
		sqlite3_reset(ins);
		if (fsync_exec(db, "COMMIT") < 0)
			goto done;
		n++;
		t = fsync_now();
	} while (t - t0 < secs);
	printf("sqlite_commit %.0f %ld\n", (double)n / (t - t0), n);
	r = 0;
done:
	sqlite3_finalize(ins);
	sqlite3_close(db);
	unlink(path);
	unlink(wal);
	unlink(shm);
	return r;
}

int main(int argc, char **argv)
{
	double secs = 2.0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench-fsync DIR [SECONDS]\n");
		return 2;
	}
	if (argc == 3) {
		char *end;

		secs = strtod(argv[2], &end);
		if (*end != '\0' || secs <= 0 || secs > 600) {
			fprintf(stderr, "bench-fsync: SECONDS must be a number in (0, 600]\n");
			return 2;
		}
	}
	if (fsync_raw(argv[1], secs) < 0 || fsync_sqlite(argv[1], secs) < 0)
		return 1;
	return 0;
}
