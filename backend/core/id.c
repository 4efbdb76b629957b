#include <pthread.h>
#include <string.h>
#include <sodium.h>
#include "core/id.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Monotonic ids within one millisecond (as ULID's monotonic mode): the
 * random part of the previous id plus one, so parties that join in the same
 * millisecond keep their join order. */
static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t id_last_ms = -1;            /* time of the previous id */
static unsigned char id_last_rnd[10];      /* its random part */

/* Fills rnd: fresh randomness, or the previous id's plus one in the same ms. */
static void id_random(int64_t now_ms, unsigned char rnd[10])
{
	int i, carry = 1;

	pthread_mutex_lock(&id_lock);
	if (now_ms == id_last_ms) {
		for (i = 9; i >= 0 && carry; i--) {
			id_last_rnd[i]++;
			carry = id_last_rnd[i] == 0;
		}
		if (carry) /* 2^80 ids in one ms: start afresh */
			randombytes_buf(id_last_rnd, sizeof id_last_rnd);
	} else {
		randombytes_buf(id_last_rnd, sizeof id_last_rnd);
		id_last_rnd[0] &= 0x7F; /* room to count up within the millisecond */
		id_last_ms = now_ms;
	}
	memcpy(rnd, id_last_rnd, sizeof id_last_rnd);
	pthread_mutex_unlock(&id_lock);
}

/* Writes the id for time now_ms and random part rnd into out. */
static void id_encode(char out[MT_ID_SIZE], int64_t now_ms, const unsigned char rnd[10])
{
	uint64_t t = (uint64_t)now_ms & 0xFFFFFFFFFFFFULL;
	int i;

	/* 10 chars of time (50 bits, top 2 zero), 16 chars of randomness. */
	for (i = 9; i >= 0; i--) {
		out[i] = crockford[t & 31];
		t >>= 5;
	}
	for (i = 0; i < 16; i++) {
		int bit = i * 5, byte = bit / 8, off = bit % 8;
		unsigned v = (unsigned)rnd[byte] << 8 | (byte + 1 < 10 ? rnd[byte + 1] : 0);
		out[10 + i] = crockford[(v >> (11 - off)) & 31];
	}
	out[MT_ID_LEN] = '\0';
}

/* Writes a new id for time now_ms into out (MT_ID_SIZE bytes). */
void mt_id_new(char out[MT_ID_SIZE], int64_t now_ms)
{
	unsigned char rnd[10];

	id_random(now_ms, rnd);
	id_encode(out, now_ms, rnd);
}

/* Writes the smallest id of time ms into out (a lower bound for "since"). */
void mt_id_floor(char out[MT_ID_SIZE], int64_t ms)
{
	static const unsigned char zero[10];

	id_encode(out, ms < 0 ? 0 : ms, zero);
}

/* Per thread: a random start (drawn once) counted up by one per id. */
static _Thread_local unsigned char id_thread_rnd[10];
static _Thread_local int id_thread_seeded;

void mt_id_new_unordered(char out[MT_ID_SIZE], int64_t now_ms)
{
	int i, carry = 1;

	if (!id_thread_seeded) {
		randombytes_buf(id_thread_rnd, sizeof id_thread_rnd);
		id_thread_seeded = 1;
	}
	for (i = 9; i >= 0 && carry; i--) {
		id_thread_rnd[i]++;
		carry = id_thread_rnd[i] == 0;
	}
	id_encode(out, now_ms, id_thread_rnd);
}

/* Returns 1 when s is a well-formed id, 0 otherwise. */
int mt_id_valid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != MT_ID_LEN)
		return 0;
	for (i = 0; i < MT_ID_LEN; i++)
		if (strchr(crockford, s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

/* The time (epoch ms) an id was made for: its first 10 characters. */
int64_t mt_id_time(const char *s)
{
	uint64_t t = 0;
	int i;

	if (!mt_id_valid(s))
		return -1;
	for (i = 0; i < 10; i++)
		t = t << 5 | (uint64_t)(strchr(crockford, s[i]) - crockford);
	return (int64_t)(t & 0xFFFFFFFFFFFFULL);
}
