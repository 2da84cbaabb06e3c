/* reader.c - libpcap frame reader, plus a tiny pcapng block walker that only
 * recovers each packet's interface id (libpcap reads several interfaces of one
 * link type but does not say which interface a packet came from).  Classic
 * pcap files are walked by capture/pcap_walk.c until a record it leaves to
 * libpcap. */
#include "capture/reader.h"
#include "capture/pcap_walk.h"
#include "util/unaligned.h"

#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pcap/pcap.h>

G_DEFINE_QUARK(mptcpa-error-quark, mptcpa_error)

struct capture_reader {
	pcap_t *pcap;
	struct pcap_walk *walk; /* non-NULL until libpcap reads the records */
	FILE *ng;           /* second handle on a pcapng file, for interface ids */
	bool ng_swap;       /* section in the other byte order */
	uint32_t number;
	uint64_t size;
	char *path;
	char *warning;
	char *iobuf;        /* the capture FILE's buffer (freed after pcap_close) */
	char *ng_iobuf;     /* ng's */
};

/* libpcap reads each record as two freads from a stdio FILE, whose default
 * buffer (4 KiB) costs a read system call every few records */
#define IOBUF_SIZE (256 * 1024)

static uint32_t ng_u32(const struct capture_reader *r, const uint8_t *p)
{
	uint32_t v = load_u32(p);
	return r->ng_swap ? GUINT32_SWAP_LE_BE(v) : v;
}

static uint16_t ng_u16(const struct capture_reader *r, const uint8_t *p)
{
	uint16_t v = load_u16(p);
	return r->ng_swap ? GUINT16_SWAP_LE_BE(v) : v;
}

/* Moves the walker n bytes on by reading them: fseek on a stream being read
 * drops its buffer and costs a system call, once per packet here.  A short
 * read (the file ends inside the block) is not an error, as for fseek: the
 * next header read fails instead. */
static void ng_skip(FILE *f, size_t n)
{
	char buf[2048];
	while (n > 0) {
		size_t k = n < sizeof buf ? n : sizeof buf;
		if (fread(buf, 1, k, f) != k)
			return;
		n -= k;
	}
}

/* Advances the pcapng walker to the next packet block and returns its
 * interface id (0 when unknown).  Blocks other than EPB/SPB/PB are skipped;
 * a section header resets the byte order. */
static uint16_t ng_next_iface(struct capture_reader *r)
{
	uint8_t hdr[12];
	while (r->ng && fread(hdr, 1, 12, r->ng) == 12) {
		uint32_t type_raw;
		memcpy(&type_raw, hdr, 4);
		if (type_raw == 0x0A0D0D0A) {
			uint32_t magic;
			memcpy(&magic, hdr + 8, 4);
			r->ng_swap = magic != 0x1A2B3C4D;
		}
		uint32_t type = ng_u32(r, hdr), len = ng_u32(r, hdr + 4);
		if (len < 12 || len % 4 != 0)
			break;
		ng_skip(r->ng, len - 12);
		if (type == 6) /* EPB: 32-bit interface id */
			return (uint16_t)ng_u32(r, hdr + 8);
		if (type == 2) /* obsolete PB: 16-bit interface id, then 16-bit drops count */
			return ng_u16(r, hdr + 8);
		if (type == 3) /* SPB: always interface 0 */
			return 0;
	}
	if (r->ng) {
		fclose(r->ng);
		r->ng = NULL;
	}
	return 0;
}

static bool file_is_pcapng(FILE *f)
{
	uint8_t magic[4];
	bool ng = fread(magic, 1, 4, f) == 4 && memcmp(magic, "\x0a\x0d\x0d\x0a", 4) == 0;
	rewind(f);
	return ng;
}

/* MPTCPANALYZER_PCAP_WALK=0 leaves every record to libpcap (tests, A/B) */
static bool walk_wanted(void)
{
	const char *v = getenv("MPTCPANALYZER_PCAP_WALK");
	return !v || strcmp(v, "0") != 0;
}

struct capture_reader *reader_open(const char *path, GError **err)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: is a directory, not a capture", path);
		return NULL;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	char *iobuf = g_malloc(IOBUF_SIZE);
	setvbuf(f, iobuf, _IOFBF, IOBUF_SIZE);
	/* one thread reads it: no lock per fread */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	if (st.st_size == 0) {
		fclose(f);
		g_free(iobuf);
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_EMPTY, "%s: empty file, not a capture", path);
		return NULL;
	}
	bool ng = file_is_pcapng(f);
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fclose(f);
		g_free(iobuf);
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_FORMAT,
		            "%s: not a pcap or pcapng capture (%s)", path, errbuf);
		return NULL;
	}
	struct capture_reader *r = g_new0(struct capture_reader, 1);
	r->pcap = p;
	r->iobuf = iobuf;
	r->size = (uint64_t)st.st_size;
	r->path = g_strdup(path);
	if (!ng && walk_wanted())
		r->walk = pcap_walk_open(fileno(f), (uint32_t)pcap_snapshot(p));
	if (ng && (r->ng = fopen(path, "rb")) != NULL) {
		r->ng_iobuf = g_malloc(IOBUF_SIZE);
		setvbuf(r->ng, r->ng_iobuf, _IOFBF, IOBUF_SIZE);
		__fsetlocking(r->ng, FSETLOCKING_BYCALLER);
	}
	return r;
}

void reader_close(struct capture_reader *r)
{
	if (!r)
		return;
	pcap_walk_free(r->walk);
	pcap_close(r->pcap);
	g_free(r->iobuf);
	if (r->ng)
		fclose(r->ng);
	g_free(r->ng_iobuf);
	g_free(r->path);
	g_free(r->warning);
	g_free(r);
}

