/* test_twocap.c - two captures of the same traffic (src/twocap/): connection
 * and subflow mapping against a truth derived here from 4-tuples and ISNs,
 * one-way delays and the clock offset (also with capture 2's clock moved on
 * purpose), packets lost between the capture points against the sender's
 * retransmissions, and reinjection verdicts.  Uses ../shared/captures (skips
 * without it) and the project's examples/. */
#include <glib.h>
#include "test_common.h"
#include <string.h>
#include "table/load.h"
#include "twocap/twocap.h"

static char *shared_dir;
static const char *source_root;

/* both captures of a shared pair, or NULL (test skipped) */
static bool load_pair(const char *rel1, const char *rel2, struct tables **t1, struct tables **t2)
{
	if (!shared_dir) {
		g_test_skip("../shared is absent");
		return false;
	}
	char *p1 = g_build_filename(shared_dir, "captures", rel1, NULL);
	char *p2 = g_build_filename(shared_dir, "captures", rel2, NULL);
	*t1 = test_load(p1);
	*t2 = test_load(p2);
	g_free(p1);
	g_free(p2);
	return true;
}

/* ------------------------------------------------------------------ truth */

static bool same_end(const struct tcp_conn *a, int da, const struct tcp_conn *b, int db)
{
	return a->family == b->family && a->port[da] == b->port[db] &&
	       memcmp(a->addr[da], b->addr[db], a->family == 4 ? 4 : 16) == 0;
}

/* The stream of t2 that is stream s1 of t1, found without src/twocap: same
 * 4-tuple and, for the SYN sender, the same ISN; NO_ROW when none. */
static uint32_t truth_stream(const struct tables *t1, uint32_t s1, const struct tables *t2)
{
	const struct tcp_conn *a = tables_tcp(t1, s1);
	int cl = a->client;
	for (uint32_t s2 = 0; s2 < t2->tcp->len; s2++) {
		const struct tcp_conn *b = tables_tcp(t2, s2);
		for (int db = 0; db < 2; db++)
			if (same_end(a, cl, b, db) && same_end(a, !cl, b, !db) && a->dir[cl].syn && b->dir[db].syn &&
			    a->dir[cl].base_seq == b->dir[db].base_seq)
				return s2;
	}
	return NO_ROW;
}

/* ------------------------------------------------------------------ mapping */

/* client_2/server_2: 4 MPTCP connections of 4 subflows each; tshark numbers
 * the streams differently on the two sides; one client subflow (a lone SYN,
 * tcp.stream 7) never reached the server. */
