/* format.c - see format.h. */
#include "export/format.h"

#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

const char fmt_digit_pairs[200] =
	"0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
	"5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

const uint64_t fmt_pow10[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
	10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
};

/* dotted quad by hand (inet_ntop goes through sprintf for IPv4); returns the length */
static size_t ipv4_text(char *buf, const uint8_t *addr)
{
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		unsigned b = addr[i];
		if (i)
			buf[n++] = '.';
		if (b >= 100)
			buf[n++] = (char)('0' + b / 100);
		if (b >= 10)
			buf[n++] = (char)('0' + b / 10 % 10);
		buf[n++] = (char)('0' + b % 10);
	}
	return n;
}

/* The text of the last addresses this thread formatted: rows repeat the two
 * addresses of their connection, and a capture holds few of them, so most
 * addresses are a compare and a copy. */
#define RECENT_ADDRS 4
struct addr_text {
	uint8_t family, len;       /* family 0: empty */
	uint8_t addr[16];
	char text[INET6_ADDRSTRLEN];
};
static _Thread_local struct addr_text recent[RECENT_ADDRS];
static _Thread_local unsigned recent_next;

static const struct addr_text *recent_find(uint8_t family, const uint8_t *addr)
{
	for (int i = 0; i < RECENT_ADDRS; i++) {
		const struct addr_text *e = &recent[i];
		if (e->family == family && (family == 4 ? memcmp(e->addr, addr, 4) : memcmp(e->addr, addr, 16)) == 0)
			return e;
	}
	return NULL;
}

/* formats the address into the next entry (the oldest goes); NULL when
 * inet_ntop refuses it */
static const struct addr_text *recent_add(uint8_t family, const uint8_t *addr)
{
	struct addr_text *e = &recent[recent_next++ % RECENT_ADDRS];
	e->family = 0;
	if (family == 4)
		e->len = (uint8_t)ipv4_text(e->text, addr);
	else if (inet_ntop(AF_INET6, addr, e->text, sizeof e->text))
		e->len = (uint8_t)strlen(e->text);
	else
		return NULL;
	memcpy(e->addr, addr, family == 4 ? 4 : 16);
	e->family = family;
	return e;
}

char *put_addr(char *p, uint8_t family, const uint8_t *addr)
{
	if (family != 4 && family != 6) { /* unknown (an address a CSV export did not carry) */
		*p = '?';
		return p + 1;
	}
	const struct addr_text *found = recent_find(family, addr);
	if (!found && !(found = recent_add(family, addr)))
		return p;
	memcpy(p, found->text, sizeof found->text); /* a fixed-size copy: no call */
	return p + found->len;
}

/* ------------------------------------------------------------------ GString */

void cursor_grow(struct cursor *c, size_t need)
{
	size_t len = (size_t)(c->p - c->s->str);
	g_string_set_size(c->s, len + need); /* keeps the text, moves it maybe */
	c->s->len = len;
	c->p = c->s->str + len;
	c->end = c->s->str + c->s->allocated_len - 1;
}

void fmt_addr(GString *o, uint8_t family, const uint8_t *addr)
{
	struct cursor c;
	cursor_open(&c, o, FMT_ROOM);
	c.p = put_addr(c.p, family, addr);
	cursor_close(&c);
}
