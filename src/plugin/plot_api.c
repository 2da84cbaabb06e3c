/* plot_api.c - the plot half of the plugin ABI: a plugin plot type fills
 * the same struct plot_spec as the built-in types (src/plot/plot.h), which
 * the `plot` command then renders with gnuplot. */
#include "plugin/plugin_private.h"

#include <stdarg.h>

void mpa_plot_labels(mpa_plot *plot, const char *title, const char *xlabel, const char *ylabel)
{
	if (plot)
		plot_spec_set_text(plot->spec, title, xlabel, ylabel);
}

static enum plot_style style_of(enum mpa_style s)
{
	switch (s) {
	case MPA_STYLE_LINES: return PS_LINES;
	case MPA_STYLE_STEPS: return PS_STEPS;
	case MPA_STYLE_IMPULSES: return PS_IMPULSES;
	default: return PS_POINTS;
	}
}

mpa_series *mpa_plot_series(mpa_plot *plot, const char *title, int color, enum mpa_style style)
{
	if (!plot)
		return NULL;
	struct plot_series *se = plot_spec_add_series(plot->spec, title, color, style_of(style));
	se->role = "plugin";
	return (mpa_series *)se;
}

void mpa_series_add(mpa_series *series, double x, double y)
{
	if (series)
		plot_series_add((struct plot_series *)series, x, y);
}

int mpa_plot_error(mpa_plot *plot, const char *fmt, ...)
{
	if (!plot || !fmt)
		return 1;
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_free(plot->error);
	plot->error = g_strdup_printf("%s: %s", plot->type->pt.name, msg);
	g_free(msg);
	return 1;
}
