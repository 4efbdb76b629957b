/* The credential chain after the environment (aws/creds.h):
 *  - container credentials (ECS task roles, EKS Pod Identity): GET
 *    AWS_CONTAINER_CREDENTIALS_FULL_URI, or http://169.254.170.2 +
 *    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, with the Authorization header
 *    from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or _TOKEN;
 *  - EC2 instance metadata, IMDSv2 only: PUT /latest/api/token for a session
 *    token, then the role name and its credentials with that token
 *    (AWS_EC2_METADATA_SERVICE_ENDPOINT replaces http://169.254.169.254).
 * Both answer {"AccessKeyId","SecretAccessKey","Token","Expiration"}. Short
 * timeouts (1 s to connect, 2 s in all), as the AWS SDKs use: off EC2 the
 * metadata address does not answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include "aws/aws.h"
#include "aws/creds.h"
#include "core/buf.h"
#include "core/error.h"

#define CREDS_ANSWER_MAX 16384                     /* largest answer read */
#define CREDS_IMDS_DEFAULT "http://169.254.169.254"
#define CREDS_CONTAINER_HOST "http://169.254.170.2"

/* Returns a non-empty environment value or NULL. */
static const char *creds_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* curl write callback into an mt_buf. */
static size_t creds_on_body(char *p, size_t size, size_t n, void *ud)
{
	return mt_buf_add(ud, p, size * n) == 0 ? size * n : 0;
}

/* One HTTP request (method "GET" or "PUT") with up to two extra headers;
 * the body goes to *out (malloc'd). 0 on a 200, else MT_EIO with a cause. */
static int creds_http(const char *method, const char *url, const char *h1, const char *h2, char **out,
		      char **cause)
{
	struct curl_slist *hdrs = NULL, *tmp = NULL;
	struct mt_buf b;
	CURL *h = curl_easy_init();
	long status = 0;
	CURLcode rc;

	*out = NULL;
	if (h == NULL) {
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	mt_buf_init(&b, CREDS_ANSWER_MAX);
	if (h1)
		tmp = hdrs = curl_slist_append(NULL, h1);
	if (h2 && (h1 == NULL || tmp))
		tmp = hdrs = curl_slist_append(hdrs, h2);
	if ((h1 || h2) && tmp == NULL) {
		curl_slist_free_all(hdrs);
		curl_easy_cleanup(h);
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "PUT") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_PROXY, "");   /* link-local: never through a proxy */
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, creds_on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	if (aws_ca_bundle() != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, aws_ca_bundle());
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK || status != 200) {
		mt_buf_free(&b);
		if (rc != CURLE_OK)
			mt_set_cause(cause, "%s %s: %s", method, url, curl_easy_strerror(rc));
		else
			mt_set_cause(cause, "%s %s: HTTP %ld", method, url, status);
		return MT_EIO;
	}
	*out = mt_buf_take(&b);
	if (*out == NULL) {
		mt_set_cause(cause, "out of memory");
		return MT_ENOMEM;
	}
	return 0;
}

/* Parses an ISO 8601 UTC time ("2026-12-03T18:00:00Z") into epoch ms; 0 when malformed. */
static int64_t creds_parse_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return (int64_t)timegm(&tm) * 1000;
}

/* Copies a string member into dst; 0, or -1 when absent or too long. */
static int creds_member(const cJSON *j, const char *name, char *dst, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);

	if (!cJSON_IsString(v) || strlen(v->valuestring) >= n)
		return -1;
	memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
	return 0;
}

/* Reads the credentials JSON (consumes and zeroes body). */
static int creds_parse(char *body, const char *from, struct aws_creds *out, char **cause)
{
	cJSON *j = cJSON_Parse(body);
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "Code");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "Expiration");
	int r = 0;

	aws_creds_clear(out);
	if (j == NULL || (cJSON_IsString(code) && strcmp(code->valuestring, "Success") != 0) ||
	    creds_member(j, "AccessKeyId", out->access_key, sizeof out->access_key) != 0 ||
	    creds_member(j, "SecretAccessKey", out->secret_key, sizeof out->secret_key) != 0 ||
	    (cJSON_GetObjectItemCaseSensitive(j, "Token") != NULL &&
	     creds_member(j, "Token", out->token, sizeof out->token) != 0)) {
		aws_creds_clear(out);
		mt_set_cause(cause, "%s: the answer holds no usable credentials", from);
		r = MT_EIO;
	} else {
		out->expires_ms = cJSON_IsString(exp) ? creds_parse_time(exp->valuestring) : 0;
	}
	if (j != NULL) {
		cJSON *k;

		for (k = j->child; k != NULL; k = k->next)
			if (cJSON_IsString(k) && k->valuestring)
				memset(k->valuestring, 0, strlen(k->valuestring));
	}
	cJSON_Delete(j);
	memset(body, 0, strlen(body));
	free(body);
	return r;
}

