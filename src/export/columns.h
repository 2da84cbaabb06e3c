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

/* Where the variable parts of rows live (their options, and the frames of
 * their reinjection lists): one store for many rows, emptied by its owner. */
struct row_store {
	GArray *opts;                     /* struct mptcp_option */
	GArray *frames;                   /* uint32_t */
};

void row_store_init(struct row_store *s);
void row_store_clear(struct row_store *s);
void row_store_free(struct row_store *s);

/* One packet row as the columns see it: every value a column shows, read
 * from the tables once by row_ctx_init.  It holds no pointer into the tables
 * (its options and frame lists are copied to a row_store), so that rows are
 * formatted on other threads while the tables change (export.c). */
struct row_ctx {
	struct pkt pkt;                   /* a copy of the packet's row */
	const struct row_store *store;
	int64_t rel_ns;                   /* since the first frame */
	uint32_t tcplen, rwnd, seq_rel, ack_rel;
	uint32_t mptcp;                   /* MPTCP connection; NO_ROW: plain TCP */
	uint16_t iface;
	uint16_t port[2];                 /* [0] source, [1] destination */
	uint8_t family;
	uint8_t addr[2][16];              /* [0] source, [1] destination */
	int8_t wscale;                    /* the window scale shown; -1: none */
	uint8_t version;                  /* the MPTCP connection's */
	bool to_client;                   /* the TCP end the packet goes to */
	bool mptcp_to_client;             /* the MPTCP end (with an MPTCP connection) */
	bool has_dsn, has_dack;           /* dsn and dack known (relative to a known IDSN) */
	uint64_t dsn_raw;                 /* 64-bit DSN, with PF_HAS_DSN */
	uint64_t dsn, dack;               /* relative to the sender's and receiver's IDSN */
	/* from one pass over the options: a column of an option the row does
	 * not carry is a bit test instead of a walk */
	uint32_t subtypes;                /* bit s: a well-formed option of subtype s */
	int32_t dss;                      /* the first well-formed DSS (its index); -1: none */
	uint32_t opt0, n_opts;            /* the options, in store->opts (or dss_opt) */
	bool inline_dss;                  /* its one option is the row's DSS: dss_opt */
	struct dss_values dssv;           /* what the inline DSS takes from the tables */
	struct mptcp_option dss_opt;      /* built by row_ctx_finish */
	uint32_t of0, n_of;               /* reinjection_of's frames, in store->frames */
	uint32_t in0, n_in;               /* reinjected_in's frames */
};

/* Reads row `row` into r, its options and frame lists appended to s: what
 * needs the tables.  `reinjected_in`: see reinjected_in_map
 * (t->reinjected_in wins when set). */
void row_ctx_read(struct row_ctx *r, const struct tables *t, uint32_t row, GHashTable *reinjected_in,
                  struct row_store *s);
/* The rest, from r alone (the inline DSS is rebuilt): before formatting. */
void row_ctx_finish(struct row_ctx *r);
/* both, for one row at a time: s is emptied first */
void row_ctx_init(struct row_ctx *r, const struct tables *t, uint32_t row, GHashTable *reinjected_in,
                  struct row_store *s);
/* the row's first well-formed DSS; NULL: none */
const struct mptcp_dss *row_dss(const struct row_ctx *r);

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
/* one value of one row, for callers that format few (plots, tests); `s`
 * is scratch */
void column_format_row(const struct column *c, const struct tables *t, uint32_t row, struct row_store *s,
                       GString *out);

const struct column *columns_all(size_t *n);
const struct column *column_find(const char *name); /* short or tshark name */

/* Parses "a,b,c" into column pointers; NULL with *err on an unknown name. */
GPtrArray *columns_parse(const char *list, GError **err);
/* All columns, in table order. */
GPtrArray *columns_default(void);

#endif
