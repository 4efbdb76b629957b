/* maitrectl helpers: options, usage, errors and exit statuses, name lookups. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "ctl.h"

/* Handles --json, --no-header, --help. */
int ctl_common_opt(struct ctl *ctl, const struct ctl_cmd *cmd, int ch, int *exit_now)
{
	switch (ch) {
	case CTL_OPT_JSON: ctl->json = 1; return 1;
	case CTL_OPT_NO_HEADER: ctl->no_header = 1; return 1;
	case CTL_OPT_HELP: ctl_help(cmd, stdout); *exit_now = 1; return 1;
	default: return 0;
	}
}

/* Prints the full help of cmd. */
void ctl_help(const struct ctl_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: maitrectl [--server URL] %s\n\n%s\n", cmd->usage, cmd->help);
	fprintf(f, "\nCommon options: --json (the API's JSON), --no-header (tables without a header),\n"
		   "--help. Exit status: 0 ok, 1 usage, 2 refused by the server, 3 network or login trouble.\n");
}

/* Prints a usage error. */
int ctl_usage(struct ctl *ctl, const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s %s: ", ctl->prog, cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: maitrectl %s\n(maitrectl %s --help for more)\n", cmd->usage, cmd->name);
	return CTL_USAGE;
}

/* The exit status of an error kind. */
int ctl_exit_code(enum mtc_error e)
{
	switch (e) {
	case MTC_OK: return CTL_OK;
	case MTC_ERR_FORBIDDEN: case MTC_ERR_NOT_FOUND: case MTC_ERR_VALIDATION: case MTC_ERR_CONFLICT:
	case MTC_ERR_PRECONDITION: case MTC_ERR_RATE_LIMITED: case MTC_ERR_SERVER:
		return CTL_REFUSED;
	case MTC_ERR_INVALID_ARG: return CTL_USAGE;
	default: return CTL_TROUBLE;
	}
}

/* Prints the error of a failed call and returns its exit status. */
int ctl_fail(struct ctl *ctl, const char *what, const struct mtc_status *st)
{
	fprintf(stderr, "%s: %s: %s", ctl->prog, what, st->message[0] ? st->message : mtc_strerror(st->code));
	if (st->field[0])
		fprintf(stderr, " (field %s)", st->field);
	if (st->code == MTC_ERR_RATE_LIMITED && st->retry_after >= 0)
		fprintf(stderr, "; try again in %d s", st->retry_after);
	if (st->code == MTC_ERR_PRECONDITION && st->current_version >= 0)
		fprintf(stderr, "; it is now at version %lld", (long long)st->current_version);
	if (st->code == MTC_ERR_UNAUTHORIZED)
		fprintf(stderr, "; log in with: maitrectl login");
	fputc('\n', stderr);
	return ctl_exit_code(st->code);
}

/* Makes the client and attaches the session file. */
int ctl_connect(struct ctl *ctl)
{
	struct mtc_status st;
	if (ctl->client != NULL)
		return CTL_OK;
	if (ctl->server[0] == '\0') {
		fprintf(stderr, "%s: no server: give --server URL, set MAITRE_SERVER, or put server = URL in %s\n",
			ctl->prog, ctl->cfg.path ? ctl->cfg.path : "~/.config/maitre/config");
		return CTL_USAGE;
	}
	if (mtc_client_new(ctl->server, &ctl->client, &st) != MTC_OK)
		return ctl_fail(ctl, "server", &st);
	if (mtc_client_set_session_file(ctl->client, ctl->session_path, &st) != MTC_OK)
		return ctl_fail(ctl, "session", &st);
	return CTL_OK;
}

/* Parses a whole number in [lo, hi]. */
int ctl_parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Prints JSON and a newline. */
int ctl_print_json(char *s)
{
	if (s == NULL) {
		fprintf(stderr, "maitrectl: out of memory\n");
		return CTL_TROUBLE;
	}
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
	return CTL_OK;
}

/* Finds a waitlist by id, unique id prefix or name. */
/* ctl_connect, then ctl_find_list(spec). */
int ctl_connect_list(struct ctl *ctl, const char *spec, struct mtc_waitlist *out)
{
	int rc = ctl_connect(ctl);

	return rc != CTL_OK ? rc : ctl_find_list(ctl, spec, out);
}

