/* fuzz_cache.c - libFuzzer target: cache_load() on hostile cache files, then
 * every export column of the tables it accepts.
 *
 * A cache file is refused unless its header names this build and the capture
 * exactly and its checksum matches, so random bytes would never get past the
 * header.  The first input byte picks the mode:
 *   even  the rest is the table part of a cache file (everything after the
 *         capture's modification time, less the zeros before the packet
 *         rows): the target puts a valid header in front, the zeros back
 *         and a valid checksum behind, so the table reader and the row
 *         checks are what gets fuzzed;
 *   odd   the rest is a whole cache file, taken as is (header checks);
 *   & 2   the packet rows are mapped from the file (pkt_rows_map_file, as a
 *         cache read of 8 MiB of rows or more is) rather than copied.
 * The header is taken from a file cache_save() writes at start (it depends on
 * the build and on the capture file); the checksum is recomputed with a copy
 * of cache.c's function, and the target checks at start that its framing
 * reproduces cache_save()'s file byte for byte, so a change in cache.c's
 * layout is noticed.
 *
 * With FUZZ_CACHE_SEED=CAPTURE:OUT the target writes the seed (mode byte 0
 * and the table part) of the cache of CAPTURE to OUT and exits; with
 * FUZZ_CACHE_VERBOSE set it says why each input was refused. */
#include "fuzz_common.h"

#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>
#include "table/cache.h"
#include "table/load.h"

/* ---- cache.c's checksum (checked against cache_save at start) ---- */

#define ROW_CHUNK (1u << 20) /* as cache.c */
#define ROWS_ALIGN ((size_t)4096)

static void xxh_update(XXH3_state_t *st, const uint8_t *p, size_t n)
{
	if (n)
		XXH3_64bits_update(st, p, n);
}

/* where the packet rows of file p[0, n) start (after the identity ending the
 * header at `body`: dlt, first_ns, stats, row count, then zeros up to a
 * multiple of ROWS_ALIGN), and their bytes; false when the rows are not all
 * there (the loader refuses such a file before it looks at the checksum) */
static bool find_rows(const uint8_t *p, size_t n, size_t body, size_t *at, uint64_t *bytes)
{
	size_t o = body + 4 + 8 + sizeof(struct capture_stats);
	uint64_t count;
	if (o + 8 > n)
		return false;
	memcpy(&count, p + o, 8);
	o += 8;
	o = (o + ROWS_ALIGN - 1) / ROWS_ALIGN * ROWS_ALIGN;
	if (o > n || count > (n - o) / sizeof(struct pkt))
		return false;
	*at = o;
	*bytes = count * sizeof(struct pkt);
	return true;
}

/* XXH3 of the file in order, the packet rows counted by their chunks' XXH3 */
static uint64_t checksum(const uint8_t *p, size_t n, size_t body)
{
	XXH3_state_t st;
	XXH3_INITSTATE(&st);
	XXH3_64bits_reset(&st);
	size_t at;
	uint64_t bytes;
	if (!find_rows(p, n, body, &at, &bytes)) {
		xxh_update(&st, p, n);
		return XXH3_64bits_digest(&st);
	}
	xxh_update(&st, p, at);
	for (uint64_t c = 0; c < bytes; c += ROW_CHUNK) {
		uint64_t d = XXH3_64bits(p + at + c, (size_t)MIN(ROW_CHUNK, bytes - c));
		xxh_update(&st, (const uint8_t *)&d, sizeof d);
	}
	xxh_update(&st, p + at + bytes, n - at - (size_t)bytes);
	return XXH3_64bits_digest(&st);
}

/* ---- framing ---- */

static char *tmpdir, *identity; /* the capture the cache claims to be made from */
static bool verbose;            /* FUZZ_CACHE_VERBOSE: why each input was refused */
static struct memfile cache;

/* The header of a cache for `identity`, taken from a file cache_save() wrote
 * (whatever it holds: magic, layout, build id ...): it ends with the capture's
 * real path, size and modification time.  size_at: where the file size is. */
static GByteArray *header;
static size_t size_at;

/* the body's bytes before the rows' padding: dlt, first_ns, stats, row count */
#define BODY_FRONT (4 + 8 + sizeof(struct capture_stats) + 8)

/* header + body + checksum, as cache_save() lays them out: the zeros that
 * put the packet rows at a multiple of ROWS_ALIGN are not in the body (they
 * depend on the header's length), but put in here */
static GByteArray *frame_cache(const uint8_t *body, size_t n)
{
	static const uint8_t zeros[ROWS_ALIGN];
	size_t front = MIN(n, BODY_FRONT);
	GByteArray *b = g_byte_array_sized_new(header->len + (guint)n + ROWS_ALIGN + 8);
	g_byte_array_append(b, header->data, header->len);
	g_byte_array_append(b, body, (guint)front);
	if (n > front)
		g_byte_array_append(b, zeros, (guint)((ROWS_ALIGN - b->len % ROWS_ALIGN) % ROWS_ALIGN));
	g_byte_array_append(b, body + front, (guint)(n - front));
	uint64_t total = b->len + 8;
	memcpy(b->data + size_at, &total, 8);
	uint64_t sum = checksum(b->data, b->len, header->len);
	g_byte_array_append(b, (const guint8 *)&sum, 8);
	return b;
}

/* the cache of `t` written by cache_save() (t->path becomes the identity file) */
static GByteArray *saved_cache(struct tables *t)
{
	g_free(t->path);
	t->path = g_strdup(identity);
	char *file = g_build_filename(tmpdir, "saved.mpac", NULL);
	GError *err = NULL;
	if (!cache_save(t, file, &err)) {
		fprintf(stderr, "fuzz_cache: cache_save: %s\n", err->message);
		abort();
	}
	gchar *data;
	gsize len;
	if (!g_file_get_contents(file, &data, &len, NULL))
		abort();
	unlink(file);
	g_free(file);
	return g_byte_array_new_take((guint8 *)data, len);
}

