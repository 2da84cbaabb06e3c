/* prefault.c - memory faulted in by a thread with time to spare (see
 * prefault.h).  A small ring of noted ranges under a mutex: arrays grow a
 * few hundred times per load, so the lock is never contended for long. */
#include "util/prefault.h"
#include "util/hugeheap.h"
#include "util/hugepages.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define RING 32
/* smaller ranges are not worth a system call: a few faults; larger ones are
 * reservations (the packet table has its own prefault, in load.c) */
#define MIN_BYTES (64u << 10)
#define MAX_BYTES (16u << 20)

struct range {
	uintptr_t lo, hi;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct range ring[RING];
static unsigned head, count;
static bool active;
static uintptr_t heap_done; /* the heap's end populated up to here this load */

void prefault_begin(void)
{
	pthread_mutex_lock(&lock);
	active = true;
	head = count = 0;
	heap_done = 0;
	pthread_mutex_unlock(&lock);
}

void prefault_end(void)
{
	pthread_mutex_lock(&lock);
	active = false;
	count = 0;
	pthread_mutex_unlock(&lock);
}

void prefault_note(const void *p, size_t from, size_t to)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	/* whole pages inside the new part only: the page before may hold live data
	 * (populating would not change it, but there is nothing to gain) */
	uintptr_t lo = ((uintptr_t)p + from + page - 1) & ~(page - 1), hi = ((uintptr_t)p + to) & ~(page - 1);
	if (hi <= lo || hi - lo < MIN_BYTES || hi - lo > MAX_BYTES)
		return;
	pthread_mutex_lock(&lock);
	if (active && count < RING) {
		ring[(head + count) % RING] = (struct range){ lo, hi };
		count++;
	}
	pthread_mutex_unlock(&lock);
#else
	(void)p;
	(void)from;
	(void)to;
#endif
}

size_t prefault_service(void)
{
	size_t done = 0;
#ifdef MADV_POPULATE_WRITE
	for (;;) {
		pthread_mutex_lock(&lock);
		if (count == 0) {
			pthread_mutex_unlock(&lock);
			break;
		}
		struct range r = ring[head];
		head = (head + 1) % RING;
		count--;
		pthread_mutex_unlock(&lock);
		if (hugepages_populate((void *)r.lo, r.hi - r.lo) == 0)
			done += r.hi - r.lo;
	}
#endif
	return done;
}

/* huge pages: populated whole, from the one the free end starts in */
#define HUGE_PAGE ((uintptr_t)2 << 20)

size_t prefault_heap_ahead(void)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t lo, hi;
	hugeheap_advise(); /* what the heap grew by, advised before it is touched */
	pthread_mutex_lock(&lock);
	bool on = active;
	uintptr_t done = heap_done;
	pthread_mutex_unlock(&lock);
	if (!on || !hugeheap_free_end(&lo, &hi))
		return 0;
	uintptr_t from = lo & ~(HUGE_PAGE - 1);
	uintptr_t to = (lo + PREFAULT_HEAP_AHEAD < hi ? lo + PREFAULT_HEAP_AHEAD : hi) & ~(HUGE_PAGE - 1);
	if (done > from)
		from = done;
	if (to <= from)
		return 0;
	pthread_mutex_lock(&lock);
	heap_done = to;
	pthread_mutex_unlock(&lock);
	return hugepages_populate((void *)from, to - from) == 0 ? to - from : 0;
#else
	return 0;
#endif
}
