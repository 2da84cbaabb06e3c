/* plot_twocap.c - the plot types over two captures of the same traffic
 * (src/twocap/): `owd`, the one-way delay of every packet per subflow and
 * direction, and `mptcp_gput`, the goodput at the receiver per subflow.
 *
 * Arguments: capture 1 is the loaded capture and capture 2 the one the plot
 * command loads (its first argument): `owd CAP2 S1 S2`.  The form of the other
 * two-capture commands, `owd CAP1 S1 CAP2 S2`, also works: the plot command
 * then loaded CAP1 as the second capture and this file loads CAP2 itself. */
#include "plot/plot_internal.h"

#include <string.h>
#include "table/load.h"
#include "twocap/twocap.h"

/* the two captures and the connection mapped between them */
struct two_input {
	const struct tables *t1, *t2;
	struct tables *owned;        /* CAP2 of the four-argument form */
	struct twocap_ctx *ctx;
	struct twocap_conn *conn;
	struct twocap *a;
};

static void two_input_free(struct two_input *w)
{
	twocap_free(w->a);
	twocap_conn_free(w->conn);
	twocap_ctx_free(w->ctx);
	tables_free(w->owned);
}

static bool parse_id(const struct plot_type *pt, const struct tables *t, const char *arg, bool tcp,
                     uint32_t *out, GError **err)
{
	if (tcp) {
		const struct tcp_conn *c;
		if (!plot_arg_tcp(pt, t, arg, &c, err))
			return false;
		*out = c->id;
		return true;
	}
	const struct mptcp_conn *m;
	if (!plot_arg_mptcp(pt, t, arg, &m, err))
		return false;
	*out = m->id;
	return true;
}

/* positionals "S1 S2" (capture 1 loaded) or "S1 CAP2 S2" (capture 1 = in->t2) */
static bool two_input_open(const struct plot_type *pt, const struct plot_input *in, GPtrArray *pos,
                           bool tcp, bool raw_clock, struct two_input *w, GError **err)
{
	memset(w, 0, sizeof *w);
	const char *a1 = g_ptr_array_index(pos, 0), *a2 = g_ptr_array_index(pos, pos->len - 1);
	if (!in->t2) {
		plot_error(err, pt, "needs two captures (usage: %s)", pt->usage);
		return false;
	}
	if (pos->len == 3) {
		w->t1 = in->t2;
		if (!(w->owned = capture_load(g_ptr_array_index(pos, 1), NULL, NULL, err)))
			return false;
		w->t2 = w->owned;
	} else {
		w->t1 = in->t;
		w->t2 = in->t2;
	}
	uint32_t id1, id2;
	if (!parse_id(pt, w->t1, a1, tcp, &id1, err) || !parse_id(pt, w->t2, a2, tcp, &id2, err))
		return false;
	w->ctx = twocap_ctx_new(w->t1, w->t2);
	w->conn = tcp ? twocap_map_tcp(w->ctx, id1, id2, err) : twocap_map_mptcp(w->ctx, id1, id2, err);
	if (!w->conn)
		return false;
	w->a = twocap_analyze(w->t1, w->t2, w->conn, raw_clock);
	return true;
}

/* "sf1: 198.18.1.1:40000 → 198.19.1.1:5201 (tcp.stream 1 / 3)" */
static char *pair_title(const struct two_input *w, guint i, int dest)
{
	const struct twocap_pair *p = &g_array_index(w->conn->pairs, struct twocap_pair, i);
	const struct tables *t = p->s1 != NO_ROW ? w->t1 : w->t2;
	uint32_t s = p->s1 != NO_ROW ? p->s1 : p->s2;
	const struct tcp_conn *c = tables_tcp(t, s);
	int client = c->mptcp != NO_ROW ? c->mptcp_client : c->client;
	char *flow = plot_flow_label(t, s, dest == 0 ? client : !client);
	char ids[2][16] = { "-", "-" };
	if (p->s1 != NO_ROW)
		g_snprintf(ids[0], sizeof ids[0], "%u", p->s1);
	if (p->s2 != NO_ROW)
		g_snprintf(ids[1], sizeof ids[1], "%u", p->s2);
	char *title = g_strdup_printf("sf%u: %s (tcp.stream %s / %s)", i, flow, ids[0], ids[1]);
	g_free(flow);
	return title;
}

