/* probe.c - test plugin dumping what every capture accessor of the plugin
 * ABI returns (probe_dump --json), so that test_plugins.py can compare it
 * with the pcap bytes and with the built-in commands' JSON; also out-of-range
 * indices, which must give the documented neutral values. */
#include <stdio.h>
#include <mptcpanalyzer/plugin.h>

static void dump_packets(mpa_json *j, const mpa_capture *cap)
{
	mpa_json_array(j, "packets");
	for (uint32_t r = 0; r < mpa_capture_packet_count(cap); r++) {
		mpa_json_array(j, NULL);
		mpa_json_uint(j, NULL, mpa_packet_frame(cap, r));
		mpa_json_int(j, NULL, mpa_packet_time_ns(cap, r));
		mpa_json_uint(j, NULL, mpa_packet_stream(cap, r));
		mpa_json_int(j, NULL, mpa_packet_direction(cap, r));
		mpa_json_int(j, NULL, mpa_packet_dest(cap, r));
		mpa_json_uint(j, NULL, mpa_packet_tcplen(cap, r));
		mpa_json_uint(j, NULL, mpa_packet_seq(cap, r));
		mpa_json_uint(j, NULL, mpa_packet_ack(cap, r));
		mpa_json_uint(j, NULL, mpa_packet_tcp_flags(cap, r));
		mpa_json_uint(j, NULL, mpa_packet_marks(cap, r));
		mpa_json_uint(j, NULL, mpa_packet_tsval(cap, r));
		mpa_json_uint(j, NULL, mpa_packet_tsecr(cap, r));
		mpa_json_uint(j, NULL, mpa_packet_dsn(cap, r));
		mpa_json_uint(j, NULL, mpa_packet_dack(cap, r));
		mpa_json_end(j);
	}
	mpa_json_end(j);
}

static void dump_tcp(mpa_json *j, const mpa_capture *cap)
{
	mpa_json_array(j, "tcp");
	for (uint32_t s = 0; s < mpa_tcp_count(cap); s++) {
		char ends[2][64];
		mpa_tcp_endpoint(cap, s, 0, ends[0], sizeof ends[0]);
		mpa_tcp_endpoint(cap, s, 1, ends[1], sizeof ends[1]);
		mpa_json_object(j, NULL);
		mpa_json_string(j, "end0", ends[0]);
		mpa_json_string(j, "end1", ends[1]);
		mpa_json_int(j, "client", mpa_tcp_client(cap, s));
		mpa_json_uint(j, "mptcp", mpa_tcp_mptcp(cap, s) == MPA_NONE ? MPA_NO_VALUE : mpa_tcp_mptcp(cap, s));
		mpa_json_uint(j, "first", mpa_tcp_first_packet(cap, s));
		mpa_json_uint(j, "last", mpa_tcp_last_packet(cap, s));
		mpa_json_uint(j, "bytes0", mpa_tcp_bytes(cap, s, 0));
		mpa_json_uint(j, "bytes1", mpa_tcp_bytes(cap, s, 1));
		mpa_json_end(j);
	}
	mpa_json_end(j);
}

static void dump_mptcp(mpa_json *j, const mpa_capture *cap)
{
	mpa_json_array(j, "mptcp");
	for (uint32_t m = 0; m < mpa_mptcp_count(cap); m++) {
		mpa_json_object(j, NULL);
		mpa_json_int(j, "version", mpa_mptcp_version(cap, m));
		mpa_json_array(j, "subflows");
		for (uint32_t k = 0; k < mpa_mptcp_subflow_count(cap, m); k++)
			mpa_json_uint(j, NULL, mpa_mptcp_subflow(cap, m, k));
		mpa_json_end(j);
		mpa_json_uint(j, "to_server", mpa_mptcp_bytes(cap, m, MPA_TO_SERVER));
		mpa_json_uint(j, "to_client", mpa_mptcp_bytes(cap, m, MPA_TO_CLIENT));
		mpa_json_end(j);
	}
	mpa_json_end(j);
}

