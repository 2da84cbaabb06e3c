/* test_atomic_file.c - the output files every writer uses (export/export.h):
 * past `stream_from` bytes, atomic_wrote writes what was written out and
 * drops it from the page cache a step at a time.  Whatever it streams out,
 * the committed file holds every byte written, in order; an export smaller
 * than stream_from is left alone (no step handled).  atomic_write hands the
 * bytes past stream_from to the O_DIRECT writer (export/direct_out.h): the
 * same bytes, none of them left in the page cache, and a rewind, an abort
 * or a failed write handled. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
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

static void check_bytes(const char *path, const guint8 *data, size_t n)
{
	gchar *got = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &got, &len, NULL));
	g_assert_cmpuint(len, ==, n);
	g_assert_true(memcmp(got, data, n) == 0);
	g_free(got);
}

static void check_content(const char *path, const guint8 *data)
{
	check_bytes(path, data, TOTAL);
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

/* ---------------------------------------------------------------- direct */

#define BIG ((size_t)(19 << 20) + 4321) /* more than the direct writer's buffers hold */

/* writes n bytes of data with atomic_write in pieces of the sizes given in
 * turn (the direct writer past `from`) */
static void write_pieces(struct atomic_file *af, const guint8 *data, size_t n, const size_t *sizes, size_t n_sizes)
{
	for (size_t off = 0, k = 0; off < n; k++) {
		size_t piece = MIN(sizes[k % n_sizes], n - off);
		atomic_write(af, data + off, piece);
		off += piece;
	}
}

static void open_direct(struct atomic_file *af, const char *path, uint64_t from)
{
	GError *err = NULL;
	g_assert_true(atomic_open(af, path, &err));
	g_assert_no_error(err);
	af->stream_from = from;
	af->stream_step = STEP;
}

/* pages of [from, to) of the file in the page cache */
static size_t resident_pages(const char *path, size_t from, size_t to)
{
	FILE *f = fopen(path, "rb");
	g_assert_nonnull(f);
	long page = sysconf(_SC_PAGESIZE);
	void *map = mmap(NULL, to, PROT_READ, MAP_SHARED, fileno(f), 0);
	g_assert_true(map != MAP_FAILED);
	size_t pages = (to + (size_t)page - 1) / (size_t)page;
	unsigned char *vec = g_malloc(pages);
	g_assert_cmpint(mincore(map, to, vec), ==, 0);
	size_t n = 0;
	for (size_t i = from / (size_t)page; i < pages; i++)
		n += vec[i] & 1;
	g_free(vec);
	munmap(map, to);
	fclose(f);
	return n;
}

/* on ext4 and XFS (which take O_DIRECT) the bytes past the block the switch
 * fell in went around the page cache */
static void check_not_cached(const char *path, size_t switched_at, size_t n)
{
	FILE *f = fopen(path, "rb");
	bool direct_fs = f && file_blocks_reservable(fileno(f));
	if (f)
		fclose(f);
	if (!direct_fs) {
		g_test_message("not ext4 or XFS: the page cache is not looked at");
		return;
	}
	size_t from = (switched_at / 4096 + 1) * 4096;
	g_assert_cmpuint(resident_pages(path, from, n), ==, 0);
}

/* from an unaligned offset on, in pieces smaller and larger than a buffer:
 * every byte in place, the part past the switch out of the page cache */
static void test_direct_bytes(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	guint8 *data = g_malloc(BIG);
	fill(data, BIG);
	const size_t sizes[] = { 1000, 1, 4097, (size_t)5 << 20, 65536, 777 };
	struct atomic_file af;
	open_direct(&af, f->path, 300001);
	write_pieces(&af, data, BIG, sizes, G_N_ELEMENTS(sizes));
	/* the switch came with the write that crossed 300001: the fourth piece,
	 * from 1000 + 1 + 4097 = 5098 on */
	g_assert_cmpuint(af.direct_bytes, ==, BIG - 5098);
	g_assert_cmpuint(af.streamed_steps, ==, 0);
	GError *err = NULL;
	g_assert_true(atomic_commit(&af, &err));
	g_assert_no_error(err);
	check_not_cached(f->path, 5098, BIG);
	check_bytes(f->path, data, BIG);
	g_free(data);
}

/* the direct writer from the first byte, a file shorter than a block */
static void test_direct_tiny(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	struct atomic_file af;
	open_direct(&af, f->path, 0);
	atomic_write(&af, "a,b\n", 4);
	atomic_write(&af, "1,2\n", 4);
	g_assert_cmpuint(af.direct_bytes, ==, 8);
	GError *err = NULL;
	g_assert_true(atomic_commit(&af, &err));
	g_assert_no_error(err);
	check_bytes(f->path, (const guint8 *)"a,b\n1,2\n", 8);
}

/* emptied while the direct writer has buffers in flight, then written again:
 * only the second content, and its length */
