/* fuzz_csv_load.c - libFuzzer target: csv_load() on hostile CSV files (the
 * input is the file), then every export column of the tables it accepts. */
#include "fuzz_common.h"

#include "table/csv_load.h"

static struct memfile csv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	memfile_init(&csv, "fuzz_csv_load");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memfile_set(&csv, data, size);
	GError *err = NULL;
	struct tables *t = csv_load(csv.path, &err);
	if (!t) {
		if (!err || !err->message[0])
			abort();
		g_error_free(err);
		return 0;
	}
	fuzz_format_tables(t);
	tables_free(t);
	return 0;
}
