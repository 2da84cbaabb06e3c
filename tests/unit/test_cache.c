/* test_cache.c - the binary table cache: a round trip gives back every table
 * exactly (compared with a fresh capture_load), and a cache that is stale,
 * truncated anywhere, has any byte flipped, another format version, or rows
 * pointing outside the tables is refused with a reason, never trusted and
 * never crashing (run under ASan); a cache written while the last rows
 * settle keeps every reinjection mark.  Skips what needs ../shared when it is
 * absent. */
#include <glib.h>
#include "test_common.h"
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "capture/reader.h"
#include "table/cache.h"
#include "table/load.h"
#include <pcap/pcap.h>
#include "pkt_builder.h"

static char *shared_dir;
static char *tmp_dir;

static char *capture_path(const char *rel)
{
	return g_build_filename(shared_dir, "captures", rel, NULL);
}

static char *tmp_path(const char *name)
{
	return g_build_filename(tmp_dir, name, NULL);
}

static void save(const struct tables *t, const char *file)
{
	GError *err = NULL;
	g_assert_true(cache_save(t, file, &err));
	g_assert_no_error(err);
}

/* loads a cache that must be refused with code `code` and `why` in the message */
static void assert_refused(const char *file, const char *capture, int code, const char *why)
{
	GError *err = NULL;
	struct tables *t = cache_load(file, capture, &err);
	g_assert_null(t);
	g_assert_error(err, MPTCPA_ERROR, code);
	if (why && !strstr(err->message, why))
		g_error("message '%s' does not say '%s'", err->message, why);
	g_error_free(err);
}

static void copy_file(const char *from, const char *to)
{
	gchar *data;
	gsize len;
	g_assert_true(g_file_get_contents(from, &data, &len, NULL));
	test_put_file(to, data, (gssize)len);
	g_free(data);
}

/* ------------------------------------------------------------------ comparing tables */

static void assert_same_array(const GArray *a, const GArray *b, size_t elsize)
{
	g_assert_cmpuint(a->len, ==, b->len);
	if (a->len)
		g_assert_cmpmem(a->data, (size_t)a->len * elsize, b->data, (size_t)b->len * elsize);
}

static void assert_same_tcp(const struct tables *a, const struct tables *b)
{
	g_assert_cmpuint(a->tcp->len, ==, b->tcp->len);
	for (guint i = 0; i < a->tcp->len; i++) {
		struct tcp_conn x = *tables_tcp(a, i), y = *tables_tcp(b, i);
		g_assert_cmpstr(x.unlinked_reason, ==, y.unlinked_reason);
		x.unlinked_reason = y.unlinked_reason = NULL;
		g_assert_cmpmem(&x, sizeof x, &y, sizeof y);
	}
}

static void assert_same_mptcp(const struct tables *a, const struct tables *b)
{
	g_assert_cmpuint(a->mptcp->len, ==, b->mptcp->len);
	for (guint i = 0; i < a->mptcp->len; i++) {
		struct mptcp_conn x = *tables_mptcp(a, i), y = *tables_mptcp(b, i);
		assert_same_array(x.subflows, y.subflows, sizeof(uint32_t));
		x.subflows = y.subflows = NULL;
		for (int k = 0; k < 2; k++) {
			for (int d = 0; d < 2; d++) {
				g_assert_true(!x.bases[k][d] == !y.bases[k][d]);
				if (x.bases[k][d])
					assert_same_array(x.bases[k][d], y.bases[k][d], sizeof(struct data_base));
				x.bases[k][d] = y.bases[k][d] = NULL;
			}
		}
		g_assert_cmpmem(&x, sizeof x, &y, sizeof y);
	}
}

static void assert_same_tables(const struct tables *a, const struct tables *b)
{
	g_assert_cmpstr(a->path, ==, b->path);
	g_assert_cmpint(a->dlt, ==, b->dlt);
	g_assert_cmpstr(a->link_name, ==, b->link_name);
	g_assert_cmpstr(a->warning, ==, b->warning);
	g_assert_cmpint(a->first_ns, ==, b->first_ns);
	g_assert_cmpmem(&a->stats, sizeof a->stats, &b->stats, sizeof b->stats);
	g_assert_cmpuint(a->packets->len, ==, b->packets->len);
	g_assert_cmpmem(a->packets->data, (size_t)a->packets->len * sizeof(struct pkt), b->packets->data,
	                (size_t)b->packets->len * sizeof(struct pkt));
	assert_same_array(a->mptcp_opts, b->mptcp_opts, sizeof(struct mptcp_option));
	assert_same_array(a->opt_rows, b->opt_rows, sizeof(uint32_t));
	assert_same_array(a->pkt_ext, b->pkt_ext, sizeof(struct pkt_ext));
	assert_same_array(a->map_ext, b->map_ext, sizeof(struct map_ext));
	assert_same_tcp(a, b);
	assert_same_mptcp(a, b);
	assert_same_array(a->events, b->events, sizeof(struct event));
	assert_same_array(a->links, b->links, sizeof(struct link));
}

/* ------------------------------------------------------------------ tests */

static bool need_shared(void)
{
	if (!shared_dir)
		g_test_skip("../shared is absent");
	return shared_dir != NULL;
}

/* save, load, compare with a fresh load of the capture */
static void round_trip(const char *rel)
{
	char *cap = capture_path(rel);
	char *file = tmp_path("rt.mpac");
	struct tables *t = test_load(cap);
	save(t, file);
	tables_free(t);
	GError *err = NULL;
	struct tables *c = cache_load(file, cap, &err);
	g_assert_no_error(err);
	g_assert_nonnull(c);
	struct tables *fresh = test_load(cap);
	assert_same_tables(fresh, c);
	tables_free(fresh);
	tables_free(c);
	g_unlink(file);
	g_free(file);
	g_free(cap);
}

