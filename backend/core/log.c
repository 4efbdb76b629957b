/* The one logger (core/log.h): one JSON line per request and per notable
 * event on stderr. Never bodies, query strings or tokens. Each line is built in a
 * fixed buffer on the stack (no allocation, no printf on the request path).
 *
 * Request lines: with log_start(flush_ms > 0) each thread gathers its lines
 * in a buffer of LOG_BUF bytes (whole lines only) that goes out in one
 * write(2) when the next line does not fit, when the flusher thread finds it
 * non-empty (every flush_ms), at thread exit and at log_stop(); a write of
 * at most PIPE_BUF bytes is never split on a pipe, so lines from several
 * threads never interleave. Like nginx's `access_log ... buffer= flush=`:
 * one write(2) per request to a file was 10-15% of a cached list answer's
 * CPU. What a crash loses: the lines of requests completed in the last
 * flush_ms. flush_ms = 0 (or no log_start) writes each line at once.
 * Event lines (mt_log, mt_log_fields) always go at once, after the thread's buffer. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/jsonesc.h"
#include "core/log.h"

#define LOG_LINE_MAX 4096
#define LOG_STR_MAX 512      /* longest string value logged (cut on a UTF-8 boundary) */
#define LOG_BUF PIPE_BUF     /* a thread's buffer of request lines: one atomic write */

_Static_assert(LOG_LINE_MAX <= LOG_BUF, "a line (with its newline) fits in an empty buffer");

/* One thread's buffered request lines. */
struct log_tbuf {
	pthread_mutex_t mu;      /* the owner thread and the flusher */
	char buf[LOG_BUF];       /* whole lines */
	size_t len;              /* bytes used */
	struct log_tbuf *next;   /* registry link */
};

static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static pthread_key_t log_key;              /* this thread's struct log_tbuf */
static int log_key_ok;
static pthread_mutex_t log_reg_mu = PTHREAD_MUTEX_INITIALIZER; /* guards log_reg and the flusher state */
static struct log_tbuf *log_reg;           /* every live thread buffer */
static atomic_int log_buffered;            /* 1 between log_start(> 0) and log_stop */
static pthread_t log_flusher;              /* flushes every log_flush_ms */
static int log_flusher_up;                 /* log_flusher is running */
static int log_flusher_stop;               /* asks it to end */
static pthread_cond_t log_flusher_cv = PTHREAD_COND_INITIALIZER;
static int log_flush_ms;

/* A line being built. */
struct log_line {
	char buf[LOG_LINE_MAX];  /* the bytes */
	size_t len;              /* bytes used */
	int overflow;            /* an append did not fit: the line is replaced */
};

/* Appends n bytes. */
static void log_add(struct log_line *l, const char *s, size_t n)
{
	if (l->overflow || n > sizeof l->buf - 1 - l->len) {
		l->overflow = 1;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* Appends a NUL-terminated string as is. */
static void log_adds(struct log_line *l, const char *s)
{
	log_add(l, s, strlen(s));
}

/* Appends a decimal integer. */
static void log_add_int(struct log_line *l, int64_t v)
{
	char tmp[MT_JSON_INT_MAX];

	log_add(l, tmp, mt_json_int(tmp, v));
}

/* Appends v as exactly width digits (zero-padded). */
static void log_add_digits(struct log_line *l, long v, int width)
{
	char tmp[8];
	int i;

	for (i = width - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + v % 10);
		v /= 10;
	}
	log_add(l, tmp, (size_t)width);
}

/* Appends the current time as "2026-01-02T03:04:05.678Z". */
static void log_add_time(struct log_line *l)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	log_add_digits(l, tm.tm_year + 1900, 4);
	log_add(l, "-", 1);
	log_add_digits(l, tm.tm_mon + 1, 2);
	log_add(l, "-", 1);
	log_add_digits(l, tm.tm_mday, 2);
	log_add(l, "T", 1);
	log_add_digits(l, tm.tm_hour, 2);
	log_add(l, ":", 1);
	log_add_digits(l, tm.tm_min, 2);
	log_add(l, ":", 1);
	log_add_digits(l, tm.tm_sec, 2);
	log_add(l, ".", 1);
	log_add_digits(l, ts.tv_nsec / 1000000L, 3);
	log_add(l, "Z", 1);
}

/* Formats now as "2026-01-02T03:04:05.678Z" into buf (>= 32 bytes). */
void mt_log_time(char *buf, size_t n)
{
	struct log_line l;

	l.len = 0;
	l.overflow = 0;
	log_add_time(&l);
	snprintf(buf, n, "%.*s", (int)l.len, l.buf);
}

/* Appends s as a JSON string literal, cut at LOG_STR_MAX bytes (never
 * inside a UTF-8 sequence: continuation bytes after the cut are kept). */
