/* maitred's command line: flags, MAITRE_* environment, defaults. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "daemon/maitred.h"

#ifndef MAITRE_VERSION
#define MAITRE_VERSION "unknown"
#endif

/* Makes a malloc'd printf message for *cause (NULL on out of memory). */
static char *options_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *options_msg(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *m;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (m = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(m, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return m;
}

/* Prints the usage text to stdout. */
static void options_usage(const char *argv0)
{
	printf("Usage: %s [OPTIONS]\n"
	       "Maitre's local server: the waitlist API over HTTP on an embedded SQLite store.\n\n"
	       "  --listen HOST:PORT   address to listen on (env MAITRE_LISTEN, default %s)\n"
	       "  --store URL          sqlite:PATH or dynamodb://TABLE?region=R&endpoint=URL\n"
	       "                       (env MAITRE_STORE, default sqlite:DATA_DIR/maitre.db)\n"
	       "  --data-dir DIR       data directory, created 0700 (env MAITRE_DATA_DIR, default %s)\n"
	       "  --tick-seconds N     notification producer period (env MAITRE_TICK_SECONDS, default %d)\n"
	       "  --threads N          HTTP worker threads, 1-64 (env MAITRE_THREADS, default %d)\n"
	       "  --write-threads N    threads that run writes (they wait on a durable commit and\n"
	       "                       share it), 0-%d; 0 = writes on the HTTP threads\n"
	       "                       (env MAITRE_WRITE_THREADS, default %d)\n"
	       "  --auth-cache-seconds N  keep an accepted token's authorizer result up to N s,\n"
	       "                       never past its expiry; 0 = off (env MAITRE_AUTH_CACHE_SECONDS,\n"
	       "                       default %d, at most 3600)\n"
	       "  --log-flush-ms N     request log lines wait at most N ms in a thread's buffer and\n"
	       "                       go out a few KiB per write; 0 = one write per line\n"
	       "                       (env MAITRE_LOG_FLUSH_MS, default %d, at most 10000)\n"
	       "  --max-connections N  open connections at most, all clients together (env\n"
	       "                       MAITRE_MAX_CONNECTIONS, default %d; more are closed at once)\n"
	       "  --max-connections-per-address N  open connections at most from one client\n"
	       "                       address (env MAITRE_MAX_CONNECTIONS_PER_ADDRESS, default %d)\n"
	       "  --request-timeout-seconds N  close a connection whose request headers or body\n"
	       "                       stall N s (env MAITRE_REQUEST_TIMEOUT_SECONDS, default %d)\n"
	       "  --init-store         create the store's tables and indexes, then exit\n"
	       "  --help               show this text\n"
	       "  --version            show the version\n\n"
	       "Other environment: MAITRE_JWT_SECRET (>= 32 bytes; else DATA_DIR/jwt.key is made),\n"
	       "MAITRE_SMS_HOOK_SECRET, MAITRE_SMS_*, MAITRE_SMTP_*, MAITRE_WEBHOOK_*, MAITRE_SQS_QUEUE_URL.\n"
	       "Stops cleanly on SIGINT or SIGTERM.\n",
	       argv0, MAITRED_LISTEN_DEFAULT, MAITRED_DATA_DIR_DEFAULT, MAITRED_TICK_DEFAULT,
	       MAITRED_THREADS_DEFAULT, WRITERS_MAX, MAITRED_WRITE_THREADS_DEFAULT, MAITRED_AUTH_CACHE_DEFAULT, MAITRED_LOG_FLUSH_DEFAULT,
	       MAITRED_MAX_CONNS_DEFAULT, MAITRED_MAX_CONNS_PER_ADDR_DEFAULT, MAITRED_REQUEST_TIMEOUT_DEFAULT);
}

/* Copies src into dst (size n); -1 when it does not fit or is empty. */
static int options_copy(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	if (l == 0 || l >= n)
		return -1;
	memcpy(dst, src, l + 1);
	return 0;
}

/* Parses a decimal integer in [lo, hi]; -1 when malformed or out of range. */
static int options_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Checks the syntax of HOST:PORT / [V6]:PORT. */
static int options_listen_ok(const char *s)
{
	const char *colon;
	int port;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb == s + 1 || rb[1] != ':')
			return 0;
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || colon == s || memchr(s, ':', (size_t)(colon - s)) != NULL)
			return 0;
	}
	return options_int(colon + 1, 0, 65535, &port) == 0;
}

