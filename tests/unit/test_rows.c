/* test_rows.c - the 64-byte packet rows and their escapes (tables.h).
 *
 * A crafted MPTCP v1 capture holds every case a row cannot keep inline: a
 * payload over 65,535 bytes (TSO), a DSN jump of more than 4 GiB, two DSS
 * options in one packet, a checksummed DSS, a mapping that does not cover its
 * packet, a DATA_FIN without payload, data ACKs far from the IDSN, and a
 * partial connection (no handshake).  Each packet's options, read back from
 * the tables, must be what the decoder makes of the frame, byte for byte; the
 * DSNs, data ACKs and lengths must be the values on the wire; and the export
 * must be the same from a full load, a streaming load with a tiny window
 * (rows and side tables evicted), the cache and the CSV loader. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include "test_common.h"
#include "pkt_builder.h"
#include "capture/reader.h"
#include "decode/decode.h"
#include "export/columns.h"
#include "export/export.h"
#include "table/cache.h"
#include "table/csv_load.h"
#include "table/load.h"
#include "track/mptcp_crypto.h"

_Static_assert(sizeof(struct pkt) == 64, "a packet row is 64 bytes");

#define DLT_ETH 1
#define GIB 0x40000000ull

static char *tmpdir;
static const uint8_t A4[4] = { 10, 0, 0, 1 };
static const uint8_t B4[4] = { 10, 0, 0, 2 };
static const uint64_t KEY_A = 0x0123456789abcdefull, KEY_B = 0xfedcba9876543210ull;
static uint64_t idsn_a, idsn_b;

/* ------------------------------------------------------------------ the capture */

struct cap {
	GByteArray *file;
	guint frames;
};

static void cap_init(struct cap *c)
{
	c->file = g_byte_array_new();
	c->frames = 0;
	struct { uint32_t magic; uint16_t major, minor; int32_t zone; uint32_t sigfigs, snaplen, dlt; } h = {
		0xa1b2c3d4, 2, 4, 0, 0, 262144, DLT_ETH
	};
	g_byte_array_append(c->file, (const guint8 *)&h, sizeof h);
}

/* one record; extra: bytes on the wire past the captured ones */
static void cap_frame(struct cap *c, const struct pb *b, uint32_t extra)
{
	c->frames++;
	uint32_t rec[4] = { 1700000000u, c->frames * 1000u, (uint32_t)b->len, (uint32_t)b->len + extra };
	g_byte_array_append(c->file, (const guint8 *)rec, sizeof rec);
	g_byte_array_append(c->file, b->buf, (guint)b->len);
}

struct seg {
	bool from_b;          /* B -> A */
	uint16_t sport;       /* of A (B is port 80) */
	uint32_t seq, ack;
	uint16_t flags;
	const uint8_t *opts;
	size_t optlen;
	size_t payload;       /* captured payload bytes */
	uint32_t tso;         /* > 0: IP total length 0, this many payload bytes on the wire */
};

static void cap_seg(struct cap *c, const struct seg *s)
{
	struct pb b;
	pb_init(&b);
	pb_eth(&b, 0x0800);
	size_t ip = pb_ipv4(&b, 6, s->from_b ? B4 : A4, s->from_b ? A4 : B4, (uint16_t)c->frames, 0, NULL, 0);
	struct pb_tcp t = { s->from_b ? 80 : s->sport, s->from_b ? s->sport : 80, s->seq, s->ack, s->flags,
		            65535, s->opts, s->optlen, s->tso ? 0 : s->payload, 0 };
	pb_tcp(&b, &t);
	pb_ipv4_end(&b, ip);
	if (s->tso)
		pb_put_be16(&b, ip + 2, 0); /* TSO: the IP header says 0 */
	cap_frame(c, &b, s->tso);
}

/* ------------------------------------------------------------------ options */

struct opt {
	uint8_t b[40];
	size_t len;
};

static void o_u8(struct opt *o, uint8_t v) { o->b[o->len++] = v; }
static void o_be(struct opt *o, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--)
		o_u8(o, (uint8_t)(v >> (8 * i)));
}

/* MP_CAPABLE v1: no key (SYN), one key (SYN/ACK), both (third ACK) */
static void o_mpc(struct opt *o, int keys, uint64_t k1, uint64_t k2)
{
	o_u8(o, 30);
	o_u8(o, (uint8_t)(4 + 8 * keys));
	o_u8(o, 0x01);
	o_u8(o, 0x01);
	if (keys >= 1)
		o_be(o, k1, 8);
	if (keys >= 2)
		o_be(o, k2, 8);
}

struct dss {
	int ack_len;          /* 0, 4, 8 */
	uint64_t ack;
	int dsn_len;          /* 0 (no mapping), 4, 8 */
	uint64_t dsn;
	uint32_t ssn;
	uint16_t len;
	bool fin, csum;
	uint16_t checksum;
};

static void o_dss(struct opt *o, const struct dss *d)
{
	size_t start = o->len;
	o_u8(o, 30);
	o_u8(o, 0); /* length: below */
	o_u8(o, 0x20);
	o_u8(o, (uint8_t)((d->ack_len ? 0x01 : 0) | (d->ack_len == 8 ? 0x02 : 0) | (d->dsn_len ? 0x04 : 0) |
	                  (d->dsn_len == 8 ? 0x08 : 0) | (d->fin ? 0x10 : 0)));
	if (d->ack_len)
		o_be(o, d->ack, d->ack_len);
	if (d->dsn_len) {
		o_be(o, d->dsn, d->dsn_len);
		o_be(o, d->ssn, 4);
		o_be(o, d->len, 2);
		if (d->csum)
			o_be(o, d->checksum, 2);
	}
	o->b[start + 1] = (uint8_t)(o->len - start);
}

/* ------------------------------------------------------------------ the crafted capture */

