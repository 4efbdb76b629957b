/* maitred's HTTP server (libmicrohttpd) and the request path: route ->
 * authorizer (protected routes) -> handler -> response.
 *
 * libmicrohttpd 0.9.75 notes: the first access-handler call of a request
 * only sets up state and returns MHD_YES; answering on it would force
 * "Connection: close" (4x slower). Bodies are collected up to MT_BODY_MAX;
 * a larger body is drained without buffering (up to HTTP_DRAIN_MAX) and
 * answered 413 on the final call, which keeps the connection usable and
 * avoids a TCP reset under the client. A Content-Length over HTTP_DRAIN_MAX
 * is answered 413 at once and the connection is closed unread. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "core/log.h"
#include "daemon/maitred.h"
#include "apigw/apigw.h"

#define HTTP_DRAIN_MAX (1024 * 1024)   /* drain at most this much of an oversized body */
#define HTTP_DRAIN_WAIT_MS 5000        /* how long stop waits for in-flight requests */
#define HTTP_IDLE_TIMEOUT_S 60         /* idle keep-alive connections are closed after this */

/* The running server. */
struct maitred_http {
	struct MHD_Daemon *d;     /* libmicrohttpd daemon */
	int listen_fd;            /* our listening socket */
	struct mt_ctx *ctx;       /* handler context */
	struct authcache *ac;     /* authorizer result cache (NULL = off) */
	atomic_long active;       /* requests between request line and completion */
	unsigned int request_timeout_s; /* inactivity allowed while a request arrives */
	struct writers *writers;  /* write pool (writers.c), or NULL: writes run here */
};

/* Per-request state (libmicrohttpd's con_cls). */
struct http_req {
	struct maitred_http *srv;   /* server */
	int64_t start_us;           /* monotonic start, microseconds */
	char *uri;                  /* raw request target: path NUL query */
	const char *query;          /* raw query string inside uri ("" when none) */
	char method[16];            /* request method (cut) */
	struct mt_buf body;         /* request body, capped at MT_BODY_MAX */
	size_t bytes_in;            /* body bytes received */
	int too_big;                /* body went over MT_BODY_MAX */
	int called;                 /* the access handler ran once */
	int status;                 /* status queued, 0 = none yet */
	size_t bytes_out;           /* response body bytes */
	const char *route_key;      /* matched routeKey (static) or NULL */
	char request_id[MT_ID_SIZE];/* our request id */
	/* A request run on the write pool: the connection is suspended while a
	 * pool thread dispatches it, and resumed with the answer in resp. */
	int pooled;                 /* 0 not pooled, 1 on the pool, 2 answer ready in resp */
	struct MHD_Connection *con; /* its connection (to resume) */
	struct event_request er;    /* the request as dispatched (points into this struct and MHD's pool) */
	char ip[INET6_ADDRSTRLEN];  /* client address text (er.source_ip) */
	cJSON *resp;                /* the pool's answer, sent by the HTTP thread */
};

/* Monotonic microseconds. */
static int64_t http_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Makes a new request state for the raw URI; NULL when out of memory. */
static struct http_req *http_req_new(struct maitred_http *srv, const char *uri)
{
	struct http_req *r = calloc(1, sizeof *r);
	size_t n = strlen(uri);
	char *q;

	if (r == NULL)
		return NULL;
	r->uri = malloc(n + 1);
	if (r->uri == NULL) {
		free(r);
		return NULL;
	}
	memcpy(r->uri, uri, n + 1);
	q = strchr(r->uri, '?');
	if (q != NULL) {
		*q = '\0';
		r->query = q + 1;
	} else {
		r->query = "";
	}
	r->srv = srv;
	r->start_us = http_now_us();
	mt_buf_init(&r->body, MT_BODY_MAX);
	mt_id_new_unordered(r->request_id, mt_now(srv->ctx));
	atomic_fetch_add(&srv->active, 1);
	return r;
}

/* Per-connection state (libmicrohttpd's socket context). */
struct http_conn {
	struct http_req *req;       /* request begun and not completed yet, or NULL */
};

