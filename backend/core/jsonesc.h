/* JSON text pieces shared by every writer of JSON in the back end (the
 * records codec, the response printer, maitred's log): string escaping and
 * integer formatting.
 *
 * The escaper copies runs of bytes that need no escaping 16 at a time
 * (SSE2 compares and one movemask where the compiler targets SSE2), then 8
 * at a time (one 64-bit word test for '"', '\\' and bytes below 0x20), and
 * escapes the rest. Bytes >= 0x80 pass through unchanged: UTF-8 is neither checked nor
 * changed (callers validate text where it enters). Two policies exist
 * today, selected by flags:
 *   - records and responses (cJSON's form): MT_JSONESC_SHORT;
 *   - the log: 0x7f escaped too and every control byte as \u00XX:
 *     MT_JSONESC_DEL. */
#ifndef MT_JSONESC_H
#define MT_JSONESC_H

#include <stddef.h>
#include <stdint.h>

#define MT_JSONESC_SHORT 1u   /* \b \f \n \r \t as two-byte escapes (otherwise \u00XX) */
#define MT_JSONESC_DEL   2u   /* escape 0x7f (DEL) as \u007f (otherwise passed through) */

/* Most bytes mt_jsonesc writes for n input bytes (every byte as \u00XX). */
#define MT_JSONESC_MAX(n) (6 * (size_t)(n))

/* Most bytes mt_json_int writes (sign and 19 digits). */
#define MT_JSON_INT_MAX 20

/* Writes s[0..n) escaped as the inside of a JSON string (no quotes) to out,
 * which must have room for MT_JSONESC_MAX(n) bytes (out and s must not
 * overlap); returns the number of bytes written. A NUL byte inside s[0..n)
 * is written as \u0000. */
size_t mt_jsonesc(char *out, const char *s, size_t n, unsigned flags);

/* The same for the text in a char array of cap bytes: stops at its first
 * NUL (or after cap bytes when there is none) and never reads s[cap] or
 * beyond, so no strlen is needed; out must have room for
 * MT_JSONESC_MAX(cap) bytes. Bytes after the NUL may be read (they must be
 * inside the array) but never written. */
size_t mt_jsonesc_field(char *out, const char *s, size_t cap, unsigned flags);

/* Writes v in decimal (no NUL) to out, which must have room for
 * MT_JSON_INT_MAX bytes; returns the number of bytes written. */
size_t mt_json_int(char *out, int64_t v);

#endif
