/* loader.c - finds and loads plugins with GModule: every *.so of the search
 * path (the config's plugin_path, $MPTCPANALYZER_PLUGIN_PATH, then
 * $XDG_DATA_HOME/mptcpanalyzer/plugins; never the current folder unless
 * named), calls its entry point with the API version and keeps, for
 * list_plugins, what loaded and why the others did not.  A plugin that fails
 * is closed again and the tool goes on. */
#include "plugin/plugin_private.h"

#include <stdio.h>
#include <string.h>
#include <gmodule.h>
#include "cli/session.h"
#include "config.h"

static GPtrArray *plugins;   /* struct plugin_info*, load order */
static GArray *search_dirs;  /* struct plugin_dir */
static GPtrArray *modules;   /* GModule* of the loaded plugins: stay open */

typedef int (*entry_fn)(mpa_registry *reg, int host_api_version);

/* ------------------------------------------------------------- search path */

static bool dir_listed(const GArray *dirs, const char *path)
{
	for (guint i = 0; i < dirs->len; i++)
		if (strcmp(g_array_index(dirs, struct plugin_dir, i).path, path) == 0)
			return true;
	return false;
}

/* adds `path` (absolute, "~/" expanded) unless already there; takes it */
static void add_dir(GArray *dirs, char *path, const char *source)
{
	char *abs = g_canonicalize_filename(path, NULL);
	g_free(path);
	if (dir_listed(dirs, abs)) {
		g_free(abs);
		return;
	}
	struct plugin_dir d = { abs, source };
	g_array_append_val(dirs, d);
}

/* a colon-separated list; empty entries are skipped (in $PATH they would mean
 * the current folder) */
static void add_list(GArray *dirs, const char *list, const char *source)
{
	if (!list)
		return;
	char **parts = g_strsplit(list, ":", -1);
	for (char **p = parts; *p; p++) {
		char *entry = g_strstrip(*p);
		if (!*entry)
			continue;
		if (entry[0] == '~' && (entry[1] == '/' || !entry[1]))
			add_dir(dirs, g_build_filename(g_get_home_dir(), entry + 1, NULL), source);
		else
			add_dir(dirs, g_strdup(entry), source);
	}
	g_strfreev(parts);
}

GArray *plugin_search_path(const char *config_path)
{
	GArray *dirs = g_array_new(FALSE, TRUE, sizeof(struct plugin_dir));
	add_list(dirs, config_path, "plugin_path");
	add_list(dirs, g_getenv("MPTCPANALYZER_PLUGIN_PATH"), "MPTCPANALYZER_PLUGIN_PATH");
	add_dir(dirs, g_build_filename(g_get_user_data_dir(), "mptcpanalyzer", "plugins", NULL),
	        "XDG_DATA_HOME");
	return dirs;
}

void plugin_dirs_free(GArray *dirs)
{
	for (guint i = 0; dirs && i < dirs->len; i++)
		g_free(g_array_index(dirs, struct plugin_dir, i).path);
	if (dirs)
		g_array_free(dirs, TRUE);
}

const GArray *plugins_search_path(void)
{
	return search_dirs;
}

const struct plugin_info *const *plugins_all(size_t *n)
{
	if (n)
		*n = plugins ? plugins->len : 0;
	return plugins ? (const struct plugin_info *const *)plugins->pdata : NULL;
}

/* ------------------------------------------------------------------ loading */

static struct plugin_info *info_new(const char *path)
{
	struct plugin_info *p = g_new0(struct plugin_info, 1);
	char *base = g_path_get_basename(path);
	size_t suffix = strlen("." G_MODULE_SUFFIX);
	p->name = g_strndup(base, strlen(base) - suffix);
	g_free(base);
	p->path = g_strdup(path);
	p->commands = g_ptr_array_new_with_free_func(g_free);
	p->plots = g_ptr_array_new_with_free_func(g_free);
	p->refused = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(plugins, p);
	return p;
}

