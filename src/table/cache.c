/* cache.c - binary cache of the tables (see cache.h).
 *
 * File layout, native byte order (the cache never leaves the machine):
 *   header   magic, format version, byte-order mark, sizes of the table
 *            structs, total file size, program version, the capture's real
 *            path, size and modification time (ns)
 *   tables   dlt, first_ns, stats, the packet row count, zeros up to a
 *            multiple of 4096 (ROWS_ALIGN) and the packet rows: they can be
 *            a mapping of the file (pkt_rows.h), and their place is known
 *            before the capture is read; then the link name, the warning and
 *            each other table as a 64-bit row count followed by its rows as
 *            raw structs (MPTCP options, their rows, side entries, ...).  Pointers are
 *            written apart: tcp_conn.unlinked_reason as one string per
 *            stream, mptcp_conn.subflows as a count and stream ids per
 *            connection, then its four lists of data bases (a count and
 *            the struct data_base each); the pointer fields themselves are
 *            written as NULL
 *   trailer  64-bit checksum of everything before it (the packet rows
 *            counted by the digests of their 1 MiB chunks, see rows_job)
 * Strings are a 32-bit length (NO_STRING: NULL) and the bytes, no NUL.
 *
 * A load that overwrites a cache writes its packet rows straight into the
 * file (cache_save_open, pkt_rows.h), which writers take with a lock.
 *
 * Loading reads the header (refusing another version, build or capture
 * early), then each table with one read straight into its array (the packet
 * rows by chunks on two threads), hashing as it goes, and compares the checksum before trusting anything.  Every read is bounds-checked against the file, every
 * count is checked against the bytes left before anything is allocated, and
 * the loaded rows are checked to refer to rows that exist, so that even a
 * crafted file with a valid checksum cannot make later code read out of
 * bounds. */
#include "table/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>
#include "config.h"
#include "capture/reader.h"
#include "export/export.h"
#include "util/hugepages.h"

#define CACHE_MAGIC "MPTCPAC\x1a"
#define MAGIC_LEN 8
#define BYTE_ORDER_MARK 0x01020304u
#define NO_STRING UINT32_MAX
#define TRAILER_LEN 8
/* The packet rows start at a multiple of the page size, so that they can be
 * a mapping of the file (pkt_rows.h; where pages are larger, they are
 * copied into it) */
#define ROWS_ALIGN ((uint64_t)4096)

/* sizes of the structs written raw: a different build layout is refused */
static const uint32_t struct_sizes[] = {
	sizeof(struct pkt), sizeof(struct mptcp_option), sizeof(struct tcp_conn),
	sizeof(struct mptcp_conn), sizeof(struct event), sizeof(struct link),
	sizeof(struct capture_stats), sizeof(struct pkt_ext), sizeof(struct data_base),
	sizeof(struct map_ext),
};
#define N_SIZES ((uint32_t)G_N_ELEMENTS(struct_sizes))

/* ------------------------------------------------------------------ checksum */

/* XXH3 (xxHash, inlined from its header): 2.3 ms for 33 MB here against 3.8
 * for the 4-lane multiply hash it replaced, and a 64-bit result. */
struct hash64 {
	XXH3_state_t st;
};

static void hash_init(struct hash64 *h)
{
	XXH3_INITSTATE(&h->st);
	XXH3_64bits_reset(&h->st);
}

static void hash_update(struct hash64 *h, const void *data, size_t n)
{
	if (n) /* data may be NULL (an empty table) */
		XXH3_64bits_update(&h->st, data, n);
}

static uint64_t hash_final(struct hash64 *h)
{
	return XXH3_64bits_digest(&h->st);
}

/* ------------------------------------------------------------------ the capture */

struct capture_id {
	char *real;        /* realpath */
	uint64_t size;
	int64_t mtime_ns;
};

static bool capture_identify(const char *capture, struct capture_id *id, GError **err)
{
	memset(id, 0, sizeof *id);
	char *real = realpath(capture, NULL);
	struct stat st;
	if (!real || stat(real, &st) != 0) {
		int e = errno;
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: %s", capture, g_strerror(e));
		free(real);
		return false;
	}
	id->real = g_strdup(real);
	free(real);
	id->size = (uint64_t)st.st_size;
	id->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	return true;
}

char *cache_path_for(const char *cachedir, const char *capture, GError **err)
{
	struct capture_id id;
	if (!capture_identify(capture, &id, err))
		return NULL;
	if (g_mkdir_with_parents(cachedir, 0700) != 0) {
		int e = errno;
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: cannot create the cache folder: %s",
		            cachedir, g_strerror(e));
		g_free(id.real);
		return NULL;
	}
	char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA1, id.real, -1);
	/* the format in the name: a build that writes another format (and, before
	 * format 5, takes no lock) never writes over a file this one maps */
	char *name = g_strdup_printf("%s-v%d.mpac", sum, CACHE_FORMAT_VERSION);
	char *path = g_build_filename(cachedir, name, NULL);
	g_free(sum);
	g_free(name);
	g_free(id.real);
	return path;
}

/* ------------------------------------------------------------------ writing */

/* With fp NULL the writer only counts bytes (to know the file size first).
 * The packet rows are not written through it (see struct rows_job). */
struct writer {
	FILE *fp;
	uint64_t size;
	struct hash64 h;
};

static void put(struct writer *w, const void *p, size_t n)
{
	if (w->fp && n) {
		fwrite(p, 1, n, w->fp);
		hash_update(&w->h, p, n);
	}
	w->size += n;
}

static void put_u32(struct writer *w, uint32_t v)
{
	put(w, &v, sizeof v);
}

static void put_u64(struct writer *w, uint64_t v)
{
	put(w, &v, sizeof v);
}

static void put_str(struct writer *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (!s || n >= NO_STRING) {
		put_u32(w, NO_STRING);
		return;
	}
	put_u32(w, (uint32_t)n);
	put(w, s, n);
}

static void put_array(struct writer *w, const GArray *a, size_t elsize)
{
	put_u64(w, a->len);
	put(w, a->data, (size_t)a->len * elsize);
}

