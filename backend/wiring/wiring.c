/* Start-up wiring (wiring/wiring.h): the back ends of a context chosen
 * from the configuration, in one place for every host. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/config.h"
#include "core/error.h"
#include "core/guestlink.h"
#include "core/log.h"
#include "notify/channel.h"
#include "queue/queue.h"
#include "store/store.h"
#include "store/store-sqlite.h"
#include "wiring/wiring.h"

/* Sets *out from the environment variable name when it holds a whole
 * number in [0, 1000000]; leaves it (the default) otherwise. */
static void wiring_env_int(const char *name, int *out)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno == 0 && end != v && *end == '\0' && n >= 0 && n <= 1000000)
		*out = (int)n;
	else
		mt_log("warn", "config: not a whole number from 0 to 1000000; the default is used", "variable", name,
		       (const char *)NULL);
}

/* Fills cfg with defaults, data_dir and the settings read from the environment. */
void mt_wiring_config(struct mt_config *cfg, const char *data_dir)
{
	const char *hook = getenv("MAITRE_SMS_HOOK_SECRET");
	const char *trusted = getenv("MAITRE_SMS_TRUSTED_TENANTS");

	mt_config_defaults(cfg);
	snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", data_dir ? data_dir : "");
	if (hook != NULL)
		snprintf(cfg->sms_hook_secret, sizeof cfg->sms_hook_secret, "%s", hook);
	wiring_env_int("MAITRE_REGISTER_PER_ADDRESS_HOUR", &cfg->register_per_addr_hour);
	wiring_env_int("MAITRE_SMS_PER_PARTY_HOUR", &cfg->sms_party_hour);
	wiring_env_int("MAITRE_SMS_PER_NUMBER_HOUR", &cfg->sms_number_hour);
	wiring_env_int("MAITRE_SMS_NEW_RESTAURANT_DAY", &cfg->sms_new_tenant_day);
	wiring_env_int("MAITRE_SMS_RESTAURANT_DAY", &cfg->sms_tenant_day);
	wiring_env_int("MAITRE_SMS_TRUST_DAYS", &cfg->sms_trust_days);
	if (trusted != NULL)
		snprintf(cfg->sms_trusted_tenants, sizeof cfg->sms_trusted_tenants, "%s", trusted);
}

/* Sets the context's clock (system, or offset by MAITRE_TEST_CLOCK_FILE). */
int mt_wiring_clock(struct mt_ctx *ctx, char **cause)
{
	const char *path = getenv("MAITRE_TEST_CLOCK_FILE");

	ctx->clock = mt_clock_system;
	if (path == NULL || *path == '\0')
		return 0;
	return mt_clock_offset_file(path, &ctx->clock, cause);
}

/* Reads MAITRE_PUBLIC_URL (the guests' base URL, core/guestlink.h) into
 * cfg->public_url; unset or "" = none (links are relative). */
static int wiring_public_url(struct mt_config *cfg, char **cause)
{
	const char *v = getenv("MAITRE_PUBLIC_URL");
	const char *why = NULL;

	cfg->public_url[0] = '\0';
	if (v == NULL || v[0] == '\0')
		return 0;
	if (mt_public_url_parse(v, cfg->public_url, sizeof cfg->public_url, &why) < 0) {
		if (cause)
			*cause = mt_strf("MAITRE_PUBLIC_URL %s", why);
		return MT_EINVAL;
	}
	return 0;
}

/* Opens the store of url and, when schema, creates its schema. */
static int wiring_store(struct mt_ctx *ctx, const char *url, int schema, char **cause)
{
	int r = store_open(url, &ctx->store, cause);

	if (r < 0)
		return r;
	store_set_clock(ctx->store, &ctx->clock);   /* one clock for the handlers and the store */
	if (!schema)
		return 0;
	r = ctx->store->ops->init_schema(ctx->store);
	if (r < 0) {
		size_t n = strlen(url) + 64;

		if ((*cause = malloc(n)) != NULL)
			snprintf(*cause, n, "cannot create the schema in %s: %s", url, mt_strerror(r));
	}
	return r;
}

/* Opens ctx->queue: SQS when configured, else embedded beside a sqlite: store. */
static int wiring_queue(struct mt_ctx *ctx, const char *store_url, char **cause)
{
	const char *sqs_url = getenv("MAITRE_SQS_QUEUE_URL");
	const char *region = getenv("AWS_REGION");
	const char *endpoint = getenv("MAITRE_SQS_ENDPOINT");
	int err;

	if (sqs_url != NULL && *sqs_url != '\0') {
		if (region == NULL || *region == '\0')
			region = getenv("AWS_DEFAULT_REGION");
		if (region == NULL || *region == '\0')
			region = "us-east-1";
		if (endpoint != NULL && *endpoint == '\0')
			endpoint = NULL;
		err = queue_sqs_open(sqs_url, region, endpoint, &ctx->queue, cause);
		if (err)
			return err;
	} else if (store_url != NULL && strncmp(store_url, "sqlite:", 7) == 0) {
		const char *store_path = ctx->store ? store_sqlite_path(ctx->store) : NULL;

		err = queue_sqlite_open(store_url + 7, &ctx->clock, &ctx->queue, cause);
		if (err)
			return err;
		/* Same file as the store: share its group-committed writer. */
		if (store_path != NULL && strcmp(store_path, store_url + 7) == 0)
			queue_sqlite_use_store(ctx->queue, ctx->store);
	} else {
		mt_log("warn", "notify: no queue (set MAITRE_SQS_QUEUE_URL): notifications are off", (const char *)NULL);
	}
	if (ctx->queue)
		queue_retry_from_env(&ctx->queue->retry);
	return 0;
}

/* Builds the requested parts of ctx. */
int mt_wiring_open(struct mt_ctx *ctx, const char *store_url, unsigned parts, char **cause)
{
	int err;

	if (cause)
		*cause = NULL;
	err = wiring_public_url(&ctx->cfg, cause);
	if (err)
		return err;
	if (parts & MT_WIRING_STORE) {
		err = wiring_store(ctx, store_url, !(parts & MT_WIRING_NO_SCHEMA), cause);
		if (err)
			return err;
	}
	if (parts & MT_WIRING_NOTIFY) {
		ctx->queue = NULL;
		ctx->channels = NULL;
		err = wiring_queue(ctx, store_url, cause);
		if (err)
			return err;
		err = mt_channels_from_env(&ctx->channels, cause);
		if (err) {
			ctx->channels = NULL;
			return err;
		}
	}
	return 0;
}

/* Frees what mt_wiring_open built. */
void mt_wiring_close(struct mt_ctx *ctx)
{
	if (ctx == NULL)
		return;
	mt_channels_free(ctx->channels);
	ctx->channels = NULL;
	queue_close(ctx->queue);
	ctx->queue = NULL;
	store_close(ctx->store);
	ctx->store = NULL;
}
