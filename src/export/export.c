/* export.c - text exporters (CSV, TSV, JSON lines) and atomic output files. */
#include "export/export.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "capture/reader.h"
#include "export/columns.h"

bool atomic_open(struct atomic_file *af, const char *path, GError **err)
{
	memset(af, 0, sizeof *af);
	af->path = g_strdup(path);
	af->tmp = g_strdup_printf("%s.tmp-XXXXXX", path);
	int fd = g_mkstemp(af->tmp);
	if (fd < 0 || !(af->fp = fdopen(fd, "w"))) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: cannot write: %s", path, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		g_free(af->path);
		g_free(af->tmp);
		return false;
	}
	return true;
}

bool atomic_commit(struct atomic_file *af, GError **err)
{
	bool ok = !ferror(af->fp);
	if (fclose(af->fp) != 0)
		ok = false;
	af->fp = NULL;
	if (ok && rename(af->tmp, af->path) != 0)
		ok = false;
	if (!ok) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: write failed: %s", af->path, g_strerror(errno));
		unlink(af->tmp);
	}
	g_free(af->path);
	g_free(af->tmp);
	return ok;
}

void atomic_abort(struct atomic_file *af)
{
	if (af->fp)
		fclose(af->fp);
	if (af->tmp)
		unlink(af->tmp);
	g_free(af->path);
	g_free(af->tmp);
	memset(af, 0, sizeof *af);
}

bool export_format_parse(const char *name, enum export_format *out)
{
	static const struct { const char *n; enum export_format f; } names[] = {
		{ "csv", EXP_CSV }, { "tsv", EXP_TSV }, { "jsonl", EXP_JSONL }, { "sqlite", EXP_SQLITE },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strcasecmp(name, names[i].n) == 0) {
			*out = names[i].f;
			return true;
		}
	return false;
}

enum export_format export_format_guess(const char *path)
{
	if (g_str_has_suffix(path, ".tsv"))
		return EXP_TSV;
	if (g_str_has_suffix(path, ".jsonl") || g_str_has_suffix(path, ".json"))
		return EXP_JSONL;
	if (g_str_has_suffix(path, ".sqlite") || g_str_has_suffix(path, ".db") || g_str_has_suffix(path, ".sqlite3"))
		return EXP_SQLITE;
	return EXP_CSV;
}

/* quotes a CSV value holding the delimiter, a quote, a comma list or a newline */
static void csv_value(GString *line, const char *v, size_t n, char delim)
{
	bool quote = false;
	for (size_t i = 0; i < n; i++)
		if (v[i] == delim || v[i] == '"' || v[i] == ',' || v[i] == '\n')
			quote = true;
	if (!quote) {
		g_string_append_len(line, v, (gssize)n);
		return;
	}
	g_string_append_c(line, '"');
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"')
			g_string_append_c(line, '"');
		g_string_append_c(line, v[i]);
	}
	g_string_append_c(line, '"');
}

static void json_value(GString *line, const struct column *c, const char *v, size_t n)
{
	if (n == 0) {
		g_string_append(line, "null");
	} else if (c->is_list) {
		g_string_append_c(line, '[');
		if (c->type == COL_INT || c->type == COL_TEXT) {
			/* list members are numbers in every list column */
			g_string_append_len(line, v, (gssize)n);
		}
		g_string_append_c(line, ']');
	} else if (c->type == COL_TEXT) {
		g_string_append_c(line, '"');
		g_string_append_len(line, v, (gssize)n);
		g_string_append_c(line, '"');
	} else {
		g_string_append_len(line, v, (gssize)n);
	}
}

static void write_header(FILE *fp, GPtrArray *cols, const struct export_opts *o)
{
	if (o->format == EXP_JSONL)
		return;
	char sep = o->format == EXP_TSV ? '\t' : o->delimiter;
	for (guint i = 0; i < cols->len; i++) {
		const struct column *c = cols->pdata[i];
		if (i)
			fputc(sep, fp);
		fputs(o->tshark_names ? c->tshark : c->name, fp);
	}
	fputc('\n', fp);
}

static void write_rows(FILE *fp, const struct tables *t, GPtrArray *cols, const struct export_opts *o)
{
	GString *line = g_string_sized_new(512), *v = g_string_sized_new(64);
	char sep = o->format == EXP_TSV ? '\t' : o->delimiter;
	for (uint32_t row = 0; row < t->packets->len; row++) {
		g_string_truncate(line, 0);
		if (o->format == EXP_JSONL)
			g_string_append_c(line, '{');
		for (guint i = 0; i < cols->len; i++) {
			const struct column *c = cols->pdata[i];
			g_string_truncate(v, 0);
			c->format(t, row, v);
			if (o->format == EXP_JSONL) {
				if (i)
					g_string_append_c(line, ',');
				g_string_append_c(line, '"');
				g_string_append(line, o->tshark_names ? c->tshark : c->name);
				g_string_append(line, "\":");
				json_value(line, c, v->str, v->len);
				continue;
			}
			if (i)
				g_string_append_c(line, sep);
			if (o->format == EXP_CSV)
				csv_value(line, v->str, v->len, sep);
			else
				g_string_append_len(line, v->str, (gssize)v->len);
		}
		g_string_append(line, o->format == EXP_JSONL ? "}\n" : "\n");
		fwrite(line->str, 1, line->len, fp);
	}
	g_string_free(line, TRUE);
	g_string_free(v, TRUE);
}

bool export_tables(const struct tables *t, const char *path, const struct export_opts *o, GError **err)
{
	if (o->format == EXP_SQLITE)
		return export_sqlite(t, path, err);
	GPtrArray *cols = o->columns ? g_ptr_array_ref(o->columns) : columns_default();
	bool to_stdout = strcmp(path, "-") == 0;
	struct atomic_file af;
	FILE *fp = stdout;
	if (!to_stdout) {
		if (!atomic_open(&af, path, err)) {
			g_ptr_array_unref(cols);
			return false;
		}
		fp = af.fp;
	}
	write_header(fp, cols, o);
	write_rows(fp, t, cols, o);
	g_ptr_array_unref(cols);
	if (to_stdout)
		return fflush(stdout) == 0;
	return atomic_commit(&af, err);
}
