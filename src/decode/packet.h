/* packet.h - one decoded TCP segment: what the link, IP and TCP decoders
 * extract from a captured frame.  A single `struct decoded` is reused for
 * every frame (no allocation per packet); the trackers copy what they keep. */
#ifndef MPTCPA_PACKET_H
#define MPTCPA_PACKET_H

#include <stdbool.h>
#include <stdint.h>
#include "util/span.h"
#include "decode/mptcp_option.h"

/* Why a frame was not decoded as TCP, or what is wrong with it (bit set). */
enum pkt_mark {
	PKT_TRUNCATED = 1 << 0,      /* captured length below what the headers claim */
	PKT_BAD_OPTIONS = 1 << 1,    /* malformed TCP option list: parsing stopped */
	PKT_MPTCP_MALFORMED = 1 << 2,/* an MPTCP option's length did not fit its subtype */
	PKT_HAS_TS = 1 << 3,         /* TCP timestamps option present */
	PKT_HAS_MSS = 1 << 4,
	PKT_HAS_WSCALE = 1 << 5,
	PKT_SACK_PERM = 1 << 6,
	PKT_BAD_IP = 1 << 7,         /* IP header inconsistent (lengths) */
};

/* Decode outcome for a frame. */
enum decode_result {
	DEC_TCP = 0,          /* a TCP segment was decoded (maybe partially: see marks) */
	DEC_NOT_IP,           /* link payload is not IPv4/IPv6 */
	DEC_NOT_TCP,          /* IP but not TCP */
	DEC_FRAGMENT,         /* non-first IPv4/IPv6 fragment: skipped */
	DEC_TRUNCATED,        /* too short to hold the IP+TCP headers up to the ports/flags */
	DEC_BAD_LINK,         /* unknown link type */
};

#define MAX_SACK_BLOCKS 4
#define MAX_MPTCP_OPTS 6

/* The fields the trackers read come first, close together (the loader hands
 * each struct to another thread: fewer cache lines to move); the loader
 * zeroes everything before `mptcp` for each frame. */
struct decoded {
	int64_t ts_ns;           /* capture time, ns since the epoch */
	uint32_t frame;          /* 1-based frame number in the capture */
	uint32_t seq, ack;
	uint32_t tsval, tsecr;
	uint32_t tcplen;         /* payload length from the IP header */
	uint16_t iface;          /* pcapng interface id (0 for pcap) */
	uint16_t sport, dport;
	uint16_t flags;          /* 12 bits: the 8 flag bits plus AE (NS) as 0x100 */
	uint16_t win;            /* window field as on the wire */
	uint16_t marks;          /* enum pkt_mark */
	uint16_t ip_id;          /* IPv4 identification; low 16 bits of IPv6 flow label otherwise */
	uint8_t family;          /* 4 or 6 */
	uint8_t wscale;
	uint8_t src[16], dst[16];/* IPv4 addresses use the first 4 bytes */
	uint8_t n_mptcp;

	/* the rest of the frame, IP and TCP headers */
	uint8_t ttl;
	uint8_t doff;            /* header length in bytes */
	uint8_t n_sack;
	uint16_t mss;
	uint32_t caplen, wirelen;
	uint32_t payload_captured; /* payload bytes actually in the capture */

	struct mptcp_option mptcp[MAX_MPTCP_OPTS];
	uint32_t sack[MAX_SACK_BLOCKS][2]; /* the first n_sack are set */
	struct span payload;     /* captured payload bytes */
};

#endif
