/* test_common.h - what the unit tests share: where the source tree and the
 * read-only captures of ../shared are (MPTCPA_SOURCE_ROOT, set by meson). */
#ifndef MPTCPA_TEST_COMMON_H
#define MPTCPA_TEST_COMMON_H

#include <glib.h>

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

#endif
