/* cmd_summary.c - tcp_summary and mptcp_summary: per-direction byte counts,
 * packets, durations, throughput, subflow shares and connection events. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "cli/builtins.h"
#include "cli/output.h"
#include "cli/session.h"

static char *u64s(uint64_t v)
{
	return g_strdup_printf("%" PRIu64, v);
}

/* "1234 (1.2 KiB)": exact count with human units beside */
static char *bytes_both(uint64_t v)
{
	char *h = out_human_bytes(v);
	char *r = g_strdup_printf("%" PRIu64 " (%s)", v, h);
	g_free(h);
	return r;
}

static double throughput(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes / seconds : 0;
}

/* ---------------------------------------------------------------- tcp_summary */

static double dir_duration(const struct tcp_dir *d)
{
	return d->packets ? out_seconds(d->last_ns - d->first_ns) : 0;
}

static void tcp_dir_json(JsonBuilder *b, const struct tcp_conn *c, int d)
{
	const struct tcp_dir *td = &c->dir[d];
	json_builder_begin_object(b);
	out_json_endpoint(b, "src", c->family, c->addr[d], c->port[d]);
	out_json_endpoint(b, "dst", c->family, c->addr[!d], c->port[!d]);
	out_json_uint(b, "packets", td->packets);
	out_json_uint(b, "bytes", td->bytes);
	out_json_uint(b, "unique_bytes", td->unique_bytes);
	out_json_uint(b, "rtx_packets", td->rtx_packets);
	out_json_uint(b, "rtx_bytes", td->rtx_bytes);
	out_json_double(b, "duration", dir_duration(td));
	out_json_double(b, "throughput", throughput(td->bytes, dir_duration(td)));
	out_json_bool(b, "syn", td->syn);
	out_json_bool(b, "fin", td->fin);
	out_json_bool(b, "rst", td->rst);
	json_builder_end_object(b);
}

static int tcp_summary_json(struct session *s, const struct tcp_conn *c)
{
	const struct tables *t = s->t;
	JsonBuilder *b = out_json_begin(s, "tcp_summary");
	out_json_int(b, "tcpstream", c->id);
	out_json_endpoint(b, "client", c->family, c->addr[c->client], c->port[c->client]);
	out_json_endpoint(b, "server", c->family, c->addr[!c->client], c->port[!c->client]);
	out_json_uint(b, "mptcpstream", c->mptcp == NO_ROW ? NO_VALUE : c->mptcp);
	out_json_double(b, "start", out_seconds(tables_pkt(t, c->first_pkt)->ts_ns - t->first_ns));
	out_json_double(b, "duration",
	                out_seconds(tables_pkt(t, c->last_pkt)->ts_ns - tables_pkt(t, c->first_pkt)->ts_ns));
	out_json_uint(b, "packets", c->n_pkts);
	json_builder_set_member_name(b, "directions");
	json_builder_begin_array(b);
	for (int d = 0; d < 2; d++)
		tcp_dir_json(b, c, d);
	json_builder_end_array(b);
	json_builder_end_object(b);
	out_json_print(b);
	g_object_unref(b);
	return 0;
}

static void tcp_dir_row(struct out_table *tb, const struct tcp_conn *c, int d)
{
	const struct tcp_dir *td = &c->dir[d];
	char *a = out_endpoint(c->family, c->addr[d], c->port[d]);
	char *z = out_endpoint(c->family, c->addr[!d], c->port[!d]);
	char *dir = g_strdup_printf("%s -> %s", a, z);
	char *pk = u64s(td->packets), *by = u64s(td->bytes), *hu = out_human_bytes(td->bytes);
	char *hb = g_strdup_printf("(%s)", hu);
	char *un = u64s(td->unique_bytes), *rp = u64s(td->rtx_packets), *rb = u64s(td->rtx_bytes);
	char *du = g_strdup_printf("%.6f", dir_duration(td));
	char *tp = g_strdup_printf("%.0f", throughput(td->bytes, dir_duration(td)));
	const char *cells[] = { dir, pk, by, hb, un, rp, rb, du, tp };
	out_table_row(tb, cells);
	g_free(a), g_free(z), g_free(dir), g_free(pk), g_free(by), g_free(hu), g_free(hb);
	g_free(un), g_free(rp), g_free(rb), g_free(du), g_free(tp);
}

