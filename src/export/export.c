/* export.c - text exporters (CSV, TSV, JSON lines) and atomic output files. */
#include "export/export.h"

#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include "capture/reader.h"
#include "export/columns.h"
#include "export/direct_out.h"
#include "table/load.h"
#include "track/mptcp_tracker.h"
#include "util/lazylib.h"

/* An existing device or pipe (/dev/null, a FIFO) is written in place:
 * renaming a temporary file over it would replace it (as root, /dev/null). */
static bool open_in_place(struct atomic_file *af, const char *path, GError **err)
{
	af->path = g_strdup(path);
	af->fp = fopen(path, "w");
	if (!af->fp) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: cannot write: %s", path, g_strerror(errno));
		g_free(af->path);
		af->path = NULL;
		return false;
	}
	return true;
}

/* The temporary file being written, removed if a signal ends the program
 * before it is complete (the final name is never touched). */
static char *volatile pending_tmp;

static void remove_pending_tmp(int sig)
{
	char *tmp = pending_tmp;
	if (tmp)
		unlink(tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void watch_tmp(char *tmp)
{
	static bool installed;
	if (!installed) {
		/* SIGXFSZ: a file size limit the writes cross (unless ignored: then
		 * they fail with EFBIG and the commit says so) */
		const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ };
		for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = remove_pending_tmp;
			sigemptyset(&sa.sa_mask);
			struct sigaction old;
			/* leave a signal the caller ignores ignored */
			if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
				sigaction(sigs[i], &sa, NULL);
		}
		installed = true;
	}
	pending_tmp = tmp;
}

/* ATOMIC_STREAM_FROM, or MPTCPANALYZER_STREAM_FROM bytes (the tests stream
 * and write small files directly with it) */
static uint64_t stream_from_env(void)
{
	const char *v = getenv("MPTCPANALYZER_STREAM_FROM");
	guint64 n;
	if (v && g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT64, &n, NULL))
		return n;
	return ATOMIC_STREAM_FROM;
}

bool atomic_open(struct atomic_file *af, const char *path, GError **err)
{
	memset(af, 0, sizeof *af);
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return open_in_place(af, path, err);
	af->path = g_strdup(path);
	af->tmp = g_strdup_printf("%s.tmp-XXXXXX", path);
	/* 0666 less the umask, as a file created directly would get */
	int fd = g_mkstemp_full(af->tmp, O_RDWR | O_CLOEXEC, 0666);
	if (fd < 0 || !(af->fp = fdopen(fd, "w"))) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: cannot write: %s", path, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		g_free(af->path);
		g_free(af->tmp);
		return false;
	}
	watch_tmp(af->tmp);
	af->can_reserve = file_blocks_reservable(fd);
	af->stream_from = stream_from_env();
	af->stream_step = ATOMIC_STREAM_STEP;
	return true;
}

/* A large export's first stream_from bytes through the page cache are pages
 * to allocate and fill, written out after the program ends: where the last
 * export freed its pages seconds before, a virtual machine's host backs each
 * of them again.  The 4.9M-packet export (1.17 GB) took 0.35 to 0.63 s of
 * system time with its first 256 MB through the page cache, 0.24 to 0.35 s
 * with the direct writer from its first row, which also sets the device to
 * work at once.  A small export stays in the page cache: done without
 * waiting for the device (the 118 MB export of 0.5M packets takes 5 to 30 ms
 * longer written directly), and ready to be read. */
void atomic_expect(struct atomic_file *af, uint64_t bytes)
{
	if (af->tmp && bytes >= af->stream_from)
		af->stream_from = 0;
}

bool file_blocks_reservable(int fd)
{
	struct statfs fs;
	return fstatfs(fd, &fs) == 0 && (fs.f_type == 0xEF53 /* ext2/3/4 */ || fs.f_type == 0x58465342 /* XFS */);
}

/* Renaming a new file over an old one makes ext4 (auto_da_alloc) allocate
 * and start writing out every block the new file has not been given yet:
 * 45 to 65 ms in the rename for a 118 MB export here, paid at each export
 * over the last one.  Blocks allocated ahead of the writes (past the end of
 * the file, which does not grow until written) leave the rename nothing to
 * do; the commit gives back what was allocated past the end. */
#define RESERVE_STEP (32u << 20)

/* A large export fills the page cache with its text: each page new memory
 * to the kernel (a virtual machine's host backs it on its first write, and
 * 1.17 GB of CSV took 2.0 to 3.3 s here instead of 1.3), and dirty, which
 * makes the kernel throttle the writer once there is enough of it.  Past
 * stream_from bytes the file is written out a step at a time (the step two
 * behind the one being filled, which stdio's buffer has left whole) and the
 * step two further behind, written by then, is dropped from the cache: its
 * pages are freed, and the next writes reuse them.  Neither call waits, and
 * neither changes a byte of the file.  Smaller exports are left to the page
 * cache, where replacing one export by the next is cheaper.  The exporters
 * write with atomic_write, which goes around the page cache altogether past
 * stream_from (O_DIRECT); this is what is left where that is refused. */
