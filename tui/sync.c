/* The network glue: non-blocking client calls for login, lists, polling and the outbox. */
#include "sync.h"

#include <maitre/client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "util.h"
#include "events.h"
#include "kit/theme.h"
#include "state.h"

#define BACKOFF_MIN_MS 1000  /* first retry after going offline */
#define BACKOFF_MAX_MS 30000 /* retries never wait longer than this */

/* The glue's state. */
struct sync {
	struct app *app;           /* the app it feeds */
	struct mtc_client *c;      /* the client (one server) */
	char session_path[512];    /* session file, "" = default */
	uint64_t list_call;        /* in-flight list poll, 0 = none */
	uint64_t action_call;      /* in-flight outbox send, 0 = none */
	uint64_t other_call;       /* in-flight login / picker / check call, 0 = none */
	char action_key[48];       /* key of the action being sent */
	struct action check;       /* an action whose race is being checked (GET after 412) */
	struct party check_row;    /* the party as the host saw it when that action was taken */
	int checking;              /* 1 while that GET is out: nothing else is sent meanwhile */
	unsigned actions_done;     /* actions answered so far */
	unsigned poll_actions;     /* actions_done when the in-flight poll started */
	int64_t next_poll_mono;    /* when to poll the list next (monotonic ms) */
	int64_t next_send_mono;    /* earliest time to send the next action */
	int backoff_ms;            /* current retry delay while offline */
	int relogin_needed;        /* 1 after the session was refused */
	uint64_t handover_call;    /* in-flight handover summary / note / ack call, 0 = none */
	uint64_t activity_call;    /* in-flight activity page, 0 = none */
	int handover_show;         /* 1: open the handover screen when the summary holds an unacknowledged note */
};

/* Which call a callback belongs to. */
enum call_kind { CALL_LIST, CALL_ACTION, CALL_OTHER };

/* Converts the client's record into the board's. */
static void party_from_waitee(struct party *p, const struct mtc_waitee *w)
{
	memset(p, 0, sizeof *p);
	str_copy(p->id, sizeof p->id, w->id);
	str_copy(p->name, sizeof p->name, w->name);
	str_copy(p->phone, sizeof p->phone, w->phone);
	str_copy(p->email, sizeof p->email, w->email);
	str_copy(p->notes, sizeof p->notes, w->notes);
	str_copy(p->last_reason, sizeof p->last_reason, w->last_reason);
	str_copy(p->reply, sizeof p->reply, w->reply);
	switch (w->last_result) {
	case MTC_SEND_QUEUED: str_copy(p->last_result, sizeof p->last_result, "queued"); break;
	case MTC_SEND_SENT: str_copy(p->last_result, sizeof p->last_result, "sent"); break;
	case MTC_SEND_FAILED: str_copy(p->last_result, sizeof p->last_result, "failed"); break;
	default: break;
	}
	p->size = w->party_size;
	p->quote = w->quoted_minutes;
	p->position = w->position;
	p->status = w->status >= MTC_PARTY_WAITING && w->status <= MTC_PARTY_NO_SHOW
			    ? (enum party_status)(w->status - MTC_PARTY_WAITING) : PARTY_WAITING;
	p->joined_ms = w->joined_at;
	p->notified_ms = w->notified_at;
	p->seated_ms = w->seated_at;
	p->updated_ms = w->finished_at ? w->finished_at : w->updated_at;
	p->reply_ms = w->reply_at;
	p->version = w->version;
	p->self_checkin = strcmp(w->source, "self") == 0;
}

/* The client's status for a board status. */
static enum mtc_party_status to_mtc_status(int s)
{
	return (enum mtc_party_status)(s + MTC_PARTY_WAITING);
}

/* Marks the app online after an answer from the server. */
static void went_online(struct sync *s)
{
	struct app *a = s->app;
	if (a->conn != CONN_LIVE) {
		if (a->conn == CONN_OFFLINE) {
			a->back_online_until_ms = a->mono_ms + 6000;
			app_activity(a, TK_SLOT_SUCCESS, "back online");
		}
		a->conn = CONN_LIVE;
		a->dirty |= DIRTY_ALL;
	}
	a->offline_since_ms = 0;
	a->offline_notified = 0;
	s->backoff_ms = 0;
	s->next_send_mono = 0;
}

/* Marks the app offline after a network failure and schedules a retry. */
static void went_offline(struct sync *s, const struct mtc_status *st)
{
	struct app *a = s->app;
	if (a->conn == CONN_OFFLINE && a->mono_ms < a->retry_at_ms)
		return; /* the poll and a send failing together: one step of backoff, not two */
	if (a->conn != CONN_OFFLINE) {
		a->offline_since_ms = a->last_sync_ms ? a->last_sync_ms : a->now_ms;
		a->conn = CONN_OFFLINE;
		a->sent_after_offline = 0;
		app_activity(a, TK_SLOT_ERROR, "server unreachable: %s", st->message[0] ? st->message : mtc_strerror(st->code));
		a->dirty |= DIRTY_ALL;
	}
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (s->backoff_ms > BACKOFF_MAX_MS)
		s->backoff_ms = BACKOFF_MAX_MS;
	a->retry_at_ms = a->mono_ms + s->backoff_ms;
	s->next_poll_mono = a->retry_at_ms;
	s->next_send_mono = a->retry_at_ms;
}

