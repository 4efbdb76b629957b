/* Amazon SQS over the AWS JSON 1.0 protocol (X-Amz-Target: AmazonSQS.*),
 * signed and retried by the AWS request layer (aws/aws.h).
 *
 * send_batch: SendMessageBatch; entries listed under "Failed" with
 * SenderFault false (the service's fault) are sent again, up to
 * QUEUE_SQS_ENTRY_TRIES times in all, with a short pause; entries the
 * service blames on us (SenderFault true) fail at once with MT_EINVAL.
 * receive: ReceiveMessage with long polling (WaitTimeSeconds is whole
 * seconds: wait_ms is rounded up), asking for ApproximateReceiveCount and
 * SentTimestamp. An empty answer body means no messages. Dead-lettering
 * is the queue's redrive policy (maxReceiveCount 5, set up by deployment);
 * depth() follows the RedrivePolicy to count the dead-letter queue. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "aws/aws.h"
#include "core/error.h"
#include "queue/queue.h"

#define QUEUE_SQS_ENTRY_TRIES 3

/* An SQS queue. */
struct queue_sqs {
	struct queue base;          /* ops and retry policy; first member */
	struct aws_client *aws;     /* signed requests */
	char *url;                  /* QueueUrl */
	pthread_mutex_t lock;       /* guards dlq_url */
	char *dlq_url;              /* dead-letter queue URL, found on first depth() (NULL = none/unknown) */
	int dlq_looked;             /* 1 once the redrive policy was read */
};

/* Maps a failed request to an MT_E* code. */
static int queue_sqs_map(const struct aws_response *r, int err)
{
	if (err == MT_EIO) {
		if (aws_error_is(r, "QueueDoesNotExist") || aws_error_is(r, "NonExistentQueue") ||
		    aws_error_is(r, "MessageNotInflight"))
			return MT_ENOTFOUND;
		if (aws_error_is(r, "ReceiptHandleIsInvalid") || aws_error_is(r, "InvalidParameterValue") ||
		    aws_error_is(r, "ValidationException") || aws_error_is(r, "InvalidAddress") ||
		    aws_error_is(r, "MissingParameter"))
			return MT_EINVAL;
	}
	return err;
}

/* Makes one SQS call with a JSON body object (consumed). On success
 * *answer is the parsed answer (an empty object for an empty body). */
static int queue_sqs_call(struct queue_sqs *q, const char *action, cJSON *req, cJSON **answer, char **cause)
{
	struct aws_response r;
	char target[64];
	char *text;
	int err;

	*answer = NULL;
	memset(&r, 0, sizeof r);
	text = req ? cJSON_PrintUnformatted(req) : NULL;
	cJSON_Delete(req);
	if (text == NULL)
		return MT_ENOMEM;
	snprintf(target, sizeof target, "AmazonSQS.%s", action);
	err = aws_request(q->aws, "sqs", target, text, &r);
	free(text);
	if (err != 0) {
		mt_set_cause(cause, "sqs %s: %s", action, r.cause ? r.cause : mt_strerror(err));
		err = queue_sqs_map(&r, err);
		aws_response_free(&r);
		return err;
	}
	if (r.body == NULL || r.body_len == 0)
		*answer = cJSON_CreateObject();
	else
		*answer = cJSON_ParseWithLength(r.body, r.body_len);
	aws_response_free(&r);
	if (*answer == NULL || !cJSON_IsObject(*answer)) {
		cJSON_Delete(*answer);
		*answer = NULL;
		mt_set_cause(cause, "sqs %s: answer is not a JSON object", action);
		return MT_EIO;
	}
	return 0;
}

