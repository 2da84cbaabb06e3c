/* tcp.c - TCP header and option decoders.  The payload length comes from the
 * IP header (the capture may be cut by the snap length). */
#include "decode/decode.h"

enum { OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WSCALE = 3, OPT_SACK_PERM = 4,
       OPT_SACK = 5, OPT_TIMESTAMP = 8, OPT_MPTCP = 30 };

static void opt_mss(struct span o, struct decoded *d)
{
	if (o.len == 4) {
		d->mss = span_be16(o, 2);
		d->marks |= PKT_HAS_MSS;
	}
}

static void opt_wscale(struct span o, struct decoded *d)
{
	if (o.len == 3) {
		d->wscale = span_u8(o, 2);
		d->marks |= PKT_HAS_WSCALE;
	}
}

static void opt_sack_perm(struct span o, struct decoded *d)
{
	if (o.len == 2)
		d->marks |= PKT_SACK_PERM;
}

static void opt_sack(struct span o, struct decoded *d)
{
	for (size_t off = 2; off + 8 <= o.len && d->n_sack < MAX_SACK_BLOCKS; off += 8) {
		d->sack[d->n_sack][0] = span_be32(o, off);
		d->sack[d->n_sack][1] = span_be32(o, off + 4);
		d->n_sack++;
	}
}

static void opt_timestamp(struct span o, struct decoded *d)
{
	if (o.len == 10) {
		d->tsval = span_be32(o, 2);
		d->tsecr = span_be32(o, 6);
		d->marks |= PKT_HAS_TS;
	}
}

static void opt_mptcp(struct span o, struct decoded *d)
{
	if (d->n_mptcp >= MAX_MPTCP_OPTS)
		return;
	struct mptcp_option *m = &d->mptcp[d->n_mptcp++];
	if (!mptcp_option_decode(o, (uint8_t)d->flags, m))
		d->marks |= PKT_MPTCP_MALFORMED;
}

typedef void (*opt_fn)(struct span, struct decoded *);

static opt_fn opt_lookup(uint8_t kind)
{
	switch (kind) {
	case OPT_MSS: return opt_mss;
	case OPT_WSCALE: return opt_wscale;
	case OPT_SACK_PERM: return opt_sack_perm;
	case OPT_SACK: return opt_sack;
	case OPT_TIMESTAMP: return opt_timestamp;
	case OPT_MPTCP: return opt_mptcp;
	default: return NULL;
	}
}

/* Nearly every segment of a Linux peer starts its options with NOP, NOP,
 * timestamps: read those 12 bytes at once, as the loop below would. */
static size_t leading_timestamps(struct span opts, size_t full, struct decoded *d)
{
	if (full < 12 || !span_has(opts, 0, 12) || span_be32(opts, 0) != 0x0101080au)
		return 0;
	opt_timestamp(span_sub(opts, 2, 10), d);
	return 12;
}

/* `opts` holds the captured part of the option area; `full` its real size */
static void parse_options(struct span opts, size_t full, struct decoded *d)
{
	size_t off = leading_timestamps(opts, full, d);
	while (off < full) {
		if (!span_has(opts, off, 1)) {
			d->marks |= PKT_TRUNCATED;
			return;
		}
		uint8_t kind = span_u8(opts, off);
		if (kind == OPT_EOL)
			return;
		if (kind == OPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= full) {
			d->marks |= PKT_BAD_OPTIONS;
			return;
		}
		if (!span_has(opts, off + 1, 1)) {
			d->marks |= PKT_TRUNCATED;
			return;
		}
		size_t len = span_u8(opts, off + 1);
		if (len < 2 || off + len > full) {
			d->marks |= PKT_BAD_OPTIONS;
			return;
		}
		if (!span_has(opts, off, len)) {
			d->marks |= PKT_TRUNCATED;
			return;
		}
		opt_fn fn = opt_lookup(kind);
		if (fn)
			fn(span_sub(opts, off, len), d);
		off += len;
	}
}

void decode_tcp_options(struct span opts, struct decoded *d)
{
	parse_options(opts, opts.len, d);
}

enum decode_result decode_tcp(struct span s, uint32_t ip_payload_len, struct decoded *d)
{
	/* a reused struct decoded must not keep the previous frame's payload */
	d->payload = span_make(NULL, 0);
	d->payload_captured = 0;
	/* ports, sequence numbers and flags are the least we need to track a flow */
	if (!span_has(s, 0, 14)) {
		d->marks |= PKT_TRUNCATED;
		return DEC_TRUNCATED;
	}
	d->sport = span_be16(s, 0);
	d->dport = span_be16(s, 2);
	d->seq = span_be32(s, 4);
	d->ack = span_be32(s, 8);
	d->doff = (uint8_t)((span_u8(s, 12) >> 4) * 4);
	d->flags = (uint16_t)((span_u8(s, 12) & 0x0f) << 8 | span_u8(s, 13));
	if (span_has(s, 14, 2))
		d->win = span_be16(s, 14);
	else
		d->marks |= PKT_TRUNCATED;
	if (d->doff < 20 || d->doff > ip_payload_len) {
		d->marks |= PKT_BAD_OPTIONS;
		d->tcplen = 0;
		return DEC_TCP;
	}
	d->tcplen = ip_payload_len - d->doff;
	if (!span_has(s, 0, 20)) {
		d->marks |= PKT_TRUNCATED;
		return DEC_TCP;
	}
	parse_options(span_sub(s, 20, (size_t)d->doff - 20), (size_t)d->doff - 20, d);
	/* the option walk stops at EOL: a cut in the padding after it still
	 * leaves the header incomplete */
	if (!span_has(s, 0, d->doff))
		d->marks |= PKT_TRUNCATED;
	d->payload = span_from(s, d->doff);
	/* a payload cut by the snap length is normal, not a truncated packet */
	d->payload_captured = (uint32_t)d->payload.len;
	return DEC_TCP;
}