/* ------------------------------------------------------------------ packet rows */

/* The packet rows are nearly the whole file.  Their checksum is taken by
 * chunks: each ROW_CHUNK bytes hashed on their own, and the chunks' digests
 * (in order) hashed in line with the rest of the file.  Two threads then
 * share the chunks, each hashing one while it is in its cache and copying it
 * to or from the file (pwrite / pread at its place), in any order; and the
 * rows final before the loading ends can be written while the last ones
 * settle (cache_save_begin).  Copying is bound by the memory: 33 MB took 5.2
 * ms to write here with one thread copying while another hashed, 4.6 ms with
 * two on chunks; reading and hashing 11.7 ms on one thread, 9.2 on two. */
#define ROW_CHUNK (1u << 20)

struct rows_job {
	uint8_t *data;          /* the rows */
	uint64_t bytes;
	int fd;
	uint64_t offset;        /* of the rows in the file */
	bool reading;           /* pread then hash; else hash then pwrite, */
	bool hash_only;         /* or only hash (the rows are the file's: pkt_rows.h) */
	uint64_t *digests;      /* one per chunk */
	guint chunks;
	guint next;             /* the next chunk to take, */
	guint limit;            /* below this one (under lock) */
	int error;              /* the errno of the first failure; ECANCELED: abandoned */
	pthread_mutex_t lock;   /* pthread: ThreadSanitizer sees through it (not GLib's futexes) */
	pthread_cond_t more;    /* the limit was raised */
	const char *old;        /* a cache file to remove meanwhile (writing) */
	GThread *helper;
};

/* 0, or the errno of the read or write that failed (EIO for a short one) */
static int io_all(const struct rows_job *j, uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t k = j->reading ? pread(j->fd, p, n, (off_t)off) : pwrite(j->fd, p, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno;
		if (k == 0)
			return EIO;
		p += k, n -= (size_t)k, off += (uint64_t)k;
	}
	return 0;
}

/* the digest of chunk i, as it is in memory */
static void chunk_digest(struct rows_job *j, guint i)
{
	uint64_t at = (uint64_t)i * ROW_CHUNK;
	j->digests[i] = XXH3_64bits(j->data + at, (size_t)MIN(ROW_CHUNK, j->bytes - at));
}

static int chunk_copy(struct rows_job *j, guint i)
{
	uint64_t at = (uint64_t)i * ROW_CHUNK;
	size_t n = (size_t)MIN(ROW_CHUNK, j->bytes - at);
	int e = j->reading ? io_all(j, j->data + at, n, j->offset + at) : 0;
	if (e)
		return e;
	chunk_digest(j, i);
	return j->reading || j->hash_only ? 0 : io_all(j, j->data + at, n, j->offset + at);
}

/* Takes chunks until none is left; `wait`: while some are still to be
 * allowed (the helper), rather than return. */
static void rows_work(struct rows_job *j, bool wait)
{
	pthread_mutex_lock(&j->lock);
	for (;;) {
		if (j->next < j->limit && !j->error) {
			guint i = j->next++;
			pthread_mutex_unlock(&j->lock);
			int e = chunk_copy(j, i);
			pthread_mutex_lock(&j->lock);
			if (!j->error)
				j->error = e;
		} else if (wait && j->limit < j->chunks && !j->error) {
			pthread_cond_wait(&j->more, &j->lock);
		} else {
			break;
		}
	}
	pthread_mutex_unlock(&j->lock);
}

static gpointer rows_helper(gpointer data)
{
	struct rows_job *j = data;
	if (j->old) /* freeing its blocks takes 2 to 8 ms */
		(void)unlink(j->old);
	rows_work(j, true);
	return NULL;
}

/* Starts copying the chunks wholly inside the first `ready` bytes, on a
 * thread of its own (if there is more than one chunk, or a file to remove). */
static void rows_start(struct rows_job *j, uint64_t ready)
{
	j->chunks = (guint)((j->bytes + ROW_CHUNK - 1) / ROW_CHUNK);
	j->digests = g_new(uint64_t, MAX(j->chunks, 1));
	j->next = 0;
	j->limit = (guint)(MIN(ready, j->bytes) / ROW_CHUNK);
	j->error = 0;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->more, NULL);
	j->helper = j->chunks > 1 || j->old ? g_thread_new("mptcpa-cache", rows_helper, j) : NULL;
}

/* Copies the rest, with the helper (`all` false: abandons them, after a
 * failure elsewhere).  False when a read or write failed. */
static bool rows_done(struct rows_job *j, bool all)
{
	pthread_mutex_lock(&j->lock);
	j->limit = all ? j->chunks : 0;
	if (!all && !j->error)
		j->error = ECANCELED;
	pthread_cond_broadcast(&j->more);
	pthread_mutex_unlock(&j->lock);
	rows_work(j, false);
	if (j->helper)
		g_thread_join(j->helper);
	j->helper = NULL;
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->more);
	return !j->error;
}

/* hashes the chunks' digests into h, and lets them go (h NULL: only that) */
static void rows_hash(struct rows_job *j, struct hash64 *h)
{
	if (h)
		hash_update(h, j->digests, (size_t)j->chunks * sizeof *j->digests);
	g_free(j->digests);
	j->digests = NULL;
}

/* rows_done and rows_hash (h NULL: abandons the rest) */
static bool rows_finish(struct rows_job *j, struct hash64 *h)
{
	bool ok = rows_done(j, h != NULL);
	rows_hash(j, ok ? h : NULL);
	return ok;
}

/* The program that wrote a cache: its version and the identity of its
 * executable, so a rebuilt analyzer (whose tracker may compute other values)
 * never trusts tables an older build wrote. */
static const char *build_id(void)
{
	static char *id;
	if (!id) {
		struct stat st;
		if (stat("/proc/self/exe", &st) == 0)
			id = g_strdup_printf("%s+%llx.%llx", MPTCPA_VERSION, (unsigned long long)st.st_size,
			                     (unsigned long long)st.st_mtime);
		else
			id = g_strdup(MPTCPA_VERSION);
	}
	return id;
}

