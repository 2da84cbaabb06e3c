/* columns.c - formatting of every per-packet export column (see columns.h). */
#include "export/columns.h"

#include <string.h>
#include "export/format.h"
#include "track/mptcp_crypto.h"
#include "track/mptcp_tracker.h"
#include "track/tcp_tracker.h"

/* ------------------------------------------------------------------ helpers */

/* a column's function: in the table, and written out in
 * columns_write_default (always: GCC inlines few of them by itself) */
#define COLUMN static inline __attribute__((always_inline)) void

void row_ctx_init(struct row_ctx *r, const struct tables *t, uint32_t row, GHashTable *reinjected_in)
{
	r->t = t;
	r->row = row;
	r->p = tables_pkt(t, row);
	r->c = tables_tcp(t, r->p->stream);
	r->m = r->c->mptcp == NO_ROW ? NULL : tables_mptcp(t, r->c->mptcp);
	r->reinjected_in = t->reinjected_in ? t->reinjected_in : reinjected_in;
	r->first_opt = pkt_opts_first(&r->opts, t, r->p);
	r->subtypes = 0;
	r->dss = NULL;
	struct pkt_opts it = r->opts;
	for (const struct mptcp_option *op = r->first_opt; op; op = pkt_opts_next(&it)) {
		if (op->malformed)
			continue;
		r->subtypes |= 1u << (op->subtype & 31);
		if (op->subtype == MPTCP_SUB_DSS && !r->dss)
			r->dss = &op->u.dss;
	}
}

/* the bit of a subtype in row_ctx.subtypes; HAS_SUB: the row has a
 * well-formed option of one of the subtypes in `bits` */
#define SUB(s) (1u << (s))
#define HAS_SUB(r, bits) (((r)->subtypes & (bits)) != 0)

void column_append(const struct column *c, const struct row_ctx *r, GString *out)
{
	struct cursor k;
	cursor_open(&k, out, COLUMN_ROOM);
	c->format(r, &k);
	cursor_close(&k);
}

void column_format_row(const struct column *c, const struct tables *t, uint32_t row, GString *out)
{
	struct row_ctx r;
	row_ctx_init(&r, t, row, NULL);
	column_append(c, &r, out);
}

/* each well-formed MPTCP option of the packet, in wire order (the inline DSS
 * was rebuilt once, by row_ctx_init) */
#define FOR_OPTS(r, var)                                                        \
	struct pkt_opts var##_it = (r)->opts;                                   \
	for (const struct mptcp_option *var = (r)->first_opt; var; var = pkt_opts_next(&var##_it)) \
		if (!var->malformed)

/* before each value of a list: a comma after the first, and room for the
 * next value (the row's room covered the first) */
static inline void list_next(struct cursor *o, unsigned *n)
{
	if ((*n)++) {
		cursor_need(o);
		*o->p++ = ',';
		o->splits++;
	}
}

void reinjected_in_add(GHashTable *map, const struct link *l)
{
	GArray *a = g_hash_table_lookup(map, GUINT_TO_POINTER(l->orig_frame));
	if (!a) {
		a = g_array_new(FALSE, FALSE, sizeof(uint32_t));
		g_hash_table_insert(map, GUINT_TO_POINTER(l->orig_frame), a);
	}
	g_array_append_val(a, l->pkt_frame);
}

GHashTable *reinjected_in_map(const struct tables *t)
{
	GHashTable *h = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	                                      (GDestroyNotify)g_array_unref);
	for (guint i = 0; i < t->links->len; i++)
		reinjected_in_add(h, &g_array_index(t->links, struct link, i));
	return h;
}

/* ------------------------------------------------------------------ frame, IP, TCP */

COLUMN f_packetid(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->p->frame);
}

COLUMN f_interface(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, pkt_iface(r->t, r->p));
}

COLUMN f_abstime(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_time_ns(o->p, r->p->ts_ns);
}

COLUMN f_reltime(const struct row_ctx *r, struct cursor *o)
{
	/* wraps instead of overflowing on hostile times (a crafted cache file) */
	o->p = put_time_ns(o->p, (int64_t)((uint64_t)r->p->ts_ns - (uint64_t)r->t->first_ns));
}

COLUMN f_ipsrc(const struct row_ctx *r, struct cursor *o)
{
	const struct tcp_conn *c = r->c;
	o->p = put_addr(o->p, c->family, c->addr[pkt_dir(r->p)]);
}

