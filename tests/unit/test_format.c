/* test_format.c - the export's number, time and address writers against
 * printf and inet_ntop: edges (digit-count boundaries, the 32-bit limit,
 * the extremes) and a million seeded random values of every magnitude. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <glib.h>
#include "export/format.h"

/* writes with put (put.h) through a cursor into a string that already
 * holds a prefix, as rows are written */
#define CHECK_PUT(put, value, expect)                                         \
	do {                                                                  \
		GString *o_ = g_string_new("x,");                             \
		struct cursor c_;                                             \
		cursor_open(&c_, o_, FMT_ROOM);                               \
		c_.p = put(c_.p, value);                                      \
		cursor_close(&c_);                                            \
		g_assert_cmpstr(o_->str + 2, ==, expect);                     \
		g_assert_cmpuint(o_->len, ==, 2 + strlen(expect));            \
		g_string_free(o_, TRUE);                                      \
	} while (0)

static void check_u64(uint64_t v)
{
	char want[32];
	snprintf(want, sizeof want, "%" PRIu64, v);
	CHECK_PUT(put_u64, v, want);
}

/* seconds.nanoseconds with 9 decimals, the sign in front */
static void check_time(int64_t ns)
{
	char want[40];
	uint64_t mag = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns;
	snprintf(want, sizeof want, "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "", mag / 1000000000,
	         mag % 1000000000);
	CHECK_PUT(put_time_ns, ns, want);
}

static void test_u64_edges(void)
{
	check_u64(0);
	uint64_t p = 1;
	for (int i = 0; i < 20; i++, p *= 10) {
		check_u64(p - 1);
		check_u64(p);
		check_u64(p + 1);
	}
	check_u64(UINT32_MAX - 1);
	check_u64(UINT32_MAX);
	check_u64((uint64_t)UINT32_MAX + 1);
	check_u64(UINT64_MAX);
	check_u64(UINT64_MAX - 1);
	CHECK_PUT(put_u64, 4294967296u, "4294967296");
	CHECK_PUT(put_u64, 17328612200006659956u, "17328612200006659956");
}

static void test_time_edges(void)
{
	const int64_t v[] = { 0, 1, 9, 10, 99, 100, 999999999, 1000000000, 1000000001, -1, -999999999,
	                      -1000000000, 1795703751860543000, INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	for (size_t i = 0; i < G_N_ELEMENTS(v); i++)
		check_time(v[i]);
	CHECK_PUT(put_time_ns, 1795703751860543000, "1795703751.860543000");
	CHECK_PUT(put_time_ns, 19000, "0.000019000");
	CHECK_PUT(put_time_ns, -1, "-0.000000001");
}

/* random values spread over every magnitude: a random bit length, then bits */
static void test_random(void)
{
	GRand *r = g_rand_new_with_seed(20261126);
	for (int i = 0; i < 1000000; i++) {
		unsigned bits = (unsigned)g_rand_int_range(r, 0, 65);
		uint64_t v = ((uint64_t)g_rand_int(r) << 32) | g_rand_int(r);
		v = bits == 64 ? v : v & ((UINT64_C(1) << bits) - 1);
		check_u64(v);
		check_time((int64_t)v);
	}
	g_rand_free(r);
}

static void test_hex16(void)
{
	CHECK_PUT(put_hex16, 0, "0x0000");
	CHECK_PUT(put_hex16, 0x12, "0x0012");
	CHECK_PUT(put_hex16, 0x1ff, "0x01ff");
	CHECK_PUT(put_hex16, 0xffff, "0xffff");
	CHECK_PUT(put_hex16, 0xabcd, "0xabcd");
}

static void check_addr(int family, const char *text)
{
	uint8_t addr[16] = { 0 };
	g_assert_cmpint(inet_pton(family == 4 ? AF_INET : AF_INET6, text, addr), ==, 1);
	GString *o = g_string_new("");
	fmt_addr(o, (uint8_t)family, addr);
	char want[INET6_ADDRSTRLEN];
	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, want, sizeof want);
	g_assert_cmpstr(o->str, ==, want);
	g_string_free(o, TRUE);
}

static void test_addresses(void)
{
	const char *v4[] = { "0.0.0.0", "198.18.1.2", "10.0.0.255", "255.255.255.255", "1.22.133.4", "100.9.90.0" };
	for (size_t i = 0; i < G_N_ELEMENTS(v4); i++)
		check_addr(4, v4[i]);
	const char *v6[] = { "::", "::1", "fd00::1", "2001:db8::ff00:42:8329", "fe80::1:0:0:1",
	                     "2001:db8:0:0:1:0:0:1", "::ffff:198.18.1.2", "1:2:3:4:5:6:7:8" };
	for (size_t i = 0; i < G_N_ELEMENTS(v6); i++)
		check_addr(6, v6[i]);
	GString *o = g_string_new("");
	uint8_t zero[16] = { 0 };
	fmt_addr(o, 7, zero);
	g_assert_cmpstr(o->str, ==, "?");
	g_string_free(o, TRUE);
}

/* fmt_addr keeps the text of the last few addresses: draws from more
 * addresses than it keeps, both families, a v6 address starting with the
 * bytes of a v4 one, into strings with room and without */
