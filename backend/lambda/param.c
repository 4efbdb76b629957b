/* Secrets from a parameter store, read once at init through the aws/ layer
 * (SigV4 with Lambda's own credentials). For each secret NAME below, the
 * function's environment may name where it is instead of holding it:
 *   NAME_SSM  SSM Parameter Store name or ARN (SecureString):
 *             AmazonSSM.GetParameter, WithDecryption
 *   NAME_ID   Secrets Manager secret id or ARN (SecretString):
 *             secretsmanager.GetSecretValue
 * Secrets: MAITRE_JWT_SECRET (into the configuration), and the channel
 * secrets MAITRE_SMS_TOKEN, MAITRE_SMTP_PASSWORD, MAITRE_WEBHOOK_SECRET and
 * MAITRE_SMS_HOOK_SECRET, which are put in this process's environment
 * under NAME (setenv, not visible in /proc/PID/environ nor in the
 * function's configuration) for the wiring to read as maitred does.
 * At most one source per secret: NAME, NAME_SSM or NAME_ID.
 * MAITRE_SSM_ENDPOINT / MAITRE_SECRETSMANAGER_ENDPOINT replace the default
 * https://SERVICE.REGION.amazonaws.com (tests, VPC endpoints). A value is
 * never logged; every copy but the one kept is zeroed.
 *
 * The JWT secret may instead come through the AWS Parameters and Secrets
 * Lambda Extension (a layer) when PARAMETERS_SECRETS_EXTENSION_HTTP_PORT is
 * set (deploy/template.yaml sets it with the layer): plain HTTP on
 * 127.0.0.1:PORT, GET /systemsmanager/parameters/get?name=...&withDecryption=true
 * or /secretsmanager/get?secretId=..., header X-Aws-Parameters-Secrets-Token =
 * AWS_SESSION_TOKEN, answering what GetParameter / GetSecretValue answer.
 * (127.0.0.1, then ::1). It needs no libcurl, no TLS and no signing here. AWS serves it
 * only in the INVOKE phase, not during INIT: the secret is then read at the
 * first invocation, before its handler runs, and when the extension fails,
 * from the store's API as above (one warning line, never the value). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <sodium.h>
#include "aws/aws.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "lambda/lambda.h"

#define PARAM_SECRET_MIN 32     /* bytes of the JWT secret, as MAITRE_JWT_SECRET (auth/secret.c) */
#define PARAM_VALUE_MAX 4096    /* longest channel secret taken */
#define PARAM_EXT_PORT_VAR "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"   /* the extension's port (its own setting) */
#define PARAM_EXT_ANSWER_MAX 262144   /* an extension answer kept (GetSecretValue's JSON of a 64 KB secret) */

/* Where one parameter store is asked. */
struct param_source {
	const char *suffix;     /* appended to the secret's name: "_SSM" or "_ID" */
	const char *service;    /* SigV4 signing name */
	const char *target;     /* X-Amz-Target */
	const char *key;        /* request member carrying the name */
	const char *endpoint;   /* variable overriding the endpoint */
	const char *ext_path;   /* the extension's path for it, up to the URL-encoded name */
};

static const struct param_source param_ssm = {
	"_SSM", "ssm", "AmazonSSM.GetParameter", "Name", "MAITRE_SSM_ENDPOINT",
	"/systemsmanager/parameters/get?withDecryption=true&name=",
};
static const struct param_source param_sm = {
	"_ID", "secretsmanager", "secretsmanager.GetSecretValue", "SecretId", "MAITRE_SECRETSMANAGER_ENDPOINT",
	"/secretsmanager/get?secretId=",
};

/* The channel secrets a parameter store may hold (the JWT secret is apart:
 * it goes into the configuration, not the environment). */
static const char *const param_channel_names[] = {
	"MAITRE_SMS_TOKEN", "MAITRE_SMTP_PASSWORD", "MAITRE_WEBHOOK_SECRET", "MAITRE_SMS_HOOK_SECRET", NULL,
};