static void test_round_trip(void)
{
	if (!need_shared())
		return;
	static const char *caps[] = {
		"v0/client_2.pcap", "v0/iperf-mptcp-0-0.pcap", "v1/many-client.pcap", "v1/lossy-client.pcap",
		"v1/mpfail-client.pcap", "v1/bidir-client.pcap", "v1/ipv6-server.pcap",
		"v1/basic-client-ifaces.pcapng", "v1/anyif-client.pcap", "v1/fastclose-server.pcap",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(caps); i++)
		round_trip(caps[i]);
}

/* the facts of client_2 read from a loaded cache (values, not only equality) */
static void test_client2_values(void)
{
	if (!need_shared())
		return;
	char *cap = capture_path("v0/client_2.pcap");
	char *file = tmp_path("c2.mpac");
	struct tables *t = test_load(cap);
	save(t, file);
	tables_free(t);
	GError *err = NULL;
	t = cache_load(file, cap, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(t->stats.frames, ==, 2884);
	g_assert_cmpuint(t->mptcp->len, ==, 4);
	const struct mptcp_conn *m = tables_mptcp(t, 0);
	static const uint32_t sf0[] = { 0, 1, 2, 6 };
	g_assert_cmpmem(m->subflows->data, m->subflows->len * sizeof(uint32_t), sf0, sizeof sf0);
	g_assert_cmpuint(m->dir[1].bytes, ==, 308);
	g_assert_cmpuint(m->dir[0].bytes, ==, 456);
	for (guint i = 0; i < t->mptcp->len; i++)
		g_assert_cmpuint(tables_mptcp(t, i)->subflows->len, ==, 4);
	/* the README's reinjection: data of stream 3 sent again on stream 4 */
	bool found = false;
	for (guint i = 0; i < t->links->len; i++) {
		const struct link *l = &g_array_index(t->links, struct link, i);
		const struct pkt *p = tables_pkt(t, l->pkt), *o = tables_pkt(t, l->orig);
		if (p->stream == 4 && o->stream == 3 && pkt_dsn(t, p) == pkt_dsn(t, o) && pkt_tcplen(t, p) == 2856)
			found = true;
	}
	g_assert_true(found);
	g_assert_cmpstr(t->path, ==, cap);
	tables_free(t);
	g_unlink(file);
	g_free(file);
	g_free(cap);
}

/* pointers are serialised: an unlinked join's reason string survives */
static void test_unlinked_reason(void)
{
	if (!need_shared())
		return;
	char *cap = capture_path("v1/basic-client.pcap");
	char *file = tmp_path("reason.mpac");
	struct tables *t = test_load(cap);
	g_assert_cmpuint(t->tcp->len, ==, 2);
	tables_tcp(t, 1)->unlinked_reason = "a reason written by a test";
	save(t, file);
	GError *err = NULL;
	struct tables *c = cache_load(file, cap, &err);
	g_assert_no_error(err);
	g_assert_null(tables_tcp(c, 0)->unlinked_reason);
	g_assert_cmpstr(tables_tcp(c, 1)->unlinked_reason, ==, "a reason written by a test");
	assert_same_tables(t, c);
	tables_free(c);
	tables_free(t);
	g_unlink(file);
	g_free(file);
	g_free(cap);
}

static void test_path_for(void)
{
	if (!need_shared())
		return;
	char *cap = capture_path("v1/basic-client.pcap");
	char *odd = g_build_filename(shared_dir, "captures", "v0", "..", "v1", "basic-client.pcap", NULL);
	char *dir = g_build_filename(tmp_dir, "a", "b", NULL);
	GError *err = NULL;
	char *p1 = cache_path_for(dir, cap, &err);
	g_assert_no_error(err);
	g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
	char *p2 = cache_path_for(dir, odd, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(p1, ==, p2); /* same real path, same cache */
	/* a build of another format never writes over (or maps) this one's */
	g_assert_true(g_str_has_suffix(p1, "-v" G_STRINGIFY(CACHE_FORMAT_VERSION) ".mpac"));
	g_assert_true(g_str_has_prefix(p1, dir));
	g_assert_cmpuint(strlen(p1), ==, strlen(dir) + 1 + 40 + strlen("-v" G_STRINGIFY(CACHE_FORMAT_VERSION)) + 5);
	char *other = capture_path("v1/basic-server.pcap");
	char *p3 = cache_path_for(dir, other, &err);
	g_assert_cmpstr(p1, !=, p3);
	char *missing = tmp_path("no-such.pcap");
	g_assert_null(cache_path_for(dir, missing, &err));
	g_assert_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN);
	g_clear_error(&err);
	g_rmdir(dir);
	char *a = g_build_filename(tmp_dir, "a", NULL);
	g_rmdir(a);
	g_free(a);
	g_free(missing);
	g_free(other);
	g_free(p1);
	g_free(p2);
	g_free(p3);
	g_free(dir);
	g_free(odd);
	g_free(cap);
}

static void test_missing(void)
{
	if (!need_shared())
		return;
	char *cap = capture_path("v1/basic-client.pcap");
	char *file = tmp_path("none.mpac");
	assert_refused(file, cap, MPTCPA_ERR_OPEN, "no cache");
	char *nocap = tmp_path("none.pcap");
	assert_refused(file, nocap, MPTCPA_ERR_OPEN, NULL);
	g_free(nocap);
	g_free(file);
	g_free(cap);
}

static void set_mtime(const char *path, int64_t sec)
{
	struct timespec ts[2] = { { sec, 0 }, { sec, 0 } };
	g_assert_cmpint(utimensat(AT_FDCWD, path, ts, 0), ==, 0);
}

static void test_stale(void)
{
	if (!need_shared())
		return;
	char *orig = capture_path("v1/mpfail-client.pcap");
	char *cap = tmp_path("copy.pcap");
	char *cap2 = tmp_path("copy2.pcap");
	char *file = tmp_path("stale.mpac");
	copy_file(orig, cap);
	copy_file(orig, cap2);
	set_mtime(cap, 1700000000);
	set_mtime(cap2, 1700000000);
	struct tables *t = test_load(cap);
	save(t, file);
	tables_free(t);
	GError *err = NULL;
	t = cache_load(file, cap, &err);
	g_assert_no_error(err);
	tables_free(t);
	/* same size, same time, another file */
	assert_refused(file, cap2, MPTCPA_ERR_CACHE, "stale: made for");
	/* touched */
	set_mtime(cap, 1700000001);
	assert_refused(file, cap, MPTCPA_ERR_CACHE, "stale");
	set_mtime(cap, 1700000000);
	t = cache_load(file, cap, &err);
	g_assert_no_error(err);
	tables_free(t);
	/* grown, time put back */
	FILE *fp = fopen(cap, "ab");
	fputc(0, fp);
	fclose(fp);
	set_mtime(cap, 1700000000);
	assert_refused(file, cap, MPTCPA_ERR_CACHE, "stale");
	/* changed between loading and saving: not saved under the new identity */
	t = test_load(cap2);
	fp = fopen(cap2, "ab");
	fputc(0, fp);
	fclose(fp);
	g_assert_false(cache_save(t, file, &err));
	g_assert_error(err, MPTCPA_ERROR, MPTCPA_ERR_CACHE);
	g_clear_error(&err);
	tables_free(t);
	g_unlink(cap);
	g_unlink(cap2);
	g_unlink(file);
	g_free(file);
	g_free(cap);
	g_free(cap2);
	g_free(orig);
}

/* a saved cache of a small capture, its bytes in *data */
static char *make_cache(const char *rel, gchar **data, gsize *len, char **cap)
{
	*cap = capture_path(rel);
	char *file = tmp_path("good.mpac");
	struct tables *t = test_load(*cap);
	save(t, file);
	tables_free(t);
	g_assert_true(g_file_get_contents(file, data, len, NULL));
	return file;
}

static void write_bytes(const char *file, const gchar *data, gsize len)
{
	test_put_file(file, data, (gssize)len);
}

static void test_truncated(void)
{
	if (!need_shared())
		return;
	gchar *data;
	gsize len;
	char *cap;
	char *good = make_cache("v1/mpfail-client.pcap", &data, &len, &cap);
	char *file = tmp_path("cut.mpac");
	guint tried = 0;
	/* every cut in the first 400 bytes (the header), then cuts across the rest */
	for (gsize cut = 0; cut < len; cut += cut < 400 ? 1 : 1 + len / 300) {
		write_bytes(file, data, cut);
		assert_refused(file, cap, MPTCPA_ERR_CACHE, NULL);
		tried++;
	}
	for (gsize cut = len - 64; cut < len; cut++) {
		write_bytes(file, data, cut);
		assert_refused(file, cap, MPTCPA_ERR_CACHE, "truncated");
		tried++;
	}
	/* cut after the header: says truncated */
	write_bytes(file, data, len / 2);
	assert_refused(file, cap, MPTCPA_ERR_CACHE, "truncated");
	/* a trailing byte */
	gchar *more = g_malloc(len + 1);
	memcpy(more, data, len);
	more[len] = 7;
	write_bytes(file, more, len + 1);
	assert_refused(file, cap, MPTCPA_ERR_CACHE, "corrupted");
	g_free(more);
	g_test_message("%u truncations refused", tried);
	g_assert_cmpuint(tried, >, 700);
	g_unlink(file);
	g_unlink(good);
	g_free(file);
	g_free(good);
	g_free(data);
	g_free(cap);
}

static void test_flipped(void)
{
	if (!need_shared())
		return;
	gchar *data;
	gsize len;
	char *cap;
	char *good = make_cache("v1/mpfail-client.pcap", &data, &len, &cap);
	char *file = tmp_path("flip.mpac");
	GRand *rnd = g_rand_new_with_seed(12345);
	/* every byte of the header, then random bytes anywhere */
	for (guint i = 0; i < 1000; i++) {
		gsize at = i < 200 ? i : (gsize)g_rand_int_range(rnd, 0, (gint32)len);
		guint8 bit = (guint8)(1u << g_rand_int_range(rnd, 0, 8));
		data[at] ^= (gchar)bit;
		write_bytes(file, data, len);
		assert_refused(file, cap, MPTCPA_ERR_CACHE, NULL);
		data[at] ^= (gchar)bit;
	}
	/* random garbage the size of the file */
	for (gsize i = 0; i < len; i++)
		data[i] = (gchar)g_rand_int(rnd);
	write_bytes(file, data, len);
	assert_refused(file, cap, MPTCPA_ERR_CACHE, "not a cache file");
	g_rand_free(rnd);
	g_unlink(file);
	g_unlink(good);
	g_free(file);
	g_free(good);
	g_free(data);
	g_free(cap);
}

static void test_version(void)
{
	if (!need_shared())
		return;
	gchar *data;
	gsize len;
	char *cap;
	char *good = make_cache("v1/basic-client.pcap", &data, &len, &cap);
	char *file = tmp_path("version.mpac");
	uint32_t v;
	memcpy(&v, data + 8, 4);
	g_assert_cmpuint(v, ==, CACHE_FORMAT_VERSION);
	v = CACHE_FORMAT_VERSION + 1;
	memcpy(data + 8, &v, 4);
	write_bytes(file, data, len);
	assert_refused(file, cap, MPTCPA_ERR_CACHE, "format version");
	v = CACHE_FORMAT_VERSION;
	memcpy(data + 8, &v, 4);
	/* sizeof(struct pkt) is the first struct size */
	uint32_t s = (uint32_t)sizeof(struct pkt) + 8;
	memcpy(data + 20, &s, 4);
	write_bytes(file, data, len);
	assert_refused(file, cap, MPTCPA_ERR_CACHE, "another build");
	g_unlink(file);
	g_unlink(good);
	g_free(file);
	g_free(good);
	g_free(data);
	g_free(cap);
}

/* rows that refer outside the tables are refused even with a valid checksum */
typedef void (*spoil_fn)(struct tables *t);

static void spoil_stream(struct tables *t) { tables_pkt(t, 10)->stream = t->tcp->len; }
static void spoil_opt(struct tables *t) { g_array_index(t->opt_rows, uint32_t, 0) = t->packets->len; }
static void spoil_event_pkt(struct tables *t) { g_array_index(t->events, struct event, 0).pkt = t->packets->len; }
static void spoil_tcp_mptcp(struct tables *t) { tables_tcp(t, 0)->mptcp = t->mptcp->len; }
static void spoil_wscale(struct tables *t) { tables_tcp(t, 0)->dir[1].wscale = 40; }
static void spoil_family(struct tables *t) { tables_tcp(t, 0)->family = 5; }
static void spoil_subflow(struct tables *t)
{
	uint32_t bad = t->tcp->len + 3;
	g_array_append_val(tables_mptcp(t, 0)->subflows, bad);
}
static void spoil_event(struct tables *t) { g_array_index(t->events, struct event, 0).type = 200; }
static void spoil_link(struct tables *t) { g_array_index(t->links, struct link, 0).orig = t->packets->len + 9; }
static void spoil_bool(struct tables *t) { *(unsigned char *)&tables_tcp(t, 0)->closed = 2; }
static void spoil_remove(struct tables *t)
{
	for (guint i = 0; i < t->mptcp_opts->len; i++) {
		struct mptcp_option *o = &g_array_index(t->mptcp_opts, struct mptcp_option, i);
		o->subtype = MPTCP_SUB_REMOVE_ADDR;
		o->malformed = false;
		o->u.remove_addr.count = 200;
	}
}

static void test_bad_rows(void)
{
	if (!need_shared())
		return;
	static const spoil_fn spoils[] = {
		spoil_stream, spoil_opt, spoil_event_pkt, spoil_tcp_mptcp, spoil_wscale, spoil_family,
		spoil_subflow, spoil_event, spoil_link, spoil_bool, spoil_remove,
	};
	char *cap = capture_path("v1/mpfail-client.pcap");
	char *file = tmp_path("spoilt.mpac");
	for (size_t i = 0; i < G_N_ELEMENTS(spoils); i++) {
		struct tables *t = test_load(cap);
		g_assert_cmpuint(t->events->len, >, 0);
		g_assert_cmpuint(t->links->len, >, 0);
		spoils[i](t);
		save(t, file);
		tables_free(t);
		assert_refused(file, cap, MPTCPA_ERR_CACHE, "corrupted (");
	}
	/* a window of the packets (streaming) is not cached */
	struct tables *t = test_load(cap);
	t->pkt_base = 1;
	GError *err = NULL;
	g_assert_false(cache_save(t, file, &err));
	g_assert_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE);
	g_clear_error(&err);
	t->pkt_base = 0;
	tables_free(t);
	g_unlink(file);
	g_free(file);
	g_free(cap);
}

