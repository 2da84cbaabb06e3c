/* map.c - which stream (MPTCP connection) of capture 2 is a given stream
 * (connection) of capture 1.
 *
 * Each stream gets a fingerprint (ISNs, sequence and TCP timestamp ranges,
 * MP_JOIN token and nonce) in one pass over each capture; a candidate's score
 * adds up the evidence, both orientations tried (the other capture may have
 * seen the connection's first packet from the other end).  Addresses and
 * ports count but are not required, so a NAT between the capture points
 * (rewriting addresses, ports or even ISNs) still maps. */
#include "twocap/twocap.h"

#include <string.h>
#include "capture/reader.h"
#include "decode/packet.h"

/* score of each piece of evidence */
enum {
	SC_ISN = 40, SC_SEQ = 15, SC_TSVAL = 20, SC_TS_RANGE = 5, SC_PORT = 10, SC_ADDR = 5,
	SC_JOIN = 40, SC_KEY = 100, SC_TOKEN = 50, SC_SUBFLOW = 10, SC_IN_CONN = 30,
};

struct fp_dir {
	bool has_ts;
	uint32_t ts_first, ts_span;  /* timestamps seen: [ts_first, ts_first + ts_span] */
};

struct fp {
	struct fp_dir d[2];
	bool has_join;
	uint32_t join_token, join_nonce; /* of the MP_JOIN SYN */
};

struct twocap_ctx {
	const struct tables *t[2];
	struct fp *fp[2];            /* per tcp.stream */
};

static void fp_ts(struct fp_dir *d, uint32_t tsval)
{
	if (!d->has_ts) {
		d->has_ts = true;
		d->ts_first = tsval;
		return;
	}
	int32_t off = (int32_t)(tsval - d->ts_first);
	if (off > 0 && (uint32_t)off > d->ts_span)
		d->ts_span = (uint32_t)off;
}

static void fp_join(const struct tables *t, const struct pkt *p, struct fp *f)
{
	struct pkt_opts it;
	for (const struct mptcp_option *o = pkt_opts_first(&it, t, p); o; o = pkt_opts_next(&it)) {
		if (o->subtype == MPTCP_SUB_JOIN && !o->malformed && o->u.join.stage == MPJ_SYN) {
			f->has_join = true;
			f->join_token = o->u.join.token;
			f->join_nonce = o->u.join.nonce;
		}
	}
}

