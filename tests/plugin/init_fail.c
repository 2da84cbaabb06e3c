/* init_fail.c - test plugin whose initialisation fails (returns < 0 with a
 * reason): refused, with that reason, and its command discarded. */
#include <mptcpanalyzer/plugin.h>

static int run(mpa_ctx *ctx, int argc, char **argv, void *user)
{
	(void)argc, (void)argv, (void)user;
	mpa_print(ctx, "init_fail_cmd ran\n");
	return 0;
}

int mpa_plugin_init(mpa_registry *reg, int host_api_version)
{
	MPA_PLUGIN_CHECK_VERSION(host_api_version);
	mpa_register_command(reg, "init_fail_cmd", "must never be registered", "init_fail_cmd", run, 0);
	mpa_registry_fail(reg, "the frobnicator device is missing");
	return -1;
}
