/* columns.h - the per-packet export columns (CSV, TSV, JSON lines, SQLite).
 *
 * One table names every column with the original Python tool's short name,
 * the tshark field it means, its SQL type, and the function that formats it.
 * Exporters, the CSV loader and field completion all read this table. */
#ifndef MPTCPA_COLUMNS_H
#define MPTCPA_COLUMNS_H

#include <glib.h>
#include "export/format.h"
#include "table/tables.h"

enum col_type { COL_INT, COL_REAL, COL_TEXT };

/* One packet row as the columns see it: what every column would otherwise
 * look up again (its stream, connection, and options with the inline DSS
 * rebuilt), worked out once per row by row_ctx_init. */
struct row_ctx {
	const struct tables *t;
	uint32_t row;
	const struct pkt *p;
	const struct tcp_conn *c;
	const struct mptcp_conn *m;       /* NULL: plain TCP */
	GHashTable *reinjected_in;        /* frame -> GArray of later frames; NULL: scan the links */
	struct pkt_opts opts;             /* iterator after the first option */
	const struct mptcp_option *first_opt;
	/* from one pass over the options: most rows carry one DSS, and a column
	 * of another option is then a bit test instead of a walk */
	uint32_t subtypes;                /* bit s: a well-formed option of subtype s */
	const struct mptcp_dss *dss;      /* the first well-formed DSS, NULL: none */
};

/* `reinjected_in`: see reinjected_in_map (t->reinjected_in wins when set).
 * The context points into itself (an inline DSS): it is not copied. */
void row_ctx_init(struct row_ctx *r, const struct tables *t, uint32_t row, GHashTable *reinjected_in);

/* frame -> GArray of the frames of the later packets that repeat it (from
 * t->links): built once per export, so that a row finds them without a scan */
GHashTable *reinjected_in_map(const struct tables *t);
/* adds one link to such a map (links in t->links order keep each list sorted) */
void reinjected_in_add(GHashTable *map, const struct link *l);

/* Writes the value of one column for the row at the cursor, which has room
 * for COLUMN_ROOM bytes (a list makes room for each further value); writes
 * nothing for an empty value.  Lists are comma-separated. */
typedef void (*col_format_fn)(const struct row_ctx *r, struct cursor *out);
#define COLUMN_ROOM (FMT_ROOM + 1)
/* The bytes a value is made of: digits, times, addresses, hex flags, Client
 * and Server, '?' (an unknown address); a comma only between the values of a
 * list, counted in cursor.splits. */
#define COLUMN_VALUE_BYTES "0123456789.-:abcdefx?ClientSrv,"

struct column {
	const char *name;        /* short name (header by default) */
	const char *tshark;      /* tshark field of the same meaning */
	enum col_type type;
	bool is_list;            /* may hold several comma-separated values */
	col_format_fn format;
	const char *help;
};

/* the default columns' values for the row, separated by `sep` (what the
 * table's functions write, one call per row) */
void columns_write_default(const struct row_ctx *r, struct cursor *out, char sep);
/* appends one column's value for the row to `out` */
void column_append(const struct column *c, const struct row_ctx *r, GString *out);
/* one value of one row, for callers that format few (plots, tests) */
void column_format_row(const struct column *c, const struct tables *t, uint32_t row, GString *out);

const struct column *columns_all(size_t *n);
const struct column *column_find(const char *name); /* short or tshark name */

/* Parses "a,b,c" into column pointers; NULL with *err on an unknown name. */
GPtrArray *columns_parse(const char *list, GError **err);
/* All columns, in table order. */
GPtrArray *columns_default(void);

#endif