static struct fp *fingerprints(const struct tables *t)
{
	struct fp *f = g_new0(struct fp, t->tcp->len ? t->tcp->len : 1);
	for (uint32_t r = t->pkt_base; r < tables_n_pkts(t); r++) {
		const struct pkt *p = tables_pkt(t, r);
		if (p->stream >= t->tcp->len)
			continue;
		struct fp *s = &f[p->stream];
		if (p->marks & PKT_HAS_TS)
			fp_ts(&s->d[pkt_dir(p)], p->tsval);
		if ((p->xflags & (PX_DSS | PX_OPTS)) && (p->flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
			fp_join(t, p, s);
	}
	return f;
}

struct twocap_ctx *twocap_ctx_new(const struct tables *t1, const struct tables *t2)
{
	struct twocap_ctx *x = g_new0(struct twocap_ctx, 1);
	x->t[0] = t1;
	x->t[1] = t2;
	x->fp[0] = fingerprints(t1);
	x->fp[1] = fingerprints(t2);
	return x;
}

void twocap_ctx_free(struct twocap_ctx *x)
{
	if (!x)
		return;
	g_free(x->fp[0]);
	g_free(x->fp[1]);
	g_free(x);
}

/* ------------------------------------------------------------------ reasons */

static const struct {
	uint32_t bit;
	const char *name;
} reason_names[] = {
	{ TWR_KEYS, "keys" }, { TWR_TOKENS, "tokens" }, { TWR_SUBFLOWS, "subflows" },
	{ TWR_IN_CONN, "in connection" }, { TWR_JOIN, "MP_JOIN token+nonce" }, { TWR_ISN, "ISN" },
	{ TWR_SEQ, "seq range" }, { TWR_TSVAL, "tsval" }, { TWR_TS_RANGE, "tsval range" },
	{ TWR_ADDRS, "addresses" }, { TWR_ADDR_ONE, "one address" }, { TWR_PORTS, "ports" },
	{ TWR_PORT_ONE, "one port" }, { TWR_ISN_DIFF, "different ISN" },
	{ TWR_KEYS_DIFF, "different keys" },
};

char *twocap_reasons_text(uint32_t reasons)
{
	GString *g = g_string_new(NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(reason_names); i++)
		if (reasons & reason_names[i].bit)
			g_string_append_printf(g, "%s%s", g->len ? ", " : "", reason_names[i].name);
	return g_string_free(g, FALSE);
}

/* ------------------------------------------------------------------ TCP scores */

static bool addr_eq(const struct tcp_conn *a, int da, const struct tcp_conn *b, int db)
{
	return a->family == b->family && memcmp(a->addr[da], b->addr[db], a->family == 4 ? 4 : 16) == 0;
}

/* [a, a + la) and [b, b + lb) overlap in sequence space (mod 2^32) */
static bool seq_overlap(uint32_t a, uint32_t la, uint32_t b, uint32_t lb)
{
	return b - a < la || a - b < lb;
}

struct score {
	int score;
	uint32_t reasons;
};

static void add(struct score *s, int points, uint32_t reason)
{
	s->score += points;
	s->reasons |= reason;
}

static void score_endpoints(const struct tcp_conn *a, const struct tcp_conn *b, bool sw, struct score *s)
{
	int addrs = 0, ports = 0;
	for (int d = 0; d < 2; d++) {
		addrs += addr_eq(a, d, b, d ^ sw);
		ports += a->port[d] == b->port[d ^ sw];
	}
	add(s, addrs * SC_ADDR, addrs == 2 ? TWR_ADDRS : addrs ? TWR_ADDR_ONE : 0);
	add(s, ports * SC_PORT, ports == 2 ? TWR_PORTS : ports ? TWR_PORT_ONE : 0);
}

static void score_dir(const struct tcp_dir *a, const struct fp_dir *fa, const struct tcp_dir *b,
                      const struct fp_dir *fb, struct score *s)
{
	if (a->syn && b->syn) {
		if (a->base_seq == b->base_seq)
			add(s, SC_ISN, TWR_ISN);
		else /* port reuse, or a firewall randomising ISNs: against, not conclusive */
			add(s, -SC_ISN / 2, TWR_ISN_DIFF);
	} else if (seq_overlap(a->base_seq, a->next_seq - a->base_seq, b->base_seq, b->next_seq - b->base_seq)) {
		add(s, SC_SEQ, TWR_SEQ);
	}
	if (fa->has_ts && fb->has_ts) {
		if (fa->ts_first == fb->ts_first)
			add(s, SC_TSVAL, TWR_TSVAL);
		else if (seq_overlap(fa->ts_first, fa->ts_span + 1, fb->ts_first, fb->ts_span + 1))
			add(s, SC_TS_RANGE, TWR_TS_RANGE);
	}
}

/* evidence beyond sharing addresses: enough to list a candidate */
static bool is_identified(uint32_t r)
{
	if ((r & TWR_ADDRS) && (r & TWR_PORTS))
		return true;
	if (r & (TWR_ISN | TWR_JOIN))
		return true;
	if ((r & TWR_SEQ) && (r & (TWR_TSVAL | TWR_TS_RANGE | TWR_PORTS | TWR_PORT_ONE)))
		return true;
	return (r & TWR_TSVAL) && (r & (TWR_PORTS | TWR_PORT_ONE));
}

static struct score score_oriented(const struct twocap_ctx *x, uint32_t s1, uint32_t s2, bool sw)
{
	const struct tcp_conn *a = tables_tcp(x->t[0], s1), *b = tables_tcp(x->t[1], s2);
	const struct fp *fa = &x->fp[0][s1], *fb = &x->fp[1][s2];
	struct score s = { 0, 0 };
	score_endpoints(a, b, sw, &s);
	for (int d = 0; d < 2; d++)
		score_dir(&a->dir[d], &fa->d[d], &b->dir[d ^ sw], &fb->d[d ^ sw], &s);
	if (fa->has_join && fb->has_join && fa->join_token == fb->join_token && fa->join_nonce == fb->join_nonce)
		add(&s, SC_JOIN, TWR_JOIN);
	return s;
}

/* the better orientation; false when s2 shows no evidence of being s1 */
static bool score_tcp(const struct twocap_ctx *x, uint32_t s1, uint32_t s2, struct twocap_candidate *out)
{
	struct score same = score_oriented(x, s1, s2, false), rev = score_oriented(x, s1, s2, true);
	bool sw = rev.score > same.score;
	struct score s = sw ? rev : same;
	*out = (struct twocap_candidate){ s2, s.score, s.reasons, sw, 0 };
	return s.score > 0 && is_identified(s.reasons);
}

static int candidate_cmp(const void *a, const void *b)
{
	const struct twocap_candidate *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

GArray *twocap_rank_tcp(struct twocap_ctx *x, uint32_t s1)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(struct twocap_candidate));
	for (uint32_t s2 = 0; s2 < x->t[1]->tcp->len; s2++) {
		struct twocap_candidate c;
		if (score_tcp(x, s1, s2, &c))
			g_array_append_val(out, c);
	}
	g_array_sort(out, candidate_cmp);
	return out;
}

/* ------------------------------------------------------------------ MPTCP scores */

static bool token_known(const struct mptcp_conn *m, int e)
{
	return m->has_key[e] || (m->partial && m->token[e]);
}

static void score_keys(const struct mptcp_conn *a, const struct mptcp_conn *b, struct score *s)
{
	for (int e = 0; e < 2; e++) {
		if (a->has_key[e] && b->has_key[e])
			add(s, a->key[e] == b->key[e] ? SC_KEY : -SC_KEY,
			    a->key[e] == b->key[e] ? TWR_KEYS : TWR_KEYS_DIFF);
		else if (token_known(a, e) && token_known(b, e) && a->token[e] == b->token[e])
			add(s, SC_TOKEN, TWR_TOKENS);
	}
}

/* subflows of m1 with an identified counterpart among m2's subflows */
static uint32_t subflows_found(const struct twocap_ctx *x, const struct mptcp_conn *a,
                               const struct mptcp_conn *b)
{
	uint32_t n = 0;
	for (guint i = 0; i < a->subflows->len; i++) {
		uint32_t s1 = g_array_index(a->subflows, uint32_t, i);
		for (guint j = 0; j < b->subflows->len; j++) {
			struct twocap_candidate c;
			if (score_tcp(x, s1, g_array_index(b->subflows, uint32_t, j), &c)) {
				n++;
				break;
			}
		}
	}
	return n;
}

GArray *twocap_rank_mptcp(struct twocap_ctx *x, uint32_t m1)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(struct twocap_candidate));
	const struct mptcp_conn *a = tables_mptcp(x->t[0], m1);
	for (uint32_t m2 = 0; m2 < x->t[1]->mptcp->len; m2++) {
		const struct mptcp_conn *b = tables_mptcp(x->t[1], m2);
		struct score s = { 0, 0 };
		score_keys(a, b, &s);
		uint32_t n = subflows_found(x, a, b);
		if (n)
			add(&s, (int)n * SC_SUBFLOW, TWR_SUBFLOWS);
		if (s.score <= 0 || !(s.reasons & (TWR_KEYS | TWR_TOKENS | TWR_SUBFLOWS)))
			continue;
		struct twocap_candidate c = { m2, s.score, s.reasons, false, n };
		g_array_append_val(out, c);
	}
	g_array_sort(out, candidate_cmp);
	return out;
}

