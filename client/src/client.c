/* The client handle: settings, the curl multi handle and its sockets and timer,
 * the non-blocking loop (pollfds / timeout / process) and the blocking call. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Wraps curl_global_init. */
enum mtc_error mtc_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? MTC_OK : MTC_ERR_NOMEM;
}

/* Wraps curl_global_cleanup. */
void mtc_global_cleanup(void)
{
	curl_global_cleanup();
}

/* curl's socket callback: keeps c->fds in step with what curl wants watched. */
static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	(void)easy;
	(void)socketp;
	struct mtc_client *c = userp;
	size_t i;
	for (i = 0; i < c->n_fds && c->fds[i].fd != s; i++)
		;
	if (what == CURL_POLL_REMOVE) {
		if (i < c->n_fds)
			c->fds[i] = c->fds[--c->n_fds];
		return 0;
	}
	if (i == c->n_fds) {
		if (c->n_fds == c->cap_fds) {
			size_t cap = c->cap_fds ? c->cap_fds * 2 : 16;
			struct pollfd *p = realloc(c->fds, cap * sizeof *p);
			if (p == NULL)
				return -1;
			c->fds = p;
			c->cap_fds = cap;
		}
		c->n_fds++;
	}
	c->fds[i].fd = s;
	c->fds[i].events = (short)(((what & CURL_POLL_IN) ? POLLIN : 0) | ((what & CURL_POLL_OUT) ? POLLOUT : 0));
	c->fds[i].revents = 0;
	return 0;
}

/* curl's timer callback: remembers when curl wants to be called again. */
static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct mtc_client *c = userp;
	c->curl_deadline_ms = timeout_ms < 0 ? -1 : mtc_mono_ms() + timeout_ms;
	return 0;
}

/* Makes a client for server. */
enum mtc_error mtc_client_new(const char *server, struct mtc_client **out, struct mtc_status *st)
{
	mtc_status_reset(st);
	if (out == NULL || server == NULL ||
	    (strncmp(server, "http://", 7) != 0 && strncmp(server, "https://", 8) != 0) ||
	    strlen(server) > 2000 || strpbrk(server, " \t\r\n") != NULL) {
		mtc_status_set(st, MTC_ERR_INVALID_ARG, "the server must be an http:// or https:// URL");
		return MTC_ERR_INVALID_ARG;
	}
	*out = NULL;
	struct mtc_client *c = calloc(1, sizeof *c);
	if (c == NULL || (c->server = mtc_strdup(server)) == NULL ||
	    (c->user_agent = mtc_strdup("maitre-client/0.1.0")) == NULL || (c->multi = curl_multi_init()) == NULL) {
		mtc_client_free(c);
		mtc_status_set(st, MTC_ERR_NOMEM, "out of memory");
		return MTC_ERR_NOMEM;
	}
	size_t n = strlen(c->server);
	while (n > 0 && c->server[n - 1] == '/')
		c->server[--n] = '\0';
	c->connect_ms = 5000;
	c->total_ms = 15000;
	c->retries = 1;
	c->session_lock_fd = -1;
	c->curl_deadline_ms = -1;
	c->next_id = 1;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 16L);
	const char *dbg = getenv("MAITRE_DEBUG");
	if (dbg != NULL && strcmp(dbg, "1") == 0)
		c->trace = mtc_trace_stderr;
	*out = c;
	return MTC_OK;
}

/* An easy handle: an idle one from the pool, or a new one (NULL on no memory). */
CURL *mtc_easy_get(struct mtc_client *c)
{
	if (c->n_pool > 0)
		return c->pool[--c->n_pool];
	return curl_easy_init();
}

/* Returns an easy handle (already out of the multi) to the pool, or frees it. */
void mtc_easy_put(struct mtc_client *c, CURL *e)
{
	if (e == NULL)
		return;
	if (c->n_pool < sizeof c->pool / sizeof c->pool[0]) {
		curl_easy_reset(e);
		c->pool[c->n_pool++] = e;
	} else {
		curl_easy_cleanup(e);
	}
}

