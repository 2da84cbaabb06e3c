/* test_pcap_walk.c - the classic pcap walker (capture/pcap_walk.h) against
 * libpcap: every file here is read twice through capture/reader.h, once with
 * the walker (and libpcap from where it hands over) and once with libpcap
 * alone (MPTCPANALYZER_PCAP_WALK=0), and both must give the same frames,
 * bytes, warning and end offset.  The files are written byte by byte, so
 * that they can hold what libpcap's dumper would not write: records over the
 * snapshot length, time stamps with the top bit set, records longer than
 * the walker's block, files cut anywhere.  The walker's own answers (where
 * it hands over, which headers it declines) are checked directly too. */
#include <glib.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/pcap_walk.h"
#include "capture/reader.h"
#include "test_common.h"

static char *tmpdir;

/* ---- files written by hand --------------------------------------------- */

struct rec {
	uint32_t sec, frac, caplen, len;
};

static void put32(GByteArray *b, uint32_t v, bool swap)
{
	if (swap)
		v = GUINT32_SWAP_LE_BE(v);
	g_byte_array_append(b, (const guint8 *)&v, 4);
}

static void put16(GByteArray *b, uint16_t v, bool swap)
{
	if (swap)
		v = GUINT16_SWAP_LE_BE(v);
	g_byte_array_append(b, (const guint8 *)&v, 2);
}

static GByteArray *file_header(uint32_t magic, uint16_t major, uint16_t minor, uint32_t snaplen, bool swap)
{
	GByteArray *b = g_byte_array_new();
	put32(b, magic, swap);
	put16(b, major, swap);
	put16(b, minor, swap);
	put32(b, 0, swap);
	put32(b, 0, swap);
	put32(b, snaplen, swap);
	put32(b, 1 /* LINKTYPE_ETHERNET */, swap);
	return b;
}

/* a record whose bytes are a pattern of its index */
static void put_record(GByteArray *b, const struct rec *r, uint32_t index, bool swap)
{
	put32(b, r->sec, swap);
	put32(b, r->frac, swap);
	put32(b, r->caplen, swap);
	put32(b, r->len, swap);
	guint at = b->len;
	g_byte_array_set_size(b, at + r->caplen);
	for (uint32_t i = 0; i < r->caplen; i++)
		b->data[at + i] = (guint8)(index * 7 + i);
}

/* n records of sizes spread from 40 to 1,554 bytes: many cross a block */
static GByteArray *plain_file(uint32_t magic, int n, bool swap)
{
	GByteArray *b = file_header(magic, 2, 4, 65535, swap);
	for (int i = 0; i < n; i++) {
		struct rec r = { 1700000000u + (uint32_t)i, (uint32_t)(i * 1237u % 999999u),
				 40 + (uint32_t)(i * 97 % 1515), 0 };
		r.len = r.caplen + (uint32_t)(i % 3) * 100;
		put_record(b, &r, (uint32_t)i, swap);
	}
	return b;
}

static char *write_tmp(const char *name, const guint8 *data, gsize len)
{
	char *path = g_build_filename(tmpdir, name, NULL);
	test_put_file(path, (const char *)data, (gssize)len);
	return path;
}

/* ---- reading the same file both ways ----------------------------------- */

struct frame_copy {
	uint32_t number, caplen, wirelen;
	int64_t ts_ns;
	guint8 *data;
};

struct reading {
	GArray *frames;   /* struct frame_copy */
	char *warning;
	int rc;           /* of the last reader call */
	uint64_t offset;
	char *error;
};

static void keep_frame(const struct frame *f, void *user)
{
	GArray *a = user;
	struct frame_copy c = { f->number, f->caplen, f->wirelen, f->ts_ns, g_memdup2(f->data, f->caplen) };
	g_array_append_val(a, c);
}

/* reads every frame of `path`, with the walker or not, with reader_next
 * (max 0) or reader_dispatch (max frames a call) */
static struct reading read_all(const char *path, bool walk, int max)
{
	g_setenv("MPTCPANALYZER_PCAP_WALK", walk ? "1" : "0", TRUE);
	struct reading rd = { g_array_new(FALSE, FALSE, sizeof(struct frame_copy)), NULL, 0, 0, NULL };
	GError *err = NULL;
	struct capture_reader *r = reader_open(path, &err);
	g_unsetenv("MPTCPANALYZER_PCAP_WALK");
	if (!r) {
		rd.error = g_strdup(err->message);
		rd.rc = -2;
		g_error_free(err);
		return rd;
	}
	if (max == 0) {
		struct frame f;
		while ((rd.rc = reader_next(r, &f, &err)) == 1)
			keep_frame(&f, rd.frames);
	} else {
		while ((rd.rc = reader_dispatch(r, max, keep_frame, rd.frames, &err)) > 0)
			g_assert_cmpint(rd.rc, <=, max);
	}
	if (err) {
		rd.error = g_strdup(err->message);
		g_error_free(err);
	}
	rd.warning = g_strdup(reader_warning(r));
	rd.offset = reader_offset(r);
	reader_close(r);
	return rd;
}

