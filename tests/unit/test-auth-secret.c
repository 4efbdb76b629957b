/* Unit tests for the JWT secret (auth/secret.c): MAITRE_JWT_SECRET checks,
 * DATA_DIR/jwt.key creation (0600, 64 bytes), reuse, and refusal of unsafe
 * key files. Each test works in its own temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "auth/auth.h"
#include "core/config.h"
#include "core/error.h"

/* A temporary data directory and its key path. */
struct secret_fixture {
	char dir[64];     /* mkdtemp directory */
	char key[128];    /* DIR/jwt.key */
};

/* Makes a fresh directory and clears MAITRE_JWT_SECRET. */
static int secret_setup(void **state)
{
	struct secret_fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/maitre-secret-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->key, sizeof f->key, "%s/jwt.key", f->dir);
	unsetenv("MAITRE_JWT_SECRET");
	*state = f;
	return 0;
}

/* Removes the directory (files first). */
static int secret_teardown(void **state)
{
	struct secret_fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	unsetenv("MAITRE_JWT_SECRET");
	free(f);
	return 0;
}

/* Writes n bytes of c to path with mode. */
static void write_file(const char *path, size_t n, int c, mode_t mode)
{
	char buf[512];
	int fd;

	assert_true(n <= sizeof buf);
	memset(buf, c, n);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Loads into a fresh config; returns the result, *cause (may be NULL) to free. */
static int load(struct mt_config *cfg, const char *dir, char **cause)
{
	mt_config_defaults(cfg);
	*cause = NULL;
	return mt_jwt_secret_load(cfg, dir, cause);
}

/* MAITRE_JWT_SECRET shorter than 32 bytes is refused with a clear message
 * that does not repeat the secret. */
static void test_env_too_short(void **state)
{
	struct secret_fixture *f = *state;
	struct mt_config cfg;
	char *cause = NULL;

	setenv("MAITRE_JWT_SECRET", "short-secret-value-31-bytes-xyz", 1);
	assert_int_equal(strlen(getenv("MAITRE_JWT_SECRET")), 31);
	assert_int_equal(load(&cfg, f->dir, &cause), MT_EINVAL);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "MAITRE_JWT_SECRET"));
	assert_non_null(strstr(cause, "32"));
	assert_null(strstr(cause, "short-secret-value"));
	assert_int_equal(cfg.jwt_secret_len, 0);
	free(cause);
	setenv("MAITRE_JWT_SECRET", "", 1);
	assert_int_equal(load(&cfg, f->dir, &cause), MT_EINVAL);
	free(cause);
	/* Refused without falling back to a key file. */
	assert_int_equal(access(f->key, F_OK), -1);
}

/* A 32-byte (and a longer) MAITRE_JWT_SECRET is used as is. */
static void test_env_ok(void **state)
{
	struct secret_fixture *f = *state;
	static const char *const ok[] = {
		"0123456789abcdef0123456789abcdef",
		"a-much-longer-secret-of-sixty-four-bytes-0123456789-abcdefghijkl",
	};
	struct mt_config cfg;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		setenv("MAITRE_JWT_SECRET", ok[i], 1);
		assert_int_equal(load(&cfg, f->dir, &cause), 0);
		assert_null(cause);
		assert_int_equal(cfg.jwt_secret_len, strlen(ok[i]));
		assert_memory_equal(cfg.jwt_secret, ok[i], strlen(ok[i]));
	}
	/* The environment wins: no key file is made. */
	assert_int_equal(access(f->key, F_OK), -1);
}

/* First start: jwt.key is created with 64 bytes and mode 0600, even under umask 0. */
static void test_file_created(void **state)
{
	struct secret_fixture *f = *state;
	struct mt_config cfg;
	unsigned char disk[128];
	char *cause = NULL;
	struct stat st;
	mode_t old = umask(0);
	int fd;
	ssize_t n;

	assert_int_equal(load(&cfg, f->dir, &cause), 0);
	umask(old);
	assert_null(cause);
	assert_int_equal(stat(f->key, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 64);
	assert_int_equal(cfg.jwt_secret_len, 64);
	fd = open(f->key, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, disk, sizeof disk);
	close(fd);
	assert_int_equal(n, 64);
	assert_memory_equal(cfg.jwt_secret, disk, 64);
	/* Not all zero (random). */
	{
		unsigned char zero[64] = { 0 };
		assert_memory_not_equal(disk, zero, 64);
	}
}

/* Second start: the same key is loaded, not a new one. */
static void test_file_reused(void **state)
{
	struct secret_fixture *f = *state;
	struct mt_config a, b, c;
	char *cause = NULL;

	assert_int_equal(load(&a, f->dir, &cause), 0);
	assert_int_equal(load(&b, f->dir, &cause), 0);
	assert_int_equal(a.jwt_secret_len, b.jwt_secret_len);
	assert_memory_equal(a.jwt_secret, b.jwt_secret, a.jwt_secret_len);
	/* Another directory gets another key. */
	{
		char dir2[64];
		char cmd[128];

		snprintf(dir2, sizeof dir2, "/tmp/maitre-secret-XXXXXX");
		assert_non_null(mkdtemp(dir2));
		assert_int_equal(load(&c, dir2, &cause), 0);
		assert_memory_not_equal(a.jwt_secret, c.jwt_secret, 64);
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir2);
		assert_int_equal(system(cmd), 0);
	}
}

