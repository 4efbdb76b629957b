/* Test harness shared by every suite that drives a real maitred over HTTP
 * (tests/api, tests/notify, ...). Link with `test_common_dep`.
 *
 * What it does:
 * - starts the built maitred (fork/exec) on 127.0.0.1 and a free port, with a
 *   fresh data directory under a mkdtemp root, its stdout+stderr captured to
 *   ROOT/maitred.log, and waits until GET /healthz answers 200;
 * - stops it by PID (SIGTERM, wait, SIGKILL after a timeout) and can restart
 *   it on the same data directory and store;
 * - an HTTP client over libcurl (method, path, token, body, extra headers ->
 *   status, response headers, body);
 * - small JSON helpers and test_register_and_login() for a bearer token.
 *
 * Where things come from:
 * - the maitred binary: env MAITRE_TEST_MAITRED, else the path meson built
 *   (compiled in). test_source_root() gives the source tree (env
 *   MAITRE_TEST_SOURCE_ROOT, else compiled in), e.g. for tests/node_modules
 *   or tests/notify/sms-sink.py.
 * - the store: opts->store_url if given, else env MAITRE_TEST_STORE_URL,
 *   else "sqlite:DATA_DIR/maitre.db". In either URL every "%s" is replaced
 *   by a token unique to this server (e.g. "t4711x3x9f2c"), so a DynamoDB
 *   run gets a fresh table per server start:
 *     MAITRE_TEST_STORE_URL='dynamodb://maitre-%s?region=us-east-1&endpoint=http://127.0.0.1:8000'
 *   The resolved URL is kept in srv->store_url; test_server_restart()
 *   reuses it, so data written before a restart is there after it.
 *   "%%" gives a literal '%'.
 * - env MAITRE_TEST_KEEP=1 keeps the temporary root (data dir, log) after
 *   test_server_free(), for post-mortems; its path is printed.
 *
 * Errors: functions return 0 or -1 and print the reason to stderr (with the
 * tail of maitred's log when maitred is involved), so a test can simply
 * assert_int_equal(test_server_start(...), 0). The child gets
 * PR_SET_PDEATHSIG(SIGKILL): a crashed test never leaves maitred behind. */
#ifndef MAITRE_TEST_HARNESS_H
#define MAITRE_TEST_HARNESS_H

#include <stddef.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

/* How to start maitred. All fields optional: zero-initialise and set what you need. */
struct test_server_opts {
	const char *const *args;  /* extra argv for maitred, NULL-terminated (e.g. "--tick-seconds", "1") */
	const char *const *env;   /* extra environment, "NAME=VALUE" strings, NULL-terminated */
	const char *store_url;    /* store URL ("%s" expanded, see above); NULL = MAITRE_TEST_STORE_URL or SQLite */
	int use_env;              /* 1: pass listen/store/data dir as MAITRE_LISTEN/MAITRE_STORE/MAITRE_DATA_DIR
	                           * instead of --listen/--store/--data-dir */
	int no_wait;              /* 1: don't wait for /healthz (test_server_wait_ready() later) */
	int start_timeout_ms;     /* how long to wait for /healthz; 0 = 15000 */
};

/* A running (or stopped) maitred. */
struct test_server {
	pid_t pid;                      /* child PID, 0 when not running */
	int port;                       /* TCP port on 127.0.0.1 */
	char base_url[64];              /* "http://127.0.0.1:PORT" */
	char root[256];                 /* mkdtemp root, removed by test_server_free (unless MAITRE_TEST_KEEP) */
	char data_dir[300];             /* ROOT/data, maitred's --data-dir */
	char log_path[300];             /* ROOT/maitred.log: maitred's stdout+stderr (appended across restarts) */
	char store_url[1024];           /* resolved store URL */
	int exit_status;                /* after stop: exit code, or 128+signal when killed; -1 unknown */
	struct test_server_opts opts;   /* options it was started with (pointers borrowed) */
};

/* Path of the maitred binary under test. */
const char *test_maitred_path(void);
/* The source tree root (for node_modules, helper scripts). */
const char *test_source_root(void);

/* Returns a free TCP port on 127.0.0.1 (binds port 0 and closes), or -1. */
int test_free_port(void);

/* Starts maitred (opts may be NULL). Retries on another port if the first
 * one was taken meanwhile. 0 on success (ready unless opts->no_wait). */