static void test_recent_addresses(void)
{
	const char *pool[][2] = {
		{ "4", "1.2.3.4" }, { "6", "102:304::" }, { "6", "102:304::1" }, { "4", "198.18.1.2" },
		{ "4", "198.19.0.2" }, { "6", "fd00::1" }, { "6", "fd00::2" }, { "4", "10.0.0.1" },
		{ "4", "10.0.0.2" }, { "6", "::ffff:10.0.0.1" }, { "4", "255.255.255.255" }, { "6", "::" },
	};
	GRand *r = g_rand_new_with_seed(42);
	GString *big = g_string_sized_new(1 << 16);
	for (int i = 0; i < 20000; i++) {
		guint k = (guint)g_rand_int_range(r, 0, G_N_ELEMENTS(pool));
		if (i % 2) {
			check_addr(pool[k][0][0] - '0', pool[k][1]); /* a string without room */
			continue;
		}
		uint8_t addr[16] = { 0 };
		int family = pool[k][0][0] - '0';
		g_assert_cmpint(inet_pton(family == 4 ? AF_INET : AF_INET6, pool[k][1], addr), ==, 1);
		g_string_truncate(big, 0);
		g_string_append(big, "x,");
		fmt_addr(big, (uint8_t)family, addr);
		g_assert_cmpstr(big->str + 2, ==, pool[k][1]);
	}
	g_string_free(big, TRUE);
	g_rand_free(r);
}

/* Every value below 10^8, against a decimal odometer: put_digits8 (all 8
 * digits) and put_group (no leading zeros) rest on one multiplier each,
 * right only if it is right for all of them; so do both ways to 8 digits
 * (SSE2 lanes, and the pairs of the other machines). */
static void test_groups_exhaustive(void)
{
	char odo[8] = { '0', '0', '0', '0', '0', '0', '0', '0' };
	unsigned lead = 7; /* the first digit that is not a leading zero */
	char buf[FMT_ROOM];
	for (uint32_t u = 0; u < 100000000; u++) {
		if (put_digits8(buf, u) != buf + 8 || memcmp(buf, odo, 8) != 0)
			g_error("put_digits8(%u): %.8s", u, buf);
		/* the portable way, where put_digits8 has SSE2 */
		uint64_t w = digits8_word_pairs(u);
		if (memcmp(&w, odo, 8) != 0)
			g_error("digits8_word_pairs(%u): %.8s", u, (const char *)&w);
		char *end = put_group(buf, u);
		if ((size_t)(end - buf) != 8 - lead || memcmp(buf, odo + lead, 8 - lead) != 0)
			g_error("put_group(%u): %.*s", u, (int)(end - buf), buf);
		for (int i = 7; i >= 0; i--) { /* the next value */
			if (odo[i] != '9') {
				odo[i]++;
				if ((unsigned)i < lead)
					lead = (unsigned)i;
				break;
			}
			odo[i] = '0';
		}
	}
}

/* put_* at a raw pointer: the end they return, and nothing before it */
static void test_put_raw(void)
{
	char buf[8 + FMT_ROOM];
	memset(buf, '#', sizeof buf);
	char *end = put_u64(buf + 8, 12345678901234567890u);
	g_assert_true(end == buf + 28);
	g_assert_cmpmem(buf, 8, "########", 8);
	g_assert_cmpmem(buf + 8, 20, "12345678901234567890", 20);
	end = put_time_ns(buf + 8, -1500000000);
	g_assert_true(end == buf + 8 + 12);
	g_assert_cmpmem(buf + 8, 12, "-1.500000000", 12);
	end = put_hex16(buf + 8, 0xbeef);
	g_assert_true(end == buf + 14);
	g_assert_cmpmem(buf + 8, 6, "0xbeef", 6);
	uint8_t a[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	end = put_addr(buf + 8, 6, a);
	g_assert_true(end == buf + 8 + 7);
	g_assert_cmpmem(buf + 8, 7, "fd00::1", 7);
}

/* values appended one after another into a string that has to grow: the
 * cursor makes room for each, and for each further value of a list */
static void test_growth(void)
{
	GString *o = g_string_sized_new(1);
	GString *want = g_string_new("");
	for (uint64_t v = 1; v < UINT64_MAX / 3; v = v * 3 + 1) {
		struct cursor c;
		cursor_open(&c, o, FMT_ROOM);
		c.p = put_u64(c.p, v);
		cursor_close(&c);
		g_string_append_c(o, ',');
		g_string_append_printf(want, "%" PRIu64 ",", v);
	}
	g_assert_cmpstr(o->str, ==, want->str);
	g_string_free(o, TRUE);
	g_string_free(want, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/format/u64-edges", test_u64_edges);
	g_test_add_func("/format/time-edges", test_time_edges);
	g_test_add_func("/format/random", test_random);
	g_test_add_func("/format/hex16", test_hex16);
	g_test_add_func("/format/addresses", test_addresses);
	g_test_add_func("/format/recent-addresses", test_recent_addresses);
	g_test_add_func("/format/growth", test_growth);
	g_test_add_func("/format/groups-exhaustive", test_groups_exhaustive);
	g_test_add_func("/format/put-raw", test_put_raw);
	return g_test_run();
}
