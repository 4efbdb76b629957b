/* maitred internals: options, the route table, HTTP <-> event conversion,
 * the request log and the libmicrohttpd server. Private to backend/daemon/. */
#ifndef MAITRED_H
#define MAITRED_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "handlers/handler.h"
#include "apigw/apigw.h"

#define MAITRED_LISTEN_DEFAULT "127.0.0.1:8080"
#define MAITRED_DATA_DIR_DEFAULT "./maitre-data"
#define MAITRED_TICK_DEFAULT 60
#define MAITRED_THREADS_DEFAULT 4
#define MAITRED_WRITE_THREADS_DEFAULT 32 /* write pool (writers.c); 0 = writes on the HTTP threads */
#define WRITERS_MAX 256                  /* largest write pool */
#define MAITRED_AUTH_CACHE_DEFAULT 60   /* seconds an allowed token's authorizer result is kept */
#define MAITRED_LOG_FLUSH_DEFAULT 50    /* ms request log lines may wait in a thread's buffer */
#define MAITRED_AUTH_CACHE_SLOTS 4096
#define MAITRED_MAX_CONNS_DEFAULT 4096        /* open connections, all clients together */
#define MAITRED_MAX_CONNS_PER_ADDR_DEFAULT 128 /* open connections from one client address */
#define MAITRED_REQUEST_TIMEOUT_DEFAULT 10    /* s a request's headers or body may stall */

/* ---- options.c ---- */

/* Command-line options after flags, environment and defaults are merged. */
struct maitred_opts {
	char listen[256];        /* HOST:PORT or [V6]:PORT to listen on */
	char store_url[1200];    /* store URL, default sqlite:DATA_DIR/maitre.db */
	char data_dir[1024];     /* data directory (created 0700) */
	int tick_seconds;        /* producer period, seconds */
	int threads;             /* HTTP worker threads */
	int write_threads;       /* write pool threads (0 = writes run on the HTTP threads) */
	int auth_cache_s;        /* authorizer result cache TTL, seconds (0 = off) */
	int log_flush_ms;        /* request log buffering, ms (0 = a write per line) */
	int max_conns;           /* open connections at most (all addresses) */
	int max_conns_per_addr;  /* open connections at most from one address */
	int request_timeout_s;   /* a request whose headers or body stall this long is closed */
	int init_store;          /* 1: create the schema and exit */
};

/* Parses argv and MAITRE_* env into o. Returns 0 to run, 1 when --help or
 * --version was printed (exit 0), -1 on a bad flag (*cause malloc'd). */
int maitred_opts_parse(int argc, char **argv, struct maitred_opts *o, char **cause);
/* Creates dir (and missing parents) with mode 0700. 0 or -1 (*cause malloc'd). */
int maitred_data_dir_create(const char *dir, char **cause);

/* ---- routes.c ---- */

#define ROUTE_PARAMS_MAX 4

/* One route: method + path pattern -> handler name (mt_handlers). */
struct route {
	const char *method;     /* "GET", "POST", ... */
	const char *pattern;    /* "/waitlists/{waitlistId}" */
	const char *route_key;  /* "GET /waitlists/{waitlistId}" (API Gateway routeKey) */
	const char *handler;    /* name in mt_handlers */
	int protected;          /* 1: the authorizer runs first */
	int pooled;             /* 1: runs on the write pool (a cheap request that waits on a commit) */
};

/* A path parameter taken from the request path. */
struct route_param {
	const char *name;       /* points into the pattern (not NUL-terminated at name_len) */
	size_t name_len;        /* length of name */
	const char *value;      /* percent-decoded, NUL-terminated, inside route_match.buf */
};

/* Result of matching a request against the table. */
struct route_match {
	const struct route *route;                      /* the route, NULL when none */
	struct route_param params[ROUTE_PARAMS_MAX];    /* path parameters */
	size_t n_params;                                /* number of params */
	char allow[64];                                 /* for 405: "GET, POST" */
	char buf[1024];                                 /* storage for decoded values */
};

enum route_result {
	ROUTE_FOUND = 0,        /* route set */
	ROUTE_NOT_FOUND = 1,    /* no pattern matches the path: 404 */
	ROUTE_BAD_METHOD = 2,   /* the path matches, the method does not: 405 + allow */
};

/* The route table, terminated by an entry with method NULL. */
extern const struct route maitred_routes[];

/* Checks that every route names a known handler. 0 or -1 (*cause malloc'd). */
int routes_check(char **cause);
/* Matches method + path (without query string). */
enum route_result routes_match(const char *method, const char *path, struct route_match *m);

/* ---- event.c ---- */

