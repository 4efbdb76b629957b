/* Placeholder until notifications land. */
#include "notify/notify.h"

int mt_notify_setup(struct mt_ctx *ctx, const char *store_url, char **cause)
{ (void)ctx; (void)store_url; *cause = NULL; return 0; }
void mt_notify_teardown(struct mt_ctx *ctx) { (void)ctx; }
void mt_notify_after_change(struct mt_ctx *ctx, struct mt_waitee *w, int created)
{ (void)ctx; (void)w; (void)created; }