static void stream_out(struct atomic_file *af)
{
	if (!af->stream_step || af->written < af->stream_from)
		return;
	uint64_t step = af->stream_step, k = af->written / step; /* the step being filled */
	if (!af->stream_next)
		af->stream_next = k; /* the steps before stay to the page cache */
	int fd = fileno(af->fp);
	for (; af->stream_next <= k; af->stream_next++) {
		uint64_t j = af->stream_next;
		if (j >= 2)
			(void)sync_file_range(fd, (off_t)((j - 2) * step), (off_t)step, SYNC_FILE_RANGE_WRITE);
		if (j >= 4)
			(void)posix_fadvise(fd, (off_t)((j - 4) * step), (off_t)step, POSIX_FADV_DONTNEED);
		af->streamed_steps++;
	}
}

/* blocks allocated ahead of what is written */
static void atomic_wrote_reserve(struct atomic_file *af)
{
	if (!af->can_reserve || af->written + RESERVE_STEP / 4 <= af->reserved)
		return;
	uint64_t want = af->written + RESERVE_STEP;
	if (fallocate(fileno(af->fp), FALLOC_FL_KEEP_SIZE, (off_t)af->reserved, (off_t)(want - af->reserved)) == 0)
		af->reserved = want;
	else
		af->can_reserve = false; /* a full disk is reported by the writes, not here */
}

void atomic_wrote(struct atomic_file *af, size_t n)
{
	af->written += n;
	stream_out(af); /* a device or pipe written in place has no step: nothing */
	atomic_wrote_reserve(af);
}

/* Past stream_from, a writer that goes through here hands its bytes to the
 * direct writer: no page cache at all, where streaming (above) still has
 * the kernel copy every byte into pages it allocates and frees. */
void atomic_write(struct atomic_file *af, const void *p, size_t n)
{
	if (!af->direct && !af->direct_refused && af->tmp && af->stream_step &&
	    af->written + n > af->stream_from) {
		/* everything before goes first, through fp */
		if (fflush(af->fp) == 0 && !ferror(af->fp))
			af->direct = direct_out_start(fileno(af->fp), af->tmp, af->written);
		af->direct_refused = !af->direct;
	}
	if (!af->direct) {
		fwrite(p, 1, n, af->fp);
		atomic_wrote(af, n);
		return;
	}
	if (!direct_out_write(af->direct, p, n))
		af->direct_failed = true;
	af->written += n;
	af->direct_bytes += n;
	atomic_wrote_reserve(af);
}

/* the direct writer's last bytes, the file cut to its length; false when a write failed */
static bool direct_finish(struct atomic_file *af)
{
	if (!af->direct)
		return !af->direct_failed;
	bool ok = direct_out_finish(af->direct) && !af->direct_failed;
	af->direct = NULL;
	return ok;
}

bool atomic_rewind(struct atomic_file *af)
{
	direct_out_abort(af->direct);
	af->direct = NULL;
	af->written = af->reserved = af->stream_next = af->streamed_steps = 0;
	return fflush(af->fp) == 0 && ftruncate(fileno(af->fp), 0) == 0 && fseek(af->fp, 0, SEEK_SET) == 0;
}

/* gives back the blocks allocated past the end of the file */
static bool release_reserve(struct atomic_file *af)
{
	if (!af->reserved)
		return true;
	off_t end;
	return fflush(af->fp) == 0 && (end = ftello(af->fp)) >= 0 && ftruncate(fileno(af->fp), end) == 0;
}

static void *close_run(void *data)
{
	close((int)(intptr_t)data);
	return NULL;
}

/* The file the rename replaces, held open so that the rename does not free
 * it: the kernel frees its pages when the last reference goes (8 to 12 ms
 * for the 118 MB of the last export), which another thread's close then
 * does while this one goes on (or a child process, see release_by_child).
 * -1: no such file. */
static int hold_replaced(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static bool release_in_child; /* atomic_release_in_child() */

void atomic_release_in_child(void)
{
	release_in_child = true;
}

/* The exit of a process waits for its threads, and a thread in the last
 * close of a big file stays in it until the pages are freed: a program about
 * to exit hands the file to a child (/bin/true, its fd 3) whose own exit
 * frees it, and does not wait for it (it is reaped once this one exits).
 * False when the child could not be started. */
static bool release_by_child(int fd)
{
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return false;
	char *argv[] = { (char *)"true", NULL }, *envp[] = { NULL };
	pid_t pid;
	/* its standard streams on /dev/null: a reader of ours sees the end when we exit */
	bool ok = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) == 0 &&
	          posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) == 0 &&
	          posix_spawn_file_actions_adddup2(&fa, 1, 2) == 0 &&
	          posix_spawn_file_actions_adddup2(&fa, fd, 3) == 0 &&
	          posix_spawn(&pid, "/bin/true", &fa, NULL, argv, envp) == 0;
	posix_spawn_file_actions_destroy(&fa);
	if (ok)
		close(fd); /* not the last reference: the child's is */
	return ok;
}