int reader_datalink(const struct capture_reader *r)
{
	return pcap_datalink(r->pcap);
}

const char *reader_datalink_name(const struct capture_reader *r)
{
	const char *n = pcap_datalink_val_to_name(pcap_datalink(r->pcap));
	return n ? n : "unknown";
}

/* Latest time kept: half the int64 range (year 2116), so that the difference
 * of any two timestamps fits in an int64_t. */
#define TS_NS_MAX (INT64_MAX / 2)

/* ns since the epoch; with nanosecond precision libpcap stores ns in tv_usec.
 * A pcapng timestamp of 64 bits in coarse units (if_tsresol) can be far out
 * of range (a broken or hostile file): it is clamped to [0, TS_NS_MAX]. */
static int64_t timestamp_ns(const struct timeval *tv)
{
	if (tv->tv_sec < 0)
		return 0;
	if (tv->tv_sec >= TS_NS_MAX / 1000000000)
		return TS_NS_MAX;
	int64_t ns = (int64_t)tv->tv_sec * 1000000000 + tv->tv_usec;
	return ns < 0 ? 0 : MIN(ns, TS_NS_MAX);
}

static void fill_frame(struct capture_reader *r, const struct pcap_pkthdr *h, const u_char *data,
                       struct frame *f)
{
	f->number = ++r->number;
	f->ts_ns = timestamp_ns(&h->ts);
	f->caplen = h->caplen;
	f->wirelen = h->len;
	f->data = data;
	f->iface = r->ng ? ng_next_iface(r) : 0;
}

/* After libpcap failed: a record cut short ends the stream (0) with a
 * warning, anything else is an error (-1). */
static int read_failed(struct capture_reader *r, GError **err)
{
	const char *msg = pcap_geterr(r->pcap);
	if (r->number > 0 || strstr(msg, "truncated")) {
		/* a record cut short: keep what was read, say so */
		g_free(r->warning);
		r->warning = g_strdup_printf("%s: file ends in the middle of a record after frame %u (%s)",
		                             r->path, r->number, msg);
		return 0;
	}
	g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_READ, "%s: %s", r->path, msg);
	return -1;
}

/* libpcap reads on from the record the walker stopped at */
static void hand_over(struct capture_reader *r)
{
	uint64_t at = pcap_walk_offset(r->walk);
	pcap_walk_free(r->walk);
	r->walk = NULL;
	/* libpcap must not read frames again from where it stopped (after the
	 * file header): if the seek fails, the stream ends here, with a warning */
	if (fseeko(pcap_file(r->pcap), (off_t)at, SEEK_SET) != 0) {
		g_free(r->warning);
		r->warning = g_strdup_printf("%s: cannot read on after frame %u (%s)", r->path,
		                             r->number, g_strerror(errno));
		fseeko(pcap_file(r->pcap), 0, SEEK_END);
	}
}

/* the walker's times: seconds and fraction under 2^31, so within what
 * timestamp_ns keeps */
#define WALK_TS_MAX (2147483647LL * 1000000000LL + 2147483647LL * 1000LL)
G_STATIC_ASSERT(WALK_TS_MAX < TS_NS_MAX);

/* the walker's next record: 1 and `f`, 0 at the end, -1 when libpcap
 * takes over (it has been handed the file) */
static inline int walk_next(struct capture_reader *r, struct frame *f)
{
	struct pcap_walk_rec rec;
	enum pcap_walk_rc rc = pcap_walk_next(r->walk, &rec);
	if (G_LIKELY(rc == PCAP_WALK_FRAME)) {
		f->number = ++r->number;
		f->ts_ns = rec.ts_ns; /* in range: see WALK_TS_MAX */
		f->caplen = rec.caplen;
		f->wirelen = rec.len;
		f->data = rec.data;
		f->iface = 0;
		return 1;
	}
	if (rc == PCAP_WALK_END)
		return 0;
	hand_over(r);
	return -1;
}

int reader_next(struct capture_reader *r, struct frame *f, GError **err)
{
	if (r->walk) {
		int rc = walk_next(r, f);
		if (rc >= 0)
			return rc;
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(r->pcap, &h, &data);
	if (rc == 1) {
		fill_frame(r, h, data, f);
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	return read_failed(r, err);
}

struct dispatch {
	struct capture_reader *r;
	reader_frame_fn fn;
	void *user;
};

static void dispatch_one(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct dispatch *d = (struct dispatch *)(void *)user;
	struct frame f;
	fill_frame(d->r, h, data, &f);
	d->fn(&f, d->user);
}

int reader_dispatch(struct capture_reader *r, int max, reader_frame_fn fn, void *user, GError **err)
{
	if (r->walk) {
		int n = 0, rc = 1;
		struct frame f;
		while (n < max && (rc = walk_next(r, &f)) == 1) {
			fn(&f, user);
			n++;
		}
		if (n > 0 || rc >= 0)
			return n;
	}
	struct dispatch d = { r, fn, user };
	int rc = pcap_dispatch(r->pcap, max, dispatch_one, (u_char *)&d);
	if (rc >= 0)
		return rc;
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	return read_failed(r, err);
}

const char *reader_warning(const struct capture_reader *r)
{
	return r->warning;
}

uint64_t reader_offset(const struct capture_reader *r)
{
	if (r->walk)
		return pcap_walk_offset(r->walk);
	FILE *f = pcap_file(r->pcap);
	long off = f ? ftell(f) : -1;
	return off < 0 ? 0 : (uint64_t)off;
}

uint64_t reader_size(const struct capture_reader *r)
{
	return r->size;
}
