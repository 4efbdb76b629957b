/* maitred's log: one JSON line per request (and per notable event) on
 * stderr. Never bodies, query strings or tokens. Each line is built in a
 * fixed buffer on the stack (no allocation, no printf on the request path)
 * and goes out in one write(2), so lines from several threads never
 * interleave. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/jsonesc.h"
#include "daemon/maitred.h"

#define LOG_LINE_MAX 4096
#define LOG_STR_MAX 512      /* longest string value logged (cut on a UTF-8 boundary) */

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
void log_time(char *buf, size_t n)
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

/* Writes the line plus a newline to stderr in one call. */
static void log_flush(struct log_line *l)
{
	static const char too_long[] = "{\"level\":\"error\",\"msg\":\"log line too long\"}";
	size_t off = 0;

	if (l->overflow) {
		/* still one valid JSON object */
		memcpy(l->buf, too_long, sizeof too_long - 1);
		l->len = sizeof too_long - 1;
	}
	l->buf[l->len++] = '\n';
	while (off < l->len) {
		ssize_t w = write(STDERR_FILENO, l->buf + off, l->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

/* Writes one JSON line for a request to stderr. */
void log_request(const struct log_request *r)
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
	log_flush(&l);
}

/* Writes one JSON line {"time","level","msg",key:value...} to stderr. */
void log_event(const char *level, const char *msg, ...)
{
	struct log_line l;
	const char *k;
	va_list ap;

	l.len = 0;
	l.overflow = 0;
	log_adds(&l, "{\"time\":\"");
	log_add_time(&l);
	log_adds(&l, "\",\"level\":");
	log_add_str(&l, level);
	log_adds(&l, ",\"msg\":");
	log_add_str(&l, msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		log_adds(&l, ",");
		log_add_str(&l, k);
		log_adds(&l, ":");
		log_add_str(&l, v);
	}
	va_end(ap);
	log_adds(&l, "}");
	log_flush(&l);
}
