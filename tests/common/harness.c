/* Test harness: start/stop maitred, an HTTP client, JSON helpers (harness.h). */
#define _XOPEN_SOURCE 700
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include "harness.h"

#ifndef MAITRE_TEST_MAITRED_PATH
#define MAITRE_TEST_MAITRED_PATH "maitred"
#endif
#ifndef MAITRE_TEST_SOURCE_ROOT_PATH
#define MAITRE_TEST_SOURCE_ROOT_PATH "."
#endif

extern char **environ;

static pthread_once_t harness_curl_once = PTHREAD_ONCE_INIT;
static unsigned harness_counter;   /* for unique names within this process */

/* Initialises libcurl once per process. */
static void harness_curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Monotonic time in milliseconds. */
static int64_t harness_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps for ms milliseconds. */
static void harness_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Allocates or aborts: tests have no sensible way on without memory. */
static void *harness_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		fprintf(stderr, "harness: out of memory\n");
		abort();
	}
	return p;
}

/* strdup or abort. */
static char *harness_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = harness_xmalloc(n);

	memcpy(p, s, n);
	return p;
}

/* Path of the maitred binary under test. */
const char *test_maitred_path(void)
{
	const char *p = getenv("MAITRE_TEST_MAITRED");

	return p && *p ? p : MAITRE_TEST_MAITRED_PATH;
}

/* The source tree root. */
const char *test_source_root(void)
{
	const char *p = getenv("MAITRE_TEST_SOURCE_ROOT");

	return p && *p ? p : MAITRE_TEST_SOURCE_ROOT_PATH;
}

/* printf into a malloc'd string. */
char *test_strf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	s = harness_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* A small random number from /dev/urandom (time as a fallback). */
static unsigned harness_random(void)
{
	unsigned v = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, &v, sizeof v) != (ssize_t)sizeof v)
		v = (unsigned)harness_now_ms() ^ (unsigned)getpid();
	if (fd >= 0)
		close(fd);
	return v;
}

/* Writes a unique e-mail into buf. */
void test_unique_email(char *buf, size_t n, const char *prefix)
{
	unsigned c = __atomic_add_fetch(&harness_counter, 1, __ATOMIC_SEQ_CST);

	snprintf(buf, n, "%s-%ld-%u-%x@example.com", prefix ? prefix : "user",
		 (long)getpid(), c, harness_random() & 0xffffff);
}

/* Returns a free TCP port on 127.0.0.1, or -1. */
int test_free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int port = -1;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Expands "%s" in tmpl with token ("%%" -> "%") into out. -1 if it does not fit. */
static int harness_expand(const char *tmpl, const char *token, char *out, size_t n)
{
	size_t o = 0, tl = strlen(token);
	const char *p;

	for (p = tmpl; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			if (o + tl >= n)
				return -1;
			memcpy(out + o, token, tl);
			o += tl;
			p++;
			continue;
		}
		if (p[0] == '%' && p[1] == '%')
			p++;
		if (o + 1 >= n)
			return -1;
		out[o++] = *p;
	}
	out[o] = '\0';
	return 0;
}

/* Name part of "NAME=VALUE" matches (up to '='). */
static int harness_env_same(const char *a, const char *b)
{
	const char *ea = strchr(a, '='), *eb = strchr(b, '=');

	if (ea == NULL || eb == NULL || ea - a != eb - b)
		return 0;
	return memcmp(a, b, (size_t)(ea - a)) == 0;
}

/* Builds environ + extras (extras win; later extras win). Caller frees the array only. */
static char **harness_envp(const char *const *extra1, const char *const *extra2)
{
	size_t n = 0, k = 0, i, j;
	char **envp;
	const char *const *lists[2] = { extra1, extra2 };
	int l;

	while (environ[n])
		n++;
	for (l = 0; l < 2; l++)
		for (i = 0; lists[l] && lists[l][i]; i++)
			n++;
	envp = harness_xmalloc((n + 1) * sizeof *envp);
	for (i = 0; environ[i]; i++) {
		int overridden = 0;

		for (l = 0; l < 2 && !overridden; l++)
			for (j = 0; lists[l] && lists[l][j]; j++)
				if (harness_env_same(environ[i], lists[l][j])) {
					overridden = 1;
					break;
				}
		if (!overridden)
			envp[k++] = environ[i];
	}
	for (l = 0; l < 2; l++)
		for (i = 0; lists[l] && lists[l][i]; i++) {
			/* a later duplicate in the extras replaces an earlier one */
			for (j = 0; j < k; j++)
				if (harness_env_same(envp[j], lists[l][i]))
					break;
			envp[j] = (char *)lists[l][i];
			if (j == k)
				k++;
		}
	envp[k] = NULL;
	return envp;
}

