/* bad_version.c - test plugin built against a (pretend) future plugin API:
 * mptcpanalyzer must refuse it, naming both versions, and register nothing. */
#include <mptcpanalyzer/plugin.h>

#undef MPA_PLUGIN_API_VERSION
#define MPA_PLUGIN_API_VERSION 99

static int run(mpa_ctx *ctx, int argc, char **argv, void *user)
{
	(void)argc, (void)argv, (void)user;
	mpa_print(ctx, "bad_cmd ran\n");
	return 0;
}

/* does not check the host's version: the host must still discard bad_cmd */
int mpa_plugin_init(mpa_registry *reg, int host_api_version)
{
	(void)host_api_version;
	mpa_register_command(reg, "bad_cmd", "must never be registered", "bad_cmd", run, 0);
	return MPA_PLUGIN_API_VERSION;
}
