/* config.c - reads the [mptcpanalyzer] section of the configuration file. */
#include "cli/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture/reader.h"
#include "export/export.h"

#define SECTION "mptcpanalyzer"

static const char *const known_keys[] = {
	"cache", "history", "history_size", "delimiter", "plot_format",
	"gnuplot_binary", "plugin_path", "color", NULL,
};

static void set_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->cache_dir = g_build_filename(g_get_user_cache_dir(), "mptcpanalyzer", NULL);
	c->history_file = g_build_filename(g_get_user_data_dir(), "mptcpanalyzer", "history", NULL);
	c->history_size = 1000;
	c->delimiter = ',';
	c->plot_format = g_strdup("png");
	c->gnuplot = g_strdup("gnuplot");
	c->color = COLOR_AUTO;
}

static bool bad_value(GError **err, const char *file, const char *key, const char *value,
                      const char *expected)
{
	g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: [%s] %s = '%s': %s", file, SECTION, key,
	            value, expected);
	return false;
}

/* replaces *dst with the key's value when the key is present */
static void take_string(GKeyFile *kf, const char *key, char **dst)
{
	char *v = g_key_file_get_string(kf, SECTION, key, NULL);
	if (!v)
		return;
	g_strstrip(v);
	g_free(*dst);
	*dst = v;
}

static bool read_int_key(GKeyFile *kf, const char *file, struct config *c, GError **err)
{
	char *v = g_key_file_get_string(kf, SECTION, "history_size", NULL);
	if (!v)
		return true;
	char *end;
	errno = 0;
	long n = strtol(g_strstrip(v), &end, 10);
	bool ok = *v && !*end && errno == 0 && n >= 0 && n <= 1000000;
	if (ok)
		c->history_size = (int)n;
	else
		bad_value(err, file, "history_size", v, "expected a number from 0 to 1000000");
	g_free(v);
	return ok;
}

static bool read_choice_keys(GKeyFile *kf, const char *file, struct config *c, GError **err)
{
	char *delim = NULL, *color = NULL;
	bool ok = true;
	take_string(kf, "delimiter", &delim);
	if (delim) {
		if (strcmp(delim, "\\t") == 0 || strcmp(delim, "tab") == 0)
			c->delimiter = '\t';
		else if (export_delimiter_ok(delim))
			c->delimiter = delim[0];
		else
			ok = bad_value(err, file, "delimiter", delim, "expected " EXPORT_DELIMITER_RULE " (or \\t)");
	}
	take_string(kf, "color", &color);
	if (ok && color) {
		if (strcmp(color, "auto") == 0)
			c->color = COLOR_AUTO;
		else if (strcmp(color, "always") == 0)
			c->color = COLOR_ALWAYS;
		else if (strcmp(color, "never") == 0)
			c->color = COLOR_NEVER;
		else
			ok = bad_value(err, file, "color", color, "expected auto, always or never");
	}
	if (ok && c->plot_format && strcmp(c->plot_format, "png") && strcmp(c->plot_format, "svg") &&
	    strcmp(c->plot_format, "pdf"))
		ok = bad_value(err, file, "plot_format", c->plot_format, "expected png, svg or pdf");
	g_free(delim);
	g_free(color);
	return ok;
}

static void warn_unknown_keys(GKeyFile *kf, const char *file)
{
	gchar **keys = g_key_file_get_keys(kf, SECTION, NULL, NULL);
	for (size_t i = 0; keys && keys[i]; i++)
		if (!g_strv_contains(known_keys, keys[i]))
			fprintf(stderr, "mptcpanalyzer: warning: %s: unknown key '%s' in [%s]\n", file,
			        keys[i], SECTION);
	g_strfreev(keys);
}

/* "~/x" -> "$HOME/x" for folder keys */
static void expand_home(char **path)
{
	if (*path && (*path)[0] == '~' && ((*path)[1] == '/' || !(*path)[1])) {
		char *p = g_build_filename(g_get_home_dir(), *path + 1, NULL);
		g_free(*path);
		*path = p;
	}
}

bool config_load(struct config *c, const char *path, GError **err)
{
	set_defaults(c);
	char *file = path ? g_strdup(path)
	                  : g_build_filename(g_get_user_config_dir(), "mptcpanalyzer", "config", NULL);
	if (!path && !g_file_test(file, G_FILE_TEST_EXISTS)) {
		g_free(file);
		return true;
	}
	GKeyFile *kf = g_key_file_new();
	GError *e = NULL;
	bool ok = g_key_file_load_from_file(kf, file, G_KEY_FILE_NONE, &e);
	if (!ok) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "cannot read the configuration %s: %s",
		            file, e->message);
		g_error_free(e);
	} else {
		c->source = g_strdup(file);
		warn_unknown_keys(kf, file);
		take_string(kf, "cache", &c->cache_dir);
		take_string(kf, "history", &c->history_file);
		take_string(kf, "plot_format", &c->plot_format);
		take_string(kf, "gnuplot_binary", &c->gnuplot);
		take_string(kf, "plugin_path", &c->plugin_path);
		expand_home(&c->cache_dir);
		expand_home(&c->history_file);
		expand_home(&c->plugin_path);
		ok = read_int_key(kf, file, c, err) && read_choice_keys(kf, file, c, err);
	}
	g_key_file_free(kf);
	g_free(file);
	return ok;
}

void config_clear(struct config *c)
{
	g_free(c->cache_dir);
	g_free(c->history_file);
	g_free(c->plot_format);
	g_free(c->gnuplot);
	g_free(c->plugin_path);
	g_free(c->source);
	memset(c, 0, sizeof *c);
}
