/* The request machine shared by blocking and non-blocking calls: validate and
 * copy a request, send it (after a silent refresh when the token is about to
 * expire), read the answer, refresh once and retry on a refused token, retry
 * network failures of safe requests, finish with a result. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "internal.h"

/* 1 for ops that need the access token. */
int mtc_op_needs_auth(enum mtc_op op)
{
	return (op >= MTC_OP_LIST_WAITLISTS && op <= MTC_OP_NOTIFY_WAITEE) || op == MTC_OP_GET_STATS ||
	       op == MTC_OP_GET_ESTIMATE || (op >= MTC_OP_CHANGE_PASSWORD && op <= MTC_OP_UPDATE_RESTAURANT) ||
	       (op >= MTC_OP_LIST_ACTIVITY && op <= MTC_OP_HANDOVER_SUMMARY);
}

/* 1 when a failed attempt of call may be sent again without doing anything twice. */
static int call_retryable(const struct mtc_call *call)
{
	switch (call->req.op) {
	case MTC_OP_HEALTHZ: case MTC_OP_LIST_WAITLISTS: case MTC_OP_GET_WAITLIST:
	case MTC_OP_LIST_WAITEES: case MTC_OP_GET_WAITEE: case MTC_OP_GET_STATS: case MTC_OP_GET_ESTIMATE:
	case MTC_OP_LIST_STAFF: case MTC_OP_GET_RESTAURANT:
	case MTC_OP_CREATE_WAITLIST: case MTC_OP_CREATE_WAITEE:   /* they carry an Idempotency-Key */
	case MTC_OP_LIST_ACTIVITY: case MTC_OP_GET_HANDOVER: case MTC_OP_HANDOVER_SUMMARY:
	case MTC_OP_ACK_HANDOVER:   /* the first acknowledgement stays */
		return 1;
	case MTC_OP_UPDATE_WAITLIST: case MTC_OP_DELETE_WAITLIST: case MTC_OP_UPDATE_WAITEE:
	case MTC_OP_DELETE_WAITEE: case MTC_OP_NOTIFY_WAITEE: case MTC_OP_UPDATE_STAFF:
	case MTC_OP_UPDATE_RESTAURANT:
		return call->req.if_match > 0;
	default:
		return 0;
	}
}

/* Keeps a copy of s in the call (NULL stays NULL). -1 on no memory. */
static int keep(struct mtc_call *call, const char **s)
{
	if (*s == NULL)
		return 0;
	if (call->n_strings == sizeof call->strings / sizeof call->strings[0])
		return -1;
	char *p = mtc_strdup(*s);
	if (p == NULL)
		return -1;
	call->strings[call->n_strings++] = p;
	*s = p;
	return 0;
}

/* Frees a call and what it holds. */
void mtc_call_free(struct mtc_call *call)
{
	if (call == NULL)
		return;
	for (size_t i = 0; i < call->n_strings; i++)
		free(call->strings[i]);
	if (call->easy != NULL)
		curl_easy_cleanup(call->easy);
	curl_slist_free_all(call->headers);
	free(call->body);
	mtc_buf_free(&call->resp);
	free(call->page_cursor);
	if (call->acc_pages != NULL) {
		for (size_t i = 0; i < call->n_acc_pages; i++) {
			if (call->req.op == MTC_OP_LIST_WAITLISTS)
				mtc_waitlist_list_unref(call->acc_pages[i].fresh);
			else
				mtc_waitee_list_unref(call->acc_pages[i].fresh);
		}
		mtc_cache_pages_free(call->acc_pages, call->n_acc_pages);
	}
	mtc_result_clear(&call->result);
	free(call);
}

/* Checks that req has what its op needs: MTC_OK or MTC_ERR_INVALID_ARG. */
static enum mtc_error check_request(const struct mtc_request *r)
{
	int wl = r->waitlist_id != NULL && mtc_id_ok(r->waitlist_id);
	int we = r->waitee_id != NULL && mtc_id_ok(r->waitee_id);
	if (r->idempotency_key != NULL && !mtc_idempotency_key_valid(r->idempotency_key))
		return MTC_ERR_INVALID_ARG;
	if (r->limit < 0 || r->limit > 500 || r->if_match < 0)
		return MTC_ERR_INVALID_ARG;
	switch (r->op) {
	case MTC_OP_HEALTHZ: case MTC_OP_REFRESH: case MTC_OP_LOGOUT: case MTC_OP_LIST_WAITLISTS:
		return MTC_OK;
	case MTC_OP_LOGIN:
		return r->email != NULL && r->password != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_REGISTER:
		return r->email != NULL && r->password != NULL && r->name != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_GET_WAITLIST: case MTC_OP_DELETE_WAITLIST: case MTC_OP_LIST_WAITEES:
		return wl ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_CREATE_WAITLIST:
		return r->waitlist != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_UPDATE_WAITLIST:
		return wl && r->waitlist != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_CREATE_WAITEE:
		return wl && r->waitee != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_UPDATE_WAITEE:
		return wl && we && r->waitee != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_GET_WAITEE: case MTC_OP_DELETE_WAITEE: case MTC_OP_NOTIFY_WAITEE:
		return wl && we ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_SMS_REPLY:
		return r->hook_secret != NULL && r->sms_from != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_GET_STATS:
		return wl && r->days >= 0 && r->days <= 366 ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_GET_ESTIMATE:
		return wl && r->party_size >= 1 && r->party_size <= 50 ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_CHANGE_PASSWORD:
		return r->password != NULL && r->new_password != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_LIST_STAFF: case MTC_OP_GET_RESTAURANT:
		return MTC_OK;
	case MTC_OP_CREATE_STAFF:
		return r->staff != NULL && r->staff->email != NULL && r->staff->name != NULL &&
		       r->staff->role != NULL && r->staff->password != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_UPDATE_STAFF:
		return r->staff_id != NULL && mtc_id_ok(r->staff_id) && r->staff != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_RESET_STAFF_PASSWORD:
		return r->staff_id != NULL && mtc_id_ok(r->staff_id) && r->new_password != NULL ? MTC_OK
												 : MTC_ERR_INVALID_ARG;
	case MTC_OP_UPDATE_RESTAURANT:
		return r->restaurant != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_LIST_ACTIVITY:
		return wl && r->since >= 0 ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_GET_HANDOVER: case MTC_OP_HANDOVER_SUMMARY:
		return wl ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_PUT_HANDOVER:
		return wl && r->note != NULL ? MTC_OK : MTC_ERR_INVALID_ARG;
	case MTC_OP_ACK_HANDOVER:
		return wl && (r->note_id == NULL || mtc_id_ok(r->note_id)) ? MTC_OK : MTC_ERR_INVALID_ARG;
	default:
		return MTC_ERR_INVALID_ARG;
	}
}