/* A request as the HTTP layer hands it over. */
struct event_request {
	const char *method;      /* "GET" */
	const char *raw_path;    /* path as sent, without query */
	const char *raw_query;   /* query string without '?', "" when none */
	cJSON *headers;          /* lower-cased name -> value (object, stolen) */
	const char *body;        /* body bytes (may be NULL) */
	size_t body_len;         /* body length */
	const char *source_ip;   /* client address */
	const char *request_id;  /* our request id */
	int64_t time_ms;         /* request time, epoch ms */
};

/* Builds the API Gateway v2 event for req and the matched route (route may
 * be NULL: routeKey "$default"). NULL when out of memory. The event refers
 * to req's method, raw_path, raw_query, source_ip and request_id strings
 * without copying them: they must outlive the event. req->headers is
 * stolen; the body is copied. */
cJSON *event_build(const struct event_request *req, const struct route_match *m);
/* Puts the authorizer's context into requestContext.authorizer.lambda
 * (context is copied). 0 or -1. */
int event_set_authorizer(cJSON *event, const cJSON *context);
/* The same without the copy: context is stolen (freed on failure too). */
int event_put_authorizer(cJSON *event, cJSON *context);

/* An HTTP response taken from a handler's response JSON. */
struct event_response {
	int status;              /* HTTP status */
	char *body;              /* body bytes (malloc'd, caller frees; may be NULL when empty),
				  * or the lease's bytes when lease.release is set */
	size_t body_len;         /* body length */
	struct mt_lease lease;   /* a lent body (apigw/apigw.h): release when sent */
	const cJSON *headers;    /* header object inside the response JSON (borrowed) */
	const cJSON *cookies;    /* cookies array (borrowed) or NULL */
};

/* Reads a handler response (API Gateway v2 format; a response without
 * statusCode is sent as a 200 JSON body, like API Gateway). The body string
 * is taken from resp, or its lease claimed (out->lease: the caller releases
 * it), or, for any other string reference, copied. 0 or -1 (out of memory /
 * bad base64). */
int event_response_take(cJSON *resp, struct event_response *out);

/* Writes the IPv4 address b (network order) as dotted decimal into buf (at
 * least 16 bytes), as inet_ntop does, without printf (it was 1.7% of a
 * cached list answer). */
void event_ipv4(char *buf, const unsigned char b[4]);

/* ---- authcache.c ---- */

struct authcache;

/* Makes a cache of `slots` allowed authorizer results, each kept at most
 * ttl_s seconds and never past its token's `exp`. NULL when ttl_s <= 0
 * (caching off) or out of memory; every function accepts a NULL cache. */
struct authcache *authcache_new(size_t slots, int ttl_s);
/* Frees the cache. */
void authcache_free(struct authcache *c);
/* Returns a copy of the context cached for this Authorization header value
 * (caller frees with cJSON_Delete), or NULL on a miss or an expired entry. */
cJSON *authcache_get(struct authcache *c, const char *authz, int64_t now_ms);
/* Remembers an allowed result (context copied). Headers whose token has no
 * readable `exp` are not cached. */
void authcache_put(struct authcache *c, const char *authz, const cJSON *context, int64_t now_ms);

/* Matches method + raw path and says whether the route runs on the write pool. */
int routes_pooled(const char *method, const char *path);

/* ---- writers.c ---- */

struct writers;

/* Starts the write pool: n threads (1..WRITERS_MAX). 0 or -1. */
int writers_start(int n, struct writers **out);
/* Queues fn(arg) for a pool thread. 0, or -1 (no memory, stopping): the caller runs it. */
int writers_submit(struct writers *w, void (*fn)(void *arg), void *arg);
/* Runs every queued task, ends the threads, frees the pool. NULL-safe. */
void writers_stop(struct writers *w);

/* ---- http.c ---- */

struct maitred_http;

/* Starts the HTTP server on opts->listen with opts->threads workers, the
 * connection limits and request timeout of opts, and the authorizer cache
 * ac (may be NULL; not owned). *bound gets the actual "HOST:PORT" (port 0
 * resolved). 0 or -1 (*cause). */
int maitred_http_start(struct mt_ctx *ctx, struct authcache *ac, const struct maitred_opts *opts,
		       struct maitred_http **out, char *bound, size_t bound_sz, char **cause);
/* Stops accepting, waits (bounded) for in-flight requests, stops, frees. NULL-safe. */
void maitred_http_stop(struct maitred_http *h);
/* Runs one request through routing, authorizer and handler; returns the
 * response JSON (never NULL: 500 on failure). Used by http.c; exposed for tests. */
cJSON *maitred_dispatch(struct mt_ctx *ctx, struct authcache *ac, struct event_request *req,
			const char **route_key);

#endif
