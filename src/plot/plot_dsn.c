/* plot_dsn.c - data-level sequence plots of one MPTCP connection:
 *   dsn  relative DSN of every data packet against time, a series per subflow,
 *        reinjections as separate series, data ACKs with --dack;
 *   dss  DSS mappings as vertical segments (first to last DSN) per subflow,
 *        with the data ACK of the other side as a line. */
#include "plot/plot_internal.h"

#include "track/mptcp_tracker.h"

#define PT_REINJECTION 6 /* open circle, larger than the data points */
#define PS_REINJECTION 1.2

/* the common arguments: STREAM [--dest Client|Server] and one optional flag */
struct conn_args {
	const struct mptcp_conn *m;
	int mdir;
	bool flag;
};

static bool parse_conn_args(const struct plot_type *pt, const struct tables *t, int argc, char **argv,
                            const char *flag_name, struct conn_args *a, GError **err)
{
	const char *dest = "Server";
	struct plot_arg opts[] = {
		{ "--dest", PA_STRING, &dest },
		{ flag_name, PA_FLAG, &a->flag },
	};
	GPtrArray *pos = g_ptr_array_new();
	a->flag = false;
	bool ok = plot_args_parse(pt, argc, argv, opts, flag_name ? 2 : 1, pos, 1, 1, err) &&
	          plot_arg_dest(pt, dest, &a->mdir, err) &&
	          plot_arg_mptcp(pt, t, g_ptr_array_index(pos, 0), &a->m, err);
	g_ptr_array_unref(pos);
	return ok;
}

/* data ACKs sent towards the data sender of `mdir`, relative to its IDSN */
static void add_dacks(const struct tables *t, const struct mptcp_conn *m, int mdir, GPtrArray *by_rank,
                      struct plot_series *single)
{
	uint32_t first, last;
	plot_conn_rows(t, m, &first, &last);
	for (uint32_t row = first; row <= last && row < t->packets->len; row++) {
		const struct pkt *p = tables_pkt(t, row);
		if (!(p->marks & PF_HAS_DACK) || !plot_in_conn(t, p, m) || mptcp_pkt_dir(t, p) == mdir)
			continue;
		struct plot_series *se = single ? single
		                                : g_ptr_array_index(by_rank, plot_subflow_rank(t, p->stream));
		plot_series_add(se, plot_time(t, p), (double)(pkt_dack(t, p) - m->idsn[mdir]));
	}
}

/* ------------------------------------------------------------------ dsn */

static bool dsn_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out, GError **err)
{
	const struct tables *t = in->t;
	struct conn_args a;
	if (!parse_conn_args(&plot_type_dsn, t, argc, argv, "--dack", &a, err))
		return false;
	const struct mptcp_conn *m = a.m;
	char *title = plot_title_mptcp(t, m, a.mdir, "data sequence numbers");
	plot_spec_set_text(out, title, "time since the capture start (s)", "relative data sequence number (bytes)");
	g_free(title);

	GPtrArray *data = g_ptr_array_new(), *reinj = g_ptr_array_new(), *dack = g_ptr_array_new();
	plot_add_subflow_series(out, t, m, a.mdir, "data", NULL, PS_POINTS, data);
	plot_add_subflow_series(out, t, m, a.mdir, "reinjection", "reinjections", PS_POINTS, reinj);
	for (guint i = 0; i < reinj->len; i++) {
		struct plot_series *se = g_ptr_array_index(reinj, i);
		se->point_type = PT_REINJECTION;
		se->point_size = PS_REINJECTION;
	}
	out->si_y = true;
	if (a.flag) {
		plot_add_subflow_series(out, t, m, a.mdir, "dack", "data ACKs (other way)", PS_STEPS, dack);
		for (guint i = 0; i < dack->len; i++) {
			struct plot_series *se = g_ptr_array_index(dack, i);
			se->dash_type = 2;
			se->dir = !a.mdir; /* the packets carrying them go the other way */
		}
	}

	uint32_t first, last;
	plot_conn_rows(t, m, &first, &last);
	for (uint32_t row = first; row <= last && row < t->packets->len; row++) {
		const struct pkt *p = tables_pkt(t, row);
		if (!plot_is_mptcp_data(p) || !plot_in_conn(t, p, m) || mptcp_pkt_dir(t, p) != a.mdir)
			continue;
		GPtrArray *which = (p->marks & PF_REINJECTION) ? reinj : data;
		plot_series_add(g_ptr_array_index(which, plot_subflow_rank(t, p->stream)), plot_time(t, p),
		                (double)(pkt_dsn(t, p) - m->idsn[a.mdir]));
	}
	if (a.flag)
		add_dacks(t, m, a.mdir, dack, NULL);
	g_ptr_array_unref(data);
	g_ptr_array_unref(reinj);
	g_ptr_array_unref(dack);
	return true;
}

