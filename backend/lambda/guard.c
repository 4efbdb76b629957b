/* Crashes and deadlines: a handler that dies on a fatal signal, or that is
 * still running LAMBDA_DEADLINE_MARGIN_MS before its deadline, must show up
 * as an error of that invocation, never as a hung one. Both cases end in a
 * signal handler (SIGALRM from a timer for the deadline) that posts
 * .../invocation/{id}/error on a fresh socket with only async-signal-safe
 * calls (socket, connect, write, read, close), writes the invocation's log
 * line, then ends the process: Lambda starts a new one for the next
 * invocation, as it does after its own timeout. The address is resolved
 * and the request id copied in advance; nothing in here allocates.
 *
 * The state is file-level because a signal handler can reach nothing else;
 * it belongs to the one bootstrap process and is set only by
 * lambda_guard_init/arm/disarm. */
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "core/error.h"
#include "lambda/lambda.h"

#define GUARD_STACK (64 * 1024)   /* alternate signal stack: a stack overflow still reports */
#define GUARD_REQ_MAX 4096        /* one emergency request or log line */

/* What the signal handler needs, prepared in advance. */
struct guard_state {
	struct sockaddr_storage addr;       /* the Runtime API */
	socklen_t addr_len;                 /* its length, 0 = not resolved */
	char host[256];                     /* "host:port" for the Host header */
	char request_id[128];               /* the invocation running, "" = none */
	char handler[64];                   /* its handler's name */
	volatile sig_atomic_t armed;        /* 1 while a handler runs */
	volatile sig_atomic_t firing;       /* 1 once a report started: a second signal just exits */
	char buf[GUARD_REQ_MAX];            /* the request being built */
	char body[GUARD_REQ_MAX / 2];       /* its body */
	_Alignas(16) char stack[GUARD_STACK]; /* the alternate signal stack (lives as long as the process; aligned, as ASan checks on _exit) */
};

static struct guard_state guard;

/* A bounded string being appended to, without libc formatting. */
struct guard_out {
	char *p;      /* buffer */
	size_t len;   /* bytes used */
	size_t cap;   /* size of p */
};

/* Appends s (cut at the end of the buffer). */
static void guard_puts(struct guard_out *o, const char *s)
{
	while (*s && o->len + 1 < o->cap)
		o->p[o->len++] = *s++;
	o->p[o->len] = '\0';
}

/* Appends a non-negative number in decimal. */
static void guard_putn(struct guard_out *o, unsigned long v)
{
	char d[24];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < (int)sizeof d);
	while (n > 0 && o->len + 1 < o->cap)
		o->p[o->len++] = d[--n];
	o->p[o->len] = '\0';
}

/* Name of a fatal signal. */
static const char *guard_signame(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	case SIGABRT: return "SIGABRT";
	default: return "signal";
	}
}

/* Writes all of buf to fd; gives up on an error. */
static void guard_write(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

/* Posts the prepared error of the running invocation; async-signal-safe. */
static void guard_post(const char *type, int sig)
{
	struct guard_out b = { guard.body, 0, sizeof guard.body };
	struct guard_out r = { guard.buf, 0, sizeof guard.buf };
	struct timeval tv = { 2, 0 };
	char answer[256];
	int fd;

	guard_puts(&b, "{\"errorType\":\"");
	guard_puts(&b, type);
	guard_puts(&b, "\",\"errorMessage\":\"handler '");
	guard_puts(&b, guard.handler);
	if (sig == SIGALRM) {
		guard_puts(&b, "' was still running ");
		guard_putn(&b, LAMBDA_DEADLINE_MARGIN_MS);
		guard_puts(&b, " ms before the deadline: stopped");
	} else {
		guard_puts(&b, "' crashed: ");
		guard_puts(&b, guard_signame(sig));
		guard_puts(&b, " (signal ");
		guard_putn(&b, (unsigned long)sig);
		guard_puts(&b, ")");
	}
	guard_puts(&b, "\",\"stackTrace\":[]}");

	guard_puts(&r, "POST /" LAMBDA_API_VERSION "/runtime/invocation/");
	guard_puts(&r, guard.request_id);
	guard_puts(&r, "/error HTTP/1.1\r\nHost: ");
	guard_puts(&r, guard.host);
	guard_puts(&r, "\r\nContent-Type: application/json\r\nLambda-Runtime-Function-Error-Type: ");
	guard_puts(&r, type);
	guard_puts(&r, "\r\nConnection: close\r\nContent-Length: ");
	guard_putn(&r, (unsigned long)b.len);
	guard_puts(&r, "\r\n\r\n");
	guard_puts(&r, guard.body);

	if (guard.addr_len == 0)
		return;
	fd = socket(guard.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (const struct sockaddr *)&guard.addr, guard.addr_len) == 0) {
		guard_write(fd, r.p, r.len);
		(void)read(fd, answer, sizeof answer);   /* until the Runtime API took it */
	}
	close(fd);
}

