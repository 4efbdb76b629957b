/* The host-stand app's state and the contract between its parts.
 *
 * The loop (loop.c) polls the terminal, the signal pipe, a timer and the
 * client's sockets. Input goes to the current screen's key handler, which
 * changes state, sets dirty flags and returns a bitmask (enum key_result);
 * it never draws. After every batch of events the loop calls app_draw()
 * (draw.c), the one place that draws, which repaints only the regions whose
 * dirty flag is set and clears the flags. The network (sync.c) is the only
 * part that talks to the client library. */
#ifndef MAITRE_TUI_APP_H
#define MAITRE_TUI_APP_H

#define PARTY_SIZE_MAX 50      /* largest party the form takes (the server's MT_PARTY_MAX) */
#define EST_MEMO_SIZES PARTY_SIZE_MAX  /* party sizes whose last suggested quote is kept */
#define EST_MEMO_MAX_MS (12LL * 3600 * 1000)  /* how long a kept suggestion is offered offline */

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "handover.h"
#include "outbox.h"
#include "party.h"

struct sync;
struct tk_theme;
struct tk_palette;
struct tk_notifier;
struct tk_once;

/* What a key handler did (bits). */
enum key_result {
	KEY_IGNORED = 0,     /* not for this screen */
	KEY_HANDLED = 1 << 0,/* consumed */
	KEY_QUIT = 1 << 1,   /* leave the app */
};

/* Regions of the screen that need drawing (bits of app.dirty). */
enum dirty {
	DIRTY_HEADER = 1 << 0,  /* top line: place, load figures, clock */
	DIRTY_ROWS = 1 << 1,    /* the board's rows and column heads */
	DIRTY_STRIP = 1 << 2,   /* activity strip */
	DIRTY_FOOTER = 1 << 3,  /* key hints and connection state */
	DIRTY_OVERLAY = 1 << 4, /* form, dialog, help */
	DIRTY_BANNER = 1 << 5,  /* offline / back-online banner */
	DIRTY_ALL = 0xff,       /* everything (resize, theme, screen change) */
};

/* The full-screen screens. */
enum app_screen {
	SCREEN_LOGIN,  /* server, e-mail, password (or create the restaurant) */
	SCREEN_PICKER, /* choose (or create) a waitlist */
	SCREEN_BOARD,  /* the board */
	SCREEN_PASSWORD, /* the first password change of a staff account (screen-password.c) */
};

/* Overlays drawn over the board. */
enum overlay {
	OVERLAY_NONE,    /* none */
	OVERLAY_FORM,    /* add / edit a party */
	OVERLAY_HELP,    /* the keys of the current screen */
	OVERLAY_CONFIRM, /* a yes/no question (delete, quit with typed text) */
	OVERLAY_STATS,   /* the list's stats with bar charts (`S`, screen-stats.c) */
	OVERLAY_TEAM,    /* the restaurant's staff accounts (`T`, screen-team.c; owner and managers) */
	OVERLAY_HANDOVER, /* `h`: the shift handover (note and summary), acknowledge */
	OVERLAY_NOTE,    /* `H`: write the note for the next shift */
	OVERLAY_ACTIVITY, /* `A`: the list's activity log */
};

/* What a confirmation does on "yes". */
enum confirm_kind {
	CONFIRM_DELETE, /* delete the party confirm_id */
	CONFIRM_QUIT,   /* quit although the form holds typed text */
};

/* Fields of the add/edit form, in Tab order. */
enum form_field {
	FF_NAME, FF_SIZE, FF_PHONE, FF_EMAIL, FF_QUOTE, FF_NOTES, FF_COUNT
};

/* Fields of the login screen, in Tab order. */
enum login_field {
	LF_SERVER, LF_RESTAURANT, LF_TIMEZONE, LF_COUNTRY, LF_NAME, LF_EMAIL, LF_PASSWORD, LF_COUNT
};

/* The add/edit form. */
struct form {
	int editing;                   /* 0 = add, 1 = edit the party edit_id */
	char edit_id[64];              /* party being edited */
	int64_t edit_version;          /* its version when the form opened */
	struct field f[FF_COUNT];      /* the fields */
	char err[FF_COUNT][96];        /* error beside each field ("" = none) */
	char preview[64];              /* phone preview ("→ +1 415-555-0101") */
	int focus;                     /* enum form_field with the cursor */
	int touched;                   /* 1 once anything was typed */
	char pending_key[48];          /* key of the action sent from this form, while waiting */
	/* the quote the server suggests (add only; sync-stats.c asks, screen-form.c shows) */
	int est_wanted;                /* party size to ask a suggestion for at the next tick, 0 = none */
	uint64_t est_call;             /* the request in flight, 0 = none */
	int est_asked;                 /* party size of the request in flight */
	int est_size;                  /* party size the suggestion below is for, 0 = none yet */
	int est_minutes;               /* suggested quote, 0 = none */
	char est_source[16];           /* "history", "default", "none", or "memo" (the last known, offline) */
	char est_confidence[16];       /* "high", "medium", "low" or "none" */
	long est_parties;              /* parties behind it */
	int quote_typed;               /* 1 once the host typed in the quote field: never overwritten */
};

