/* prefault.h - memory faulted in by a thread with time to spare.
 *
 * The first write to a page new to the process costs a page fault and the
 * kernel's zeroing (slow in a virtual machine, whose host backs the page
 * too).  While a load runs, array_reserve notes the part of an array it has
 * just grown; the reading thread, when the tracking thread has batches
 * waiting, populates the parts noted (MADV_POPULATE_WRITE), so that the
 * tracking thread's first writes there find the pages in.  It also keeps
 * the heap's free end populated a few MiB past where its used part ends
 * (prefault_heap_ahead): malloc writes the header of the free memory after
 * each block it carves there, and that write faulted a new huge page per
 * 2 MiB the heap grew by, on the tracking thread.
 *
 * Promises: populating changes no byte, so a block freed, moved or reused
 * before it is populated costs at most a few populated free pages (or, gone
 * from the address space, an error that is ignored).  Outside a load
 * (prefault_begin .. prefault_end) noting does nothing; notes beyond the
 * few it keeps are dropped.  All of it is safe from any thread. */
#ifndef MPTCPA_PREFAULT_H
#define MPTCPA_PREFAULT_H

#include <stddef.h>

void prefault_begin(void);
void prefault_end(void);
/* [p + from, p + to) of a block is new and not yet written */
void prefault_note(const void *p, size_t from, size_t to);
/* populates what was noted since the last call; returns the bytes populated */
size_t prefault_service(void);
/* during a load, populates the heap's free end (util/hugeheap.h) up to
 * PREFAULT_HEAP_AHEAD past its start, what an earlier call did not; returns
 * the bytes populated (0 outside a load, or where the heap is not known) */
#define PREFAULT_HEAP_AHEAD ((size_t)6 << 20)
size_t prefault_heap_ahead(void);

#endif
