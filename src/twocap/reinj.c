/* reinj.c - the receiver's side of the mapped connection: data arriving for
 * the first time (goodput) and what became of each MPTCP reinjection (useful:
 * first copy of its data to arrive; redundant: another copy was there first;
 * failed: lost between the capture points). */
#include "twocap/twocap.h"

#include "track/tcp_tracker.h"

/* ------------------------------------------------------------------ byte sets */

struct range {
	uint64_t lo, hi;         /* [lo, hi) */
};

/* adds [lo, hi) to the sorted, disjoint set; returns the bytes not there before */
static uint64_t set_add(GArray *set, uint64_t lo, uint64_t hi)
{
	guint a = 0, b = set->len;
	while (a < b) { /* first range ending at or after lo */
		guint mid = a + (b - a) / 2;
		if (g_array_index(set, struct range, mid).hi < lo)
			a = mid + 1;
		else
			b = mid;
	}
	uint64_t known = 0, nlo = lo, nhi = hi;
	guint end = a;
	while (end < set->len && g_array_index(set, struct range, end).lo <= hi) {
		const struct range *r = &g_array_index(set, struct range, end);
		uint64_t olo = r->lo > lo ? r->lo : lo, ohi = r->hi < hi ? r->hi : hi;
		if (ohi > olo)
			known += ohi - olo;
		if (r->lo < nlo)
			nlo = r->lo;
		if (r->hi > nhi)
			nhi = r->hi;
		end++;
	}
	struct range merged = { nlo, nhi };
	if (end > a)
		g_array_remove_range(set, a, end - a);
	g_array_insert_val(set, a, merged);
	return (hi - lo) - known;
}

/* ------------------------------------------------------------------ arrivals */

static int arrival_cmp(const void *x, const void *y)
{
	const struct twocap_arrival *a = x, *b = y;
	return (a->ts_ns > b->ts_ns) - (a->ts_ns < b->ts_ns);
}

struct received {
	int64_t ts_ns;
	uint32_t row;
};

