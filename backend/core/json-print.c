/* A faster cJSON_PrintUnformatted (see json-print.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/jsonesc.h"
#include "core/json-print.h"

/* Output buffer that grows by doubling. */
struct jp_buf {
	char *data;   /* bytes written so far */
	size_t len;   /* bytes used */
	size_t cap;   /* bytes allocated */
	int failed;   /* set once an allocation failed */
};

/* Makes room for n more bytes; 0 or -1. */
static int jp_reserve(struct jp_buf *b, size_t n)
{
	size_t cap;
	char *nd;

	if (b->failed)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	nd = realloc(b->data, cap);
	if (nd == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = nd;
	b->cap = cap;
	return 0;
}

/* Appends n bytes. */
static void jp_add(struct jp_buf *b, const char *s, size_t n)
{
	if (jp_reserve(b, n) == 0) {
		memcpy(b->data + b->len, s, n);
		b->len += n;
	}
}

/* Appends a number: integers fast, others as cJSON does. */
static void jp_number(struct jp_buf *b, double d)
{
	char tmp[32];
	int n;

	if (isnan(d) || isinf(d)) {
		jp_add(b, "null", 4);
		return;
	}
	if (d == 0 && signbit(d)) {
		jp_add(b, "-0", 2);   /* as cJSON's %1.15g prints it */
		return;
	}
	if (d == floor(d) && fabs(d) < 9007199254740992.0) {
		jp_add(b, tmp, mt_json_int(tmp, (int64_t)d));
		return;
	}
	n = snprintf(tmp, sizeof tmp, "%1.15g", d);
	if (strtod(tmp, NULL) != d)
		n = snprintf(tmp, sizeof tmp, "%1.17g", d);
	if (n > 0 && (size_t)n < sizeof tmp)
		jp_add(b, tmp, (size_t)n);
}

/* Appends s as a JSON string literal with cJSON's escaping. */
static void jp_string(struct jp_buf *b, const char *s)
{
	size_t n;

	if (s == NULL)
		s = "";
	n = strlen(s);
	if (jp_reserve(b, MT_JSONESC_MAX(n) + 2) < 0)
		return;
	b->data[b->len++] = '"';
	b->len += mt_jsonesc(b->data + b->len, s, n, MT_JSONESC_SHORT);
	b->data[b->len++] = '"';
}

/* Appends one value (recursively); -1 on an invalid item. */
static int jp_value(struct jp_buf *b, const cJSON *item)
{
	const cJSON *c;

	switch (item->type & 0xFF) {
	case cJSON_NULL:
		jp_add(b, "null", 4);
		return 0;
	case cJSON_False:
		jp_add(b, "false", 5);
		return 0;
	case cJSON_True:
		jp_add(b, "true", 4);
		return 0;
	case cJSON_Number:
		jp_number(b, item->valuedouble);
		return 0;
	case cJSON_String:
		jp_string(b, item->valuestring);
		return 0;
	case cJSON_Raw:
		if (item->valuestring == NULL)
			return -1;
		jp_add(b, item->valuestring, strlen(item->valuestring));
		return 0;
	case cJSON_Array:
		jp_add(b, "[", 1);
		for (c = item->child; c != NULL; c = c->next) {
			if (jp_value(b, c) < 0)
				return -1;
			if (c->next)
				jp_add(b, ",", 1);
		}
		jp_add(b, "]", 1);
		return 0;
	case cJSON_Object:
		jp_add(b, "{", 1);
		for (c = item->child; c != NULL; c = c->next) {
			jp_string(b, c->string);
			jp_add(b, ":", 1);
			if (jp_value(b, c) < 0)
				return -1;
			if (c->next)
				jp_add(b, ",", 1);
		}
		jp_add(b, "}", 1);
		return 0;
	default:
		return -1;
	}
}

/* Serialises item without whitespace. */
char *mt_json_print(const cJSON *item)
{
	struct jp_buf b = { NULL, 0, 0, 0 };

	if (item == NULL || jp_value(&b, item) < 0 || jp_reserve(&b, 0) < 0) {
		free(b.data);
		return NULL;
	}
	b.data[b.len] = '\0';
	return b.data;
}