int test_server_start(struct test_server *srv, const struct test_server_opts *opts);
/* Polls GET /healthz until 200 or timeout_ms; -1 if maitred exited or timed out. */
int test_server_wait_ready(struct test_server *srv, int timeout_ms);
/* Sends sig to maitred (e.g. SIGKILL for crash tests). 0 or -1. */
int test_server_signal(struct test_server *srv, int sig);
/* Stops maitred: SIGTERM, waits up to timeout_ms (0 = 10000), then SIGKILL.
 * Returns its exit code (0 = clean), 128+signal when killed by one, -1 on
 * error; also stored in srv->exit_status. Safe on a stopped server. */
int test_server_stop(struct test_server *srv, int timeout_ms);
/* Waits (without signalling) up to timeout_ms for maitred to exit; exit code
 * as test_server_stop, or -2 when it is still running. */
int test_server_wait_exit(struct test_server *srv, int timeout_ms);
/* Stops (if running) and starts again on the same port, data dir and store. */
int test_server_restart(struct test_server *srv);
/* Stops if running and removes the temporary root. */
void test_server_free(struct test_server *srv);
/* Returns maitred's log so far (malloc'd, caller frees; "" if none), or NULL. */
char *test_server_log(const struct test_server *srv);

/* Runs maitred to completion with argv args (NULL-terminated, without
 * argv[0]) and extra env, at most timeout_ms (killed after). *output gets
 * its stdout+stderr (malloc'd; may be NULL if not wanted). Returns the exit
 * code, 128+signal when killed, -1 on error. */
int test_run_maitred(const char *const *args, const char *const *env, int timeout_ms, char **output);

/* An HTTP response. */
struct test_header {
	char *name;    /* lower-cased header name */
	char *value;   /* value, surrounding whitespace trimmed */
};
struct test_resp {
	long status;                 /* HTTP status, 0 when the request failed */
	char *body;                  /* response body, NUL-terminated (never NULL after test_http) */
	size_t body_len;             /* body length in bytes */
	struct test_header *headers; /* response headers (last response only) */
	size_t n_headers;            /* number of headers */
	double total_s;              /* time the request took, seconds */
};

/* Sends one request to srv. token: NULL for none; "Bearer x" used as is,
 * otherwise "Bearer " is prepended. body: NULL for none (sent with
 * content-type application/json unless headers set one). headers: extra
 * "Name: value" lines, NULL-terminated, may be NULL. Returns 0 when an HTTP
 * answer came back (any status), -1 on transport failure (out->status 0).
 * Free out with test_resp_free. */
int test_http(const struct test_server *srv, const char *method, const char *path,
	      const char *token, const char *body, const char *const *headers,
	      struct test_resp *out);
/* As test_http with an explicit body length (binary or huge bodies) and a base URL. */
int test_http_raw(const char *base_url, const char *method, const char *path,
		  const char *token, const void *body, size_t body_len, const char *const *headers,
		  struct test_resp *out);
/* Value of a response header (case-insensitive name), or NULL. Borrowed. */
const char *test_resp_header(const struct test_resp *r, const char *name);
/* Parses the body as JSON (caller frees with cJSON_Delete), NULL if not JSON. */
cJSON *test_resp_json(const struct test_resp *r);
/* Frees what test_http filled in. */
void test_resp_free(struct test_resp *r);

/* JSON helpers: a string member of an object (NULL when absent or not a
 * string); a number member (dflt when absent or not a number). */
const char *test_json_str(const cJSON *o, const char *key);
double test_json_num(const cJSON *o, const char *key, double dflt);
/* printf into a malloc'd string (caller frees; aborts on out of memory). */
char *test_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2), returns_nonnull));
/* Writes a unique e-mail "PREFIX-<pid>-<counter>-<rand>@example.com" into buf. */
void test_unique_email(char *buf, size_t n, const char *prefix);

/* Registers an account (POST /register) and logs in (POST /auth/get-token).
 * email NULL = a unique one; password NULL = "correct horse battery"; name
 * NULL = "Test Owner". *token gets the accessToken as the server returned it
 * ("Bearer <jwt>", malloc'd, caller frees). If refresh_token is not NULL it
 * gets the refresh token (malloc'd, or NULL if absent). 0 or -1. */
int test_register_and_login(const struct test_server *srv, const char *email, const char *password,
			    const char *name, char **token, char **refresh_token);
/* Logs in only (POST /auth/get-token): same outputs; returns the HTTP status
 * (200 on success) or -1 on transport failure. */
int test_login(const struct test_server *srv, const char *email, const char *password,
	       char **token, char **refresh_token);

#endif
