/* direct_out.h - the rest of a large output file written with O_DIRECT.
 *
 * Written through the page cache, each page of a large export is memory new
 * to the kernel, charged, copied into, written back and freed: 1.17 GB of
 * CSV took 0.6 to 1.1 s of system time here, a quarter of the export's
 * processor time, against 0.06 s with O_DIRECT (the device copies from the
 * program's buffer).  The file then stays out of the page cache, as the
 * streaming of atomic_file (export.h) also left it.
 *
 * From the byte `at` on (what was written before through the ordinary
 * descriptor), bytes are gathered in an aligned buffer and written a whole
 * buffer at a time at aligned offsets; the last block is padded and the file
 * cut back to its length at the end.  Where O_DIRECT is refused (a file
 * system without it, an alignment it does not take) the same buffers are
 * written through the ordinary descriptor: the bytes are the same either way. */
#ifndef MPTCPA_DIRECT_OUT_H
#define MPTCPA_DIRECT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct direct_out;

/* Takes over the file `path`, open as `fd` for reading and writing, from
 * offset `at` on (every byte before it written to fd, none buffered
 * elsewhere).  NULL when the file cannot be opened with O_DIRECT. */
struct direct_out *direct_out_start(int fd, const char *path, uint64_t at);

/* appends n bytes; false (errno set) once a write has failed */
bool direct_out_write(struct direct_out *d, const void *p, size_t n);

/* writes what is left, cuts the file to its length, frees d; false (errno
 * set) when any write failed */
bool direct_out_finish(struct direct_out *d);

/* frees d, leaving the file as it is */
void direct_out_abort(struct direct_out *d);

#endif
