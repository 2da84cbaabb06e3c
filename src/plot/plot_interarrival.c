/* plot_interarrival.c - `interarrival`: time between consecutive data
 * segments taken in DSN order, as seen at the capture point.  Per subflow
 * (segments of that subflow only) or across subflows with --cross (all the
 * connection's segments in DSN order; each gap is drawn in the colour of the
 * subflow that carried the later segment); a time series or, with --cdf, the
 * distribution of the gaps.  A DSN sent again (retransmission, reinjection)
 * counts once, at its first arrival: the gaps are between distinct DSNs. */
#include "plot/plot_internal.h"

#include <stdlib.h>
#include "track/mptcp_tracker.h"

struct seg {
	uint64_t dsn;
	int64_t ts_ns;
	uint32_t rank;
};

static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	if (x->dsn != y->dsn)
		return x->dsn < y->dsn ? -1 : 1;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* data segments of the connection towards mdir, the subflow of rank `only`
 * (or all with only < 0), in DSN order, one per DSN */
static GArray *segments(const struct tables *t, const struct mptcp_conn *m, int mdir, int only)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(struct seg));
	uint32_t first, last;
	plot_conn_rows(t, m, &first, &last);
	for (uint32_t row = first; row <= last && row < t->packets->len; row++) {
		const struct pkt *p = tables_pkt(t, row);
		if (!plot_is_mptcp_data(p) || !plot_in_conn(t, p, m) || mptcp_pkt_dir(t, p) != mdir)
			continue;
		int rank = plot_subflow_rank(t, p->stream);
		if (only >= 0 && rank != only)
			continue;
		struct seg s = { pkt_dsn(t, p), p->ts_ns, (uint32_t)rank };
		g_array_append_val(a, s);
	}
	if (a->len > 1)
		qsort(a->data, a->len, sizeof(struct seg), seg_cmp);
	/* keep the first arrival of each DSN (sorted by DSN, then time) */
	guint kept = 0;
	for (guint i = 0; i < a->len; i++) {
		const struct seg *s = &g_array_index(a, struct seg, i);
		if (kept == 0 || g_array_index(a, struct seg, kept - 1).dsn != s->dsn)
			g_array_index(a, struct seg, kept++) = *s;
	}
	g_array_set_size(a, kept);
	return a;
}

/* one point per consecutive pair: (arrival of the later one, gap in ms) */
static void add_gaps(const struct tables *t, const GArray *segs, GPtrArray *series)
{
	for (guint i = 1; i < segs->len; i++) {
		const struct seg *prev = &g_array_index(segs, struct seg, i - 1);
		const struct seg *cur = &g_array_index(segs, struct seg, i);
		plot_series_add(g_ptr_array_index(series, cur->rank), (double)(cur->ts_ns - t->first_ns) / 1e9,
		                (double)(cur->ts_ns - prev->ts_ns) / 1e6);
	}
}

/* replaces a series' points by the empirical CDF of its y values */
static void to_cdf(struct plot_series *se)
{
	guint n = se->y->len;
	if (n == 0)
		return;
	GArray *v = g_array_sized_new(FALSE, FALSE, sizeof(double), n);
	g_array_append_vals(v, se->y->data, n);
	qsort(v->data, n, sizeof(double), double_cmp);
	g_array_set_size(se->x, 0);
	g_array_set_size(se->y, 0);
	for (guint i = 0; i < n; i++)
		plot_series_add(se, g_array_index(v, double, i), (double)(i + 1) / n);
	g_array_unref(v);
}

static bool interarrival_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out,
                               GError **err)
{
	const struct plot_type *pt = &plot_type_interarrival;
	const struct tables *t = in->t;
	const char *dest = "Server";
	bool cross = false, cdf = false;
	struct plot_arg opts[] = {
		{ "--dest", PA_STRING, &dest },
		{ "--cross", PA_FLAG, &cross },
		{ "--cdf", PA_FLAG, &cdf },
	};
	const struct mptcp_conn *m;
	int mdir;
	GPtrArray *pos = g_ptr_array_new();
	bool ok = plot_args_parse(pt, argc, argv, opts, G_N_ELEMENTS(opts), pos, 1, 1, err) &&
	          plot_arg_dest(pt, dest, &mdir, err) && plot_arg_mptcp(pt, t, g_ptr_array_index(pos, 0), &m, err);
	g_ptr_array_unref(pos);
	if (!ok)
		return false;

	const char *what = cross ? "inter-arrival of consecutive DSNs across subflows"
	                         : "inter-arrival of consecutive DSNs per subflow";
	char *title = plot_title_mptcp(t, m, mdir, what);
	if (cdf)
		plot_spec_set_text(out, title, "inter-arrival time (ms)", "fraction of the gaps (CDF)");
	else
		plot_spec_set_text(out, title, "time since the capture start (s)", "inter-arrival time (ms)");
	g_free(title);

	GPtrArray *series = g_ptr_array_new();
	plot_add_subflow_series(out, t, m, mdir, cross ? "cross" : "gap", NULL, cdf ? PS_STEPS : PS_POINTS, series);
	if (cross) {
		GArray *segs = segments(t, m, mdir, -1);
		add_gaps(t, segs, series);
		g_array_unref(segs);
	} else {
		for (guint r = 0; r < series->len; r++) {
			GArray *segs = segments(t, m, mdir, (int)r);
			add_gaps(t, segs, series);
			g_array_unref(segs);
		}
	}
	if (cdf)
		for (guint r = 0; r < series->len; r++)
			to_cdf(g_ptr_array_index(series, r));
	g_ptr_array_unref(series);
	return true;
}

const struct plot_type plot_type_interarrival = {
	.name = "interarrival",
	.summary = "time between consecutive data segments in DSN order, per subflow or across subflows",
	.usage = "interarrival STREAM [--dest Client|Server] [--cross] [--cdf]",
	.n_captures = 1,
	.build = interarrival_build,
};
