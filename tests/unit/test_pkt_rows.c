/* test_pkt_rows.c - the packet rows' memory (table/pkt_rows.h): the
 * process's own, or a shared mapping of a file whose pages are in memory.
 * Rows written through the mapping are the file's bytes (read back with
 * pread); growing, fitting and detaching keep every row; a file that is new,
 * not long enough, whose pages are not in memory, or that cannot grow leaves
 * the rows the process's own, with nothing lost.  A window in a ring
 * (util/vring.h) keeps its rows contiguous and in order lap after lap, and
 * through growing. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "table/pkt_rows.h"

#define ROW 64u
#define OFFSET 4096u

static char *tmp_dir;

/* a file of `bytes` (written: its pages in the page cache), open read-write */
static int file_of(const char *name, size_t bytes)
{
	char *path = g_build_filename(tmp_dir, name, NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	g_assert_cmpint(fd, >=, 0);
	if (bytes) {
		uint8_t *junk = g_malloc(bytes);
		memset(junk, 0xee, bytes);
		g_assert_cmpint(pwrite(fd, junk, bytes, 0), ==, (ssize_t)bytes);
		g_free(junk);
	}
	g_free(path);
	return fd;
}

static size_t page_up_test(size_t n)
{
	size_t p = (size_t)sysconf(_SC_PAGESIZE);
	return (n + p - 1) / p * p;
}

/* n rows, row i's bytes a pattern of i and `seed` */
static void fill(struct pkt_rows *r, guint from, guint to, uint8_t seed)
{
	for (guint i = from; i < to; i++)
		for (guint k = 0; k < ROW; k++)
			r->data[(size_t)i * ROW + k] = (gchar)(i * 31 + k + seed);
}

static void assert_rows(const uint8_t *p, guint from, guint to, uint8_t seed)
{
	for (guint i = from; i < to; i++)
		for (guint k = 0; k < ROW; k++)
			if (p[(size_t)i * ROW + k] != (uint8_t)(i * 31 + k + seed))
				g_error("row %u byte %u: %u", i, k, p[(size_t)i * ROW + k]);
}

static void assert_file_rows(int fd, guint n, uint8_t seed)
{
	uint8_t *back = g_malloc((size_t)n * ROW);
	g_assert_cmpint(pread(fd, back, (size_t)n * ROW, OFFSET), ==, (ssize_t)n * ROW);
	assert_rows(back, 0, n, seed);
	g_free(back);
}

/* a table of 100 own rows given fd (every reservation of a row or more maps it) */
static struct pkt_rows *rows_with_file(int fd)
{
	g_setenv("MPTCPANALYZER_ROWS_IN_FILE", "1", TRUE);
	struct pkt_rows *r = pkt_rows_new(ROW, 100);
	pkt_rows_set_len(r, 100);
	fill(r, 0, 100, 7);
	g_assert_true(pkt_rows_use_file(r, fd, OFFSET));
	return r;
}

static void test_own(void)
{
	struct pkt_rows *r = pkt_rows_new(ROW, 16);
	for (guint i = 0; i < 5000; i++) {
		if (r->len >= r->room)
			pkt_rows_grow(r);
		r->len++;
		fill(r, i, i + 1, 3);
	}
	g_assert_cmpuint(r->room, >=, 5000);
	assert_rows((uint8_t *)r->data, 0, 5000, 3);
	pkt_rows_remove_front(r, 1000);
	g_assert_cmpuint(r->len, ==, 4000);
	for (guint k = 0; k < ROW; k++) /* row 1000 is first */
		g_assert_cmpuint((uint8_t)r->data[k], ==, (uint8_t)(1000 * 31 + k + 3));
	uint64_t off;
	g_assert_cmpint(pkt_rows_file(r, &off), ==, -1);
	g_assert_false(pkt_rows_use_file(r, -1, OFFSET));
	pkt_rows_free(r);
}

/* the rows in the file: written through the mapping, grown, fitted, detached */
static void test_in_file(void)
{
	int fd = file_of("in-file", OFFSET + 400 * ROW);
	struct pkt_rows *r = rows_with_file(fd);
	g_assert_false(pkt_rows_use_file(r, fd, OFFSET)); /* once */
	pkt_rows_reserve(r, 300);
	g_assert_cmpuint(r->mapped, >, 0);
	g_assert_cmpuint(r->room, ==, 300);
	uint64_t off = 0;
	int mine = pkt_rows_file(r, &off);
	g_assert_cmpint(mine, >=, 0);
	g_assert_cmpint(mine, !=, fd); /* its own descriptor */
	g_assert_cmpuint(off, ==, OFFSET);
	pkt_rows_set_len(r, 300);
	fill(r, 100, 300, 7);
	assert_file_rows(fd, 300, 7); /* the first 100 copied in, the rest written in place */
	/* past the file's end: it grows (its blocks allocated), the rows stay */
	pkt_rows_reserve(r, 5000);
	g_assert_cmpuint(r->mapped, >, 0);
	struct stat st;
	g_assert_cmpint(fstat(fd, &st), ==, 0);
	g_assert_cmpint(st.st_size, >=, OFFSET + 5000 * ROW);
	pkt_rows_set_len(r, 5000);
	fill(r, 300, 5000, 7);
	assert_file_rows(fd, 5000, 7);
	pkt_rows_fit(r);
	g_assert_cmpuint(r->mapped, <, (size_t)5000 * ROW + 2 * (size_t)sysconf(_SC_PAGESIZE));
	g_assert_cmpuint(r->room, >=, 5000);
	g_assert_cmpint(ftruncate(fd, OFFSET + 5000 * ROW), ==, 0); /* what the cache then does */
	assert_rows((uint8_t *)r->data, 0, 5000, 7);
	/* own again: the rows kept, the file no longer theirs (cut, they stay) */
	pkt_rows_detach(r);
	g_assert_cmpuint(r->mapped, ==, 0);
	g_assert_cmpint(pkt_rows_file(r, &off), ==, -1);
	g_assert_cmpint(ftruncate(fd, 0), ==, 0);
	assert_rows((uint8_t *)r->data, 0, 5000, 7);
	pkt_rows_free(r);
	close(fd);
}

/* under MPTCPANALYZER_ROWS_IN_FILE's bytes, or with it 0, the rows stay own */
static void test_threshold(void)
{
	int fd = file_of("threshold", OFFSET + 400 * ROW);
	struct pkt_rows *r = rows_with_file(fd);
	g_setenv("MPTCPANALYZER_ROWS_IN_FILE", "20000", TRUE);
	pkt_rows_reserve(r, 300); /* 19,200 bytes */
	g_assert_cmpuint(r->mapped, ==, 0);
	pkt_rows_reserve(r, 320); /* 20,480 */
	g_assert_cmpuint(r->mapped, >, 0);
	pkt_rows_free(r);
	r = rows_with_file(fd);
	g_setenv("MPTCPANALYZER_ROWS_IN_FILE", "0", TRUE);
	pkt_rows_reserve(r, 1u << 20);
	g_assert_cmpuint(r->mapped, ==, 0);
	assert_rows((uint8_t *)r->data, 0, 100, 7);
	pkt_rows_free(r);
	close(fd);
}

/* a new file, or one whose pages would mostly be new: the rows stay own, and
 * the file is not tried again */
static void test_new_file(void)
{
	int fd = file_of("new", 0);
	struct pkt_rows *r = rows_with_file(fd);
	pkt_rows_reserve(r, 300);
	g_assert_cmpuint(r->mapped, ==, 0);
	uint64_t off;
	g_assert_cmpint(pkt_rows_file(r, &off), ==, -1);
	g_assert_cmpint(r->fd, ==, -1); /* let go */
	assert_rows((uint8_t *)r->data, 0, 100, 7);
	pkt_rows_free(r);
	close(fd);
	/* the file holds less than half of the rows reserved: not enough */
	fd = file_of("half", OFFSET + 2000 * ROW);
	r = rows_with_file(fd);
	pkt_rows_reserve(r, 4160);
	g_assert_cmpuint(r->mapped, ==, 0);
	pkt_rows_free(r);
	/* half: enough (the rest of the reservation may never be written) */
	r = rows_with_file(fd);
	pkt_rows_reserve(r, 3900);
	g_assert_cmpuint(r->mapped, >, 0);
	pkt_rows_free(r);
	close(fd);
}

/* pages on the disk, not in memory: the first write would read each back */
/* pages of fd in memory, of its first `bytes` */
static size_t pages_in(int fd, size_t bytes)
{
	size_t pages = (bytes + (size_t)sysconf(_SC_PAGESIZE) - 1) / (size_t)sysconf(_SC_PAGESIZE), in = 0;
	void *look = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
	g_assert_true(look != MAP_FAILED);
	unsigned char *vec = g_malloc(pages);
	g_assert_cmpint(mincore(look, bytes, vec), ==, 0);
	for (size_t i = 0; i < pages; i++)
		in += vec[i] & 1;
	g_free(vec);
	munmap(look, bytes);
	return in;
}

/* Pages on the disk, not in memory: the first write would read each back.
 * All of them, or 2/16 of the rows' (under nine tenths in memory): not
 * mapped; 1/16 of them: mapped.  A file of more than 4,096 pages is judged
 * by runs of pages spread over it: the same answers. */
static void pages_on_disk(guint n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), rows_bytes = (size_t)n * ROW, bytes = OFFSET + rows_bytes;
	int fd = file_of("on-disk", bytes);
	g_assert_cmpint(fdatasync(fd), ==, 0);
	g_assert_cmpint(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), ==, 0);
	if (pages_in(fd, bytes) * 4 >= bytes / page) { /* tmpfs: its pages are the file */
		close(fd);
		g_test_skip("the file's pages stay in memory here (tmpfs?)");
		return;
	}
	struct pkt_rows *r = rows_with_file(fd);
	pkt_rows_reserve(r, n);
	g_assert_cmpuint(r->mapped, ==, 0);
	assert_rows((uint8_t *)r->data, 0, 100, 7);
	pkt_rows_free(r);
	for (int out = 2; out >= 1; out--) {
		uint8_t *all = g_malloc(bytes);
		g_assert_cmpint(pread(fd, all, bytes, 0), ==, (ssize_t)bytes); /* all in memory again */
		g_free(all);
		g_assert_cmpint(posix_fadvise(fd, OFFSET, (off_t)(rows_bytes / 16 * (size_t)out), POSIX_FADV_DONTNEED), ==, 0);
		g_assert_cmpuint(pages_in(fd, bytes), ==, bytes / page - rows_bytes / 16 * (size_t)out / page);
		r = rows_with_file(fd);
		pkt_rows_reserve(r, n);
		g_assert_cmpuint(r->mapped, ==, out == 2 ? 0 : page_up_test((size_t)n * ROW));
		assert_rows((uint8_t *)r->data, 0, 100, 7);
		pkt_rows_free(r);
	}
	close(fd);
}

