/* Helpers for the channel tests (see chan-util.h). */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "chan-util.h"

#ifndef CU_SRCDIR
#define CU_SRCDIR "."
#endif

/* Sleeps ms milliseconds. */
static void cu_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* printf into a malloc'd string. */
char *cu_strf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		abort();
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Finds the last JSON line of a log whose string member `field` equals value. */
cJSON *cu_log_find(const char *path, const char *field, const char *value)
{
	char *text = cu_read_file(path), *line, *nl;
	cJSON *found = NULL;

	if (text == NULL)
		return NULL;
	for (line = text; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		cJSON *j;
		const cJSON *f;

		*nl = '\0';
		j = cJSON_Parse(line);
		f = cJSON_GetObjectItem(j, field);
		if (cJSON_IsString(f) && strcmp(f->valuestring, value) == 0) {
			cJSON_Delete(found);
			found = j;
		} else {
			cJSON_Delete(j);
		}
	}
	free(text);
	return found;
}

/* Source directory of these tests. */
const char *cu_srcdir(void)
{
	const char *e = getenv("MAITRE_TEST_NOTIFY_SRCDIR");
	return e && e[0] ? e : CU_SRCDIR;
}

/* Starts argv with output to log_path. */
int cu_spawn(char *const argv[], const char *log_path, pid_t *pid)
{
	pid_t p = fork();

	if (p < 0) {
		perror("fork");
		return -1;
	}
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (log_path) {
			int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				close(fd);
			}
		}
		execv(argv[0], argv);
		_exit(127);
	}
	*pid = p;
	return 0;
}

/* Stops a child by PID. */
int cu_stop(pid_t pid)
{
	int st, i;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	for (i = 0; i < 500; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0)
			return -1;
		cu_sleep_ms(10);
	}
	kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Returns 1 while the child runs. */
static int cu_alive(pid_t pid)
{
	int st;
	return waitpid(pid, &st, WNOHANG) == 0;
}

/* Waits for a port file. */
int cu_wait_port_file(const char *path, pid_t pid, int timeout_ms)
{
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 20) {
		char *s = cu_read_file(path);
		if (s) {
			char *end;
			long port = strtol(s, &end, 10);
			int ok = end != s && port > 0 && port < 65536;
			free(s);
			if (ok)
				return (int)port;
		}
		if (!cu_alive(pid)) {
			fprintf(stderr, "helper %d exited before writing %s\n", (int)pid, path);
			return -1;
		}
		cu_sleep_ms(20);
	}
	fprintf(stderr, "timed out waiting for %s\n", path);
	return -1;
}

/* Waits until a port accepts connections. */
/* 1 when process pid holds the socket listening on 127.0.0.1:port (found in
 * /proc/net/tcp by its inode, then among /proc/PID/fd), 0 when another
 * process does or nobody listens. */
