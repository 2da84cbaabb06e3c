/* cmd_list.c - list_tcp_connections, list_mptcp_connections, list_subflows. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "cli/builtins.h"
#include "cli/output.h"
#include "cli/session.h"

static const char *const state_names[] = {
	[SF_OPEN] = "open", [SF_CLOSED] = "closed", [SF_RESET] = "reset",
	[SF_FAILED_JOIN] = "failed join",
};

static const char *sf_state_name(uint8_t st)
{
	return st < G_N_ELEMENTS(state_names) ? state_names[st] : "?";
}

static double stream_duration(const struct tables *t, const struct tcp_conn *c)
{
	if (c->n_pkts == 0)
		return 0;
	return out_seconds(tables_pkt(t, c->last_pkt)->ts_ns - tables_pkt(t, c->first_pkt)->ts_ns);
}

/* "mptcp.stream K", "mptcp.stream K fallback", "fallback" or "tcp" */
static char *stream_kind(const struct tcp_conn *c)
{
	if (c->mptcp != NO_ROW)
		return g_strdup_printf("mptcp.stream %u%s", c->mptcp, c->fallback ? " fallback" : "");
	return g_strdup(c->fallback ? "fallback" : "tcp");
}

/* "tcp.stream N: SRC:PORT -> DST:PORT" with `from` as the source end */
static char *stream_line(const struct tcp_conn *c, int from)
{
	char *a = out_endpoint(c->family, c->addr[from], c->port[from]);
	char *b = out_endpoint(c->family, c->addr[!from], c->port[!from]);
	char *line = g_strdup_printf("tcp.stream %u: %s -> %s", c->id, a, b);
	g_free(a);
	g_free(b);
	return line;
}

/* ------------------------------------------------------ list_tcp_connections */

static void tcp_conn_json(JsonBuilder *b, const struct tables *t, const struct tcp_conn *c)
{
	json_builder_begin_object(b);
	out_json_int(b, "tcpstream", c->id);
	out_json_endpoint(b, "src", c->family, c->addr[0], c->port[0]);
	out_json_endpoint(b, "dst", c->family, c->addr[1], c->port[1]);
	static const char *const names[2] = { "forward", "backward" };
	for (int d = 0; d < 2; d++) {
		json_builder_set_member_name(b, names[d]);
		json_builder_begin_object(b);
		out_json_uint(b, "packets", c->dir[d].packets);
		out_json_uint(b, "bytes", c->dir[d].bytes);
		json_builder_end_object(b);
	}
	out_json_double(b, "start", c->n_pkts ? out_seconds(tables_pkt(t, c->first_pkt)->ts_ns - t->first_ns) : 0);
	out_json_double(b, "duration", stream_duration(t, c));
	out_json_string(b, "kind", c->mptcp != NO_ROW ? "mptcp" : c->fallback ? "fallback" : "tcp");
	out_json_uint(b, "mptcpstream", c->mptcp == NO_ROW ? NO_VALUE : c->mptcp);
	out_json_bool(b, "fallback", c->fallback);
	json_builder_end_object(b);
}

/* the JSON of a list command: {"command", "count", "connections": [...]},
 * one element per connection id made by `element` */
static int list_json(struct session *s, const char *command, guint count,
                     void (*element)(JsonBuilder *b, const struct tables *t, guint id))
{
	JsonBuilder *b = out_json_begin(s, command);
	out_json_int(b, "count", count);
	json_builder_set_member_name(b, "connections");
	json_builder_begin_array(b);
	for (guint i = 0; i < count; i++)
		element(b, s->t, i);
	json_builder_end_array(b);
	json_builder_end_object(b);
	out_json_print(b);
	g_object_unref(b);
	return 0;
}

static void tcp_json_element(JsonBuilder *b, const struct tables *t, guint id)
{
	tcp_conn_json(b, t, tables_tcp(t, id));
}

static int list_tcp_json(struct session *s)
{
	return list_json(s, "list_tcp_connections", s->t->tcp->len, tcp_json_element);
}