static void test_direct_rewind(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	guint8 *data = g_malloc(BIG);
	fill(data, BIG);
	const size_t sizes[] = { 1 << 20 };
	struct atomic_file af;
	open_direct(&af, f->path, 1000);
	write_pieces(&af, data, BIG, sizes, 1);
	g_assert_true(atomic_rewind(&af));
	g_assert_cmpuint(af.written, ==, 0);
	write_pieces(&af, f->data, TOTAL, (const size_t[]){ PIECE }, 1);
	g_assert_cmpuint(af.direct_bytes, >, BIG);
	GError *err = NULL;
	g_assert_true(atomic_commit(&af, &err));
	g_assert_no_error(err);
	check_content(f->path, f->data);
	g_free(data);
}

/* aborted with buffers in flight: the file it would have replaced stays */
static void test_direct_abort(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	g_assert_true(g_file_set_contents(f->path, "old\n", -1, NULL));
	guint8 *data = g_malloc(BIG);
	fill(data, BIG);
	struct atomic_file af;
	open_direct(&af, f->path, 0);
	write_pieces(&af, data, BIG, (const size_t[]){ 3 << 20 }, 1);
	atomic_abort(&af);
	check_bytes(f->path, (const guint8 *)"old\n", 4);
	GDir *dir = g_dir_open(f->dir, 0, NULL);
	guint entries = 0;
	while (g_dir_read_name(dir))
		entries++;
	g_dir_close(dir);
	g_assert_cmpuint(entries, ==, 1); /* no temporary file left */
	g_free(data);
}

/* a write the system refuses (here the file size limit, as a full disk
 * would): the commit fails, and the file it would have replaced stays */
static void test_direct_write_fails(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	if (g_test_subprocess()) {
		g_assert_true(g_file_set_contents(f->path, "old\n", -1, NULL));
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { (rlim_t)8 << 20, (rlim_t)8 << 20 };
		g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &rl), ==, 0);
		guint8 *data = g_malloc(BIG);
		fill(data, BIG);
		struct atomic_file af;
		open_direct(&af, f->path, 1 << 20);
		write_pieces(&af, data, BIG, (const size_t[]){ 65536 }, 1);
		GError *err = NULL;
		g_assert_false(atomic_commit(&af, &err));
		g_assert_nonnull(err);
		g_assert_nonnull(strstr(err->message, "write failed"));
		g_error_free(err);
		check_bytes(f->path, (const guint8 *)"old\n", 4);
		g_free(data);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

/* writes TOTAL bytes with atomic_write after atomic_expect(expected);
 * returns the bytes that went to the direct writer (the file is not read) */
static uint64_t write_expecting(const char *path, const guint8 *data, uint64_t expected)
{
	struct atomic_file af;
	GError *err = NULL;
	g_assert_true(atomic_open(&af, path, &err));
	g_assert_no_error(err);
	atomic_expect(&af, expected);
	write_pieces(&af, data, TOTAL, (const size_t[]){ PIECE }, 1);
	uint64_t direct = af.direct_bytes;
	g_assert_true(atomic_commit(&af, &err));
	g_assert_no_error(err);
	return direct;
}

/* an export expected to reach stream_from (the default, or
 * MPTCPANALYZER_STREAM_FROM) goes direct from its first byte; one expected
 * smaller keeps the threshold */
static void test_expect(struct fixture *f, gconstpointer unused)
{
	(void)unused;
	g_assert_cmpuint(write_expecting(f->path, f->data, ATOMIC_STREAM_FROM), ==, TOTAL);
	check_not_cached(f->path, 0, TOTAL);
	check_content(f->path, f->data);
	g_assert_cmpuint(write_expecting(f->path, f->data, ATOMIC_STREAM_FROM - 1), ==, 0);
	check_content(f->path, f->data);
	g_setenv("MPTCPANALYZER_STREAM_FROM", "500000", TRUE);
	g_assert_cmpuint(write_expecting(f->path, f->data, 500000), ==, TOTAL);
	/* from the piece that crosses 500000 on: 500 pieces before it */
	g_assert_cmpuint(write_expecting(f->path, f->data, 499999), ==, TOTAL - 500 * PIECE);
	g_unsetenv("MPTCPANALYZER_STREAM_FROM");
	check_content(f->path, f->data);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/atomic/stream/all", struct fixture, NULL, setup, test_stream_all, teardown);
	g_test_add("/atomic/stream/from", struct fixture, NULL, setup, test_stream_from, teardown);
	g_test_add("/atomic/stream/small-untouched", struct fixture, NULL, setup, test_small_untouched, teardown);
	g_test_add("/atomic/stream/replaces", struct fixture, NULL, setup, test_stream_replaces, teardown);
	g_test_add("/atomic/direct/bytes", struct fixture, NULL, setup, test_direct_bytes, teardown);
	g_test_add("/atomic/direct/tiny", struct fixture, NULL, setup, test_direct_tiny, teardown);
	g_test_add("/atomic/direct/rewind", struct fixture, NULL, setup, test_direct_rewind, teardown);
	g_test_add("/atomic/direct/abort", struct fixture, NULL, setup, test_direct_abort, teardown);
	g_test_add("/atomic/direct/expect", struct fixture, NULL, setup, test_expect, teardown);
	g_test_add("/atomic/direct/write-fails", struct fixture, NULL, setup, test_direct_write_fails, teardown);
	return g_test_run();
}