/* 1 for the errors that mean "could not reach the server; try again later". */
static int is_transient(enum mtc_error e)
{
	return e == MTC_ERR_NETWORK || e == MTC_ERR_TIMEOUT || e == MTC_ERR_SERVER || e == MTC_ERR_RATE_LIMITED;
}

/* The session was refused: keep everything queued, ask for a login. */
static void need_login(struct sync *s, const char *why)
{
	struct app *a = s->app;
	s->relogin_needed = 1;
	str_fmt(a->login.message, sizeof a->login.message, "%s: log in again%s", why,
		 a->outbox.n ? " (queued actions are kept)" : "");
	a->login.busy = 0;
	a->login.focus = a->login.f[LF_EMAIL].len ? LF_PASSWORD : LF_EMAIL;
	app_set_screen(a, SCREEN_LOGIN);
}

/* Makes the glue for app->server. */
struct sync *sync_new(struct app *a, const char *session_path, char *err, size_t errlen)
{
	struct sync *s = calloc(1, sizeof *s);
	if (!s) {
		str_fmt(err, errlen, "out of memory");
		return NULL;
	}
	s->app = a;
	if (session_path)
		str_copy(s->session_path, sizeof s->session_path, session_path);
	if (sync_set_server(s, a->server, err, errlen) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Points the glue at a server. */
int sync_set_server(struct sync *s, const char *server, char *err, size_t errlen)
{
	struct mtc_status st;
	mtc_status_reset(&st);
	struct mtc_client *c = NULL;
	if (mtc_client_new(server, &c, &st) != MTC_OK) {
		str_fmt(err, errlen, "server %s: %s", server, st.message[0] ? st.message : mtc_strerror(st.code));
		return -1;
	}
	mtc_client_set_timeouts(c, 3000, 8000);
	mtc_client_set_retries(c, 0);
	mtc_client_set_user_agent(c, "maitre/0.1.0");
	mtc_client_set_trace(c, NULL, NULL); /* never print under ncurses */
	if (mtc_client_set_session_file(c, s->session_path[0] ? s->session_path : NULL, &st) != MTC_OK) {
		/* an unreadable session file only means we ask for a login */
	}
	mtc_client_free(s->c);
	s->c = c;
	s->list_call = s->action_call = s->other_call = 0;
	s->checking = 0;
	struct app *a = s->app;
	if (server != a->server && strcmp(server, a->server) != 0) {
		/* another server: the remembered list and its queue belong to the old one */
		str_copy(a->server, sizeof a->server, server);
		a->list_id[0] = a->list_name[0] = '\0';
		outbox_close(&a->outbox);
		free(a->server_rows);
		a->server_rows = NULL;
		a->n_server = 0;
		a->last_sync_ms = 0;
		app_rebuild(a);
	}
	return 0;
}

/* Cancels and frees. */
void sync_free(struct sync *s)
{
	if (!s)
		return;
	struct mtc_client *c = s->c;
	s->c = NULL;
	mtc_client_free(c);
	free(s);
}

/* 1 when a session exists. */
int sync_has_session(const struct sync *s)
{
	return s->c && mtc_client_has_session(s->c) && !s->relogin_needed;
}

/* Number of calls in flight. */
size_t sync_in_flight(const struct sync *s)
{
	return s->c ? mtc_pending(s->c) : 0;
}

/* ---- login, register ---- */

/* After a login: the last list stays only if it is this restaurant's. An
 * account of another restaurant on the same terminal (a new restaurant
 * made with F2, another owner) must not see the last one's guests nor
 * send its queued actions: the list is left (state_forget_list) and the
 * picker shows this restaurant's. A state without the restaurant (an
 * older app) keeps its list only for the same e-mail. */
static void keep_list_of(struct app *a, struct mtc_client *c, const char *email)
{
	struct mtc_identity id;
	int same;

	if (mtc_client_identity(c, &id) != MTC_OK)
		id.tenant_id[0] = '\0';
	if (!a->list_id[0]) {
		str_copy(a->list_tenant, sizeof a->list_tenant, id.tenant_id);
		return;
	}
	if (a->list_tenant[0] && id.tenant_id[0])
		same = strcmp(a->list_tenant, id.tenant_id) == 0;
	else
		same = strcasecmp(a->email, email) == 0;
	if (!same) {
		state_forget_list(a);
		app_activity(a, TK_SLOT_ACTIVITY, "another restaurant: the last list is kept for its own");
	}
	str_copy(a->list_tenant, sizeof a->list_tenant, id.tenant_id);
}

/* A login or register answered. */
static void login_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct sync *s = ud;
	struct app *a = s->app;
	s->other_call = 0;
	a->login.busy = 0;
	a->dirty |= DIRTY_ALL;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	if (r->status.code != MTC_OK) {
		if (is_transient(r->status.code))
			str_fmt(a->login.message, sizeof a->login.message, "cannot reach %s: %s", a->server,
				 r->status.message[0] ? r->status.message : mtc_strerror(r->status.code));
		else if (r->op == MTC_OP_REGISTER && r->status.code == MTC_ERR_CONFLICT)
			str_fmt(a->login.message, sizeof a->login.message,
				 "that e-mail already has an account: log in instead (F2)");
		else if (r->status.code == MTC_ERR_UNAUTHORIZED)
			str_fmt(a->login.message, sizeof a->login.message,
				 "wrong e-mail or password (new here? F2 creates the restaurant)");
		else
			str_fmt(a->login.message, sizeof a->login.message, "%s%s%s",
				 r->status.field[0] ? r->status.field : "", r->status.field[0] ? ": " : "",
				 r->status.message[0] ? r->status.message : mtc_strerror(r->status.code));
		return;
	}
	s->relogin_needed = 0;
	keep_list_of(a, s->c, a->login.f[LF_EMAIL].text);
	str_copy(a->email, sizeof a->email, a->login.f[LF_EMAIL].text);
	if (r->op == MTC_OP_REGISTER && !a->country_set && a->login.f[LF_COUNTRY].len == 2)
		str_copy(a->country, sizeof a->country, a->login.f[LF_COUNTRY].text); /* the one just chosen */
	if (sync_staff_after_login(a, s->c)) {   /* a staff account's first password: its own first */
		field_set(&a->login.f[LF_PASSWORD], "");
		a->login.message[0] = '\0';
		went_online(s);
		state_save_last(a);
		return;
	}
	field_set(&a->login.f[LF_PASSWORD], "");
	a->login.message[0] = '\0';
	went_online(s);
	state_save_last(a);
	if (a->list_id[0]) {
		/* back from an expired session: return to the board, send what waited */
		app_set_screen(a, SCREEN_BOARD);
		sync_refresh_now(s);
	} else {
		app_set_screen(a, SCREEN_PICKER);
		sync_load_lists(s);
	}
}

/* Starts a login (or register + login). */
void sync_login(struct sync *s)
{
	struct app *a = s->app;
	if (s->other_call)
		return;
	if (strcmp(a->login.f[LF_SERVER].text, a->server) != 0) {
		char err[200];
		if (sync_set_server(s, a->login.f[LF_SERVER].text, err, sizeof err) != 0) {
			str_copy(a->login.message, sizeof a->login.message, err);
			a->dirty |= DIRTY_ALL;
			return;
		}
	}
	struct mtc_request req;
	memset(&req, 0, sizeof req);
	req.op = a->login.registering ? MTC_OP_REGISTER : MTC_OP_LOGIN;
	req.email = a->login.f[LF_EMAIL].text;
	req.password = a->login.f[LF_PASSWORD].text;
	req.name = a->login.f[LF_NAME].text;
	req.restaurant_name = a->login.registering ? a->login.f[LF_RESTAURANT].text : NULL;
	req.restaurant_timezone = a->login.registering ? a->login.f[LF_TIMEZONE].text : NULL;
	req.restaurant_country = a->login.registering ? a->login.f[LF_COUNTRY].text : NULL;
	enum mtc_error e = mtc_start(s->c, &req, login_done, s, &s->other_call);
	if (e != MTC_OK) {
		str_fmt(a->login.message, sizeof a->login.message, "cannot start: %s", mtc_strerror(e));
		s->other_call = 0;
	} else {
		a->login.busy = 1;
		str_fmt(a->login.message, sizeof a->login.message, "%s…",
			 a->login.registering ? "creating the restaurant" : "logging in");
	}
	a->dirty |= DIRTY_ALL;
}

/* Forgets the session. */
void sync_logout(struct sync *s)
{
	struct mtc_status st;
	mtc_status_reset(&st);
	/* a blocking call, but only from `maitre --logout`, never from the loop */
	mtc_logout(s->c, &st);
	mtc_session_forget(s->session_path[0] ? s->session_path : NULL, &st);
}

/* ---- the picker ---- */

/* The waitlists answered. */
static void lists_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct sync *s = ud;
	struct app *a = s->app;
	s->other_call = 0;
	a->dirty |= DIRTY_ALL;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	if (r->status.code == MTC_ERR_UNAUTHORIZED) {
		need_login(s, "session expired");
		return;
	}
	if (r->status.code != MTC_OK) {
		str_fmt(a->picker.message, sizeof a->picker.message, "cannot load the lists: %s (r retries)",
			 r->status.message[0] ? r->status.message : mtc_strerror(r->status.code));
		if (is_transient(r->status.code))
			went_offline(s, &r->status);
		return;
	}
	went_online(s);
	const struct mtc_waitlist_list *l = r->waitlists;
	struct picker_item *items = l && l->n ? calloc(l->n, sizeof *items) : NULL;
	size_t n = items ? l->n : 0;
	for (size_t i = 0; i < n; i++) {
		str_copy(items[i].id, sizeof items[i].id, l->items[i].id);
		str_copy(items[i].name, sizeof items[i].name, l->items[i].name);
	}
	free(a->picker.items);
	a->picker.items = items;
	a->picker.n = n;
	a->picker.loaded = 1;
	if (a->picker.sel >= n)
		a->picker.sel = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i].id, a->list_id) == 0)
			a->picker.sel = i;
	if (n == 0) {
		a->picker.creating = 1;
		str_fmt(a->picker.message, sizeof a->picker.message,
			 "No waitlist yet: type its name (e.g. Dining room) and press Enter");
	} else if (n == 1 && !a->list_id[0]) {
		state_open_list(a, items[0].id, items[0].name);
	}
}

