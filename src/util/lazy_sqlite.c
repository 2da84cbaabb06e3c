/* lazy_sqlite.c - SQLite, opened on first use (see lazylib.h): only an
 * export to .sqlite or .db needs it. */
#include <sqlite3.h>
#include "config.h"
#include "util/lazylib.h"

#define SQLITE_FUNCS(X, V, D) \
	X(int, sqlite3_open_v2, (const char *file, sqlite3 **db, int flags, const char *vfs), (file, db, flags, vfs)) \
	X(int, sqlite3_close, (sqlite3 *db), (db)) \
	X(int, sqlite3_exec, \
	  (sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **), void *arg, char **errmsg), \
	  (db, sql, cb, arg, errmsg)) \
	X(int, sqlite3_prepare_v2, (sqlite3 *db, const char *sql, int n, sqlite3_stmt **st, const char **tail), \
	  (db, sql, n, st, tail)) \
	X(int, sqlite3_step, (sqlite3_stmt *st), (st)) \
	X(int, sqlite3_reset, (sqlite3_stmt *st), (st)) \
	X(int, sqlite3_clear_bindings, (sqlite3_stmt *st), (st)) \
	X(int, sqlite3_finalize, (sqlite3_stmt *st), (st)) \
	X(int, sqlite3_bind_int, (sqlite3_stmt *st, int i, int v), (st, i, v)) \
	X(int, sqlite3_bind_int64, (sqlite3_stmt *st, int i, sqlite3_int64 v), (st, i, v)) \
	X(int, sqlite3_bind_double, (sqlite3_stmt *st, int i, double v), (st, i, v)) \
	X(int, sqlite3_bind_text, (sqlite3_stmt *st, int i, const char *v, int n, void (*free_fn)(void *)), \
	  (st, i, v, n, free_fn)) \
	X(const char *, sqlite3_errmsg, (sqlite3 *db), (db)) \
	X(const char *, sqlite3_errstr, (int rc), (rc)) \
	X(const char *, sqlite3_libversion, (void), ())

LAZYLIB_DEFINE(lazy_sqlite, SQLITE_FUNCS, LAZY_SONAME_SQLITE, "SQLite export")