#define ISN_A 1000u
#define ISN_B 5000u
#define DATA(rel) (ISN_A + (rel))
#define JUMP (5 * GIB)
/* the rows of the cases checked by value */
enum { R_DATA = 3, R_ACKONLY, R_ACK4, R_CSUM, R_JUMP, R_TSO, R_TWO_DSS, R_FAR_MAP, R_DATA_FIN, R_ACK_FAR,
       R_PARTIAL, R_PARTIAL_ACK, R_PRIO, R_REMOVE, N_ROWS };

static char *crafted_capture(void)
{
	struct cap c;
	cap_init(&c);
	struct opt o;
	struct seg s;
#define SEG(...) do { memset(&o, 0, sizeof o); s = (struct seg){ __VA_ARGS__ }; } while (0)
#define SEND() do { s.opts = o.b; s.optlen = o.len; cap_seg(&c, &s); } while (0)
	/* handshake */
	SEG(.from_b = false, .sport = 1000, .seq = ISN_A, .ack = 0, .flags = 0x02); o_mpc(&o, 0, 0, 0); SEND();
	SEG(.from_b = true, .sport = 1000, .seq = ISN_B, .ack = ISN_A + 1, .flags = 0x12); o_mpc(&o, 1, KEY_B, 0); SEND();
	SEG(.from_b = false, .sport = 1000, .seq = ISN_A + 1, .ack = ISN_B + 1, .flags = 0x10); o_mpc(&o, 2, KEY_A, KEY_B); SEND();
	/* R_DATA: 1000 bytes, a mapping of 2000 (64-bit DSN and data ACK) */
	SEG(.from_b = false, .sport = 1000, .seq = DATA(1), .ack = ISN_B + 1, .flags = 0x18, .payload = 1000);
	o_dss(&o, &(struct dss){ 8, idsn_b + 1, 8, idsn_a + 1, 1, 2000, false, false, 0 }); SEND();
	/* R_ACKONLY: the rest of that mapping, a data ACK only */
	SEG(.from_b = false, .sport = 1000, .seq = DATA(1001), .ack = ISN_B + 1, .flags = 0x18, .payload = 1000);
	o_dss(&o, &(struct dss){ 8, idsn_b + 1, 0, 0, 0, 0, false, false, 0 }); SEND();
	/* R_ACK4: a 4-byte data ACK the other way */
	SEG(.from_b = true, .sport = 1000, .seq = ISN_B + 1, .ack = DATA(2001), .flags = 0x10);
	o_dss(&o, &(struct dss){ 4, (uint32_t)(idsn_a + 2001), 0, 0, 0, 0, false, false, 0 }); SEND();
	/* R_CSUM: a checksummed mapping with a 4-byte DSN */
	SEG(.from_b = false, .sport = 1000, .seq = DATA(2001), .ack = ISN_B + 1, .flags = 0x18, .payload = 1000);
	o_dss(&o, &(struct dss){ 4, (uint32_t)(idsn_b + 1), 4, (uint32_t)(idsn_a + 2001), 2001, 1000, false, true,
	                         0xbeef }); SEND();
	/* R_JUMP: the DSN jumps 5 GiB */
	SEG(.from_b = false, .sport = 1000, .seq = DATA(3001), .ack = ISN_B + 1, .flags = 0x18, .payload = 1000);
	o_dss(&o, &(struct dss){ 0, 0, 8, idsn_a + 3001 + JUMP, 3001, 1000, false, false, 0 }); SEND();
	/* R_TSO: 70000 bytes on the wire, none captured, IP total length 0 */
	SEG(.from_b = false, .sport = 1000, .seq = DATA(4001), .ack = ISN_B + 1, .flags = 0x18, .tso = 70000);
	o_dss(&o, &(struct dss){ 0, 0, 8, idsn_a + 4001 + JUMP, 4001, 65535, false, false, 0 }); SEND();
	/* R_TWO_DSS: a data ACK and a mapping in two DSS options */
	SEG(.from_b = false, .sport = 1000, .seq = DATA(74001), .ack = ISN_B + 1, .flags = 0x18, .payload = 500);
	o_dss(&o, &(struct dss){ 8, idsn_b + 1, 0, 0, 0, 0, false, false, 0 });
	o_dss(&o, &(struct dss){ 0, 0, 8, idsn_a + 74001 + JUMP, 74001, 500, false, false, 0 }); SEND();
	/* R_FAR_MAP: a retransmission carrying a mapping 100000 bytes ahead */
	SEG(.from_b = false, .sport = 1000, .seq = DATA(74001), .ack = ISN_B + 1, .flags = 0x18, .payload = 500);
	o_dss(&o, &(struct dss){ 0, 0, 8, idsn_a + 174001 + JUMP, 174001, 100, false, false, 0 }); SEND();
	/* R_DATA_FIN: no payload, a DATA_FIN mapping (subflow sequence 0) */
	SEG(.from_b = false, .sport = 1000, .seq = DATA(74501), .ack = ISN_B + 1, .flags = 0x10);
	o_dss(&o, &(struct dss){ 8, idsn_b + 1, 8, idsn_a + 74501 + JUMP, 0, 1, true, false, 0 }); SEND();
	/* R_ACK_FAR: a data ACK more than 4 GiB past the IDSN */
	SEG(.from_b = true, .sport = 1000, .seq = ISN_B + 1, .ack = DATA(74501), .flags = 0x10);
	o_dss(&o, &(struct dss){ 8, idsn_a + 74502 + JUMP, 0, 0, 0, 0, false, false, 0 }); SEND();
	/* a partial connection: no handshake */
	SEG(.from_b = false, .sport = 2000, .seq = 9000, .ack = 7000, .flags = 0x18, .payload = 100);
	o_dss(&o, &(struct dss){ 8, 0x0102030405060708ull, 8, 0x1122334455667788ull, 1, 100, false, false, 0 });
	SEND();
	SEG(.from_b = true, .sport = 2000, .seq = 7000, .ack = 9100, .flags = 0x10);
	o_dss(&o, &(struct dss){ 4, 0x556677ecu, 0, 0, 0, 0, false, false, 0 }); SEND();
	/* R_PRIO: an RFC 6824 MP_PRIO naming address 7, alone */
	SEG(.from_b = true, .sport = 2000, .seq = 7000, .ack = 9100, .flags = 0x10);
	o_u8(&o, 30), o_u8(&o, 4), o_u8(&o, 0x51), o_u8(&o, 7); SEND();
	/* R_REMOVE: a REMOVE_ADDR of 3 and 4, alone */
	SEG(.from_b = true, .sport = 2000, .seq = 7000, .ack = 9100, .flags = 0x10);
	o_u8(&o, 30), o_u8(&o, 5), o_u8(&o, 0x40), o_u8(&o, 3), o_u8(&o, 4); SEND();
#undef SEG
#undef SEND
	char *path = g_build_filename(tmpdir, "rows.pcap", NULL);
	test_put_file(path, (const char *)c.file->data, (gssize)c.file->len);
	g_byte_array_free(c.file, TRUE);
	return path;
}

