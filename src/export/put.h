/* put.h - numbers and times written as raw text at a pointer, inline: the
 * export writes about 27 numbers a row, and a call each cost a fifth of its
 * time.  The caller made room for FMT_ROOM bytes; each returns the end of
 * what it wrote (no NUL).  Digits are stored up to 8 bytes at a time, so
 * bytes past the end may be overwritten, within FMT_ROOM. */
#ifndef MPTCPA_PUT_H
#define MPTCPA_PUT_H

#include <stdint.h>
#include <string.h>

/* the most bytes a put_* call may store past its pointer: a value is at most
 * 46 bytes (an IPv6 address, put_addr in format.h) */
#define FMT_ROOM 48

/* each written out where it is called: GCC leaves most of them as calls */
#define PUT_INLINE static inline __attribute__((always_inline))

/* "00" "01" ... "99" */
extern const char fmt_digit_pairs[200];

/* decimal digits of v (1 for 0) */
PUT_INLINE unsigned u64_digits(uint64_t v)
{
	extern const uint64_t fmt_pow10[20];
	/* bits * log10(2) estimates it within one */
	unsigned bits = 64 - (unsigned)__builtin_clzll(v | 1);
	unsigned n = (bits * 1233) >> 12;
	return n + (v >= fmt_pow10[n]) + (v == 0);
}

/* the pair of digits in the integer part of t (32.32 fixed point), as the
 * bytes i*2 and i*2+1 of a word */
PUT_INLINE uint64_t pair_at(uint64_t t, int i)
{
	uint16_t pair;
	memcpy(&pair, fmt_digit_pairs + 2 * (t >> 32), 2);
	return (uint64_t)pair << (16 * i);
}

/* The digits of u, zero-padded, as the bytes of a word (the first digit in
 * the lowest byte): 4 digits of u < 10^4, 8 of u < 10^8.  t starts as u /
 * 10^2 or u / 10^6 in 32.32 fixed point: its integer part is the first two
 * digits, and each multiplication of the fraction by 100 brings the next two
 * up.  The multipliers (2^32 / 10^2 + 1; 2^47 / 10^6 + 1 shifted back by 15,
 * plus 1 for what the shift drops) keep the fraction at or just above its
 * exact value, never a digit's worth above: tests/unit/test_format.c checks
 * every u below 10^8. */
PUT_INLINE uint32_t digits4_word(uint32_t u)
{
	uint64_t t = (uint64_t)u * 42949673u;
	uint64_t w = pair_at(t, 0);
	t = (uint64_t)(uint32_t)t * 100;
	return (uint32_t)(w | pair_at(t, 1));
}

PUT_INLINE uint64_t digits8_word_pairs(uint32_t u)
{
	/* written out: GCC does not unroll a loop of four at -O2 */
	uint64_t t = (((uint64_t)u * 140737489u) >> 15) + 1;
	uint64_t w = pair_at(t, 0);
	t = (uint64_t)(uint32_t)t * 100;
	w |= pair_at(t, 1);
	t = (uint64_t)(uint32_t)t * 100;
	w |= pair_at(t, 2);
	t = (uint64_t)(uint32_t)t * 100;
	return w | pair_at(t, 3);
}

