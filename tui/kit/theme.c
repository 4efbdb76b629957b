/* Themes: slot names, the built-in dark and monochrome themes, the theme
 * file parser, the search path and theme switching. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "palette.h"
#include "text.h"
#include "theme.h"

#ifndef TK_THEME_DATADIR
#define TK_THEME_DATADIR "/usr/local/share/maitre/themes"
#endif
#ifndef TK_THEME_SRCDIR
#define TK_THEME_SRCDIR ""
#endif

#define LINE_MAX_BYTES 512      /* longest theme line */
#define FILE_MAX_BYTES 65536    /* largest theme file */
#define MARKER_MAX_CELLS 2      /* widest marker */

/* Slot names as written in theme files, in enum tk_slot order. */
static const char *const slot_names[TK_SLOT_COUNT] = {
	[TK_SLOT_NORMAL] = "normal",
	[TK_SLOT_HEADER] = "header",
	[TK_SLOT_RULE] = "rule",
	[TK_SLOT_COLUMN_HEAD] = "column-head",
	[TK_SLOT_SELECTED] = "selected",
	[TK_SLOT_WAITING] = "waiting",
	[TK_SLOT_NEAR_QUOTE] = "near-quote",
	[TK_SLOT_OVER_QUOTE] = "over-quote",
	[TK_SLOT_NOTIFIED] = "notified",
	[TK_SLOT_CONFIRMED] = "confirmed",
	[TK_SLOT_CANCELLED] = "cancelled",
	[TK_SLOT_FAILED] = "failed",
	[TK_SLOT_FINISHED] = "finished",
	[TK_SLOT_PENDING] = "pending",
	[TK_SLOT_OFFLINE] = "offline",
	[TK_SLOT_ONLINE] = "online",
	[TK_SLOT_STATUS] = "status",
	[TK_SLOT_ACTIVITY] = "activity",
	[TK_SLOT_DIM] = "dim",
	[TK_SLOT_DIALOG] = "dialog",
	[TK_SLOT_DIALOG_TITLE] = "dialog-title",
	[TK_SLOT_FIELD] = "field",
	[TK_SLOT_FIELD_FOCUS] = "field-focus",
	[TK_SLOT_FIELD_ERROR] = "field-error",
	[TK_SLOT_KEY_HINT] = "key-hint",
	[TK_SLOT_SEARCH] = "search",
	[TK_SLOT_ERROR] = "error",
	[TK_SLOT_SUCCESS] = "success",
};

#define D TK_COLOUR_DEFAULT
#define B TK_A_BOLD
#define U TK_A_UNDERLINE
#define R TK_A_REVERSE

/* The built-in dark theme: the same as themes/dark.theme (a test checks). */
static const struct tk_style dark_styles[TK_SLOT_COUNT] = {
	[TK_SLOT_NORMAL] = { D, D, 0, "" },
	[TK_SLOT_HEADER] = { 231, 19, B, "" },
	[TK_SLOT_RULE] = { 240, D, 0, "" },
	[TK_SLOT_COLUMN_HEAD] = { 250, D, B, "" },
	[TK_SLOT_SELECTED] = { D, D, R, "" },
	[TK_SLOT_WAITING] = { D, D, 0, "" },
	[TK_SLOT_NEAR_QUOTE] = { 220, D, 0, "" },
	[TK_SLOT_OVER_QUOTE] = { 196, D, B, "!" },
	[TK_SLOT_NOTIFIED] = { 51, D, 0, "" },
	[TK_SLOT_CONFIRMED] = { 46, D, 0, "\xe2\x9c\x93" },
	[TK_SLOT_CANCELLED] = { 244, D, 0, "-" },
	[TK_SLOT_FAILED] = { 231, 160, B, "\xe2\x9c\x97" },
	[TK_SLOT_FINISHED] = { 244, D, 0, "" },
	[TK_SLOT_PENDING] = { 244, D, TK_A_ITALIC, "\xe2\x80\xa6" },
	[TK_SLOT_OFFLINE] = { 16, 220, B, "\xe2\x9a\xa0" },
	[TK_SLOT_ONLINE] = { 16, 46, B, "\xe2\x9c\x93" },
	[TK_SLOT_STATUS] = { 252, 236, 0, "" },
	[TK_SLOT_ACTIVITY] = { 246, D, 0, "" },
	[TK_SLOT_DIM] = { 242, D, 0, "" },
	[TK_SLOT_DIALOG] = { 252, 236, 0, "" },
	[TK_SLOT_DIALOG_TITLE] = { 231, 236, B, "" },
	[TK_SLOT_FIELD] = { 231, 239, 0, "" },
	[TK_SLOT_FIELD_FOCUS] = { 231, 25, B, "" },
	[TK_SLOT_FIELD_ERROR] = { 203, 236, B, "!" },
	[TK_SLOT_KEY_HINT] = { 231, 19, B, "" },
	[TK_SLOT_SEARCH] = { 16, 214, 0, "" },
	[TK_SLOT_ERROR] = { 203, D, B, "!" },
	[TK_SLOT_SUCCESS] = { 114, D, 0, "\xe2\x9c\x93" },
};