/* A request object with QueueUrl set (NULL when out of memory). */
static cJSON *queue_sqs_req(const char *url)
{
	cJSON *o = cJSON_CreateObject();

	if (o && !cJSON_AddStringToObject(o, "QueueUrl", url)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Sleeps ms milliseconds. */
static void queue_sqs_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Index k of the batch entry an answer item names by its Id "e<k>", when
 * k < n and the entry is still pending; else -1. */
static long queue_sqs_entry(const cJSON *item, const int *pending, size_t n)
{
	const cJSON *eid = cJSON_GetObjectItemCaseSensitive(item, "Id");
	char *end;
	long k;

	if (!cJSON_IsString(eid) || eid->valuestring[0] != 'e')
		return -1;
	k = strtol(eid->valuestring + 1, &end, 10);
	if (*end != '\0' || k < 0 || (size_t)k >= n || !pending[k])
		return -1;
	return k;
}

/* Sends n messages; failed entries the service blames on itself are retried. */
static int queue_sqs_send_batch(struct queue *base, const struct queue_entry *entries, size_t n,
				int *results, char **cause)
{
	struct queue_sqs *q = (struct queue_sqs *)base;
	int pending[QUEUE_BATCH_MAX];
	size_t i, left;
	int tries, err = 0;

	if (n == 0 || n > QUEUE_BATCH_MAX || entries == NULL || results == NULL)
		return MT_EINVAL;
	for (i = 0; i < n; i++) {
		if (entries[i].body == NULL || strlen(entries[i].body) > QUEUE_BODY_MAX ||
		    entries[i].delay_s < 0 || entries[i].delay_s > 900) {
			for (size_t k = 0; k < n; k++)
				results[k] = MT_EINVAL;
			mt_set_cause(cause, "sqs: entry %zu: bad body or delay", i);
			return MT_EINVAL;
		}
		pending[i] = 1;
		results[i] = MT_EIO;
	}
	left = n;
	for (tries = 0; tries < QUEUE_SQS_ENTRY_TRIES && left > 0; tries++) {
		cJSON *req = queue_sqs_req(q->url), *arr, *ans = NULL, *item;
		char id[16];

		if (tries > 0)
			queue_sqs_sleep(50L << tries);
		arr = req ? cJSON_AddArrayToObject(req, "Entries") : NULL;
		if (arr == NULL) {
			cJSON_Delete(req);
			err = MT_ENOMEM;
			break;
		}
		for (i = 0; i < n; i++) {
			cJSON *e;

			if (!pending[i])
				continue;
			e = cJSON_CreateObject();
			snprintf(id, sizeof id, "e%zu", i);
			if (e == NULL || !cJSON_AddItemToArray(arr, e) || !cJSON_AddStringToObject(e, "Id", id) ||
			    !cJSON_AddStringToObject(e, "MessageBody", entries[i].body) ||
			    (entries[i].delay_s > 0 && !cJSON_AddNumberToObject(e, "DelaySeconds", entries[i].delay_s))) {
				cJSON_Delete(req);
				req = NULL;
				break;
			}
		}
		if (req == NULL) {
			err = MT_ENOMEM;
			break;
		}
		err = queue_sqs_call(q, "SendMessageBatch", req, &ans, cause);
		if (err != 0)
			break;
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(ans, "Successful")) {
			long k = queue_sqs_entry(item, pending, n);

			if (k < 0)
				continue;
			pending[k] = 0;
			results[k] = 0;
			left--;
		}
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(ans, "Failed")) {
			const cJSON *fault = cJSON_GetObjectItemCaseSensitive(item, "SenderFault");
			const cJSON *code = cJSON_GetObjectItemCaseSensitive(item, "Code");
			long k = queue_sqs_entry(item, pending, n);

			if (k < 0)
				continue;
			mt_set_cause(cause, "sqs SendMessageBatch: entry %ld failed: %s", k,
					cJSON_IsString(code) ? code->valuestring : "unknown");
			if (cJSON_IsTrue(fault)) {
				pending[k] = 0;
				results[k] = MT_EINVAL;
				left--;
			} else {
				results[k] = MT_EBUSY;
			}
		}
		cJSON_Delete(ans);
	}
	if (err != 0) {
		for (i = 0; i < n; i++)
			if (pending[i])
				results[i] = err;
		/* Some entries may have gone through on an earlier try. */
		return left == n ? err : 0;
	}
	return 0;
}

/* Copies a string member (or "") as a malloc'd string. */
static char *queue_sqs_strdup_member(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return strdup(cJSON_IsString(v) ? v->valuestring : "");
}

/* Reads a string attribute holding a number (0 when absent). */
static long long queue_sqs_attr_num(const cJSON *attrs, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(attrs, name);

	if (cJSON_IsString(v))
		return strtoll(v->valuestring, NULL, 10);
	if (cJSON_IsNumber(v))
		return (long long)v->valuedouble;
	return 0;
}

/* Receives up to max messages. */
static int queue_sqs_receive(struct queue *base, int max, int wait_ms, int visibility_s,
			     struct queue_msg **msgs, size_t *n, char **cause)
{
	struct queue_sqs *q = (struct queue_sqs *)base;
	struct queue_msg *out = NULL;
	cJSON *req, *ans = NULL, *names, *list, *item;
	size_t got = 0;
	int err;

