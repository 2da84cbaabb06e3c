/* load.h - one pass over a capture file: reader -> decoders -> TCP tracker ->
 * MPTCP tracker -> tables. */
#ifndef MPTCPA_LOAD_H
#define MPTCPA_LOAD_H

#include "table/tables.h"

/* called now and then with bytes read so far and the file size */
typedef void (*load_progress_fn)(uint64_t done, uint64_t total, void *user);

/* Loads a capture.  NULL with *err set on a missing file, a file that is not a
 * capture, an unsupported link type or a capture without any frame.  A file cut
 * in the middle of a record loads what came before; t->warning says so. */
struct tables *capture_load(const char *path, load_progress_fn progress, void *user, GError **err);

#endif