/* ------------------------------------------------------------------ connections */

static void pair_init(struct twocap_pair *p, uint32_t s1, const struct twocap_candidate *c)
{
	memset(p, 0, sizeof *p);
	p->s1 = s1;
	p->s2 = c ? c->id : NO_ROW;
	p->score = c ? c->score : 0;
	p->reasons = c ? c->reasons : 0;
	p->swapped = c ? c->swapped : false;
	p->more1 = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	p->more2 = g_array_new(FALSE, FALSE, sizeof(uint32_t));
}

/* NAT rewriting ISNs: capture 2's sequence numbers are shifted */
static void pair_seq_delta(const struct twocap_ctx *x, struct twocap_pair *p)
{
	if (p->s1 == NO_ROW || p->s2 == NO_ROW)
		return;
	const struct tcp_conn *a = tables_tcp(x->t[0], p->s1), *b = tables_tcp(x->t[1], p->s2);
	for (int d = 0; d < 2; d++) {
		const struct tcp_dir *da = &a->dir[d], *db = &b->dir[d ^ p->swapped];
		if (da->syn && db->syn)
			p->seq_delta[d] = db->base_seq - da->base_seq;
	}
}

/* same 4-tuple (either way round) */
static bool same_tuple(const struct tcp_conn *a, const struct tcp_conn *b)
{
	for (int sw = 0; sw < 2; sw++)
		if (addr_eq(a, 0, b, sw) && addr_eq(a, 1, b, !sw) && a->port[0] == b->port[sw] &&
		    a->port[1] == b->port[!sw])
			return true;
	return false;
}

/* a SYN with another ISN: a different connection on the same 4-tuple */
static bool isn_conflict(const struct tcp_conn *a, const struct tcp_conn *b)
{
	for (int da = 0; da < 2; da++)
		for (int db = 0; db < 2; db++) {
			bool same_end = addr_eq(a, da, b, db) && a->port[da] == b->port[db];
			if (same_end && a->dir[da].syn && b->dir[db].syn && a->dir[da].base_seq != b->dir[db].base_seq)
				return true;
		}
	return false;
}