/* ------------------------------------------------------------------ checks */

/* The columns' shortcuts (row_ctx's subtype bits and first DSS) give what a
 * walk over every option gives: each column formatted with the bits and
 * with every bit set (no column skips its walk), on every row. */
static void check_option_shortcuts(const struct tables *t)
{
	size_t n;
	const struct column *cols = columns_all(&n);
	GString *a = g_string_new(""), *b = g_string_new("");
	struct row_store s;
	row_store_init(&s);
	for (uint32_t row = t->pkt_base; row < tables_n_pkts(t); row++) {
		struct row_ctx r;
		row_ctx_init(&r, t, row, NULL, &s);
		struct row_ctx all = r; /* a context holds no pointer into itself */
		all.subtypes = UINT32_MAX;
		struct pkt_opts it;
		const struct mptcp_dss *first = NULL;
		for (const struct mptcp_option *o = pkt_opts_first(&it, t, tables_pkt(t, row)); o && !first;
		     o = pkt_opts_next(&it))
			if (!o->malformed && o->subtype == MPTCP_SUB_DSS)
				first = &o->u.dss;
		g_assert_true((first == NULL) == (row_dss(&r) == NULL));
		if (first)
			g_assert_cmpmem(first, sizeof *first, row_dss(&r), sizeof *first);
		for (size_t i = 0; i < n; i++) {
			g_string_truncate(a, 0);
			g_string_truncate(b, 0);
			column_append(&cols[i], &r, a);
			column_append(&cols[i], &all, b);
			g_assert_cmpstr(a->str, ==, b->str);
		}
	}
	row_store_free(&s);
	g_string_free(a, TRUE);
	g_string_free(b, TRUE);
}

/* What the CSV writer's shortcuts rely on, on every row:
 * - columns_write_default writes the default columns, in order, as the
 *   table's functions do one by one;
 * - every byte of a value is one of COLUMN_VALUE_BYTES, and a comma is
 *   only between a list's values, counted in the cursor's splits (so a row
 *   needs quotes exactly when some list has two values). */
static void check_row_writers(const struct tables *t)
{
	size_t n;
	const struct column *cols = columns_all(&n);
	GPtrArray *defaults = columns_default();
	GString *fused = g_string_new(""), *joined = g_string_new(""), *v = g_string_new("");
	struct row_store s;
	row_store_init(&s);
	for (uint32_t row = t->pkt_base; row < tables_n_pkts(t); row++) {
		struct row_ctx r;
		row_ctx_init(&r, t, row, NULL, &s);
		g_string_truncate(fused, 0);
		struct cursor k;
		cursor_open(&k, fused, defaults->len * COLUMN_ROOM);
		columns_write_default(&r, &k, ';');
		cursor_close(&k);
		g_string_truncate(joined, 0);
		for (guint i = 0; i < defaults->len; i++) {
			if (i)
				g_string_append_c(joined, ';');
			column_append(defaults->pdata[i], &r, joined);
		}
		g_assert_cmpstr(fused->str, ==, joined->str);
		for (size_t i = 0; i < n; i++) {
			g_string_truncate(v, 0);
			cursor_open(&k, v, COLUMN_ROOM);
			cols[i].format(&r, &k);
			cursor_close(&k);
			unsigned commas = 0;
			for (const char *c = v->str; *c; c++) {
				if (!strchr(COLUMN_VALUE_BYTES, *c))
					g_error("row %u: %s holds byte 0x%02x: \"%s\"", row, cols[i].name, (unsigned char)*c, v->str);
				commas += *c == ',';
			}
			g_assert_cmpuint(commas, ==, k.splits);
			g_assert_true(commas == 0 || cols[i].is_list);
		}
	}
	g_ptr_array_unref(defaults);
	row_store_free(&s);
	g_string_free(fused, TRUE);
	g_string_free(joined, TRUE);
	g_string_free(v, TRUE);
}

/* each packet's options, read from the tables, are what the decoder makes of
 * its frame (byte for byte), and so are its payload length and interface */
static void check_options_like_decoder(const struct tables *t, const char *path)
{
	GError *err = NULL;
	struct capture_reader *r = reader_open(path, &err);
	g_assert_no_error(err);
	int dlt = reader_datalink(r);
	struct frame f;
	struct decoded d;
	uint32_t row = 0;
	while (reader_next(r, &f, &err) == 1) {
		memset(&d, 0, sizeof d);
		d.frame = f.number;
		d.caplen = f.caplen;
		d.wirelen = f.wirelen;
		d.iface = f.iface;
		if (decode_frame(dlt, span_make(f.data, f.caplen), &d) != DEC_TCP)
			continue;
		g_assert_cmpuint(row, <, t->packets->len);
		const struct pkt *p = tables_pkt(t, row++);
		g_assert_cmpuint(p->frame, ==, f.number);
		g_assert_cmpuint(pkt_tcplen(t, p), ==, d.tcplen);
		g_assert_cmpuint(pkt_iface(t, p), ==, d.iface);
		g_assert_cmpuint(pkt_n_opts(t, p), ==, d.n_mptcp);
		struct pkt_opts it;
		unsigned i = 0;
		for (const struct mptcp_option *o = pkt_opts_first(&it, t, p); o; o = pkt_opts_next(&it), i++) {
			g_assert_cmpuint(i, <, d.n_mptcp);
			if (memcmp(o, &d.mptcp[i], sizeof *o) != 0)
				g_error("%s: frame %u: MPTCP option %u differs from the decoder's", path, f.number, i);
		}
		g_assert_cmpuint(i, ==, d.n_mptcp);
	}
	g_assert_no_error(err);
	g_assert_cmpuint(row, ==, t->packets->len);
	reader_close(r);
}

