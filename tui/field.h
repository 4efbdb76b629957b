/* A one-line UTF-8 text field: the editing model of the login and add/edit
 * forms and of the search line. Pure (no ncurses): keys come in as code
 * points, the form draws the text and places the cursor. */
#ifndef MAITRE_TUI_FIELD_H
#define MAITRE_TUI_FIELD_H

#include <stddef.h>

/* Editing keys a field understands (beside printable code points). */
enum field_key {
	FK_LEFT = -1,      /* cursor one character left */
	FK_RIGHT = -2,     /* cursor one character right */
	FK_HOME = -3,      /* cursor to the start (also Ctrl-A) */
	FK_END = -4,       /* cursor to the end (also Ctrl-E) */
	FK_BACKSPACE = -5, /* delete the character before the cursor */
	FK_DELETE = -6,    /* delete the character under the cursor */
	FK_KILL = -7,      /* Ctrl-U: clear the field */
	FK_WORD_BACK = -8, /* Ctrl-W: delete the word before the cursor */
};

/* One field. */
struct field {
	char text[1024];  /* UTF-8 contents, NUL-terminated */
	size_t len;       /* bytes used */
	size_t cursor;    /* byte offset of the cursor, on a character boundary */
	size_t max_bytes; /* limit on len (0 = sizeof text - 1) */
	int digits_only;  /* 1: accept only 0-9 (sizes, quotes) */
	int secret;       /* 1: drawn as bullets (passwords) */
	int replace;      /* 1: pre-filled; the first character typed replaces it all (any edit key keeps it) */
};

/* Empties f and sets its limits. */
void field_init(struct field *f, size_t max_bytes, int digits_only, int secret);
/* Replaces the contents (cursor at the end); text longer than the limit is cut at a character boundary. */
void field_set(struct field *f, const char *text);
/* Applies a key: a code point >= 32 inserts it, an enum field_key edits.
 * Returns 1 when the text or cursor changed, 0 when the key was refused
 * (control character, digit-only field, limit reached). */
int field_key(struct field *f, long key);
/* Display width (columns) of the text before the cursor. */
int field_cursor_col(const struct field *f);
/* Display width of a UTF-8 string (wcwidth; invalid bytes count 1, controls 0). */
int field_text_width(const char *s, size_t n);

#endif
