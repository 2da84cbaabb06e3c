/* tables.h - the loaded capture: compact tables built in one pass.
 *
 * Everything after loading (commands, exporters, plots, plugins) reads these
 * tables and nothing else.  Rows refer to each other by index:
 *   packets      one row per TCP packet, in capture order (64 bytes)
 *   mptcp_opts   the MPTCP options of the packets not kept in their row
 *                (opt_rows: the packet row of each, in row order)
 *   pkt_ext      rare packet values too wide for the row (by row)
 *   map_ext      DSNs of inline mappings far from their packet's (by row)
 *   tcp          one row per TCP stream (tshark's tcp.stream numbering)
 *   mptcp        one row per MPTCP connection (tshark's mptcp.stream)
 *   subflows     stream ids of each MPTCP connection's subflows
 *   events       ADD_ADDR, REMOVE_ADDR, MP_PRIO, MP_FAIL, ... with times
 *   links        reinjection links: packet row -> packet row it repeats
 *
 * A packet row holds the common case in 64 bytes: its DSN and data ACK as
 * 32-bit offsets from a base of their connection and direction
 * (mptcp_conn.bases), and a DSS option, when it is the packet's only MPTCP
 * option, inline.  Whatever does not fit takes an escape: the options of
 * the packet go to mptcp_opts (two options, a malformed DSS, ...); a payload
 * over 65,535 bytes, an interface id over 254 or a DSS checksum to pkt_ext;
 * the DSN of a mapping far from its packet's DSN to map_ext.  Read them through the accessors
 * below (pkt_tcplen, pkt_dsn, pkt_dack, pkt_opts_next, ...), never the raw
 * fields.
 */
#ifndef MPTCPA_TABLES_H
#define MPTCPA_TABLES_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "decode/mptcp_option.h"
#include "table/pkt_rows.h"
#include "util/array.h"

#define NO_ROW UINT32_MAX
#define NO_VALUE UINT64_MAX

/* pkt.marks: decode marks (enum pkt_mark) in the low byte, analysis below */
enum pkt_flag {
	PF_DIR_REV = 1 << 8,      /* packet goes B->A (against the stream's first packet) */
	PF_HAS_DSN = 1 << 9,      /* dsn is set */
	PF_HAS_DACK = 1 << 10,    /* dack is set */
	PF_RETRANS = 1 << 11,     /* TCP retransmission on its own subflow */
	PF_REINJECTION = 1 << 12, /* data already sent on another subflow */
	PF_REINJECTED = 1 << 13,  /* data later sent again on another subflow */
	PF_OWN_MAPPING = 1 << 14, /* carries a DSS mapping */
	PF_DATA_FIN = 1 << 15,
};

/* pkt.xflags: the inline DSS's flags byte in the low 5 bits, escapes above */
#define PX_DSS_FLAGS 0x1f /* DSS_FLAG_* of the inline DSS */
#define PX_DSS 0x20       /* its only MPTCP option is a DSS, kept in the row */
#define PX_OPTS 0x40      /* its MPTCP options are in mptcp_opts */
#define PX_EXT 0x80       /* tcplen or iface did not fit: see pkt_ext */

/* the largest values kept in the row; larger ones escape to pkt_ext */
#define PKT_LEN16_MAX UINT16_MAX
#define PKT_IFACE8_MAX 254
/* a data packet covered by the mapping it carries is at most 65,534 bytes
 * into it (data-level lengths are 16-bit): the top value is the escape */
#define MAP_DELTA_FAR UINT16_MAX

