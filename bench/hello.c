/* The ceiling for bench/http.sh: a bare libmicrohttpd hello-world server
 * with the same daemon flags, thread pool and answer-on-second-call pattern
 * as maitred, answering a fixed small JSON body.
 * Usage: bench-hello PORT [THREADS [BODY_BYTES]]   (stops on SIGINT/SIGTERM)
 * BODY_BYTES > 0 answers a JSON array of that size instead (the same
 * number of bytes as a real list answer: what HTTP alone costs for it). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>

static const char hello_small[] = "{\"status\":\"ok\"}";
static const char *hello_body = hello_small;        /* the answer */
static size_t hello_len = sizeof hello_small - 1;   /* its length */

/* Access handler: remember the request on the first call, answer on the next. */
static enum MHD_Result hello_on_request(void *cls, struct MHD_Connection *con, const char *url,
					const char *method, const char *version, const char *upload_data,
					size_t *upload_data_size, void **con_cls)
{
	static int marker;
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) {
		*con_cls = &marker;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(hello_len, (void *)hello_body, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(con, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Parses a decimal in [lo, hi] or exits. */
static unsigned hello_num(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "bench-hello: bad %s '%s'\n", what, s);
		exit(2);
	}
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	unsigned port, threads = 4;
	struct sockaddr_in addr;
	sigset_t sigs;
	int sig;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s PORT [THREADS [BODY_BYTES]]\n", argv[0]);
		return 2;
	}
	port = hello_num(argv[1], 1, 65535, "port");
	if (argc >= 3)
		threads = hello_num(argv[2], 1, 64, "thread count");
	if (argc == 4) {
		size_t n = hello_num(argv[3], 0, 16 * 1024 * 1024, "body size");

		if (n >= 2) {
			char *b = malloc(n);

			if (b == NULL)
				return 1;
			memset(b, ' ', n);
			b[0] = '[';
			b[n - 1] = ']';
			hello_body = b;
			hello_len = n;
		}
	}
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);   /* loopback only */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, (uint16_t)port,
			     NULL, NULL, hello_on_request, NULL,
			     MHD_OPTION_THREAD_POOL_SIZE, threads,
			     MHD_OPTION_CONNECTION_TIMEOUT, 60u,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "bench-hello: cannot listen on port %u\n", port);
		return 1;
	}
	sigwait(&sigs, &sig);
	MHD_stop_daemon(d);
	return 0;
}
