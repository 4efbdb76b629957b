/* What the app remembers between runs: last list, board snapshot. */
#include "state.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "util.h"
#include "kit/theme.h"

/* Fills a->state_dir. */
int state_dir_init(struct app *a)
{
	const char *x = getenv("XDG_STATE_HOME");
	const char *h = getenv("HOME");
	int n;
	if (x && *x)
		n = snprintf(a->state_dir, sizeof a->state_dir, "%s/maitre", x);
	else if (h && *h)
		n = snprintf(a->state_dir, sizeof a->state_dir, "%s/.local/state/maitre", h);
	else
		return -1;
	return n > 0 && (size_t)n < sizeof a->state_dir ? 0 : -1;
}

/* Makes the state directory and its parents (0700). */
int state_dir_make(const struct app *a)
{
	char buf[512];
	str_copy(buf, sizeof buf, a->state_dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Writes text to path atomically with mode 0600. */
static int write_file(const char *path, const char *text)
{
	char tmp[600];
	str_fmt(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	int rc = write(fd, text, n) == (ssize_t)n ? 0 : -1;
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* Reads a whole small file (malloc'd), or NULL. */
static char *read_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max, f) : 0;
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* Reads app-state. */
void state_load_last(struct app *a)
{
	char path[600];
	str_fmt(path, sizeof path, "%s/app-state", a->state_dir);
	char *text = read_file(path, 16384);
	cJSON *o = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return;
	}
	const cJSON *srv = cJSON_GetObjectItemCaseSensitive(o, "server");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "list");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "listName");
	const cJSON *email = cJSON_GetObjectItemCaseSensitive(o, "email");
	const cJSON *tenant = cJSON_GetObjectItemCaseSensitive(o, "tenant");
	/* the last list belongs to the server (and the restaurant) it came from */
	if (cJSON_IsString(srv) && strcmp(srv->valuestring, a->server) == 0) {
		if (cJSON_IsString(id))
			str_copy(a->list_id, sizeof a->list_id, id->valuestring);
		if (cJSON_IsString(name))
			str_copy(a->list_name, sizeof a->list_name, name->valuestring);
		if (cJSON_IsString(tenant))
			str_copy(a->list_tenant, sizeof a->list_tenant, tenant->valuestring);
	}
	if (cJSON_IsString(email) && !a->email[0])
		str_copy(a->email, sizeof a->email, email->valuestring);
	const cJSON *theme = cJSON_GetObjectItemCaseSensitive(o, "theme");
	if (cJSON_IsString(theme))
		str_copy(a->theme_chosen, sizeof a->theme_chosen, theme->valuestring);
	cJSON_Delete(o);
}

/* Writes app-state. */
void state_save_last(struct app *a)
{
	if (!a->state_dir[0] || state_dir_make(a) != 0)
		return;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "server", a->server);
	cJSON_AddStringToObject(o, "email", a->email);
	cJSON_AddStringToObject(o, "list", a->list_id);
	cJSON_AddStringToObject(o, "listName", a->list_name);
	cJSON_AddStringToObject(o, "tenant", a->list_id[0] ? a->list_tenant : "");
	if (a->theme_chosen[0])
		cJSON_AddStringToObject(o, "theme", a->theme_chosen);
	char *s = cJSON_Print(o);
	cJSON_Delete(o);
	if (!s)
		return;
	char path[600];
	str_fmt(path, sizeof path, "%s/app-state", a->state_dir);
	write_file(path, s);
	free(s);
}

/* Path of the current list's snapshot. */
static void snapshot_path(const struct app *a, char *out, size_t n)
{
	char safe[80];
	size_t j = 0;
	for (const char *p = a->list_id; *p && j + 1 < sizeof safe; p++)
		safe[j++] = (char)((*p == '/' || *p == '.' || (unsigned char)*p < 0x21) ? '_' : *p);
	safe[j] = '\0';
	str_fmt(out, n, "%s/board-%s.json", a->state_dir, safe);
}

