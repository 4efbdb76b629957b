/* The Lambda host: `bootstrap`, the custom runtime loop (docs/deploy-aws.md).
 *
 * main.c: configuration, init, the loop. runtime.c: the Runtime API client
 * (next / response / error / init error over one kept-alive connection, on
 * plain sockets). curl-lazy.c: libcurl loaded at its first use.
 * guard.c: a crashing handler or one about to pass its deadline is reported
 * on /error from a signal handler, then the process exits (Lambda starts a
 * fresh one). config.c: the settings from Lambda's environment, with the
 * same names maitred reads. param.c: the JWT secret from SSM Parameter
 * Store or Secrets Manager, read once at init. invoke.c: one invocation and
 * its log line. Errors: 0 or a negative MT_E* code, *cause malloc'd. */
#ifndef MT_LAMBDA_H
#define MT_LAMBDA_H

#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/ctx.h"
#include "handlers/handler.h"

#define LAMBDA_API_VERSION "2018-06-01"
#define LAMBDA_EVENT_MAX (6 * 1024 * 1024 + 4096)   /* invoke payloads are at most 6 MB */
#define LAMBDA_DEADLINE_MARGIN_MS 50                 /* report a timeout this long before the deadline */

struct lambda_rt;

/* One invocation as the Runtime API hands it over. */
struct lambda_invocation {
	char request_id[128];      /* Lambda-Runtime-Aws-Request-Id */
	char trace_id[512];        /* Lambda-Runtime-Trace-Id, "" when absent */
	char function_arn[256];    /* Lambda-Runtime-Invoked-Function-Arn, "" when absent */
	int64_t deadline_ms;       /* Lambda-Runtime-Deadline-Ms (epoch ms), 0 when absent */
	char *event;               /* the event JSON (malloc'd, NUL-terminated) */
	size_t event_len;          /* its length */
};

/* ---- runtime.c: the Runtime API client. */

/* Connects nothing yet: checks and resolves AWS_LAMBDA_RUNTIME_API
 * ("host:port"); the first call opens the connection every call reuses. */
int lambda_rt_open(const char *api, struct lambda_rt **out, char **cause);
/* Frees the client. */
void lambda_rt_close(struct lambda_rt *rt);
/* Makes an already connected socket the client's connection, as if it had
 * opened it (tests/fuzz: one end of a socketpair); the client owns fd. */
void lambda_rt_adopt(struct lambda_rt *rt, int fd);
/* The "host:port" it talks to (borrowed). */
const char *lambda_rt_api(const struct lambda_rt *rt);
/* GET .../invocation/next without a timeout; fills inv (free with
 * lambda_invocation_clear). MT_EIO when the Runtime API failed. */
int lambda_rt_next(struct lambda_rt *rt, struct lambda_invocation *inv, char **cause);
/* POST .../invocation/{id}/response with body (len bytes). MT_ETOOBIG when
 * the Runtime API refused the size (413), MT_EIO otherwise. */
int lambda_rt_respond(struct lambda_rt *rt, const char *request_id, const char *body, size_t len,
		      char **cause);
/* POST .../invocation/{id}/error, or /init/error when request_id is NULL:
 * {"errorType","errorMessage","stackTrace":[]} plus the
 * Lambda-Runtime-Function-Error-Type header. */
int lambda_rt_error(struct lambda_rt *rt, const char *request_id, const char *type, const char *message,
		    char **cause);
/* GET path (with extra header lines, each ending in CRLF) from the
 * client's address: another plain-HTTP local service than the Runtime API
 * (the Parameters and Secrets extension, param.c). The body goes into
 * answer (an mt_buf with its cap), the status into *status. 0, or MT_EIO
 * when no whole answer came within timeout_ms. */
int lambda_rt_get(struct lambda_rt *rt, const char *path, const char *extra, struct mt_buf *answer, long *status,
		  int timeout_ms, char **cause);
/* Frees what an invocation holds and zeroes it. */
void lambda_invocation_clear(struct lambda_invocation *inv);

