/* List pages: If-None-Match from the cache, 200/304 pages, following the
 * cursor, joining pages, and handing the same object back when nothing changed. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* 1 when two cursors (NULL = first page) are the same. */
static int same_cursor(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The call's cache entry (NULL when none or caching is off). */
static struct cache_entry *entry_of(struct mtc_client *c, struct mtc_call *call)
{
	if (call->req.flags & MTC_LIST_NO_CACHE)
		return NULL;
	char *key = mtc_cache_key(&call->req);
	struct cache_entry *e = key != NULL ? mtc_cache_find(c, call->req.op, key) : NULL;
	free(key);
	return e;
}

/* Index of the cached page fetched with cursor, or -1. */
static long cached_page(const struct cache_entry *e, const char *cursor)
{
	for (size_t i = 0; e != NULL && i < e->n_pages; i++)
		if (same_cursor(e->pages[i].cursor_in, cursor))
			return (long)i;
	return -1;
}

/* The ETag to send as If-None-Match for the call's next exchange, or NULL. */
const char *mtc_list_if_none_match(struct mtc_client *c, struct mtc_call *call)
{
	if (call->req.op != MTC_OP_LIST_WAITLISTS && call->req.op != MTC_OP_LIST_WAITEES)
		return NULL;
	struct cache_entry *e = entry_of(c, call);
	long i = cached_page(e, call->page_cursor);
	return i >= 0 ? e->pages[i].etag : NULL;
}

/* Parses a 200 page (a bare array) into a new list. */
static enum mtc_error parse_page(struct mtc_call *call, void **out)
{
	cJSON *a = call->resp.data != NULL ? cJSON_ParseWithLength(call->resp.data, call->resp.len) : NULL;
	enum mtc_error e = cJSON_IsArray(a) ? MTC_OK : MTC_ERR_BAD_ANSWER;
	int n = cJSON_GetArraySize(a);
	if (call->req.op == MTC_OP_LIST_WAITLISTS) {
		struct mtc_waitlist_list *l = mtc_waitlist_list_new();
		if (l == NULL || (n > 0 && (l->items = calloc((size_t)n, sizeof *l->items)) == NULL))
			e = MTC_ERR_NOMEM;
		const cJSON *it;
		cJSON_ArrayForEach(it, a) {
			if (e != MTC_OK)
				break;
			e = mtc_parse_waitlist(it, &l->items[l->n]);
			if (e == MTC_OK)
				l->n++;
		}
		if (e != MTC_OK) {
			mtc_waitlist_list_unref(l);
			l = NULL;
		}
		*out = l;
	} else {
		struct mtc_waitee_list *l = mtc_waitee_list_new();
		if (l == NULL || (n > 0 && (l->items = calloc((size_t)n, sizeof *l->items)) == NULL))
			e = MTC_ERR_NOMEM;
		const cJSON *it;
		cJSON_ArrayForEach(it, a) {
			if (e != MTC_OK)
				break;
			e = mtc_parse_waitee(it, &l->items[l->n]);
			if (e == MTC_OK)
				l->n++;
		}
		if (e != MTC_OK) {
			mtc_waitee_list_unref(l);
			l = NULL;
		}
		*out = l;
	}
	cJSON_Delete(a);
	return e;
}

/* Number of items of a list of the call's kind. */
static size_t list_n(const struct mtc_call *call, const void *l)
{
	if (l == NULL)
		return 0;
	if (call->req.op == MTC_OP_LIST_WAITLISTS)
		return ((const struct mtc_waitlist_list *)l)->n;
	return ((const struct mtc_waitee_list *)l)->n;
}

/* 1 when a 304 page's items (cached_start, count) lie inside the cached list. */
static int cached_range_ok(const struct mtc_call *call, const struct cache_entry *e, const struct cache_page *p)
{
	if (e == NULL || e->list == NULL)
		return 0;
	size_t n = list_n(call, e->list);
	return p->cached_start <= n && p->count <= n - p->cached_start;
}

/* Joins the pages into the result list (new object) and caches it. */
static enum mtc_error assemble(struct mtc_client *c, struct mtc_call *call, struct cache_entry *e,
			       const char *last_next)
{
	int wl = call->req.op == MTC_OP_LIST_WAITLISTS;
	if (!call->any_changed && e != NULL && e->n_pages == call->n_acc_pages) {
		call->result.not_modified = 1;
		if (wl)
			call->result.waitlists = mtc_waitlist_list_ref(e->list);
		else
			call->result.waitees = mtc_waitee_list_ref(e->list);
		return MTC_OK;
	}
	void *list = wl ? (void *)mtc_waitlist_list_new() : (void *)mtc_waitee_list_new();
	if (list == NULL)
		return MTC_ERR_NOMEM;
	enum mtc_error err = MTC_OK;
	for (size_t i = 0; i < call->n_acc_pages && err == MTC_OK; i++) {
		struct cache_page *p = &call->acc_pages[i];
		p->start = list_n(call, list);
		if (p->fresh == NULL && !cached_range_ok(call, e, p)) {
			/* the server's 304s and pages do not add up to the list held */
			mtc_status_set(&call->result.status, MTC_ERR_BAD_ANSWER,
				       "the server's pages do not match the cached list (304 for a page it changed)");
			err = MTC_ERR_BAD_ANSWER;
			break;
		}
		if (wl) {
			struct mtc_waitlist_list *dst = list, *src = p->fresh != NULL ? p->fresh : e->list;
			size_t from = p->fresh != NULL ? 0 : p->cached_start;
			if (p->count > 0)   /* an empty page may have no items array at all */
				err = mtc_waitlist_list_append(dst, src->items + from, p->count, p->fresh == NULL);
			if (err == MTC_OK && p->fresh != NULL)
				src->n = 0; /* moved */
			mtc_waitlist_list_unref(p->fresh);
		} else {
			struct mtc_waitee_list *dst = list, *src = p->fresh != NULL ? p->fresh : e->list;
			size_t from = p->fresh != NULL ? 0 : p->cached_start;
			if (p->count > 0)
				err = mtc_waitee_list_append(dst, src->items + from, p->count, p->fresh == NULL);
			if (err == MTC_OK && p->fresh != NULL)
				src->n = 0;
			mtc_waitee_list_unref(p->fresh);
		}
		p->fresh = NULL;
	}
	const char *etag = call->n_acc_pages == 1 ? call->acc_pages[0].etag : "";
	const char *next = (call->req.flags & MTC_LIST_ALL) ? "" : last_next;
	if (wl) {
		struct mtc_waitlist_list *l = list;
		snprintf(l->etag, sizeof l->etag, "%s", etag);
		snprintf(l->next_cursor, sizeof l->next_cursor, "%s", next);
	} else {
		struct mtc_waitee_list *l = list;
		snprintf(l->etag, sizeof l->etag, "%s", etag);
		snprintf(l->next_cursor, sizeof l->next_cursor, "%s", next);
		snprintf(l->waitlist_id, sizeof l->waitlist_id, "%s", call->req.waitlist_id);
	}
	if (err != MTC_OK) {
		if (wl)
			mtc_waitlist_list_unref(list);
		else
			mtc_waitee_list_unref(list);
		return err;
	}
	if (wl)
		call->result.waitlists = list;
	else
		call->result.waitees = list;
	if (!(call->req.flags & MTC_LIST_NO_CACHE)) {
		char *key = mtc_cache_key(&call->req);
		void *ref = wl ? (void *)mtc_waitlist_list_ref(list) : (void *)mtc_waitee_list_ref(list);
		if (key != NULL && mtc_cache_put(c, call->req.op, key, ref, call->acc_pages, call->n_acc_pages) == MTC_OK) {
			call->acc_pages = NULL;
			call->n_acc_pages = 0;
		} else if (wl) {
			mtc_waitlist_list_unref(ref);
		} else {
			mtc_waitee_list_unref(ref);
		}
		free(key);
	}
	return MTC_OK;
}

/* Handles one 200/304 page; *more = 1 when the next page must be fetched. */
enum mtc_error mtc_list_on_page(struct mtc_client *c, struct mtc_call *call, long http, int *more)
{
	*more = 0;
	struct cache_entry *e = entry_of(c, call);
	if (call->n_acc_pages >= 100000)
		return MTC_ERR_BAD_ANSWER;
	struct cache_page *pages = realloc(call->acc_pages, (call->n_acc_pages + 1) * sizeof *pages);
	if (pages == NULL)
		return MTC_ERR_NOMEM;
	call->acc_pages = pages;
	struct cache_page *p = &pages[call->n_acc_pages];
	memset(p, 0, sizeof *p);
	if (call->page_cursor != NULL && (p->cursor_in = mtc_strdup(call->page_cursor)) == NULL)
		return MTC_ERR_NOMEM;
	call->n_acc_pages++;
	snprintf(p->etag, sizeof p->etag, "%s", call->etag);
	const char *next;
	if (http == 304) {
		long k = cached_page(e, call->page_cursor);
		if (k < 0) {
			mtc_status_set(&call->result.status, MTC_ERR_BAD_ANSWER, "304 for a list this client does not hold");
			return MTC_ERR_BAD_ANSWER;
		}
		if (p->etag[0] == '\0')
			snprintf(p->etag, sizeof p->etag, "%s", e->pages[k].etag);
		p->count = e->pages[k].count;
		p->cached_start = e->pages[k].start;
		if ((size_t)k + 1 < e->n_pages)
			next = e->pages[k + 1].cursor_in;
		else
			next = call->req.op == MTC_OP_LIST_WAITLISTS ? ((struct mtc_waitlist_list *)e->list)->next_cursor
								     : ((struct mtc_waitee_list *)e->list)->next_cursor;
	} else {
		enum mtc_error err = parse_page(call, &p->fresh);
		if (err != MTC_OK) {
			if (err == MTC_ERR_BAD_ANSWER)
				mtc_status_set(&call->result.status, err, "the server's list is not a JSON array of records");
			return err;
		}
		p->count = list_n(call, p->fresh);
		call->any_changed = 1;
		next = call->next_cursor;
	}
	if ((call->req.flags & MTC_LIST_ALL) && next != NULL && next[0] != '\0') {
		char *n = mtc_strdup(next);
		if (n == NULL)
			return MTC_ERR_NOMEM;
		free(call->page_cursor);
		call->page_cursor = n;
		*more = 1;
		return MTC_OK;
	}
	char last_next[600];
	snprintf(last_next, sizeof last_next, "%s", next != NULL ? next : "");
	return assemble(c, call, e, last_next);
}
