/* hugepages.h - whether transparent huge pages pay here, and advice by it.
 *
 * A huge page is zeroed whole at its first touch: 2 MiB in about 0.2 ms,
 * where the same memory in 4 KiB pages takes about 1 ms, so the big arrays
 * (the packet table, the heap of the trackers' lists) ask for huge pages.
 * A virtual machine that hands its free memory back to the host (free page
 * reporting: Firecracker's and QEMU's virtio balloon) hands back whole free
 * 2 MiB blocks, the very blocks a huge page is taken from, and the host backs
 * such a page again at its first touch: about 5 ms, five times the 4 KiB
 * pages, which come from smaller free runs that stayed backed.  A process
 * started right after another finds that one's freed blocks still backed;
 * one started after a few idle seconds finds a few, then slow ones.
 *
 * So huge pages are asked for until populating memory shows them slow: the
 * code that populates ahead (load.c and prefault.c) does it through
 * hugepages_populate, which times it, and after 2 MiB populated at more than 1 ms per
 * MiB the choice turns, for the rest of the process, to advising against
 * them (which matters where the system uses them unasked).  Whoever advised
 * a range that is still to be touched advises it again then (a load: the
 * rest of its packet table, and the heap, hugeheap_readvise).
 *
 * Promises: only the speed of first touching memory changes, never what is
 * in it; safe from any thread.  MPTCPANALYZER_HUGEPAGES=1 keeps huge pages,
 * =0 never asks for them.  Where madvise has no such advice, nothing is
 * advised. */
#ifndef MPTCPA_HUGEPAGES_H
#define MPTCPA_HUGEPAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* true while huge pages are asked for */
bool hugepages_pay(void);
/* advises the page-aligned range [p, p + n) for or against huge pages */
void hugepages_advise(void *p, size_t n);
/* Buffers the kernel pins for direct I/O, [p, p + n) aligned to 2 MiB: huge
 * pages however slow they come, unless MPTCPANALYZER_HUGEPAGES=0.  A few
 * faults, and a 4 MiB write from two huge pages is two pieces of memory for
 * the kernel to pin and the disk to take, not 1,024: the 4.9M-packet export
 * -91 ms [-172, -27] (30 rounds); the same buffers in 4 KiB pages were not
 * faster (export/direct_out.c). */
void hugepages_advise_io(void *p, size_t n);
/* the same for the whole 2 MiB blocks inside [p, p + n) (a big array) */
void hugepages_advise_inside(void *p, size_t n);
/* populates [p, p + n) (MADV_POPULATE_WRITE: changes no byte), timing it
 * for the choice above; 0, or -1 with errno (ENOSYS without the advice) */
int hugepages_populate(void *p, size_t n);
/* `bytes` of memory advised by hugepages_advise were populated in `ns`;
 * true when this turned the choice against huge pages */
bool hugepages_populated(size_t bytes, int64_t ns);

#endif
