/* tcp_tracker.c - TCP stream tracking (see tcp_tracker.h). */
#include "track/tcp_tracker.h"

#include <string.h>
#include "util/unaligned.h"

/* The current stream of each 4-tuple: open addressing with linear probing,
 * a power-of-two size at most half full, the keys in the slots.  A lookup is
 * usually one slot and one key comparison (GHashTable cost three times more
 * per packet, through its callbacks). */
struct flow_slot {
	struct flow_key key;
	uint32_t stream_plus1;    /* 0: empty slot */
};

struct flow_table {
	struct flow_slot *slots;
	size_t mask, used;
};

struct tcp_tracker {
	struct tables *t;
	struct flow_table flows;
};

/* The words' products are independent (they run side by side, where a chain
 * of mixes waited for each multiplication); the final mix brings their well
 * mixed high bits down to the low bits the table indexes with. */
static inline uint32_t flow_hash(const uint64_t w[5])
{
	uint64_t h = w[0] * 0x9e3779b97f4a7c15ull ^ w[1] * 0xc2b2ae3d27d4eb4full ^
	             w[2] * 0x165667b19e3779f9ull ^ w[3] * 0xd6e8feb86659fd93ull ^
	             w[4] * 0xff51afd7ed558ccdull;
	h ^= h >> 32;
	h *= 0x94d049bb133111ebull;
	return (uint32_t)(h ^ h >> 29);
}

/* word by word in registers: memcmp is a library call per packet here */
static inline bool keys_equal(const struct flow_key *a, const struct flow_key *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) | (a->w[3] ^ b->w[3]) |
	        (a->w[4] ^ b->w[4])) == 0;
}

/* the slot holding `k`, or the empty slot where it would go */
static struct flow_slot *flow_slot(const struct flow_table *ft, const struct flow_key *k)
{
	for (size_t i = k->hash & ft->mask;; i = (i + 1) & ft->mask) {
		struct flow_slot *s = &ft->slots[i];
		if (!s->stream_plus1 || (s->key.hash == k->hash && keys_equal(&s->key, k)))
			return s;
	}
}

static void flow_table_init(struct flow_table *ft, size_t size)
{
	ft->slots = g_new0(struct flow_slot, size);
	ft->mask = size - 1;
	ft->used = 0;
}

static void flow_table_grow(struct flow_table *ft)
{
	struct flow_table old = *ft;
	flow_table_init(ft, 2 * (old.mask + 1));
	for (size_t i = 0; i <= old.mask; i++)
		if (old.slots[i].stream_plus1) {
			*flow_slot(ft, &old.slots[i].key) = old.slots[i];
			ft->used++;
		}
	g_free(old.slots);
}

/* the stream of the 4-tuple, NO_ROW when none */
static uint32_t flow_lookup(const struct flow_table *ft, const struct flow_key *k)
{
	const struct flow_slot *s = flow_slot(ft, k);
	return s->stream_plus1 ? s->stream_plus1 - 1 : NO_ROW;
}

static void flow_set(struct flow_table *ft, const struct flow_key *k, uint32_t stream)
{
	if (2 * (ft->used + 1) > ft->mask + 1)
		flow_table_grow(ft);
	struct flow_slot *s = flow_slot(ft, k);
	if (!s->stream_plus1) {
		s->key = *k;
		ft->used++;
	}
	s->stream_plus1 = stream + 1;
}

/* The key's two endpoints in a fixed order (the lower address, then port,
 * first, as memcmp would order them), and its hash: addresses compared and
 * hashed as integers, in registers. */