const struct plot_type plot_type_dsn = {
	.name = "dsn",
	.summary = "relative data sequence numbers against time, per subflow (reinjections marked)",
	.usage = "dsn STREAM [--dest Client|Server] [--dack]",
	.n_captures = 1,
	.build = dsn_build,
};

/* ------------------------------------------------------------------ dss */

/* the packet's first DSS carrying a mapping, copied to *out */
static const struct mptcp_dss *mapping_of(const struct tables *t, const struct pkt *p, struct mptcp_dss *out)
{
	struct pkt_opts it;
	for (const struct mptcp_option *o = pkt_opts_first(&it, t, p); o; o = pkt_opts_next(&it)) {
		if (!o->malformed && o->subtype == MPTCP_SUB_DSS && o->u.dss.has_map) {
			*out = o->u.dss;
			return out;
		}
	}
	return NULL;
}

static bool dss_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out, GError **err)
{
	const struct tables *t = in->t;
	struct conn_args a;
	if (!parse_conn_args(&plot_type_dss, t, argc, argv, NULL, &a, err))
		return false;
	const struct mptcp_conn *m = a.m;
	char *title = plot_title_mptcp(t, m, a.mdir, "DSS mappings");
	plot_spec_set_text(out, title, "time since the capture start (s)", "relative data sequence number (bytes)");
	out->si_y = true;
	g_free(title);

	GPtrArray *maps = g_ptr_array_new();
	plot_add_subflow_series(out, t, m, a.mdir, "mapping", NULL, PS_SEGMENTS, maps);
	char *ack_title = g_strdup_printf("data ACK sent by the %s", plot_dest_name(a.mdir));
	struct plot_series *ack = plot_spec_add_series(out, ack_title, -1, PS_STEPS);
	g_free(ack_title);
	ack->role = "dack";
	ack->dir = !a.mdir;

	/* a 32-bit mapping DSN is widened next to the last one seen */
	uint64_t last_dsn = m->idsn[a.mdir] + 1;
	uint32_t first, last;
	plot_conn_rows(t, m, &first, &last);
	for (uint32_t row = first; row <= last && row < t->packets->len; row++) {
		const struct pkt *p = tables_pkt(t, row);
		if (!(p->marks & PF_OWN_MAPPING) || !plot_in_conn(t, p, m) || mptcp_pkt_dir(t, p) != a.mdir)
			continue;
		struct mptcp_dss dss;
		const struct mptcp_dss *d = mapping_of(t, p, &dss);
		if (!d || d->data_len == 0) /* infinite mapping: no range */
			continue;
		uint64_t dsn = d->dsn64 ? d->dsn : mptcp_widen32((uint32_t)d->dsn, last_dsn);
		last_dsn = dsn;
		double x = plot_time(t, p), y = (double)(dsn - m->idsn[a.mdir]);
		plot_series_add_segment(g_ptr_array_index(maps, plot_subflow_rank(t, p->stream)), x, y, x,
		                        y + d->data_len);
	}
	add_dacks(t, m, a.mdir, NULL, ack);
	g_ptr_array_unref(maps);
	return true;
}

const struct plot_type plot_type_dss = {
	.name = "dss",
	.summary = "DSS mappings (first to last DSN) against time per subflow, with the data ACK",
	.usage = "dss STREAM [--dest Client|Server]",
	.n_captures = 1,
	.build = dss_build,
};
