/* libcurl, loaded on first use: bootstrap is linked without libcurl and
 * this file defines the libcurl functions the backend calls. The first of
 * them that needs the library dlopen()s it (MAITRE_LIBCURL, default
 * libcurl.so.4, found through bootstrap's RPATH $ORIGIN/lib first: the
 * copy in function.zip) and forwards from then on. Why: Debian's libcurl
 * pulls 30 more shared libraries (OpenSSL, GnuTLS, Kerberos, LDAP, ...)
 * whose loading was most of a cold start; a handler that never calls out
 * (the authorizer, a SQLite store) now never loads them, and a DynamoDB
 * handler loads them at its first request (docs/benchmarks.md).
 *
 * curl_global_init only counts: the real one runs when the library is
 * loaded (libcurl would also run it from curl_easy_init). When the
 * library cannot be loaded, the failure is logged once to stderr and the
 * calls fail as libcurl's do when out of resources: curl_easy_init and
 * curl_slist_append return NULL, curl_easy_perform
 * CURLE_FAILED_INIT, curl_easy_strerror says why. maitred and the tests
 * link libcurl itself; this file is only in bootstrap. */
#define CURL_DISABLE_TYPECHECK   /* plain prototypes: the definitions below */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "lambda/lambda.h"

#define LAZY_SONAME "libcurl.so.4"   /* the ABI this was built against */

typedef void (*lazy_fnptr)(void);   /* any callback, as curl_easy_setopt passes it on */

/* The real functions, once loaded. */
struct lazy_fns {
	CURLcode (*global_init)(long);                                   /* curl_global_init */
	void (*global_cleanup)(void);                                    /* curl_global_cleanup */
	CURL *(*easy_init)(void);                                        /* curl_easy_init */
	void (*easy_cleanup)(CURL *);                                    /* curl_easy_cleanup */
	void (*easy_reset)(CURL *);                                      /* curl_easy_reset */
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);                /* curl_easy_setopt */
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);                 /* curl_easy_getinfo */
	CURLcode (*easy_perform)(CURL *);                                /* curl_easy_perform */
	const char *(*easy_strerror)(CURLcode);                          /* curl_easy_strerror */
	char *(*easy_escape)(CURL *, const char *, int);                 /* curl_easy_escape */
	void (*free)(void *);                                            /* curl_free */
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *); /* curl_slist_append */
	void (*slist_free_all)(struct curl_slist *);                     /* curl_slist_free_all */
	curl_version_info_data *(*version_info)(CURLversion);            /* curl_version_info */
};

/* The loader's state (one per process: the library is loaded once). */
struct lazy_state {
	pthread_mutex_t lock;      /* guards everything below but ready */
	atomic_int ready;          /* 1 once fns is filled and libcurl initialised: the fast path */
	atomic_int loaded;         /* 1 once fns is filled (never cleared: the library stays) */
	int tried;                 /* 1 once loading was attempted */
	void *dl;                  /* the dlopen handle, NULL when not loaded */
	int global_done;           /* 1 while the real curl_global_init is in effect */
	long users;                /* curl_global_init calls minus curl_global_cleanup calls */
	char why[256];             /* why loading failed, "" = it did not */
	struct lazy_fns fns;       /* the real functions */
};

static struct lazy_state lazy = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* One symbol of the table: its name and where its address goes. */
struct lazy_sym {
	const char *name;   /* exported name */
	size_t off;         /* offset of the pointer in struct lazy_fns */
};

#define LAZY_SYM(n, f) { n, offsetof(struct lazy_fns, f) }
static const struct lazy_sym lazy_syms[] = {
	LAZY_SYM("curl_global_init", global_init),
	LAZY_SYM("curl_global_cleanup", global_cleanup),
	LAZY_SYM("curl_easy_init", easy_init),
	LAZY_SYM("curl_easy_cleanup", easy_cleanup),
	LAZY_SYM("curl_easy_reset", easy_reset),
	LAZY_SYM("curl_easy_setopt", easy_setopt),
	LAZY_SYM("curl_easy_getinfo", easy_getinfo),
	LAZY_SYM("curl_easy_perform", easy_perform),
	LAZY_SYM("curl_easy_strerror", easy_strerror),
	LAZY_SYM("curl_easy_escape", easy_escape),
	LAZY_SYM("curl_free", free),
	LAZY_SYM("curl_slist_append", slist_append),
	LAZY_SYM("curl_slist_free_all", slist_free_all),
	LAZY_SYM("curl_version_info", version_info),
};

/* dlopen()s libcurl and resolves the table; called with the lock held. */
static void lazy_load_locked(void)
{
	const char *name = getenv("MAITRE_LIBCURL");
	size_t i;

	lazy.tried = 1;
	if (name == NULL || name[0] == '\0')
		name = LAZY_SONAME;
	lazy.dl = dlopen(name, RTLD_LAZY | RTLD_LOCAL);   /* lazy binding, as when linked at exec */
	if (lazy.dl == NULL) {
		snprintf(lazy.why, sizeof lazy.why, "%s", dlerror());
		return;
	}
	for (i = 0; i < sizeof lazy_syms / sizeof lazy_syms[0]; i++) {
		void *p = dlsym(lazy.dl, lazy_syms[i].name);

		if (p == NULL) {
			snprintf(lazy.why, sizeof lazy.why, "%s has no %s", name, lazy_syms[i].name);
			dlclose(lazy.dl);
			lazy.dl = NULL;
			return;
		}
		/* POSIX guarantees a dlsym result converts to a function pointer */
		memcpy((char *)&lazy.fns + lazy_syms[i].off, &p, sizeof p);
	}
	atomic_store_explicit(&lazy.loaded, 1, memory_order_release);
}

