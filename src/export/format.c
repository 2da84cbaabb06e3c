/* format.c - see format.h. */
#include "export/format.h"

#include <arpa/inet.h>
#include <sys/socket.h>

void fmt_u64(GString *o, uint64_t v)
{
	char buf[24];
	int i = sizeof buf;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	g_string_append_len(o, buf + i, (gssize)sizeof buf - i);
}

void fmt_i64(GString *o, int64_t v)
{
	if (v < 0) {
		g_string_append_c(o, '-');
		fmt_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		fmt_u64(o, (uint64_t)v);
	}
}

void fmt_time_ns(GString *o, int64_t ns)
{
	if (ns < 0) {
		g_string_append_c(o, '-');
		ns = -ns;
	}
	fmt_u64(o, (uint64_t)ns / 1000000000);
	char frac[10];
	uint64_t f = (uint64_t)ns % 1000000000;
	frac[0] = '.';
	for (int i = 9; i >= 1; i--, f /= 10)
		frac[i] = (char)('0' + f % 10);
	g_string_append_len(o, frac, 10);
}

void fmt_hex16(GString *o, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	char b[6] = { '0', 'x', hex[v >> 12 & 15], hex[v >> 8 & 15], hex[v >> 4 & 15], hex[v & 15] };
	g_string_append_len(o, b, 6);
}

void fmt_addr(GString *o, uint8_t family, const uint8_t *addr)
{
	char buf[INET6_ADDRSTRLEN];
	if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, sizeof buf))
		g_string_append(o, buf);
}
