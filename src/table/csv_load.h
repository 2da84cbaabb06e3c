/* csv_load.h - rebuilds the tables from a CSV written by mptcpexporter. */
#ifndef MPTCPA_CSV_LOAD_H
#define MPTCPA_CSV_LOAD_H

#include <glib.h>
#include "table/tables.h"

struct tables *csv_load(const char *path, GError **err);

#endif
