/* test_plot.c - the plot types and the gnuplot renderer.
 *
 * Every plot is checked with numbers against facts read independently from
 * the tables through the export columns (tcplen, dsn, dack, reinjection_of,
 * mptcpdest, ...): points per subflow = that subflow's packets, DSN and ACK
 * values = the exported ones, throughput integrates to the byte count, the
 * reinjected share.  The data handed to gnuplot (the script's datablocks) is
 * parsed back and compared with the spec.  Rendering checks PNG/SVG/PDF
 * magic and size (skipped without gnuplot); a missing gnuplot gives one
 * message naming gnuplot-nox.  Captures: examples/ (every .pcap) and, when present,
 * ../shared/captures (v1/lossy-client.pcap, v0/client_2.pcap). */
#include <glib.h>
#include "test_common.h"
#include <glib/gstdio.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include "export/columns.h"
#include "plot/plot.h"
#include "table/load.h"

#define MAX_CONNS 4     /* connections checked per capture */
#define MAX_STREAMS 6   /* TCP streams checked per capture */

static char *tmp_dir;
static GPtrArray *capture_paths; /* every capture the value tests run on */
static char *shared_dir, *examples_dir;
static bool have_gnuplot;

/* ------------------------------------------------------------------ facts from the columns */

/* one packet as the exporter sees it */
struct fact {
	int64_t mptcp;          /* -1: none */
	int mdest, tdest;       /* 0 Server, 1 Client, -1 unknown */
	uint32_t stream, len, frame;
	double reltime;
	bool has_dsn, has_dack, reinj, has_map;
	uint64_t dsn, dack, dss_len, dss_dsn;
};

struct cap {
	struct tables *t;
	struct fact *f;         /* per packet row */
};

static GHashTable *loaded; /* path -> struct cap */

static char *col_text(const struct tables *t, const char *name, uint32_t row)
{
	const struct column *c = column_find(name);
	g_assert_nonnull(c);
	GString *o = g_string_new(NULL);
	struct row_store s;
	row_store_init(&s);
	column_format_row(c, t, row, &s, o);
	row_store_free(&s);
	return g_string_free(o, FALSE);
}

static bool col_u64(const struct tables *t, const char *name, uint32_t row, uint64_t *v)
{
	char *s = col_text(t, name, row);
	bool ok = *s != '\0';
	if (ok)
		*v = g_ascii_strtoull(s, NULL, 10);
	g_free(s);
	return ok;
}

static int col_dest(const struct tables *t, const char *name, uint32_t row)
{
	char *s = col_text(t, name, row);
	int d = strcmp(s, "Server") == 0 ? 0 : strcmp(s, "Client") == 0 ? 1 : -1;
	g_free(s);
	return d;
}

static void read_fact(const struct tables *t, uint32_t row, struct fact *f)
{
	uint64_t v = 0;
	f->mptcp = col_u64(t, "mptcpstream", row, &v) ? (int64_t)v : -1;
	f->mdest = col_dest(t, "mptcpdest", row);
	f->tdest = col_dest(t, "tcpdest", row);
	col_u64(t, "tcpstream", row, &v);
	f->stream = (uint32_t)v;
	col_u64(t, "tcplen", row, &v);
	f->len = (uint32_t)v;
	col_u64(t, "packetid", row, &v);
	f->frame = (uint32_t)v;
	char *s = col_text(t, "reltime", row);
	f->reltime = g_ascii_strtod(s, NULL);
	g_free(s);
	f->has_dsn = col_u64(t, "dsn", row, &f->dsn);
	f->has_dack = col_u64(t, "dack", row, &f->dack);
	s = col_text(t, "reinjection_of", row);
	f->reinj = *s != '\0';
	g_free(s);
	f->has_map = col_u64(t, "dss_dsn", row, &f->dss_dsn);
	if (!col_u64(t, "dss_length", row, &f->dss_len))
		f->dss_len = 0;
}

static void cap_free(gpointer p)
{
	struct cap *c = p;
	tables_free(c->t);
	g_free(c->f);
	g_free(c);
}

static const struct cap *load(const char *path)
{
	struct cap *c = g_hash_table_lookup(loaded, path);
	if (c)
		return c;
	GError *err = NULL;
	c = g_new0(struct cap, 1);
	c->t = capture_load(path, NULL, NULL, &err);
	g_assert_no_error(err);
	c->f = g_new0(struct fact, c->t->packets->len);
	for (uint32_t r = 0; r < c->t->packets->len; r++)
		read_fact(c->t, r, &c->f[r]);
	g_hash_table_insert(loaded, g_strdup(path), c);
	return c;
}

static int rank_of(const struct mptcp_conn *m, uint32_t stream)
{
	for (guint i = 0; i < m->subflows->len; i++)
		if (g_array_index(m->subflows, uint32_t, i) == stream)
			return (int)i;
	return -1;
}

static bool is_data(const struct fact *f, const struct mptcp_conn *m, int mdest)
{
	return f->mptcp == (int64_t)m->id && f->mdest == mdest && f->len > 0 && f->has_dsn;
}

/* ------------------------------------------------------------------ building and the data handed over */

static double D(const GArray *a, guint i)
{
	return g_array_index(a, double, i);
}

/* parses one number of a datablock line and checks it */
static const char *expect_number(const char *p, double want)
{
	char *end;
	double v = g_ascii_strtod(p, &end);
	g_assert_true(end != p);
	g_assert_true(v == want || (isnan(v) && isnan(want)));
	return end;
}

