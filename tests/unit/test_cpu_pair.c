/* test_cpu_pair.c - two threads kept apart: between cpu_pair_begin and
 * cpu_pair_end the caller runs on one processor only (the one it was on), a
 * thread that joined on every other one it had, and cpu_pair_end gives the
 * caller back what it had.  With one processor allowed, or with
 * MPTCPANALYZER_PIN=0, nothing changes.  A load (which pairs its two
 * threads) leaves the caller's processors as they were.  Where the test may
 * use a single processor (a container, taskset), the parts that need two
 * skip. */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <glib.h>
#include "util/cpu_pair.h"
#include "test_common.h"

static cpu_set_t current(void)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	g_assert_cmpint(sched_getaffinity(0, sizeof s, &s), ==, 0);
	return s;
}

static bool two_allowed(void)
{
	cpu_set_t s = current();
	if (CPU_COUNT(&s) < 2) {
		g_test_skip("this process may use a single processor");
		return false;
	}
	return true;
}

struct joined {
	const struct cpu_pair *cp;
	cpu_set_t seen;
};

static void *join_run(void *data)
{
	struct joined *j = data;
	cpu_pair_join(j->cp);
	j->seen = current();
	return NULL;
}

/* the mask a thread started after begin sees once it joined */
static cpu_set_t joined_mask(const struct cpu_pair *cp)
{
	struct joined j = { .cp = cp };
	pthread_t th;
	g_assert_cmpint(pthread_create(&th, NULL, join_run, &j), ==, 0);
	g_assert_cmpint(pthread_join(th, NULL), ==, 0);
	return j.seen;
}

static void test_apart(void)
{
	if (!two_allowed())
		return;
	cpu_set_t before = current();
	struct cpu_pair cp;
	cpu_pair_begin(&cp);
	g_assert_true(cp.on);
	cpu_set_t mine = current();
	g_assert_cmpint(CPU_COUNT(&mine), ==, 1);
	int here = sched_getcpu();
	g_assert_true(CPU_ISSET(here, &mine));
	cpu_set_t other = joined_mask(&cp);
	/* the other thread: every processor the caller had but the caller's */
	g_assert_cmpint(CPU_COUNT(&other), ==, CPU_COUNT(&before) - 1);
	g_assert_false(CPU_ISSET(here, &other));
	cpu_set_t both;
	CPU_OR(&both, &other, &mine);
	g_assert_true(CPU_EQUAL(&both, &before));
	cpu_pair_end(&cp);
	g_assert_false(cp.on);
	cpu_set_t after = current();
	g_assert_true(CPU_EQUAL(&after, &before));
	cpu_pair_end(&cp); /* a second end changes nothing */
	after = current();
	g_assert_true(CPU_EQUAL(&after, &before));
}

static void test_turned_off(void)
{
	if (!two_allowed())
		return;
	cpu_set_t before = current();
	g_setenv("MPTCPANALYZER_PIN", "0", TRUE);
	struct cpu_pair cp;
	cpu_pair_begin(&cp);
	g_unsetenv("MPTCPANALYZER_PIN");
	g_assert_false(cp.on);
	cpu_set_t mine = current();
	g_assert_true(CPU_EQUAL(&mine, &before));
	cpu_set_t other = joined_mask(&cp);
	g_assert_true(CPU_EQUAL(&other, &before));
	cpu_pair_end(&cp);
	mine = current();
	g_assert_true(CPU_EQUAL(&mine, &before));
}

static void test_single_processor(void)
{
	cpu_set_t before = current();
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	g_assert_cmpint(sched_setaffinity(0, sizeof one, &one), ==, 0);
	struct cpu_pair cp;
	cpu_pair_begin(&cp);
	g_assert_false(cp.on);
	cpu_set_t other = joined_mask(&cp);
	g_assert_true(CPU_EQUAL(&other, &one));
	cpu_pair_end(&cp);
	cpu_set_t mine = current();
	g_assert_true(CPU_EQUAL(&mine, &one));
	g_assert_cmpint(sched_setaffinity(0, sizeof before, &before), ==, 0);
}

static void test_load_restores(void)
{
	cpu_set_t before = current();
	char *path = g_build_filename(test_source_root(), "examples", "basic-client.pcap", NULL);
	struct tables *t = test_load(path);
	g_assert_cmpuint(t->packets->len, >, 0);
	cpu_set_t after = current();
	g_assert_true(CPU_EQUAL(&after, &before));
	tables_free(t);
	g_free(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cpu_pair/apart", test_apart);
	g_test_add_func("/cpu_pair/turned_off", test_turned_off);
	g_test_add_func("/cpu_pair/single_processor", test_single_processor);
	g_test_add_func("/cpu_pair/load_restores", test_load_restores);
	return g_test_run();
}
