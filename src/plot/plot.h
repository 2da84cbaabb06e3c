/* plot.h - plot types and rendering.
 *
 * A plot type turns the loaded tables (and its own arguments) into a
 * `struct plot_spec`: titled series of (x, y) points.  plot_render() hands the
 * series to gnuplot (run as a subprocess) and writes PNG, SVG or PDF.  Built-in
 * plot types and plugin plot types register the same way. */
#ifndef MPTCPA_PLOT_H
#define MPTCPA_PLOT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "table/tables.h"

enum plot_style { PS_POINTS, PS_LINES, PS_STEPS, PS_IMPULSES, PS_SEGMENTS };

struct plot_series {
	char *title;            /* legend: subflow 4-tuple and address id, ... */
	int color;              /* stable colour index: the subflow's rank in its connection */
	enum plot_style style;
	GArray *x, *y;          /* double; for PS_SEGMENTS also x2, y2 */
	GArray *x2, *y2;
};

struct plot_spec {
	char *title, *xlabel, *ylabel;
	bool logscale_y;
	GPtrArray *series;      /* struct plot_series*, owned */
};

struct plot_spec *plot_spec_new(const char *title, const char *xlabel, const char *ylabel);
struct plot_series *plot_spec_add_series(struct plot_spec *s, const char *title, int color,
                                         enum plot_style style);
void plot_series_add(struct plot_series *se, double x, double y);
void plot_series_add_segment(struct plot_series *se, double x, double y, double x2, double y2);
void plot_spec_free(struct plot_spec *s);

/* One or two loaded captures: most plots use one; owd/mptcp_gput use two. */
struct plot_input {
	const struct tables *t;
	const struct tables *t2;   /* NULL unless the plot type needs two captures */
};

struct plot_type {
	const char *name;          /* "dsn", "tcp_tput", ... */
	const char *summary;       /* one line for list_available_plots */
	const char *usage;         /* "dsn STREAM [--dest Client|Server] [--dack]" */
	int n_captures;            /* 1, or 2 for owd / mptcp_gput */
	/* parses its own arguments (argv[0] is the first argument after the type
	 * name) and fills `out`; false with *err on bad arguments */
	bool (*build)(const struct plot_input *in, int argc, char **argv, struct plot_spec *out,
	              GError **err);
};

/* registry shared by built-in and plugin plot types; false when the name is taken */
bool plot_type_register(const struct plot_type *pt);
const struct plot_type *plot_type_find(const char *name);
/* NULL-terminated, in registration order */
const struct plot_type **plot_types(size_t *n);
void plot_builtin_register(void);

struct render_opts {
	const char *output;        /* file name; its extension chooses png, svg or pdf */
	const char *format;        /* overrides the extension when non-NULL */
	const char *gnuplot;       /* gnuplot binary (default "gnuplot") */
	const char *script_path;   /* also save the gnuplot script (and data beside it) */
	bool display;              /* open it after rendering */
};

bool plot_render(const struct plot_spec *s, const struct render_opts *o, GError **err);
/* the gnuplot version string, or NULL when gnuplot cannot be run */
char *plot_gnuplot_version(const char *gnuplot);

#endif
