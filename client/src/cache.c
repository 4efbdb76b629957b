/* The list cache: the last answer of each list request and its pages' ETags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define CACHE_MAX 32   /* entries kept; the oldest goes first */

/* The identity of a list request (malloc'd): op, list, filter, limit, all-pages, start cursor. */
char *mtc_cache_key(const struct mtc_request *r)
{
	struct mtc_buf b;
	mtc_buf_init(&b, 4096);
	if (mtc_buf_printf(&b, "%d|%s|%s|%d|%d|%s", (int)r->op, r->waitlist_id ? r->waitlist_id : "",
			   r->status_filter ? r->status_filter : "", r->limit, (r->flags & MTC_LIST_ALL) != 0,
			   r->cursor ? r->cursor : "") != 0) {
		mtc_buf_free(&b);
		return NULL;
	}
	return mtc_buf_take(&b);
}

/* Frees an array of pages (not their fresh lists). */
void mtc_cache_pages_free(struct cache_page *pages, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(pages[i].cursor_in);
	free(pages);
}

/* Frees one entry. */
static void entry_free(struct cache_entry *e)
{
	if (e->op == MTC_OP_LIST_WAITLISTS)
		mtc_waitlist_list_unref(e->list);
	else
		mtc_waitee_list_unref(e->list);
	mtc_cache_pages_free(e->pages, e->n_pages);
	free(e->key);
	free(e);
}

/* The entry for key, or NULL. */
struct cache_entry *mtc_cache_find(struct mtc_client *c, enum mtc_op op, const char *key)
{
	for (struct cache_entry *e = c->cache; e != NULL; e = e->next)
		if (e->op == op && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Stores list (taking one reference the caller gives) and its pages (taken) under key. */
enum mtc_error mtc_cache_put(struct mtc_client *c, enum mtc_op op, const char *key, void *list,
			     struct cache_page *pages, size_t n_pages)
{
	struct cache_entry *e = calloc(1, sizeof *e);
	char *k = mtc_strdup(key);
	if (e == NULL || k == NULL) {
		free(e);
		free(k);
		return MTC_ERR_NOMEM;
	}
	/* drop the old entry for the key and the oldest beyond the limit */
	size_t n = 0;
	for (struct cache_entry **pp = &c->cache; *pp != NULL;) {
		struct cache_entry *x = *pp;
		if ((x->op == op && strcmp(x->key, key) == 0) || ++n >= CACHE_MAX) {
			*pp = x->next;
			entry_free(x);
		} else {
			pp = &x->next;
		}
	}
	e->op = op;
	e->key = k;
	e->list = list;
	e->pages = pages;
	e->n_pages = n_pages;
	e->next = c->cache;
	c->cache = e;
	return MTC_OK;
}

/* Drops every cached list. */
void mtc_cache_clear(struct mtc_client *c)
{
	if (c == NULL)
		return;
	while (c->cache != NULL) {
		struct cache_entry *e = c->cache;
		c->cache = e->next;
		entry_free(e);
	}
}

/* The cached waitlists (a new reference) or NULL. */
struct mtc_waitlist_list *mtc_cache_waitlists(struct mtc_client *c)
{
	for (struct cache_entry *e = c->cache; e != NULL; e = e->next)
		if (e->op == MTC_OP_LIST_WAITLISTS)
			return mtc_waitlist_list_ref(e->list);
	return NULL;
}

/* The cached parties of a list for a filter (a new reference) or NULL. */
struct mtc_waitee_list *mtc_cache_waitees(struct mtc_client *c, const char *waitlist_id, const char *status_filter)
{
	char prefix[256];
	if (waitlist_id == NULL)
		return NULL;
	int n = snprintf(prefix, sizeof prefix, "%d|%s|%s|", (int)MTC_OP_LIST_WAITEES, waitlist_id,
			 status_filter ? status_filter : "");
	if (n < 0 || (size_t)n >= sizeof prefix)
		return NULL;
	for (struct cache_entry *e = c->cache; e != NULL; e = e->next)
		if (e->op == MTC_OP_LIST_WAITEES && strncmp(e->key, prefix, (size_t)n) == 0)
			return mtc_waitee_list_ref(e->list);
	return NULL;
}
