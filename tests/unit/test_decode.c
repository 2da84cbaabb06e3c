/* test_decode.c - unit tests for the link, IP and TCP decoders (decode.h).
 *
 * Frames are crafted with pkt_builder.h.  Every frame of the "cases" table
 * (one per link type and IP variant) is decoded whole, with its values checked
 * against what was written, and then once per prefix length 0..full from a
 * heap buffer of exactly that size: a prefix that cuts the headers must give
 * DEC_TRUNCATED or a segment marked PKT_TRUNCATED, and every field whose bytes
 * were captured must still be decoded (ASan catches reads past the end).
 * Further tests check each TCP option, malformed option lists, IPv4 options
 * and fragments, IPv6 extension headers and snap-length-cut captures.
 */
#include <glib.h>
#include <string.h>
#include <pcap/pcap.h>

#include "decode/decode.h"
#include "pkt_builder.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD
#define ETH_ARP 0x0806

static const uint8_t A4[4] = { 198, 18, 1, 2 };
static const uint8_t B4[4] = { 198, 19, 0, 2 };
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t B6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02 };

/* SYN options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7,
 * MP_CAPABLE v0 with the sender key (32 bytes) */
static const uint8_t SYN_OPTS[] = {
	2, 4, 0x05, 0xb4,
	4, 2,
	8, 10, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0,
	1,
	3, 3, 7,
	30, 12, 0x00, 0x81, 0xc6, 0x33, 0x22, 0x67, 0xc7, 0x7b, 0xb5, 0xd2,
};

/* data options: NOP NOP, SACK one block, timestamps, DSS with a 4-byte data
 * ACK and a 4-byte mapping (40 bytes: the whole option space) */
static const uint8_t DATA_OPTS[] = {
	1, 1,
	5, 10, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00,
	8, 10, 0xa1, 0xb2, 0xc3, 0xd4, 0x01, 0x02, 0x03, 0x04,
	30, 18, 0x20, 0x05, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x64,
};

#define SEQ 0xdeadbeefu
#define ACK 0x80000001u
#define SPORT 54321
#define DPORT 80
#define WIN 0xfedc
#define PAYLOAD 5

/* ---- a crafted frame and where its layers start ------------------------- */

struct frame_case {
	char name[64];
	int dlt;
	struct pb b;
	uint8_t family;
	size_t ip_off;         /* IP header */
	size_t tcp_off;        /* TCP header */
	size_t hdr_end;        /* end of the TCP header */
	struct pb_tcp tcp;     /* what the TCP layer holds */
	uint32_t tcplen;       /* payload length the IP header announces */
};

/* the TCP segment used by most cases */
static struct pb_tcp tcp_spec(bool syn)
{
	struct pb_tcp t = {
		.sport = SPORT, .dport = DPORT, .seq = SEQ, .ack = syn ? 0 : ACK,
		.flags = syn ? TCPF_SYN : (0x100 | TCPF_PSH | TCPF_ACK), .win = WIN,
		.opts = syn ? SYN_OPTS : DATA_OPTS,
		.optlen = syn ? sizeof(SYN_OPTS) : sizeof(DATA_OPTS),
		.payload = syn ? 0 : PAYLOAD,
	};
	return t;
}

/* writes the TCP segment `fc->tcp` and records its offsets */
static void case_tcp(struct frame_case *fc)
{
	fc->tcp_off = pb_tcp(&fc->b, &fc->tcp);
	fc->hdr_end = fc->tcp_off + 20 + (fc->tcp.optlen + 3) / 4 * 4;
	fc->tcplen = (uint32_t)fc->tcp.payload;
}

/* IPv4 (+ `ipopts`) and TCP after whatever link header is in fc->b */
static void case_ipv4(struct frame_case *fc, const uint8_t *ipopts, size_t ipoptlen)
{
	fc->family = 4;
	fc->ip_off = pb_ipv4(&fc->b, 6, A4, B4, 0x1234, 0x4000, ipopts, ipoptlen);
	case_tcp(fc);
	pb_ipv4_end(&fc->b, fc->ip_off);
}

/* IPv6 and TCP, with hop-by-hop, routing, destination options and a first
 * fragment header in between when `ext` */
static void case_ipv6(struct frame_case *fc, bool ext)
{
	fc->family = 6;
	fc->ip_off = pb_ipv6(&fc->b, ext ? 0 : 6, A6, B6, 0xabcde);
	if (ext) {
		pb_ipv6_ext(&fc->b, 43, 8);
		pb_ipv6_ext(&fc->b, 60, 24);
		pb_ipv6_ext(&fc->b, 44, 16);
		pb_ipv6_frag(&fc->b, 6, 0, true, 0x77);
	}
	case_tcp(fc);
	pb_ipv6_end(&fc->b, fc->ip_off);
}

/* ---- link headers ------------------------------------------------------- */

typedef void (*link_writer)(struct pb *b, bool v6);

static void lw_eth(struct pb *b, bool v6) { pb_eth(b, v6 ? ETH_IPV6 : ETH_IPV4); }

static void lw_vlan(struct pb *b, bool v6)
{
	pb_eth_macs(b);
	pb_be16(b, 0x8100);
	pb_be16(b, 100);
	pb_be16(b, v6 ? ETH_IPV6 : ETH_IPV4);
}

static void lw_qinq(struct pb *b, bool v6)
{
	pb_eth_macs(b);
	pb_be16(b, 0x88a8);
	pb_be16(b, 200);
	pb_be16(b, 0x8100);
	pb_be16(b, 100);
	pb_be16(b, v6 ? ETH_IPV6 : ETH_IPV4);
}

static void lw_vlan9100(struct pb *b, bool v6)
{
	pb_eth_macs(b);
	pb_be16(b, 0x9100);
	pb_be16(b, 300);
	pb_be16(b, v6 ? ETH_IPV6 : ETH_IPV4);
}

static void lw_sll(struct pb *b, bool v6) { pb_sll(b, v6 ? ETH_IPV6 : ETH_IPV4); }
static void lw_sll2(struct pb *b, bool v6) { pb_sll2(b, v6 ? ETH_IPV6 : ETH_IPV4); }

static void lw_ppp_ff03(struct pb *b, bool v6)
{
	pb_bytes(b, "\xff\x03", 2);
	pb_be16(b, v6 ? 0x0057 : 0x0021);
}

static void lw_ppp_bare(struct pb *b, bool v6) { pb_be16(b, v6 ? 0x0057 : 0x0021); }
static void lw_ppp_pfc(struct pb *b, bool v6) { pb_u8(b, v6 ? 0x57 : 0x21); }

static void lw_ppp_ff03_pfc(struct pb *b, bool v6)
{
	pb_bytes(b, "\xff\x03", 2);
	pb_u8(b, v6 ? 0x57 : 0x21);
}

static void lw_raw(struct pb *b, bool v6) { (void)b; (void)v6; }
/* BSD NULL: address family in the writer's byte order (BSD AF_INET6 differs) */
static void lw_null_le(struct pb *b, bool v6) { pb_le32(b, v6 ? 24 : 2); }
static void lw_null_be(struct pb *b, bool v6) { pb_be32(b, v6 ? 30 : 2); }
static void lw_null_linux6(struct pb *b, bool v6) { pb_le32(b, v6 ? 10 : 2); }
static void lw_null_be28(struct pb *b, bool v6) { pb_be32(b, v6 ? 28 : 2); }
static void lw_loop(struct pb *b, bool v6) { pb_be32(b, v6 ? 24 : 2); }