static void release_replaced(int fd)
{
	pthread_t th;
	pthread_attr_t attr;
	if (fd < 0 || (release_in_child && release_by_child(fd)))
		return;
	if (pthread_attr_init(&attr) == 0) {
		bool started = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
		               pthread_create(&th, &attr, close_run, (void *)(intptr_t)fd) == 0;
		pthread_attr_destroy(&attr);
		if (started)
			return;
	}
	close(fd);
}

bool atomic_commit(struct atomic_file *af, GError **err)
{
	/* the direct writer cuts the file to its length: nothing reserved is left */
	bool had_direct = af->direct != NULL;
	bool ok = direct_finish(af);
	ok = !ferror(af->fp) && ok && (had_direct || release_reserve(af));
	if (fclose(af->fp) != 0)
		ok = false;
	af->fp = NULL;
	pending_tmp = NULL;
	int replaced = ok && af->tmp ? hold_replaced(af->path) : -1;
	if (ok && af->tmp && rename(af->tmp, af->path) != 0)
		ok = false;
	int failure = errno; /* what the message below says, whatever the release does */
	release_replaced(replaced);
	errno = failure;
	if (!ok) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: write failed: %s", af->path, g_strerror(errno));
		if (af->tmp)
			unlink(af->tmp);
	}
	g_free(af->path);
	g_free(af->tmp);
	return ok;
}

void atomic_abort(struct atomic_file *af)
{
	pending_tmp = NULL;
	direct_out_abort(af->direct);
	if (af->fp)
		fclose(af->fp);
	if (af->tmp)
		unlink(af->tmp);
	g_free(af->path);
	g_free(af->tmp);
	memset(af, 0, sizeof *af);
}