/* Makes a call for req (strings and inputs copied). NULL on no memory. */
static struct mtc_call *call_new(struct mtc_client *c, const struct mtc_request *req)
{
	struct mtc_call *call = calloc(1, sizeof *call);
	if (call == NULL)
		return NULL;
	call->req = *req;
	mtc_buf_init(&call->resp, MTC_BODY_MAX);
	call->retry_after = -1;
	mtc_status_reset(&call->result.status);
	struct mtc_request *r = &call->req;
	int f = keep(call, &r->waitlist_id) | keep(call, &r->waitee_id) | keep(call, &r->idempotency_key) |
		keep(call, &r->status_filter) | keep(call, &r->cursor) | keep(call, &r->email) |
		keep(call, &r->password) | keep(call, &r->name) | keep(call, &r->hook_secret) |
		keep(call, &r->sms_from) | keep(call, &r->sms_body) | keep(call, &r->from) | keep(call, &r->to) |
		keep(call, &r->tz) | keep(call, &r->staff_id) | keep(call, &r->new_password) |
		keep(call, &r->note) | keep(call, &r->note_id);
	if (req->staff != NULL) {
		call->staff = *req->staff;
		r->staff = &call->staff;
		f |= keep(call, &call->staff.email) | keep(call, &call->staff.name) | keep(call, &call->staff.role) |
		     keep(call, &call->staff.password);
	}
	if (req->restaurant != NULL) {
		call->restaurant = *req->restaurant;
		r->restaurant = &call->restaurant;
		f |= keep(call, &call->restaurant.name) | keep(call, &call->restaurant.timezone) |
		     keep(call, &call->restaurant.phone_country);
	}
	if (req->waitee != NULL) {
		call->waitee = *req->waitee;
		r->waitee = &call->waitee;
		f |= keep(call, &call->waitee.name) | keep(call, &call->waitee.phone) |
		     keep(call, &call->waitee.email) | keep(call, &call->waitee.notes);
	}
	if (req->waitlist != NULL) {
		call->waitlist = *req->waitlist;
		r->waitlist = &call->waitlist;
		f |= keep(call, &call->waitlist.name) | keep(call, &call->waitlist.description) |
		     keep(call, &call->waitlist.tpl_joined) | keep(call, &call->waitlist.tpl_ready) |
		     keep(call, &call->waitlist.tpl_reminder);
	}
	if ((r->op == MTC_OP_CREATE_WAITEE || r->op == MTC_OP_CREATE_WAITLIST) && r->idempotency_key == NULL) {
		char key[MTC_IDEMPOTENCY_KEY_SIZE];
		if (mtc_idempotency_key_new(key, sizeof key) == MTC_OK) {
			const char *k = key;
			f |= keep(call, &k);
			r->idempotency_key = k;
		}
	}
	if (r->cursor != NULL && (call->page_cursor = mtc_strdup(r->cursor)) == NULL)
		f = 1;
	if (f) {
		mtc_call_free(call);
		return NULL;
	}
	if (r->idempotency_key != NULL)
		snprintf(call->result.idempotency_key, sizeof call->result.idempotency_key, "%s", r->idempotency_key);
	call->result.op = r->op;
	call->id = c->next_id++;
	call->result.id = call->id;
	call->state = CALL_READY;
	return call;
}

/* Starts a non-blocking call. */
enum mtc_error mtc_start(struct mtc_client *c, const struct mtc_request *req, mtc_done_fn cb, void *userdata,
			 uint64_t *id)
{
	if (c == NULL || req == NULL || check_request(req) != MTC_OK)
		return MTC_ERR_INVALID_ARG;
	struct mtc_call *call = call_new(c, req);
	if (call == NULL)
		return MTC_ERR_NOMEM;
	call->cb = cb;
	call->userdata = userdata;
	call->next = c->calls;
	c->calls = call;
	if (id != NULL)
		*id = call->id;
	if (!c->in_process)
		mtc_calls_advance(c);
	return MTC_OK;
}

