/* test_ring.c - the ring of entries (util/ring.h) against a plain array:
 * seeded random runs of pushes, inserts and drops from the front, which wrap
 * the ring around and grow it with either part of a wrapped ring moving. */
#include <stdint.h>
#include <string.h>
#include <glib.h>
#include "util/ring.h"

struct entry {
	uint64_t v;
	uint32_t tag, pad;
};

static void assert_same(const struct ring *r, const GArray *model)
{
	g_assert_cmpuint(r->len, ==, model->len);
	g_assert_cmpuint(r->len, <=, r->cap);
	g_assert_cmpuint(r->head, <, MAX(r->cap, 1u));
	for (guint i = 0; i < model->len; i++) {
		const struct entry *got = ring_at(r, i), *want = &g_array_index(model, struct entry, i);
		if (got->v != want->v || got->tag != want->tag)
			g_error("entry %u of %u: %" G_GUINT64_FORMAT " against %" G_GUINT64_FORMAT, i, model->len, got->v,
			        want->v);
	}
}

static void random_run(guint32 seed, guint *grew_copying_start, guint *grew_moving_end)
{
	GRand *g = g_rand_new_with_seed(seed);
	struct ring r;
	memset(&r, 0, sizeof r);
	r.size = sizeof(struct entry);
	GArray *model = g_array_new(FALSE, FALSE, sizeof(struct entry));
	uint64_t next = 0;
	for (int step = 0; step < 4000; step++) {
		int kind = g_rand_int_range(g, 0, 20);
		guint cap = r.cap, head = r.head, len = r.len;
		if (kind < 11) {
			struct entry e = { next++, (uint32_t)step, 0 };
			memcpy(ring_push(&r), &e, sizeof e);
			g_array_append_val(model, e);
		} else if (kind < 14) {
			guint at = model->len ? (guint)g_rand_int_range(g, 0, (gint32)model->len + 1) : 0;
			struct entry e = { next++, (uint32_t)step, 0 };
			ring_insert(&r, at, &e);
			g_array_insert_val(model, at, e);
		} else if (model->len) {
			/* mostly a few (the ring grows slowly, wrapping around as it
			 * does), now and then many */
			guint most = kind == 19 ? 90u : 4u;
			guint n = (guint)g_rand_int_range(g, 0, (gint32)MIN(model->len, most) + 1);
			ring_drop_front(&r, n);
			g_array_remove_range(model, 0, n);
		}
		if (r.cap != cap && cap && head + len > cap) {
			/* a wrapped ring grew: which part moved */
			if (r.head == head)
				(*grew_copying_start)++;
			else
				(*grew_moving_end)++;
		}
		if (step % 37 == 0)
			assert_same(&r, model);
	}
	assert_same(&r, model);
	ring_free(&r);
	g_assert_null(r.data);
	g_assert_cmpuint(r.cap, ==, 0);
	g_array_free(model, TRUE);
	g_rand_free(g);
}

static void test_random(void)
{
	guint copying = 0, moving = 0;
	for (guint32 seed = 1; seed <= 100; seed++)
		random_run(seed, &copying, &moving);
	/* both ways of growing a wrapped ring were taken */
	g_assert_cmpuint(copying, >, 0);
	g_assert_cmpuint(moving, >, 0);
}

/* the first entries, and a ring dropped to empty and filled again */
static void test_fixed(void)
{
	struct ring r;
	memset(&r, 0, sizeof r);
	r.size = sizeof(uint32_t);
	for (uint32_t i = 0; i < 64; i++)
		*(uint32_t *)ring_push(&r) = i;
	g_assert_cmpuint(r.cap, ==, 64);
	ring_drop_front(&r, 60);
	for (uint32_t i = 64; i < 124; i++) /* wraps around: full again */
		*(uint32_t *)ring_push(&r) = i;
	g_assert_cmpuint(r.cap, ==, 64);
	g_assert_cmpuint(r.head, ==, 60);
	for (guint i = 0; i < r.len; i++)
		g_assert_cmpuint(*(uint32_t *)ring_at(&r, i), ==, 60 + i);
	*(uint32_t *)ring_push(&r) = 124; /* grows by a quarter: the 4 before the end move to the new end */
	g_assert_cmpuint(r.cap, ==, 80);
	g_assert_cmpuint(r.head, ==, 76);
	for (guint i = 0; i < r.len; i++)
		g_assert_cmpuint(*(uint32_t *)ring_at(&r, i), ==, 60 + i);
	ring_drop_front(&r, r.len);
	g_assert_cmpuint(r.len, ==, 0);
	ring_free(&r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ring/fixed", test_fixed);
	g_test_add_func("/ring/random", test_random);
	return g_test_run();
}
