/* cmd_reinject.c - list_reinjections: the packets of one MPTCP connection that
 * resend data already sent on another subflow, and what they repeat. */
#include <inttypes.h>
#include <stdio.h>
#include "cli/builtins.h"
#include "cli/output.h"
#include "cli/session.h"
#include "track/mptcp_tracker.h"

/* DSN relative to the sender's IDSN, as the dsn export column */
static uint64_t rel_dsn(const struct tables *t, const struct mptcp_conn *m, const struct pkt *p)
{
	return pkt_dsn(t, p) - m->idsn[mptcp_pkt_dir(t, p)];
}

static bool is_reinjection_of(const struct tables *t, uint32_t row, uint32_t conn)
{
	const struct pkt *p = tables_pkt(t, row);
	return (p->marks & PF_REINJECTION) && tables_tcp(t, p->stream)->mptcp == conn;
}

/* per subflow: reinjections sent on it */
struct sf_count {
	uint64_t packets, bytes;
};

static void reinjection_json(JsonBuilder *b, const struct tables *t, const struct mptcp_conn *m,
                             uint32_t row)
{
	const struct pkt *p = tables_pkt(t, row);
	json_builder_begin_object(b);
	out_json_int(b, "frame", p->frame);
	out_json_int(b, "tcpstream", p->stream);
	out_json_string(b, "mptcpdest", mptcp_dest_name(mptcp_pkt_dir(t, p)));
	out_json_double(b, "time", out_seconds(p->ts_ns - t->first_ns));
	bool has = p->marks & PF_HAS_DSN;
	out_json_uint(b, "dsn", has ? rel_dsn(t, m, p) : NO_VALUE);
	out_json_uint(b, "dsn_end", has ? rel_dsn(t, m, p) + pkt_tcplen(t, p) : NO_VALUE);
	out_json_uint(b, "bytes", pkt_tcplen(t, p));
	json_builder_set_member_name(b, "repeats");
	json_builder_begin_array(b);
	for (guint i = tables_links_first(t, row); i < t->links->len; i++) {
		const struct link *l = &g_array_index(t->links, struct link, i);
		if (l->pkt != row)
			break;
		const struct pkt *o = tables_pkt(t, l->orig);
		json_builder_begin_object(b);
		out_json_int(b, "frame", o->frame);
		out_json_int(b, "tcpstream", o->stream);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

static char *repeats_text(const struct tables *t, uint32_t row)
{
	GString *g = g_string_new(NULL);
	for (guint i = tables_links_first(t, row); i < t->links->len; i++) {
		const struct link *l = &g_array_index(t->links, struct link, i);
		if (l->pkt != row)
			break;
		const struct pkt *o = tables_pkt(t, l->orig);
		g_string_append_printf(g, "%sframe %u (tcp.stream %u)", g->len ? ", " : "", o->frame, o->stream);
	}
	if (!g->len)
		g_string_append(g, "(original not in the capture)");
	return g_string_free(g, FALSE);
}

static void reinjection_row(struct out_table *tb, const struct tables *t, const struct mptcp_conn *m,
                            uint32_t row)
{
	const struct pkt *p = tables_pkt(t, row);
	char *fr = g_strdup_printf("frame %u", p->frame);
	char *st = g_strdup_printf("tcp.stream %u", p->stream);
	char *dsn = (p->marks & PF_HAS_DSN)
	                ? g_strdup_printf("dsn %" PRIu64 "-%" PRIu64, rel_dsn(t, m, p), rel_dsn(t, m, p) + pkt_tcplen(t, p))
	                : g_strdup("dsn ?");
	char *len = g_strdup_printf("%u", pkt_tcplen(t, p));
	char *dest = g_strdup_printf("to %s", mptcp_dest_name(mptcp_pkt_dir(t, p)));
	char *rep = repeats_text(t, row);
	const char *cells[] = { fr, st, dest, dsn, len, "bytes, repeats", rep };
	out_table_row(tb, cells);
	g_free(fr), g_free(st), g_free(dsn), g_free(len), g_free(dest), g_free(rep);
}

static void count_per_subflow(const struct tables *t, uint32_t conn, GHashTable *per_sf,
                              struct sf_count *total)
{
	for (guint r = 0; r < t->packets->len; r++) {
		if (!is_reinjection_of(t, r, conn))
			continue;
		const struct pkt *p = tables_pkt(t, r);
		struct sf_count *c = g_hash_table_lookup(per_sf, GUINT_TO_POINTER(p->stream));
		c->packets++;
		c->bytes += pkt_tcplen(t, p);
		total->packets++;
		total->bytes += pkt_tcplen(t, p);
	}
}

static int reinjection_summary(struct session *s, const struct mptcp_conn *m)
{
	const struct tables *t = s->t;
	GHashTable *per_sf = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	for (guint k = 0; k < m->subflows->len; k++)
		g_hash_table_insert(per_sf, GUINT_TO_POINTER(g_array_index(m->subflows, uint32_t, k)),
		                    g_new0(struct sf_count, 1));
	struct sf_count total = { 0, 0 };
	count_per_subflow(t, m->id, per_sf, &total);
	JsonBuilder *b = NULL;
	struct out_table *tb = NULL;
	if (s->json) {
		b = out_json_begin(s, "list_reinjections");
		out_json_int(b, "mptcpstream", m->id);
		out_json_uint(b, "count", total.packets);
		out_json_uint(b, "bytes", total.bytes);
		json_builder_set_member_name(b, "subflows");
		json_builder_begin_array(b);
	} else {
		printf("%smptcp.stream %u: %" PRIu64 " reinjection(s), %" PRIu64 " bytes%s\n",
		       out_color(s, OR_HEAD), m->id, total.packets, total.bytes, out_color(s, OR_RESET));
		tb = out_table_new(5);
	}
	for (guint k = 0; k < m->subflows->len; k++) {
		uint32_t sf = g_array_index(m->subflows, uint32_t, k);
		const struct sf_count *c = g_hash_table_lookup(per_sf, GUINT_TO_POINTER(sf));
		if (b) {
			json_builder_begin_object(b);
			out_json_int(b, "tcpstream", sf);
			out_json_uint(b, "reinjections", c->packets);
			out_json_uint(b, "bytes", c->bytes);
			json_builder_end_object(b);
			continue;
		}
		char *st = g_strdup_printf("tcp.stream %u:", sf);
		char *n = g_strdup_printf("%" PRIu64, c->packets), *by = g_strdup_printf("%" PRIu64, c->bytes);
		const char *cells[] = { st, n, "reinjection(s)", by, "bytes" };
		out_table_row(tb, cells);
		g_free(st), g_free(n), g_free(by);
	}
	if (b) {
		json_builder_end_array(b);
		json_builder_end_object(b);
		out_json_print(b);
		g_object_unref(b);
	} else {
		out_table_print(s, tb, "  ");
		out_table_free(tb);
	}
	g_hash_table_destroy(per_sf);
	return 0;
}

static int list_json(struct session *s, const struct mptcp_conn *m)
{
	const struct tables *t = s->t;
	JsonBuilder *b = out_json_begin(s, "list_reinjections");
	out_json_int(b, "mptcpstream", m->id);
	json_builder_set_member_name(b, "reinjections");
	json_builder_begin_array(b);
	uint64_t n = 0;
	for (guint r = 0; r < t->packets->len; r++)
		if (is_reinjection_of(t, r, m->id)) {
			reinjection_json(b, t, m, r);
			n++;
		}
	json_builder_end_array(b);
	out_json_uint(b, "count", n);
	json_builder_end_object(b);
	out_json_print(b);
	g_object_unref(b);
	return 0;
}

static int cmd_list_reinjections(struct session *s, int argc, char **argv)
{
	uint32_t id;
	if (!session_mptcp_stream(s, argv[1], &id))
		return 1;
	const struct tables *t = s->t;
	const struct mptcp_conn *m = tables_mptcp(t, id);
	if (cmd_flag(s, "summary"))
		return reinjection_summary(s, m);
	if (s->json)
		return list_json(s, m);
	struct out_table *tb = out_table_new(7);
	out_table_color(tb, 0, OR_ID);
	guint n = 0;
	for (guint r = 0; r < t->packets->len; r++)
		if (is_reinjection_of(t, r, id)) {
			reinjection_row(tb, t, m, r);
			n++;
		}
	printf("%smptcp.stream %u: %u reinjection(s)%s\n", out_color(s, OR_HEAD), id, n,
	       out_color(s, OR_RESET));
	out_table_print(s, tb, "  ");
	out_table_free(tb);
	return 0;
}

static const struct cmd_option options[] = {
	{ "summary", 's', NULL, "counts and bytes of reinjections per subflow", COMP_NONE, NULL },
	OPT_JSON,
	OPT_END,
};

static const struct command commands[] = {
	{ "list_reinjections", { "lr", NULL },
	  "list the reinjected packets of an MPTCP connection and the packets they repeat",
	  "list_reinjections MPTCP_STREAM [--summary] [--json]", options, COMP_MPTCP_STREAM,
	  cmd_list_reinjections, CMD_NEEDS_CAPTURE, 1, 1 },
	{ NULL, { NULL }, NULL, NULL, NULL, COMP_NONE, NULL, 0, 0, 0 },
};

bool cmd_reinject_register(GError **err)
{
	return register_all(commands, err);
}