static void test_v0_mapping(void)
{
	struct tables *t1, *t2;
	if (!load_pair("v0/client_2.pcap", "v0/server_2.pcap", &t1, &t2))
		return;
	struct twocap_ctx *x = twocap_ctx_new(t1, t2);
	g_assert_cmpuint(t1->mptcp->len, ==, 4);
	guint mapped = 0, absent = 0, renumbered = 0;
	for (uint32_t m1 = 0; m1 < t1->mptcp->len; m1++) {
		const struct mptcp_conn *m = tables_mptcp(t1, m1);
		uint32_t first = truth_stream(t1, m->first_stream, t2);
		g_assert_cmpuint(first, !=, NO_ROW);
		uint32_t want_conn = tables_tcp(t2, first)->mptcp;
		GArray *cands = twocap_rank_mptcp(x, m1);
		g_assert_cmpuint(cands->len, >=, 1);
		g_assert_cmpuint(g_array_index(cands, struct twocap_candidate, 0).id, ==, want_conn);
		g_assert_true(g_array_index(cands, struct twocap_candidate, 0).reasons & TWR_KEYS);
		g_array_unref(cands);

		GError *err = NULL;
		struct twocap_conn *c = twocap_map_mptcp(x, m1, NO_ROW, &err);
		g_assert_no_error(err);
		g_assert_cmpuint(c->id2, ==, want_conn);
		for (guint i = 0; i < m->subflows->len; i++) {
			uint32_t s1 = g_array_index(m->subflows, uint32_t, i);
			const struct twocap_pair *p = &g_array_index(c->pairs, struct twocap_pair, i);
			uint32_t want = truth_stream(t1, s1, t2);
			g_assert_cmpuint(p->s1, ==, s1);
			g_assert_cmpuint(p->s2, ==, want);
			if (want == NO_ROW) {
				absent++;
				continue;
			}
			mapped++;
			renumbered += want != s1;
			GArray *tc = twocap_rank_tcp(x, s1);
			g_assert_cmpuint(tc->len, >=, 1);
			g_assert_cmpuint(g_array_index(tc, struct twocap_candidate, 0).id, ==, want);
			g_array_unref(tc);
		}
		twocap_conn_free(c);
	}
	g_test_message("client_2 -> server_2: %u subflows mapped (%u renumbered), %u not at the server",
	               mapped, renumbered, absent);
	g_assert_cmpuint(mapped, ==, 15);
	g_assert_cmpuint(absent, ==, 1);
	g_assert_cmpuint(renumbered, >=, 8);

	/* client tcp.stream 1 is server tcp.stream 5 plus the packets the server
	 * put in tcp.stream 2 (before the retransmitted MP_JOIN SYN) */
	struct twocap_conn *c = twocap_map_mptcp(x, 0, NO_ROW, NULL);
	const struct twocap_pair *p = &g_array_index(c->pairs, struct twocap_pair, 1);
	g_assert_cmpuint(p->s2, ==, 5);
	g_assert_cmpuint(p->more2->len, ==, 1);
	g_assert_cmpuint(g_array_index(p->more2, uint32_t, 0), ==, 2);
	twocap_conn_free(c);

	/* a connection that is not it: a clear error naming the best candidate */
	GError *err = NULL;
	g_assert_null(twocap_map_mptcp(x, 1, 0, &err));
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "best candidate: mptcp.stream 2"));
	g_clear_error(&err);
	twocap_ctx_free(x);
	tables_free(t1);
	tables_free(t2);
}

/* plain TCP: client_1_tcp_only/server_1_tcp_only */
static void test_v0_tcp_only(void)
{
	struct tables *t1, *t2;
	if (!load_pair("v0/client_1_tcp_only.pcap", "v0/server_1_tcp_only.pcap", &t1, &t2))
		return;
	struct twocap_ctx *x = twocap_ctx_new(t1, t2);
	g_assert_cmpuint(t1->tcp->len, ==, 4);
	for (uint32_t s1 = 0; s1 < t1->tcp->len; s1++) {
		uint32_t want = truth_stream(t1, s1, t2);
		g_assert_cmpuint(want, !=, NO_ROW);
		struct twocap_conn *c = twocap_map_tcp(x, s1, NO_ROW, NULL);
		g_assert_nonnull(c);
		g_assert_cmpuint(c->id2, ==, want);
		struct twocap *a = twocap_analyze(t1, t2, c, false);
		GArray *owds = twocap_owds(a);
		g_assert_cmpuint(owds->len, >, 0);
		for (guint i = 0; i < owds->len; i++)
			g_assert_cmpint(g_array_index(owds, struct twocap_owd, i).owd_ns, >=, 0);
		g_array_unref(owds);
		twocap_free(a);
		twocap_conn_free(c);
	}
	twocap_ctx_free(x);
	tables_free(t1);
	tables_free(t2);
}

/* A NAT between the capture points: capture 2 sees the client's end of
 * basic's first subflow with another address and port, and its sequence
 * numbers (and the acks of them) shifted.  Still mapped, every packet paired. */
