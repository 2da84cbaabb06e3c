/* fuzz_tcp_options.c - libFuzzer target: decode_tcp_options() on an option
 * area.  Input: the first byte is the TCP flags (they steer MP_CAPABLE and
 * MP_JOIN), the rest the option bytes. */
#include "fuzz_common.h"

#include "decode/decode.h"

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
	struct decoded d;
	memset(&d, 0, sizeof d);
	d.flags = data[0];
	decode_tcp_options(span_make(data + 1, size - 1), &d);
	if (d.n_sack > MAX_SACK_BLOCKS || d.n_mptcp > MAX_MPTCP_OPTS)
		abort();
	if ((d.marks & PKT_HAS_WSCALE) == 0 && d.wscale != 0)
		abort();
	return 0;
}
