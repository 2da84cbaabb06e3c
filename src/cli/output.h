/* output.h - shared output helpers of the commands: aligned text tables,
 * colour, address and size formatting, and JSON documents on stdout. */
#ifndef MPTCPA_OUTPUT_H
#define MPTCPA_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-glib/json-glib.h>
#include "cli/session.h"

/* colour roles; the escape is "" when colour is off */
enum out_role { OR_RESET, OR_HEAD, OR_ID, OR_MPTCP, OR_WARN, OR_DIM };
const char *out_color(const struct session *s, enum out_role r);

/* "10.0.0.1" / "fd00::1" */
char *out_addr(uint8_t family, const uint8_t *addr);
/* "10.0.0.1:5201" / "[fd00::1]:5201" */
char *out_endpoint(uint8_t family, const uint8_t *addr, uint16_t port);
/* "1.5 MiB" (binary units) */
char *out_human_bytes(uint64_t bytes);
/* seconds with 6 decimals */
double out_seconds(int64_t ns);

/* A table of text cells printed with aligned columns (numbers right-aligned). */
struct out_table;
struct out_table *out_table_new(int ncols);
/* appends a row of ncols cells (copied; NULL prints empty) */
void out_table_row(struct out_table *tb, const char *const *cells);
/* the role colouring column `col` */
void out_table_color(struct out_table *tb, int col, enum out_role r);
/* column `col` stays left-aligned even when it holds numbers */
void out_table_left(struct out_table *tb, int col);
void out_table_print(const struct session *s, struct out_table *tb, const char *indent);
void out_table_free(struct out_table *tb);

/* JSON helpers: prints the builder's root as one document on stdout */
void out_json_print(JsonBuilder *b);
/* member `name`: {"address": ..., "port": ...} */
void out_json_endpoint(JsonBuilder *b, const char *name, uint8_t family, const uint8_t *addr,
                       uint16_t port);
void out_json_int(JsonBuilder *b, const char *name, int64_t v);
void out_json_uint(JsonBuilder *b, const char *name, uint64_t v); /* NO_VALUE -> null */
void out_json_double(JsonBuilder *b, const char *name, double v);
void out_json_string(JsonBuilder *b, const char *name, const char *v); /* NULL -> null */
void out_json_bool(JsonBuilder *b, const char *name, bool v);
/* starts the document: {"command": ..., "capture": ...} (caller ends the object) */
JsonBuilder *out_json_begin(const struct session *s, const char *command);

#endif