/* Cancels a call: its callback runs now with MTC_ERR_CANCELLED. */
enum mtc_error mtc_cancel(struct mtc_client *c, uint64_t id)
{
	struct mtc_call **pp;
	for (pp = &c->calls; *pp != NULL && ((*pp)->id != id || (*pp)->internal_refresh); pp = &(*pp)->next)
		;
	struct mtc_call *call = *pp;
	if (call == NULL || call->state == CALL_DONE)
		return MTC_ERR_INVALID_ARG;
	*pp = call->next;
	if (call->easy != NULL) {
		curl_multi_remove_handle(c->multi, call->easy);
		mtc_easy_put(c, call->easy);
		call->easy = NULL;
	}
	mtc_result_clear(&call->result);
	call->result.op = call->req.op;
	call->result.id = call->id;
	mtc_status_set(&call->result.status, MTC_ERR_CANCELLED, "cancelled");
	c->in_process++;
	if (call->cb != NULL)
		call->cb(c, &call->result, call->userdata);
	c->in_process--;
	mtc_call_free(call);
	return MTC_OK;
}

/* Ends a call with code (the status's other members already set or not). */
void mtc_call_finish(struct mtc_client *c, struct mtc_call *call, enum mtc_error code)
{
	call->result.status.code = code;
	if (code != MTC_OK && call->result.status.message[0] == '\0')
		mtc_status_set(&call->result.status, code, "%s", mtc_strerror(code));
	call->state = CALL_DONE;
	if (call->req.op == MTC_OP_LOGOUT)
		mtc_tokens_forget(c);
	if (!call->internal_refresh)
		return;
	/* the shared refresh ended: wake its waiters */
	c->refresh_call = NULL;
	mtc_session_unlock(c);
	for (struct mtc_call *w = c->calls; w != NULL; w = w->next) {
		if (w->state != CALL_WAIT_REFRESH)
			continue;
		if (code == MTC_OK && w->req.op != MTC_OP_REFRESH) {
			w->state = CALL_READY;
		} else {
			w->result.status = call->result.status;
			w->state = CALL_DONE;
		}
	}
	/* unlink and free the internal call */
	for (struct mtc_call **pp = &c->calls; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == call) {
			*pp = call->next;
			break;
		}
	}
	mtc_call_free(call);
}

/* Starts the client's shared refresh (if none runs). MTC_OK or an error to end the waiter with. */
static enum mtc_error start_refresh(struct mtc_client *c)
{
	if (c->refresh_call != NULL)
		return MTC_OK;
	struct mtc_request r = { .op = MTC_OP_REFRESH };
	struct mtc_call *call = call_new(c, &r);
	if (call == NULL)
		return MTC_ERR_NOMEM;
	call->internal_refresh = 1;
	call->next = c->calls;
	c->calls = call;
	c->refresh_call = call;
	return MTC_OK;
}

/* Moves call to waiting for the shared refresh (starting it). */
static void wait_refresh(struct mtc_client *c, struct mtc_call *call)
{
	enum mtc_error e = start_refresh(c);
	if (e != MTC_OK) {
		mtc_call_finish(c, call, e);
		return;
	}
	call->state = CALL_WAIT_REFRESH;
}

/* Appends one header line; -1 on no memory. */
static int add_header(struct mtc_call *call, const char *name, const char *value)
{
	char line[1200];
	if (value != NULL)
		snprintf(line, sizeof line, "%s: %s", name, value);
	else
		snprintf(line, sizeof line, "%s:", name); /* "Name:" removes a header curl would add */
	struct curl_slist *l = curl_slist_append(call->headers, line);
	if (l == NULL)
		return -1;
	call->headers = l;
	return 0;
}

/* curl write callback: the answer body. */
static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct mtc_call *call = ud;
	return mtc_buf_add(&call->resp, p, size * n) == 0 ? size * n : 0;
}

/* Copies a header's value (trimmed) into buf when line is that header. */
static int header_value(const char *line, size_t len, const char *name, char *buf, size_t size)
{
	size_t nl = strlen(name);
	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return 0;
	const char *v = line + nl + 1;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	size_t n = (size_t)(end - v);
	if (n >= size)
		n = size - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return 1;
}

/* curl header callback: the answer headers we use. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct mtc_call *call = ud;
	size_t len = size * n;
	char tmp[32];
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new answer (after a 100 Continue): forget the last one's headers */
		call->etag[0] = call->next_cursor[0] = call->request_id[0] = '\0';
		call->retry_after = -1;
		call->replayed = 0;
		return len;
	}
	if (header_value(p, len, "Content-Length", tmp, sizeof tmp)) {
		char *end;
		long v = strtol(tmp, &end, 10);
		if (end != tmp && v > 0 && (size_t)v <= MTC_BODY_MAX && call->resp.len == 0 && mtc_buf_add(&call->resp, "", 0) == 0) {
			char *np = realloc(call->resp.data, (size_t)v + 1);   /* one allocation for the body */
			if (np != NULL) {
				call->resp.data = np;
				call->resp.cap = (size_t)v + 1;
			}
		}
		return len;
	}
	if (header_value(p, len, "ETag", call->etag, sizeof call->etag) ||
	    header_value(p, len, "X-Next-Cursor", call->next_cursor, sizeof call->next_cursor) ||
	    header_value(p, len, "X-Request-Id", call->request_id, sizeof call->request_id))
		return len;
	if (header_value(p, len, "Retry-After", tmp, sizeof tmp)) {
		char *end;
		long v = strtol(tmp, &end, 10);
		call->retry_after = end != tmp && v >= 0 && v < 86400 ? (int)v : -1;
	} else if (header_value(p, len, "Idempotent-Replayed", tmp, sizeof tmp)) {
		call->replayed = strcasecmp(tmp, "true") == 0;
	}
	return len;
}

