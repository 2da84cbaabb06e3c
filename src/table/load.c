/* load.c - builds the tables from a capture in one pass (see load.h).
 *
 * Two threads share the work: a reading thread pulls frames from libpcap and
 * decodes them into batches of `struct decoded`; the calling thread runs the
 * TCP and MPTCP trackers over the batches in capture order.  The batches are
 * preallocated and recycled through two queues, so nothing is allocated per
 * packet and the result is the same as a single-threaded pass (which
 * MPTCPANALYZER_THREADS=1 selects, for comparison and debugging).  The two
 * threads run on different processors while they load (util/cpu_pair.h), and
 * the reading thread faults the packet table in ahead of the tracking one
 * (struct prefault). */
#include "table/load.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "capture/reader.h"
#include "decode/decode.h"
#include "track/tcp_tracker.h"
#include "track/mptcp_tracker.h"
#include "util/cpu_pair.h"
#include "util/hugeheap.h"
#include "util/hugepages.h"
#include "util/prefault.h"

/* TCP frames per batch, and batches in flight: 550 KB a batch.  Half as
 * many frames a batch loaded the 0.5M-packet capture 2.5 to 3.7 ms slower
 * (medians of 60 interleaved runs, four times over), twice or four times as
 * many no faster: fewer hand-overs, and a batch still in the caches. */
#define BATCH_FRAMES 1024
#define N_BATCHES 6
/* The reading thread, ahead, waits for empty batches until this many are
 * free: the tracking thread (which sets the pace) wakes it, a system call,
 * once for them all, not for each (1.4% of (b)'s samples at 4.9M). */
#define READER_WAKE_BATCHES (N_BATCHES / 2)
/* The tracking thread counts as behind (and the reading thread faults memory
 * in for it) while at most this many batches are free: three or more full
 * ones waiting.  At three free (two waiting) the reading thread, which now
 * sets the pace about as often, spent 6% of (b)'s samples at 4.9M populating
 * the packet table: -47 ms [-95, +21] and -19 ms [-46, +16] at 4.9M, -2.4 ms
 * [-7.6, -0.3] at 0.5M (20 to 30 rounds). */
#define BEHIND_EMPTIES 2

struct batch {
	uint32_t n;               /* decoded TCP frames in d[] */
	bool last;                /* the reader stopped after this batch */
	uint64_t offset;          /* file bytes consumed, for the progress callback */
	uint64_t frames;          /* frames read so far (TCP or not) */
	struct decoded d[BATCH_FRAMES];
	struct flow_key key[BATCH_FRAMES]; /* of d[i], worked out by the reading thread */
};

/* A blocking queue of batches.  pthread primitives rather than
 * GAsyncQueue: ThreadSanitizer sees through them (GLib's mutexes are bare
 * futexes), so `meson test` under -Db_sanitize=thread checks the hand-over. */
struct batch_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch *items[N_BATCHES];
	unsigned head, count;
	unsigned wake_at;         /* a waiter wants this many; 0: none waits */
};

static void queue_init(struct batch_queue *q)
{
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->head = q->count = q->wake_at = 0;
}

static void queue_clear(struct batch_queue *q)
{
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
}