static const struct link_def {
	const char *name;
	int dlt;
	link_writer write;
	bool v4, v6;
} LINKS[] = {
	{ "ethernet", DLT_EN10MB, lw_eth, true, true },
	{ "vlan", DLT_EN10MB, lw_vlan, true, true },
	{ "qinq", DLT_EN10MB, lw_qinq, true, true },
	{ "vlan9100", DLT_EN10MB, lw_vlan9100, true, false },
	{ "sll", DLT_LINUX_SLL, lw_sll, true, true },
	{ "sll2", 276, lw_sll2, true, true },
	{ "ppp_ff03", DLT_PPP, lw_ppp_ff03, true, true },
	{ "ppp_no_ff03", DLT_PPP, lw_ppp_bare, true, true },
	{ "ppp_pfc", DLT_PPP, lw_ppp_pfc, true, true },
	{ "ppp_ff03_pfc", DLT_PPP, lw_ppp_ff03_pfc, true, true },
	{ "ppp_serial", DLT_PPP_SERIAL, lw_ppp_ff03, true, false },
	{ "raw12", 12, lw_raw, true, true },
	{ "raw14", 14, lw_raw, true, false },
	{ "raw101", 101, lw_raw, true, true },
	{ "ipv4_228", 228, lw_raw, true, false },
	{ "ipv6_229", 229, lw_raw, false, true },
	{ "null_le", DLT_NULL, lw_null_le, true, true },
	{ "null_be", DLT_NULL, lw_null_be, true, true },
	{ "null_linux_inet6", DLT_NULL, lw_null_linux6, true, true },
	{ "null_be_inet6_28", DLT_NULL, lw_null_be28, false, true },
	{ "loop", DLT_LOOP, lw_loop, true, true },
};

static GPtrArray *cases;

static struct frame_case *case_new(const char *name, int dlt)
{
	struct frame_case *fc = g_new0(struct frame_case, 1);
	g_strlcpy(fc->name, name, sizeof(fc->name));
	fc->dlt = dlt;
	g_ptr_array_add(cases, fc);
	return fc;
}

/* Ethernet, IPv4 and the SYN or data segment with other TCP options */
static void case_tcp_options(const char *name, bool syn, const uint8_t *opts, size_t optlen)
{
	struct frame_case *fc = case_new(name, DLT_EN10MB);
	pb_eth(&fc->b, ETH_IPV4);
	fc->tcp = tcp_spec(syn);
	fc->tcp.opts = opts;
	fc->tcp.optlen = optlen;
	case_ipv4(fc, NULL, 0);
}

static void build_cases(void)
{
	static const uint8_t ipopts_rtalert[8] = { 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00 };
	uint8_t ipopts_max[40];
	memset(ipopts_max, 1, sizeof(ipopts_max)); /* 40 NOPs: ihl 15 */

	cases = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < G_N_ELEMENTS(LINKS); i++) {
		const struct link_def *l = &LINKS[i];
		for (int v6 = 0; v6 <= 1; v6++) {
			if (!(v6 ? l->v6 : l->v4))
				continue;
			char name[64];
			g_snprintf(name, sizeof(name), "%s_ipv%d", l->name, v6 ? 6 : 4);
			struct frame_case *fc = case_new(name, l->dlt);
			l->write(&fc->b, v6);
			/* IPv4 carries the data segment, IPv6 the SYN: both option sets
			 * meet every link type */
			fc->tcp = tcp_spec(v6);
			if (v6)
				case_ipv6(fc, false);
			else
				case_ipv4(fc, NULL, 0);
		}
	}

	struct frame_case *fc = case_new("ipv4_options", DLT_EN10MB);
	pb_eth(&fc->b, ETH_IPV4);
	fc->tcp = tcp_spec(false);
	case_ipv4(fc, ipopts_rtalert, sizeof(ipopts_rtalert));

	fc = case_new("ipv4_options_max", DLT_EN10MB);
	pb_eth(&fc->b, ETH_IPV4);
	fc->tcp = tcp_spec(true);
	case_ipv4(fc, ipopts_max, sizeof(ipopts_max));

	fc = case_new("ipv6_ext_headers", DLT_EN10MB);
	pb_eth(&fc->b, ETH_IPV6);
	fc->tcp = tcp_spec(false);
	case_ipv6(fc, true);

	fc = case_new("ipv6_ext_headers_raw", 229);
	fc->tcp = tcp_spec(true);
	case_ipv6(fc, true);

	/* IPv6 with an authentication header (24 bytes) */
	fc = case_new("ipv6_ah", 12);
	fc->family = 6;
	fc->ip_off = pb_ipv6(&fc->b, 51, A6, B6, 0xabcde);
	pb_ipv6_ah(&fc->b, 6, 24);
	fc->tcp = tcp_spec(false);
	case_tcp(fc);
	pb_ipv6_end(&fc->b, fc->ip_off);

	/* an option list ended by EOL, then padding: a cut after the EOL still
	 * leaves the header incomplete */
	static const uint8_t eol_opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 0, 0, 0, 0, 0 };
	case_tcp_options("tcp_eol_padding", true, eol_opts, sizeof(eol_opts));

	/* what a Linux peer sends with data: NOP, NOP, timestamps, then a DSS
	 * (the decoder reads the first 12 bytes in one step) */
	static const uint8_t linux_opts[] = {
		1, 1, 8, 10, 0xa1, 0xb2, 0xc3, 0xd4, 0x01, 0x02, 0x03, 0x04,
		30, 26, 0x20, 0x0f, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44,
		0, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x00, 0x00, 0x01, 0x05, 0xa8,
	};
	case_tcp_options("tcp_linux_data_options", false, linux_opts, sizeof(linux_opts));

	/* no options at all: the smallest TCP header */
	case_tcp_options("tcp_no_options", false, NULL, 0);
}

/* ---- expected option fields from the crafted option bytes --------------- */

struct opt_expect {
	bool mss, ws, sack_perm, ts;
	uint16_t mss_v;
	uint8_t ws_v;
	uint32_t tsval, tsecr;
	unsigned n_sack;
	uint32_t sack[MAX_SACK_BLOCKS][2];
	unsigned n_mptcp;
	uint8_t mptcp_len[MAX_MPTCP_OPTS];
};

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* What the decoder must report when only `avail` bytes of the (well-formed)
 * option area `o` were captured: exactly the options that fit entirely. */
static void expect_options(const uint8_t *o, size_t optlen, size_t avail, struct opt_expect *e)
{
	memset(e, 0, sizeof(*e));
	size_t off = 0;
	while (off < optlen && o[off] != 0) {
		if (o[off] == 1) {
			off++;
			continue;
		}
		size_t len = o[off + 1];
		const uint8_t *p = o + off;
		if (off + len <= avail) {
			switch (p[0]) {
			case 2: e->mss = true; e->mss_v = (uint16_t)(p[2] << 8 | p[3]); break;
			case 3: e->ws = true; e->ws_v = p[2]; break;
			case 4: e->sack_perm = true; break;
			case 5:
				for (size_t b = 2; b + 8 <= len && e->n_sack < MAX_SACK_BLOCKS; b += 8) {
					e->sack[e->n_sack][0] = be32_at(p + b);
					e->sack[e->n_sack][1] = be32_at(p + b + 4);
					e->n_sack++;
				}
				break;
			case 8: e->ts = true; e->tsval = be32_at(p + 2); e->tsecr = be32_at(p + 6); break;
			case 30:
				if (e->n_mptcp < MAX_MPTCP_OPTS)
					e->mptcp_len[e->n_mptcp++] = (uint8_t)len;
				break;
			default: break;
			}
		}
		off += len;
	}
}