/* One secret being read. */
struct param_read {
	const char *name;                 /* the secret's variable (MAITRE_SMS_TOKEN ...) */
	const struct param_source *src;   /* where it is */
	const char *where;                /* the parameter's name or ARN */
	char *out;                        /* where the value goes */
	size_t out_size;                  /* its size: a value must be shorter */
	size_t min;                       /* shortest value accepted */
	size_t len;                       /* out: the value's length */
};

/* Returns the non-empty value of an environment variable, or NULL. */
static const char *param_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* The non-empty value of NAME + suffix, or NULL. */
static const char *param_env2(const char *name, const char *suffix)
{
	char var[96];

	snprintf(var, sizeof var, "%s%s", name, suffix);
	return param_env(var);
}

/* Finds the source of secret name: 0 with *src and *where set, MT_ENOTFOUND
 * when no store is named, MT_EINVAL when more than one source is set. */
static int param_source_of(const char *name, const struct param_source **src, const char **where, char **cause)
{
	const char *ssm = param_env2(name, param_ssm.suffix), *sm = param_env2(name, param_sm.suffix);

	*src = NULL;
	*where = NULL;
	if (ssm != NULL && sm != NULL) {
		mt_set_cause(cause, "set only one of %s_SSM and %s_ID", name, name);
		return MT_EINVAL;
	}
	if (ssm == NULL && sm == NULL)
		return MT_ENOTFOUND;
	if (getenv(name) != NULL) {
		mt_set_cause(cause, "%s and a secret parameter (%s%s) are both set: keep one", name, name,
			     ssm ? "_SSM" : "_ID");
		return MT_EINVAL;
	}
	*src = ssm ? &param_ssm : &param_sm;
	*where = ssm ? ssm : sm;
	return 0;
}

/* Builds the request body for source src and parameter name. */
static char *param_request(const struct param_source *src, const char *name)
{
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;

	if (o != NULL && cJSON_AddStringToObject(o, src->key, name) &&
	    (src != &param_ssm || cJSON_AddTrueToObject(o, "WithDecryption")))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Takes the value out of the answer into rd->out. */
static int param_take(struct param_read *rd, const char *body, size_t len, char **cause)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *v;
	size_t n;
	int r = 0;

	if (rd->src == &param_ssm)
		v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "Parameter"), "Value");
	else
		v = cJSON_GetObjectItemCaseSensitive(j, "SecretString");
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		mt_set_cause(cause, "%s %s: the answer has no %s", rd->src->target, rd->where,
			     rd->src == &param_ssm ? "Parameter.Value" : "SecretString (binary secrets are not supported)");
		r = MT_EIO;
	} else if ((n = strlen(v->valuestring)) < rd->min) {
		if (rd->min > 1)
			mt_set_cause(cause, "the %s in %s is %zu bytes long; it must be at least %zu random bytes",
				     rd->name, rd->where, n, rd->min);
		else
			mt_set_cause(cause, "the %s in %s is empty", rd->name, rd->where);
		r = MT_EINVAL;
	} else if (n >= rd->out_size) {
		mt_set_cause(cause, "the %s in %s is %zu bytes long; at most %zu are taken", rd->name, rd->where, n,
			     rd->out_size - 1);
		r = MT_EINVAL;
	} else {
		memcpy(rd->out, v->valuestring, n + 1);
		rd->len = n;
	}
	if (cJSON_IsString(v) && v->valuestring != NULL)
		sodium_memzero(v->valuestring, strlen(v->valuestring));
	cJSON_Delete(j);
	return r;
}

/* The clients of the two stores, made at first use: several secrets in
 * one store share a client (and its connection). */
struct param_clients {
	struct aws_client *ssm;   /* SSM Parameter Store, NULL until needed */
	struct aws_client *sm;    /* Secrets Manager, NULL until needed */
};

/* Frees the clients. */
static void param_clients_free(struct param_clients *pc)
{
	aws_client_free(pc->ssm);
	aws_client_free(pc->sm);
	pc->ssm = pc->sm = NULL;
}

