/* test_hugeheap.c - the heap in huge pages: after hugeheap_init, blocks under
 * 32 MiB come from the heap, the heap's memory carries the kernel's huge page
 * advice (VmFlags "hg" in /proc/self/smaps) from the first hugeheap_advise on,
 * including what arrays grow it by later, and hugeheap_release gives freed
 * memory back (VmRSS falls).  Where huge pages do not pay
 * (util/hugepages.h), the same memory is advised against them ("nh"), and a
 * big array's whole 2 MiB blocks too; slow populating turns the choice, but
 * not for buffers pinned for direct I/O (hg unless forced off).  During a
 * load, the heap's free end is populated a few MiB ahead (prefault_heap_ahead),
 * changing no byte; outside one, nothing.  Where the allocator is not glibc's
 * heap (a sanitizer's), the heap tests skip. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <glib.h>
#include "util/array.h"
#include "util/hugeheap.h"
#include "util/hugepages.h"
#include "util/prefault.h"
#include "test_common.h"

extern char end; /* the linker's end of the program's data: the heap is above */

static bool in_heap(const void *p)
{
	return (uintptr_t)p >= (uintptr_t)&end && (uintptr_t)p < (uintptr_t)sbrk(0);
}

/* the VmFlags of the mapping holding address p ("" when not found) */
static gchar *vm_flags_at(const void *p)
{
	gchar *smaps = NULL;
	g_assert_true(g_file_get_contents("/proc/self/smaps", &smaps, NULL, NULL));
	gchar **lines = g_strsplit(smaps, "\n", -1);
	gchar *flags = g_strdup("");
	bool inside = false;
	for (gchar **l = lines; *l; l++) {
		unsigned long long lo, hi;
		if (sscanf(*l, "%llx-%llx ", &lo, &hi) == 2 && strchr(*l, ' ') > strchr(*l, '-'))
			inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (inside && g_str_has_prefix(*l, "VmFlags:")) {
			g_free(flags);
			flags = g_strdup(*l + strlen("VmFlags:"));
			break;
		}
	}
	g_strfreev(lines);
	g_free(smaps);
	return flags;
}

static bool has_flag(const void *p, const char *flag)
{
	gchar *flags = vm_flags_at(p);
	bool has = strstr(flags, flag) != NULL;
	g_free(flags);
	return has;
}

static bool advised(const void *p)
{
	return has_flag(p, " hg");
}

static uint64_t rss_bytes(void)
{
	gchar *status = NULL;
	g_assert_true(g_file_get_contents("/proc/self/status", &status, NULL, NULL));
	const char *v = strstr(status, "VmRSS:");
	g_assert_nonnull(v);
	uint64_t kib = g_ascii_strtoull(v + strlen("VmRSS:"), NULL, 10);
	g_free(status);
	return kib * 1024;
}

/* hugeheap_init applied: a 16 MiB block lands in the heap (glibc's default
 * would map it apart) */
static bool heap_in_use(void)
{
	void *probe = malloc(16u << 20);
	bool ok = probe && in_heap(probe);
	free(probe);
	if (!ok)
		g_test_skip("malloc is not glibc's heap here (a sanitizer's allocator?)");
	return ok;
}

static void test_block_in_advised_heap(void)
{
	if (!heap_in_use())
		return;
	hugeheap_advise(); /* as a load does before it allocates */
	char *b = malloc(4u << 20);
	g_assert_true(in_heap(b));
	g_assert_true(advised(b + (2u << 20)));
	memset(b, 1, 4u << 20);
	g_assert_cmpint(b[(4u << 20) - 1], ==, 1);
	free(b);
}

/* The heap's free end starts after the last block carved from it; during a
 * load prefault_heap_ahead populates it whole huge pages at a time, from the
 * one it starts in to PREFAULT_HEAP_AHEAD past its start, once; outside a
 * load it does nothing.  The block before it keeps its bytes. */