/* Forks and execs maitred with argv/envp, stdout+stderr to out_fd. Returns pid or -1. */
static pid_t harness_spawn(char *const *argv, char *const *envp, int out_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "harness: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (devnull >= 0) {
			dup2(devnull, 0);
			close(devnull);
		}
		if (out_fd >= 0) {
			dup2(out_fd, 1);
			dup2(out_fd, 2);
			close(out_fd);
		}
		execve(argv[0], argv, envp);
		{
			static const char msg[] = "harness: exec of maitred failed\n";
			ssize_t w = write(2, msg, sizeof msg - 1);
			(void)w;
		}
		_exit(127);
	}
	return pid;
}

/* Converts a waitpid status to an exit code or 128+signal. */
static int harness_status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

/* Prints the last part of maitred's log to stderr. */
static void harness_dump_log(const struct test_server *srv)
{
	char *log = test_server_log(srv);
	size_t n;

	if (log == NULL)
		return;
	n = strlen(log);
	fprintf(stderr, "---- maitred log (%s, last 4 KiB) ----\n%s\n---- end of log ----\n",
		srv->log_path, n > 4096 ? log + n - 4096 : log);
	free(log);
}

/* Puts the words of MAITRE_TEST_MAITRED_WRAPPER (e.g. "/usr/bin/valgrind
 * --leak-check=full", set by `meson test --setup valgrind`) at the start of
 * argv, tokenised into buf; returns how many. The first word must be a path. */
static size_t harness_wrapper(const char **argv, size_t max, char *buf, size_t bufsz)
{
	const char *w = getenv("MAITRE_TEST_MAITRED_WRAPPER");
	char *save = NULL, *tok;
	size_t a = 0;

	if (w == NULL || *w == '\0')
		return 0;
	snprintf(buf, bufsz, "%s", w);
	for (tok = strtok_r(buf, " ", &save); tok != NULL && a < max; tok = strtok_r(NULL, " ", &save))
		argv[a++] = tok;
	return a;
}

/* Starts the child once on srv->port; 0 or -1 (exited early: srv->exit_status set). */
static int harness_launch(struct test_server *srv)
{
	const struct test_server_opts *o = &srv->opts;
	const char *argv[128];
	char listen[64], e_listen[96], e_store[1100], e_data[340], wrap[2048] = "";
	const char *own_env[4] = { NULL, NULL, NULL, NULL };
	char **envp;
	size_t a, i;
	int fd;

	snprintf(listen, sizeof listen, "127.0.0.1:%d", srv->port);
	snprintf(srv->base_url, sizeof srv->base_url, "http://127.0.0.1:%d", srv->port);
	a = harness_wrapper(argv, 32, wrap, sizeof wrap);
	argv[a++] = test_maitred_path();
	if (o->use_env) {
		snprintf(e_listen, sizeof e_listen, "MAITRE_LISTEN=%s", listen);
		snprintf(e_store, sizeof e_store, "MAITRE_STORE=%s", srv->store_url);
		snprintf(e_data, sizeof e_data, "MAITRE_DATA_DIR=%s", srv->data_dir);
		own_env[0] = e_listen;
		own_env[1] = e_store;
		own_env[2] = e_data;
	} else {
		argv[a++] = "--listen";
		argv[a++] = listen;
		argv[a++] = "--data-dir";
		argv[a++] = srv->data_dir;
		argv[a++] = "--store";
		argv[a++] = srv->store_url;
	}
	for (i = 0; o->args && o->args[i] && a < 127; i++)
		argv[a++] = o->args[i];
	argv[a] = NULL;

	fd = open(srv->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "harness: cannot open %s: %s\n", srv->log_path, strerror(errno));
		return -1;
	}
	envp = harness_envp(o->env, own_env);
	srv->exit_status = -1;
	srv->pid = harness_spawn((char *const *)argv, envp, fd);
	free(envp);
	close(fd);
	if (srv->pid < 0) {
		srv->pid = 0;
		return -1;
	}
	if (o->no_wait)
		return 0;
	/* under a wrapper (valgrind) maitred starts several times slower */
	return test_server_wait_ready(srv, o->start_timeout_ms > 0 ? o->start_timeout_ms : wrap[0] ? 90000 : 15000);
}

