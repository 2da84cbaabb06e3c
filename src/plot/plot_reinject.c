/* plot_reinject.c - `reinject`: MPTCP reinjections over time, an impulse of
 * the reinjected bytes per packet, a series per subflow and direction; the
 * legend and title give the reinjected share of the bytes. */
#include "plot/plot_internal.h"

#include <string.h>
#include "track/mptcp_tracker.h"

/* bytes sent on each subflow (rank) and in total, per direction */
struct byte_counts {
	uint64_t sent[2], reinjected[2];
	uint64_t *sf_sent[2], *sf_reinj[2], *sf_count[2];
};

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void count_bytes(const struct tables *t, const struct mptcp_conn *m, GPtrArray *series[2],
                        struct byte_counts *bc)
{
	uint32_t first, last;
	plot_conn_rows(t, m, &first, &last);
	for (uint32_t row = first; row <= last && row < t->packets->len; row++) {
		const struct pkt *p = tables_pkt(t, row);
		if (!plot_is_mptcp_data(p) || !plot_in_conn(t, p, m))
			continue;
		int d = mptcp_pkt_dir(t, p), r = plot_subflow_rank(t, p->stream);
		bc->sent[d] += pkt_tcplen(t, p);
		bc->sf_sent[d][r] += pkt_tcplen(t, p);
		if (!(p->marks & PF_REINJECTION))
			continue;
		bc->reinjected[d] += pkt_tcplen(t, p);
		bc->sf_reinj[d][r] += pkt_tcplen(t, p);
		bc->sf_count[d][r]++;
		if (series[d])
			plot_series_add(g_ptr_array_index(series[d], r), plot_time(t, p), pkt_tcplen(t, p));
	}
}

/* "sf1: FLOW: 12 reinjections, 15360 B (3.1 % of its bytes)" */
static void retitle(struct plot_series *se, const struct tables *t, int d, int r, const struct byte_counts *bc)
{
	const struct tcp_conn *c = tables_tcp(t, se->stream);
	char *label = plot_flow_label(t, se->stream, plot_tcp_dir_of(c, d));
	char *title = g_strdup_printf("sf%d: %s: %" G_GUINT64_FORMAT " reinjections, %" G_GUINT64_FORMAT
	                              " B (%.1f %% of its bytes)", r, label, bc->sf_count[d][r],
	                              bc->sf_reinj[d][r], share(bc->sf_reinj[d][r], bc->sf_sent[d][r]));
	g_free(se->title);
	se->title = title;
	g_free(label);
}

static bool reinject_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out,
                           GError **err)
{
	const struct plot_type *pt = &plot_type_reinject;
	const struct tables *t = in->t;
	const char *dest = NULL;
	int only = -1;
	const struct mptcp_conn *m = NULL;
	struct plot_arg opts[] = { { "--dest", PA_STRING, &dest } };
	GPtrArray *pos = g_ptr_array_new();
	bool ok = plot_args_parse(pt, argc, argv, opts, 1, pos, 1, 1, err) &&
	          (!dest || plot_arg_dest(pt, dest, &only, err)) &&
	          plot_arg_mptcp(pt, t, g_ptr_array_index(pos, 0), &m, err);
	g_ptr_array_unref(pos);
	if (!ok)
		return false;

	guint n_sf = m->subflows->len;
	GPtrArray *series[2] = { NULL, NULL };
	for (int d = 0; d < 2; d++) {
		if (only >= 0 && only != d)
			continue;
		series[d] = g_ptr_array_new();
		plot_add_subflow_series(out, t, m, d, "reinjection", NULL, PS_IMPULSES, series[d]);
		for (guint r = 0; r < n_sf; r++)
			((struct plot_series *)g_ptr_array_index(series[d], r))->dash_type = d ? 2 : 0;
	}
	struct byte_counts bc;
	memset(&bc, 0, sizeof bc);
	for (int d = 0; d < 2; d++) {
		bc.sf_sent[d] = g_new0(uint64_t, n_sf);
		bc.sf_reinj[d] = g_new0(uint64_t, n_sf);
		bc.sf_count[d] = g_new0(uint64_t, n_sf);
	}
	count_bytes(t, m, series, &bc);
	for (int d = 0; d < 2; d++)
		for (guint r = 0; series[d] && r < n_sf; r++)
			retitle(g_ptr_array_index(series[d], r), t, d, (int)r, &bc);

	char *what = g_strdup_printf("reinjected bytes: %.2f %% of the bytes towards Server, %.2f %% towards Client",
	                             share(bc.reinjected[0], bc.sent[0]), share(bc.reinjected[1], bc.sent[1]));
	char *title = plot_title_mptcp(t, m, only, what);
	plot_spec_set_text(out, title, "time since the capture start (s)", "reinjected bytes per packet (bytes)");
	/* the whole connection's life, so that one sees when reinjections happen */
	out->has_xrange = m->last_ns > m->first_ns;
	out->xmin = (double)(m->first_ns - t->first_ns) / 1e9;
	out->xmax = (double)(m->last_ns - t->first_ns) / 1e9;
	g_free(title);
	g_free(what);
	for (int d = 0; d < 2; d++) {
		g_free(bc.sf_sent[d]);
		g_free(bc.sf_reinj[d]);
		g_free(bc.sf_count[d]);
		if (series[d])
			g_ptr_array_unref(series[d]);
	}
	return true;
}

const struct plot_type plot_type_reinject = {
	.name = "reinject",
	.summary = "MPTCP reinjections over time per subflow (bytes) and their share of the bytes",
	.usage = "reinject STREAM [--dest Client|Server]",
	.n_captures = 1,
	.build = reinject_build,
};
