/* mptcp_tracker.c - MPTCP connection tracking (see mptcp_tracker.h).
 *
 * State kept while loading, freed at the end: per stream the DSS mappings of
 * each direction (to find the mapping covering a packet) and the join
 * handshake; per connection the DSN ranges already sent (to find
 * reinjections), the union of sent ranges (application bytes) and the last
 * 64-bit DSN and data ACK of each direction (to widen 32-bit values). */
#include "track/mptcp_tracker.h"
#include "track/range_set.h"

#include <string.h>
#include "track/mptcp_crypto.h"
#include "track/tcp_tracker.h"
#include "util/array.h"
#include "util/ring.h"

struct mapping {
	uint32_t ssn;      /* relative subflow sequence number of its first byte */
	uint32_t len;      /* data-level length; 0: infinite mapping */
	uint64_t dsn;      /* 64-bit DSN of its first byte */
	uint32_t frame;    /* frame that carried it: the last one when repeated */
	int64_t ts_ns;     /* when it was last carried */
};

/* A DSN range [lo, lo + len) sent by one packet (the list it is in says
 * which subflow sent it).  A load keeps every row, whose frame and time the
 * entry then needs not repeat: 16 bytes.  A streaming load evicts rows while
 * their ranges may still be reinjected, so there the entries are struct
 * sent_full.  The lists hold one entry per data packet (15 MB of a 0.5M-packet
 * load at 32 bytes), and memory new to the process costs a load more than the
 * work it does in it. */
struct sent {
	uint64_t lo;
	uint32_t len;      /* a packet's payload: below 4 GiB */
	uint32_t row;
};
G_STATIC_ASSERT(sizeof(struct sent) == 16);

struct sent_full {
	struct sent s;
	uint32_t frame;
	uint32_t pad;
	int64_t ts_ns;
};
G_STATIC_ASSERT(sizeof(struct sent_full) == 32);

/* The mapping and sent lists lose their oldest entries as data is acked
 * (pruning), at O(1) each: a mapping list's entries before `head` are gone
 * (moved out once they outnumber a fraction of the live ones), a sent list
 * is a ring whose head moves on. */
struct map_list {
	GArray *a;         /* struct mapping, sorted by ssn; NULL until the first */
	guint head;
	bool unordered;    /* ssns once spanned 2^31 or more: no binary search */
	guint hint;        /* the last result of map_scan_start's search */
	guint room;        /* for array_push */
};

/* The DSN ranges one subflow sent in one direction.  A subflow sends its
 * own data in DSN order, so the list only grows at its end; reinjections are
 * found by looking at the other subflows' lists.  The entries are a ring
 * (util/ring.h): pruning moves its head, and nothing else moves. */
struct sent_list {
	/* entries by lo, of r.size bytes: sizeof(struct sent), or of struct
	 * sent_full when streaming; no data until the first range */
	struct ring r;
	uint64_t max_lo;   /* highest lo ever recorded */
	uint64_t max_len;  /* longest range (bounds the backward scan) */
	/* entries that would land far from the end of the ring (DSNs jumping
	 * around) wait here, sorted, and are merged in by the batch, so no
	 * insertion moves the whole list; NULL until the first range */
	GArray *late;
};

#define SENT_NEAR_END 64
#define SENT_LATE_MIN 256

struct sf_state {
	struct map_list maps[2]; /* per TCP direction */
	uint32_t token;    /* MP_JOIN SYN: the token it asked for */
	uint32_t nonce[2]; /* per TCP endpoint */
	uint64_t synack_hmac;
	uint8_t join_stage;/* 1 SYN, 2 SYN/ACK, 3 ACK seen */
	bool mpc_synack;   /* MP_CAPABLE seen on the SYN/ACK */
	bool has_mpc_option;/* any MPTCP option at all */
	uint8_t mpc_flags; /* MP_CAPABLE flags seen on the handshake */
	struct sent_list sent[2]; /* per TCP direction */
};

struct conn_state {
	struct range_set uni[2]; /* union of sent DSN ranges */
	uint64_t last_dsn[2], last_ack[2];
	bool has_last_dsn[2], has_last_ack[2];
	uint32_t fallback_row;     /* first infinite mapping: data after it needs none */
};

/* an inline DSS mapping waiting for its packet to be settled */
struct pending_map {
	uint32_t row;
	uint64_t dsn;      /* the mapping's 64-bit DSN */
};

struct mptcp_tracker {
	struct tables *t;
	GArray *pending;   /* struct pending_map, by row; entries before pend_head are done */
	guint pend_head, pend_room;
	bool row_has_map;  /* the packet being added carries a mapping: its DSN */
	uint64_t row_map_dsn;
	uint64_t row_dack; /* the data ACK given to the packet being added (PF_HAS_DACK) */
	uint64_t row_dsn;  /* the DSN given to the row being settled (PF_HAS_DSN) */
	GArray *sf;        /* struct sf_state per TCP stream */
	GArray *cs;        /* struct conn_state per MPTCP connection */
	GHashTable *tokens;/* token -> connection id + 1 */
	uint32_t settled;  /* rows before this one have their DSNs */
	uint32_t lag;      /* rows kept between loading and settling */
	guint sent_size;   /* of a sent list's entries */
	/* pruned mappings kept, as a fraction of the live ones (drop_front): a
	 * quarter in a load, whose lists go when it ends (each entry moved 4
	 * times and not 16), a sixteenth when streaming, whose lists last the
	 * whole export (less memory at its plateau) */
	guint prune_slack;
	uint32_t frozen;   /* rows before it are being copied out: left unchanged */
	/* int64_t per TS_BLOCK rows: the latest time stamp of those rows
	 * (sent_older); NULL until the first prune */
	GArray *ts_block;
};

uint64_t mptcp_widen32(uint32_t v, uint64_t ref)
{
	uint64_t cand = (ref & ~(uint64_t)0xffffffff) | v;
	if (cand + 0x80000000ull < ref)
		cand += 0x100000000ull;
	else if (cand > ref + 0x80000000ull && cand >= 0x100000000ull)
		cand -= 0x100000000ull;
	return cand;
}

struct mptcp_tracker *mptcp_tracker_new(struct tables *t, bool rows_evicted)
{
	struct mptcp_tracker *mt = g_new0(struct mptcp_tracker, 1);
	mt->t = t;
	mt->sent_size = rows_evicted ? sizeof(struct sent_full) : sizeof(struct sent);
	mt->prune_slack = rows_evicted ? 16 : 4;
	mt->sf = g_array_new(FALSE, TRUE, sizeof(struct sf_state));
	mt->cs = g_array_new(FALSE, TRUE, sizeof(struct conn_state));
	mt->tokens = g_hash_table_new(g_direct_hash, g_direct_equal);
	mt->pending = g_array_new(FALSE, FALSE, sizeof(struct pending_map));
	mt->lag = MPTCP_SETTLE_LAG;
	return mt;
}

