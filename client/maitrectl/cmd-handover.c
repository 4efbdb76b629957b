/* maitrectl handover: the shift handover summary as plain text that reads
 * well on paper and in an e-mail (no colours, no box drawing, short lines),
 * and writing or acknowledging the note. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctl.h"

#define HANDOVER_NOTE_MAX 4000   /* bytes the server takes */

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_handover = {
	"handover", "handover [LIST] [--write TEXT | --write - | --ack]",
	"Prints the shift handover of LIST (optional when the restaurant has one list):\n"
	"the note for the next shift, parties and covers waiting, the longest wait,\n"
	"parties over their quote, notifications pending and failed, guest replies since\n"
	"the note, and the notes on parties. Plain text, for paper or an e-mail:\n"
	"  maitrectl handover | mail -s \"Handover\" team@example.com\n"
	"  --write TEXT  first writes TEXT as the new note (\"-\" reads it from stdin)\n"
	"  --ack         first acknowledges the current note (you take over the shift)\n"
	"With --json, the summary as the API answers it.",
	run,
};

/* A string member or "". */
static const char *str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return s ? s : "";
}

/* A number member or 0. */
static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Formats epoch ms as local "14:05" (today) or "Wed 2 Dec, 14:05". */
static void clock_text(char *buf, size_t n, double ms, int with_day)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (localtime_r(&t, &tm) == NULL || strftime(buf, n, with_day ? "%a %e %b %Y, %H:%M" : "%H:%M", &tm) == 0)
		snprintf(buf, n, "?");
}

/* Prints text with indent before each of its lines. */
static void indented(FILE *f, const char *indent, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(f, "%s%.*s\n", indent, (int)len, p);
		p += len + (nl ? 1 : 0);
	}
}

/* "Name, party of N" into buf. */
static void party(char *buf, size_t n, const cJSON *o)
{
	const char *name = str(o, "name");
	int size = (int)num(o, "partySize");
	if (name[0] == '\0')
		name = "(name erased)";
	if (size > 0)
		snprintf(buf, n, "%s, party of %d", name, size);
	else
		snprintf(buf, n, "%s", name);
}

/* Prints the summary as plain text. */
static void print_summary(const cJSON *s, FILE *f)
{
	const cJSON *note = cJSON_GetObjectItemCaseSensitive(s, "note");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(s, "waiting");
	const cJSON *lw = cJSON_GetObjectItemCaseSensitive(s, "longestWait");
	const cJSON *over = cJSON_GetObjectItemCaseSensitive(s, "overQuote");
	const cJSON *nt = cJSON_GetObjectItemCaseSensitive(s, "notifications");
	const cJSON *replies = cJSON_GetObjectItemCaseSensitive(s, "guestReplies");
	const cJSON *notes = cJSON_GetObjectItemCaseSensitive(s, "partyNotes");
	const cJSON *x;
	char when[64], p[320];
	int parties = (int)num(w, "parties"), covers = (int)num(w, "covers");

	clock_text(when, sizeof when, num(s, "generatedAt"), 1);
	fprintf(f, "Shift handover: %s\n", str(s, "waitlistName"));
	fprintf(f, "As of %s\n\n", when);

	if (cJSON_IsObject(note)) {
		const cJSON *author = cJSON_GetObjectItemCaseSensitive(note, "author");
		char ack[320] = "not acknowledged yet";
		clock_text(when, sizeof when, num(note, "createdAt"), 1);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(note, "acknowledged"))) {
			char at[64];
			clock_text(at, sizeof at, num(note, "acknowledgedAt"), 0);
			snprintf(ack, sizeof ack, "acknowledged by %s at %s",
				 str(cJSON_GetObjectItemCaseSensitive(note, "acknowledgedBy"), "name"), at);
		}
		fprintf(f, "NOTE FROM %s\n", str(author, "name")[0] ? str(author, "name") : "(unknown)");
		fprintf(f, "  Written %s; %s.\n\n", when, ack);
		indented(f, "  ", str(note, "note"));
		fprintf(f, "\n");
	} else {
		fprintf(f, "NOTE\n  No note was written for this shift.\n\n");
	}

	fprintf(f, "ON THE LIST NOW\n");
	fprintf(f, "  %d %s waiting, %d %s\n", parties, parties == 1 ? "party" : "parties", covers,
		covers == 1 ? "cover" : "covers");
	if (cJSON_IsObject(lw)) {
		party(p, sizeof p, lw);
		fprintf(f, "  Longest wait: %s, %d min\n", p, (int)num(lw, "minutes"));
	}
	fprintf(f, "\nOVER THEIR QUOTE (%d)\n", cJSON_GetArraySize(over));
	if (cJSON_GetArraySize(over) == 0)
		fprintf(f, "  none\n");
	cJSON_ArrayForEach(x, over) {
		party(p, sizeof p, x);
		fprintf(f, "  %s: waited %d min, quoted %d\n", p, (int)num(x, "waitedMinutes"), (int)num(x, "quotedMinutes"));
	}
	fprintf(f, "\nNOTIFICATIONS\n  %d pending, %d failed\n", (int)num(nt, "pending"), (int)num(nt, "failed"));
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(nt, "failedParties")) {
		party(p, sizeof p, x);
		fprintf(f, "  Failed to send: %s\n", p);
	}
	fprintf(f, "\nGUEST REPLIES %s (%d)\n", num(s, "repliesSince") > 0 ? "SINCE THE NOTE" : "KEPT",
		cJSON_GetArraySize(replies));
	if (cJSON_GetArraySize(replies) == 0)
		fprintf(f, "  none\n");
	cJSON_ArrayForEach(x, replies) {
		const char *r = str(x, "reply");
		party(p, sizeof p, x);
		clock_text(when, sizeof when, num(x, "at"), 0);
		fprintf(f, "  %s %s: %s\n", when, p,
			strcmp(r, "confirm") == 0 ? "confirmed" : strcmp(r, "cancel") == 0 ? "cancelled" : "sent a text");
	}
	fprintf(f, "\nNOTES ON PARTIES (%d)\n", cJSON_GetArraySize(notes));
	if (cJSON_GetArraySize(notes) == 0)
		fprintf(f, "  none\n");
	cJSON_ArrayForEach(x, notes) {
		party(p, sizeof p, x);
		fprintf(f, "  %s:\n", p);
		indented(f, "    ", str(x, "notes"));
	}
}

