/* bootstrap: the Lambda custom runtime. Read the configuration, build the
 * context once, then loop: next invocation, handler, response or error.
 * A bad configuration is posted to /runtime/init/error and the process
 * exits 1; so does a Runtime API that stops answering. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/clock.h"
#include "core/error.h"
#include "lambda/lambda.h"
#include "store/store.h"
#include "wiring/wiring.h"

/* Writes the init log line: handler, store, whether init needed libcurl, the init time. */
static void bootstrap_log_init(const struct lambda_config *lc, const struct mt_ctx *ctx, int64_t start_ms)
{
	printf("{\"level\":\"info\",\"msg\":\"init\",\"handler\":\"%s\",\"store\":\"%s\",\"queue\":%s,"
	       "\"libcurl\":%s,\"initMs\":%lld}\n",
	       lc->handler_name, ctx->store && ctx->store->ops ? ctx->store->ops->name : "",
	       ctx->queue ? "true" : "false", lambda_curl_loaded() ? "true" : "false", (long long)(mt_clock_mono_ms() - start_ms));
	fflush(stdout);
}

int main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API"), *etype = "Runtime.ConfigError";
	struct lambda_invocation inv;
	struct lambda_config lc;
	struct lambda_rt *rt = NULL;
	struct mt_ctx ctx;
	char *cause = NULL;
	int64_t start_ms = mt_clock_mono_ms();
	int ret = 1, r, cold = 1;
	unsigned parts = MT_WIRING_STORE | MT_WIRING_NOTIFY;

	memset(&ctx, 0, sizeof ctx);
	memset(&lc, 0, sizeof lc);
	signal(SIGPIPE, SIG_IGN);
	if (lambda_rt_open(api, &rt, &cause) != 0)
		goto done;   /* nobody to tell but stderr */
	if (lambda_guard_init(api, &cause) != 0)
		goto init_error;
	if (mt_sodium_init() < 0) {
		mt_set_cause(&cause, "libsodium failed to initialise");
		goto init_error;
	}
	if (lambda_config_load(&lc, &ctx.cfg, &etype, &cause) != 0)
		goto init_error;
	etype = "Runtime.ConfigError";
	if (mt_wiring_clock(&ctx, &cause) != 0)
		goto init_error;
	/* The DynamoDB table comes from the template: no DescribeTable at a cold
	 * start. A sqlite: store (a local run) has nobody else to make it. */
	if (strncmp(lc.store_url, "sqlite:", 7) != 0)
		parts |= MT_WIRING_NO_SCHEMA;
	if (mt_wiring_open(&ctx, lc.store_url, parts, &cause) != 0)
		goto init_error;
	bootstrap_log_init(&lc, &ctx, start_ms);

	for (;;) {
		r = lambda_rt_next(rt, &inv, &cause);
		if (r != 0)
			goto done;
		r = lambda_invoke(rt, &ctx, lc.handler, &inv, cold);
		lambda_invocation_clear(&inv);
		cold = 0;
		if (r != 0) {
			mt_set_cause(&cause, "the Runtime API did not take an answer");
			goto done;
		}
	}

init_error:
	{
		char *why = NULL;

		if (lambda_rt_error(rt, NULL, etype, cause ? cause : "start-up failed", &why) != 0) {
			fprintf(stderr, "bootstrap: cannot post the init error: %s\n", why ? why : "?");
			free(why);
		}
	}
done:
	if (cause != NULL) {
		fprintf(stderr, "bootstrap: %s\n", cause);
		free(cause);
	}
	mt_wiring_close(&ctx);
	lambda_rt_close(rt);
	sodium_memzero(ctx.cfg.jwt_secret, sizeof ctx.cfg.jwt_secret);
	return ret;
}
