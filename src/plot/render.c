/* render.c - turns a plot_spec into a gnuplot script (data inline as
 * datablocks) and runs gnuplot as a subprocess fed on a pipe, writing PNG, SVG
 * or PDF atomically; optionally saves the script and opens the result.
 * gnuplot reads the script (data included) from a temporary file. */
#include "plot/plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include "capture/reader.h"
#include "export/export.h"
#include "util/lazylib.h"

#define DEFAULT_WIDTH 1024
#define DEFAULT_HEIGHT 640
#define PDF_PIXELS_PER_INCH 128.0
#define GNUPLOT_PACKAGE "gnuplot-nox"

/* colour of subflow rank i (colour-blind friendly, distinct on white) */
static const char *const palette[] = {
	"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c564b", "#7f7f7f",
};

static const char *series_rgb(int color)
{
	if (color < 0)
		return "#000000"; /* totals, connection-wide lines */
	return palette[color % (int)G_N_ELEMENTS(palette)];
}

/* ------------------------------------------------------------------ script text */
/* (data inline as datablocks: one file to hand over, to save with --script
 * and to tune by hand) */

/* shortest of %.15g / %.17g that reads back to the same double */
static void append_number(GString *o, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	if (!isfinite(v)) {
		g_string_append(o, "NaN");
		return;
	}
	g_ascii_formatd(buf, sizeof buf, "%.15g", v);
	if (g_ascii_strtod(buf, NULL) != v)
		g_ascii_formatd(buf, sizeof buf, "%.17g", v);
	g_string_append(o, buf);
}

/* a file name as a gnuplot single-quoted string: only the quote itself needs
 * doubling */
static void append_quoted(GString *o, const char *s)
{
	g_string_append_c(o, '\'');
	for (const char *c = s ? s : ""; *c; c++) {
		if (*c == '\'')
			g_string_append_c(o, '\'');
		if (*c != '\n' && *c != '\r')
			g_string_append_c(o, *c);
	}
	g_string_append_c(o, '\'');
}

/* text shown on the figure: a double-quoted string, so that a newline in a
 * title breaks the line ("\n"); backslashes and quotes are escaped */
static void append_text(GString *o, const char *s)
{
	g_string_append_c(o, '"');
	for (const char *c = s ? s : ""; *c; c++) {
		if (*c == '\n')
			g_string_append(o, "\\n");
		else if (*c == '\r' || *c == '\t')
			g_string_append_c(o, ' ');
		else {
			if (*c == '"' || *c == '\\')
				g_string_append_c(o, '\\');
			g_string_append_c(o, *c);
		}
	}
	g_string_append_c(o, '"');
}

static void append_set_text(GString *o, const char *what, const char *value)
{
	if (!value || !*value)
		return;
	g_string_append_printf(o, "set %s ", what);
	append_text(o, value);
	g_string_append_c(o, '\n');
}

const char *plot_output_format(const struct render_opts *o)
{
	static const char *const known[] = { "png", "svg", "pdf" };
	const char *f = o->format;
	if (!f && o->output) {
		const char *dot = strrchr(o->output, '.');
		const char *slash = strrchr(o->output, '/');
		if (dot && (!slash || dot > slash))
			f = dot + 1;
	}
	for (size_t i = 0; f && i < G_N_ELEMENTS(known); i++)
		if (g_ascii_strcasecmp(f, known[i]) == 0)
			return known[i];
	return NULL;
}

/* the terminal for a file format; pngcairo when gnuplot has it, else png */
static void append_terminal(GString *o, const char *fmt, int w, int h)
{
	int font = w < 1000 ? 9 : 10; /* long legends must fit small figures */
	if (strcmp(fmt, "png") == 0) {
		g_string_append_printf(o,
			"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
			"    set terminal pngcairo size %d,%d noenhanced font 'Sans,%d'\n"
			"} else {\n"
			"    set terminal png size %d,%d noenhanced\n"
			"}\n", w, h, font, w, h);
	} else if (strcmp(fmt, "svg") == 0) {
		g_string_append_printf(o, "set terminal svg size %d,%d noenhanced font 'Sans,12' "
		                          "background '#ffffff'\n", w, h);
	} else {
		char wi[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE];
		g_ascii_formatd(wi, sizeof wi, "%.2f", w / PDF_PIXELS_PER_INCH);
		g_ascii_formatd(hi, sizeof hi, "%.2f", h / PDF_PIXELS_PER_INCH);
		g_string_append_printf(o, "set terminal pdfcairo size %sin,%sin noenhanced font 'Sans,7'\n", wi, hi);
	}
}

