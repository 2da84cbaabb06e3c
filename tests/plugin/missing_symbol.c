/* missing_symbol.c - test plugin calling a function mptcpanalyzer does not
 * have (as one built against a newer header would): loading must fail with
 * the loader's message, not crash later. */
#include <mptcpanalyzer/plugin.h>

int mpa_function_from_the_future(const mpa_capture *cap);

static int run(mpa_ctx *ctx, int argc, char **argv, void *user)
{
	(void)argc, (void)argv, (void)user;
	return mpa_function_from_the_future(mpa_ctx_capture(ctx));
}

int mpa_plugin_init(mpa_registry *reg, int host_api_version)
{
	MPA_PLUGIN_CHECK_VERSION(host_api_version);
	mpa_register_command(reg, "future_cmd", "needs a newer mptcpanalyzer", "future_cmd", run, 0);
	return MPA_PLUGIN_API_VERSION;
}
