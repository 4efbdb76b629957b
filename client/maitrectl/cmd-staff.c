/* maitrectl staff: the restaurant's accounts (owner and managers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_staff = {
	"staff", "staff [list | add EMAIL --name N [--role host|manager] | edit ACCOUNT [--name N] [--role R] "
		 "[--disable|--enable] | reset ACCOUNT]",
	"The restaurant's accounts (owner and managers; a manager sees and manages hosts).\n"
	"  staff [list]            id, e-mail, name, role, state\n"
	"  staff add EMAIL --name N [--role host|manager]\n"
	"                          a new account (role host by default); its initial password\n"
	"                          is asked (or the first line of standard input) and must be\n"
	"                          changed at its first login\n"
	"  staff edit ACCOUNT [--name N] [--role R] [--disable | --enable]\n"
	"                          disabling or a new role ends the account's sessions\n"
	"  staff reset ACCOUNT     a new password (asked), to be changed at the next login\n"
	"ACCOUNT is an id or an e-mail.",
	run,
};

/* The state word of an account. */
static const char *state_of(const struct mtc_staff *s)
{
	if (s->disabled)
		return "disabled";
	return s->must_change_password ? "must change password" : "active";
}

/* Prints the accounts. */
static int list(struct ctl *ctl)
{
	static const char *const hdr[] = { "ID", "E-MAIL", "NAME", "ROLE", "STATE" };
	struct mtc_staff *items = NULL;
	struct ctl_table *t;
	struct mtc_status st;
	size_t n = 0, i;
	int rc = CTL_OK;

	if (mtc_list_staff(ctl->client, &items, &n, &st) != MTC_OK)
		return ctl_fail(ctl, "staff", &st);
	if (ctl->json) {
		fputc('[', stdout);
		for (i = 0; i < n; i++) {
			char *j = mtc_staff_to_json(&items[i]);

			if (j == NULL) {
				free(items);
				return CTL_TROUBLE;
			}
			printf("%s%s", i ? "," : "", j);
			free(j);
		}
		fputs("]\n", stdout);
		free(items);
		return CTL_OK;
	}
	t = ctl_table_new(5, hdr);
	if (t == NULL) {
		free(items);
		return CTL_TROUBLE;
	}
	ctl_table_droppable(t, 0, 1);
	for (i = 0; i < n && rc == CTL_OK; i++) {
		const char *cells[] = { items[i].id, items[i].email, items[i].name, items[i].role, state_of(&items[i]) };

		if (ctl_table_add(t, cells, items[i].disabled ? CTL_C_DIM : CTL_C_NONE) != 0)
			rc = CTL_TROUBLE;
	}
	if (rc == CTL_OK)
		ctl_table_print(ctl, t, stdout);
	ctl_table_free(t);
	free(items);
	return rc;
}

/* Finds an account by id or e-mail: CTL_OK with *out, or an exit status. */
static int find(struct ctl *ctl, const char *spec, struct mtc_staff *out)
{
	struct mtc_staff *items = NULL;
	struct mtc_status st;
	size_t n = 0, i;

	if (mtc_list_staff(ctl->client, &items, &n, &st) != MTC_OK)
		return ctl_fail(ctl, "staff", &st);
	for (i = 0; i < n; i++) {
		if (strcmp(items[i].id, spec) == 0 || strcasecmp(items[i].email, spec) == 0) {
			*out = items[i];
			free(items);
			return CTL_OK;
		}
	}
	free(items);
	fprintf(stderr, "%s staff: no account '%s' (an id or an e-mail)\n", ctl->prog, spec);
	return CTL_REFUSED;
}

/* Prints one account after a change. */
static int done(struct ctl *ctl, const char *what, const struct mtc_staff *s)
{
	if (ctl->json)
		return ctl_print_json(mtc_staff_to_json(s));
	printf("%s %s <%s>: %s, %s\n", what, s->name, s->email, s->role, state_of(s));
	return CTL_OK;
}

/* Runs a subcommand. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTS, { "name", required_argument, NULL, 'n' }, { "role", required_argument, NULL, 'r' },
		{ "disable", no_argument, NULL, 'd' }, { "enable", no_argument, NULL, 'e' }, { 0, 0, 0, 0 }
	};
	struct mtc_staff_input in = { 0 };
	struct mtc_staff s;
	struct mtc_status st;
	const char *sub, *arg = NULL;
	char pw[1100];
	int ch, exit_now = 0, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': in.name = optarg; break;
		case 'r': in.role = optarg; break;
		case 'd': in.set_disabled = 1; in.disabled = 1; break;
		case 'e': in.set_disabled = 1; in.disabled = 0; break;
		default:
			if (!ctl_common_opt(ctl, &ctl_cmd_staff, ch, &exit_now))
				return ctl_usage(ctl, &ctl_cmd_staff, "unknown option");
			if (exit_now)
				return CTL_OK;
		}
	}
	sub = optind < argc ? argv[optind++] : "list";
	if (optind < argc)
		arg = argv[optind++];
	if (optind != argc)
		return ctl_usage(ctl, &ctl_cmd_staff, "unexpected argument '%s'", argv[optind]);
	if (strcmp(sub, "list") != 0 && strcmp(sub, "add") != 0 && strcmp(sub, "edit") != 0 && strcmp(sub, "reset") != 0)
		return ctl_usage(ctl, &ctl_cmd_staff, "unknown subcommand '%s'", sub);
	if (strcmp(sub, "list") != 0 && arg == NULL)
		return ctl_usage(ctl, &ctl_cmd_staff, "staff %s needs an %s", sub, strcmp(sub, "add") == 0 ? "e-mail" : "account");
	if (strcmp(sub, "add") == 0 && in.name == NULL)
		return ctl_usage(ctl, &ctl_cmd_staff, "staff add needs --name");
	if ((strcmp(sub, "add") == 0 || strcmp(sub, "reset") == 0) &&
	    ctl_secret(strcmp(sub, "add") == 0 ? "Initial password: " : "New password: ", pw, sizeof pw) != 0)
		return ctl_usage(ctl, &ctl_cmd_staff, "no password given");
	rc = ctl_connect(ctl);
	if (rc == CTL_OK && strcmp(sub, "list") == 0) {
		rc = list(ctl);
	} else if (rc == CTL_OK && strcmp(sub, "add") == 0) {
		in.email = arg;
		in.role = in.role != NULL ? in.role : "host";
		in.password = pw;
		rc = mtc_create_staff(ctl->client, &in, &s, &st) == MTC_OK ? done(ctl, "added", &s)
									   : ctl_fail(ctl, "staff add", &st);
	} else if (rc == CTL_OK && (rc = find(ctl, arg, &s)) == CTL_OK) {
		if (strcmp(sub, "reset") == 0)
			rc = mtc_reset_staff_password(ctl->client, s.id, pw, &s, &st) == MTC_OK
				     ? done(ctl, "password reset for", &s) : ctl_fail(ctl, "staff reset", &st);
		else
			rc = mtc_update_staff(ctl->client, s.id, &in, s.version, &s, &st) == MTC_OK
				     ? done(ctl, "changed", &s) : ctl_fail(ctl, "staff edit", &st);
	}
	memset(pw, 0, sizeof pw);
	return rc;
}