bool export_delimiter_ok(const char *s)
{
	return s && s[0] && !s[1] && s[0] != '"' && s[0] != '\n' && s[0] != '\r';
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

/* the bytes that make a CSV value quoted: the delimiter, a quote, a comma
 * (lists) or a newline; one table lookup per byte of every value */
static void csv_special_init(bool special[256], char delim)
{
	memset(special, 0, 256);
	special[(unsigned char)delim] = special['"'] = special[','] = special['\n'] = true;
}

static bool csv_needs_quotes(const bool special[256], const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (special[(unsigned char)v[i]])
			return true;
	return false;
}

/* appends a CSV value, quoted when it needs it */
static void csv_value(GString *line, const char *v, size_t n, char delim, const bool special[256])
{
	if (!csv_needs_quotes(special, v, n)) {
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

/* the names, quoted like values when they hold a CSV delimiter
 * ("expected_token" with x) */
static void write_header(FILE *fp, struct atomic_file *af, GPtrArray *cols, const struct export_opts *o,
                         const bool special[256])
{
	if (o->format == EXP_JSONL)
		return;
	char sep = o->format == EXP_TSV ? '\t' : o->delimiter;
	GString *line = g_string_new(NULL);
	for (guint i = 0; i < cols->len; i++) {
		const struct column *c = cols->pdata[i];
		const char *name = o->tshark_names ? c->tshark : c->name;
		if (i)
			g_string_append_c(line, sep);
		if (o->format == EXP_CSV)
			csv_value(line, name, strlen(name), sep, special);
		else
			g_string_append(line, name);
	}
	g_string_append_c(line, '\n');
	fputs(line->str, fp);
	if (af)
		atomic_wrote(af, line->len);
	g_string_free(line, TRUE);
}

/* What one thread needs to format rows: reused line buffers and the text of
 * the rows it formatted, written out in row order. */
struct row_buf {
	GString *line, *v, *out;
};

/* rows read out of the tables at a time (a batch), and written at a time
 * without other threads */
#define BATCH_ROWS 4096
#define MAX_THREADS 8

/* A text writer: output file, columns, and the formatting threads. */
struct text_writer {
	FILE *fp;
	GPtrArray *cols;
	const struct export_opts *o;
	struct row_buf buf;      /* the caller's, when it formats (one thread) */
	struct row_store store;  /* the caller's row options and frame lists */
	struct atomic_file af;
	struct atomic_file *out;  /* &af, told what is written; NULL: stdout */
	bool special[256];       /* CSV: bytes that need quotes */
	size_t row_room;         /* the most bytes a row's values and separators take */
	bool default_cols;       /* the default columns: columns_write_default */
	bool quotes_by_lists;    /* CSV: a row needs quotes iff a list has 2 values */
	GHashTable *reinjected_in; /* whole tables: built once (see reinjected_in_map) */
	struct format_pool *pool; /* the formatting threads; NULL: the caller formats */
};

/* The threads that format: the caller alone (1), or the caller reading rows
 * out for n - 1 formatting threads.  MPTCPANALYZER_THREADS, or one
 * formatting thread per processor: the loader's two threads leave them
 * processors while the file is read, and the rows still held when it ends
 * (the settle lag and the hold, a quarter of a 0.5M-packet capture) are
 * formatted on all of them while the caller reads them out.  The tests and
 * benchmarks compare the outputs with 1 thread and with more. */
static guint formatting_threads(void)
{
	const char *v = getenv("MPTCPANALYZER_THREADS");
	guint64 n = 0;
	if (!v || !g_ascii_string_to_unsigned(v, 10, 1, MAX_THREADS, &n, NULL))
		n = (guint64)g_get_num_processors() + 1;
	return CLAMP((guint)n, 1, MAX_THREADS);
}

static void row_buf_init(struct row_buf *b)
{
	b->line = g_string_sized_new(512);
	b->v = g_string_sized_new(64);
	b->out = g_string_sized_new(1 << 16);
}

static void row_buf_free(struct row_buf *b)
{
	g_string_free(b->line, TRUE);
	g_string_free(b->v, TRUE);
	g_string_free(b->out, TRUE);
}

static struct format_pool *format_pool_new(const struct text_writer *w, guint workers);
static void format_pool_free(struct format_pool *fp);

static bool writer_open(struct text_writer *w, const char *path, const struct export_opts *o, GError **err)
{
	memset(w, 0, sizeof *w);
	w->o = o;
	w->fp = stdout;
	if (strcmp(path, "-") != 0) {
		if (!atomic_open(&w->af, path, err))
			return false;
		w->fp = w->af.fp;
		w->out = &w->af;
		/* rows are small and many: fewer, larger writes */
		setvbuf(w->fp, NULL, _IOFBF, 1 << 20);
	}
	csv_special_init(w->special, o->delimiter);
	w->cols = o->columns ? g_ptr_array_ref(o->columns) : columns_default();
	w->row_room = (size_t)w->cols->len * COLUMN_ROOM;
	w->default_cols = !o->columns;
	/* a delimiter no value is made of: only a list's commas need quotes */
	w->quotes_by_lists = o->format == EXP_CSV &&
	                     (o->delimiter == ',' || !strchr(COLUMN_VALUE_BYTES, o->delimiter));
	row_buf_init(&w->buf);
	row_store_init(&w->store);
	guint threads = formatting_threads();
	if (threads > 1)
		w->pool = format_pool_new(w, threads - 1);
	write_header(w->fp, w->out, w->cols, o, w->special);
	return true;
}

/* commit (ok) or abort the output; true when it was written completely */
static bool writer_close(struct text_writer *w, bool ok, GError **err)
{
	format_pool_free(w->pool); /* first: it formats with the columns */
	g_ptr_array_unref(w->cols);
	if (w->reinjected_in)
		g_hash_table_destroy(w->reinjected_in);
	row_buf_free(&w->buf);
	row_store_free(&w->store);
	if (!w->out) {
		if (ok && (fflush(stdout) != 0 || ferror(stdout))) {
			g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "standard output: write failed: %s",
			            g_strerror(errno));
			return false;
		}
		return ok;
	}
	if (!ok) {
		atomic_abort(&w->af);
		return false;
	}
	return atomic_commit(&w->af, err);
}

static void format_json_row(const struct text_writer *w, const struct row_ctx *r, struct row_buf *b)
{
	const struct export_opts *o = w->o;
	GString *line = b->line, *v = b->v;
	g_string_truncate(line, 0);
	g_string_append_c(line, '{');
	for (guint i = 0; i < w->cols->len; i++) {
		const struct column *c = w->cols->pdata[i];
		g_string_truncate(v, 0);
		column_append(c, r, v);
		if (i)
			g_string_append_c(line, ',');
		g_string_append_c(line, '"');
		g_string_append(line, o->tshark_names ? c->tshark : c->name);
		g_string_append(line, "\":");
		json_value(line, c, v->str, v->len);
	}
	g_string_append(line, "}\n");
}

#ifdef __SSE2__
#include <emmintrin.h>

/* True when a CSV line written without quotes is exactly what quoting would
 * write: the only bytes that make a value quoted (the delimiter, a quote, a
 * comma, a newline: `special`) are the ncols - 1 delimiters between the
 * values.  Sixteen bytes per step: four compares and a subtraction. */
static bool csv_line_plain(const char *s, size_t n, char delim, guint ncols, const bool special[256])
{
	/* the bytes csv_special_init marks */
	const __m128i d = _mm_set1_epi8(delim), q = _mm_set1_epi8('"'), c = _mm_set1_epi8(','),
	              nl = _mm_set1_epi8('\n');
	size_t count = 0, i = 0;
	while (i + 16 <= n) {
		/* each byte lane counts its matches (a match is -1: subtracted);
		 * at most 255 steps before the lanes are summed */
		__m128i acc = _mm_setzero_si128();
		for (int k = 0; k < 255 && i + 16 <= n; k++, i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, d), _mm_cmpeq_epi8(x, q)),
			                         _mm_or_si128(_mm_cmpeq_epi8(x, c), _mm_cmpeq_epi8(x, nl)));
			acc = _mm_sub_epi8(acc, m);
		}
		__m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
		count += (size_t)_mm_cvtsi128_si32(sums) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
	}
	for (; i < n; i++)
		count += special[(unsigned char)s[i]];
	return count + 1 == ncols;
}
#else
#define ONES8 0x0101010101010101ull
#define HIGH8 0x8080808080808080ull
#define LOW7 0x7f7f7f7f7f7f7f7full

