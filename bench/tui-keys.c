/* bench-tui-keys: keystroke to screen in the real `maitre`, with a live
 * server and while the server stalls, and the app's memory with 1,000
 * parties.
 *
 * It starts maitred (tests/common harness), registers an owner, creates a
 * list with 1,000 parties over HTTP, gives the app a stored session and
 * last list (so it opens the board directly), and runs `maitre` in a
 * pseudo-terminal of 120x40. A keystroke ('j' / 'k': the selection moves)
 * is written to the terminal right after the once-a-second repaint, and the
 * time until the app's answer has been written (first byte, and the end of
 * the burst: no more output for 15 ms, not counted) is taken. Then maitred
 * is stopped with SIGSTOP for 5 s (connections are accepted by the kernel,
 * nothing answers: the app's list polls hang) and the same is measured
 * during the stall. Last, VmRSS and VmHWM of the app from /proc.
 *
 * Usage: bench-tui-keys [KEYS]   (default 40 per phase) */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <maitre/client.h>

#include "harness.h"

/* Monotonic time in ms (fractional). */
static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* qsort order for doubles. */
static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Reads what the app wrote within timeout_ms; returns bytes read (0 on timeout). */
static ssize_t drain(int fd, int timeout_ms, char *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	ssize_t n = read(fd, buf, cap);
	return n > 0 ? n : 0;
}

/* Reads until the output has been quiet for quiet_ms; returns when the last byte came. */
static double until_quiet(int fd, int quiet_ms)
{
	char buf[65536];
	double last = now_ms();
	while (drain(fd, quiet_ms, buf, sizeof buf) > 0)
		last = now_ms();
	return last;
}

/* Waits for the next once-a-second repaint to finish (so a key's answer is not mixed with it). */
static void after_tick(int fd)
{
	char buf[65536];
	until_quiet(fd, 15);
	double start = now_ms();
	while (now_ms() - start < 1500) {
		if (drain(fd, 50, buf, sizeof buf) > 0) {
			until_quiet(fd, 15);
			return;
		}
	}
}

/* Measures n keystrokes; fills first[] and done[] in ms. */
static void measure(int fd, int n, double *first, double *done)
{
	char buf[65536];
	for (int i = 0; i < n; i++) {
		after_tick(fd);
		usleep(20000);
		const char key = i % 2 ? 'k' : 'j';
		double t0 = now_ms();
		if (write(fd, &key, 1) != 1)
			exit(1);
		if (drain(fd, 3000, buf, sizeof buf) == 0) {
			first[i] = done[i] = 3000;
			continue;
		}
		first[i] = now_ms() - t0;
		done[i] = until_quiet(fd, 15) - t0;
	}
}

/* Prints median and p95 of v[n]. */
static void report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	printf("  %-34s median %7.2f ms   p95 %7.2f ms   max %7.2f ms\n", what, v[n / 2], v[n * 95 / 100], v[n - 1]);
}

