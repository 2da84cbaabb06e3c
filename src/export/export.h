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
	struct export_report *report; /* export_capture fills it when set */
};

/* how export_capture went */
struct export_report {
	unsigned passes;         /* over the capture: 1, or 2 */
	bool late;               /* one pass was tried: a packet repeated one already written */
	uint32_t late_frame, late_orig_frame; /* the first such repeat, and the packet it repeats */
};

/* A CSV delimiter: one character, but not a quote or a line end (CSV
 * quoting could not tell it from the value's quotes, nor readers the rows) */
bool export_delimiter_ok(const char *s);
#define EXPORT_DELIMITER_RULE "one character other than a quote or a line end"

/* "csv", "tsv", "jsonl", "sqlite"; false for anything else */
bool export_format_parse(const char *name, enum export_format *out);
/* from the output file's extension (.csv, .tsv, .jsonl/.json, .sqlite/.db); CSV otherwise */
enum export_format export_format_guess(const char *path);

/* path "-" writes to stdout (not for SQLite) */
bool export_tables(const struct tables *t, const char *path, const struct export_opts *o, GError **err);

/* Exports a capture without loading all of it: rows are written as they
 * become final, so memory follows connections and data in flight, not
 * packets.  One pass over the file when it can: the reinjected_in column
 * (later packets that repeat a row) needs a second, first, pass when the
 * output cannot be emptied and written again (stdout, a pipe), or when a
 * packet repeats one written `window` rows before (see export.c).
 * SQLite output loads the capture whole. */
bool export_capture(const char *capture, const char *path, const struct export_opts *o,
                    load_progress_fn progress, void *user, GError **err);

/* Opens `path` for writing through a temporary file beside it; commit renames
 * it into place, abort removes it.  Used by every writer of the project.
 * A writer that tells atomic_wrote how much it wrote gets the file's blocks
 * allocated ahead of its writes on ext4 and XFS, and, past `stream_from`
 * bytes, what it wrote written out and dropped from the page cache as it
 * goes, `stream_step` bytes at a time (see export.c).  A writer that writes
 * with atomic_write instead gets the bytes past `stream_from` written with
 * O_DIRECT where the file system takes it (export/direct_out.h), and never
 * touches fp again until the commit (or a rewind). */
struct direct_out;
struct atomic_file {
	FILE *fp;
	char *path, *tmp;
	bool can_reserve;           /* ext4 or XFS, a new file */
	uint64_t written, reserved; /* bytes given to fp (or to direct); blocks allocated */
	uint64_t stream_from, stream_step; /* ATOMIC_STREAM_FROM, _STEP; step 0: never */
	uint64_t stream_next;       /* the next step to stream out; 0: not started */
	uint64_t streamed_steps;    /* steps handled (what the tests look at) */
	struct direct_out *direct;  /* past stream_from with atomic_write; NULL: fp */
	bool direct_refused;        /* O_DIRECT could not be had: fp and streaming */
	bool direct_failed;         /* a write of the direct writer failed */
	uint64_t direct_bytes;      /* bytes that went to `direct` (the tests look) */
};
#define ATOMIC_STREAM_FROM ((uint64_t)256 << 20) /* MPTCPANALYZER_STREAM_FROM */
#define ATOMIC_STREAM_STEP ((uint64_t)16 << 20)
bool atomic_open(struct atomic_file *af, const char *path, GError **err);
void atomic_wrote(struct atomic_file *af, size_t n);
/* The writer expects about `bytes` bytes: at least stream_from, and the
 * direct writer takes every atomic_write from the first on. */
void atomic_expect(struct atomic_file *af, uint64_t bytes);
/* writes n bytes: fwrite and atomic_wrote, or past stream_from the direct
 * writer; a failed write makes the commit fail */
void atomic_write(struct atomic_file *af, const void *p, size_t n);
bool atomic_commit(struct atomic_file *af, GError **err);
/* empties the file to write it again (the truncation frees every block);
 * false when that failed */
bool atomic_rewind(struct atomic_file *af);
/* For a program that exits right after its commits: the file a commit
 * replaces is freed by a short-lived child process, not by a thread its exit
 * would wait for (see export.c). */
void atomic_release_in_child(void);
void atomic_abort(struct atomic_file *af);
/* true on ext4 and XFS, where fallocate allocates blocks without writing them */
bool file_blocks_reservable(int fd);

bool export_sqlite(const struct tables *t, const char *path, GError **err);

#endif
