/* JSON string escaping and integer formatting (see jsonesc.h). */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "core/jsonesc.h"

#define JSONESC_ONES 0x0101010101010101ULL   /* 0x01 in every byte */
#define JSONESC_HIGH 0x8080808080808080ULL   /* 0x80 in every byte */

/* What a byte becomes: 0 = itself, 'u' = \u00XX, another letter = that
 * letter after a backslash (when MT_JSONESC_SHORT, else \u00XX for the
 * control bytes), 'D' = DEL (\u007f with MT_JSONESC_DEL, else itself). */
static const unsigned char jsonesc_class[256] = {
	['\0'] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u', [0x06] = 'u',
	[0x07] = 'u', ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', [0x0b] = 'u', ['\f'] = 'f', ['\r'] = 'r',
	[0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u',
	[0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u',
	[0x1c] = 'u', [0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\', [0x7f] = 'D',
};

/* Returns a word with the high bit set in (at least) the lowest byte of v
 * that needs escaping, 0 when none does. Exact about existence and about
 * the lowest such byte: a borrow only moves up from a byte that matched. */
static inline uint64_t jsonesc_word(uint64_t v, unsigned flags)
{
	uint64_t q = v ^ (JSONESC_ONES * '"');
	uint64_t b = v ^ (JSONESC_ONES * '\\');
	uint64_t m = ((v - JSONESC_ONES * 0x20) & ~v) |   /* a byte < 0x20 */
		     ((q - JSONESC_ONES) & ~q) |           /* a byte == '"' */
		     ((b - JSONESC_ONES) & ~b);            /* a byte == '\\' */

	if (flags & MT_JSONESC_DEL) {
		uint64_t d = v ^ (JSONESC_ONES * 0x7f);

		m |= (d - JSONESC_ONES) & ~d;
	}
	return m & JSONESC_HIGH;
}

/* Returns 1 when byte c is written as is under flags. */
static inline int jsonesc_plain(unsigned char c, unsigned flags)
{
	unsigned char k = jsonesc_class[c];

	return k == 0 || (k == 'D' && !(flags & MT_JSONESC_DEL));
}

/* Writes the escape of byte c (not plain under flags) to o; returns its length. */
static size_t jsonesc_one(char *o, unsigned char c, unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char k = jsonesc_class[c];

	o[0] = '\\';
	if (k == '"' || k == '\\' || (k != 'u' && k != 'D' && (flags & MT_JSONESC_SHORT))) {
		o[1] = (char)k;
		return 2;
	}
	o[1] = 'u';
	o[2] = '0';
	o[3] = '0';
	o[4] = hex[c >> 4];
	o[5] = hex[c & 15];
	return 6;
}

/* Escapes s[0..n) into out (room for MT_JSONESC_MAX(n)); with stop_nul,
 * ends at the first NUL instead (reads stay inside s[0..n)). Inlined into
 * the two entry points, so each gets its own loop. */
static inline size_t jsonesc_run(char *out, const char *s, size_t n, unsigned flags, int stop_nul)
{
	char *o = out;
	size_t i = 0;

	for (;;) {
#if defined(__SSE2__)
		/* 16 bytes at a time: exact per-byte compares, one mask */
		while (n - i >= 16) {
			const __m128i bias = _mm_set1_epi8((char)0x80);
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i m = _mm_or_si128(
				_mm_cmplt_epi8(_mm_xor_si128(v, bias), _mm_set1_epi8((char)(0x20 ^ 0x80))),   /* < 0x20 */
				_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
			unsigned bits;

			if (flags & MT_JSONESC_DEL)
				m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
			bits = (unsigned)_mm_movemask_epi8(m);
			_mm_storeu_si128((__m128i *)(void *)o, v);   /* room: 6 * (n - i) >= 16 */
			if (bits == 0) {
				o += 16;
				i += 16;
				continue;
			}
			o += (size_t)__builtin_ctz(bits);   /* the bytes before it are plain */
			i += (size_t)__builtin_ctz(bits);
			goto bytes;
		}
#endif
		/* whole words of plain bytes: one test and one 8-byte copy each */
		while (n - i >= 8) {
			uint64_t v, m;

			memcpy(&v, s + i, 8);
			m = jsonesc_word(v, flags);   /* NUL is < 0x20: it stops the word too */
			memcpy(o, &v, 8);             /* room: 6 * (n - i) >= 8 */
			if (m == 0) {
				o += 8;
				i += 8;
				continue;
			}
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			{
				size_t k = (size_t)__builtin_ctzll(m) >> 3;   /* the bytes before it are plain */

				o += k;
				i += k;
			}
#endif
			break;
		}
#if defined(__SSE2__)
bytes:
#endif
		/* byte by byte up to the next byte to escape (or the end) */
		while (i < n && jsonesc_plain((unsigned char)s[i], flags))
			*o++ = s[i++];
		if (i == n || (stop_nul && s[i] == '\0'))
			break;
		o += jsonesc_one(o, (unsigned char)s[i], flags);
		i++;
	}
	return (size_t)(o - out);
}

/* Escapes s[0..n) into out (room for MT_JSONESC_MAX(n)). */
size_t mt_jsonesc(char *out, const char *s, size_t n, unsigned flags)
{
	return jsonesc_run(out, s, n, flags, 0);
}

/* Escapes the NUL-terminated text in the array s[0..cap) into out. */
size_t mt_jsonesc_field(char *out, const char *s, size_t cap, unsigned flags)
{
	return jsonesc_run(out, s, cap, flags, 1);
}

/* Two ASCII digits for each of 0..99. */
static const char jsonesc_pairs[201] =
	"00010203040506070809101112131415161718192021222324"
	"25262728293031323334353637383940414243444546474849"
	"50515253545556575859606162636465666768697071727374"
	"75767778798081828384858687888990919293949596979899";

/* Writes u (< 2^32) in decimal ending just before end; returns the first byte. */
static inline char *jsonesc_u32(char *end, uint32_t u)
{
	while (u >= 100) {
		uint32_t d = (u % 100) * 2;

		u /= 100;
		end -= 2;
		memcpy(end, jsonesc_pairs + d, 2);
	}
	if (u >= 10) {
		end -= 2;
		memcpy(end, jsonesc_pairs + u * 2, 2);
	} else {
		*--end = (char)('0' + u);
	}
	return end;
}

/* Writes exactly 8 digits of u (< 10^8) at p: two independent 4-digit halves. */
static inline void jsonesc_8digits(char *p, uint32_t u)
{
	uint32_t hi = u / 10000, lo = u % 10000;

	memcpy(p, jsonesc_pairs + (hi / 100) * 2, 2);
	memcpy(p + 2, jsonesc_pairs + (hi % 100) * 2, 2);
	memcpy(p + 4, jsonesc_pairs + (lo / 100) * 2, 2);
	memcpy(p + 6, jsonesc_pairs + (lo % 100) * 2, 2);
}

/* Powers of ten up to 10^19. */
static const uint64_t jsonesc_pow10[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
	1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
	1000000000000000000ULL, 10000000000000000000ULL,
};

/* Number of decimal digits of u (1..20). */
static inline size_t jsonesc_digits(uint64_t u)
{
#if defined(__GNUC__)
	/* floor(log10) from the bit length (Bit Twiddling Hacks), then one correction */
	size_t t = (size_t)(64 - __builtin_clzll(u | 1)) * 1233 >> 12;

	return t + 1 - (u < jsonesc_pow10[t]);
#else
	size_t n = 1;

	while (n < 20 && u >= jsonesc_pow10[n])
		n++;
	return n;
#endif
}

/* Writes v in decimal straight into out (digits counted first): 32-bit
 * arithmetic, 8 digits per 64-bit division. */
size_t mt_json_int(char *out, int64_t v)
{
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n;
	char *p;

	if (u < 10 && v >= 0) {   /* counts, sizes, versions */
		out[0] = (char)('0' + u);
		return 1;
	}
	if (v < 0)
		*out++ = '-';
	n = jsonesc_digits(u);
	p = out + n;
	while (u > UINT32_MAX) {
		p -= 8;
		jsonesc_8digits(p, (uint32_t)(u % 100000000u));
		u /= 100000000u;
	}
	jsonesc_u32(p, (uint32_t)u);
	return n + (v < 0);
}
