/* rtt_plugin.c - the example plugin of mptcpanalyzer: per-subflow round-trip
 * times from TCP timestamps (rtt.h).
 *
 *   rtt_stats MPTCP_STREAM [--json]    min / mean / median / max / count per
 *                                      subflow and direction (ms)
 *   plot rtt MPTCP_STREAM [--dest D]   the RTT samples over time, per subflow
 *
 * Everything it knows about the capture comes through <mptcpanalyzer/plugin.h>. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mptcpanalyzer/plugin.h>
#include "rtt.h"

static const char *dest_name(int dest)
{
	return dest == MPA_TO_SERVER ? "Server" : "Client";
}

/* "client:port -> server:port" of a subflow, seen from its MPTCP client */
static void subflow_label(const mpa_capture *cap, uint32_t stream, char *buf, size_t size)
{
	char a[64], b[64];
	int client = mpa_tcp_client(cap, stream);
	mpa_tcp_endpoint(cap, stream, client, a, sizeof a);
	mpa_tcp_endpoint(cap, stream, !client, b, sizeof b);
	snprintf(buf, size, "%s -> %s", a, b);
}

/* ------------------------------------------------------------- rtt_stats */

static void stats_json(mpa_json *j, const struct rtt_subflow *sf, int dest)
{
	struct rtt_stats st;
	rtt_stats_of(rtt_dir_towards(sf, dest), &st);
	mpa_json_object(j, NULL);
	mpa_json_string(j, "towards", dest_name(dest));
	mpa_json_uint(j, "count", st.count);
	mpa_json_double(j, "min", st.min);
	mpa_json_double(j, "mean", st.mean);
	mpa_json_double(j, "median", st.median);
	mpa_json_double(j, "max", st.max);
	mpa_json_end(j);
}

static int print_json(const mpa_ctx *ctx, const mpa_capture *cap, const struct rtt_conn *c)
{
	mpa_json *j = mpa_json_begin(ctx);
	mpa_json_uint(j, "mptcpstream", c->mptcp);
	mpa_json_string(j, "unit", "ms");
	mpa_json_array(j, "subflows");
	for (size_t k = 0; k < c->n_subflows; k++) {
		const struct rtt_subflow *sf = &c->sf[k];
		char ends[2][64];
		int client = mpa_tcp_client(cap, sf->stream);
		mpa_tcp_endpoint(cap, sf->stream, client, ends[0], sizeof ends[0]);
		mpa_tcp_endpoint(cap, sf->stream, !client, ends[1], sizeof ends[1]);
		mpa_json_object(j, NULL);
		mpa_json_uint(j, "tcpstream", sf->stream);
		mpa_json_string(j, "client", ends[0]);
		mpa_json_string(j, "server", ends[1]);
		mpa_json_uint(j, "count", sf->dir[0].n_samples + sf->dir[1].n_samples);
		mpa_json_array(j, "directions");
		stats_json(j, sf, MPA_TO_SERVER);
		stats_json(j, sf, MPA_TO_CLIENT);
		mpa_json_end(j);
		mpa_json_end(j);
	}
	return mpa_json_print(j);
}

static void print_dir(const mpa_ctx *ctx, const struct rtt_subflow *sf, int dest)
{
	struct rtt_stats st;
	rtt_stats_of(rtt_dir_towards(sf, dest), &st);
	if (st.count == 0) {
		mpa_print(ctx, "    towards %-6s       0 samples\n", dest_name(dest));
		return;
	}
	mpa_print(ctx, "    towards %-6s %7zu samples  min %9.3f  mean %9.3f  median %9.3f  max %9.3f\n",
	          dest_name(dest), st.count, st.min, st.mean, st.median, st.max);
}

static int print_text(const mpa_ctx *ctx, const mpa_capture *cap, const struct rtt_conn *c)
{
	mpa_print(ctx, "mptcp.stream %u: RTT from TCP timestamps (ms), %zu subflow(s)\n", c->mptcp,
	          c->n_subflows);
	for (size_t k = 0; k < c->n_subflows; k++) {
		char label[160];
		subflow_label(cap, c->sf[k].stream, label, sizeof label);
		mpa_print(ctx, "  sf%zu tcp.stream %u: %s\n", k, c->sf[k].stream, label);
		print_dir(ctx, &c->sf[k], MPA_TO_SERVER);
		print_dir(ctx, &c->sf[k], MPA_TO_CLIENT);
	}
	return 0;
}

static int run_rtt_stats(mpa_ctx *ctx, int argc, char **argv, void *user)
{
	(void)argc;
	(void)user;
	const mpa_capture *cap = mpa_ctx_capture(ctx);
	uint32_t id;
	if (!mpa_arg_mptcp_stream(ctx, argv[1], &id))
		return 1;
	struct rtt_conn c;
	if (rtt_collect(cap, id, &c))
		return mpa_error(ctx, "out of memory");
	int rc = mpa_flag(ctx, "json") ? print_json(ctx, cap, &c) : print_text(ctx, cap, &c);
	rtt_conn_free(&c);
	return rc;
}

/* ------------------------------------------------------------- plot rtt */

#define PLOT_USAGE "rtt MPTCP_STREAM [--dest Server|Client]"

