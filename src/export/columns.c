/* columns.c - every per-packet export column: its value read out of the
 * tables into a row context (row_ctx_read), and written from there (see
 * columns.h). */
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

void row_store_init(struct row_store *s)
{
	s->opts = g_array_new(FALSE, FALSE, sizeof(struct mptcp_option));
	s->frames = g_array_new(FALSE, FALSE, sizeof(uint32_t));
}

void row_store_clear(struct row_store *s)
{
	if (s->opts->len) /* most rows leave it empty: no call then */
		g_array_set_size(s->opts, 0);
	if (s->frames->len)
		g_array_set_size(s->frames, 0);
}

void row_store_free(struct row_store *s)
{
	g_array_free(s->opts, TRUE);
	g_array_free(s->frames, TRUE);
}

/* The options of the row, with the subtypes present and the first DSS, from
 * one pass.  A lone DSS kept in the row (most rows) is only read here (what
 * it takes from the tables), and rebuilt by row_ctx_finish; options kept
 * apart are copied to the store. */
static void ctx_options(struct row_ctx *r, const struct tables *t, const struct pkt *p,
                        const struct pkt_bases *bases, struct row_store *s)
{
	r->opt0 = s->opts->len;
	r->subtypes = 0;
	r->dss = -1;
	r->inline_dss = (p->xflags & PX_DSS) != 0;
	if (r->inline_dss) {
		pkt_dss_values_at(t, p, bases, &r->dssv);
		r->subtypes = 1u << MPTCP_SUB_DSS;
		r->dss = 0;
		r->n_opts = 1;
		return;
	}
	if (!(p->xflags & PX_OPTS)) {
		r->n_opts = 0;
		return;
	}
	struct pkt_opts it;
	for (const struct mptcp_option *op = pkt_opts_first(&it, t, p); op; op = pkt_opts_next(&it)) {
		g_array_append_vals(s->opts, op, 1);
		if (op->malformed)
			continue;
		r->subtypes |= 1u << (op->subtype & 31);
		if (op->subtype == MPTCP_SUB_DSS && r->dss < 0)
			r->dss = (int32_t)(s->opts->len - 1 - r->opt0);
	}
	r->n_opts = s->opts->len - r->opt0;
}

/* the frames of the earlier packets a reinjection repeats (t->links) */
static void ctx_reinjection_of(struct row_ctx *r, const struct tables *t, uint32_t row, struct row_store *s)
{
	r->of0 = s->frames->len;
	if (r->pkt.marks & PF_REINJECTION) {
		for (guint i = tables_links_first(t, row); i < t->links->len; i++) {
			const struct link *l = &g_array_index(t->links, struct link, i);
			if (l->pkt != row)
				break;
			g_array_append_val(s->frames, l->orig_frame);
		}
	}
	r->n_of = s->frames->len - r->of0;
}

/* the frames of the later packets that repeat this one: from the map when
 * there is one (built once per export), else by a scan of the links */
static void ctx_reinjected_in(struct row_ctx *r, const struct tables *t, GHashTable *map, struct row_store *s)
{
	r->in0 = s->frames->len;
	uint32_t frame = r->pkt.frame;
	if (map) {
		/* Most rows are repeated by nothing: no lookup then.  A map made as
		 * the rows come (one pass) or from whole tables lists rows marked
		 * PF_REINJECTED by the time they are read out; a second pass's map
		 * (t->reinjected_in) also lists repeats still to come. */
		bool may = (r->pkt.marks & PF_REINJECTED) || map == t->reinjected_in;
		GArray *later = may && g_hash_table_size(map) ? g_hash_table_lookup(map, GUINT_TO_POINTER(frame)) : NULL;
		if (later)
			g_array_append_vals(s->frames, later->data, later->len);
	} else if (r->pkt.marks & PF_REINJECTED) {
		for (guint i = 0; i < t->links->len; i++) {
			const struct link *l = &g_array_index(t->links, struct link, i);
			if (l->orig_frame == frame)
				g_array_append_val(s->frames, l->pkt_frame);
		}
	}
	r->n_in = s->frames->len - r->in0;
}

