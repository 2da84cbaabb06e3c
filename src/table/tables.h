/* tables.h - the loaded capture: compact tables built in one pass.
 *
 * Everything after loading (commands, exporters, plots, plugins) reads these
 * tables and nothing else.  Rows refer to each other by index:
 *   packets      one row per TCP packet, in capture order
 *   mptcp_opts   the MPTCP options of the packets (a packet owns a run)
 *   tcp          one row per TCP stream (tshark's tcp.stream numbering)
 *   mptcp        one row per MPTCP connection (tshark's mptcp.stream)
 *   subflows     stream ids of each MPTCP connection's subflows
 *   events       ADD_ADDR, REMOVE_ADDR, MP_PRIO, MP_FAIL, ... with times
 *   links        reinjection links: packet row -> packet row it repeats
 */
#ifndef MPTCPA_TABLES_H
#define MPTCPA_TABLES_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "decode/mptcp_option.h"

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

struct pkt {
	int64_t ts_ns;            /* capture time, ns since the epoch */
	uint32_t frame;           /* frame number (1-based, all frames counted) */
	uint32_t stream;          /* tcp.stream */
	uint32_t seq, ack;        /* raw sequence and ack numbers */
	uint32_t tcplen;          /* payload length from the IP header */
	uint32_t tsval, tsecr;    /* valid when marks & PKT_HAS_TS */
	uint32_t opt;             /* first row in mptcp_opts (NO_ROW: none) */
	uint32_t mapping;         /* frame of the packet carrying its DSS mapping, NO_ROW */
	uint64_t dsn;             /* absolute 64-bit DSN of the first payload byte */
	uint64_t dack;            /* absolute 64-bit data ACK */
	uint16_t win;             /* window field as on the wire */
	uint16_t flags;           /* 12-bit TCP flags */
	uint16_t marks;           /* enum pkt_mark | enum pkt_flag */
	uint16_t ip_id;
	uint16_t iface;
	uint8_t n_opt;            /* MPTCP options of this packet */
	uint8_t pad;
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
	GArray *packets;          /* struct pkt */
	GArray *mptcp_opts;       /* struct mptcp_option */
	GArray *tcp;              /* struct tcp_conn */
	GArray *mptcp;            /* struct mptcp_conn */
	GArray *events;           /* struct event */
	GArray *links;            /* struct link, sorted by pkt */
	struct capture_stats stats;
	int64_t first_ns;         /* time of the first frame (reltime 0) */
	/* Exporting a capture larger than memory keeps only a window of packets:
	 * rows keep their absolute numbers, the arrays start at these bases. */
	uint32_t pkt_base, opt_base;
	GHashTable *reinjected_in;/* frame -> GArray of frames; streaming export only */
};

struct tables *tables_new(void);
void tables_free(struct tables *t);
/* drops the packets before `row` (and their options) from a window */
void tables_evict(struct tables *t, uint32_t row);

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
static inline const struct mptcp_option *tables_opt(const struct tables *t, uint32_t row)
{
	return &g_array_index(t->mptcp_opts, struct mptcp_option, row - t->opt_base);
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

#endif