static void tcp_conn_row(struct out_table *tb, const struct tables *t, const struct tcp_conn *c)
{
	char *line = stream_line(c, 0);
	char *p0 = g_strdup_printf("%" PRIu64, c->dir[0].packets);
	char *p1 = g_strdup_printf("%" PRIu64, c->dir[1].packets);
	char *b0 = g_strdup_printf("%" PRIu64, c->dir[0].bytes);
	char *b1 = g_strdup_printf("%" PRIu64, c->dir[1].bytes);
	char *dur = g_strdup_printf("%.6f", stream_duration(t, c));
	char *kind = stream_kind(c);
	const char *cells[] = { line, "packets", p0, "/", p1, "bytes", b0, "/", b1, "duration", dur, "s", kind };
	out_table_row(tb, cells);
	g_free(line), g_free(p0), g_free(p1), g_free(b0), g_free(b1), g_free(dur), g_free(kind);
}

static int cmd_list_tcp(struct session *s, int argc, char **argv)
{
	if (s->json)
		return list_tcp_json(s);
	const struct tables *t = s->t;
	printf("%s%u tcp connection(s)%s\n", out_color(s, OR_HEAD), t->tcp->len, out_color(s, OR_RESET));
	struct out_table *tb = out_table_new(13);
	out_table_color(tb, 12, OR_MPTCP);
	for (guint i = 0; i < t->tcp->len; i++)
		tcp_conn_row(tb, t, tables_tcp(t, i));
	out_table_print(s, tb, "");
	out_table_free(tb);
	return 0;
}

/* ---------------------------------------------------- list_mptcp_connections */

static char *hex32(uint32_t v)
{
	return g_strdup_printf("0x%08x", v);
}

static char *hex64(uint64_t v)
{
	return g_strdup_printf("0x%016" PRIx64, v);
}

static void mptcp_conn_json(JsonBuilder *b, const struct tables *t, const struct mptcp_conn *m)
{
	const struct tcp_conn *first = tables_tcp(t, m->first_stream);
	int cl = first->mptcp_client;
	json_builder_begin_object(b);
	out_json_int(b, "mptcpstream", m->id);
	out_json_int(b, "version", m->version);
	out_json_endpoint(b, "client", first->family, first->addr[cl], first->port[cl]);
	out_json_endpoint(b, "server", first->family, first->addr[!cl], first->port[!cl]);
	out_json_int(b, "initial_subflow", m->first_stream);
	json_builder_set_member_name(b, "subflows");
	json_builder_begin_array(b);
	for (guint k = 0; k < m->subflows->len; k++)
		json_builder_add_int_value(b, g_array_index(m->subflows, uint32_t, k));
	json_builder_end_array(b);
	static const char *const side[2] = { "client", "server" };
	json_builder_set_member_name(b, "tokens");
	json_builder_begin_object(b);
	for (int k = 0; k < 2; k++) {
		char *tok = m->has_key[k] ? hex32(m->token[k]) : NULL;
		out_json_string(b, side[k], tok);
		g_free(tok);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "keys");
	json_builder_begin_object(b);
	for (int k = 0; k < 2; k++) {
		char *key = m->has_key[k] ? hex64(m->key[k]) : NULL;
		out_json_string(b, side[k], key);
		g_free(key);
	}
	json_builder_end_object(b);
	out_json_bool(b, "checksum", m->checksum);
	out_json_bool(b, "fallback", m->fallback);
	out_json_bool(b, "partial", m->partial);
	out_json_bool(b, "fastclose", m->fastclose);
	out_json_bool(b, "mp_fail", m->mp_fail);
	out_json_double(b, "start", out_seconds(m->first_ns - t->first_ns));
	out_json_double(b, "duration", out_seconds(m->last_ns - m->first_ns));
	json_builder_end_object(b);
}

static void mptcp_json_element(JsonBuilder *b, const struct tables *t, guint id)
{
	mptcp_conn_json(b, t, tables_mptcp(t, id));
}