/* not a timing assertion beyond a loose bound: the time is reported */
static void test_speed(void)
{
	if (!need_shared())
		return;
	char *cap = capture_path("v1/many-client.pcap");
	char *file = tmp_path("speed.mpac");
	gint64 t0 = g_get_monotonic_time();
	struct tables *t = test_load(cap);
	gint64 t1 = g_get_monotonic_time();
	save(t, file);
	tables_free(t);
	gint64 t2 = g_get_monotonic_time();
	GError *err = NULL;
	t = cache_load(file, cap, &err);
	gint64 t3 = g_get_monotonic_time();
	g_assert_no_error(err);
	g_assert_cmpuint(t->stats.frames, ==, 7505);
	g_test_message("many-client: capture_load %.1f ms, cache_save %.1f ms, cache_load %.2f ms",
	               (t1 - t0) / 1e3, (t2 - t1) / 1e3, (t3 - t2) / 1e3);
	g_assert_cmpint(t3 - t2, <, 1000000);
	tables_free(t);
	g_unlink(file);
	g_free(file);
	g_free(cap);
}

static void stat_file(const char *file, struct stat *st)
{
	g_assert_cmpint(g_lstat(file, (GStatBuf *)st), ==, 0);
}

/* loads `file` and checks it holds `t`, with its warning */
static void assert_cached(const char *file, const char *cap, const struct tables *t)
{
	GError *err = NULL;
	struct tables *c = cache_load(file, cap, &err);
	g_assert_no_error(err);
	g_assert_nonnull(c);
	assert_same_tables(t, c);
	g_assert_cmpstr(c->warning, ==, t->warning);
	tables_free(c);
}

