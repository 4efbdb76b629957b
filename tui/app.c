/* The app's state: clocks, activity strip, the board's rows (server rows
 * with queued actions applied), selection, queuing actions, themes. */
#include "app.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit/theme.h"

/* The test clock's offset in ms: MAITRE_TEST_CLOCK_FILE (8 bytes, a native
 * int64, as maitred reads it) mapped on first use, so a test moves the app's
 * wall clock with one write; NULL (no offset) when unset or unreadable. */
static const int64_t *test_clock_offset(void)
{
	static const int64_t *map;
	static int tried;
	if (!tried) {
		tried = 1;
		const char *path = getenv("MAITRE_TEST_CLOCK_FILE");
		int fd = path && *path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof *map) {
			void *m = mmap(NULL, sizeof *map, PROT_READ, MAP_SHARED, fd, 0);
			if (m != MAP_FAILED)
				map = m;   /* mapped for the life of the process */
		}
		if (fd >= 0)
			close(fd);
	}
	return map;
}

/* Wall clock, epoch ms (plus the test clock's offset when one is set). */
int64_t app_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	const int64_t *off = test_clock_offset();
	return off ? ms + __atomic_load_n(off, __ATOMIC_RELAXED) : ms;
}

/* Monotonic clock, ms. */
int64_t app_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Adds a line to the activity strip. */
void app_activity(struct app *a, int slot, const char *fmt, ...)
{
	struct activity *e = &a->activity[a->activity_head];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
	e->at_ms = a->now_ms ? a->now_ms : app_wall_ms();
	e->slot = slot;
	a->activity_head = (a->activity_head + 1) % ACTIVITY_MAX;
	if (a->activity_n < ACTIVITY_MAX)
		a->activity_n++;
	a->dirty |= DIRTY_STRIP;
}

/* Finds a row by id. */
static struct party *find_row(struct party *rows, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].id, id) == 0)
			return &rows[i];
	return NULL;
}

/* Present-tense word for a pending action ("seating…"). */
static const char *pending_word(const struct action *act)
{
	switch (act->kind) {
	case ACT_ADD: return "adding";
	case ACT_EDIT: return "saving";
	case ACT_NOTIFY: return "texting";
	case ACT_DELETE: return "deleting";
	case ACT_STATUS:
		switch (act->status) {
		case PARTY_SEATED: return "seating";
		case PARTY_CANCELLED: return "cancelling";
		case PARTY_NO_SHOW: return "no-show";
		default: return "undoing";
		}
	default: return "pending";
	}
}

/* Applies the fields of an add/edit to a row. */
static void apply_fields(struct party *p, const struct action *act)
{
	if (act->fields & AF_NAME)
		str_copy(p->name, sizeof p->name, act->name);
	if (act->fields & AF_PHONE)
		str_copy(p->phone, sizeof p->phone, act->phone);
	if (act->fields & AF_EMAIL)
		str_copy(p->email, sizeof p->email, act->email);
	if (act->fields & AF_NOTES)
		str_copy(p->notes, sizeof p->notes, act->notes);
	if (act->fields & AF_SIZE)
		p->size = act->size;
	if (act->fields & AF_QUOTE)
		p->quote = act->quote;
}

