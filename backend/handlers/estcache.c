/* Per-thread cache of wait estimates; see estcache.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "core/model.h"
#include "handlers/estcache.h"

/* One estimate. */
struct estcache_entry {
	const void *scope;             /* store; NULL = free slot */
	char list_id[MT_ID_SIZE];      /* waitlist id */
	int64_t list_version;          /* its version */
	int party_size;                /* party size */
	int64_t quarter;               /* UTC quarter hour (now_s / ESTCACHE_QUARTER_S) */
	uint64_t gen;                  /* estcache_gen when it was made */
	int64_t until_ms;              /* monotonic end of life */
	struct estcache_val val;       /* the estimate */
	uint64_t used;                 /* LRU tick of the last use */
};

/* One thread's entries. */
struct estcache {
	struct estcache_entry e[ESTCACHE_ENTRIES];
	uint64_t tick;                 /* LRU clock */
};

static _Atomic uint64_t estcache_gen;
static pthread_key_t estcache_key_tls;
static pthread_once_t estcache_once = PTHREAD_ONCE_INIT;
static int estcache_key_ok;

static void estcache_init_key(void)
{
	estcache_key_ok = pthread_key_create(&estcache_key_tls, free) == 0;
}

/* This thread's cache; created when `create`. NULL when absent or out of memory. */
static struct estcache *estcache_self(int create)
{
	struct estcache *c;

	pthread_once(&estcache_once, estcache_init_key);
	if (!estcache_key_ok)
		return NULL;
	c = pthread_getspecific(estcache_key_tls);
	if (c == NULL && create) {
		c = calloc(1, sizeof *c);
		if (c != NULL && pthread_setspecific(estcache_key_tls, c) != 0) {
			free(c);
			c = NULL;
		}
	}
	return c;
}

/* 1 when k can be kept (a store, a list id that fits). */
static int estcache_keyable(const struct estcache_key *k)
{
	return k->scope != NULL && k->list_id != NULL && strlen(k->list_id) < MT_ID_SIZE && k->now_s >= 0;
}

/* The entry for k, or NULL. */
static struct estcache_entry *estcache_find(struct estcache *c, const struct estcache_key *k)
{
	int64_t quarter = k->now_s / ESTCACHE_QUARTER_S;
	size_t i;

	for (i = 0; i < ESTCACHE_ENTRIES; i++) {
		struct estcache_entry *e = &c->e[i];

		if (e->scope == k->scope && e->scope != NULL && e->party_size == k->party_size &&
		    e->list_version == k->list_version && e->quarter == quarter && strcmp(e->list_id, k->list_id) == 0)
			return e;
	}
	return NULL;
}

int estcache_get(const struct estcache_key *k, int64_t mono_ms, struct estcache_val *out)
{
	struct estcache_entry *e;
	struct estcache *c;

	if (!estcache_keyable(k) || (c = estcache_self(0)) == NULL || (e = estcache_find(c, k)) == NULL)
		return 0;
	if (e->gen != atomic_load_explicit(&estcache_gen, memory_order_acquire) || mono_ms >= e->until_ms ||
	    mono_ms < e->until_ms - ESTCACHE_TTL_MS) {
		memset(e, 0, sizeof *e);
		return 0;
	}
	*out = e->val;
	e->used = ++c->tick;
	return 1;
}

uint64_t estcache_generation(void)
{
	return atomic_load_explicit(&estcache_gen, memory_order_acquire);
}

void estcache_put(const struct estcache_key *k, uint64_t gen, int64_t mono_ms, const struct estcache_val *v)
{
	struct estcache_entry *e, *lru = NULL;
	struct estcache *c;
	size_t i;

	if (!estcache_keyable(k) || gen != estcache_generation() || (c = estcache_self(1)) == NULL)
		return;
	e = estcache_find(c, k);
	for (i = 0; e == NULL && i < ESTCACHE_ENTRIES; i++)
		if (c->e[i].scope == NULL)
			e = &c->e[i];
	for (i = 0; e == NULL && i < ESTCACHE_ENTRIES; i++)
		if (lru == NULL || c->e[i].used < lru->used)
			lru = &c->e[i];
	if (e == NULL)
		e = lru;
	memset(e, 0, sizeof *e);
	e->scope = k->scope;
	memcpy(e->list_id, k->list_id, strlen(k->list_id) + 1);
	e->list_version = k->list_version;
	e->party_size = k->party_size;
	e->quarter = k->now_s / ESTCACHE_QUARTER_S;
	e->gen = gen;
	e->until_ms = mono_ms + ESTCACHE_TTL_MS;
	e->val = *v;
	e->used = ++c->tick;
}

void estcache_invalidate(void)
{
	atomic_fetch_add_explicit(&estcache_gen, 1, memory_order_acq_rel);
}
