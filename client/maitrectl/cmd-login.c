/* maitrectl login: log in and keep the session (refresh token only, 0600). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_login = {
	"login", "login [--email E]",
	"Logs in to the server and keeps the session in $XDG_STATE_HOME/maitre/session\n"
	"(mode 0600: the server and a refresh token, never the password).\n"
	"The e-mail comes from --email, else the config file's `email`, else a prompt.\n"
	"The password is asked on the terminal without echo; when standard input is not\n"
	"a terminal, its first line is the password (for scripts:\n"
	"  printf '%s\\n' \"$PW\" | maitrectl --server URL login --email E).",
	run,
};

/* Logs in. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_COMMON_OPTS, { "email", required_argument, NULL, 'e' }, { 0, 0, 0, 0 } };
	const char *email = ctl->cfg.email;
	int ch, exit_now = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "he:", opts, NULL)) != -1) {
		if (ch == 'e')
			email = optarg;
		else if (!ctl_common_opt(ctl, &ctl_cmd_login, ch, &exit_now))
			return ctl_usage(ctl, &ctl_cmd_login, "unknown option");
		if (exit_now)
			return CTL_OK;
	}
	if (optind != argc)
		return ctl_usage(ctl, &ctl_cmd_login, "unexpected argument '%s'", argv[optind]);
	char ebuf[300], pw[1100];
	int interactive = isatty(STDIN_FILENO);
	if (email == NULL) {
		if (!interactive || ctl_ask("E-mail: ", 0, ebuf, sizeof ebuf) != 0 || ebuf[0] == '\0')
			return ctl_usage(ctl, &ctl_cmd_login, "no e-mail: give --email E");
		email = ebuf;
	}
	int got = interactive ? ctl_ask("Password: ", 1, pw, sizeof pw) : ctl_read_line(stdin, pw, sizeof pw);
	if (got != 0 || pw[0] == '\0') {
		fprintf(stderr, "%s login: no password given%s\n", ctl->prog,
			interactive ? "" : " (one line on standard input)");
		return CTL_USAGE;
	}
	int rc = ctl_connect(ctl);
	if (rc != CTL_OK)
		return rc;
	struct mtc_status st;
	enum mtc_error e = mtc_login(ctl->client, email, pw, &st);
	memset(pw, 0, sizeof pw);
	if (e != MTC_OK)
		return ctl_fail(ctl, "login", &st);
	if (!ctl->json) {
		struct mtc_session_info info;

		mtc_client_session_info(ctl->client, &info);
		printf("logged in to %s as %s%s%s%s\n", ctl->server, email, info.known ? " (" : "", info.known ? info.role : "",
		       info.known ? ")" : "");
		if (info.must_change_password)
			printf("this account must change its password first: maitrectl password\n");
	} else
		printf("{\"server\":\"%s\",\"loggedIn\":true}\n", ctl->server);
	return CTL_OK;
}