/* Starts loading the waitlists. */
void sync_load_lists(struct sync *s)
{
	if (s->other_call)
		return;
	struct mtc_request req;
	memset(&req, 0, sizeof req);
	req.op = MTC_OP_LIST_WAITLISTS;
	req.flags = MTC_LIST_ALL | MTC_LIST_NO_CACHE;
	if (mtc_start(s->c, &req, lists_done, s, &s->other_call) != MTC_OK)
		s->other_call = 0;
	str_fmt(s->app->picker.message, sizeof s->app->picker.message, "loading…");
	s->app->dirty |= DIRTY_ALL;
}

/* A waitlist was created. */
static void list_created(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct sync *s = ud;
	struct app *a = s->app;
	s->other_call = 0;
	a->dirty |= DIRTY_ALL;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	if (r->status.code != MTC_OK || !r->waitlist) {
		str_fmt(a->picker.message, sizeof a->picker.message, "cannot create the list: %s",
			 r->status.message[0] ? r->status.message : mtc_strerror(r->status.code));
		return;
	}
	a->picker.creating = 0;
	field_set(&a->picker.name, "");
	state_open_list(a, r->waitlist->id, r->waitlist->name);
}

/* Starts creating a waitlist. */
void sync_create_list(struct sync *s, const char *name)
{
	if (s->other_call)
		return;
	struct mtc_waitlist_input in;
	memset(&in, 0, sizeof in);
	in.set = MTC_SET_NAME;
	in.name = name;
	struct mtc_request req;
	memset(&req, 0, sizeof req);
	req.op = MTC_OP_CREATE_WAITLIST;
	req.waitlist = &in;
	if (mtc_start(s->c, &req, list_created, s, &s->other_call) != MTC_OK)
		s->other_call = 0;
	str_fmt(s->app->picker.message, sizeof s->app->picker.message, "creating “%s”…", name);
	s->app->dirty |= DIRTY_ALL;
}