static int cmd_tcp_summary(struct session *s, int argc, char **argv)
{
	uint32_t id;
	if (!session_tcp_stream(s, argv[1], &id))
		return 1;
	const struct tables *t = s->t;
	const struct tcp_conn *c = tables_tcp(t, id);
	if (s->json)
		return tcp_summary_json(s, c);
	char *a = out_endpoint(c->family, c->addr[0], c->port[0]);
	char *z = out_endpoint(c->family, c->addr[1], c->port[1]);
	char *kind = c->mptcp != NO_ROW ? g_strdup_printf(" (mptcp.stream %u)", c->mptcp)
	                                : g_strdup(c->fallback ? " (MPTCP fallback)" : "");
	printf("%stcp.stream %u: %s -> %s%s%s\n", out_color(s, OR_HEAD), id, a, z, kind,
	       out_color(s, OR_RESET));
	int64_t t0 = tables_pkt(t, c->first_pkt)->ts_ns, t1 = tables_pkt(t, c->last_pkt)->ts_ns;
	printf("start %.6f s, duration %.6f s, %u packets, opened by %s\n", out_seconds(t0 - t->first_ns),
	       out_seconds(t1 - t0), c->n_pkts, c->client == 0 ? a : z);
	struct out_table *tb = out_table_new(9);
	const char *head[] = { "direction", "packets", "bytes", "", "unique_bytes", "rtx_packets",
	                       "rtx_bytes", "duration_s", "throughput_B/s" };
	out_table_row(tb, head);
	for (int d = 0; d < 2; d++)
		tcp_dir_row(tb, c, d);
	out_table_print(s, tb, "");
	out_table_free(tb);
	g_free(a), g_free(z), g_free(kind);
	return 0;
}

/* -------------------------------------------------------------- mptcp_summary */

static const char *const event_names[] = {
	[EV_ADD_ADDR] = "ADD_ADDR", [EV_REMOVE_ADDR] = "REMOVE_ADDR", [EV_MP_PRIO] = "MP_PRIO",
	[EV_MP_FAIL] = "MP_FAIL", [EV_MP_FASTCLOSE] = "MP_FASTCLOSE", [EV_MP_TCPRST] = "MP_TCPRST",
	[EV_DATA_FIN] = "DATA_FIN", [EV_INFINITE_MAPPING] = "INFINITE_MAPPING",
	[EV_FALLBACK] = "FALLBACK", [EV_JOIN_FAILED] = "JOIN_FAILED",
	[EV_HMAC_MISMATCH] = "HMAC_MISMATCH",
};

static const char *event_name(uint8_t type)
{
	return type < G_N_ELEMENTS(event_names) && event_names[type] ? event_names[type] : "?";
}

/* RFC 8684 3.6 */
static const char *tcprst_reason(uint64_t r)
{
	static const char *const names[] = {
		"unspecified error", "MPTCP-specific error", "lack of resources",
		"administratively prohibited", "too much outstanding data", "unacceptable performance",
		"middlebox interference",
	};
	return r < G_N_ELEMENTS(names) ? names[r] : "unknown reason";
}

/* the event's details in words */
static char *event_detail(const struct event *e)
{
	switch (e->type) {
	case EV_ADD_ADDR: {
		char *a = out_addr(e->family, e->addr);
		char *port = e->port ? g_strdup_printf(" port %u", e->port) : g_strdup("");
		char *r = g_strdup_printf("id %u %s%s%s", e->addr_id, a, port, e->flag ? " (echo)" : "");
		g_free(a), g_free(port);
		return r;
	}
	case EV_REMOVE_ADDR:
		return g_strdup_printf("id %u", e->addr_id);
	case EV_MP_PRIO:
		return g_strdup_printf("id %u backup=%d", e->addr_id, e->flag ? 1 : 0);
	case EV_MP_FAIL:
	case EV_INFINITE_MAPPING:
		return g_strdup_printf("dsn %" PRIu64, e->value);
	case EV_MP_FASTCLOSE:
		return g_strdup_printf("key 0x%016" PRIx64, e->value);
	case EV_MP_TCPRST:
		return g_strdup_printf("reason %" PRIu64 " (%s)%s", e->value, tcprst_reason(e->value),
		                       e->flag ? " transient" : "");
	case EV_DATA_FIN:
		return g_strdup_printf("towards %s", mptcp_dest_name(e->value ? 1 : 0));
	default:
		return g_strdup("");
	}
}