/* An existing cache is overwritten in place (the same file, grown or cut to
 * the new length); a link to the cache, or a second name of it, is replaced
 * instead, its target left alone.  Uses the project's own example. */
static void test_in_place(void)
{
	char *cap = g_build_filename(test_source_root(), "examples", "lossy-client.pcap", NULL);
	char *file = tmp_path("inplace.mpac");
	struct tables *t = test_load(cap);
	save(t, file);
	struct stat first, st;
	stat_file(file, &first);

	/* a longer warning: the file grows, same inode */
	char *saved_warning = t->warning;
	t->warning = g_strnfill(10000, 'w');
	save(t, file);
	stat_file(file, &st);
	g_assert_cmpuint(st.st_ino, ==, first.st_ino);
	g_assert_cmpint(st.st_size, ==, first.st_size + 10000 - (saved_warning ? (goffset)strlen(saved_warning) : 0));
	assert_cached(file, cap, t);
	/* back to the original: the file is cut to its first length */
	g_free(t->warning);
	t->warning = saved_warning;
	save(t, file);
	stat_file(file, &st);
	g_assert_cmpuint(st.st_ino, ==, first.st_ino);
	g_assert_cmpint(st.st_size, ==, first.st_size);
	assert_cached(file, cap, t);

	/* a second name: replaced, the other name keeps the old bytes */
	char *other = tmp_path("inplace-other.mpac");
	g_assert_cmpint(link(file, other), ==, 0);
	t->warning = g_strdup("changed");
	save(t, file);
	stat_file(file, &st);
	g_assert_cmpuint(st.st_ino, !=, first.st_ino);
	struct stat ost;
	stat_file(other, &ost);
	g_assert_cmpuint(ost.st_ino, ==, first.st_ino);
	g_assert_cmpint(ost.st_size, ==, first.st_size);
	assert_cached(file, cap, t);

	/* a symbolic link: replaced by a file, its target untouched */
	char *target = tmp_path("inplace-target");
	test_put_file(target, "not a cache", -1);
	g_unlink(file);
	g_assert_cmpint(symlink(target, file), ==, 0);
	save(t, file);
	stat_file(file, &st);
	g_assert_true(S_ISREG(st.st_mode));
	gchar *kept;
	g_assert_true(g_file_get_contents(target, &kept, NULL, NULL));
	g_assert_cmpstr(kept, ==, "not a cache");
	g_free(kept);
	assert_cached(file, cap, t);

	tables_free(t);
	g_unlink(file);
	g_unlink(other);
	g_unlink(target);
	g_free(target);
	g_free(other);
	g_free(file);
	g_free(cap);
}

