/* Per-thread cache of rendered waitee-list pages; see listcache.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "core/model.h"
#include "handlers/listcache.h"

/* One rendered page. */
struct listcache_entry {
	const void *scope;                   /* store; NULL = free slot */
	char list_id[MT_ID_SIZE];            /* waitlist id */
	int64_t rev;                         /* waitee revision it was rendered at */
	int limit;                           /* page size asked for */
	char query[LISTCACHE_QUERY_MAX + 2]; /* cursor, '\n', status */
	int64_t valid_until_ms;              /* wall clock end of life */
	struct listcache_body *body;         /* the JSON answer (the cache's reference) */
	char *next;                          /* next cursor or NULL */
	uint64_t used;                       /* LRU tick of the last use */
};

/* One thread's entries. */
struct listcache {
	struct listcache_entry e[LISTCACHE_ENTRIES];
	uint64_t tick;                       /* LRU clock */
};

static pthread_key_t listcache_key_tls;
static pthread_once_t listcache_once = PTHREAD_ONCE_INIT;
static int listcache_key_ok;

void listcache_release(void *arg)
{
	struct listcache_body *b = arg;

	if (b != NULL && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
		free(b);
}

/* Frees one entry's memory (the body once no answer uses it) and marks the slot free. */
static void listcache_drop(struct listcache_entry *e)
{
	listcache_release(e->body);
	free(e->next);
	memset(e, 0, sizeof *e);
}

/* Thread-exit destructor. */
static void listcache_free(void *p)
{
	struct listcache *lc = p;
	size_t i;

	for (i = 0; i < LISTCACHE_ENTRIES; i++)
		listcache_drop(&lc->e[i]);
	free(lc);
}

static void listcache_init_key(void)
{
	listcache_key_ok = pthread_key_create(&listcache_key_tls, listcache_free) == 0;
}

/* This thread's cache; created when `create`. NULL when absent or out of memory. */
static struct listcache *listcache_self(int create)
{
	struct listcache *lc;

	pthread_once(&listcache_once, listcache_init_key);
	if (!listcache_key_ok)
		return NULL;
	lc = pthread_getspecific(listcache_key_tls);
	if (lc == NULL && create) {
		lc = calloc(1, sizeof *lc);
		if (lc != NULL && pthread_setspecific(listcache_key_tls, lc) != 0) {
			free(lc);
			lc = NULL;
		}
	}
	return lc;
}

/* Writes "cursor\nstatus" into out; 0, or -1 when it does not fit. */
static int listcache_query(const struct listcache_key *k, char out[LISTCACHE_QUERY_MAX + 2])
{
	const char *c = k->cursor ? k->cursor : "", *s = k->status ? k->status : "";
	size_t cl = strlen(c), sl = strlen(s);

	if (cl + sl > LISTCACHE_QUERY_MAX || memchr(c, '\n', cl) != NULL || memchr(s, '\n', sl) != NULL)
		return -1;  /* a '\n' inside would make two queries look alike */
	memcpy(out, c, cl);
	out[cl] = '\n';
	memcpy(out + cl + 1, s, sl);
	out[cl + 1 + sl] = '\0';
	return 0;
}

/* The entry for k, or NULL. */
static struct listcache_entry *listcache_find(struct listcache *lc, const struct listcache_key *k, const char *query)
{
	size_t i;

	for (i = 0; i < LISTCACHE_ENTRIES; i++) {
		struct listcache_entry *e = &lc->e[i];

		if (e->scope == k->scope && e->scope != NULL && e->limit == k->limit &&
		    strcmp(e->list_id, k->list_id) == 0 && strcmp(e->query, query) == 0)
			return e;
	}
	return NULL;
}

int listcache_get(const struct listcache_key *k, int64_t now_ms, struct listcache_body **body, char **next)
{
	char query[LISTCACHE_QUERY_MAX + 2];
	struct listcache_entry *e;
	struct listcache *lc;

	*body = NULL;
	*next = NULL;
	if (k->rev == 0 || k->scope == NULL || strlen(k->list_id) >= MT_ID_SIZE || listcache_query(k, query) < 0)
		return 0;
	lc = listcache_self(0);
	if (lc == NULL || (e = listcache_find(lc, k, query)) == NULL)
		return 0;
	if (e->rev != k->rev || now_ms >= e->valid_until_ms) {
		listcache_drop(e);
		return 0;
	}
	if (e->next != NULL && (*next = strdup(e->next)) == NULL)
		return MT_ENOMEM;
	atomic_fetch_add_explicit(&e->body->refs, 1, memory_order_relaxed);
	*body = e->body;
	e->used = ++lc->tick;
	return 1;
}

void listcache_put(const struct listcache_key *k, int64_t now_ms, int64_t valid_until_ms, const char *body,
		   size_t len, const char *next, const char *etag)
{
	char query[LISTCACHE_QUERY_MAX + 2];
	struct listcache_entry *e, *lru = NULL;
	struct listcache *lc;
	struct listcache_body *b;
	char *n = NULL;
	size_t i;

	if (k->rev == 0 || k->scope == NULL || len > LISTCACHE_BODY_MAX || strlen(k->list_id) >= MT_ID_SIZE ||
	    listcache_query(k, query) < 0 || (lc = listcache_self(1)) == NULL)
		return;
	if (valid_until_ms > now_ms + LISTCACHE_TTL_MS)
		valid_until_ms = now_ms + LISTCACHE_TTL_MS;
	if (valid_until_ms <= now_ms)
		return;
	b = malloc(sizeof *b + len + 1);
	if (b == NULL || (next != NULL && (n = strdup(next)) == NULL)) {
		free(b);
		return;
	}
	atomic_init(&b->refs, 1);
	b->len = len;
	b->etag[0] = '\0';
	if (etag != NULL && strlen(etag) < sizeof b->etag)
		memcpy(b->etag, etag, strlen(etag) + 1);
	memcpy(b->data, body, len);
	b->data[len] = '\0';
	e = listcache_find(lc, k, query);
	for (i = 0; e == NULL && i < LISTCACHE_ENTRIES; i++)
		if (lc->e[i].scope == NULL)
			e = &lc->e[i];
	for (i = 0; e == NULL && i < LISTCACHE_ENTRIES; i++)
		if (lru == NULL || lc->e[i].used < lru->used)
			lru = &lc->e[i];
	if (e == NULL)
		e = lru;
	listcache_drop(e);
	e->scope = k->scope;
	memcpy(e->list_id, k->list_id, strlen(k->list_id) + 1);
	e->rev = k->rev;
	e->limit = k->limit;
	memcpy(e->query, query, strlen(query) + 1);
	e->valid_until_ms = valid_until_ms;
	e->body = b;
	e->next = n;
	e->used = ++lc->tick;
}

void listcache_clear(void)
{
	struct listcache *lc = listcache_self(0);
	size_t i;

	if (lc == NULL)
		return;
	for (i = 0; i < LISTCACHE_ENTRIES; i++)
		listcache_drop(&lc->e[i]);
}
