/* maitrectl whoami: the account, restaurant and role of the session. */
#include <time.h>
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_whoami = {
	"whoami", "whoami",
	"Shows the server, the account id, the restaurant (tenant) id and the role\n"
	"(owner or host) of the current session, refreshing it when needed.",
	run,
};

/* Prints who we are. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_COMMON_OPTS, { 0, 0, 0, 0 } };
	int ch, exit_now = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (!ctl_common_opt(ctl, &ctl_cmd_whoami, ch, &exit_now))
			return ctl_usage(ctl, &ctl_cmd_whoami, "unknown option");
		if (exit_now)
			return CTL_OK;
	}
	if (optind != argc)
		return ctl_usage(ctl, &ctl_cmd_whoami, "unexpected argument '%s'", argv[optind]);
	int rc = ctl_connect(ctl);
	if (rc != CTL_OK)
		return rc;
	struct mtc_status st;
	struct mtc_identity id;
	if (mtc_client_identity(ctl->client, &id) != MTC_OK || id.expires_at <= (int64_t)time(NULL) * 1000 + 30000) {
		if (mtc_refresh(ctl->client, &st) != MTC_OK)
			return ctl_fail(ctl, "whoami", &st);
		if (mtc_client_identity(ctl->client, &id) != MTC_OK) {
			fprintf(stderr, "%s: whoami: the access token carries no identity\n", ctl->prog);
			return CTL_TROUBLE;
		}
	}
	if (ctl->json) {
		printf("{\"server\":\"%s\",\"accountId\":\"%s\",\"tenantId\":\"%s\",\"role\":\"%s\"}\n", ctl->server,
		       id.account_id, id.tenant_id, id.role);
		return CTL_OK;
	}
	printf("server   %s\naccount  %s\ntenant   %s\nrole     %s\n", ctl->server, id.account_id, id.tenant_id,
	       id.role);
	return CTL_OK;
}
