/* The guest pages' shared machinery (handlers/page.h). */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apigw/apigw.h"
#include "core/error.h"
#include "core/validate.h"
#include "handlers/page.h"

#define PAGE_LIMIT_SLOTS 1024                 /* counters per limiter */
#define PAGE_CHECKIN_PER_IP 5                 /* joins per client IP per window */
#define PAGE_CHECKIN_PER_LIST 60              /* joins per list per window */
#define PAGE_CHECKIN_WINDOW_MS (10 * 60000)   /* the window: 10 minutes */

/* One counter of a limiter. */
struct page_limit_slot {
	uint64_t key_hash;     /* keyed hash of the key owning the slot (0 = free) */
	int64_t window;        /* window number the count belongs to */
	int count;             /* events in that window */
};

/* A fixed-window limiter (see page.h). */
struct page_limiter {
	pthread_mutex_t lock;                           /* guards the rest */
	int limit;                                      /* events per window */
	int64_t window_ms;                              /* window length */
	struct page_limit_slot slots[PAGE_LIMIT_SLOTS]; /* counters by hash */
};

struct page_limiter page_limit_checkin_ip = {
	PTHREAD_MUTEX_INITIALIZER, PAGE_CHECKIN_PER_IP, PAGE_CHECKIN_WINDOW_MS, {{0, 0, 0}}
};
struct page_limiter page_limit_checkin_list = {
	PTHREAD_MUTEX_INITIALIZER, PAGE_CHECKIN_PER_LIST, PAGE_CHECKIN_WINDOW_MS, {{0, 0, 0}}
};

/* The CSP, built once from the layout's style block. */
static char page_csp_value[256];
static pthread_once_t page_csp_once = PTHREAD_ONCE_INIT;

/* Finds a template by name; NULL when unknown. */
static const struct page_tpl *page_find(const char *name)
{
	const struct page_tpl *t;

	for (t = page_templates; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

/* Appends s HTML-escaped. */
int page_escape(struct mt_buf *b, const char *s)
{
	const char *run = s;
	int r = 0;

	if (s == NULL)
		return 0;
	for (; r == 0 && *s; s++) {
		const char *ent;

		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: continue;
		}
		if (s > run)
			r = mt_buf_add(b, run, (size_t)(s - run));
		if (r == 0)
			r = mt_buf_adds(b, ent);
		run = s + 1;
	}
	if (r == 0 && s > run)
		r = mt_buf_add(b, run, (size_t)(s - run));
	return r;
}

/* The value of variable name[0..n); 0 when found (*v set), else MT_EINVAL. */
static int page_var_find(const struct page_var *vars, size_t nv, const char *name, size_t n, const char **v)
{
	size_t i;

	for (i = 0; i < nv; i++)
		if (strlen(vars[i].name) == n && memcmp(vars[i].name, name, n) == 0) {
			*v = vars[i].value ? vars[i].value : "";
			return 0;
		}
	return MT_EINVAL;
}

/* Renders a template into a string. */
int page_render(const char *tpl, const struct page_var *vars, size_t n, char **out)
{
	const struct page_tpl *t = page_find(tpl);
	const char *p, *end, *run;
	struct mt_buf b;
	int r = 0;

	*out = NULL;
	if (t == NULL)
		return MT_EINVAL;
	mt_buf_init(&b, PAGE_MAX);
	p = run = t->text;
	end = t->text + t->len;
	while (r == 0 && (p = strstr(p, "{{")) != NULL && p < end) {
		int raw = p[2] == '{';
		const char *name = p + (raw ? 3 : 2);
		const char *close = strstr(name, raw ? "}}}" : "}}");
		const char *v;

		if (close == NULL || page_var_find(vars, n, name, (size_t)(close - name), &v) < 0) {
			r = MT_EINVAL;
			break;
		}
		if (p > run)
			r = mt_buf_add(&b, run, (size_t)(p - run));
		if (r == 0)
			r = raw ? mt_buf_adds(&b, v) : page_escape(&b, v);
		p = run = close + (raw ? 3 : 2);
	}
	if (r == 0 && end > run)
		r = mt_buf_add(&b, run, (size_t)(end - run));
	if (r < 0) {
		mt_buf_free(&b);
		return r;
	}
	*out = mt_buf_take(&b);
	return *out ? 0 : MT_ENOMEM;
}

/* Builds the CSP: no source for anything but the layout's style block. */
static void page_csp_build(void)
{
	const struct page_tpl *t = page_find("layout");
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	const char *s = t ? strstr(t->text, "<style>") : NULL;
	const char *e = s ? strstr(s, "</style>") : NULL;

	b64[0] = '\0';
	if (s != NULL && e != NULL) {
		s += strlen("<style>");
		crypto_hash_sha256(h, (const unsigned char *)s, (unsigned long long)(e - s));
		sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
	}
	snprintf(page_csp_value, sizeof page_csp_value,
		 "default-src 'none'; style-src 'sha256-%s'; img-src 'none'; form-action 'self'; "
		 "frame-ancestors 'none'; base-uri 'none'", b64);
}

/* The Content-Security-Policy value. */
const char *page_csp(void)
{
	pthread_once(&page_csp_once, page_csp_build);
	return page_csp_value;
}

/* Adds the security headers every page answer carries. 0 or MT_ENOMEM. */
static int page_headers(cJSON *resp)
{
	if (mt_resp_header(resp, "content-security-policy", page_csp()) < 0 ||
	    mt_resp_header(resp, "x-content-type-options", "nosniff") < 0 ||
	    mt_resp_header(resp, "referrer-policy", "no-referrer") < 0 ||
	    mt_resp_header(resp, "cache-control", "no-store") < 0 ||
	    mt_resp_header(resp, "x-frame-options", "DENY") < 0)
		return MT_ENOMEM;
	return 0;
}

/* Builds the HTML answer around main_html. */
cJSON *page_respond(int status, const char *title, const char *restaurant, const char *main_html, int refresh)
{
	char *refresh_html = NULL, *html = NULL;
	cJSON *resp = NULL;
	int r = 0;

	if (refresh)
		r = page_render("refresh", NULL, 0, &refresh_html);
	if (r == 0) {
		const struct page_var v[] = {
			{"refresh", refresh_html}, {"title", title}, {"restaurant", restaurant},
			{"main", main_html}, {"footer", "Served by Maitre · no cookies, no tracking"},
		};

		r = page_render("layout", v, sizeof v / sizeof v[0], &html);
	}
	free(refresh_html);
	if (r == 0)
		resp = mt_resp(status, NULL);
	if (resp != NULL &&
	    (!cJSON_ReplaceItemInObject(resp, "body", cJSON_CreateString(html)) ||
	     mt_resp_header(resp, "content-type", "text/html; charset=utf-8") < 0 || page_headers(resp) < 0)) {
		cJSON_Delete(resp);
		resp = NULL;
	}
	free(html);
	return resp;
}

/* A page with one message. */
cJSON *page_message(int status, const char *heading, const char *message)
{
	const struct page_var v[] = { {"heading", heading}, {"message", message} };
	char *main_html = NULL;
	cJSON *resp;

	if (page_render("notfound", v, 2, &main_html) < 0)
		return NULL;
	resp = page_respond(status, heading, "Maitre", main_html, 0);
	free(main_html);
	return resp;
}

/* 303 to location. */
cJSON *page_redirect(const char *location)
{
	cJSON *resp = mt_resp(303, NULL);

	if (resp != NULL && (mt_resp_header(resp, "location", location) < 0 || page_headers(resp) < 0)) {
		cJSON_Delete(resp);
		resp = NULL;
	}
	return resp;
}

/* Value of a hex digit, or -1. */
static int page_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) into out (size bytes with the NUL). 0 or MT_EINVAL. */
static int page_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = i + 2 < n ? page_hex((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < n ? page_hex((unsigned char)s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return MT_EINVAL;
			c = hi << 4 | lo;
			i += 2;
		}
		if (k + 1 >= size)
			return MT_EINVAL;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return mt_valid_text(out, 0, size - 1, 0, NULL) < 0 ? MT_EINVAL : 0;
}

/* Finds and decodes a form field. */
int page_form_get(const char *body, size_t len, const char *name, char *out, size_t size)
{
	const char *p = body, *end = body + len;
	size_t nl = strlen(name);
	int found = 0, r;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));

		if (pe > p && eq == NULL)
			return MT_EINVAL;
		if (eq != NULL && (size_t)(eq - p) == nl && memcmp(p, name, nl) == 0) {
			if (found)
				return MT_EINVAL;
			r = page_decode(eq + 1, (size_t)(pe - eq - 1), out, size);
			if (r < 0)
				return r;
			found = 1;
		}
		p = pe + 1;
	}
	return found ? 0 : MT_ENOTFOUND;
}