static int cu_listener_is(int port, pid_t pid)
{
	char line[512], want[32], local[64], st[8], path[64], link[64], fdpath[320];
	unsigned long inode = 0;
	struct dirent *d;
	FILE *f;
	DIR *dir;
	int found = 0;

	snprintf(want, sizeof want, "0100007F:%04X", (unsigned)port);
	if ((f = fopen("/proc/net/tcp", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long ino;

		if (sscanf(line, " %*s %63s %*s %7s %*s %*s %*s %*s %*s %lu", local, st, &ino) == 3 &&
		    strcmp(local, want) == 0 && strcmp(st, "0A") == 0) {
			inode = ino;
			break;
		}
	}
	fclose(f);
	if (inode == 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return 0;
	snprintf(want, sizeof want, "socket:[%lu]", inode);
	while (!found && (d = readdir(dir)) != NULL) {
		ssize_t n;

		snprintf(fdpath, sizeof fdpath, "%s/%s", path, d->d_name);
		n = readlink(fdpath, link, sizeof link - 1);
		if (n > 0) {
			link[n] = '\0';
			found = strcmp(link, want) == 0;
		}
	}
	closedir(dir);
	return found;
}

int cu_wait_listen(int port, pid_t pid, int timeout_ms)
{
	int waited;

	/* Our helper's own listener, not whatever took the port meanwhile (a
	 * parallel test's server on the same "free" port would answer too). */
	for (waited = 0; waited < timeout_ms; waited += 20) {
		if (cu_listener_is(port, pid))
			return 0;
		if (!cu_alive(pid)) {
			fprintf(stderr, "helper %d exited before listening on %d (port taken?)\n", (int)pid, port);
			return -1;
		}
		cu_sleep_ms(20);
	}
	fprintf(stderr, "timed out waiting for port %d\n", port);
	return -1;
}

/* A free TCP port on 127.0.0.1. */
int cu_free_port(void)
{
	struct sockaddr_in a = { 0 };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Makes a fresh temporary directory. */
int cu_tmpdir(char *buf, size_t n)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, n, "%s/maitre-chan-XXXXXX", t && t[0] ? t : "/tmp");
	return mkdtemp(buf) ? 0 : -1;
}

/* nftw callback removing one entry. */
static int cu_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* Removes a directory tree. */
void cu_rmtree(const char *path)
{
	if (getenv("MAITRE_TEST_KEEP")) {
		fprintf(stderr, "kept %s\n", path);
		return;
	}
	nftw(path, cu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Reads a whole file. */
char *cu_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *p = realloc(buf, cap + 65536);
			if (p == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* curl write callback into a malloc'd string. */
static size_t cu_collect(char *p, size_t size, size_t n, void *ud)
{
	char **s = ud;
	size_t old = *s ? strlen(*s) : 0, add = size * n;
	char *q = realloc(*s, old + add + 1);

	if (q == NULL)
		return 0;
	memcpy(q + old, p, add);
	q[old + add] = '\0';
	*s = q;
	return add;
}

/* One HTTP request. */
long cu_http(const char *method, const char *url, const char *body, const char *ctype, char **resp)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hd = NULL;
	char *buf = NULL, *hline = NULL;
	long status = -1;

	if (h == NULL)
		return -1;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		hline = cu_strf("Content-Type: %s", ctype ? ctype : "application/json");
		hd = curl_slist_append(hd, hline);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	}
	if (method)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cu_collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &buf);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hd);
	free(hline);
	if (resp)
		*resp = buf ? buf : strdup("");
	else
		free(buf);
	return status;
}

/* Runs argv and captures stdout. */
int cu_run_capture(char *const argv[], char **out)
{
	int pfd[2], st;
	pid_t p;
	char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	if (pipe(pfd) < 0)
		return -1;
	p = fork();
	if (p < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (p == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char tmp[4096];
		ssize_t n = read(pfd[0], tmp, sizeof(tmp));
		char *q;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		q = realloc(buf, len + (size_t)n + 1);
		if (q == NULL)
			break;
		buf = q;
		memcpy(buf + len, tmp, (size_t)n);
		len += (size_t)n;
		buf[len] = '\0';
	}
	close(pfd[0]);
	if (waitpid(p, &st, 0) != p)
		return -1;
	*out = buf ? buf : strdup("");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The test clock's file, its environment setting and its offset (ms). */
static char cu_clock_path[] = "/tmp/maitre-test-clock-XXXXXX";
static char cu_clock_setting[sizeof cu_clock_path + 32];
static int64_t cu_clock_offset;

/* Writes the offset into the clock file. 0 or -1. */
static int cu_clock_write(void)
{
	int fd = open(cu_clock_path, O_WRONLY | O_CLOEXEC);
	ssize_t w;

	if (fd < 0) {
		perror(cu_clock_path);
		return -1;
	}
	w = pwrite(fd, &cu_clock_offset, sizeof cu_clock_offset, 0);
	close(fd);
	return w == (ssize_t)sizeof cu_clock_offset ? 0 : -1;
}

/* "MAITRE_TEST_CLOCK_FILE=PATH", making the file on first use. */
const char *cu_clock_env(void)
{
	int fd;

	if (cu_clock_setting[0] != '\0')
		return cu_clock_setting;
	fd = mkstemp(cu_clock_path);
	if (fd < 0) {
		perror("mkstemp");
		return NULL;
	}
	close(fd);
	if (cu_clock_write() < 0)
		return NULL;
	snprintf(cu_clock_setting, sizeof cu_clock_setting, "MAITRE_TEST_CLOCK_FILE=%s", cu_clock_path);
	return cu_clock_setting;
}

/* Moves the test clock forward by ms. */
int cu_clock_advance(int64_t ms)
{
	if (cu_clock_env() == NULL)
		return -1;
	cu_clock_offset += ms;
	return cu_clock_write();
}

/* The test clock's time, epoch ms. */
int64_t cu_clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + cu_clock_offset;
}

/* Removes the clock file. */
void cu_clock_cleanup(void)
{
	if (cu_clock_setting[0] != '\0')
		unlink(cu_clock_path);
}