/* Cancels everything, forgets the tokens and frees the client. */
void mtc_client_free(struct mtc_client *c)
{
	if (c == NULL)
		return;
	while (c->calls != NULL) {
		struct mtc_call *call = c->calls;
		c->calls = call->next;
		if (call->easy != NULL) {
			curl_multi_remove_handle(c->multi, call->easy);
			curl_easy_cleanup(call->easy);
			call->easy = NULL;
		}
		if (call->cb != NULL && !call->internal_refresh) {
			if (call->state != CALL_DONE) {
				mtc_result_clear(&call->result);
				call->result.op = call->req.op;
				call->result.id = call->id;
				mtc_status_set(&call->result.status, MTC_ERR_CANCELLED, "the client was freed");
			}
			call->cb(c, &call->result, call->userdata);
		}
		mtc_call_free(call);
	}
	mtc_session_unlock(c);
	mtc_cache_clear(c);
	while (c->n_pool > 0)
		curl_easy_cleanup(c->pool[--c->n_pool]);
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	free(c->fds);
	free(c->server);
	free(c->ca_file);
	free(c->user_agent);
	free(c->session_path);
	free(c->access_token);
	free(c->refresh_token);
	free(c);
}

/* The server's base URL. */
const char *mtc_client_server(const struct mtc_client *c)
{
	return c != NULL ? c->server : NULL;
}

/* Sets the timeouts. */
enum mtc_error mtc_client_set_timeouts(struct mtc_client *c, long connect_ms, long total_ms)
{
	if (c == NULL || connect_ms < 0 || total_ms < 0)
		return MTC_ERR_INVALID_ARG;
	if (connect_ms > 0)
		c->connect_ms = connect_ms;
	if (total_ms > 0)
		c->total_ms = total_ms;
	return MTC_OK;
}

/* Sets a private CA file. */
enum mtc_error mtc_client_set_ca_file(struct mtc_client *c, const char *pem_path)
{
	if (c == NULL)
		return MTC_ERR_INVALID_ARG;
	char *p = NULL;
	if (pem_path != NULL && (p = mtc_strdup(pem_path)) == NULL)
		return MTC_ERR_NOMEM;
	free(c->ca_file);
	c->ca_file = p;
	return MTC_OK;
}

/* Sets the number of network retries. */
enum mtc_error mtc_client_set_retries(struct mtc_client *c, int retries)
{
	if (c == NULL || retries < 0 || retries > 10)
		return MTC_ERR_INVALID_ARG;
	c->retries = retries;
	return MTC_OK;
}

/* Sets the User-Agent. */
enum mtc_error mtc_client_set_user_agent(struct mtc_client *c, const char *ua)
{
	if (c == NULL || ua == NULL)
		return MTC_ERR_INVALID_ARG;
	char *p = mtc_strdup(ua);
	if (p == NULL)
		return MTC_ERR_NOMEM;
	free(c->user_agent);
	c->user_agent = p;
	return MTC_OK;
}

/* Sets the trace sink. */
void mtc_client_set_trace(struct mtc_client *c, mtc_trace_fn fn, void *userdata)
{
	c->trace = fn;
	c->trace_ud = userdata;
}

/* Number of public calls in flight. */
size_t mtc_pending(const struct mtc_client *c)
{
	size_t n = 0;
	for (const struct mtc_call *call = c->calls; call != NULL; call = call->next)
		n += !call->internal_refresh;
	return n;
}

/* Copies the sockets curl wants watched. */
size_t mtc_pollfds(struct mtc_client *c, struct pollfd *fds, size_t cap)
{
	for (size_t i = 0; i < c->n_fds && i < cap; i++) {
		fds[i] = c->fds[i];
		fds[i].revents = 0;
	}
	return c->n_fds;
}

/* How long the caller may wait before calling mtc_process. */
int mtc_timeout_ms(struct mtc_client *c)
{
	int64_t now = mtc_mono_ms();
	int64_t best = c->curl_deadline_ms;
	for (struct mtc_call *call = c->calls; call != NULL; call = call->next) {
		int64_t t = -1;
		if (call->state == CALL_DONE || call->state == CALL_READY)
			t = now;
		else if (call->state == CALL_DELAYED)
			t = call->not_before_ms;
		if (t >= 0 && (best < 0 || t < best))
			best = t;
	}
	if (best < 0)
		return -1;
	if (best <= now)
		return 0;
	return best - now > 60000 ? 60000 : (int)(best - now);
}

/* Reads curl's finished transfers and hands them to their calls. */
static void read_done(struct mtc_client *c)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct mtc_call *call = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&call);
		CURLcode cc = msg->data.result;
		if (call != NULL)
			mtc_call_on_done(c, call, cc);
	}
}

