/* Themes: semantic colour slots of the host-stand app -> colours and
 * attributes, read from small text files (themes/NAME.theme), resolved to
 * ncurses colour pairs for 256, 8 or no colours.
 *
 * File format (one slot per line; a comment is a line starting with '#', or
 * '#' followed by a space after a style):
 *
 *     over-quote = red on default bold marker "!"
 *     selected   = 231 on #005f87
 *     dim        = default dim
 *
 * A colour is a name (default, black, red, green, yellow, blue, magenta,
 * cyan, white, bright-black ... bright-white, grey/gray = bright-black), a
 * number 0-255 or #rrggbb (mapped to the nearest of the 256-colour cube or
 * grey ramp). The first colour is the foreground; "on COLOUR" gives the
 * background. Attributes: bold, dim, underline, reverse, italic, blink,
 * standout, normal (clears). `marker X` (or `marker "X"`) sets a short UTF-8
 * marker drawn before a row or label in that slot ("!", "✓", "✗"), so that
 * no meaning depends on colour alone. A line `name = Text` names the theme
 * for display. Slots not given in a file keep the built-in default
 * (dark) style, so a theme may set only what it changes.
 *
 * Errors: every function that can fail returns 0 or -1 and writes a one-line
 * message into err (errsz bytes), of the form "FILE:LINE: what is wrong"
 * for parse errors. The loaders then leave the built-in default theme in
 * *out, so the app always has a usable theme. */
#ifndef TK_THEME_H
#define TK_THEME_H

#include <stddef.h>
#include <stdint.h>

/* The semantic slots: what a piece of the screen means, not how it looks. */
enum tk_slot {
	TK_SLOT_NORMAL,        /* "normal": plain text, the board's background */
	TK_SLOT_HEADER,        /* "header": the top line (restaurant, list, load, clock) */
	TK_SLOT_RULE,          /* "rule": horizontal separator lines */
	TK_SLOT_COLUMN_HEAD,   /* "column-head": the column titles of the board */
	TK_SLOT_SELECTED,      /* "selected": the row the keys act on */
	TK_SLOT_WAITING,       /* "waiting": a waiting row, well within its quote */
	TK_SLOT_NEAR_QUOTE,    /* "near-quote": 5 minutes or less left */
	TK_SLOT_OVER_QUOTE,    /* "over-quote": past the quote */
	TK_SLOT_NOTIFIED,      /* "notified": text sent, waiting for the guest */
	TK_SLOT_CONFIRMED,     /* "confirmed": the guest replied 1 / on my way */
	TK_SLOT_CANCELLED,     /* "cancelled": the guest cancelled (or the host did) */
	TK_SLOT_FAILED,        /* "failed": a message could not be sent */
	TK_SLOT_FINISHED,      /* "finished": seated / no-show rows in the finished view */
	TK_SLOT_PENDING,       /* "pending": an action not yet confirmed by the server */
	TK_SLOT_OFFLINE,       /* "offline": the offline banner */
	TK_SLOT_ONLINE,        /* "online": the "back online, N actions sent" banner */
	TK_SLOT_STATUS,        /* "status": the status line (connection, sync time) */
	TK_SLOT_ACTIVITY,      /* "activity": the activity strip */
	TK_SLOT_DIM,           /* "dim": secondary text (hints, units, "ago") */
	TK_SLOT_DIALOG,        /* "dialog": forms, confirmations, help overlay */
	TK_SLOT_DIALOG_TITLE,  /* "dialog-title": a dialog's title */
	TK_SLOT_FIELD,         /* "field": an input field */
	TK_SLOT_FIELD_FOCUS,   /* "field-focus": the field with the cursor */
	TK_SLOT_FIELD_ERROR,   /* "field-error": a field's error message */
	TK_SLOT_KEY_HINT,      /* "key-hint": a key name in the footer / help ("a", "?") */
	TK_SLOT_SEARCH,        /* "search": the search prompt and matched text */
	TK_SLOT_ERROR,         /* "error": an error message in the activity/status line */
	TK_SLOT_SUCCESS,       /* "success": a success message ("sent", "seated") */
	TK_SLOT_COUNT          /* number of slots (not a slot) */
};

/* Attribute bits of a style (independent of ncurses; see tk_palette_attr). */
enum tk_attr {
	TK_A_BOLD = 1u << 0,      /* "bold" */
	TK_A_DIM = 1u << 1,       /* "dim" */
	TK_A_UNDERLINE = 1u << 2, /* "underline" */
	TK_A_REVERSE = 1u << 3,   /* "reverse" */
	TK_A_ITALIC = 1u << 4,    /* "italic" */
	TK_A_BLINK = 1u << 5,     /* "blink" */
	TK_A_STANDOUT = 1u << 6,  /* "standout" */
};