/* The built-in monochrome theme: the same as themes/monochrome.theme. */
static const struct tk_style mono_styles[TK_SLOT_COUNT] = {
	[TK_SLOT_NORMAL] = { D, D, 0, "" },
	[TK_SLOT_HEADER] = { D, D, R | B, "" },
	[TK_SLOT_RULE] = { D, D, 0, "" },
	[TK_SLOT_COLUMN_HEAD] = { D, D, B | U, "" },
	[TK_SLOT_SELECTED] = { D, D, R, "" },
	[TK_SLOT_WAITING] = { D, D, 0, "" },
	[TK_SLOT_NEAR_QUOTE] = { D, D, U, "~" },
	[TK_SLOT_OVER_QUOTE] = { D, D, B, "!" },
	[TK_SLOT_NOTIFIED] = { D, D, 0, "\xc2\xbb" },
	[TK_SLOT_CONFIRMED] = { D, D, B, "\xe2\x9c\x93" },
	[TK_SLOT_CANCELLED] = { D, D, TK_A_DIM, "-" },
	[TK_SLOT_FAILED] = { D, D, B | U, "\xe2\x9c\x97" },
	[TK_SLOT_FINISHED] = { D, D, TK_A_DIM, "" },
	[TK_SLOT_PENDING] = { D, D, TK_A_DIM, "\xe2\x80\xa6" },
	[TK_SLOT_OFFLINE] = { D, D, R | B, "\xe2\x9a\xa0" },
	[TK_SLOT_ONLINE] = { D, D, R, "\xe2\x9c\x93" },
	[TK_SLOT_STATUS] = { D, D, R, "" },
	[TK_SLOT_ACTIVITY] = { D, D, 0, "" },
	[TK_SLOT_DIM] = { D, D, TK_A_DIM, "" },
	[TK_SLOT_DIALOG] = { D, D, 0, "" },
	[TK_SLOT_DIALOG_TITLE] = { D, D, B, "" },
	[TK_SLOT_FIELD] = { D, D, U, "" },
	[TK_SLOT_FIELD_FOCUS] = { D, D, R, "" },
	[TK_SLOT_FIELD_ERROR] = { D, D, B, "!" },
	[TK_SLOT_KEY_HINT] = { D, D, R | B, "" },
	[TK_SLOT_SEARCH] = { D, D, B | U, "" },
	[TK_SLOT_ERROR] = { D, D, B, "!" },
	[TK_SLOT_SUCCESS] = { D, D, B, "\xe2\x9c\x93" },
};

#undef D
#undef B
#undef U
#undef R

/* Attribute words of the file format. */
static const struct {
	const char *word;  /* as written */
	unsigned bit;      /* TK_A_* */
} attr_words[] = {
	{ "bold", TK_A_BOLD }, { "dim", TK_A_DIM }, { "underline", TK_A_UNDERLINE },
	{ "reverse", TK_A_REVERSE }, { "italic", TK_A_ITALIC }, { "blink", TK_A_BLINK },
	{ "standout", TK_A_STANDOUT },
};

/* Colour names of the file format: the 16 ANSI colours. */
static const char *const colour_names[16] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	"bright-black", "bright-red", "bright-green", "bright-yellow",
	"bright-blue", "bright-magenta", "bright-cyan", "bright-white",
};

