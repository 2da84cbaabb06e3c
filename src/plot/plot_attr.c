/* plot_attr.c - `tcp_attr` and `mptcp_attr`: any numeric export column
 * (tcpseq, tcpack, rwnd, tcplen, dsn, dack, dss_ssn, ...) against time, per
 * direction and per subflow.  Values come from the column's own formatter, so
 * the plot shows exactly what the exporter writes. */
#include "plot/plot_internal.h"

#include <string.h>
#include "export/columns.h"
#include "track/mptcp_tracker.h"

#define MAX_FIELDS 8
#define ATTR_POINT_SIZE 0.8

/* point types per field: a filled shape towards the server, an open one of
 * another shape towards the client (dense open points look filled) */
static const int field_points[MAX_FIELDS][2] = {
	{ 7, 8 }, { 5, 10 }, { 9, 4 }, { 13, 6 }, { 11, 12 }, { 15, 14 }, { 1, 2 }, { 3, 3 },
};

static const char *const byte_columns[] = {
	"tcpseq", "tcpack", "tcplen", "rwnd", "dss_dsn", "dss_rawack", "dss_ssn", "dss_length",
	"dsnraw64", "dsn", "dack", "tcpseq_raw", "tcpack_raw",
};

static const char *column_unit(const struct column *c)
{
	for (size_t i = 0; i < G_N_ELEMENTS(byte_columns); i++)
		if (strcmp(c->name, byte_columns[i]) == 0)
			return "bytes";
	if (strcmp(c->name, "abstime") == 0 || strcmp(c->name, "reltime") == 0)
		return "s";
	if (strcmp(c->name, "tcptsval") == 0 || strcmp(c->name, "tcptsecr") == 0)
		return "timestamp ticks";
	return NULL;
}

/* the fields named on the command line; all numeric */
static bool parse_fields(const struct plot_type *pt, GPtrArray *pos, GPtrArray *fields, GError **err)
{
	if (pos->len - 1 > MAX_FIELDS) {
		plot_error(err, pt, "at most %d fields", MAX_FIELDS);
		return false;
	}
	for (guint i = 1; i < pos->len; i++) {
		const char *name = g_ptr_array_index(pos, i);
		const struct column *c = column_find(name);
		if (!c) {
			plot_error(err, pt, "unknown field '%s' (see the exporter's --list-fields)", name);
			return false;
		}
		if (c->type == COL_TEXT) {
			plot_error(err, pt, "field '%s' is not a number", name);
			return false;
		}
		g_ptr_array_add(fields, (gpointer)c);
	}
	return true;
}

/* "tcpseq, tcpack (bytes)", or "value" when the units differ */
static char *fields_label(GPtrArray *fields)
{
	GString *o = g_string_new(NULL);
	const char *unit = column_unit(g_ptr_array_index(fields, 0));
	bool same = true;
	for (guint i = 0; i < fields->len; i++) {
		const struct column *c = g_ptr_array_index(fields, i);
		g_string_append_printf(o, "%s%s", i ? ", " : "", c->name);
		const char *u = column_unit(c);
		same = same && (u == unit || (u && unit && strcmp(u, unit) == 0));
	}
	if (!same)
		g_string_append(o, " (mixed units)");
	else if (unit)
		g_string_append_printf(o, " (%s)", unit);
	return g_string_free(o, FALSE);
}

/* big byte counts read better with SI prefixes (2.5 M) */
static bool all_bytes(GPtrArray *fields)
{
	for (guint i = 0; i < fields->len; i++) {
		const char *u = column_unit(g_ptr_array_index(fields, i));
		if (!u || strcmp(u, "bytes") != 0)
			return false;
	}
	return true;
}

/* adds the value(s) of column `c` for packet `row` to `se`; `store` and
 * `buf` are scratch */
static void add_values(const struct tables *t, uint32_t row, const struct column *c, struct plot_series *se,
                       struct row_store *store, GString *buf)
{
	g_string_truncate(buf, 0);
	column_format_row(c, t, row, store, buf);
	double x = plot_time(t, tables_pkt(t, row));
	for (char *p = buf->str; *p;) {
		char *end;
		double v = g_ascii_strtod(p, &end);
		if (end != p)
			plot_series_add(se, x, v);
		p = strchr(end, ',');
		if (!p)
			break;
		p++;
	}
}

/* common arguments: STREAM FIELD... [--dest Client|Server] */
static bool parse_attr_args(const struct plot_type *pt, int argc, char **argv, GPtrArray *pos,
                            GPtrArray *fields, int *only_dir, GError **err)
{
	const char *dest = NULL;
	struct plot_arg opts[] = { { "--dest", PA_STRING, &dest } };
	*only_dir = -1;
	return plot_args_parse(pt, argc, argv, opts, 1, pos, 2, -1, err) &&
	       (!dest || plot_arg_dest(pt, dest, only_dir, err)) && parse_fields(pt, pos, fields, err);
}

/* ------------------------------------------------------------------ tcp_attr */

