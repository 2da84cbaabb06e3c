/* ring.h - an array that loses entries at its front and gains them at its
 * end without moving the others: a ring of entries of one size.
 *
 * The MPTCP tracker's lists of sent ranges are pruned at their front as data
 * is acknowledged and grow at their end.  An array moved down once the
 * pruned entries were a sixteenth of the live ones (the exporter's memory
 * wanted no more): each range moved 16 times, 4.4% of the 4.9M-packet
 * export's samples.  A ring moves nothing when its front goes; it is copied
 * only when it grows.
 *
 * Promises: entries 0 .. len - 1 are ring_at(r, i), in order; a pointer to
 * one stays valid until the next call that adds entries.  The room grows by
 * a quarter (a ring's head goes all around it, so all of it is memory in
 * use, where an array never touches its room past the entries it held at
 * most).  A zeroed struct is an empty ring of `size` 0: set size first. */
#ifndef MPTCPA_RING_H
#define MPTCPA_RING_H

#include <string.h>
#include <glib.h>

struct ring {
	char *data;   /* cap entries; NULL until the first */
	guint head;   /* the first entry's place */
	guint len;    /* entries, from head on (wrapping around) */
	guint cap;
	guint size;   /* of an entry */
};

/* room for n entries in all */
void ring_reserve(struct ring *r, guint n);
/* entry `at` and those after it move one up, e (size bytes) takes its place */
void ring_insert(struct ring *r, guint at, const void *e);
void ring_free(struct ring *r);

static inline void *ring_at(const struct ring *r, guint i)
{
	guint at = r->head + i; /* both below cap */
	if (at >= r->cap)
		at -= r->cap;
	return r->data + (size_t)at * r->size;
}

/* a new last entry, for the caller to write in place (see array_push_slot) */
static inline void *ring_push(struct ring *r)
{
	if (G_UNLIKELY(r->len >= r->cap))
		ring_reserve(r, r->len + 1);
	return ring_at(r, r->len++);
}

/* drops the first n entries (n <= len) */
static inline void ring_drop_front(struct ring *r, guint n)
{
	r->head += n;
	if (r->head >= r->cap)
		r->head -= r->cap;
	r->len -= n;
}

#endif
