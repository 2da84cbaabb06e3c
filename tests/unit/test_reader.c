/* test_reader.c - unit tests for the capture reader (capture/reader.h) and
 * the error paths of capture_load (table/load.h).
 *
 * Captures are written into a fresh temporary folder: pcap files through
 * libpcap's own dumper (microsecond and nanosecond), pcapng files block by
 * block in both byte orders (a section header, two interfaces with different
 * time resolutions, enhanced packet blocks on both, a statistics block and an
 * obsolete packet block).  Each test checks frame numbers, times, lengths,
 * bytes and interface ids, then cuts the files at awkward places.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>
#include <pcap/pcap.h>

#include "capture/reader.h"
#include "table/load.h"
#include "pkt_builder.h"
#include "test_common.h"

static char *tmpdir;

static const uint8_t A4[4] = { 10, 0, 0, 1 };
static const uint8_t B4[4] = { 10, 0, 0, 2 };
static const uint8_t A6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t B6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

#define T0 1700000000LL  /* seconds of the first frame */

/* ---- test frames ---------------------------------------------------------- */

struct tframe {
	struct pb b;          /* the whole frame as on the wire */
	uint32_t caplen;      /* bytes written to the file */
	int64_t ts_ns;
	uint16_t iface;
};

/* Ethernet + IPv4 + TCP with `payload` bytes */
static void frame_tcp4(struct tframe *f, uint32_t seq, size_t payload)
{
	static const uint8_t ts[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	struct pb_tcp t = { .sport = 40000, .dport = 5201, .seq = seq, .ack = 1, .flags = 0x18,
			    .win = 502, .opts = ts, .optlen = sizeof(ts), .payload = payload };
	pb_init(&f->b);
	pb_eth(&f->b, 0x0800);
	size_t ip = pb_ipv4(&f->b, 6, A4, B4, 1, 0x4000, NULL, 0);
	pb_tcp(&f->b, &t);
	pb_ipv4_end(&f->b, ip);
	f->caplen = (uint32_t)f->b.len;
}

/* Ethernet + IPv6 + TCP */
static void frame_tcp6(struct tframe *f, uint32_t seq, size_t payload)
{
	struct pb_tcp t = { .sport = 40001, .dport = 5201, .seq = seq, .ack = 7, .flags = 0x10,
			    .win = 100, .payload = payload };
	pb_init(&f->b);
	pb_eth(&f->b, 0x86dd);
	size_t ip = pb_ipv6(&f->b, 6, A6, B6, 0);
	pb_tcp(&f->b, &t);
	pb_ipv6_end(&f->b, ip);
	f->caplen = (uint32_t)f->b.len;
}

/* an ARP request: a frame that is not TCP but still counts */
static void frame_arp(struct tframe *f)
{
	pb_init(&f->b);
	pb_eth(&f->b, 0x0806);
	pb_bytes(&f->b, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	pb_zeros(&f->b, 20);
	f->caplen = (uint32_t)f->b.len;
}

/* The frames used by most tests: TCP, ARP, TCP over IPv6 cut by the snap
 * length, TCP.  Times are 1.5 s apart plus sub-microsecond parts. */
#define N_FRAMES 4
static void make_frames(struct tframe fr[N_FRAMES])
{
	memset(fr, 0, sizeof(struct tframe) * N_FRAMES);
	frame_tcp4(&fr[0], 1000, 10);
	frame_arp(&fr[1]);
	frame_tcp6(&fr[2], 2000, 1200);
	fr[2].caplen = 14 + 40 + 20 + 8; /* snap length */
	frame_tcp4(&fr[3], 1010, 20);
	for (int i = 0; i < N_FRAMES; i++)
		fr[i].ts_ns = (T0 + i) * 1000000000LL + 500000000LL * i + 123456789LL * (i + 1) % 1000000000LL;
}

static char *tmp_path(const char *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

static void write_file(const char *path, const void *data, size_t len)
{
	GError *err = NULL;
	g_assert_true(g_file_set_contents(path, data, (gssize)len, &err));
	g_assert_no_error(err);
}

static gsize file_size(const char *path)
{
	GStatBuf st;
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	return (gsize)st.st_size;
}

/* keeps the first `len` bytes of a file */
static void cut_file(const char *path, gsize len)
{
	gchar *data;
	gsize size;
	g_assert_true(g_file_get_contents(path, &data, &size, NULL));
	g_assert_cmpuint(len, <=, size);
	write_file(path, data, len);
	g_free(data);
}

/* ---- pcap through libpcap ------------------------------------------------- */

/* Writes frames with pcap_dump; `nano` picks the file's time precision (a
 * microsecond file loses the nanoseconds, so the expected times are rounded
 * down in `fr`). */
static void write_pcap(const char *path, int dlt, bool nano, struct tframe *fr, int n)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(dlt, 262144,
		nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	g_assert_nonnull(p);
	pcap_dumper_t *dump = pcap_dump_open(p, path);
	g_assert_nonnull(dump);
	for (int i = 0; i < n; i++) {
		if (!nano)
			fr[i].ts_ns -= fr[i].ts_ns % 1000;
		struct pcap_pkthdr h;
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(fr[i].ts_ns / 1000000000);
		h.ts.tv_usec = (suseconds_t)(fr[i].ts_ns % 1000000000 / (nano ? 1 : 1000));
		h.caplen = fr[i].caplen;
		h.len = (bpf_u_int32)fr[i].b.len;
		pcap_dump((u_char *)dump, &h, fr[i].b.buf);
	}
	pcap_dump_close(dump);
	pcap_close(p);
}

/* The tests that read frames run twice: with reader_next, then with
 * reader_dispatch asking for `dispatch_max` frames at a time. */
static int dispatch_max;

struct expected {
	const struct tframe *fr;
	int n, got;
};

static void check_frame(const struct frame *f, void *user)
{
	struct expected *e = user;
	g_assert_cmpint(e->got, <, e->n);
	const struct tframe *w = &e->fr[e->got];
	g_assert_cmpuint(f->number, ==, (unsigned)e->got + 1);
	g_assert_cmpint(f->ts_ns, ==, w->ts_ns);
	g_assert_cmpuint(f->caplen, ==, w->caplen);
	g_assert_cmpuint(f->wirelen, ==, w->b.len);
	g_assert_cmpuint(f->iface, ==, w->iface);
	g_assert_cmpmem(f->data, f->caplen, w->b.buf, w->caplen);
	e->got++;
}

/* reads every frame and checks it against `fr`; returns the count */
static int read_and_check(struct capture_reader *r, const struct tframe *fr, int n)
{
	struct expected e = { fr, n, 0 };
	struct frame f;
	GError *err = NULL;
	int rc;

	if (dispatch_max) {
		while ((rc = reader_dispatch(r, dispatch_max, check_frame, &e, &err)) > 0)
			g_assert_cmpint(rc, <=, dispatch_max);
	} else {
		while ((rc = reader_next(r, &f, &err)) == 1)
			check_frame(&f, &e);
	}
	g_assert_cmpint(rc, ==, 0);
	g_assert_no_error(err);
	return e.got;
}

static void check_pcap(bool nano)
{
	struct tframe fr[N_FRAMES];
	GError *err = NULL;
	char *path = tmp_path(nano ? "nano.pcap" : "micro.pcap");

	make_frames(fr);
	write_pcap(path, DLT_EN10MB, nano, fr, N_FRAMES);
	struct capture_reader *r = reader_open(path, &err);
	g_assert_no_error(err);
	g_assert_nonnull(r);
	g_assert_cmpint(reader_datalink(r), ==, DLT_EN10MB);
	g_assert_cmpstr(reader_datalink_name(r), ==, "EN10MB");
	g_assert_cmpuint(reader_size(r), ==, file_size(path));
	g_assert_cmpint(read_and_check(r, fr, N_FRAMES), ==, N_FRAMES);
	g_assert_null(reader_warning(r));
	g_assert_cmpuint(reader_offset(r), ==, reader_size(r));
	reader_close(r);
	g_free(path);
}

static void test_pcap_micro(void)
{
	check_pcap(false);
}

static void test_pcap_nano(void)
{
	check_pcap(true);
}

/* capture_load numbers every frame, not only the TCP ones */
static void test_load_frame_numbers(void)
{
	struct tframe fr[N_FRAMES];
	GError *err = NULL;
	char *path = tmp_path("load.pcap");

	make_frames(fr);
	write_pcap(path, DLT_EN10MB, true, fr, N_FRAMES);
	struct tables *t = capture_load(path, NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_nonnull(t);
	g_assert_null(t->warning);
	g_assert_cmpint(t->dlt, ==, DLT_EN10MB);
	g_assert_cmpstr(t->link_name, ==, "EN10MB");
	g_assert_cmpuint(t->stats.frames, ==, 4);
	g_assert_cmpuint(t->stats.tcp_packets, ==, 3);
	g_assert_cmpuint(t->stats.not_ip, ==, 1);
	g_assert_cmpuint(t->stats.truncated, ==, 0);
	g_assert_cmpint(t->first_ns, ==, fr[0].ts_ns);
	g_assert_cmpuint(t->packets->len, ==, 3);
	static const uint32_t frames[] = { 1, 3, 4 };
	static const int src[] = { 0, 2, 3 };
	for (guint i = 0; i < 3; i++) {
		const struct pkt *p = tables_pkt(t, i);
		g_assert_cmpuint(p->frame, ==, frames[i]);
		g_assert_cmpint(p->ts_ns, ==, fr[src[i]].ts_ns);
	}
	/* the IPv6 segment was cut by the snap length: its length is the IP one */
	g_assert_cmpuint(pkt_tcplen(t, tables_pkt(t, 1)), ==, 1200);
	g_assert_cmpuint(tables_pkt(t, 1)->seq, ==, 2000);
	g_assert_cmpuint(pkt_tcplen(t, tables_pkt(t, 0)), ==, 10);
	g_assert_cmpuint(tables_pkt(t, 2)->seq, ==, 1010);
	tables_free(t);
	g_free(path);
}

/* ---- files cut short ------------------------------------------------------ */

/* Cuts a 4-frame pcap after `keep` bytes and checks that `frames` frames
 * come out before a warning. */
static void check_cut_pcap(const char *name, gsize keep, int frames)
{
	struct tframe fr[N_FRAMES];
	GError *err = NULL;
	char *path = tmp_path(name);

	make_frames(fr);
	write_pcap(path, DLT_EN10MB, true, fr, N_FRAMES);
	cut_file(path, keep);
	struct capture_reader *r = reader_open(path, &err);
	g_assert_no_error(err);
	g_assert_cmpint(read_and_check(r, fr, N_FRAMES), ==, frames);
	const char *w = reader_warning(r);
	g_assert_nonnull(w);
	g_assert_nonnull(strstr(w, path));
	char *after = g_strdup_printf("after frame %d", frames);
	g_assert_nonnull(strstr(w, after));
	g_free(after);
	reader_close(r);

	/* the loader keeps what came before the cut and says why it stopped */
	struct tables *t = capture_load(path, NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_nonnull(t);
	g_assert_nonnull(t->warning);
	g_assert_cmpuint(t->stats.frames, ==, (guint64)frames);
	tables_free(t);
	g_free(path);
}

static gsize pcap_record_end(const struct tframe *fr, int n)
{
	gsize off = 24;
	for (int i = 0; i < n; i++)
		off += 16 + fr[i].caplen;
	return off;
}

static void test_pcap_cut(void)
{
	struct tframe fr[N_FRAMES];
	make_frames(fr);
	gsize end3 = pcap_record_end(fr, 3);
	/* in the data of the last record */
	check_cut_pcap("cut-data.pcap", end3 + 16 + 5, 3);
	/* in the header of the last record */
	check_cut_pcap("cut-header.pcap", end3 + 7, 3);
	/* in the data of the second record */
	check_cut_pcap("cut-second.pcap", pcap_record_end(fr, 1) + 20, 1);
	/* in the first record: nothing delivered, still a warning */
	check_cut_pcap("cut-first.pcap", 24 + 16 + 3, 0);
	check_cut_pcap("cut-first-header.pcap", 24 + 10, 0);
}

/* ---- pcapng written by hand ----------------------------------------------- */

static void ng_u16(struct pb *b, uint16_t v, bool be)
{
	if (be)
		pb_be16(b, v);
	else
		pb_le16(b, v);
}

static void ng_u32(struct pb *b, uint32_t v, bool be)
{
	if (be)
		pb_be32(b, v);
	else
		pb_le32(b, v);
}

static void ng_shb(struct pb *b, bool be)
{
	ng_u32(b, 0x0A0D0D0A, be);
	ng_u32(b, 28, be);
	ng_u32(b, 0x1A2B3C4D, be);
	ng_u16(b, 1, be);
	ng_u16(b, 0, be);
	ng_u32(b, 0xffffffff, be); /* section length: unknown */
	ng_u32(b, 0xffffffff, be);
	ng_u32(b, 28, be);
}

/* interface description; `tsresol` 0: default (microseconds) */
static void ng_idb(struct pb *b, bool be, uint8_t tsresol)
{
	uint32_t len = tsresol ? 32 : 20;
	ng_u32(b, 1, be);
	ng_u32(b, len, be);
	ng_u16(b, DLT_EN10MB, be);
	ng_u16(b, 0, be);
	ng_u32(b, 262144, be);
	if (tsresol) {
		ng_u16(b, 9, be);  /* if_tsresol */
		ng_u16(b, 1, be);
		pb_u8(b, tsresol);
		pb_zeros(b, 3);
		ng_u16(b, 0, be);  /* opt_endofopt */
		ng_u16(b, 0, be);
	}
	ng_u32(b, len, be);
}

/* time in the interface's units: microseconds for iface 0, ns for iface 1 */
static uint64_t ng_units(const struct tframe *f)
{
	return f->iface == 0 ? (uint64_t)(f->ts_ns / 1000) : (uint64_t)f->ts_ns;
}

static void ng_packet(struct pb *b, bool be, const struct tframe *f, bool obsolete)
{
	uint32_t padded = (f->caplen + 3) / 4 * 4;
	uint32_t len = 32 + padded;
	uint64_t ts = ng_units(f);
	ng_u32(b, obsolete ? 2 : 6, be);
	ng_u32(b, len, be);
	if (obsolete) {
		ng_u16(b, f->iface, be);
		ng_u16(b, 0, be);  /* drops count */
	} else {
		ng_u32(b, f->iface, be);
	}
	ng_u32(b, (uint32_t)(ts >> 32), be);
	ng_u32(b, (uint32_t)ts, be);
	ng_u32(b, f->caplen, be);
	ng_u32(b, (uint32_t)f->b.len, be);
	pb_bytes(b, f->b.buf, f->caplen);
	pb_zeros(b, padded - f->caplen);
	ng_u32(b, len, be);
}

/* interface statistics: a block the reader must step over */
static void ng_isb(struct pb *b, bool be)
{
	ng_u32(b, 5, be);
	ng_u32(b, 24, be);
	ng_u32(b, 0, be);
	ng_u32(b, 0, be);
	ng_u32(b, 0, be);
	ng_u32(b, 24, be);
}

/* The pcapng frames: interfaces 0 1 1 0 1 (the last in an obsolete packet
 * block); times rounded to each interface's resolution. */
#define NG_FRAMES 5
static void make_ng_frames(struct tframe fr[NG_FRAMES])
{
	static const uint16_t ifaces[NG_FRAMES] = { 0, 1, 1, 0, 1 };
	memset(fr, 0, sizeof(struct tframe) * NG_FRAMES);
	frame_tcp4(&fr[0], 1, 0);
	frame_tcp4(&fr[1], 2, 33);
	frame_arp(&fr[2]);
	frame_tcp6(&fr[3], 3, 100);
	fr[3].caplen = 70;
	frame_tcp4(&fr[4], 4, 1);
	for (int i = 0; i < NG_FRAMES; i++) {
		fr[i].iface = ifaces[i];
		fr[i].ts_ns = (T0 + i) * 1000000000LL + 987654321LL - i;
		if (fr[i].iface == 0)
			fr[i].ts_ns -= fr[i].ts_ns % 1000;
	}
}

/* writes the pcapng; returns the offset where the last packet block starts */
static gsize write_pcapng(const char *path, bool be, const struct tframe *fr)
{
	static struct pb b;
	gsize last = 0;
	pb_init(&b);
	ng_shb(&b, be);
	ng_idb(&b, be, 0);
	ng_idb(&b, be, 9);
	for (int i = 0; i < NG_FRAMES; i++) {
		if (i == 2)
			ng_isb(&b, be);
		last = b.len;
		ng_packet(&b, be, &fr[i], i == NG_FRAMES - 1);
	}
	write_file(path, b.buf, b.len);
	return last;
}

static void check_pcapng(bool be)
{
	struct tframe fr[NG_FRAMES];
	GError *err = NULL;
	char *path = tmp_path(be ? "be.pcapng" : "le.pcapng");

	make_ng_frames(fr);
	write_pcapng(path, be, fr);
	struct capture_reader *r = reader_open(path, &err);
	g_assert_no_error(err);
	g_assert_nonnull(r);
	g_assert_cmpint(reader_datalink(r), ==, DLT_EN10MB);
	g_assert_cmpint(read_and_check(r, fr, NG_FRAMES), ==, NG_FRAMES);
	g_assert_null(reader_warning(r));
	g_assert_cmpuint(reader_offset(r), ==, reader_size(r));
	reader_close(r);

	struct tables *t = capture_load(path, NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(t->stats.frames, ==, NG_FRAMES);
	g_assert_cmpuint(t->packets->len, ==, 4);
	static const uint32_t frames[] = { 1, 2, 4, 5 };
	static const uint16_t ifaces[] = { 0, 1, 0, 1 };
	for (guint i = 0; i < 4; i++) {
		g_assert_cmpuint(tables_pkt(t, i)->frame, ==, frames[i]);
		g_assert_cmpuint(pkt_iface(t, tables_pkt(t, i)), ==, ifaces[i]);
	}
	tables_free(t);
	g_free(path);
}

static void test_pcapng_le(void)
{
	check_pcapng(false);
}

static void test_pcapng_be(void)
{
	check_pcapng(true);
}

static void test_pcapng_cut(void)
{
	struct tframe fr[NG_FRAMES];
	GError *err = NULL;
	char *path = tmp_path("cut.pcapng");

	make_ng_frames(fr);
	gsize last = write_pcapng(path, false, fr);
	cut_file(path, last + 30);
	struct capture_reader *r = reader_open(path, &err);
	g_assert_no_error(err);
	g_assert_cmpint(read_and_check(r, fr, NG_FRAMES), ==, NG_FRAMES - 1);
	g_assert_nonnull(reader_warning(r));
	g_assert_nonnull(strstr(reader_warning(r), "after frame 4"));
	reader_close(r);

	/* cut in the first packet block (SHB 28 + IDBs 20 + 32 bytes before it) */
	write_pcapng(path, false, fr);
	cut_file(path, 28 + 20 + 32 + 30);
	r = reader_open(path, &err);
	g_assert_no_error(err);
	g_assert_cmpint(read_and_check(r, fr, NG_FRAMES), ==, 0);
	g_assert_nonnull(reader_warning(r));
	g_assert_nonnull(strstr(reader_warning(r), "after frame 0"));
	reader_close(r);

	/* cut in the middle of a block header */
	write_pcapng(path, false, fr);
	cut_file(path, last + 5);
	r = reader_open(path, &err);
	g_assert_no_error(err);
	g_assert_cmpint(read_and_check(r, fr, NG_FRAMES), ==, NG_FRAMES - 1);
	g_assert_nonnull(reader_warning(r));
	reader_close(r);
	g_free(path);
}

/* ---- files that are not captures ------------------------------------------ */

/* reader_open and capture_load both fail on `path` with `code`, and the
 * message names the file and contains `what` */
static void check_open_error(const char *path, int code, const char *what)
{
	GError *err = NULL;
	struct capture_reader *r = reader_open(path, &err);
	g_assert_null(r);
	g_assert_error(err, MPTCPA_ERROR, code);
	g_assert_nonnull(strstr(err->message, path));
	if (!strstr(err->message, what))
		g_error("message '%s' lacks '%s'", err->message, what);
	g_clear_error(&err);

	struct tables *t = capture_load(path, NULL, NULL, &err);
	g_assert_null(t);
	g_assert_error(err, MPTCPA_ERROR, code);
	g_assert_nonnull(strstr(err->message, path));
	g_assert_nonnull(strstr(err->message, what));
	g_clear_error(&err);
}

static void test_error_missing(void)
{
	char *path = tmp_path("no-such-file.pcap");
	check_open_error(path, MPTCPA_ERR_OPEN, g_strerror(ENOENT));
	g_free(path);
}

static void test_error_directory(void)
{
	check_open_error(tmpdir, MPTCPA_ERR_OPEN, "directory");
}

static void test_error_empty(void)
{
	char *path = tmp_path("empty.pcap");
	write_file(path, "", 0);
	check_open_error(path, MPTCPA_ERR_EMPTY, "empty");
	g_free(path);
}

static void test_error_not_capture(void)
{
	char *path = tmp_path("notes.txt");
	static const char text[] = "this is a text file, not a capture at all\n";
	write_file(path, text, sizeof(text) - 1);
	check_open_error(path, MPTCPA_ERR_FORMAT, "not a pcap or pcapng");
	g_free(path);

	/* a pcap file header cut short */
	struct tframe fr[N_FRAMES];
	make_frames(fr);
	path = tmp_path("short-header.pcap");
	write_pcap(path, DLT_EN10MB, false, fr, 1);
	cut_file(path, 10);
	check_open_error(path, MPTCPA_ERR_FORMAT, "not a pcap or pcapng");
	g_free(path);
}

/* a valid capture without any frame: the reader ends cleanly, the loader
 * refuses it */
static void test_error_no_frames(void)
{
	GError *err = NULL;
	struct frame f;
	char *path = tmp_path("zero.pcap");

	write_pcap(path, DLT_EN10MB, false, NULL, 0);
	g_assert_cmpuint(file_size(path), ==, 24);
	struct capture_reader *r = reader_open(path, &err);
	g_assert_no_error(err);
	g_assert_cmpint(reader_next(r, &f, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_null(reader_warning(r));
	reader_close(r);

	struct tables *t = capture_load(path, NULL, NULL, &err);
	g_assert_null(t);
	g_assert_error(err, MPTCPA_ERROR, MPTCPA_ERR_EMPTY);
	g_assert_nonnull(strstr(err->message, path));
	g_assert_nonnull(strstr(err->message, "no packet"));
	g_clear_error(&err);
	g_free(path);

	/* pcapng: header and interface only */
	static struct pb b;
	pb_init(&b);
	ng_shb(&b, false);
	ng_idb(&b, false, 0);
	path = tmp_path("zero.pcapng");
	write_file(path, b.buf, b.len);
	t = capture_load(path, NULL, NULL, &err);
	g_assert_null(t);
	g_assert_error(err, MPTCPA_ERROR, MPTCPA_ERR_EMPTY);
	g_clear_error(&err);
	g_free(path);
}

/* a readable capture of a link type the decoders do not know */
static void test_error_link_type(void)
{
	struct tframe fr[N_FRAMES];
	GError *err = NULL;
	char *path = tmp_path("wifi.pcap");

	make_frames(fr);
	write_pcap(path, DLT_IEEE802_11, false, fr, 2);
	struct capture_reader *r = reader_open(path, &err);
	g_assert_no_error(err);
	g_assert_cmpint(reader_datalink(r), ==, DLT_IEEE802_11);
	g_assert_cmpstr(reader_datalink_name(r), ==, "IEEE802_11");
	reader_close(r);

	struct tables *t = capture_load(path, NULL, NULL, &err);
	g_assert_null(t);
	g_assert_error(err, MPTCPA_ERROR, MPTCPA_ERR_FORMAT);
	g_assert_nonnull(strstr(err->message, path));
	g_assert_nonnull(strstr(err->message, "unsupported link type"));
	g_assert_nonnull(strstr(err->message, "IEEE802_11"));
	g_assert_nonnull(strstr(err->message, "105"));
	g_clear_error(&err);
	g_free(path);
}

/* other supported link types load too (Linux cooked capture) */
static void test_load_sll(void)
{
	GError *err = NULL;
	char *path = tmp_path("sll.pcap");
	struct tframe f;
	struct pb_tcp t = { .sport = 1, .dport = 2, .seq = 77, .flags = 0x02, .win = 1 };

	memset(&f, 0, sizeof(f));
	pb_sll(&f.b, 0x0800);
	size_t ip = pb_ipv4(&f.b, 6, A4, B4, 9, 0, NULL, 0);
	pb_tcp(&f.b, &t);
	pb_ipv4_end(&f.b, ip);
	f.caplen = (uint32_t)f.b.len;
	f.ts_ns = T0 * 1000000000LL;
	write_pcap(path, DLT_LINUX_SLL, false, &f, 1);
	struct tables *tb = capture_load(path, NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_cmpint(tb->dlt, ==, DLT_LINUX_SLL);
	g_assert_cmpuint(tb->packets->len, ==, 1);
	g_assert_cmpuint(tables_pkt(tb, 0)->seq, ==, 77);
	g_assert_cmpuint(tables_pkt(tb, 0)->frame, ==, 1);
	tables_free(tb);
	g_free(path);
}

static void remove_tmpdir(void)
{
	test_remove_dir(tmpdir);
}

/* runs `tests` again with reader_dispatch, 1, 3 and 1000 frames at a time */
static void dispatched(void (*const tests[3])(void))
{
	static const int max[] = { 1, 3, 1000 };
	for (size_t i = 0; i < G_N_ELEMENTS(max); i++) {
		dispatch_max = max[i];
		for (int k = 0; k < 3; k++)
			tests[k]();
	}
	dispatch_max = 0;
}

static void test_dispatch_pcap(void)
{
	static void (*const tests[3])(void) = { test_pcap_micro, test_pcap_nano, test_pcap_cut };
	dispatched(tests);
}

static void test_dispatch_pcapng(void)
{
	static void (*const tests[3])(void) = { test_pcapng_le, test_pcapng_be, test_pcapng_cut };
	dispatched(tests);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	GError *err = NULL;
	tmpdir = g_dir_make_tmp("mptcpa-reader-XXXXXX", &err);
	g_assert_no_error(err);

	g_test_add_func("/reader/pcap/micro", test_pcap_micro);
	g_test_add_func("/reader/dispatch/pcap", test_dispatch_pcap);
	g_test_add_func("/reader/dispatch/pcapng", test_dispatch_pcapng);
	g_test_add_func("/reader/pcap/nano", test_pcap_nano);
	g_test_add_func("/reader/pcap/cut", test_pcap_cut);
	g_test_add_func("/reader/pcapng/little_endian", test_pcapng_le);
	g_test_add_func("/reader/pcapng/big_endian", test_pcapng_be);
	g_test_add_func("/reader/pcapng/cut", test_pcapng_cut);
	g_test_add_func("/reader/error/missing", test_error_missing);
	g_test_add_func("/reader/error/directory", test_error_directory);
	g_test_add_func("/reader/error/empty", test_error_empty);
	g_test_add_func("/reader/error/not_capture", test_error_not_capture);
	g_test_add_func("/reader/error/no_frames", test_error_no_frames);
	g_test_add_func("/reader/error/link_type", test_error_link_type);
	g_test_add_func("/reader/load/frame_numbers", test_load_frame_numbers);
	g_test_add_func("/reader/load/sll", test_load_sll);

	int rc = g_test_run();
	remove_tmpdir();
	g_free(tmpdir);
	return rc;
}
