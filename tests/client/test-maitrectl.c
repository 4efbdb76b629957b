/* maitrectl end to end against a real maitred: login from a pipe, every
 * command, tables aligned by display width, --json (the API's JSON),
 * --no-header, names/prefixes, the config file, --help per command, exit
 * statuses (0 ok, 1 usage, 2 refused, 3 network/auth), watch. */
#define _XOPEN_SOURCE 700   /* wcswidth */
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>
#include "common.h"

#ifndef MAITRECTL_PATH
#error "MAITRECTL_PATH must point at the built maitrectl"
#endif

static struct test_server srv;     /* maitred under test */
static char email[128];            /* the owner's e-mail */
static char state_dir[400];        /* XDG_STATE_HOME for maitrectl */
static char config_dir[400];       /* XDG_CONFIG_HOME for maitrectl */
static int debug_env;              /* 1: run maitrectl with MAITRE_DEBUG=1 */

/* Output of one run. */
struct run {
	int status;      /* exit status, 128+signal when killed */
	char *out;       /* stdout (malloc'd) */
	char *err;       /* stderr (malloc'd) */
};

/* Reads all of fd into a malloc'd string. */
static char *slurp(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		if (len + 1024 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

/* Runs maitrectl with args (NULL-terminated) and input on stdin; server given with --server unless no_server. */
static struct run ctl_run(const char *input, int no_server, const char *const *args)
{
	int in[2], out[2], err[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[1]);
		close(out[0]);
		close(err[0]);
		setenv("XDG_STATE_HOME", state_dir, 1);
		setenv("XDG_CONFIG_HOME", config_dir, 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		unsetenv("MAITRE_SERVER");
		if (debug_env)
			setenv("MAITRE_DEBUG", "1", 1);
		else
			unsetenv("MAITRE_DEBUG");
		const char *argv[40];
		size_t n = 0;
		argv[n++] = "maitrectl";
		if (!no_server) {
			argv[n++] = "--server";
			argv[n++] = srv.base_url;
		}
		for (size_t i = 0; args[i] != NULL && n < 39; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(MAITRECTL_PATH, (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	if (input != NULL && write(in[1], input, strlen(input)) < 0)
		fail_msg("write to maitrectl");
	close(in[1]);
	struct run r;
	r.out = slurp(out[0]);
	r.err = slurp(err[0]);
	close(out[0]);
	close(err[0]);
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return r;
}

/* Frees a run. */
static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Runs and checks the exit status, printing the output when it differs. */
static struct run ctl_expect(int want, const char *input, const char *const *args)
{
	struct run r = ctl_run(input, 0, args);
	if (r.status != want)
		fprintf(stderr, "maitrectl %s: exit %d\nstdout: %s\nstderr: %s\n", args[0], r.status, r.out, r.err);
	assert_int_equal(r.status, want);
	return r;
}
#define CTL(want, input, ...) ctl_expect((want), (input), (const char *const[]){ __VA_ARGS__, NULL })

/* Display column where needle starts in line (or -1). */
static int display_col(const char *line, const char *needle)
{
	const char *p = strstr(line, needle);
	if (p == NULL)
		return -1;
	size_t nb = (size_t)(p - line);
	char *prefix = strndup(line, nb);
	wchar_t w[512];
	size_t n = mbstowcs(w, prefix, 511);
	free(prefix);
	if (n == (size_t)-1)
		return -1;
	return wcswidth(w, n);
}

/* The line of text containing needle (malloc'd) or NULL. */
static char *line_with(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	if (p == NULL)
		return NULL;
	const char *b = p, *e = p;
	while (b > text && b[-1] != '\n')
		b--;
	while (*e && *e != '\n')
		e++;
	return strndup(b, (size_t)(e - b));
}

/* Starts maitred, registers an owner, prepares the XDG directories. */
static int setup(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	if (mtc_global_init() != MTC_OK || tc_start(&srv, NULL) != 0)
		return -1;
	char *token = NULL;
	test_unique_email(email, sizeof email, "ctl");
	if (test_register_and_login(&srv, email, TC_PASSWORD, "Owner", &token, NULL) != 0)
		return -1;
	free(token);
	snprintf(state_dir, sizeof state_dir, "%s/state", srv.root);
	snprintf(config_dir, sizeof config_dir, "%s/config", srv.root);
	return 0;
}

/* Stops maitred. */
static int teardown(void **state)
{
	(void)state;
	test_server_free(&srv);
	mtc_global_cleanup();
	return 0;
}

/* The whole walk: login, lists, parties, actions, JSON, exit statuses, logout. */
static void test_walkthrough(void **state)
{
	(void)state;
	struct run r;
	/* no session yet: login needed (3) */
	r = CTL(3, NULL, "lists");
	assert_non_null(strstr(r.err, "login"));
	run_free(&r);
	/* login from a pipe */
	r = CTL(0, TC_PASSWORD "\n", "login", "--email", email);
	assert_non_null(strstr(r.out, "logged in"));
	run_free(&r);
	char path[512];
	snprintf(path, sizeof path, "%s/maitre/session", state_dir);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	char *sess = slurp(fd);
	close(fd);
	assert_null(strstr(sess, TC_PASSWORD));
	assert_non_null(strstr(sess, "refresh_token="));
	free(sess);
	/* whoami, plain and JSON */
	r = CTL(0, NULL, "whoami");
	assert_non_null(strstr(r.out, "role     owner"));
	run_free(&r);
	r = CTL(0, NULL, "--json", "whoami");
	cJSON *j = cJSON_Parse(r.out);
	assert_non_null(j);
	assert_string_equal(test_json_str(j, "role"), "owner");
	cJSON_Delete(j);
	run_free(&r);
	/* no list yet: adding needs one (2) */
	r = CTL(2, NULL, "add", "Lee", "--size", "2");
	run_free(&r);
	r = CTL(0, NULL, "list", "create", "Dining room", "--description", "ground floor");
	run_free(&r);
	r = CTL(0, NULL, "lists");
	assert_non_null(strstr(r.out, "ID"));
	assert_non_null(strstr(r.out, "Dining room"));
	run_free(&r);
	r = CTL(0, NULL, "lists", "--no-header");
	assert_null(strstr(r.out, "DESCRIPTION"));
	assert_non_null(strstr(r.out, "Dining room"));
	run_free(&r);
	/* parties with wide names; LIST left out (one list) or named */
	r = CTL(0, NULL, "add", "Zoë Saldaña", "--size", "4", "--phone", "+1 415 555 0101", "--quote", "30", "--notes", "booth");
	assert_non_null(strstr(r.out, "position 1"));
	run_free(&r);
	r = CTL(0, NULL, "add", "Dining room", "山田太郎", "--size", "2", "--quote", "25");
	run_free(&r);
	r = CTL(0, NULL, "add", "Kowalski", "--size", "6", "--notes", "high chair");
	run_free(&r);
	r = CTL(0, NULL, "parties");
	char *l1 = line_with(r.out, "Zoë"), *l2 = line_with(r.out, "山田太郎"), *l3 = line_with(r.out, "Kowalski");
	char *hdr = line_with(r.out, "WAITED");
	assert_non_null(l1);
	assert_non_null(l2);
	assert_non_null(l3);
	assert_non_null(hdr);
	/* the WAITED column (m:ss) starts at the same display column on every row */
	int c1 = display_col(l1, " 0:0"), c2 = display_col(l2, " 0:0"), c3 = display_col(l3, " 0:0");
	assert_true(c1 > 0);
	assert_int_equal(c1, c2);
	assert_int_equal(c2, c3);
	/* and the notes of the last column too */
	assert_int_equal(display_col(l1, "booth"), display_col(l3, "high chair"));
	free(l1);
	free(l2);
	free(l3);
	free(hdr);
	assert_null(strchr(r.out, '\033'));   /* not a terminal: no colours */
	run_free(&r);
	/* --json: the API's JSON, a bare array */
	r = CTL(0, NULL, "--json", "parties");
	j = cJSON_Parse(r.out);
	assert_true(cJSON_IsArray(j));
	assert_int_equal(cJSON_GetArraySize(j), 3);
	cJSON *first = cJSON_GetArrayItem(j, 0);
	assert_string_equal(test_json_str(first, "name"), "Zoë Saldaña");
	assert_string_equal(test_json_str(first, "phoneNumber"), "+14155550101");
	assert_string_equal(test_json_str(first, "status"), "waiting");
	assert_int_equal((int)test_json_num(first, "partySize", 0), 4);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(first, "notifiedAt"));
	char kid[64];
	snprintf(kid, sizeof kid, "%s", test_json_str(cJSON_GetArrayItem(j, 2), "id"));
	cJSON_Delete(j);
	run_free(&r);
	/* actions by name and by id prefix */
	r = CTL(0, NULL, "seat", "山田太郎");
	assert_non_null(strstr(r.out, "seated 山田太郎 (2)"));
	run_free(&r);
	char prefix[32];
	snprintf(prefix, sizeof prefix, "%.20s", kid);
	r = CTL(0, NULL, "--json", "cancel", "Dining room", prefix);
	j = cJSON_Parse(r.out);
	assert_string_equal(test_json_str(j, "status"), "cancelled");
	assert_string_equal(test_json_str(j, "id"), kid);
	cJSON_Delete(j);
	run_free(&r);
	r = CTL(0, NULL, "edit", "Zoë Saldaña", "--size", "5", "--notes", "");
	run_free(&r);
	r = CTL(0, NULL, "--json", "parties");
	j = cJSON_Parse(r.out);
	assert_int_equal(cJSON_GetArraySize(j), 1);   /* only active ones */
	assert_int_equal((int)test_json_num(cJSON_GetArrayItem(j, 0), "partySize", 0), 5);
	assert_string_equal(test_json_str(cJSON_GetArrayItem(j, 0), "notes"), "");
	cJSON_Delete(j);
	run_free(&r);
	r = CTL(0, NULL, "parties", "--all");
	assert_non_null(strstr(r.out, "seated"));
	assert_non_null(strstr(r.out, "cancelled"));
	run_free(&r);
	r = CTL(0, NULL, "notify", "Zoë Saldaña");
	run_free(&r);
	/* refusals: 2 with the server's reason */
	r = CTL(2, NULL, "notify", "山田太郎");          /* seated: nobody active by that name, finished match */
	assert_true(strlen(r.err) > 0);
	run_free(&r);
	r = CTL(2, NULL, "seat", "nobody");
	assert_non_null(strstr(r.err, "no party matches"));
	run_free(&r);
	r = CTL(2, NULL, "add", "X", "--size", "2", "--phone", "555-0101");
	assert_non_null(strstr(r.err, "phoneNumber"));
	run_free(&r);
	/* usage: 1 */
	r = CTL(1, NULL, "add", "X");
	assert_non_null(strstr(r.err, "--size"));
	run_free(&r);
	r = CTL(1, NULL, "frobnicate");
	run_free(&r);
	r = CTL(1, NULL, "add", "X", "--size", "99");
	run_free(&r);
	/* watch twice, then stop */
	r = CTL(0, NULL, "watch", "--count", "2", "--interval", "1");
	const char *p = strstr(r.out, "Dining room · 1 parties · 5 covers");
	assert_non_null(p);
	assert_non_null(strstr(p + 1, "Dining room · 1 parties · 5 covers"));
	run_free(&r);
	/* the list itself */
	r = CTL(0, NULL, "list", "rename", "Dining room", "Terrace");
	run_free(&r);
	r = CTL(2, NULL, "list", "delete", "Dining room");
	run_free(&r);
	/* logout: the session file goes; the next call needs a login (3) */
	r = CTL(0, NULL, "logout");
	run_free(&r);
	assert_int_not_equal(stat(path, &sb), 0);
	r = CTL(3, NULL, "parties");
	run_free(&r);
	/* a wrong password: 3 (auth trouble) */
	r = CTL(3, "not the password\n", "login", "--email", email);
	run_free(&r);
}

/* maitrectl stats on a list of its own: the summary and tables after one
 * seated party, --json with another zone, refusals from the server. */
static void test_stats(void **state)
{
	(void)state;
	struct run r;
	r = CTL(0, TC_PASSWORD "\n", "login", "--email", email);
	run_free(&r);
	r = CTL(0, NULL, "list", "create", "Stats room");
	run_free(&r);
	r = CTL(0, NULL, "add", "Stats room", "Okafor", "--size", "3", "--quote", "15");
	assert_null(strstr(r.out, "suggested quote"));   /* the host gave one */
	run_free(&r);
	r = CTL(0, NULL, "seat", "Stats room", "Okafor");
	run_free(&r);
	r = CTL(0, NULL, "stats", "Stats room");
	assert_non_null(strstr(r.out, "Stats room · "));
	assert_non_null(strstr(r.out, "1 parties · 1 served · 3 covers · 0 cancelled (0.0%) · 0 no-show (0.0%)"));
	assert_non_null(strstr(r.out, "(1 quoted)"));
	char *hour = line_with(r.out, "HOUR"), *size = line_with(r.out, "SIZE");
	assert_non_null(hour);
	assert_non_null(size);
	assert_non_null(strstr(hour, "VS QUOTE"));
	free(hour);
	free(size);
	run_free(&r);
	r = CTL(0, NULL, "--json", "stats", "Stats room", "--tz", "America/New_York");
	cJSON *j = cJSON_Parse(r.out);
	assert_non_null(j);
	assert_string_equal(test_json_str(j, "timezone"), "America/New_York");
	assert_int_equal((int)test_json_num(cJSON_GetObjectItemCaseSensitive(j, "total"), "covers", -1), 3);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "byHour")), 24);
	cJSON_Delete(j);
	run_free(&r);
	r = CTL(2, NULL, "stats", "Stats room", "--tz", "Nowhere/Atlantis");
	assert_non_null(strstr(r.err, "tz"));
	run_free(&r);
	r = CTL(2, NULL, "stats", "Stats room", "--from", "2026-13-01");
	assert_non_null(strstr(r.err, "from"));
	run_free(&r);
	r = CTL(1, NULL, "stats", "Stats room", "extra");
	run_free(&r);
	/* an add without a quote says what the server suggests: one party of 3 is too little history */
	r = CTL(0, NULL, "add", "Stats room", "Lee", "--size", "3");
	assert_non_null(strstr(r.out, "suggested quote: 15 min (the list's default; little history)"));
	run_free(&r);
}

/* --help for each command; the config file chooses the server and bad lines are named. */
static void test_help_and_config(void **state)
{
	(void)state;
	static const char *const cmds[] = { "login", "logout", "whoami", "lists", "list", "parties", "add", "edit",
					    "notify", "seat", "cancel", "no-show", "delete", "watch", NULL };
	for (size_t i = 0; cmds[i] != NULL; i++) {
		struct run r = CTL(0, NULL, cmds[i], "--help");
		char want[64];
		snprintf(want, sizeof want, "usage: maitrectl [--server URL] %s", cmds[i]);
		assert_non_null(strstr(r.out, want));
		assert_non_null(strstr(r.out, "Exit status"));
		run_free(&r);
	}
	char dir[512], file[600];
	snprintf(dir, sizeof dir, "%s/maitre", config_dir);
	mkdir(config_dir, 0700);
	mkdir(dir, 0700);
	snprintf(file, sizeof file, "%s/config", dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f, "# maitre\nserver = %s\nemail = %s\nthis line is wrong\npoll_interval = soon\ntheme = dark\n",
		srv.base_url, email);
	fclose(f);
	const char *const args[] = { "login", NULL };
	struct run r = ctl_run(TC_PASSWORD "\n", 1, args);   /* no --server: from the config; e-mail too */
	if (r.status != 0)
		fprintf(stderr, "stderr: %s\n", r.err);
	assert_int_equal(r.status, 0);
	char want[700];
	snprintf(want, sizeof want, "%s:4: expected key = value", file);
	assert_non_null(strstr(r.err, want));
	snprintf(want, sizeof want, "%s:5: poll_interval", file);
	assert_non_null(strstr(r.err, want));
	run_free(&r);
	const char *const who[] = { "whoami", NULL };
	r = ctl_run(NULL, 1, who);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, srv.base_url));
	run_free(&r);
	remove(file);
}

