/* direct_out.c - a large output file's bytes written with O_DIRECT from
 * aligned buffers (see direct_out.h). */
#include "export/direct_out.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h> /* O_DIRECT: _GNU_SOURCE, as everywhere in the build */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif
#include "util/hugepages.h"

/* the alignment O_DIRECT asks of offsets, lengths and memory: a page covers
 * every block size a disk or file system uses here */
#define DIRECT_ALIGN 4096u
/* bytes per write: large enough that a write's fixed cost does not show */
#define DIRECT_BUF ((size_t)4 << 20)
/* the buffers' block starts on a huge page */
#define DIRECT_BUF_ALIGN ((size_t)2 << 20)

/* Buffers in flight: one being filled while the writer thread writes the
 * others, so the formatting threads do not wait for the device. */
#define DIRECT_NBUF 3

struct direct_out {
	int fd;          /* the ordinary descriptor (not ours to close) */
	int dfd;         /* the same file opened with O_DIRECT; -1 once refused */
	uint8_t *buf[DIRECT_NBUF]; /* DIRECT_BUF bytes each, aligned */
	guint cur;       /* the buffer being filled */
	size_t fill;     /* bytes in it */
	uint64_t off;    /* file offset of its first byte, aligned */

	/* the writer thread: buffers cur - queued .. cur - 1 (mod DIRECT_NBUF)
	 * wait to be written, full, the oldest at q_off */
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	guint queued;
	uint64_t q_off;
	bool quit;
	int error;       /* errno of the first failed write, 0 */
};

static void *writer_run(void *data);

struct direct_out *direct_out_start(int fd, const char *path, uint64_t at)
{
	int dfd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
	if (dfd < 0)
		return NULL;
	struct direct_out *d = g_new0(struct direct_out, 1);
	d->fd = fd;
	d->dfd = dfd;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	/* one block, in huge pages (util/hugepages.h: hugepages_advise_io) */
	void *bufs = NULL;
	bool ok = posix_memalign(&bufs, DIRECT_BUF_ALIGN, DIRECT_BUF * DIRECT_NBUF) == 0;
	if (ok)
		hugepages_advise_io(bufs, DIRECT_BUF * DIRECT_NBUF);
	for (guint i = 0; i < DIRECT_NBUF; i++)
		d->buf[i] = ok ? (uint8_t *)bufs + i * DIRECT_BUF : NULL;
	/* the block `at` falls in starts the buffer: read back what it holds */
	d->off = at - at % DIRECT_ALIGN;
	size_t head = (size_t)(at - d->off);
	ok = ok && (!head || pread(fd, d->buf[0], head, (off_t)d->off) == (ssize_t)head);
	d->fill = head;
	ok = ok && pthread_create(&d->thread, NULL, writer_run, d) == 0;
	d->started = ok;
	if (!ok) {
		direct_out_abort(d);
		return NULL;
	}
	return d;
}

/* writes n bytes of buf at `off`; n is a multiple of DIRECT_ALIGN unless
 * O_DIRECT was refused.  The writer thread's (or, once it is stopped, the
 * caller's): dfd and error are the writer's while it runs. */
static int write_at(struct direct_out *d, const uint8_t *buf, size_t n, uint64_t off)
{
	size_t done = 0;
	while (done < n) {
		int fd = d->dfd >= 0 ? d->dfd : d->fd;
		ssize_t k = pwrite(fd, buf + done, n - done, (off_t)(off + done));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EINVAL && d->dfd >= 0) {
			/* refused (the file system's alignment, or no O_DIRECT at all):
			 * the ordinary descriptor from here on */
			close(d->dfd);
			d->dfd = -1;
			continue;
		}
		if (k <= 0)
			return k < 0 ? errno : EIO;
		done += (size_t)k;
	}
	return 0;
}