/* The connection's state, or NULL. */
static struct http_conn *http_conn_of(struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

/* Frees a request state and counts it out of the active requests. */
static void http_req_free(struct http_req *r)
{
	struct maitred_http *srv = r->srv;

	mt_buf_free(&r->body);
	cJSON_Delete(r->resp);
	free(r->uri);
	free(r);
	atomic_fetch_sub(&srv->active, 1);
}

/* URI log callback: the first thing libmicrohttpd tells us of a request.
 * We parse the query ourselves (event.c) from our copy; libmicrohttpd 0.9.75
 * would also parse it into its connection pool, and a few hundred parameters
 * (even bare '&') exhaust that pool: it then drops the connection without an
 * answer and without the completion callback, so a request state leaked and
 * the drain at stop waited its full time (issue 13, finding 1). Cutting the
 * query right after '?' in libmicrohttpd's own (writable: it writes NULs
 * there itself) request-line buffer leaves it nothing to parse. */
static void *http_on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct http_req *r = http_req_new(cls, uri);
	struct http_conn *hc = http_conn_of(con);
	char *q = strchr(uri, '?');

	if (q != NULL)
		q[1] = '\0';
	if (hc != NULL)
		hc->req = r;
	/* from the request line on, headers and body must keep coming */
	MHD_set_connection_option(con, MHD_CONNECTION_OPTION_TIMEOUT, ((struct maitred_http *)cls)->request_timeout_s);
	return r;
}

/* Connection start/close: on close, frees a request libmicrohttpd never completed. */
static void http_on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
			       enum MHD_ConnectionNotificationCode toe)
{
	struct http_conn *hc = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		/* a new connection must send its request line within the request timeout */
		MHD_set_connection_option(con, MHD_CONNECTION_OPTION_TIMEOUT,
					  ((struct maitred_http *)cls)->request_timeout_s);
		*socket_context = calloc(1, sizeof(struct http_conn));
		return;
	}
	if (hc == NULL)
		return;
	if (hc->req != NULL)
		http_req_free(hc->req);
	free(hc);
	*socket_context = NULL;
}

/* The path as logged: a guest page's token or a check-in slug (the
 * credential of a public page, issue 14) is replaced by "-". */
static const char *http_log_path(const char *uri)
{
	if (strncmp(uri, "/g/", 3) == 0)
		return "/g/-";
	if (strncmp(uri, "/j/", 3) == 0)
		return "/j/-";
	return uri;
}

/* Completion callback: log the request, free its state. */
static void http_on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;
	struct http_conn *hc;

	(void)cls;
	if (r == NULL)
		return;
	if (r->status != 0) {
		struct mt_log_request l = {
			.method = r->method,
			.path = http_log_path(r->uri),
			.status = r->status,
			.duration_us = http_now_us() - r->start_us,
			.request_id = r->request_id,
			.bytes_in = r->bytes_in,
			.bytes_out = r->bytes_out,
			.route = r->route_key,
			.aborted = toe != MHD_REQUEST_TERMINATED_COMPLETED_OK,
		};
		mt_log_request(&l);
	}
	hc = http_conn_of(con);
	if (hc != NULL && hc->req == r)
		hc->req = NULL;
	http_req_free(r);
	*con_cls = NULL;
	/* answered: the connection may now wait idle for its next request */
	MHD_set_connection_option(con, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT_S);
}

/* Header iterator: adds a lower-cased header to the object (duplicates comma-joined). */
static enum MHD_Result http_on_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	cJSON *h = cls;
	cJSON *old, *nv;
	char name[256];
	size_t i, n = strlen(key);

	(void)kind;
	if (n == 0 || n >= sizeof name || value == NULL)
		return MHD_YES;
	for (i = 0; i < n; i++)
		name[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i]);
	name[n] = '\0';
	old = cJSON_GetObjectItemCaseSensitive(h, name);
	if (old != NULL && cJSON_IsString(old)) {
		struct mt_buf b;

		mt_buf_init(&b, 64 * 1024);
		if (mt_buf_adds(&b, old->valuestring) == 0 && mt_buf_adds(&b, ",") == 0 &&
		    mt_buf_adds(&b, value) == 0 && (nv = cJSON_CreateString(b.data)) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(h, name, nv);
		mt_buf_free(&b);
		return MHD_YES;
	}
	/* the value lives in libmicrohttpd's connection pool until the request
	 * completes, longer than the event: referenced, not copied */
	nv = cJSON_CreateStringReference(value);
	if (nv != NULL && !cJSON_AddItemToObject(h, name, nv))
		cJSON_Delete(nv);
	return MHD_YES;
}

