/* hugeheap.h - the main malloc heap in transparent huge pages.
 *
 * Promises: after hugeheap_init, blocks under 32 MiB come from the heap, which
 * grows 64 MiB at a time, and the heap's memory from then on is advised to
 * huge pages (where the system allows it; otherwise nothing changes).  Only
 * the speed of first touching memory changes: what malloc returns is the same.
 * hugeheap_advise advises what the heap grew by since; array_reserve calls it
 * after growing an array; both are safe from any thread.  hugeheap_release
 * gives the heap's free memory back to the system (once a load has freed its
 * trackers), to be called while no other thread allocates. */
#ifndef MPTCPA_HUGEHEAP_H
#define MPTCPA_HUGEHEAP_H

void hugeheap_init(void);
void hugeheap_advise(void);
void hugeheap_release(void);

#endif