static void put_header(struct writer *w, const struct capture_id *id, uint64_t file_size)
{
	put(w, CACHE_MAGIC, MAGIC_LEN);
	put_u32(w, CACHE_FORMAT_VERSION);
	put_u32(w, BYTE_ORDER_MARK);
	put_u32(w, N_SIZES);
	for (uint32_t i = 0; i < N_SIZES; i++)
		put_u32(w, struct_sizes[i]);
	put_u64(w, file_size);
	put_str(w, build_id());
	put_str(w, id->real);
	put_u64(w, id->size);
	put_u64(w, (uint64_t)id->mtime_ns);
}

static void put_tcp(struct writer *w, const GArray *tcp)
{
	put_u64(w, tcp->len);
	for (guint i = 0; i < tcp->len; i++) {
		struct tcp_conn c = g_array_index(tcp, struct tcp_conn, i);
		c.unlinked_reason = NULL;
		put(w, &c, sizeof c);
	}
	for (guint i = 0; i < tcp->len; i++)
		put_str(w, g_array_index(tcp, struct tcp_conn, i).unlinked_reason);
}

static void put_mptcp(struct writer *w, const GArray *mptcp)
{
	put_u64(w, mptcp->len);
	for (guint i = 0; i < mptcp->len; i++) {
		struct mptcp_conn m = g_array_index(mptcp, struct mptcp_conn, i);
		m.subflows = NULL;
		memset(m.bases, 0, sizeof m.bases);
		put(w, &m, sizeof m);
	}
	for (guint i = 0; i < mptcp->len; i++) {
		const struct mptcp_conn *m = &g_array_index(mptcp, struct mptcp_conn, i);
		const GArray *sf = m->subflows;
		put_u32(w, sf ? sf->len : 0);
		if (sf)
			put(w, sf->data, (size_t)sf->len * sizeof(uint32_t));
		for (int k = 0; k < 2; k++) {
			for (int d = 0; d < 2; d++) {
				const GArray *b = m->bases[k][d];
				put_u32(w, b ? b->len : 0);
				if (b)
					put(w, b->data, (size_t)b->len * sizeof(struct data_base));
			}
		}
	}
}

/* zeros up to the packet rows' place, a multiple of ROWS_ALIGN */
static void put_padding(struct writer *w)
{
	static const uint8_t zeros[4096];
	while (w->size % ROWS_ALIGN)
		put(w, zeros, (size_t)MIN(sizeof zeros, ROWS_ALIGN - w->size % ROWS_ALIGN));
}

/* Everything before the packet rows: final once the capture is read.  Its
 * length does not depend on the tables (t NULL: the same length), so that
 * the rows' place is known before the loading starts (pkt_rows.h). */
static void put_front(struct writer *w, const struct tables *t, const struct capture_id *id, uint64_t file_size)
{
	static const struct capture_stats none;
	put_header(w, id, file_size);
	put_u32(w, t ? (uint32_t)t->dlt : 0);
	put_u64(w, t ? (uint64_t)t->first_ns : 0);
	put(w, t ? &t->stats : &none, sizeof none);
	put_u64(w, t ? t->packets->len : 0);
	put_padding(w);
}

/* everything after the packet rows: final once the loading ends */
static void put_rest(struct writer *w, const struct tables *t)
{
	put_str(w, t->link_name);
	put_str(w, t->warning);
	put_array(w, t->mptcp_opts, sizeof(struct mptcp_option));
	put_array(w, t->opt_rows, sizeof(uint32_t));
	put_array(w, t->pkt_ext, sizeof(struct pkt_ext));
	put_array(w, t->map_ext, sizeof(struct map_ext));
	put_tcp(w, t->tcp);
	put_mptcp(w, t->mptcp);
	put_array(w, t->events, sizeof(struct event));
	put_array(w, t->links, sizeof(struct link));
}

/* Allocates the file's blocks at once on ext4 and XFS: writing into them
 * then skips the per-page block reservation of delayed allocation (a 33 MB
 * cache: 7.5 to 9.5 ms -> 5.5 to 7 ms).  Elsewhere, and when it fails,
 * nothing is done: on tmpfs it would only zero pages the write fills again. */
static void preallocate(int fd, uint64_t size)
{
	if (file_blocks_reservable(fd))
		(void)fallocate(fd, 0, 0, (off_t)size);
}

/* An existing cache (of the same capture: its name comes from the capture's
 * path) is overwritten in place rather than replaced.  Its pages are in the
 * page cache and its blocks allocated: writing 33 MB over them takes 5 to 6 ms,
 * against 9 to 85 ms for a new file (new pages and blocks, and the old file's
 * freed) on this VM.  The checksum makes it safe: a reader meeting a half-written
 * file, or the file a crash left, refuses it and decodes the capture.  Only a
 * plain file with one name is overwritten; anything else is replaced.
 * Writers of a cache take it with a lock, which the tables keep while their
 * rows are a mapping of it (pkt_rows.h): a file locked by another is
 * replaced, never written under a process reading its rows. */
static FILE *open_in_place(const char *cache_file)
{
	int fd = open(cache_file, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	FILE *fp = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 && flock(fd, LOCK_EX | LOCK_NB) == 0)
		fp = fdopen(fd, "r+b");
	if (!fp)
		close(fd);
	return fp;
}

struct cache_save {
	const struct tables *t;
	struct tables *rows_of;  /* the tables whose rows are the file's, set by cache_save_start */
	char *file;
	struct capture_id id;
	FILE *fp;                /* the file written: the cache itself, */
	bool in_place;
	struct atomic_file af;   /* or a temporary file renamed into place */
	uint64_t rows_offset;    /* where the packet rows go */
	struct rows_job rows;    /* the packet rows, written (or hashed) beside fp */
	bool started;
};

static void cache_save_free(struct cache_save *cs)
{
	g_free(cs->id.real);
	g_free(cs->file);
	g_free(cs);
}