/* Reads a /proc/PID/status field in kB. */
static long proc_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long v = -1;
	size_t fl = strlen(field);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, field, fl) == 0 && line[fl] == ':')
			v = strtol(line + fl + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	int keys = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 40;
	if (keys < 5)
		keys = 5;
	setlocale(LC_ALL, "C.UTF-8");
	const char *app = getenv("MAITRE_BENCH_APP");
	if (!app || !*app) {
		fprintf(stderr, "bench-tui-keys: set MAITRE_BENCH_APP to the maitre binary\n");
		return 2;
	}
	struct test_server srv;
	if (test_server_start(&srv, NULL) != 0)
		return 1;
	char *token = NULL, *refresh = NULL;
	if (test_register_and_login(&srv, NULL, NULL, "Bench", &token, &refresh) != 0 || !refresh)
		return 1;
	struct test_resp r;
	if (test_http(&srv, "POST", "/waitlists", token, "{\"name\":\"Dining room\"}", NULL, &r) != 0 || r.status != 201)
		return 1;
	cJSON *j = test_resp_json(&r);
	char list[64];
	snprintf(list, sizeof list, "%s", test_json_str(j, "id"));
	cJSON_Delete(j);
	test_resp_free(&r);
	char path[200];
	snprintf(path, sizeof path, "/waitlists/%s/waitees", list);
	double t0 = now_ms();
	for (int i = 0; i < 1000; i++) {
		char body[200];
		snprintf(body, sizeof body, "{\"name\":\"%s %d\",\"partySize\":%d,\"quotedMinutes\":%d,\"notes\":\"%s\"}",
			 i % 3 == 0 ? "Zoë Saldaña" : i % 3 == 1 ? "山田太郎" : "Kowalski", i, 1 + i % 8, (i % 4) * 15,
			 i % 5 ? "" : "booth");
		if (test_http(&srv, "POST", path, token, body, NULL, &r) != 0 || r.status != 201)
			return 1;
		test_resp_free(&r);
	}
	printf("bench-tui-keys: 1,000 parties added over HTTP in %.1f s\n", (now_ms() - t0) / 1000);

	/* the app's home: a stored session and the last list, so it opens the board */
	char home[] = "/tmp/maitre-bench-tui-XXXXXX";
	if (!mkdtemp(home))
		return 1;
	char state[300], cfg[300], dir[320], file[400];
	snprintf(state, sizeof state, "%s/state", home);
	snprintf(cfg, sizeof cfg, "%s/config", home);
	mkdir(state, 0700);
	mkdir(cfg, 0700);
	snprintf(dir, sizeof dir, "%s/maitre", state);
	mkdir(dir, 0700);
	snprintf(file, sizeof file, "%s/session", dir);
	struct mtc_session sess = { .server = srv.base_url, .refresh_token = refresh };
	struct mtc_status st;
	if (mtc_session_save(file, &sess, &st) != MTC_OK) {
		fprintf(stderr, "session: %s\n", st.message);
		return 1;
	}
	snprintf(file, sizeof file, "%s/app-state", dir);
	FILE *f = fopen(file, "w");
	if (!f)
		return 1;
	fprintf(f, "{\"server\":\"%s\",\"list\":\"%s\",\"listName\":\"Dining room\",\"email\":\"\"}\n", srv.base_url, list);
	fclose(f);

	struct winsize ws = { .ws_row = 40, .ws_col = 120 };
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0)
		return 1;
	if (pid == 0) {
		setenv("HOME", home, 1);
		setenv("XDG_STATE_HOME", state, 1);
		setenv("XDG_CONFIG_HOME", cfg, 1);
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		unsetenv("DBUS_SESSION_BUS_ADDRESS");
		execl(app, app, "--server", srv.base_url, (char *)NULL);
		_exit(127);
	}
	/* wait for the board with the parties */
	char buf[65536];
	double start = now_ms();
	size_t seen = 0;
	while (now_ms() - start < 15000) {
		ssize_t n = drain(master, 200, buf, sizeof buf - 1);
		buf[n] = '\0';
		if (n > 0 && strstr(buf, "Kowalski"))
			seen = 1;
		if (seen)
			break;
	}
	if (!seen) {
		fprintf(stderr, "bench-tui-keys: the board never showed the parties\n");
		kill(pid, SIGTERM);
		return 1;
	}
	until_quiet(master, 300);

	double *first = calloc((size_t)keys, sizeof *first), *done = calloc((size_t)keys, sizeof *done);
	if (!first || !done)
		return 1;
	printf("keystroke to screen, 120x40, 1,000 parties (%d keys per phase):\n", keys);
	measure(master, keys, first, done);
	report("live server, first byte", first, keys);
	report("live server, screen done", done, keys);
	double live_med = done[keys / 2];

	/* the server stalls: 5 s windows of SIGSTOP until enough keys are measured */
	double *f2 = calloc((size_t)keys, sizeof *f2), *d2 = calloc((size_t)keys, sizeof *d2);
	if (!f2 || !d2)
		return 1;
	int got = 0, windows = 0;
	while (got < keys) {
		kill(srv.pid, SIGSTOP);
		windows++;
		double w0 = now_ms();
		usleep(300000);
		while (got < keys && now_ms() - w0 < 4000) {
			measure(master, 1, &f2[got], &d2[got]);
			got++;
		}
		while (now_ms() - w0 < 5000)
			usleep(10000);
		kill(srv.pid, SIGCONT);
		until_quiet(master, 300);
	}
	report("server stalled, first byte", f2, keys);
	report("server stalled, screen done", d2, keys);
	printf("  stalled / live (median, screen done): %.2f  (%d stall windows of 5 s)\n", d2[keys / 2] / live_med, windows);

	/* what an idle second costs on the wire: only the cells that changed (clock, waited times) */
	until_quiet(master, 300);
	size_t bytes = 0;
	double i0 = now_ms();
	while (now_ms() - i0 < 5000)
		bytes += (size_t)drain(master, 100, buf, sizeof buf);
	printf("idle board, 120x40, 1,000 parties: %.0f bytes written per second (a full 120x40 screen is %d cells)\n",
	       bytes / 5.0, 120 * 40);
	printf("memory of maitre with 1,000 parties: VmRSS %ld KiB, VmHWM %ld KiB\n", proc_kb(pid, "VmRSS"),
	       proc_kb(pid, "VmHWM"));
	if (write(master, "q", 1) != 1)
		kill(pid, SIGTERM);
	int status;
	waitpid(pid, &status, 0);
	test_server_free(&srv);
	char rm[400];
	snprintf(rm, sizeof rm, "rm -rf '%s'", home);
	if (system(rm) != 0)
		fprintf(stderr, "could not remove %s\n", home);
	free(token);
	free(refresh);
	return 0;
}
