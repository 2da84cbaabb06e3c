/* tcp_tracker.h - assigns each TCP packet to a stream (tshark's tcp.stream
 * numbering: order of first appearance; a SYN with a new ISN on a known
 * 4-tuple starts a new stream) and keeps per-direction statistics.
 * Flows are found by hash; nothing is allocated per packet. */
#ifndef MPTCPA_TCP_TRACKER_H
#define MPTCPA_TCP_TRACKER_H

#include "decode/packet.h"
#include "table/tables.h"

struct tcp_tracker;

struct tcp_tracker *tcp_tracker_new(struct tables *t);
void tcp_tracker_free(struct tcp_tracker *tt);

/* The packet's 4-tuple with the lower endpoint first, so that both
 * directions give the same key, and its hash.  The reading thread works it
 * out (tcp_flow_key) to take that work off the tracking one.  The words:
 * the lower endpoint's address, the other's (IPv4 in the first word of
 * each, zero-extended), then the family and the two ports. */
struct flow_key {
	uint64_t w[5];
	uint32_t hash;
};
void tcp_flow_key(const struct decoded *d, struct flow_key *k);

/* Appends the packet to t->packets and updates its stream; returns the new
 * packet row.  Its MPTCP options are stored by mptcp_tracker_add().  The
 * _keyed form takes the packet's tcp_flow_key. */
uint32_t tcp_tracker_add(struct tcp_tracker *tt, const struct decoded *d);
uint32_t tcp_tracker_add_keyed(struct tcp_tracker *tt, const struct decoded *d, const struct flow_key *key);

/* Sequence bookkeeping of one segment in its direction: unique bytes,
 * retransmitted packets and bytes; true when it is a retransmission. */
bool tcp_dir_account(struct tcp_dir *td, uint32_t seq, uint32_t len, uint16_t flags);

/* Window scaled by the negotiated factor (raw when unknown or on a SYN);
 * inline: the export reads it for every row. */
static inline uint32_t tcp_window_scaled(const struct tables *t, const struct pkt *p)
{
	const struct tcp_conn *c = tables_tcp(t, p->stream);
	int d = pkt_dir(p);
	if (p->flags & TCPF_SYN)
		return p->win;
	int8_t mine = c->dir[d].wscale, theirs = c->dir[!d].wscale;
	if (mine >= 0 && theirs >= 0)
		return (uint32_t)p->win << mine;
	return p->win;
}

/* Sequence and ack numbers relative to each direction's base (inline: the
 * MPTCP tracker needs the first for every data packet). */
static inline uint32_t tcp_rel_seq(const struct tables *t, const struct pkt *p)
{
	const struct tcp_conn *c = tables_tcp(t, p->stream);
	return p->seq - c->dir[pkt_dir(p)].base_seq;
}

static inline uint32_t tcp_rel_ack(const struct tables *t, const struct pkt *p)
{
	const struct tcp_conn *c = tables_tcp(t, p->stream);
	const struct tcp_dir *o = &c->dir[!pkt_dir(p)];
	if (!(p->flags & TCPF_ACK))
		return 0;
	return o->has_base ? p->ack - o->base_seq : 1;
}

#endif
