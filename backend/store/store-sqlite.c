/* Placeholder until the SQLite back end lands. */
#include <string.h>
#include "core/error.h"
#include "store/store.h"

int store_sqlite_open(const char *path, struct store **out, char **cause)
{
	(void)path;
	*out = NULL;
	if (cause)
		*cause = strdup("the SQLite store is not built yet");
	return MT_EINVAL;
}