static bool used_in(const GArray *pairs, int cap, uint32_t s)
{
	for (guint i = 0; i < pairs->len; i++) {
		const struct twocap_pair *p = &g_array_index(pairs, struct twocap_pair, i);
		if ((cap == 0 ? p->s1 : p->s2) == s)
			return true;
		const GArray *more = cap == 0 ? p->more1 : p->more2;
		for (guint k = 0; k < more->len; k++)
			if (g_array_index(more, uint32_t, k) == s)
				return true;
	}
	return false;
}

/* streams the pairs do not use that hold more packets of a pair's connection:
 * same 4-tuple and no SYN of another connection */
static void attach_pieces(const struct twocap_ctx *x, GArray *pairs, int cap)
{
	const struct tables *t = x->t[cap];
	for (guint i = 0; i < pairs->len; i++) {
		struct twocap_pair *p = &g_array_index(pairs, struct twocap_pair, i);
		uint32_t own = cap == 0 ? p->s1 : p->s2, other = cap == 0 ? p->s2 : p->s1;
		if (own == NO_ROW)
			continue;
		const struct tcp_conn *c = tables_tcp(t, own);
		const struct tcp_conn *peer = other != NO_ROW ? tables_tcp(x->t[!cap], other) : NULL;
		for (uint32_t s = 0; s < t->tcp->len; s++) {
			const struct tcp_conn *e = tables_tcp(t, s);
			if (s == own || !same_tuple(c, e) || isn_conflict(c, e) || (peer && isn_conflict(peer, e)) ||
			    used_in(pairs, cap, s))
				continue;
			g_array_append_val(cap == 0 ? p->more1 : p->more2, s);
		}
	}
}

static struct twocap_conn *conn_new(bool mptcp, uint32_t id1, uint32_t id2)
{
	struct twocap_conn *c = g_new0(struct twocap_conn, 1);
	c->mptcp = mptcp;
	c->id1 = id1;
	c->id2 = id2;
	c->pairs = g_array_new(FALSE, FALSE, sizeof(struct twocap_pair));
	return c;
}

void twocap_conn_free(struct twocap_conn *c)
{
	if (!c)
		return;
	for (guint i = 0; i < c->pairs->len; i++) {
		struct twocap_pair *p = &g_array_index(c->pairs, struct twocap_pair, i);
		g_array_unref(p->more1);
		g_array_unref(p->more2);
	}
	g_array_unref(c->pairs);
	g_free(c);
}

/* picks `want` (NO_ROW: the best) among ranked candidates; NULL with a message */
static const struct twocap_candidate *pick(const GArray *cands, uint32_t want, const char *what,
                                           uint32_t id1, GError **err)
{
	if (cands->len == 0) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE,
		            "no %s of the second capture looks like %s %u of the first", what, what, id1);
		return NULL;
	}
	const struct twocap_candidate *best = &g_array_index(cands, struct twocap_candidate, 0);
	if (want == NO_ROW)
		return best;
	for (guint i = 0; i < cands->len; i++)
		if (g_array_index(cands, struct twocap_candidate, i).id == want)
			return &g_array_index(cands, struct twocap_candidate, i);
	g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE,
	            "%s %u of the second capture shows no sign of being %s %u of the first "
	            "(best candidate: %s %u)", what, want, what, id1, what, best->id);
	return NULL;
}

struct twocap_conn *twocap_map_tcp(struct twocap_ctx *x, uint32_t s1, uint32_t s2, GError **err)
{
	GArray *cands = twocap_rank_tcp(x, s1);
	const struct twocap_candidate *c = pick(cands, s2, "tcp.stream", s1, err);
	struct twocap_conn *conn = NULL;
	if (c) {
		conn = conn_new(false, s1, c->id);
		conn->score = c->score;
		conn->reasons = c->reasons;
		struct twocap_pair p;
		pair_init(&p, s1, c);
		pair_seq_delta(x, &p);
		g_array_append_val(conn->pairs, p);
		attach_pieces(x, conn->pairs, 0);
		attach_pieces(x, conn->pairs, 1);
	}
	g_array_unref(cands);
	return conn;
}

/* ------------------------------------------------------------------ subflows */

struct sf_cand {
	uint32_t i;                  /* index in m1's subflows */
	struct twocap_candidate c;
};

