/* libFuzzer target: the client library's reading of server answers
 * (client/src: list pages with the cache and 304s, records, error bodies,
 * session answers and the identity read from the access token, ETags).
 * The answers are handed to the same internal functions the request machine
 * (call.c) calls when curl finishes, without a network. Built by
 * tests/fuzz/meson.build with -Dfuzz=true and clang; test.sh runs it.
 *
 * Input: the first byte picks the op (low 4 bits) and list flags (bit 4:
 * MTC_LIST_ALL, bit 5: MTC_LIST_NO_CACHE); then answers separated by a line
 * "@@@", each "STATUS ETAG NEXT-CURSOR\n" (use - for none) and the body.
 * A list op feeds the answers as pages (following NEXT-CURSOR with
 * MTC_LIST_ALL), and starts the same request again after a list is
 * complete, so later answers meet the cache (304s). Checks: a finished list
 * holds as many items as its pages together, is the cached object after a
 * 304-only round, and every item has an id; a parsed record has an id; an
 * error status gives an error kind; mtc_etag_version is -1 or >= 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define FUZZ_CLIENT_ANSWERS 16   /* answers read from one input at most */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One answer of the input. */
struct fuzz_answer {
	long status;              /* HTTP status */
	char etag[128];           /* ETag, "" none */
	char next[600];           /* X-Next-Cursor, "" none */
	const char *body;         /* body bytes (in the input copy) */
	size_t len;               /* body length */
};

/* Stops the run with a message. */
static void fuzz_client_die(const char *what)
{
	fprintf(stderr, "fuzz-client: %s\n", what);
	abort();
}

/* Reads one "STATUS ETAG NEXT" line from s into a; returns the body start or NULL. */
static const char *fuzz_client_head(const char *s, const char *end, struct fuzz_answer *a)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	char line[800], et[128], nx[600];
	int n;

	if (nl == NULL || (size_t)(nl - s) >= sizeof line)
		return NULL;
	memcpy(line, s, (size_t)(nl - s));
	line[nl - s] = '\0';
	n = sscanf(line, "%ld %127s %599s", &a->status, et, nx);
	if (n < 1)
		return NULL;
	snprintf(a->etag, sizeof a->etag, "%s", n >= 2 && strcmp(et, "-") != 0 ? et : "");
	snprintf(a->next, sizeof a->next, "%s", n >= 3 && strcmp(nx, "-") != 0 ? nx : "");
	return nl + 1;
}

/* Splits the input into answers; returns how many. */
static size_t fuzz_client_split(const char *s, size_t len, struct fuzz_answer *out, size_t max)
{
	const char *end = s + len, *p = s;
	size_t n = 0;

	while (p < end && n < max) {
		const char *body = fuzz_client_head(p, end, &out[n]), *sep;

		if (body == NULL)
			break;
		sep = NULL;
		for (const char *q = body; q + 5 <= end; q++)
			if (memcmp(q, "\n@@@\n", 5) == 0) {
				sep = q;
				break;
			}
		out[n].body = body;
		out[n].len = (size_t)((sep ? sep : end) - body);
		n++;
		p = sep ? sep + 5 : end;
	}
	return n;
}

/* A new call for req with the answer a in its buffers. */
static struct mtc_call *fuzz_client_call(const struct mtc_request *req, const struct fuzz_answer *a,
					 struct mtc_call *reuse)
{
	struct mtc_call *call = reuse;

	if (call == NULL) {
		call = calloc(1, sizeof *call);
		if (call == NULL)
			return NULL;
		call->req = *req;
		call->result.op = req->op;
		call->retry_after = -1;
		mtc_buf_init(&call->resp, MTC_BODY_MAX);
	}
	call->resp.len = 0;
	if (a->len > 0 && mtc_buf_add(&call->resp, a->body, a->len) != 0) {
		mtc_call_free(call);
		return NULL;
	}
	snprintf(call->etag, sizeof call->etag, "%s", a->etag);
	snprintf(call->next_cursor, sizeof call->next_cursor, "%s", a->next);
	return call;
}

/* Checks a finished list result. */
static void fuzz_client_list_done(const struct mtc_call *call, size_t items, int all_304)
{
	if (call->req.op == MTC_OP_LIST_WAITLISTS) {
		const struct mtc_waitlist_list *l = call->result.waitlists;

		if (l == NULL || l->n != items)
			fuzz_client_die("waitlist list count differs from its pages");
		for (size_t i = 0; i < l->n; i++)
			if (l->items[i].id[0] == '\0')
				fuzz_client_die("a waitlist without an id");
	} else {
		const struct mtc_waitee_list *l = call->result.waitees;

		if (l == NULL || l->n != items)
			fuzz_client_die("waitee list count differs from its pages");
		for (size_t i = 0; i < l->n; i++)
			if (l->items[i].id[0] == '\0')
				fuzz_client_die("a waitee without an id");
	}
	if (all_304 && !call->result.not_modified && !(call->req.flags & MTC_LIST_NO_CACHE))
		fuzz_client_die("a round of 304s did not give the cached list");
}