/* number of bytes of x below `below` (at most 128), exactly: no carry crosses
 * a byte (the bit-twiddling "countless") */
static inline uint64_t count_below(uint64_t x, uint64_t below)
{
	uint64_t t = ((ONES8 * (127 + below)) - (x & LOW7)) & ~x & HIGH8;
	return ((t >> 7) * ONES8) >> 56;
}

/* True when a CSV line written without quotes is exactly what quoting would
 * write.  Every byte that makes a value quoted (delimiter, quote, comma,
 * newline) is below `below`; when the only such bytes in the line are the
 * ncols - 1 delimiters between the values, no value holds one.  Anything else
 * (a space, say) sends the line to the exact check, value by value. */
static bool csv_line_plain(const char *s, size_t n, char delim, guint ncols, const bool special[256])
{
	(void)special;
	unsigned below = MAX(MAX((unsigned)(unsigned char)delim, (unsigned)'"'), MAX((unsigned)',', (unsigned)'\n')) + 1;
	if (below > 128)
		return false;
	uint64_t count = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		count += count_below(x, below);
	}
	for (; i < n; i++)
		count += (unsigned char)s[i] < below;
	return count + 1 == ncols;
}
#endif

/* CSV with the values checked one by one, appended to `out`: the rare one
 * that needs quotes is moved out and appended again, quoted */
static void format_csv_checked(const struct text_writer *w, const struct row_ctx *r, char sep, GString *out,
                               GString *v)
{
	for (guint i = 0; i < w->cols->len; i++) {
		const struct column *c = w->cols->pdata[i];
		if (i)
			g_string_append_c(out, sep);
		size_t start = out->len;
		column_append(c, r, out);
		if (csv_needs_quotes(w->special, out->str + start, out->len - start)) {
			g_string_truncate(v, 0);
			g_string_append_len(v, out->str + start, (gssize)(out->len - start));
			g_string_truncate(out, start);
			csv_value(out, v->str, v->len, sep, w->special);
		}
	}
}

/* CSV and TSV: every value is formatted straight into the output buffer; a
 * CSV row is then checked once, and built again value by value if some
 * value needs quotes.  JSON lines are built in b->line, then appended. */
static void format_ctx(const struct text_writer *w, const struct row_ctx *r, struct row_buf *b)
{
	const struct export_opts *o = w->o;
	if (o->format == EXP_JSONL) {
		format_json_row(w, r, b);
		g_string_append_len(b->out, b->line->str, (gssize)b->line->len);
		return;
	}
	GString *out = b->out;
	size_t start = out->len;
	char sep = o->format == EXP_TSV ? '\t' : o->delimiter;
	const struct column *const *cols = (const struct column *const *)w->cols->pdata;
	guint ncols = w->cols->len;
	struct cursor k; /* room for the whole row: each value is then a few stores */
	cursor_open(&k, out, w->row_room);
	if (w->default_cols) {
		columns_write_default(r, &k, sep);
	} else if (ncols > 0) {
		cols[0]->format(r, &k);
		for (guint i = 1; i < ncols; i++) {
			*k.p++ = sep;
			cols[i]->format(r, &k);
		}
	}
	cursor_close(&k);
	bool plain = o->format != EXP_CSV ||
	             (w->quotes_by_lists ? k.splits == 0
	                                 : csv_line_plain(out->str + start, out->len - start, sep, ncols, w->special));
	if (!plain) {
		g_string_truncate(out, start);
		/* the table's functions read an inline DSS as the option it was */
		struct row_ctx finished = *r;
		row_ctx_finish(&finished);
		format_csv_checked(w, &finished, sep, out, b->v);
	}
	g_string_append_c(out, '\n');
}

/* the buffer's text to the output (in row order: one thread at a time) */
static void write_buf(const struct text_writer *w, struct row_buf *b)
{
	GString *out = b->out;
	if (w->out)
		atomic_write(w->out, out->str, out->len);
	else
		fwrite(out->str, 1, out->len, w->fp);
	g_string_truncate(out, 0);
}

/* Rows read out of the tables (row_ctx holds no pointer into them), for a
 * formatting thread. */
struct row_batch {
	struct row_ctx *rows;    /* room for `room` rows, made when first needed */
	uint32_t n, room;
	uint64_t number;         /* batches are written in this order */
	struct row_store store;
};

/* The formatting threads, started once per export.  The caller (the loader,
 * between two batches of packets) reads rows out of the tables into a free
 * batch and queues it; a thread takes it, formats it, writes it once every
 * batch queued before it is written, and frees it.  So formatting and
 * writing run beside the loading: only reading the rows out waits for the
 * tables.  pthread primitives, as the loader's queue: ThreadSanitizer sees
 * them (GLib's futex-based locks it does not). */
struct format_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;     /* a batch was queued, or quit */
	pthread_cond_t room;     /* a batch was freed */
	pthread_cond_t turn;     /* a batch was written */
	const struct text_writer *w;
	struct row_batch *batches;
	guint n_batches;
	struct row_batch **free; /* a stack of free batches */
	guint n_free;
	struct row_batch **queue; /* a ring of batches to format */
	guint head, queued;
	uint64_t issued;         /* batches queued so far */
	uint64_t next_write;     /* the number of the next batch to write */
	bool quit;
	guint n;
	pthread_t threads[MAX_THREADS];
};