static void reading_free(struct reading *rd)
{
	for (guint i = 0; i < rd->frames->len; i++)
		g_free(g_array_index(rd->frames, struct frame_copy, i).data);
	g_array_free(rd->frames, TRUE);
	g_free(rd->warning);
	g_free(rd->error);
}

/* both ways give the same; returns the number of frames */
static guint check_same(const char *path, int max)
{
	struct reading a = read_all(path, false, max), b = read_all(path, true, max);
	g_assert_cmpint(b.rc, ==, a.rc);
	g_assert_cmpstr(b.error, ==, a.error);
	g_assert_cmpstr(b.warning, ==, a.warning);
	g_assert_cmpuint(b.frames->len, ==, a.frames->len);
	for (guint i = 0; i < a.frames->len; i++) {
		const struct frame_copy *x = &g_array_index(a.frames, struct frame_copy, i);
		const struct frame_copy *y = &g_array_index(b.frames, struct frame_copy, i);
		g_assert_cmpuint(y->number, ==, x->number);
		g_assert_cmpint(y->ts_ns, ==, x->ts_ns);
		g_assert_cmpuint(y->caplen, ==, x->caplen);
		g_assert_cmpuint(y->wirelen, ==, x->wirelen);
		g_assert_cmpmem(y->data, y->caplen, x->data, x->caplen);
	}
	if (a.rc == 0 && !a.warning)
		g_assert_cmpuint(b.offset, ==, a.offset);
	guint n = a.frames->len;
	reading_free(&a);
	reading_free(&b);
	return n;
}

static const int maxes[] = { 0, 1, 7, 1024 };

static guint check_same_all_ways(const char *path)
{
	guint n = check_same(path, 0);
	for (size_t i = 1; i < G_N_ELEMENTS(maxes); i++)
		g_assert_cmpuint(check_same(path, maxes[i]), ==, n);
	return n;
}

/* ---- the walker alone --------------------------------------------------- */

/* the walker over `b`: NULL when it declines the header */
static struct pcap_walk *walk_bytes(const char *name, GByteArray *b, uint32_t snaplen, int *fd)
{
	char *path = write_tmp(name, b->data, b->len);
	*fd = open(path, O_RDONLY);
	g_assert_cmpint(*fd, >=, 0);
	g_free(path);
	return pcap_walk_open(*fd, snaplen);
}

static void test_declines(void)
{
	struct {
		const char *name;
		uint32_t magic;
		uint16_t major, minor;
		bool swap;
	} cases[] = {
		{ "swapped.pcap", 0xa1b2c3d4u, 2, 4, true },
		{ "v23.pcap", 0xa1b2c3d4u, 2, 3, false },
		{ "kuznetzov.pcap", 0xa1b2cd34u, 2, 4, false },
		{ "pcapng.pcap", 0x0a0d0d0au, 2, 4, false },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GByteArray *b = file_header(cases[i].magic, cases[i].major, cases[i].minor, 65535, cases[i].swap);
		int fd;
		g_assert_null(walk_bytes(cases[i].name, b, 65535, &fd));
		close(fd);
		g_byte_array_free(b, TRUE);
	}
	/* shorter than a file header */
	GByteArray *b = g_byte_array_new();
	put32(b, 0xa1b2c3d4u, false);
	int fd;
	g_assert_null(walk_bytes("short.pcap", b, 65535, &fd));
	close(fd);
	g_byte_array_free(b, TRUE);
}