/* Counts one event for key. */
int page_limit_hit(struct page_limiter *l, const char *key, int64_t now_ms)
{
	static const unsigned char hkey[crypto_shorthash_KEYBYTES] = "maitre-limiter!";
	unsigned char h[crypto_shorthash_BYTES];
	struct page_limit_slot *s;
	uint64_t kh;
	int64_t win;
	int ok;

	crypto_shorthash(h, (const unsigned char *)key, strlen(key), hkey);
	memcpy(&kh, h, sizeof kh);
	kh |= 1;   /* never 0 (free) */
	pthread_mutex_lock(&l->lock);
	win = l->window_ms > 0 ? now_ms / l->window_ms : 0;
	s = &l->slots[kh % PAGE_LIMIT_SLOTS];
	if (s->window != win || s->key_hash == 0) {
		/* a new window starts every count afresh; within one, a slot taken
		 * by another key is shared (stricter, never looser) */
		s->key_hash = kh;
		s->window = win;
		s->count = 0;
	}
	ok = s->count < l->limit;
	if (ok)
		s->count++;
	pthread_mutex_unlock(&l->lock);
	return ok;
}

/* Sets both check-in limits and clears their counts. */
void page_limit_configure(int per_ip, int per_list, int64_t window_ms)
{
	struct page_limiter *ls[2] = { &page_limit_checkin_ip, &page_limit_checkin_list };
	int i;

	for (i = 0; i < 2; i++) {
		pthread_mutex_lock(&ls[i]->lock);
		ls[i]->limit = i == 0 ? per_ip : per_list;
		ls[i]->window_ms = window_ms;
		memset(ls[i]->slots, 0, sizeof ls[i]->slots);
		pthread_mutex_unlock(&ls[i]->lock);
	}
}