static void assert_options(const struct decoded *d, const struct opt_expect *e)
{
	g_assert_cmpint(!!(d->marks & PKT_HAS_MSS), ==, e->mss);
	if (e->mss)
		g_assert_cmpuint(d->mss, ==, e->mss_v);
	g_assert_cmpint(!!(d->marks & PKT_HAS_WSCALE), ==, e->ws);
	if (e->ws)
		g_assert_cmpuint(d->wscale, ==, e->ws_v);
	g_assert_cmpint(!!(d->marks & PKT_SACK_PERM), ==, e->sack_perm);
	g_assert_cmpint(!!(d->marks & PKT_HAS_TS), ==, e->ts);
	if (e->ts) {
		g_assert_cmphex(d->tsval, ==, e->tsval);
		g_assert_cmphex(d->tsecr, ==, e->tsecr);
	}
	g_assert_cmpuint(d->n_sack, ==, e->n_sack);
	for (unsigned i = 0; i < e->n_sack; i++) {
		g_assert_cmphex(d->sack[i][0], ==, e->sack[i][0]);
		g_assert_cmphex(d->sack[i][1], ==, e->sack[i][1]);
	}
	g_assert_cmpuint(d->n_mptcp, ==, e->n_mptcp);
	for (unsigned i = 0; i < e->n_mptcp; i++) {
		g_assert_cmpuint(d->mptcp[i].length, ==, e->mptcp_len[i]);
		g_assert_false(d->mptcp[i].malformed);
	}
}

/* ---- decoding helpers --------------------------------------------------- */

/* Decodes the first `n` bytes of `b` from an exact-size heap copy, as a
 * capture of a frame of b->len bytes on the wire cut at n. */
static enum decode_result decode_prefix(int dlt, const struct pb *b, size_t n, struct decoded *d,
					uint8_t **keep)
{
	uint8_t *buf = pb_dup(b, n);
	memset(d, 0, sizeof(*d));
	d->frame = 1;
	d->caplen = (uint32_t)n;
	d->wirelen = (uint32_t)b->len;
	enum decode_result r = decode_frame(dlt, span_make(buf, n), d);
	if (keep)
		*keep = buf;
	else
		g_free(buf);
	return r;
}

static enum decode_result decode_whole(int dlt, const struct pb *b, struct decoded *d)
{
	return decode_prefix(dlt, b, b->len, d, NULL);
}

static void assert_addrs(const struct decoded *d, uint8_t family)
{
	g_assert_cmpuint(d->family, ==, family);
	if (family == 4) {
		g_assert_cmpmem(d->src, 4, A4, 4);
		g_assert_cmpmem(d->dst, 4, B4, 4);
		g_assert_cmpuint(d->ttl, ==, 64);
		g_assert_cmphex(d->ip_id, ==, 0x1234);
	} else {
		g_assert_cmpmem(d->src, 16, A6, 16);
		g_assert_cmpmem(d->dst, 16, B6, 16);
		g_assert_cmpuint(d->ttl, ==, 57);
		g_assert_cmphex(d->ip_id, ==, 0xbcde);
	}
}

static void assert_tcp_head(const struct decoded *d, const struct pb_tcp *t)
{
	g_assert_cmpuint(d->sport, ==, t->sport);
	g_assert_cmpuint(d->dport, ==, t->dport);
	g_assert_cmphex(d->seq, ==, t->seq);
	g_assert_cmphex(d->ack, ==, t->ack);
	g_assert_cmphex(d->flags, ==, t->flags);
}

/* ---- per-case tests ----------------------------------------------------- */

static void test_case_whole(gconstpointer data)
{
	const struct frame_case *fc = data;
	struct decoded d;
	struct opt_expect e;
	uint8_t *buf;

	g_assert_true(link_type_supported(fc->dlt));
	g_assert_cmpint(decode_prefix(fc->dlt, &fc->b, fc->b.len, &d, &buf), ==, DEC_TCP);
	assert_addrs(&d, fc->family);
	assert_tcp_head(&d, &fc->tcp);
	g_assert_cmphex(d.win, ==, fc->tcp.win);
	g_assert_cmpuint(d.doff, ==, fc->hdr_end - fc->tcp_off);
	g_assert_cmpuint(d.tcplen, ==, fc->tcplen);
	g_assert_cmpuint(d.payload_captured, ==, fc->tcp.payload);
	g_assert_cmpuint(d.payload.len, ==, fc->tcp.payload);
	if (fc->tcp.payload)
		g_assert_true(d.payload.data == buf + fc->hdr_end);
	g_assert_cmphex(d.marks & (PKT_TRUNCATED | PKT_BAD_OPTIONS | PKT_MPTCP_MALFORMED | PKT_BAD_IP), ==, 0);
	expect_options(fc->tcp.opts, fc->tcp.optlen, fc->tcp.optlen, &e);
	assert_options(&d, &e);
	g_free(buf);
}

/* one prefix of a case: see the file comment for the rules */
static void check_prefix(const struct frame_case *fc, const struct decoded *full, size_t n)
{
	struct decoded d;
	struct opt_expect e;
	uint8_t *buf;
	enum decode_result r = decode_prefix(fc->dlt, &fc->b, n, &d, &buf);
	size_t ip_fixed = fc->ip_off + (fc->family == 4 ? 20 : 40);

	if (n < fc->hdr_end) {
		if (r != DEC_TRUNCATED && !(r == DEC_TCP && (d.marks & PKT_TRUNCATED)))
			g_error("%s cut at %zu/%zu: result %d marks %#x, want truncated",
			        fc->name, n, fc->b.len, r, d.marks);
		g_assert_cmpuint(d.payload.len, ==, 0);
		g_assert_cmpuint(d.payload_captured, ==, 0);
	} else {
		g_assert_cmpint(r, ==, DEC_TCP);
		g_assert_false(d.marks & PKT_TRUNCATED);
		g_assert_cmpuint(d.payload_captured, ==, n - fc->hdr_end);
		g_assert_cmpuint(d.payload.len, ==, n - fc->hdr_end);
		if (n > fc->hdr_end)
			g_assert_true(d.payload.data == buf + fc->hdr_end);
	}
	g_assert_false(d.marks & (PKT_BAD_OPTIONS | PKT_MPTCP_MALFORMED | PKT_BAD_IP));
	if (n >= ip_fixed)
		assert_addrs(&d, fc->family);
	if (r == DEC_TCP) {
		g_assert_cmpuint(n, >=, fc->tcp_off + 14);
		assert_tcp_head(&d, &fc->tcp);
		if (n >= fc->tcp_off + 16)
			g_assert_cmphex(d.win, ==, fc->tcp.win);
		g_assert_cmpuint(d.doff, ==, full->doff);
		g_assert_cmpuint(d.tcplen, ==, full->tcplen);
		size_t avail = n > fc->tcp_off + 20 ? n - fc->tcp_off - 20 : 0;
		expect_options(fc->tcp.opts, fc->tcp.optlen, avail, &e);
		assert_options(&d, &e);
		for (unsigned i = 0; i < d.n_mptcp; i++)
			g_assert_cmpmem(&d.mptcp[i], sizeof(d.mptcp[i]), &full->mptcp[i], sizeof(full->mptcp[i]));
	}
	g_free(buf);
}