int ctl_find_list(struct ctl *ctl, const char *spec, struct mtc_waitlist *out)
{
	struct mtc_status st;
	struct mtc_waitlist_list *l = NULL;
	if (mtc_list_waitlists(ctl->client, MTC_LIST_ALL, &l, NULL, &st) != MTC_OK)
		return ctl_fail(ctl, "waitlists", &st);
	const struct mtc_waitlist *hit = NULL;
	size_t hits = 0;
	if (spec == NULL) {
		hits = l->n;
		hit = l->n == 1 ? &l->items[0] : NULL;
	} else {
		for (size_t i = 0; i < l->n && hit == NULL; i++)   /* exact id or exact name first */
			if (strcmp(l->items[i].id, spec) == 0 || strcmp(l->items[i].name, spec) == 0)
				hit = &l->items[i], hits = 1;
		for (size_t i = 0; i < l->n && hits != 1; i++) {
			if (strncasecmp(l->items[i].id, spec, strlen(spec)) == 0 || strcasecmp(l->items[i].name, spec) == 0) {
				hit = &l->items[i];
				hits++;
			}
		}
	}
	int rc = CTL_OK;
	if (hits == 1 && hit != NULL) {
		if (mtc_waitlist_copy(out, hit) != MTC_OK)
			rc = CTL_TROUBLE;
	} else if (spec == NULL) {
		fprintf(stderr, "%s: %s; name one (maitrectl lists)\n", ctl->prog,
			l->n == 0 ? "no waitlists yet (maitrectl list create NAME)" : "several waitlists");
		rc = l->n == 0 ? CTL_REFUSED : CTL_USAGE;
	} else {
		fprintf(stderr, "%s: %s waitlist matches '%s'\n", ctl->prog, hits == 0 ? "no" : "more than one", spec);
		rc = CTL_REFUSED;
	}
	mtc_waitlist_list_unref(l);
	return rc;
}

/* Finds a party by id, unique id prefix or name (active ones win over finished ones). */
int ctl_find_party(struct ctl *ctl, const char *list_id, const char *spec, struct mtc_waitee *out)
{
	struct mtc_status st;
	struct mtc_waitee_list *l = NULL;
	if (mtc_list_waitees(ctl->client, list_id, NULL, MTC_LIST_ALL, &l, NULL, &st) != MTC_OK)
		return ctl_fail(ctl, "parties", &st);
	const struct mtc_waitee *hit = NULL;
	size_t hits = 0;
	for (size_t i = 0; i < l->n && hit == NULL; i++)
		if (strcmp(l->items[i].id, spec) == 0)
			hit = &l->items[i], hits = 1;
	for (int pass = 0; pass < 2 && hits == 0; pass++) {   /* pass 0: active parties only */
		for (size_t i = 0; i < l->n; i++) {
			const struct mtc_waitee *w = &l->items[i];
			if (pass == 0 && !mtc_party_status_active(w->status))
				continue;
			if (strncasecmp(w->id, spec, strlen(spec)) == 0 || strcmp(w->name, spec) == 0 ||
			    strcasecmp(w->name, spec) == 0) {
				hit = w;
				hits++;
			}
		}
	}
	int rc = CTL_OK;
	if (hits == 1) {
		if (mtc_waitee_copy(out, hit) != MTC_OK)
			rc = CTL_TROUBLE;
	} else {
		fprintf(stderr, "%s: %s party matches '%s'%s\n", ctl->prog, hits == 0 ? "no" : "more than one", spec,
			hits > 1 ? " (use more of its id: maitrectl parties)" : "");
		rc = CTL_REFUSED;
	}
	mtc_waitee_list_unref(l);
	return rc;
}

/* Splits "[LIST] PARTY". */
int ctl_list_and_party(struct ctl *ctl, const struct ctl_cmd *cmd, int argc, char **argv,
		       const char **list, const char **party)
{
	if (argc == 1) {
		*list = NULL;
		*party = argv[0];
		return CTL_OK;
	}
	if (argc == 2) {
		*list = argv[0];
		*party = argv[1];
		return CTL_OK;
	}
	return ctl_usage(ctl, cmd, argc == 0 ? "which party?" : "too many arguments");
}
