/* fuzz_mptcp_option.c - libFuzzer target: mptcp_option_decode() alone.
 * Input: the first byte is the TCP flags of the segment, the rest the option
 * (kind byte first).  Checks the decoder's promises on every input. */
#include "fuzz_common.h"

#include "decode/mptcp_option.h"

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
	struct span opt = span_make(data + 1, size - 1);
	struct mptcp_option o;
	bool ok = mptcp_option_decode(opt, data[0], &o);
	if (ok == o.malformed)
		abort();
	if (size >= 3 && o.length != data[2])
		abort();
	/* a well-formed option fits in the bytes given and its length byte */
	if (ok && (o.length < 3 || o.length > opt.len))
		abort();
	if (ok && o.subtype == MPTCP_SUB_REMOVE_ADDR && o.u.remove_addr.count > MPTCP_MAX_REMOVE_IDS)
		abort();
	if (ok && o.subtype == MPTCP_SUB_ADD_ADDR && o.u.add_addr.family != 4 && o.u.add_addr.family != 6)
		abort();
	if (mptcp_subtype_name(o.subtype) == NULL)
		abort();
	return 0;
}
