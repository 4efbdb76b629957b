/* Turning curses keys into field edits, shared by the screens with text fields. */
#ifndef MAITRE_TUI_KEYS_H
#define MAITRE_TUI_KEYS_H

/* Maps a curses key (is_key) or a character to a field_key value, 0 = not an edit. */
long keys_edit(int is_key, long ch);

#endif
