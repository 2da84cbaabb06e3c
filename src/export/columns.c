/* columns.c - formatting of every per-packet export column (see columns.h). */
#include "export/columns.h"

#include <string.h>
#include "export/format.h"
#include "track/mptcp_crypto.h"
#include "track/mptcp_tracker.h"
#include "track/tcp_tracker.h"

/* ------------------------------------------------------------------ helpers */

static const struct pkt *P(const struct tables *t, uint32_t row)
{
	return tables_pkt(t, row);
}

static const struct tcp_conn *C(const struct tables *t, uint32_t row)
{
	return tables_tcp(t, P(t, row)->stream);
}

static const struct mptcp_conn *M(const struct tables *t, uint32_t row)
{
	const struct tcp_conn *c = C(t, row);
	return c->mptcp == NO_ROW ? NULL : tables_mptcp(t, c->mptcp);
}

/* each well-formed MPTCP option of the packet, in wire order */
#define FOR_OPTS(t, row, var)                                                   \
	struct pkt_opts var##_it;                                               \
	for (const struct mptcp_option *var = pkt_opts_first(&var##_it, t, P(t, row)); var; \
	     var = pkt_opts_next(&var##_it))                                    \
		if (!var->malformed)

static void list_sep(GString *out, size_t start)
{
	if (out->len > start)
		g_string_append_c(out, ',');
}

/* ------------------------------------------------------------------ frame, IP, TCP */

static void f_packetid(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, P(t, row)->frame);
}

static void f_interface(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, pkt_iface(t, P(t, row)));
}

static void f_abstime(const struct tables *t, uint32_t row, GString *o)
{
	fmt_time_ns(o, P(t, row)->ts_ns);
}

static void f_reltime(const struct tables *t, uint32_t row, GString *o)
{
	/* wraps instead of overflowing on hostile times (a crafted cache file) */
	fmt_time_ns(o, (int64_t)((uint64_t)P(t, row)->ts_ns - (uint64_t)t->first_ns));
}

static void f_ipsrc(const struct tables *t, uint32_t row, GString *o)
{
	const struct tcp_conn *c = C(t, row);
	fmt_addr(o, c->family, c->addr[pkt_dir(P(t, row))]);
}

static void f_ipdst(const struct tables *t, uint32_t row, GString *o)
{
	const struct tcp_conn *c = C(t, row);
	fmt_addr(o, c->family, c->addr[!pkt_dir(P(t, row))]);
}

static void f_sport(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, C(t, row)->port[pkt_dir(P(t, row))]);
}

static void f_dport(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, C(t, row)->port[!pkt_dir(P(t, row))]);
}

static void f_tcpstream(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, P(t, row)->stream);
}

static void f_tcpflags(const struct tables *t, uint32_t row, GString *o)
{
	fmt_hex16(o, P(t, row)->flags);
}

static void f_tcpseq(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, tcp_rel_seq(t, P(t, row)));
}

static void f_tcpack(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, tcp_rel_ack(t, P(t, row)));
}

static void f_tcpseq_raw(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, P(t, row)->seq);
}

static void f_tcpack_raw(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, P(t, row)->ack);
}

static void f_tcplen(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, pkt_tcplen(t, P(t, row)));
}

static void f_rwnd(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, tcp_window_scaled(t, P(t, row)));
}

static void f_tsval(const struct tables *t, uint32_t row, GString *o)
{
	if (P(t, row)->marks & PKT_HAS_TS)
		fmt_u64(o, P(t, row)->tsval);
}

static void f_tsecr(const struct tables *t, uint32_t row, GString *o)
{
	if (P(t, row)->marks & PKT_HAS_TS)
		fmt_u64(o, P(t, row)->tsecr);
}

static void dest_name(GString *o, bool to_client)
{
	g_string_append(o, to_client ? "Client" : "Server");
}

static void f_tcpdest(const struct tables *t, uint32_t row, GString *o)
{
	/* the packet goes to the client when its sender is not the client */
	dest_name(o, pkt_dir(P(t, row)) != C(t, row)->client);
}

/* ------------------------------------------------------------------ MPTCP */

static void f_mptcpstream(const struct tables *t, uint32_t row, GString *o)
{
	const struct tcp_conn *c = C(t, row);
	if (c->mptcp != NO_ROW)
		fmt_u64(o, c->mptcp);
}