/* Writes the invocation's log line to stdout; async-signal-safe. */
static void guard_log(const char *type, int sig)
{
	struct guard_out l = { guard.buf, 0, sizeof guard.buf };

	guard_puts(&l, "{\"level\":\"error\",\"msg\":\"invocation\",\"requestId\":\"");
	guard_puts(&l, guard.request_id);
	guard_puts(&l, "\",\"handler\":\"");
	guard_puts(&l, guard.handler);
	guard_puts(&l, "\",\"outcome\":\"error\",\"errorType\":\"");
	guard_puts(&l, type);
	guard_puts(&l, "\",\"signal\":");
	guard_putn(&l, (unsigned long)sig);
	guard_puts(&l, "}\n");
	guard_write(STDOUT_FILENO, l.p, l.len);
}

/* The signal handler: report, then end the process. */
static void guard_on_signal(int sig)
{
	const char *type = sig == SIGALRM ? "Runtime.Timeout" : "Runtime.Crash";

	if (guard.firing)
		_exit(128 + sig);
	guard.firing = 1;
	if (guard.armed && guard.request_id[0] != '\0') {
		guard_post(type, sig);
		guard_log(type, sig);
	}
	if (sig == SIGALRM)
		_exit(1);
	/* Fatal signal: die of it, so the exit status says what happened. */
	{
		sigset_t one;

		sigemptyset(&one);
		sigaddset(&one, sig);
		signal(sig, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		raise(sig);
	}
	_exit(128 + sig);
}

/* Resolves the Runtime API and installs the handlers. */
int lambda_guard_init(const char *api, char **cause)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM };
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *colon;
	struct sigaction sa;
	stack_t ss;
	size_t i, hl;
	int r;

	colon = strrchr(api, ':');
	hl = colon ? (size_t)(colon - api) : 0;
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
	if (r != 0 || res == NULL || res->ai_addrlen > sizeof guard.addr) {
		mt_set_cause(cause, "cannot resolve the Runtime API %s: %s", api, r ? gai_strerror(r) : "no address");
		if (res)
			freeaddrinfo(res);
		return MT_EIO;
	}
	memcpy(&guard.addr, res->ai_addr, res->ai_addrlen);
	guard.addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(guard.host, sizeof guard.host, "%s", api);

	ss.ss_sp = guard.stack;
	ss.ss_size = sizeof guard.stack;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) != 0) {
		mt_set_cause(cause, "cannot set up the signal stack");
		return MT_EIO;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = guard_on_signal;
	sa.sa_flags = SA_ONSTACK;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		if (sigaction(sigs[i], &sa, NULL) != 0) {
			mt_set_cause(cause, "cannot install the handler of signal %d", sigs[i]);
			return MT_EIO;
		}
	}
	return 0;
}

/* Arms the guard for one invocation. */
int lambda_guard_arm(const char *request_id, const char *handler, int64_t deadline_ms, int64_t now_ms)
{
	struct itimerval it;
	int64_t left;

	guard.armed = 0;
	snprintf(guard.request_id, sizeof guard.request_id, "%s", request_id);
	snprintf(guard.handler, sizeof guard.handler, "%s", handler);
	memset(&it, 0, sizeof it);
	if (deadline_ms > 0) {
		left = deadline_ms - now_ms - LAMBDA_DEADLINE_MARGIN_MS;
		if (left <= 0)
			return MT_EBUSY;
		it.it_value.tv_sec = (time_t)(left / 1000);
		it.it_value.tv_usec = (suseconds_t)((left % 1000) * 1000);
	}
	guard.armed = 1;
	setitimer(ITIMER_REAL, &it, NULL);
	return 0;
}

/* Disarms the guard. */
void lambda_guard_disarm(void)
{
	struct itimerval it;

	guard.armed = 0;
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	guard.request_id[0] = '\0';
}