/* tables of `rows` packet rows (a byte pattern: nothing reads them but the
 * cache) for the example capture */
static struct tables *pattern_tables(guint rows, uint8_t seed)
{
	struct tables *t = tables_new();
	t->path = g_build_filename(test_source_root(), "examples", "basic-client.pcap", NULL);
	t->link_name = g_strdup("EN10MB");
	pkt_rows_set_len(t->packets, rows);
	for (size_t i = 0; i < (size_t)rows * sizeof(struct pkt); i++)
		t->packets->data[i] = (char)(i * 13 + i / 1000 + seed);
	return t;
}

static gchar *file_bytes(const char *file, gsize *len)
{
	gchar *data;
	g_assert_true(g_file_get_contents(file, &data, len, NULL));
	return data;
}

/* cache_save_begin writes the rows settled so far while the others still
 * change: the file is the one cache_save writes of the final tables, for a
 * new file and in place, with the first rows on either side of a chunk */
static void test_begin_end(void)
{
	guint rows = 3 * (1u << 20) / sizeof(struct pkt) + 777; /* 3 chunks and a part */
	guint settled_at[] = { 0, 1, 16383, 16384, 16385, 40000, rows - 1, rows };
	char *early = tmp_path("early.mpac"), *plain = tmp_path("plain.mpac");
	for (int in_place = 0; in_place < 2; in_place++) {
		for (size_t k = 0; k < G_N_ELEMENTS(settled_at); k++) {
			if (!in_place)
				g_unlink(early);
			struct tables *t = pattern_tables(rows, (uint8_t)k);
			GError *err = NULL;
			struct cache_save *cs = cache_save_begin(t, early, settled_at[k], &err);
			g_assert_no_error(err);
			g_assert_nonnull(cs);
			/* time for the helper to write the settled rows (1 ms of work) before they
			 * would change, so that writing too many early shows (ThreadSanitizer sees it
			 * either way) */
			g_usleep(20000);
			/* what finishing the load does meanwhile: the unsettled rows change, tables grow */
			for (guint r = settled_at[k]; r < rows; r++)
				tables_pkt(t, r)->frame = r + 1000000 * (uint32_t)(k + 1);
			struct event ev;
			memset(&ev, 0, sizeof ev);
			g_array_append_val(t->events, ev);
			g_assert_true(cache_save_end(cs, &err));
			g_assert_no_error(err);
			save(t, plain);
			gsize n1, n2;
			gchar *a = file_bytes(early, &n1), *b = file_bytes(plain, &n2);
			if (n1 != n2 || memcmp(a, b, n1) != 0) {
				gsize at = 0;
				while (at < MIN(n1, n2) && a[at] == b[at])
					at++;
				g_error("settled at %u, %s: %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT " bytes, first difference at %" G_GSIZE_FORMAT,
				        settled_at[k], in_place ? "in place" : "new file", n1, n2, at);
			}
			g_free(a);
			g_free(b);
			tables_free(t);
		}
	}
	/* abandoned: no cache is left behind, new (no temporary file either) or in place (emptied) */
	for (int in_place = 0; in_place < 2; in_place++) {
		struct tables *t = pattern_tables(rows, 9);
		g_unlink(early);
		if (in_place)
			save(t, early);
		struct cache_save *cs = cache_save_begin(t, early, rows / 2, NULL);
		g_assert_nonnull(cs);
		cache_save_abort(cs);
		struct stat st;
		if (in_place) {
			stat_file(early, &st);
			g_assert_cmpint(st.st_size, ==, 0);
		} else {
			g_assert_cmpint(stat(early, &st), !=, 0);
		}
		GDir *d = g_dir_open(tmp_dir, 0, NULL);
		for (const char *name; (name = g_dir_read_name(d));)
			g_assert_false(g_str_has_prefix(name, "early.mpac."));
		g_dir_close(d);
		tables_free(t);
	}
	g_unlink(early);
	g_unlink(plain);
	g_free(early);
	g_free(plain);
}