struct plot_args {
	const char *stream;
	int dest;              /* -1: both */
};

static int parse_dest(mpa_plot *plot, const char *v, int *dest)
{
	if (strcmp(v, "Server") == 0 || strcmp(v, "server") == 0)
		*dest = MPA_TO_SERVER;
	else if (strcmp(v, "Client") == 0 || strcmp(v, "client") == 0)
		*dest = MPA_TO_CLIENT;
	else
		return mpa_plot_error(plot, "--dest must be Server or Client (not '%s')", v);
	return 0;
}

static int parse_plot_args(mpa_plot *plot, int argc, char **argv, struct plot_args *a)
{
	a->stream = NULL;
	a->dest = -1;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--dest=", 7) == 0) {
			if (parse_dest(plot, argv[i] + 7, &a->dest))
				return 1;
		} else if (strcmp(argv[i], "--dest") == 0) {
			if (i + 1 == argc)
				return mpa_plot_error(plot, "--dest needs a value (Server or Client)");
			if (parse_dest(plot, argv[++i], &a->dest))
				return 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return mpa_plot_error(plot, "unknown option '%s' (usage: " PLOT_USAGE ")", argv[i]);
		} else if (a->stream) {
			return mpa_plot_error(plot, "one mptcp.stream only (usage: " PLOT_USAGE ")");
		} else {
			a->stream = argv[i];
		}
	}
	if (!a->stream)
		return mpa_plot_error(plot, "missing mptcp.stream (usage: " PLOT_USAGE ")");
	return 0;
}

static int parse_stream(mpa_plot *plot, const mpa_capture *cap, const char *arg, uint32_t *id)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	uint32_t n = mpa_mptcp_count(cap);
	if (arg[0] < '0' || arg[0] > '9' || *end || errno || v >= n) {
		if (n == 0)
			return mpa_plot_error(plot, "the capture has no MPTCP connection");
		return mpa_plot_error(plot, "no mptcp.stream %s (valid: 0-%u)", arg, n - 1);
	}
	*id = (uint32_t)v;
	return 0;
}

static void add_series(mpa_plot *plot, const mpa_capture *cap, const struct rtt_conn *c, size_t k, int dest)
{
	const struct rtt_dir *d = rtt_dir_towards(&c->sf[k], dest);
	if (!d || d->n_samples == 0)
		return;
	char label[160], title[220];
	subflow_label(cap, c->sf[k].stream, label, sizeof label);
	snprintf(title, sizeof title, "sf%zu %s, towards %s", k, label, dest_name(dest));
	int color = (int)k + (dest == MPA_TO_CLIENT ? (int)c->n_subflows : 0);
	mpa_series *s = mpa_plot_series(plot, title, color, MPA_STYLE_POINTS);
	for (size_t i = 0; i < d->n_samples; i++)
		mpa_series_add(s, d->samples[i].time, d->samples[i].rtt_ms);
}

static int build_rtt_plot(mpa_plot *plot, const mpa_capture *cap, int argc, char **argv, void *user)
{
	(void)user;
	struct plot_args a;
	uint32_t id = 0;
	if (parse_plot_args(plot, argc, argv, &a) || parse_stream(plot, cap, a.stream, &id))
		return 1;
	struct rtt_conn c;
	if (rtt_collect(cap, id, &c))
		return mpa_plot_error(plot, "out of memory");
	const char *path = mpa_capture_path(cap);
	const char *slash = path ? strrchr(path, '/') : NULL;
	char title[256];
	snprintf(title, sizeof title, "%s, mptcp.stream %u%s%s\nRTT from TCP timestamps",
	         slash ? slash + 1 : path ? path : "capture", id, a.dest < 0 ? "" : ", towards ",
	         a.dest < 0 ? "" : dest_name(a.dest));
	mpa_plot_labels(plot, title, "time (s)", "RTT (ms)");
	for (size_t k = 0; k < c.n_subflows; k++)
		for (int dest = 0; dest < 2; dest++)
			if (a.dest < 0 || a.dest == dest)
				add_series(plot, cap, &c, k, dest);
	rtt_conn_free(&c);
	return 0;
}

/* ------------------------------------------------------------- entry point */

int mpa_plugin_init(mpa_registry *reg, int host_api_version)
{
	MPA_PLUGIN_CHECK_VERSION(host_api_version);
	mpa_command *c = mpa_register_command(reg, "rtt_stats",
		"per-subflow RTT (min/mean/median/max, ms) of an MPTCP connection, from TCP timestamps",
		"rtt_stats MPTCP_STREAM [--json]", run_rtt_stats, NULL);
	if (!c)
		return -1;
	mpa_command_args(c, 1, 1, MPA_COMPLETE_MPTCP_STREAM);
	mpa_command_option(c, "json", 0, NULL, "print one JSON document on stdout", MPA_COMPLETE_NONE, NULL);
	mpa_command_needs_capture(c);
	if (!mpa_register_plot(reg, "rtt", "RTT samples (TCP timestamps) over time, per subflow",
	                       PLOT_USAGE, build_rtt_plot, NULL))
		return -1;
	return MPA_PLUGIN_API_VERSION;
}
