/* cmd_export.c - tocsv: writes the loaded capture's packet table (CSV, TSV,
 * JSON lines or SQLite) with the exporter of mptcpexporter. */
#include <stdio.h>
#include <string.h>
#include "cli/builtins.h"
#include "cli/session.h"
#include "export/columns.h"
#include "export/export.h"

static bool fill_opts(struct session *s, const char *out, struct export_opts *o)
{
	o->format = export_format_guess(out);
	o->delimiter = s->cfg.delimiter;
	o->tshark_names = cmd_flag(s, "tshark-names");
	const char *fmt = cmd_opt(s, "format"), *delim = cmd_opt(s, "delimiter"), *fields = cmd_opt(s, "fields");
	if (fmt && !export_format_parse(fmt, &o->format)) {
		cmd_fail(s, "unknown format '%s' (csv, tsv, jsonl, sqlite)", fmt);
		return false;
	}
	if (delim) {
		if (!export_delimiter_ok(delim)) {
			cmd_fail(s, "the delimiter must be " EXPORT_DELIMITER_RULE);
			return false;
		}
		o->delimiter = delim[0];
	}
	GError *err = NULL;
	if (fields && !(o->columns = columns_parse(fields, &err))) {
		cmd_fail_error(s, err);
		return false;
	}
	if (o->format == EXP_SQLITE && strcmp(out, "-") == 0) {
		cmd_fail(s, "SQLite output needs a file name");
		return false;
	}
	return true;
}

static int cmd_tocsv(struct session *s, int argc, char **argv)
{
	struct export_opts o = { .format = EXP_CSV, .delimiter = ',' };
	int rc = 1;
	GError *err = NULL;
	if (!fill_opts(s, argv[1], &o))
		goto out;
	if (!export_tables(s->t, argv[1], &o, &err)) {
		rc = cmd_fail_error(s, err);
		goto out;
	}
	if (strcmp(argv[1], "-") != 0)
		printf("wrote %u packet(s) to %s\n", s->t->packets->len, argv[1]);
	rc = 0;
out:
	if (o.columns)
		g_ptr_array_unref(o.columns);
	return rc;
}

static const char *const formats[] = { "csv", "tsv", "jsonl", "sqlite", NULL };
static const struct cmd_option options[] = {
	{ "fields", 'f', "a,b,c", "columns to write (default: all; see mptcpexporter --list-fields)",
	  COMP_FIELD, NULL },
	{ "format", 'F', "FMT", "csv, tsv, jsonl or sqlite (default: from OUT's extension)", COMP_CHOICES,
	  formats },
	{ "delimiter", 'd', "C", "CSV delimiter (default: the config's delimiter, else ,)", COMP_NONE, NULL },
	{ "tshark-names", 0, NULL, "use tshark's field names in the header", COMP_NONE, NULL },
	{ NULL, 0, NULL, NULL, COMP_NONE, NULL },
};

static const struct command commands[] = {
	{ "tocsv", { "export", NULL }, "export the packets of the loaded capture (CSV, TSV, JSON lines, SQLite)",
	  "tocsv OUT [--fields a,b] [--format csv|tsv|jsonl|sqlite] [--delimiter C] [--tshark-names]",
	  options, COMP_FILE, cmd_tocsv, CMD_NEEDS_CAPTURE, 1, 1 },
	{ NULL, { NULL }, NULL, NULL, NULL, COMP_NONE, NULL, 0, 0, 0 },
};

bool cmd_export_register(GError **err)
{
	return register_all(commands, err);
}