/* Queues resp (consumed; NULL = 500) as the HTTP answer. */
static enum MHD_Result http_send(struct MHD_Connection *con, struct http_req *r, cJSON *resp)
{
	static const char fallback[] = "{\"error\":\"internal\",\"message\":\"internal error\"}";
	struct event_response er;
	struct MHD_Response *mr;
	const cJSON *h;
	enum MHD_Result ret;
	int fallback_used = 0;

	if (resp == NULL || event_response_take(resp, &er) < 0) {
		memset(&er, 0, sizeof er);
		er.status = 500;
		fallback_used = 1;
	}
	if (fallback_used)
		mr = MHD_create_response_from_buffer(sizeof fallback - 1, (void *)fallback, MHD_RESPMEM_PERSISTENT);
	else if (er.lease.release != NULL)   /* lent bytes: given back when libmicrohttpd is done */
		mr = MHD_create_response_from_buffer_with_free_callback_cls(er.body_len, er.body, er.lease.release,
									     er.lease.arg);
	else if (er.body != NULL)
		mr = MHD_create_response_from_buffer(er.body_len, er.body, MHD_RESPMEM_MUST_FREE);
	else
		mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (mr == NULL) {
		if (er.lease.release != NULL)
			er.lease.release(er.lease.arg);
		else if (!fallback_used)
			free(er.body);
		cJSON_Delete(resp);
		return MHD_NO;
	}
	if (fallback_used) {
		MHD_add_response_header(mr, "Content-Type", "application/json");
	} else {
		cJSON_ArrayForEach(h, er.headers) {
			char num[32];
			const char *v = NULL;

			if (h->string == NULL || strcasecmp(h->string, "content-length") == 0 ||
			    strcasecmp(h->string, "transfer-encoding") == 0 || strcasecmp(h->string, "connection") == 0)
				continue;
			if (cJSON_IsString(h)) {
				v = h->valuestring;
			} else if (cJSON_IsNumber(h)) {
				snprintf(num, sizeof num, "%.17g", h->valuedouble);
				v = num;
			} else if (cJSON_IsBool(h)) {
				v = cJSON_IsTrue(h) ? "true" : "false";
			}
			if (v != NULL)
				MHD_add_response_header(mr, h->string, v);
		}
		cJSON_ArrayForEach(h, er.cookies)
			if (cJSON_IsString(h))
				MHD_add_response_header(mr, "Set-Cookie", h->valuestring);
	}
	MHD_add_response_header(mr, "X-Request-Id", r->request_id);
	r->status = er.status;
	r->bytes_out = fallback_used ? sizeof fallback - 1 : er.body_len;
	ret = MHD_queue_response(con, (unsigned)er.status, mr);
	MHD_destroy_response(mr);
	cJSON_Delete(resp);
	return ret;
}

/* A 401 response for a protected route. */
static cJSON *http_unauthorized(int had_token)
{
	cJSON *r = mt_resp_error(401, "unauthorized", NULL, had_token ? "the access token is not valid"
								 : "an access token is required");

	if (r != NULL)
		mt_resp_header(r, "www-authenticate", had_token ? "Bearer error=\"invalid_token\"" : "Bearer");
	return r;
}