/* Builds the error body {"errorType":type,"errorMessage":message,"stackTrace":[]}
 * (malloc'd; NULL when out of memory). */
char *lambda_error_body(const char *type, const char *message);

/* ---- curl-lazy.c: libcurl loaded on first use. */

/* 1 once libcurl has been loaded into this process. */
int lambda_curl_loaded(void);

/* ---- guard.c: crashes and deadlines. */

/* Resolves the Runtime API address and installs the handlers for SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGABRT and SIGALRM (on an alternate stack). */
int lambda_guard_init(const char *api, char **cause);
/* Arms the guard for one invocation: prepares the /error requests and sets
 * a timer that fires LAMBDA_DEADLINE_MARGIN_MS before deadline_ms (epoch
 * ms, 0 = no timer). Returns MT_EBUSY when no time is left at all. */
int lambda_guard_arm(const char *request_id, const char *handler, int64_t deadline_ms, int64_t now_ms);
/* Disarms the timer and forgets the request. */
void lambda_guard_disarm(void);

/* ---- config.c: configuration from Lambda's environment. */

/* What the bootstrap reads at init. */
struct lambda_config {
	const struct mt_handler *handler;   /* from _HANDLER */
	char handler_name[64];              /* its name (the text after the last '.', if any) */
	char store_url[1024];               /* MAITRE_STORE */
	int jwt_later;                      /* 1: the JWT secret is read at the first invocation (param.c) */
};

/* Reads _HANDLER and MAITRE_STORE into lc and the rest of the settings
 * (hook secret, JWT secret from MAITRE_JWT_SECRET or the SSM / Secrets
 * Manager parameter) into cfg. *error_type gets the Runtime API error type
 * of a failure ("Runtime.UnknownHandler", "Runtime.ConfigError"). */
int lambda_config_load(struct lambda_config *lc, struct mt_config *cfg, const char **error_type,
		       char **cause);

/* ---- param.c: secrets from a parameter store (NAME_SSM / NAME_ID). */

#define LAMBDA_PARAM_LATER 1   /* lambda_param_jwt_secret: to be read at the first invocation */

/* Reads the JWT secret named by MAITRE_JWT_SECRET_SSM (SSM Parameter Store,
 * SecureString, decrypted) or MAITRE_JWT_SECRET_ID (Secrets Manager) into
 * cfg. 0 when it was read, MT_ENOTFOUND when neither is set (nothing done),
 * MT_EINVAL / MT_EIO with *cause otherwise (two sources set, a short key,
 * the store refused). With PARAMETERS_SECRETS_EXTENSION_HTTP_PORT set, at
 * init (at_init 1) it reads nothing and returns LAMBDA_PARAM_LATER: the
 * extension answers only in the INVOKE phase; called again with at_init 0
 * at the first invocation, it asks the extension (within timeout_ms), then
 * the store's API when the extension fails. The value is never logged. */
int lambda_param_jwt_secret(struct mt_config *cfg, int at_init, int timeout_ms, char **cause);
/* The Parameters and Secrets extension's port (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT):
 * 1..65535, 0 when unset, MT_EINVAL with *cause when it is not a port. */
int lambda_param_extension_port(char **cause);
/* Reads each channel secret (MAITRE_SMS_TOKEN, MAITRE_SMTP_PASSWORD,
 * MAITRE_WEBHOOK_SECRET, MAITRE_SMS_HOOK_SECRET) named by NAME_SSM or
 * NAME_ID into this process's environment as NAME, for the wiring to read.
 * 0 when every one named was read (or none is named), MT_EINVAL / MT_EIO
 * with *cause otherwise. Values are never logged. */
int lambda_param_channel_secrets(char **cause);

/* ---- invoke.c: one invocation. */

/* Runs one invocation through handler h and posts its response or error;
 * writes its JSON log line to stdout. cold: 1 for the first one. Returns
 * 0, or MT_EIO when the Runtime API could not be told (the loop ends). */
int lambda_invoke(struct lambda_rt *rt, struct mt_ctx *ctx, const struct mt_handler *h,
		  struct lambda_invocation *inv, int cold);

#endif
