/* The AWS request layer: one signed POST to an AWS JSON 1.0 service
 * (DynamoDB, SQS, ...) through libcurl's CURLOPT_AWS_SIGV4, with retries
 * (exponential backoff, full jitter, bounded in tries and in time), error
 * mapping, and per-target request counters. See docs/aws.md.
 *
 * Contract:
 * - aws_request() returns 0 when the service answered 2xx; out->body holds
 *   the answer. Otherwise it returns a negative MT_E* code:
 *     MT_EIO    the service refused the request with an error that is not
 *               retried (out->error_type names it, e.g.
 *               "ConditionalCheckFailedException", "ValidationException";
 *               out->http_status is set), or a transport / 5xx failure that
 *               did not clear within the retry budget;
 *     MT_EBUSY  throttling (ThrottlingException,
 *               ProvisionedThroughputExceededException, RequestLimitExceeded,
 *               ...) that did not clear within the retry budget;
 *     MT_ENOMEM allocation failed; MT_EINVAL bad arguments.
 *   In every case out->cause is a malloc'd one-line English message (or
 *   NULL on success) that never contains credentials.
 *   Callers map out->error_type to their own codes (aws_error_is()).
 * - Retried: HTTP 5xx, 429, the throttling types above, InternalServerError,
 *   ServiceUnavailable, and curl transport errors (connect, timeouts,
 *   send/receive). Never retried: any other 4xx, in particular
 *   ConditionalCheckFailedException and ValidationException.
 * - Thread-safe: one client may be used from many threads at once. Easy
 *   handles (and their kept-alive connections) are pooled inside the client.
 * - Credentials are copied into the client; they are never logged and never
 *   appear in causes.
 */
#ifndef MT_AWS_H
#define MT_AWS_H

#include <stddef.h>
#include <stdint.h>

struct aws_client;

/* How to reach and sign for a service. Strings are copied by aws_client_new. */
struct aws_client_config {
	const char *region;          /* e.g. "eu-west-1" (required) */
	const char *endpoint;        /* base URL, e.g. "http://127.0.0.1:8000"; NULL = https://SERVICE.REGION.amazonaws.com */
	const char *access_key;      /* AWS_ACCESS_KEY_ID (required) */
	const char *secret_key;      /* AWS_SECRET_ACCESS_KEY (required) */
	const char *session_token;   /* AWS_SESSION_TOKEN or NULL */
	int max_tries;               /* attempts per request, 0 = default 5 */
	int max_total_ms;            /* retry budget per request, 0 = default 2000 */
	int base_delay_ms;           /* first backoff ceiling, 0 = default 25 */
	int max_delay_ms;            /* backoff ceiling cap, 0 = default 500 */
	int attempt_timeout_ms;      /* timeout of one HTTP attempt, 0 = default 5000 */
	int use_chain;               /* 1: without keys, the container endpoint, then IMDSv2 (aws/creds.h),
	                              * refreshed before they expire; 0: missing keys are MT_EINVAL */
};

/* The result of one request (logical call, all attempts). */
struct aws_response {
	long http_status;            /* last HTTP status, 0 = no answer (transport error) */
	char *body;                  /* answer body (malloc'd, NUL-terminated) or NULL */
	size_t body_len;             /* bytes in body */
	char error_type[128];        /* short AWS error type ("ThrottlingException"), "" = none */
	char *cause;                 /* malloc'd message on failure, NULL on success */
	int tries;                   /* HTTP attempts made */
};

/* Counters of one X-Amz-Target since the client was made (or reset). */
struct aws_target_count {
	char target[96];             /* e.g. "DynamoDB_20120810.Query" */
	uint64_t calls;              /* aws_request() calls */
	uint64_t attempts;           /* HTTP attempts (calls + retries) */
	uint64_t errors;             /* calls that ended in an error */
};

/* Makes a client. 0 or MT_EINVAL (missing region/keys, cause set) / MT_ENOMEM. */
int aws_client_new(const struct aws_client_config *cfg, struct aws_client **out, char **cause);

/* Makes a client from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN and AWS_REGION; region/endpoint arguments override the
 * environment when non-NULL. Without keys in the environment, the standard
 * chain: ECS/EKS container credentials, then EC2 instance metadata (IMDSv2;
 * not for a loopback endpoint, and not with AWS_EC2_METADATA_DISABLED=true),
 * renewed 5 minutes before they expire. MT_EINVAL with a cause when no
 * source has credentials. */
int aws_client_from_env(const char *region, const char *endpoint, struct aws_client **out,
			char **cause);

/* Frees the client and its pooled handles. */
void aws_client_free(struct aws_client *c);

/* The client's region (borrowed). */
const char *aws_client_region(const struct aws_client *c);

/* POSTs json_body to the service with header X-Amz-Target: target, signed
 * with SigV4 for `service` ("dynamodb", "sqs"). Fills *out (free it with
 * aws_response_free whatever the result). See the contract above. */
int aws_request(struct aws_client *c, const char *service, const char *target,
		const char *json_body, struct aws_response *out);

/* As aws_request for a service of the AWS JSON 1.1 protocol (SSM
 * "AmazonSSM.GetParameter", Secrets Manager "secretsmanager.GetSecretValue"):
 * the same signing, retries and contract, Content-Type
 * application/x-amz-json-1.1. */
int aws_request_json11(struct aws_client *c, const char *service, const char *target,
		       const char *json_body, struct aws_response *out);

/* The CA bundle every libcurl handle of ours should use, or NULL to keep
 * libcurl's built-in one: SSL_CERT_FILE when set; else libcurl's default
 * when that file exists; else the first that exists of the usual places.
 * A bootstrap built on Debian carries a libcurl that looks for
 * /etc/ssl/certs/ca-certificates.crt, which Lambda's Amazon Linux lacks
 * (it has /etc/pki/tls/certs/ca-bundle.crt). Chosen once. */
const char *aws_ca_bundle(void);

/* Frees what a response holds and zeroes it. */
void aws_response_free(struct aws_response *r);

/* 1 when the response failed with this AWS error type (short name). */
int aws_error_is(const struct aws_response *r, const char *type);

/* Calls made for one target since creation/reset (0 when never called). */
uint64_t aws_client_calls(struct aws_client *c, const char *target);

/* Copies up to max per-target counters into out; returns how many exist. */
size_t aws_client_counts(struct aws_client *c, struct aws_target_count *out, size_t max);

/* Totals over every target: calls and HTTP attempts. */
void aws_client_totals(struct aws_client *c, uint64_t *calls, uint64_t *attempts);

/* Zeroes every counter. */
void aws_client_counts_reset(struct aws_client *c);

#endif
