/* The seeded SQLite store shared by fuzz-api and fuzz-consumer (seed.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/config.h"
#include "core/error.h"
#include "core/guestlink.h"
#include "daemon/maitred.h"
#include "queue/queue.h"
#include "store/store.h"
#include "wiring/wiring.h"
#include "seed.h"

static struct fuzz_seed *seed_atexit;   /* the seed removed at exit */

/* The fixed clock. */
static int64_t seed_now(void *d)
{
	(void)d;
	return FUZZ_SEED_NOW;
}

/* Prints and aborts. */
void fuzz_seed_die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

/* Copies file from to to; 0 or -1. */
static int seed_copy(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
	char buf[65536];
	size_t n;
	int rc = 0;

	if (in == NULL || out == NULL)
		rc = -1;
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		rc = -1;
	return rc;
}

/* Removes path and its -wal and -shm files. */
static void seed_unlink_db(const char *path)
{
	char p[400];

	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

/* Opens store and queue on path. */
static void seed_open(struct fuzz_seed *f, const char *path)
{
	char url[400], *cause = NULL;

	snprintf(url, sizeof url, "sqlite:%s", path);
	if (mt_wiring_open(&f->ctx, url, MT_WIRING_STORE, &cause) != 0)
		fuzz_seed_die("cannot open the store", cause);
	free(cause);
	cause = NULL;
	if (queue_sqlite_open(path, &f->ctx.clock, &f->ctx.queue, &cause) != 0)
		fuzz_seed_die("cannot open the queue", cause);
	queue_sqlite_use_store(f->ctx.queue, f->ctx.store);
}

/* Closes store and queue. */
static void seed_close(struct fuzz_seed *f)
{
	queue_close(f->ctx.queue);
	f->ctx.queue = NULL;
	store_close(f->ctx.store);
	f->ctx.store = NULL;
}

/* Runs one request through maitred_dispatch. */
cJSON *fuzz_seed_request(struct fuzz_seed *f, const char *method, const char *path, const char *query,
			 cJSON *headers, const char *body, size_t body_len)
{
	struct event_request er;
	const char *rk;

	memset(&er, 0, sizeof er);
	er.method = method;
	er.raw_path = path;
	er.raw_query = query;
	er.headers = headers;
	er.body = body;
	er.body_len = body_len;
	er.source_ip = "192.0.2.7";
	er.request_id = "fuzz";
	er.time_ms = FUZZ_SEED_NOW;
	return maitred_dispatch(&f->ctx, f->ac, &er, &rk);
}

/* A seeding request that must answer want; returns its parsed body. */
static cJSON *seed_call(struct fuzz_seed *f, const char *method, const char *path, const char *body, int want)
{
	cJSON *h = cJSON_CreateObject(), *resp, *out;

	cJSON_AddStringToObject(h, "content-type", "application/json");
	if (f->token[0])
		cJSON_AddStringToObject(h, "authorization", f->token);
	resp = fuzz_seed_request(f, method, path, "", h, body, strlen(body));
	if (mt_resp_status(resp) != want)
		fuzz_seed_die("seeding failed", mt_resp_body(resp));
	out = cJSON_Parse(mt_resp_body(resp));
	cJSON_Delete(resp);
	if (out == NULL)
		fuzz_seed_die("seeding answer is not JSON", path);
	return out;
}

/* Copies the string member key of o into buf; dies when it is missing. */
static void seed_take(const cJSON *o, const char *key, char *buf, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(v) || strlen(v->valuestring) >= n)
		fuzz_seed_die("seeding answer lacks", key);
	memcpy(buf, v->valuestring, strlen(v->valuestring) + 1);
}

/* Keeps only the path of a URL or path ("/g/x"). */
static void seed_path_only(char *s)
{
	char *p = strstr(s, "://");

	if (p != NULL && (p = strchr(p + 3, '/')) != NULL)
		memmove(s, p, strlen(p) + 1);
}

/* Removes the temporary directory at exit. */
static void seed_cleanup(void)
{
	struct fuzz_seed *f = seed_atexit;

	if (f == NULL)
		return;
	seed_close(f);
	authcache_free(f->ac);
	seed_unlink_db(f->seed);
	seed_unlink_db(f->work);
	rmdir(f->dir);
}