COLUMN f_ipdst(const struct row_ctx *r, struct cursor *o)
{
	const struct tcp_conn *c = r->c;
	o->p = put_addr(o->p, c->family, c->addr[!pkt_dir(r->p)]);
}

COLUMN f_sport(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->c->port[pkt_dir(r->p)]);
}

COLUMN f_dport(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->c->port[!pkt_dir(r->p)]);
}

COLUMN f_tcpstream(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->p->stream);
}

COLUMN f_tcpflags(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_hex16(o->p, r->p->flags);
}

COLUMN f_tcpseq(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, tcp_rel_seq(r->t, r->p));
}

COLUMN f_tcpack(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, tcp_rel_ack(r->t, r->p));
}

COLUMN f_tcpseq_raw(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->p->seq);
}

COLUMN f_tcpack_raw(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->p->ack);
}

COLUMN f_tcplen(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, pkt_tcplen(r->t, r->p));
}

COLUMN f_rwnd(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, tcp_window_scaled(r->t, r->p));
}

COLUMN f_tsval(const struct row_ctx *r, struct cursor *o)
{
	if (r->p->marks & PKT_HAS_TS)
		o->p = put_u64(o->p, r->p->tsval);
}

COLUMN f_tsecr(const struct row_ctx *r, struct cursor *o)
{
	if (r->p->marks & PKT_HAS_TS)
		o->p = put_u64(o->p, r->p->tsecr);
}

static void dest_name(struct cursor *o, bool to_client)
{
	memcpy(o->p, to_client ? "Client" : "Server", 6);
	o->p += 6;
}

COLUMN f_tcpdest(const struct row_ctx *r, struct cursor *o)
{
	/* the packet goes to the client when its sender is not the client */
	dest_name(o, pkt_dir(r->p) != r->c->client);
}

/* ------------------------------------------------------------------ MPTCP */

COLUMN f_mptcpstream(const struct row_ctx *r, struct cursor *o)
{
	const struct tcp_conn *c = r->c;
	if (c->mptcp != NO_ROW)
		o->p = put_u64(o->p, c->mptcp);
}

COLUMN f_mptcpdest(const struct row_ctx *r, struct cursor *o)
{
	if (r->m)
		dest_name(o, mptcp_pkt_dir(r->t, r->p) == 1);
}

COLUMN f_expected_token(const struct row_ctx *r, struct cursor *o)
{
	if (!HAS_SUB(r, SUB(MPTCP_SUB_CAPABLE)))
		return;
	const struct mptcp_conn *m = r->m;
	if (!m)
		return;
	unsigned n = 0;
	FOR_OPTS(r, op) {
		if (op->subtype == MPTCP_SUB_CAPABLE && op->u.mpc.has_sender_key) {
			uint32_t tok;
			mptcp_key_derive(op->u.mpc.sender_key, m->version, &tok, NULL);
			list_next(o, &n);
			o->p = put_u64(o->p, tok);
		}
	}
}

COLUMN f_version(const struct row_ctx *r, struct cursor *o)
{
	if (!HAS_SUB(r, SUB(MPTCP_SUB_CAPABLE)))
		return;
	unsigned n = 0;
	FOR_OPTS(r, op) {
		if (op->subtype == MPTCP_SUB_CAPABLE) {
			list_next(o, &n);
			o->p = put_u64(o->p, op->u.mpc.version);
		}
	}
}

COLUMN f_subtype(const struct row_ctx *r, struct cursor *o)
{
	unsigned n = 0;
	struct pkt_opts it = r->opts;
	for (const struct mptcp_option *op = r->first_opt; op; op = pkt_opts_next(&it)) {
		list_next(o, &n);
		o->p = put_u64(o->p, op->subtype);
	}
}

COLUMN f_sendkey(const struct row_ctx *r, struct cursor *o)
{
	if (!HAS_SUB(r, SUB(MPTCP_SUB_CAPABLE)))
		return;
	unsigned n = 0;
	FOR_OPTS(r, op) {
		if (op->subtype == MPTCP_SUB_CAPABLE && op->u.mpc.has_sender_key) {
			list_next(o, &n);
			o->p = put_u64(o->p, op->u.mpc.sender_key);
		}
	}
}

COLUMN f_recvkey(const struct row_ctx *r, struct cursor *o)
{
	if (!HAS_SUB(r, SUB(MPTCP_SUB_CAPABLE) | SUB(MPTCP_SUB_FASTCLOSE)))
		return;
	unsigned n = 0;
	FOR_OPTS(r, op) {
		if (op->subtype == MPTCP_SUB_CAPABLE && op->u.mpc.has_receiver_key) {
			list_next(o, &n);
			o->p = put_u64(o->p, op->u.mpc.receiver_key);
		} else if (op->subtype == MPTCP_SUB_FASTCLOSE) {
			list_next(o, &n);
			o->p = put_u64(o->p, op->u.fastclose.receiver_key);
		}
	}
}

