/* The list answer's JSON alone: mt_codec_waitee_write for the 50 waitees
 * bench/http.sh creates (same field values), into a fresh buffer per answer
 * as the handler does. Prints microseconds per 50-record answer (best and
 * median of 7 rounds) and its size, and checks the answer parses as a JSON
 * array of 50 objects.
 *
 *   build-x/bench/bench-codec [ANSWERS_PER_ROUND]   (default 20000) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "core/buf.h"
#include "core/codec.h"

#define BENCH_CODEC_N 50      /* waitees per answer, as in bench/http.sh */
#define BENCH_CODEC_ROUNDS 7  /* rounds timed; best and median printed */

/* Monotonic nanoseconds. */
static double bench_codec_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Fills w[i] like the waitees bench/http.sh creates. */
static void bench_codec_fill(struct mt_waitee *w, int i)
{
	memset(w, 0, sizeof *w);
	snprintf(w->id, sizeof w->id, "01M8H83J153T6PDKRBE33E3V%02d", i);
	snprintf(w->waitlist_id, sizeof w->waitlist_id, "01M8H83J06FS7RK6AR74CENZS0");
	snprintf(w->name, sizeof w->name, "Guest %d", i + 1);
	snprintf(w->phone, sizeof w->phone, "+1555010%04d", i + 1);
	snprintf(w->notes, sizeof w->notes, "window seat please");
	snprintf(w->last_result, sizeof w->last_result, "sent");
	snprintf(w->last_reason, sizeof w->last_reason, "logged only: no SMS gateway or SMTP server is configured");
	w->party_size = (i + 1) % 6 + 1;
	w->status = MT_WAITING;
	w->position = i + 1;
	w->joined_at = 1795875260453LL + i;
	w->notify_at = 1795877040000LL;
	w->notified_at = 1795875260455LL + i;
	w->updated_at = 1795875260455LL + i;
	w->version = 2;
	w->notify_count = 1;
}

/* Writes one answer into b (initialised by the caller); 0 or an MT_E* code. */
static int bench_codec_answer(struct mt_buf *b, const struct mt_waitee *w)
{
	int i, r = mt_buf_add(b, "[", 1);

	for (i = 0; r == 0 && i < BENCH_CODEC_N; i++) {
		if (i > 0)
			r = mt_buf_add(b, ",", 1);
		if (r == 0)
			r = mt_codec_waitee_write(b, &w[i]);
	}
	return r == 0 ? mt_buf_add(b, "]", 1) : r;
}

/* Orders doubles ascending (qsort). */
static int bench_codec_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static struct mt_waitee w[BENCH_CODEC_N];
	double us[BENCH_CODEC_ROUNDS];
	long per_round = 20000;
	size_t bytes = 0;
	struct mt_buf b;
	cJSON *doc;
	int i, round, ok;

	if (argc > 1) {
		char *end;

		errno = 0;
		per_round = strtol(argv[1], &end, 10);
		if (errno != 0 || *end != '\0' || per_round < 1) {
			fprintf(stderr, "usage: %s [ANSWERS_PER_ROUND]\n", argv[0]);
			return 2;
		}
	}
	for (i = 0; i < BENCH_CODEC_N; i++)
		bench_codec_fill(&w[i], i);
	/* the answer must be what the API sends: an array of 50 objects */
	mt_buf_init(&b, (size_t)BENCH_CODEC_N * MT_CODEC_RECORD_MAX);
	if (bench_codec_answer(&b, w) != 0) {
		fprintf(stderr, "bench-codec: writing the answer failed\n");
		return 1;
	}
	doc = cJSON_ParseWithLength(b.data, b.len);
	ok = cJSON_IsArray(doc) && cJSON_GetArraySize(doc) == BENCH_CODEC_N &&
	     cJSON_IsObject(cJSON_GetArrayItem(doc, 0));
	cJSON_Delete(doc);
	bytes = b.len;
	mt_buf_free(&b);
	if (!ok) {
		fprintf(stderr, "bench-codec: the answer is not an array of %d objects\n", BENCH_CODEC_N);
		return 1;
	}
	for (round = 0; round < BENCH_CODEC_ROUNDS; round++) {
		double t0 = bench_codec_now_ns();
		long k;

		for (k = 0; k < per_round; k++) {
			mt_buf_init(&b, (size_t)BENCH_CODEC_N * MT_CODEC_RECORD_MAX);
			if (bench_codec_answer(&b, w) != 0) {
				fprintf(stderr, "bench-codec: writing the answer failed\n");
				return 1;
			}
			mt_buf_free(&b);
		}
		us[round] = (bench_codec_now_ns() - t0) / 1e3 / (double)per_round;
	}
	qsort(us, BENCH_CODEC_ROUNDS, sizeof us[0], bench_codec_cmp);
	printf("bench-codec: %d waitees, %zu bytes per answer: best %.2f us, median %.2f us per answer "
	       "(%ld answers per round, %d rounds)\n",
	       BENCH_CODEC_N, bytes, us[0], us[BENCH_CODEC_ROUNDS / 2], per_round, BENCH_CODEC_ROUNDS);
	return 0;
}