/* 1 when the real functions are there (handles exist only then). */
static int lazy_have(void)
{
	return atomic_load_explicit(&lazy.loaded, memory_order_acquire);
}

/* The loaded functions, loading and initialising libcurl on first use;
 * NULL when it cannot be loaded (logged once). */
static const struct lazy_fns *lazy_get(void)
{
	int first_failure = 0;

	if (atomic_load_explicit(&lazy.ready, memory_order_acquire))
		return &lazy.fns;
	pthread_mutex_lock(&lazy.lock);
	if (!lazy.tried) {
		lazy_load_locked();
		first_failure = lazy.dl == NULL;
	}
	if (lazy.dl != NULL && !lazy.global_done) {
		if (lazy.fns.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
			lazy.global_done = 1;
		else
			snprintf(lazy.why, sizeof lazy.why, "curl_global_init failed");
	}
	if (lazy.global_done)
		atomic_store_explicit(&lazy.ready, 1, memory_order_release);
	pthread_mutex_unlock(&lazy.lock);
	if (first_failure)
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"cannot load libcurl\",\"error\":\"%s\"}\n", lazy.why);
	return atomic_load_explicit(&lazy.ready, memory_order_acquire) ? &lazy.fns : NULL;
}

/* 1 when libcurl has been loaded into this process. */
int lambda_curl_loaded(void)
{
	return lazy_have();
}

/* Counts a user; the real initialisation waits for the first real call. */
CURLcode curl_global_init(long flags)
{
	(void)flags;   /* CURL_GLOBAL_DEFAULT is what every caller here passes */
	pthread_mutex_lock(&lazy.lock);
	lazy.users++;
	pthread_mutex_unlock(&lazy.lock);
	return CURLE_OK;
}

/* Uncounts a user; the last one cleans libcurl up if it was initialised. */
void curl_global_cleanup(void)
{
	pthread_mutex_lock(&lazy.lock);
	if (lazy.users > 0 && --lazy.users == 0 && lazy.global_done) {
		atomic_store_explicit(&lazy.ready, 0, memory_order_release);
		lazy.fns.global_cleanup();
		lazy.global_done = 0;
	}
	pthread_mutex_unlock(&lazy.lock);
}

/* curl_easy_init, loading libcurl. */
CURL *curl_easy_init(void)
{
	const struct lazy_fns *f = lazy_get();

	return f ? f->easy_init() : NULL;
}

/* curl_easy_cleanup (a handle exists only when libcurl is loaded). */
void curl_easy_cleanup(CURL *h)
{
	if (h != NULL && lazy_have())
		lazy.fns.easy_cleanup(h);
}

/* curl_easy_reset. */
void curl_easy_reset(CURL *h)
{
	if (h != NULL && lazy_have())
		lazy.fns.easy_reset(h);
}

/* curl_easy_setopt: the one argument is read by the option's type, as
 * libcurl reads it, and passed on with that type. */
CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	const struct lazy_fns *f = lazy_get();
	CURLcode rc;
	va_list ap;

	if (f == NULL || h == NULL)
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = f->easy_setopt(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = f->easy_setopt(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = f->easy_setopt(h, opt, va_arg(ap, lazy_fnptr));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = f->easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		rc = f->easy_setopt(h, opt, va_arg(ap, struct curl_blob *));
	va_end(ap);
	return rc;
}

/* curl_easy_getinfo: every kind of info is returned through a pointer. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	const struct lazy_fns *f = lazy_get();
	CURLcode rc;
	va_list ap;

	if (f == NULL || h == NULL)
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	rc = f->easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* curl_easy_perform. */
CURLcode curl_easy_perform(CURL *h)
{
	const struct lazy_fns *f = lazy_get();

	return f && h ? f->easy_perform(h) : CURLE_FAILED_INIT;
}

/* curl_easy_strerror; says when libcurl could not be loaded. */
const char *curl_easy_strerror(CURLcode rc)
{
	const struct lazy_fns *f = lazy_get();

	return f ? f->easy_strerror(rc) : "libcurl could not be loaded (see the log)";
}

/* curl_easy_escape. */
char *curl_easy_escape(CURL *h, const char *s, int len)
{
	const struct lazy_fns *f = lazy_get();

	return f ? f->easy_escape(h, s, len) : NULL;
}

/* curl_free (only libcurl's own allocations come here). */
void curl_free(void *p)
{
	if (p != NULL && lazy_have())
		lazy.fns.free(p);
}

/* curl_slist_append, loading libcurl. */
struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
	const struct lazy_fns *f = lazy_get();

	return f ? f->slist_append(l, s) : NULL;
}

/* curl_slist_free_all. */
void curl_slist_free_all(struct curl_slist *l)
{
	if (l != NULL && lazy_have())
		lazy.fns.slist_free_all(l);
}

/* curl_version_info, loading libcurl; NULL when it cannot be loaded. */
curl_version_info_data *curl_version_info(CURLversion v)
{
	const struct lazy_fns *f = lazy_get();

	return f ? f->version_info(v) : NULL;
}