/* Runs one request through routing, authorizer and handler. */
cJSON *maitred_dispatch(struct mt_ctx *ctx, struct authcache *ac, struct event_request *req,
			const char **route_key)
{
	struct route_match m;
	enum route_result rr = routes_match(req->method, req->raw_path, &m);
	const struct mt_handler *h;
	cJSON *ev, *resp;

	*route_key = NULL;
	if (rr == ROUTE_NOT_FOUND) {
		cJSON_Delete(req->headers);
		return mt_resp_error(404, "not_found", NULL, "no route for %s %s", req->method, req->raw_path);
	}
	if (rr == ROUTE_BAD_METHOD) {
		cJSON_Delete(req->headers);
		resp = mt_resp_error(405, "method_not_allowed", NULL, "%s is not allowed here; use %s",
				     req->method, m.allow);
		if (resp != NULL)
			mt_resp_header(resp, "allow", m.allow);
		return resp;
	}
	*route_key = m.route->route_key;
	ev = event_build(req, &m);
	if (ev == NULL)
		return NULL;
	if (m.route->protected) {
		const char *authz = mt_event_header(ev, "authorization");
		cJSON *ar;
		const cJSON *ok;

		if (authz == NULL || *authz == '\0') {
			cJSON_Delete(ev);
			return http_unauthorized(0);
		}
		ar = authcache_get(ac, authz, mt_now(ctx));
		if (ar == NULL) {
			cJSON *res = handler_authorizer(ctx, ev);

			if (res == NULL) {   /* the account could not be read: not the caller's fault */
				cJSON_Delete(ev);
				return mt_resp_error(503, "unavailable", NULL, "cannot check the access token now; retry");
			}
			ok = cJSON_GetObjectItemCaseSensitive(res, "isAuthorized");
			if (!cJSON_IsTrue(ok)) {
				cJSON_Delete(res);
				cJSON_Delete(ev);
				return http_unauthorized(1);
			}
			ar = cJSON_DetachItemFromObjectCaseSensitive(res, "context");
			cJSON_Delete(res);
			if (ar == NULL)
				ar = cJSON_CreateObject();
			authcache_put(ac, authz, ar, mt_now(ctx));
		}
		if (ar == NULL || event_put_authorizer(ev, ar) < 0) {
			cJSON_Delete(ev);
			return NULL;
		}
	}
	h = mt_handler_find(m.route->handler);
	resp = h ? h->fn(ctx, ev) : NULL;
	cJSON_Delete(ev);
	if (resp == NULL)
		resp = mt_resp_error(500, "internal", NULL, "the handler failed");
	return resp;
}

/* libmicrohttpd's panic (an internal error it cannot recover from): one log
 * line saying where and why, then abort as its own handler would, so a
 * crash on shutdown or under load leaves its reason in maitred's log. */
static void http_on_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
	char where[24];

	(void)cls;
	snprintf(where, sizeof where, "%u", line);
	mt_log("error", "libmicrohttpd panic: maitred stops", "file", file ? file : "", "line", where, "reason",
	       reason ? reason : "", (const char *)NULL);
	abort();
}

/* Address of the client as text. */
static void http_client_ip(struct MHD_Connection *con, char *buf, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	buf[0] = '\0';
	if (ci == NULL || ci->client_addr == NULL)
		return;
	if (ci->client_addr->sa_family == AF_INET && n >= INET_ADDRSTRLEN) {
		event_ipv4(buf, (const unsigned char *)
			   &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr);
	} else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr, buf, (socklen_t)n);
}

/* Write pool task: dispatches a suspended request, then resumes its
 * connection; libmicrohttpd calls the access handler again, which sends resp. */
static void http_pool_run(void *arg)
{
	struct http_req *r = arg;

	r->resp = maitred_dispatch(r->srv->ctx, r->srv->ac, &r->er, &r->route_key);
	mt_buf_free(&r->body);
	r->pooled = 2;
	MHD_resume_connection(r->con);
}