/* Log mentions a port clash (so another port is worth a try). */
static int harness_log_says_in_use(const struct test_server *srv)
{
	char *log = test_server_log(srv);
	int r = log && strstr(log, "in use") != NULL;

	free(log);
	return r;
}

/* Starts maitred. */
int test_server_start(struct test_server *srv, const struct test_server_opts *opts)
{
	const char *tmpdir = getenv("TMPDIR");
	const char *tmpl;
	char token[64];
	int attempt;

	pthread_once(&harness_curl_once, harness_curl_init);
	memset(srv, 0, sizeof *srv);
	srv->exit_status = -1;
	if (opts)
		srv->opts = *opts;
	snprintf(srv->root, sizeof srv->root, "%s/maitre-test-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (mkdtemp(srv->root) == NULL) {
		fprintf(stderr, "harness: mkdtemp %s: %s\n", srv->root, strerror(errno));
		srv->root[0] = '\0';
		return -1;
	}
	snprintf(srv->data_dir, sizeof srv->data_dir, "%s/data", srv->root);
	snprintf(srv->log_path, sizeof srv->log_path, "%s/maitred.log", srv->root);
	snprintf(token, sizeof token, "t%ldx%ux%x", (long)getpid(),
		 __atomic_add_fetch(&harness_counter, 1, __ATOMIC_SEQ_CST), harness_random() & 0xfffff);
	tmpl = srv->opts.store_url;
	if (tmpl == NULL)
		tmpl = getenv("MAITRE_TEST_STORE_URL");
	if (tmpl != NULL && *tmpl) {
		if (harness_expand(tmpl, token, srv->store_url, sizeof srv->store_url) < 0) {
			fprintf(stderr, "harness: store URL too long\n");
			return -1;
		}
	} else {
		snprintf(srv->store_url, sizeof srv->store_url, "sqlite:%s/maitre.db", srv->data_dir);
	}
	for (attempt = 0; attempt < 5; attempt++) {
		srv->port = test_free_port();
		if (srv->port < 0) {
			fprintf(stderr, "harness: no free port: %s\n", strerror(errno));
			return -1;
		}
		if (harness_launch(srv) == 0)
			return 0;
		if (srv->pid != 0 || !harness_log_says_in_use(srv))
			break;
	}
	fprintf(stderr, "harness: maitred (%s) did not start\n", test_maitred_path());
	harness_dump_log(srv);
	if (srv->pid != 0)
		test_server_stop(srv, 2000);
	return -1;
}

/* Reaps the child if it exited; returns 1 when it is gone (exit_status set). */
static int harness_reap(struct test_server *srv)
{
	int st;
	pid_t r;

	if (srv->pid == 0)
		return 1;
	r = waitpid(srv->pid, &st, WNOHANG);
	if (r == srv->pid) {
		srv->exit_status = harness_status_code(st);
		srv->pid = 0;
		if (srv->exit_status == 99 && getenv("MAITRE_TEST_MAITRED_WRAPPER") != NULL) {
			/* valgrind's --error-exitcode: memcheck found errors or leaks in
			 * maitred. Every test fails on it, whether or not it looks at
			 * the exit status. */
			fprintf(stderr, "harness: valgrind found memory errors in maitred (exit 99)\n");
			harness_dump_log(srv);
			exit(99);
		}
		return 1;
	}
	if (r < 0 && errno == ECHILD) {
		srv->pid = 0;
		return 1;
	}
	return 0;
}

