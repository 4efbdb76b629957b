/* The AWS credential chain beyond the environment (aws.c uses it when
 * AWS_ACCESS_KEY_ID is not set): ECS/EKS container credentials, then EC2
 * instance metadata with IMDSv2 session tokens. Credentials fetched this way
 * expire; aws.c fetches them again AWS_CREDS_REFRESH_MS before they do.
 * Errors: 0 or MT_E* with *cause malloc'd (never containing a key). */
#ifndef MT_AWS_CREDS_H
#define MT_AWS_CREDS_H

#include <stdint.h>

#define AWS_CREDS_REFRESH_MS (5 * 60 * 1000)   /* refresh this long before Expiration */

/* Where a client's credentials come from. */
enum aws_creds_source {
	AWS_CREDS_STATIC = 0,   /* given (environment or configuration): never refreshed */
	AWS_CREDS_CONTAINER,    /* AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI */
	AWS_CREDS_IMDS,         /* EC2 instance metadata, IMDSv2 */
};

/* One set of credentials. */
struct aws_creds {
	char access_key[128];   /* AccessKeyId */
	char secret_key[128];   /* SecretAccessKey (never logged) */
	char token[4096];       /* Token, "" when none (never logged) */
	int64_t expires_ms;     /* Expiration, epoch ms; 0 = does not expire */
};

/* Fetches credentials from src (not AWS_CREDS_STATIC). */
int aws_creds_fetch(enum aws_creds_source src, struct aws_creds *out, char **cause);

/* Walks the chain after the environment: the container endpoint when its
 * variables are set, else IMDSv2 unless AWS_EC2_METADATA_DISABLED=true or
 * no_imds. *src gets the source that answered. MT_EINVAL when no source is
 * configured or answers. */
int aws_creds_chain(int no_imds, enum aws_creds_source *src, struct aws_creds *out, char **cause);

/* Zeroes a credentials record. */
void aws_creds_clear(struct aws_creds *c);

#endif