static void test_free_end_populated_ahead(void)
{
	if (!heap_in_use())
		return;
#ifndef MADV_POPULATE_WRITE
	g_test_skip("MADV_POPULATE_WRITE not defined here");
#else
	const uintptr_t huge = (uintptr_t)2 << 20;
	hugeheap_advise();
	char *b = malloc(1u << 20);
	memset(b, 7, 1u << 20);
	uintptr_t lo, hi;
	g_assert_true(hugeheap_free_end(&lo, &hi));
	g_assert_cmpuint(lo, >=, (uintptr_t)b + (1u << 20));
	g_assert_cmpuint(hi - lo, >=, PREFAULT_HEAP_AHEAD); /* the 64 MiB step */
	uintptr_t from = (lo + huge - 1) & ~(huge - 1), to = (lo + PREFAULT_HEAP_AHEAD) & ~(huge - 1);
	size_t pages = (to - from) / (size_t)sysconf(_SC_PAGESIZE);
	size_t before = test_resident_pages((void *)from, to - from);
	g_assert_cmpuint(prefault_heap_ahead(), ==, 0); /* no load running */
	g_assert_cmpuint(test_resident_pages((void *)from, to - from), ==, before);
	prefault_begin();
	size_t got = prefault_heap_ahead();
	if (got == 0 && errno == EINVAL) {
		prefault_end();
		free(b);
		g_test_skip("MADV_POPULATE_WRITE not supported here");
		return;
	}
	/* from the huge page lo is in */
	g_assert_cmpuint(got, ==, to - (lo & ~(huge - 1)));
	g_assert_cmpuint(test_resident_pages((void *)from, to - from), ==, pages);
	g_assert_cmpuint(prefault_heap_ahead(), ==, 0); /* done already */
	prefault_end();
	for (size_t i = 0; i < (1u << 20); i++)
		g_assert_cmpint(b[i], ==, 7);
	free(b);
#endif
}

/* arrays grown past the first 64 MiB step: the heap's new part is advised too */
static void test_growth_advised(void)
{
	if (!heap_in_use())
		return;
	enum { N_ARRAYS = 8, ELTS = (12u << 20) / 8 };
	GArray *a[N_ARRAYS];
	guint room[N_ARRAYS] = { 0 };
	for (int k = 0; k < N_ARRAYS; k++)
		a[k] = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	for (uint64_t i = 0; i < ELTS; i++)
		for (int k = 0; k < N_ARRAYS; k++) {
			uint64_t v = i * N_ARRAYS + (uint64_t)k;
			array_push(a[k], &room[k], &v, sizeof v);
		}
	uint64_t before_free = rss_bytes();
	for (int k = 0; k < N_ARRAYS; k++) {
		g_assert_cmpuint(a[k]->len, ==, ELTS);
		g_assert_cmpuint(g_array_index(a[k], uint64_t, ELTS - 1), ==, (ELTS - 1) * N_ARRAYS + (uint64_t)k);
		/* 12 MiB each (16 MiB of room): all in the heap, which grew past its
		 * first 64 MiB step */
		g_assert_true(in_heap(a[k]->data));
		g_assert_true(advised(a[k]->data + a[k]->len * sizeof(uint64_t) - 1));
	}
	g_assert_cmpuint(before_free, >=, (uint64_t)N_ARRAYS * (12u << 20));
	for (int k = 0; k < N_ARRAYS; k++)
		g_array_free(a[k], TRUE);
	hugeheap_release();
	/* all of it is given back, the heap's 64 MiB of slack included (which
	 * free alone keeps: 75 MiB stay); a test binary holds 3 MiB besides */
	g_assert_cmpuint(rss_bytes(), <, 32u << 20);
	/* and the heap grows advised again */
	char *b = malloc(4u << 20);
	g_assert_true(in_heap(b));
	g_assert_true(advised(b + (2u << 20)));
	free(b);
}

/* the choice forced off: the heap and a big array advised against huge pages
 * (a fresh process: the choice is made once per process) */
