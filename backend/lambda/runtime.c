/* The Lambda Runtime API client: plain HTTP/1.1 over one kept-alive TCP
 * connection to AWS_LAMBDA_RUNTIME_API (always http on a local address),
 * written on sockets rather than libcurl so that a cold start does not pay
 * for loading libcurl and its TLS stack (docs/benchmarks.md, "Lambda
 * bootstrap"): libcurl is loaded only by the first AWS or channel call
 * (curl-lazy.c). The `next` call has no timeout (the function may be
 * frozen between invocations); posts give up after LAMBDA_POST_TIMEOUT_MS.
 * A kept connection the Runtime API has closed is reopened once. Answers
 * are read by Content-Length, chunked transfer coding or up to the close. */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "lambda/lambda.h"

#define LAMBDA_POST_TIMEOUT_MS 30000   /* a post the Runtime API does not answer in 30 s failed */
#define LAMBDA_ANSWER_MAX 65536        /* what we keep of a post's answer (an error text) */
#define LAMBDA_HEAD_MAX 16384          /* status line and headers of one answer */
#define LAMBDA_RBUF 16384              /* read buffer */
#define LAMBDA_REQ_HEAD_MAX 16384      /* a request's head (an extension request carries the session token) */

/* The client. */
struct lambda_rt {
	char api[256];                  /* AWS_LAMBDA_RUNTIME_API, "host:port" */
	struct sockaddr_storage addr;   /* its address, resolved once */
	socklen_t addr_len;             /* its length */
	int fd;                         /* the kept connection, -1 = none */
	int fresh;                      /* 1 while fd has carried no request yet */
	char rbuf[LAMBDA_RBUF];         /* bytes read and not yet consumed */
	size_t rpos;                    /* first unconsumed byte of rbuf */
	size_t rlen;                    /* bytes in rbuf */
};

/* One request and what to do with its answer. */
struct lambda_req {
	const char *method;             /* "GET" or "POST" */
	const char *path;               /* "/2018-06-01/runtime/..." */
	const char *extra;              /* more header lines, each ending in CRLF ("" = none) */
	const char *body;               /* request body (POST), NULL = none */
	size_t body_len;                /* its length */
	int timeout_ms;                 /* for the whole exchange, 0 = none */
	struct lambda_invocation *inv;  /* takes the Lambda-Runtime-* headers, NULL = ignore them */
	struct mt_buf *answer;          /* the answer's body; bytes past its cap are read and dropped */
	long status;                    /* out: the HTTP status */
	int too_big;                    /* out: the body did not fit answer */
};

/* The parts of an answer's head that matter. */
struct lambda_head {
	long status;                    /* HTTP status */
	long long length;               /* Content-Length, -1 = absent */
	int chunked;                    /* Transfer-Encoding: chunked */
	int close;                      /* Connection: close, or HTTP/1.0 without keep-alive */
};

/* The first CRLF (crlf2: CRLFCRLF) in p[0..n), or NULL. */
static const char *lambda_rt_crlf(const char *p, size_t n, int crlf2)
{
	const char *q = p, *end = p + n;

	while ((q = memchr(q, '\r', (size_t)(end - q))) != NULL) {
		if (end - q >= (crlf2 ? 4 : 2) && q[1] == '\n' && (!crlf2 || (q[2] == '\r' && q[3] == '\n')))
			return q;
		q++;
	}
	return NULL;
}