/* Writes the snapshot of the current server rows. */
void state_save_snapshot(struct app *a)
{
	if (!a->state_dir[0] || !a->list_id[0] || state_dir_make(a) != 0)
		return;
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = o ? cJSON_AddArrayToObject(o, "parties") : NULL;
	if (!arr) {
		cJSON_Delete(o);
		return;
	}
	cJSON_AddNumberToObject(o, "syncedAt", (double)a->last_sync_ms);
	for (size_t i = 0; i < a->n_server; i++) {
		const struct party *p = &a->server_rows[i];
		cJSON *r = cJSON_CreateObject();
		if (!r)
			break;
		cJSON_AddItemToArray(arr, r);
		cJSON_AddStringToObject(r, "id", p->id);
		cJSON_AddStringToObject(r, "name", p->name);
		cJSON_AddStringToObject(r, "notes", p->notes);
		cJSON_AddStringToObject(r, "lastResult", p->last_result);
		cJSON_AddStringToObject(r, "lastReason", p->last_reason);
		cJSON_AddNumberToObject(r, "size", p->size);
		cJSON_AddNumberToObject(r, "quote", p->quote);
		cJSON_AddNumberToObject(r, "status", p->status);
		cJSON_AddNumberToObject(r, "joined", (double)p->joined_ms);
		cJSON_AddNumberToObject(r, "notified", (double)p->notified_ms);
		cJSON_AddNumberToObject(r, "updated", (double)p->updated_ms);
		cJSON_AddNumberToObject(r, "version", (double)p->version);
		cJSON_AddBoolToObject(r, "byGuest", p->by_guest);
		cJSON_AddBoolToObject(r, "self", p->self_checkin);
		/* phone and e-mail stay on the server: the snapshot holds no contact data */
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return;
	char path[600];
	snapshot_path(a, path, sizeof path);
	write_file(path, s);
	free(s);
}

/* A string member into a fixed buffer. */
static void get_str(const cJSON *o, const char *k, char *dst, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	str_copy(dst, cap, cJSON_IsString(v) ? v->valuestring : "");
}

/* A number member, 0 when absent. */
static double get_num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Reads the current list's snapshot into the server rows. */
static void load_snapshot(struct app *a)
{
	char path[600];
	snapshot_path(a, path, sizeof path);
	char *text = read_file(path, 8u << 20);
	cJSON *o = text ? cJSON_Parse(text) : NULL;
	free(text);
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "parties");
	int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
	struct party *rows = n > 0 ? calloc((size_t)n, sizeof *rows) : NULL;
	size_t k = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, arr)
	{
		if (!rows || !cJSON_IsObject(r))
			break;
		struct party *p = &rows[k];
		get_str(r, "id", p->id, sizeof p->id);
		get_str(r, "name", p->name, sizeof p->name);
		get_str(r, "notes", p->notes, sizeof p->notes);
		get_str(r, "lastResult", p->last_result, sizeof p->last_result);
		get_str(r, "lastReason", p->last_reason, sizeof p->last_reason);
		p->size = num_int(get_num(r, "size"));
		p->quote = num_int(get_num(r, "quote"));
		int st = num_int(get_num(r, "status"));
		p->status = st >= 0 && st < PARTY_STATUS_COUNT ? (enum party_status)st : PARTY_WAITING;
		p->joined_ms = (int64_t)num_i64(get_num(r, "joined"));
		p->notified_ms = (int64_t)num_i64(get_num(r, "notified"));
		p->updated_ms = (int64_t)num_i64(get_num(r, "updated"));
		p->version = (int64_t)num_i64(get_num(r, "version"));
		p->by_guest = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "byGuest"));
		p->self_checkin = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "self"));
		if (p->id[0])
			k++;
	}
	if (o && cJSON_IsArray(arr))
		a->last_sync_ms = (int64_t)num_i64(get_num(o, "syncedAt"));
	cJSON_Delete(o);
	free(a->server_rows);
	a->server_rows = rows;
	a->n_server = rows ? k : 0;
}

/* Closes the current list's outbox and empties the board (rows, selection). */
static void board_close(struct app *a)
{
	outbox_close(&a->outbox);
	free(a->server_rows);
	a->server_rows = NULL;
	a->n_server = 0;
	a->last_sync_ms = 0;
	a->sel = a->top = 0;
	a->sel_id[0] = '\0';
}

/* Leaves the current list without showing or sending anything of it (its
 * snapshot and outbox stay on disk for its own restaurant's next login). */
void state_forget_list(struct app *a)
{
	board_close(a);
	a->list_id[0] = '\0';
	a->list_name[0] = '\0';
	a->list_tenant[0] = '\0';
	/* the activity strip names that list's guests */
	memset(a->activity, 0, sizeof a->activity);
	a->activity_head = 0;
	a->activity_n = 0;
	state_save_last(a);
	app_rebuild(a);
}

/* Opens a waitlist on the board. */
void state_open_list(struct app *a, const char *id, const char *name)
{
	board_close(a);
	str_copy(a->list_id, sizeof a->list_id, id);
	str_copy(a->list_name, sizeof a->list_name, name);
	char err[300];
	int bad = 0;
	if (outbox_open(&a->outbox, a->state_dir[0] ? a->state_dir : NULL, id, &bad, err, sizeof err) != 0)
		app_activity(a, TK_SLOT_ERROR, "outbox: %s (actions are not kept across restarts)", err);
	if (bad)
		app_activity(a, TK_SLOT_ERROR, "outbox: %d unreadable action(s) kept aside in %s.bad", bad, a->outbox.path);
	if (a->outbox.n)
		app_activity(a, TK_SLOT_PENDING, "%zu action(s) from the last run waiting to be sent", a->outbox.n);
	if (a->state_dir[0])
		load_snapshot(a);
	state_save_last(a);
	app_rebuild(a);
	app_set_screen(a, SCREEN_BOARD);
}