static void test_pages_on_disk(void)
{
	pages_on_disk(4096);
}

/* 18.75 MiB of rows: 4,800 pages, judged by sampling */
static void test_pages_on_disk_sampled(void)
{
	pages_on_disk(300 * 1024);
}

/* the file cannot take the rows (RLIMIT_FSIZE: fallocate fails), at the
 * mapping or at a growth: the rows go on in the process's memory */
static void test_no_room(void)
{
	struct rlimit old;
	g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &old), ==, 0);
	signal(SIGXFSZ, SIG_IGN);
	int fd = file_of("no-room", OFFSET + 400 * ROW);
	struct rlimit small = { OFFSET + 500 * ROW, old.rlim_max };
	g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &small), ==, 0);
	struct pkt_rows *r = rows_with_file(fd);
	pkt_rows_reserve(r, 400);
	g_assert_cmpuint(r->mapped, >, 0);
	pkt_rows_set_len(r, 400);
	fill(r, 100, 400, 7);
	pkt_rows_reserve(r, 1000); /* past the limit */
	g_assert_cmpuint(r->mapped, ==, 0);
	g_assert_cmpuint(r->room, ==, 1000);
	assert_rows((uint8_t *)r->data, 0, 400, 7);
	pkt_rows_free(r);
	/* and at the mapping */
	r = rows_with_file(fd);
	pkt_rows_reserve(r, 1000);
	g_assert_cmpuint(r->mapped, ==, 0);
	assert_rows((uint8_t *)r->data, 0, 100, 7);
	pkt_rows_free(r);
	g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &old), ==, 0);
	signal(SIGXFSZ, SIG_DFL);
	close(fd);
}

