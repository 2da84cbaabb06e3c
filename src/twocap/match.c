/* match.c - pairs each packet of a mapped connection in one capture with the
 * same packet in the other, then finds which capture is near each sender and
 * the offset between the two clocks.
 *
 * A packet's key is (direction, sequence number, payload length, SYN/FIN/RST,
 * and for packets without payload the ack number), sequence numbers relative
 * to capture 1's ISNs (capture 2's shifted when a NAT rewrote them).  Packets
 * with the same key (retransmissions, duplicate ACKs) are told apart by IP id
 * and TCP timestamp when those agree between the captures for the packets
 * whose key is unique, and otherwise paired in order.  Packets left over are
 * compared by byte range: a sender's 64 KB GSO segment is several packets at
 * the receiver, a receiver's GRO packet several at the sender. */
#include "twocap/twocap.h"

#include <string.h>
#include "decode/packet.h"

struct entry {
	uint32_t row;
	uint32_t seq;            /* relative to capture 1's ISN of its direction */
	uint32_t len;
	uint32_t ack;            /* packets without payload: relative ack; else 0 */
	uint8_t dir;             /* direction in the terms of capture 1's stream */
	uint8_t fl;              /* SYN, FIN, RST */
};

struct side {
	const struct tables *t;
	GArray *e;               /* struct entry, sorted by key then row */
	uint32_t max_len;
	struct twocap_row *rows;
};

static int key_cmp(const struct entry *a, const struct entry *b)
{
	if (a->dir != b->dir)
		return a->dir < b->dir ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->fl != b->fl)
		return a->fl < b->fl ? -1 : 1;
	if (a->ack != b->ack)
		return a->ack < b->ack ? -1 : 1;
	return 0;
}

static int entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	int c = key_cmp(a, b);
	return c ? c : (a->row > b->row) - (a->row < b->row);
}

/* ------------------------------------------------------------------ entries */

static bool same_end(const struct tcp_conn *a, int da, const struct tcp_conn *b, int db)
{
	return a->family == b->family && a->port[da] == b->port[db] &&
	       memcmp(a->addr[da], b->addr[db], a->family == 4 ? 4 : 16) == 0;
}

/* the end of capture 1's stream that is the (MPTCP) client */
static int client_end(const struct tcp_conn *c)
{
	return c->mptcp != NO_ROW ? c->mptcp_client : c->client;
}

struct pair_frame {
	uint32_t seq_ref[2][2];  /* [capture][dir]: raw seq of relative 0 */
	int client;              /* direction index sent by the client */
};

static void frame_init(const struct twocap *a, const struct twocap_pair *p, struct pair_frame *f)
{
	const struct tcp_conn *c1 = tables_tcp(a->t[0], p->s1);
	for (int d = 0; d < 2; d++) {
		f->seq_ref[0][d] = c1->dir[d].base_seq;
		f->seq_ref[1][d] = c1->dir[d].base_seq + p->seq_delta[d];
	}
	f->client = client_end(c1);
}

static void add_stream(struct side *s, int cap, uint32_t stream, int flip, const struct pair_frame *f,
                       uint16_t pair_index)
{
	const struct tables *t = s->t;
	const struct tcp_conn *c = tables_tcp(t, stream);
	for (uint32_t r = c->first_pkt; r <= c->last_pkt && r < tables_n_pkts(t); r++) {
		const struct pkt *p = tables_pkt(t, r);
		if (p->stream != stream)
			continue;
		struct entry e = { r, 0, pkt_tcplen(t, p), 0, (uint8_t)(pkt_dir(p) ^ flip), 0 };
		e.seq = p->seq - f->seq_ref[cap][e.dir];
		e.fl = (uint8_t)(p->flags & (TCPF_SYN | TCPF_FIN | TCPF_RST));
		if (!pkt_has_payload(p) && (p->flags & TCPF_ACK))
			e.ack = p->ack - f->seq_ref[cap][!e.dir];
		g_array_append_val(s->e, e);
		if (e.len > s->max_len)
			s->max_len = e.len;
		s->rows[r] = (struct twocap_row){ NO_ROW, e.len, pair_index, TWF_MISSING,
		                                  (uint8_t)(e.dir == f->client ? 0 : 1) };
	}
}

