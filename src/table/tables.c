/* tables.c - allocation of the loaded-capture tables, and the encoding of
 * packet rows: side tables, data bases, inline DSS (see tables.h). */
#include "table/tables.h"

#include <string.h>
#include "util/array.h"

struct tables *tables_new(void)
{
	struct tables *t = g_new0(struct tables, 1);
	t->packets = pkt_rows_new(sizeof(struct pkt), 4096);
	t->mptcp_opts = g_array_new(FALSE, FALSE, sizeof(struct mptcp_option));
	t->opt_rows = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	t->pkt_ext = g_array_new(FALSE, FALSE, sizeof(struct pkt_ext));
	t->map_ext = g_array_new(FALSE, FALSE, sizeof(struct map_ext));
	t->tcp = g_array_new(FALSE, FALSE, sizeof(struct tcp_conn));
	t->mptcp = g_array_new(FALSE, FALSE, sizeof(struct mptcp_conn));
	t->events = g_array_new(FALSE, FALSE, sizeof(struct event));
	t->links = g_array_new(FALSE, FALSE, sizeof(struct link));
	return t;
}

void tables_free(struct tables *t)
{
	if (!t)
		return;
	for (guint i = 0; i < t->mptcp->len; i++) {
		struct mptcp_conn *m = tables_mptcp(t, i);
		if (m->subflows)
			g_array_free(m->subflows, TRUE);
		for (int k = 0; k < 2; k++)
			for (int d = 0; d < 2; d++)
				if (m->bases[k][d])
					g_array_free(m->bases[k][d], TRUE);
	}
	pkt_rows_free(t->packets);
	g_array_free(t->mptcp_opts, TRUE);
	g_array_free(t->opt_rows, TRUE);
	g_array_free(t->pkt_ext, TRUE);
	g_array_free(t->map_ext, TRUE);
	g_array_free(t->tcp, TRUE);
	g_array_free(t->mptcp, TRUE);
	g_array_free(t->events, TRUE);
	g_array_free(t->links, TRUE);
	g_free(t->path);
	g_free(t->link_name);
	g_free(t->warning);
	if (t->reinjected_in)
		g_hash_table_destroy(t->reinjected_in);
	g_free(t);
}

/* index of the first element of `a` whose row is >= row: the side tables
 * (opt_rows, pkt_ext, map_ext) are sorted by row and their elements start
 * with it, a uint32_t */
