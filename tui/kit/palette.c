/* A theme resolved for the terminal: colour reduction (256 -> 16 -> 8),
 * NO_COLOR and no-colour terminals (monochrome styles), colour pairs. */
#include <stdlib.h>
#include <string.h>

#include "palette.h"

/* xterm's default RGB values of the 16 ANSI colours. */
static const unsigned char ansi_rgb[16][3] = {
	{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
	{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
	{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
	{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
};

/* The six levels of each channel in the 256-colour cube. */
static const int levels[6] = { 0, 95, 135, 175, 215, 255 };

/* Writes the RGB value of a 256-colour index into rgb. */
static void rgb_of(int c, int rgb[3])
{
	int i;

	if (c < 16) {
		for (i = 0; i < 3; i++)
			rgb[i] = ansi_rgb[c][i];
	} else if (c < 232) {
		c -= 16;
		rgb[0] = levels[c / 36];
		rgb[1] = levels[c / 6 % 6];
		rgb[2] = levels[c % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
	}
}

/* Nearest of the 16 ANSI colours by RGB distance. */
static int nearest16(int c)
{
	int rgb[3], i, best = 0;
	long bestd = -1;

	rgb_of(c, rgb);
	for (i = 0; i < 16; i++) {
		long dr = rgb[0] - ansi_rgb[i][0], dg = rgb[1] - ansi_rgb[i][1], db = rgb[2] - ansi_rgb[i][2];
		long d = dr * dr + dg * dg + db * db;

		if (bestd < 0 || d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

/* One of the 8 basic colours by hue: greys go to black or white by
 * lightness, other colours to the hue sector's colour (red, yellow, green,
 * cyan, blue, magenta). Plain RGB distance would turn dark blue into cyan
 * and orange into red too often. */
static int nearest8(int c)
{
	static const int sector[6] = { 1, 3, 2, 6, 4, 5 }; /* red yellow green cyan blue magenta */
	int rgb[3], max, min, h;

	rgb_of(c, rgb);
	max = rgb[0] > rgb[1] ? rgb[0] : rgb[1];
	max = rgb[2] > max ? rgb[2] : max;
	min = rgb[0] < rgb[1] ? rgb[0] : rgb[1];
	min = rgb[2] < min ? rgb[2] : min;
	if (max - min < 48 || max < 64)
		return (max + min) / 2 < 64 ? 0 : 7;
	/* hue in degrees */
	if (max == rgb[0])
		h = 60 * (rgb[1] - rgb[2]) / (max - min);
	else if (max == rgb[1])
		h = 120 + 60 * (rgb[2] - rgb[0]) / (max - min);
	else
		h = 240 + 60 * (rgb[0] - rgb[1]) / (max - min);
	h = (h + 360 + 30) % 360;
	return sector[h / 60];
}

/* Picks the colour mode from the terminal and NO_COLOR. */
enum tk_colour_mode tk_colour_mode_pick(int has_colours, int colours, const char *no_color)
{
	if (no_color != NULL && no_color[0] != '\0')
		return TK_COLOURS_NONE;
	if (!has_colours || colours < 8)
		return TK_COLOURS_NONE;
	if (colours >= 256)
		return TK_COLOURS_256;
	if (colours >= 16)
		return TK_COLOURS_16;
	return TK_COLOURS_8;
}

/* Returns a colour mode's name for people. */
const char *tk_colour_mode_name(enum tk_colour_mode mode)
{
	switch (mode) {
	case TK_COLOURS_256: return "256 colours";
	case TK_COLOURS_16: return "16 colours";
	case TK_COLOURS_8: return "8 colours";
	case TK_COLOURS_NONE: break;
	}
	return "no colour";
}

/* Reduces a 0-255 colour to what the mode can show. */
int tk_colour_reduce(int colour, enum tk_colour_mode mode)
{
	if (colour < 0 || colour > 255)
		return TK_COLOUR_DEFAULT;
	switch (mode) {
	case TK_COLOURS_256:
		return colour;
	case TK_COLOURS_16:
		return colour < 16 ? colour : nearest16(colour);
	case TK_COLOURS_8:
		if (colour < 16)
			return colour & 7;
		return nearest8(colour);
	case TK_COLOURS_NONE:
		break;
	}
	return TK_COLOUR_DEFAULT;
}

/* Returns 1 when some slot of the theme has a colour. */
static int uses_colour(const struct tk_theme *t)
{
	int i;

	for (i = 0; i < TK_SLOT_COUNT; i++)
		if (t->slot[i].fg != TK_COLOUR_DEFAULT || t->slot[i].bg != TK_COLOUR_DEFAULT)
			return 1;
	return 0;
}

/* Returns a foreground readable on bg: black on light colours, white on
 * dark ones (perceived lightness), in the mode's range. */
static int contrast(int bg, enum tk_colour_mode mode)
{
	int rgb[3], light;

	rgb_of(bg, rgb);
	light = (rgb[0] * 299 + rgb[1] * 587 + rgb[2] * 114) / 1000 >= 128;
	if (mode == TK_COLOURS_256)
		return light ? 16 : 231;
	return light ? 0 : 7;
}

/* Resolves every slot of a theme for a colour mode. */
int tk_palette_resolve(const struct tk_theme *theme, enum tk_colour_mode mode, int max_pairs,
		struct tk_palette *out)
{
	struct tk_theme mono;
	const struct tk_theme *t = theme;
	int i, j, rc = 0;

	memset(out, 0, sizeof *out);
	out->mode = mode;
	if (mode == TK_COLOURS_NONE && uses_colour(theme)) {
		tk_theme_mono(&mono);
		t = &mono;
	}
	for (i = 0; i < TK_SLOT_COUNT; i++) {
		const struct tk_style *st = &t->slot[i];
		struct tk_resolved *r = &out->slot[i];
		int fg = tk_colour_reduce(st->fg, mode), bg = tk_colour_reduce(st->bg, mode);

		r->attrs = st->attrs;
		/* 8 colours: a bright foreground (8-15 or a light 256 colour that
		 * the terminal cannot show) is approximated with bold */
		if (mode == TK_COLOURS_8 && st->fg >= 8 && st->fg < 16)
			r->attrs |= TK_A_BOLD;
		if (fg != TK_COLOUR_DEFAULT && fg == bg)
			fg = contrast(bg, mode);
		r->fg = (int16_t)fg;
		r->bg = (int16_t)bg;
		if (fg == TK_COLOUR_DEFAULT || bg == TK_COLOUR_DEFAULT)
			out->uses_default |= fg != bg; /* one side default, the other a colour */
		memcpy(out->marker[i], st->marker, sizeof out->marker[i]);
		out->marker[i][TK_MARKER_MAX - 1] = '\0';
		if (fg == TK_COLOUR_DEFAULT && bg == TK_COLOUR_DEFAULT)
			continue;
		for (j = 0; j < i; j++) {
			if (out->slot[j].pair != 0 && out->slot[j].fg == fg && out->slot[j].bg == bg) {
				r->pair = out->slot[j].pair;
				break;
			}
		}
		if (r->pair != 0)
			continue;
		if (out->npairs + 1 >= max_pairs) {
			rc = -1; /* out of pairs: drawn without colour */
			continue;
		}
		r->pair = ++out->npairs;
	}
	return rc;
}

/* Registers the palette's colour pairs with curses. */
int tk_palette_install(const struct tk_palette *p)
{
	int i, rc = 0;
	short done = 0;

	if (p->mode == TK_COLOURS_NONE || p->npairs == 0)
		return 0;
	if (p->uses_default && use_default_colors() == ERR)
		rc = -1;
	for (i = 0; i < TK_SLOT_COUNT; i++) {
		const struct tk_resolved *r = &p->slot[i];

		if (r->pair <= done)
			continue; /* 0, or a pair an earlier slot registered */
		if (init_pair(r->pair, r->fg, r->bg) == ERR)
			rc = -1;
		done = r->pair;
	}
	return rc;
}

/* Returns a slot's curses attributes, colour pair included. */
attr_t tk_palette_attr(const struct tk_palette *p, enum tk_slot slot)
{
	const struct tk_resolved *r;
	attr_t a = A_NORMAL;

	if ((int)slot < 0 || slot >= TK_SLOT_COUNT)
		return A_NORMAL;
	r = &p->slot[slot];
	if (r->attrs & TK_A_BOLD) a |= A_BOLD;
	if (r->attrs & TK_A_DIM) a |= A_DIM;
	if (r->attrs & TK_A_UNDERLINE) a |= A_UNDERLINE;
	if (r->attrs & TK_A_REVERSE) a |= A_REVERSE;
	if (r->attrs & TK_A_ITALIC) a |= A_ITALIC;
	if (r->attrs & TK_A_BLINK) a |= A_BLINK;
	if (r->attrs & TK_A_STANDOUT) a |= A_STANDOUT;
	if (r->pair > 0)
		a |= COLOR_PAIR(r->pair);
	return a;
}

/* Returns slot `over` laid on slot `base` (the selected row). */
attr_t tk_palette_attr_with(const struct tk_palette *p, enum tk_slot base, enum tk_slot over)
{
	attr_t a, o;

	if ((int)over < 0 || over >= TK_SLOT_COUNT)
		return tk_palette_attr(p, base);
	a = tk_palette_attr(p, base);
	o = tk_palette_attr(p, over);
	if (p->slot[over].pair != 0)
		a &= ~A_COLOR; /* over brings its own colours */
	return a | o;
}

/* Returns the colour pair tk_palette_attr_with uses. */
short tk_palette_pair_with(const struct tk_palette *p, enum tk_slot base, enum tk_slot over)
{
	short o = tk_palette_pair(p, over);

	return o != 0 ? o : tk_palette_pair(p, base);
}

/* Returns a slot's colour pair, 0 for none. */
short tk_palette_pair(const struct tk_palette *p, enum tk_slot slot)
{
	if ((int)slot < 0 || slot >= TK_SLOT_COUNT)
		return 0;
	return p->slot[slot].pair;
}

/* Replaces non-ASCII markers by ASCII stand-ins. */
void tk_palette_ascii_markers(struct tk_palette *p)
{
	static const struct {
		const char *utf8;  /* marker as shipped */
		const char *ascii; /* its stand-in */
	} map[] = {
		{ "\xe2\x9c\x93", "v" }, { "\xe2\x9c\x94", "v" }, { "\xe2\x9c\x97", "x" },
		{ "\xe2\x9c\x98", "x" }, { "\xe2\x9a\xa0", "!" }, { "\xc2\xbb", ">" },
		{ "\xe2\x80\xa6", "." }, { "\xe2\x96\xb6", ">" }, { "\xe2\x97\x8f", "*" },
	};
	int i;
	size_t k;

	for (i = 0; i < TK_SLOT_COUNT; i++) {
		char *m = p->marker[i];
		const char *to = "*";
		int ascii = 1;

		for (k = 0; m[k] != '\0'; k++)
			if ((unsigned char)m[k] >= 0x80)
				ascii = 0;
		if (ascii)
			continue;
		for (k = 0; k < sizeof map / sizeof map[0]; k++)
			if (strcmp(m, map[k].utf8) == 0)
				to = map[k].ascii;
		memcpy(m, to, strlen(to) + 1);
	}
}

/* Returns a slot's marker, "" for none. */
const char *tk_palette_marker(const struct tk_palette *p, enum tk_slot slot)
{
	if ((int)slot < 0 || slot >= TK_SLOT_COUNT)
		return "";
	return p->marker[slot];
}