/* the script's datablocks hold exactly the spec's points, in series order */
static void check_handed_data_text(const struct plot_spec *s, const char *text)
{
	guint block = 0;
	for (guint i = 0; i < s->series->len; i++) {
		const struct plot_series *se = g_ptr_array_index(s->series, i);
		if (se->x->len == 0)
			continue;
		char *hdr = g_strdup_printf("$s%u << EOD\n", block);
		const char *p = strstr(text, hdr);
		g_assert_nonnull(p);
		p += strlen(hdr);
		g_free(hdr);
		for (guint k = 0; k < se->x->len; k++) {
			p = expect_number(p, D(se->x, k));
			p = expect_number(p, D(se->y, k));
			if (se->style == PS_SEGMENTS) {
				p = expect_number(p, D(se->x2, k));
				p = expect_number(p, D(se->y2, k));
			}
			g_assert_cmpint(*p, ==, '\n');
			p++;
		}
		g_assert_true(g_str_has_prefix(p, "EOD\n"));
		char *use = g_strdup_printf("$s%u using", block);
		g_assert_nonnull(strstr(text, use));
		g_free(use);
		block++;
	}
	char *extra = g_strdup_printf("$s%u << EOD", block);
	g_assert_null(strstr(text, extra));
	g_free(extra);
}

static void check_handed_data(const struct plot_spec *s)
{
	struct render_opts o = { .output = "check.png" };
	char *text = plot_script_text(s, &o);
	check_handed_data_text(s, text);
	g_free(text);
}

/* every subflow series has its subflow's colour */
static void check_colours(const struct tables *t, const struct plot_spec *s)
{
	for (guint i = 0; i < s->series->len; i++) {
		const struct plot_series *se = g_ptr_array_index(s->series, i);
		if (se->stream == NO_ROW)
			continue;
		const struct tcp_conn *c = tables_tcp(t, se->stream);
		int want = c->mptcp == NO_ROW ? 0 : rank_of(tables_mptcp(t, c->mptcp), se->stream);
		g_assert_cmpint(se->color, ==, want);
	}
}

static struct plot_spec *try_build(const struct tables *t, const char *type, const char *args, GError **err)
{
	const struct plot_type *pt = plot_type_find(type);
	g_assert_nonnull(pt);
	char **argv = g_strsplit(args, " ", -1);
	struct plot_input in = { t, NULL };
	struct plot_spec *s = plot_spec_new(NULL, NULL, NULL);
	bool ok = pt->build(&in, (int)g_strv_length(argv), argv, s, err);
	g_strfreev(argv);
	if (!ok) {
		plot_spec_free(s);
		return NULL;
	}
	return s;
}