/* The server stopped: exit 3 with curl's reason. */
static void test_server_down(void **state)
{
	(void)state;
	struct run r = CTL(0, TC_PASSWORD "\n", "login", "--email", email);
	run_free(&r);
	assert_int_equal(test_server_stop(&srv, 0), 0);
	r = CTL(3, NULL, "lists");
	assert_non_null(strstr(r.err, "lists:"));
	run_free(&r);
	assert_int_equal(test_server_restart(&srv), 0);
	r = CTL(0, NULL, "lists");
	run_free(&r);
}

/* Output of maitrectl args run on a pseudo-terminal (script(1)) of 100 columns (malloc'd). */
static char *run_on_tty(const char *args, int no_color)
{
	char *cmd = test_strf("cd '%s' && XDG_STATE_HOME='%s' XDG_CONFIG_HOME='%s' LANG=C.UTF-8 LC_ALL=C.UTF-8 %s "
			      "script -qec \"stty cols 100; %s --server %s %s\" /dev/null 2>&1",
			      srv.root, state_dir, config_dir, no_color ? "NO_COLOR=1" : "env -u NO_COLOR",
			      MAITRECTL_PATH, srv.base_url, args);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char *out = slurp(fileno(f));
	assert_int_equal(pclose(f), 0);
	free(cmd);
	return out;
}

