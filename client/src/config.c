/* The shared config file ($XDG_CONFIG_HOME/maitre/config): INI, bad lines are warnings. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "internal.h"

/* Adds a warning "file:line: message". -1 on no memory. */
static int warn(struct mtc_config *cfg, const char *file, int line, const char *msg)
{
	struct mtc_config_warning *w = realloc(cfg->warnings, (cfg->n_warnings + 1) * sizeof *w);
	if (w == NULL)
		return -1;
	cfg->warnings = w;
	w = &w[cfg->n_warnings];
	w->file = mtc_strdup(file);
	w->line = line;
	w->message = mtc_strdup(msg);
	if (w->file == NULL || w->message == NULL) {
		free(w->file);
		free(w->message);
		return -1;
	}
	cfg->n_warnings++;
	return 0;
}

/* Keeps an unknown key. -1 on no memory. */
static int keep_extra(struct mtc_config *cfg, const char *section, const char *key, const char *value, int line)
{
	struct mtc_config_entry *x = realloc(cfg->extra, (cfg->n_extra + 1) * sizeof *x);
	if (x == NULL)
		return -1;
	cfg->extra = x;
	x = &x[cfg->n_extra];
	x->section = mtc_strdup(section);
	x->key = mtc_strdup(key);
	x->value = mtc_strdup(value);
	x->line = line;
	if (x->section == NULL || x->key == NULL || x->value == NULL) {
		free(x->section);
		free(x->key);
		free(x->value);
		return -1;
	}
	cfg->n_extra++;
	return 0;
}