/* the packets of a pair's streams in one capture, directions in capture 1's terms */
static void side_build(struct side *s, const struct twocap *a, const struct twocap_pair *p, int cap,
                       const struct pair_frame *f, uint16_t pair_index)
{
	uint32_t main = cap == 0 ? p->s1 : p->s2;
	const GArray *more = cap == 0 ? p->more1 : p->more2;
	const struct tcp_conn *mc = tables_tcp(s->t, main);
	int flip = cap == 0 ? 0 : p->swapped;
	add_stream(s, cap, main, flip, f, pair_index);
	for (guint i = 0; i < more->len; i++) {
		uint32_t st = g_array_index(more, uint32_t, i);
		int turned = !same_end(mc, 0, tables_tcp(s->t, st), 0);
		add_stream(s, cap, st, flip ^ turned, f, pair_index);
	}
	g_array_sort(s->e, entry_cmp);
}

/* ------------------------------------------------------------------ exact keys */

struct discriminators {
	bool ipid[2], ts[2];     /* per direction: the field survives between the captures */
};

static bool same_ts(const struct pkt *x, const struct pkt *y)
{
	bool tx = x->marks & PKT_HAS_TS, ty = y->marks & PKT_HAS_TS;
	return tx == ty && (!tx || x->tsval == y->tsval);
}

static bool fields_agree(const struct discriminators *dc, int dir, const struct pkt *x, const struct pkt *y)
{
	return (!dc->ipid[dir] || x->ip_id == y->ip_id) && (!dc->ts[dir] || same_ts(x, y));
}

typedef void (*run_fn)(struct side *a, guint i0, guint i1, struct side *b, guint j0, guint j1, void *user);

/* calls fn for each key present on both sides with the runs of entries */
static void for_each_common_key(struct side *a, struct side *b, run_fn fn, void *user)
{
	guint i = 0, j = 0;
	const struct entry *ea = (const struct entry *)a->e->data, *eb = (const struct entry *)b->e->data;
	while (i < a->e->len && j < b->e->len) {
		int c = key_cmp(&ea[i], &eb[j]);
		if (c < 0) {
			i++;
			continue;
		}
		if (c > 0) {
			j++;
			continue;
		}
		guint i1 = i, j1 = j;
		while (i1 < a->e->len && key_cmp(&ea[i1], &ea[i]) == 0)
			i1++;
		while (j1 < b->e->len && key_cmp(&eb[j1], &eb[j]) == 0)
			j1++;
		fn(a, i, i1, b, j, j1, user);
		i = i1;
		j = j1;
	}
}

struct tally {
	uint32_t n[2], ipid_eq[2], ts_eq[2];
};

static void tally_run(struct side *a, guint i0, guint i1, struct side *b, guint j0, guint j1, void *user)
{
	if (i1 - i0 != 1 || j1 - j0 != 1)
		return;
	struct tally *ty = user;
	const struct entry *x = &g_array_index(a->e, struct entry, i0), *y = &g_array_index(b->e, struct entry, j0);
	const struct pkt *px = tables_pkt(a->t, x->row), *py = tables_pkt(b->t, y->row);
	ty->n[x->dir]++;
	ty->ipid_eq[x->dir] += px->ip_id == py->ip_id;
	ty->ts_eq[x->dir] += same_ts(px, py);
}

/* a field discriminates when it agrees on at least 90 % of the unambiguous pairs */
static struct discriminators discriminators(struct side *a, struct side *b)
{
	struct tally ty = { { 0, 0 }, { 0, 0 }, { 0, 0 } };
	for_each_common_key(a, b, tally_run, &ty);
	struct discriminators dc;
	for (int d = 0; d < 2; d++) {
		dc.ipid[d] = ty.n[d] == 0 || (uint64_t)ty.ipid_eq[d] * 10 >= (uint64_t)ty.n[d] * 9;
		dc.ts[d] = ty.n[d] == 0 || (uint64_t)ty.ts_eq[d] * 10 >= (uint64_t)ty.n[d] * 9;
	}
	return dc;
}

/* pairs the packets of one key in capture order; `free` skips the paired
 * prefix, so long runs (duplicate ACKs) stay linear when pairs come in order */
