/* pcap_walk.h - the records of a classic pcap file, read straight from it.
 *
 * libpcap reads each record with two freads and copies its bytes into a
 * buffer of its own: about a third of the reading thread's instructions per
 * packet.  For the plain case (magic 0xa1b2c3d4 or 0xa1b23c4d in this host's
 * byte order, version 2.4) the walker reads the file in large blocks and
 * hands out each record where it lies.  It only hands out records libpcap
 * would hand over unchanged; at the first one it cannot vouch for (a length
 * over the snapshot length, a time stamp with its top bit set, a record the
 * file cuts short or longer than a block, a read error) it stops and says where that record
 * starts, so that libpcap reads the rest of the file and does whatever it
 * does with it (truncate, warn, fail).  libpcap still opens the file: the
 * header checks, the link type and the snapshot length are its. */
#ifndef MPTCPA_PCAP_WALK_H
#define MPTCPA_PCAP_WALK_H

#include <stdint.h>

struct pcap_walk;

/* a record as libpcap would hand it over (its time in ns since the epoch:
 * what the reader makes of libpcap's when asked for nanoseconds) */
struct pcap_walk_rec {
	int64_t ts_ns;
	uint32_t caplen, len;
	const uint8_t *data;   /* valid until the next call */
};

enum pcap_walk_rc {
	PCAP_WALK_HANDOVER = -1, /* libpcap goes on from pcap_walk_offset() */
	PCAP_WALK_END = 0,       /* the file ends after the last record */
	PCAP_WALK_FRAME = 1,
};

/* A walker over the file open as `fd` (read with pread: the descriptor's
 * offset is not used), or NULL when its header is not the plain case.
 * `snaplen` is libpcap's pcap_snapshot() for it. */
struct pcap_walk *pcap_walk_open(int fd, uint32_t snaplen);
void pcap_walk_free(struct pcap_walk *w);

/* the next record */
enum pcap_walk_rc pcap_walk_next(struct pcap_walk *w, struct pcap_walk_rec *rec);

/* file offset of the next record (of the one handed over, after a
 * PCAP_WALK_HANDOVER; the file size after PCAP_WALK_END) */
uint64_t pcap_walk_offset(const struct pcap_walk *w);

#endif
