/* columns.h - the per-packet export columns (CSV, TSV, JSON lines, SQLite).
 *
 * One table names every column with the original Python tool's short name,
 * the tshark field it means, its SQL type, and the function that formats it.
 * Exporters, the CSV loader and field completion all read this table. */
#ifndef MPTCPA_COLUMNS_H
#define MPTCPA_COLUMNS_H

#include <glib.h>
#include "table/tables.h"

enum col_type { COL_INT, COL_REAL, COL_TEXT };

/* Appends the value of one column for packet `row` to `out`; appends nothing
 * for an empty value.  Lists are comma-separated. */
typedef void (*col_format_fn)(const struct tables *t, uint32_t row, GString *out);

struct column {
	const char *name;        /* short name (header by default) */
	const char *tshark;      /* tshark field of the same meaning */
	enum col_type type;
	bool is_list;            /* may hold several comma-separated values */
	col_format_fn format;
	const char *help;
};

const struct column *columns_all(size_t *n);
const struct column *column_find(const char *name); /* short or tshark name */

/* Parses "a,b,c" into column pointers; NULL with *err on an unknown name. */
GPtrArray *columns_parse(const char *list, GError **err);
/* All columns, in table order. */
GPtrArray *columns_default(void);

#endif
