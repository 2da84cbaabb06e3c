/* plugin_host.h - the host side of the plugin ABI (include/mptcpanalyzer/plugin.h):
 * the plugin loader, the registry adapter that turns mpa_register_command /
 * mpa_register_plot into entries of the interpreter's command table
 * (src/cli/registry.h) and plot type table (src/plot/plot.h), and what
 * list_plugins shows. */
#ifndef MPTCPA_PLUGIN_HOST_H
#define MPTCPA_PLUGIN_HOST_H

#include <stdbool.h>
#include <glib.h>
#include "mptcpanalyzer/plugin.h"

struct session;

/* one plugin file found at start-up, loaded or not */
struct plugin_info {
	char *name;            /* file name without its suffix: "rtt_stats" */
	char *path;
	bool loaded;
	char *error;           /* why it was not loaded, NULL when loaded */
	GPtrArray *commands;   /* char*: names of its registered commands */
	GPtrArray *plots;      /* char*: names of its registered plot types */
	GPtrArray *refused;    /* char*: why some of its commands or plots were refused */
};

/* a folder searched for plugins and where it comes from */
struct plugin_dir {
	char *path;
	const char *source;    /* "plugin_path", "MPTCPANALYZER_PLUGIN_PATH", "XDG_DATA_HOME" */
};

/* ------------------------------------------------------------------ loader */

/* Loads every plugin of the search path (see plugin_search_path); failures
 * print one message each on stderr and are kept for list_plugins.  Call once,
 * after the built-in commands registered. */
void plugins_load(const struct session *s);
/* the plugins tried by plugins_load, in load order */
const struct plugin_info *const *plugins_all(size_t *n);
/* the folders searched, in order: the config's plugin_path, then
 * $MPTCPANALYZER_PLUGIN_PATH (both colon-separated; empty entries skipped, so
 * never the current folder by accident), then $XDG_DATA_HOME/mptcpanalyzer/plugins */
GArray *plugin_search_path(const char *config_path); /* struct plugin_dir, free with plugin_dirs_free */
void plugin_dirs_free(GArray *dirs);
/* the search path plugins_load used */
const GArray *plugins_search_path(void);

/* ------------------------------------------------------------------ registry */

/* a registry collecting the commands and plot types of one plugin (owner
 * NULL: built-in); nothing reaches the tables before plugin_registry_commit */
mpa_registry *plugin_registry_new(struct plugin_info *owner);
/* Registers what was declared.  A name taken by a built-in or an earlier
 * plugin refuses that command or plot type only (the reason goes to
 * owner->refused and stderr); for built-ins (owner NULL) a clash is an error.
 * Frees the registry. */
bool plugin_registry_commit(mpa_registry *reg, GError **err);
/* drops what was declared (the plugin was refused) and frees the registry */
void plugin_registry_discard(mpa_registry *reg);
/* the reason given with mpa_registry_fail, NULL when none */
const char *plugin_registry_failure(const mpa_registry *reg);

#endif
