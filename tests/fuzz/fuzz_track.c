/* fuzz_track.c - libFuzzer target: the TCP and MPTCP trackers fed with many
 * packets, without the pcap framing that fuzz_capture has to get right first.
 * Input: records of [1 byte time step in ms][2 bytes big-endian length][raw
 * IPv4/IPv6 packet]; each record is decoded as DLT_RAW and tracked as
 * capture_load() does, then the tables are finished and every column of every
 * row is formatted. */
#include "fuzz_common.h"

#include <string.h>
#include <pcap/pcap.h>
#include "decode/decode.h"
#include "track/mptcp_tracker.h"
#include "track/tcp_tracker.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span in = span_make(data, size);
	struct tables *t = tables_new();
	struct tcp_tracker *tt = tcp_tracker_new(t);
	/* rows stay loaded here, which either layout of the sent lists allows */
	struct mptcp_tracker *mt = mptcp_tracker_new(t, (size & 1) != 0);
	struct decoded d;
	size_t off = 0;
	int64_t ts = 1700000000LL * 1000000000LL;
	uint32_t frame = 0;
	while (span_has(in, off, 3)) {
		ts += (int64_t)span_u8(in, off) * 1000000;
		size_t len = span_be16(in, off + 1);
		off += 3;
		struct span pkt = span_sub(in, off, len);
		off += pkt.len;
		/* a heap copy of exactly the packet: ASan sees any read past it */
		uint8_t *copy = g_malloc(pkt.len ? pkt.len : 1);
		memcpy(copy, pkt.data, pkt.len);
		memset(&d, 0, offsetof(struct decoded, mptcp));
		d.frame = ++frame;
		d.ts_ns = ts;
		d.caplen = d.wirelen = (uint32_t)pkt.len;
		if (t->stats.frames++ == 0)
			t->first_ns = ts;
		if (decode_frame(DLT_RAW, span_make(copy, pkt.len), &d) == DEC_TCP) {
			uint32_t row = tcp_tracker_add(tt, &d);
			mptcp_tracker_add(mt, row, &d);
		}
		g_free(copy);
	}
	mptcp_tracker_finish(mt);
	mptcp_tracker_free(mt);
	tcp_tracker_free(tt);
	fuzz_format_tables(t);
	tables_free(t);
	return 0;
}