/* The default CSV/TSV row writes an inline DSS's columns from the row: only
 * the table's functions need the option rebuilt (row_ctx_finish). */
static bool rows_fused(const struct text_writer *w)
{
	return w->default_cols && w->o->format != EXP_JSONL;
}

/* formats a batch, then writes it in its turn, then frees it */
static void format_batch(struct format_pool *fp, struct row_batch *b, struct row_buf *buf)
{
	bool fused = rows_fused(fp->w);
	for (uint32_t i = 0; i < b->n; i++) {
		if (!fused)
			row_ctx_finish(&b->rows[i]);
		format_ctx(fp->w, &b->rows[i], buf);
	}
	pthread_mutex_lock(&fp->lock);
	while (fp->next_write != b->number)
		pthread_cond_wait(&fp->turn, &fp->lock);
	pthread_mutex_unlock(&fp->lock);
	write_buf(fp->w, buf);
	pthread_mutex_lock(&fp->lock);
	fp->next_write++;
	pthread_cond_broadcast(&fp->turn);
	fp->free[fp->n_free++] = b;
	pthread_cond_signal(&fp->room);
	pthread_mutex_unlock(&fp->lock);
}

/* How much lower the formatting threads run than the loading ones (nice).
 * The reading and tracking threads feed everything else, and wait for each
 * other: when a formatting thread takes the processor of one of them, both
 * wait.  A lower priority lets them come first; the formatting threads take
 * what they leave (and all of it once the capture is read).  On the 2-vCPU
 * VM, nice +10 and +19 took (d) from 0.1941 to 0.1870 and 0.1897 s (31
 * interleaved runs; 0.2175 -> 0.2077 s and 0.2055 -> 0.1990 s in two other
 * series). */
#define FORMAT_NICE 10

/* Linux gives each thread its own nice value: only this one's changes */
static void lower_priority(void)
{
#if defined(__linux__)
	id_t self = (id_t)gettid();
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, self);
	if (errno == 0)
		(void)setpriority(PRIO_PROCESS, self, MIN(nice + FORMAT_NICE, 19));
#endif
}

static void *format_worker_run(void *data)
{
	struct format_pool *fp = data;
	lower_priority();
	/* named once its priority is set (test_threads.py looks for the name) */
	pthread_setname_np(pthread_self(), "mptcpa-format");
	struct row_buf buf;
	row_buf_init(&buf);
	pthread_mutex_lock(&fp->lock);
	for (;;) {
		while (fp->queued == 0 && !fp->quit)
			pthread_cond_wait(&fp->work, &fp->lock);
		if (fp->queued == 0)
			break;
		struct row_batch *b = fp->queue[fp->head];
		fp->head = (fp->head + 1) % fp->n_batches;
		fp->queued--;
		pthread_mutex_unlock(&fp->lock);
		format_batch(fp, b, &buf);
		pthread_mutex_lock(&fp->lock);
	}
	pthread_mutex_unlock(&fp->lock);
	row_buf_free(&buf);
	return NULL;
}

static struct format_pool *format_pool_new(const struct text_writer *w, guint workers)
{
	struct format_pool *fp = g_new0(struct format_pool, 1);
	pthread_mutex_init(&fp->lock, NULL);
	pthread_cond_init(&fp->work, NULL);
	pthread_cond_init(&fp->room, NULL);
	pthread_cond_init(&fp->turn, NULL);
	fp->w = w;
	/* one being filled, one queued and one being formatted per thread */
	fp->n_batches = 2 * workers + 1;
	fp->batches = g_new0(struct row_batch, fp->n_batches);
	fp->free = g_new(struct row_batch *, fp->n_batches);
	fp->queue = g_new(struct row_batch *, fp->n_batches);
	for (guint i = 0; i < fp->n_batches; i++) {
		row_store_init(&fp->batches[i].store);
		fp->free[fp->n_free++] = &fp->batches[i];
	}
	for (guint i = 0; i < workers; i++) {
		if (pthread_create(&fp->threads[fp->n], NULL, format_worker_run, fp) != 0)
			break;
		fp->n++;
	}
	return fp;
}

/* returns once every batch queued is written */
static void format_pool_drain(struct format_pool *fp)
{
	if (!fp)
		return;
	pthread_mutex_lock(&fp->lock);
	while (fp->next_write != fp->issued)
		pthread_cond_wait(&fp->turn, &fp->lock);
	pthread_mutex_unlock(&fp->lock);
}

static void format_pool_free(struct format_pool *fp)
{
	if (!fp)
		return;
	format_pool_drain(fp);
	pthread_mutex_lock(&fp->lock);
	fp->quit = true;
	pthread_cond_broadcast(&fp->work);
	pthread_mutex_unlock(&fp->lock);
	for (guint i = 0; i < fp->n; i++)
		pthread_join(fp->threads[i], NULL);
	for (guint i = 0; i < fp->n_batches; i++) {
		row_store_free(&fp->batches[i].store);
		g_free(fp->batches[i].rows);
	}
	g_free(fp->batches);
	g_free(fp->free);
	g_free(fp->queue);
	pthread_mutex_destroy(&fp->lock);
	pthread_cond_destroy(&fp->work);
	pthread_cond_destroy(&fp->room);
	pthread_cond_destroy(&fp->turn);
	g_free(fp);
}

