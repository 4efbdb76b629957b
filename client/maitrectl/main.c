/* maitrectl: a command-line tool over libmaitre-client for scripts and the office.
 * main: global options, the config file, the server, run one command, clean up. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "ctl.h"

/* Prints the top-level help. */
static void usage(FILE *f)
{
	fprintf(f, "usage: maitrectl [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		   "Global options:\n"
		   "  --server URL     the Maitre server (else $MAITRE_SERVER, the config's server,\n"
		   "                   or the server of the saved session)\n"
		   "  --session FILE   session file (default $XDG_STATE_HOME/maitre/session)\n"
		   "  --config FILE    config file (default $XDG_CONFIG_HOME/maitre/config)\n"
		   "  --timeout S      total time allowed per request, seconds (default 15)\n"
		   "  --ca-file PEM    trust this CA (a private CA); verification stays on\n"
		   "  --json           the API's JSON on stdout\n"
		   "  --no-header      tables without their header line\n"
		   "  --no-color       no colours (also when NO_COLOR is set or stdout is not a terminal)\n"
		   "  --help, --version\n\nCommands:\n");
	ctl_commands_list(f);
	fprintf(f, "\nmaitrectl COMMAND --help tells more. Exit status: 0 ok, 1 usage, 2 refused by the\n"
		   "server, 3 network or login trouble. MAITRE_DEBUG=1 traces requests (secrets masked).\n");
}

/* Chooses the server: flag, environment, config, then the saved session's. */
static void pick_server(struct ctl *ctl, const char *flag)
{
	const char *env = getenv("MAITRE_SERVER");
	const char *s = flag != NULL ? flag : env != NULL && env[0] ? env : ctl->cfg.server;
	struct mtc_session sess = { 0 };
	if (s == NULL && mtc_session_load(ctl->session_path, &sess, NULL) == MTC_OK)
		s = sess.server;
	snprintf(ctl->server, sizeof ctl->server, "%s", s != NULL ? s : "");
	mtc_session_clear(&sess);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' }, { "session", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'C' }, { "timeout", required_argument, NULL, 't' },
		{ "ca-file", required_argument, NULL, 'a' }, { "json", no_argument, NULL, 'j' },
		{ "no-header", no_argument, NULL, 'H' }, { "no-color", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }, { 0, 0, 0, 0 },
	};
	struct ctl ctl = { .prog = "maitrectl" };
	const char *server = NULL, *config = NULL, *ca = NULL;
	int timeout_s = 0, no_color = 0, ch, rc = CTL_OK;
	setlocale(LC_ALL, "");
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': server = optarg; break;
		case 'S': ctl.session_path = optarg; break;
		case 'C': config = optarg; break;
		case 'a': ca = optarg; break;
		case 'j': ctl.json = 1; break;
		case 'H': ctl.no_header = 1; break;
		case 'n': no_color = 1; break;
		case 't':
			if (ctl_parse_int(optarg, 1, 3600, &timeout_s) != 0) {
				fprintf(stderr, "maitrectl: --timeout: seconds from 1 to 3600\n");
				return CTL_USAGE;
			}
			break;
		case 'h': usage(stdout); return CTL_OK;
		case 'V': printf("maitrectl %d.%d.%d\n", MTC_VERSION_MAJOR, MTC_VERSION_MINOR, MTC_VERSION_PATCH); return CTL_OK;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	const struct ctl_cmd *cmd = ctl_command_find(argv[optind]);
	if (cmd == NULL && strcmp(argv[optind], "help") == 0) {
		const struct ctl_cmd *c = optind + 1 < argc ? ctl_command_find(argv[optind + 1]) : NULL;
		if (c != NULL)
			ctl_help(c, stdout);
		else
			usage(stdout);
		return CTL_OK;
	}
	if (cmd == NULL) {
		fprintf(stderr, "maitrectl: unknown command '%s' (maitrectl --help lists them)\n", argv[optind]);
		return CTL_USAGE;
	}
	struct mtc_status st;
	if (mtc_global_init() != MTC_OK) {
		fprintf(stderr, "maitrectl: cannot start libcurl\n");
		return CTL_TROUBLE;
	}
	if (mtc_config_load(config, &ctl.cfg, &st) != MTC_OK)
		fprintf(stderr, "maitrectl: config: %s (ignored)\n", st.message);
	for (size_t i = 0; i < ctl.cfg.n_warnings; i++)
		fprintf(stderr, "maitrectl: %s:%d: %s (line ignored)\n", ctl.cfg.warnings[i].file, ctl.cfg.warnings[i].line,
			ctl.cfg.warnings[i].message);
	pick_server(&ctl, server);
	ctl.tty = isatty(STDOUT_FILENO);
	const char *nc = getenv("NO_COLOR");
	ctl.color = ctl.tty && !no_color && (nc == NULL || nc[0] == '\0');
	struct winsize ws;
	if (ctl.tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		ctl.width = ws.ws_col;
	if (timeout_s > 0 || ca != NULL) {
		rc = ctl_connect(&ctl);
		if (rc == CTL_OK && timeout_s > 0)
			mtc_client_set_timeouts(ctl.client, 0, (long)timeout_s * 1000);
		if (rc == CTL_OK && ca != NULL && access(ca, R_OK) != 0) {
			fprintf(stderr, "maitrectl: --ca-file %s: cannot read it\n", ca);
			rc = CTL_USAGE;
		}
		if (rc == CTL_OK && ca != NULL)
			mtc_client_set_ca_file(ctl.client, ca);
	}
	if (rc == CTL_OK)
		rc = cmd->run(&ctl, argc - optind, argv + optind);
	mtc_client_free(ctl.client);
	mtc_config_free(&ctl.cfg);
	mtc_global_cleanup();
	if (fflush(stdout) != 0 && rc == CTL_OK)
		rc = CTL_TROUBLE;
	return rc;
}