/* Colours on a terminal only, never with NO_COLOR; the table fits the terminal's width. */
static void test_colors_on_tty(void **state)
{
	(void)state;
	if (system("command -v script >/dev/null 2>&1") != 0)
		fail_msg("script(1) (util-linux) is needed for the terminal test");
	struct run r = CTL(0, TC_PASSWORD "\n", "login", "--email", email);
	run_free(&r);
	r = CTL(0, NULL, "list", "create", "Colour room");
	run_free(&r);
	r = CTL(0, NULL, "add", "Colour room", "Zoë", "--size", "2", "--notes",
		"a very long note that does not fit in a hundred columns beside the rest of the row, really");
	run_free(&r);
	char *out = run_on_tty("parties 'Colour room'", 0);
	assert_non_null(strstr(out, "\033["));   /* header in bold */
	assert_non_null(strstr(out, "Zoë"));
	assert_null(strstr(out, "really"));       /* too wide for 100 columns: NOTES made room */
	free(out);
	r = CTL(0, NULL, "parties", "Colour room");   /* not a terminal: never cut */
	assert_non_null(strstr(r.out, "really"));
	run_free(&r);
	out = run_on_tty("parties 'Colour room'", 1);
	assert_null(strstr(out, "\033["));
	assert_non_null(strstr(out, "Zoë"));
	free(out);
}

