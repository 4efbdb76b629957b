/* Test helper: start dynalite / helper servers on loopback, stop by PID. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include "../common/skip.h"
#include "dynalite.h"

#ifndef MT_TESTS_DIR
#error "MT_TESTS_DIR must be defined (the tests/ source directory)"
#endif

/* The tests/ source directory. */
const char *test_tests_dir(void)
{
	return MT_TESTS_DIR;
}

/* Returns a malloc'd unique name with this prefix. */
char *test_unique_name(const char *prefix)
{
	static unsigned counter;
	struct timespec ts;
	char buf[128];

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, sizeof buf, "%s-%ld-%lx-%u", prefix, (long)getpid(),
		 (unsigned long)(ts.tv_nsec ^ ts.tv_sec), __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST));
	return strdup(buf);
}

/* 1 when an executable named `name` is on PATH. */
static int dynalite_on_path(const char *name)
{
	const char *path = getenv("PATH");
	char dir[1024], full[1200];
	const char *p, *e;
	size_t n;

	if (path == NULL)
		return 0;
	for (p = path; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n == 0 || n >= sizeof dir)
			continue;
		memcpy(dir, p, n);
		dir[n] = '\0';
		snprintf(full, sizeof full, "%s/%s", dir, name);
		if (access(full, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* Sleeps ms milliseconds. */
static void dynalite_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Forks and execs argv with stdout to out_fd (-1 = /dev/null); returns pid or -1. */
static pid_t dynalite_spawn(char *const argv[], int out_fd, const char *cwd)
{
	pid_t pid = fork();
	int devnull;

	if (pid != 0)
		return pid;
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(out_fd >= 0 ? out_fd : devnull, 1);
	}
	if (cwd && chdir(cwd) != 0)
		_exit(126);
	execvp(argv[0], argv);
	_exit(127);
}

/* Starts dynalite in memory on a port the system picks
 * (tests/tools/dynalite-server.js prints it): no window in which a test
 * running beside this one could take a port found free, which once left a
 * test talking to another test's server. */
int dynalite_start(struct test_proc *p)
{
	char bin[1200], script[1200];
	int attempt;

	memset(p, 0, sizeof *p);
	if (!dynalite_on_path("node"))
		return test_skip_status("node is not installed; the DynamoDB tests need node 20 and dynalite") == 77 ? 77 : -1;
	snprintf(bin, sizeof bin, "%s/node_modules/dynalite/package.json", test_tests_dir());
	/* Tests never install into the source tree: test.sh runs `npm ci` in tests/. */
	if (access(bin, R_OK) != 0) {
		fprintf(stderr, "FAIL: %s not found: run ./test.sh, or `npm ci` in tests/\n", bin);
		return -1;
	}
	snprintf(script, sizeof script, "%s/tools/dynalite-server.js", test_tests_dir());
	for (attempt = 0; attempt < 3; attempt++) {
		char *argv[] = { (char *)"node", script, NULL };

		if (test_proc_spawn_port(argv, p) == 0)
			return 0;
	}
	fprintf(stderr, "FAIL: dynalite did not start\n");
	return -1;
}

/* Stops a helper process by PID and reaps it. */
void test_proc_stop(struct test_proc *p)
{
	int status, i;

	if (p == NULL || p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->pid = 0;
			return;
		}
		dynalite_sleep_ms(20);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &status, 0);
	p->pid = 0;
}

/* Starts a helper that prints "PORT <n>" as its first line. */
int test_proc_spawn_port(char *const argv[], struct test_proc *p)
{
	int fds[2], status;
	char line[64];
	size_t n = 0;
	ssize_t r;
	long port;
	char *end;
	pid_t pid;

	memset(p, 0, sizeof *p);
	if (pipe(fds) != 0)
		return -1;
	pid = dynalite_spawn(argv, fds[1], NULL);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	while (n + 1 < sizeof line) {
		r = read(fds[0], line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(fds[0]);
	if (strncmp(line, "PORT ", 5) != 0) {
		fprintf(stderr, "helper %s did not report a port (got '%s')\n", argv[0], line);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	errno = 0;
	port = strtol(line + 5, &end, 10);
	if (errno || port <= 0 || port > 65535) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	p->pid = pid;
	p->port = (int)port;
	snprintf(p->url, sizeof p->url, "http://127.0.0.1:%d", p->port);
	return 0;
}

/* The main of a test run on both stores: SQLite, or DynamoDB on a dynalite
 * of its own when argv[1] is "dynamodb". */
int test_store_main(int argc, char **argv, struct test_store_env *env, const char *name,
		    int (*run)(const char *group))
{
	char group[128];
	int r;

	env->dynamo = argc > 1 && strcmp(argv[1], "dynamodb") == 0;
	if (env->dynamo) {
		r = dynalite_start(&env->dyn);
		if (r == 77)
			return 77;
		if (r != 0)
			return 1;
	}
	snprintf(group, sizeof group, "%s-%s", name, env->dynamo ? "dynamodb" : "sqlite");
	r = run(group);
	if (env->dynamo)
		test_proc_stop(&env->dyn);
	return r;
}

/* A fresh store URL for one test: a new table on env's dynalite, or a
 * SQLite file in a new directory /tmp/maitre-<prefix>-XXXXXX (into dir). */
int test_store_url(const struct test_store_env *env, const char *prefix, char *dir, size_t dir_size, char *url,
		   size_t url_size)
{
	char *table;

	dir[0] = '\0';
	if (env->dynamo) {
		table = test_unique_name(prefix);
		if (table == NULL)
			return -1;
		snprintf(url, url_size, "dynamodb://%s?region=us-east-1&endpoint=%s", table, env->dyn.url);
		free(table);
		return 0;
	}
	snprintf(dir, dir_size, "/tmp/maitre-%s-XXXXXX", prefix);
	if (mkdtemp(dir) == NULL) {
		dir[0] = '\0';
		return -1;
	}
	snprintf(url, url_size, "sqlite:%s/maitre.db", dir);
	return 0;
}

/* Removes the directory test_store_url made (nothing on DynamoDB). */
int test_store_dir_remove(const char *dir)
{
	char cmd[128];

	if (dir[0] == '\0')
		return 0;
	if (strncmp(dir, "/tmp/maitre-", 12) != 0 || strchr(dir, '\'') != NULL)
		return -1;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#ifdef DYNALITE_RUN_MAIN
#include <curl/curl.h>

/* dynalite-run PROGRAM [ARGS...]: starts dynalite, exports
 * MAITRE_TEST_STORE_URL=dynamodb://maitre-%s?region=us-east-1&endpoint=URL
 * (the harness puts a fresh table per server in %s) and dummy AWS keys,
 * runs PROGRAM, stops dynalite by PID, and exits with PROGRAM's status
 * (77 = skipped when node is missing). */
/* Collects a response body (capped). */
static size_t dynalite_on_body(char *ptr, size_t size, size_t n, void *ud)
{
	char *buf = ud;
	size_t have = strlen(buf), add = size * n;

	if (have + add >= 65536)
		add = 65535 - have;
	memcpy(buf + have, ptr, add);
	buf[have + add] = '\0';
	return size * n;
}

/* Counts the tables whose name starts with prefix (ListTables), -1 on error. */
static int dynalite_count_tables(const struct test_proc *p, const char *prefix)
{
	static char body[65536];
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	const char *q;
	int n = 0;

	if (c == NULL)
		return -1;
	body[0] = '\0';
	h = curl_slist_append(h, "Content-Type: application/x-amz-json-1.0");
	h = curl_slist_append(h, "X-Amz-Target: DynamoDB_20120810.ListTables");
	curl_easy_setopt(c, CURLOPT_URL, p->url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{}");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:dynamodb");
	curl_easy_setopt(c, CURLOPT_USERPWD, "AKIDLOCALTEST:local-test-secret");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, dynalite_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)body);
	if (curl_easy_perform(c) != CURLE_OK)
		n = -1;
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	for (q = body; n >= 0 && (q = strstr(q, prefix)) != NULL; q++)
		n++;
	return n;
}

int main(int argc, char **argv)
{
	struct test_proc p;
	char url[256];
	int rc, status = 0, tables;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: dynalite-run PROGRAM [ARGS...]\n");
		return 2;
	}
	rc = dynalite_start(&p);
	if (rc != 0)
		return rc == 77 ? 77 : 1;
	snprintf(url, sizeof url, "dynamodb://maitre-%%s?region=us-east-1&endpoint=%s", p.url);
	setenv("MAITRE_TEST_STORE_URL", url, 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDLOCALTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "local-test-secret", 1);
	setenv("AWS_REGION", "us-east-1", 1);
	unsetenv("AWS_SESSION_TOKEN");
	fprintf(stderr, "dynalite-run: %s on %s\n", argv[1], p.url);
	pid = fork();
	if (pid == 0) {
		execv(argv[1], argv + 1);
		perror("execv");
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		status = 1 << 8;
	tables = dynalite_count_tables(&p, "maitre-");
	test_proc_stop(&p);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && tables <= 0) {
		/* a pass that never touched DynamoDB proves nothing */
		fprintf(stderr, "dynalite-run: FAIL: %s passed but created no maitre-* table in dynalite "
			"(is MAITRE_TEST_STORE_URL honoured?)\n", argv[1]);
		return 1;
	}
	fprintf(stderr, "dynalite-run: %d maitre-* table(s) were used\n", tables);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 1;
}
#endif
