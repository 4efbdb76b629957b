/* The context every handler and host uses: configuration read once at
 * start and the dependencies (store, queue, channels, clock) built by the
 * start-up wiring (wiring/wiring.h). Dependencies come from here, never
 * from globals, so tests can hand in their own (a test clock, a store). */
#ifndef MT_CTX_H
#define MT_CTX_H

#include <stddef.h>
#include <stdint.h>
#include "core/clock.h"

struct store;
struct queue;
struct channel_set;

/* Configuration read once at start. */
struct mt_config {
	unsigned char jwt_secret[256];  /* HS256 key, at least 32 random bytes */
	size_t jwt_secret_len;          /* bytes used in jwt_secret */
	char jwt_issuer[128];           /* `iss` issued and required */
	char jwt_audience[128];         /* `aud` issued and required */
	int access_ttl_s;               /* access token lifetime (default 900) */
	int refresh_ttl_s;              /* refresh token lifetime (default 30 days) */
	char sms_hook_secret[128];      /* shared secret for POST /hooks/sms, "" = hook disabled */
	char data_dir[1024];            /* local data directory ("" on Lambda) */
	int register_per_addr_hour;     /* registrations per client address per hour, 0 = no limit */
	int sms_party_hour;             /* texts one party may receive per hour, 0 = no limit */
	int sms_number_hour;            /* texts to one phone number per hour (all restaurants), 0 = no limit */
	int sms_new_tenant_day;         /* texts per day of a restaurant not trusted yet, 0 = no limit */
	int sms_tenant_day;             /* texts per day of a trusted restaurant, 0 = no limit */
	int sms_trust_days;             /* a restaurant is trusted this many days after it registered */
	char sms_trusted_tenants[1024]; /* tenant ids trusted at once, comma-separated */
	char public_url[256];           /* MAITRE_PUBLIC_URL: guests' base URL, no trailing '/'; "" = links are relative */
};

/* Everything a handler may use, built once at start. */
struct mt_ctx {
	struct store *store;            /* storage back end */
	struct queue *queue;            /* notification queue (NULL when not configured) */
	struct channel_set *channels;   /* notification channels (NULL when not configured) */
	struct mt_clock clock;          /* time source */
	struct mt_config cfg;           /* configuration */
};

/* Current time of the context's clock, epoch ms. */
static inline int64_t mt_now(const struct mt_ctx *ctx)
{
	return ctx->clock.now_ms(ctx->clock.data);
}

#endif
