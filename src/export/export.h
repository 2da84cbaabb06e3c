/* export.h - writes the packet table as CSV, TSV, JSON lines or SQLite.
 * Files are written under a temporary name and renamed when complete, so an
 * interrupted export never leaves a half-written file under the final name. */
#ifndef MPTCPA_EXPORT_H
#define MPTCPA_EXPORT_H

#include <stdio.h>
#include <glib.h>
#include "table/tables.h"
#include "table/load.h"

enum export_format { EXP_CSV, EXP_TSV, EXP_JSONL, EXP_SQLITE };

struct export_opts {
	enum export_format format;
	char delimiter;          /* CSV only */
	bool tshark_names;       /* header uses tshark's field names */
	GPtrArray *columns;      /* const struct column *; NULL: the default set */
	uint32_t window;         /* export_capture: packets between reading and writing (0: default) */
};

/* "csv", "tsv", "jsonl", "sqlite"; false for anything else */
bool export_format_parse(const char *name, enum export_format *out);
/* from the output file's extension (.csv, .tsv, .jsonl/.json, .sqlite/.db); CSV otherwise */
enum export_format export_format_guess(const char *path);

/* path "-" writes to stdout (not for SQLite) */
bool export_tables(const struct tables *t, const char *path, const struct export_opts *o, GError **err);

/* Exports a capture without loading all of it: two passes over the file
 * (the first finds which packets are repeated later), rows written as they
 * become final.  Memory follows connections and data in flight, not packets.
 * SQLite output loads the capture whole. */
bool export_capture(const char *capture, const char *path, const struct export_opts *o,
                    load_progress_fn progress, void *user, GError **err);

/* Opens `path` for writing through a temporary file beside it; commit renames
 * it into place, abort removes it.  Used by every writer of the project. */
struct atomic_file {
	FILE *fp;
	char *path, *tmp;
};
bool atomic_open(struct atomic_file *af, const char *path, GError **err);
bool atomic_commit(struct atomic_file *af, GError **err);
void atomic_abort(struct atomic_file *af);

bool export_sqlite(const struct tables *t, const char *path, GError **err);

#endif