/* Rebuilds rows, the visible list and the selection. */
void app_rebuild(struct app *a)
{
	size_t cap = a->n_server + a->outbox.n;
	struct party *rows = cap ? malloc(cap * sizeof *rows) : NULL;
	size_t n = 0;
	if (cap && !rows) {
		app_activity(a, TK_SLOT_ERROR, "out of memory");
		return;
	}
	if (a->n_server)
		memcpy(rows, a->server_rows, a->n_server * sizeof *rows);
	n = a->n_server;
	for (size_t i = 0; i < a->outbox.n; i++) {
		const struct action *act = &a->outbox.items[i];
		struct party *p;
		if (act->kind == ACT_ADD) {
			p = &rows[n++];
			memset(p, 0, sizeof *p);
			str_fmt(p->id, sizeof p->id, "local:%s", act->key);
			p->status = PARTY_WAITING;
			p->joined_ms = act->created_ms;
			p->updated_ms = act->created_ms;
			p->size = 2;
			apply_fields(p, act);
		} else {
			p = find_row(rows, n, act->waitee);
			if (!p)
				continue;
			if (act->kind == ACT_EDIT)
				apply_fields(p, act);
			else if (act->kind == ACT_STATUS) {
				p->status = (enum party_status)act->status;
				p->updated_ms = act->created_ms;
			}
		}
		p->pending = 1;
		str_copy(p->pending_what, sizeof p->pending_what, pending_word(act));
	}
	free(a->rows);
	a->rows = rows;
	a->n_rows = n;
	party_sort(a->rows, a->n_rows);
	/* places in line from the rows as shown (active ones first, in join
	 * order), not the server's last count: after a seat or an undo the
	 * others move at once, where the server's numbers of the rows not
	 * touched lagged until the next poll (two parties "1" for a moment) */
	for (size_t i = 0; i < n; i++)
		a->rows[i].position = party_status_active(a->rows[i].status) ? (int)i + 1 : 0;

	size_t *vis = n ? realloc(a->visible, n * sizeof *vis) : a->visible;
	if (n && !vis) {
		a->n_visible = 0;
		return;
	}
	a->visible = vis;
	a->n_visible = 0;
	for (size_t i = 0; i < n; i++)
		if (party_visible(&a->rows[i], a->view, a->size_filter, a->search.text, a->now_ms))
			a->visible[a->n_visible++] = i;
	/* keep the selection on the same party when it is still shown */
	size_t sel = a->sel;
	int found = 0;
	for (size_t i = 0; a->sel_id[0] && i < a->n_visible; i++) {
		if (strcmp(a->rows[a->visible[i]].id, a->sel_id) == 0) {
			sel = i;
			found = 1;
			break;
		}
	}
	if (a->n_visible == 0)
		sel = 0;
	else if (sel >= a->n_visible)
		sel = a->n_visible - 1;
	a->sel = sel;
	if (!found || !a->sel_id[0]) {
		if (a->n_visible)
			str_copy(a->sel_id, sizeof a->sel_id, a->rows[a->visible[sel]].id);
		else
			a->sel_id[0] = '\0';
	}
	a->dirty |= DIRTY_ROWS | DIRTY_HEADER | DIRTY_FOOTER;
}

/* The selected party, or NULL. */
struct party *app_selected(struct app *a)
{
	if (a->sel >= a->n_visible)
		return NULL;
	return &a->rows[a->visible[a->sel]];
}

/* Moves the selection by delta (clamped). */
void app_select_move(struct app *a, long delta)
{
	if (a->n_visible == 0)
		return;
	long s = (long)a->sel + delta;
	if (s < 0)
		s = 0;
	if (s >= (long)a->n_visible)
		s = (long)a->n_visible - 1;
	if ((size_t)s != a->sel)
		a->dirty |= DIRTY_ROWS;
	a->sel = (size_t)s;
	str_copy(a->sel_id, sizeof a->sel_id, a->rows[a->visible[a->sel]].id);
}

/* Queues an action: on disk first, then it is sent by sync. */
int app_queue_action(struct app *a, struct action *act)
{
	char err[300];
	if (!act->key[0] && outbox_new_key(act->key) != 0) {
		app_activity(a, TK_SLOT_ERROR, "no randomness for an idempotency key: not done");
		return -1;
	}
	act->created_ms = a->now_ms ? a->now_ms : app_wall_ms();
	if (outbox_push(&a->outbox, act, err, sizeof err) != 0) {
		app_activity(a, TK_SLOT_ERROR, "not done: %s", err);
		return -1;
	}
	app_rebuild(a);
	return 0;
}

/* Switches screens. */
void app_set_screen(struct app *a, enum app_screen s)
{
	a->screen = s;
	a->overlay = OVERLAY_NONE;
	a->searching = 0;
	a->filter_prompt = 0;
	a->dirty = DIRTY_ALL;
}
