/* cmd_misc.c - help (?), quit, exit and checkhealth. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include <sqlite3.h>
#include <json-glib/json-glib.h>
#include "cli/builtins.h"
#include "cli/output.h"
#include "cli/session.h"
#include "plot/plot.h"
#include "util/lazy_readline.h"
#include "util/lazylib.h"

#pragma weak plot_gnuplot_version

static int list_commands(struct session *s)
{
	size_t n;
	const struct command **all = commands_all(&n);
	printf("commands (help COMMAND for its options):\n");
	struct out_table *tb = out_table_new(3);
	out_table_color(tb, 0, OR_ID);
	for (size_t i = 0; i < n; i++) {
		GString *al = g_string_new(NULL);
		for (int k = 0; k < 4 && all[i]->aliases[k]; k++)
			g_string_append_printf(al, "%s%s", k ? ", " : "(", all[i]->aliases[k]);
		if (al->len)
			g_string_append_c(al, ')');
		const char *cells[] = { all[i]->name, al->str, all[i]->summary };
		out_table_row(tb, cells);
		g_string_free(al, TRUE);
	}
	out_table_print(s, tb, "  ");
	out_table_free(tb);
	return 0;
}

static int cmd_help(struct session *s, int argc, char **argv)
{
	if (argc < 2)
		return list_commands(s);
	const struct command *c = command_find(argv[1]);
	if (!c) {
		const char *hint = command_suggest(argv[1]);
		if (hint)
			return cmd_fail(s, "unknown command '%s' (did you mean '%s'?)", argv[1], hint);
		return cmd_fail(s, "unknown command '%s'", argv[1]);
	}
	command_print_help(c, stdout);
	return 0;
}

static int cmd_quit(struct session *s, int argc, char **argv)
{
	s->quit = true;
	return 0;
}

/* ----------------------------------------------------------------- health */

/* first line of `gnuplot --version`, NULL when it cannot run */
static char *gnuplot_version(const struct session *s)
{
	if (plot_gnuplot_version)
		return plot_gnuplot_version(s->cfg.gnuplot);
	char *argv[] = { s->cfg.gnuplot, "--version", NULL };
	char *out = NULL;
	int status = 0;
	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
	                  &out, NULL, &status, NULL) || !g_spawn_check_wait_status(status, NULL)) {
		g_free(out);
		return NULL;
	}
	return g_strstrip(out);
}

static char *cache_state(const struct session *s)
{
	const char *dir = s->cfg.cache_dir;
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		return g_strdup_printf("%s (not created yet)", dir);
	return g_strdup_printf("%s (%s)", dir, access(dir, W_OK) == 0 ? "writable" : "NOT writable");
}

struct health {
	const char *name;
	char *value;
	bool ok;
};

static char *json_glib_version(void)
{
	return g_strdup(JSON_VERSION_S);
}

static char *gio_version(void)
{
	return g_strdup_printf("%u.%u.%u", glib_major_version, glib_minor_version, glib_micro_version);
}

static char *sqlite_version(void)
{
	return g_strdup(sqlite3_libversion());
}

static char *readline_version(void)
{
	return g_strdup(*readline_vars()->library_version);
}

/* a library opened on first use (util/lazylib.h): opened now, to tell */
static struct health lazy_health(const char *name, struct lazylib *l, char *(*version)(void))
{
	GError *e = NULL;
	if (!lazylib_ready(l, &e)) {
		struct health h = { name, g_strdup_printf("NOT LOADABLE (%s)", e->message), false };
		g_error_free(e);
		return h;
	}
	return (struct health){ name, version(), true };
}

static void collect(const struct session *s, struct health *h, size_t *n)
{
	size_t i = 0;
	h[i++] = (struct health){ "mptcpanalyzer", g_strdup(s->version ? s->version : "?"), true };
	h[i++] = (struct health){ "libpcap", g_strdup(pcap_lib_version()), true };
	h[i++] = (struct health){ "glib", g_strdup_printf("%u.%u.%u", glib_major_version,
	                                                  glib_minor_version, glib_micro_version), true };
	h[i++] = lazy_health("json-glib", &lazy_json, json_glib_version);
	h[i++] = lazy_health("gio", &lazy_gio, gio_version);
	h[i++] = lazy_health("sqlite3", &lazy_sqlite, sqlite_version);
	h[i++] = lazy_health("readline", &lazy_readline, readline_version);
	char *gp = gnuplot_version(s);
	h[i++] = (struct health){ "gnuplot", gp ? gp : g_strdup_printf("NOT FOUND (%s)", s->cfg.gnuplot), gp != NULL };
	h[i++] = (struct health){ "plots", g_strdup(plots_available() ? "built in" : "not in this build"),
	                          plots_available() };
	h[i++] = (struct health){ "config", g_strdup(s->cfg.source ? s->cfg.source : "(defaults)"), true };
	h[i++] = (struct health){ "cache", cache_state(s), true };
	h[i++] = (struct health){ "history", g_strdup(s->cfg.history_file), true };
	*n = i;
}

static int cmd_checkhealth(struct session *s, int argc, char **argv)
{
	struct health h[16];
	size_t n;
	collect(s, h, &n);
	JsonBuilder *b = s->json ? out_json_begin(s, "checkhealth") : NULL;
	struct out_table *tb = b ? NULL : out_table_new(3);
	for (size_t i = 0; i < n; i++) {
		if (b) {
			json_builder_set_member_name(b, h[i].name);
			json_builder_begin_object(b);
			out_json_string(b, "value", h[i].value);
			out_json_bool(b, "ok", h[i].ok);
			json_builder_end_object(b);
		} else {
			const char *cells[] = { h[i].name, h[i].value, h[i].ok ? "" : "(warning)" };
			out_table_row(tb, cells);
		}
		g_free(h[i].value);
	}
	if (b) {
		json_builder_end_object(b);
		out_json_print(b);
		g_object_unref(b);
	} else {
		out_table_color(tb, 2, OR_WARN);
		out_table_left(tb, 1);
		out_table_print(s, tb, "");
		out_table_free(tb);
	}
	return 0;
}

static const struct cmd_option json_only[] = { OPT_JSON, OPT_END };

static const struct command commands[] = {
	{ "help", { "?", NULL }, "list the commands, or show the usage and options of one",
	  "help [COMMAND]", NULL, COMP_COMMAND, cmd_help, 0, 0, 1 },
	{ "quit", { NULL }, "leave the interpreter", "quit", NULL, COMP_NONE, cmd_quit, 0, 0, 0 },
	{ "exit", { NULL }, "leave the interpreter", "exit", NULL, COMP_NONE, cmd_quit, 0, 0, 0 },
	{ "checkhealth", { NULL }, "show library versions, gnuplot, the cache and the configuration",
	  "checkhealth [--json]", json_only, COMP_NONE, cmd_checkhealth, 0, 0, 0 },
	{ NULL, { NULL }, NULL, NULL, NULL, COMP_NONE, NULL, 0, 0, 0 },
};

bool cmd_misc_register(GError **err)
{
	return register_all(commands, err);
}