static void f_mptcpdest(const struct tables *t, uint32_t row, GString *o)
{
	if (M(t, row))
		dest_name(o, mptcp_pkt_dir(t, P(t, row)) == 1);
}

static void f_expected_token(const struct tables *t, uint32_t row, GString *o)
{
	const struct mptcp_conn *m = M(t, row);
	if (!m)
		return;
	size_t start = o->len;
	FOR_OPTS(t, row, op) {
		if (op->subtype == MPTCP_SUB_CAPABLE && op->u.mpc.has_sender_key) {
			uint32_t tok;
			mptcp_key_derive(op->u.mpc.sender_key, m->version, &tok, NULL);
			list_sep(o, start);
			fmt_u64(o, tok);
		}
	}
}

static void f_version(const struct tables *t, uint32_t row, GString *o)
{
	size_t start = o->len;
	FOR_OPTS(t, row, op) {
		if (op->subtype == MPTCP_SUB_CAPABLE) {
			list_sep(o, start);
			fmt_u64(o, op->u.mpc.version);
		}
	}
}

static void f_subtype(const struct tables *t, uint32_t row, GString *o)
{
	size_t start = o->len;
	struct pkt_opts it;
	for (const struct mptcp_option *op = pkt_opts_first(&it, t, P(t, row)); op; op = pkt_opts_next(&it)) {
		list_sep(o, start);
		fmt_u64(o, op->subtype);
	}
}

static void f_sendkey(const struct tables *t, uint32_t row, GString *o)
{
	size_t start = o->len;
	FOR_OPTS(t, row, op) {
		if (op->subtype == MPTCP_SUB_CAPABLE && op->u.mpc.has_sender_key) {
			list_sep(o, start);
			fmt_u64(o, op->u.mpc.sender_key);
		}
	}
}

static void f_recvkey(const struct tables *t, uint32_t row, GString *o)
{
	size_t start = o->len;
	FOR_OPTS(t, row, op) {
		if (op->subtype == MPTCP_SUB_CAPABLE && op->u.mpc.has_receiver_key) {
			list_sep(o, start);
			fmt_u64(o, op->u.mpc.receiver_key);
		} else if (op->subtype == MPTCP_SUB_FASTCLOSE) {
			list_sep(o, start);
			fmt_u64(o, op->u.fastclose.receiver_key);
		}
	}
}

static void f_recvtok(const struct tables *t, uint32_t row, GString *o)
{
	size_t start = o->len;
	FOR_OPTS(t, row, op) {
		if (op->subtype == MPTCP_SUB_JOIN && op->u.join.stage == MPJ_SYN) {
			list_sep(o, start);
			fmt_u64(o, op->u.join.token);
		}
	}
}

static void f_addrid(const struct tables *t, uint32_t row, GString *o)
{
	size_t start = o->len;
	FOR_OPTS(t, row, op) {
		if (op->subtype == MPTCP_SUB_JOIN && op->u.join.stage != MPJ_ACK) {
			list_sep(o, start);
			fmt_u64(o, op->u.join.addr_id);
		} else if (op->subtype == MPTCP_SUB_ADD_ADDR) {
			list_sep(o, start);
			fmt_u64(o, op->u.add_addr.addr_id);
		} else if (op->subtype == MPTCP_SUB_PRIO && op->u.prio.has_addr_id) {
			list_sep(o, start);
			fmt_u64(o, op->u.prio.addr_id);
		} else if (op->subtype == MPTCP_SUB_REMOVE_ADDR) {
			for (unsigned k = 0; k < op->u.remove_addr.count; k++) {
				list_sep(o, start);
				fmt_u64(o, op->u.remove_addr.ids[k]);
			}
		}
	}
}

/* the packet's first well-formed DSS, copied to *out (an inline one is
 * rebuilt by the iterator) */
static const struct mptcp_dss *dss_of(const struct tables *t, uint32_t row, struct mptcp_dss *out)
{
	FOR_OPTS(t, row, op) {
		if (op->subtype == MPTCP_SUB_DSS) {
			*out = op->u.dss;
			return out;
		}
	}
	return NULL;
}

