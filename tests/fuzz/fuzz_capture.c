/* fuzz_capture.c - libFuzzer target: a whole capture file (pcap or pcapng) in
 * memory through capture_load() (reader, decoders, TCP and MPTCP trackers),
 * then every export column of every row and the text exporters; then the
 * streaming exporter (export_capture: rows written as they become final) over
 * the same file, as mptcpexporter runs it, in one pass (emptying its file and
 * writing it again when a late repeat needs it) and in two: both files must
 * hold the same packets in the same order.  (Not the same bytes: a row of
 * one pass is written a window later, and a hostile capture can change what
 * a row shows that late, a window scale or a subflow's connection arriving
 * after it; tests/cli/test_export_passes.py compares real captures byte for
 * byte.)  First of all, the file's frames read with the pcap walker
 * (capture/pcap_walk.h) must be libpcap's own, bytes, warning and all. */
#include "fuzz_common.h"

#include <string.h>
#include <glib/gstdio.h>
#include "capture/reader.h"
#include "table/load.h"

static struct memfile capture;
static char *out_dir, *out_one, *out_two;

static void remove_outputs(void)
{
	g_unlink(out_one);
	g_unlink(out_two);
	g_rmdir(out_dir);
}

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
	out_dir = g_dir_make_tmp("fuzz-capture-XXXXXX", NULL);
	if (!out_dir)
		abort();
	out_one = g_build_filename(out_dir, "one.csv", NULL);
	out_two = g_build_filename(out_dir, "two.csv", NULL);
	atexit(remove_outputs);
	return 0;
}

/* the first field of every line (the header's, then the packet ids) */
static bool same_first_fields(const char *a, const char *b)
{
	for (;;) {
		size_t na = strcspn(a, ",\n"), nb = strcspn(b, ",\n");
		if (na != nb || memcmp(a, b, na) != 0)
			return false;
		a = strchr(a, '\n');
		b = strchr(b, '\n');
		if (!a || !b)
			return !a && !b;
		a++, b++;
	}
}

/* the streaming export into a file, in one pass when it can and in two */
static void export_both_ways(const struct export_opts *o)
{
	GError *err = NULL;
	bool one = export_capture(capture.path, out_one, o, progress, NULL, &err);
	g_clear_error(&err); /* it loaded once: only a failed write may stop it */
	setenv("MPTCPANALYZER_EXPORT_PASSES", "2", 1);
	bool two = export_capture(capture.path, out_two, o, progress, NULL, &err);
	unsetenv("MPTCPANALYZER_EXPORT_PASSES");
	g_clear_error(&err);
	if (one != two)
		abort();
	gchar *a = NULL, *b = NULL;
	if (one && (!g_file_get_contents(out_one, &a, NULL, NULL) || !g_file_get_contents(out_two, &b, NULL, NULL) ||
	            !same_first_fields(a, b)))
		abort();
	g_free(a);
	g_free(b);
}

/* what a reading gave: a digest of every frame, their count, how it ended */
struct frames_seen {
	GChecksum *sum;
	guint frames;
	int rc;
	char *warning;
};

static void see_frame(const struct frame *f, void *user)
{
	struct frames_seen *s = user;
	const uint32_t head[] = { f->number, f->caplen, f->wirelen, (uint32_t)f->ts_ns, (uint32_t)(f->ts_ns >> 32) };
	g_checksum_update(s->sum, (const guchar *)head, sizeof head);
	g_checksum_update(s->sum, f->data, f->caplen);
	s->frames++;
}

static struct frames_seen read_frames(bool walk)
{
	struct frames_seen s = { g_checksum_new(G_CHECKSUM_SHA1), 0, 0, NULL };
	setenv("MPTCPANALYZER_PCAP_WALK", walk ? "1" : "0", 1);
	GError *err = NULL;
	struct capture_reader *r = reader_open(capture.path, &err);
	unsetenv("MPTCPANALYZER_PCAP_WALK");
	if (!r) {
		g_error_free(err);
		s.rc = -2;
		return s;
	}
	while ((s.rc = reader_dispatch(r, 100, see_frame, &s, &err)) > 0)
		;
	g_clear_error(&err);
	s.warning = g_strdup(reader_warning(r));
	reader_close(r);
	return s;
}

static void same_frames_both_ways(void)
{
	struct frames_seen a = read_frames(false), b = read_frames(true);
	if (a.rc != b.rc || a.frames != b.frames || g_strcmp0(a.warning, b.warning) != 0 ||
	    strcmp(g_checksum_get_string(a.sum), g_checksum_get_string(b.sum)) != 0)
		abort();
	g_checksum_free(a.sum);
	g_checksum_free(b.sum);
	g_free(a.warning);
	g_free(b.warning);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memfile_set(&capture, data, size);
	same_frames_both_ways();
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
	export_both_ways(&o);
	g_ptr_array_unref(all);
	return 0;
}
