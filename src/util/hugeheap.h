/* hugeheap.h - the main malloc heap in transparent huge pages.
 *
 * Promises: after hugeheap_init, blocks under 32 MiB come from the heap, which
 * grows 64 MiB at a time, and the heap's memory is advised to huge pages
 * (where the system allows it and they pay, util/hugepages.h; otherwise
 * nothing changes, or it is advised against them) from the first
 * hugeheap_advise on.  Only the speed of first touching memory changes: what
 * malloc returns is the same.  hugeheap_advise advises what the heap grew by
 * since; loads call it before they allocate, array_reserve after growing an
 * array; both are safe from any thread.  hugeheap_release
 * gives the heap's free memory back to the system (once a load has freed its
 * trackers), to be called while no other thread allocates. */
#ifndef MPTCPA_HUGEHEAP_H
#define MPTCPA_HUGEHEAP_H

#include <stdbool.h>
#include <stdint.h>

void hugeheap_init(void);
void hugeheap_advise(void);
/* advises the whole heap again: huge pages turned out not to pay
 * (util/hugepages.h), and what is not yet touched should not get them */
void hugeheap_readvise(void);
void hugeheap_release(void);
/* [*lo, *hi): the heap's free end (glibc's top chunk, where malloc carves
 * the blocks the heap's free holes cannot hold), as far as it is advised;
 * false when not known (another allocator, the heap not started, nothing
 * free).  Safe from any thread: it takes the allocator's lock. */
bool hugeheap_free_end(uintptr_t *lo, uintptr_t *hi);

#endif
