/* lazylib.c - opens an optional library on first use (see lazylib.h). */
#include "util/lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include "capture/reader.h" /* MPTCPA_ERROR */

enum { OPENED = 1, FAILED = 2 };

/* Opens the library and resolves every name; on failure keeps why.  Kept
 * open for the life of the process (never dlclose'd: its functions may be
 * running on another thread, and GObject types cannot be unregistered). */
static gsize lazylib_open(struct lazylib *l)
{
	dlerror();
	void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		l->error = g_strdup(why ? why : l->soname);
		return FAILED;
	}
	for (size_t i = 0; i < l->n; i++) {
		l->slots[i] = dlsym(h, l->names[i]);
		if (!l->slots[i]) {
			l->error = g_strdup_printf("%s: no function %s", l->soname, l->names[i]);
			return FAILED;
		}
	}
	return OPENED;
}

static gsize lazylib_state(struct lazylib *l)
{
	if (g_once_init_enter(&l->state))
		g_once_init_leave(&l->state, lazylib_open(l));
	return l->state;
}

bool lazylib_ready(struct lazylib *l, GError **err)
{
	if (lazylib_state(l) == OPENED)
		return true;
	g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s needs %s, which cannot be loaded: %s", l->what,
	            l->soname, l->error);
	return false;
}

void *lazylib_fn(struct lazylib *l, size_t i)
{
	if (G_UNLIKELY(lazylib_state(l) != OPENED)) {
		const char *prog = g_get_prgname();
		fprintf(stderr, "%s: %s needs %s, which cannot be loaded: %s\n", prog ? prog : "mptcpanalyzer", l->what,
		        l->soname, l->error);
		abort();
	}
	return l->slots[i];
}
