/* sqlite.c - SQLite export: tables packets, tcp_connections, mptcp_connections,
 * subflows, events, with indexes on the stream ids. */
#include "export/export.h"

#include "capture/reader.h"

bool export_sqlite(const struct tables *t, const char *path, GError **err)
{
	(void)t;
	g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: SQLite export is not built yet", path);
	return false;
}