static int list_mptcp_json(struct session *s)
{
	return list_json(s, "list_mptcp_connections", s->t->mptcp->len, mptcp_json_element);
}

static char *stream_list(const struct mptcp_conn *m)
{
	GString *g = g_string_new(NULL);
	for (guint k = 0; k < m->subflows->len; k++)
		g_string_append_printf(g, "%s%u", k ? "," : "", g_array_index(m->subflows, uint32_t, k));
	return g_string_free(g, FALSE);
}

static void mptcp_conn_row(struct out_table *tb, const struct tables *t, const struct mptcp_conn *m)
{
	const struct tcp_conn *first = tables_tcp(t, m->first_stream);
	int cl = first->mptcp_client;
	char *id = g_strdup_printf("mptcp.stream %u:", m->id);
	/* a connection whose handshake is not in the capture: version unknown */
	char *ver = m->partial ? g_strdup("v?") : g_strdup_printf("v%u", m->version);
	char *a = out_endpoint(first->family, first->addr[cl], first->port[cl]);
	char *b = out_endpoint(first->family, first->addr[!cl], first->port[!cl]);
	char *n = g_strdup_printf("%u", m->subflows->len);
	char *streams = stream_list(m);
	char *list = g_strdup_printf("subflow(s) (tcp.stream %s)", streams);
	char *tc = m->has_key[0] ? hex32(m->token[0]) : g_strdup("-");
	char *ts = m->has_key[1] ? hex32(m->token[1]) : g_strdup("-");
	const char *cells[] = { id, ver, a, "->", b, n, list, "tokens", tc, "/", ts,
	                        m->partial ? "(handshake not in the capture)" : m->fallback ? "fallback" : "" };
	out_table_row(tb, cells);
	g_free(id), g_free(ver), g_free(a), g_free(b), g_free(n), g_free(list), g_free(tc), g_free(ts);
	g_free(streams);
}

static int cmd_list_mptcp(struct session *s, int argc, char **argv)
{
	if (s->json)
		return list_mptcp_json(s);
	const struct tables *t = s->t;
	printf("%s%u mptcp connection(s)%s\n", out_color(s, OR_HEAD), t->mptcp->len,
	       out_color(s, OR_RESET));
	struct out_table *tb = out_table_new(12);
	out_table_color(tb, 0, OR_ID);
	for (guint i = 0; i < t->mptcp->len; i++)
		mptcp_conn_row(tb, t, tables_mptcp(t, i));
	out_table_print(s, tb, "");
	out_table_free(tb);
	return 0;
}

/* ------------------------------------------------------------- list_subflows */

static void subflow_json(JsonBuilder *b, const struct mptcp_conn *m, const struct tcp_conn *c)
{
	int cl = c->mptcp_client;
	json_builder_begin_object(b);
	out_json_int(b, "tcpstream", c->id);
	out_json_endpoint(b, "client", c->family, c->addr[cl], c->port[cl]);
	out_json_endpoint(b, "server", c->family, c->addr[!cl], c->port[!cl]);
	out_json_string(b, "mptcpdest", "Server");
	out_json_int(b, "version", m->version);
	out_json_bool(b, "initial", c->id == m->first_stream);
	out_json_bool(b, "join", c->is_join);
	out_json_int(b, "client_addr_id", c->addr_id[cl]);
	out_json_int(b, "server_addr_id", c->addr_id[!cl]);
	out_json_bool(b, "backup", c->backup);
	out_json_string(b, "state", sf_state_name(c->sf_state));
	out_json_bool(b, "fallback", c->fallback);
	out_json_uint(b, "bytes_to_server", c->dir[sf_dir(c, 0)].bytes);
	out_json_uint(b, "bytes_to_client", c->dir[sf_dir(c, 1)].bytes);
	json_builder_end_object(b);
}