/* Access handler: set up, collect the body, answer on the final call. */
static enum MHD_Result http_on_request(void *cls, struct MHD_Connection *con, const char *url,
				       const char *method, const char *version, const char *upload_data,
				       size_t *upload_data_size, void **con_cls)
{
	struct maitred_http *srv = cls;
	struct http_req *r = *con_cls;
	struct event_request *er;
	cJSON *resp;

	(void)version;
	if (r == NULL) {
		struct http_conn *hc = http_conn_of(con);

		r = http_req_new(srv, url);
		if (r == NULL)
			return MHD_NO;
		*con_cls = r;
		if (hc != NULL)
			hc->req = r;
	}
	if (!r->called) {
		const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

		r->called = 1;
		snprintf(r->method, sizeof r->method, "%s", method);
		if (cl != NULL) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(cl, &end, 10);
			if (errno == 0 && end != cl && v > HTTP_DRAIN_MAX) {
				r->too_big = 1;
				resp = mt_resp_error(413, "too_large", NULL, "request body is over %d bytes", MT_BODY_MAX);
				return http_send(con, r, resp);
			}
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		r->bytes_in += n;
		*upload_data_size = 0;
		if (!r->too_big && mt_buf_add(&r->body, upload_data, n) < 0) {
			r->too_big = 1;
			mt_buf_free(&r->body);
		}
		/* chunked bodies have no Content-Length: stop draining at some point */
		return r->bytes_in > HTTP_DRAIN_MAX ? MHD_NO : MHD_YES;
	}
	if (r->pooled == 2) {   /* resumed: the pool's answer */
		resp = r->resp;
		r->resp = NULL;
		r->pooled = 0;
		return http_send(con, r, resp);
	}
	if (r->pooled == 1 || r->status != 0)
		return MHD_YES;   /* still on the pool, or already answered (early 413) */
	if (r->too_big)
		return http_send(con, r, mt_resp_error(413, "too_large", NULL, "request body is over %d bytes", MT_BODY_MAX));

	er = &r->er;
	memset(er, 0, sizeof *er);
	er->headers = cJSON_CreateObject();
	if (er->headers == NULL)
		return http_send(con, r, NULL);
	MHD_get_connection_values(con, MHD_HEADER_KIND, http_on_header, er->headers);
	http_client_ip(con, r->ip, sizeof r->ip);
	er->method = r->method;
	er->raw_path = r->uri;
	er->raw_query = r->query;
	er->body = r->body.data;
	er->body_len = r->body.len;
	er->source_ip = r->ip;
	er->request_id = r->request_id;
	er->time_ms = mt_now(srv->ctx);
	if (srv->writers != NULL && routes_pooled(r->method, r->uri)) {
		/* suspended first: the pool may resume it before we return */
		r->con = con;
		r->pooled = 1;
		MHD_suspend_connection(con);
		if (writers_submit(srv->writers, http_pool_run, r) == 0)
			return MHD_YES;
		MHD_resume_connection(con);
		r->pooled = 0;
	}
	resp = maitred_dispatch(srv->ctx, srv->ac, er, &r->route_key);
	mt_buf_free(&r->body);
	return http_send(con, r, resp);
}

/* Splits "HOST:PORT" / "[V6]:PORT" into host and port strings. */
static int http_split_listen(const char *addr, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon, *hs = addr, *he;

	if (addr[0] == '[') {
		he = strchr(addr, ']');
		if (he == NULL || he[1] != ':')
			return -1;
		hs = addr + 1;
		colon = he + 1;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL)
			return -1;
		he = colon;
	}
	if ((size_t)(he - hs) >= hn || strlen(colon + 1) >= pn)
		return -1;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	snprintf(port, pn, "%s", colon + 1);
	return 0;
}

/* Makes a malloc'd "what: detail" message. */
static char *http_msg(const char *what, const char *addr, const char *detail)
{
	size_t n = strlen(what) + strlen(addr) + strlen(detail) + 8;
	char *m = malloc(n);

	if (m)
		snprintf(m, n, "%s %s: %s", what, addr, detail);
	return m;
}

