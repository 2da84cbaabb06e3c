/* builtins.h - registration of the built-in commands (one function per
 * src/cli/cmd_*.c file) and pieces the command files share. */
#ifndef MPTCPA_BUILTINS_H
#define MPTCPA_BUILTINS_H

#include <stdbool.h>
#include <glib.h>
#include "cli/registry.h"
#include "table/tables.h"

#define OPT_JSON { "json", 0, NULL, "print one JSON document on stdout", COMP_NONE, NULL }
#define OPT_END { NULL, 0, NULL, NULL, COMP_NONE, NULL }

/* registers every built-in command; false with *err on a name clash */
bool builtins_register(GError **err);

bool cmd_load_register(GError **err);
bool cmd_list_register(GError **err);
bool cmd_summary_register(GError **err);
bool cmd_reinject_register(GError **err);
bool cmd_export_register(GError **err);
bool cmd_plot_register(GError **err);
bool cmd_misc_register(GError **err);
bool cmd_twocap_register(GError **err);
bool cmd_plugins_register(GError **err);

/* the plot module is linked (cmd_plot.c); plots_init registers its built-in types */
bool plots_available(void);
void plots_init(void);

/* registers a NULL-name-terminated array of commands */
bool register_all(const struct command *cmds, GError **err);

/* index into a TCP stream's dir[] of an MPTCP direction (0: towards the
 * server, 1: towards the client) */
static inline int sf_dir(const struct tcp_conn *c, int mptcp_dir)
{
	return mptcp_dir ^ c->mptcp_client;
}

/* "Server" for MPTCP direction 0 (client -> server), "Client" for 1 */
static inline const char *mptcp_dest_name(int mptcp_dir)
{
	return mptcp_dir == 0 ? "Server" : "Client";
}

#endif
