/* test_atomic_file.c - the output files every writer uses (export/export.h):
 * past `stream_from` bytes, atomic_wrote writes what was written out and
 * drops it from the page cache a step at a time.  Whatever it streams out,
 * the committed file holds every byte written, in order; an export smaller
 * than stream_from is left alone (no step handled). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "export/export.h"

#define STEP ((uint64_t)64 << 10)
#define TOTAL ((size_t)(1 << 20) + 123)
#define PIECE 1000

/* a pattern no two nearby pieces share: a shifted or lost step shows */
static void fill(guint8 *buf, size_t n)
{
	guint32 x = 2463534242u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		buf[i] = (guint8)x;
	}
}

/* writes TOTAL bytes to a new file, PIECE at a time as the exporter does,
 * with the given thresholds (0, 0: the defaults); returns the steps handled */
static uint64_t write_file(const char *path, const guint8 *data, uint64_t from, uint64_t step)
{
	struct atomic_file af;
	GError *err = NULL;
	g_assert_true(atomic_open(&af, path, &err));
	g_assert_no_error(err);
	if (step) {
		af.stream_from = from;
		af.stream_step = step;
	}
	for (size_t off = 0; off < TOTAL; off += PIECE) {
		size_t n = MIN((size_t)PIECE, TOTAL - off);
		g_assert_cmpuint(fwrite(data + off, 1, n, af.fp), ==, n);
		atomic_wrote(&af, n);
	}
	uint64_t steps = af.streamed_steps;
	g_assert_true(atomic_commit(&af, &err));
	g_assert_no_error(err);
	return steps;
}

static void check_content(const char *path, const guint8 *data)
{
	gchar *got = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &got, &len, NULL));
	g_assert_cmpuint(len, ==, TOTAL);
	g_assert_true(memcmp(got, data, TOTAL) == 0);
	g_free(got);
}

struct fixture {
	gchar *dir, *path;
	guint8 *data;
};

static void setup(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	f->dir = g_dir_make_tmp("atomic-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
	f->path = g_build_filename(f->dir, "out.csv", NULL);
	f->data = g_malloc(TOTAL);
	fill(f->data, TOTAL);
}

static void teardown(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	g_unlink(f->path);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
	g_free(f->data);
}

/* streaming from the first byte: every step of the file handled, the steps
 * 0 to TOTAL / STEP, and not a byte lost or moved */
static void test_stream_all(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	g_assert_cmpuint(write_file(f->path, f->data, 0, STEP), ==, TOTAL / STEP + 1);
	check_content(f->path, f->data);
}

/* from 512 KiB on: the steps from the one being filled then (8) to the last */
static void test_stream_from(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	g_assert_cmpuint(write_file(f->path, f->data, 512 << 10, STEP), ==, TOTAL / STEP + 1 - 8);
	check_content(f->path, f->data);
}

/* the defaults: a 1 MiB file is far below ATOMIC_STREAM_FROM */
static void test_small_untouched(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	g_assert_cmpuint(ATOMIC_STREAM_FROM, >, TOTAL);
	g_assert_cmpuint(write_file(f->path, f->data, 0, 0), ==, 0);
	check_content(f->path, f->data);
}

/* replacing a file: the new content, streamed, replaces the old whole */
static void test_stream_replaces(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	g_assert_true(g_file_set_contents(f->path, "old\n", -1, NULL));
	write_file(f->path, f->data, 0, STEP);
	check_content(f->path, f->data);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/atomic/stream/all", struct fixture, NULL, setup, test_stream_all, teardown);
	g_test_add("/atomic/stream/from", struct fixture, NULL, setup, test_stream_from, teardown);
	g_test_add("/atomic/stream/small-untouched", struct fixture, NULL, setup, test_small_untouched, teardown);
	g_test_add("/atomic/stream/replaces", struct fixture, NULL, setup, test_stream_replaces, teardown);
	return g_test_run();
}