static void pair_run(struct side *a, guint i0, guint i1, struct side *b, guint j0, guint j1, void *user)
{
	const struct discriminators *dc = user;
	guint free = j0;
	for (guint i = i0; i < i1; i++) {
		const struct entry *x = &g_array_index(a->e, struct entry, i);
		const struct pkt *px = tables_pkt(a->t, x->row);
		while (free < j1 && b->rows[g_array_index(b->e, struct entry, free).row].fate == TWF_MATCHED)
			free++;
		for (guint j = free; j < j1; j++) {
			const struct entry *y = &g_array_index(b->e, struct entry, j);
			struct twocap_row *ry = &b->rows[y->row];
			if (ry->fate == TWF_MATCHED || !fields_agree(dc, x->dir, px, tables_pkt(b->t, y->row)))
				continue;
			*ry = (struct twocap_row){ x->row, 0, ry->pair, TWF_MATCHED, ry->dest };
			struct twocap_row *rx = &a->rows[x->row];
			*rx = (struct twocap_row){ y->row, 0, rx->pair, TWF_MATCHED, rx->dest };
			break;
		}
	}
}

/* ------------------------------------------------------------------ byte ranges */

/* first entry with (dir, seq) >= (dir, seq) */
static guint lower_bound(const struct side *s, uint8_t dir, uint32_t seq)
{
	guint lo = 0, hi = s->e->len;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		const struct entry *e = &g_array_index(s->e, struct entry, mid);
		if (e->dir < dir || (e->dir == dir && e->seq < seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A payload packet with no exact twin: its bytes went through when packets
 * of the other capture not matched otherwise (same timestamp: GSO and GRO
 * keep it) cover its whole range.  Its peer is the first of them captured;
 * a partly covered packet stays missing with the bytes not found. */
static void cover_one(struct side *a, const struct entry *x, const struct side *b, const struct discriminators *dc)
{
	const struct pkt *px = tables_pkt(a->t, x->row);
	uint32_t lo = x->seq >= b->max_len ? x->seq - b->max_len : 0, end = x->seq + x->len;
	uint32_t reached = x->seq, got = 0, first = NO_ROW;
	int64_t first_ts = 0;
	for (guint j = lower_bound(b, x->dir, lo); j < b->e->len; j++) {
		const struct entry *y = &g_array_index(b->e, struct entry, j);
		if (y->dir != x->dir || y->seq >= end)
			break;
		const struct pkt *py = tables_pkt(b->t, y->row);
		if (y->len == 0 || y->seq + y->len <= x->seq || b->rows[y->row].fate == TWF_MATCHED ||
		    (dc->ts[x->dir] && !same_ts(px, py)))
			continue;
		/* entries come by sequence number: the union grows left to right */
		uint32_t from = MAX(y->seq, reached), to = MIN(y->seq + y->len, end);
		if (to > from) {
			got += to - from;
			reached = to;
		}
		if (first == NO_ROW || py->ts_ns < first_ts) {
			first = y->row;
			first_ts = py->ts_ns;
		}
	}
	struct twocap_row *w = &a->rows[x->row];
	w->missing = x->len - got;
	if (got == x->len) {
		w->fate = TWF_COVERED;
		w->peer = first;
	}
}

static void cover_side(struct side *a, const struct side *b, const struct discriminators *dc)
{
	for (guint i = 0; i < a->e->len; i++) {
		const struct entry *x = &g_array_index(a->e, struct entry, i);
		if (x->len > 0 && a->rows[x->row].fate == TWF_MISSING)
			cover_one(a, x, b, dc);
	}
}

/* ------------------------------------------------------------------ pairs */

static void match_pair(struct twocap *a, uint16_t index)
{
	const struct twocap_pair *p = &g_array_index(a->conn->pairs, struct twocap_pair, index);
	struct side s[2] = { { a->t[0], NULL, 0, a->rows[0] }, { a->t[1], NULL, 0, a->rows[1] } };
	if (p->s1 == NO_ROW) {
		/* seen in capture 2 only: its own directions */
		const struct tcp_conn *c = tables_tcp(a->t[1], p->s2);
		for (uint32_t r = c->first_pkt; r <= c->last_pkt && r < tables_n_pkts(a->t[1]); r++) {
			const struct pkt *pk = tables_pkt(a->t[1], r);
			if (pk->stream == p->s2)
				a->rows[1][r] = (struct twocap_row){ NO_ROW, pkt_tcplen(a->t[1], pk), index, TWF_MISSING,
				                                     (uint8_t)(pkt_dir(pk) == client_end(c) ? 0 : 1) };
		}
		return;
	}
	struct pair_frame f;
	frame_init(a, p, &f);
	for (int cap = 0; cap < 2; cap++) {
		s[cap].e = g_array_new(FALSE, FALSE, sizeof(struct entry));
		if (cap == 0 || p->s2 != NO_ROW)
			side_build(&s[cap], a, p, cap, &f, index);
	}
	struct discriminators dc = discriminators(&s[0], &s[1]);
	for_each_common_key(&s[0], &s[1], pair_run, &dc);
	cover_side(&s[0], &s[1], &dc);
	cover_side(&s[1], &s[0], &dc);
	g_array_unref(s[0].e);
	g_array_unref(s[1].e);
}

/* ------------------------------------------------------------------ clocks */

static int i64_cmp(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

static int64_t median(GArray *v)
{
	g_array_sort(v, i64_cmp);
	return g_array_index(v, int64_t, v->len / 2);
}

/* capture 2's time minus capture 1's for every exactly matched packet, per destination */
static void raw_diffs(const struct twocap *a, GArray *diff[2])
{
	for (uint32_t r = 0; r < tables_n_pkts(a->t[0]); r++) {
		const struct twocap_row *w = &a->rows[0][r];
		if (w->fate != TWF_MATCHED)
			continue;
		int64_t d = tables_pkt(a->t[1], w->peer)->ts_ns - tables_pkt(a->t[0], r)->ts_ns;
		g_array_append_val(diff[w->dest], d);
	}
}

/* Whichever direction shows the larger delays (capture 2 minus capture 1) is
 * the one capture 1 sees first: true delays are positive either way. */
static void estimate_clocks(struct twocap *a)
{
	GArray *diff[2] = { g_array_new(FALSE, FALSE, sizeof(int64_t)), g_array_new(FALSE, FALSE, sizeof(int64_t)) };
	raw_diffs(a, diff);
	a->upstream[0] = 0;
	a->upstream[1] = 1;
	if (diff[0]->len && diff[1]->len) {
		a->upstream_known = true;
		int fwd = median(diff[0]) >= median(diff[1]) ? 0 : 1;
		a->upstream[fwd] = 0;
		a->upstream[!fwd] = 1;
		a->min_fwd_ns = g_array_index(diff[fwd], int64_t, 0);
		a->min_rev_ns = -g_array_index(diff[!fwd], int64_t, diff[!fwd]->len - 1);
		a->offset_ns = (a->min_fwd_ns - a->min_rev_ns) / 2;
		a->has_offset = true;
	}
	g_array_unref(diff[0]);
	g_array_unref(diff[1]);
}

struct twocap *twocap_analyze(const struct tables *t1, const struct tables *t2,
                              const struct twocap_conn *conn, bool raw_clock)
{
	struct twocap *a = g_new0(struct twocap, 1);
	a->t[0] = t1;
	a->t[1] = t2;
	a->conn = conn;
	a->raw_clock = raw_clock;
	for (int cap = 0; cap < 2; cap++) {
		uint32_t n = tables_n_pkts(a->t[cap]);
		a->rows[cap] = g_new0(struct twocap_row, n ? n : 1);
		for (uint32_t r = 0; r < n; r++)
			a->rows[cap][r].peer = NO_ROW;
	}
	for (guint i = 0; i < conn->pairs->len && i <= UINT16_MAX; i++)
		match_pair(a, (uint16_t)i);
	estimate_clocks(a);
	return a;
}

void twocap_free(struct twocap *a)
{
	if (!a)
		return;
	g_free(a->rows[0]);
	g_free(a->rows[1]);
	g_free(a);
}

int64_t twocap_time(const struct twocap *a, int cap, uint32_t row)
{
	int64_t ts = tables_pkt(a->t[cap], row)->ts_ns;
	return cap == 1 && a->has_offset && !a->raw_clock ? ts - a->offset_ns : ts;
}
