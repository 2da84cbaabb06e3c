/* capture_api.c - the capture half of the plugin ABI: read-only accessors
 * over the tables (src/table/tables.h).  An mpa_capture is the struct tables
 * itself; every accessor checks its row or id, so a plugin's bad index gives
 * a neutral value (0, MPA_NONE, MPA_NO_VALUE) instead of a crash. */
#include "plugin/plugin_private.h"

#include <stdio.h>
#include "cli/output.h"
#include "table/tables.h"
#include "track/mptcp_tracker.h"

static const struct tables *T(const mpa_capture *cap)
{
	return (const struct tables *)cap;
}

/* the packet at absolute row `row`, NULL when out of range or evicted */
static const struct pkt *pkt_at(const mpa_capture *cap, uint32_t row)
{
	const struct tables *t = T(cap);
	if (!t || row < t->pkt_base || row >= tables_n_pkts(t))
		return NULL;
	return tables_pkt(t, row);
}

static const struct tcp_conn *tcp_at(const mpa_capture *cap, uint32_t stream)
{
	const struct tables *t = T(cap);
	return t && stream < t->tcp->len ? tables_tcp(t, stream) : NULL;
}

static const struct mptcp_conn *mptcp_at(const mpa_capture *cap, uint32_t id)
{
	const struct tables *t = T(cap);
	return t && id < t->mptcp->len ? tables_mptcp(t, id) : NULL;
}

static const struct event *event_at(const mpa_capture *cap, uint32_t i)
{
	const struct tables *t = T(cap);
	return t && i < t->events->len ? &g_array_index(t->events, struct event, i) : NULL;
}

/* ---------------------------------------------------------------- capture */

const char *mpa_capture_path(const mpa_capture *cap)
{
	return cap ? T(cap)->path : NULL;
}

int64_t mpa_capture_start_ns(const mpa_capture *cap)
{
	return cap ? T(cap)->first_ns : 0;
}

uint32_t mpa_capture_packet_count(const mpa_capture *cap)
{
	return cap ? tables_n_pkts(T(cap)) : 0;
}

/* ---------------------------------------------------------------- packets */

int64_t mpa_packet_time_ns(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p ? p->ts_ns : 0;
}

uint32_t mpa_packet_frame(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p ? p->frame : 0;
}

uint32_t mpa_packet_stream(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p ? p->stream : MPA_NONE;
}

int mpa_packet_direction(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p ? pkt_dir(p) : 0;
}

int mpa_packet_dest(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	const struct tcp_conn *c = p ? tcp_at(cap, p->stream) : NULL;
	if (!c || c->mptcp == NO_ROW)
		return -1;
	return mptcp_pkt_dir(T(cap), p);
}

uint32_t mpa_packet_tcplen(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p ? pkt_tcplen(T(cap), p) : 0;
}

uint32_t mpa_packet_seq(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p ? p->seq : 0;
}

uint32_t mpa_packet_ack(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p ? p->ack : 0;
}

unsigned mpa_packet_tcp_flags(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p ? p->flags : 0;
}

/* the public mark bits are their own numbers: internal flags may move */
unsigned mpa_packet_marks(const mpa_capture *cap, uint32_t row)
{
	static const struct { uint16_t internal; unsigned pub; } map[] = {
		{ PKT_HAS_TS, MPA_PKT_TS }, { PF_HAS_DSN, MPA_PKT_DSN }, { PF_HAS_DACK, MPA_PKT_DACK },
		{ PF_RETRANS, MPA_PKT_RETRANS }, { PF_REINJECTION, MPA_PKT_REINJECTION },
		{ PF_REINJECTED, MPA_PKT_REINJECTED }, { PF_DATA_FIN, MPA_PKT_DATA_FIN },
	};
	const struct pkt *p = pkt_at(cap, row);
	unsigned m = 0;
	for (size_t i = 0; p && i < G_N_ELEMENTS(map); i++)
		if (p->marks & map[i].internal)
			m |= map[i].pub;
	return m;
}

uint32_t mpa_packet_tsval(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p && (p->marks & PKT_HAS_TS) ? p->tsval : 0;
}

uint32_t mpa_packet_tsecr(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p && (p->marks & PKT_HAS_TS) ? p->tsecr : 0;
}

uint64_t mpa_packet_dsn(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p && (p->marks & PF_HAS_DSN) ? pkt_dsn(T(cap), p) : MPA_NO_VALUE;
}

uint64_t mpa_packet_dack(const mpa_capture *cap, uint32_t row)
{
	const struct pkt *p = pkt_at(cap, row);
	return p && (p->marks & PF_HAS_DACK) ? pkt_dack(T(cap), p) : MPA_NO_VALUE;
}

/* ---------------------------------------------------------------- TCP */

uint32_t mpa_tcp_count(const mpa_capture *cap)
{
	return cap ? T(cap)->tcp->len : 0;
}

