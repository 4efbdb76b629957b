/* libmaitre-client internals: the client, a call's state, shared helpers.
 * Nothing here is installed; every symbol is hidden (-fvisibility=hidden). */
#ifndef MTC_INTERNAL_H
#define MTC_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <maitre/client.h>

#define MTC_BODY_MAX (32u * 1024 * 1024)   /* largest answer body we accept */
#define MTC_REFRESH_MARGIN_MS 30000         /* refresh when the token expires within this */

/* A growable byte buffer with a hard cap. */
struct mtc_buf {
	char *data;   /* bytes, NUL-terminated when non-NULL */
	size_t len;   /* bytes used */
	size_t cap;   /* bytes allocated */
	size_t max;   /* hard cap on len */
};

/* Where a call is in its life. */
enum call_state {
	CALL_READY,        /* must send its next HTTP request (or wait for a refresh) */
	CALL_WAIT_REFRESH, /* waiting for the client's shared refresh */
	CALL_DELAYED,      /* waiting until not_before_ms, then READY */
	CALL_RUNNING,      /* its easy handle is in the multi */
	CALL_DONE,         /* finished; callback pending */
};

/* Which HTTP exchange a call is doing now. */
enum call_phase {
	PHASE_MAIN,        /* the request's own route */
	PHASE_LOGIN_AFTER_REGISTER, /* REGISTER: logging in after /register answered */
};

/* One page of a cached, possibly multi-page list. */
struct cache_page {
	char *cursor_in;   /* the cursor that fetched it (NULL = first page) */
	char etag[128];    /* its ETag */
	size_t start;      /* index of its first item in the joined list */
	size_t count;      /* number of items */
	size_t cached_start; /* while a call builds a list: where a 304 page's items are in the cached list */
	void *fresh;       /* while a call builds a list: the page's new items (a list), NULL = cached */
};

/* A cached list: the joined list and its pages' tags. */
struct cache_entry {
	struct cache_entry *next;      /* next entry */
	enum mtc_op op;                /* MTC_OP_LIST_WAITLISTS or MTC_OP_LIST_WAITEES */
	char *key;                     /* waitlist id + "?" + filter + limit + flags (identity) */
	void *list;                    /* struct mtc_waitlist_list* or mtc_waitee_list* (one reference) */
	struct cache_page *pages;      /* the pages that make it */
	size_t n_pages;                /* number of pages */
};

/* A call in flight (blocking calls run through the same machinery). */
struct mtc_call {
	struct mtc_call *next;         /* next call of the client */
	uint64_t id;                   /* public id */
	struct mtc_request req;        /* the request; every string is our own copy */
	struct mtc_waitee_input waitee;     /* copy of *req.waitee */
	struct mtc_waitlist_input waitlist; /* copy of *req.waitlist */
	struct mtc_staff_input staff;       /* copy of *req.staff */
	struct mtc_restaurant_input restaurant; /* copy of *req.restaurant */
	char *strings[32];             /* owned copies of the request's strings */
	size_t n_strings;              /* used entries of strings */
	mtc_done_fn cb;                /* completion callback */
	void *userdata;                /* its argument */
	enum call_state state;         /* where it is */
	enum call_phase phase;         /* which exchange */
	int internal_refresh;          /* 1: this is the client's shared refresh call */
	int refreshed;                 /* 1: a refresh already happened for this call */
	unsigned token_gen;            /* token generation the last attempt was sent with */
	int attempts;                  /* network retries used */
	int64_t not_before_ms;         /* CALL_DELAYED: when to go on */
	int64_t started_ms;            /* when the current HTTP request started (trace) */
	CURL *easy;                    /* the current transfer, NULL between transfers */
	struct curl_slist *headers;    /* its request headers */
	char *body;                    /* its request body (JSON), NULL when none */
	char errbuf[CURL_ERROR_SIZE];  /* curl's error text */
	struct mtc_buf resp;           /* answer body */
	char etag[128];                /* answer ETag */
	char next_cursor[600];         /* answer X-Next-Cursor */
	char request_id[64];           /* answer X-Request-Id */
	int retry_after;               /* answer Retry-After, -1 none */
	int replayed;                  /* answer Idempotent-Replayed: true */
	char *page_cursor;             /* lists: the cursor of the page being fetched (NULL = first) */
	size_t page_index;             /* lists: index of the page being fetched */
	void *acc;                     /* lists: the list being built (waitlist or waitee list) */
	struct cache_page *acc_pages;  /* lists: pages of the list being built */
	size_t n_acc_pages;            /* lists: number of them */
	int any_changed;               /* lists: some page answered 200 */
	struct mtc_result result;      /* what it produced */
};