/* a cache read: the rows a private mapping of the file, written to without
 * changing it, held with a shared lock; not mapped while a writer holds it */
static void test_map_file(void)
{
	int fd = file_of("map", OFFSET + 3000 * ROW);
	{ /* the rows as a writer would have put them */
		struct pkt_rows *w = pkt_rows_new(ROW, 3000);
		pkt_rows_set_len(w, 3000);
		fill(w, 0, 3000, 5);
		g_assert_cmpint(pwrite(fd, w->data, 3000 * ROW, OFFSET), ==, 3000 * ROW);
		pkt_rows_free(w);
	}
	g_setenv("MPTCPANALYZER_ROWS_IN_FILE", "1", TRUE);
	/* as a cache reader: a descriptor of its own, closed once the rows are mapped */
	char *path = g_build_filename(tmp_dir, "map", NULL);
	int rd = open(path, O_RDONLY | O_CLOEXEC);
	struct pkt_rows *r = pkt_rows_new(ROW, 16);
	g_assert_false(pkt_rows_map_file(r, rd, OFFSET + 64, 3000)); /* not page aligned */
	g_assert_true(pkt_rows_map_file(r, rd, OFFSET, 3000));
	close(rd);
	g_assert_cmpuint(r->len, ==, 3000);
	g_assert_cmpuint(r->mapped, >, 0);
	g_assert_false(r->shared);
	uint64_t off;
	g_assert_cmpint(pkt_rows_file(r, &off), ==, -1); /* not a file to write the rows into */
	assert_rows((uint8_t *)r->data, 0, 3000, 5);
	r->data[17 * ROW] ^= 1; /* the process's own copy of that page */
	assert_file_rows(fd, 3000, 5);
	/* a writer cannot take the file meanwhile */
	int other = open(path, O_RDWR | O_CLOEXEC);
	g_assert_cmpint(flock(other, LOCK_EX | LOCK_NB), !=, 0);
	/* growing: the rows become the process's own, the file untouched */
	pkt_rows_reserve(r, 5000);
	g_assert_cmpuint(r->mapped, ==, 0);
	g_assert_cmpuint((uint8_t)r->data[17 * ROW], ==, (uint8_t)((17 * 31 + 5) ^ 1));
	r->data[17 * ROW] ^= 1;
	assert_rows((uint8_t *)r->data, 0, 3000, 5);
	pkt_rows_free(r);
	/* the lock went with the rows; a writer holding it keeps the next reader off */
	g_assert_cmpint(flock(other, LOCK_EX | LOCK_NB), ==, 0);
	r = pkt_rows_new(ROW, 16);
	g_assert_false(pkt_rows_map_file(r, fd, OFFSET, 3000));
	g_assert_cmpuint(r->len, ==, 0);
	/* under the threshold: not mapped */
	flock(other, LOCK_UN);
	g_setenv("MPTCPANALYZER_ROWS_IN_FILE", "0", TRUE);
	g_assert_false(pkt_rows_map_file(r, fd, OFFSET, 3000));
	pkt_rows_free(r);
	close(other);
	g_free(path);
	close(fd);
}

