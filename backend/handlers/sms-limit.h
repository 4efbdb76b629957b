/* Sending limits for texts (issue 13, finding 8): per party per hour, per
 * phone number per hour (all restaurants together), and per restaurant per
 * day, the day quota small until the restaurant is trusted (registered
 * cfg.sms_trust_days ago, or listed in cfg.sms_trusted_tenants), or the
 * restaurant's own smsPerDay when that is lower (one restaurant_get per
 * call: handlers/restaurant.h). Counters
 * are handlers/limit.c's (store guard records, both back ends). A limit of
 * 0 is no limit. Internal to handlers/. */
#ifndef MT_HANDLERS_SMS_LIMIT_H
#define MT_HANDLERS_SMS_LIMIT_H

#include <stddef.h>
#include <stdint.h>
#include "core/model.h"

struct mt_ctx;

/* 1 when the restaurant tenant_id is trusted at now (the full day quota). */
int sms_limit_trusted(const struct mt_ctx *ctx, const char *tenant_id, int64_t now);

/* Takes one text of every limit that applies to w (which must have a
 * phone) before it is sent. 0 when all were taken; MT_EBUSY when one is
 * used up (none taken then), with reason (the limit, for the host) and
 * *retry_s (seconds until it frees); another MT_E* when the store failed. */
int sms_limit_take(struct mt_ctx *ctx, const struct mt_waitee *w, int64_t now, char *reason, size_t reasonsz,
		   int64_t *retry_s);

/* Gives back what sms_limit_take took (the text was not sent after all). */
void sms_limit_give_back(struct mt_ctx *ctx, const struct mt_waitee *w);

/* As sms_limit_take without taking: MT_EBUSY (reason, *retry_s) when a text
 * to w now would be over a limit, 0 when not, another MT_E* on failure. */
int sms_limit_check(struct mt_ctx *ctx, const struct mt_waitee *w, int64_t now, char *reason, size_t reasonsz,
		    int64_t *retry_s);

#endif