static const struct mptcp_option *only_option(const struct tables *t, uint32_t row, struct pkt_opts *it)
{
	const struct pkt *p = tables_pkt(t, row);
	g_assert_cmpuint(pkt_n_opts(t, p), ==, 1);
	return pkt_opts_first(it, t, p);
}

static void check_values(const struct tables *t)
{
	g_assert_cmpuint(t->packets->len, ==, N_ROWS);
	g_assert_cmpuint(t->mptcp->len, ==, 2);
	const struct mptcp_conn *m = tables_mptcp(t, 0);
	g_assert_true(m->has_key[0] && m->has_key[1]);
	g_assert_cmpuint(m->idsn[0], ==, idsn_a);
	g_assert_cmpuint(m->idsn[1], ==, idsn_b);
	struct pkt_opts it;
	const struct pkt *p;

	/* the common case: one DSS inline, nothing apart */
	p = tables_pkt(t, R_DATA);
	g_assert_cmpuint(p->xflags & (PX_DSS | PX_OPTS | PX_EXT), ==, PX_DSS);
	g_assert_cmpuint(pkt_dsn(t, p), ==, idsn_a + 1);
	g_assert_cmpuint(pkt_dack(t, p), ==, idsn_b + 1);
	g_assert_cmpuint(p->dsn_rel, ==, 1); /* the first base is the IDSN */
	g_assert_cmpuint(pkt_dsn(t, tables_pkt(t, R_ACKONLY)), ==, idsn_a + 1001);
	g_assert_cmpuint(tables_pkt(t, R_ACKONLY)->xflags & (PX_DSS | PX_OPTS), ==, PX_DSS);
	g_assert_cmpuint(pkt_dack(t, tables_pkt(t, R_ACK4)), ==, idsn_a + 2001);
	g_assert_cmpuint(only_option(t, R_ACK4, &it)->u.dss.data_ack, ==, (uint32_t)(idsn_a + 2001));

	/* the checksum goes to the side table, the DSS stays inline */
	p = tables_pkt(t, R_CSUM);
	g_assert_cmpuint(p->xflags & (PX_DSS | PX_OPTS | PX_EXT), ==, PX_DSS | PX_EXT);
	const struct pkt_ext *x = tables_ext(t, R_CSUM);
	g_assert_nonnull(x);
	g_assert_true(x->has_checksum);
	g_assert_cmpuint(x->dss_checksum, ==, 0xbeef);
	g_assert_cmpuint(x->tcplen, ==, 1000);
	const struct mptcp_option *o = only_option(t, R_CSUM, &it);
	g_assert_true(o->u.dss.has_checksum);
	g_assert_cmpuint(o->u.dss.checksum, ==, 0xbeef);
	g_assert_cmpuint(o->u.dss.dsn, ==, (uint32_t)(idsn_a + 2001));
	g_assert_cmpuint(o->length, ==, 4 + 4 + 4 + 4 + 2 + 2);
	g_assert_cmpuint(pkt_dsn(t, p), ==, idsn_a + 2001);

	/* more than 4 GiB further: a new base from that row on */
	p = tables_pkt(t, R_JUMP);
	g_assert_cmpuint(pkt_dsn(t, p), ==, idsn_a + 3001 + JUMP);
	const GArray *b = m->bases[DK_DSN][0];
	g_assert_cmpuint(b->len, ==, 2);
	g_assert_cmpuint(g_array_index(b, struct data_base, 0).base, ==, idsn_a);
	g_assert_cmpuint(g_array_index(b, struct data_base, 1).row, ==, R_JUMP);
	g_assert_cmpuint(pkt_dsn(t, tables_pkt(t, R_CSUM)), ==, idsn_a + 2001); /* earlier rows keep theirs */
	g_assert_cmpuint(only_option(t, R_JUMP, &it)->u.dss.dsn, ==, idsn_a + 3001 + JUMP);

	/* TSO: the payload length in the side table */
	p = tables_pkt(t, R_TSO);
	g_assert_cmpuint(pkt_tcplen(t, p), ==, 70000);
	g_assert_true(p->xflags & PX_EXT);
	g_assert_cmpuint(p->len16, ==, PKT_LEN16_MAX);
	g_assert_cmpuint(pkt_dsn(t, p), ==, idsn_a + 4001 + JUMP);
	g_assert_cmpuint(m->dir[0].bytes, ==, 1000 * 4 + 70000 + 500 + 500);

	/* two DSS options: both apart, in their order */
	p = tables_pkt(t, R_TWO_DSS);
	g_assert_cmpuint(p->xflags & (PX_DSS | PX_OPTS), ==, PX_OPTS);
	g_assert_cmpuint(pkt_n_opts(t, p), ==, 2);
	o = pkt_opts_first(&it, t, p);
	g_assert_true(o->u.dss.has_ack && !o->u.dss.has_map);
	o = pkt_opts_next(&it);
	g_assert_true(!o->u.dss.has_ack && o->u.dss.has_map);
	g_assert_cmpuint(o->u.dss.dsn, ==, idsn_a + 74001 + JUMP);
	g_assert_null(pkt_opts_next(&it));
	g_assert_cmpuint(pkt_dsn(t, p), ==, idsn_a + 74001 + JUMP);
	g_assert_cmpuint(pkt_dack(t, p), ==, idsn_b + 1);

	/* a mapping 100000 bytes from its packet's DSN: its DSN apart */
	p = tables_pkt(t, R_FAR_MAP);
	g_assert_cmpuint(p->xflags & (PX_DSS | PX_OPTS), ==, PX_DSS);
	g_assert_cmpuint(p->map_delta, ==, MAP_DELTA_FAR);
	g_assert_cmpuint(t->map_ext->len, ==, 1);
	g_assert_cmpuint(g_array_index(t->map_ext, struct map_ext, 0).row, ==, R_FAR_MAP);
	g_assert_cmpuint(pkt_dsn(t, p), ==, idsn_a + 74001 + JUMP);
	g_assert_cmpuint(only_option(t, R_FAR_MAP, &it)->u.dss.dsn, ==, idsn_a + 174001 + JUMP);
	g_assert_true(p->marks & PF_REINJECTION || p->marks & PF_RETRANS);

	/* DATA_FIN without payload and without a DSN of its own: the mapping's DSN in the row */
	p = tables_pkt(t, R_DATA_FIN);
	g_assert_cmpuint(p->xflags & (PX_DSS | PX_OPTS), ==, PX_DSS);
	g_assert_false(p->marks & PF_HAS_DSN);
	g_assert_true(p->marks & PF_DATA_FIN);
	o = only_option(t, R_DATA_FIN, &it);
	g_assert_true(o->u.dss.data_fin);
	g_assert_cmpuint(o->u.dss.dsn, ==, idsn_a + 74501 + JUMP);

	/* a data ACK far from the IDSN: its own base */
	p = tables_pkt(t, R_ACK_FAR);
	g_assert_cmpuint(pkt_dack(t, p), ==, idsn_a + 74502 + JUMP);
	g_assert_cmpuint(m->bases[DK_DACK][1]->len, ==, 2);
	g_assert_cmpuint(pkt_dack(t, tables_pkt(t, R_ACK4)), ==, idsn_a + 2001);

	/* the partial connection: no IDSN, a base of its own */
	const struct mptcp_conn *pm = tables_mptcp(t, 1);
	g_assert_true(pm->partial);
	p = tables_pkt(t, R_PARTIAL);
	g_assert_cmpuint(p->xflags & (PX_DSS | PX_OPTS), ==, PX_DSS);
	g_assert_cmpuint(pkt_dsn(t, p), ==, 0x1122334455667788ull);
	g_assert_cmpuint(pkt_dack(t, p), ==, 0x0102030405060708ull);
	o = only_option(t, R_PARTIAL, &it);
	g_assert_cmpuint(o->u.dss.dsn, ==, 0x1122334455667788ull);
	g_assert_cmpuint(o->u.dss.data_ack, ==, 0x0102030405060708ull);
	g_assert_cmpuint(only_option(t, R_PARTIAL_ACK, &it)->u.dss.data_ack, ==, 0x556677ecu);
}

