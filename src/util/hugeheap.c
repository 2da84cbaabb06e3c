/* hugeheap.c - the main malloc heap in transparent huge pages.
 *
 * Loading grows a few dozen arrays to megabytes: each subflow's sent ranges
 * and mappings (the packet table has its own mapping, advised by load.c).
 * In 4 KiB pages, every page of them costs a page fault the first time it is
 * written: 4,500 of the 5,800 faults of a 0.5M-packet load, about a tenth of
 * its wall time on a virtual machine.  glibc can put its heap in huge pages,
 * but only when told by the environment (GLIBC_TUNABLES=glibc.malloc.hugetlb=1);
 * this does the same from the program:
 * - blocks under 32 MiB stay in the heap (glibc's largest threshold): a list
 *   of 1 MiB in a mapping of its own is too small for a huge page, while lists
 *   side by side in the heap fill them;
 * - the heap grows 64 MiB at a time, and is grown once now, so that the memory
 *   a load touches first is already advised;
 * - what the heap grows by is advised to huge pages (MADV_HUGEPAGE), which the
 *   kernel honours when transparent huge pages are "madvise" or "always",
 *   unless they were found slow here (util/hugepages.h: then it is advised
 *   against them).  The first advice waits for the first hugeheap_advise (a
 *   load, an array growing): a command that loads nothing times no page.
 * Elsewhere (another libc, a sanitizer's allocator, THP "never") it changes
 * nothing: the heap is then not where the blocks are, or madvise fails. */
#include "util/hugeheap.h"
#include "util/hugepages.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#define HEAP_MMAP_THRESHOLD (32u << 20)
#define HEAP_STEP (64u << 20)
#define HEAP_PAGE_MASK ((uintptr_t)4095)

/* end of the part of the heap already advised; 0: not started */
static _Atomic uintptr_t advised_end;
static uintptr_t heap_start; /* set once, by hugeheap_init */

void hugeheap_advise(void)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
	uintptr_t lo = atomic_load(&advised_end);
	void *brk_now = sbrk(0);
	if (lo == 0 || brk_now == (void *)-1)
		return;
	uintptr_t hi = (uintptr_t)brk_now & ~HEAP_PAGE_MASK;
	/* one thread advises each new part; the others return */
	if (hi > lo && atomic_compare_exchange_strong(&advised_end, &lo, hi))
		hugepages_advise((void *)lo, hi - lo);
#endif
}

/* grows the heap by a step (a block its free space cannot hold); freed, the
 * step stays (glibc trims only what exceeds M_TOP_PAD) */
static void grow(void)
{
	void *volatile block = malloc(1u << 20); /* volatile: kept, not optimised out */
	free(block);
}

void hugeheap_init(void)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
	void *start = sbrk(0);
	if (start == (void *)-1 || atomic_load(&advised_end) != 0)
		return;
	if (!mallopt(M_MMAP_THRESHOLD, HEAP_MMAP_THRESHOLD) || !mallopt(M_TOP_PAD, HEAP_STEP))
		return;
	heap_start = ((uintptr_t)start + HEAP_PAGE_MASK) & ~HEAP_PAGE_MASK;
	atomic_store(&advised_end, heap_start);
	grow();
#endif
}

void hugeheap_readvise(void)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
	uintptr_t end = atomic_load(&advised_end);
	if (heap_start && end > heap_start)
		hugepages_advise((void *)heap_start, end - heap_start);
#endif
}

void hugeheap_release(void)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
	if (atomic_load(&advised_end) == 0)
		return;
	malloc_trim(0);
	void *brk_now = sbrk(0);
	if (brk_now == (void *)-1)
		return;
	uintptr_t end = ((uintptr_t)brk_now + HEAP_PAGE_MASK) & ~HEAP_PAGE_MASK;
	if (end < atomic_load(&advised_end))
		atomic_store(&advised_end, end);
	grow();
	hugeheap_advise();
#endif
}

bool hugeheap_free_end(uintptr_t *lo, uintptr_t *hi)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
	uintptr_t advised = atomic_load(&advised_end);
	void *brk_now = sbrk(0);
	if (advised == 0 || brk_now == (void *)-1)
		return false;
	/* the top chunk ends at the break while the heap is contiguous (a heap
	 * that is not gives a range of no use, which populating leaves alone) */
	struct mallinfo2 mi = mallinfo2();
	uintptr_t top = (uintptr_t)brk_now - mi.keepcost;
	*lo = top;
	*hi = advised < (uintptr_t)brk_now ? advised : (uintptr_t)brk_now;
	return top >= heap_start && *hi > *lo;
#else
	(void)lo;
	(void)hi;
	return false;
#endif
}
