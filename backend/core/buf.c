#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/error.h"

/* Sets up an empty buffer that may grow to max bytes. */
void mt_buf_init(struct mt_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

/* Makes room for n more bytes plus the NUL. */
static int buf_grow(struct mt_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > b->max || b->len > b->max - n)
		return MT_ETOOBIG;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		return MT_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

/* Makes room for n more bytes plus the NUL without appending anything. */
int mt_buf_reserve(struct mt_buf *b, size_t n)
{
	return buf_grow(b, n);
}

/* Appends n bytes; 0, MT_ENOMEM or MT_ETOOBIG (buffer unchanged on error). */
int mt_buf_add(struct mt_buf *b, const void *p, size_t n)
{
	int r = buf_grow(b, n);

	if (r < 0)
		return r;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Appends a NUL-terminated string. */
int mt_buf_adds(struct mt_buf *b, const char *s)
{
	return mt_buf_add(b, s, strlen(s));
}

/* Appends printf-style formatted text. */
int mt_buf_printf(struct mt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MT_EINVAL;
	r = buf_grow(b, (size_t)n);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* Returns the contents (caller frees, "" for empty) and resets b. */
char *mt_buf_take(struct mt_buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

/* Frees the contents and resets b. */
void mt_buf_free(struct mt_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
