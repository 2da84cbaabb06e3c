/* pcap_walk.c - classic pcap records walked in blocks read from the file
 * (see pcap_walk.h for what it vouches for and what it leaves to libpcap). */
#include "capture/pcap_walk.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "util/unaligned.h"

#define MAGIC_MICRO 0xa1b2c3d4u
#define MAGIC_NANO 0xa1b23c4du
#define FILE_HEADER 24
#define RECORD_HEADER 16
/* a few hundred records a block; a record longer than the block is left
 * to libpcap (a 256 KiB frame: only the largest snapshot lengths) */
#define BLOCK (256 * 1024)

struct pcap_walk {
	int fd;
	bool nano;
	bool eof;          /* a read came back short: the file has no more bytes */
	uint32_t snaplen;
	uint64_t off;      /* file offset of buf[0] */
	size_t len, pos;   /* bytes in buf; the next record's start in it */
	uint8_t *buf;
};

/* reads at most n bytes at `at` into dst; short only at the end of the
 * file or on an error (both end the walk) */
static size_t read_at(int fd, uint8_t *dst, size_t n, uint64_t at)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(fd, dst + got, n - got, (off_t)(at + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got;
}

struct pcap_walk *pcap_walk_open(int fd, uint32_t snaplen)
{
	uint8_t hdr[FILE_HEADER];
	if (read_at(fd, hdr, sizeof hdr, 0) != sizeof hdr)
		return NULL;
	uint32_t magic = load_u32(hdr);
	if ((magic != MAGIC_MICRO && magic != MAGIC_NANO) || load_u16(hdr + 4) != 2 ||
	    load_u16(hdr + 6) != 4)
		return NULL;
	struct pcap_walk *w = g_new0(struct pcap_walk, 1);
	w->fd = fd;
	w->nano = magic == MAGIC_NANO;
	w->snaplen = snaplen;
	w->off = FILE_HEADER;
	w->buf = g_malloc(BLOCK);
	return w;
}

void pcap_walk_free(struct pcap_walk *w)
{
	if (!w)
		return;
	g_free(w->buf);
	g_free(w);
}

/* Makes `need` bytes from the next record's start available if the file
 * has them: moves what is left of the block to its front and reads on. */
static bool refill(struct pcap_walk *w, size_t need)
{
	if (need > BLOCK || w->eof)
		return false;
	memmove(w->buf, w->buf + w->pos, w->len - w->pos);
	w->off += w->pos;
	w->len -= w->pos;
	w->pos = 0;
	size_t want = BLOCK - w->len;
	size_t got = read_at(w->fd, w->buf + w->len, want, w->off + w->len);
	w->len += got;
	if (got < want)
		w->eof = true;
	return w->len >= need;
}

static inline bool have(struct pcap_walk *w, size_t need)
{
	return w->len - w->pos >= need || refill(w, need);
}

enum pcap_walk_rc pcap_walk_next(struct pcap_walk *w, struct pcap_walk_rec *rec)
{
	if (G_UNLIKELY(!have(w, RECORD_HEADER)))
		return w->eof && w->len == w->pos ? PCAP_WALK_END : PCAP_WALK_HANDOVER;
	const uint8_t *r = w->buf + w->pos;
	uint32_t sec = load_u32(r), frac = load_u32(r + 4);
	uint32_t caplen = load_u32(r + 8);
	/* libpcap truncates (or refuses) a record over the snapshot length, and
	 * has read the time stamp as signed or unsigned depending on its
	 * version: both are its business */
	if (G_UNLIKELY(caplen > w->snaplen || (sec | frac) >> 31))
		return PCAP_WALK_HANDOVER;
	if (G_UNLIKELY(!have(w, RECORD_HEADER + (size_t)caplen)))
		return PCAP_WALK_HANDOVER;
	r = w->buf + w->pos;
	/* under 2^31 s and 2^31 units: no overflow, nothing for the reader to clamp */
	rec->ts_ns = (int64_t)sec * 1000000000 + (int64_t)frac * (w->nano ? 1 : 1000);
	rec->caplen = caplen;
	rec->len = load_u32(r + 12);
	rec->data = r + RECORD_HEADER;
	w->pos += RECORD_HEADER + (size_t)caplen;
	return PCAP_WALK_FRAME;
}

uint64_t pcap_walk_offset(const struct pcap_walk *w)
{
	return w->off + w->pos;
}
