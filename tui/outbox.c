/* The outbox: actions queued on disk with their Idempotency-Keys. */
#include "outbox.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const kind_names[ACT_KIND_COUNT] = { "add", "edit", "status", "notify", "delete" };

/* Makes a fresh Idempotency-Key of 32 hex characters. */
int outbox_new_key(char out[48])
{
	unsigned char raw[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, raw, sizeof raw);
	close(fd);
	if (r != (ssize_t)sizeof raw)
		return -1;
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof raw; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[32] = '\0';
	return 0;
}

/* Copies src into a fixed buffer, truncating at a UTF-8 boundary. */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Serialises one action as a single JSON line. */
char *action_to_json(const struct action *a)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	int ok = cJSON_AddStringToObject(o, "key", a->key) &&
		 cJSON_AddStringToObject(o, "kind", kind_names[a->kind]) &&
		 cJSON_AddStringToObject(o, "waitee", a->waitee) &&
		 cJSON_AddStringToObject(o, "label", a->label) &&
		 cJSON_AddNumberToObject(o, "fields", a->fields) &&
		 cJSON_AddNumberToObject(o, "status", a->status) &&
		 cJSON_AddNumberToObject(o, "prevStatus", a->prev_status) &&
		 cJSON_AddNumberToObject(o, "version", (double)a->version) &&
		 cJSON_AddNumberToObject(o, "createdMs", (double)a->created_ms) &&
		 cJSON_AddNumberToObject(o, "attempts", a->attempts);
	if (ok && (a->fields & AF_NAME))
		ok = cJSON_AddStringToObject(o, "name", a->name) != NULL;
	if (ok && (a->fields & AF_PHONE))
		ok = cJSON_AddStringToObject(o, "phone", a->phone) != NULL;
	if (ok && (a->fields & AF_EMAIL))
		ok = cJSON_AddStringToObject(o, "email", a->email) != NULL;
	if (ok && (a->fields & AF_NOTES))
		ok = cJSON_AddStringToObject(o, "notes", a->notes) != NULL;
	if (ok && (a->fields & AF_SIZE))
		ok = cJSON_AddNumberToObject(o, "size", a->size) != NULL;
	if (ok && (a->fields & AF_QUOTE))
		ok = cJSON_AddNumberToObject(o, "quote", a->quote) != NULL;
	char *s = ok ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return s;
}

/* A string member into a fixed buffer; 0, or -1 when present but not a string. */
static int get_str(const cJSON *o, const char *k, char *dst, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!v) {
		dst[0] = '\0';
		return 0;
	}
	if (!cJSON_IsString(v))
		return -1;
	copy_str(dst, cap, v->valuestring);
	return 0;
}

/* A number member (dflt when absent). */
static double get_num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* Parses a line made by action_to_json. */
int action_from_json(const char *line, struct action *a)
{
	memset(a, 0, sizeof *a);
	cJSON *o = cJSON_Parse(line);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return -1;
	}
	char kind[16];
	int rc = 0;
	if (get_str(o, "key", a->key, sizeof a->key) || get_str(o, "kind", kind, sizeof kind) ||
	    get_str(o, "waitee", a->waitee, sizeof a->waitee) || get_str(o, "label", a->label, sizeof a->label) ||
	    get_str(o, "name", a->name, sizeof a->name) || get_str(o, "phone", a->phone, sizeof a->phone) ||
	    get_str(o, "email", a->email, sizeof a->email) || get_str(o, "notes", a->notes, sizeof a->notes))
		rc = -1;
	int k = -1;
	for (int i = 0; rc == 0 && i < ACT_KIND_COUNT; i++)
		if (strcmp(kind, kind_names[i]) == 0)
			k = i;
	if (k < 0 || a->key[0] == '\0')
		rc = -1;
	else
		a->kind = (enum action_kind)k;
	a->fields = (unsigned)num_int(get_num(o, "fields", 0));
	a->status = num_int(get_num(o, "status", 0));
	a->prev_status = num_int(get_num(o, "prevStatus", 0));
	a->version = (int64_t)num_i64(get_num(o, "version", 0));
	a->created_ms = (int64_t)num_i64(get_num(o, "createdMs", 0));
	a->attempts = num_int(get_num(o, "attempts", 0));
	a->size = num_int(get_num(o, "size", 0));
	a->quote = num_int(get_num(o, "quote", 0));
	if (a->kind != ACT_ADD && a->waitee[0] == '\0')
		rc = -1;
	cJSON_Delete(o);
	return rc;
}

