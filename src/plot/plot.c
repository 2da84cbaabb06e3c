/* plot.c - the plot type registry, plot_spec construction and the helpers the
 * plot types share (argument parser, stream lookup, legends, titles). */
#include "plot/plot_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "capture/reader.h"
#include "export/format.h"

/* ------------------------------------------------------------------ registry */

static GPtrArray *registry; /* const struct plot_type *, NULL-terminated */

bool plot_type_register(const struct plot_type *pt)
{
	if (!pt || !pt->name || !pt->build || plot_type_find(pt->name))
		return false;
	if (!registry) {
		registry = g_ptr_array_new();
		g_ptr_array_add(registry, NULL);
	}
	g_ptr_array_insert(registry, (gint)registry->len - 1, (gpointer)pt);
	return true;
}

const struct plot_type *plot_type_find(const char *name)
{
	if (!registry || !name)
		return NULL;
	for (guint i = 0; i + 1 < registry->len; i++) {
		const struct plot_type *pt = g_ptr_array_index(registry, i);
		if (strcmp(pt->name, name) == 0)
			return pt;
	}
	return NULL;
}

const struct plot_type **plot_types(size_t *n)
{
	static const struct plot_type *none[] = { NULL };
	if (!registry) {
		if (n)
			*n = 0;
		return none;
	}
	if (n)
		*n = registry->len - 1;
	return (const struct plot_type **)registry->pdata;
}

void plot_builtin_register(void)
{
	static const struct plot_type *const builtin[] = {
		&plot_type_dsn, &plot_type_dss, &plot_type_interarrival,
		&plot_type_tcp_attr, &plot_type_mptcp_attr,
		&plot_type_tcp_tput, &plot_type_mptcp_tput, &plot_type_reinject,
		&plot_type_owd, &plot_type_mptcp_gput,
	};
	for (size_t i = 0; i < G_N_ELEMENTS(builtin); i++)
		plot_type_register(builtin[i]); /* already there on a second call */
}

/* ------------------------------------------------------------------ spec */

struct plot_spec *plot_spec_new(const char *title, const char *xlabel, const char *ylabel)
{
	struct plot_spec *s = g_new0(struct plot_spec, 1);
	s->title = g_strdup(title);
	s->xlabel = g_strdup(xlabel);
	s->ylabel = g_strdup(ylabel);
	s->series = g_ptr_array_new();
	return s;
}

void plot_spec_set_text(struct plot_spec *s, const char *title, const char *xlabel, const char *ylabel)
{
	char *a = g_strdup(title), *b = g_strdup(xlabel), *c = g_strdup(ylabel);
	g_free(s->title);
	g_free(s->xlabel);
	g_free(s->ylabel);
	s->title = a;
	s->xlabel = b;
	s->ylabel = c;
}

struct plot_series *plot_spec_add_series(struct plot_spec *s, const char *title, int color,
                                         enum plot_style style)
{
	if (!s->series)
		s->series = g_ptr_array_new();
	struct plot_series *se = g_new0(struct plot_series, 1);
	se->title = g_strdup(title);
	se->color = color;
	se->style = style;
	se->x = g_array_new(FALSE, FALSE, sizeof(double));
	se->y = g_array_new(FALSE, FALSE, sizeof(double));
	if (style == PS_SEGMENTS) {
		se->x2 = g_array_new(FALSE, FALSE, sizeof(double));
		se->y2 = g_array_new(FALSE, FALSE, sizeof(double));
	}
	se->stream = NO_ROW;
	se->dir = -1;
	g_ptr_array_add(s->series, se);
	return se;
}

void plot_series_add(struct plot_series *se, double x, double y)
{
	g_array_append_val(se->x, x);
	g_array_append_val(se->y, y);
}

void plot_series_add_segment(struct plot_series *se, double x, double y, double x2, double y2)
{
	plot_series_add(se, x, y);
	if (!se->x2) {
		se->x2 = g_array_new(FALSE, FALSE, sizeof(double));
		se->y2 = g_array_new(FALSE, FALSE, sizeof(double));
	}
	g_array_append_val(se->x2, x2);
	g_array_append_val(se->y2, y2);
}

static void series_free(struct plot_series *se)
{
	g_free(se->title);
	g_array_unref(se->x);
	g_array_unref(se->y);
	if (se->x2)
		g_array_unref(se->x2);
	if (se->y2)
		g_array_unref(se->y2);
	g_free(se);
}

void plot_spec_free(struct plot_spec *s)
{
	if (!s)
		return;
	for (guint i = 0; s->series && i < s->series->len; i++)
		series_free(g_ptr_array_index(s->series, i));
	if (s->series)
		g_ptr_array_unref(s->series);
	g_free(s->title);
	g_free(s->xlabel);
	g_free(s->ylabel);
	g_free(s);
}

