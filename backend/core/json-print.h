/* A faster cJSON_PrintUnformatted for response bodies. cJSON 1.7.15 prints
 * every number that does not fit an int (epoch milliseconds, ...) with
 * sprintf("%1.15g") plus an sscanf round-trip check, which made serialising
 * a list of 50 waitees cost most of a request (bench/http.sh, perf). This
 * printer writes integral numbers (|n| < 2^53) with an integer conversion
 * and everything else exactly like cJSON; the output parses to the same
 * JSON value as cJSON's. */
#ifndef MT_JSON_PRINT_H
#define MT_JSON_PRINT_H

#include <cjson/cJSON.h>

/* Serialises item without whitespace. Returns a malloc'd NUL-terminated
 * string (caller frees), or NULL when out of memory or item is invalid. */
char *mt_json_print(const cJSON *item);

#endif