static struct sf_state *sf_get(struct mptcp_tracker *mt, uint32_t stream)
{
	if (stream >= mt->sf->len)
		g_array_set_size(mt->sf, stream + 1);
	return &g_array_index(mt->sf, struct sf_state, stream);
}

static struct conn_state *cs_get(struct mptcp_tracker *mt, uint32_t conn)
{
	return &g_array_index(mt->cs, struct conn_state, conn);
}

int mptcp_pkt_dir(const struct tables *t, const struct pkt *p)
{
	return pkt_mptcp_dir(t, p);
}

static void add_event(struct mptcp_tracker *mt, uint32_t row, uint32_t conn, enum event_type type,
                      struct event *ev)
{
	const struct pkt *p = tables_pkt(mt->t, row);
	ev->ts_ns = p->ts_ns;
	ev->pkt = row;
	ev->mptcp = conn;
	ev->stream = p->stream;
	ev->type = (uint8_t)type;
	g_array_append_val(mt->t->events, *ev);
}

static void add_simple_event(struct mptcp_tracker *mt, uint32_t row, uint32_t conn,
                             enum event_type type, uint64_t value)
{
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.value = value;
	add_event(mt, row, conn, type, &ev);
}

/* ---------------------------------------------------------------- connections */

static uint32_t conn_new(struct mptcp_tracker *mt, uint32_t stream, uint8_t version)
{
	struct mptcp_conn m;
	memset(&m, 0, sizeof m);
	m.id = mt->t->mptcp->len;
	m.version = version;
	m.first_stream = stream;
	m.subflows = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	g_array_append_val(m.subflows, stream);
	const struct tcp_conn *c = tables_tcp(mt->t, stream);
	m.first_ns = c->dir[1].packets && c->dir[1].first_ns < c->dir[0].first_ns ? c->dir[1].first_ns
	                                                                         : c->dir[0].first_ns;
	g_array_append_val(mt->t->mptcp, m);
	g_array_set_size(mt->cs, m.id + 1);
	struct conn_state *cs = cs_get(mt, m.id);
	for (int i = 0; i < 2; i++)
		range_set_init(&cs->uni[i]);
	cs->fallback_row = NO_ROW;
	tables_tcp(mt->t, stream)->mptcp = m.id;
	return m.id;
}

/* records the key of endpoint `who` (0 client, 1 server) */
static void conn_set_key(struct mptcp_tracker *mt, uint32_t conn, int who, uint64_t key)
{
	struct mptcp_conn *m = tables_mptcp(mt->t, conn);
	if (m->has_key[who])
		return;
	m->has_key[who] = true;
	m->key[who] = key;
	mptcp_key_derive(key, m->version, &m->token[who], &m->idsn[who]);
	g_hash_table_insert(mt->tokens, GUINT_TO_POINTER(m->token[who]), GUINT_TO_POINTER(conn + 1));
}

static void conn_add_subflow(struct mptcp_tracker *mt, uint32_t conn, uint32_t stream)
{
	struct mptcp_conn *m = tables_mptcp(mt->t, conn);
	g_array_append_val(m->subflows, stream);
	tables_tcp(mt->t, stream)->mptcp = conn;
}

/* endpoint index (0/1 in tcp_conn) that sent the packet */
static int sender(const struct pkt *p)
{
	return pkt_dir(p);
}

/* Keeps l->unordered up to date after an insertion at index i.  An insertion
 * between two entries keeps the live entries sorted along the sequence space
 * and their span unchanged; one at either end may widen the span. */
static void map_check_order(struct map_list *l, guint i)
{
	const GArray *a = l->a;
	if (l->unordered || (i != l->head && i + 1 != a->len))
		return;
	uint32_t first = g_array_index(a, struct mapping, l->head).ssn;
	uint32_t last = g_array_index(a, struct mapping, a->len - 1).ssn;
	if ((uint32_t)(last - first) >= 0x80000000u)
		l->unordered = true;
}

/* Records a mapping carried by packet p in a subflow direction's list */
static void map_insert(struct map_list *l, uint32_t ssn, uint32_t len, uint64_t dsn, const struct pkt *p)
{
	if (!l->a)
		l->a = g_array_new(FALSE, FALSE, sizeof(struct mapping));
	GArray *a = l->a;
	uint32_t frame = p->frame;
	/* mappings arrive in ssn order but for retransmissions: insert sorted */
	guint i = a->len;
	while (i > l->head) {
		const struct mapping *prev = &g_array_index(a, struct mapping, i - 1);
		if (prev->ssn == ssn && prev->len == len && prev->dsn == dsn) {
			/* repeated (GSO segments all carry it): the newest carrier wins,
			 * as in tshark's two passes */
			struct mapping *same = &g_array_index(a, struct mapping, i - 1);
			same->frame = frame;
			same->ts_ns = p->ts_ns;
			return;
		}
		if ((int32_t)(prev->ssn - ssn) <= 0)
			break;
		i--;
	}
	if (i == a->len) { /* the usual case, cheaper than an insert, written in place (array_push_slot) */
		struct mapping *d = array_push_slot(a, &l->room, sizeof *d);
		d->ssn = ssn;
		d->len = len;
		d->dsn = dsn;
		d->frame = frame;
		d->ts_ns = p->ts_ns;
	} else {
		struct mapping mp = { ssn, len, dsn, frame, p->ts_ns };
		g_array_insert_val(a, i, mp);
	}
	map_check_order(l, i);
}

/* ---------------------------------------------------------------- MP_CAPABLE */

