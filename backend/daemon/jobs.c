/* Placeholder until the scheduler and worker land: no jobs. */
#include <stdlib.h>
#include "daemon/jobs.h"

struct mt_jobs { int unused; };

int mt_jobs_start(struct mt_ctx *ctx, int tick_seconds, struct mt_jobs **out, char **cause)
{ (void)ctx; (void)tick_seconds; *cause = NULL; *out = calloc(1, sizeof **out); return 0; }
void mt_jobs_stop(struct mt_jobs *jobs) { free(jobs); }
