/* Sending limits for texts (see sms-limit.h). */
#include <stdio.h>
#include <string.h>
#include "core/ctx.h"
#include "core/error.h"
#include "handlers/limit.h"
#include "handlers/restaurant.h"
#include "handlers/sms-limit.h"

#define SMS_HOUR_MS (3600LL * 1000)
#define SMS_DAY_MS (86400LL * 1000)

/* One limit: its counter kind, subject, size, window and wording. */
struct sms_rule {
	const char *kind;      /* counter kind */
	const char *subject;   /* what is counted (party id, phone, tenant id) */
	int max;               /* texts per window, 0 = no limit */
	int64_t window_ms;     /* window */
	const char *what;      /* "party per hour", ... for the message */
};

/* Time (ms) encoded in the first 10 characters of an id (Crockford base32), or -1. */
static int64_t sms_id_time(const char *id)
{
	static const char digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	int64_t t = 0;
	int i;

	for (i = 0; i < 10; i++) {
		const char *p = id[i] ? strchr(digits, id[i]) : NULL;

		if (p == NULL)
			return -1;
		t = t * 32 + (p - digits);
	}
	return t;
}

int sms_limit_trusted(const struct mt_ctx *ctx, const char *tenant_id, int64_t now)
{
	const char *list = ctx->cfg.sms_trusted_tenants, *p;
	size_t n = strlen(tenant_id);
	int64_t born = sms_id_time(tenant_id);

	for (p = list; n > 0 && (p = strstr(p, tenant_id)) != NULL; p += n)
		if ((p == list || p[-1] == ',' || p[-1] == ' ') && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return 1;
	return born > 0 && now - born >= (int64_t)ctx->cfg.sms_trust_days * SMS_DAY_MS;
}

/* Fills the three rules for w; returns how many. */
static size_t sms_rules(const struct mt_ctx *ctx, const struct mt_waitee *w, int64_t now, struct sms_rule r[3])
{
	int trusted = sms_limit_trusted(ctx, w->tenant_id, now);
	struct mt_restaurant rest;

	r[0] = (struct sms_rule){ "sms-party", w->id, ctx->cfg.sms_party_hour, SMS_HOUR_MS, "texts per party per hour" };
	r[1] = (struct sms_rule){ "sms-number", w->phone, ctx->cfg.sms_number_hour, SMS_HOUR_MS,
				  "texts per phone number per hour" };
	r[2] = (struct sms_rule){ "sms-tenant", w->tenant_id, trusted ? ctx->cfg.sms_tenant_day : ctx->cfg.sms_new_tenant_day,
				  SMS_DAY_MS, trusted ? "texts per restaurant per day"
						      : "texts per day for a new restaurant (the quota grows once it is trusted)" };
	/* the restaurant's own day limit (PUT /restaurant smsPerDay) may only
	 * lower the server's; a store failure leaves the server's */
	if (restaurant_load(ctx, w->tenant_id, &rest) == 0 && rest.sms_per_day > 0 &&
	    (r[2].max <= 0 || rest.sms_per_day < r[2].max)) {
		r[2].max = rest.sms_per_day;
		r[2].what = "texts per day (the restaurant's own limit)";
	}
	return 3;
}

/* Writes the refusal text for rule r. */
static void sms_reason(const struct sms_rule *r, char *reason, size_t reasonsz)
{
	if (reasonsz > 0)
		snprintf(reason, reasonsz, "sending limit reached: at most %d %s", r->max, r->what);
}

int sms_limit_take(struct mt_ctx *ctx, const struct mt_waitee *w, int64_t now, char *reason, size_t reasonsz,
		   int64_t *retry_s)
{
	struct sms_rule r[3];
	size_t n = sms_rules(ctx, w, now, r), i, j;
	int e;

	*retry_s = 0;
	for (i = 0; i < n; i++) {
		if (r[i].max <= 0)
			continue;
		e = limit_take(ctx, r[i].kind, r[i].subject, r[i].max, r[i].window_ms, now, retry_s, NULL);
		if (e == 0)
			continue;
		for (j = 0; j < i; j++)   /* all or nothing */
			if (r[j].max > 0)
				limit_give_back(ctx, r[j].kind, r[j].subject);
		if (e == MT_EBUSY)
			sms_reason(&r[i], reason, reasonsz);
		return e;
	}
	return 0;
}

void sms_limit_give_back(struct mt_ctx *ctx, const struct mt_waitee *w)
{
	struct sms_rule r[3];
	size_t n = sms_rules(ctx, w, mt_now(ctx), r), i;

	for (i = 0; i < n; i++)
		if (r[i].max > 0)
			limit_give_back(ctx, r[i].kind, r[i].subject);
}

int sms_limit_check(struct mt_ctx *ctx, const struct mt_waitee *w, int64_t now, char *reason, size_t reasonsz,
		    int64_t *retry_s)
{
	struct sms_rule r[3];
	size_t n = sms_rules(ctx, w, now, r), i;

	*retry_s = 0;
	for (i = 0; i < n; i++) {
		int32_t count = 0;
		int64_t start = 0;
		int e;

		if (r[i].max <= 0)
			continue;
		e = limit_peek(ctx, r[i].kind, r[i].subject, r[i].window_ms, now, &count, &start);
		if (e < 0)
			return e;
		if (count >= r[i].max) {
			int64_t left = start + r[i].window_ms - now;

			*retry_s = left <= 0 ? 1 : (left + 999) / 1000;
			sms_reason(&r[i], reason, reasonsz);
			return MT_EBUSY;
		}
	}
	return 0;
}