/* snprintf into err when there is one. */
static void set_err(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* Copies src into dst of dstsz bytes, cut at a character boundary. */
static void copy_str(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src), i = 0;

	if (dstsz == 0)
		return;
	if (n >= dstsz) {
		/* step back over continuation bytes so no character is split */
		n = dstsz - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++)
		dst[i] = src[i];
	dst[n] = '\0';
}

/* Returns a slot's name in theme files. */
const char *tk_slot_name(enum tk_slot slot)
{
	if ((int)slot < 0 || slot >= TK_SLOT_COUNT)
		return NULL;
	return slot_names[slot];
}

/* Looks a slot up by its name. */
int tk_slot_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < TK_SLOT_COUNT; i++)
		if (strcasecmp(name, slot_names[i]) == 0)
			return i;
	return -1;
}

/* Fills in the built-in dark theme. */
void tk_theme_default(struct tk_theme *out)
{
	memset(out, 0, sizeof *out);
	copy_str(out->name, sizeof out->name, "dark");
	copy_str(out->title, sizeof out->title, "Dark");
	memcpy(out->slot, dark_styles, sizeof out->slot);
}

/* Fills in the built-in monochrome theme. */
void tk_theme_mono(struct tk_theme *out)
{
	memset(out, 0, sizeof *out);
	copy_str(out->name, sizeof out->name, "monochrome");
	copy_str(out->title, sizeof out->title, "Monochrome");
	memcpy(out->slot, mono_styles, sizeof out->slot);
}

/* Returns the value of one hex digit, or -1. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Returns 1 when word is "#" and six hex digits. */
static int is_hex_colour(const char *word)
{
	int i;

	if (word[0] != '#' || strlen(word) != 7)
		return 0;
	for (i = 1; i < 7; i++)
		if (hexval(word[i]) < 0)
			return 0;
	return 1;
}

/* The six levels of each channel in the 256-colour cube (16-231). */
static const int cube_levels[6] = { 0, 95, 135, 175, 215, 255 };

/* Returns the index 0-5 of the cube level nearest to v. */
static int cube_index(int v)
{
	int i, best = 0;

	for (i = 1; i < 6; i++)
		if (abs(cube_levels[i] - v) < abs(cube_levels[best] - v))
			best = i;
	return best;
}

/* Squared distance of two RGB colours. */
static long dist2(int r1, int g1, int b1, int r2, int g2, int b2)
{
	return (long)(r1 - r2) * (r1 - r2) + (long)(g1 - g2) * (g1 - g2) + (long)(b1 - b2) * (b1 - b2);
}

/* Maps an RGB colour to the nearest of colours 16-255. */
int tk_colour_from_rgb(uint8_t r, uint8_t g, uint8_t b)
{
	int ri = cube_index(r), gi = cube_index(g), bi = cube_index(b);
	int avg = (r + g + b) / 3, gi_grey, grey_v;
	long dc, dg;

	dc = dist2(r, g, b, cube_levels[ri], cube_levels[gi], cube_levels[bi]);
	/* grey ramp 232-255: 8, 18, ..., 238 */
	gi_grey = avg < 8 ? 0 : (avg - 8 + 5) / 10;
	if (gi_grey > 23)
		gi_grey = 23;
	grey_v = 8 + 10 * gi_grey;
	dg = dist2(r, g, b, grey_v, grey_v, grey_v);
	if (dg < dc)
		return 232 + gi_grey;
	return 16 + 36 * ri + 6 * gi + bi;
}