/* Trims spaces at both ends, in place. */
static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Parses a boolean word: 1, 0, or -1. */
static int parse_bool(const char *v)
{
	static const char *const yes[] = { "on", "yes", "true", "1", NULL };
	static const char *const no[] = { "off", "no", "false", "0", NULL };
	for (size_t i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Replaces *dst with a copy of v. -1 on no memory. */
static int set_str(char **dst, const char *v)
{
	char *p = mtc_strdup(v);
	if (p == NULL)
		return -1;
	free(*dst);
	*dst = p;
	return 0;
}

/* Applies one known key; 1 applied, 0 unknown key, -1 no memory, -2 bad value (msg filled). */
static int apply(struct mtc_config *cfg, const char *key, const char *v, char *msg, size_t msz)
{
	if (strcasecmp(key, "server") == 0) {
		if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
			snprintf(msg, msz, "server: not an http:// or https:// URL");
			return -2;
		}
		return set_str(&cfg->server, v) == 0 ? 1 : -1;
	}
	if (strcasecmp(key, "email") == 0) {
		if (strchr(v, '@') == NULL) {
			snprintf(msg, msz, "email: not an e-mail address");
			return -2;
		}
		return set_str(&cfg->email, v) == 0 ? 1 : -1;
	}
	if (strcasecmp(key, "theme") == 0) {
		if (v[0] == '\0') {
			snprintf(msg, msz, "theme: empty");
			return -2;
		}
		return set_str(&cfg->theme, v) == 0 ? 1 : -1;
	}
	if (strcasecmp(key, "poll_interval") == 0) {
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (errno != 0 || end == v || *trim(end) != '\0' || n < 1 || n > 3600) {
			snprintf(msg, msz, "poll_interval: not a number of seconds 1..3600");
			return -2;
		}
		cfg->poll_interval_s = (int)n;
		return 1;
	}
	if (strcasecmp(key, "country") == 0) {
		if (strlen(v) != 2 || !isalpha((unsigned char)v[0]) || !isalpha((unsigned char)v[1])) {
			snprintf(msg, msz, "country: not a two-letter country code (US, GB, FR, ...)");
			return -2;
		}
		cfg->country[0] = (char)toupper((unsigned char)v[0]);
		cfg->country[1] = (char)toupper((unsigned char)v[1]);
		cfg->country[2] = '\0';
		return 1;
	}
	if (strcasecmp(key, "notifications") == 0) {
		int b = parse_bool(v);
		if (b < 0) {
			snprintf(msg, msz, "notifications: expected on or off");
			return -2;
		}
		cfg->notifications = b;
		return 1;
	}
	return 0;
}

/* Reads the config file. */
enum mtc_error mtc_config_load(const char *path, struct mtc_config *cfg, struct mtc_status *st)
{
	mtc_status_reset(st);
	memset(cfg, 0, sizeof *cfg);
	cfg->notifications = -1;
	char *def = path == NULL ? mtc_config_default_path() : NULL;
	const char *p = path != NULL ? path : def;
	if (p == NULL) {
		free(def);
		return MTC_OK; /* no HOME: no config */
	}
	FILE *f = fopen(p, "r");
	if (f == NULL) {
		enum mtc_error e = errno == ENOENT ? MTC_OK : MTC_ERR_IO;
		if (e != MTC_OK)
			mtc_status_set(st, e, "%s: %s", p, strerror(errno));
		free(def);
		return e;
	}
	enum mtc_error e = MTC_OK;
	if ((cfg->path = mtc_strdup(p)) == NULL)
		e = MTC_ERR_NOMEM;
	char raw[4096], section[128] = "";
	int lineno = 0;
	while (e == MTC_OK && fgets(raw, sizeof raw, f) != NULL) {
		lineno++;
		char msg[160];
		size_t len = strlen(raw);
		if (len == sizeof raw - 1 && raw[len - 1] != '\n') {
			int ch;
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			if (warn(cfg, p, lineno, "line too long (over 4 KiB)") != 0)
				e = MTC_ERR_NOMEM;
			continue;
		}
		char *s = trim(raw);
		if (s[0] == '\0' || s[0] == '#' || s[0] == ';')
			continue;
		if (s[0] == '[') {
			char *end = strchr(s, ']');
			if (end == NULL || end[1] != '\0' || end == s + 1 || (size_t)(end - s - 1) >= sizeof section) {
				if (warn(cfg, p, lineno, "expected [section]") != 0)
					e = MTC_ERR_NOMEM;
				continue;
			}
			*end = '\0';
			snprintf(section, sizeof section, "%s", trim(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			if (warn(cfg, p, lineno, "expected key = value") != 0)
				e = MTC_ERR_NOMEM;
			continue;
		}
		*eq = '\0';
		char *key = trim(s), *v = trim(eq + 1);
		if (key[0] == '\0') {
			if (warn(cfg, p, lineno, "empty key before '='") != 0)
				e = MTC_ERR_NOMEM;
			continue;
		}
		/* a trailing " # comment" after an unquoted value */
		size_t vl = strlen(v);
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v[vl - 1] = '\0';
			v++;
		} else {
			char *hash = strstr(v, " #");
			if (hash != NULL) {
				*hash = '\0';
				v = trim(v);
			}
		}
		int r = 0;
		if (section[0] == '\0' || strcasecmp(section, "maitre") == 0)
			r = apply(cfg, key, v, msg, sizeof msg);
		if (r == -1 || (r == -2 && warn(cfg, p, lineno, msg) != 0) ||
		    (r == 0 && keep_extra(cfg, section, key, v, lineno) != 0))
			e = MTC_ERR_NOMEM;
	}
	if (e == MTC_OK && ferror(f)) {
		e = MTC_ERR_IO;
		mtc_status_set(st, e, "%s: read error", p);
	}
	fclose(f);
	if (e == MTC_ERR_NOMEM)
		mtc_status_set(st, e, "out of memory");
	free(def);
	return e;
}

/* Value of an extra key, or NULL (the last one wins when a key repeats). */
const char *mtc_config_get(const struct mtc_config *cfg, const char *section, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; cfg != NULL && i < cfg->n_extra; i++)
		if (strcasecmp(cfg->extra[i].section, section ? section : "") == 0 &&
		    strcasecmp(cfg->extra[i].key, key) == 0)
			v = cfg->extra[i].value;
	return v;
}

/* Frees what cfg holds. */
void mtc_config_free(struct mtc_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->server);
	free(cfg->email);
	free(cfg->theme);
	for (size_t i = 0; i < cfg->n_extra; i++) {
		free(cfg->extra[i].section);
		free(cfg->extra[i].key);
		free(cfg->extra[i].value);
	}
	free(cfg->extra);
	for (size_t i = 0; i < cfg->n_warnings; i++) {
		free(cfg->warnings[i].file);
		free(cfg->warnings[i].message);
	}
	free(cfg->warnings);
	memset(cfg, 0, sizeof *cfg);
	cfg->notifications = -1;
}
