/* test_common.h - what the unit tests share: where the source tree and the
 * read-only captures of ../shared are (MPTCPA_SOURCE_ROOT, set by meson). */
#ifndef MPTCPA_TEST_COMMON_H
#define MPTCPA_TEST_COMMON_H

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "table/load.h"

/* pages of the mapped range [p, p + n) in memory (mincore); n a multiple of
 * the page size */
static inline size_t test_resident_pages(const void *p, size_t n)
{
	size_t pages = n / (size_t)sysconf(_SC_PAGESIZE), r = 0;
	unsigned char *v = g_malloc(pages);
	g_assert_cmpint(mincore((void *)p, n, v), ==, 0);
	for (size_t i = 0; i < pages; i++)
		r += v[i] & 1;
	g_free(v);
	return r;
}

/* the source tree's root ("." when the test is run by hand from it) */
static inline const char *test_source_root(void)
{
	const char *src = g_getenv("MPTCPA_SOURCE_ROOT");
	return src ? src : ".";
}

/* <source root>/../shared when it holds the captures, else NULL (tests that
 * need it then skip); to be freed by the caller */
static inline char *test_shared_dir(void)
{
	char *dir = g_build_filename(test_source_root(), "..", "shared", NULL);
	char *readme = g_build_filename(dir, "captures", "v1", "README.md", NULL);
	gboolean there = g_file_test(readme, G_FILE_TEST_EXISTS);
	g_free(readme);
	if (!there) {
		g_free(dir);
		return NULL;
	}
	return dir;
}

/* a capture that must load */
static inline struct tables *test_load(const char *path)
{
	GError *err = NULL;
	struct tables *t = capture_load(path, NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_nonnull(t);
	return t;
}

/* a capture of <shared>/captures/REL that must load */
static inline struct tables *test_load_shared(const char *shared, const char *rel)
{
	char *path = g_build_filename(shared, "captures", rel, NULL);
	struct tables *t = test_load(path);
	g_free(path);
	return t;
}

/* removes a test's scratch folder and the files in it (it has no subfolder) */
static inline void test_remove_dir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d))) {
		char *p = g_build_filename(dir, name, NULL);
		g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

/* writes a file without the fsync of g_file_set_contents: tests write hundreds */
static inline void test_put_file(const char *path, const char *data, gssize len)
{
	g_unlink(path); /* a new file: rewriting one in place waits for its flush (ext4) */
	FILE *fp = fopen(path, "wb");
	g_assert_nonnull(fp);
	size_t n = len < 0 ? strlen(data) : (size_t)len;
	g_assert_cmpuint(fwrite(data, 1, n, fp), ==, n);
	g_assert_cmpint(fclose(fp), ==, 0);
}

#endif