static void dump_events(mpa_json *j, const mpa_capture *cap)
{
	mpa_json_array(j, "events");
	for (uint32_t i = 0; i < mpa_event_count(cap); i++) {
		mpa_json_object(j, NULL);
		mpa_json_string(j, "type", mpa_event_type(cap, i));
		mpa_json_int(j, "time_ns", mpa_event_time_ns(cap, i));
		mpa_json_uint(j, "mptcp", mpa_event_mptcp(cap, i));
		mpa_json_uint(j, "stream", mpa_event_stream(cap, i));
		mpa_json_uint(j, "frame", mpa_packet_frame(cap, mpa_event_packet(cap, i)));
		mpa_json_uint(j, "value", mpa_event_value(cap, i));
		mpa_json_end(j);
	}
	mpa_json_end(j);
}

/* every accessor with an index past the end: 1 when all give the neutral value */
static int out_of_range_ok(const mpa_capture *cap)
{
	uint32_t p = mpa_capture_packet_count(cap), t = mpa_tcp_count(cap), m = mpa_mptcp_count(cap);
	uint32_t e = mpa_event_count(cap);
	char buf[8] = "x";
	return mpa_packet_stream(cap, p) == MPA_NONE && mpa_packet_time_ns(cap, p) == 0 &&
	       mpa_packet_dsn(cap, p) == MPA_NO_VALUE && mpa_packet_dest(cap, p) == -1 &&
	       mpa_packet_marks(cap, MPA_NONE) == 0 && mpa_tcp_endpoint(cap, t, 0, buf, sizeof buf) == -1 &&
	       mpa_tcp_endpoint(cap, 0, 2, buf, sizeof buf) == -1 && buf[0] == 'x' &&
	       mpa_tcp_mptcp(cap, t) == MPA_NONE && mpa_tcp_first_packet(cap, t) == MPA_NONE &&
	       mpa_mptcp_subflow_count(cap, m) == 0 && mpa_mptcp_subflow(cap, 0, 1000) == MPA_NONE &&
	       mpa_event_type(cap, e) == NULL && mpa_event_value(cap, e) == MPA_NO_VALUE &&
	       mpa_capture_packet_count(NULL) == 0 && mpa_tcp_count(NULL) == 0;
}

static int run_probe(mpa_ctx *ctx, int argc, char **argv, void *user)
{
	(void)argc, (void)argv, (void)user;
	const mpa_capture *cap = mpa_ctx_capture(ctx);
	mpa_json *j = mpa_json_begin(ctx);
	mpa_json_string(j, "host_version", mpa_host_version());
	mpa_json_string(j, "path", mpa_capture_path(cap));
	mpa_json_int(j, "start_ns", mpa_capture_start_ns(cap));
	mpa_json_bool(j, "out_of_range_ok", out_of_range_ok(cap));
	mpa_json_double(j, "nan", 0.0 / 0.0);
	mpa_json_null(j, "nothing");
	if (mpa_flag(ctx, "packets"))
		dump_packets(j, cap);
	dump_tcp(j, cap);
	dump_mptcp(j, cap);
	dump_events(j, cap);
	mpa_json_object(j, "left_open"); /* mpa_json_print closes it */
	return mpa_json_print(j);
}

int mpa_plugin_init(mpa_registry *reg, int host_api_version)
{
	MPA_PLUGIN_CHECK_VERSION(host_api_version);
	mpa_command *c = mpa_register_command(reg, "probe_dump", "dumps the accessors' values",
	                                      "probe_dump [--packets]", run_probe, 0);
	mpa_command_option(c, "packets", 'p', 0, "also every packet", MPA_COMPLETE_NONE, 0);
	mpa_command_alias(c, "pd");
	mpa_command_needs_capture(c);
	return MPA_PLUGIN_API_VERSION;
}
