/* Store-level throughput of the SQLite back end (no HTTP): listing a page
 * of 50 waitees from several threads, count_active, and durable creates.
 * Usage: bench-store-sqlite [THREADS [SECONDS]]. Prints one line per figure. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "store/store.h"

/* Shared state of one timed run. */
struct bench_run {
	struct store *s;                 /* store under test */
	const char *waitlist_id;         /* list with 50 waitees */
	const char *tenant_id;           /* its tenant */
	int kind;                        /* 0 = list 50, 1 = count_active, 2 = create */
	double seconds;                  /* how long each thread runs */
	atomic_long ops;                 /* operations completed */
	atomic_long errors;              /* operations failed */
};

/* Monotonic seconds. */
static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One worker: runs the operation until the time is up. */
static void *bench_thread(void *p)
{
	struct bench_run *run = p;
	double end = bench_now() + run->seconds;
	long ops = 0, errors = 0;

	while (bench_now() < end) {
		int r = 0, i;

		for (i = 0; i < 16; i++) {
			if (run->kind == 0) {
				struct store_page page = {NULL, 50};
				struct mt_waitee *items = NULL;
				size_t n = 0;
				char *cursor = NULL;

				r = run->s->ops->waitee_list(run->s, run->waitlist_id, &page, &items, &n, &cursor);
				if (r == 0 && n != 50)
					r = MT_EIO;
				free(items);
				free(cursor);
			} else if (run->kind == 1) {
				int count = 0;

				r = run->s->ops->waitee_count_active(run->s, run->waitlist_id, NULL, &count);
			} else {
				struct mt_waitee w;

				memset(&w, 0, sizeof w);
				mt_id_new(w.id, mt_clock_system_now(NULL));
				snprintf(w.waitlist_id, sizeof w.waitlist_id, "%s", run->waitlist_id);
				snprintf(w.tenant_id, sizeof w.tenant_id, "%s", run->tenant_id);
				snprintf(w.name, sizeof w.name, "bench");
				w.party_size = 2;
				w.status = MT_SEATED;  /* keep the 50 active ones the only active ones */
				w.joined_at = mt_clock_system_now(NULL);
				r = run->s->ops->waitee_create(run->s, &w);
			}
			if (r == 0)
				ops++;
			else
				errors++;
		}
	}
	atomic_fetch_add(&run->ops, ops);
	atomic_fetch_add(&run->errors, errors);
	return NULL;
}

/* Runs one kind of operation on `threads` threads and prints the rate. */
static void bench_one(struct bench_run *run, int kind, int threads, const char *label)
{
	pthread_t th[64];
	double t0, t1;
	int i;

	run->kind = kind;
	atomic_store(&run->ops, 0);
	atomic_store(&run->errors, 0);
	t0 = bench_now();
	for (i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, bench_thread, run);
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	t1 = bench_now();
	printf("%-28s threads=%d ops=%ld errors=%ld rate=%.0f/s\n", label, threads, atomic_load(&run->ops),
	       atomic_load(&run->errors), (double)atomic_load(&run->ops) / (t1 - t0));
}

/* Seeds a list of 50 waitees and times each operation. */
int main(int argc, char **argv)
{
	char dir[] = "/tmp/maitre-bench-XXXXXX", path[128], side[160];
	struct store *s = NULL;
	struct mt_waitlist wl;
	struct mt_waitee w;
	struct bench_run run;
	char *cause = NULL;
	int threads = 2;
	double seconds = 2.0;
	int64_t now = mt_clock_system_now(NULL);
	int i;

	if (argc > 1) {
		char *end = NULL;
		long v = strtol(argv[1], &end, 10);

		if (end == argv[1] || *end != '\0' || v < 1 || v > 64) {
			fprintf(stderr, "usage: bench-store-sqlite [THREADS 1..64 [SECONDS]]\n");
			return 2;
		}
		threads = (int)v;
	}
	if (argc > 2) {
		char *end = NULL;

		seconds = strtod(argv[2], &end);
		if (end == argv[2] || *end != '\0' || !(seconds > 0 && seconds <= 600)) {
			fprintf(stderr, "usage: bench-store-sqlite [THREADS [SECONDS 0..600]]\n");
			return 2;
		}
	}
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/bench.db", dir);
	if (store_sqlite_open(path, &s, &cause) != 0) {
		fprintf(stderr, "open: %s\n", cause ? cause : "?");
		return 1;
	}
	memset(&wl, 0, sizeof wl);
	mt_id_new(wl.id, now);
	mt_id_new(wl.tenant_id, now);
	snprintf(wl.name, sizeof wl.name, "Bench");
	wl.created_at = wl.updated_at = now;
	if (s->ops->waitlist_create(s, &wl) != 0)
		return 1;
	for (i = 0; i < 50; i++) {
		memset(&w, 0, sizeof w);
		mt_id_new(w.id, now + i);
		memcpy(w.waitlist_id, wl.id, MT_ID_SIZE);
		memcpy(w.tenant_id, wl.tenant_id, MT_ID_SIZE);
		snprintf(w.name, sizeof w.name, "Party %d", i);
		snprintf(w.phone, sizeof w.phone, "+1555000%04d", i);
		snprintf(w.notes, sizeof w.notes, "table by the window");
		w.party_size = 2 + i % 5;
		w.quoted_minutes = 15 + i;
		w.joined_at = now + i;
		if (s->ops->waitee_create(s, &w) != 0)
			return 1;
	}
	memset(&run, 0, sizeof run);
	run.s = s;
	run.waitlist_id = wl.id;
	run.tenant_id = wl.tenant_id;
	run.seconds = seconds;
	bench_one(&run, 0, threads, "waitee_list(50)");
	if (getenv("BENCH_LIST_ONLY"))
		goto done;
	bench_one(&run, 1, threads, "waitee_count_active");
	bench_one(&run, 2, threads, "waitee_create(durable)");
done:
	store_close(s);
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	rmdir(dir);
	return 0;
}
