/* range_set.h - a set of 64-bit numbers (DSNs) kept as disjoint [lo, hi)
 * ranges: the union of the data an MPTCP connection sent.
 *
 * Promises: range_set_add returns how many numbers of [lo, hi) were not in
 * the set yet, and adds them; ranges that touch or overlap become one (an
 * empty range, hi <= lo, adds nothing).  Data arriving in order (extending
 * the highest range, or the range the last search extended, without reaching
 * the next one) costs O(1); anything else O(log n) in the number of ranges. */
#ifndef MPTCPA_RANGE_SET_H
#define MPTCPA_RANGE_SET_H

#include <stdint.h>
#include <glib.h>

struct range {
	uint64_t lo, hi;
};

struct range_set {
	GTree *tree;        /* &range.lo -> struct range (owned) */
	struct range *top;  /* the range with the highest lo */
	struct range *last; /* the range the tree search last extended or made */
	uint64_t last_next; /* lo of the range after `last` (UINT64_MAX: none) */
};

void range_set_init(struct range_set *u);
void range_set_clear(struct range_set *u);
uint64_t range_set_add(struct range_set *u, uint64_t lo, uint64_t hi);

#endif