/* Reads stdin into a malloc'd string (at most HANDOVER_NOTE_MAX + 1 bytes). */
static char *read_stdin(void)
{
	char *buf = malloc(HANDOVER_NOTE_MAX + 2);
	size_t n;
	if (buf == NULL)
		return NULL;
	n = fread(buf, 1, HANDOVER_NOTE_MAX + 1, stdin);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return buf;
}

/* Runs the command. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_COMMON_OPTS, { "write", required_argument, NULL, 'w' },
					      { "ack", no_argument, NULL, 'k' }, { 0, 0, 0, 0 } };
	const char *write = NULL;
	int ch, exit_now = 0, ack = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "hw:k", opts, NULL)) != -1) {
		if (ch == 'w')
			write = optarg;
		else if (ch == 'k')
			ack = 1;
		else if (!ctl_common_opt(ctl, &ctl_cmd_handover, ch, &exit_now))
			return ctl_usage(ctl, &ctl_cmd_handover, "unknown option");
		if (exit_now)
			return CTL_OK;
	}
	if (argc - optind > 1)
		return ctl_usage(ctl, &ctl_cmd_handover, "too many arguments");
	if (write != NULL && ack)
		return ctl_usage(ctl, &ctl_cmd_handover, "--write and --ack do not go together");
	char *note = NULL;
	if (write != NULL) {
		note = strcmp(write, "-") == 0 ? read_stdin() : strdup(write);
		if (note == NULL)
			return CTL_TROUBLE;
		if (note[0] == '\0' || strlen(note) > HANDOVER_NOTE_MAX) {
			free(note);
			return ctl_usage(ctl, &ctl_cmd_handover, "the note must be 1 to %d bytes", HANDOVER_NOTE_MAX);
		}
	}
	struct mtc_waitlist wl = { 0 };
	int rc = ctl_connect_list(ctl, optind < argc ? argv[optind] : NULL, &wl);
	if (rc != CTL_OK) {
		free(note);
		return rc;
	}
	struct mtc_status st;
	char *json = NULL;
	if (note != NULL) {
		rc = mtc_put_handover(ctl->client, wl.id, note, &json, &st) == MTC_OK ? CTL_OK
										      : ctl_fail(ctl, "handover", &st);
		free(note);
		free(json);
		json = NULL;
	} else if (ack) {
		rc = mtc_ack_handover(ctl->client, wl.id, NULL, &json, &st) == MTC_OK ? CTL_OK
										      : ctl_fail(ctl, "handover", &st);
		free(json);
		json = NULL;
	}
	if (rc == CTL_OK) {
		if (mtc_handover_summary(ctl->client, wl.id, &json, &st) != MTC_OK) {
			rc = ctl_fail(ctl, "handover", &st);
		} else if (ctl->json) {
			rc = ctl_print_json(json);
			json = NULL;
		} else {
			cJSON *s = cJSON_Parse(json);
			if (s == NULL) {
				fprintf(stderr, "%s: handover: the server's answer is not JSON\n", ctl->prog);
				rc = CTL_TROUBLE;
			} else {
				print_summary(s, stdout);
				cJSON_Delete(s);
			}
		}
	}
	free(json);
	mtc_waitlist_clear(&wl);
	return rc;
}