struct cache_save *cache_save_open(const char *cache_file, const char *capture, GError **err)
{
	struct capture_id id;
	if (!capture_identify(capture, &id, err))
		return NULL;
	struct cache_save *cs = g_new0(struct cache_save, 1);
	cs->file = g_strdup(cache_file);
	cs->id = id;
	struct writer w;
	memset(&w, 0, sizeof w);
	put_front(&w, NULL, &id, 0);
	cs->rows_offset = w.size;
	cs->fp = open_in_place(cache_file);
	cs->in_place = cs->fp != NULL;
	if (!cs->in_place) {
		if (!atomic_open(&cs->af, cache_file, err)) {
			cache_save_free(cs);
			return NULL;
		}
		cs->fp = cs->af.fp;
		(void)flock(fileno(cs->fp), LOCK_EX | LOCK_NB); /* a new file: no one else has it */
	}
	return cs;
}

int cache_save_rows_fd(const struct cache_save *cs, uint64_t *offset)
{
	if (!cs->in_place)
		return -1; /* a new file has no pages in memory to lend (pkt_rows.h) */
	*offset = cs->rows_offset;
	return fileno(cs->fp);
}

/* the rows of t are a mapping of this cache file, at the rows' place */
static bool rows_are_the_file(const struct cache_save *cs, const struct tables *t)
{
	uint64_t offset;
	int fd = pkt_rows_file(t->packets, &offset);
	struct stat a, b;
	return fd >= 0 && offset == cs->rows_offset && fstat(fd, &a) == 0 && fstat(fileno(cs->fp), &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* false with *err when t names no capture (a cache records the capture's identity) */
static bool names_capture(const struct tables *t, const char *cache_file, GError **err)
{
	if (!t->path)
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: the tables name no capture", cache_file);
	return t->path != NULL;
}

bool cache_save_start(struct cache_save *cs, struct tables *t, uint32_t settled, GError **err)
{
	/* first: an abort must give the rows back before it cuts the file */
	cs->t = t;
	bool mapped = rows_are_the_file(cs, t);
	cs->rows_of = mapped ? t : NULL;
	if (!names_capture(t, cs->file, err))
		return false;
	if (t->pkt_base) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: a window of the packets cannot be cached",
		            cs->file);
		return false;
	}
	if (t->stats.bytes && t->stats.bytes != cs->id.size) {
		/* recording today's identity for yesterday's tables would hide the change */
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_CACHE, "%s: the capture changed since it was loaded",
		            t->path);
		return false;
	}
	uint64_t bytes = (uint64_t)t->packets->len * sizeof(struct pkt);
	if (!cs->in_place && !mapped)
		preallocate(fileno(cs->fp), cs->rows_offset + bytes);
	/* Remove the old cache before the rename: renaming over an existing
	 * file makes ext4 (auto_da_alloc) write the new one out at once, a
	 * crash guard a checksummed cache does not need (20 ms for 33 MB
	 * here).  A reader in between finds no cache and loads the capture;
	 * if the unlink fails, the rename still replaces the file. */
	cs->rows = (struct rows_job){ .data = (uint8_t *)t->packets->data, .bytes = bytes,
	                              .fd = fileno(cs->fp), .offset = cs->rows_offset, .hash_only = mapped,
	                              .old = cs->in_place ? NULL : cs->file };
	/* rows in the file are hashed as copied rows are written, while the
	 * last rows settle; the chunks that the marks left out (load.h) change
	 * are hashed again (cache_save_end) */
	rows_start(&cs->rows, (uint64_t)settled * sizeof(struct pkt));
	cs->started = true;
	return true;
}

struct cache_save *cache_save_begin(const struct tables *t, const char *cache_file, uint32_t settled,
                                    GError **err)
{
	if (!names_capture(t, cache_file, err))
		return NULL;
	struct cache_save *cs = cache_save_open(cache_file, t->path, err);
	/* not a tables' own rows: cache_save_start writes nothing to t but the
	 * marks of rows mapped from this very file, which a const t cannot have
	 * (only a load given cache_save_rows_fd maps them) */
	if (cs && !cache_save_start(cs, (struct tables *)t, settled, err)) {
		cache_save_abort(cs);
		return NULL;
	}
	return cs;
}

/* What was written in place would be refused anyway: an empty file says so at
 * once (the stream's buffered bytes dropped, not written after the cut). */
static void empty_in_place(FILE *fp)
{
	__fpurge(fp);
	(void)ftruncate(fileno(fp), 0);
}

void cache_save_abort(struct cache_save *cs)
{
	if (cs->started)
		rows_finish(&cs->rows, NULL);
	if (cs->rows_of)
		pkt_rows_detach(cs->rows_of->packets); /* before the file is cut under them */
	if (cs->in_place) {
		empty_in_place(cs->fp);
		fclose(cs->fp);
	} else {
		atomic_abort(&cs->af);
	}
	cache_save_free(cs);
}

/* The rows in the file: the marks the load left out (load.h) set in them,
 * and the chunks they change hashed again. */
static void mark_and_rehash(struct cache_save *cs)
{
	struct tables *t = cs->rows_of;
	struct rows_job *j = &cs->rows;
	for (guint i = 0; i < t->links->len; i++) {
		uint32_t orig = g_array_index(t->links, struct link, i).orig;
		if (orig >= tables_n_pkts(t) || (tables_pkt(t, orig)->marks & PF_REINJECTED))
			continue;
		tables_pkt(t, orig)->marks |= PF_REINJECTED;
		chunk_digest(j, (guint)((uint64_t)orig * sizeof(struct pkt) / ROW_CHUNK));
	}
}