/* The same with SSE2 (every x86-64): u / 10^4 and u % 10^4 each in four
 * 16-bit lanes, divided in each lane by 10^3, 10^2, 10 and 1 (a multiplier
 * and a shift that are exact below 10^4), each lane less 10 times the one
 * before it: one digit per lane, packed to bytes.  Fewer instructions than
 * the pairs (547 M against 557 M for the export of the 150k cut). */
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
PUT_INLINE uint64_t digits8_word_sse2(uint32_t u)
{
	uint32_t hi = (uint32_t)(((uint64_t)u * 109951163u) >> 40); /* u / 10^4 below 2^32 */
	uint32_t lo = u - hi * 10000;
	__m128i v = _mm_unpacklo_epi16(_mm_cvtsi32_si128((int)hi), _mm_cvtsi32_si128((int)lo));
	v = _mm_slli_epi64(v, 2);
	v = _mm_unpacklo_epi16(v, v);
	v = _mm_unpacklo_epi32(v, v); /* 4hi x4, 4lo x4 */
	/* unsigned 16-bit multipliers: -32768 is 2^15 */
	v = _mm_mulhi_epu16(v, _mm_setr_epi16(8389, 5243, 13108, -32768, 8389, 5243, 13108, -32768));
	v = _mm_mulhi_epu16(v, _mm_setr_epi16(1 << 7, 1 << 11, 1 << 13, -32768, 1 << 7, 1 << 11, 1 << 13, -32768));
	/* a, ab, abc, abcd: minus 10 times the lane before */
	v = _mm_sub_epi16(v, _mm_slli_epi64(_mm_mullo_epi16(v, _mm_set1_epi16(10)), 16));
	v = _mm_add_epi8(_mm_packus_epi16(v, v), _mm_set1_epi8('0'));
	return (uint64_t)_mm_cvtsi128_si64(v);
}
#define digits8_word digits8_word_sse2
#else
#define digits8_word digits8_word_pairs
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* all 8 digits of u < 10^8 */
PUT_INLINE char *put_digits8(char *p, uint32_t u)
{
	uint64_t w = digits8_word(u);
	memcpy(p, &w, 8);
	return p + 8;
}

/* u < 10^8 without leading zeros: the word's first bytes are dropped */
PUT_INLINE char *put_group(char *p, uint32_t u)
{
	if (u < 100) {
		if (u < 10) {
			*p = (char)('0' + u);
			return p + 1;
		}
		memcpy(p, fmt_digit_pairs + 2 * u, 2);
		return p + 2;
	}
	unsigned n = u64_digits(u);
	if (u < 10000) {
		uint32_t w = digits4_word(u) >> (8 * (4 - n));
		memcpy(p, &w, 4);
	} else {
		uint64_t w = digits8_word(u) >> (8 * (8 - n));
		memcpy(p, &w, 8);
	}
	return p + n;
}
#else
PUT_INLINE char *put_digits8(char *p, uint32_t u)
{
	for (int i = 7; i >= 0; i--, u /= 10)
		p[i] = (char)('0' + u % 10);
	return p + 8;
}

PUT_INLINE char *put_group(char *p, uint32_t u)
{
	unsigned n = u64_digits(u);
	for (int i = (int)n - 1; i >= 0; i--, u /= 10)
		p[i] = (char)('0' + u % 10);
	return p + n;
}
#endif

/* 8 digits at a time, from the top: the leading group without its zeros */
PUT_INLINE char *put_u64(char *p, uint64_t v)
{
	if (v < 100000000)
		return put_group(p, (uint32_t)v);
	uint64_t hi = v / 100000000;
	uint32_t lo = (uint32_t)(v - hi * 100000000);
	if (hi < 100000000) {
		p = put_group(p, (uint32_t)hi);
	} else { /* 17 to 20 digits */
		uint64_t top = hi / 100000000;
		p = put_group(p, (uint32_t)top);
		p = put_digits8(p, (uint32_t)(hi - top * 100000000));
	}
	return put_digits8(p, lo);
}

/* seconds with 9 decimals: "1795698132.114224000" */
PUT_INLINE char *put_time_ns(char *p, int64_t ns)
{
	uint64_t mag = (uint64_t)ns; /* magnitude: -INT64_MIN does not fit an int64_t */
	if (ns < 0) {
		*p++ = '-';
		mag = 0 - mag;
	}
	uint64_t s = mag / 1000000000;
	uint32_t f = (uint32_t)(mag - s * 1000000000);
	p = put_u64(p, s);
	p[0] = '.';
	p[1] = (char)('0' + f / 100000000);
	return put_digits8(p + 2, f % 100000000);
}

/* "0x0012" */
PUT_INLINE char *put_hex16(char *p, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	char b[6] = { '0', 'x', hex[v >> 12 & 15], hex[v >> 8 & 15], hex[v >> 4 & 15], hex[v & 15] };
	memcpy(p, b, 6);
	return p + 6;
}

#endif
