/* test_range_set.c - the union of sent DSN ranges against a bitmap: the
 * numbers each addition adds, and the ranges left (disjoint, merged when they
 * touch), for fixed cases and for seeded random runs shaped like MPTCP data:
 * subflows filling interleaved stretches, retransmissions, jumps. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>
#include "track/range_set.h"

#define UNIVERSE 4096u

struct model {
	bool bit[UNIVERSE];
};

static uint64_t model_add(struct model *m, uint64_t lo, uint64_t hi)
{
	g_assert_cmpuint(hi, <=, UNIVERSE);
	uint64_t added = 0;
	for (uint64_t v = lo; v < hi; v++)
		if (!m->bit[v]) {
			m->bit[v] = true;
			added++;
		}
	return added;
}

struct walk {
	const struct model *m;
	uint64_t prev_hi;
	bool first, ok;
	guint n;
};

/* every range is a maximal run of the model: starts after a gap, covers set
 * numbers only, and ends before an unset one */
static gboolean check_range(gpointer key, gpointer value, gpointer data)
{
	const struct range *r = value;
	struct walk *w = data;
	bool ok = *(const uint64_t *)key == r->lo && r->lo < r->hi && r->hi <= UNIVERSE;
	ok = ok && (w->first || r->lo > w->prev_hi);
	ok = ok && (r->lo == 0 || !w->m->bit[r->lo - 1]) && (r->hi == UNIVERSE || !w->m->bit[r->hi]);
	for (uint64_t v = r->lo; ok && v < r->hi; v++)
		ok = w->m->bit[v];
	w->ok = w->ok && ok;
	w->first = false;
	w->prev_hi = r->hi;
	w->n++;
	return !ok;
}

static void assert_same(const struct range_set *u, const struct model *m)
{
	struct walk w = { m, 0, true, true, 0 };
	g_tree_foreach(u->tree, check_range, &w);
	g_assert_true(w.ok);
	guint runs = 0;
	for (guint v = 0; v < UNIVERSE; v++)
		runs += m->bit[v] && (v == 0 || !m->bit[v - 1]);
	g_assert_cmpuint(w.n, ==, runs);
	/* the hints say what the tree says */
	GTreeNode *last = g_tree_node_last(u->tree);
	g_assert_true(u->top == (last ? g_tree_node_value(last) : NULL));
	for (int i = 0; i < RANGE_SET_HOT; i++) {
		const struct range *h = u->hot[i];
		if (!h)
			continue;
		g_assert_true(g_tree_lookup(u->tree, &h->lo) == h); /* still in the tree */
		GTreeNode *after = g_tree_upper_bound(u->tree, &h->lo);
		g_assert_cmpuint(u->hot_next[i], ==, after ? ((struct range *)g_tree_node_value(after))->lo : UINT64_MAX);
	}
}

static void add_both(struct range_set *u, struct model *m, uint64_t lo, uint64_t hi)
{
	uint64_t want = model_add(m, lo, hi);
	uint64_t got = range_set_add(u, lo, hi);
	if (got != want)
		g_error("adding [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "): %" G_GUINT64_FORMAT
		        " added, %" G_GUINT64_FORMAT " expected", lo, hi, got, want);
}

static void test_fixed(void)
{
	struct range_set u;
	range_set_init(&u);
	g_assert_cmpuint(range_set_add(&u, 100, 200), ==, 100);
	g_assert_cmpuint(range_set_add(&u, 150, 250), ==, 50);  /* extends the top */
	g_assert_cmpuint(range_set_add(&u, 400, 500), ==, 100); /* a new top */
	g_assert_cmpuint(range_set_add(&u, 250, 300), ==, 50);  /* extends [100, 250) below the top */
	g_assert_cmpuint(range_set_add(&u, 300, 350), ==, 50);  /* again: the hint */
	g_assert_cmpuint(range_set_add(&u, 120, 130), ==, 0);   /* inside */
	g_assert_cmpuint(g_tree_nnodes(u.tree), ==, 2);
	g_assert_cmpuint(range_set_add(&u, 350, 400), ==, 50);  /* touches both: one range */
	g_assert_cmpuint(g_tree_nnodes(u.tree), ==, 1);
	g_assert_cmpuint(u.top->lo, ==, 100);
	g_assert_cmpuint(u.top->hi, ==, 500);
	g_assert_cmpuint(range_set_add(&u, 0, 1000), ==, 600);  /* covers it */
	g_assert_cmpuint(g_tree_nnodes(u.tree), ==, 1);
	/* the highest numbers */
	g_assert_cmpuint(range_set_add(&u, UINT64_MAX - 10, UINT64_MAX), ==, 10);
	g_assert_cmpuint(range_set_add(&u, UINT64_MAX - 20, UINT64_MAX - 5), ==, 10);
	g_assert_cmpuint(g_tree_nnodes(u.tree), ==, 2);
	range_set_clear(&u);
	range_set_clear(&u); /* twice: nothing left to free */
}

/* subflows each sending their own stretch in order, the stretches handed out
 * in turn, with retransmissions and jumps mixed in */
static void random_run(guint32 seed)
{
	GRand *r = g_rand_new_with_seed(seed);
	struct range_set u;
	struct model m;
	memset(&m, 0, sizeof m);
	range_set_init(&u);
	enum { SUBFLOWS = 3 };
	uint64_t cur[SUBFLOWS], end[SUBFLOWS], next_stretch = 0;
	for (int i = 0; i < SUBFLOWS; i++)
		cur[i] = end[i] = 0;
	for (int step = 0; step < 3000; step++) {
		int kind = g_rand_int_range(r, 0, 10);
		uint64_t lo, hi;
		if (kind < 7) { /* a subflow's next segment */
			int i = g_rand_int_range(r, 0, SUBFLOWS);
			if (cur[i] >= end[i] && next_stretch < UNIVERSE) {
				uint64_t len = (uint64_t)g_rand_int_range(r, 8, 96);
				cur[i] = next_stretch;
				end[i] = MIN(UNIVERSE, next_stretch + len);
				next_stretch = end[i];
			}
			if (cur[i] >= end[i])
				continue;
			lo = cur[i];
			hi = lo + (uint64_t)g_rand_int_range(r, 1, 12); /* MIN would draw twice */
			hi = MIN(end[i], hi);
			cur[i] = hi;
		} else if (kind < 9) { /* a retransmission or reinjection of old data */
			lo = (uint64_t)g_rand_int_range(r, 0, (gint32)MAX(1u, MIN(next_stretch, UNIVERSE - 1)));
			hi = lo + (uint64_t)g_rand_int_range(r, 0, 40);
			hi = MIN(UNIVERSE, hi);
		} else { /* a jump anywhere */
			lo = (uint64_t)g_rand_int_range(r, 0, UNIVERSE);
			hi = lo + (uint64_t)g_rand_int_range(r, 0, 200);
			hi = MIN(UNIVERSE, hi);
		}
		add_both(&u, &m, lo, hi);
		if (step % 97 == 0)
			assert_same(&u, &m);
	}
	assert_same(&u, &m);
	range_set_clear(&u);
	g_rand_free(r);
}

static void test_random(void)
{
	for (guint32 seed = 1; seed <= 200; seed++)
		random_run(seed);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/range-set/fixed", test_fixed);
	g_test_add_func("/range-set/random", test_random);
	return g_test_run();
}