void tcp_flow_key(const struct decoded *d, struct flow_key *k)
{
	uint64_t a[2], b[2]; /* src and dst as native words */
	bool swap;
	if (d->family == 4) {
		uint32_t s4 = load_u32(d->src), d4 = load_u32(d->dst);
		uint32_t sb = GUINT32_FROM_BE(s4), db = GUINT32_FROM_BE(d4);
		swap = sb > db || (sb == db && d->sport > d->dport);
		a[0] = s4, a[1] = 0, b[0] = d4, b[1] = 0;
	} else {
		a[0] = load_u64(d->src), a[1] = load_u64(d->src + 8);
		b[0] = load_u64(d->dst), b[1] = load_u64(d->dst + 8);
		uint64_t s0 = GUINT64_FROM_BE(a[0]), d0 = GUINT64_FROM_BE(b[0]);
		uint64_t s1 = GUINT64_FROM_BE(a[1]), d1 = GUINT64_FROM_BE(b[1]);
		swap = s0 > d0 || (s0 == d0 && (s1 > d1 || (s1 == d1 && d->sport > d->dport)));
	}
	const uint64_t *lo = swap ? b : a, *hi = swap ? a : b;
	uint16_t lo_port = swap ? d->dport : d->sport, hi_port = swap ? d->sport : d->dport;
	k->w[0] = lo[0];
	k->w[1] = lo[1];
	k->w[2] = hi[0];
	k->w[3] = hi[1];
	k->w[4] = (uint64_t)d->family | (uint64_t)lo_port << 16 | (uint64_t)hi_port << 32;
	k->hash = flow_hash(k->w);
}

struct tcp_tracker *tcp_tracker_new(struct tables *t)
{
	struct tcp_tracker *tt = g_new0(struct tcp_tracker, 1);
	tt->t = t;
	flow_table_init(&tt->flows, 64);
	return tt;
}

void tcp_tracker_free(struct tcp_tracker *tt)
{
	if (!tt)
		return;
	g_free(tt->flows.slots);
	g_free(tt);
}

static uint32_t stream_new(struct tcp_tracker *tt, const struct decoded *d, const struct flow_key *k)
{
	struct tcp_conn c;
	memset(&c, 0, sizeof c);
	c.id = tt->t->tcp->len;
	c.family = d->family;
	memcpy(c.addr[0], d->src, 16);
	memcpy(c.addr[1], d->dst, 16);
	c.port[0] = d->sport;
	c.port[1] = d->dport;
	c.first_pkt = c.last_pkt = NO_ROW;
	c.mptcp = NO_ROW;
	/* the SYN/ACK's sender is the server; otherwise the first sender is the client */
	c.client = ((d->flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK)) ? 1 : 0;
	c.mptcp_client = c.client;
	for (int i = 0; i < 2; i++)
		c.dir[i].wscale = -1;
	g_array_append_val(tt->t->tcp, c);
	flow_set(&tt->flows, k, c.id);
	return c.id;
}

/* tshark starts a new conversation on a SYN whose ISN differs from the one
 * the same direction used before (port reuse). */
static bool starts_new_stream(const struct tcp_conn *c, int dir, const struct decoded *d)
{
	if ((d->flags & (TCPF_SYN | TCPF_ACK)) != TCPF_SYN)
		return false;
	const struct tcp_dir *td = &c->dir[dir];
	return td->has_base && d->seq != td->base_seq;
}

/* 0 when the packet comes from the stream's first endpoint (the addresses
 * compared as words: memcmp of a run-time length is a library call) */
static int packet_dir(const struct tcp_conn *c, const struct decoded *d)
{
	if (d->sport != c->port[0])
		return 1;
	if (d->family == 4)
		return load_u32(d->src) == load_u32(c->addr[0]) ? 0 : 1;
	return load_u64(d->src) == load_u64(c->addr[0]) && load_u64(d->src + 8) == load_u64(c->addr[0] + 8) ? 0 : 1;
}

static void dir_set_base(struct tcp_dir *td, uint32_t seq, bool syn)
{
	/* a SYN occupies its own sequence number; without it the packet's first
	 * byte is relative sequence 1 */
	td->base_seq = syn ? seq : seq - 1;
	td->next_seq = seq;
	td->has_base = true;
}

