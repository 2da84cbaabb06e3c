/* fuzz_common.h - helpers shared by the libFuzzer targets of tests/fuzz.
 *
 * The loaders take a path, so a target writes its input to an anonymous
 * memory file (memfd) and hands over "/proc/self/fd/N": no disk, no source
 * change.  After a successful load every export column is formatted for
 * every row, and the text exporters write the whole table to stdout, which
 * fuzz_init() points at /dev/null, so the formatting code is fuzzed too.
 *
 * Every target is also linked with replay_main.c (without libFuzzer) into a
 * regression test that runs each file of its corpus once.
 */
#ifndef MPTCPA_FUZZ_COMMON_H
#define MPTCPA_FUZZ_COMMON_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib.h>

#include "export/columns.h"
#include "export/export.h"
#include "table/tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An anonymous in-memory file and the path that opens it again. */
struct memfile {
	int fd;
	char path[64];
};

static inline void memfile_init(struct memfile *m, const char *name)
{
	m->fd = memfd_create(name, 0);
	if (m->fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(m->path, sizeof m->path, "/proc/self/fd/%d", m->fd);
}

/* replaces the file's content with data */
static inline void memfile_set(struct memfile *m, const uint8_t *data, size_t size)
{
	if (ftruncate(m->fd, 0) != 0)
		abort();
	size_t done = 0;
	while (done < size) {
		ssize_t n = pwrite(m->fd, data + done, size - done, (off_t)done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
}

static void fuzz_discard(const gchar *msg)
{
	(void)msg;
}

/* stdout to /dev/null: the exporters write there, libFuzzer uses stderr;
 * g_printerr() (the exporters' warnings) is silenced */
static inline void fuzz_init(void)
{
	int null = open("/dev/null", O_WRONLY);
	if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
		abort();
	close(null);
	g_set_printerr_handler(fuzz_discard);
}

/* Formats every column (default and opt-in) of every row, then runs the CSV,
 * TSV and JSON lines writers over the whole table. */
static inline void fuzz_format_tables(const struct tables *t)
{
	size_t n;
	const struct column *cols = columns_all(&n);
	GString *v = g_string_sized_new(128);
	struct row_store s;
	row_store_init(&s);
	for (uint32_t row = t->pkt_base; row < tables_n_pkts(t); row++) {
		struct row_ctx r;
		row_ctx_init(&r, t, row, NULL, &s);
		for (size_t i = 0; i < n; i++) {
			g_string_truncate(v, 0);
			column_append(&cols[i], &r, v);
		}
	}
	row_store_free(&s);
	g_string_free(v, TRUE);

	GPtrArray *all = g_ptr_array_new();
	for (size_t i = 0; i < n; i++)
		g_ptr_array_add(all, (gpointer)&cols[i]);
	static const enum export_format formats[] = { EXP_CSV, EXP_TSV, EXP_JSONL };
	for (size_t f = 0; f < G_N_ELEMENTS(formats); f++) {
		struct export_opts o = { .format = formats[f], .delimiter = ';', .tshark_names = f == 1, .columns = all };
		GError *err = NULL;
		export_tables(t, "-", &o, &err);
		g_clear_error(&err);
	}
	g_ptr_array_unref(all);
}

#endif
