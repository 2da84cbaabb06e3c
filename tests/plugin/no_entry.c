/* no_entry.c - test "plugin": a shared object without mpa_plugin_init. */
#include <mptcpanalyzer/plugin.h>

MPA_EXPORT int not_the_entry_point(void);

int not_the_entry_point(void)
{
	return MPA_PLUGIN_API_VERSION;
}
