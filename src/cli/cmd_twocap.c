/* cmd_twocap.c - commands over two captures of the same traffic (one near
 * each end): map_tcp_connection, map_mptcp_connection, print_owds,
 * summary_extended and qualify_reinjections.  They load both captures
 * themselves (through the cache, like load_pcap) and leave the session's
 * loaded capture alone; the analysis is src/twocap/. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "cli/builtins.h"
#include "cli/output.h"
#include "cli/session.h"
#include "export/export.h"
#include "track/tcp_tracker.h"
#include "twocap/twocap.h"

/* ------------------------------------------------------------------ loading */

/* both captures, their mapping and (once analysed) the packet pairing */
struct two {
	struct tables *t[2];
	const char *name[2];     /* file names without folders */
	struct twocap_ctx *ctx;
	struct twocap_conn *conn;
	struct twocap *a;
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* loads through the cache as load_pcap does, without touching s->t */
static struct tables *load_one(struct session *s, const char *path)
{
	struct session tmp;
	session_init(&tmp);
	tmp.cfg = s->cfg;        /* borrowed: tmp is not freed with session_free */
	tmp.regen = s->regen;
	tmp.debug = s->debug;
	GError *err = NULL;
	if (!session_load(&tmp, path, &err)) {
		cmd_fail_error(s, err);
		return NULL;
	}
	return tmp.t;
}

static void two_free(struct two *w)
{
	twocap_free(w->a);
	twocap_conn_free(w->conn);
	twocap_ctx_free(w->ctx);
	tables_free(w->t[0]);
	tables_free(w->t[1]);
	memset(w, 0, sizeof *w);
}

static bool two_load(struct session *s, const char *p1, const char *p2, struct two *w)
{
	memset(w, 0, sizeof *w);
	if (!(w->t[0] = load_one(s, p1)) || !(w->t[1] = load_one(s, p2))) {
		two_free(w);
		return false;
	}
	w->name[0] = base_name(p1);
	w->name[1] = base_name(p2);
	w->ctx = twocap_ctx_new(w->t[0], w->t[1]);
	return true;
}

/* a tcp.stream / mptcp.stream id of capture `cap` */
static bool parse_id(struct session *s, const struct two *w, int cap, const char *arg, bool mptcp,
                     uint32_t *out)
{
	const struct tables *t = w->t[cap];
	guint count = mptcp ? t->mptcp->len : t->tcp->len;
	const char *what = mptcp ? "mptcp.stream" : "tcp.stream";
	char *end;
	guint64 v = g_ascii_strtoull(arg, &end, 10);
	if (*arg && g_ascii_isdigit(*arg) && !*end && v < count) {
		*out = (uint32_t)v;
		return true;
	}
	if (count == 0)
		cmd_fail(s, "%s has no %s connection%s", w->name[cap], mptcp ? "MPTCP" : "TCP",
		         mptcp && cmd_option_find(s->args->cmd, "tcp") ? " (plain TCP: --tcp and tcp.stream ids)" : "");
	else
		cmd_fail(s, "no %s '%s' in %s (valid: 0-%u)", what, arg, w->name[cap], count - 1);
	return false;
}

/* CAP1 S1 CAP2 S2: loads, maps and pairs the packets */
static bool two_analyze(struct session *s, char **argv, struct two *w)
{
	bool tcp = cmd_flag(s, "tcp");
	if (!two_load(s, argv[1], argv[3], w))
		return false;
	uint32_t id1, id2;
	GError *err = NULL;
	if (!parse_id(s, w, 0, argv[2], !tcp, &id1) || !parse_id(s, w, 1, argv[4], !tcp, &id2) ||
	    !(w->conn = tcp ? twocap_map_tcp(w->ctx, id1, id2, &err) : twocap_map_mptcp(w->ctx, id1, id2, &err))) {
		if (err)
			cmd_fail_error(s, err);
		two_free(w);
		return false;
	}
	w->a = twocap_analyze(w->t[0], w->t[1], w->conn, cmd_flag(s, "raw-clock"));
	return true;
}

/* ------------------------------------------------------------------ text helpers */

static char *flow_text(const struct tables *t, uint32_t stream)
{
	const struct tcp_conn *c = tables_tcp(t, stream);
	int cl = c->mptcp != NO_ROW ? c->mptcp_client : c->client;
	char *a = out_endpoint(c->family, c->addr[cl], c->port[cl]);
	char *b = out_endpoint(c->family, c->addr[!cl], c->port[!cl]);
	char *r = g_strdup_printf("%s -> %s", a, b);
	g_free(a);
	g_free(b);
	return r;
}

static char *stream_list(const GArray *more)
{
	GString *g = g_string_new(NULL);
	for (guint i = 0; i < more->len; i++)
		g_string_append_printf(g, "%s%u", i ? "," : "", g_array_index(more, uint32_t, i));
	return g_string_free(g, FALSE);
}

/* "3 -> 5 (+2)": the streams of a pair */
static char *pair_text(const struct twocap_pair *p)
{
	GString *g = g_string_new(NULL);
	if (p->s1 == NO_ROW)
		g_string_append(g, "-");
	else
		g_string_append_printf(g, "%u", p->s1);
	if (p->more1->len) {
		char *m = stream_list(p->more1);
		g_string_append_printf(g, " (+%s)", m);
		g_free(m);
	}
	if (p->s2 == NO_ROW)
		g_string_append(g, " -> -");
	else
		g_string_append_printf(g, " -> %u", p->s2);
	if (p->more2->len) {
		char *m = stream_list(p->more2);
		g_string_append_printf(g, " (+%s)", m);
		g_free(m);
	}
	return g_string_free(g, FALSE);
}

static const struct twocap_pair *pair_at(const struct two *w, guint i)
{
	return &g_array_index(w->conn->pairs, struct twocap_pair, i);
}

/* seconds since capture 1's first frame, on capture 1's clock */
static double rel_s(const struct two *w, int64_t ns)
{
	return out_seconds(ns - w->t[0]->first_ns);
}

static char *time_text(const struct two *w, int64_t ns)
{
	return ns == TWOCAP_NO_TIME ? g_strdup("-") : g_strdup_printf("%.6f", rel_s(w, ns));
}

static char *ms_text(double ns)
{
	return g_strdup_printf("%.3f", ns / 1e6);
}

static void json_time(JsonBuilder *b, const struct two *w, const char *name, int64_t ns)
{
	json_builder_set_member_name(b, name);
	if (ns == TWOCAP_NO_TIME)
		json_builder_add_null_value(b);
	else
		json_builder_add_double_value(b, rel_s(w, ns));
}

static JsonBuilder *json_begin(struct session *s, const char *cmd, const char *const *paths)
{
	JsonBuilder *b = out_json_begin(s, cmd);
	out_json_string(b, "capture1", paths[0]);
	out_json_string(b, "capture2", paths[1]);
	return b;
}

static int json_end(JsonBuilder *b)
{
	json_builder_end_object(b);
	out_json_print(b);
	g_object_unref(b);
	return 0;
}

static void json_stream_list(JsonBuilder *b, const char *name, const GArray *more)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < more->len; i++)
		json_builder_add_int_value(b, g_array_index(more, uint32_t, i));
	json_builder_end_array(b);
}

