/* mptcpexporter.c - turns a capture into one row per TCP packet with the MPTCP
 * fields: CSV (default), TSV, JSON lines or SQLite. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "capture/reader.h"
#include "export/columns.h"
#include "export/export.h"
#include "table/load.h"
#include "util/progress.h"

static int list_fields(void)
{
	size_t n;
	const struct column *c = columns_all(&n);
	for (size_t i = 0; i < n; i++)
		printf("%-18s %-34s %s\n", c[i].name, c[i].tshark, c[i].help);
	return 0;
}

/* --verbose: the time, and why a second pass over the capture was needed */
static void say_report(const struct export_report *r, double seconds)
{
	fprintf(stderr, "mptcpexporter: exported in %.3f s, %u pass%s over the capture", seconds, r->passes,
	        r->passes == 1 ? "" : "es");
	if (r->late)
		fprintf(stderr, " (frame %" PRIu32 " repeats frame %" PRIu32 ", which was already written;"
		        " a larger --window keeps rows longer)", r->late_frame, r->late_orig_frame);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	gchar *out = NULL, *fields = NULL, *delimiter = NULL, *format = NULL;
	gboolean tshark_names = FALSE, version = FALSE, show_fields = FALSE, verbose = FALSE;
	gint window = 0;
	GOptionEntry entries[] = {
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Output file (- for stdout)", "OUT" },
		{ "fields", 'f', 0, G_OPTION_ARG_STRING, &fields, "Comma-separated columns (default: all)", "a,b,c" },
		{ "delimiter", 'd', 0, G_OPTION_ARG_STRING, &delimiter, "CSV delimiter (default ,)", "C" },
		{ "tshark-names", 0, 0, G_OPTION_ARG_NONE, &tshark_names, "Use tshark's field names in the header", NULL },
		{ "format", 'F', 0, G_OPTION_ARG_STRING, &format, "csv, tsv, jsonl or sqlite (default: from OUT's extension)", "FMT" },
		{ "list-fields", 0, 0, G_OPTION_ARG_NONE, &show_fields, "List the columns and exit", NULL },
		{ "window", 'w', 0, G_OPTION_ARG_INT, &window, "Packets held between reading and writing (default 65536; a mapping arriving later than this is not applied)", "N" },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Say how long the export took and how many passes over the capture", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *ctx = g_option_context_new("CAPTURE - export MPTCP packet data");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(ctx,
		"Writes one row per TCP packet of CAPTURE (pcap or pcapng) with its TCP and\n"
		"MPTCP fields. Formats: csv, tsv, jsonl, sqlite. See mptcpexporter(1).\n");
	GError *err = NULL;
	int rc = 1;
	struct tables *t = NULL;
	struct export_opts o = { .format = EXP_CSV, .delimiter = ',' };
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "mptcpexporter: %s (try --help)\n", err->message);
		goto out;
	}
	if (version) {
		printf("mptcpexporter %s\n", MPTCPA_VERSION);
		rc = 0;
		goto out;
	}
	if (show_fields) {
		rc = list_fields();
		goto out;
	}
	if (argc != 2) {
		fprintf(stderr, "mptcpexporter: expected one capture file (try --help)\n");
		goto out;
	}
	if (!out)
		out = g_strdup("-");
	o.format = export_format_guess(out);
	if (format && !export_format_parse(format, &o.format)) {
		fprintf(stderr, "mptcpexporter: unknown format '%s' (csv, tsv, jsonl, sqlite)\n", format);
		goto out;
	}
	if (delimiter) {
		if (!export_delimiter_ok(delimiter)) {
			fprintf(stderr, "mptcpexporter: the delimiter must be " EXPORT_DELIMITER_RULE "\n");
			goto out;
		}
		o.delimiter = delimiter[0];
	}
	o.tshark_names = tshark_names;
	if (window < 0 || window == 1) {
		fprintf(stderr, "mptcpexporter: --window must be at least 2\n");
		goto out;
	}
	o.window = (uint32_t)window;
	if (fields && !(o.columns = columns_parse(fields, &err))) {
		fprintf(stderr, "mptcpexporter: %s\n", err->message);
		goto out;
	}
	if (o.format == EXP_SQLITE && strcmp(out, "-") == 0) {
		fprintf(stderr, "mptcpexporter: SQLite output needs a file name (-o FILE)\n");
		goto out;
	}
	struct progress bar;
	struct export_report report = { 0 };
	o.report = &report;
	gint64 start = g_get_monotonic_time();
	progress_init(&bar, "exporting", argv[1]);
	atomic_release_in_child(); /* this program exits once the export is in place */
	bool exported = export_capture(argv[1], out, &o, progress_update, &bar, &err);
	progress_end(&bar);
	if (!exported) {
		fprintf(stderr, "mptcpexporter: %s\n", err ? err->message : "export failed");
		goto out;
	}
	if (verbose)
		say_report(&report, (double)(g_get_monotonic_time() - start) / 1e6);
	rc = 0;
out:
	if (o.columns)
		g_ptr_array_unref(o.columns);
	tables_free(t);
	g_clear_error(&err);
	g_free(out);
	g_free(fields);
	g_free(delimiter);
	g_free(format);
	g_option_context_free(ctx);
	return rc;
}
