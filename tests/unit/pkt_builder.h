/* pkt_builder.h - builds crafted frames byte by byte for the unit tests.
 *
 * A `struct pb` is a fixed buffer that grows by appending big- or
 * little-endian fields.  Layer helpers write one header each and return where
 * it starts, so a test knows every offset of its frame; lengths that depend on
 * what follows (IPv4 total length, IPv6 payload length) are patched by the
 * matching *_end() call once the inner layers are written.  pb_dup() copies a
 * prefix into a heap buffer of exactly that size, so AddressSanitizer catches
 * any read past the captured bytes.
 */
#ifndef MPTCPA_TEST_PKT_BUILDER_H
#define MPTCPA_TEST_PKT_BUILDER_H

#include <glib.h>
#include <stdint.h>
#include <string.h>

#define PB_MAX 4096

struct pb {
	uint8_t buf[PB_MAX];
	size_t len;
};

static inline void pb_init(struct pb *b)
{
	memset(b, 0, sizeof(*b));
}

static inline void pb_u8(struct pb *b, uint8_t v)
{
	g_assert_cmpuint(b->len, <, PB_MAX);
	b->buf[b->len++] = v;
}

static inline void pb_be16(struct pb *b, uint16_t v)
{
	pb_u8(b, (uint8_t)(v >> 8));
	pb_u8(b, (uint8_t)v);
}

static inline void pb_le16(struct pb *b, uint16_t v)
{
	pb_u8(b, (uint8_t)v);
	pb_u8(b, (uint8_t)(v >> 8));
}

static inline void pb_be32(struct pb *b, uint32_t v)
{
	pb_be16(b, (uint16_t)(v >> 16));
	pb_be16(b, (uint16_t)v);
}

static inline void pb_le32(struct pb *b, uint32_t v)
{
	pb_le16(b, (uint16_t)v);
	pb_le16(b, (uint16_t)(v >> 16));
}

static inline void pb_bytes(struct pb *b, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pb_u8(b, ((const uint8_t *)p)[i]);
}

static inline void pb_zeros(struct pb *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pb_u8(b, 0);
}

/* overwrites a big-endian 16-bit field already written at `off` */
static inline void pb_put_be16(struct pb *b, size_t off, uint16_t v)
{
	g_assert_cmpuint(off + 2, <=, b->len);
	b->buf[off] = (uint8_t)(v >> 8);
	b->buf[off + 1] = (uint8_t)v;
}

/* heap copy of the first n bytes, exactly n bytes big (NULL for 0) */
static inline uint8_t *pb_dup(const struct pb *b, size_t n)
{
	g_assert_cmpuint(n, <=, b->len);
	if (n == 0)
		return NULL;
	uint8_t *p = g_malloc(n);
	memcpy(p, b->buf, n);
	return p;
}

/* ---- link layers -------------------------------------------------------- */

/* destination and source MAC addresses; the caller adds tags and the type */
static inline void pb_eth_macs(struct pb *b)
{
	static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01 };
	pb_bytes(b, macs, sizeof(macs));
}

static inline void pb_eth(struct pb *b, uint16_t ethertype)
{
	pb_eth_macs(b);
	pb_be16(b, ethertype);
}

/* Linux cooked capture v1 (16 bytes) */
static inline void pb_sll(struct pb *b, uint16_t protocol)
{
	pb_be16(b, 0);        /* packet type: to us */
	pb_be16(b, 1);        /* ARPHRD_ETHER */
	pb_be16(b, 6);        /* address length */
	pb_bytes(b, "\x02\x00\x00\x00\x00\x01\x00\x00", 8);
	pb_be16(b, protocol);
}

/* Linux cooked capture v2 (20 bytes) */
static inline void pb_sll2(struct pb *b, uint16_t protocol)
{
	pb_be16(b, protocol);
	pb_be16(b, 0);        /* reserved */
	pb_be32(b, 3);        /* interface index */
	pb_be16(b, 1);        /* ARPHRD_ETHER */
	pb_u8(b, 4);          /* packet type: outgoing */
	pb_u8(b, 6);          /* address length */
	pb_bytes(b, "\x02\x00\x00\x00\x00\x01\x00\x00", 8);
}

/* ---- IP ------------------------------------------------------------------- */

/* IPv4 header with `optlen` (a multiple of 4) bytes of options; total length
 * left 0 until pb_ipv4_end().  Returns the header's offset. */
