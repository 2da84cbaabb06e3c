/* tables.c - allocation of the loaded-capture tables. */
#include "table/tables.h"

struct tables *tables_new(void)
{
	struct tables *t = g_new0(struct tables, 1);
	t->packets = g_array_sized_new(FALSE, FALSE, sizeof(struct pkt), 4096);
	t->mptcp_opts = g_array_new(FALSE, FALSE, sizeof(struct mptcp_option));
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
	}
	g_array_free(t->packets, TRUE);
	g_array_free(t->mptcp_opts, TRUE);
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

void tables_evict(struct tables *t, uint32_t row)
{
	if (row <= t->pkt_base)
		return;
	if (row > tables_n_pkts(t))
		row = tables_n_pkts(t);
	uint32_t opt_end = t->opt_base + t->mptcp_opts->len;
	for (uint32_t r = row; r < tables_n_pkts(t); r++) {
		const struct pkt *p = tables_pkt(t, r);
		if (p->opt != NO_ROW) {
			opt_end = p->opt;
			break;
		}
	}
	g_array_remove_range(t->packets, 0, row - t->pkt_base);
	t->pkt_base = row;
	g_array_remove_range(t->mptcp_opts, 0, opt_end - t->opt_base);
	t->opt_base = opt_end;
}