/* Runs the callbacks of calls that ended (taken off the list first). */
static void dispatch(struct mtc_client *c)
{
	struct mtc_call *done = NULL, **tail = &done;
	for (struct mtc_call **pp = &c->calls; *pp != NULL;) {
		struct mtc_call *call = *pp;
		if (call->state == CALL_DONE && !call->internal_refresh) {
			*pp = call->next;
			call->next = NULL;
			*tail = call;
			tail = &call->next;
		} else {
			pp = &call->next;
		}
	}
	while (done != NULL) {
		struct mtc_call *call = done;
		done = call->next;
		c->in_process++;
		if (call->cb != NULL)
			call->cb(c, &call->result, call->userdata);
		c->in_process--;
		mtc_call_free(call);
	}
}

/* Does the work after poll(). */
enum mtc_error mtc_process(struct mtc_client *c, const struct pollfd *fds, size_t n)
{
	int running = 0;
	for (size_t i = 0; i < n; i++) {
		if (fds[i].revents == 0)
			continue;
		int ev = 0;
		if (fds[i].revents & POLLIN)
			ev |= CURL_CSELECT_IN;
		if (fds[i].revents & POLLOUT)
			ev |= CURL_CSELECT_OUT;
		if (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL))
			ev |= CURL_CSELECT_ERR;
		curl_multi_socket_action(c->multi, fds[i].fd, ev, &running);
	}
	if (c->curl_deadline_ms >= 0 && mtc_mono_ms() >= c->curl_deadline_ms) {
		c->curl_deadline_ms = -1;
		curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	read_done(c);
	mtc_calls_advance(c);
	read_done(c);
	dispatch(c);
	return MTC_OK;
}

/* Waits until nothing is in flight (or timeout_ms), running callbacks. */
enum mtc_error mtc_run(struct mtc_client *c, int timeout_ms)
{
	int64_t end = timeout_ms >= 0 ? mtc_mono_ms() + timeout_ms : -1;
	struct pollfd fds[256];
	while (c->calls != NULL) {
		int64_t now = mtc_mono_ms();
		if (end >= 0 && now >= end)
			return MTC_ERR_TIMEOUT;
		size_t n = mtc_pollfds(c, fds, 256);
		if (n > 256)
			n = 256;
		int t = mtc_timeout_ms(c);
		if (t < 0 || t > 1000)
			t = 1000;
		if (end >= 0 && end - now < t)
			t = (int)(end - now);
		if (poll(fds, n, t) < 0)
			for (size_t i = 0; i < n; i++)
				fds[i].revents = 0;
		enum mtc_error e = mtc_process(c, fds, n);
		if (e != MTC_OK)
			return e;
	}
	return MTC_OK;
}

/* State of one blocking call. */
struct blocking {
	struct mtc_result *out;  /* where the result goes */
	int done;                /* 1 once the callback ran */
};

/* Moves the finished call's result into the blocking caller's. */
static void blocking_done(struct mtc_client *c, struct mtc_result *r, void *ud)
{
	(void)c;
	struct blocking *b = ud;
	*b->out = *r;
	memset(r, 0, sizeof *r);
	b->done = 1;
}

/* Runs one request to the end. */
enum mtc_error mtc_call(struct mtc_client *c, const struct mtc_request *req, struct mtc_result *out)
{
	if (out == NULL)
		return MTC_ERR_INVALID_ARG;
	memset(out, 0, sizeof *out);
	mtc_status_reset(&out->status);
	if (c == NULL || req == NULL || c->in_process > 0) {
		mtc_status_set(&out->status, MTC_ERR_INVALID_ARG,
			       c != NULL && c->in_process ? "mtc_call inside a completion callback" : "no client or request");
		return MTC_ERR_INVALID_ARG;
	}
	struct blocking b = { .out = out, .done = 0 };
	uint64_t id;
	enum mtc_error e = mtc_start(c, req, blocking_done, &b, &id);
	if (e != MTC_OK) {
		mtc_status_set(&out->status, e, "%s", e == MTC_ERR_NOMEM ? "out of memory" : "invalid request");
		out->op = req->op;
		return e;
	}
	struct pollfd fds[256];
	while (!b.done) {
		size_t n = mtc_pollfds(c, fds, 256);
		if (n > 256)
			n = 256;
		int t = mtc_timeout_ms(c);
		if (t < 0 || t > 1000)
			t = 1000;
		if (poll(fds, n, t) < 0)
			for (size_t i = 0; i < n; i++)
				fds[i].revents = 0;
		mtc_process(c, fds, n);
	}
	out->id = 0;
	return out->status.code;
}
