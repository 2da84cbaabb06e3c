/* csv_load.c - placeholder while being written. */
#include "table/csv_load.h"
#include "capture/reader.h"

struct tables *csv_load(const char *path, GError **err)
{
	g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: not yet", path);
	return NULL;
}
