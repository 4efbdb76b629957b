/* A growable byte buffer with a hard size cap (after curl's dynbuf).
 * Always NUL-terminated when non-empty; mt_buf_take hands the memory on. */
#ifndef MT_BUF_H
#define MT_BUF_H

#include <stddef.h>

struct mt_buf {
	char *data;   /* bytes, NUL-terminated; NULL until first append */
	size_t len;   /* bytes used, without the NUL */
	size_t cap;   /* bytes allocated */
	size_t max;   /* hard cap on len; appends past it fail with MT_ETOOBIG */
};

/* Sets up an empty buffer that may grow to max bytes. */
void mt_buf_init(struct mt_buf *b, size_t max);
/* Appends n bytes; 0, MT_ENOMEM or MT_ETOOBIG (buffer unchanged on error). */
int mt_buf_add(struct mt_buf *b, const void *p, size_t n);
/* Makes room for n more bytes plus the NUL without appending (for writers
 * that fill b->data + b->len .. b->data + b->cap - 1 themselves, then set
 * len and the NUL): 0, MT_ENOMEM, or MT_ETOOBIG when len + n is over max. */
int mt_buf_reserve(struct mt_buf *b, size_t n);
/* Appends a NUL-terminated string. */
int mt_buf_adds(struct mt_buf *b, const char *s);
/* Appends printf-style formatted text. */
int mt_buf_printf(struct mt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the contents (caller frees, never NULL on success: "" for empty) and resets b. */
char *mt_buf_take(struct mt_buf *b);
/* Frees the contents and resets b. */
void mt_buf_free(struct mt_buf *b);

#endif