/* The client. */
struct mtc_client {
	char *server;                  /* base URL, no trailing '/' */
	long connect_ms;               /* connect timeout */
	long total_ms;                 /* total timeout per request */
	char *ca_file;                 /* private CA file, NULL = system */
	int retries;                   /* network retries per call */
	char *user_agent;              /* User-Agent */
	mtc_trace_fn trace;            /* trace sink, NULL = off */
	void *trace_ud;                /* its argument */
	mtc_session_fn session_cb;     /* refresh-token change callback */
	void *session_ud;              /* its argument */
	char *session_path;            /* session file, NULL = none */
	int session_lock_fd;           /* flock'd lock file while a refresh runs, -1 otherwise */
	char *access_token;            /* "Bearer <jwt>" as the server sent it, NULL = none */
	int64_t access_expires_ms;     /* when it expires (our clock), 0 unknown */
	char *refresh_token;           /* refresh token, NULL = none */
	unsigned token_gen;            /* +1 whenever the access token changes */
	struct mtc_call *refresh_call; /* the shared refresh in flight, NULL none */
	CURLM *multi;                  /* the multi handle (connection cache) */
	struct pollfd *fds;            /* sockets curl wants watched */
	size_t n_fds;                  /* used entries */
	size_t cap_fds;                /* allocated entries */
	int64_t curl_deadline_ms;      /* curl's timer (monotonic ms), -1 none */
	struct mtc_call *calls;        /* calls in flight */
	uint64_t next_id;              /* next call id */
	struct cache_entry *cache;     /* list cache */
	int in_process;                /* >0 while callbacks run (mtc_call refused there) */
	CURL *pool[8];                 /* idle easy handles, reset, for the next transfers */
	size_t n_pool;                 /* how many */
	struct mtc_session_info info;  /* what the last session answer said (staff.c) */
};

