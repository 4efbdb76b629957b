/* Parties on screen: durations, the parties table, and the one-key actions. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctl.h"

/* Wall clock in epoch ms. */
static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes "m:ss" (under an hour) or "h:mm". */
void ctl_fmt_duration(char *buf, size_t n, int64_t ms)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;
	if (s < 3600)
		snprintf(buf, n, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, n, "%lld:%02lld", (long long)(s / 3600), (long long)((s / 60) % 60));
	if (s >= 3600)
		snprintf(buf + strlen(buf), n - strlen(buf), "h");
}

/* "山田太郎 (4)". */
void ctl_party_label(char *buf, size_t n, const struct mtc_waitee *w)
{
	snprintf(buf, n, "%s (%d)", w->name, w->party_size);
}

/* Shortest id prefix (at least 6) that no other party on the list shares. */
static size_t short_id_len(const struct mtc_waitee_list *l, size_t i)
{
	size_t len = 6, full = strlen(l->items[i].id);
	for (size_t j = 0; j < l->n; j++) {
		if (j == i)
			continue;
		size_t k = 0;
		while (l->items[i].id[k] && l->items[i].id[k] == l->items[j].id[k])
			k++;
		if (k + 1 > len)
			len = k + 1;
	}
	return len < full ? len : full;
}

/* The STATUS cell and the row colour of a party. */
static enum ctl_color status_cell(const struct mtc_waitee *w, int64_t now, char *buf, size_t n)
{
	int64_t ago = w->notified_at > 0 ? (now - w->notified_at) / 60000 : 0;
	switch (w->status) {
	case MTC_PARTY_NOTIFIED:
		snprintf(buf, n, "notified %lldm ago", (long long)ago);
		return CTL_C_CYAN;
	case MTC_PARTY_CONFIRMED:
		snprintf(buf, n, "confirmed");
		return CTL_C_GREEN;
	case MTC_PARTY_WAITING:
		if (w->last_result == MTC_SEND_FAILED) {
			snprintf(buf, n, "failed: %s", w->last_reason ? w->last_reason : "not sent");
			return CTL_C_RED;
		}
		snprintf(buf, n, "%s", w->last_result == MTC_SEND_QUEUED ? "waiting · sending" : "waiting");
		return CTL_C_NONE;
	case MTC_PARTY_SEATED: snprintf(buf, n, "seated"); return CTL_C_DIM;
	case MTC_PARTY_CANCELLED: snprintf(buf, n, "cancelled"); return CTL_C_DIM;
	case MTC_PARTY_NO_SHOW: snprintf(buf, n, "no-show"); return CTL_C_DIM;
	default: snprintf(buf, n, "%s", mtc_party_status_name(w->status)); return CTL_C_NONE;
	}
}

/* Prints the parties as a table (or JSON). */
int ctl_print_parties(struct ctl *ctl, const struct mtc_waitlist *wl, const struct mtc_waitee_list *l, FILE *f)
{
	(void)wl;
	if (ctl->json)
		return ctl_print_json(mtc_waitee_list_to_json(l));
	static const char *const hdr[] = { "#", "ID", "NAME", "SIZE", "WAITED", "QUOTE", "STATUS", "PHONE", "NOTES" };
	struct ctl_table *t = ctl_table_new(9, hdr);
	if (t == NULL)
		return CTL_TROUBLE;
	ctl_table_align_right(t, 0);
	ctl_table_align_right(t, 3);
	ctl_table_align_right(t, 4);
	ctl_table_droppable(t, 7, 3);   /* PHONE goes first on a narrow terminal */
	ctl_table_droppable(t, 8, 2);   /* then NOTES */
	ctl_table_droppable(t, 1, 1);   /* then ID */
	int64_t now = now_ms();
	for (size_t i = 0; i < l->n; i++) {
		const struct mtc_waitee *w = &l->items[i];
		char pos[16], id[64], size[16], waited[32], quote[48], status[320];
		snprintf(pos, sizeof pos, "%s", "-");
		if (w->position > 0)
			snprintf(pos, sizeof pos, "%d", w->position);
		snprintf(id, sizeof id, "%.*s", (int)short_id_len(l, i), w->id);
		snprintf(size, sizeof size, "%d", w->party_size);
		int64_t end = mtc_party_status_active(w->status) ? now
			      : w->seated_at > 0 ? w->seated_at : w->finished_at > 0 ? w->finished_at : w->updated_at;
		ctl_fmt_duration(waited, sizeof waited, end - w->joined_at);
		enum ctl_color color = status_cell(w, now, status, sizeof status);
		quote[0] = '\0';
		if (w->quoted_minutes > 0) {
			int64_t left = (int64_t)w->quoted_minutes * 60000 - (now - w->joined_at);
			if (!mtc_party_status_active(w->status))
				snprintf(quote, sizeof quote, "%d", w->quoted_minutes);
			else if (left >= 0)
				snprintf(quote, sizeof quote, "%d  %lldm left", w->quoted_minutes, (long long)(left / 60000));
			else
				snprintf(quote, sizeof quote, "%d  %lldm over", w->quoted_minutes, (long long)(-left / 60000));
			if (mtc_party_status_active(w->status) && left < 0 && color == CTL_C_NONE)
				color = CTL_C_RED;
			else if (mtc_party_status_active(w->status) && left < 5 * 60000 && color == CTL_C_NONE)
				color = CTL_C_YELLOW;
		}
		const char *cells[] = { pos, id, w->name, size, waited, quote, status, w->phone ? w->phone : "",
					w->notes ? w->notes : "" };
		if (ctl_table_add(t, cells, color) != 0) {
			ctl_table_free(t);
			return CTL_TROUBLE;
		}
	}
	ctl_table_print(ctl, t, f);
	ctl_table_free(t);
	return CTL_OK;
}