COLUMN f_recvtok(const struct row_ctx *r, struct cursor *o)
{
	if (!HAS_SUB(r, SUB(MPTCP_SUB_JOIN)))
		return;
	unsigned n = 0;
	FOR_OPTS(r, op) {
		if (op->subtype == MPTCP_SUB_JOIN && op->u.join.stage == MPJ_SYN) {
			list_next(o, &n);
			o->p = put_u64(o->p, op->u.join.token);
		}
	}
}

COLUMN f_addrid(const struct row_ctx *r, struct cursor *o)
{
	if (!HAS_SUB(r, SUB(MPTCP_SUB_JOIN) | SUB(MPTCP_SUB_ADD_ADDR) | SUB(MPTCP_SUB_PRIO) |
	                  SUB(MPTCP_SUB_REMOVE_ADDR)))
		return;
	unsigned n = 0;
	FOR_OPTS(r, op) {
		if (op->subtype == MPTCP_SUB_JOIN && op->u.join.stage != MPJ_ACK) {
			list_next(o, &n);
			o->p = put_u64(o->p, op->u.join.addr_id);
		} else if (op->subtype == MPTCP_SUB_ADD_ADDR) {
			list_next(o, &n);
			o->p = put_u64(o->p, op->u.add_addr.addr_id);
		} else if (op->subtype == MPTCP_SUB_PRIO && op->u.prio.has_addr_id) {
			list_next(o, &n);
			o->p = put_u64(o->p, op->u.prio.addr_id);
		} else if (op->subtype == MPTCP_SUB_REMOVE_ADDR) {
			for (unsigned k = 0; k < op->u.remove_addr.count; k++) {
				list_next(o, &n);
				o->p = put_u64(o->p, op->u.remove_addr.ids[k]);
			}
		}
	}
}

COLUMN f_datafin(const struct row_ctx *r, struct cursor *o)
{
	const struct mptcp_dss *d = r->dss;
	if (d)
		o->p = put_u64(o->p, d->data_fin);
}

/* data sequence numbers as on the wire: the DSS mapping's, and MP_FAIL's
 * (tshark shows both as tcp.options.mptcp.rawdataseqno) */
COLUMN f_dss_dsn(const struct row_ctx *r, struct cursor *o)
{
	if (!HAS_SUB(r, SUB(MPTCP_SUB_DSS) | SUB(MPTCP_SUB_FAIL)))
		return;
	unsigned n = 0;
	FOR_OPTS(r, op) {
		if (op->subtype == MPTCP_SUB_DSS && op->u.dss.has_map) {
			list_next(o, &n);
			o->p = put_u64(o->p, op->u.dss.dsn);
		} else if (op->subtype == MPTCP_SUB_FAIL) {
			list_next(o, &n);
			o->p = put_u64(o->p, op->u.fail.dsn);
		}
	}
}

COLUMN f_dss_rawack(const struct row_ctx *r, struct cursor *o)
{
	const struct mptcp_dss *d = r->dss;
	if (d && d->has_ack)
		o->p = put_u64(o->p, d->data_ack);
}

COLUMN f_dss_ssn(const struct row_ctx *r, struct cursor *o)
{
	const struct mptcp_dss *d = r->dss;
	if (d && d->has_map)
		o->p = put_u64(o->p, d->ssn);
}

COLUMN f_dss_length(const struct row_ctx *r, struct cursor *o)
{
	const struct mptcp_dss *d = r->dss;
	if (d && d->has_map) {
		o->p = put_u64(o->p, d->data_len);
		return;
	}
	if (!HAS_SUB(r, SUB(MPTCP_SUB_CAPABLE)))
		return;
	FOR_OPTS(r, op) {
		if (op->subtype == MPTCP_SUB_CAPABLE && op->u.mpc.has_data_len) {
			o->p = put_u64(o->p, op->u.mpc.data_len);
			return;
		}
	}
}

COLUMN f_dsnraw64(const struct row_ctx *r, struct cursor *o)
{
	if (r->p->marks & PF_HAS_DSN)
		o->p = put_u64(o->p, pkt_dsn(r->t, r->p));
}