bool tcp_dir_account(struct tcp_dir *td, uint32_t seq, uint32_t len, uint16_t flags)
{
	bool syn = flags & TCPF_SYN, fin = flags & TCPF_FIN;
	uint32_t seglen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
	if (seglen == 0)
		return false;
	bool rtx = false;
	uint32_t end = seq + seglen;
	int32_t ahead = (int32_t)(end - td->next_seq);
	int32_t behind = (int32_t)(td->next_seq - seq);
	if (behind > 0) {
		/* starts before what was already sent: (partly) retransmitted */
		rtx = true;
		td->rtx_packets++;
		td->rtx_bytes += len;
	}
	if (ahead > 0) {
		uint32_t fresh = (uint32_t)ahead;
		if (syn && fresh > 0)
			fresh--;
		if (fin && fresh > 0)
			fresh--;
		td->unique_bytes += fresh < len ? fresh : len;
		td->next_seq = end;
	}
	return rtx;
}

/* base sequence of the direction, then sequence bookkeeping */
static bool dir_account(struct tcp_dir *td, const struct decoded *d)
{
	bool syn = d->flags & TCPF_SYN;
	if (!td->has_base)
		dir_set_base(td, d->seq, syn);
	else if (syn && !td->syn)
		td->base_seq = d->seq; /* a late SYN/ACK still defines the base, as in tshark */
	return tcp_dir_account(td, d->seq, d->tcplen, d->flags);
}

uint32_t tcp_tracker_add(struct tcp_tracker *tt, const struct decoded *d)
{
	struct flow_key k;
	tcp_flow_key(d, &k);
	return tcp_tracker_add_keyed(tt, d, &k);
}

uint32_t tcp_tracker_add_keyed(struct tcp_tracker *tt, const struct decoded *d, const struct flow_key *key)
{
	struct tables *t = tt->t;
	uint32_t known = flow_lookup(&tt->flows, key);
	uint32_t sid = known != NO_ROW ? known : stream_new(tt, d, key);
	struct tcp_conn *c = tables_tcp(t, sid);
	int dir = packet_dir(c, d);
	if (known != NO_ROW && starts_new_stream(c, dir, d)) {
		sid = stream_new(tt, d, key);
		c = tables_tcp(t, sid);
		dir = packet_dir(c, d);
	}

	struct tcp_dir *td = &c->dir[dir];
	if (td->packets == 0)
		td->first_ns = d->ts_ns;
	td->last_ns = d->ts_ns;
	td->packets++;
	td->bytes += d->tcplen;
	bool rtx = dir_account(td, d);
	if (d->flags & TCPF_SYN) {
		td->syn = true;
		if (!td->seen_wscale) {
			td->seen_wscale = true;
			td->wscale = (d->marks & PKT_HAS_WSCALE) ? (int8_t)(d->wscale > 14 ? 14 : d->wscale) : -2;
		}
	}
	if (d->flags & TCPF_FIN)
		td->fin = true;
	if (d->flags & TCPF_RST)
		td->rst = true;
	if ((c->dir[0].fin && c->dir[1].fin) || td->rst)
		c->closed = true;

	struct pkt *p = tables_next_pkt(t);
	p->ts_ns = d->ts_ns;
	p->frame = d->frame;
	p->stream = sid;
	p->seq = d->seq;
	p->ack = d->ack;
	p->tsval = d->tsval;
	p->tsecr = d->tsecr;
	p->win = d->win;
	p->flags = d->flags;
	p->marks = (uint16_t)((d->marks & 0xff) | (dir ? PF_DIR_REV : 0) | (rtx ? PF_RETRANS : 0));
	p->ip_id = d->ip_id;
	p->mapping = NO_ROW;
	/* the MPTCP options are stored by the MPTCP tracker (inline DSS or mptcp_opts) */
	uint32_t row = tables_end_pkt(t, p, d->tcplen, d->iface);
	if (c->first_pkt == NO_ROW)
		c->first_pkt = row;
	c->last_pkt = row;
	c->n_pkts++;
	return row;
}