/* Splits "host:port" (host may be "[v6]") and resolves it into rt. */
static int lambda_rt_resolve(struct lambda_rt *rt, const char *api, char **cause)
{
	struct addrinfo hints, *res = NULL;
	const char *colon = strrchr(api, ':');
	size_t hl = colon ? (size_t)(colon - api) : 0;
	char host[256];
	int r;

	if (colon == NULL || hl == 0 || hl >= sizeof host || colon[1] == '\0') {
		mt_set_cause(cause, "AWS_LAMBDA_RUNTIME_API is not a host:port");
		return MT_EINVAL;
	}
	memcpy(host, api, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {   /* [::1]:9001 */
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo(host, colon + 1, &hints, &res);
	if (r != 0 || res == NULL || res->ai_addrlen > sizeof rt->addr) {
		mt_set_cause(cause, "cannot resolve the Runtime API %s: %s", api, r ? gai_strerror(r) : "no address");
		if (res)
			freeaddrinfo(res);
		return MT_EIO;
	}
	memcpy(&rt->addr, res->ai_addr, res->ai_addrlen);
	rt->addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Makes the client for api ("host:port"). */
int lambda_rt_open(const char *api, struct lambda_rt **out, char **cause)
{
	struct lambda_rt *rt;
	int r;

	*out = NULL;
	if (api == NULL || api[0] == '\0') {
		mt_set_cause(cause, "AWS_LAMBDA_RUNTIME_API is not set: bootstrap runs only under Lambda "
				    "(or a Runtime API emulator)");
		return MT_EINVAL;
	}
	if (strlen(api) >= sizeof rt->api || strpbrk(api, "/ \r\n?#@") != NULL) {
		mt_set_cause(cause, "AWS_LAMBDA_RUNTIME_API is not a host:port");
		return MT_EINVAL;
	}
	rt = calloc(1, sizeof *rt);
	if (rt == NULL) {
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	rt->fd = -1;
	snprintf(rt->api, sizeof rt->api, "%s", api);
	r = lambda_rt_resolve(rt, api, cause);
	if (r != 0) {
		free(rt);
		return r;
	}
	*out = rt;
	return 0;
}

/* Drops the kept connection. */
static void lambda_rt_disconnect(struct lambda_rt *rt)
{
	if (rt->fd >= 0)
		close(rt->fd);
	rt->fd = -1;
	rt->rpos = rt->rlen = 0;
}

/* Takes fd as the connection. */
void lambda_rt_adopt(struct lambda_rt *rt, int fd)
{
	lambda_rt_disconnect(rt);
	rt->fd = fd;
	rt->fresh = 1;
}

/* Frees the client. */
void lambda_rt_close(struct lambda_rt *rt)
{
	if (rt == NULL)
		return;
	lambda_rt_disconnect(rt);
	free(rt);
}

/* The Runtime API address. */
const char *lambda_rt_api(const struct lambda_rt *rt)
{
	return rt->api;
}

/* Opens the connection when there is none. */
static int lambda_rt_connect(struct lambda_rt *rt, char **cause)
{
	int one = 1, fd;

	if (rt->fd >= 0)
		return 0;
	fd = socket(rt->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		mt_set_cause(cause, "runtime API: socket: %s", strerror(errno));
		return MT_EIO;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	while (connect(fd, (const struct sockaddr *)&rt->addr, rt->addr_len) != 0) {
		if (errno == EINTR)
			continue;
		mt_set_cause(cause, "runtime API %s: connect: %s", rt->api, strerror(errno));
		close(fd);
		return MT_EIO;
	}
	rt->fd = fd;
	rt->fresh = 1;
	rt->rpos = rt->rlen = 0;
	return 0;
}

/* Milliseconds left before end_ms (-1 = no end); 0 when it has passed. */
static int lambda_rt_left(int64_t end_ms)
{
	int64_t left;

	if (end_ms < 0)
		return -1;
	left = end_ms - mt_clock_mono_ms();
	return left <= 0 ? 0 : (left > 1000000 ? 1000000 : (int)left);
}

/* Sends head then body in full. 0, or MT_EIO (errno kept). */
static int lambda_rt_send(struct lambda_rt *rt, const char *head, size_t hlen, const char *body, size_t blen,
			  int64_t end_ms)
{
	struct iovec iov[2] = { { (void *)head, hlen }, { (void *)body, blen } };
	struct msghdr msg;
	int n = blen > 0 ? 2 : 1, i = 0;

	while (i < n) {
		struct pollfd p = { rt->fd, POLLOUT, 0 };
		ssize_t w;

		memset(&msg, 0, sizeof msg);
		msg.msg_iov = iov + i;
		msg.msg_iovlen = (size_t)(n - i);
		w = sendmsg(rt->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = poll(&p, 1, lambda_rt_left(end_ms));

			if (r == 0) {
				errno = ETIMEDOUT;
				return MT_EIO;
			}
			if (r < 0 && errno != EINTR)
				return MT_EIO;
			continue;
		}
		if (w < 0)
			return MT_EIO;
		while (i < n && (size_t)w >= iov[i].iov_len) {
			w -= (ssize_t)iov[i].iov_len;
			i++;
		}
		if (i < n) {
			iov[i].iov_base = (char *)iov[i].iov_base + w;
			iov[i].iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Reads more bytes into rbuf (compacting it first). >0 bytes read, 0 at
 * EOF, MT_EIO on an error or the timeout (errno says which). */
static int lambda_rt_fill(struct lambda_rt *rt, int64_t end_ms)
{
	ssize_t n;

	if (rt->rpos > 0) {
		memmove(rt->rbuf, rt->rbuf + rt->rpos, rt->rlen - rt->rpos);
		rt->rlen -= rt->rpos;
		rt->rpos = 0;
	}
	if (rt->rlen == sizeof rt->rbuf) {
		errno = EMSGSIZE;
		return MT_EIO;
	}
	for (;;) {
		struct pollfd p = { rt->fd, POLLIN, 0 };
		int r = poll(&p, 1, lambda_rt_left(end_ms));

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			errno = ETIMEDOUT;
			return MT_EIO;
		}
		if (r < 0)
			return MT_EIO;
		n = read(rt->fd, rt->rbuf + rt->rlen, sizeof rt->rbuf - rt->rlen);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return MT_EIO;
		rt->rlen += (size_t)n;
		return (int)(n > 0);
	}
}

/* Copies a header value (trimmed) into dst when the line's name is name. 1 when it did. */
static int lambda_rt_header(const char *line, size_t len, const char *name, char *dst, size_t dsz)
{
	size_t nl = strlen(name), vl;
	const char *v;

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return 0;
	v = line + nl + 1;
	vl = len - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (vl >= dsz)
		vl = dsz - 1;   /* cut; the request id check refuses a cut id */
	memcpy(dst, v, vl);
	dst[vl] = '\0';
	return 1;
}

/* Parses one header line (without its CRLF) into hd and the invocation. */
static void lambda_rt_head_line(const char *line, size_t len, struct lambda_head *hd,
				struct lambda_invocation *inv)
{
	char v[64];

	if (lambda_rt_header(line, len, "Content-Length", v, sizeof v)) {
		char *end = NULL;
		long long n;

		errno = 0;
		n = strtoll(v, &end, 10);
		hd->length = (end != v && *end == '\0' && errno == 0 && n >= 0) ? n : -2;   /* -2: malformed */
	} else if (lambda_rt_header(line, len, "Transfer-Encoding", v, sizeof v)) {
		hd->chunked = strcasecmp(v, "chunked") == 0 ? 1 : -1;   /* -1: a coding we cannot read */
	} else if (lambda_rt_header(line, len, "Connection", v, sizeof v)) {
		if (strcasecmp(v, "close") == 0)
			hd->close = 1;
		else if (strcasecmp(v, "keep-alive") == 0)
			hd->close = 0;
	} else if (inv != NULL) {
		if (lambda_rt_header(line, len, "Lambda-Runtime-Aws-Request-Id", inv->request_id,
				     sizeof inv->request_id) ||
		    lambda_rt_header(line, len, "Lambda-Runtime-Trace-Id", inv->trace_id, sizeof inv->trace_id) ||
		    lambda_rt_header(line, len, "Lambda-Runtime-Invoked-Function-Arn", inv->function_arn,
				     sizeof inv->function_arn))
			return;
		if (lambda_rt_header(line, len, "Lambda-Runtime-Deadline-Ms", v, sizeof v)) {
			char *end = NULL;
			long long ms = strtoll(v, &end, 10);

			inv->deadline_ms = (end != v && *end == '\0' && ms > 0) ? (int64_t)ms : 0;
		}
	}
}

/* Reads the status line and the headers. 0, MT_EIO (errno set; EPIPE when
 * the connection ended before the first byte), MT_EINVAL when malformed. */
static int lambda_rt_read_head(struct lambda_rt *rt, struct lambda_req *rq, struct lambda_head *hd,
			       int64_t end_ms)
{
	const char *p, *eol, *end;
	int first = 1, r;

	hd->status = 0;
	hd->length = -1;
	hd->chunked = 0;
	hd->close = 0;
	for (;;) {   /* until the blank line is in rbuf */
		p = rt->rbuf + rt->rpos;
		end = lambda_rt_crlf(p, rt->rlen - rt->rpos, 1);
		if (end != NULL)
			break;
		if (rt->rlen - rt->rpos >= LAMBDA_HEAD_MAX) {
			errno = EMSGSIZE;
			return MT_EINVAL;
		}
		r = lambda_rt_fill(rt, end_ms);
		if (r < 0)
			return r;
		if (r == 0) {
			errno = rt->rlen == rt->rpos ? EPIPE : ECONNRESET;
			return MT_EIO;
		}
	}
	end += 2;   /* the last header's CRLF */
	for (; p < end; p = eol + 2) {
		eol = lambda_rt_crlf(p, (size_t)(end - p), 0);
		if (first) {
			/* HTTP/1.x SSS reason */
			if (eol - p < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' || p[9] < '1' || p[9] > '5' ||
			    p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9')
				return MT_EINVAL;
			hd->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
			hd->close = p[7] == '0';
			first = 0;
		} else {
			lambda_rt_head_line(p, (size_t)(eol - p), hd, rq->inv);
		}
	}
	rt->rpos = (size_t)(end + 2 - rt->rbuf);
	if (hd->length == -2 || hd->chunked < 0)
		return MT_EINVAL;
	return 0;
}

/* Moves up to want bytes of the answer's body from rbuf into the answer
 * (dropping what does not fit under its cap); returns the bytes taken. */
static size_t lambda_rt_take(struct lambda_rt *rt, struct lambda_req *rq, size_t want)
{
	size_t n = rt->rlen - rt->rpos;

	if (n > want)
		n = want;
	if (!rq->too_big && mt_buf_add(rq->answer, rt->rbuf + rt->rpos, n) != 0)
		rq->too_big = 1;
	rt->rpos += n;
	return n;
}

/* Reads len body bytes. */
static int lambda_rt_read_len(struct lambda_rt *rt, struct lambda_req *rq, unsigned long long len, int64_t end_ms)
{
	int r;

	while (len > 0) {
		if (rt->rpos == rt->rlen) {
			r = lambda_rt_fill(rt, end_ms);
			if (r < 0)
				return r;
			if (r == 0) {
				errno = ECONNRESET;
				return MT_EIO;
			}
		}
		len -= lambda_rt_take(rt, rq, len > SIZE_MAX ? SIZE_MAX : (size_t)len);
	}
	return 0;
}

/* Reads one CRLF-ended line of a chunked body into line (NUL-terminated). */
static int lambda_rt_read_line(struct lambda_rt *rt, char *line, size_t size, int64_t end_ms)
{
	const char *eol;
	size_t n;
	int r;

	for (;;) {
		eol = lambda_rt_crlf(rt->rbuf + rt->rpos, rt->rlen - rt->rpos, 0);
		if (eol != NULL)
			break;
		if (rt->rlen - rt->rpos >= 1024) {
			errno = EMSGSIZE;
			return MT_EINVAL;
		}
		r = lambda_rt_fill(rt, end_ms);
		if (r < 0)
			return r;
		if (r == 0) {
			errno = ECONNRESET;
			return MT_EIO;
		}
	}
	n = (size_t)(eol - (rt->rbuf + rt->rpos));
	if (n >= size)
		n = size - 1;
	memcpy(line, rt->rbuf + rt->rpos, n);
	line[n] = '\0';
	rt->rpos = (size_t)(eol + 2 - rt->rbuf);
	return 0;
}

/* Reads a chunked body (extensions and trailers skipped). */
static int lambda_rt_read_chunked(struct lambda_rt *rt, struct lambda_req *rq, int64_t end_ms)
{
	char line[128], *end;
	unsigned long long n;
	int r;

	for (;;) {
		r = lambda_rt_read_line(rt, line, sizeof line, end_ms);
		if (r != 0)
			return r;
		if (!isxdigit((unsigned char)line[0]))   /* strtoull would take a sign or spaces */
			return MT_EINVAL;
		errno = 0;
		n = strtoull(line, &end, 16);
		if (errno != 0 || (*end != '\0' && *end != ';' && *end != ' ' && *end != '\t'))
			return MT_EINVAL;
		if (n == 0)
			break;
		r = lambda_rt_read_len(rt, rq, n, end_ms);
		if (r == 0)
			r = lambda_rt_read_line(rt, line, sizeof line, end_ms);
		if (r != 0)
			return r;
		if (line[0] != '\0')
			return MT_EINVAL;
	}
	do {   /* trailers, up to the blank line */
		r = lambda_rt_read_line(rt, line, sizeof line, end_ms);
		if (r != 0)
			return r;
	} while (line[0] != '\0');
	return 0;
}

/* Reads a body that ends with the connection. */
static int lambda_rt_read_to_close(struct lambda_rt *rt, struct lambda_req *rq, int64_t end_ms)
{
	int r;

	for (;;) {
		lambda_rt_take(rt, rq, SIZE_MAX);
		r = lambda_rt_fill(rt, end_ms);
		if (r <= 0)
			return r;
	}
}

#define LAMBDA_RT_STALE 1   /* lambda_rt_exchange: the connection was found closed, nothing answered */

/* One exchange on the current connection: 0, a negative MT_E* code, or
 * LAMBDA_RT_STALE when the connection failed before any byte of an answer
 * (the peer had closed a kept connection). */
static int lambda_rt_exchange(struct lambda_rt *rt, struct lambda_req *rq, int64_t end_ms, char **cause)
{
	char head[LAMBDA_REQ_HEAD_MAX];
	struct lambda_head hd;
	int n, r;

	if (rq->body != NULL)
		n = snprintf(head, sizeof head,
			     "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n\r\n",
			     rq->method, rq->path, rt->api, rq->extra, rq->body_len);
	else
		n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", rq->method, rq->path, rt->api,
			     rq->extra);
	if (n < 0 || (size_t)n >= sizeof head) {
		mt_set_cause(cause, "runtime API: request head too long");
		return MT_EINVAL;
	}
	if (lambda_rt_send(rt, head, (size_t)n, rq->body, rq->body ? rq->body_len : 0, end_ms) != 0) {
		mt_set_cause(cause, "runtime API %s %s: send: %s", rq->method, rq->path, strerror(errno));
		return errno == EPIPE || errno == ECONNRESET ? LAMBDA_RT_STALE : MT_EIO;
	}
	r = lambda_rt_read_head(rt, rq, &hd, end_ms);
	if (r == MT_EIO && (errno == EPIPE || (errno == ECONNRESET && rt->rlen == 0))) {
		mt_set_cause(cause, "runtime API %s %s: connection closed before an answer", rq->method, rq->path);
		return LAMBDA_RT_STALE;
	}
	if (r == 0) {
		rq->status = hd.status;
		if (hd.chunked)
			r = lambda_rt_read_chunked(rt, rq, end_ms);
		else if (hd.length >= 0)
			r = lambda_rt_read_len(rt, rq, (unsigned long long)hd.length, end_ms);
		else if (hd.status >= 200 && hd.status != 204 && hd.status != 304) {
			hd.close = 1;
			r = lambda_rt_read_to_close(rt, rq, end_ms);
		}
	}
	if (r != 0) {
		mt_set_cause(cause, "runtime API %s %s: %s", rq->method, rq->path,
			     r == MT_EINVAL ? "malformed answer" : errno == ETIMEDOUT ? "no answer in time" : strerror(errno));
		return MT_EIO;
	}
	if (hd.close)
		lambda_rt_disconnect(rt);
	return 0;
}

/* Sends rq and reads its answer. A kept connection found closed before
 * anything was answered is reopened once: the Runtime API saw nothing of
 * the request then (what HTTP clients do with an idle keep-alive). */
static int lambda_rt_request(struct lambda_rt *rt, struct lambda_req *rq, char **cause)
{
	int64_t end_ms = rq->timeout_ms > 0 ? mt_clock_mono_ms() + rq->timeout_ms : -1;
	int r, reused, tries;

	for (tries = 0;; tries++) {
		rq->status = 0;
		rq->too_big = 0;
		mt_buf_free(rq->answer);
		if (rq->inv != NULL) {
			rq->inv->request_id[0] = rq->inv->trace_id[0] = rq->inv->function_arn[0] = '\0';
			rq->inv->deadline_ms = 0;
		}
		r = lambda_rt_connect(rt, cause);
		if (r != 0)
			return r;
		reused = !rt->fresh;
		rt->fresh = 0;
		r = lambda_rt_exchange(rt, rq, end_ms, cause);
		if (r == 0)
			return 0;
		lambda_rt_disconnect(rt);
		/* once more on a new connection when the old one was found dead: a
		 * kept one (any request), or a new one closed before any answer to a
		 * GET (nothing was delivered: the next invocation is asked again) */
		if (r != LAMBDA_RT_STALE || (!reused && rq->body != NULL) || tries > 0)
			return r == LAMBDA_RT_STALE ? MT_EIO : r;
	}
}

/* 1 when a request id is safe to put in a URL path. */
static int lambda_rt_id_ok(const char *id)
{
	size_t i;

	if (id[0] == '\0' || strlen(id) >= 127)
		return 0;
	for (i = 0; id[i]; i++) {
		char c = id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
		      c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

/* Waits for the next invocation. */
int lambda_rt_next(struct lambda_rt *rt, struct lambda_invocation *inv, char **cause)
{
	struct mt_buf body;
	struct lambda_req rq;
	int r;

	memset(inv, 0, sizeof *inv);
	memset(&rq, 0, sizeof rq);
	mt_buf_init(&body, LAMBDA_EVENT_MAX);
	rq.method = "GET";
	rq.path = "/" LAMBDA_API_VERSION "/runtime/invocation/next";
	rq.extra = "";
	rq.inv = inv;
	rq.answer = &body;
	rq.timeout_ms = 0;   /* no timeout: frozen between invocations */
	r = lambda_rt_request(rt, &rq, cause);
	if (r != 0) {
		mt_buf_free(&body);
		return MT_EIO;
	}
	if (rq.too_big) {
		mt_set_cause(cause, "runtime API next: the event is larger than %d bytes", LAMBDA_EVENT_MAX);
		mt_buf_free(&body);
		return MT_EIO;
	}
	if (rq.status != 200 || !lambda_rt_id_ok(inv->request_id)) {
		mt_set_cause(cause, "runtime API next: HTTP %ld%s", rq.status,
			     rq.status == 200 ? " without a usable Lambda-Runtime-Aws-Request-Id" : "");
		mt_buf_free(&body);
		return MT_EIO;
	}
	inv->event_len = body.len;
	inv->event = mt_buf_take(&body);
	if (inv->event == NULL) {
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	return 0;
}

/* GETs path from the client's address (another local service than the
 * Runtime API, e.g. the Parameters and Secrets extension). */
int lambda_rt_get(struct lambda_rt *rt, const char *path, const char *extra, struct mt_buf *answer, long *status,
		  int timeout_ms, char **cause)
{
	struct lambda_req rq;
	int r;

	*status = 0;
	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.path = path;
	rq.extra = extra;
	rq.answer = answer;
	rq.timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	r = lambda_rt_request(rt, &rq, cause);
	if (r != 0)
		return MT_EIO;
	if (rq.too_big) {
		mt_set_cause(cause, "GET %s: the answer is larger than %zu bytes", path, answer->max);
		return MT_EIO;
	}
	*status = rq.status;
	return 0;
}

/* POSTs body to path with extra header lines. */
static int lambda_rt_post(struct lambda_rt *rt, const char *path, const char *extra, const char *body, size_t len,
			  char **cause)
{
	struct mt_buf answer;
	struct lambda_req rq;
	int r;

	memset(&rq, 0, sizeof rq);
	mt_buf_init(&answer, LAMBDA_ANSWER_MAX);
	rq.method = "POST";
	rq.path = path;
	rq.extra = extra;
	rq.body = body;
	rq.body_len = len;
	rq.timeout_ms = LAMBDA_POST_TIMEOUT_MS;
	rq.answer = &answer;
	r = lambda_rt_request(rt, &rq, cause);
	if (r == 0 && rq.status != 202) {
		mt_set_cause(cause, "runtime API post: HTTP %ld%s%.200s", rq.status, answer.len ? ": " : "",
			     answer.len ? answer.data : "");
		r = rq.status == 413 ? MT_ETOOBIG : MT_EIO;
	} else if (r != 0) {
		r = MT_EIO;
	}
	mt_buf_free(&answer);
	return r;
}

/* Posts an invocation's response. */
int lambda_rt_respond(struct lambda_rt *rt, const char *request_id, const char *body, size_t len,
		      char **cause)
{
	char path[256];

	if (!lambda_rt_id_ok(request_id)) {
		mt_set_cause(cause, "bad request id");
		return MT_EINVAL;
	}
	snprintf(path, sizeof path, "/%s/runtime/invocation/%s/response", LAMBDA_API_VERSION, request_id);
	return lambda_rt_post(rt, path, "", body, len, cause);
}

/* Builds the Runtime API error body. */
char *lambda_error_body(const char *type, const char *message)
{
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;

	if (o != NULL && cJSON_AddStringToObject(o, "errorType", type) &&
	    cJSON_AddStringToObject(o, "errorMessage", message) && cJSON_AddArrayToObject(o, "stackTrace"))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* 1 when an error type can go in a header as it is. */
static int lambda_rt_type_ok(const char *type)
{
	size_t i;

	for (i = 0; type[i]; i++)
		if ((unsigned char)type[i] < 0x20 || type[i] == 0x7f)
			return 0;
	return i > 0 && i <= 150;
}

/* Posts an invocation error, or an init error when request_id is NULL. */
int lambda_rt_error(struct lambda_rt *rt, const char *request_id, const char *type, const char *message,
		    char **cause)
{
	char path[256], th[200];
	char *body;
	int r;

	if (request_id != NULL && !lambda_rt_id_ok(request_id)) {
		mt_set_cause(cause, "bad request id");
		return MT_EINVAL;
	}
	if (!lambda_rt_type_ok(type))
		type = "Runtime.Unknown";
	if (request_id != NULL)
		snprintf(path, sizeof path, "/%s/runtime/invocation/%s/error", LAMBDA_API_VERSION, request_id);
	else
		snprintf(path, sizeof path, "/%s/runtime/init/error", LAMBDA_API_VERSION);
	snprintf(th, sizeof th, "Lambda-Runtime-Function-Error-Type: %s\r\n", type);
	body = lambda_error_body(type, message);
	if (body == NULL) {
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	r = lambda_rt_post(rt, path, th, body, strlen(body), cause);
	free(body);
	return r;
}

/* Frees an invocation's event. */
void lambda_invocation_clear(struct lambda_invocation *inv)
{
	free(inv->event);
	memset(inv, 0, sizeof *inv);
}