static struct plot_spec *build(const struct tables *t, const char *type, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static struct plot_spec *build(const struct tables *t, const char *type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *args = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	GError *err = NULL;
	struct plot_spec *s = try_build(t, type, args, &err);
	g_assert_no_error(err);
	g_assert_nonnull(s);
	g_assert_nonnull(s->title);
	g_assert_nonnull(s->xlabel);
	g_assert_nonnull(s->ylabel);
	g_free(args);
	check_handed_data(s);
	check_colours(t, s);
	return s;
}

/* the one series with this role, stream and destination (NULL: none) */
static const struct plot_series *find_series(const struct plot_spec *s, const char *role, uint32_t stream, int dir)
{
	const struct plot_series *found = NULL;
	for (guint i = 0; i < s->series->len; i++) {
		const struct plot_series *se = g_ptr_array_index(s->series, i);
		if (se->role && strcmp(se->role, role) == 0 && se->stream == stream && se->dir == dir) {
			g_assert_null(found);
			found = se;
		}
	}
	return found;
}

static const struct plot_series *need_series(const struct plot_spec *s, const char *role, uint32_t stream, int dir)
{
	const struct plot_series *se = find_series(s, role, stream, dir);
	if (!se)
		g_error("no series %s stream %u dir %d", role, stream, dir);
	return se;
}

static guint n_conns(const struct tables *t)
{
	return MIN(t->mptcp->len, MAX_CONNS);
}

static const char *dest_name(int d)
{
	return d ? "Client" : "Server";
}

/* area under a step curve: y_k holds from x_k to x_k+1 */
static double integral(const struct plot_series *se)
{
	double sum = 0;
	for (guint k = 0; k + 1 < se->x->len; k++)
		sum += D(se->y, k) * (D(se->x, k + 1) - D(se->x, k));
	return sum;
}

static void assert_close(double got, double want)
{
	if (fabs(got - want) > 1e-9 * fabs(want) + 1e-6)
		g_error("got %.12g, want %.12g", got, want);
}

/* ------------------------------------------------------------------ dsn */

static void check_dsn_conn(const struct cap *c, const struct mptcp_conn *m, int d)
{
	const struct tables *t = c->t;
	struct plot_spec *s = build(t, "dsn", "%u --dest %s --dack", m->id, dest_name(d));
	guint total = 0;
	for (guint r = 0; r < m->subflows->len; r++) {
		uint32_t sf = g_array_index(m->subflows, uint32_t, r);
		const struct plot_series *data = need_series(s, "data", sf, d);
		const struct plot_series *reinj = need_series(s, "reinjection", sf, d);
		const struct plot_series *dack = need_series(s, "dack", sf, !d);
		guint nd = 0, nr = 0, na = 0, packets = 0;
		for (uint32_t row = 0; row < t->packets->len; row++) {
			const struct fact *f = &c->f[row];
			if (f->stream != sf)
				continue;
			if (is_data(f, m, d)) {
				packets++;
				const struct plot_series *se = f->reinj ? reinj : data;
				guint k = f->reinj ? nr++ : nd++;
				g_assert_cmpuint(k, <, se->x->len);
				g_assert_cmpfloat(D(se->y, k), ==, (double)f->dsn);
				g_assert_cmpfloat_with_epsilon(D(se->x, k), f->reltime, 1e-9);
			}
			if (f->mptcp == (int64_t)m->id && f->mdest == !d && f->has_dack) {
				g_assert_cmpuint(na, <, dack->x->len);
				g_assert_cmpfloat(D(dack->y, na), ==, (double)f->dack);
				na++;
			}
		}
		/* points per subflow = that subflow's data packets */
		g_assert_cmpuint(data->x->len + reinj->x->len, ==, packets);
		g_assert_cmpuint(data->x->len, ==, nd);
		g_assert_cmpuint(reinj->x->len, ==, nr);
		g_assert_cmpuint(dack->x->len, ==, na);
		total += packets;
	}
	g_test_message("dsn %u towards %s: %u data packets", m->id, dest_name(d), total);
	plot_spec_free(s);
}

static void test_dsn(gconstpointer path)
{
	const struct cap *c = load(path);
	for (guint i = 0; i < n_conns(c->t); i++)
		for (int d = 0; d < 2; d++)
			check_dsn_conn(c, tables_mptcp(c->t, i), d);
}

/* ------------------------------------------------------------------ dss */

static void check_dss_conn(const struct cap *c, const struct mptcp_conn *m, int d)
{
	const struct tables *t = c->t;
	struct plot_spec *s = build(t, "dss", "%u --dest %s", m->id, dest_name(d));
	const struct plot_series *ack = need_series(s, "dack", NO_ROW, !d);
	guint na = 0;
	for (uint32_t row = 0; row < t->packets->len; row++) {
		const struct fact *f = &c->f[row];
		if (f->mptcp == (int64_t)m->id && f->mdest == !d && f->has_dack) {
			g_assert_cmpfloat(D(ack->y, na), ==, (double)f->dack);
			na++;
		}
	}
	g_assert_cmpuint(ack->x->len, ==, na);
	for (guint r = 0; r < m->subflows->len; r++) {
		uint32_t sf = g_array_index(m->subflows, uint32_t, r);
		const struct plot_series *se = need_series(s, "mapping", sf, d);
		guint k = 0;
		for (uint32_t row = 0; row < t->packets->len; row++) {
			const struct fact *f = &c->f[row];
			if (f->stream != sf || f->mdest != d || !f->has_map || f->dss_len == 0)
				continue;
			g_assert_cmpuint(k, <, se->x->len);
			g_assert_cmpfloat_with_epsilon(D(se->x, k), f->reltime, 1e-9);
			g_assert_cmpfloat(D(se->x2, k), ==, D(se->x, k));
			g_assert_cmpfloat(D(se->y2, k) - D(se->y, k), ==, (double)f->dss_len);
			/* the wire's DSN (32 or 64 bits) = relative + IDSN */
			uint64_t abs = (uint64_t)D(se->y, k) + m->idsn[d];
			if (f->dss_dsn <= UINT32_MAX)
				g_assert_cmpuint((uint32_t)abs, ==, (uint32_t)f->dss_dsn);
			else
				g_assert_cmpuint(abs, ==, f->dss_dsn);
			k++;
		}
		g_assert_cmpuint(se->x->len, ==, k);
	}
	plot_spec_free(s);
}

static void test_dss(gconstpointer path)
{
	const struct cap *c = load(path);
	for (guint i = 0; i < n_conns(c->t); i++)
		for (int d = 0; d < 2; d++)
			check_dss_conn(c, tables_mptcp(c->t, i), d);
}

/* ------------------------------------------------------------------ interarrival */

/* first arrival of each DSN of the data packets of `stream` (NO_ROW: all
 * subflows); returns the number of distinct DSNs and the arrival times of the
 * lowest and the highest DSN */
static guint distinct_dsns(const struct cap *c, const struct mptcp_conn *m, int d, uint32_t stream,
                           double *t_lo, double *t_hi)
{
	GHashTable *first = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	uint64_t lo = UINT64_MAX, hi = 0;
	for (uint32_t row = 0; row < c->t->packets->len; row++) {
		const struct fact *f = &c->f[row];
		if (!is_data(f, m, d) || (stream != NO_ROW && f->stream != stream))
			continue;
		double *ts = g_hash_table_lookup(first, &f->dsn);
		if (!ts) {
			gint64 *k = g_new(gint64, 1);
			*k = (gint64)f->dsn;
			ts = g_new(double, 1);
			*ts = f->reltime;
			g_hash_table_insert(first, k, ts);
		} else if (f->reltime < *ts) {
			*ts = f->reltime;
		}
		lo = MIN(lo, f->dsn);
		hi = MAX(hi, f->dsn);
	}
	guint n = g_hash_table_size(first);
	if (n) {
		*t_lo = *(double *)g_hash_table_lookup(first, &lo);
		*t_hi = *(double *)g_hash_table_lookup(first, &hi);
	}
	g_hash_table_unref(first);
	return n;
}

static void check_gaps(const struct plot_series *se, guint want, double sum_ms)
{
	g_assert_cmpuint(se->x->len, ==, want);
	double sum = 0;
	for (guint k = 0; k < se->y->len; k++)
		sum += D(se->y, k);
	/* consecutive gaps telescope: their sum is last minus first arrival */
	g_assert_cmpfloat_with_epsilon(sum, sum_ms, 1e-6);
}

static void check_cdf(const struct plot_spec *s)
{
	for (guint i = 0; i < s->series->len; i++) {
		const struct plot_series *se = g_ptr_array_index(s->series, i);
		for (guint k = 1; k < se->x->len; k++) {
			g_assert_cmpfloat(D(se->x, k - 1), <=, D(se->x, k));
			g_assert_cmpfloat(D(se->y, k - 1), <, D(se->y, k));
		}
		if (se->x->len)
			g_assert_cmpfloat(D(se->y, se->y->len - 1), ==, 1.0);
	}
}

static void check_interarrival_conn(const struct cap *c, const struct mptcp_conn *m, int d)
{
	const struct tables *t = c->t;
	double lo, hi;
	/* per subflow */
	struct plot_spec *s = build(t, "interarrival", "%u --dest %s", m->id, dest_name(d));
	struct plot_spec *cdf = build(t, "interarrival", "%u --dest %s --cdf", m->id, dest_name(d));
	check_cdf(cdf);
	for (guint r = 0; r < m->subflows->len; r++) {
		uint32_t sf = g_array_index(m->subflows, uint32_t, r);
		guint n = distinct_dsns(c, m, d, sf, &lo, &hi);
		check_gaps(need_series(s, "gap", sf, d), n ? n - 1 : 0, n ? (hi - lo) * 1e3 : 0);
		g_assert_cmpuint(need_series(cdf, "gap", sf, d)->x->len, ==, n ? n - 1 : 0);
	}
	plot_spec_free(s);
	plot_spec_free(cdf);
	/* across subflows: every gap of the connection, once */
	s = build(t, "interarrival", "%u --dest %s --cross", m->id, dest_name(d));
	guint n = distinct_dsns(c, m, d, NO_ROW, &lo, &hi), points = 0;
	double sum = 0;
	for (guint i = 0; i < s->series->len; i++) {
		const struct plot_series *se = g_ptr_array_index(s->series, i);
		points += se->x->len;
		for (guint k = 0; k < se->y->len; k++)
			sum += D(se->y, k);
	}
	g_assert_cmpuint(points, ==, n ? n - 1 : 0);
	g_assert_cmpfloat_with_epsilon(sum, n ? (hi - lo) * 1e3 : 0, 1e-6);
	plot_spec_free(s);
}

static void test_interarrival(gconstpointer path)
{
	const struct cap *c = load(path);
	for (guint i = 0; i < n_conns(c->t); i++)
		for (int d = 0; d < 2; d++)
			check_interarrival_conn(c, tables_mptcp(c->t, i), d);
}

/* ------------------------------------------------------------------ attributes */

static void check_values(const struct cap *c, const struct plot_series *se, const char *field, uint32_t stream,
                         int dest, bool mptcp)
{
	guint k = 0;
	for (uint32_t row = 0; row < c->t->packets->len; row++) {
		const struct fact *f = &c->f[row];
		if (f->stream != stream || (mptcp ? f->mdest : f->tdest) != dest)
			continue;
		char *v = col_text(c->t, field, row);
		if (*v) {
			g_assert_cmpuint(k, <, se->x->len);
			g_assert_cmpfloat(D(se->y, k), ==, g_ascii_strtod(v, NULL));
			g_assert_cmpfloat_with_epsilon(D(se->x, k), f->reltime, 1e-9);
			k++;
		}
		g_free(v);
	}
	g_assert_cmpuint(se->x->len, ==, k);
}

static void test_tcp_attr(gconstpointer path)
{
	const struct cap *c = load(path);
	static const char *const fields[] = { "tcpseq", "rwnd", "tcplen" };
	for (guint sf = 0; sf < MIN(c->t->tcp->len, MAX_STREAMS); sf++) {
		struct plot_spec *s = build(c->t, "tcp_attr", "%u tcpseq rwnd tcplen", sf);
		for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
			for (int d = 0; d < 2; d++)
				check_values(c, need_series(s, fields[i], sf, d), fields[i], sf, d, false);
		plot_spec_free(s);
	}
}

static void test_mptcp_attr(gconstpointer path)
{
	const struct cap *c = load(path);
	static const char *const fields[] = { "dsn", "dack", "dss_ssn" };
	for (guint i = 0; i < n_conns(c->t); i++) {
		const struct mptcp_conn *m = tables_mptcp(c->t, i);
		struct plot_spec *s = build(c->t, "mptcp_attr", "%u dsn dack dss_ssn", i);
		for (guint r = 0; r < m->subflows->len; r++)
			for (size_t f = 0; f < G_N_ELEMENTS(fields); f++)
				for (int d = 0; d < 2; d++) {
					uint32_t sf = g_array_index(m->subflows, uint32_t, r);
					check_values(c, need_series(s, fields[f], sf, d), fields[f], sf, d, true);
				}
		plot_spec_free(s);
	}
}

/* ------------------------------------------------------------------ throughput */

static void check_rate_curve(const struct plot_series *se, uint64_t bytes, double scale, double window)
{
	assert_close(integral(se), (double)bytes * scale);
	double peak = 0;
	for (guint k = 0; k < se->y->len; k++) {
		g_assert_cmpfloat(D(se->y, k), >=, 0);
		peak = MAX(peak, D(se->y, k));
	}
	g_assert_cmpfloat(peak, <=, (double)bytes * scale / window * (1 + 1e-12));
	if (se->y->len)
		g_assert_cmpfloat(D(se->y, se->y->len - 1), ==, 0);
}

static bool goodput_packet(const struct tables *t, uint32_t row)
{
	return !(tables_pkt(t, row)->marks & (PF_RETRANS | PF_REINJECTION));
}

static void check_mptcp_tput(const struct cap *c, const struct mptcp_conn *m, int d, bool goodput, bool bytes_unit,
                             double window)
{
	struct plot_spec *s = build(c->t, "mptcp_tput", "%u --dest %s --window %g%s%s", m->id, dest_name(d), window,
	                            goodput ? " --goodput" : "", bytes_unit ? " --bytes" : "");
	double scale = bytes_unit ? 1 : 8;
	g_assert_nonnull(strstr(s->ylabel, bytes_unit ? "bytes/s" : "bit/s"));
	uint64_t all = 0;
	for (guint r = 0; r < m->subflows->len; r++) {
		uint32_t sf = g_array_index(m->subflows, uint32_t, r);
		uint64_t bytes = 0;
		for (uint32_t row = 0; row < c->t->packets->len; row++) {
			const struct fact *f = &c->f[row];
			if (f->stream == sf && f->mdest == d && f->len > 0 && (!goodput || goodput_packet(c->t, row)))
				bytes += f->len;
		}
		check_rate_curve(need_series(s, goodput ? "goodput" : "throughput", sf, d), bytes, scale, window);
		all += bytes;
	}
	check_rate_curve(need_series(s, "total", NO_ROW, d), all, scale, window);
	plot_spec_free(s);
}

static void test_mptcp_tput(gconstpointer path)
{
	const struct cap *c = load(path);
	for (guint i = 0; i < n_conns(c->t); i++)
		for (int d = 0; d < 2; d++) {
			const struct mptcp_conn *m = tables_mptcp(c->t, i);
			check_mptcp_tput(c, m, d, false, false, 1.0);
			check_mptcp_tput(c, m, d, true, false, 1.0);
			check_mptcp_tput(c, m, d, false, true, 0.25);
		}
}

static void test_tcp_tput(gconstpointer path)
{
	const struct cap *c = load(path);
	for (guint sf = 0; sf < MIN(c->t->tcp->len, MAX_STREAMS); sf++)
		for (int goodput = 0; goodput < 2; goodput++) {
			struct plot_spec *s = build(c->t, "tcp_tput", "%u --window 0.5%s", sf, goodput ? " --goodput" : "");
			for (int d = 0; d < 2; d++) {
				uint64_t bytes = 0;
				for (uint32_t row = 0; row < c->t->packets->len; row++) {
					const struct fact *f = &c->f[row];
					bool rtx = tables_pkt(c->t, row)->marks & PF_RETRANS;
					if (f->stream == sf && f->tdest == d && f->len > 0 && !(goodput && rtx))
						bytes += f->len;
				}
				check_rate_curve(need_series(s, goodput ? "goodput" : "throughput", sf, d), bytes, 8, 0.5);
			}
			plot_spec_free(s);
		}
}

/* the sampling rule on made-up numbers: two packets, overlapping windows */
static void test_window_rule(void)
{
	/* exercised through a tiny table: 2 packets of 1000 and 500 bytes at 0.1 s and 0.3 s */
	struct tables *t = tables_new();
	t->first_ns = 1000000000;
	struct tcp_conn c = { 0 };
	c.family = 4;
	c.mptcp = NO_ROW;
	c.client = 0;
	c.first_pkt = 0;
	c.last_pkt = 1;
	c.n_pkts = 2;
	g_array_append_val(t->tcp, c);
	struct pkt p = { 0 };
	p.ts_ns = t->first_ns + 100000000;
	p.mapping = NO_ROW;
	tables_add_pkt(t, &p, 1000, 0);
	p.ts_ns = t->first_ns + 300000000;
	tables_add_pkt(t, &p, 500, 0);
	struct plot_spec *s = build(t, "tcp_tput", "0 --window 0.5 --bytes --dest Server");
	const struct plot_series *se = need_series(s, "throughput", 0, 0);
	/* (0.1,0) (0.1,2000) (0.3,3000) (0.6,1000) (0.8,0) */
	static const double want_x[] = { 0.1, 0.1, 0.3, 0.6, 0.8 }, want_y[] = { 0, 2000, 3000, 1000, 0 };
	g_assert_cmpuint(se->x->len, ==, G_N_ELEMENTS(want_x));
	for (guint k = 0; k < se->x->len; k++) {
		g_assert_cmpfloat_with_epsilon(D(se->x, k), want_x[k], 1e-12);
		g_assert_cmpfloat_with_epsilon(D(se->y, k), want_y[k], 1e-9);
	}
	assert_close(integral(se), 1500);
	g_assert_null(find_series(s, "throughput", 0, 1));
	plot_spec_free(s);
	tables_free(t);
}

/* ------------------------------------------------------------------ reinjections */

static void test_reinject(gconstpointer path)
{
	const struct cap *c = load(path);
	for (guint i = 0; i < n_conns(c->t); i++) {
		const struct mptcp_conn *m = tables_mptcp(c->t, i);
		struct plot_spec *s = build(c->t, "reinject", "%u", i);
		for (int d = 0; d < 2; d++) {
			uint64_t reinj = 0, sent = 0;
			for (guint r = 0; r < m->subflows->len; r++) {
				uint32_t sf = g_array_index(m->subflows, uint32_t, r);
				const struct plot_series *se = need_series(s, "reinjection", sf, d);
				guint k = 0;
				for (uint32_t row = 0; row < c->t->packets->len; row++) {
					const struct fact *f = &c->f[row];
					if (f->stream != sf || !is_data(f, m, d))
						continue;
					sent += f->len;
					if (!f->reinj)
						continue;
					g_assert_cmpuint(k, <, se->x->len);
					g_assert_cmpfloat(D(se->y, k), ==, f->len);
					g_assert_cmpfloat_with_epsilon(D(se->x, k), f->reltime, 1e-9);
					reinj += f->len;
					k++;
				}
				g_assert_cmpuint(se->x->len, ==, k);
			}
			/* the tracker's own count agrees, and the title gives the share */
			g_assert_cmpuint(reinj, ==, m->dir[d].reinjected_bytes);
			double pct = sent ? 100.0 * (double)reinj / (double)sent : 0.0;
			char *share = d == 0 ? g_strdup_printf("%.2f %% of the bytes towards Server", pct)
			                     : g_strdup_printf("%.2f %% towards Client", pct);
			g_assert_nonnull(strstr(s->title, share));
			g_free(share);
		}
		plot_spec_free(s);
	}
}

/* v0/client_2.pcap: tshark's packet 887 (our frame 895: the capture holds 8
 * non-TCP frames before it, see test_mptcp_facts) on tcp.stream 4 is a
 * reinjection of tshark's 484 (our frame 492) on tcp.stream 3 */
static void test_client2_reinjection(void)
{
	if (!shared_dir) {
		g_test_skip("../shared is absent");
		return;
	}
	char *path = g_build_filename(shared_dir, "captures", "v0", "client_2.pcap", NULL);
	const struct cap *c = load(path);
	g_free(path);
	uint32_t r887 = NO_ROW, r484 = NO_ROW;
	for (uint32_t row = 0; row < c->t->packets->len; row++) {
		if (c->f[row].frame == 895)
			r887 = row;
		if (c->f[row].frame == 492)
			r484 = row;
	}
	g_assert_cmpuint(r887, !=, NO_ROW);
	g_assert_cmpuint(r484, !=, NO_ROW);
	const struct fact *f = &c->f[r887], *o = &c->f[r484];
	g_assert_cmpuint(f->stream, ==, 4);
	g_assert_cmpuint(o->stream, ==, 3);
	struct plot_spec *s = build(c->t, "reinject", "%" G_GINT64_FORMAT, f->mptcp);
	const struct plot_series *se = need_series(s, "reinjection", 4, f->mdest);
	bool seen = false;
	for (guint k = 0; k < se->x->len; k++)
		seen = seen || (fabs(D(se->x, k) - f->reltime) < 1e-9 && D(se->y, k) == f->len);
	g_assert_true(seen);
	plot_spec_free(s);
	/* on the dsn plot it is a reinjection point of stream 4 inside 484's range */
	s = build(c->t, "dsn", "%" G_GINT64_FORMAT " --dest %s", f->mptcp, dest_name(f->mdest));
	se = need_series(s, "reinjection", 4, f->mdest);
	seen = false;
	for (guint k = 0; k < se->x->len; k++)
		seen = seen || (fabs(D(se->x, k) - f->reltime) < 1e-9 && D(se->y, k) == (double)f->dsn);
	g_assert_true(seen);
	g_assert_cmpuint(f->dsn, <, o->dsn + o->len);
	g_assert_cmpuint(f->dsn + f->len, >, o->dsn);
	plot_spec_free(s);
}

/* ------------------------------------------------------------------ registry and arguments */

static void test_registry(void)
{
	static const char *const names[] = { "dsn", "dss", "interarrival", "tcp_attr", "mptcp_attr",
	                                     "tcp_tput", "mptcp_tput", "reinject" };
	size_t n;
	plot_builtin_register();
	const struct plot_type **all = plot_types(&n);
	g_assert_cmpuint(n, >=, G_N_ELEMENTS(names));
	g_assert_null(all[n]);
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		const struct plot_type *pt = plot_type_find(names[i]);
		g_assert_nonnull(pt);
		g_assert_cmpstr(pt->name, ==, names[i]);
		g_assert_true(g_str_has_prefix(pt->usage, names[i]));
		g_assert_nonnull(pt->summary);
		g_assert_cmpint(pt->n_captures, ==, 1);
		g_assert_false(plot_type_register(pt)); /* the name is taken */
	}
	plot_builtin_register(); /* idempotent */
	size_t n2;
	plot_types(&n2);
	g_assert_cmpuint(n2, ==, n);
	g_assert_null(plot_type_find("nope"));
	static const struct plot_type extra = { "test_extra", "x", "test_extra", 1, NULL };
	g_assert_false(plot_type_register(&extra)); /* no build function */
}