/* the ring itself: its second copy is its first */
static void test_vring(void)
{
	struct vring v;
	g_assert_true(vring_map(&v, 5000, false));
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	g_assert_cmpuint(v.bytes, ==, page_up_test(5000));
	g_assert_cmpuint(v.bytes % page, ==, 0);
	v.base[0] = 'a';
	v.base[v.bytes - 1] = 'z';
	g_assert_cmpint(v.base[v.bytes], ==, 'a');
	g_assert_cmpint(v.base[2 * v.bytes - 1], ==, 'z');
	v.base[v.bytes + 1] = 'b'; /* through the second copy */
	g_assert_cmpint(v.base[1], ==, 'b');
	g_assert_true(vring_wrap(&v, v.base + v.bytes + 7) == v.base + 7);
	g_assert_true(vring_wrap(&v, v.base + 7) == v.base + 7);
	vring_unmap(&v);
	g_assert_null(v.base);
	g_assert_false(vring_map(&v, 0, false));
}

/* rows pushed at the end and dropped at the front for several laps, then
 * more rows than the ring holds (it grows, by a copy) */
static void test_ring(void)
{
	struct pkt_rows *r = pkt_rows_new(ROW, 16);
	g_assert_true(pkt_rows_make_ring(r, 1000));
	g_assert_false(pkt_rows_make_ring(r, 1000)); /* one ring */
	g_assert_nonnull(r->ring.base);
	guint room = r->room;
	g_assert_cmpuint(room, >=, 1000);
	g_assert_cmpuint(room, ==, r->ring.bytes / ROW);
	guint first = 0; /* the row number of data[0] */
	for (guint i = 0; i < 10 * room; i++) {
		if (r->len >= r->room)
			pkt_rows_grow(r);
		r->len++;
		for (guint k = 0; k < ROW; k++) /* row i at index i - first */
			r->data[(size_t)(r->len - 1) * ROW + k] = (gchar)(i * 31 + k + 5);
		if (r->len == 900) { /* a window of 900 to 100 rows */
			assert_rows((uint8_t *)r->data - (size_t)first * ROW, first, first + r->len, 5);
			pkt_rows_remove_front(r, 800);
			first += 800;
		}
	}
	g_assert_cmpuint(r->room, ==, room); /* never grown: never full */
	g_assert_true(r->data >= r->ring.base && r->data < r->ring.base + r->ring.bytes);
	assert_rows((uint8_t *)r->data - (size_t)first * ROW, first, first + r->len, 5);
	/* fuller than the ring: grown, every row kept in order */
	guint len0 = r->len;
	while (r->len < 3 * room) {
		if (r->len >= r->room)
			pkt_rows_grow(r);
		guint i = first + r->len;
		r->len++;
		for (guint k = 0; k < ROW; k++)
			r->data[(size_t)(r->len - 1) * ROW + k] = (gchar)(i * 31 + k + 5);
	}
	g_assert_cmpuint(r->len, >, len0);
	g_assert_cmpuint(r->room, >=, 3 * room);
	g_assert_nonnull(r->ring.base);
	assert_rows((uint8_t *)r->data - (size_t)first * ROW, first, first + r->len, 5);
	pkt_rows_remove_front(r, r->len); /* all of them */
	g_assert_cmpuint(r->len, ==, 0);
	/* a ring takes no file */
	g_assert_false(pkt_rows_use_file(r, 0, OFFSET));
	pkt_rows_free(r);
}