static void test_nat(void)
{
	struct tables *t1, *t2;
	if (!load_pair("v1/basic-client.pcap", "v1/basic-server.pcap", &t1, &t2))
		return;
	const uint32_t shift = 0x12345678;
	struct tcp_conn *c = tables_tcp(t2, 0);
	int cl = c->client;
	c->addr[cl][3] ^= 0x55;
	c->port[cl] = 40000;
	c->dir[cl].base_seq += shift;
	c->dir[cl].next_seq += shift;
	for (guint r = 0; r < t2->packets->len; r++) {
		struct pkt *p = tables_pkt(t2, r);
		if (p->stream != 0)
			continue;
		if (pkt_dir(p) == cl)
			p->seq += shift;
		else if (p->flags & TCPF_ACK)
			p->ack += shift;
	}
	struct twocap_ctx *x = twocap_ctx_new(t1, t2);
	GArray *cands = twocap_rank_tcp(x, 0);
	g_assert_cmpuint(cands->len, ==, 1);
	const struct twocap_candidate *best = &g_array_index(cands, struct twocap_candidate, 0);
	g_assert_cmpuint(best->id, ==, 0);
	g_assert_true(best->reasons & TWR_ISN_DIFF);
	g_assert_false(best->reasons & TWR_ADDRS);
	g_array_unref(cands);
	struct twocap_conn *conn = twocap_map_mptcp(x, 0, NO_ROW, NULL);
	g_assert_nonnull(conn);
	const struct twocap_pair *p = &g_array_index(conn->pairs, struct twocap_pair, 0);
	g_assert_cmpuint(p->s2, ==, 0);
	g_assert_cmpuint(p->seq_delta[cl], ==, shift);
	g_assert_cmpuint(p->seq_delta[!cl], ==, 0);
	struct twocap *a = twocap_analyze(t1, t2, conn, false);
	for (int cap = 0; cap < 2; cap++)
		for (guint r = 0; r < a->t[cap]->packets->len; r++)
			g_assert_cmpuint(a->rows[cap][r].fate, ==, TWF_MATCHED);
	twocap_free(a);
	twocap_conn_free(conn);
	twocap_ctx_free(x);
	tables_free(t1);
	tables_free(t2);
}

/* ------------------------------------------------------------------ delays */