static void expect_error(const struct tables *t, const char *type, const char *args, const char *part)
{
	GError *err = NULL;
	struct plot_spec *s = try_build(t, type, args, &err);
	g_assert_null(s);
	g_assert_nonnull(err);
	if (!strstr(err->message, part) || !g_str_has_prefix(err->message, type))
		g_error("%s %s: message '%s' lacks '%s'", type, args, err->message, part);
	g_error_free(err);
}

static void test_bad_args(void)
{
	struct tables *t = tables_new(); /* no stream at all */
	expect_error(t, "dsn", "0", "no MPTCP connection");
	expect_error(t, "tcp_tput", "0", "no TCP stream");
	expect_error(t, "dsn", "zero", "not an MPTCP stream number");
	expect_error(t, "dsn", "-1", "not an MPTCP stream number");
	expect_error(t, "dsn", "", "missing arguments");
	expect_error(t, "dsn", "0 --dest Nowhere", "--dest expects Client or Server");
	expect_error(t, "dsn", "0 --frobnicate", "unknown option --frobnicate");
	expect_error(t, "dsn", "0 1", "too many arguments");
	expect_error(t, "dss", "0 --dack", "unknown option --dack");
	expect_error(t, "mptcp_tput", "0 --window", "--window needs a value");
	expect_error(t, "mptcp_tput", "0 --window abc", "--window expects a number");
	expect_error(t, "mptcp_tput", "0 --window -1", "positive number of seconds");
	expect_error(t, "mptcp_tput", "0 --window 0", "positive number of seconds");
	expect_error(t, "tcp_attr", "0", "missing arguments");
	expect_error(t, "tcp_attr", "0 nosuchfield", "unknown field 'nosuchfield'");
	expect_error(t, "tcp_attr", "0 ipsrc", "field 'ipsrc' is not a number");
	expect_error(t, "mptcp_attr", "0 tcpseq tcpseq tcpseq tcpseq tcpseq tcpseq tcpseq tcpseq tcpseq", "at most");
	expect_error(t, "reinject", "0 --goodput", "unknown option --goodput");
	expect_error(t, "interarrival", "0 --cdf=yes", "takes no value");
	tables_free(t);
	/* a real capture: streams past the end */
	if (capture_paths->len) {
		const struct cap *c = load(g_ptr_array_index(capture_paths, 0));
		char *args = g_strdup_printf("%u", c->t->mptcp->len);
		expect_error(c->t, "dsn", args, "no MPTCP stream");
		g_free(args);
		args = g_strdup_printf("%u tcpseq", c->t->tcp->len);
		expect_error(c->t, "tcp_attr", args, "no TCP stream");
		g_free(args);
		struct plot_spec *s = build(c->t, "dsn", "0 --dest=client");
		g_assert_nonnull(strstr(s->title, "towards Client"));
		plot_spec_free(s);
	}
}

