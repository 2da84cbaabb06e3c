/* pkt_rows.c - the packet rows' memory: the process's own, or a shared
 * mapping of the cache file (see pkt_rows.h).
 *
 * Measured on the bench VM, 313 MB written a row at a time: new memory in 4
 * KiB pages 115 to 150 ms (and 17 ms to unmap), in huge pages 32 ms when the
 * host backs them at once and 680 ms when it does not; a shared mapping of a
 * file whose pages are in the page cache 25 ms (5 ms to unmap), and nothing
 * to copy into the cache afterwards.  Reading a cache maps its rows the same
 * way, privately. */
#include "table/pkt_rows.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/array.h"
#include "util/hugeheap.h"

struct pkt_rows *pkt_rows_new(guint row_size, guint room)
{
	struct pkt_rows *r = g_new0(struct pkt_rows, 1);
	r->row_size = row_size;
	r->fd = -1;
	r->data = g_malloc((size_t)room * row_size);
	r->room = room;
	return r;
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t page_up(size_t n)
{
	size_t p = page_size();
	return (n + p - 1) / p * p;
}

/* lets go of the file (the rows are not mapped from it) */
static void drop_file(struct pkt_rows *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void pkt_rows_free(struct pkt_rows *r)
{
	if (!r)
		return;
	if (r->ring.base)
		vring_unmap(&r->ring);
	else if (r->mapped)
		munmap(r->data, r->mapped);
	else
		g_free(r->data);
	drop_file(r);
	g_free(r);
}

/* own memory for n rows, the rows copied; the mapping let go */
static void to_own(struct pkt_rows *r, guint n)
{
	gchar *own = g_malloc((size_t)n * r->row_size);
	memcpy(own, r->data, (size_t)r->len * r->row_size);
	munmap(r->data, r->mapped);
	r->data = own;
	r->mapped = 0;
	r->shared = false;
	r->room = n;
	drop_file(r);
}

void pkt_rows_detach(struct pkt_rows *r)
{
	if (r->mapped)
		to_own(r, MAX(r->len, 1));
	drop_file(r);
}

/* The file's pages where the rows go are in memory: it holds at least half
 * of the `bytes` reserved (a reservation is an estimate, and the rows of a
 * cache of the same capture, written again, end where they ended), and at
 * least nine tenths of its pages there are in memory.  A page not in memory
 * is read from the disk at the first write to it (the kernel cannot know a
 * row will cover it): with 2, 5 and 12% of the 313 MB of a 4.9M-packet cache
 * out of memory, (b) took 0.55, 0.60 and 0.62 s, against 0.67, 0.65 and 0.59
 * s with the rows copied (this VM pages cold page cache out within seconds).
 * A page past the end of the file is new to the page cache, and in a new file
 * each costs more than new memory of the process's (a load of 1.07 to 1.70 s,
 * against 0.58 to 0.69 s with its own memory and the rows copied).  A big
 * file is judged by 256 runs of 16 pages spread over it: mincore() takes
 * about 100 ns a page, and all 77,600 pages of that cache took 8 ms before
 * the loading could go on. */
#define SAMPLE_RUNS 256
#define SAMPLE_RUN_PAGES 16

static bool file_pages_in_memory(const struct pkt_rows *r, void *map, size_t bytes)
{
	struct stat st;
	if (fstat(r->fd, &st) != 0 || (uint64_t)st.st_size <= r->offset)
		return false;
	size_t old = (size_t)MIN((uint64_t)st.st_size - r->offset, (uint64_t)bytes);
	if (old < bytes / 2)
		return false;
	/* a small file whole, as one run */
	size_t pages = page_up(old) / page_size(), in = 0;
	size_t runs = pages <= SAMPLE_RUNS * SAMPLE_RUN_PAGES ? 1 : SAMPLE_RUNS;
	size_t run = runs == 1 ? pages : SAMPLE_RUN_PAGES;
	unsigned char *vec = g_malloc(run);
	bool ok = true;
	for (size_t k = 0; k < runs && ok; k++) {
		size_t first = runs == 1 ? 0 : k * (pages - run) / (runs - 1);
		ok = mincore((uint8_t *)map + first * page_size(), run * page_size(), vec) == 0;
		for (size_t i = 0; ok && i < run; i++)
			in += vec[i] & 1;
	}
	g_free(vec);
	return ok && in * 10 >= runs * run * 9;
}

/* the file's blocks for `bytes` of rows, allocated (and the file that long) */
static bool file_room(const struct pkt_rows *r, size_t bytes)
{
	/* not posix_fallocate: where the file system cannot, it writes zeros */
	int rc;
	do
		rc = fallocate(r->fd, 0, (off_t)r->offset, (off_t)bytes);
	while (rc != 0 && errno == EINTR);
	return rc == 0;
}

/* the rows' bytes from which a file is mapped: PKT_ROWS_FILE_MIN, or
 * MPTCPANALYZER_ROWS_IN_FILE (0: never; the tests map small tables) */
static size_t file_min(void)
{
	const char *v = getenv("MPTCPANALYZER_ROWS_IN_FILE");
	if (!v || !*v)
		return PKT_ROWS_FILE_MIN;
	guint64 n = g_ascii_strtoull(v, NULL, 10);
	return n ? (size_t)n : SIZE_MAX;
}

/* the rows are now `map` (bytes long, room for n rows); the process's own
 * memory they were in is freed */
static void adopt_mapping(struct pkt_rows *r, void *map, size_t bytes, bool shared, guint n)
{
	g_free(r->data);
	r->data = map;
	r->mapped = bytes;
	r->shared = shared;
	r->room = n;
}

/* maps the file for n rows, the rows copied in; false: nothing changed */
static bool to_file(struct pkt_rows *r, guint n)
{
	size_t bytes = page_up((size_t)n * r->row_size);
	void *map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, (off_t)r->offset);
	if (map == MAP_FAILED)
		return false;
	if (!file_pages_in_memory(r, map, bytes) || !file_room(r, bytes)) {
		munmap(map, bytes);
		return false;
	}
	memcpy(map, r->data, (size_t)r->len * r->row_size);
	adopt_mapping(r, map, bytes, true, n);
	return true;
}

/* the mapping grown to n rows; false: nothing changed */
static bool file_grow(struct pkt_rows *r, guint n)
{
	size_t bytes = page_up((size_t)n * r->row_size);
	if (!file_room(r, bytes))
		return false;
	void *map = mremap(r->data, r->mapped, bytes, MREMAP_MAYMOVE);
	if (map == MAP_FAILED)
		return false;
	r->data = map;
	r->mapped = bytes;
	r->room = n;
	return true;
}

/* the rows are now in `ring`, at its start */
static void adopt_ring(struct pkt_rows *r, struct vring ring)
{
	r->ring = ring;
	r->data = ring.base;
	r->room = (guint)MIN(ring.bytes / r->row_size, G_MAXUINT);
}

/* the rows copied into a new ring with room for at least n; false: nothing
 * changed */
static bool to_ring(struct pkt_rows *r, guint n)
{
	struct vring ring;
	if (!vring_map(&ring, (size_t)n * r->row_size, true))
		return false;
	memcpy(ring.base, r->data, (size_t)r->len * r->row_size);
	vring_unmap(&r->ring);
	adopt_ring(r, ring);
	return true;
}

/* the rows moved out of their ring into the process's own memory, room for n */
static void from_ring(struct pkt_rows *r, guint n)
{
	gchar *own = g_malloc((size_t)n * r->row_size);
	memcpy(own, r->data, (size_t)r->len * r->row_size);
	vring_unmap(&r->ring);
	r->data = own;
	r->room = n;
}

void pkt_rows_reserve(struct pkt_rows *r, guint n)
{
	if (n <= r->room)
		return;
	if (r->ring.base) {
		if (!to_ring(r, n))
			from_ring(r, n);
		return;
	}
	guint len = r->len;
	size_t bytes = (size_t)n * r->row_size;
	bool big = r->fd >= 0 && !r->mapped && bytes >= file_min();
	/* a private mapping (a cache read) does not grow with its file */
	bool in_file = r->mapped ? r->shared && file_grow(r, n) : big && to_file(r, n);
	if (!in_file) {
		if (r->mapped) {
			to_own(r, n); /* no more room in the file: the rows go on without it */
		} else {
			if (big)
				drop_file(r); /* not worth it, or not possible: not tried again */
			r->data = g_realloc(r->data, bytes);
			r->room = n;
		}
		hugeheap_advise(); /* the heap may have grown: in huge pages, before it is touched */
	}
	array_note_grown(r->data, len, n, r->row_size);
}

void pkt_rows_grow(struct pkt_rows *r)
{
	pkt_rows_reserve(r, array_grown_room(r->len, r->row_size));
}

void pkt_rows_set_len(struct pkt_rows *r, guint n)
{
	pkt_rows_reserve(r, n);
	r->len = n;
}

void pkt_rows_remove_front(struct pkt_rows *r, guint n)
{
	n = MIN(n, r->len);
	if (r->ring.base) {
		r->data = vring_wrap(&r->ring, r->data + (size_t)n * r->row_size);
		r->len -= n;
		return;
	}
	memmove(r->data, r->data + (size_t)n * r->row_size, (size_t)(r->len - n) * r->row_size);
	r->len -= n;
}

bool pkt_rows_make_ring(struct pkt_rows *r, guint n)
{
	struct vring ring;
	if (r->len || r->mapped || r->ring.base || r->fd >= 0 || !vring_enabled() ||
	    !vring_map(&ring, (size_t)n * r->row_size, false))
		return false;
	g_free(r->data);
	adopt_ring(r, ring);
	return true;
}

bool pkt_rows_use_file(struct pkt_rows *r, int fd, uint64_t offset)
{
	if (r->fd >= 0 || r->mapped || r->ring.base || fd < 0 || offset % page_size() != 0)
		return false;
	r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	r->offset = offset;
	return r->fd >= 0;
}

bool pkt_rows_map_file(struct pkt_rows *r, int fd, uint64_t offset, guint n)
{
	size_t bytes = page_up(MAX((size_t)n * r->row_size, 1));
	if (r->len || r->mapped || r->ring.base || r->fd >= 0 || offset % page_size() != 0 ||
	    (size_t)n * r->row_size < file_min())
		return false;
	int mine = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (mine < 0)
		return false;
	/* writable, so that the reinjection marks can be set; nothing populated
	 * ahead: a private writable mapping would be populated by copying */
	void *map = MAP_FAILED;
	if (flock(mine, LOCK_SH | LOCK_NB) == 0)
		map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE, mine, (off_t)offset);
	if (map == MAP_FAILED) {
		close(mine);
		return false;
	}
	adopt_mapping(r, map, bytes, false, n);
	r->len = n;
	r->fd = mine;
	r->offset = offset;
	return true;
}

int pkt_rows_file(const struct pkt_rows *r, uint64_t *offset)
{
	if (!r->mapped || !r->shared)
		return -1;
	*offset = r->offset;
	return r->fd;
}

void pkt_rows_fit(struct pkt_rows *r)
{
	if (!r->mapped)
		return;
	size_t bytes = page_up(MAX((size_t)r->len * r->row_size, 1));
	if (bytes >= r->mapped)
		return;
	void *map = mremap(r->data, r->mapped, bytes, 0);
	if (map == MAP_FAILED)
		return; /* the pages past the rows are never read */
	r->mapped = bytes;
	r->room = (guint)(bytes / r->row_size);
}
