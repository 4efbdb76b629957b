/* MAITRE_DEBUG tracing with secrets masked: tokens, passwords, phone numbers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* JSON members whose values never reach a trace. */
static const char *const secret_keys[] = {
	"password", "currentPassword", "newPassword", "refreshToken", "accessToken", "phoneNumber", "From", NULL,
};

/* 1 when key names a secret. */
static int is_secret(const char *key)
{
	for (size_t i = 0; secret_keys[i] != NULL; i++)
		if (key != NULL && strcmp(key, secret_keys[i]) == 0)
			return 1;
	return 0;
}

/* Replaces secret values in o (recursively) with "***". */
static void mask(cJSON *o)
{
	for (cJSON *it = o != NULL ? o->child : NULL; it != NULL; it = it->next) {
		if (is_secret(it->string) && !cJSON_IsNull(it)) {
			cJSON *star = cJSON_CreateString("***");
			if (star == NULL || !cJSON_ReplaceItemInObjectCaseSensitive(o, it->string, star)) {
				cJSON_Delete(star);
				cJSON_Delete(cJSON_DetachItemViaPointer(o, it));   /* cannot mask: drop it */
				return;
			}
			it = star;
		} else if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
			mask(it);
		}
	}
}

/* A JSON body with its secrets masked (malloc'd); "(not JSON, N bytes)" when not JSON. */
char *mtc_trace_mask_json(const char *body)
{
	cJSON *o = cJSON_Parse(body);
	if (o == NULL) {
		char buf[48];
		snprintf(buf, sizeof buf, "(not JSON, %zu bytes)", strlen(body));
		return mtc_strdup(buf);
	}
	mask(o);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Writes one trace line to stderr. */
void mtc_trace_stderr(void *userdata, const char *line)
{
	(void)userdata;
	fprintf(stderr, "maitre-client: %s\n", line);
}

/* Formats one trace line and hands it to the sink (no-op when tracing is off). */
void mtc_trace(struct mtc_client *c, const char *fmt, ...)
{
	if (c->trace == NULL)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	c->trace(c->trace_ud, line);
}