static void test_default_output(void)
{
	char *a = plot_default_output("/x/y/lossy-client.pcap", "dsn", "0", "svg");
	g_assert_cmpstr(a, ==, "lossy-client-dsn-0.svg");
	char *b = plot_default_output("capture.pcapng", "tcp_tput", "3", NULL);
	g_assert_cmpstr(b, ==, "capture-tcp_tput-3.png");
	char *c = plot_default_output("dir.v2/noext", "reinject", NULL, "pdf");
	g_assert_cmpstr(c, ==, "noext-reinject.pdf");
	g_free(a);
	g_free(b);
	g_free(c);
	struct render_opts o = { .output = "a/b.c/plot.SVG" };
	g_assert_cmpstr(plot_output_format(&o), ==, "svg");
	o.output = "a.b/plot";
	g_assert_null(plot_output_format(&o));
	o.format = "pdf";
	g_assert_cmpstr(plot_output_format(&o), ==, "pdf");
	o.format = "jpeg";
	g_assert_null(plot_output_format(&o));
}

/* ------------------------------------------------------------------ rendering */

static char *tmp_file(const char *name)
{
	return g_build_filename(tmp_dir, name, NULL);
}

/* files in the temporary folder whose name starts with prefix */
static guint files_with_prefix(const char *prefix)
{
	GDir *d = g_dir_open(tmp_dir, 0, NULL);
	guint n = 0;
	for (const char *e; (e = g_dir_read_name(d));)
		n += g_str_has_prefix(e, prefix);
	g_dir_close(d);
	return n;
}

