/* maitrectl restaurant: show or change the restaurant's name and settings. */
#include <stdio.h>
#include <stdlib.h>
#include "ctl.h"

static int run(struct ctl *ctl, int argc, char **argv);

const struct ctl_cmd ctl_cmd_restaurant = {
	"restaurant", "restaurant [--name N] [--timezone TZ] [--phone-country CC] [--retention-hours H] [--sms-per-day N]",
	"Without options, shows the restaurant (owner and managers). With options, changes\n"
	"it (owner only):\n"
	"  --name N             the name guests read in texts and pages, and the app's header\n"
	"  --timezone TZ        IANA time zone, e.g. Europe/Paris (stats, the app's clock)\n"
	"  --phone-country CC   ISO country (FR) for numbers typed without +; \"\" clears\n"
	"  --retention-hours H  guest data kept H hours after a party ends (1..2160)\n"
	"  --sms-per-day N      the restaurant's own day limit for texts (0 = the server's)",
	run,
};

/* Prints the restaurant. */
static int show(struct ctl *ctl, const struct mtc_restaurant *r)
{
	if (ctl->json)
		return ctl_print_json(mtc_restaurant_to_json(r));
	printf("name            %s\n", r->name[0] ? r->name : "(none)");
	printf("time zone       %s\n", r->timezone);
	printf("phone country   %s\n", r->phone_country[0] ? r->phone_country : "(none)");
	printf("guest data kept %lld h after a party ends\n", (long long)(r->retention_s / 3600));
	if (r->sms_per_day > 0)
		printf("texts per day   at most %d\n", r->sms_per_day);
	else
		printf("texts per day   the server's limit\n");
	return CTL_OK;
}

/* Shows or changes the restaurant. */
static int run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTS, { "name", required_argument, NULL, 'n' }, { "timezone", required_argument, NULL, 't' },
		{ "phone-country", required_argument, NULL, 'c' }, { "retention-hours", required_argument, NULL, 'r' },
		{ "sms-per-day", required_argument, NULL, 's' }, { 0, 0, 0, 0 }
	};
	struct mtc_restaurant_input in = { 0 };
	struct mtc_restaurant r;
	struct mtc_status st;
	int ch, exit_now = 0, change = 0, v, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': in.name = optarg; change = 1; break;
		case 't': in.timezone = optarg; change = 1; break;
		case 'c': in.phone_country = optarg; change = 1; break;
		case 'r':
			if (ctl_parse_int(optarg, 1, 2160, &v) != 0)
				return ctl_usage(ctl, &ctl_cmd_restaurant, "--retention-hours takes 1..2160");
			in.retention_s = (int64_t)v * 3600;
			change = 1;
			break;
		case 's':
			if (ctl_parse_int(optarg, 0, 1000000, &v) != 0)
				return ctl_usage(ctl, &ctl_cmd_restaurant, "--sms-per-day takes 0..1000000");
			in.set_sms_per_day = 1;
			in.sms_per_day = v;
			change = 1;
			break;
		default:
			if (!ctl_common_opt(ctl, &ctl_cmd_restaurant, ch, &exit_now))
				return ctl_usage(ctl, &ctl_cmd_restaurant, "unknown option");
			if (exit_now)
				return CTL_OK;
		}
	}
	if (optind != argc)
		return ctl_usage(ctl, &ctl_cmd_restaurant, "unexpected argument '%s'", argv[optind]);
	rc = ctl_connect(ctl);
	if (rc != CTL_OK)
		return rc;
	if (change ? mtc_update_restaurant(ctl->client, &in, 0, &r, &st) != MTC_OK
		   : mtc_get_restaurant(ctl->client, &r, &st) != MTC_OK)
		return ctl_fail(ctl, "restaurant", &st);
	return show(ctl, &r);
}