static guint row_lower_bound(const GArray *a, uint32_t row)
{
	guint size = g_array_get_element_size((GArray *)a);
	guint lo = 0, hi = a->len;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		uint32_t r;
		memcpy(&r, a->data + (size_t)mid * size, sizeof r);
		if (r < row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* index of the first option whose row is >= row */
static guint opt_lower_bound(const struct tables *t, uint32_t row)
{
	return row_lower_bound(t->opt_rows, row);
}

/* index of the first side-table entry whose row is >= row */
static guint ext_lower_bound(const struct tables *t, uint32_t row)
{
	return row_lower_bound(t->pkt_ext, row);
}

/* index of the first far mapping whose row is >= row */
static guint map_ext_lower_bound(const struct tables *t, uint32_t row)
{
	return row_lower_bound(t->map_ext, row);
}

void tables_mark_reinjected(struct tables *t)
{
	for (guint i = 0; i < t->links->len; i++) {
		uint32_t orig = g_array_index(t->links, struct link, i).orig;
		/* not written when set: rows mapped from a cache are copied when written (pkt_rows.h) */
		if (orig >= t->pkt_base && orig < tables_n_pkts(t) && !(tables_pkt(t, orig)->marks & PF_REINJECTED))
			tables_pkt(t, orig)->marks |= PF_REINJECTED;
	}
}

/* The first n entries of a side table go once they are half of it at
 * least: a window in a ring is cut at every flush (pkt_rows_make_ring), and
 * its side tables, cut as often, would move their entries each time (a
 * capture whose options do not fit in the rows has one per packet).  Their
 * readers look rows up, so entries of rows gone are only memory. */
static bool side_due(const GArray *a, guint n)
{
	return n && 2 * n >= a->len;
}

void tables_evict(struct tables *t, uint32_t row)
{
	if (row <= t->pkt_base)
		return;
	if (row > tables_n_pkts(t))
		row = tables_n_pkts(t);
	pkt_rows_remove_front(t->packets, row - t->pkt_base);
	t->pkt_base = row;
	guint n = opt_lower_bound(t, row);
	if (side_due(t->opt_rows, n)) {
		g_array_remove_range(t->mptcp_opts, 0, n);
		g_array_remove_range(t->opt_rows, 0, n);
	}
	n = ext_lower_bound(t, row);
	if (side_due(t->pkt_ext, n))
		g_array_remove_range(t->pkt_ext, 0, n);
	n = map_ext_lower_bound(t, row);
	if (side_due(t->map_ext, n))
		g_array_remove_range(t->map_ext, 0, n);
	/* the data bases before the one in effect at `row` (normally none: a few
	 * per connection, but DSNs jumping around make one per packet) */
	for (guint i = 0; i < t->mptcp->len; i++) {
		struct mptcp_conn *m = tables_mptcp(t, i);
		for (int k = 0; k < 2; k++)
			for (int d = 0; d < 2; d++)
				data_bases_evict(m->bases[k][d], row);
	}
}

/* ------------------------------------------------------------------ reading */

const struct pkt_ext *tables_ext(const struct tables *t, uint32_t row)
{
	guint i = ext_lower_bound(t, row);
	if (i < t->pkt_ext->len && g_array_index(t->pkt_ext, struct pkt_ext, i).row == row)
		return &g_array_index(t->pkt_ext, struct pkt_ext, i);
	return NULL;
}

/* index of the base in effect at row (0 for earlier rows) */
static guint data_base_index(const GArray *bases, uint32_t row)
{
	const struct data_base *b = (const struct data_base *)(const void *)bases->data;
	guint lo = 1, hi = bases->len;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (b[mid].row <= row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

void data_bases_evict(GArray *bases, uint32_t row)
{
	if (bases && bases->len > 1) {
		guint i = data_base_index(bases, row);
		if (i)
			g_array_remove_range(bases, 0, i);
	}
}

uint64_t data_base_at(const GArray *bases, uint32_t row)
{
	if (!bases || bases->len == 0)
		return 0;
	/* the last base starting at or before row (the first one for earlier rows) */
	return g_array_index(bases, struct data_base, data_base_index(bases, row)).base;
}

/* 64-bit DSN of the inline mapping of a PX_DSS packet (dsn_base: of its DSNs) */
static uint64_t inline_map_dsn(const struct tables *t, const struct pkt *p, uint64_t dsn_base)
{
	uint64_t dsn = dsn_base + p->dsn_rel;
	if (!(p->marks & PF_HAS_DSN))
		return dsn;
	if (p->map_delta == MAP_DELTA_FAR) {
		uint32_t row = pkt_row(t, p);
		guint i = map_ext_lower_bound(t, row);
		if (i < t->map_ext->len && g_array_index(t->map_ext, struct map_ext, i).row == row)
			return g_array_index(t->map_ext, struct map_ext, i).dsn;
		return dsn; /* a damaged cache: anything but a crash */
	}
	if (pkt_has_payload(p))
		return dsn - p->map_delta;
	return dsn + p->map_delta;
}

/* the DSS checksum of a PX_DSS packet, if any */
static const struct pkt_ext *dss_checksum(const struct tables *t, const struct pkt *p)
{
	const struct pkt_ext *x = (p->xflags & PX_EXT) ? tables_ext(t, pkt_row(t, p)) : NULL;
	return x && x->has_checksum ? x : NULL;
}

/* the DSS the decoder makes of a well-formed option (csum: its checksum, if any) */
static void dss_build(uint8_t flags, uint64_t ack, uint64_t map_dsn, uint32_t ssn, uint16_t len,
                      const uint16_t *csum, struct mptcp_option *out)
{
	memset(out, 0, sizeof *out);
	struct mptcp_dss *d = &out->u.dss;
	out->subtype = MPTCP_SUB_DSS;
	d->flags = flags;
	d->has_ack = flags & DSS_FLAG_ACK;
	d->ack64 = d->has_ack && (flags & DSS_FLAG_ACK8);
	d->has_map = flags & DSS_FLAG_MAP;
	d->dsn64 = d->has_map && (flags & DSS_FLAG_DSN8);
	d->data_fin = flags & DSS_FLAG_FIN;
	unsigned length = 4;
	if (d->has_ack) {
		length += d->ack64 ? 8 : 4;
		d->data_ack = d->ack64 ? ack : (uint32_t)ack;
	}
	if (d->has_map) {
		length += (d->dsn64 ? 8 : 4) + 4 + 2;
		d->dsn = d->dsn64 ? map_dsn : (uint32_t)map_dsn;
		d->ssn = ssn;
		d->data_len = len;
		if (csum) {
			d->has_checksum = true;
			d->checksum = *csum;
			length += 2;
		}
	}
	out->length = (uint8_t)length;
}

void pkt_dss_values_at(const struct tables *t, const struct pkt *p, const struct pkt_bases *b,
                       struct dss_values *v)
{
	uint8_t flags = p->xflags & PX_DSS_FLAGS;
	v->ack = (flags & DSS_FLAG_ACK) ? b->dack + p->dack_rel : 0;
	v->map_dsn = (flags & DSS_FLAG_MAP) ? inline_map_dsn(t, p, b->dsn) : 0;
	const struct pkt_ext *x = dss_checksum(t, p);
	v->has_checksum = x != NULL;
	v->checksum = x ? x->dss_checksum : 0;
}


void pkt_dss_build(const struct pkt *p, const struct dss_values *v, struct mptcp_option *out)
{
	dss_build(p->xflags & PX_DSS_FLAGS, v->ack, v->map_dsn, p->dss_ssn, p->dss_len,
	          v->has_checksum ? &v->checksum : NULL, out);
}

void pkt_dss_option(const struct tables *t, const struct pkt *p, struct mptcp_option *out)
{
	struct pkt_bases b = { pkt_base(t, p, DK_DSN), pkt_base(t, p, DK_DACK) };
	struct dss_values v;
	pkt_dss_values_at(t, p, &b, &v);
	pkt_dss_build(p, &v, out);
}

const struct mptcp_option *pkt_opts_first(struct pkt_opts *it, const struct tables *t, const struct pkt *p)
{
	it->t = t;
	it->row = pkt_row(t, p);
	it->next = t->opt_rows->len;
	if (p->xflags & PX_OPTS)
		it->next = opt_lower_bound(t, it->row);
	if (p->xflags & PX_DSS) {
		pkt_dss_option(t, p, &it->dss);
		return &it->dss;
	}
	return pkt_opts_next(it);
}

const struct mptcp_option *pkt_opts_next(struct pkt_opts *it)
{
	const struct tables *t = it->t;
	if (it->next >= t->opt_rows->len || g_array_index(t->opt_rows, uint32_t, it->next) != it->row)
		return NULL;
	return &g_array_index(t->mptcp_opts, struct mptcp_option, it->next++);
}

unsigned pkt_n_opts(const struct tables *t, const struct pkt *p)
{
	unsigned n = (p->xflags & PX_DSS) ? 1 : 0;
	if (p->xflags & PX_OPTS) {
		uint32_t row = pkt_row(t, p);
		for (guint i = opt_lower_bound(t, row); i < t->opt_rows->len; i++, n++)
			if (g_array_index(t->opt_rows, uint32_t, i) != row)
				break;
	}
	return n;
}

/* ------------------------------------------------------------------ writing */

void tables_add_ext(struct tables *t, struct pkt *p, uint32_t tcplen, uint16_t iface)
{
	struct pkt_ext x = { tables_n_pkts(t), tcplen, iface, 0, false, { 0 } };
	g_array_append_val(t->pkt_ext, x);
	p->xflags |= PX_EXT;
}

void tables_reserve_packets(struct tables *t, guint n)
{
	pkt_rows_reserve(t->packets, n);
}

void tables_add_opts(struct tables *t, uint32_t row, const struct mptcp_option *o, unsigned n)
{
	if (n == 0)
		return;
	guint at = t->opt_rows->len;
	if (at && g_array_index(t->opt_rows, uint32_t, at - 1) > row)
		at = opt_lower_bound(t, row + 1);
	for (unsigned i = 0; i < n; i++) {
		g_array_insert_val(t->opt_rows, at + i, row);
		g_array_insert_val(t->mptcp_opts, at + i, o[i]);
	}
	tables_pkt(t, row)->xflags |= PX_OPTS;
}

/* a new base for value v: the IDSN when the first value is within 4 GiB of
 * it, else v - 2 GiB (values within 2 GiB of v either way fit) */
static uint64_t base_for(const struct mptcp_conn *m, const GArray *b, int space, uint64_t v)
{
	if ((!b || b->len == 0) && m->has_key[space] && v - m->idsn[space] <= UINT32_MAX)
		return m->idsn[space];
	return v - 0x80000000ull;
}

static struct mptcp_conn *pkt_conn(const struct tables *t, const struct pkt *p)
{
	return tables_mptcp(t, tables_tcp(t, p->stream)->mptcp);
}

uint32_t tables_new_base(struct tables *t, const struct pkt *p, struct mptcp_conn *m, int md,
                         enum data_kind k, uint64_t v)
{
	GArray **b = &m->bases[k][md];
	struct data_base nb = { pkt_row(t, p), 0, base_for(m, *b, k == DK_DSN ? md : !md, v) };
	if (!*b)
		*b = g_array_new(FALSE, FALSE, sizeof(struct data_base));
	g_array_append_val(*b, nb);
	return (uint32_t)(v - nb.base);
}

void tables_set_data(struct tables *t, uint32_t row, enum data_kind k, uint64_t v)
{
	struct pkt *p = tables_pkt(t, row);
	tables_set_data_of(t, p, pkt_conn(t, p), pkt_mptcp_dir(t, p), k, v);
}

void tables_set_map_dsn(struct tables *t, uint32_t row, uint64_t v)
{
	struct pkt *p = tables_pkt(t, row);
	p->dsn_rel = tables_data_offset(t, p, pkt_conn(t, p), pkt_mptcp_dir(t, p), DK_DSN, v);
}

/* Does dss_build() give DSS option `o` back, byte for byte (dack: the
 * packet's data ACK; the DSN of a mapping, settled later, is its wire value)?
 * The decoder makes the fields follow the flags and the length, and zeroes
 * what they leave out (mptcp_option.h; test_rows checks the round trip on
 * every packet of every capture): what is left to check is what the row
 * holds in other forms, the length and the data ACK. */
static bool dss_rebuilds(const struct mptcp_option *o, uint64_t dack)
{
	const struct mptcp_dss *d = &o->u.dss;
	uint8_t f = d->flags;
	bool ack = f & DSS_FLAG_ACK, ack8 = ack && (f & DSS_FLAG_ACK8);
	bool map = f & DSS_FLAG_MAP, dsn8 = map && (f & DSS_FLAG_DSN8);
	unsigned len = 4 + (ack ? (ack8 ? 8 : 4) : 0) + (map ? (dsn8 ? 8 : 4) + 6 + (d->has_checksum ? 2 : 0) : 0);
	return o->length == len && d->data_ack == (ack ? (ack8 ? dack : (uint32_t)dack) : 0);
}

bool tables_inline_dss(struct tables *t, uint32_t row, const struct mptcp_option *o, uint64_t dack)
{
	struct pkt *p = tables_pkt(t, row);
	const struct mptcp_dss *d = &o->u.dss;
	if (o->subtype != MPTCP_SUB_DSS || o->malformed || (d->flags & ~PX_DSS_FLAGS) ||
	    (d->has_ack && !(p->marks & PF_HAS_DACK)) || row + 1 != tables_n_pkts(t))
		return false;
	/* what the row gives back must be the option, byte for byte */
	if (!dss_rebuilds(o, d->has_ack ? dack : 0))
		return false;
	if (d->has_checksum) {
		/* the row's side entry is the last one, if it has one */
		if (!(p->xflags & PX_EXT)) {
			struct pkt_ext x = { row, p->len16, p->iface8, 0, false, { 0 } };
			g_array_append_val(t->pkt_ext, x);
			p->xflags |= PX_EXT;
		}
		struct pkt_ext *x = &g_array_index(t->pkt_ext, struct pkt_ext, t->pkt_ext->len - 1);
		x->has_checksum = true;
		x->dss_checksum = d->checksum;
	}
	p->xflags = (uint8_t)((p->xflags & ~PX_DSS_FLAGS) | d->flags | PX_DSS);
	p->dss_ssn = d->ssn;
	p->dss_len = d->data_len;
	p->map_delta = 0;
	return true;
}

void tables_settle_dss(struct tables *t, uint32_t row, uint64_t map_dsn, uint64_t dsn)
{
	struct pkt *p = tables_pkt(t, row);
	if (!(p->xflags & PX_DSS) || !(p->xflags & DSS_FLAG_MAP))
		return;
	if (!(p->marks & PF_HAS_DSN)) {
		tables_set_map_dsn(t, row, map_dsn);
		return;
	}
	uint64_t delta = pkt_has_payload(p) ? dsn - map_dsn : map_dsn - dsn;
	if (delta < MAP_DELTA_FAR) {
		p->map_delta = (uint16_t)delta;
		return;
	}
	/* a mapping that does not cover its own packet (a retransmission with a
	 * new mapping, a DATA_FIN far from the subflow's data): its DSN apart */
	p->map_delta = MAP_DELTA_FAR;
	struct map_ext x = { row, 0, map_dsn };
	g_array_append_val(t->map_ext, x);
}

double tables_bytes_per_packet(const struct tables *t)
{
	double n = t->packets->len ? t->packets->len : 1;
	double side = (double)t->mptcp_opts->len * (sizeof(struct mptcp_option) + sizeof(uint32_t)) +
	              (double)t->pkt_ext->len * sizeof(struct pkt_ext) +
	              (double)t->map_ext->len * sizeof(struct map_ext);
	for (guint i = 0; i < t->mptcp->len; i++) {
		const struct mptcp_conn *m = tables_mptcp(t, i);
		for (int k = 0; k < 2; k++)
			for (int d = 0; d < 2; d++)
				if (m->bases[k][d])
					side += (double)m->bases[k][d]->len * sizeof(struct data_base);
	}
	return sizeof(struct pkt) + side / n;
}
