/* test_lazylib.c - the libraries opened on first use: not mapped before,
 * their forwarded functions working after; a library missing, or missing a
 * function, gives an error naming it, every time it is asked for. */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include "config.h"
#include "util/lazylib.h"

/* is a file whose name contains `part` mapped in this process? */
static bool mapped(const char *part)
{
	char *maps = NULL;
	g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
	bool yes = strstr(maps, part) != NULL;
	g_free(maps);
	return yes;
}

/* first test run: nothing has called a forwarder yet */
static void test_not_loaded_at_start(void)
{
	g_assert_false(mapped(LAZY_SONAME_JSON));
	g_assert_false(mapped(LAZY_SONAME_GIO));
	g_assert_false(mapped(LAZY_SONAME_SQLITE));
	g_assert_false(mapped(LAZY_SONAME_READLINE));
	g_assert_cmpuint(lazy_json.state, ==, 0);
}

static void test_missing_library(void)
{
	static const char *const names[] = { "f" };
	static void *slots[1];
	struct lazylib l = { "libmptcpa-no-such-library.so.9", "testing", names, slots, 1, 0, NULL };
	for (int i = 0; i < 2; i++) { /* tried once, the same answer after */
		GError *e = NULL;
		g_assert_false(lazylib_ready(&l, &e));
		g_assert_nonnull(e);
		g_assert_nonnull(strstr(e->message, "testing needs libmptcpa-no-such-library.so.9"));
		g_error_free(e);
	}
	g_assert_null(slots[0]);
	g_free(l.error);
}

/* a forwarder whose library cannot be opened stops the program, naming it */
static void test_forwarder_aborts(void)
{
	if (g_test_subprocess()) {
		static const char *const names[] = { "f" };
		static void *slots[1];
		static struct lazylib l = { "libmptcpa-no-such-library.so.9", "testing", names, slots, 1, 0, NULL };
		lazylib_fn(&l, 0);
		return; /* not reached */
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_failed();
	g_test_trap_assert_stderr("*testing needs libmptcpa-no-such-library.so.9, which cannot be loaded*");
}

static void test_missing_function(void)
{
	static const char *const names[] = { "sqlite3_libversion", "sqlite3_no_such_function" };
	static void *slots[2];
	struct lazylib l = { LAZY_SONAME_SQLITE, "testing", names, slots, 2, 0, NULL };
	GError *e = NULL;
	g_assert_false(lazylib_ready(&l, &e));
	g_assert_nonnull(strstr(e->message, "no function sqlite3_no_such_function"));
	g_error_free(e);
	g_free(l.error);
}

/* the forwarders reach the real functions: a document built and printed */
static void test_json_forwarded(void)
{
	g_assert_true(lazylib_ready(&lazy_json, NULL));
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "n");
	json_builder_add_int_value(b, -42);
	json_builder_set_member_name(b, "list");
	json_builder_begin_array(b);
	json_builder_add_boolean_value(b, TRUE);
	json_builder_add_string_value(b, "x\"y");
	json_builder_add_null_value(b);
	json_builder_add_double_value(b, 0.5);
	json_builder_end_array(b);
	json_builder_end_object(b);
	JsonNode *root = json_builder_get_root(b);
	JsonGenerator *g = json_generator_new();
	json_generator_set_pretty(g, FALSE);
	json_generator_set_root(g, root);
	char *text = json_generator_to_data(g, NULL);
	g_assert_cmpstr(text, ==, "{\"n\":-42,\"list\":[true,\"x\\\"y\",null,0.5]}");
	g_free(text);
	g_object_unref(g);
	json_node_unref(root);
	g_object_unref(b);
	g_assert_true(mapped(LAZY_SONAME_JSON));
}

/* opened by the first call, without asking lazylib_ready() first */
static void test_sqlite_first_call(void)
{
	g_assert_false(mapped(LAZY_SONAME_SQLITE));
	g_assert_cmpstr(sqlite3_libversion(), ==, SQLITE_VERSION);
	sqlite3 *db = NULL;
	g_assert_cmpint(sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db, "no such statement", NULL, NULL, NULL), ==, SQLITE_ERROR);
	g_assert_nonnull(strstr(sqlite3_errmsg(db), "syntax error"));
	g_assert_cmpint(sqlite3_close(db), ==, SQLITE_OK);
	g_assert_true(mapped(LAZY_SONAME_SQLITE));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/lazylib/not-loaded-at-start", test_not_loaded_at_start);
	g_test_add_func("/lazylib/missing-library", test_missing_library);
	g_test_add_func("/lazylib/forwarder-aborts", test_forwarder_aborts);
	g_test_add_func("/lazylib/json-forwarded", test_json_forwarded);
	g_test_add_func("/lazylib/sqlite-first-call", test_sqlite_first_call);
	g_test_add_func("/lazylib/missing-function", test_missing_function); /* opens SQLite */
	return g_test_run();
}