static void json_pair(JsonBuilder *b, const struct twocap_pair *p)
{
	json_builder_begin_object(b);
	out_json_uint(b, "tcpstream1", p->s1 == NO_ROW ? NO_VALUE : p->s1);
	out_json_uint(b, "tcpstream2", p->s2 == NO_ROW ? NO_VALUE : p->s2);
	out_json_int(b, "score", p->score);
	char *why = twocap_reasons_text(p->reasons);
	out_json_string(b, "evidence", why);
	g_free(why);
	out_json_bool(b, "swapped", p->swapped);
	json_stream_list(b, "more_tcpstreams1", p->more1);
	json_stream_list(b, "more_tcpstreams2", p->more2);
	json_builder_end_object(b);
}

/* ------------------------------------------------------------------ map_* */

static void candidate_row(struct out_table *tb, const struct tables *t2, const struct twocap_candidate *c,
                          bool mptcp, guint n_subflows)
{
	char *id = g_strdup_printf("%s %u", mptcp ? "mptcp.stream" : "tcp.stream", c->id);
	char *score = g_strdup_printf("%d", c->score);
	uint32_t stream = mptcp ? tables_mptcp(t2, c->id)->first_stream : c->id;
	char *flow = flow_text(t2, stream);
	char *why = twocap_reasons_text(c->reasons);
	char *sf = mptcp ? g_strdup_printf("subflows %u/%u", c->subflows, n_subflows) : g_strdup("");
	const char *cells[] = { id, "score", score, flow, sf, why };
	out_table_row(tb, cells);
	g_free(id), g_free(score), g_free(flow), g_free(why), g_free(sf);
}

