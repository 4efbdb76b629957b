/* The producer (EventBridge scheduled event, every minute; maitred's
 * scheduler tick): queues every waitee whose notification is due.
 *
 * Takes the due index in pages of 100 (due_at <= now, never == now: a
 * missed tick loses nothing; a page that queues nothing is read once more
 * at 400 and 1,600 to get past stale entries, then the pass ends) and hands them to mt_notify_enqueue_due in
 * batches of 10: conditional claim, one send_batch, clear (notify/notify.c
 * says why it is safe to run twice at once and across a crash). Answers
 * {"queued": N, "skipped": N, "failed": N, "due": N}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "handlers/handler.h"
#include "notify/notify.h"
#include "queue/queue.h"
#include "apigw/apigw.h"
#include "store/store.h"

#define PRODUCER_PAGE 100        /* waitees per due-index lookup */
#define PRODUCER_PAGES_MAX 1000  /* bound on one run: 100,000 waitees */
#define PRODUCER_PAGE_BIG 1600   /* biggest page, when full pages queue nothing (stale entries) */

/* Builds the answer object. */
static cJSON *producer_answer(const struct mt_notify_counts *c, int due, const char *error)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "queued", c->queued);
	cJSON_AddNumberToObject(o, "skipped", c->skipped);
	cJSON_AddNumberToObject(o, "failed", c->failed);
	cJSON_AddNumberToObject(o, "due", due);
	if (error)
		cJSON_AddStringToObject(o, "error", error);
	return o;
}

/* Runs one producer pass over the due index. */
cJSON *handler_producer(struct mt_ctx *ctx, const cJSON *event)
{
	struct mt_notify_counts counts = { 0, 0, 0 };
	struct mt_waitee *items = NULL;
	char *cause = NULL;
	char error[300] = "";
	size_t n = 0, i, chunk;
	int due = 0, pages, err, limit = PRODUCER_PAGE;
	int64_t now;

	(void)event;  /* the scheduled event carries nothing we need: time comes from ctx */
	if (ctx->queue == NULL)
		return producer_answer(&counts, 0, "no notification queue configured");
	now = mt_now(ctx);
	for (pages = 0; pages < PRODUCER_PAGES_MAX; pages++) {
		int queued_before = counts.queued;

		err = ctx->store->ops->waitee_list_due(ctx->store, now, limit, &items, &n);
		if (err != 0) {
			snprintf(error, sizeof error, "due lookup: %s", mt_strerror(err));
			break;
		}
		due += (int)n;
		for (i = 0; i < n; i += chunk) {
			chunk = n - i < QUEUE_BATCH_MAX ? n - i : QUEUE_BATCH_MAX;
			err = mt_notify_enqueue_due(ctx, items + i, chunk, &counts, &cause);
			if (err != 0 && error[0] == '\0')
				snprintf(error, sizeof error, "enqueue: %s", cause ? cause : mt_strerror(err));
			free(cause);
			cause = NULL;
		}
		free(items);
		items = NULL;
		if (n < (size_t)limit)
			break;   /* the index had no more */
		if (counts.queued > queued_before)
			continue;   /* progress: what was queued leaves the index, read again */
		/* A full page and nothing queued: stale entries of a lagging index
		 * (claimed already, still listed), another producer's claims, or
		 * failures that stay due for the next tick. Reading the same page
		 * again would find the same entries: look past them once with a
		 * bigger page, and stop when even the biggest queues nothing. */
		if (limit >= PRODUCER_PAGE_BIG)
			break;
		limit = limit * 4 < PRODUCER_PAGE_BIG ? limit * 4 : PRODUCER_PAGE_BIG;
	}
	return producer_answer(&counts, due, error[0] ? error : NULL);
}