static void log_add_str(struct log_line *l, const char *s)
{
	char esc[MT_JSONESC_MAX(LOG_STR_MAX)];
	size_t n = 0, done = 0;

	if (s == NULL)
		s = "";
	while (s[n] != '\0' && (n < LOG_STR_MAX || ((unsigned char)s[n] & 0xC0) == 0x80))
		n++;
	log_add(l, "\"", 1);
	/* in pieces of at most LOG_STR_MAX bytes (a run of continuation bytes may be longer) */
	while (done < n) {
		size_t k = n - done < LOG_STR_MAX ? n - done : LOG_STR_MAX;

		log_add(l, esc, mt_jsonesc(esc, s + done, k, MT_JSONESC_DEL));
		done += k;
	}
	log_add(l, "\"", 1);
}

/* Writes n bytes to stderr (retrying short writes and EINTR). */
static void log_write(const char *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t w = write(STDERR_FILENO, p + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

/* Ends the line: the replacement when it overflowed, then the newline. */
static void log_end(struct log_line *l)
{
	static const char too_long[] = "{\"level\":\"error\",\"msg\":\"log line too long\"}";

	if (l->overflow) {
		/* still one valid JSON object */
		memcpy(l->buf, too_long, sizeof too_long - 1);
		l->len = sizeof too_long - 1;
	}
	l->buf[l->len++] = '\n';
}

/* Writes out a thread buffer's lines (caller holds b->mu). */
static void log_tbuf_drain(struct log_tbuf *b)
{
	if (b->len > 0)
		log_write(b->buf, b->len);
	b->len = 0;
}

/* Thread exit: write out and forget the thread's buffer. */
static void log_tbuf_free(void *p)
{
	struct log_tbuf *b = p, **pp;

	pthread_mutex_lock(&log_reg_mu);
	for (pp = &log_reg; *pp != NULL; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	pthread_mutex_unlock(&log_reg_mu);
	pthread_mutex_lock(&b->mu);
	log_tbuf_drain(b);
	pthread_mutex_unlock(&b->mu);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* Makes the key of the threads' buffers (once). */
static void log_key_init(void)
{
	log_key_ok = pthread_key_create(&log_key, log_tbuf_free) == 0;
}

/* This thread's buffer (made on first use); NULL when out of memory. */
static struct log_tbuf *log_tbuf_self(void)
{
	struct log_tbuf *b;

	pthread_once(&log_once, log_key_init);
	if (!log_key_ok)
		return NULL;
	b = pthread_getspecific(log_key);
	if (b != NULL)
		return b;
	b = calloc(1, sizeof *b);
	if (b == NULL)
		return NULL;
	pthread_mutex_init(&b->mu, NULL);
	if (pthread_setspecific(log_key, b) != 0) {
		pthread_mutex_destroy(&b->mu);
		free(b);
		return NULL;
	}
	pthread_mutex_lock(&log_reg_mu);
	b->next = log_reg;
	log_reg = b;
	pthread_mutex_unlock(&log_reg_mu);
	return b;
}

/* Writes out every thread's buffered lines. */
static void log_drain_all(void)
{
	struct log_tbuf *b;

	pthread_mutex_lock(&log_reg_mu);
	for (b = log_reg; b != NULL; b = b->next) {
		pthread_mutex_lock(&b->mu);
		log_tbuf_drain(b);
		pthread_mutex_unlock(&b->mu);
	}
	pthread_mutex_unlock(&log_reg_mu);
}

/* Writes out the calling thread's buffered lines (if it has any). */
static void log_drain_self(void)
{
	struct log_tbuf *b;

	if (!log_key_ok || (b = pthread_getspecific(log_key)) == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	log_tbuf_drain(b);
	pthread_mutex_unlock(&b->mu);
}

/* The flusher: every log_flush_ms, writes out what the threads gathered. */
static void *log_flusher_main(void *arg)
{
	struct timespec at;

	(void)arg;
	pthread_mutex_lock(&log_reg_mu);
	while (!log_flusher_stop) {
		clock_gettime(CLOCK_REALTIME, &at);
		at.tv_nsec += (long)log_flush_ms * 1000000L;
		at.tv_sec += at.tv_nsec / 1000000000L;
		at.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&log_flusher_cv, &log_reg_mu, &at);
		pthread_mutex_unlock(&log_reg_mu);
		log_drain_all();
		pthread_mutex_lock(&log_reg_mu);
	}
	pthread_mutex_unlock(&log_reg_mu);
	return NULL;
}

/* Starts buffering request lines (flush_ms > 0) and the flusher thread. */
int mt_log_start(int flush_ms)
{
	if (flush_ms <= 0)
		return 0;
	pthread_mutex_lock(&log_reg_mu);
	if (!log_flusher_up) {
		log_flush_ms = flush_ms;
		log_flusher_stop = 0;
		if (pthread_create(&log_flusher, NULL, log_flusher_main, NULL) != 0) {
			pthread_mutex_unlock(&log_reg_mu);
			return -1;
		}
		log_flusher_up = 1;
	}
	pthread_mutex_unlock(&log_reg_mu);
	atomic_store(&log_buffered, 1);
	return 0;
}

/* Stops the flusher and writes out every buffered line. */
void mt_log_stop(void)
{
	int up;

	atomic_store(&log_buffered, 0);
	pthread_mutex_lock(&log_reg_mu);
	up = log_flusher_up;
	log_flusher_stop = 1;
	pthread_cond_signal(&log_flusher_cv);
	pthread_mutex_unlock(&log_reg_mu);
	if (up)
		pthread_join(log_flusher, NULL);
	log_flusher_up = 0;
	log_drain_all();
}

/* Writes a finished request line: into the thread's buffer when buffering, else at once. */
static void log_put_request(struct log_line *l)
{
	struct log_tbuf *b;

	log_end(l);
	if (!atomic_load_explicit(&log_buffered, memory_order_relaxed) || (b = log_tbuf_self()) == NULL) {
		log_write(l->buf, l->len);
		return;
	}
	pthread_mutex_lock(&b->mu);
	if (b->len + l->len > sizeof b->buf)
		log_tbuf_drain(b);
	memcpy(b->buf + b->len, l->buf, l->len);
	b->len += l->len;
	pthread_mutex_unlock(&b->mu);
}

/* Writes one JSON line for a request to stderr. */
void mt_log_request(const struct mt_log_request *r)
{
	struct log_line l;

	l.len = 0;
	l.overflow = 0;
	log_adds(&l, "{\"time\":\"");
	log_add_time(&l);
	log_adds(&l, "\",\"level\":\"info\",\"msg\":\"request\",\"method\":");
	log_add_str(&l, r->method);
	log_adds(&l, ",\"path\":");
	log_add_str(&l, r->path);
	if (r->route) {
		log_adds(&l, ",\"route\":");
		log_add_str(&l, r->route);
	}
	log_adds(&l, ",\"status\":");
	log_add_int(&l, r->status);
	log_adds(&l, ",\"duration_us\":");
	log_add_int(&l, r->duration_us);
	log_adds(&l, ",\"request_id\":");
	log_add_str(&l, r->request_id);
	log_adds(&l, ",\"bytes_in\":");
	log_add_int(&l, (int64_t)r->bytes_in);
	log_adds(&l, ",\"bytes\":");
	log_add_int(&l, (int64_t)r->bytes_out);
	if (r->aborted)
		log_adds(&l, ",\"aborted\":true");
	log_adds(&l, "}");
	log_put_request(&l);
}

/* Starts an event line: {"time":..,"level":..,"msg":.. */
static void log_event_begin(struct log_line *l, const char *level, const char *msg)
{
	l->len = 0;
	l->overflow = 0;
	log_adds(l, "{\"time\":\"");
	log_add_time(l);
	log_adds(l, "\",\"level\":");
	log_add_str(l, level);
	log_adds(l, ",\"msg\":");
	log_add_str(l, msg);
}

/* Ends an event line and writes it, after this thread's buffered request lines. */
static void log_event_end(struct log_line *l)
{
	log_adds(l, "}");
	log_end(l);
	log_drain_self();   /* this thread's request lines come first */
	log_write(l->buf, l->len);
}

/* Writes one JSON line {"time","level","msg",key:value...} to stderr. */
void mt_log(const char *level, const char *msg, ...)
{
	struct log_line l;
	const char *k;
	va_list ap;

	log_event_begin(&l, level, msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		log_adds(&l, ",");
		log_add_str(&l, k);
		log_adds(&l, ":");
		log_add_str(&l, v);
	}
	va_end(ap);
	log_event_end(&l);
}

/* Writes one JSON line with the fields of f[0..n) that have a value. */
void mt_log_fields(const char *level, const char *msg, const struct mt_log_field *f, size_t n)
{
	struct log_line l;
	size_t i;

	log_event_begin(&l, level, msg);
	for (i = 0; i < n; i++) {
		if (f[i].str == NULL && !f[i].is_num)
			continue;
		log_adds(&l, ",");
		log_add_str(&l, f[i].key);
		log_adds(&l, ":");
		if (f[i].str != NULL)
			log_add_str(&l, f[i].str);
		else
			log_add_int(&l, f[i].num);
	}
	log_event_end(&l);
}
