/* ring.c - a ring of fixed-size entries that grows (see ring.h). */
#include "util/ring.h"

#include "util/array.h"

/* Grown by g_realloc (in place where free heap follows the block).  Of
 * entries that wrapped around, the shorter part moves: those at the start
 * after the old end, or those up to the old end to the new end. */
void ring_reserve(struct ring *r, guint n)
{
	guint cap = r->cap;
	if (n <= cap)
		return;
	guint ncap = MAX(MAX(cap + cap / 4, 64u), n);
	size_t sz = r->size;
	r->data = g_realloc(r->data, (size_t)ncap * sz);
	hugeheap_advise(); /* the heap may have grown: in huge pages, before it is touched */
	if (r->head + r->len > cap) {
		guint wrapped = r->head + r->len - cap, more = ncap - cap;
		if (wrapped <= more) {
			memcpy(r->data + (size_t)cap * sz, r->data, (size_t)wrapped * sz);
		} else {
			memmove(r->data + (size_t)(r->head + more) * sz, r->data + (size_t)r->head * sz,
			        (size_t)(cap - r->head) * sz);
			r->head += more;
		}
	}
	array_note_grown(r->data, cap, ncap, (guint)sz);
	r->cap = ncap;
}

void ring_insert(struct ring *r, guint at, const void *e)
{
	ring_reserve(r, r->len + 1);
	/* entry by entry: the ring may wrap around in between (inserts land
	 * near the end) */
	for (guint k = r->len++; k > at; k--)
		memcpy(ring_at(r, k), ring_at(r, k - 1), r->size);
	memcpy(ring_at(r, at), e, r->size);
}

void ring_free(struct ring *r)
{
	g_free(r->data);
	r->data = NULL;
	r->head = r->len = r->cap = 0;
}
