/* pkt_rows.h - the memory of the packet rows: the process's own, or the
 * cache file's.
 *
 * A load writes every packet row once, and then the cache copies the rows
 * into its file: 313 MB for 4.9M packets, new memory faulted in (76,000
 * page faults of 4 KiB when huge pages are slow) and then copied into the
 * page cache.  When the rows are given a file (pkt_rows_use_file), the
 * table becomes a shared mapping of it: the rows are written into the page
 * cache once, and a cache file overwritten in place lends its pages, which
 * are already in memory.
 *
 * Promises: `data` and `len` read like a GArray's (g_array_index works);
 * the rows never move except in pkt_rows_reserve, pkt_rows_fit,
 * pkt_rows_detach and pkt_rows_remove_front.  A file is only mapped once
 * its blocks are allocated (fallocate), so that writing a row cannot fail
 * for want of space, and only when most of the file's pages the rows take
 * are in memory (a cache file of the same capture, overwritten in place:
 * pages new to the page cache cost more than the process's own, and pages
 * on the disk would be read back); otherwise, and when growing it fails,
 * the rows are the process's own, as without a file.  While mapped, the
 * rows are the file's bytes: whoever truncates the file under them ends
 * the program (SIGBUS), which is why the file is taken with a lock
 * (cache.c). */
#ifndef MPTCPA_PKT_ROWS_H
#define MPTCPA_PKT_ROWS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "util/vring.h"

struct pkt_rows {
	gchar *data;        /* struct pkt [len] */
	guint len;
	guint room;         /* rows there is room for (see util/array.h) */
	guint row_size;
	/* the file's part */
	int fd;             /* its own descriptor (a dup), -1: no file */
	uint64_t offset;    /* of the first row in the file (page aligned) */
	size_t mapped;      /* bytes mapped at data; 0: the rows are the process's own */
	bool shared;        /* what is written to the rows is written to the file */
	/* a window losing rows at its front: the rows in a ring (vring.h) */
	struct vring ring;  /* base NULL: not a ring */
};

struct pkt_rows *pkt_rows_new(guint row_size, guint room);
void pkt_rows_free(struct pkt_rows *r);
/* makes room for n rows in all */
void pkt_rows_reserve(struct pkt_rows *r, guint n);
/* room for len + 1 rows, growing as g_array_append_val would (see array.h) */
void pkt_rows_grow(struct pkt_rows *r);
/* n rows, the new ones not set (as g_array_set_size) */
void pkt_rows_set_len(struct pkt_rows *r, guint n);
/* drops the first n rows: moves the rest down, or, in a ring, moves `data` on */
void pkt_rows_remove_front(struct pkt_rows *r, guint n);
/* The rows, none yet, go into a ring with room for n (util/vring.h): a
 * window that loses rows at its front as it gains them at its end (the
 * exporter's: moving its rows down was 3% of the 4.9M-packet export's
 * processor time) then moves nothing, `data` goes forward and wraps.  It
 * grows as any table when more rows come, by a copy.  False, nothing
 * changed, when rows are there already, a file was given, or the ring is
 * refused (MPTCPANALYZER_VRING=0 among others). */
bool pkt_rows_make_ring(struct pkt_rows *r, guint n);

/* From the next reservation of at least PKT_ROWS_FILE_MIN bytes on
 * (MPTCPANALYZER_ROWS_IN_FILE=N: N bytes, 0: never), the rows
 * live in fd (duplicated) from `offset` (a multiple of the page size) on.
 * False (nothing changes) when the file cannot be taken. */
#define PKT_ROWS_FILE_MIN ((size_t)8 << 20)
bool pkt_rows_use_file(struct pkt_rows *r, int fd, uint64_t offset);
/* the rows are a shared mapping of a file: its descriptor (else -1) and offset */
int pkt_rows_file(const struct pkt_rows *r, uint64_t *offset);
/* Reading a cache: the n rows at `offset` of fd become a private mapping of
 * the file (no copy; a row written to is copied then, and stays the
 * process's), from PKT_ROWS_FILE_MIN bytes on (MPTCPANALYZER_ROWS_IN_FILE as
 * above).  The file is held with a shared lock while mapped, so that the
 * analyzers' writers (which take it exclusively, cache.c) replace it rather
 * than write into it.  False, with nothing changed, when the rows are not
 * empty, the file is locked by a writer or cannot be mapped. */
bool pkt_rows_map_file(struct pkt_rows *r, int fd, uint64_t offset, guint n);
/* shrinks the mapping to the rows (before the file is cut to its length) */
void pkt_rows_fit(struct pkt_rows *r);
/* makes the rows the process's own again (a copy), leaving the file */
void pkt_rows_detach(struct pkt_rows *r);

#endif
