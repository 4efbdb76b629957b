/* maitrectl logout: revoke the session on the server and forget it here. */
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_logout = {
	"logout", "logout",
	"Revokes the session's refresh tokens on the server and removes the session file.\n"
	"The session file is removed even when the server cannot be reached.",
	run,
};

/* Logs out. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_COMMON_OPTS, { 0, 0, 0, 0 } };
	int ch, exit_now = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (!ctl_common_opt(ctl, &ctl_cmd_logout, ch, &exit_now))
			return ctl_usage(ctl, &ctl_cmd_logout, "unknown option");
		if (exit_now)
			return CTL_OK;
	}
	if (optind != argc)
		return ctl_usage(ctl, &ctl_cmd_logout, "unexpected argument '%s'", argv[optind]);
	int rc = ctl_connect(ctl);
	if (rc != CTL_OK)
		return rc;
	struct mtc_status st;
	if (!mtc_client_has_session(ctl->client)) {
		if (!ctl->json)
			printf("not logged in\n");
		return CTL_OK;
	}
	if (mtc_logout(ctl->client, &st) != MTC_OK)
		return ctl_fail(ctl, "logout (the local session is gone anyway)", &st);
	if (!ctl->json)
		printf("logged out\n");
	return CTL_OK;
}