/* ---- the board's list ---- */

/* The list poll answered. */
static void waitees_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct sync *s = ud;
	struct app *a = s->app;
	s->list_call = 0;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	if (r->status.code == MTC_ERR_UNAUTHORIZED) {
		need_login(s, "session expired");
		return;
	}
	if (r->status.code == MTC_ERR_NOT_FOUND) {
		/* deleted from another terminal, another restaurant's, or a new
		 * server at the same address: leave it (its outbox stays on disk)
		 * rather than show a board that cannot be refreshed */
		char gone[sizeof a->list_name];
		str_copy(gone, sizeof gone, a->list_name);
		state_forget_list(a);
		app_activity(a, TK_SLOT_ERROR, "the list %s is not on the server (deleted?): pick one", gone);
		app_set_screen(a, SCREEN_PICKER);
		sync_load_lists(s);
		a->dirty |= DIRTY_ALL;
		return;
	}
	if (r->status.code != MTC_OK) {
		if (is_transient(r->status.code)) {
			went_offline(s, &r->status);
		} else {
			app_activity(a, TK_SLOT_ERROR, "cannot load the list: %s",
				     r->status.message[0] ? r->status.message : mtc_strerror(r->status.code));
			s->next_poll_mono = a->mono_ms + a->poll_ms * 5;
		}
		a->dirty |= DIRTY_FOOTER | DIRTY_BANNER;
		return;
	}
	went_online(s);
	a->last_sync_ms = a->now_ms;
	a->dirty |= DIRTY_FOOTER;
	s->next_poll_mono = a->mono_ms + a->poll_ms;
	if (s->poll_actions != s->actions_done) {
		/* an action was answered while this list was on its way: the list may
		 * predate it and would undo it on the screen; ask again at once */
		s->next_poll_mono = 0;
		return;
	}
	if (r->not_modified && a->server_rows)
		return;
	const struct mtc_waitee_list *l = r->waitees;
	size_t n = l ? l->n : 0;
	struct party *rows = n ? calloc(n, sizeof *rows) : NULL;
	if (n && !rows) {
		app_activity(a, TK_SLOT_ERROR, "out of memory loading %zu parties", n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		party_from_waitee(&rows[i], &l->items[i]);
	events_compare(a, a->server_rows, a->n_server, rows, n);
	free(a->server_rows);
	a->server_rows = rows;
	a->n_server = n;
	if (!a->server_rows)
		a->server_rows = calloc(1, sizeof *a->server_rows); /* "loaded, empty" marker */
	app_rebuild(a);
	state_save_snapshot(a);
}

/* Starts the list poll. */
static void start_poll(struct sync *s)
{
	struct app *a = s->app;
	struct mtc_request req;
	memset(&req, 0, sizeof req);
	req.op = MTC_OP_LIST_WAITEES;
	req.waitlist_id = a->list_id;
	req.flags = MTC_LIST_ALL;
	s->poll_actions = s->actions_done;
	if (mtc_start(s->c, &req, waitees_done, s, &s->list_call) != MTC_OK) {
		s->list_call = 0;
		s->next_poll_mono = a->mono_ms + a->poll_ms;
	}
}

/* Asks for the list now. */
void sync_refresh_now(struct sync *s)
{
	s->next_poll_mono = 0;
	s->next_send_mono = 0;
	s->app->retry_at_ms = 0;
}

/* Replaces (or adds) one party in the server rows after an action answered. */
static void upsert_server_row(struct app *a, const struct mtc_waitee *w)
{
	struct party p;
	party_from_waitee(&p, w);
	for (size_t i = 0; i < a->n_server; i++) {
		if (strcmp(a->server_rows[i].id, p.id) == 0) {
			if (a->server_rows[i].status == p.status)
				p.by_guest = a->server_rows[i].by_guest;
			if (a->server_rows[i].version <= p.version)
				a->server_rows[i] = p;
			return;
		}
	}
	struct party *np = realloc(a->server_rows, (a->n_server + 1) * sizeof *np);
	if (!np)
		return; /* the next poll brings it */
	a->server_rows = np;
	a->server_rows[a->n_server++] = p;
}

/* Removes one party from the server rows (after a delete). */
static void drop_server_row(struct app *a, const char *id)
{
	for (size_t i = 0; i < a->n_server; i++) {
		if (strcmp(a->server_rows[i].id, id) == 0) {
			memmove(&a->server_rows[i], &a->server_rows[i + 1], (a->n_server - i - 1) * sizeof *a->server_rows);
			a->n_server--;
			return;
		}
	}
}

/* Past-tense verb of an action for the strip. */
static const char *action_done_text(const struct action *act)
{
	switch (act->kind) {
	case ACT_ADD: return "added";
	case ACT_EDIT: return "changed";
	case ACT_NOTIFY: return "text queued";
	case ACT_DELETE: return "deleted";
	case ACT_STATUS:
		if (party_status_active((enum party_status)act->status) && !party_status_active((enum party_status)act->prev_status)) {
			/* an undo: say the status it went back to (the server's answer when there is one) */
			switch (act->status) {
			case PARTY_NOTIFIED: return "undone: back to notified";
			case PARTY_CONFIRMED: return "undone: back to confirmed";
			default: return "undone: back to waiting";
			}
		}
		switch (act->status) {
		case PARTY_SEATED: return "seated";
		case PARTY_CANCELLED: return "cancelled";
		case PARTY_NO_SHOW: return "marked no-show";
		case PARTY_CONFIRMED: return "confirmed";
		default: return "moved back";
		}
	default: return "done";
	}
}

/* Removes the action that just finished and redraws. */
static void finish_action(struct sync *s, const char *key)
{
	struct app *a = s->app;
	outbox_remove(&a->outbox, key);
	s->action_call = 0;
	s->action_key[0] = '\0';
	app_rebuild(a);
	a->dirty |= DIRTY_ALL;
}

/* 1 when two copies of a party differ in what another host could have
 * changed. Not counted: what the server and the guest change by themselves
 * (a text delivered: waiting -> notified; a guest's "1": -> confirmed;
 * notification results, replies, version), as long as the party is still
 * active; a party someone else seated, cancelled or marked no-show is. */
static int host_fields_differ(const struct party *x, const struct party *y)
{
	int status_differs = x->status != y->status &&
			     !(party_status_active(x->status) && party_status_active(y->status));
	return strcmp(x->name, y->name) != 0 || strcmp(x->phone, y->phone) != 0 ||
	       strcmp(x->email, y->email) != 0 || strcmp(x->notes, y->notes) != 0 || x->size != y->size ||
	       x->quote != y->quote || status_differs;
}

/* Ends a race check: the action is dropped, the board reloads. */
static void check_drop(struct sync *s, const char *fmt_reason)
{
	struct app *a = s->app;
	outbox_remove(&a->outbox, s->check.key);
	if (fmt_reason)
		app_activity(a, TK_SLOT_ERROR, "%s was changed on another terminal: reloaded, not %s", s->check.label,
			     fmt_reason);
	app_rebuild(a);
	sync_refresh_now(s);
	a->dirty |= DIRTY_ALL;
}

/* The GET after a 412 answered: our own earlier send, the server's own
 * change (a text delivered), or another terminal's? */
static void check_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct sync *s = ud;
	struct app *a = s->app;
	s->other_call = 0;
	s->checking = 0;
	s->actions_done++;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	const struct action *act = &s->check;
	struct action *qa = NULL;
	for (size_t i = 0; i < a->outbox.n; i++)
		if (strcmp(a->outbox.items[i].key, act->key) == 0)
			qa = &a->outbox.items[i];
	if (!qa)
		return;
	if (is_transient(r->status.code)) {
		went_offline(s, &r->status); /* the action stays queued and is sent (and checked) again */
		return;
	}
	if (r->status.code != MTC_OK || !r->waitee) {
		check_drop(s, action_done_text(act));
		return;
	}
	upsert_server_row(a, r->waitee);
	struct party fresh;
	party_from_waitee(&fresh, r->waitee);
	if (act->kind == ACT_STATUS && fresh.status == (enum party_status)act->status) {
		/* a resend of an action that had reached the server before: nothing lost, nothing doubled */
		outbox_remove(&a->outbox, act->key);
		app_activity(a, TK_SLOT_SUCCESS, "%s %s", act->label, action_done_text(act));
		app_rebuild(a);
		return;
	}
	if (!host_fields_differ(&s->check_row, &fresh) && qa->attempts < 3) {
		/* only the server touched it (e.g. the text went out): apply the host's action to the fresh version */
		qa->version = fresh.version;
		qa->attempts++;
		outbox_save(&a->outbox);
		app_rebuild(a);
		return;
	}
	check_drop(s, action_done_text(act));
}