/* Reads one secret into rd->out. */
static int param_fetch(struct param_clients *pc, struct param_read *rd, char **cause)
{
	struct aws_client **c = rd->src == &param_ssm ? &pc->ssm : &pc->sm;
	struct aws_response resp;
	char *body, *why = NULL;
	int r;

	if (*c == NULL) {
		r = aws_client_from_env(NULL, param_env(rd->src->endpoint), c, &why);
		if (r != 0) {
			mt_set_cause(cause, "%s%s is set but AWS credentials are not: %s", rd->name, rd->src->suffix,
				     why ? why : mt_strerror(r));
			free(why);
			return r;
		}
	}
	body = param_request(rd->src, rd->where);
	if (body == NULL) {
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	r = aws_request_json11(*c, rd->src->service, rd->src->target, body, &resp);
	if (r != 0)
		mt_set_cause(cause, "cannot read the %s (%s%s=%s): %s", rd->name, rd->name, rd->src->suffix, rd->where,
			     resp.cause ? resp.cause : mt_strerror(r));
	else
		r = param_take(rd, resp.body, resp.body_len, cause);
	if (resp.body != NULL)
		sodium_memzero(resp.body, resp.body_len);
	aws_response_free(&resp);
	free(body);
	return r;
}

/* The extension's port from PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: 1..65535,
 * 0 when unset (no extension), MT_EINVAL when not a port. */
int lambda_param_extension_port(char **cause)
{
	const char *v = param_env(PARAM_EXT_PORT_VAR);
	char *end = NULL;
	long port;

	if (v == NULL)
		return 0;
	errno = 0;
	port = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || port < 1 || port > 65535) {
		mt_set_cause(cause, "%s is not a port number (1-65535)", PARAM_EXT_PORT_VAR);
		return MT_EINVAL;
	}
	return (int)port;
}

/* Appends s to b, URL-encoded (everything but unreserved characters as %XX). */
static int param_urlencode(struct mt_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;

	for (; *s != '\0' && r == 0; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '_' || c == '.' || c == '~') {
			r = mt_buf_add(b, s, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			r = mt_buf_add(b, e, sizeof e);
		}
	}
	return r;
}

/* 1 when a session token can go in a header line as it is. */
static int param_token_ok(const char *t)
{
	size_t i;

	for (i = 0; t[i]; i++)
		if ((unsigned char)t[i] < 0x21 || t[i] == 0x7f)
			return 0;
	return i > 0 && i < 3000;
}

/* Reads one secret through the Parameters and Secrets extension on
 * 127.0.0.1:port into rd->out, within timeout_ms. */
static int param_fetch_ext(struct param_read *rd, int port, int timeout_ms, char **cause)
{
	const char *token = getenv("AWS_SESSION_TOKEN");
	struct lambda_rt *rt = NULL;
	struct mt_buf path, extra, answer;
	char api[32], *why = NULL;
	long status = 0;
	int r, i;

	if (token == NULL || !param_token_ok(token)) {
		mt_set_cause(cause, "AWS_SESSION_TOKEN (the extension's X-Aws-Parameters-Secrets-Token) is %s",
			     token == NULL || token[0] == '\0' ? "not set" : "not a header value");
		return MT_EINVAL;
	}
	mt_buf_init(&path, 8192);
	mt_buf_init(&extra, 4096);
	mt_buf_init(&answer, PARAM_EXT_ANSWER_MAX);
	r = mt_buf_adds(&path, rd->src->ext_path);
	if (r == 0)
		r = param_urlencode(&path, rd->where);
	if (r == 0)
		r = mt_buf_printf(&extra, "X-Aws-Parameters-Secrets-Token: %s\r\n", token);
	if (r != 0) {
		mt_set_cause(cause, "the parameter name is too long");
		goto out;
	}
	/* AWS documents "localhost": IPv4's loopback first, then IPv6's */
	for (i = 0; i < 2; i++) {
		snprintf(api, sizeof api, i == 0 ? "127.0.0.1:%d" : "[::1]:%d", port);
		free(why);
		why = NULL;
		lambda_rt_close(rt);
		rt = NULL;
		mt_buf_free(&answer);
		r = lambda_rt_open(api, &rt, &why);
		if (r == 0)
			r = lambda_rt_get(rt, path.data, extra.data, &answer, &status, timeout_ms, &why);
		if (r == 0)
			break;
	}
	if (r != 0) {
		mt_set_cause(cause, "the extension on port %d: %s", port, why ? why : mt_strerror(r));
		goto out;
	}
	if (status != 200) {
		mt_set_cause(cause, "the extension on %s answered HTTP %ld for %s", api, status, rd->where);
		r = MT_EIO;
		goto out;
	}
	r = param_take(rd, answer.data ? answer.data : "", answer.len, cause);
out:
	if (answer.data != NULL)
		sodium_memzero(answer.data, answer.len);
	if (extra.data != NULL)
		sodium_memzero(extra.data, extra.len);
	mt_buf_free(&answer);
	mt_buf_free(&extra);
	mt_buf_free(&path);
	lambda_rt_close(rt);
	free(why);
	return r;
}

