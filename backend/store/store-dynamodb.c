/* Placeholder until the DynamoDB back end lands (issue 3). */
#include <string.h>
#include "core/error.h"
#include "store/store.h"

int store_dynamodb_open(const char *url, struct store **out, char **cause)
{
	(void)url;
	*out = NULL;
	if (cause)
		*cause = strdup("the DynamoDB store is not built yet");
	return MT_EINVAL;
}
