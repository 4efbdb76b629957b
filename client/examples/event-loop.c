/* A waitlist's board refreshed every 3 s from one poll() loop that also
 * watches the keyboard: the network never blocks it. Needs `maitrectl login`. */
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <maitre/client.h>

static void on_list(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c; (void)ud;
	if (r->status.code != MTC_OK)
		fprintf(stderr, "offline: %s\n", r->status.message);   /* keep the last board */
	else if (!r->not_modified)                                  /* a 304 changes nothing */
		printf("%zu parties, next: %s\n", r->waitees->n, r->waitees->n ? r->waitees->items[0].name : "-");
}

int main(int argc, char **argv)
{
	struct mtc_client *c;
	if (argc < 3 || mtc_global_init() || mtc_client_new(argv[1], &c, NULL) || mtc_client_set_session_file(c, NULL, NULL))
		return 1;
	struct mtc_request list = { .op = MTC_OP_LIST_WAITEES, .waitlist_id = argv[2], .status_filter = "active" };
	time_t next = 0;
	for (int quit = 0; !quit;) {
		if (time(NULL) >= next && mtc_pending(c) == 0) {    /* every 3 s */
			mtc_start(c, &list, on_list, NULL, NULL);
			next = time(NULL) + 3;
		}
		struct pollfd fds[33];
		size_t n = mtc_pollfds(c, fds, 32);
		n = n > 32 ? 32 : n;
		fds[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		int t = mtc_timeout_ms(c);
		poll(fds, n + 1, t < 0 || t > 1000 ? 1000 : t);   /* also the clock tick */
		if (fds[n].revents & (POLLIN | POLLHUP))
			quit = 1;                                   /* any key (or end of input) quits */
		mtc_process(c, fds, n);                         /* callbacks run here */
	}
	mtc_client_free(c);
	mtc_global_cleanup();
	return 0;
}
