/* Configuration from Lambda's environment, with the names maitred reads
 * (README "Configuration"), so one configuration serves both hosts:
 *   _HANDLER                  the handler (a name of handlers/handlers.c; "x.name" also works)
 *   MAITRE_STORE              the store URL (required; dynamodb://TABLE?region=R on AWS)
 *   MAITRE_JWT_SECRET         HS256 key, or MAITRE_JWT_SECRET_SSM / MAITRE_JWT_SECRET_ID
 *                             (param.c); needed by the handlers that sign or verify tokens;
 *                             with PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, read through the
 *                             Parameters and Secrets extension at the first invocation
 *   MAITRE_SMS_HOOK_SECRET, MAITRE_SQS_QUEUE_URL, MAITRE_SMS_* ... read by wiring/;
 *                             the channel secrets may be NAME_SSM / NAME_ID instead (param.c)
 *   AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: Lambda's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "auth/auth.h"
#include "core/error.h"
#include "lambda/lambda.h"
#include "wiring/wiring.h"

/* Handlers that cannot work without the JWT secret: those that sign or
 * verify access tokens, and the guest pages (their links are keyed by it,
 * core/guestlink.h). waitlists, waitees and consumer load it when given
 * (deploy/template.yaml does) and otherwise run without guest links. */
static const char *const config_jwt_handlers[] = {
	"token", "refresh", "authorizer", "guest", "checkin", NULL
};

/* 1 when handler name needs the JWT secret. */
static int config_needs_jwt(const char *name)
{
	size_t i;

	for (i = 0; config_jwt_handlers[i] != NULL; i++)
		if (strcmp(config_jwt_handlers[i], name) == 0)
			return 1;
	return 0;
}

/* Reads _HANDLER into lc. */
static int config_handler(struct lambda_config *lc, char **cause)
{
	const char *h = getenv("_HANDLER"), *dot;
	const struct mt_handler *t;
	char known[512];
	size_t used = 0;

	if (h == NULL || h[0] == '\0') {
		mt_set_cause(cause, "_HANDLER is not set (the function's Handler names the handler, e.g. waitees)");
		return MT_EINVAL;
	}
	dot = strrchr(h, '.');
	snprintf(lc->handler_name, sizeof lc->handler_name, "%s", dot ? dot + 1 : h);
	lc->handler = mt_handler_find(lc->handler_name);
	if (lc->handler != NULL)
		return 0;
	known[0] = '\0';
	for (t = mt_handlers; t->name != NULL && used < sizeof known; t++)
		used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", used ? ", " : "", t->name);
	mt_set_cause(cause, "_HANDLER '%.64s' is not a handler of this bootstrap (known: %s)", h, known);
	return MT_EINVAL;
}

/* Loads the JWT secret: the environment or a parameter store, never both;
 * through the Parameters and Secrets extension, at the first invocation. */
static int config_jwt(struct lambda_config *lc, struct mt_config *cfg, const char *handler, char **cause)
{
	const char *env = getenv("MAITRE_JWT_SECRET");
	int r;

	r = lambda_param_jwt_secret(cfg, 1, 0, cause);   /* refuses a second source itself */
	if (r == LAMBDA_PARAM_LATER) {
		lc->jwt_later = 1;
		return 0;
	}
	if (r != MT_ENOTFOUND)
		return r;
	if (env == NULL) {
		if (!config_needs_jwt(handler))
			return 0;
		mt_set_cause(cause, "handler '%s' needs the JWT secret: set MAITRE_JWT_SECRET_SSM (an SSM "
				    "SecureString), MAITRE_JWT_SECRET_ID (a Secrets Manager secret) or "
				    "MAITRE_JWT_SECRET (at least 32 bytes)", handler);
		return MT_EINVAL;
	}
	return mt_jwt_secret_load(cfg, NULL, cause);
}

/* Reads the bootstrap's configuration. */
int lambda_config_load(struct lambda_config *lc, struct mt_config *cfg, const char **error_type,
		       char **cause)
{
	const char *store = getenv("MAITRE_STORE");
	int r;

	memset(lc, 0, sizeof *lc);
	*error_type = "Runtime.UnknownHandler";
	r = config_handler(lc, cause);
	if (r != 0)
		return r;
	*error_type = "Runtime.ConfigError";
	if (store == NULL || store[0] == '\0') {
		mt_set_cause(cause, "MAITRE_STORE is not set (e.g. dynamodb://maitre?region=eu-west-1)");
		return MT_EINVAL;
	}
	if (strlen(store) >= sizeof lc->store_url) {
		mt_set_cause(cause, "MAITRE_STORE is longer than %zu bytes", sizeof lc->store_url - 1);
		return MT_EINVAL;
	}
	snprintf(lc->store_url, sizeof lc->store_url, "%s", store);
	r = lambda_param_channel_secrets(cause);   /* before the wiring reads them */
	if (r != 0)
		return r;
	mt_wiring_config(cfg, "");
	return config_jwt(lc, cfg, lc->handler_name, cause);
}