/* Builds the path (with query) of the call's current exchange into b. -1 on no memory. */
static int build_path(struct mtc_client *c, struct mtc_call *call, struct mtc_buf *b, const char **method)
{
	const struct mtc_request *r = &call->req;
	(void)c;
	int e = 0;
	if (call->phase == PHASE_LOGIN_AFTER_REGISTER) {
		*method = "POST";
		return mtc_buf_adds(b, "/auth/get-token");
	}
	switch (r->op) {
	case MTC_OP_HEALTHZ: *method = "GET"; return mtc_buf_adds(b, "/healthz");
	case MTC_OP_REGISTER: *method = "POST"; return mtc_buf_adds(b, "/register");
	case MTC_OP_LOGIN: *method = "POST"; return mtc_buf_adds(b, "/auth/get-token");
	case MTC_OP_REFRESH: *method = "POST"; return mtc_buf_adds(b, "/auth/refresh");
	case MTC_OP_LOGOUT: *method = "POST"; return mtc_buf_adds(b, "/auth/logout");
	case MTC_OP_SMS_REPLY: *method = "POST"; return mtc_buf_adds(b, "/hooks/sms");
	case MTC_OP_CREATE_WAITLIST: *method = "POST"; return mtc_buf_adds(b, "/waitlists");
	case MTC_OP_CHANGE_PASSWORD: *method = "POST"; return mtc_buf_adds(b, "/auth/password");
	case MTC_OP_LIST_STAFF: *method = "GET";
		return r->limit > 0 ? mtc_buf_printf(b, "/staff?limit=%d", r->limit) : mtc_buf_adds(b, "/staff?limit=500");
	case MTC_OP_CREATE_STAFF: *method = "POST"; return mtc_buf_adds(b, "/staff");
	case MTC_OP_UPDATE_STAFF: *method = "PUT"; return mtc_buf_printf(b, "/staff/%s", r->staff_id);
	case MTC_OP_RESET_STAFF_PASSWORD: *method = "POST"; return mtc_buf_printf(b, "/staff/%s/password", r->staff_id);
	case MTC_OP_GET_RESTAURANT: *method = "GET"; return mtc_buf_adds(b, "/restaurant");
	case MTC_OP_UPDATE_RESTAURANT: *method = "PUT"; return mtc_buf_adds(b, "/restaurant");
	case MTC_OP_LIST_WAITLISTS:
	case MTC_OP_LIST_WAITEES: {
		*method = "GET";
		if (r->op == MTC_OP_LIST_WAITLISTS)
			e |= mtc_buf_adds(b, "/waitlists");
		else
			e |= mtc_buf_printf(b, "/waitlists/%s/waitees", r->waitlist_id);
		char sep = '?';
		if (r->limit > 0) {
			e |= mtc_buf_printf(b, "%climit=%d", sep, r->limit);
			sep = '&';
		}
		if (r->op == MTC_OP_LIST_WAITEES && r->status_filter != NULL) {
			char *q = mtc_url_escape(r->status_filter);
			e |= q == NULL || mtc_buf_printf(b, "%cstatus=%s", sep, q);
			free(q);
			sep = '&';
		}
		if (call->page_cursor != NULL) {
			char *q = mtc_url_escape(call->page_cursor);
			e |= q == NULL || mtc_buf_printf(b, "%ccursor=%s", sep, q);
			free(q);
		}
		return e ? -1 : 0;
	}
	case MTC_OP_GET_WAITLIST: *method = "GET"; break;
	case MTC_OP_UPDATE_WAITLIST: *method = "PUT"; break;
	case MTC_OP_DELETE_WAITLIST: *method = "DELETE"; break;
	case MTC_OP_CREATE_WAITEE: *method = "POST";
		return mtc_buf_printf(b, "/waitlists/%s/waitees", r->waitlist_id);
	case MTC_OP_GET_WAITEE: *method = "GET"; break;
	case MTC_OP_UPDATE_WAITEE: *method = "PUT"; break;
	case MTC_OP_DELETE_WAITEE: *method = "DELETE"; break;
	case MTC_OP_NOTIFY_WAITEE: *method = "POST";
		return mtc_buf_printf(b, "/waitlists/%s/waitees/%s/notify", r->waitlist_id, r->waitee_id);
	case MTC_OP_GET_STATS:
	case MTC_OP_GET_ESTIMATE: {
		const char *names[3] = { "from", "to", "tz" }, *vals[3] = { r->from, r->to, r->tz };
		char sep = '?';
		*method = "GET";
		if (r->op == MTC_OP_GET_STATS) {
			e |= mtc_buf_printf(b, "/waitlists/%s/stats", r->waitlist_id);
			if (r->days > 0) {
				e |= mtc_buf_printf(b, "%cdays=%d", sep, r->days);
				sep = '&';
			}
		} else {
			e |= mtc_buf_printf(b, "/waitlists/%s/estimate?partySize=%d", r->waitlist_id, r->party_size);
			sep = '&';
			vals[0] = vals[1] = NULL;
		}
		for (int i = 0; i < 3; i++) {
			if (vals[i] == NULL)
				continue;
			char *q = mtc_url_escape(vals[i]);
			e |= q == NULL || mtc_buf_printf(b, "%c%s=%s", sep, names[i], q);
			free(q);
			sep = '&';
		}
		return e ? -1 : 0;
	}
	case MTC_OP_LIST_ACTIVITY: {
		char sep = '?';
		*method = "GET";
		e |= mtc_buf_printf(b, "/waitlists/%s/activity", r->waitlist_id);
		if (r->since > 0) {
			e |= mtc_buf_printf(b, "%csince=%lld", sep, (long long)r->since);
			sep = '&';
		}
		if (r->limit > 0) {
			e |= mtc_buf_printf(b, "%climit=%d", sep, r->limit);
			sep = '&';
		}
		if (r->cursor != NULL) {
			char *q = mtc_url_escape(r->cursor);
			e |= q == NULL || mtc_buf_printf(b, "%ccursor=%s", sep, q);
			free(q);
		}
		return e ? -1 : 0;
	}
	case MTC_OP_GET_HANDOVER: *method = "GET";
		return mtc_buf_printf(b, "/waitlists/%s/handover", r->waitlist_id);
	case MTC_OP_PUT_HANDOVER: *method = "PUT";
		return mtc_buf_printf(b, "/waitlists/%s/handover", r->waitlist_id);
	case MTC_OP_ACK_HANDOVER: *method = "POST";
		return mtc_buf_printf(b, "/waitlists/%s/handover/ack", r->waitlist_id);
	case MTC_OP_HANDOVER_SUMMARY: *method = "GET";
		return mtc_buf_printf(b, "/waitlists/%s/handover/summary", r->waitlist_id);
	default:
		return -1;
	}
	if (r->op == MTC_OP_GET_WAITLIST || r->op == MTC_OP_UPDATE_WAITLIST || r->op == MTC_OP_DELETE_WAITLIST)
		return mtc_buf_printf(b, "/waitlists/%s", r->waitlist_id);
	return mtc_buf_printf(b, "/waitlists/%s/waitees/%s", r->waitlist_id, r->waitee_id);
}

