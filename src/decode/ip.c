/* ip.c - IPv4 (with options) and IPv6 (with extension headers) decoders. */
#include "decode/decode.h"

#include <string.h>

#define IPPROTO_TCP_ 6

static enum decode_result decode_ipv4(struct span s, struct decoded *d)
{
	if (!span_has(s, 0, 20))
		return DEC_TRUNCATED;
	size_t ihl = (size_t)(span_u8(s, 0) & 0x0f) * 4;
	uint32_t total = span_be16(s, 2);
	uint16_t frag = span_be16(s, 6);
	d->family = 4;
	d->ip_id = span_be16(s, 4);
	d->ttl = span_u8(s, 8);
	span_copy(s, 12, d->src, 4);
	span_copy(s, 16, d->dst, 4);
	if (ihl < 20) {
		d->marks |= PKT_BAD_IP;
		return DEC_TRUNCATED;
	}
	if (span_u8(s, 9) != IPPROTO_TCP_)
		return DEC_NOT_TCP;
	if ((frag & 0x1fff) != 0)
		return DEC_FRAGMENT;
	/* total length 0 happens with TSO on the sender: trust the wire length */
	if (total == 0)
		total = (uint32_t)(s.len + (d->wirelen > d->caplen ? d->wirelen - d->caplen : 0));
	if (total < ihl) {
		d->marks |= PKT_BAD_IP;
		return DEC_TRUNCATED;
	}
	if (!span_has(s, 0, ihl))
		return DEC_TRUNCATED;
	return decode_tcp(span_sub(s, ihl, total - ihl), total - (uint32_t)ihl, d);
}

/* IPv6 extension headers that may precede TCP */
static bool ipv6_is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 44 || nh == 51;
}

static enum decode_result decode_ipv6(struct span s, struct decoded *d)
{
	if (!span_has(s, 0, 40))
		return DEC_TRUNCATED;
	d->family = 6;
	d->ip_id = (uint16_t)(span_be32(s, 0) & 0xffff); /* low bits of the flow label */
	d->ttl = span_u8(s, 7);
	span_copy(s, 8, d->src, 16);
	span_copy(s, 24, d->dst, 16);
	uint32_t plen = span_be16(s, 4);
	uint8_t nh = span_u8(s, 6);
	size_t off = 40;
	while (ipv6_is_ext(nh)) {
		if (!span_has(s, off, 8))
			return DEC_TRUNCATED;
		size_t len;
		if (nh == 44) { /* fragment header: fixed 8 bytes */
			if ((span_be16(s, off + 2) & 0xfff8) != 0)
				return DEC_FRAGMENT;
			len = 8;
		} else if (nh == 51) { /* AH: length in 4-byte units, minus 2 */
			len = ((size_t)span_u8(s, off + 1) + 2) * 4;
		} else {
			len = ((size_t)span_u8(s, off + 1) + 1) * 8;
		}
		nh = span_u8(s, off);
		off += len;
	}
	if (nh != IPPROTO_TCP_)
		return DEC_NOT_TCP;
	if (plen == 0) /* jumbogram or TSO: trust the wire length */
		plen = (uint32_t)(s.len - 40 + (d->wirelen > d->caplen ? d->wirelen - d->caplen : 0));
	if (plen + 40 < off) {
		d->marks |= PKT_BAD_IP;
		return DEC_TRUNCATED;
	}
	if (off > s.len)
		return DEC_TRUNCATED;
	uint32_t tcp_total = plen + 40 - (uint32_t)off;
	return decode_tcp(span_sub(s, off, tcp_total), tcp_total, d);
}

enum decode_result decode_ip(struct span s, struct decoded *d)
{
	if (!span_has(s, 0, 1))
		return DEC_TRUNCATED;
	switch (span_u8(s, 0) >> 4) {
	case 4: return decode_ipv4(s, d);
	case 6: return decode_ipv6(s, d);
	default: return DEC_NOT_IP;
	}
}