static char *conn_title(const struct two_input *w, const char *what)
{
	char *n1 = plot_capture_name(w->t1), *n2 = plot_capture_name(w->t2);
	const char *kind = w->conn->mptcp ? "mptcp.stream" : "tcp.stream";
	char *title = g_strdup_printf("%s %s %u / %s %s %u\n%s", n1, kind, w->conn->id1, n2, kind, w->conn->id2, what);
	g_free(n1);
	g_free(n2);
	return title;
}

/* ------------------------------------------------------------------ owd */

static struct plot_series *owd_series(struct plot_spec *out, const struct two_input *w, guint pair, int dest)
{
	const struct twocap_pair *p = &g_array_index(w->conn->pairs, struct twocap_pair, pair);
	char *title = pair_title(w, pair, dest);
	char *full = g_strdup_printf("%s towards %s", title, plot_dest_name(dest));
	struct plot_series *se = plot_spec_add_series(out, full, (int)pair, PS_POINTS);
	se->stream = p->s1;
	se->dir = dest;
	se->role = "owd";
	se->point_type = dest ? 2 : 7; /* towards the client: crosses; the server: dots */
	g_free(full);
	g_free(title);
	return se;
}

static bool owd_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out, GError **err);

const struct plot_type plot_type_owd = {
	.name = "owd",
	.summary = "one-way delay of each packet between two captures, per subflow and direction (clock offset corrected)",
	.usage = "owd CAP1 S1 CAP2 S2 [--tcp] [--dest Client|Server] [--raw-clock] (or, CAP1 loaded: owd CAP2 S1 S2)",
	.n_captures = 2,
	.build = owd_build,
};

static bool owd_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out, GError **err)
{
	const struct plot_type *pt = &plot_type_owd;
	bool tcp = false, raw = false;
	const char *dest = NULL;
	int only = -1;
	struct plot_arg opts[] = {
		{ "--tcp", PA_FLAG, &tcp }, { "--raw-clock", PA_FLAG, &raw }, { "--dest", PA_STRING, &dest },
	};
	GPtrArray *pos = g_ptr_array_new();
	struct two_input w = { 0 };
	bool ok = plot_args_parse(pt, argc, argv, opts, G_N_ELEMENTS(opts), pos, 2, 3, err) &&
	          (!dest || plot_arg_dest(pt, dest, &only, err)) && two_input_open(pt, in, pos, tcp, raw, &w, err);
	g_ptr_array_unref(pos);
	if (!ok) {
		two_input_free(&w);
		return false;
	}
	char *what = w.a->has_offset
		? g_strdup_printf("one-way delays, clock offset %+.3f ms %s", w.a->offset_ns / 1e6,
		                  raw ? "not corrected (--raw-clock)" : "corrected")
		: g_strdup("one-way delays (raw clocks: packets matched one way only)");
	char *title = conn_title(&w, what);
	plot_spec_set_text(out, title, "time sent (s since capture 1 started, its clock)", "one-way delay (ms)");
	g_free(title);
	g_free(what);
	guint n = w.conn->pairs->len;
	struct plot_series **se = g_new0(struct plot_series *, 2 * n);
	for (guint i = 0; i < n; i++)
		for (int d = 0; d < 2; d++)
			if (only < 0 || only == d)
				se[2 * i + d] = owd_series(out, &w, i, d);
	GArray *owds = twocap_owds(w.a);
	for (guint i = 0; i < owds->len; i++) {
		const struct twocap_owd *o = &g_array_index(owds, struct twocap_owd, i);
		struct plot_series *s = se[2u * o->pair + o->dest];
		if (s)
			plot_series_add(s, (double)(o->sent_ns - w.t1->first_ns) / 1e9, (double)o->owd_ns / 1e6);
	}
	g_array_unref(owds);
	g_free(se);
	two_input_free(&w);
	return true;
}

/* ------------------------------------------------------------------ mptcp_gput */

/* Sliding window (as tcp_tput): the rate at x is the new bytes received in
 * (x - W, x] over W, drawn exactly with a step at every arrival and at every
 * arrival + W. */
static void window_rate(const GArray *arr, int64_t origin, int64_t win_ns, double unit, struct plot_series *se)
{
	if (arr->len == 0)
		return;
	const struct twocap_arrival *a = (const struct twocap_arrival *)arr->data;
	double per_byte = unit / ((double)win_ns / 1e9);
	int64_t in_window = 0;
	guint i = 0, j = 0;
	plot_series_add(se, (double)(a[0].ts_ns - origin) / 1e9, 0);
	while (j < arr->len) {
		int64_t leave = a[j].ts_ns + win_ns;
		int64_t now = i < arr->len && a[i].ts_ns < leave ? a[i].ts_ns : leave;
		while (i < arr->len && a[i].ts_ns == now)
			in_window += a[i++].new_bytes;
		while (j < arr->len && a[j].ts_ns + win_ns == now)
			in_window -= a[j++].new_bytes;
		plot_series_add(se, (double)(now - origin) / 1e9, (double)in_window * per_byte);
	}
}

