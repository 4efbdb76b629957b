/* maitrectl password: change one's own password (also the first one). */
#include <string.h>
#include <unistd.h>
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_password = {
	"password", "password",
	"Changes the logged-in account's password (a new staff account must do so first:\n"
	"until then the server refuses everything else). Asks the current password and the\n"
	"new one twice, without echo; when standard input is not a terminal, its first line\n"
	"is the current password and its second the new one. The session goes on with the\n"
	"new tokens; every other session of the account ends.",
	run,
};

/* Changes the password. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_COMMON_OPTS, { 0, 0, 0, 0 } };
	char cur[1100], pw[1100], again[1100];
	int ch, exit_now = 0, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (!ctl_common_opt(ctl, &ctl_cmd_password, ch, &exit_now))
			return ctl_usage(ctl, &ctl_cmd_password, "unknown option");
		if (exit_now)
			return CTL_OK;
	}
	if (optind != argc)
		return ctl_usage(ctl, &ctl_cmd_password, "unexpected argument '%s'", argv[optind]);
	if (ctl_secret("Current password: ", cur, sizeof cur) != 0 || ctl_secret("New password: ", pw, sizeof pw) != 0)
		return ctl_usage(ctl, &ctl_cmd_password, "no password given");
	if (isatty(STDIN_FILENO) && (ctl_secret("New password again: ", again, sizeof again) != 0 ||
				     strcmp(again, pw) != 0)) {
		memset(cur, 0, sizeof cur);
		memset(pw, 0, sizeof pw);
		return ctl_usage(ctl, &ctl_cmd_password, "the two new passwords differ");
	}
	rc = ctl_connect(ctl);
	if (rc == CTL_OK) {
		struct mtc_status st;

		if (mtc_change_password(ctl->client, cur, pw, &st) != MTC_OK)
			rc = ctl_fail(ctl, "password", &st);
		else if (ctl->json)
			printf("{\"changed\":true}\n");
		else
			printf("password changed; other sessions of this account are ended\n");
	}
	memset(cur, 0, sizeof cur);
	memset(pw, 0, sizeof pw);
	memset(again, 0, sizeof again);
	return rc;
}