static int i64_cmp(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

static void move_clock(struct tables *t, int64_t ns)
{
	for (guint i = 0; i < t->packets->len; i++)
		g_array_index(t->packets, struct pkt, i).ts_ns += ns;
	t->first_ns += ns;
}

/* Delays after the correction are never negative and small; moving capture
 * 2's clock by 50 ms moves the estimated offset by exactly that and leaves
 * the corrected delays as they were (raw ones then go negative one way). */
static void test_v0_owd(void)
{
	struct tables *t1, *t2;
	if (!load_pair("v0/client_2.pcap", "v0/server_2.pcap", &t1, &t2))
		return;
	const int64_t shift = 50 * 1000 * 1000;
	for (uint32_t m1 = 0; m1 < t1->mptcp->len; m1++) {
		struct twocap_ctx *x = twocap_ctx_new(t1, t2);
		struct twocap_conn *c = twocap_map_mptcp(x, m1, NO_ROW, NULL);
		struct twocap *a = twocap_analyze(t1, t2, c, false);
		g_assert_true(a->has_offset);
		g_assert_cmpint(a->upstream[0], ==, 0); /* capture 1 is the client's */
		g_assert_cmpint(a->upstream[1], ==, 1);
		GArray *owds = twocap_owds(a);
		GArray *v = g_array_new(FALSE, FALSE, sizeof(int64_t));
		for (guint i = 0; i < owds->len; i++)
			g_array_append_val(v, g_array_index(owds, struct twocap_owd, i).owd_ns);
		g_array_sort(v, i64_cmp);
		int64_t lo = g_array_index(v, int64_t, 0), med = g_array_index(v, int64_t, v->len / 2);
		int64_t hi = g_array_index(v, int64_t, v->len - 1);
		g_test_message("mptcp.stream %u: offset %+.3f ms, %u delays, min %.3f median %.3f max %.3f ms", m1,
		               a->offset_ns / 1e6, v->len, lo / 1e6, med / 1e6, hi / 1e6);
		g_assert_cmpint(lo, >=, 0);
		g_assert_cmpint(med, <, 100 * 1000 * 1000);
		g_assert_cmpint(hi, <, 1000 * 1000 * 1000);
		g_assert_cmpint(a->offset_ns, >, -1000 * 1000);
		g_assert_cmpint(a->offset_ns, <, 1000 * 1000);

		/* the same with capture 2's clock 50 ms ahead */
		int64_t before = a->offset_ns;
		move_clock(t2, shift);
		struct twocap *b = twocap_analyze(t1, t2, c, false);
		g_assert_cmpint(b->offset_ns - before, >=, shift - 1);
		g_assert_cmpint(b->offset_ns - before, <=, shift + 1);
		GArray *owds2 = twocap_owds(b);
		g_assert_cmpuint(owds2->len, ==, owds->len);
		for (guint i = 0; i < owds->len; i++) {
			int64_t d1 = g_array_index(owds, struct twocap_owd, i).owd_ns;
			int64_t d2 = g_array_index(owds2, struct twocap_owd, i).owd_ns;
			g_assert_cmpint(d2 - d1, >=, -1);
			g_assert_cmpint(d2 - d1, <=, 1);
		}
		struct twocap *raw = twocap_analyze(t1, t2, c, true);
		GArray *owds3 = twocap_owds(raw);
		int64_t raw_min_rev = INT64_MAX;
		for (guint i = 0; i < owds3->len; i++) {
			const struct twocap_owd *o = &g_array_index(owds3, struct twocap_owd, i);
			if (o->up == 1 && o->owd_ns < raw_min_rev)
				raw_min_rev = o->owd_ns;
		}
		g_assert_cmpint(raw_min_rev, <, 0);
		move_clock(t2, -shift);

		g_array_unref(owds3);
		g_array_unref(owds2);
		g_array_unref(owds);
		g_array_unref(v);
		twocap_free(raw);
		twocap_free(b);
		twocap_free(a);
		twocap_conn_free(c);
		twocap_ctx_free(x);
	}
	tables_free(t1);
	tables_free(t2);
}

/* ------------------------------------------------------------------ losses */

/* Another packet of the sender that went through carries bytes of the lost
 * packet `row`: a retransmission on the same stream and direction or, by
 * DSN, a copy on another subflow.  It may come before the lost packet: an RTO
 * retransmission on a dead path repeats data already reinjected elsewhere. */
static bool delivered_elsewhere(const struct twocap *a, int cap, uint32_t row)
{
	const struct tables *t = a->t[cap];
	const struct pkt *p = tables_pkt(t, row);
	const struct tcp_conn *c = tables_tcp(t, p->stream);
	for (uint32_t r = 0; r < t->packets->len; r++) {
		const struct pkt *q = tables_pkt(t, r);
		uint8_t fate = a->rows[cap][r].fate;
		if (r == row || pkt_tcplen(t, q) == 0 || (fate != TWF_MATCHED && fate != TWF_COVERED))
			continue;
		if (q->stream == p->stream && pkt_dir(q) == pkt_dir(p) &&
		    ((uint32_t)(q->seq - p->seq) < pkt_tcplen(t, p) || (uint32_t)(p->seq - q->seq) < pkt_tcplen(t, q)))
			return true;
		if (c->mptcp != NO_ROW && tables_tcp(t, q->stream)->mptcp == c->mptcp && (p->marks & PF_HAS_DSN) &&
		    (q->marks & PF_HAS_DSN) && pkt_dsn(t, q) < pkt_dsn(t, p) + pkt_tcplen(t, p) &&
		    pkt_dsn(t, p) < pkt_dsn(t, q) + pkt_tcplen(t, q))
			return true;
	}
	return false;
}

struct loss_count {
	guint lost, lost_data, unseen, matched, covered;
};

/* every data packet lost between the capture points was sent again, and that
 * copy went through */
static struct loss_count check_losses(const struct twocap *a)
{
	struct loss_count n = { 0 };
	for (int cap = 0; cap < 2; cap++)
		for (uint32_t r = 0; r < a->t[cap]->packets->len; r++) {
			const struct twocap_row *w = &a->rows[cap][r];
			if (w->fate == TWF_MATCHED)
				n.matched++;
			else if (w->fate == TWF_COVERED)
				n.covered++;
			if (w->fate != TWF_MISSING)
				continue;
			if (a->upstream[w->dest] != cap) {
				n.unseen++;
				continue;
			}
			n.lost++;
			if (pkt_tcplen(a->t[cap], tables_pkt(a->t[cap], r)) == 0)
				continue;
			n.lost_data++;
			if (!delivered_elsewhere(a, cap, r))
				g_error("frame %u of %s: lost and its data never went through", tables_pkt(a->t[cap], r)->frame,
				        a->t[cap]->path);
		}
	return n;
}

/* the reinjections seen at their sender's side, counted from the marks */
static guint count_reinjections(const struct twocap *a)
{
	guint n = 0;
	for (int cap = 0; cap < 2; cap++)
		for (uint32_t r = 0; r < a->t[cap]->packets->len; r++) {
			const struct twocap_row *w = &a->rows[cap][r];
			if (w->fate != TWF_NONE && a->upstream[w->dest] == cap &&
			    (tables_pkt(a->t[cap], r)->marks & PF_REINJECTION))
				n++;
		}
	return n;
}

struct verdicts {
	guint n[3], total;
};

static struct verdicts check_reinjections(const struct twocap *a)
{
	GArray *q = twocap_reinjections(a);
	struct verdicts v = { { 0, 0, 0 }, q->len };
	for (guint i = 0; i < q->len; i++) {
		const struct twocap_reinj *r = &g_array_index(q, struct twocap_reinj, i);
		v.n[r->verdict]++;
		const struct twocap_row *w = &a->rows[r->cap][r->row];
		switch (r->verdict) {
		case TWQ_FAILED:
			g_assert_cmpint(r->arrived_ns, ==, TWOCAP_NO_TIME);
			g_assert_cmpuint(w->fate, ==, TWF_MISSING);
			break;
		case TWQ_USEFUL:
			g_assert_cmpint(r->arrived_ns, !=, TWOCAP_NO_TIME);
			g_assert_true(r->other_arrived_ns == TWOCAP_NO_TIME || r->arrived_ns < r->other_arrived_ns);
			break;
		default:
			g_assert_cmpint(r->other_arrived_ns, !=, TWOCAP_NO_TIME);
			g_assert_cmpint(r->arrived_ns, >=, r->other_arrived_ns);
		}
		g_assert_cmpint(r->arrived_ns == TWOCAP_NO_TIME || r->arrived_ns >= r->sent_ns, ==, TRUE);
	}
	g_array_unref(q);
	g_assert_cmpuint(v.n[0] + v.n[1] + v.n[2], ==, v.total);
	g_assert_cmpuint(v.total, ==, count_reinjections(a));
	return v;
}

static void run_pair(const char *p1, const char *p2, struct loss_count *lc, struct verdicts *vd)
{
	struct tables *t1 = test_load(p1), *t2 = test_load(p2);
	struct twocap_ctx *x = twocap_ctx_new(t1, t2);
	GError *err = NULL;
	struct twocap_conn *c = twocap_map_mptcp(x, 0, NO_ROW, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(c->id2, ==, 0);
	struct twocap *a = twocap_analyze(t1, t2, c, false);
	g_assert_true(a->upstream_known);
	g_assert_cmpint(a->upstream[0], ==, 0);
	*lc = check_losses(a);
	*vd = check_reinjections(a);
	g_test_message("%s: offset %+.3f ms, %u matched, %u split, %u lost (%u data), %u only downstream; "
	               "%u reinjections: %u useful, %u redundant, %u failed",
	               p1, a->offset_ns / 1e6, lc->matched, lc->covered, lc->lost, lc->lost_data, lc->unseen,
	               vd->total, vd->n[TWQ_USEFUL], vd->n[TWQ_REDUNDANT], vd->n[TWQ_FAILED]);
	twocap_free(a);
	twocap_conn_free(c);
	twocap_ctx_free(x);
	tables_free(t1);
	tables_free(t2);
}

/* Packets lost between the capture points.  Where segments are MTU-sized the
 * counts were checked apart from this code by pairing the tshark tables
 * beside the captures on (4-tuple, raw seq and ack, length, flags, tsval):
 * the same, leaving out 2 ICMP errors quoting TCP in backup-server.  bidir and
 * anyif (GSO/GRO) can only be checked by the data going through elsewhere. */
static const struct {
	const char *name;
	int lost, lost_data;        /* -1: GSO, not counted apart */
	int reinjections;           /* -1: any */
	int useful, redundant, failed;
} scenarios[] = {
	{ "basic", 0, 0, 0, 0, 0, 0 },
	{ "lossy", 73, 30, -1, 0, 0, 0 },
	{ "failover", 51, 12, 5, 5, 0, 0 }, /* 5 reinjections at the client, as tshark says */
	{ "backup", 73, 7, -1, 0, 0, 0 },
	{ "bidir", -1, -1, -1, 0, 0, 0 },
	{ "anyif", -1, -1, 0, 0, 0, 0 },
	{ "ipv6", 6, 6, 0, 0, 0, 0 },
	{ "mpfail", 12, 12, -1, 0, 0, 0 },
};

static void test_v1_losses(void)
{
	if (!shared_dir) {
		g_test_skip("../shared is absent");
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(scenarios); i++) {
		char *c1 = g_strdup_printf("%s/captures/v1/%s-client.pcap", shared_dir, scenarios[i].name);
		char *c2 = g_strdup_printf("%s/captures/v1/%s-server.pcap", shared_dir, scenarios[i].name);
		struct loss_count lc;
		struct verdicts vd;
		run_pair(c1, c2, &lc, &vd);
		g_assert_cmpuint(lc.unseen, ==, 0);
		if (scenarios[i].lost >= 0) {
			g_assert_cmpuint(lc.lost, ==, (guint)scenarios[i].lost);
			g_assert_cmpuint(lc.lost_data, ==, (guint)scenarios[i].lost_data);
			g_assert_cmpuint(lc.covered, ==, 0);
		} else {
			g_assert_cmpuint(lc.covered, >, 0); /* GSO packets paired by byte range */
		}
		if (scenarios[i].reinjections >= 0) {
			g_assert_cmpuint(vd.total, ==, (guint)scenarios[i].reinjections);
			g_assert_cmpuint(vd.n[TWQ_USEFUL], ==, (guint)scenarios[i].useful);
			g_assert_cmpuint(vd.n[TWQ_REDUNDANT], ==, (guint)scenarios[i].redundant);
			g_assert_cmpuint(vd.n[TWQ_FAILED], ==, (guint)scenarios[i].failed);
		} else {
			g_assert_cmpuint(vd.total, >, 0);
		}
		g_free(c1);
		g_free(c2);
	}
}

static void test_examples(void)
{
	char *c1 = g_build_filename(source_root, "examples", "lossy-client.pcap", NULL);
	char *c2 = g_build_filename(source_root, "examples", "lossy-server.pcap", NULL);
	if (!g_file_test(c1, G_FILE_TEST_EXISTS) || !g_file_test(c2, G_FILE_TEST_EXISTS)) {
		g_test_skip("examples/lossy-*.pcap are absent");
	} else {
		struct loss_count lc;
		struct verdicts vd;
		run_pair(c1, c2, &lc, &vd);
		g_assert_cmpuint(lc.lost_data, >, 0);
		g_assert_cmpuint(vd.total, >, 0);
	}
	g_free(c1);
	g_free(c2);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	const char *src = test_source_root();
	source_root = src;
	shared_dir = test_shared_dir();
	g_test_add_func("/twocap/v0/mapping", test_v0_mapping);
	g_test_add_func("/twocap/v0/tcp-only", test_v0_tcp_only);
	g_test_add_func("/twocap/v0/owd", test_v0_owd);
	g_test_add_func("/twocap/v1/nat", test_nat);
	g_test_add_func("/twocap/v1/losses", test_v1_losses);
	g_test_add_func("/twocap/examples/lossy", test_examples);
	return g_test_run();
}
