/* cmd_plugins.c - list_plugins: which plugins loaded (their commands and plot
 * types), which did not and why, and the folders searched.
 *
 * This built-in is written against the public plugin ABI
 * (<mptcpanalyzer/plugin.h>): it registers, prints and writes JSON exactly
 * as a plugin would, so every build exercises that path. */
#include <stdbool.h>
#include <string.h>
#include <glib.h>
#include "mptcpanalyzer/plugin.h"
#include "plugin/plugin_host.h"

/* "a, b" or "-" */
static char *join(const GPtrArray *names)
{
	if (!names->len)
		return g_strdup("-");
	GString *g = g_string_new(NULL);
	for (guint i = 0; i < names->len; i++)
		g_string_append_printf(g, "%s%s", i ? ", " : "", (const char *)g_ptr_array_index(names, i));
	return g_string_free(g, FALSE);
}

static void json_names(mpa_json *j, const char *member, const GPtrArray *names)
{
	mpa_json_array(j, member);
	for (guint i = 0; i < names->len; i++)
		mpa_json_string(j, NULL, g_ptr_array_index(names, i));
	mpa_json_end(j);
}

static int list_json(const mpa_ctx *ctx, const struct plugin_info *const *all, size_t n,
                     const GArray *dirs)
{
	mpa_json *j = mpa_json_begin(ctx);
	mpa_json_int(j, "api_version", MPA_PLUGIN_API_VERSION);
	mpa_json_array(j, "search_path");
	for (guint i = 0; dirs && i < dirs->len; i++) {
		const struct plugin_dir *d = &g_array_index(dirs, struct plugin_dir, i);
		mpa_json_object(j, NULL);
		mpa_json_string(j, "folder", d->path);
		mpa_json_string(j, "from", d->source);
		mpa_json_bool(j, "exists", g_file_test(d->path, G_FILE_TEST_IS_DIR));
		mpa_json_end(j);
	}
	mpa_json_end(j);
	mpa_json_int(j, "count", (int64_t)n);
	mpa_json_array(j, "plugins");
	for (size_t i = 0; i < n; i++) {
		mpa_json_object(j, NULL);
		mpa_json_string(j, "name", all[i]->name);
		mpa_json_string(j, "path", all[i]->path);
		mpa_json_bool(j, "loaded", all[i]->loaded);
		mpa_json_string(j, "error", all[i]->error);
		json_names(j, "commands", all[i]->commands);
		json_names(j, "plots", all[i]->plots);
		json_names(j, "refused", all[i]->refused);
		mpa_json_end(j);
	}
	return mpa_json_print(j);
}

static void print_plugin(const mpa_ctx *ctx, const struct plugin_info *p)
{
	if (!p->loaded) {
		mpa_print(ctx, "  %s: NOT LOADED (%s)\n    %s\n", p->name, p->path, p->error);
		return;
	}
	char *cmds = join(p->commands), *plots = join(p->plots);
	mpa_print(ctx, "  %s: loaded (%s)\n    commands: %s\n    plot types: %s\n", p->name, p->path,
	          cmds, plots);
	for (guint k = 0; k < p->refused->len; k++)
		mpa_print(ctx, "    refused: %s\n", (const char *)g_ptr_array_index(p->refused, k));
	g_free(cmds);
	g_free(plots);
}

static int run_list_plugins(mpa_ctx *ctx, int argc, char **argv, void *user)
{
	size_t n = 0;
	const struct plugin_info *const *all = plugins_all(&n);
	const GArray *dirs = plugins_search_path();
	if (mpa_flag(ctx, "json"))
		return list_json(ctx, all, n, dirs);
	size_t loaded = 0;
	for (size_t i = 0; i < n; i++)
		loaded += all[i]->loaded;
	mpa_print(ctx, "%zu plugin(s) loaded, %zu not loaded (plugin API version %d)\n", loaded,
	          n - loaded, MPA_PLUGIN_API_VERSION);
	for (size_t i = 0; i < n; i++)
		print_plugin(ctx, all[i]);
	mpa_print(ctx, "folders searched, in order:\n");
	for (guint i = 0; dirs && i < dirs->len; i++) {
		const struct plugin_dir *d = &g_array_index(dirs, struct plugin_dir, i);
		mpa_print(ctx, "  %s (%s%s)\n", d->path, d->source,
		          g_file_test(d->path, G_FILE_TEST_IS_DIR) ? "" : ", absent");
	}
	return 0;
}

bool cmd_plugins_register(GError **err)
{
	mpa_registry *reg = plugin_registry_new(NULL);
	mpa_command *c = mpa_register_command(reg, "list_plugins",
		"list the plugins: loaded (their commands and plot types) and failed (why)",
		"list_plugins [--json]", run_list_plugins, NULL);
	mpa_command_option(c, "json", 0, NULL, "print one JSON document on stdout", MPA_COMPLETE_NONE, NULL);
	return plugin_registry_commit(reg, err);
}