/* the hook of capture_load_tracked, as the analyzer's session uses it */
struct early_job {
	const char *file;
	struct cache_save *cs;
	uint32_t settled;
};

static void early_begin(struct tables *t, uint32_t settled, void *user)
{
	struct early_job *j = user;
	GError *err = NULL;
	j->settled = settled;
	j->cs = cache_save_begin(t, j->file, settled, &err);
	g_assert_no_error(err);
}

/* A load's cache is written while its last rows settle, and one of them may
 * repeat an original whose rows are being copied: the tracker leaves that
 * mark out (load.h) and tables_mark_reinjected() sets it once the copy is
 * done; a cache read back sets it from the links too.  The capture needs to
 * be long for it: examples/lossy-client.pcap (frame 689 repeated by frame
 * 1161) with 90,000 packets of a plain TCP stream between frames 900 and 901,
 * so that frame 689's rows are copied early and frame 1161 settles last. */
static void make_late_capture(const char *cap)
{
	char *lossy = g_build_filename(test_source_root(), "examples", "lossy-client.pcap", NULL);
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *in = pcap_open_offline(lossy, errbuf);
	g_assert_nonnull(in);
	pcap_t *dead = pcap_open_dead(pcap_datalink(in), 262144);
	pcap_dumper_t *out = pcap_dump_open(dead, cap);
	g_assert_nonnull(out);
	struct pcap_pkthdr *h;
	const u_char *data;
	for (unsigned n = 1; pcap_next_ex(in, &h, &data) == 1; n++) {
		pcap_dump((u_char *)out, h, data);
		for (uint32_t i = 0; n == 900 && i < 90000; i++) {
			static const uint8_t a[4] = { 10, 9, 9, 1 }, b4[4] = { 10, 9, 9, 2 };
			struct pb b;
			pb_init(&b);
			pb_eth(&b, 0x0800);
			size_t ip = pb_ipv4(&b, 6, a, b4, (uint16_t)i, 0, NULL, 0);
			struct pb_tcp tcp = { .sport = 40000, .dport = 80, .seq = 1 + i * 100, .ack = 1,
			                      .flags = 0x10, .win = 512, .payload = 100 };
			pb_tcp(&b, &tcp);
			pb_ipv4_end(&b, ip);
			struct pcap_pkthdr fh = { .ts = h->ts, .caplen = (bpf_u_int32)b.len, .len = (bpf_u_int32)b.len };
			pcap_dump((u_char *)out, &fh, b.buf);
		}
	}
	pcap_dump_close(out);
	pcap_close(dead);
	pcap_close(in);
	g_free(lossy);
}

/* the rows of frame 689 and of its repeat, frame 1161, in make_late_capture's */
#define LATE_ORIG 688u
#define LATE_REPEAT (1161u - 1 + 90000)

static void test_late_reinjection_marks(void)
{
	char *cap = tmp_path("late.pcap"), *file = tmp_path("late.mpac");
	make_late_capture(cap);
	GError *err = NULL;
	struct early_job job = { file, NULL, 0 };
	struct tables *t = capture_load_tracked(cap, NULL, NULL, early_begin, &job, -1, 0, &err);
	g_assert_no_error(err);
	g_assert_nonnull(job.cs);
	/* frame 689's rows (the first MiB chunk) were copied while frame 1161 settled */
	g_assert_cmpuint(job.settled, >, (1u << 20) / sizeof(struct pkt));
	const uint32_t orig = LATE_ORIG, repeat = LATE_REPEAT;
	g_assert_cmpuint(tables_pkt(t, orig)->frame, ==, 689);
	g_assert_cmpuint(tables_pkt(t, repeat)->frame, ==, 1161 + 90000);
	g_assert_true(tables_pkt(t, repeat)->marks & PF_REINJECTION);
	g_assert_false(tables_pkt(t, orig)->marks & PF_REINJECTED); /* left out while copied */
	g_assert_true(cache_save_end(job.cs, &err));
	g_assert_no_error(err);
	tables_mark_reinjected(t);
	g_assert_true(tables_pkt(t, orig)->marks & PF_REINJECTED);

	struct tables *fresh = capture_load(cap, NULL, NULL, &err);
	g_assert_no_error(err);
	struct tables *cached = cache_load(file, cap, &err);
	g_assert_no_error(err);
	g_assert_nonnull(cached);
	guint marked = 0;
	for (uint32_t r = 0; r < tables_n_pkts(fresh); r++) {
		uint16_t want = tables_pkt(fresh, r)->marks;
		marked += (want & PF_REINJECTED) != 0;
		g_assert_cmpuint(tables_pkt(t, r)->marks, ==, want);
		g_assert_cmpuint(tables_pkt(cached, r)->marks, ==, want);
	}
	g_assert_cmpuint(marked, >, 10);
	tables_free(cached);
	tables_free(fresh);
	tables_free(t);
	g_unlink(cap);
	g_unlink(file);
	g_free(cap), g_free(file);
}