/* Starts a GET of the party an action lost a race on (the action stays queued meanwhile). */
static void start_check(struct sync *s, const struct action *act)
{
	struct app *a = s->app;
	s->check = *act;
	memset(&s->check_row, 0, sizeof s->check_row);
	for (size_t i = 0; i < a->n_server; i++)
		if (strcmp(a->server_rows[i].id, act->waitee) == 0)
			s->check_row = a->server_rows[i];
	struct mtc_request req;
	memset(&req, 0, sizeof req);
	req.op = MTC_OP_GET_WAITEE;
	req.waitlist_id = a->list_id;
	req.waitee_id = act->waitee;
	if (s->other_call || mtc_start(s->c, &req, check_done, s, &s->other_call) != MTC_OK) {
		s->other_call = 0;
		check_drop(s, action_done_text(act));
		return;
	}
	s->checking = 1;
}

/* An outbox action answered. */
static void action_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct sync *s = ud;
	struct app *a = s->app;
	char key[48];
	str_copy(key, sizeof key, s->action_key);
	s->action_call = 0;
	s->actions_done++;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	struct action act;
	struct action *qa = NULL;
	for (size_t i = 0; i < a->outbox.n; i++)
		if (strcmp(a->outbox.items[i].key, key) == 0)
			qa = &a->outbox.items[i];
	if (!qa)
		return;
	act = *qa;
	enum mtc_error e = r->status.code;
	const struct mtc_status *st = &r->status;
	if (e == MTC_OK) {
		went_online(s);
		if (a->offline_since_ms == 0 && a->back_online_until_ms > a->mono_ms)
			a->sent_after_offline++;
		if (act.kind == ACT_ADD && r->waitee) {
			char local[64];
			str_fmt(local, sizeof local, "local:%s", act.key);
			outbox_rename_party(&a->outbox, local, r->waitee->id);
			if (strcmp(a->sel_id, local) == 0)
				str_copy(a->sel_id, sizeof a->sel_id, r->waitee->id);
			if (strcmp(a->form.pending_key, act.key) == 0)
				a->form.pending_key[0] = '\0';
		}
		if (r->waitee) {
			upsert_server_row(a, r->waitee);
			if (act.kind == ACT_STATUS) {
				/* the strip says what the server actually did (an undo restores its previousStatus) */
				struct party done;
				party_from_waitee(&done, r->waitee);
				act.status = done.status;
			}
		}
		if (act.kind == ACT_DELETE)
			drop_server_row(a, act.waitee);
		app_activity(a, TK_SLOT_SUCCESS, "%s %s%s", act.label, action_done_text(&act),
			     r->replayed ? " (sent before; not doubled)" : "");
		finish_action(s, key);
		return;
	}
	if (e == MTC_ERR_UNAUTHORIZED) {
		need_login(s, "session expired");
		return;
	}
	if (e == MTC_ERR_SERVER && st->http_status >= 500 && st->http_status != 503 && qa->attempts >= 4) {
		/* the server answers, but fails this one action every time: do not let it block the queue */
		app_activity(a, TK_SLOT_ERROR, "%s not %s: the server failed 5 times (%s); dropped", act.label,
			     action_done_text(&act), st->message[0] ? st->message : mtc_strerror(e));
		if (act.kind == ACT_ADD || act.kind == ACT_EDIT)
			form_server_error(a, &act, st->field, "failed 5 times; try again later");
		finish_action(s, key);
		sync_refresh_now(s);
		return;
	}
	if (is_transient(e)) {
		qa->attempts++;
		outbox_save(&a->outbox);
		if (e == MTC_ERR_RATE_LIMITED || (e == MTC_ERR_SERVER && st->retry_after > 0)) {
			s->next_send_mono = a->mono_ms + (st->retry_after > 0 ? st->retry_after : 1) * 1000;
		} else {
			went_offline(s, st);
		}
		a->dirty |= DIRTY_ALL;
		return;
	}
	/* the server answered and refused: the action is dropped, the board rolls back */
	if (e == MTC_ERR_NOT_FOUND && act.kind == ACT_DELETE) {
		drop_server_row(a, act.waitee);
		app_activity(a, TK_SLOT_SUCCESS, "%s deleted", act.label);
		finish_action(s, key);
		return;
	}
	if (e == MTC_ERR_PRECONDITION || (e == MTC_ERR_CONFLICT && strcmp(st->error, "conflict") == 0)) {
		start_check(s, &act);
		return;
	}
	const char *why = st->message[0] ? st->message : mtc_strerror(e);
	if (act.kind == ACT_ADD || act.kind == ACT_EDIT) {
		form_server_error(a, &act, st->field, why);
		/* actions on a party whose add was refused cannot be sent either */
		char local[64];
		str_fmt(local, sizeof local, "local:%s", act.key);
		for (size_t i = a->outbox.n; i-- > 0;)
			if (strcmp(a->outbox.items[i].waitee, local) == 0)
				outbox_remove(&a->outbox, a->outbox.items[i].key);
	}
	if (e == MTC_ERR_CONFLICT && strcmp(st->error, "undo_expired") == 0)
		app_activity(a, TK_SLOT_ERROR, "%s: too late to undo", act.label);
	else
		app_activity(a, TK_SLOT_ERROR, "%s not %s: %s", act.label, action_done_text(&act), why);
	finish_action(s, key);
	sync_refresh_now(s);
}