static void check_file(const char *path, const char *fmt)
{
	char *data;
	gsize len;
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_assert_cmpuint(len, >, 2048);
	if (strcmp(fmt, "png") == 0)
		g_assert_true(memcmp(data, "\x89PNG", 4) == 0);
	else if (strcmp(fmt, "pdf") == 0)
		g_assert_true(memcmp(data, "%PDF", 4) == 0);
	else
		g_assert_nonnull(g_strstr_len(data, (gssize)len, "<svg"));
	g_free(data);
}

static const char *render_lossy_path(void)
{
	for (guint i = 0; i < capture_paths->len; i++)
		if (g_str_has_suffix(g_ptr_array_index(capture_paths, i), "lossy-client.pcap"))
			return g_ptr_array_index(capture_paths, i);
	return capture_paths->len ? g_ptr_array_index(capture_paths, 0) : NULL;
}

static void test_render_all_types(void)
{
	const char *path = render_lossy_path();
	if (!have_gnuplot || !path) {
		g_test_skip(!have_gnuplot ? "gnuplot is not installed" : "no capture");
		return;
	}
	static const char *const specs[][2] = {
		{ "dsn", "0 --dack" }, { "dss", "0" }, { "interarrival", "0 --cross" }, { "interarrival", "0 --cdf" },
		{ "tcp_attr", "0 tcpseq tcpack" }, { "mptcp_attr", "0 dsn" }, { "tcp_tput", "0" },
		{ "mptcp_tput", "0 --goodput" }, { "reinject", "0" },
	};
	const struct cap *c = load(path);
	for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
		struct plot_spec *s = build(c->t, specs[i][0], "%s", specs[i][1]);
		char *name = g_strdup_printf("all-%zu.png", i), *script_name = g_strdup_printf("all-%zu.gp", i);
		char *out = tmp_file(name), *script = tmp_file(script_name);
		struct render_opts o = { .output = out, .script_path = script, .width = 800, .height = 500 };
		GError *err = NULL;
		g_assert_true(plot_render(s, &o, &err));
		g_assert_no_error(err);
		check_file(out, "png");
		/* the saved script renders the same file and holds the same data */
		char *text;
		g_assert_true(g_file_get_contents(script, &text, NULL, NULL));
		char *set_output = g_strdup_printf("set output '%s'", out);
		g_assert_nonnull(strstr(text, set_output));
		check_handed_data_text(s, text);
		g_free(set_output);
		g_free(text);
		g_free(out);
		g_free(script);
		g_free(name);
		g_free(script_name);
		plot_spec_free(s);
	}
	g_assert_cmpuint(files_with_prefix("all-"), ==, 2 * G_N_ELEMENTS(specs)); /* no temporary left */
}

