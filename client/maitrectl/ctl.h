/* maitrectl: what the commands share (state, exit codes, output, lookups).
 * Uses only the public header <maitre/client.h>. */
#ifndef MAITRECTL_CTL_H
#define MAITRECTL_CTL_H

#include <getopt.h>
#include <stdio.h>
#include <maitre/client.h>

/* Exit statuses (documented in maitrectl.1). */
enum ctl_exit {
	CTL_OK = 0,        /* success */
	CTL_USAGE = 1,     /* bad command line */
	CTL_REFUSED = 2,   /* the server refused (or nothing matched a name) */
	CTL_TROUBLE = 3,   /* network, timeout, login needed, a bad answer, a local file */
};

/* The state of one run. */
struct ctl {
	const char *prog;          /* argv[0] for messages */
	struct mtc_client *client; /* the client (NULL until a command needs it) */
	struct mtc_config cfg;     /* the shared config file */
	char server[2048];         /* the server URL chosen (flag, env, config, session) */
	const char *session_path;  /* --session FILE, NULL = the default */
	int json;                  /* --json: the API's JSON on stdout */
	int no_header;             /* --no-header: tables without their header line */
	int color;                 /* 1: colours (a terminal, no NO_COLOR, no --no-color) */
	int tty;                   /* 1: stdout is a terminal */
	int width;                 /* terminal columns, 0 = do not cut */
};

/* A subcommand (one file each, gathered in commands.c). */
struct ctl_cmd {
	const char *name;          /* "add" */
	const char *usage;         /* "add [LIST] NAME --size N [...]" */
	const char *help;          /* what it does, its options */
	int (*run)(struct ctl *ctl, int argc, char **argv); /* argv[0] is the command name */
};

/* The commands (cmd-*.c). */
extern const struct ctl_cmd ctl_cmd_login, ctl_cmd_logout, ctl_cmd_whoami, ctl_cmd_lists, ctl_cmd_list,
	ctl_cmd_parties, ctl_cmd_add, ctl_cmd_edit, ctl_cmd_notify, ctl_cmd_seat, ctl_cmd_cancel, ctl_cmd_no_show,
	ctl_cmd_delete, ctl_cmd_watch, ctl_cmd_stats, ctl_cmd_password, ctl_cmd_staff, ctl_cmd_restaurant, ctl_cmd_handover;

/* The command table and lookup. */
const struct ctl_cmd *ctl_command_find(const char *name);
void ctl_commands_list(FILE *f);

/* Long options every command accepts (put CTL_COMMON_OPTS first in its table). */
#define CTL_OPT_JSON 0x1001
#define CTL_OPT_NO_HEADER 0x1002
#define CTL_OPT_HELP 'h'
#define CTL_COMMON_OPTS \
	{ "json", no_argument, NULL, CTL_OPT_JSON }, \
	{ "no-header", no_argument, NULL, CTL_OPT_NO_HEADER }, \
	{ "help", no_argument, NULL, CTL_OPT_HELP }

/* Handles a common option: 1 handled, 0 not common; *exit_now set for --help (prints it). */
int ctl_common_opt(struct ctl *ctl, const struct ctl_cmd *cmd, int ch, int *exit_now);
/* Prints "maitrectl CMD: message" and the usage line on stderr; returns CTL_USAGE. */
int ctl_usage(struct ctl *ctl, const struct ctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prints the full help of cmd on f. */
void ctl_help(const struct ctl_cmd *cmd, FILE *f);

/* Makes the client and attaches the session file. CTL_OK or an exit status (message printed). */
int ctl_connect(struct ctl *ctl);
/* Prints the error of a failed call ("maitrectl: what: reason (field)") and returns its exit status. */
int ctl_fail(struct ctl *ctl, const char *what, const struct mtc_status *st);
/* The exit status of an error kind. */
int ctl_exit_code(enum mtc_error e);

/* Parses a whole number in [lo, hi]: 0 or -1. */
int ctl_parse_int(const char *s, long lo, long hi, int *out);

/* Finds a waitlist by id, unique id prefix or name (spec NULL: the only list).
 * CTL_OK with *out filled (mtc_waitlist_clear it), or an exit status (message printed). */
int ctl_find_list(struct ctl *ctl, const char *spec, struct mtc_waitlist *out);
/* ctl_connect, then ctl_find_list(spec): the start of every command on one list. */
int ctl_connect_list(struct ctl *ctl, const char *spec, struct mtc_waitlist *out);
/* Finds a party on list_id by id, unique id prefix or name (active parties first). */
int ctl_find_party(struct ctl *ctl, const char *list_id, const char *spec, struct mtc_waitee *out);
/* Splits "[LIST] PARTY" positional arguments: *list NULL when only PARTY was given. */
int ctl_list_and_party(struct ctl *ctl, const struct ctl_cmd *cmd, int argc, char **argv,
		       const char **list, const char **party);

/* ---- asking (ask.c) ---- */

/* Reads one line into buf without its newline: 0, or -1 at end of input. */
int ctl_read_line(FILE *f, char *buf, size_t n);
/* Asks for a line on the terminal (/dev/tty), without echo when secret: 0 or -1. */
int ctl_ask(const char *prompt, int secret, char *buf, size_t n);
/* A non-empty secret: asked without echo on a terminal, else the next line of standard input. 0 or -1. */
int ctl_secret(const char *prompt, char *buf, size_t n);

/* Prints a JSON text (taking it) and a newline; CTL_TROUBLE when s is NULL (no memory). */
int ctl_print_json(char *s);

/* ---- tables (table.c) ---- */

/* Colours a cell may carry. */
enum ctl_color { CTL_C_NONE = 0, CTL_C_DIM, CTL_C_RED, CTL_C_GREEN, CTL_C_YELLOW, CTL_C_CYAN, CTL_C_BOLD };

struct ctl_table;
/* A table with these headers (ncols of them); the last column is the one cut first. NULL on no memory. */
struct ctl_table *ctl_table_new(size_t ncols, const char *const *headers);
/* Right-aligns column col (numbers). */
void ctl_table_align_right(struct ctl_table *t, size_t col);
/* Lets column col be dropped when the table is too wide for the terminal (higher prio first). */
void ctl_table_droppable(struct ctl_table *t, size_t col, int prio);
/* Adds a row of ncols cells (copied); color applies to the whole row. -1 on no memory. */
int ctl_table_add(struct ctl_table *t, const char *const *cells, enum ctl_color color);
/* Prints the table (widths by display width; cut to ctl->width when set). */
void ctl_table_print(struct ctl *ctl, struct ctl_table *t, FILE *f);
/* Frees it. */
void ctl_table_free(struct ctl_table *t);
/* Display width of a UTF-8 string (wide characters count 2). */
size_t ctl_display_width(const char *s);

/* ---- parties (party.c) ---- */

/* Writes "m:ss" or "h:mm" for a duration in ms. */
void ctl_fmt_duration(char *buf, size_t n, int64_t ms);
/* Prints the parties of a list as a table (or JSON); shared by `parties` and `watch`. */
int ctl_print_parties(struct ctl *ctl, const struct mtc_waitlist *wl, const struct mtc_waitee_list *l, FILE *f);
/* One-line summary of a party ("山田太郎 (4)"). */
void ctl_party_label(char *buf, size_t n, const struct mtc_waitee *w);
/* Runs a status move on [LIST] PARTY for the seat/cancel/no-show/notify/delete commands. */
int ctl_party_action(struct ctl *ctl, const struct ctl_cmd *cmd, int argc, char **argv, enum mtc_party_status to,
		     const char *verb);

#endif
