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
	/* what the series is about (set by the plot type; tests read them) */
	uint32_t stream;        /* tcp.stream it comes from, NO_ROW for totals */
	int dir;                /* destination: 0 towards the Server, 1 towards the Client, -1: n/a */
	const char *role;       /* static string: "data", "reinjection", "dack", "total", a field, ... */
	int point_type;         /* gnuplot point type; 0: the style's default */
	int dash_type;          /* gnuplot dash type; 0: solid */
	double point_size;      /* 0: 0.5 */
};

struct plot_spec {
	char *title, *xlabel, *ylabel;
	bool logscale_y;
	bool si_y;              /* y tick labels with SI prefixes (10 k, 2 M) */
	bool has_xrange;        /* x axis fixed to [xmin, xmax] instead of the data's range */
	double xmin, xmax;
	GPtrArray *series;      /* struct plot_series*, owned */
};

struct plot_spec *plot_spec_new(const char *title, const char *xlabel, const char *ylabel);
/* replaces the title and axis labels (copies) */
void plot_spec_set_text(struct plot_spec *s, const char *title, const char *xlabel, const char *ylabel);
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
	 * name) and fills `out` (from plot_spec_new(NULL, NULL, NULL)): title,
	 * labels, series; false with *err on bad arguments.  Needs no gnuplot. */
	bool (*build)(const struct plot_input *in, int argc, char **argv, struct plot_spec *out,
	              GError **err);
};

/* registry shared by built-in and plugin plot types; false when the name is
 * taken.  The type must outlive the registry (static storage). */
bool plot_type_register(const struct plot_type *pt);
const struct plot_type *plot_type_find(const char *name);
/* NULL-terminated, in registration order */
const struct plot_type **plot_types(size_t *n);
void plot_builtin_register(void); /* idempotent */

struct render_opts {
	const char *output;        /* file name; its extension chooses png, svg or pdf */
	const char *format;        /* overrides the extension when non-NULL */
	const char *gnuplot;       /* gnuplot binary (default "gnuplot") */
	const char *script_path;   /* also save the gnuplot script (its data inline) */
	bool display;              /* open it after rendering */
	int width, height;         /* pixels (PDF: 128 per inch); 0: 1024x640 */
};

/* The complete gnuplot script for `s` (terminal and output from `o`, the data
 * inline as datablocks $s0, $s1, ... one per non-empty series, in order). */
char *plot_script_text(const struct plot_spec *s, const struct render_opts *o);
/* "png", "svg" or "pdf" for o->format or the output's extension; NULL otherwise */
const char *plot_output_format(const struct render_opts *o);
/* default output file in the current folder: "CAPTURE-TYPE-STREAM.FMT", the
 * capture's folders and extension dropped (fmt NULL: png) */
char *plot_default_output(const char *capture, const char *type, const char *stream, const char *fmt);

/* Writes o->output (atomically) with gnuplot run on the script in a temporary
 * file; a missing gnuplot is one error naming the Debian package
 * gnuplot-nox.  With o->display, opens the result (gnuplot's interactive
 * terminal when DISPLAY is set and gnuplot has one, else xdg-open); failing
 * to open it only prints a warning. */
bool plot_render(const struct plot_spec *s, const struct render_opts *o, GError **err);
/* the gnuplot version string, or NULL when gnuplot cannot be run */
char *plot_gnuplot_version(const char *gnuplot);

#endif
