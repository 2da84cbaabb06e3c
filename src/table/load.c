/* load.c - builds the tables from a capture in one pass (see load.h). */
#include "table/load.h"

#include <string.h>
#include "capture/reader.h"
#include "decode/decode.h"
#include "track/tcp_tracker.h"
#include "track/mptcp_tracker.h"

static void count_result(struct capture_stats *st, enum decode_result r, const struct decoded *d)
{
	switch (r) {
	case DEC_TCP: st->tcp_packets++; break;
	case DEC_NOT_IP: st->not_ip++; break;
	case DEC_NOT_TCP: st->not_tcp++; break;
	case DEC_FRAGMENT: st->fragments++; break;
	case DEC_TRUNCATED: st->truncated++; break;
	case DEC_BAD_LINK: break;
	}
	if (r == DEC_TCP) {
		if (d->marks & PKT_TRUNCATED)
			st->truncated++;
		if (d->marks & PKT_BAD_OPTIONS)
			st->bad_options++;
		if (d->marks & PKT_MPTCP_MALFORMED)
			st->mptcp_malformed++;
	}
}

/* settled rows handed to a streaming sink at a time */
#define SINK_CHUNK 16384

static void sink_flush(struct tables *t, struct load_sink *sink, uint32_t upto)
{
	uint32_t from = t->pkt_base;
	if (!sink || upto <= from)
		return;
	sink->rows(t, from, upto, sink->user);
	tables_evict(t, upto);
}

static struct tables *load_impl(const char *path, struct load_sink *sink, load_progress_fn progress,
                                void *user, GError **err)
{
	struct capture_reader *r = reader_open(path, err);
	if (!r)
		return NULL;
	int dlt = reader_datalink(r);
	if (!link_type_supported(dlt)) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_FORMAT,
		            "%s: unsupported link type %s (%d)", path, reader_datalink_name(r), dlt);
		reader_close(r);
		return NULL;
	}
	struct tables *t = tables_new();
	if (sink) {
		t->reinjected_in = sink->reinjected_in;
		sink->reinjected_in = NULL;
	}
	t->path = g_strdup(path);
	t->dlt = dlt;
	t->link_name = g_strdup(reader_datalink_name(r));
	t->stats.bytes = reader_size(r);
	struct tcp_tracker *tt = tcp_tracker_new(t);
	struct mptcp_tracker *mt = mptcp_tracker_new(t);
	uint32_t chunk = SINK_CHUNK;
	if (sink && sink->lag) {
		mptcp_tracker_set_lag(mt, sink->lag);
		chunk = MAX(1, MIN(SINK_CHUNK, sink->lag / 2));
	}
	struct decoded d;
	struct frame f;
	int rc;
	while ((rc = reader_next(r, &f, err)) == 1) {
		if (t->stats.frames == 0)
			t->first_ns = f.ts_ns;
		t->stats.frames++;
		memset(&d, 0, offsetof(struct decoded, mptcp));
		d.frame = f.number;
		d.ts_ns = f.ts_ns;
		d.caplen = f.caplen;
		d.wirelen = f.wirelen;
		d.iface = f.iface;
		enum decode_result res = decode_frame(dlt, span_make(f.data, f.caplen), &d);
		count_result(&t->stats, res, &d);
		if (res == DEC_TCP) {
			uint32_t row = tcp_tracker_add(tt, &d);
			mptcp_tracker_add(mt, row, &d);
			uint32_t settled = mptcp_tracker_settled(mt);
			if (sink && settled - t->pkt_base >= chunk)
				sink_flush(t, sink, settled);
		}
		if (progress && (f.number & 0xffff) == 0)
			progress(reader_offset(r), reader_size(r), user);
	}
	if (rc == 0 && t->stats.frames == 0 && !reader_warning(r)) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_EMPTY, "%s: the capture holds no packet", path);
		rc = -1;
	}
	if (reader_warning(r))
		t->warning = g_strdup(reader_warning(r));
	mptcp_tracker_finish(mt);
	if (rc >= 0)
		sink_flush(t, sink, tables_n_pkts(t));
	mptcp_tracker_free(mt);
	tcp_tracker_free(tt);
	reader_close(r);
	if (rc < 0) {
		tables_free(t);
		return NULL;
	}
	return t;
}

struct tables *capture_load(const char *path, load_progress_fn progress, void *user, GError **err)
{
	return load_impl(path, NULL, progress, user, err);
}

struct tables *capture_load_stream(const char *path, struct load_sink *sink, load_progress_fn progress,
                                   void *user, GError **err)
{
	return load_impl(path, sink, progress, user, err);
}
