/* unaligned.h - integers read from bytes at any address, in this host's byte
 * order (memcpy: one load where the target allows it, no alignment trap).
 * Packet bytes go through util/span.h instead; these are for file records
 * and keys already bounds-checked by their callers. */
#ifndef MPTCPA_UNALIGNED_H
#define MPTCPA_UNALIGNED_H

#include <stdint.h>
#include <string.h>

static inline uint16_t load_u16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint32_t load_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline uint64_t load_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

#endif