static bool tcp_attr_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out,
                           GError **err)
{
	const struct plot_type *pt = &plot_type_tcp_attr;
	const struct tables *t = in->t;
	GPtrArray *pos = g_ptr_array_new(), *fields = g_ptr_array_new();
	const struct tcp_conn *c = NULL;
	int only; /* MPTCP-style destination: 0 towards the server */
	bool ok = parse_attr_args(pt, argc, argv, pos, fields, &only, err) &&
	          plot_arg_tcp(pt, t, g_ptr_array_index(pos, 0), &c, err);
	if (ok) {
		char *ylabel = fields_label(fields);
		char *title = plot_title_tcp(t, c, -1, ylabel);
		plot_spec_set_text(out, title, "time since the capture start (s)", ylabel);
		out->si_y = all_bytes(fields);
		g_free(title);
		g_free(ylabel);
		/* series[field][tcp dir]; towards the server = from the client end */
		struct plot_series *se[MAX_FIELDS][2] = { { NULL } };
		int rank = plot_subflow_rank(t, c->id);
		for (guint f = 0; f < fields->len; f++) {
			const struct column *col = g_ptr_array_index(fields, f);
			for (int to_client = 0; to_client < 2; to_client++) {
				if (only >= 0 && only != to_client)
					continue;
				int d = to_client ? !c->client : c->client;
				char *title2 = g_strdup_printf("%s towards %s", col->name, plot_dest_name(to_client));
				struct plot_series *s = plot_spec_add_series(out, title2, rank, PS_POINTS);
				g_free(title2);
				s->stream = c->id;
				s->dir = to_client;
				s->role = col->name;
				s->point_type = field_points[f][to_client];
				s->point_size = ATTR_POINT_SIZE;
				se[f][d] = s;
			}
		}
		GString *buf = g_string_new(NULL);
		struct row_store store;
		row_store_init(&store);
		for (uint32_t row = c->first_pkt; row <= c->last_pkt && row < t->packets->len; row++) {
			const struct pkt *p = tables_pkt(t, row);
			if (p->stream != c->id)
				continue;
			for (guint f = 0; f < fields->len; f++)
				if (se[f][pkt_dir(p)])
					add_values(t, row, g_ptr_array_index(fields, f), se[f][pkt_dir(p)], &store, buf);
		}
		g_string_free(buf, TRUE);
		row_store_free(&store);
	}
	g_ptr_array_unref(pos);
	g_ptr_array_unref(fields);
	return ok;
}

const struct plot_type plot_type_tcp_attr = {
	.name = "tcp_attr",
	.summary = "any numeric packet field (tcpseq, tcpack, rwnd, ...) of a TCP stream against time",
	.usage = "tcp_attr STREAM FIELD... [--dest Client|Server]",
	.n_captures = 1,
	.build = tcp_attr_build,
};

/* ------------------------------------------------------------------ mptcp_attr */

static bool mptcp_attr_build(const struct plot_input *in, int argc, char **argv, struct plot_spec *out,
                             GError **err)
{
	const struct plot_type *pt = &plot_type_mptcp_attr;
	const struct tables *t = in->t;
	GPtrArray *pos = g_ptr_array_new(), *fields = g_ptr_array_new();
	const struct mptcp_conn *m = NULL;
	int only;
	bool ok = parse_attr_args(pt, argc, argv, pos, fields, &only, err) &&
	          plot_arg_mptcp(pt, t, g_ptr_array_index(pos, 0), &m, err);
	if (ok) {
		char *ylabel = fields_label(fields);
		char *title = plot_title_mptcp(t, m, only, ylabel);
		plot_spec_set_text(out, title, "time since the capture start (s)", ylabel);
		out->si_y = all_bytes(fields);
		g_free(title);
		g_free(ylabel);
		/* series index: (field * 2 + mdir) * n_subflows + rank */
		guint n_sf = m->subflows->len;
		GPtrArray *all = g_ptr_array_new();
		for (guint f = 0; f < fields->len; f++) {
			const struct column *col = g_ptr_array_index(fields, f);
			for (int d = 0; d < 2; d++) {
				GPtrArray *sf = g_ptr_array_new();
				char *suffix = g_strdup_printf("%s towards %s", col->name, plot_dest_name(d));
				if (only < 0 || only == d)
					plot_add_subflow_series(out, t, m, d, col->name, suffix, PS_POINTS, sf);
				for (guint r = 0; r < n_sf; r++) {
					struct plot_series *s = sf->len ? g_ptr_array_index(sf, r) : NULL;
					if (s) {
						s->point_type = field_points[f][d];
						s->point_size = ATTR_POINT_SIZE;
					}
					g_ptr_array_add(all, s);
				}
				g_free(suffix);
				g_ptr_array_unref(sf);
			}
		}
		GString *buf = g_string_new(NULL);
		struct row_store store;
		row_store_init(&store);
		uint32_t first, last;
		plot_conn_rows(t, m, &first, &last);
		for (uint32_t row = first; row <= last && row < t->packets->len; row++) {
			const struct pkt *p = tables_pkt(t, row);
			if (!plot_in_conn(t, p, m))
				continue;
			int d = mptcp_pkt_dir(t, p), rank = plot_subflow_rank(t, p->stream);
			for (guint f = 0; f < fields->len; f++) {
				struct plot_series *s = g_ptr_array_index(all, (f * 2 + (guint)d) * n_sf + (guint)rank);
				if (s)
					add_values(t, row, g_ptr_array_index(fields, f), s, &store, buf);
			}
		}
		g_string_free(buf, TRUE);
		row_store_free(&store);
		g_ptr_array_unref(all);
	}
	g_ptr_array_unref(pos);
	g_ptr_array_unref(fields);
	return ok;
}

const struct plot_type plot_type_mptcp_attr = {
	.name = "mptcp_attr",
	.summary = "any numeric packet field (dsn, dack, dss_ssn, ...) of an MPTCP connection's subflows against time",
	.usage = "mptcp_attr STREAM FIELD... [--dest Client|Server]",
	.n_captures = 1,
	.build = mptcp_attr_build,
};
