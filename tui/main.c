/* maitre, the host-stand app: options, configuration, the app, the loop,
 * cleaning up. */
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <maitre/client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "util.h"
#include "zone.h"
#include "kit/desknotify.h"
#include "kit/palette.h"
#include "kit/theme.h"
#include "loop.h"
#include "state.h"
#include "sync.h"
#include "term.h"

#define DEFAULT_SERVER "http://127.0.0.1:8080"

/* Prints the usage. */
static void usage(FILE *f)
{
	fprintf(f,
		"Usage: maitre [--server URL] [--theme NAME|PATH] [--config FILE] [--logout]\n"
		"The host-stand app of Maitre: the live waitlist, from the keyboard.\n\n"
		"  --server URL     API to use (also MAITRE_SERVER, or `server =` in the config)\n"
		"  --theme NAME     dark, light, high-contrast, monochrome, or a theme file path\n"
		"  --config FILE    config file (default $XDG_CONFIG_HOME/maitre/config)\n"
		"  --logout         forget the stored session and exit\n"
		"  --help, --version\n\n"
		"Keys: ? on the board lists them. See maitre(1) and docs/host-stand.md.\n");
}

/* Copies a string option into a fixed buffer. */
static void set(char *dst, size_t cap, const char *src)
{
	str_fmt(dst, cap, "%s", src ? src : "");
}

