/* Guest data retention period of a restaurant (see retention.h). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/error.h"
#include "core/log.h"
#include "core/model.h"
#include "handlers/restaurant.h"
#include "handlers/retention.h"

/* One remembered period. */
struct retention_slot {
	char tenant_id[MT_ID_SIZE];   /* "" = free */
	int64_t seconds;              /* the period */
	int64_t until_ms;             /* monotonic time it is used until */
};

static pthread_mutex_t retention_lock = PTHREAD_MUTEX_INITIALIZER;
static struct retention_slot retention_slots[RETENTION_CACHE_SLOTS];
static unsigned retention_next;   /* slot the next new tenant takes (round robin) */

/* Monotonic milliseconds (the cache must not follow a test clock's jumps). */
static int64_t retention_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The restaurant's retention period in seconds. */
int64_t retention_seconds(struct mt_ctx *ctx, const char *tenant_id)
{
	struct mt_restaurant r;
	int64_t now = retention_mono_ms(), secs = -1;
	size_t i;
	int rc;

	if (tenant_id == NULL || tenant_id[0] == '\0' || strlen(tenant_id) > MT_ID_LEN)
		return MT_RETENTION_DEFAULT_S;
	pthread_mutex_lock(&retention_lock);
	for (i = 0; i < RETENTION_CACHE_SLOTS; i++)
		if (strcmp(retention_slots[i].tenant_id, tenant_id) == 0 && retention_slots[i].until_ms > now)
			secs = retention_slots[i].seconds;
	pthread_mutex_unlock(&retention_lock);
	if (secs > 0)
		return secs;
	rc = restaurant_load(ctx, tenant_id, &r);
	if (rc < 0) {
		mt_log("warn", "retention: cannot read the restaurant, using the default", "error", mt_strerror(rc),
		       NULL);
		return MT_RETENTION_DEFAULT_S;
	}
	secs = r.retention_s >= MT_RETENTION_MIN_S && r.retention_s <= MT_RETENTION_MAX_S ? r.retention_s
												: MT_RETENTION_DEFAULT_S;
	pthread_mutex_lock(&retention_lock);
	for (i = 0; i < RETENTION_CACHE_SLOTS; i++)
		if (strcmp(retention_slots[i].tenant_id, tenant_id) == 0)
			break;
	if (i == RETENTION_CACHE_SLOTS)
		i = retention_next++ % RETENTION_CACHE_SLOTS;
	snprintf(retention_slots[i].tenant_id, sizeof retention_slots[i].tenant_id, "%s", tenant_id);
	retention_slots[i].seconds = secs;
	retention_slots[i].until_ms = now + RETENTION_CACHE_MS;
	pthread_mutex_unlock(&retention_lock);
	return secs;
}

/* Forgets the remembered period of tenant_id. */
void retention_forget(const char *tenant_id)
{
	size_t i;

	if (tenant_id == NULL)
		return;
	pthread_mutex_lock(&retention_lock);
	for (i = 0; i < RETENTION_CACHE_SLOTS; i++)
		if (strcmp(retention_slots[i].tenant_id, tenant_id) == 0)
			retention_slots[i].tenant_id[0] = '\0';
	pthread_mutex_unlock(&retention_lock);
}
