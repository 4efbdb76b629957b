/* The shift handover and the activity log as the app shows them (issue 10):
 * the state of the `h` screen (the note and the summary as lines), the `H`
 * note editor and the `A` activity view, and turning the server's JSON into
 * them. A model: no drawing, no network (sync.c feeds it, screen-*.c draw). */
#ifndef MAITRE_TUI_HANDOVER_H
#define MAITRE_TUI_HANDOVER_H

#include <stddef.h>
#include <stdint.h>

#define HANDOVER_NOTE_MAX 4000     /* bytes of a note (the server's limit) */
#define HANDOVER_LINES_MAX 80      /* summary lines kept */
#define ACTIVITY_VIEW_MAX 100      /* activity entries shown (one page) */

/* One line of text with a theme slot (enum tk_slot) for its colour. */
struct view_line {
	int slot;                      /* enum tk_slot */
	char text[240];                /* the line */
};

/* The `h` screen: the current note and the summary of the floor. */
struct handover_view {
	int loaded;                    /* 1 once a summary arrived */
	int busy;                      /* 1 while a request is out */
	int has_note;                  /* 1 when a note exists */
	char note_id[64];              /* its id */
	char note[HANDOVER_NOTE_MAX + 1]; /* its text */
	char author[256];              /* who wrote it */
	int64_t created_ms;            /* when */
	int acked;                     /* 1 once acknowledged */
	char acked_by[256];            /* by whom */
	int64_t acked_ms;              /* when */
	struct view_line lines[HANDOVER_LINES_MAX]; /* the summary, ready to draw */
	size_t n_lines;                /* used */
	size_t top;                    /* first line shown (scrolling) */
	char checked_list[64];         /* list whose unacknowledged note was looked for after login */
	char message[200];             /* last error or hint */
};

/* The `H` note editor: multi-line text. */
struct note_editor {
	char text[HANDOVER_NOTE_MAX + 1]; /* what is typed, UTF-8 */
	size_t len;                    /* bytes used */
	int busy;                      /* 1 while the note is being saved */
	char message[200];             /* last error or hint */
};

/* The `A` activity view: one page of the list's log, newest first. */
struct activity_view {
	struct view_line lines[ACTIVITY_VIEW_MAX]; /* one per entry */
	size_t n;                      /* used */
	size_t top;                    /* first line shown */
	int loaded;                    /* 1 once a page arrived */
	int busy;                      /* 1 while a request is out */
	char message[200];             /* last error or hint */
};

/* Fills v from GET .../handover/summary's JSON (the lines are laid out
 * here; times in local time). 0, or -1 when json is not a summary (v keeps
 * what it had). */
int handover_from_json(struct handover_view *v, const char *json);

/* Fills v from GET .../activity's JSON (an array of entries). 0 or -1. */
int activity_from_json(struct activity_view *v, const char *json);

/* The sentence of one activity entry (a cJSON object), without the time:
 * "Hana seated Zoë (4)". Exposed for tests. */
void activity_sentence(const void *entry, char *out, size_t n, int *slot);

/* Note editor edits: appends a code point (Enter = a newline), removes the
 * last code point. 0, or -1 when the note is full. */
int note_insert(struct note_editor *e, long cp);
void note_backspace(struct note_editor *e);

#endif
