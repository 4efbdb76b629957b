/* Width-aware text: display width of UTF-8 strings as the terminal (and
 * ncursesw, which uses the same wcwidth) will show them, truncation with
 * "…" that never cuts a wide character in half, padding to a width.
 *
 * Needs a UTF-8 LC_CTYPE (setlocale(LC_ALL, "") with LANG=C.UTF-8 or
 * similar), as ncursesw does. Decoding is our own (no locale), only the
 * width of a code point comes from wcwidth(3).
 *
 * Output of tk_text_fit / tk_text_pad is always safe to draw: invalid UTF-8
 * becomes U+FFFD "�", control characters become "?" (both width 1), and it
 * is always NUL-terminated. Widths are in terminal cells. */
#ifndef TK_TEXT_H
#define TK_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define TK_ELLIPSIS "\xe2\x80\xa6" /* "…", U+2026, width 1 */

/* How tk_text_pad places text in its cells. */
enum tk_align {
	TK_ALIGN_LEFT,   /* text, then spaces */
	TK_ALIGN_RIGHT,  /* spaces, then text */
	TK_ALIGN_CENTRE, /* spaces either side (the extra one on the right) */
};

/* Decodes one UTF-8 character from s (at most len bytes) into *cp; returns
 * the bytes used (1-4), 1 with *cp = 0xFFFD for an invalid or truncated
 * sequence (overlongs, surrogates, > U+10FFFF), 0 when len is 0. */
size_t tk_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Returns the cells one code point takes: 0 for combining marks, zero-width
 * joiners and variation selectors, 2 for wide (CJK, most emoji), 1 otherwise;
 * control characters count 1 (they are drawn as "?"). */
int tk_cp_width(uint32_t cp);

/* Returns the display width of a NUL-terminated UTF-8 string (NULL = 0). */
int tk_text_width(const char *s);

/* Returns the display width of the first len bytes of s. */
int tk_text_width_n(const char *s, size_t len);

/* Returns how many bytes of s fit in `width` cells without cutting a
 * character (zero-width marks stay with their base); *used (may be NULL)
 * gets the cells they take. */
size_t tk_text_prefix(const char *s, int width, int *used);

/* Copies s into out (outsz bytes), cut to at most `width` cells: when s is
 * wider, it ends in "…" (the ellipsis takes one cell; a wide character that
 * would straddle the edge is left out). Returns the width of out, or -1 when
 * out is too small (out then holds "" ). */
int tk_text_fit(const char *s, int width, char *out, size_t outsz);

/* As tk_text_fit, then pads with spaces to exactly `width` cells as align
 * says. Returns width, or -1 when out is too small. */
int tk_text_pad(const char *s, int width, enum tk_align align, char *out, size_t outsz);

#endif