void row_ctx_read(struct row_ctx *r, const struct tables *t, uint32_t row, GHashTable *reinjected_in,
                  struct row_store *s)
{
	const struct pkt *p = tables_pkt(t, row);
	const struct tcp_conn *c = tables_tcp(t, p->stream);
	int dir = pkt_dir(p);
	r->pkt = *p;
	r->store = s;
	/* wraps instead of overflowing on hostile times (a crafted cache file) */
	r->rel_ns = (int64_t)((uint64_t)p->ts_ns - (uint64_t)t->first_ns);
	r->iface = pkt_iface(t, p);
	r->tcplen = pkt_tcplen(t, p);
	r->rwnd = tcp_window_scaled(t, p);
	r->seq_rel = tcp_rel_seq(t, p);
	r->ack_rel = tcp_rel_ack(t, p);
	r->family = c->family;
	memcpy(r->addr[0], c->addr[dir], 16);
	memcpy(r->addr[1], c->addr[!dir], 16);
	r->port[0] = c->port[dir];
	r->port[1] = c->port[!dir];
	/* the packet goes to the client when its sender is not the client */
	r->to_client = dir != c->client;
	int8_t ws = c->dir[dir].wscale;
	r->wscale = (p->marks & PKT_HAS_WSCALE) && ws >= 0 ? ws : -1;
	r->mptcp = c->mptcp;
	r->has_dsn = r->has_dack = r->mptcp_to_client = false;
	r->version = 0;
	r->dsn_raw = r->dsn = r->dack = 0;
	/* the DSN and data ACK bases, looked up once for every value below */
	const struct mptcp_conn *m = c->mptcp != NO_ROW ? tables_mptcp(t, c->mptcp) : NULL;
	int md = conn_mptcp_dir(c, dir);
	struct pkt_bases bases;
	pkt_bases_of(t, p, m, md, &bases);
	if (p->marks & PF_HAS_DSN)
		r->dsn_raw = bases.dsn + p->dsn_rel;
	if (m) {
		r->mptcp_to_client = md == 1;
		r->version = m->version;
		/* relative to a known IDSN only */
		r->has_dsn = (p->marks & PF_HAS_DSN) && m->has_key[md];
		if (r->has_dsn)
			r->dsn = r->dsn_raw - m->idsn[md];
		r->has_dack = (p->marks & PF_HAS_DACK) && m->has_key[!md];
		if (r->has_dack)
			r->dack = bases.dack + p->dack_rel - m->idsn[!md];
	}
	ctx_options(r, t, p, &bases, s);
	ctx_reinjection_of(r, t, row, s);
	ctx_reinjected_in(r, t, t->reinjected_in ? t->reinjected_in : reinjected_in, s);
}

void row_ctx_finish(struct row_ctx *r)
{
	if (r->inline_dss)
		pkt_dss_build(&r->pkt, &r->dssv, &r->dss_opt);
}

void row_ctx_init(struct row_ctx *r, const struct tables *t, uint32_t row, GHashTable *reinjected_in,
                  struct row_store *s)
{
	row_store_clear(s);
	row_ctx_read(r, t, row, reinjected_in, s);
	row_ctx_finish(r);
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

void column_format_row(const struct column *c, const struct tables *t, uint32_t row, struct row_store *s,
                       GString *out)
{
	struct row_ctx r;
	row_ctx_init(&r, t, row, NULL, s);
	column_append(c, &r, out);
}

static inline const struct mptcp_option *row_opt(const struct row_ctx *r, uint32_t i)
{
	if (r->inline_dss)
		return &r->dss_opt;
	return &g_array_index(r->store->opts, struct mptcp_option, r->opt0 + i);
}

/* row_dss, inline in the columns (five of them read it per row) */
static inline const struct mptcp_dss *dss_of(const struct row_ctx *r)
{
	return r->dss < 0 ? NULL : &row_opt(r, (uint32_t)r->dss)->u.dss;
}

const struct mptcp_dss *row_dss(const struct row_ctx *r)
{
	return dss_of(r);
}

static inline const uint32_t *row_frames(const struct row_ctx *r, uint32_t first)
{
	return &g_array_index(r->store->frames, uint32_t, first);
}

/* each well-formed MPTCP option of the packet, in wire order */
#define FOR_OPTS(r, var)                                                        \
	for (uint32_t var##_i = 0; var##_i < (r)->n_opts; var##_i++)            \
		for (const struct mptcp_option *var = row_opt(r, var##_i); var && !var->malformed; var = NULL)

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
	o->p = put_u64(o->p, r->pkt.frame);
}

COLUMN f_interface(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->iface);
}

COLUMN f_abstime(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_time_ns(o->p, r->pkt.ts_ns);
}

COLUMN f_reltime(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_time_ns(o->p, r->rel_ns);
}

COLUMN f_ipsrc(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_addr(o->p, r->family, r->addr[0]);
}

COLUMN f_ipdst(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_addr(o->p, r->family, r->addr[1]);
}

COLUMN f_sport(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->port[0]);
}

COLUMN f_dport(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->port[1]);
}

