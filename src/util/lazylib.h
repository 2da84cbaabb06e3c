/* lazylib.h - optional libraries, opened on first use.
 *
 * json-glib (with GIO), GIO's GSubprocess, SQLite and readline serve only
 * some commands (--json, plots, SQL export, the interactive prompt), yet a
 * program linked with them maps them and runs their constructors at every
 * start: 1.8 of the 3.6 ms mptcpanalyzer took to print its version here.  So
 * the programs are not linked with them.  The functions they use are defined
 * in lazy_*.c instead, with the libraries' names and prototypes (from their
 * headers), as forwarders: the first call opens the library (dlopen, by the
 * soname of the library built against) and every call jumps to the real
 * function.  The forwarders are hidden: a plugin linked with one of these
 * libraries gets the real one.
 *
 * A caller that can fail cleanly asks lazylib_ready() first and reports its
 * error; a forwarder called when its library cannot be opened aborts, naming
 * the library (an installation missing a package).  Adding a function: add
 * it to the list of its lazy_*.c file. */
#ifndef MPTCPA_LAZYLIB_H
#define MPTCPA_LAZYLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

struct lazylib {
	const char *soname;       /* from the build (LAZY_SONAME_*, src/meson.build) */
	const char *what;         /* what needs it, for the error: "JSON output" */
	const char *const *names; /* the functions forwarded */
	void **slots;             /* their addresses, in the order of names */
	size_t n;
	gsize state;              /* 0: not tried; else 1 opened or 2 failed (g_once) */
	char *error;              /* why it failed */
};

/* true once the library is open with every function resolved; otherwise
 * false with an error that names the library and what needs it */
bool lazylib_ready(struct lazylib *l, GError **err);

/* the address of function i, opening the library if needed; aborts when it
 * cannot be opened (for the forwarders) */
void *lazylib_fn(struct lazylib *l, size_t i);

/* The libraries the programs use this way (defined in lazy_*.c). */
extern struct lazylib lazy_json;     /* json-glib: --json output */
extern struct lazylib lazy_gio;      /* GIO: GSubprocess, to run gnuplot */
extern struct lazylib lazy_sqlite;   /* SQLite: export to .sqlite/.db */
extern struct lazylib lazy_readline; /* GNU readline: the interactive prompt */

/* Defines `struct lazylib var` (soname, what needs it) and the forwarders of
 * the symbols LIST names: LIST(X, V, D) lists them as
 *   X(return type, name, (parameters), (arguments))   a function returning a value
 *   V(name, (parameters), (arguments))                a function returning void
 *   D(name)                                           a variable (no forwarder:
 *                                                     lazylib_fn gives its address)
 * and LAZY_FN_name is each one's index for lazylib_fn. */
#define LAZYLIB_DEFINE(var, LIST, soname, what) \
	enum { LIST(LAZY_ENUM_X, LAZY_ENUM_V, LAZY_ENUM_D) LAZY_N_SYMBOLS }; \
	static const char *const lazy_names[] = { LIST(LAZY_NAME_X, LAZY_NAME_V, LAZY_NAME_D) }; \
	static void *lazy_slots[LAZY_N_SYMBOLS]; \
	struct lazylib var = { soname, what, lazy_names, lazy_slots, LAZY_N_SYMBOLS, 0, NULL }; \
	static struct lazylib *const lazy_this = &var; \
	LIST(LAZY_FORWARD_X, LAZY_FORWARD_V, LAZY_NOTHING_D)

#define LAZY_ENUM_X(ret, name, params, args) LAZY_FN_##name,
#define LAZY_ENUM_V(name, params, args) LAZY_FN_##name,
#define LAZY_ENUM_D(name) LAZY_FN_##name,
#define LAZY_NAME_X(ret, name, params, args) #name,
#define LAZY_NAME_V(name, params, args) #name,
#define LAZY_NAME_D(name) #name,
#define LAZY_NOTHING_D(name)
#define LAZY_FORWARD_X(ret, name, params, args) \
	G_GNUC_INTERNAL ret name params \
	{ \
		ret (*real) params = (ret (*) params)lazylib_fn(lazy_this, LAZY_FN_##name); \
		return real args; \
	}
#define LAZY_FORWARD_V(name, params, args) \
	G_GNUC_INTERNAL void name params \
	{ \
		void (*real) params = (void (*) params)lazylib_fn(lazy_this, LAZY_FN_##name); \
		real args; \
	}

#endif