/* Parses a colour word (name, 0-255, #rrggbb, default). */
int tk_colour_parse(const char *word, int16_t *out)
{
	char *end;
	long v;
	int i;

	if (word == NULL || *word == '\0')
		return -1;
	if (strcasecmp(word, "default") == 0) {
		*out = TK_COLOUR_DEFAULT;
		return 0;
	}
	if (strcasecmp(word, "grey") == 0 || strcasecmp(word, "gray") == 0) {
		*out = 8;
		return 0;
	}
	for (i = 0; i < 16; i++) {
		/* "bright-red" and "brightred" both work */
		if (strcasecmp(word, colour_names[i]) == 0 ||
				(i >= 8 && strncasecmp(word, "bright", 6) == 0 &&
				 strcasecmp(word + 6, colour_names[i] + 7) == 0)) {
			*out = (int16_t)i;
			return 0;
		}
	}
	if (word[0] == '#') {
		if (!is_hex_colour(word))
			return -1;
		*out = (int16_t)tk_colour_from_rgb(
				(uint8_t)(hexval(word[1]) * 16 + hexval(word[2])),
				(uint8_t)(hexval(word[3]) * 16 + hexval(word[4])),
				(uint8_t)(hexval(word[5]) * 16 + hexval(word[6])));
		return 0;
	}
	if (!isdigit((unsigned char)word[0]))
		return -1;
	errno = 0;
	v = strtol(word, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > 255)
		return -1;
	*out = (int16_t)v;
	return 0;
}

#define MAX_TOKENS 16 /* words on one line */

/* Splits a line into words (quoted "..." words keep spaces; an unquoted
 * word that is just '#' starts a comment, so "#rrggbb" stays a word).
 * Writes NUL-terminated words into the line buffer itself. Returns the count,
 * or -1 with err set. */
static int tokenize(char *line, char **tok, int max, char *why, size_t whysz)
{
	char *p = line;
	int n = 0;

	for (;;) {
		char *start;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n == max) {
			set_err(why, whysz, "too many words (at most %d)", max);
			return -1;
		}
		if (*p == '"') {
			start = ++p;
			while (*p != '\0' && *p != '"')
				p++;
			if (*p != '"') {
				set_err(why, whysz, "missing closing quote");
				return -1;
			}
			*p++ = '\0';
			if (*p != '\0' && *p != ' ' && *p != '\t') {
				set_err(why, whysz, "text right after a closing quote");
				return -1;
			}
			tok[n++] = start;
			continue;
		}
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
		if (strcmp(start, "#") == 0)
			break; /* "# comment" */
		tok[n++] = start;
	}
	return n;
}

/* Parses the words after "slot =" into *st. Returns 0, or -1 with why set. */
static int parse_style(char **tok, int n, struct tk_style *st, char *why, size_t whysz)
{
	int i, have_fg = 0, have_bg = 0;
	size_t k;

	memset(st, 0, sizeof *st);
	st->fg = TK_COLOUR_DEFAULT;
	st->bg = TK_COLOUR_DEFAULT;
	if (n == 0) {
		set_err(why, whysz, "no style after '=' (write e.g. \"red on default bold\")");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *w = tok[i];
		int16_t c;
		int found = 0;

		if (strcasecmp(w, "on") == 0) {
			if (i + 1 >= n || tk_colour_parse(tok[i + 1], &c) != 0) {
				set_err(why, whysz, "'on' needs a background colour%s%s%s",
						i + 1 < n ? ", not '" : "", i + 1 < n ? tok[i + 1] : "",
						i + 1 < n ? "'" : "");
				return -1;
			}
			if (have_bg) {
				set_err(why, whysz, "two background colours");
				return -1;
			}
			st->bg = c;
			have_bg = 1;
			i++;
			continue;
		}
		if (strcasecmp(w, "marker") == 0) {
			size_t len;

			if (i + 1 >= n) {
				set_err(why, whysz, "'marker' needs a character, e.g. marker \"!\"");
				return -1;
			}
			w = tok[++i];
			len = strlen(w);
			if (strcasecmp(w, "none") == 0) {
				st->marker[0] = '\0';
				continue;
			}
			if (len >= TK_MARKER_MAX || tk_text_width(w) > MARKER_MAX_CELLS) {
				set_err(why, whysz, "marker '%s' is too long (at most %d cells)", w,
						MARKER_MAX_CELLS);
				return -1;
			}
			/* the line is valid UTF-8 without controls: no more checks */
			memcpy(st->marker, w, len + 1);
			continue;
		}
		if (strcasecmp(w, "normal") == 0 || strcasecmp(w, "none") == 0) {
			st->attrs = 0;
			continue;
		}
		for (k = 0; k < sizeof attr_words / sizeof attr_words[0]; k++) {
			if (strcasecmp(w, attr_words[k].word) == 0) {
				st->attrs |= attr_words[k].bit;
				found = 1;
			}
		}
		if (found)
			continue;
		if (tk_colour_parse(w, &c) == 0) {
			if (have_fg) {
				set_err(why, whysz, "two foreground colours ('%s'); use 'on %s' for the background",
						w, w);
				return -1;
			}
			st->fg = c;
			have_fg = 1;
			continue;
		}
		if (w[0] == '#')
			set_err(why, whysz, "bad colour '%s' (write #rrggbb)", w);
		else if (isdigit((unsigned char)w[0]))
			set_err(why, whysz, "colour '%s' out of range (0-255)", w);
		else
			set_err(why, whysz, "unknown word '%s' (a colour, 'on COLOUR', bold, dim, "
					"underline, reverse, italic, blink, standout, normal or marker)", w);
		return -1;
	}
	return 0;
}