/* ------------------------------------------------------------------ output name */

char *plot_default_output(const char *capture, const char *type, const char *stream, const char *fmt)
{
	char *base = g_path_get_basename(capture && *capture ? capture : "capture");
	char *dot = strrchr(base, '.');
	if (dot && dot != base)
		*dot = '\0';
	char *name = stream && *stream
		? g_strdup_printf("%s-%s-%s.%s", base, type, stream, fmt ? fmt : "png")
		: g_strdup_printf("%s-%s.%s", base, type, fmt ? fmt : "png");
	g_free(base);
	return name;
}

/* ------------------------------------------------------------------ arguments */

void plot_error(GError **err, const struct plot_type *pt, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: %s", pt->name, msg);
	g_free(msg);
}

static const struct plot_arg *arg_find(const struct plot_arg *opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

static bool arg_take(const struct plot_type *pt, const struct plot_arg *o, const char *value, GError **err)
{
	if (o->kind == PA_STRING) {
		*(const char **)o->dest = value;
		return true;
	}
	char *end;
	double v = g_ascii_strtod(value, &end);
	if (end == value || *end || !isfinite(v)) {
		plot_error(err, pt, "%s expects a number, not '%s'", o->name, value);
		return false;
	}
	*(double *)o->dest = v;
	return true;
}

bool plot_args_parse(const struct plot_type *pt, int argc, char **argv, const struct plot_arg *opts,
                     size_t n_opts, GPtrArray *positional, guint min_pos, int max_pos, GError **err)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] != '-') {
			g_ptr_array_add(positional, (gpointer)a);
			continue;
		}
		/* --name=value or --name value */
		const char *eq = strchr(a, '=');
		char *name = eq ? g_strndup(a, (gsize)(eq - a)) : g_strdup(a);
		const struct plot_arg *o = arg_find(opts, n_opts, name);
		g_free(name);
		if (!o) {
			plot_error(err, pt, "unknown option %s (usage: %s)", a, pt->usage);
			return false;
		}
		if (o->kind == PA_FLAG) {
			if (eq) {
				plot_error(err, pt, "%s takes no value", o->name);
				return false;
			}
			*(bool *)o->dest = true;
			continue;
		}
		const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!value) {
			plot_error(err, pt, "%s needs a value (usage: %s)", o->name, pt->usage);
			return false;
		}
		if (!arg_take(pt, o, value, err))
			return false;
	}
	if (positional->len < min_pos || (max_pos >= 0 && positional->len > (guint)max_pos)) {
		plot_error(err, pt, "%s arguments (usage: %s)",
		           positional->len < min_pos ? "missing" : "too many", pt->usage);
		return false;
	}
	return true;
}

bool plot_arg_dest(const struct plot_type *pt, const char *s, int *mdir, GError **err)
{
	if (g_ascii_strcasecmp(s, "server") == 0)
		*mdir = 0;
	else if (g_ascii_strcasecmp(s, "client") == 0)
		*mdir = 1;
	else {
		plot_error(err, pt, "--dest expects Client or Server, not '%s'", s);
		return false;
	}
	return true;
}

const char *plot_dest_name(int mdir)
{
	return mdir == 0 ? "Server" : "Client";
}

static bool parse_index(const char *arg, guint64 *out)
{
	return arg && g_ascii_string_to_unsigned(arg, 10, 0, G_MAXUINT32, out, NULL);
}

bool plot_arg_mptcp(const struct plot_type *pt, const struct tables *t, const char *arg,
                    const struct mptcp_conn **out, GError **err)
{
	guint64 id;
	if (!parse_index(arg, &id)) {
		plot_error(err, pt, "'%s' is not an MPTCP stream number", arg);
		return false;
	}
	if (id >= t->mptcp->len) {
		if (t->mptcp->len == 0)
			plot_error(err, pt, "no MPTCP connection in this capture");
		else
			plot_error(err, pt, "no MPTCP stream %s (streams 0 to %u)", arg, t->mptcp->len - 1);
		return false;
	}
	*out = tables_mptcp(t, (uint32_t)id);
	return true;
}

bool plot_arg_tcp(const struct plot_type *pt, const struct tables *t, const char *arg,
                  const struct tcp_conn **out, GError **err)
{
	guint64 id;
	if (!parse_index(arg, &id)) {
		plot_error(err, pt, "'%s' is not a TCP stream number", arg);
		return false;
	}
	if (id >= t->tcp->len) {
		if (t->tcp->len == 0)
			plot_error(err, pt, "no TCP stream in this capture");
		else
			plot_error(err, pt, "no TCP stream %s (streams 0 to %u)", arg, t->tcp->len - 1);
		return false;
	}
	*out = tables_tcp(t, (uint32_t)id);
	return true;
}