/* Key files readable by group or others are refused, with the fix in the message. */
static void test_file_mode_refused(void **state)
{
	struct secret_fixture *f = *state;
	static const mode_t modes[] = { 0644, 0640, 0604, 0660, 0606, 0610 };
	struct mt_config cfg;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		write_file(f->key, 64, 'k', modes[i]);
		assert_int_equal(load(&cfg, f->dir, &cause), MT_EINVAL);
		assert_non_null(cause);
		assert_non_null(strstr(cause, "chmod 600"));
		free(cause);
		assert_int_equal(cfg.jwt_secret_len, 0);
	}
	/* Fixed with chmod: accepted. */
	assert_int_equal(chmod(f->key, 0600), 0);
	assert_int_equal(load(&cfg, f->dir, &cause), 0);
	assert_int_equal(cfg.jwt_secret_len, 64);
	assert_int_equal(cfg.jwt_secret[0], 'k');
}

/* Key files shorter than 32 bytes (including empty) are refused. */
static void test_file_short_refused(void **state)
{
	struct secret_fixture *f = *state;
	static const size_t sizes[] = { 0, 1, 16, 31 };
	struct mt_config cfg;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		write_file(f->key, sizes[i], 'k', 0600);
		assert_int_equal(load(&cfg, f->dir, &cause), MT_EINVAL);
		assert_non_null(cause);
		assert_non_null(strstr(cause, "32"));
		free(cause);
	}
	write_file(f->key, 32, 'k', 0600);
	assert_int_equal(load(&cfg, f->dir, &cause), 0);
	assert_int_equal(cfg.jwt_secret_len, 32);
}

/* A symlink in place of the key file is refused (not followed). */
static void test_symlink_refused(void **state)
{
	struct secret_fixture *f = *state;
	struct mt_config cfg;
	char target[128], *cause = NULL;

	snprintf(target, sizeof target, "%s/elsewhere", f->dir);
	write_file(target, 64, 'k', 0600);
	assert_int_equal(symlink(target, f->key), 0);
	assert_true(load(&cfg, f->dir, &cause) < 0);
	assert_non_null(cause);
	free(cause);
}

/* No environment and no data directory: refused with a message. */
static void test_nothing_refused(void **state)
{
	struct mt_config cfg;
	char *cause = NULL;

	(void)state;
	assert_int_equal(load(&cfg, NULL, &cause), MT_EINVAL);
	assert_non_null(cause);
	free(cause);
	assert_int_equal(load(&cfg, "", &cause), MT_EINVAL);
	free(cause);
	assert_true(load(&cfg, "/nonexistent/dir/for/maitre", &cause) < 0);
	assert_non_null(cause);
	free(cause);
}

/* Eight processes starting at once on an empty directory all end up with
 * the same key (creation is atomic: nobody reads a half-written file). */
static void test_concurrent_first_start(void **state)
{
	struct secret_fixture *f = *state;
	enum { N = 8 };
	int pipes[N][2], i;
	pid_t pids[N];
	unsigned char keys[N][64];

	for (i = 0; i < N; i++) {
		assert_int_equal(pipe(pipes[i]), 0);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct mt_config cfg;
			char *cause = NULL;

			close(pipes[i][0]);
			if (load(&cfg, f->dir, &cause) != 0 || cfg.jwt_secret_len != 64)
				_exit(1);
			_exit(write(pipes[i][1], cfg.jwt_secret, 64) == 64 ? 0 : 2);
		}
		close(pipes[i][1]);
	}
	for (i = 0; i < N; i++) {
		int st;

		assert_int_equal(read(pipes[i][0], keys[i], 64), 64);
		close(pipes[i][0]);
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		assert_memory_equal(keys[i], keys[0], 64);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, secret_setup, secret_teardown)
	const struct CMUnitTest tests[] = {
		T(test_env_too_short),
		T(test_env_ok),
		T(test_file_created),
		T(test_file_reused),
		T(test_file_mode_refused),
		T(test_file_short_refused),
		T(test_symlink_refused),
		T(test_nothing_refused),
		T(test_concurrent_first_start),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
