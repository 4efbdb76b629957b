#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error.h"
#include "store/store.h"

/* Opens a store from a URL: "sqlite:PATH" or "dynamodb://TABLE?...". */
int store_open(const char *url, struct store **out, char **cause)
{
	*out = NULL;
	if (cause)
		*cause = NULL;
	if (url == NULL) {
		if (cause)
			*cause = strdup("no store URL given");
		return MT_EINVAL;
	}
	if (strncmp(url, "sqlite:", 7) == 0)
		return store_sqlite_open(url + 7, out, cause);
	if (strncmp(url, "dynamodb://", 11) == 0)
		return store_dynamodb_open(url, out, cause);
	if (cause) {
		size_t n = strlen(url) + 64;
		char *m = malloc(n);
		if (m)
			snprintf(m, n, "unknown store URL '%s' (use sqlite:PATH or dynamodb://TABLE)", url);
		*cause = m;
	}
	return MT_EINVAL;
}