bool plot_arg_seconds(const struct plot_type *pt, const char *name, double v, GError **err)
{
	if (v > 0 && v < 1e6)
		return true;
	plot_error(err, pt, "%s expects a positive number of seconds", name);
	return false;
}

/* ------------------------------------------------------------------ packets, subflows */

void plot_conn_rows(const struct tables *t, const struct mptcp_conn *m, uint32_t *first, uint32_t *last)
{
	uint32_t lo = UINT32_MAX, hi = 0;
	for (guint i = 0; i < m->subflows->len; i++) {
		const struct tcp_conn *c = tables_tcp(t, g_array_index(m->subflows, uint32_t, i));
		lo = MIN(lo, c->first_pkt);
		hi = MAX(hi, c->last_pkt);
	}
	*first = lo;
	*last = lo == UINT32_MAX ? 0 : hi;
}

int plot_subflow_rank(const struct tables *t, uint32_t stream)
{
	const struct tcp_conn *c = tables_tcp(t, stream);
	if (c->mptcp == NO_ROW)
		return 0;
	const struct mptcp_conn *m = tables_mptcp(t, c->mptcp);
	for (guint i = 0; i < m->subflows->len; i++)
		if (g_array_index(m->subflows, uint32_t, i) == stream)
			return (int)i;
	return 0;
}

static void append_endpoint(GString *o, const struct tcp_conn *c, int end)
{
	if (c->family == 6)
		g_string_append_c(o, '[');
	fmt_addr(o, c->family, c->addr[end]);
	if (c->family == 6)
		g_string_append_c(o, ']');
	g_string_append_printf(o, ":%u", c->port[end]);
}

char *plot_flow_label(const struct tables *t, uint32_t stream, int tcp_dir)
{
	const struct tcp_conn *c = tables_tcp(t, stream);
	GString *o = g_string_new(NULL);
	append_endpoint(o, c, tcp_dir);
	g_string_append(o, " → ");
	append_endpoint(o, c, !tcp_dir);
	if (c->mptcp != NO_ROW)
		g_string_append_printf(o, " (addr ids %u→%u)", c->addr_id[tcp_dir], c->addr_id[!tcp_dir]);
	return g_string_free(o, FALSE);
}

void plot_add_subflow_series(struct plot_spec *s, const struct tables *t, const struct mptcp_conn *m,
                             int mdir, const char *role, const char *suffix, enum plot_style style,
                             GPtrArray *out)
{
	for (guint i = 0; i < m->subflows->len; i++) {
		uint32_t stream = g_array_index(m->subflows, uint32_t, i);
		const struct tcp_conn *c = tables_tcp(t, stream);
		char *label = plot_flow_label(t, stream, plot_tcp_dir_of(c, mdir));
		char *title = suffix ? g_strdup_printf("sf%u %s", i, suffix) : g_strdup_printf("sf%u: %s", i, label);
		struct plot_series *se = plot_spec_add_series(s, title, (int)i, style);
		se->stream = stream;
		se->dir = mdir;
		se->role = role;
		g_ptr_array_add(out, se);
		g_free(title);
		g_free(label);
	}
}

/* ------------------------------------------------------------------ titles */

char *plot_capture_name(const struct tables *t)
{
	return g_path_get_basename(t->path ? t->path : "capture");
}

char *plot_title_mptcp(const struct tables *t, const struct mptcp_conn *m, int mdir, const char *what)
{
	char *cap = plot_capture_name(t);
	char *title = mdir < 0
		? g_strdup_printf("%s, mptcp.stream %u, both directions\n%s", cap, m->id, what)
		: g_strdup_printf("%s, mptcp.stream %u, towards %s\n%s", cap, m->id, plot_dest_name(mdir), what);
	g_free(cap);
	return title;
}

char *plot_title_tcp(const struct tables *t, const struct tcp_conn *c, int tcp_dir, const char *what)
{
	char *cap = plot_capture_name(t);
	char *flow = plot_flow_label(t, c->id, tcp_dir < 0 ? c->client : tcp_dir);
	char *title = tcp_dir < 0
		? g_strdup_printf("%s, tcp.stream %u (%s), both directions\n%s", cap, c->id, flow, what)
		: g_strdup_printf("%s, tcp.stream %u (%s), towards %s\n%s", cap, c->id, flow,
		                  tcp_dir != c->client ? "Client" : "Server", what);
	g_free(flow);
	g_free(cap);
	return title;
}