static void test_forced_off(void)
{
	if (g_test_subprocess()) {
		g_assert_false(hugepages_pay());
		enum { BIG = 8u << 20 };
		uint8_t *m = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		g_assert_true(m != MAP_FAILED);
		hugepages_advise_inside(m, BIG);
		/* the whole 2 MiB blocks inside: the one after the first boundary */
		uint8_t *inside = (uint8_t *)(((uintptr_t)m + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
		g_assert_true(has_flag(inside + 4096, " nh"));
		g_assert_false(has_flag(inside + 4096, " hg"));
		munmap(m, BIG);
		void *probe = malloc(16u << 20);
		if (probe && in_heap(probe)) {
			hugeheap_advise();
			g_assert_true(has_flag((uint8_t *)probe + (2u << 20), " nh"));
		}
		free(probe);
		return;
	}
	/* the child inherits the environment: MPTCPANALYZER_HUGEPAGES=0 there */
	g_setenv("MPTCPANALYZER_HUGEPAGES", "0", TRUE);
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_setenv("MPTCPANALYZER_HUGEPAGES", "1", TRUE);
	g_test_trap_assert_passed();
}

/* forced on, whatever timing would say */
static void test_forced_on(void)
{
	g_assert_true(hugepages_pay());
	g_assert_false(hugepages_populated(4u << 20, 40 * 1000000LL)); /* slow: kept */
	g_assert_true(hugepages_pay());
}

/* not forced: huge pages until a step of 2 MiB or more populates at over 1 ms
 * per MiB; quick steps and small ones change nothing; it turns once */
static void test_turns_when_slow(void)
{
	if (g_test_subprocess()) {
		g_assert_true(hugepages_pay());
		g_assert_false(hugepages_populated(2u << 20, 300000));     /* 0.3 ms: quick */
		g_assert_false(hugepages_populated(512u << 10, 5000000));  /* too small to tell */
		g_assert_false(hugepages_populated(1u << 20, 3000000));    /* slow, 1 MiB so far */
		g_assert_true(hugepages_pay());
		g_assert_true(hugepages_populated(1u << 20, 3000000));     /* 2 MiB slow: turns */
		g_assert_false(hugepages_pay());
		g_assert_false(hugepages_populated(2u << 20, 9000000));    /* already turned */
		g_assert_false(hugepages_pay());
		return;
	}
	/* empty: not forced (and main leaves a set variable alone) */
	g_setenv("MPTCPANALYZER_HUGEPAGES", "", TRUE);
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_setenv("MPTCPANALYZER_HUGEPAGES", "1", TRUE);
	g_test_trap_assert_passed();
}

/* the direct writer's buffers (hugepages_advise_io): huge pages even once
 * the choice has turned against them, and none when forced off */
static void advise_io_check(const char *want, const char *not_want)
{
	enum { BIG = 4u << 20 };
	uint8_t *m = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g_assert_true(m != MAP_FAILED);
	hugepages_advise_io(m, BIG);
	g_assert_true(has_flag(m + 4096, want));
	g_assert_false(has_flag(m + 4096, not_want));
	munmap(m, BIG);
}

static void test_advise_io(void)
{
	if (g_test_subprocess()) {
		bool off = strcmp(g_getenv("MPTCPANALYZER_HUGEPAGES"), "0") == 0;
		if (!off) {
			g_assert_true(hugepages_populated(2u << 20, 9000000)); /* slow: turned */
			g_assert_false(hugepages_pay());
		}
		advise_io_check(off ? " nh" : " hg", off ? " hg" : " nh");
		return;
	}
	g_setenv("MPTCPANALYZER_HUGEPAGES", "", TRUE);
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_test_trap_assert_passed();
	g_setenv("MPTCPANALYZER_HUGEPAGES", "0", TRUE);
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_setenv("MPTCPANALYZER_HUGEPAGES", "1", TRUE);
	g_test_trap_assert_passed();
}

int main(int argc, char **argv)
{
	/* the heap tests check the advice for huge pages: made, not timed */
	if (!g_getenv("MPTCPANALYZER_HUGEPAGES"))
		g_setenv("MPTCPANALYZER_HUGEPAGES", "1", TRUE);
	hugeheap_init();
	hugeheap_init(); /* a second call changes nothing */
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hugeheap/block_in_advised_heap", test_block_in_advised_heap);
	g_test_add_func("/hugeheap/growth_advised", test_growth_advised);
	g_test_add_func("/hugeheap/free_end_populated_ahead", test_free_end_populated_ahead);
	g_test_add_func("/hugeheap/forced_off", test_forced_off);
	g_test_add_func("/hugeheap/forced_on", test_forced_on);
	g_test_add_func("/hugeheap/turns_when_slow", test_turns_when_slow);
	g_test_add_func("/hugeheap/advise_io", test_advise_io);
	return g_test_run();
}