static const struct plugin_info *find_loaded(const char *name)
{
	for (guint i = 0; i < plugins->len; i++) {
		const struct plugin_info *p = g_ptr_array_index(plugins, i);
		if (p->loaded && strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

/* records and prints why the plugin is not loaded; takes `why` */
static void fail(struct plugin_info *p, char *why)
{
	p->error = why;
	fprintf(stderr, "mptcpanalyzer: plugin %s (%s) not loaded: %s\n", p->name, p->path, why);
}

static char *version_mismatch(const mpa_registry *reg, int v)
{
	if (v < 0 && plugin_registry_failure(reg))
		return g_strdup_printf("its initialisation failed: %s", plugin_registry_failure(reg));
	if (v < 0)
		return g_strdup_printf("its initialisation failed (%s returned %d)", MPA_PLUGIN_ENTRY, v);
	return g_strdup_printf("built for plugin API version %d, this mptcpanalyzer (%s) provides "
	                       "version %d: rebuild it against this version's <mptcpanalyzer/plugin.h> "
	                       "(pkg-config mptcpanalyzer-plugin)",
	                       v, MPTCPA_VERSION, MPA_PLUGIN_API_VERSION);
}

/* runs the entry point; the declarations reach the tables only when it
 * returned this API version */
static bool init_plugin(struct plugin_info *p, entry_fn init)
{
	mpa_registry *reg = plugin_registry_new(p);
	int v = init(reg, MPA_PLUGIN_API_VERSION);
	if (v != MPA_PLUGIN_API_VERSION) {
		fail(p, version_mismatch(reg, v));
		plugin_registry_discard(reg);
		return false;
	}
	plugin_registry_commit(reg, NULL); /* a plugin's clashes are only reported */
	return true;
}

static void load_one(const char *path, const struct session *s)
{
	struct plugin_info *p = info_new(path);
	const struct plugin_info *first = find_loaded(p->name);
	if (first) {
		p->error = g_strdup_printf("a plugin named %s is already loaded from %s", p->name, first->path);
		return;
	}
	/* no lazy binding: a plugin needing a function this version lacks fails here */
	GModule *m = g_module_open(path, G_MODULE_BIND_LOCAL);
	if (!m) {
		fail(p, g_strdup_printf("cannot load it: %s", g_module_error()));
		return;
	}
	gpointer sym = NULL;
	if (!g_module_symbol(m, MPA_PLUGIN_ENTRY, &sym) || !sym) {
		fail(p, g_strdup_printf("no entry point %s(): not an mptcpanalyzer plugin", MPA_PLUGIN_ENTRY));
		g_module_close(m);
		return;
	}
	entry_fn init;
	memcpy(&init, &sym, sizeof init); /* object pointer to function pointer */
	if (!init_plugin(p, init)) {
		g_module_close(m);
		return;
	}
	p->loaded = true;
	g_ptr_array_add(modules, m);
	if (s->debug > 0)
		fprintf(stderr, "mptcpanalyzer: plugin %s loaded from %s (%u command(s), %u plot type(s))\n",
		        p->name, p->path, p->commands->len, p->plots->len);
}

static int by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* the plugin files of one folder, sorted by name (NULL when it cannot be read) */
static GPtrArray *plugin_files(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	if (!d)
		return NULL;
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, name, NULL);
		if (g_str_has_suffix(name, "." G_MODULE_SUFFIX) && strlen(name) > strlen("." G_MODULE_SUFFIX) &&
		    g_file_test(path, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(files, path);
		else
			g_free(path);
	}
	g_dir_close(d);
	g_ptr_array_sort(files, by_name);
	return files;
}

void plugins_load(const struct session *s)
{
	if (plugins)
		return; /* once */
	plugins = g_ptr_array_new();
	modules = g_ptr_array_new();
	if (!g_module_supported()) {
		fprintf(stderr, "mptcpanalyzer: warning: plugins are not supported on this system\n");
		return;
	}
	search_dirs = plugin_search_path(s->cfg.plugin_path);
	for (guint i = 0; i < search_dirs->len; i++) {
		GPtrArray *files = plugin_files(g_array_index(search_dirs, struct plugin_dir, i).path);
		for (guint k = 0; files && k < files->len; k++)
			load_one(g_ptr_array_index(files, k), s);
		if (files)
			g_ptr_array_free(files, TRUE);
	}
}
