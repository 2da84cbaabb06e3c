/* twocap.h - two captures of the same traffic, one near each end: which
 * connection of one capture is which of the other, each packet paired with
 * itself in the other capture, the packets lost in between, one-way delays
 * (with the offset between the two capture clocks estimated and taken out),
 * goodput at the receiver and what became of each MPTCP reinjection.
 *
 * Vocabulary: capture 1 and capture 2 are the two loaded tables (index 0 and
 * 1 in arrays).  A packet's destination `dest` is 0 when it goes towards the
 * server (sent by the (MPTCP) client) and 1 towards the client.  For each
 * destination one capture is upstream (near the sender: it sees the packets
 * first) and the other downstream.  Times handed out are on capture 1's clock
 * (capture 2's times moved by the estimated offset unless `raw_clock`). */
#ifndef MPTCPA_TWOCAP_H
#define MPTCPA_TWOCAP_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "table/tables.h"

/* ------------------------------------------------------------------ mapping */

/* evidence that two streams (or connections) are the same (reason bits) */
enum twocap_reason {
	TWR_ADDRS = 1 << 0,      /* both addresses equal */
	TWR_ADDR_ONE = 1 << 1,   /* one address equal (NAT on the other) */
	TWR_PORTS = 1 << 2,      /* both ports equal */
	TWR_PORT_ONE = 1 << 3,   /* one port equal (NAT rewrote the other) */
	TWR_ISN = 1 << 4,        /* a SYN on both sides with the same initial sequence number */
	TWR_SEQ = 1 << 5,        /* sequence number ranges overlap */
	TWR_TSVAL = 1 << 6,      /* first TCP timestamp value equal */
	TWR_TS_RANGE = 1 << 7,   /* TCP timestamp ranges overlap */
	TWR_JOIN = 1 << 8,       /* same MP_JOIN token and nonce */
	TWR_KEYS = 1 << 9,       /* MPTCP keys equal */
	TWR_TOKENS = 1 << 10,    /* MPTCP tokens equal (keys unknown) */
	TWR_SUBFLOWS = 1 << 11,  /* MPTCP: subflows found among its subflows */
	TWR_IN_CONN = 1 << 12,   /* subflow of the connection mapped to ours */
	TWR_ISN_DIFF = 1 << 13,  /* against: both SYNs seen with different ISNs */
	TWR_KEYS_DIFF = 1 << 14, /* against: different MPTCP keys */
};

/* "4-tuple, ISN, tsval" (caller frees) */
char *twocap_reasons_text(uint32_t reasons);

struct twocap_candidate {
	uint32_t id;             /* tcp.stream or mptcp.stream of capture 2 */
	int score;
	uint32_t reasons;        /* enum twocap_reason bits */
	bool swapped;            /* TCP: its addr[0] is our addr[1] */
	uint32_t subflows;       /* MPTCP: our subflows found among its subflows */
};

/* the per-stream fingerprints of both captures, computed once */
struct twocap_ctx;
struct twocap_ctx *twocap_ctx_new(const struct tables *t1, const struct tables *t2);
void twocap_ctx_free(struct twocap_ctx *x);

/* streams (connections) of capture 2 that may be stream s1 (connection m1)
 * of capture 1: struct twocap_candidate, best first; only candidates with
 * evidence beyond sharing an address */
GArray *twocap_rank_tcp(struct twocap_ctx *x, uint32_t s1);
GArray *twocap_rank_mptcp(struct twocap_ctx *x, uint32_t m1);

/* one TCP connection seen in the two captures */
struct twocap_pair {
	uint32_t s1, s2;         /* tcp.stream in capture 1 / 2; NO_ROW: not seen there */
	int score;
	uint32_t reasons;
	bool swapped;            /* s2's addr[0] is s1's addr[1] */
	uint32_t seq_delta[2];   /* per direction of s1: capture 2's raw seq minus capture 1's */
	/* more streams holding packets of the same connection (a tracker split
	 * it, e.g. packets before a retransmitted SYN): uint32_t stream ids */
	GArray *more1, *more2;
};

struct twocap_conn {
	bool mptcp;
	uint32_t id1, id2;       /* mptcp.stream (or tcp.stream) in capture 1 / 2 */
	int score;
	uint32_t reasons;
	/* struct twocap_pair: one per subflow of id1 (in its order), then the
	 * subflows of id2 that none of them maps to (s1 NO_ROW) */
	GArray *pairs;
};

/* Maps connection m1 (tcp.stream s1) of capture 1 onto m2 (s2) of capture
 * 2, NO_ROW: the best candidate.  Fails with a message when m2 shows no
 * evidence of being the same connection, or nothing does. */
struct twocap_conn *twocap_map_mptcp(struct twocap_ctx *x, uint32_t m1, uint32_t m2, GError **err);
struct twocap_conn *twocap_map_tcp(struct twocap_ctx *x, uint32_t s1, uint32_t s2, GError **err);
void twocap_conn_free(struct twocap_conn *c);

/* ------------------------------------------------------------------ packets */

