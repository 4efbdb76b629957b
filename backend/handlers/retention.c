/* Guest data retention period of a restaurant (see retention.h). */
#include "handlers/retention.h"

/* The restaurant's retention period in seconds. */
int64_t retention_seconds(struct mt_ctx *ctx, const char *tenant_id)
{
	(void)ctx;
	(void)tenant_id;
	/* The restaurant record (issue 10 part 2) is not in this build yet:
	 * every restaurant has the default. */
	return RETENTION_DEFAULT_S;
}