/* never blocks: each queue holds at most the N_BATCHES batches there are */
static void queue_push(struct batch_queue *q, struct batch *b)
{
	pthread_mutex_lock(&q->lock);
	q->items[(q->head + q->count) % N_BATCHES] = b;
	q->count++;
	if (q->wake_at && q->count >= q->wake_at) {
		q->wake_at = 0;
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
}

/* *had (when not NULL): how many it held when asked (0: had to wait).  An
 * empty queue is waited on until it holds `batches` (at most N_BATCHES, the
 * batches there are): the waiter is woken once for them all. */
static struct batch *queue_pop(struct batch_queue *q, unsigned *had, unsigned batches)
{
	pthread_mutex_lock(&q->lock);
	if (had)
		*had = q->count;
	if (q->count == 0) {
		q->wake_at = batches;
		while (q->count < batches)
			pthread_cond_wait(&q->cond, &q->lock);
	}
	struct batch *b = q->items[q->head];
	q->head = (q->head + 1) % N_BATCHES;
	q->count--;
	pthread_mutex_unlock(&q->lock);
	return b;
}

/* Faulting the packet table in (the kernel zeroing each page on its first
 * write; slow in a virtual machine, whose host backs the page too) took a
 * tenth of the tracking thread's time, and the tracking thread sets the
 * pace: the reading thread, which had time to spare, now faults the table in
 * ahead of the rows it has handed over.  The tracking thread publishes where
 * the table is; MADV_POPULATE_WRITE changes no byte, so populating a table
 * that has just moved only costs a populated free block (or, unmapped, an
 * error that stops it). */
struct prefault {
	_Atomic uintptr_t base;   /* the packet table's data; 0: not yet sized */
	_Atomic size_t bytes;     /* the room it has */
	_Atomic uint32_t first;   /* the row at its start (streaming: the window's) */
	uintptr_t seen;           /* reading thread: the base it populated */
	size_t done;              /* reading thread: bytes of it populated */
	uint64_t rows;            /* reading thread: TCP frames handed over */
	bool readvised;           /* reading thread: advised again, huge pages slow */
};

/* rows ahead of the reader's own position faulted in: a few batches' worth */
#define PREFAULT_AHEAD (16 * BATCH_FRAMES)
#define PREFAULT_STEP ((size_t)2 << 20)

/* the reading side: reader, decoder and what they count */
struct reading {
	struct capture_reader *r;
	int dlt;
	struct capture_stats stats;
	int64_t first_ns;
	int rc;                   /* of the last reader_dispatch: 0 end, -1 error */
	GError *err;
	struct cpu_pair pair;     /* the reading thread runs apart from the tracking one */
	struct batch_queue full, empty;
	struct prefault pf;
};

static void count_result(struct capture_stats *st, enum decode_result r, const struct decoded *d)
{
	switch (r) {
	case DEC_TCP: st->tcp_packets++; break;
	case DEC_NOT_IP: st->not_ip++; break;
	case DEC_NOT_TCP: st->not_tcp++; break;
	case DEC_FRAGMENT: st->fragments++; break;
	case DEC_TRUNCATED: st->truncated++; break;
	case DEC_BAD_LINK: break;
	}
	if (r == DEC_TCP) {
		if (d->marks & PKT_TRUNCATED)
			st->truncated++;
		if (d->marks & PKT_BAD_OPTIONS)
			st->bad_options++;
		if (d->marks & PKT_MPTCP_MALFORMED)
			st->mptcp_malformed++;
	}
}

struct filling {
	struct reading *rd;
	struct batch *b;
};

/* Zeroes the fields before `mptcp` (104 bytes).  gcc turns a memset of that
 * size, or zero stores it can see, into a `rep stos`, whose start-up took
 * two fifths of add_frame: a zero it cannot see through (the empty asm)
 * keeps them plain vector stores. */
#define HEAD_BYTES offsetof(struct decoded, mptcp)
static inline void clear_head(struct decoded *d)
{
#if defined(__x86_64__) && defined(__GNUC__)
	typedef unsigned char v16 __attribute__((vector_size(16), may_alias, aligned(1)));
	v16 z = { 0 };
	__asm__("" : "+x"(z));
	unsigned char *p = (unsigned char *)d;
	size_t i = 0;
#pragma GCC unroll 8
	for (; i + 16 <= HEAD_BYTES; i += 16)
		*(v16 *)(p + i) = z;
	if (i < HEAD_BYTES)
		memset(p + i, 0, HEAD_BYTES - i);
#else
	memset(d, 0, HEAD_BYTES);
#endif
}

/* decodes one frame into the batch (kept when it is TCP) */
static void add_frame(const struct frame *f, void *user)
{
	struct reading *rd = ((struct filling *)user)->rd;
	struct batch *b = ((struct filling *)user)->b;
	if (rd->stats.frames == 0)
		rd->first_ns = f->ts_ns;
	rd->stats.frames++;
	struct decoded *d = &b->d[b->n];
	clear_head(d);
	d->frame = f->number;
	d->ts_ns = f->ts_ns;
	d->caplen = f->caplen;
	d->wirelen = f->wirelen;
	d->iface = f->iface;
	enum decode_result res = decode_frame(rd->dlt, span_make(f->data, f->caplen), d);
	count_result(&rd->stats, res, d);
	if (res == DEC_TCP) {
		/* the frame's bytes belong to libpcap until the next read:
		 * nothing after this thread may follow a pointer into them */
		d->payload = span_make(NULL, 0);
		tcp_flow_key(d, &b->key[b->n]);
		b->n++;
	}
}

/* Fills `b` with the next TCP frames; b->last when the file (or an error)
 * ended the stream.  Each frame adds at most one entry: asking libpcap for
 * the room left never overfills the batch. */
static void read_batch(struct reading *rd, struct batch *b)
{
	struct filling fill = { rd, b };
	b->n = 0;
	b->last = false;
	while (b->n < BATCH_FRAMES) {
		rd->rc = reader_dispatch(rd->r, (int)(BATCH_FRAMES - b->n), add_frame, &fill, &rd->err);
		if (rd->rc <= 0) {
			b->last = true;
			break;
		}
	}
	b->offset = reader_offset(rd->r);
	b->frames = rd->stats.frames;
}

/* Huge pages turned out slow (util/hugepages.h): the rest of the table (from
 * what was populated of it) and the heap are advised against them.  A table
 * that moved meanwhile is advised as it was (to no effect), as with
 * populating. */
static void readvise_if_slow(struct prefault *pf)
{
	if (pf->readvised || hugepages_pay())
		return;
	pf->readvised = true;
	uintptr_t base = atomic_load_explicit(&pf->base, memory_order_acquire);
	size_t bytes = atomic_load_explicit(&pf->bytes, memory_order_relaxed);
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = base == pf->seen ? (base + pf->done + page - 1) & ~(page - 1) : base;
	uintptr_t end = (base + bytes) & ~(page - 1);
	if (base && end > from)
		hugepages_advise((void *)from, end - from);
	hugeheap_readvise();
}

/* the reading thread, after handing over n more rows; `behind`: the tracking
 * thread has full batches waiting (BEHIND_EMPTIES; otherwise it faults its
 * pages in itself, and the reading thread only skips past them) */
static void prefault_ahead(struct prefault *pf, uint32_t n, bool behind)
{
#ifdef MADV_POPULATE_WRITE
	pf->rows += n;
	uintptr_t base = atomic_load_explicit(&pf->base, memory_order_acquire);
	if (base == 0)
		return;
	size_t bytes = atomic_load_explicit(&pf->bytes, memory_order_relaxed);
	uint32_t first = atomic_load_explicit(&pf->first, memory_order_relaxed);
	if (base != pf->seen) {
		pf->seen = base;
		pf->done = 0;
	}
	/* the bytes up to the last row handed over: the tracking thread is
	 * before it.  Pages below `done` stay in: the table never gives memory
	 * back, and a window moving its rows down only reuses them. */
	size_t handed = (size_t)(pf->rows - MIN(first, pf->rows)) * sizeof(struct pkt);
	if (!behind) {
		pf->done = MAX(pf->done, MIN(bytes, handed));
		return;
	}
	size_t want = handed + PREFAULT_AHEAD * sizeof(struct pkt);
	want = MIN(bytes, (want + PREFAULT_STEP - 1) / PREFAULT_STEP * PREFAULT_STEP);
	if (want <= pf->done)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (base + pf->done) & ~(page - 1), hi = (base + want + page - 1) & ~(page - 1);
	/* not supported, or the table moved away: stop trying until the
	 * tracking thread tells of a table (but not over one it just told of) */
	if (hugepages_populate((void *)lo, hi - lo) != 0)
		atomic_compare_exchange_strong(&pf->base, &base, 0);
	pf->done = want;
#else
	(void)pf;
	(void)n;
	(void)behind;
#endif
}

static gpointer reading_thread(gpointer data)
{
	struct reading *rd = data;
	bool last = false;
	unsigned heap_turn = 0;
	cpu_pair_join(&rd->pair);
	while (!last) {
		unsigned had;
		struct batch *b = queue_pop(&rd->empty, &had, READER_WAKE_BATCHES);
		read_batch(rd, b);
		last = b->last;
		uint32_t n = b->n;
		queue_push(&rd->full, b);
		bool behind = had <= BEHIND_EMPTIES;
		prefault_ahead(&rd->pf, n, behind);
		if (behind) {
			prefault_service(); /* what the trackers' arrays grew by (util/prefault.h) */
			/* the heap grows some 10 KB a batch, and finding its end
			 * walks malloc's free lists: every eighth time is enough */
			if ((++heap_turn & 7) == 1)
				prefault_heap_ahead();
		}
		readvise_if_slow(&rd->pf);
	}
	return NULL;
}

static bool use_threads(void)
{
	const char *v = getenv("MPTCPANALYZER_THREADS");
	return !(v && strcmp(v, "1") == 0);
}

/* settled rows handed to a streaming sink at a time */
#define SINK_CHUNK 16384

/* Hands the rows [*flushed, upto) to the sink.  The window is compacted only
 * once the rows already handed over are half as many as the ones still held:
 * each row is moved about twice instead of lag / chunk times, and the window
 * holds at most 1.5 times the rows it needs. */
static void sink_flush(struct tables *t, struct load_sink *sink, uint32_t *flushed, uint32_t upto)
{
	if (!sink || upto <= *flushed)
		return;
	sink->rows(t, *flushed, upto, sink->user);
	*flushed = upto;
	/* a ring moves nothing: the window is kept to what it needs */
	if (t->packets->ring.base || 2 * (uint64_t)(upto - t->pkt_base) >= tables_n_pkts(t) - upto)
		tables_evict(t, upto);
}

struct tracking {
	struct tables *t;
	struct tcp_tracker *tt;
	struct mptcp_tracker *mt;
	struct load_sink *sink;
	uint32_t chunk, flushed;
	load_progress_fn progress;
	void *user;
	uint64_t batches;
	struct prefault *pf;      /* NULL when loading on one thread */
	uintptr_t pf_base;        /* the packet table it was told of */
	uint32_t pf_first;        /* and its first row */
	uintptr_t pf_ring;        /* the ring it was told of (pkt_rows_make_ring) */
	uint32_t ring_first;      /* the row at its start in its first lap */
};

/* tells the reading thread where the packet table is now (sized, or moved) */
static void prefault_publish(struct tracking *tk)
{
	const struct pkt_rows *rows = tk->t->packets;
	tk->pf_base = (uintptr_t)rows->data;
	tk->pf_first = tk->t->pkt_base;
	uintptr_t base = tk->pf_base;
	uint32_t first = tk->pf_first;
	size_t bytes = (size_t)rows->room * sizeof(struct pkt);
	if (rows->ring.base) {
		/* a ring (its data moves at each flush) is faulted in in its first
		 * lap, both copies, from the row at its start: once */
		if (tk->pf_ring != (uintptr_t)rows->ring.base) {
			tk->pf_ring = (uintptr_t)rows->ring.base;
			tk->ring_first = tk->t->pkt_base + (uint32_t)((rows->data - rows->ring.base) / sizeof(struct pkt));
		} else if (atomic_load_explicit(&tk->pf->base, memory_order_relaxed) == tk->pf_ring) {
			return; /* told already */
		}
		base = tk->pf_ring;
		first = tk->ring_first;
		bytes = 2 * rows->ring.bytes;
	}
	atomic_store_explicit(&tk->pf->first, first, memory_order_relaxed);
	atomic_store_explicit(&tk->pf->bytes, bytes, memory_order_relaxed);
	atomic_store_explicit(&tk->pf->base, base, memory_order_release);
}

/* Sizes the packet table once, from the first batch's bytes per frame: the
 * table then grows in place instead of being copied at each doubling, and,
 * being one large block, can be backed by huge pages (faulting it in 4 KiB
 * pages costs more than the decoding). */
static void reserve_packets(struct tables *t, uint64_t offset, uint64_t frames, uint64_t file_size)
{
	if (frames == 0 || offset == 0 || file_size <= offset)
		return;
	uint64_t estimate = file_size / offset * frames + file_size % offset * frames / offset;
	estimate += estimate / 16;
	/* an estimate from unusual first frames must not ask for more than a
	 * quarter of the memory: GLib aborts when an allocation fails */
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	if (pages > 0 && page > 0)
		estimate = MIN(estimate, (uint64_t)pages * (uint64_t)page / 4 / sizeof(struct pkt));
	if (estimate > UINT32_MAX / 2 || estimate <= t->packets->len)
		return;
	tables_reserve_packets(t, (guint)estimate);
	if (!t->packets->mapped) /* a file's pages are the page cache's */
		hugepages_advise_inside(t->packets->data, (size_t)estimate * sizeof(struct pkt));
}

static void track_batch(struct tracking *tk, const struct batch *b, uint64_t file_size)
{
	for (uint32_t i = 0; i < b->n; i++) {
		uint32_t row = tcp_tracker_add_keyed(tk->tt, &b->d[i], &b->key[i]);
		mptcp_tracker_add(tk->mt, row, &b->d[i]);
		if (tk->sink) {
			uint32_t settled = mptcp_tracker_settled(tk->mt);
			uint32_t ready = settled > tk->sink->hold ? settled - tk->sink->hold : 0;
			if (ready > tk->flushed && ready - tk->flushed >= tk->chunk)
				sink_flush(tk->t, tk->sink, &tk->flushed, ready);
		}
	}
	if (tk->batches++ == 0 && !tk->sink)
		reserve_packets(tk->t, b->offset, b->frames, file_size);
	if (tk->pf && (tk->pf_base != (uintptr_t)tk->t->packets->data || tk->pf_first != tk->t->pkt_base))
		prefault_publish(tk);
	if (tk->progress && (tk->batches & 511) == 0)
		tk->progress(b->offset, file_size, tk->user);
}

/* Runs the trackers over every batch the reading side produces: on another
 * thread, or inline. */
static void track_all(struct tracking *tk, struct reading *rd, struct batch *batches)
{
	uint64_t size = tk->t->stats.bytes;
	bool first = true;
	if (!use_threads()) {
		for (bool last = false; !last;) {
			read_batch(rd, &batches[0]);
			tk->t->first_ns = rd->first_ns;
			track_batch(tk, &batches[0], size);
			last = batches[0].last;
		}
		return;
	}
	queue_init(&rd->full);
	queue_init(&rd->empty);
	for (int i = 0; i < N_BATCHES; i++)
		queue_push(&rd->empty, &batches[i]);
	tk->pf = &rd->pf;
	/* not when streaming: the exporter's heap is in 4 KiB pages, and what
	 * its arrays grew by is still to be filled (8 MiB more for no gain) */
	if (!tk->sink)
		prefault_begin();
	cpu_pair_begin(&rd->pair);
	GThread *th = g_thread_new("mptcpa-reader", reading_thread, rd);
	for (bool last = false; !last;) {
		struct batch *b = queue_pop(&rd->full, NULL, 1);
		if (first) {  /* set before any frame was queued: the queue orders it */
			tk->t->first_ns = rd->first_ns;
			first = false;
		}
		track_batch(tk, b, size);
		last = b->last;
		queue_push(&rd->empty, b);
	}
	g_thread_join(th);
	prefault_end();
	cpu_pair_end(&rd->pair);
	queue_clear(&rd->full);
	queue_clear(&rd->empty);
}

struct load_hooks {
	load_progress_fn progress;
	void *user;
	load_tracked_fn tracked;
	void *tracked_user;
	int rows_fd;              /* the packet rows' file (pkt_rows_use_file), -1: none */
	uint64_t rows_offset;
};

static struct tables *load_impl(const char *path, struct load_sink *sink, const struct load_hooks *h,
                                GError **err)
{
	struct capture_reader *r = reader_open(path, err);
	if (!r)
		return NULL;
	int dlt = reader_datalink(r);
	if (!link_type_supported(dlt)) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_FORMAT,
		            "%s: unsupported link type %s (%d)", path, reader_datalink_name(r), dlt);
		reader_close(r);
		return NULL;
	}
	struct tables *t = tables_new();
	if (sink) {
		t->reinjected_in = sink->reinjected_in;
		sink->reinjected_in = NULL;
	}
	t->path = g_strdup(path);
	t->dlt = dlt;
	t->link_name = g_strdup(reader_datalink_name(r));
	t->stats.bytes = reader_size(r);
	if (h->rows_fd >= 0 && !sink)
		(void)pkt_rows_use_file(t->packets, h->rows_fd, h->rows_offset);
	struct tracking tk = {
		.t = t, .tt = tcp_tracker_new(t), .mt = mptcp_tracker_new(t, sink != NULL), .sink = sink,
		.chunk = SINK_CHUNK, .progress = h->progress, .user = h->user,
	};
	if (sink && sink->lag) {
		mptcp_tracker_set_lag(tk.mt, sink->lag);
		tk.chunk = MAX(1, MIN(SINK_CHUNK, sink->lag / 2));
	}
	if (sink) /* the most rows the window holds, a flush at a time (sink_flush) */
		(void)pkt_rows_make_ring(t->packets, (sink->lag ? sink->lag : MPTCP_SETTLE_LAG) + sink->hold +
		                                         tk.chunk + BATCH_FRAMES);
	struct reading rd = { .r = r, .dlt = dlt };
	hugeheap_advise(); /* the heap's advice (util/hugepages.h) before the batches are touched */
	struct batch *batches = g_new(struct batch, N_BATCHES);
	track_all(&tk, &rd, batches);
	g_free(batches);

	uint64_t bytes = t->stats.bytes;
	t->stats = rd.stats;
	t->stats.bytes = bytes;
	t->first_ns = rd.first_ns;
	int rc = rd.rc;
	if (rc < 0)
		g_propagate_error(err, rd.err);
	if (rc == 0 && t->stats.frames == 0 && !reader_warning(r)) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_EMPTY, "%s: the capture holds no packet", path);
		rc = -1;
	}
	if (reader_warning(r))
		t->warning = g_strdup(reader_warning(r));
	if (rc >= 0 && h->tracked) {
		uint32_t settled = mptcp_tracker_settled(tk.mt);
		mptcp_tracker_freeze(tk.mt, settled); /* the hook's reader sees them unchanged */
		h->tracked(t, settled, h->tracked_user);
	}
	mptcp_tracker_finish(tk.mt);
	if (rc >= 0)
		sink_flush(t, sink, &tk.flushed, tables_n_pkts(t));
	mptcp_tracker_free(tk.mt);
	tcp_tracker_free(tk.tt);
	reader_close(r);
	hugeheap_release(); /* the trackers' lists, freed in the heap, leave the process */
	if (rc < 0) {
		tables_free(t);
		return NULL;
	}
	return t;
}

struct tables *capture_load(const char *path, load_progress_fn progress, void *user, GError **err)
{
	return capture_load_tracked(path, progress, user, NULL, NULL, -1, 0, err);
}

struct tables *capture_load_tracked(const char *path, load_progress_fn progress, void *user,
                                    load_tracked_fn tracked, void *tracked_user, int rows_fd,
                                    uint64_t rows_offset, GError **err)
{
	struct load_hooks h = { progress, user, tracked, tracked_user, rows_fd, rows_offset };
	return load_impl(path, NULL, &h, err);
}

struct tables *capture_load_stream(const char *path, struct load_sink *sink, load_progress_fn progress,
                                   void *user, GError **err)
{
	struct load_hooks h = { progress, user, NULL, NULL, -1, 0 };
	return load_impl(path, sink, &h, err);
}
