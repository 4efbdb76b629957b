/* libFuzzer target: SQS events into the consumer (handlers/consumer.c) on
 * the seeded SQLite store of tests/fuzz/seed.h, with its embedded queue
 * (receipt handles reach change_visibility) and the log channel writing to
 * /dev/null (so deliveries are rendered and recorded). Built by
 * tests/fuzz/meson.build with -Dfuzz=true and clang; test.sh runs it.
 * Input: an SQS event as Lambda gets it, JSON, where $WL and $WE are
 * replaced by the seeded waitlist and party ids (e.g. a record body
 * {"waiteeId":"$WE","waitlistId":"$WL","kind":"ready","seq":1}).
 * Checks: the answer is {"batchItemFailures": [...]} whose every
 * itemIdentifier is a string messageId of one of the event's records; the
 * party is still readable afterwards. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "handlers/handler.h"
#include "notify/channel.h"
#include "store/store.h"
#include "seed.h"

#define FUZZ_CONSUMER_RESET 1000   /* runs between two copies of the seeded store */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_seed F;   /* the seeded store and context */

/* 1 when id is the string messageId of a record of ev. */
static int fuzz_consumer_known(const cJSON *ev, const char *id)
{
	const cJSON *rec;

	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(ev, "Records")) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(rec, "messageId");

		if (cJSON_IsString(m) && strcmp(m->valuestring, id) == 0)
			return 1;
	}
	return 0;
}

/* Gives the context a channel set with only the log channel, to /dev/null. */
static void fuzz_consumer_channels(void)
{
	FILE *null = fopen("/dev/null", "w");
	char *cause = NULL;

	F.ctx.channels = calloc(1, sizeof *F.ctx.channels);
	if (null == NULL || F.ctx.channels == NULL ||
	    channel_log_new(null, &F.ctx.channels->log, &cause) != 0)
		fuzz_seed_die("cannot make the log channel", cause);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t len;
	cJSON *ev, *resp;
	const cJSON *fails, *it;
	struct mt_waitee w;

	if (F.dir[0] == '\0') {
		fuzz_seed_init(&F, FUZZ_CONSUMER_RESET);
		fuzz_consumer_channels();
	}
	if (size == 0 || size > 16384)
		return 0;
	fuzz_seed_next(&F);
	s = fuzz_seed_expand(&F, (const char *)data, size, &len);
	if (s == NULL)
		return 0;
	ev = cJSON_ParseWithLength(s, len);
	free(s);
	if (ev == NULL)
		return 0;
	resp = handler_consumer(&F.ctx, ev);
	if (resp == NULL)
		fuzz_seed_die("no answer", NULL);
	fails = cJSON_GetObjectItemCaseSensitive(resp, "batchItemFailures");
	if (!cJSON_IsArray(fails))
		fuzz_seed_die("no batchItemFailures array", NULL);
	cJSON_ArrayForEach(it, fails) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "itemIdentifier");

		if (!cJSON_IsString(id) || !fuzz_consumer_known(ev, id->valuestring))
			fuzz_seed_die("a failure names no record of the event", cJSON_PrintUnformatted(it));
	}
	if (F.ctx.store->ops->waitee_get(F.ctx.store, F.wl, F.we, &w) != 0)
		fuzz_seed_die("the seeded party cannot be read any more", F.we);
	cJSON_Delete(resp);
	cJSON_Delete(ev);
	return 0;
}