static void test_case_prefixes(gconstpointer data)
{
	const struct frame_case *fc = data;
	struct decoded full;

	g_assert_cmpint(decode_whole(fc->dlt, &fc->b, &full), ==, DEC_TCP);
	for (size_t n = 0; n <= fc->b.len; n++)
		check_prefix(fc, &full, n);
}

/* ---- link layer --------------------------------------------------------- */

static void test_link_unsupported(void)
{
	struct pb b;
	struct decoded d;

	pb_init(&b);
	pb_eth(&b, ETH_IPV4);
	g_assert_false(link_type_supported(DLT_IEEE802_11));
	g_assert_false(link_type_supported(147)); /* DLT_USER0 */
	g_assert_false(link_type_supported(-1));
	g_assert_cmpint(decode_whole(DLT_IEEE802_11, &b, &d), ==, DEC_BAD_LINK);
	g_assert_cmpint(decode_whole(147, &b, &d), ==, DEC_BAD_LINK);
	g_assert_cmpint(decode_prefix(DLT_IEEE802_11_RADIO, &b, 0, &d, NULL), ==, DEC_BAD_LINK);
	for (size_t i = 0; i < G_N_ELEMENTS(LINKS); i++)
		g_assert_true(link_type_supported(LINKS[i].dlt));
}

/* link payloads that are not IP */
static void test_link_not_ip(void)
{
	struct pb b;
	struct decoded d;

	pb_init(&b);
	pb_eth(&b, ETH_ARP);
	pb_zeros(&b, 28);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_NOT_IP);

	pb_init(&b);
	lw_vlan(&b, false);
	pb_put_be16(&b, 16, ETH_ARP);
	pb_zeros(&b, 28);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_NOT_IP);

	pb_init(&b);
	pb_sll(&b, ETH_ARP);
	pb_zeros(&b, 28);
	g_assert_cmpint(decode_whole(DLT_LINUX_SLL, &b, &d), ==, DEC_NOT_IP);

	pb_init(&b);
	pb_sll2(&b, 0x0004); /* 802.2 frames */
	pb_zeros(&b, 28);
	g_assert_cmpint(decode_whole(276, &b, &d), ==, DEC_NOT_IP);

	pb_init(&b);
	pb_bytes(&b, "\xff\x03\xc0\x21", 4); /* LCP */
	pb_zeros(&b, 8);
	g_assert_cmpint(decode_whole(DLT_PPP, &b, &d), ==, DEC_NOT_IP);

	pb_init(&b);
	pb_le32(&b, 7); /* AF_OSI on BSD */
	pb_zeros(&b, 40);
	g_assert_cmpint(decode_whole(DLT_NULL, &b, &d), ==, DEC_NOT_IP);

	pb_init(&b);
	pb_be32(&b, 7);
	pb_zeros(&b, 40);
	g_assert_cmpint(decode_whole(DLT_LOOP, &b, &d), ==, DEC_NOT_IP);

	/* raw IP whose version nibble is neither 4 nor 6 */
	pb_init(&b);
	pb_u8(&b, 0x55);
	pb_zeros(&b, 40);
	g_assert_cmpint(decode_whole(12, &b, &d), ==, DEC_NOT_IP);
}

/* Ethernet minimum-size padding after a 40-byte IPv4 packet is no payload */
static void test_link_ethernet_padding(void)
{
	struct pb b;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);

	t.opts = NULL;
	t.optlen = 0;
	t.payload = 0;
	pb_init(&b);
	pb_eth(&b, ETH_IPV4);
	size_t ip = pb_ipv4(&b, 6, A4, B4, 0x1234, 0, NULL, 0);
	pb_tcp(&b, &t);
	pb_ipv4_end(&b, ip);
	pb_bytes(&b, "\xee\xee\xee\xee\xee\xee", 6);
	g_assert_cmpuint(b.len, ==, 60);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TCP);
	g_assert_cmpuint(d.tcplen, ==, 0);
	g_assert_cmpuint(d.payload_captured, ==, 0);
	g_assert_cmpuint(d.payload.len, ==, 0);
	g_assert_cmphex(d.marks, ==, 0);
}

/* ---- IPv4 --------------------------------------------------------------- */

/* Ethernet + IPv4 (frag field `frag`, protocol `proto`) + the data segment */
static void build_v4(struct pb *b, uint8_t proto, uint16_t frag, const uint8_t *ipopts, size_t ipoptlen,
		     const struct pb_tcp *t)
{
	pb_init(b);
	pb_eth(b, ETH_IPV4);
	size_t ip = pb_ipv4(b, proto, A4, B4, 0x1234, frag, ipopts, ipoptlen);
	pb_tcp(b, t);
	pb_ipv4_end(b, ip);
}

static void test_ipv4_options(void)
{
	static const uint8_t opts[12] = { 0x94, 0x04, 0, 0, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01 };
	struct pb b;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);

	for (size_t optlen = 4; optlen <= 12; optlen += 4) {
		build_v4(&b, 6, 0, opts, optlen, &t);
		g_assert_cmphex(b.buf[14], ==, 0x45 + optlen / 4);
		g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TCP);
		assert_addrs(&d, 4);
		assert_tcp_head(&d, &t);
		g_assert_cmpuint(d.tcplen, ==, PAYLOAD);
		g_assert_cmpuint(d.tsval, ==, 0xa1b2c3d4);
		g_assert_true(d.payload.len == PAYLOAD);
	}
}

static void test_ipv4_bad_header(void)
{
	struct pb b;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);

	/* ihl below 5 */
	build_v4(&b, 6, 0, NULL, 0, &t);
	b.buf[14] = 0x44;
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TRUNCATED);
	g_assert_true(d.marks & PKT_BAD_IP);

	/* total length below the header length */
	build_v4(&b, 6, 0, NULL, 0, &t);
	pb_put_be16(&b, 16, 12);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TRUNCATED);
	g_assert_true(d.marks & PKT_BAD_IP);

	/* total length leaving less than the TCP header: a bad data offset */
	build_v4(&b, 6, 0, NULL, 0, &t);
	pb_put_be16(&b, 16, 20 + 24);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TCP);
	g_assert_true(d.marks & PKT_BAD_OPTIONS);
	g_assert_cmpuint(d.tcplen, ==, 0);
	assert_tcp_head(&d, &t);
}

static void test_ipv4_fragments(void)
{
	struct pb b;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);

	/* first fragment (MF, offset 0): decoded, length of this fragment */
	build_v4(&b, 6, 0x2000, NULL, 0, &t);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TCP);
	assert_tcp_head(&d, &t);
	g_assert_cmpuint(d.tcplen, ==, PAYLOAD);

	/* DF only */
	build_v4(&b, 6, 0x4000, NULL, 0, &t);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TCP);

	/* non-first fragments, last or not: skipped */
	build_v4(&b, 6, 185, NULL, 0, &t);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_FRAGMENT);
	g_assert_cmpuint(d.sport, ==, 0);
	build_v4(&b, 6, 0x2000 | 1, NULL, 0, &t);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_FRAGMENT);
	build_v4(&b, 6, 0x1fff, NULL, 0, &t);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_FRAGMENT);
}

static void test_ipv4_not_tcp(void)
{
	struct pb b;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);

	build_v4(&b, 17, 0, NULL, 0, &t);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_NOT_TCP);
	build_v4(&b, 1, 0, NULL, 0, &t);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_NOT_TCP);
	/* addresses are still there for whoever wants to count them */
	assert_addrs(&d, 4);
}

