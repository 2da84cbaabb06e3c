/* output.c - aligned tables, colour, formatting and JSON printing shared by
 * the commands (see output.h). */
#include "cli/output.h"

#include <string.h>
#include "export/format.h"

static const char *const escapes[] = {
	[OR_RESET] = "\033[0m", [OR_HEAD] = "\033[1m", [OR_ID] = "\033[1;36m",
	[OR_MPTCP] = "\033[32m", [OR_WARN] = "\033[33m", [OR_DIM] = "\033[2m",
};

const char *out_color(const struct session *s, enum out_role r)
{
	return s && s->color ? escapes[r] : "";
}

char *out_addr(uint8_t family, const uint8_t *addr)
{
	GString *g = g_string_new(NULL);
	fmt_addr(g, family, addr);
	return g_string_free(g, FALSE);
}

char *out_endpoint(uint8_t family, const uint8_t *addr, uint16_t port)
{
	GString *g = g_string_new(NULL);
	if (family == 6)
		g_string_append_c(g, '[');
	fmt_addr(g, family, addr);
	g_string_append_printf(g, "%s:%u", family == 6 ? "]" : "", port);
	return g_string_free(g, FALSE);
}

char *out_human_bytes(uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	return u == 0 ? g_strdup_printf("%" G_GUINT64_FORMAT " B", bytes)
	              : g_strdup_printf("%.1f %s", v, units[u]);
}

double out_seconds(int64_t ns)
{
	return (double)ns / 1e9;
}

/* ------------------------------------------------------------------ tables */

struct out_table {
	int ncols;
	GPtrArray *cells;  /* char*, row-major */
	enum out_role *roles;
	bool *left;        /* columns never right-aligned */
};

struct out_table *out_table_new(int ncols)
{
	struct out_table *tb = g_new0(struct out_table, 1);
	tb->ncols = ncols;
	tb->cells = g_ptr_array_new_with_free_func(g_free);
	tb->roles = g_new0(enum out_role, (size_t)ncols);
	tb->left = g_new0(bool, (size_t)ncols);
	return tb;
}

void out_table_row(struct out_table *tb, const char *const *cells)
{
	for (int i = 0; i < tb->ncols; i++)
		g_ptr_array_add(tb->cells, g_strdup(cells[i] ? cells[i] : ""));
}

void out_table_color(struct out_table *tb, int col, enum out_role r)
{
	tb->roles[col] = r;
}

void out_table_left(struct out_table *tb, int col)
{
	tb->left[col] = true;
}

/* "12", "-3", "1.5", "33.77%": right-aligned */
static bool looks_numeric(const char *c)
{
	if (*c == '-')
		c++;
	if (!g_ascii_isdigit(*c))
		return false;
	int dots = 0;
	for (; *c; c++) {
		if (*c == '.')
			dots++;
		else if (*c == '%' && !c[1])
			break;
		else if (!g_ascii_isdigit(*c))
			return false;
	}
	return dots <= 1;
}

void out_table_print(const struct session *s, struct out_table *tb, const char *indent)
{
	guint nrows = tb->cells->len / (guint)tb->ncols;
	int *w = g_new0(int, (size_t)tb->ncols);
	for (guint r = 0; r < nrows; r++)
		for (int c = 0; c < tb->ncols; c++) {
			const char *cell = g_ptr_array_index(tb->cells, r * (guint)tb->ncols + (guint)c);
			w[c] = MAX(w[c], (int)g_utf8_strlen(cell, -1));
		}
	for (guint r = 0; r < nrows; r++) {
		GString *line = g_string_new(indent);
		for (int c = 0; c < tb->ncols; c++) {
			const char *cell = g_ptr_array_index(tb->cells, r * (guint)tb->ncols + (guint)c);
			int pad = w[c] - (int)g_utf8_strlen(cell, -1);
			bool right = !tb->left[c] && looks_numeric(cell);
			bool last = c == tb->ncols - 1;
			if (c)
				g_string_append_c(line, ' ');
			if (right)
				g_string_append_printf(line, "%*s", pad, "");
			if (tb->roles[c])
				g_string_append(line, out_color(s, tb->roles[c]));
			g_string_append(line, cell);
			if (tb->roles[c])
				g_string_append(line, out_color(s, OR_RESET));
			if (!right && !last)
				g_string_append_printf(line, "%*s", pad, "");
		}
		while (line->len && line->str[line->len - 1] == ' ')
			g_string_truncate(line, line->len - 1);
		printf("%s\n", line->str);
		g_string_free(line, TRUE);
	}
	g_free(w);
}

void out_table_free(struct out_table *tb)
{
	if (!tb)
		return;
	g_ptr_array_free(tb->cells, TRUE);
	g_free(tb->roles);
	g_free(tb->left);
	g_free(tb);
}

/* -------------------------------------------------------------------- JSON */

void out_json_print(JsonBuilder *b)
{
	JsonNode *root = json_builder_get_root(b);
	JsonGenerator *g = json_generator_new();
	json_generator_set_pretty(g, TRUE);
	json_generator_set_root(g, root);
	char *text = json_generator_to_data(g, NULL);
	printf("%s\n", text);
	fflush(stdout);
	g_free(text);
	g_object_unref(g);
	json_node_unref(root);
}

void out_json_endpoint(JsonBuilder *b, const char *name, uint8_t family, const uint8_t *addr,
                       uint16_t port)
{
	char *a = out_addr(family, addr);
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	out_json_string(b, "address", a);
	out_json_int(b, "port", port);
	json_builder_end_object(b);
	g_free(a);
}

void out_json_int(JsonBuilder *b, const char *name, int64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

void out_json_uint(JsonBuilder *b, const char *name, uint64_t v)
{
	json_builder_set_member_name(b, name);
	if (v == NO_VALUE)
		json_builder_add_null_value(b);
	else
		json_builder_add_int_value(b, (gint64)v);
}

void out_json_double(JsonBuilder *b, const char *name, double v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_double_value(b, v);
}

void out_json_string(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	if (v)
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

void out_json_bool(JsonBuilder *b, const char *name, bool v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_boolean_value(b, v);
}

JsonBuilder *out_json_begin(const struct session *s, const char *command)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	out_json_string(b, "command", command);
	out_json_string(b, "capture", s->t ? s->t->path : NULL);
	return b;
}
