/* Reading required fields of a request's JSON body, with the API's 400
 * answers. Internal to handlers/. */
#ifndef MT_HANDLERS_FIELD_H
#define MT_HANDLERS_FIELD_H

#include <cjson/cJSON.h>

/* Gets the required string field `name` of body (borrowed from it). NULL and
 * *err set to a 400 (missing_field when absent or null, invalid_type when
 * not a string; *err NULL only when out of memory) otherwise. */
const char *field_required_str(const cJSON *body, const char *name, cJSON **err);

#endif