static int list_subflows_json(struct session *s, const struct mptcp_conn *m)
{
	JsonBuilder *b = out_json_begin(s, "list_subflows");
	out_json_int(b, "mptcpstream", m->id);
	out_json_int(b, "count", m->subflows->len);
	json_builder_set_member_name(b, "subflows");
	json_builder_begin_array(b);
	for (guint k = 0; k < m->subflows->len; k++)
		subflow_json(b, m, tables_tcp(s->t, g_array_index(m->subflows, uint32_t, k)));
	json_builder_end_array(b);
	json_builder_end_object(b);
	out_json_print(b);
	g_object_unref(b);
	return 0;
}

static void subflow_row(struct out_table *tb, const struct mptcp_conn *m, const struct tcp_conn *c,
                        bool all)
{
	char *sl = stream_line(c, c->mptcp_client);
	char *line = g_strdup_printf("  >%s (mptcpdest: Server)", sl);
	if (!all) {
		const char *cells[] = { line };
		out_table_row(tb, cells);
	} else {
		int cl = c->mptcp_client;
		char *ver = g_strdup_printf("v%u", m->version);
		char *ids = g_strdup_printf("ids %u/%u", c->addr_id[cl], c->addr_id[!cl]);
		char *b0 = g_strdup_printf("%" PRIu64, c->dir[sf_dir(c, 0)].bytes);
		char *b1 = g_strdup_printf("%" PRIu64, c->dir[sf_dir(c, 1)].bytes);
		const char *cells[] = { line, ver, ids, c->backup ? "backup" : "-", sf_state_name(c->sf_state),
		                        "bytes", b0, "/", b1 };
		out_table_row(tb, cells);
		g_free(ver), g_free(ids), g_free(b0), g_free(b1);
	}
	g_free(sl);
	g_free(line);
}

static int cmd_list_subflows(struct session *s, int argc, char **argv)
{
	uint32_t id;
	if (!session_mptcp_stream(s, argv[1], &id))
		return 1;
	const struct mptcp_conn *m = tables_mptcp(s->t, id);
	if (s->json)
		return list_subflows_json(s, m);
	bool all = cmd_flag(s, "all");
	printf("%smptcp.stream %u has %u subflow(s):%s\n", out_color(s, OR_HEAD), id, m->subflows->len,
	       out_color(s, OR_RESET));
	if (all)
		printf("  (--all: version, address ids client/server, backup, state, bytes to server / to client)\n");
	struct out_table *tb = out_table_new(all ? 9 : 1);
	for (guint k = 0; k < m->subflows->len; k++)
		subflow_row(tb, m, tables_tcp(s->t, g_array_index(m->subflows, uint32_t, k)), all);
	out_table_print(s, tb, "");
	out_table_free(tb);
	return 0;
}

/* ------------------------------------------------------------------ table */

static const struct cmd_option json_only[] = { OPT_JSON, OPT_END };
static const struct cmd_option subflow_opts[] = {
	{ "all", 'a', NULL, "also version, address ids, backup, state and bytes", COMP_NONE, NULL },
	OPT_JSON,
	OPT_END,
};

static const struct command commands[] = {
	{ "list_tcp_connections", { "lt", NULL }, "list the TCP connections (tcp.stream) of the capture",
	  "list_tcp_connections [--json]", json_only, COMP_NONE, cmd_list_tcp, CMD_NEEDS_CAPTURE, 0, 0 },
	{ "list_mptcp_connections", { "lm", "lc", NULL }, "list the MPTCP connections (mptcp.stream)",
	  "list_mptcp_connections [--json]", json_only, COMP_NONE, cmd_list_mptcp, CMD_NEEDS_CAPTURE, 0, 0 },
	{ "list_subflows", { "ls", NULL }, "list the subflows (TCP streams) of one MPTCP connection",
	  "list_subflows MPTCP_STREAM [--all] [--json]", subflow_opts, COMP_MPTCP_STREAM,
	  cmd_list_subflows, CMD_NEEDS_CAPTURE, 1, 1 },
	{ NULL, { NULL }, NULL, NULL, NULL, COMP_NONE, NULL, 0, 0, 0 },
};

bool cmd_list_register(GError **err)
{
	return register_all(commands, err);
}
