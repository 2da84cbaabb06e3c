/* cpu_pair.h - keeps two threads that hand work to each other on two
 * different processors while they run together.
 *
 * Promises: between cpu_pair_begin and cpu_pair_end, the calling thread runs
 * only on the processor it was on, and a thread that called cpu_pair_join
 * only on the others it may use; cpu_pair_end gives the caller back the
 * processors it had.  Where the process may use a single processor, or the
 * system refuses, nothing changes (and nothing fails): only where the threads
 * run changes, never what they compute.  MPTCPANALYZER_PIN=0 turns it off. */
#ifndef MPTCPA_CPU_PAIR_H
#define MPTCPA_CPU_PAIR_H

#include <sched.h>
#include <stdbool.h>

struct cpu_pair {
	cpu_set_t saved;  /* the caller's processors before */
	cpu_set_t rest;   /* the ones left for the other thread */
	bool on;
};

void cpu_pair_begin(struct cpu_pair *cp);
void cpu_pair_join(const struct cpu_pair *cp);
void cpu_pair_end(struct cpu_pair *cp);

#endif