/* the body of a file cache_save() wrote, whose header ends at h: the
 * padding before the rows taken out (frame_cache puts it back) */
static GByteArray *body_of(const GByteArray *saved, size_t h)
{
	GByteArray *b = g_byte_array_new();
	size_t rows = (h + BODY_FRONT + ROWS_ALIGN - 1) / ROWS_ALIGN * ROWS_ALIGN;
	if (rows + 8 > saved->len)
		return b;
	g_byte_array_append(b, saved->data + h, (guint)BODY_FRONT);
	g_byte_array_append(b, saved->data + rows, (guint)(saved->len - rows - 8));
	return b;
}

static void layout_changed(const char *why)
{
	fprintf(stderr, "fuzz_cache: %s: update fuzz_cache.c after cache.c's layout change\n", why);
	abort();
}

/* Finds the header in a file cache_save() wrote for tables of a little more
 * than one chunk of packet rows (no connection), then checks that the framing
 * above rebuilds that file exactly (checksum included). */
static void learn_header(void)
{
	struct tables *t = tables_new();
	t->link_name = g_strdup("EN10MB");
	guint rows = ROW_CHUNK / sizeof(struct pkt) + 100;
	pkt_rows_set_len(t->packets, rows);
	for (guint i = 0; i < rows * sizeof(struct pkt); i++)
		t->packets->data[i] = (char)(i * 7 + i / 4096);
	GByteArray *saved = saved_cache(t);
	char *real = realpath(identity, NULL);
	size_t rl = strlen(real), end = 0;
	for (size_t i = 0; i + rl + 16 <= saved->len && !end; i++)
		if (memcmp(saved->data + i, real, rl) == 0)
			end = i + rl + 16;
	uint64_t total = saved->len;
	for (size_t i = 8; i + 8 <= end && !size_at; i++)
		if (memcmp(saved->data + i, &total, 8) == 0)
			size_at = i;
	if (!end || !size_at)
		layout_changed("the header does not end with path, size, time, or holds no file size");
	header = g_byte_array_new();
	g_byte_array_append(header, saved->data, (guint)end);
	GByteArray *body = body_of(saved, end);
	GByteArray *mine = frame_cache(body->data, body->len);
	g_byte_array_unref(body);
	if (mine->len != saved->len || memcmp(mine->data, saved->data, mine->len) != 0)
		layout_changed("the framing differs from cache_save()'s (checksum?)");
	g_byte_array_unref(mine);
	g_byte_array_unref(saved);
	free(real);
	tables_free(t);
}

/* FUZZ_CACHE_SEED=CAPTURE:OUT */
static void write_seed(const char *spec)
{
	char **parts = g_strsplit(spec, ":", 2);
	GError *err = NULL;
	if (!parts[0] || !parts[1]) {
		fprintf(stderr, "fuzz_cache: FUZZ_CACHE_SEED=CAPTURE:OUT\n");
		exit(2);
	}
	struct tables *t = capture_load(parts[0], NULL, NULL, &err);
	if (!t) {
		fprintf(stderr, "fuzz_cache: %s\n", err->message);
		exit(1);
	}
	t->stats.bytes = 0; /* cache_save checks it against the identity file, which is not CAPTURE */
	GByteArray *saved = saved_cache(t);
	GByteArray *body = body_of(saved, header->len);
	GByteArray *seed = g_byte_array_new();
	g_byte_array_append(seed, (const guint8 *)"\0", 1);
	g_byte_array_append(seed, body->data, body->len);
	if (!g_file_set_contents(parts[1], (const gchar *)seed->data, seed->len, &err)) {
		fprintf(stderr, "fuzz_cache: %s\n", err->message);
		exit(1);
	}
	exit(0);
}

static void cleanup(void)
{
	unlink(identity);
	rmdir(tmpdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	memfile_init(&cache, "fuzz_cache");
	tmpdir = g_dir_make_tmp("fuzz_cache-XXXXXX", NULL);
	if (!tmpdir)
		abort();
	identity = g_build_filename(tmpdir, "capture.pcap", NULL);
	if (!g_file_set_contents(identity, "not read: only its identity counts", -1, NULL))
		abort();
	atexit(cleanup);
	verbose = getenv("FUZZ_CACHE_VERBOSE") != NULL;
	learn_header();
	const char *seed = getenv("FUZZ_CACHE_SEED");
	if (seed)
		write_seed(seed);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* no other thread runs here: cache_load's helpers are joined before it returns */
	g_setenv("MPTCPANALYZER_ROWS_IN_FILE", (data[0] & 2) ? "1" : "0", TRUE);
	if (data[0] & 1) {
		memfile_set(&cache, data + 1, size - 1);
	} else {
		GByteArray *b = frame_cache(data + 1, size - 1);
		memfile_set(&cache, b->data, b->len);
		g_byte_array_unref(b);
	}
	GError *err = NULL;
	struct tables *t = cache_load(cache.path, identity, &err);
	if (!t) {
		if (!err || !err->message[0])
			abort();
		if (verbose)
			fprintf(stderr, "fuzz_cache: %s\n", err->message);
		g_error_free(err);
		return 0;
	}
	if (verbose)
		fprintf(stderr, "fuzz_cache: loaded %u packets, %u streams%s\n", t->packets->len, t->tcp->len,
		        t->packets->mapped ? " (rows mapped)" : "");
	fuzz_format_tables(t);
	tables_free(t);
	return 0;
}
