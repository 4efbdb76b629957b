/* maitrectl edit: change a party's details. */
#include <string.h>
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_edit = {
	"edit", "edit [LIST] PARTY [--name N] [--size N] [--phone P] [--email E] [--quote MIN] [--notes T]",
	"Changes the given fields of a party; the others stay. An empty --phone, --email\n"
	"or --notes removes it. PARTY is an id, a unique id prefix or a name. The change\n"
	"is conditional on the version just read: if another terminal changed the party\n"
	"meanwhile, nothing is overwritten and the exit status is 2.",
	run,
};

/* 1 when a and b are equal (NULL-safe). */
static int same_str(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

/* 1 when the fields named by set are the same in a and b. */
static int same_fields(const struct mtc_waitee *a, const struct mtc_waitee *b, unsigned set)
{
	return (!(set & MTC_SET_NAME) || same_str(a->name, b->name)) &&
	       (!(set & MTC_SET_PHONE) || same_str(a->phone, b->phone)) &&
	       (!(set & MTC_SET_EMAIL) || same_str(a->email, b->email)) &&
	       (!(set & MTC_SET_NOTES) || same_str(a->notes, b->notes)) &&
	       (!(set & MTC_SET_PARTY_SIZE) || a->party_size == b->party_size) &&
	       (!(set & MTC_SET_QUOTE) || a->quoted_minutes == b->quoted_minutes);
}

/* Edits a party. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTS,
		{ "name", required_argument, NULL, 'm' }, { "size", required_argument, NULL, 's' },
		{ "phone", required_argument, NULL, 'p' }, { "email", required_argument, NULL, 'e' },
		{ "quote", required_argument, NULL, 'q' }, { "notes", required_argument, NULL, 'n' }, { 0, 0, 0, 0 },
	};
	struct mtc_waitee_input in = { 0 };
	int ch, exit_now = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "hm:s:p:e:q:n:", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': in.name = optarg; in.set |= MTC_SET_NAME; break;
		case 's':
			if (ctl_parse_int(optarg, 1, 50, &in.party_size) != 0)
				return ctl_usage(ctl, &ctl_cmd_edit, "--size: a number from 1 to 50");
			in.set |= MTC_SET_PARTY_SIZE;
			break;
		case 'p': in.phone = optarg[0] ? optarg : NULL; in.set |= MTC_SET_PHONE; break;
		case 'e': in.email = optarg[0] ? optarg : NULL; in.set |= MTC_SET_EMAIL; break;
		case 'n': in.notes = optarg[0] ? optarg : NULL; in.set |= MTC_SET_NOTES; break;
		case 'q':
			if (ctl_parse_int(optarg, 0, 1440, &in.quoted_minutes) != 0)
				return ctl_usage(ctl, &ctl_cmd_edit, "--quote: minutes from 0 to 1440");
			in.set |= MTC_SET_QUOTE;
			break;
		default:
			if (!ctl_common_opt(ctl, &ctl_cmd_edit, ch, &exit_now))
				return ctl_usage(ctl, &ctl_cmd_edit, "unknown option");
			if (exit_now)
				return CTL_OK;
		}
	}
	const char *list_spec, *party_spec;
	int rc = ctl_list_and_party(ctl, &ctl_cmd_edit, argc - optind, argv + optind, &list_spec, &party_spec);
	if (rc != CTL_OK)
		return rc;
	if (in.set == 0)
		return ctl_usage(ctl, &ctl_cmd_edit, "nothing to change");
	struct mtc_waitlist wl = { 0 };
	struct mtc_waitee w = { 0 }, out = { 0 };
	struct mtc_status st;
	if ((rc = ctl_connect_list(ctl, list_spec, &wl)) != CTL_OK)
		return rc;
	if ((rc = ctl_find_party(ctl, wl.id, party_spec, &w)) == CTL_OK) {
		enum mtc_error e = mtc_update_waitee(ctl->client, wl.id, w.id, &in, w.version, &out, &st);
		struct mtc_waitee fresh = { 0 };
		struct mtc_status st2;
		/* 412 because something else moved (the notifier, another field edited elsewhere):
		 * when the fields we change are as we read them, apply to the fresh version once */
		if (e == MTC_ERR_PRECONDITION && mtc_get_waitee(ctl->client, wl.id, w.id, &fresh, &st2) == MTC_OK &&
		    same_fields(&w, &fresh, in.set))
			e = mtc_update_waitee(ctl->client, wl.id, w.id, &in, fresh.version, &out, &st);
		mtc_waitee_clear(&fresh);
		if (e != MTC_OK) {
			rc = ctl_fail(ctl, "edit", &st);
		} else if (ctl->json) {
			rc = ctl_print_json(mtc_waitee_to_json(&out));
		} else {
			char label[400];
			ctl_party_label(label, sizeof label, &out);
			printf("changed %s\n", label);
		}
	}
	mtc_waitee_clear(&w);
	mtc_waitee_clear(&out);
	mtc_waitlist_clear(&wl);
	return rc;
}