static inline size_t pb_ipv4(struct pb *b, uint8_t proto, const uint8_t src[4], const uint8_t dst[4],
			     uint16_t id, uint16_t frag, const uint8_t *opts, size_t optlen)
{
	g_assert_cmpuint(optlen % 4, ==, 0);
	g_assert_cmpuint(optlen, <=, 40);
	size_t start = b->len;
	pb_u8(b, (uint8_t)(0x40 | (5 + optlen / 4)));
	pb_u8(b, 0);          /* DSCP/ECN */
	pb_be16(b, 0);        /* total length: patched by pb_ipv4_end */
	pb_be16(b, id);
	pb_be16(b, frag);
	pb_u8(b, 64);         /* TTL */
	pb_u8(b, proto);
	pb_be16(b, 0);        /* checksum: not checked by the decoder */
	pb_bytes(b, src, 4);
	pb_bytes(b, dst, 4);
	pb_bytes(b, opts, optlen);
	return start;
}

static inline void pb_ipv4_end(struct pb *b, size_t start)
{
	pb_put_be16(b, start + 2, (uint16_t)(b->len - start));
}

/* IPv6 header (40 bytes) with next header `nh`; payload length patched by
 * pb_ipv6_end().  Returns the header's offset. */
static inline size_t pb_ipv6(struct pb *b, uint8_t nh, const uint8_t src[16], const uint8_t dst[16],
			     uint32_t flow)
{
	size_t start = b->len;
	pb_be32(b, 0x60000000u | (flow & 0xfffff));
	pb_be16(b, 0);        /* payload length: patched by pb_ipv6_end */
	pb_u8(b, nh);
	pb_u8(b, 57);         /* hop limit */
	pb_bytes(b, src, 16);
	pb_bytes(b, dst, 16);
	return start;
}

static inline void pb_ipv6_end(struct pb *b, size_t start)
{
	pb_put_be16(b, start + 4, (uint16_t)(b->len - start - 40));
}

/* hop-by-hop, routing or destination options header of `len` bytes (a
 * multiple of 8): next header, length in 8-byte units minus 1, then padding */
static inline void pb_ipv6_ext(struct pb *b, uint8_t next, size_t len)
{
	g_assert_cmpuint(len % 8, ==, 0);
	g_assert_cmpuint(len, >=, 8);
	pb_u8(b, next);
	pb_u8(b, (uint8_t)(len / 8 - 1));
	pb_zeros(b, len - 2);
}

/* fragment header: offset in 8-byte units, M flag */
static inline void pb_ipv6_frag(struct pb *b, uint8_t next, uint16_t offset, bool more, uint32_t ident)
{
	pb_u8(b, next);
	pb_u8(b, 0);
	pb_be16(b, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	pb_be32(b, ident);
}

/* authentication header of `len` bytes (a multiple of 4, >= 12) */
static inline void pb_ipv6_ah(struct pb *b, uint8_t next, size_t len)
{
	g_assert_cmpuint(len % 4, ==, 0);
	pb_u8(b, next);
	pb_u8(b, (uint8_t)(len / 4 - 2));
	pb_zeros(b, len - 2);
}

/* ---- TCP ------------------------------------------------------------------ */

struct pb_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags;       /* 12 bits: AE (0x100) plus the flag byte */
	uint16_t win;
	const uint8_t *opts;  /* padded with EOL to a multiple of 4 */
	size_t optlen;
	size_t payload;       /* payload bytes (a counting pattern) */
	int doff_override;    /* header length in 4-byte words when > 0 */
};

/* TCP header, options and payload; returns the header's offset */
static inline size_t pb_tcp(struct pb *b, const struct pb_tcp *t)
{
	size_t start = b->len;
	size_t padded = (t->optlen + 3) / 4 * 4;
	unsigned words = t->doff_override > 0 ? (unsigned)t->doff_override : (unsigned)(20 + padded) / 4;
	g_assert_cmpuint(padded, <=, 40);
	pb_be16(b, t->sport);
	pb_be16(b, t->dport);
	pb_be32(b, t->seq);
	pb_be32(b, t->ack);
	pb_u8(b, (uint8_t)(words << 4 | ((t->flags >> 8) & 0x0f)));
	pb_u8(b, (uint8_t)t->flags);
	pb_be16(b, t->win);
	pb_be16(b, 0);        /* checksum */
	pb_be16(b, 0);        /* urgent pointer */
	pb_bytes(b, t->opts, t->optlen);
	pb_zeros(b, padded - t->optlen);
	for (size_t i = 0; i < t->payload; i++)
		pb_u8(b, (uint8_t)(i * 7 + 3));
	return start;
}

#endif
