/* A theme resolved for the terminal at hand: colours reduced to what it can
 * show (256, 16, 8 or none), NO_COLOR honoured, one ncurses colour pair per
 * distinct fg/bg combination.
 *
 * tk_palette_resolve is pure (no curses calls) so it is testable without a
 * terminal; tk_palette_install then calls init_pair. The app calls
 * start_color() first (when has_colors()), then resolve + install, and draws
 * with tk_palette_attr / tk_palette_pair. On a theme switch: resolve and
 * install again, then redraw everything. */
#ifndef TK_PALETTE_H
#define TK_PALETTE_H

#include <curses.h>

#include "theme.h"

/* What the terminal can show. */
enum tk_colour_mode {
	TK_COLOURS_NONE, /* no colour: attributes and markers only (also NO_COLOR) */
	TK_COLOURS_8,    /* 8 colours: 0-255 mapped to the nearest of 0-7, bright fg -> bold */
	TK_COLOURS_16,   /* 16 colours: 0-255 mapped to the nearest of 0-15 */
	TK_COLOURS_256,  /* 256 colours: as written */
};

/* One slot as drawn. */
struct tk_resolved {
	int16_t fg;       /* colour in the mode's range, or TK_COLOUR_DEFAULT */
	int16_t bg;       /* colour in the mode's range, or TK_COLOUR_DEFAULT */
	unsigned attrs;   /* TK_A_* bits to draw with */
	short pair;       /* ncurses colour pair (1..), 0 = none */
};

/* Every slot of a theme resolved for one colour mode. */
struct tk_palette {
	enum tk_colour_mode mode;                   /* the mode it was resolved for */
	struct tk_resolved slot[TK_SLOT_COUNT];     /* indexed by enum tk_slot */
	char marker[TK_SLOT_COUNT][TK_MARKER_MAX];  /* markers (always kept, even in colour) */
	short npairs;                               /* pairs used: 1..npairs */
	int uses_default;                           /* some fg/bg is TK_COLOUR_DEFAULT */
};

/* Picks the colour mode from what curses reports (has_colors(), COLORS) and
 * the NO_COLOR environment value (set and non-empty = no colour). Pass
 * getenv("NO_COLOR"). */
enum tk_colour_mode tk_colour_mode_pick(int has_colours, int colours, const char *no_color);

/* Returns "256 colours", "16 colours", "8 colours" or "no colour". */
const char *tk_colour_mode_name(enum tk_colour_mode mode);

/* Reduces a 0-255 colour to the mode's range (8: nearest of 0-7, 16: nearest
 * of 0-15); TK_COLOUR_DEFAULT stays. For TK_COLOURS_NONE returns TK_COLOUR_DEFAULT. */
int tk_colour_reduce(int colour, enum tk_colour_mode mode);

/* Resolves a theme for a mode, using at most max_pairs colour pairs (pass
 * COLOR_PAIRS). With no colour, a theme that relies on colour is replaced,
 * slot by slot, by the built-in monochrome styles (bold, underline, reverse
 * and markers), so meaning never depends on colour alone; a theme without
 * colours (monochrome.theme) is used as written. When reduction makes a
 * slot's fg equal its bg, the fg becomes black or white for contrast.
 * Returns 0, or -1 when the pairs run out (the slots beyond get pair 0). */
int tk_palette_resolve(const struct tk_theme *theme, enum tk_colour_mode mode, int max_pairs,
		struct tk_palette *out);

/* Fills *out with the built-in monochrome theme (= themes/monochrome.theme). */
void tk_theme_mono(struct tk_theme *out);

/* Registers the palette's pairs with init_pair (and use_default_colors when
 * a slot uses the terminal default). Needs start_color() done; does nothing
 * for TK_COLOURS_NONE. Returns 0, or -1 when curses refused a pair. */
int tk_palette_install(const struct tk_palette *p);

/* Returns the curses attributes of a slot: A_BOLD etc. | COLOR_PAIR(pair). */
attr_t tk_palette_attr(const struct tk_palette *p, enum tk_slot slot);

/* Returns the attributes of slot `over` laid on slot `base`, for the
 * selected row (TK_SLOT_SELECTED over TK_SLOT_OVER_QUOTE) or a pending
 * one: both slots' attributes, and over's colours when it has any, else
 * base's (so "selected = reverse" keeps the row's urgency colour). */
attr_t tk_palette_attr_with(const struct tk_palette *p, enum tk_slot base, enum tk_slot over);

/* The colour pair tk_palette_attr_with uses (for setcchar / wattr_set). */
short tk_palette_pair_with(const struct tk_palette *p, enum tk_slot base, enum tk_slot over);

/* Returns the colour pair of a slot (for setcchar / wattr_set), 0 = none. */
short tk_palette_pair(const struct tk_palette *p, enum tk_slot slot);

/* Replaces every marker that is not plain ASCII by an ASCII stand-in
 * ("✓" -> "v", "✗" -> "x", "⚠" -> "!", "»" -> ">", "…" -> ".", "~" stays;
 * any other -> "*"), for a terminal whose locale is not UTF-8. Call after
 * tk_palette_resolve. */
void tk_palette_ascii_markers(struct tk_palette *p);

/* Returns the slot's marker ("" when none); never NULL. */
const char *tk_palette_marker(const struct tk_palette *p, enum tk_slot slot);

#endif