/* Writes the line saying where a secret was read from and how long it took (never the value). */
static void param_log_read(const char *name, const char *via, int64_t start_ms)
{
	printf("{\"level\":\"info\",\"msg\":\"secret read\",\"secret\":\"%s\",\"via\":\"%s\",\"ms\":%lld}\n", name,
	       via, (long long)(mt_clock_mono_ms() - start_ms));
	fflush(stdout);
}

/* Reads the JWT secret from SSM or Secrets Manager when one is named. */
int lambda_param_jwt_secret(struct mt_config *cfg, int at_init, int timeout_ms, char **cause)
{
	struct param_clients pc = { NULL, NULL };
	char value[sizeof cfg->jwt_secret + 1];
	struct param_read rd;
	int64_t start_ms = mt_clock_mono_ms();
	int r, port;

	memset(&rd, 0, sizeof rd);
	rd.name = "MAITRE_JWT_SECRET";
	r = param_source_of(rd.name, &rd.src, &rd.where, cause);
	if (r != 0)
		return r;
	port = lambda_param_extension_port(cause);
	if (port < 0)
		return port;
	if (port > 0 && at_init)
		return LAMBDA_PARAM_LATER;   /* the extension does not answer during INIT */
	rd.out = value;
	rd.out_size = sizeof value;
	rd.min = PARAM_SECRET_MIN;
	r = MT_ENOTFOUND;
	if (port > 0) {
		char *why = NULL;

		r = param_fetch_ext(&rd, port, timeout_ms, &why);
		if (r == 0) {
			param_log_read(rd.name, "extension", start_ms);
		} else {
			/* one line, naming the parameter, never a value; then the API */
			mt_log("warn", "the Parameters and Secrets extension did not give the secret: reading it from "
				       "the store's API", "secret", rd.name, "store", rd.src->service, "why",
			       why ? why : "?", (const char *)NULL);
			free(why);
		}
	}
	if (r != 0) {
		r = param_fetch(&pc, &rd, cause);
		if (r == 0)
			param_log_read(rd.name, rd.src->service, start_ms);
	}
	if (r == 0) {
		memcpy(cfg->jwt_secret, value, rd.len);
		cfg->jwt_secret_len = rd.len;
	}
	sodium_memzero(value, sizeof value);
	param_clients_free(&pc);
	return r;
}

/* Reads the channel secrets named by NAME_SSM / NAME_ID into the environment. */
int lambda_param_channel_secrets(char **cause)
{
	struct param_clients pc = { NULL, NULL };
	char *value = malloc(PARAM_VALUE_MAX);
	struct param_read rd;
	size_t i;
	int r = 0;

	if (value == NULL) {
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	for (i = 0; param_channel_names[i] != NULL && r == 0; i++) {
		memset(&rd, 0, sizeof rd);
		rd.name = param_channel_names[i];
		r = param_source_of(rd.name, &rd.src, &rd.where, cause);
		if (r == MT_ENOTFOUND) {
			r = 0;
			continue;
		}
		if (r != 0)
			break;
		rd.out = value;
		rd.out_size = PARAM_VALUE_MAX;
		rd.min = 1;
		r = param_fetch(&pc, &rd, cause);
		if (r == 0 && setenv(rd.name, value, 1) != 0) {
			mt_set_cause(cause, "out of memory");
			r = MT_ENOMEM;
		}
		sodium_memzero(value, PARAM_VALUE_MAX);
	}
	free(value);
	param_clients_free(&pc);
	return r;
}
