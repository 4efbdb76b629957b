/* maitred: Maitre's local server. Parse options, build the context, run
 * until SIGINT/SIGTERM, clean up at one label. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <sodium.h>
#include "auth/auth.h"
#include "core/error.h"
#include "daemon/jobs.h"
#include "core/log.h"
#include "daemon/maitred.h"
#include "store/store.h"
#include "wiring/wiring.h"

/* Keeps freed memory in the worker threads' malloc arenas instead of giving
 * it back after every response (glibc trims an arena whose top is over
 * 128 KiB by default: an madvise and TLB flush per request). bench/http.sh:
 * +35% req/s and a third of the p99 on the list route. */
static void maitred_tune_malloc(void)
{
#if defined(M_TRIM_THRESHOLD) && defined(M_TOP_PAD)
	mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
	mallopt(M_TOP_PAD, 1024 * 1024);
#endif
}

/* Waits on the signal fd until SIGINT or SIGTERM; returns the signal. */
static int maitred_wait_signal(int sfd)
{
	struct signalfd_siginfo si;

	for (;;) {
		ssize_t n = read(sfd, &si, sizeof si);

		if (n == (ssize_t)sizeof si && (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM))
			return (int)si.ssi_signo;
		if (n < 0)
			return -1;
	}
}

int main(int argc, char **argv)
{
	struct maitred_opts opts;
	struct mt_ctx ctx;
	struct jobs *jobs = NULL;
	struct maitred_http *http = NULL;
	struct authcache *ac = NULL;
	char *cause = NULL, bound[300];
	int ret = 1, r = 0, sfd = -1, served, sig;
	sigset_t sigs;

	memset(&ctx, 0, sizeof ctx);
	r = maitred_opts_parse(argc, argv, &opts, &cause);
	if (r != 0) {
		ret = r > 0 ? 0 : 1;
		goto done;
	}
	/* block the stop signals before any thread starts: all inherit the mask */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) != 0 || (sfd = signalfd(-1, &sigs, SFD_CLOEXEC)) < 0) {
		cause = strdup("cannot set up signal handling");
		goto done;
	}
	maitred_tune_malloc();
	if (sodium_init() < 0) {
		cause = strdup("libsodium failed to initialise");
		goto done;
	}
	mt_wiring_config(&ctx.cfg, opts.data_dir);
	if (mt_wiring_clock(&ctx, &cause) < 0)
		goto done;
	if (maitred_data_dir_create(opts.data_dir, &cause) < 0 || routes_check(&cause) < 0)
		goto done;
	if (!opts.init_store && mt_jwt_secret_load(&ctx.cfg, opts.data_dir, &cause) < 0)
		goto done;
	r = mt_wiring_open(&ctx, opts.store_url, opts.init_store ? MT_WIRING_STORE : MT_WIRING_STORE | MT_WIRING_NOTIFY,
			   &cause);
	if (r < 0)
		goto done;
	if (opts.init_store) {
		mt_log("info", "store initialised", "store", ctx.store->ops->name, (const char *)NULL);
		ret = 0;
		goto done;
	}
	if (jobs_start(&ctx, opts.tick_seconds, &jobs, &cause) < 0)
		goto done;
	ac = authcache_new(MAITRED_AUTH_CACHE_SLOTS, opts.auth_cache_s);
	if (mt_log_start(opts.log_flush_ms) < 0) {
		cause = strdup("cannot start the log flusher thread");
		goto done;
	}
	if (maitred_http_start(&ctx, ac, &opts, &http, bound, sizeof bound, &cause) < 0)
		goto done;
	mt_log("info", "listening", "listen", bound, "store", ctx.store->ops->name,
		  "version", MAITRE_VERSION, (const char *)NULL);

	sig = maitred_wait_signal(sfd);
	mt_log("info", "stopping", "signal", sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "error",
		  (const char *)NULL);
	ret = sig > 0 ? 0 : 1;
done:
	if (cause != NULL) {
		fprintf(stderr, "maitred: %s\n", cause);
		free(cause);
	} else if (ret != 0) {
		fprintf(stderr, "maitred: start-up failed: %s\n", r < 0 ? mt_strerror(r) : "see above");
	}
	served = http != NULL;
	maitred_http_stop(http);
	authcache_free(ac);
	if (jobs != NULL)
		jobs_stop(jobs);
	mt_wiring_close(&ctx);
	if (sfd >= 0)
		close(sfd);
	mt_log_stop();   /* the workers have ended: every request line goes out now */
	if (served)
		mt_log("info", "stopped", (const char *)NULL);
	return ret;
}