/* Fields of the password screen, in Tab order. */
enum pw_field { PF_CURRENT, PF_NEW, PF_AGAIN, PF_COUNT };

/* The password screen: a staff account's first password change. */
struct pwform {
	struct field f[PF_COUNT];      /* current (kept from the login), new, new again */
	int focus;                     /* enum pw_field with the cursor */
	int wanted;                    /* 1: send the change at the next tick (sync-staff.c) */
	uint64_t call;                 /* the request in flight, 0 = none */
	char message[200];             /* last error or hint */
};

/* One staff account as the team overlay shows it. */
struct team_row {
	char id[64];                   /* account id */
	char email[256];               /* e-mail */
	char name[256];                /* name */
	char role[16];                 /* owner / manager / host */
	int disabled;                  /* 1 when disabled */
	int must_change;               /* 1 while its password is the initial one */
	int64_t version;               /* for If-Match */
};

/* Fields of the team overlay's "new account" form, in Tab order. */
enum team_field { TF_EMAIL, TF_NAME, TF_PASSWORD, TF_COUNT };

/* What the team overlay asks sync-staff.c to do at the next tick. */
enum team_want { TEAM_NOTHING, TEAM_LOAD, TEAM_ADD, TEAM_TOGGLE, TEAM_RESET };

/* The team overlay (`T`): the accounts, and its two small forms. */
struct team_view {
	struct team_row *rows;         /* accounts from the server */
	size_t n;                      /* how many */
	size_t sel;                    /* selected row */
	int loaded;                    /* 1 once the list arrived */
	enum team_want want;           /* what to send at the next tick */
	uint64_t call;                 /* the request in flight, 0 = none */
	int adding;                    /* 1 while the "new account" form is open */
	struct field f[TF_COUNT];      /* its fields */
	int focus;                     /* enum team_field with the cursor */
	int manager;                   /* 1: the new account is a manager (F2 toggles; owner only) */
	int resetting;                 /* 1 while asking the selected account's new password */
	struct field reset;            /* that password */
	char message[200];             /* last result or error */
};

/* Figures of some finished parties, as the stats overlay shows them. */
struct stats_fig {
	long parties;                  /* served + cancelled + no-show */
	long served;                   /* seated */
	long covers;                   /* guests seated */
	long cancelled;                /* cancelled */
	long no_show;                  /* no-shows */
	double wait_mean;              /* mean wait of the served, minutes (-1 = none) */
	double wait_p90;               /* 90th percentile wait, minutes (-1 = none) */
	double no_show_rate;           /* 0..1 (-1 = no parties) */
	double cancel_rate;            /* 0..1 (-1 = no parties) */
	long quoted;                   /* served with a quote */
	double acc_mean;               /* their wait minus quote, mean, minutes */
	double acc_spread;             /* its standard deviation, minutes */
};

#define STATS_SIZES PARTY_SIZE_MAX /* party sizes 1..50 */

/* The stats overlay (`S`): what sync-stats.c fetched, what screen-stats.c draws. */
struct stats_view {
	int days;                      /* period: 1 (today), 7 or 28 days up to today */
	int chart_by_size;             /* chart: 0 = by hour of the day, 1 = by party size */
	int wanted;                    /* 1: (re)load at the next sync tick */
	uint64_t call;                 /* request in flight, 0 = none */
	int loaded;                    /* 1 once figures for `days` arrived */
	char message[160];             /* "loading…" or why nothing can be shown, "" = none */
	char from[16];                 /* first day, as the server said it */
	char to[16];                   /* last day */
	char tz[64];                   /* time zone of the days and hours */
	struct stats_fig total;        /* the whole period */
	struct stats_fig by_hour[24];  /* by local hour the parties joined */
	int n_sizes;                   /* entries used in sizes/by_size */
	int sizes[STATS_SIZES];        /* party sizes present, ascending */
	struct stats_fig by_size[STATS_SIZES]; /* by party size */
};

/* The login screen. */
struct login {
	struct field f[LF_COUNT];      /* server; restaurant, its time zone and country, name (register only); e-mail, password */
	int focus;                     /* enum login_field with the cursor */
	int registering;               /* 1: "create the restaurant" mode */
	int busy;                      /* 1 while a request is out */
	char message[200];             /* last error or hint */
};

