/* maitrectl watch: the board redrawn in place every few seconds until Ctrl-C. */
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_watch = {
	"watch", "watch [LIST] [--interval S] [--all] [--count N]",
	"Shows the parties of LIST like `parties` and redraws them in place every few\n"
	"seconds (like watch(1)) until Ctrl-C. Polling is cheap: an unchanged list is a\n"
	"304 from the server. When the server cannot be reached the last board stays\n"
	"with a warning line, and watching goes on.\n"
	"  --interval S   seconds between redraws (default: the config's poll_interval, else 3)\n"
	"  --all          also finished parties\n"
	"  --count N      stop after N redraws (for scripts and tests)",
	run,
};

static volatile sig_atomic_t stop;   /* set by SIGINT/SIGTERM */

/* Asks the loop to end. */
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Terminal columns of stdout, 0 when unknown. */
static int columns(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

/* Watches. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_COMMON_OPTS, { "interval", required_argument, NULL, 'i' },
					      { "all", no_argument, NULL, 'a' }, { "count", required_argument, NULL, 'c' },
					      { 0, 0, 0, 0 } };
	int interval = ctl->cfg.poll_interval_s > 0 ? ctl->cfg.poll_interval_s : 3, count = 0;
	const char *filter = "active";
	int ch, exit_now = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "hi:ac:", opts, NULL)) != -1) {
		if (ch == 'i') {
			if (ctl_parse_int(optarg, 1, 3600, &interval) != 0)
				return ctl_usage(ctl, &ctl_cmd_watch, "--interval: seconds from 1 to 3600");
		} else if (ch == 'c') {
			if (ctl_parse_int(optarg, 1, 1000000, &count) != 0)
				return ctl_usage(ctl, &ctl_cmd_watch, "--count: a positive number");
		} else if (ch == 'a') {
			filter = NULL;
		} else if (!ctl_common_opt(ctl, &ctl_cmd_watch, ch, &exit_now)) {
			return ctl_usage(ctl, &ctl_cmd_watch, "unknown option");
		}
		if (exit_now)
			return CTL_OK;
	}
	if (argc - optind > 1)
		return ctl_usage(ctl, &ctl_cmd_watch, "too many arguments");
	struct mtc_waitlist wl = { 0 };
	int rc = ctl_connect_list(ctl, optind < argc ? argv[optind] : NULL, &wl);
	if (rc != CTL_OK)
		return rc;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct mtc_waitee_list *last = NULL;
	char problem[600] = "";
	int refused = 0;
	for (int n = 0; !stop && (count == 0 || n < count); n++) {
		struct mtc_status st;
		struct mtc_waitee_list *l = NULL;
		enum mtc_error e = mtc_list_waitees(ctl->client, wl.id, filter, MTC_LIST_ALL, &l, NULL, &st);
		if (e == MTC_OK) {
			mtc_waitee_list_unref(last);
			last = l;
			problem[0] = '\0';
		} else {
			snprintf(problem, sizeof problem, "cannot refresh: %s", st.message);
			if (ctl_exit_code(e) != CTL_TROUBLE || e == MTC_ERR_UNAUTHORIZED) {
				refused = ctl_fail(ctl, "watch", &st);
				break;
			}
		}
		if (ctl->tty) {
			ctl->width = columns();
			fputs("\033[H\033[2J", stdout);
		}
		time_t now = time(NULL);
		struct tm tm;
		char clock[16] = "";
		if (localtime_r(&now, &tm) != NULL)
			strftime(clock, sizeof clock, "%H:%M:%S", &tm);
		if (!ctl->json) {
			size_t waiting = 0, covers = 0;
			for (size_t i = 0; last != NULL && i < last->n; i++)
				if (mtc_party_status_active(last->items[i].status)) {
					waiting++;
					covers += (size_t)last->items[i].party_size;
				}
			printf("%s · %zu parties · %zu covers · every %ds    %s\n", wl.name, waiting, covers, interval, clock);
			if (problem[0])
				printf("%s%s (retrying)%s\n", ctl->color ? "\033[30;43m" : "", problem,
				       ctl->color ? "\033[0m" : "");
			putchar('\n');
		}
		if (last != NULL)
			ctl_print_parties(ctl, &wl, last, stdout);
		fflush(stdout);
		if (count != 0 && n + 1 >= count)
			break;
		for (int t = 0; t < interval * 10 && !stop; t++) {
			struct timespec ts = { 0, 100 * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	mtc_waitee_list_unref(last);
	mtc_waitlist_clear(&wl);
	return refused;
}