/* every column, opt-in ones included */
static GPtrArray *every_column(void)
{
	size_t n;
	const struct column *all = columns_all(&n);
	GPtrArray *cols = g_ptr_array_new();
	for (size_t i = 0; i < n; i++)
		g_ptr_array_add(cols, (gpointer)&all[i]);
	return cols;
}

static char *export_csv(const struct tables *t, const char *name)
{
	GError *err = NULL;
	GPtrArray *cols = every_column();
	struct export_opts o = { .format = EXP_CSV, .delimiter = ',', .columns = cols };
	char *path = g_build_filename(tmpdir, name, NULL);
	g_assert_true(export_tables(t, path, &o, &err));
	g_assert_no_error(err);
	g_ptr_array_free(cols, TRUE);
	gchar *text;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_free(path);
	return text;
}

static void test_crafted(void)
{
	char *cap = crafted_capture();
	struct tables *t = test_load(cap);
	check_values(t);
	check_options_like_decoder(t, cap);
	check_option_shortcuts(t);
	check_row_writers(t);
	GString *v = g_string_new("");
	struct row_store rs;
	row_store_init(&rs);
	column_format_row(column_find("addrid"), t, R_PRIO, &rs, v);
	g_assert_cmpstr(v->str, ==, "7");
	g_string_truncate(v, 0);
	column_format_row(column_find("addrid"), t, R_REMOVE, &rs, v);
	g_assert_cmpstr(v->str, ==, "3,4");
	row_store_free(&rs);
	g_string_free(v, TRUE);
	char *full = export_csv(t, "full.csv");

	/* streaming with a window of 2 rows: rows, options and side entries evicted */
	GError *err = NULL;
	GPtrArray *cols = every_column();
	struct export_opts so = { .format = EXP_CSV, .delimiter = ',', .columns = cols, .window = 2 };
	char *spath = g_build_filename(tmpdir, "stream.csv", NULL);
	g_assert_true(export_capture(cap, spath, &so, NULL, NULL, &err));
	g_assert_no_error(err);
	gchar *streamed;
	g_assert_true(g_file_get_contents(spath, &streamed, NULL, NULL));
	g_assert_cmpstr(streamed, ==, full);
	g_ptr_array_free(cols, TRUE);

	/* the cache keeps every side table */
	char *cpath = g_build_filename(tmpdir, "rows.mpac", NULL);
	g_assert_true(cache_save(t, cpath, &err));
	g_assert_no_error(err);
	struct tables *c = cache_load(cpath, cap, &err);
	g_assert_no_error(err);
	g_assert_nonnull(c);
	check_values(c);
	check_options_like_decoder(c, cap);
	char *cached = export_csv(c, "cached.csv");
	g_assert_cmpstr(cached, ==, full);

	/* the CSV loader rebuilds the same values */
	char *fpath = g_build_filename(tmpdir, "full.csv", NULL);
	struct tables *l = csv_load(fpath, &err);
	g_assert_no_error(err);
	g_assert_nonnull(l);
	for (uint32_t r = 0; r < R_PARTIAL; r++) { /* a CSV has no DSN without keys */
		const struct pkt *x = tables_pkt(t, r), *y = tables_pkt(l, r);
		g_assert_cmpuint(pkt_tcplen(t, x), ==, pkt_tcplen(l, y));
		g_assert_cmpuint(pkt_n_opts(t, x), ==, pkt_n_opts(l, y));
		g_assert_cmpuint(x->marks & (PF_HAS_DSN | PF_HAS_DACK), ==, y->marks & (PF_HAS_DSN | PF_HAS_DACK));
		if (x->marks & PF_HAS_DSN)
			g_assert_cmpuint(pkt_dsn(t, x), ==, pkt_dsn(l, y));
		if (x->marks & PF_HAS_DACK)
			g_assert_cmpuint(pkt_dack(t, x), ==, pkt_dack(l, y));
	}
	/* the same export, but for the packet with two DSS options: a CSV row
	 * holds the fields of one DSS only (the loader cannot rebuild both) */
	char *reloaded = export_csv(l, "reloaded.csv");
	gchar **want = g_strsplit(full, "\n", -1), **got = g_strsplit(reloaded, "\n", -1);
	g_assert_cmpuint(g_strv_length(want), ==, g_strv_length(got));
	for (guint i = 0; want[i]; i++)
		if (i != R_TWO_DSS + 1)
			g_assert_cmpstr(got[i], ==, want[i]);
	g_strfreev(want);
	g_strfreev(got);

	tables_free(l);
	tables_free(c);
	tables_free(t);
	g_free(reloaded), g_free(cached), g_free(streamed), g_free(full);
	g_free(fpath), g_free(cpath), g_free(spath), g_free(cap);
}

