/* fuzz_capture.c - libFuzzer target: a whole capture file (pcap or pcapng) in
 * memory through capture_load() (reader, decoders, TCP and MPTCP trackers),
 * then every export column of every row and the text exporters; then the
 * streaming exporter (export_capture: two passes, rows written as they become
 * final) over the same file, as mptcpexporter runs it. */
#include "fuzz_common.h"

#include "table/load.h"

static struct memfile capture;

static void progress(uint64_t done, uint64_t total, void *user)
{
	(void)done;
	(void)total;
	(void)user;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	memfile_init(&capture, "fuzz_capture");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memfile_set(&capture, data, size);
	GError *err = NULL;
	struct tables *t = capture_load(capture.path, progress, NULL, &err);
	if (!t) {
		/* a refused file must say why */
		if (!err || !err->message[0])
			abort();
		g_error_free(err);
		return 0;
	}
	fuzz_format_tables(t);
	tables_free(t);

	size_t n;
	const struct column *cols = columns_all(&n);
	GPtrArray *all = g_ptr_array_new();
	for (size_t i = 0; i < n; i++)
		g_ptr_array_add(all, (gpointer)&cols[i]);
	/* a small window makes the streaming exporter evict rows all the time */
	struct export_opts o = { .format = EXP_CSV, .delimiter = ',', .columns = all,
	                         .window = size ? 1 + data[size / 2] % 32 : 0 };
	if (!export_capture(capture.path, "-", &o, progress, NULL, &err)) {
		/* it loaded once: only a failed write may stop it */
		g_clear_error(&err);
	}
	g_ptr_array_unref(all);
	return 0;
}