int mpa_tcp_endpoint(const mpa_capture *cap, uint32_t stream, int end, char *buf, size_t size)
{
	const struct tcp_conn *c = tcp_at(cap, stream);
	if (!c || (end != 0 && end != 1) || (!buf && size))
		return -1;
	char *text = out_endpoint(c->family, c->addr[end], c->port[end]);
	int n = snprintf(buf, size, "%s", text);
	g_free(text);
	return n;
}

int mpa_tcp_client(const mpa_capture *cap, uint32_t stream)
{
	const struct tcp_conn *c = tcp_at(cap, stream);
	return c ? c->client : 0;
}

uint32_t mpa_tcp_mptcp(const mpa_capture *cap, uint32_t stream)
{
	const struct tcp_conn *c = tcp_at(cap, stream);
	return c ? c->mptcp : MPA_NONE;
}

uint32_t mpa_tcp_first_packet(const mpa_capture *cap, uint32_t stream)
{
	const struct tcp_conn *c = tcp_at(cap, stream);
	return c && c->n_pkts ? c->first_pkt : MPA_NONE;
}

uint32_t mpa_tcp_last_packet(const mpa_capture *cap, uint32_t stream)
{
	const struct tcp_conn *c = tcp_at(cap, stream);
	return c && c->n_pkts ? c->last_pkt : MPA_NONE;
}

uint64_t mpa_tcp_bytes(const mpa_capture *cap, uint32_t stream, int end)
{
	const struct tcp_conn *c = tcp_at(cap, stream);
	return c && (end == 0 || end == 1) ? c->dir[end].bytes : 0;
}

/* ---------------------------------------------------------------- MPTCP */

uint32_t mpa_mptcp_count(const mpa_capture *cap)
{
	return cap ? T(cap)->mptcp->len : 0;
}

int mpa_mptcp_version(const mpa_capture *cap, uint32_t id)
{
	const struct mptcp_conn *m = mptcp_at(cap, id);
	return m ? m->version : 0;
}

uint32_t mpa_mptcp_subflow_count(const mpa_capture *cap, uint32_t id)
{
	const struct mptcp_conn *m = mptcp_at(cap, id);
	return m ? m->subflows->len : 0;
}

uint32_t mpa_mptcp_subflow(const mpa_capture *cap, uint32_t id, uint32_t k)
{
	const struct mptcp_conn *m = mptcp_at(cap, id);
	return m && k < m->subflows->len ? g_array_index(m->subflows, uint32_t, k) : MPA_NONE;
}

uint64_t mpa_mptcp_bytes(const mpa_capture *cap, uint32_t id, int dest)
{
	const struct mptcp_conn *m = mptcp_at(cap, id);
	return m && (dest == 0 || dest == 1) ? m->dir[dest].unique_bytes : 0;
}

/* ---------------------------------------------------------------- events */

uint32_t mpa_event_count(const mpa_capture *cap)
{
	return cap ? T(cap)->events->len : 0;
}

int64_t mpa_event_time_ns(const mpa_capture *cap, uint32_t i)
{
	const struct event *e = event_at(cap, i);
	return e ? e->ts_ns : 0;
}

const char *mpa_event_type(const mpa_capture *cap, uint32_t i)
{
	static const char *const names[] = {
		[EV_ADD_ADDR] = "ADD_ADDR", [EV_REMOVE_ADDR] = "REMOVE_ADDR", [EV_MP_PRIO] = "MP_PRIO",
		[EV_MP_FAIL] = "MP_FAIL", [EV_MP_FASTCLOSE] = "MP_FASTCLOSE", [EV_MP_TCPRST] = "MP_TCPRST",
		[EV_DATA_FIN] = "DATA_FIN", [EV_INFINITE_MAPPING] = "INFINITE_MAPPING",
		[EV_FALLBACK] = "FALLBACK", [EV_JOIN_FAILED] = "JOIN_FAILED",
		[EV_HMAC_MISMATCH] = "HMAC_MISMATCH",
	};
	const struct event *e = event_at(cap, i);
	if (!e)
		return NULL;
	return e->type < G_N_ELEMENTS(names) && names[e->type] ? names[e->type] : "UNKNOWN";
}

uint32_t mpa_event_mptcp(const mpa_capture *cap, uint32_t i)
{
	const struct event *e = event_at(cap, i);
	return e ? e->mptcp : MPA_NONE;
}

uint32_t mpa_event_stream(const mpa_capture *cap, uint32_t i)
{
	const struct event *e = event_at(cap, i);
	return e ? e->stream : MPA_NONE;
}

uint32_t mpa_event_packet(const mpa_capture *cap, uint32_t i)
{
	const struct event *e = event_at(cap, i);
	return e ? e->pkt : MPA_NONE;
}

uint64_t mpa_event_value(const mpa_capture *cap, uint32_t i)
{
	const struct event *e = event_at(cap, i);
	if (!e)
		return MPA_NO_VALUE;
	switch (e->type) {
	case EV_ADD_ADDR:
	case EV_REMOVE_ADDR:
		return e->addr_id;
	case EV_MP_PRIO:
		return e->flag;
	default:
		return e->value;
	}
}