/* every packet of every capture of ../shared and examples/ gives its options
 * back as decoded, and the rows stay within 64 bytes for the common case */
static void test_captures(void)
{
	char *shared = test_shared_dir();
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	const char *dirs[] = { "captures/v0", "captures/v1" };
	for (guint k = 0; shared && k < G_N_ELEMENTS(dirs); k++) {
		char *dir = g_build_filename(shared, dirs[k], NULL);
		GDir *dh = g_dir_open(dir, 0, NULL);
		for (const char *n; dh && (n = g_dir_read_name(dh));)
			if (g_str_has_suffix(n, ".pcap") || g_str_has_suffix(n, ".pcapng"))
				g_ptr_array_add(paths, g_build_filename(dir, n, NULL));
		if (dh)
			g_dir_close(dh);
		g_free(dir);
	}
	char *ex = g_build_filename(test_source_root(), "examples", "basic-client.pcap", NULL);
	if (g_file_test(ex, G_FILE_TEST_EXISTS))
		g_ptr_array_add(paths, ex);
	else
		g_free(ex);
	if (paths->len == 0)
		g_test_skip("no capture found (../shared and examples/ absent)");
	for (guint i = 0; i < paths->len; i++) {
		const char *path = g_ptr_array_index(paths, i);
		struct tables *t = test_load(path);
		check_options_like_decoder(t, path);
		check_option_shortcuts(t);
		check_row_writers(t);
		/* Linux traffic: options apart or side entries are rare (handshakes,
		 * ADD_ADDR, ...; a checksummed DSS costs a side entry: 80 B) */
		double bpp = tables_bytes_per_packet(t);
		g_test_message("%s: %u packets, %.1f bytes per packet", path, t->packets->len, bpp);
		g_assert_cmpfloat(bpp, <, 80);
		tables_free(t);
	}
	g_ptr_array_free(paths, TRUE);
	g_free(shared);
}

/* A load keeps every row, so its sent ranges take the frame and time of a
 * reinjected packet from the row; a streaming load evicts rows and keeps them
 * in the ranges.  Both must link the same reinjections: the full load's
 * export and mptcpexporter's (its default window: the originals are evicted
 * long before their repeats) are the same text, on captures that have
 * reinjections (examples/lossy-client.pcap: 70 rows; ../shared's when present).
 * (A window of a few rows can change other columns of a real capture: a row
 * written before the packets that tell its connection's state.) */
static void test_load_equals_stream(void)
{
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(paths, g_build_filename(test_source_root(), "examples", "lossy-client.pcap", NULL));
	char *shared = test_shared_dir();
	const char *more[] = { "captures/v1/lossy-client.pcap", "captures/v1/backup-server.pcap",
	                       "captures/v1/mpfail-client.pcap", "captures/v0/client_2.pcap" };
	for (guint k = 0; shared && k < G_N_ELEMENTS(more); k++)
		g_ptr_array_add(paths, g_build_filename(shared, more[k], NULL));
	GPtrArray *cols = every_column();
	guint checked = 0;
	for (guint i = 0; i < paths->len; i++) {
		const char *cap = g_ptr_array_index(paths, i);
		if (!g_file_test(cap, G_FILE_TEST_EXISTS))
			continue;
		struct tables *t = test_load(cap);
		guint reinjections = 0;
		for (uint32_t r = 0; r < tables_n_pkts(t); r++)
			reinjections += (tables_pkt(t, r)->marks & PF_REINJECTION) != 0;
		g_assert_cmpuint(reinjections, >, 0);
		char *full = export_csv(t, "load.csv");
		GError *err = NULL;
		struct export_opts so = { .format = EXP_CSV, .delimiter = ',', .columns = cols };
		char *spath = g_build_filename(tmpdir, "stream.csv", NULL);
		g_assert_true(export_capture(cap, spath, &so, NULL, NULL, &err));
		g_assert_no_error(err);
		gchar *streamed;
		g_assert_true(g_file_get_contents(spath, &streamed, NULL, NULL));
		gchar **want = g_strsplit(full, "\n", -1), **got = g_strsplit(streamed, "\n", -1);
		g_assert_cmpuint(g_strv_length(got), ==, g_strv_length(want));
		for (guint l = 0; want[l]; l++)
			g_assert_cmpstr(got[l], ==, want[l]); /* one line reported, not the file */
		g_strfreev(want);
		g_strfreev(got);
		g_test_message("%s: %u reinjections, the same export", cap, reinjections);
		checked++;
		g_free(streamed), g_free(spath), g_free(full);
		tables_free(t);
	}
	g_assert_cmpuint(checked, >, 0); /* examples/ is part of the project */
	g_ptr_array_free(cols, TRUE);
	g_ptr_array_free(paths, TRUE);
	g_free(shared);
}

