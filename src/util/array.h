/* array.h - appending to a GArray without a library call per element.
 *
 * g_array_append_val costs about a hundred instructions (the call, the
 * capacity check, a memcpy call); the loaders append several elements per
 * packet.  array_push copies the element in place while the array is known
 * to have room, and asks GLib for more otherwise.  `room` lives
 * beside the array: 0 when unknown, and never more than what GLib
 * allocated (GArray never gives memory back when it shrinks, so removing
 * elements keeps it true; an array replaced by another needs room = 0).
 * Not for zero-terminated arrays (the terminator would not follow). */
#ifndef MPTCPA_ARRAY_H
#define MPTCPA_ARRAY_H

#include <string.h>
#include <glib.h>
#include "util/hugeheap.h"
#include "util/prefault.h"

/* An array of len elements of `size` bytes at data has just grown to room
 * for n: the first half of the new room is noted to be faulted in ahead
 * (util/prefault.h).  Only half: an array that has just doubled ends, on
 * average, with about 44% of its new room used (final sizes spread evenly
 * on a log scale), and zeroing pages never written cost the load 2 ms (0.5M
 * packets). */
static inline void array_note_grown(const void *data, guint len, guint n, guint size)
{
	prefault_note(data, (size_t)len * size, ((size_t)len + (n - len) / 2) * size);
}

/* makes room for at least n elements; *room: how many there is room for */
static inline void array_reserve(GArray *a, guint *room, guint n)
{
	if (n <= *room)
		return;
	guint len = a->len;
	g_array_set_size(a, n); /* allocates n elements at least */
	g_array_set_size(a, len);
	*room = n;
	hugeheap_advise(); /* the heap may have grown: in huge pages, before it is touched */
	array_note_grown(a->data, len, n, g_array_get_element_size(a));
}

/* the room, in elements of `size` bytes, of an array of len elements grown
 * by one: the next power of two in bytes, as g_array_append_val grows it */
static inline guint array_grown_room(guint len, guint size)
{
	gsize bytes = 16;
	while (bytes < ((gsize)len + 1) * size)
		bytes <<= 1;
	return (guint)MIN(bytes / size, G_MAXUINT);
}

/* Appends an element of `size` bytes (the array's element size), counted,
 * and returns it for the caller to write in place.  When the room is used up
 * it grows as g_array_append_val would grow it: to the next power of two in
 * bytes, all of which then counts as room.  Writing the fields there beats
 * building the element apart and copying it in, when it was just built: the
 * copy's wide loads of its narrower stores cannot be forwarded from the
 * store buffer, a stall per element. */
static inline void *array_push_slot(GArray *a, guint *room, guint size)
{
	if (G_UNLIKELY(a->len >= *room))
		array_reserve(a, room, array_grown_room(a->len, size));
	return a->data + (gsize)a->len++ * size;
}

/* Appends the element `elt` (what g_array_append_vals does once it has the room) */
static inline void array_push(GArray *a, guint *room, const void *elt, guint size)
{
	memcpy(array_push_slot(a, room, size), elt, size);
}

#endif