/* Builds the body of the call's current exchange (NULL = none); -1 on no memory. */
static int build_body(struct mtc_client *c, struct mtc_call *call)
{
	const struct mtc_request *r = &call->req;
	free(call->body);
	call->body = NULL;
	if (call->phase == PHASE_LOGIN_AFTER_REGISTER)
		call->body = mtc_body_credentials(r->email, r->password, NULL, NULL, NULL, NULL);
	else switch (r->op) {
	case MTC_OP_REGISTER:
		call->body = mtc_body_credentials(r->email, r->password, r->name, r->restaurant_name, r->restaurant_timezone,
						  r->restaurant_country);
		break;
	case MTC_OP_LOGIN: call->body = mtc_body_credentials(r->email, r->password, NULL, NULL, NULL, NULL); break;
	case MTC_OP_REFRESH: case MTC_OP_LOGOUT: call->body = mtc_body_refresh(c->refresh_token); break;
	case MTC_OP_CREATE_WAITLIST: call->body = mtc_body_waitlist(r->waitlist, 1); break;
	case MTC_OP_UPDATE_WAITLIST: call->body = mtc_body_waitlist(r->waitlist, 0); break;
	case MTC_OP_CREATE_WAITEE: call->body = mtc_body_waitee(r->waitee, 1); break;
	case MTC_OP_UPDATE_WAITEE: call->body = mtc_body_waitee(r->waitee, 0); break;
	case MTC_OP_SMS_REPLY: call->body = mtc_body_sms(r->sms_from, r->sms_body); break;
	case MTC_OP_CHANGE_PASSWORD:
		call->body = mtc_body_password("currentPassword", r->password, "newPassword", r->new_password);
		break;
	case MTC_OP_RESET_STAFF_PASSWORD: call->body = mtc_body_password(NULL, NULL, "password", r->new_password); break;
	case MTC_OP_CREATE_STAFF: call->body = mtc_body_staff(r->staff, 1); break;
	case MTC_OP_UPDATE_STAFF: call->body = mtc_body_staff(r->staff, 0); break;
	case MTC_OP_UPDATE_RESTAURANT: call->body = mtc_body_restaurant(r->restaurant); break;
	case MTC_OP_PUT_HANDOVER: call->body = mtc_body_string("note", r->note); break;
	case MTC_OP_ACK_HANDOVER:
		if (r->note_id == NULL)
			return 0;
		call->body = mtc_body_string("id", r->note_id);
		break;
	default: return 0;
	}
	return call->body == NULL ? -1 : 0;
}

