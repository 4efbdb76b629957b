/* The network side of the stats overlay and of the add form's suggested
 * quote: non-blocking client calls started from sync_tick when the app
 * asks (stats_view.wanted, form.est_wanted); the answers are copied into
 * the app's own records and marked dirty, never drawn from here. */
#include <maitre/client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "sync.h"
#include "util.h"

/* Copies the client's figures into the overlay's. */
static void fig_from(struct stats_fig *f, const struct mtc_stat_summary *s)
{
	f->parties = s->parties;
	f->served = s->served;
	f->covers = s->covers;
	f->cancelled = s->cancelled;
	f->no_show = s->no_show;
	f->wait_mean = s->wait_mean;
	f->wait_p90 = s->wait_p90;
	f->no_show_rate = s->no_show_rate;
	f->cancel_rate = s->cancel_rate;
	f->quoted = s->quoted;
	f->acc_mean = s->accuracy_mean;
	f->acc_spread = s->accuracy_spread;
}

/* The stats answered. */
static void stats_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct app *a = ud;
	struct stats_view *v = &a->stats;
	v->call = 0;
	a->dirty |= DIRTY_OVERLAY;
	if (r->status.code == MTC_ERR_CANCELLED)
		return;
	if (r->status.code != MTC_OK || r->stats == NULL) {
		if (r->status.http_status == 403)
			str_fmt(v->message, sizeof v->message, "stats are for the owner and managers");
		else
			str_fmt(v->message, sizeof v->message, "cannot load the stats: %s (r retries)",
				r->status.message[0] ? r->status.message : mtc_strerror(r->status.code));
		return;
	}
	const struct mtc_stats *s = r->stats;
	str_copy(v->from, sizeof v->from, s->from);
	str_copy(v->to, sizeof v->to, s->to);
	str_copy(v->tz, sizeof v->tz, s->timezone);
	fig_from(&v->total, &s->total);
	for (int h = 0; h < 24; h++)
		fig_from(&v->by_hour[h], &s->by_hour[h]);
	v->n_sizes = s->n_sizes < STATS_SIZES ? s->n_sizes : STATS_SIZES;
	for (int i = 0; i < v->n_sizes; i++) {
		v->sizes[i] = s->sizes[i];
		fig_from(&v->by_size[i], &s->by_size[i]);
	}
	v->loaded = 1;
	v->message[0] = '\0';
}

/* Keeps the server's suggested quote for a party size of the current list. */
static void estimate_keep(struct app *a, int size, int minutes)
{
	if (size < 1 || size > EST_MEMO_SIZES)
		return;
	if (strcmp(a->est_memo_list, a->list_id) != 0) {
		memset(a->est_memo_min, 0, sizeof a->est_memo_min);
		str_copy(a->est_memo_list, sizeof a->est_memo_list, a->list_id);
	}
	a->est_memo_min[size] = minutes;
	a->est_memo_at[size] = a->now_ms;
}

/* The kept suggestion for size on the current list (recent enough), or 0. */
static int estimate_kept(const struct app *a, int size)
{
	if (size < 1 || size > EST_MEMO_SIZES || strcmp(a->est_memo_list, a->list_id) != 0 ||
	    a->now_ms - a->est_memo_at[size] > EST_MEMO_MAX_MS)
		return 0;
	return a->est_memo_min[size];
}

/* The suggested quote answered: shown in the form, and put in the quote
 * field unless the host typed there (or the size changed meanwhile). */
static void estimate_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct app *a = ud;
	struct form *f = &a->form;
	f->est_call = 0;
	int size = f->est_asked, minutes;
	if (r->status.code == MTC_OK && r->estimate != NULL) {
		const struct mtc_estimate *e = r->estimate;
		estimate_keep(a, e->party_size, e->quoted_minutes);
		if (a->overlay != OVERLAY_FORM || f->editing)
			return;
		if (f->est_wanted != 0 && f->est_wanted != e->party_size)
			return;   /* another size was typed: its own answer comes */
		f->est_size = e->party_size;
		f->est_minutes = e->quoted_minutes;
		str_copy(f->est_source, sizeof f->est_source, e->source);
		str_copy(f->est_confidence, sizeof f->est_confidence, e->confidence);
		f->est_parties = e->parties;
	} else {
		/* the server cannot be asked (offline): the last quote it
		 * suggested for this size on this list, said so */
		if (a->overlay != OVERLAY_FORM || f->editing || (f->est_wanted != 0 && f->est_wanted != size) ||
		    (minutes = estimate_kept(a, size)) <= 0)
			return;   /* no suggestion: the form works as before */
		f->est_size = size;
		f->est_minutes = minutes;
		str_copy(f->est_source, sizeof f->est_source, "memo");
		f->est_confidence[0] = '\0';
		f->est_parties = 0;
	}
	if (!f->quote_typed) {
		char num[16];
		if (f->est_minutes > 0)
			str_fmt(num, sizeof num, "%d", f->est_minutes);
		else
			num[0] = '\0';
		field_set(&f->f[FF_QUOTE], num);   /* a valid quote: no validation (it would clear a server's error) */
		f->err[FF_QUOTE][0] = '\0';
	}
	a->dirty |= DIRTY_OVERLAY;
}

/* Starts what the overlay and the form ask for. */
void sync_stats_tick(struct app *a, struct mtc_client *c)
{
	struct stats_view *v = &a->stats;
	struct form *f = &a->form;
	if (v->wanted && !v->call && a->overlay == OVERLAY_STATS) {
		struct mtc_request req;
		memset(&req, 0, sizeof req);
		req.op = MTC_OP_GET_STATS;
		req.waitlist_id = a->list_id;
		req.days = v->days;
		v->wanted = 0;
		if (mtc_start(c, &req, stats_done, a, &v->call) != MTC_OK) {
			v->call = 0;
			str_fmt(v->message, sizeof v->message, "cannot ask for the stats");
		}
		a->dirty |= DIRTY_OVERLAY;
	}
	if (f->est_wanted && !f->est_call && a->overlay == OVERLAY_FORM && !f->editing) {
		struct mtc_request req;
		memset(&req, 0, sizeof req);
		req.op = MTC_OP_GET_ESTIMATE;
		req.waitlist_id = a->list_id;
		req.party_size = f->est_wanted;
		f->est_asked = f->est_wanted;
		if (mtc_start(c, &req, estimate_done, a, &f->est_call) != MTC_OK)
			f->est_call = 0;
		else
			f->est_wanted = 0;
	}
}
