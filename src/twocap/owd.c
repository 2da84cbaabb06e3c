/* owd.c - one-way delays of the packets that crossed between the two
 * capture points, and the per subflow and direction summary (sent, lost,
 * received, goodput, delays). */
#include "twocap/twocap.h"


/* the packet's delay, when it is the sender's copy of a packet that went through */
static bool owd_of(const struct twocap *a, int cap, uint32_t row, struct twocap_owd *o)
{
	const struct twocap_row *w = &a->rows[cap][row];
	if ((w->fate != TWF_MATCHED && w->fate != TWF_COVERED) || a->upstream[w->dest] != cap)
		return false;
	o->row = row;
	o->peer = w->peer;
	o->pair = w->pair;
	o->dest = w->dest;
	o->up = (uint8_t)cap;
	o->fate = w->fate;
	o->sent_ns = twocap_time(a, cap, row);
	o->owd_ns = twocap_time(a, !cap, w->peer) - o->sent_ns;
	return true;
}

static int owd_cmp(const void *x, const void *y)
{
	const struct twocap_owd *a = x, *b = y;
	if (a->sent_ns != b->sent_ns)
		return a->sent_ns < b->sent_ns ? -1 : 1;
	if (a->up != b->up)
		return a->up < b->up ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

GArray *twocap_owds(const struct twocap *a)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(struct twocap_owd));
	for (int cap = 0; cap < 2; cap++)
		for (uint32_t r = a->t[cap]->pkt_base; r < tables_n_pkts(a->t[cap]); r++) {
			struct twocap_owd o;
			if (owd_of(a, cap, r, &o))
				g_array_append_val(out, o);
		}
	g_array_sort(out, owd_cmp);
	return out;
}

/* ------------------------------------------------------------------ summary */

static void span_add(int64_t *first, int64_t *last, int64_t t)
{
	if (*first == TWOCAP_NO_TIME || t < *first)
		*first = t;
	if (*last == TWOCAP_NO_TIME || t > *last)
		*last = t;
}

/* what the packet adds to its pair and destination's counters */
static void account(const struct twocap *a, int cap, uint32_t row, struct twocap_stats *st)
{
	const struct pkt *p = tables_pkt(a->t[cap], row);
	const struct twocap_row *w = &a->rows[cap][row];
	bool up = st->up == cap;
	if (w->fate == TWF_MISSING) {
		if (up) {
			st->lost_pkts++;
			st->lost_bytes += w->missing;
			st->lost_data_pkts += pkt_has_payload(p);
		} else {
			st->unseen_pkts++;
		}
	}
	if (!pkt_has_payload(p))
		return;
	if (up) {
		st->sent_pkts++;
		st->sent_bytes += pkt_tcplen(a->t[cap], p);
		st->rtx_pkts += (p->marks & PF_RETRANS) != 0;
		st->reinjections += (p->marks & PF_REINJECTION) != 0;
		span_add(&st->first_sent, &st->last_sent, twocap_time(a, cap, row));
	} else {
		st->recv_pkts++;
		st->recv_bytes += pkt_tcplen(a->t[cap], p);
		span_add(&st->first_recv, &st->last_recv, twocap_time(a, cap, row));
	}
}

static int i64_cmp(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

/* min, median, mean and max of the delays of each pair and destination */
static void delay_stats(const struct twocap *a, GArray *stats)
{
	GArray *owds = twocap_owds(a);
	GArray **per = g_new0(GArray *, stats->len);
	for (guint i = 0; i < owds->len; i++) {
		const struct twocap_owd *o = &g_array_index(owds, struct twocap_owd, i);
		guint k = 2u * o->pair + o->dest;
		if (!per[k])
			per[k] = g_array_new(FALSE, FALSE, sizeof(int64_t));
		g_array_append_val(per[k], o->owd_ns);
	}
	for (guint k = 0; k < stats->len; k++) {
		struct twocap_stats *st = &g_array_index(stats, struct twocap_stats, k);
		if (!per[k])
			continue;
		g_array_sort(per[k], i64_cmp);
		const int64_t *v = (const int64_t *)per[k]->data;
		double sum = 0;
		for (guint i = 0; i < per[k]->len; i++)
			sum += (double)v[i];
		st->owd_n = per[k]->len;
		st->owd_min = v[0];
		st->owd_max = v[per[k]->len - 1];
		st->owd_median = v[per[k]->len / 2];
		st->owd_mean = sum / per[k]->len;
		g_array_unref(per[k]);
	}
	g_free(per);
	g_array_unref(owds);
}

static void goodput(const struct twocap *a, GArray *stats)
{
	for (int dest = 0; dest < 2; dest++) {
		GArray *arr = twocap_arrivals(a, dest);
		for (guint i = 0; i < arr->len; i++) {
			const struct twocap_arrival *v = &g_array_index(arr, struct twocap_arrival, i);
			g_array_index(stats, struct twocap_stats, 2u * v->pair + dest).goodput_bytes += v->new_bytes;
		}
		g_array_unref(arr);
	}
}

GArray *twocap_stats(const struct twocap *a)
{
	guint n = a->conn->pairs->len;
	GArray *stats = g_array_sized_new(FALSE, TRUE, sizeof(struct twocap_stats), 2 * n);
	for (guint i = 0; i < 2 * n; i++) {
		struct twocap_stats st = { 0 };
		st.pair = (uint16_t)(i / 2);
		st.dest = (uint8_t)(i % 2);
		st.up = (uint8_t)a->upstream[st.dest];
		st.first_sent = st.last_sent = st.first_recv = st.last_recv = TWOCAP_NO_TIME;
		g_array_append_val(stats, st);
	}
	for (int cap = 0; cap < 2; cap++)
		for (uint32_t r = a->t[cap]->pkt_base; r < tables_n_pkts(a->t[cap]); r++) {
			const struct twocap_row *w = &a->rows[cap][r];
			if (w->fate != TWF_NONE)
				account(a, cap, r, &g_array_index(stats, struct twocap_stats, 2u * w->pair + w->dest));
		}
	delay_stats(a, stats);
	goodput(a, stats);
	return stats;
}
