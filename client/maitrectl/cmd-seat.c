/* maitrectl seat: one action on one party. */
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_seat = {
	"seat", "seat [LIST] PARTY",
	"Marks the party seated.\n"
	"PARTY is an id, a unique id prefix or a name (active parties first); LIST may be\n"
	"left out when the restaurant has one list. Conditional on the version just read.",
	run,
};

/* Runs the action. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	return ctl_party_action(ctl, &ctl_cmd_seat, argc, argv, MTC_PARTY_SEATED, "seated");
}
