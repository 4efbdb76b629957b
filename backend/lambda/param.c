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
 * never logged; every copy but the one kept is zeroed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <sodium.h>
#include "aws/aws.h"
#include "core/error.h"
#include "lambda/lambda.h"

#define PARAM_SECRET_MIN 32     /* bytes of the JWT secret, as MAITRE_JWT_SECRET (auth/secret.c) */
#define PARAM_VALUE_MAX 4096    /* longest channel secret taken */

/* Where one parameter store is asked. */
struct param_source {
	const char *suffix;     /* appended to the secret's name: "_SSM" or "_ID" */
	const char *service;    /* SigV4 signing name */
	const char *target;     /* X-Amz-Target */
	const char *key;        /* request member carrying the name */
	const char *endpoint;   /* variable overriding the endpoint */
};

static const struct param_source param_ssm = {
	"_SSM", "ssm", "AmazonSSM.GetParameter", "Name", "MAITRE_SSM_ENDPOINT",
};
static const struct param_source param_sm = {
	"_ID", "secretsmanager", "secretsmanager.GetSecretValue", "SecretId", "MAITRE_SECRETSMANAGER_ENDPOINT",
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

/* Reads the JWT secret from SSM or Secrets Manager when one is named. */
int lambda_param_jwt_secret(struct mt_config *cfg, char **cause)
{
	struct param_clients pc = { NULL, NULL };
	char value[sizeof cfg->jwt_secret + 1];
	struct param_read rd;
	int r;

	memset(&rd, 0, sizeof rd);
	rd.name = "MAITRE_JWT_SECRET";
	r = param_source_of(rd.name, &rd.src, &rd.where, cause);
	if (r != 0)
		return r;
	rd.out = value;
	rd.out_size = sizeof value;
	rd.min = PARAM_SECRET_MIN;
	r = param_fetch(&pc, &rd, cause);
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
