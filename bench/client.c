/* libmaitre-client throughput and memory (driven by bench/client.sh).
 *
 * The session comes from the session file named by $MAITRE_BENCH_SESSION
 * (server= and refresh_token= lines; the token rotates on every run, so the
 * file is updated, as maitrectl and the app do with theirs).
 *
 *   bench-client rate URL LIST_ID SECONDS MODE [IN_FLIGHT]
 *     MODE blocking: mtc_list_waitees in a loop (one connection, reused);
 *     MODE nonblocking: IN_FLIGHT calls kept in flight from a poll() loop
 *     (IN_FLIGHT 1 = one connection reused; more = that many connections).
 *     Every call is a full 200 answer (MTC_LIST_NO_CACHE), the same route
 *     wrk measures; MODE cached: the list cache (If-None-Match -> 304 when
 *     the server has list ETags). Prints "MODE N req/s".
 *   bench-client fill URL LIST_ID N
 *     adds N parties (non-blocking, 16 at a time) for the memory figure.
 *   bench-client memory URL LIST_ID
 *     fetches the list (all pages) and prints the heap and RSS it costs. */
#include <malloc.h>
#include <poll.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <maitre/client.h>

/* Monotonic seconds. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size in KiB (from /proc/self/statm). */
static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* CPU time (user + system) of this process, in seconds. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* State of the non-blocking run. */
struct nb {
	struct mtc_client *c;     /* the client */
	struct mtc_request req;   /* the request repeated */
	long done;                /* calls finished */
	long failed;              /* of which failed */
	int stop;                 /* 1: start no more */
};

/* Counts a finished call and starts the next one. */
static void nb_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	struct nb *s = ud;
	s->done++;
	if (r->status.code != MTC_OK)
		s->failed++;
	if (!s->stop && mtc_start(c, &s->req, nb_done, s, NULL) != MTC_OK)
		s->failed++;
}

int main(int argc, char **argv)
{
	const char *session = getenv("MAITRE_BENCH_SESSION");
	if (argc < 4 || session == NULL) {
		fprintf(stderr, "usage: MAITRE_BENCH_SESSION=FILE bench-client rate|fill|memory URL LIST_ID [...]\n");
		return 1;
	}
	struct mtc_client *c = NULL;
	struct mtc_status st;
	if (mtc_global_init() != MTC_OK || mtc_client_new(argv[2], &c, &st) != MTC_OK ||
	    mtc_client_set_session_file(c, session, &st) != MTC_OK || mtc_refresh(c, &st) != MTC_OK) {
		fprintf(stderr, "bench-client: cannot start a session: %s\n", st.message);
		return 1;
	}
	const char *list = argv[3];
	if (strcmp(argv[1], "fill") == 0 && argc > 4) {
		long want = strtol(argv[4], NULL, 10), started = 0;
		struct nb s = { .c = c };
		struct mtc_waitee_input in = { .set = MTC_SET_NAME | MTC_SET_PARTY_SIZE | MTC_SET_NOTES | MTC_SET_PHONE,
					       .name = "Guest with a longer name", .party_size = 4,
					       .notes = "booth, high chair", .phone = "+14155550101" };
		s.req.op = MTC_OP_CREATE_WAITEE;
		s.req.waitlist_id = list;
		s.req.waitee = &in;
		struct pollfd fds[64];
		while (s.done < want) {
			while (started < want && (long)mtc_pending(c) < 16 && mtc_start(c, &s.req, NULL, NULL, NULL) == MTC_OK)
				started++;
			size_t k = mtc_pollfds(c, fds, 64);
			if (k > 64)
				k = 64;
			int t = mtc_timeout_ms(c);
			if (poll(fds, k, t < 0 || t > 100 ? 100 : t) < 0)
				k = 0;
			size_t before = mtc_pending(c);
			mtc_process(c, fds, k);
			s.done += (long)(before - mtc_pending(c));
		}
		printf("fill %ld parties\n", s.done);
		mtc_client_free(c);
		mtc_global_cleanup();
		return 0;
	}
	if (strcmp(argv[1], "memory") == 0) {
		struct mallinfo2 m0 = mallinfo2();
		long r0 = rss_kib();
		struct mtc_waitee_list *l = NULL;
		if (mtc_list_waitees(c, list, NULL, MTC_LIST_ALL | MTC_LIST_NO_CACHE, &l, NULL, &st) != MTC_OK) {
			fprintf(stderr, "bench-client: %s\n", st.message);
			return 1;
		}
		struct mallinfo2 m1 = mallinfo2();
		long r1 = rss_kib();
		size_t heap = (m1.uordblks + m1.hblkhd) - (m0.uordblks + m0.hblkhd);   /* small blocks + mmapped ones */
		printf("memory parties=%zu heap_bytes=%zu bytes_per_party=%zu rss_kib_before=%ld rss_kib_after=%ld\n", l->n,
		       heap, l->n ? heap / l->n : 0, r0, r1);
		mtc_waitee_list_unref(l);
		mtc_client_free(c);
		mtc_global_cleanup();
		return 0;
	}
	if (argc < 6) {
		fprintf(stderr, "bench-client rate: SECONDS MODE needed\n");
		return 1;
	}
	double secs = strtod(argv[4], NULL);
	const char *mode = argv[5];
	long n = 0, failed = 0;
	double t0 = now_s(), t1 = t0, c0 = cpu_s();
	if (strcmp(mode, "blocking") == 0 || strcmp(mode, "cached") == 0) {
		unsigned flags = strcmp(mode, "cached") == 0 ? 0 : MTC_LIST_NO_CACHE;
		while ((t1 = now_s()) - t0 < secs) {
			struct mtc_waitee_list *l = NULL;
			if (mtc_list_waitees(c, list, NULL, flags, &l, NULL, &st) != MTC_OK)
				failed++;
			mtc_waitee_list_unref(l);
			n++;
		}
	} else {
		int inflight = argc > 6 ? (int)strtol(argv[6], NULL, 10) : 1;
		if (inflight < 1 || inflight > 256)
			inflight = 1;
		struct nb s = { .c = c };
		s.req.op = MTC_OP_LIST_WAITEES;
		s.req.waitlist_id = list;
		s.req.flags = MTC_LIST_NO_CACHE;
		for (int i = 0; i < inflight; i++)
			mtc_start(c, &s.req, nb_done, &s, NULL);
		struct pollfd fds[512];
		while (mtc_pending(c) > 0) {
			if (!s.stop && now_s() - t0 >= secs) {
				s.stop = 1;
				t1 = now_s();
				n = s.done;
			}
			size_t k = mtc_pollfds(c, fds, 512);
			if (k > 512)
				k = 512;
			int t = mtc_timeout_ms(c);
			if (poll(fds, k, t < 0 || t > 100 ? 100 : t) < 0)
				k = 0;
			mtc_process(c, fds, k);
		}
		failed = s.failed;
	}
	if (t1 == t0)
		t1 = now_s();
	double cpu = cpu_s() - c0;
	printf("%s %.0f req/s (%ld calls, %ld failed, %.2f s, %.0f us CPU per call)\n", mode, (double)n / (t1 - t0), n,
	       failed, t1 - t0, n > 0 ? cpu * 1e6 / (double)n : 0.0);
	mtc_client_free(c);
	mtc_global_cleanup();
	return failed > 0 ? 1 : 0;
}