/* Starts sending the oldest queued action. */
static void send_next(struct sync *s)
{
	struct app *a = s->app;
	struct action *act = &a->outbox.items[0];
	if (strncmp(act->waitee, "local:", 6) == 0) {
		/* its add was refused or lost: nothing to send it to */
		app_activity(a, TK_SLOT_ERROR, "%s: dropped (the party was never added)", act->label);
		outbox_remove(&a->outbox, act->key);
		app_rebuild(a);
		return;
	}
	struct mtc_waitee_input in;
	memset(&in, 0, sizeof in);
	struct mtc_request req;
	memset(&req, 0, sizeof req);
	req.waitlist_id = a->list_id;
	req.waitee_id = act->waitee;
	if (act->fields & AF_NAME) {
		in.set |= MTC_SET_NAME;
		in.name = act->name;
	}
	if (act->fields & AF_SIZE) {
		in.set |= MTC_SET_PARTY_SIZE;
		in.party_size = act->size;
	}
	if (act->fields & AF_PHONE) {
		in.set |= MTC_SET_PHONE;
		in.phone = act->phone[0] ? act->phone : NULL;
	}
	if (act->fields & AF_EMAIL) {
		in.set |= MTC_SET_EMAIL;
		in.email = act->email[0] ? act->email : NULL;
	}
	if (act->fields & AF_NOTES) {
		in.set |= MTC_SET_NOTES;
		in.notes = act->notes;
	}
	if (act->fields & AF_QUOTE) {
		in.set |= MTC_SET_QUOTE;
		in.quoted_minutes = act->quote;
	}
	switch (act->kind) {
	case ACT_ADD:
		req.op = MTC_OP_CREATE_WAITEE;
		req.waitee_id = NULL;
		req.idempotency_key = act->key;
		req.waitee = &in;
		break;
	case ACT_EDIT:
		req.op = MTC_OP_UPDATE_WAITEE;
		req.if_match = act->version;
		req.waitee = &in;
		break;
	case ACT_STATUS:
		req.op = MTC_OP_UPDATE_WAITEE;
		in.set = MTC_SET_STATUS;
		in.status = to_mtc_status(act->status);
		req.if_match = act->version;
		req.waitee = &in;
		break;
	case ACT_NOTIFY:
		req.op = MTC_OP_NOTIFY_WAITEE;
		req.if_match = act->version;
		break;
	case ACT_DELETE:
		req.op = MTC_OP_DELETE_WAITEE;
		req.if_match = act->version;
		break;
	default:
		outbox_remove(&a->outbox, act->key);
		return;
	}
	str_copy(s->action_key, sizeof s->action_key, act->key);
	if (mtc_start(s->c, &req, action_done, s, &s->action_call) != MTC_OK) {
		s->action_call = 0;
		s->next_send_mono = a->mono_ms + 1000;
	}
}