/* Applies one setting (from a flag or the environment) by option code. */
static int options_set(struct maitred_opts *o, int code, const char *val, const char *from, char **cause)
{
	switch (code) {
	case 'l':
		if (options_copy(o->listen, sizeof o->listen, val) < 0 || !options_listen_ok(o->listen)) {
			*cause = options_msg("bad listen address '%s' from %s (want HOST:PORT, e.g. 127.0.0.1:8080)", val, from);
			return -1;
		}
		return 0;
	case 's':
		if (options_copy(o->store_url, sizeof o->store_url, val) < 0) {
			*cause = options_msg("bad store URL '%s' from %s", val, from);
			return -1;
		}
		return 0;
	case 'd':
		if (options_copy(o->data_dir, sizeof o->data_dir, val) < 0) {
			*cause = options_msg("bad data directory '%s' from %s", val, from);
			return -1;
		}
		return 0;
	case 't':
		if (options_int(val, 1, 86400, &o->tick_seconds) < 0) {
			*cause = options_msg("bad tick seconds '%s' from %s (want 1-86400)", val, from);
			return -1;
		}
		return 0;
	case 'T':
		if (options_int(val, 1, 64, &o->threads) < 0) {
			*cause = options_msg("bad thread count '%s' from %s (want 1-64)", val, from);
			return -1;
		}
		return 0;
	case 'W':
		if (options_int(val, 0, WRITERS_MAX, &o->write_threads) < 0) {
			*cause = options_msg("bad write thread count '%s' from %s (want 0-%d)", val, from, WRITERS_MAX);
			return -1;
		}
		return 0;
	case 'A':
		if (options_int(val, 0, 3600, &o->auth_cache_s) < 0) {
			*cause = options_msg("bad auth cache seconds '%s' from %s (want 0-3600)", val, from);
			return -1;
		}
		return 0;
	case 'F':
		if (options_int(val, 0, 10000, &o->log_flush_ms) < 0) {
			*cause = options_msg("bad log flush ms '%s' from %s (want 0-10000)", val, from);
			return -1;
		}
		return 0;
	case 'C':
		if (options_int(val, 1, 1000000, &o->max_conns) < 0) {
			*cause = options_msg("bad connection limit '%s' from %s (want 1-1000000)", val, from);
			return -1;
		}
		return 0;
	case 'P':
		if (options_int(val, 1, 1000000, &o->max_conns_per_addr) < 0) {
			*cause = options_msg("bad per-address connection limit '%s' from %s (want 1-1000000)", val, from);
			return -1;
		}
		return 0;
	case 'R':
		if (options_int(val, 1, 3600, &o->request_timeout_s) < 0) {
			*cause = options_msg("bad request timeout '%s' from %s (want 1-3600 seconds)", val, from);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* Parses argv and MAITRE_* env into o. */
int maitred_opts_parse(int argc, char **argv, struct maitred_opts *o, char **cause)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "store", required_argument, NULL, 's' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "tick-seconds", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'T' },
		{ "write-threads", required_argument, NULL, 'W' },
		{ "auth-cache-seconds", required_argument, NULL, 'A' },
		{ "log-flush-ms", required_argument, NULL, 'F' },
		{ "max-connections", required_argument, NULL, 'C' },
		{ "max-connections-per-address", required_argument, NULL, 'P' },
		{ "request-timeout-seconds", required_argument, NULL, 'R' },
		{ "init-store", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct { const char *name; int code; } envs[] = {
		{ "MAITRE_LISTEN", 'l' }, { "MAITRE_STORE", 's' }, { "MAITRE_DATA_DIR", 'd' },
		{ "MAITRE_TICK_SECONDS", 't' }, { "MAITRE_THREADS", 'T' }, { "MAITRE_WRITE_THREADS", 'W' },
		{ "MAITRE_AUTH_CACHE_SECONDS", 'A' },
		{ "MAITRE_LOG_FLUSH_MS", 'F' }, { "MAITRE_MAX_CONNECTIONS", 'C' },
		{ "MAITRE_MAX_CONNECTIONS_PER_ADDRESS", 'P' }, { "MAITRE_REQUEST_TIMEOUT_SECONDS", 'R' },
	};
	size_t i;
	int c;

	*cause = NULL;
	memset(o, 0, sizeof *o);
	snprintf(o->listen, sizeof o->listen, "%s", MAITRED_LISTEN_DEFAULT);
	snprintf(o->data_dir, sizeof o->data_dir, "%s", MAITRED_DATA_DIR_DEFAULT);
	o->tick_seconds = MAITRED_TICK_DEFAULT;
	o->threads = MAITRED_THREADS_DEFAULT;
	o->write_threads = MAITRED_WRITE_THREADS_DEFAULT;
	o->auth_cache_s = MAITRED_AUTH_CACHE_DEFAULT;
	o->log_flush_ms = MAITRED_LOG_FLUSH_DEFAULT;
	o->max_conns = MAITRED_MAX_CONNS_DEFAULT;
	o->max_conns_per_addr = MAITRED_MAX_CONNS_PER_ADDR_DEFAULT;
	o->request_timeout_s = MAITRED_REQUEST_TIMEOUT_DEFAULT;

	for (i = 0; i < sizeof envs / sizeof envs[0]; i++) {
		const char *v = getenv(envs[i].name);

		if (v != NULL && *v != '\0' && options_set(o, envs[i].code, v, envs[i].name, cause) < 0)
			return -1;
	}
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			options_usage(argv[0]);
			return 1;
		case 'V':
			printf("maitred %s\n", MAITRE_VERSION);
			return 1;
		case 'i':
			o->init_store = 1;
			break;
		case ':':
			*cause = options_msg("option '%s' needs a value (see --help)", argv[optind - 1]);
			return -1;
		case '?':
			*cause = options_msg("unknown option '%s' (see --help)", argv[optind - 1]);
			return -1;
		default:
			if (options_set(o, c, optarg, "the command line", cause) < 0)
				return -1;
		}
	}
	if (optind < argc) {
		*cause = options_msg("unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	if (o->store_url[0] == '\0' &&
	    snprintf(o->store_url, sizeof o->store_url, "sqlite:%s/maitre.db", o->data_dir) >= (int)sizeof o->store_url) {
		*cause = options_msg("data directory path is too long");
		return -1;
	}
	return 0;
}

/* Creates dir (and missing parents) with mode 0700. */
int maitred_data_dir_create(const char *dir, char **cause)
{
	char path[1024];
	size_t n = strlen(dir), i;
	struct stat st;

	*cause = NULL;
	if (n == 0 || n >= sizeof path) {
		*cause = options_msg("bad data directory '%s'", dir);
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			*cause = options_msg("cannot create data directory '%s': %s", path, strerror(errno));
			return -1;
		}
		if (i < n)
			path[i] = '/';
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*cause = options_msg("data directory '%s' is not a directory", dir);
		return -1;
	}
	return 0;
}