static bool series_empty(const struct plot_series *se)
{
	return se->x->len == 0;
}

static void append_datablock(GString *o, const struct plot_series *se, guint block)
{
	/* the legend as a comment, on one line (a trailing backslash would
	 * continue it onto the next) */
	g_string_append(o, "# ");
	for (const char *c = se->title ? se->title : ""; *c; c++)
		g_string_append_c(o, *c == '\n' || *c == '\r' || *c == '\\' ? ' ' : *c);
	g_string_append_printf(o, "\n$s%u << EOD\n", block);
	bool seg = se->style == PS_SEGMENTS && se->x2;
	for (guint i = 0; i < se->x->len; i++) {
		append_number(o, g_array_index(se->x, double, i));
		g_string_append_c(o, ' ');
		append_number(o, g_array_index(se->y, double, i));
		if (seg) {
			g_string_append_c(o, ' ');
			append_number(o, g_array_index(se->x2, double, i));
			g_string_append_c(o, ' ');
			append_number(o, g_array_index(se->y2, double, i));
		}
		g_string_append_c(o, '\n');
	}
	g_string_append(o, "EOD\n");
}

static void append_style(GString *o, const struct plot_series *se)
{
	switch (se->style) {
	case PS_POINTS:
		g_string_append_printf(o, "using 1:2 with points pt %d ps ", se->point_type ? se->point_type : 7);
		append_number(o, se->point_size > 0 ? se->point_size : 0.5);
		break;
	case PS_LINES:
		g_string_append(o, "using 1:2 with lines lw 1.5");
		break;
	case PS_STEPS:
		g_string_append(o, "using 1:2 with steps lw 1.5");
		break;
	case PS_IMPULSES:
		g_string_append(o, "using 1:2 with impulses lw 2");
		break;
	case PS_SEGMENTS:
		g_string_append(o, se->x2 ? "using 1:2:($3-$1):($4-$2) with vectors nohead lw 2"
		                          : "using 1:2 with points pt 7 ps 0.5");
		break;
	}
	if (se->dash_type && se->style != PS_POINTS)
		g_string_append_printf(o, " dt %d", se->dash_type);
	g_string_append_printf(o, " lc rgb '%s' title ", series_rgb(se->color));
	append_text(o, se->title ? se->title : "");
}

static void append_axes(GString *o, const struct plot_spec *s)
{
	g_string_append(o, "set encoding utf8\n");
	append_set_text(o, "title", s->title);
	append_set_text(o, "xlabel", s->xlabel);
	append_set_text(o, "ylabel", s->ylabel);
	/* "height 2": gnuplot underestimates the room of a key below the x label */
	g_string_append(o, "set grid\nset key below left Left reverse samplen 2 height 2\nset format x '%g'\n");
	if (s->si_y)
		g_string_append(o, "set format y '%.1s %c'\n");
	if (s->logscale_y)
		g_string_append(o, "set logscale y\n");
	if (s->has_xrange && s->xmax > s->xmin) {
		g_string_append(o, "set xrange [");
		append_number(o, s->xmin);
		g_string_append_c(o, ':');
		append_number(o, s->xmax);
		g_string_append(o, "]\n");
	}
}

static void append_plot(GString *o, const struct plot_spec *s)
{
	guint block = 0;
	for (guint i = 0; i < s->series->len; i++) {
		const struct plot_series *se = g_ptr_array_index(s->series, i);
		if (!series_empty(se))
			append_datablock(o, se, block++);
	}
	if (block == 0) {
		/* gnuplot refuses to autoscale nothing: give it ranges */
		g_string_append(o, "set label 1 'no data to plot' at graph 0.5,0.5 center\n");
		g_string_append(o, s->has_xrange && s->xmax > s->xmin ? "plot [] [0:1] NaN notitle\n"
		                                                       : "plot [0:1] [0:1] NaN notitle\n");
		return;
	}
	g_string_append(o, "plot ");
	block = 0;
	for (guint i = 0; i < s->series->len; i++) {
		const struct plot_series *se = g_ptr_array_index(s->series, i);
		if (series_empty(se))
			continue;
		if (block)
			g_string_append(o, ", \\\n     ");
		g_string_append_printf(o, "$s%u ", block++);
		append_style(o, se);
	}
	g_string_append_c(o, '\n');
}