static void candidates_json(JsonBuilder *b, const GArray *cands, bool mptcp)
{
	json_builder_set_member_name(b, "candidates");
	json_builder_begin_array(b);
	for (guint i = 0; i < cands->len; i++) {
		const struct twocap_candidate *c = &g_array_index(cands, struct twocap_candidate, i);
		json_builder_begin_object(b);
		out_json_int(b, mptcp ? "mptcpstream" : "tcpstream", c->id);
		out_json_int(b, "score", c->score);
		char *why = twocap_reasons_text(c->reasons);
		out_json_string(b, "evidence", why);
		g_free(why);
		if (mptcp)
			out_json_uint(b, "subflows_found", c->subflows);
		else
			out_json_bool(b, "swapped", c->swapped);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void candidates_text(struct session *s, const struct two *w, const GArray *cands, bool mptcp,
                            guint n_subflows)
{
	printf("%u candidate(s) in %s, best first:\n", cands->len, w->name[1]);
	struct out_table *tb = out_table_new(6);
	out_table_color(tb, 0, OR_ID);
	out_table_left(tb, 4);
	for (guint i = 0; i < cands->len; i++)
		candidate_row(tb, w->t[1], &g_array_index(cands, struct twocap_candidate, i), mptcp, n_subflows);
	out_table_print(s, tb, "  ");
	out_table_free(tb);
}

static int cmd_map_tcp(struct session *s, int argc, char **argv)
{
	struct two w;
	uint32_t s1;
	if (!two_load(s, argv[1], argv[2], &w))
		return 1;
	if (!parse_id(s, &w, 0, argv[3], false, &s1)) {
		two_free(&w);
		return 1;
	}
	GArray *cands = twocap_rank_tcp(w.ctx, s1);
	if (s->json) {
		const char *paths[] = { argv[1], argv[2] };
		JsonBuilder *b = json_begin(s, "map_tcp_connection", paths);
		out_json_int(b, "tcpstream", s1);
		candidates_json(b, cands, false);
		json_end(b);
	} else {
		char *flow = flow_text(w.t[0], s1);
		printf("%stcp.stream %u of %s: %s%s\n", out_color(s, OR_HEAD), s1, w.name[0], flow, out_color(s, OR_RESET));
		g_free(flow);
		candidates_text(s, &w, cands, false, 0);
	}
	g_array_unref(cands);
	two_free(&w);
	return 0;
}

static void subflow_map_text(struct session *s, const struct two *w)
{
	printf("subflows: tcp.stream of %s -> tcp.stream of %s\n", w->name[0], w->name[1]);
	struct out_table *tb = out_table_new(5);
	out_table_color(tb, 0, OR_ID);
	out_table_left(tb, 0);
	for (guint i = 0; i < w->conn->pairs->len; i++) {
		const struct twocap_pair *p = pair_at(w, i);
		char *pt = pair_text(p);
		char *flow = flow_text(p->s1 != NO_ROW ? w->t[0] : w->t[1], p->s1 != NO_ROW ? p->s1 : p->s2);
		char *score = p->s1 != NO_ROW && p->s2 != NO_ROW ? g_strdup_printf("%d", p->score) : g_strdup("-");
		char *why = p->s1 == NO_ROW ? g_strdup_printf("only in %s", w->name[1])
		            : p->s2 == NO_ROW ? g_strdup_printf("not in %s", w->name[1]) : twocap_reasons_text(p->reasons);
		const char *cells[] = { pt, flow, "score", score, why };
		out_table_row(tb, cells);
		g_free(pt), g_free(flow), g_free(score), g_free(why);
	}
	out_table_print(s, tb, "  ");
	out_table_free(tb);
}

static int cmd_map_mptcp(struct session *s, int argc, char **argv)
{
	struct two w;
	uint32_t m1;
	if (!two_load(s, argv[1], argv[2], &w))
		return 1;
	if (!parse_id(s, &w, 0, argv[3], true, &m1)) {
		two_free(&w);
		return 1;
	}
	GArray *cands = twocap_rank_mptcp(w.ctx, m1);
	const struct mptcp_conn *m = tables_mptcp(w.t[0], m1);
	if (cands->len)
		w.conn = twocap_map_mptcp(w.ctx, m1, NO_ROW, NULL);
	if (s->json) {
		const char *paths[] = { argv[1], argv[2] };
		JsonBuilder *b = json_begin(s, "map_mptcp_connection", paths);
		out_json_int(b, "mptcpstream", m1);
		candidates_json(b, cands, true);
		json_builder_set_member_name(b, "subflows");
		json_builder_begin_array(b);
		for (guint i = 0; w.conn && i < w.conn->pairs->len; i++)
			json_pair(b, pair_at(&w, i));
		json_builder_end_array(b);
		json_end(b);
	} else {
		char *flow = flow_text(w.t[0], m->first_stream);
		printf("%smptcp.stream %u of %s: %s, %u subflow(s)%s\n", out_color(s, OR_HEAD), m1, w.name[0], flow,
		       m->subflows->len, out_color(s, OR_RESET));
		g_free(flow);
		candidates_text(s, &w, cands, true, m->subflows->len);
		if (w.conn) {
			printf("best: mptcp.stream %u; ", w.conn->id2);
			subflow_map_text(s, &w);
		}
	}
	g_array_unref(cands);
	two_free(&w);
	return 0;
}

/* ------------------------------------------------------------------ clock offset */

static void offset_text(struct session *s, const struct two *w)
{
	const struct twocap *a = w->a;
	printf("%s%s %s %u <-> %s %s %u%s\n", out_color(s, OR_HEAD), w->name[0],
	       w->conn->mptcp ? "mptcp.stream" : "tcp.stream", w->conn->id1, w->name[1],
	       w->conn->mptcp ? "mptcp.stream" : "tcp.stream", w->conn->id2, out_color(s, OR_RESET));
	for (int d = 0; d < 2; d++)
		printf("towards %s: sent from %s's side (%s first)\n", mptcp_dest_name(d),
		       a->upstream[d] == 0 ? "capture 1" : "capture 2", w->name[a->upstream[d]]);
	if (!a->has_offset) {
		printf("clock offset: unknown (packets matched in one direction only); delays are raw\n");
		return;
	}
	printf("clock offset: %s - %s = %+.3f ms (smallest raw delays: %.3f ms from %s, %.3f ms from %s); %s\n",
	       w->name[1], w->name[0], (double)a->offset_ns / 1e6, (double)a->min_fwd_ns / 1e6, w->name[0],
	       (double)a->min_rev_ns / 1e6, w->name[1],
	       a->raw_clock ? "delays are raw (--raw-clock)" : "delays corrected for it");
}

static void offset_json(JsonBuilder *b, const struct twocap *a)
{
	json_builder_set_member_name(b, "clock_offset");
	if (a->has_offset)
		json_builder_add_double_value(b, out_seconds(a->offset_ns));
	else
		json_builder_add_null_value(b);
	out_json_bool(b, "corrected", a->has_offset && !a->raw_clock);
	if (a->has_offset) {
		out_json_double(b, "min_delay_from_capture1", out_seconds(a->min_fwd_ns));
		out_json_double(b, "min_delay_from_capture2", out_seconds(a->min_rev_ns));
	}
	json_builder_set_member_name(b, "sender_side");
	json_builder_begin_object(b);
	out_json_int(b, "Server", a->upstream[0] + 1);
	out_json_int(b, "Client", a->upstream[1] + 1);
	json_builder_end_object(b);
}

/* ------------------------------------------------------------------ print_owds */

static bool owd_csv(struct session *s, const struct two *w, const GArray *owds, const char *path)
{
	struct atomic_file af = { 0 };
	FILE *fp = stdout;
	GError *err = NULL;
	bool to_stdout = strcmp(path, "-") == 0;
	if (!to_stdout) {
		if (!atomic_open(&af, path, &err)) {
			cmd_fail_error(s, err);
			return false;
		}
		fp = af.fp;
	}
	fprintf(fp, "mptcpdest,tcpstream1,tcpstream2,sender_capture,frame_sent,frame_received,time_sent,owd,match,tcpseq,tcplen\n");
	for (guint i = 0; i < owds->len; i++) {
		const struct twocap_owd *o = &g_array_index(owds, struct twocap_owd, i);
		const struct twocap_pair *p = pair_at(w, o->pair);
		const struct pkt *pk = tables_pkt(w->t[o->up], o->row);
		fprintf(fp, "%s,%u,%u,%d,%u,%u,%.9f,%.9f,%s,%u,%u\n", mptcp_dest_name(o->dest), p->s1, p->s2, o->up + 1,
		        pk->frame, tables_pkt(w->t[!o->up], o->peer)->frame, rel_s(w, o->sent_ns), out_seconds(o->owd_ns),
		        o->fate == TWF_MATCHED ? "exact" : "split", tcp_rel_seq(w->t[o->up], pk), pkt_tcplen(w->t[o->up], pk));
	}
	if (to_stdout)
		return true;
	if (!atomic_commit(&af, &err)) {
		cmd_fail_error(s, err);
		return false;
	}
	fprintf(stderr, "wrote %u delay(s) to %s\n", owds->len, path);
	return true;
}

static void owd_stats_row(struct out_table *tb, const struct two *w, const struct twocap_stats *st)
{
	char *pt = pair_text(pair_at(w, st->pair));
	char *n = g_strdup_printf("%" PRIu64, st->owd_n);
	bool any = st->owd_n > 0;
	char *mn = any ? ms_text((double)st->owd_min) : g_strdup("-");
	char *md = any ? ms_text((double)st->owd_median) : g_strdup("-");
	char *me = any ? ms_text(st->owd_mean) : g_strdup("-");
	char *mx = any ? ms_text((double)st->owd_max) : g_strdup("-");
	const char *cells[] = { pt, mptcp_dest_name(st->dest), n, mn, md, me, mx };
	out_table_row(tb, cells);
	g_free(pt), g_free(n), g_free(mn), g_free(md), g_free(me), g_free(mx);
}

static void owd_stats_json(JsonBuilder *b, const struct two *w, const struct twocap_stats *st)
{
	const struct twocap_pair *p = pair_at(w, st->pair);
	out_json_uint(b, "tcpstream1", p->s1 == NO_ROW ? NO_VALUE : p->s1);
	out_json_uint(b, "tcpstream2", p->s2 == NO_ROW ? NO_VALUE : p->s2);
	out_json_string(b, "mptcpdest", mptcp_dest_name(st->dest));
	out_json_int(b, "sender_capture", st->up + 1);
	out_json_uint(b, "owd_count", st->owd_n);
	const char *names[] = { "owd_min", "owd_median", "owd_mean", "owd_max" };
	double v[] = { (double)st->owd_min, (double)st->owd_median, st->owd_mean, (double)st->owd_max };
	for (int k = 0; k < 4; k++) {
		json_builder_set_member_name(b, names[k]);
		if (st->owd_n)
			json_builder_add_double_value(b, v[k] / 1e9);
		else
			json_builder_add_null_value(b);
	}
}

static void owd_packets_json(JsonBuilder *b, const struct two *w, const GArray *owds)
{
	json_builder_set_member_name(b, "packets");
	json_builder_begin_array(b);
	for (guint i = 0; i < owds->len; i++) {
		const struct twocap_owd *o = &g_array_index(owds, struct twocap_owd, i);
		json_builder_begin_object(b);
		out_json_string(b, "mptcpdest", mptcp_dest_name(o->dest));
		out_json_int(b, "sender_capture", o->up + 1);
		out_json_int(b, "frame_sent", tables_pkt(w->t[o->up], o->row)->frame);
		out_json_int(b, "frame_received", tables_pkt(w->t[!o->up], o->peer)->frame);
		out_json_double(b, "time_sent", rel_s(w, o->sent_ns));
		out_json_double(b, "owd", out_seconds(o->owd_ns));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static int owds_json(struct session *s, const struct two *w, char **argv, const GArray *stats, const GArray *owds)
{
	const char *paths[] = { argv[1], argv[3] };
	JsonBuilder *b = json_begin(s, "print_owds", paths);
	offset_json(b, w->a);
	json_builder_set_member_name(b, "subflows");
	json_builder_begin_array(b);
	for (guint i = 0; i < stats->len; i++) {
		json_builder_begin_object(b);
		owd_stats_json(b, w, &g_array_index(stats, struct twocap_stats, i));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	if (cmd_flag(s, "packets"))
		owd_packets_json(b, w, owds);
	return json_end(b);
}

static void owd_packets_text(const struct two *w, const GArray *owds)
{
	printf("packets (time sent on %s's clock, s; delay, ms):\n", w->name[0]);
	for (guint i = 0; i < owds->len; i++) {
		const struct twocap_owd *o = &g_array_index(owds, struct twocap_owd, i);
		const struct pkt *pk = tables_pkt(w->t[o->up], o->row);
		printf("  %.6f  to %-6s  frame %u of %s -> frame %u  %.3f%s\n", rel_s(w, o->sent_ns),
		       mptcp_dest_name(o->dest), pk->frame, w->name[o->up], tables_pkt(w->t[!o->up], o->peer)->frame,
		       (double)o->owd_ns / 1e6, o->fate == TWF_COVERED ? " (split)" : "");
	}
}

static void owds_text(struct session *s, const struct two *w, const GArray *stats, const GArray *owds)
{
	offset_text(s, w);
	printf("one-way delays (ms), tcp.stream of %s -> of %s:\n", w->name[0], w->name[1]);
	struct out_table *tb = out_table_new(7);
	out_table_left(tb, 0);
	const char *head[] = { "subflow", "towards", "packets", "min", "median", "mean", "max" };
	out_table_row(tb, head);
	for (guint i = 0; i < stats->len; i++)
		owd_stats_row(tb, w, &g_array_index(stats, struct twocap_stats, i));
	out_table_print(s, tb, "  ");
	out_table_free(tb);
	if (cmd_flag(s, "packets"))
		owd_packets_text(w, owds);
}

static int cmd_print_owds(struct session *s, int argc, char **argv)
{
	const char *csv = cmd_opt(s, "csv");
	bool csv_stdout = csv && strcmp(csv, "-") == 0;
	if (csv_stdout && s->json)
		return cmd_fail(s, "--csv - and --json would both write on stdout: choose one");
	struct two w;
	if (!two_analyze(s, argv, &w))
		return 1;
	GArray *owds = twocap_owds(w.a), *stats = twocap_stats(w.a);
	int rc = 0;
	if (csv && !owd_csv(s, &w, owds, csv))
		rc = 1;
	else if (s->json)
		rc = owds_json(s, &w, argv, stats, owds);
	else if (!csv_stdout)
		owds_text(s, &w, stats, owds);
	g_array_unref(owds);
	g_array_unref(stats);
	two_free(&w);
	return rc;
}

/* ------------------------------------------------------------------ summary_extended */

static double rate(uint64_t bytes, int64_t first, int64_t last)
{
	return first != TWOCAP_NO_TIME && last > first ? (double)bytes / out_seconds(last - first) : 0;
}

static void reinj_counts(const GArray *reinj, guint pair, int dest, uint64_t n[3])
{
	n[0] = n[1] = n[2] = 0;
	for (guint i = 0; i < reinj->len; i++) {
		const struct twocap_reinj *q = &g_array_index(reinj, struct twocap_reinj, i);
		if (q->pair == pair && q->dest == dest)
			n[q->verdict]++;
	}
}

static void summary_row(struct out_table *tb, const struct two *w, const struct twocap_stats *st,
                        const GArray *reinj)
{
	uint64_t q[3];
	reinj_counts(reinj, st->pair, st->dest, q);
	char *pt = pair_text(pair_at(w, st->pair));
	char *sent = g_strdup_printf("%" PRIu64 " pkts %" PRIu64 " B", st->sent_pkts, st->sent_bytes);
	char *tput = g_strdup_printf("%.0f B/s", rate(st->sent_bytes, st->first_sent, st->last_sent));
	char *got = g_strdup_printf("%" PRIu64 " B", st->goodput_bytes);
	char *gput = g_strdup_printf("%.0f B/s", rate(st->goodput_bytes, st->first_recv, st->last_recv));
	char *lost = g_strdup_printf("%" PRIu64 " (%" PRIu64 " data, %" PRIu64 " B)", st->lost_pkts,
	                             st->lost_data_pkts, st->lost_bytes);
	char *re = g_strdup_printf("%" PRIu64 " (%" PRIu64 "/%" PRIu64 "/%" PRIu64 ")", st->reinjections, q[0], q[1], q[2]);
	char *owd = st->owd_n ? g_strdup_printf("%.3f/%.3f/%.3f", (double)st->owd_min / 1e6, st->owd_mean / 1e6,
	                                        (double)st->owd_max / 1e6)
	                      : g_strdup("-");
	const char *cells[] = { pt, mptcp_dest_name(st->dest), sent, tput, got, gput, lost, re, owd };
	out_table_row(tb, cells);
	g_free(pt), g_free(sent), g_free(tput), g_free(got), g_free(gput), g_free(lost), g_free(re), g_free(owd);
}

static void summary_json_one(JsonBuilder *b, const struct two *w, const struct twocap_stats *st, const GArray *reinj)
{
	uint64_t q[3];
	reinj_counts(reinj, st->pair, st->dest, q);
	json_builder_begin_object(b);
	owd_stats_json(b, w, st);
	out_json_uint(b, "sent_packets", st->sent_pkts);
	out_json_uint(b, "sent_bytes", st->sent_bytes);
	out_json_double(b, "throughput", rate(st->sent_bytes, st->first_sent, st->last_sent));
	out_json_uint(b, "rtx_packets", st->rtx_pkts);
	out_json_uint(b, "received_packets", st->recv_pkts);
	out_json_uint(b, "received_bytes", st->recv_bytes);
	out_json_uint(b, "goodput_bytes", st->goodput_bytes);
	out_json_double(b, "goodput", rate(st->goodput_bytes, st->first_recv, st->last_recv));
	out_json_uint(b, "lost_packets", st->lost_pkts);
	out_json_uint(b, "lost_data_packets", st->lost_data_pkts);
	out_json_uint(b, "lost_bytes", st->lost_bytes);
	out_json_uint(b, "only_at_receiver", st->unseen_pkts);
	out_json_uint(b, "reinjections", st->reinjections);
	out_json_uint(b, "reinjections_useful", q[TWQ_USEFUL]);
	out_json_uint(b, "reinjections_redundant", q[TWQ_REDUNDANT]);
	out_json_uint(b, "reinjections_failed", q[TWQ_FAILED]);
	json_builder_end_object(b);
}

static int cmd_summary_extended(struct session *s, int argc, char **argv)
{
	struct two w;
	if (!two_analyze(s, argv, &w))
		return 1;
	GArray *stats = twocap_stats(w.a), *reinj = twocap_reinjections(w.a);
	if (s->json) {
		const char *paths[] = { argv[1], argv[3] };
		JsonBuilder *b = json_begin(s, "summary_extended", paths);
		offset_json(b, w.a);
		json_builder_set_member_name(b, "subflows");
		json_builder_begin_array(b);
		for (guint i = 0; i < stats->len; i++)
			summary_json_one(b, &w, &g_array_index(stats, struct twocap_stats, i), reinj);
		json_builder_end_array(b);
		json_end(b);
	} else {
		offset_text(s, &w);
		struct out_table *tb = out_table_new(9);
		out_table_left(tb, 0);
		const char *head[] = { "subflow", "towards", "sent", "throughput", "goodput", "(rate)",
		                       "lost", "reinjections (useful/redundant/failed)", "owd min/mean/max ms" };
		out_table_row(tb, head);
		for (guint i = 0; i < stats->len; i++)
			summary_row(tb, &w, &g_array_index(stats, struct twocap_stats, i), reinj);
		out_table_print(s, tb, "  ");
		out_table_free(tb);
	}
	g_array_unref(stats);
	g_array_unref(reinj);
	two_free(&w);
	return 0;
}

/* ------------------------------------------------------------------ qualify_reinjections */

static uint64_t rel_dsn(const struct two *w, const struct twocap_reinj *q)
{
	const struct tables *t = w->t[q->cap];
	const struct pkt *p = tables_pkt(t, q->row);
	const struct tcp_conn *c = tables_tcp(t, p->stream);
	if (!(p->marks & PF_HAS_DSN) || c->mptcp == NO_ROW)
		return NO_VALUE;
	return pkt_dsn(t, p) - tables_mptcp(t, c->mptcp)->idsn[q->dest];
}

static void reinj_row(struct out_table *tb, const struct two *w, const struct twocap_reinj *q)
{
	const struct pkt *p = tables_pkt(w->t[q->cap], q->row);
	uint64_t dsn = rel_dsn(w, q);
	char *fr = g_strdup_printf("frame %u of %s", p->frame, w->name[q->cap]);
	char *st = g_strdup_printf("tcp.stream %u", p->stream);
	char *ds = dsn == NO_VALUE ? g_strdup("dsn ?") : g_strdup_printf("dsn %" PRIu64 "+%u", dsn, pkt_tcplen(w->t[q->cap], p));
	char *sent = time_text(w, q->sent_ns), *arr = time_text(w, q->arrived_ns);
	char *orig = q->orig == NO_ROW ? g_strdup("-") : g_strdup_printf("frame %u", tables_pkt(w->t[q->cap], q->orig)->frame);
	char *oarr = time_text(w, q->orig_arrived_ns), *other = time_text(w, q->other_arrived_ns);
	const char *cells[] = { fr, st, mptcp_dest_name(q->dest), ds, sent, arr, orig, oarr, other,
	                        twocap_verdict_name(q->verdict) };
	out_table_row(tb, cells);
	g_free(fr), g_free(st), g_free(ds), g_free(sent), g_free(arr), g_free(orig), g_free(oarr), g_free(other);
}

static void reinj_json(JsonBuilder *b, const struct two *w, const struct twocap_reinj *q)
{
	const struct pkt *p = tables_pkt(w->t[q->cap], q->row);
	json_builder_begin_object(b);
	out_json_int(b, "capture", q->cap + 1);
	out_json_int(b, "frame", p->frame);
	out_json_int(b, "tcpstream", p->stream);
	out_json_string(b, "mptcpdest", mptcp_dest_name(q->dest));
	out_json_uint(b, "dsn", rel_dsn(w, q));
	out_json_uint(b, "bytes", pkt_tcplen(w->t[q->cap], p));
	out_json_uint(b, "original_frame", q->orig == NO_ROW ? NO_VALUE : tables_pkt(w->t[q->cap], q->orig)->frame);
	json_time(b, w, "sent", q->sent_ns);
	json_time(b, w, "arrived", q->arrived_ns);
	json_time(b, w, "original_sent", q->orig_sent_ns);
	json_time(b, w, "original_arrived", q->orig_arrived_ns);
	json_time(b, w, "first_other_copy_arrived", q->other_arrived_ns);
	out_json_string(b, "verdict", twocap_verdict_name(q->verdict));
	json_builder_end_object(b);
}

static int cmd_qualify_reinjections(struct session *s, int argc, char **argv)
{
	struct two w;
	if (!two_analyze(s, argv, &w))
		return 1;
	GArray *reinj = twocap_reinjections(w.a);
	bool only_failed = cmd_flag(s, "failed");
	uint64_t n[3] = { 0, 0, 0 };
	for (guint i = 0; i < reinj->len; i++)
		n[g_array_index(reinj, struct twocap_reinj, i).verdict]++;
	if (s->json) {
		const char *paths[] = { argv[1], argv[3] };
		JsonBuilder *b = json_begin(s, "qualify_reinjections", paths);
		offset_json(b, w.a);
		out_json_uint(b, "count", reinj->len);
		out_json_uint(b, "useful", n[TWQ_USEFUL]);
		out_json_uint(b, "redundant", n[TWQ_REDUNDANT]);
		out_json_uint(b, "failed", n[TWQ_FAILED]);
		json_builder_set_member_name(b, "reinjections");
		json_builder_begin_array(b);
		for (guint i = 0; i < reinj->len; i++) {
			const struct twocap_reinj *q = &g_array_index(reinj, struct twocap_reinj, i);
			if (!only_failed || q->verdict == TWQ_FAILED)
				reinj_json(b, &w, q);
		}
		json_builder_end_array(b);
		json_end(b);
	} else {
		offset_text(s, &w);
		printf("%u reinjection(s): %" PRIu64 " useful, %" PRIu64 " redundant, %" PRIu64 " failed "
		       "(times: s since the start of %s, on its clock)\n",
		       reinj->len, n[TWQ_USEFUL], n[TWQ_REDUNDANT], n[TWQ_FAILED], w.name[0]);
		struct out_table *tb = out_table_new(10);
		out_table_color(tb, 0, OR_ID);
		const char *head[] = { "reinjection", "on", "towards", "data", "sent", "arrived", "original",
		                       "original arrived", "first other copy arrived", "verdict" };
		out_table_row(tb, head);
		for (guint i = 0; i < reinj->len; i++) {
			const struct twocap_reinj *q = &g_array_index(reinj, struct twocap_reinj, i);
			if (!only_failed || q->verdict == TWQ_FAILED)
				reinj_row(tb, &w, q);
		}
		out_table_print(s, tb, "  ");
		out_table_free(tb);
	}
	g_array_unref(reinj);
	two_free(&w);
	return 0;
}

/* ------------------------------------------------------------------ registration */

#define OPT_TCP { "tcp", 0, NULL, "S1 and S2 are tcp.stream ids (plain TCP) instead of mptcp.stream ids", COMP_NONE, NULL }
#define OPT_RAW { "raw-clock", 0, NULL, "keep each capture's own clock (no offset correction)", COMP_NONE, NULL }

static const struct cmd_option map_opts[] = { OPT_JSON, OPT_END };
static const struct cmd_option owd_opts[] = {
	{ "csv", 0, "FILE", "write every packet's delay to FILE (- : stdout)", COMP_FILE, NULL },
	{ "packets", 0, NULL, "also print every packet's delay", COMP_NONE, NULL },
	OPT_RAW, OPT_TCP, OPT_JSON, OPT_END,
};
static const struct cmd_option summary_opts[] = { OPT_RAW, OPT_TCP, OPT_JSON, OPT_END };
static const struct cmd_option qualify_opts[] = {
	{ "failed", 0, NULL, "list only the reinjections that never arrived", COMP_NONE, NULL },
	OPT_RAW, OPT_JSON, OPT_END,
};

static const struct command commands[] = {
	{ "map_tcp_connection", { NULL }, "find the tcp.stream of CAP2 that is STREAM of CAP1 (candidates ranked)",
	  "map_tcp_connection CAP1 CAP2 STREAM [--json]", map_opts, COMP_FILE, cmd_map_tcp, 0, 3, 3 },
	{ "map_mptcp_connection", { NULL },
	  "find the mptcp.stream of CAP2 that is STREAM of CAP1, and its subflows",
	  "map_mptcp_connection CAP1 CAP2 STREAM [--json]", map_opts, COMP_FILE, cmd_map_mptcp, 0, 3, 3 },
	{ "print_owds", { NULL }, "one-way delays between two captures of a connection, clock offset corrected",
	  "print_owds CAP1 S1 CAP2 S2 [--csv FILE] [--packets] [--raw-clock] [--tcp] [--json]", owd_opts,
	  COMP_FILE, cmd_print_owds, 0, 4, 4 },
	{ "summary_extended", { NULL },
	  "per subflow and direction: sent, lost, reinjected, goodput received, one-way delays",
	  "summary_extended CAP1 S1 CAP2 S2 [--raw-clock] [--tcp] [--json]", summary_opts, COMP_FILE,
	  cmd_summary_extended, 0, 4, 4 },
	{ "qualify_reinjections", { NULL },
	  "did each reinjection arrive before its original (useful), after it (redundant) or not at all (failed)",
	  "qualify_reinjections CAP1 S1 CAP2 S2 [--failed] [--raw-clock] [--json]", qualify_opts, COMP_FILE,
	  cmd_qualify_reinjections, 0, 4, 4 },
	{ NULL, { NULL }, NULL, NULL, NULL, COMP_NONE, NULL, 0, 0, 0 },
};

bool cmd_twocap_register(GError **err)
{
	return register_all(commands, err);
}
