/* maitred's log: one JSON line per request (and per notable event) on
 * stderr. Never bodies, query strings or tokens. Each line goes out in one
 * write(2), so lines from several threads never interleave. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/buf.h"
#include "daemon/maitred.h"

#define LOG_LINE_MAX 4096

/* Formats now as "2026-01-02T03:04:05.678Z". */
void log_time(char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
}

/* Appends s (at most max bytes of it) as a JSON string literal. */
static void log_add_strn(struct mt_buf *b, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p, *start = (const unsigned char *)(s ? s : "");

	mt_buf_add(b, "\"", 1);
	for (p = start; *p && ((size_t)(p - start) < max || (*p & 0xC0) == 0x80); p++) {
		if (*p == '"' || *p == '\\') {
			char e[2] = { '\\', (char)*p };
			mt_buf_add(b, e, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };
			mt_buf_add(b, e, 6);
		} else {
			mt_buf_add(b, p, 1);
		}
	}
	mt_buf_add(b, "\"", 1);
}

/* Appends s as a JSON string literal, cut at 512 bytes. */
static void log_add_str(struct mt_buf *b, const char *s)
{
	log_add_strn(b, s, 512);
}

/* Writes the buffer plus a newline to stderr in one call. */
static void log_flush(struct mt_buf *b)
{
	size_t off = 0;

	if (mt_buf_add(b, "\n", 1) < 0) {
		/* over the cap: cut the line, still one valid JSON object */
		mt_buf_free(b);
		mt_buf_adds(b, "{\"level\":\"error\",\"msg\":\"log line too long\"}\n");
	}
	while (b->data && off < b->len) {
		ssize_t w = write(STDERR_FILENO, b->data + off, b->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	mt_buf_free(b);
}

/* Writes one JSON line for a request to stderr. */
void log_request(const struct log_request *r)
{
	struct mt_buf b;
	char t[40];

	log_time(t, sizeof t);
	mt_buf_init(&b, LOG_LINE_MAX);
	mt_buf_printf(&b, "{\"time\":\"%s\",\"level\":\"info\",\"msg\":\"request\",\"method\":", t);
	log_add_str(&b, r->method);
	mt_buf_adds(&b, ",\"path\":");
	log_add_str(&b, r->path);
	if (r->route) {
		mt_buf_adds(&b, ",\"route\":");
		log_add_str(&b, r->route);
	}
	mt_buf_printf(&b, ",\"status\":%d,\"duration_us\":%" PRId64 ",\"request_id\":", r->status, r->duration_us);
	log_add_str(&b, r->request_id);
	mt_buf_printf(&b, ",\"bytes_in\":%zu,\"bytes\":%zu", r->bytes_in, r->bytes_out);
	if (r->aborted)
		mt_buf_adds(&b, ",\"aborted\":true");
	mt_buf_adds(&b, "}");
	log_flush(&b);
}

/* Writes one JSON line {"time","level","msg",key:value...} to stderr. */
void log_event(const char *level, const char *msg, ...)
{
	struct mt_buf b;
	char t[40];
	const char *k;
	va_list ap;

	log_time(t, sizeof t);
	mt_buf_init(&b, LOG_LINE_MAX);
	mt_buf_printf(&b, "{\"time\":\"%s\",\"level\":", t);
	log_add_str(&b, level);
	mt_buf_adds(&b, ",\"msg\":");
	log_add_str(&b, msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		mt_buf_adds(&b, ",");
		log_add_str(&b, k);
		mt_buf_adds(&b, ":");
		log_add_str(&b, v);
	}
	va_end(ap);
	mt_buf_adds(&b, "}");
	log_flush(&b);
}
