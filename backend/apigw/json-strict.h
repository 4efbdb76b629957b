/* Strict reading of JSON request bodies, beyond what cJSON checks: control
 * characters inside strings (cJSON turns "\u0000" into a NUL that silently
 * cuts the string), data after the value, and the Content-Type of a body. */
#ifndef MT_APIGW_JSON_STRICT_H
#define MT_APIGW_JSON_STRICT_H

#include <stddef.h>

/* 1 when code point cp is a control character no string of our API may hold:
 * U+0000-U+001F except \t \n \r, and U+007F-U+009F (DEL and the C1 controls,
 * which terminals read as escapes); else 0. */
int mt_json_forbidden_cp(unsigned long cp);

/* Scans the JSON text for a string (key or value) holding a forbidden
 * control character, raw or escaped (\u0000). Returns 1 when one is found,
 * with the name of the member it belongs to (the nearest key before it, as
 * written, cut to fieldsz - 1 bytes; "" when none) in field; else 0. */
int mt_json_find_control(const char *text, size_t len, char *field, size_t fieldsz);

/* 1 when text[0..len) is only JSON whitespace (space, \t, \n, \r). */
int mt_json_only_space(const char *text, size_t len);

/* 1 when a Content-Type value names JSON: application/json or
 * application/<anything>+json, any parameters (charset) after ';'. */
int mt_content_type_is_json(const char *ct);

#endif