/* ---- IPv6 --------------------------------------------------------------- */

static void test_ipv6_ext_headers(void)
{
	struct pb b;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);

	pb_init(&b);
	pb_eth(&b, ETH_IPV6);
	size_t ip = pb_ipv6(&b, 0, A6, B6, 0x12345);
	pb_ipv6_ext(&b, 43, 8);   /* hop-by-hop */
	pb_ipv6_ext(&b, 60, 24);  /* routing */
	pb_ipv6_ext(&b, 44, 16);  /* destination options */
	pb_ipv6_frag(&b, 6, 0, true, 1); /* first fragment */
	size_t tcp = pb_tcp(&b, &t);
	pb_ipv6_end(&b, ip);
	g_assert_cmpuint(tcp, ==, 14 + 40 + 8 + 24 + 16 + 8);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TCP);
	g_assert_cmpuint(d.family, ==, 6);
	g_assert_cmpmem(d.src, 16, A6, 16);
	g_assert_cmpmem(d.dst, 16, B6, 16);
	g_assert_cmphex(d.ip_id, ==, 0x2345);
	assert_tcp_head(&d, &t);
	g_assert_cmpuint(d.doff, ==, 60);
	g_assert_cmpuint(d.tcplen, ==, PAYLOAD);
	g_assert_cmpuint(d.payload_captured, ==, PAYLOAD);
	g_assert_cmphex(d.tsval, ==, 0xa1b2c3d4);

	/* the same with a non-first fragment: skipped */
	b.buf[tcp - 8 + 2] = 0x01; /* offset 32 units */
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_FRAGMENT);

	/* fragment header alone, non-first and last */
	pb_init(&b);
	ip = pb_ipv6(&b, 44, A6, B6, 0);
	pb_ipv6_frag(&b, 6, 181, false, 2);
	pb_tcp(&b, &t);
	pb_ipv6_end(&b, ip);
	g_assert_cmpint(decode_whole(229, &b, &d), ==, DEC_FRAGMENT);

	/* fragment header alone, first */
	pb_init(&b);
	ip = pb_ipv6(&b, 44, A6, B6, 0);
	pb_ipv6_frag(&b, 6, 0, true, 3);
	pb_tcp(&b, &t);
	pb_ipv6_end(&b, ip);
	g_assert_cmpint(decode_whole(229, &b, &d), ==, DEC_TCP);
	g_assert_cmpuint(d.tcplen, ==, PAYLOAD);
	g_assert_cmpuint(d.seq, ==, SEQ);
}

static void test_ipv6_not_tcp(void)
{
	struct pb b;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);

	/* UDP after a destination options header */
	pb_init(&b);
	size_t ip = pb_ipv6(&b, 60, A6, B6, 0);
	pb_ipv6_ext(&b, 17, 8);
	pb_zeros(&b, 16);
	pb_ipv6_end(&b, ip);
	g_assert_cmpint(decode_whole(229, &b, &d), ==, DEC_NOT_TCP);
	g_assert_cmpuint(d.family, ==, 6);

	/* no next header */
	pb_init(&b);
	ip = pb_ipv6(&b, 59, A6, B6, 0);
	pb_ipv6_end(&b, ip);
	g_assert_cmpint(decode_whole(229, &b, &d), ==, DEC_NOT_TCP);

	/* payload length shorter than the extension headers */
	pb_init(&b);
	ip = pb_ipv6(&b, 0, A6, B6, 0);
	pb_ipv6_ext(&b, 6, 16);
	pb_tcp(&b, &t);
	pb_put_be16(&b, ip + 4, 8);
	g_assert_cmpint(decode_whole(229, &b, &d), ==, DEC_TRUNCATED);
	g_assert_true(d.marks & PKT_BAD_IP);
}

/* ---- TCP header and options --------------------------------------------- */

/* Ethernet + IPv4 + TCP with the given options and flags */
static enum decode_result decode_opts(const uint8_t *opts, size_t optlen, uint16_t flags, struct decoded *d)
{
	struct pb b;
	struct pb_tcp t = tcp_spec(false);
	t.opts = opts;
	t.optlen = optlen;
	t.flags = flags;
	build_v4(&b, 6, 0, NULL, 0, &t);
	enum decode_result r = decode_whole(DLT_EN10MB, &b, d);
	g_assert_cmpint(r, ==, DEC_TCP);
	assert_tcp_head(d, &t);
	g_assert_cmpuint(d->tcplen, ==, PAYLOAD);
	return r;
}

static void test_tcp_fields(void)
{
	struct pb b;
	struct decoded d;
	uint8_t *buf;
	struct pb_tcp t = tcp_spec(false);

	t.sport = 1;
	t.dport = 65535;
	t.seq = 0xffffffff;
	t.ack = 0;
	t.flags = 0x1ff; /* AE and all eight flag bits */
	t.win = 0;
	t.opts = NULL;
	t.optlen = 0;
	t.payload = 1400;
	build_v4(&b, 6, 0, NULL, 0, &t);
	g_assert_cmpint(decode_prefix(DLT_EN10MB, &b, b.len, &d, &buf), ==, DEC_TCP);
	g_assert_cmpuint(d.sport, ==, 1);
	g_assert_cmpuint(d.dport, ==, 65535);
	g_assert_cmphex(d.seq, ==, 0xffffffff);
	g_assert_cmphex(d.ack, ==, 0);
	g_assert_cmphex(d.flags, ==, 0x1ff);
	g_assert_cmpuint(d.win, ==, 0);
	g_assert_cmpuint(d.doff, ==, 20);
	g_assert_cmpuint(d.tcplen, ==, 1400);
	g_assert_cmpuint(d.payload_captured, ==, 1400);
	g_assert_cmphex(d.payload.data[0], ==, 3);
	g_assert_cmphex(d.payload.data[1], ==, 10);
	g_free(buf);

	/* the reserved bits are kept in the 12-bit field, as tshark's tcp.flags */
	b.buf[14 + 20 + 12] |= 0x0e;
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TCP);
	g_assert_cmphex(d.flags, ==, 0xfff);
	g_assert_cmpuint(d.doff, ==, 20);
}

static void test_opt_mss(void)
{
	static const uint8_t o[] = { 2, 4, 0x05, 0x78 };
	struct decoded d;
	decode_opts(o, sizeof(o), TCPF_SYN, &d);
	g_assert_true(d.marks & PKT_HAS_MSS);
	g_assert_cmpuint(d.mss, ==, 1400);
	g_assert_cmpuint(d.doff, ==, 24);
	g_assert_false(d.marks & (PKT_HAS_WSCALE | PKT_HAS_TS | PKT_SACK_PERM | PKT_BAD_OPTIONS));
}

static void test_opt_wscale(void)
{
	static const uint8_t o[] = { 1, 3, 3, 14 };
	struct decoded d;
	decode_opts(o, sizeof(o), TCPF_SYN, &d);
	g_assert_true(d.marks & PKT_HAS_WSCALE);
	g_assert_cmpuint(d.wscale, ==, 14);
	g_assert_false(d.marks & (PKT_HAS_MSS | PKT_BAD_OPTIONS));
}

static void test_opt_sack_perm(void)
{
	static const uint8_t o[] = { 1, 1, 4, 2 };
	struct decoded d;
	decode_opts(o, sizeof(o), TCPF_SYN, &d);
	g_assert_true(d.marks & PKT_SACK_PERM);
	g_assert_cmpuint(d.n_sack, ==, 0);
}