static void on_capable(struct mptcp_tracker *mt, uint32_t row, const struct mptcp_capable *o)
{
	struct tables *t = mt->t;
	struct pkt *p = tables_pkt(t, row);
	struct tcp_conn *c = tables_tcp(t, p->stream);
	struct sf_state *sf = sf_get(mt, p->stream);
	bool syn = p->flags & TCPF_SYN, ack = p->flags & TCPF_ACK;

	if (c->is_join)
		return;
	if (syn && !ack) {
		c->mp_capable_syn = true;
		c->mptcp_client = (uint8_t)sender(p);
	} else {
		if (syn)
			sf->mpc_synack = true;
		if (!c->mp_capable_syn && syn) /* SYN not captured: the SYN/ACK's receiver is the client */
			c->mptcp_client = (uint8_t)!sender(p);
	}
	sf->mpc_flags |= o->flags;
	/* The connection exists from the first MP_CAPABLE carrying a key (v0:
	 * the SYN; v1: the SYN/ACK), which is also where tshark numbers it: a v1
	 * SYN answered without MP_CAPABLE is plain TCP (fallback). */
	if (c->mptcp == NO_ROW) {
		if (!o->has_sender_key && !o->has_receiver_key)
			return;
		conn_new(mt, p->stream, o->version);
	}
	uint32_t conn = c->mptcp;
	struct mptcp_conn *m = tables_mptcp(t, conn);
	if (sf->mpc_flags & MPC_FLAG_CHECKSUM)
		m->checksum = true;
	int from = conn_mptcp_dir(c, sender(p));
	if (o->has_sender_key)
		conn_set_key(mt, conn, from, o->sender_key);
	if (o->has_receiver_key)
		conn_set_key(mt, conn, !from, o->receiver_key);

	/* v1: the first data may ride on the third ACK with a data-level length:
	 * an implicit mapping of the first subflow byte (relative sequence 1) to
	 * IDSN + 1.  Segments split by GSO all repeat the option unchanged. */
	if (o->has_data_len && pkt_has_payload(p) && m->has_key[from]) {
		map_insert(&sf->maps[pkt_dir(p)], 1, o->data_len, m->idsn[from] + 1, p);
		p->marks |= PF_OWN_MAPPING;
	}
}

/* ---------------------------------------------------------------- MP_JOIN */

static void join_check_hmac(struct mptcp_tracker *mt, uint32_t row, const struct mptcp_join *o)
{
	struct tables *t = mt->t;
	struct pkt *p = tables_pkt(t, row);
	struct tcp_conn *c = tables_tcp(t, p->stream);
	struct sf_state *sf = sf_get(mt, p->stream);
	struct mptcp_conn *m = tables_mptcp(t, c->mptcp);
	if (!m->has_key[0] || !m->has_key[1])
		return;
	/* A: the subflow's initiator (SYN sender); B: the responder */
	int a = c->client, b = !c->client;
	int ka = a == c->mptcp_client ? 0 : 1;
	uint8_t h[20];
	bool bad;
	if (o->stage == MPJ_SYNACK) {
		mptcp_join_hmac(m->version, m->key[!ka], m->key[ka], sf->nonce[b], sf->nonce[a], h);
		uint64_t trunc = 0;
		for (int i = 0; i < 8; i++)
			trunc = trunc << 8 | h[i];
		bad = trunc != o->trunc_hmac;
	} else {
		if (sf->join_stage < 2)
			return; /* SYN/ACK nonce unknown */
		mptcp_join_hmac(m->version, m->key[ka], m->key[!ka], sf->nonce[a], sf->nonce[b], h);
		bad = memcmp(h, o->hmac, 20) != 0;
	}
	if (bad && !c->join_hmac_bad) {
		c->join_hmac_bad = true;
		add_simple_event(mt, row, c->mptcp, EV_HMAC_MISMATCH, 0);
	}
}

static void on_join(struct mptcp_tracker *mt, uint32_t row, const struct mptcp_join *o)
{
	struct tables *t = mt->t;
	struct pkt *p = tables_pkt(t, row);
	struct tcp_conn *c = tables_tcp(t, p->stream);
	struct sf_state *sf = sf_get(mt, p->stream);
	int s = sender(p);

	if (o->stage == MPJ_SYN) {
		c->is_join = true;
		c->backup = o->backup;
		c->addr_id[s] = o->addr_id;
		sf->nonce[s] = o->nonce;
		sf->token = o->token;
		if (sf->join_stage < 1)
			sf->join_stage = 1;
		if (c->mptcp != NO_ROW)
			return; /* retransmitted SYN */
		gpointer v = g_hash_table_lookup(mt->tokens, GUINT_TO_POINTER(o->token));
		if (!v) {
			c->unlinked_reason = "MP_JOIN token matches no MP_CAPABLE handshake in the capture";
			return;
		}
		uint32_t conn = GPOINTER_TO_UINT(v) - 1;
		struct mptcp_conn *m = tables_mptcp(t, conn);
		/* the SYN carries the receiver's token */
		c->mptcp_client = (uint8_t)(o->token == m->token[1] ? s : !s);
		c->unlinked_reason = NULL;
		conn_add_subflow(mt, conn, p->stream);
		return;
	}
	if (o->stage == MPJ_SYNACK) {
		c->addr_id[s] = o->addr_id;
		sf->nonce[s] = o->nonce;
		sf->synack_hmac = o->trunc_hmac;
		if (o->backup)
			c->backup = true;
		if (sf->join_stage < 2)
			sf->join_stage = 2;
	} else if (sf->join_stage < 3) {
		sf->join_stage = 3;
	}
	if (c->mptcp != NO_ROW)
		join_check_hmac(mt, row, o);
}

/* A subflow whose connection's handshake is not in the capture (capture
 * started late, or the initial subflow was lost): it becomes a connection of
 * its own with unknown keys, numbered in order of appearance (as tshark does),
 * unless it is an MP_JOIN whose token names a known connection. */
static void open_partial(struct mptcp_tracker *mt, uint32_t row)
{
	struct tables *t = mt->t;
	struct pkt *p = tables_pkt(t, row);
	struct tcp_conn *c = tables_tcp(t, p->stream);
	struct sf_state *sf = sf_get(mt, p->stream);
	uint32_t conn = conn_new(mt, p->stream, 0);
	struct mptcp_conn *m = tables_mptcp(t, conn);
	m->partial = true;
	if (c->is_join && sf->token) {
		/* later joins asking for the same token belong to the same connection */
		m->token[1] = sf->token;
		g_hash_table_insert(mt->tokens, GUINT_TO_POINTER(sf->token), GUINT_TO_POINTER(conn + 1));
	}
	if (!c->unlinked_reason)
		c->unlinked_reason = "no MP_CAPABLE or MP_JOIN handshake in the capture";
}

/* ---------------------------------------------------------------- DSS */

/* Where the backward scans below may start: entries ahead of `rel` in
 * sequence space ((int32_t)(rel - ssn) < 0) neither cover it (data-level
 * lengths are 16-bit) nor stop a scan, so the scans step over them; skipping
 * them changes no result.  While the live entries are sorted and span less than
 * 2^31, those not ahead of `rel` are either a suffix of the list or a prefix
 * (found by binary search).  Returns one past the last entry to look at. */
