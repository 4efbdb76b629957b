/* maitred's background jobs: the scheduler tick (builds the EventBridge
 * scheduled event and runs the producer every tick) and the queue worker
 * (receives from ctx->queue, builds SQS-shaped batches, runs the consumer). */
#ifndef MT_JOBS_H
#define MT_JOBS_H

#include "handlers/handler.h"

struct jobs;

/* Starts both threads; tick_seconds is the producer period (60 in
 * production). Returns 0 or MT_E*; *cause malloc'd on error. */
int jobs_start(struct mt_ctx *ctx, int tick_seconds, struct jobs **out, char **cause);
/* Stops both threads, finishing the batch in hand, and frees jobs. */
void jobs_stop(struct jobs *jobs);

#endif
