/* Driving the host-stand app through tmux. */
#define _XOPEN_SOURCE 700 /* wcwidth */
#include "tmux.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

/* Monotonic ms. */
static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Runs argv, collecting stdout into *out (malloc'd, may be NULL). Returns the exit status or -1. */
static int run(char *const argv[], char **out)
{
	if (out)
		*out = NULL;
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	ssize_t r;
	for (;;) {
		if (!buf)
			break;
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		r = read(pfd[0], buf + len, 4096);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(pfd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	if (buf)
		buf[len] = '\0';
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs "tmux -L sock ARGS..." (NULL-terminated). */
static int tmux_run(struct tmux *t, char **out, ...)
{
	char *argv[64];
	int n = 0;
	argv[n++] = "tmux";
	argv[n++] = "-L";
	argv[n++] = t->sock;
	va_list ap;
	va_start(ap, out);
	char *a;
	while ((a = va_arg(ap, char *)) != NULL && n < 62)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return run(argv, out);
}

/* Makes the temporary home. */
int tmux_init(struct tmux *t)
{
	static int counter;
	memset(t, 0, sizeof *t);
	setlocale(LC_ALL, "C.UTF-8");
	snprintf(t->root, sizeof t->root, "/tmp/maitre-tui-XXXXXX");
	if (!mkdtemp(t->root)) {
		perror("mkdtemp");
		return -1;
	}
	/* The socket's name must not be one a live server still holds: a test
	 * killed by its timeout leaves its tmux server (and its session "app")
	 * running, PIDs come round again (pid_max 32768 here), and
	 * `new-session -s app` on that server fails at once ("duplicate
	 * session"). The pid alone was such a name; mkdtemp's suffix (unique
	 * among the roots that exist) makes it new. */
	snprintf(t->sock, sizeof t->sock, "maitre-test-%d-%d-%s", (int)getpid(), counter++,
		 t->root + strlen("/tmp/maitre-tui-"));
	snprintf(t->home, sizeof t->home, "%s/home", t->root);
	snprintf(t->config_home, sizeof t->config_home, "%s/.config", t->home);
	snprintf(t->state_home, sizeof t->state_home, "%s/.local/state", t->home);
	char d[400];
	mkdir(t->home, 0700);
	mkdir(t->config_home, 0700);
	snprintf(d, sizeof d, "%s/maitre", t->config_home);
	mkdir(d, 0700);
	snprintf(d, sizeof d, "%s/.local", t->home);
	mkdir(d, 0700);
	mkdir(t->state_home, 0700);
	/* a tmux config of our own: 256 colours, keep the pane when the app exits */
	snprintf(d, sizeof d, "%s/tmux.conf", t->root);
	FILE *f = fopen(d, "w");
	if (!f)
		return -1;
	fputs("set -g default-terminal tmux-256color\nset -g remain-on-exit on\nset -g status off\n"
	      "set -g escape-time 0\nset -g history-limit 100\n", f);
	fclose(f);
	return 0;
}

/* Path of the app under test. */
static const char *maitre_path(void)
{
	const char *p = getenv("MAITRE_TEST_MAITRE");
	return p && *p ? p : "maitre";
}

/* Starts maitre in a pane. */
int tmux_start(struct tmux *t, int w, int h, const char *const *args, const char *const *env)
{
	char conf[400], ws[16], hs[16];
	snprintf(conf, sizeof conf, "%s/tmux.conf", t->root);
	snprintf(ws, sizeof ws, "%d", w);
	snprintf(hs, sizeof hs, "%d", h);
	char envs[16][600];
	char *argv[96];
	int n = 0, ne = 0;
	argv[n++] = "tmux";
	argv[n++] = "-L";
	argv[n++] = t->sock;
	argv[n++] = "-f";
	argv[n++] = conf;
	argv[n++] = "new-session";
	argv[n++] = "-d";
	argv[n++] = "-s";
	argv[n++] = "app";
	argv[n++] = "-x";
	argv[n++] = ws;
	argv[n++] = "-y";
	argv[n++] = hs;
	snprintf(envs[ne++], sizeof envs[0], "HOME=%s", t->home);
	snprintf(envs[ne++], sizeof envs[0], "XDG_CONFIG_HOME=%s", t->config_home);
	snprintf(envs[ne++], sizeof envs[0], "XDG_STATE_HOME=%s", t->state_home);
	snprintf(envs[ne++], sizeof envs[0], "LANG=C.UTF-8");
	snprintf(envs[ne++], sizeof envs[0], "LC_ALL=C.UTF-8");
	for (int i = 0; env && env[i] && ne < 16; i++)
		snprintf(envs[ne++], sizeof envs[0], "%s", env[i]);
	for (int i = 0; i < ne; i++) {
		argv[n++] = "-e";
		argv[n++] = envs[i];
	}
	/* a shell around the app records its exit status (tmux's pane_dead waits
	 * for the pty to close, which can lag behind the exit) */
	static char script[700];
	snprintf(script, sizeof script, "\"$0\" \"$@\"; st=$?; stty -a > '%s/stty' 2>&1; echo $st > '%s/exit'",
		 t->root, t->root);
	char exitfile[400];
	snprintf(exitfile, sizeof exitfile, "%s/exit", t->root);
	unlink(exitfile);
	snprintf(exitfile, sizeof exitfile, "%s/stty", t->root);
	unlink(exitfile);
	argv[n++] = "sh";
	argv[n++] = "-c";
	argv[n++] = script;
	argv[n++] = (char *)maitre_path();
	for (int i = 0; args && args[i] && n < 94; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	/* tmux passes its own environment on: keep NO_COLOR and friends of the caller out */
	unsetenv("NO_COLOR");
	unsetenv("TMUX");
	if (run(argv, NULL) != 0) {
		fprintf(stderr, "tmux new-session failed\n");
		return -1;
	}
	t->running = 1;
	t->width = w;
	t->height = h;
	return 0;
}

/* Sends keys. */
int tmux_keys(struct tmux *t, ...)
{
	va_list ap;
	va_start(ap, t);
	const char *k;
	int rc = 0;
	while ((k = va_arg(ap, const char *)) != NULL) {
		if (strncmp(k, "L:", 2) == 0)
			rc |= tmux_run(t, NULL, "send-keys", "-t", "app", "-l", (char *)k + 2, (char *)NULL);
		else
			rc |= tmux_run(t, NULL, "send-keys", "-t", "app", (char *)k, (char *)NULL);
		/* a person types: let the app take each key (also keeps Esc from merging into sequences) */
		usleep(30000);
	}
	va_end(ap);
	return rc ? -1 : 0;
}

/* The screen as text. */
char *tmux_capture(struct tmux *t, int escapes)
{
	char *out = NULL;
	if (escapes)
		tmux_run(t, &out, "capture-pane", "-p", "-e", "-t", "app", (char *)NULL);
	else
		tmux_run(t, &out, "capture-pane", "-p", "-t", "app", (char *)NULL);
	return out;
}

/* Waits for text to appear (want 1) or go (want 0). */
static long wait_for(struct tmux *t, const char *text, int want, int timeout_ms)
{
	long start = now_ms();
	char *last = NULL;
	for (;;) {
		free(last);
		last = tmux_capture(t, 0);
		int has = last && strstr(last, text) != NULL;
		if (has == want) {
			free(last);
			return now_ms() - start;
		}
		if (now_ms() - start > timeout_ms)
			break;
		usleep(50000);
	}
	fprintf(stderr, "timeout (%d ms) waiting for '%s' to %s; screen:\n%s\n", timeout_ms, text,
		want ? "appear" : "go", last ? last : "(none)");
	free(last);
	return -1;
}

/* Waits until the screen contains text. */
long tmux_wait_text(struct tmux *t, const char *text, int timeout_ms)
{
	return wait_for(t, text, 1, timeout_ms);
}

/* Waits until the screen no longer contains text. */
long tmux_wait_gone(struct tmux *t, const char *text, int timeout_ms)
{
	return wait_for(t, text, 0, timeout_ms);
}

/* Resizes the window. */
int tmux_resize(struct tmux *t, int w, int h)
{
	char ws[16], hs[16];
	snprintf(ws, sizeof ws, "%d", w);
	snprintf(hs, sizeof hs, "%d", h);
	t->width = w;
	t->height = h;
	return tmux_run(t, NULL, "resize-window", "-t", "app", "-x", ws, "-y", hs, (char *)NULL) == 0 ? 0 : -1;
}

/* A pane format value (malloc'd). */
static char *pane_value(struct tmux *t, const char *fmt)
{
	char *out = NULL;
	tmux_run(t, &out, "display-message", "-p", "-t", "app", (char *)fmt, (char *)NULL);
	if (out) {
		size_t n = strlen(out);
		while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
			out[--n] = '\0';
	}
	return out;
}

/* PID of the app (the child of the pane's shell), or -1. */
long tmux_app_pid(struct tmux *t)
{
	char *v = pane_value(t, "#{pane_pid}");
	long sh = v && *v ? strtol(v, NULL, 10) : -1;
	free(v);
	if (sh <= 0)
		return -1;
	char shs[32];
	snprintf(shs, sizeof shs, "%ld", sh);
	char *argv[] = { "pgrep", "-P", shs, NULL };
	for (int i = 0; i < 50; i++) {
		char *out = NULL;
		run(argv, &out);
		long pid = out && *out ? strtol(out, NULL, 10) : -1;
		free(out);
		if (pid > 0)
			return pid;
		usleep(20000);
	}
	return -1;
}

/* 1 when the app has exited; *status gets its exit status. */
int tmux_app_exited(struct tmux *t, int *status)
{
	char path[400];
	snprintf(path, sizeof path, "%s/exit", t->root);
	FILE *f = fopen(path, "r");
	if (!f) {
		if (status)
			*status = -1;
		return 0;
	}
	int st = -1;
	if (fscanf(f, "%d", &st) != 1)
		st = -1;
	fclose(f);
	if (st < 0)
		return 0; /* being written */
	if (status)
		*status = st;
	return 1;
}

/* The terminal modes right after the app exited. */
char *tmux_stty_after(struct tmux *t)
{
	char path[400];
	snprintf(path, sizeof path, "%s/stty", t->root);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 8192);
	if (buf && fread(buf, 1, 8191, f) == 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* PID of the app at this moment (no waiting for it to start), or -1. */
static long app_pid_now(struct tmux *t)
{
	char *v = pane_value(t, "#{pane_pid}");
	long sh = v && *v ? strtol(v, NULL, 10) : -1;
	free(v);
	if (sh <= 0)
		return -1;
	char shs[32];
	snprintf(shs, sizeof shs, "%ld", sh);
	char *argv[] = { "pgrep", "-P", shs, NULL };
	char *out = NULL;
	run(argv, &out);
	long pid = out && *out ? strtol(out, NULL, 10) : -1;
	free(out);
	return pid;
}

/* 1 when pid is a live (not zombie) process whose name starts with "maitre". */
static int app_alive(long pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *name = strchr(buf, '(');
	const char *end = strrchr(buf, ')');
	if (!name || !end || end[1] != ' ')
		return 0;
	return strncmp(name + 1, "maitre", 6) == 0 && end[2] != 'Z';
}

/* Stops the tmux server and removes its socket. The app gets the hangup;
 * one that has not gone 3 s later is killed, so no test leaves an app
 * behind (a sanitizer build can spin at exit writing to the gone terminal). */
void tmux_stop(struct tmux *t)
{
	long app = t->running ? app_pid_now(t) : -1;
	if (t->running)
		tmux_run(t, NULL, "kill-server", (char *)NULL);
	t->running = 0;
	usleep(100000);
	for (int i = 0; app > 0 && i < 30 && app_alive(app); i++)
		usleep(100000);
	if (app > 0 && app_alive(app))
		kill((pid_t)app, SIGKILL);
	const char *dir = getenv("TMUX_TMPDIR");
	char sock[400];
	snprintf(sock, sizeof sock, "%s/tmux-%d/%s", dir && *dir ? dir : "/tmp", (int)getuid(), t->sock);
	unlink(sock);
}

/* Stops and removes the home. */
void tmux_free(struct tmux *t)
{
	tmux_stop(t);
	if (t->root[0] && !getenv("MAITRE_TEST_KEEP")) {
		char *argv[] = { "rm", "-rf", t->root, NULL };
		run(argv, NULL);
	}
}

/* The line containing text. */
int tmux_line_with(struct tmux *t, const char *text, char *out, size_t n)
{
	char *s = tmux_capture(t, 0);
	if (!s)
		return -1;
	int rc = -1;
	size_t start = 0, len = strlen(s);
	while (start < len) {
		size_t end = start;
		while (end < len && s[end] != '\n')
			end++;
		s[end] = '\0';
		if (strstr(s + start, text)) {
			size_t l = end - start;
			if (l >= n)
				l = n - 1;
			memcpy(out, s + start, l);
			out[l] = '\0';
			rc = 0;
			break;
		}
		start = end + 1;
	}
	free(s);
	return rc;
}

/* Display column where needle starts in line. */
int tmux_display_col(const char *line, const char *needle)
{
	const char *p = strstr(line, needle);
	if (!p)
		return -1;
	int col = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	const char *s = line;
	while (s < p) {
		wchar_t wc;
		size_t l = mbrtowc(&wc, s, (size_t)(p - s), &st);
		if (l == (size_t)-1 || l == (size_t)-2 || l == 0) {
			s++;
			col++;
			continue;
		}
		int w = wcwidth(wc);
		col += w < 0 ? 1 : w;
		s += l;
	}
	return col;
}