static bool map_not_ahead(const GArray *a, guint i, uint32_t rel)
{
	return (int32_t)(rel - g_array_index(a, struct mapping, i).ssn) >= 0;
}

static guint map_scan_start(struct map_list *l, uint32_t rel)
{
	const GArray *a = l->a;
	guint lo = l->head, hi = a->len;
	if (l->unordered || hi - lo < 16)
		return hi;
	if (map_not_ahead(a, hi - 1, rel))
		return hi;
	if (!map_not_ahead(a, lo, rel))
		return lo; /* every entry is ahead */
	/* The answer is the one index r in (lo, hi) with entry r - 1 not ahead
	 * and entry r ahead.  Settling walks each list in sequence order, so r is
	 * usually the previous answer or just after it: check those first. */
	for (guint r = MAX(l->hint, lo + 1); r < MIN(l->hint + 3, hi); r++)
		if (map_not_ahead(a, r - 1, rel) && !map_not_ahead(a, r, rel))
			return l->hint = r;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (map_not_ahead(a, mid, rel))
			lo = mid + 1;
		else
			hi = mid;
	}
	return l->hint = lo;
}

/* the mapping covering relative sequence `rel`, the newest such */
static const struct mapping *map_find(struct map_list *l, uint32_t rel)
{
	const GArray *a = l->a;
	if (!a)
		return NULL;
	for (guint i = map_scan_start(l, rel); i > l->head; i--) {
		const struct mapping *mp = &g_array_index(a, struct mapping, i - 1);
		uint32_t off = rel - mp->ssn;
		if (mp->len == 0 ? (int32_t)off >= 0 : off < mp->len)
			return mp;
		if ((int32_t)(rel - mp->ssn) > 0 && a->len - i > 64)
			break; /* far behind: older mappings cannot cover it */
	}
	return NULL;
}

/* After a fallback to TCP (an infinite mapping on either side), data goes on
 * without mappings: the DSN space continues from the last mapping seen. */
static const struct mapping *map_last_before(struct map_list *l, uint32_t rel)
{
	const GArray *a = l->a;
	if (!a)
		return NULL;
	for (guint i = map_scan_start(l, rel); i > l->head; i--) {
		const struct mapping *mp = &g_array_index(a, struct mapping, i - 1);
		if ((int32_t)(rel - mp->ssn) >= 0)
			return mp;
	}
	return NULL;
}

static void on_dss(struct mptcp_tracker *mt, uint32_t row, struct pkt *p, const struct tcp_conn *c,
                   struct sf_state *sf, struct mptcp_conn *m, const struct mptcp_dss *o)
{
	struct tables *t = mt->t;
	uint32_t conn = c->mptcp;
	struct conn_state *cs = cs_get(mt, conn);
	int md = conn_mptcp_dir(c, pkt_dir(p));

	if (o->has_ack) {
		uint64_t ref = cs->has_last_ack[md] ? cs->last_ack[md] : m->idsn[!md] + 1;
		uint64_t ack = o->ack64 ? o->data_ack : mptcp_widen32((uint32_t)o->data_ack, ref);
		tables_set_data_of(t, p, m, md, DK_DACK, ack);
		mt->row_dack = ack;
		cs->last_ack[md] = ack;
		cs->has_last_ack[md] = true;
	}
	if (o->has_checksum)
		m->checksum = true;
	if (o->data_fin) {
		p->marks |= PF_DATA_FIN;
		if (!m->dir[md].data_fin) {
			m->dir[md].data_fin = true;
			add_simple_event(mt, row, conn, EV_DATA_FIN, (uint64_t)md);
		}
	}
	if (!o->has_map)
		return;
	uint64_t ref = cs->has_last_dsn[md] ? cs->last_dsn[md] : m->idsn[md] + 1;
	uint64_t dsn = o->dsn64 ? o->dsn : mptcp_widen32((uint32_t)o->dsn, ref);
	if (o->data_len == 0 && !m->infinite_mapping) {
		m->infinite_mapping = true;
		cs->fallback_row = row;
		add_simple_event(mt, row, conn, EV_INFINITE_MAPPING, dsn);
	}
	map_insert(&sf->maps[pkt_dir(p)], o->ssn, o->data_len, dsn, p);
	p->marks |= PF_OWN_MAPPING;
	mt->row_has_map = true;
	mt->row_map_dsn = dsn;
	if (!o->dsn64 || !cs->has_last_dsn[md] || dsn > cs->last_dsn[md]) {
		cs->last_dsn[md] = dsn;
		cs->has_last_dsn[md] = true;
	}
}

/* ---------------------------------------------------------------- reinjections */

/* live entry i of a list */
static inline struct sent *sent_at(const struct sent_list *l, guint i)
{
	return ring_at(&l->r, i);
}

/* entry i of a list's late entries */
static inline const struct sent *late_at(const struct sent_list *l, guint i)
{
	return (const struct sent *)(const void *)(l->late->data + (size_t)i * l->r.size);
}

/* the frame of the packet that sent s: in the entry when rows are evicted,
 * else in its row (still loaded) */
static uint32_t sent_frame(const struct mptcp_tracker *mt, const struct sent *s)
{
	if (mt->sent_size == sizeof(struct sent_full))
		return ((const struct sent_full *)(const void *)s)->frame;
	return tables_pkt(mt->t, s->row)->frame;
}

/* index of the first entry of [lo..hi) whose lo is >= v (both kinds are
 * sorted by lo): among the live entries, or the late ones */