/* Makes the context and the seeded store. */
void fuzz_seed_init(struct fuzz_seed *f, unsigned reset_every)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	char path[400];
	cJSON *o;

	memset(f, 0, sizeof *f);
	f->reset_every = reset_every;
	mt_config_defaults(&f->ctx.cfg);
	memset(f->ctx.cfg.jwt_secret, 'k', 32);
	f->ctx.cfg.jwt_secret_len = 32;
	memcpy(f->ctx.cfg.sms_hook_secret, "s3cret", 7);
	f->ctx.clock.now_ms = seed_now;
	snprintf(f->dir, sizeof f->dir, "%s/maitre-fuzz-XXXXXX", base);
	if (mkdtemp(f->dir) == NULL)
		fuzz_seed_die("mkdtemp failed", f->dir);
	snprintf(f->ctx.cfg.data_dir, sizeof f->ctx.cfg.data_dir, "%s", f->dir);
	snprintf(f->seed, sizeof f->seed, "%s/seed.db", f->dir);
	snprintf(f->work, sizeof f->work, "%s/work.db", f->dir);
	seed_atexit = f;
	atexit(seed_cleanup);
	f->ac = authcache_new(64, 60);
	seed_open(f, f->seed);

	cJSON_Delete(seed_call(f, "POST", "/register",
			       "{\"email\":\"owner@example.com\",\"password\":\"correct horse battery\","
			       "\"name\":\"Owner\"}", 201));
	o = seed_call(f, "POST", "/auth/get-token",
		      "{\"email\":\"owner@example.com\",\"password\":\"correct horse battery\"}", 200);
	seed_take(o, "accessToken", f->token, sizeof f->token);
	seed_take(o, "refreshToken", f->refresh, sizeof f->refresh);
	cJSON_Delete(o);
	o = seed_call(f, "POST", "/waitlists", "{\"name\":\"Dining room\",\"selfCheckIn\":true}", 201);
	seed_take(o, "id", f->wl, sizeof f->wl);
	seed_take(o, "checkInUrl", f->checkin, sizeof f->checkin);
	seed_path_only(f->checkin);
	cJSON_Delete(o);
	snprintf(path, sizeof path, "/waitlists/%s/waitees", f->wl);
	o = seed_call(f, "POST", path, "{\"name\":\"Ana\",\"partySize\":2,\"phoneNumber\":\"+15551234567\"}", 201);
	seed_take(o, "id", f->we, sizeof f->we);
	seed_take(o, "guestUrl", f->guest, sizeof f->guest);
	seed_path_only(f->guest);
	cJSON_Delete(o);
	o = seed_call(f, "POST", "/staff", "{\"email\":\"host@example.com\",\"name\":\"Host\",\"role\":\"host\","
		      "\"password\":\"another horse battery\"}", 201);
	seed_take(o, "id", f->staff, sizeof f->staff);
	cJSON_Delete(o);
	{
		char csrf[MT_CSRF_LEN + 1];

		mt_guest_csrf(&f->ctx.cfg, f->guest + 3, FUZZ_SEED_NOW, csrf);
		snprintf(f->gcsrf, sizeof f->gcsrf, "%s", csrf);
		mt_guest_csrf(&f->ctx.cfg, f->checkin + 3, FUZZ_SEED_NOW, csrf);
		snprintf(f->ccsrf, sizeof f->ccsrf, "%s", csrf);
	}
	seed_close(f);
	f->runs = f->reset_every;   /* the first run copies the seed */
}

/* Copies the seed back every reset_every runs. */
void fuzz_seed_next(struct fuzz_seed *f)
{
	if (f->runs++ < f->reset_every)
		return;
	seed_close(f);
	seed_unlink_db(f->work);
	if (seed_copy(f->seed, f->work) != 0)
		fuzz_seed_die("cannot copy the seeded store", f->work);
	seed_open(f, f->work);
	f->runs = 1;
}

/* Asks for a fresh copy before the next run. */
void fuzz_seed_dirty(struct fuzz_seed *f)
{
	f->runs = f->reset_every;
}

/* Index of the $WORD at in[i..n) in words, or -1. */
static int seed_word(const char *in, size_t i, size_t n, const char *const *words, size_t nw)
{
	size_t w;

	if (in[i] != '$')
		return -1;
	for (w = 0; w < nw; w++)
		if (n - i >= strlen(words[w]) && memcmp(in + i, words[w], strlen(words[w])) == 0)
			return (int)w;
	return -1;
}

/* Replaces the $WORDS by the seeded values. */
char *fuzz_seed_expand(const struct fuzz_seed *f, const char *in, size_t n, size_t *out_len)
{
	static const char *const words[] = { "$TOKEN", "$WL", "$WE", "$GUEST", "$CHECKIN", "$REFRESH", "$STAFF",
					     "$GCSRF", "$CCSRF" };
	const char *vals[] = { f->token, f->wl, f->we, f->guest, f->checkin, f->refresh, f->staff, f->gcsrf,
			       f->ccsrf };
	const size_t nw = sizeof words / sizeof words[0];
	size_t len = 0, i, pass;
	char *out = NULL;

	for (pass = 0; pass < 2; pass++) {
		len = 0;
		for (i = 0; i < n;) {
			int w = seed_word(in, i, n, words, nw);

			if (w >= 0) {
				if (out)
					memcpy(out + len, vals[w], strlen(vals[w]));
				len += strlen(vals[w]);
				i += strlen(words[w]);
			} else {
				if (out)
					out[len] = in[i];
				len++;
				i++;
			}
		}
		if (pass == 0 && (out = malloc(len + 1)) == NULL)
			return NULL;
	}
	out[len] = '\0';
	*out_len = len;
	return out;
}
