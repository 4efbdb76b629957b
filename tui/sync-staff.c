/* The network side of staff accounts in the app: the account details of
 * the last session answer (the restaurant's name for the header, the role),
 * the first password change, and the team overlay's calls. Started from
 * sync_tick when the app asks (pw.wanted, team.want); answers are copied
 * into the app's records and marked dirty, never drawn from here. */
#include <maitre/client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "kit/theme.h"
#include "sync.h"
#include "util.h"
#include "zone.h"

/* Makes the restaurant's time zone the one every clock of the app shows
 * (times are always read through localtime_r): TZ is set when the zone is
 * a plain IANA name this machine has a file for; otherwise the machine's
 * own zone stays (a zone-less machine shows its local time, as before). */
static void zone_into_app(struct app *a, const char *tz)
{
	if (strcmp(tz, a->timezone) == 0 || !zone_known(tz))
		return;
	if (setenv("TZ", tz, 1) != 0)
		return;
	tzset();
	str_copy(a->timezone, sizeof a->timezone, tz);
	a->dirty |= DIRTY_ALL;
}

/* Copies the session answer's account details into the app; 1 when a password change is pending. */
static int session_into_app(struct app *a, struct mtc_client *c)
{
	struct mtc_session_info info;

	mtc_client_session_info(c, &info);
	if (!info.known)
		return 0;
	if (strcmp(a->restaurant_name, info.restaurant_name) != 0 || strcmp(a->role, info.role) != 0) {
		str_copy(a->restaurant_name, sizeof a->restaurant_name, info.restaurant_name);
		str_copy(a->role, sizeof a->role, info.role);
		a->dirty |= DIRTY_HEADER;
	}
	zone_into_app(a, info.timezone);
	if (!a->country_set && strlen(info.phone_country) == 2 && strcmp(a->country, info.phone_country) != 0) {
		str_copy(a->country, sizeof a->country, info.phone_country);   /* the restaurant's, unless the config says */
		a->dirty |= DIRTY_OVERLAY;
	}
	return info.must_change_password;
}

/* After a login: 1 when the account must change its password (the screen is opened). */
int sync_staff_after_login(struct app *a, struct mtc_client *c)
{
	if (!session_into_app(a, c))
		return 0;
	password_open(a, a->login.f[LF_PASSWORD].text);
	return 1;
}

/* The password change answered. */
static void password_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	struct app *a = ud;
	struct pwform *p = &a->pw;

	p->call = 0;
	a->dirty |= DIRTY_ALL;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	if (r->status.code != MTC_OK) {
		if (strcmp(r->status.error, "wrong_password") == 0) {
			str_fmt(p->message, sizeof p->message, "the current password is not right");
			p->focus = PF_CURRENT;
		} else {
			str_fmt(p->message, sizeof p->message, "%s", r->status.message[0] ? r->status.message
											   : mtc_strerror(r->status.code));
			p->focus = PF_NEW;
		}
		return;
	}
	for (int i = 0; i < PF_COUNT; i++)
		field_set(&p->f[i], "");
	session_into_app(a, c);
	app_activity(a, TK_SLOT_SUCCESS, "password changed");
	if (a->list_id[0]) {
		app_set_screen(a, SCREEN_BOARD);
		sync_refresh_now(a->sync);
	} else {
		app_set_screen(a, SCREEN_PICKER);
		sync_load_lists(a->sync);
	}
}

/* Copies the client's accounts into the overlay's rows. */
static void team_rows_from(struct team_view *t, const struct mtc_staff *s, size_t n)
{
	struct team_row *rows = calloc(n ? n : 1, sizeof *rows);

	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		str_copy(rows[i].id, sizeof rows[i].id, s[i].id);
		str_copy(rows[i].email, sizeof rows[i].email, s[i].email);
		str_copy(rows[i].name, sizeof rows[i].name, s[i].name);
		str_copy(rows[i].role, sizeof rows[i].role, s[i].role);
		rows[i].disabled = s[i].disabled;
		rows[i].must_change = s[i].must_change_password;
		rows[i].version = s[i].version;
	}
	free(t->rows);
	t->rows = rows;
	t->n = n;
	if (t->sel >= n)
		t->sel = n ? n - 1 : 0;
	t->loaded = 1;
}