static void test_opt_sack(void)
{
	/* four blocks: the most that fits */
	static const uint8_t four[] = {
		1, 1, 5, 34,
		0, 0, 0, 1, 0, 0, 0, 2,
		0, 0, 0, 3, 0, 0, 0, 4,
		0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10,
		0x80, 0, 0, 0, 0x80, 0, 0x10, 0,
	};
	struct decoded d;
	decode_opts(four, sizeof(four), TCPF_ACK, &d);
	g_assert_cmpuint(d.n_sack, ==, 4);
	g_assert_cmphex(d.sack[0][0], ==, 1);
	g_assert_cmphex(d.sack[0][1], ==, 2);
	g_assert_cmphex(d.sack[1][0], ==, 3);
	g_assert_cmphex(d.sack[1][1], ==, 4);
	g_assert_cmphex(d.sack[2][0], ==, 0xfffffff0);
	g_assert_cmphex(d.sack[2][1], ==, 0x10);
	g_assert_cmphex(d.sack[3][0], ==, 0x80000000);
	g_assert_cmphex(d.sack[3][1], ==, 0x80001000);
	g_assert_false(d.marks & PKT_BAD_OPTIONS);

	/* one block, then timestamps */
	static const uint8_t one[] = { 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8 };
	decode_opts(one, sizeof(one), TCPF_ACK, &d);
	g_assert_cmpuint(d.n_sack, ==, 1);
	g_assert_cmphex(d.sack[0][0], ==, 0x1000);
	g_assert_cmphex(d.sack[0][1], ==, 0x2000);
	g_assert_true(d.marks & PKT_HAS_TS);
	g_assert_cmpuint(d.tsval, ==, 9);
	g_assert_cmpuint(d.tsecr, ==, 8);

	/* a length that is not 2 + 8n: whole blocks only */
	static const uint8_t odd[] = { 5, 13, 0, 0, 0, 7, 0, 0, 0, 9, 0xaa, 0xbb, 0xcc, 0, 0, 0 };
	decode_opts(odd, sizeof(odd), TCPF_ACK, &d);
	g_assert_cmpuint(d.n_sack, ==, 1);
	g_assert_cmpuint(d.sack[0][0], ==, 7);
	g_assert_cmpuint(d.sack[0][1], ==, 9);
}

static void test_opt_timestamp(void)
{
	static const uint8_t o[] = { 1, 1, 8, 10, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };
	struct decoded d;
	decode_opts(o, sizeof(o), TCPF_ACK, &d);
	g_assert_true(d.marks & PKT_HAS_TS);
	g_assert_cmphex(d.tsval, ==, 0xfedcba98);
	g_assert_cmphex(d.tsecr, ==, 0x76543210);
}

/* known kinds with a wrong length are ignored, not fatal */
static void test_opt_wrong_lengths(void)
{
	/* MSS len 3, wscale len 4, SACK-permitted len 3, timestamps len 8,
	 * SACK len 6 (no whole block) */
	static const uint8_t o[] = { 2, 3, 5, 3, 4, 1, 1, 4, 3, 8, 8, 8, 1, 2, 3, 4, 5, 6,
				     5, 6, 1, 2, 3, 4 };
	struct decoded d;
	decode_opts(o, sizeof(o), TCPF_SYN, &d);
	g_assert_false(d.marks & (PKT_HAS_MSS | PKT_HAS_WSCALE | PKT_SACK_PERM | PKT_HAS_TS | PKT_BAD_OPTIONS));
	g_assert_cmpuint(d.n_sack, ==, 0);
	g_assert_cmpuint(d.mss, ==, 0);
}

static void test_opt_mptcp(void)
{
	/* MP_CAPABLE v1 on a SYN (keyless, 4 bytes) and v0 with the key */
	static const uint8_t syn_v1[] = { 30, 4, 0x01, 0x81 };
	static const uint8_t syn_v0[] = { 2, 4, 0x05, 0xb4, 30, 12, 0x00, 0x81, 0xc6, 0x33, 0x22, 0x67, 0xc7, 0x7b, 0xb5, 0xd2 };
	struct decoded d;

	decode_opts(syn_v1, sizeof(syn_v1), TCPF_SYN, &d);
	g_assert_cmpuint(d.n_mptcp, ==, 1);
	g_assert_cmpuint(d.mptcp[0].subtype, ==, MPTCP_SUB_CAPABLE);
	g_assert_cmpuint(d.mptcp[0].length, ==, 4);
	g_assert_cmpuint(d.mptcp[0].u.mpc.version, ==, 1);
	g_assert_cmphex(d.mptcp[0].u.mpc.flags, ==, 0x81);
	g_assert_false(d.mptcp[0].u.mpc.has_sender_key);

	decode_opts(syn_v0, sizeof(syn_v0), TCPF_SYN, &d);
	g_assert_cmpuint(d.mss, ==, 1460);
	g_assert_cmpuint(d.n_mptcp, ==, 1);
	g_assert_cmpuint(d.mptcp[0].u.mpc.version, ==, 0);
	g_assert_true(d.mptcp[0].u.mpc.has_sender_key);
	g_assert_cmphex(d.mptcp[0].u.mpc.sender_key, ==, 0xc6332267c77bb5d2ULL);

	/* DSS after SACK and timestamps (the data option set) */
	decode_opts(DATA_OPTS, sizeof(DATA_OPTS), TCPF_ACK, &d);
	g_assert_cmpuint(d.n_mptcp, ==, 1);
	const struct mptcp_option *m = &d.mptcp[0];
	g_assert_cmpuint(m->subtype, ==, MPTCP_SUB_DSS);
	g_assert_cmpuint(m->length, ==, 18);
	g_assert_true(m->u.dss.has_ack);
	g_assert_true(m->u.dss.has_map);
	g_assert_false(m->u.dss.ack64);
	g_assert_cmphex(m->u.dss.data_ack, ==, 0x01020304);
	g_assert_cmphex(m->u.dss.dsn, ==, 0x0a0b0c0d);
	g_assert_cmpuint(m->u.dss.ssn, ==, 1);
	g_assert_cmpuint(m->u.dss.data_len, ==, 100);
	g_assert_cmpuint(d.n_sack, ==, 1);
	g_assert_cmphex(d.tsval, ==, 0xa1b2c3d4);

	/* ten 4-byte DSS options: only MAX_MPTCP_OPTS kept, the rest skipped */
	uint8_t many[40];
	for (size_t i = 0; i < 40; i += 4) {
		many[i] = 30;
		many[i + 1] = 4;
		many[i + 2] = 0x20;
		many[i + 3] = 0;
	}
	decode_opts(many, sizeof(many), TCPF_ACK, &d);
	g_assert_cmpuint(d.n_mptcp, ==, MAX_MPTCP_OPTS);
	for (unsigned i = 0; i < MAX_MPTCP_OPTS; i++)
		g_assert_cmpuint(d.mptcp[i].subtype, ==, MPTCP_SUB_DSS);
	g_assert_false(d.marks & (PKT_BAD_OPTIONS | PKT_MPTCP_MALFORMED));

	/* an MPTCP option whose length does not fit its subtype */
	static const uint8_t bad[] = { 30, 5, 0x20, 0x00, 0x00, 1, 1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6 };
	decode_opts(bad, sizeof(bad), TCPF_ACK, &d);
	g_assert_true(d.marks & PKT_MPTCP_MALFORMED);
	g_assert_false(d.marks & PKT_BAD_OPTIONS);
	g_assert_cmpuint(d.n_mptcp, ==, 1);
	g_assert_true(d.mptcp[0].malformed);
	g_assert_cmpuint(d.tsval, ==, 5); /* parsing went on */
}