/* the script; `terminal` false leaves gnuplot's default (interactive) terminal */
static char *build_script(const struct plot_spec *s, const struct render_opts *o, const char *output,
                          bool terminal)
{
	GString *g = g_string_new("# gnuplot script written by mptcpanalyzer; run: gnuplot THIS_FILE\n");
	int w = o->width > 0 ? o->width : DEFAULT_WIDTH, h = o->height > 0 ? o->height : DEFAULT_HEIGHT;
	const char *fmt = plot_output_format(o);
	if (terminal) {
		append_terminal(g, fmt ? fmt : "png", w, h);
		g_string_append(g, "set output ");
		append_quoted(g, output);
		g_string_append_c(g, '\n');
	}
	append_axes(g, s);
	append_plot(g, s);
	if (terminal)
		g_string_append(g, "unset output\n");
	return g_string_free(g, FALSE);
}

char *plot_script_text(const struct plot_spec *s, const struct render_opts *o)
{
	return build_script(s, o, o->output, true);
}

/* ------------------------------------------------------------------ running gnuplot */

static const char *gnuplot_of(const struct render_opts *o)
{
	return o->gnuplot && *o->gnuplot ? o->gnuplot : "gnuplot";
}

static void set_not_found(GError **err, const char *gnuplot, const char *why)
{
	g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN,
	            "cannot run gnuplot '%s' (%s): install it (Debian package %s: apt install %s) "
	            "or set gnuplot_binary", gnuplot, why, GNUPLOT_PACKAGE, GNUPLOT_PACKAGE);
}

/* the first lines of gnuplot's complaints, for an error message */
static char *first_lines(const char *text, int n)
{
	GString *o = g_string_new(NULL);
	const char *p = text ? text : "";
	for (int i = 0; i < n && *p; i++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len) {
			if (o->len)
				g_string_append(o, " / ");
			g_string_append_len(o, p, (gssize)len);
		}
		p = nl ? nl + 1 : p + len;
	}
	g_strstrip(o->str);
	return g_string_free(o, FALSE);
}

/* the script in a temporary file: a gnuplot that dies early cannot break a
 * pipe under us (SIGPIPE), and its error messages name the line */
static char *script_tmp_file(const char *script, GError **err)
{
	char *path = NULL;
	int fd = g_file_open_tmp("mptcpanalyzer-plot-XXXXXX.gp", &path, err);
	if (fd < 0)
		return NULL;
	close(fd);
	if (!g_file_set_contents(path, script, -1, err)) {
		g_unlink(path);
		g_free(path);
		return NULL;
	}
	return path;
}

/* runs `gnuplot [extra_arg] SCRIPT_FILE`; *err_text gets its stderr */
static bool run_gnuplot(const char *gnuplot, const char *extra_arg, const char *script, char **err_text,
                        GError **err)
{
	if (err_text)
		*err_text = NULL;
	if (!lazylib_ready(&lazy_gio, err))
		return false;
	char *file = script_tmp_file(script, err);
	if (!file)
		return false;
	const char *argv[] = { gnuplot, extra_arg ? extra_arg : file, extra_arg ? file : NULL, NULL };
	GError *e = NULL;
	GSubprocess *p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
	                                   G_SUBPROCESS_FLAGS_STDERR_PIPE, &e);
	if (!p) {
		set_not_found(err, gnuplot, e->message);
		g_error_free(e);
		g_unlink(file);
		g_free(file);
		return false;
	}
	GBytes *errb = NULL;
	bool ok = g_subprocess_communicate(p, NULL, NULL, NULL, &errb, &e);
	g_unlink(file);
	g_free(file);
	if (!ok) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "gnuplot '%s': %s", gnuplot, e->message);
		g_error_free(e);
		g_object_unref(p);
		return false;
	}
	gsize n = 0;
	const char *data = errb ? g_bytes_get_data(errb, &n) : NULL;
	char *text = g_strndup(data ? data : "", n);
	if (errb)
		g_bytes_unref(errb);
	ok = g_subprocess_get_if_exited(p) && g_subprocess_get_exit_status(p) == 0;
	if (!ok) {
		char *msg = first_lines(text, 4);
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "gnuplot '%s' failed%s%s", gnuplot,
		            *msg ? ": " : "", msg);
		g_free(msg);
	}
	if (err_text)
		*err_text = text;
	else
		g_free(text);
	g_object_unref(p);
	return ok;
}

