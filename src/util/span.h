/* span.h - the one bounds-checked accessor for packet bytes.
 *
 * Every decoder reads packet bytes through a `struct span` (pointer + length
 * of what was really captured).  Readers take an offset relative to the span
 * and never touch memory outside it: an out-of-range read returns 0, and
 * span_has() lets a decoder check a whole field before it reads it (the
 * tcpdump ND_TCHECK discipline).  Decoders must check first and mark the
 * packet truncated; the zero return is only a safety net.
 */
#ifndef MPTCPA_SPAN_H
#define MPTCPA_SPAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

struct span {
	const uint8_t *data;
	size_t len;
};

static inline struct span span_make(const uint8_t *data, size_t len)
{
	struct span s = { data, len };
	return s;
}

/* true when [off, off+n) lies inside the span */
static inline bool span_has(struct span s, size_t off, size_t n)
{
	return off <= s.len && n <= s.len - off;
}

/* the bytes from off to the end (empty when off is past the end) */
static inline struct span span_from(struct span s, size_t off)
{
	if (off > s.len)
		off = s.len;
	return span_make(s.data + off, s.len - off);
}

/* at most n bytes from off */
static inline struct span span_sub(struct span s, size_t off, size_t n)
{
	struct span r = span_from(s, off);
	if (n < r.len)
		r.len = n;
	return r;
}

static inline uint8_t span_u8(struct span s, size_t off)
{
	return span_has(s, off, 1) ? s.data[off] : 0;
}

static inline uint16_t span_be16(struct span s, size_t off)
{
	if (!span_has(s, off, 2))
		return 0;
	return (uint16_t)((unsigned)s.data[off] << 8 | s.data[off + 1]);
}

static inline uint16_t span_le16(struct span s, size_t off)
{
	if (!span_has(s, off, 2))
		return 0;
	return (uint16_t)((unsigned)s.data[off + 1] << 8 | s.data[off]);
}

static inline uint32_t span_be32(struct span s, size_t off)
{
	if (!span_has(s, off, 4))
		return 0;
	return (uint32_t)s.data[off] << 24 | (uint32_t)s.data[off + 1] << 16 |
	       (uint32_t)s.data[off + 2] << 8 | s.data[off + 3];
}

static inline uint32_t span_le32(struct span s, size_t off)
{
	if (!span_has(s, off, 4))
		return 0;
	return (uint32_t)s.data[off + 3] << 24 | (uint32_t)s.data[off + 2] << 16 |
	       (uint32_t)s.data[off + 1] << 8 | s.data[off];
}

static inline uint64_t span_be64(struct span s, size_t off)
{
	if (!span_has(s, off, 8))
		return 0;
	return (uint64_t)span_be32(s, off) << 32 | span_be32(s, off + 4);
}

/* copies n bytes to out; false (and out zeroed) when they are not all there */
static inline bool span_copy(struct span s, size_t off, void *out, size_t n)
{
	if (!span_has(s, off, n)) {
		memset(out, 0, n);
		return false;
	}
	memcpy(out, s.data + off, n);
	return true;
}

#endif