/* Edit distance of two short ASCII words, case-insensitive (capped at 9). */
static int distance(const char *a, const char *b)
{
	int prev[33], cur[33], i, j, la = (int)strlen(a), lb = (int)strlen(b);

	if (la > 32 || lb > 32)
		return 9;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
			int del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof cur);
	}
	return prev[lb] > 9 ? 9 : prev[lb];
}

/* Returns the slot name closest to word (at most 2 edits away), or NULL. */
static const char *closest_slot(const char *word)
{
	const char *best = NULL;
	int i, bestd = 3;

	for (i = 0; i < TK_SLOT_COUNT; i++) {
		int d = distance(word, slot_names[i]);

		if (d < bestd) {
			bestd = d;
			best = slot_names[i];
		}
	}
	return best;
}

/* Parses one line (NUL-terminated, modifiable) into *t. Returns 0 or -1 with why. */
static int parse_line(char *line, struct tk_theme *t, char *why, size_t whysz)
{
	char *tok[MAX_TOKENS];
	char *eq, *key, *end;
	int n, slot;
	size_t i;

	for (i = 0; line[i] != '\0'; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			set_err(why, whysz, "control character in the line");
			return -1;
		}
	}
	key = line;
	while (*key == ' ' || *key == '\t')
		key++;
	if (*key == '\0' || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (eq == NULL) {
		set_err(why, whysz, "expected 'slot = style'");
		return -1;
	}
	*eq = '\0';
	end = eq;
	while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (strcasecmp(key, "name") == 0) {
		char *v = eq + 1;
		size_t len;

		while (*v == ' ' || *v == '\t')
			v++;
		len = strlen(v);
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			v[--len] = '\0';
		if (len == 0) {
			set_err(why, whysz, "empty name");
			return -1;
		}
		copy_str(t->title, sizeof t->title, v);
		return 0;
	}
	slot = tk_slot_from_name(key);
	if (slot < 0) {
		const char *near = closest_slot(key);

		if (near != NULL)
			set_err(why, whysz, "unknown slot '%s' (did you mean '%s'?)", key, near);
		else
			set_err(why, whysz, "unknown slot '%s' (see maitre(1), THEMES)", key);
		return -1;
	}
	n = tokenize(eq + 1, tok, MAX_TOKENS, why, whysz);
	if (n < 0)
		return -1;
	return parse_style(tok, n, &t->slot[slot], why, whysz);
}

/* Parses a theme file's text over the default theme. */
int tk_theme_parse(const char *text, size_t len, const char *file, const char *name,
		struct tk_theme *out, char *err, size_t errsz)
{
	char line[LINE_MAX_BYTES + 1];
	char why[256];
	size_t pos = 0;
	int lineno = 0;

