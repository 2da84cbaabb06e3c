/* test_prefault.c - memory faulted in by another thread: only while active,
 * only whole pages inside the part noted, only ranges of 64 KiB to 16 MiB, at
 * most 32 of them waiting; populating changes no byte; array_reserve notes
 * what an array grew by.  Residency is read with mincore().  Where the kernel
 * has no MADV_POPULATE_WRITE (before 5.14), the tests skip. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib.h>
#include "util/array.h"
#include "util/prefault.h"
#include "test_common.h"

#define KIB 1024u
#define MIB (1024u * 1024u)

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* a fresh anonymous mapping, nothing touched (no huge pages: each page counts) */
static uint8_t *fresh(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g_assert_true(p != MAP_FAILED);
#ifdef MADV_NOHUGEPAGE
	(void)madvise(p, n, MADV_NOHUGEPAGE);
#endif
	return p;
}

static bool populate_supported(void)
{
#ifdef MADV_POPULATE_WRITE
	uint8_t *p = fresh(page_size());
	bool ok = madvise(p, page_size(), MADV_POPULATE_WRITE) == 0;
	munmap(p, page_size());
	if (!ok)
		g_test_skip("MADV_POPULATE_WRITE not supported here");
	return ok;
#else
	g_test_skip("MADV_POPULATE_WRITE not defined here");
	return false;
#endif
}

static void test_inactive_drops(void)
{
	if (!populate_supported())
		return;
	uint8_t *p = fresh(2 * MIB);
	prefault_note(p, 0, MIB); /* no load running */
	g_assert_cmpuint(prefault_service(), ==, 0);
	g_assert_cmpuint(test_resident_pages(p, 2 * MIB), ==, 0);
	munmap(p, 2 * MIB);
}

static void test_populates_the_part_noted(void)
{
	if (!populate_supported())
		return;
	size_t pg = page_size();
	uint8_t *p = fresh(4 * MIB);
	memset(p, 0xab, 100); /* live data before the new part */
	prefault_begin();
	/* from byte 100: the first whole page inside starts at p + pg */
	prefault_note(p, 100, MIB + 10);
	g_assert_cmpuint(prefault_service(), ==, MIB - pg);
	g_assert_cmpuint(test_resident_pages(p + pg, MIB - pg), ==, (MIB - pg) / pg);
	g_assert_cmpuint(test_resident_pages(p + MIB, 3 * MIB), ==, 0);
	for (size_t i = 0; i < 100; i++)
		g_assert_cmpuint(p[i], ==, 0xab);
	for (size_t i = pg; i < MIB; i++)
		g_assert_cmpuint(p[i], ==, 0);
	/* served once: nothing left */
	g_assert_cmpuint(prefault_service(), ==, 0);
	prefault_end();
	munmap(p, 4 * MIB);
}

static void test_size_limits(void)
{
	if (!populate_supported())
		return;
	uint8_t *p = fresh(20 * MIB);
	prefault_begin();
	prefault_note(p, 0, 60 * KIB);        /* under 64 KiB: a few faults, not worth it */
	prefault_note(p, 0, 17 * MIB);        /* over 16 MiB: a reservation */
	g_assert_cmpuint(prefault_service(), ==, 0);
	prefault_note(p, 0, 64 * KIB);
	prefault_note(p, 4 * MIB, 20 * MIB);  /* 16 MiB exactly */
	g_assert_cmpuint(prefault_service(), ==, 64 * KIB + 16 * MIB);
	prefault_end();
	munmap(p, 20 * MIB);
}

static void test_ring_keeps_32(void)
{
	if (!populate_supported())
		return;
	uint8_t *p = fresh(40 * 64 * KIB);
	prefault_begin();
	for (size_t i = 0; i < 40; i++)
		prefault_note(p, i * 64 * KIB, (i + 1) * 64 * KIB);
	g_assert_cmpuint(prefault_service(), ==, 32 * 64 * KIB);
	/* the first 32 noted, in order */
	g_assert_cmpuint(test_resident_pages(p, 32 * 64 * KIB), ==, 32 * 64 * KIB / page_size());
	g_assert_cmpuint(test_resident_pages(p + 32 * 64 * KIB, 8 * 64 * KIB), ==, 0);
	prefault_end();
	munmap(p, 40 * 64 * KIB);
}

static void test_end_drops_pending(void)
{
	if (!populate_supported())
		return;
	uint8_t *p = fresh(MIB);
	prefault_begin();
	prefault_note(p, 0, MIB);
	prefault_end();
	g_assert_cmpuint(prefault_service(), ==, 0);
	g_assert_cmpuint(test_resident_pages(p, MIB), ==, 0);
	munmap(p, MIB);
}

static void test_unmapped_is_ignored(void)
{
	if (!populate_supported())
		return;
	uint8_t *p = fresh(MIB);
	munmap(p, MIB);
	prefault_begin();
	prefault_note(p, 0, MIB); /* gone from the address space */
	g_assert_cmpuint(prefault_service(), ==, 0);
	prefault_end();
}

/* array_reserve notes the first half of the part it grew (what a list that
 * has just doubled is likely to fill); the elements kept are unchanged */
static void test_array_reserve_notes(void)
{
	if (!populate_supported())
		return;
	GArray *a = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	guint room = 0;
	for (uint64_t i = 0; i < 1000; i++)
		array_push(a, &room, &i, sizeof i);
	prefault_begin();
	g_assert_cmpuint(prefault_service(), ==, 0);
	array_reserve(a, &room, 256 * 1024); /* 2 MiB of elements */
	size_t got = prefault_service();
	/* the first half of the new part: from element 1000 to 1000 + (256k -
	 * 1000) / 2, whole pages inside */
	size_t half = (256 * 1024 - 1000) / 2 * sizeof(uint64_t);
	g_assert_cmpuint(got, >=, half - 2 * page_size());
	g_assert_cmpuint(got, <=, half);
	for (uint64_t i = 0; i < 1000; i++)
		g_assert_cmpuint(g_array_index(a, uint64_t, i), ==, i);
	prefault_end();
	g_array_free(a, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/prefault/inactive_drops", test_inactive_drops);
	g_test_add_func("/prefault/populates_the_part_noted", test_populates_the_part_noted);
	g_test_add_func("/prefault/size_limits", test_size_limits);
	g_test_add_func("/prefault/ring_keeps_32", test_ring_keeps_32);
	g_test_add_func("/prefault/end_drops_pending", test_end_drops_pending);
	g_test_add_func("/prefault/unmapped_is_ignored", test_unmapped_is_ignored);
	g_test_add_func("/prefault/array_reserve_notes", test_array_reserve_notes);
	return g_test_run();
}