/* Makes dir and its parents (0700). */
static int mkdirs(const char *dir)
{
	char buf[512];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Grows the item array to hold one more. */
static int reserve_one(struct outbox *ob)
{
	if (ob->n < ob->cap)
		return 0;
	size_t cap = ob->cap ? ob->cap * 2 : 8;
	struct action *p = realloc(ob->items, cap * sizeof *p);
	if (!p)
		return -1;
	ob->items = p;
	ob->cap = cap;
	return 0;
}

/* Appends an unreadable line to the .bad file beside the outbox. */
static void keep_bad_line(const char *path, const char *line)
{
	char bad[560];
	snprintf(bad, sizeof bad, "%s.bad", path);
	int fd = open(bad, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	size_t n = strlen(line);
	if (write(fd, line, n) != (ssize_t)n || write(fd, "\n", 1) != 1) {
		/* nothing more we can do; the caller reports the count */
	}
	close(fd);
}

/* Opens (loads) the outbox of a waitlist. */
int outbox_open(struct outbox *ob, const char *dir, const char *waitlist_id, int *bad,
		char *err, size_t errlen)
{
	memset(ob, 0, sizeof *ob);
	if (bad)
		*bad = 0;
	if (!dir)
		return 0;
	if (mkdirs(dir) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	/* the id goes into a file name: keep only safe characters */
	char safe[80];
	size_t j = 0;
	for (const char *p = waitlist_id; *p && j + 1 < sizeof safe; p++)
		safe[j++] = (char)((*p == '/' || *p == '.' || (unsigned char)*p < 0x21) ? '_' : *p);
	safe[j] = '\0';
	if ((size_t)snprintf(ob->path, sizeof ob->path, "%s/outbox-%s.json", dir, safe) >= sizeof ob->path) {
		snprintf(err, errlen, "state directory path too long");
		return -1;
	}
	FILE *f = fopen(ob->path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", ob->path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	int rc = 0;
	int dropped = 0;
	while ((len = getline(&line, &lcap, f)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (reserve_one(ob) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		if (action_from_json(line, &ob->items[ob->n]) != 0) {
			keep_bad_line(ob->path, line);
			dropped++;
			continue;
		}
		ob->n++;
	}
	free(line);
	fclose(f);
	if (bad)
		*bad = dropped;
	/* unreadable lines are kept in .bad; rewrite the file without them
	 * (a failed rewrite only means they are reported again next time) */
	if (rc == 0 && dropped)
		(void)outbox_save(ob);
	return rc;
}

/* Rewrites the file atomically: temp file, fsync, rename. */
int outbox_save(struct outbox *ob)
{
	if (ob->path[0] == '\0')
		return 0;
	char tmp[560];
	snprintf(tmp, sizeof tmp, "%s.tmp", ob->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < ob->n; i++) {
		char *s = action_to_json(&ob->items[i]);
		if (!s) {
			rc = -1;
			break;
		}
		size_t n = strlen(s);
		if (write(fd, s, n) != (ssize_t)n || write(fd, "\n", 1) != 1)
			rc = -1;
		free(s);
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, ob->path) != 0)
		rc = -1;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* Appends an action and writes the file. */
int outbox_push(struct outbox *ob, const struct action *a, char *err, size_t errlen)
{
	if (reserve_one(ob) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ob->items[ob->n++] = *a;
	if (outbox_save(ob) != 0) {
		ob->n--;
		snprintf(err, errlen, "cannot write %s: %s", ob->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Removes the action with this key and writes the file. */
int outbox_remove(struct outbox *ob, const char *key)
{
	for (size_t i = 0; i < ob->n; i++) {
		if (strcmp(ob->items[i].key, key) != 0)
			continue;
		memmove(&ob->items[i], &ob->items[i + 1], (ob->n - i - 1) * sizeof *ob->items);
		ob->n--;
		return outbox_save(ob);
	}
	return -1;
}

/* Replaces references to a local party id with the server's id. */
void outbox_rename_party(struct outbox *ob, const char *from, const char *to)
{
	for (size_t i = 0; i < ob->n; i++)
		if (strcmp(ob->items[i].waitee, from) == 0)
			copy_str(ob->items[i].waitee, sizeof ob->items[i].waitee, to);
}

/* Frees memory; the file stays. */
void outbox_close(struct outbox *ob)
{
	free(ob->items);
	ob->items = NULL;
	ob->n = ob->cap = 0;
}