/* Opens the listening socket; returns fd or -1 (*cause). *v6 set for IPv6. */
static int http_listen_socket(const char *addr, int *v6, char **cause)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], port[16];
	int fd = -1, err = 0, one = 1, gai;

	if (http_split_listen(addr, host, sizeof host, port, sizeof port) < 0) {
		*cause = http_msg("bad listen address", addr, "want HOST:PORT");
		return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (gai != 0) {
		*cause = http_msg("cannot resolve", addr, gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0) {
			*v6 = ai->ai_family == AF_INET6;
			break;
		}
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		*cause = http_msg("cannot listen on", addr, strerror(err));
	return fd;
}

/* Writes the bound address of fd as HOST:PORT. */
static void http_bound(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char ip[INET6_ADDRSTRLEN] = "";

	out[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
		snprintf(out, n, "%s:%d", ip, ntohs(a->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
		snprintf(out, n, "[%s]:%d", ip, ntohs(a->sin6_port));
	}
}

/* The overall connection cap: as asked, but within the open-file limit
 * (raised to its hard limit first), keeping 64 descriptors for the store,
 * the log and the queue; connections over it are closed at once. */
static unsigned int http_conn_cap(int want)
{
	struct rlimit rl;
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return (unsigned int)want;
	room = rl.rlim_cur > 128 ? rl.rlim_cur - 64 : rl.rlim_cur / 2;
	return (rlim_t)want < room ? (unsigned int)want : (unsigned int)room;
}

/* Starts the HTTP server. */
int maitred_http_start(struct mt_ctx *ctx, struct authcache *ac, const struct maitred_opts *opts,
		       struct maitred_http **out, char *bound, size_t bound_sz, char **cause)
{
	const char *addr = opts->listen;
	int threads = opts->threads;
	unsigned int max_conns = http_conn_cap(opts->max_conns);
	struct maitred_http *h;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	int v6 = 0;

	*out = NULL;
	*cause = NULL;
	h = calloc(1, sizeof *h);
	if (h == NULL) {
		*cause = strdup("out of memory");
		return -1;
	}
	h->ctx = ctx;
	h->ac = ac;
	h->request_timeout_s = (unsigned int)opts->request_timeout_s;
	atomic_init(&h->active, 0);
	h->listen_fd = http_listen_socket(addr, &v6, cause);
	if (h->listen_fd < 0) {
		free(h);
		return -1;
	}
	if (v6)
		flags |= MHD_USE_IPv6;
	if (opts->write_threads > 0 && writers_start(opts->write_threads, &h->writers) < 0) {
		*cause = http_msg("cannot start the write threads for", addr, strerror(errno ? errno : EAGAIN));
		close(h->listen_fd);
		free(h);
		return -1;
	}
	MHD_set_panic_func(http_on_panic, NULL);
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, http_on_request, h,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)h->listen_fd,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(threads > 1 ? threads : 1),
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT_S,
				MHD_OPTION_CONNECTION_LIMIT, max_conns,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)opts->max_conns_per_addr,
				MHD_OPTION_URI_LOG_CALLBACK, http_on_uri, h,
				MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, h,
				MHD_OPTION_NOTIFY_CONNECTION, http_on_connection, h,
				MHD_OPTION_END);
	if (h->d == NULL) {
		*cause = http_msg("cannot start the HTTP server on", addr, "libmicrohttpd refused the options");
		writers_stop(h->writers);
		close(h->listen_fd);
		free(h);
		return -1;
	}
	http_bound(h->listen_fd, bound, bound_sz);
	*out = h;
	return 0;
}

/* Stops accepting, waits for in-flight requests, stops, frees. */
void maitred_http_stop(struct maitred_http *h)
{
	MHD_socket fd;
	int64_t deadline;

	if (h == NULL)
		return;
	fd = MHD_quiesce_daemon(h->d);
	deadline = http_now_us() + (int64_t)HTTP_DRAIN_WAIT_MS * 1000;
	while (atomic_load(&h->active) > 0 && http_now_us() < deadline) {
		struct timespec ts = { 0, 1000000L };

		nanosleep(&ts, NULL);
	}
	/* the pool resumes what it still holds before the daemon goes */
	writers_stop(h->writers);
	MHD_stop_daemon(h->d);
	/* once quiesced the socket is ours to close; otherwise MHD closed it */
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	free(h);
}