enum twocap_fate {
	TWF_NONE = 0,            /* not a packet of the mapped connection */
	TWF_MATCHED,             /* the same packet is in the other capture (peer) */
	TWF_COVERED,             /* its bytes are in other-sized packets there (GSO/GRO);
	                          * peer: the first of them to be captured */
	TWF_MISSING,             /* not in the other capture */
};

struct twocap_row {
	uint32_t peer;           /* row in the other capture, NO_ROW */
	uint32_t missing;        /* TWF_MISSING: payload bytes not found in the other
	                          * capture (a GSO packet may have gone through in part) */
	uint16_t pair;           /* index in conn->pairs */
	uint8_t fate;            /* enum twocap_fate */
	uint8_t dest;            /* 0 towards the server, 1 towards the client */
};

struct twocap {
	const struct tables *t[2];
	const struct twocap_conn *conn;
	struct twocap_row *rows[2];  /* per packet row of each capture */
	/* per destination: capture index (0/1) near the sender, and whether we
	 * could tell (packets matched both ways) */
	int upstream[2];
	bool upstream_known;
	/* clock of capture 2 minus clock of capture 1: (min_fwd - min_rev) / 2
	 * with min_fwd the smallest raw delay of the packets capture 1 saw first
	 * and min_rev that of the packets capture 2 saw first (assumes equal
	 * minimum path delays both ways); has_offset false when packets were
	 * matched in one direction only */
	bool has_offset;
	int64_t offset_ns;
	int64_t min_fwd_ns, min_rev_ns;
	bool raw_clock;          /* times and delays without the offset correction */
};

/* Pairs the packets of the mapped connection and estimates the clock offset. */
struct twocap *twocap_analyze(const struct tables *t1, const struct tables *t2,
                              const struct twocap_conn *conn, bool raw_clock);
void twocap_free(struct twocap *a);

/* a packet's capture time on capture 1's clock */
int64_t twocap_time(const struct twocap *a, int cap, uint32_t row);

/* ------------------------------------------------------------------ delays */

struct twocap_owd {
	uint32_t row, peer;      /* in the upstream capture, in the downstream one */
	uint16_t pair;
	uint8_t dest;
	uint8_t up;              /* the upstream capture (0/1) */
	uint8_t fate;            /* TWF_MATCHED or TWF_COVERED */
	int64_t sent_ns;         /* on capture 1's clock */
	int64_t owd_ns;
};

/* one-way delay of every packet that went through, by time sent */
GArray *twocap_owds(const struct twocap *a);

/* per pair and destination (pairs[i] dest d at index 2 i + d) */
struct twocap_stats {
	uint16_t pair;
	uint8_t dest;
	uint8_t up;                            /* the upstream capture */
	uint64_t sent_pkts, sent_bytes;        /* data packets at the sender's side */
	uint64_t rtx_pkts, reinjections;       /* of which TCP retransmissions, MPTCP reinjections */
	uint64_t lost_pkts, lost_bytes;        /* seen upstream only (packets / payload bytes missing) */
	uint64_t lost_data_pkts;
	uint64_t unseen_pkts;                  /* seen downstream only */
	uint64_t recv_pkts, recv_bytes;        /* data packets at the receiver's side */
	uint64_t goodput_bytes;                /* new data received (DSN level for MPTCP) */
	int64_t first_sent, last_sent, first_recv, last_recv; /* capture 1's clock; INT64_MIN: none */
	uint64_t owd_n;
	int64_t owd_min, owd_median, owd_max;
	double owd_mean;
};
GArray *twocap_stats(const struct twocap *a);

/* ------------------------------------------------------------------ goodput */

struct twocap_arrival {
	int64_t ts_ns;           /* capture 1's clock */
	uint32_t new_bytes;      /* data never received before (DSN level for MPTCP) */
	uint16_t pair;
};
/* the data packets received towards `dest`, by arrival time */
GArray *twocap_arrivals(const struct twocap *a, int dest);

/* ------------------------------------------------------------------ reinjections */

enum twocap_verdict {
	TWQ_USEFUL,              /* arrived before any other copy of its data */
	TWQ_REDUNDANT,           /* arrived after another copy (original or retransmission) */
	TWQ_FAILED,              /* never reached the receiver's capture */
};
const char *twocap_verdict_name(int v);

#define TWOCAP_NO_TIME INT64_MIN

struct twocap_reinj {
	uint32_t row;            /* the reinjection, in capture `cap` (its sender's side) */
	uint32_t orig;           /* the first packet it repeats (same capture), NO_ROW */
	uint16_t pair;
	uint8_t cap, dest, verdict;
	int64_t sent_ns, arrived_ns;           /* capture 1's clock; TWOCAP_NO_TIME */
	int64_t orig_sent_ns, orig_arrived_ns; /* the original packet's */
	int64_t other_arrived_ns;              /* first other copy of its first byte to arrive */
};
/* every reinjection seen at its sender's side, in capture order per side */
GArray *twocap_reinjections(const struct twocap *a);

#endif
