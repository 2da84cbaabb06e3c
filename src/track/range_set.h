/* range_set.h - a set of 64-bit numbers (DSNs) kept as disjoint [lo, hi)
 * ranges: the union of the data an MPTCP connection sent.
 *
 * Promises: range_set_add returns how many numbers of [lo, hi) were not in
 * the set yet, and adds them; ranges that touch or overlap become one (an
 * empty range, hi <= lo, adds nothing).  Data arriving in order (extending
 * the highest range, or one of the last few ranges a search extended,
 * without reaching the next one) costs O(1); anything else O(log n) in the
 * number of ranges. */
#ifndef MPTCPA_RANGE_SET_H
#define MPTCPA_RANGE_SET_H

#include <stdint.h>
#include <glib.h>

struct range {
	uint64_t lo, hi;
};

/* ranges the tree search last extended or made, remembered to skip it */
#define RANGE_SET_HOT 4

struct range_set {
	GTree *tree;        /* &range.lo -> struct range (owned) */
	struct range *top;  /* the range with the highest lo */
	struct range *hot[RANGE_SET_HOT];  /* NULL: none */
	uint64_t hot_next[RANGE_SET_HOT];  /* lo of the range after hot[i] (UINT64_MAX: none) */
	unsigned hot_turn;  /* the slot the next one takes */
};

void range_set_init(struct range_set *u);
void range_set_clear(struct range_set *u);
uint64_t range_set_add(struct range_set *u, uint64_t lo, uint64_t hi);

#endif