	*msgs = NULL;
	*n = 0;
	if (max < 1 || max > QUEUE_BATCH_MAX || wait_ms < 0 || wait_ms > 20000 ||
	    visibility_s < 0 || visibility_s > 43200)
		return MT_EINVAL;
	req = queue_sqs_req(q->url);
	if (req == NULL || !cJSON_AddNumberToObject(req, "MaxNumberOfMessages", max) ||
	    !cJSON_AddNumberToObject(req, "WaitTimeSeconds", (wait_ms + 999) / 1000) ||
	    !cJSON_AddNumberToObject(req, "VisibilityTimeout", visibility_s)) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	names = cJSON_AddArrayToObject(req, "AttributeNames");
	if (names == NULL ||
	    !cJSON_AddItemToArray(names, cJSON_CreateString("ApproximateReceiveCount")) ||
	    !cJSON_AddItemToArray(names, cJSON_CreateString("SentTimestamp"))) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	names = cJSON_AddArrayToObject(req, "MessageSystemAttributeNames");
	if (names == NULL ||
	    !cJSON_AddItemToArray(names, cJSON_CreateString("ApproximateReceiveCount")) ||
	    !cJSON_AddItemToArray(names, cJSON_CreateString("SentTimestamp"))) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	err = queue_sqs_call(q, "ReceiveMessage", req, &ans, cause);
	if (err != 0)
		return err;
	list = cJSON_GetObjectItemCaseSensitive(ans, "Messages");
	if (cJSON_IsArray(list) && cJSON_GetArraySize(list) > 0) {
		out = calloc((size_t)cJSON_GetArraySize(list), sizeof *out);
		if (out == NULL) {
			cJSON_Delete(ans);
			return MT_ENOMEM;
		}
		cJSON_ArrayForEach(item, list) {
			const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(item, "Attributes");
			struct queue_msg *m = &out[got++];

			m->id = queue_sqs_strdup_member(item, "MessageId");
			m->receipt = queue_sqs_strdup_member(item, "ReceiptHandle");
			m->body = queue_sqs_strdup_member(item, "Body");
			m->receive_count = (int)queue_sqs_attr_num(attrs, "ApproximateReceiveCount");
			m->sent_at = queue_sqs_attr_num(attrs, "SentTimestamp");
			if (m->receive_count < 1)
				m->receive_count = 1;
			if (m->id == NULL || m->receipt == NULL || m->body == NULL) {
				queue_msgs_free(out, got);
				cJSON_Delete(ans);
				return MT_ENOMEM;
			}
		}
	}
	cJSON_Delete(ans);
	if (got == 0) {
		free(out);
		out = NULL;
	}
	*msgs = out;
	*n = got;
	return 0;
}

/* Deletes a received message. */
static int queue_sqs_delete(struct queue *base, const char *receipt, char **cause)
{
	struct queue_sqs *q = (struct queue_sqs *)base;
	cJSON *req, *ans = NULL;
	int err;

	if (receipt == NULL || *receipt == '\0')
		return MT_EINVAL;
	req = queue_sqs_req(q->url);
	if (req == NULL || !cJSON_AddStringToObject(req, "ReceiptHandle", receipt)) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	err = queue_sqs_call(q, "DeleteMessage", req, &ans, cause);
	cJSON_Delete(ans);
	return err;
}

/* Changes the visibility of a received message. */
static int queue_sqs_change_visibility(struct queue *base, const char *receipt, int visibility_s, char **cause)
{
	struct queue_sqs *q = (struct queue_sqs *)base;
	cJSON *req, *ans = NULL;
	int err;

	if (receipt == NULL || *receipt == '\0' || visibility_s < 0 || visibility_s > 43200)
		return MT_EINVAL;
	req = queue_sqs_req(q->url);
	if (req == NULL || !cJSON_AddStringToObject(req, "ReceiptHandle", receipt) ||
	    !cJSON_AddNumberToObject(req, "VisibilityTimeout", visibility_s)) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	err = queue_sqs_call(q, "ChangeMessageVisibility", req, &ans, cause);
	cJSON_Delete(ans);
	return err;
}

/* GetQueueAttributes of url; *ans is the "Attributes" holder answer. */
static int queue_sqs_attrs(struct queue_sqs *q, const char *url, const char **names, size_t nnames,
			   cJSON **ans, char **cause)
{
	cJSON *req = queue_sqs_req(url), *arr;
	size_t i;

	arr = req ? cJSON_AddArrayToObject(req, "AttributeNames") : NULL;
	for (i = 0; arr && i < nnames; i++)
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(names[i])))
			arr = NULL;
	if (arr == NULL) {
		cJSON_Delete(req);
		return MT_ENOMEM;
	}
	return queue_sqs_call(q, "GetQueueAttributes", req, ans, cause);
}

