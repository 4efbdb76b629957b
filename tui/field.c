/* A one-line UTF-8 text field. */
#include "field.h"

#include <string.h>

#include "kit/text.h"

/* Decodes one UTF-8 sequence at s (n bytes available) into *cp; returns its length (1 for an invalid byte). */
static size_t utf8_decode(const char *s, size_t n, unsigned long *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;
	unsigned long c;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	} else if ((u[0] & 0xE0) == 0xC0) {
		len = 2;
		c = u[0] & 0x1F;
	} else if ((u[0] & 0xF0) == 0xE0) {
		len = 3;
		c = u[0] & 0x0F;
	} else if ((u[0] & 0xF8) == 0xF0) {
		len = 4;
		c = u[0] & 0x07;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	if (len > n) {
		*cp = 0xFFFD;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		c = (c << 6) | (u[i] & 0x3F);
	}
	*cp = c;
	return len;
}

/* Encodes cp as UTF-8 into out (4 bytes); returns the length, 0 if not encodable. */
static size_t utf8_encode(unsigned long cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp < 0x110000) {
		out[0] = (char)(0xF0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (char)(0x80 | (cp & 0x3F));
		return 4;
	}
	return 0;
}

/* Display width of a UTF-8 string (the kit's widths, as the board draws them). */
int field_text_width(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	return tk_text_width_n(s, len);
}

/* Empties f and sets its limits. */
void field_init(struct field *f, size_t max_bytes, int digits_only, int secret)
{
	memset(f, 0, sizeof *f);
	f->max_bytes = (max_bytes == 0 || max_bytes >= sizeof f->text) ? sizeof f->text - 1 : max_bytes;
	f->digits_only = digits_only;
	f->secret = secret;
}

/* Replaces the contents, cursor at the end. */
void field_set(struct field *f, const char *text)
{
	size_t n = text ? strlen(text) : 0;
	if (n > f->max_bytes) {
		n = f->max_bytes;
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		memcpy(f->text, text, n);
	f->text[n] = '\0';
	f->len = f->cursor = n;
}

/* Byte offset of the character boundary before pos. */
static size_t prev_boundary(const struct field *f, size_t pos)
{
	if (pos == 0)
		return 0;
	pos--;
	while (pos > 0 && ((unsigned char)f->text[pos] & 0xC0) == 0x80)
		pos--;
	return pos;
}

/* Byte offset of the character boundary after pos. */
static size_t next_boundary(const struct field *f, size_t pos)
{
	if (pos >= f->len)
		return f->len;
	unsigned long cp;
	return pos + utf8_decode(f->text + pos, f->len - pos, &cp);
}

/* Removes bytes [from, to). */
static void cut(struct field *f, size_t from, size_t to)
{
	memmove(f->text + from, f->text + to, f->len - to + 1);
	f->len -= to - from;
	f->cursor = from;
}

/* Applies one key. */
int field_key(struct field *f, long key)
{
	size_t p;
	if (f->replace) {
		f->replace = 0;
		if (key >= 32) {
			f->text[0] = '\0';
			f->len = f->cursor = 0;
		}
	}
	switch (key) {
	case FK_LEFT:
		p = prev_boundary(f, f->cursor);
		break;
	case FK_RIGHT:
		p = next_boundary(f, f->cursor);
		break;
	case FK_HOME:
		p = 0;
		break;
	case FK_END:
		p = f->len;
		break;
	case FK_BACKSPACE:
		if (f->cursor == 0)
			return 0;
		cut(f, prev_boundary(f, f->cursor), f->cursor);
		return 1;
	case FK_DELETE:
		if (f->cursor >= f->len)
			return 0;
		cut(f, f->cursor, next_boundary(f, f->cursor));
		return 1;
	case FK_KILL:
		if (f->len == 0)
			return 0;
		f->text[0] = '\0';
		f->len = f->cursor = 0;
		return 1;
	case FK_WORD_BACK: {
		size_t end = f->cursor, q = f->cursor;
		while (q > 0 && f->text[q - 1] == ' ')
			q--;
		while (q > 0 && f->text[q - 1] != ' ')
			q--;
		if (q == end)
			return 0;
		cut(f, q, end);
		return 1;
	}
	default: {
		if (key < 32 || key == 127 || (key >= 0x80 && key < 0xA0))
			return 0;
		if (f->digits_only && (key < '0' || key > '9'))
			return 0;
		char enc[4];
		size_t n = utf8_encode((unsigned long)key, enc);
		if (n == 0 || f->len + n > f->max_bytes)
			return 0;
		memmove(f->text + f->cursor + n, f->text + f->cursor, f->len - f->cursor + 1);
		memcpy(f->text + f->cursor, enc, n);
		f->len += n;
		f->cursor += n;
		return 1;
	}
	}
	if (p == f->cursor)
		return 0;
	f->cursor = p;
	return 1;
}

/* Display width of the text before the cursor. */
int field_cursor_col(const struct field *f)
{
	if (f->secret) {
		int n = 0;
		for (size_t i = 0; i < f->cursor; i++)
			n += (((unsigned char)f->text[i] & 0xC0) != 0x80);
		return n;
	}
	return field_text_width(f->text, f->cursor);
}
