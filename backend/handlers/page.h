/* The guest pages' shared machinery (handlers/guest.c, handlers/checkin.c):
 * HTML templates embedded at build time from handlers/pages/ (one .html file per template)
 * (scripts/embed-pages.py), rendering with escaping, the HTML response with
 * its security headers, reading urlencoded forms, and a small in-process
 * rate limiter. Internal to handlers/.
 *
 * Template syntax: {{name}} is the variable's value HTML-escaped (& < > " '
 * become entities), {{{name}}} its value as is (only for HTML this file
 * rendered from another template). An unknown variable or template is an
 * error (MT_EINVAL): the tests render every template. */
#ifndef MT_HANDLERS_PAGE_H
#define MT_HANDLERS_PAGE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"

#define PAGE_MAX (15 * 1024)   /* no page is larger (issue 14) */

/* One embedded template. */
struct page_tpl {
	const char *name;      /* file name without .html */
	const char *text;      /* its UTF-8 text */
	size_t len;            /* bytes */
};

/* The templates (generated pages.c), ended by {NULL, NULL, 0}. */
extern const struct page_tpl page_templates[];

/* A variable for a template. */
struct page_var {
	const char *name;      /* as written between the braces */
	const char *value;     /* NULL renders as "" */
};

/* Appends s HTML-escaped to b. 0 or a buffer error. */
int page_escape(struct mt_buf *b, const char *s);

/* Renders template `tpl` with vars into a malloc'd string (*out; caller
 * frees). 0, MT_EINVAL (unknown template or variable), MT_ENOMEM, MT_ETOOBIG. */
int page_render(const char *tpl, const struct page_var *vars, size_t n, char **out);

/* The whole page: the layout around main_html (raw, from page_render),
 * with the title and restaurant escaped; refresh=1 adds a 30 s meta
 * refresh. Headers: text/html, Content-Security-Policy (no script; the
 * layout's one style block by its hash), X-Content-Type-Options,
 * Referrer-Policy: no-referrer, Cache-Control: no-store, X-Frame-Options.
 * NULL when out of memory. */
cJSON *page_respond(int status, const char *title, const char *restaurant, const char *main_html, int refresh);

/* A page with one message (template notfound): for 404s, closed doors and errors. */
cJSON *page_message(int status, const char *heading, const char *message);

/* 303 See Other to location (a path), with the same security headers. */
cJSON *page_redirect(const char *location);

/* The Content-Security-Policy value (computed once). */
const char *page_csp(void);

/* Finds form field `name` in an urlencoded body and decodes it into out
 * ('+' = space, %XX). 0; MT_ENOTFOUND when absent; MT_EINVAL when the body
 * is malformed, the field is given twice, the value is longer than size - 1
 * bytes, or decodes to invalid UTF-8 or control characters. */
int page_form_get(const char *body, size_t len, const char *name, char *out, size_t size);

/* A fixed-window rate limiter keyed by text (an IP address, a list id):
 * at most `limit` events per `window_ms` per key. A small table (a
 * collision shares a slot, erring on the strict side); thread-safe. */
struct page_limiter;

/* Counts one event for key at now_ms: 1 when allowed, 0 when over the limit. */
int page_limit_hit(struct page_limiter *l, const char *key, int64_t now_ms);

/* The two limiters of self check-in (per client IP, per list). */
extern struct page_limiter page_limit_checkin_ip;
extern struct page_limiter page_limit_checkin_list;

/* Sets both check-in limits (tests and maitred's environment); clears counts. */
void page_limit_configure(int per_ip, int per_list, int64_t window_ms);

#endif
