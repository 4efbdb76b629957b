/* Sessions: tokens from the server, identity from the JWT, the session file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

/* Stores the tokens of a Session answer ({accessToken, expiresIn, refreshToken}). */
enum mtc_error mtc_tokens_from_session_json(struct mtc_client *c, const char *body, size_t len,
					    struct mtc_status *st)
{
	cJSON *o = body != NULL ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(o, "accessToken");
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(o, "expiresIn");
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(o, "refreshToken");
	if (!cJSON_IsString(at) || at->valuestring[0] == '\0') {
		cJSON_Delete(o);
		mtc_status_set(st, MTC_ERR_BAD_ANSWER, "the server's session answer has no accessToken");
		return MTC_ERR_BAD_ANSWER;
	}
	mtc_session_info_read(c, o);
	/* seconds; out of any sane range (or not a number): unknown, i.e. 0 */
	long expires = cJSON_IsNumber(ex) && ex->valuedouble > 0 && ex->valuedouble < 1e9 ? (long)ex->valuedouble : 0;
	enum mtc_error e = mtc_client_set_tokens(c, at->valuestring, expires,
						 cJSON_IsString(rt) ? rt->valuestring : c->refresh_token);
	cJSON_Delete(o);
	if (e != MTC_OK)
		mtc_status_set(st, e, "out of memory");
	return e;
}

/* Sets the tokens directly. */
enum mtc_error mtc_client_set_tokens(struct mtc_client *c, const char *access_token, long expires_in_s,
				     const char *refresh_token)
{
	char *at = NULL, *rt = NULL;
	if (access_token != NULL) {
		size_t n = strlen(access_token) + 8;
		at = malloc(n);
		if (at == NULL)
			return MTC_ERR_NOMEM;
		if (strncmp(access_token, "Bearer ", 7) == 0)
			snprintf(at, n, "%s", access_token);
		else
			snprintf(at, n, "Bearer %s", access_token);
	}
	if (refresh_token != NULL && (rt = mtc_strdup(refresh_token)) == NULL) {
		free(at);
		return MTC_ERR_NOMEM;
	}
	int rt_changed = (rt == NULL) != (c->refresh_token == NULL) ||
			 (rt != NULL && strcmp(rt, c->refresh_token) != 0);
	free(c->access_token);
	free(c->refresh_token);
	c->access_token = at;
	c->refresh_token = rt;
	c->access_expires_ms = at != NULL && expires_in_s > 0 ? mtc_mono_ms() + (int64_t)expires_in_s * 1000 : 0;
	c->token_gen++;
	if (rt_changed)
		mtc_session_store(c);
	return MTC_OK;
}

/* Starts a session from a stored refresh token (NULL forgets it). */
enum mtc_error mtc_client_set_refresh_token(struct mtc_client *c, const char *refresh_token)
{
	if (c == NULL)
		return MTC_ERR_INVALID_ARG;
	return mtc_client_set_tokens(c, NULL, 0, refresh_token);
}

/* Drops both tokens and the list cache (the session callback hears NULL). */
void mtc_tokens_forget(struct mtc_client *c)
{
	mtc_client_set_tokens(c, NULL, 0, NULL);
	mtc_cache_clear(c);
	memset(&c->info, 0, sizeof c->info);
}

/* 1 when the client holds a token. */
int mtc_client_has_session(const struct mtc_client *c)
{
	return c != NULL && (c->access_token != NULL || c->refresh_token != NULL);
}

/* Decodes base64url (no padding) into out (NUL-terminated); -1 when malformed or too long. */
static int b64url_decode(const char *in, size_t n, char *out, size_t size)
{
	size_t j = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = in[i];
		int v;
		if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
		else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
		else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
		else if (ch == '-' || ch == '+') v = 62;
		else if (ch == '_' || ch == '/') v = 63;
		else if (ch == '=') break;
		else return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (j + 1 >= size)
				return -1;
			out[j++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[j] = '\0';
	return 0;
}

/* Fills id from the access token's claims (not verified: for display). */
enum mtc_error mtc_client_identity(const struct mtc_client *c, struct mtc_identity *id)
{
	if (c == NULL || id == NULL)
		return MTC_ERR_INVALID_ARG;
	memset(id, 0, sizeof *id);
	if (c->access_token == NULL)
		return MTC_ERR_UNAUTHORIZED;
	const char *jwt = c->access_token + 7;
	const char *dot1 = strchr(jwt, '.');
	const char *dot2 = dot1 != NULL ? strchr(dot1 + 1, '.') : NULL;
	char payload[4096];
	if (dot2 == NULL || b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), payload, sizeof payload) != 0)
		return MTC_ERR_BAD_ANSWER;
	cJSON *o = cJSON_Parse(payload);
	if (o == NULL)
		return MTC_ERR_BAD_ANSWER;
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(o, "sub");
	const cJSON *ten = cJSON_GetObjectItemCaseSensitive(o, "tenantId");
	const cJSON *role = cJSON_GetObjectItemCaseSensitive(o, "role");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(o, "exp");
	if (cJSON_IsString(sub))
		snprintf(id->account_id, sizeof id->account_id, "%s", sub->valuestring);
	if (cJSON_IsString(ten))
		snprintf(id->tenant_id, sizeof id->tenant_id, "%s", ten->valuestring);
	if (cJSON_IsString(role))
		snprintf(id->role, sizeof id->role, "%s", role->valuestring);
	if (cJSON_IsNumber(exp) && exp->valuedouble > 0 && exp->valuedouble < 9e12)
		id->expires_at = (int64_t)exp->valuedouble * 1000;
	cJSON_Delete(o);
	return MTC_OK;
}

