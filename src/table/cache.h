/* cache.h - saves the tables of a capture to a binary file and loads them back.
 *
 * Loading a big capture means decoding every frame; the cache keeps the
 * result so that the next load of the same, unchanged capture is a single
 * read.  A cache file records which capture it was made from (real path, size,
 * modification time) and the layout of the tables (format version, struct
 * sizes), and ends with a checksum: a cache that is stale, truncated, corrupted
 * or made by another build is refused, never trusted.  Cache files are only
 * meant for the machine and build that wrote them. */
#ifndef MPTCPA_CACHE_H
#define MPTCPA_CACHE_H

#include <stdbool.h>
#include <glib.h>
#include "table/tables.h"

/* Bump whenever the file layout, a table struct or the meaning of a table
 * field changes (tracker fixes included): older cache files are then refused. */
/* 2: 64-byte packet rows, side tables, data bases; 3: rows hashed by chunks; 4: XXH3;
 * 5: the rows at a multiple of 64 KiB (a mapping of the file), link name and warning after them */
#define CACHE_FORMAT_VERSION 5

/* The cache file of `capture` inside `cachedir` (named after the SHA-1 of the
 * capture's real path and the format version: "SHA1-vN.mpac"); creates
 * `cachedir` when missing.  NULL with *err when the capture does not exist or
 * the folder cannot be made. */
char *cache_path_for(const char *cachedir, const char *capture, GError **err);

/* Writes every table to `cache_file` (atomically: a temporary file renamed
 * into place).  The capture named by t->path must exist: its identity is
 * recorded. */
bool cache_save(const struct tables *t, const char *cache_file, GError **err);

/* cache_save in two steps, the first while the tables still change: what
 * precedes the packet rows (t->path, the capture statistics, link name and
 * warning, the number of rows) and rows [0, settled) must be final (nothing
 * writes to them or moves the packet table until cache_save_end), and the
 * rest of the tables final when cache_save_end is called.  Meanwhile another thread writes those rows.
 * Every cache_save_begin that returns a value is followed by cache_save_end
 * (which writes the rest and says whether all went well) or
 * cache_save_abort (which leaves no cache). */
struct cache_save;
struct cache_save *cache_save_begin(const struct tables *t, const char *cache_file, uint32_t settled,
                                    GError **err);
/* cache_save_begin in two steps, so that a load can write its packet rows
 * straight into the file: cache_save_open before the load (the file opened
 * and locked, or a new one made), cache_save_rows_fd for the load to map
 * (capture_load_tracked, pkt_rows_use_file; -1 for a new file), then
 * cache_save_start where cache_save_begin would be called.  When t's rows
 * are the file's, they are hashed rather than written, and cache_save_end
 * sets in them the marks a load leaves out (tables_mark_reinjected).  A
 * start that fails is followed by cache_save_abort; so is an open whose load
 * failed. */
struct cache_save *cache_save_open(const char *cache_file, const char *capture, GError **err);
int cache_save_rows_fd(const struct cache_save *cs, uint64_t *offset);
bool cache_save_start(struct cache_save *cs, struct tables *t, uint32_t settled, GError **err);
bool cache_save_end(struct cache_save *cs, GError **err);
void cache_save_abort(struct cache_save *cs);

/* The tables saved in `cache_file` for `capture`; t->path is `capture`, and
 * every original of a reinjection link is marked PF_REINJECTED (a file
 * written while a load's last rows settled may lack some of those marks).
 * NULL with *err when the cache cannot be trusted: error code MPTCPA_ERR_OPEN
 * when the cache file (or the capture) is missing, MPTCPA_ERR_CACHE when it is
 * stale (capture changed or another file), of another format version or
 * build, truncated or corrupted. */
struct tables *cache_load(const char *cache_file, const char *capture, GError **err);

#endif