/* Takes an easy handle from the pool-less cache (a fresh one) and sets it up. */
static enum mtc_error send_http(struct mtc_client *c, struct mtc_call *call)
{
	struct mtc_buf url;
	const char *method = "GET";
	mtc_buf_init(&url, 16384);
	curl_slist_free_all(call->headers);
	call->headers = NULL;
	mtc_buf_free(&call->resp);
	mtc_buf_init(&call->resp, MTC_BODY_MAX);
	call->etag[0] = call->next_cursor[0] = call->request_id[0] = '\0';
	call->retry_after = -1;
	call->replayed = 0;
	call->errbuf[0] = '\0';
	if (mtc_buf_adds(&url, c->server) != 0 || build_path(c, call, &url, &method) != 0 || build_body(c, call) != 0) {
		mtc_buf_free(&url);
		return MTC_ERR_NOMEM;
	}
	const struct mtc_request *r = &call->req;
	int f = 0;
	const char *path = url.data + strlen(c->server);
	if (call->req.op == MTC_OP_SMS_REPLY) {
		f |= add_header(call, "Content-Type", "application/x-www-form-urlencoded");
		f |= add_header(call, "X-Maitre-Hook-Secret", r->hook_secret);
	} else if (call->body != NULL) {
		f |= add_header(call, "Content-Type", "application/json");
	}
	f |= add_header(call, "Accept", "application/json");
	f |= add_header(call, "Expect", NULL);
	if (mtc_op_needs_auth(r->op) && call->phase == PHASE_MAIN && c->access_token != NULL)
		f |= add_header(call, "Authorization", c->access_token);
	call->token_gen = c->token_gen;
	if (r->if_match > 0 && call->phase == PHASE_MAIN) {
		char v[32];
		snprintf(v, sizeof v, "\"%lld\"", (long long)r->if_match);
		f |= add_header(call, "If-Match", v);
	}
	if (r->idempotency_key != NULL && (r->op == MTC_OP_CREATE_WAITEE || r->op == MTC_OP_CREATE_WAITLIST))
		f |= add_header(call, "Idempotency-Key", r->idempotency_key);
	const char *inm = mtc_list_if_none_match(c, call);
	if (inm != NULL && inm[0] != '\0')
		f |= add_header(call, "If-None-Match", inm);
	if (f) {
		mtc_buf_free(&url);
		return MTC_ERR_NOMEM;
	}
	CURL *e = mtc_easy_get(c);
	if (e == NULL) {
		mtc_buf_free(&url);
		return MTC_ERR_NOMEM;
	}
	call->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, url.data);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)call);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, call);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->total_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (call->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(call->body));
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
	}
	if (c->trace != NULL) {
		char *masked = call->body != NULL && r->op != MTC_OP_SMS_REPLY ? mtc_trace_mask_json(call->body) : NULL;
		mtc_trace(c, "> %s %s%s%s%s%s", method, path, r->if_match > 0 ? " If-Match" : "",
			  inm != NULL && inm[0] ? " If-None-Match" : "",
			  r->idempotency_key != NULL ? " Idempotency-Key=" : "",
			  r->idempotency_key != NULL ? r->idempotency_key : "");
		if (masked != NULL)
			mtc_trace(c, "> body %s", masked);
		else if (r->op == MTC_OP_SMS_REPLY)
			mtc_trace(c, "> body (form, masked)");
		free(masked);
	}
	mtc_buf_free(&url);
	call->started_ms = mtc_mono_ms();
	call->state = CALL_RUNNING;
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
		mtc_easy_put(c, e);
		call->easy = NULL;
		return MTC_ERR_NOMEM;
	}
	return MTC_OK;
}

/* Advances one READY call: refresh first when needed, else send. */
static void advance(struct mtc_client *c, struct mtc_call *call)
{
	const struct mtc_request *r = &call->req;
	enum mtc_error e;
	if (call->internal_refresh) {
		if (!mtc_session_lock(c)) {
			call->state = CALL_DELAYED; /* another process refreshes: look again soon */
			call->not_before_ms = mtc_mono_ms() + 50;
			return;
		}
		mtc_session_adopt_file(c);
		if (c->refresh_token == NULL) {
			mtc_status_set(&call->result.status, MTC_ERR_UNAUTHORIZED, "not logged in");
			mtc_call_finish(c, call, MTC_ERR_UNAUTHORIZED);
			return;
		}
	} else if (r->op == MTC_OP_REFRESH) {
		if (c->refresh_token == NULL && c->session_path == NULL) {
			mtc_status_set(&call->result.status, MTC_ERR_UNAUTHORIZED, "not logged in");
			mtc_call_finish(c, call, MTC_ERR_UNAUTHORIZED);
			return;
		}
		wait_refresh(c, call);
		return;
	} else if (r->op == MTC_OP_LOGOUT && c->refresh_token == NULL) {
		mtc_call_finish(c, call, MTC_OK); /* nothing to revoke */
		return;
	} else if (mtc_op_needs_auth(r->op)) {
		int expiring = c->access_token == NULL ||
			       (c->access_expires_ms > 0 && mtc_mono_ms() + MTC_REFRESH_MARGIN_MS >= c->access_expires_ms);
		if (c->refresh_call != NULL) {
			call->state = CALL_WAIT_REFRESH;
			return;
		}
		if (expiring && (c->refresh_token != NULL || (c->access_token == NULL && c->session_path != NULL))) {
			if (c->access_token != NULL)
				mtc_trace(c, "access token expires soon: refreshing first");
			wait_refresh(c, call);
			return;
		}
		if (c->access_token == NULL) {
			mtc_status_set(&call->result.status, MTC_ERR_UNAUTHORIZED, "not logged in");
			mtc_call_finish(c, call, MTC_ERR_UNAUTHORIZED);
			return;
		}
	}
	e = send_http(c, call);
	if (e != MTC_OK) {
		mtc_status_set(&call->result.status, e, "%s", mtc_strerror(e));
		mtc_call_finish(c, call, e);
	}
}

/* Advances every call that can move (READY, or DELAYED and due). */
void mtc_calls_advance(struct mtc_client *c)
{
	int again = 1;
	while (again) {
		again = 0;
		int64_t now = mtc_mono_ms();
		for (struct mtc_call *call = c->calls; call != NULL; call = call->next) {
			if (call->state == CALL_DELAYED && now >= call->not_before_ms)
				call->state = CALL_READY;
			if (call->state == CALL_READY) {
				advance(c, call);
				again = 1; /* the list may have changed (refresh call added or removed) */
				break;
			}
		}
	}
}

