/* maitrectl lists: the restaurant's waitlists. */
#include <stdio.h>
#include <time.h>
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_lists = {
	"lists", "lists",
	"Lists the restaurant's waitlists: id, name, description, version, created.",
	run,
};

/* Prints the waitlists. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_COMMON_OPTS, { 0, 0, 0, 0 } };
	int ch, exit_now = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (!ctl_common_opt(ctl, &ctl_cmd_lists, ch, &exit_now))
			return ctl_usage(ctl, &ctl_cmd_lists, "unknown option");
		if (exit_now)
			return CTL_OK;
	}
	if (optind != argc)
		return ctl_usage(ctl, &ctl_cmd_lists, "unexpected argument '%s'", argv[optind]);
	int rc = ctl_connect(ctl);
	if (rc != CTL_OK)
		return rc;
	struct mtc_status st;
	struct mtc_waitlist_list *l = NULL;
	if (mtc_list_waitlists(ctl->client, MTC_LIST_ALL, &l, NULL, &st) != MTC_OK)
		return ctl_fail(ctl, "lists", &st);
	if (ctl->json) {
		rc = ctl_print_json(mtc_waitlist_list_to_json(l));
		mtc_waitlist_list_unref(l);
		return rc;
	}
	static const char *const hdr[] = { "ID", "NAME", "VERSION", "CREATED", "DESCRIPTION" };
	struct ctl_table *t = ctl_table_new(5, hdr);
	if (t == NULL) {
		mtc_waitlist_list_unref(l);
		return CTL_TROUBLE;
	}
	ctl_table_align_right(t, 2);
	ctl_table_droppable(t, 3, 1);   /* CREATED goes first on a narrow terminal */
	for (size_t i = 0; i < l->n && rc == CTL_OK; i++) {
		char ver[32], created[32];
		time_t s = (time_t)(l->items[i].created_at / 1000);
		struct tm tm;
		snprintf(ver, sizeof ver, "%lld", (long long)l->items[i].version);
		if (localtime_r(&s, &tm) == NULL || strftime(created, sizeof created, "%Y-%m-%d %H:%M", &tm) == 0)
			snprintf(created, sizeof created, "?");
		const char *cells[] = { l->items[i].id, l->items[i].name, ver, created, l->items[i].description };
		if (ctl_table_add(t, cells, CTL_C_NONE) != 0)
			rc = CTL_TROUBLE;
	}
	if (rc == CTL_OK)
		ctl_table_print(ctl, t, stdout);
	ctl_table_free(t);
	mtc_waitlist_list_unref(l);
	return rc;
}
