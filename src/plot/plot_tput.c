/* plot_tput.c - `tcp_tput` and `mptcp_tput`: throughput (every payload byte)
 * or goodput (new bytes only) over a sliding window.
 *
 * Sampling rule: the rate at time x is (bytes of the packets captured in
 * (x - W, x]) / W.  That function only changes when a packet enters the
 * window (its time) or leaves it (its time + W), so it is drawn exactly as a
 * step function with a point at each of those instants.  Each packet then adds
 * len / W over exactly W seconds: the area under every curve is exactly its
 * byte count (times 8 in bit/s). */
#include "plot/plot_internal.h"

#include <stdlib.h>
#include "track/mptcp_tracker.h"

struct arrival {
	int64_t ts_ns;
	uint32_t len;
};

static int arrival_cmp(const void *a, const void *b)
{
	const struct arrival *x = a, *y = b;
	return (x->ts_ns > y->ts_ns) - (x->ts_ns < y->ts_ns);
}

static void arrival_add(GArray *a, const struct tables *t, const struct pkt *p)
{
	struct arrival v = { p->ts_ns, pkt_tcplen(t, p) };
	g_array_append_val(a, v);
}

/* fills `se` with the sliding-window rate of `arr` (see the rule above);
 * unit_scale is 8 for bit/s, 1 for bytes/s */
static void window_rate(const struct tables *t, GArray *arr, int64_t win_ns, double unit_scale,
                        struct plot_series *se)
{
	if (arr->len == 0)
		return;
	qsort(arr->data, arr->len, sizeof(struct arrival), arrival_cmp);
	const struct arrival *a = (const struct arrival *)arr->data;
	double per_byte = unit_scale / ((double)win_ns / 1e9);
	int64_t in_window = 0;
	guint i = 0, j = 0; /* next packet to enter, next to leave */
	plot_series_add(se, (double)(a[0].ts_ns - t->first_ns) / 1e9, 0);
	while (j < arr->len) {
		int64_t leave = a[j].ts_ns + win_ns;
		int64_t now = i < arr->len && a[i].ts_ns < leave ? a[i].ts_ns : leave;
		while (i < arr->len && a[i].ts_ns == now)
			in_window += a[i++].len;
		while (j < arr->len && a[j].ts_ns + win_ns == now)
			in_window -= a[j++].len;
		plot_series_add(se, (double)(now - t->first_ns) / 1e9, (double)in_window * per_byte);
	}
}

/* options shared by both types */
struct tput_args {
	const char *dest;
	bool goodput, bytes;
	double window;
	int only;          /* destination 0 (Server) / 1 (Client), -1: both */
};

static bool parse_tput_args(const struct plot_type *pt, int argc, char **argv, struct tput_args *a,
                            GPtrArray *pos, GError **err)
{
	struct plot_arg opts[] = {
		{ "--dest", PA_STRING, &a->dest },
		{ "--goodput", PA_FLAG, &a->goodput },
		{ "--window", PA_DOUBLE, &a->window },
		{ "--bytes", PA_FLAG, &a->bytes },
	};
	a->only = -1;
	return plot_args_parse(pt, argc, argv, opts, G_N_ELEMENTS(opts), pos, 1, 1, err) &&
	       plot_arg_seconds(pt, "--window", a->window, err) &&
	       (!a->dest || plot_arg_dest(pt, a->dest, &a->only, err));
}

static char *rate_label(const struct tput_args *a)
{
	return g_strdup_printf("%s (%s, %g s sliding window)", a->goodput ? "goodput" : "throughput",
	                       a->bytes ? "bytes/s" : "bit/s", a->window);
}

static void set_text(struct plot_spec *out, char *title, const struct tput_args *a)
{
	char *ylabel = rate_label(a);
	plot_spec_set_text(out, title, "time since the capture start (s)", ylabel);
	out->si_y = true;
	g_free(ylabel);
	g_free(title);
}

/* ------------------------------------------------------------------ tcp_tput */

static bool tcp_counts(const struct pkt *p, bool goodput)
{
	return pkt_has_payload(p) && !(goodput && (p->marks & PF_RETRANS));
}