/* ---- session file ---- */

/* A path under an XDG base: $VAR/maitre/NAME, or $HOME/FALLBACK/maitre/NAME. */
static char *xdg_path(const char *var, const char *fallback, const char *name)
{
	const char *base = getenv(var);
	char buf[4096];
	int n;
	if (base != NULL && base[0] == '/')
		n = snprintf(buf, sizeof buf, "%s/maitre/%s", base, name);
	else if (getenv("HOME") != NULL && getenv("HOME")[0] != '\0')
		n = snprintf(buf, sizeof buf, "%s/%s/maitre/%s", getenv("HOME"), fallback, name);
	else
		return NULL;
	if (n < 0 || (size_t)n >= sizeof buf)
		return NULL;
	return mtc_strdup(buf);
}

/* The default session path. */
char *mtc_session_default_path(void)
{
	return xdg_path("XDG_STATE_HOME", ".local/state", "session");
}

/* The default config path. */
char *mtc_config_default_path(void)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", "config");
}

/* Frees what s holds. */
void mtc_session_clear(struct mtc_session *s)
{
	if (s == NULL)
		return;
	free(s->server);
	free(s->refresh_token);
	s->server = s->refresh_token = NULL;
}

/* Reads a session file. */
enum mtc_error mtc_session_load(const char *path, struct mtc_session *s, struct mtc_status *st)
{
	mtc_status_reset(st);
	memset(s, 0, sizeof *s);
	char *def = path == NULL ? mtc_session_default_path() : NULL;
	const char *p = path != NULL ? path : def;
	if (p == NULL) {
		mtc_status_set(st, MTC_ERR_IO, "no session path: set XDG_STATE_HOME or HOME");
		return MTC_ERR_IO;
	}
	FILE *f = fopen(p, "r");
	if (f == NULL) {
		enum mtc_error e = errno == ENOENT ? MTC_ERR_UNAUTHORIZED : MTC_ERR_IO;
		mtc_status_set(st, e, "%s: %s", p, e == MTC_ERR_UNAUTHORIZED ? "no session (log in)" : strerror(errno));
		free(def);
		return e;
	}
	char line[8192];
	enum mtc_error e = MTC_OK;
	while (e == MTC_OK && fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		char **dst = NULL;
		const char *v = NULL;
		if (strncmp(line, "server=", 7) == 0)
			dst = &s->server, v = line + 7;
		else if (strncmp(line, "refresh_token=", 14) == 0)
			dst = &s->refresh_token, v = line + 14;
		if (dst != NULL) {
			free(*dst);
			if ((*dst = mtc_strdup(v)) == NULL)
				e = MTC_ERR_NOMEM;
		}
	}
	fclose(f);
	if (e == MTC_OK && (s->server == NULL || s->refresh_token == NULL || s->refresh_token[0] == '\0')) {
		e = MTC_ERR_IO;
		mtc_status_set(st, e, "%s: not a session file (needs server= and refresh_token=)", p);
	}
	if (e != MTC_OK)
		mtc_session_clear(s);
	if (e == MTC_ERR_NOMEM)
		mtc_status_set(st, e, "out of memory");
	free(def);
	return e;
}

