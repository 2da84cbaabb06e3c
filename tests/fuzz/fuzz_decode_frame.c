/* fuzz_decode_frame.c - libFuzzer target: decode_frame() for every supported
 * link type.  Input: the first byte picks the link type (low 4 bits) and how
 * many bytes the wire had beyond the captured ones (high 4 bits: 0, or a
 * snap-length cut, which the IPv4/IPv6 decoders use when the IP length is 0);
 * the rest is the frame.  Checks that what the decoder returns points inside
 * the frame and stays within its fixed-size arrays. */
#include "fuzz_common.h"

#include <pcap/pcap.h>
#include "decode/decode.h"

/* every DLT of link.c's table, then one it does not know */
static const int dlts[] = {
	DLT_EN10MB, DLT_LINUX_SLL, 276 /* LINUX_SLL2 */, DLT_PPP, DLT_PPP_SERIAL, DLT_RAW,
	14 /* OpenBSD RAW */, 101 /* LINKTYPE_RAW */, 228 /* IPV4 */, 229 /* IPV6 */,
	DLT_NULL, DLT_LOOP, DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, 147 /* USER0: unsupported */,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int dlt = dlts[data[0] & 0x0f];
	struct span frame = span_make(data + 1, size - 1);
	struct decoded d;
	memset(&d, 0, sizeof d);
	d.frame = 1;
	d.caplen = (uint32_t)frame.len;
	d.wirelen = d.caplen + (uint32_t)(data[0] >> 4) * 4096;
	enum decode_result r = decode_frame(dlt, frame, &d);
	if (link_type_supported(dlt) == (r == DEC_BAD_LINK))
		abort();
	if (r != DEC_TCP)
		return 0;
	if (d.family != 4 && d.family != 6)
		abort();
	if (d.n_sack > MAX_SACK_BLOCKS || d.n_mptcp > MAX_MPTCP_OPTS)
		abort();
	if (d.payload.len && (d.payload.data < frame.data ||
	                      d.payload.data + d.payload.len > frame.data + frame.len))
		abort();
	if (d.payload_captured != d.payload.len)
		abort();
	for (unsigned i = 0; i < d.n_mptcp; i++)
		if (d.mptcp[i].malformed && !(d.marks & PKT_MPTCP_MALFORMED))
			abort();
	return 0;
}