bool cache_save_end(struct cache_save *cs, GError **err)
{
	if (!cs->started) {
		cache_save_abort(cs);
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "cache: ended before it started");
		return false;
	}
	const struct tables *t = cs->t;
	struct writer w;
	memset(&w, 0, sizeof w);
	put_front(&w, t, &cs->id, 0);
	if (w.size != cs->rows_offset || (uint64_t)t->packets->len * sizeof(struct pkt) != cs->rows.bytes ||
	    (uint8_t *)t->packets->data != cs->rows.data) {
		/* the caller broke the contract (cache.h): the rows are not where they were put */
		cache_save_abort(cs);
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "cache: the tables before the packet rows changed");
		return false;
	}
	uint64_t rows_end = w.size + cs->rows.bytes;
	w.size = rows_end;
	put_rest(&w, t);
	uint64_t file_size = w.size + TRAILER_LEN;

	memset(&w, 0, sizeof w);
	w.fp = cs->fp;
	hash_init(&w.h);
	put_front(&w, t, &cs->id, file_size);
	int e = 0;
	bool ok = rows_done(&cs->rows, true);
	if (ok && cs->rows_of)
		mark_and_rehash(cs);
	rows_hash(&cs->rows, ok ? &w.h : NULL);
	if (!ok)
		e = cs->rows.error;
	else if (fseeko(cs->fp, (off_t)rows_end, SEEK_SET) != 0)
		ok = false, e = errno;
	if (ok) {
		w.size = rows_end;
		put_rest(&w, t);
		uint64_t sum = hash_final(&w.h);
		fwrite(&sum, 1, sizeof sum, cs->fp);
	}
	if (ok && (fflush(cs->fp) != 0 || ferror(cs->fp)))
		ok = false, e = errno ? errno : EIO;
	if (ok && cs->rows_of) /* only in place (cache_save_rows_fd) */
		pkt_rows_fit(cs->rows_of->packets); /* no page of the mapping wholly past the end */
	if (ok && cs->in_place && ftruncate(fileno(cs->fp), (off_t)file_size) != 0)
		ok = false, e = errno;
	/* every failure, the cut to the length included, before the file is emptied under them */
	if (!ok && cs->rows_of)
		pkt_rows_detach(cs->rows_of->packets);
	if (!cs->in_place) {
		if (ok) {
			ok = atomic_commit(&cs->af, err);
		} else {
			atomic_abort(&cs->af);
			g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: write failed: %s", cs->file, g_strerror(e));
		}
		cache_save_free(cs);
		return ok;
	}
	if (!ok)
		empty_in_place(cs->fp);
	if (fclose(cs->fp) != 0 && ok)
		ok = false, e = errno;
	if (!ok)
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: write failed: %s", cs->file, g_strerror(e));
	cache_save_free(cs);
	return ok;
}

bool cache_save(const struct tables *t, const char *cache_file, GError **err)
{
	struct cache_save *cs = cache_save_begin(t, cache_file, 0, err);
	return cs && cache_save_end(cs, err);
}

/* ------------------------------------------------------------------ reading */

/* Reads the file in order, the big arrays straight into their tables (one
 * copy), hashing every byte on the way; the checksum is compared at the end. */
struct reader {
	FILE *fp;
	uint64_t size;           /* of the file */
	uint64_t end;            /* where the tables end: size - TRAILER_LEN */
	uint64_t off;            /* bytes read */
	struct hash64 h;
};

static uint64_t left(const struct reader *r)
{
	return r->end - r->off;
}

static bool get(struct reader *r, void *out, size_t n)
{
	if (n > left(r) || (n && fread(out, 1, n, r->fp) != n))
		return false;
	hash_update(&r->h, out, n);
	r->off += n;
	return true;
}

static bool get_u32(struct reader *r, uint32_t *v)
{
	return get(r, v, sizeof *v);
}

static bool get_u64(struct reader *r, uint64_t *v)
{
	return get(r, v, sizeof *v);
}

/* a string without NUL bytes; *out NULL for a NULL string */
static bool get_str(struct reader *r, char **out)
{
	uint32_t n;
	*out = NULL;
	if (!get_u32(r, &n))
		return false;
	if (n == NO_STRING)
		return true;
	if (n > left(r))
		return false;
	char *s = g_malloc((size_t)n + 1);
	if (!get(r, s, n) || memchr(s, 0, n)) {
		g_free(s);
		return false;
	}
	s[n] = '\0';
	*out = s;
	return true;
}

/* a row count that fits in the bytes left, at elsize bytes per row */
static bool get_count(struct reader *r, size_t elsize, guint *n)
{
	uint64_t v;
	if (!get_u64(r, &v) || v >= NO_ROW || v > left(r) / elsize)
		return false;
	*n = (guint)v;
	return true;
}

/* Big arrays (here and in get_rows) are fresh memory: faulting it in 4 KiB
 * pages costs more than reading the file, so they ask for huge pages where
 * they pay (util/hugepages.h). */
static bool get_array(struct reader *r, GArray *a, size_t elsize)
{
	guint n;
	if (!get_count(r, elsize, &n))
		return false;
	g_array_set_size(a, n);
	hugepages_advise_inside(a->data, (size_t)n * elsize);
	return get(r, a->data, (size_t)n * elsize);
}

/* the packet rows: read beside the stream, at its logical offset r->off */
static bool get_rows(struct reader *r, struct pkt_rows *a)
{
	guint n;
	if (!get_count(r, sizeof(struct pkt), &n))
		return false;
	size_t pad = (size_t)((ROWS_ALIGN - r->off % ROWS_ALIGN) % ROWS_ALIGN);
	uint8_t *zeros = g_malloc(MAX(pad, 1));
	bool padded = get(r, zeros, pad) && n <= left(r) / sizeof(struct pkt);
	g_free(zeros);
	if (!padded)
		return false;
	uint64_t bytes = (uint64_t)n * sizeof(struct pkt);
	/* the rows in the page cache mapped rather than copied: 313 MB of new
	 * memory to fault in and fill for 4.9M packets otherwise */
	bool mapped = pkt_rows_map_file(a, fileno(r->fp), r->off, n);
	if (!mapped) {
		pkt_rows_set_len(a, n);
		hugepages_advise_inside(a->data, bytes);
	}
	struct rows_job j = { .data = (uint8_t *)a->data, .bytes = bytes, .fd = fileno(r->fp), .offset = r->off,
	                      .reading = !mapped, .hash_only = mapped };
	rows_start(&j, bytes);
	if (!rows_finish(&j, &r->h))
		return false;
	r->off += bytes;
	return fseeko(r->fp, (off_t)r->off, SEEK_SET) == 0;
}

/* the trailer holds the checksum of everything before it */
static bool checksum_ok(struct reader *r)
{
	uint64_t stored;
	return r->off == r->end && fread(&stored, 1, sizeof stored, r->fp) == sizeof stored &&
	       hash_final(&r->h) == stored;
}

