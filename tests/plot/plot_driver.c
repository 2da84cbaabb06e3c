/* plot_driver.c - renders one plot with the core as a library, for tests and
 * for the README figures:
 *
 *   plot_driver [-o OUT] [--script FILE] [--gnuplot BIN] [--size WxH]
 *               [--title T] [--format png|svg|pdf] [--display] CAPTURE TYPE ARGS...
 *
 * Prints the path it wrote; one message and status 1 on any error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plot/plot.h"
#include "table/load.h"

struct driver_opts {
	const char *output, *script, *gnuplot, *title, *format;
	int width, height;
	bool display;
};

/* the driver's own options, before CAPTURE; returns the index of CAPTURE */
static int parse_opts(int argc, char **argv, struct driver_opts *o)
{
	int i = 1;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];
		if (strcmp(a, "--display") == 0) {
			o->display = true;
			i--;
			continue;
		}
		if (strcmp(a, "-o") == 0)
			o->output = v;
		else if (strcmp(a, "--script") == 0)
			o->script = v;
		else if (strcmp(a, "--gnuplot") == 0)
			o->gnuplot = v;
		else if (strcmp(a, "--title") == 0)
			o->title = v;
		else if (strcmp(a, "--format") == 0)
			o->format = v;
		else if (strcmp(a, "--size") == 0 && sscanf(v, "%dx%d", &o->width, &o->height) == 2)
			continue;
		else
			return -1;
	}
	return argc - i >= 2 ? i : -1;
}

int main(int argc, char **argv)
{
	struct driver_opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0) {
		fprintf(stderr, "usage: %s [-o OUT] [--script FILE] [--gnuplot BIN] [--size WxH] [--title T] "
		                "[--format F] [--display] CAPTURE TYPE ARGS...\n", argv[0]);
		return 2;
	}
	plot_builtin_register();
	const struct plot_type *pt = plot_type_find(argv[first + 1]);
	if (!pt) {
		fprintf(stderr, "unknown plot type '%s'\n", argv[first + 1]);
		return 1;
	}
	GError *err = NULL;
	struct tables *t = capture_load(argv[first], NULL, NULL, &err);
	struct plot_spec *s = plot_spec_new(NULL, NULL, NULL);
	struct plot_input in = { t, NULL };
	char *out = o.output ? g_strdup(o.output)
	                     : plot_default_output(argv[first], pt->name, first + 2 < argc ? argv[first + 2] : NULL,
	                                           o.format);
	struct render_opts ro = { .output = out, .format = o.format, .gnuplot = o.gnuplot,
	                          .script_path = o.script, .width = o.width, .height = o.height,
	                          .display = o.display };
	bool ok = t && pt->build(&in, argc - first - 2, argv + first + 2, s, &err);
	if (ok && o.title)
		plot_spec_set_text(s, o.title, s->xlabel, s->ylabel);
	ok = ok && plot_render(s, &ro, &err);
	if (ok)
		printf("%s\n", out);
	else
		fprintf(stderr, "%s\n", err->message);
	g_clear_error(&err);
	g_free(out);
	plot_spec_free(s);
	if (t)
		tables_free(t);
	return ok ? 0 : 1;
}
