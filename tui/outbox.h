/* The outbox: every action the host takes (add, edit, status move, notify,
 * delete) is written here first, on disk, with its Idempotency-Key, and
 * sent from here in order, one at a time. Online that takes milliseconds;
 * offline the actions wait, survive a restart of the app, and are sent
 * once when the server is back (a POST replayed with the same key is not
 * doubled by the server; a status move to the status the party already has
 * is a no-op).
 *
 * File: $XDG_STATE_HOME/maitre/outbox-<waitlist id>.json (0600), one JSON
 * object per line, rewritten atomically (temp file, fsync, rename) on every
 * change. A line that cannot be read is reported and kept aside in
 * outbox-<id>.bad, never silently dropped. */
#ifndef MAITRE_TUI_OUTBOX_H
#define MAITRE_TUI_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

/* What an action does. */
enum action_kind {
	ACT_ADD,    /* create a party (fields below) */
	ACT_EDIT,   /* change fields of a party */
	ACT_STATUS, /* move a party's status (seat, cancel, no-show, undo) */
	ACT_NOTIFY, /* "table ready" notification now */
	ACT_DELETE, /* delete a party */
	ACT_KIND_COUNT
};

/* Which fields of an add/edit are set. */
enum action_field {
	AF_NAME = 1 << 0,  /* name */
	AF_SIZE = 1 << 1,  /* size */
	AF_PHONE = 1 << 2, /* phone */
	AF_EMAIL = 1 << 3, /* email */
	AF_QUOTE = 1 << 4, /* quote */
	AF_NOTES = 1 << 5, /* notes */
};

/* One queued action. */
struct action {
	char key[48];          /* Idempotency-Key (also the id of a local add: "local:<key>") */
	enum action_kind kind; /* what it does */
	char waitee[64];       /* target party id ("" for an add) */
	char label[64];        /* party name for the activity strip */
	unsigned fields;       /* AF_* set for add/edit */
	char name[256];        /* AF_NAME */
	char phone[40];        /* AF_PHONE ("" removes it) */
	char email[256];       /* AF_EMAIL ("" removes it) */
	char notes[1024];      /* AF_NOTES */
	int size;              /* AF_SIZE */
	int quote;             /* AF_QUOTE */
	int status;            /* ACT_STATUS: target enum party_status */
	int prev_status;       /* ACT_STATUS: status before (for undo and the strip) */
	int64_t version;       /* precondition (0 = none) */
	int64_t created_ms;    /* when the host took the action */
	int attempts;          /* sends tried so far */
};

/* The queue of one waitlist. */
struct outbox {
	char path[512];        /* file, "" = memory only */
	struct action *items;  /* queued actions, oldest first */
	size_t n;              /* how many */
	size_t cap;            /* allocated */
};

/* Makes a fresh Idempotency-Key (32 hex chars from /dev/urandom). 0 or -1. */
int outbox_new_key(char out[48]);
/* Opens (loads) the outbox of waitlist_id in dir (created 0700 if missing);
 * dir NULL = memory only. Lines it cannot read go to the .bad file and are
 * counted in *bad. On error returns -1 with a message in err. */
int outbox_open(struct outbox *ob, const char *dir, const char *waitlist_id, int *bad,
		char *err, size_t errlen);
/* Appends a (copied) action and writes the file. 0, or -1 (err) when the
 * file could not be written (the action is then not queued). */
int outbox_push(struct outbox *ob, const struct action *a, char *err, size_t errlen);
/* Removes the action with this key and writes the file. 0, -1 if absent or unwritable. */
int outbox_remove(struct outbox *ob, const char *key);
/* Rewrites the file (after changing items in place, e.g. an id mapping). */
int outbox_save(struct outbox *ob);
/* Replaces every reference to party id `from` (a local add) with `to`. */
void outbox_rename_party(struct outbox *ob, const char *from, const char *to);
/* Frees memory (the file stays). */
void outbox_close(struct outbox *ob);

/* Serialises one action as a single JSON line (malloc'd, no newline), or NULL. */
char *action_to_json(const struct action *a);
/* Parses a line made by action_to_json. 0 or -1. */
int action_from_json(const char *line, struct action *a);

#endif
