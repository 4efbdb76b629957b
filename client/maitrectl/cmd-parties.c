/* maitrectl parties: the parties on a waitlist, in queue order. */
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_parties = {
	"parties", "parties [LIST] [--all | --status S]",
	"Shows the parties on LIST (optional when the restaurant has one list) in queue\n"
	"order: position, a short id (any unique prefix names the party), name, size,\n"
	"time waited, quote and time left or over, status, phone, notes.\n"
	"  --all        every party, also seated, cancelled and no-shows of the last 24 h\n"
	"  --status S   only these statuses (e.g. waiting,notified); default: active ones",
	run,
};

/* Prints the parties. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_COMMON_OPTS, { "all", no_argument, NULL, 'a' },
					      { "status", required_argument, NULL, 's' }, { 0, 0, 0, 0 } };
	const char *filter = "active";
	int ch, exit_now = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "has:", opts, NULL)) != -1) {
		if (ch == 'a')
			filter = NULL;
		else if (ch == 's')
			filter = optarg;
		else if (!ctl_common_opt(ctl, &ctl_cmd_parties, ch, &exit_now))
			return ctl_usage(ctl, &ctl_cmd_parties, "unknown option");
		if (exit_now)
			return CTL_OK;
	}
	if (argc - optind > 1)
		return ctl_usage(ctl, &ctl_cmd_parties, "too many arguments");
	struct mtc_waitlist wl = { 0 };
	int rc = ctl_connect_list(ctl, optind < argc ? argv[optind] : NULL, &wl);
	if (rc != CTL_OK)
		return rc;
	struct mtc_status st;
	struct mtc_waitee_list *l = NULL;
	if (mtc_list_waitees(ctl->client, wl.id, filter, MTC_LIST_ALL, &l, NULL, &st) != MTC_OK)
		rc = ctl_fail(ctl, "parties", &st);
	else
		rc = ctl_print_parties(ctl, &wl, l, stdout);
	mtc_waitee_list_unref(l);
	mtc_waitlist_clear(&wl);
	return rc;
}