COLUMN f_dsn(const struct row_ctx *r, struct cursor *o)
{
	const struct pkt *p = r->p;
	const struct mptcp_conn *m = r->m;
	int md = mptcp_pkt_dir(r->t, p);
	if ((p->marks & PF_HAS_DSN) && m && m->has_key[md]) /* relative to a known IDSN only */
		o->p = put_u64(o->p, pkt_dsn(r->t, p) - m->idsn[md]);
}

COLUMN f_dack(const struct row_ctx *r, struct cursor *o)
{
	const struct pkt *p = r->p;
	const struct mptcp_conn *m = r->m;
	int md = mptcp_pkt_dir(r->t, p);
	if ((p->marks & PF_HAS_DACK) && m && m->has_key[!md])
		o->p = put_u64(o->p, pkt_dack(r->t, p) - m->idsn[!md]);
}

COLUMN f_related_mappings(const struct row_ctx *r, struct cursor *o)
{
	const struct pkt *p = r->p;
	if (p->mapping != NO_ROW)
		o->p = put_u64(o->p, p->mapping);
}

COLUMN f_reinjection_of(const struct row_ctx *r, struct cursor *o)
{
	if (!(r->p->marks & PF_REINJECTION))
		return;
	unsigned n = 0;
	for (guint i = tables_links_first(r->t, r->row); i < r->t->links->len; i++) {
		const struct link *l = &g_array_index(r->t->links, struct link, i);
		if (l->pkt != r->row)
			break;
		list_next(o, &n);
		o->p = put_u64(o->p, l->orig_frame);
	}
}

COLUMN f_reinjected_in(const struct row_ctx *r, struct cursor *o)
{
	if (!r->reinjected_in && !(r->p->marks & PF_REINJECTED))
		return;
	unsigned n = 0;
	uint32_t frame = r->p->frame;
	if (r->reinjected_in) { /* frame -> later frames, built once per export */
		GArray *later = g_hash_table_lookup(r->reinjected_in, GUINT_TO_POINTER(frame));
		for (guint i = 0; later && i < later->len; i++) {
			list_next(o, &n);
			o->p = put_u64(o->p, g_array_index(later, uint32_t, i));
		}
		return;
	}
	/* links are sorted by reinjection; originals are found by a scan */
	for (guint i = 0; i < r->t->links->len; i++) {
		const struct link *l = &g_array_index(r->t->links, struct link, i);
		if (l->orig_frame == frame) {
			list_next(o, &n);
			o->p = put_u64(o->p, l->pkt_frame);
		}
	}
}

COLUMN f_tcpwin_raw(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->p->win);
}

COLUMN f_wscale(const struct row_ctx *r, struct cursor *o)
{
	const struct pkt *p = r->p;
	int8_t ws = r->c->dir[pkt_dir(p)].wscale;
	if ((p->marks & PKT_HAS_WSCALE) && ws >= 0)
		o->p = put_u64(o->p, (uint64_t)ws);
}

COLUMN f_dss_flags(const struct row_ctx *r, struct cursor *o)
{
	const struct mptcp_dss *d = r->dss;
	if (d)
		o->p = put_hex16(o->p, d->flags);
}

/* ------------------------------------------------------------------ the default row */

/* The default columns (the table's first N_DEFAULT), each followed by the
 * separator: calls the compiler can inline, where the table's pointers cost
 * a call and a reload of the row each (test_rows checks it against the
 * table, row by row). */
void columns_write_default(const struct row_ctx *r, struct cursor *o, char sep)
{
#define COL(f) f(r, o), *o->p++ = sep
	COL(f_packetid); COL(f_interface); COL(f_abstime); COL(f_reltime);
	COL(f_ipsrc); COL(f_ipdst); COL(f_sport); COL(f_dport); COL(f_tcpstream);
	COL(f_tcpflags); COL(f_tcpseq); COL(f_tcpack); COL(f_tcplen); COL(f_rwnd);
	COL(f_tsval); COL(f_tsecr); COL(f_mptcpstream); COL(f_expected_token);
	COL(f_version); COL(f_subtype); COL(f_sendkey); COL(f_recvkey); COL(f_recvtok);
	COL(f_addrid); COL(f_datafin); COL(f_dss_dsn); COL(f_dss_rawack); COL(f_dss_ssn);
	COL(f_dss_length); COL(f_dsnraw64); COL(f_dsn); COL(f_dack);
	COL(f_related_mappings); COL(f_reinjection_of); COL(f_reinjected_in);
	COL(f_tcpdest);
#undef COL
	f_mptcpdest(r, o);
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