struct pkt {                  /* 64 bytes */
	int64_t ts_ns;            /* capture time, ns since the epoch */
	uint32_t frame;           /* frame number (1-based, all frames counted) */
	uint32_t stream;          /* tcp.stream */
	uint32_t seq, ack;        /* raw sequence and ack numbers */
	uint32_t tsval, tsecr;    /* valid when marks & PKT_HAS_TS */
	/* PF_HAS_DSN: DSN of the first payload byte - base; else, with an inline
	 * DSS mapping: the mapping's 64-bit DSN - base (pkt_dsn, pkt_dss_option) */
	uint32_t dsn_rel;
	uint32_t dack_rel;        /* PF_HAS_DACK: 64-bit data ACK - base (pkt_dack) */
	uint32_t dss_ssn;         /* inline DSS: subflow sequence number */
	uint32_t mapping;         /* frame of the packet carrying its DSS mapping, NO_ROW */
	uint16_t len16;           /* payload length from the IP header (PX_EXT: pkt_ext) */
	uint16_t win;             /* window field as on the wire */
	uint16_t flags;           /* 12-bit TCP flags */
	uint16_t marks;           /* enum pkt_mark | enum pkt_flag */
	uint16_t ip_id;
	uint16_t dss_len;         /* inline DSS: data-level length */
	/* inline DSS mapping with PF_HAS_DSN: DSN - the mapping's DSN (a packet
	 * without payload, e.g. a DATA_FIN: the mapping's DSN - DSN);
	 * MAP_DELTA_FAR: the mapping's DSN is in map_ext */
	uint16_t map_delta;
	uint8_t iface8;           /* interface id (PX_EXT: pkt_ext) */
	uint8_t xflags;           /* PX_* */
};
_Static_assert(sizeof(struct pkt) == 64, "a packet row is 64 bytes");

/* what a packet row cannot hold (sorted by row): every field is valid */
struct pkt_ext {
	uint32_t row;
	uint32_t tcplen;
	uint16_t iface;
	uint16_t dss_checksum;    /* has_checksum: the inline DSS's checksum */
	bool has_checksum;
	uint8_t pad[3];
};

/* A base of the DSNs (or data ACKs) of one connection direction, from packet
 * row `row` on.  The first is the IDSN when it is known; a value more than
 * 4 GiB past the current base (a long transfer, or DSNs jumping around)
 * starts a new one.  Rows are encoded in order, so bases are sorted by row. */
struct data_base {
	uint32_t row;
	uint32_t pad;
	uint64_t base;
};

enum data_kind { DK_DSN = 0, DK_DACK = 1 };

/* the 64-bit DSN of an inline mapping too far from its packet's DSN */
struct map_ext {
	uint32_t row;
	uint32_t pad;
	uint64_t dsn;
};

/* per direction of a TCP stream */
struct tcp_dir {
	int64_t first_ns, last_ns;
	uint64_t packets, bytes;  /* bytes: TCP payload bytes */
	uint64_t unique_bytes;    /* bytes covering new sequence space */
	uint64_t rtx_packets, rtx_bytes;
	uint32_t base_seq;        /* relative seq 0 (the ISN when the SYN was seen) */
	uint32_t next_seq;        /* highest seq + len seen */
	int8_t wscale;            /* -1: unknown (no SYN seen) */
	bool has_base, syn, fin, rst, seen_wscale;
};

enum subflow_state { SF_OPEN, SF_CLOSED, SF_RESET, SF_FAILED_JOIN };

struct tcp_conn {
	uint32_t id;
	uint8_t family;
	uint8_t addr[2][16];      /* [0] sender of the first packet, [1] receiver */
	uint16_t port[2];
	struct tcp_dir dir[2];    /* [0]: addr[0] -> addr[1] */
	uint32_t first_pkt, last_pkt, n_pkts;
	uint8_t client;           /* 0 or 1: which end opened it (SYN sender) */
	bool closed;              /* FIN both ways or RST: a new SYN starts a new stream */
	/* MPTCP */
	uint32_t mptcp;           /* MPTCP connection id, NO_ROW for plain TCP */
	bool mp_capable_syn;      /* MP_CAPABLE in the SYN */
	bool fallback;            /* MP_CAPABLE in the SYN but not in the SYN/ACK, or later fallback */
	bool is_join;             /* created by an MP_JOIN */
	bool backup;              /* current backup state */
	bool join_hmac_bad;       /* join HMAC did not match the keys */
	uint8_t addr_id[2];       /* address ids of each end (join, ADD_ADDR) */
	uint8_t sf_state;         /* enum subflow_state */
	uint8_t mptcp_client;     /* 0 or 1: which end is the MPTCP client */
	const char *unlinked_reason; /* MP_JOIN whose connection was not found */
};

