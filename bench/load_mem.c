/* load_mem.c - bench driver: loads a capture with capture_load() (what
 * `mptcpanalyzer -r -l` does, without the interpreter or the cache) and
 * reports the time it took and what the loaded tables cost per packet, both
 * from the table sizes and from the process's resident memory.
 *
 *   load_mem CAPTURE [CSV]   prints key=value lines (see the end of main);
 *                            with CSV, also exports the loaded tables there
 *                            (export_tables: checks the one-pass load against
 *                            the streaming export, and before/after changes) */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/resource.h>
#include "export/export.h"
#include "table/load.h"
#include "util/hugeheap.h"

/* resident set size now, in bytes (/proc/self/statm) */
static uint64_t rss_now(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t rss_peak(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_maxrss * 1024;
}

int main(int argc, char **argv)
{
	hugeheap_init(); /* first: before the heap holds anything big */
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: load_mem CAPTURE [CSV]\n");
		return 2;
	}
	GError *err = NULL;
	uint64_t base = rss_now();
	gint64 t0 = g_get_monotonic_time();
	struct tables *t = capture_load(argv[1], NULL, NULL, &err);
	gint64 t1 = g_get_monotonic_time();
	if (!t) {
		fprintf(stderr, "load_mem: %s\n", err->message);
		g_error_free(err);
		return 1;
	}
	uint64_t after = rss_now();
	double n = t->packets->len ? t->packets->len : 1;
	printf("seconds=%.4f\n", (double)(t1 - t0) / 1e6);
	printf("frames=%llu\n", (unsigned long long)t->stats.frames);
	printf("packets=%u\n", t->packets->len);
	printf("tcp_streams=%u\nmptcp_connections=%u\nlinks=%u\nevents=%u\n", t->tcp->len, t->mptcp->len,
	       t->links->len, t->events->len);
	printf("sizeof_pkt=%zu\n", sizeof(struct pkt));
	printf("sizeof_mptcp_option=%zu\n", sizeof(struct mptcp_option));
	printf("options=%u\n", t->mptcp_opts->len);
	printf("options_per_packet=%.3f\n", t->mptcp_opts->len / n);
	printf("side_entries=%u\nfar_mappings=%u\n", t->pkt_ext->len, t->map_ext->len);
	/* the row, plus the options, side entries and data bases per row */
	printf("table_bytes_per_packet=%.1f\n", tables_bytes_per_packet(t));
	printf("rss_base=%llu\nrss_after=%llu\nrss_peak=%llu\n", (unsigned long long)base,
	       (unsigned long long)after, (unsigned long long)rss_peak());
	printf("rss_bytes_per_packet=%.1f\n", (double)(after - base) / n);
	printf("peak_bytes_per_packet=%.1f\n", (double)(rss_peak() - base) / n);
	int rc = 0;
	if (argc == 3) {
		struct export_opts o = { .format = EXP_CSV, .delimiter = ',' };
		if (!export_tables(t, argv[2], &o, &err)) {
			fprintf(stderr, "load_mem: %s\n", err->message);
			g_error_free(err);
			rc = 1;
		}
	}
	tables_free(t);
	return rc;
}
