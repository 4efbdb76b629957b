/* Curses keys -> field edits. */
#include "keys.h"

#include <curses.h>

#include "field.h"

/* Maps a key to a field edit. */
long keys_edit(int is_key, long ch)
{
	if (is_key) {
		switch (ch) {
		case KEY_LEFT: return FK_LEFT;
		case KEY_RIGHT: return FK_RIGHT;
		case KEY_HOME: return FK_HOME;
		case KEY_END: return FK_END;
		case KEY_BACKSPACE: return FK_BACKSPACE;
		case KEY_DC: return FK_DELETE;
		default: return 0;
		}
	}
	switch (ch) {
	case 1: return FK_HOME;        /* Ctrl-A */
	case 5: return FK_END;         /* Ctrl-E */
	case 8:
	case 127: return FK_BACKSPACE; /* Ctrl-H, DEL */
	case 4: return FK_DELETE;      /* Ctrl-D */
	case 21: return FK_KILL;       /* Ctrl-U */
	case 23: return FK_WORD_BACK;  /* Ctrl-W */
	default: return ch >= 32 ? ch : 0;
	}
}