/* One waitlist as the picker shows it. */
struct picker_item {
	char id[64];                   /* waitlist id */
	char name[256];                /* its name */
};

/* The waitlist picker. */
struct picker {
	struct picker_item *items;     /* lists from the server */
	size_t n;                      /* how many */
	size_t sel;                    /* selected index */
	int loaded;                    /* 1 once the lists arrived */
	int creating;                  /* 1: typing a new list's name */
	struct field name;             /* the new list's name */
	char message[200];             /* last error or hint */
};

/* One line of the activity strip. */
struct activity {
	int64_t at_ms;                 /* when */
	int slot;                      /* enum tk_slot for its colour */
	char text[160];                /* what happened */
};

#define ACTIVITY_MAX 16            /* lines kept */

/* Connection state for the footer and the banner. */
enum conn_state {
	CONN_CONNECTING, /* no answer yet */
	CONN_LIVE,       /* last request reached the server */
	CONN_OFFLINE,    /* the server cannot be reached; retrying */
};

/* The app. */
struct app {
	/* configuration */
	char server[512];              /* base URL of the API */
	char email[256];               /* e-mail of the last login */
	char country[4];               /* default country for phone numbers ("US") */
	int country_set;               /* 1: `country` came from the config file (the restaurant's does not replace it) */
	char state_dir[512];           /* $XDG_STATE_HOME/maitre (outbox, last list) */
	int poll_ms;                   /* list polling period (ms) */
	int notify_desktop;            /* 1 unless notifications = off */

	/* screens */
	enum app_screen screen;            /* the current screen */
	enum overlay overlay;          /* overlay over it */
	struct login login;            /* login screen state */
	struct picker picker;          /* picker state */
	struct form form;              /* add/edit form state */
	enum confirm_kind confirm;     /* what the confirmation is for */
	char confirm_id[64];           /* party the confirmation is about */
	char confirm_text[200];        /* the question */
	struct stats_view stats;       /* stats overlay state */
	struct pwform pw;              /* password screen state */
	struct team_view team;         /* team overlay state */
	char restaurant_name[256];     /* the restaurant's name from the session answer, "" = none */
	char role[16];                 /* the account's role from the session answer, "" = unknown */
	char timezone[72];             /* the restaurant's IANA zone the clocks use (TZ set), "" = the machine's */
	int help_top;                  /* first key line the help shows (it scrolls when the screen is short) */
	unsigned dirty;                /* enum dirty bits */

	/* the board */
	char list_id[64];              /* current waitlist id */
	/* the last quote the server suggested per party size on list est_memo_list:
	 * offered in the add form when the server cannot be asked (sync-stats.c) */
	int est_memo_min[EST_MEMO_SIZES + 1];     /* minutes by party size, 0 = none */
	int64_t est_memo_at[EST_MEMO_SIZES + 1];  /* when it was suggested (wall ms) */
	char est_memo_list[64];                   /* the list they belong to */
	char list_name[256];           /* its name */
	char list_tenant[64];          /* the restaurant it belongs to ("" = not known: state of an older app) */
	struct party *server_rows;     /* parties as the server last sent them */
	size_t n_server;               /* how many */
	struct party *rows;            /* what the board shows: server rows + pending actions, sorted */
	size_t n_rows;                 /* how many */
	size_t *visible;               /* indexes into rows that pass view, filter and search */
	size_t n_visible;              /* how many */
	size_t sel;                    /* selected index into visible */
	size_t top;                    /* first visible index on screen (scrolling) */
	char sel_id[64];               /* id of the selected party (kept across reloads) */
	enum party_view view;          /* waiting / finished / all */
	int size_filter;               /* 0 = any, 1..7, 8 = 8+ */
	int searching;                 /* 1 while the search line has the keys */
	struct field search;           /* search text */
	int filter_prompt;             /* 1 while waiting for the size digit after `f` */

	/* undo: the last seat/cancel/no-show, for 2 minutes */
	char undo_id[64];              /* party */
	char undo_name[64];            /* its name for messages */
	int undo_prev;                 /* status to go back to */
	int undo_status;               /* status it was moved to */
	int64_t undo_until_ms;         /* undo allowed until (0 = nothing to undo) */

	/* activity strip */
	struct activity activity[ACTIVITY_MAX]; /* ring, newest at activity_head-1 */
	size_t activity_head;          /* next slot to write */
	size_t activity_n;             /* lines kept */