static void test_render_formats(void)
{
	const char *path = render_lossy_path();
	if (!have_gnuplot || !path) {
		g_test_skip(!have_gnuplot ? "gnuplot is not installed" : "no capture");
		return;
	}
	const struct cap *c = load(path);
	struct plot_spec *s = build(c->t, "dsn", "0");
	static const char *const fmts[] = { "png", "svg", "pdf" };
	for (size_t i = 0; i < G_N_ELEMENTS(fmts); i++) {
		char *name = g_strdup_printf("fmt.%s", fmts[i]);
		char *out = tmp_file(name);
		struct render_opts o = { .output = out };
		GError *err = NULL;
		g_assert_true(plot_render(s, &o, &err));
		g_assert_no_error(err);
		check_file(out, fmts[i]);
		g_free(out);
		g_free(name);
	}
	/* --format wins over the extension */
	char *out = tmp_file("forced.png");
	struct render_opts o = { .output = out, .format = "svg" };
	g_assert_true(plot_render(s, &o, NULL));
	check_file(out, "svg");
	g_free(out);
	/* an unknown extension is refused before anything runs */
	out = tmp_file("bad.jpeg");
	o = (struct render_opts){ .output = out };
	GError *err = NULL;
	g_assert_false(plot_render(s, &o, &err));
	g_assert_nonnull(strstr(err->message, ".png, .svg or .pdf"));
	g_clear_error(&err);
	g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
	g_free(out);
	plot_spec_free(s);
	g_assert_cmpuint(files_with_prefix("fmt."), ==, 3);
	g_assert_cmpuint(files_with_prefix("bad.jpeg"), ==, 0);
}

/* renders `s` to NAME and checks the PNG */
static void render_png(const struct plot_spec *s, const char *name)
{
	char *out = tmp_file(name);
	struct render_opts o = { .output = out };
	GError *err = NULL;
	bool ok = plot_render(s, &o, &err);
	g_assert_no_error(err);
	g_assert_true(ok);
	check_file(out, "png");
	g_free(out);
}

/* a plot without a single point still renders (an empty frame saying so) */
static void test_render_empty(void)
{
	if (!have_gnuplot) {
		g_test_skip("gnuplot is not installed");
		return;
	}
	struct plot_spec *s = plot_spec_new("nothing", "x (s)", "y (bytes)");
	plot_spec_add_series(s, "empty", 0, PS_POINTS);
	render_png(s, "empty.png");
	s->has_xrange = true;
	s->xmin = 2;
	s->xmax = 5;
	render_png(s, "empty-range.png");
	plot_spec_free(s);
}

/* quotes, backslashes, '@' and line breaks in titles and legends */
static void test_render_odd_texts(void)
{
	if (!have_gnuplot) {
		g_test_skip("gnuplot is not installed");
		return;
	}
	struct plot_spec *s = plot_spec_new("nothing's \"here\" \\ 'quoted' @x\nsecond line", "x \"s\"", "y\\");
	plot_series_add(plot_spec_add_series(s, "a legend\nplot 1/0 # on two lines", 1, PS_LINES), 0.5, 0.5);
	plot_series_add(plot_spec_add_series(s, "it's \"quoted\" \\", 2, PS_POINTS), 0.7, 0.2);
	render_png(s, "odd.png");
	check_handed_data(s);
	plot_spec_free(s);
}

