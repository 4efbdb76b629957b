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

#define BOOTSTRAP_SECRET_TIMEOUT_MS 3000   /* longest wait for the extension's answer at the first invocation */

/* Handlers that never queue nor send a notification: their functions get
 * no queue and no channels (on a sqlite: store the embedded queue is a
 * second connection that checks its tables and prepares its statements at
 * every cold start; docs/benchmarks.md, "Lambda bootstrap"). Every other
 * handler is wired as in maitred. */
static const char *const bootstrap_quiet[] = {
	"healthz", "authorizer", "register", "token", "refresh", "logout", NULL,
};

/* 1 when handler name never notifies. */
static int bootstrap_is_quiet(const char *name)
{
	size_t i;

	for (i = 0; bootstrap_quiet[i] != NULL; i++)
		if (strcmp(bootstrap_quiet[i], name) == 0)
			return 1;
	return 0;
}

/* Writes the init log line: handler, store, whether init needed libcurl, the JWT secret's state, the init time. */
static void bootstrap_log_init(const struct lambda_config *lc, const struct mt_ctx *ctx, int64_t start_ms)
{
	printf("{\"level\":\"info\",\"msg\":\"init\",\"handler\":\"%s\",\"store\":\"%s\",\"queue\":%s,"
	       "\"libcurl\":%s,\"jwtSecret\":\"%s\",\"initMs\":%lld}\n",
	       lc->handler_name, ctx->store && ctx->store->ops ? ctx->store->ops->name : "",
	       ctx->queue ? "true" : "false", lambda_curl_loaded() ? "true" : "false",
	       lc->jwt_later ? "at the first invocation" : ctx->cfg.jwt_secret_len ? "read" : "none",
	       (long long)(mt_clock_mono_ms() - start_ms));
	fflush(stdout);
}

/* Reads the JWT secret at the first invocation, before its handler (the
 * Parameters and Secrets extension answers only once INIT is over). On
 * failure the invocation gets Runtime.ConfigError and the process ends, as
 * an init error would: Lambda starts a fresh one for the next. */
static int bootstrap_late_secret(struct lambda_rt *rt, struct mt_ctx *ctx, const struct lambda_invocation *inv,
				 char **cause)
{
	int64_t left = inv->deadline_ms > 0 ? inv->deadline_ms - mt_clock_system_now(NULL) - LAMBDA_DEADLINE_MARGIN_MS
					    : BOOTSTRAP_SECRET_TIMEOUT_MS;
	int timeout = left > BOOTSTRAP_SECRET_TIMEOUT_MS ? BOOTSTRAP_SECRET_TIMEOUT_MS : left < 1 ? 1 : (int)left;
	char *why = NULL;
	int r = lambda_param_jwt_secret(&ctx->cfg, 0, timeout, &why);

	if (r == 0)
		return 0;
	if (lambda_rt_error(rt, inv->request_id, "Runtime.ConfigError", why ? why : "cannot read the JWT secret",
			    cause) != 0)
		fprintf(stderr, "bootstrap: cannot post the error of invocation %s\n", inv->request_id);
	mt_set_cause(cause, "%s", why ? why : "cannot read the JWT secret");
	free(why);
	return r;
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
	 * start. A sqlite: store (a local run) migrates its schema as it opens
	 * (store_sqlite_open): a second check would only repeat it. */
	parts |= MT_WIRING_NO_SCHEMA;
	if (bootstrap_is_quiet(lc.handler_name))
		parts &= ~(unsigned)MT_WIRING_NOTIFY;
	if (mt_wiring_open(&ctx, lc.store_url, parts, &cause) != 0)
		goto init_error;
	bootstrap_log_init(&lc, &ctx, start_ms);

	for (;;) {
		r = lambda_rt_next(rt, &inv, &cause);
		if (r != 0)
			goto done;
		if (lc.jwt_later) {
			if (bootstrap_late_secret(rt, &ctx, &inv, &cause) != 0) {
				lambda_invocation_clear(&inv);
				goto done;
			}
			lc.jwt_later = 0;
		}
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
