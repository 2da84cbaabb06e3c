/* rtt.h - round-trip times of the subflows of an MPTCP connection, measured
 * from TCP timestamps (RFC 7323), in the passive way of `pping`:
 *
 *   a packet sent in direction d with tsval V is remembered (the first packet
 *   carrying V only); the first packet of the other direction whose tsecr
 *   echoes V closes one RTT sample: its time minus the time V was first seen.
 *
 * Each tsval gives at most one sample (later packets echoing the same value
 * only waited longer).  A sample belongs to the direction of the packet that
 * carried V: "towards Server" is the RTT of what the client sends. */
#ifndef RTT_H
#define RTT_H

#include <stddef.h>
#include <stdint.h>
#include <mptcpanalyzer/plugin.h>

struct rtt_sample {
	double time;           /* seconds since the capture's start, when the echo was seen */
	double rtt_ms;
};

/* one direction of one subflow */
struct rtt_dir {
	int dest;              /* MPA_TO_SERVER / MPA_TO_CLIENT; -1 until a packet was seen */
	/* first sighting of every tsval sent this way, increasing (serial arithmetic) */
	struct rtt_seen { uint32_t tsval; int64_t ns; } *seen;
	size_t n_seen, cap_seen;
	uint32_t last_echo;    /* highest tsval already turned into a sample */
	int has_echo;
	struct rtt_sample *samples;
	size_t n_samples, cap_samples;
};

struct rtt_subflow {
	uint32_t stream;       /* tcp.stream */
	struct rtt_dir dir[2]; /* by TCP direction (mpa_packet_direction) */
};

struct rtt_conn {
	uint32_t mptcp;
	size_t n_subflows;
	struct rtt_subflow *sf; /* in the connection's subflow order */
};

struct rtt_stats {
	size_t count;
	double min, mean, median, max; /* ms; NaN when count is 0 */
};

/* Collects the samples of every subflow of MPTCP connection `mptcp`.
 * 0 on success, -1 when out of memory (out is then empty). */
int rtt_collect(const mpa_capture *cap, uint32_t mptcp, struct rtt_conn *out);
void rtt_conn_free(struct rtt_conn *c);

/* the direction of subflow sf whose data goes towards `dest`, NULL when none seen */
const struct rtt_dir *rtt_dir_towards(const struct rtt_subflow *sf, int dest);
/* min, mean, median, max and count of a direction's samples; 0, or -1 when out of memory */
int rtt_stats_of(const struct rtt_dir *d, struct rtt_stats *out);

#endif
