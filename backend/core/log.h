/* The one logger: JSON lines on stderr, every string value escaped (quotes,
 * control characters, invalid UTF-8), cut at 512 bytes. Never log bodies,
 * query strings, tokens, passwords or phone numbers.
 *
 * Event lines (mt_log, mt_log_fields) are written at once. Request lines
 * (mt_log_request) have a buffered fast path: after mt_log_start(flush_ms)
 * each thread gathers them and a flusher writes them out (core/log.c). */
#ifndef MT_LOG_H
#define MT_LOG_H

#include <stddef.h>
#include <stdint.h>

/* One request for the log. */
struct mt_log_request {
	const char *method;      /* HTTP method */
	const char *path;        /* path without query string (never tokens) */
	int status;              /* HTTP status sent */
	int64_t duration_us;     /* from first byte of the request line to completion */
	const char *request_id;  /* our id, also sent as x-request-id */
	size_t bytes_in;         /* request body bytes read */
	size_t bytes_out;        /* response body bytes */
	const char *route;       /* routeKey or NULL */
	int aborted;             /* 1 when the connection ended before the response was sent */
};

/* One extra field of an event line. */
struct mt_log_field {
	const char *key;         /* member name */
	const char *str;         /* string value; NULL: the integer below, or nothing */
	int64_t num;             /* integer value, used when str is NULL and is_num */
	int is_num;              /* 1: write num; 0 with str NULL: leave the member out */
};

/* Writes one JSON line for a request to stderr (buffered per thread after mt_log_start). */
void mt_log_request(const struct mt_log_request *r);
/* Buffers request lines per thread, written at least every flush_ms by a
 * flusher thread (0 = write each line at once, no thread). 0 or -1. */
int mt_log_start(int flush_ms);
/* Stops the flusher and writes out every buffered line. */
void mt_log_stop(void);
/* Writes one JSON line {"time","level","msg"[,key:value...]} to stderr;
 * the varargs are pairs of const char * key, value, ended by NULL (a NULL
 * value writes ""). */
void mt_log(const char *level, const char *msg, ...) __attribute__((sentinel));
/* Writes one JSON line {"time","level","msg",...} with the fields of
 * f[0..n) that have a value, in order. */
void mt_log_fields(const char *level, const char *msg, const struct mt_log_field *f, size_t n);
/* Formats now as "2026-01-02T03:04:05.678Z" into buf (>= 32 bytes). */
void mt_log_time(char *buf, size_t n);

#endif