/* buf.c */
void mtc_buf_init(struct mtc_buf *b, size_t max);
int mtc_buf_add(struct mtc_buf *b, const void *p, size_t n);
int mtc_buf_adds(struct mtc_buf *b, const char *s);
int mtc_buf_printf(struct mtc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *mtc_buf_take(struct mtc_buf *b);
void mtc_buf_free(struct mtc_buf *b);

/* util.c */
char *mtc_strdup(const char *s);
int64_t mtc_now_ms(void);
int64_t mtc_mono_ms(void);
void mtc_status_set(struct mtc_status *st, enum mtc_error code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mtc_status_copy(struct mtc_status *dst, const struct mtc_status *src);
int mtc_id_ok(const char *id);
char *mtc_url_escape(const char *s);

/* records.c: JSON -> records */
enum mtc_error mtc_parse_waitlist(const cJSON *o, struct mtc_waitlist *w);
enum mtc_error mtc_parse_waitee(const cJSON *o, struct mtc_waitee *w);
/* stats.c: a Stats answer (the text is kept in s->json), an Estimate object. */
enum mtc_error mtc_parse_stats(const char *text, size_t len, struct mtc_stats *s);
enum mtc_error mtc_parse_estimate(const cJSON *o, struct mtc_estimate *e);
enum mtc_error mtc_parse_account(const cJSON *o, struct mtc_account *a);
struct mtc_waitlist_list *mtc_waitlist_list_new(void);
struct mtc_waitee_list *mtc_waitee_list_new(void);
enum mtc_error mtc_waitlist_list_append(struct mtc_waitlist_list *l, const struct mtc_waitlist *items, size_t n,
					int copy);
enum mtc_error mtc_waitee_list_append(struct mtc_waitee_list *l, const struct mtc_waitee *items, size_t n,
				      int copy);

/* body.c: records -> JSON request bodies */
char *mtc_body_waitee(const struct mtc_waitee_input *in, int create);
char *mtc_body_waitlist(const struct mtc_waitlist_input *in, int create);
char *mtc_body_credentials(const char *email, const char *password, const char *name, const char *restaurant,
			   const char *timezone, const char *country);
char *mtc_body_refresh(const char *refresh_token);
char *mtc_body_sms(const char *from, const char *body);
/* {"key": value}. */
char *mtc_body_string(const char *key, const char *value);

/* staff.c: staff accounts, passwords, the restaurant */
enum mtc_error mtc_parse_staff(const cJSON *o, struct mtc_staff *s);
enum mtc_error mtc_parse_restaurant(const cJSON *o, struct mtc_restaurant *r);
char *mtc_body_staff(const struct mtc_staff_input *in, int create);
char *mtc_body_restaurant(const struct mtc_restaurant_input *in);
char *mtc_body_password(const char *field_current, const char *current, const char *field_new, const char *next);
/* Reads role, name, mustChangePassword and restaurant from a session answer into c->info. */
void mtc_session_info_read(struct mtc_client *c, const cJSON *o);
/* Parses the body of a staff or restaurant op into the call's result. */
enum mtc_error mtc_staff_take(struct mtc_call *call, const cJSON *o);

/* answer.c: HTTP answer -> status */
enum mtc_error mtc_answer_status(struct mtc_call *call, long http, struct mtc_status *st);
int mtc_answer_token_refused(long http, const char *body, size_t len);
int64_t mtc_etag_version(const char *etag);

/* trace.c */
void mtc_trace(struct mtc_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *mtc_trace_mask_json(const char *body);
void mtc_trace_stderr(void *userdata, const char *line);

/* session.c: tokens and the session file */
enum mtc_error mtc_tokens_from_session_json(struct mtc_client *c, const char *body, size_t len,
					    struct mtc_status *st);
void mtc_tokens_forget(struct mtc_client *c);
int mtc_session_lock(struct mtc_client *c);
void mtc_session_unlock(struct mtc_client *c);
void mtc_session_adopt_file(struct mtc_client *c);
void mtc_session_store(struct mtc_client *c);

/* cache.c */
struct cache_entry *mtc_cache_find(struct mtc_client *c, enum mtc_op op, const char *key);
enum mtc_error mtc_cache_put(struct mtc_client *c, enum mtc_op op, const char *key, void *list,
			     struct cache_page *pages, size_t n_pages);
char *mtc_cache_key(const struct mtc_request *req);
void mtc_cache_pages_free(struct cache_page *pages, size_t n);
const char *mtc_list_if_none_match(struct mtc_client *c, struct mtc_call *call);

/* client.c: easy handles */
CURL *mtc_easy_get(struct mtc_client *c);
void mtc_easy_put(struct mtc_client *c, CURL *e);

/* call.c: the request machine */
enum mtc_error mtc_call_begin(struct mtc_client *c, struct mtc_call *call);
void mtc_call_on_done(struct mtc_client *c, struct mtc_call *call, CURLcode cc);
void mtc_call_finish(struct mtc_client *c, struct mtc_call *call, enum mtc_error code);
void mtc_call_free(struct mtc_call *call);
void mtc_calls_advance(struct mtc_client *c);
int mtc_op_needs_auth(enum mtc_op op);

/* list.c: list pages */
enum mtc_error mtc_list_on_page(struct mtc_client *c, struct mtc_call *call, long http, int *more);

#endif