/* reads rows [from, to) (at most BATCH_ROWS) into a free batch and queues it */
static void queue_rows(struct format_pool *fp, const struct tables *t, uint32_t from, uint32_t to)
{
	pthread_mutex_lock(&fp->lock);
	while (fp->n_free == 0)
		pthread_cond_wait(&fp->room, &fp->lock);
	struct row_batch *b = fp->free[--fp->n_free];
	pthread_mutex_unlock(&fp->lock);
	if (b->room < to - from) { /* a small export allocates little */
		g_free(b->rows);
		b->room = to - from;
		b->rows = g_new(struct row_ctx, b->room);
	}
	row_store_clear(&b->store);
	b->n = 0;
	for (uint32_t row = from; row < to; row++)
		row_ctx_read(&b->rows[b->n++], t, row, fp->w->reinjected_in, &b->store);
	pthread_mutex_lock(&fp->lock);
	b->number = fp->issued++;
	fp->queue[(fp->head + fp->queued) % fp->n_batches] = b;
	fp->queued++;
	pthread_cond_signal(&fp->work);
	pthread_mutex_unlock(&fp->lock);
}

/* Formats rows [from, to) and writes them in order: on the formatting
 * threads when there are some (the tables may change once this returns: the
 * rows were read out), else here. */
static void write_rows(struct text_writer *w, const struct tables *t, uint32_t from, uint32_t to)
{
	for (uint32_t row = from; row < to;) {
		uint32_t next = row + MIN(BATCH_ROWS, to - row);
		if (w->pool && w->pool->n > 0) {
			queue_rows(w->pool, t, row, next);
		} else {
			bool fused = rows_fused(w);
			for (uint32_t i = row; i < next; i++) {
				struct row_ctx r;
				row_store_clear(&w->store);
				row_ctx_read(&r, t, i, w->reinjected_in, &w->store);
				if (!fused)
					row_ctx_finish(&r);
				format_ctx(w, &r, &w->buf);
			}
			write_buf(w, &w->buf);
		}
		row = next;
	}
}

bool export_tables(const struct tables *t, const char *path, const struct export_opts *o, GError **err)
{
	if (o->format == EXP_SQLITE)
		return export_sqlite(t, path, err);
	struct text_writer w;
	if (!writer_open(&w, path, o, err))
		return false;
	if (!t->reinjected_in)
		w.reinjected_in = reinjected_in_map(t);
	write_rows(&w, t, t->pkt_base, tables_n_pkts(t)); /* in batches of BATCH_ROWS */
	return writer_close(&w, true, err);
}

/* ------------------------------------------------------------------ streaming */

static void discard_rows(struct tables *t, uint32_t from, uint32_t to, void *user)
{
	(void)t, (void)from, (void)to, (void)user;
}

static void write_rows_sink(struct tables *t, uint32_t from, uint32_t to, void *user)
{
	write_rows(user, t, from, to);
}

/* Progress over both passes: the first fills the first half of the bar. */
struct pass_progress {
	load_progress_fn fn;
	void *user;
	uint64_t pass, passes;
};

static void pass_progress_cb(uint64_t done, uint64_t total, void *user)
{
	const struct pass_progress *pp = user;
	pp->fn(pp->pass * total + done, pp->passes * total, pp->user);
}

/* true when the export writes the column (all of them by default) */
static bool wants_column(const struct export_opts *o, const char *name)
{
	if (!o->columns)
		return true;
	for (guint i = 0; i < o->columns->len; i++)
		if (strcmp(((const struct column *)o->columns->pdata[i])->name, name) == 0)
			return true;
	return false;
}

/* One pass when it can.  A row is written before the capture is read to
 * its end, but its reinjected_in lists later packets: the rows are written
 * `hold` rows after they settle, with the repeats found by then.  A repeat of
 * a row already written (a retransmission long after the data, say on a
 * subflow that failed) means the rows written so far lack it: the rest of
 * the pass only tracks, the output is emptied, and a second pass writes it
 * again with every repeat the first one found. */
struct one_pass {
	struct text_writer *w;
	guint links_seen;      /* links of t->links added to w->reinjected_in */
	bool late;             /* a row was repeated after it was written */
	struct link first_late;
};

static void write_rows_one_pass(struct tables *t, uint32_t from, uint32_t to, void *user)
{
	struct one_pass *op = user;
	for (; !op->late && op->links_seen < t->links->len; op->links_seen++) {
		const struct link *l = &g_array_index(t->links, struct link, op->links_seen);
		if (l->orig < from) {
			op->late = true;
			op->first_late = *l;
		} else {
			reinjected_in_add(op->w->reinjected_in, l);
		}
	}
	if (!op->late)
		write_rows(op->w, t, from, to);
}