char *plot_gnuplot_version(const char *gnuplot)
{
	const char *argv[] = { gnuplot && *gnuplot ? gnuplot : "gnuplot", "--version", NULL };
	char *out = NULL;
	if (!lazylib_ready(&lazy_gio, NULL))
		return NULL;
	GSubprocess *p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);
	if (!p)
		return NULL;
	if (!g_subprocess_communicate_utf8(p, NULL, NULL, &out, NULL, NULL) || !g_subprocess_get_if_exited(p) ||
	    g_subprocess_get_exit_status(p) != 0 || !out || !g_str_has_prefix(out, "gnuplot")) {
		g_free(out);
		out = NULL;
	} else {
		g_strstrip(out);
	}
	g_object_unref(p);
	return out;
}

/* ------------------------------------------------------------------ checking the result */

static bool output_looks_right(const char *path, const char *fmt, GError **err)
{
	char *data = NULL;
	gsize len = 0;
	bool ok = g_file_get_contents(path, &data, &len, NULL);
	if (ok && strcmp(fmt, "png") == 0)
		ok = len >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0;
	else if (ok && strcmp(fmt, "pdf") == 0)
		ok = len >= 5 && memcmp(data, "%PDF-", 5) == 0;
	else if (ok)
		ok = len > 0 && g_strstr_len(data, (gssize)MIN(len, 4096), "<svg") != NULL;
	if (!ok)
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN,
		            "gnuplot wrote no valid %s (does it have the %s terminal?)", fmt,
		            strcmp(fmt, "pdf") == 0 ? "pdfcairo" : fmt);
	g_free(data);
	return ok;
}

static bool save_script(const char *path, const char *script, GError **err)
{
	struct atomic_file af;
	if (!atomic_open(&af, path, err))
		return false;
	fputs(script, af.fp);
	fchmod(fileno(af.fp), 0644); /* mkstemp made it 0600 */
	return atomic_commit(&af, err);
}

/* ------------------------------------------------------------------ display */

static bool gnuplot_has_interactive(const char *gnuplot)
{
	char *text = NULL;
	if (!run_gnuplot(gnuplot, NULL, "print GPVAL_TERMINALS\n", &text, NULL)) {
		g_free(text);
		return false;
	}
	char *padded = g_strdup_printf(" %s ", g_strstrip(text));
	bool yes = strstr(padded, " qt ") || strstr(padded, " wxt ") || strstr(padded, " x11 ");
	g_free(padded);
	g_free(text);
	return yes;
}

static bool open_with_xdg(const char *path, GError **err)
{
	const char *argv[] = { "xdg-open", path, NULL };
	if (!lazylib_ready(&lazy_gio, err))
		return false;
	GSubprocess *p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, err);
	if (!p)
		return false;
	g_object_unref(p); /* not waited for: the viewer lives on */
	return true;
}

/* best effort: the file is written already, so failing here is a warning */
static void display(const struct plot_spec *s, const struct render_opts *o)
{
	const char *gp = gnuplot_of(o);
	GError *e = NULL;
	const char *disp = g_getenv("DISPLAY"), *wl = g_getenv("WAYLAND_DISPLAY");
	if (((disp && *disp) || (wl && *wl)) && gnuplot_has_interactive(gp)) {
		char *script = build_script(s, o, NULL, false);
		bool ok = run_gnuplot(gp, "-persist", script, NULL, &e);
		g_free(script);
		if (ok)
			return;
		g_clear_error(&e);
	}
	if (!open_with_xdg(o->output, &e)) {
		g_printerr("cannot open %s: %s (install xdg-utils, or open the file yourself)\n", o->output,
		           e ? e->message : "xdg-open failed");
		g_clear_error(&e);
	}
}

/* ------------------------------------------------------------------ render */

bool plot_render(const struct plot_spec *s, const struct render_opts *o, GError **err)
{
	if (!o->output || !*o->output) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "no output file name");
		return false;
	}
	const char *fmt = plot_output_format(o);
	if (!fmt) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE,
		            "cannot tell the plot format of '%s': use a .png, .svg or .pdf name (or --format)",
		            o->output);
		return false;
	}
	struct atomic_file af;
	if (!atomic_open(&af, o->output, err))
		return false;
	char *script = build_script(s, o, af.tmp, true);
	bool ok = run_gnuplot(gnuplot_of(o), NULL, script, NULL, err) && output_looks_right(af.tmp, fmt, err);
	g_free(script);
	if (!ok) {
		atomic_abort(&af);
		return false;
	}
	fchmod(fileno(af.fp), 0644); /* mkstemp made it 0600 */
	if (!atomic_commit(&af, err))
		return false;
	if (o->script_path) {
		char *saved = build_script(s, o, o->output, true);
		ok = save_script(o->script_path, saved, err);
		g_free(saved);
		if (!ok)
			return false;
	}
	if (o->display)
		display(s, o);
	return true;
}