/* Polls GET /healthz until 200. */
int test_server_wait_ready(struct test_server *srv, int timeout_ms)
{
	int64_t end = harness_now_ms() + timeout_ms;

	while (harness_now_ms() < end) {
		struct test_resp r;

		if (harness_reap(srv)) {
			fprintf(stderr, "harness: maitred exited with %d before it was ready\n", srv->exit_status);
			return -1;
		}
		if (test_http(srv, "GET", "/healthz", NULL, NULL, NULL, &r) == 0 && r.status == 200) {
			test_resp_free(&r);
			return 0;
		}
		test_resp_free(&r);
		harness_sleep_ms(20);
	}
	fprintf(stderr, "harness: maitred not ready after %d ms\n", timeout_ms);
	return -1;
}

/* Sends sig to maitred. */
int test_server_signal(struct test_server *srv, int sig)
{
	if (srv->pid == 0)
		return -1;
	return kill(srv->pid, sig);
}

/* Waits up to timeout_ms for the child to exit. */
int test_server_wait_exit(struct test_server *srv, int timeout_ms)
{
	int64_t end = harness_now_ms() + timeout_ms;

	for (;;) {
		if (harness_reap(srv))
			return srv->exit_status;
		if (harness_now_ms() >= end)
			return -2;
		harness_sleep_ms(5);
	}
}

/* Stops maitred: SIGTERM, wait, SIGKILL. */
int test_server_stop(struct test_server *srv, int timeout_ms)
{
	int r;

	if (srv->pid == 0)
		return srv->exit_status;
	kill(srv->pid, SIGTERM);
	if (timeout_ms <= 0)
		timeout_ms = 10000;
	if (getenv("MAITRE_TEST_MAITRED_WRAPPER") != NULL)
		timeout_ms *= 4;   /* valgrind: its leak check runs at exit */
	r = test_server_wait_exit(srv, timeout_ms);
	if (r == -2) {
		int st;

		fprintf(stderr, "harness: maitred did not stop after SIGTERM; sending SIGKILL\n");
		kill(srv->pid, SIGKILL);
		if (waitpid(srv->pid, &st, 0) == srv->pid)
			srv->exit_status = harness_status_code(st);
		srv->pid = 0;
		r = srv->exit_status;
	}
	return r;
}

/* Stops and starts again on the same port, data dir and store. */
int test_server_restart(struct test_server *srv)
{
	int attempt;

	test_server_stop(srv, 0);
	for (attempt = 0; attempt < 5; attempt++) {
		if (harness_launch(srv) == 0)
			return 0;
		if (srv->pid != 0 || !harness_log_says_in_use(srv))
			break;
		/* the old socket may linger, or the port was taken: try another */
		srv->port = test_free_port();
	}
	fprintf(stderr, "harness: maitred did not restart\n");
	harness_dump_log(srv);
	if (srv->pid != 0)
		test_server_stop(srv, 2000);
	return -1;
}

/* nftw callback removing one entry. */
static int harness_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Stops and removes the temporary root. */
void test_server_free(struct test_server *srv)
{
	const char *keep = getenv("MAITRE_TEST_KEEP");

	if (srv->pid != 0)
		test_server_stop(srv, 0);
	if (srv->root[0] == '\0')
		return;
	if (keep && *keep && strcmp(keep, "0") != 0)
		fprintf(stderr, "harness: kept %s\n", srv->root);
	else
		nftw(srv->root, harness_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	srv->root[0] = '\0';
}

/* Reads a whole file (malloc'd), or NULL. */
static char *harness_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t cap = 4096, len = 0, n;

	if (f == NULL)
		return NULL;
	buf = harness_xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			char *nb = realloc(buf, cap * 2);

			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Returns maitred's log so far. */
char *test_server_log(const struct test_server *srv)
{
	char *s = harness_read_file(srv->log_path);

	return s ? s : harness_xstrdup("");
}

/* Runs maitred to completion. */
int test_run_maitred(const char *const *args, const char *const *env, int timeout_ms, char **output)
{
	char tmpl[] = "/tmp/maitre-run-XXXXXX";
	const char *argv[128];
	char **envp;
	size_t a = 0, i;
	int fd, st, code = -1;
	pid_t pid;
	int64_t end;

	if (output)
		*output = NULL;
	fd = mkstemp(tmpl);
	if (fd < 0)
		return -1;
	argv[a++] = test_maitred_path();
	for (i = 0; args && args[i] && a < 127; i++)
		argv[a++] = args[i];
	argv[a] = NULL;
	envp = harness_envp(env, NULL);
	pid = harness_spawn((char *const *)argv, envp, fd);
	free(envp);
	close(fd);
	if (pid > 0) {
		end = harness_now_ms() + timeout_ms;
		for (;;) {
			pid_t r = waitpid(pid, &st, WNOHANG);

			if (r == pid) {
				code = harness_status_code(st);
				break;
			}
			if (r < 0)
				break;
			if (harness_now_ms() >= end) {
				fprintf(stderr, "harness: maitred ran over %d ms; killed\n", timeout_ms);
				kill(pid, SIGKILL);
				if (waitpid(pid, &st, 0) == pid)
					code = harness_status_code(st);
				break;
			}
			harness_sleep_ms(5);
		}
	}
	if (output)
		*output = harness_read_file(tmpl);
	unlink(tmpl);
	return code;
}

/* ---- HTTP client ---- */

/* Growable byte buffer for a response body. */
struct harness_body {
	char *data;    /* bytes, NUL-terminated */
	size_t len;    /* bytes used */
	size_t cap;    /* bytes allocated */
};

/* curl write callback: appends to the body. */
static size_t harness_on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct harness_body *b = ud;
	size_t n = size * nmemb;

	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *nd;

		while (cap < b->len + n + 1)
			cap *= 2;
		nd = realloc(b->data, cap);
		if (nd == NULL)
			return 0;
		b->data = nd;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* Frees the parsed headers. */
static void harness_free_headers(struct test_resp *r)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	r->headers = NULL;
	r->n_headers = 0;
}