COLUMN f_tcpstream(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->pkt.stream);
}

COLUMN f_tcpflags(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_hex16(o->p, r->pkt.flags);
}

COLUMN f_tcpseq(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->seq_rel);
}

COLUMN f_tcpack(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->ack_rel);
}

COLUMN f_tcpseq_raw(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->pkt.seq);
}

COLUMN f_tcpack_raw(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->pkt.ack);
}

COLUMN f_tcplen(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->tcplen);
}

COLUMN f_rwnd(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->rwnd);
}

COLUMN f_tsval(const struct row_ctx *r, struct cursor *o)
{
	if (r->pkt.marks & PKT_HAS_TS)
		o->p = put_u64(o->p, r->pkt.tsval);
}

COLUMN f_tsecr(const struct row_ctx *r, struct cursor *o)
{
	if (r->pkt.marks & PKT_HAS_TS)
		o->p = put_u64(o->p, r->pkt.tsecr);
}

static void dest_name(struct cursor *o, bool to_client)
{
	memcpy(o->p, to_client ? "Client" : "Server", 6);
	o->p += 6;
}

COLUMN f_tcpdest(const struct row_ctx *r, struct cursor *o)
{
	dest_name(o, r->to_client);
}

/* ------------------------------------------------------------------ MPTCP */

COLUMN f_mptcpstream(const struct row_ctx *r, struct cursor *o)
{
	if (r->mptcp != NO_ROW)
		o->p = put_u64(o->p, r->mptcp);
}

COLUMN f_mptcpdest(const struct row_ctx *r, struct cursor *o)
{
	if (r->mptcp != NO_ROW)
		dest_name(o, r->mptcp_to_client);
}