/* MAITRE_DEBUG=1 traces requests; no password, token or phone number appears. */
static void test_debug_masks_secrets(void **state)
{
	(void)state;
	debug_env = 1;
	struct run r = CTL(0, TC_PASSWORD "\n", "login", "--email", email);
	assert_non_null(strstr(r.err, "> POST /auth/get-token"));
	assert_non_null(strstr(r.err, "\"password\":\"***\""));
	assert_null(strstr(r.err, TC_PASSWORD));
	run_free(&r);
	r = CTL(0, NULL, "list", "create", "Debug room");
	run_free(&r);
	r = CTL(0, NULL, "add", "Debug room", "Phone Guest", "--size", "2", "--phone", "+1 415 555 0177");
	assert_non_null(strstr(r.err, "\"phoneNumber\":\"***\""));
	assert_non_null(strstr(r.err, "Idempotency-Key=mtc-"));
	assert_null(strstr(r.err, "0177"));
	assert_null(strstr(r.err, "Bearer"));
	char path[512];
	snprintf(path, sizeof path, "%s/maitre/session", state_dir);
	struct mtc_session s = { 0 };
	struct mtc_status st;
	assert_int_equal(mtc_session_load(path, &s, &st), MTC_OK);
	assert_null(strstr(r.err, s.refresh_token));
	mtc_session_clear(&s);
	run_free(&r);
	r = CTL(0, NULL, "--json", "parties", "Debug room");
	assert_null(strstr(r.err, "0177"));        /* answers are not traced */
	assert_non_null(strstr(r.out, "+14155550177"));
	run_free(&r);
	debug_env = 0;
}