/* the session's way with a cache file that exists (cli/session.c): opened
 * before the load, the rows written into it (pkt_rows.h), the save started
 * where the hook is called */
struct file_job {
	struct cache_save *cs;
	bool tamper;      /* the capture seems to have changed: the start fails */
	bool started;
};

static void file_start(struct tables *t, uint32_t settled, void *user)
{
	struct file_job *j = user;
	GError *err = NULL;
	uint64_t bytes = t->stats.bytes;
	if (j->tamper)
		t->stats.bytes = 1;
	j->started = cache_save_start(j->cs, t, settled, &err);
	t->stats.bytes = bytes;
	if (j->tamper) {
		g_assert_error(err, MPTCPA_ERROR, MPTCPA_ERR_CACHE);
		g_error_free(err);
	} else {
		g_assert_no_error(err);
	}
}

/* a load whose rows are `file`'s, the save started or not */
static struct tables *load_in_file(const char *cap, const char *file, struct file_job *job)
{
	GError *err = NULL;
	g_setenv("MPTCPANALYZER_ROWS_IN_FILE", "1", TRUE);
	job->cs = cache_save_open(file, cap, &err);
	g_assert_no_error(err);
	uint64_t off = 0;
	int fd = cache_save_rows_fd(job->cs, &off);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpuint(off % 4096, ==, 0);
	struct tables *t = capture_load_tracked(cap, NULL, NULL, file_start, job, fd, off, &err);
	g_unsetenv("MPTCPANALYZER_ROWS_IN_FILE");
	g_assert_no_error(err);
	g_assert_cmpuint(t->packets->mapped, >, 0);
	return t;
}

static void assert_same_rows(const struct tables *a, const struct tables *b)
{
	g_assert_cmpuint(tables_n_pkts(a), ==, tables_n_pkts(b));
	g_assert_cmpmem(a->packets->data, (size_t)a->packets->len * sizeof(struct pkt), b->packets->data,
	                (size_t)b->packets->len * sizeof(struct pkt));
}

/* A cache overwritten in place takes the load's rows as they are made: the
 * file is then the one cache_save writes of the final tables (the marks the
 * load leaves out set in it by cache_save_end), and reads back the same.
 * While the tables hold its rows, another writer replaces the file instead
 * of writing into it, and their rows do not change. */
