/* maitrectl no-show: one action on one party. */
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_no_show = {
	"no-show", "no-show [LIST] PARTY",
	"Marks the party as a no-show.\n"
	"PARTY is an id, a unique id prefix or a name (active parties first); LIST may be\n"
	"left out when the restaurant has one list. Conditional on the version just read.",
	run,
};

/* Runs the action. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	return ctl_party_action(ctl, &ctl_cmd_no_show, argc, argv, MTC_PARTY_NO_SHOW, "marked no-show");
}