/* A team call answered: the list, or a change (then the list again). */
static void team_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct app *a = ud;
	struct team_view *t = &a->team;

	t->call = 0;
	a->dirty |= DIRTY_OVERLAY;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	if (r->status.code != MTC_OK) {
		if (r->status.http_status == 403 && strcmp(r->status.error, "forbidden") == 0)
			str_fmt(t->message, sizeof t->message, "not allowed: %s", r->status.message);
		else
			str_fmt(t->message, sizeof t->message, "%s%s%s", r->status.field[0] ? r->status.field : "",
				r->status.field[0] ? ": " : "",
				r->status.message[0] ? r->status.message : mtc_strerror(r->status.code));
		return;
	}
	if (r->op == MTC_OP_LIST_STAFF) {
		team_rows_from(t, r->staff, r->n_staff);
		return;
	}
	if (r->op == MTC_OP_CREATE_STAFF && r->staff != NULL) {
		str_fmt(t->message, sizeof t->message, "added %s (%s): the password is to be changed at the first login",
			r->staff->name, r->staff->role);
		t->adding = 0;
		for (int i = 0; i < TF_COUNT; i++)
			field_set(&t->f[i], "");
	} else if (r->op == MTC_OP_UPDATE_STAFF && r->staff != NULL) {
		str_fmt(t->message, sizeof t->message, "%s is %s", r->staff->name,
			r->staff->disabled ? "disabled: its sessions are ended" : "enabled");
	} else if (r->op == MTC_OP_RESET_STAFF_PASSWORD && r->staff != NULL) {
		str_fmt(t->message, sizeof t->message, "new password for %s, to be changed at the next login",
			r->staff->name);
		t->resetting = 0;
		field_set(&t->reset, "");
	}
	t->want = TEAM_LOAD;
}

/* Starts what the team overlay asks for. */
static void team_tick(struct app *a, struct mtc_client *c)
{
	struct team_view *t = &a->team;
	struct mtc_staff_input in;
	struct mtc_request req;

	if (t->want == TEAM_NOTHING || t->call || a->overlay != OVERLAY_TEAM)
		return;
	memset(&req, 0, sizeof req);
	memset(&in, 0, sizeof in);
	switch (t->want) {
	case TEAM_LOAD:
		req.op = MTC_OP_LIST_STAFF;
		break;
	case TEAM_ADD:
		req.op = MTC_OP_CREATE_STAFF;
		in.email = t->f[TF_EMAIL].text;
		in.name = t->f[TF_NAME].text;
		in.password = t->f[TF_PASSWORD].text;
		in.role = t->manager ? "manager" : "host";
		req.staff = &in;
		break;
	case TEAM_TOGGLE:
	case TEAM_RESET:
		if (t->sel >= t->n) {
			t->want = TEAM_NOTHING;
			return;
		}
		req.staff_id = t->rows[t->sel].id;
		if (t->want == TEAM_TOGGLE) {
			req.op = MTC_OP_UPDATE_STAFF;
			in.set_disabled = 1;
			in.disabled = !t->rows[t->sel].disabled;
			req.staff = &in;
			req.if_match = t->rows[t->sel].version;
		} else {
			req.op = MTC_OP_RESET_STAFF_PASSWORD;
			req.new_password = t->reset.text;
		}
		break;
	default:
		return;
	}
	t->want = TEAM_NOTHING;
	if (mtc_start(c, &req, team_done, a, &t->call) != MTC_OK) {
		t->call = 0;
		str_fmt(t->message, sizeof t->message, "cannot send that");
	}
	a->dirty |= DIRTY_OVERLAY;
}

/* Starts what the password screen and the team overlay ask for. */
void sync_staff_tick(struct app *a, struct mtc_client *c)
{
	struct pwform *p = &a->pw;

	if (session_into_app(a, c) && a->screen != SCREEN_PASSWORD && !p->call)
		password_open(a, NULL);   /* a resumed session whose first password is still unchanged */
	if (p->wanted && !p->call && a->screen == SCREEN_PASSWORD) {
		struct mtc_request req;

		memset(&req, 0, sizeof req);
		req.op = MTC_OP_CHANGE_PASSWORD;
		req.password = p->f[PF_CURRENT].text;
		req.new_password = p->f[PF_NEW].text;
		p->wanted = 0;
		if (mtc_start(c, &req, password_done, a, &p->call) != MTC_OK) {
			p->call = 0;
			str_fmt(p->message, sizeof p->message, "cannot send the change");
		}
		a->dirty |= DIRTY_ALL;
	}
	team_tick(a, c);
}