/* empties the output file (a temporary one) to write it again */
static bool writer_restart(struct text_writer *w, GError **err)
{
	format_pool_drain(w->pool);
	if (!atomic_rewind(&w->af)) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: write failed: %s", w->af.path,
		            g_strerror(errno));
		return false;
	}
	write_header(w->fp, w->out, w->cols, w->o, w->special);
	return true;
}

/* the export's passes: 2 when MPTCPANALYZER_EXPORT_PASSES=2 (the tests
 * compare both ways), else one when it can */
static bool two_passes_forced(void)
{
	const char *v = getenv("MPTCPANALYZER_EXPORT_PASSES");
	return v && strcmp(v, "2") == 0;
}

static void report_passes(const struct export_opts *o, unsigned passes, const struct one_pass *op)
{
	if (!o->report)
		return;
	o->report->passes = passes;
	o->report->late = op && op->late;
	if (o->report->late) {
		o->report->late_frame = op->first_late.pkt_frame;
		o->report->late_orig_frame = op->first_late.orig_frame;
	}
}

/* the end of an export: the capture's warning, the output committed (or
 * removed when the pass failed) and the tables freed */
static bool export_done(struct text_writer *w, struct tables *t, GError **err)
{
	if (t && t->warning)
		g_printerr("%s: warning: %s\n", g_get_prgname(), t->warning);
	bool loaded = t != NULL;
	/* first: the formatting threads may still be at the last rows (read out
	 * of the tables already), which writer_close waits for */
	tables_free(t);
	return w ? writer_close(w, loaded, err) : loaded;
}

/* the later copies of each packet, from the links of a pass that is done */
static GHashTable *links_of_pass(struct tables *t)
{
	GHashTable *later = reinjected_in_map(t);
	tables_free(t);
	return later;
}

bool export_capture(const char *capture, const char *path, const struct export_opts *o,
                    load_progress_fn progress, void *user, GError **err)
{
	if (o->format == EXP_SQLITE) {
		if (!lazylib_ready(&lazy_sqlite, err)) /* before the capture is loaded for nothing */
			return false;
		struct tables *t = capture_load(capture, progress, user, err);
		bool ok = t && export_sqlite(t, path, err);
		report_passes(o, 1, NULL);
		return export_done(NULL, t, NULL) && ok;
	}
	struct text_writer w;
	if (!writer_open(&w, path, o, err))
		return false;
	/* a row of text per packet is longer than the packet's record in a
	 * capture of headers (as MPTCP captures usually are: 107 bytes a packet
	 * in bench/, 235 in the CSV); a capture of whole packets makes less */
	struct stat st;
	if (w.out && stat(capture, &st) == 0 && S_ISREG(st.st_mode))
		atomic_expect(w.out, (uint64_t)st.st_size);
	struct pass_progress pp = { progress, user, 0, 1 };
	load_progress_fn pcb = progress ? pass_progress_cb : NULL;
	struct load_sink sink = { write_rows_sink, &w, NULL, o->window, 0 };
	struct one_pass op = { &w, 0, false, { 0, 0, 0, 0 } };
	unsigned passes = 1;
	/* without reinjected_in, or written in place (stdout, a pipe: it cannot
	 * be emptied), the single pass or the two passes are known in advance */
	bool repeats = wants_column(o, "reinjected_in");
	if (repeats && w.af.tmp && !two_passes_forced()) {
		w.reinjected_in = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
		                                        (GDestroyNotify)g_array_unref);
		sink.rows = write_rows_one_pass;
		sink.user = &op;
		sink.hold = o->window ? o->window : MPTCP_SETTLE_LAG;
		struct tables *t = capture_load_stream(capture, &sink, pcb, &pp, err);
		if (!t || !op.late) {
			report_passes(o, 1, &op);
			return export_done(&w, t, err);
		}
		/* a late repeat: the links of the whole capture are known now */
		g_hash_table_destroy(w.reinjected_in);
		w.reinjected_in = NULL;
		sink.reinjected_in = links_of_pass(t);
		if (!writer_restart(&w, err)) {
			g_hash_table_destroy(sink.reinjected_in);
			writer_close(&w, false, NULL);
			return false;
		}
		passes = 2;
	} else if (repeats) {
		/* pass 1, for the reinjected_in column only: a packet's later copies */
		struct load_sink first = { discard_rows, NULL, NULL, o->window, 0 };
		pp.passes = 2;
		struct tables *t = capture_load_stream(capture, &first, pcb, &pp, err);
		if (!t)
			return export_done(&w, NULL, NULL);
		sink.reinjected_in = links_of_pass(t);
		pp.pass = 1;
		passes = 2;
	}

	/* every row, written as soon as it is final (the tables own the map) */
	sink.rows = write_rows_sink;
	sink.user = &w;
	sink.hold = 0;
	struct tables *t = capture_load_stream(capture, &sink, pcb, &pp, err);
	if (sink.reinjected_in)
		g_hash_table_destroy(sink.reinjected_in);
	report_passes(o, passes, &op);
	return export_done(&w, t, err);
}