/* Starts what is due. */
void sync_tick(struct sync *s)
{
	struct app *a = s->app;
	if (s->c && !s->relogin_needed && a->screen != SCREEN_LOGIN)
		sync_staff_tick(a, s->c);
	if (!s->c || a->screen != SCREEN_BOARD || s->relogin_needed || !a->list_id[0])
		return;
	sync_stats_tick(a, s->c);
	if (!s->list_call && a->mono_ms >= s->next_poll_mono)
		start_poll(s);
	/* after login (or opening another list): a note not acknowledged yet is shown first */
	if (!s->handover_call && strcmp(a->handover.checked_list, a->list_id) != 0) {
		str_copy(a->handover.checked_list, sizeof a->handover.checked_list, a->list_id);
		sync_load_handover(s, 1);
	}
	if (!s->action_call && !s->checking && a->outbox.n > 0 && a->mono_ms >= s->next_send_mono)
		send_next(s);
	/* notify once when the connection has been lost for more than 30 s */
	if (a->conn == CONN_OFFLINE && !a->offline_notified && a->offline_since_ms &&
	    a->now_ms - a->offline_since_ms > 30000) {
		a->offline_notified = 1;
		events_connection_lost(a);
	}
}

/* The client's sockets for poll(). */
size_t sync_pollfds(struct sync *s, struct pollfd *fds, size_t cap)
{
	if (!s->c)
		return 0;
	size_t n = mtc_pollfds(s->c, fds, cap);
	return n < cap ? n : cap;
}

/* Milliseconds until a monotonic deadline (0 when due). */
static int until(int64_t deadline, int64_t now)
{
	int64_t d = deadline - now;
	return d <= 0 ? 0 : d > 60000 ? 60000 : (int)d;
}

/* Longest the loop may sleep for the network: the client's own deadline,
 * and on the board the next list poll or send, so neither waits for the
 * loop's once-a-second wake-up. */
int sync_timeout_ms(struct sync *s)
{
	if (!s->c)
		return -1;
	int t = mtc_timeout_ms(s->c);
	struct app *a = s->app;
	int64_t now = app_mono_ms();
	if (a->screen == SCREEN_BOARD && a->list_id[0] && !s->relogin_needed) {
		if (!s->list_call) {
			int p = until(s->next_poll_mono, now);
			if (t < 0 || p < t)
				t = p;
		}
		if (!s->action_call && !s->checking && a->outbox.n > 0) {
			int q = until(s->next_send_mono, now);
			if (t < 0 || q < t)
				t = q;
		}
	}
	return t;
}

/* Lets the client work after poll(). */
void sync_process(struct sync *s, const struct pollfd *fds, size_t n)
{
	if (s->c)
		mtc_process(s->c, fds, n);
}

/* ---- shift handover and activity (issue 10) ---- */

/* Puts a failed call's reason into msg. */
static void call_failed(char *msg, size_t n, const char *what, const struct mtc_result *r)
{
	str_fmt(msg, n, "%s: %s", what, r->status.message[0] ? r->status.message : mtc_strerror(r->status.code));
}