static int received_cmp(const void *x, const void *y)
{
	const struct received *a = x, *b = y;
	if (a->ts_ns != b->ts_ns)
		return a->ts_ns < b->ts_ns ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

/* the payload packets of the connection captured at the receiver, by time */
static GArray *received_rows(const struct twocap *a, int cap, int dest)
{
	GArray *v = g_array_new(FALSE, FALSE, sizeof(struct received));
	for (uint32_t r = a->t[cap]->pkt_base; r < tables_n_pkts(a->t[cap]); r++) {
		const struct twocap_row *w = &a->rows[cap][r];
		if (w->fate == TWF_NONE || w->dest != dest || !pkt_has_payload(tables_pkt(a->t[cap], r)))
			continue;
		struct received x = { twocap_time(a, cap, r), r };
		g_array_append_val(v, x);
	}
	g_array_sort(v, received_cmp);
	return v;
}

GArray *twocap_arrivals(const struct twocap *a, int dest)
{
	int cap = !a->upstream[dest];
	const struct tables *t = a->t[cap];
	GArray *out = g_array_new(FALSE, FALSE, sizeof(struct twocap_arrival));
	GArray *rows = received_rows(a, cap, dest);
	GArray *dsn_set = g_array_new(FALSE, FALSE, sizeof(struct range));
	guint n_pairs = a->conn->pairs->len;
	GArray **seq_sets = g_new0(GArray *, n_pairs ? n_pairs : 1);
	for (guint i = 0; i < rows->len; i++) {
		const struct received *x = &g_array_index(rows, struct received, i);
		const struct pkt *p = tables_pkt(t, x->row);
		uint16_t pair = a->rows[cap][x->row].pair;
		struct twocap_arrival v = { x->ts_ns, 0, pair };
		if (a->conn->mptcp && (p->marks & PF_HAS_DSN)) {
			uint64_t dsn = pkt_dsn(t, p);
			v.new_bytes = (uint32_t)set_add(dsn_set, dsn, dsn + pkt_tcplen(t, p));
		} else {
			if (!seq_sets[pair])
				seq_sets[pair] = g_array_new(FALSE, FALSE, sizeof(struct range));
			uint64_t s = tcp_rel_seq(t, p);
			v.new_bytes = (uint32_t)set_add(seq_sets[pair], s, s + pkt_tcplen(t, p));
		}
		g_array_append_val(out, v);
	}
	for (guint i = 0; i < n_pairs; i++)
		if (seq_sets[i])
			g_array_unref(seq_sets[i]);
	g_free(seq_sets);
	g_array_unref(dsn_set);
	g_array_unref(rows);
	g_array_sort(out, arrival_cmp);
	return out;
}

/* ------------------------------------------------------------------ reinjections */

const char *twocap_verdict_name(int v)
{
	switch (v) {
	case TWQ_USEFUL: return "useful";
	case TWQ_REDUNDANT: return "redundant";
	case TWQ_FAILED: return "failed";
	default: return "?";
	}
}

struct dsn_entry {
	uint64_t dsn, end;
	int64_t ts_ns;
	uint32_t row;
};

struct dsn_index {
	GArray *e;               /* struct dsn_entry by dsn */
	uint64_t max_len;
};

static int dsn_cmp(const void *x, const void *y)
{
	const struct dsn_entry *a = x, *b = y;
	return (a->dsn > b->dsn) - (a->dsn < b->dsn);
}

/* the data packets received towards `dest` (downstream capture), by DSN */
static void dsn_index_build(const struct twocap *a, int dest, struct dsn_index *ix)
{
	int cap = !a->upstream[dest];
	ix->e = g_array_new(FALSE, FALSE, sizeof(struct dsn_entry));
	ix->max_len = 0;
	for (uint32_t r = a->t[cap]->pkt_base; r < tables_n_pkts(a->t[cap]); r++) {
		const struct twocap_row *w = &a->rows[cap][r];
		const struct pkt *p = tables_pkt(a->t[cap], r);
		if (w->fate == TWF_NONE || w->dest != dest || !pkt_has_payload(p) || !(p->marks & PF_HAS_DSN))
			continue;
		uint64_t dsn = pkt_dsn(a->t[cap], p);
		uint32_t len = pkt_tcplen(a->t[cap], p);
		struct dsn_entry e = { dsn, dsn + len, twocap_time(a, cap, r), r };
		g_array_append_val(ix->e, e);
		if (len > ix->max_len)
			ix->max_len = len;
	}
	g_array_sort(ix->e, dsn_cmp);
}

/* first arrival of data byte `dsn` on a received packet that is not a copy of
 * the sender's packet `self` */
static int64_t first_other_arrival(const struct twocap *a, const struct dsn_index *ix, int dest,
                                   uint64_t dsn, uint32_t self)
{
	int down = !a->upstream[dest];
	uint32_t self_peer = a->rows[!down][self].peer;
	guint lo = 0, hi = ix->e->len;
	while (lo < hi) { /* first entry with dsn > the byte */
		guint mid = lo + (hi - lo) / 2;
		if (g_array_index(ix->e, struct dsn_entry, mid).dsn <= dsn)
			lo = mid + 1;
		else
			hi = mid;
	}
	int64_t best = TWOCAP_NO_TIME;
	for (guint i = lo; i > 0; i--) {
		const struct dsn_entry *e = &g_array_index(ix->e, struct dsn_entry, i - 1);
		if (e->dsn + ix->max_len <= dsn)
			break;
		if (e->end <= dsn || e->row == self_peer || a->rows[down][e->row].peer == self)
			continue;
		if (best == TWOCAP_NO_TIME || e->ts_ns < best)
			best = e->ts_ns;
	}
	return best;
}

/* when the sender's packet `row` of capture `cap` reached the other capture */
static int64_t arrival_of(const struct twocap *a, int cap, uint32_t row)
{
	const struct twocap_row *w = &a->rows[cap][row];
	if (w->fate != TWF_MATCHED && w->fate != TWF_COVERED)
		return TWOCAP_NO_TIME;
	return twocap_time(a, !cap, w->peer);
}

static void qualify(const struct twocap *a, const struct dsn_index ix[2], int cap, uint32_t row,
                    struct twocap_reinj *q)
{
	const struct tables *t = a->t[cap];
	const struct pkt *p = tables_pkt(t, row);
	const struct twocap_row *w = &a->rows[cap][row];
	guint li = tables_links_first(t, row);
	const struct link *l = li < t->links->len ? &g_array_index(t->links, struct link, li) : NULL;
	q->row = row;
	q->orig = l && l->pkt == row ? l->orig : NO_ROW;
	q->pair = w->pair;
	q->cap = (uint8_t)cap;
	q->dest = w->dest;
	q->sent_ns = twocap_time(a, cap, row);
	q->arrived_ns = arrival_of(a, cap, row);
	bool orig_here = q->orig != NO_ROW && q->orig >= t->pkt_base && q->orig < tables_n_pkts(t);
	q->orig_sent_ns = orig_here ? twocap_time(a, cap, q->orig) : TWOCAP_NO_TIME;
	q->orig_arrived_ns = orig_here ? arrival_of(a, cap, q->orig) : TWOCAP_NO_TIME;
	q->other_arrived_ns = (p->marks & PF_HAS_DSN) ? first_other_arrival(a, &ix[w->dest], w->dest, pkt_dsn(t, p), row)
	                                              : q->orig_arrived_ns;
	if (q->arrived_ns == TWOCAP_NO_TIME)
		q->verdict = TWQ_FAILED;
	else if (q->other_arrived_ns == TWOCAP_NO_TIME || q->arrived_ns < q->other_arrived_ns)
		q->verdict = TWQ_USEFUL;
	else
		q->verdict = TWQ_REDUNDANT;
}

GArray *twocap_reinjections(const struct twocap *a)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(struct twocap_reinj));
	if (!a->conn->mptcp)
		return out;
	struct dsn_index ix[2];
	dsn_index_build(a, 0, &ix[0]);
	dsn_index_build(a, 1, &ix[1]);
	for (int cap = 0; cap < 2; cap++)
		for (uint32_t r = a->t[cap]->pkt_base; r < tables_n_pkts(a->t[cap]); r++) {
			const struct twocap_row *w = &a->rows[cap][r];
			if (w->fate == TWF_NONE || a->upstream[w->dest] != cap ||
			    !(tables_pkt(a->t[cap], r)->marks & PF_REINJECTION))
				continue;
			struct twocap_reinj q;
			qualify(a, ix, cap, r, &q);
			g_array_append_val(out, q);
		}
	g_array_unref(ix[0].e);
	g_array_unref(ix[1].e);
	return out;
}
