/* The JWT signing secret: from MAITRE_JWT_SECRET, or from DATA_DIR/jwt.key,
 * which is created at first start with 64 random bytes and mode 0600. The
 * secret itself is never printed, not even in error messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"

#define SECRET_MIN 32          /* bytes: HS256 wants a key at least as long as its output */
#define SECRET_NEW 64          /* bytes written to a new key file */
#define SECRET_FILE "jwt.key"  /* name of the key file in the data directory */

/* Sets *cause to a malloc'd formatted message and returns err. */
static int secret_fail(char **cause, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int secret_fail(char **cause, int err, const char *fmt, ...)
{
	char msg[1400];
	va_list ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		*cause = strdup(msg);
	}
	return err;
}

/* Writes all n bytes to fd; 0 or -1 (errno set). */
static int secret_write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Creates path atomically with SECRET_NEW random bytes, mode 0600: the bytes
 * go to a private temporary file (O_CREAT|O_EXCL, 0600) which is then linked
 * into place, so no reader ever sees a half-written key. Returns 0, or
 * MT_ECONFLICT when another process created the file first. */
static int secret_create(const char *dir, const char *path, char **cause)
{
	unsigned char key[SECRET_NEW];
	char tmp[1100];
	int fd, r = 0, dfd;

	if (snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", dir, SECRET_FILE, (long)getpid()) >= (int)sizeof tmp)
		return secret_fail(cause, MT_EINVAL, "data directory path is too long");
	(void)unlink(tmp);  /* a leftover of a crashed start of this same pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return secret_fail(cause, MT_EIO, "cannot create the JWT key file in %s: %s", dir, strerror(errno));
	randombytes_buf(key, sizeof key);
	if (fchmod(fd, 0600) != 0 || secret_write_all(fd, key, sizeof key) != 0 || fsync(fd) != 0) {
		r = secret_fail(cause, MT_EIO, "cannot write the JWT key file %s: %s", tmp, strerror(errno));
		close(fd);
		(void)unlink(tmp);
		goto done;
	}
	if (close(fd) != 0) {
		r = secret_fail(cause, MT_EIO, "cannot write the JWT key file %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		goto done;
	}
	if (link(tmp, path) != 0) {
		int e = errno;

		(void)unlink(tmp);
		if (e == EEXIST)
			r = MT_ECONFLICT;
		else
			r = secret_fail(cause, MT_EIO, "cannot create %s: %s", path, strerror(e));
		goto done;
	}
	(void)unlink(tmp);
	/* Make the new directory entry durable too. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
done:
	sodium_memzero(key, sizeof key);
	return r;
}

/* Reads the key file at path into cfg after checking owner, mode and size.
 * MT_ENOTFOUND when the file does not exist (no cause set). */
static int secret_read(struct mt_config *cfg, const char *path, char **cause)
{
	unsigned char buf[sizeof cfg->jwt_secret + 1];
	struct stat st;
	size_t n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return MT_ENOTFOUND;
		return secret_fail(cause, MT_EIO, "cannot open the JWT key file %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		return secret_fail(cause, MT_EIO, "cannot stat %s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return secret_fail(cause, MT_EINVAL, "the JWT key file %s is not a regular file", path);
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		return secret_fail(cause, MT_EINVAL,
				   "the JWT key file %s is accessible by group or others (mode %03o); "
				   "run 'chmod 600 %s' and consider replacing the key",
				   path, (unsigned)(st.st_mode & 0777), path);
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		return secret_fail(cause, MT_EINVAL, "the JWT key file %s belongs to another user (uid %ld)",
				   path, (long)st.st_uid);
	}
	while (n < sizeof buf) {
		ssize_t got = read(fd, buf + n, sizeof buf - n);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			sodium_memzero(buf, sizeof buf);
			return secret_fail(cause, MT_EIO, "cannot read %s: %s", path, strerror(errno));
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (n < SECRET_MIN || n > sizeof cfg->jwt_secret) {
		sodium_memzero(buf, sizeof buf);
		return secret_fail(cause, MT_EINVAL,
				   "the JWT key file %s holds %s bytes; it needs %d to %zu random bytes "
				   "(delete it to have a new one made at the next start)",
				   path, n < SECRET_MIN ? "too few" : "too many", SECRET_MIN, sizeof cfg->jwt_secret);
	}
	memcpy(cfg->jwt_secret, buf, n);
	cfg->jwt_secret_len = n;
	sodium_memzero(buf, sizeof buf);
	return 0;
}

/* Loads the signing secret into cfg: MAITRE_JWT_SECRET (>= 32 bytes, else
 * refused) or DATA_DIR/jwt.key, created at first start. */
int mt_jwt_secret_load(struct mt_config *cfg, const char *data_dir, char **cause)
{
	const char *env = getenv("MAITRE_JWT_SECRET");
	char path[1100];
	int r, tries;

	if (cause != NULL)
		*cause = NULL;
	if (mt_sodium_init() < 0)
		return secret_fail(cause, MT_EIO, "libsodium could not be initialised");
	if (env != NULL) {
		size_t n = strlen(env);

		if (n < SECRET_MIN)
			return secret_fail(cause, MT_EINVAL,
					   "MAITRE_JWT_SECRET is %zu bytes long; it must be at least %d random bytes "
					   "(e.g. openssl rand -base64 48)", n, SECRET_MIN);
		if (n > sizeof cfg->jwt_secret)
			return secret_fail(cause, MT_EINVAL, "MAITRE_JWT_SECRET is %zu bytes long; at most %zu are used",
					   n, sizeof cfg->jwt_secret);
		memcpy(cfg->jwt_secret, env, n);
		cfg->jwt_secret_len = n;
		return 0;
	}
	if (data_dir == NULL || data_dir[0] == '\0')
		return secret_fail(cause, MT_EINVAL,
				   "no JWT secret: set MAITRE_JWT_SECRET (at least %d bytes) or give a data directory",
				   SECRET_MIN);
	if (snprintf(path, sizeof path, "%s/%s", data_dir, SECRET_FILE) >= (int)sizeof path)
		return secret_fail(cause, MT_EINVAL, "data directory path is too long");
	for (tries = 0; tries < 3; tries++) {
		r = secret_read(cfg, path, cause);
		if (r != MT_ENOTFOUND)
			return r;
		r = secret_create(data_dir, path, cause);
		if (r < 0 && r != MT_ECONFLICT)
			return r;
		/* Created (or another process won the race): read what is there. */
	}
	return secret_fail(cause, MT_EIO, "the JWT key file %s keeps disappearing", path);
}