static void *writer_run(void *data)
{
	struct direct_out *d = data;
	pthread_mutex_lock(&d->lock);
	for (;;) {
		while (!d->queued && !d->quit)
			pthread_cond_wait(&d->cond, &d->lock);
		if (!d->queued)
			break;
		guint i = (d->cur + DIRECT_NBUF - d->queued) % DIRECT_NBUF;
		uint64_t off = d->q_off;
		bool failed = d->error != 0;
		pthread_mutex_unlock(&d->lock);
		int error = failed ? 0 : write_at(d, d->buf[i], DIRECT_BUF, off);
		pthread_mutex_lock(&d->lock);
		if (error && !d->error)
			d->error = error;
		d->q_off += DIRECT_BUF;
		d->queued--;
		pthread_cond_broadcast(&d->cond);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* the full buffer to the writer thread, and the next one (once written) to fill */
static void hand_over(struct direct_out *d)
{
	pthread_mutex_lock(&d->lock);
	if (!d->queued)
		d->q_off = d->off;
	d->queued++;
	d->cur = (d->cur + 1) % DIRECT_NBUF;
	pthread_cond_broadcast(&d->cond);
	while (d->queued == DIRECT_NBUF)
		pthread_cond_wait(&d->cond, &d->lock);
	pthread_mutex_unlock(&d->lock);
	d->off += DIRECT_BUF;
	d->fill = 0;
}

/* stops the writer thread once it has written what is queued (`cancel`:
 * without writing it); its error */
static int stop_writer(struct direct_out *d, bool cancel)
{
	if (!d->started)
		return d->error;
	pthread_mutex_lock(&d->lock);
	if (cancel && !d->error)
		d->error = ECANCELED;
	d->quit = true;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	d->started = false;
	return d->error;
}

static int error_now(struct direct_out *d)
{
	pthread_mutex_lock(&d->lock);
	int error = d->error;
	pthread_mutex_unlock(&d->lock);
	return error;
}

/* Copies n bytes to dst with stores that go around the caches: the buffer
 * is only read again by the device, and ordinary stores would first read
 * each of its lines in (4.9M packets: 1.17 GB of text copied here). */
static void copy_streaming(uint8_t *dst, const uint8_t *src, size_t n)
{
#if defined(__SSE2__) && defined(__x86_64__)
	size_t head = (size_t)(-(uintptr_t)dst & 15);
	if (n < head + 64) {
		memcpy(dst, src, n);
		return;
	}
	memcpy(dst, src, head);
	dst += head;
	src += head;
	n -= head;
	for (; n >= 64; n -= 64, dst += 64, src += 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)src);
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(src + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(src + 32));
		__m128i e = _mm_loadu_si128((const __m128i *)(const void *)(src + 48));
		_mm_stream_si128((__m128i *)(void *)dst, a);
		_mm_stream_si128((__m128i *)(void *)(dst + 16), b);
		_mm_stream_si128((__m128i *)(void *)(dst + 32), c);
		_mm_stream_si128((__m128i *)(void *)(dst + 48), e);
	}
	memcpy(dst, src, n);
	_mm_sfence(); /* before the writer thread is handed the buffer */
#else
	memcpy(dst, src, n);
#endif
}

bool direct_out_write(struct direct_out *d, const void *p, size_t n)
{
	const uint8_t *src = p;
	while (n) {
		size_t k = MIN(n, DIRECT_BUF - d->fill);
		copy_streaming(d->buf[d->cur] + d->fill, src, k);
		d->fill += k;
		src += k;
		n -= k;
		if (d->fill == DIRECT_BUF)
			hand_over(d);
	}
	int error = error_now(d);
	errno = error;
	return !error;
}

bool direct_out_finish(struct direct_out *d)
{
	uint64_t end = d->off + d->fill;
	int error = stop_writer(d, false);
	if (!error && d->fill) {
		/* the last block padded: the cut below takes the padding off */
		size_t n = d->fill;
		if (d->dfd >= 0) {
			n = (n + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN;
			memset(d->buf[d->cur] + d->fill, 0, n - d->fill);
		}
		error = write_at(d, d->buf[d->cur], n, d->off);
	}
	if (!error && ftruncate(d->fd, (off_t)end) != 0)
		error = errno;
	direct_out_abort(d);
	errno = error;
	return !error;
}

void direct_out_abort(struct direct_out *d)
{
	if (!d)
		return;
	stop_writer(d, true);
	if (d->dfd >= 0)
		close(d->dfd);
	free(d->buf[0]); /* the block of all the buffers */
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	g_free(d);
}