COLUMN f_expected_token(const struct row_ctx *r, struct cursor *o)
{
	if (!HAS_SUB(r, SUB(MPTCP_SUB_CAPABLE)) || r->mptcp == NO_ROW)
		return;
	unsigned n = 0;
	FOR_OPTS(r, op) {
		if (op->subtype == MPTCP_SUB_CAPABLE && op->u.mpc.has_sender_key) {
			uint32_t tok;
			mptcp_key_derive(op->u.mpc.sender_key, r->version, &tok, NULL);
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
	for (uint32_t i = 0; i < r->n_opts; i++) {
		list_next(o, &n);
		o->p = put_u64(o->p, row_opt(r, i)->subtype);
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
	const struct mptcp_dss *d = dss_of(r);
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
	const struct mptcp_dss *d = dss_of(r);
	if (d && d->has_ack)
		o->p = put_u64(o->p, d->data_ack);
}

COLUMN f_dss_ssn(const struct row_ctx *r, struct cursor *o)
{
	const struct mptcp_dss *d = dss_of(r);
	if (d && d->has_map)
		o->p = put_u64(o->p, d->ssn);
}

COLUMN f_dss_length(const struct row_ctx *r, struct cursor *o)
{
	const struct mptcp_dss *d = dss_of(r);
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
	if (r->pkt.marks & PF_HAS_DSN)
		o->p = put_u64(o->p, r->dsn_raw);
}

COLUMN f_dsn(const struct row_ctx *r, struct cursor *o)
{
	if (r->has_dsn)
		o->p = put_u64(o->p, r->dsn);
}

COLUMN f_dack(const struct row_ctx *r, struct cursor *o)
{
	if (r->has_dack)
		o->p = put_u64(o->p, r->dack);
}

COLUMN f_related_mappings(const struct row_ctx *r, struct cursor *o)
{
	if (r->pkt.mapping != NO_ROW)
		o->p = put_u64(o->p, r->pkt.mapping);
}

/* a list of frames from the store */
static inline void put_frames(const struct row_ctx *r, struct cursor *o, uint32_t first, uint32_t count)
{
	if (count == 0) /* the store may hold no frame at all (no array yet) */
		return;
	unsigned n = 0;
	const uint32_t *f = row_frames(r, first);
	for (uint32_t i = 0; i < count; i++) {
		list_next(o, &n);
		o->p = put_u64(o->p, f[i]);
	}
}

COLUMN f_reinjection_of(const struct row_ctx *r, struct cursor *o)
{
	put_frames(r, o, r->of0, r->n_of);
}

COLUMN f_reinjected_in(const struct row_ctx *r, struct cursor *o)
{
	put_frames(r, o, r->in0, r->n_in);
}

COLUMN f_tcpwin_raw(const struct row_ctx *r, struct cursor *o)
{
	o->p = put_u64(o->p, r->pkt.win);
}

COLUMN f_wscale(const struct row_ctx *r, struct cursor *o)
{
	if (r->wscale >= 0)
		o->p = put_u64(o->p, (uint64_t)r->wscale);
}

COLUMN f_dss_flags(const struct row_ctx *r, struct cursor *o)
{
	const struct mptcp_dss *d = dss_of(r);
	if (d)
		o->p = put_hex16(o->p, d->flags);
}

/* ------------------------------------------------------------------ the default row */

/* The default columns (the table's first N_DEFAULT), each followed by the
 * separator: calls the compiler can inline, where the table's pointers cost
 * a call and a reload of the row each (test_rows checks it against the
 * table, row by row). */

/* The text of ipsrc, ipdst, sport, dport and tcpstream, each with its
 * separator, is the same for every packet of a stream in one direction.
 * Each thread keeps it for the streams it met last (the two directions of
 * one stream in two slots), keyed by all it is made of: another export, of
 * another capture or with another separator, cannot take it.  A hit is a
 * compare and a copy instead of two addresses and three numbers. */
struct flow_text_key {
	uint8_t addr[2][16];
	uint64_t stream_ports;   /* stream | source port << 32 | destination port << 48 */
	uint32_t family_sep;     /* family | separator << 8 | 1 << 16 (0: an empty slot) */
};
#define FLOW_TEXT_ROOM 112   /* 2 IPv6 addresses, 2 ports, a stream and 5 separators: 103 */

/* The digits above the last 8 of a large number, with the value they are the
 * text of: a stream's DSNs and data ACKs keep them for 100 MB of data. */
struct kept_high {
	uint64_t high;           /* value / 10^8; 0: none (a value that small has no high digits) */
	uint32_t len;
	char text[16];           /* at most 12 digits (2^64 / 10^8) */
};
enum { KEPT_DSN, KEPT_DSS_DSN, KEPT_DSS_ACK, N_KEPT };

struct flow_text {
	struct flow_text_key k;
	uint32_t len;
	char text[FLOW_TEXT_ROOM];
	struct kept_high kept[N_KEPT]; /* whatever the key: each is the text of its value */
};
#define FLOW_TEXTS 64
static _Thread_local struct flow_text flow_texts[FLOW_TEXTS];

/* The key's words are made in registers and compared with the slot's: a key
 * built in memory and read back as words waited for its narrower stores. */
static inline __attribute__((always_inline)) struct flow_text *flow_columns(const struct row_ctx *r,
                                                                            struct cursor *o, char sep)
{
	uint64_t stream_ports = r->pkt.stream | (uint64_t)r->port[0] << 32 | (uint64_t)r->port[1] << 48;
	uint32_t family_sep = r->family | (uint32_t)(uint8_t)sep << 8 | 1u << 16;
	struct flow_text *e = &flow_texts[(r->pkt.stream * 2 + r->to_client) % FLOW_TEXTS];
	uint64_t a[4], b[4];
	memcpy(a, e->k.addr, sizeof a);
	memcpy(b, r->addr, sizeof b);
	uint64_t diff = (a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) |
	                (e->k.stream_ports ^ stream_ports) | (e->k.family_sep ^ family_sep);
	if (diff == 0) {
		memcpy(o->p, e->text, FLOW_TEXT_ROOM); /* the row has room for 5 columns */
		o->p += e->len;
		return e;
	}
	char *start = o->p;
#define COL(f) f(r, o), *o->p++ = sep
	COL(f_ipsrc); COL(f_ipdst); COL(f_sport); COL(f_dport); COL(f_tcpstream);
#undef COL
	size_t len = (size_t)(o->p - start);
	if (len <= FLOW_TEXT_ROOM) {
		memcpy(e->text, start, len);
		e->len = (uint32_t)len;
		memcpy(e->k.addr, r->addr, sizeof e->k.addr);
		e->k.stream_ports = stream_ports;
		e->k.family_sep = family_sep;
	}
	return e;
}

/* put_u64, the digits above the last 8 from k when they are the same */
PUT_INLINE char *put_u64_kept(char *p, uint64_t v, struct kept_high *k)
{
	if (v < 100000000)
		return put_group(p, (uint32_t)v);
	uint64_t high = v / 100000000;
	if (high != k->high) {
		char buf[FMT_ROOM];
		k->len = (uint32_t)(put_u64(buf, high) - buf);
		memcpy(k->text, buf, sizeof k->text);
		k->high = high;
	}
	memcpy(p, k->text, sizeof k->text);
	return put_digits8(p + k->len, (uint32_t)(v - high * 100000000));
}

/* abstime: the seconds are the row before's but once a second, so each
 * thread keeps their text (with the point) and writes the decimals alone */
struct second_text {
	int64_t s;               /* -1: none yet */
	uint32_t len;
	char text[16];           /* at most 10 digits (int64 ns) and the point */
};
static _Thread_local struct second_text last_second = { -1, 0, { 0 } };

COLUMN abstime_kept(const struct row_ctx *r, struct cursor *o)
{
	int64_t ns = r->pkt.ts_ns;
	if (ns < 0) { /* before 1970: as the column writes it */
		f_abstime(r, o);
		return;
	}
	int64_t s = ns / 1000000000;
	uint32_t f = (uint32_t)(ns - s * 1000000000);
	if (s != last_second.s) {
		char *end = put_u64(last_second.text, (uint64_t)s);
		*end++ = '.';
		last_second.len = (uint32_t)(end - last_second.text);
		last_second.s = s;
	}
	memcpy(o->p, last_second.text, sizeof last_second.text);
	o->p += last_second.len;
	*o->p++ = (char)('0' + f / 100000000);
	o->p = put_digits8(o->p, f % 100000000);
}

/* f_dsnraw64 with the stream's high digits */
COLUMN dsnraw64_kept(const struct row_ctx *r, struct cursor *o, struct flow_text *e)
{
	if (r->pkt.marks & PF_HAS_DSN)
		o->p = put_u64_kept(o->p, r->dsn_raw, &e->kept[KEPT_DSN]);
}

/* expected_token to dss_length (each with its separator) of a row whose one
 * option is an inline DSS (most rows), from what the tables keep of it: the
 * values pkt_dss_build would give the option, without building it. */
COLUMN inline_dss_columns(const struct row_ctx *r, struct cursor *o, char sep, struct flow_text *e)
{
	uint8_t flags = r->pkt.xflags & PX_DSS_FLAGS;
	bool has_ack = flags & DSS_FLAG_ACK, has_map = flags & DSS_FLAG_MAP;
	/* no MP_CAPABLE: no expected_token, version; subtype the DSS alone; no
	 * sendkey, recvkey, recvtok, addrid */
	char head[8] = { sep, sep, '0' + MPTCP_SUB_DSS, sep, sep, sep, sep, sep };
	memcpy(o->p, head, sizeof head);
	o->p += sizeof head;
	*o->p++ = (flags & DSS_FLAG_FIN) ? '1' : '0';
	*o->p++ = sep;
	if (has_map) /* as on the wire: 32 bits unless the m flag */
		o->p = put_u64_kept(o->p, (flags & DSS_FLAG_DSN8) ? r->dssv.map_dsn : (uint32_t)r->dssv.map_dsn,
		                    &e->kept[KEPT_DSS_DSN]);
	*o->p++ = sep;
	if (has_ack)
		o->p = put_u64_kept(o->p, (flags & DSS_FLAG_ACK8) ? r->dssv.ack : (uint32_t)r->dssv.ack,
		                    &e->kept[KEPT_DSS_ACK]);
	*o->p++ = sep;
	if (has_map)
		o->p = put_u64(o->p, r->pkt.dss_ssn);
	*o->p++ = sep;
	if (has_map)
		o->p = put_u64(o->p, r->pkt.dss_len);
}

void columns_write_default(const struct row_ctx *r, struct cursor *o, char sep)
{
#define COL(f) f(r, o), *o->p++ = sep
	COL(f_packetid); COL(f_interface); COL(abstime_kept); COL(f_reltime);
	struct flow_text *e = flow_columns(r, o, sep);
	COL(f_tcpflags); COL(f_tcpseq); COL(f_tcpack); COL(f_tcplen); COL(f_rwnd);
	COL(f_tsval); COL(f_tsecr); COL(f_mptcpstream);
	if (r->inline_dss) {
		inline_dss_columns(r, o, sep, e);
		*o->p++ = sep;
	} else {
		COL(f_expected_token); COL(f_version); COL(f_subtype); COL(f_sendkey); COL(f_recvkey);
		COL(f_recvtok); COL(f_addrid); COL(f_datafin); COL(f_dss_dsn); COL(f_dss_rawack);
		COL(f_dss_ssn); COL(f_dss_length);
	}
	dsnraw64_kept(r, o, e);
	*o->p++ = sep;
	COL(f_dsn); COL(f_dack);
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
