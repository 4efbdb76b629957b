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

/* A test that runs on both stores: which one this run has. */
struct test_store_env {
	int dynamo;              /* 1: DynamoDB through dynalite, 0: SQLite */
	struct test_proc dyn;    /* the run's dynalite (dynamo only) */
};

/* The main of a test run on SQLite, or on DynamoDB when argv[1] is
 * "dynamodb" (a dynalite started into env->dyn for the run, stopped after):
 * returns run("<name>-sqlite" or "<name>-dynamodb"), 77 when dynalite
 * cannot run here (dynalite_start), or 1 when it failed to start. */
int test_store_main(int argc, char **argv, struct test_store_env *env, const char *name,
		    int (*run)(const char *group));

/* A fresh store URL for one test into url: a new table "<prefix>..." on
 * env's dynalite, or SQLite in a new directory /tmp/maitre-<prefix>-XXXXXX
 * (its path into dir, "" on DynamoDB). 0 or -1. */
int test_store_url(const struct test_store_env *env, const char *prefix, char *dir, size_t dir_size, char *url,
		   size_t url_size);

/* Removes a directory test_store_url made ("" : nothing). 0 or -1. */
int test_store_dir_remove(const char *dir);

#endif