static void refuse(GError **err, const char *file, const char *why)
{
	g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_CACHE, "%s: cache refused: %s", file, why);
}

/* magic, version, layout and size; the reader is left after them */
static bool check_frame(struct reader *r, const char *file, GError **err)
{
	char magic[MAGIC_LEN];
	uint32_t version, bom, nsizes, size;
	uint64_t file_size;
	r->end = r->size; /* until the size is checked */
	if (!get(r, magic, MAGIC_LEN)) {
		refuse(err, file, "truncated (no header)");
		return false;
	}
	if (memcmp(magic, CACHE_MAGIC, MAGIC_LEN) != 0) {
		refuse(err, file, "not a cache file");
		return false;
	}
	if (!get_u32(r, &version) || !get_u32(r, &bom) || !get_u32(r, &nsizes)) {
		refuse(err, file, "truncated (header)");
		return false;
	}
	if (version != CACHE_FORMAT_VERSION) {
		char *why = g_strdup_printf("format version %u, this program reads %u", version,
		                            CACHE_FORMAT_VERSION);
		refuse(err, file, why);
		g_free(why);
		return false;
	}
	if (bom != BYTE_ORDER_MARK) {
		refuse(err, file, "written on a machine of another byte order");
		return false;
	}
	bool same = nsizes == N_SIZES;
	for (uint32_t i = 0; same && i < N_SIZES; i++)
		same = get_u32(r, &size) && size == struct_sizes[i];
	if (!same) {
		refuse(err, file, "written by another build (table layout differs)");
		return false;
	}
	if (!get_u64(r, &file_size)) {
		refuse(err, file, "truncated (header)");
		return false;
	}
	if (file_size != r->size || r->size < r->off + TRAILER_LEN) {
		char *why = g_strdup_printf("%s (%" G_GUINT64_FORMAT " bytes, %" G_GUINT64_FORMAT " expected)",
		                            r->size < file_size ? "truncated" : "corrupted: wrong size",
		                            r->size, file_size);
		refuse(err, file, why);
		g_free(why);
		return false;
	}
	r->end = r->size - TRAILER_LEN;
	return true;
}

/* program version and capture identity; false with *err when stale */
static bool check_identity(struct reader *r, const char *file, const struct capture_id *id, GError **err)
{
	char *prog = NULL, *real = NULL;
	uint64_t size, mtime;
	bool ok = false;
	if (!get_str(r, &prog) || !get_str(r, &real) || !get_u64(r, &size) || !get_u64(r, &mtime) ||
	    !prog || !real) {
		refuse(err, file, "corrupted (header)");
	} else if (strcmp(prog, build_id()) != 0) {
		char *why = g_strdup_printf("written by another build of mptcpanalyzer (%s)", prog);
		refuse(err, file, why);
		g_free(why);
	} else if (strcmp(real, id->real) != 0) {
		char *why = g_strdup_printf("stale: made for %s", real);
		refuse(err, file, why);
		g_free(why);
	} else if (size != id->size || (int64_t)mtime != id->mtime_ns) {
		refuse(err, file, "stale: the capture changed since the cache was made (size or time)");
	} else {
		ok = true;
	}
	g_free(prog);
	g_free(real);
	return ok;
}

static bool get_tcp(struct reader *r, GArray *tcp)
{
	if (!get_array(r, tcp, sizeof(struct tcp_conn)))
		return false;
	for (guint i = 0; i < tcp->len; i++)
		g_array_index(tcp, struct tcp_conn, i).unlinked_reason = NULL;
	for (guint i = 0; i < tcp->len; i++) {
		char *s;
		if (!get_str(r, &s))
			return false;
		if (s) {
			/* the tracker's reasons are static strings: interned ones live as long */
			g_array_index(tcp, struct tcp_conn, i).unlinked_reason = g_intern_string(s);
			g_free(s);
		}
	}
	return true;
}

static bool get_mptcp(struct reader *r, GArray *mptcp)
{
	if (!get_array(r, mptcp, sizeof(struct mptcp_conn)))
		return false;
	/* no pointer from the file survives, even when a later read fails */
	for (guint i = 0; i < mptcp->len; i++) {
		struct mptcp_conn *m = &g_array_index(mptcp, struct mptcp_conn, i);
		m->subflows = NULL;
		memset(m->bases, 0, sizeof m->bases);
	}
	for (guint i = 0; i < mptcp->len; i++) {
		struct mptcp_conn *m = &g_array_index(mptcp, struct mptcp_conn, i);
		uint32_t n;
		if (!get_u32(r, &n) || n > left(r) / sizeof(uint32_t))
			return false;
		GArray *sf = g_array_sized_new(FALSE, FALSE, sizeof(uint32_t), n);
		g_array_set_size(sf, n);
		m->subflows = sf;
		if (!get(r, sf->data, (size_t)n * sizeof(uint32_t)))
			return false;
		for (int k = 0; k < 2; k++) {
			for (int d = 0; d < 2; d++) {
				if (!get_u32(r, &n) || n > left(r) / sizeof(struct data_base))
					return false;
				if (n == 0)
					continue;
				GArray *b = g_array_sized_new(FALSE, FALSE, sizeof(struct data_base), n);
				g_array_set_size(b, n);
				m->bases[k][d] = b;
				if (!get(r, b->data, (size_t)n * sizeof(struct data_base)))
					return false;
			}
		}
	}
	return true;
}

static bool get_tables(struct reader *r, struct tables *t)
{
	uint32_t dlt;
	uint64_t first_ns;
	if (!get_u32(r, &dlt) || !get_u64(r, &first_ns) || !get(r, &t->stats, sizeof t->stats))
		return false;
	t->dlt = (int)dlt;
	t->first_ns = (int64_t)first_ns;
	return get_rows(r, t->packets) && get_str(r, &t->link_name) && get_str(r, &t->warning) &&
	       get_array(r, t->mptcp_opts, sizeof(struct mptcp_option)) &&
	       get_array(r, t->opt_rows, sizeof(uint32_t)) && get_array(r, t->pkt_ext, sizeof(struct pkt_ext)) &&
	       get_array(r, t->map_ext, sizeof(struct map_ext)) &&
	       get_tcp(r, t->tcp) && get_mptcp(r, t->mptcp) &&
	       get_array(r, t->events, sizeof(struct event)) &&
	       get_array(r, t->links, sizeof(struct link));
}

