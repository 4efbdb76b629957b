/* maitrectl stats: a waitlist's stats (served, covers, waits, quote
 * accuracy, no-shows and cancels) over some days, by hour and party size. */
#include <stdio.h>
#include <string.h>
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_stats = {
	"stats", "stats [LIST] [--from DATE] [--to DATE] [--tz ZONE]",
	"Shows LIST's stats (optional when the restaurant has one list): parties served\n"
	"and covers, mean, median and 90th-percentile wait, quote accuracy (waited minus\n"
	"quoted: mean and spread), no-show and cancel rates; then the same by hour of\n"
	"the day the parties joined and by party size. Owner and managers only.\n"
	"  --from DATE  first day, YYYY-MM-DD (default: 6 days before --to)\n"
	"  --to DATE    last day, included (default: today)\n"
	"  --tz ZONE    IANA time zone of the days and hours (default: the restaurant's)\n"
	"With --json, the server's answer as it came.",
	run,
};

/* Writes v with one decimal, or "-" when v < 0 (none). */
static void fmt1(char *buf, size_t n, double v)
{
	if (v < 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.1f", v);
}

/* Writes a rate as a percentage, or "-" when none. */
static void fmt_rate(char *buf, size_t n, double v)
{
	if (v < 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.1f%%", v * 100.0);
}

/* Writes the quote accuracy "+3.2 ±5.1", or "-" without quoted parties. */
static void fmt_acc(char *buf, size_t n, const struct mtc_stat_summary *s)
{
	if (s->quoted <= 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%+.1f ±%.1f", s->accuracy_mean, s->accuracy_spread);
}

/* Adds a row for one summary under label. -1 on no memory. */
static int add_row(struct ctl_table *t, const char *label, const struct mtc_stat_summary *s)
{
	char parties[24], served[24], covers[24], mean[24], p90[24], noshow[24], cancel[24], acc[48];
	snprintf(parties, sizeof parties, "%ld", s->parties);
	snprintf(served, sizeof served, "%ld", s->served);
	snprintf(covers, sizeof covers, "%ld", s->covers);
	fmt1(mean, sizeof mean, s->wait_mean);
	if (s->wait_p90 < 0)
		snprintf(p90, sizeof p90, "-");
	else
		snprintf(p90, sizeof p90, "%.0f", s->wait_p90);
	fmt_rate(noshow, sizeof noshow, s->no_show_rate);
	fmt_rate(cancel, sizeof cancel, s->cancel_rate);
	fmt_acc(acc, sizeof acc, s);
	const char *cells[] = { label, parties, served, covers, mean, p90, noshow, cancel, acc };
	return ctl_table_add(t, cells, s->parties == 0 ? CTL_C_DIM : CTL_C_NONE);
}

/* A table with the first column named first. NULL on no memory. */
static struct ctl_table *new_table(const char *first)
{
	const char *const hdr[] = { first, "PARTIES", "SERVED", "COVERS", "WAIT", "P90", "NO-SHOW", "CANCEL",
				    "VS QUOTE" };
	struct ctl_table *t = ctl_table_new(9, hdr);
	if (t == NULL)
		return NULL;
	for (size_t c = 1; c < 9; c++)
		ctl_table_align_right(t, c);
	ctl_table_droppable(t, 8, 1);
	return t;
}

/* Prints the stats as text: a summary, then the tables by hour and by party size. */
static int print_stats(struct ctl *ctl, const char *list_name, const struct mtc_stats *s)
{
	const struct mtc_stat_summary *t = &s->total;
	char mean[24], acc[48], noshow[24], cancel[24];
	fmt1(mean, sizeof mean, t->wait_mean);
	fmt_acc(acc, sizeof acc, t);
	fmt_rate(noshow, sizeof noshow, t->no_show_rate);
	fmt_rate(cancel, sizeof cancel, t->cancel_rate);
	printf("%s · %s to %s (%s)\n", list_name, s->from, s->to, s->timezone);
	printf("%ld parties · %ld served · %ld covers · %ld cancelled (%s) · %ld no-show (%s)\n", t->parties,
	       t->served, t->covers, t->cancelled, cancel, t->no_show, noshow);
	if (t->served > 0)
		printf("wait: mean %s min · median %.0f · 90th percentile %.0f", mean, t->wait_p50, t->wait_p90);
	else
		printf("wait: nobody served");
	if (t->quoted > 0)
		printf(" · vs quote %s min (%ld quoted)\n", acc, t->quoted);
	else
		printf(" · no quoted parties served\n");
	if (t->parties == 0)
		return CTL_OK;

	int rc = CTL_OK;
	struct ctl_table *h = new_table("HOUR");
	if (h == NULL)
		return CTL_TROUBLE;
	for (int i = 0; i < 24 && rc == CTL_OK; i++) {
		char label[16];
		if (s->by_hour[i].parties == 0)
			continue;
		snprintf(label, sizeof label, "%02d:00", i);
		if (add_row(h, label, &s->by_hour[i]) != 0)
			rc = CTL_TROUBLE;
	}
	if (rc == CTL_OK) {
		putchar('\n');
		ctl_table_print(ctl, h, stdout);
	}
	ctl_table_free(h);
	struct ctl_table *z = rc == CTL_OK ? new_table("SIZE") : NULL;
	if (rc == CTL_OK && z == NULL)
		rc = CTL_TROUBLE;
	for (int i = 0; z != NULL && i < s->n_sizes && rc == CTL_OK; i++) {
		char label[16];
		snprintf(label, sizeof label, "%d", s->sizes[i]);
		if (add_row(z, label, &s->by_size[i]) != 0)
			rc = CTL_TROUBLE;
	}
	if (rc == CTL_OK) {
		putchar('\n');
		ctl_table_print(ctl, z, stdout);
	}
	ctl_table_free(z);
	return rc;
}

/* Prints the stats. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_COMMON_OPTS, { "from", required_argument, NULL, 'f' },
					      { "to", required_argument, NULL, 't' },
					      { "tz", required_argument, NULL, 'z' }, { 0, 0, 0, 0 } };
	const char *from = NULL, *to = NULL, *tz = NULL;
	int ch, exit_now = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'f')
			from = optarg;
		else if (ch == 't')
			to = optarg;
		else if (ch == 'z')
			tz = optarg;
		else if (!ctl_common_opt(ctl, &ctl_cmd_stats, ch, &exit_now))
			return ctl_usage(ctl, &ctl_cmd_stats, "unknown option");
		if (exit_now)
			return CTL_OK;
	}
	if (argc - optind > 1)
		return ctl_usage(ctl, &ctl_cmd_stats, "too many arguments");
	struct mtc_waitlist wl = { 0 };
	int rc = ctl_connect_list(ctl, optind < argc ? argv[optind] : NULL, &wl);
	if (rc != CTL_OK)
		return rc;
	struct mtc_status st;
	struct mtc_stats s;
	memset(&s, 0, sizeof s);
	if (mtc_get_stats(ctl->client, wl.id, from, to, tz, &s, &st) != MTC_OK)
		rc = ctl_fail(ctl, "stats", &st);
	else if (ctl->json)
		rc = printf("%s\n", s.json) < 0 ? CTL_TROUBLE : CTL_OK;
	else
		rc = print_stats(ctl, wl.name, &s);
	mtc_stats_clear(&s);
	mtc_waitlist_clear(&wl);
	return rc;
}
