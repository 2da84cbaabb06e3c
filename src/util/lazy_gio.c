/* lazy_gio.c - GIO's GSubprocess, opened on first use (see lazylib.h): only
 * plots run a program (gnuplot). */
#include <gio/gio.h>
#include "config.h"
#include "util/lazylib.h"

#define GIO_FUNCS(X, V, D) \
	X(GSubprocess *, g_subprocess_newv, (const gchar *const *argv, GSubprocessFlags flags, GError **error), \
	  (argv, flags, error)) \
	X(gboolean, g_subprocess_communicate, \
	  (GSubprocess *p, GBytes *in, GCancellable *c, GBytes **out, GBytes **err, GError **error), \
	  (p, in, c, out, err, error)) \
	X(gboolean, g_subprocess_communicate_utf8, \
	  (GSubprocess *p, const char *in, GCancellable *c, char **out, char **err, GError **error), \
	  (p, in, c, out, err, error)) \
	X(gboolean, g_subprocess_get_if_exited, (GSubprocess *p), (p)) \
	X(gint, g_subprocess_get_exit_status, (GSubprocess *p), (p))

LAZYLIB_DEFINE(lazy_gio, GIO_FUNCS, LAZY_SONAME_GIO, "running gnuplot")