/* Feeds the answers to list calls (as call.c does) starting again after each complete list. */
static void fuzz_client_lists(struct mtc_client *c, const struct mtc_request *req, const struct fuzz_answer *a,
			      size_t n)
{
	struct mtc_call *call = NULL;
	size_t items = 0;
	int all_304 = 1;

	for (size_t i = 0; i < n; i++) {
		int more = 0;
		enum mtc_error e;

		call = fuzz_client_call(req, &a[i], call);
		if (call == NULL)
			return;
		if (a[i].status != 200 && a[i].status != 304) {
			struct mtc_status st;

			memset(&st, 0, sizeof st);
			if (a[i].status >= 400 && mtc_answer_status(call, a[i].status, &st) == MTC_OK)
				fuzz_client_die("an error status read as success");
			mtc_call_free(call);
			call = NULL;
			items = 0;
			all_304 = 1;
			continue;
		}
		e = mtc_list_on_page(c, call, a[i].status, &more);
		all_304 &= a[i].status == 304;
		if (e == MTC_OK && more)
			continue;
		if (e == MTC_OK) {
			/* the pages went to the cache, or stayed with the call (no cache) */
			char *key = mtc_cache_key(&call->req);
			struct cache_entry *ce = key && call->acc_pages == NULL ? mtc_cache_find(c, call->req.op, key) : NULL;
			const struct cache_page *pages = ce ? ce->pages : call->acc_pages;
			size_t np = ce ? ce->n_pages : call->n_acc_pages;

			free(key);
			items = 0;
			for (size_t p = 0; p < np; p++)
				items += pages[p].count;
			fuzz_client_list_done(call, items, all_304);
		}
		mtc_call_free(call);
		call = NULL;
		items = 0;
		all_304 = 1;
	}
	mtc_call_free(call);
}

/* Feeds the first answer to a record op, as call.c's take_record does. */
static void fuzz_client_record(struct mtc_client *c, const struct mtc_request *req, const struct fuzz_answer *a)
{
	struct mtc_call *call = fuzz_client_call(req, a, NULL);
	struct mtc_status st;
	cJSON *o;

	if (call == NULL)
		return;
	memset(&st, 0, sizeof st);
	if (a->status >= 300) {
		if (mtc_answer_status(call, a->status, &st) == MTC_OK)
			fuzz_client_die("an error status read as success");
		mtc_call_free(call);
		return;
	}
	o = cJSON_ParseWithLength(call->resp.data ? call->resp.data : "", call->resp.len);
	switch (req->op) {
	case MTC_OP_LOGIN: {
		struct mtc_identity id;

		if (mtc_tokens_from_session_json(c, call->resp.data, call->resp.len, &st) == MTC_OK)
			(void)mtc_client_identity(c, &id);
		break;
	}
	case MTC_OP_GET_WAITLIST:
		call->result.waitlist = calloc(1, sizeof *call->result.waitlist);
		if (call->result.waitlist && mtc_parse_waitlist(o, call->result.waitlist) == MTC_OK &&
		    call->result.waitlist->id[0] == '\0')
			fuzz_client_die("a waitlist without an id");
		break;
	case MTC_OP_GET_WAITEE:
		call->result.waitee = calloc(1, sizeof *call->result.waitee);
		if (call->result.waitee && mtc_parse_waitee(o, call->result.waitee) == MTC_OK &&
		    call->result.waitee->id[0] == '\0')
			fuzz_client_die("a waitee without an id");
		break;
	default:
		call->result.account = calloc(1, sizeof *call->result.account);
		if (call->result.account)
			(void)mtc_parse_account(o, call->result.account);
		break;
	}
	cJSON_Delete(o);
	mtc_call_free(call);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum mtc_op ops[] = { MTC_OP_LIST_WAITLISTS, MTC_OP_LIST_WAITEES, MTC_OP_GET_WAITLIST,
					   MTC_OP_GET_WAITEE, MTC_OP_LOGIN, MTC_OP_REGISTER };
	struct fuzz_answer a[FUZZ_CLIENT_ANSWERS];
	struct mtc_request req;
	struct mtc_client *c = NULL;
	struct mtc_status st;
	size_t n;
	char *s;

	if (size < 1 || size > 65536)
		return 0;
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	n = fuzz_client_split(s, size - 1, a, FUZZ_CLIENT_ANSWERS);
	memset(&req, 0, sizeof req);
	req.op = ops[(data[0] & 0x0f) % (sizeof ops / sizeof ops[0])];
	req.flags = (data[0] & 0x10 ? MTC_LIST_ALL : 0) | (data[0] & 0x20 ? MTC_LIST_NO_CACHE : 0);
	req.waitlist_id = "01HZY0000000000000000000WL";
	req.waitee_id = "01HZY0000000000000000000WE";
	memset(&st, 0, sizeof st);
	if (n > 0 && mtc_client_new("http://127.0.0.1:9", &c, &st) == MTC_OK) {
		int64_t v = mtc_etag_version(a[0].etag);

		if (v < -1)
			fuzz_client_die("negative ETag version");
		if (req.op == MTC_OP_LIST_WAITLISTS || req.op == MTC_OP_LIST_WAITEES)
			fuzz_client_lists(c, &req, a, n);
		else
			fuzz_client_record(c, &req, &a[0]);
		mtc_client_free(c);
	}
	free(s);
	return 0;
}