static void f_datafin(const struct tables *t, uint32_t row, GString *o)
{
	struct mptcp_dss dss;
	const struct mptcp_dss *d = dss_of(t, row, &dss);
	if (d)
		fmt_u64(o, d->data_fin);
}

/* data sequence numbers as on the wire: the DSS mapping's, and MP_FAIL's
 * (tshark shows both as tcp.options.mptcp.rawdataseqno) */
static void f_dss_dsn(const struct tables *t, uint32_t row, GString *o)
{
	size_t start = o->len;
	FOR_OPTS(t, row, op) {
		if (op->subtype == MPTCP_SUB_DSS && op->u.dss.has_map) {
			list_sep(o, start);
			fmt_u64(o, op->u.dss.dsn);
		} else if (op->subtype == MPTCP_SUB_FAIL) {
			list_sep(o, start);
			fmt_u64(o, op->u.fail.dsn);
		}
	}
}

static void f_dss_rawack(const struct tables *t, uint32_t row, GString *o)
{
	struct mptcp_dss dss;
	const struct mptcp_dss *d = dss_of(t, row, &dss);
	if (d && d->has_ack)
		fmt_u64(o, d->data_ack);
}

static void f_dss_ssn(const struct tables *t, uint32_t row, GString *o)
{
	struct mptcp_dss dss;
	const struct mptcp_dss *d = dss_of(t, row, &dss);
	if (d && d->has_map)
		fmt_u64(o, d->ssn);
}

static void f_dss_length(const struct tables *t, uint32_t row, GString *o)
{
	struct mptcp_dss dss;
	const struct mptcp_dss *d = dss_of(t, row, &dss);
	if (d && d->has_map) {
		fmt_u64(o, d->data_len);
		return;
	}
	FOR_OPTS(t, row, op) {
		if (op->subtype == MPTCP_SUB_CAPABLE && op->u.mpc.has_data_len) {
			fmt_u64(o, op->u.mpc.data_len);
			return;
		}
	}
}

static void f_dsnraw64(const struct tables *t, uint32_t row, GString *o)
{
	if (P(t, row)->marks & PF_HAS_DSN)
		fmt_u64(o, pkt_dsn(t, P(t, row)));
}

static void f_dsn(const struct tables *t, uint32_t row, GString *o)
{
	const struct pkt *p = P(t, row);
	const struct mptcp_conn *m = M(t, row);
	int md = mptcp_pkt_dir(t, p);
	if ((p->marks & PF_HAS_DSN) && m && m->has_key[md]) /* relative to a known IDSN only */
		fmt_u64(o, pkt_dsn(t, p) - m->idsn[md]);
}

static void f_dack(const struct tables *t, uint32_t row, GString *o)
{
	const struct pkt *p = P(t, row);
	const struct mptcp_conn *m = M(t, row);
	int md = mptcp_pkt_dir(t, p);
	if ((p->marks & PF_HAS_DACK) && m && m->has_key[!md])
		fmt_u64(o, pkt_dack(t, p) - m->idsn[!md]);
}

static void f_related_mappings(const struct tables *t, uint32_t row, GString *o)
{
	const struct pkt *p = P(t, row);
	if (p->mapping != NO_ROW)
		fmt_u64(o, p->mapping);
}

static void f_reinjection_of(const struct tables *t, uint32_t row, GString *o)
{
	if (!(P(t, row)->marks & PF_REINJECTION))
		return;
	size_t start = o->len;
	for (guint i = tables_links_first(t, row); i < t->links->len; i++) {
		const struct link *l = &g_array_index(t->links, struct link, i);
		if (l->pkt != row)
			break;
		list_sep(o, start);
		fmt_u64(o, l->orig_frame);
	}
}

static void f_reinjected_in(const struct tables *t, uint32_t row, GString *o)
{
	if (!t->reinjected_in && !(P(t, row)->marks & PF_REINJECTED))
		return;
	size_t start = o->len;
	uint32_t frame = P(t, row)->frame;
	if (t->reinjected_in) { /* streaming export: known from a first pass */
		GArray *later = g_hash_table_lookup(t->reinjected_in, GUINT_TO_POINTER(frame));
		for (guint i = 0; later && i < later->len; i++) {
			list_sep(o, start);
			fmt_u64(o, g_array_index(later, uint32_t, i));
		}
		return;
	}
	/* links are sorted by reinjection; originals are found by a scan */
	for (guint i = 0; i < t->links->len; i++) {
		const struct link *l = &g_array_index(t->links, struct link, i);
		if (l->orig_frame == frame) {
			list_sep(o, start);
			fmt_u64(o, l->pkt_frame);
		}
	}
}

