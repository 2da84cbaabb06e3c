/* hugepages.c - whether transparent huge pages pay here (see hugepages.h).
 *
 * Measured on the 2-vCPU Firecracker VM of bench/README.md, 32 MiB touched a
 * page at a time: huge pages 3.3 to 3.8 ms right after another process freed
 * memory, 77 to 103 ms after 3 s idle (the first two to five 0.2 ms each,
 * then 4.5 to 6.5 ms each); 4 KiB pages 12 to 18 ms either way.  Populating
 * at over 1 ms per MiB, what 4 KiB pages cost at most, is the slow kind. */
#include "util/hugepages.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define HUGE_PAGE ((uintptr_t)2 << 20)
#define MIB ((size_t)1 << 20)
#define SLOW_NS_PER_MIB 1000000LL
/* One slow 2 MiB step: after idle seconds the second or third step of a load
 * already is (6 and 8.6 ms), while in 25 loads run back to back none of about
 * 400 steps in huge pages was.  Turning at 4 MiB instead cost 7 ms after idle. */
#define SLOW_BYTES_TO_TURN (2 * MIB)

enum { UNSET, PAY, SLOW, FORCED_ON, FORCED_OFF };
static _Atomic int state = UNSET;
static _Atomic size_t slow_bytes;

static int current(void)
{
	int s = atomic_load(&state);
	if (s != UNSET)
		return s;
	const char *v = getenv("MPTCPANALYZER_HUGEPAGES");
	int want = v && *v ? (strcmp(v, "0") == 0 ? FORCED_OFF : FORCED_ON) : PAY;
	atomic_compare_exchange_strong(&state, &s, want); /* or another thread's, the same */
	return atomic_load(&state);
}

bool hugepages_pay(void)
{
	int s = current();
	return s == PAY || s == FORCED_ON;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

bool hugepages_populated(size_t bytes, int64_t ns)
{
	if (current() != PAY || bytes < MIB || ns <= (int64_t)(bytes / MIB) * SLOW_NS_PER_MIB)
		return false;
	if (atomic_fetch_add(&slow_bytes, bytes) + bytes < SLOW_BYTES_TO_TURN)
		return false;
	int s = PAY;
	return atomic_compare_exchange_strong(&state, &s, SLOW);
}

int hugepages_populate(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	int64_t t0 = now_ns();
	int rc = madvise(p, n, MADV_POPULATE_WRITE);
	if (rc == 0)
		hugepages_populated(n, now_ns() - t0);
	return rc;
#else
	(void)p;
	(void)n;
	errno = ENOSYS;
	return -1;
#endif
}

/* advises [p, p + n) for huge pages, or against them */
static void advise(void *p, size_t n, bool huge)
{
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
	if (n)
		madvise(p, n, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#else
	(void)p;
	(void)n;
	(void)huge;
#endif
}

void hugepages_advise(void *p, size_t n)
{
	advise(p, n, hugepages_pay());
}

void hugepages_advise_io(void *p, size_t n)
{
	advise(p, n, current() != FORCED_OFF);
}

void hugepages_advise_inside(void *p, size_t n)
{
	uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + n) & ~(HUGE_PAGE - 1);
	if (hi > lo)
		hugepages_advise((void *)lo, hi - lo);
}