/* Runs the app. */
int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' }, { "theme", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, 'c' }, { "logout", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },         { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opt_server = NULL, *opt_theme = NULL, *opt_config = NULL;
	int logout = 0;
	int c;
	while ((c = getopt_long(argc, argv, "s:t:c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's': opt_server = optarg; break;
		case 't': opt_theme = optarg; break;
		case 'c': opt_config = optarg; break;
		case 'L': logout = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("maitre 0.1.0\n"); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "maitre: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (mtc_global_init() != MTC_OK) {
		fprintf(stderr, "maitre: cannot initialise the network library\n");
		return 1;
	}

	static struct app app; /* large: keep it off the stack */
	struct app *a = &app;
	struct tk_theme theme;
	struct tk_palette palette;
	memset(&palette, 0, sizeof palette);
	tk_theme_default(&theme);
	a->theme = &theme;
	a->palette = &palette;
	a->poll_ms = 2000;
	a->notify_desktop = 1;
	a->now_ms = app_wall_ms();
	a->mono_ms = app_mono_ms();
	field_init(&a->search, 100, 0, 0);

	/* configuration: flag > environment > config file > default */
	struct mtc_config cfg;
	struct mtc_status st;
	mtc_status_reset(&st);
	if (mtc_config_load(opt_config, &cfg, &st) != MTC_OK)
		app_activity(a, TK_SLOT_ERROR, "config: %s (ignored)", st.message);
	for (size_t i = 0; i < cfg.n_warnings; i++)
		app_activity(a, TK_SLOT_ERROR, "%s:%d: %s (line ignored)", cfg.warnings[i].file, cfg.warnings[i].line,
			     cfg.warnings[i].message);
	const char *env_server = getenv("MAITRE_SERVER");
	set(a->server, sizeof a->server,
	    opt_server ? opt_server : env_server && *env_server ? env_server : cfg.server ? cfg.server : DEFAULT_SERVER);
	set(a->email, sizeof a->email, cfg.email);
	set(a->country, sizeof a->country, cfg.country[0] ? cfg.country : "US");
	a->country_set = cfg.country[0] != '\0';
	if (cfg.poll_interval_s > 0)
		a->poll_ms = cfg.poll_interval_s * 1000;
	if (cfg.notifications == 0)
		a->notify_desktop = 0;
	if (state_dir_init(a) != 0)
		app_activity(a, TK_SLOT_ERROR, "no $XDG_STATE_HOME or $HOME: offline actions are kept in memory only");
	state_load_last(a);
	/* theme: --theme, else the last one picked with `t`, else the config's */
	char theme_spec[512];
	set(theme_spec, sizeof theme_spec,
	    opt_theme ? opt_theme : a->theme_chosen[0] ? a->theme_chosen : cfg.theme);
	mtc_config_free(&cfg);

	char err[512];
	a->sync = sync_new(a, NULL, err, sizeof err);
	if (!a->sync) {
		fprintf(stderr, "maitre: %s\n", err);
		mtc_global_cleanup();
		return 1;
	}
	if (logout) {
		sync_logout(a->sync);
		sync_free(a->sync);
		mtc_global_cleanup();
		printf("maitre: session forgotten\n");
		return 0;
	}

	int sigfd = term_open(err, sizeof err);
	if (sigfd < 0) {
		fprintf(stderr, "maitre: %s\n", err);
		sync_free(a->sync);
		mtc_global_cleanup();
		return 1;
	}
	/* while curses owns the screen, stray library messages (glib, curl) would
	 * scribble over it: stderr goes to a log file in the state directory */
	int saved_stderr = -1;
	if (a->state_dir[0]) {
		char logpath[600];
		str_fmt(logpath, sizeof logpath, "%s/maitre.log", a->state_dir);
		state_dir_make(a);
		int lfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (lfd >= 0) {
			saved_stderr = dup(STDERR_FILENO);
			dup2(lfd, STDERR_FILENO);
			close(lfd);
		}
	}
	a->ascii_mode = strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
	app_theme_load(a, theme_spec[0] ? theme_spec : NULL);
	a->notifier = tk_notifier_new("maitre", a->notify_desktop);
	a->notified_once = tk_once_new();

	/* login fields start with what we know */
	for (int i = 0; i < LF_COUNT; i++)
		field_init(&a->login.f[i], i == LF_SERVER ? 500 : 254, 0, i == LF_PASSWORD);
	field_set(&a->login.f[LF_SERVER], a->server);
	field_set(&a->login.f[LF_EMAIL], a->email);
	/* a new restaurant is offered this machine's zone and country (before any TZ of a restaurant is set) */
	char zone[72], cc[4];
	zone_of_machine(zone, sizeof zone);
	zone_machine_country(zone, cc, sizeof cc);
	field_set(&a->login.f[LF_TIMEZONE], zone);
	field_set(&a->login.f[LF_COUNTRY], cc);
	a->login.f[LF_TIMEZONE].replace = zone[0] != '\0';   /* Tab keeps it, typing replaces it */
	a->login.f[LF_COUNTRY].replace = cc[0] != '\0';
	/* with a server given, start in the e-mail field; a remembered e-mail is
	 * kept by Tab / Enter and replaced by typing */
	a->login.focus = (opt_server || env_server) ? LF_EMAIL : LF_SERVER;
	a->login.f[LF_EMAIL].replace = a->email[0] != '\0';
	field_init(&a->picker.name, 200, 0, 0);

	if (sync_has_session(a->sync) && a->list_id[0]) {
		state_open_list(a, a->list_id, a->list_name);
	} else if (sync_has_session(a->sync)) {
		app_set_screen(a, SCREEN_PICKER);
		sync_load_lists(a->sync);
	} else {
		app_set_screen(a, SCREEN_LOGIN);
	}

	loop_run(a, sigfd);

	size_t queued = a->outbox.n;
	sync_free(a->sync);
	a->sync = NULL;
	tk_notifier_free(a->notifier);
	tk_once_free(a->notified_once);
	term_close();
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
	}
	if (queued)
		printf("maitre: %zu action%s not sent yet; kept in %s and sent at the next start\n", queued,
		       queued == 1 ? "" : "s", a->outbox.path);
	outbox_close(&a->outbox);
	free(a->server_rows);
	free(a->rows);
	free(a->visible);
	free(a->picker.items);
	mtc_global_cleanup();
	return 0;
}
