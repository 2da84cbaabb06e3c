/* clash.c - test plugin declaring names already taken (a built-in command, a
 * built-in alias, a built-in plot type) and one free command: the taken ones
 * are refused with a message naming the plugin and the command, the free
 * one works. */
#include <mptcpanalyzer/plugin.h>

static int run_ok(mpa_ctx *ctx, int argc, char **argv, void *user)
{
	const mpa_capture *cap = mpa_ctx_capture(ctx);
	(void)user;
	mpa_print(ctx, "clash_ok: %d argument(s), %u tcp stream(s), %u mptcp connection(s), %u event(s)\n",
	          argc - 1, mpa_tcp_count(cap), mpa_mptcp_count(cap), mpa_event_count(cap));
	if (mpa_flag(ctx, "echo"))
		mpa_print(ctx, "echo: %s\n", argc > 1 ? argv[1] : "-");
	return 0;
}

static int run_never(mpa_ctx *ctx, int argc, char **argv, void *user)
{
	(void)argc, (void)argv, (void)user;
	mpa_print(ctx, "PLUGIN VERSION OF A BUILT-IN RAN\n");
	return 0;
}

static int build_never(mpa_plot *plot, const mpa_capture *cap, int argc, char **argv, void *user)
{
	(void)cap, (void)argc, (void)argv, (void)user;
	return mpa_plot_error(plot, "PLUGIN VERSION OF A BUILT-IN PLOT RAN");
}

int mpa_plugin_init(mpa_registry *reg, int host_api_version)
{
	MPA_PLUGIN_CHECK_VERSION(host_api_version);
	mpa_register_command(reg, "list_tcp_connections", "clashes", "list_tcp_connections", run_never, 0);
	mpa_command *a = mpa_register_command(reg, "my_list", "alias clashes", "my_list", run_never, 0);
	mpa_command_alias(a, "lm");
	mpa_register_plot(reg, "dsn", "clashes", "dsn", build_never, 0);
	mpa_command *ok = mpa_register_command(reg, "clash_ok", "free name", "clash_ok [WORD] [--echo]",
	                                       run_ok, 0);
	mpa_command_args(ok, 0, 1, MPA_COMPLETE_NONE);
	mpa_command_option(ok, "echo", 'e', 0, "echo the word", MPA_COMPLETE_NONE, 0);
	mpa_command_needs_capture(ok);
	return MPA_PLUGIN_API_VERSION;
}