/* no ring with rows already there, or when turned off */
static void test_no_ring(void)
{
	struct pkt_rows *r = pkt_rows_new(ROW, 16);
	pkt_rows_set_len(r, 1);
	g_assert_false(pkt_rows_make_ring(r, 1000));
	g_assert_null(r->ring.base);
	pkt_rows_free(r);
	g_setenv("MPTCPANALYZER_VRING", "0", TRUE);
	r = pkt_rows_new(ROW, 16);
	g_assert_false(pkt_rows_make_ring(r, 1000));
	g_assert_null(r->ring.base);
	pkt_rows_free(r);
	g_unsetenv("MPTCPANALYZER_VRING");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tmp_dir = g_dir_make_tmp("test_pkt_rows-XXXXXX", NULL);
	g_assert_nonnull(tmp_dir);
	g_test_add_func("/pkt-rows/own", test_own);
	g_test_add_func("/pkt-rows/in-file", test_in_file);
	g_test_add_func("/pkt-rows/threshold", test_threshold);
	g_test_add_func("/pkt-rows/new-file", test_new_file);
	g_test_add_func("/pkt-rows/pages-on-disk", test_pages_on_disk);
	g_test_add_func("/pkt-rows/pages-on-disk-sampled", test_pages_on_disk_sampled);
	g_test_add_func("/pkt-rows/no-room", test_no_room);
	g_test_add_func("/pkt-rows/map-file", test_map_file);
	g_test_add_func("/pkt-rows/vring", test_vring);
	g_test_add_func("/pkt-rows/ring", test_ring);
	g_test_add_func("/pkt-rows/no-ring", test_no_ring);
	int rc = g_test_run();
	const char *names[] = { "in-file", "threshold", "new", "half", "on-disk", "no-room", "map" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char *p = g_build_filename(tmp_dir, names[i], NULL);
		g_unlink(p);
		g_free(p);
	}
	g_rmdir(tmp_dir);
	return rc;
}