	/* connection */
	enum conn_state conn;          /* state for the footer */
	int64_t last_sync_ms;          /* wall time of the last successful list fetch */
	int64_t offline_since_ms;      /* wall time the server stopped answering, 0 = online */
	int64_t retry_at_ms;           /* monotonic time of the next retry while offline */
	int64_t back_online_until_ms;  /* show "back online" banner until (monotonic) */
	int sent_after_offline;        /* actions sent since coming back */
	int offline_notified;          /* 1 once "connection lost > 30 s" was notified */
	struct outbox outbox;          /* queued actions of the current list */

	/* look */
	struct tk_theme *theme;        /* current theme */
	struct tk_palette *palette;    /* resolved for this terminal */
	char theme_error[256];         /* last theme error (shown in the strip) */
	const char *theme_spec;        /* --theme argument, or NULL */
	char theme_chosen[64];         /* theme picked with `t` (remembered across runs), "" = none */
	int ascii_mode;                /* 1 when the locale is not UTF-8 */

	/* desktop notifications */
	struct tk_notifier *notifier;  /* desktop notifications (state says on/off) */
	struct tk_once *notified_once; /* keys of events already notified */
	char notify_state[64];         /* "notifications on" / "notifications off: no D-Bus" */

	/* network */
	struct sync *sync;             /* the client glue */
	int64_t now_ms;                /* wall clock at the start of this loop turn */
	int64_t mono_ms;               /* monotonic clock at the start of this loop turn */
	int quit;                      /* 1: leave the loop */

	/* shift handover and activity log (issue 10; handover.h) */
	struct handover_view handover; /* the `h` screen */
	struct note_editor note;       /* the `H` editor */
	struct activity_view act;      /* the `A` view */
};

/* Clocks. */
int64_t app_wall_ms(void);
int64_t app_mono_ms(void);

/* Adds a line to the activity strip (printf-style) with a tk_slot colour. */
void app_activity(struct app *a, int slot, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Rebuilds rows (server rows + queued actions), the visible list and the
 * selection; call after server rows, the outbox, view, filter or search changed. */
void app_rebuild(struct app *a);
/* The selected party, or NULL when the board is empty. */
struct party *app_selected(struct app *a);
/* Moves the selection by delta rows (clamped), keeping sel_id in step. */
void app_select_move(struct app *a, long delta);

/* Queues an action (outbox on disk, then sent when possible). Returns 0, or
 * -1 with a line in the activity strip. */
int app_queue_action(struct app *a, struct action *act);

/* Switches to a screen and marks everything dirty. */
void app_set_screen(struct app *a, enum app_screen s);

/* Key handlers of the screens (ch: a code point, or a KEY_* code when is_key). */
int login_key(struct app *a, int is_key, long ch);
int picker_key(struct app *a, int is_key, long ch);
int board_key(struct app *a, int is_key, long ch);
int form_key(struct app *a, int is_key, long ch);
int help_key(struct app *a, int is_key, long ch);
int confirm_key(struct app *a, int is_key, long ch);
int stats_key(struct app *a, int is_key, long ch);
/* Keys of the password screen and the team overlay. */
int password_key(struct app *a, int is_key, long ch);
int team_key(struct app *a, int is_key, long ch);
/* Opens the password screen; current: the password just typed at login, or NULL (asked). */
void password_open(struct app *a, const char *current);
/* Opens the team overlay (the `T` key; a host is told it is not for it). */
void team_open(struct app *a);

/* Opens the stats overlay (the `S` key) and asks for the figures. */
void stats_open(struct app *a);
int handover_key(struct app *a, int is_key, long ch);
int note_key(struct app *a, int is_key, long ch);
int activity_key(struct app *a, int is_key, long ch);
/* Opens the handover screen (and asks for a fresh summary), the note editor, the activity view. */
void handover_open(struct app *a);
void note_open(struct app *a);
void activity_open(struct app *a);
/* Mouse click at (y, x) on the board. */
int board_click(struct app *a, int y, int x);

/* Opens the add form (empty) or the edit form (from party p). */
void form_open(struct app *a, const struct party *p);
/* Validates the form's fields as typed; sets form.err and the phone preview. Returns the number of errors. */
int form_validate(struct app *a);
/* Called by sync when the server refused the form's action: puts the reason beside its field and reopens it. */
void form_server_error(struct app *a, const struct action *act, const char *field, const char *message);

/* Draws whatever is dirty (the only function that draws). */
void app_draw(struct app *a);

/* Loads the theme given by spec (name or path) into a->theme and resolves it
 * for the terminal; an error goes to the strip and the default is used. */
void app_theme_load(struct app *a, const char *spec);
/* Switches to the next theme (the `t` key). */
void app_theme_next(struct app *a);

#endif