/* ------------------------------------------------------------------ validation */

/* When a field is added to a table struct: bump CACHE_FORMAT_VERSION, and
 * check it here if later code indexes with it, shifts by it, or it is a bool. */

/* a bool read from the file holds 0 or 1 (anything else is undefined) */
#define BOOL_OK(field) (*(const unsigned char *)&(field) <= 1)

static bool row_or_none(uint32_t v, guint n)
{
	return v == NO_ROW || v < n;
}

static bool option_ok(const struct mptcp_option *o)
{
	if (!BOOL_OK(o->malformed))
		return false;
	if (o->malformed)
		return true;
	switch (o->subtype) {
	case MPTCP_SUB_CAPABLE:
		return BOOL_OK(o->u.mpc.has_sender_key) && BOOL_OK(o->u.mpc.has_receiver_key) &&
		       BOOL_OK(o->u.mpc.has_data_len) && BOOL_OK(o->u.mpc.has_checksum);
	case MPTCP_SUB_JOIN:
		return BOOL_OK(o->u.join.backup);
	case MPTCP_SUB_DSS:
		return BOOL_OK(o->u.dss.has_ack) && BOOL_OK(o->u.dss.ack64) && BOOL_OK(o->u.dss.has_map) &&
		       BOOL_OK(o->u.dss.dsn64) && BOOL_OK(o->u.dss.data_fin) && BOOL_OK(o->u.dss.has_checksum);
	case MPTCP_SUB_ADD_ADDR:
		return BOOL_OK(o->u.add_addr.echo) && BOOL_OK(o->u.add_addr.has_port) &&
		       BOOL_OK(o->u.add_addr.has_hmac);
	case MPTCP_SUB_REMOVE_ADDR:
		return o->u.remove_addr.count <= MPTCP_MAX_REMOVE_IDS;
	case MPTCP_SUB_PRIO:
		return BOOL_OK(o->u.prio.backup) && BOOL_OK(o->u.prio.has_addr_id);
	default:
		return true;
	}
}

/* Each check returns NULL or what is wrong. */

/* the options: each names a packet row (in order) that says it has some,
 * and each such packet has some */
static const char *options_bad(const struct tables *t)
{
	guint np = t->packets->len, no = t->mptcp_opts->len;
	if (t->opt_rows->len != no)
		return "MPTCP options without their packet rows";
	guint with_opts = 0;
	for (guint i = 0; i < no; i++) {
		uint32_t row = g_array_index(t->opt_rows, uint32_t, i);
		if (row >= np || !(tables_pkt(t, row)->xflags & PX_OPTS))
			return "an MPTCP option's packet does not exist";
		if (i && row < g_array_index(t->opt_rows, uint32_t, i - 1))
			return "MPTCP options out of order"; /* the binary searches need them sorted */
		if (i == 0 || row != g_array_index(t->opt_rows, uint32_t, i - 1))
			with_opts++;
		if (!option_ok(&g_array_index(t->mptcp_opts, struct mptcp_option, i)))
			return "an MPTCP option holds impossible values";
	}
	for (guint i = 0; i < np; i++) {
		uint8_t x = tables_pkt(t, i)->xflags;
		if ((x & PX_OPTS) && (x & PX_DSS))
			return "a packet with its DSS both inline and apart";
		if (x & PX_OPTS)
			with_opts--;
	}
	return with_opts ? "a packet's options do not exist" : NULL;
}

/* the side entries: one per PX_EXT packet, in row order */
static const char *ext_bad(const struct tables *t)
{
	guint np = t->packets->len, n = t->pkt_ext->len, flagged = 0;
	for (guint i = 0; i < n; i++) {
		const struct pkt_ext *x = &g_array_index(t->pkt_ext, struct pkt_ext, i);
		if (x->row >= np || !(tables_pkt(t, x->row)->xflags & PX_EXT))
			return "a side entry's packet does not exist";
		if (!BOOL_OK(x->has_checksum))
			return "a side entry holds impossible values";
		if (i && x->row <= g_array_index(t->pkt_ext, struct pkt_ext, i - 1).row)
			return "side entries out of order";
	}
	for (guint i = 0; i < np; i++)
		flagged += (tables_pkt(t, i)->xflags & PX_EXT) != 0;
	return flagged != n ? "a packet's side entry does not exist" : NULL;
}

/* a packet whose inline mapping's DSN is in map_ext */
static bool far_mapping(const struct pkt *p)
{
	return (p->xflags & PX_DSS) && (p->xflags & DSS_FLAG_MAP) && (p->marks & PF_HAS_DSN) &&
	       p->map_delta == MAP_DELTA_FAR;
}

/* the far mappings: one per such packet, in row order */
static const char *map_ext_bad(const struct tables *t)
{
	guint np = t->packets->len, n = t->map_ext->len, flagged = 0;
	for (guint i = 0; i < n; i++) {
		const struct map_ext *x = &g_array_index(t->map_ext, struct map_ext, i);
		if (x->row >= np || !far_mapping(tables_pkt(t, x->row)))
			return "a far mapping's packet does not exist";
		if (i && x->row <= g_array_index(t->map_ext, struct map_ext, i - 1).row)
			return "far mappings out of order";
	}
	for (guint i = 0; i < np; i++)
		flagged += far_mapping(tables_pkt(t, i));
	return flagged != n ? "a packet's far mapping does not exist" : NULL;
}

static const char *packets_bad(const struct tables *t)
{
	guint np = t->packets->len, nt = t->tcp->len;
	for (guint i = 0; i < np; i++) {
		const struct pkt *p = tables_pkt(t, i);
		if (p->stream >= nt)
			return "a packet's stream does not exist";
		/* p->mapping is a frame number: nothing to check */
	}
	const char *why = options_bad(t);
	if (!why)
		why = ext_bad(t);
	return why ? why : map_ext_bad(t);
}