/* curl header callback: one header line; a status line starts a new set. */
static size_t harness_on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct test_resp *r = ud;
	size_t n = size * nmemb, nl, vs, ve, i;
	const char *colon;
	struct test_header *nh;

	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		harness_free_headers(r);
		return n;
	}
	colon = memchr(p, ':', n);
	if (colon == NULL)
		return n;
	nl = (size_t)(colon - p);
	vs = nl + 1;
	ve = n;
	while (vs < ve && (p[vs] == ' ' || p[vs] == '\t'))
		vs++;
	while (ve > vs && (p[ve - 1] == '\r' || p[ve - 1] == '\n' || p[ve - 1] == ' ' || p[ve - 1] == '\t'))
		ve--;
	nh = realloc(r->headers, (r->n_headers + 1) * sizeof *nh);
	if (nh == NULL)
		return 0;
	r->headers = nh;
	nh = &r->headers[r->n_headers];
	nh->name = harness_xmalloc(nl + 1);
	for (i = 0; i < nl; i++)
		nh->name[i] = (char)tolower((unsigned char)p[i]);
	nh->name[nl] = '\0';
	nh->value = harness_xmalloc(ve - vs + 1);
	memcpy(nh->value, p + vs, ve - vs);
	nh->value[ve - vs] = '\0';
	r->n_headers++;
	return n;
}

/* Sends one request with an explicit body length. */
int test_http_raw(const char *base_url, const char *method, const char *path,
		  const char *token, const void *body, size_t body_len, const char *const *headers,
		  struct test_resp *out)
{
	struct harness_body b = { NULL, 0, 0 };
	struct curl_slist *hl = NULL, *tmp;
	char *url, *auth = NULL;
	int has_ct = 0, rc = -1;
	size_t i;
	CURL *c;
	CURLcode res;

	pthread_once(&harness_curl_once, harness_curl_init);
	memset(out, 0, sizeof *out);
	c = curl_easy_init();
	if (c == NULL)
		goto done;
	url = test_strf("%s%s", base_url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, harness_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, harness_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	for (i = 0; headers && headers[i]; i++) {
		if (strncasecmp(headers[i], "content-type:", 13) == 0)
			has_ct = 1;
		tmp = curl_slist_append(hl, headers[i]);
		if (tmp == NULL)
			goto done;
		hl = tmp;
	}
	if (token != NULL) {
		auth = strncmp(token, "Bearer ", 7) == 0 ? test_strf("Authorization: %s", token)
							 : test_strf("Authorization: Bearer %s", token);
		tmp = curl_slist_append(hl, auth);
		free(auth);
		if (tmp == NULL)
			goto done;
		hl = tmp;
	}
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		if (!has_ct) {
			tmp = curl_slist_append(hl, "Content-Type: application/json");
			if (tmp == NULL)
				goto done;
			hl = tmp;
		}
		/* send the body at once, no "Expect: 100-continue" round trip */
		tmp = curl_slist_append(hl, "Expect:");
		if (tmp == NULL)
			goto done;
		hl = tmp;
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	res = curl_easy_perform(c);
	if (res == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
		curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &out->total_s);
		rc = 0;
	} else {
		out->status = 0;
		harness_free_headers(out);
	}
done:
	out->body = b.data ? b.data : harness_xstrdup("");
	out->body_len = b.len;
	curl_slist_free_all(hl);
	if (c)
		curl_easy_cleanup(c);
	return rc;
}