static void f_tcpwin_raw(const struct tables *t, uint32_t row, GString *o)
{
	fmt_u64(o, P(t, row)->win);
}

static void f_wscale(const struct tables *t, uint32_t row, GString *o)
{
	const struct pkt *p = P(t, row);
	int8_t ws = C(t, row)->dir[pkt_dir(p)].wscale;
	if ((p->marks & PKT_HAS_WSCALE) && ws >= 0)
		fmt_u64(o, (uint64_t)ws);
}

static void f_dss_flags(const struct tables *t, uint32_t row, GString *o)
{
	struct mptcp_dss dss;
	const struct mptcp_dss *d = dss_of(t, row, &dss);
	if (d)
		fmt_hex16(o, d->flags);
}

/* ------------------------------------------------------------------ the table */

static const struct column all_columns[] = {
	{ "packetid", "frame.number", COL_INT, false, f_packetid, "frame number in the capture (1-based)" },
	{ "interface", "frame.interface_id", COL_INT, false, f_interface, "capture interface id (pcapng)" },
	{ "abstime", "frame.time_epoch", COL_REAL, false, f_abstime, "capture time, seconds since the epoch (ns)" },
	{ "reltime", "frame.time_relative", COL_REAL, false, f_reltime, "seconds since the first frame" },
	{ "ipsrc", "_ws.col.src", COL_TEXT, false, f_ipsrc, "source address" },
	{ "ipdst", "_ws.col.dst", COL_TEXT, false, f_ipdst, "destination address" },
	{ "sport", "tcp.srcport", COL_INT, false, f_sport, "TCP source port" },
	{ "dport", "tcp.dstport", COL_INT, false, f_dport, "TCP destination port" },
	{ "tcpstream", "tcp.stream", COL_INT, false, f_tcpstream, "TCP stream index" },
	{ "tcpflags", "tcp.flags", COL_TEXT, false, f_tcpflags, "TCP flags (hex)" },
	{ "tcpseq", "tcp.seq", COL_INT, false, f_tcpseq, "relative sequence number" },
	{ "tcpack", "tcp.ack", COL_INT, false, f_tcpack, "relative acknowledgement number" },
	{ "tcplen", "tcp.len", COL_INT, false, f_tcplen, "TCP payload length (from the IP header)" },
	{ "rwnd", "tcp.window_size", COL_INT, false, f_rwnd, "receive window, scaled" },
	{ "tcptsval", "tcp.options.timestamp.tsval", COL_INT, false, f_tsval, "TCP timestamp value" },
	{ "tcptsecr", "tcp.options.timestamp.tsecr", COL_INT, false, f_tsecr, "TCP timestamp echo reply" },
	{ "mptcpstream", "mptcp.stream", COL_INT, false, f_mptcpstream, "MPTCP connection index" },
	{ "expected_token", "mptcp.expected_token", COL_INT, true, f_expected_token, "token of the MP_CAPABLE sender's key" },
	{ "version", "tcp.options.mptcp.version", COL_INT, true, f_version, "MP_CAPABLE version" },
	{ "subtype", "tcp.options.mptcp.subtype", COL_TEXT, true, f_subtype, "MPTCP option subtypes in the packet" },
	{ "sendkey", "tcp.options.mptcp.sendkey", COL_TEXT, true, f_sendkey, "MP_CAPABLE sender's key" },
	{ "recvkey", "tcp.options.mptcp.recvkey", COL_TEXT, true, f_recvkey, "MP_CAPABLE receiver's key" },
	{ "recvtok", "tcp.options.mptcp.recvtok", COL_TEXT, true, f_recvtok, "MP_JOIN SYN receiver's token" },
	{ "addrid", "tcp.options.mptcp.addrid", COL_TEXT, true, f_addrid, "address ids (MP_JOIN, ADD_ADDR, REMOVE_ADDR, MP_PRIO)" },
	{ "datafin", "tcp.options.mptcp.datafin.flag", COL_INT, false, f_datafin, "DSS DATA_FIN flag" },
	{ "dss_dsn", "tcp.options.mptcp.rawdataseqno", COL_TEXT, true, f_dss_dsn, "data sequence numbers as on the wire (DSS mapping, MP_FAIL)" },
	{ "dss_rawack", "tcp.options.mptcp.rawdataack", COL_INT, false, f_dss_rawack, "DSS data ACK, as on the wire" },
	{ "dss_ssn", "tcp.options.mptcp.subflowseqno", COL_INT, false, f_dss_ssn, "DSS subflow sequence number" },
	{ "dss_length", "tcp.options.mptcp.datalvllen", COL_INT, false, f_dss_length, "DSS data-level length" },
	{ "dsnraw64", "mptcp.rawdsn64", COL_INT, false, f_dsnraw64, "64-bit DSN of the first payload byte" },
	{ "dsn", "mptcp.dsn", COL_INT, false, f_dsn, "DSN relative to the sender's IDSN" },
	{ "dack", "mptcp.ack", COL_INT, false, f_dack, "data ACK relative to the receiver's IDSN" },
	{ "related_mappings", "mptcp.related_mapping", COL_TEXT, true, f_related_mappings, "packet carrying the DSS mapping of this data" },
	{ "reinjection_of", "mptcp.reinjection_of", COL_TEXT, true, f_reinjection_of, "packets of other subflows this one repeats" },
	{ "reinjected_in", "mptcp.reinjected_in", COL_TEXT, true, f_reinjected_in, "packets of other subflows that repeat this one" },
	{ "tcpdest", "tcpdest", COL_TEXT, false, f_tcpdest, "TCP end the packet goes to (Client or Server)" },
	{ "mptcpdest", "mptcpdest", COL_TEXT, false, f_mptcpdest, "MPTCP end the packet goes to (Client or Server)" },
	{ "tcpseq_raw", "tcp.seq_raw", COL_INT, false, f_tcpseq_raw, "sequence number as on the wire" },
	{ "tcpack_raw", "tcp.ack_raw", COL_INT, false, f_tcpack_raw, "acknowledgement number as on the wire" },
	{ "tcpwin_raw", "tcp.window_size_value", COL_INT, false, f_tcpwin_raw, "window field as on the wire" },
	{ "wscale", "tcp.options.wscale.shift", COL_INT, false, f_wscale, "window scale shift (SYN)" },
	{ "dss_flags", "tcp.options.mptcp.dss.flags", COL_TEXT, false, f_dss_flags, "DSS flags byte (F m M a A)" },
};

