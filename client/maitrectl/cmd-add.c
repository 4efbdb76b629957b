/* maitrectl add: put a party on a waitlist. */
#include <string.h>
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_add = {
	"add", "add [LIST] NAME --size N [--phone P] [--email E] [--quote MIN] [--notes T]",
	"Adds a party (status waiting) to LIST (optional when there is one list).\n"
	"  --size N             party size, 1..50 (required)\n"
	"  --phone P            international number (+1 415 555 0101); the server stores E.164\n"
	"  --email E            e-mail address for the texts\n"
	"  --quote MIN          wait quoted to the guest, in minutes\n"
	"  --notes T            notes and tags for the host\n"
	"  --notify-in MIN      plan the \"table ready\" text in MIN minutes (0 = now)\n"
	"  --idempotency-key K  send this key (a script that resends after a lost answer\n"
	"                       with the same key creates the party once); default: a new one",
	run,
};

/* Adds a party. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTS,
		{ "size", required_argument, NULL, 's' }, { "phone", required_argument, NULL, 'p' },
		{ "email", required_argument, NULL, 'e' }, { "quote", required_argument, NULL, 'q' },
		{ "notes", required_argument, NULL, 'n' }, { "notify-in", required_argument, NULL, 'N' },
		{ "idempotency-key", required_argument, NULL, 'k' }, { 0, 0, 0, 0 },
	};
	struct mtc_waitee_input in = { 0 };
	const char *key = NULL;
	int ch, exit_now = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "hs:p:e:q:n:N:k:", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (ctl_parse_int(optarg, 1, 50, &in.party_size) != 0)
				return ctl_usage(ctl, &ctl_cmd_add, "--size: a number from 1 to 50");
			in.set |= MTC_SET_PARTY_SIZE;
			break;
		case 'p': in.phone = optarg; in.set |= MTC_SET_PHONE; break;
		case 'e': in.email = optarg; in.set |= MTC_SET_EMAIL; break;
		case 'n': in.notes = optarg; in.set |= MTC_SET_NOTES; break;
		case 'q':
			if (ctl_parse_int(optarg, 0, 1440, &in.quoted_minutes) != 0)
				return ctl_usage(ctl, &ctl_cmd_add, "--quote: minutes from 0 to 1440");
			in.set |= MTC_SET_QUOTE;
			break;
		case 'N':
			if (ctl_parse_int(optarg, 0, 1440, &in.notify_in) != 0)
				return ctl_usage(ctl, &ctl_cmd_add, "--notify-in: minutes from 0 to 1440");
			in.set |= MTC_SET_NOTIFY_IN;
			break;
		case 'k':
			if (!mtc_idempotency_key_valid(optarg))
				return ctl_usage(ctl, &ctl_cmd_add, "--idempotency-key: 1..255 printable characters, no spaces");
			key = optarg;
			break;
		default:
			if (!ctl_common_opt(ctl, &ctl_cmd_add, ch, &exit_now))
				return ctl_usage(ctl, &ctl_cmd_add, "unknown option");
			if (exit_now)
				return CTL_OK;
		}
	}
	int n = argc - optind;
	if (n < 1 || n > 2)
		return ctl_usage(ctl, &ctl_cmd_add, n < 1 ? "the party's name?" : "too many arguments");
	if (!(in.set & MTC_SET_PARTY_SIZE))
		return ctl_usage(ctl, &ctl_cmd_add, "--size N is required");
	in.name = argv[argc - 1];
	in.set |= MTC_SET_NAME;
	struct mtc_waitlist wl = { 0 };
	int rc = ctl_connect_list(ctl, n == 2 ? argv[optind] : NULL, &wl);
	if (rc != CTL_OK)
		return rc;
	/* mtc_call, not the shorthand: the answer also carries the suggested quote */
	struct mtc_request req = { .op = MTC_OP_CREATE_WAITEE, .waitlist_id = wl.id, .waitee = &in,
				   .idempotency_key = key };
	struct mtc_result res;
	if (mtc_call(ctl->client, &req, &res) != MTC_OK || res.waitee == NULL) {
		rc = ctl_fail(ctl, "add", &res.status);
	} else if (ctl->json) {
		rc = ctl_print_json(mtc_waitee_to_json(res.waitee));
	} else {
		const struct mtc_waitee *w = res.waitee;
		const struct mtc_estimate *e = res.estimate;
		char label[400];
		ctl_party_label(label, sizeof label, w);
		printf("added %s at position %d on %s (id %s)\n", label, w->position, wl.name, w->id);
		/* without a quote of the host's own: what the server would quote (docs/stats.md) */
		if (!(in.set & MTC_SET_QUOTE) && e != NULL && e->quoted_minutes > 0) {
			if (strcmp(e->source, "history") == 0)
				printf("suggested quote: %d min (%s confidence, %ld parties of %d at this hour); "
				       "maitrectl edit to set it\n", e->quoted_minutes, e->confidence, e->parties, e->party_size);
			else
				printf("suggested quote: %d min (the list's default; little history); maitrectl edit to set it\n",
				       e->quoted_minutes);
		}
	}
	mtc_result_clear(&res);
	mtc_waitlist_clear(&wl);
	return rc;
}