static void test_opt_unknown_kind(void)
{
	/* kind 253 (experiment) with 6 bytes, kind 99 with 2, then timestamps */
	static const uint8_t o[] = { 253, 6, 2, 4, 8, 10, 99, 2, 8, 10, 0, 0, 0, 42, 0, 0, 0, 43 };
	struct decoded d;
	decode_opts(o, sizeof(o), TCPF_ACK, &d);
	g_assert_false(d.marks & (PKT_BAD_OPTIONS | PKT_HAS_MSS));
	g_assert_true(d.marks & PKT_HAS_TS);
	g_assert_cmpuint(d.tsval, ==, 42);
	g_assert_cmpuint(d.tsecr, ==, 43);
}

/* EOL ends the list: nothing after it is an option */
static void test_opt_eol(void)
{
	static const uint8_t o[] = { 1, 0, 2, 4, 0x05, 0xb4, 3, 3, 7 };
	struct decoded d;
	decode_opts(o, sizeof(o), TCPF_SYN, &d);
	g_assert_false(d.marks & (PKT_BAD_OPTIONS | PKT_HAS_MSS | PKT_HAS_WSCALE));
}

static void test_opt_malformed(void)
{
	struct decoded d;

	/* length 0 after a good MSS: MSS kept, parsing stops before the wscale */
	static const uint8_t len0[] = { 2, 4, 0x05, 0xb4, 8, 0, 3, 3, 7 };
	decode_opts(len0, sizeof(len0), TCPF_SYN, &d);
	g_assert_true(d.marks & PKT_BAD_OPTIONS);
	g_assert_true(d.marks & PKT_HAS_MSS);
	g_assert_cmpuint(d.mss, ==, 1460);
	g_assert_false(d.marks & (PKT_HAS_WSCALE | PKT_HAS_TS));

	/* length 1 */
	static const uint8_t len1[] = { 3, 3, 9, 254, 1, 2, 4, 0x05, 0xb4 };
	decode_opts(len1, sizeof(len1), TCPF_SYN, &d);
	g_assert_true(d.marks & PKT_BAD_OPTIONS);
	g_assert_true(d.marks & PKT_HAS_WSCALE);
	g_assert_cmpuint(d.wscale, ==, 9);
	g_assert_false(d.marks & PKT_HAS_MSS);

	/* length past the header: a timestamp that would need 2 more bytes */
	static const uint8_t past[] = { 2, 4, 0x05, 0xb4, 8, 10, 1, 2, 3, 4, 5, 6 };
	decode_opts(past, sizeof(past), TCPF_SYN, &d);
	g_assert_true(d.marks & PKT_BAD_OPTIONS);
	g_assert_true(d.marks & PKT_HAS_MSS);
	g_assert_false(d.marks & PKT_HAS_TS);
	g_assert_cmpuint(d.tsval, ==, 0);
	g_assert_cmpuint(d.tcplen, ==, PAYLOAD); /* the payload length does not depend on options */

	/* an MPTCP option running past the header is not handed to its decoder */
	static const uint8_t mp_past[] = { 1, 1, 1, 1, 30, 20, 0x20, 0x01, 0, 0, 0, 1 };
	decode_opts(mp_past, sizeof(mp_past), TCPF_ACK, &d);
	g_assert_true(d.marks & PKT_BAD_OPTIONS);
	g_assert_cmpuint(d.n_mptcp, ==, 0);

	/* a kind in the last byte, no room for its length */
	static const uint8_t last[] = { 1, 1, 1, 2 };
	decode_opts(last, sizeof(last), TCPF_SYN, &d);
	g_assert_true(d.marks & PKT_BAD_OPTIONS);
	g_assert_false(d.marks & PKT_HAS_MSS);
}

/* the option parser on its own */
static void test_opt_standalone(void)
{
	struct decoded d;
	uint8_t *o = g_malloc(sizeof(SYN_OPTS));
	memcpy(o, SYN_OPTS, sizeof(SYN_OPTS));
	memset(&d, 0, sizeof(d));
	d.flags = TCPF_SYN;
	decode_tcp_options(span_make(o, sizeof(SYN_OPTS)), &d);
	g_assert_cmpuint(d.mss, ==, 1460);
	g_assert_cmpuint(d.wscale, ==, 7);
	g_assert_true(d.marks & PKT_SACK_PERM);
	g_assert_cmphex(d.tsval, ==, 0x11223344);
	g_assert_cmpuint(d.n_mptcp, ==, 1);
	g_assert_cmphex(d.mptcp[0].u.mpc.sender_key, ==, 0xc6332267c77bb5d2ULL);
	g_free(o);

	memset(&d, 0, sizeof(d));
	decode_tcp_options(span_make(NULL, 0), &d);
	g_assert_cmphex(d.marks, ==, 0);
}

/* data offset below 5 words or past the IP payload: header unusable */
static void test_tcp_bad_doff(void)
{
	struct pb b;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);

	for (int words = 0; words < 5; words++) {
		t.doff_override = words > 0 ? words : 5;
		build_v4(&b, 6, 0, NULL, 0, &t);
		b.buf[14 + 20 + 12] = (uint8_t)(words << 4 | (b.buf[14 + 20 + 12] & 0x0f));
		g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TCP);
		g_assert_true(d.marks & PKT_BAD_OPTIONS);
		g_assert_cmpuint(d.tcplen, ==, 0);
		g_assert_cmpuint(d.payload.len, ==, 0);
		assert_tcp_head(&d, &t);
		g_assert_cmpuint(d.win, ==, WIN);
	}
	/* 60-byte header announced, segment of 20 + 0 bytes */
	t = tcp_spec(false);
	t.opts = NULL;
	t.optlen = 0;
	t.payload = 0;
	t.doff_override = 15;
	build_v4(&b, 6, 0, NULL, 0, &t);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TCP);
	g_assert_true(d.marks & PKT_BAD_OPTIONS);
	g_assert_cmpuint(d.tcplen, ==, 0);
}

/* A struct decoded reused like capture_load does (reset up to the MPTCP
 * options only) must not keep the previous frame's payload. */
static void test_tcp_reuse(void)
{
	struct pb good, bad;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);

	build_v4(&good, 6, 0, NULL, 0, &t);
	t.doff_override = 3;
	build_v4(&bad, 6, 0, NULL, 0, &t);
	memset(&d, 0, sizeof(d));
	d.caplen = d.wirelen = (uint32_t)good.len;
	g_assert_cmpint(decode_frame(DLT_EN10MB, span_make(good.buf, good.len), &d), ==, DEC_TCP);
	g_assert_cmpuint(d.payload.len, ==, PAYLOAD);
	memset(&d, 0, offsetof(struct decoded, mptcp));
	d.caplen = d.wirelen = (uint32_t)bad.len;
	g_assert_cmpint(decode_frame(DLT_EN10MB, span_make(bad.buf, bad.len), &d), ==, DEC_TCP);
	g_assert_true(d.marks & PKT_BAD_OPTIONS);
	g_assert_cmpuint(d.payload.len, ==, 0);
	g_assert_null(d.payload.data);
}

/* ---- snap length and TSO -------------------------------------------------- */