/* Runs a status move (or notify, or delete when to is UNKNOWN and verb is "deleted"). */
int ctl_party_action(struct ctl *ctl, const struct ctl_cmd *cmd, int argc, char **argv, enum mtc_party_status to,
		     const char *verb)
{
	static const struct option opts[] = { CTL_COMMON_OPTS, { 0, 0, 0, 0 } };
	int ch, exit_now = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (!ctl_common_opt(ctl, cmd, ch, &exit_now))
			return ctl_usage(ctl, cmd, "unknown option");
		if (exit_now)
			return CTL_OK;
	}
	const char *list_spec, *party_spec;
	int rc = ctl_list_and_party(ctl, cmd, argc - optind, argv + optind, &list_spec, &party_spec);
	if (rc != CTL_OK || (rc = ctl_connect(ctl)) != CTL_OK)
		return rc;
	struct mtc_waitlist wl = { 0 };
	struct mtc_waitee w = { 0 }, out = { 0 };
	struct mtc_status st;
	if ((rc = ctl_find_list(ctl, list_spec, &wl)) != CTL_OK)
		return rc;
	if ((rc = ctl_find_party(ctl, wl.id, party_spec, &w)) != CTL_OK) {
		mtc_waitlist_clear(&wl);
		return rc;
	}
	char label[400];
	ctl_party_label(label, sizeof label, &w);
	enum mtc_error e = MTC_OK;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (strcmp(verb, "notified") == 0)
			e = mtc_notify_waitee(ctl->client, wl.id, w.id, w.version, &out, &st);
		else if (strcmp(verb, "deleted") == 0)
			e = mtc_delete_waitee(ctl->client, wl.id, w.id, w.version, &st);
		else
			e = mtc_set_waitee_status(ctl->client, wl.id, w.id, to, w.version, &out, &st);
		/* 412: someone moved it since we read it. The server's notifier does that too
		 * (a "joined" text, waiting -> notified); when the party is still where the action
		 * makes sense (active; for delete: anything), act on the fresh version once. */
		if (e != MTC_ERR_PRECONDITION || attempt > 0)
			break;
		struct mtc_waitee fresh = { 0 };
		struct mtc_status st2;
		if (mtc_get_waitee(ctl->client, wl.id, w.id, &fresh, &st2) != MTC_OK)
			break;
		int again = strcmp(verb, "deleted") == 0 || (mtc_party_status_active(fresh.status) &&
							      mtc_party_status_active(w.status));
		mtc_waitee_clear(&w);
		w = fresh;
		if (!again)
			break;
	}
	if (e != MTC_OK) {
		char what[480];
		snprintf(what, sizeof what, "%s %s", cmd->name, label);
		rc = ctl_fail(ctl, what, &st);
	} else if (ctl->json && strcmp(verb, "deleted") != 0) {
		rc = ctl_print_json(mtc_waitee_to_json(&out));
	} else if (!ctl->json) {
		printf("%s %s\n", verb, label);
	}
	mtc_waitee_clear(&w);
	mtc_waitee_clear(&out);
	mtc_waitlist_clear(&wl);
	return rc;
}