/* Container credentials. */
static int creds_container(struct aws_creds *out, char **cause)
{
	const char *full = creds_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *rel = creds_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *tok = creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *tok_file = creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	char url[1024], auth[2100] = "", filetok[2048];
	char *body = NULL;
	int r;

	if (full != NULL)
		snprintf(url, sizeof url, "%s", full);
	else
		snprintf(url, sizeof url, "%s%s", CREDS_CONTAINER_HOST, rel ? rel : "");
	if (tok_file != NULL) {
		FILE *f = fopen(tok_file, "r");
		size_t n = f ? fread(filetok, 1, sizeof filetok - 1, f) : 0;

		if (f)
			fclose(f);
		if (n == 0) {
			mt_set_cause(cause, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
			return MT_EIO;
		}
		filetok[n] = '\0';
		filetok[strcspn(filetok, "\r\n")] = '\0';
		snprintf(auth, sizeof auth, "Authorization: %s", filetok);
		memset(filetok, 0, sizeof filetok);
	} else if (tok != NULL) {
		snprintf(auth, sizeof auth, "Authorization: %s", tok);
	}
	r = creds_http("GET", url, auth[0] ? auth : NULL, NULL, &body, cause);
	memset(auth, 0, sizeof auth);
	if (r != 0)
		return r;
	return creds_parse(body, "container credentials", out, cause);
}

/* EC2 instance metadata, IMDSv2. */
static int creds_imds(struct aws_creds *out, char **cause)
{
	const char *base = creds_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	char url[1200], hdr[600], role[256];
	char *tok = NULL, *body = NULL;
	size_t bl;
	int r;

	if (base == NULL)
		base = CREDS_IMDS_DEFAULT;
	bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	snprintf(url, sizeof url, "%.*s/latest/api/token", (int)bl, base);
	r = creds_http("PUT", url, "X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL, &tok, cause);
	if (r != 0)
		return r;
	if (strlen(tok) >= sizeof hdr - 40 || strpbrk(tok, "\r\n")) {
		free(tok);
		mt_set_cause(cause, "instance metadata: bad session token");
		return MT_EIO;
	}
	snprintf(hdr, sizeof hdr, "X-aws-ec2-metadata-token: %s", tok);
	free(tok);
	snprintf(url, sizeof url, "%.*s/latest/meta-data/iam/security-credentials/", (int)bl, base);
	r = creds_http("GET", url, hdr, NULL, &body, cause);
	if (r != 0)
		return r;
	snprintf(role, sizeof role, "%.*s", (int)strcspn(body, "\r\n"), body);
	free(body);
	if (role[0] == '\0' || strpbrk(role, "/?#% ")) {
		mt_set_cause(cause, "instance metadata: no IAM role attached to the instance");
		return MT_EIO;
	}
	snprintf(url, sizeof url, "%.*s/latest/meta-data/iam/security-credentials/%s", (int)bl, base, role);
	r = creds_http("GET", url, hdr, NULL, &body, cause);
	memset(hdr, 0, sizeof hdr);
	if (r != 0)
		return r;
	return creds_parse(body, "instance metadata", out, cause);
}

/* Fetches credentials from one source. */
int aws_creds_fetch(enum aws_creds_source src, struct aws_creds *out, char **cause)
{
	switch (src) {
	case AWS_CREDS_CONTAINER:
		return creds_container(out, cause);
	case AWS_CREDS_IMDS:
		return creds_imds(out, cause);
	default:
		mt_set_cause(cause, "static credentials cannot be fetched");
		return MT_EINVAL;
	}
}

/* Walks the chain after the environment. */
int aws_creds_chain(int no_imds, enum aws_creds_source *src, struct aws_creds *out, char **cause)
{
	const char *off = creds_env("AWS_EC2_METADATA_DISABLED");

	if (creds_env("AWS_CONTAINER_CREDENTIALS_FULL_URI") || creds_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
		*src = AWS_CREDS_CONTAINER;
		return creds_container(out, cause);
	}
	if (no_imds || (off != NULL && strcmp(off, "true") == 0)) {
		mt_set_cause(cause, "no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
				    "or run with a container or instance role)");
		return MT_EINVAL;
	}
	*src = AWS_CREDS_IMDS;
	if (creds_imds(out, cause) != 0) {
		char *why = cause ? *cause : NULL;

		if (cause)
			*cause = NULL;
		mt_set_cause(cause, "no AWS credentials: none in the environment, no container endpoint, and the "
				    "instance metadata service did not give any (%s)", why ? why : "no answer");
		free(why);
		return MT_EINVAL;
	}
	return 0;
}

/* Zeroes credentials. */
void aws_creds_clear(struct aws_creds *c)
{
	volatile unsigned char *p = (volatile unsigned char *)c;
	size_t i;

	for (i = 0; i < sizeof *c; i++)
		p[i] = 0;
}