/* Finds the dead-letter queue URL from the RedrivePolicy (once). */
static void queue_sqs_find_dlq(struct queue_sqs *q, const cJSON *attrs)
{
	const cJSON *rp = cJSON_GetObjectItemCaseSensitive(attrs, "RedrivePolicy");
	const cJSON *arn, *qurl;
	cJSON *pol, *req, *ans = NULL;
	const char *name;

	if (!cJSON_IsString(rp))
		return;
	pol = cJSON_Parse(rp->valuestring);
	arn = pol ? cJSON_GetObjectItemCaseSensitive(pol, "deadLetterTargetArn") : NULL;
	if (cJSON_IsString(arn) && (name = strrchr(arn->valuestring, ':')) != NULL) {
		req = cJSON_CreateObject();
		if (req && cJSON_AddStringToObject(req, "QueueName", name + 1)) {
			/* queue_sqs_call consumes req */
			if (queue_sqs_call(q, "GetQueueUrl", req, &ans, NULL) == 0) {
				qurl = cJSON_GetObjectItemCaseSensitive(ans, "QueueUrl");
				if (cJSON_IsString(qurl))
					q->dlq_url = strdup(qurl->valuestring);
			}
		} else {
			cJSON_Delete(req);
		}
		cJSON_Delete(ans);
	}
	cJSON_Delete(pol);
}

/* Counts messages (approximate), following the redrive policy for the DLQ. */
static int queue_sqs_depth(struct queue *base, struct queue_depth *out, char **cause)
{
	struct queue_sqs *q = (struct queue_sqs *)base;
	const char *names[] = { "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
				"ApproximateNumberOfMessagesDelayed", "RedrivePolicy" };
	const cJSON *attrs;
	cJSON *ans = NULL;
	int err;

	memset(out, 0, sizeof *out);
	err = queue_sqs_attrs(q, q->url, names, 4, &ans, cause);
	if (err)
		return err;
	attrs = cJSON_GetObjectItemCaseSensitive(ans, "Attributes");
	out->visible = (long)queue_sqs_attr_num(attrs, "ApproximateNumberOfMessages");
	out->in_flight = (long)queue_sqs_attr_num(attrs, "ApproximateNumberOfMessagesNotVisible");
	pthread_mutex_lock(&q->lock);
	if (!q->dlq_looked) {
		queue_sqs_find_dlq(q, attrs);
		q->dlq_looked = 1;
	}
	pthread_mutex_unlock(&q->lock);
	cJSON_Delete(ans);
	ans = NULL;
	if (q->dlq_url != NULL) {
		err = queue_sqs_attrs(q, q->dlq_url, names, 2, &ans, cause);
		if (err)
			return err;
		attrs = cJSON_GetObjectItemCaseSensitive(ans, "Attributes");
		out->dead = (long)(queue_sqs_attr_num(attrs, "ApproximateNumberOfMessages") +
				   queue_sqs_attr_num(attrs, "ApproximateNumberOfMessagesNotVisible"));
		cJSON_Delete(ans);
	}
	return 0;
}

/* Frees the queue. */
static void queue_sqs_close(struct queue *base)
{
	struct queue_sqs *q = (struct queue_sqs *)base;

	if (q == NULL)
		return;
	aws_client_free(q->aws);
	free(q->url);
	free(q->dlq_url);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

static const struct queue_ops queue_sqs_ops = {
	.name = "sqs",
	.receive_max = QUEUE_BATCH_MAX,
	.send_batch = queue_sqs_send_batch,
	.receive = queue_sqs_receive,
	.delete = queue_sqs_delete,
	.change_visibility = queue_sqs_change_visibility,
	.depth = queue_sqs_depth,
	.close = queue_sqs_close,
};

/* Opens an SQS queue. */
int queue_sqs_open(const char *queue_url, const char *region, const char *endpoint,
		   struct queue **out, char **cause)
{
	struct aws_client_config cfg;
	struct queue_sqs *q;
	int err;

	*out = NULL;
	if (cause)
		*cause = NULL;
	if (queue_url == NULL || strncmp(queue_url, "http", 4) != 0) {
		mt_set_cause(cause, "sqs: the queue URL must be an http(s) URL");
		return MT_EINVAL;
	}
	q = calloc(1, sizeof *q);
	if (q == NULL)
		return MT_ENOMEM;
	q->base.ops = &queue_sqs_ops;
	queue_retry_from_env(&q->base.retry);
	pthread_mutex_init(&q->lock, NULL);
	q->url = strdup(queue_url);
	if (q->url == NULL) {
		queue_sqs_close(&q->base);
		return MT_ENOMEM;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.region = region;
	cfg.endpoint = endpoint;
	cfg.access_key = getenv("AWS_ACCESS_KEY_ID");
	cfg.secret_key = getenv("AWS_SECRET_ACCESS_KEY");
	cfg.session_token = getenv("AWS_SESSION_TOKEN");
	if (cfg.session_token && *cfg.session_token == '\0')
		cfg.session_token = NULL;
	/* Long polls take up to 20 s: one attempt must outlast them. */
	cfg.attempt_timeout_ms = 25000;
	cfg.max_total_ms = 30000;
	cfg.use_chain = 1;   /* no keys: container or instance role (aws/creds.h) */
	err = aws_client_new(&cfg, &q->aws, cause);
	if (err) {
		queue_sqs_close(&q->base);
		return err;
	}
	*out = &q->base;
	return 0;
}