struct mptcp_dir {
	uint64_t bytes;           /* payload bytes on all subflows */
	uint64_t unique_bytes;    /* unique DSN range: application bytes */
	uint64_t reinjected_bytes;
	uint64_t reinjections;
	uint64_t dsn_lo, dsn_hi;  /* lowest and highest DSN seen (absolute) */
	bool data_fin;
	int64_t first_ns, last_ns;
};

struct mptcp_conn {
	uint32_t id;
	uint8_t version;
	bool has_key[2];          /* [0] client, [1] server */
	uint64_t key[2];
	uint32_t token[2];
	uint64_t idsn[2];
	uint32_t first_stream;    /* the initial subflow */
	bool checksum;            /* DSS checksums in use */
	bool fallback, fastclose, mp_fail, infinite_mapping;
	bool partial;             /* handshake not captured: keys unknown */
	GArray *subflows;         /* uint32_t stream ids, order of appearance */
	/* [DK_DSN][d]: bases of the DSNs of the packets of MPTCP direction d;
	 * [DK_DACK][d]: of the data ACKs they carry (DSN space of !d).
	 * struct data_base, NULL until the first value */
	GArray *bases[2][2];
	struct mptcp_dir dir[2];  /* [0] towards the server, [1] towards the client */
	int64_t first_ns, last_ns;
};

enum event_type {
	EV_ADD_ADDR, EV_REMOVE_ADDR, EV_MP_PRIO, EV_MP_FAIL, EV_MP_FASTCLOSE,
	EV_MP_TCPRST, EV_DATA_FIN, EV_INFINITE_MAPPING, EV_FALLBACK, EV_JOIN_FAILED,
	EV_HMAC_MISMATCH,
};

struct event {
	int64_t ts_ns;
	uint32_t pkt;             /* packet row */
	uint32_t mptcp;           /* connection, NO_ROW when unknown */
	uint32_t stream;
	uint8_t type;             /* enum event_type */
	uint8_t addr_id;
	bool flag;                /* backup (MP_PRIO), echo (ADD_ADDR) */
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
	uint64_t value;           /* MP_FAIL DSN, MP_TCPRST reason, ... */
};

struct link {
	uint32_t pkt;             /* row of the reinjection */
	uint32_t orig;            /* row of a packet it repeats */
	uint32_t pkt_frame;       /* their frame numbers (rows may be gone */
	uint32_t orig_frame;      /* when exporting a capture in a window) */
};

struct capture_stats {
	uint64_t frames, tcp_packets, not_ip, not_tcp, fragments, truncated;
	uint64_t bad_options, mptcp_malformed;
	uint64_t bytes;           /* file size */
};

struct tables {
	char *path;
	int dlt;
	char *link_name;
	char *warning;            /* the file ended early, ... */
	struct pkt_rows *packets; /* struct pkt (table/pkt_rows.h: ->data, ->len as a GArray) */
	GArray *mptcp_opts;       /* struct mptcp_option of the PX_OPTS packets */
	GArray *opt_rows;         /* uint32_t: packet row of each option (sorted) */
	GArray *pkt_ext;          /* struct pkt_ext of the PX_EXT packets */
	GArray *map_ext;          /* struct map_ext of the MAP_DELTA_FAR packets */
	GArray *tcp;              /* struct tcp_conn */
	GArray *mptcp;            /* struct mptcp_conn */
	GArray *events;           /* struct event */
	GArray *links;            /* struct link, sorted by pkt */
	struct capture_stats stats;
	int64_t first_ns;         /* time of the first frame (reltime 0) */
	/* Exporting a capture larger than memory keeps only a window of packets:
	 * rows keep their absolute numbers, the packet array starts at pkt_base
	 * (the side tables are keyed by row: they only lose their front). */
	uint32_t pkt_base;
	GHashTable *reinjected_in;/* frame -> GArray of frames; streaming export only */
};

struct tables *tables_new(void);
void tables_free(struct tables *t);
/* drops the packets before `row` from a window (their options and side
 * entries once those are half of their tables) */
void tables_evict(struct tables *t, uint32_t row);
/* marks PF_REINJECTED the original of every reinjection link (those in the
 * window): a load leaves out the marks a cache writer could be copying
 * (load.h), and a cache file may lack them (cache.h) */