static void test_rows_in_file(void)
{
	char *cap = tmp_path("inplace.pcap"), *file = tmp_path("inplace.mpac"), *plain = tmp_path("plain.mpac");
	make_late_capture(cap);
	struct tables *fresh = test_load(cap);
	g_assert_true(tables_pkt(fresh, LATE_ORIG)->marks & PF_REINJECTED);
	save(fresh, file);
	save(fresh, plain);
	struct stat before, after;
	stat_file(file, &before);

	struct file_job job = { NULL, false, false };
	struct tables *t = load_in_file(cap, file, &job);
	g_assert_true(job.started);
	g_assert_false(tables_pkt(t, LATE_ORIG)->marks & PF_REINJECTED); /* left out */
	GError *err = NULL;
	g_assert_true(cache_save_end(job.cs, &err));
	g_assert_no_error(err);
	g_assert_true(tables_pkt(t, LATE_ORIG)->marks & PF_REINJECTED);
	assert_same_tables(t, fresh);
	stat_file(file, &after);
	g_assert_cmpuint(after.st_ino, ==, before.st_ino); /* in place */
	gsize n1, n2;
	gchar *a = file_bytes(file, &n1), *b = file_bytes(plain, &n2);
	g_assert_cmpmem(a, n1, b, n2);
	g_free(a);
	g_free(b);
	struct tables *cached = cache_load(file, cap, &err);
	g_assert_no_error(err);
	assert_same_tables(cached, fresh);
	tables_free(cached);

	/* another writer while t holds the rows: a new file, t's rows untouched */
	struct tables *other = test_load(cap);
	tables_pkt(other, 5)->frame = 424242; /* to tell the files apart */
	save(other, file);
	stat_file(file, &after);
	g_assert_cmpuint(after.st_ino, !=, before.st_ino);
	assert_same_rows(t, fresh);
	struct cache_save *cs = cache_save_begin(other, file, 0, &err); /* in place now: no one holds it */
	g_assert_no_error(err);
	g_assert_true(cache_save_end(cs, &err));
	stat_file(file, &before);
	g_assert_cmpuint(after.st_ino, ==, before.st_ino);
	cached = cache_load(file, cap, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(tables_pkt(cached, 5)->frame, ==, 424242);
	tables_free(cached);
	tables_free(other);
	tables_free(t);
	/* the lock went with the tables: written in place again */
	t = load_in_file(cap, file, &job);
	g_assert_true(cache_save_end(job.cs, &err));
	stat_file(file, &after);
	g_assert_cmpuint(after.st_ino, ==, before.st_ino);
	a = file_bytes(file, &n1), b = file_bytes(plain, &n2);
	g_assert_cmpmem(a, n1, b, n2);
	g_free(a);
	g_free(b);
	tables_free(t);
	tables_free(fresh);
	g_unlink(cap), g_unlink(file), g_unlink(plain);
	g_free(cap), g_free(file), g_free(plain);
}

/* A save of rows in the file that is abandoned (or cannot start) empties the
 * file, and the tables keep their rows, now their own. */
static void test_rows_in_file_abort(void)
{
	char *cap = tmp_path("abort.pcap"), *file = tmp_path("abort.mpac");
	make_late_capture(cap);
	struct tables *fresh = test_load(cap);
	for (int tamper = 0; tamper < 2; tamper++) {
		save(fresh, file);
		struct file_job job = { NULL, tamper != 0, false };
		struct tables *t = load_in_file(cap, file, &job);
		g_assert_true(job.started == !tamper);
		cache_save_abort(job.cs);
		g_assert_cmpuint(t->packets->mapped, ==, 0);
		struct stat st;
		stat_file(file, &st);
		g_assert_cmpint(st.st_size, ==, 0);
		tables_mark_reinjected(t);
		assert_same_tables(t, fresh);
		tables_free(t);
	}
	tables_free(fresh);
	g_unlink(cap), g_unlink(file);
	g_free(cap), g_free(file);
}

/* A cache read maps its packet rows privately (pkt_rows_map_file): the marks
 * the file lacks are set in the process's copy, not in the file; while the
 * rows are mapped a writer replaces the file; while a writer holds the file,
 * a reader copies the rows instead. */
static void test_read_mapped(void)
{
	char *cap = tmp_path("mapped.pcap"), *file = tmp_path("mapped.mpac");
	make_late_capture(cap);
	struct tables *fresh = test_load(cap);
	GError *err = NULL;
	struct early_job job = { file, NULL, 0 };
	struct tables *t = capture_load_tracked(cap, NULL, NULL, early_begin, &job, -1, 0, &err);
	g_assert_true(cache_save_end(job.cs, &err)); /* the file lacks the late mark (load.h) */
	tables_free(t);
	gsize n0, n1;
	gchar *before = file_bytes(file, &n0);
	g_setenv("MPTCPANALYZER_ROWS_IN_FILE", "1", TRUE);
	struct tables *cached = cache_load(file, cap, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(cached->packets->mapped, >, 0);
	g_assert_false(cached->packets->shared);
	g_assert_true(tables_pkt(cached, LATE_ORIG)->marks & PF_REINJECTED);
	assert_same_tables(cached, fresh);
	gchar *after = file_bytes(file, &n1);
	g_assert_cmpmem(before, n0, after, n1); /* the mark is the process's own */
	g_free(after);
	/* a writer meanwhile replaces the file; the mapped rows do not change */
	struct stat st0, st1;
	stat_file(file, &st0);
	struct tables *other = test_load(cap);
	tables_pkt(other, 3)->frame = 31337;
	save(other, file);
	stat_file(file, &st1);
	g_assert_cmpuint(st1.st_ino, !=, st0.st_ino);
	assert_same_rows(cached, fresh);
	tables_free(cached);
	tables_free(other);
	/* a writer holding the file (its rows in it): the reader copies them */
	struct file_job fj = { NULL, false, false };
	t = load_in_file(cap, file, &fj);
	g_assert_true(cache_save_end(fj.cs, &err));
	g_setenv("MPTCPANALYZER_ROWS_IN_FILE", "1", TRUE);
	cached = cache_load(file, cap, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(cached->packets->mapped, ==, 0);
	assert_same_tables(cached, fresh);
	tables_free(cached);
	tables_free(t);
	cached = cache_load(file, cap, &err); /* let go: mapped again */
	g_assert_cmpuint(cached->packets->mapped, >, 0);
	assert_same_tables(cached, fresh);
	tables_free(cached);
	g_unsetenv("MPTCPANALYZER_ROWS_IN_FILE");
	tables_free(fresh);
	g_free(before);
	g_unlink(cap), g_unlink(file);
	g_free(cap), g_free(file);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	shared_dir = test_shared_dir();
	tmp_dir = g_dir_make_tmp("test_cache-XXXXXX", NULL);
	g_assert_nonnull(tmp_dir);
	g_test_add_func("/cache/round-trip", test_round_trip);
	g_test_add_func("/cache/client2-values", test_client2_values);
	g_test_add_func("/cache/unlinked-reason", test_unlinked_reason);
	g_test_add_func("/cache/path-for", test_path_for);
	g_test_add_func("/cache/missing", test_missing);
	g_test_add_func("/cache/stale", test_stale);
	g_test_add_func("/cache/truncated", test_truncated);
	g_test_add_func("/cache/flipped", test_flipped);
	g_test_add_func("/cache/version", test_version);
	g_test_add_func("/cache/bad-rows", test_bad_rows);
	g_test_add_func("/cache/speed", test_speed);
	g_test_add_func("/cache/in-place", test_in_place);
	g_test_add_func("/cache/begin-end", test_begin_end);
	g_test_add_func("/cache/late-reinjection-marks", test_late_reinjection_marks);
	g_test_add_func("/cache/rows-in-file", test_rows_in_file);
	g_test_add_func("/cache/rows-in-file-abort", test_rows_in_file_abort);
	g_test_add_func("/cache/read-mapped", test_read_mapped);
	int rc = g_test_run();
	g_rmdir(tmp_dir);
	g_free(tmp_dir);
	g_free(shared_dir);
	return rc;
}
