/* failing.c - test plugin whose command and plot type fail: the tool must
 * print the reason and go on with the next command. */
#include <mptcpanalyzer/plugin.h>

/* fails with a message (mpa_error) */
static int run_fail(mpa_ctx *ctx, int argc, char **argv, void *user)
{
	(void)argc, (void)argv, (void)user;
	mpa_print(ctx, "fail_cmd: partial output\n");
	return mpa_error(ctx, "deliberate failure (packets: %u)",
	                 mpa_capture_packet_count(mpa_ctx_capture(ctx)));
}

/* fails without a message, leaving a JSON document unprinted */
static int run_silent(mpa_ctx *ctx, int argc, char **argv, void *user)
{
	(void)argc, (void)argv, (void)user;
	mpa_json *j = mpa_json_begin(ctx);
	mpa_json_array(j, "never");
	return 3;
}

static int build_fail(mpa_plot *plot, const mpa_capture *cap, int argc, char **argv, void *user)
{
	(void)cap, (void)argc, (void)argv, (void)user;
	mpa_series_add(mpa_plot_series(plot, "half", 0, MPA_STYLE_LINES), 0, 1);
	return mpa_plot_error(plot, "deliberate plot failure");
}

int mpa_plugin_init(mpa_registry *reg, int host_api_version)
{
	MPA_PLUGIN_CHECK_VERSION(host_api_version);
	mpa_command *c = mpa_register_command(reg, "fail_cmd", "always fails", "fail_cmd", run_fail, 0);
	mpa_command_needs_capture(c);
	mpa_register_command(reg, "fail_silent", "fails without a message", "fail_silent", run_silent, 0);
	mpa_register_plot(reg, "fail_plot", "always fails", "fail_plot", build_fail, 0);
	return MPA_PLUGIN_API_VERSION;
}