	if (file == NULL)
		file = "(theme)";
	tk_theme_default(out);
	copy_str(out->name, sizeof out->name, name ? name : "");
	out->title[0] = '\0';
	copy_str(out->path, sizeof out->path, file);
	if (text == NULL && len > 0)
		goto bad_args;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		why[0] = '\0';
		if (n > 0 && text[pos + n - 1] == '\r')
			n--; /* CRLF files */
		if (n > LINE_MAX_BYTES) {
			set_err(why, sizeof why, "line longer than %d bytes", LINE_MAX_BYTES);
			goto fail;
		}
		if (memchr(text + pos, '\0', n) != NULL) {
			set_err(why, sizeof why, "NUL byte in the line");
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		{
			size_t i = 0;

			while (i < n) {
				uint32_t cp;
				size_t k = tk_utf8_decode(line + i, n - i, &cp);

				if (cp == 0xfffd && k == 1) {
					set_err(why, sizeof why, "not valid UTF-8");
					goto fail;
				}
				i += k;
			}
		}
		if (parse_line(line, out, why, sizeof why) != 0)
			goto fail;
		pos += (nl ? (size_t)(nl - (text + pos)) + 1 : len - pos);
	}
	if (out->title[0] == '\0')
		copy_str(out->title, sizeof out->title, out->name);
	return 0;
fail:
	set_err(err, errsz, "%s:%d: %s", file, lineno, why);
	tk_theme_default(out);
	return -1;
bad_args:
	set_err(err, errsz, "%s: no text", file);
	tk_theme_default(out);
	return -1;
}

/* Writes the theme name of a path (base name without ".theme") into out. */
static void name_of_path(const char *path, char *out, size_t outsz)
{
	const char *base = strrchr(path, '/');
	char tmp[TK_THEME_PATH_MAX];
	size_t len;

	base = base ? base + 1 : path;
	copy_str(tmp, sizeof tmp, base);
	len = strlen(tmp);
	if (len > 6 && strcmp(tmp + len - 6, ".theme") == 0)
		tmp[len - 6] = '\0';
	copy_str(out, outsz, tmp);
}