/* frames as libpcap gives them (ns in tv_usec), then the end */
static void test_walks(void)
{
	GByteArray *b = file_header(0xa1b2c3d4u, 2, 4, 96, false);
	struct rec r1 = { 1700000000u, 999999u, 60, 60 }, r2 = { 1700000001u, 5u, 96, 1514 };
	put_record(b, &r1, 1, false);
	put_record(b, &r2, 2, false);
	int fd;
	struct pcap_walk *w = walk_bytes("walk.pcap", b, 96, &fd);
	g_assert_nonnull(w);
	g_assert_cmpuint(pcap_walk_offset(w), ==, 24);
	struct pcap_walk_rec h;
	g_assert_cmpint(pcap_walk_next(w, &h), ==, PCAP_WALK_FRAME);
	g_assert_cmpint(h.ts_ns, ==, 1700000000LL * 1000000000 + 999999000);
	g_assert_cmpuint(h.caplen, ==, 60);
	g_assert_cmpuint(h.len, ==, 60);
	g_assert_cmpmem(h.data, 60, b->data + 24 + 16, 60);
	g_assert_cmpuint(pcap_walk_offset(w), ==, 24 + 16 + 60);
	g_assert_cmpint(pcap_walk_next(w, &h), ==, PCAP_WALK_FRAME);
	g_assert_cmpuint(h.caplen, ==, 96);
	g_assert_cmpuint(h.len, ==, 1514);
	g_assert_cmpint(h.ts_ns, ==, 1700000001LL * 1000000000 + 5000);
	g_assert_cmpint(pcap_walk_next(w, &h), ==, PCAP_WALK_END);
	g_assert_cmpint(pcap_walk_next(w, &h), ==, PCAP_WALK_END);
	g_assert_cmpuint(pcap_walk_offset(w), ==, b->len);
	pcap_walk_free(w);
	close(fd);
	g_byte_array_free(b, TRUE);
}

/* the record it cannot vouch for is left where it starts */
static void test_hands_over(void)
{
	struct rec ok = { 1700000000u, 1u, 60, 60 };
	struct rec odd[] = {
		{ 1700000000u, 2u, 97, 1514 },           /* over the snapshot length */
		{ 0x80000000u, 2u, 60, 60 },             /* the top bit of the seconds */
		{ 1700000000u, 0x80000000u, 60, 60 },    /* of the fraction */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(odd); i++) {
		GByteArray *b = file_header(0xa1b23c4du, 2, 4, 96, false);
		put_record(b, &ok, 0, false);
		put_record(b, &odd[i], 1, false);
		int fd;
		struct pcap_walk *w = walk_bytes("odd.pcap", b, 96, &fd);
		struct pcap_walk_rec h;
		g_assert_cmpint(pcap_walk_next(w, &h), ==, PCAP_WALK_FRAME);
		g_assert_cmpint(h.ts_ns, ==, 1700000000LL * 1000000000 + 1); /* nanoseconds as they are */
		g_assert_cmpint(pcap_walk_next(w, &h), ==, PCAP_WALK_HANDOVER);
		g_assert_cmpuint(pcap_walk_offset(w), ==, 24 + 16 + 60);
		pcap_walk_free(w);
		close(fd);
		g_byte_array_free(b, TRUE);
	}
	/* cut in a record's data: handed over, not an end */
	GByteArray *b = file_header(0xa1b2c3d4u, 2, 4, 96, false);
	put_record(b, &ok, 0, false);
	put_record(b, &ok, 1, false);
	g_byte_array_set_size(b, b->len - 1);
	int fd;
	struct pcap_walk *w = walk_bytes("cut.pcap", b, 96, &fd);
	struct pcap_walk_rec h;
	g_assert_cmpint(pcap_walk_next(w, &h), ==, PCAP_WALK_FRAME);
	g_assert_cmpint(pcap_walk_next(w, &h), ==, PCAP_WALK_HANDOVER);
	g_assert_cmpuint(pcap_walk_offset(w), ==, 24 + 16 + 60);
	pcap_walk_free(w);
	close(fd);
	g_byte_array_free(b, TRUE);
}

/* ---- the walker against libpcap ---------------------------------------- */

static void test_same_plain(void)
{
	static const uint32_t magics[] = { 0xa1b2c3d4u, 0xa1b23c4du };
	for (size_t m = 0; m < G_N_ELEMENTS(magics); m++) {
		for (int swap = 0; swap < 2; swap++) {
			GByteArray *b = plain_file(magics[m], 3000, swap);
			g_assert_cmpuint(b->len, >, 3 * 256 * 1024); /* several blocks */
			char *path = write_tmp("plain.pcap", b->data, b->len);
			g_assert_cmpuint(check_same_all_ways(path), ==, 3000);
			g_free(path);
			g_byte_array_free(b, TRUE);
		}
	}
}

