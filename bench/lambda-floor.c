/* The floor of bench/lambda.py's cold start: the least a custom runtime can
 * do. Connects to AWS_LAMBDA_RUNTIME_API (a numeric IPv4 host:port), asks
 * for the next invocation, posts "{}" as its response, exits. No library
 * but libc, no configuration, no handler: what the harness (process start,
 * the Python stand-in's two answers) costs by itself.
 *   bench/lambda.py --bootstrap B --floor build-x/bench/bench-lambda-floor */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Writes all of buf; 0 or -1. */
static int floor_write(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API"), *colon;
	char host[64], buf[65536], req[512], *id, *end;
	struct sockaddr_in a;
	size_t hl;
	ssize_t n;
	int fd, len;

	colon = api ? strrchr(api, ':') : NULL;
	hl = colon ? (size_t)(colon - api) : 0;
	if (colon == NULL || hl == 0 || hl >= sizeof host)
		return 2;
	memcpy(host, api, hl);
	host[hl] = '\0';
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)strtol(colon + 1, NULL, 10));
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		return 1;
	len = snprintf(req, sizeof req, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
	if (floor_write(fd, req, (size_t)len) != 0)
		return 1;
	n = read(fd, buf, sizeof buf - 1);   /* the stand-in's head arrives in one piece */
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	id = strstr(buf, "Lambda-Runtime-Aws-Request-Id: ");
	if (id == NULL || (end = strstr(id, "\r\n")) == NULL)
		return 1;
	id += sizeof "Lambda-Runtime-Aws-Request-Id: " - 1;
	*end = '\0';
	len = snprintf(req, sizeof req,
		       "POST /2018-06-01/runtime/invocation/%.100s/response HTTP/1.1\r\nHost: %s\r\n"
		       "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", id, api);
	if (floor_write(fd, req, (size_t)len) != 0)
		return 1;
	(void)read(fd, buf, sizeof buf);
	close(fd);
	return 0;
}