/* Makes the parent directory of path (0700) when missing. 0 or -1. */
static int make_parent(const char *path)
{
	char dir[4096];
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return -1;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* Writes a session file atomically with mode 0600. */
enum mtc_error mtc_session_save(const char *path, const struct mtc_session *s, struct mtc_status *st)
{
	mtc_status_reset(st);
	if (s == NULL || s->server == NULL || s->refresh_token == NULL || strchr(s->server, '\n') != NULL ||
	    strchr(s->refresh_token, '\n') != NULL) {
		mtc_status_set(st, MTC_ERR_INVALID_ARG, "a session needs a server and a refresh token");
		return MTC_ERR_INVALID_ARG;
	}
	char *def = path == NULL ? mtc_session_default_path() : NULL;
	const char *p = path != NULL ? path : def;
	char tmp[4200];
	enum mtc_error e = MTC_ERR_IO;
	int fd = -1;
	if (p == NULL || snprintf(tmp, sizeof tmp, "%s.tmp.%ld", p, (long)getpid()) >= (int)sizeof tmp)
		goto done;
	if (make_parent(p) != 0)
		goto done;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto done;
	FILE *f = fdopen(fd, "w");
	if (f == NULL)
		goto done;
	fd = -1;
	int bad = fprintf(f, "# maitre session: server and refresh token (no password)\nserver=%s\nrefresh_token=%s\n",
			  s->server, s->refresh_token) < 0;
	bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
	bad |= fclose(f) != 0;
	if (!bad && rename(tmp, p) == 0)
		e = MTC_OK;
done:
	if (e != MTC_OK) {
		mtc_status_set(st, e, "%s: cannot write the session: %s", p != NULL ? p : "(no path)", strerror(errno));
		if (fd >= 0)
			close(fd);
		if (p != NULL)
			unlink(tmp);
	}
	free(def);
	return e;
}

/* Removes a session file. */
enum mtc_error mtc_session_forget(const char *path, struct mtc_status *st)
{
	mtc_status_reset(st);
	char *def = path == NULL ? mtc_session_default_path() : NULL;
	const char *p = path != NULL ? path : def;
	enum mtc_error e = MTC_OK;
	if (p == NULL || (unlink(p) != 0 && errno != ENOENT)) {
		e = MTC_ERR_IO;
		mtc_status_set(st, e, "%s: %s", p != NULL ? p : "(no path)", strerror(errno));
	}
	free(def);
	return e;
}

/* Takes the session file's lock (PATH.lock) without waiting: 1 taken (or no file), 0 busy. */
int mtc_session_lock(struct mtc_client *c)
{
	if (c->session_path == NULL || c->session_lock_fd >= 0)
		return 1;
	char lp[4200];
	if (snprintf(lp, sizeof lp, "%s.lock", c->session_path) >= (int)sizeof lp || make_parent(lp) != 0)
		return 1;
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return 1; /* cannot lock: go on unlocked rather than never refresh */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return errno == EWOULDBLOCK ? 0 : 1;
	}
	c->session_lock_fd = fd;
	return 1;
}

/* Releases the session file's lock. */
void mtc_session_unlock(struct mtc_client *c)
{
	if (c->session_lock_fd >= 0) {
		close(c->session_lock_fd);
		c->session_lock_fd = -1;
	}
}

/* Adopts the refresh token in the session file when another process rotated it. */
void mtc_session_adopt_file(struct mtc_client *c)
{
	struct mtc_session s;
	if (c->session_path == NULL || mtc_session_load(c->session_path, &s, NULL) != MTC_OK)
		return;
	if (strcmp(s.server, c->server) == 0 &&
	    (c->refresh_token == NULL || strcmp(s.refresh_token, c->refresh_token) != 0)) {
		char *rt = s.refresh_token;
		s.refresh_token = NULL;
		free(c->refresh_token);
		c->refresh_token = rt;
		mtc_trace(c, "session: adopted a newer refresh token from %s", c->session_path);
	}
	mtc_session_clear(&s);
}

/* Tells the session callback and the session file that the refresh token changed. */
void mtc_session_store(struct mtc_client *c)
{
	if (c->session_cb != NULL)
		c->session_cb(c->session_ud, c->server, c->refresh_token);
	if (c->session_path == NULL)
		return;
	if (c->refresh_token == NULL) {
		mtc_session_forget(c->session_path, NULL);
		return;
	}
	struct mtc_session s = { .server = c->server, .refresh_token = c->refresh_token };
	struct mtc_status st;
	if (mtc_session_save(c->session_path, &s, &st) != MTC_OK)
		mtc_trace(c, "session: %s", st.message);
}

/* Sets the session callback. */
void mtc_client_set_session_callback(struct mtc_client *c, mtc_session_fn fn, void *userdata)
{
	c->session_cb = fn;
	c->session_ud = userdata;
}

/* Keeps the session in a file and loads it now when it is for this server. */
enum mtc_error mtc_client_set_session_file(struct mtc_client *c, const char *path, struct mtc_status *st)
{
	mtc_status_reset(st);
	char *p = path != NULL ? mtc_strdup(path) : mtc_session_default_path();
	if (p == NULL) {
		mtc_status_set(st, MTC_ERR_IO, "no session path: set XDG_STATE_HOME or HOME");
		return MTC_ERR_IO;
	}
	free(c->session_path);
	c->session_path = p;
	struct mtc_session s;
	enum mtc_error e = mtc_session_load(p, &s, st);
	if (e == MTC_ERR_UNAUTHORIZED) {
		mtc_status_reset(st);
		return MTC_OK;
	}
	if (e != MTC_OK)
		return e;
	if (strcmp(s.server, c->server) == 0 && c->refresh_token == NULL) {
		c->refresh_token = s.refresh_token;
		s.refresh_token = NULL;
	}
	mtc_session_clear(&s);
	return MTC_OK;
}