static bool tcp_dir_ok(const struct tcp_dir *d)
{
	/* the window is shifted by wscale: keep it a valid shift */
	return d->wscale >= -2 && d->wscale <= 14 && BOOL_OK(d->has_base) && BOOL_OK(d->syn) &&
	       BOOL_OK(d->fin) && BOOL_OK(d->rst) && BOOL_OK(d->seen_wscale);
}

static const char *tcp_bad(const struct tables *t)
{
	guint np = t->packets->len, nm = t->mptcp->len;
	for (guint i = 0; i < t->tcp->len; i++) {
		const struct tcp_conn *c = tables_tcp(t, i);
		if (c->id != i || (c->family != 4 && c->family != 6) || c->client > 1 ||
		    c->mptcp_client > 1 || c->sf_state > SF_FAILED_JOIN)
			return "a TCP stream holds impossible values";
		if (!row_or_none(c->mptcp, nm) || !row_or_none(c->first_pkt, np) || !row_or_none(c->last_pkt, np))
			return "a TCP stream refers to rows that do not exist";
		if (!tcp_dir_ok(&c->dir[0]) || !tcp_dir_ok(&c->dir[1]) || !BOOL_OK(c->closed) ||
		    !BOOL_OK(c->mp_capable_syn) || !BOOL_OK(c->fallback) || !BOOL_OK(c->is_join) ||
		    !BOOL_OK(c->backup) || !BOOL_OK(c->join_hmac_bad))
			return "a TCP stream holds impossible values";
	}
	return NULL;
}

static const char *mptcp_bad(const struct tables *t)
{
	guint nt = t->tcp->len;
	for (guint i = 0; i < t->mptcp->len; i++) {
		const struct mptcp_conn *m = tables_mptcp(t, i);
		if (m->id != i || m->first_stream >= nt)
			return "an MPTCP connection refers to rows that do not exist";
		for (guint k = 0; k < m->subflows->len; k++)
			if (g_array_index(m->subflows, uint32_t, k) >= nt)
				return "a subflow does not exist";
		for (int k = 0; k < 4; k++) {
			const GArray *b = m->bases[k / 2][k % 2];
			for (guint j = 1; b && j < b->len; j++)
				if (g_array_index(b, struct data_base, j).row < g_array_index(b, struct data_base, j - 1).row)
					return "data bases out of order";
		}
		if (!BOOL_OK(m->has_key[0]) || !BOOL_OK(m->has_key[1]) || !BOOL_OK(m->checksum) ||
		    !BOOL_OK(m->fallback) || !BOOL_OK(m->fastclose) || !BOOL_OK(m->mp_fail) ||
		    !BOOL_OK(m->infinite_mapping) || !BOOL_OK(m->partial) || !BOOL_OK(m->dir[0].data_fin) ||
		    !BOOL_OK(m->dir[1].data_fin))
			return "an MPTCP connection holds impossible values";
	}
	return NULL;
}

static const char *events_links_bad(const struct tables *t)
{
	guint np = t->packets->len;
	for (guint i = 0; i < t->events->len; i++) {
		const struct event *e = &g_array_index(t->events, struct event, i);
		if (e->pkt >= np || !row_or_none(e->mptcp, t->mptcp->len) || e->stream >= t->tcp->len)
			return "an event refers to rows that do not exist";
		if (e->type > EV_HMAC_MISMATCH || !BOOL_OK(e->flag))
			return "an event holds impossible values";
	}
	for (guint i = 0; i < t->links->len; i++) {
		const struct link *l = &g_array_index(t->links, struct link, i);
		if (l->pkt >= np || l->orig >= np)
			return "a reinjection link refers to rows that do not exist";
		if (i && l->pkt < g_array_index(t->links, struct link, i - 1).pkt)
			return "reinjection links out of order"; /* tables_links_first() needs them sorted */
	}
	return NULL;
}

static const char *tables_bad(const struct tables *t)
{
	const char *why = packets_bad(t);
	if (!why)
		why = tcp_bad(t);
	if (!why)
		why = mptcp_bad(t);
	if (!why)
		why = events_links_bad(t);
	return why;
}

/* ------------------------------------------------------------------ loading */

static FILE *open_cache(const char *cache_file, uint64_t *size, GError **err)
{
	FILE *fp = fopen(cache_file, "rb");
	struct stat st;
	if (!fp || fstat(fileno(fp), &st) != 0) {
		int e = errno;
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: no cache: %s", cache_file, g_strerror(e));
		if (fp)
			fclose(fp);
		return NULL;
	}
	*size = (uint64_t)st.st_size;
	return fp;
}

/* the tables of a file whose header is fine, or NULL with *err */
static struct tables *read_tables(struct reader *r, const char *cache_file, GError **err)
{
	struct tables *t = tables_new();
	const char *why = NULL;
	if (!get_tables(r, t))
		why = "corrupted (tables)";
	else if (!checksum_ok(r))
		why = "corrupted (checksum mismatch)";
	if (why) {
		refuse(err, cache_file, why);
	} else if ((why = tables_bad(t))) {
		char *msg = g_strdup_printf("corrupted (%s)", why);
		refuse(err, cache_file, msg);
		g_free(msg);
	} else {
		/* the marks a cache written while the last rows settled lacks (load.h) */
		tables_mark_reinjected(t);
		return t;
	}
	tables_free(t);
	return NULL;
}

struct tables *cache_load(const char *cache_file, const char *capture, GError **err)
{
	struct capture_id id;
	if (!capture_identify(capture, &id, err))
		return NULL;
	struct reader r;
	memset(&r, 0, sizeof r);
	hash_init(&r.h);
	r.fp = open_cache(cache_file, &r.size, err);
	struct tables *t = NULL;
	if (r.fp && check_frame(&r, cache_file, err) && check_identity(&r, cache_file, &id, err))
		t = read_tables(&r, cache_file, err);
	if (t)
		t->path = g_strdup(capture);
	if (r.fp)
		fclose(r.fp);
	g_free(id.real);
	return t;
}