static int sf_cand_cmp(const void *a, const void *b)
{
	const struct sf_cand *x = a, *y = b;
	if (x->c.score != y->c.score)
		return x->c.score > y->c.score ? -1 : 1;
	if (x->i != y->i)
		return x->i < y->i ? -1 : 1;
	return (x->c.id > y->c.id) - (x->c.id < y->c.id);
}

/* a stream of capture 2 that belongs to another connection whose keys say it is not ours */
static bool other_connection(const struct twocap_ctx *x, const struct mptcp_conn *a, uint32_t s2)
{
	uint32_t m = tables_tcp(x->t[1], s2)->mptcp;
	if (m == NO_ROW)
		return false;
	struct score s = { 0, 0 };
	score_keys(a, tables_mptcp(x->t[1], m), &s);
	return (s.reasons & TWR_KEYS_DIFF) != 0;
}

static bool in_subflows(const struct mptcp_conn *m, uint32_t s)
{
	for (guint i = 0; m && i < m->subflows->len; i++)
		if (g_array_index(m->subflows, uint32_t, i) == s)
			return true;
	return false;
}

/* every (subflow of m1, stream of capture 2) with evidence, best first */
static GArray *subflow_candidates(const struct twocap_ctx *x, const struct mptcp_conn *a,
                                  const struct mptcp_conn *b)
{
	GArray *all = g_array_new(FALSE, FALSE, sizeof(struct sf_cand));
	for (guint i = 0; i < a->subflows->len; i++) {
		uint32_t s1 = g_array_index(a->subflows, uint32_t, i);
		for (uint32_t s2 = 0; s2 < x->t[1]->tcp->len; s2++) {
			struct sf_cand sc = { i, { 0 } };
			if (!score_tcp(x, s1, s2, &sc.c) || other_connection(x, a, s2))
				continue;
			if (in_subflows(b, s2)) {
				sc.c.score += SC_IN_CONN;
				sc.c.reasons |= TWR_IN_CONN;
			}
			g_array_append_val(all, sc);
		}
	}
	g_array_sort(all, sf_cand_cmp);
	return all;
}

/* greedy assignment, best scores first, each stream used once */
static void assign_subflows(const struct twocap_ctx *x, const struct mptcp_conn *a,
                            const struct mptcp_conn *b, GArray *pairs)
{
	guint n = a->subflows->len;
	struct twocap_candidate *chosen = g_new0(struct twocap_candidate, n ? n : 1);
	bool *done = g_new0(bool, n ? n : 1);
	GHashTable *taken = g_hash_table_new(NULL, NULL);
	GArray *all = subflow_candidates(x, a, b);
	for (guint k = 0; k < all->len; k++) {
		const struct sf_cand *sc = &g_array_index(all, struct sf_cand, k);
		if (done[sc->i] || g_hash_table_contains(taken, GUINT_TO_POINTER(sc->c.id + 1)))
			continue;
		done[sc->i] = true;
		chosen[sc->i] = sc->c;
		g_hash_table_add(taken, GUINT_TO_POINTER(sc->c.id + 1));
	}
	for (guint i = 0; i < n; i++) {
		struct twocap_pair p;
		pair_init(&p, g_array_index(a->subflows, uint32_t, i), done[i] ? &chosen[i] : NULL);
		pair_seq_delta(x, &p);
		g_array_append_val(pairs, p);
	}
	for (guint j = 0; b && j < b->subflows->len; j++) {
		uint32_t s2 = g_array_index(b->subflows, uint32_t, j);
		if (g_hash_table_contains(taken, GUINT_TO_POINTER(s2 + 1)))
			continue;
		struct twocap_candidate c = { s2, 0, 0, false, 0 };
		struct twocap_pair p;
		pair_init(&p, NO_ROW, &c);
		g_array_append_val(pairs, p);
	}
	g_array_unref(all);
	g_hash_table_destroy(taken);
	g_free(chosen);
	g_free(done);
}

struct twocap_conn *twocap_map_mptcp(struct twocap_ctx *x, uint32_t m1, uint32_t m2, GError **err)
{
	GArray *cands = twocap_rank_mptcp(x, m1);
	const struct twocap_candidate *c = pick(cands, m2, "mptcp.stream", m1, err);
	struct twocap_conn *conn = NULL;
	if (c) {
		conn = conn_new(true, m1, c->id);
		conn->score = c->score;
		conn->reasons = c->reasons;
		assign_subflows(x, tables_mptcp(x->t[0], m1), tables_mptcp(x->t[1], c->id), conn->pairs);
		attach_pieces(x, conn->pairs, 0);
		attach_pieces(x, conn->pairs, 1);
	}
	g_array_unref(cands);
	return conn;
}
