/* Helpers shared by the queue back ends. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include "queue/queue.h"

#define QUEUE_RETRY_BASE_DEFAULT 10
#define QUEUE_RETRY_MAX_DEFAULT 900

/* Frees an array of n received messages. */
void queue_msgs_free(struct queue_msg *msgs, size_t n)
{
	size_t i;

	if (msgs == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(msgs[i].id);
		free(msgs[i].receipt);
		free(msgs[i].body);
	}
	free(msgs);
}

/* Visibility for a message that failed on its receive_count-th receive. */
int queue_backoff_seconds(const struct queue *q, int receive_count)
{
	int base = q->retry.base_s > 0 ? q->retry.base_s : QUEUE_RETRY_BASE_DEFAULT;
	int max = q->retry.max_s > 0 ? q->retry.max_s : QUEUE_RETRY_MAX_DEFAULT;
	long v = base;
	int i;

	if (max > 43200)
		max = 43200;  /* SQS limit: 12 hours */
	for (i = 1; i < receive_count && v < max; i++)
		v *= 2;
	return v > max ? max : (int)v;
}

/* Reads a positive integer environment variable; def when unset or bad. */
static int queue_env_int(const char *name, int def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || v > INT_MAX)
		return def;
	return (int)v;
}

/* Sets the retry policy from the environment or the defaults. */
void queue_retry_from_env(struct queue_retry *r)
{
	r->base_s = queue_env_int("MAITRE_RETRY_BASE_SECONDS", QUEUE_RETRY_BASE_DEFAULT);
	r->max_s = queue_env_int("MAITRE_RETRY_MAX_SECONDS", QUEUE_RETRY_MAX_DEFAULT);
}