/* Staff and the restaurant from the shell: the owner names the restaurant,
 * adds a host (initial password from stdin), lists, disables, enables and
 * resets it; the host logs in, is told to change its password, changes it
 * (two lines on stdin), then works, and is refused the staff list (exit 2). */
static void test_staff_commands(void **state)
{
	(void)state;
	char host[128];
	struct run r;

	test_unique_email(host, sizeof host, "ctl-host");
	r = CTL(0, TC_PASSWORD "\n", "login", "--email", email);
	assert_non_null(strstr(r.out, "(owner)"));
	run_free(&r);
	r = CTL(0, NULL, "restaurant", "--name", "Chez CTL", "--timezone", "Europe/Paris", "--sms-per-day", "40");
	assert_non_null(strstr(r.out, "Chez CTL"));
	assert_non_null(strstr(r.out, "Europe/Paris"));
	assert_non_null(strstr(r.out, "at most 40"));
	run_free(&r);
	r = CTL(2, NULL, "restaurant", "--timezone", "Nowhere/Special");
	assert_non_null(strstr(r.err, "timezone"));
	run_free(&r);
	r = CTL(0, NULL, "--json", "restaurant");
	assert_non_null(strstr(r.out, "\"name\":\"Chez CTL\""));
	run_free(&r);
	r = CTL(0, "first password\n", "staff", "add", host, "--name", "Host One");
	assert_non_null(strstr(r.out, "must change password"));
	run_free(&r);
	r = CTL(1, NULL, "staff", "add", "x@example.com");   /* no --name */
	run_free(&r);
	r = CTL(0, NULL, "staff");
	assert_non_null(strstr(r.out, host));
	assert_non_null(strstr(r.out, "Host One"));
	assert_non_null(strstr(r.out, "must change password"));
	run_free(&r);
	r = CTL(0, NULL, "--json", "staff", "list");
	assert_non_null(strstr(r.out, "\"role\":\"host\""));
	assert_null(strstr(r.out, "password\":"));
	run_free(&r);
	r = CTL(0, NULL, "staff", "edit", host, "--disable");
	assert_non_null(strstr(r.out, "disabled"));
	run_free(&r);
	r = CTL(2, "first password\n", "login", "--email", host);   /* 403 account_disabled */
	assert_non_null(strstr(r.err, "disabled"));
	run_free(&r);
	r = CTL(0, TC_PASSWORD "\n", "login", "--email", email);
	run_free(&r);
	r = CTL(0, NULL, "staff", "edit", host, "--enable", "--name", "Host Uno");
	assert_non_null(strstr(r.out, "Host Uno"));
	run_free(&r);
	r = CTL(0, "reset password\n", "staff", "reset", host);
	run_free(&r);
	r = CTL(2, NULL, "staff", "edit", "nobody@example.com", "--name", "x");
	run_free(&r);
	r = CTL(0, "reset password\n", "login", "--email", host);
	assert_non_null(strstr(r.out, "(host)"));
	assert_non_null(strstr(r.out, "must change its password"));
	run_free(&r);
	r = CTL(2, NULL, "lists");   /* 403 password_change_required */
	assert_non_null(strstr(r.err, "password"));
	run_free(&r);
	r = CTL(0, "reset password\nmy own password\n", "password");
	assert_non_null(strstr(r.out, "password changed"));
	run_free(&r);
	r = CTL(0, NULL, "lists");
	run_free(&r);
	r = CTL(2, NULL, "staff");   /* a host may not */
	run_free(&r);
	r = CTL(0, "my own password\n", "login", "--email", host);
	run_free(&r);
	r = CTL(0, TC_PASSWORD "\n", "login", "--email", email);
	run_free(&r);
}