static inline guint bisect_in(const struct sent_list *l, bool late, guint lo, guint hi, uint64_t v)
{
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if ((late ? late_at(l, mid) : sent_at(l, mid))->lo < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static guint sent_bisect(const struct sent_list *l, guint lo, guint hi, uint64_t v)
{
	return bisect_in(l, false, lo, hi, v);
}

static guint late_bisect(const struct sent_list *l, uint64_t v)
{
	return bisect_in(l, true, 0, l->late->len, v);
}

/* index of the first live entry whose lo is >= v */
static guint sent_lower_bound(const struct sent_list *l, uint64_t v)
{
	guint lo = 0, hi = l->r.len;
	/* data is mostly sent in DSN order: when every lo is below v, every probe
	 * below goes right (whatever the order of overlapping entries) */
	if (hi > lo && l->max_lo < v)
		return hi;
	/* The list is sorted by lo, so its lower bound is unique: data of the
	 * slower subflows lands near the end, found by galloping back from it
	 * (recent entries, in cache) before the binary search. */
	for (guint step = 1; hi - lo > step; step *= 2) {
		if (sent_at(l, hi - step)->lo < v) {
			lo = hi - step + 1;
			break;
		}
		hi -= step;
	}
	return sent_bisect(l, lo, hi, v);
}

static void link_add(struct mptcp_tracker *mt, uint32_t row, const struct sent *orig)
{
	struct tables *t = mt->t;
	struct link l = { row, orig->row, tables_pkt(t, row)->frame, sent_frame(mt, orig) };
	g_array_append_val(t->links, l);
	tables_pkt(t, row)->marks |= PF_REINJECTION;
	/* still in the window, and not being written out (tables_mark_reinjected
	 * sets the mark of a frozen row once it is) */
	if (orig->row >= t->pkt_base && orig->row >= mt->frozen)
		tables_pkt(t, orig->row)->marks |= PF_REINJECTED;
}

static int link_cmp(gconstpointer a, gconstpointer b)
{
	const struct link *x = a, *y = b;
	if (x->pkt != y->pkt)
		return x->pkt < y->pkt ? -1 : 1;
	return x->orig < y->orig ? -1 : x->orig > y->orig;
}


/* merges the (sorted) late entries into the ring, from the end back (an
 * entry of the ring stays before a late one with the same lo): one pass per
 * batch */
static void sent_merge_late(struct sent_list *l)
{
	guint i = l->r.len, j = l->late->len, k = i + j;
	ring_reserve(&l->r, k);
	l->r.len = k;
	while (j > 0) {
		bool take_ring = i > 0 && sent_at(l, i - 1)->lo > late_at(l, j - 1)->lo;
		const struct sent *next = take_ring ? sent_at(l, --i) : late_at(l, --j);
		memcpy(sent_at(l, --k), next, l->r.size);
	}
	g_array_set_size(l->late, 0);
}

/* what a recorded range says of [lo, hi): links a range of another subflow;
 * true when the same subflow (`same`: s is in its own list) already sent all
 * of it */
static bool sent_check(struct mptcp_tracker *mt, const struct sent *s, uint32_t row, bool same,
                       uint64_t lo, uint64_t hi, bool *reinj)
{
	uint64_t s_hi = s->lo + s->len;
	if (s_hi <= lo || s->lo >= hi)
		return false;
	if (same)
		return s->lo <= lo && s_hi >= hi;
	link_add(mt, row, s);
	*reinj = true;
	return false;
}

/* the links of `row` (at the end of t->links) in the order of the originals */
static void links_sort_row(struct tables *t, guint first)
{
	guint n = t->links->len - first;
	if (n > 1)
		qsort(&g_array_index(t->links, struct link, first), n, sizeof(struct link), link_cmp);
}

/* the ranges of list `l` overlapping [lo, hi), each given to sent_check;
 * `same`: l is the list of the subflow that sends [lo, hi) */
static bool sent_scan(struct mptcp_tracker *mt, const struct sent_list *l, uint32_t row, bool same,
                      uint64_t lo, uint64_t hi, bool *reinj)
{
	bool dup_same = false;
	if (!l->late)
		return false;
	for (guint i = sent_lower_bound(l, hi); i > 0; i--) {
		const struct sent *s = sent_at(l, i - 1);
		if (s->lo + l->max_len <= lo)
			break;
		dup_same |= sent_check(mt, s, row, same, lo, hi, reinj);
	}
	/* the late entries are sorted too: the same backward scan */
	for (guint i = late_bisect(l, hi); i > 0; i--) {
		const struct sent *s = late_at(l, i - 1);
		if (s->lo + l->max_len <= lo)
			break;
		dup_same |= sent_check(mt, s, row, same, lo, hi, reinj);
	}
	return dup_same;
}

/* records ns: l->r.size bytes (a struct sent_full when the entries are) */
static void sent_insert(struct sent_list *l, guint size, const struct sent *ns)
{
	if (!l->late) {
		l->r.size = size;
		l->late = g_array_new(FALSE, FALSE, size);
	}
	/* keep the list sorted by lo (sent_scan relies on it); a range starting
	 * after every one recorded (the usual case) goes at the end */
	bool after_all = ns->lo > l->max_lo;
	if (after_all)
		l->max_lo = ns->lo;
	if (ns->len > l->max_len)
		l->max_len = ns->len;
	guint at = after_all ? l->r.len : sent_lower_bound(l, ns->lo);
	if (at == l->r.len) {
		/* the usual case, cheaper than an insert: written in place, field by
		 * field (see array_push_slot) */
		struct sent *d = ring_push(&l->r);
		d->lo = ns->lo;
		d->len = ns->len;
		d->row = ns->row;
		if (size == sizeof(struct sent_full)) {
			const struct sent_full *nf = (const struct sent_full *)(const void *)ns;
			struct sent_full *df = (struct sent_full *)(void *)d;
			df->frame = nf->frame;
			df->pad = 0;
			df->ts_ns = nf->ts_ns;
		}
		return;
	}
	if (l->r.len - at <= SENT_NEAR_END) {
		ring_insert(&l->r, at, ns);
		return;
	}
	g_array_insert_vals(l->late, late_bisect(l, ns->lo), ns, 1);
	/* a batch of about sqrt(n): the scan of the late entries and the merges
	 * then cost O(sqrt n) per packet */
	guint batch = SENT_LATE_MIN;
	while ((guint64)batch * batch < l->r.len)
		batch *= 2;
	if (l->late->len >= batch)
		sent_merge_late(l);
}

/* TCP direction of subflow `c` that carries MPTCP direction md */
static int subflow_dir(const struct tcp_conn *c, int md)
{
	return md == 0 ? c->mptcp_client : !c->mptcp_client;
}

/* Links the earlier packets of other subflows that sent part of [lo, hi)
 * (*reinj set when there is one); true when this subflow already sent all of
 * it (nothing new to record). */
static bool sent_link_all(struct mptcp_tracker *mt, const struct mptcp_conn *m, int md, uint32_t row,
                          uint32_t stream, const struct sent_list *own, uint64_t lo, uint64_t hi, bool *reinj)
{
	struct tables *t = mt->t;
	guint first_link = t->links->len;
	bool dup_same = sent_scan(mt, own, row, true, lo, hi, reinj);
	for (guint k = 0; k < m->subflows->len; k++) {
		uint32_t other = g_array_index(m->subflows, uint32_t, k);
		if (other != stream && other < mt->sf->len)
			sent_scan(mt, &sf_get(mt, other)->sent[subflow_dir(tables_tcp(t, other), md)], row, false,
			          lo, hi, reinj);
	}
	links_sort_row(t, first_link);
	return dup_same;
}

/* Links the packets [lo, hi) reinjects and records this packet's range.
 * Returns true for a reinjection.  `fresh`: no byte of [lo, hi) was sent
 * before (the connection's union of sent ranges holds every recorded range),
 * so no list can overlap it and the scans are skipped: most data is sent once. */
static bool sent_record(struct mptcp_tracker *mt, const struct mptcp_conn *m, int md, uint32_t row,
                        const struct pkt *p, struct sent_list *own, uint64_t lo, uint64_t hi, bool fresh)
{
	uint32_t stream = p->stream;
	bool reinj = false;
	if (!fresh && sent_link_all(mt, m, md, row, stream, own, lo, hi, &reinj))
		return reinj;
	struct sent_full ns = { { lo, (uint32_t)(hi - lo), row }, p->frame, 0, p->ts_ns };
	sent_insert(own, mt->sent_size, &ns.s);
	return reinj;
}

/* State older than this (capture time) is dropped once the data it covers is
 * acknowledged: no sender reinjects or retransmits data acknowledged that
 * long ago, and memory then follows the data in flight, not the capture. */
#define PRUNE_AGE_NS (30LL * 1000000000LL)
#define PRUNE_EVERY 1024

/* drops the n live entries after *head; moves the rest down once the dropped
 * entries outnumber 1/slack of the live ones (at most `slack` moves per
 * dropped entry, at most 1/slack of the memory held by dropped ones) */
static void drop_front(GArray *a, guint *head, guint n, guint slack)
{
	*head += n;
	if (*head > (a->len - *head) / slack) {
		g_array_remove_range(a, 0, *head);
		*head = 0;
	}
}

static void maps_prune(const struct mptcp_tracker *mt, struct map_list *l, int64_t now)
{
	GArray *a = l->a;
	guint live = a ? a->len - l->head : 0;
	if (live < PRUNE_EVERY || live % PRUNE_EVERY)
		return;
	guint n = 0;
	while (n + 1 < live && g_array_index(a, struct mapping, l->head + n).ts_ns < now - PRUNE_AGE_NS)
		n++;
	if (n)
		drop_front(a, &l->head, n, mt->prune_slack);
}

/* Pruning asks of each range it drops whether its packet is older than the
 * prune age.  Without its time stamp in the range (a load keeps 16 bytes a
 * range) that read the packet row, 30 s of capture back and out of every
 * cache: a miss per data packet, 8% of the tracking thread's time at 4.9M
 * packets.  The latest time stamp of each block of TS_BLOCK rows answers
 * for all its rows when it is older; the row is read only when it is not
 * (the block holds the boundary, or a time stamp out of order). */
#define TS_BLOCK 1024

/* extends mt->ts_block over the complete blocks of rows loaded so far */
static void ts_block_extend(struct mptcp_tracker *mt)
{
	const struct tables *t = mt->t;
	if (!mt->ts_block)
		mt->ts_block = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GArray *a = mt->ts_block;
	guint blocks = tables_n_pkts(t) / TS_BLOCK;
	for (guint b = a->len; b < blocks; b++) {
		int64_t latest = INT64_MIN;
		for (uint32_t row = b * TS_BLOCK; row < (b + 1) * TS_BLOCK; row++)
			latest = MAX(latest, tables_pkt(t, row)->ts_ns);
		g_array_append_val(a, latest);
	}
}

/* is the packet of s older than `before`?  (exactly: the row is read when
 * its block does not tell) */
static bool sent_older(const struct mptcp_tracker *mt, const struct sent *s, int64_t before)
{
	if (mt->sent_size == sizeof(struct sent_full))
		return ((const struct sent_full *)(const void *)s)->ts_ns < before;
	guint b = s->row / TS_BLOCK;
	if (b < mt->ts_block->len && g_array_index(mt->ts_block, int64_t, b) < before)
		return true;
	return tables_pkt(mt->t, s->row)->ts_ns < before;
}

static void sent_prune(struct mptcp_tracker *mt, struct sent_list *l, uint64_t acked, bool has_ack,
                       int64_t now)
{
	if (!l->late)
		return;
	guint live = l->r.len;
	if (!has_ack || live < PRUNE_EVERY || live % PRUNE_EVERY)
		return;
	if (mt->sent_size == sizeof(struct sent))
		ts_block_extend(mt); /* rows are never evicted then: row numbers index the table */
	guint n = 0;
	while (n < live) {
		const struct sent *s = sent_at(l, n);
		if (s->lo + s->len > acked || !sent_older(mt, s, now - PRUNE_AGE_NS))
			break;
		n++;
	}
	ring_drop_front(&l->r, n);
}

void mptcp_dir_count(struct mptcp_dir *dir, int64_t ts_ns, uint64_t dsn, uint32_t len)
{
	uint64_t lo = dsn, hi = dsn + len;
	if (dir->bytes == 0 && dir->first_ns == 0)
		dir->first_ns = ts_ns;
	dir->last_ns = ts_ns;
	dir->bytes += len;
	if (dir->dsn_lo == 0 || lo < dir->dsn_lo)
		dir->dsn_lo = lo;
	if (hi > dir->dsn_hi)
		dir->dsn_hi = hi;
}

/* DSN of data packet p (row) of subflow c, connection m, from the mapping
 * that covers it */
static void assign_dsn(struct mptcp_tracker *mt, uint32_t row, struct pkt *p, const struct tcp_conn *c,
                       struct mptcp_conn *m, int md)
{
	struct tables *t = mt->t;
	struct sf_state *sf = sf_get(mt, p->stream);
	int d = pkt_dir(p);
	uint32_t rel = tcp_rel_seq(t, p);
	maps_prune(mt, &sf->maps[d], p->ts_ns);
	const struct mapping *mp = map_find(&sf->maps[d], rel);
	if (!mp && row > cs_get(mt, c->mptcp)->fallback_row)
		mp = map_last_before(&sf->maps[d], rel);
	if (!mp)
		return;
	uint64_t dsn = mp->dsn + (uint32_t)(rel - mp->ssn);
	tables_set_data_of(t, p, m, md, DK_DSN, dsn);
	mt->row_dsn = dsn;
	uint32_t len = pkt_tcplen(t, p);
	if (len == 0)
		return; /* the DSN its sequence number maps to: no data, nothing to count */
	p->mapping = mp->frame;

	struct conn_state *cs = cs_get(mt, c->mptcp);
	struct mptcp_dir *dir = &m->dir[md];
	uint64_t lo = dsn, hi = dsn + len;
	mptcp_dir_count(dir, p->ts_ns, dsn, len);
	uint64_t added = range_set_add(&cs->uni[md], lo, hi);
	dir->unique_bytes += added;
	sent_prune(mt, &sf->sent[d], cs->last_ack[!md], cs->has_last_ack[!md], p->ts_ns);
	/* the packet's own list: its subflow's TCP direction d carries md */
	if (sent_record(mt, m, md, row, p, &sf->sent[d], lo, hi, added == hi - lo)) {
		dir->reinjections++;
		dir->reinjected_bytes += len;
	}
}

/* ---------------------------------------------------------------- other options */

static void on_add_addr(struct mptcp_tracker *mt, uint32_t row, uint32_t conn, const struct mptcp_add_addr *o)
{
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.addr_id = o->addr_id;
	ev.flag = o->echo;
	ev.family = o->family;
	memcpy(ev.addr, o->addr, sizeof ev.addr);
	ev.port = o->has_port ? o->port : 0;
	add_event(mt, row, conn, EV_ADD_ADDR, &ev);
}

static void on_remove_addr(struct mptcp_tracker *mt, uint32_t row, uint32_t conn,
                           const struct mptcp_remove_addr *o)
{
	for (unsigned i = 0; i < o->count; i++) {
		struct event ev;
		memset(&ev, 0, sizeof ev);
		ev.addr_id = o->ids[i];
		add_event(mt, row, conn, EV_REMOVE_ADDR, &ev);
	}
}

static void on_prio(struct mptcp_tracker *mt, uint32_t row, uint32_t conn, const struct mptcp_prio *o)
{
	struct tables *t = mt->t;
	struct pkt *p = tables_pkt(t, row);
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.flag = o->backup;
	ev.addr_id = o->has_addr_id ? o->addr_id : tables_tcp(t, p->stream)->addr_id[sender(p)];
	add_event(mt, row, conn, EV_MP_PRIO, &ev);
	if (!o->has_addr_id) {
		tables_tcp(t, p->stream)->backup = o->backup;
		return;
	}
	/* v0 with an address id: every subflow using that address of the sender */
	struct mptcp_conn *m = tables_mptcp(t, conn);
	for (guint i = 0; i < m->subflows->len; i++) {
		struct tcp_conn *sc = tables_tcp(t, g_array_index(m->subflows, uint32_t, i));
		if (sc->addr_id[0] == o->addr_id || sc->addr_id[1] == o->addr_id)
			sc->backup = o->backup;
	}
}

/* options that only make sense inside a known connection */
/* an option of packet p (row) of subflow c (state sf), of connection m */
static void on_conn_option(struct mptcp_tracker *mt, uint32_t row, struct pkt *p, const struct tcp_conn *c,
                           struct sf_state *sf, struct mptcp_conn *m, const struct mptcp_option *o)
{
	uint32_t conn = c->mptcp;
	switch (o->subtype) {
	case MPTCP_SUB_DSS:
		on_dss(mt, row, p, c, sf, m, &o->u.dss);
		break;
	case MPTCP_SUB_ADD_ADDR:
		on_add_addr(mt, row, conn, &o->u.add_addr);
		break;
	case MPTCP_SUB_REMOVE_ADDR:
		on_remove_addr(mt, row, conn, &o->u.remove_addr);
		break;
	case MPTCP_SUB_PRIO:
		on_prio(mt, row, conn, &o->u.prio);
		break;
	case MPTCP_SUB_FAIL:
		m->mp_fail = true;
		add_simple_event(mt, row, conn, EV_MP_FAIL, o->u.fail.dsn);
		break;
	case MPTCP_SUB_FASTCLOSE:
		m->fastclose = true;
		add_simple_event(mt, row, conn, EV_MP_FASTCLOSE, o->u.fastclose.receiver_key);
		break;
	case MPTCP_SUB_TCPRST: {
		struct event ev;
		memset(&ev, 0, sizeof ev);
		ev.value = o->u.tcprst.reason;
		ev.flag = o->u.tcprst.flags & 1;
		add_event(mt, row, conn, EV_MP_TCPRST, &ev);
		break;
	}
	default:
		break;
	}
}

static void track_options(struct mptcp_tracker *mt, uint32_t row, struct pkt *p, struct tcp_conn *c,
                          const struct decoded *d)
{
	struct tables *t = mt->t;
	struct sf_state *sf = sf_get(mt, p->stream);
	bool has_mpc = false;

	for (unsigned i = 0; i < d->n_mptcp; i++) {
		const struct mptcp_option *o = &d->mptcp[i];
		sf->has_mpc_option = true;
		if (o->malformed)
			continue;
		if (o->subtype == MPTCP_SUB_CAPABLE) {
			has_mpc = true;
			on_capable(mt, row, &o->u.mpc);
		} else if (o->subtype == MPTCP_SUB_JOIN) {
			on_join(mt, row, &o->u.join);
		}
	}
	if (c->mptcp == NO_ROW && sf->has_mpc_option && !c->mp_capable_syn)
		open_partial(mt, row);
	/* MP_CAPABLE in the SYN but not in the SYN/ACK: fallback to TCP */
	if ((p->flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK) && c->mp_capable_syn &&
	    !has_mpc && !c->is_join && !sf->mpc_synack)
		c->fallback = true;
	if (c->mptcp == NO_ROW)
		return;
	/* the handshakes above may add connections (move t->mptcp); the
	 * options below do not */
	struct mptcp_conn *m = tables_mptcp(t, c->mptcp);
	for (unsigned i = 0; i < d->n_mptcp; i++) {
		const struct mptcp_option *o = &d->mptcp[i];
		if (!o->malformed && o->subtype != MPTCP_SUB_CAPABLE && o->subtype != MPTCP_SUB_JOIN)
			on_conn_option(mt, row, p, c, sf, m, o);
	}
	if (m->last_ns < p->ts_ns)
		m->last_ns = p->ts_ns;
}

/* Where the packet's options live: a lone DSS in the row (its mapping's DSN
 * settled with the packet), anything else in mptcp_opts. */
static void store_options(struct mptcp_tracker *mt, uint32_t row, const struct tcp_conn *c,
                          const struct decoded *d)
{
	struct tables *t = mt->t;
	if (d->n_mptcp == 0)
		return;
	if (d->n_mptcp == 1 && c->mptcp != NO_ROW &&
	    tables_inline_dss(t, row, &d->mptcp[0], mt->row_dack)) {
		if (d->mptcp[0].u.dss.has_map) {
			struct pending_map *pm = array_push_slot(mt->pending, &mt->pend_room, sizeof *pm);
			pm->row = row;
			pm->dsn = mt->row_map_dsn;
		}
		return;
	}
	tables_add_opts(t, row, d->mptcp, d->n_mptcp);
}

void mptcp_tracker_add(struct mptcp_tracker *mt, uint32_t row, const struct decoded *d)
{
	struct pkt *p = tables_pkt(mt->t, row);
	struct tcp_conn *c = tables_tcp(mt->t, p->stream);
	mt->row_has_map = false;
	track_options(mt, row, p, c, d);
	store_options(mt, row, c, d);
	if (mt->lag && row + 1 > mt->lag)
		mptcp_tracker_settle(mt, row + 1 - mt->lag);
}

uint32_t mptcp_tracker_settled(const struct mptcp_tracker *mt)
{
	return mt->settled;
}

void mptcp_tracker_set_lag(struct mptcp_tracker *mt, uint32_t lag)
{
	mt->lag = lag;
}

void mptcp_tracker_freeze(struct mptcp_tracker *mt, uint32_t upto)
{
	mt->frozen = upto;
}

/* ---------------------------------------------------------------- end of capture */

/* at the end of the capture: the packet row may have left a window */
static void add_join_failed(struct mptcp_tracker *mt, const struct tcp_conn *c)
{
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.ts_ns = MAX(c->dir[0].last_ns, c->dir[1].last_ns);
	ev.pkt = c->last_pkt;
	ev.mptcp = c->mptcp;
	ev.stream = c->id;
	ev.type = EV_JOIN_FAILED;
	g_array_append_val(mt->t->events, ev);
}

static void settle_subflow_states(struct mptcp_tracker *mt)
{
	struct tables *t = mt->t;
	for (guint i = 0; i < t->tcp->len; i++) {
		struct tcp_conn *c = tables_tcp(t, i);
		struct sf_state *sf = sf_get(mt, i);
		bool rst = c->dir[0].rst || c->dir[1].rst;
		if (c->is_join && sf->join_stage < 3 && (rst || sf->join_stage < 2)) {
			c->sf_state = SF_FAILED_JOIN;
			if (c->mptcp != NO_ROW)
				add_join_failed(mt, c);
		} else if (rst) {
			c->sf_state = SF_RESET;
		} else if (c->dir[0].fin && c->dir[1].fin) {
			c->sf_state = SF_CLOSED;
		} else {
			c->sf_state = SF_OPEN;
		}
	}
}


/* Second pass over the packets, once every mapping of the capture is known
 * (a mapping may arrive after the data it covers): each data packet gets
 * its DSN and related mapping, is counted, and is checked for reinjection.
 * Packets with MPTCP options but no data get the DSN their sequence number
 * falls on (the IDSN for a SYN, IDSN + 1 right after it), as tshark shows. */
static void settle_row(struct mptcp_tracker *mt, uint32_t row)
{
	struct tables *t = mt->t;
	struct pkt *p = tables_pkt(t, row);
	const struct tcp_conn *c = tables_tcp(t, p->stream);
	if (c->mptcp == NO_ROW || (!pkt_has_payload(p) && !(p->xflags & (PX_DSS | PX_OPTS))))
		return;
	struct mptcp_conn *m = tables_mptcp(t, c->mptcp);
	int md = mptcp_pkt_dir(t, p);
	bool syn = p->flags & TCPF_SYN;
	if (!pkt_has_payload(p) && (syn || tcp_rel_seq(t, p) == 1)) {
		if (m->has_key[md]) {
			mt->row_dsn = m->idsn[md] + (syn ? 0 : 1);
			tables_set_data_of(t, p, m, md, DK_DSN, mt->row_dsn);
		}
		return;
	}
	assign_dsn(mt, row, p, c, m, md);
}

/* the inline mapping of a settled row gets its place (see tables_settle_dss) */
static void settle_pending(struct mptcp_tracker *mt, uint32_t row)
{
	GArray *a = mt->pending;
	if (mt->pend_head >= a->len || g_array_index(a, struct pending_map, mt->pend_head).row != row)
		return;
	tables_settle_dss(mt->t, row, g_array_index(a, struct pending_map, mt->pend_head).dsn, mt->row_dsn);
	if (++mt->pend_head == a->len) {
		g_array_set_size(a, 0);
		mt->pend_head = 0;
	} else if (mt->pend_head >= 4096 && mt->pend_head > a->len / 2) {
		g_array_remove_range(a, 0, mt->pend_head);
		mt->pend_head = 0;
	}
}

void mptcp_tracker_settle(struct mptcp_tracker *mt, uint32_t upto)
{
	for (; mt->settled < upto; mt->settled++) {
		settle_row(mt, mt->settled);
		settle_pending(mt, mt->settled);
	}
}

void mptcp_tracker_finish(struct mptcp_tracker *mt)
{
	struct tables *t = mt->t;
	mptcp_tracker_settle(mt, tables_n_pkts(t));
	settle_subflow_states(mt);
	for (guint i = 0; i < t->tcp->len; i++) {
		struct tcp_conn *c = tables_tcp(t, i);
		if (c->fallback && c->mptcp != NO_ROW) {
			tables_mptcp(t, c->mptcp)->fallback = true;
		}
	}
	g_array_sort(t->links, link_cmp);
	for (guint i = 0; i < t->mptcp->len; i++) {
		struct mptcp_conn *m = tables_mptcp(t, i);
		if (m->infinite_mapping || m->mp_fail)
			m->fallback = m->fallback || m->infinite_mapping;
	}
}

void mptcp_tracker_free(struct mptcp_tracker *mt)
{
	if (!mt)
		return;
	for (guint i = 0; i < mt->sf->len; i++) {
		struct sf_state *sf = &g_array_index(mt->sf, struct sf_state, i);
		for (int d = 0; d < 2; d++) {
			if (sf->maps[d].a)
				g_array_free(sf->maps[d].a, TRUE);
			ring_free(&sf->sent[d].r);
			if (sf->sent[d].late)
				g_array_free(sf->sent[d].late, TRUE);
		}
	}
	for (guint i = 0; i < mt->cs->len; i++) {
		struct conn_state *cs = cs_get(mt, i);
		for (int d = 0; d < 2; d++)
			range_set_clear(&cs->uni[d]);
	}
	g_array_free(mt->sf, TRUE);
	g_array_free(mt->cs, TRUE);
	g_array_free(mt->pending, TRUE);
	if (mt->ts_block)
		g_array_free(mt->ts_block, TRUE);
	g_hash_table_destroy(mt->tokens);
	g_free(mt);
}
