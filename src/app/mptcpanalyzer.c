/* mptcpanalyzer.c - the interpreter: loads a capture and runs commands from
 * the readline prompt, from the command line (one argument per command) or
 * from a batch file.  The commands live in src/cli/. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "cli/builtins.h"
#include "cli/interp.h"
#include "cli/session.h"
#include "plugin/plugin_host.h"
#include "util/hugeheap.h"

struct globals {
	gchar *load, *config, *cachedir, *batch;
	gboolean regen, keep_going, version;
	gint debug;
};

/* pcap (both byte orders, µs and ns) or pcapng section header */
static bool is_capture_file(const char *path)
{
	static const guint8 magics[][4] = {
		{ 0xa1, 0xb2, 0xc3, 0xd4 }, { 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0x0a, 0x0d, 0x0d, 0x0a },
	};
	guint8 head[4];
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t n = fread(head, 1, sizeof head, f);
	fclose(f);
	for (size_t i = 0; n == 4 && i < G_N_ELEMENTS(magics); i++)
		if (memcmp(head, magics[i], 4) == 0)
			return true;
	return false;
}

static bool parse_globals(int *argc, char ***argv, struct globals *g)
{
	GOptionEntry entries[] = {
		{ "load", 'l', 0, G_OPTION_ARG_FILENAME, &g->load, "Load this capture (pcap, pcapng or CSV export) first", "CAPTURE" },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &g->config, "Configuration file (default: $XDG_CONFIG_HOME/mptcpanalyzer/config)", "FILE" },
		{ "cachedir", 0, 0, G_OPTION_ARG_FILENAME, &g->cachedir, "Cache folder (default: $XDG_CACHE_HOME/mptcpanalyzer)", "DIR" },
		{ "regen", 'r', 0, G_OPTION_ARG_NONE, &g->regen, "Ignore the cache: decode captures again", NULL },
		{ "debug", 'd', 0, G_OPTION_ARG_INT, &g->debug, "Debug level (0: none)", "LEVEL" },
		{ "batch", 0, 0, G_OPTION_ARG_FILENAME, &g->batch, "Run the commands of FILE, one per line (- for stdin)", "FILE" },
		{ "keep-going", 'k', 0, G_OPTION_ARG_NONE, &g->keep_going, "Go on after a failed command (batch and argument modes)", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &g->version, "Print the version and exit", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *ctx = g_option_context_new("[COMMAND...] - analyse MPTCP captures");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_strict_posix(ctx, TRUE); /* options after the first command belong to it */
	g_option_context_set_description(ctx,
		"Without a command: interactive interpreter (tab completion, history, help).\n"
		"Each COMMAND argument is one command line, e.g.\n"
		"  mptcpanalyzer -l capture.pcap list_mptcp_connections 'list_subflows 0 --json'\n"
		"runs them in order and exits; it stops at the first failed command unless\n"
		"--keep-going. A capture file as the only argument is loaded before the\n"
		"interpreter starts; a text file as the only argument is a batch file.\n"
		"Type 'help' for the commands. See mptcpanalyzer(1).\n");
	GError *err = NULL;
	bool ok = g_option_context_parse(ctx, argc, argv, &err);
	if (!ok) {
		fprintf(stderr, "mptcpanalyzer: %s (try --help)\n", err->message);
		g_error_free(err);
	}
	g_option_context_free(ctx);
	return ok;
}

static bool setup_session(struct session *s, const struct globals *g)
{
	GError *err = NULL;
	if (!config_load(&s->cfg, g->config, &err)) {
		fprintf(stderr, "mptcpanalyzer: %s\n", err->message);
		g_error_free(err);
		return false;
	}
	if (g->cachedir) {
		g_free(s->cfg.cache_dir);
		s->cfg.cache_dir = g_strdup(g->cachedir);
	}
	s->regen = g->regen;
	s->debug = g->debug;
	if (g->debug > 0)
		g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
	if (!builtins_register(&err)) {
		fprintf(stderr, "mptcpanalyzer: %s\n", err->message);
		g_error_free(err);
		return false;
	}
	plots_init();
	plugins_load(s); /* after the built-ins: a plugin cannot take their names */
	return true;
}

static bool load_first(struct session *s, const char *path)
{
	GError *err = NULL;
	if (session_load(s, path, &err))
		return true;
	fprintf(stderr, "mptcpanalyzer: %s\n", err->message);
	g_error_free(err);
	return false;
}

/* each argument is one command line */
static int run_arguments(struct session *s, int argc, char **argv, bool keep_going)
{
	int status = 0;
	for (int i = 1; i < argc && !s->quit; i++) {
		int rc = session_run_line(s, argv[i]);
		if (rc != 0) {
			status = rc;
			if (!keep_going)
				break;
		}
	}
	return status;
}

static int run(struct session *s, const struct globals *g, int argc, char **argv)
{
	if (g->load && !load_first(s, g->load))
		return 1;
	if (g->batch) {
		int rc = interp_run_file(s, g->batch, g->keep_going);
		if (rc != 0 && !g->keep_going)
			return rc;
		int rc2 = run_arguments(s, argc, argv, g->keep_going);
		return rc ? rc : rc2;
	}
	if (argc == 2 && g_file_test(argv[1], G_FILE_TEST_IS_REGULAR)) {
		if (is_capture_file(argv[1]) || g_str_has_suffix(argv[1], ".csv"))
			return load_first(s, argv[1]) ? interp_run(s, g->keep_going) : 1;
		return interp_run_file(s, argv[1], g->keep_going);
	}
	if (argc > 1)
		return run_arguments(s, argc, argv, g->keep_going);
	return interp_run(s, g->keep_going);
}

int main(int argc, char **argv)
{
	hugeheap_init(); /* first: before the heap holds anything big */
	struct globals g;
	memset(&g, 0, sizeof g);
	if (!parse_globals(&argc, &argv, &g))
		return 2;
	int rc = 0;
	if (g.version) {
		printf("mptcpanalyzer %s\n", MPTCPA_VERSION);
	} else {
		struct session s;
		session_init(&s);
		s.version = MPTCPA_VERSION;
		rc = setup_session(&s, &g) ? run(&s, &g, argc, argv) : 1;
		if (s.quit && rc == 0)
			rc = s.quit_status;
		session_free(&s);
		commands_clear();
	}
	g_free(g.load), g_free(g.config), g_free(g.cachedir), g_free(g.batch);
	/* output that could not be written is a failure (a full disk, a closed pipe) */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "mptcpanalyzer: standard output: write failed: %s\n", g_strerror(errno));
		rc = rc ? rc : 1;
	}
	return rc;
}
