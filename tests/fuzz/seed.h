/* A seeded SQLite store for the fuzz targets that run handlers (fuzz-api,
 * fuzz-consumer): an owner, a waitlist with self check-in on and a party
 * with a phone number, made through the real routes in a temporary
 * directory (/dev/shm when writable), and a staff account (host) and removed at exit. The store is
 * copied back from the seed every `reset_every` runs so it stays small. */
#ifndef FUZZ_SEED_H
#define FUZZ_SEED_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "core/ctx.h"

struct authcache;

/* The context and the seeded values. */
struct fuzz_seed {
	struct mt_ctx ctx;        /* store + embedded queue on the working copy; no channels */
	struct authcache *ac;     /* maitred's authorizer cache */
	char dir[256];            /* temporary directory */
	char seed[320];           /* seeded store, copied to work */
	char work[320];           /* the store the runs use */
	char token[1200];         /* "Bearer <jwt>" of the owner */
	char refresh[256];        /* a refresh token */
	char wl[64];              /* waitlist id */
	char we[64];              /* party id */
	char guest[256];          /* the party's guest page path ("/g/...") */
	char checkin[256];        /* the list's self check-in path ("/j/...") */
	char staff[64];           /* a staff account's id (role host) */
	char gcsrf[64];           /* the guest page form's csrf value */
	char ccsrf[64];           /* the check-in form's csrf value */
	unsigned runs;            /* runs since the last copy */
	unsigned reset_every;     /* runs between two copies */
};

/* The seed's fixed clock (epoch ms): tokens stay valid, runs repeat. */
#define FUZZ_SEED_NOW 1795000000000LL

/* Prints what and detail and aborts (a finding). */
void fuzz_seed_die(const char *what, const char *detail) __attribute__((noreturn));
/* Makes the temporary store and seeds it; call once. */
void fuzz_seed_init(struct fuzz_seed *f, unsigned reset_every);
/* Before each run: copies the seed back when reset_every runs have passed
 * or fuzz_seed_dirty was called. */
void fuzz_seed_next(struct fuzz_seed *f);
/* Asks for a fresh copy before the next run (after a delete or a logout). */
void fuzz_seed_dirty(struct fuzz_seed *f);
/* Runs one request through maitred_dispatch (headers stolen); the response
 * (never NULL: 500 on failure). */
cJSON *fuzz_seed_request(struct fuzz_seed *f, const char *method, const char *path, const char *query,
			 cJSON *headers, const char *body, size_t body_len);
/* Copies in[0..n) with $TOKEN, $WL, $WE, $GUEST, $CHECKIN, $REFRESH,
 * $STAFF, $GCSRF and $CCSRF replaced by the seeded values; malloc'd and NUL-terminated, *out_len
 * its length; NULL when out of memory. */
char *fuzz_seed_expand(const struct fuzz_seed *f, const char *in, size_t n, size_t *out_len);

#endif
