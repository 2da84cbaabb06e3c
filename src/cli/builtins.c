/* builtins.c - registers every built-in command of the interpreter. */
#include "cli/builtins.h"

bool register_all(const struct command *cmds, GError **err)
{
	for (size_t i = 0; cmds[i].name; i++)
		if (!command_register(&cmds[i], err))
			return false;
	return true;
}

bool builtins_register(GError **err)
{
	return cmd_load_register(err) && cmd_list_register(err) && cmd_summary_register(err) &&
	       cmd_reinject_register(err) && cmd_export_register(err) && cmd_plot_register(err) &&
	       cmd_misc_register(err) && cmd_twocap_register(err) &&
	       cmd_plugins_register(err); /* through the plugin ABI (cmd_plugins.c) */
}