void tables_mark_reinjected(struct tables *t);

static inline struct pkt *tables_pkt(const struct tables *t, uint32_t row)
{
	return &g_array_index(t->packets, struct pkt, row - t->pkt_base);
}

/* rows loaded so far (absolute: pkt_base + what the window holds) */
static inline uint32_t tables_n_pkts(const struct tables *t)
{
	return t->pkt_base + t->packets->len;
}
static inline struct tcp_conn *tables_tcp(const struct tables *t, uint32_t id)
{
	return &g_array_index(t->tcp, struct tcp_conn, id);
}
static inline struct mptcp_conn *tables_mptcp(const struct tables *t, uint32_t id)
{
	return &g_array_index(t->mptcp, struct mptcp_conn, id);
}
/* first index in t->links of the links of reinjection `row` (sorted by pkt) */
static inline guint tables_links_first(const struct tables *t, uint32_t row)
{
	guint lo = 0, hi = t->links->len;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (g_array_index(t->links, struct link, mid).pkt < row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* direction index of a packet inside its stream (0: as the first packet) */
static inline int pkt_dir(const struct pkt *p)
{
	return (p->marks & PF_DIR_REV) ? 1 : 0;
}

/* absolute row of a packet of the table (p from tables_pkt) */
static inline uint32_t pkt_row(const struct tables *t, const struct pkt *p)
{
	return (uint32_t)(p - (const struct pkt *)(const void *)t->packets->data) + t->pkt_base;
}

/* ------------------------------------------------------------------ packet values */

/* the side-table entry of a PX_EXT packet, NULL if none */
const struct pkt_ext *tables_ext(const struct tables *t, uint32_t row);

/* payload length from the IP header */
static inline uint32_t pkt_tcplen(const struct tables *t, const struct pkt *p)
{
	if (p->xflags & PX_EXT) {
		const struct pkt_ext *x = tables_ext(t, pkt_row(t, p));
		if (x)
			return x->tcplen;
	}
	return p->len16;
}

/* true when the packet carries payload (needs no table) */
static inline bool pkt_has_payload(const struct pkt *p)
{
	return p->len16 != 0;
}

/* capture interface id */
static inline uint16_t pkt_iface(const struct tables *t, const struct pkt *p)
{
	if (p->xflags & PX_EXT) {
		const struct pkt_ext *x = tables_ext(t, pkt_row(t, p));
		if (x)
			return x->iface;
	}
	return p->iface8;
}

/* MPTCP direction of TCP direction `dir` of subflow c: 0 from the MPTCP client */
static inline int conn_mptcp_dir(const struct tcp_conn *c, int dir)
{
	return dir == c->mptcp_client ? 0 : 1;
}

/* MPTCP direction of a packet of a subflow: 0 sent by the MPTCP client */
static inline int pkt_mptcp_dir(const struct tables *t, const struct pkt *p)
{
	return conn_mptcp_dir(tables_tcp(t, p->stream), pkt_dir(p));
}

/* the base in effect at `row` in a list of struct data_base (0 if none) */
uint64_t data_base_at(const GArray *bases, uint32_t row);
/* drops the bases before the one in effect at `row` (rows before it are gone) */
void data_bases_evict(GArray *bases, uint32_t row);

/* the base in effect at `row` in one of a connection's lists of bases (the
 * usual single base without a search) */
static inline uint64_t base_in(const GArray *b, uint32_t row)
{
	if (b && b->len == 1)
		return g_array_index(b, struct data_base, 0).base;
	return data_base_at(b, row);
}

/* base of the DSNs (DK_DSN) or data ACKs (DK_DACK) of packet p */
static inline uint64_t pkt_base(const struct tables *t, const struct pkt *p, enum data_kind k)
{
	uint32_t conn = tables_tcp(t, p->stream)->mptcp;
	if (conn == NO_ROW || conn >= t->mptcp->len)
		return 0;
	return base_in(tables_mptcp(t, conn)->bases[k][pkt_mptcp_dir(t, p)], pkt_row(t, p));
}

/* absolute 64-bit DSN of the first payload byte (valid with PF_HAS_DSN) */
static inline uint64_t pkt_dsn(const struct tables *t, const struct pkt *p)
{
	return pkt_base(t, p, DK_DSN) + p->dsn_rel;
}

/* absolute 64-bit data ACK (valid with PF_HAS_DACK) */
static inline uint64_t pkt_dack(const struct tables *t, const struct pkt *p)
{
	return pkt_base(t, p, DK_DACK) + p->dack_rel;
}

/* Both bases of packet p at once, for a reader of every value of a row whose
 * MPTCP connection m (NULL: none) and direction md it already has:
 * pkt_dsn is bases.dsn + p->dsn_rel, pkt_dack bases.dack + p->dack_rel. */
struct pkt_bases {
	uint64_t dsn, dack;
};
static inline void pkt_bases_of(const struct tables *t, const struct pkt *p, const struct mptcp_conn *m, int md,
                                struct pkt_bases *out)
{
	if (!m) {
		out->dsn = out->dack = 0;
		return;
	}
	uint32_t row = pkt_row(t, p);
	out->dsn = base_in(m->bases[DK_DSN][md], row);
	out->dack = base_in(m->bases[DK_DACK][md], row);
}

/* ------------------------------------------------------------------ MPTCP options */

/* The MPTCP options of a packet in their order on the wire:
 *   struct pkt_opts it;
 *   for (const struct mptcp_option *o = pkt_opts_first(&it, t, p); o; o = pkt_opts_next(&it))
 * An inline DSS is given back as the option the decoder made (valid until
 * the next call). */
struct pkt_opts {
	const struct tables *t;
	uint32_t row;
	guint next;               /* index in mptcp_opts */
	struct mptcp_option dss;
};

const struct mptcp_option *pkt_opts_first(struct pkt_opts *it, const struct tables *t, const struct pkt *p);
const struct mptcp_option *pkt_opts_next(struct pkt_opts *it);
/* how many MPTCP options the packet carries */
unsigned pkt_n_opts(const struct tables *t, const struct pkt *p);
/* the inline DSS of a PX_DSS packet, as decoded */
void pkt_dss_option(const struct tables *t, const struct pkt *p, struct mptcp_option *out);
/* The same in two steps: what it needs from the tables besides the row, then
 * the option from the row and those (no table: another thread may do it). */
struct dss_values {
	uint64_t ack, map_dsn;
	uint16_t checksum;
	bool has_checksum;
};
/* b: the packet's bases (pkt_bases_of) */
void pkt_dss_values_at(const struct tables *t, const struct pkt *p, const struct pkt_bases *b,
                       struct dss_values *v);
void pkt_dss_build(const struct pkt *p, const struct dss_values *v, struct mptcp_option *out);

/* ------------------------------------------------------------------ writers (loaders) */

/* the side entry (pkt_ext) of the packet about to be appended, whose length
 * or interface does not fit its row; sets PX_EXT */
void tables_add_ext(struct tables *t, struct pkt *p, uint32_t tcplen, uint16_t iface);
/* Appending a packet in two steps, its row written in place: tables_next_pkt
 * gives the next row (zeroed, not yet counted), whose fields the caller sets,
 * then tables_end_pkt sets its payload length and interface (len16, iface8
 * and PX_EXT) and counts it; returns its row.  A row built apart and copied
 * in costs the tracking thread a stall per packet: the copy's wide loads of
 * the narrower stores that built it cannot be forwarded from the store
 * buffer (38% of tcp_tracker_add_keyed's samples at 4.9M packets).
 * Inline: once per packet. */
static inline struct pkt *tables_next_pkt(struct tables *t)
{
	struct pkt_rows *r = t->packets;
	if (G_UNLIKELY(r->len >= r->room))
		pkt_rows_grow(r);
	struct pkt *p = (struct pkt *)(void *)(r->data + (gsize)r->len * sizeof *p);
	memset(p, 0, sizeof *p);
	return p;
}

static inline uint32_t tables_end_pkt(struct tables *t, struct pkt *p, uint32_t tcplen, uint16_t iface)
{
	p->xflags &= (uint8_t)~PX_EXT;
	p->len16 = (uint16_t)MIN(tcplen, PKT_LEN16_MAX);
	p->iface8 = (uint8_t)MIN(iface, PKT_IFACE8_MAX + 1);
	if (tcplen > PKT_LEN16_MAX || iface > PKT_IFACE8_MAX)
		tables_add_ext(t, p, tcplen, iface);
	uint32_t row = tables_n_pkts(t);
	t->packets->len++;
	return row;
}

/* Appends packet p, its payload length and interface (p's len16, iface8
 * and PX_EXT are set here); returns its row. */
static inline uint32_t tables_add_pkt(struct tables *t, const struct pkt *p, uint32_t tcplen, uint16_t iface)
{
	struct pkt *q = tables_next_pkt(t);
	*q = *p;
	return tables_end_pkt(t, q, tcplen, iface);
}
/* makes room for n rows in all (one allocation instead of one per doubling) */
void tables_reserve_packets(struct tables *t, guint n);
/* Gives options to packet `row` (at the end of mptcp_opts, or at their place
 * by row when later rows already have some); sets PX_OPTS. */
void tables_add_opts(struct tables *t, uint32_t row, const struct mptcp_option *o, unsigned n);
/* Sets the DSN (DK_DSN, sets PF_HAS_DSN) or data ACK (DK_DACK, PF_HAS_DACK)
 * of packet `row` of an MPTCP connection.  For each kind, connection and
 * direction, rows must be given in order. */
void tables_set_data(struct tables *t, uint32_t row, enum data_kind k, uint64_t v);
/* adds a base for v at packet p's row to m->bases[k][md]; v's offset from it */
uint32_t tables_new_base(struct tables *t, const struct pkt *p, struct mptcp_conn *m, int md,
                         enum data_kind k, uint64_t v);
/* offset of v (of kind k, direction md of connection m) for packet p, the
 * last row so far of that list: from the last base when v fits, else from a
 * new one (inline: the tracker needs two per packet) */
static inline uint32_t tables_data_offset(struct tables *t, const struct pkt *p, struct mptcp_conn *m,
                                          int md, enum data_kind k, uint64_t v)
{
	const GArray *b = m->bases[k][md];
	const struct data_base *last = b && b->len ? &g_array_index(b, struct data_base, b->len - 1) : NULL;
	if (last && v - last->base <= UINT32_MAX)
		return (uint32_t)(v - last->base);
	return tables_new_base(t, p, m, md, k, v);
}
/* tables_set_data for a packet whose connection m and MPTCP direction md the
 * caller already has (the tracker, for every packet: no lookups) */
static inline void tables_set_data_of(struct tables *t, struct pkt *p, struct mptcp_conn *m, int md,
                                      enum data_kind k, uint64_t v)
{
	uint32_t off = tables_data_offset(t, p, m, md, k, v);
	if (k == DK_DSN) {
		p->dsn_rel = off;
		p->marks |= PF_HAS_DSN;
	} else {
		p->dack_rel = off;
		p->marks |= PF_HAS_DACK;
	}
}
/* Stores v (a DSN of the packet's direction) in dsn_rel without PF_HAS_DSN:
 * the DSN of an inline mapping for a packet without one of its own. */
void tables_set_map_dsn(struct tables *t, uint32_t row, uint64_t v);
/* Keeps DSS option `o` of packet `row` (the last row) in the row when it can
 * be given back exactly: its only MPTCP option, well formed, its data ACK the
 * packet's (PF_HAS_DACK already set to `dack`); a checksum goes to pkt_ext.
 * The mapping's DSN (dsn64 widened) is given later by tables_settle_dss.
 * False: keep it in mptcp_opts. */
bool tables_inline_dss(struct tables *t, uint32_t row, const struct mptcp_option *o, uint64_t dack);
/* Settles an inline DSS mapping once the packet's own DSN is known (dsn,
 * with PF_HAS_DSN) or known to be absent: map_dsn is the mapping's widened
 * DSN.  Rows are settled in order (map_ext only grows at its end). */
void tables_settle_dss(struct tables *t, uint32_t row, uint64_t map_dsn, uint64_t dsn);
/* bytes the tables hold per packet row: the row, the side tables, the options */
double tables_bytes_per_packet(const struct tables *t);

#endif