/* values written straight to the tables: the escapes of tcplen and iface, and
 * eviction of the side table with the rows (once half of it is gone) */
static void test_side_table(void)
{
	struct tables *t = tables_new();
	struct tcp_conn c;
	memset(&c, 0, sizeof c);
	c.family = 4;
	c.mptcp = NO_ROW;
	g_array_append_val(t->tcp, c);
	static const uint32_t lens[] = { 100000, 10, 65535, 65536, 7 };
	static const uint16_t ifaces[] = { 300, 3, 254, 0, 255 };
	for (guint i = 0; i < G_N_ELEMENTS(lens); i++) {
		struct pkt p;
		memset(&p, 0, sizeof p);
		p.frame = i + 1;
		p.mapping = NO_ROW;
		g_assert_cmpuint(tables_add_pkt(t, &p, lens[i], ifaces[i]), ==, i);
	}
	/* rows 0 (both), 3 (length) and 4 (interface) escape */
	g_assert_cmpuint(t->pkt_ext->len, ==, 3);
	for (guint i = 0; i < G_N_ELEMENTS(lens); i++) {
		const struct pkt *p = tables_pkt(t, i);
		g_assert_cmpuint(pkt_tcplen(t, p), ==, lens[i]);
		g_assert_cmpuint(pkt_iface(t, p), ==, ifaces[i]);
		g_assert_cmpuint(pkt_has_payload(p), ==, lens[i] > 0);
	}
	g_assert_cmpuint(tables_bytes_per_packet(t), ==, 64 + 3 * sizeof(struct pkt_ext) / 5.0);
	tables_evict(t, 3);
	g_assert_cmpuint(t->pkt_base, ==, 3);
	/* row 0's entry is one of three: kept until the gone ones are half */
	g_assert_cmpuint(t->pkt_ext->len, ==, 3);
	g_assert_cmpuint(pkt_tcplen(t, tables_pkt(t, 3)), ==, 65536);
	g_assert_cmpuint(pkt_iface(t, tables_pkt(t, 4)), ==, 255);
	g_assert_cmpuint(pkt_row(t, tables_pkt(t, 4)), ==, 4);
	tables_evict(t, 4); /* rows 0 and 3: two of three */
	g_assert_cmpuint(t->pkt_base, ==, 4);
	g_assert_cmpuint(t->pkt_ext->len, ==, 1);
	g_assert_cmpuint(pkt_tcplen(t, tables_pkt(t, 4)), ==, 7);
	g_assert_cmpuint(pkt_iface(t, tables_pkt(t, 4)), ==, 255);
	tables_free(t);
}

/* evicting rows drops the data bases no remaining row uses */
static void test_bases_evicted(void)
{
	GArray *b = g_array_new(FALSE, FALSE, sizeof(struct data_base));
	const uint32_t rows[] = { 0, 3, 6, 9 };
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		struct data_base x = { rows[i], 0, 1000u * (i + 1) };
		g_array_append_val(b, x);
	}
	g_assert_cmpuint(data_base_at(b, 5), ==, 2000);
	data_bases_evict(b, 2);        /* row 2 still uses the first base */
	g_assert_cmpuint(b->len, ==, 4);
	data_bases_evict(b, 5);        /* rows from 5 on use the bases from row 3 on */
	g_assert_cmpuint(b->len, ==, 3);
	g_assert_cmpuint(g_array_index(b, struct data_base, 0).row, ==, 3);
	g_assert_cmpuint(data_base_at(b, 5), ==, 2000);
	g_assert_cmpuint(data_base_at(b, 7), ==, 3000);
	g_assert_cmpuint(data_base_at(b, 100), ==, 4000);
	data_bases_evict(b, 100);      /* the last base always stays */
	g_assert_cmpuint(b->len, ==, 1);
	g_assert_cmpuint(data_base_at(b, 100), ==, 4000);
	g_array_free(b, TRUE);
}

/* the default row of r, fused (with the text kept per stream) and column by
 * column, must agree; returns the fused one */
static char *fused_row(const struct row_ctx *r, char sep)
{
	GPtrArray *defaults = columns_default();
	GString *fused = g_string_new(""), *joined = g_string_new("");
	struct cursor k;
	cursor_open(&k, fused, defaults->len * COLUMN_ROOM);
	columns_write_default(r, &k, sep);
	cursor_close(&k);
	for (guint i = 0; i < defaults->len; i++) {
		if (i)
			g_string_append_c(joined, sep);
		column_append(defaults->pdata[i], r, joined);
	}
	g_assert_cmpstr(fused->str, ==, joined->str);
	g_string_free(joined, TRUE);
	g_ptr_array_unref(defaults);
	return g_string_free(fused, FALSE);
}

/* The text of the addresses, ports and stream a thread keeps for a stream
 * is only reused for the same values: rows of stream 0 that differ in one
 * address byte, the family (the same 16 bytes), a port, the separator or
 * the stream (in the same slot) each get their own.  The same for the
 * seconds of abstime and the high digits of dsnraw64. */
