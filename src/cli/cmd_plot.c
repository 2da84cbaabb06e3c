/* cmd_plot.c - list_available_plots and plot: find the plot type in the plot
 * registry, let it build its series, render them with gnuplot.
 *
 * The plot module (src/plot/) may not be linked into this build: its
 * functions are weak references here, NULL when absent, and the commands then
 * fail with a clear message instead of the link failing. */
#include <stdio.h>
#include <string.h>
#include "cli/builtins.h"
#include "cli/output.h"
#include "cli/session.h"
#include "plot/plot.h"

#pragma weak plot_types
#pragma weak plot_type_find
#pragma weak plot_builtin_register
#pragma weak plot_spec_new
#pragma weak plot_spec_free
#pragma weak plot_render
#pragma weak plot_gnuplot_version
#pragma weak plot_default_output

bool plots_available(void)
{
	return plot_types && plot_type_find && plot_spec_new && plot_spec_free && plot_render;
}

void plots_init(void)
{
	if (plot_builtin_register)
		plot_builtin_register();
}

static int no_plots(struct session *s)
{
	return cmd_fail(s, "plotting is not available in this build (the plot module is not linked)");
}

static int cmd_list_plots(struct session *s, int argc, char **argv)
{
	if (!plots_available())
		return no_plots(s);
	size_t n = 0;
	const struct plot_type **types = plot_types(&n);
	if (s->json) {
		JsonBuilder *b = out_json_begin(s, "list_available_plots");
		out_json_int(b, "count", (int64_t)n);
		json_builder_set_member_name(b, "plots");
		json_builder_begin_array(b);
		for (size_t i = 0; i < n; i++) {
			json_builder_begin_object(b);
			out_json_string(b, "name", types[i]->name);
			out_json_string(b, "summary", types[i]->summary);
			out_json_string(b, "usage", types[i]->usage);
			out_json_int(b, "captures", types[i]->n_captures);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_builder_end_object(b);
		out_json_print(b);
		g_object_unref(b);
		return 0;
	}
	printf("%zu plot type(s):\n", n);
	struct out_table *tb = out_table_new(2);
	out_table_color(tb, 0, OR_ID);
	for (size_t i = 0; i < n; i++) {
		const char *cells[] = { types[i]->name, types[i]->summary };
		out_table_row(tb, cells);
	}
	out_table_print(s, tb, "  ");
	out_table_free(tb);
	return 0;
}

/* the second capture of two-capture plots: loaded from argv[0] of the plot's arguments */
static struct tables *load_second(struct session *s, const char *path)
{
	struct session tmp;
	session_init(&tmp);
	tmp.cfg = s->cfg;
	tmp.regen = s->regen;
	GError *err = NULL;
	struct tables *t = session_load(&tmp, path, &err) ? tmp.t : NULL;
	if (!t)
		cmd_fail_error(s, err);
	return t;
}

/* CAPTURE-TYPE-STREAM.FMT in the current folder */
static char *default_output(const struct session *s, const char *type, const char *stream,
                            const char *format)
{
	if (plot_default_output)
		return plot_default_output(s->t->path, type, stream, format);
	const char *name = session_capture_name(s);
	char *base = g_strdup(name ? name : "plot");
	char *dot = strrchr(base, '.');
	if (dot)
		*dot = 0;
	char *out = stream ? g_strdup_printf("%s-%s-%s.%s", base, type, stream, format)
	                   : g_strdup_printf("%s-%s.%s", base, type, format);
	g_free(base);
	return out;
}

static int render(struct session *s, const struct plot_type *pt, const char *stream,
                  struct plot_spec *spec)
{
	const char *fmt = cmd_opt(s, "format");
	char *out = cmd_opt(s, "output") ? g_strdup(cmd_opt(s, "output"))
	                                  : default_output(s, pt->name, stream, fmt ? fmt : s->cfg.plot_format);
	if (cmd_opt(s, "title")) {
		g_free(spec->title);
		spec->title = g_strdup(cmd_opt(s, "title"));
	}
	struct render_opts ro = { .output = out, .format = fmt, .gnuplot = s->cfg.gnuplot,
	                          .script_path = cmd_opt(s, "script"), .display = cmd_flag(s, "display") };
	GError *err = NULL;
	int rc = 0;
	if (!plot_render(spec, &ro, &err))
		rc = cmd_fail_error(s, err);
	else
		printf("wrote %s\n", out);
	g_free(out);
	return rc;
}

static int cmd_plot(struct session *s, int argc, char **argv)
{
	if (!plots_available())
		return no_plots(s);
	const struct plot_type *pt = plot_type_find(argv[1]);
	if (!pt)
		return cmd_fail(s, "unknown plot type '%s' (see list_available_plots)", argv[1]);
	struct plot_input in = { s->t, NULL };
	int first = 2;
	struct tables *second = NULL;
	if (pt->n_captures == 2) {
		if (argc < 3)
			return cmd_fail(s, "%s needs a second capture (usage: plot %s)", pt->name, pt->usage);
		if (!(second = load_second(s, argv[2])))
			return 1;
		in.t2 = second;
		first = 3;
	}
	struct plot_spec *spec = plot_spec_new(NULL, NULL, NULL);
	/* the stream id, when the first argument is one, names the default output */
	const char *stream = first < argc && g_ascii_isdigit(argv[first][0]) ? argv[first] : NULL;
	GError *err = NULL;
	int rc;
	if (!pt->build(&in, argc - first, argv + first, spec, &err))
		rc = cmd_fail_error(s, err);
	else
		rc = render(s, pt, stream, spec);
	plot_spec_free(spec);
	tables_free(second);
	return rc;
}

static const char *const formats[] = { "png", "svg", "pdf", NULL };
static const struct cmd_option list_opts[] = { OPT_JSON, OPT_END };
static const struct cmd_option plot_opts[] = {
	{ "output", 'o', "FILE", "output file (default: CAPTURE-TYPE-STREAM.FORMAT)", COMP_FILE, NULL },
	{ "title", 0, "T", "plot title", COMP_NONE, NULL },
	{ "format", 0, "FMT", "png, svg or pdf (default: OUT's extension, else the config's plot_format)",
	  COMP_CHOICES, formats },
	{ "display", 0, NULL, "open the plot once written", COMP_NONE, NULL },
	{ "script", 0, "FILE", "also save the gnuplot script (and its data beside it)", COMP_FILE, NULL },
	OPT_END,
};

static const struct command commands[] = {
	{ "list_available_plots", { "lp", NULL }, "list the plot types", "list_available_plots [--json]",
	  list_opts, COMP_NONE, cmd_list_plots, 0, 0, 0 },
	{ "plot", { NULL }, "plot the loaded capture with gnuplot (see list_available_plots)",
	  "plot TYPE ARGS... [-o FILE] [--title T] [--format png|svg|pdf] [--display] [--script FILE]",
	  plot_opts, COMP_PLOT_TYPE, cmd_plot, CMD_NEEDS_CAPTURE | CMD_PASS_UNKNOWN, 1, -1 },
	{ NULL, { NULL }, NULL, NULL, NULL, COMP_NONE, NULL, 0, 0, 0 },
};

bool cmd_plot_register(GError **err)
{
	return register_all(commands, err);
}