static uint64_t conn_packets(const struct tables *t, const struct mptcp_conn *m, int md)
{
	uint64_t n = 0;
	for (guint k = 0; k < m->subflows->len; k++) {
		const struct tcp_conn *c = tables_tcp(t, g_array_index(m->subflows, uint32_t, k));
		n += c->dir[sf_dir(c, md)].packets;
	}
	return n;
}

static double mdir_duration(const struct mptcp_dir *d)
{
	return d->bytes ? out_seconds(d->last_ns - d->first_ns) : 0;
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static const struct tables *sort_tables; /* for by_time */

static int by_time(gconstpointer a, gconstpointer b)
{
	const struct event *x = &g_array_index(sort_tables->events, struct event, *(const guint *)a);
	const struct event *y = &g_array_index(sort_tables->events, struct event, *(const guint *)b);
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->pkt < y->pkt ? -1 : x->pkt > y->pkt;
}

/* indices in t->events of connection `conn`'s events, in time order */
static GArray *conn_events(const struct tables *t, uint32_t conn)
{
	GArray *idx = g_array_new(FALSE, FALSE, sizeof(guint));
	for (guint i = 0; i < t->events->len; i++)
		if (g_array_index(t->events, struct event, i).mptcp == conn)
			g_array_append_val(idx, i);
	sort_tables = t;
	g_array_sort(idx, by_time);
	return idx;
}

static void event_json(JsonBuilder *b, const struct tables *t, const struct event *e)
{
	json_builder_begin_object(b);
	out_json_string(b, "type", event_name(e->type));
	out_json_double(b, "time", out_seconds(e->ts_ns - t->first_ns));
	out_json_int(b, "frame", tables_pkt(t, e->pkt)->frame);
	out_json_int(b, "tcpstream", e->stream);
	if (e->type == EV_ADD_ADDR || e->type == EV_REMOVE_ADDR || e->type == EV_MP_PRIO)
		out_json_int(b, "addr_id", e->addr_id);
	if (e->type == EV_ADD_ADDR) {
		char *a = out_addr(e->family, e->addr);
		out_json_string(b, "address", a);
		out_json_uint(b, "port", e->port ? e->port : NO_VALUE);
		out_json_bool(b, "echo", e->flag);
		g_free(a);
	} else if (e->type == EV_MP_PRIO) {
		out_json_bool(b, "backup", e->flag);
	} else if (e->type == EV_MP_TCPRST) {
		out_json_uint(b, "reason", e->value);
		out_json_string(b, "reason_text", tcprst_reason(e->value));
	} else if (e->type == EV_DATA_FIN) {
		out_json_string(b, "mptcpdest", mptcp_dest_name(e->value ? 1 : 0));
	} else if (e->type == EV_MP_FAIL || e->type == EV_INFINITE_MAPPING) {
		out_json_uint(b, "dsn", e->value);
	}
	json_builder_end_object(b);
}

static void mptcp_dir_json(JsonBuilder *b, const struct tables *t, const struct mptcp_conn *m, int md)
{
	const struct mptcp_dir *d = &m->dir[md];
	double dur = mdir_duration(d);
	json_builder_begin_object(b);
	out_json_string(b, "mptcpdest", mptcp_dest_name(md));
	out_json_uint(b, "application_bytes", d->unique_bytes);
	out_json_uint(b, "bytes", d->bytes);
	out_json_uint(b, "reinjected_bytes", d->reinjected_bytes);
	out_json_uint(b, "reinjections", d->reinjections);
	out_json_uint(b, "packets", conn_packets(t, m, md));
	out_json_double(b, "duration", dur);
	out_json_double(b, "throughput", throughput(d->unique_bytes, dur));
	out_json_bool(b, "data_fin", d->data_fin);
	json_builder_set_member_name(b, "subflows");
	json_builder_begin_array(b);
	for (guint k = 0; k < m->subflows->len; k++) {
		const struct tcp_conn *c = tables_tcp(t, g_array_index(m->subflows, uint32_t, k));
		uint64_t by = c->dir[sf_dir(c, md)].bytes;
		json_builder_begin_object(b);
		out_json_int(b, "tcpstream", c->id);
		out_json_uint(b, "bytes", by);
		out_json_uint(b, "packets", c->dir[sf_dir(c, md)].packets);
		out_json_double(b, "percent", share(by, d->bytes));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

static int mptcp_summary_json(struct session *s, const struct mptcp_conn *m, int only_dir)
{
	const struct tables *t = s->t;
	const struct tcp_conn *first = tables_tcp(t, m->first_stream);
	int cl = first->mptcp_client;
	JsonBuilder *b = out_json_begin(s, "mptcp_summary");
	out_json_int(b, "mptcpstream", m->id);
	out_json_int(b, "version", m->version);
	out_json_endpoint(b, "client", first->family, first->addr[cl], first->port[cl]);
	out_json_endpoint(b, "server", first->family, first->addr[!cl], first->port[!cl]);
	out_json_double(b, "start", out_seconds(m->first_ns - t->first_ns));
	out_json_double(b, "duration", out_seconds(m->last_ns - m->first_ns));
	out_json_bool(b, "fallback", m->fallback);
	json_builder_set_member_name(b, "directions");
	json_builder_begin_array(b);
	for (int md = 0; md < 2; md++)
		if (only_dir < 0 || only_dir == md)
			mptcp_dir_json(b, t, m, md);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "events");
	json_builder_begin_array(b);
	GArray *idx = conn_events(t, m->id);
	for (guint i = 0; i < idx->len; i++)
		event_json(b, t, &g_array_index(t->events, struct event, g_array_index(idx, guint, i)));
	g_array_free(idx, TRUE);
	json_builder_end_array(b);
	json_builder_end_object(b);
	out_json_print(b);
	g_object_unref(b);
	return 0;
}

static void print_kv(const char *key, const char *value)
{
	printf("  %-19s %s\n", key, value);
}

static void print_subflow_shares(const struct session *s, const struct mptcp_conn *m, int md)
{
	const struct tables *t = s->t;
	struct out_table *tb = out_table_new(4);
	const char *head[] = { "subflow", "bytes", "packets", "share" };
	out_table_row(tb, head);
	for (guint k = 0; k < m->subflows->len; k++) {
		const struct tcp_conn *c = tables_tcp(t, g_array_index(m->subflows, uint32_t, k));
		const struct tcp_dir *td = &c->dir[sf_dir(c, md)];
		char *name = g_strdup_printf("tcp.stream %u", c->id);
		char *by = u64s(td->bytes), *pk = u64s(td->packets);
		char *sh = g_strdup_printf("%.2f%%", share(td->bytes, m->dir[md].bytes));
		const char *cells[] = { name, by, pk, sh };
		out_table_row(tb, cells);
		g_free(name), g_free(by), g_free(pk), g_free(sh);
	}
	out_table_print(s, tb, "    ");
	out_table_free(tb);
}

static void print_direction(const struct session *s, const struct mptcp_conn *m, int md)
{
	const struct tables *t = s->t;
	const struct tcp_conn *first = tables_tcp(t, m->first_stream);
	int from = sf_dir(first, md);
	char *a = out_endpoint(first->family, first->addr[from], first->port[from]);
	char *z = out_endpoint(first->family, first->addr[!from], first->port[!from]);
	const struct mptcp_dir *d = &m->dir[md];
	double dur = mdir_duration(d);
	printf("%stowards %s (%s -> %s):%s\n", out_color(s, OR_HEAD), mptcp_dest_name(md), a, z,
	       out_color(s, OR_RESET));
	char *v = bytes_both(d->unique_bytes);
	print_kv("application bytes", v);
	g_free(v);
	v = bytes_both(d->bytes);
	print_kv("bytes on subflows", v);
	g_free(v);
	char *rb = bytes_both(d->reinjected_bytes);
	v = g_strdup_printf("%s in %" PRIu64 " reinjection(s)", rb, d->reinjections);
	print_kv("reinjected bytes", v);
	g_free(v), g_free(rb);
	v = u64s(conn_packets(t, m, md));
	print_kv("packets", v);
	g_free(v);
	v = g_strdup_printf("%.6f s", dur);
	print_kv("duration", v);
	g_free(v);
	double tp = throughput(d->unique_bytes, dur);
	char *h = out_human_bytes((uint64_t)tp);
	v = g_strdup_printf("%.0f B/s (%s/s, application bytes / duration)", tp, h);
	print_kv("throughput", v);
	g_free(v), g_free(h);
	print_kv("DATA_FIN", d->data_fin ? "yes" : "no");
	print_subflow_shares(s, m, md);
	g_free(a), g_free(z);
}

static void print_events(const struct session *s, const struct mptcp_conn *m)
{
	const struct tables *t = s->t;
	struct out_table *tb = out_table_new(5);
	GArray *idx = conn_events(t, m->id);
	for (guint i = 0; i < idx->len; i++) {
		const struct event *e = &g_array_index(t->events, struct event, g_array_index(idx, guint, i));
		char *tm = g_strdup_printf("%.6f", out_seconds(e->ts_ns - t->first_ns));
		char *fr = g_strdup_printf("frame %u", tables_pkt(t, e->pkt)->frame);
		char *st = g_strdup_printf("tcp.stream %u", e->stream);
		char *de = event_detail(e);
		const char *cells[] = { tm, fr, st, event_name(e->type), de };
		out_table_row(tb, cells);
		g_free(tm), g_free(fr), g_free(st), g_free(de);
	}
	g_array_free(idx, TRUE);
	printf("%sevents%s (time in s from the capture start):%s\n", out_color(s, OR_HEAD),
	       out_color(s, OR_RESET), "");
	out_table_color(tb, 3, OR_WARN);
	out_table_print(s, tb, "  ");
	out_table_free(tb);
}

static int cmd_mptcp_summary(struct session *s, int argc, char **argv)
{
	uint32_t id;
	if (!session_mptcp_stream(s, argv[1], &id))
		return 1;
	const char *dest = cmd_opt(s, "dest");
	int only = dest ? (g_ascii_strcasecmp(dest, "Server") == 0 ? 0 : 1) : -1;
	const struct mptcp_conn *m = tables_mptcp(s->t, id);
	if (s->json)
		return mptcp_summary_json(s, m, only);
	const struct tcp_conn *first = tables_tcp(s->t, m->first_stream);
	int cl = first->mptcp_client;
	char *a = out_endpoint(first->family, first->addr[cl], first->port[cl]);
	char *z = out_endpoint(first->family, first->addr[!cl], first->port[!cl]);
	printf("%smptcp.stream %u:%s v%u client %s server %s, %u subflow(s), duration %.6f s%s\n",
	       out_color(s, OR_ID), id, out_color(s, OR_RESET), m->version, a, z, m->subflows->len,
	       out_seconds(m->last_ns - m->first_ns), m->fallback ? ", fallback to TCP" : "");
	for (int md = 0; md < 2; md++)
		if (only < 0 || only == md)
			print_direction(s, m, md);
	print_events(s, m);
	g_free(a), g_free(z);
	return 0;
}

/* ------------------------------------------------------------------- table */

static const char *const dest_choices[] = { "Client", "Server", NULL };
static const struct cmd_option tcp_opts[] = { OPT_JSON, OPT_END };
static const struct cmd_option mptcp_opts[] = {
	{ "dest", 0, "Client|Server", "only the direction towards this end", COMP_CHOICES, dest_choices },
	OPT_JSON,
	OPT_END,
};

static const struct command commands[] = {
	{ "tcp_summary", { NULL }, "bytes, packets, retransmissions and throughput of a TCP stream",
	  "tcp_summary TCP_STREAM [--json]", tcp_opts, COMP_TCP_STREAM, cmd_tcp_summary,
	  CMD_NEEDS_CAPTURE, 1, 1 },
	{ "mptcp_summary", { NULL },
	  "application, subflow and reinjected bytes of an MPTCP connection, and its events",
	  "mptcp_summary MPTCP_STREAM [--dest Client|Server] [--json]", mptcp_opts, COMP_MPTCP_STREAM,
	  cmd_mptcp_summary, CMD_NEEDS_CAPTURE, 1, 1 },
	{ NULL, { NULL }, NULL, NULL, NULL, COMP_NONE, NULL, 0, 0, 0 },
};

bool cmd_summary_register(GError **err)
{
	return register_all(commands, err);
}