/* The summary answered. */
static void handover_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct sync *s = ud;
	struct app *a = s->app;
	int show = s->handover_show;
	s->handover_call = 0;
	s->handover_show = 0;
	a->handover.busy = 0;
	a->dirty |= DIRTY_OVERLAY;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	if (r->status.code != MTC_OK || handover_from_json(&a->handover, r->json) != 0) {
		if (r->status.code == MTC_OK)
			str_fmt(a->handover.message, sizeof a->handover.message, "the server's answer was not a summary");
		else
			call_failed(a->handover.message, sizeof a->handover.message, "cannot load the handover", r);
		return;
	}
	a->handover.message[0] = '\0';
	if (show && a->handover.has_note && !a->handover.acked && a->screen == SCREEN_BOARD &&
	    a->overlay == OVERLAY_NONE) {
		a->overlay = OVERLAY_HANDOVER;
		a->handover.top = 0;
		a->dirty = DIRTY_ALL;
	}
}

/* Starts loading the summary (the note comes with it). */
void sync_load_handover(struct sync *s, int show)
{
	struct app *a = s->app;
	if (!s->c || s->handover_call || !a->list_id[0])
		return;
	struct mtc_request req;
	memset(&req, 0, sizeof req);
	req.op = MTC_OP_HANDOVER_SUMMARY;
	req.waitlist_id = a->list_id;
	s->handover_show = show;
	if (mtc_start(s->c, &req, handover_done, s, &s->handover_call) != MTC_OK) {
		s->handover_call = 0;
		return;
	}
	a->handover.busy = 1;
}

/* The acknowledgement answered. */
static void ack_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct sync *s = ud;
	struct app *a = s->app;
	s->handover_call = 0;
	a->handover.busy = 0;
	a->dirty |= DIRTY_OVERLAY | DIRTY_STRIP;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	if (r->status.code != MTC_OK) {
		if (strcmp(r->status.error, "stale_handover") == 0)
			str_fmt(a->handover.message, sizeof a->handover.message, "a newer note was written: read it, then a");
		else
			call_failed(a->handover.message, sizeof a->handover.message, "cannot acknowledge", r);
		sync_load_handover(s, 0);
		return;
	}
	app_activity(a, TK_SLOT_SUCCESS, "handover acknowledged: the shift is yours");
	sync_load_handover(s, 0);
}

/* Acknowledges the note the screen shows. */
void sync_ack_handover(struct sync *s)
{
	struct app *a = s->app;
	if (!s->c || s->handover_call || !a->handover.has_note)
		return;
	struct mtc_request req;
	memset(&req, 0, sizeof req);
	req.op = MTC_OP_ACK_HANDOVER;
	req.waitlist_id = a->list_id;
	req.note_id = a->handover.note_id;
	if (mtc_start(s->c, &req, ack_done, s, &s->handover_call) != MTC_OK) {
		s->handover_call = 0;
		return;
	}
	a->handover.busy = 1;
	str_fmt(a->handover.message, sizeof a->handover.message, "acknowledging…");
}

/* The new note answered. */
static void note_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct sync *s = ud;
	struct app *a = s->app;
	s->handover_call = 0;
	a->note.busy = 0;
	a->dirty |= DIRTY_OVERLAY | DIRTY_STRIP;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	if (r->status.code != MTC_OK) {
		/* the text stays in the editor: nothing typed is lost */
		call_failed(a->note.message, sizeof a->note.message, "not saved", r);
		return;
	}
	a->note.len = 0;
	a->note.text[0] = '\0';
	a->note.message[0] = '\0';
	if (a->overlay == OVERLAY_NOTE) {
		a->overlay = OVERLAY_NONE;
		a->dirty = DIRTY_ALL;
	}
	app_activity(a, TK_SLOT_SUCCESS, "handover note saved for the next shift");
}

/* Saves a new note. */
void sync_put_handover(struct sync *s, const char *note)
{
	struct app *a = s->app;
	if (!s->c || !a->list_id[0])
		return;
	if (s->handover_call) {
		str_fmt(a->note.message, sizeof a->note.message, "busy: try again in a moment");
		return;
	}
	struct mtc_request req;
	memset(&req, 0, sizeof req);
	req.op = MTC_OP_PUT_HANDOVER;
	req.waitlist_id = a->list_id;
	req.note = note;
	if (mtc_start(s->c, &req, note_done, s, &s->handover_call) != MTC_OK) {
		s->handover_call = 0;
		str_fmt(a->note.message, sizeof a->note.message, "cannot send the note");
		return;
	}
	a->note.busy = 1;
	str_fmt(a->note.message, sizeof a->note.message, "saving…");
}

/* The activity page answered. */
static void activity_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct sync *s = ud;
	struct app *a = s->app;
	s->activity_call = 0;
	a->act.busy = 0;
	a->dirty |= DIRTY_OVERLAY;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	if (r->status.code != MTC_OK || activity_from_json(&a->act, r->json) != 0) {
		if (r->status.code == MTC_OK)
			str_fmt(a->act.message, sizeof a->act.message, "the server's answer was not a log");
		else
			call_failed(a->act.message, sizeof a->act.message, "cannot load the activity", r);
		return;
	}
	a->act.message[0] = '\0';
}

/* Starts loading the newest page of the activity log. */
void sync_load_activity(struct sync *s)
{
	struct app *a = s->app;
	if (!s->c || s->activity_call || !a->list_id[0])
		return;
	struct mtc_request req;
	memset(&req, 0, sizeof req);
	req.op = MTC_OP_LIST_ACTIVITY;
	req.waitlist_id = a->list_id;
	req.limit = ACTIVITY_VIEW_MAX;
	if (mtc_start(s->c, &req, activity_done, s, &s->activity_call) != MTC_OK) {
		s->activity_call = 0;
		return;
	}
	a->act.busy = 1;
}