/* Sends one request to srv. */
int test_http(const struct test_server *srv, const char *method, const char *path,
	      const char *token, const char *body, const char *const *headers,
	      struct test_resp *out)
{
	return test_http_raw(srv->base_url, method, path, token, body, body ? strlen(body) : 0,
			     headers, out);
}

/* Value of a response header, or NULL. */
const char *test_resp_header(const struct test_resp *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* Parses the body as JSON. */
cJSON *test_resp_json(const struct test_resp *r)
{
	if (r->body == NULL)
		return NULL;
	return cJSON_ParseWithLength(r->body, r->body_len);
}

/* Frees what test_http filled in. */
void test_resp_free(struct test_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
	harness_free_headers(r);
}

/* String member of an object, or NULL. */
const char *test_json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Number member of an object, or dflt. */
double test_json_num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* Builds a JSON object body {"email":..,"password":..[,"name":..]} (malloc'd). */
static char *harness_auth_body(const char *email, const char *password, const char *name)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	if (o == NULL)
		abort();
	cJSON_AddStringToObject(o, "email", email);
	cJSON_AddStringToObject(o, "password", password);
	if (name)
		cJSON_AddStringToObject(o, "name", name);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		abort();
	return s;
}

/* Logs in only. */
int test_login(const struct test_server *srv, const char *email, const char *password,
	       char **token, char **refresh_token)
{
	struct test_resp r;
	char *body = harness_auth_body(email, password ? password : "correct horse battery", NULL);
	cJSON *j;
	int status;

	*token = NULL;
	if (refresh_token)
		*refresh_token = NULL;
	if (test_http(srv, "POST", "/auth/get-token", NULL, body, NULL, &r) < 0) {
		free(body);
		test_resp_free(&r);
		return -1;
	}
	free(body);
	status = (int)r.status;
	j = test_resp_json(&r);
	if (status == 200 && j != NULL) {
		const char *t = test_json_str(j, "accessToken");
		const char *rt = test_json_str(j, "refreshToken");

		if (t != NULL)
			*token = harness_xstrdup(t);
		if (refresh_token && rt != NULL)
			*refresh_token = harness_xstrdup(rt);
	}
	if (status == 200 && *token == NULL) {
		fprintf(stderr, "harness: login answered 200 without accessToken: %s\n", r.body);
		status = -1;
	}
	cJSON_Delete(j);
	test_resp_free(&r);
	return status;
}

/* Registers an account and logs in. */
int test_register_and_login(const struct test_server *srv, const char *email, const char *password,
			    const char *name, char **token, char **refresh_token)
{
	char gen[128];
	struct test_resp r;
	char *body;
	int st;

	*token = NULL;
	if (refresh_token)
		*refresh_token = NULL;
	if (email == NULL) {
		test_unique_email(gen, sizeof gen, "owner");
		email = gen;
	}
	if (password == NULL)
		password = "correct horse battery";
	body = harness_auth_body(email, password, name ? name : "Test Owner");
	st = test_http(srv, "POST", "/register", NULL, body, NULL, &r);
	free(body);
	if (st < 0 || (r.status != 201 && r.status != 200)) {
		fprintf(stderr, "harness: POST /register answered %ld: %s\n", r.status, r.body);
		test_resp_free(&r);
		return -1;
	}
	test_resp_free(&r);
	st = test_login(srv, email, password, token, refresh_token);
	if (st != 200) {
		fprintf(stderr, "harness: POST /auth/get-token answered %d\n", st);
		free(*token);
		*token = NULL;
		return -1;
	}
	return 0;
}
