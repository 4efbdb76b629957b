/* Small helpers for the channel tests: start helper servers (python sinks,
 * aiosmtpd) as child processes on 127.0.0.1, wait for them, stop them by
 * PID; plain HTTP calls; file reading. Failures print why and return -1. */
#ifndef MAITRE_CHAN_UTIL_H
#define MAITRE_CHAN_UTIL_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CU_PYTHON "/usr/bin/python3"

/* Starts argv (argv[0] a path) with stdout/stderr to log_path (NULL: inherit). 0 or -1. */
int cu_spawn(char *const argv[], const char *log_path, pid_t *pid);
/* Stops a child: SIGTERM, waits up to 5 s, then SIGKILL. Returns the exit code or 128+signal. */
int cu_stop(pid_t pid);
/* Waits up to timeout_ms for a file holding a port number; returns it or -1. */
int cu_wait_port_file(const char *path, pid_t pid, int timeout_ms);
/* Waits up to timeout_ms until process pid listens on 127.0.0.1:port (its
 * own socket: another process on that port does not count). 0, or -1 when
 * pid exited first (e.g. the port was taken) or the time ran out. */
int cu_wait_listen(int port, pid_t pid, int timeout_ms);
/* A free TCP port on 127.0.0.1 (bind 0, close), or -1. */
int cu_free_port(void);
/* Makes a fresh temporary directory (mkdtemp) into buf. 0 or -1. */
int cu_tmpdir(char *buf, size_t n);
/* Removes a directory tree (rm -rf through nftw). */
void cu_rmtree(const char *path);
/* Reads a whole file (malloc'd, NUL-terminated) or NULL. */
char *cu_read_file(const char *path);
/* The last whole line of a JSON-lines file whose string member `field`
 * equals value (parsed; caller frees), or NULL. */
cJSON *cu_log_find(const char *path, const char *field, const char *value);
/* HTTP request to url; body may be NULL (then GET unless method given).
 * *resp (malloc'd) gets the body when resp != NULL. Returns the status or -1. */
long cu_http(const char *method, const char *url, const char *body, const char *ctype, char **resp);
/* Runs argv to completion and captures stdout (malloc'd). Returns exit code or -1. */
int cu_run_capture(char *const argv[], char **out);
/* Source directory of these tests (for the python helpers). */
const char *cu_srcdir(void);
/* The test clock of the maitreds a test starts: "MAITRE_TEST_CLOCK_FILE=PATH"
 * for their environment (the file is made, offset 0, on the first call;
 * NULL on failure). Their clock is the wall clock plus the offset. */
const char *cu_clock_env(void);
/* Moves that clock forward by ms (seen by the maitreds at once). 0 or -1. */
int cu_clock_advance(int64_t ms);
/* That clock's time, epoch ms (the wall clock plus the offset). */
int64_t cu_clock_now_ms(void);
/* Removes the clock file (if one was made). */
void cu_clock_cleanup(void);
/* printf into a malloc'd string; aborts when out of memory. */
char *cu_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