#define TK_COLOUR_DEFAULT (-1) /* the terminal's own foreground/background */
#define TK_MARKER_MAX 16       /* bytes of a marker, NUL included */
#define TK_THEME_NAME_MAX 64   /* bytes of a theme name, NUL included */
#define TK_THEME_PATH_MAX 1024 /* bytes of a theme path or directory, NUL included */
#define TK_THEME_DIRS_MAX 6    /* directories in a search path */

/* How one slot looks. */
struct tk_style {
	int16_t fg;                  /* 0-255, or TK_COLOUR_DEFAULT */
	int16_t bg;                  /* 0-255, or TK_COLOUR_DEFAULT */
	unsigned attrs;              /* TK_A_* bits */
	char marker[TK_MARKER_MAX];  /* UTF-8 marker ("!", "✓"), "" for none */
};

/* A theme: a name and one style per slot. Plain data, copy freely. */
struct tk_theme {
	char name[TK_THEME_NAME_MAX];         /* file base name ("dark"), used in config and `t` */
	char title[TK_THEME_NAME_MAX];        /* display name from `name = ...` (or = name) */
	char path[TK_THEME_PATH_MAX];         /* file it came from, "" for the built-in default */
	struct tk_style slot[TK_SLOT_COUNT];  /* the styles, indexed by enum tk_slot */
};

/* Where theme files are looked for, first match wins. */
struct tk_theme_dirs {
	char dir[TK_THEME_DIRS_MAX][TK_THEME_PATH_MAX]; /* directories, in search order */
	size_t n;                                       /* how many of dir[] are used */
};

/* Returns the file name of a slot ("over-quote"), or NULL when out of range. */
const char *tk_slot_name(enum tk_slot slot);

/* Looks a slot up by its file name; returns the slot or -1. */
int tk_slot_from_name(const char *name);

/* Fills *out with the built-in default theme (the same as themes/dark.theme). */
void tk_theme_default(struct tk_theme *out);

/* Parses a colour ("red", "bright-blue", "208", "#ff8700", "default") into
 * *out (0-255 or TK_COLOUR_DEFAULT); returns 0 or -1. */
int tk_colour_parse(const char *word, int16_t *out);

/* Maps #rrggbb components to the nearest colour of the 256-colour palette
 * (16-255: cube and grey ramp). */
int tk_colour_from_rgb(uint8_t r, uint8_t g, uint8_t b);

/* Parses a theme file's text (len bytes, need not be NUL-terminated) over
 * the defaults into *out; `file` is used in messages and out->path, `name`
 * becomes out->name. On error: -1, err = "FILE:LINE: message", *out = the
 * default theme. */
int tk_theme_parse(const char *text, size_t len, const char *file, const char *name,
		struct tk_theme *out, char *err, size_t errsz);

/* Reads and parses one theme file (at most 64 KiB); its name is the base
 * name without ".theme". Errors as tk_theme_parse (plus "FILE: cannot read: ..."). */
int tk_theme_load_file(const char *path, struct tk_theme *out, char *err, size_t errsz);

/* Fills the default search path: $MAITRE_THEME_DIR (when set, for tests),
 * $XDG_CONFIG_HOME/maitre/themes (or ~/.config/maitre/themes), the installed
 * datadir (<prefix>/share/maitre/themes), then the source tree's themes/
 * (so an uninstalled build finds them). */
void tk_theme_dirs_default(struct tk_theme_dirs *d);

/* Adds one directory at the end of a search path; returns -1 when full or too long. */
int tk_theme_dirs_add(struct tk_theme_dirs *d, const char *dir);

/* Finds and loads a theme. `spec` is a path when it contains '/' (as given
 * to --theme PATH), otherwise a name looked up as NAME.theme in the dirs.
 * NULL or "" loads "dark" (falling back to the built-in copy when no file
 * exists). On error: -1, err says why ("theme 'x' not found in ..." or
 * "FILE:LINE: ..."), *out = the built-in default. */
int tk_theme_select(const struct tk_theme_dirs *d, const char *spec, struct tk_theme *out,
		char *err, size_t errsz);

/* Lists the distinct theme names found in the dirs, sorted, into names
 * (at most max); returns how many were found (may exceed max). */
size_t tk_theme_list(const struct tk_theme_dirs *d, char (*names)[TK_THEME_NAME_MAX], size_t max);

/* Loads the theme after `current` in tk_theme_list order (wrapping round),
 * skipping files that fail to parse; for the `t` key. Returns 0, or -1 with
 * err set and *out unchanged when no other theme loads. */
int tk_theme_next(const struct tk_theme_dirs *d, const char *current, struct tk_theme *out,
		char *err, size_t errsz);

#endif