static void test_snaplen(void)
{
	struct pb b;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);
	uint8_t *buf;

	/* IPv4: 1448 payload bytes on the wire, 10 captured */
	t.payload = 1448;
	build_v4(&b, 6, 0, NULL, 0, &t);
	size_t hdr = 14 + 20 + 60;
	g_assert_cmpint(decode_prefix(DLT_EN10MB, &b, hdr + 10, &d, &buf), ==, DEC_TCP);
	g_assert_cmpuint(d.caplen, <, d.wirelen);
	g_assert_cmpuint(d.tcplen, ==, 1448);
	g_assert_cmpuint(d.payload_captured, ==, 10);
	g_assert_cmpuint(d.payload.len, ==, 10);
	g_assert_true(d.payload.data == buf + hdr);
	g_assert_false(d.marks & PKT_TRUNCATED);
	g_assert_cmphex(d.tsval, ==, 0xa1b2c3d4);
	g_free(buf);

	/* exactly the headers (tcpdump -s 94) */
	g_assert_cmpint(decode_prefix(DLT_EN10MB, &b, hdr, &d, NULL), ==, DEC_TCP);
	g_assert_cmpuint(d.tcplen, ==, 1448);
	g_assert_cmpuint(d.payload_captured, ==, 0);
	g_assert_false(d.marks & PKT_TRUNCATED);

	/* IPv6 */
	pb_init(&b);
	pb_sll(&b, ETH_IPV6);
	size_t ip = pb_ipv6(&b, 6, A6, B6, 0);
	pb_tcp(&b, &t);
	pb_ipv6_end(&b, ip);
	hdr = 16 + 40 + 60;
	g_assert_cmpint(decode_prefix(DLT_LINUX_SLL, &b, hdr + 3, &d, NULL), ==, DEC_TCP);
	g_assert_cmpuint(d.tcplen, ==, 1448);
	g_assert_cmpuint(d.payload_captured, ==, 3);
	g_assert_false(d.marks & PKT_TRUNCATED);
}

/* total length 0 (TSO on the capturing host): the wire length counts */
static void test_tso_zero_length(void)
{
	struct pb b;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);

	t.payload = 3000;
	pb_init(&b);
	pb_eth(&b, ETH_IPV4);
	pb_ipv4(&b, 6, A4, B4, 0x1234, 0, NULL, 0);
	pb_tcp(&b, &t);
	g_assert_cmpint(decode_whole(DLT_EN10MB, &b, &d), ==, DEC_TCP);
	g_assert_cmpuint(d.tcplen, ==, 3000);
	g_assert_cmpint(decode_prefix(DLT_EN10MB, &b, 200, &d, NULL), ==, DEC_TCP);
	g_assert_cmpuint(d.tcplen, ==, 3000);
	g_assert_cmpuint(d.payload_captured, ==, 200 - 14 - 20 - 60);

	pb_init(&b);
	pb_ipv6(&b, 6, A6, B6, 0);
	pb_tcp(&b, &t);
	g_assert_cmpint(decode_whole(229, &b, &d), ==, DEC_TCP);
	g_assert_cmpuint(d.tcplen, ==, 3000);
	g_assert_cmpint(decode_prefix(229, &b, 150, &d, NULL), ==, DEC_TCP);
	g_assert_cmpuint(d.tcplen, ==, 3000);
	g_assert_cmpuint(d.payload_captured, ==, 150 - 40 - 60);
}

/* The IP and TCP layers on their own, fed a span without a link header. */
static void test_layers_direct(void)
{
	struct pb b;
	struct decoded d;
	struct pb_tcp t = tcp_spec(false);

	pb_init(&b);
	size_t ip = pb_ipv4(&b, 6, A4, B4, 0x1234, 0, NULL, 0);
	pb_tcp(&b, &t);
	pb_ipv4_end(&b, ip);
	memset(&d, 0, sizeof(d));
	g_assert_cmpint(decode_ip(span_make(b.buf, b.len), &d), ==, DEC_TCP);
	assert_addrs(&d, 4);
	g_assert_cmpuint(d.tcplen, ==, PAYLOAD);

	memset(&d, 0, sizeof(d));
	g_assert_cmpint(decode_tcp(span_make(b.buf + 20, b.len - 20), 1000, &d), ==, DEC_TCP);
	g_assert_cmpuint(d.tcplen, ==, 1000 - 60);
	g_assert_cmpuint(d.payload_captured, ==, PAYLOAD);

	memset(&d, 0, sizeof(d));
	g_assert_cmpint(decode_tcp(span_make(b.buf + 20, 13), 100, &d), ==, DEC_TRUNCATED);
	g_assert_true(d.marks & PKT_TRUNCATED);
	memset(&d, 0, sizeof(d));
	g_assert_cmpint(decode_ip(span_make(NULL, 0), &d), ==, DEC_TRUNCATED);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	build_cases();

	for (guint i = 0; i < cases->len; i++) {
		struct frame_case *fc = g_ptr_array_index(cases, i);
		char *path = g_strdup_printf("/decode/case/%s", fc->name);
		g_test_add_data_func(path, fc, test_case_whole);
		g_free(path);
		path = g_strdup_printf("/decode/truncation/%s", fc->name);
		g_test_add_data_func(path, fc, test_case_prefixes);
		g_free(path);
	}
	g_test_add_func("/decode/link/unsupported", test_link_unsupported);
	g_test_add_func("/decode/link/not_ip", test_link_not_ip);
	g_test_add_func("/decode/link/ethernet_padding", test_link_ethernet_padding);
	g_test_add_func("/decode/ipv4/options", test_ipv4_options);
	g_test_add_func("/decode/ipv4/bad_header", test_ipv4_bad_header);
	g_test_add_func("/decode/ipv4/fragments", test_ipv4_fragments);
	g_test_add_func("/decode/ipv4/not_tcp", test_ipv4_not_tcp);
	g_test_add_func("/decode/ipv6/ext_headers", test_ipv6_ext_headers);
	g_test_add_func("/decode/ipv6/not_tcp", test_ipv6_not_tcp);
	g_test_add_func("/decode/tcp/fields", test_tcp_fields);
	g_test_add_func("/decode/tcp/bad_doff", test_tcp_bad_doff);
	g_test_add_func("/decode/tcp/reuse", test_tcp_reuse);
	g_test_add_func("/decode/tcp/opt_mss", test_opt_mss);
	g_test_add_func("/decode/tcp/opt_wscale", test_opt_wscale);
	g_test_add_func("/decode/tcp/opt_sack_perm", test_opt_sack_perm);
	g_test_add_func("/decode/tcp/opt_sack", test_opt_sack);
	g_test_add_func("/decode/tcp/opt_timestamp", test_opt_timestamp);
	g_test_add_func("/decode/tcp/opt_wrong_lengths", test_opt_wrong_lengths);
	g_test_add_func("/decode/tcp/opt_mptcp", test_opt_mptcp);
	g_test_add_func("/decode/tcp/opt_unknown_kind", test_opt_unknown_kind);
	g_test_add_func("/decode/tcp/opt_eol", test_opt_eol);
	g_test_add_func("/decode/tcp/opt_malformed", test_opt_malformed);
	g_test_add_func("/decode/tcp/opt_standalone", test_opt_standalone);
	g_test_add_func("/decode/snaplen/cut_payload", test_snaplen);
	g_test_add_func("/decode/snaplen/tso_zero_length", test_tso_zero_length);
	g_test_add_func("/decode/layers_direct", test_layers_direct);

	int rc = g_test_run();
	g_ptr_array_unref(cases);
	return rc;
}
