/* maitrectl list create|rename|delete: manage waitlists (owners). */
#include <string.h>
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_list = {
	"list", "list create NAME [--description D] | list rename LIST NEW-NAME | list delete LIST",
	"Creates, renames or deletes a waitlist (owners only; a host gets 'forbidden').\n"
	"LIST is an id, a unique prefix of an id, or a name. Deleting removes the list's\n"
	"parties too. Changes are conditional on the version just read (If-Match), so a\n"
	"change made meanwhile on another terminal is never overwritten.\n"
	"  --description D   the list's description (create)",
	run,
};

/* Creates, renames or deletes. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_COMMON_OPTS, { "description", required_argument, NULL, 'd' },
					      { 0, 0, 0, 0 } };
	const char *desc = NULL;
	int ch, exit_now = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "hd:", opts, NULL)) != -1) {
		if (ch == 'd')
			desc = optarg;
		else if (!ctl_common_opt(ctl, &ctl_cmd_list, ch, &exit_now))
			return ctl_usage(ctl, &ctl_cmd_list, "unknown option");
		if (exit_now)
			return CTL_OK;
	}
	char **a = argv + optind;
	int n = argc - optind;
	if (n < 1)
		return ctl_usage(ctl, &ctl_cmd_list, "create, rename or delete?");
	const char *verb = a[0];
	int want = strcmp(verb, "create") == 0 ? 2 : strcmp(verb, "rename") == 0 ? 3 : strcmp(verb, "delete") == 0 ? 2 : 0;
	if (want == 0)
		return ctl_usage(ctl, &ctl_cmd_list, "unknown action '%s'", verb);
	if (n != want)
		return ctl_usage(ctl, &ctl_cmd_list, "%s needs %d argument%s", verb, want - 1, want == 2 ? "" : "s");
	int rc = ctl_connect(ctl);
	if (rc != CTL_OK)
		return rc;
	struct mtc_status st;
	struct mtc_waitlist w = { 0 }, out = { 0 };
	if (strcmp(verb, "create") == 0) {
		struct mtc_waitlist_input in = { .set = MTC_SET_NAME, .name = a[1], .description = desc };
		if (desc != NULL)
			in.set |= MTC_SET_DESCRIPTION;
		if (mtc_create_waitlist(ctl->client, &in, NULL, &out, &st) != MTC_OK)
			return ctl_fail(ctl, "list create", &st);
		rc = ctl->json ? ctl_print_json(mtc_waitlist_to_json(&out)) : (printf("created %s %s\n", out.id, out.name), CTL_OK);
		mtc_waitlist_clear(&out);
		return rc;
	}
	if ((rc = ctl_find_list(ctl, a[1], &w)) != CTL_OK)
		return rc;
	if (strcmp(verb, "rename") == 0) {
		struct mtc_waitlist_input in = { .set = MTC_SET_NAME, .name = a[2] };
		if (mtc_update_waitlist(ctl->client, w.id, &in, w.version, &out, &st) != MTC_OK)
			rc = ctl_fail(ctl, "list rename", &st);
		else if (ctl->json)
			rc = ctl_print_json(mtc_waitlist_to_json(&out));
		else
			printf("renamed %s to %s\n", w.name, out.name);
	} else {
		if (mtc_delete_waitlist(ctl->client, w.id, w.version, &st) != MTC_OK)
			rc = ctl_fail(ctl, "list delete", &st);
		else if (!ctl->json)
			printf("deleted %s\n", w.name);
	}
	mtc_waitlist_clear(&w);
	mtc_waitlist_clear(&out);
	return rc;
}
