/* Record ids: 26-character ULID-style strings (48-bit ms time + 80 random
 * bits, Crockford base32), so ids created later sort after earlier ones. */
#ifndef MT_ID_H
#define MT_ID_H

#include <stdint.h>
#include "core/model.h"

/* Writes a new id for time now_ms into out (MT_ID_SIZE bytes). */
void mt_id_new(char out[MT_ID_SIZE], int64_t now_ms);

/* As mt_id_new, for ids that need to be unique but not ordered against
 * other ids of the same millisecond (request ids): no lock, no system call;
 * each thread counts up from its own random start (80 bits). */
void mt_id_new_unordered(char out[MT_ID_SIZE], int64_t now_ms);

/* The time (epoch ms) an id was made for; -1 when s is not a well-formed id. */
int64_t mt_id_time(const char *s);
/* Writes the smallest id of time ms into out (a lower bound for "since"). */
void mt_id_floor(char out[MT_ID_SIZE], int64_t ms);

/* Returns 1 when s is a well-formed id, 0 otherwise. */
int mt_id_valid(const char *s);

#endif
