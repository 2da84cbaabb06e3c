/* rtt.c - RTT samples from TCP timestamps (see rtt.h), read from the capture
 * only through the plugin ABI's accessors. */
#include "rtt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* grows an array to hold one more element (amortised doubling) */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 256;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* a after b in 32-bit serial arithmetic (timestamps wrap) */
static int ts_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* remembers the first time `tsval` is seen in this direction */
static int note_tsval(struct rtt_dir *d, uint32_t tsval, int64_t t_ns)
{
	if (d->n_seen && !ts_after(tsval, d->seen[d->n_seen - 1].tsval))
		return 0; /* seen already (or an older, reordered value) */
	if (grow((void **)&d->seen, &d->cap_seen, d->n_seen, sizeof *d->seen))
		return -1;
	d->seen[d->n_seen].tsval = tsval;
	d->seen[d->n_seen].ns = t_ns;
	d->n_seen++;
	return 0;
}

/* index of `tsval` among the values first seen in d, -1 when absent */
static long find_tsval(const struct rtt_dir *d, uint32_t tsval)
{
	if (!d->n_seen)
		return -1;
	uint32_t base = d->seen[0].tsval, key = tsval - base;
	size_t lo = 0, hi = d->n_seen;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->seen[mid].tsval - base < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->n_seen && d->seen[lo].tsval == tsval ? (long)lo : -1;
}

/* a packet echoing `tsecr` at t_ns closes a sample of direction d (the first echo only) */
static int note_echo(struct rtt_dir *d, uint32_t tsecr, int64_t t_ns, int64_t start_ns)
{
	if (d->has_echo && !ts_after(tsecr, d->last_echo))
		return 0;
	long i = find_tsval(d, tsecr);
	if (i < 0)
		return 0;
	if (grow((void **)&d->samples, &d->cap_samples, d->n_samples, sizeof *d->samples))
		return -1;
	d->samples[d->n_samples].time = (double)(t_ns - start_ns) / 1e9;
	d->samples[d->n_samples].rtt_ms = (double)(t_ns - d->seen[i].ns) / 1e6;
	d->n_samples++;
	d->last_echo = tsecr;
	d->has_echo = 1;
	return 0;
}

/* one packet of subflow sf */
static int note_packet(const mpa_capture *cap, uint32_t row, struct rtt_subflow *sf, int64_t start_ns)
{
	if (!(mpa_packet_marks(cap, row) & MPA_PKT_TS))
		return 0;
	int dir = mpa_packet_direction(cap, row);
	int64_t t = mpa_packet_time_ns(cap, row);
	struct rtt_dir *own = &sf->dir[dir], *other = &sf->dir[!dir];
	if (own->dest < 0)
		own->dest = mpa_packet_dest(cap, row);
	if (note_tsval(own, mpa_packet_tsval(cap, row), t))
		return -1;
	/* tsecr is meaningful with ACK set (RFC 7323: zero in a SYN) */
	uint32_t tsecr = mpa_packet_tsecr(cap, row);
	if ((mpa_packet_tcp_flags(cap, row) & 0x10) && tsecr)
		return note_echo(other, tsecr, t, start_ns);
	return 0;
}

/* the rows spanning every subflow: [*first, *last]; 0 when there is none */
static int conn_rows(const mpa_capture *cap, const struct rtt_conn *c, uint32_t *first, uint32_t *last)
{
	*first = MPA_NONE;
	*last = 0;
	for (size_t k = 0; k < c->n_subflows; k++) {
		uint32_t f = mpa_tcp_first_packet(cap, c->sf[k].stream);
		uint32_t l = mpa_tcp_last_packet(cap, c->sf[k].stream);
		if (f == MPA_NONE)
			continue;
		*first = f < *first ? f : *first;
		*last = l > *last ? l : *last;
	}
	return *first != MPA_NONE;
}

/* subflow of `stream` in c, NULL when the stream is not one of them */
static struct rtt_subflow *subflow_of(struct rtt_conn *c, uint32_t stream)
{
	for (size_t k = 0; k < c->n_subflows; k++)
		if (c->sf[k].stream == stream)
			return &c->sf[k];
	return NULL;
}

int rtt_collect(const mpa_capture *cap, uint32_t mptcp, struct rtt_conn *out)
{
	memset(out, 0, sizeof *out);
	out->mptcp = mptcp;
	out->n_subflows = mpa_mptcp_subflow_count(cap, mptcp);
	out->sf = calloc(out->n_subflows ? out->n_subflows : 1, sizeof *out->sf);
	if (!out->sf)
		return -1;
	for (size_t k = 0; k < out->n_subflows; k++) {
		out->sf[k].stream = mpa_mptcp_subflow(cap, mptcp, (uint32_t)k);
		out->sf[k].dir[0].dest = out->sf[k].dir[1].dest = -1;
	}
	uint32_t first, last;
	if (!conn_rows(cap, out, &first, &last))
		return 0;
	int64_t start = mpa_capture_start_ns(cap);
	for (uint32_t row = first; row <= last; row++) {
		struct rtt_subflow *sf = subflow_of(out, mpa_packet_stream(cap, row));
		if (sf && note_packet(cap, row, sf, start)) {
			rtt_conn_free(out);
			return -1;
		}
	}
	return 0;
}

static void dir_free(struct rtt_dir *d)
{
	free(d->seen);
	free(d->samples);
}

void rtt_conn_free(struct rtt_conn *c)
{
	for (size_t k = 0; c->sf && k < c->n_subflows; k++) {
		dir_free(&c->sf[k].dir[0]);
		dir_free(&c->sf[k].dir[1]);
	}
	free(c->sf);
	memset(c, 0, sizeof *c);
}

const struct rtt_dir *rtt_dir_towards(const struct rtt_subflow *sf, int dest)
{
	for (int d = 0; d < 2; d++)
		if (sf->dir[d].dest == dest)
			return &sf->dir[d];
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int rtt_stats_of(const struct rtt_dir *d, struct rtt_stats *out)
{
	size_t n = d ? d->n_samples : 0;
	out->count = n;
	out->min = out->mean = out->median = out->max = NAN;
	if (n == 0)
		return 0;
	double *v = malloc(n * sizeof *v);
	if (!v)
		return -1;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		v[i] = d->samples[i].rtt_ms;
		sum += v[i];
	}
	qsort(v, n, sizeof *v, by_value);
	out->min = v[0];
	out->max = v[n - 1];
	out->mean = sum / (double)n;
	out->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return 0;
}
