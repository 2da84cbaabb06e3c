/* range_set.c - disjoint ranges in a balanced tree (see range_set.h).
 *
 * Each subflow of a connection fills its own stretch of DSNs, below the
 * highest range while the subflows' stretches have not met yet: besides the
 * highest range, the range the last tree search extended (and where the next
 * range starts) lets most additions skip the search. */
#include "track/range_set.h"

static gint cmp_u64(gconstpointer a, gconstpointer b, gpointer user)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	(void)user;
	return x < y ? -1 : x > y;
}

void range_set_init(struct range_set *u)
{
	u->tree = g_tree_new_full(cmp_u64, NULL, NULL, g_free);
	u->top = u->last = NULL;
	u->last_next = UINT64_MAX;
}

void range_set_clear(struct range_set *u)
{
	if (u->tree)
		g_tree_destroy(u->tree);
	u->tree = NULL;
	u->top = u->last = NULL;
}

uint64_t range_set_add(struct range_set *u, uint64_t lo, uint64_t hi)
{
	if (hi <= lo) /* empty, or past the top of the DSN space: adds nothing */
		return 0;
	/* fast paths: extends or follows the highest range, or the range the
	 * search below last extended when it stays clear of the next one */
	struct range *top = u->top, *last = u->last;
	struct range *grow = top && lo >= top->lo && lo <= top->hi ? top
	                   : last && lo >= last->lo && lo <= last->hi && hi < u->last_next ? last : NULL;
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
			uint64_t key = r->lo;
			g_tree_remove(u->tree, &key);
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
	}
	u->top = g_tree_node_value(g_tree_node_last(u->tree));
	GTreeNode *after = g_tree_upper_bound(u->tree, &keep->lo);
	u->last = keep;
	u->last_next = after ? ((struct range *)g_tree_node_value(after))->lo : UINT64_MAX;
	return (hi - lo) - covered;
}
