/* The JWT secret from a parameter store, read once at init through the
 * aws/ layer (SigV4 with Lambda's own credentials):
 *   MAITRE_JWT_SECRET_SSM  SSM Parameter Store name or ARN (SecureString):
 *                          AmazonSSM.GetParameter, WithDecryption
 *   MAITRE_JWT_SECRET_ID   Secrets Manager secret id or ARN (SecretString):
 *                          secretsmanager.GetSecretValue
 * MAITRE_SSM_ENDPOINT / MAITRE_SECRETSMANAGER_ENDPOINT replace the default
 * https://SERVICE.REGION.amazonaws.com (tests, VPC endpoints). The value is
 * held only in the configuration and zeroed everywhere else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <sodium.h>
#include "aws/aws.h"
#include "core/error.h"
#include "lambda/lambda.h"

#define PARAM_SECRET_MIN 32   /* bytes, as MAITRE_JWT_SECRET (auth/secret.c) */

/* Where one parameter store is asked. */
struct param_source {
	const char *env;        /* variable naming the parameter */
	const char *service;    /* SigV4 signing name */
	const char *target;     /* X-Amz-Target */
	const char *key;        /* request member carrying the name */
	const char *endpoint;   /* variable overriding the endpoint */
};

static const struct param_source param_ssm = {
	"MAITRE_JWT_SECRET_SSM", "ssm", "AmazonSSM.GetParameter", "Name", "MAITRE_SSM_ENDPOINT",
};
static const struct param_source param_sm = {
	"MAITRE_JWT_SECRET_ID", "secretsmanager", "secretsmanager.GetSecretValue", "SecretId",
	"MAITRE_SECRETSMANAGER_ENDPOINT",
};

/* Returns the non-empty value of an environment variable, or NULL. */
static const char *param_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
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

/* Takes the secret out of the answer into cfg. */
static int param_take(const struct param_source *src, const char *name, const char *body, size_t len,
		      struct mt_config *cfg, char **cause)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *v;
	size_t n;
	int r = 0;

	if (src == &param_ssm)
		v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "Parameter"), "Value");
	else
		v = cJSON_GetObjectItemCaseSensitive(j, "SecretString");
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		mt_set_cause(cause, "%s %s: the answer has no %s", src->target, name,
			     src == &param_ssm ? "Parameter.Value" : "SecretString (binary secrets are not supported)");
		r = MT_EIO;
	} else if ((n = strlen(v->valuestring)) < PARAM_SECRET_MIN) {
		mt_set_cause(cause, "the JWT secret in %s is %zu bytes long; it must be at least %d random bytes",
			     name, n, PARAM_SECRET_MIN);
		r = MT_EINVAL;
	} else if (n > sizeof cfg->jwt_secret) {
		mt_set_cause(cause, "the JWT secret in %s is %zu bytes long; at most %zu are used", name, n,
			     sizeof cfg->jwt_secret);
		r = MT_EINVAL;
	} else {
		memcpy(cfg->jwt_secret, v->valuestring, n);
		cfg->jwt_secret_len = n;
	}
	if (cJSON_IsString(v) && v->valuestring != NULL)
		sodium_memzero(v->valuestring, strlen(v->valuestring));
	cJSON_Delete(j);
	return r;
}

/* Reads the secret from one source. */
static int param_fetch(const struct param_source *src, const char *name, struct mt_config *cfg, char **cause)
{
	struct aws_client *c = NULL;
	struct aws_response resp;
	char *body, *why = NULL;
	int r;

	r = aws_client_from_env(NULL, param_env(src->endpoint), &c, &why);
	if (r != 0) {
		mt_set_cause(cause, "%s is set but AWS credentials are not: %s", src->env, why ? why : mt_strerror(r));
		free(why);
		return r;
	}
	body = param_request(src, name);
	if (body == NULL) {
		aws_client_free(c);
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	r = aws_request_json11(c, src->service, src->target, body, &resp);
	if (r != 0)
		mt_set_cause(cause, "cannot read the JWT secret (%s=%s): %s", src->env, name,
			     resp.cause ? resp.cause : mt_strerror(r));
	else
		r = param_take(src, name, resp.body, resp.body_len, cfg, cause);
	if (resp.body != NULL)
		sodium_memzero(resp.body, resp.body_len);
	aws_response_free(&resp);
	free(body);
	aws_client_free(c);
	return r;
}

/* Reads the JWT secret from SSM or Secrets Manager when one is named. */
int lambda_param_jwt_secret(struct mt_config *cfg, char **cause)
{
	const char *ssm = param_env(param_ssm.env), *sm = param_env(param_sm.env);

	if (ssm != NULL && sm != NULL) {
		mt_set_cause(cause, "set only one of MAITRE_JWT_SECRET_SSM and MAITRE_JWT_SECRET_ID");
		return MT_EINVAL;
	}
	if (ssm != NULL)
		return param_fetch(&param_ssm, ssm, cfg, cause);
	if (sm != NULL)
		return param_fetch(&param_sm, sm, cfg, cause);
	return MT_ENOTFOUND;
}