static void test_no_gnuplot(void)
{
	struct plot_spec *s = plot_spec_new("t", "x", "y");
	plot_series_add(plot_spec_add_series(s, "a", 0, PS_LINES), 1, 2);
	char *out = tmp_file("nognuplot.png"), *script = tmp_file("nognuplot.gp");
	struct render_opts o = { .output = out, .gnuplot = "/nonexistent/bin/gnuplot", .script_path = script };
	GError *err = NULL;
	g_assert_false(plot_render(s, &o, &err));
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "gnuplot-nox"));
	g_assert_nonnull(strstr(err->message, "/nonexistent/bin/gnuplot"));
	g_assert_null(strchr(err->message, '\n')); /* one line */
	g_clear_error(&err);
	g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(script, G_FILE_TEST_EXISTS));
	g_assert_cmpuint(files_with_prefix("nognuplot"), ==, 0);
	g_assert_null(plot_gnuplot_version("/nonexistent/bin/gnuplot"));
	/* a program that runs but fails is reported, and leaves nothing */
	o.gnuplot = "false";
	g_assert_false(plot_render(s, &o, &err));
	g_assert_nonnull(strstr(err->message, "failed"));
	g_clear_error(&err);
	g_assert_cmpuint(files_with_prefix("nognuplot"), ==, 0);
	g_assert_null(plot_gnuplot_version("false"));
	g_free(out);
	g_free(script);
	plot_spec_free(s);
}

static void test_version(void)
{
	if (!have_gnuplot) {
		g_test_skip("gnuplot is not installed");
		return;
	}
	char *v = plot_gnuplot_version(NULL);
	g_assert_nonnull(v);
	g_assert_true(g_str_has_prefix(v, "gnuplot "));
	g_assert_null(strchr(v, '\n'));
	g_free(v);
}

/* ------------------------------------------------------------------ main */

/* g_ptr_array_sort passes pointers to the elements */
static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void add_captures(void)
{
	capture_paths = g_ptr_array_new_with_free_func(g_free);
	GDir *d = examples_dir ? g_dir_open(examples_dir, 0, NULL) : NULL;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	for (const char *e; d && (e = g_dir_read_name(d));)
		if (g_str_has_suffix(e, ".pcap") || g_str_has_suffix(e, ".pcapng"))
			g_ptr_array_add(names, g_strdup(e));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++)
		g_ptr_array_add(capture_paths, g_build_filename(examples_dir, g_ptr_array_index(names, i), NULL));
	g_ptr_array_unref(names);
	static const char *const shared[] = { "v1/lossy-client.pcap", "v1/bidir-server.pcap", "v0/client_2.pcap" };
	for (size_t i = 0; shared_dir && i < G_N_ELEMENTS(shared); i++) {
		char *p = g_build_filename(shared_dir, "captures", shared[i], NULL);
		if (g_file_test(p, G_FILE_TEST_EXISTS))
			g_ptr_array_add(capture_paths, p);
		else
			g_free(p);
	}
}

static void add_value_tests(void)
{
	static const struct {
		const char *name;
		GTestDataFunc fn;
	} tests[] = {
		{ "dsn", test_dsn }, { "dss", test_dss }, { "interarrival", test_interarrival },
		{ "tcp_attr", test_tcp_attr }, { "mptcp_attr", test_mptcp_attr }, { "tcp_tput", test_tcp_tput },
		{ "mptcp_tput", test_mptcp_tput }, { "reinject", test_reinject },
	};
	for (guint c = 0; c < capture_paths->len; c++) {
		const char *path = g_ptr_array_index(capture_paths, c);
		char *parent = g_path_get_dirname(path), *dir = g_path_get_basename(parent);
		char *base = g_path_get_basename(path);
		for (size_t i = 0; i < G_N_ELEMENTS(tests); i++) {
			char *name = g_strdup_printf("/plot/%s/%s/%s", tests[i].name, dir, base);
			g_test_add_data_func(name, path, tests[i].fn);
			g_free(name);
		}
		g_free(base);
		g_free(dir);
		g_free(parent);
	}
}

static void skip_no_capture(void)
{
	g_test_skip("neither examples/*.pcap nor ../shared/captures found");
}

static void remove_tmp_dir(void)
{
	test_remove_dir(tmp_dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	const char *src = test_source_root();
	shared_dir = test_shared_dir();
	examples_dir = g_build_filename(src, "examples", NULL);
	tmp_dir = g_dir_make_tmp("test_plot-XXXXXX", NULL);
	g_assert_nonnull(tmp_dir);
	char *v = plot_gnuplot_version(NULL);
	have_gnuplot = v != NULL;
	g_free(v);
	loaded = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cap_free);
	plot_builtin_register();
	add_captures();

	g_test_add_func("/plot/registry", test_registry);
	g_test_add_func("/plot/bad-args", test_bad_args);
	g_test_add_func("/plot/default-output", test_default_output);
	g_test_add_func("/plot/window-rule", test_window_rule);
	g_test_add_func("/plot/client2-reinjection", test_client2_reinjection);
	if (capture_paths->len)
		add_value_tests();
	else
		g_test_add_func("/plot/values", skip_no_capture);
	g_test_add_func("/plot/render/all-types", test_render_all_types);
	g_test_add_func("/plot/render/formats", test_render_formats);
	g_test_add_func("/plot/render/empty", test_render_empty);
	g_test_add_func("/plot/render/odd-texts", test_render_odd_texts);
	g_test_add_func("/plot/render/no-gnuplot", test_no_gnuplot);
	g_test_add_func("/plot/render/version", test_version);
	int rc = g_test_run();

	remove_tmp_dir();
	g_free(tmp_dir);
	g_hash_table_unref(loaded);
	g_ptr_array_unref(capture_paths);
	g_free(shared_dir);
	g_free(examples_dir);
	return rc;
}
