/* libFuzzer target: bootstrap's Runtime API client (backend/lambda/runtime.c)
 * reading arbitrary answers. The input is what the Runtime API sends on the
 * connection (one end of a socketpair, closed after it): the first byte
 * picks `next` or a post of a response. Checks what the loop relies on: a
 * `next` that succeeds has a request id safe in a URL path, a NUL-terminated
 * event of at most LAMBDA_EVENT_MAX bytes and a deadline >= 0; a failure
 * says why; nothing hangs (the peer's end is closed) or leaks. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "core/error.h"
#include "lambda/lambda.h"

#define FUZZ_MAX 60000   /* fits a socketpair's buffer: written before the client reads */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when id has only the characters a request id may have in a URL. */
static int fuzz_id_ok(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (strchr("-_.", id[i]) == NULL && !((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z') ||
						      (id[i] >= 'A' && id[i] <= 'Z')))
			return 0;
	return i > 0 && i < 127;
}

/* Feeds one answer to the client. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lambda_rt *rt;
	struct lambda_invocation inv;
	char *cause = NULL;
	int sv[2], r;

	if (size < 1 || size > FUZZ_MAX)
		return 0;
	if (rt == NULL && lambda_rt_open("127.0.0.1:1", &rt, &cause) != 0)
		abort();   /* a reconnect attempt, if any, is refused at once */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	if (write(sv[1], data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	shutdown(sv[1], SHUT_WR);
	lambda_rt_adopt(rt, sv[0]);
	if (data[0] & 1) {
		r = lambda_rt_next(rt, &inv, &cause);
		if (r == 0) {
			if (!fuzz_id_ok(inv.request_id) || inv.event == NULL || inv.event_len > LAMBDA_EVENT_MAX ||
			    inv.event[inv.event_len] != '\0' || inv.deadline_ms < 0 || cause != NULL)
				abort();
			lambda_invocation_clear(&inv);
		} else if (cause == NULL || inv.event != NULL) {
			abort();
		}
	} else {
		r = lambda_rt_respond(rt, "8476a536-e9f4-11e8-9739-2dfe598c3fcd", "{}", 2, &cause);
		if ((r == 0) != (cause == NULL) || (r != 0 && r != MT_EIO && r != MT_ETOOBIG))
			abort();
	}
	free(cause);
	lambda_rt_adopt(rt, -1);   /* drop whatever is left of the connection */
	close(sv[1]);
	return 0;
}