/* the original tool's columns; the raw seq/ack are opt-in */
#define N_DEFAULT 37

const struct column *columns_all(size_t *n)
{
	*n = G_N_ELEMENTS(all_columns);
	return all_columns;
}

const struct column *column_find(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(all_columns); i++)
		if (strcmp(all_columns[i].name, name) == 0 || strcmp(all_columns[i].tshark, name) == 0)
			return &all_columns[i];
	return NULL;
}

GPtrArray *columns_default(void)
{
	GPtrArray *a = g_ptr_array_new();
	for (size_t i = 0; i < N_DEFAULT; i++)
		g_ptr_array_add(a, (gpointer)&all_columns[i]);
	return a;
}

GPtrArray *columns_parse(const char *list, GError **err)
{
	GPtrArray *a = g_ptr_array_new();
	gchar **names = g_strsplit(list, ",", -1);
	for (gchar **n = names; *n; n++) {
		g_strstrip(*n);
		if (!**n)
			continue;
		const struct column *c = column_find(*n);
		if (!c) {
			g_set_error(err, g_quark_from_static_string("columns"), 1,
			            "unknown field '%s' (see --list-fields)", *n);
			g_ptr_array_free(a, TRUE);
			g_strfreev(names);
			return NULL;
		}
		g_ptr_array_add(a, (gpointer)c);
	}
	g_strfreev(names);
	if (a->len == 0) {
		g_set_error(err, g_quark_from_static_string("columns"), 1, "no field given");
		g_ptr_array_free(a, TRUE);
		return NULL;
	}
	return a;
}
