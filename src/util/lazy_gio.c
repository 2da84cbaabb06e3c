/* lazy_gio.c - GIO's GSubprocess, opened on first use (see lazylib.h): only
 * plots run a program (gnuplot). */
#include <gio/gio.h>
#include "config.h"
#include "util/lazylib.h"

#define GIO_FUNCS(X, V) \
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

enum { GIO_FUNCS(LAZY_ENUM_X, LAZY_ENUM_V) N_FUNCS };
static const char *const names[] = { GIO_FUNCS(LAZY_NAME_X, LAZY_NAME_V) };
static void *slots[N_FUNCS];

struct lazylib lazy_gio = { LAZY_SONAME_GIO, "running gnuplot", names, slots, N_FUNCS, 0, NULL };

#define FORWARD_X(ret, name, params, args) LAZY_FORWARD_X(lazy_gio, ret, name, params, args)
#define FORWARD_V(name, params, args) LAZY_FORWARD_V(lazy_gio, name, params, args)
GIO_FUNCS(FORWARD_X, FORWARD_V)
