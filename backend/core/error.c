#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"

/* Returns a static English name for an MT_E* code. */
const char *mt_strerror(int err)
{
	switch (err) {
	case MT_OK: return "ok";
	case MT_ENOTFOUND: return "not found";
	case MT_ECONFLICT: return "conflict";
	case MT_EPRECOND: return "version mismatch";
	case MT_EINVAL: return "invalid argument";
	case MT_ENOMEM: return "out of memory";
	case MT_EIO: return "storage or network failure";
	case MT_EBUSY: return "busy, retry later";
	case MT_ETOOBIG: return "too large";
	case MT_ENOSPC: return "storage full";
	}
	return "unknown error";
}

/* Returns a malloc'd printf-formatted string (NULL when out of memory). */
char *mt_strf(const char *fmt, ...)
{
	va_list ap;
	char *m;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	m = malloc((size_t)n + 1);
	if (m == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(m, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return m;
}

/* Replaces *cause (if cause is given) with a formatted message of at most MT_CAUSE_MAX - 1 bytes. */
void mt_vset_cause(char **cause, const char *fmt, va_list ap)
{
	char buf[MT_CAUSE_MAX];

	if (cause == NULL)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	free(*cause);
	*cause = strdup(buf);
}

/* Replaces *cause (if cause is given) with a formatted message of at most MT_CAUSE_MAX - 1 bytes. */
void mt_set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mt_vset_cause(cause, fmt, ap);
	va_end(ap);
}