static void test_flow_text(void)
{
	struct row_store s;
	row_store_init(&s);
	struct row_ctx r;
	memset(&r, 0, sizeof r);
	r.store = &s;
	r.mptcp = NO_ROW;
	r.dss = -1;
	r.wscale = -1;
	r.family = 4;
	memcpy(r.addr[0], A4, 4);
	memcpy(r.addr[1], B4, 4);
	r.port[0] = 40000;
	r.port[1] = 80;
	const struct { int what; const char *expect; } steps[] = {
		{ 0, "10.0.0.1,10.0.0.2,40000,80,0," },
		{ 0, "10.0.0.1,10.0.0.2,40000,80,0," },      /* kept */
		{ 1, "10.0.0.9,10.0.0.2,40000,80,0," },      /* another source */
		{ 2, "10.0.0.9,10.0.0.3,40000,80,0," },      /* another destination */
		{ 3, "a00:9::a00:3,a00:9::a00:3,40000,80,0," }, /* IPv6, the same first bytes */
		{ 4, "10.0.0.9,10.0.0.3,40000,80,0," },      /* IPv4 again */
		{ 8, "a00:9::,a00:3::,40000,80,0," },        /* the same bytes as IPv6 */
		{ 11, "a00:9::,a00:3::1,40000,80,0," },      /* the destination's last byte */
		{ 12, "a00:9::1,a00:3::1,40000,80,0," },     /* the source's last byte */
		{ 13, "a00:9::,a00:3::,40000,80,0," },
		{ 9, "10.0.0.9,10.0.0.3,40000,80,0," },      /* and as IPv4 */
		{ 6, "10.0.0.9,10.0.0.3,40000,81,0," },      /* another destination port */
		{ 10, "10.0.0.9,10.0.0.3,40001,81,0," },     /* another source port */
		{ 7, "10.0.0.9,10.0.0.3,40001,81,64," },     /* stream 64: the same slot */
		{ 5, "10.0.0.9;10.0.0.3;40001;81;64;" },     /* another separator */
	};
	for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
		char sep = ',';
		switch (steps[i].what) {
		case 1: r.addr[0][3] = 9; break;
		case 2: r.addr[1][3] = 3; break;
		case 3:
			r.family = 6;
			memcpy(r.addr[0] + 12, r.addr[1], 4);
			memcpy(r.addr[1] + 12, r.addr[1], 4);
			memcpy(r.addr[1], r.addr[0], 4);
			break;
		case 4:
			r.family = 4;
			memset(r.addr[0] + 4, 0, 12);
			memset(r.addr[1], 0, 16);
			memcpy(r.addr[1], (const uint8_t[]){ 10, 0, 0, 3 }, 4);
			break;
		case 5: sep = ';'; break;
		case 6: r.port[1] = 81; break;
		case 7: r.pkt.stream = 64; break;
		case 8: r.family = 6; break;
		case 9: r.family = 4; break;
		case 10: r.port[0] = 40001; break;
		case 11: r.addr[1][15] = 1; break;
		case 12: r.addr[0][15] = 1; break;
		case 13: r.addr[0][15] = r.addr[1][15] = 0; break;
		}
		char *row = fused_row(&r, sep);
		/* packetid, interface, abstime, reltime, then the stream's text */
		const char *at = row;
		for (int k = 0; k < 4; k++)
			at = strchr(at, sep) + 1;
		g_assert_true(g_str_has_prefix(at, steps[i].expect));
		g_free(row);
	}
	/* dsnraw64: the high digits a thread keeps per stream, for their value only */
	const uint64_t dsns[] = {
		12345678901234567890u, 12345678909999999999u, 12345678910000000000u,
		12345678901234567890u, 12775175630812345678u, /* the high digits + 2^32 */
		99999999, 100000000, 0, UINT64_MAX, 18446744073709551615u - 100000000,
	};
	r.pkt.marks |= PF_HAS_DSN;
	for (guint i = 0; i < G_N_ELEMENTS(dsns); i++) {
		r.dsn_raw = dsns[i];
		char *row = fused_row(&r, ',');
		char want[32];
		g_snprintf(want, sizeof want, ",%" G_GUINT64_FORMAT ",", dsns[i]);
		g_assert_nonnull(strstr(row, want));
		g_free(row);
	}
	r.pkt.marks &= (uint16_t)~PF_HAS_DSN;
	/* abstime: the seconds a thread keeps, a new second, before 1970 */
	const struct { int64_t ns; const char *abstime; } times[] = {
		{ 1700000000123456789, "1700000000.123456789" },
		{ 1700000000999999999, "1700000000.999999999" },
		{ 1700000001000000000, "1700000001.000000000" },
		{ -1500000000, "-1.500000000" },
		{ 5, "0.000000005" },
		{ 1700000001000000007, "1700000001.000000007" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(times); i++) {
		r.pkt.ts_ns = times[i].ns;
		char *row = fused_row(&r, ',');
		char **v = g_strsplit(row, ",", 4);
		g_assert_cmpstr(v[2], ==, times[i].abstime);
		g_strfreev(v);
		g_free(row);
	}
	row_store_free(&s);
}

/* MPTCPA_TEST_KEEP=1 keeps the crafted capture and its exports (printed) */
static void remove_tmpdir(void)
{
	if (g_getenv("MPTCPA_TEST_KEEP")) {
		printf("# kept %s\n", tmpdir);
		return;
	}
	test_remove_dir(tmpdir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	uint32_t token;
	mptcp_key_derive(KEY_A, 1, &token, &idsn_a);
	mptcp_key_derive(KEY_B, 1, &token, &idsn_b);
	tmpdir = g_dir_make_tmp("test_rows-XXXXXX", NULL);
	g_test_add_func("/rows/crafted", test_crafted);
	g_test_add_func("/rows/bases-evicted", test_bases_evicted);
	g_test_add_func("/rows/side-table", test_side_table);
	g_test_add_func("/rows/captures", test_captures);
	g_test_add_func("/rows/load-equals-stream", test_load_equals_stream);
	g_test_add_func("/rows/flow-text", test_flow_text);
	int rc = g_test_run();
	remove_tmpdir();
	g_free(tmpdir);
	return rc;
}
