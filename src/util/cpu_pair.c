/* cpu_pair.c - two threads that wake each other, kept apart (see cpu_pair.h).
 *
 * Loading hands about a thousand batches from the reading thread to the
 * tracking one per 0.5M packets, and each hand-over may wake the other.  The
 * scheduler places a woken thread on the waker's processor when it finds no
 * idle one nearby; in a virtual machine a processor idle in the guest counts
 * as busy while the host runs something else on it.  Both threads then share
 * one processor, for 10 to 20 ms of a 75 ms load in one run out of two on a
 * 2-vCPU VM, while the other processor idles.  Pinning each to its own side
 * for the load stops that.  Several processes started at once (one capture
 * each) would rather set MPTCPANALYZER_THREADS=1: one thread each, unpinned. */
#include "util/cpu_pair.h"

#include <stdlib.h>
#include <string.h>

static bool pairing_wanted(void)
{
	const char *v = getenv("MPTCPANALYZER_PIN");
	return !(v && strcmp(v, "0") == 0);
}

void cpu_pair_begin(struct cpu_pair *cp)
{
	cp->on = false;
	if (!pairing_wanted() || sched_getaffinity(0, sizeof cp->saved, &cp->saved) != 0 ||
	    CPU_COUNT(&cp->saved) < 2)
		return;
	int here = sched_getcpu();
	if (here < 0 || here >= CPU_SETSIZE || !CPU_ISSET(here, &cp->saved))
		return;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(here, &one);
	cp->rest = cp->saved;
	CPU_CLR(here, &cp->rest);
	cp->on = sched_setaffinity(0, sizeof one, &one) == 0;
}

void cpu_pair_join(const struct cpu_pair *cp)
{
	if (cp->on)
		(void)sched_setaffinity(0, sizeof cp->rest, &cp->rest);
}

void cpu_pair_end(struct cpu_pair *cp)
{
	if (cp->on)
		(void)sched_setaffinity(0, sizeof cp->saved, &cp->saved);
	cp->on = false;
}