/* Reads and parses one theme file. */
int tk_theme_load_file(const char *path, struct tk_theme *out, char *err, size_t errsz)
{
	char name[TK_THEME_NAME_MAX];
	char *buf;
	size_t n;
	FILE *f;
	int rc;

	tk_theme_default(out);
	if (path == NULL || *path == '\0') {
		set_err(err, errsz, "no theme file given");
		return -1;
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		set_err(err, errsz, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(FILE_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		set_err(err, errsz, "%s: out of memory", path);
		return -1;
	}
	n = fread(buf, 1, FILE_MAX_BYTES + 1, f);
	if (ferror(f)) {
		set_err(err, errsz, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	if (n > FILE_MAX_BYTES) {
		set_err(err, errsz, "%s: larger than %d bytes, not a theme", path, FILE_MAX_BYTES);
		free(buf);
		return -1;
	}
	name_of_path(path, name, sizeof name);
	rc = tk_theme_parse(buf, n, path, name, out, err, errsz);
	free(buf);
	return rc;
}

/* Appends a directory to a theme search path. */
int tk_theme_dirs_add(struct tk_theme_dirs *d, const char *dir)
{
	size_t i;

	if (dir == NULL || *dir == '\0')
		return 0;
	if (strlen(dir) >= TK_THEME_PATH_MAX - TK_THEME_NAME_MAX - 8)
		return -1;
	for (i = 0; i < d->n; i++)
		if (strcmp(d->dir[i], dir) == 0)
			return 0;
	if (d->n >= TK_THEME_DIRS_MAX)
		return -1;
	copy_str(d->dir[d->n++], TK_THEME_PATH_MAX, dir);
	return 0;
}

/* Fills the default theme search path. */
void tk_theme_dirs_default(struct tk_theme_dirs *d)
{
	char buf[TK_THEME_PATH_MAX];
	const char *env;
	int n;

	memset(d, 0, sizeof *d);
	env = getenv("MAITRE_THEME_DIR");
	if (env && *env)
		tk_theme_dirs_add(d, env);
	env = getenv("XDG_CONFIG_HOME");
	if (env && env[0] == '/') {
		n = snprintf(buf, sizeof buf, "%s/maitre/themes", env);
		if (n > 0 && (size_t)n < sizeof buf)
			tk_theme_dirs_add(d, buf);
	} else if ((env = getenv("HOME")) != NULL && env[0] == '/') {
		n = snprintf(buf, sizeof buf, "%s/.config/maitre/themes", env);
		if (n > 0 && (size_t)n < sizeof buf)
			tk_theme_dirs_add(d, buf);
	}
	tk_theme_dirs_add(d, TK_THEME_DATADIR);
	tk_theme_dirs_add(d, TK_THEME_SRCDIR);
}

/* Returns 1 when a theme name is safe to make a file name of. */
static int valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= TK_THEME_NAME_MAX || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return 0;
	}
	return 1;
}

/* Writes dir/name.theme into out; returns 0 when it exists and is readable. */
static int theme_path(const char *dir, const char *name, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s.theme", dir, name);
	FILE *f;

	if (n < 0 || (size_t)n >= outsz)
		return -1;
	f = fopen(out, "rb");
	if (f == NULL)
		return -1;
	fclose(f);
	return 0;
}

/* Finds and loads a theme by name or path. */
int tk_theme_select(const struct tk_theme_dirs *d, const char *spec, struct tk_theme *out,
		char *err, size_t errsz)
{
	char path[TK_THEME_PATH_MAX + TK_THEME_NAME_MAX + 8];
	char looked[512];
	size_t i, used = 0;

	if (spec == NULL || *spec == '\0')
		spec = "dark";
	if (strchr(spec, '/') != NULL)
		return tk_theme_load_file(spec, out, err, errsz);
	tk_theme_default(out);
	if (!valid_name(spec)) {
		set_err(err, errsz, "bad theme name '%s' (letters, digits, '-', '_' and '.')", spec);
		return -1;
	}
	looked[0] = '\0';
	for (i = 0; d != NULL && i < d->n; i++) {
		int n;

		if (theme_path(d->dir[i], spec, path, sizeof path) == 0)
			return tk_theme_load_file(path, out, err, errsz);
		n = snprintf(looked + used, sizeof looked - used, "%s%s", used ? ", " : "", d->dir[i]);
		if (n > 0 && (size_t)n < sizeof looked - used)
			used += (size_t)n;
	}
	if (strcmp(spec, "dark") == 0)
		return 0; /* the built-in copy */
	set_err(err, errsz, "theme '%s' not found (looked in %s)", spec, used ? looked : "no directory");
	return -1;
}

/* Compares two names for qsort. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

#define LIST_MAX 64 /* themes considered by tk_theme_list / tk_theme_next */

/* Lists the theme names found, sorted, without duplicates. */
size_t tk_theme_list(const struct tk_theme_dirs *d, char (*names)[TK_THEME_NAME_MAX], size_t max)
{
	char all[LIST_MAX][TK_THEME_NAME_MAX];
	size_t i, j, n = 0;

	for (i = 0; d != NULL && i < d->n; i++) {
		DIR *dir = opendir(d->dir[i]);
		struct dirent *e;

		if (dir == NULL)
			continue;
		while ((e = readdir(dir)) != NULL && n < LIST_MAX) {
			char name[TK_THEME_NAME_MAX];
			size_t len = strlen(e->d_name);
			int dup = 0;

			if (len <= 6 || len - 6 >= sizeof name || strcmp(e->d_name + len - 6, ".theme") != 0)
				continue;
			memcpy(name, e->d_name, len - 6);
			name[len - 6] = '\0';
			if (!valid_name(name))
				continue;
			for (j = 0; j < n; j++)
				if (strcmp(all[j], name) == 0)
					dup = 1;
			if (!dup)
				memcpy(all[n++], name, sizeof name);
		}
		closedir(dir);
	}
	qsort(all, n, sizeof all[0], name_cmp);
	for (i = 0; i < n && i < max; i++)
		memcpy(names[i], all[i], sizeof all[i]);
	return n;
}

/* Loads the theme after `current` (the `t` key). */
int tk_theme_next(const struct tk_theme_dirs *d, const char *current, struct tk_theme *out,
		char *err, size_t errsz)
{
	char names[LIST_MAX][TK_THEME_NAME_MAX];
	size_t n = tk_theme_list(d, names, LIST_MAX), i, start = 0, k;

	if (n > LIST_MAX)
		n = LIST_MAX;
	for (i = 0; current != NULL && i < n; i++)
		if (strcmp(names[i], current) == 0)
			start = i + 1;
	for (k = 0; k < n; k++) {
		const char *name = names[(start + k) % n];
		struct tk_theme t;

		if (current != NULL && strcmp(name, current) == 0)
			continue;
		if (tk_theme_select(d, name, &t, NULL, 0) == 0) {
			*out = t;
			return 0;
		}
	}
	set_err(err, errsz, "no other theme to switch to");
	return -1;
}