/* Parses the body as a record for the op into the result. */
static enum mtc_error take_record(struct mtc_call *call)
{
	cJSON *o = call->resp.data != NULL ? cJSON_ParseWithLength(call->resp.data, call->resp.len) : NULL;
	enum mtc_error e = MTC_ERR_BAD_ANSWER;
	switch (call->req.op) {
	case MTC_OP_GET_WAITLIST: case MTC_OP_CREATE_WAITLIST: case MTC_OP_UPDATE_WAITLIST:
		call->result.waitlist = calloc(1, sizeof *call->result.waitlist);
		e = call->result.waitlist == NULL ? MTC_ERR_NOMEM : mtc_parse_waitlist(o, call->result.waitlist);
		if (e != MTC_OK) {
			free(call->result.waitlist);
			call->result.waitlist = NULL;
		}
		break;
	case MTC_OP_GET_WAITEE: case MTC_OP_CREATE_WAITEE: case MTC_OP_UPDATE_WAITEE: case MTC_OP_NOTIFY_WAITEE:
		call->result.waitee = calloc(1, sizeof *call->result.waitee);
		e = call->result.waitee == NULL ? MTC_ERR_NOMEM : mtc_parse_waitee(o, call->result.waitee);
		if (e != MTC_OK) {
			free(call->result.waitee);
			call->result.waitee = NULL;
		}
		/* an add's answer may carry the quote the server suggests (optional) */
		if (e == MTC_OK && call->req.op == MTC_OP_CREATE_WAITEE &&
		    cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "estimate"))) {
			call->result.estimate = calloc(1, sizeof *call->result.estimate);
			if (call->result.estimate != NULL &&
			    mtc_parse_estimate(cJSON_GetObjectItemCaseSensitive(o, "estimate"), call->result.estimate) != MTC_OK) {
				free(call->result.estimate);
				call->result.estimate = NULL;
			}
		}
		break;
	case MTC_OP_GET_STATS:
		call->result.stats = calloc(1, sizeof *call->result.stats);
		e = call->result.stats == NULL ? MTC_ERR_NOMEM
			: mtc_parse_stats(call->resp.data ? call->resp.data : "", call->resp.len, call->result.stats);
		if (e != MTC_OK) {
			mtc_stats_clear(call->result.stats);
			free(call->result.stats);
			call->result.stats = NULL;
		}
		break;
	case MTC_OP_GET_ESTIMATE:
		call->result.estimate = calloc(1, sizeof *call->result.estimate);
		e = call->result.estimate == NULL ? MTC_ERR_NOMEM : mtc_parse_estimate(o, call->result.estimate);
		if (e != MTC_OK) {
			free(call->result.estimate);
			call->result.estimate = NULL;
		}
		break;
	case MTC_OP_REGISTER:
		call->result.account = calloc(1, sizeof *call->result.account);
		e = call->result.account == NULL ? MTC_ERR_NOMEM : mtc_parse_account(o, call->result.account);
		if (e != MTC_OK) {
			free(call->result.account);
			call->result.account = NULL;
		}
		break;
	case MTC_OP_LIST_STAFF: case MTC_OP_CREATE_STAFF: case MTC_OP_UPDATE_STAFF:
	case MTC_OP_RESET_STAFF_PASSWORD: case MTC_OP_GET_RESTAURANT: case MTC_OP_UPDATE_RESTAURANT:
		e = mtc_staff_take(call, o);
		break;
	case MTC_OP_HEALTHZ: {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "store");
		e = cJSON_IsString(s) ? MTC_OK : MTC_ERR_BAD_ANSWER;
		if (e == MTC_OK)
			snprintf(call->result.store, sizeof call->result.store, "%s", s->valuestring);
		break;
	}
	case MTC_OP_LIST_ACTIVITY: case MTC_OP_GET_HANDOVER: case MTC_OP_PUT_HANDOVER:
	case MTC_OP_ACK_HANDOVER: case MTC_OP_HANDOVER_SUMMARY:
		e = o == NULL ? MTC_ERR_BAD_ANSWER : MTC_OK;
		if (e == MTC_OK && (call->result.json = mtc_strdup(call->resp.data)) == NULL)
			e = MTC_ERR_NOMEM;
		if (e == MTC_OK && call->req.op == MTC_OP_LIST_ACTIVITY)
			snprintf(call->result.next_cursor, sizeof call->result.next_cursor, "%s", call->next_cursor);
		break;
	default:
		e = MTC_OK;
	}
	cJSON_Delete(o);
	if (e == MTC_ERR_BAD_ANSWER)
		mtc_status_set(&call->result.status, e, "the server's answer is not the expected JSON");
	return e;
}

/* The status a 2xx answer must have for the call's exchange. */
static long expected_status(const struct mtc_call *call)
{
	if (call->phase == PHASE_LOGIN_AFTER_REGISTER)
		return 200;
	switch (call->req.op) {
	case MTC_OP_REGISTER: case MTC_OP_CREATE_WAITLIST: case MTC_OP_CREATE_WAITEE: case MTC_OP_CREATE_STAFF:
		return 201;
	case MTC_OP_PUT_HANDOVER: return 201;
	case MTC_OP_LOGOUT: case MTC_OP_DELETE_WAITLIST: case MTC_OP_DELETE_WAITEE: return 204;
	case MTC_OP_NOTIFY_WAITEE: return 202;
	default: return 200;
	}
}

