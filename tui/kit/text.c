/* Width-aware UTF-8 text: decode, display width, fit with "…", pad. */
#include <string.h>
#include <wchar.h>

#include "text.h"

/* Decodes one UTF-8 character; U+FFFD for a bad byte. */
size_t tk_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c, min;
	size_t n, i;

	if (len == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2; c &= 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; c &= 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; c &= 0x07; min = 0x10000;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (len < n) {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = c;
	return n;
}

/* Returns 1 for C0/C1 control characters and DEL. */
static int is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

/* Returns the cells one code point takes. */
int tk_cp_width(uint32_t cp)
{
	int w;

	if (cp >= 0x20 && cp < 0x7f)
		return 1; /* printable ASCII: most of every board, skip wcwidth */
	if (is_control(cp))
		return 1;
	/* Zero-width joiner/non-joiner and variation selectors: wcwidth gives 0
	 * for most of them already; be explicit so every libc agrees. */
	if (cp == 0x200b || cp == 0x200c || cp == 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f) ||
			(cp >= 0xe0100 && cp <= 0xe01ef))
		return 0;
	w = wcwidth((wchar_t)cp);
	if (w < 0)
		return 1; /* unassigned or not printable in this locale: drawn as one cell */
	return w > 2 ? 2 : w;
}

/* Returns the display width of len bytes of s. */
int tk_text_width_n(const char *s, size_t len)
{
	size_t i = 0;
	int w = 0;

	if (s == NULL)
		return 0;
	while (i < len) {
		uint32_t cp;
		size_t k = tk_utf8_decode(s + i, len - i, &cp);

		w += tk_cp_width(cp);
		i += k;
	}
	return w;
}

/* Returns the display width of a string. */
int tk_text_width(const char *s)
{
	return s ? tk_text_width_n(s, strlen(s)) : 0;
}

/* Returns how many bytes of s fit in `width` cells. */
size_t tk_text_prefix(const char *s, int width, int *used)
{
	size_t len, i = 0;
	int w = 0;

	if (s == NULL || width < 0) {
		if (used)
			*used = 0;
		return 0;
	}
	len = strlen(s);
	while (i < len) {
		uint32_t cp;
		size_t k = tk_utf8_decode(s + i, len - i, &cp);
		int cw = tk_cp_width(cp);

		if (w + cw > width)
			break;
		w += cw;
		i += k;
	}
	if (used)
		*used = w;
	return i;
}

/* Appends the first len bytes of s to out at *pos, made safe to draw
 * (invalid -> U+FFFD, controls -> '?'); returns -1 when out is too small. */
static int copy_safe(const char *s, size_t len, char *out, size_t outsz, size_t *pos)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t k = tk_utf8_decode(s + i, len - i, &cp);
		const char *src = s + i;
		size_t n = k;

		if (cp == 0xfffd && !(k == 3 && memcmp(src, "\xef\xbf\xbd", 3) == 0)) {
			src = "\xef\xbf\xbd";
			n = 3;
		} else if (is_control(cp)) {
			src = "?";
			n = 1;
		}
		if (*pos + n >= outsz)
			return -1;
		memcpy(out + *pos, src, n);
		*pos += n;
		i += k;
	}
	out[*pos] = '\0';
	return 0;
}

/* Appends n spaces at *pos; returns -1 when out is too small. */
static int add_spaces(int n, char *out, size_t outsz, size_t *pos)
{
	if (n <= 0)
		return 0;
	if (*pos + (size_t)n >= outsz)
		return -1;
	memset(out + *pos, ' ', (size_t)n);
	*pos += (size_t)n;
	out[*pos] = '\0';
	return 0;
}

/* tk_text_fit writing at *pos; returns the width or -1. */
static int fit_at(const char *s, int width, char *out, size_t outsz, size_t *pos)
{
	int used = 0, whole;
	size_t n;

	if (s == NULL)
		s = "";
	if (width < 0)
		width = 0;
	whole = tk_text_width(s);
	if (whole <= width) {
		if (copy_safe(s, strlen(s), out, outsz, pos) != 0)
			return -1;
		return whole;
	}
	if (width == 0)
		return 0;
	n = tk_text_prefix(s, width - 1, &used);
	if (copy_safe(s, n, out, outsz, pos) != 0)
		return -1;
	if (*pos + sizeof TK_ELLIPSIS > outsz)
		return -1;
	memcpy(out + *pos, TK_ELLIPSIS, sizeof TK_ELLIPSIS); /* with its NUL */
	*pos += sizeof TK_ELLIPSIS - 1;
	return used + 1;
}

/* Copies s cut to `width` cells, ending in "…" when cut. */
int tk_text_fit(const char *s, int width, char *out, size_t outsz)
{
	size_t pos = 0;
	int w;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	w = fit_at(s, width, out, outsz, &pos);
	if (w < 0)
		out[0] = '\0';
	return w;
}

/* Returns the width tk_text_fit would give s in `width` cells. */
static int fit_width(const char *s, int width)
{
	int w = tk_text_width(s), used = 0;

	if (w <= width)
		return w;
	if (width <= 0)
		return 0;
	tk_text_prefix(s, width - 1, &used);
	return used + 1;
}

/* Fits s, then pads it to exactly `width` cells. */
int tk_text_pad(const char *s, int width, enum tk_align align, char *out, size_t outsz)
{
	size_t pos = 0;
	int w, left;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if (width < 0)
		width = 0;
	if (align == TK_ALIGN_LEFT) {
		/* no width needed up front: fit, then pad what is left */
		w = fit_at(s, width, out, outsz, &pos);
		if (w < 0 || add_spaces(width - w, out, outsz, &pos) != 0) {
			out[0] = '\0';
			return -1;
		}
		return width;
	}
	w = fit_width(s ? s : "", width);
	left = align == TK_ALIGN_RIGHT ? width - w : (width - w) / 2;
	if (add_spaces(left, out, outsz, &pos) != 0 || fit_at(s, width, out, outsz, &pos) < 0 ||
			add_spaces(width - w - left, out, outsz, &pos) != 0) {
		out[0] = '\0';
		return -1;
	}
	return width;
}
