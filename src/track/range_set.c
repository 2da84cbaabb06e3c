/* range_set.c - disjoint ranges in a balanced tree (see range_set.h).
 *
 * Each subflow of a connection fills its own stretch of DSNs, below the
 * highest range while the subflows' stretches have not met yet: besides the
 * highest range, the ranges the last tree searches extended (and where the
 * range after each starts) let most additions skip the search.  One such
 * range was not enough: with three subflows, the two below the highest one
 * took turns, and every other addition searched the tree (3.7% of the
 * 4.9M-packet load's samples, a sixth of them in the search). */
#include "track/range_set.h"

#include <stdbool.h>

static gint cmp_u64(gconstpointer a, gconstpointer b, gpointer user)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	(void)user;
	return x < y ? -1 : x > y;
}

static void forget_hot(struct range_set *u)
{
	for (int i = 0; i < RANGE_SET_HOT; i++) {
		u->hot[i] = NULL;
		u->hot_next[i] = UINT64_MAX;
	}
	u->hot_turn = 0;
}

void range_set_init(struct range_set *u)
{
	u->tree = g_tree_new_full(cmp_u64, NULL, NULL, g_free);
	u->top = NULL;
	forget_hot(u);
}

void range_set_clear(struct range_set *u)
{
	if (u->tree)
		g_tree_destroy(u->tree);
	u->tree = NULL;
	u->top = NULL;
	forget_hot(u);
}

/* the range that [lo, hi) extends without reaching the next one, known
 * without a search: the highest, or a hot one */
static struct range *grows_known(const struct range_set *u, uint64_t lo, uint64_t hi)
{
	struct range *top = u->top;
	if (top && lo >= top->lo && lo <= top->hi)
		return top;
	for (int i = 0; i < RANGE_SET_HOT; i++) {
		struct range *r = u->hot[i];
		if (r && lo >= r->lo && lo <= r->hi && hi < u->hot_next[i])
			return r;
	}
	return NULL;
}

/* keep, just extended or made by a search, is hot; where the range after it
 * starts is looked up once */
static void remember_hot(struct range_set *u, struct range *keep)
{
	GTreeNode *after = g_tree_upper_bound(u->tree, &keep->lo);
	uint64_t next = after ? ((struct range *)g_tree_node_value(after))->lo : UINT64_MAX;
	for (int i = 0; i < RANGE_SET_HOT; i++) {
		if (u->hot[i] == keep) {
			u->hot_next[i] = next;
			return;
		}
	}
	unsigned i = u->hot_turn++ % RANGE_SET_HOT;
	u->hot[i] = keep;
	u->hot_next[i] = next;
}

uint64_t range_set_add(struct range_set *u, uint64_t lo, uint64_t hi)
{
	if (hi <= lo) /* empty, or past the top of the DSN space: adds nothing */
		return 0;
	/* fast paths: extends or follows the highest range, or a range the
	 * search below extended when it stays clear of the next one */
	struct range *grow = grows_known(u, lo, hi);
	if (grow) {
		uint64_t added = hi > grow->hi ? hi - grow->hi : 0;
		if (hi > grow->hi)
			grow->hi = hi;
		return added;
	}
	/* the first range that may overlap: the one starting at or before lo,
	 * if it reaches lo, else the next one */
	GTreeNode *n = g_tree_upper_bound(u->tree, &lo);
	GTreeNode *prev = n ? g_tree_node_previous(n) : g_tree_node_last(u->tree);
	if (prev && ((struct range *)g_tree_node_value(prev))->hi >= lo)
		n = prev;
	/* a range starting at or before lo grows in place (the common case:
	 * each subflow's data extends its own range); otherwise a new one */
	struct range *keep = NULL;
	if (n && ((struct range *)g_tree_node_value(n))->lo <= lo)
		keep = g_tree_node_value(n);
	uint64_t covered = 0, nhi = hi;
	bool reshaped = false; /* a range removed or added: the hot ones' next may change */
	while (n) {
		struct range *r = g_tree_node_value(n);
		if (r->lo > hi)
			break;
		uint64_t olo = MAX(r->lo, lo), ohi = MIN(r->hi, hi);
		if (ohi > olo)
			covered += ohi - olo;
		nhi = MAX(nhi, r->hi);
		GTreeNode *next = g_tree_node_next(n);
		if (r != keep) {
			for (int i = 0; i < RANGE_SET_HOT; i++)
				if (u->hot[i] == r)
					u->hot[i] = NULL; /* merged into keep */
			uint64_t key = r->lo;
			g_tree_remove(u->tree, &key);
			reshaped = true;
		}
		n = next;
	}
	if (keep) {
		keep->hi = nhi;
	} else {
		keep = g_new(struct range, 1);
		keep->lo = lo;
		keep->hi = nhi;
		g_tree_insert(u->tree, &keep->lo, keep);
		reshaped = true;
	}
	if (reshaped) {
		u->top = g_tree_node_value(g_tree_node_last(u->tree));
		/* The ranges removed were inside keep's span, and keep now starts
		 * there: a hot range below keep has keep next at the latest, one
		 * above it the same next as before. */
		for (int i = 0; i < RANGE_SET_HOT; i++)
			if (u->hot[i] && u->hot[i]->lo < keep->lo)
				u->hot_next[i] = MIN(u->hot_next[i], keep->lo);
	}
	remember_hot(u, keep);
	return (hi - lo) - covered;
}