/* maitrectl handover: writes a note (also from stdin), prints the summary as
 * plain text (no escapes, the note's lines indented), acknowledges, --json. */
static void test_handover(void **state)
{
	(void)state;
	struct run r;
	r = CTL(0, TC_PASSWORD "\n", "login", "--email", email);
	run_free(&r);
	r = CTL(0, NULL, "list", "create", "Handover room");
	run_free(&r);
	r = CTL(0, NULL, "add", "Handover room", "Long Waiter", "--size", "6", "--quote", "20", "--notes", "birthday cake");
	run_free(&r);
	/* nothing written yet */
	r = CTL(0, NULL, "handover", "Handover room");
	assert_non_null(strstr(r.out, "Shift handover: Handover room"));
	assert_non_null(strstr(r.out, "No note was written for this shift."));
	run_free(&r);
	/* a note from stdin, two lines */
	r = CTL(0, "Table 12 wobbles.\nKowalski waits for the big table.\n", "handover", "Handover room", "--write", "-");
	assert_non_null(strstr(r.out, "NOTE FROM "));
	assert_non_null(strstr(r.out, "not acknowledged yet."));
	assert_non_null(strstr(r.out, "\n  Table 12 wobbles.\n  Kowalski waits for the big table.\n"));
	assert_non_null(strstr(r.out, "ON THE LIST NOW\n  1 party waiting, 6 covers\n"));
	assert_non_null(strstr(r.out, "NOTES ON PARTIES (1)\n  Long Waiter, party of 6:\n    birthday cake\n"));
	assert_null(strchr(r.out, '\033'));   /* plain text: no escapes, also on a pipe */
	for (const char *p = r.out; *p;) {     /* lines short enough for paper */
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		assert_true(len <= 80);
		p += len + (nl ? 1 : 0);
	}
	run_free(&r);
	/* acknowledge */
	r = CTL(0, NULL, "handover", "Handover room", "--ack");
	assert_non_null(strstr(r.out, "acknowledged by "));
	run_free(&r);
	/* bad input: an empty note, both options */
	r = CTL(1, NULL, "handover", "Handover room", "--write", "");
	run_free(&r);
	r = CTL(1, NULL, "handover", "Handover room", "--write", "x", "--ack");
	run_free(&r);
	/* --json: the API's summary */
	r = CTL(0, NULL, "--json", "handover", "Handover room");
	cJSON *j = cJSON_Parse(r.out);
	assert_non_null(j);
	assert_int_equal((int)test_json_num(cJSON_GetObjectItem(j, "waiting"), "covers", 0), 6);
	assert_string_equal(test_json_str(cJSON_GetObjectItem(j, "note"), "note"),
			    "Table 12 wobbles.\nKowalski waits for the big table.");
	cJSON_Delete(j);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walkthrough),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_help_and_config),
		cmocka_unit_test(test_server_down),
		cmocka_unit_test(test_debug_masks_secrets),
		cmocka_unit_test(test_colors_on_tty),
		cmocka_unit_test(test_staff_commands),
		cmocka_unit_test(test_handover),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