/* Handles the end of the call's HTTP exchange. */
void mtc_call_on_done(struct mtc_client *c, struct mtc_call *call, CURLcode cc)
{
	long http = 0;
	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &http);
	curl_multi_remove_handle(c->multi, call->easy);
	mtc_easy_put(c, call->easy);
	call->easy = NULL;
	struct mtc_status *st = &call->result.status;
	int64_t ms = mtc_mono_ms() - call->started_ms;
	if (cc != CURLE_OK) {
		enum mtc_error k = cc == CURLE_OPERATION_TIMEDOUT ? MTC_ERR_TIMEOUT : MTC_ERR_NETWORK;
		mtc_trace(c, "< %s after %lld ms: %s", mtc_strerror(k), (long long)ms,
			  call->errbuf[0] ? call->errbuf : curl_easy_strerror(cc));
		int conn = cc == CURLE_COULDNT_CONNECT || cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
			   cc == CURLE_GOT_NOTHING;
		if (conn && call_retryable(call) && call->attempts < c->retries) {
			call->attempts++;
			call->state = CALL_DELAYED;
			call->not_before_ms = mtc_mono_ms() + 100;
			return;
		}
		mtc_status_reset(st);
		mtc_status_set(st, k, "%s", call->errbuf[0] ? call->errbuf : curl_easy_strerror(cc));
		mtc_call_finish(c, call, k);
		return;
	}
	mtc_trace(c, "< %ld in %lld ms, %zu bytes%s%s", http, (long long)ms, call->resp.len,
		  call->request_id[0] ? ", request " : "", call->request_id);
	st->http_status = http;
	snprintf(st->request_id, sizeof st->request_id, "%s", call->request_id);
	/* a refused token: refresh once and try again */
	if (mtc_op_needs_auth(call->req.op) && mtc_answer_token_refused(http, call->resp.data, call->resp.len)) {
		if (call->token_gen != c->token_gen && c->access_token != NULL) {
			call->state = CALL_READY; /* someone refreshed meanwhile: just resend */
			return;
		}
		if (!call->refreshed && (c->refresh_token != NULL || c->session_path != NULL)) {
			call->refreshed = 1;
			mtc_trace(c, "token refused (%ld): refreshing and retrying once", http);
			free(c->access_token);
			c->access_token = NULL;
			c->token_gen++;
			wait_refresh(c, call);
			return;
		}
	}
	if (http == 409 && call->retry_after >= 0 && call->attempts < 5 &&
	    (call->req.op == MTC_OP_CREATE_WAITEE || call->req.op == MTC_OP_CREATE_WAITLIST) &&
	    call->resp.data != NULL && strstr(call->resp.data, "idempotency_in_progress") != NULL) {
		call->attempts++;
		call->state = CALL_DELAYED;
		call->not_before_ms = mtc_mono_ms() + (call->retry_after > 0 ? call->retry_after * 1000 : 200);
		return;
	}
	if (http == 503 && call_retryable(call) && call->attempts < c->retries && call->retry_after <= 5) {
		call->attempts++;
		call->state = CALL_DELAYED;
		call->not_before_ms = mtc_mono_ms() + (call->retry_after > 0 ? call->retry_after * 1000 : 500);
		return;
	}
	if (call->req.op == MTC_OP_LIST_WAITLISTS || call->req.op == MTC_OP_LIST_WAITEES) {
		if (http == 200 || http == 304) {
			int more = 0;
			enum mtc_error e = mtc_list_on_page(c, call, http, &more);
			if (e == MTC_OK && more) {
				call->state = CALL_READY;
				return;
			}
			mtc_call_finish(c, call, e);
			return;
		}
	} else if (http == expected_status(call) ||
		   (http == 200 && (call->req.op == MTC_OP_CREATE_WAITEE || call->req.op == MTC_OP_CREATE_WAITLIST))) {
		enum mtc_error e = MTC_OK;
		if (call->phase == PHASE_LOGIN_AFTER_REGISTER || call->req.op == MTC_OP_LOGIN ||
		    call->req.op == MTC_OP_REFRESH || call->req.op == MTC_OP_CHANGE_PASSWORD) {
			if (call->req.op == MTC_OP_LOGIN || call->phase == PHASE_LOGIN_AFTER_REGISTER)
				mtc_cache_clear(c);
			e = mtc_tokens_from_session_json(c, call->resp.data, call->resp.len, st);
		} else if (call->req.op != MTC_OP_LOGOUT) {
			e = take_record(call);
		}
		call->result.replayed = call->replayed;
		if (e == MTC_OK && call->req.op == MTC_OP_REGISTER && call->phase == PHASE_MAIN) {
			call->phase = PHASE_LOGIN_AFTER_REGISTER;
			call->state = CALL_READY;
			return;
		}
		mtc_call_finish(c, call, e);
		return;
	}
	enum mtc_error k = (http >= 200 && http < 300) ? MTC_ERR_BAD_ANSWER : mtc_answer_status(call, http, st);
	if (k == MTC_ERR_BAD_ANSWER && http >= 200 && http < 300)
		mtc_status_set(st, k, "unexpected HTTP %ld", http);
	if (call->internal_refresh && http == 401) {
		mtc_trace(c, "refresh token refused: the session is over");
		mtc_tokens_forget(c);
	}
	mtc_call_finish(c, call, k);
}
