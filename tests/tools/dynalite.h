/* Test helper: starts dynalite (tests/node_modules/dynalite, in memory,
 * through tests/tools/dynalite-server.js) on a loopback port the system
 * picks and stops it by PID; also a generic "spawn a
 * helper process that prints its port" used by the AWS tests. */
#ifndef MT_TESTS_DYNALITE_H
#define MT_TESTS_DYNALITE_H

#include <sys/types.h>

/* A helper process started by a test. */
struct test_proc {
	pid_t pid;        /* process id, 0 = not running */
	int port;         /* loopback port it listens on */
	char url[64];     /* "http://127.0.0.1:PORT" */
};

/* Starts dynalite on a port the system picks and waits until it listens.
 * Returns 0, 77 when node is not installed (the caller skips; under CI=true
 * -1 instead: tests/common/skip.h), or -1 with a message on stderr, also
 * when tests/node_modules lacks dynalite (test.sh installs it; a test
 * never writes into the source tree). */
int dynalite_start(struct test_proc *p);

/* Stops a helper process by PID and reaps it. */
void test_proc_stop(struct test_proc *p);

/* Starts argv (argv[0] a path) whose first stdout line is "PORT <n>";
 * waits for that line (up to 10 s). 0 or -1. */
int test_proc_spawn_port(char *const argv[], struct test_proc *p);

/* Returns a malloc'd unique name with this prefix (pid, time, counter). */
char *test_unique_name(const char *prefix);

/* The tests/ source directory (compiled in). */
const char *test_tests_dir(void);

#endif