/* cut at every byte around three records, one across a block's end */
static void test_same_cut(void)
{
	GByteArray *b = plain_file(0xa1b2c3d4u, 400, false);
	/* the record ends: 24, then 16 + caplen each */
	GArray *ends = g_array_new(FALSE, FALSE, sizeof(gsize));
	gsize off = 24;
	for (int i = 0; i < 400; i++) {
		off += 16 + 40 + (gsize)(i * 97 % 1515);
		g_array_append_val(ends, off);
	}
	g_assert_cmpuint(off, ==, b->len);
	gsize block_end = 0;
	for (guint i = 0; i < ends->len; i++)
		if (g_array_index(ends, gsize, i) > 256 * 1024) {
			block_end = g_array_index(ends, gsize, i - 1);
			break;
		}
	g_assert_cmpuint(block_end, >, 0);
	const gsize around[] = { g_array_index(ends, gsize, 0), block_end, b->len - 1600 };
	guint cuts = 0;
	for (size_t k = 0; k < G_N_ELEMENTS(around); k++) {
		for (gsize len = around[k] - 20; len < around[k] + 1600 && len < b->len; len += (len % 7) + 1) {
			char *path = write_tmp("cut.pcap", b->data, len);
			guint n = check_same(path, 0);
			g_assert_cmpuint(check_same(path, 1024), ==, n);
			g_free(path);
			cuts++;
		}
	}
	g_assert_cmpuint(cuts, >, 500);
	g_array_free(ends, TRUE);
	g_byte_array_free(b, TRUE);
}

/* records libpcap changes or refuses, in the middle of a file; the walker
 * hands over there and libpcap goes on to the end */
static void test_same_odd_records(void)
{
	struct rec odd[] = {
		{ 1700000000u, 2u, 200, 1514 },          /* over the file's snaplen of 96 */
		{ 1700000000u, 2u, 300000, 300000 },     /* over libpcap's maximum */
		{ 0x80000000u, 2u, 60, 60 },             /* 2038 and after */
		{ 0xffffffffu, 0xfffffff0u, 60, 60 },
		{ 1700000000u, 2u, 60, 40 },             /* caplen over len */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(odd); i++) {
		GByteArray *b = file_header(0xa1b2c3d4u, 2, 4, 96, false);
		for (uint32_t k = 0; k < 300; k++) {
			struct rec r = { 1700000000u + k, k, 54 + k % 40, 1514 };
			put_record(b, k == 150 ? &odd[i] : &r, k, false);
		}
		char *path = write_tmp("odd.pcap", b->data, b->len);
		guint n = check_same_all_ways(path);
		g_assert_cmpuint(n, >=, 150);
		g_free(path);
		g_byte_array_free(b, TRUE);
	}
}

/* a record longer than the walker's block: libpcap reads it, and the rest */
static void test_same_long_record(void)
{
	GByteArray *b = file_header(0xa1b2c3d4u, 2, 4, 262144, false);
	for (uint32_t k = 0; k < 20; k++) {
		struct rec r = { 1700000000u + k, k, k == 10 ? 262144u : 1500u, 262144 };
		put_record(b, &r, k, false);
	}
	char *path = write_tmp("long.pcap", b->data, b->len);
	g_assert_cmpuint(check_same_all_ways(path), ==, 20);
	g_free(path);
	g_byte_array_free(b, TRUE);
}

/* the examples of the project, when it has them: real tcpdump files */
static void test_same_examples(void)
{
	const char *root = g_getenv("MPTCPA_SOURCE_ROOT");
	char *dir = g_build_filename(root ? root : ".", "examples", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	guint files = 0;
	const char *name;
	while (d && (name = g_dir_read_name(d)) != NULL) {
		if (!g_str_has_suffix(name, ".pcap"))
			continue;
		char *path = g_build_filename(dir, name, NULL);
		g_assert_cmpuint(check_same(path, 1024), >, 0);
		files++;
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_free(dir);
	if (files == 0)
		g_test_skip("no examples/*.pcap");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	GError *err = NULL;
	tmpdir = g_dir_make_tmp("mptcpa-walk-XXXXXX", &err);
	g_assert_no_error(err);

	g_test_add_func("/pcap_walk/declines", test_declines);
	g_test_add_func("/pcap_walk/walks", test_walks);
	g_test_add_func("/pcap_walk/hands_over", test_hands_over);
	g_test_add_func("/pcap_walk/same/plain", test_same_plain);
	g_test_add_func("/pcap_walk/same/cut", test_same_cut);
	g_test_add_func("/pcap_walk/same/odd_records", test_same_odd_records);
	g_test_add_func("/pcap_walk/same/long_record", test_same_long_record);
	g_test_add_func("/pcap_walk/same/examples", test_same_examples);

	int rc = g_test_run();
	test_remove_dir(tmpdir);
	g_free(tmpdir);
	return rc;
}