/* the direction that received more new data */
static int busier_dest(const struct twocap *a)
{
	uint64_t bytes[2] = { 0, 0 };
	for (int d = 0; d < 2; d++) {
		GArray *arr = twocap_arrivals(a, d);
		for (guint i = 0; i < arr->len; i++)
			bytes[d] += g_array_index(arr, struct twocap_arrival, i).new_bytes;
		g_array_unref(arr);
	}
	return bytes[1] > bytes[0] ? 1 : 0;
}

static bool gput_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out, GError **err);

const struct plot_type plot_type_mptcp_gput = {
	.name = "mptcp_gput",
	.summary = "goodput at the receiver (new data, DSN level) per subflow and in total, from two captures",
	.usage = "mptcp_gput CAP1 S1 CAP2 S2 [--dest Client|Server] [--window SECONDS] [--bytes] [--raw-clock] "
	         "(or, CAP1 loaded: mptcp_gput CAP2 S1 S2)",
	.n_captures = 2,
	.build = gput_build,
};

static void gput_series(struct plot_spec *out, const struct two_input *w, int dest, double window, bool bytes)
{
	guint n = w->conn->pairs->len;
	GArray **arr = g_new(GArray *, n + 1); /* [n]: all subflows */
	for (guint i = 0; i <= n; i++)
		arr[i] = g_array_new(FALSE, FALSE, sizeof(struct twocap_arrival));
	GArray *all = twocap_arrivals(w->a, dest);
	for (guint i = 0; i < all->len; i++) {
		const struct twocap_arrival *v = &g_array_index(all, struct twocap_arrival, i);
		g_array_append_val(arr[v->pair], *v);
		g_array_append_val(arr[n], *v);
	}
	for (guint i = 0; i <= n; i++) {
		char *title = i < n ? pair_title(w, i, dest) : g_strdup("total (all subflows)");
		struct plot_series *se = plot_spec_add_series(out, title, i < n ? (int)i : -1, PS_STEPS);
		se->stream = i < n ? g_array_index(w->conn->pairs, struct twocap_pair, i).s1 : NO_ROW;
		se->dir = dest;
		se->role = i < n ? "goodput" : "total";
		window_rate(arr[i], w->t1->first_ns, (int64_t)(window * 1e9), bytes ? 1 : 8, se);
		g_free(title);
		g_array_unref(arr[i]);
	}
	g_array_unref(all);
	g_free(arr);
}

static bool gput_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out, GError **err)
{
	const struct plot_type *pt = &plot_type_mptcp_gput;
	bool raw = false, bytes = false;
	const char *dest = NULL;
	double window = 1.0;
	int only = -1;
	struct plot_arg opts[] = {
		{ "--dest", PA_STRING, &dest }, { "--window", PA_DOUBLE, &window },
		{ "--bytes", PA_FLAG, &bytes }, { "--raw-clock", PA_FLAG, &raw },
	};
	GPtrArray *pos = g_ptr_array_new();
	struct two_input w = { 0 };
	bool ok = plot_args_parse(pt, argc, argv, opts, G_N_ELEMENTS(opts), pos, 2, 3, err) &&
	          plot_arg_seconds(pt, "--window", window, err) && (!dest || plot_arg_dest(pt, dest, &only, err)) &&
	          two_input_open(pt, in, pos, false, raw, &w, err);
	g_ptr_array_unref(pos);
	if (!ok) {
		two_input_free(&w);
		return false;
	}
	int d = only >= 0 ? only : busier_dest(w.a);
	char *what = g_strdup_printf("goodput received towards %s (new data, %g s sliding window)", plot_dest_name(d), window);
	char *title = conn_title(&w, what);
	plot_spec_set_text(out, title, "time received (s since capture 1 started, its clock)",
	                   bytes ? "goodput (bytes/s)" : "goodput (bit/s)");
	out->si_y = true;
	g_free(title);
	g_free(what);
	gput_series(out, &w, d, window, bytes);
	two_input_free(&w);
	return true;
}
