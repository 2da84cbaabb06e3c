/* config.h - the interpreter's settings: INI file read with GKeyFile,
 * section [mptcpanalyzer]. */
#ifndef MPTCPA_CLI_CONFIG_H
#define MPTCPA_CLI_CONFIG_H

#include <stdbool.h>
#include <glib.h>

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct config {
	char *cache_dir;        /* key cache: folder of cached tables */
	char *history_file;     /* key history */
	int history_size;       /* key history_size */
	char delimiter;         /* key delimiter: tocsv's CSV delimiter */
	char *plot_format;      /* key plot_format: png, svg or pdf */
	char *gnuplot;          /* key gnuplot_binary */
	char *plugin_path;      /* key plugin_path (read by the plugin loader) */
	enum color_mode color;  /* key color: auto, always, never */
	char *source;           /* the file read, NULL when none */
};

/* Fills the defaults, then reads `path` (NULL: $XDG_CONFIG_HOME/mptcpanalyzer/config,
 * silently skipped when absent; an explicit path must exist).  Unknown keys
 * print a warning on stderr; a bad value is an error. */
bool config_load(struct config *c, const char *path, GError **err);
void config_clear(struct config *c);

#endif
