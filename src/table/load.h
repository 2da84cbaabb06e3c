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

/* capture_load, calling `tracked` once every frame is read and tracked (and
 * the capture's statistics known), before the last rows settle: rows [0,
 * settled) of t are final, and nothing moves the packet table any more.  Not
 * called when the load fails; once called, the load returns t (a cache save
 * started there may hold its rows, cache.h).  The cache is written from there (cache.h).
 * Final but one mark: an original among those rows repeated by one of the
 * last rows does not get PF_REINJECTED (another thread may be copying it);
 * the caller sets those with tables_mark_reinjected() once it has copied. */
typedef void (*load_tracked_fn)(struct tables *t, uint32_t settled, void *user);
/* rows_fd >= 0: the packet rows are written into that file from rows_offset
 * on, when they are many (pkt_rows_use_file, cache_save_rows_fd) */
struct tables *capture_load_tracked(const char *path, load_progress_fn progress, void *user,
                                    load_tracked_fn tracked, void *tracked_user, int rows_fd,
                                    uint64_t rows_offset, GError **err);

/* Streaming: rows are handed to `rows` once final (in order, in chunks) and
 * then dropped, so memory follows the connections and the data in flight, not
 * the number of packets.  The returned tables hold every connection, event
 * and reinjection link but no packet. */
struct load_sink {
	void (*rows)(struct tables *t, uint32_t from, uint32_t to, void *user);
	void *user;
	GHashTable *reinjected_in;   /* handed to t->reinjected_in (owned by the tables) */
	uint32_t lag;                /* rows between loading and settling (0: default) */
	uint32_t hold;               /* settled rows kept this many rows longer before `rows` */
};
struct tables *capture_load_stream(const char *path, struct load_sink *sink, load_progress_fn progress,
                                   void *user, GError **err);

#endif
