/* A growable byte buffer with a hard size cap (after curl's dynbuf). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Sets up an empty buffer that may grow to max bytes. */
void mtc_buf_init(struct mtc_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

/* Makes room for n more bytes and a NUL: 0, or -1 (no memory / over the cap). */
static int buf_grow(struct mtc_buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (p == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

/* Appends n bytes: 0, or -1 with the buffer unchanged. */
int mtc_buf_add(struct mtc_buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) != 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Appends a NUL-terminated string. */
int mtc_buf_adds(struct mtc_buf *b, const char *s)
{
	return mtc_buf_add(b, s, strlen(s));
}

/* Appends printf-style formatted text. */
int mtc_buf_printf(struct mtc_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n) != 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* Returns the contents (caller frees; "" when empty) and resets b; NULL on no memory. */
char *mtc_buf_take(struct mtc_buf *b)
{
	char *p = b->data;
	if (p == NULL)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

/* Frees the contents and resets b. */
void mtc_buf_free(struct mtc_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
