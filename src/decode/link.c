/* link.c - link-layer decoders: find where the IP packet starts. */
#include "decode/decode.h"

#include <glib.h>
#include <pcap/pcap.h>

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD

#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* IP at `off` when `ethertype` names IPv4 or IPv6 */
static enum decode_result ip_by_ethertype(struct span s, size_t off, uint16_t ethertype, struct decoded *d)
{
	if (ethertype != ETH_IPV4 && ethertype != ETH_IPV6)
		return DEC_NOT_IP;
	return decode_ip(span_from(s, off), d);
}

static enum decode_result link_ethernet(struct span s, struct decoded *d)
{
	size_t off = 12;
	if (!span_has(s, off, 2))
		return DEC_TRUNCATED;
	uint16_t type = span_be16(s, off);
	/* 802.1Q, 802.1ad (QinQ) and the old 0x9100 tag: 4 bytes each */
	while (type == 0x8100 || type == 0x88A8 || type == 0x9100) {
		off += 4;
		if (!span_has(s, off, 2))
			return DEC_TRUNCATED;
		type = span_be16(s, off);
	}
	return ip_by_ethertype(s, off + 2, type, d);
}

static enum decode_result link_sll(struct span s, struct decoded *d)
{
	if (!span_has(s, 14, 2))
		return DEC_TRUNCATED;
	return ip_by_ethertype(s, 16, span_be16(s, 14), d);
}

static enum decode_result link_sll2(struct span s, struct decoded *d)
{
	if (!span_has(s, 0, 20))
		return DEC_TRUNCATED;
	return ip_by_ethertype(s, 20, span_be16(s, 0), d);
}

/* PPP: optional address/control (ff 03), then a 1- or 2-byte protocol */
static enum decode_result link_ppp(struct span s, struct decoded *d)
{
	size_t off = 0;
	/* 0xff starts the address field: without the byte after it we cannot
	 * tell framing from a compressed protocol, so the frame is cut short */
	if (span_u8(s, 0) == 0xff && !span_has(s, 1, 1))
		return DEC_TRUNCATED;
	if (span_u8(s, 0) == 0xff && span_u8(s, 1) == 0x03)
		off = 2;
	if (!span_has(s, off, 1))
		return DEC_TRUNCATED;
	uint16_t proto;
	if (span_u8(s, off) & 1) { /* protocol field compression */
		proto = span_u8(s, off);
		off += 1;
	} else {
		if (!span_has(s, off, 2))
			return DEC_TRUNCATED;
		proto = span_be16(s, off);
		off += 2;
	}
	if (proto == 0x0021)
		return ip_by_ethertype(s, off, ETH_IPV4, d);
	if (proto == 0x0057)
		return ip_by_ethertype(s, off, ETH_IPV6, d);
	return DEC_NOT_IP;
}

static enum decode_result link_raw(struct span s, struct decoded *d)
{
	return decode_ip(s, d);
}

/* BSD loopback: 4-byte address family, host order (NULL) or network order (LOOP) */
static enum decode_result link_null_family(uint32_t fam, struct span s, struct decoded *d)
{
	if (fam == 2)
		return decode_ip(span_from(s, 4), d);
	if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
		return decode_ip(span_from(s, 4), d);
	return DEC_NOT_IP;
}

static enum decode_result link_null(struct span s, struct decoded *d)
{
	if (!span_has(s, 0, 4))
		return DEC_TRUNCATED;
	uint32_t fam = span_le32(s, 0);
	if (fam > 0xffff) /* written by a big-endian host */
		fam = span_be32(s, 0);
	return link_null_family(fam, s, d);
}

static enum decode_result link_loop(struct span s, struct decoded *d)
{
	if (!span_has(s, 0, 4))
		return DEC_TRUNCATED;
	return link_null_family(span_be32(s, 0), s, d);
}

typedef enum decode_result (*link_fn)(struct span, struct decoded *);

static const struct {
	int dlt;
	link_fn fn;
} link_table[] = {
	{ DLT_EN10MB, link_ethernet },
	{ DLT_LINUX_SLL, link_sll },
	{ DLT_LINUX_SLL2, link_sll2 },
	{ DLT_PPP, link_ppp },
	{ DLT_PPP_SERIAL, link_ppp },
	{ DLT_RAW, link_raw },
	{ 14 /* DLT_RAW on OpenBSD */, link_raw },
	{ 101 /* LINKTYPE_RAW */, link_raw },
	{ DLT_IPV4, link_raw },
	{ DLT_IPV6, link_raw },
	{ DLT_NULL, link_null },
	{ DLT_LOOP, link_loop },
};

static link_fn link_lookup(int dlt)
{
	for (size_t i = 0; i < G_N_ELEMENTS(link_table); i++)
		if (link_table[i].dlt == dlt)
			return link_table[i].fn;
	return NULL;
}

bool link_type_supported(int dlt)
{
	return link_lookup(dlt) != NULL;
}

enum decode_result decode_frame(int dlt, struct span frame, struct decoded *d)
{
	link_fn fn = link_lookup(dlt);
	if (!fn)
		return DEC_BAD_LINK;
	return fn(frame, d);
}
