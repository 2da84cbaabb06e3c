/* vring.h - a ring buffer whose live part is always one contiguous block.
 *
 * An array that loses elements at its front as fast as it gains them at its
 * end (the exporter's packet window) either moves what it keeps down now
 * and then, or wraps around.  A memmove keeps every reader simple but
 * costs: 3% of the 4.9M-packet export's processor time went into moving the
 * window down.  A ring moves nothing, but every reader would have to wrap
 * its indexes (as util/ring.h's few callers do, for the sent ranges).
 * Here the ring's pages are mapped twice, one copy right after the other
 * (a memfd mapped at base and at base + bytes): any `bytes` long stretch
 * starting in the first copy reads and writes as one block, so dropping the
 * front is moving a pointer forward, and readers index as before.
 *
 * Promises: after vring_map, [base, base + 2 * bytes) is mapped, the
 * second half the first's pages again.  A block of at most
 * `bytes` bytes starting below base + bytes is contiguous and never aliases
 * itself.  vring_map fails (false, nothing mapped) where memfd or the fixed
 * mappings are refused; callers then keep their memory as before. */
#ifndef MPTCPA_VRING_H
#define MPTCPA_VRING_H

#include <stdbool.h>
#include <stddef.h>

struct vring {
	char *base;    /* NULL: none */
	size_t bytes;  /* of one copy: a multiple of the page size */
};

/* false when MPTCPANALYZER_VRING=0 (rings off: the tests compare outputs
 * both ways) */
bool vring_enabled(void);
/* maps a ring of at least `min_bytes` (rounded up to pages); `populate`:
 * its pages faulted in now (a copy is to fill it) rather than at the first
 * touch of each (a ring to be filled as it goes) */
bool vring_map(struct vring *v, size_t min_bytes, bool populate);
void vring_unmap(struct vring *v);

/* p moved back into the first copy (p is below base + 2 * bytes) */
static inline char *vring_wrap(const struct vring *v, char *p)
{
	return p >= v->base + v->bytes ? p - v->bytes : p;
}

#endif
