/* mptcp_tracker.h - links TCP streams into MPTCP connections and gives each
 * packet its data-level numbers.
 *
 * Fed one packet at a time after the TCP tracker.  It creates a connection
 * from an MP_CAPABLE handshake (numbered like tshark's mptcp.stream), attaches
 * MP_JOIN subflows by token (checking their HMACs), widens 32-bit DSNs and
 * data ACKs to 64 bits, gives every data packet its DSN and related mapping,
 * finds reinjections (data already sent on another subflow), and records the
 * connection's events.  mptcp_tracker_finish() settles what only the end of the
 * capture can tell (fallbacks, failed joins, subflow states). */
#ifndef MPTCPA_MPTCP_TRACKER_H
#define MPTCPA_MPTCP_TRACKER_H

#include "decode/packet.h"
#include "table/tables.h"

struct mptcp_tracker;

/* Packets get their DSNs this many rows after they were loaded, once the
 * mappings that follow them (and the keys of a v1 handshake) are known. */
#define MPTCP_SETTLE_LAG 65536

/* rows_evicted: rows are evicted from the table while it tracks (a
 * streaming load, tables_evict), so it keeps what it needs of them itself */
struct mptcp_tracker *mptcp_tracker_new(struct tables *t, bool rows_evicted);
void mptcp_tracker_add(struct mptcp_tracker *mt, uint32_t row, const struct decoded *d);
void mptcp_tracker_finish(struct mptcp_tracker *mt);
/* settles rows up to `upto` (exclusive); rows before mptcp_tracker_settled()
 * are final and may be written out and evicted from a window */
void mptcp_tracker_settle(struct mptcp_tracker *mt, uint32_t upto);
uint32_t mptcp_tracker_settled(const struct mptcp_tracker *mt);
void mptcp_tracker_set_lag(struct mptcp_tracker *mt, uint32_t lag);
/* rows before `upto` are settled and from now on read by another thread (a
 * cache being written): the tracker no longer writes to them.  The only write
 * it would make there, the PF_REINJECTED mark of an original repeated by a
 * later packet, is left to tables_mark_reinjected(). */
void mptcp_tracker_freeze(struct mptcp_tracker *mt, uint32_t upto);
void mptcp_tracker_free(struct mptcp_tracker *mt);

/* MPTCP direction of a packet: 0 when sent by the MPTCP client (towards the
 * server), 1 otherwise.  Only meaningful for packets of a subflow. */
int mptcp_pkt_dir(const struct tables *t, const struct pkt *p);

/* Counts a data packet (time, DSN, payload length) in its direction's totals:
 * bytes, first/last time, DSN range (unique and reinjected bytes are counted
 * apart). */
void mptcp_dir_count(struct mptcp_dir *dir, int64_t ts_ns, uint64_t dsn, uint32_t len);

/* Widens a 32-bit sequence number to 64 bits, picking the value closest to
 * `ref` (the last 64-bit value seen in that space). */
uint64_t mptcp_widen32(uint32_t v, uint64_t ref);

#endif