static bool tcp_tput_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out,
                           GError **err)
{
	const struct plot_type *pt = &plot_type_tcp_tput;
	const struct tables *t = in->t;
	struct tput_args a = { .window = 1.0 };
	const struct tcp_conn *c = NULL;
	GPtrArray *pos = g_ptr_array_new();
	bool ok = parse_tput_args(pt, argc, argv, &a, pos, err) && plot_arg_tcp(pt, t, g_ptr_array_index(pos, 0), &c, err);
	g_ptr_array_unref(pos);
	if (!ok)
		return false;
	set_text(out, plot_title_tcp(t, c, -1, a.goodput ? "goodput" : "throughput"), &a);

	GArray *arr[2] = { g_array_new(FALSE, FALSE, sizeof(struct arrival)),
	                   g_array_new(FALSE, FALSE, sizeof(struct arrival)) };
	for (uint32_t row = c->first_pkt; row <= c->last_pkt && row < t->packets->len; row++) {
		const struct pkt *p = tables_pkt(t, row);
		if (p->stream == c->id && tcp_counts(p, a.goodput))
			arrival_add(arr[pkt_dir(p)], t, p);
	}
	int rank = plot_subflow_rank(t, c->id);
	for (int to_client = 0; to_client < 2; to_client++) {
		if (a.only >= 0 && a.only != to_client)
			continue;
		int d = to_client ? !c->client : c->client;
		char *label = plot_flow_label(t, c->id, d);
		char *title = g_strdup_printf("towards %s: %s", plot_dest_name(to_client), label);
		struct plot_series *se = plot_spec_add_series(out, title, rank, PS_STEPS);
		se->stream = c->id;
		se->dir = to_client;
		se->role = a.goodput ? "goodput" : "throughput";
		se->dash_type = to_client ? 2 : 0;
		window_rate(t, arr[d], (int64_t)(a.window * 1e9), a.bytes ? 1 : 8, se);
		g_free(title);
		g_free(label);
	}
	g_array_unref(arr[0]);
	g_array_unref(arr[1]);
	return true;
}

const struct plot_type plot_type_tcp_tput = {
	.name = "tcp_tput",
	.summary = "throughput or goodput of a TCP stream over a sliding window, per direction",
	.usage = "tcp_tput STREAM [--goodput] [--window SECONDS] [--dest Client|Server] [--bytes]",
	.n_captures = 1,
	.build = tcp_tput_build,
};

/* ------------------------------------------------------------------ mptcp_tput */

/* goodput: new data only, neither a reinjection nor a TCP retransmission */
static bool mptcp_counts(const struct pkt *p, bool goodput)
{
	return pkt_has_payload(p) && !(goodput && (p->marks & (PF_REINJECTION | PF_RETRANS)));
}

static bool mptcp_tput_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out,
                             GError **err)
{
	const struct plot_type *pt = &plot_type_mptcp_tput;
	const struct tables *t = in->t;
	struct tput_args a = { .window = 1.0 };
	const struct mptcp_conn *m = NULL;
	GPtrArray *pos = g_ptr_array_new();
	bool ok = parse_tput_args(pt, argc, argv, &a, pos, err) && plot_arg_mptcp(pt, t, g_ptr_array_index(pos, 0), &m, err);
	g_ptr_array_unref(pos);
	if (!ok)
		return false;
	int mdir = a.only < 0 ? 0 : a.only;
	set_text(out, plot_title_mptcp(t, m, mdir, a.goodput ? "goodput" : "throughput"), &a);

	guint n_sf = m->subflows->len;
	GPtrArray *series = g_ptr_array_new();
	plot_add_subflow_series(out, t, m, mdir, a.goodput ? "goodput" : "throughput", NULL, PS_STEPS, series);
	struct plot_series *total = plot_spec_add_series(out, "total (all subflows)", -1, PS_STEPS);
	total->role = "total";
	total->dir = mdir;

	GArray **arr = g_new(GArray *, n_sf + 1); /* [n_sf]: all subflows */
	for (guint i = 0; i <= n_sf; i++)
		arr[i] = g_array_new(FALSE, FALSE, sizeof(struct arrival));
	uint32_t first, last;
	plot_conn_rows(t, m, &first, &last);
	for (uint32_t row = first; row <= last && row < t->packets->len; row++) {
		const struct pkt *p = tables_pkt(t, row);
		if (!plot_in_conn(t, p, m) || mptcp_pkt_dir(t, p) != mdir || !mptcp_counts(p, a.goodput))
			continue;
		arrival_add(arr[plot_subflow_rank(t, p->stream)], t, p);
		arrival_add(arr[n_sf], t, p);
	}
	int64_t win_ns = (int64_t)(a.window * 1e9);
	for (guint i = 0; i <= n_sf; i++) {
		window_rate(t, arr[i], win_ns, a.bytes ? 1 : 8, i < n_sf ? g_ptr_array_index(series, i) : total);
		g_array_unref(arr[i]);
	}
	g_free(arr);
	g_ptr_array_unref(series);
	return true;
}

const struct plot_type plot_type_mptcp_tput = {
	.name = "mptcp_tput",
	.summary = "throughput or goodput of an MPTCP connection over a sliding window, per subflow and in total",
	.usage = "mptcp_tput STREAM [--goodput] [--window SECONDS] [--dest Client|Server] [--bytes]",
	.n_captures = 1,
	.build = mptcp_tput_build,
};
